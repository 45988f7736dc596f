//! Interning: a provision's attributes, an entity's facts and a document's fields, from JSON
//! values to slots of the vocabulary. Every problem (an unknown name, a value outside the
//! taxonomy, a wrong type) is reported in words, with a suggestion where one is close.

use serde_json::{Map, Value as Json};

use crate::check::suggest;
use crate::date::Date;
use crate::model::DocumentMeta;
use crate::vocab::{Bits, Field, ValueType, Vocabulary};

/// An interned value.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    /// A set: the values as given, and their closure in the taxonomy.
    Set {
        raw: Bits,
        closed: Bits,
    },
    One(u16),
    Num(f64),
    Date(Date),
    Bool(bool),
    Str(String),
    Map(Vec<(String, f64)>),
}

/// A provision's attributes. Unknown names and values are errors; absent ones stay unknown.
pub fn intern_attributes(
    vocab: &Vocabulary,
    attrs: &Map<String, Json>,
) -> (Vec<Option<Value>>, Vec<String>) {
    intern(vocab, &vocab.attributes, attrs, "attribute", "", |n| {
        vocab.attribute(n)
    })
}

/// An entity's facts.
pub fn intern_entity(
    vocab: &Vocabulary,
    facts: &Map<String, Json>,
) -> (Vec<Option<Value>>, Vec<String>) {
    intern(
        vocab,
        &vocab.entity,
        facts,
        "entity fact",
        "entity.facts.",
        |n| vocab.entity_fact(n),
    )
}

/// A document's fields that the vocabulary declares; other keys (id, title, url) are ignored.
pub fn intern_document(
    vocab: &Vocabulary,
    meta: &DocumentMeta,
) -> (Vec<Option<Value>>, Vec<String>) {
    let mut values = vec![None; vocab.document.len()];
    let mut errors = Vec::new();
    for (i, field) in vocab.document.iter().enumerate() {
        if let Some(v) = meta.fields.get(&field.name) {
            if v.is_null() {
                continue;
            }
            match convert(vocab, field, v, "document.") {
                Ok(x) => values[i] = Some(x),
                Err(e) => errors.push(e),
            }
        }
    }
    (values, errors)
}

fn intern(
    vocab: &Vocabulary,
    fields: &[Field],
    input: &Map<String, Json>,
    what: &str,
    prefix: &str,
    lookup: impl Fn(&str) -> Option<usize>,
) -> (Vec<Option<Value>>, Vec<String>) {
    let mut values = vec![None; fields.len()];
    let mut errors = Vec::new();
    for (name, v) in input {
        let Some(i) = lookup(name) else {
            let hint = suggest(name, fields.iter().map(|f| f.name.as_str()))
                .map(|s| format!(": did you mean `{s}`?"))
                .unwrap_or_else(|| ": it is not declared in vocabulary.yaml".to_string());
            errors.push(format!("unknown {what} `{prefix}{name}`{hint}"));
            continue;
        };
        // An explicit null is the same as leaving the fact out: unknown.
        if v.is_null() {
            continue;
        }
        match convert(vocab, &fields[i], v, prefix) {
            Ok(x) => values[i] = Some(x),
            Err(e) => errors.push(e),
        }
    }
    (values, errors)
}

fn json_kind(v: &Json) -> &'static str {
    match v {
        Json::Null => "nothing",
        Json::Bool(_) => "a boolean",
        Json::Number(_) => "a number",
        Json::String(_) => "a string",
        Json::Array(_) => "a list",
        Json::Object(_) => "a mapping",
    }
}

/// A number, also when written with `_` grouping (`26_625_000`), which YAML reads as text.
fn number(v: &Json) -> Option<f64> {
    let n = match v {
        Json::Number(n) => n.as_f64()?,
        Json::String(s)
            if s.contains('_')
                && s.chars()
                    .all(|c| c.is_ascii_digit() || matches!(c, '_' | '.' | '-')) =>
        {
            s.replace('_', "").parse().ok()?
        }
        _ => return None,
    };
    n.is_finite().then_some(n)
}

/// A field's name as errors give it, `prefix` then name: written only when an error is.
struct Name<'a>(&'a str, &'a str);

impl std::fmt::Display for Name<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.0)?;
        f.write_str(self.1)
    }
}

fn convert(vocab: &Vocabulary, field: &Field, v: &Json, prefix: &str) -> Result<Value, String> {
    let name = Name(prefix, &field.name);
    match &field.ty {
        ValueType::Set(t) => {
            let tax = &vocab.taxonomies[*t];
            let items: &[Json] = match v {
                Json::Array(items) => items,
                Json::String(_) => std::slice::from_ref(v),
                other => {
                    return Err(format!(
                        "`{name}` must be a list of values, not {}",
                        json_kind(other)
                    ))
                }
            };
            let mut raw = Bits::default();
            let mut bad = Vec::new();
            for item in items {
                match item.as_str() {
                    Some(s) => match tax.id(s) {
                        Some(id) => raw.set(id),
                        None => bad.push(match suggest(s, tax.values.iter().map(String::as_str)) {
                            Some(x) => format!("`{s}` (did you mean `{x}`?)"),
                            None => format!("`{s}`"),
                        }),
                    },
                    None => bad.push(format!("{} (values are strings)", json_kind(item))),
                }
            }
            if !bad.is_empty() {
                return Err(format!(
                    "`{name}` has values outside its taxonomy: {}",
                    bad.join(", ")
                ));
            }
            Ok(Value::Set {
                raw,
                closed: tax.close(raw.iter()),
            })
        }
        ValueType::OneOf(values) => match v.as_str() {
            Some(s) => match values.iter().position(|x| x == s) {
                Some(i) => Ok(Value::One(i as u16)),
                None => Err(match suggest(s, values.iter().map(String::as_str)) {
                    Some(x) => format!("`{name}` cannot be `{s}`: did you mean `{x}`?"),
                    None => format!(
                        "`{name}` cannot be `{s}`: it is one of {}",
                        values.join(", ")
                    ),
                }),
            },
            None => Err(format!(
                "`{name}` must be one value (a string), not {}",
                json_kind(v)
            )),
        },
        ValueType::Number => match number(v) {
            Some(n) => Ok(Value::Num(n)),
            None => Err(match v {
                // A YAML number too large for a float arrives as text.
                Json::String(s) if s.len() > 20 && s.bytes().all(|b| b.is_ascii_digit()) => {
                    format!("`{name}` is a number of {} digits, too large to read", s.len())
                }
                Json::String(s) if s.trim().parse::<f64>().is_ok_and(f64::is_finite) => {
                    format!("`{name}` must be a number, not text: write `{}` without quotes", s.trim())
                }
                other => format!("`{name}` must be a number, not {}", json_kind(other)),
            }),
        },
        ValueType::Date => match v.as_str().and_then(Date::parse) {
            Some(d) => Ok(Value::Date(d)),
            None => Err(match v {
                Json::String(s) => format!(
                    "`{name}` is `{s}`, which is not a date: write YYYY-MM-DD with a month from 01 to 12 and a day that exists"
                ),
                other => format!("`{name}` must be a date written YYYY-MM-DD, not {}", json_kind(other)),
            }),
        },
        ValueType::Bool => match v.as_bool() {
            Some(b) => Ok(Value::Bool(b)),
            None => Err(format!(
                "`{name}` must be true or false, not {}",
                json_kind(v)
            )),
        },
        ValueType::String => match v {
            Json::String(s) => Ok(Value::Str(s.clone())),
            other => Err(format!(
                "`{name}` must be a string, not {}",
                json_kind(other)
            )),
        },
        ValueType::Map => match v {
            Json::Object(m) => {
                let mut out = Vec::new();
                for (k, x) in m {
                    if !vocab.is_jurisdiction(k) {
                        return Err(format!("`{name}` has unknown jurisdiction `{k}`"));
                    }
                    match number(x) {
                        Some(n) => out.push((k.clone(), n)),
                        None => return Err(format!("`{name}.{k}` must be a number")),
                    }
                }
                Ok(Value::Map(out))
            }
            other => Err(format!(
                "`{name}` must be a mapping of jurisdiction codes to numbers, not {}",
                json_kind(other)
            )),
        },
    }
}
