//! The classifier on arbitrary text, and raw policies (plain text, Markdown, HTML, chosen by the
//! first byte) split into provisions, classified and evaluated. Evidence spans must lie inside
//! the classified text.
#![no_main]

use std::sync::{Arc, LazyLock};

use clausemap::classify::Classifier;
use clausemap::date::Date;
use clausemap::rules::RuleSet;
use clausemap::source::Source;
use libfuzzer_sys::fuzz_target;

static SET: LazyLock<RuleSet> = LazyLock::new(|| match clausemap::commands::load_rules(None) {
    Ok(set) => set,
    Err(p) => panic!(
        "the built-in rules do not check: {}",
        clausemap::error::render_all(&p)
    ),
});

static CLASSIFIER: LazyLock<Arc<Classifier>> =
    LazyLock::new(|| match clausemap::classify_support::classifier(&SET) {
        Ok(Some(c)) => c,
        Ok(None) => panic!("the built-in rules have no classifier"),
        Err(p) => panic!(
            "the classifier does not compile: {}",
            clausemap::error::render_all(&p)
        ),
    });

const NAMES: [&str; 3] = ["policy.txt", "policy.md", "policy.html"];

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let Ok(text) = std::str::from_utf8(rest) else {
        return;
    };
    let chars = text.chars().count();
    let c = CLASSIFIER.classify(text);
    for e in &c.evidence {
        assert!(
            e.start <= e.end && e.end <= chars,
            "evidence {}..{} outside a text of {chars} chars",
            e.start,
            e.end
        );
    }
    let source = Source::new(NAMES[usize::from(mode) % NAMES.len()], text);
    let Some(as_of) = Date::parse("2026-11-25") else {
        return;
    };
    match clausemap::classify_support::load_source(&SET, &source) {
        Ok(docs) => {
            for doc in &docs {
                let outcomes = clausemap::eval::evaluate_document(&SET, doc, as_of);
                assert_eq!(outcomes.len(), doc.provisions.len());
            }
        }
        Err(p) => {
            let _ = p.render();
        }
    }
});
