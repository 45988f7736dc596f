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
    /// Write compliance memos: one per provision and one per document (Markdown or HTML).
    Memo(MemoArgs),
    /// Print shell completions.
    Completions(CompletionsArgs),
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
    /// Provision files (YAML, JSON or JSON Lines); `-` reads standard input.
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
