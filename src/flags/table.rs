//! The flags matrix as a terminal table (coloured when standard output is a terminal and
//! `NO_COLOR` is not set, as wide as `COLUMNS` or 100 characters) and as CSV.

use std::fmt::Write as _;
use std::io::IsTerminal;

use super::{Cell, Matrix};
use crate::eval::Status;
use crate::review::State;
use crate::rules::Severity;

/// The width used when `COLUMNS` is not set.
pub const DEFAULT_WIDTH: usize = 100;
/// The narrowest clause column.
const MIN_CLAUSE: usize = 16;

/// How to draw: width and colour.
#[derive(Clone, Copy, Debug)]
pub struct Style {
    pub width: usize,
    pub colour: bool,
}

impl Style {
    /// From the environment: colour only on a terminal without `NO_COLOR`; width from `COLUMNS`.
    pub fn from_env() -> Style {
        let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
        let width = std::env::var("COLUMNS")
            .ok()
            .and_then(|c| c.trim().parse::<usize>().ok())
            .filter(|w| *w >= 40)
            .unwrap_or(DEFAULT_WIDTH);
        Style {
            width,
            colour: !no_color && std::io::stdout().is_terminal(),
        }
    }
}

fn sev_short(s: Severity) -> &'static str {
    match s {
        Severity::Critical => "crit",
        Severity::High => "high",
        Severity::Medium => "med",
        Severity::Low => "low",
    }
}

/// The mark of a review state in a cell.
pub fn review_mark(s: State) -> char {
    match s {
        State::Pending => '·',
        State::Confirmed => '✓',
        State::Dismissed => '✗',
        State::AcceptedRisk => '!',
        State::Stale => '~',
        State::Expired => '⊘',
    }
}

fn status_mark(s: Status) -> &'static str {
    match s {
        Status::Applies => "",
        Status::Undetermined => "?",
        Status::Upcoming => "^",
    }
}

fn paint(on: bool, code: &str, text: &str) -> String {
    if on && !code.is_empty() {
        format!("\x1b[{code}m{text}\x1b[0m")
    } else {
        text.to_string()
    }
}

fn sev_colour(s: Severity) -> &'static str {
    match s {
        Severity::Critical => "1;31",
        Severity::High => "31",
        Severity::Medium => "33",
        Severity::Low => "36",
    }
}

fn review_colour(s: State) -> &'static str {
    match s {
        State::Pending => "",
        State::Confirmed => "32",
        State::Dismissed => "2",
        State::AcceptedRisk => "35",
        State::Stale | State::Expired => "1;33",
    }
}

/// A cell's plain text, e.g. `high? ·`.
fn cell_text(c: &Cell) -> String {
    format!(
        "{}{} {}",
        sev_short(c.severity),
        status_mark(c.status),
        review_mark(c.review)
    )
}

fn painted_cell(c: &Cell, on: bool) -> String {
    let sev = format!("{}{}", sev_short(c.severity), status_mark(c.status));
    let sev_code = if c.status == Status::Applies {
        sev_colour(c.severity).to_string()
    } else {
        format!("2;{}", sev_colour(c.severity))
    };
    let mark = review_mark(c.review).to_string();
    format!(
        "{} {}",
        paint(on, &sev_code, &sev),
        paint(on, review_colour(c.review), &mark)
    )
}

/// `text` cut to `width` characters (with `…`), then padded to it.
fn fit(text: &str, width: usize) -> String {
    let n = text.chars().count();
    if n <= width {
        format!("{text}{}", " ".repeat(width - n))
    } else if width == 0 {
        String::new()
    } else {
        let cut: String = text.chars().take(width - 1).collect();
        format!("{cut}…")
    }
}

/// The table: a header, one line per provision with flags, a legend and the counts.
pub fn render(m: &Matrix, style: &Style) -> String {
    let mut out = String::new();
    let rows: Vec<_> = m
        .provisions
        .iter()
        .filter(|r| !r.cells.is_empty() || !r.errors.is_empty())
        .collect();
    let cell_w: Vec<usize> = m
        .jurisdictions
        .iter()
        .map(|j| j.chars().count().max(7))
        .collect();
    let cells_total: usize = cell_w.iter().map(|w| w + 2).sum();
    // Whole ids where they fit; on a narrow screen the clause keeps at least its minimum
    // (plus a little), and ids are cut.
    let room = style
        .width
        .saturating_sub(cells_total + 2 + MIN_CLAUSE + 8)
        .max(12);
    let id_w = rows
        .iter()
        .map(|r| r.id.chars().count())
        .max()
        .unwrap_or(9)
        .clamp(9, 28)
        .min(room);
    let clause_w = style
        .width
        .saturating_sub(id_w + 2 + cells_total)
        .max(MIN_CLAUSE);
    let bold = |t: &str| paint(style.colour, "1", t);
    let mut header = format!("{}  {}", fit("PROVISION", id_w), fit("CLAUSE", clause_w));
    for (j, w) in m.jurisdictions.iter().zip(&cell_w) {
        header.push_str("  ");
        header.push_str(&fit(j, *w));
    }
    let _ = writeln!(out, "{}", bold(header.trim_end()));
    for r in &rows {
        let clause = if r.title.is_empty() {
            r.excerpt.clone()
        } else {
            format!("{} — {}", r.title, r.excerpt)
        };
        let mut line = format!("{}  {}", fit(&r.id, id_w), fit(&clause, clause_w));
        for (j, w) in m.jurisdictions.iter().zip(&cell_w) {
            line.push_str("  ");
            match r.cells.get(j) {
                Some(c) => {
                    let plain = cell_text(c);
                    let pad = w.saturating_sub(plain.chars().count());
                    line.push_str(&painted_cell(c, style.colour));
                    line.push_str(&" ".repeat(pad));
                }
                None => line.push_str(&fit("", *w)),
            }
        }
        let _ = writeln!(out, "{}", line.trim_end());
        for e in &r.errors {
            let _ = writeln!(
                out,
                "{}  {}",
                " ".repeat(id_w),
                paint(style.colour, "31", &format!("error: {e}"))
            );
        }
    }
    let hidden = m.provisions.len() - rows.len();
    let counts = m.review_counts();
    let total: usize = counts.values().sum();
    let _ = writeln!(out);
    let _ = writeln!(
        out,
        "cell: severity (crit, high, med, low); ? undetermined, ^ upcoming. review: · pending  ✓ confirmed  ✗ dismissed  ! accepted-risk  ~ stale  ⊘ expired"
    );
    let states: Vec<String> = State::ALL
        .iter()
        .filter_map(|s| counts.get(s).map(|n| format!("{n} {}", s.as_str())))
        .collect();
    let _ = writeln!(
        out,
        "{} provision{}{}, {total} finding{}{} (as of {}, clausemap {})",
        m.provisions.len(),
        if m.provisions.len() == 1 { "" } else { "s" },
        if hidden > 0 {
            format!(" ({hidden} without flags not shown)")
        } else {
            String::new()
        },
        if total == 1 { "" } else { "s" },
        if states.is_empty() {
            String::new()
        } else {
            format!(": {}", states.join(", "))
        },
        m.as_of,
        m.clausemap
    );
    out
}

fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

/// The matrix as CSV: one line per provision, one column per jurisdiction, each cell
/// `severity status review` (empty without a flag).
pub fn csv(m: &Matrix) -> String {
    let mut out = String::new();
    let mut header = vec![
        "document".to_string(),
        "provision".to_string(),
        "title".to_string(),
        "excerpt".to_string(),
        "severity".to_string(),
    ];
    header.extend(m.jurisdictions.iter().cloned());
    header.push("errors".to_string());
    let line: Vec<String> = header.iter().map(|h| csv_field(h)).collect();
    let _ = writeln!(out, "{}", line.join(","));
    for r in &m.provisions {
        let mut cells = vec![
            r.document.clone(),
            r.id.clone(),
            r.title.clone(),
            r.excerpt.clone(),
            r.severity
                .map(|s| s.as_str().to_string())
                .unwrap_or_default(),
        ];
        for j in &m.jurisdictions {
            cells.push(
                r.cells
                    .get(j)
                    .map(|c| {
                        format!(
                            "{} {} {}",
                            c.severity.as_str(),
                            c.status.as_str(),
                            c.review.as_str()
                        )
                    })
                    .unwrap_or_default(),
            );
        }
        cells.push(r.errors.join("; "));
        let line: Vec<String> = cells.iter().map(|c| csv_field(c)).collect();
        let _ = writeln!(out, "{}", line.join(","));
    }
    out
}
