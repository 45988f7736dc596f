//! `clausemap compare`: how many documents handle one practice, side by side.
//!
//! For each document, the provisions whose attributes show the practice (taxonomy-aware, as
//! `has` is) are evaluated; the gravest of them stands for the entity in a row with its
//! severity, its jurisdiction flags, its consent model and the clause quoted. [`Peers`] holds
//! the documents, evaluated once, for `clausemap memo --peers`, which adds the comparison of
//! the memoed provision's purposes to each provision memo.

use std::path::PathBuf;

use serde::Serialize;

use crate::cli::{CompareArgs, CompareFormat};
use crate::date::Date;
use crate::error::{Exit, Problem};
use crate::eval::{self, Status};
use crate::model::Document;
use crate::rules::RuleSet;
use crate::vocab::ValueType;

/// One row: an entity's clause on the practice.
#[derive(Clone, Debug, Serialize)]
pub struct Row {
    pub entity: String,
    pub document: String,
    pub provision: String,
    pub title: String,
    pub severity: Option<String>,
    pub flags: Vec<String>,
    pub consent: String,
    pub legal_basis: String,
    pub matching: usize,
    pub text: String,
}

/// The attribute and value a `--practice` names (`VALUE` is a purpose, or
/// `ATTRIBUTE:VALUE`), with the words that say it (`purpose has "ai_training"`).
pub fn practice(set: &RuleSet, spec: &str) -> Result<(usize, u16, String), Problem> {
    let (attr, value) = spec.split_once(':').unwrap_or(("purpose", spec));
    let Some(i) = set.vocab.attribute(attr) else {
        return Err(Problem::new("usage::practice", format!("unknown attribute `{attr}`"))
            .help("write a purpose value (`ai_training`) or ATTRIBUTE:VALUE (`recipients:data_brokers`)"));
    };
    let ValueType::Set(t) = &set.vocab.attributes[i].ty else {
        return Err(Problem::new(
            "usage::practice",
            format!("`{attr}` is not a set attribute"),
        ));
    };
    let tax = &set.vocab.taxonomies[*t];
    match tax.id(value) {
        Some(id) => Ok((i, id, format!("{attr} has \"{value}\""))),
        None => {
            let help = crate::check::suggest(value, tax.values.iter().map(String::as_str))
                .map(|s| format!("did you mean `{s}`?"))
                .unwrap_or_else(|| format!("the values of `{attr}` are listed in vocabulary.yaml"));
            Err(Problem::new(
                "usage::practice",
                format!("`{value}` is not a value of `{attr}`"),
            )
            .help(help))
        }
    }
}

/// The clause on one line, cut after `max` characters (with `…`).
pub fn excerpt(text: &str, max: usize) -> String {
    let flat: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if flat.chars().count() <= max {
        flat
    } else {
        format!("{}…", flat.chars().take(max).collect::<String>().trim_end())
    }
}

/// Documents to compare a practice across: read (policies split and classified), evaluated
/// once, and kept with their provisions' attributes interned, so that the rows of any number
/// of practices cost no further reading or evaluation (`clausemap memo --peers`).
pub struct Peers {
    docs: Vec<Peer>,
}

struct Peer {
    doc: Document,
    outcomes: Vec<eval::Outcome>,
    /// Per provision, its attributes interned (by attribute index).
    attrs: Vec<Vec<Option<eval::Value>>>,
}

impl Peers {
    /// Read and evaluate every document of these files; the problems of every file that
    /// cannot be read, together.
    pub fn load(set: &RuleSet, files: &[PathBuf], as_of: Date) -> Result<Peers, Vec<Problem>> {
        let mut docs = Vec::new();
        let mut problems = Vec::new();
        for path in files {
            match crate::classify_support::load_documents(set, path) {
                Ok(d) => docs.extend(d),
                Err(p) => problems.push(p),
            }
        }
        if !problems.is_empty() {
            return Err(problems);
        }
        let empty = serde_json::Map::new();
        let docs = docs
            .into_iter()
            .map(|doc| Peer {
                outcomes: eval::evaluate_document(set, &doc, as_of),
                attrs: doc
                    .provisions
                    .iter()
                    .map(|p| {
                        eval::intern_attributes(&set.vocab, p.attributes.as_ref().unwrap_or(&empty))
                            .0
                    })
                    .collect(),
                doc,
            })
            .collect();
        Ok(Peers { docs })
    }

    /// One row per document with a provision where attribute `attr` has `value` (or a value
    /// under it in the taxonomy): its gravest such provision. Sorted by entity, then document.
    pub fn rows(&self, attr: usize, value: u16) -> Vec<Row> {
        let mut out: Vec<Row> = self
            .docs
            .iter()
            .filter_map(|peer| peer.row(attr, value))
            .collect();
        out.sort_by(|a, b| a.entity.cmp(&b.entity).then(a.document.cmp(&b.document)));
        out
    }
}

impl Peer {
    fn row(&self, attr: usize, value: u16) -> Option<Row> {
        let doc = &self.doc;
        let matching: Vec<(usize, &eval::Outcome)> = self
            .outcomes
            .iter()
            .enumerate()
            .filter(|(i, _)| {
                matches!(
                    self.attrs.get(*i).and_then(|a| a.get(attr)),
                    Some(Some(eval::Value::Set { closed, .. })) if closed.contains(value)
                )
            })
            .collect();
        let &(best, o) = matching
            .iter()
            .max_by_key(|(i, o)| (o.severity, std::cmp::Reverse(*i)))?;
        let p = doc.provisions.get(best)?;
        let one = |k: &str| {
            p.attributes
                .as_ref()
                .and_then(|a| a.get(k))
                .and_then(|v| v.as_str())
                .unwrap_or("not stated")
                .to_string()
        };
        Some(Row {
            entity: if doc.entity.name.is_empty() {
                doc.entity.id.clone()
            } else {
                doc.entity.name.clone()
            },
            document: doc.meta.id.clone(),
            provision: p.id.clone(),
            title: p.title.clone(),
            severity: o.severity.map(|s| s.to_string()),
            flags: o
                .flags
                .iter()
                .map(|f| match f.status {
                    Status::Applies => format!("{} {}", f.jurisdiction, f.severity),
                    s => format!("{} {} ({})", f.jurisdiction, f.severity, s.as_str()),
                })
                .collect(),
            consent: one("consent"),
            legal_basis: one("legal_basis"),
            matching: matching.len(),
            text: p.text.clone(),
        })
    }
}

/// The rows for the given files.
pub fn rows(
    set: &RuleSet,
    args: &CompareArgs,
    as_of: Date,
) -> Result<(Vec<Row>, String), Vec<Problem>> {
    let (attr, value, label) = practice(set, &args.practice).map_err(|p| vec![p])?;
    let peers = Peers::load(set, &args.files, as_of)?;
    Ok((peers.rows(attr, value), label))
}

/// The rows as a Markdown table.
pub fn markdown(rows: &[Row], label: &str, as_of: Date) -> String {
    let mut s = format!(
        "Provisions where `{label}`, one row per document (its gravest such provision), as of {as_of}.\n\n| entity | document | provision | severity | flags | consent | legal basis | clause |\n|---|---|---|---|---|---|---|---|\n"
    );
    let cell = |t: &str| t.replace('|', "\\|").replace('\n', " ");
    for r in rows {
        s.push_str(&format!(
            "| {} | {} | {}{} | {} | {} | {} | {} | {} |\n",
            cell(&r.entity),
            cell(&r.document),
            cell(&r.provision),
            if r.matching > 1 {
                format!(" (+{} more)", r.matching - 1)
            } else {
                String::new()
            },
            r.severity.as_deref().unwrap_or("-"),
            cell(&r.flags.join(", ")),
            r.consent,
            r.legal_basis,
            cell(&excerpt(&r.text, 220))
        ));
    }
    s
}

/// `clausemap compare`.
pub fn run(args: CompareArgs) -> Result<Exit, Vec<Problem>> {
    let set = crate::commands::load_rules(args.rules.rules.as_deref())?;
    let as_of = args.rules.as_of.unwrap_or_else(Date::today);
    let (rows, label) = rows(&set, &args, as_of)?;
    let text = match args.format {
        CompareFormat::Md => markdown(&rows, &label, as_of),
        CompareFormat::Json => format!(
            "{}\n",
            serde_json::to_string_pretty(&rows).unwrap_or_default()
        ),
        CompareFormat::Table => {
            let mut s = format!(
                "{} documents with provisions where {label} (as of {as_of})\n\n",
                rows.len()
            );
            for r in &rows {
                s.push_str(&format!(
                    "{:<22} {:<10} {}  [{}]\n    consent: {}, basis: {}\n    \"{}\"\n\n",
                    r.entity,
                    r.severity.as_deref().unwrap_or("-"),
                    r.provision,
                    r.flags.join(", "),
                    r.consent,
                    r.legal_basis,
                    excerpt(&r.text, 160)
                ));
            }
            s
        }
    };
    crate::commands::emit(&text);
    Ok(Exit::Ok)
}
