//! `clausemap diff`: what changed between two versions of a policy, or of the rule packs.
//!
//! - `diff OLD NEW` takes two provision files, pairs their provisions (same id, else same text
//!   fingerprint, else the most similar text above [`SIMILAR`]: Jaccard on word shingles),
//!   and lists added, removed and changed provisions with a word-level diff of the text, the
//!   findings that appeared, disappeared or changed severity or status, and the review
//!   decisions (from the old version's ledger) that the change made stale.
//! - `diff --rules OLD_DIR --rules-new NEW_DIR FILE...` evaluates the same provisions under two
//!   rule sets and lists every finding that changed.
//!
//! Output: a table, JSON or Markdown ([`render`]). Raw policies (txt, md, html) are read
//! through [`load_version`], the hook where the classifier plugs in.

pub mod text;

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt::Write as _;
use std::path::Path;

use serde::Serialize;

use crate::cli::{DiffArgs, DiffFormat};
use crate::date::Date;
use crate::error::{Exit, Problem};
use crate::eval::{self, Finding, Outcome};
use crate::model::{Document, Provision};
use crate::review::{self, Ledger};
use crate::rules::RuleSet;
use text::Segment;

/// Two texts at least this similar (Jaccard on word 3-shingles) are one provision, changed.
pub const SIMILAR: f64 = 0.5;
/// The most old × new pairs compared by similarity; past it unmatched provisions stay
/// added and removed.
const MAX_PAIRS: usize = 4_000_000;
/// Words of unchanged text shown around a change.
const CONTEXT: usize = 6;

/// A finding, as far as a diff is concerned.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct FindingRef {
    pub rule: String,
    pub regulation: String,
    pub citation: String,
    pub jurisdiction: String,
    pub severity: String,
    pub status: String,
}

impl FindingRef {
    fn of(f: &Finding) -> FindingRef {
        FindingRef {
            rule: f.rule.to_string(),
            regulation: f.regulation.to_string(),
            citation: f.citation.to_string(),
            jurisdiction: f.jurisdiction.to_string(),
            severity: f.severity.as_str().to_string(),
            status: f.status.as_str().to_string(),
        }
    }

    fn line(&self) -> String {
        format!(
            "{} {} {} ({}, {})",
            self.severity, self.status, self.citation, self.jurisdiction, self.rule
        )
    }
}

/// A finding whose severity, status or citation changed.
#[derive(Clone, Debug, Serialize)]
pub struct FindingChange {
    pub rule: String,
    pub citation: String,
    pub jurisdiction: String,
    pub from: FindingRef,
    pub to: FindingRef,
}

/// How the findings of one provision changed.
#[derive(Clone, Debug, Default, Serialize)]
pub struct FindingDelta {
    pub appeared: Vec<FindingRef>,
    pub disappeared: Vec<FindingRef>,
    pub changed: Vec<FindingChange>,
}

impl FindingDelta {
    pub fn is_empty(&self) -> bool {
        self.appeared.is_empty() && self.disappeared.is_empty() && self.changed.is_empty()
    }

    /// Compare two lists of findings by rule.
    pub fn between(old: &[Finding], new: &[Finding]) -> FindingDelta {
        let o: BTreeMap<&str, &Finding> = old.iter().map(|f| (&*f.rule, f)).collect();
        let n: BTreeMap<&str, &Finding> = new.iter().map(|f| (&*f.rule, f)).collect();
        let mut d = FindingDelta::default();
        for (rule, f) in &n {
            match o.get(rule) {
                None => d.appeared.push(FindingRef::of(f)),
                Some(g) => {
                    let (from, to) = (FindingRef::of(g), FindingRef::of(f));
                    if from.severity != to.severity
                        || from.status != to.status
                        || from.citation != to.citation
                    {
                        d.changed.push(FindingChange {
                            rule: rule.to_string(),
                            citation: to.citation.clone(),
                            jurisdiction: to.jurisdiction.clone(),
                            from,
                            to,
                        });
                    }
                }
            }
        }
        for (rule, f) in &o {
            if !n.contains_key(rule) {
                d.disappeared.push(FindingRef::of(f));
            }
        }
        d
    }
}

/// A decision recorded on the old text that no longer holds on the new one.
#[derive(Clone, Debug, Serialize)]
pub struct StaleDecision {
    pub provision: String,
    pub rule: String,
    pub decision: String,
    pub reviewer: String,
    pub date: Date,
    pub reason: String,
    /// Whether the finding still exists on the new text (else the decision is only history).
    pub finding_remains: bool,
}

/// A provision in only one of the versions.
#[derive(Clone, Debug, Serialize)]
pub struct Lone {
    pub document: String,
    pub id: String,
    pub title: String,
    pub excerpt: String,
    pub findings: Vec<FindingRef>,
}

/// A provision in both versions whose text or findings changed.
#[derive(Clone, Debug, Serialize)]
pub struct Changed {
    pub document: String,
    pub id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub old_id: Option<String>,
    pub title: String,
    /// How the two were paired: `id`, `fingerprint` or `similarity`.
    pub matched_by: &'static str,
    pub similarity: f64,
    pub text_changed: bool,
    pub text_diff: Vec<Segment>,
    pub findings: FindingDelta,
    pub stale_reviews: Vec<StaleDecision>,
}

/// Everything `diff OLD NEW` says.
#[derive(Clone, Debug, Serialize)]
pub struct VersionDiff {
    pub old: String,
    pub new: String,
    pub as_of: Date,
    pub added: Vec<Lone>,
    pub removed: Vec<Lone>,
    pub changed: Vec<Changed>,
    pub unchanged: usize,
    /// Decisions on provisions that were removed (kept in the ledger, matching nothing now).
    pub orphaned_reviews: Vec<StaleDecision>,
}

/// One version, evaluated.
struct Version {
    docs: Vec<Document>,
    outcomes: Vec<Vec<Outcome>>,
}

impl Version {
    fn items(&self) -> Vec<(&Document, &Provision, &Outcome)> {
        self.docs
            .iter()
            .zip(&self.outcomes)
            .flat_map(|(d, os)| d.provisions.iter().zip(os).map(move |(p, o)| (d, p, o)))
            .collect()
    }
}

/// Read one version of a policy: a provision file, or a raw policy (text, Markdown, HTML) split
/// and classified on the way in, so that `diff` compares raw policies as well.
pub fn load_version(set: &crate::rules::RuleSet, path: &Path) -> Result<Vec<Document>, Problem> {
    crate::classify_support::load_documents(set, path)
}

fn evaluate(set: &RuleSet, docs: Vec<Document>, as_of: Date) -> Version {
    let outcomes = docs
        .iter()
        .map(|d| eval::evaluate_document(set, d, as_of))
        .collect();
    Version { docs, outcomes }
}

/// Pair old and new provisions: by id, then by fingerprint, then by similarity.
/// Returns (old index, new index, how, similarity) and the unpaired of each side.
#[allow(clippy::type_complexity)]
pub fn pair(
    old: &[(&str, &str)],
    new: &[(&str, &str)],
) -> (
    Vec<(usize, usize, &'static str, f64)>,
    Vec<usize>,
    Vec<usize>,
) {
    let mut pairs = Vec::new();
    let mut old_left: Vec<bool> = vec![true; old.len()];
    let mut new_left: Vec<bool> = vec![true; new.len()];
    let mut by_id: HashMap<&str, usize> = HashMap::new();
    for (i, (id, _)) in old.iter().enumerate() {
        by_id.entry(id).or_insert(i);
    }
    for (j, (id, _)) in new.iter().enumerate() {
        if let Some(&i) = by_id.get(id) {
            if old_left[i] {
                old_left[i] = false;
                new_left[j] = false;
                pairs.push((i, j, "id", text::similarity(old[i].1, new[j].1)));
            }
        }
    }
    let fp_old: Vec<String> = old.iter().map(|(_, t)| review::fingerprint(t)).collect();
    let fp_new: Vec<String> = new.iter().map(|(_, t)| review::fingerprint(t)).collect();
    let mut by_fp: HashMap<&str, Vec<usize>> = HashMap::new();
    for (i, fp) in fp_old.iter().enumerate() {
        if old_left[i] {
            by_fp.entry(fp).or_default().push(i);
        }
    }
    for j in 0..new.len() {
        if !new_left[j] {
            continue;
        }
        if let Some(is) = by_fp.get_mut(fp_new[j].as_str()) {
            if let Some(pos) = is.iter().position(|&i| old_left[i]) {
                let i = is.remove(pos);
                old_left[i] = false;
                new_left[j] = false;
                pairs.push((i, j, "fingerprint", 1.0));
            }
        }
    }
    let olds: Vec<usize> = (0..old.len()).filter(|&i| old_left[i]).collect();
    let news: Vec<usize> = (0..new.len()).filter(|&j| new_left[j]).collect();
    if olds.len().saturating_mul(news.len()) <= MAX_PAIRS {
        let mut candidates = Vec::new();
        for &i in &olds {
            for &j in &news {
                let s = text::similarity(old[i].1, new[j].1);
                if s >= SIMILAR {
                    candidates.push((s, i, j));
                }
            }
        }
        candidates.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)).then(a.2.cmp(&b.2)));
        for (s, i, j) in candidates {
            if old_left[i] && new_left[j] {
                old_left[i] = false;
                new_left[j] = false;
                pairs.push((i, j, "similarity", s));
            }
        }
    }
    pairs.sort_by_key(|p| p.1);
    let removed = (0..old.len()).filter(|&i| old_left[i]).collect();
    let added = (0..new.len()).filter(|&j| new_left[j]).collect();
    (pairs, removed, added)
}

fn lone(d: &Document, p: &Provision, o: &Outcome) -> Lone {
    Lone {
        document: d.meta.id.clone(),
        id: p.id.clone(),
        title: p.title.clone(),
        excerpt: crate::flags::excerpt(&p.text, 100),
        findings: o.findings.iter().map(FindingRef::of).collect(),
    }
}

fn stale_entries(
    ledger: &Ledger,
    fingerprint: &str,
    remaining: &HashSet<&str>,
) -> Vec<StaleDecision> {
    ledger
        .decisions
        .iter()
        .filter(|e| e.fingerprint == fingerprint)
        .map(|e| StaleDecision {
            provision: e.provision.clone(),
            rule: e.rule.clone(),
            decision: e.decision.as_str().to_string(),
            reviewer: e.reviewer.clone(),
            date: e.date,
            reason: e.reason.clone(),
            finding_remains: remaining.contains(e.rule.as_str()),
        })
        .collect()
}

/// Compare two evaluated versions.
fn versions(
    old_name: &str,
    new_name: &str,
    old: &Version,
    new: &Version,
    ledger: &Ledger,
    as_of: Date,
) -> VersionDiff {
    let a = old.items();
    let b = new.items();
    let keys_a: Vec<(&str, &str)> = a
        .iter()
        .map(|(_, p, _)| (p.id.as_str(), p.text.as_str()))
        .collect();
    let keys_b: Vec<(&str, &str)> = b
        .iter()
        .map(|(_, p, _)| (p.id.as_str(), p.text.as_str()))
        .collect();
    let (pairs, removed, added) = pair(&keys_a, &keys_b);
    let mut out = VersionDiff {
        old: old_name.to_string(),
        new: new_name.to_string(),
        as_of,
        added: added
            .iter()
            .map(|&j| lone(b[j].0, b[j].1, b[j].2))
            .collect(),
        removed: removed
            .iter()
            .map(|&i| lone(a[i].0, a[i].1, a[i].2))
            .collect(),
        changed: Vec::new(),
        unchanged: 0,
        orphaned_reviews: Vec::new(),
    };
    for &i in &removed {
        let fp = review::fingerprint(&a[i].1.text);
        out.orphaned_reviews
            .extend(stale_entries(ledger, &fp, &HashSet::new()));
    }
    for (i, j, how, sim) in pairs {
        let ((_, po, oo), (dn, pn, on)) = (a[i], b[j]);
        let fp_old = review::fingerprint(&po.text);
        let fp_new = review::fingerprint(&pn.text);
        let text_changed = fp_old != fp_new;
        let findings = FindingDelta::between(&oo.findings, &on.findings);
        if !text_changed && findings.is_empty() && po.id == pn.id {
            out.unchanged += 1;
            continue;
        }
        let remaining: HashSet<&str> = on.findings.iter().map(|f| &*f.rule).collect();
        out.changed.push(Changed {
            document: dn.meta.id.clone(),
            id: pn.id.clone(),
            old_id: (po.id != pn.id).then(|| po.id.clone()),
            title: pn.title.clone(),
            matched_by: how,
            similarity: (sim * 1000.0).round() / 1000.0,
            text_changed,
            text_diff: if text_changed {
                text::word_diff(&po.text, &pn.text)
            } else {
                Vec::new()
            },
            findings,
            stale_reviews: if text_changed {
                stale_entries(ledger, &fp_old, &remaining)
            } else {
                Vec::new()
            },
        });
    }
    out
}

/// A provision whose findings differ between two rule sets.
#[derive(Clone, Debug, Serialize)]
pub struct RulesChange {
    pub file: String,
    pub document: String,
    pub id: String,
    pub title: String,
    pub findings: FindingDelta,
}

/// Everything `diff --rules OLD --rules-new NEW FILE...` says.
#[derive(Clone, Debug, Serialize)]
pub struct RulesDiff {
    pub old_rules: String,
    pub new_rules: String,
    pub old_rules_sha256: String,
    pub new_rules_sha256: String,
    pub as_of: Date,
    pub provisions: usize,
    pub changed: Vec<RulesChange>,
    pub appeared: usize,
    pub disappeared: usize,
    pub changed_findings: usize,
}

fn rules_diff(args: &DiffArgs, new_dir: &Path) -> Result<RulesDiff, Vec<Problem>> {
    let old_set = crate::commands::load_rules(args.rules.rules.as_deref())?;
    let new_set = crate::commands::load_rules(Some(new_dir))?;
    let as_of = args.rules.as_of.unwrap_or_else(Date::today);
    let mut out = RulesDiff {
        old_rules: args.rules.rules.as_ref().map_or_else(
            || "the built-in rules".to_string(),
            |d| d.display().to_string(),
        ),
        new_rules: new_dir.display().to_string(),
        old_rules_sha256: old_set.digest(),
        new_rules_sha256: new_set.digest(),
        as_of,
        provisions: 0,
        changed: Vec::new(),
        appeared: 0,
        disappeared: 0,
        changed_findings: 0,
    };
    let mut problems = Vec::new();
    for path in &args.files {
        let file = path.display().to_string();
        let mut each = |doc: Document| -> std::io::Result<()> {
            let old = eval::evaluate_document(&old_set, &doc, as_of);
            let new = eval::evaluate_document(&new_set, &doc, as_of);
            for (o, n) in old.iter().zip(&new) {
                out.provisions += 1;
                let d = FindingDelta::between(&o.findings, &n.findings);
                if d.is_empty() {
                    continue;
                }
                out.appeared += d.appeared.len();
                out.disappeared += d.disappeared.len();
                out.changed_findings += d.changed.len();
                out.changed.push(RulesChange {
                    file: file.clone(),
                    document: n.document.clone(),
                    id: n.id.clone(),
                    title: n.title.clone(),
                    findings: d,
                });
            }
            Ok(())
        };
        match crate::commands::for_each_document(&old_set, path, &mut each) {
            Ok(Ok(())) => {}
            Ok(Err(e)) => problems.push(Problem::new("input::io", format!("cannot read: {e}"))),
            Err(p) => problems.push(p),
        }
    }
    if problems.is_empty() {
        Ok(out)
    } else {
        Err(problems)
    }
}

/// `clausemap diff`.
pub fn run(args: DiffArgs) -> Result<Exit, Vec<Problem>> {
    if let Some(new_dir) = args.rules_new.clone() {
        let d = rules_diff(&args, &new_dir)?;
        crate::commands::emit(&render_rules(&d, args.format)?);
        return Ok(Exit::Ok);
    }
    let [old_path, new_path] = args.files.as_slice() else {
        return Err(vec![Problem::new(
            "usage::diff",
            format!(
                "`diff` compares two versions: OLD and NEW (got {} files)",
                args.files.len()
            ),
        )
        .help("write `clausemap diff OLD NEW`, or `clausemap diff --rules OLD_DIR --rules-new NEW_DIR FILE...`")]);
    };
    let set = crate::commands::load_rules(args.rules.rules.as_deref())?;
    let as_of = args.rules.as_of.unwrap_or_else(Date::today);
    let old_docs = load_version(&set, old_path).map_err(|p| vec![p])?;
    let new_docs = load_version(&set, new_path).map_err(|p| vec![p])?;
    // The old version's ledger; when it has none, the new one's (a policy edited in place
    // keeps its ledger beside the new version).
    let ledger = match review::ledger_for(old_path, args.ledger.as_deref()).map_err(|p| vec![p])? {
        Some(l) => l,
        None => review::ledger_for(new_path, None)
            .map_err(|p| vec![p])?
            .unwrap_or_else(Ledger::new),
    };
    let old = evaluate(&set, old_docs, as_of);
    let new = evaluate(&set, new_docs, as_of);
    let d = versions(
        &old_path.display().to_string(),
        &new_path.display().to_string(),
        &old,
        &new,
        &ledger,
        as_of,
    );
    crate::commands::emit(&render(&d, args.format)?);
    Ok(Exit::Ok)
}

fn json<T: Serialize>(value: &T) -> Result<String, Vec<Problem>> {
    serde_json::to_string_pretty(value)
        .map(|s| s + "\n")
        .map_err(|e| {
            vec![Problem::new(
                "output::json",
                format!("cannot write JSON: {e}"),
            )]
        })
}

fn delta_lines(out: &mut String, d: &FindingDelta, indent: &str, md: bool) {
    let esc = |s: String| if md { text::markdown_escape(&s) } else { s };
    // Markdown lists would read a leading `+` or `-` as another list.
    let (plus, minus, tilde) = if md { ("", "", "") } else { ("+ ", "- ", "~ ") };
    for f in &d.appeared {
        let _ = writeln!(out, "{indent}{plus}appeared: {}", esc(f.line()));
    }
    for f in &d.disappeared {
        let _ = writeln!(out, "{indent}{minus}disappeared: {}", esc(f.line()));
    }
    for c in &d.changed {
        let _ = writeln!(
            out,
            "{indent}{tilde}changed: {} ({}, {}): {} {} → {} {}",
            esc(c.citation.clone()),
            esc(c.jurisdiction.clone()),
            esc(c.rule.clone()),
            c.from.severity,
            c.from.status,
            c.to.severity,
            c.to.status
        );
    }
}

/// Render a version diff.
pub fn render(d: &VersionDiff, format: DiffFormat) -> Result<String, Vec<Problem>> {
    if format == DiffFormat::Json {
        return json(d);
    }
    let md = format == DiffFormat::Md;
    let esc = |s: &str| {
        if md {
            text::markdown_escape(s)
        } else {
            s.to_string()
        }
    };
    let mut out = String::new();
    let (h1, h2, bullet, sub) = if md {
        ("# ", "## ", "- ", "  - ")
    } else {
        ("", "", "  ", "      ")
    };
    let _ = writeln!(
        out,
        "{h1}diff {} → {} (as of {})",
        esc(&d.old),
        esc(&d.new),
        d.as_of
    );
    let _ = writeln!(
        out,
        "{} added, {} removed, {} changed, {} unchanged",
        d.added.len(),
        d.removed.len(),
        d.changed.len(),
        d.unchanged
    );
    for (title, list, sign) in [("added", &d.added, '+'), ("removed", &d.removed, '-')] {
        if list.is_empty() {
            continue;
        }
        let _ = writeln!(out, "\n{h2}{title} ({})", list.len());
        let mark = if md {
            String::new()
        } else {
            format!("{sign} ")
        };
        for l in list {
            let _ = writeln!(
                out,
                "{bullet}{mark}{} {} — {}",
                esc(&l.id),
                esc(&l.title),
                esc(&l.excerpt)
            );
            for f in &l.findings {
                let what = if sign == '+' {
                    "appeared"
                } else {
                    "disappeared"
                };
                let _ = writeln!(out, "{sub}{mark}{what}: {}", esc(&f.line()));
            }
        }
    }
    if !d.changed.is_empty() {
        let _ = writeln!(out, "\n{h2}changed ({})", d.changed.len());
    }
    for c in &d.changed {
        let renamed = c
            .old_id
            .as_ref()
            .map(|o| {
                format!(
                    " (was {}, matched by {} {:.2})",
                    esc(o),
                    c.matched_by,
                    c.similarity
                )
            })
            .unwrap_or_default();
        let _ = writeln!(
            out,
            "{bullet}{}{} {}{renamed}",
            if md { "" } else { "~ " },
            esc(&c.id),
            esc(&c.title)
        );
        if c.text_changed {
            let diff = if md {
                text::render_markdown(&c.text_diff, CONTEXT)
            } else {
                text::render_plain(&c.text_diff, CONTEXT)
            };
            let _ = writeln!(out, "{sub}text: {diff}");
        }
        delta_lines(&mut out, &c.findings, sub, md);
        for s in &c.stale_reviews {
            let _ = writeln!(
                out,
                "{sub}! review now stale: {} `{}` by {} {}{}",
                s.decision,
                esc(&s.rule),
                esc(&s.reviewer),
                s.date,
                if s.finding_remains {
                    ""
                } else {
                    " (the finding is gone)"
                }
            );
        }
    }
    if !d.orphaned_reviews.is_empty() {
        let _ = writeln!(
            out,
            "\n{h2}decisions on removed provisions ({})",
            d.orphaned_reviews.len()
        );
        for s in &d.orphaned_reviews {
            let _ = writeln!(
                out,
                "{bullet}{} `{}` on {} by {} {}",
                s.decision,
                esc(&s.rule),
                esc(&s.provision),
                esc(&s.reviewer),
                s.date
            );
        }
    }
    Ok(out)
}

/// Render a rule-set diff.
pub fn render_rules(d: &RulesDiff, format: DiffFormat) -> Result<String, Vec<Problem>> {
    if format == DiffFormat::Json {
        return json(d);
    }
    let md = format == DiffFormat::Md;
    let esc = |s: &str| {
        if md {
            text::markdown_escape(s)
        } else {
            s.to_string()
        }
    };
    let (h1, bullet, sub) = if md {
        ("# ", "- ", "  - ")
    } else {
        ("", "  ", "      ")
    };
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{h1}findings under {} → {} (as of {})",
        esc(&d.old_rules),
        esc(&d.new_rules),
        d.as_of
    );
    let _ = writeln!(
        out,
        "{} provisions, {} changed: {} findings appeared, {} disappeared, {} changed",
        d.provisions,
        d.changed.len(),
        d.appeared,
        d.disappeared,
        d.changed_findings
    );
    for c in &d.changed {
        let _ = writeln!(
            out,
            "\n{bullet}{} / {} {}",
            esc(&c.document),
            esc(&c.id),
            esc(&c.title)
        );
        delta_lines(&mut out, &c.findings, sub, md);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pairs_by_id_then_fingerprint_then_similarity() {
        let old = [
            ("a", "we sell data"),
            ("b", "cookies are small files we store"),
            (
                "c",
                "we use your personal data to train our models and improve them",
            ),
            ("d", "gone forever"),
        ];
        let new = [
            ("a", "we share data"),
            ("x", "cookies are  small files we store"),
            (
                "y",
                "we use your personal data to train our models and to improve them",
            ),
            ("z", "brand new text"),
        ];
        let (pairs, removed, added) = pair(&old, &new);
        let how: Vec<(usize, usize, &str)> = pairs.iter().map(|p| (p.0, p.1, p.2)).collect();
        assert_eq!(
            how,
            vec![(0, 0, "id"), (1, 1, "fingerprint"), (2, 2, "similarity")]
        );
        assert_eq!(removed, vec![3]);
        assert_eq!(added, vec![3]);
    }
}
