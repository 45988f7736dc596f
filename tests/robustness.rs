//! Hostile and broken input at the limits: nesting, alias expansion, sizes, interrupted runs,
//! markup in user text. Each test is named after what would break.

use std::path::Path;
use std::time::{Duration, Instant};

use crate::support::{root, run_in};

const AS_OF: &str = "2026-11-25";

/// A run that would hang must not: the limit comes back quickly, with its message. Generous,
/// since debug builds on a busy machine are slow; a hang is minutes.
const QUICK: Duration = Duration::from_secs(30);

fn evaluate(dir: &Path, file: &str) -> crate::support::Run {
    run_in(
        dir,
        &["evaluate", file, "--as-of", AS_OF, "--format", "json"],
        None,
    )
}

/// Regression: 100,000 nested `[` in a YAML file took 42 s in the YAML crate (its scan is
/// quadratic in flow nesting) before failing on its depth limit. The depth is now checked
/// first, with a linear parser.
#[test]
fn deeply_nested_yaml_provision_file_fails_fast_with_the_depth_limit() {
    let dir = tempfile::tempdir().unwrap();
    let n = 100_000;
    let deep = format!(
        "entity:\n  id: e\n  facts:\n    markets: {}EU{}\nprovisions: []\n",
        "[".repeat(n),
        "]".repeat(n)
    );
    std::fs::write(dir.path().join("deep.yaml"), deep).unwrap();
    let maps = format!("a: {}1{}\n", "{a: ".repeat(n), "}".repeat(n));
    std::fs::write(dir.path().join("maps.yaml"), maps).unwrap();
    // Quoted `]` close nothing: they must not hide the depth from the quick count.
    let quoted = format!("a: {}x{}\n", "[']', ".repeat(n), "]".repeat(n));
    std::fs::write(dir.path().join("quoted.yaml"), quoted).unwrap();
    for file in ["deep.yaml", "maps.yaml", "quoted.yaml"] {
        let start = Instant::now();
        let out = evaluate(dir.path(), file).code(2);
        assert!(start.elapsed() < QUICK, "{file} took {:?}", start.elapsed());
        assert!(
            out.stderr.contains("yaml::too-deep")
                && out.stderr.contains("more than 128 levels deep"),
            "{}",
            out.stderr
        );
    }
}

/// JSON has a depth limit of its own (serde_json's 128); 100,000 nested brackets are refused
/// at once, never a stack overflow. In JSON Lines the line is kept, with the error.
#[test]
fn deeply_nested_json_and_jsonl_fail_fast_without_overflowing_the_stack() {
    let dir = tempfile::tempdir().unwrap();
    let n = 100_000;
    let deep = format!(
        "{{\"entity\": {{\"id\": \"e\", \"facts\": {{\"markets\": {}\"EU\"{}}}}}, \"provisions\": []}}",
        "[".repeat(n),
        "]".repeat(n)
    );
    std::fs::write(dir.path().join("deep.json"), &deep).unwrap();
    std::fs::write(dir.path().join("deep.jsonl"), format!("{deep}\n")).unwrap();
    let start = Instant::now();
    let out = evaluate(dir.path(), "deep.json").code(2);
    assert!(start.elapsed() < QUICK);
    assert!(
        out.stderr.contains("recursion limit exceeded")
            && out.stderr.contains("nested more than 128 levels"),
        "{}",
        out.stderr
    );
    let out = evaluate(dir.path(), "deep.jsonl").code(0);
    let v = out.json();
    assert_eq!(v["provisions"].as_array().unwrap().len(), 1);
    assert!(v["provisions"][0]["errors"][0]
        .as_str()
        .unwrap()
        .contains("recursion limit exceeded"));
}

/// A rule pack nested 100,000 deep fails fast too (`check` reads packs with the same module).
#[test]
fn deeply_nested_rule_pack_fails_fast() {
    let dir = tempfile::tempdir().unwrap();
    let rules = dir.path().join("rules");
    std::fs::create_dir(&rules).unwrap();
    let n = 100_000;
    std::fs::write(
        rules.join("deep.yaml"),
        format!(
            "regulation: Deep\nagencies: {}x{}\n",
            "[".repeat(n),
            "]".repeat(n)
        ),
    )
    .unwrap();
    let start = Instant::now();
    let out = run_in(dir.path(), &["check", "rules"], None).code(2);
    assert!(start.elapsed() < QUICK);
    assert!(
        out.stderr.contains("more than 128 levels deep"),
        "{}",
        out.stderr
    );
}

/// "Billion laughs": nine levels of aliases would expand to 387,420,489 strings. The YAML crate
/// stops expanding at 100 times the file's own size; the message says what happened.
#[test]
fn billion_laughs_fails_fast_with_a_clear_message() {
    let mut text = String::from(
        "a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n",
    );
    for (p, n) in "abcdefgh".chars().zip("bcdefghi".chars()) {
        text.push_str(&format!(
            "{n}: &{n} [*{p},*{p},*{p},*{p},*{p},*{p},*{p},*{p},*{p}]\n"
        ));
    }
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("laughs.yaml"),
        format!("{text}provisions: []\n"),
    )
    .unwrap();
    let rules = dir.path().join("rules");
    std::fs::create_dir(&rules).unwrap();
    // In a pack the aliases sit where the pack's keys allow them: under `agencies`.
    // (one agency holding all the anchors, which serde reads whole before trying its forms).
    let nested: Vec<&str> = text
        .lines()
        .map(|l| l.split_once(": ").map_or(l, |(_, v)| v))
        .collect();
    std::fs::write(
        rules.join("laughs.yaml"),
        format!(
            "regulation: Laughs\nagencies:\n  - [{}]\n",
            nested.join(", ")
        ),
    )
    .unwrap();
    for args in [
        vec!["evaluate", "laughs.yaml", "--as-of", AS_OF],
        vec!["check", "rules"],
    ] {
        let start = Instant::now();
        let out = run_in(dir.path(), &args, None).code(2);
        assert!(
            start.elapsed() < QUICK,
            "{args:?} took {:?}",
            start.elapsed()
        );
        assert!(
            out.stderr
                .contains("aliases (`*name`) expand to too many values"),
            "{}",
            out.stderr
        );
    }
}

/// Aliases used sensibly still work (the limit is on expansion, not on aliases).
#[test]
fn modest_aliases_are_read() {
    let text = "entity:\n  id: e\n  facts:\n    markets: &m [EU]\n    establishments: *m\ndocument:\n  id: D\nprovisions:\n  - id: P1\n    text: t\n    attributes: &a {data: [personal], purpose: [ai_training]}\n  - id: P2\n    text: u\n    attributes: *a\n";
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("a.yaml"), text).unwrap();
    let v = evaluate(dir.path(), "a.yaml").code(0).json();
    for p in v["provisions"].as_array().unwrap() {
        assert!(p["errors"].as_array().unwrap().is_empty(), "{p}");
        assert!(!p["findings"].as_array().unwrap().is_empty());
    }
}

/// A provision text over the limit (1 MiB) is kept, with an error naming the limit; the
/// provisions around it are evaluated.
#[test]
fn provision_text_over_the_limit_is_an_error_on_that_provision_only() {
    let big = "x".repeat(clausemap::model::MAX_TEXT_BYTES + 1);
    let doc = serde_json::json!({"entity": {"id": "e", "facts": {"markets": ["EU"]}},
        "document": {"id": "D"},
        "provisions": [
            {"id": "A", "text": "t", "attributes": {"data": ["personal"], "purpose": ["ai_training"]}},
            {"id": "BIG", "text": big},
            {"id": "C", "text": "t", "attributes": {"data": ["personal"], "purpose": ["ai_training"]}}]});
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("big.json"), doc.to_string()).unwrap();
    let v = evaluate(dir.path(), "big.json").code(0).json();
    let p = v["provisions"].as_array().unwrap();
    let ids: Vec<&str> = p.iter().map(|p| p["id"].as_str().unwrap()).collect();
    assert_eq!(ids, ["A", "BIG", "C"]);
    let e = p[1]["errors"][0].as_str().unwrap();
    assert!(
        e.contains("over the `text-bytes` limit of 1 MiB")
            && e.contains("--limit text-bytes=N")
            && e.contains("CLAUSEMAP_LIMITS=text-bytes=N"),
        "{e}"
    );
    assert!(!p[2]["findings"].as_array().unwrap().is_empty());
}

/// More provisions in one document than the limit: the document says so. Checked on the
/// library (a million provisions through the binary would take minutes in a debug build).
#[test]
fn provisions_over_the_limit_are_reported_on_the_document() {
    let n = clausemap::model::MAX_PROVISIONS + 1;
    let mut text = String::with_capacity(n * 12 + 64);
    text.push_str("{\"document\": {\"id\": \"D\"}, \"provisions\": [");
    for i in 0..n {
        if i > 0 {
            text.push(',');
        }
        text.push_str("{\"id\":1}");
    }
    text.push_str("]}");
    let source = clausemap::source::Source::new("many.json", text);
    let docs = clausemap::model::load(&source).unwrap();
    assert_eq!(docs[0].provisions.len(), clausemap::model::MAX_PROVISIONS);
    assert!(
        docs[0].errors.iter().any(|e| e
            .contains("over the `provisions-per-document` limit of 1000000")
            && e.contains("JSON Lines")
            && e.contains("--limit provisions-per-document=N")),
        "{:?}",
        docs[0].errors
    );
}

/// The DSL's own limits name themselves and say how to get under them.
#[test]
fn condition_limits_name_the_limit_and_the_way_out() {
    let deep = format!("{}data has \"personal\"{}", "(".repeat(65), ")".repeat(65));
    let e = clausemap::dsl::parse(&deep).unwrap_err();
    assert!(
        e.message.contains("`expression-depth` limit of 64 levels"),
        "{}",
        e.message
    );
    let help = e.help.unwrap();
    assert!(
        help.contains("@rule.id") && help.contains("--limit expression-depth=N"),
        "{help}"
    );
    let long = format!(
        "data has \"personal\"{}",
        " or data has \"public\"".repeat(1000)
    );
    let e = clausemap::dsl::parse(&long).unwrap_err();
    assert!(
        e.message
            .contains("over the `expression-length` limit of 16384 bytes"),
        "{}",
        e.message
    );
    assert!(e.help.unwrap().contains("--limit expression-length=N"));
    let nots = format!("{}data has \"personal\"", "not ".repeat(100_000));
    let e = clausemap::dsl::parse(&nots).unwrap_err();
    assert!(e.message.contains("bytes long") || e.message.contains("`not`"));
}

// --- Nothing lost ---

const GOOD: &str = r#"{"id": "%ID%", "text": "We use your data to train AI.", "attributes": {"data": ["personal"], "purpose": ["ai_training"]}}"#;

fn good(id: &str) -> String {
    GOOD.replace("%ID%", id)
}

/// JSON: malformed provisions among good ones; every provision comes out once, in order, the
/// good ones evaluated.
#[test]
fn nothing_is_lost_in_json_when_some_provisions_are_malformed() {
    let provisions = [
        good("a"),
        r#"{"id": "b", "text": 42}"#.to_string(),
        r#""just a string""#.to_string(),
        r#"{"text": "no id"}"#.to_string(),
        good("e"),
        r#"{"id": "f", "text": "t", "attributes": {"purpse": ["ai_training"]}}"#.to_string(),
        good("a"),
        good("h"),
    ];
    let text = format!(
        "{{\"entity\": {{\"id\": \"x\", \"facts\": {{\"markets\": [\"EU\"]}}}}, \"document\": {{\"id\": \"D\"}}, \"provisions\": [{}]}}",
        provisions.join(",\n")
    );
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("p.json"), text).unwrap();
    let v = evaluate(dir.path(), "p.json").code(0).json();
    let p = v["provisions"].as_array().unwrap();
    let ids: Vec<&str> = p.iter().map(|p| p["id"].as_str().unwrap()).collect();
    assert_eq!(ids, ["a", "b", "#3", "#4", "e", "f", "a", "h"]);
    let has_errors: Vec<bool> = p
        .iter()
        .map(|p| !p["errors"].as_array().unwrap().is_empty())
        .collect();
    assert_eq!(
        has_errors,
        [false, true, true, true, false, true, true, false]
    );
    for i in [0, 4, 7] {
        assert!(!p[i]["findings"].as_array().unwrap().is_empty());
    }
}

/// JSON Lines: broken lines (not JSON, not UTF-8, not an object, a document without
/// provisions) are kept as rows with errors, in their place; blank lines are skipped.
#[test]
fn nothing_is_lost_in_jsonl_when_some_lines_are_malformed() {
    let doc = |d: &str, ids: &[&str]| {
        format!(
            "{{\"entity\": {{\"id\": \"x\", \"facts\": {{\"markets\": [\"EU\"]}}}}, \"document\": {{\"id\": \"{d}\"}}, \"provisions\": [{}]}}",
            ids.iter().map(|i| good(i)).collect::<Vec<_>>().join(",")
        )
    };
    let mut bytes = Vec::new();
    for line in [
        doc("D1", &["a", "b"]),
        "{not json".to_string(),
        String::new(),
        "[1, 2]".to_string(),
        doc("D5", &["c"]),
        "{\"document\": {\"id\": \"D6\"}}".to_string(),
    ] {
        bytes.extend_from_slice(line.as_bytes());
        bytes.extend_from_slice(b"\r\n");
    }
    bytes.extend_from_slice(b"{\"document\": {\"id\": \"caf\xe9\"}}\n");
    bytes.extend_from_slice(doc("D8", &["d", "e"]).as_bytes());
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("p.jsonl"), bytes).unwrap();
    let out = run_in(
        dir.path(),
        &["evaluate", "p.jsonl", "--as-of", AS_OF, "--format", "jsonl"],
        None,
    )
    .code(0);
    let rows: Vec<serde_json::Value> = out
        .stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let got: Vec<(String, bool)> = rows
        .iter()
        .map(|r| {
            (
                r["id"].as_str().unwrap().to_string(),
                !r["errors"].as_array().unwrap().is_empty(),
            )
        })
        .collect();
    let want: Vec<(String, bool)> = [
        ("a", false),
        ("b", false),
        ("line 2", true),
        ("(document)", true),
        ("c", false),
        ("(document)", true),
        ("line 7", true),
        ("d", false),
        ("e", false),
    ]
    .iter()
    .map(|(i, e)| (i.to_string(), *e))
    .collect();
    assert_eq!(got, want, "{}", out.stdout);
    assert!(rows[6]["errors"][0]
        .as_str()
        .unwrap()
        .contains("not valid UTF-8"));
}

/// Regression: a document whose `provisions` were missing or misspelt, or a JSON Lines line
/// that was not an object, vanished from the output without a word (exit 0, nothing printed).
#[test]
fn a_document_without_provisions_is_reported_not_dropped() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("typo.yaml"),
        "document:\n  id: D\nprovision:\n  - id: P1\n    text: t\n",
    )
    .unwrap();
    let v = evaluate(dir.path(), "typo.yaml").code(0).json();
    let p = &v["provisions"][0];
    assert_eq!(p["id"], "(document)");
    let errors = p["errors"].to_string();
    assert!(
        errors.contains("no `provisions` list") && errors.contains("unknown key `provision`"),
        "{errors}"
    );
}

/// Regression: a key written twice in a mapping silently dropped the first value (a provision
/// with two `text:` lost one of them). Now it is an error that points at the second key.
#[test]
fn a_key_written_twice_is_an_error_not_a_silent_loss() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("dup.yaml"),
        "document:\n  id: D\nprovisions:\n  - id: P1\n    text: We use it.\n    text: We sell it.\n",
    )
    .unwrap();
    let out = evaluate(dir.path(), "dup.yaml").code(2);
    assert!(
        out.stderr.contains("the key `text` appears twice"),
        "{}",
        out.stderr
    );
    assert!(out.stderr.contains("dup.yaml:6:5"), "{}", out.stderr);
    std::fs::write(
        dir.path().join("dup.json"),
        r#"{"provisions": [{"id": "P1", "text": "a", "text": "b"}]}"#,
    )
    .unwrap();
    let out = evaluate(dir.path(), "dup.json").code(2);
    assert!(
        out.stderr.contains("the key `text` appears twice"),
        "{}",
        out.stderr
    );
    // In rule files too: two articles with one name.
    let rules = dir.path().join("rules");
    std::fs::create_dir(&rules).unwrap();
    let pack = std::fs::read_to_string(
        root().join("tests/fixtures/bad/packs/unknown-attribute/pack.yaml"),
    )
    .unwrap()
    .replace(
        "  \"Art. 2\": Duty\n",
        "  \"Art. 2\": Duty\n  \"Art. 2\": Another duty\n",
    );
    std::fs::write(rules.join("pack.yaml"), pack).unwrap();
    let out = run_in(dir.path(), &["check", "rules"], None).code(2);
    assert!(
        out.stderr.contains("the key `Art. 2` appears twice"),
        "{}",
        out.stderr
    );
}

// --- Interrupted runs leave no partial output ---

/// A policy big enough that writing its memos takes a while.
fn big_policy(dir: &Path, n: usize) {
    let provisions: Vec<String> = (0..n).map(|i| good(&format!("P{i:05}"))).collect();
    std::fs::write(
        dir.join("big.json"),
        format!(
            "{{\"entity\": {{\"id\": \"x\", \"name\": \"X\", \"facts\": {{\"markets\": [\"EU\", \"US-CA\"]}}}}, \"document\": {{\"id\": \"D\", \"title\": \"T\"}}, \"provisions\": [{}]}}",
            provisions.join(",")
        ),
    )
    .unwrap();
}

fn files_in(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .map(|r| {
            r.filter_map(|e| e.ok())
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    names
}

#[cfg(unix)]
fn interrupt_after(args: &[&str], dir: &Path, after: Duration, signal: &str) {
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_clausemap"))
        .args(args)
        .current_dir(dir)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    std::thread::sleep(after);
    let _ = std::process::Command::new("kill")
        .args([signal, &child.id().to_string()])
        .status();
    let _ = child.wait();
}

/// `memo --out` killed (SIGINT, SIGKILL) part way: every memo file it left is complete, byte
/// for byte what an uninterrupted run writes. After SIGINT nothing else is left; after SIGKILL
/// a hidden `.<name>.<pid>.tmp` may remain from the file being written when the process died
/// (never a memo's own name); the next run into the folder removes it, and leaves exactly the
/// full run's files.
#[cfg(unix)]
#[test]
fn an_interrupted_memo_run_leaves_only_complete_files() {
    let dir = tempfile::tempdir().unwrap();
    big_policy(dir.path(), 400);
    let full = dir.path().join("full");
    run_in(
        dir.path(),
        &["memo", "big.json", "--as-of", AS_OF, "--out", "full"],
        None,
    )
    .code(0);
    let expected = files_in(&full);
    assert!(expected.len() > 400, "{} memos", expected.len());
    for (i, signal) in ["-INT", "-KILL", "-INT", "-KILL"].iter().enumerate() {
        let out = dir.path().join(format!("cut{i}"));
        interrupt_after(
            &[
                "memo",
                "big.json",
                "--as-of",
                AS_OF,
                "--out",
                &format!("cut{i}"),
            ],
            dir.path(),
            Duration::from_millis(300 + 250 * i as u64),
            signal,
        );
        for name in files_in(&out) {
            if name.starts_with('.') && name.ends_with(".tmp") {
                // SIGINT is caught: the file being written is removed before exiting.
                assert!(*signal != "-INT", "{name} left behind after SIGINT");
                continue;
            }
            let got = std::fs::read(out.join(&name)).unwrap();
            let want = std::fs::read(full.join(&name))
                .unwrap_or_else(|_| panic!("{name} is not a memo of the full run"));
            assert!(got == want, "{name} is partial after {signal}");
        }
        run_in(
            dir.path(),
            &[
                "memo",
                "big.json",
                "--as-of",
                AS_OF,
                "--out",
                &format!("cut{i}"),
            ],
            None,
        )
        .code(0);
        assert_eq!(
            files_in(&out),
            expected,
            "after {signal} and a second run, cut{i} holds other files (a leftover .tmp?)"
        );
    }
}

/// `review` killed while recording: the ledger is always a whole ledger, the one before or
/// the one after, never a half-written file.
#[cfg(unix)]
#[test]
fn an_interrupted_review_leaves_a_whole_ledger() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(
        root().join("tests/fixtures/bad/ledgers/_policy.yaml"),
        dir.path().join("policy.yaml"),
    )
    .unwrap();
    let rules = [
        "gdpr.art6-1-f.ai-training",
        "gdpr.art35-1.dpia-ai",
        "gdpr.art21-1.objection",
    ];
    for i in 0..12u64 {
        let rule = rules[i as usize % rules.len()];
        let reason = format!("reason {i}");
        interrupt_after(
            &[
                "review",
                "policy.yaml",
                "--as-of",
                AS_OF,
                "--provision",
                "P1",
                "--rule",
                rule,
                "--decision",
                "confirm",
                "--reason",
                &reason,
                "--reviewer",
                "ana",
            ],
            dir.path(),
            Duration::from_millis(5 + 17 * i),
            if i % 2 == 0 { "-KILL" } else { "-INT" },
        );
        // A writer killed while holding the lock leaves the lock file behind, naming a
        // process that is gone: the next writer takes it over at once.
        if dir.path().join("policy.review.yaml").exists() {
            run_in(
                dir.path(),
                &["review", "policy.yaml", "--list", "--as-of", AS_OF],
                None,
            )
            .code(0);
        }
    }
    // One more writer, not interrupted: it finishes quickly whatever lock or temporary file
    // the killed ones left, and removes them.
    let start = Instant::now();
    run_in(
        dir.path(),
        &[
            "review",
            "policy.yaml",
            "--as-of",
            AS_OF,
            "--provision",
            "P1",
            "--rule",
            rules[0],
            "--decision",
            "dismiss",
            "--reason",
            "last",
            "--reviewer",
            "ana",
        ],
        None,
    )
    .code(0);
    assert!(
        start.elapsed() < Duration::from_secs(10),
        "the next review waited {:?} for a dead writer's lock",
        start.elapsed()
    );
    let ledger = std::fs::read_to_string(dir.path().join("policy.review.yaml")).unwrap();
    assert!(ledger.contains("reason: last"), "{ledger}");
    run_in(
        dir.path(),
        &["review", "policy.yaml", "--list", "--as-of", AS_OF],
        None,
    )
    .code(0);
    assert_eq!(
        files_in(dir.path()),
        ["policy.review.yaml", "policy.yaml"],
        "a lock or temporary file was left"
    );
}

// --- Limits users can raise ---

/// Run `clausemap ARGS` in `dir` with `CLAUSEMAP_LIMITS` set to `limits`.
fn run_with_env_limits(dir: &Path, limits: &str, args: &[&str]) -> crate::support::Run {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_clausemap"))
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .env("CLAUSEMAP_LIMITS", limits)
        .output()
        .unwrap();
    crate::support::Run {
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        code: out.status.code().unwrap_or(-1),
    }
}

/// A rule directory whose one duty rule has the condition `when`.
fn pack_with_condition(dir: &Path, when: &str) {
    let rules = dir.join("rules");
    std::fs::create_dir_all(&rules).unwrap();
    let pack = std::fs::read_to_string(
        root().join("tests/fixtures/bad/packs/unknown-attribute/pack.yaml"),
    )
    .unwrap()
    .replace(
        "'data has \"personal\" and purpse has \"ai_training\"'",
        &format!("'{when}'"),
    );
    assert!(pack.contains(when));
    std::fs::write(rules.join("pack.yaml"), pack).unwrap();
}

/// Each limit's error names it and says how to raise it; raised (with `--limit` or with
/// `CLAUSEMAP_LIMITS`), the input that was refused goes through.
#[test]
fn raising_a_limit_lets_a_refused_input_through() {
    let dir = tempfile::tempdir().unwrap();
    // Conditions nested one level deeper than the default.
    let deep = format!("{}data has \"personal\"{}", "(".repeat(65), ")".repeat(65));
    pack_with_condition(dir.path(), &deep);
    let out = run_in(dir.path(), &["check", "rules"], None).code(2);
    let words = out.stderr.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(
        words.contains("`expression-depth` limit of 64 levels")
            && words.contains(
                "raise the limit with `--limit expression-depth=N` or `CLAUSEMAP_LIMITS=expression-depth=N`"
            ),
        "{}",
        out.stderr
    );
    run_in(
        dir.path(),
        &["--limit", "expression-depth=65", "check", "rules"],
        None,
    )
    .code(0);
    // The option is global: it may follow the command too.
    run_in(
        dir.path(),
        &["check", "rules", "--limit", "expression-depth=100"],
        None,
    )
    .code(0);
    run_with_env_limits(dir.path(), "expression-depth=65", &["check", "rules"]).code(0);
    // The command line wins over the environment.
    run_with_env_limits(
        dir.path(),
        "expression-depth=65",
        &["--limit", "expression-depth=64", "check", "rules"],
    )
    .code(2);

    // A provision text over 1 MiB: an error on it, none once `text-bytes` is raised.
    let big = "We use your data to train AI. ".repeat(40_000);
    let doc = serde_json::json!({"entity": {"id": "e", "facts": {"markets": ["EU"]}},
        "document": {"id": "D"},
        "provisions": [{"id": "BIG", "text": big,
            "attributes": {"data": ["personal"], "purpose": ["ai_training"]}}]});
    std::fs::write(dir.path().join("big.json"), doc.to_string()).unwrap();
    let v = evaluate(dir.path(), "big.json").code(0).json();
    assert!(v["provisions"][0]["errors"][0]
        .as_str()
        .unwrap()
        .contains("`text-bytes` limit"));
    for out in [
        run_in(
            dir.path(),
            &[
                "--limit",
                "text-bytes=2MiB",
                "evaluate",
                "big.json",
                "--as-of",
                AS_OF,
                "--format",
                "json",
            ],
            None,
        ),
        run_with_env_limits(
            dir.path(),
            "expression-length=32K, text-bytes=2_000_000",
            &["evaluate", "big.json", "--as-of", AS_OF, "--format", "json"],
        ),
    ] {
        let v = out.code(0).json();
        let p = &v["provisions"][0];
        assert_eq!(p["errors"].as_array().unwrap().len(), 0, "{}", p["errors"]);
        assert!(!p["findings"].as_array().unwrap().is_empty());
    }

    // Lowered, a limit refuses what the default lets through: `yaml-bytes`.
    std::fs::copy(
        root().join("tests/fixtures/bad/ledgers/_policy.yaml"),
        dir.path().join("policy.yaml"),
    )
    .unwrap();
    let out = run_in(
        dir.path(),
        &[
            "--limit",
            "yaml-bytes=100",
            "evaluate",
            "policy.yaml",
            "--as-of",
            AS_OF,
        ],
        None,
    )
    .code(2);
    assert!(
        out.stderr
            .contains("over the `yaml-bytes` limit of 100 bytes")
            && out.stderr.contains("--limit yaml-bytes=N"),
        "{}",
        out.stderr
    );
}

/// A limit that does not exist, cannot be set, or is given a bad value is bad usage (exit 2),
/// and the message lists the limits there are.
#[test]
fn an_unknown_limit_or_a_bad_value_is_a_usage_error() {
    let dir = tempfile::tempdir().unwrap();
    let all = [
        "expression-length",
        "expression-depth",
        "yaml-bytes",
        "file-bytes",
        "provisions-per-document",
        "text-bytes",
        "template-bytes",
    ];
    let out = run_in(dir.path(), &["--limit", "depth=100", "check"], None).code(2);
    assert!(
        out.stderr.contains("unknown limit `depth`"),
        "{}",
        out.stderr
    );
    for name in all {
        assert!(out.stderr.contains(name), "{name} missing: {}", out.stderr);
    }
    let out = run_in(dir.path(), &["check", "--limit", "yaml-byte=1"], None).code(2);
    assert!(
        out.stderr.contains("did you mean `yaml-bytes`"),
        "{}",
        out.stderr
    );
    for (setting, says) in [
        ("text-bytes=lots", "must be a whole number"),
        ("text-bytes=0", "must be a whole number"),
        ("text-bytes", "is not NAME=VALUE"),
        ("expression-depth=100000", "can be at most 1024"),
        ("yaml-aliases=1000", "cannot be set"),
        ("template-depth=50", "cannot be set"),
    ] {
        let out = run_in(dir.path(), &["--limit", setting, "check"], None).code(2);
        assert!(out.stderr.contains(says), "{setting}: {}", out.stderr);
    }
    let out = run_with_env_limits(dir.path(), "text-bytes=1MiB,nope=3", &["check"]).code(2);
    assert!(
        out.stderr
            .contains("CLAUSEMAP_LIMITS: unknown limit `nope`")
            && out.stderr.contains("expression-depth"),
        "{}",
        out.stderr
    );
    let out =
        run_with_env_limits(dir.path(), "nope=3", &["--error-format", "json", "check"]).code(2);
    let line: serde_json::Value = serde_json::from_str(out.stderr.trim()).unwrap();
    assert_eq!(line["code"], "usage::limit");
}

/// The deepest condition a user may allow (1024 levels of `(`, 1024 `not`) is checked,
/// evaluated on several threads and explained without overflowing a stack, in debug builds
/// too: the ceiling is what keeps raised depths safe.
#[test]
fn conditions_nested_to_the_depth_ceiling_do_not_overflow_the_stack() {
    let d = clausemap::limits::EXPRESSION_DEPTH_CEILING;
    let dir = tempfile::tempdir().unwrap();
    // `d` levels of `(` (with the one around it), and `d` `not` in all.
    let parens = format!(
        "{}data has \"personal\"{}",
        "(".repeat(d - 1),
        ")".repeat(d - 1)
    );
    let nots = format!("{}purpose has \"profiling\"", "not ".repeat(d / 2));
    let mixed = format!(
        "{}data has \"personal\"{}",
        "not (".repeat(d / 2),
        ")".repeat(d / 2)
    );
    pack_with_condition(
        dir.path(),
        &format!("({parens}) and ({nots}) and ({mixed})"),
    );
    let doc = |id: usize| {
        serde_json::json!({"entity": {"id": "e", "facts": {"markets": ["EU"]}},
            "document": {"id": format!("D{id}")},
            "provisions": [{"id": "P1", "text": "t",
                "attributes": {"data": ["personal"], "purpose": ["ai_training", "profiling"]}}]})
        .to_string()
    };
    let lines: Vec<String> = (0..16).map(doc).collect();
    std::fs::write(dir.path().join("p.jsonl"), lines.join("\n")).unwrap();
    let limits = [
        "--limit",
        "expression-depth=1024",
        "--limit",
        "expression-length=1MiB",
    ];
    let with = |args: &[&str]| {
        let mut all = limits.to_vec();
        all.extend_from_slice(args);
        run_in(dir.path(), &all, None)
    };
    with(&["check", "rules"]).code(0);
    let out = with(&[
        "evaluate", "p.jsonl", "--rules", "rules", "--as-of", AS_OF, "--format", "jsonl", "--jobs",
        "4",
    ])
    .code(0);
    assert_eq!(out.stdout.lines().count(), 16);
    assert!(
        out.stdout.contains("\"rule\":\"test.duty\""),
        "{}",
        out.stdout
    );
    with(&[
        "explain",
        "p.jsonl",
        "--rules",
        "rules",
        "--as-of",
        AS_OF,
        "--provision",
        "P1",
        "--rule",
        "test.duty",
    ])
    .code(0);
}

// --- Stale locks and temporary files ---

/// The pid of a process that has ended (and been reaped).
#[cfg(target_os = "linux")]
fn dead_pid() -> u32 {
    let mut child = std::process::Command::new("true").spawn().unwrap();
    let pid = child.id();
    child.wait().unwrap();
    pid
}

/// Regression: a `review` killed while holding `<ledger>.lock` made the next `review` wait
/// 20 s and fail. The lock names its owner's pid and host; a lock whose process is gone is
/// taken over at once, and the ledger is intact.
#[cfg(target_os = "linux")]
#[test]
fn a_lock_left_by_a_dead_review_is_taken_over_at_once() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(
        root().join("tests/fixtures/bad/ledgers/_policy.yaml"),
        dir.path().join("policy.yaml"),
    )
    .unwrap();
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .unwrap_or_default()
        .trim()
        .to_string();
    let review = |rule: &str, reason: &str| {
        run_in(
            dir.path(),
            &[
                "review",
                "policy.yaml",
                "--as-of",
                AS_OF,
                "--provision",
                "P1",
                "--rule",
                rule,
                "--decision",
                "confirm",
                "--reason",
                reason,
                "--reviewer",
                "ana",
            ],
            None,
        )
    };
    review("gdpr.art6-1-f.ai-training", "first").code(0);
    let lock = dir.path().join("policy.review.yaml.lock");
    // As clausemap writes it, and as an older clausemap did (the pid alone).
    for (i, text) in [
        format!("pid: {}\nhost: {host}\n", dead_pid()),
        format!("{}\n", dead_pid()),
    ]
    .iter()
    .enumerate()
    {
        std::fs::write(&lock, text).unwrap();
        let start = Instant::now();
        review("gdpr.art35-1.dpia-ai", &format!("second {i}")).code(0);
        assert!(
            start.elapsed() < Duration::from_secs(5),
            "waited {:?} for a dead writer's lock",
            start.elapsed()
        );
        assert!(!lock.exists(), "the lock was left behind");
        let ledger = std::fs::read_to_string(dir.path().join("policy.review.yaml")).unwrap();
        assert!(
            ledger.contains("reason: first") && ledger.contains(&format!("reason: second {i}")),
            "{ledger}"
        );
    }
    assert_eq!(files_in(dir.path()), ["policy.review.yaml", "policy.yaml"]);
}

/// Temporary files of writers that were killed (`.<name>.<pid>.tmp`, the pid gone) are
/// removed by the next write into their folder; those of live processes, and other hidden
/// files, are left alone.
#[cfg(target_os = "linux")]
#[test]
fn temporary_files_of_dead_writers_are_removed_by_the_next_write() {
    let dir = tempfile::tempdir().unwrap();
    big_policy(dir.path(), 2);
    let out = dir.path().join("memos");
    std::fs::create_dir(&out).unwrap();
    let dead = format!(".P00000.md.{}.tmp", dead_pid());
    let live = format!(".P00001.md.{}.tmp", std::process::id());
    for name in [dead.as_str(), live.as_str(), ".notes.tmp", ".a.b.tmp"] {
        std::fs::write(out.join(name), "partial").unwrap();
    }
    run_in(
        dir.path(),
        &["memo", "big.json", "--as-of", AS_OF, "--out", "memos"],
        None,
    )
    .code(0);
    let names = files_in(&out);
    assert!(!names.contains(&dead), "{names:?}");
    for kept in [live.as_str(), ".notes.tmp", ".a.b.tmp"] {
        assert!(names.iter().any(|n| n == kept), "{kept} removed: {names:?}");
    }
}

// --- Safety ---

/// User text (ids, titles, clause text, entity and document names, URLs) never reaches HTML
/// output as markup: `memo --format html` and `flags --format html`.
#[test]
fn html_output_escapes_user_text() {
    let evil = "<script>alert(1)</script><img src=x onerror=alert(2)>\"'&";
    let doc = serde_json::json!({
        "entity": {"id": evil, "name": evil, "facts": {"markets": ["EU"]}},
        "document": {"id": "D", "title": evil, "url": "javascript:alert(3)"},
        "provisions": [{"id": evil, "title": evil, "text": evil,
            "attributes": {"data": ["personal"], "purpose": ["ai_training"]}}]});
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("evil.json"), doc.to_string()).unwrap();
    let memo = run_in(
        dir.path(),
        &["memo", "evil.json", "--as-of", AS_OF, "--format", "html"],
        None,
    )
    .code(0);
    let flags = run_in(
        dir.path(),
        &["flags", "evil.json", "--as-of", AS_OF, "--format", "html"],
        None,
    );
    for (what, html) in [("memo", &memo.stdout), ("flags", &flags.stdout)] {
        assert!(!html.is_empty(), "{what} wrote nothing");
        let lower = html.to_lowercase();
        // The URL may be shown as text; it must never become a link.
        for bad in [
            "<script>alert",
            "<img src=x",
            "href=\"javascript",
            "href='javascript",
        ] {
            assert!(!lower.contains(bad), "{what} html holds `{bad}`");
        }
        assert!(
            html.contains("&lt;script&gt;"),
            "{what} html shows the text escaped"
        );
    }
}
