//! The review ledger: reviewers' decisions on findings, in a plain YAML file beside the policy.
//!
//! A decision is keyed by the provision's text fingerprint ([`fingerprint`]: SHA-256 of the
//! text with Unicode whitespace collapsed and trimmed) and the rule id, and records the
//! provision id, the reviewer, the date, the reason and an optional expiry. Re-deciding the
//! same key replaces the decision and keeps the earlier one in `history:`; deciding a provision
//! whose text changed folds the stale decision into the new one's history. Nothing is dropped.
//!
//! Reading goes through [`crate::rules::yaml`] (the one YAML module): a malformed ledger is a
//! [`Problem`] with its line and column, never an empty ledger. Writing ([`update`]) takes a
//! lock file, re-reads the ledger under it, applies the change and replaces the file atomically
//! (temporary file + rename), so two reviewers writing at once lose nothing.

use std::collections::HashMap;
use std::fs::{self, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant, SystemTime};

use serde::{Deserialize, Serialize};

use crate::cli::Decision;
use crate::date::Date;
use crate::error::Problem;
use crate::rules::{sha256_hex, yaml};
use crate::source::{Source, Span};

/// The ledger format's version, written as `version:`.
pub const VERSION: u32 = 1;

/// How long a writer waits for another writer's lock before giving up.
const LOCK_WAIT: Duration = Duration::from_secs(20);
/// A lock file older than this is left over from a crashed writer and is taken over, whoever
/// it names (a writer holds the lock for one read and one write of the ledger).
const LOCK_STALE: Duration = Duration::from_secs(120);
/// A lock file that names no owner is being written by its owner for this long at most.
const LOCK_UNNAMED: Duration = Duration::from_secs(2);

/// The fingerprint of a provision text: SHA-256 (hex) of the text with every run of Unicode
/// whitespace collapsed to one space, trimmed. Reflowing a clause does not change it.
pub fn fingerprint(text: &str) -> String {
    sha256_hex(&normalise(text))
}

/// The text a fingerprint is taken of.
pub fn normalise(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for word in text.split(char::is_whitespace).filter(|w| !w.is_empty()) {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    out
}

/// The default ledger of a provision file: `<stem>.review.yaml` beside it
/// (`policy.yaml` → `policy.review.yaml`). `None` for standard input.
pub fn default_path(file: &Path) -> Option<PathBuf> {
    let name = file.file_name()?.to_str()?;
    if name == "-" {
        return None;
    }
    let stem = match name.rsplit_once('.') {
        Some((stem, _)) if !stem.is_empty() => stem,
        _ => name,
    };
    Some(file.with_file_name(format!("{stem}.review.yaml")))
}

/// The whole ledger file.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Ledger {
    pub version: u32,
    #[serde(default)]
    pub decisions: Vec<Entry>,
    /// The positions of each rule's decisions, so a lookup reads a few entries, not all.
    #[serde(skip)]
    by_rule: HashMap<String, Vec<usize>>,
}

/// One decision on one finding.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Entry {
    /// The provision text's fingerprint when the decision was made.
    pub fingerprint: String,
    pub rule: String,
    pub provision: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub document: String,
    pub decision: Decision,
    pub reviewer: String,
    pub date: Date,
    pub reason: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires: Option<Date>,
    /// Earlier decisions on this finding, oldest first.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub history: Vec<Earlier>,
}

/// An earlier decision, kept when it was replaced.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Earlier {
    pub decision: Decision,
    pub reviewer: String,
    pub date: Date,
    pub reason: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires: Option<Date>,
    /// The fingerprint of the text it was made on, when that text was different.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fingerprint: Option<String>,
}

/// What recording a decision did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Recorded {
    /// There was no decision on this finding.
    New,
    /// A decision on the same text was replaced (and kept in `history:`).
    Replaced {
        previous: Decision,
        reviewer: String,
    },
    /// Decisions on an earlier text of the provision were folded into `history:`.
    Superseded(usize),
}

impl Entry {
    fn as_earlier(&self, fingerprint: Option<String>) -> Earlier {
        Earlier {
            decision: self.decision,
            reviewer: self.reviewer.clone(),
            date: self.date,
            reason: self.reason.clone(),
            expires: self.expires,
            fingerprint,
        }
    }

    /// Whether this entry is about the same provision (ignoring its text).
    pub fn same_provision(&self, document: &str, provision: &str) -> bool {
        self.provision == provision
            && (self.document.is_empty() || document.is_empty() || self.document == document)
    }
}

impl Ledger {
    pub fn new() -> Ledger {
        Ledger {
            version: VERSION,
            decisions: Vec::new(),
            by_rule: HashMap::new(),
        }
    }

    /// Rebuild the lookup index after the decisions changed.
    fn reindex(&mut self) {
        self.by_rule.clear();
        for (i, e) in self.decisions.iter().enumerate() {
            self.by_rule.entry(e.rule.clone()).or_default().push(i);
        }
    }

    fn of_rule<'a>(&'a self, rule: &str) -> impl Iterator<Item = &'a Entry> + 'a {
        self.by_rule
            .get(rule)
            .into_iter()
            .flatten()
            .filter_map(|&i| self.decisions.get(i))
    }

    /// Read a ledger; a missing file is an empty ledger, a malformed one is an error.
    pub fn load(path: &Path) -> Result<Ledger, Problem> {
        match fs::read(path) {
            Ok(bytes) => {
                let name = path.display().to_string();
                let text = match String::from_utf8(bytes) {
                    Ok(t) => t,
                    Err(e) => {
                        // Point at the first bad byte, in a lossy copy of the text.
                        let at = e.utf8_error().valid_up_to();
                        let start = String::from_utf8_lossy(&e.as_bytes()[..at]).len();
                        let lossy = String::from_utf8_lossy(e.as_bytes()).into_owned();
                        let source = Source::new(name, lossy);
                        return Err(Problem::new(
                            "review::ledger",
                            "review ledger is not valid UTF-8",
                        )
                        .at(&source, Span::new(start, start + 1))
                        .help("save the ledger as UTF-8"));
                    }
                };
                Ledger::parse(&Source::new(name, text))
            }
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(Ledger::new()),
            Err(e) => Err(crate::model::io_problem(&path.display().to_string(), &e)),
        }
    }

    /// Parse a ledger's text, checking what serde cannot (fingerprints, duplicates).
    pub fn parse(source: &Source) -> Result<Ledger, Problem> {
        let mut ledger: Ledger = yaml::from_source(source).map_err(|p| {
            let date = p.message.contains("is not a valid date");
            let help = if p.code == "yaml::empty" {
                "an empty ledger is a mistake, not an empty list of decisions: restore it from version control, or delete it to start afresh".to_string()
            } else if date {
                "write dates as YYYY-MM-DD, e.g. 2027-01-31".to_string()
            } else {
                format!(
                    "{}; the review ledger holds `version: {VERSION}` and a `decisions:` list",
                    p.help.clone().unwrap_or_default()
                )
            };
            let span = match &p.place {
                // serde names the decision; point at the bad value itself when it is there.
                Some((_, span)) if date => backticked(&p.message)
                    .and_then(|v| source.text[span.start..].find(v))
                    .map_or(*span, |i| {
                        Span::new(span.start + i, span.start + i + 1)
                    }),
                Some((_, span)) => *span,
                // An empty file has no place but its start.
                None => Span::new(0, 0),
            };
            Problem {
                code: "review::ledger",
                message: format!("malformed review ledger: {}", p.message),
                ..p
            }
            .help(help)
            .at(source, span)
        })?;
        let index = yaml::SpanIndex::build(source);
        let at = |path: &str| index.span(source, path);
        if ledger.version != VERSION {
            return Err(Problem::new(
                "review::ledger",
                format!(
                    "review ledger version {} is not supported (this clausemap reads version {VERSION})",
                    ledger.version
                ),
            )
            .at(source, at("version"))
            .help("upgrade clausemap, or write `version: 1`"));
        }
        let mut seen: HashMap<(&str, &str), usize> = HashMap::new();
        for (i, e) in ledger.decisions.iter().enumerate() {
            if e.fingerprint.len() != 64 || !e.fingerprint.bytes().all(|b| b.is_ascii_hexdigit()) {
                return Err(Problem::new(
                    "review::ledger",
                    format!("`{}` is not a SHA-256 fingerprint", e.fingerprint),
                )
                .at(source, at(&format!("decisions/{i}/fingerprint")))
                .help("a fingerprint is 64 hex digits; record decisions with `clausemap review`"));
            }
            for (what, value) in [
                ("rule", &e.rule),
                ("provision", &e.provision),
                ("reviewer", &e.reviewer),
                ("reason", &e.reason),
            ] {
                if value.trim().is_empty() {
                    return Err(Problem::new(
                        "review::ledger",
                        format!("decision {} has an empty `{what}`", i + 1),
                    )
                    .at(source, at(&format!("decisions/{i}/{what}")))
                    .help(format!("write the decision's {what}")));
                }
            }
            if let Some(first) = seen.insert((&e.fingerprint, &e.rule), i) {
                return Err(Problem::new(
                    "review::ledger",
                    format!(
                        "two decisions on rule `{}` for the same provision text (decisions {} and {})",
                        e.rule,
                        first + 1,
                        i + 1
                    ),
                )
                .at(source, at(&format!("decisions/{i}")))
                .help("keep one, and move the other under its `history:`"));
            }
        }
        ledger.reindex();
        Ok(ledger)
    }

    /// The ledger as YAML, with a header saying what the file is.
    pub fn to_yaml(&self) -> Result<String, Problem> {
        let body = yaml::to_string(self)?;
        Ok(format!(
            "# clausemap review ledger: reviewers' decisions on findings.\n\
             # Each decision is keyed by the provision text's fingerprint (SHA-256 of the text,\n\
             # whitespace collapsed) and the rule id; replaced decisions are kept under `history:`.\n\
             # Record decisions with `clausemap review`; list them with `clausemap review --list`.\n\
             {body}"
        ))
    }

    /// Record a decision: replace the one on the same (fingerprint, rule), keeping it in the
    /// history, and fold decisions on an earlier text of the same provision into it.
    pub fn record(&mut self, mut entry: Entry) -> Recorded {
        let mut outcome = Recorded::New;
        let mut superseded = 0;
        let mut kept = Vec::with_capacity(self.decisions.len() + 1);
        let mut earlier = Vec::new();
        for old in self.decisions.drain(..) {
            if old.rule != entry.rule {
                kept.push(old);
                continue;
            }
            if old.fingerprint == entry.fingerprint {
                outcome = Recorded::Replaced {
                    previous: old.decision,
                    reviewer: old.reviewer.clone(),
                };
                let mut old = old;
                earlier.append(&mut old.history);
                earlier.push(old.as_earlier(None));
            } else if old.same_provision(&entry.document, &entry.provision) {
                superseded += 1;
                let mut old = old;
                let fp = old.fingerprint.clone();
                earlier.append(&mut old.history);
                earlier.push(old.as_earlier(Some(fp)));
            } else {
                kept.push(old);
            }
        }
        earlier.sort_by_key(|a| a.date);
        earlier.append(&mut entry.history);
        entry.history = earlier;
        kept.push(entry);
        kept.sort_by(|a, b| {
            (&a.document, &a.provision, &a.rule, &a.fingerprint).cmp(&(
                &b.document,
                &b.provision,
                &b.rule,
                &b.fingerprint,
            ))
        });
        self.decisions = kept;
        self.reindex();
        if outcome == Recorded::New && superseded > 0 {
            outcome = Recorded::Superseded(superseded);
        }
        outcome
    }

    /// The decision on this text of a provision, if any.
    pub fn current(&self, fingerprint: &str, rule: &str) -> Option<&Entry> {
        self.of_rule(rule).find(|e| e.fingerprint == fingerprint)
    }

    /// The latest decision on an earlier text of the same provision, if any.
    pub fn stale(
        &self,
        document: &str,
        provision: &str,
        fingerprint: &str,
        rule: &str,
    ) -> Option<&Entry> {
        self.of_rule(rule)
            .filter(|e| e.fingerprint != fingerprint && e.same_provision(document, provision))
            .max_by_key(|e| e.date)
    }
}

/// The first value quoted in backticks in a message.
fn backticked(message: &str) -> Option<&str> {
    let start = message.find('`')? + 1;
    let len = message[start..].find('`')?;
    Some(&message[start..start + len]).filter(|v| !v.is_empty())
}

/// Held while a writer owns the ledger; removes the lock file when dropped.
struct Lock {
    path: PathBuf,
    /// Removes the lock file if the run is interrupted while it is held.
    _guard: crate::cleanup::Guard,
}

/// The lock files this process holds (a library user may write ledgers from several threads).
static HELD: std::sync::Mutex<std::collections::BTreeSet<PathBuf>> =
    std::sync::Mutex::new(std::collections::BTreeSet::new());

fn held_here(path: &Path) -> bool {
    // A poisoned set says nothing: count the lock as ours, so it is waited for, never taken.
    HELD.lock().map_or(true, |held| held.contains(path))
}

impl Drop for Lock {
    fn drop(&mut self) {
        let _ = fs::remove_file(&self.path);
        if let Ok(mut held) = HELD.lock() {
            held.remove(&self.path);
        }
    }
}

fn lock_path(ledger: &Path) -> PathBuf {
    let mut name = ledger
        .file_name()
        .map(|n| n.to_os_string())
        .unwrap_or_default();
    name.push(".lock");
    ledger.with_file_name(name)
}

fn write_problem(path: &Path, what: &str, e: &io::Error) -> Problem {
    Problem::new("review::write", format!("cannot {what}: {e}"))
        .in_file(path.display().to_string())
        .help("check that the ledger's folder exists and is writable")
}

/// The machine's name, written into a lock so that a lock taken on another machine (a shared
/// folder) is never judged by this machine's processes.
fn host() -> String {
    fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .or_else(|| std::env::var("HOSTNAME").ok())
        .or_else(|| std::env::var("COMPUTERNAME").ok())
        .map(|h| h.trim().to_string())
        .unwrap_or_default()
}

/// What a lock file says about its owner: `pid: N` and `host: NAME` lines (an older lock holds
/// only the pid).
fn lock_owner(text: &str) -> (Option<u32>, Option<&str>) {
    let mut pid = None;
    let mut host = None;
    for line in text.lines() {
        match line.split_once(':') {
            Some(("pid", v)) => pid = v.trim().parse().ok(),
            Some(("host", v)) => host = Some(v.trim()),
            None => pid = pid.or_else(|| line.trim().parse().ok()),
            _ => {}
        }
    }
    (pid, host)
}

/// Whether the lock file holding `text`, `age` old, was left by a writer that is gone: its
/// process (on this machine) is not running, or that cannot be told and it is older than
/// [`LOCK_STALE`].
fn is_stale(text: &str, age: Option<Duration>, host: &str, held_here: bool) -> bool {
    let older = |d: Duration| age.is_some_and(|a| a > d);
    if older(LOCK_STALE) {
        return true;
    }
    match lock_owner(text) {
        (Some(pid), owner_host) if owner_host.is_none_or(|h| h == host) => {
            if pid == std::process::id() {
                // Our own pid in a lock no thread of ours holds: a process before us had the
                // same pid (a container's first process is always 1).
                return !held_here;
            }
            crate::report::process_alive(pid) == Some(false)
        }
        (Some(_), _) => false,
        // Killed between creating the lock and writing its owner.
        (None, _) => older(LOCK_UNNAMED),
    }
}

/// Take over the stale lock at `path`, whose text was `seen`. The lock is moved aside first, so
/// of several writers that found it stale one takes it; a writer that moved a lock another had
/// just taken puts it back.
fn take_over(path: &Path, seen: &str) {
    let aside = path.with_extension(format!("lock.{}.stale", std::process::id()));
    if fs::rename(path, &aside).is_err() {
        return;
    }
    if fs::read_to_string(&aside).is_ok_and(|now| now != seen) {
        // INVARIANT: `hard_link` does not replace: if a lock has appeared since, it stays.
        let _ = fs::hard_link(&aside, path);
    }
    let _ = fs::remove_file(&aside);
}

fn acquire(ledger: &Path) -> Result<Lock, Problem> {
    let path = lock_path(ledger);
    let host = host();
    let start = Instant::now();
    loop {
        let created = crate::cleanup::create(&path, |p| {
            OpenOptions::new().write(true).create_new(true).open(p)
        });
        match created {
            Ok((mut f, guard)) => {
                let _ = write!(f, "pid: {}\nhost: {host}\n", std::process::id());
                if let Ok(mut held) = HELD.lock() {
                    held.insert(path.clone());
                }
                return Ok(Lock {
                    path,
                    _guard: guard,
                });
            }
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {
                let text = fs::read_to_string(&path).unwrap_or_default();
                let age = fs::metadata(&path)
                    .and_then(|m| m.modified())
                    .ok()
                    .and_then(|t| SystemTime::now().duration_since(t).ok());
                if is_stale(&text, age, &host, held_here(&path)) {
                    // Left over from a writer that died: take it over at once (unless it could
                    // not be moved, or another writer took it first: then wait as for any lock).
                    take_over(&path, &text);
                    if !path.exists() {
                        continue;
                    }
                }
                if start.elapsed() > LOCK_WAIT {
                    let owner = match lock_owner(&text) {
                        (Some(pid), Some(h)) if !h.is_empty() => {
                            format!(" (process {pid} on `{h}`)")
                        }
                        (Some(pid), _) => format!(" (process {pid})"),
                        _ => String::new(),
                    };
                    return Err(Problem::new(
                        "review::locked",
                        format!("the review ledger is locked by another writer{owner}"),
                    )
                    .in_file(path.display().to_string())
                    .help("wait for the other `clausemap review` to finish; if none is running, delete the lock file"));
                }
                std::thread::sleep(Duration::from_millis(15));
            }
            Err(e) => return Err(write_problem(&path, "create the ledger's lock file", &e)),
        }
    }
}

/// Change the ledger at `path` under its lock: re-read it, apply `change`, write it atomically.
pub fn update<T>(
    path: &Path,
    change: impl FnOnce(&mut Ledger) -> Result<T, Problem>,
) -> Result<T, Problem> {
    let _lock = acquire(path)?;
    let mut ledger = Ledger::load(path)?;
    let result = change(&mut ledger)?;
    let text = ledger.to_yaml()?;
    write_atomic(path, text.as_bytes())?;
    Ok(result)
}

/// Write a file by writing a temporary file beside it and renaming it into place.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), Problem> {
    crate::report::write_atomic(path, bytes)
        .map_err(|e| write_problem(path, "write the review ledger", &e))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(fp: &str, rule: &str, decision: Decision, date: &str) -> Entry {
        Entry {
            fingerprint: fp.to_string(),
            rule: rule.to_string(),
            provision: "P1".to_string(),
            document: "D".to_string(),
            decision,
            reviewer: "ana".to_string(),
            date: Date::parse(date).unwrap(),
            reason: "because".to_string(),
            expires: None,
            history: Vec::new(),
        }
    }

    #[test]
    fn a_lock_is_stale_when_its_owner_is_gone_or_it_is_old() {
        let young = Some(Duration::from_millis(10));
        let old = Some(LOCK_STALE + Duration::from_secs(1));
        // A process that is surely running: the parent of this test (on Linux, via /proc).
        let live = fs::read_to_string("/proc/self/stat")
            .ok()
            .and_then(|s| s.rsplit_once(')').map(|(_, r)| r.to_string()))
            .and_then(|r| {
                r.split_whitespace()
                    .nth(1)
                    .and_then(|p| p.parse::<u32>().ok())
            });
        if let Some(live) = live {
            let text = format!("pid: {live}\nhost: here\n");
            assert!(!is_stale(&text, young, "here", false));
            assert!(is_stale(&text, old, "here", false));
        }
        if crate::report::process_alive(1).is_some() {
            // Pids are below 2^22 on Linux: this one never ran.
            assert!(is_stale("pid: 4294967\nhost: here\n", young, "here", false));
            assert!(is_stale("4294967\n", young, "here", false));
        }
        // Another machine's lock is judged by its age alone.
        assert!(!is_stale(
            "pid: 4294967\nhost: there\n",
            young,
            "here",
            false
        ));
        // Our own pid in a lock we do not hold: left by an earlier process with that pid.
        let me = format!("pid: {}\nhost: here\n", std::process::id());
        assert!(is_stale(&me, young, "here", false));
        // ... unless a thread of ours holds it.
        assert!(!is_stale(&me, young, "here", true));
        // No owner written yet: the owner is writing it, unless that was long ago.
        assert!(!is_stale("", young, "here", false));
        assert!(is_stale("", Some(Duration::from_secs(3)), "here", false));
        assert_eq!(lock_owner("pid: 12\nhost: h\n"), (Some(12), Some("h")));
    }

    #[test]
    fn fingerprint_ignores_whitespace_layout() {
        assert_eq!(
            fingerprint("  We use\u{a0}your\n\tdata. "),
            fingerprint("We use your data.")
        );
        assert_ne!(
            fingerprint("We use your data."),
            fingerprint("We use data.")
        );
    }

    #[test]
    fn default_path_is_beside_the_file() {
        assert_eq!(
            default_path(Path::new("a/policy.yaml")),
            Some(PathBuf::from("a/policy.review.yaml"))
        );
        assert_eq!(default_path(Path::new("-")), None);
    }

    #[test]
    fn redeciding_keeps_history() {
        let fp = "a".repeat(64);
        let mut l = Ledger::new();
        assert_eq!(
            l.record(entry(&fp, "r", Decision::Confirm, "2026-01-01")),
            Recorded::New
        );
        let r = l.record(entry(&fp, "r", Decision::Dismiss, "2026-02-01"));
        assert!(matches!(r, Recorded::Replaced { .. }));
        assert_eq!(l.decisions.len(), 1);
        assert_eq!(l.decisions[0].decision, Decision::Dismiss);
        assert_eq!(l.decisions[0].history.len(), 1);
        assert_eq!(l.decisions[0].history[0].decision, Decision::Confirm);
        // A new text of the same provision folds the old decision in.
        let fp2 = "b".repeat(64);
        let r = l.record(entry(&fp2, "r", Decision::Confirm, "2026-03-01"));
        assert_eq!(r, Recorded::Superseded(1));
        assert_eq!(l.decisions.len(), 1);
        assert_eq!(l.decisions[0].history.len(), 2);
        assert_eq!(l.decisions[0].history[1].fingerprint.as_deref(), Some(&*fp));
    }

    #[test]
    fn round_trips_through_yaml() {
        let mut l = Ledger::new();
        l.record(entry(
            &"c".repeat(64),
            "r",
            Decision::AcceptRisk,
            "2026-01-01",
        ));
        let text = l.to_yaml().unwrap();
        let back = Ledger::parse(&Source::new("l.yaml", text.clone())).unwrap();
        assert_eq!(back.to_yaml().unwrap(), text);
        assert!(text.contains("decision: accept-risk"), "{text}");
    }

    #[test]
    fn a_malformed_ledger_names_its_line() {
        let text = "version: 1\ndecisions:\n  - fingerprint: xyz\n    rule: r\n";
        let p = Ledger::parse(&Source::new("l.yaml", text)).unwrap_err();
        assert!(p.location().unwrap().starts_with("l.yaml:"), "{p}");
    }
}
