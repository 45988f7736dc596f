//! The native renderer of provision memos (`src/memo/native.rs`) against tera with the built-in
//! templates: every provision memo, Markdown and HTML, of the examples, the fixtures, hostile
//! inputs, provisions with errors, a ledger's review states, `--peers`, an odd rule set and
//! every platform policy of the corpus (classified, so with evidence), rendered both ways in
//! process and compared byte for byte. A difference names the memo and shows its first
//! differing line with the lines before it.
//!
//! These tests are what keeps the two copies of the provision templates in step: a change to
//! `templates/provision.*.tera` (or a partial it includes) that is not made in
//! `src/memo/native.rs` too fails here. `a_changed_template_is_caught` checks that it would.

use std::path::{Path, PathBuf};

use clausemap::cli::MemoFormat;
use clausemap::compare::Peers;
use clausemap::date::Date;
use clausemap::memo::engine::{builtin_text, Templates};
use clausemap::memo::{Engine, Renderer};
use clausemap::model::Document;
use clausemap::review::ledger::Ledger;
use clausemap::rules::RuleSet;
use clausemap::source::Source;

use crate::support::{corpus, root, run_in};

const AS_OF: &str = "2026-11-25";
const FORMATS: [MemoFormat; 2] = [MemoFormat::Md, MemoFormat::Html];

/// What was compared, and every difference found.
#[derive(Default)]
struct Tally {
    memos: usize,
    bytes: usize,
    /// Memos whose tera rendering shows each of these, by marker.
    seen: Vec<(&'static str, usize)>,
    failures: Vec<String>,
}

impl Tally {
    fn new(markers: &[&'static str]) -> Tally {
        Tally {
            seen: markers.iter().map(|m| (*m, 0)).collect(),
            ..Tally::default()
        }
    }

    /// Panic with the first differences, if any; else say what was compared.
    #[track_caller]
    fn check(&self, what: &str) {
        assert!(
            self.failures.is_empty(),
            "{what}: {} of {} memos differ between the native renderer and tera; the first:\n\n{}",
            self.failures.len(),
            self.memos,
            self.failures
                .iter()
                .take(3)
                .cloned()
                .collect::<Vec<_>>()
                .join("\n\n")
        );
        println!(
            "{what}: {} memos identical ({:.1} MB)",
            self.memos,
            self.bytes as f64 / 1e6
        );
        for (marker, n) in &self.seen {
            assert!(*n > 0, "{what}: no memo shows `{marker}`");
        }
    }

    fn seen(&self, marker: &str) -> usize {
        self.seen
            .iter()
            .find(|(m, _)| *m == marker)
            .map_or(0, |(_, n)| *n)
    }
}

/// The first line where the native memo differs from tera's, with the lines before it, or
/// `None` when they are the same bytes.
pub(crate) fn first_difference(native: &[u8], tera: &[u8]) -> Option<String> {
    if native == tera {
        return None;
    }
    let (n, t) = (
        String::from_utf8_lossy(native),
        String::from_utf8_lossy(tera),
    );
    let (nl, tl): (Vec<&str>, Vec<&str>) = (n.split('\n').collect(), t.split('\n').collect());
    let line = (0..nl.len().max(tl.len()))
        .find(|&i| nl.get(i) != tl.get(i))
        .unwrap_or(0);
    let column = match (nl.get(line), tl.get(line)) {
        (Some(a), Some(b)) => a.chars().zip(b.chars()).take_while(|(x, y)| x == y).count() + 1,
        _ => 1,
    };
    let mut out = format!(
        "first difference at line {}, column {column} ({} bytes native, {} bytes tera):\n",
        line + 1,
        native.len(),
        tera.len()
    );
    let from = line.saturating_sub(3);
    for (k, l) in tl[from.min(tl.len())..line.min(tl.len())]
        .iter()
        .enumerate()
    {
        out += &format!("         {:>5} | {l}\n", from + k + 1);
    }
    let show = |l: Option<&&str>| l.map_or("<end of memo>".to_string(), |l| l.to_string());
    out += &format!("  tera   {:>5} | {}\n", line + 1, show(tl.get(line)));
    out += &format!("  native {:>5} | {}", line + 1, show(nl.get(line)));
    Some(out)
}

/// Render provision `index` with the renderer's engine.
fn render(
    r: &Renderer<'_>,
    doc: &Document,
    outcomes: &[clausemap::eval::Outcome],
    index: usize,
) -> Result<Vec<u8>, String> {
    let mut out = Vec::new();
    r.provision(doc, outcomes, index, &mut out)
        .map(|()| out)
        .map_err(|p| p.render())
}

/// Render every provision memo of `docs` natively and with tera, and compare them.
fn compare<'a>(
    mut renderer: Renderer<'a>,
    docs: &[Document],
    label: &str,
    format: MemoFormat,
    tally: &mut Tally,
) -> Renderer<'a> {
    for doc in docs {
        let outcomes = renderer.evaluate(doc);
        renderer = renderer.with_engine(Engine::Native);
        let native: Vec<Result<Vec<u8>, String>> = (0..doc.provisions.len())
            .map(|i| render(&renderer, doc, &outcomes, i))
            .collect();
        renderer = renderer.with_engine(Engine::Tera);
        for (i, native) in native.into_iter().enumerate() {
            let what = format!(
                "{label} [{format:?}] document `{}`, provision `{}`",
                doc.meta.id, doc.provisions[i].id
            );
            match (native, render(&renderer, doc, &outcomes, i)) {
                (Ok(native), Ok(tera)) => {
                    tally.memos += 1;
                    tally.bytes += tera.len();
                    for (marker, n) in &mut tally.seen {
                        if memchr(&tera, marker.as_bytes()) {
                            *n += 1;
                        }
                    }
                    if let Some(d) = first_difference(&native, &tera) {
                        tally.failures.push(format!("{what}: {d}"));
                    }
                }
                (native, tera) => tally.failures.push(format!(
                    "{what}: native {}, tera {}",
                    native.err().unwrap_or_else(|| "rendered".into()),
                    tera.err().unwrap_or_else(|| "rendered".into())
                )),
            }
        }
    }
    renderer.with_engine(Engine::Auto)
}

fn memchr(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

/// What a comparison runs with.
struct Run<'s> {
    set: &'s RuleSet,
    templates: &'s Templates,
    as_of: Date,
    ledgers: Vec<(String, Ledger)>,
    peers: Vec<PathBuf>,
}

impl<'s> Run<'s> {
    fn new(set: &'s RuleSet, templates: &'s Templates, as_of: &str) -> Run<'s> {
        Run {
            set,
            templates,
            as_of: Date::parse(as_of).expect("a date"),
            ledgers: Vec::new(),
            peers: Vec::new(),
        }
    }

    /// Compare every provision memo of `docs` in both formats.
    fn compare(&self, docs: &[Document], label: &str, tally: &mut Tally) {
        for format in FORMATS {
            let mut r = Renderer::new(self.set, self.templates, self.as_of, format)
                .with_ledgers(self.ledgers.clone());
            if !self.peers.is_empty() {
                let peers = Peers::load(self.set, &self.peers, self.as_of)
                    .unwrap_or_else(|p| panic!("the peers load: {}", p[0].render()));
                r = r.with_peers(peers);
            }
            assert!(
                r.is_native(),
                "the built-in templates are rendered natively"
            );
            compare(r, docs, label, format, tally);
        }
    }
}

fn builtin() -> (RuleSet, Templates) {
    let set = clausemap::commands::load_rules(None).expect("the built-in rules load");
    let templates = Templates::load(None).expect("the built-in templates parse");
    (set, templates)
}

/// The documents of a provision file or a policy (classified on the way in), as `memo` reads
/// them.
fn load(set: &RuleSet, path: &Path) -> Result<Vec<Document>, String> {
    clausemap::classify_support::load_documents(set, path).map_err(|p| p.render())
}

/// Every file under `dir`, recursively, sorted.
fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).expect("a readable directory") {
            let p = e.expect("an entry").path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

/// Every platform policy of the corpus (`.md`, `.html`, `.txt`).
fn policies(corpus: &Path) -> Vec<PathBuf> {
    files_under(&corpus.join("platform-policies"))
        .into_iter()
        .filter(|f| {
            f.extension()
                .is_some_and(|e| e == "md" || e == "html" || e == "txt")
        })
        .collect()
}

/// Provision files with markup, braces, line breaks, underscores and odd values in every field
/// a memo shows; one holds provisions with errors, one evidence of every shape the templates
/// print.
const HOSTILE_FILES: &[(&str, &str)] = &[
    (
        "errors.yaml",
        r#"entity: { id: "acme_x", name: "Acme_ <b>Corp</b> | \"q\" & 'a'", facts: { markets: [EU], establishments: [DE] } }
document: { id: "doc_1 <d>", title: "Privacy <i>Policy</i> _v2_", url: "javascript:alert(1)", updated: "2026-01-01 <u>", captured: "2026-02-02_x" }
provisions:
  - id: "p_1 `x`"
    title: ""
    text: "We train AI.\n<script>alert('x')</script> {{ secret }}"
    attributes: { data: [personal], purpose: [ai_training], user_choices: [opt_out] }
  - id: blank
    text: "   "
    attributes: { data: [personal], purpse: [security] }
  - text: "No id."
"#,
    ),
    (
        "fields.yaml",
        r#"entity: { id: "acme_x", name: "Acme_ <b>Corp</b> | \"q\" & 'a'", facts: { markets: [EU, UK, US-CA, US-CO, US-TX, US-IL], establishments: [DE, US], annual_revenue_usd: 50_000_000 } }
document: { id: "doc_2 <d>", title: "Privacy <i>Policy</i> _v2_ `x`", url: "HTTPS://ex.org/p?a=1&b='2' \"x\" <y>", updated: "2026-01-01", captured: "2026-02-02" }
provisions:
  - id: "p_1 `x`"
    title: ""
    text: "  We train AI on your data.\r\n\r\n\t<script>alert('x')</script> {{ secret }} {% include 'x' %}\n\n  Second_para with_underscores, é_é, 中_文, 🙂_🙂 and \\ backslash ~ # | [x](y) *b* `c`  "
    attributes: { data: [personal, personal.sensitive.biometric, personal.children], purpose: [ai_training, profiling, advertising, sale], legal_basis: unspecified, consent: opt_out, recipients: [affiliates, data_brokers], transfers: [US, CH], user_choices: [opt_out_setting, object], subjects: [minors.under_13] }
  - id: "blank\ttab"
    title: "Blank_text\nwith a line break"
    text: "   "
    attributes: { data: [personal], purpose: [security] }
  - id: "rights"
    title: "Rights | <b>"
    text: "You may *delete* your data_here.\n\nAnd \\`object\\`."
    attributes: { data: [personal], purpose: [service], legal_basis: consent, consent: opt_in, user_choices: [delete, object, withdraw_consent] }
"#,
    ),
    (
        "bare.jsonl",
        concat!(
            r#"{"entity":{"id":"e"},"document":{"id":"d1"},"provisions":[{"id":"a","text":"We sell data.","attributes":{"data":["personal"],"purpose":["sale"],"recipients":["data_brokers"]}}]}"#,
            "\n",
            r#"{"entity":{"id":"e","name":""},"document":{"id":"d2","title":"T","url":"http://x.org/a b<c>\"d\"","updated":"2025-02-03"},"provisions":[{"id":"b","title":"B","text":"Nothing to see.","attributes":{"purpose":["security"]}},{"id":"c","text":"We train models on your posts.","attributes":{"data":["personal.content"],"purpose":["ai_training"],"legal_basis":"unspecified"}}]}"#,
            "\n"
        ),
    ),
    (
        "evidence.json",
        r#"{"entity":{"id":"ev","name":"Evidence & <co>","facts":{"markets":["EU"],"establishments":["FR"]}},
 "document":{"id":"ev-doc","title":"Evidence_doc","url":"https://ev.example/p"},
 "provisions":[
  {"id":"ev-1","title":"With evidence","text":"We use your data to train <AI> models.",
   "attributes":{"data":["personal"],"purpose":["ai_training"],"legal_basis":"unspecified"},
   "evidence":[
     {"attribute":"purpose","value":"ai_training","pattern":"train(ing)? <\\w+> `models`","start":25,"end":40,"text":"train <AI> models"},
     {"attribute":"data_x","value":"personal | *x*","pattern":"your data","start":"3<","end":null,"text":"your\ndata"},
     {"attribute":"legal_basis","value":"unspecified","pattern":"p","start":true,"end":-5,"text":"it's \"quoted\" & <b>"}
   ]},
  {"id":"ev-2","text":"Empty evidence.","attributes":{"data":["personal"],"purpose":["security"]},"evidence":[]}
 ]}"#,
    ),
];

/// A rule pack whose every field the memos show is odd: markup, underscores, a leading tab
/// (which `md` treats differently inside a joined list), a link that is not http, agencies
/// without a remit or an address, an article without a title, a rule not yet in force, and an
/// action and an agency it shares with the GDPR pack.
const ODD_PACK: &str = r#"regulation: "\tOdd_Act <b>"
name: "An *odd* act | with `markup` & \"quotes\""
citation: "Odd_Act § 1 <i>"
cite_as: "\tOdd_Act"
jurisdiction: EU
in_force: 2000-01-01
source: "javascript:alert(1)"
penalties: "Fines_up to <b>€1</b> | per `thing`\r\nmore"
agencies:
  - "Nobody_at_all"
  - "European Data Protection Board"
  - name: "Agency <x> & co"
    remit: "Does [things] _here_\nand there"
    url: "https://example.org/a b?x=1&y='2'"
  - name: "\tTabbed agency"
    url: "ftp://nowhere"
articles:
  "§ 1": ""
  "§ 2_x":
    title: "Second_article | title <t>"
    source: "https://example.org/art?2&b"
rules:
  - id: odd.one
    article: "§ 1"
    title: "Personal data <used> for ai_training"
    when: 'data has "personal"'
    severity: low
    obligation: "Do *it* \\ properly | now\nplease"
    agencies: ["Nobody_at_all", "Agency <x> & co", "\tTabbed agency", "European Data Protection Board"]
    actions: ["Act _now_", "\tTabbed action", "Carry out and document a DPIA before the processing starts"]
  - id: odd.two
    article: "§ 2_x"
    title: "Later_rule"
    when: 'purpose has "ai_training"'
    severity: critical
    obligation: "Later."
    in_force: 2099-01-01
    actions: ["\nNew-line action"]
    agencies: ["Agency <x> & co"]
  - id: odd.three
    article: "§ 2_x"
    title: "Undetermined_one"
    when: 'purpose has "ai_training" and consent == "opt_in"'
    severity: high
    obligation: "Maybe."
    actions: ["Act _now_"]
"#;

/// The examples (at two dates: today's law, and before most AI rules came into force, so that
/// findings and flags are `upcoming`), every provision file of the fixtures (and those of the
/// bad fixtures that still load: provisions with errors), the escaping fixture of `memo.rs`
/// and the hostile files above.
#[test]
fn examples_fixtures_and_hostile_inputs_render_natively_as_tera_does() {
    let (set, templates) = builtin();
    let mut tally = Tally::new(&[
        "upcoming (in force",
        "## Errors",
        "*The provision has no text.*",
        "## Evidence in the text",
        "No rule of the packs used fires on this provision.",
    ]);
    let dir = tempfile::tempdir().expect("a temporary directory");
    let mut inputs: Vec<(PathBuf, &str)> = Vec::new();
    for f in files_under(&root().join("examples")) {
        inputs.push((f, AS_OF));
    }
    inputs.push((root().join("examples/linkedin.yaml"), "2024-06-01"));
    for f in files_under(&root().join("tests/fixtures")) {
        let provisions_like = f
            .extension()
            .is_some_and(|e| e == "yaml" || e == "yml" || e == "json" || e == "jsonl");
        let bad = f.components().any(|c| c.as_os_str() == "bad");
        let bad_provisions = f.starts_with(root().join("tests/fixtures/bad/provisions"));
        if provisions_like && (!bad || bad_provisions) {
            inputs.push((f, AS_OF));
        }
    }
    let hostile = dir.path().join("hostile.yaml");
    std::fs::write(&hostile, crate::memo::HOSTILE).expect("the fixture is written");
    inputs.push((hostile, AS_OF));
    for (name, text) in HOSTILE_FILES {
        let path = dir.path().join(name);
        std::fs::write(&path, text).expect("the fixture is written");
        inputs.push((path, AS_OF));
    }

    let mut files = 0;
    for (path, as_of) in &inputs {
        // Only what evaluates: a file `memo` refuses (a rule pack, a bad fixture) has no memos.
        let Ok(docs) = load(&set, path) else {
            continue;
        };
        if docs.iter().all(|d| d.provisions.is_empty()) {
            continue;
        }
        files += 1;
        let label = path
            .strip_prefix(root())
            .unwrap_or(path)
            .display()
            .to_string();
        Run::new(&set, &templates, as_of).compare(&docs, &label, &mut tally);
    }
    assert!(files >= 8, "{files} provision files");
    tally.check("examples, fixtures and hostile inputs");
}

/// A ledger with every review state: confirmed (by a reviewer whose name needs escaping),
/// dismissed, risk accepted and expired, stale (the text changed after the decision), pending.
#[test]
fn review_states_render_natively_as_tera_does() {
    let (set, templates) = builtin();
    let dir = tempfile::tempdir().expect("a temporary directory");
    let d = dir.path();
    let policy = d.join("policy.yaml");
    let original =
        std::fs::read_to_string(root().join("examples/linkedin.yaml")).expect("the example");
    std::fs::write(&policy, &original).expect("the copy");
    let decide = |provision: &str, rule: &str, decision: &str, reviewer: &str, extra: &[&str]| {
        let mut args = vec![
            "review",
            "policy.yaml",
            "--provision",
            provision,
            "--rule",
            rule,
            "--decision",
            decision,
            "--reason",
            "checked <b>",
            "--reviewer",
            reviewer,
            "--as-of",
            AS_OF,
        ];
        args.extend_from_slice(extra);
        run_in(d, &args, None).code(0);
    };
    decide(
        "CA-P-000646",
        "gdpr.art6-1.no-basis",
        "confirm",
        "Ann <a@x> | _x_",
        &[],
    );
    decide(
        "CA-P-000646",
        "uk-gdpr.art6-1.no-basis",
        "dismiss",
        "Bob",
        &[],
    );
    decide(
        "CA-P-002588",
        "gdpr.art6-1.no-basis",
        "accept-risk",
        "Cy",
        &["--expires", "2020-01-31"],
    );
    decide(
        "LI-PP-GENAI-OPT-OUT",
        "gdpr.art6-1.no-basis",
        "confirm",
        "Di",
        &[],
    );
    // The text of LI-PP-GENAI-OPT-OUT changes after the decision: it is stale.
    let old = "and other data to train and improve LinkedIn and Microsoft";
    assert!(original.contains(old), "the example's clause changed");
    let edited = original.replacen(
        old,
        "and other data to train and improve (edited) LinkedIn and Microsoft",
        1,
    );
    std::fs::write(&policy, edited).expect("the edit");

    let docs = load(&set, &policy).expect("the policy loads");
    let ledger = clausemap::review::ledger_for(&policy, None)
        .expect("the ledger reads")
        .expect("a ledger");
    let mut run = Run::new(&set, &templates, AS_OF);
    run.ledgers = vec![(docs[0].file.clone(), ledger)];
    let mut tally = Tally::new(&[
        "review: confirmed",
        "review: dismissed",
        "review: expired",
        "review: stale",
        "review: pending",
    ]);
    run.compare(&docs, "reviewed example", &mut tally);
    tally.check("review states");
}

/// `--peers`: how other platforms' policies (classified on the way in) handle each purpose,
/// with a hostile peer among them.
#[test]
fn peers_render_natively_as_tera_does() {
    let Some(corpus) = corpus() else {
        return;
    };
    let (set, templates) = builtin();
    let dir = tempfile::tempdir().expect("a temporary directory");
    let hostile = dir.path().join("hostile.yaml");
    std::fs::write(&hostile, crate::memo::HOSTILE).expect("the fixture is written");
    let fields = dir.path().join("fields.yaml");
    std::fs::write(&fields, HOSTILE_FILES[1].1).expect("the fixture is written");
    let policies = corpus.join("platform-policies");
    let mut run = Run::new(&set, &templates, AS_OF);
    run.peers = vec![
        policies.join("anthropic-claude/privacy-policy.md"),
        policies.join("meta-ai/terms-of-service.md"),
        policies.join("google/privacy-policy.md"),
        hostile,
    ];
    let mut tally = Tally::new(&["How other platforms handle this", "more)"]);
    for input in [root().join("examples/linkedin.yaml"), fields] {
        let docs = load(&set, &input).expect("the input loads");
        run.compare(&docs, &input.display().to_string(), &mut tally);
    }
    tally.check("peers");
}

/// A rule set with an odd pack beside GDPR: every pack and rule field the memos show, odd.
#[test]
fn an_odd_rule_set_renders_natively_as_tera_does() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let rules = dir.path().join("rules");
    std::fs::create_dir(&rules).expect("the rules directory");
    for f in ["vocabulary.yaml", "gdpr.yaml", "eu-ai-act.yaml"] {
        std::fs::copy(root().join("rules").join(f), rules.join(f)).expect("a pack copied");
    }
    std::fs::write(rules.join("odd.yaml"), ODD_PACK).expect("the odd pack");
    let set = clausemap::commands::load_rules(Some(&rules))
        .unwrap_or_else(|p| panic!("the odd rules check: {}", p[0].render()));
    let templates = Templates::load(None).expect("the built-in templates parse");
    let mut tally = Tally::new(&[
        "Odd_Act \\<b\\>",
        "Odd_Act &lt;b&gt;",
        "GDPR Art. 35(1); Odd_Act § 1",
        "(GDPR, Odd_Act \\<b\\>)",
        "upcoming (in force 2099",
        "\\<x\\> & co",
        "Tabbed action",
        "New-line action",
    ]);
    let mut inputs = vec![root().join("examples/linkedin.yaml")];
    for (name, text) in HOSTILE_FILES {
        let path = dir.path().join(name);
        std::fs::write(&path, text).expect("the fixture is written");
        inputs.push(path);
    }
    for input in &inputs {
        let docs = load(&set, input).expect("the input loads");
        Run::new(&set, &templates, AS_OF).compare(&docs, &input.display().to_string(), &mut tally);
    }
    // The joined lists whose items start with a tab went through the slow path.
    assert!(tally.seen("Tabbed action") > 0);
    tally.check("odd rule set");
}

/// Every platform policy of the corpus, split, classified (so every provision has its
/// evidence), evaluated and memoed; LinkedIn's policy also classified with LinkedIn's entity
/// facts, as `clausemap classify --entity` writes it.
#[test]
fn every_platform_policy_renders_natively_as_tera_does() {
    let Some(corpus) = corpus() else {
        return;
    };
    let (set, templates) = builtin();
    let files = policies(&corpus);
    assert!(files.len() >= 30, "{} policies", files.len());
    let mut tally = Tally::new(&["## Evidence in the text", "&ldquo;"]);
    let run = Run::new(&set, &templates, AS_OF);
    for f in &files {
        let docs = load(&set, f).unwrap_or_else(|e| panic!("{}: {e}", f.display()));
        run.compare(&docs, &f.display().to_string(), &mut tally);
    }

    let dir = tempfile::tempdir().expect("a temporary directory");
    let classified = dir.path().join("linkedin.json");
    let policy = corpus.join("platform-policies/linkedin/privacy-policy.md");
    run_in(
        &root(),
        &[
            "classify",
            &policy.display().to_string(),
            "--entity",
            "examples/linkedin-entity.yaml",
            "--format",
            "json",
            "--out",
            &classified.display().to_string(),
        ],
        None,
    )
    .code(0);
    let docs = load(&set, &classified).expect("the classified policy loads");
    let before = tally.memos;
    run.compare(&docs, "linkedin, classified with its entity", &mut tally);
    assert!(tally.memos > before);
    assert!(
        tally.memos > 4_000,
        "{} memos: every policy's provisions, in both formats",
        tally.memos
    );
    tally.check("platform policies");
}

/// The comparison fails when a template changes and the native renderer does not: the
/// renderer falls back to tera for changed templates, and forcing the native renderer shows
/// the difference at its line.
#[test]
fn a_changed_template_is_caught() {
    let (set, _) = builtin();
    let as_of = Date::parse(AS_OF).expect("a date");
    let source = clausemap::model::read_source(&root().join("examples/linkedin.yaml"))
        .expect("the example reads");
    let docs = clausemap::model::load(&source).expect("the example loads");

    // Template, text changed, its change, the line tera then writes, format.
    for (name, from, to, shown, format) in [
        (
            "provision.md.tera",
            "## 2. Governance exposure",
            "## 2. Governance Exposure",
            "## 2. Governance Exposure",
            MemoFormat::Md,
        ),
        (
            "_receipt.html.tera",
            "<tr><th>As of</th>",
            "<tr><th>As at</th>",
            "<tr><th>As at</th>",
            MemoFormat::Html,
        ),
        (
            "_macros.md.tera",
            "**{{ severity | upper }}**",
            "**{{ severity }}**",
            "| Severity | **high** |",
            MemoFormat::Md,
        ),
        (
            "_style.css.tera",
            "--ink: #1c1f26;",
            "--ink: #000;",
            "--ink: #000;",
            MemoFormat::Html,
        ),
    ] {
        let sources: Vec<(String, Source)> = [
            "provision.md.tera",
            "provision.html.tera",
            "_receipt.md.tera",
            "_receipt.html.tera",
            "_macros.md.tera",
            "_macros.html.tera",
            "_style.css.tera",
        ]
        .iter()
        .map(|n| {
            let text = builtin_text(n).expect("a built-in template");
            let text = if *n == name {
                assert!(text.contains(from), "{name} has `{from}`");
                text.replacen(from, to, 1)
            } else {
                text.to_string()
            };
            (n.to_string(), Source::new(*n, text))
        })
        .collect();
        let templates = Templates::from_sources(sources).expect("the changed templates parse");
        assert!(!templates.is_builtin(name), "{name} is changed");
        let renderer = Renderer::new(&set, &templates, as_of, format);
        assert!(
            !renderer.is_native(),
            "a changed {name} is rendered by tera"
        );
        let mut tally = Tally::default();
        compare(renderer, &docs, "changed template", format, &mut tally);
        assert_eq!(
            tally.failures.len(),
            docs[0].provisions.len(),
            "every memo differs once {name} changes"
        );
        let first = &tally.failures[0];
        let tera_line = first
            .lines()
            .find(|l| l.trim_start().starts_with("tera "))
            .unwrap_or_default();
        assert!(
            first.contains("first difference at line") && tera_line.contains(shown),
            "the message shows the changed line `{shown}`: {first}"
        );
    }
}

/// The built-in templates are rendered natively; a template of the same name in
/// `--templates DIR` is the user's, even a copy of the built-in, and sends the provision memos
/// of its format (only) to tera.
#[test]
fn overriding_a_template_by_name_uses_tera() {
    let (set, templates) = builtin();
    let as_of = Date::parse(AS_OF).expect("a date");
    for format in FORMATS {
        assert!(Renderer::new(&set, &templates, as_of, format).is_native());
        assert!(!Renderer::new(&set, &templates, as_of, format)
            .with_engine(Engine::Tera)
            .is_native());
    }
    for name in [
        "provision.md.tera",
        "_receipt.md.tera",
        "_macros.md.tera",
        "provision.html.tera",
        "_receipt.html.tera",
        "_macros.html.tera",
        "_style.css.tera",
    ] {
        let dir = tempfile::tempdir().expect("a temporary directory");
        std::fs::write(
            dir.path().join(name),
            builtin_text(name).expect("a built-in template"),
        )
        .expect("the copy");
        let templates = Templates::load(Some(dir.path())).expect("the templates load");
        assert!(!templates.is_builtin(name));
        let md = Renderer::new(&set, &templates, as_of, MemoFormat::Md).is_native();
        let html = Renderer::new(&set, &templates, as_of, MemoFormat::Html).is_native();
        let in_md = name.contains(".md.");
        let in_html = name.contains(".html.") || name.ends_with(".css.tera");
        assert_eq!((md, html), (!in_md, !in_html), "{name}");
    }
    // A template the built-ins do not include changes nothing.
    let dir = tempfile::tempdir().expect("a temporary directory");
    std::fs::write(dir.path().join("extra.md.tera"), "{{ provision.id }}").expect("a template");
    std::fs::write(dir.path().join("document.md.tera"), "{{ document.id }}").expect("a template");
    let templates = Templates::load(Some(dir.path())).expect("the templates load");
    assert!(Renderer::new(&set, &templates, as_of, MemoFormat::Md).is_native());
}

/// Input the native renderer does not take (an evidence offset that is not an integer) goes to
/// tera: the same memo as without the native renderer; forcing the native renderer is an error
/// that says so. Evidence entries without the classifier's fields are left out of the memo by
/// both (they used to stop the run with a template error).
#[test]
fn inputs_the_native_renderer_does_not_take_go_to_tera() {
    let (set, templates) = builtin();
    let as_of = Date::parse(AS_OF).expect("a date");
    let text = r#"{"entity":{"id":"e"},"document":{"id":"d"},"provisions":[
      {"id":"float","text":"We train models.","attributes":{"data":["personal"],"purpose":["ai_training"]},
       "evidence":[{"attribute":"purpose","value":"ai_training","pattern":"train","start":1.5,"end":2,"text":"train"}]},
      {"id":"missing","text":"We train models.","attributes":{"data":["personal"],"purpose":["ai_training"]},
       "evidence":[{"attribute":"purpose","value":"ai_training"}]},
      {"id":"strange","text":"We train models.","attributes":{"data":["personal"],"purpose":["ai_training"]},
       "evidence":["just words", 7, {"attribute":1,"value":"v","text":"t","pattern":"p","start":0,"end":1}]},
      {"id":"mixed","text":"We train models.","attributes":{"data":["personal"],"purpose":["ai_training"]},
       "evidence":[{"attribute":"purpose","value":"ai_training"},
                   {"attribute":"purpose","value":"ai_training","pattern":"train","start":3,"end":8,"text":"train"}]}
    ]}"#;
    let docs = clausemap::model::load(&Source::new("odd.json", text)).expect("the input loads");
    let doc = &docs[0];
    for format in FORMATS {
        let auto = Renderer::new(&set, &templates, as_of, format);
        let outcomes = auto.evaluate(doc);
        let tera = Renderer::new(&set, &templates, as_of, format).with_engine(Engine::Tera);
        let native = Renderer::new(&set, &templates, as_of, format).with_engine(Engine::Native);
        let memo = |r: &Renderer<'_>, i: usize| {
            render(r, doc, &outcomes, i).unwrap_or_else(|e| panic!("provision {i}: {e}"))
        };
        for i in 0..doc.provisions.len() {
            assert_eq!(
                memo(&auto, i),
                memo(&tera, i),
                "provision {}",
                doc.provisions[i].id
            );
        }
        // The float offset is printed as tera prints it, by tera.
        let forced = render(&native, doc, &outcomes, 0);
        assert!(
            forced.as_ref().is_err_and(|e| e.contains("memo::native")),
            "{:?}",
            forced.map(|m| String::from_utf8_lossy(&m).into_owned())
        );
        assert!(memchr(&memo(&auto, 0), b"1.5"));
        // Entries without the classifier's fields are left out, by both renderers.
        for i in 1..4 {
            assert_eq!(memo(&native, i), memo(&tera, i));
        }
        let evidence: &[u8] = b"Evidence in the text";
        assert!(!memchr(&memo(&tera, 1), evidence));
        assert!(!memchr(&memo(&tera, 2), evidence));
        let mixed = memo(&tera, 3);
        assert!(memchr(&mixed, evidence));
        assert!(memchr(&mixed, b"characters 3"));
    }
}
