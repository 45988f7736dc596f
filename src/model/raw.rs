//! A document read straight into its parts: the keys a document and a provision have are
//! read into their own places, and everything else into values, as [`super::Strict`] reads
//! them. Reading a JSON Lines document this way skips building a mapping for the document and
//! one for each provision only to take their keys out again.
//!
//! The parts are what [`Top::from_value`] takes out of those mappings, so a document
//! comes out the same whichever way it was read. A key named twice is the same error as in
//! [`super::Strict`], raised at the same place.

use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Value};

use super::{Strict, StrictVisitor};

/// A line read: a document's parts, or a value that is not a mapping.
pub(crate) enum Top {
    Document(Document),
    Other(Value),
}

/// The keys of a document object, and the rest of it.
#[derive(Default)]
pub(crate) struct Document {
    pub entity: Option<Value>,
    pub document: Option<Value>,
    pub provisions: Option<Provisions>,
    pub rest: Map<String, Value>,
}

/// The value of `provisions`: a list, or something else.
pub(crate) enum Provisions {
    List(Vec<Item>),
    Other(Value),
}

/// An item of `provisions`: a provision's parts, or a value that is not a mapping.
pub(crate) enum Item {
    Provision(Provision),
    Other(Value),
}

/// The keys of a provision object, and the rest of it.
#[derive(Default)]
pub(crate) struct Provision {
    pub id: Option<Value>,
    pub title: Option<Value>,
    pub text: Option<Value>,
    pub attributes: Option<Value>,
    pub rest: Map<String, Value>,
}

impl Top {
    /// The parts of a value already read.
    pub fn from_value(value: Value) -> Top {
        match value {
            Value::Object(obj) => Top::Document(Document::from_map(obj)),
            other => Top::Other(other),
        }
    }
}

impl Document {
    fn from_map(mut obj: Map<String, Value>) -> Document {
        Document {
            entity: obj.remove("entity"),
            document: obj.remove("document"),
            provisions: obj.remove("provisions").map(|v| match v {
                Value::Array(items) => {
                    Provisions::List(items.into_iter().map(Item::from_value).collect())
                }
                other => Provisions::Other(other),
            }),
            rest: obj,
        }
    }
}

impl Item {
    fn from_value(v: Value) -> Item {
        match v {
            Value::Object(mut obj) => Item::Provision(Provision {
                id: obj.remove("id"),
                title: obj.remove("title"),
                text: obj.remove("text"),
                attributes: obj.remove("attributes"),
                rest: obj,
            }),
            other => Item::Other(other),
        }
    }
}

/// Read one JSON document into its parts.
pub(crate) fn parse_document(text: &str) -> Result<Top, serde_json::Error> {
    let mut d = serde_json::Deserializer::from_str(text);
    let top = (&mut d).deserialize_any(TopVisitor)?;
    d.end()?;
    Ok(top)
}

/// The error for a key named twice, as [`super::Strict`] words it.
fn twice<E: de::Error>(key: &str) -> E {
    E::custom(format!("the key `{key}` appears twice in one mapping"))
}

/// Put `value` read from `map` in `slot`, unless the key was named before.
fn once<'de, A: MapAccess<'de>>(
    map: &mut A,
    slot: &mut Option<Value>,
    key: &str,
) -> Result<(), A::Error> {
    if slot.is_some() {
        return Err(twice(key));
    }
    let Strict(v) = map.next_value()?;
    *slot = Some(v);
    Ok(())
}

/// Put the value of another key in `rest`, unless the key was named before.
fn other<'de, A: MapAccess<'de>>(
    map: &mut A,
    rest: &mut Map<String, Value>,
    key: String,
) -> Result<(), A::Error> {
    if rest.contains_key(&key) {
        return Err(twice(&key));
    }
    let Strict(v) = map.next_value()?;
    rest.insert(key, v);
    Ok(())
}

/// A key: one of the names looked for (by position), or another, kept.
enum Key {
    Known(usize),
    Other(String),
}

struct KeySeed(&'static [&'static str]);

impl<'de> DeserializeSeed<'de> for KeySeed {
    type Value = Key;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Key, D::Error> {
        d.deserialize_str(self)
    }
}

impl<'de> Visitor<'de> for KeySeed {
    type Value = Key;
    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a key")
    }
    fn visit_str<E>(self, v: &str) -> Result<Key, E> {
        Ok(match self.0.iter().position(|k| *k == v) {
            Some(i) => Key::Known(i),
            None => Key::Other(v.to_string()),
        })
    }
    fn visit_string<E>(self, v: String) -> Result<Key, E> {
        Ok(match self.0.iter().position(|k| *k == v) {
            Some(i) => Key::Known(i),
            None => Key::Other(v),
        })
    }
}

/// The visits of a value that is not the shape looked for: read as [`super::Strict`] reads it.
macro_rules! as_strict {
    ($wrap:path) => {
        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("a value")
        }
        fn visit_bool<E: de::Error>(self, v: bool) -> Result<Self::Value, E> {
            StrictVisitor.visit_bool(v).map($wrap)
        }
        fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
            StrictVisitor.visit_i64(v).map($wrap)
        }
        fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
            StrictVisitor.visit_u64(v).map($wrap)
        }
        fn visit_i128<E: de::Error>(self, v: i128) -> Result<Self::Value, E> {
            StrictVisitor.visit_i128(v).map($wrap)
        }
        fn visit_u128<E: de::Error>(self, v: u128) -> Result<Self::Value, E> {
            StrictVisitor.visit_u128(v).map($wrap)
        }
        fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
            StrictVisitor.visit_f64(v).map($wrap)
        }
        fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
            StrictVisitor.visit_str(v).map($wrap)
        }
        fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
            StrictVisitor.visit_string(v).map($wrap)
        }
        fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
            StrictVisitor.visit_none().map($wrap)
        }
        fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
            StrictVisitor.visit_unit().map($wrap)
        }
        fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
            StrictVisitor.visit_some(d).map($wrap)
        }
    };
}

struct TopVisitor;

impl<'de> Visitor<'de> for TopVisitor {
    type Value = Top;
    as_strict!(Top::Other);
    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Top, A::Error> {
        StrictVisitor.visit_seq(seq).map(Top::Other)
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Top, A::Error> {
        const KEYS: &[&str] = &["entity", "document", "provisions"];
        let mut doc = Document::default();
        while let Some(key) = map.next_key_seed(KeySeed(KEYS))? {
            match key {
                Key::Known(0) => once(&mut map, &mut doc.entity, KEYS[0])?,
                Key::Known(1) => once(&mut map, &mut doc.document, KEYS[1])?,
                Key::Known(_) => {
                    if doc.provisions.is_some() {
                        return Err(twice(KEYS[2]));
                    }
                    doc.provisions = Some(map.next_value_seed(ProvisionsSeed)?);
                }
                Key::Other(key) => other(&mut map, &mut doc.rest, key)?,
            }
        }
        Ok(Top::Document(doc))
    }
}

/// A seed that reads any value with itself as the visitor.
macro_rules! any_seed {
    ($seed:ident => $value:ty) => {
        struct $seed;

        impl<'de> DeserializeSeed<'de> for $seed {
            type Value = $value;
            fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<$value, D::Error> {
                d.deserialize_any(self)
            }
        }
    };
}

any_seed!(ProvisionsSeed => Provisions);

impl<'de> Visitor<'de> for ProvisionsSeed {
    type Value = Provisions;
    as_strict!(Provisions::Other);
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Provisions, A::Error> {
        StrictVisitor.visit_map(map).map(Provisions::Other)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Provisions, A::Error> {
        let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(4096));
        while let Some(item) = seq.next_element_seed(ItemSeed)? {
            items.push(item);
        }
        Ok(Provisions::List(items))
    }
}

any_seed!(ItemSeed => Item);

impl<'de> Visitor<'de> for ItemSeed {
    type Value = Item;
    as_strict!(Item::Other);
    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Item, A::Error> {
        StrictVisitor.visit_seq(seq).map(Item::Other)
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Item, A::Error> {
        const KEYS: &[&str] = &["id", "title", "text", "attributes"];
        let mut p = Provision::default();
        while let Some(key) = map.next_key_seed(KeySeed(KEYS))? {
            match key {
                Key::Known(i) => {
                    let slot = match i {
                        0 => &mut p.id,
                        1 => &mut p.title,
                        2 => &mut p.text,
                        _ => &mut p.attributes,
                    };
                    once(&mut map, slot, KEYS[i])?;
                }
                Key::Other(key) => other(&mut map, &mut p.rest, key)?,
            }
        }
        Ok(Item::Provision(p))
    }
}

#[cfg(test)]
mod tests {
    use super::super::{from_top, parse_json, to_document};
    use super::*;

    /// Lines that exercise every part: keys missing, named twice, of the wrong kind, unknown,
    /// escaped; items that are not provisions; values that are not documents; broken JSON.
    const LINES: &[&str] = &[
        r#"{"entity":{"id":"e"},"document":{"id":"d1"},"provisions":[{"id":"a","text":"we sell data","attributes":{"purpose":["sale"]}},{"id":"a","text":"dup id"},{"id":5,"text":"numeric id"},{"id":"","text":"empty id"},{"text":"no id"},{"id":"t","txet":"misspelt","attributes":{}},{"id":"u","title":"T","text":"x","extra":1,"zeta":{"a":1}},7,"str",null,[1,2]]}"#,
        r#"{"entity":{"id":"e"},"document":{"id":"d2"},"provisions":{"id":"x"}}"#,
        r#"{"entity":{"id":"e"},"document":{"id":"d3"}}"#,
        r#"{"entity":{"id":"e"},"document":{"id":"d4"},"provisions":[],"other":1,"another":[1]}"#,
        r#"[1,2,3]"#,
        r#""just a string""#,
        r#"null"#,
        r#"42"#,
        r#"{"entity":{"id":"e"},"entity":{"id":"f"},"provisions":[]}"#,
        r#"{"provisions":[{"id":"a","id":"b","text":"x"}]}"#,
        r#"{"provisions":[{"id":"a","text":"x","zz":1,"zz":2}]}"#,
        r#"{"provisions":[{"id":"a","text":"x","attributes":{"purpose":["sale"],"purpose":["ads"]}}]}"#,
        r#"{"provisions":[],"provisions":[]}"#,
        r#"{"provisions":[{"id":"a","text":"x"}]} trailing"#,
        r#"{"provisions":[{"id":"a","text":"x","attributes":[1]}]}"#,
        r#"{"entity":"notamap","document":5,"provisions":[{"id":"a","text":"x","attributes":null}]}"#,
        r#"{"provisions":[{"id":"a","text":5}], "x": 1e400}"#,
        r#"{"provisions":[{"id":"a\u00e9\"q","te\u0078t":"escaped key","title":7}]}"#,
        r#"{"document":{"id":"d","id":"e"},"provisions":[]}"#,
        r#"{"provisions":[{"id":"a","text":"x","attributes":{"purpose":["sale"]},"attributes":{}}]}"#,
        r#"{"entity":{"id":"e","facts":{"markets":["EU"]},"bogus":1},"document":{"id":"d9","updated":"2026-01-01"},"provisions":[{"id":"a","text":"t","attributes":{"purpose":["ai_training"],"consent":"opt_out"}}]}"#,
        r#"{"provisions":[{"id":"a","attributes":{},"zzz":1}]}"#,
        r#"{"provisions":[{"id":"a","text":"x","attributes":{"a":{"b":{"c":[{"d":1}]}}}}"#,
        r#"{"provisions":[{"id":-1.5e3,"text":"x"},{"id":18446744073709551616,"text":"y"}]}"#,
        r#"{"provisions":[{"id":"a","text":"x"}],"entity":{"id":"e"}}"#,
        r#"{"#,
        r#"{"provisions":[{"id":"a","text":"x"},]}"#,
    ];

    /// Read into parts, a line gives the document reading it into a value gives, and the same
    /// error where that reading fails: on the lines above and on a synthetic corpus.
    #[test]
    fn same_documents_as_through_a_value() {
        let set = crate::commands::load_rules(None).unwrap();
        let corpus = crate::synth::provisions_jsonl(&set, 200, 20, 3);
        let (mut read, mut failed) = (0, 0);
        for line in LINES.iter().copied().chain(corpus.lines()) {
            let direct = parse_document(line).map(|top| from_top("f.jsonl", top));
            let through = parse_json(line).map(|v| to_document("f.jsonl", v));
            match (direct, through) {
                (Ok(a), Ok(b)) => {
                    assert_eq!(format!("{a:?}"), format!("{b:?}"), "line {line}");
                    read += 1;
                }
                (Err(a), Err(b)) => {
                    assert_eq!(a.to_string(), b.to_string(), "line {line}");
                    failed += 1;
                }
                (a, b) => panic!("line {line}: {:?} against {:?}", a.err(), b.err()),
            }
        }
        assert!(
            read >= 20 && failed >= 8,
            "only {read} documents read, {failed} failed"
        );
    }
}
