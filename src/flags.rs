//! `clausemap flags`: the provision × jurisdiction matrix, with review states.
//!
//! Takes provision files, evaluates them like `evaluate` does, fills each finding's review
//! state from the ledger ([`crate::review`]), and builds a [`Matrix`]: one row per provision
//! (id, title, a short excerpt), one column per jurisdiction with a flag, each cell the flag's
//! status and severity and the review state of its findings. Writers:
//! [`table`] (a coloured terminal table that fits the width, and CSV), JSON, and [`html`] (one
//! self-contained page a reviewer can filter and expand).

pub mod html;
pub mod table;

use std::collections::{BTreeMap, BTreeSet};
use std::io;

use serde::Serialize;

use crate::cli::{FlagsArgs, FlagsFormat};
use crate::date::Date;
use crate::error::{Exit, Problem};
use crate::eval::{self, Finding, Outcome, Status};
use crate::model::Document;
use crate::review::{self, Ledger, State};
use crate::rules::Severity;

/// The longest excerpt of a clause shown in a row, in characters.
pub const EXCERPT_CHARS: usize = 140;

/// One cell: the flag of one jurisdiction on one provision.
#[derive(Clone, Debug, Serialize)]
pub struct Cell {
    pub severity: Severity,
    pub status: Status,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub in_force: Option<Date>,
    pub regulations: Vec<String>,
    /// The review state that most needs attention among the cell's findings.
    pub review: State,
    /// How many of the cell's findings are in each review state.
    pub reviews: BTreeMap<State, usize>,
    pub findings: usize,
}

/// One row: a provision and its cells.
#[derive(Clone, Debug, Serialize)]
pub struct Row {
    pub document: String,
    pub id: String,
    pub title: String,
    pub excerpt: String,
    #[serde(skip)]
    pub text: String,
    pub sha256: String,
    pub fingerprint: String,
    pub severity: Option<Severity>,
    pub cells: BTreeMap<String, Cell>,
    pub findings: Vec<Finding>,
    pub errors: Vec<String>,
}

/// The whole matrix.
#[derive(Clone, Debug, Serialize)]
pub struct Matrix {
    pub clausemap: &'static str,
    pub as_of: Date,
    pub files: Vec<String>,
    pub jurisdictions: Vec<String>,
    pub provisions: Vec<Row>,
}

/// The order in which a cell's review states call for attention; the first present wins.
const ATTENTION: [State; 6] = [
    State::Stale,
    State::Expired,
    State::Pending,
    State::Confirmed,
    State::AcceptedRisk,
    State::Dismissed,
];

/// A clause's excerpt: its first words, whitespace collapsed, cut at a word.
pub fn excerpt(text: &str, max: usize) -> String {
    let flat = review::ledger::normalise(text);
    if flat.chars().count() <= max {
        return flat;
    }
    let cut: String = flat.chars().take(max).collect();
    let cut = match cut.rfind(' ') {
        Some(i) if i > max / 2 => &cut[..i],
        _ => &cut,
    };
    format!("{}…", cut.trim_end_matches([',', ';', ':', '.']))
}

fn review_state(f: &Finding) -> State {
    review::Review::of(f).unwrap_or(State::Pending)
}

/// The cells of one outcome, from its flags and findings.
pub fn cells(o: &Outcome) -> BTreeMap<String, Cell> {
    o.flags
        .iter()
        .map(|flag| {
            let mut reviews = BTreeMap::new();
            let mut n = 0;
            for f in o
                .findings
                .iter()
                .filter(|f| *f.jurisdiction == *flag.jurisdiction)
            {
                *reviews.entry(review_state(f)).or_insert(0) += 1;
                n += 1;
            }
            let review = ATTENTION
                .into_iter()
                .find(|s| reviews.contains_key(s))
                .unwrap_or(State::Pending);
            (
                flag.jurisdiction.clone(),
                Cell {
                    severity: flag.severity,
                    status: flag.status,
                    in_force: flag.in_force,
                    regulations: flag.regulations.clone(),
                    review,
                    reviews,
                    findings: n,
                },
            )
        })
        .collect()
}

impl Matrix {
    pub fn new(as_of: Date) -> Matrix {
        Matrix {
            clausemap: crate::report::VERSION,
            as_of,
            files: Vec::new(),
            jurisdictions: Vec::new(),
            provisions: Vec::new(),
        }
    }

    /// Add the outcomes of a document (one per provision, in input order).
    pub fn push(&mut self, doc: &Document, outcomes: Vec<Outcome>) {
        for (p, o) in doc.provisions.iter().zip(outcomes) {
            self.provisions.push(Row {
                document: o.document.clone(),
                id: o.id.clone(),
                title: o.title.clone(),
                excerpt: excerpt(&p.text, EXCERPT_CHARS),
                text: p.text.clone(),
                sha256: o.sha256.clone(),
                fingerprint: review::fingerprint(&p.text),
                severity: o.severity,
                cells: cells(&o),
                findings: o.findings,
                errors: o.errors,
            });
        }
    }

    /// Settle the columns: every jurisdiction with a flag, in code order.
    pub fn finish(&mut self) {
        let all: BTreeSet<&String> = self
            .provisions
            .iter()
            .flat_map(|r| r.cells.keys())
            .collect();
        self.jurisdictions = all.into_iter().cloned().collect();
    }

    /// How many findings are in each review state.
    pub fn review_counts(&self) -> BTreeMap<State, usize> {
        let mut counts = BTreeMap::new();
        for f in self.provisions.iter().flat_map(|r| &r.findings) {
            *counts.entry(review_state(f)).or_insert(0) += 1;
        }
        counts
    }
}

/// Evaluate the files into a matrix.
pub fn build(args: &FlagsArgs) -> Result<Matrix, Vec<Problem>> {
    let set = crate::commands::load_rules(args.rules.rules.as_deref())?;
    crate::commands::check_jurisdictions(&set, &args.jurisdiction)?;
    let as_of = args.rules.as_of.unwrap_or_else(Date::today);
    let today = Date::today();
    let mut matrix = Matrix::new(as_of);
    let mut problems = Vec::new();
    for path in &args.files {
        matrix.files.push(path.display().to_string());
        let ledger = match review::ledger_for(path, args.ledger.as_deref()) {
            Ok(l) => l.unwrap_or_else(Ledger::new),
            Err(p) => {
                problems.push(p);
                continue;
            }
        };
        let mut each = |doc: Document| -> io::Result<()> {
            let mut outcomes = eval::evaluate_document(&set, &doc, as_of);
            review::annotate_document(&mut outcomes, &doc, &ledger, today);
            for o in &mut outcomes {
                crate::commands::filter_jurisdictions(&set, o, &args.jurisdiction);
                if let Some(min) = args.min_severity {
                    o.findings.retain(|f| f.severity >= min);
                    o.flags = eval::flags(&o.findings);
                    o.severity = eval::severity(&o.findings);
                }
            }
            matrix.push(&doc, outcomes);
            Ok(())
        };
        match crate::commands::for_each_document(&set, path, &mut each) {
            Ok(Ok(())) => {}
            Ok(Err(e)) => {
                problems.push(Problem::new("output::io", format!("cannot read: {e}")));
            }
            Err(p) => problems.push(p),
        }
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    matrix.finish();
    Ok(matrix)
}

/// `clausemap flags`.
pub fn run(args: FlagsArgs) -> Result<Exit, Vec<Problem>> {
    let matrix = build(&args)?;
    let text = match args.format {
        FlagsFormat::Table => {
            let style = table::Style::from_env();
            table::render(&matrix, &style)
        }
        FlagsFormat::Csv => table::csv(&matrix),
        FlagsFormat::Json => {
            let mut s = serde_json::to_string_pretty(&matrix).map_err(|e| {
                vec![Problem::new(
                    "output::json",
                    format!("cannot write JSON: {e}"),
                )]
            })?;
            s.push('\n');
            s
        }
        FlagsFormat::Html => html::render(&matrix),
    };
    crate::commands::emit(&text);
    Ok(Exit::Ok)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn excerpts_cut_at_a_word() {
        assert_eq!(excerpt("short  text", 20), "short text");
        let e = excerpt("We may use your personal data to train models", 20);
        assert_eq!(e, "We may use your…");
    }
}
