//! Splitting a policy document into provision-sized segments.
//!
//! Takes the raw source (plain text, Markdown or HTML) and returns [`Segment`]s: markup
//! stripped, headings kept as titles (with the full heading path), one segment per paragraph,
//! and list items (and table rows) kept together with the paragraph that leads into them.
//! Offsets are **char** offsets into the source: `start..end` covers the source text the
//! segment was built from (markup included), so a reviewer can find it again.
//!
//! Promises: never panics, on any input (unterminated tags and comments, stray `<`, megabytes
//! without a newline); runs in time linear in the input; deterministic.

use std::path::Path;

/// The markup of a policy source.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SourceFormat {
    /// Plain text: blank lines separate paragraphs; short unpunctuated lines are headings.
    Text,
    /// Markdown (CommonMark-ish): `#` headings, lists, tables, links.
    Markdown,
    /// HTML: tags stripped, `h1`–`h6` headings, `li` items, `p`/`div`/… blocks.
    Html,
}

/// One provision-sized piece of a policy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Segment {
    /// The nearest heading above the segment, if any.
    pub title: Option<String>,
    /// The heading path, outermost first (the last one is `title`).
    pub headings: Vec<String>,
    /// How many of `headings`, from the first, are marked as headings in the source (`#`,
    /// `<h2>`, a short line standing alone in plain text); those after them are lines the
    /// splitter read as headings (a line wholly in bold, a section number).
    pub marked_headings: usize,
    /// The segment's text, markup stripped; list items on their own lines, prefixed `- `.
    pub text: String,
    /// Char offset in the source where the segment's material starts.
    pub start: usize,
    /// Char offset in the source where it ends (exclusive).
    pub end: usize,
}

/// The format of `content`: by the extension of `path` (`.md`, `.markdown`, `.html`, `.htm`,
/// `.xhtml`, `.txt`), else by sniffing the content.
pub fn detect_format(path: &Path, content: &str) -> SourceFormat {
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase);
    match ext.as_deref() {
        Some("md" | "markdown" | "mdown" | "mkd") => return SourceFormat::Markdown,
        Some("html" | "htm" | "xhtml") => return SourceFormat::Html,
        Some("txt" | "text") => return SourceFormat::Text,
        _ => {}
    }
    let head: String = content
        .chars()
        .take(4096)
        .collect::<String>()
        .to_ascii_lowercase();
    let trimmed = head.trim_start();
    if trimmed.starts_with("<!doctype html")
        || trimmed.starts_with("<html")
        || ["<body", "<p>", "<p ", "<div", "<h1", "<h2", "<ul", "<li"]
            .iter()
            .any(|t| head.contains(t))
    {
        return SourceFormat::Html;
    }
    let markdownish = head.lines().any(|l| {
        let l = l.trim_start();
        (l.starts_with('#') && l.trim_start_matches('#').starts_with(' ')) || l.starts_with("```")
    }) || head.contains("](http")
        || head.contains("**");
    if markdownish {
        SourceFormat::Markdown
    } else {
        SourceFormat::Text
    }
}

/// Split a policy into segments. Never panics.
pub fn split_policy(content: &str, format: SourceFormat) -> Vec<Segment> {
    let mut blocks = match format {
        SourceFormat::Text => text_blocks(content),
        SourceFormat::Markdown => markdown_blocks(content),
        SourceFormat::Html => html_blocks(content),
    };
    resolve_pseudo_headings(&mut blocks);
    group(content, blocks)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Heading(u8),
    /// A one-line paragraph set as a heading without heading markup (`**Research**`,
    /// `4.2\. Talent Insights`), at the level given; a heading only if text follows it
    /// ([`resolve_pseudo_headings`]).
    Pseudo(u8),
    Para,
    Item,
}

#[derive(Debug, Clone)]
struct Block {
    kind: Kind,
    text: String,
    /// Byte offsets into the source.
    start: usize,
    end: usize,
}

fn push_block(blocks: &mut Vec<Block>, kind: Kind, text: &str, start: usize, end: usize) {
    let text = collapse_ws(text);
    if text.is_empty() {
        return;
    }
    blocks.push(Block {
        kind,
        text,
        start,
        end,
    });
}

fn collapse_ws(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut space = false;
    for c in s.chars() {
        if c.is_whitespace() || c == '\u{200B}' || c == '\u{FEFF}' {
            space = true;
        } else {
            if space && !out.is_empty() {
                out.push(' ');
            }
            space = false;
            out.push(c);
        }
    }
    out
}

/// Lines of `content` with their byte offsets (line text without the line break).
fn lines_with_offsets(content: &str) -> Vec<(usize, &str)> {
    let mut out = Vec::new();
    let mut pos = 0;
    for line in content.split_inclusive('\n') {
        let text = line.trim_end_matches(['\n', '\r']);
        out.push((pos, text));
        pos += line.len();
    }
    out
}

/// If `line` starts a list item, the byte length of its marker (with the following spaces).
pub(crate) fn list_marker(line: &str) -> Option<usize> {
    let indent = line.len() - line.trim_start().len();
    let rest = &line[indent..];
    let mut chars = rest.char_indices();
    let (_, first) = chars.next()?;
    let after = |i: usize| -> Option<usize> {
        let tail = rest.get(i..)?;
        let spaces = tail.len() - tail.trim_start_matches([' ', '\t']).len();
        (spaces > 0 && tail.len() > spaces).then_some(indent + i + spaces)
    };
    match first {
        '-' | '*' | '+' | '•' | '·' | '▪' | '◦' => after(first.len_utf8()),
        '0'..='9' => {
            let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
            if digits > 3 {
                return None;
            }
            match rest.as_bytes().get(digits) {
                Some(b'.' | b')') => after(digits + 1),
                _ => None,
            }
        }
        '(' => {
            let close = rest
                .get(..8)?
                .find(')')
                .or_else(|| rest.find(')').filter(|&c| c < 8))?;
            let inner = rest.get(1..close)?;
            if !inner.is_empty()
                && inner.chars().all(|c| c.is_ascii_alphanumeric())
                && inner.len() <= 4
            {
                after(close + 1)
            } else {
                None
            }
        }
        _ => None,
    }
}

// ------------------------------------------------------------------------------------------
// Plain text
// ------------------------------------------------------------------------------------------

fn text_blocks(content: &str) -> Vec<Block> {
    let lines = lines_with_offsets(content);
    let mut blocks = Vec::new();
    let mut para: Vec<(usize, &str)> = Vec::new();
    let mut para_kind = Kind::Para;
    let flush = |blocks: &mut Vec<Block>,
                 para: &mut Vec<(usize, &str)>,
                 kind: Kind,
                 next_blank_or_end: bool| {
        if para.is_empty() {
            return;
        }
        let start = para[0].0;
        let (last_off, last) = para[para.len() - 1];
        let end = last_off + last.len();
        let text: Vec<&str> = para.iter().map(|(_, l)| l.trim()).collect();
        let joined = text.join(" ");
        let kind = if kind == Kind::Para
            && para.len() == 1
            && looks_like_heading(&joined)
            && next_blank_or_end
        {
            Kind::Heading(2)
        } else {
            kind
        };
        push_block(blocks, kind, &joined, start, end);
        para.clear();
    };
    for (off, line) in &lines {
        if line.trim().is_empty() {
            flush(&mut blocks, &mut para, para_kind, true);
            para_kind = Kind::Para;
            continue;
        }
        if let Some(m) = list_marker(line) {
            flush(&mut blocks, &mut para, para_kind, false);
            para_kind = Kind::Item;
            para.push((off + m, line.get(m..).unwrap_or("")));
            continue;
        }
        para.push((*off, line));
    }
    flush(&mut blocks, &mut para, para_kind, true);
    blocks
}

fn looks_like_heading(text: &str) -> bool {
    let words = text.split_whitespace().count();
    let last = text.chars().last().unwrap_or('.');
    (1..=12).contains(&words)
        && text.chars().count() <= 100
        && !matches!(last, '.' | ',' | ';' | ':' | '!' | '?')
        && text
            .chars()
            .next()
            .is_some_and(|c| c.is_uppercase() || c.is_ascii_digit())
}

// ------------------------------------------------------------------------------------------
// Markdown
// ------------------------------------------------------------------------------------------

fn markdown_blocks(content: &str) -> Vec<Block> {
    let lines = lines_with_offsets(content);
    let mut blocks = Vec::new();
    let mut cur: Vec<(usize, &str)> = Vec::new();
    let mut cur_kind = Kind::Para;
    let mut in_fence = false;

    fn flush(blocks: &mut Vec<Block>, cur: &mut Vec<(usize, &str)>, kind: Kind) {
        if cur.is_empty() {
            return;
        }
        let start = cur[0].0;
        let (last_off, last) = cur[cur.len() - 1];
        let text: Vec<String> = cur.iter().map(|(_, l)| md_inline(l.trim())).collect();
        let kind = match (kind, cur.as_slice()) {
            (Kind::Para, [(_, raw)]) => {
                pseudo_heading_level(&text[0], &markdown_line_marks(raw)).map_or(kind, Kind::Pseudo)
            }
            _ => kind,
        };
        push_block(blocks, kind, &text.join(" "), start, last_off + last.len());
        cur.clear();
    }

    let mut i = 0;
    while i < lines.len() {
        let (off, raw) = lines[i];
        i += 1;
        let line = raw.trim_end();
        let t = line.trim_start();
        if t.starts_with("```") || t.starts_with("~~~") {
            flush(&mut blocks, &mut cur, cur_kind);
            cur_kind = Kind::Para;
            in_fence = !in_fence;
            continue;
        }
        if in_fence {
            cur.push((off, raw));
            continue;
        }
        if t.is_empty() {
            flush(&mut blocks, &mut cur, cur_kind);
            cur_kind = Kind::Para;
            continue;
        }
        // ATX heading.
        let hashes = t.bytes().take_while(|&b| b == b'#').count();
        if (1..=6).contains(&hashes)
            && t.as_bytes()
                .get(hashes)
                .is_none_or(|b| *b == b' ' || *b == b'\t')
        {
            flush(&mut blocks, &mut cur, cur_kind);
            cur_kind = Kind::Para;
            let text = t[hashes..].trim().trim_end_matches('#').trim();
            let start = off + (line.len() - t.len());
            push_block(
                &mut blocks,
                Kind::Heading(hashes as u8),
                &md_inline(text),
                start,
                off + line.len(),
            );
            continue;
        }
        // Setext heading underline (only right after a one-line paragraph).
        let is_rule = t.len() >= 3
            && (t.bytes().all(|b| b == b'-' || b == b' ')
                || t.bytes().all(|b| b == b'*' || b == b' ')
                || t.bytes().all(|b| b == b'_' || b == b' '));
        let underline =
            t.bytes().all(|b| b == b'=') || (t.bytes().all(|b| b == b'-') && t.len() >= 2);
        if underline && cur.len() == 1 && cur_kind == Kind::Para {
            let (hoff, htext) = cur[0];
            cur.clear();
            let level = if t.starts_with('=') { 1 } else { 2 };
            push_block(
                &mut blocks,
                Kind::Heading(level),
                &md_inline(htext.trim()),
                hoff,
                off + line.len(),
            );
            continue;
        }
        if is_rule {
            flush(&mut blocks, &mut cur, cur_kind);
            cur_kind = Kind::Para;
            continue;
        }
        // Table rows: each body row is a paragraph of its own (a table of purposes can run to
        // tens of thousands of chars, too much for one provision); the header row (the one
        // above the `|---|` separator) and the separator are skipped.
        if t.starts_with('|') {
            flush(&mut blocks, &mut cur, cur_kind);
            cur_kind = Kind::Para;
            if is_table_separator(t) {
                continue;
            }
            if lines
                .get(i)
                .is_some_and(|(_, next)| is_table_separator(next.trim()))
            {
                continue;
            }
            let cells: Vec<String> = t
                .trim_matches('|')
                .split('|')
                .map(|c| md_inline(c.trim()))
                .filter(|c| !c.is_empty())
                .collect();
            let start = off + (line.len() - t.len());
            push_block(
                &mut blocks,
                Kind::Para,
                &cells.join(" | "),
                start,
                off + line.len(),
            );
            continue;
        }
        // Block quotes: strip the marker and read on.
        let t = t.trim_start_matches('>').trim_start();
        if let Some(m) = list_marker(t) {
            flush(&mut blocks, &mut cur, cur_kind);
            cur_kind = Kind::Item;
            let m_off = off + (line.len() - t.len()) + m;
            cur.push((m_off, t.get(m..).unwrap_or("")));
            continue;
        }
        cur.push((off + (line.len() - t.len()), t));
    }
    flush(&mut blocks, &mut cur, cur_kind);
    blocks
}

/// What a block's text was set in: whether some of it is outside emphasis (Markdown `**`,
/// `_`; HTML `b`, `strong`, `em`, `i`) and whether some of it is a link.
#[derive(Default)]
struct Marks {
    /// Some text outside emphasis.
    plain: bool,
    /// Some text inside a link.
    linked: bool,
}

/// The marks of a raw Markdown line: wholly in emphasis (`**Research**`, `_Our parent
/// company_`) or not, with a link or not.
fn markdown_line_marks(raw: &str) -> Marks {
    let raw = raw.trim();
    let emphasised = ["**", "__", "*", "_"].iter().any(|m| {
        raw.len() > 2 * m.len()
            && raw.starts_with(m)
            && raw.ends_with(m)
            && !raw[m.len()..raw.len() - m.len()].contains(m)
    });
    Marks {
        plain: !emphasised,
        linked: raw.contains("]("),
    }
}

/// The level of a one-line paragraph that is a heading without heading markup, or `None`: the
/// whole line in emphasis (`**Research**`, `<p><b>Research</b></p>`) or opening with a section
/// number that has a dot in it (`23. Severability`, `4.2 Talent Insights`), with the text a
/// heading has ([`is_heading_line`](super::contents::is_heading_line)): a capital or a digit
/// first, no colon (a label or a date: "Effective: May 28, 2026"), no link (a line that is
/// only a link is navigation). Headings without markup sit below any marked one: a section
/// number gives one level per part (`1.` 7, `4.2.` 8), anything else is at 7.
fn pseudo_heading_level(text: &str, marks: &Marks) -> Option<u8> {
    let text = text.trim();
    if marks.linked
        || text.contains(':')
        || !text.starts_with(|c: char| c.is_uppercase() || c.is_ascii_digit())
        || !super::contents::is_heading_line(text)
    {
        return None;
    }
    let (number, rest) = text.split_once(' ').unwrap_or((text, ""));
    let parts: Vec<&str> = number.trim_end_matches('.').split('.').collect();
    let numbered = number.contains('.')
        && parts
            .iter()
            .all(|p| (1..=3).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_digit()))
        && rest.trim_start().starts_with(char::is_uppercase);
    if numbered {
        return Some(UNMARKED_LEVEL - 1 + parts.len().min(6) as u8);
    }
    (!marks.plain).then_some(UNMARKED_LEVEL)
}

/// A heading without markup heads the text after it: it stays a heading when the next block is
/// a paragraph, a list item or a deeper heading without markup, and is read as a paragraph
/// otherwise (nothing under it, or a heading of its level or above next), so no text is lost.
fn resolve_pseudo_headings(blocks: &mut [Block]) {
    for i in (0..blocks.len()).rev() {
        if let Kind::Pseudo(level) = blocks[i].kind {
            let heads = match blocks.get(i + 1).map(|b| b.kind) {
                Some(Kind::Para | Kind::Item) => true,
                Some(Kind::Heading(next)) => next > level,
                _ => false,
            };
            blocks[i].kind = if heads {
                Kind::Heading(level)
            } else {
                Kind::Para
            };
        }
    }
}

fn is_table_separator(t: &str) -> bool {
    t.starts_with('|')
        && t.contains('-')
        && t.bytes()
            .all(|b| matches!(b, b'|' | b'-' | b':' | b' ' | b'\t'))
}

/// Strip inline Markdown: images and links keep their text, emphasis and code marks go,
/// inline HTML tags go, entities are decoded, backslash escapes are resolved.
fn md_inline(s: &str) -> String {
    let chars: Vec<char> = s.chars().collect();
    let mut out = String::with_capacity(s.len());
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        match c {
            '\\' if i + 1 < chars.len() && chars[i + 1].is_ascii_punctuation() => {
                out.push(chars[i + 1]);
                i += 2;
            }
            '!' if chars.get(i + 1) == Some(&'[') => {
                i += 1;
            }
            '[' => {
                // [text](url) or [text][ref] → text; find the matching ']' within 2000 chars.
                let mut depth = 0;
                let mut j = i;
                let limit = (i + 2000).min(chars.len());
                let mut close = None;
                while j < limit {
                    match chars[j] {
                        '[' => depth += 1,
                        ']' => {
                            depth -= 1;
                            if depth == 0 {
                                close = Some(j);
                                break;
                            }
                        }
                        _ => {}
                    }
                    j += 1;
                }
                match close {
                    Some(cl) if matches!(chars.get(cl + 1), Some('(') | Some('[')) => {
                        let open = chars[cl + 1];
                        let closing = if open == '(' { ')' } else { ']' };
                        let mut k = cl + 2;
                        let mut paren = 1;
                        let limit = (k + 4000).min(chars.len());
                        while k < limit {
                            if chars[k] == open {
                                paren += 1;
                            } else if chars[k] == closing {
                                paren -= 1;
                                if paren == 0 {
                                    break;
                                }
                            }
                            k += 1;
                        }
                        let inner: String = chars[i + 1..cl].iter().collect();
                        out.push_str(&md_inline(&inner));
                        i = (k + 1).min(chars.len()).max(cl + 1);
                    }
                    _ => {
                        out.push(c);
                        i += 1;
                    }
                }
            }
            '*' | '`' => i += 1,
            '_' => {
                let prev_word = i > 0 && chars[i - 1].is_alphanumeric();
                let next_word = chars.get(i + 1).is_some_and(|n| n.is_alphanumeric());
                if prev_word && next_word {
                    out.push('_');
                }
                i += 1;
            }
            '<' => {
                // Inline HTML tag or autolink.
                let end = chars[i..].iter().take(300).position(|&x| x == '>');
                match end {
                    Some(e) if e > 1 => {
                        let inner: String = chars[i + 1..i + e].iter().collect();
                        if inner.contains("://") || inner.contains('@') && !inner.contains(' ') {
                            out.push_str(&inner);
                        } else if inner.starts_with(|ch: char| {
                            ch.is_ascii_alphabetic() || ch == '/' || ch == '!'
                        }) {
                            out.push(' ');
                        } else {
                            out.push('<');
                            i += 1;
                            continue;
                        }
                        i += e + 1;
                    }
                    _ => {
                        out.push('<');
                        i += 1;
                    }
                }
            }
            '&' => {
                let (decoded, used) = decode_entity(&chars[i..]);
                out.push_str(&decoded);
                i += used;
            }
            _ => {
                out.push(c);
                i += 1;
            }
        }
    }
    out
}

// ------------------------------------------------------------------------------------------
// HTML
// ------------------------------------------------------------------------------------------

fn html_blocks(content: &str) -> Vec<Block> {
    let bytes = content.as_bytes();
    let lower = content.to_ascii_lowercase();
    let mut blocks = Vec::new();
    let mut text = String::new();
    let mut kind = Kind::Para;
    let mut start: Option<usize> = None;
    let mut end = 0usize;
    let mut i = 0;
    // Open `b`/`strong`/`em`/`i` and `a` elements: a paragraph wholly in bold may be a heading.
    let mut emphasis = 0u32;
    let mut anchor = 0u32;
    let mut marks = Marks::default();

    let flush = |blocks: &mut Vec<Block>,
                 text: &mut String,
                 kind: Kind,
                 start: &mut Option<usize>,
                 end: usize,
                 marks: &mut Marks| {
        if let Some(s) = start.take() {
            let decoded = collapse_ws(&decode_entities_str(text));
            let kind = match kind {
                Kind::Para => pseudo_heading_level(&decoded, marks).map_or(kind, Kind::Pseudo),
                _ => kind,
            };
            push_block(blocks, kind, &decoded, s, end.max(s));
        }
        text.clear();
        *marks = Marks::default();
    };

    while i < bytes.len() {
        if bytes[i] == b'<' {
            // Comment.
            if lower[i..].starts_with("<!--") {
                i = lower[i + 4..]
                    .find("-->")
                    .map_or(bytes.len(), |p| i + 4 + p + 3);
                continue;
            }
            // Tag name.
            let rest = &lower[i + 1..];
            let closing = rest.starts_with('/');
            let name_start = i + 1 + usize::from(closing);
            let name: String = lower[name_start..]
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric())
                .collect();
            if name.is_empty() && !rest.starts_with('!') && !rest.starts_with('?') {
                // A stray '<' is text.
                if start.is_none() {
                    start = Some(i);
                }
                text.push('<');
                end = i + 1;
                i += 1;
                continue;
            }
            let tag_end = tag_end(bytes, i + 1);
            if !closing
                && matches!(
                    name.as_str(),
                    "script" | "style" | "head" | "template" | "svg" | "noscript" | "iframe"
                )
            {
                let needle = format!("</{name}");
                i = lower[tag_end..].find(&needle).map_or(bytes.len(), |p| {
                    let close_start = tag_end + p;
                    self::tag_end(bytes, close_start + 1)
                });
                continue;
            }
            match name.as_str() {
                "h1" | "h2" | "h3" | "h4" | "h5" | "h6" => {
                    flush(&mut blocks, &mut text, kind, &mut start, end, &mut marks);
                    kind = if closing {
                        Kind::Para
                    } else {
                        Kind::Heading(name.as_bytes()[1] - b'0')
                    };
                }
                "li" | "dt" | "dd" | "tr" => {
                    flush(&mut blocks, &mut text, kind, &mut start, end, &mut marks);
                    kind = if closing { Kind::Para } else { Kind::Item };
                }
                "p" | "div" if kind == Kind::Item => {
                    // Inside a list item a nested paragraph stays in the item.
                }
                "p" | "div" | "section" | "article" | "ul" | "ol" | "dl" | "table" | "thead"
                | "tbody" | "blockquote" | "header" | "footer" | "nav" | "main" | "aside"
                | "pre" | "form" | "hr" | "body" | "html" | "figure" | "figcaption" | "address"
                | "details" | "summary" | "caption" => {
                    flush(&mut blocks, &mut text, kind, &mut start, end, &mut marks);
                    if !matches!(kind, Kind::Heading(_)) {
                        kind = Kind::Para;
                    }
                }
                "br" | "td" | "th" => text.push(' '),
                "b" | "strong" | "em" | "i" => {
                    emphasis = if closing {
                        emphasis.saturating_sub(1)
                    } else {
                        emphasis + 1
                    };
                }
                "a" => {
                    anchor = if closing {
                        anchor.saturating_sub(1)
                    } else {
                        anchor + 1
                    };
                }
                _ => {}
            }
            i = tag_end;
            continue;
        }
        // Text run up to the next '<'.
        let next = content[i..].find('<').map_or(bytes.len(), |p| i + p);
        let run = &content[i..next];
        if !run.trim().is_empty() {
            if start.is_none() {
                start = Some(i + (run.len() - run.trim_start().len()));
            }
            end = i + run.trim_end().len();
            marks.plain |= emphasis == 0;
            marks.linked |= anchor > 0;
        }
        text.push_str(run);
        i = next;
    }
    flush(&mut blocks, &mut text, kind, &mut start, end, &mut marks);
    blocks
}

/// Byte offset just past the `>` closing the tag that starts before `from`, honouring quotes;
/// the end of input when there is none.
fn tag_end(bytes: &[u8], from: usize) -> usize {
    let mut quote: Option<u8> = None;
    let mut j = from;
    while j < bytes.len() {
        let b = bytes[j];
        match quote {
            Some(q) if b == q => quote = None,
            Some(_) => {}
            None if b == b'"' || b == b'\'' => quote = Some(b),
            None if b == b'>' => return j + 1,
            None => {}
        }
        j += 1;
        // A runaway quote: give up on quotes after 4 KB and take the next '>'.
        if quote.is_some() && j - from > 4096 {
            return bytes[from..]
                .iter()
                .position(|&x| x == b'>')
                .map_or(bytes.len(), |p| from + p + 1);
        }
    }
    bytes.len()
}

fn decode_entities_str(s: &str) -> String {
    if !s.contains('&') {
        return s.to_string();
    }
    let chars: Vec<char> = s.chars().collect();
    let mut out = String::with_capacity(s.len());
    let mut i = 0;
    while i < chars.len() {
        if chars[i] == '&' {
            let (d, used) = decode_entity(&chars[i..]);
            out.push_str(&d);
            i += used;
        } else {
            out.push(chars[i]);
            i += 1;
        }
    }
    out
}

/// Decode one entity at the start of `chars` (which starts with `&`): (text, chars used).
fn decode_entity(chars: &[char]) -> (String, usize) {
    let semi = chars.iter().take(12).position(|&c| c == ';');
    let Some(semi) = semi else {
        return ("&".to_string(), 1);
    };
    let name: String = chars[1..semi].iter().collect();
    let decoded = if let Some(num) = name.strip_prefix('#') {
        let value = if let Some(hex) = num.strip_prefix(['x', 'X']) {
            u32::from_str_radix(hex, 16).ok()
        } else {
            num.parse::<u32>().ok()
        };
        value.map(|v| char::from_u32(v).unwrap_or('\u{FFFD}').to_string())
    } else {
        let s = match name.as_str() {
            "amp" => "&",
            "lt" => "<",
            "gt" => ">",
            "quot" => "\"",
            "apos" => "'",
            "nbsp" | "ensp" | "emsp" | "thinsp" => " ",
            "mdash" => "—",
            "ndash" => "–",
            "rsquo" => "’",
            "lsquo" => "‘",
            "rdquo" => "”",
            "ldquo" => "“",
            "hellip" => "…",
            "copy" => "©",
            "reg" => "®",
            "trade" => "™",
            "middot" => "·",
            "bull" => "•",
            "sect" => "§",
            "laquo" => "«",
            "raquo" => "»",
            _ => "",
        };
        (!s.is_empty()).then(|| s.to_string())
    };
    match decoded {
        Some(d) => (d, semi + 1),
        None => ("&".to_string(), 1),
    }
}

// ------------------------------------------------------------------------------------------
// Grouping blocks into segments
// ------------------------------------------------------------------------------------------

struct Builder {
    title: Option<String>,
    headings: Vec<String>,
    marked_headings: usize,
    text: String,
    start: usize,
    end: usize,
}

/// The level of the shallowest heading the splitter reads without markup; marked headings
/// (`#` to `######`, `<h1>` to `<h6>`) are 1 to 6.
const UNMARKED_LEVEL: u8 = 7;

/// How many headings of a heading stack, from the outermost, are marked in the source (levels
/// rise along the stack, and unmarked ones sit below every marked one).
fn marked(stack: &[(u8, String)]) -> usize {
    stack.iter().filter(|(l, _)| *l < UNMARKED_LEVEL).count()
}

fn group(content: &str, blocks: Vec<Block>) -> Vec<Segment> {
    let mut stack: Vec<(u8, String)> = Vec::new();
    let mut out: Vec<Builder> = Vec::new();
    // Whether the last builder may still take list items (no heading since).
    let mut open = false;
    for b in blocks {
        match b.kind {
            Kind::Heading(level) => {
                open = false;
                while stack.last().is_some_and(|(l, _)| *l >= level) {
                    stack.pop();
                }
                stack.push((level, b.text));
            }
            Kind::Para | Kind::Pseudo(_) => {
                out.push(Builder {
                    title: stack.last().map(|(_, t)| t.clone()),
                    headings: stack.iter().map(|(_, t)| t.clone()).collect(),
                    marked_headings: marked(&stack),
                    text: b.text,
                    start: b.start,
                    end: b.end,
                });
                open = true;
            }
            Kind::Item => {
                let item = format!("- {}", b.text);
                match out.last_mut() {
                    Some(last) if open => {
                        last.text.push('\n');
                        last.text.push_str(&item);
                        last.end = last.end.max(b.end);
                    }
                    _ => {
                        out.push(Builder {
                            title: stack.last().map(|(_, t)| t.clone()),
                            headings: stack.iter().map(|(_, t)| t.clone()).collect(),
                            marked_headings: marked(&stack),
                            text: item,
                            start: b.start,
                            end: b.end,
                        });
                        open = true;
                    }
                }
            }
        }
    }
    // Byte → char offsets in one pass.
    let mut points: Vec<usize> = out.iter().flat_map(|b| [b.start, b.end]).collect();
    points.sort_unstable();
    points.dedup();
    let map = byte_to_char(content, &points);
    out.into_iter()
        .map(|b| {
            let start = map.get(&b.start).copied().unwrap_or(0);
            let end = map.get(&b.end).copied().unwrap_or(start).max(start);
            Segment {
                title: b.title,
                headings: b.headings,
                marked_headings: b.marked_headings,
                text: b.text,
                start,
                end,
            }
        })
        .collect()
}

/// Char offsets of the given sorted byte offsets (a byte inside a char counts as that char).
fn byte_to_char(content: &str, sorted_bytes: &[usize]) -> std::collections::HashMap<usize, usize> {
    let mut map = std::collections::HashMap::with_capacity(sorted_bytes.len());
    let mut k = 0;
    let mut chars = 0;
    for (byte, _) in content.char_indices() {
        while k < sorted_bytes.len() && sorted_bytes[k] <= byte {
            map.insert(sorted_bytes[k], chars);
            k += 1;
        }
        if k == sorted_bytes.len() {
            break;
        }
        chars += 1;
    }
    while k < sorted_bytes.len() {
        map.insert(sorted_bytes[k], chars);
        k += 1;
    }
    map
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markdown_headings_lists_links() {
        let md = "# Privacy\n\n## How we use data\n\nWe use data to:\n\n- provide the [Services](https://x.y)\n- train **AI** models\n\nAnother paragraph.\n";
        let segs = split_policy(md, SourceFormat::Markdown);
        assert_eq!(segs.len(), 2);
        assert_eq!(segs[0].title.as_deref(), Some("How we use data"));
        assert_eq!(segs[0].headings, vec!["Privacy", "How we use data"]);
        assert_eq!(
            segs[0].text,
            "We use data to:\n- provide the Services\n- train AI models"
        );
        let src: String = md
            .chars()
            .skip(segs[1].start)
            .take(segs[1].end - segs[1].start)
            .collect();
        assert_eq!(src, "Another paragraph.");
    }

    /// Each segment's title and text.
    fn titled(segs: &[Segment]) -> Vec<(Option<&str>, &str)> {
        segs.iter()
            .map(|s| (s.title.as_deref(), s.text.as_str()))
            .collect()
    }

    #[test]
    fn markdown_headings_without_markup_give_titles() {
        let md = "# Terms\n\n**4\\. Using the Platform**\n\nYou may use it.\n\n4.2 Branded Content\n\nLabel ads.\n\n- one\n\n**Research**\n\n- We study trends.\n\n## Next\n\nText.\n";
        let segs = split_policy(md, SourceFormat::Markdown);
        assert_eq!(
            titled(&segs),
            vec![
                (Some("4. Using the Platform"), "You may use it."),
                (Some("4.2 Branded Content"), "Label ads.\n- one"),
                (Some("Research"), "- We study trends."),
                (Some("Next"), "Text."),
            ]
        );
        // A numbered section nests under the one whose number it extends.
        assert_eq!(
            segs[1].headings,
            vec!["Terms", "4. Using the Platform", "4.2 Branded Content"]
        );
        // Under a marked heading, a heading without markup gives way to the next marked one.
        assert_eq!(segs[3].headings, vec!["Terms", "Next"]);
        let marked: Vec<usize> = segs.iter().map(|s| s.marked_headings).collect();
        assert_eq!(marked, vec![1, 1, 1, 2]);
        // With no marked heading above, a document's headings are all the splitter's.
        let segs = split_policy("**1\\. Who Can Use It**\n\nAdults.", SourceFormat::Markdown);
        assert_eq!(segs[0].headings, vec!["1. Who Can Use It"]);
        assert_eq!(segs[0].marked_headings, 0);
    }

    #[test]
    fn html_paragraphs_wholly_in_bold_give_titles() {
        let html = "<h1>Policy</h1><p><strong>Research</strong></p><p>We study <b>trends</b>.</p>\
            <p><b>Go</b> <a href='/x'>home</a></p><p>Then.</p><p>4.1 Your Rights</p><ul><li>Ask.</li></ul>";
        let segs = split_policy(html, SourceFormat::Html);
        assert_eq!(
            titled(&segs),
            vec![
                (Some("Research"), "We study trends."),
                (Some("Research"), "Go home"),
                (Some("Research"), "Then."),
                (Some("4.1 Your Rights"), "- Ask."),
            ]
        );
    }

    #[test]
    fn lines_that_head_nothing_or_are_no_heading_stay_text() {
        for (md, why) in [
            ("Intro.\n\n**Research**\n", "nothing follows it"),
            (
                "Intro.\n\n**Research**\n\n## Next\n\nText.",
                "a marked heading follows",
            ),
            (
                "**Legitimate interests relied on:**\n\nText.",
                "a label ends with a colon",
            ),
            ("_Effective: May 28, 2026_\n\nText.", "a date line"),
            (
                "**[Go to Account](https://x.y)**\n\nText.",
                "a link is navigation",
            ),
            ("**We do not sell data**\n\nText.", "a statement"),
            ("37 Albert Embankment\n\nLondon", "a number without a dot"),
            ("_close_\n\nText.", "lower case"),
            (
                "**Bold** and **more**\n\nText.",
                "emphasis on part of the line",
            ),
        ] {
            let segs = split_policy(md, SourceFormat::Markdown);
            assert!(
                segs.iter()
                    .all(|s| s.title.is_none() || s.title.as_deref() == Some("Next")),
                "{why}: {segs:?}"
            );
        }
    }

    #[test]
    fn html_blocks_and_entities() {
        let html = "<html><head><title>x</title><script>var a='<p>';</script></head><body><h2>Sharing &amp; you</h2><p>We share:</p><ul><li>with <b>partners</b></li><li>with ads</li></ul><p>Caf&eacute; &#8217; done</p></body></html>";
        let segs = split_policy(html, SourceFormat::Html);
        assert_eq!(segs.len(), 2, "{segs:?}");
        assert_eq!(segs[0].title.as_deref(), Some("Sharing & you"));
        assert_eq!(segs[0].text, "We share:\n- with partners\n- with ads");
        assert!(segs[1].text.contains('’'));
    }

    #[test]
    fn text_paragraphs() {
        let t = "Data Retention\n\nWe keep data\nfor 30 days.\n\n1. first\n2. second\n";
        let segs = split_policy(t, SourceFormat::Text);
        assert_eq!(segs.len(), 1, "{segs:?}");
        assert_eq!(segs[0].title.as_deref(), Some("Data Retention"));
        assert_eq!(segs[0].text, "We keep data for 30 days.\n- first\n- second");
    }

    #[test]
    fn detects_formats() {
        assert_eq!(detect_format(Path::new("a.md"), ""), SourceFormat::Markdown);
        assert_eq!(
            detect_format(Path::new("a"), "<!DOCTYPE html><p>x"),
            SourceFormat::Html
        );
        assert_eq!(
            detect_format(Path::new("a"), "# Title\n\ntext"),
            SourceFormat::Markdown
        );
        assert_eq!(
            detect_format(Path::new("a"), "plain words"),
            SourceFormat::Text
        );
    }

    #[test]
    fn never_panics() {
        let nasty = [
            "<",
            "<<<<",
            "<!--",
            "<a href='",
            "<script>",
            "&",
            "&#xFFFFFFFF;",
            "&#;",
            "[",
            "[a](",
            "](",
            "(a) ",
            "1.",
            "- ",
            "#",
            "####### x",
            "| a |",
            "```",
            "é<é>é",
            "\u{0}\u{FFFF}",
            "<h7>x</h7>",
            "<li><li><li>",
            "\r\n\r\n",
            "[[[[[[",
        ];
        for n in nasty {
            for f in [
                SourceFormat::Text,
                SourceFormat::Markdown,
                SourceFormat::Html,
            ] {
                let segs = split_policy(n, f);
                for s in segs {
                    assert!(s.start <= s.end && s.end <= n.chars().count());
                }
                let long = n.repeat(2000);
                let _ = split_policy(&long, f);
            }
        }
    }
}
