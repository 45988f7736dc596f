//! SARIF 2.1.0 output (`clausemap evaluate --format sarif`), for code-scanning tools.
//!
//! Takes the rule set and outcomes, one at a time; writes one SARIF log with one run, streamed:
//! `tool.driver.rules` lists every finding rule (citation, regulation, jurisdiction and
//! severity in its property bag), then each finding is a result located in the provision file
//! at the line and column of its provision's `id:` ([`Locator`]). A finding that applies is a
//! `fail` result at a level from its severity; an undetermined one is `open`, an upcoming one
//! `informational`. A reviewer's `dismiss` or `accept-risk` becomes an external suppression
//! (in effect: SARIF reads a suppression without `status` as accepted). Problems with a provision are tool notifications of the invocation.

use std::collections::HashMap;
use std::io::{self, Write};
use std::path::Path;

use serde_json::{json, Map, Value};

use crate::date::Date;
use crate::eval::{Finding, Outcome, Status};
use crate::rules::{RuleSet, Severity};

/// The schema URI written as `$schema`.
pub const SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";

/// Where each provision id is written in a provision file: 1-based line and column of its
/// `id` key, for YAML (`id: X`, `- id: "X"`, `{id: X}`) and JSON (`"id": "X"`).
#[derive(Debug, Default)]
pub struct Locator {
    places: HashMap<String, Vec<(usize, usize, bool)>>,
}

impl Locator {
    /// Index a file's text.
    pub fn new(text: &str) -> Locator {
        let mut places: HashMap<String, Vec<(usize, usize, bool)>> = HashMap::new();
        let mut after_provisions = false;
        for (n, line) in text.lines().enumerate() {
            let mut from = 0;
            while let Some(i) = line[from..].find("id") {
                let at = from + i;
                from = at + 2;
                if let Some(value) = id_value(line, at) {
                    let col = line[..at].chars().count() + 1;
                    let col = if line[..at].ends_with('"') {
                        col - 1
                    } else {
                        col
                    };
                    places
                        .entry(value)
                        .or_default()
                        .push((n + 1, col, after_provisions));
                }
            }
            if line.contains("provisions") {
                after_provisions = true;
            }
        }
        Locator { places }
    }

    /// The line and column of a provision's `id`, preferring one inside `provisions`.
    pub fn find(&self, id: &str) -> Option<(usize, usize)> {
        let all = self.places.get(id)?;
        all.iter()
            .find(|p| p.2)
            .or_else(|| all.first())
            .map(|p| (p.0, p.1))
    }
}

/// If `line[at..]` starts an `id` key, the value written after it.
fn id_value(line: &str, at: usize) -> Option<String> {
    let before = line[..at].chars().next_back();
    let quoted_key = before == Some('"');
    let key_start_ok = match before {
        None => true,
        Some(c) => c == ' ' || c == '{' || c == ',' || c == '-' || c == '"' || c == '\'',
    };
    if !key_start_ok {
        return None;
    }
    let mut rest = &line[at + 2..];
    if quoted_key {
        rest = rest.strip_prefix('"')?;
    }
    let rest = rest.trim_start_matches([' ', '\t']).strip_prefix(':')?;
    let rest = rest.trim_start_matches([' ', '\t']);
    let value = if let Some(q) = rest.strip_prefix('"') {
        let mut out = String::new();
        let mut chars = q.chars();
        while let Some(c) = chars.next() {
            match c {
                '"' => return Some(out),
                '\\' => out.push(chars.next()?),
                c => out.push(c),
            }
        }
        return None;
    } else if let Some(q) = rest.strip_prefix('\'') {
        q.split('\'').next()?.to_string()
    } else {
        rest.split([',', '}', '#'])
            .next()
            .unwrap_or("")
            .trim()
            .to_string()
    };
    (!value.is_empty()).then_some(value)
}

fn level(f: &Finding) -> &'static str {
    if f.status != Status::Applies {
        return "none";
    }
    match f.severity {
        Severity::Critical | Severity::High => "error",
        Severity::Medium => "warning",
        Severity::Low => "note",
    }
}

fn kind(f: &Finding) -> &'static str {
    match f.status {
        Status::Applies => "fail",
        Status::Undetermined => "open",
        Status::Upcoming => "informational",
    }
}

/// A file path as a relative URI reference (forward slashes, reserved bytes escaped).
pub fn path_uri(path: &Path) -> String {
    let text = path.to_string_lossy().replace('\\', "/");
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b'/' => {
                out.push(b as char)
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// The SARIF state of one run: the rule index, the current file and what was written.
pub struct SarifRun {
    rule_index: HashMap<String, usize>,
    file: Option<(String, Locator)>,
    results: usize,
    notifications: Vec<Value>,
}

impl SarifRun {
    /// Write the log's head and the rule metadata; results follow.
    pub fn start(out: &mut impl Write, set: &RuleSet, as_of: Date) -> io::Result<SarifRun> {
        let mut rules = Vec::new();
        let mut rule_index = HashMap::new();
        for rule in set.rules.iter().filter(|r| r.is_finding()) {
            let pack = &set.packs[rule.pack];
            let source = set.source_of(rule);
            let mut r = json!({
                "id": rule.id,
                "shortDescription": {"text": rule.title},
                "fullDescription": {"text": rule.obligation},
                "help": {"text": format!("{} — {}", rule.citation, rule.obligation)},
                "defaultConfiguration": {"level": match rule.severity {
                    Severity::Critical | Severity::High => "error",
                    Severity::Medium => "warning",
                    Severity::Low => "note",
                }},
                "properties": {
                    "citation": rule.citation,
                    "article": rule.article,
                    "regulation": pack.regulation,
                    "jurisdiction": rule.jurisdiction,
                    "severity": rule.severity.as_str(),
                    "in_force": rule.in_force.to_string(),
                    "agencies": rule.agencies,
                    "tags": [pack.regulation, rule.jurisdiction, rule.severity.as_str()],
                },
            });
            if source.starts_with("http://") || source.starts_with("https://") {
                r["helpUri"] = json!(source);
            }
            rule_index.insert(rule.id.clone(), rules.len());
            rules.push(r);
        }
        let driver = json!({
            "name": "clausemap",
            "version": crate::report::VERSION,
            "semanticVersion": crate::report::VERSION,
            "rules": rules,
        });
        let receipt =
            serde_json::to_value(crate::report::receipt(set, as_of)).map_err(io::Error::other)?;
        write!(
            out,
            "{{\"$schema\":{},\"version\":\"2.1.0\",\"runs\":[{{\"tool\":{{\"driver\":{}}},\"columnKind\":\"unicodeCodePoints\",\"properties\":{{\"receipt\":{}}},\"results\":[",
            json!(SCHEMA),
            driver,
            receipt
        )?;
        Ok(SarifRun {
            rule_index,
            file: None,
            results: 0,
            notifications: Vec::new(),
        })
    }

    /// The outcomes that follow come from this file (read again here to find each provision's
    /// line; a file that cannot be read gives results without a region).
    pub fn begin_file(&mut self, path: &Path) {
        if path.as_os_str() == "-" {
            self.file = None;
            return;
        }
        let text = std::fs::read_to_string(path).unwrap_or_default();
        self.file = Some((path_uri(path), Locator::new(&text)));
    }

    /// Write the results of one provision.
    pub fn write(&mut self, out: &mut impl Write, o: &Outcome) -> io::Result<()> {
        for e in &o.errors {
            self.notifications.push(json!({
                "level": "error",
                "message": {"text": format!("provision `{}` of `{}`: {e}", o.id, o.document)},
            }));
        }
        for f in &o.findings {
            let mut location = Map::new();
            if let Some((uri, locator)) = &self.file {
                let mut physical = json!({"artifactLocation": {"uri": uri}});
                if let Some((line, col)) = locator.find(&o.id) {
                    physical["region"] = json!({"startLine": line, "startColumn": col});
                }
                location.insert("physicalLocation".into(), physical);
            }
            location.insert(
                "logicalLocations".into(),
                json!([{
                    "name": o.id,
                    "fullyQualifiedName": format!("{}/{}", o.document, o.id),
                    "kind": "provision",
                }]),
            );
            let status = match (f.status, f.in_force) {
                (Status::Upcoming, Some(d)) => format!("upcoming (in force {d})"),
                (s, _) => s.as_str().to_string(),
            };
            let mut text = format!(
                "{} ({}, {}, {}): {}",
                f.citation,
                f.jurisdiction,
                f.severity.as_str(),
                status,
                f.title
            );
            if !f.missing.is_empty() {
                text.push_str(&format!(" — unknown: {}", f.missing.join("; ")));
            }
            let mut result = json!({
                "ruleId": f.rule,
                "kind": kind(f),
                "level": level(f),
                "message": {"text": text},
                "locations": [Value::Object(location)],
                "partialFingerprints": {"provisionText/v1": o.sha256},
                "properties": {
                    "provision": o.id,
                    "document": o.document,
                    "entity": o.entity,
                    "regulation": f.regulation,
                    "citation": f.citation,
                    "jurisdiction": f.jurisdiction,
                    "severity": f.severity.as_str(),
                    "status": f.status.as_str(),
                    "because": f.because,
                    "missing": f.missing,
                    "source": f.source,
                },
            });
            if let Some(i) = self.rule_index.get(&*f.rule) {
                result["ruleIndex"] = json!(i);
            }
            if let Some(review) = &f.review {
                result["properties"]["review"] = review.clone();
                let state = review.get("state").and_then(Value::as_str);
                if matches!(state, Some("dismissed" | "accepted-risk")) {
                    let reason = review
                        .get("reason")
                        .and_then(Value::as_str)
                        .unwrap_or_default();
                    // No `status`: absent means accepted, and the published 2.1.0 schema and
                    // its errata disagree on the key's name (`state` / `status`).
                    result["suppressions"] = json!([{
                        "kind": "external",
                        "justification": format!("{}: {reason}", state.unwrap_or_default()),
                    }]);
                }
            }
            if self.results > 0 {
                out.write_all(b",")?;
            }
            serde_json::to_writer(&mut *out, &result).map_err(io::Error::other)?;
            self.results += 1;
        }
        Ok(())
    }

    /// Close the results and write the invocation, with any problems as notifications.
    pub fn finish(self, out: &mut impl Write) -> io::Result<()> {
        let invocation = json!({
            "executionSuccessful": true,
            "toolExecutionNotifications": self.notifications,
        });
        writeln!(out, "],\"invocations\":[{invocation}]}}]}}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_ids_in_yaml_and_json() {
        let yaml = "entity:\n  id: P1\nprovisions:\n  - id: P1\n    text: x\n  - title: t\n    id: \"P2\"\n";
        let l = Locator::new(yaml);
        assert_eq!(l.find("P1"), Some((4, 5)));
        assert_eq!(l.find("P2"), Some((7, 5)));
        let json = r#"{"provisions":[{"id":"A","text":"x"},{"id": "B"}]}"#;
        let l = Locator::new(json);
        assert_eq!(l.find("A"), Some((1, 17)));
        assert_eq!(l.find("B"), Some((1, 39)));
        assert_eq!(l.find("C"), None);
        // `valid:` and `paid:` are not `id:` keys.
        assert_eq!(Locator::new("paid: Q\nvalid: Q\n").find("Q"), None);
    }

    #[test]
    fn escapes_paths() {
        assert_eq!(path_uri(Path::new("a b/p#1.yaml")), "a%20b/p%231.yaml");
    }
}
