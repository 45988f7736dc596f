//! Compiled conditions: what `check` turns the AST into, and what evaluation walks.
//!
//! Every name is resolved to a slot and every value to a bit, once per rule set, so that
//! evaluating a provision compares integers and masks, never strings.

use crate::date::Date;
use crate::dsl::CmpOp;
use crate::vocab::Bits;

/// Where a fact is read from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Slot {
    /// A provision attribute, by vocabulary index.
    Attr(u16),
    /// An entity fact, by vocabulary index.
    Entity(u16),
    /// A document field, by vocabulary index.
    Doc(u16),
    /// The evaluation date.
    AsOf,
}

/// A compiled condition.
#[derive(Clone, Debug)]
pub enum Cond {
    All(Vec<Cond>),
    Any(Vec<Cond>),
    Not(Box<Cond>),
    Const(bool),
    /// Another rule's value, by rule index.
    Rule(usize),
    Leaf(Box<Leaf>),
}

/// One predicate with its source text, for explanations.
#[derive(Clone, Debug)]
pub struct Leaf {
    pub slot: Slot,
    pub test: LeafTest,
    /// The predicate as written, e.g. `data has "personal"`.
    pub text: String,
    /// A hash of `text`, to tell predicates apart quickly.
    pub text_hash: u64,
    /// The path as written, e.g. `entity.markets`.
    pub path: String,
    /// How a `because` line starts, escaped for JSON: `` `text` ( ``.
    pub said_json: Box<str>,
    /// The fact a finding names as `missing` when this predicate is unknown: the path, with
    /// the map key for a key of a map fact.
    pub missing_as: super::Reason,
}

#[derive(Clone, Debug)]
pub enum LeafTest {
    /// `known(path)`
    Known,
    /// A bare boolean path.
    Truthy,
    /// The set's closure meets the mask (`has`, `has any`).
    HasAny(Bits),
    /// The set's closure holds the whole mask (`has all`).
    HasAll(Bits),
    /// The set as written meets the mask: each value listed with its ancestors (`covers`).
    Covers(Bits),
    /// The one-of value is in the mask (`==`, `in`); `negate` for `!=`.
    OneIn {
        mask: Bits,
        negate: bool,
    },
    Num(CmpOp, f64),
    Date(CmpOp, Date),
    Bool(CmpOp, bool),
    Str(CmpOp, String),
    /// `entity.consumers.US-CA >= 100000`: a key of a map fact.
    MapNum {
        key: String,
        op: CmpOp,
        value: f64,
    },
    /// `entity.consumers.US-CA` alone inside `known(...)`.
    MapKnown {
        key: String,
    },
}

impl Leaf {
    /// The path without a map key.
    pub(crate) fn path_base(&self) -> &str {
        path_base(&self.path, &self.test)
    }
}

/// `path` without the map key `test` reads, if it reads one.
pub(crate) fn path_base<'p>(path: &'p str, test: &LeafTest) -> &'p str {
    match test {
        LeafTest::MapNum { key, .. } | LeafTest::MapKnown { key } => {
            path.strip_suffix(&format!(".{key}")).unwrap_or(path)
        }
        _ => path,
    }
}

impl Cond {
    /// Rule indices this condition refers to.
    pub fn rule_refs(&self, out: &mut Vec<usize>) {
        match self {
            Cond::All(v) | Cond::Any(v) => v.iter().for_each(|c| c.rule_refs(out)),
            Cond::Not(c) => c.rule_refs(out),
            Cond::Rule(i) => out.push(*i),
            Cond::Const(_) | Cond::Leaf(_) => {}
        }
    }
}
