//! Scoring the classifier against the labelled corpora (OPP-115, C3PA, ToS;DR).
//!
//! Takes a compiled [`Classifier`], the corpus directory (`shared/corpus`, or wherever
//! `CLAUSEMAP_CORPUS` points) and a [`CorpusMapping`] — the explicit, declarative link between
//! our attribute values and each dataset's labels, kept in `rules/corpus-mapping.yaml` — and
//! returns a [`ScoreReport`] that renders as Markdown tables.
//!
//! Protocol (from the corpus README): OPP-115 gold labels are those with at least 2 of 3
//! annotator votes; `split.json` fixes the `dev` policies (tune on these) and the `test`
//! policies (report on these). Reported: per-label precision, recall, F1 and support; micro
//! and macro F1 over the practice categories; the false-positive rate on segments whose only
//! majority label is "Other"; the negated-statement slice (segments whose majority says "Does
//! Not"), where any mapped practice value we assert is a failure. C3PA spans and ToS;DR quotes
//! are scored per mapped label. Nothing here writes files; the corpus is read only.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::Path;

use serde::Deserialize;
use serde_json::Value;

use super::{value_within, Classification, Classifier, OneOrMany};

// ------------------------------------------------------------------------------------------
// The mapping file
// ------------------------------------------------------------------------------------------

/// `rules/corpus-mapping.yaml`: which of our attribute values stand for which dataset label.
#[derive(Deserialize, Debug, Clone)]
#[serde(deny_unknown_fields)]
pub struct CorpusMapping {
    /// OPP-115.
    pub opp115: Opp115Mapping,
    /// C3PA: CCPA disclosure label → our values.
    #[serde(default)]
    pub c3pa: Vec<LabelMapping>,
    /// ToS;DR: cases → our values.
    #[serde(default)]
    pub tosdr: Vec<CaseMapping>,
}

/// Our values that predict a dataset label: attribute → value(s); any one of them predicts it.
/// Taxonomy-aware: `data: personal.location` is predicted by `personal.location.precise`.
pub type Targets = BTreeMap<String, OneOrMany>;

/// The OPP-115 part of the mapping.
#[derive(Deserialize, Debug, Clone)]
#[serde(deny_unknown_fields)]
pub struct Opp115Mapping {
    /// Votes needed for a gold label (default 2 of 3).
    #[serde(default = "default_votes")]
    pub min_votes: u64,
    /// The practice categories and the values that predict each.
    pub categories: Vec<LabelMapping>,
    /// The catch-all category ("Other"); scored as "none of the mapped categories predicted".
    pub other: String,
    /// Attribute-level labels: category / attribute / value(s) → our values.
    #[serde(default)]
    pub attributes: Vec<AttributeMapping>,
    /// How negated practices are marked.
    pub negation: NegationMapping,
}

fn default_votes() -> u64 {
    2
}

/// One dataset label and the values of ours that predict it.
#[derive(Deserialize, Debug, Clone)]
#[serde(deny_unknown_fields)]
pub struct LabelMapping {
    /// The dataset's label, exactly as spelt there.
    pub label: String,
    /// Our values; any one predicts the label.
    pub predicted: Targets,
}

/// An OPP-115 attribute value (or several, any of which counts) and the values that predict it.
#[derive(Deserialize, Debug, Clone)]
#[serde(deny_unknown_fields)]
pub struct AttributeMapping {
    /// The category the attribute belongs to (`Third Party Sharing/Collection`), or `*` for any.
    pub category: String,
    /// The attribute (`Third Party Entity`).
    pub attribute: String,
    /// The attribute values (`Other part of company/affiliate`).
    pub values: Vec<String>,
    /// Our values; any one predicts the label.
    pub predicted: Targets,
    /// Optional context: the label counts as predicted only if one of these values is present
    /// too. OPP-115 records attribute values only inside a practice of some category, so
    /// `data: personal.identifiers` stands for "Personal Information Type = Contact" only where
    /// we also see such a practice (`topic: [collection, sharing, …]`).
    #[serde(default)]
    pub with: Targets,
    /// Whether this label's prediction is a positive claim that a "Does Not" segment must not
    /// carry (default true).
    #[serde(default = "default_true")]
    pub negatable: bool,
    /// Why the row maps the label the way it does, where our value's meaning differs from the
    /// dataset's label (documentation only: printed in the report's introduction, never used
    /// in scoring).
    #[serde(default)]
    pub note: Option<String>,
}

fn default_true() -> bool {
    true
}

/// Where OPP-115 marks a practice as negated.
#[derive(Deserialize, Debug, Clone)]
#[serde(deny_unknown_fields)]
pub struct NegationMapping {
    /// The attribute (`Does/Does Not`).
    pub attribute: String,
    /// Its positive value (`Does`).
    pub does: String,
    /// Its negative value (`Does Not`).
    pub does_not: String,
}

/// ToS;DR cases tied to our values.
#[derive(Deserialize, Debug, Clone)]
#[serde(deny_unknown_fields)]
pub struct CaseMapping {
    /// A name for the row.
    pub label: String,
    /// The case titles, exactly as in `cases.jsonl`.
    pub cases: Vec<String>,
    /// Our values.
    pub predicted: Targets,
    /// The cases say the practice does **not** happen ("does not sell"): our values must be
    /// absent; the row reports how often they are wrongly present.
    #[serde(default)]
    pub absent: bool,
}

// ------------------------------------------------------------------------------------------
// The report
// ------------------------------------------------------------------------------------------

/// Which OPP-115 policies to score.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Split {
    /// The 29 tuning policies.
    Dev,
    /// The 86 held-out policies.
    Test,
}

impl Split {
    fn key(self) -> &'static str {
        match self {
            Split::Dev => "dev",
            Split::Test => "test",
        }
    }
}

/// Counts for one label.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Counts {
    /// True positives.
    pub tp: usize,
    /// False positives.
    pub fp: usize,
    /// False negatives.
    pub fn_: usize,
}

impl Counts {
    /// tp / (tp + fp); `None` when nothing was predicted.
    pub fn precision(&self) -> Option<f64> {
        ratio(self.tp, self.tp + self.fp)
    }
    /// tp / (tp + fn); `None` when there is no gold positive.
    pub fn recall(&self) -> Option<f64> {
        ratio(self.tp, self.tp + self.fn_)
    }
    /// Harmonic mean of precision and recall (0 when either is undefined or both are 0).
    pub fn f1(&self) -> f64 {
        let denom = 2 * self.tp + self.fp + self.fn_;
        if denom == 0 {
            0.0
        } else {
            2.0 * self.tp as f64 / denom as f64
        }
    }
    /// Gold positives.
    pub fn support(&self) -> usize {
        self.tp + self.fn_
    }
    fn add(&mut self, gold: bool, predicted: bool) {
        match (gold, predicted) {
            (true, true) => self.tp += 1,
            (false, true) => self.fp += 1,
            (true, false) => self.fn_ += 1,
            (false, false) => {}
        }
    }
}

fn ratio(a: usize, b: usize) -> Option<f64> {
    (b > 0).then(|| a as f64 / b as f64)
}

/// One row of a table.
#[derive(Debug, Clone)]
pub struct LabelScore {
    /// The dataset label.
    pub label: String,
    /// Our values that predict it, as `attribute: value` text.
    pub predicted_by: String,
    /// The counts.
    pub counts: Counts,
    /// How many policies hold a gold segment (OPP-115 rows; 0 elsewhere).
    pub gold_policies: usize,
}

/// A misclassified example kept for error analysis (dev only).
#[derive(Debug, Clone)]
pub struct ErrorExample {
    /// The label.
    pub label: String,
    /// `FP` or `FN` or `NEG` (a negated statement asserted).
    pub kind: &'static str,
    /// Where (policy / segment).
    pub place: String,
    /// The text (truncated).
    pub text: String,
    /// The pattern ids that fired for the label (for FP / NEG).
    pub patterns: Vec<String>,
}

/// Everything the scorer measured.
#[derive(Debug, Clone)]
pub struct ScoreReport {
    /// `dev` or `test`.
    pub split: &'static str,
    /// Number of OPP-115 policies and segments scored.
    pub opp_policies: usize,
    /// Segments scored.
    pub opp_segments: usize,
    /// The practice categories (the catch-all excluded).
    pub categories: Vec<LabelScore>,
    /// The catch-all, predicted when no practice category is.
    pub other: LabelScore,
    /// Attribute-level labels.
    pub attributes: Vec<LabelScore>,
    /// Segments whose only majority label is the catch-all, and how many got a practice topic.
    pub other_only: (usize, usize),
    /// Negated slice: (segments, segments where a mapped practice value was asserted).
    pub negated: (usize, usize),
    /// C3PA rows.
    pub c3pa: Vec<LabelScore>,
    /// ToS;DR rows (positive cases).
    pub tosdr: Vec<LabelScore>,
    /// ToS;DR rows for negative cases: (label, quotes, quotes where the value was asserted).
    pub tosdr_absent: Vec<(String, String, usize, usize)>,
    /// Error examples (only when asked for).
    pub errors: Vec<ErrorExample>,
}

impl ScoreReport {
    /// Micro-F1 over the practice categories (the catch-all excluded).
    pub fn micro_f1(&self) -> f64 {
        let mut c = Counts::default();
        for l in &self.categories {
            c.tp += l.counts.tp;
            c.fp += l.counts.fp;
            c.fn_ += l.counts.fn_;
        }
        c.f1()
    }
    /// Macro-F1 over the practice categories (the catch-all excluded).
    pub fn macro_f1(&self) -> f64 {
        mean(self.categories.iter().map(|l| l.counts.f1()))
    }
    /// Macro-F1 over the practice categories and the catch-all (all ten OPP-115 categories).
    pub fn macro_f1_with_other(&self) -> f64 {
        mean(
            self.categories
                .iter()
                .chain(std::iter::once(&self.other))
                .map(|l| l.counts.f1()),
        )
    }
    /// Micro-F1 over all ten categories.
    pub fn micro_f1_with_other(&self) -> f64 {
        let mut c = Counts::default();
        for l in self.categories.iter().chain(std::iter::once(&self.other)) {
            c.tp += l.counts.tp;
            c.fp += l.counts.fp;
            c.fn_ += l.counts.fn_;
        }
        c.f1()
    }

    /// Render as Markdown.
    pub fn to_markdown(&self) -> String {
        let mut s = String::new();
        let _ = writeln!(
            s,
            "## OPP-115 `{}` split ({} policies, {} segments, gold = majority of annotators)\n",
            self.split, self.opp_policies, self.opp_segments
        );
        let _ = writeln!(s, "### Practice categories (`topic`)\n");
        table(
            &mut s,
            self.categories.iter().chain(std::iter::once(&self.other)),
        );
        let _ = writeln!(s);
        let _ = writeln!(s, "| summary | value |\n|---|---:|");
        let _ = writeln!(
            s,
            "| micro-F1, 9 practice categories | {:.3} |",
            self.micro_f1()
        );
        let _ = writeln!(
            s,
            "| macro-F1, 9 practice categories | {:.3} |",
            self.macro_f1()
        );
        let _ = writeln!(
            s,
            "| micro-F1, all 10 categories (Other = no practice topic) | {:.3} |",
            self.micro_f1_with_other()
        );
        let _ = writeln!(
            s,
            "| macro-F1, all 10 categories (Other = no practice topic) | {:.3} |",
            self.macro_f1_with_other()
        );
        let (n, fp) = self.other_only;
        let _ = writeln!(
            s,
            "| \"Other\"-only segments given a practice topic (FP rate) | {fp} / {n} = {} |",
            pct(fp, n)
        );
        let (n, bad) = self.negated;
        let _ = writeln!(s, "| negated slice (a category with a \"Does Not\" majority): segments asserting a mapped value of that category (or a purpose/data value when no practice in the segment is a majority \"Does\") | {bad} / {n} = {} |", pct(bad, n));
        let _ = writeln!(s);
        if !self.attributes.is_empty() {
            let _ = writeln!(s, "### OPP-115 attribute values\n");
            table(&mut s, self.attributes.iter());
            let _ = writeln!(s);
        }
        if !self.c3pa.is_empty() {
            let _ = writeln!(s, "## C3PA (CCPA disclosure spans; all spans are labelled, so precision is measured against the other disclosure labels)\n");
            table(&mut s, self.c3pa.iter());
            let _ = writeln!(s);
        }
        if !self.tosdr.is_empty() {
            let _ = writeln!(
                s,
                "## ToS;DR (moderated quotes; precision among quotes of all mapped cases)\n"
            );
            table(&mut s, self.tosdr.iter());
            let _ = writeln!(s);
        }
        if !self.tosdr_absent.is_empty() {
            let _ = writeln!(
                s,
                "### ToS;DR negative cases (the value must NOT be asserted)\n"
            );
            let _ = writeln!(s, "| case group | value that must be absent | quotes | wrongly asserted |\n|---|---|---:|---:|");
            for (label, by, n, bad) in &self.tosdr_absent {
                let _ = writeln!(s, "| {label} | {by} | {n} | {bad} ({}) |", pct(*bad, *n));
            }
            let _ = writeln!(s);
        }
        s
    }
}

fn mean(it: impl Iterator<Item = f64>) -> f64 {
    let v: Vec<f64> = it.collect();
    if v.is_empty() {
        0.0
    } else {
        v.iter().sum::<f64>() / v.len() as f64
    }
}

fn pct(a: usize, b: usize) -> String {
    ratio(a, b).map_or("–".to_string(), |r| format!("{:.1}%", 100.0 * r))
}

fn fmt_opt(v: Option<f64>) -> String {
    v.map_or("–".to_string(), |x| format!("{x:.3}"))
}

fn table<'a>(s: &mut String, rows: impl Iterator<Item = &'a LabelScore>) {
    let _ = writeln!(s, "| label | predicted by | precision | recall | F1 | support | predicted |\n|---|---|---:|---:|---:|---:|---:|");
    for r in rows {
        let _ = writeln!(
            s,
            "| {} | {} | {} | {} | {:.3} | {} | {} |",
            r.label.replace('|', "/"),
            r.predicted_by,
            fmt_opt(r.counts.precision()),
            fmt_opt(r.counts.recall()),
            r.counts.f1(),
            r.counts.support(),
            r.counts.tp + r.counts.fp
        );
    }
}

// ------------------------------------------------------------------------------------------
// Scoring
// ------------------------------------------------------------------------------------------

/// Options for [`score_with`].
#[derive(Debug, Clone, Copy)]
pub struct ScoreOptions {
    /// Which OPP-115 split.
    pub split: Split,
    /// Keep up to this many error examples per label (0: none).
    pub errors_per_label: usize,
    /// Also score C3PA and ToS;DR.
    pub other_corpora: bool,
}

/// Score on the OPP-115 **test** split, plus C3PA and ToS;DR.
pub fn score(
    classifier: &Classifier,
    corpus_dir: &Path,
    mapping: &CorpusMapping,
) -> Result<ScoreReport, String> {
    score_with(
        classifier,
        corpus_dir,
        mapping,
        ScoreOptions {
            split: Split::Test,
            errors_per_label: 0,
            other_corpora: true,
        },
    )
}

/// Score on the OPP-115 `dev` split (for tuning), with error examples.
pub fn score_dev(
    classifier: &Classifier,
    corpus_dir: &Path,
    mapping: &CorpusMapping,
    errors_per_label: usize,
) -> Result<ScoreReport, String> {
    score_with(
        classifier,
        corpus_dir,
        mapping,
        ScoreOptions {
            split: Split::Dev,
            errors_per_label,
            other_corpora: true,
        },
    )
}

fn targets_text(t: &Targets) -> String {
    t.iter()
        .map(|(a, v)| format!("{a}: {}", v.values().join(" / ")))
        .collect::<Vec<_>>()
        .join("; ")
}

fn predicts(c: &Classification, t: &Targets) -> bool {
    t.iter()
        .any(|(a, vs)| vs.values().iter().any(|v| c.has_within(a, v)))
}

fn patterns_for(c: &Classification, t: &Targets) -> Vec<String> {
    let mut out: BTreeSet<String> = BTreeSet::new();
    for e in &c.evidence {
        if let Some(vs) = t.get(&e.attribute) {
            if vs.values().iter().any(|v| value_within(&e.value, v)) {
                out.insert(e.pattern.clone());
            }
        }
    }
    out.into_iter().collect()
}

fn read_jsonl(path: &Path) -> Result<Vec<Value>, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read `{}`: {e}", path.display()))?;
    text.lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
        .map(|(i, l)| {
            serde_json::from_str(l)
                .map_err(|e| format!("{}:{}: invalid JSON: {e}", path.display(), i + 1))
        })
        .collect()
}

fn truncate(s: &str, n: usize) -> String {
    let t: String = s.chars().take(n).collect();
    let t = t.replace('\n', " ");
    if s.chars().count() > n {
        format!("{t}…")
    } else {
        t
    }
}

/// The policies of one OPP-115 split, from `opp115/split.json`.
fn split_policies(opp: &Path, split: Split) -> Result<BTreeSet<String>, String> {
    let text = std::fs::read_to_string(opp.join("split.json"))
        .map_err(|e| format!("cannot read opp115/split.json: {e}"))?;
    let value: Value =
        serde_json::from_str(&text).map_err(|e| format!("opp115/split.json: {e}"))?;
    Ok(value
        .get(split.key())
        .and_then(Value::as_array)
        .ok_or_else(|| format!("opp115/split.json has no `{}` list", split.key()))?
        .iter()
        .filter_map(|v| v.as_str().map(str::to_string))
        .collect())
}

/// A segment's gold categories: those with at least `min_votes` annotators.
fn gold_categories(seg: &Value, min_votes: u64) -> BTreeSet<String> {
    seg.get("category_votes")
        .and_then(Value::as_object)
        .map(|o| {
            o.iter()
                .filter(|(_, v)| v.as_u64().unwrap_or(0) >= min_votes)
                .map(|(k, _)| k.clone())
                .collect()
        })
        .unwrap_or_default()
}

/// Whether a segment is gold for an attribute row: one of the row's values has `min_votes`
/// in the row's category (or, for `*`, in any of the segment's gold categories).
fn gold_for_attribute(
    seg: &Value,
    row: &AttributeMapping,
    gold_cats: &BTreeSet<String>,
    min_votes: u64,
) -> bool {
    row.values.iter().any(|v| {
        if row.category == "*" {
            gold_cats
                .iter()
                .any(|cat| votes(seg, cat, &row.attribute, v) >= min_votes)
        } else {
            votes(seg, &row.category, &row.attribute, v) >= min_votes
        }
    })
}

fn votes(seg: &Value, category: &str, attribute: &str, value: &str) -> u64 {
    seg.get("attributes")
        .and_then(|a| a.get(category))
        .and_then(|a| a.get(attribute))
        .and_then(|a| a.get(value))
        .and_then(Value::as_u64)
        .unwrap_or(0)
}

/// Score with explicit options.
pub fn score_with(
    classifier: &Classifier,
    corpus_dir: &Path,
    mapping: &CorpusMapping,
    options: ScoreOptions,
) -> Result<ScoreReport, String> {
    let opp = corpus_dir.join("opp115");
    let policies = split_policies(&opp, options.split)?;
    let segments = read_jsonl(&opp.join("segments.jsonl"))?;
    let m = &mapping.opp115;

    let mut cats: Vec<LabelScore> = m
        .categories
        .iter()
        .map(|c| LabelScore {
            label: c.label.clone(),
            predicted_by: targets_text(&c.predicted),
            counts: Counts::default(),
            gold_policies: 0,
        })
        .collect();
    let mut other = LabelScore {
        label: m.other.clone(),
        predicted_by: "(no practice topic predicted)".into(),
        counts: Counts::default(),
        gold_policies: 0,
    };
    let mut attrs: Vec<LabelScore> = m
        .attributes
        .iter()
        .map(|a| LabelScore {
            label: format!(
                "{} / {} = {}",
                a.category,
                a.attribute,
                a.values.join(" or ")
            ),
            predicted_by: if a.with.is_empty() {
                targets_text(&a.predicted)
            } else {
                format!(
                    "{} (with {})",
                    targets_text(&a.predicted),
                    targets_text(&a.with)
                )
            },
            counts: Counts::default(),
            gold_policies: 0,
        })
        .collect();
    let mut errors = Vec::new();
    let mut error_count: BTreeMap<(String, &'static str), usize> = BTreeMap::new();
    let mut keep = |errors: &mut Vec<ErrorExample>,
                    label: &str,
                    kind: &'static str,
                    place: String,
                    text: &str,
                    patterns: Vec<String>| {
        let n = error_count.entry((label.to_string(), kind)).or_default();
        if *n < options.errors_per_label {
            *n += 1;
            errors.push(ErrorExample {
                label: label.to_string(),
                kind,
                place,
                text: truncate(text, 400),
                patterns,
            });
        }
    };
    let mut other_only = (0, 0);
    let mut negated = (0, 0);
    let mut seen_policies = BTreeSet::new();
    // The policies holding a gold segment of each category row, then of each attribute row.
    let mut gold_in: Vec<BTreeSet<&str>> = vec![BTreeSet::new(); cats.len() + attrs.len()];
    let mut n_segments = 0;
    for seg in &segments {
        let policy = seg.get("policy").and_then(Value::as_str).unwrap_or("");
        if !policies.contains(policy) {
            continue;
        }
        seen_policies.insert(policy.to_string());
        n_segments += 1;
        let text = seg.get("text").and_then(Value::as_str).unwrap_or("");
        let place = format!(
            "{policy}#{}",
            seg.get("segment_id").and_then(Value::as_u64).unwrap_or(0)
        );
        let gold_cats = gold_categories(seg, m.min_votes);
        let c = classifier.classify(text);
        let mut any_practice = false;
        for (i, (row, cm)) in cats.iter_mut().zip(&m.categories).enumerate() {
            let gold = gold_cats.contains(&cm.label);
            if gold {
                gold_in[i].insert(policy);
            }
            let pred = predicts(&c, &cm.predicted);
            any_practice |= pred;
            row.counts.add(gold, pred);
            if gold != pred && options.errors_per_label > 0 {
                let pats = if pred {
                    patterns_for(&c, &cm.predicted)
                } else {
                    Vec::new()
                };
                keep(
                    &mut errors,
                    &cm.label,
                    if pred { "FP" } else { "FN" },
                    place.clone(),
                    text,
                    pats,
                );
            }
        }
        other
            .counts
            .add(gold_cats.contains(&m.other), !any_practice);
        if gold_cats.len() == 1 && gold_cats.contains(&m.other) {
            other_only.0 += 1;
            if any_practice {
                other_only.1 += 1;
                let mut pats: Vec<String> = Vec::new();
                for cm in &m.categories {
                    pats.extend(patterns_for(&c, &cm.predicted));
                }
                keep(&mut errors, "Other-only", "FP", place.clone(), text, pats);
            }
        }
        for (i, (row, am)) in attrs.iter_mut().zip(&m.attributes).enumerate() {
            let gold = gold_for_attribute(seg, am, &gold_cats, m.min_votes);
            if gold {
                gold_in[m.categories.len() + i].insert(policy);
            }
            let pred =
                predicts(&c, &am.predicted) && (am.with.is_empty() || predicts(&c, &am.with));
            row.counts.add(gold, pred);
            if gold != pred && options.errors_per_label > 0 {
                let pats = if pred {
                    patterns_for(&c, &am.predicted)
                } else {
                    Vec::new()
                };
                keep(
                    &mut errors,
                    &row.label,
                    if pred { "FP" } else { "FN" },
                    place.clone(),
                    text,
                    pats,
                );
            }
        }
        // Negated slice: a category whose majority says "Does Not" and not "Does".
        let neg_cats: Vec<&String> = gold_cats
            .iter()
            .filter(|cat| {
                votes(seg, cat, &m.negation.attribute, &m.negation.does_not) >= m.min_votes
                    && votes(seg, cat, &m.negation.attribute, &m.negation.does) < m.min_votes
            })
            .collect();
        if !neg_cats.is_empty() {
            negated.0 += 1;
            // Values that apply to any category ("*": purposes, data types) can come from a
            // positive practice in the same segment; they count against the slice only when
            // no category of the segment is a majority "Does".
            let has_positive = gold_cats
                .iter()
                .any(|cat| votes(seg, cat, &m.negation.attribute, &m.negation.does) >= m.min_votes);
            let mut asserted = Vec::new();
            for am in &m.attributes {
                let in_scope = if am.category == "*" {
                    !has_positive
                } else {
                    neg_cats.iter().any(|c| **c == am.category)
                };
                if am.negatable && in_scope && predicts(&c, &am.predicted) {
                    asserted.extend(patterns_for(&c, &am.predicted));
                }
            }
            if !asserted.is_empty() {
                negated.1 += 1;
                asserted.sort();
                asserted.dedup();
                keep(
                    &mut errors,
                    "negated slice",
                    "NEG",
                    place.clone(),
                    text,
                    asserted,
                );
            }
        }
    }

    for (row, policies) in cats.iter_mut().chain(attrs.iter_mut()).zip(&gold_in) {
        row.gold_policies = policies.len();
    }

    let mut c3pa_rows = Vec::new();
    let mut tosdr_rows = Vec::new();
    let mut tosdr_absent = Vec::new();
    if options.other_corpora {
        if !mapping.c3pa.is_empty() {
            let spans = read_jsonl(&corpus_dir.join("c3pa").join("ccpa_spans.jsonl"))?;
            let mut rows: Vec<LabelScore> = mapping
                .c3pa
                .iter()
                .map(|l| LabelScore {
                    label: l.label.clone(),
                    predicted_by: targets_text(&l.predicted),
                    counts: Counts::default(),
                    gold_policies: 0,
                })
                .collect();
            for span in &spans {
                let text = span.get("text").and_then(Value::as_str).unwrap_or("");
                let labels: BTreeSet<&str> = span
                    .get("labels")
                    .and_then(Value::as_array)
                    .map(|a| a.iter().filter_map(Value::as_str).collect())
                    .unwrap_or_default();
                let c = classifier.classify(text);
                for (row, lm) in rows.iter_mut().zip(&mapping.c3pa) {
                    let gold = labels.contains(lm.label.as_str());
                    let pred = predicts(&c, &lm.predicted);
                    row.counts.add(gold, pred);
                    if gold != pred && options.errors_per_label > 0 {
                        let place = format!(
                            "c3pa {}#{}",
                            span.get("policy").and_then(Value::as_str).unwrap_or(""),
                            span.get("span_id").and_then(Value::as_u64).unwrap_or(0)
                        );
                        let pats = if pred {
                            patterns_for(&c, &lm.predicted)
                        } else {
                            Vec::new()
                        };
                        keep(
                            &mut errors,
                            &format!("c3pa {}", lm.label),
                            if pred { "FP" } else { "FN" },
                            place,
                            text,
                            pats,
                        );
                    }
                }
            }
            c3pa_rows = rows;
        }
        if !mapping.tosdr.is_empty() {
            let points = read_jsonl(&corpus_dir.join("tosdr").join("points.jsonl"))?;
            let mapped_cases: BTreeSet<&str> = mapping
                .tosdr
                .iter()
                .flat_map(|m| m.cases.iter().map(|c| c.as_str()))
                .collect();
            let mut rows: Vec<LabelScore> = Vec::new();
            let mut absent: Vec<(String, String, usize, usize)> = Vec::new();
            let mut row_of: Vec<(bool, usize)> = Vec::new();
            for cm in &mapping.tosdr {
                if cm.absent {
                    row_of.push((true, absent.len()));
                    absent.push((cm.label.clone(), targets_text(&cm.predicted), 0, 0));
                } else {
                    row_of.push((false, rows.len()));
                    rows.push(LabelScore {
                        label: cm.label.clone(),
                        predicted_by: targets_text(&cm.predicted),
                        counts: Counts::default(),
                        gold_policies: 0,
                    });
                }
            }
            for p in &points {
                if p.get("needs_moderation").and_then(Value::as_bool) == Some(true) {
                    continue;
                }
                let case = p.get("case").and_then(Value::as_str).unwrap_or("");
                if !mapped_cases.contains(case) {
                    continue;
                }
                let text = p.get("quote").and_then(Value::as_str).unwrap_or("");
                let c = classifier.classify(text);
                for (cm, &(is_absent, idx)) in mapping.tosdr.iter().zip(&row_of) {
                    let gold = cm.cases.iter().any(|x| x == case);
                    let pred = predicts(&c, &cm.predicted);
                    if is_absent {
                        if gold {
                            if let Some(a) = absent.get_mut(idx) {
                                a.2 += 1;
                                if pred {
                                    a.3 += 1;
                                    keep(
                                        &mut errors,
                                        &format!("tosdr {}", cm.label),
                                        "NEG",
                                        format!(
                                            "tosdr {}",
                                            p.get("id").and_then(Value::as_str).unwrap_or("")
                                        ),
                                        text,
                                        patterns_for(&c, &cm.predicted),
                                    );
                                }
                            }
                        }
                    } else if let Some(row) = rows.get_mut(idx) {
                        // Quotes of a negative case that names the same value are not counted
                        // against precision here; they are scored in the absent table.
                        row.counts.add(gold, pred);
                        if gold != pred && options.errors_per_label > 0 {
                            let pats = if pred {
                                patterns_for(&c, &cm.predicted)
                            } else {
                                Vec::new()
                            };
                            keep(
                                &mut errors,
                                &format!("tosdr {}", cm.label),
                                if pred { "FP" } else { "FN" },
                                format!(
                                    "tosdr {} ({case})",
                                    p.get("id").and_then(Value::as_str).unwrap_or("")
                                ),
                                text,
                                pats,
                            );
                        }
                    }
                }
            }
            tosdr_rows = rows;
            tosdr_absent = absent;
        }
    }

    Ok(ScoreReport {
        split: options.split.key(),
        opp_policies: seen_policies.len(),
        opp_segments: n_segments,
        categories: cats,
        other,
        attributes: attrs,
        other_only,
        negated,
        c3pa: c3pa_rows,
        tosdr: tosdr_rows,
        tosdr_absent,
        errors,
    })
}

// ------------------------------------------------------------------------------------------
// One pattern on the dev split
// ------------------------------------------------------------------------------------------

/// `clausemap bench classify --dev --pattern ID…`: for each pattern, every OPP-115 `dev`
/// segment in which it matched (after its context and negation checks), whether the value it
/// gives was kept once thresholds and one_of choices were applied, and the segment's gold
/// labels; with, for each mapped label the pattern's values predict, how many of those segments
/// carry it. Dev only: the test split is held out for reporting. The segments are read and
/// classified once for all the patterns.
pub fn pattern_report(
    classifier: &Classifier,
    corpus_dir: &Path,
    mapping: &CorpusMapping,
    ids: &[String],
) -> Result<String, String> {
    let m = &mapping.opp115;
    let mut reports = ids
        .iter()
        .map(|id| PatternReport::new(classifier, m, id))
        .collect::<Result<Vec<_>, _>>()?;
    let opp = corpus_dir.join("opp115");
    let dev = split_policies(&opp, Split::Dev)?;
    let mut n_segments = 0;
    for seg in &read_jsonl(&opp.join("segments.jsonl"))? {
        let policy = seg.get("policy").and_then(Value::as_str).unwrap_or("");
        if !dev.contains(policy) {
            continue;
        }
        n_segments += 1;
        let text = seg.get("text").and_then(Value::as_str).unwrap_or("");
        let matches = classifier.matches(text);
        if !reports
            .iter()
            .any(|r| matches.iter().any(|e| e.pattern == r.id))
        {
            continue;
        }
        let segment = DevSegment {
            seg,
            text,
            place: format!(
                "{policy}#{}",
                seg.get("segment_id").and_then(Value::as_u64).unwrap_or(0)
            ),
            classification: classifier.classify(text),
            gold_cats: gold_categories(seg, m.min_votes),
            matches,
        };
        for r in &mut reports {
            r.add(&segment, m.min_votes);
        }
    }
    let mut out = String::new();
    for r in &reports {
        let _ = writeln!(out, "{}", r.to_markdown(n_segments));
    }
    Ok(out)
}

/// A dev segment in which some pattern of [`pattern_report`] matched.
struct DevSegment<'s> {
    seg: &'s Value,
    text: &'s str,
    /// `policy#segment`.
    place: String,
    /// Every pattern's raw matches ([`Classifier::matches`]).
    matches: Vec<super::Evidence>,
    classification: Classification,
    gold_cats: BTreeSet<String>,
}

/// One pattern's part of [`pattern_report`].
struct PatternReport<'a> {
    id: &'a str,
    values: super::PatternValues,
    category_rows: Vec<&'a LabelMapping>,
    attribute_rows: Vec<&'a AttributeMapping>,
    /// Per mapped row (categories, then attributes): matched segments gold for it.
    gold_counts: Vec<usize>,
    matched: usize,
    kept: usize,
    rows: String,
}

impl<'a> PatternReport<'a> {
    fn new(classifier: &Classifier, m: &'a Opp115Mapping, id: &'a str) -> Result<Self, String> {
        let values = classifier
            .pattern_values(id)
            .ok_or_else(|| format!("no pattern `{id}` in the classifier"))?;
        // The mapped rows whose predicted values the pattern gives (a value counts for the
        // rows of its ancestors: `personal.location.precise` for `personal.location`).
        let gives = |t: &Targets| {
            values.set.iter().chain(&values.when_negated).any(|(a, v)| {
                t.get(a)
                    .is_some_and(|vs| vs.values().iter().any(|x| value_within(v, x)))
            })
        };
        let category_rows: Vec<&LabelMapping> = m
            .categories
            .iter()
            .filter(|c| gives(&c.predicted))
            .collect();
        let attribute_rows: Vec<&AttributeMapping> = m
            .attributes
            .iter()
            .filter(|a| gives(&a.predicted))
            .collect();
        Ok(PatternReport {
            id,
            gold_counts: vec![0; category_rows.len() + attribute_rows.len()],
            values,
            category_rows,
            attribute_rows,
            matched: 0,
            kept: 0,
            rows: String::new(),
        })
    }

    fn add(&mut self, segment: &DevSegment, min_votes: u64) {
        let DevSegment {
            seg,
            text,
            place,
            matches,
            classification: c,
            gold_cats,
        } = segment;
        let hits: Vec<&super::Evidence> = matches.iter().filter(|e| e.pattern == self.id).collect();
        let Some(first) = hits.first() else { return };
        self.matched += 1;
        let kept = c.evidence.iter().any(|e| e.pattern == self.id);
        self.kept += usize::from(kept);
        let n_categories = self.category_rows.len();
        for (i, row) in self.category_rows.iter().enumerate() {
            self.gold_counts[i] += usize::from(gold_cats.contains(&row.label));
        }
        for (i, row) in self.attribute_rows.iter().enumerate() {
            self.gold_counts[n_categories + i] +=
                usize::from(gold_for_attribute(seg, row, gold_cats, min_votes));
        }
        let gold = if gold_cats.is_empty() {
            "(no majority)".to_string()
        } else {
            gold_cats.iter().cloned().collect::<Vec<_>>().join(", ")
        };
        let values: BTreeSet<String> = hits
            .iter()
            .map(|e| format!("{}: {}", e.attribute, e.value))
            .collect();
        let _ = writeln!(
            self.rows,
            "| {place} | {} | {} | {gold} | {} |",
            if kept { "yes" } else { "no" },
            values.into_iter().collect::<Vec<_>>().join("; "),
            in_context(text, first.start, first.end).replace('|', "\\|")
        );
    }

    fn to_markdown(&self, n_segments: usize) -> String {
        let pairs = |p: &[(String, String)]| {
            p.iter()
                .map(|(a, v)| format!("{a}: {v}"))
                .collect::<Vec<_>>()
                .join(", ")
        };
        let (id, matched) = (self.id, self.matched);
        let mut out = String::new();
        let _ = writeln!(out, "## Pattern `{id}` on the OPP-115 `dev` split\n");
        let _ = writeln!(
            out,
            "Sets {}{}. Matched in {matched} of {n_segments} segments (after its `requires`, `unless`, meta-sentence and negation checks); the value it gives was kept in {} of them (in the others a threshold, the fallback or a one_of choice set it aside).\n",
            if self.values.set.is_empty() { "nothing on a positive match".to_string() } else { pairs(&self.values.set) },
            if self.values.when_negated.is_empty() { String::new() } else { format!("; when negated, {}", pairs(&self.values.when_negated)) },
            self.kept,
        );
        if matched == 0 {
            return out;
        }
        if !self.gold_counts.is_empty() {
            let _ = writeln!(
                out,
                "| mapped label the pattern's values predict | segments where it matched that carry the label |\n|---|---:|"
            );
            let labels = self.category_rows.iter().map(|r| r.label.clone()).chain(
                self.attribute_rows.iter().map(|r| {
                    format!(
                        "{} / {} = {}",
                        r.category,
                        r.attribute,
                        r.values.join(" or ")
                    )
                }),
            );
            for (label, n) in labels.zip(&self.gold_counts) {
                let _ = writeln!(out, "| {label} | {n} / {matched} |");
            }
            out.push('\n');
        }
        let _ = writeln!(
            out,
            "| segment | kept | values | gold categories (majority) | the first match, in context |\n|---|---|---|---|---|"
        );
        out.push_str(&self.rows);
        out
    }
}

/// `text` with the chars `start..end` in bold and at most 80 chars either side.
fn in_context(text: &str, start: usize, end: usize) -> String {
    let chars: Vec<char> = text.chars().collect();
    let end = end.min(chars.len());
    let start = start.min(end);
    let from = start.saturating_sub(80);
    let to = (end + 80).min(chars.len());
    let piece = |a: usize, b: usize| -> String {
        chars[a..b]
            .iter()
            .collect::<String>()
            .replace(['\n', '\r'], " ")
    };
    format!(
        "{}{}**{}**{}{}",
        if from > 0 { "…" } else { "" },
        piece(from, start),
        piece(start, end),
        piece(end, to),
        if to < chars.len() { "…" } else { "" }
    )
}
