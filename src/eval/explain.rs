//! Why a rule fired, or why it did not: the conditions that held with the values that met
//! them, the ones that failed with what would have made them hold, and the facts unknown.
//!
//! Runs only for rules that fire (and for `explain`), never on the hot path.

use super::cond::{Cond, Leaf, LeafTest, Slot};
use super::{eval, eval_leaf, Facts, Reason, Tri, Value};
use crate::dsl::ast_format_number as format_number;
use crate::rules::RuleSet;
use crate::vocab::ValueType;

/// The explanation of one rule on one provision.
#[derive(Clone, Debug, Default)]
pub struct Trace {
    /// Conditions that held, with the values that met them.
    pub held: Vec<Reason>,
    /// Conditions that failed, with what would make them hold.
    pub failed: Vec<String>,
    /// Facts that are not stated and would change the outcome.
    pub missing: Vec<String>,
    /// The exception that holds, if one does.
    pub exception: Option<String>,
    /// Exceptions whose facts are unknown.
    pub open_exceptions: Vec<String>,
}

/// Explain rule `i`.
pub fn trace(set: &RuleSet, i: usize, facts: &Facts<'_>, row: &[Tri]) -> Trace {
    let rule = &set.rules[i];
    let mut t = Trace::default();
    let mut missing: Vec<&Reason> = Vec::new();
    match held_value(set, &rule.when, facts, row, &mut t.held) {
        Tri::True => {}
        Tri::False => {
            t.held.clear();
            failed(set, &rule.when, facts, row, &mut t.failed);
        }
        Tri::Unknown => {
            unknown_value(set, &rule.when, facts, row, &mut missing);
        }
    }
    if let Some(g) = rule.gate {
        let scope = &set.rules[g];
        match row[g] {
            Tri::True => t.held.push(super::parts::scope_line(set, g)),
            Tri::False => t
                .failed
                .push(format!("{} (`{}`) does not hold", scope.title, scope.id)),
            Tri::Unknown => {
                unknown_value(set, &scope.when, facts, row, &mut missing);
            }
        }
    }
    for e in &rule.unless {
        match eval(&e.cond, facts, row) {
            Tri::True => {
                if t.exception.is_none() {
                    t.exception = Some(e.title.clone());
                    let mut why = Vec::new();
                    held(set, &e.cond, facts, row, &mut why);
                    let why: Vec<&str> = why.iter().map(Reason::as_str).collect();
                    t.failed
                        .push(format!("exception `{}` holds: {}", e.title, why.join("; ")));
                }
            }
            Tri::Unknown => {
                t.open_exceptions.push(e.title.clone());
                unknown_value(set, &e.cond, facts, row, &mut missing);
            }
            Tri::False => {}
        }
    }
    missing.sort_unstable_by(|a, b| a.as_str().cmp(b.as_str()));
    missing.dedup_by(|a, b| a.as_str() == b.as_str());
    t.missing = missing.into_iter().map(|m| m.to_string()).collect();
    t
}

/// What a finding of rule `i` says: the lines that hold (`because`) and, for a rule whose value
/// is unknown, the facts that would decide it (`missing`, sorted, without repeats). The same
/// as [`trace`]'s `held` and `missing` for a rule that is true or unknown, in one walk of each
/// condition instead of two, and without the lines only `explain` shows.
pub fn reasons(
    set: &RuleSet,
    i: usize,
    facts: &Facts<'_>,
    row: &[Tri],
) -> (Vec<Reason>, Vec<Reason>) {
    reasons_with(set, i, facts, row, &mut Said::default())
}

/// The `because` lines of predicates already said on one provision, by predicate: many rules
/// test the same predicate (`known(subjects)`, `purpose has "ads"`), and on one provision its
/// line is the same in each of their findings, so it is made once and shared.
#[derive(Default)]
pub(crate) struct Said<'s> {
    lines: ByPredicate<'s>,
    /// The same for the lines of predicates that do not hold, negated (`not (a has "b")`).
    nots: ByPredicate<'s>,
    /// Scratch for [`reasons_with`].
    held: Vec<Reason>,
    missing: Vec<&'s Reason>,
    /// Scratch for a new line: its JSON string and its text.
    json: String,
    raw: String,
}

/// Lines by predicate: the same text on the same fact gives the same line. Matched by a hash
/// of the text first.
#[derive(Default)]
struct ByPredicate<'s>(Vec<(u64, Slot, &'s str, Reason)>);

impl<'s> ByPredicate<'s> {
    fn get(&self, leaf: &Leaf) -> Option<&Reason> {
        self.0
            .iter()
            .find(|(hash, slot, text, _)| {
                *hash == leaf.text_hash && *slot == leaf.slot && *text == leaf.text
            })
            .map(|(_, _, _, line)| line)
    }

    fn put(&mut self, leaf: &'s Leaf, line: Reason) {
        self.0.push((leaf.text_hash, leaf.slot, &leaf.text, line));
    }
}

impl<'s> Said<'s> {
    /// Forget the lines: the next provision's facts differ.
    pub(crate) fn clear(&mut self) {
        self.lines.0.clear();
        self.nots.0.clear();
    }

    /// The line of a predicate that holds.
    fn line(&mut self, set: &RuleSet, leaf: &'s Leaf, facts: &Facts<'_>) -> Reason {
        if let Some(line) = self.lines.get(leaf) {
            return line.clone();
        }
        let line = describe_in(set, leaf, facts, &mut self.json, &mut self.raw);
        self.lines.put(leaf, line.clone());
        line
    }

    /// The line of `not (leaf)` that holds, added to `held`: why the predicate does not hold.
    /// `negated` is the condition under `not`, the predicate `leaf`.
    fn not_line(
        &mut self,
        set: &RuleSet,
        negated: &Cond,
        leaf: &'s Leaf,
        facts: &Facts<'_>,
        row: &[Tri],
        held: &mut Vec<Reason>,
    ) {
        if let Some(line) = self.nots.get(leaf) {
            held.push(line.clone());
            return;
        }
        let at = held.len();
        held_not(set, negated, facts, row, held);
        // A predicate that does not hold gives one line.
        if let [line] = &held[at..] {
            self.nots.put(leaf, line.clone());
        }
    }
}

/// [`reasons`], sharing the lines already said on this provision (`said`, cleared between
/// provisions).
pub(crate) fn reasons_with<'s>(
    set: &'s RuleSet,
    i: usize,
    facts: &Facts<'_>,
    row: &[Tri],
    said: &mut Said<'s>,
) -> (Vec<Reason>, Vec<Reason>) {
    let rule = &set.rules[i];
    // Built in buffers kept from one finding to the next, then copied out at their size.
    let mut held = std::mem::take(&mut said.held);
    let mut missing = std::mem::take(&mut said.missing);
    held.clear();
    missing.clear();
    if row[i] != Tri::Unknown {
        // True: the condition and the gate hold, and no exception does.
        held_unknown(set, &rule.when, facts, row, &mut held, &mut missing, said);
        if let Some(g) = rule.gate {
            held.push(super::parts::scope_line(set, g));
        }
        missing.clear();
    } else {
        if held_unknown(set, &rule.when, facts, row, &mut held, &mut missing, said) != Tri::Unknown
        {
            missing.clear();
        }
        if let Some(g) = rule.gate {
            match row[g] {
                Tri::True => held.push(super::parts::scope_line(set, g)),
                Tri::Unknown => {
                    unknown_value(set, &set.rules[g].when, facts, row, &mut missing);
                }
                Tri::False => {}
            }
        }
        for e in &rule.unless {
            let mark = missing.len();
            if unknown_value(set, &e.cond, facts, row, &mut missing) != Tri::Unknown {
                missing.truncate(mark);
            }
        }
        missing.sort_unstable_by(|a, b| a.as_str().cmp(b.as_str()));
        missing.dedup_by(|a, b| a.as_str() == b.as_str());
    }
    let out = (held.to_vec(), missing.iter().map(|&m| m.clone()).collect());
    said.held = held;
    said.missing = missing;
    out
}

/// [`held_value`] and [`unknown_value`] in one walk: the lines of the parts that hold and the
/// facts of the parts that are unknown, each taken back as the separate walks would.
fn held_unknown<'s>(
    set: &'s RuleSet,
    cond: &'s Cond,
    facts: &Facts<'_>,
    row: &[Tri],
    held: &mut Vec<Reason>,
    missing: &mut Vec<&'s Reason>,
    said: &mut Said<'s>,
) -> Tri {
    match cond {
        Cond::All(parts) | Cond::Any(parts) => {
            let all = matches!(cond, Cond::All(_));
            let mut acc = Tri::from_bool(all);
            for p in parts {
                let (lines, facts_at) = (held.len(), missing.len());
                let v = held_unknown(set, p, facts, row, held, missing, said);
                if (all && v == Tri::False) || (!all && v != Tri::True) {
                    held.truncate(lines);
                }
                if v != Tri::Unknown {
                    missing.truncate(facts_at);
                }
                acc = if all { acc.and(v) } else { acc.or(v) };
            }
            acc
        }
        Cond::Not(c) => {
            // Only the facts of the part negated count here, not its lines: what held inside
            // a negation that holds is said by `held_not`.
            let v = unknown_value(set, c, facts, row, missing);
            if v == Tri::False {
                match &**c {
                    Cond::Leaf(leaf) => said.not_line(set, c, leaf, facts, row, held),
                    _ => held_not(set, c, facts, row, held),
                }
            }
            v.not()
        }
        Cond::Const(b) => Tri::from_bool(*b),
        Cond::Rule(r) => {
            let v = row[*r];
            match v {
                Tri::True => held.push(super::parts::referred_line(set, *r)),
                Tri::Unknown => {
                    let rule = &set.rules[*r];
                    held_unknown(set, &rule.when, facts, row, held, missing, said);
                    if let Some(g) = rule.gate {
                        if row[g] == Tri::Unknown {
                            unknown_value(set, &set.rules[g].when, facts, row, missing);
                        }
                    }
                }
                Tri::False => {}
            }
            v
        }
        Cond::Leaf(leaf) => {
            let v = eval_leaf(leaf, facts);
            match v {
                Tri::True => held.push(said.line(set, leaf, facts)),
                Tri::Unknown => missing.push(&leaf.missing_as),
                Tri::False => {}
            }
            v
        }
    }
}

/// A condition's value, and whether the clause itself makes it so.
struct Spoken {
    value: Tri,
    /// The clause itself speaks to the condition: a stated attribute of the provision meets a
    /// predicate in it. Entity and document facts, a negation that holds only because a fact
    /// is absent, and a rule referred to whose own condition the clause does not meet do not
    /// count.
    engaged: bool,
    /// The condition is false because of something the clause states, not because a fact is
    /// absent.
    refuted: bool,
}

/// [`Spoken`] for a condition, every node of it evaluated once.
fn speaks(set: &RuleSet, cond: &Cond, facts: &Facts<'_>, row: &[Tri]) -> Spoken {
    match cond {
        Cond::All(parts) | Cond::Any(parts) => {
            let all = matches!(cond, Cond::All(_));
            let mut s = Spoken {
                value: Tri::from_bool(all),
                engaged: false,
                refuted: false,
            };
            for p in parts {
                let part = speaks(set, p, facts, row);
                s.engaged |= part.value != Tri::False && part.engaged;
                s.refuted |= part.value == Tri::False && part.refuted;
                s.value = if all {
                    s.value.and(part.value)
                } else {
                    s.value.or(part.value)
                };
            }
            s
        }
        Cond::Not(c) => {
            let inner = speaks(set, c, facts, row);
            Spoken {
                value: inner.value.not(),
                engaged: inner.value == Tri::False && inner.refuted,
                refuted: inner.value == Tri::True && inner.engaged,
            }
        }
        Cond::Const(b) => Spoken {
            value: Tri::from_bool(*b),
            engaged: false,
            refuted: false,
        },
        Cond::Rule(r) => {
            let value = row[*r];
            let inner = speaks(set, &set.rules[*r].when, facts, row);
            Spoken {
                value,
                engaged: value != Tri::False && inner.engaged,
                refuted: value == Tri::False && inner.refuted,
            }
        }
        Cond::Leaf(leaf) => {
            let value = eval_leaf(leaf, facts);
            let attr = matches!(leaf.slot, Slot::Attr(_));
            Spoken {
                value,
                engaged: attr && value == Tri::True,
                refuted: attr
                    && value == Tri::False
                    && !matches!(leaf.test, LeafTest::Known)
                    && facts.get(leaf.slot).is_some(),
            }
        }
    }
}

/// Whether a rule found unknown on a provision is reported: its own condition is not unknown,
/// or the clause partly meets it (a stated attribute meets a predicate in it). A rule of which nothing held would be
/// "undetermined" on any clause.
pub fn reported_when_unknown(set: &RuleSet, cond: &Cond, facts: &Facts<'_>, row: &[Tri]) -> bool {
    let s = speaks(set, cond, facts, row);
    s.value != Tri::Unknown || s.engaged
}

/// The lines that made a true condition true; for an unknown condition, the parts of it that
/// hold. Only what is true is said: a rule referred to is named as met only when it is.
fn held(set: &RuleSet, cond: &Cond, facts: &Facts<'_>, row: &[Tri], out: &mut Vec<Reason>) {
    held_value(set, cond, facts, row, out);
}

/// [`held`], returning the condition's value: [`held_unknown`] without the unknown facts.
fn held_value(
    set: &RuleSet,
    cond: &Cond,
    facts: &Facts<'_>,
    row: &[Tri],
    out: &mut Vec<Reason>,
) -> Tri {
    held_unknown(
        set,
        cond,
        facts,
        row,
        out,
        &mut Vec::new(),
        &mut Said::default(),
    )
}

/// The lines of `not C` that holds: why `C` is false.
fn held_not(set: &RuleSet, c: &Cond, facts: &Facts<'_>, row: &[Tri], out: &mut Vec<Reason>) {
    let mut inner = Vec::new();
    failed(set, c, facts, row, &mut inner);
    out.extend(inner.iter().map(|l| Reason::new(&format!("not: {l}"))));
}

/// The lines that made a false condition false, each saying what would make it hold.
pub fn failed(set: &RuleSet, cond: &Cond, facts: &Facts<'_>, row: &[Tri], out: &mut Vec<String>) {
    match cond {
        Cond::All(parts) => {
            for p in parts {
                if eval(p, facts, row) == Tri::False {
                    failed(set, p, facts, row, out);
                }
            }
        }
        Cond::Any(parts) => {
            let mut alternatives = Vec::new();
            for p in parts {
                let mut sub = Vec::new();
                failed(set, p, facts, row, &mut sub);
                alternatives.push(sub.join(" and "));
            }
            out.push(format!("none of these holds: {}", alternatives.join(" | ")));
        }
        Cond::Not(c) => {
            let mut inner = Vec::new();
            held(set, c, facts, row, &mut inner);
            let inner: Vec<&str> = inner.iter().map(Reason::as_str).collect();
            out.push(format!(
                "it would apply if this did not hold: {}",
                inner.join("; ")
            ));
        }
        Cond::Const(b) => out.push(format!("the condition is always {b}")),
        Cond::Rule(r) => {
            let rule = &set.rules[*r];
            out.push(format!("{} (`@{}`) does not hold", rule.title, rule.id));
        }
        Cond::Leaf(leaf) => {
            if eval_leaf(leaf, facts) == Tri::False {
                out.push(format!(
                    "`{}` does not hold ({}); it would apply if {}",
                    leaf.text,
                    current(set, leaf, facts),
                    would(set, leaf)
                ));
            }
        }
    }
}

/// The facts behind an unknown condition, added to `out` (which may repeat them), and the
/// condition's value: each node is evaluated once, and the facts of a part that turns out not
/// to be unknown are taken back.
fn unknown_value<'s>(
    set: &'s RuleSet,
    cond: &'s Cond,
    facts: &Facts<'_>,
    row: &[Tri],
    out: &mut Vec<&'s Reason>,
) -> Tri {
    match cond {
        Cond::All(parts) | Cond::Any(parts) => {
            let all = matches!(cond, Cond::All(_));
            let mut acc = Tri::from_bool(all);
            for p in parts {
                let mark = out.len();
                let v = unknown_value(set, p, facts, row, out);
                if v != Tri::Unknown {
                    out.truncate(mark);
                }
                acc = if all { acc.and(v) } else { acc.or(v) };
            }
            acc
        }
        Cond::Not(c) => unknown_value(set, c, facts, row, out).not(),
        Cond::Const(b) => Tri::from_bool(*b),
        Cond::Rule(r) => {
            let rule = &set.rules[*r];
            let v = row[*r];
            if v == Tri::Unknown {
                unknown_value(set, &rule.when, facts, row, out);
                if let Some(g) = rule.gate {
                    if row[g] == Tri::Unknown {
                        unknown_value(set, &set.rules[g].when, facts, row, out);
                    }
                }
            }
            v
        }
        Cond::Leaf(leaf) => {
            let v = eval_leaf(leaf, facts);
            if v == Tri::Unknown {
                out.push(&leaf.missing_as);
            }
            v
        }
    }
}

/// `data has "personal" (data: personal.content, personal.activity)`, written in the scratch
/// buffers `json` and `raw`.
fn describe_in(
    set: &RuleSet,
    leaf: &Leaf,
    facts: &Facts<'_>,
    json: &mut String,
    raw: &mut String,
) -> Reason {
    Reason::build_in(json, raw, |json, raw| {
        raw.push('`');
        raw.push_str(&leaf.text);
        raw.push_str("` (");
        let value_at = raw.len();
        write_current(set, leaf, facts, raw);
        raw.push(')');
        json.push_str(&leaf.said_json);
        super::parts::push_escaped(json, &raw[value_at..]);
    })
}

/// The current value of the leaf's path, in words.
fn current(set: &RuleSet, leaf: &Leaf, facts: &Facts<'_>) -> String {
    let mut out = String::new();
    write_current(set, leaf, facts, &mut out);
    out
}

fn write_current(set: &RuleSet, leaf: &Leaf, facts: &Facts<'_>, out: &mut String) {
    use std::fmt::Write as _;
    if leaf.slot == Slot::AsOf {
        let _ = write!(out, "as of {}", facts.as_of);
        return;
    }
    out.push_str(leaf.path_base());
    match facts.get(leaf.slot) {
        None => out.push_str(": not stated"),
        Some(v) => {
            out.push_str(": ");
            write_value(set, leaf.slot, v, &leaf.test, out);
        }
    }
}

fn write_value(set: &RuleSet, slot: Slot, v: &Value, test: &LeafTest, out: &mut String) {
    let vocab = &set.vocab;
    let field = match slot {
        Slot::Attr(i) => vocab.attributes.get(i as usize),
        Slot::Entity(i) => vocab.entity.get(i as usize),
        Slot::Doc(i) => vocab.document.get(i as usize),
        Slot::AsOf => None,
    };
    match (v, field.map(|f| &f.ty)) {
        (Value::Set { raw, .. }, Some(ValueType::Set(t))) => {
            let tax = &vocab.taxonomies[*t];
            let mut any = false;
            for i in raw.iter() {
                if any {
                    out.push_str(", ");
                }
                out.push_str(&tax.values[i as usize]);
                any = true;
            }
            if !any {
                out.push_str("none");
            }
        }
        (Value::One(i), Some(ValueType::OneOf(values))) => {
            if let Some(v) = values.get(*i as usize) {
                out.push_str(v);
            }
        }
        (Value::Num(n), _) => out.push_str(&format_number(*n)),
        (Value::Date(d), _) => out.push_str(&d.to_string()),
        (Value::Bool(b), _) => out.push_str(if *b { "true" } else { "false" }),
        (Value::Str(s), _) => out.push_str(s),
        (Value::Map(m), _) => match test {
            LeafTest::MapNum { key, .. } | LeafTest::MapKnown { key } => {
                match m.iter().find(|(k, _)| k == key) {
                    Some((k, n)) => {
                        out.push_str(k);
                        out.push(' ');
                        out.push_str(&format_number(*n));
                    }
                    None => {
                        out.push_str(key);
                        out.push_str(" not stated");
                    }
                }
            }
            _ => {
                for (n, (k, v)) in m.iter().enumerate() {
                    if n > 0 {
                        out.push_str(", ");
                    }
                    out.push_str(k);
                    out.push(' ');
                    out.push_str(&format_number(*v));
                }
            }
        },
        _ => out.push('?'),
    }
}

/// What would make a false leaf hold: "`consent` were `opt_out`".
fn would(set: &RuleSet, leaf: &Leaf) -> String {
    let vocab = &set.vocab;
    let p = leaf.path_base();
    let names = |mask: &crate::vocab::Bits, values: &dyn Fn(u16) -> String| -> Vec<String> {
        mask.iter().map(values).collect()
    };
    match &leaf.test {
        LeafTest::Known | LeafTest::MapKnown { .. } => format!("`{p}` were stated"),
        LeafTest::Truthy => format!("`{p}` were true"),
        LeafTest::Covers(mask) => {
            let tax = match leaf.slot {
                Slot::Attr(i) => vocab.attributes.get(i as usize),
                Slot::Entity(i) => vocab.entity.get(i as usize),
                _ => None,
            }
            .and_then(|f| match &f.ty {
                ValueType::Set(t) => Some(&vocab.taxonomies[*t]),
                _ => None,
            });
            let list = match tax {
                Some(tax) => names(mask, &|i| format!("`{}`", tax.values[i as usize])),
                None => Vec::new(),
            };
            format!("`{p}` listed one of {}", list.join(", "))
        }
        LeafTest::HasAny(mask) | LeafTest::HasAll(mask) => {
            let tax_values = match leaf.slot {
                Slot::Attr(i) => vocab.attributes.get(i as usize),
                Slot::Entity(i) => vocab.entity.get(i as usize),
                Slot::Doc(i) => vocab.document.get(i as usize),
                Slot::AsOf => None,
            }
            .and_then(|f| match &f.ty {
                ValueType::Set(t) => Some(&vocab.taxonomies[*t]),
                _ => None,
            });
            let list = match tax_values {
                Some(tax) => names(mask, &|i| format!("`{}`", tax.values[i as usize])),
                None => Vec::new(),
            };
            match (&leaf.test, list.len()) {
                (_, 1) => format!("`{p}` had {}", list[0]),
                (LeafTest::HasAll(_), _) => format!("`{p}` had all of {}", list.join(", ")),
                _ => format!("`{p}` had any of {}", list.join(", ")),
            }
        }
        LeafTest::OneIn { mask, negate } => {
            let values = match leaf.slot {
                Slot::Attr(i) => vocab.attributes.get(i as usize),
                _ => None,
            }
            .and_then(|f| match &f.ty {
                ValueType::OneOf(v) => Some(v.clone()),
                _ => None,
            })
            .unwrap_or_default();
            let list = names(mask, &|i| {
                format!("`{}`", values.get(i as usize).cloned().unwrap_or_default())
            });
            match (negate, list.len()) {
                (true, _) => format!("`{p}` were not {}", list.join(" or ")),
                (false, 1) => format!("`{p}` were {}", list[0]),
                (false, _) => format!("`{p}` were one of {}", list.join(", ")),
            }
        }
        LeafTest::Num(op, n) | LeafTest::MapNum { op, value: n, .. } => {
            let p = match &leaf.test {
                LeafTest::MapNum { key, .. } => format!("{p}.{key}"),
                _ => p.to_string(),
            };
            format!("`{p}` were {} {}", op.symbol(), format_number(*n))
        }
        LeafTest::Date(op, d) => format!("`{p}` were {} {d}", op.symbol()),
        LeafTest::Bool(op, b) => format!("`{p}` were {} {b}", op.symbol()),
        LeafTest::Str(op, s) => format!("`{p}` were {} `{s}`", op.symbol()),
    }
}

#[cfg(test)]
mod tests {
    use super::super::{intern_attributes, intern_entity, run};
    use super::*;
    use crate::date::Date;
    use crate::synth::Profile;

    /// A finding's `because` and `missing` from [`reasons`] are what [`trace`] says, for every
    /// rule that is true or unknown on dense and sparse provisions of a synthetic corpus, with
    /// and without the entity's facts; with the lines of each provision shared between its
    /// rules, as findings share them.
    #[test]
    fn reasons_are_the_trace() {
        let set = crate::commands::load_rules(None).unwrap();
        let as_of = Date::parse("2026-11-25").unwrap();
        let mut compared = 0;
        for profile in [Profile::Dense, Profile::Classified] {
            let corpus = crate::synth::provisions_jsonl_with(&set, 400, 100, 5, profile);
            for (n, line) in corpus.lines().enumerate() {
                let doc = crate::model::to_document("t", crate::model::parse_json(line).unwrap());
                let stated = if n % 2 == 0 {
                    doc.entity.facts.clone()
                } else {
                    Default::default()
                };
                let (entity, _) = intern_entity(&set.vocab, &stated);
                for p in &doc.provisions {
                    let attrs = intern_attributes(&set.vocab, p.attributes.as_ref().unwrap()).0;
                    let facts = Facts {
                        attrs: &attrs,
                        entity: &entity,
                        doc: &[],
                        as_of,
                    };
                    let mut row = Vec::new();
                    run(&set, &facts, &mut row);
                    let mut said = Said::default();
                    for i in 0..set.rules.len() {
                        if row[i] == Tri::False {
                            continue;
                        }
                        let t = trace(&set, i, &facts, &row);
                        let (because, missing) = reasons_with(&set, i, &facts, &row, &mut said);
                        assert_eq!(because, t.held, "rule {}", set.rules[i].id);
                        if row[i] == Tri::Unknown {
                            let missing: Vec<String> =
                                missing.iter().map(|m| m.to_string()).collect();
                            assert_eq!(missing, t.missing, "rule {}", set.rules[i].id);
                        } else {
                            assert!(missing.is_empty());
                        }
                        compared += 1;
                    }
                }
            }
        }
        assert!(compared > 10_000, "only {compared} rules compared");
    }
}
