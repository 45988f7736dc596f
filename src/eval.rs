//! Evaluation: provisions against a checked rule set, in three-valued logic.
//!
//! A provision's attributes, its entity's facts and its document's fields are interned once
//! ([`Facts`]); then every rule is evaluated in dependency order into a row of [`Tri`]s, with
//! no string comparison and no allocation per rule. Only rules that fire are turned into
//! [`Finding`]s, with the conditions that held (`because`) and the facts that are missing.

pub mod cond;
pub mod explain;
mod facts;
pub mod parts;
pub mod program;
mod reason;

use std::sync::Arc;

use serde::Serialize;

use crate::date::Date;
use crate::rules::{RuleSet, Severity};
use cond::{Cond, Leaf, LeafTest, Slot};
pub use facts::{intern_attributes, intern_document, intern_entity, Value};
pub use parts::{Parts, Text};
pub use reason::Reason;

/// A truth value that may be unknown. Ordered so that `and` is `min` and `or` is `max`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Tri {
    False = 0,
    Unknown = 1,
    True = 2,
}

impl Tri {
    pub fn and(self, other: Tri) -> Tri {
        self.min(other)
    }

    pub fn or(self, other: Tri) -> Tri {
        self.max(other)
    }

    #[allow(clippy::should_implement_trait)]
    pub fn not(self) -> Tri {
        match self {
            Tri::False => Tri::True,
            Tri::Unknown => Tri::Unknown,
            Tri::True => Tri::False,
        }
    }

    pub fn from_bool(b: bool) -> Tri {
        if b {
            Tri::True
        } else {
            Tri::False
        }
    }
}

/// Everything a condition can read about one provision.
pub struct Facts<'a> {
    pub attrs: &'a [Option<Value>],
    pub entity: &'a [Option<Value>],
    pub doc: &'a [Option<Value>],
    pub as_of: Date,
}

impl Facts<'_> {
    pub fn get(&self, slot: Slot) -> Option<&Value> {
        match slot {
            Slot::Attr(i) => self.attrs.get(i as usize)?.as_ref(),
            Slot::Entity(i) => self.entity.get(i as usize)?.as_ref(),
            Slot::Doc(i) => self.doc.get(i as usize)?.as_ref(),
            Slot::AsOf => None,
        }
    }
}

/// Evaluate one condition, given the values of the rules evaluated before it.
pub fn eval(cond: &Cond, facts: &Facts<'_>, rules: &[Tri]) -> Tri {
    match cond {
        Cond::All(parts) => {
            let mut acc = Tri::True;
            for p in parts {
                acc = acc.and(eval(p, facts, rules));
                if acc == Tri::False {
                    break;
                }
            }
            acc
        }
        Cond::Any(parts) => {
            let mut acc = Tri::False;
            for p in parts {
                acc = acc.or(eval(p, facts, rules));
                if acc == Tri::True {
                    break;
                }
            }
            acc
        }
        Cond::Not(c) => eval(c, facts, rules).not(),
        Cond::Const(b) => Tri::from_bool(*b),
        Cond::Rule(i) => rules.get(*i).copied().unwrap_or(Tri::Unknown),
        Cond::Leaf(leaf) => eval_leaf(leaf, facts),
    }
}

fn cmp<T: PartialOrd>(op: crate::dsl::CmpOp, a: T, b: T) -> bool {
    use crate::dsl::CmpOp::*;
    match op {
        Eq => a == b,
        Ne => a != b,
        Lt => a < b,
        Le => a <= b,
        Gt => a > b,
        Ge => a >= b,
    }
}

/// Evaluate one predicate: unknown when the fact it reads is not stated.
pub fn eval_leaf(leaf: &Leaf, facts: &Facts<'_>) -> Tri {
    eval_test(leaf.slot, &leaf.test, facts)
}

/// Evaluate a predicate's test on the fact in `slot`.
pub(crate) fn eval_test(slot: Slot, test: &LeafTest, facts: &Facts<'_>) -> Tri {
    if slot == Slot::AsOf {
        return match test {
            LeafTest::Date(op, d) => Tri::from_bool(cmp(*op, facts.as_of, *d)),
            LeafTest::Known => Tri::True,
            _ => Tri::Unknown,
        };
    }
    let value = facts.get(slot);
    match (test, value) {
        (LeafTest::Known, v) => Tri::from_bool(v.is_some()),
        (LeafTest::MapKnown { key }, Some(Value::Map(m))) => {
            Tri::from_bool(m.iter().any(|(k, _)| k == key))
        }
        (LeafTest::MapKnown { .. }, _) => Tri::False,
        (_, None) => Tri::Unknown,
        (LeafTest::HasAny(mask), Some(Value::Set { closed, .. })) => {
            Tri::from_bool(closed.intersects(mask))
        }
        (LeafTest::HasAll(mask), Some(Value::Set { closed, .. })) => {
            Tri::from_bool(closed.contains_all(mask))
        }
        (LeafTest::Covers(mask), Some(Value::Set { raw, .. })) => {
            Tri::from_bool(raw.intersects(mask))
        }
        (LeafTest::OneIn { mask, negate }, Some(Value::One(v))) => {
            Tri::from_bool(mask.contains(*v) != *negate)
        }
        (LeafTest::Num(op, n), Some(Value::Num(v))) => Tri::from_bool(cmp(*op, *v, *n)),
        (LeafTest::Date(op, d), Some(Value::Date(v))) => Tri::from_bool(cmp(*op, *v, *d)),
        (LeafTest::Bool(op, b), Some(Value::Bool(v))) => Tri::from_bool(cmp(*op, *v, *b)),
        (LeafTest::Truthy, Some(Value::Bool(v))) => Tri::from_bool(*v),
        (LeafTest::Str(op, s), Some(Value::Str(v))) => {
            Tri::from_bool(cmp(*op, v.as_str(), s.as_str()))
        }
        (LeafTest::MapNum { key, op, value }, Some(Value::Map(m))) => {
            match m.iter().find(|(k, _)| k == key) {
                Some((_, v)) => Tri::from_bool(cmp(*op, *v, *value)),
                None => Tri::Unknown,
            }
        }
        // INVARIANT: check and interning agree on types; a mismatch means the fact is unusable.
        _ => Tri::Unknown,
    }
}

/// The value of every rule for one provision, in rule-index order.
pub fn run(set: &RuleSet, facts: &Facts<'_>, row: &mut Vec<Tri>) {
    thread_local! {
        static STACK: std::cell::RefCell<Vec<Tri>> = const { std::cell::RefCell::new(Vec::new()) };
    }
    row.clear();
    row.resize(set.rules.len(), Tri::Unknown);
    let program = program::of(set);
    STACK.with(|stack| match stack.try_borrow_mut() {
        Ok(mut stack) => program.run(facts, row, &mut stack),
        Err(_) => program.run(facts, row, &mut Vec::new()),
    });
}

/// [`run`] by walking each rule's condition tree: the reference the program is tested against.
pub fn run_tree(set: &RuleSet, facts: &Facts<'_>, row: &mut Vec<Tri>) {
    row.clear();
    row.resize(set.rules.len(), Tri::Unknown);
    for &i in &set.order {
        row[i] = rule_value(set, i, facts, row);
    }
}

/// A rule's value: its condition, its gate, and none of its exceptions.
pub fn rule_value(set: &RuleSet, i: usize, facts: &Facts<'_>, row: &[Tri]) -> Tri {
    let rule = &set.rules[i];
    let mut v = eval(&rule.when, facts, row);
    if let Some(g) = rule.gate {
        v = v.and(row[g]);
    }
    for e in &rule.unless {
        if v == Tri::False {
            break;
        }
        v = v.and(eval(&e.cond, facts, row).not());
    }
    v
}

/// Whether a finding applies, is undetermined, or is not yet in force.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Applies,
    Undetermined,
    Upcoming,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Applies => "applies",
            Status::Undetermined => "undetermined",
            Status::Upcoming => "upcoming",
        }
    }

    pub fn parse(s: &str) -> Option<Status> {
        [Status::Applies, Status::Undetermined, Status::Upcoming]
            .into_iter()
            .find(|x| x.as_str() == s)
    }

    /// Rank for aggregation: applies beats undetermined beats upcoming.
    fn rank(self) -> u8 {
        match self {
            Status::Applies => 2,
            Status::Undetermined => 1,
            Status::Upcoming => 0,
        }
    }
}

/// One finding: a rule that fired on a provision.
///
/// What every finding of a rule has in common (its id, citation, obligation, agencies …) is
/// one record shared with the rule set ([`Parts`]), read through `Deref`: `finding.citation`
/// is the rule's citation. A finding costs one shared reference, not a copy of each string.
#[derive(Clone, Debug)]
pub struct Finding {
    /// The rule's index in its rule set.
    pub index: usize,
    /// The rule's fixed fields.
    pub parts: Arc<Parts>,
    pub severity: Severity,
    pub status: Status,
    pub in_force: Option<Date>,
    pub because: Vec<Reason>,
    pub missing: Vec<Reason>,
    pub review: Option<serde_json::Value>,
}

impl std::ops::Deref for Finding {
    type Target = Parts;
    fn deref(&self) -> &Parts {
        &self.parts
    }
}

/// The fields in the order of the JSON output contract; `in_force`, `missing` and `review`
/// only when there are some.
impl Serialize for Finding {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut m = s.serialize_struct("Finding", 16)?;
        m.serialize_field("rule", &*self.rule)?;
        m.serialize_field("regulation", &*self.regulation)?;
        m.serialize_field("citation", &*self.citation)?;
        m.serialize_field("article", &*self.article)?;
        m.serialize_field("title", &*self.title)?;
        m.serialize_field("jurisdiction", &*self.jurisdiction)?;
        m.serialize_field("severity", &self.severity)?;
        m.serialize_field("status", &self.status)?;
        match self.in_force {
            Some(d) => m.serialize_field("in_force", &d)?,
            None => m.skip_field("in_force")?,
        }
        m.serialize_field("obligation", &*self.obligation)?;
        m.serialize_field("agencies", &*self.agencies)?;
        m.serialize_field("actions", &*self.actions)?;
        m.serialize_field("because", &self.because)?;
        if self.missing.is_empty() {
            m.skip_field("missing")?;
        } else {
            m.serialize_field("missing", &self.missing)?;
        }
        m.serialize_field("source", &*self.source)?;
        match &self.review {
            Some(r) => m.serialize_field("review", r)?,
            None => m.skip_field("review")?,
        }
        m.end()
    }
}

/// The flag of one jurisdiction on a provision.
#[derive(Clone, Debug, Serialize)]
pub struct Flag {
    pub jurisdiction: String,
    pub severity: Severity,
    pub status: Status,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub in_force: Option<Date>,
    pub regulations: Vec<String>,
}

/// The findings of one provision, from its row of rule values.
pub fn findings(set: &RuleSet, facts: &Facts<'_>, row: &[Tri]) -> Vec<Finding> {
    findings_with(set, facts, row, None, &mut Scratch::default())
}

/// [`findings`], from the batched program's rows, which also say which unknown rules are
/// reported: provision `k` of `rows`.
fn findings_with<'s>(
    set: &'s RuleSet,
    facts: &Facts<'_>,
    row: &[Tri],
    batch: Option<(&program::Rows, usize)>,
    scratch: &mut Scratch<'s>,
) -> Vec<Finding> {
    scratch.said.clear();
    // Applying findings first, then gravest first, then by jurisdiction, regulation and rule:
    // a stable order for every output. The finding rules are kept in that order (each rule's
    // rank is computed once), so the findings come out sorted: those that apply as they are
    // met, the others after them.
    let mut out = Vec::with_capacity(8);
    let mut later = std::mem::take(&mut scratch.later);
    later.clear();
    let said = &mut scratch.said;
    let mut add = |i, status, out: &mut Vec<Finding>| {
        push_finding(set, facts, row, batch, i, status, out, said);
    };
    for r in parts::ranked(set) {
        let i = r.index;
        if row[i] == Tri::False || r.valid_to.is_some_and(|end| facts.as_of > end) {
            continue;
        }
        let upcoming = facts.as_of < r.in_force;
        let status = if upcoming {
            Status::Upcoming
        } else if row[i] == Tri::True {
            Status::Applies
        } else {
            Status::Undetermined
        };
        if status == Status::Applies {
            add(i, status, &mut out);
        } else {
            later.push((i, status));
        }
    }
    for &(i, status) in &later {
        add(i, status, &mut out);
    }
    scratch.later = later;
    out
}

/// What the findings of one provision after another reuse: the lines already said on the
/// provision, and the rules whose findings come after those that apply.
#[derive(Default)]
pub(crate) struct Scratch<'s> {
    said: explain::Said<'s>,
    later: Vec<(usize, Status)>,
}

/// Add the finding of rule `i`, with `status`, unless the rule is unknown and nothing in the
/// clause engages it.
#[allow(clippy::too_many_arguments)]
fn push_finding<'s>(
    set: &'s RuleSet,
    facts: &Facts<'_>,
    row: &[Tri],
    batch: Option<(&program::Rows, usize)>,
    i: usize,
    status: Status,
    out: &mut Vec<Finding>,
    said: &mut explain::Said<'s>,
) {
    let rule = &set.rules[i];
    let Some(parts) = parts::of(set, i) else {
        return;
    };
    // A rule whose own condition is unknown and of which nothing held is not engaged by the
    // clause at all: it would be "undetermined" on any clause. Only a rule that the clause
    // partly meets is reported as undetermined.
    let reported = || match batch.and_then(|(rows, k)| rows.reported_when_unknown(k, i)) {
        Some(reported) => reported,
        None => explain::reported_when_unknown(set, &rule.when, facts, row),
    };
    if row[i] == Tri::Unknown && !reported() {
        return;
    }
    let (because, missing) = explain::reasons_with(set, i, facts, row, said);
    out.push(Finding {
        index: i,
        parts: parts.clone(),
        severity: rule.severity,
        status,
        in_force: (status == Status::Upcoming).then_some(rule.in_force),
        because,
        missing,
        review: None,
    });
}

/// One flag per jurisdiction with findings: the strongest status, its gravest severity, and
/// every regulation engaged there. Flags are in the order of their jurisdiction codes.
pub fn flags(findings: &[Finding]) -> Vec<Flag> {
    // A provision has a few jurisdictions and a few dozen findings at most: a scan per
    // jurisdiction costs less than grouping them in a map. The rules of a set share one string
    // per jurisdiction and per regulation, so most comparisons are of two pointers.
    // Codes are short: compared byte by byte, without a call to compare memory.
    let same = |a: &str, b: &str| std::ptr::eq(a, b) || a.bytes().eq(b.bytes());
    let mut jurisdictions: Vec<&str> = Vec::new();
    for f in findings {
        if !jurisdictions.iter().any(|j| same(j, &f.jurisdiction)) {
            jurisdictions.push(&f.jurisdiction);
        }
    }
    jurisdictions.sort_unstable();
    jurisdictions
        .into_iter()
        .map(|j| {
            let mut status = Status::Upcoming;
            let mut severity = None;
            let mut in_force = None;
            let mut regulations: Vec<&str> = Vec::new();
            for f in findings.iter().filter(|f| same(&f.jurisdiction, j)) {
                if !regulations.iter().any(|r| same(r, &f.regulation)) {
                    regulations.push(&f.regulation);
                }
                if f.status.rank() > status.rank() || severity.is_none() {
                    (status, severity, in_force) = (f.status, Some(f.severity), f.in_force);
                } else if f.status == status {
                    severity = severity.max(Some(f.severity));
                    in_force = match (in_force, f.in_force) {
                        (Some(a), Some(b)) => Some(a.min(b)),
                        (a, b) => a.or(b),
                    };
                }
            }
            regulations.sort_unstable();
            Flag {
                jurisdiction: j.to_string(),
                severity: severity.unwrap_or(Severity::Low),
                status,
                in_force: in_force.filter(|_| status == Status::Upcoming),
                regulations: regulations.into_iter().map(str::to_string).collect(),
            }
        })
        .collect()
}

/// The provision's severity: its gravest finding that applies.
pub fn severity(findings: &[Finding]) -> Option<Severity> {
    findings
        .iter()
        .filter(|f| f.status == Status::Applies)
        .map(|f| f.severity)
        .max()
}

/// Everything clausemap says about one provision.
#[derive(Clone, Debug, Serialize)]
pub struct Outcome {
    pub id: String,
    pub document: String,
    pub entity: String,
    pub title: String,
    pub sha256: String,
    pub severity: Option<Severity>,
    pub flags: Vec<Flag>,
    pub findings: Vec<Finding>,
    pub errors: Vec<String>,
}

/// Evaluate every provision of a document, in input order; a provision with errors comes out
/// with its errors and no findings.
pub fn evaluate_document(set: &RuleSet, doc: &crate::model::Document, as_of: Date) -> Vec<Outcome> {
    let mut outcomes = evaluate_provisions(set, doc, as_of);
    for (o, p) in outcomes.iter_mut().zip(&doc.provisions) {
        o.id = p.id.clone();
        o.title = p.title.clone();
        o.sha256 = p.sha256.clone();
    }
    outcomes
}

/// [`evaluate_document`], moving each provision's id, title and digest into its outcome rather
/// than copying them; the document keeps everything else (its text, for one).
pub fn evaluate_document_moving(
    set: &RuleSet,
    doc: &mut crate::model::Document,
    as_of: Date,
) -> Vec<Outcome> {
    let mut outcomes = evaluate_provisions(set, doc, as_of);
    for (o, p) in outcomes.iter_mut().zip(&mut doc.provisions) {
        o.id = std::mem::take(&mut p.id);
        o.title = std::mem::take(&mut p.title);
        o.sha256 = std::mem::take(&mut p.sha256);
    }
    outcomes
}

/// The outcomes of a document's provisions, without their ids, titles and digests.
fn evaluate_provisions(set: &RuleSet, doc: &crate::model::Document, as_of: Date) -> Vec<Outcome> {
    let mut doc_errors = doc.errors.clone();
    let (entity, e1) = intern_entity(&set.vocab, &doc.entity.facts);
    let (doc_fields, e2) = intern_document(&set.vocab, &doc.meta);
    doc_errors.extend(e1);
    doc_errors.extend(e2);
    let empty = serde_json::Map::new();
    let mut outcomes = Vec::with_capacity(doc.provisions.len());
    let mut interned = Vec::with_capacity(doc.provisions.len());
    for p in &doc.provisions {
        let mut errors = p.errors.clone();
        errors.extend(doc_errors.iter().cloned());
        let (attrs, attr_errors) =
            intern_attributes(&set.vocab, p.attributes.as_ref().unwrap_or(&empty));
        errors.extend(attr_errors);
        outcomes.push(Outcome {
            id: String::new(),
            document: doc.meta.id.clone(),
            entity: doc.entity.id.clone(),
            title: String::new(),
            sha256: String::new(),
            severity: None,
            flags: Vec::new(),
            findings: Vec::new(),
            errors,
        });
        interned.push(attrs);
    }
    // The rules run over all of the document's sound provisions at once (bit-sliced).
    let sound: Vec<usize> = (0..outcomes.len())
        .filter(|&k| outcomes[k].errors.is_empty())
        .collect();
    let attrs: Vec<&[Option<Value>]> = sound.iter().map(|&k| interned[k].as_slice()).collect();
    let shared = Facts {
        attrs: &[],
        entity: &entity,
        doc: &doc_fields,
        as_of,
    };
    let mut rows = program::Rows::default();
    program::of(set).run_batch(set.rules.len(), &attrs, &shared, &mut rows);
    let mut scratch = Scratch::default();
    for (n, &k) in sound.iter().enumerate() {
        let facts = Facts {
            attrs: attrs[n],
            ..shared
        };
        let outcome = &mut outcomes[k];
        outcome.findings = findings_with(set, &facts, rows.row(n), Some((&rows, n)), &mut scratch);
        outcome.flags = flags(&outcome.findings);
        outcome.severity = severity(&outcome.findings);
    }
    outcomes
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    /// [`flags`] as first written: findings grouped in a map by jurisdiction.
    fn flags_by_map(findings: &[Finding]) -> Vec<Flag> {
        let mut by: BTreeMap<&str, Vec<&Finding>> = BTreeMap::new();
        for f in findings {
            by.entry(&*f.jurisdiction).or_default().push(f);
        }
        by.into_iter()
            .map(|(j, fs)| {
                let status = fs
                    .iter()
                    .map(|f| f.status)
                    .max_by_key(|s| s.rank())
                    .unwrap();
                let with_status: Vec<&&Finding> =
                    fs.iter().filter(|f| f.status == status).collect();
                let severity = with_status.iter().map(|f| f.severity).max().unwrap();
                let in_force = if status == Status::Upcoming {
                    with_status.iter().filter_map(|f| f.in_force).min()
                } else {
                    None
                };
                let mut regulations: Vec<String> =
                    fs.iter().map(|f| f.regulation.to_string()).collect();
                regulations.sort();
                regulations.dedup();
                Flag {
                    jurisdiction: j.to_string(),
                    severity,
                    status,
                    in_force,
                    regulations,
                }
            })
            .collect()
    }

    /// The flags of every provision of a synthetic corpus, at dates before, between and after
    /// the packs' dates of entry into force, are those of the map.
    #[test]
    fn flags_are_those_of_the_map() {
        let set = crate::commands::load_rules(None).unwrap();
        let corpus = crate::synth::provisions_jsonl(&set, 200, 50, 3);
        let mut upcoming = 0;
        let mut compared = 0;
        for as_of in ["2019-06-01", "2025-01-01", "2026-11-25", "2031-01-01"] {
            let as_of = Date::parse(as_of).unwrap();
            for line in corpus.lines() {
                let doc = crate::model::to_document("t", crate::model::parse_json(line).unwrap());
                for o in evaluate_document(&set, &doc, as_of) {
                    let ours = serde_json::to_string(&flags(&o.findings)).unwrap();
                    let map = serde_json::to_string(&flags_by_map(&o.findings)).unwrap();
                    assert_eq!(ours, map);
                    upcoming += o
                        .flags
                        .iter()
                        .filter(|f| f.status == Status::Upcoming)
                        .count();
                    compared += o.flags.len();
                }
            }
        }
        assert!(
            upcoming > 10 && compared > 1000,
            "{upcoming} upcoming of {compared}"
        );
    }
}
