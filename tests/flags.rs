//! `clausemap flags`: the provision × jurisdiction matrix in a terminal, as CSV, JSON and a
//! self-contained HTML page, with review states; filters by jurisdiction and severity.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test fails loudly at the first surprise"
)]

use std::process::{Command, Stdio};

use serde_json::Value;

use crate::support::{root, run, run_in};

const AS_OF: &str = "2026-11-25";

/// Run with extra environment variables (the support builder sets `NO_COLOR=1`).
fn run_env(args: &[&str], env: &[(&str, &str)]) -> String {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_clausemap"));
    cmd.args(args).current_dir(root()).stdin(Stdio::null());
    cmd.env_remove("NO_COLOR").env_remove("COLUMNS");
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn the_table_fits_the_width_and_shows_flags_and_review_states() {
    let json = run(&[
        "flags",
        "examples/linkedin.yaml",
        "--format",
        "json",
        "--as-of",
        AS_OF,
    ])
    .code(0)
    .json();
    for width in ["80", "100", "140"] {
        let out = run_env(
            &["flags", "examples/linkedin.yaml", "--as-of", AS_OF],
            &[("COLUMNS", width)],
        );
        assert!(!out.contains('\x1b'), "no colour when not a terminal");
        let w: usize = width.parse().unwrap();
        for line in out.lines().filter(|l| !l.starts_with("cell:")) {
            assert!(line.chars().count() <= w, "{width}: {line:?}");
        }
        let header = out.lines().next().unwrap();
        for j in json["jurisdictions"].as_array().unwrap() {
            assert!(header.contains(j.as_str().unwrap()), "{header}");
        }
        for p in json["provisions"].as_array().unwrap() {
            let id = p["id"].as_str().unwrap();
            let short: String = id.chars().take(10).collect();
            assert!(out.contains(&short), "{id} in\n{out}");
        }
        assert!(out.contains("· pending"), "the legend: {out}");
        assert!(out.contains("pending (as of"), "the review count: {out}");
    }
    // Default width is 100.
    let out = run_env(&["flags", "examples/linkedin.yaml", "--as-of", AS_OF], &[]);
    assert!(out
        .lines()
        .all(|l| l.starts_with("cell:") || l.chars().count() <= 100));
}

#[test]
fn colour_only_on_a_terminal_and_never_with_no_color() {
    use clausemap::flags::table::{render, Style};
    let out = run_env(
        &["flags", "examples/linkedin.yaml", "--as-of", AS_OF],
        &[("NO_COLOR", "1")],
    );
    assert!(!out.contains('\x1b'));
    // Rendering itself colours when asked to.
    let m = clausemap_matrix();
    let coloured = render(
        &m,
        &Style {
            width: 100,
            colour: true,
        },
    );
    assert!(coloured.contains("\x1b[31m") || coloured.contains("\x1b[1;31m"));
    let plain = render(
        &m,
        &Style {
            width: 100,
            colour: false,
        },
    );
    assert!(!plain.contains('\x1b'));
}

/// A matrix built through the library, as `flags` builds it.
fn clausemap_matrix() -> clausemap::flags::Matrix {
    use clap::Parser;
    let cli = clausemap::cli::Cli::parse_from([
        "clausemap",
        "flags",
        root().join("examples/linkedin.yaml").to_str().unwrap(),
        "--as-of",
        AS_OF,
    ]);
    let clausemap::cli::Command::Flags(args) = cli.command else {
        panic!("parsed as flags");
    };
    clausemap::flags::build(&args).unwrap()
}

#[test]
fn csv_and_json_keep_every_provision_and_agree_with_evaluate() {
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
    let json = run(&[
        "flags",
        "examples/linkedin.yaml",
        "--format",
        "json",
        "--as-of",
        AS_OF,
    ])
    .code(0)
    .json();
    let e = eval["provisions"].as_array().unwrap();
    let f = json["provisions"].as_array().unwrap();
    assert_eq!(e.len(), f.len());
    for (a, b) in e.iter().zip(f) {
        assert_eq!(a["id"], b["id"]);
        for flag in a["flags"].as_array().unwrap() {
            let cell = &b["cells"][flag["jurisdiction"].as_str().unwrap()];
            assert_eq!(cell["severity"], flag["severity"]);
            assert_eq!(cell["status"], flag["status"]);
            assert_eq!(cell["review"], "pending");
        }
        assert_eq!(
            a["flags"].as_array().unwrap().len(),
            b["cells"].as_object().unwrap().len()
        );
    }
    let csv = run(&[
        "flags",
        "examples/linkedin.yaml",
        "--format",
        "csv",
        "--as-of",
        AS_OF,
    ])
    .code(0)
    .stdout;
    let lines: Vec<&str> = csv.lines().collect();
    assert!(lines[0].starts_with("document,provision,title,excerpt,severity,EU"));
    assert_eq!(lines.len(), 1 + e.len());
    assert!(csv.contains("high applies pending"), "{csv}");
}

#[test]
fn filters_by_jurisdiction_and_minimum_severity() {
    let json = run(&[
        "flags",
        "examples/linkedin.yaml",
        "--format",
        "json",
        "--as-of",
        AS_OF,
        "--jurisdiction",
        "EU",
        "--min-severity",
        "high",
    ])
    .code(0)
    .json();
    assert_eq!(json["jurisdictions"], serde_json::json!(["EU"]));
    for p in json["provisions"].as_array().unwrap() {
        for f in p["findings"].as_array().unwrap() {
            assert_eq!(f["jurisdiction"], "EU");
            assert!(["high", "critical"].contains(&f["severity"].as_str().unwrap()));
        }
    }
    let bad = run(&["flags", "examples/linkedin.yaml", "--jurisdiction", "EUU"]).code(2);
    assert!(bad.stderr.contains("did you mean `EU`"), "{}", bad.stderr);
}

#[test]
fn the_html_page_is_self_contained_and_escapes_every_text() {
    let dir = tempfile::tempdir().unwrap();
    let hostile = r#"{"entity":{"id":"e","facts":{"markets":["EU"],"establishments":["IE"]}},"document":{"id":"d"},"provisions":[{"id":"x\"><b>1","title":"<img src=x onerror=alert(1)>","text":"We sell </textarea><script>alert(1)</script> your personal data & more.","attributes":{"data":["personal"],"purpose":["sale"],"recipients":["data_brokers"]}}]}"#;
    std::fs::write(dir.path().join("h.jsonl"), format!("{hostile}\n")).unwrap();
    let html = run_in(
        dir.path(),
        &["flags", "h.jsonl", "--format", "html", "--as-of", AS_OF],
        None,
    )
    .code(0)
    .stdout;
    assert!(html.starts_with("<!doctype html>"));
    assert!(!html.contains("<img"), "title escaped");
    assert!(html.contains("&lt;img src=x onerror=alert(1)&gt;"));
    assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    assert!(
        html.contains("data-id=\"x&quot;&gt;&lt;b&gt;1\""),
        "attribute escaped"
    );
    assert_eq!(
        html.matches("<script>").count(),
        1,
        "only the page's own script"
    );
    for external in ["<link", "src=\"http", "@import", "url("] {
        assert!(!html.contains(external), "no external asset: {external}");
    }
    assert!(html.contains("Content-Security-Policy"));
    let v: Value = run_in(
        dir.path(),
        &["flags", "h.jsonl", "--format", "json", "--as-of", AS_OF],
        None,
    )
    .code(0)
    .json();
    assert_eq!(v["provisions"].as_array().unwrap().len(), 1);
}
