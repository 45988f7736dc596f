//! The YAML files as written: vocabulary, packs and test cases, before any checking.
//!
//! Unknown keys are errors (`deny_unknown_fields`), so a typo is reported, never ignored.

use std::collections::BTreeMap;

use serde::Deserialize;

use crate::date::Date;

/// A mapping whose keys must differ: the YAML crate keeps the last of two equal keys and drops
/// the first without a word (two `"Art. 6"` entries, two `purpose` attributes).
fn unique<'de, D, V>(d: D) -> Result<BTreeMap<String, V>, D::Error>
where
    D: serde::Deserializer<'de>,
    V: Deserialize<'de>,
{
    struct Unique<V>(std::marker::PhantomData<V>);
    impl<'de, V: Deserialize<'de>> serde::de::Visitor<'de> for Unique<V> {
        type Value = BTreeMap<String, V>;
        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("a mapping")
        }
        fn visit_map<A: serde::de::MapAccess<'de>>(
            self,
            mut map: A,
        ) -> Result<Self::Value, A::Error> {
            let mut out = BTreeMap::new();
            while let Some(key) = map.next_key::<String>()? {
                if out.contains_key(&key) {
                    return Err(serde::de::Error::custom(format!(
                        "the key `{key}` appears twice in one mapping"
                    )));
                }
                let value = map.next_value()?;
                out.insert(key, value);
            }
            Ok(out)
        }
    }
    d.deserialize_map(Unique(std::marker::PhantomData))
}

fn unique_opt<'de, D, V>(d: D) -> Result<Option<BTreeMap<String, V>>, D::Error>
where
    D: serde::Deserializer<'de>,
    V: Deserialize<'de>,
{
    struct Map<V>(BTreeMap<String, V>);
    impl<'de, V: Deserialize<'de>> Deserialize<'de> for Map<V> {
        fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            unique(d).map(Map)
        }
    }
    Option::<Map<V>>::deserialize(d).map(|m| m.map(|m| m.0))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawVocabulary {
    #[serde(deserialize_with = "unique")]
    pub taxonomies: BTreeMap<String, RawTaxonomy>,
    #[serde(deserialize_with = "unique")]
    pub attributes: BTreeMap<String, RawAttribute>,
    #[serde(default, deserialize_with = "unique")]
    pub entity: BTreeMap<String, RawAttribute>,
    #[serde(default, deserialize_with = "unique")]
    pub document: BTreeMap<String, RawAttribute>,
    #[serde(deserialize_with = "unique")]
    pub jurisdictions: BTreeMap<String, RawJurisdiction>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawTaxonomy {
    #[serde(default)]
    pub doc: String,
    #[serde(deserialize_with = "unique")]
    pub values: BTreeMap<String, RawValue>,
}

#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub enum RawValue {
    Doc(String),
    Full(RawValueFull),
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawValueFull {
    #[serde(default)]
    pub doc: String,
    #[serde(default)]
    pub implies: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawAttribute {
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(default)]
    pub taxonomy: Option<String>,
    #[serde(default, deserialize_with = "unique_opt")]
    pub values: Option<BTreeMap<String, String>>,
    #[serde(default)]
    pub doc: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawJurisdiction {
    pub name: String,
    #[serde(default)]
    pub within: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawPack {
    pub regulation: Option<String>,
    pub name: Option<String>,
    pub citation: Option<String>,
    pub cite_as: Option<String>,
    pub jurisdiction: Option<String>,
    pub in_force: Option<Date>,
    pub valid_to: Option<Date>,
    pub source: Option<String>,
    pub penalties: Option<String>,
    #[serde(default)]
    pub agencies: Vec<RawAgency>,
    pub verification: Option<String>,
    #[serde(default, deserialize_with = "unique")]
    pub articles: BTreeMap<String, RawArticle>,
    #[serde(default)]
    pub rules: Vec<RawRule>,
}

#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub enum RawAgency {
    Name(String),
    Full(RawAgencyFull),
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawAgencyFull {
    pub name: String,
    #[serde(default)]
    pub remit: Option<String>,
    #[serde(default)]
    pub url: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub enum RawArticle {
    Title(String),
    Full(RawArticleFull),
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawArticleFull {
    pub title: String,
    #[serde(default)]
    pub cite: Option<String>,
    #[serde(default)]
    pub source: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawRule {
    pub id: Option<String>,
    pub kind: Option<String>,
    pub article: Option<String>,
    pub title: Option<String>,
    pub when: Option<String>,
    #[serde(default)]
    pub unless: Option<RawUnless>,
    pub severity: Option<String>,
    pub obligation: Option<String>,
    #[serde(default)]
    pub actions: Vec<String>,
    #[serde(default)]
    pub agencies: Option<Vec<String>>,
    pub in_force: Option<Date>,
    pub valid_to: Option<Date>,
    pub jurisdiction: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub enum RawUnless {
    One(String),
    Many(Vec<RawException>),
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawException {
    pub title: Option<String>,
    pub when: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawTests {
    pub as_of: Option<Date>,
    #[serde(default)]
    pub entity: Option<serde_json::Map<String, serde_json::Value>>,
    pub cases: Vec<RawCase>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawCase {
    pub note: String,
    #[serde(default)]
    pub name: Option<String>,
    pub as_of: Option<Date>,
    #[serde(default)]
    pub entity: Option<serde_json::Map<String, serde_json::Value>>,
    #[serde(default)]
    pub document: Option<serde_json::Map<String, serde_json::Value>>,
    #[serde(default)]
    pub provision: serde_json::Map<String, serde_json::Value>,
    #[serde(default)]
    pub text: Option<String>,
    #[serde(default)]
    pub must_fire: Vec<RawExpectation>,
    #[serde(default)]
    pub must_not_fire: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub enum RawExpectation {
    Rule(String),
    WithStatus(RawExpectationFull),
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawExpectationFull {
    pub rule: String,
    pub status: String,
}
