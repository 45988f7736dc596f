//! The review ledger as reviewers use it: decisions recorded, shown by every command that
//! evaluates, reopened (stale) when the text changes, never lost, never silently overwritten,
//! safe with two reviewers at once, and a malformed ledger is an error with its line.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test fails loudly at the first surprise"
)]

use std::collections::BTreeSet;
use std::path::Path;
use std::process::{Command, Stdio};

use serde_json::Value;

use crate::support::{root, run_in, Run};

const AS_OF: &str = "2026-11-25";

fn setup() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(
        root().join("examples/linkedin.yaml"),
        dir.path().join("policy.yaml"),
    )
    .unwrap();
    dir
}

fn evaluate(dir: &Path, file: &str) -> Value {
    run_in(
        dir,
        &["evaluate", file, "--format", "json", "--as-of", AS_OF],
        None,
    )
    .code(0)
    .json()
}

fn decide(dir: &Path, provision: &str, rule: &str, decision: &str, reviewer: &str) -> Run {
    run_in(
        dir,
        &[
            "review",
            "policy.yaml",
            "--provision",
            provision,
            "--rule",
            rule,
            "--decision",
            decision,
            "--reason",
            &format!("{reviewer} read the clause"),
            "--reviewer",
            reviewer,
            "--as-of",
            AS_OF,
        ],
        None,
    )
}

/// The review of one finding in `evaluate --format json` output.
fn review_of<'a>(eval: &'a Value, provision: &str, rule: &str) -> &'a Value {
    let p = eval["provisions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["id"] == provision)
        .unwrap_or_else(|| panic!("no provision {provision}"));
    let f = p["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule"] == rule)
        .unwrap_or_else(|| panic!("no finding {rule} on {provision}"));
    &f["review"]
}

fn rules_of(eval: &Value, provision: &str) -> BTreeSet<String> {
    eval["provisions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["id"] == provision)
        .unwrap()["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["rule"].as_str().unwrap().to_string())
        .collect()
}

/// The new version: the first provision's text reworded and its attributes now saying it rests
/// on opt-in consent, so some of its findings go and the rest remain.
fn edit_first_provision(text: &str) -> String {
    let old = "develop and train artificial intelligence (AI) models,";
    assert!(text.contains(old), "the example's first clause changed");
    let text = text.replacen(
        old,
        "develop and train artificial intelligence (AI) models, with your consent,",
        1,
    );
    let attrs = "      legal_basis: unspecified\n      consent: unspecified\n";
    assert!(text.contains(attrs));
    text.replacen(
        attrs,
        "      legal_basis: consent\n      consent: opt_in\n",
        1,
    )
}

#[test]
fn scripted_review_one_decision_goes_stale_two_hold_none_lost_and_diff_names_the_change() {
    let dir = setup();
    let d = dir.path();
    let original = std::fs::read_to_string(d.join("policy.yaml")).unwrap();
    std::fs::write(d.join("v1.yaml"), &original).unwrap();
    std::fs::write(d.join("v2.yaml"), edit_first_provision(&original)).unwrap();
    let before = evaluate(d, "policy.yaml");
    let after_preview = evaluate(d, "v2.yaml");
    let ids: Vec<String> = before["provisions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["id"].as_str().unwrap().to_string())
        .collect();
    let (p1, p2, p3) = (&ids[0], &ids[1], &ids[2]);
    // A finding on the first provision that survives the edit; one on each of two others.
    let kept: Vec<String> = rules_of(&before, p1)
        .intersection(&rules_of(&after_preview, p1))
        .cloned()
        .collect();
    let r1 = kept.first().expect("a finding survives the edit").clone();
    let r2 = rules_of(&before, p2).into_iter().next().unwrap();
    let r3 = rules_of(&before, p3).into_iter().next().unwrap();
    // Nothing decided yet: no ledger, no review field, output as it always was.
    assert!(review_of(&before, p1, &r1).is_null());

    decide(d, p1, &r1, "confirm", "ana").code(0);
    decide(d, p2, &r2, "dismiss", "bo").code(0);
    decide(d, p3, &r3, "accept-risk", "cy").code(0);
    let decided = evaluate(d, "policy.yaml");
    assert_eq!(review_of(&decided, p1, &r1)["state"], "confirmed");
    assert_eq!(review_of(&decided, p1, &r1)["reviewer"], "ana");
    assert_eq!(review_of(&decided, p2, &r2)["state"], "dismissed");
    assert_eq!(review_of(&decided, p3, &r3)["state"], "accepted-risk");
    let others = rules_of(&decided, p2)
        .into_iter()
        .find(|r| *r != r2)
        .unwrap();
    assert_eq!(review_of(&decided, p2, &others)["state"], "pending");

    // The policy changes: the first provision's text (and classification) is new.
    std::fs::write(d.join("policy.yaml"), edit_first_provision(&original)).unwrap();
    let after = evaluate(d, "policy.yaml");
    let stale = review_of(&after, p1, &r1);
    assert_eq!(stale["state"], "stale", "{stale}");
    assert_eq!(stale["decision"], "confirm", "shown with the old decision");
    assert_eq!(stale["reviewer"], "ana");
    assert_eq!(review_of(&after, p2, &r2)["state"], "dismissed");
    assert_eq!(review_of(&after, p3, &r3)["state"], "accepted-risk");
    let ledger = std::fs::read_to_string(d.join("policy.review.yaml")).unwrap();
    assert_eq!(ledger.matches("- fingerprint:").count(), 3, "{ledger}");

    let list = run_in(
        d,
        &["review", "policy.yaml", "--list", "--as-of", AS_OF],
        None,
    )
    .code(0);
    assert!(
        list.stdout
            .contains("stale: the text changed since the decision (1)"),
        "{}",
        list.stdout
    );
    assert!(list.stdout.contains("decided (2)"), "{}", list.stdout);
    assert!(
        list.stdout.contains("stale (was confirm by ana"),
        "{}",
        list.stdout
    );

    // Re-reviewing the new text replaces the stale decision, keeping it in the history.
    decide(d, p1, &r1, "confirm", "dee").code(0);
    let rereviewed = evaluate(d, "policy.yaml");
    assert_eq!(review_of(&rereviewed, p1, &r1)["state"], "confirmed");
    let ledger = std::fs::read_to_string(d.join("policy.review.yaml")).unwrap();
    assert_eq!(ledger.matches("- fingerprint:").count(), 3, "{ledger}");
    assert!(
        ledger.contains("history:") && ledger.contains("reviewer: ana"),
        "{ledger}"
    );

    // `diff` names exactly the changed provision and its changed findings.
    let diff = run_in(
        d,
        &[
            "diff",
            "v1.yaml",
            "v2.yaml",
            "--format",
            "json",
            "--as-of",
            AS_OF,
            "--ledger",
            "policy.review.yaml",
        ],
        None,
    )
    .code(0)
    .json();
    assert_eq!(diff["added"].as_array().unwrap().len(), 0);
    assert_eq!(diff["removed"].as_array().unwrap().len(), 0);
    let changed = diff["changed"].as_array().unwrap();
    assert_eq!(changed.len(), 1, "{diff:#}");
    assert_eq!(changed[0]["id"], p1.as_str());
    assert_eq!(changed[0]["text_changed"], true);
    let inserted: String = changed[0]["text_diff"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["op"] == "insert")
        .map(|s| s["text"].as_str().unwrap())
        .collect();
    assert!(inserted.contains("consent"), "{inserted}");
    let old_rules = rules_of(&before, p1);
    let new_rules = rules_of(&after, p1);
    let gone: BTreeSet<String> = old_rules.difference(&new_rules).cloned().collect();
    let came: BTreeSet<String> = new_rules.difference(&old_rules).cloned().collect();
    assert!(
        !gone.is_empty() || !came.is_empty(),
        "the edit changes findings"
    );
    let listed = |key: &str| -> BTreeSet<String> {
        changed[0]["findings"][key]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["rule"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(listed("disappeared"), gone);
    assert_eq!(listed("appeared"), came);
    // The ledger at diff time holds the re-review on the new text and the old decision
    // only in history, so no decision on the old text is current: nothing listed as stale.
    assert_eq!(diff["unchanged"], ids.len() - 1);
}

#[test]
fn diff_lists_the_decisions_a_change_makes_stale() {
    let dir = setup();
    let d = dir.path();
    let original = std::fs::read_to_string(d.join("policy.yaml")).unwrap();
    let eval = evaluate(d, "policy.yaml");
    let p1 = eval["provisions"][0]["id"].as_str().unwrap().to_string();
    let r1 = eval["provisions"][0]["findings"][0]["rule"]
        .as_str()
        .unwrap()
        .to_string();
    decide(d, &p1, &r1, "dismiss", "ana").code(0);
    std::fs::write(d.join("v2.yaml"), edit_first_provision(&original)).unwrap();
    let out = run_in(
        d,
        &["diff", "policy.yaml", "v2.yaml", "--as-of", AS_OF],
        None,
    )
    .code(0);
    assert!(
        out.stdout
            .contains(&format!("! review now stale: dismiss `{r1}` by ana")),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout.contains("{+with your consent,+}"),
        "a word diff: {}",
        out.stdout
    );
    // Edited in place: the old text saved aside, the ledger stays beside the new version.
    std::fs::write(d.join("policy-old.yaml"), &original).unwrap();
    std::fs::write(d.join("policy.yaml"), edit_first_provision(&original)).unwrap();
    let out = run_in(
        d,
        &["diff", "policy-old.yaml", "policy.yaml", "--as-of", AS_OF],
        None,
    )
    .code(0);
    assert!(
        out.stdout
            .contains(&format!("! review now stale: dismiss `{r1}` by ana")),
        "{}",
        out.stdout
    );
}

#[test]
fn redeciding_replaces_the_decision_and_keeps_the_history() {
    let dir = setup();
    let d = dir.path();
    let eval = evaluate(d, "policy.yaml");
    let p = eval["provisions"][1]["id"].as_str().unwrap().to_string();
    let r = eval["provisions"][1]["findings"][0]["rule"]
        .as_str()
        .unwrap()
        .to_string();
    decide(d, &p, &r, "confirm", "ana").code(0);
    let second = decide(d, &p, &r, "dismiss", "bo").code(0);
    assert!(
        second
            .stdout
            .contains("replaced the earlier decision (confirm by ana)"),
        "{}",
        second.stdout
    );
    let ledger = std::fs::read_to_string(d.join("policy.review.yaml")).unwrap();
    assert_eq!(ledger.matches("- fingerprint:").count(), 1);
    assert!(ledger.contains("decision: dismiss"));
    assert!(
        ledger.contains("history:\n  - decision: confirm\n    reviewer: ana"),
        "{ledger}"
    );
    assert_eq!(
        review_of(&evaluate(d, "policy.yaml"), &p, &r)["state"],
        "dismissed"
    );
}

#[test]
fn two_reviewers_writing_at_once_lose_nothing() {
    let dir = setup();
    let d = dir.path();
    let eval = evaluate(d, "policy.yaml");
    let mut work = Vec::new();
    for p in eval["provisions"].as_array().unwrap() {
        for f in p["findings"].as_array().unwrap().iter().take(3) {
            work.push((
                p["id"].as_str().unwrap().to_string(),
                f["rule"].as_str().unwrap().to_string(),
            ));
        }
    }
    assert!(work.len() >= 10);
    let children: Vec<_> = work
        .iter()
        .enumerate()
        .map(|(i, (p, r))| {
            Command::new(env!("CARGO_BIN_EXE_clausemap"))
                .current_dir(d)
                .args([
                    "review",
                    "policy.yaml",
                    "--provision",
                    p,
                    "--rule",
                    r,
                    "--decision",
                    "confirm",
                    "--reason",
                    "checked",
                    "--reviewer",
                    &format!("reviewer-{i}"),
                    "--as-of",
                    AS_OF,
                ])
                .stdout(Stdio::null())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    for c in children {
        let out = c.wait_with_output().unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let ledger = std::fs::read_to_string(d.join("policy.review.yaml")).unwrap();
    assert_eq!(
        ledger.matches("- fingerprint:").count(),
        work.len(),
        "{ledger}"
    );
    for i in 0..work.len() {
        assert!(ledger.contains(&format!("reviewer: reviewer-{i}\n")));
    }
    let leftovers: Vec<String> = std::fs::read_dir(d)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".lock") || n.ends_with(".tmp"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

#[test]
fn a_malformed_ledger_is_an_error_naming_its_line_never_an_empty_ledger() {
    let dir = setup();
    let d = dir.path();
    let broken = "version: 1\ndecisions:\n  - fingerprint: 0000\n    rule: [unclosed\n";
    std::fs::write(d.join("policy.review.yaml"), broken).unwrap();
    for args in [
        vec!["evaluate", "policy.yaml", "--as-of", AS_OF],
        vec!["flags", "policy.yaml", "--as-of", AS_OF],
        vec!["review", "policy.yaml", "--list", "--as-of", AS_OF],
    ] {
        let out = run_in(d, &args, None).code(2);
        assert!(
            out.stderr.contains("malformed review ledger")
                && out.stderr.contains("policy.review.yaml:"),
            "{args:?}: {}",
            out.stderr
        );
    }
    let eval_err = run_in(
        d,
        &[
            "evaluate",
            "policy.yaml",
            "--as-of",
            AS_OF,
            "--error-format",
            "json",
        ],
        None,
    )
    .code(2);
    let line: Value = serde_json::from_str(eval_err.stderr.lines().next().unwrap()).unwrap();
    assert_eq!(line["file"], "policy.review.yaml");
    assert!(line["line"].as_u64().is_some_and(|l| l >= 3), "{line}");
    // Recording refuses too, and leaves the file as it was.
    let eval = evaluate(&root(), "examples/linkedin.yaml");
    let p = eval["provisions"][0]["id"].as_str().unwrap();
    let r = eval["provisions"][0]["findings"][0]["rule"]
        .as_str()
        .unwrap();
    decide(d, p, r, "confirm", "ana").code(2);
    assert_eq!(
        std::fs::read_to_string(d.join("policy.review.yaml")).unwrap(),
        broken
    );
    // A bad fingerprint is named at its line.
    std::fs::write(
        d.join("policy.review.yaml"),
        "version: 1\ndecisions:\n- fingerprint: abc\n  rule: r\n  provision: p\n  decision: confirm\n  reviewer: a\n  date: 2026-01-01\n  reason: x\n",
    )
    .unwrap();
    let out = run_in(d, &["evaluate", "policy.yaml", "--as-of", AS_OF], None).code(2);
    assert!(
        out.stderr.contains("policy.review.yaml:3:"),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr.contains("is not a SHA-256 fingerprint"),
        "{}",
        out.stderr
    );
}

#[test]
fn an_expired_decision_shows_as_expired_and_typos_are_refused() {
    let dir = setup();
    let d = dir.path();
    let eval = evaluate(d, "policy.yaml");
    let p = eval["provisions"][0]["id"].as_str().unwrap().to_string();
    let r = eval["provisions"][0]["findings"][0]["rule"]
        .as_str()
        .unwrap()
        .to_string();
    run_in(
        d,
        &[
            "review",
            "policy.yaml",
            "--provision",
            &p,
            "--rule",
            &r,
            "--decision",
            "accept-risk",
            "--reason",
            "until the DPIA is done",
            "--reviewer",
            "ana",
            "--expires",
            "2020-01-31",
            "--as-of",
            AS_OF,
        ],
        None,
    )
    .code(0);
    let after = evaluate(d, "policy.yaml");
    let review = review_of(&after, &p, &r);
    assert_eq!(review["state"], "expired");
    assert_eq!(review["expires"], "2020-01-31");
    let table = run_in(d, &["evaluate", "policy.yaml", "--as-of", AS_OF], None).code(0);
    assert!(
        table.stdout.contains("[review: expired by ana"),
        "{}",
        table.stdout
    );
    let typo = format!("{r}x");
    let out = decide(d, &p, &typo, "confirm", "ana").code(2);
    assert!(out.stderr.contains("did you mean"), "{}", out.stderr);
    let out = decide(d, "NO-SUCH", &r, "confirm", "ana").code(2);
    assert!(
        out.stderr.contains("no provision `NO-SUCH`"),
        "{}",
        out.stderr
    );
}
