//! What goes in a memo, as plain Rust: the findings of a provision with what they take from
//! their rules, grouped and ranked (regulations → articles → findings, the exposure, the
//! findings on contracts and on choices, the actions ranked, the agencies, the facts still
//! unknown, the packs engaged) as indexes into the findings.
//!
//! Both ways of rendering a provision memo start from one [`ProvisionPlan`]:
//! [`super::context`] turns it into the tera context the templates see, and [`super::native`]
//! writes the built-in provision templates' text straight from it. So the two can differ only in
//! the text around the values, never in which values a memo shows or in their order. Document
//! memos use the same grouping functions.

use std::borrow::Borrow;
use std::sync::{Arc, OnceLock};

use serde_json::Value as Json;

use super::context::{Basis, Category, RuleValues, SeverityCount, Term};
use super::native::RuleFrags;
use crate::eval::parts::Text;
use crate::eval::{Finding, Outcome, Status};
use crate::model::Provision;
use crate::rules::Severity;

/// What a finding takes from its rule, the same for every finding of one rule with one status:
/// built once per run and shared. The renderings of it (tera values, escaped text) are built
/// on first use by the path that needs them.
pub struct RuleParts {
    /// The finding these were built from, without what is particular to its provision
    /// (`because`, `missing`, `review`): a later finding shares them only if it says the same.
    pub key: Finding,
    /// The index of its pack in the rule set.
    pub pack: Option<usize>,
    /// Numbers of its citation, regulation, article and actions: equal numbers, equal texts
    /// (the plans compare these instead of the texts).
    pub citation_id: u32,
    pub regulation_id: u32,
    pub article_id: u32,
    pub action_ids: Vec<u32>,
    /// The article's title in the pack's article index (empty when it has none).
    pub article_title: String,
    pub jurisdiction_name: String,
    /// The agencies the rule names, with what the packs say of them.
    pub agencies: Vec<AgencyInfo>,
    /// As tera values (the tera path).
    pub(super) tera: OnceLock<RuleValues>,
    /// As escaped text in the format of the run (the native path).
    pub(super) native: OnceLock<RuleFrags>,
}

/// An agency named by a rule, with the remit and address a pack gives it.
pub struct AgencyInfo {
    /// The number of its name.
    pub id: u32,
    pub name: Text,
    pub remit: Option<String>,
    pub url: Option<String>,
}

/// A finding with what it takes from its rule.
pub struct Item<'f> {
    pub finding: &'f Finding,
    /// The rule's index in the rule set.
    pub index: Option<usize>,
    pub parts: Arc<RuleParts>,
}

/// A regulation engaged by the findings: its pack, its gravest severity and strongest status,
/// its articles in first-seen order and the agencies its findings name.
pub struct RegulationPlan {
    pub pack: usize,
    pub severity: Severity,
    pub status: Status,
    pub articles: Vec<ArticlePlan>,
    pub agencies: Vec<AgencyPlan>,
}

/// A pinpoint article: the findings resting on it; the first gives the article's fields.
pub struct ArticlePlan {
    pub findings: Vec<usize>,
}

/// An agency: agency `agency` of finding `item`'s rule (the first to name it), and the
/// findings whose regulations it is named under, one per regulation in first-seen order.
pub struct AgencyPlan {
    pub item: usize,
    pub agency: usize,
    pub regulations: Vec<usize>,
}

/// An action: action `action` of finding `item`'s rule (the first to call for it), with the
/// gravest severity and strongest status of the findings calling for it, one finding per
/// citation, and (document memos) the provisions it concerns.
pub struct ActionPlan<'a> {
    pub item: usize,
    pub action: usize,
    pub severity: Severity,
    pub status: Status,
    pub citations: Vec<usize>,
    pub provisions: Vec<&'a str>,
}

/// A fact not stated, with one finding per citation it would change.
pub struct UnknownPlan<'a> {
    pub fact: &'a str,
    pub citations: Vec<usize>,
}

/// Everything a provision memo shows, computed once; indexes are into `items`.
pub struct ProvisionPlan<'a> {
    pub items: Vec<Item<'a>>,
    /// The gravest severity among findings that apply.
    pub severity: Option<Severity>,
    /// The findings that apply at that severity.
    pub reasons: Vec<usize>,
    pub counts: Vec<SeverityCount>,
    pub regulations: Vec<RegulationPlan>,
    /// Every agency the findings name, first-seen order.
    pub agencies: Vec<AgencyPlan>,
    pub actions: Vec<ActionPlan<'a>>,
    pub unknowns: Vec<UnknownPlan<'a>>,
    /// Findings whose rules read recipients or transfers.
    pub contracts: Vec<usize>,
    /// Findings whose rules read user choices or consent.
    pub choices: Vec<usize>,
    /// Per pack of the rule set: whether a finding comes from it.
    pub engaged: Vec<bool>,
    pub categories: Vec<Category<'a>>,
    pub recipients: Vec<Term<'a>>,
    pub transfers: Vec<Term<'a>>,
    pub offered: Vec<Term<'a>>,
    pub consent: Option<Term<'a>>,
    /// For a classified provision: the words behind each attribute (a non-empty list of the
    /// entries of its `evidence` that have the classifier's fields; see [`evidence`]).
    pub evidence: Option<Vec<&'a Json>>,
    /// For a classified provision: the parts of its text the classifier did not read (a table
    /// of contents, a heading; see [`skipped`]).
    pub skipped: Option<Vec<&'a Json>>,
}

impl<'a> Basis<'a> {
    /// What the memo of this provision shows.
    pub fn plan<'s>(&'s self, provision: &'s Provision, outcome: &'s Outcome) -> ProvisionPlan<'s> {
        let items: Vec<Item<'s>> = outcome.findings.iter().map(|f| self.item(f)).collect();
        let severity = outcome.severity;
        let reads = |pick: fn(&(bool, bool)) -> bool| -> Vec<usize> {
            items
                .iter()
                .enumerate()
                .filter(|(_, it)| it.index.and_then(|i| self.reads.get(i)).is_some_and(pick))
                .map(|(k, _)| k)
                .collect()
        };
        let contracts = reads(|r| r.0);
        let choices = reads(|r| r.1);
        let reasons = items
            .iter()
            .enumerate()
            .filter(|(_, it)| {
                it.finding.status == Status::Applies && Some(it.finding.severity) == severity
            })
            .map(|(k, _)| k)
            .collect();
        let attrs = provision.attributes.as_ref();
        ProvisionPlan {
            severity,
            reasons,
            counts: severity_counts(outcome.findings.iter(), &[]),
            regulations: regulations(&items),
            agencies: agencies(&items, 0..items.len()),
            actions: actions(&items, &[]),
            unknowns: unknowns(&items),
            contracts,
            choices,
            engaged: engaged(self, &items),
            categories: self.categories(attrs),
            recipients: self.terms(attrs, "recipients"),
            transfers: self.terms(attrs, "transfers"),
            offered: self.terms(attrs, "user_choices"),
            consent: self.terms(attrs, "consent").into_iter().next(),
            evidence: evidence(provision),
            skipped: skipped(provision),
            items,
        }
    }
}

/// The entries of a provision's `evidence` (the classifier's, or written by hand) that the memo
/// templates can show: objects with the text fields `attribute`, `value`, `text` and `pattern`,
/// and `start` and `end`. `None` when there is none.
pub fn evidence(provision: &Provision) -> Option<Vec<&Json>> {
    let shown: Vec<&Json> = provision
        .extra
        .get("evidence")?
        .as_array()?
        .iter()
        .filter(|e| {
            ["attribute", "value", "text", "pattern"]
                .iter()
                .all(|k| e.get(k).is_some_and(Json::is_string))
                && e.get("start").is_some()
                && e.get("end").is_some()
        })
        .collect();
    (!shown.is_empty()).then_some(shown)
}

/// The entries of a provision's `skipped` (written by `clausemap classify`: the parts of the
/// text it did not read, and why) that the memo templates can show: objects with an integer
/// `start` and `end` and a text `reason`. `None` when there is none.
pub fn skipped(provision: &Provision) -> Option<Vec<&Json>> {
    let shown: Vec<&Json> = provision
        .extra
        .get("skipped")?
        .as_array()?
        .iter()
        .filter(|s| {
            s.get("reason").is_some_and(Json::is_string)
                && ["start", "end"]
                    .iter()
                    .all(|k| s.get(k).is_some_and(Json::is_u64))
        })
        .collect();
    (!shown.is_empty()).then_some(shown)
}

/// The regulations these findings engage, in first-seen order, each with its articles and the
/// agencies its findings name.
pub fn regulations<'f, I: Borrow<Item<'f>>>(items: &[I]) -> Vec<RegulationPlan> {
    let mut out: Vec<RegulationPlan> = Vec::new();
    for (k, it) in items.iter().enumerate() {
        let it = it.borrow();
        let f = it.finding;
        let Some(pack) = it.parts.pack else {
            continue;
        };
        let i = match out.iter().position(|r| r.pack == pack) {
            Some(i) => i,
            None => {
                out.push(RegulationPlan {
                    pack,
                    severity: f.severity,
                    status: f.status,
                    articles: Vec::new(),
                    agencies: Vec::new(),
                });
                out.len() - 1
            }
        };
        let r = &mut out[i];
        r.severity = r.severity.max(f.severity);
        r.status = stronger(r.status, f.status);
        match r
            .articles
            .iter_mut()
            .find(|a| at(items, a.findings[0]).parts.article_id == it.parts.article_id)
        {
            Some(a) => a.findings.push(k),
            None => r.articles.push(ArticlePlan { findings: vec![k] }),
        }
    }
    for r in out.iter_mut() {
        let own = (0..items.len()).filter(|&k| at(items, k).parts.pack == Some(r.pack));
        r.agencies = agencies(items, own);
    }
    out
}

/// The agencies named by the findings `which`, first-seen order, each with the findings of
/// the regulations it is named under.
pub fn agencies<'f, I: Borrow<Item<'f>>>(
    items: &[I],
    which: impl IntoIterator<Item = usize>,
) -> Vec<AgencyPlan> {
    let mut out: Vec<AgencyPlan> = Vec::new();
    for k in which {
        let it = at(items, k);
        for (j, a) in it.parts.agencies.iter().enumerate() {
            let seen = out
                .iter_mut()
                .find(|s| at(items, s.item).parts.agencies[s.agency].id == a.id);
            if let Some(seen) = seen {
                let regulation = it.parts.regulation_id;
                if !seen
                    .regulations
                    .iter()
                    .any(|&r| at(items, r).parts.regulation_id == regulation)
                {
                    seen.regulations.push(k);
                }
                continue;
            }
            out.push(AgencyPlan {
                item: k,
                agency: j,
                regulations: vec![k],
            });
        }
    }
    out
}

/// The actions of the findings: one entry per action text, gravest first, then applying
/// first, then in the order of the findings. `provisions[k]` is the provision of finding `k`
/// (document memos; empty for a provision memo).
pub fn actions<'f, I: Borrow<Item<'f>>>(
    items: &[I],
    provisions: &[&'f str],
) -> Vec<ActionPlan<'f>> {
    let mut out: Vec<ActionPlan<'f>> = Vec::new();
    let mut texts: Vec<u32> = Vec::new();
    for (k, it) in items.iter().enumerate() {
        let it: &Item<'f> = it.borrow();
        let f = it.finding;
        let citation = it.parts.citation_id;
        for (j, &text) in it.parts.action_ids.iter().enumerate() {
            let i = match texts.iter().position(|t| *t == text) {
                Some(i) => i,
                None => {
                    texts.push(text);
                    out.push(ActionPlan {
                        item: k,
                        action: j,
                        severity: f.severity,
                        status: f.status,
                        citations: Vec::new(),
                        provisions: Vec::new(),
                    });
                    out.len() - 1
                }
            };
            let a = &mut out[i];
            a.severity = a.severity.max(f.severity);
            a.status = stronger(a.status, f.status);
            if !a
                .citations
                .iter()
                .any(|&c| at(items, c).parts.citation_id == citation)
            {
                a.citations.push(k);
            }
            if let Some(&p) = provisions.get(k) {
                if !p.is_empty() && !a.provisions.contains(&p) {
                    a.provisions.push(p);
                }
            }
        }
    }
    // Stable: ties keep the gravest-first order of the findings.
    out.sort_by(|a, b| {
        b.severity
            .cmp(&a.severity)
            .then(status_rank(b.status).cmp(&status_rank(a.status)))
    });
    out
}

/// The facts not stated, first-seen order, each with one finding per citation it would change.
pub fn unknowns<'f, I: Borrow<Item<'f>>>(items: &[I]) -> Vec<UnknownPlan<'f>> {
    let mut out: Vec<UnknownPlan<'f>> = Vec::new();
    for (k, it) in items.iter().enumerate() {
        let it: &Item<'f> = it.borrow();
        let citation = it.parts.citation_id;
        for m in &it.finding.missing {
            let m: &str = m;
            match out.iter_mut().find(|u| u.fact == m) {
                Some(u) => {
                    if !u
                        .citations
                        .iter()
                        .any(|&c| at(items, c).parts.citation_id == citation)
                    {
                        u.citations.push(k);
                    }
                }
                None => out.push(UnknownPlan {
                    fact: m,
                    citations: vec![k],
                }),
            }
        }
    }
    out
}

/// Per pack of the rule set, whether one of these findings comes from it (names its
/// regulation).
pub fn engaged<'f, I: Borrow<Item<'f>>>(basis: &Basis<'_>, items: &[I]) -> Vec<bool> {
    basis
        .pack_ids
        .iter()
        .map(|&p| items.iter().any(|it| it.borrow().parts.regulation_id == p))
        .collect()
}

/// Findings per severity (and of them, applying), gravest first, with the provisions whose
/// own severity each is.
pub fn severity_counts<'f>(
    findings: impl Iterator<Item = &'f Finding>,
    provisions: &[Option<Severity>],
) -> Vec<SeverityCount> {
    let mut counts: Vec<SeverityCount> = Severity::ALL
        .iter()
        .rev()
        .map(|&s| SeverityCount {
            severity: s,
            findings: 0,
            applies: 0,
            provisions: provisions.iter().filter(|p| **p == Some(s)).count(),
        })
        .collect();
    for f in findings {
        if let Some(c) = counts.iter_mut().find(|c| c.severity == f.severity) {
            c.findings += 1;
            if f.status == Status::Applies {
                c.applies += 1;
            }
        }
    }
    counts
}

/// Finding `k` of a list of findings.
fn at<'x, 'f, I: Borrow<Item<'f>>>(items: &'x [I], k: usize) -> &'x Item<'f> {
    items[k].borrow()
}

pub fn status_rank(s: Status) -> u8 {
    match s {
        Status::Applies => 2,
        Status::Undetermined => 1,
        Status::Upcoming => 0,
    }
}

pub fn stronger(a: Status, b: Status) -> Status {
    if status_rank(b) > status_rank(a) {
        b
    } else {
        a
    }
}

/// How the peer documents (`clausemap memo --peers`) handle one purpose of the provision.
pub struct PeerPlan<'a> {
    /// The purpose, with its description.
    pub term: Term<'a>,
    /// What is compared, in words: `purpose has "ai_training"`.
    pub practice: String,
    /// One per peer document with a provision of that purpose (its gravest), by entity.
    pub rows: Vec<crate::compare::Row>,
    /// Each row's clause on one line, cut after 220 characters (with `…`).
    pub excerpts: Vec<String>,
}

impl Basis<'_> {
    /// For each purpose the provision states, in the order it states them, how the peer
    /// documents handle it.
    pub fn peer_plan<'s>(
        &'s self,
        provision: &'s Provision,
        peers: &crate::compare::Peers,
    ) -> Vec<PeerPlan<'s>> {
        self.terms(provision.attributes.as_ref(), "purpose")
            .into_iter()
            .filter_map(|term| {
                // A value the vocabulary does not know is reported by evaluation, not here.
                let (attr, id, practice) = crate::compare::practice(self.set, term.value).ok()?;
                let rows = peers.rows(attr, id);
                let excerpts = rows
                    .iter()
                    .map(|r| crate::compare::excerpt(&r.text, 220))
                    .collect();
                Some(PeerPlan {
                    term,
                    practice,
                    rows,
                    excerpts,
                })
            })
            .collect()
    }
}
