//! The context templates see: one documented, serializable structure per kind of memo.
//!
//! Takes evaluated [`Outcome`]s with their [`Document`] and the [`RuleSet`] that produced them,
//! and returns a [`ProvisionMemo`] or a [`DocumentMemo`]. These structs are the public interface
//! of the templates (documented field by field in `docs/templates.md`): templates never reach
//! into clausemap's internals, and fields are added here, never renamed or removed.
//!
//! Everything a memo says comes from a rule pack (obligations, actions, penalties, agencies,
//! citations), from the vocabulary (the meaning of attribute values, jurisdiction names) or from
//! the input (the clause, its attributes, the document). Orders are fixed: findings gravest
//! first as evaluation sorts them, and every derived list in first-seen order of those findings,
//! so the same input always gives the same context.

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::{Map, Value as Json};

use crate::date::Date;
use crate::eval::cond::Cond;
use crate::eval::{Finding, Flag, Outcome, Status};
use crate::model::{Document, Provision};
use crate::report::VERSION;
use crate::rules::{Pack, RuleKind, RuleSet, Severity};
use crate::vocab::ValueType;

/// What kind of memo, in which format, as of when, by which clausemap.
#[derive(Clone, Debug, Serialize)]
pub struct MemoInfo {
    /// `provision` or `document`.
    pub kind: &'static str,
    /// `md` or `html`.
    pub format: &'static str,
    pub as_of: Date,
    pub clausemap: &'static str,
}

#[derive(Clone, Debug, Serialize)]
pub struct EntityView<'a> {
    pub id: &'a str,
    pub name: &'a str,
}

#[derive(Clone, Debug, Serialize)]
pub struct DocumentView<'a> {
    pub id: &'a str,
    pub title: &'a str,
    pub url: &'a str,
    pub updated: Option<&'a str>,
    pub captured: Option<&'a str>,
    /// The provision file it was read from, as given on the command line.
    pub file: &'a str,
}

/// A value of the vocabulary with its meaning.
#[derive(Clone, Debug, Serialize)]
pub struct Term<'a> {
    pub value: &'a str,
    /// The vocabulary's description of the value (the value itself when there is none).
    pub label: &'a str,
}

/// One attribute of the provision, as classified.
#[derive(Clone, Debug, Serialize)]
pub struct Category<'a> {
    pub attribute: &'a str,
    /// The vocabulary's description of the attribute.
    pub label: &'a str,
    pub values: Vec<Term<'a>>,
}

#[derive(Clone, Debug, Serialize)]
pub struct ProvisionView<'a> {
    pub id: &'a str,
    pub title: &'a str,
    /// The clause, in full, as read.
    pub text: &'a str,
    /// SHA-256 of `text` (UTF-8), lowercase hex.
    pub sha256: &'a str,
    pub severity: Option<Severity>,
    /// Every attribute the provision states, in vocabulary order.
    pub categories: Vec<Category<'a>>,
    /// What was wrong with the provision; when not empty there are no findings.
    pub errors: &'a [String],
    /// For a classified provision: the words behind each attribute (attribute, value,
    /// pattern, start, end, text).
    pub evidence: Option<&'a serde_json::Value>,
}

/// One finding, as the rule pack states it.
#[derive(Clone, Debug, Serialize)]
pub struct FindingView<'a> {
    pub rule: &'a str,
    pub regulation: &'a str,
    /// The printed pinpoint citation, e.g. `GDPR Art. 6(1)(f)`.
    pub citation: &'a str,
    pub article: &'a str,
    /// The article's title in the pack's article index.
    pub article_title: &'a str,
    pub title: &'a str,
    pub jurisdiction: &'a str,
    pub jurisdiction_name: &'a str,
    pub severity: Severity,
    pub status: Status,
    /// For `upcoming` findings: the date the rule comes into force.
    pub in_force: Option<Date>,
    pub obligation: &'a str,
    pub agencies: &'a [String],
    pub actions: &'a [String],
    /// The conditions that held, with the values that met them.
    pub because: &'a [String],
    /// For `undetermined` findings: the facts whose absence keeps the finding open.
    pub missing: &'a [String],
    /// The official source of the article (or of the regulation).
    pub source: &'a str,
    /// The reviewer's decision on this finding, when a review ledger has one.
    pub review: Option<&'a serde_json::Value>,
}

/// A pinpoint article of an engaged regulation, with the findings resting on it.
#[derive(Clone, Debug, Serialize)]
pub struct ArticleView<'a> {
    pub article: &'a str,
    pub citation: &'a str,
    pub title: &'a str,
    pub source: &'a str,
    /// Short references: the full findings are in the memo's `findings`.
    pub findings: Vec<FindingRef<'a>>,
}

/// An agency named by a rule, with what the pack says of it.
#[derive(Clone, Debug, Serialize)]
pub struct AgencyView<'a> {
    pub name: &'a str,
    pub remit: Option<&'a str>,
    pub url: Option<&'a str>,
    /// The regulations under which it is named, in first-seen order.
    pub regulations: Vec<&'a str>,
}

/// What a pack says of its regulation; shared by provision and document memos and
/// serialised inline (`regulation`, `name`, … sit beside the other fields).
#[derive(Clone, Copy, Debug, Serialize)]
pub struct PackHeader<'a> {
    pub regulation: &'a str,
    pub name: &'a str,
    /// The official citation, e.g. `Regulation (EU) 2016/679`.
    pub citation: &'a str,
    pub jurisdiction: &'a str,
    pub jurisdiction_name: &'a str,
    pub in_force: Date,
    pub source: &'a str,
    /// The pack's statement of penalties (empty when the pack has none).
    pub penalties: &'a str,
}

/// A regulation engaged by the provision.
#[derive(Clone, Debug, Serialize)]
pub struct RegulationView<'a> {
    #[serde(flatten)]
    pub pack: PackHeader<'a>,
    /// Gravest severity and strongest status among its findings.
    pub severity: Severity,
    pub status: Status,
    pub articles: Vec<ArticleView<'a>>,
    /// The agencies its findings name, with their remit.
    pub agencies: Vec<AgencyView<'a>>,
}

/// A jurisdiction flag.
#[derive(Clone, Debug, Serialize)]
pub struct FlagView<'a> {
    pub jurisdiction: &'a str,
    pub jurisdiction_name: &'a str,
    pub status: Status,
    pub in_force: Option<Date>,
    pub severity: Severity,
    pub regulations: &'a [String],
}

/// A short reference to a finding.
#[derive(Clone, Debug, Serialize)]
pub struct FindingRef<'a> {
    pub rule: &'a str,
    pub regulation: &'a str,
    pub citation: &'a str,
    pub title: &'a str,
    pub jurisdiction: &'a str,
    pub severity: Severity,
    pub status: Status,
    pub in_force: Option<Date>,
    pub obligation: &'a str,
}

/// Severity of the provision and why.
#[derive(Clone, Debug, Serialize)]
pub struct Exposure<'a> {
    /// The gravest severity among findings that apply (none when nothing applies).
    pub severity: Option<Severity>,
    /// The findings that apply at that severity.
    pub reasons: Vec<FindingRef<'a>>,
    /// Number of findings per severity, gravest first: `critical`, `high`, `medium`, `low`.
    pub counts: Vec<SeverityCount>,
}

#[derive(Clone, Debug, Serialize)]
pub struct SeverityCount {
    pub severity: Severity,
    pub findings: usize,
    /// Of which apply.
    pub applies: usize,
    /// Provisions whose own severity is this one (document memos; 0 in provision memos).
    pub provisions: usize,
}

/// Recipients and transfers, and the findings that rest on them.
#[derive(Clone, Debug, Serialize)]
pub struct Contracts<'a> {
    pub recipients: Vec<Term<'a>>,
    pub transfers: Vec<Term<'a>>,
    pub findings: Vec<FindingRef<'a>>,
}

/// The choices the clause offers, and the findings that turn on choice or consent.
#[derive(Clone, Debug, Serialize)]
pub struct Choices<'a> {
    pub offered: Vec<Term<'a>>,
    pub consent: Option<Term<'a>>,
    pub findings: Vec<FindingRef<'a>>,
}

/// One action of the rules, with every citation that calls for it.
#[derive(Clone, Debug, Serialize)]
pub struct ActionView<'a> {
    pub text: &'a str,
    /// Gravest severity and strongest status of the findings that call for it.
    pub severity: Severity,
    pub status: Status,
    pub citations: Vec<&'a str>,
    /// The provisions it concerns (document memos only; empty in provision memos).
    pub provisions: Vec<&'a str>,
}

/// A fact not stated that would change the analysis.
#[derive(Clone, Debug, Serialize)]
pub struct Unknown<'a> {
    pub fact: &'a str,
    pub citations: Vec<&'a str>,
}

/// The SHA-256 of one rule pack.
#[derive(Clone, Debug, Serialize)]
pub struct PackRef<'a> {
    pub file: &'a str,
    pub regulation: &'a str,
    pub sha256: &'a str,
    /// Whether a finding of the memo comes from it.
    pub engaged: bool,
}

/// Enough to reproduce and check a provision memo.
#[derive(Clone, Debug, Serialize)]
pub struct ProvisionReceipt<'a> {
    pub record: &'a str,
    pub document: &'a str,
    pub entity: &'a str,
    pub source_url: &'a str,
    pub captured: Option<&'a str>,
    pub updated: Option<&'a str>,
    /// SHA-256 of the clause text.
    pub sha256: &'a str,
    pub as_of: Date,
    pub clausemap: &'static str,
    /// One SHA-256 over every pack's digest.
    pub rules_sha256: &'a str,
    pub rules: Vec<PackRef<'a>>,
}

/// The context of `provision.*.tera`.
#[derive(Clone, Debug, Serialize)]
pub struct ProvisionMemo<'a> {
    pub memo: MemoInfo,
    pub entity: EntityView<'a>,
    pub document: DocumentView<'a>,
    pub provision: ProvisionView<'a>,
    pub exposure: Exposure<'a>,
    pub regulations: Vec<RegulationView<'a>>,
    pub findings: Vec<FindingView<'a>>,
    pub flags: Vec<FlagView<'a>>,
    pub contracts: Contracts<'a>,
    pub actions: Vec<ActionView<'a>>,
    pub agencies: Vec<AgencyView<'a>>,
    pub choices: Choices<'a>,
    pub unknowns: Vec<Unknown<'a>>,
    pub receipt: ProvisionReceipt<'a>,
}

/// A jurisdiction code and its name.
#[derive(Clone, Debug, Serialize)]
pub struct JurisdictionView<'a> {
    pub code: &'a str,
    pub name: &'a str,
}

/// Counts for one jurisdiction across a document.
#[derive(Clone, Debug, Serialize)]
pub struct JurisdictionSummary<'a> {
    pub jurisdiction: &'a str,
    pub name: &'a str,
    pub status: Status,
    pub severity: Severity,
    /// Provisions flagged there.
    pub provisions: usize,
    pub findings: usize,
    pub regulations: Vec<&'a str>,
}

/// One of the gravest findings of a document, with the provisions it concerns.
#[derive(Clone, Debug, Serialize)]
pub struct Gravest<'a> {
    pub finding: FindingRef<'a>,
    pub provisions: Vec<&'a str>,
}

#[derive(Clone, Debug, Serialize)]
pub struct Summary<'a> {
    pub provisions: usize,
    pub findings: usize,
    /// Provisions that could not be evaluated.
    pub with_errors: usize,
    /// Provisions without findings.
    pub clear: usize,
    pub by_severity: Vec<SeverityCount>,
    pub by_jurisdiction: Vec<JurisdictionSummary<'a>>,
    /// The three gravest findings (one per rule).
    pub gravest: Vec<Gravest<'a>>,
}

/// A cell of the provision × jurisdiction matrix.
#[derive(Clone, Debug, Serialize)]
pub struct Cell {
    pub status: Status,
    pub severity: Severity,
    pub in_force: Option<Date>,
}

#[derive(Clone, Debug, Serialize)]
pub struct MatrixRow<'a> {
    pub id: &'a str,
    pub title: &'a str,
    pub severity: Option<Severity>,
    pub errors: &'a [String],
    /// One per entry of `jurisdictions`, in that order; `null` where the provision has no flag.
    pub cells: Vec<Option<Cell>>,
}

/// A provision that engages a regulation.
#[derive(Clone, Debug, Serialize)]
pub struct Engagement<'a> {
    pub id: &'a str,
    pub title: &'a str,
    pub severity: Severity,
    pub status: Status,
    pub citations: Vec<&'a str>,
}

#[derive(Clone, Debug, Serialize)]
pub struct DocRegulation<'a> {
    #[serde(flatten)]
    pub pack: PackHeader<'a>,
    pub severity: Severity,
    pub status: Status,
    pub provisions: Vec<Engagement<'a>>,
    pub agencies: Vec<AgencyView<'a>>,
}

/// A provision in a document memo.
#[derive(Clone, Debug, Serialize)]
pub struct ProvisionSummary<'a> {
    pub id: &'a str,
    pub title: &'a str,
    /// The clause, in full.
    pub text: &'a str,
    pub severity: Option<Severity>,
    pub sha256: &'a str,
    pub flags: Vec<FlagView<'a>>,
    /// Its findings, gravest first.
    pub findings: Vec<FindingRef<'a>>,
    pub errors: &'a [String],
}

/// Enough to reproduce and check a document memo.
#[derive(Clone, Debug, Serialize)]
pub struct DocumentReceipt<'a> {
    pub document: &'a str,
    pub entity: &'a str,
    pub source_url: &'a str,
    pub captured: Option<&'a str>,
    pub updated: Option<&'a str>,
    pub as_of: Date,
    pub clausemap: &'static str,
    pub rules_sha256: &'a str,
    pub rules: Vec<PackRef<'a>>,
    /// Each provision's id and the SHA-256 of its text.
    pub provisions: Vec<ProvisionDigest<'a>>,
}

#[derive(Clone, Debug, Serialize)]
pub struct ProvisionDigest<'a> {
    pub id: &'a str,
    pub sha256: &'a str,
}

/// The context of `document.*.tera`.
#[derive(Clone, Debug, Serialize)]
pub struct DocumentMemo<'a> {
    pub memo: MemoInfo,
    pub entity: EntityView<'a>,
    pub document: DocumentView<'a>,
    pub summary: Summary<'a>,
    /// The matrix's columns: every jurisdiction flagged in the document, by code.
    pub jurisdictions: Vec<JurisdictionView<'a>>,
    pub matrix: Vec<MatrixRow<'a>>,
    pub regulations: Vec<DocRegulation<'a>>,
    pub actions: Vec<ActionView<'a>>,
    pub provisions: Vec<ProvisionSummary<'a>>,
    pub receipt: DocumentReceipt<'a>,
}

/// What every memo of one run shares: the rule set, the date, the packs' digests.
pub struct Basis<'a> {
    pub set: &'a RuleSet,
    pub as_of: Date,
    pub format: &'static str,
    pub rules_sha256: String,
    packs: Vec<PackRef<'a>>,
    /// Per rule index: whether its conditions read `recipients`/`transfers`, and
    /// `user_choices`/`consent`.
    reads: Vec<(bool, bool)>,
}

impl<'a> Basis<'a> {
    pub fn new(set: &'a RuleSet, as_of: Date, format: &'static str) -> Basis<'a> {
        let reads = (0..set.rules.len())
            .map(|i| {
                (
                    rule_reads(set, i, &["recipients", "transfers"], 0),
                    rule_reads(set, i, &["user_choices", "consent"], 0),
                )
            })
            .collect();
        Basis {
            set,
            as_of,
            format,
            rules_sha256: set.digest(),
            packs: set
                .packs
                .iter()
                .map(|p| PackRef {
                    file: &p.file,
                    regulation: &p.regulation,
                    sha256: &p.sha256,
                    engaged: false,
                })
                .collect(),
            reads,
        }
    }

    fn info(&self, kind: &'static str) -> MemoInfo {
        MemoInfo {
            kind,
            format: self.format,
            as_of: self.as_of,
            clausemap: VERSION,
        }
    }

    fn pack(&self, regulation: &str) -> Option<&'a Pack> {
        self.set.packs.iter().find(|p| p.regulation == regulation)
    }

    fn jurisdiction_name(&self, code: &'a str) -> &'a str {
        self.set
            .vocab
            .jurisdiction_names
            .get(code)
            .map_or(code, String::as_str)
    }

    fn finding(&self, f: &'a Finding) -> FindingView<'a> {
        let article_title = self
            .pack(&f.regulation)
            .and_then(|p| p.articles.get(&f.article))
            .map_or("", |a| a.title.as_str());
        FindingView {
            rule: &f.rule,
            regulation: &f.regulation,
            citation: &f.citation,
            article: &f.article,
            article_title,
            title: &f.title,
            jurisdiction: &f.jurisdiction,
            jurisdiction_name: self.jurisdiction_name(&f.jurisdiction),
            severity: f.severity,
            status: f.status,
            in_force: f.in_force,
            obligation: &f.obligation,
            agencies: &f.agencies,
            actions: &f.actions,
            because: &f.because,
            missing: &f.missing,
            source: &f.source,
            review: f.review.as_ref(),
        }
    }

    fn flag(&self, f: &'a Flag) -> FlagView<'a> {
        FlagView {
            jurisdiction: &f.jurisdiction,
            jurisdiction_name: self.jurisdiction_name(&f.jurisdiction),
            status: f.status,
            in_force: f.in_force,
            severity: f.severity,
            regulations: &f.regulations,
        }
    }

    /// The agencies named by these findings, with the remit their packs give them.
    fn agencies(&self, findings: &[&'a Finding]) -> Vec<AgencyView<'a>> {
        let mut out: Vec<AgencyView<'a>> = Vec::new();
        for f in findings {
            for name in &f.agencies {
                if let Some(a) = out.iter_mut().find(|a| a.name == name) {
                    if !a.regulations.contains(&f.regulation.as_str()) {
                        a.regulations.push(&f.regulation);
                    }
                    continue;
                }
                // The finding's own pack first, then any pack that describes the agency.
                let described = self
                    .pack(&f.regulation)
                    .into_iter()
                    .chain(self.set.packs.iter())
                    .find_map(|p| p.agencies.iter().find(|a| &a.name == name));
                out.push(AgencyView {
                    name,
                    remit: described.and_then(|a| a.remit.as_deref()),
                    url: described.and_then(|a| a.url.as_deref()),
                    regulations: vec![&f.regulation],
                });
            }
        }
        out
    }

    fn packs_used(&self, findings: impl Iterator<Item = &'a Finding>) -> Vec<PackRef<'a>> {
        let mut packs = self.packs.clone();
        for f in findings {
            for p in packs.iter_mut() {
                if p.regulation == f.regulation {
                    p.engaged = true;
                }
            }
        }
        packs
    }

    fn term(&self, attribute: &str, value: &'a str) -> Term<'a> {
        let vocab = &self.set.vocab;
        let label = vocab
            .attribute(attribute)
            .and_then(|i| match &vocab.attributes[i].ty {
                ValueType::Set(t) => {
                    let tax = &vocab.taxonomies[*t];
                    tax.id(value)
                        .and_then(|id| tax.docs.get(id as usize))
                        .map(String::as_str)
                }
                _ => None,
            })
            .filter(|l| !l.is_empty())
            .or_else(|| {
                // Jurisdiction taxonomies name their codes.
                vocab.jurisdiction_names.get(value).map(String::as_str)
            })
            .unwrap_or(value);
        Term { value, label }
    }

    fn terms(&self, attrs: Option<&'a Map<String, Json>>, attribute: &str) -> Vec<Term<'a>> {
        match attrs.and_then(|a| a.get(attribute)) {
            Some(Json::Array(items)) => items
                .iter()
                .filter_map(Json::as_str)
                .map(|v| self.term(attribute, v))
                .collect(),
            Some(Json::String(v)) => vec![self.term(attribute, v)],
            _ => Vec::new(),
        }
    }

    fn categories(&self, attrs: Option<&'a Map<String, Json>>) -> Vec<Category<'a>> {
        let Some(attrs) = attrs else {
            return Vec::new();
        };
        self.set
            .vocab
            .attributes
            .iter()
            .filter(|field| attrs.contains_key(&field.name))
            .map(|field| Category {
                attribute: &field.name,
                label: &field.doc,
                values: self.terms(Some(attrs), &field.name),
            })
            .filter(|c| !c.values.is_empty())
            .collect()
    }
}

/// Whether rule `i`'s conditions (or those of the fact rules it uses) read one of `names`.
fn rule_reads(set: &RuleSet, i: usize, names: &[&str], depth: usize) -> bool {
    if depth > 16 {
        return false;
    }
    let rule = &set.rules[i];
    cond_reads(set, &rule.when, names, depth)
        || rule
            .unless
            .iter()
            .any(|e| cond_reads(set, &e.cond, names, depth))
}

fn cond_reads(set: &RuleSet, cond: &Cond, names: &[&str], depth: usize) -> bool {
    match cond {
        Cond::All(parts) | Cond::Any(parts) => {
            parts.iter().any(|c| cond_reads(set, c, names, depth))
        }
        Cond::Not(c) => cond_reads(set, c, names, depth),
        Cond::Const(_) => false,
        Cond::Rule(j) => {
            set.rules.get(*j).is_some_and(|r| r.kind == RuleKind::Fact)
                && rule_reads(set, *j, names, depth + 1)
        }
        Cond::Leaf(leaf) => names.contains(&leaf.path.as_str()),
    }
}

fn status_rank(s: Status) -> u8 {
    match s {
        Status::Applies => 2,
        Status::Undetermined => 1,
        Status::Upcoming => 0,
    }
}

fn stronger(a: Status, b: Status) -> Status {
    if status_rank(b) > status_rank(a) {
        b
    } else {
        a
    }
}

fn finding_ref(f: &Finding) -> FindingRef<'_> {
    FindingRef {
        rule: &f.rule,
        regulation: &f.regulation,
        citation: &f.citation,
        title: &f.title,
        jurisdiction: &f.jurisdiction,
        severity: f.severity,
        status: f.status,
        in_force: f.in_force,
        obligation: &f.obligation,
    }
}

fn push_unique<'a>(list: &mut Vec<&'a str>, item: &'a str) {
    if !list.contains(&item) {
        list.push(item);
    }
}

/// Merge the actions of findings: one entry per action text, gravest first.
fn actions<'a>(findings: &[(&'a str, &'a Finding)]) -> Vec<ActionView<'a>> {
    let mut out: Vec<ActionView<'a>> = Vec::new();
    let mut index: BTreeMap<&'a str, usize> = BTreeMap::new();
    for (provision, f) in findings {
        for text in &f.actions {
            let i = *index.entry(text.as_str()).or_insert_with(|| {
                out.push(ActionView {
                    text,
                    severity: f.severity,
                    status: f.status,
                    citations: Vec::new(),
                    provisions: Vec::new(),
                });
                out.len() - 1
            });
            let a = &mut out[i];
            a.severity = a.severity.max(f.severity);
            a.status = stronger(a.status, f.status);
            push_unique(&mut a.citations, &f.citation);
            if !provision.is_empty() {
                push_unique(&mut a.provisions, provision);
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

fn severity_counts(findings: &[&Finding], provisions: &[Option<Severity>]) -> Vec<SeverityCount> {
    Severity::ALL
        .iter()
        .rev()
        .map(|&s| SeverityCount {
            severity: s,
            findings: findings.iter().filter(|f| f.severity == s).count(),
            applies: findings
                .iter()
                .filter(|f| f.severity == s && f.status == Status::Applies)
                .count(),
            provisions: provisions.iter().filter(|p| **p == Some(s)).count(),
        })
        .collect()
}

fn entity(doc: &Document) -> EntityView<'_> {
    EntityView {
        id: &doc.entity.id,
        name: &doc.entity.name,
    }
}

fn document(doc: &Document) -> DocumentView<'_> {
    DocumentView {
        id: &doc.meta.id,
        title: &doc.meta.title,
        url: &doc.meta.url,
        updated: doc.meta.updated.as_deref(),
        captured: doc.meta.captured.as_deref(),
        file: &doc.file,
    }
}

/// The regulations these findings engage, in first-seen order, each with its articles.
fn regulations<'a>(basis: &Basis<'a>, findings: &[&'a Finding]) -> Vec<RegulationView<'a>> {
    let mut out: Vec<RegulationView<'a>> = Vec::new();
    for f in findings {
        let Some(pack) = basis.pack(&f.regulation) else {
            continue;
        };
        let i = match out.iter().position(|r| r.pack.regulation == f.regulation) {
            Some(i) => i,
            None => {
                out.push(RegulationView {
                    pack: PackHeader {
                        regulation: &pack.regulation,
                        name: &pack.name,
                        citation: &pack.citation,
                        jurisdiction: &pack.jurisdiction,
                        jurisdiction_name: basis.jurisdiction_name(&pack.jurisdiction),
                        in_force: pack.in_force,
                        source: &pack.source,
                        penalties: &pack.penalties,
                    },
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
        let view = finding_ref(f);
        match r.articles.iter_mut().find(|a| a.article == f.article) {
            Some(a) => a.findings.push(view),
            None => {
                let article = pack.articles.get(&f.article);
                r.articles.push(ArticleView {
                    article: &f.article,
                    citation: &f.citation,
                    title: article.map_or("", |a| a.title.as_str()),
                    source: &f.source,
                    findings: vec![view],
                });
            }
        }
    }
    for r in out.iter_mut() {
        let own: Vec<&Finding> = findings
            .iter()
            .copied()
            .filter(|f| f.regulation == r.pack.regulation)
            .collect();
        r.agencies = basis.agencies(&own);
    }
    out
}

/// The context of one provision's memo.
pub fn provision_memo<'a>(
    basis: &'a Basis<'a>,
    doc: &'a Document,
    provision: &'a Provision,
    outcome: &'a Outcome,
) -> ProvisionMemo<'a> {
    let set = basis.set;
    let findings: Vec<&Finding> = outcome.findings.iter().collect();
    let attrs = provision.attributes.as_ref();
    let rests_on = |pick: fn(&(bool, bool)) -> bool| -> Vec<FindingRef<'a>> {
        outcome
            .findings
            .iter()
            .filter(|f| {
                set.rule(&f.rule)
                    .and_then(|i| basis.reads.get(i))
                    .is_some_and(pick)
            })
            .map(finding_ref)
            .collect()
    };
    let severity = outcome.severity;
    let reasons = outcome
        .findings
        .iter()
        .filter(|f| f.status == Status::Applies && Some(f.severity) == severity)
        .map(finding_ref)
        .collect();
    let mut unknowns: Vec<Unknown<'a>> = Vec::new();
    for f in &outcome.findings {
        for m in &f.missing {
            match unknowns.iter_mut().find(|u| u.fact == m) {
                Some(u) => push_unique(&mut u.citations, &f.citation),
                None => unknowns.push(Unknown {
                    fact: m,
                    citations: vec![&f.citation],
                }),
            }
        }
    }
    // One provision: its actions need not say which provisions they concern.
    let with_provision: Vec<(&str, &Finding)> = outcome.findings.iter().map(|f| ("", f)).collect();
    ProvisionMemo {
        memo: basis.info("provision"),
        entity: entity(doc),
        document: document(doc),
        provision: ProvisionView {
            id: &provision.id,
            title: &provision.title,
            text: &provision.text,
            sha256: &provision.sha256,
            severity,
            categories: basis.categories(attrs),
            errors: &outcome.errors,
            evidence: provision
                .extra
                .get("evidence")
                .filter(|e| e.as_array().is_some_and(|a| !a.is_empty())),
        },
        exposure: Exposure {
            severity,
            reasons,
            counts: severity_counts(&findings, &[]),
        },
        regulations: regulations(basis, &findings),
        findings: outcome.findings.iter().map(|f| basis.finding(f)).collect(),
        flags: outcome.flags.iter().map(|f| basis.flag(f)).collect(),
        contracts: Contracts {
            recipients: basis.terms(attrs, "recipients"),
            transfers: basis.terms(attrs, "transfers"),
            findings: rests_on(|r| r.0),
        },
        actions: actions(&with_provision),
        agencies: basis.agencies(&findings),
        choices: Choices {
            offered: basis.terms(attrs, "user_choices"),
            consent: basis.terms(attrs, "consent").into_iter().next(),
            findings: rests_on(|r| r.1),
        },
        unknowns,
        receipt: ProvisionReceipt {
            record: &provision.id,
            document: &doc.meta.id,
            entity: &doc.entity.id,
            source_url: &doc.meta.url,
            captured: doc.meta.captured.as_deref(),
            updated: doc.meta.updated.as_deref(),
            sha256: &provision.sha256,
            as_of: basis.as_of,
            clausemap: VERSION,
            rules_sha256: &basis.rules_sha256,
            rules: basis.packs_used(outcome.findings.iter()),
        },
    }
}

/// The context of a document's memo.
pub fn document_memo<'a>(
    basis: &'a Basis<'a>,
    doc: &'a Document,
    outcomes: &'a [Outcome],
) -> DocumentMemo<'a> {
    let all: Vec<(&str, &Finding)> = outcomes
        .iter()
        .flat_map(|o| o.findings.iter().map(move |f| (o.id.as_str(), f)))
        .collect();
    let findings: Vec<&Finding> = all.iter().map(|(_, f)| *f).collect();
    let severities: Vec<Option<Severity>> = outcomes.iter().map(|o| o.severity).collect();

    // Jurisdictions: every flagged code, by code.
    let mut by_j: BTreeMap<&str, JurisdictionSummary<'a>> = BTreeMap::new();
    for o in outcomes {
        for flag in &o.flags {
            let count = o
                .findings
                .iter()
                .filter(|f| f.jurisdiction == flag.jurisdiction)
                .count();
            let s = by_j
                .entry(flag.jurisdiction.as_str())
                .or_insert_with(|| JurisdictionSummary {
                    jurisdiction: &flag.jurisdiction,
                    name: basis.jurisdiction_name(&flag.jurisdiction),
                    status: flag.status,
                    severity: flag.severity,
                    provisions: 0,
                    findings: 0,
                    regulations: Vec::new(),
                });
            if status_rank(flag.status) > status_rank(s.status) {
                s.status = flag.status;
                s.severity = flag.severity;
            } else if flag.status == s.status {
                s.severity = s.severity.max(flag.severity);
            }
            s.provisions += 1;
            s.findings += count;
            for r in &flag.regulations {
                push_unique(&mut s.regulations, r);
            }
        }
    }
    for s in by_j.values_mut() {
        s.regulations.sort_unstable();
    }
    let jurisdictions: Vec<JurisdictionView<'a>> = by_j
        .values()
        .map(|s| JurisdictionView {
            code: s.jurisdiction,
            name: s.name,
        })
        .collect();

    // The gravest findings: applies first, then severity, one entry per rule.
    let mut ranked: Vec<&(&str, &Finding)> = all.iter().collect();
    ranked.sort_by(|a, b| {
        status_rank(b.1.status)
            .cmp(&status_rank(a.1.status))
            .then(b.1.severity.cmp(&a.1.severity))
    });
    let mut gravest: Vec<Gravest<'a>> = Vec::new();
    for (p, f) in &ranked {
        if let Some(g) = gravest.iter_mut().find(|g| g.finding.rule == f.rule) {
            push_unique(&mut g.provisions, p);
        } else if gravest.len() < 3 {
            gravest.push(Gravest {
                finding: finding_ref(f),
                provisions: vec![p],
            });
        }
    }

    let matrix = outcomes
        .iter()
        .map(|o| MatrixRow {
            id: &o.id,
            title: &o.title,
            severity: o.severity,
            errors: &o.errors,
            cells: jurisdictions
                .iter()
                .map(|j| {
                    o.flags
                        .iter()
                        .find(|f| f.jurisdiction == j.code)
                        .map(|f| Cell {
                            status: f.status,
                            severity: f.severity,
                            in_force: f.in_force,
                        })
                })
                .collect(),
        })
        .collect();

    let regulations = regulations(basis, &findings)
        .into_iter()
        .map(|r| {
            let provisions = outcomes
                .iter()
                .filter_map(|o| {
                    let own: Vec<&Finding> = o
                        .findings
                        .iter()
                        .filter(|f| f.regulation == r.pack.regulation)
                        .collect();
                    let first = own.first()?;
                    let mut citations = Vec::new();
                    for f in &own {
                        push_unique(&mut citations, &f.citation);
                    }
                    Some(Engagement {
                        id: &o.id,
                        title: &o.title,
                        severity: own
                            .iter()
                            .map(|f| f.severity)
                            .max()
                            .unwrap_or(first.severity),
                        status: own.iter().fold(first.status, |s, f| stronger(s, f.status)),
                        citations,
                    })
                })
                .collect();
            DocRegulation {
                pack: r.pack,
                severity: r.severity,
                status: r.status,
                provisions,
                agencies: r.agencies,
            }
        })
        .collect();

    DocumentMemo {
        memo: basis.info("document"),
        entity: entity(doc),
        document: document(doc),
        summary: Summary {
            provisions: outcomes.len(),
            findings: findings.len(),
            with_errors: outcomes.iter().filter(|o| !o.errors.is_empty()).count(),
            clear: outcomes
                .iter()
                .filter(|o| o.errors.is_empty() && o.findings.is_empty())
                .count(),
            by_severity: severity_counts(&findings, &severities),
            by_jurisdiction: by_j.into_values().collect(),
            gravest,
        },
        jurisdictions,
        matrix,
        regulations,
        actions: actions(&all),
        provisions: outcomes
            .iter()
            .zip(&doc.provisions)
            .map(|(o, p)| ProvisionSummary {
                id: &o.id,
                title: &o.title,
                text: &p.text,
                severity: o.severity,
                sha256: &o.sha256,
                flags: o.flags.iter().map(|f| basis.flag(f)).collect(),
                findings: o.findings.iter().map(finding_ref).collect(),
                errors: &o.errors,
            })
            .collect(),
        receipt: DocumentReceipt {
            document: &doc.meta.id,
            entity: &doc.entity.id,
            source_url: &doc.meta.url,
            captured: doc.meta.captured.as_deref(),
            updated: doc.meta.updated.as_deref(),
            as_of: basis.as_of,
            clausemap: VERSION,
            rules_sha256: &basis.rules_sha256,
            rules: basis.packs_used(findings.iter().copied()),
            provisions: outcomes
                .iter()
                .map(|o| ProvisionDigest {
                    id: &o.id,
                    sha256: &o.sha256,
                })
                .collect(),
        },
    }
}
