//! `clausemap review`, and the review state of every finding.
//!
//! Takes the review ledger ([`ledger`]) and evaluated outcomes; gives each finding its review
//! state in `Finding.review`: `pending` (nobody decided), `confirmed`, `dismissed` or
//! `accepted-risk` (with reviewer and date), `stale` (decided on an earlier text of the
//! provision: shown with that decision until someone decides again) or `expired` (the
//! decision's `expires` date has passed).
//!
//! Every command that evaluates calls [`annotate_document`] (or [`annotate`]) after
//! evaluation: `evaluate`, `flags`, and `memo`, which does it like this:
//!
//! ```ignore
//! let ledger = review::ledger_for(path, None)?; // None when the file has no ledger
//! let mut outcomes = eval::evaluate_document(&set, &doc, as_of);
//! if let Some(l) = &ledger {
//!     review::annotate_document(&mut outcomes, &doc, l, Date::today());
//! }
//! ```
//!
//! `clausemap review` records a decision (under the ledger's lock) or lists what is pending,
//! decided, stale and expired.

pub mod ledger;

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::cli::{Decision, ReviewArgs};
use crate::date::Date;
use crate::error::{Exit, Problem};
use crate::eval::{self, Finding, Outcome};
use crate::model::Document;
pub use ledger::{fingerprint, Entry, Ledger, Recorded};

impl Decision {
    /// The decision as written in the ledger.
    pub fn as_str(self) -> &'static str {
        match self {
            Decision::Confirm => "confirm",
            Decision::Dismiss => "dismiss",
            Decision::AcceptRisk => "accept-risk",
        }
    }

    /// The review state a decision that holds gives.
    pub fn state(self) -> State {
        match self {
            Decision::Confirm => State::Confirmed,
            Decision::Dismiss => State::Dismissed,
            Decision::AcceptRisk => State::AcceptedRisk,
        }
    }
}

/// The review state of one finding.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum State {
    Pending,
    Confirmed,
    Dismissed,
    AcceptedRisk,
    Stale,
    Expired,
}

impl State {
    pub const ALL: [State; 6] = [
        State::Pending,
        State::Confirmed,
        State::Dismissed,
        State::AcceptedRisk,
        State::Stale,
        State::Expired,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            State::Pending => "pending",
            State::Confirmed => "confirmed",
            State::Dismissed => "dismissed",
            State::AcceptedRisk => "accepted-risk",
            State::Stale => "stale",
            State::Expired => "expired",
        }
    }

    pub fn parse(s: &str) -> Option<State> {
        State::ALL.into_iter().find(|x| x.as_str() == s)
    }

    /// Whether a reviewer still has to look at it.
    pub fn needs_review(self) -> bool {
        matches!(self, State::Pending | State::Stale | State::Expired)
    }
}

/// A finding's review: its state and, unless pending, the decision behind it.
#[derive(Clone, Debug, Serialize)]
pub struct Review {
    pub state: State,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub decision: Option<Decision>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reviewer: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub date: Option<Date>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expires: Option<Date>,
    /// For a stale review: the fingerprint of the text that was decided on.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub decided_fingerprint: Option<String>,
}

impl Review {
    fn pending() -> Review {
        Review {
            state: State::Pending,
            decision: None,
            reviewer: None,
            date: None,
            reason: None,
            expires: None,
            decided_fingerprint: None,
        }
    }

    fn from_entry(state: State, e: &Entry) -> Review {
        Review {
            state,
            decision: Some(e.decision),
            reviewer: Some(e.reviewer.clone()),
            date: Some(e.date),
            reason: Some(e.reason.clone()),
            expires: e.expires,
            decided_fingerprint: (state == State::Stale).then(|| e.fingerprint.clone()),
        }
    }

    /// One line for tables: `confirmed by ana 2026-11-25`, `stale (was dismiss by ana …)`.
    pub fn summary(&self) -> String {
        let who = match (&self.reviewer, self.date) {
            (Some(r), Some(d)) => format!(" by {r} {d}"),
            _ => String::new(),
        };
        match (self.state, self.decision) {
            (State::Pending, _) => "pending".to_string(),
            (State::Stale, Some(d)) => format!("stale (was {}{who}; text changed)", d.as_str()),
            (State::Expired, Some(d)) => format!(
                "expired (was {}{who}, expired {})",
                d.as_str(),
                self.expires.map(|d| d.to_string()).unwrap_or_default()
            ),
            (s, _) => format!("{}{who}", s.as_str()),
        }
    }

    /// The review of a finding stored in `Finding.review`, if there is one.
    pub fn of(finding: &Finding) -> Option<State> {
        let v = finding.review.as_ref()?;
        State::parse(v.get("state")?.as_str()?)
    }
}

/// The review of one finding on a provision text.
pub fn review_of(
    ledger: &Ledger,
    document: &str,
    provision: &str,
    fingerprint: &str,
    rule: &str,
    today: Date,
) -> Review {
    if let Some(e) = ledger.current(fingerprint, rule) {
        let state = if e.expires.is_some_and(|x| x < today) {
            State::Expired
        } else {
            e.decision.state()
        };
        return Review::from_entry(state, e);
    }
    match ledger.stale(document, provision, fingerprint, rule) {
        Some(e) => Review::from_entry(State::Stale, e),
        None => Review::pending(),
    }
}

/// Fill `review` on every finding of one outcome, given the provision's text fingerprint.
///
/// `Outcome` carries the SHA-256 of the raw text, not the normalised fingerprint the ledger is
/// keyed by, so the caller passes it (see [`annotate_document`]).
pub fn annotate(outcome: &mut Outcome, fingerprint: &str, ledger: &Ledger, today: Date) {
    for f in &mut outcome.findings {
        let r = review_of(
            ledger,
            &outcome.document,
            &outcome.id,
            fingerprint,
            &f.rule,
            today,
        );
        f.review = serde_json::to_value(&r).ok();
    }
}

/// Fill `review` on the outcomes of a document (as `evaluate_document` returns them: one per
/// provision, in input order).
pub fn annotate_document(outcomes: &mut [Outcome], doc: &Document, ledger: &Ledger, today: Date) {
    for (o, p) in outcomes.iter_mut().zip(&doc.provisions) {
        if o.findings.is_empty() {
            continue;
        }
        annotate(o, &fingerprint(&p.text), ledger, today);
    }
}

/// The ledger to show with a provision file: `explicit` if given (which must be readable
/// when it exists), else `<file>.review.yaml` if it exists. `None` when there is none, so
/// outputs without a ledger stay as they were.
pub fn ledger_for(file: &Path, explicit: Option<&Path>) -> Result<Option<Ledger>, Problem> {
    let path = match explicit {
        Some(p) => p.to_path_buf(),
        None => match ledger::default_path(file) {
            Some(p) if p.exists() => p,
            _ => return Ok(None),
        },
    };
    Ledger::load(&path).map(Some)
}

fn ledger_path(args: &ReviewArgs) -> Result<PathBuf, Problem> {
    match &args.ledger {
        Some(p) => Ok(p.clone()),
        None => ledger::default_path(&args.file).ok_or_else(|| {
            Problem::new("usage::ledger", "standard input has no ledger beside it")
                .help("name the ledger with `--ledger PATH`")
        }),
    }
}

/// `clausemap review`.
pub fn run(args: ReviewArgs) -> Result<Exit, Vec<Problem>> {
    if args.list {
        list(&args)
    } else {
        record(&args)
    }
}

fn missing(what: &str) -> Vec<Problem> {
    vec![Problem::new(
        "usage::review",
        format!("`--{what}` is required to record a decision"),
    )
    .help("or use `--list` to see the review state")]
}

/// Documents with their outcomes, one per provision.
type Evaluated = Vec<(Document, Vec<Outcome>)>;

/// Evaluate the provision file, as the review commands see it.
fn evaluate(args: &ReviewArgs) -> Result<Evaluated, Vec<Problem>> {
    let set = crate::commands::load_rules(args.rules.rules.as_deref())?;
    let as_of = args.rules.as_of.unwrap_or_else(Date::today);
    let docs = crate::classify_support::load_documents(&set, &args.file).map_err(|p| vec![p])?;
    Ok(docs
        .into_iter()
        .map(|d| {
            let o = eval::evaluate_document(&set, &d, as_of);
            (d, o)
        })
        .collect())
}

fn record(args: &ReviewArgs) -> Result<Exit, Vec<Problem>> {
    let provision_id = args
        .provision
        .as_deref()
        .ok_or_else(|| missing("provision"))?;
    let rule = args.rule.as_deref().ok_or_else(|| missing("rule"))?;
    let decision = args.decision.ok_or_else(|| missing("decision"))?;
    let reason = args.reason.as_deref().ok_or_else(|| missing("reason"))?;
    if reason.trim().is_empty() {
        return Err(vec![Problem::new(
            "usage::review",
            "a decision needs a reason",
        )
        .help("say why in `--reason \"…\"`: the next reviewer reads it")]);
    }
    let reviewer = match &args.reviewer {
        Some(r) if !r.trim().is_empty() => r.trim().to_string(),
        _ => std::env::var("USER")
            .or_else(|_| std::env::var("LOGNAME"))
            .ok()
            .filter(|u| !u.trim().is_empty())
            .ok_or_else(|| {
                vec![
                    Problem::new("usage::review", "who decided? no reviewer given")
                        .help("name the reviewer with `--reviewer NAME`"),
                ]
            })?,
    };
    let path = ledger_path(args).map_err(|p| vec![p])?;
    let docs = evaluate(args)?;
    let found = docs.iter().find_map(|(d, outcomes)| {
        d.provisions
            .iter()
            .zip(outcomes)
            .find(|(p, _)| p.id == provision_id)
            .map(|(p, o)| (d, p, o))
    });
    let Some((doc, provision, outcome)) = found else {
        let ids: Vec<&str> = docs
            .iter()
            .flat_map(|(d, _)| d.provisions.iter().map(|p| p.id.as_str()))
            .collect();
        let help = crate::check::suggest(provision_id, ids.iter().copied())
            .map(|s| format!("did you mean `{s}`?"))
            .unwrap_or_else(|| "`clausemap flags FILE` lists the provisions".to_string());
        return Err(vec![Problem::new(
            "usage::provision",
            format!("no provision `{provision_id}` in the file"),
        )
        .in_file(args.file.display().to_string())
        .help(help)]);
    };
    if !outcome.findings.iter().any(|f| &*f.rule == rule) {
        let fired: Vec<&str> = outcome.findings.iter().map(|f| &*f.rule).collect();
        let help = if fired.is_empty() {
            "this provision has no findings to review".to_string()
        } else {
            match crate::check::suggest(rule, fired.iter().copied()) {
                Some(s) => format!("did you mean `{s}`?"),
                None => format!("its findings are: {}", fired.join(", ")),
            }
        };
        return Err(vec![Problem::new(
            "usage::rule",
            format!("rule `{rule}` raises no finding on provision `{provision_id}`"),
        )
        .help(help)]);
    }
    let entry = Entry {
        fingerprint: fingerprint(&provision.text),
        rule: rule.to_string(),
        provision: provision.id.clone(),
        document: doc.meta.id.clone(),
        decision,
        reviewer: reviewer.clone(),
        date: Date::today(),
        reason: reason.trim().to_string(),
        expires: args.expires,
        history: Vec::new(),
    };
    let fp = entry.fingerprint.clone();
    let recorded = ledger::update(&path, |l| Ok(l.record(entry))).map_err(|p| vec![p])?;
    let mut text = format!(
        "recorded: {} `{rule}` on `{provision_id}` by {reviewer} (text {}) in {}\n",
        decision.as_str(),
        &fp[..12],
        path.display()
    );
    match recorded {
        Recorded::New => {}
        Recorded::Replaced { previous, reviewer } => {
            let _ = writeln!(
                text,
                "  replaced the earlier decision ({} by {reviewer}), kept under `history:`",
                previous.as_str()
            );
        }
        Recorded::Superseded(n) => {
            let _ = writeln!(
                text,
                "  {n} decision{} on an earlier text of this provision moved under `history:`",
                if n == 1 { "" } else { "s" }
            );
        }
    }
    crate::commands::emit(&text);
    Ok(Exit::Ok)
}

/// One line of `review --list`.
struct Item {
    state: State,
    provision: String,
    rule: String,
    severity: String,
    summary: String,
}

fn list(args: &ReviewArgs) -> Result<Exit, Vec<Problem>> {
    let path = ledger_path(args).map_err(|p| vec![p])?;
    let ledger = Ledger::load(&path).map_err(|p| vec![p])?;
    let docs = evaluate(args)?;
    let today = Date::today();
    let mut items = Vec::new();
    let mut used = vec![false; ledger.decisions.len()];
    for (doc, outcomes) in &docs {
        for (p, o) in doc.provisions.iter().zip(outcomes) {
            let fp = fingerprint(&p.text);
            for f in &o.findings {
                let r = review_of(&ledger, &doc.meta.id, &p.id, &fp, &f.rule, today);
                for (i, e) in ledger.decisions.iter().enumerate() {
                    if *e.rule == *f.rule
                        && (e.fingerprint == fp || e.same_provision(&doc.meta.id, &p.id))
                    {
                        used[i] = true;
                    }
                }
                items.push(Item {
                    state: r.state,
                    provision: p.id.clone(),
                    rule: f.rule.to_string(),
                    severity: format!("{} {}", f.severity.as_str(), f.status.as_str()),
                    summary: r.summary(),
                });
            }
        }
    }
    let mut out = format!(
        "review of {} (ledger {})\n",
        args.file.display(),
        path.display()
    );
    let groups: [(&str, &[State]); 4] = [
        ("pending", &[State::Pending]),
        (
            "stale: the text changed since the decision",
            &[State::Stale],
        ),
        ("expired", &[State::Expired]),
        (
            "decided",
            &[State::Confirmed, State::Dismissed, State::AcceptedRisk],
        ),
    ];
    let pw = items
        .iter()
        .map(|i| i.provision.chars().count())
        .max()
        .unwrap_or(0);
    let rw = items
        .iter()
        .map(|i| i.rule.chars().count())
        .max()
        .unwrap_or(0);
    let sw = items
        .iter()
        .map(|i| i.severity.chars().count())
        .max()
        .unwrap_or(0);
    for (title, states) in groups {
        let group: Vec<&Item> = items.iter().filter(|i| states.contains(&i.state)).collect();
        let _ = writeln!(out, "\n{title} ({})", group.len());
        for i in group {
            let _ = writeln!(
                out,
                "  {:<pw$}  {:<rw$}  {:<sw$}  {}",
                i.provision, i.rule, i.severity, i.summary
            );
        }
    }
    let orphans: Vec<&Entry> = ledger
        .decisions
        .iter()
        .zip(&used)
        .filter(|(_, u)| !**u)
        .map(|(e, _)| e)
        .collect();
    if !orphans.is_empty() {
        let _ = writeln!(
            out,
            "\nkept, but no longer matching a finding ({}): the provision or the finding is gone",
            orphans.len()
        );
        for e in orphans {
            let _ = writeln!(
                out,
                "  {:<pw$}  {:<rw$}  {} by {} {}",
                e.provision,
                e.rule,
                e.decision.as_str(),
                e.reviewer,
                e.date
            );
        }
    }
    crate::commands::emit(&out);
    Ok(Exit::Ok)
}
