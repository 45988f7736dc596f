//! A faithful translation of a compiled rule set into Rego, so that the same rules can be
//! evaluated by regorus on the same corpus and the results compared.
//!
//! Rego has no unknown: the translation is exact on provisions that state every fact, which
//! is what the comparison corpus holds. Each rule becomes `r_<index>`; `or` and `not` become
//! helper rules; the set of finding rules that hold is `data.clausemap.fired`.

use std::fmt::Write as _;

use clausemap::dsl::CmpOp;
use clausemap::eval::cond::{Cond, Leaf, LeafTest, Slot};
use clausemap::rules::RuleSet;
use clausemap::vocab::{Bits, ValueType};

struct Translator<'a> {
    set: &'a RuleSet,
    out: String,
    helpers: usize,
    vars: usize,
}

fn op(o: CmpOp) -> &'static str {
    o.symbol()
}

fn quote(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_default()
}

impl Translator<'_> {
    fn slot_path(&self, slot: Slot) -> String {
        let v = &self.set.vocab;
        match slot {
            Slot::Attr(i) => format!("input.a.{}", v.attributes[i as usize].name),
            Slot::Entity(i) => format!("input.e.{}", v.entity[i as usize].name),
            Slot::Doc(i) => format!("input.d.{}", v.document[i as usize].name),
            Slot::AsOf => "input.as_of".to_string(),
        }
    }

    fn values(&self, slot: Slot, mask: &Bits) -> Vec<String> {
        let v = &self.set.vocab;
        let field = match slot {
            Slot::Attr(i) => &v.attributes[i as usize],
            Slot::Entity(i) => &v.entity[i as usize],
            Slot::Doc(i) => &v.document[i as usize],
            Slot::AsOf => return Vec::new(),
        };
        match &field.ty {
            ValueType::Set(t) => mask
                .iter()
                .map(|i| quote(&v.taxonomies[*t].values[i as usize]))
                .collect(),
            ValueType::OneOf(vals) => mask.iter().map(|i| quote(&vals[i as usize])).collect(),
            _ => Vec::new(),
        }
    }

    fn leaf(&mut self, leaf: &Leaf) -> Vec<String> {
        let p = self.slot_path(leaf.slot);
        match &leaf.test {
            LeafTest::Known => vec![format!("{p} != null")],
            LeafTest::Truthy => vec![format!("{p} == true")],
            LeafTest::HasAny(mask) | LeafTest::Covers(mask) => {
                let field = if matches!(leaf.test, LeafTest::Covers(_)) {
                    "raw"
                } else {
                    "closed"
                };
                self.vars += 1;
                let var = format!("x{}", self.vars);
                vec![
                    format!("some {var} in {p}.{field}"),
                    format!("{var} in {{{}}}", self.values(leaf.slot, mask).join(", ")),
                ]
            }
            LeafTest::HasAll(mask) => self
                .values(leaf.slot, mask)
                .into_iter()
                .map(|v| format!("{v} in {p}.closed"))
                .collect(),
            LeafTest::OneIn { mask, negate } => {
                let set = format!("{{{}}}", self.values(leaf.slot, mask).join(", "));
                if *negate {
                    vec![format!("{p} != null"), format!("not {p} in {set}")]
                } else {
                    vec![format!("{p} in {set}")]
                }
            }
            LeafTest::Num(o, n) => vec![format!("{p} {} {n}", op(*o))],
            LeafTest::Date(o, d) => vec![format!("{p} {} {}", op(*o), quote(&d.to_string()))],
            LeafTest::Bool(o, b) => vec![format!("{p} {} {b}", op(*o))],
            LeafTest::Str(o, s) => vec![format!("{p} {} {}", op(*o), quote(s))],
            LeafTest::MapNum { key, op: o, value } => {
                vec![format!("{p}[{}] {} {value}", quote(key), op(*o))]
            }
            LeafTest::MapKnown { key } => vec![format!("{p}[{}] != null", quote(key))],
        }
    }

    /// The statements of a body that holds when `cond` holds.
    fn body(&mut self, cond: &Cond) -> Vec<String> {
        match cond {
            Cond::All(parts) => parts.iter().flat_map(|c| self.body(c)).collect(),
            Cond::Any(parts) => {
                let h = self.helper();
                for p in parts {
                    let b = self.body(p);
                    self.emit(&h, &b);
                }
                vec![h]
            }
            Cond::Not(c) => {
                let h = self.helper();
                let b = self.body(c);
                self.emit(&h, &b);
                vec![format!("not {h}")]
            }
            Cond::Const(true) => vec!["true".to_string()],
            Cond::Const(false) => vec!["false".to_string()],
            Cond::Rule(i) => vec![format!("r_{i}")],
            Cond::Leaf(l) => self.leaf(l),
        }
    }

    fn helper(&mut self) -> String {
        self.helpers += 1;
        format!("h_{}", self.helpers)
    }

    fn emit(&mut self, name: &str, body: &[String]) {
        let _ = writeln!(
            self.out,
            "{name} if {{\n  {}\n}}",
            if body.is_empty() {
                "true".to_string()
            } else {
                body.join("\n  ")
            }
        );
    }
}

/// The Rego module for a rule set.
pub fn translate(set: &RuleSet) -> String {
    let mut t = Translator {
        set,
        out: String::from("package clausemap\nimport rego.v1\n\n"),
        helpers: 0,
        vars: 0,
    };
    for (i, rule) in set.rules.iter().enumerate() {
        let mut body = t.body(&rule.when);
        if let Some(g) = rule.gate {
            body.push(format!("r_{g}"));
        }
        for e in &rule.unless {
            let h = t.helper();
            let b = t.body(&e.cond);
            t.emit(&h, &b);
            body.push(format!("not {h}"));
        }
        t.emit(&format!("r_{i}"), &body);
        if rule.is_finding() {
            let _ = writeln!(t.out, "fired contains {} if r_{i}\n", quote(&rule.id));
        }
    }
    t.out
}

/// The input document regorus reads for one provision: every fact stated.
pub fn input(
    set: &RuleSet,
    attrs: &serde_json::Map<String, serde_json::Value>,
    entity: &serde_json::Map<String, serde_json::Value>,
    as_of: &str,
) -> serde_json::Value {
    let v = &set.vocab;
    let convert = |fields: &[clausemap::vocab::Field],
                   m: &serde_json::Map<String, serde_json::Value>| {
        let mut out = serde_json::Map::new();
        for f in fields {
            let Some(x) = m.get(&f.name) else { continue };
            let value = match &f.ty {
                ValueType::Set(t) => {
                    let tax = &v.taxonomies[*t];
                    let raw: Vec<u16> = x
                        .as_array()
                        .into_iter()
                        .flatten()
                        .filter_map(|s| s.as_str().and_then(|s| tax.id(s)))
                        .collect();
                    let closed = tax.close(raw.iter().copied());
                    serde_json::json!({
                        "raw": raw.iter().map(|i| tax.values[*i as usize].clone()).collect::<Vec<_>>(),
                        "closed": closed.iter().map(|i| tax.values[i as usize].clone()).collect::<Vec<_>>(),
                    })
                }
                _ => x.clone(),
            };
            out.insert(f.name.clone(), value);
        }
        serde_json::Value::Object(out)
    };
    serde_json::json!({
        "a": convert(&v.attributes, attrs),
        "e": convert(&v.entity, entity),
        "d": {},
        "as_of": as_of,
    })
}
