//! The one place clausemap reads YAML.
//!
//! [`from_source`] deserializes a file into raw structs (through `serde_yaml`), turning any
//! syntax or shape error into a [`Problem`] at the right line and column. [`SpanIndex`] records
//! where every node of a file starts, by path (`rules/3/when`), from the parser's events, so
//! later stages can point at a value, and at a character inside a condition string.

use std::collections::HashMap;

use serde::de::DeserializeOwned;
use yaml_rust2::parser::{Event, MarkedEventReceiver, Parser};
use yaml_rust2::scanner::{Marker, TScalarStyle};

use crate::error::Problem;
use crate::source::{Source, Span};

/// The largest YAML file clausemap reads, in bytes, by default (the limit `yaml-bytes`,
/// [`crate::limits`]).
pub const MAX_YAML_BYTES: usize = crate::limits::DEFAULT.yaml_bytes;

/// Deserialize a whole YAML file.
pub fn from_source<T: DeserializeOwned>(source: &Source) -> Result<T, Problem> {
    check_size(source)?;
    if source.text.trim_start_matches('\u{feff}').trim().is_empty() {
        return Err(Problem::new("yaml::empty", "file is empty")
            .in_file(source.name.clone())
            .help("write the file's content, or remove the file"));
    }
    check_depth(source)?;
    let text = source.text.strip_prefix('\u{feff}').unwrap_or(&source.text);
    serde_yaml::from_str(text).map_err(|e| problem_from(source, &e))
}

/// The deepest nesting of mappings and lists clausemap reads (the YAML crate's own limit).
pub const MAX_DEPTH: usize = 128;

/// The way out of [`MAX_DEPTH`], which cannot be raised.
const DEPTH_HELP: &str = "check for unclosed `[` or `{`; no clausemap file needs lists and mappings this deep, and the limit (`yaml-depth`) is the YAML crate's own: it cannot be raised";

/// Refuse a file nested deeper than [`MAX_DEPTH`] before the YAML crate reads it: that crate
/// stops at the same depth, but only after scanning the whole file, in time that grows with
/// the square of the nesting of flow collections (100,000 `[` took 42 s). The event parser
/// used here is linear; it runs only when a quick count cannot rule out such depth.
fn check_depth(source: &Source) -> Result<(), Problem> {
    let text = &source.text;
    // The quick count: the running balance of `[{` against `]}` is at least the depth of flow
    // collections, unless a `]` or `}` that closes nothing is counted inside one, which takes
    // a quote or a comment there (flow plain scalars cannot hold brackets). So with no `'`,
    // `"` or `#` while the balance is above zero, the balance bounds the depth. Block nesting
    // needs indentation, which MAX_YAML_BYTES bounds, and is read quickly anyway.
    let (mut balance, mut deepest, mut unsure) = (0usize, 0usize, false);
    for b in text.bytes() {
        match b {
            b'[' | b'{' => {
                balance += 1;
                deepest = deepest.max(balance);
            }
            b']' | b'}' => balance = balance.saturating_sub(1),
            b'\'' | b'"' | b'#' if balance > 0 => unsure = true,
            _ => {}
        }
    }
    if deepest <= MAX_DEPTH && !unsure {
        return Ok(());
    }
    let bom = if text.starts_with('\u{feff}') { 3 } else { 0 };
    let mut parser = Parser::new_from_str(&text[bom..]);
    let mut depth = 0usize;
    let at = loop {
        match parser.next_token() {
            Ok((Event::MappingStart(..) | Event::SequenceStart(..), mark)) => {
                depth += 1;
                if depth > MAX_DEPTH {
                    break mark;
                }
            }
            Ok((Event::MappingEnd | Event::SequenceEnd, _)) => depth = depth.saturating_sub(1),
            Ok((Event::StreamEnd, _)) => return Ok(()),
            Ok(_) => {}
            // The event parser has its own nesting limit; any other error is left to the
            // YAML crate, which says it in its own words.
            Err(e) if e.info().contains("recursion limit") => break *e.marker(),
            Err(_) => return Ok(()),
        }
    };
    let start = text[bom..]
        .char_indices()
        .nth(at.index())
        .map_or(text.len(), |(b, _)| b + bom);
    Err(Problem::new(
        "yaml::too-deep",
        format!("YAML nests lists and mappings more than {MAX_DEPTH} levels deep"),
    )
    .at(source, Span::new(start, next_char_end(text, start)))
    .help(DEPTH_HELP))
}

/// Deserialize one value that was read earlier (a part of a larger file).
pub fn from_value<T: DeserializeOwned>(value: serde_yaml::Value) -> Result<T, String> {
    serde_yaml::from_value(value).map_err(|e| e.to_string())
}

// --- added for the review ledger (src/review/ledger.rs): writing YAML stays in this module too.
/// Serialize a value as YAML text (the review ledger is written with this).
pub fn to_string<T: serde::Serialize>(value: &T) -> Result<String, Problem> {
    serde_yaml::to_string(value).map_err(|e| {
        Problem::new("yaml::write", format!("cannot write YAML: {e}"))
            .help("this is a bug in clausemap; please report it")
    })
}
// --- end of the review ledger addition.

fn check_size(source: &Source) -> Result<(), Problem> {
    let limit = crate::limits::get().yaml_bytes;
    if source.text.len() > limit {
        return Err(Problem::new(
            "yaml::too-large",
            format!(
                "YAML file is {} bytes, over the `yaml-bytes` limit of {}",
                source.text.len(),
                crate::limits::show_bytes(limit as u64)
            ),
        )
        .in_file(source.name.clone())
        .help(format!(
            "split the file, or use JSON Lines, which has no size limit; or {}",
            crate::limits::how_to_raise("yaml-bytes")
        )));
    }
    Ok(())
}

/// A YAML error as a problem with a place.
fn problem_from(source: &Source, err: &serde_yaml::Error) -> Problem {
    let raw = err.to_string();
    // The crate appends " at line L column C"; the place is shown separately.
    let message = match raw.find(" at line ") {
        Some(i) => raw[..i].to_string(),
        None => raw.clone(),
    };
    let (message, mut help) = explain_yaml_message(&message);
    let location = err.location();
    if help.is_none() {
        let at_tab = location.as_ref().is_some_and(|loc| {
            let start = byte_of_line_col(&source.text, loc.line(), loc.column());
            let line_start = source.text[..start].rfind('\n').map_or(0, |i| i + 1);
            source.text[line_start..].starts_with(['\t', ' '])
                && source.text[line_start..]
                    .trim_start_matches(' ')
                    .starts_with('\t')
        });
        help = Some(if at_tab {
            "YAML indents with spaces, never tabs: replace the tab".to_string()
        } else {
            "check the quoting and the indentation near this place".to_string()
        });
    }
    let duplicate = message
        .split_once("the key `")
        .and_then(|(_, rest)| rest.split_once("` appears twice"))
        .map(|(key, _)| key.to_string());
    let mut problem = Problem::new("yaml::invalid", message).help_opt(help);
    match location {
        Some(loc) => {
            let mut start = byte_of_line_col(&source.text, loc.line(), loc.column());
            // The crate places a duplicate key at the start of its mapping: find the second one.
            if let Some(key) = &duplicate {
                start = second_key(&source.text, start, key).unwrap_or(start);
            }
            let end = next_char_end(&source.text, start);
            problem = problem.at(source, Span::new(start, end));
        }
        None => problem = problem.in_file(source.name.clone()),
    }
    problem
}

/// Make serde's wording read like the rest of clausemap's messages, with a way out.
fn explain_yaml_message(message: &str) -> (String, Option<String>) {
    // The crate may prefix the path of the value: `rules[3]: unknown field ...`.
    let (prefix, message) = match message.split_once(": ") {
        Some((path, rest)) if !path.contains(' ') => (format!("{path}: "), rest),
        _ => (String::new(), message),
    };
    let (m, help) = explain_plain(message);
    (format!("{prefix}{m}"), help)
}

fn explain_plain(message: &str) -> (String, Option<String>) {
    // The YAML crate stops expanding aliases at 100 times the file's own nodes, quickly and
    // without a place ("billion laughs").
    if message == "repetition limit exceeded" {
        return (
            "YAML aliases (`*name`) expand to too many values".to_string(),
            Some("the file's aliases repeat its anchors (`&name`) more than 100 times over: write the values out, or use fewer aliases; the limit (`yaml-aliases`) is the YAML crate's own and cannot be raised".to_string()),
        );
    }
    if let Some(field) = message.strip_prefix("duplicate field ") {
        return (
            format!("the key {field} appears twice in one mapping"),
            Some("keep one of the two: a mapping names each key once".to_string()),
        );
    }
    if message.starts_with("the key `") && message.ends_with("appears twice in one mapping") {
        return (
            message.to_string(),
            Some("keep one of the two: a mapping names each key once".to_string()),
        );
    }
    if message == "recursion limit exceeded" {
        return (
            format!("YAML nests lists and mappings more than {MAX_DEPTH} levels deep"),
            Some(DEPTH_HELP.to_string()),
        );
    }
    if message.starts_with("deserializing from YAML containing more than one document") {
        return (
            "the file holds more than one YAML document (separated by `---`)".to_string(),
            Some("keep one document per file, or write several documents as JSON Lines, one per line".to_string()),
        );
    }
    if message.starts_with("data did not match any variant of untagged enum") {
        return (
            "this value is in none of the forms this key takes".to_string(),
            Some("`clausemap schema pack` prints every key's allowed forms".to_string()),
        );
    }
    if let Some(rest) = message.strip_prefix("unknown variant ") {
        // `unknown variant `x`, expected one of `a`, `b``: a value outside a fixed list.
        let (value, expected) = rest.split_once(", expected ").unwrap_or((rest, ""));
        let expected = expected.trim_start_matches("one of ");
        let names = expected.split(", ").map(|s| s.trim_matches('`'));
        let help = match crate::check::suggest(value.trim_matches('`'), names) {
            Some(s) => format!("did you mean `{s}`? allowed values: {expected}"),
            None => format!("allowed values: {expected}"),
        };
        return (format!("unknown value {value}"), Some(help));
    }
    if let Some(rest) = message.strip_prefix("invalid type: ") {
        // `invalid type: string "one", expected u32`: say it in the file's words.
        let (found, wanted) = rest.split_once(", expected ").unwrap_or((rest, "a value"));
        let found = found
            .replace(" as u128", "")
            .replace(" as i128", "")
            .replace("unit value", "nothing")
            .replace("sequence", "a list")
            .replace("map", "a mapping")
            .replace("integer ", "the number ")
            .replace("floating point ", "the number ")
            .replace("string ", "the text ")
            .replace("boolean ", "");
        let wanted = match wanted {
            "u8" | "u16" | "u32" | "u64" | "usize" => "a whole number",
            "i8" | "i16" | "i32" | "i64" | "isize" => "a whole number",
            "f32" | "f64" => "a number",
            "a sequence" => "a list",
            "a map" => "a mapping",
            w if w.starts_with("struct ") => "a mapping",
            w => w,
        };
        if found.starts_with("the number ") && wanted == "a whole number" {
            return (
                format!("{found} is too large here"),
                Some("write a smaller whole number".to_string()),
            );
        }
        return (
            format!("expected {wanted}, found {found}"),
            Some(format!("write {wanted} here")),
        );
    }
    if let Some(rest) = message.strip_prefix("unknown field ") {
        // `unknown field `x`, expected one of `a`, `b``
        let (field, expected) = match rest.split_once(", expected ") {
            Some((f, e)) => (f.to_string(), Some(e.to_string())),
            None => (rest.to_string(), None),
        };
        let help = expected.map(|e| {
            let names: Vec<&str> = e
                .trim_start_matches("one of ")
                .split(", ")
                .map(|s| s.trim_matches('`'))
                .collect();
            let wanted = field.trim_matches('`');
            match crate::check::suggest(wanted, names.iter().copied()) {
                Some(s) => format!(
                    "did you mean `{s}`? allowed keys: {}",
                    e.trim_start_matches("one of ")
                ),
                None => format!("allowed keys: {}", e.trim_start_matches("one of ")),
            }
        });
        return (format!("unknown key {field}"), help);
    }
    if let Some(field) = message.strip_prefix("missing field ") {
        return (
            format!("missing key {field}"),
            Some(format!("add {field}: it is required here")),
        );
    }
    (message.to_string(), None)
}

/// The second line, from the mapping that starts at `map_start` on, that writes `key:` at the
/// mapping's indentation (block mappings; `None` for flow mappings or anything unusual).
fn second_key(text: &str, map_start: usize, key: &str) -> Option<usize> {
    let line_start = text[..map_start].rfind('\n').map_or(0, |i| i + 1);
    let indent = map_start - line_start;
    let forms = [
        format!("{key}:"),
        format!("\"{key}\":"),
        format!("'{key}':"),
    ];
    let mut seen = 0;
    let mut offset = line_start;
    for (n, line) in text[line_start..].split_inclusive('\n').enumerate() {
        let prefix = line.get(..indent).unwrap_or(line);
        // A later line indented less than the mapping ends it (the first may hold `- `).
        if n > 0 && !line.trim().is_empty() && !prefix.bytes().all(|b| b == b' ') {
            break;
        }
        let body = line.get(indent..).unwrap_or("");
        if forms.iter().any(|k| body.starts_with(k.as_str())) {
            seen += 1;
            if seen == 2 {
                return Some(offset + indent);
            }
        }
        offset += line.len();
    }
    None
}

fn byte_of_line_col(text: &str, line: usize, column: usize) -> usize {
    // serde_yaml reports 1-based lines and columns.
    let mut offset = 0;
    for (i, l) in text.split_inclusive('\n').enumerate() {
        if i + 1 == line {
            let col_bytes: usize = l
                .chars()
                .take(column.saturating_sub(1))
                .map(char::len_utf8)
                .sum();
            return offset + col_bytes;
        }
        offset += l.len();
    }
    text.len()
}

fn next_char_end(text: &str, start: usize) -> usize {
    text.get(start..)
        .and_then(|rest| rest.chars().next())
        .map_or(start, |c| start + c.len_utf8())
}

/// How a scalar is written, which decides how its characters map onto the file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Style {
    Plain,
    SingleQuoted,
    DoubleQuoted,
    Literal,
    Folded,
    /// A mapping or a sequence.
    Node,
}

/// Where one node starts, in bytes.
#[derive(Clone, Copy, Debug)]
pub struct NodePos {
    pub start: usize,
    pub style: Style,
}

/// Where every node of a YAML file starts, keyed by its path: `rules/3/when`, `articles`,
/// `rules/3/unless/0/when`. Keys are recorded as `<path>#key`.
#[derive(Debug, Default)]
pub struct SpanIndex {
    nodes: HashMap<String, NodePos>,
}

impl SpanIndex {
    /// Index a file. A file the parser rejects gives an empty index: its error is reported by
    /// [`from_source`].
    pub fn build(source: &Source) -> SpanIndex {
        let text = &source.text;
        // The parser does not skip a byte-order mark: index the text after it, in the file's
        // own offsets (a BOM put every place at 1:1).
        let bom = if text.starts_with('\u{feff}') { 3 } else { 0 };
        let mut builder = Builder {
            text,
            char_to_byte: text[bom..].char_indices().map(|(b, _)| b + bom).collect(),
            len: text.len(),
            stack: Vec::new(),
            index: SpanIndex::default(),
            alias_budget: 100_000,
        };
        let mut parser = Parser::new_from_str(&text[bom..]);
        let _ = parser.load(&mut builder, false);
        builder.index
    }

    pub fn get(&self, path: &str) -> Option<NodePos> {
        self.nodes.get(path).copied()
    }

    /// A span covering the first character of the node at `path`, or of its nearest
    /// recorded ancestor, or the start of the file.
    pub fn span(&self, source: &Source, path: &str) -> Span {
        let mut p = path;
        loop {
            if let Some(pos) = self.nodes.get(p) {
                return Span::new(pos.start, next_char_end(&source.text, pos.start));
            }
            match p.rfind('/') {
                Some(i) => p = &p[..i],
                None => return Span::new(0, 0),
            }
        }
    }

    /// A span over a whole scalar value (as it stands in the file, on its first line).
    pub fn value_span(&self, source: &Source, path: &str) -> Span {
        let Some(pos) = self.nodes.get(path) else {
            return self.span(source, path);
        };
        let rest = source.text.get(pos.start..).unwrap_or("");
        let line_len = rest.find('\n').unwrap_or(rest.len());
        let len = line_len.min(200);
        Span::new(pos.start, pos.start + floor(rest, len))
    }

    /// The span of the key that introduces `path`, falling back to its value.
    pub fn key_span(&self, source: &Source, path: &str) -> Span {
        match self.nodes.get(&format!("{path}#key")) {
            Some(pos) => {
                let rest = source.text.get(pos.start..).unwrap_or("");
                let len = rest.find([':', '\n']).unwrap_or(rest.len());
                Span::new(pos.start, pos.start + len)
            }
            None => self.span(source, path),
        }
    }

    /// Map a byte range of a scalar's *value* (e.g. a condition string) onto the file.
    pub fn map_range(&self, source: &Source, path: &str, value: &str, range: Span) -> Span {
        let Some(pos) = self.nodes.get(path) else {
            return self.span(source, path);
        };
        let start = map_offset(&source.text, *pos, value, range.start);
        let end = if range.is_empty() {
            start
        } else {
            map_offset(&source.text, *pos, value, range.end)
        };
        if end > start {
            Span::new(start, end)
        } else {
            Span::new(start, next_char_end(&source.text, start))
        }
    }
}

fn floor(text: &str, i: usize) -> usize {
    crate::source::floor_char_boundary(text, i)
}

/// The byte offset in `text` of byte `offset` of the decoded scalar `value` that starts at
/// `pos`. Walks the value and the file side by side, skipping what decoding removed (quotes,
/// indentation, doubled quotes, escapes) and matching folded line breaks to spaces.
fn map_offset(text: &str, pos: NodePos, value: &str, offset: usize) -> usize {
    let mut src = pos.start;
    match pos.style {
        Style::SingleQuoted | Style::DoubleQuoted => src += 1,
        Style::Literal | Style::Folded => {
            // The parser may mark the indicator (`|`, `>`) or the first line of content.
            if text[src..].starts_with(['|', '>']) {
                src = text[src..].find('\n').map_or(text.len(), |i| src + i + 1);
            }
        }
        Style::Plain | Style::Node => {}
    }
    let bytes = text.as_bytes();
    let target = value
        .get(..offset.min(value.len()))
        .map_or(0, |s| s.chars().count());
    for (n, vc) in value.chars().enumerate() {
        // Find `vc` in the file from `src` on.
        loop {
            let Some(sc) = text.get(src..).and_then(|r| r.chars().next()) else {
                return pos.start;
            };
            if n == target && sc == vc {
                return src;
            }
            if sc == vc {
                if pos.style == Style::SingleQuoted
                    && sc == '\''
                    && bytes.get(src + 1) == Some(&b'\'')
                {
                    src += 2;
                } else {
                    src += sc.len_utf8();
                }
                break;
            }
            if (vc == ' ' || vc == '\n') && sc == '\n' {
                if n == target {
                    return src;
                }
                src += 1;
                while matches!(bytes.get(src), Some(b' ') | Some(b'\t')) {
                    src += 1;
                }
                break;
            }
            src += sc.len_utf8();
        }
    }
    src
}

enum Frame {
    Map {
        path: String,
        key: Option<String>,
        expecting_key: bool,
    },
    Seq {
        path: String,
        next: usize,
    },
}

struct Builder<'t> {
    text: &'t str,
    char_to_byte: Vec<usize>,
    len: usize,
    stack: Vec<Frame>,
    index: SpanIndex,
    alias_budget: usize,
}

impl Builder<'_> {
    fn byte(&self, mark: &Marker) -> usize {
        self.char_to_byte
            .get(mark.index())
            .copied()
            .unwrap_or(self.len)
    }

    /// The path of the node that starts now; `None` when it is a mapping key.
    fn next_path(&mut self) -> Option<String> {
        match self.stack.last_mut() {
            None => Some(String::new()),
            Some(Frame::Map {
                path,
                key,
                expecting_key,
            }) => {
                if *expecting_key {
                    None
                } else {
                    Some(join(path, key.as_deref().unwrap_or("?")))
                }
            }
            Some(Frame::Seq { path, next }) => {
                let p = join(path, &next.to_string());
                *next += 1;
                Some(p)
            }
        }
    }

    fn value_done(&mut self) {
        if let Some(Frame::Map { expecting_key, .. }) = self.stack.last_mut() {
            *expecting_key = true;
        }
    }
}

fn join(path: &str, part: &str) -> String {
    if path.is_empty() {
        part.to_string()
    } else {
        format!("{path}/{part}")
    }
}

impl MarkedEventReceiver for Builder<'_> {
    fn on_event(&mut self, ev: Event, mark: Marker) {
        let start = self.byte(&mark);
        match ev {
            Event::Scalar(value, style, ..) => match self.next_path() {
                None => {
                    if let Some(Frame::Map {
                        path,
                        key,
                        expecting_key,
                    }) = self.stack.last_mut()
                    {
                        let key_path = format!("{}#key", join(path, &value));
                        *key = Some(value);
                        *expecting_key = false;
                        self.index.nodes.insert(
                            key_path,
                            NodePos {
                                start,
                                style: Style::Plain,
                            },
                        );
                    }
                }
                Some(path) => {
                    let mut start = start;
                    let style = match style {
                        TScalarStyle::SingleQuoted => Style::SingleQuoted,
                        TScalarStyle::DoubleQuoted => Style::DoubleQuoted,
                        TScalarStyle::Literal => Style::Literal,
                        TScalarStyle::Folded => Style::Folded,
                        _ => Style::Plain,
                    };
                    if matches!(style, Style::Literal | Style::Folded) {
                        // The parser's mark for block scalars is unreliable: find the
                        // indicator after the key instead.
                        if let Some(key) = self.index.nodes.get(&format!("{path}#key")) {
                            if let Some(i) = self.text[key.start..].find(['|', '>']) {
                                start = key.start + i;
                            }
                        }
                    }
                    self.index.nodes.insert(path, NodePos { start, style });
                    self.value_done();
                }
            },
            Event::MappingStart(..) | Event::SequenceStart(..) => {
                let path = match self.next_path() {
                    Some(p) => p,
                    // A complex key: index its contents under a placeholder.
                    None => "?".to_string(),
                };
                self.index.nodes.insert(
                    path.clone(),
                    NodePos {
                        start,
                        style: Style::Node,
                    },
                );
                if matches!(ev, Event::MappingStart(..)) {
                    self.stack.push(Frame::Map {
                        path,
                        key: None,
                        expecting_key: true,
                    });
                } else {
                    self.stack.push(Frame::Seq { path, next: 0 });
                }
            }
            Event::MappingEnd | Event::SequenceEnd => {
                self.stack.pop();
                self.value_done();
            }
            Event::Alias(_) => {
                self.alias_budget = self.alias_budget.saturating_sub(1);
                let _ = self.next_path();
                self.value_done();
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn locate(yaml: &str, path: &str, value: &str, needle: &str) -> String {
        let source = Source::new("t.yaml", yaml);
        let index = SpanIndex::build(&source);
        let at = value.find(needle).unwrap();
        let span = index.map_range(&source, path, value, Span::new(at, at + needle.len()));
        source.text[span.start..span.end].to_string()
    }

    #[test]
    fn maps_offsets_in_every_scalar_style() {
        let v = r#"data has "personal" and purpse has "x""#;
        let plain = format!("rules:\n  - when: {v}\n");
        assert_eq!(locate(&plain, "rules/0/when", v, "purpse"), "purpse");
        let single = "rules:\n  - when: 'it''s and purpse'\n";
        assert_eq!(
            locate(single, "rules/0/when", "it's and purpse", "purpse"),
            "purpse"
        );
        let double = "r:\n  when: \"data has \\\"x\\\" and purpse\"\n";
        assert_eq!(
            locate(double, "r/when", "data has \"x\" and purpse", "purpse"),
            "purpse"
        );
        let block = "r:\n  when: >-\n    data has \"x\"\n    and purpse has \"y\"\n";
        assert_eq!(
            locate(
                block,
                "r/when",
                "data has \"x\" and purpse has \"y\"",
                "purpse"
            ),
            "purpse"
        );
        let literal = "r:\n  when: |\n    data has \"x\"\n    and purpse\n";
        assert_eq!(
            locate(literal, "r/when", "data has \"x\"\nand purpse\n", "purpse"),
            "purpse"
        );
    }

    #[test]
    fn counts_non_ascii_text_in_bytes() {
        let yaml = "title: \"Überblick — ü\"\nwhen: 'a and purpse'\n";
        assert_eq!(locate(yaml, "when", "a and purpse", "purpse"), "purpse");
    }
}
