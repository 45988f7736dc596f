//! Memos: golden files for the LinkedIn example in both formats, escaping, user templates,
//! template errors, determinism and the receipt's hash.
//!
//! Golden memos are insta snapshots in `tests/golden/memo/<format>/`, one per memo `--out`
//! writes (`<memo>.snap.md` or `.snap.html` is the memo itself); `cargo insta review`, or
//! `INSTA_UPDATE=always cargo test memo`, accepts a deliberate change.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::support::{corpus, root, run, run_in};

const AS_OF: &str = "2026-11-25";

/// Every file of a directory, by name.
fn files(dir: &Path) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for entry in std::fs::read_dir(dir).expect("the directory is readable") {
        let entry = entry.expect("a directory entry");
        let name = entry.file_name().to_string_lossy().into_owned();
        let text = std::fs::read_to_string(entry.path()).expect("a memo is UTF-8");
        out.insert(name, text);
    }
    out
}

/// Write the memos of `input` in `format` into a fresh directory.
fn memos(
    input: &str,
    format: &str,
    extra: &[&str],
) -> (tempfile::TempDir, BTreeMap<String, String>) {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let out = dir.path().to_string_lossy().into_owned();
    let mut args = vec![
        "memo", input, "--as-of", AS_OF, "--format", format, "--out", &out,
    ];
    args.extend_from_slice(extra);
    run(&args).code(0);
    let found = files(dir.path());
    (dir, found)
}

/// The memo files `--out` should write for the example: one per provision, one for the document.
fn expected_names(input: &str, ext: &str) -> Vec<String> {
    let source = clausemap::model::read_source(&root().join(input)).expect("the input reads");
    let docs = clausemap::model::load(&source).expect("the input loads");
    let mut names = Vec::new();
    for d in &docs {
        names.push(format!("{}.{ext}", d.meta.id));
        for p in &d.provisions {
            names.push(format!("{}--{}.{ext}", d.meta.id, p.id));
        }
    }
    names.sort();
    names
}

fn check_golden(format: &str) {
    let (_dir, found) = memos("examples/linkedin.yaml", format, &[]);
    let names: Vec<String> = found.keys().cloned().collect();
    assert_eq!(
        names,
        expected_names("examples/linkedin.yaml", format),
        "one memo per provision and one for the document, and nothing else (no temporary files)"
    );
    // insta snapshots: `<memo>.snap` holds the metadata, `<memo>.snap.<format>` the memo as
    // written, so the HTML ones open in a browser. `cargo insta review` (or INSTA_UPDATE=always)
    // accepts a change.
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path(root().join("tests/golden/memo").join(format));
    settings.set_prepend_module_to_snapshot(false);
    settings.bind(|| {
        for (name, text) in &found {
            insta::assert_binary_snapshot!(name.as_str(), text.as_bytes().to_vec());
        }
    });
}

#[test]
fn linkedin_markdown_memos_match_the_golden_files() {
    check_golden("md");
}

#[test]
fn linkedin_html_memos_match_the_golden_files() {
    check_golden("html");
}

#[test]
fn stdout_gets_the_document_memo_or_the_named_provision() {
    let (_dir, found) = memos("examples/linkedin.yaml", "md", &[]);
    let doc = run(&["memo", "examples/linkedin.yaml", "--as-of", AS_OF]).code(0);
    assert_eq!(doc.stdout, found["CA-D-00090.md"]);
    let one = run(&[
        "memo",
        "examples/linkedin.yaml",
        "--as-of",
        AS_OF,
        "--provision",
        "CA-P-002588",
    ])
    .code(0);
    assert_eq!(one.stdout, found["CA-D-00090--CA-P-002588.md"]);
}

#[test]
fn an_unknown_provision_is_a_usage_error_with_a_suggestion() {
    let r = run(&[
        "memo",
        "examples/linkedin.yaml",
        "--provision",
        "CA-P-00646",
    ])
    .code(2);
    assert!(
        r.stderr.contains("no provision `CA-P-00646`"),
        "{}",
        r.stderr
    );
    assert!(r.stderr.contains("CA-P-000646"), "{}", r.stderr);
}

#[test]
fn document_only_and_provisions_only_select_the_memos() {
    let (_d, docs) = memos("examples/linkedin.yaml", "md", &["--document-only"]);
    assert_eq!(docs.keys().collect::<Vec<_>>(), ["CA-D-00090.md"]);
    let (_p, provs) = memos("examples/linkedin.yaml", "md", &["--provisions-only"]);
    assert_eq!(
        provs.len(),
        expected_names("examples/linkedin.yaml", "md").len() - 1
    );
    assert!(!provs.contains_key("CA-D-00090.md"));
}

#[test]
fn memos_are_byte_identical_across_runs() {
    for format in ["md", "html"] {
        let (_a, first) = memos("examples/linkedin.yaml", format, &[]);
        let (_b, second) = memos("examples/linkedin.yaml", format, &[]);
        assert_eq!(first, second, "{format} memos differ between two runs");
    }
}

#[test]
fn the_receipt_hash_is_the_sha256_of_the_clause_text() {
    let source = clausemap::model::read_source(&root().join("examples/linkedin.yaml"))
        .expect("the example reads");
    let docs = clausemap::model::load(&source).expect("the example loads");
    for p in &docs[0].provisions {
        let hash = clausemap::rules::sha256_hex(&p.text);
        let md = run(&[
            "memo",
            "examples/linkedin.yaml",
            "--as-of",
            AS_OF,
            "--provision",
            &p.id,
        ])
        .code(0)
        .stdout;
        assert!(
            md.contains(&format!("| Clause SHA-256 | `{hash}` |")),
            "the memo of {} does not carry {hash}",
            p.id
        );
        let html = run(&[
            "memo",
            "examples/linkedin.yaml",
            "--as-of",
            AS_OF,
            "--provision",
            &p.id,
            "--format",
            "html",
        ])
        .code(0)
        .stdout;
        assert!(html.contains(&format!(
            "<tr><th>Clause SHA-256</th><td><code>{hash}</code>"
        )));
    }
}

pub(crate) const HOSTILE: &str = r#"entity: { id: acme, name: "Acme <b>Corp</b>" }
document: { id: "policies/2026 v1", title: "Privacy <i>Policy</i>", url: "javascript:alert(1)" }
provisions:
  - id: "../p1"
    title: "Training <script>alert('t')</script>"
    text: "We train AI on your data. <script>alert('x')</script> {{ secret }} {% include 'x' %} [link](javascript:alert(2)) | *bold*"
    attributes: { data: [personal], purpose: [ai_training], legal_basis: unspecified, consent: unspecified }
"#;

fn hostile_file(dir: &Path) -> PathBuf {
    let path = dir.join("hostile.yaml");
    std::fs::write(&path, HOSTILE).expect("the fixture is written");
    path
}

/// The first `<` in Markdown that is neither backslash-escaped nor an `http(s)` autolink.
fn unescaped_angle(md: &str) -> Option<&str> {
    md.match_indices('<').map(|(i, _)| i).find_map(|i| {
        let rest = &md[i..];
        let escaped = i > 0 && md.as_bytes()[i - 1] == b'\\';
        let autolink = rest.starts_with("<https://") || rest.starts_with("<http://");
        (!escaped && !autolink).then(|| rest.get(..40).unwrap_or(rest))
    })
}

#[test]
fn clause_text_and_user_data_come_out_escaped_and_inert() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let input = hostile_file(dir.path());
    let input = input.to_string_lossy();
    let html = run(&[
        "memo",
        &input,
        "--as-of",
        AS_OF,
        "--format",
        "html",
        "--provision",
        "../p1",
    ])
    .code(0)
    .stdout;
    assert!(!html.contains("<script"), "raw script tag in:\n{html}");
    assert!(!html.contains("<b>Corp"), "raw markup from the entity name");
    assert!(
        !html.contains("<i>Policy"),
        "raw markup from the document title"
    );
    assert!(!html.contains("href=\"javascript"), "a javascript: link");
    assert!(
        html.contains("&lt;script&gt;alert(&#39;x&#39;)&lt;&#x2F;script&gt;")
            || html.contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;")
    );
    // The braces are printed as text, never evaluated.
    assert!(html.contains("{{ secret }}"));
    assert!(html.contains("{% include &#39;x&#39; %}"));

    let md = run(&["memo", &input, "--as-of", AS_OF, "--provision", "../p1"])
        .code(0)
        .stdout;
    assert!(unescaped_angle(&md).is_none(), "raw markup in:\n{md}");
    assert!(md.contains("\\<script\\>alert('x')\\</script\\>"));
    assert!(md.contains("{{ secret }}"));
    assert!(md.contains("\\*bold\\*"));
    assert!(!md.contains("<javascript"), "a javascript: autolink");

    // Ids become safe file names.
    let out = dir.path().join("out");
    let out_s = out.to_string_lossy();
    run(&["memo", &input, "--as-of", AS_OF, "--out", &out_s]).code(0);
    for name in files(&out).keys() {
        assert!(!name.contains('/') && !name.starts_with('.'), "{name}");
    }
    assert_eq!(files(&out).len(), 2);
}

#[test]
fn a_user_template_replaces_the_built_in_of_the_same_name() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    std::fs::write(
        dir.path().join("provision.md.tera"),
        "Provision {{ provision.id }} of {{ document.id }}: {{ provision.severity }} ({{ findings | length }} findings)\n",
    )
    .expect("the template is written");
    let templates = dir.path().to_string_lossy();
    let r = run(&[
        "memo",
        "examples/linkedin.yaml",
        "--as-of",
        AS_OF,
        "--templates",
        &templates,
        "--provision",
        "CA-P-002588",
    ])
    .code(0);
    assert!(
        r.stdout
            .starts_with("Provision CA-P-002588 of CA-D-00090: high (")
            && r.stdout.ends_with(" findings)\n"),
        "{}",
        r.stdout
    );
    // The other templates stay built in.
    let doc = run(&[
        "memo",
        "examples/linkedin.yaml",
        "--as-of",
        AS_OF,
        "--templates",
        &templates,
    ])
    .code(0);
    assert!(doc
        .stdout
        .starts_with("# Compliance memo: LinkedIn Privacy Policy"));
}

#[test]
fn a_user_partial_is_used_by_the_built_in_templates() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    std::fs::write(
        dir.path().join("_receipt.md.tera"),
        "RECEIPT {{ receipt.sha256 }} {{ receipt.as_of }}\n",
    )
    .expect("the template is written");
    let templates = dir.path().to_string_lossy();
    let r = run(&[
        "memo",
        "examples/linkedin.yaml",
        "--as-of",
        AS_OF,
        "--templates",
        &templates,
        "--provision",
        "CA-P-000646",
    ])
    .code(0);
    assert!(r.stdout.contains(
        "RECEIPT c860f028eeb753f7a3cdc2554441cb9af9da9ebe8fa37ef222325bb661dfed31 2026-11-25"
    ));
    assert!(!r.stdout.contains("## Citation record"));
}

fn with_template(name: &str, text: &str, args: &[&str]) -> crate::support::Run {
    let dir = tempfile::tempdir().expect("a temporary directory");
    std::fs::write(dir.path().join(name), text).expect("the template is written");
    let templates = dir.path().to_string_lossy().into_owned();
    let mut all = vec![
        "memo",
        "examples/linkedin.yaml",
        "--as-of",
        AS_OF,
        "--templates",
        &templates,
    ];
    all.extend_from_slice(args);
    run_in(&root(), &all, None)
}

#[test]
fn a_broken_user_template_is_an_error_naming_the_template_and_line() {
    let r = with_template(
        "provision.md.tera",
        "# {{ provision.id }}\n\n{% for f in findings %}\n{{ f.citation }\n{% endfor %}\n",
        &["--provision", "CA-P-000646"],
    )
    .code(2);
    assert!(r.stdout.is_empty());
    assert!(r.stderr.contains("provision.md.tera"), "{}", r.stderr);
    assert!(r.stderr.contains("line 4"), "{}", r.stderr);
    assert!(r.stderr.contains("memo::template"), "{}", r.stderr);
}

#[test]
fn a_template_reading_an_unknown_field_fails_at_its_line() {
    let r = with_template(
        "provision.md.tera",
        "# {{ provision.id }}\n{{ provision.no_such_field }}\n",
        &["--provision", "CA-P-000646"],
    )
    .code(2);
    assert!(
        r.stderr
            .contains("cannot render template `provision.md.tera` (line 2)"),
        "{}",
        r.stderr
    );
}

#[test]
fn a_template_cannot_include_a_file_outside_its_directory() {
    let r = with_template(
        "provision.md.tera",
        "{% include \"../../Cargo.toml\" %}\n",
        &["--provision", "CA-P-000646"],
    )
    .code(2);
    assert!(!r.stdout.contains("[package]"));
    assert!(r.stderr.contains("../../Cargo.toml"), "{}", r.stderr);
}

#[cfg(unix)]
#[test]
fn a_symlinked_template_is_refused() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    std::os::unix::fs::symlink(
        root().join("Cargo.toml"),
        dir.path().join("provision.md.tera"),
    )
    .expect("a symlink");
    let templates = dir.path().to_string_lossy();
    let r = run(&["memo", "examples/linkedin.yaml", "--templates", &templates]).code(2);
    assert!(r.stderr.contains("symbolic link"), "{}", r.stderr);
}

/// Rendering speed, in process, one thread: context building and rendering of provision memos
/// (evaluation excluded). `cargo test --release --test integration memo_rendering_speed --
/// --ignored --nocapture`; `MEMO_SPEED_N` sets the memos per provision (default 5,000).
#[test]
#[ignore = "a measurement, not a check; run in release"]
fn memo_rendering_speed() {
    use clausemap::cli::MemoFormat;
    use clausemap::memo::{engine::Templates, Renderer};

    let set = clausemap::commands::load_rules(None).expect("the built-in rules load");
    let templates = Templates::load(None).expect("the built-in templates parse");
    let source = clausemap::model::read_source(&root().join("examples/linkedin.yaml"))
        .expect("the example reads");
    let docs = clausemap::model::load(&source).expect("the example loads");
    let doc = &docs[0];
    let as_of = clausemap::date::Date::parse(AS_OF).expect("a date");
    let n: usize = std::env::var("MEMO_SPEED_N")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(5_000);
    for format in [MemoFormat::Md, MemoFormat::Html] {
        let renderer = Renderer::new(&set, &templates, as_of, format);
        let outcomes = renderer.evaluate(doc);
        let mut buf = Vec::with_capacity(64 * 1024);
        for (index, p) in doc.provisions.iter().enumerate() {
            let start = std::time::Instant::now();
            for _ in 0..n {
                buf.clear();
                renderer
                    .provision(doc, &outcomes, index, &mut buf)
                    .expect("the memo renders");
            }
            let secs = start.elapsed().as_secs_f64();
            let lines = buf.iter().filter(|&&b| b == b'\n').count();
            println!(
                "{format:?} {:<24} {:>2} findings {:>4} lines {:>6} bytes: {:>7.1} µs/memo, {:>6.0} memos/s",
                p.id,
                outcomes[index].findings.len(),
                lines,
                buf.len(),
                secs * 1e6 / n as f64,
                n as f64 / secs
            );
        }
    }
}

/// The text of a Markdown memo between two headings (`## ...`), headings excluded.
fn section<'m>(md: &'m str, heading: &str, next: &str) -> Option<&'m str> {
    let start = md.find(heading)? + heading.len();
    let end = start + md[start..].find(next)?;
    Some(&md[start..end])
}

/// `memo --peers`: each provision memo says how other platforms' policies (raw policies,
/// split and classified on the way in) handle the provision's purposes, with the rows
/// `clausemap compare` gives; everything else in the memo stays as it was.
#[test]
fn peers_add_how_other_platforms_handle_the_provisions_purposes() {
    let Some(corpus) = corpus() else {
        return;
    };
    let policies = corpus.join("platform-policies");
    let anthropic = policies.join("anthropic-claude/privacy-policy.md");
    let meta = policies.join("meta-ai/terms-of-service.md");
    let (anthropic, meta) = (anthropic.to_string_lossy(), meta.to_string_lossy());
    let memo = |extra: &[&str]| {
        let mut args = vec![
            "memo",
            "examples/linkedin.yaml",
            "--as-of",
            AS_OF,
            "--provision",
            "CA-P-000646",
        ];
        args.extend_from_slice(extra);
        run(&args).code(0).stdout
    };

    let md = memo(&["--peers", &anthropic, &meta]);
    let peers = section(
        &md,
        "## How other platforms handle this\n",
        "## Facts still unknown",
    )
    .unwrap_or_else(|| panic!("no peers section in:\n{md}"));
    // One table per purpose of the provision (CA-P-000646: ai_training, profiling, ...).
    let ai = section(peers, "(`purpose: ai_training`)\n", "\n### ")
        .or_else(|| peers.split("(`purpose: ai_training`)\n").nth(1))
        .unwrap_or_else(|| panic!("no ai_training comparison in:\n{peers}"));
    assert!(ai.contains("| Entity | Provision | Severity | Flags | Consent | Clause |"));
    // The rows are those of `clausemap compare --practice ai_training`.
    let compare = run(&[
        "compare", &anthropic, &meta, "--as-of", AS_OF, "--format", "json",
    ])
    .code(0)
    .stdout;
    let rows: Vec<serde_json::Value> = serde_json::from_str(&compare).expect("compare's JSON");
    assert!(!rows.is_empty(), "no peer states ai_training:\n{compare}");
    for row in &rows {
        let line = format!(
            "| {} | `{}`",
            row["entity"].as_str().expect("an entity"),
            row["provision"].as_str().expect("a provision id")
        );
        assert!(
            ai.lines().any(|l| l.starts_with(&line)),
            "no row `{line}` in:\n{ai}"
        );
    }

    // Without --peers the section is absent and the memo is the golden one; with it, nothing
    // else changes.
    let plain = memo(&[]);
    assert!(!plain.contains("How other platforms"));
    let gold = std::fs::read_to_string(
        root().join("tests/golden/memo/md/CA-D-00090--CA-P-000646.snap.md"),
    )
    .expect("the golden memo");
    assert_eq!(plain, gold);
    let start = md.find("## How other platforms").expect("the section");
    let end = md.find("## Facts still unknown").expect("the next section");
    assert_eq!(format!("{}{}", &md[..start], &md[end..]), plain);

    let html = memo(&["--format", "html", "--peers", &anthropic, &meta]);
    assert!(html.contains("<h2>How other platforms handle this</h2>"));
    assert!(html.contains("<td>anthropic-claude</td>"), "{html}");
}

/// A peer's clause is data: escaped in both formats, its braces printed, never evaluated.
#[test]
fn a_peers_clause_comes_out_escaped() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let hostile = hostile_file(dir.path());
    let hostile = hostile.to_string_lossy();
    let args = |format: &'static str| {
        run(&[
            "memo",
            "examples/linkedin.yaml",
            "--as-of",
            AS_OF,
            "--provision",
            "CA-P-000646",
            "--format",
            format,
            "--peers",
            &hostile,
        ])
        .code(0)
        .stdout
    };
    let html = args("html");
    assert!(html.contains("<h2>How other platforms handle this</h2>"));
    assert!(!html.contains("<script"), "raw script tag in:\n{html}");
    assert!(!html.contains("<b>Corp"), "raw markup from the peer's name");
    assert!(html.contains("&lt;script&gt;alert("), "{html}");
    assert!(html.contains("{{ secret }}"));

    let md = args("md");
    assert!(unescaped_angle(&md).is_none(), "raw markup in:\n{md}");
    assert!(md.contains("\\<script\\>alert('x')\\</script\\>"));
    assert!(md.contains("\\| \\*bold\\*"));
}
