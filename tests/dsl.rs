//! The condition language: valid and invalid conditions (data-driven), three-valued logic,
//! taxonomy-aware `has`, and the dependency order.

use std::collections::BTreeMap;

use clausemap::check::compile;
use clausemap::date::Date;
use clausemap::dsl;
use clausemap::eval::{self, Facts, Tri};
use clausemap::rules::{builtin_sources, RuleSet};
use clausemap::source::Source;
use serde_json::{json, Map, Value};

use crate::support::root;

fn fixture(path: &str) -> String {
    std::fs::read_to_string(root().join("tests/fixtures").join(path)).expect("fixture exists")
}

/// The built-in vocabulary plus one pack whose single rule has `when: <condition>`.
fn compile_condition(condition: &str) -> Result<RuleSet, Vec<clausemap::error::Problem>> {
    let pack = format!(
        "regulation: T\nname: T\ncitation: T\njurisdiction: EU\nin_force: 2000-01-01\nsource: https://example.org\npenalties: none\nagencies: [A]\narticles:\n  \"Art. 1\": X\nrules:\n  - id: t.rule\n    kind: fact\n    article: \"Art. 1\"\n    title: T\n    when: {}\n",
        serde_json::to_string(condition).expect("string")
    );
    let mut sources: Vec<Source> = builtin_sources()
        .into_iter()
        .filter(|s| s.name.ends_with("vocabulary.yaml"))
        .collect();
    sources.push(Source::new("t.yaml", pack));
    compile(sources)
}

#[test]
fn valid_conditions_parse_and_check() {
    let mut failures = Vec::new();
    for line in fixture("dsl/valid.txt")
        .lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
    {
        if let Err(problems) = compile_condition(line) {
            failures.push(format!("{line}\n  {}", problems[0].message));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn invalid_conditions_fail_at_the_right_column_with_the_right_words() {
    let mut failures = Vec::new();
    for line in fixture("dsl/invalid.txt")
        .lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
    {
        let mut parts = line.splitn(3, '|');
        let (col, message, condition) = (
            parts.next().unwrap(),
            parts.next().unwrap(),
            parts.next().unwrap_or(""),
        );
        match dsl::parse(condition) {
            Ok(_) => failures.push(format!("`{condition}` parsed")),
            Err(e) => {
                let got_col = condition[..e.span.start].chars().count() + 1;
                if got_col.to_string() != col || e.message != message {
                    failures.push(format!(
                        "`{condition}`\n  expected {col}: {message}\n  got      {got_col}: {}",
                        e.message
                    ));
                }
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

fn logic() -> RuleSet {
    let mut sources: Vec<Source> = builtin_sources()
        .into_iter()
        .filter(|s| s.name.ends_with("vocabulary.yaml"))
        .collect();
    sources.push(Source::new("logic.yaml", fixture("logic/logic.yaml")));
    compile(sources).expect("the logic fixture checks")
}

/// The value of every rule of `set` on the given attributes and entity facts.
fn values(set: &RuleSet, attrs: Value, entity: Value, as_of: &str) -> BTreeMap<String, Tri> {
    let attrs: Map<String, Value> = serde_json::from_value(attrs).unwrap();
    let entity: Map<String, Value> = serde_json::from_value(entity).unwrap();
    let (a, e1) = eval::intern_attributes(&set.vocab, &attrs);
    let (e, e2) = eval::intern_entity(&set.vocab, &entity);
    assert!(e1.is_empty() && e2.is_empty(), "{e1:?} {e2:?}");
    let facts = Facts {
        attrs: &a,
        entity: &e,
        doc: &[],
        as_of: Date::parse(as_of).unwrap(),
    };
    let mut row = Vec::new();
    eval::run(set, &facts, &mut row);
    set.rules
        .iter()
        .zip(row)
        .map(|(r, v)| (r.id.clone(), v))
        .collect()
}

#[test]
fn and_or_not_follow_three_valued_logic() {
    use Tri::{False as F, True as T, Unknown as U};
    let set = logic();
    // P from consent (opt_in / opt_out / absent), Q from legal_basis (consent / contract / absent).
    let p_cases = [(T, Some("opt_in")), (F, Some("opt_out")), (U, None)];
    let q_cases = [(T, Some("consent")), (F, Some("contract")), (U, None)];
    for (p, consent) in p_cases {
        for (q, basis) in q_cases {
            let mut attrs = json!({});
            if let Some(c) = consent {
                attrs["consent"] = json!(c);
            }
            if let Some(b) = basis {
                attrs["legal_basis"] = json!(b);
            }
            let v = values(&set, attrs, json!({}), "2026-11-25");
            assert_eq!(v["logic.p"], p);
            assert_eq!(v["logic.q"], q);
            assert_eq!(v["logic.and"], p.min(q), "{p:?} and {q:?}");
            assert_eq!(v["logic.or"], p.max(q), "{p:?} or {q:?}");
            assert_eq!(v["logic.not"], p.not(), "not {p:?}");
            // known() is never unknown
            assert_eq!(v["logic.known"], if consent.is_some() { T } else { F });
        }
    }
    // The truth tables spelled out, so a change in Tri's order cannot hide a bug.
    assert_eq!(F.and(U), F);
    assert_eq!(T.and(U), U);
    assert_eq!(T.or(U), T);
    assert_eq!(F.or(U), U);
    assert_eq!(U.not(), U);
}

#[test]
fn has_follows_the_taxonomy() {
    let set = logic();
    let v = values(
        &set,
        json!({"data": ["personal.sensitive.health"]}),
        json!({}),
        "2026-11-25",
    );
    assert_eq!(
        v["logic.sensitive"],
        Tri::True,
        "a value implies its ancestors"
    );
    let v = values(&set, json!({"data": ["personal"]}), json!({}), "2026-11-25");
    assert_eq!(
        v["logic.sensitive"],
        Tri::False,
        "an ancestor does not imply its descendants"
    );
    let v = values(&set, json!({}), json!({}), "2026-11-25");
    assert_eq!(
        v["logic.sensitive"],
        Tri::Unknown,
        "an absent attribute is unknown, not false"
    );
    let v = values(&set, json!({"data": []}), json!({}), "2026-11-25");
    assert_eq!(
        v["logic.sensitive"],
        Tri::False,
        "an empty set is known and empty"
    );
    let v = values(
        &set,
        json!({"subjects": ["minors.under_13"]}),
        json!({"establishments": ["IE"]}),
        "2026-11-25",
    );
    assert_eq!(v["logic.under16"], Tri::True, "under 13 implies under 16");
    assert_eq!(
        v["logic.eu"],
        Tri::True,
        "an establishment in Ireland is in the EU"
    );
    let v = values(
        &set,
        json!({"purpose": ["ai_training.generative"]}),
        json!({"establishments": ["CH"]}),
        "2026-11-25",
    );
    assert_eq!(v["logic.any"], Tri::True);
    assert_eq!(v["logic.all"], Tri::False);
    assert_eq!(v["logic.eu"], Tri::False, "Switzerland is not in the EU");
    let v = values(
        &set,
        json!({"purpose": ["profiling", "ai_training"]}),
        json!({}),
        "2026-11-25",
    );
    assert_eq!(v["logic.all"], Tri::True);
}

#[test]
fn numbers_maps_and_dates_compare() {
    let set = logic();
    let v = values(
        &set,
        json!({}),
        json!({"annual_revenue_usd": 30_000_000, "consumers": {"US-CA": 99_999}}),
        "2026-12-31",
    );
    assert_eq!(v["logic.revenue"], Tri::True);
    assert_eq!(v["logic.ca"], Tri::False);
    assert_eq!(v["logic.date"], Tri::False);
    let v = values(
        &set,
        json!({}),
        json!({"consumers": {"US-TX": 5}}),
        "2027-01-01",
    );
    assert_eq!(v["logic.revenue"], Tri::Unknown);
    assert_eq!(
        v["logic.ca"],
        Tri::Unknown,
        "a map without the key is unknown for that key"
    );
    assert_eq!(v["logic.date"], Tri::True);
}

#[test]
fn exceptions_take_a_finding_away_or_leave_it_open() {
    let set = logic();
    let v = values(
        &set,
        json!({"data": ["personal"], "consent": "opt_in"}),
        json!({}),
        "2026-11-25",
    );
    assert_eq!(v["logic.unless"], Tri::False);
    let v = values(
        &set,
        json!({"data": ["personal"], "consent": "opt_out"}),
        json!({}),
        "2026-11-25",
    );
    assert_eq!(v["logic.unless"], Tri::True);
    let v = values(&set, json!({"data": ["personal"]}), json!({}), "2026-11-25");
    assert_eq!(
        v["logic.unless"],
        Tri::Unknown,
        "an exception that may hold leaves the finding open"
    );
}

#[test]
fn dependencies_come_first_in_the_evaluation_order() {
    let set = logic();
    let pos = |id: &str| {
        set.order
            .iter()
            .position(|&i| set.rules[i].id == id)
            .unwrap()
    };
    assert!(pos("logic.p") < pos("logic.and"));
    assert!(pos("logic.q") < pos("logic.and"));
    assert!(pos("logic.p") < pos("logic.not"));
    assert_eq!(set.order.len(), set.rules.len());
    // The built-in packs: every scope rule before the findings it gates.
    let builtin = compile(builtin_sources()).expect("built-in packs check");
    let order: Vec<usize> = builtin.order.clone();
    for (i, rule) in builtin.rules.iter().enumerate() {
        if let Some(g) = rule.gate {
            let (pg, pi) = (
                order.iter().position(|&x| x == g),
                order.iter().position(|&x| x == i),
            );
            assert!(pg < pi, "{} evaluated before its scope", rule.id);
        }
    }
}
