//! `clausemap diff`: two versions of a policy (added, removed, changed provisions with a word
//! diff and their findings), and two versions of the rule packs over the same provisions.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test fails loudly at the first surprise"
)]

use std::path::Path;

use serde_json::Value;

use crate::support::{root, run_in};

const AS_OF: &str = "2026-11-25";

fn write(dir: &Path, name: &str, provisions: &[(&str, &str, &str)]) {
    let mut text = String::from(
        "entity:\n  id: acme\n  facts:\n    markets: [EU, US-CA]\n    establishments: [IE]\n    annual_revenue_usd: 90000000\ndocument:\n  id: acme-privacy\nprovisions:\n",
    );
    for (id, body, attrs) in provisions {
        text.push_str(&format!(
            "  - id: {id}\n    text: \"{body}\"\n    attributes: {attrs}\n"
        ));
    }
    std::fs::write(dir.join(name), text).unwrap();
}

const TRAIN: &str =
    "{data: [personal], purpose: [ai_training], legal_basis: unspecified, consent: unspecified}";
const TRAIN_CONSENT: &str =
    "{data: [personal], purpose: [ai_training], legal_basis: consent, consent: opt_in}";
const SELL: &str = "{data: [personal], purpose: [sale], recipients: [data_brokers]}";
const COOKIES: &str = "{data: [personal.device], purpose: [analytics]}";

fn diff_json(dir: &Path, old: &str, new: &str) -> Value {
    run_in(
        dir,
        &["diff", old, new, "--format", "json", "--as-of", AS_OF],
        None,
    )
    .code(0)
    .json()
}

#[test]
fn pairs_provisions_by_id_fingerprint_and_similarity() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write(
        d,
        "old.yaml",
        &[
            ("p1", "We use your personal data to train our AI models.", TRAIN),
            ("p2", "We sell your personal information to data brokers for profit.", SELL),
            ("p3", "We use cookies and similar device identifiers to measure how the service is used by our members.", COOKIES),
            ("p4", "This clause will disappear in the next version of the policy.", COOKIES),
        ],
    );
    write(
        d,
        "new.yaml",
        &[
            ("p1", "We use your personal data to train our AI models, with your consent.", TRAIN_CONSENT),
            ("q2", "We sell your personal information to data brokers for profit.", SELL),
            ("q3", "We use cookies and similar device identifiers to measure how the service is used by all our members.", COOKIES),
            ("p5", "A brand new clause about something else entirely.", COOKIES),
        ],
    );
    let v = diff_json(d, "old.yaml", "new.yaml");
    let ids = |key: &str| -> Vec<String> {
        v[key]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x["id"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(ids("added"), ["p5"]);
    assert_eq!(ids("removed"), ["p4"]);
    // p1 changed text and findings; q2 is p2 renamed (same text); q3 is p3 reworded.
    assert_eq!(ids("changed"), ["p1", "q2", "q3"]);
    let changed = v["changed"].as_array().unwrap();
    assert_eq!(changed[0]["matched_by"], "id");
    assert_eq!(changed[1]["matched_by"], "fingerprint");
    assert_eq!(changed[1]["old_id"], "p2");
    assert_eq!(changed[1]["text_changed"], false);
    assert_eq!(changed[2]["matched_by"], "similarity");
    assert_eq!(changed[2]["old_id"], "p3");
    assert!(changed[2]["similarity"].as_f64().unwrap() >= 0.5);
    let inserted: Vec<&str> = changed[2]["text_diff"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["op"] == "insert")
        .map(|s| s["text"].as_str().unwrap())
        .collect();
    assert_eq!(inserted, ["all"]);
    // Consent removes at least one finding of p1.
    assert!(
        !changed[0]["findings"]["disappeared"]
            .as_array()
            .unwrap()
            .is_empty(),
        "{v:#}"
    );
    // Table and Markdown say the same.
    let table = run_in(d, &["diff", "old.yaml", "new.yaml", "--as-of", AS_OF], None).code(0);
    assert!(
        table.stdout.contains("1 added, 1 removed, 3 changed"),
        "{}",
        table.stdout
    );
    assert!(table.stdout.contains("consent.+}"), "{}", table.stdout);
    assert!(
        table.stdout.contains("(was p2, matched by fingerprint"),
        "{}",
        table.stdout
    );
    let md = run_in(
        d,
        &[
            "diff", "old.yaml", "new.yaml", "--format", "md", "--as-of", AS_OF,
        ],
        None,
    )
    .code(0);
    assert!(
        md.stdout.starts_with("# diff old.yaml → new.yaml"),
        "{}",
        md.stdout
    );
    assert!(md.stdout.contains("## changed (3)"));
    assert!(
        md.stdout.contains("**"),
        "insertions in bold: {}",
        md.stdout
    );
}

#[test]
fn identical_versions_have_no_changes() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::copy(root().join("examples/linkedin.yaml"), d.join("a.yaml")).unwrap();
    std::fs::copy(root().join("examples/linkedin.yaml"), d.join("b.yaml")).unwrap();
    let v = diff_json(d, "a.yaml", "b.yaml");
    assert!(v["added"].as_array().unwrap().is_empty());
    assert!(v["removed"].as_array().unwrap().is_empty());
    assert!(v["changed"].as_array().unwrap().is_empty());
    assert!(v["unchanged"].as_u64().unwrap() >= 4);
}

#[test]
fn raw_policies_are_classified_and_compared_and_usage_is_checked() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let intro = "# Privacy Policy\n\nThis policy explains how we handle your information.\n\n## Sharing\n\n";
    std::fs::write(
        d.join("a.md"),
        format!("{intro}We do not sell your personal information.\n"),
    )
    .unwrap();
    std::fs::write(
        d.join("b.md"),
        format!("{intro}We sell your personal information to data brokers.\n"),
    )
    .unwrap();
    let out = run_in(
        d,
        &[
            "diff",
            "a.md",
            "b.md",
            "--format",
            "json",
            "--as-of",
            "2026-11-25",
        ],
        None,
    )
    .code(0);
    let v = out.json();
    let text = v.to_string();
    assert!(
        text.contains("data brokers"),
        "the changed provision is listed: {text}"
    );
    assert!(
        !text.contains("how we handle your information\",\"changed"),
        "{text}"
    );
    let out = run_in(d, &["diff", "a.txt"], None).code(2);
    assert!(
        out.stderr.contains("compares two versions"),
        "{}",
        out.stderr
    );
}

/// Copy a rule directory (files only).
fn copy_rules(to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(root().join("rules")).unwrap() {
        let e = e.unwrap();
        if e.file_type().unwrap().is_file() {
            std::fs::copy(e.path(), to.join(e.file_name())).unwrap();
        }
    }
}

#[test]
fn diff_between_rule_sets_lists_every_changed_finding() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    copy_rules(&d.join("old"));
    copy_rules(&d.join("new"));
    std::fs::copy(root().join("examples/linkedin.yaml"), d.join("policy.yaml")).unwrap();
    // The findings under the old rules, to pick a rule that fires and change its severity.
    let eval = run_in(
        d,
        &[
            "evaluate",
            "policy.yaml",
            "--rules",
            "old",
            "--format",
            "json",
            "--as-of",
            AS_OF,
        ],
        None,
    )
    .code(0)
    .json();
    let f = &eval["provisions"][0]["findings"][0];
    let rule = f["rule"].as_str().unwrap();
    let severity = f["severity"].as_str().unwrap();
    let target = if severity == "critical" {
        "low"
    } else {
        "critical"
    };
    let pack = std::fs::read_dir(d.join("new"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| {
            std::fs::read_to_string(p)
                .unwrap()
                .contains(&format!("id: {rule}\n"))
        })
        .expect("the pack of the rule");
    let text = std::fs::read_to_string(&pack).unwrap();
    let at = text.find(&format!("id: {rule}\n")).unwrap();
    let sev_at = at + text[at..].find(&format!("severity: {severity}")).unwrap();
    let edited = format!(
        "{}severity: {target}{}",
        &text[..sev_at],
        &text[sev_at + format!("severity: {severity}").len()..]
    );
    std::fs::write(&pack, edited).unwrap();
    let expected: usize = eval["provisions"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| {
            p["findings"]
                .as_array()
                .unwrap()
                .iter()
                .any(|f| f["rule"] == rule)
        })
        .count();

    let v = run_in(
        d,
        &[
            "diff",
            "--rules",
            "old",
            "--rules-new",
            "new",
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
    let changed = v["changed"].as_array().unwrap();
    assert_eq!(changed.len(), expected, "{v:#}");
    for c in changed {
        let fs = &c["findings"];
        assert!(fs["appeared"].as_array().unwrap().is_empty());
        assert!(fs["disappeared"].as_array().unwrap().is_empty());
        let ch = fs["changed"].as_array().unwrap();
        assert_eq!(ch.len(), 1);
        assert_eq!(ch[0]["rule"], rule);
        assert_eq!(ch[0]["from"]["severity"], severity);
        assert_eq!(ch[0]["to"]["severity"], target);
    }
    assert_eq!(v["changed_findings"], expected);
    let table = run_in(
        d,
        &[
            "diff",
            "--rules",
            "old",
            "--rules-new",
            "new",
            "policy.yaml",
            "--as-of",
            AS_OF,
        ],
        None,
    )
    .code(0);
    assert!(
        table
            .stdout
            .contains(&format!("{severity} applies → {target} applies"))
            || table.stdout.contains(&format!("→ {target}")),
        "{}",
        table.stdout
    );
}
