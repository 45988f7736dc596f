//! JSON Schemas for the files people write: rule packs, their test files, and provision files.
//!
//! Built from the vocabulary, so an editor that reads the schema completes attribute names
//! and values (`purpose: [ai_training]`) and flags a misspelt one before `clausemap check` runs.

use serde_json::{json, Map, Value};

use crate::rules::RuleSet;
use crate::vocab::ValueType;

/// Which file the schema describes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum SchemaKind {
    Pack,
    Tests,
    Provisions,
}

const DATE_PATTERN: &str = "^[0-9]{4}-[0-9]{2}-[0-9]{2}$";

fn attribute_properties(set: &RuleSet) -> Value {
    let mut props = Map::new();
    for f in &set.vocab.attributes {
        props.insert(f.name.clone(), field_schema(set, &f.ty, &f.doc));
    }
    json!({ "type": "object", "additionalProperties": false, "properties": props })
}

fn entity_facts(set: &RuleSet) -> Value {
    let mut props = Map::new();
    for f in &set.vocab.entity {
        props.insert(f.name.clone(), field_schema(set, &f.ty, &f.doc));
    }
    json!({ "type": "object", "additionalProperties": false, "properties": props })
}

fn field_schema(set: &RuleSet, ty: &ValueType, doc: &str) -> Value {
    let jurisdictions: Vec<&str> = set
        .vocab
        .jurisdiction_taxonomy()
        .values
        .iter()
        .map(String::as_str)
        .collect();
    match ty {
        ValueType::Set(t) => json!({
            "description": doc,
            "type": "array",
            "uniqueItems": true,
            "items": { "enum": set.vocab.taxonomies[*t].values },
        }),
        ValueType::OneOf(values) => json!({ "description": doc, "enum": values }),
        ValueType::Number => {
            json!({ "description": doc, "type": ["number", "string"], "pattern": "^-?[0-9_]+(\\.[0-9]+)?$" })
        }
        ValueType::Date => json!({ "description": doc, "type": "string", "pattern": DATE_PATTERN }),
        ValueType::Bool => json!({ "description": doc, "type": "boolean" }),
        ValueType::String => json!({ "description": doc, "type": "string" }),
        ValueType::Map => json!({
            "description": doc,
            "type": "object",
            "propertyNames": { "enum": jurisdictions },
            "additionalProperties": { "type": ["number", "string"] },
        }),
    }
}

/// The schema of one kind of file, as pretty JSON.
pub fn schema(set: &RuleSet, kind: SchemaKind) -> String {
    let jurisdictions: Vec<&str> = set
        .vocab
        .jurisdiction_taxonomy()
        .values
        .iter()
        .map(String::as_str)
        .collect();
    let date = json!({ "type": "string", "pattern": DATE_PATTERN });
    let value = match kind {
        SchemaKind::Pack => {
            let condition = json!({ "type": "string", "description": "A condition in clausemap's DSL (docs/rule-authoring.md)" });
            json!({
                "$schema": "https://json-schema.org/draft/2020-12/schema",
                "$id": "https://clausemap.dev/schema/pack.json",
                "title": "clausemap rule pack",
                "type": "object",
                "additionalProperties": false,
                "required": ["regulation", "name", "citation", "jurisdiction", "in_force", "source", "penalties", "agencies", "articles", "rules"],
                "properties": {
                    "regulation": { "type": "string", "description": "The short name printed in output, e.g. GDPR" },
                    "name": { "type": "string" },
                    "citation": { "type": "string", "description": "The official citation" },
                    "cite_as": { "type": "string", "description": "Prefix of every printed citation (default: regulation)" },
                    "jurisdiction": { "enum": jurisdictions },
                    "in_force": date, "valid_to": date,
                    "source": { "type": "string", "format": "uri" },
                    "penalties": { "type": "string" },
                    "verification": { "type": "string" },
                    "agencies": { "type": "array", "minItems": 1, "items": { "oneOf": [
                        { "type": "string" },
                        { "type": "object", "additionalProperties": false, "required": ["name"],
                          "properties": { "name": { "type": "string" }, "remit": { "type": "string" }, "url": { "type": "string" } } }
                    ] } },
                    "articles": { "type": "object", "additionalProperties": { "oneOf": [
                        { "type": "string" },
                        { "type": "object", "additionalProperties": false, "required": ["title"],
                          "properties": { "title": { "type": "string" }, "cite": { "type": "string" }, "source": { "type": "string" } } }
                    ] } },
                    "rules": { "type": "array", "items": {
                        "type": "object", "additionalProperties": false,
                        "required": ["id", "article", "title", "when"],
                        "properties": {
                            "id": { "type": "string", "pattern": "^[a-z][a-z0-9._-]*$" },
                            "kind": { "enum": ["finding", "scope", "fact"] },
                            "article": { "type": "string" },
                            "title": { "type": "string" },
                            "when": condition,
                            "unless": { "oneOf": [ condition, { "type": "array", "items": {
                                "type": "object", "additionalProperties": false, "required": ["when"],
                                "properties": { "title": { "type": "string" }, "when": condition } } } ] },
                            "severity": { "enum": ["low", "medium", "high", "critical"] },
                            "obligation": { "type": "string" },
                            "actions": { "type": "array", "items": { "type": "string" } },
                            "agencies": { "type": "array", "items": { "type": "string" } },
                            "in_force": date, "valid_to": date,
                            "jurisdiction": { "enum": jurisdictions }
                        }
                    } }
                }
            })
        }
        SchemaKind::Tests => {
            let rule_ids: Vec<&str> = set.rules.iter().map(|r| r.id.as_str()).collect();
            json!({
                "$schema": "https://json-schema.org/draft/2020-12/schema",
                "$id": "https://clausemap.dev/schema/tests.json",
                "title": "clausemap rule tests",
                "type": "object", "additionalProperties": false, "required": ["cases"],
                "properties": {
                    "as_of": date,
                    "entity": entity_facts(set),
                    "cases": { "type": "array", "items": {
                        "type": "object", "additionalProperties": false, "required": ["note"],
                        "properties": {
                            "note": { "type": "string" },
                            "name": { "type": "string" },
                            "as_of": date,
                            "entity": entity_facts(set),
                            "document": { "type": "object" },
                            "provision": attribute_properties(set),
                            "text": { "type": "string" },
                            "must_fire": { "type": "array", "items": { "oneOf": [
                                { "enum": rule_ids },
                                { "type": "object", "additionalProperties": false, "required": ["rule", "status"],
                                  "properties": { "rule": { "enum": rule_ids }, "status": { "enum": ["applies", "undetermined", "upcoming"] } } }
                            ] } },
                            "must_not_fire": { "type": "array", "items": { "enum": rule_ids } }
                        }
                    } }
                }
            })
        }
        SchemaKind::Provisions => {
            let document = json!({
                "type": "object", "required": ["provisions"],
                "properties": {
                    "entity": { "type": "object", "additionalProperties": false,
                        "properties": { "id": { "type": "string" }, "name": { "type": "string" }, "facts": entity_facts(set) } },
                    "document": { "type": "object",
                        "properties": { "id": { "type": "string" }, "title": { "type": "string" }, "url": { "type": "string" },
                                        "updated": date, "captured": date } },
                    "provisions": { "type": "array", "items": {
                        "type": "object", "required": ["id", "text"],
                        "properties": {
                            "id": { "type": "string", "minLength": 1 },
                            "title": { "type": "string" },
                            "text": { "type": "string" },
                            "attributes": attribute_properties(set)
                        }
                    } }
                }
            });
            json!({
                "$schema": "https://json-schema.org/draft/2020-12/schema",
                "$id": "https://clausemap.dev/schema/provisions.json",
                "title": "clausemap provision file",
                "oneOf": [ document, { "type": "array", "items": document } ]
            })
        }
    };
    let mut text = serde_json::to_string_pretty(&value).unwrap_or_default();
    text.push('\n');
    text
}
