//! The vocabulary: which attributes, entity facts and document fields exist, their types, and
//! the taxonomies their values come from.
//!
//! Built once from `rules/vocabulary.yaml`. Taxonomy values are interned to small integers and
//! each value's closure (itself, its dotted ancestors and what it `implies`) is precomputed as
//! a bitset, so `has` is a mask test at evaluation time.

use std::collections::{BTreeMap, HashMap};

use crate::error::Problem;
use crate::rules::raw::{RawAttribute, RawValue, RawVocabulary};
use crate::rules::yaml::SpanIndex;

/// Names (of attributes, facts, values) to their index. Interning looks up every attribute and
/// value of every provision here; the names are the vocabulary's own, so a simple hash (FNV-1a)
/// serves better than the default one, which resists collisions crafted by whoever supplies
/// the keys.
pub type NameIndex<V> = HashMap<String, V, std::hash::BuildHasherDefault<Fnv>>;

/// The FNV-1a hash.
pub struct Fnv(u64);

impl Default for Fnv {
    fn default() -> Fnv {
        Fnv(0xcbf2_9ce4_8422_2325)
    }
}

impl std::hash::Hasher for Fnv {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0 ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
        }
    }
}
use crate::source::Source;

/// The most values one taxonomy or one-of attribute may hold.
pub const MAX_VALUES: usize = 256;

/// A fixed-size bitset over the values of one taxonomy.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Bits([u64; 4]);

impl Bits {
    pub fn set(&mut self, i: u16) {
        let i = i as usize;
        self.0[i / 64] |= 1 << (i % 64);
    }

    pub fn contains(&self, i: u16) -> bool {
        let i = i as usize;
        self.0[i / 64] & (1 << (i % 64)) != 0
    }

    pub fn union(&self, other: &Bits) -> Bits {
        Bits([
            self.0[0] | other.0[0],
            self.0[1] | other.0[1],
            self.0[2] | other.0[2],
            self.0[3] | other.0[3],
        ])
    }

    #[inline]
    pub fn intersects(&self, other: &Bits) -> bool {
        // Branch-free: evaluation calls this for every predicate of every provision.
        ((self.0[0] & other.0[0])
            | (self.0[1] & other.0[1])
            | (self.0[2] & other.0[2])
            | (self.0[3] & other.0[3]))
            != 0
    }

    pub fn contains_all(&self, other: &Bits) -> bool {
        (0..4).all(|i| self.0[i] & other.0[i] == other.0[i])
    }

    pub fn is_empty(&self) -> bool {
        self.0.iter().all(|w| *w == 0)
    }

    /// The members, in increasing order (word by word, skipping empty words).
    pub fn iter(&self) -> impl Iterator<Item = u16> + '_ {
        self.0.iter().enumerate().flat_map(|(w, &word)| {
            let mut rest = word;
            std::iter::from_fn(move || {
                if rest == 0 {
                    return None;
                }
                let bit = rest.trailing_zeros();
                rest &= rest - 1;
                Some((w * 64) as u16 + bit as u16)
            })
        })
    }
}

/// A named set of values with a hierarchy.
#[derive(Debug)]
pub struct Taxonomy {
    pub name: String,
    pub doc: String,
    pub values: Vec<String>,
    pub docs: Vec<String>,
    pub index: NameIndex<u16>,
    /// For each value: itself and every value it implies.
    pub closure: Vec<Bits>,
}

impl Taxonomy {
    pub fn id(&self, value: &str) -> Option<u16> {
        self.index.get(value).copied()
    }

    /// The closure of a set of values.
    pub fn close(&self, ids: impl IntoIterator<Item = u16>) -> Bits {
        ids.into_iter().fold(Bits::default(), |acc, id| {
            acc.union(&self.closure[id as usize])
        })
    }
}

/// The type of an attribute, entity fact or document field.
#[derive(Clone, Debug, PartialEq)]
pub enum ValueType {
    /// A set of values of the taxonomy with this index.
    Set(usize),
    /// One value of this list.
    OneOf(Vec<String>),
    Number,
    Date,
    Bool,
    String,
    /// Jurisdiction code -> number.
    Map,
}

impl ValueType {
    pub fn describe(&self) -> &'static str {
        match self {
            ValueType::Set(_) => "a set",
            ValueType::OneOf(_) => "a one-of value",
            ValueType::Number => "a number",
            ValueType::Date => "a date",
            ValueType::Bool => "a boolean",
            ValueType::String => "a string",
            ValueType::Map => "a map of jurisdiction codes to numbers",
        }
    }
}

/// One declared name.
#[derive(Clone, Debug)]
pub struct Field {
    pub name: String,
    pub ty: ValueType,
    pub doc: String,
}

/// The whole vocabulary.
#[derive(Debug)]
pub struct Vocabulary {
    pub taxonomies: Vec<Taxonomy>,
    pub attributes: Vec<Field>,
    pub entity: Vec<Field>,
    pub document: Vec<Field>,
    /// The index of the `jurisdictions` taxonomy.
    pub jurisdictions: usize,
    pub jurisdiction_names: BTreeMap<String, String>,
    attr_index: NameIndex<usize>,
    entity_index: NameIndex<usize>,
    document_index: NameIndex<usize>,
}

impl Vocabulary {
    pub fn attribute(&self, name: &str) -> Option<usize> {
        self.attr_index.get(name).copied()
    }

    pub fn entity_fact(&self, name: &str) -> Option<usize> {
        self.entity_index.get(name).copied()
    }

    pub fn document_field(&self, name: &str) -> Option<usize> {
        self.document_index.get(name).copied()
    }

    pub fn jurisdiction_taxonomy(&self) -> &Taxonomy {
        &self.taxonomies[self.jurisdictions]
    }

    pub fn is_jurisdiction(&self, code: &str) -> bool {
        self.jurisdiction_taxonomy().id(code).is_some()
    }

    /// Whether `value` is allowed for the attribute `name` (used by other data files).
    pub fn allows(&self, name: &str, value: &str) -> bool {
        let Some(i) = self.attribute(name) else {
            return false;
        };
        match &self.attributes[i].ty {
            ValueType::Set(t) => self.taxonomies[*t].id(value).is_some(),
            ValueType::OneOf(values) => values.iter().any(|v| v == value),
            _ => true,
        }
    }

    /// Build the vocabulary, reporting every problem.
    pub fn build(raw: RawVocabulary, source: &Source) -> Result<Vocabulary, Vec<Problem>> {
        let spans = SpanIndex::build(source);
        let mut problems = Vec::new();
        let mut taxonomies = Vec::new();
        let mut tax_index = HashMap::new();

        // Jurisdictions are a taxonomy too, linked by `within` instead of dots.
        let mut jur = raw_taxonomy_jurisdictions(&raw, source, &spans, &mut problems);
        jur.name = "jurisdictions".to_string();
        tax_index.insert("jurisdictions".to_string(), 0);
        taxonomies.push(jur);

        for (name, t) in &raw.taxonomies {
            let mut values = Vec::new();
            let mut docs = Vec::new();
            let mut implies: Vec<Vec<String>> = Vec::new();
            for (v, rv) in &t.values {
                values.push(v.clone());
                match rv {
                    RawValue::Doc(d) => {
                        docs.push(d.clone());
                        implies.push(Vec::new());
                    }
                    RawValue::Full(f) => {
                        docs.push(f.doc.clone());
                        implies.push(f.implies.clone());
                    }
                }
            }
            // Dotted ancestors are implied.
            for (i, v) in values.clone().iter().enumerate() {
                let mut prefix = v.as_str();
                while let Some(dot) = prefix.rfind('.') {
                    prefix = &prefix[..dot];
                    if !values.iter().any(|x| x == prefix) {
                        problems.push(
                            Problem::new(
                                "vocabulary::missing-ancestor",
                                format!(
                                    "taxonomy `{name}` has `{v}` but not its parent `{prefix}`"
                                ),
                            )
                            .at(
                                source,
                                spans.key_span(source, &format!("taxonomies/{name}/values/{v}")),
                            )
                            .help(format!("add `{prefix}` to the values of `{name}`")),
                        );
                    }
                    implies[i].push(prefix.to_string());
                }
            }
            match make_taxonomy(name, &t.doc, values, docs, implies) {
                Ok(tax) => {
                    tax_index.insert(name.clone(), taxonomies.len());
                    taxonomies.push(tax);
                }
                Err(msg) => problems.push(Problem::new("vocabulary::taxonomy", msg).at(
                    source,
                    spans.key_span(source, &format!("taxonomies/{name}")),
                )),
            }
        }

        let mut fields = |group: &str, raw: &BTreeMap<String, RawAttribute>| -> Vec<Field> {
            let mut out = Vec::new();
            for (name, a) in raw {
                let path = format!("{group}/{name}");
                let ty = match a.kind.as_str() {
                    "set" => match a.taxonomy.as_deref().and_then(|t| tax_index.get(t)) {
                        Some(&t) => ValueType::Set(t),
                        None => {
                            problems.push(
                                Problem::new(
                                    "vocabulary::unknown-taxonomy",
                                    match a.taxonomy.as_deref() {
                                        Some(t) => format!(
                                            "set `{name}` names taxonomy `{t}`, which is not declared"
                                        ),
                                        None => format!("set `{name}` has no `taxonomy`"),
                                    },
                                )
                                .at(source, spans.key_span(source, &path))
                                .help("give `taxonomy:` the name of a taxonomy under `taxonomies:` (or `jurisdictions`)"),
                            );
                            continue;
                        }
                    },
                    "one_of" => match &a.values {
                        Some(v) if !v.is_empty() => ValueType::OneOf(v.keys().cloned().collect()),
                        _ => {
                            problems.push(
                                Problem::new(
                                    "vocabulary::no-values",
                                    format!("one-of `{name}` lists no `values`"),
                                )
                                .at(source, spans.key_span(source, &path))
                                .help("list its values under `values:`, each with a line saying what it means"),
                            );
                            continue;
                        }
                    },
                    "number" => ValueType::Number,
                    "date" => ValueType::Date,
                    "bool" => ValueType::Bool,
                    "string" => ValueType::String,
                    "map" => ValueType::Map,
                    other => {
                        problems.push(
                            Problem::new(
                                "vocabulary::unknown-type",
                                format!("`{name}` has unknown type `{other}`"),
                            )
                            .at(source, spans.value_span(source, &format!("{path}/type")))
                            .help("types are set, one_of, number, date, bool, string and map"),
                        );
                        continue;
                    }
                };
                out.push(Field {
                    name: name.clone(),
                    ty,
                    doc: a.doc.clone(),
                });
            }
            out
        };
        let attributes = fields("attributes", &raw.attributes);
        let entity = fields("entity", &raw.entity);
        let document = fields("document", &raw.document);

        if !problems.is_empty() {
            return Err(problems);
        }
        let index = |f: &[Field]| {
            f.iter()
                .enumerate()
                .map(|(i, f)| (f.name.clone(), i))
                .collect()
        };
        Ok(Vocabulary {
            attr_index: index(&attributes),
            entity_index: index(&entity),
            document_index: index(&document),
            jurisdiction_names: raw
                .jurisdictions
                .iter()
                .map(|(k, v)| (k.clone(), v.name.clone()))
                .collect(),
            taxonomies,
            attributes,
            entity,
            document,
            jurisdictions: 0,
        })
    }
}

fn raw_taxonomy_jurisdictions(
    raw: &RawVocabulary,
    source: &Source,
    spans: &SpanIndex,
    problems: &mut Vec<Problem>,
) -> Taxonomy {
    let values: Vec<String> = raw.jurisdictions.keys().cloned().collect();
    let docs = raw.jurisdictions.values().map(|j| j.name.clone()).collect();
    let implies: Vec<Vec<String>> = raw
        .jurisdictions
        .values()
        .map(|j| j.within.clone())
        .collect();
    for (code, j) in &raw.jurisdictions {
        for w in &j.within {
            if !raw.jurisdictions.contains_key(w) {
                problems.push(
                    Problem::new(
                        "vocabulary::unknown-jurisdiction",
                        format!("jurisdiction `{code}` lies within `{w}`, which is not declared"),
                    )
                    .at(
                        source,
                        spans.key_span(source, &format!("jurisdictions/{code}")),
                    )
                    .help_opt(
                        crate::check::suggest(w, raw.jurisdictions.keys().map(String::as_str))
                            .map(|s| format!("did you mean `{s}`?")),
                    ),
                );
            }
        }
    }
    match make_taxonomy("jurisdictions", "Jurisdiction codes", values, docs, implies) {
        Ok(t) => t,
        Err(msg) => {
            problems.push(Problem::new("vocabulary::taxonomy", msg).in_file(source.name.clone()));
            empty_taxonomy()
        }
    }
}

fn empty_taxonomy() -> Taxonomy {
    Taxonomy {
        name: String::new(),
        doc: String::new(),
        values: Vec::new(),
        docs: Vec::new(),
        index: NameIndex::default(),
        closure: Vec::new(),
    }
}

/// Intern the values and compute each one's transitive closure.
fn make_taxonomy(
    name: &str,
    doc: &str,
    values: Vec<String>,
    docs: Vec<String>,
    implies: Vec<Vec<String>>,
) -> Result<Taxonomy, String> {
    if values.len() > MAX_VALUES {
        return Err(format!(
            "taxonomy `{name}` has {} values, more than the {MAX_VALUES} allowed",
            values.len()
        ));
    }
    let index: NameIndex<u16> = values
        .iter()
        .enumerate()
        .map(|(i, v)| (v.clone(), i as u16))
        .collect();
    let direct: Vec<Vec<u16>> = implies
        .iter()
        .map(|list| list.iter().filter_map(|v| index.get(v).copied()).collect())
        .collect();
    let mut closure = Vec::with_capacity(values.len());
    for i in 0..values.len() {
        let mut bits = Bits::default();
        let mut stack = vec![i as u16];
        while let Some(v) = stack.pop() {
            if bits.contains(v) {
                continue;
            }
            bits.set(v);
            stack.extend(direct[v as usize].iter().copied());
        }
        closure.push(bits);
    }
    // A loop (`a` within `b`, `b` within `a`) would make the two values one: refuse it.
    for (i, targets) in direct.iter().enumerate() {
        for &d in targets {
            if d as usize != i && closure[d as usize].contains(i as u16) {
                return Err(format!(
                    "taxonomy `{name}` goes in a circle: `{}` leads to `{}`, which leads back to `{}`",
                    values[i], values[d as usize], values[i]
                ));
            }
        }
    }
    Ok(Taxonomy {
        name: name.to_string(),
        doc: doc.to_string(),
        values,
        docs,
        index,
        closure,
    })
}
