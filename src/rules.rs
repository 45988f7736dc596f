//! Rule packs: where they come from, and what they are once checked.
//!
//! The rule files of a directory (or the built-in ones, embedded in the binary) are read as
//! [`Source`]s; `check::compile` turns them into a [`RuleSet`]: the vocabulary, the packs,
//! every rule with its compiled conditions, and the evaluation order.

pub mod raw;
pub mod yaml;

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::path::Path;

use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::date::Date;
use crate::error::Problem;
use crate::eval::cond::Cond;
use crate::source::Source;
use crate::vocab::Vocabulary;

mod embedded {
    include!(concat!(env!("OUT_DIR"), "/embedded_rules.rs"));
}

/// The name the built-in packs go by in messages and receipts.
pub const BUILTIN_DIR: &str = "rules";

/// The files of the built-in rule directory, embedded at build time.
pub fn builtin_sources() -> Vec<Source> {
    embedded::RULE_FILES
        .iter()
        .map(|(name, text)| Source::new(format!("{BUILTIN_DIR}/{name}"), *text))
        .collect()
}

/// The `.yaml` files of a directory, sorted by name.
pub fn read_dir(dir: &Path) -> Result<Vec<Source>, Problem> {
    let entries = std::fs::read_dir(dir).map_err(|e| {
        Problem::new(
            "rules::read-dir",
            format!("cannot read rule directory: {e}"),
        )
        .in_file(dir.display().to_string())
        .help("give --rules a directory that holds vocabulary.yaml and the pack files")
    })?;
    let mut paths: Vec<_> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "yaml" || x == "yml"))
        .collect();
    paths.sort();
    let mut sources = Vec::new();
    for path in paths {
        sources.push(crate::model::read_source(&path)?);
    }
    Ok(sources)
}

/// What a file in a rule directory is, by its name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FileRole {
    Vocabulary,
    Classifier,
    CorpusMapping,
    Tests,
    Pack,
}

pub fn role_of(name: &str) -> FileRole {
    let base = name.rsplit('/').next().unwrap_or(name);
    if base == "vocabulary.yaml" {
        FileRole::Vocabulary
    } else if base == "classifier.yaml" {
        FileRole::Classifier
    } else if base == "corpus-mapping.yaml" {
        FileRole::CorpusMapping
    } else if base.ends_with(".tests.yaml") || base.ends_with(".tests.yml") {
        FileRole::Tests
    } else {
        FileRole::Pack
    }
}

/// SHA-256 of a text, as lowercase hex.
pub fn sha256_hex(text: &str) -> String {
    let digest = Sha256::digest(text.as_bytes());
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(64);
    for b in digest {
        out.push(HEX[usize::from(b >> 4)] as char);
        out.push(HEX[usize::from(b & 0xf)] as char);
    }
    out
}

/// How grave a finding is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Low,
    Medium,
    High,
    Critical,
}

impl Severity {
    pub const ALL: [Severity; 4] = [
        Severity::Low,
        Severity::Medium,
        Severity::High,
        Severity::Critical,
    ];

    pub fn parse(s: &str) -> Option<Severity> {
        Severity::ALL.into_iter().find(|v| v.as_str() == s)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RuleKind {
    Finding,
    Scope,
    Fact,
}

#[derive(Clone, Debug, Serialize)]
pub struct Agency {
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub remit: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
}

#[derive(Clone, Debug, Serialize)]
pub struct Article {
    pub title: String,
    /// The printed citation.
    pub cite: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
}

/// One regulation.
#[derive(Debug)]
pub struct Pack {
    pub file: String,
    pub sha256: String,
    pub regulation: String,
    pub name: String,
    pub citation: String,
    pub cite_as: String,
    pub jurisdiction: String,
    pub in_force: Date,
    pub valid_to: Option<Date>,
    pub source: String,
    pub penalties: String,
    pub agencies: Vec<Agency>,
    pub verification: String,
    pub articles: BTreeMap<String, Article>,
    /// The index of the pack's scope rule.
    pub scope: Option<usize>,
}

/// An exception written with `unless:`.
#[derive(Debug)]
pub struct Exception {
    pub title: String,
    pub text: String,
    pub cond: Cond,
}

/// One checked rule.
#[derive(Debug)]
pub struct Rule {
    pub id: String,
    pub pack: usize,
    pub kind: RuleKind,
    pub article: String,
    pub citation: String,
    pub title: String,
    pub when_text: String,
    pub when: Cond,
    pub unless: Vec<Exception>,
    pub severity: Severity,
    pub obligation: String,
    pub actions: Vec<String>,
    pub agencies: Vec<String>,
    pub in_force: Date,
    pub valid_to: Option<Date>,
    pub jurisdiction: String,
    /// The scope rule that gates this rule, if any.
    pub gate: Option<usize>,
}

impl Rule {
    pub fn is_finding(&self) -> bool {
        self.kind == RuleKind::Finding
    }
}

/// Everything `check` produced from a rule directory.
#[derive(Debug)]
pub struct RuleSet {
    pub vocab: Vocabulary,
    pub packs: Vec<Pack>,
    pub rules: Vec<Rule>,
    /// Rule indices, dependencies first.
    pub order: Vec<usize>,
    /// Dependency edges: (rule, rule it depends on).
    pub edges: Vec<(usize, usize)>,
    /// The test files found beside the packs.
    pub tests: Vec<Source>,
    /// The classifier file, if any.
    pub classifier: Option<Source>,
    pub corpus_mapping: Option<Source>,
    pub(crate) index: HashMap<String, usize>,
    /// The compiled classifier, built on first use.
    pub(crate) classifier_cache: ClassifierCache,
    /// The fixed parts of each finding rule's findings, built on first use.
    pub(crate) parts_cache: crate::eval::parts::PartsCache,
    /// The rule set as one flat program, built on first use.
    pub(crate) program_cache: crate::eval::program::ProgramCache,
}

/// The compiled classifier of a rule set, or the problems that stopped it.
pub(crate) type ClassifierCache =
    std::sync::OnceLock<Result<Option<std::sync::Arc<crate::classify::Classifier>>, Vec<Problem>>>;

impl RuleSet {
    /// The official source of a rule's article, or of its regulation when the article index
    /// gives none.
    pub fn source_of(&self, rule: &Rule) -> &str {
        let pack = &self.packs[rule.pack];
        pack.articles
            .get(&rule.article)
            .and_then(|a| a.source.as_deref())
            .unwrap_or(&pack.source)
    }

    pub fn rule(&self, id: &str) -> Option<usize> {
        self.index.get(id).copied()
    }

    /// One SHA-256 over all pack digests, for compact receipts.
    pub fn digest(&self) -> String {
        let joined: Vec<String> = self
            .packs
            .iter()
            .map(|p| format!("{} {}", p.sha256, p.file))
            .collect();
        sha256_hex(&joined.join("\n"))
    }
}
