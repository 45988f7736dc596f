//! The command line: clap types only.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::report::OutputFormat;
use crate::rules::Severity;

/// clausemap maps the clauses of privacy policies and terms of service to the regulations and
/// articles they engage, with a flag per jurisdiction and an explanation for every finding.
#[derive(Debug, Parser)]
#[command(name = "clausemap", version, about, long_about = None, propagate_version = true)]
pub struct Cli {
    /// How to print problems: for people, or as JSON lines for tools.
    #[arg(long, global = true, value_enum, default_value_t = ErrorFormat::Human)]
    pub error_format: ErrorFormat,

    /// Set one of clausemap's input limits, e.g. `--limit yaml-bytes=128MiB` (repeatable; also
    /// `CLAUSEMAP_LIMITS=name=value,name=value`, which these override). The limits:
    /// expression-length, expression-depth, yaml-bytes, file-bytes, provisions-per-document,
    /// text-bytes, template-bytes (docs/robustness.md).
    #[arg(long = "limit", global = true, value_name = "NAME=VALUE", value_parser = crate::limits::parse_setting)]
    pub limits: Vec<(&'static str, u64)>,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ErrorFormat {
    Human,
    Json,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Evaluate provision files against the rule packs.
    Evaluate(EvaluateArgs),
    /// Explain, for one provision, why each rule fired or what it would take to fire.
    Explain(ExplainArgs),
    /// Check rule packs: YAML, conditions, vocabulary, citations, references, cycles.
    Check(CheckArgs),
    /// Run the rule packs' test cases (`<pack>.tests.yaml`).
    Test(TestArgs),
    /// Print the rules' dependency graph.
    Graph(GraphArgs),
    /// Split a policy (text, Markdown, HTML) into provisions and classify each, with evidence;
    /// or fill in the attributes of a provision file's unclassified provisions.
    Classify(ClassifyArgs),
    /// Put side by side the provisions of many documents that share a practice.
    Compare(CompareArgs),
    /// Write compliance memos: one per provision and one per document (Markdown or HTML).
    Memo(MemoArgs),
    /// Print shell completions.
    Completions(CompletionsArgs),
    /// The provision × jurisdiction matrix of flags, with review states.
    Flags(FlagsArgs),
    /// Record a reviewer's decision on a finding, or list the review state.
    Review(ReviewArgs),
    /// Compare two versions of a policy, or two versions of the rule packs.
    Diff(DiffArgs),
    /// Print a JSON Schema for rule packs, rule tests or provision files (for editors).
    Schema(SchemaArgs),
    /// Benchmark helpers: synthetic corpora, and the classifier's scores on labelled data.
    #[command(subcommand)]
    Bench(BenchCommand),
}

#[derive(Debug, Args)]
pub struct FlagsArgs {
    /// Provision files.
    #[arg(required = true, value_name = "FILE")]
    pub files: Vec<PathBuf>,
    #[command(flatten)]
    pub rules: RuleOpts,
    /// Output format.
    #[arg(long, short, value_enum, default_value_t = FlagsFormat::Table)]
    pub format: FlagsFormat,
    /// Only these jurisdictions (repeatable).
    #[arg(long, short, value_name = "CODE")]
    pub jurisdiction: Vec<String>,
    /// Only flags at least this severe.
    #[arg(long, value_enum, value_name = "SEVERITY")]
    pub min_severity: Option<Severity>,
    /// The review ledger for every file (default: each file's own, beside it:
    /// `policy.yaml` → `policy.review.yaml`).
    #[arg(long, value_name = "PATH")]
    pub ledger: Option<PathBuf>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum FlagsFormat {
    Table,
    Csv,
    Json,
    Html,
}

#[derive(Debug, Args)]
pub struct ReviewArgs {
    /// The provision file the decision is about.
    #[arg(value_name = "FILE")]
    pub file: PathBuf,
    #[command(flatten)]
    pub rules: RuleOpts,
    /// The provision's id.
    #[arg(long, value_name = "ID", required_unless_present = "list")]
    pub provision: Option<String>,
    /// The rule's id.
    #[arg(long, value_name = "ID", required_unless_present = "list")]
    pub rule: Option<String>,
    /// The decision: confirm the finding, dismiss it, or accept its risk.
    #[arg(long, value_enum, required_unless_present = "list")]
    pub decision: Option<Decision>,
    /// Why (required with a decision).
    #[arg(long, required_unless_present = "list")]
    pub reason: Option<String>,
    /// Who decided (default: $USER).
    #[arg(long)]
    pub reviewer: Option<String>,
    /// The decision lapses after this date (YYYY-MM-DD).
    #[arg(long, value_parser = parse_date)]
    pub expires: Option<crate::date::Date>,
    /// The review ledger (default: beside FILE, named after it: `policy.yaml` →
    /// `policy.review.yaml`).
    #[arg(long, value_name = "PATH")]
    pub ledger: Option<PathBuf>,
    /// List pending, decided, stale and expired items instead of recording a decision.
    #[arg(long, conflicts_with_all = ["decision", "reason"])]
    pub list: bool,
}

/// A reviewer's decision on a finding (written as `confirm`, `dismiss`, `accept-risk`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Decision {
    Confirm,
    Dismiss,
    AcceptRisk,
}

#[derive(Debug, Args)]
pub struct DiffArgs {
    /// The old and the new version (provision files or raw policies); with --rules-new, the
    /// provision files to evaluate under both rule sets.
    #[arg(required = true, value_name = "FILE")]
    pub files: Vec<PathBuf>,
    #[command(flatten)]
    pub rules: RuleOpts,
    /// The new rule directory: compare findings under --rules (old) and this (new).
    #[arg(long, value_name = "DIR")]
    pub rules_new: Option<PathBuf>,
    /// Output format.
    #[arg(long, short, value_enum, default_value_t = DiffFormat::Table)]
    pub format: DiffFormat,
    /// The review ledger whose decisions may go stale (default: beside OLD, named after it:
    /// `policy.yaml` → `policy.review.yaml`; else the one beside NEW).
    #[arg(long, value_name = "PATH")]
    pub ledger: Option<PathBuf>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum DiffFormat {
    Table,
    Json,
    Md,
}

#[derive(Debug, Args)]
pub struct SchemaArgs {
    /// Which file the schema describes.
    #[arg(value_enum, default_value_t = crate::schema::SchemaKind::Pack)]
    pub kind: crate::schema::SchemaKind,
    /// Rule directory whose vocabulary the schema lists. Default: the built-in packs.
    #[arg(long, value_name = "DIR")]
    pub rules: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
pub enum BenchCommand {
    /// Write a synthetic provision file (JSON Lines) to standard output.
    Gen(BenchGenArgs),
    /// Score the classifier against the labelled corpora (OPP-115, C3PA, ToS;DR).
    Classify(BenchClassifyArgs),
}

#[derive(Debug, Args)]
pub struct BenchClassifyArgs {
    /// The corpus directory (default: $CLAUSEMAP_CORPUS, else ../shared/corpus).
    #[arg(long, value_name = "DIR")]
    pub corpus: Option<PathBuf>,
    /// Score the OPP-115 `dev` split (for tuning) instead of `test`.
    #[arg(long)]
    pub dev: bool,
    /// Instead of the scores: every `dev` segment where this classifier pattern matches, with
    /// its gold labels and whether the value it gives was kept (repeatable; needs `--dev`, as
    /// the test split is held out).
    #[arg(long, value_name = "ID", requires = "dev")]
    pub pattern: Vec<String>,
    /// Rule directory with classifier.yaml and corpus-mapping.yaml. Default: the built-in ones.
    #[arg(long, value_name = "DIR")]
    pub rules: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct BenchGenArgs {
    /// How many provisions.
    #[arg(long, default_value_t = 10_000)]
    pub provisions: usize,
    /// Provisions per document (one document per line).
    #[arg(long, default_value_t = 100)]
    pub per_document: usize,
    /// The generator's seed: the same seed gives the same file.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// How densely provisions are classified: `dense` (every attribute with probability 0.35)
    /// or `classified` (as clausemap's classifier classifies real policies).
    #[arg(long, value_enum, default_value_t)]
    pub profile: crate::synth::Profile,
    #[command(flatten)]
    pub rules: RuleOpts,
}

#[derive(Debug, Args)]
pub struct ClassifyArgs {
    /// A policy (.txt, .md, .html) or a provision file (YAML, JSON, JSON Lines).
    #[arg(value_name = "FILE")]
    pub file: PathBuf,
    /// A YAML or JSON file with the entity (`id`, `name`, `facts`), for raw policies.
    #[arg(long, value_name = "FILE")]
    pub entity: Option<PathBuf>,
    /// The document id (default: from the file name).
    #[arg(long, value_name = "ID")]
    pub document_id: Option<String>,
    /// Output format.
    #[arg(long, short, value_enum, default_value_t = ClassifyFormat::Yaml)]
    pub format: ClassifyFormat,
    /// Write to this file (atomically) instead of standard output.
    #[arg(long, short, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// Rule directory whose classifier.yaml and vocabulary to use. Default: the built-in ones.
    #[arg(long, value_name = "DIR")]
    pub rules: Option<PathBuf>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ClassifyFormat {
    Yaml,
    Json,
    Jsonl,
}

#[derive(Debug, Args)]
pub struct CompareArgs {
    /// Policies or provision files.
    #[arg(required = true, value_name = "FILE")]
    pub files: Vec<PathBuf>,
    #[command(flatten)]
    pub rules: RuleOpts,
    /// The practice to compare: a purpose value (e.g. `ai_training`, `sale`), or
    /// `ATTRIBUTE:VALUE` for any set attribute (e.g. `recipients:data_brokers`).
    #[arg(long, default_value = "ai_training")]
    pub practice: String,
    /// Output format.
    #[arg(long, short, value_enum, default_value_t = CompareFormat::Table)]
    pub format: CompareFormat,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum CompareFormat {
    Table,
    Md,
    Json,
}

#[derive(Debug, Args)]
pub struct MemoArgs {
    /// Provision files (YAML, JSON or JSON Lines).
    #[arg(required = true, value_name = "FILE")]
    pub files: Vec<PathBuf>,

    #[command(flatten)]
    pub rules: RuleOpts,

    /// Write only the memo of this provision.
    #[arg(long, short, value_name = "ID")]
    pub provision: Option<String>,

    /// Memo format.
    #[arg(long, short, value_enum, default_value_t = MemoFormat::Md)]
    pub format: MemoFormat,

    /// Write memo files into this directory (named by document and provision id) instead of
    /// printing one memo.
    #[arg(long, short, value_name = "DIR")]
    pub out: Option<PathBuf>,

    /// Templates that replace the built-in ones of the same name.
    #[arg(long, value_name = "DIR")]
    pub templates: Option<PathBuf>,

    /// Only the document memos.
    #[arg(long, conflicts_with_all = ["provisions_only", "provision"])]
    pub document_only: bool,

    /// Only the provision memos.
    #[arg(long)]
    pub provisions_only: bool,

    /// Policies or provision files of other platforms: each provision memo gets a section on
    /// how they handle the provision's purposes (the rows of `clausemap compare`).
    #[arg(long, value_name = "FILE", num_args = 1..)]
    pub peers: Vec<PathBuf>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum MemoFormat {
    Md,
    Html,
}

/// Options of every command that evaluates.
#[derive(Debug, Args)]
pub struct RuleOpts {
    /// Rule directory (vocabulary.yaml and the packs). Default: the built-in packs.
    #[arg(long, value_name = "DIR")]
    pub rules: Option<PathBuf>,

    /// Judge by the law as it stands on this date (YYYY-MM-DD). Default: today.
    #[arg(long, value_name = "DATE", value_parser = parse_date)]
    pub as_of: Option<crate::date::Date>,
}

pub fn parse_date(s: &str) -> Result<crate::date::Date, String> {
    crate::date::Date::parse(s)
        .ok_or_else(|| format!("`{s}` is not a date: write YYYY-MM-DD, e.g. 2026-11-25"))
}

#[derive(Debug, Args)]
pub struct EvaluateArgs {
    /// Provision files (YAML, JSON or JSON Lines) or policies (text, Markdown, HTML); `-` reads
    /// standard input.
    #[arg(required = true, value_name = "FILE")]
    pub files: Vec<PathBuf>,

    #[command(flatten)]
    pub rules: RuleOpts,

    /// Output format.
    #[arg(long, short, value_enum, default_value_t = OutputFormat::Table)]
    pub format: OutputFormat,

    /// Show only findings in these jurisdictions (repeatable; `EU` also selects its members).
    #[arg(long, short, value_name = "CODE")]
    pub jurisdiction: Vec<String>,

    /// Exit with 1 when a finding that applies is at least this severe.
    #[arg(long, value_enum, value_name = "SEVERITY")]
    pub fail_on: Option<Severity>,

    /// Threads to evaluate with (0: one per core). Output order does not depend on it.
    #[arg(long, short = 'J', default_value_t = 0, value_name = "N")]
    pub jobs: usize,
}

#[derive(Debug, Args)]
pub struct ExplainArgs {
    /// The provision file.
    #[arg(value_name = "FILE")]
    pub file: PathBuf,

    /// The provision's id.
    #[arg(long, short, value_name = "ID")]
    pub provision: String,

    /// Explain only this rule (default: every rule of the packs that reach the provision).
    #[arg(long, short, value_name = "ID")]
    pub rule: Option<String>,

    #[command(flatten)]
    pub rules: RuleOpts,
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Rule directory. Default: the built-in packs.
    #[arg(value_name = "DIR")]
    pub dir: Option<PathBuf>,

    /// The same as DIR.
    #[arg(long, value_name = "DIR", conflicts_with = "dir")]
    pub rules: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct TestArgs {
    /// Rule directory with `<pack>.tests.yaml` files. Default: the built-in packs.
    #[arg(value_name = "DIR")]
    pub dir: Option<PathBuf>,

    /// The same as DIR.
    #[arg(long, value_name = "DIR", conflicts_with = "dir")]
    pub rules: Option<PathBuf>,

    /// List the rules that lack a positive or a negative case.
    #[arg(long)]
    pub coverage: bool,
}

#[derive(Debug, Args)]
pub struct GraphArgs {
    /// Rule directory. Default: the built-in packs.
    #[arg(long, value_name = "DIR")]
    pub rules: Option<PathBuf>,

    #[arg(long, short, value_enum, default_value_t = GraphFormat::Dot)]
    pub format: GraphFormat,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum GraphFormat {
    Dot,
    Mermaid,
}

#[derive(Debug, Args)]
pub struct CompletionsArgs {
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

impl ValueEnum for Severity {
    fn value_variants<'a>() -> &'a [Self] {
        &Severity::ALL
    }

    fn to_possible_value(&self) -> Option<clap::builder::PossibleValue> {
        Some(clap::builder::PossibleValue::new(self.as_str()))
    }
}
