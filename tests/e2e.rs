//! End to end in a real browser: `clausemap flags --format html` on a 200-provision policy,
//! driven in headless Chromium through WebDriver ([`webdriver`]). A reviewer filters by
//! jurisdiction, by severity and by review state, expands a provision and reads its findings;
//! the test checks what is displayed against the JSON matrix of the same run, and that text
//! from the policy cannot inject markup. Screenshots land in
//! `target/tmp/e2e/` (`CARGO_TARGET_TMPDIR`).
//!
//! Without Chromium the test fails and says how to install it, unless
//! `CLAUSEMAP_SKIP_BROWSER=1`.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test fails loudly at the first surprise"
)]

mod webdriver;

use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::support::run_in;
use webdriver::{Browser, Session};

const AS_OF: &str = "2026-11-25";

/// A provision whose title and text try to inject markup and script.
const HOSTILE: &str = r#"{"entity":{"id":"evil","facts":{"markets":["EU"],"establishments":["IE"]}},"document":{"id":"doc-evil"},"provisions":[{"id":"evil-1","title":"<img src=x onerror=\"document.title='pwned'\"> & co","text":"We sell </td></tr><script>document.title='pwned'</script> your personal data to data brokers.","attributes":{"data":["personal"],"purpose":["sale"],"recipients":["data_brokers"]}}]}"#;

fn browser_or_skip() -> Option<Browser> {
    match Browser::find() {
        Ok(b) => Some(b),
        Err(why) => {
            if std::env::var("CLAUSEMAP_SKIP_BROWSER").is_ok_and(|v| v == "1") {
                eprintln!("skipped (CLAUSEMAP_SKIP_BROWSER=1): {why}");
                None
            } else {
                panic!("{why}");
            }
        }
    }
}

fn shots() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("e2e");
    std::fs::create_dir_all(&dir).expect("the screenshot folder");
    dir
}

/// Write the 200-provision policy (plus the hostile one), record one decision, and write the
/// page and the JSON matrix of the same run.
fn prepare(dir: &Path) -> (PathBuf, Value, String) {
    let gen = run_in(
        dir,
        &[
            "bench",
            "gen",
            "--provisions",
            "200",
            "--per-document",
            "100",
        ],
        None,
    )
    .code(0);
    let policy = dir.join("policy.jsonl");
    std::fs::write(&policy, format!("{}{HOSTILE}\n", gen.stdout)).unwrap();
    let matrix = run_in(
        dir,
        &[
            "flags",
            "policy.jsonl",
            "--format",
            "json",
            "--as-of",
            AS_OF,
        ],
        None,
    )
    .code(0)
    .json();
    let first = &matrix["provisions"][0];
    let rule = first["findings"][0]["rule"].as_str().unwrap().to_string();
    run_in(
        dir,
        &[
            "review",
            "policy.jsonl",
            "--provision",
            first["id"].as_str().unwrap(),
            "--rule",
            &rule,
            "--decision",
            "confirm",
            "--reason",
            "checked against the clause <b>by hand</b>",
            "--reviewer",
            "e2e",
            "--as-of",
            AS_OF,
        ],
        None,
    )
    .code(0);
    let matrix = run_in(
        dir,
        &[
            "flags",
            "policy.jsonl",
            "--format",
            "json",
            "--as-of",
            AS_OF,
        ],
        None,
    )
    .code(0)
    .json();
    let html = run_in(
        dir,
        &[
            "flags",
            "policy.jsonl",
            "--format",
            "html",
            "--as-of",
            AS_OF,
        ],
        None,
    )
    .code(0);
    let page = dir.join("flags.html");
    std::fs::write(&page, &html.stdout).unwrap();
    (page, matrix, rule)
}

fn select(s: &Session, select_id: &str, value: &str) {
    let option = s.find(&format!("#{select_id} option[value=\"{value}\"]"));
    s.click(&option);
    assert_eq!(
        s.property(&s.find(&format!("#{select_id}")), "value")
            .as_deref(),
        Some(value),
        "the {select_id} filter took the value"
    );
}

/// Ids of the provision rows the page displays (via WebDriver's own visibility check).
fn displayed_rows(s: &Session) -> Vec<String> {
    s.find_all("tr.prov")
        .into_iter()
        .filter(|e| s.displayed(e))
        .map(|e| s.attribute(&e, "data-id").unwrap_or_default())
        .collect()
}

fn sev_rank(s: &str) -> u8 {
    match s {
        "low" => 1,
        "medium" => 2,
        "high" => 3,
        "critical" => 4,
        _ => 0,
    }
}

/// The rows a filter should leave, computed from the JSON matrix.
fn expected_rows(matrix: &Value, j: &str, min: u8, review: &str) -> Vec<String> {
    matrix["provisions"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| {
            p["findings"].as_array().unwrap().iter().any(|f| {
                (j.is_empty() || f["jurisdiction"] == j)
                    && sev_rank(f["severity"].as_str().unwrap()) >= min
                    && (review.is_empty() || f["review"]["state"] == review)
            })
        })
        .map(|p| p["id"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn flags_page_filters_and_expands_in_headless_chromium() {
    let Some(browser) = browser_or_skip() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let (page, matrix, rule) = prepare(dir.path());
    let total = matrix["provisions"].as_array().unwrap().len();
    assert_eq!(total, 201, "200 generated provisions and the hostile one");
    let shots = shots();

    let s = Session::start(&browser, 1400, 1000);
    s.open(&page);
    // Nothing injected: the hostile title is text, its script did not run.
    assert_ne!(s.script("return document.title"), "pwned");
    assert_eq!(s.find_all("#matrix img").len(), 0, "no <img> was injected");
    assert_eq!(s.find_all("#matrix script").len(), 0);
    let evil = s.find("tr.prov[data-id=\"evil-1\"] .clause strong");
    assert!(s.text(&evil).starts_with("<img src=x"), "{}", s.text(&evil));
    let count = s.find("#count");
    assert_eq!(
        s.text(&count),
        format!("showing {total} of {total} provisions")
    );
    assert_eq!(displayed_rows(&s).len(), total);
    s.screenshot(&shots.join("1-all.png"));

    // Jurisdiction filter: only EU's column, only provisions with an EU finding.
    select(&s, "f-jurisdiction", "EU");
    let eu = expected_rows(&matrix, "EU", 0, "");
    assert!(!eu.is_empty() && eu.len() < total, "{} rows", eu.len());
    assert_eq!(displayed_rows(&s), eu);
    assert!(s.displayed(&s.find("thead th[data-j=\"EU\"]")));
    for other in matrix["jurisdictions"].as_array().unwrap() {
        let other = other.as_str().unwrap();
        if other != "EU" {
            let th = s.find(&format!("thead th[data-j=\"{other}\"]"));
            assert!(!s.displayed(&th), "column {other} is hidden");
        }
    }
    s.screenshot(&shots.join("2-eu.png"));

    // Severity filter on top: EU findings of high or critical severity.
    select(&s, "f-severity", "3");
    let eu_high = expected_rows(&matrix, "EU", 3, "");
    assert!(!eu_high.is_empty() && eu_high.len() <= eu.len());
    assert_eq!(displayed_rows(&s), eu_high);
    assert_eq!(
        s.text(&count),
        format!("showing {} of {total} provisions", eu_high.len())
    );
    s.screenshot(&shots.join("3-eu-high.png"));

    // Expand the first provision left: its clause and only its matching findings show.
    let first_id = &eu_high[0];
    let row = s.find(&format!("tr.prov[data-id=\"{first_id}\"]"));
    let detail_id = s.attribute(&row, "aria-controls").unwrap();
    let detail = s.find(&format!("#{detail_id}"));
    assert!(!s.displayed(&detail), "collapsed at first");
    s.click(&s.find_within(&row, "button.toggle")[0]);
    assert!(s.displayed(&detail), "expanded after the click");
    let provision = matrix["provisions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["id"] == first_id.as_str())
        .unwrap();
    let clause = s.find_within(&detail, "blockquote.text")[0].clone();
    assert!(s.displayed(&clause));
    let words: Vec<&str> = provision["excerpt"]
        .as_str()
        .unwrap()
        .split_whitespace()
        .take(5)
        .collect();
    assert!(
        s.text(&clause).starts_with(&words.join(" ")),
        "the clause is shown: {}",
        s.text(&clause)
    );
    let items = s.find_within(&detail, "li.finding");
    let mut shown = 0;
    for li in &items {
        let j = s.attribute(li, "data-j").unwrap();
        let sev: u8 = s.attribute(li, "data-sev").unwrap().parse().unwrap();
        let visible = s.displayed(li);
        assert_eq!(
            visible,
            j == "EU" && sev >= 3,
            "finding in {j} of severity {sev}"
        );
        if visible {
            shown += 1;
            let text = s.text(li);
            assert!(text.contains("because"), "{text}");
            assert!(text.contains("review:"), "{text}");
        }
    }
    let expected_shown = provision["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["jurisdiction"] == "EU" && sev_rank(f["severity"].as_str().unwrap()) >= 3)
        .count();
    assert_eq!(shown, expected_shown);
    assert!(shown > 0);
    let citation = s.find_within(&detail, "li.finding:not([hidden]) .citation")[0].clone();
    assert!(!s.text(&citation).is_empty());
    s.screenshot(&shots.join("4-expanded.png"));

    // Review filter alone: exactly the one confirmed finding's provision.
    select(&s, "f-jurisdiction", "");
    select(&s, "f-severity", "");
    select(&s, "f-review", "confirmed");
    let confirmed = expected_rows(&matrix, "", 0, "confirmed");
    assert_eq!(confirmed.len(), 1);
    assert_eq!(displayed_rows(&s), confirmed);
    let row = s.find(&format!("tr.prov[data-id=\"{}\"]", confirmed[0]));
    let detail_id = s.attribute(&row, "aria-controls").unwrap();
    if !s.displayed(&s.find(&format!("#{detail_id}"))) {
        s.click(&s.find_within(&row, "button.toggle")[0]);
    }
    let visible: Vec<String> = s
        .find_all(&format!("#{detail_id} li.finding"))
        .into_iter()
        .filter(|li| s.displayed(li))
        .collect();
    assert_eq!(visible.len(), 1);
    assert_eq!(
        s.attribute(&visible[0], "data-rule").as_deref(),
        Some(&*rule)
    );
    let text = s.text(&visible[0]);
    assert!(
        text.contains("review: confirmed by e2e") && text.contains("<b>by hand</b>"),
        "{text}"
    );
    s.screenshot(&shots.join("5-confirmed.png"));
    eprintln!("screenshots in {}", shots.display());
}
