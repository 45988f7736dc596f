//! The dependency graph of a rule set (petgraph): one node per rule, an edge from each rule
//! to every rule it refers to with `@id` and to the scope rule that gates it.
//!
//! [`plan`] returns the evaluation order (dependencies first), computed once per rule set, or
//! every dependency cycle, each as the whole loop. [`to_dot`] and [`to_mermaid`] draw it.

use petgraph::algo::{tarjan_scc, toposort};
use petgraph::graph::{DiGraph, NodeIndex};

use crate::rules::{Rule, RuleKind, RuleSet};

/// The dependencies of one rule: its `@references` and its gate.
pub fn dependencies(rule: &Rule) -> Vec<usize> {
    let mut deps = Vec::new();
    rule.when.rule_refs(&mut deps);
    for e in &rule.unless {
        e.cond.rule_refs(&mut deps);
    }
    deps.extend(rule.gate);
    deps.sort_unstable();
    deps.dedup();
    deps
}

/// The evaluation order and the edges, or the cycles (each a list of rule indices in order).
/// The evaluation order and the dependency edges `(rule, dependency)`.
pub type Plan = (Vec<usize>, Vec<(usize, usize)>);

pub fn plan(rules: &[Rule]) -> Result<Plan, Vec<Vec<usize>>> {
    let mut graph: DiGraph<usize, ()> = DiGraph::with_capacity(rules.len(), rules.len());
    let nodes: Vec<NodeIndex> = (0..rules.len()).map(|i| graph.add_node(i)).collect();
    let mut edges = Vec::new();
    for (i, rule) in rules.iter().enumerate() {
        for d in dependencies(rule) {
            // dependency -> dependent, so a topological sort puts dependencies first
            graph.add_edge(nodes[d], nodes[i], ());
            edges.push((i, d));
        }
    }
    match toposort(&graph, None) {
        Ok(order) => Ok((order.into_iter().map(|n| graph[n]).collect(), edges)),
        Err(_) => {
            let mut cycles = Vec::new();
            for scc in tarjan_scc(&graph) {
                let members: Vec<usize> = scc.iter().map(|n| graph[*n]).collect();
                let self_loop =
                    members.len() == 1 && dependencies(&rules[members[0]]).contains(&members[0]);
                if members.len() > 1 || self_loop {
                    cycles.push(walk_cycle(rules, &members));
                }
            }
            cycles.sort();
            Err(cycles)
        }
    }
}

/// A loop through the members of a strongly connected component, starting at its first rule
/// in file order: `a -> b -> ... -> (back to a)`.
fn walk_cycle(rules: &[Rule], members: &[usize]) -> Vec<usize> {
    let start = members.iter().copied().min().unwrap_or(0);
    let mut path = vec![start];
    let mut current = start;
    let mut seen = vec![start];
    // Follow dependencies that stay inside the component until we are back at the start.
    for _ in 0..members.len() {
        let deps = dependencies(&rules[current]);
        if deps.contains(&start) && !(current == start && path.len() == 1 && members.len() > 1) {
            return path;
        }
        match deps
            .iter()
            .find(|d| members.contains(d) && !seen.contains(d))
        {
            Some(&next) => {
                path.push(next);
                seen.push(next);
                current = next;
            }
            None => return path,
        }
    }
    path
}

fn kind_label(rule: &Rule) -> &'static str {
    match rule.kind {
        RuleKind::Scope => "scope",
        RuleKind::Fact => "fact",
        RuleKind::Finding => "finding",
    }
}

/// The graph in Graphviz DOT, one cluster per pack.
pub fn to_dot(set: &RuleSet) -> String {
    let mut out = String::from(
        "digraph clausemap {\n  rankdir=LR;\n  node [shape=box, fontname=\"Helvetica\"];\n",
    );
    for (p, pack) in set.packs.iter().enumerate() {
        out.push_str(&format!(
            "  subgraph \"cluster_{p}\" {{\n    label={};\n",
            quote(&pack.regulation)
        ));
        for rule in set.rules.iter().filter(|r| r.pack == p) {
            let style = match rule.kind {
                RuleKind::Finding => "",
                _ => ", style=rounded",
            };
            out.push_str(&format!(
                "    {} [label={}{style}];\n",
                quote(&rule.id),
                quote(&format!(
                    "{}\\n{} ({})",
                    rule.id,
                    rule.citation,
                    kind_label(rule)
                ))
            ));
        }
        out.push_str("  }\n");
    }
    for (from, to) in sorted_edges(set) {
        out.push_str(&format!(
            "  {} -> {};\n",
            quote(&set.rules[from].id),
            quote(&set.rules[to].id)
        ));
    }
    out.push_str("}\n");
    out
}

/// The graph as a Mermaid flowchart.
pub fn to_mermaid(set: &RuleSet) -> String {
    let mut out = String::from("flowchart LR\n");
    for (p, pack) in set.packs.iter().enumerate() {
        out.push_str(&format!(
            "  subgraph p{p}[\"{}\"]\n",
            pack.regulation.replace('"', "'")
        ));
        for (i, rule) in set.rules.iter().enumerate().filter(|(_, r)| r.pack == p) {
            out.push_str(&format!(
                "    r{i}[\"{}<br/>{}\"]\n",
                rule.id,
                rule.citation.replace('"', "'")
            ));
        }
        out.push_str("  end\n");
    }
    for (from, to) in sorted_edges(set) {
        out.push_str(&format!("  r{from} --> r{to}\n"));
    }
    out
}

fn sorted_edges(set: &RuleSet) -> Vec<(usize, usize)> {
    let mut edges = set.edges.clone();
    edges.sort_unstable();
    edges
}

fn quote(s: &str) -> String {
    format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""))
}
