//! Provision files: documents of an entity, each with its provisions.
//!
//! Reads YAML, JSON or JSON Lines (one document object per line) into [`Document`]s without
//! losing anything: a provision that is malformed still comes out, in its place, with
//! `errors` saying why, so that every input provision appears in the output exactly once.

use std::collections::HashSet;
use std::path::Path;

use serde_json::{Map, Value};

use crate::error::Problem;
use crate::limits;
use crate::rules::{sha256_hex, yaml};
use crate::source::Source;

mod raw;

/// The largest file clausemap reads whole, in bytes (JSON Lines is streamed and has no limit),
/// by default (the limit `file-bytes`, [`crate::limits`]).
pub const MAX_FILE_BYTES: u64 = limits::DEFAULT.file_bytes;
/// The most provisions one YAML or JSON document may hold (JSON Lines has no such limit), by
/// default (the limit `provisions-per-document`).
pub const MAX_PROVISIONS: usize = limits::DEFAULT.provisions_per_document;
/// The longest provision text, in bytes, by default (the limit `text-bytes`).
pub const MAX_TEXT_BYTES: usize = limits::DEFAULT.text_bytes;

/// Read a file as UTF-8 text.
pub fn read_source(path: &Path) -> Result<Source, Problem> {
    let name = path.display().to_string();
    let meta = std::fs::metadata(path).map_err(|e| io_problem(&name, &e))?;
    let limit = limits::get().file_bytes;
    if meta.len() > limit {
        return Err(Problem::new(
            "input::too-large",
            format!(
                "file is {} bytes, over the `file-bytes` limit of {}",
                meta.len(),
                limits::show_bytes(limit)
            ),
        )
        .in_file(name)
        .help(format!(
            "split it, or convert it to JSON Lines, which is streamed; or {}",
            limits::how_to_raise("file-bytes")
        )));
    }
    let bytes = std::fs::read(path).map_err(|e| io_problem(&name, &e))?;
    let text = String::from_utf8(bytes).map_err(|e| {
        let offset = e.utf8_error().valid_up_to();
        let bytes = e.as_bytes();
        // A UTF-16 file starts with its byte-order mark; say so rather than "byte 0".
        let message = if bytes.starts_with(&[0xff, 0xfe]) || bytes.starts_with(&[0xfe, 0xff]) {
            "file is UTF-16, not UTF-8".to_string()
        } else {
            let (line, column) =
                crate::source::line_col(&String::from_utf8_lossy(&bytes[..offset]), offset);
            format!("file is not valid UTF-8 (line {line}, column {column}, byte {offset})")
        };
        Problem::new("input::not-utf8", message)
            .in_file(name.clone())
            .help("save the file as UTF-8 (in most editors: \"Save with encoding\" → UTF-8)")
    })?;
    Ok(Source::new(name, text))
}

pub fn io_problem(name: &str, e: &std::io::Error) -> Problem {
    let help = match e.kind() {
        std::io::ErrorKind::NotFound => "check the path",
        std::io::ErrorKind::PermissionDenied => "check the file's permissions",
        _ => "check that the path names a readable file",
    };
    Problem::new("input::io", format!("cannot read file: {e}"))
        .in_file(name.to_string())
        .help(help)
}

/// The entity a document belongs to.
#[derive(Clone, Debug, Default)]
pub struct Entity {
    pub id: String,
    pub name: String,
    pub facts: Map<String, Value>,
}

/// A document's metadata.
#[derive(Clone, Debug, Default)]
pub struct DocumentMeta {
    pub id: String,
    pub title: String,
    pub url: String,
    pub updated: Option<String>,
    pub captured: Option<String>,
    /// All of the document's keys, for document fields of the vocabulary.
    pub fields: Map<String, Value>,
}

/// One provision as read.
#[derive(Clone, Debug, Default)]
pub struct Provision {
    pub id: String,
    pub title: String,
    pub text: String,
    pub sha256: String,
    /// `None` when the provision has no `attributes` key.
    pub attributes: Option<Map<String, Value>>,
    /// What was wrong with the provision as written.
    pub errors: Vec<String>,
    /// Further keys of the provision (evidence, offsets ...), kept as they were.
    pub extra: Map<String, Value>,
}

/// A document and its provisions.
#[derive(Clone, Debug, Default)]
pub struct Document {
    pub entity: Entity,
    pub meta: DocumentMeta,
    pub provisions: Vec<Provision>,
    /// Problems with the document as a whole (its entity, its metadata).
    pub errors: Vec<String>,
    /// The file it came from.
    pub file: String,
}

/// The formats a provision file can have.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Yaml,
    Json,
    Jsonl,
}

/// Decide the format from the name, else from the content.
pub fn detect(name: &str, text: &str) -> Format {
    let lower = name.to_lowercase();
    if lower.ends_with(".jsonl") || lower.ends_with(".ndjson") {
        return Format::Jsonl;
    }
    if lower.ends_with(".json") {
        return Format::Json;
    }
    if lower.ends_with(".yaml") || lower.ends_with(".yml") {
        return Format::Yaml;
    }
    let trimmed = text.trim_start_matches('\u{feff}').trim_start();
    if trimmed.starts_with('{') {
        let first_line = trimmed.lines().next().unwrap_or("");
        if serde_json::from_str::<Value>(first_line).is_ok() {
            return Format::Jsonl;
        }
        return Format::Json;
    }
    Format::Yaml
}

/// Read every document of a provision file.
pub fn load(source: &Source) -> Result<Vec<Document>, Problem> {
    match detect(&source.name, &source.text) {
        Format::Jsonl => {
            let mut docs = Vec::new();
            for (n, line) in source.text.lines().enumerate() {
                if let Some(doc) = parse_jsonl_line(source, n + 1, line)? {
                    docs.push(doc);
                }
            }
            Ok(docs)
        }
        Format::Json => {
            let text = source.text.trim_start_matches('\u{feff}');
            if text.trim().is_empty() {
                return Err(Problem::new("input::empty", "provision file is empty")
                    .in_file(source.name.clone())
                    .help("a provision file holds `entity`, `document` and `provisions`; see examples/linkedin.yaml"));
            }
            let value = parse_json(text).map_err(|e| json_problem(source, &e, 0))?;
            values_to_docs(source, value)
        }
        Format::Yaml => {
            if source.text.trim().is_empty() {
                return Err(Problem::new("input::empty", "provision file is empty")
                    .in_file(source.name.clone())
                    .help("a provision file holds `entity`, `document` and `provisions`; see examples/linkedin.yaml"));
            }
            let Strict(value) = yaml::from_source(source)?;
            values_to_docs(source, value)
        }
    }
}

/// One line of a JSON Lines file; `None` for a blank line.
pub fn parse_jsonl_line(
    source: &Source,
    line_no: usize,
    line: &str,
) -> Result<Option<Document>, Problem> {
    let line = line.trim_start_matches('\u{feff}');
    if line.trim().is_empty() {
        return Ok(None);
    }
    match raw::parse_document(line) {
        Ok(top) => Ok(Some(from_top(&source.name, top))),
        // The error worded exactly as reading the line into a value words it.
        Err(e) => {
            let e = parse_json(line).err().unwrap_or(e);
            let offset = line_offset(&source.text, line_no);
            Err(json_problem(source, &e, offset))
        }
    }
}

/// Parse JSON text strictly: like `serde_json::from_str::<Value>`, but a mapping that names a
/// key twice is an error rather than a silent loss of the first value.
pub fn parse_json(text: &str) -> Result<Value, serde_json::Error> {
    serde_json::from_str::<Strict>(text).map(|Strict(v)| v)
}

/// A value read strictly: serde_json and the YAML crate keep the last of two equal keys and drop
/// the first (a provision with `text:` twice would lose one text without a word).
pub(crate) struct Strict(pub(crate) Value);

impl<'de> serde::Deserialize<'de> for Strict {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Strict, D::Error> {
        d.deserialize_any(StrictVisitor).map(Strict)
    }
}

pub(crate) struct StrictVisitor;

impl<'de> serde::de::Visitor<'de> for StrictVisitor {
    type Value = Value;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a value")
    }
    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(Value::from(v))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(Value::from(v))
    }
    fn visit_i128<E>(self, v: i128) -> Result<Value, E> {
        Ok(i64::try_from(v).map_or_else(|_| Value::from(v as f64), Value::from))
    }
    fn visit_u128<E>(self, v: u128) -> Result<Value, E> {
        Ok(u64::try_from(v).map_or_else(|_| Value::from(v as f64), Value::from))
    }
    fn visit_f64<E>(self, v: f64) -> Result<Value, E> {
        // Not finite (`.inf`, `.nan` in YAML): JSON has no such number; it reads as nothing.
        Ok(Value::from(v))
    }
    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_string()))
    }
    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }
    fn visit_none<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_some<D: serde::Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        d.deserialize_any(StrictVisitor)
    }
    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(4096));
        while let Some(Strict(v)) = seq.next_element()? {
            items.push(v);
        }
        Ok(Value::Array(items))
    }
    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut out = Map::new();
        while let Some(key) = map.next_key::<String>()? {
            if out.contains_key(&key) {
                return Err(serde::de::Error::custom(format!(
                    "the key `{key}` appears twice in one mapping"
                )));
            }
            let Strict(v) = map.next_value()?;
            out.insert(key, v);
        }
        Ok(Value::Object(out))
    }
}

fn line_offset(text: &str, line_no: usize) -> usize {
    text.split_inclusive('\n')
        .take(line_no.saturating_sub(1))
        .map(str::len)
        .sum()
}

fn json_problem(source: &Source, e: &serde_json::Error, base: usize) -> Problem {
    let msg = e.to_string();
    let msg = match msg.find(" at line ") {
        Some(i) => msg[..i].to_string(),
        None => msg,
    };
    let start = if base > 0 {
        base + e.column().saturating_sub(1)
    } else {
        line_offset(&source.text, e.line()) + e.column().saturating_sub(1)
    };
    let start = crate::source::floor_char_boundary(&source.text, start);
    let end = source.text[start..]
        .chars()
        .next()
        .map_or(start, |c| start + c.len_utf8());
    let at = source.text.get(start..).unwrap_or("");
    let help = if msg.ends_with("appears twice in one mapping") {
        "keep one of the two: a mapping names each key once"
    } else if msg.starts_with("recursion limit exceeded") {
        "JSON nested more than 128 levels deep is refused: check for unclosed `[` or `{`; the limit (`json-depth`, 128) is the JSON crate's own and cannot be raised"
    } else if at.starts_with("//") || at.starts_with("/*") || at.starts_with('#') {
        "JSON has no comments: remove them, or write the file as YAML"
    } else if at.starts_with('\'') {
        "JSON quotes keys and strings with double quotes (`\"`)"
    } else if ["NaN", "Infinity", "-Infinity"]
        .iter()
        .any(|w| at.starts_with(w))
    {
        "JSON has no NaN or Infinity: write a number, or leave the fact out to make it unknown"
    } else if msg.starts_with("trailing comma") {
        "remove the comma after the last item"
    } else if msg.starts_with("number out of range") {
        "the number is too large for JSON (at most about 1.8e308)"
    } else if msg.starts_with("trailing characters") {
        "a .json file holds one value; for one document per line, name the file .jsonl"
    } else if msg.starts_with("EOF while parsing") {
        "the file ends too early: is it complete?"
    } else {
        "fix the JSON syntax at this place"
    };
    Problem::new("input::json", format!("invalid JSON: {msg}"))
        .at(source, crate::source::Span::new(start, end))
        .help(help)
}

fn values_to_docs(source: &Source, value: Value) -> Result<Vec<Document>, Problem> {
    match value {
        Value::Array(items) => Ok(items.into_iter().map(|v| to_document(&source.name, v)).collect()),
        Value::Object(_) => Ok(vec![to_document(&source.name, value)]),
        other => Err(Problem::new(
            "input::shape",
            format!("a provision file holds a document object, not {}", kind(&other)),
        )
        .in_file(source.name.clone())
        .help("write `entity:`, `document:` and `provisions:` at the top level; see examples/linkedin.yaml")),
    }
}

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "nothing",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "a mapping",
    }
}

fn string_of(v: Option<&Value>) -> Option<String> {
    match v? {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// The id a placeholder provision goes by: it stands for a document that has problems and no
/// provisions to carry them.
pub const DOCUMENT_PLACEHOLDER: &str = "(document)";

/// A document from a JSON value, keeping every provision.
///
/// A document whose problems leave it without provisions (it is not a mapping, has no
/// `provisions` list, ...) gets one placeholder provision, [`DOCUMENT_PLACEHOLDER`], so that
/// its errors are output rather than lost.
pub fn to_document(file: &str, value: Value) -> Document {
    from_top(file, raw::Top::from_value(value))
}

/// [`to_document`] from the value's parts, however they were read.
fn from_top(file: &str, top: raw::Top) -> Document {
    let mut doc = match top {
        raw::Top::Document(raw) => read_document(file, raw),
        raw::Top::Other(value) => {
            let mut doc = Document {
                file: file.to_string(),
                ..Document::default()
            };
            doc.errors
                .push(format!("a document is a mapping, not {}", kind(&value)));
            doc
        }
    };
    if doc.meta.id.is_empty() {
        doc.meta.id = default_document_id(file);
    }
    if doc.provisions.is_empty() && !doc.errors.is_empty() {
        doc.provisions.push(Provision {
            id: DOCUMENT_PLACEHOLDER.to_string(),
            sha256: sha256_hex(""),
            ..Provision::default()
        });
    }
    doc
}

fn default_document_id(file: &str) -> String {
    file.rsplit('/')
        .next()
        .and_then(|n| n.split('.').next())
        .unwrap_or("document")
        .to_string()
}

/// A document from its parts as read.
fn read_document(file: &str, raw: raw::Document) -> Document {
    let mut doc = Document {
        file: file.to_string(),
        ..Document::default()
    };
    let raw::Document {
        entity,
        document,
        provisions,
        rest: obj,
    } = raw;
    match entity {
        Some(Value::Object(e)) => {
            doc.entity.id = string_of(e.get("id")).unwrap_or_default();
            doc.entity.name = string_of(e.get("name")).unwrap_or_else(|| doc.entity.id.clone());
            match e.get("facts") {
                Some(Value::Object(f)) => doc.entity.facts = f.clone(),
                None | Some(Value::Null) => {}
                Some(other) => doc.errors.push(format!(
                    "`entity.facts` must be a mapping, not {}",
                    kind(other)
                )),
            }
            for key in e.keys() {
                if !matches!(key.as_str(), "id" | "name" | "facts") {
                    doc.errors.push(format!(
                        "unknown key `entity.{key}`: an entity has `id`, `name` and `facts`"
                    ));
                }
            }
        }
        None | Some(Value::Null) => {}
        Some(other) => doc
            .errors
            .push(format!("`entity` must be a mapping, not {}", kind(&other))),
    }
    match document {
        Some(Value::Object(d)) => {
            doc.meta.id = string_of(d.get("id")).unwrap_or_default();
            doc.meta.title = string_of(d.get("title")).unwrap_or_default();
            doc.meta.url = string_of(d.get("url")).unwrap_or_default();
            doc.meta.updated = string_of(d.get("updated"));
            doc.meta.captured = string_of(d.get("captured"));
            doc.meta.fields = d;
        }
        None | Some(Value::Null) => {}
        Some(other) => doc.errors.push(format!(
            "`document` must be a mapping, not {}",
            kind(&other)
        )),
    }
    if doc.meta.id.is_empty() {
        doc.meta.id = default_document_id(file);
    }
    match provisions {
        Some(raw::Provisions::List(items)) => {
            let max = limits::get().provisions_per_document;
            if items.len() > max {
                doc.errors.push(format!(
                    "the document holds {} provisions, over the `provisions-per-document` limit of {max}; only the first {max} are read: split it into several documents (in JSON Lines, one per line), or {}",
                    items.len(),
                    limits::how_to_raise("provisions-per-document")
                ));
            }
            doc.provisions.reserve(items.len().min(max));
            for (i, item) in items.into_iter().take(max).enumerate() {
                doc.provisions.push(read_provision(i, item));
            }
            // An id used twice is an error on its second use (and every later one).
            let mut seen: HashSet<&str, std::hash::BuildHasherDefault<crate::vocab::Fnv>> =
                HashSet::default();
            let twice: Vec<usize> = (0..doc.provisions.len())
                .filter(|&i| !seen.insert(&doc.provisions[i].id))
                .collect();
            for i in twice {
                let p = &mut doc.provisions[i];
                p.errors.push(format!(
                    "provision id `{}` is used twice in this document",
                    p.id
                ));
            }
        }
        None => doc
            .errors
            .push("the document has no `provisions` list".to_string()),
        Some(raw::Provisions::Other(other)) => doc
            .errors
            .push(format!("`provisions` must be a list, not {}", kind(&other))),
    }
    for key in obj.keys() {
        doc.errors.push(format!(
            "unknown key `{key}`: a document has `entity`, `document` and `provisions`"
        ));
    }
    doc
}

/// A provision from its parts as read, or the value that stands where one should.
fn read_provision(position: usize, item: raw::Item) -> Provision {
    let mut p = Provision::default();
    let raw = match item {
        raw::Item::Provision(raw) => raw,
        raw::Item::Other(item) => {
            p.id = format!("#{}", position + 1);
            p.errors.push(format!(
                "provision {} is {}, not a mapping",
                position + 1,
                kind(&item)
            ));
            return p;
        }
    };
    let raw::Provision {
        id,
        title,
        text,
        attributes,
        rest: obj,
    } = raw;
    match id {
        Some(v) => match string_of(Some(&v)) {
            Some(id) if !id.trim().is_empty() => p.id = id,
            _ => {
                p.id = format!("#{}", position + 1);
                p.errors.push(match &v {
                    Value::String(_) => format!("provision {} has an empty `id`", position + 1),
                    other => format!(
                        "provision {} has an `id` that is {}, not a string",
                        position + 1,
                        kind(other)
                    ),
                });
            }
        },
        None => {
            p.id = format!("#{}", position + 1);
            p.errors
                .push(format!("provision {} has no `id`", position + 1));
        }
    }
    p.title = title.and_then(|v| string_of(Some(&v))).unwrap_or_default();
    match text {
        Some(Value::String(t)) => {
            let limit = limits::get().text_bytes;
            if t.len() > limit {
                p.errors.push(format!(
                    "provision text is {} bytes, over the `text-bytes` limit of {}: split the clause into several provisions, or {}",
                    t.len(),
                    limits::show_bytes(limit as u64),
                    limits::how_to_raise("text-bytes")
                ));
            }
            p.text = t;
        }
        Some(other) => p
            .errors
            .push(format!("`text` must be a string, not {}", kind(&other))),
        None => p.errors.push(
            // The keys besides `id` and `title`, in order.
            match obj
                .keys()
                .map(String::as_str)
                .chain(attributes.is_some().then_some("attributes"))
                .collect::<std::collections::BTreeSet<&str>>()
                .into_iter()
                .find(|k| crate::check::suggest(k, ["text"]).is_some())
            {
                Some(k) => format!("provision has no `text`: is `{k}` a misspelling of it?"),
                None => "provision has no `text`".to_string(),
            },
        ),
    }
    p.sha256 = sha256_hex(&p.text);
    match attributes {
        Some(Value::Object(a)) => p.attributes = Some(a),
        None | Some(Value::Null) => {}
        Some(other) => {
            p.attributes = Some(Map::new());
            p.errors.push(format!(
                "`attributes` must be a mapping, not {}",
                kind(&other)
            ));
        }
    }
    p.extra = obj;
    p
}
