//! Outcomes as JSON, written by hand: the same bytes serde_json would write, without walking
//! every finding's fixed strings again. Each finding rule's fixed part is escaped once per rule
//! set ([`crate::eval::parts`]); a finding then costs a copy of that part (or, rendered as
//! [`Pieces`], a reference to it) plus its status, `because` and `missing`.

use std::io::IoSlice;

use crate::date::Date;
use crate::eval::parts::{self, push_key, push_list, push_str};
use crate::eval::{Finding, Flag, Outcome, Status};
use crate::rules::RuleSet;

/// Where rendered JSON goes: text, and the fixed parts of the rule set's findings, which a
/// sink may copy or only point to ([`Pieces`]).
pub trait Sink {
    /// The text written so far, to append to.
    fn text(&mut self) -> &mut String;
    /// The fixed part `part` of finding rule `rule`, whose text is `text`, at this point.
    fn fixed(&mut self, rule: usize, part: Part, text: &str);
}

/// Which fixed part of a finding rule ([`parts::Parts`]).
#[derive(Clone, Copy, Debug)]
pub enum Part {
    Head,
    Middle,
    Tail,
}

impl Part {
    fn of(self, p: &parts::Parts) -> &str {
        match self {
            Part::Head => &p.json_head,
            Part::Middle => &p.json_middle,
            Part::Tail => &p.json_tail,
        }
    }
}

impl Sink for String {
    fn text(&mut self) -> &mut String {
        self
    }

    fn fixed(&mut self, _rule: usize, _part: Part, text: &str) {
        self.push_str(text);
    }
}

/// Rendered JSON as pieces: runs of its own text, and the fixed parts of findings, pointed to
/// rather than copied. A finding's fixed parts are 1.4 KB of its 1.5; written with one vectored
/// write, they are copied once, by the system, or not at all when output is discarded.
#[derive(Default)]
pub struct Pieces {
    text: String,
    /// In order: where a run of `text` ends, or a rule's fixed part.
    pieces: Vec<Piece>,
    /// Where the run of `text` not yet in `pieces` starts.
    run: usize,
}

enum Piece {
    Own(usize),
    Fixed(usize, Part),
}

/// Fixed parts shorter than this are copied: a slice of its own costs more than the copy.
const POINT_TO: usize = 256;

impl Sink for Pieces {
    fn text(&mut self) -> &mut String {
        &mut self.text
    }

    fn fixed(&mut self, rule: usize, part: Part, text: &str) {
        if text.len() < POINT_TO {
            self.text.push_str(text);
            return;
        }
        self.end_run();
        self.pieces.push(Piece::Fixed(rule, part));
    }
}

impl Pieces {
    /// Close the run of text written since the last piece.
    fn end_run(&mut self) {
        if self.text.len() > self.run {
            self.run = self.text.len();
            self.pieces.push(Piece::Own(self.run));
        }
    }

    /// Empty, keeping the buffers.
    pub fn clear(&mut self) {
        self.text.clear();
        self.pieces.clear();
        self.run = 0;
    }

    /// The length of its own text (without the fixed parts it points to).
    pub fn own_len(&self) -> usize {
        self.text.len()
    }

    /// Room for `n` more bytes of its own text.
    pub fn reserve(&mut self, n: usize) {
        self.text.reserve(n);
    }

    /// The bytes, in order, as slices for a vectored write; fixed parts are those of `set`,
    /// which rendered them.
    pub fn slices<'s>(&'s mut self, set: &'s RuleSet) -> Vec<IoSlice<'s>> {
        self.end_run();
        let mut out = Vec::with_capacity(self.pieces.len());
        let mut start = 0;
        for p in &self.pieces {
            match *p {
                Piece::Own(end) => {
                    out.push(IoSlice::new(&self.text.as_bytes()[start..end]));
                    start = end;
                }
                Piece::Fixed(rule, part) => {
                    let text = parts::of(set, rule).map_or("", |p| part.of(p));
                    out.push(IoSlice::new(text.as_bytes()));
                }
            }
        }
        out
    }
}

/// `,"as_of":"…","rules_sha256":"…"`: what JSON Lines adds to every provision's object.
pub fn line_end(as_of: Date, digest: &str) -> String {
    let mut out = String::new();
    push_key(&mut out, "as_of");
    push_str(&mut out, &as_of.to_string());
    push_key(&mut out, "rules_sha256");
    push_str(&mut out, digest);
    out
}

/// Append one outcome as a JSON object; `extra` (fields already written, see [`line_end`]) goes
/// before the closing brace.
pub fn outcome(set: &RuleSet, o: &Outcome, extra: Option<&str>, sink: &mut impl Sink) {
    let out = sink.text();
    out.push_str("{\"id\":");
    push_str(out, &o.id);
    push_key(out, "document");
    push_str(out, &o.document);
    push_key(out, "entity");
    push_str(out, &o.entity);
    push_key(out, "title");
    push_str(out, &o.title);
    push_key(out, "sha256");
    push_str(out, &o.sha256);
    push_key(out, "severity");
    match o.severity {
        Some(s) => push_str(out, s.as_str()),
        None => out.push_str("null"),
    }
    push_key(out, "flags");
    out.push('[');
    for (n, f) in o.flags.iter().enumerate() {
        if n > 0 {
            out.push(',');
        }
        flag(f, out);
    }
    out.push(']');
    push_key(out, "findings");
    out.push('[');
    for (n, f) in o.findings.iter().enumerate() {
        if n > 0 {
            sink.text().push(',');
        }
        finding(set, f, sink);
    }
    let out = sink.text();
    out.push(']');
    push_key(out, "errors");
    push_list(out, &o.errors);
    if let Some(extra) = extra {
        out.push_str(extra);
    }
    out.push('}');
}

/// A status as a JSON string.
fn quoted(s: Status) -> &'static str {
    match s {
        Status::Applies => "\"applies\"",
        Status::Undetermined => "\"undetermined\"",
        Status::Upcoming => "\"upcoming\"",
    }
}

fn flag(f: &Flag, out: &mut String) {
    out.push_str("{\"jurisdiction\":");
    push_str(out, &f.jurisdiction);
    push_key(out, "severity");
    push_str(out, f.severity.as_str());
    push_key(out, "status");
    out.push_str(quoted(f.status));
    if let Some(d) = f.in_force {
        push_key(out, "in_force");
        push_str(out, &d.to_string());
    }
    push_key(out, "regulations");
    push_list(out, &f.regulations);
    out.push('}');
}

fn finding(set: &RuleSet, f: &Finding, sink: &mut impl Sink) {
    // A finding built from these parts shares their strings; any other is written in full.
    let Some(p) = parts::of(set, f.index).filter(|p| std::sync::Arc::ptr_eq(p, &f.parts)) else {
        // Not a finding of this rule set as it was built: write it field by field.
        if let Ok(text) = serde_json::to_string(f) {
            sink.text().push_str(&text);
        }
        return;
    };
    sink.fixed(f.index, Part::Head, &p.json_head);
    let out = sink.text();
    out.push_str(quoted(f.status));
    if let Some(d) = f.in_force {
        push_key(out, "in_force");
        push_str(out, &d.to_string());
    }
    sink.fixed(f.index, Part::Middle, &p.json_middle);
    let out = sink.text();
    out.push('[');
    for (n, b) in f.because.iter().enumerate() {
        if n > 0 {
            out.push(',');
        }
        out.push_str(b.json());
    }
    out.push(']');
    if !f.missing.is_empty() {
        push_key(out, "missing");
        out.push('[');
        for (n, m) in f.missing.iter().enumerate() {
            if n > 0 {
                out.push(',');
            }
            out.push_str(m.json());
        }
        out.push(']');
    }
    sink.fixed(f.index, Part::Tail, &p.json_tail);
    let out = sink.text();
    if let Some(r) = &f.review {
        push_key(out, "review");
        if let Ok(text) = serde_json::to_string(r) {
            out.push_str(&text);
        }
    }
    out.push('}');
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The hand-written JSON is byte for byte what serde_json writes, on the built-in packs
    /// over a synthetic corpus that fires every kind of finding, and on hostile strings; and
    /// so are its pieces, put together.
    #[test]
    fn same_bytes_as_serde() {
        let set = crate::commands::load_rules(None).unwrap();
        let as_of = Date::parse("2026-11-25").unwrap();
        let corpus = crate::synth::provisions_jsonl(&set, 300, 100, 7);
        let mut checked = 0;
        let mut pieces = Pieces::default();
        for line in corpus.lines() {
            let doc = crate::model::to_document("t.jsonl", crate::model::parse_json(line).unwrap());
            for mut o in crate::eval::evaluate_document(&set, &doc, as_of) {
                o.title = "quote \" backslash \\ control \u{1} tab \t é 😀 </script>".into();
                if let Some(f) = o.findings.first_mut() {
                    f.because.push("line\nbreak \u{7f} \u{2028}".into());
                    f.review = Some(serde_json::json!({"state": "confirmed", "by": "a\"b"}));
                }
                let mut ours = String::new();
                outcome(&set, &o, None, &mut ours);
                assert_eq!(ours, serde_json::to_string(&o).unwrap());
                // The same bytes as pieces, their fixed parts pointed to.
                pieces.clear();
                outcome(&set, &o, None, &mut pieces);
                let joined: Vec<u8> = pieces
                    .slices(&set)
                    .iter()
                    .flat_map(|s| s.to_vec())
                    .collect();
                assert_eq!(String::from_utf8(joined).unwrap(), ours);
                checked += o.findings.len();
            }
        }
        assert!(checked > 1000, "only {checked} findings checked");
    }
}
