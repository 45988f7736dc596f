//! `evaluate --format sarif`: valid SARIF 2.1.0 (checked against the official JSON schema,
//! `tests/fixtures/sarif/sarif-schema-2.1.0.json`), results located at their provision's
//! `id:` line, rule metadata in `tool.driver.rules`, reviews as suppressions.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test fails loudly at the first surprise"
)]

use std::path::Path;

use serde_json::Value;

use crate::support::{root, run, run_in};

const AS_OF: &str = "2026-11-25";

fn validate(log: &Value) {
    let schema_text =
        std::fs::read_to_string(root().join("tests/fixtures/sarif/sarif-schema-2.1.0.json"))
            .unwrap();
    let schema: Value = serde_json::from_str(&schema_text).unwrap();
    let validator = jsonschema::validator_for(&schema).expect("the SARIF schema compiles");
    let errors: Vec<String> = validator
        .iter_errors(log)
        .take(10)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(
        errors.is_empty(),
        "not valid SARIF 2.1.0:\n{}",
        errors.join("\n")
    );
}

/// The 1-based line of `id: <id>` in a YAML file.
fn id_line(text: &str, id: &str) -> usize {
    text.lines()
        .position(|l| {
            let t = l.trim_start().trim_start_matches("- ");
            t == format!("id: {id}") || t == format!("id: \"{id}\"")
        })
        .map(|i| i + 1)
        .unwrap_or_else(|| panic!("no `id: {id}` line"))
}

#[test]
fn sarif_is_valid_and_locates_each_finding_at_its_provision() {
    let log = run(&[
        "evaluate",
        "examples/linkedin.yaml",
        "--format",
        "sarif",
        "--as-of",
        AS_OF,
    ])
    .code(0)
    .json();
    validate(&log);
    assert_eq!(log["version"], "2.1.0");
    let run0 = &log["runs"][0];
    let rules = run0["tool"]["driver"]["rules"].as_array().unwrap();
    assert!(!rules.is_empty());
    for r in rules {
        let p = &r["properties"];
        for key in ["citation", "severity", "jurisdiction", "regulation"] {
            assert!(
                p[key].as_str().is_some_and(|s| !s.is_empty()),
                "rule {} lacks {key}",
                r["id"]
            );
        }
    }
    let text = std::fs::read_to_string(root().join("examples/linkedin.yaml")).unwrap();
    let eval = run(&[
        "evaluate",
        "examples/linkedin.yaml",
        "--format",
        "json",
        "--as-of",
        AS_OF,
    ])
    .code(0)
    .json();
    let findings: usize = eval["provisions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["findings"].as_array().unwrap().len())
        .sum();
    let results = run0["results"].as_array().unwrap();
    assert_eq!(results.len(), findings, "one result per finding");
    for res in results {
        let provision = res["properties"]["provision"].as_str().unwrap();
        let region = &res["locations"][0]["physicalLocation"]["region"];
        assert_eq!(
            res["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
            "examples/linkedin.yaml"
        );
        assert_eq!(
            region["startLine"].as_u64().unwrap() as usize,
            id_line(&text, provision),
            "result for {provision}"
        );
        let line = text.lines().nth(id_line(&text, provision) - 1).unwrap();
        let col = region["startColumn"].as_u64().unwrap() as usize;
        assert!(
            line.chars()
                .skip(col - 1)
                .collect::<String>()
                .starts_with("id:"),
            "column {col} points at `id:` in {line:?}"
        );
        // ruleIndex names the same rule in tool.driver.rules.
        let i = res["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(rules[i]["id"], res["ruleId"]);
        let citation = res["properties"]["citation"].as_str().unwrap();
        assert!(!citation.is_empty());
        let level = res["level"].as_str().unwrap();
        match res["properties"]["status"].as_str().unwrap() {
            "applies" => assert!(["error", "warning", "note"].contains(&level)),
            _ => assert_eq!(level, "none"),
        }
    }
}

#[test]
fn sarif_of_json_lines_and_of_reviewed_findings_is_valid() {
    let dir = tempfile::tempdir().unwrap();
    let gen = run_in(
        dir.path(),
        &["bench", "gen", "--provisions", "30", "--per-document", "10"],
        None,
    )
    .code(0);
    std::fs::write(dir.path().join("bench.jsonl"), &gen.stdout).unwrap();
    let log = run_in(
        dir.path(),
        &[
            "evaluate",
            "bench.jsonl",
            "--format",
            "sarif",
            "--as-of",
            AS_OF,
        ],
        None,
    )
    .code(0)
    .json();
    validate(&log);
    // JSON Lines: each provision's result points into its document's line.
    let text = std::fs::read_to_string(dir.path().join("bench.jsonl")).unwrap();
    for res in log["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .take(50)
    {
        let id = res["properties"]["provision"].as_str().unwrap();
        let region = &res["locations"][0]["physicalLocation"]["region"];
        let line = text
            .lines()
            .nth(region["startLine"].as_u64().unwrap() as usize - 1)
            .unwrap();
        let col = region["startColumn"].as_u64().unwrap() as usize;
        let at: String = line.chars().skip(col - 1).take(40).collect();
        assert!(at.starts_with(&format!("\"id\":\"{id}\"")), "{at}");
    }

    // A dismissed finding is an accepted external suppression.
    std::fs::copy(
        root().join("examples/linkedin.yaml"),
        dir.path().join("policy.yaml"),
    )
    .unwrap();
    let eval = run_in(
        dir.path(),
        &[
            "evaluate",
            "policy.yaml",
            "--format",
            "json",
            "--as-of",
            AS_OF,
        ],
        None,
    )
    .code(0)
    .json();
    let p = &eval["provisions"][0];
    let rule = p["findings"][0]["rule"].as_str().unwrap();
    run_in(
        dir.path(),
        &[
            "review",
            "policy.yaml",
            "--provision",
            p["id"].as_str().unwrap(),
            "--rule",
            rule,
            "--decision",
            "dismiss",
            "--reason",
            "covered by the consent flow",
            "--reviewer",
            "ana",
            "--as-of",
            AS_OF,
        ],
        None,
    )
    .code(0);
    let log = run_in(
        dir.path(),
        &[
            "evaluate",
            "policy.yaml",
            "--format",
            "sarif",
            "--as-of",
            AS_OF,
        ],
        None,
    )
    .code(0)
    .json();
    validate(&log);
    let suppressed: Vec<&Value> = log["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r.get("suppressions").is_some())
        .collect();
    assert_eq!(suppressed.len(), 1);
    assert_eq!(suppressed[0]["ruleId"], rule);
    assert_eq!(suppressed[0]["suppressions"][0]["kind"], "external");
    assert!(suppressed[0]["suppressions"][0]["justification"]
        .as_str()
        .unwrap()
        .contains("covered by the consent flow"));
    assert_eq!(suppressed[0]["properties"]["review"]["state"], "dismissed");
    assert!(Path::new(&dir.path().join("policy.review.yaml")).exists());
}

#[test]
fn provision_errors_are_tool_notifications() {
    let log = run(&[
        "evaluate",
        "tests/fixtures/provisions/one-malformed.yaml",
        "--format",
        "sarif",
        "--as-of",
        AS_OF,
    ])
    .code(0)
    .json();
    validate(&log);
    let notes = log["runs"][0]["invocations"][0]["toolExecutionNotifications"]
        .as_array()
        .unwrap();
    assert!(!notes.is_empty());
    assert!(notes
        .iter()
        .all(|n| n["level"] == "error" && n["message"]["text"].as_str().is_some()));
}
