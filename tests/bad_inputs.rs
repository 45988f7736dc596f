//! The catalogue of broken inputs: each must fail with exit 2 and exactly the message in its
//! golden file, pointing at the right line and column.

use crate::support::{golden, root, run_in};

/// Every directory under `tests/fixtures/bad/packs/` is a rule directory with one problem;
/// `<name>.stderr` beside it holds what `clausemap check <name>` prints.
#[test]
fn each_broken_pack_fails_with_its_golden_message() {
    let dir = root().join("tests/fixtures/bad/packs");
    let mut cases: Vec<_> = std::fs::read_dir(&dir)
        .expect("fixtures exist")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_dir())
        .collect();
    cases.sort();
    assert!(
        cases.len() >= 30,
        "the catalogue holds {} cases",
        cases.len()
    );
    let mut failures = Vec::new();
    for case in &cases {
        let name = case
            .file_name()
            .and_then(|n| n.to_str())
            .expect("utf-8 name");
        let out = run_in(&dir, &["check", name], None);
        if out.code != 2 {
            failures.push(format!(
                "{name}: exit {} instead of 2\n{}",
                out.code, out.stderr
            ));
            continue;
        }
        if !out.stdout.is_empty() {
            failures.push(format!("{name}: printed on stdout: {}", out.stdout));
        }
        if let Some(diff) = golden(&dir.join(format!("{name}.stderr")), &out.stderr) {
            failures.push(diff);
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn errors_can_be_read_as_json() {
    let dir = root().join("tests/fixtures/bad/packs");
    let out = run_in(
        &dir,
        &["--error-format", "json", "check", "unknown-attribute"],
        None,
    )
    .code(2);
    let line: serde_json::Value =
        serde_json::from_str(out.stderr.lines().next().expect("one line")).expect("json");
    assert_eq!(line["code"], "check::unknown-attribute");
    assert_eq!(line["file"], "unknown-attribute/pack.yaml");
    assert_eq!(line["line"], 22);
    assert_eq!(line["column"], 36);
    assert_eq!(line["help"], "did you mean `purpose`?");
}
