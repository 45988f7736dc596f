//! clausemap's benchmark suite: every stage measured on its own, and the same rules in Rego
//! (regorus, interpreter and RVM) on the same corpus, after a check that both engines agree.
//!
//! `cargo bench --bench pipeline` runs it all; `docs/performance.md` has the figures and the
//! end-to-end runs over 1,000,000 provisions.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a benchmark whose setup fails has nothing to measure"
)]

mod classify;
mod rego;

use std::hint::black_box;
use std::io;

use clausemap::check::compile;
use clausemap::date::Date;
use clausemap::eval::{self, Facts, Tri};
use clausemap::model;
use clausemap::report::{OutputFormat, Writer};
use clausemap::rules::{builtin_sources, RuleSet};
use clausemap::source::Source;
use clausemap::synth::{self, Rng};
use clausemap::vocab::ValueType;
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use serde_json::{json, Map, Value};

const AS_OF: &str = "2026-11-25";

fn builtin() -> RuleSet {
    compile(builtin_sources()).expect("built-in packs check")
}

fn synthetic(rules: usize) -> RuleSet {
    let base = builtin();
    let mut sources: Vec<Source> = builtin_sources()
        .into_iter()
        .filter(|s| s.name.ends_with("vocabulary.yaml"))
        .collect();
    sources.push(Source::new(
        "synthetic.yaml",
        synth::pack_yaml(&base, rules, 42),
    ));
    compile(sources).expect("synthetic pack checks")
}

/// Provisions that state every attribute, with an entity that states every fact the packs read.
fn complete_corpus(set: &RuleSet, n: usize, seed: u64) -> Vec<Map<String, Value>> {
    let mut rng = Rng::new(seed);
    (0..n)
        .map(|_| {
            let mut m = Map::new();
            for f in &set.vocab.attributes {
                let v = match &f.ty {
                    ValueType::Set(t) => {
                        let tax = &set.vocab.taxonomies[*t];
                        let mut vals: Vec<&String> = (0..1 + rng.below(2))
                            .map(|_| &tax.values[rng.below(tax.values.len())])
                            .collect();
                        vals.sort();
                        vals.dedup();
                        json!(vals)
                    }
                    ValueType::OneOf(values) => json!(values[rng.below(values.len())]),
                    _ => continue,
                };
                m.insert(f.name.clone(), v);
            }
            m
        })
        .collect()
}

fn entity() -> Map<String, Value> {
    serde_json::from_value(json!({
        "markets": ["EU", "UK", "US", "US-CA", "US-CO", "US-TX", "US-IL"],
        "establishments": ["IE", "US"],
        "annual_revenue_usd": 16_000_000_000u64,
        "consumers": {"US-CA": 10_000_000},
        "revenue_share_from_selling": 0.0,
        "roles": ["controller", "ai_developer", "ai_deployer", "gpai_provider"],
        "lead_authority": "Data Protection Commission (Ireland)",
        "child_directed": false
    }))
    .expect("entity facts")
}

/// The finding rules that hold, as our engine sees them (dates aside).
fn fired_here(set: &RuleSet, attrs: &Map<String, Value>, ent: &Map<String, Value>) -> Vec<String> {
    let (a, _) = eval::intern_attributes(&set.vocab, attrs);
    let (e, _) = eval::intern_entity(&set.vocab, ent);
    let facts = Facts {
        attrs: &a,
        entity: &e,
        doc: &[],
        as_of: Date::parse(AS_OF).expect("date"),
    };
    let mut row = Vec::new();
    eval::run(set, &facts, &mut row);
    assert!(
        row.iter().all(|t| *t != Tri::Unknown),
        "a complete corpus leaves nothing unknown"
    );
    let mut ids: Vec<String> = set
        .rules
        .iter()
        .zip(&row)
        .filter(|(r, t)| r.is_finding() && **t == Tri::True)
        .map(|(r, _)| r.id.clone())
        .collect();
    ids.sort();
    ids
}

fn rego_fired(v: &regorus::Value) -> Vec<String> {
    let mut ids: Vec<String> = match v {
        regorus::Value::Set(s) => s
            .iter()
            .filter_map(|x| x.as_string().ok().map(|s| s.to_string()))
            .collect(),
        _ => Vec::new(),
    };
    ids.sort();
    ids
}

struct Rego {
    engine: regorus::Engine,
    vm: regorus::rvm::RegoVM,
}

fn rego_for(set: &RuleSet) -> Rego {
    let module = rego::translate(set);
    let mut engine = regorus::Engine::new();
    engine
        .add_policy("clausemap.rego".to_string(), module)
        .expect("the translation is valid Rego");
    let entry = "data.clausemap.fired";
    let compiled = engine
        .compile_with_entrypoint(&entry.into())
        .expect("compiles");
    let program =
        regorus::languages::rego::compiler::Compiler::compile_from_policy(&compiled, &[entry])
            .expect("compiles to RVM");
    let mut vm = regorus::rvm::RegoVM::new_with_policy(compiled);
    vm.load_program(program);
    vm.set_data(regorus::Value::new_object()).expect("data");
    Rego { engine, vm }
}

fn rego_value(input: &Value) -> regorus::Value {
    regorus::Value::from_json_str(&input.to_string()).expect("json")
}

/// Both engines give the same findings on the same corpus; panics (fails the run) if not.
fn check_agreement(name: &str, set: &RuleSet, r: &mut Rego, corpus: &[Map<String, Value>]) {
    let ent = entity();
    for (i, attrs) in corpus.iter().enumerate() {
        let ours = fired_here(set, attrs, &ent);
        let input = rego_value(&rego::input(set, attrs, &ent, AS_OF));
        r.engine.set_input(input.clone());
        let interp = rego_fired(
            &r.engine
                .eval_rule("data.clausemap.fired".to_string())
                .expect("eval"),
        );
        r.vm.set_input(input);
        let rvm = rego_fired(
            &r.vm
                .execute_entry_point_by_name("data.clausemap.fired")
                .expect("rvm"),
        );
        assert_eq!(
            ours, interp,
            "{name}: provision {i}: clausemap and the regorus interpreter disagree"
        );
        assert_eq!(
            ours, rvm,
            "{name}: provision {i}: clausemap and the RVM disagree"
        );
    }
    eprintln!(
        "{name}: clausemap and regorus (interpreter and RVM) agree on {} provisions",
        corpus.len()
    );
}

fn load_and_check(c: &mut Criterion) {
    c.bench_function("load+check/built-in packs", |b| {
        b.iter(|| black_box(builtin()))
    });
}

fn parse(c: &mut Criterion) {
    let set = builtin();
    let jsonl = synth::provisions_jsonl(&set, 10_000, 100, 1);
    let mut g = c.benchmark_group("parse");
    g.throughput(Throughput::Elements(10_000));
    g.bench_function("jsonl/10k", |b| {
        b.iter(|| {
            let source = Source::new("b.jsonl", "");
            let mut n = 0;
            for (i, line) in jsonl.lines().enumerate() {
                if let Ok(Some(d)) = model::parse_jsonl_line(&source, i + 1, line) {
                    n += d.provisions.len();
                }
            }
            black_box(n)
        })
    });
    // One JSON document and one YAML document of 1,000 provisions each.
    let docs: Vec<Value> = jsonl
        .lines()
        .take(10)
        .map(|l| serde_json::from_str(l).expect("json"))
        .collect();
    let mut provisions = Vec::new();
    for d in &docs {
        provisions.extend(d["provisions"].as_array().cloned().unwrap_or_default());
    }
    let one =
        json!({"entity": docs[0]["entity"], "document": {"id": "d"}, "provisions": provisions});
    let json_text = one.to_string();
    let yaml_text = json_to_yaml(&one);
    g.throughput(Throughput::Elements(1_000));
    g.bench_function("json/1k", |b| {
        b.iter(|| {
            black_box(model::load(&Source::new("b.json", json_text.as_str())).expect("loads"))
        })
    });
    g.bench_function("yaml/1k", |b| {
        b.iter(|| {
            black_box(model::load(&Source::new("b.yaml", yaml_text.as_str())).expect("loads"))
        })
    });
    g.finish();
}

/// YAML text for a JSON value (block style; JSON strings are valid YAML scalars).
fn json_to_yaml(v: &Value) -> String {
    fn go(v: &Value, indent: usize, out: &mut String) {
        let pad = " ".repeat(indent);
        match v {
            Value::Object(m) => {
                for (k, x) in m {
                    match x {
                        Value::Object(_) | Value::Array(_) if !is_empty(x) => {
                            out.push_str(&format!("{pad}{k}:\n"));
                            go(x, indent + 2, out);
                        }
                        _ => out.push_str(&format!("{pad}{k}: {}\n", x)),
                    }
                }
            }
            Value::Array(a) => {
                for x in a {
                    match x {
                        Value::Object(_) => {
                            out.push_str(&format!("{pad}-\n"));
                            go(x, indent + 2, out);
                        }
                        _ => out.push_str(&format!("{pad}- {x}\n")),
                    }
                }
            }
            other => out.push_str(&format!("{pad}{other}\n")),
        }
    }
    fn is_empty(v: &Value) -> bool {
        matches!(v, Value::Object(m) if m.is_empty())
            || matches!(v, Value::Array(a) if a.is_empty())
    }
    let mut out = String::new();
    go(v, 0, &mut out);
    out
}

fn evaluate(c: &mut Criterion) {
    let sets = [
        ("built-in", builtin()),
        ("50 rules", synthetic(50)),
        ("500 rules", synthetic(500)),
    ];
    let mut g = c.benchmark_group("evaluate");
    for (name, set) in &sets {
        let corpus = complete_corpus(set, 1_000, 3);
        let ent = entity();
        let (e, _) = eval::intern_entity(&set.vocab, &ent);
        let interned: Vec<_> = corpus
            .iter()
            .map(|a| eval::intern_attributes(&set.vocab, a).0)
            .collect();
        let as_of = Date::parse(AS_OF).expect("date");
        g.throughput(Throughput::Elements(corpus.len() as u64));
        g.bench_with_input(BenchmarkId::new("rules only", name), set, |b, set| {
            let mut row = Vec::new();
            b.iter(|| {
                let mut n = 0;
                for a in &interned {
                    let facts = Facts {
                        attrs: a,
                        entity: &e,
                        doc: &[],
                        as_of,
                    };
                    eval::run(set, &facts, &mut row);
                    n += row.iter().filter(|t| **t == Tri::True).count();
                }
                black_box(n)
            })
        });
        g.bench_with_input(
            BenchmarkId::new("rules only, batched", name),
            set,
            |b, set| {
                let slices: Vec<&[_]> = interned.iter().map(Vec::as_slice).collect();
                let shared = Facts {
                    attrs: &[],
                    entity: &e,
                    doc: &[],
                    as_of,
                };
                let program = eval::program::of(set);
                let mut rows = eval::program::Rows::default();
                b.iter(|| {
                    program.run_batch(set.rules.len(), &slices, &shared, &mut rows);
                    black_box(rows.row(0).len())
                })
            },
        );
        g.bench_with_input(BenchmarkId::new("intern+rules", name), set, |b, set| {
            let mut row = Vec::new();
            b.iter(|| {
                for a in &corpus {
                    let (attrs, _) = eval::intern_attributes(&set.vocab, a);
                    let facts = Facts {
                        attrs: &attrs,
                        entity: &e,
                        doc: &[],
                        as_of,
                    };
                    eval::run(set, &facts, &mut row);
                }
                black_box(row.len())
            })
        });
    }
    // Findings with their explanations, on the sparser corpus the CLI benchmark uses.
    let set = &sets[0].1;
    let jsonl = synth::provisions_jsonl(set, 1_000, 1_000, 5);
    let doc = model::load(&Source::new("b.jsonl", jsonl))
        .expect("loads")
        .remove(0);
    g.throughput(Throughput::Elements(1_000));
    g.bench_function("findings+because/built-in", |b| {
        b.iter(|| {
            black_box(eval::evaluate_document(
                set,
                &doc,
                Date::parse(AS_OF).expect("date"),
            ))
        })
    });
    g.finish();
}

fn write(c: &mut Criterion) {
    let set = builtin();
    let jsonl = synth::provisions_jsonl(&set, 1_000, 1_000, 5);
    let doc = model::load(&Source::new("b.jsonl", jsonl))
        .expect("loads")
        .remove(0);
    let as_of = Date::parse(AS_OF).expect("date");
    let outcomes = eval::evaluate_document(&set, &doc, as_of);
    let mut g = c.benchmark_group("write");
    g.throughput(Throughput::Elements(outcomes.len() as u64));
    for (name, format) in [
        ("jsonl", OutputFormat::Jsonl),
        ("json", OutputFormat::Json),
        ("csv", OutputFormat::Csv),
    ] {
        g.bench_function(name, |b| {
            b.iter(|| {
                let mut w = Writer::new(io::sink(), format, &set, as_of).expect("writer");
                for o in &outcomes {
                    w.write(o).expect("write");
                }
                black_box(w.finish().expect("finish"))
            })
        });
    }
    g.finish();
}

fn versus_rego(c: &mut Criterion) {
    let mut g = c.benchmark_group("rego");
    g.sample_size(10);
    for (name, set) in [
        ("built-in", builtin()),
        ("50 rules", synthetic(50)),
        ("500 rules", synthetic(500)),
    ] {
        let corpus = complete_corpus(&set, 200, 9);
        let mut r = rego_for(&set);
        check_agreement(name, &set, &mut r, &corpus);
        let ent = entity();
        let inputs: Vec<regorus::Value> = corpus
            .iter()
            .map(|a| rego_value(&rego::input(&set, a, &ent, AS_OF)))
            .collect();
        let batch = if name == "500 rules" { 10 } else { 50 };
        g.throughput(Throughput::Elements(batch as u64));
        g.bench_function(BenchmarkId::new("regorus interpreter", name), |b| {
            b.iter(|| {
                for input in &inputs[..batch] {
                    r.engine.set_input(input.clone());
                    black_box(
                        r.engine
                            .eval_rule("data.clausemap.fired".to_string())
                            .expect("eval"),
                    );
                }
            })
        });
        g.bench_function(BenchmarkId::new("regorus RVM", name), |b| {
            b.iter(|| {
                for input in &inputs[..batch] {
                    r.vm.set_input(input.clone());
                    black_box(
                        r.vm.execute_entry_point_by_name("data.clausemap.fired")
                            .expect("rvm"),
                    );
                }
            })
        });
        let (e, _) = eval::intern_entity(&set.vocab, &ent);
        let interned: Vec<_> = corpus
            .iter()
            .map(|a| eval::intern_attributes(&set.vocab, a).0)
            .collect();
        let as_of = Date::parse(AS_OF).expect("date");
        g.bench_function(BenchmarkId::new("clausemap", name), |b| {
            let mut row = Vec::new();
            b.iter(|| {
                for a in &interned[..batch] {
                    let facts = Facts {
                        attrs: a,
                        entity: &e,
                        doc: &[],
                        as_of,
                    };
                    eval::run(&set, &facts, &mut row);
                }
                black_box(row.len())
            })
        });
        // What `evaluate` runs: the document's provisions through the program together.
        g.bench_function(BenchmarkId::new("clausemap, batched", name), |b| {
            let slices: Vec<&[_]> = interned[..batch].iter().map(Vec::as_slice).collect();
            let shared = Facts {
                attrs: &[],
                entity: &e,
                doc: &[],
                as_of,
            };
            let mut rows = eval::program::Rows::default();
            b.iter(|| {
                eval::program::of(&set).run_batch(set.rules.len(), &slices, &shared, &mut rows);
                black_box(rows.row(0).len())
            })
        });
    }
    g.finish();
}

fn memos(c: &mut Criterion) {
    use clausemap::cli::MemoFormat;
    use clausemap::memo::{engine::Templates, Engine, Renderer};
    let set = builtin();
    let templates = Templates::load(None).expect("built-in templates");
    let source = Source::new(
        "examples/linkedin.yaml",
        std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/examples/linkedin.yaml"
        ))
        .expect("example"),
    );
    let doc = model::load(&source).expect("loads").remove(0);
    let as_of = Date::parse(AS_OF).expect("date");
    let mut g = c.benchmark_group("memo");
    // The native renderer (what `clausemap memo` uses with the built-in templates), then tera.
    for (name, format, engine) in [
        ("provision/md", MemoFormat::Md, Engine::Native),
        ("provision/html", MemoFormat::Html, Engine::Native),
        ("provision-tera/md", MemoFormat::Md, Engine::Tera),
        ("provision-tera/html", MemoFormat::Html, Engine::Tera),
    ] {
        let renderer = Renderer::new(&set, &templates, as_of, format).with_engine(engine);
        let outcomes = renderer.evaluate(&doc);
        g.throughput(Throughput::Elements(doc.provisions.len() as u64));
        g.bench_function(name, |b| {
            let mut out = Vec::with_capacity(64 * 1024);
            b.iter(|| {
                for i in 0..doc.provisions.len() {
                    out.clear();
                    renderer
                        .provision(&doc, &outcomes, i, &mut out)
                        .expect("renders");
                }
                black_box(out.len())
            })
        });
    }
    g.finish();
}

criterion_group!(
    benches,
    load_and_check,
    parse,
    evaluate,
    write,
    memos,
    versus_rego,
    classify::platform
);
criterion_main!(benches);
