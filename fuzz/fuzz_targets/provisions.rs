//! The provision loader on arbitrary text read as YAML, JSON and JSON Lines (the first byte
//! picks the file name), provisions without attributes classified, then evaluation with the
//! built-in rules and the JSON writer. Every provision read must come out exactly once, in
//! order.
#![no_main]

use std::sync::LazyLock;

use clausemap::date::Date;
use clausemap::report::OutputFormat;
use clausemap::report::Writer;
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

const NAMES: [&str; 4] = ["fuzz.yaml", "fuzz.json", "fuzz.jsonl", "fuzz"];

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let Ok(text) = std::str::from_utf8(rest) else {
        return;
    };
    let name = NAMES[usize::from(mode) % NAMES.len()];
    let source = Source::new(name, text);
    let Some(as_of) = Date::parse("2026-11-25") else {
        return;
    };
    // As `evaluate` reads a file: provisions without attributes are classified on the way in.
    let docs = match clausemap::classify_support::load_source(&SET, &source) {
        Ok(docs) => docs,
        Err(p) => {
            let _ = p.render();
            return;
        }
    };
    let mut writer = match Writer::new(Vec::new(), OutputFormat::Json, &SET, as_of) {
        Ok(w) => w,
        Err(e) => panic!("writer: {e}"),
    };
    for doc in &docs {
        let outcomes = clausemap::eval::evaluate_document(&SET, doc, as_of);
        assert_eq!(
            outcomes.len(),
            doc.provisions.len(),
            "a provision was lost or doubled"
        );
        for o in &outcomes {
            if let Err(e) = writer.write(o) {
                panic!("write: {e}");
            }
        }
    }
    if let Err(e) = writer.finish() {
        panic!("finish: {e}");
    }
});
