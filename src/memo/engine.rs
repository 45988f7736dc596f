//! The template engine: the built-in templates, a user's overrides, and rendering.
//!
//! Takes the built-in `templates/*.tera` (embedded at build time) and, optionally, a directory
//! whose `.tera` files replace the built-ins of the same name; parses them all once into a
//! [`Templates`] that renders any number of memos. Templates are given a context and nothing
//! else: no function of the engine reads a file or the environment, `include` only finds the
//! templates loaded here, and only regular files directly inside the user's directory are
//! loaded, so a user template cannot reach outside its directory.
//!
//! Every template error becomes a [`Problem`] that names the template, the line and what went
//! wrong, pointing into the template's text.

use std::path::Path;

use serde::Serialize;
use tera::{ArgFromValue, Context, ErrorKind, Kwargs, State, Tera, TeraResult, Value};

use crate::error::Problem;
use crate::source::{Source, Span};

mod embedded {
    include!(concat!(env!("OUT_DIR"), "/embedded_templates.rs"));
}

/// The name the built-in templates go by in messages.
pub const BUILTIN_DIR: &str = "templates";

/// The text of the built-in template `name`, as embedded in the binary.
pub fn builtin_text(name: &str) -> Option<&'static str> {
    embedded::TEMPLATE_FILES
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, text)| *text)
}

/// The largest template file read, in bytes, by default (the limit `template-bytes`).
pub const MAX_TEMPLATE_BYTES: u64 = crate::limits::DEFAULT.template_bytes;

/// Parsed templates, ready to render.
pub struct Templates {
    tera: Tera,
    /// Every template's text and the name to show in messages, by template name.
    sources: Vec<(String, Source)>,
    /// The names of the templates that are the built-in ones, unchanged.
    builtin: Vec<String>,
}

impl Templates {
    /// The built-in templates, with the `.tera` files of `dir` replacing those of the same name.
    pub fn load(dir: Option<&Path>) -> Result<Templates, Problem> {
        let mut sources: Vec<(String, Source)> = embedded::TEMPLATE_FILES
            .iter()
            .map(|(name, text)| {
                (
                    (*name).to_string(),
                    Source::new(format!("{BUILTIN_DIR}/{name}"), *text),
                )
            })
            .collect();
        let mut user = Vec::new();
        if let Some(dir) = dir {
            for (name, source) in read_dir(dir)? {
                user.push(name.clone());
                match sources.iter_mut().find(|(n, _)| *n == name) {
                    Some(slot) => slot.1 = source,
                    None => sources.push((name, source)),
                }
            }
        }
        sources.sort_by(|a, b| a.0.cmp(&b.0));
        let mut templates = Templates::from_sources(sources)?;
        // A template from the user's directory is theirs, even if it reads like the built-in.
        templates.builtin.retain(|name| !user.contains(name));
        Ok(templates)
    }

    /// Parse named templates. Those named and written exactly like a built-in template count
    /// as built-in ([`Templates::is_builtin`]).
    pub fn from_sources(sources: Vec<(String, Source)>) -> Result<Templates, Problem> {
        let mut tera = Tera::new();
        tera.autoescape_on([".html.tera", ".htm.tera", ".xml.tera"]);
        tera.register_filter("md", md_filter);
        tera.register_filter("md_quote", md_quote_filter);
        tera.register_filter("link", link_filter);
        let added = tera.add_raw_templates(
            sources
                .iter()
                .map(|(name, source)| (name.as_str(), &*source.text)),
        );
        let builtin = sources
            .iter()
            .filter(|(name, source)| builtin_text(name) == Some(&*source.text))
            .map(|(name, _)| name.clone())
            .collect();
        let templates = Templates {
            tera,
            sources,
            builtin,
        };
        match added {
            Ok(()) => Ok(templates),
            Err(e) => Err(templates.problem(&e, None)),
        }
    }

    /// Whether a template of this name is loaded.
    pub fn has(&self, name: &str) -> bool {
        self.tera.contains_template(name)
    }

    /// Whether template `name` is the built-in one: loaded, not replaced from `--templates DIR`.
    /// Provision memos whose templates are all built-in are rendered natively
    /// ([`super::native`]), with the same bytes as tera.
    pub fn is_builtin(&self, name: &str) -> bool {
        self.builtin.iter().any(|n| n == name)
    }

    /// Render template `name` with a context.
    pub fn render<T: Serialize>(&self, name: &str, context: &T) -> Result<String, Problem> {
        let mut out = Vec::with_capacity(16 * 1024);
        self.render_to(name, context, &mut out)?;
        String::from_utf8(out).map_err(|_| {
            Problem::new(
                "memo::template",
                format!("template `{name}` produced text that is not UTF-8"),
            )
        })
    }

    /// Render template `name` with a context, appending to `out`.
    pub fn render_to<T: Serialize>(
        &self,
        name: &str,
        context: &T,
        out: &mut Vec<u8>,
    ) -> Result<(), Problem> {
        let context = Context::from_serialize(context).map_err(|e| {
            Problem::new(
                "memo::context",
                format!("cannot build the context of template `{name}`: {e}"),
            )
            .help("this is a bug in clausemap; please report it")
        })?;
        self.render_context_to(name, &context, out)
    }

    /// Render template `name` with a context already built, appending to `out`.
    pub fn render_context_to(
        &self,
        name: &str,
        context: &Context,
        out: &mut Vec<u8>,
    ) -> Result<(), Problem> {
        self.tera
            .render_to(name, context, out)
            .map_err(|e| self.problem(&e, Some(name)))
    }

    /// A template error as a problem that names the template and the line.
    fn problem(&self, e: &tera::Error, rendering: Option<&str>) -> Problem {
        let doing = if rendering.is_some() {
            "cannot render"
        } else {
            "cannot parse"
        };
        match e.kind() {
            ErrorKind::SyntaxError(report) | ErrorKind::RenderingError(report) => {
                let name = if report.filename().is_empty() {
                    rendering.unwrap_or("")
                } else {
                    report.filename()
                };
                let span = report.span();
                let message = format!(
                    "{doing} template `{name}` (line {}): {}",
                    span.start_line,
                    report.message().trim_end_matches('.')
                );
                let problem = Problem::new("memo::template", message)
                    .help("fix the template; docs/templates.md lists every field of the context");
                match self.source(name) {
                    Some(source) => {
                        let start = span.range.start.min(source.text.len());
                        let end = span.range.end.clamp(start, source.text.len());
                        problem.at(source, Span::new(start, end))
                    }
                    None => problem,
                }
            }
            ErrorKind::TemplateNotFound(missing) => Problem::new(
                "memo::template",
                match rendering {
                    Some(name) => format!("{doing} template `{name}`: no template `{missing}`"),
                    None => format!("a template refers to `{missing}`, which does not exist"),
                },
            )
            .help(format!(
                "the templates are: {}",
                self.sources
                    .iter()
                    .map(|(n, _)| n.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            )),
            other => {
                let detail = other.to_string();
                let message = match rendering {
                    Some(name) => format!("{doing} template `{name}`: {detail}"),
                    None => format!("{doing} the templates: {detail}"),
                };
                let help = if detail.starts_with("Circular") {
                    "a template includes or extends itself, directly or through others: break the loop"
                } else if detail.contains("recursion depth") {
                    "a component calls itself without end: give the recursion a condition that stops it (the limit, `template-depth`, is the template engine's own and cannot be raised)"
                } else {
                    "fix the template; docs/templates.md lists every field of the context"
                };
                Problem::new("memo::template", message).help(help)
            }
        }
    }

    fn source(&self, name: &str) -> Option<&Source> {
        self.sources.iter().find(|(n, _)| n == name).map(|(_, s)| s)
    }
}

/// The `.tera` files directly inside `dir`, by file name. Symbolic links and files that resolve
/// outside the directory are refused, so a template cannot be made to read another file.
fn read_dir(dir: &Path) -> Result<Vec<(String, Source)>, Problem> {
    let shown = dir.display().to_string();
    let io = |e: std::io::Error| {
        Problem::new(
            "memo::templates-dir",
            format!("cannot read template directory: {e}"),
        )
        .in_file(shown.clone())
        .help("give --templates a directory of `.tera` files named like the built-ins (e.g. provision.md.tera)")
    };
    let root = dir.canonicalize().map_err(io)?;
    let mut out = Vec::new();
    let mut entries: Vec<_> = std::fs::read_dir(&root)
        .map_err(io)?
        .filter_map(Result::ok)
        .collect();
    entries.sort_by_key(|e| e.file_name());
    for entry in entries {
        let Some(name) = entry.file_name().to_str().map(str::to_string) else {
            continue;
        };
        if !name.ends_with(".tera") {
            continue;
        }
        let path = entry.path();
        let shown = format!("{}/{name}", shown.trim_end_matches('/'));
        let refuse = |why: &str| {
            Problem::new("memo::template-file", format!("template `{name}` is {why}"))
                .in_file(shown.clone())
                .help("templates must be regular files inside the --templates directory")
        };
        let meta = std::fs::symlink_metadata(&path).map_err(io)?;
        if meta.file_type().is_symlink() {
            return Err(refuse("a symbolic link"));
        }
        if !meta.is_file() {
            continue;
        }
        let real = path.canonicalize().map_err(io)?;
        if real.parent() != Some(root.as_path()) {
            return Err(refuse("outside the template directory"));
        }
        let limit = crate::limits::get().template_bytes;
        if meta.len() > limit {
            return Err(refuse(&format!(
                "over the `template-bytes` limit of {}",
                crate::limits::show_bytes(limit)
            ))
            .help(crate::limits::how_to_raise("template-bytes")));
        }
        let source = crate::model::read_source(&real).map_err(|p| p.in_file(shown.clone()))?;
        out.push((name, Source::new(shown, source.text)));
    }
    Ok(out)
}

/// Where escaped text goes: a `String` (the filters) or a byte buffer (the native renderer,
/// [`super::native`]), so both use one implementation of each escape.
pub trait Sink {
    fn put(&mut self, s: &str);
}

impl Sink for String {
    #[inline]
    fn put(&mut self, s: &str) {
        self.push_str(s);
    }
}

impl Sink for Vec<u8> {
    #[inline]
    fn put(&mut self, s: &str) {
        self.extend_from_slice(s.as_bytes());
    }
}

/// Markdown-escape inline text: characters Markdown or HTML would interpret are escaped, and
/// line breaks become spaces, so the text stays one inline run (a table cell, a list item).
/// An underscore inside a word is left alone: Markdown does not read it as emphasis.
pub fn md_escape(text: &str) -> String {
    // Most text needs nothing: copy it whole.
    if !needs_md_escape(text) {
        return text.to_string();
    }
    let mut out = String::with_capacity(text.len() + 8);
    md_escape_to(&mut out, text, false);
    out
}

/// A table of the bytes in `special`.
const fn table(special: &[u8]) -> [bool; 256] {
    let mut t = [false; 256];
    let mut i = 0;
    while i < special.len() {
        t[special[i] as usize] = true;
        i += 1;
    }
    t
}

/// The bytes [`md_escape`] changes: `` \ ` * _ [ ] < > | # ~ `` and `\r`, `\n`, `\t`.
static MD_SPECIAL: [bool; 256] = table(b"\\`*_[]<>|#~\r\n\t");
/// The same but the backtick.
static MD_SPECIAL_IN_CODE: [bool; 256] = table(b"\\*_[]<>|#~\r\n\t");
/// The bytes tera's HTML autoescape changes.
static HTML_SPECIAL: [bool; 256] = table(b"&<>\"'");

/// The index of the first byte of `table` at or after `i` (`bytes.len()` when there is none),
/// eight bytes at a time while there is none.
#[inline]
fn next_special(bytes: &[u8], mut i: usize, table: &[bool; 256]) -> usize {
    while let Some(chunk) = bytes.get(i..i + 8) {
        if chunk
            .iter()
            .fold(false, |any, &b| any | table[usize::from(b)])
        {
            break;
        }
        i += 8;
    }
    while i < bytes.len() && !table[usize::from(bytes[i])] {
        i += 1;
    }
    i
}

/// A backslash and the byte, for the bytes [`md_escape`] escapes.
fn md_escaped(b: u8) -> &'static str {
    match b {
        b'\\' => "\\\\",
        b'`' => "\\`",
        b'*' => "\\*",
        b'_' => "\\_",
        b'[' => "\\[",
        b']' => "\\]",
        b'<' => "\\<",
        b'>' => "\\>",
        b'|' => "\\|",
        b'#' => "\\#",
        _ => "\\~",
    }
}

/// [`md_escape`] into `out`. With `keep_backticks`, backticks are copied as they are: the same
/// as `md_escape(text).replace("\\`", "`")` (the `md | replace(from="\\`", to="`")` of the
/// provision memo's conditions), since an escaped backtick is the only `` \` `` `md_escape`
/// writes.
pub fn md_escape_to(out: &mut impl Sink, text: &str, keep_backticks: bool) {
    let bytes = text.as_bytes();
    let table = if keep_backticks {
        &MD_SPECIAL_IN_CODE
    } else {
        &MD_SPECIAL
    };
    let mut mark = 0;
    // Whether the last character written was a space (runs of line breaks become one).
    let mut last_space = false;
    let mut i = 0;
    loop {
        i = next_special(bytes, i, table);
        let Some(&b) = bytes.get(i) else {
            break;
        };
        if mark < i {
            out.put(&text[mark..i]);
            last_space = bytes[i - 1] == b' ';
        }
        mark = i + 1;
        match b {
            b'\r' | b'\n' | b'\t' => {
                if !last_space {
                    out.put(" ");
                }
                last_space = true;
            }
            b'_' if text[..i]
                .chars()
                .next_back()
                .is_some_and(char::is_alphanumeric)
                && text[i + 1..]
                    .chars()
                    .next()
                    .is_some_and(char::is_alphanumeric) =>
            {
                out.put("_");
                last_space = false;
            }
            _ => {
                out.put(md_escaped(b));
                last_space = false;
            }
        }
        i += 1;
    }
    if mark < bytes.len() {
        out.put(&text[mark..]);
    }
}

/// Whether [`md_escape`] would change `text`.
fn needs_md_escape(text: &str) -> bool {
    next_special(text.as_bytes(), 0, &MD_SPECIAL) < text.len()
}

/// Markdown-escape a block and quote it (the `md_quote` filter): every line starts with `> `,
/// blank lines stay paragraph breaks.
pub fn md_quote_to(out: &mut impl Sink, text: &str) {
    for (i, line) in text.trim().lines().enumerate() {
        if i > 0 {
            out.put("\n");
        }
        let line = line.trim();
        if line.is_empty() {
            out.put(">");
        } else {
            out.put("> ");
            md_escape_to(out, line, false);
        }
    }
}

/// HTML-escape text as tera's autoescape does (`& < > " '`).
pub fn html_escape_to(out: &mut impl Sink, text: &str) {
    let bytes = text.as_bytes();
    let mut mark = 0;
    let mut i = 0;
    loop {
        i = next_special(bytes, i, &HTML_SPECIAL);
        let Some(&b) = bytes.get(i) else {
            break;
        };
        let escaped = match b {
            b'&' => "&amp;",
            b'<' => "&lt;",
            b'>' => "&gt;",
            b'"' => "&quot;",
            _ => "&#39;",
        };
        if mark < i {
            out.put(&text[mark..i]);
        }
        out.put(escaped);
        i += 1;
        mark = i;
    }
    if mark < bytes.len() {
        out.put(&text[mark..]);
    }
}

/// An address fit for a link: `http` and `https` only (no `javascript:` or `file:`), with
/// characters that could end a Markdown autolink or an HTML attribute percent-encoded.
/// Anything else gives the empty string, and templates then print no link.
pub fn link(url: &str) -> String {
    let url = url.trim();
    let lower = url.get(..8).unwrap_or(url).to_ascii_lowercase();
    if !(lower.starts_with("https://") || lower.starts_with("http://")) {
        return String::new();
    }
    let mut out = String::with_capacity(url.len());
    for b in url.bytes() {
        if link_byte(b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// A byte [`link`] keeps as it is.
fn link_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"-._~:/?#[]@!$&()*+,;=%".contains(&b)
}

/// The string a filter was given; anything else is the error tera gives a `&str` filter.
fn filter_text(value: &Value) -> TeraResult<&str> {
    <&str as ArgFromValue>::from_value(value)
}

// The filters hand back the value they were given when it needs no change (the common case),
// saving two copies of the text per call; a value marked safe is copied so that the result is
// an ordinary string, as before.

fn link_filter(value: &Value, _: Kwargs, _: &State) -> TeraResult<Value> {
    let url = filter_text(value)?;
    let scheme = |p: &str| {
        url.get(..p.len())
            .is_some_and(|h| h.eq_ignore_ascii_case(p))
    };
    let unchanged = (scheme("https://") || scheme("http://")) && url.bytes().all(link_byte);
    if unchanged && !value.is_safe() {
        return Ok(value.clone());
    }
    Ok(Value::from(link(url)))
}

fn md_filter(value: &Value, _: Kwargs, _: &State) -> TeraResult<Value> {
    let text = filter_text(value)?;
    if !needs_md_escape(text) && !value.is_safe() {
        return Ok(value.clone());
    }
    Ok(Value::from(md_escape(text)))
}

/// Markdown-escape a block and quote it: every line starts with `> `, blank lines stay
/// paragraph breaks.
fn md_quote_filter(text: &str, _: Kwargs, _: &State) -> String {
    let mut out = String::with_capacity(text.len() + 16);
    md_quote_to(&mut out, text);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn md_escape_neutralises_markup() {
        assert_eq!(
            md_escape("<script>*x*</script> | {{ y }}\nz"),
            "\\<script\\>\\*x\\*\\</script\\> \\| {{ y }} z"
        );
        assert_eq!(md_escape("legal_basis _x_"), "legal_basis \\_x\\_");
    }

    #[test]
    fn links_are_http_only_and_encoded() {
        assert_eq!(link("javascript:alert(1)"), "");
        assert_eq!(link("https://a.b/c d<e>"), "https://a.b/c%20d%3Ce%3E");
    }

    /// The escape as first written, a character at a time: the byte-wise [`md_escape_to`]
    /// must give exactly what it gives.
    fn md_escape_by_chars(text: &str) -> String {
        let mut out = String::with_capacity(text.len() + 8);
        let mut last_space = false;
        let mut prev: Option<char> = None;
        let mut chars = text.chars().peekable();
        while let Some(c) = chars.next() {
            match c {
                '_' if prev.is_some_and(char::is_alphanumeric)
                    && chars.peek().is_some_and(|n| n.is_alphanumeric()) =>
                {
                    out.push(c)
                }
                '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '|' | '#' | '~' => {
                    out.push('\\');
                    out.push(c);
                }
                '\r' | '\n' | '\t' => {
                    if !last_space {
                        out.push(' ');
                    }
                    last_space = true;
                    prev = Some(' ');
                    continue;
                }
                _ => out.push(c),
            }
            last_space = c == ' ';
            prev = Some(c);
        }
        out
    }

    /// Strings made of the characters the escapes treat specially, letters (some not ASCII),
    /// spaces and line breaks, from a fixed seed.
    fn samples() -> Vec<String> {
        const PIECES: &[&str] = &[
            "\\", "`", "*", "_", "[", "]", "<", ">", "|", "#", "~", "\r", "\n", "\t", " ", "a",
            "Z", "7", "é", "ß", "中", "—", "🙂", "&", "\"", "'", "{{", "}}", "x_y", "__", ".", ";",
        ];
        let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        (0..20_000)
            .map(|_| {
                let len = (next() % 12) as usize;
                (0..len)
                    .map(|_| PIECES[(next() % PIECES.len() as u64) as usize])
                    .collect()
            })
            .collect()
    }

    #[test]
    fn md_escape_is_the_character_wise_escape() {
        for text in samples() {
            let want = md_escape_by_chars(&text);
            assert_eq!(md_escape(&text), want, "{text:?}");
            let mut bytes = Vec::new();
            md_escape_to(&mut bytes, &text, false);
            assert_eq!(bytes, want.as_bytes(), "{text:?}");
            let mut kept = String::new();
            md_escape_to(&mut kept, &text, true);
            assert_eq!(kept, want.replace("\\`", "`"), "{text:?}");
        }
    }

    #[test]
    fn html_escape_is_teras_autoescape() {
        let mut tera = Tera::new();
        tera.autoescape_on([".html.tera"]);
        tera.add_raw_template("t.html.tera", "{{ x }}")
            .expect("the template parses");
        for text in samples() {
            let mut ctx = Context::new();
            ctx.insert("x", &text);
            let want = tera.render("t.html.tera", &ctx).expect("renders");
            let mut got = String::new();
            html_escape_to(&mut got, &text);
            assert_eq!(got, want, "{text:?}");
        }
    }
}
