//! The classifier on real policies: every file of `platform-policies/` in the corpus
//! (`$CLAUSEMAP_CORPUS`, default `../shared/corpus`), split into provisions and classified, on
//! one core. The target (issue #5) is under one second for the whole folder.
//!
//! The corpus is test data outside the repository; when it is absent the group is skipped
//! with a note on standard error. Part of the `pipeline` bench (`mod classify;` there); cargo
//! also builds it alone as a bench target with nothing to run.

#![allow(
    clippy::expect_used,
    reason = "a benchmark whose setup fails has nothing to measure"
)]

use std::hint::black_box;
use std::path::{Path, PathBuf};

use clausemap::classify::{detect_format, split_policy, Classifier};
use criterion::{Criterion, Throughput};

/// The corpus directory, as the command line and the tests find it.
fn corpus_dir() -> PathBuf {
    std::env::var_os("CLAUSEMAP_CORPUS")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus"))
}

/// Every policy file (`.md`, `.html`, `.txt`) under `platform-policies/`, sorted: (path, text).
fn platform_policies(dir: &Path) -> Vec<(PathBuf, String)> {
    let mut files = Vec::new();
    let Ok(services) = std::fs::read_dir(dir) else {
        return files;
    };
    for service in services.flatten() {
        let service = service.path();
        let Ok(entries) = std::fs::read_dir(&service) else {
            continue;
        };
        for f in entries.flatten() {
            let f = f.path();
            if f.extension()
                .is_some_and(|e| e == "md" || e == "html" || e == "txt")
            {
                if let Ok(text) = std::fs::read_to_string(&f) {
                    files.push((f, text));
                }
            }
        }
    }
    files.sort();
    files
}

pub fn platform(c: &mut Criterion) {
    let dir = corpus_dir().join("platform-policies");
    let files = platform_policies(&dir);
    if files.is_empty() {
        eprintln!(
            "classify/platform-policies: skipped, no corpus at {} (set CLAUSEMAP_CORPUS)",
            dir.display()
        );
        return;
    }
    let set = clausemap::check::compile(clausemap::rules::builtin_sources())
        .expect("built-in packs check");
    let classifier: std::sync::Arc<Classifier> = clausemap::classify_support::classifier(&set)
        .expect("the built-in classifier compiles")
        .expect("the built-in rules have a classifier");
    let segments: Vec<String> = files
        .iter()
        .flat_map(|(path, text)| split_policy(text, detect_format(path, text)))
        .map(|s| s.text)
        .collect();
    let bytes: usize = files.iter().map(|(_, t)| t.len()).sum();

    let mut g = c.benchmark_group("classify/platform-policies");
    g.sample_size(10);
    g.throughput(Throughput::Bytes(bytes as u64));
    // What `clausemap classify` does per file, short of writing it out: split into
    // provisions with their ids, hashes and offsets, find tables of contents and headings,
    // classify each provision.
    let sources: Vec<clausemap::source::Source> = files
        .iter()
        .map(|(path, text)| {
            clausemap::source::Source::new(path.display().to_string(), text.as_str())
        })
        .collect();
    g.bench_function(format!("policy documents ({} files)", files.len()), |b| {
        b.iter(|| {
            let mut provisions = 0;
            for source in &sources {
                let doc = clausemap::classify_support::policy_document(&set, source, None, None)
                    .expect("a platform policy classifies");
                provisions += doc.provisions.len();
            }
            black_box(provisions)
        })
    });
    // The classifier alone, on the provisions already split.
    g.bench_function(format!("classify ({} provisions)", segments.len()), |b| {
        b.iter(|| {
            let mut values = 0;
            for seg in &segments {
                values += classifier.classify(seg).evidence.len();
            }
            black_box(values)
        })
    });
    g.finish();
}
