//! `clausemap test`: the rule packs' own test cases.
//!
//! Each `<pack>.tests.yaml` holds cases a lawyer can read: a note, a provision's attributes,
//! entity facts, a date, and the rules that must and must not fire. Cases run against the
//! whole rule set. Every failing case is shown with what was expected and what came out.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use crate::date::Date;
use crate::error::Problem;
use crate::eval::{self, explain, Facts, Status};
use crate::model::DocumentMeta;
use crate::rules::raw::{RawExpectation, RawTests};
use crate::rules::yaml::{self, SpanIndex};
use crate::rules::RuleSet;
use crate::source::Source;

/// One case, checked.
#[derive(Debug)]
pub struct Case {
    pub origin: String,
    pub note: String,
    pub as_of: Date,
    pub entity: Map<String, Value>,
    pub document: Map<String, Value>,
    pub provision: Map<String, Value>,
    pub must_fire: Vec<(usize, Status)>,
    pub must_not_fire: Vec<usize>,
}

/// Read and check the cases of one test file, reporting every problem.
pub fn load_cases(set: &RuleSet, source: &Source) -> Result<Vec<Case>, Vec<Problem>> {
    let raw: RawTests = yaml::from_source(source).map_err(|p| vec![p])?;
    let spans = SpanIndex::build(source);
    let mut problems = Vec::new();
    let mut cases = Vec::new();
    for (i, c) in raw.cases.into_iter().enumerate() {
        let base = format!("cases/{i}");
        let (line, _) = source.line_col(spans.span(source, &base).start);
        let origin = format!("{}:{line}", source.name);
        let Some(as_of) = c.as_of.or(raw.as_of) else {
            problems.push(
                Problem::new("test::no-date", "case has no `as_of`, and the file gives none")
                    .at(source, spans.span(source, &base))
                    .help("add `as_of: YYYY-MM-DD` to the case or at the top of the file, so the case means the same every day"),
            );
            continue;
        };
        let rule = |id: &str, path: String, problems: &mut Vec<Problem>| -> Option<usize> {
            let found = set.rule(id);
            if found.is_none() {
                let help = crate::check::suggest(id, set.rules.iter().map(|r| r.id.as_str()))
                    .map(|s| format!("did you mean `{s}`?"))
                    .unwrap_or_else(|| "name a rule by its `id`".to_string());
                problems.push(
                    Problem::new("test::unknown-rule", format!("unknown rule `{id}`"))
                        .at(source, spans.value_span(source, &path))
                        .help(help),
                );
            }
            found
        };
        let mut must_fire = Vec::new();
        for (j, e) in c.must_fire.iter().enumerate() {
            let (id, status, path) = match e {
                RawExpectation::Rule(id) => {
                    (id.as_str(), "applies", format!("{base}/must_fire/{j}"))
                }
                RawExpectation::WithStatus(f) => (
                    &*f.rule,
                    f.status.as_str(),
                    format!("{base}/must_fire/{j}/rule"),
                ),
            };
            let Some(r) = rule(id, path, &mut problems) else {
                continue;
            };
            match Status::parse(status) {
                Some(s) => must_fire.push((r, s)),
                None => problems.push(
                    Problem::new("test::bad-status", format!("unknown status `{status}`"))
                        .at(
                            source,
                            spans.value_span(source, &format!("{base}/must_fire/{j}/status")),
                        )
                        .help("a status is applies, undetermined or upcoming"),
                ),
            }
        }
        let mut must_not_fire = Vec::new();
        for (j, id) in c.must_not_fire.iter().enumerate() {
            if let Some(r) = rule(id, format!("{base}/must_not_fire/{j}"), &mut problems) {
                must_not_fire.push(r);
            }
        }
        let entity = c.entity.or_else(|| raw.entity.clone()).unwrap_or_default();
        // The facts must be in the vocabulary: a misspelt attribute in a case is an error.
        let (_, errs) = eval::intern_attributes(&set.vocab, &c.provision);
        let (_, errs2) = eval::intern_entity(&set.vocab, &entity);
        for e in errs {
            problems.push(
                Problem::new("test::bad-fact", e)
                    .at(source, spans.span(source, &format!("{base}/provision"))),
            );
        }
        let entity_at = if spans.get(&format!("{base}/entity")).is_some() {
            format!("{base}/entity")
        } else {
            "entity".to_string()
        };
        for e in errs2 {
            problems
                .push(Problem::new("test::bad-fact", e).at(source, spans.span(source, &entity_at)));
        }
        cases.push(Case {
            origin,
            note: c.note,
            as_of,
            entity,
            document: c.document.unwrap_or_default(),
            provision: c.provision,
            must_fire,
            must_not_fire,
        });
    }
    if problems.is_empty() {
        Ok(cases)
    } else {
        Err(problems)
    }
}

/// The results of all test files.
#[derive(Debug, Default)]
pub struct TestReport {
    pub passed: usize,
    pub failed: usize,
    pub failures: Vec<String>,
    /// Per rule: has a positive case, has a negative case.
    pub positive: Vec<bool>,
    pub negative: Vec<bool>,
}

impl TestReport {
    /// Finding rules without a positive or a negative case.
    pub fn uncovered(&self, set: &RuleSet) -> Vec<(String, bool, bool)> {
        set.rules
            .iter()
            .enumerate()
            .filter(|(i, _)| !self.positive[*i] || !self.negative[*i])
            .map(|(i, r)| (r.id.clone(), self.positive[i], self.negative[i]))
            .collect()
    }

    pub fn render(&self, set: &RuleSet, coverage: bool) -> String {
        let mut out = String::new();
        for f in &self.failures {
            out.push_str(f);
            out.push('\n');
        }
        if coverage {
            let uncovered = self.uncovered(set);
            let covered = set.rules.len() - uncovered.len();
            out.push_str(&format!(
                "coverage: {covered} of {} rules have a positive and a negative case\n",
                set.rules.len()
            ));
            for (id, pos, neg) in &uncovered {
                let lacks = match (pos, neg) {
                    (false, false) => "no positive and no negative case",
                    (false, true) => "no positive case",
                    _ => "no negative case",
                };
                out.push_str(&format!("  {id}: {lacks}\n"));
            }
        }
        out.push_str(&format!("{} passed, {} failed\n", self.passed, self.failed));
        out
    }
}

/// Run every case of every test file.
pub fn run_all(set: &RuleSet) -> Result<TestReport, Vec<Problem>> {
    let mut problems = Vec::new();
    let mut all = Vec::new();
    for t in &set.tests {
        match load_cases(set, t) {
            Ok(cases) => all.extend(cases),
            Err(mut ps) => problems.append(&mut ps),
        }
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    let mut report = TestReport {
        positive: vec![false; set.rules.len()],
        negative: vec![false; set.rules.len()],
        ..TestReport::default()
    };
    let mut row = Vec::new();
    for case in &all {
        for (r, _) in &case.must_fire {
            report.positive[*r] = true;
        }
        for r in &case.must_not_fire {
            report.negative[*r] = true;
        }
        let (attrs, _) = eval::intern_attributes(&set.vocab, &case.provision);
        let (entity, _) = eval::intern_entity(&set.vocab, &case.entity);
        let meta = DocumentMeta {
            fields: case.document.clone(),
            ..DocumentMeta::default()
        };
        let (doc, _) = eval::intern_document(&set.vocab, &meta);
        let facts = Facts {
            attrs: &attrs,
            entity: &entity,
            doc: &doc,
            as_of: case.as_of,
        };
        eval::run(set, &facts, &mut row);
        let findings = eval::findings(set, &facts, &row);
        let mut got: BTreeMap<&str, Status> =
            findings.iter().map(|f| (&*f.rule, f.status)).collect();
        // Scope and fact rules have no finding: they "fire" when they hold (or may hold).
        for (i, r) in set.rules.iter().enumerate() {
            if !r.is_finding() {
                match row[i] {
                    crate::eval::Tri::True => {
                        got.insert(r.id.as_str(), Status::Applies);
                    }
                    crate::eval::Tri::Unknown => {
                        got.insert(r.id.as_str(), Status::Undetermined);
                    }
                    crate::eval::Tri::False => {}
                }
            }
        }
        let mut lines = Vec::new();
        for (r, status) in &case.must_fire {
            let id = set.rules[*r].id.as_str();
            match got.get(id) {
                Some(s) if s == status => {}
                Some(s) => {
                    lines.push(format!(
                        "  expected `{id}` to fire with status {}, but its status is {}",
                        status.as_str(),
                        s.as_str()
                    ));
                    if let Some(f) = findings.iter().find(|f| &*f.rule == id) {
                        if !f.missing.is_empty() {
                            lines.push(format!("    - unknown: {}", f.missing.join(", ")));
                        }
                        if let Some(d) = f.in_force {
                            lines.push(format!("    - in force from {d}"));
                        }
                    }
                }
                None => {
                    let t = explain::trace(set, *r, &facts, &row);
                    let mut why = t.failed.clone();
                    if why.is_empty() && !t.missing.is_empty() {
                        why.push(format!("unknown: {}", t.missing.join(", ")));
                    }
                    let rule = &set.rules[*r];
                    if rule.valid_to.is_some_and(|end| case.as_of > end) {
                        why.push(format!(
                            "the rule ended on {}",
                            rule.valid_to.map(|d| d.to_string()).unwrap_or_default()
                        ));
                    }
                    lines.push(format!(
                        "  expected `{id}` to fire ({}), but it did not:",
                        status.as_str()
                    ));
                    lines.extend(why.into_iter().map(|w| format!("    - {w}")));
                }
            }
        }
        for r in &case.must_not_fire {
            let id = set.rules[*r].id.as_str();
            if let Some(s) = got.get(id) {
                let f = findings.iter().find(|f| &*f.rule == id);
                lines.push(format!(
                    "  expected `{id}` not to fire, but it fired ({}):",
                    s.as_str()
                ));
                if let Some(f) = f {
                    lines.extend(f.because.iter().map(|b| format!("    - {b}")));
                    if !f.missing.is_empty() {
                        lines.push(format!("    - unknown: {}", f.missing.join(", ")));
                    }
                }
            }
        }
        if lines.is_empty() {
            report.passed += 1;
        } else {
            report.failed += 1;
            report.failures.push(format!(
                "FAIL {} ({})\n{}",
                case.origin,
                case.note,
                lines.join("\n")
            ));
        }
    }
    Ok(report)
}
