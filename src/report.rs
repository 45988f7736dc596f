//! Writing evaluation results: a table for people, JSON, JSON Lines and CSV for tools.
//!
//! Writers take outcomes one at a time, so a run over millions of provisions holds only one
//! document in memory. The same input always gives the same bytes out.

use std::io::{self, Write};

use serde::Serialize;

use crate::date::Date;
use crate::eval::{Outcome, Status};
use crate::rules::RuleSet;

/// The version printed in every receipt.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum OutputFormat {
    Table,
    Json,
    Jsonl,
    Csv,
    /// SARIF 2.1.0, for code-scanning tools.
    Sarif,
}

/// What a run is based on: enough to reproduce it.
#[derive(Serialize)]
pub struct Receipt<'a> {
    pub clausemap: &'static str,
    pub as_of: Date,
    pub rules: Vec<PackDigest<'a>>,
}

#[derive(Serialize)]
pub struct PackDigest<'a> {
    pub file: &'a str,
    pub regulation: &'a str,
    pub sha256: &'a str,
}

pub fn receipt(set: &RuleSet, as_of: Date) -> Receipt<'_> {
    Receipt {
        clausemap: VERSION,
        as_of,
        rules: set
            .packs
            .iter()
            .map(|p| PackDigest {
                file: &p.file,
                regulation: &p.regulation,
                sha256: &p.sha256,
            })
            .collect(),
    }
}

/// A streaming writer of outcomes.
pub struct Writer<W: Write> {
    out: W,
    format: OutputFormat,
    as_of: Date,
    count: usize,
    pub findings: usize,
    /// The digest of the rule packs, computed once.
    digest: String,
    /// SARIF only: the run being written (see `crate::sarif`).
    sarif: Option<crate::sarif::SarifRun>,
}

#[derive(Serialize)]
struct JsonlLine<'a> {
    #[serde(flatten)]
    outcome: &'a Outcome,
    as_of: Date,
    rules_sha256: &'a str,
}

impl<W: Write> Writer<W> {
    pub fn new(out: W, format: OutputFormat, set: &RuleSet, as_of: Date) -> io::Result<Self> {
        let mut w = Writer {
            out,
            format,
            as_of,
            count: 0,
            findings: 0,
            digest: set.digest(),
            sarif: None,
        };
        match format {
            OutputFormat::Json => {
                let r = serde_json::to_string(&receipt(set, as_of)).map_err(io::Error::other)?;
                // The receipt's fields, then the provisions array, streamed.
                let head = r.strip_suffix('}').unwrap_or(&r);
                write!(w.out, "{head},\"provisions\":[")?;
            }
            OutputFormat::Csv => writeln!(
                w.out,
                "document,provision,sha256,rule,regulation,citation,jurisdiction,severity,status,in_force,title,errors"
            )?,
            OutputFormat::Sarif => {
                w.sarif = Some(crate::sarif::SarifRun::start(&mut w.out, set, as_of)?);
            }
            OutputFormat::Table | OutputFormat::Jsonl => {}
        }
        Ok(w)
    }

    /// The outcomes that follow come from this file (SARIF locates results in it).
    pub fn begin_file(&mut self, path: &std::path::Path) {
        if let Some(run) = &mut self.sarif {
            run.begin_file(path);
        }
    }

    pub fn write(&mut self, o: &Outcome) -> io::Result<()> {
        self.findings += o.findings.len();
        match self.format {
            OutputFormat::Json => {
                if self.count > 0 {
                    self.out.write_all(b",")?;
                }
                serde_json::to_writer(&mut self.out, o).map_err(io::Error::other)?;
            }
            OutputFormat::Jsonl => {
                let line = JsonlLine {
                    outcome: o,
                    as_of: self.as_of,
                    rules_sha256: &self.digest,
                };
                serde_json::to_writer(&mut self.out, &line).map_err(io::Error::other)?;
                self.out.write_all(b"\n")?;
            }
            OutputFormat::Csv => write_csv(&mut self.out, o)?,
            OutputFormat::Table => write_table(&mut self.out, o)?,
            OutputFormat::Sarif => {
                if let Some(run) = &mut self.sarif {
                    run.write(&mut self.out, o)?;
                }
            }
        }
        self.count += 1;
        Ok(())
    }

    pub fn finish(mut self) -> io::Result<W> {
        match self.format {
            OutputFormat::Json => self.out.write_all(b"]}\n")?,
            OutputFormat::Table => writeln!(
                self.out,
                "{} provision{}, {} finding{} (as of {}, clausemap {VERSION})",
                self.count,
                if self.count == 1 { "" } else { "s" },
                self.findings,
                if self.findings == 1 { "" } else { "s" },
                self.as_of
            )?,
            OutputFormat::Sarif => {
                if let Some(run) = self.sarif.take() {
                    run.finish(&mut self.out)?;
                }
            }
            OutputFormat::Csv | OutputFormat::Jsonl => {}
        }
        self.out.flush()?;
        Ok(self.out)
    }
}

fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

fn write_csv(out: &mut impl Write, o: &Outcome) -> io::Result<()> {
    let errors = o.errors.join("; ");
    if o.findings.is_empty() {
        let cells = [
            &o.document,
            &o.id,
            &o.sha256,
            "",
            "",
            "",
            "",
            "",
            "",
            "",
            "",
            &errors,
        ];
        let line: Vec<String> = cells.iter().map(|c| csv_field(c)).collect();
        return writeln!(out, "{}", line.join(","));
    }
    for f in &o.findings {
        let in_force = f.in_force.map(|d| d.to_string()).unwrap_or_default();
        let cells = [
            o.document.as_str(),
            &o.id,
            &o.sha256,
            &f.rule,
            &f.regulation,
            &f.citation,
            &f.jurisdiction,
            f.severity.as_str(),
            f.status.as_str(),
            &in_force,
            &f.title,
            &errors,
        ];
        let line: Vec<String> = cells.iter().map(|c| csv_field(c)).collect();
        writeln!(out, "{}", line.join(","))?;
    }
    Ok(())
}

fn status_text(status: Status, in_force: Option<Date>) -> String {
    match (status, in_force) {
        (Status::Upcoming, Some(d)) => format!("upcoming {d}"),
        (s, _) => s.as_str().to_string(),
    }
}

fn write_table(out: &mut impl Write, o: &Outcome) -> io::Result<()> {
    let sev = o
        .severity
        .map_or("-".to_string(), |s| s.as_str().to_uppercase());
    let title = if o.title.is_empty() {
        String::new()
    } else {
        format!("  {}", o.title)
    };
    writeln!(out, "{} / {}{title}  [{sev}]", o.document, o.id)?;
    for e in &o.errors {
        writeln!(out, "    error: {e}")?;
    }
    if o.errors.is_empty() && o.findings.is_empty() {
        writeln!(out, "    no findings")?;
    }
    for flag in &o.flags {
        writeln!(
            out,
            "    {:<6} {:<22} {:<8} {}",
            flag.jurisdiction,
            status_text(flag.status, flag.in_force),
            flag.severity.as_str(),
            flag.regulations.join(", ")
        )?;
    }
    for f in &o.findings {
        // review: the finding's review state, when a ledger was read (see `crate::review`).
        let review = f
            .review
            .as_ref()
            .and_then(|r| serde_json::from_value::<ReviewLine>(r.clone()).ok())
            .map(|r| r.text())
            .unwrap_or_default();
        writeln!(
            out,
            "      {:<8} {:<22} {:<28} {}{review}",
            f.severity.as_str(),
            status_text(f.status, f.in_force),
            f.citation,
            f.title
        )?;
    }
    writeln!(out)
}

/// review: the part of `Finding.review` the table shows (see `crate::review::Review`).
#[derive(serde::Deserialize)]
struct ReviewLine {
    state: String,
    reviewer: Option<String>,
    date: Option<String>,
}

impl ReviewLine {
    fn text(&self) -> String {
        match (&self.reviewer, &self.date) {
            (Some(r), Some(d)) => format!("  [review: {} by {r} {d}]", self.state),
            _ => format!("  [review: {}]", self.state),
        }
    }
}

/// Write a file whole or not at all: into a temporary file beside it, synced, then renamed
/// over it. A run interrupted half-way leaves the old file (or none), never half a file.
pub fn write_atomic(path: &std::path::Path, bytes: &[u8]) -> io::Result<()> {
    let dir = path.parent().unwrap_or_else(|| std::path::Path::new("."));
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "output".to_string());
    let tmp = dir.join(format!(".{name}.{}.tmp", std::process::id()));
    let written = (|| -> io::Result<()> {
        let mut file = std::fs::File::create(&tmp)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        drop(file);
        std::fs::rename(&tmp, path)
    })();
    if written.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    written
}
