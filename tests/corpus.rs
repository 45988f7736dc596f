//! Whole-pipeline runs on real published policies (classify → evaluate → memo), read from
//! `$CLAUSEMAP_CORPUS` (default `../shared/corpus`). Nothing from the corpus is copied here.

use std::collections::BTreeSet;

use crate::support::{corpus, run};

fn policies(dir: &std::path::Path) -> Vec<String> {
    let mut files = Vec::new();
    for service in std::fs::read_dir(dir.join("platform-policies")).unwrap() {
        let service = service.unwrap().path();
        if !service.is_dir() {
            continue;
        }
        for f in std::fs::read_dir(&service).unwrap() {
            let f = f.unwrap().path();
            if f.extension()
                .is_some_and(|e| e == "md" || e == "html" || e == "txt")
            {
                files.push(f.display().to_string());
            }
        }
    }
    files.sort();
    files
}

#[test]
fn every_platform_policy_goes_through_classify_evaluate_and_memo() {
    let Some(dir) = corpus() else { return };
    let files = policies(&dir);
    assert!(files.len() >= 50, "{} policies", files.len());
    let mut args = vec!["evaluate", "--format", "jsonl", "--as-of", "2026-11-25"];
    args.extend(files.iter().map(String::as_str));
    let out = run(&args).code(0);
    let mut documents = BTreeSet::new();
    let mut provisions = 0;
    for line in out.stdout.lines() {
        let p: serde_json::Value = serde_json::from_str(line).unwrap();
        assert!(
            p["errors"].as_array().unwrap().is_empty(),
            "{}: {}",
            p["id"],
            p["errors"]
        );
        documents.insert(p["document"].as_str().unwrap().to_string());
        provisions += 1;
    }
    assert_eq!(
        documents.len(),
        files.len(),
        "every policy yields a document"
    );
    assert!(provisions > 2_000, "{provisions} provisions");

    let tmp = tempfile::tempdir().unwrap();
    let outdir = tmp.path().display().to_string();
    let mut args = vec![
        "memo",
        "--document-only",
        "--out",
        &outdir,
        "--as-of",
        "2026-11-25",
    ];
    args.extend(files.iter().map(String::as_str));
    run(&args).code(0);
    let memos = std::fs::read_dir(tmp.path()).unwrap().count();
    assert_eq!(memos, files.len(), "one document memo per policy");
}

/// Classify a LinkedIn policy with LinkedIn's entity facts and evaluate it.
fn linkedin(dir: &std::path::Path, version: &str) -> (serde_json::Value, BTreeSet<String>) {
    let tmp = tempfile::tempdir().unwrap();
    let classified = tmp.path().join("classified.json");
    let policy = dir.join(format!("platform-policies/{version}/privacy-policy.md"));
    run(&[
        "classify",
        &policy.display().to_string(),
        "--entity",
        "examples/linkedin-entity.yaml",
        "--format",
        "json",
        "--out",
        &classified.display().to_string(),
    ])
    .code(0);
    let doc: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&classified).unwrap()).unwrap();
    let training: BTreeSet<String> = doc["provisions"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| {
            p["attributes"]["purpose"].as_array().is_some_and(|v| {
                v.iter()
                    .any(|x| x.as_str().unwrap().starts_with("ai_training"))
            })
        })
        .map(|p| p["id"].as_str().unwrap().to_string())
        .collect();
    let out = run(&[
        "evaluate",
        &classified.display().to_string(),
        "--format",
        "json",
        "--as-of",
        "2026-11-25",
    ])
    .code(0);
    (out.json(), training)
}

#[test]
fn linkedin_yields_ai_training_provisions_and_its_eu_version_flags_differently() {
    let Some(dir) = corpus() else { return };
    let (global, global_training) = linkedin(&dir, "linkedin");
    let (eu, eu_training) = linkedin(&dir, "linkedin-eu");
    assert!(
        !global_training.is_empty(),
        "the global policy has provisions with purpose has \"ai_training\""
    );
    assert!(!eu_training.is_empty(), "so has the European notice");
    let eu_rules = |v: &serde_json::Value, ids: &BTreeSet<String>| -> BTreeSet<String> {
        v["provisions"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|p| ids.contains(p["id"].as_str().unwrap()))
            .flat_map(|p| p["findings"].as_array().unwrap().clone())
            .filter(|f| f["jurisdiction"] == "EU" && f["status"] == "applies")
            .map(|f| f["rule"].as_str().unwrap().to_string())
            .collect()
    };
    let g = eu_rules(&global, &global_training);
    let e = eu_rules(&eu, &eu_training);
    assert!(
        !e.is_empty(),
        "the European notice's AI-training provisions raise EU findings"
    );
    let only_eu: Vec<&String> = e.difference(&g).collect();
    assert!(
        !only_eu.is_empty(),
        "the European notice raises EU findings the global policy does not: global {g:?}, EU {e:?}"
    );
    // The European notice names legitimate interests for training: an evidence span says so.
    let text = serde_json::to_string(&eu).unwrap();
    assert!(text.contains("\"EU\""));
}

/// The lines of a generated document from its first table row on: the part the command writes
/// (the heading and the paragraphs above it are ours).
fn from_first_table_row(text: &str) -> Vec<&str> {
    text.lines().skip_while(|l| !l.starts_with('|')).collect()
}

/// `docs/ai-training-comparison.md` is what its own regenerate command prints today: a change
/// to the classifier or the packs that moves a row must regenerate the table.
#[test]
fn the_ai_training_comparison_in_docs_is_current() {
    let Some(dir) = corpus() else { return };
    let files: Vec<String> = policies(&dir)
        .into_iter()
        .filter(|f| f.ends_with(".md"))
        .collect();
    let mut args = vec![
        "compare",
        "--practice",
        "ai_training",
        "--as-of",
        "2026-11-25",
        "--format",
        "md",
    ];
    args.extend(files.iter().map(String::as_str));
    let out = run(&args).code(0);
    let doc =
        std::fs::read_to_string(crate::support::root().join("docs/ai-training-comparison.md"))
            .unwrap();
    assert_eq!(
        from_first_table_row(&doc),
        from_first_table_row(&out.stdout),
        "docs/ai-training-comparison.md is out of date: regenerate it with the command it gives"
    );
}

/// `docs/classifier-evaluation.md` is what `clausemap bench classify` prints today.
#[test]
fn the_classifier_evaluation_in_docs_is_current() {
    let Some(dir) = corpus() else { return };
    let dir = dir.display().to_string();
    let out = run(&["bench", "classify", "--corpus", &dir]).code(0);
    let doc = std::fs::read_to_string(crate::support::root().join("docs/classifier-evaluation.md"))
        .unwrap();
    assert!(
        doc == out.stdout,
        "docs/classifier-evaluation.md is out of date: regenerate it with \
         `cargo run --release -- bench classify > docs/classifier-evaluation.md`"
    );
}

/// `bench classify --dev --pattern ID` lists the dev segments a pattern matches, with their
/// gold labels; an unknown id is a usage error that names close ids; the test split is not
/// offered.
#[test]
fn bench_classify_shows_where_one_pattern_matches_on_dev() {
    let Some(dir) = corpus() else { return };
    let dir = dir.display().to_string();
    let pattern = |id: &str| {
        run(&[
            "bench",
            "classify",
            "--corpus",
            &dir,
            "--dev",
            "--pattern",
            id,
        ])
    };
    let out = pattern("recipients.public.public").code(0);
    assert!(
        out.stdout
            .contains("## Pattern `recipients.public.public` on the OPP-115 `dev` split"),
        "{}",
        out.stdout
    );
    assert!(out
        .stdout
        .contains("| Third Party Sharing/Collection / Third Party Entity = Public | "));
    let rows: Vec<&str> = out
        .stdout
        .lines()
        .filter(|l| l.contains("_") && l.starts_with("| ") && l.contains("**"))
        .collect();
    assert!(rows.len() >= 5, "{rows:?}");
    assert!(rows
        .iter()
        .all(|r| r.contains("| yes |") || r.contains("| no |")));

    let bad = pattern("recipients.public").code(2);
    assert!(
        bad.stderr.contains("no pattern `recipients.public`"),
        "{}",
        bad.stderr
    );
    assert!(
        bad.stderr.contains("recipients.public.public"),
        "{}",
        bad.stderr
    );

    let test_split = run(&[
        "bench",
        "classify",
        "--corpus",
        &dir,
        "--pattern",
        "recipients.public.public",
    ])
    .code(2);
    assert!(test_split.stderr.contains("--dev"), "{}", test_split.stderr);
}
