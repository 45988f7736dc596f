//! Writing evaluation results: a table for people, JSON, JSON Lines and CSV for tools.
//!
//! Writers take outcomes one at a time, so a run over millions of provisions holds only one
//! document in memory. The same input always gives the same bytes out.

mod json;

pub use json::{Pieces, Sink};

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

/// Turns outcomes into JSON text; shared by the threads of a run, so that outcomes are
/// rendered where they are evaluated and only written in order.
#[derive(Clone)]
pub struct Renderer<'a> {
    set: &'a RuleSet,
    format: OutputFormat,
    as_of: Date,
    /// What ends every JSON Lines object: `,"as_of":"…","rules_sha256":"…"}`, escaped once.
    line_end: String,
}

impl<'a> Renderer<'a> {
    /// Whether this format is rendered by [`Renderer::render`] (JSON and JSON Lines).
    pub fn renders(&self) -> bool {
        matches!(self.format, OutputFormat::Json | OutputFormat::Jsonl)
    }

    /// Append outcomes as the format writes them: JSON objects separated by commas, or one
    /// JSON Lines line each. Other formats append nothing.
    pub fn render(&self, outcomes: &[Outcome], out: &mut impl json::Sink) {
        for (n, o) in outcomes.iter().enumerate() {
            match self.format {
                OutputFormat::Json => {
                    if n > 0 {
                        out.text().push(',');
                    }
                    json::outcome(self.set, o, None, out);
                }
                OutputFormat::Jsonl => {
                    json::outcome(self.set, o, Some(&self.line_end), out);
                    out.text().push('\n');
                }
                OutputFormat::Table | OutputFormat::Csv | OutputFormat::Sarif => {}
            }
        }
    }
}

/// A streaming writer of outcomes.
pub struct Writer<'a, W: Write> {
    out: W,
    renderer: Renderer<'a>,
    /// The JSON of the outcome being written, reused from one outcome to the next.
    buf: String,
    count: usize,
    pub findings: usize,
    /// SARIF only: the run being written (see `crate::sarif`).
    sarif: Option<crate::sarif::SarifRun>,
}

impl<'a, W: Write> Writer<'a, W> {
    pub fn new(out: W, format: OutputFormat, set: &'a RuleSet, as_of: Date) -> io::Result<Self> {
        let mut w = Writer {
            out,
            renderer: Renderer {
                set,
                format,
                as_of,
                line_end: json::line_end(as_of, &set.digest()),
            },
            buf: String::new(),
            count: 0,
            findings: 0,
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

    /// The renderer of this writer's format, to render outcomes on other threads.
    pub fn renderer(&self) -> &Renderer<'a> {
        &self.renderer
    }

    /// Write outcomes already rendered by [`Renderer::render`]: `outcomes` of them, with
    /// `findings` findings in all.
    pub fn write_rendered(
        &mut self,
        text: &mut json::Pieces,
        outcomes: usize,
        findings: usize,
    ) -> io::Result<()> {
        if outcomes == 0 {
            return Ok(());
        }
        if self.renderer.format == OutputFormat::Json && self.count > 0 {
            self.out.write_all(b",")?;
        }
        write_all_vectored(&mut self.out, &mut text.slices(self.renderer.set))?;
        self.count += outcomes;
        self.findings += findings;
        Ok(())
    }

    pub fn write(&mut self, o: &Outcome) -> io::Result<()> {
        if self.renderer.renders() {
            self.buf.clear();
            self.renderer.render(std::slice::from_ref(o), &mut self.buf);
            if self.renderer.format == OutputFormat::Json && self.count > 0 {
                self.out.write_all(b",")?;
            }
            self.out.write_all(self.buf.as_bytes())?;
            self.count += 1;
            self.findings += o.findings.len();
            return Ok(());
        }
        self.findings += o.findings.len();
        match self.renderer.format {
            OutputFormat::Json | OutputFormat::Jsonl => {}
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
        match self.renderer.format {
            OutputFormat::Json => self.out.write_all(b"]}\n")?,
            OutputFormat::Table => writeln!(
                self.out,
                "{} provision{}, {} finding{} (as of {}, clausemap {VERSION})",
                self.count,
                if self.count == 1 { "" } else { "s" },
                self.findings,
                if self.findings == 1 { "" } else { "s" },
                self.renderer.as_of
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

/// Write every byte of `bufs`, in as few calls as the writer allows.
fn write_all_vectored(out: &mut impl Write, mut bufs: &mut [io::IoSlice<'_>]) -> io::Result<()> {
    io::IoSlice::advance_slices(&mut bufs, 0);
    while !bufs.is_empty() {
        match out.write_vectored(bufs) {
            Ok(0) => return Err(io::ErrorKind::WriteZero.into()),
            Ok(n) => io::IoSlice::advance_slices(&mut bufs, n),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
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

/// Write a file whole or not at all: into a temporary file beside it (`.<name>.<pid>.tmp`),
/// synced, then renamed over it. A run interrupted half-way leaves the old file (or none),
/// never half a file. A run killed while writing leaves its temporary file; the first write
/// into a folder removes those of processes that are gone ([`remove_stale_temps`]).
pub fn write_atomic(path: &std::path::Path, bytes: &[u8]) -> io::Result<()> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => std::path::Path::new("."),
    };
    remove_stale_temps(dir);
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "output".to_string());
    let tmp = dir.join(format!(".{name}.{}.tmp", std::process::id()));
    let (mut file, _guard) = crate::cleanup::create(&tmp, |p| std::fs::File::create(p))?;
    let written = (|| -> io::Result<()> {
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

/// A temporary file older than this is left over even if its pid names a live process (a
/// later process given the same pid): a writer holds its temporary file for one write.
const TEMP_STALE: std::time::Duration = std::time::Duration::from_secs(3600);

/// Remove from `dir` the temporary files of [`write_atomic`] (`.<name>.<pid>.tmp`) left by
/// processes that were killed while writing: those whose process is gone (on Linux,
/// `/proc/<pid>` does not exist) or, where that cannot be told, that are over an hour old.
/// Done once per folder per run; a folder that cannot be read is left alone.
pub fn remove_stale_temps(dir: &std::path::Path) {
    static SWEPT: std::sync::Mutex<std::collections::BTreeSet<std::path::PathBuf>> =
        std::sync::Mutex::new(std::collections::BTreeSet::new());
    let first = SWEPT
        .lock()
        .is_ok_and(|mut swept| swept.insert(dir.to_path_buf()));
    if !first {
        return;
    }
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let me = std::process::id();
    for entry in entries.filter_map(Result::ok) {
        let name = entry.file_name();
        let Some(pid) = name.to_str().and_then(temp_pid) else {
            continue;
        };
        if pid == me || !entry.file_type().is_ok_and(|t| t.is_file()) {
            continue;
        }
        let old = entry
            .metadata()
            .and_then(|m| m.modified())
            .ok()
            .and_then(|t| t.elapsed().ok())
            .is_some_and(|age| age > TEMP_STALE);
        if old || process_alive(pid) == Some(false) {
            let _ = std::fs::remove_file(entry.path());
        }
    }
}

/// The pid in the name of a temporary file of [`write_atomic`]: `.<name>.<pid>.tmp`.
fn temp_pid(file_name: &str) -> Option<u32> {
    let inner = file_name.strip_prefix('.')?.strip_suffix(".tmp")?;
    let (name, pid) = inner.rsplit_once('.')?;
    if name.is_empty() || pid.is_empty() || !pid.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    pid.parse().ok()
}

/// Whether process `pid` of this machine is running: on Linux from `/proc` (a zombie, dead
/// but not yet reaped, is not running); `None` where that cannot be told (no `/proc`), so
/// callers fall back to the age of what it left.
pub fn process_alive(pid: u32) -> Option<bool> {
    let proc = std::path::Path::new("/proc");
    if !proc.join("self").exists() {
        return None;
    }
    let dir = proc.join(pid.to_string());
    let Ok(stat) = std::fs::read_to_string(dir.join("stat")) else {
        return Some(dir.exists());
    };
    // `pid (command) S ...`: the state follows the last `)`.
    let state = stat
        .rsplit_once(')')
        .and_then(|(_, rest)| rest.trim_start().chars().next());
    Some(!matches!(state, Some('Z' | 'X' | 'x')))
}

#[cfg(test)]
mod tests {
    use std::io::{self, IoSlice, Write};

    /// A writer that takes at most a few bytes per call, as a pipe or a signal may.
    struct Trickle(Vec<u8>);

    impl Write for Trickle {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            let n = buf.len().min(7);
            self.0.extend_from_slice(&buf[..n]);
            Ok(n)
        }

        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    /// Every byte of every slice is written, in order, however little each call takes.
    #[test]
    fn vectored_writes_finish_partial_writes() {
        let parts: Vec<String> = (0..40)
            .map(|i| format!("{i}:{}", "x".repeat(i % 13)))
            .collect();
        let mut slices: Vec<IoSlice<'_>> =
            parts.iter().map(|p| IoSlice::new(p.as_bytes())).collect();
        slices.insert(3, IoSlice::new(b""));
        let mut out = Trickle(Vec::new());
        super::write_all_vectored(&mut out, &mut slices).unwrap();
        assert_eq!(String::from_utf8(out.0).unwrap(), parts.concat());
    }
}
