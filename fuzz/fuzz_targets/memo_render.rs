//! Memo rendering with hostile context values: arbitrary provision files (ids, titles, texts,
//! entity names, URLs and attribute values chosen by the fuzzer) rendered with the built-in
//! templates as Markdown and HTML. Rendering must not panic, text from the input must never
//! reach the HTML memo as markup, and every provision memo the native renderer writes must be
//! the bytes tera writes.
#![no_main]

use std::sync::LazyLock;

use clausemap::cli::MemoFormat;
use clausemap::date::Date;
use clausemap::memo::engine::Templates;
use clausemap::memo::{Engine, Renderer};
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

static TEMPLATES: LazyLock<Templates> = LazyLock::new(|| match Templates::load(None) {
    Ok(t) => t,
    Err(p) => panic!("the built-in templates do not parse: {}", p.render()),
});

const NAMES: [&str; 3] = ["fuzz.yaml", "fuzz.json", "fuzz.jsonl"];

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let Ok(text) = std::str::from_utf8(rest) else {
        return;
    };
    let source = Source::new(NAMES[usize::from(mode) % NAMES.len()], text);
    let Ok(docs) = clausemap::model::load(&source) else {
        return;
    };
    let Some(as_of) = Date::parse("2026-11-25") else {
        return;
    };
    for format in [MemoFormat::Md, MemoFormat::Html] {
        let renderer = Renderer::new(&SET, &TEMPLATES, as_of, format);
        assert!(renderer.is_native(), "the built-in templates are rendered natively");
        let tera = Renderer::new(&SET, &TEMPLATES, as_of, format).with_engine(Engine::Tera);
        for doc in docs.iter().take(4) {
            let outcomes = renderer.evaluate(doc);
            let mut out = Vec::new();
            let mut expected = Vec::new();
            for i in 0..doc.provisions.len().min(8) {
                out.clear();
                if let Err(p) = renderer.provision(doc, &outcomes, i, &mut out) {
                    panic!("a provision memo failed: {}", p.render());
                }
                expected.clear();
                if let Err(p) = tera.provision(doc, &outcomes, i, &mut expected) {
                    panic!("a provision memo failed with tera: {}", p.render());
                }
                if out != expected {
                    panic!(
                        "the native memo differs from tera's:\n--- tera\n{}\n--- native\n{}",
                        String::from_utf8_lossy(&expected),
                        String::from_utf8_lossy(&out)
                    );
                }
                if format == MemoFormat::Html {
                    check_html(&out);
                }
            }
            out.clear();
            if let Err(p) = renderer.document(doc, &outcomes, &mut out) {
                panic!("a document memo failed: {}", p.render());
            }
            if format == MemoFormat::Html {
                check_html(&out);
            }
        }
    }
});

/// The built-in HTML templates write no script and no event handler: one in the output came
/// from the input, unescaped.
fn check_html(out: &[u8]) {
    let html = String::from_utf8_lossy(out).to_ascii_lowercase();
    for bad in ["<script", "<img", "<iframe", "javascript:"] {
        assert!(!html.contains(bad), "`{bad}` reached the HTML memo");
    }
}
