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

use std::collections::BTreeMap;
use std::sync::Arc;

use serde::Serialize;

use crate::date::Date;
use crate::rules::{RuleSet, Severity};
use cond::{Cond, Leaf, LeafTest, Slot};
pub use facts::{intern_attributes, intern_document, intern_entity, Value};
pub use parts::Text;
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
#[derive(Clone, Debug, Serialize)]
pub struct Finding {
    /// The rule's index in its rule set.
    #[serde(skip)]
    pub index: usize,
    pub rule: Text,
    pub regulation: Text,
    pub citation: Text,
    pub article: Text,
    pub title: Text,
    pub jurisdiction: Text,
    pub severity: Severity,
    pub status: Status,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub in_force: Option<Date>,
    pub obligation: Text,
    pub agencies: Arc<[Text]>,
    pub actions: Arc<[Text]>,
    pub because: Vec<Reason>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub missing: Vec<Text>,
    pub source: Text,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub review: Option<serde_json::Value>,
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
    findings_with(set, facts, row, None)
}

/// [`findings`], from the batched program's rows, which also say which unknown rules are
/// reported: provision `k` of `rows`.
fn findings_with(
    set: &RuleSet,
    facts: &Facts<'_>,
    row: &[Tri],
    batch: Option<(&program::Rows, usize)>,
) -> Vec<Finding> {
    // Applying findings first, then gravest first, then by jurisdiction, regulation and rule:
    // a stable order for every output. The finding rules are kept in that order (each rule's
    // rank is computed once), so the findings come out sorted: first those that apply, then
    // the others.
    let mut out = Vec::with_capacity(8);
    for applying in [true, false] {
        for &i in parts::by_rank(set) {
            let rule = &set.rules[i];
            if row[i] == Tri::False || rule.valid_to.is_some_and(|end| facts.as_of > end) {
                continue;
            }
            let upcoming = facts.as_of < rule.in_force;
            let status = if upcoming {
                Status::Upcoming
            } else if row[i] == Tri::True {
                Status::Applies
            } else {
                Status::Undetermined
            };
            if (status == Status::Applies) != applying {
                continue;
            }
            let Some(parts) = parts::of(set, i) else {
                continue;
            };
            // A rule whose own condition is unknown and of which nothing held is not engaged
            // by the clause at all: it would be "undetermined" on any clause. Only a rule that
            // the clause partly meets is reported as undetermined.
            let reported = || match batch.and_then(|(rows, k)| rows.reported_when_unknown(k, i)) {
                Some(reported) => reported,
                None => explain::reported_when_unknown(set, &rule.when, facts, row),
            };
            if row[i] == Tri::Unknown && !reported() {
                continue;
            }
            let (because, missing) = explain::reasons(set, i, facts, row);
            out.push(Finding {
                index: i,
                rule: parts.rule.clone(),
                regulation: parts.regulation.clone(),
                citation: parts.citation.clone(),
                article: parts.article.clone(),
                title: parts.title.clone(),
                jurisdiction: parts.jurisdiction.clone(),
                severity: rule.severity,
                status,
                in_force: upcoming.then_some(rule.in_force),
                obligation: parts.obligation.clone(),
                agencies: parts.agencies.clone(),
                actions: parts.actions.clone(),
                because,
                missing,
                source: parts.source.clone(),
                review: None,
            });
        }
    }
    out
}

/// One flag per jurisdiction with findings: the strongest status, its gravest severity, and
/// every regulation engaged there.
pub fn flags(findings: &[Finding]) -> Vec<Flag> {
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
                .unwrap_or(Status::Undetermined);
            let with_status: Vec<&&Finding> = fs.iter().filter(|f| f.status == status).collect();
            let severity = with_status
                .iter()
                .map(|f| f.severity)
                .max()
                .unwrap_or(Severity::Low);
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
            id: p.id.clone(),
            document: doc.meta.id.clone(),
            entity: doc.entity.id.clone(),
            title: p.title.clone(),
            sha256: p.sha256.clone(),
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
    for (n, &k) in sound.iter().enumerate() {
        let facts = Facts {
            attrs: attrs[n],
            ..shared
        };
        let outcome = &mut outcomes[k];
        outcome.findings = findings_with(set, &facts, rows.row(n), Some((&rows, n)));
        outcome.flags = flags(&outcome.findings);
        outcome.severity = severity(&outcome.findings);
    }
    outcomes
}
