//! The whole rule set as one flat program in postfix order, for the hot path.
//!
//! Walking each rule's condition tree costs a pointer chase per node and a branch per
//! short-circuit that depends on the data, which the processor mispredicts on real mixes of
//! facts. The program instead lists every rule's condition, gate and exceptions as postfix
//! operations in dependency order: the same sequence of operations for every provision, no
//! short-circuit, predicates side by side in memory. It computes exactly what
//! [`super::rule_value`] computes for every rule (a test checks it); the condition trees stay
//! for explanations.

use super::cond::{Cond, LeafTest, Slot};
use super::{eval_test, Facts, Tri, Value};
use crate::rules::RuleSet;

#[derive(Clone, Copy, Debug)]
enum Op {
    /// Push the value of a predicate.
    Leaf(u32),
    /// Push the value of a rule evaluated before.
    Rule(u32),
    Const(Tri),
    Not,
    /// Replace the top `n` values by their conjunction.
    All(u32),
    /// Replace the top `n` values by their disjunction.
    Any(u32),
    /// Pop the rule's value into the row.
    Store(u32),
    /// Keep the value on top, the rule's own condition (before its gate and exceptions), for
    /// [`Rows::reported_when_unknown`]; [`Program::run`] ignores it.
    Keep(u32),
}

/// A rule set compiled to postfix operations.
#[derive(Debug, Default)]
pub struct Program {
    ops: Vec<Op>,
    leaves: Vec<(Slot, LeafTest)>,
    depth: usize,
}

/// The program of a rule set, built on first use.
pub type ProgramCache = std::sync::OnceLock<Program>;

pub fn of(set: &RuleSet) -> &Program {
    set.program_cache.get_or_init(|| Program::build(set))
}

impl Program {
    fn build(set: &RuleSet) -> Program {
        let mut p = Program::default();
        for &i in &set.order {
            let rule = &set.rules[i];
            let mut parts = 1;
            p.push(&rule.when);
            p.ops.push(Op::Keep(i as u32));
            if let Some(g) = rule.gate {
                p.ops.push(Op::Rule(g as u32));
                parts += 1;
            }
            for e in &rule.unless {
                p.push(&e.cond);
                p.ops.push(Op::Not);
                parts += 1;
            }
            if parts > 1 {
                p.ops.push(Op::All(parts));
            }
            p.ops.push(Op::Store(i as u32));
        }
        p.depth = p.max_depth();
        p
    }

    fn push(&mut self, cond: &Cond) {
        match cond {
            Cond::All(parts) | Cond::Any(parts) => {
                for c in parts {
                    self.push(c);
                }
                let n = parts.len() as u32;
                self.ops.push(match cond {
                    Cond::All(_) => Op::All(n),
                    _ => Op::Any(n),
                });
            }
            Cond::Not(c) => {
                self.push(c);
                self.ops.push(Op::Not);
            }
            Cond::Const(b) => self.ops.push(Op::Const(Tri::from_bool(*b))),
            Cond::Rule(r) => self.ops.push(Op::Rule(*r as u32)),
            Cond::Leaf(leaf) => {
                self.ops.push(Op::Leaf(self.leaves.len() as u32));
                self.leaves.push((leaf.slot, leaf.test.clone()));
            }
        }
    }

    fn max_depth(&self) -> usize {
        let (mut depth, mut max) = (0usize, 0usize);
        for op in &self.ops {
            match op {
                Op::Leaf(_) | Op::Rule(_) | Op::Const(_) => depth += 1,
                Op::Not | Op::Keep(_) => {}
                Op::All(n) | Op::Any(n) => depth = depth + 1 - (*n as usize).min(depth),
                Op::Store(_) => depth = depth.saturating_sub(1),
            }
            max = max.max(depth);
        }
        max
    }

    /// The value of every rule, by rule index, into `row` (`stack` is scratch space).
    pub fn run(&self, facts: &Facts<'_>, row: &mut [Tri], stack: &mut Vec<Tri>) {
        stack.clear();
        stack.reserve(self.depth);
        for op in &self.ops {
            match *op {
                Op::Leaf(l) => {
                    let (slot, test) = &self.leaves[l as usize];
                    stack.push(eval_test(*slot, test, facts));
                }
                Op::Rule(r) => stack.push(row.get(r as usize).copied().unwrap_or(Tri::Unknown)),
                Op::Const(t) => stack.push(t),
                Op::Not => {
                    if let Some(top) = stack.last_mut() {
                        *top = top.not();
                    }
                }
                Op::All(n) => {
                    let from = stack.len().saturating_sub(n as usize);
                    let v = stack[from..].iter().copied().min().unwrap_or(Tri::True);
                    stack.truncate(from);
                    stack.push(v);
                }
                Op::Any(n) => {
                    let from = stack.len().saturating_sub(n as usize);
                    let v = stack[from..].iter().copied().max().unwrap_or(Tri::False);
                    stack.truncate(from);
                    stack.push(v);
                }
                Op::Store(i) => {
                    let v = stack.pop().unwrap_or(Tri::Unknown);
                    if let Some(cell) = row.get_mut(i as usize) {
                        *cell = v;
                    }
                }
                Op::Keep(_) => {}
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::{intern_attributes, intern_entity, run, run_tree};
    use super::*;
    use crate::date::Date;
    use crate::synth::Profile;

    /// The program gives every rule the value the condition trees give it, and (batched) says
    /// of every rule whether it would be reported when unknown as the explanation does:
    /// built-in packs and
    /// a synthetic set of 500 rules, over dense and sparse provisions (many facts unknown),
    /// with the entity's facts stated and not; in documents of a few provisions and of
    /// many, whose common attributes are tested by column.
    #[test]
    fn same_values_as_the_trees() {
        let builtin = crate::commands::load_rules(None).unwrap();
        let mut sources: Vec<_> = crate::rules::builtin_sources()
            .into_iter()
            .filter(|s| s.name.ends_with("vocabulary.yaml"))
            .collect();
        sources.push(crate::source::Source::new(
            "synthetic.yaml",
            crate::synth::pack_yaml(&builtin, 500, 3),
        ));
        let synthetic = crate::check::compile(sources).unwrap();
        let as_of = Date::parse("2026-11-25").unwrap();
        let mut compared = 0;
        for set in [&builtin, &synthetic] {
            for (profile, documents) in [
                (Profile::Dense, 150),
                (Profile::Classified, 150),
                (Profile::Dense, 4),
                (Profile::Classified, 4),
            ] {
                let corpus = crate::synth::provisions_jsonl_with(set, 600, documents, 9, profile);
                for (n, line) in corpus.lines().enumerate() {
                    let doc =
                        crate::model::to_document("t", crate::model::parse_json(line).unwrap());
                    let facts = if n % 2 == 0 {
                        doc.entity.facts.clone()
                    } else {
                        Default::default()
                    };
                    let (entity, _) = intern_entity(&set.vocab, &facts);
                    let interned: Vec<_> = doc
                        .provisions
                        .iter()
                        .map(|p| intern_attributes(&set.vocab, p.attributes.as_ref().unwrap()).0)
                        .collect();
                    let slices: Vec<&[_]> = interned.iter().map(Vec::as_slice).collect();
                    let mut rows = Rows::default();
                    let shared = Facts {
                        attrs: &[],
                        entity: &entity,
                        doc: &[],
                        as_of,
                    };
                    of(set).run_batch(set.rules.len(), &slices, &shared, &mut rows);
                    for (k, p) in doc.provisions.iter().enumerate() {
                        let (attrs, _) =
                            intern_attributes(&set.vocab, p.attributes.as_ref().unwrap());
                        let facts = Facts {
                            attrs: &attrs,
                            entity: &entity,
                            doc: &[],
                            as_of,
                        };
                        let (mut a, mut b) = (Vec::new(), Vec::new());
                        run(set, &facts, &mut a);
                        run_tree(set, &facts, &mut b);
                        assert_eq!(a, b, "provision {}", p.id);
                        assert_eq!(rows.row(k), &b[..], "batch, provision {}", p.id);
                        for (i, rule) in set.rules.iter().enumerate() {
                            let reported = super::super::explain::reported_when_unknown(
                                set, &rule.when, &facts, &b,
                            );
                            assert_eq!(
                                rows.reported_when_unknown(k, i),
                                Some(reported),
                                "reported when unknown: {}",
                                rule.id
                            );
                        }
                        compared += a.len();
                    }
                }
            }
        }
        assert!(compared > 100_000, "only {compared} rule values compared");
    }
}

/// The value of every rule for many provisions of one document at once: the output of
/// [`Program::run_batch`], one row of rule values per provision.
#[derive(Debug, Default)]
pub struct Rows {
    width: usize,
    values: Vec<Tri>,
    /// By provision and rule: whether a rule found unknown would be reported.
    reported: Vec<bool>,
}

impl Rows {
    /// The row of provision `k`.
    pub fn row(&self, k: usize) -> &[Tri] {
        &self.values[k * self.width..(k + 1) * self.width]
    }

    /// Whether rule `i`, if unknown on provision `k`, is reported: what
    /// [`super::explain::reported_when_unknown`] says of its condition.
    pub fn reported_when_unknown(&self, k: usize, i: usize) -> Option<bool> {
        self.reported.get(k * self.width + i).copied()
    }
}

/// 64 provisions' values of one condition: which are true, which are false (neither: unknown);
/// and, as [`super::explain`] defines them for a condition, which the clause engages (a stated
/// attribute meets a predicate in it) and which it refutes.
#[derive(Clone, Copy, Default)]
struct Lanes {
    t: u64,
    f: u64,
    engaged: u64,
    refuted: u64,
}

/// The values of the attributes that most of a chunk's 64 provisions state, side by side: a
/// predicate on such an attribute is tested on all 64 in one pass over contiguous memory,
/// instead of one provision's facts after another's.
struct Columns {
    /// By attribute: whether its column holds this chunk's values, and which kind.
    kind: Vec<Column>,
    /// By attribute, 64 each: a set's closure (`Column::Set`).
    closed: Vec<crate::vocab::Bits>,
    /// By attribute, 64 each: a one-of value (`Column::One`).
    one: Vec<u16>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Column {
    None,
    Set,
    One,
}

/// An attribute stated by fewer provisions of a chunk is tested provision by provision.
const DENSE: u32 = 16;

impl Columns {
    fn new(width: usize) -> Columns {
        Columns {
            kind: vec![Column::None; width],
            closed: vec![crate::vocab::Bits::default(); width * 64],
            one: vec![0; width * 64],
        }
    }

    /// Gather the columns of the attributes most of `chunk` states.
    fn gather(&mut self, chunk: &[&[Option<Value>]], stated: &[u64]) {
        for (i, &present) in stated.iter().enumerate() {
            self.kind[i] = Column::None;
            if present.count_ones() < DENSE {
                continue;
            }
            // The kind of the first value; a column is kept only if every value is of it.
            let first = chunk.iter().find_map(|a| a.get(i).and_then(Option::as_ref));
            let kind = match first {
                Some(Value::Set { .. }) => Column::Set,
                Some(Value::One(_)) => Column::One,
                _ => continue,
            };
            let mut same = true;
            for (k, a) in chunk.iter().enumerate() {
                let at = i * 64 + k;
                match (kind, a.get(i).and_then(Option::as_ref)) {
                    (Column::Set, Some(Value::Set { closed, .. })) => self.closed[at] = *closed,
                    (Column::One, Some(Value::One(x))) => self.one[at] = *x,
                    (_, None) => {}
                    _ => same = false,
                }
            }
            if same {
                self.kind[i] = kind;
            }
        }
    }

    /// Which of the 64 provisions meet `test` on attribute `i`, if its column holds the values
    /// and the test is one a column answers; bits of provisions that do not state it are
    /// meaningless.
    fn test(&self, i: usize, test: &LeafTest) -> Option<u64> {
        let kind = *self.kind.get(i)?;
        let mut hits = 0u64;
        match (kind, test) {
            (Column::Set, LeafTest::HasAny(mask)) => {
                for (k, v) in self.closed[i * 64..i * 64 + 64].iter().enumerate() {
                    hits |= u64::from(v.intersects(mask)) << k;
                }
            }
            (Column::Set, LeafTest::HasAll(mask)) => {
                for (k, v) in self.closed[i * 64..i * 64 + 64].iter().enumerate() {
                    hits |= u64::from(v.contains_all(mask)) << k;
                }
            }
            (Column::One, LeafTest::OneIn { mask, negate }) => {
                for (k, &v) in self.one[i * 64..i * 64 + 64].iter().enumerate() {
                    hits |= u64::from(mask.contains(v) != *negate) << k;
                }
            }
            _ => return None,
        }
        Some(hits)
    }
}

impl Program {
    /// [`Program::run`] for many provisions sharing the entity and document facts: the
    /// program is run once per 64 provisions, each operation on 64 provisions at a time
    /// (bit-sliced), so that only the predicates are evaluated provision by provision.
    pub fn run_batch(
        &self,
        rules: usize,
        attrs: &[&[Option<Value>]],
        facts: &Facts<'_>,
        out: &mut Rows,
    ) {
        out.width = rules;
        out.values.clear();
        out.values.resize(attrs.len() * rules, Tri::Unknown);
        out.reported.clear();
        out.reported.resize(attrs.len() * rules, false);
        let mut masks = vec![Lanes::default(); rules];
        let mut whens = vec![Lanes::default(); rules];
        let mut stack: Vec<Lanes> = Vec::with_capacity(self.depth);
        let width = attrs.iter().map(|a| a.len()).max().unwrap_or(0);
        let mut stated = vec![0u64; width];
        let mut columns = Columns::new(width);
        for (chunk_no, chunk) in attrs.chunks(64).enumerate() {
            let full = if chunk.len() == 64 {
                u64::MAX
            } else {
                (1u64 << chunk.len()) - 1
            };
            masks.fill(Lanes::default());
            whens.fill(Lanes::default());
            stack.clear();
            // Which of the 64 provisions state each attribute.
            stated.fill(0);
            for (k, a) in chunk.iter().enumerate() {
                for (i, v) in a.iter().enumerate() {
                    if v.is_some() {
                        if let Some(m) = stated.get_mut(i) {
                            *m |= 1 << k;
                        }
                    }
                }
            }
            columns.gather(chunk, &stated);
            for op in &self.ops {
                match *op {
                    Op::Leaf(l) => {
                        let (slot, test) = &self.leaves[l as usize];
                        let mut lanes = Lanes::default();
                        match slot {
                            Slot::Attr(i) => {
                                let i = *i as usize;
                                // Only the provisions that state the attribute are looked at;
                                // for the others the test gives what it gives on an absent fact
                                // (unknown, or false for `known`).
                                let present = stated.get(i).copied().unwrap_or(0);
                                let absent = Facts {
                                    attrs: &[],
                                    ..*facts
                                };
                                match eval_test(*slot, test, &absent) {
                                    Tri::True => lanes.t = full & !present,
                                    Tri::False => lanes.f = full & !present,
                                    Tri::Unknown => {}
                                }
                                let mut rest = present;
                                if let Some(hits) = columns.test(i, test) {
                                    lanes.t |= hits & present;
                                    lanes.f |= !hits & present;
                                    rest = 0;
                                }
                                while rest != 0 {
                                    let k = rest.trailing_zeros() as usize;
                                    rest &= rest - 1;
                                    let Some(Some(v)) = chunk[k].get(i) else {
                                        continue;
                                    };
                                    // The common tests on sets and one-of values, without the
                                    // general dispatch of `eval_test`.
                                    let hit = match (test, v) {
                                        (LeafTest::HasAny(mask), Value::Set { closed, .. }) => {
                                            Tri::from_bool(closed.intersects(mask))
                                        }
                                        (LeafTest::Covers(mask), Value::Set { raw, .. }) => {
                                            Tri::from_bool(raw.intersects(mask))
                                        }
                                        (LeafTest::OneIn { mask, negate }, Value::One(x)) => {
                                            Tri::from_bool(mask.contains(*x) != *negate)
                                        }
                                        _ => {
                                            let f = Facts {
                                                attrs: chunk[k],
                                                ..*facts
                                            };
                                            eval_test(*slot, test, &f)
                                        }
                                    };
                                    match hit {
                                        Tri::True => lanes.t |= 1 << k,
                                        Tri::False => lanes.f |= 1 << k,
                                        Tri::Unknown => {}
                                    }
                                }
                                lanes.engaged = lanes.t;
                                if !matches!(test, LeafTest::Known) {
                                    lanes.refuted = lanes.f & present;
                                }
                            }
                            // Entity and document facts and the date are the same for all.
                            _ => match eval_test(*slot, test, facts) {
                                Tri::True => lanes.t = full,
                                Tri::False => lanes.f = full,
                                Tri::Unknown => {}
                            },
                        }
                        stack.push(lanes);
                    }
                    Op::Rule(r) => {
                        // The rule's value; engaged or refuted as its own condition is.
                        let value = masks.get(r as usize).copied().unwrap_or_default();
                        let own = whens.get(r as usize).copied().unwrap_or_default();
                        stack.push(Lanes {
                            t: value.t,
                            f: value.f,
                            engaged: own.engaged & !value.f,
                            refuted: own.refuted & value.f,
                        });
                    }
                    Op::Const(t) => stack.push(match t {
                        Tri::True => Lanes {
                            t: full,
                            ..Lanes::default()
                        },
                        Tri::False => Lanes {
                            f: full,
                            ..Lanes::default()
                        },
                        Tri::Unknown => Lanes::default(),
                    }),
                    Op::Not => {
                        if let Some(top) = stack.last_mut() {
                            *top = Lanes {
                                t: top.f,
                                f: top.t,
                                engaged: top.f & top.refuted,
                                refuted: top.t & top.engaged,
                            };
                        }
                    }
                    Op::All(n) | Op::Any(n) => {
                        let all = matches!(op, Op::All(_));
                        let from = stack.len().saturating_sub(n as usize);
                        let mut v = if all {
                            Lanes {
                                t: full,
                                ..Lanes::default()
                            }
                        } else {
                            Lanes {
                                f: full,
                                ..Lanes::default()
                            }
                        };
                        for x in &stack[from..] {
                            if all {
                                v.t &= x.t;
                                v.f |= x.f;
                            } else {
                                v.t |= x.t;
                                v.f &= x.f;
                            }
                            v.engaged |= x.engaged & !x.f;
                            v.refuted |= x.refuted & x.f;
                        }
                        stack.truncate(from);
                        stack.push(v);
                    }
                    Op::Store(i) => {
                        let v = stack.pop().unwrap_or_default();
                        if let Some(m) = masks.get_mut(i as usize) {
                            *m = v;
                        }
                    }
                    Op::Keep(i) => {
                        if let (Some(m), Some(top)) = (whens.get_mut(i as usize), stack.last()) {
                            *m = *top;
                        }
                    }
                }
            }
            let base = chunk_no * 64;
            for (i, (m, own)) in masks.iter().zip(&whens).enumerate() {
                let reported = own.t | own.f | own.engaged;
                for k in 0..chunk.len() {
                    let bit = 1u64 << k;
                    let at = (base + k) * rules + i;
                    out.values[at] = if m.t & bit != 0 {
                        Tri::True
                    } else if m.f & bit != 0 {
                        Tri::False
                    } else {
                        Tri::Unknown
                    };
                    out.reported[at] = reported & bit != 0;
                }
            }
        }
    }
}
