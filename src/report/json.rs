//! Outcomes as JSON, written by hand: the same bytes serde_json would write, without walking
//! every finding's fixed strings again. Each finding rule's fixed part is escaped once per rule
//! set ([`crate::eval::parts`]); a finding then costs a copy of that part plus its status,
//! `because` and `missing`.

use crate::date::Date;
use crate::eval::parts::{self, push_key, push_list, push_str};
use crate::eval::{Finding, Flag, Outcome, Status};
use crate::rules::RuleSet;

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
pub fn outcome(set: &RuleSet, o: &Outcome, extra: Option<&str>, out: &mut String) {
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
            out.push(',');
        }
        finding(set, f, out);
    }
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

fn finding(set: &RuleSet, f: &Finding, out: &mut String) {
    // A finding built from these parts shares their strings; any other is written in full.
    let Some(p) = parts::of(set, f.index).filter(|p| std::sync::Arc::ptr_eq(p, &f.parts)) else {
        // Not a finding of this rule set as it was built: write it field by field.
        if let Ok(text) = serde_json::to_string(f) {
            out.push_str(&text);
        }
        return;
    };
    out.push_str(&p.json_head);
    out.push_str(quoted(f.status));
    if let Some(d) = f.in_force {
        push_key(out, "in_force");
        push_str(out, &d.to_string());
    }
    out.push_str(&p.json_middle);
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
    out.push_str(&p.json_tail);
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
    /// over a synthetic corpus that fires every kind of finding, and on hostile strings.
    #[test]
    fn same_bytes_as_serde() {
        let set = crate::commands::load_rules(None).unwrap();
        let as_of = Date::parse("2026-11-25").unwrap();
        let corpus = crate::synth::provisions_jsonl(&set, 300, 100, 7);
        let mut checked = 0;
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
                checked += o.findings.len();
            }
        }
        assert!(checked > 1000, "only {checked} findings checked");
    }
}
