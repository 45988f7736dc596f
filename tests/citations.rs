//! Citation integrity: every article a pack's index names must exist in the official text, and
//! the index title must begin with the official heading.
//!
//! The official texts are the JSONL files of `$CLAUSEMAP_CORPUS/laws/` (default: `../shared/corpus`
//! beside the crate): the GDPR as published in OJ L 119 (2016), the AI Act as published in OJ L,
//! 2024/1689, and the CCPA as amended by Proposition 24 (2020). For the GDPR, EU AI Act and CCPA
//! packs this test checks, for every key of `articles:`:
//!
//! - the article or section number exists in the corpus;
//! - each pinpoint below it exists too: a paragraph `(1)` among the article's numbered
//!   paragraphs, a point `(f)` at the start of a line of that paragraph; for CCPA sections each
//!   subdivision `(a)`, `(1)`, `(ae)` at the start of a line, in order;
//! - the index title starts with the official title (case-insensitive, dashes, quotes and
//!   whitespace normalised), followed by nothing or by a separator (`Lawfulness of processing —
//!   consent`). CCPA sections the corpus gives no heading for are checked for existence only.
//!
//! Articles the corpus cannot contain (inserted by later amendments, or from other instruments)
//! are listed below in [`KNOWN_ABSENT`] with the reason. An exception that is no longer needed
//! (the key left the pack, or the corpus now has it) fails the test, so the list stays honest.
//!
//! Without the corpus the test fails and says to set `CLAUSEMAP_CORPUS`, unless
//! `CLAUSEMAP_SKIP_CORPUS=1`, when it says that it skipped.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use clausemap::rules::{Pack, RuleSet};

/// Article-index keys that the corpus cannot hold, per pack (by `regulation`), and why.
const KNOWN_ABSENT: &[(&str, &str, &str)] = &[
    (
        "EU AI Act",
        "Art. 5(1)(ba)",
        "inserted into Art. 5(1) by Regulation (EU) 2026/1744; the corpus is the 2024 OJ text",
    ),
    (
        "EU AI Act",
        "Art. 5(1)(bb)",
        "inserted into Art. 5(1) by Regulation (EU) 2026/1744; the corpus is the 2024 OJ text",
    ),
    (
        "CCPA",
        "Regs. § 7002(e)",
        "CPPA regulations (Cal. Code Regs. tit. 11), not the Civil Code text in the corpus",
    ),
    (
        "CCPA",
        "Regs. § 7025",
        "CPPA regulations (Cal. Code Regs. tit. 11), not the Civil Code text in the corpus",
    ),
    (
        "CCPA",
        "Regs. § 7150",
        "CPPA regulations (Cal. Code Regs. tit. 11, risk assessments, adopted 2025), not in the corpus",
    ),
    (
        "CCPA",
        "Regs. § 7200",
        "CPPA regulations (Cal. Code Regs. tit. 11, ADMT, adopted 2025), not in the corpus",
    ),
    (
        "CCPA",
        "Regs. § 7220",
        "CPPA regulations (Cal. Code Regs. tit. 11, ADMT, adopted 2025), not in the corpus",
    ),
    (
        "CCPA",
        "Regs. § 7221",
        "CPPA regulations (Cal. Code Regs. tit. 11, ADMT, adopted 2025), not in the corpus",
    ),
    (
        "CCPA",
        "Regs. § 7222",
        "CPPA regulations (Cal. Code Regs. tit. 11, ADMT, adopted 2025), not in the corpus",
    ),
    (
        "CCPA",
        "Civ. Code § 3111",
        "AB 2013 (2024), Cal. Civ. Code § 3111 — outside the CCPA (§§ 1798.100 ff.) that the corpus holds",
    ),
];

/// Which pack is checked against which corpus file, and at least how many index keys it must
/// have checked (so that the test cannot pass by checking nothing).
const PACKS: &[(&str, &str, usize)] = &[
    ("GDPR", "gdpr.jsonl", 20),
    ("EU AI Act", "eu-ai-act.jsonl", 15),
    ("CCPA", "ccpa-cpra.jsonl", 10),
];

/// One article or section of the corpus.
#[derive(Debug)]
struct Unit {
    title: Option<String>,
    /// Numbered paragraphs (EU texts): number -> text.
    paragraphs: BTreeMap<String, String>,
    text: String,
}

fn corpus_dir() -> Option<PathBuf> {
    let dir = match std::env::var_os("CLAUSEMAP_CORPUS") {
        Some(d) if !d.is_empty() => PathBuf::from(d),
        _ => Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus"),
    };
    let laws = dir.join("laws");
    if laws.is_dir() {
        return Some(laws);
    }
    if std::env::var("CLAUSEMAP_SKIP_CORPUS").is_ok_and(|v| v == "1") {
        eprintln!(
            "citations: skipped — no corpus at {} (CLAUSEMAP_SKIP_CORPUS=1)",
            laws.display()
        );
        return None;
    }
    panic!(
        "citations: the legal corpus is not at {}: set CLAUSEMAP_CORPUS to the corpus directory \
         (the one holding laws/gdpr.jsonl; CI sets it), or set CLAUSEMAP_SKIP_CORPUS=1 to skip this test",
        laws.display()
    );
}

/// Articles (EU) or sections (CCPA) of one JSONL file, by number.
fn load_units(path: &Path) -> BTreeMap<String, Unit> {
    let text = std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    let mut units = BTreeMap::new();
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let v: serde_json::Value = serde_json::from_str(line)
            .unwrap_or_else(|e| panic!("{}:{}: not JSON: {e}", path.display(), i + 1));
        let unit = v["unit"].as_str().unwrap_or_default();
        if unit != "article" && unit != "section" {
            continue;
        }
        let Some(number) = v["number"].as_str() else {
            panic!("{}:{}: an {unit} without a `number`", path.display(), i + 1);
        };
        let paragraphs = v["paragraphs"]
            .as_array()
            .map(|ps| {
                ps.iter()
                    .filter_map(|p| {
                        Some((
                            p["number"].as_str()?.to_string(),
                            p["text"].as_str().unwrap_or_default().to_string(),
                        ))
                    })
                    .collect()
            })
            .unwrap_or_default();
        units.insert(
            number.to_string(),
            Unit {
                title: v["title"]
                    .as_str()
                    .filter(|t| !t.trim().is_empty())
                    .map(str::to_string),
                paragraphs,
                text: v["text"].as_str().unwrap_or_default().to_string(),
            },
        );
    }
    assert!(
        !units.is_empty(),
        "{} holds no articles or sections",
        path.display()
    );
    units
}

/// `Art. 6(1)(f)` -> ("6", ["1", "f"]); `§ 1798.140(d)(1)` -> ("1798.140", ["d", "1"]).
fn split_key(key: &str) -> Option<(String, Vec<String>)> {
    let rest = key
        .strip_prefix("Art. ")
        .or_else(|| key.strip_prefix("§ "))?
        .trim();
    let end = rest.find('(').unwrap_or(rest.len());
    let number = rest[..end].trim().to_string();
    if number.is_empty() || !number.chars().all(|c| c.is_ascii_digit() || c == '.') {
        return None;
    }
    let mut parts = Vec::new();
    let mut tail = &rest[end..];
    while let Some(open) = tail.strip_prefix('(') {
        let close = open.find(')')?;
        parts.push(open[..close].to_string());
        tail = &open[close + 1..];
    }
    if !tail.trim().is_empty() {
        return None;
    }
    Some((number, parts))
}

/// Lowercase; every dash, quote and run of whitespace the same.
fn normalise(s: &str) -> String {
    let mut out = String::new();
    let mut space = false;
    for c in s.chars() {
        let c = match c {
            '\u{2010}'..='\u{2015}' | '\u{2212}' => '-',
            '\u{2018}' | '\u{2019}' | '\u{201A}' | '\u{201B}' | '`' | '\u{00B4}' => '\'',
            '\u{201C}' | '\u{201D}' | '\u{201E}' | '\u{201F}' | '\u{00AB}' | '\u{00BB}' => '"',
            c if c.is_whitespace() => ' ',
            c => c,
        };
        if c == ' ' {
            if !space && !out.is_empty() {
                out.push(' ');
            }
            space = true;
        } else {
            space = false;
            out.extend(c.to_lowercase());
        }
    }
    out.trim_end().to_string()
}

/// The index title begins with the official title, followed by nothing or a separator.
fn title_matches(index: &str, official: &str) -> bool {
    let (index, official) = (normalise(index), normalise(official));
    match index.strip_prefix(&official) {
        Some(rest) => rest.is_empty() || rest.starts_with([' ', '-', ':', ',', ';', '(']),
        None => false,
    }
}

/// Does `marker` (`(f)`) start a line of `text`, at or after byte `from`? Returns where it is.
fn line_marker(text: &str, marker: &str, from: usize) -> Option<usize> {
    let mut at = 0;
    for line in text.split_inclusive('\n') {
        let start = at;
        at += line.len();
        if start >= from && line.trim_start().starts_with(marker) {
            return Some(start);
        }
    }
    None
}

/// Where the pinpoint below the article number fails, if it does.
fn pinpoint_problem(unit: &Unit, parts: &[String], eu: bool) -> Option<String> {
    if parts.is_empty() {
        return None;
    }
    if eu {
        let para = &parts[0];
        let Some(text) = unit.paragraphs.get(para) else {
            let have: Vec<_> = unit.paragraphs.keys().cloned().collect();
            return Some(format!(
                "has no paragraph {para} (paragraphs: {})",
                if have.is_empty() {
                    "none numbered".to_string()
                } else {
                    have.join(", ")
                }
            ));
        };
        let mut from = 0;
        for p in &parts[1..] {
            match line_marker(text, &format!("({p})"), from) {
                Some(at) => from = at + 1,
                None => return Some(format!("paragraph {para} has no point ({p})")),
            }
        }
        None
    } else {
        let mut from = 0;
        for p in parts {
            match line_marker(&unit.text, &format!("({p})"), from) {
                Some(at) => from = at + 1,
                None => return Some(format!("has no subdivision ({p}) where the key puts it")),
            }
        }
        None
    }
}

struct PackResult {
    checked: usize,
    titled: usize,
    untitled: Vec<String>,
    excepted: Vec<String>,
    problems: Vec<String>,
}

fn check_pack(pack: &Pack, units: &BTreeMap<String, Unit>, eu: bool) -> PackResult {
    let exceptions: BTreeMap<&str, &str> = KNOWN_ABSENT
        .iter()
        .filter(|(reg, _, _)| *reg == pack.regulation)
        .map(|(_, key, why)| (*key, *why))
        .collect();
    let mut r = PackResult {
        checked: 0,
        titled: 0,
        untitled: Vec::new(),
        excepted: Vec::new(),
        problems: Vec::new(),
    };
    let at = |key: &str| format!("{} ({}) `{key}`", pack.regulation, pack.file);
    for (key, article) in &pack.articles {
        let parsed = split_key(key);
        let found = parsed.as_ref().and_then(|(number, parts)| {
            let unit = units.get(number)?;
            Some((unit, pinpoint_problem(unit, parts, eu)))
        });
        if let Some(why) = exceptions.get(key.as_str()) {
            // A known exception must still be one: the corpus must really lack it.
            if let Some((_, None)) = found {
                r.problems.push(format!(
                    "{}: listed in KNOWN_ABSENT ({why}) but the corpus has it: check it and drop the exception",
                    at(key)
                ));
            } else {
                r.excepted.push(format!("{key}: {why}"));
            }
            continue;
        }
        let Some((number, _)) = &parsed else {
            r.problems.push(format!(
                "{}: not an `Art. N(..)` or `§ N(..)` reference this test can look up; \
                 if the corpus cannot hold it, list it in KNOWN_ABSENT with the reason",
                at(key)
            ));
            continue;
        };
        let Some((unit, pinpoint)) = found else {
            r.problems.push(format!(
                "{}: the corpus has no article or section {number}",
                at(key)
            ));
            continue;
        };
        r.checked += 1;
        if let Some(p) = pinpoint {
            r.problems.push(format!("{}: {number} {p}", at(key)));
        }
        match &unit.title {
            Some(official) => {
                r.titled += 1;
                if !title_matches(&article.title, official) {
                    r.problems.push(format!(
                        "{}: index title {:?} does not start with the official title {:?}",
                        at(key),
                        article.title,
                        official
                    ));
                }
            }
            None => r.untitled.push(key.clone()),
        }
    }
    for key in exceptions.keys() {
        if !pack.articles.contains_key(*key) {
            r.problems.push(format!(
                "{}: listed in KNOWN_ABSENT but the pack's index no longer has it: drop the exception",
                at(key)
            ));
        }
    }
    r
}

fn builtin() -> RuleSet {
    match clausemap::check::compile(clausemap::rules::builtin_sources()) {
        Ok(set) => set,
        Err(problems) => panic!(
            "the built-in rule packs do not compile ({} problems); run `clausemap check`",
            problems.len()
        ),
    }
}

#[test]
fn cited_articles_exist_in_the_official_texts_with_their_titles() {
    let Some(laws) = corpus_dir() else {
        return;
    };
    let set = builtin();
    let mut problems = Vec::new();
    let mut seen = BTreeSet::new();
    for (regulation, file, at_least) in PACKS {
        let Some(pack) = set.packs.iter().find(|p| p.regulation == *regulation) else {
            problems.push(format!("no built-in pack has `regulation: {regulation}`"));
            continue;
        };
        seen.insert(*regulation);
        let units = load_units(&laws.join(file));
        let eu = *file != "ccpa-cpra.jsonl";
        let r = check_pack(pack, &units, eu);
        eprintln!(
            "citations: {regulation}: {} index keys, {} checked against {file} ({} with official titles), {} known exceptions",
            pack.articles.len(),
            r.checked,
            r.titled,
            r.excepted.len()
        );
        for e in &r.excepted {
            eprintln!("  exception {e}");
        }
        if !r.untitled.is_empty() {
            eprintln!(
                "  no official heading in the corpus (existence checked only): {}",
                r.untitled.join(", ")
            );
        }
        if r.checked < *at_least {
            problems.push(format!(
                "{regulation}: only {} index keys checked against {file}, expected at least {at_least}",
                r.checked
            ));
        }
        problems.extend(r.problems);
    }
    assert_eq!(
        seen.len(),
        PACKS.len(),
        "packs missing:\n{}",
        problems.join("\n")
    );
    assert!(
        problems.is_empty(),
        "{} citation problems:\n  {}",
        problems.len(),
        problems.join("\n  ")
    );
}

#[test]
fn the_checks_can_fail() {
    // Titles: a prefix, a separator, normalised dashes and quotes.
    assert!(title_matches(
        "Lawfulness of processing — legitimate interests",
        "Lawfulness of processing"
    ));
    assert!(title_matches(
        "Consumers\u{2019} Right to Opt-Out of Sale",
        "Consumers' Right to Opt\u{2013}Out of Sale"
    ));
    assert!(title_matches("  AI   literacy ", "AI literacy"));
    assert!(!title_matches("Processors' duties", "Processor"));
    assert!(!title_matches(
        "Lawful processing",
        "Lawfulness of processing"
    ));
    // Keys.
    assert_eq!(
        split_key("Art. 6(1)(f)"),
        Some(("6".to_string(), vec!["1".to_string(), "f".to_string()]))
    );
    assert_eq!(
        split_key("§ 1798.140(ae)"),
        Some(("1798.140".to_string(), vec!["ae".to_string()]))
    );
    assert_eq!(split_key("Regs. § 7150"), None);
    assert_eq!(split_key("14/15(a)"), None);
    // Pinpoints.
    let unit = Unit {
        title: Some("Lawfulness of processing".into()),
        paragraphs: BTreeMap::from([(
            "1".to_string(),
            "Processing shall be lawful only if:\n(a) consent;\n(b) contract;".to_string(),
        )]),
        text: String::new(),
    };
    assert_eq!(
        pinpoint_problem(&unit, &["1".into(), "b".into()], true),
        None
    );
    assert!(pinpoint_problem(&unit, &["1".into(), "f".into()], true).is_some());
    assert!(pinpoint_problem(&unit, &["2".into()], true).is_some());
    let section = Unit {
        title: None,
        paragraphs: BTreeMap::new(),
        text: "(a) one\n(1) sub\n(b) two\n".to_string(),
    };
    assert_eq!(
        pinpoint_problem(&section, &["a".into(), "1".into()], false),
        None
    );
    assert!(pinpoint_problem(&section, &["b".into(), "1".into()], false).is_some());
}

#[test]
fn a_wrong_title_or_a_missing_article_is_reported() {
    let Some(laws) = corpus_dir() else {
        return;
    };
    let set = builtin();
    let Some(pack) = set.packs.iter().find(|p| p.regulation == "GDPR") else {
        panic!("no built-in GDPR pack");
    };
    let mut units = load_units(&laws.join("gdpr.jsonl"));
    // Art. 6 under another heading, Art. 44 gone, Art. 13 without paragraph 3.
    if let Some(u) = units.get_mut("6") {
        u.title = Some("Lawful processing".to_string());
    }
    units.remove("44");
    if let Some(u) = units.get_mut("13") {
        u.paragraphs.remove("3");
    }
    let r = check_pack(pack, &units, true);
    let all = r.problems.join("\n");
    assert!(
        all.contains("`Art. 6(1)(f)`") && all.contains("official title"),
        "{all}"
    );
    assert!(
        all.contains("`Art. 44`: the corpus has no article or section 44"),
        "{all}"
    );
    assert!(all.contains("`Art. 13(3)`: 13 has no paragraph 3"), "{all}");
}
