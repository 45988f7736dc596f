//! The rule-pack loader and `check` on arbitrary YAML: a compiled rule set or problems, each
//! of which renders (with its caret under the text), never a panic.
//!
//! The first byte chooses what the rest of the input is: mostly one pack beside the built-in
//! vocabulary; one time in four a vocabulary beside a small valid pack.
#![no_main]

use clausemap::error::render_all;
use clausemap::source::Source;
use libfuzzer_sys::fuzz_target;

const PACK: &str = r#"regulation: Test
name: Test Regulation
citation: Test Act 2026
jurisdiction: EU
in_force: 2020-01-01
source: https://example.org/test-act
agencies: [Test Authority]
articles:
  "Art. 1": Scope
  "Art. 2": Duty
rules:
  - id: test.scope
    kind: scope
    article: "Art. 1"
    title: The test law reaches the entity
    when: 'entity.markets has "EU"'
  - id: test.duty
    article: "Art. 2"
    title: A duty
    when: '@test.scope and data has "personal" and purpose has "ai_training"'
    severity: high
    obligation: Do the thing.
"#;

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let Ok(text) = std::str::from_utf8(rest) else {
        return;
    };
    let sources = if mode % 4 == 0 {
        vec![
            Source::new("fuzz/vocabulary.yaml", text),
            Source::new("fuzz/test.yaml", PACK),
        ]
    } else {
        vec![Source::new("fuzz/pack.yaml", text)]
    };
    match clausemap::check::compile(sources) {
        Ok(set) => {
            let _ = clausemap::graph::to_dot(&set);
        }
        Err(problems) => {
            assert!(!problems.is_empty(), "check failed without saying why");
            let _ = render_all(&problems);
            for p in &problems {
                let _ = p.to_json();
            }
        }
    }
});
