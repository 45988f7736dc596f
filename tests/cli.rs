//! The command line as a user meets it: the JSON contract on the example, determinism,
//! nothing lost, explanations, exit codes.

use crate::support::{root, run, run_in};

const AS_OF: &str = "2026-11-25";

#[test]
fn evaluate_json_follows_the_contract_on_the_example() {
    let out = run(&[
        "evaluate",
        "examples/linkedin.yaml",
        "--format",
        "json",
        "--as-of",
        AS_OF,
    ])
    .code(0);
    let v = out.json();
    assert_eq!(v["as_of"], AS_OF);
    assert_eq!(v["clausemap"], env!("CARGO_PKG_VERSION"));
    let packs = v["rules"].as_array().expect("receipt lists the packs");
    assert!(packs
        .iter()
        .all(|p| p["sha256"].as_str().is_some_and(|s| s.len() == 64)));
    let provisions = v["provisions"].as_array().expect("provisions");
    let ids: Vec<&str> = provisions
        .iter()
        .map(|p| p["id"].as_str().unwrap())
        .collect();
    assert_eq!(
        ids,
        [
            "CA-P-000646",
            "CA-P-002588",
            "LI-PP-GENAI-OPT-OUT",
            "LI-PP-MICROSOFT-SHARING",
            "LI-PP-2024-EU-EXCLUDED"
        ]
    );
    for p in provisions {
        assert_eq!(p["document"], "CA-D-00090");
        assert_eq!(p["entity"], "linkedin");
        assert_eq!(p["sha256"].as_str().unwrap().len(), 64);
        assert!(p["errors"].as_array().unwrap().is_empty());
        for f in p["findings"].as_array().unwrap() {
            for key in [
                "rule",
                "regulation",
                "citation",
                "jurisdiction",
                "severity",
                "status",
                "obligation",
                "agencies",
                "because",
            ] {
                assert!(!f[key].is_null(), "finding lacks `{key}`: {f}");
            }
            assert!(
                ["applies", "undetermined", "upcoming"].contains(&f["status"].as_str().unwrap())
            );
            assert!(
                ["low", "medium", "high", "critical"].contains(&f["severity"].as_str().unwrap())
            );
            if f["status"] == "applies" {
                assert!(
                    !f["because"].as_array().unwrap().is_empty(),
                    "an applying finding says why: {f}"
                );
            }
            if f["status"] == "undetermined" {
                assert!(
                    !f["missing"].as_array().unwrap().is_empty(),
                    "an undetermined finding names what is missing: {f}"
                );
            }
        }
        for flag in p["flags"].as_array().unwrap() {
            assert!(flag["regulations"]
                .as_array()
                .is_some_and(|r| !r.is_empty()));
        }
    }
    // The seed clause engages GDPR in the EU with a pinpoint citation.
    let first = &provisions[0];
    let eu = first["flags"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["jurisdiction"] == "EU")
        .expect("an EU flag");
    assert_eq!(eu["status"], "applies");
    assert!(eu["regulations"]
        .as_array()
        .unwrap()
        .contains(&"GDPR".into()));
    assert!(first["findings"]
        .as_array()
        .unwrap()
        .iter()
        .any(|f| f["citation"]
            .as_str()
            .unwrap()
            .starts_with("GDPR Art. 6(1)")));
    // The clause of the version that excluded EU, EEA, Swiss and UK members raises no European flag.
    let last = &provisions[4];
    assert!(last["flags"]
        .as_array()
        .unwrap()
        .iter()
        .all(|f| f["jurisdiction"] != "EU" && f["jurisdiction"] != "UK"));
    // The SHA-256 is that of the clause text.
    let text = "We may use your personal data to improve, develop, and provide products and Services, develop and train artificial intelligence (AI) models, develop, provide, and personalize our Services, and gain insights with the help of AI, automated systems, and inferences, so that our Services can be more relevant and useful to you and others.";
    use sha2::Digest;
    let digest: String = sha2::Sha256::digest(text.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    assert_eq!(first["sha256"], digest);
}

#[test]
fn output_is_byte_identical_across_runs_and_formats_agree() {
    for format in ["json", "jsonl", "csv", "table"] {
        let a = run(&[
            "evaluate",
            "examples/linkedin.yaml",
            "--format",
            format,
            "--as-of",
            AS_OF,
        ])
        .code(0);
        let b = run(&[
            "evaluate",
            "examples/linkedin.yaml",
            "--format",
            format,
            "--as-of",
            AS_OF,
        ])
        .code(0);
        assert_eq!(a.stdout, b.stdout, "{format} differs between runs");
        assert!(!a.stdout.is_empty());
    }
    let json = run(&[
        "evaluate",
        "examples/linkedin.yaml",
        "--format",
        "json",
        "--as-of",
        AS_OF,
    ])
    .json();
    let jsonl = run(&[
        "evaluate",
        "examples/linkedin.yaml",
        "--format",
        "jsonl",
        "--as-of",
        AS_OF,
    ]);
    let lines: Vec<serde_json::Value> = jsonl
        .stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 5);
    for (l, p) in lines.iter().zip(json["provisions"].as_array().unwrap()) {
        assert_eq!(l["id"], p["id"]);
        assert_eq!(l["findings"], p["findings"]);
        assert_eq!(l["as_of"], AS_OF);
    }
}

#[test]
fn nothing_is_lost_when_some_provisions_are_malformed() {
    let out = run(&[
        "evaluate",
        "tests/fixtures/provisions/one-malformed.yaml",
        "--format",
        "json",
        "--as-of",
        AS_OF,
    ])
    .code(0);
    let v = out.json();
    let p = v["provisions"].as_array().unwrap();
    let ids: Vec<&str> = p.iter().map(|p| p["id"].as_str().unwrap()).collect();
    assert_eq!(
        ids,
        ["a", "b", "c", "#4", "e"],
        "every provision once, in input order"
    );
    assert!(p[0]["errors"].as_array().unwrap().is_empty());
    assert!(
        !p[0]["findings"].as_array().unwrap().is_empty(),
        "the good ones are still evaluated"
    );
    let c = p[2]["errors"][0].as_str().unwrap();
    assert!(
        c.contains("unknown attribute `purpse`") && c.contains("did you mean `purpose`"),
        "{c}"
    );
    assert!(p[3]["errors"][0].as_str().unwrap().contains("has no `id`"));
    assert!(p[2]["findings"].as_array().unwrap().is_empty());
    assert!(!p[4]["findings"].as_array().unwrap().is_empty());
}

#[test]
fn jsonl_input_with_a_broken_line_keeps_every_line() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("in.jsonl");
    let good = r#"{"entity":{"id":"x","facts":{"markets":["EU"]}},"document":{"id":"d1"},"provisions":[{"id":"p1","text":"t","attributes":{"data":["personal"],"purpose":["ai_training"]}}]}"#;
    std::fs::write(
        &path,
        format!("{good}\n{{not json\n{}\n", good.replace("d1", "d2")),
    )
    .unwrap();
    let out = run_in(
        dir.path(),
        &[
            "evaluate", "in.jsonl", "--format", "jsonl", "--as-of", AS_OF,
        ],
        None,
    )
    .code(0);
    let lines: Vec<serde_json::Value> = out
        .stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 3);
    assert_eq!(lines[0]["document"], "d1");
    assert!(lines[1]["errors"][0]
        .as_str()
        .unwrap()
        .contains("line 2 is not valid JSON"));
    assert_eq!(lines[2]["document"], "d2");
}

#[test]
fn stdin_is_read_with_a_dash() {
    let input = std::fs::read_to_string(root().join("examples/linkedin.yaml")).unwrap();
    let out = run_in(
        &root(),
        &["evaluate", "-", "--format", "json", "--as-of", AS_OF],
        Some(&input),
    )
    .code(0);
    assert_eq!(out.json()["provisions"].as_array().unwrap().len(), 5);
}

#[test]
fn fail_on_sets_the_exit_code() {
    run(&[
        "evaluate",
        "examples/linkedin.yaml",
        "--fail-on",
        "high",
        "--as-of",
        AS_OF,
    ])
    .code(1);
    run(&[
        "evaluate",
        "examples/linkedin.yaml",
        "--fail-on",
        "critical",
        "--as-of",
        AS_OF,
    ])
    .code(0);
    let bad = run(&["evaluate", "examples/linkedin.yaml", "--fail-on", "severe"]).code(2);
    assert!(bad.stderr.contains("severe"));
}

#[test]
fn jurisdiction_filter_keeps_members_of_a_region() {
    let out = run(&[
        "evaluate",
        "examples/linkedin.yaml",
        "--format",
        "json",
        "-j",
        "US",
        "--as-of",
        AS_OF,
    ])
    .code(0);
    for p in out.json()["provisions"].as_array().unwrap() {
        for f in p["flags"].as_array().unwrap() {
            assert!(f["jurisdiction"].as_str().unwrap().starts_with("US"), "{f}");
        }
    }
    let out = run(&["evaluate", "examples/linkedin.yaml", "-j", "USA"]).code(2);
    assert!(
        out.stderr.contains("unknown jurisdiction `USA`")
            && out.stderr.contains("did you mean `US`"),
        "{}",
        out.stderr
    );
}

#[test]
fn explain_answers_for_a_rule_that_fired_and_one_that_did_not() {
    let fired = run(&[
        "explain",
        "examples/linkedin.yaml",
        "--provision",
        "CA-P-000646",
        "--rule",
        "gdpr.art6-1.no-basis",
        "--as-of",
        AS_OF,
    ]);
    let fired = if fired.code == 0 {
        fired
    } else {
        // The rule id is the pack's; find one that fired from the JSON instead.
        let v = run(&[
            "evaluate",
            "examples/linkedin.yaml",
            "--format",
            "json",
            "--as-of",
            AS_OF,
        ])
        .json();
        let id = v["provisions"][0]["findings"][0]["rule"]
            .as_str()
            .unwrap()
            .to_string();
        run(&[
            "explain",
            "examples/linkedin.yaml",
            "--provision",
            "CA-P-000646",
            "--rule",
            &id,
            "--as-of",
            AS_OF,
        ])
        .code(0)
    };
    assert!(fired.stdout.contains("because:"), "{}", fired.stdout);
    assert!(
        fired.stdout.contains("`data has"),
        "the conditions that held are quoted: {}",
        fired.stdout
    );
    // GDPR Art. 9 does not fire on the first clause: no special-category data is stated.
    let all = run(&[
        "explain",
        "examples/linkedin.yaml",
        "--provision",
        "CA-P-000646",
        "--as-of",
        AS_OF,
    ])
    .code(0);
    assert!(all.stdout.contains("Did not fire"));
    assert!(all.stdout.contains("it would apply if"), "{}", all.stdout);
    let missing = run(&[
        "explain",
        "examples/linkedin.yaml",
        "--provision",
        "CA-P-00064",
        "--as-of",
        AS_OF,
    ])
    .code(2);
    assert!(
        missing.stderr.contains("did you mean `CA-P-000646`"),
        "{}",
        missing.stderr
    );
}

#[test]
fn the_built_in_packs_check_and_their_tests_pass() {
    let out = run(&["check"]).code(0);
    assert!(out.stdout.starts_with("ok: "), "{}", out.stdout);
    let out = run(&["test", "--coverage"]).code(0);
    assert!(
        out.stdout.trim_end().ends_with(" 0 failed"),
        "{}",
        out.stdout
    );
}

#[test]
fn graph_prints_dot_and_mermaid() {
    let dot = run(&["graph"]).code(0);
    assert!(dot.stdout.starts_with("digraph clausemap {"));
    assert!(dot.stdout.contains("\"gdpr.scope\""));
    let mermaid = run(&["graph", "--format", "mermaid"]).code(0);
    assert!(mermaid.stdout.starts_with("flowchart LR"));
}

#[test]
fn completions_are_printed_for_each_shell() {
    for shell in ["bash", "zsh", "fish"] {
        let out = run(&["completions", shell]).code(0);
        assert!(out.stdout.contains("evaluate"), "{shell}");
    }
}

#[test]
fn unreadable_input_is_a_usage_error_with_the_file_named() {
    let out = run(&["evaluate", "no/such/file.yaml"]).code(2);
    assert!(
        out.stderr.contains("no/such/file.yaml") && out.stderr.contains("check the path"),
        "{}",
        out.stderr
    );
}

#[test]
fn parallel_evaluation_gives_the_same_bytes_in_the_same_order() {
    let dir = tempfile::tempdir().unwrap();
    let gen = run(&[
        "bench",
        "gen",
        "--provisions",
        "3000",
        "--per-document",
        "7",
        "--seed",
        "5",
    ])
    .code(0);
    std::fs::write(dir.path().join("c.jsonl"), &gen.stdout).unwrap();
    let one = run_in(
        dir.path(),
        &[
            "evaluate", "c.jsonl", "--format", "jsonl", "--as-of", AS_OF, "--jobs", "1",
        ],
        None,
    )
    .code(0);
    let two = run_in(
        dir.path(),
        &[
            "evaluate", "c.jsonl", "--format", "jsonl", "--as-of", AS_OF, "--jobs", "2",
        ],
        None,
    )
    .code(0);
    assert_eq!(one.stdout.lines().count(), 3000);
    assert!(one.stdout == two.stdout, "--jobs 2 changed the output");
    // Every format, several files, a broken line and the classified profile: each thread
    // count gives the same bytes as one thread.
    let sparse = run(&[
        "bench",
        "gen",
        "--provisions",
        "2000",
        "--per-document",
        "150",
        "--seed",
        "6",
        "--profile",
        "classified",
    ])
    .code(0);
    let mut text = sparse.stdout.clone();
    text.insert_str(text.find('\n').unwrap() + 1, "{\"provisions\": [oops\n");
    std::fs::write(dir.path().join("s.jsonl"), text).unwrap();
    let lines: Vec<&str> = gen.stdout.lines().take(40).collect();
    let json = format!("[{}]", lines.join(","));
    std::fs::write(dir.path().join("c.json"), json).unwrap();
    for format in ["json", "jsonl", "csv", "sarif", "table"] {
        let args = |jobs: &'static str| {
            vec![
                "evaluate", "s.jsonl", "c.json", "c.jsonl", "--format", format, "--as-of", AS_OF,
                "--jobs", jobs,
            ]
        };
        let one = run_in(dir.path(), &args("1"), None);
        for jobs in ["2", "3"] {
            let many = run_in(dir.path(), &args(jobs), None);
            assert_eq!(one.code, many.code, "{format} --jobs {jobs}");
            assert!(
                one.stdout == many.stdout,
                "{format}: --jobs {jobs} changed the output"
            );
        }
    }
}

/// A policy's table of contents names its sections without stating any practice, and so does a
/// heading that lost its markup: classify reads neither (and says where they are and why),
/// while the text under them keeps its attributes.
#[test]
fn a_table_of_contents_or_a_heading_is_not_classified_as_the_practices_it_names() {
    let dir = tempfile::tempdir().unwrap();
    let policy = "# Privacy Policy\n\nContents\n\n\
        - 1. Information We Collect\n- 2. Sharing Your Information\n\
        - 3. How Long We Keep Information\n- 4. Children\n\n\
        ## 1. Information We Collect\n\nWe collect your name and email address.\n\n\
        ## 2. Sharing Your Information\n\nWe share your information with advertisers.\n\n\
        ## 3. How Long We Keep Information\n\nWe retain your data for as long as your account is active.\n\n\
        ## 4. Children\n\nOur services are not directed to children under 13.\n\n\
        Sharing with advertisers\n\nWe do not share your information with advertisers.\n\n\
        **Your Choices**\n\nYou can opt out of marketing emails at any time.\n";
    std::fs::write(dir.path().join("policy.md"), policy).unwrap();
    let out = run_in(
        dir.path(),
        &["classify", "policy.md", "--format", "json"],
        None,
    )
    .code(0);
    let v = out.json();
    // With no entity file and no folder to name it, the file names the entity.
    assert_eq!(v["entity"]["id"], "policy", "{}", v["entity"]);
    let provisions = v["provisions"].as_array().unwrap();
    let toc = &provisions[0];
    assert!(
        toc["text"].as_str().unwrap().starts_with("Contents\n- 1."),
        "{toc}"
    );
    assert_eq!(toc["attributes"], serde_json::json!({}), "{toc}");
    let chars = toc["text"].as_str().unwrap().chars().count();
    assert_eq!(
        toc["skipped"],
        serde_json::json!([{ "start": 0, "end": chars, "reason": "table of contents" }]),
        "{toc}"
    );
    let topics = |i: usize| provisions[i]["attributes"]["topic"].to_string();
    assert!(topics(1).contains("collection"), "{}", topics(1));
    assert!(topics(2).contains("sharing"), "{}", topics(2));
    assert!(topics(3).contains("retention"), "{}", topics(3));
    assert!(provisions[1].get("skipped").is_none());
    let heading = &provisions[5];
    assert_eq!(heading["text"], "Sharing with advertisers", "{heading}");
    assert_eq!(heading["attributes"], serde_json::json!({}), "{heading}");
    assert_eq!(heading["skipped"][0]["reason"], "heading", "{heading}");
    // The statement under it is read, negation and all.
    assert_eq!(
        provisions[6]["attributes"]["topic"],
        serde_json::json!(["sharing"])
    );
    assert!(provisions[6]["attributes"].get("recipients").is_none());
    // A line wholly in bold is a heading: it titles and names the provision under it, and is
    // not a provision itself.
    assert_eq!(provisions.len(), 8, "{provisions:?}");
    assert_eq!(provisions[7]["title"], "Your Choices", "{}", provisions[7]);
    assert_eq!(provisions[7]["id"], "your-choices.1", "{}", provisions[7]);
    assert!(provisions[7].get("skipped").is_none(), "{}", provisions[7]);

    let out = run_in(
        dir.path(),
        &[
            "evaluate",
            "policy.md",
            "--format",
            "json",
            "--as-of",
            AS_OF,
        ],
        None,
    )
    .code(0);
    let v = out.json();
    let first = &v["provisions"][0];
    assert_eq!(first["id"], "privacy-policy.1", "{first}");
    assert_eq!(first["findings"], serde_json::json!([]), "{first}");
    assert_ne!(v["provisions"][1]["findings"], serde_json::json!([]));

    // The memo says what was not read, and why, in both formats.
    for (format, line) in [
        ("md", "- characters 0–114: table of contents"),
        ("html", "<li>characters 0&ndash;114: table of contents</li>"),
    ] {
        let out = run_in(
            dir.path(),
            &[
                "memo",
                "policy.md",
                "--provision",
                "privacy-policy.1",
                "--format",
                format,
                "--as-of",
                AS_OF,
            ],
            None,
        )
        .code(0);
        assert!(
            out.stdout.contains("Text not read as a clause"),
            "{}",
            out.stdout
        );
        assert!(out.stdout.contains(line), "{}", out.stdout);
        // A document without an address is still named by its title.
        if format == "html" {
            let named = "<tr><th>Document</th><td>Privacy Policy <span class=\"cites\">(policy)";
            assert!(out.stdout.contains(named), "{}", out.stdout);
        }
    }
    let out = run_in(
        dir.path(),
        &[
            "memo",
            "policy.md",
            "--provision",
            "1-information-we-collect.1",
            "--as-of",
            AS_OF,
        ],
        None,
    )
    .code(0);
    assert!(!out.stdout.contains("Text not read"), "{}", out.stdout);
}

/// The provisions of a file someone wrote are the clauses they chose: a short one is read like
/// any other, not taken for a heading as it would be in a policy split by `classify`.
#[test]
fn a_short_provision_in_a_provision_file_is_read() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("given.yaml"),
        "document: { id: d, title: T }\nprovisions:\n  - id: a\n    text: \"Sharing with advertisers\"\n  \
         - id: b\n    text: \"We share your data with advertisers.\"\n",
    )
    .unwrap();
    let out = run_in(
        dir.path(),
        &["classify", "given.yaml", "--format", "json"],
        None,
    )
    .code(0);
    let v = out.json();
    let first = &v["provisions"][0];
    assert_eq!(first["id"], "a");
    assert_eq!(
        first["attributes"]["recipients"],
        serde_json::json!(["advertisers"]),
        "{first}"
    );
    assert!(first.get("skipped").is_none(), "{first}");
}
