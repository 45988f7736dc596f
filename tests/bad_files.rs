//! The catalogue of broken inputs beyond rule packs (those are in `bad_inputs.rs`):
//! vocabularies, provision files, review ledgers and templates under `tests/fixtures/bad/`, and
//! inputs that are odd but valid (BOMs, CRLF, Unicode, a 100 KB clause, 10,000 provisions).
//!
//! Each broken case has a golden file with exactly what a user sees: for rule directories,
//! ledgers and templates the standard error (the exit code must be 2); for provision files the
//! exit code, standard error, and each provision's `errors` from `--format json`, since most
//! problems in a provision file are reported per provision. `UPDATE_GOLDEN=1` rewrites them.

use std::path::{Path, PathBuf};

use crate::support::{golden, root, run_in};

const AS_OF: &str = "2026-11-25";

fn bad(kind: &str) -> PathBuf {
    root().join("tests/fixtures/bad").join(kind)
}

/// The entries of `dir` (sorted) that `keep` accepts, by file name.
fn entries(dir: &Path, keep: impl Fn(&Path) -> bool) -> Vec<String> {
    let mut out: Vec<String> = std::fs::read_dir(dir)
        .expect("fixtures exist")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| keep(p))
        .filter_map(|p| p.file_name().and_then(|n| n.to_str()).map(str::to_string))
        .collect();
    out.sort();
    out
}

/// Run `args` in `dir`; the case must fail with exit 2, print nothing on stdout, and print
/// exactly its golden `<name>.stderr`.
fn expect_failure(dir: &Path, name: &str, args: &[&str], failures: &mut Vec<String>) {
    let out = run_in(dir, args, None);
    if out.code != 2 {
        failures.push(format!(
            "{name}: exit {} instead of 2\n{}",
            out.code, out.stderr
        ));
        return;
    }
    if out.stderr.trim().is_empty() {
        failures.push(format!("{name}: failed without a message"));
    }
    if let Some(diff) = golden(&dir.join(format!("{name}.stderr")), &out.stderr) {
        failures.push(diff);
    }
}

/// `tests/fixtures/bad/vocabulary/<case>/` holds a `vocabulary.yaml` with one problem and a
/// small pack; `clausemap check <case>` must fail with the message in `<case>.stderr`.
#[test]
fn each_broken_vocabulary_fails_with_its_golden_message() {
    let dir = bad("vocabulary");
    let cases = entries(&dir, |p| p.is_dir());
    assert!(
        cases.len() >= 15,
        "the catalogue holds {} cases",
        cases.len()
    );
    let mut failures = Vec::new();
    for case in &cases {
        expect_failure(&dir, case, &["check", case], &mut failures);
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

/// What a user sees for a provision file: the exit code, standard error, and the `errors` of
/// each provision in the JSON output.
fn provision_view(dir: &Path, file: &str) -> (String, bool) {
    let out = run_in(
        dir,
        &["evaluate", file, "--as-of", AS_OF, "--format", "json"],
        None,
    );
    let mut view = format!("exit {}\n--- stderr\n{}", out.code, out.stderr);
    let mut said_something = out.code != 0 && !out.stderr.trim().is_empty();
    view.push_str("--- errors of each provision (stdout, --format json)\n");
    match serde_json::from_str::<serde_json::Value>(&out.stdout) {
        Ok(v) => {
            for p in v["provisions"].as_array().into_iter().flatten() {
                let errors = p["errors"].as_array().cloned().unwrap_or_default();
                said_something |= !errors.is_empty();
                view.push_str(&format!(
                    "{} {}: {}\n",
                    p["document"].as_str().unwrap_or("?"),
                    p["id"].as_str().unwrap_or("?"),
                    serde_json::to_string_pretty(&errors).expect("json")
                ));
            }
        }
        Err(e) => view.push_str(&format!("(stdout is not JSON: {e})\n{}", out.stdout)),
    }
    (view, said_something)
}

/// `tests/fixtures/bad/provisions/<case>.yaml|json|jsonl`, each with `<file>.golden` beside it.
/// Every case must say what is wrong: an exit code of 2 with a message, or an error on a
/// provision. Nothing is silently accepted.
#[test]
fn each_broken_provision_file_has_its_golden_message() {
    let dir = bad("provisions");
    let cases = entries(&dir, |p| {
        p.is_file() && p.extension().is_some_and(|x| x != "golden")
    });
    assert!(
        cases.len() >= 40,
        "the catalogue holds {} cases",
        cases.len()
    );
    let mut failures = Vec::new();
    for case in &cases {
        let (view, said_something) = provision_view(&dir, case);
        if !said_something {
            failures.push(format!("{case}: accepted without a word\n{view}"));
            continue;
        }
        if let Some(diff) = golden(&dir.join(format!("{case}.golden")), &view) {
            failures.push(diff);
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

/// `tests/fixtures/bad/ledgers/<case>.review.yaml`: `clausemap review _policy.yaml --list
/// --ledger <case>.review.yaml` must refuse the ledger with the message in `<case>.stderr`,
/// never read it as an empty one.
#[test]
fn each_broken_ledger_fails_with_its_golden_message() {
    let dir = bad("ledgers");
    let cases = entries(&dir, |p| {
        p.to_str().is_some_and(|s| s.ends_with(".review.yaml"))
    });
    assert!(
        cases.len() >= 15,
        "the catalogue holds {} cases",
        cases.len()
    );
    let mut failures = Vec::new();
    for file in &cases {
        let name = file.trim_end_matches(".review.yaml");
        expect_failure(
            &dir,
            name,
            &[
                "review",
                "_policy.yaml",
                "--list",
                "--ledger",
                file,
                "--as-of",
                AS_OF,
            ],
            &mut failures,
        );
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

/// `tests/fixtures/bad/templates/<case>/` replaces built-in templates with broken ones;
/// `clausemap memo _policy.yaml --templates <case>` must fail with the message in
/// `<case>.stderr`. Recursion (self-includes, include loops, components that call themselves)
/// ends with an error, not a stack overflow.
#[test]
fn each_broken_template_fails_with_its_golden_message() {
    let dir = bad("templates");
    let cases = entries(&dir, |p| p.is_dir());
    assert!(
        cases.len() >= 10,
        "the catalogue holds {} cases",
        cases.len()
    );
    let mut failures = Vec::new();
    for case in &cases {
        expect_failure(
            &dir,
            case,
            &[
                "memo",
                "_policy.yaml",
                "--templates",
                case,
                "--as-of",
                AS_OF,
                "--provision",
                "P1",
            ],
            &mut failures,
        );
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

/// The catalogue is as large as the issue asks: at least 60 broken files in all.
#[test]
fn the_catalogue_holds_at_least_sixty_broken_inputs() {
    let packs = entries(&bad("packs"), |p| p.is_dir()).len();
    let vocabularies = entries(&bad("vocabulary"), |p| p.is_dir()).len();
    let provisions = entries(&bad("provisions"), |p| {
        p.is_file() && p.extension().is_some_and(|x| x != "golden")
    })
    .len();
    let ledgers = entries(&bad("ledgers"), |p| {
        p.to_str().is_some_and(|s| s.ends_with(".review.yaml"))
    })
    .len();
    let templates = entries(&bad("templates"), |p| p.is_dir()).len();
    let total = packs + vocabularies + provisions + ledgers + templates;
    assert!(
        total >= 60,
        "{total} broken inputs: {packs} packs, {vocabularies} vocabularies, {provisions} provision files, {ledgers} ledgers, {templates} templates"
    );
}

// --- Odd but valid: these must work, and give what their plain versions give. ---

const PLAIN: &str = "entity:
  id: acme
  name: Acme
  facts:
    markets: [EU, US-CA]
document:
  id: D1
  title: Acme Privacy Policy
provisions:
  - id: P1
    text: We use your personal data to train AI models.
    attributes:
      data: [personal]
      purpose: [ai_training]
  - id: P2
    text: We share your data with advertisers.
    attributes:
      data: [personal]
      recipients: [advertisers]
      purpose: [advertising.cross_context]
";

fn evaluate_json(dir: &Path, file: &str) -> serde_json::Value {
    let out = run_in(
        dir,
        &["evaluate", file, "--as-of", AS_OF, "--format", "json"],
        None,
    )
    .code(0);
    let v = out.json();
    for p in v["provisions"].as_array().expect("provisions") {
        assert_eq!(
            p["errors"].as_array().map(Vec::len),
            Some(0),
            "{file}: {}",
            p["errors"]
        );
    }
    v
}

/// The parts of the output that must not depend on how the file was written.
fn findings_of(v: &serde_json::Value) -> Vec<(String, String, Vec<String>)> {
    v["provisions"]
        .as_array()
        .expect("provisions")
        .iter()
        .map(|p| {
            let rules = p["findings"]
                .as_array()
                .expect("findings")
                .iter()
                .map(|f| format!("{} {}", f["rule"], f["status"]))
                .collect();
            (
                p["id"].as_str().unwrap_or("").to_string(),
                p["sha256"].as_str().unwrap_or("").to_string(),
                rules,
            )
        })
        .collect()
}

/// [`PLAIN`] as JSON.
fn plain_as_json() -> serde_json::Value {
    serde_json::json!({
        "entity": {"id": "acme", "name": "Acme", "facts": {"markets": ["EU", "US-CA"]}},
        "document": {"id": "D1", "title": "Acme Privacy Policy"},
        "provisions": [
            {"id": "P1", "text": "We use your personal data to train AI models.",
             "attributes": {"data": ["personal"], "purpose": ["ai_training"]}},
            {"id": "P2", "text": "We share your data with advertisers.",
             "attributes": {"data": ["personal"], "recipients": ["advertisers"],
                            "purpose": ["advertising.cross_context"]}}
        ]
    })
}

/// A byte-order mark and Windows line endings change nothing, in YAML, JSON and JSON Lines.
#[test]
fn bom_and_crlf_files_read_like_plain_ones() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let json = serde_json::to_string_pretty(&plain_as_json()).unwrap();
    let line = serde_json::to_string(&plain_as_json()).unwrap();
    let crlf = |s: &str| s.replace('\n', "\r\n");
    let files: Vec<(&str, String)> = vec![
        ("plain.yaml", PLAIN.to_string()),
        ("bom.yaml", format!("\u{feff}{PLAIN}")),
        ("crlf.yaml", crlf(PLAIN)),
        ("bom-crlf.yaml", format!("\u{feff}{}", crlf(PLAIN))),
        ("plain.json", json.clone()),
        ("bom-crlf.json", format!("\u{feff}{}", crlf(&json))),
        ("bom-crlf.jsonl", format!("\u{feff}{line}\r\n\r\n")),
    ];
    for (name, text) in &files {
        std::fs::write(d.join(name), text).unwrap();
    }
    let expected = findings_of(&evaluate_json(d, "plain.yaml"));
    assert!(
        expected.iter().all(|(_, _, f)| !f.is_empty()),
        "the plain file has findings: {expected:?}"
    );
    for (name, _) in &files[1..] {
        assert_eq!(
            findings_of(&evaluate_json(d, name)),
            expected,
            "{name} reads differently"
        );
    }
}

/// Rule packs and the vocabulary with a BOM and CRLF line endings check. Regression: with a
/// BOM, every error in a pack pointed at line 1, column 1 (the span index did not skip it).
#[test]
fn a_bom_or_crlf_does_not_move_error_places_in_rule_files() {
    let dir = tempfile::tempdir().unwrap();
    let rules = dir.path().join("rules");
    std::fs::create_dir(&rules).unwrap();
    for entry in std::fs::read_dir(root().join("rules")).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_str().unwrap().to_string();
        if !name.ends_with(".yaml") {
            continue;
        }
        let text = std::fs::read_to_string(&path).unwrap();
        std::fs::write(
            rules.join(&name),
            format!("\u{feff}{}", text.replace('\n', "\r\n")),
        )
        .unwrap();
    }
    let out = run_in(dir.path(), &["check", "rules"], None);
    assert_eq!(out.code, 0, "{}", out.stderr);

    let pack = std::fs::read_to_string(
        root().join("tests/fixtures/bad/packs/unknown-attribute/pack.yaml"),
    )
    .unwrap();
    let bad = dir.path().join("bad");
    std::fs::create_dir(&bad).unwrap();
    std::fs::write(
        bad.join("pack.yaml"),
        format!("\u{feff}{}", pack.replace('\n', "\r\n")),
    )
    .unwrap();
    let out = run_in(dir.path(), &["check", "bad"], None).code(2);
    assert!(
        out.stderr.contains("[bad/pack.yaml:22:36]"),
        "the place is the same as without BOM and CRLF:\n{}",
        out.stderr
    );
}

/// Clause text in any script, with emoji, combining marks, right-to-left text and zero-width
/// characters, is kept byte for byte: its SHA-256 is that of the text as written.
#[test]
fn unicode_clause_text_is_kept_exactly() {
    let texts = [
        "Wir verwenden Ihre personenbezogenen Daten, um KI-Modelle zu trainieren. Ü ß",
        "我们使用您的个人数据来训练人工智能模型。",
        "نستخدم بياناتك الشخصية لتدريب نماذج الذكاء الاصطناعي",
        "We use your data 🤖🧠 to train models; e\u{301} vs é; zero\u{200b}width; \u{202e}override",
        "Nous utilisons vos données — « personnelles » — pour l’entraînement.",
    ];
    let provisions: Vec<serde_json::Value> = texts
        .iter()
        .enumerate()
        .map(|(i, t)| {
            serde_json::json!({"id": format!("U{i}"), "text": t,
                "attributes": {"data": ["personal"], "purpose": ["ai_training"]}})
        })
        .collect();
    let doc = serde_json::json!({"entity": {"id": "e", "facts": {"markets": ["EU"]}},
        "document": {"id": "D"}, "provisions": provisions});
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("u.json"), doc.to_string()).unwrap();
    let v = evaluate_json(dir.path(), "u.json");
    let out = v["provisions"].as_array().unwrap();
    assert_eq!(out.len(), texts.len());
    for (p, t) in out.iter().zip(texts) {
        assert_eq!(p["sha256"], clausemap::rules::sha256_hex(t), "{t}");
        assert!(!p["findings"].as_array().unwrap().is_empty());
    }
    // The memo shows the text as written.
    let memo = run_in(
        dir.path(),
        &["memo", "u.json", "--as-of", AS_OF, "--provision", "U1"],
        None,
    )
    .code(0);
    assert!(memo.stdout.contains(texts[1]), "{}", memo.stdout);
}

/// A clause of 100 KB is read, evaluated and hashed like any other.
#[test]
fn a_clause_of_100_kb_is_evaluated() {
    let sentence =
        "We may use your personal data to develop and train artificial intelligence models. ";
    let text = sentence.repeat(100 * 1024 / sentence.len() + 1);
    assert!(text.len() > 100 * 1024);
    let doc = serde_json::json!({"entity": {"id": "e", "facts": {"markets": ["EU"]}},
        "document": {"id": "D"},
        "provisions": [{"id": "BIG", "text": text,
            "attributes": {"data": ["personal"], "purpose": ["ai_training"]}}]});
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("big.json"), doc.to_string()).unwrap();
    let v = evaluate_json(dir.path(), "big.json");
    let p = &v["provisions"][0];
    assert_eq!(p["sha256"], clausemap::rules::sha256_hex(&text));
    assert!(!p["findings"].as_array().unwrap().is_empty());
}

/// A policy of 10,000 provisions (generated here, not committed) comes out whole and in order,
/// in YAML and in JSON Lines.
#[test]
fn a_policy_of_ten_thousand_provisions_is_evaluated_whole() {
    let n = 10_000;
    let mut yaml = String::from(
        "entity:\n  id: e\n  facts:\n    markets: [EU]\ndocument:\n  id: D\nprovisions:\n",
    );
    for i in 0..n {
        yaml.push_str(&format!(
            "  - id: P{i}\n    text: \"Clause {i}: we use personal data to train AI.\"\n    attributes: {{data: [personal], purpose: [ai_training]}}\n"
        ));
    }
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("many.yaml"), &yaml).unwrap();
    let out = run_in(
        dir.path(),
        &[
            "evaluate",
            "many.yaml",
            "--as-of",
            AS_OF,
            "--format",
            "jsonl",
        ],
        None,
    )
    .code(0);
    let ids: Vec<String> = out
        .stdout
        .lines()
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).unwrap();
            assert_eq!(v["errors"].as_array().map(Vec::len), Some(0), "{l}");
            v["id"].as_str().unwrap().to_string()
        })
        .collect();
    let expected: Vec<String> = (0..n).map(|i| format!("P{i}")).collect();
    assert_eq!(ids, expected, "every provision once, in input order");
}
