//! The context templates see: one documented structure per kind of memo, as tera values.
//!
//! Takes evaluated [`Outcome`]s with their [`Document`] and the [`RuleSet`] that produced them,
//! and returns the [`tera::Context`] of a provision memo or of a document memo. The structs
//! below are the public interface of the templates (documented field by field in
//! `docs/templates.md`): templates never reach into clausemap's internals, and fields are added
//! here, never renamed or removed.
//!
//! Everything a memo says comes from a rule pack (obligations, actions, penalties, agencies,
//! citations), from the vocabulary (the meaning of attribute values, jurisdiction names) or from
//! the input (the clause, its attributes, the document). Orders are fixed: findings gravest
//! first as evaluation sorts them, and every derived list in first-seen order of those findings,
//! so the same input always gives the same context.
//!
//! What a memo shows, and in which order, is computed in [`super::plan`]; this module turns
//! that plan into tera values (the native renderer of the built-in provision templates writes
//! text from the same plan).
//!
//! Speed: what comes from the rule set (a pack's header and penalties, a finding's rule-derived
//! fields, its agencies with their remits, the receipt's pack digests) is turned into tera
//! values once per [`Basis`] and shared by every memo: a [`tera::Value`] is reference-counted,
//! and tera's serializer takes a `Value` met inside a struct as it is instead of converting it
//! again. Only what belongs to one provision is built per memo.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex, OnceLock};

use serde::Serialize;
use serde_json::{Map, Value as Json};
use tera::{Context, Value};

use super::plan::{
    self, stronger, ActionPlan, AgencyInfo, AgencyPlan, Item, PeerPlan, ProvisionPlan,
    RegulationPlan, RuleParts,
};
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
    /// pattern, start, end, text), the entries that have these fields.
    pub evidence: Option<Vec<&'a Json>>,
    /// For a classified provision: the parts of the text not read as a clause (start, end,
    /// reason: "table of contents" or "heading").
    pub skipped: Option<Vec<&'a Json>>,
}

/// A short reference to a finding (`FindingRef` in `docs/templates.md`). Built once per rule
/// and status: templates receive it as a shared [`Value`].
#[derive(Clone, Debug, Serialize)]
pub struct FindingRef<'a> {
    pub rule: &'a Value,
    pub regulation: &'a Value,
    pub citation: &'a Value,
    pub title: &'a Value,
    pub jurisdiction: &'a Value,
    pub severity: Severity,
    pub status: Status,
    pub in_force: &'a Value,
    pub obligation: &'a Value,
}

/// One finding, as the rule pack states it. The fields that come from the rule are shared
/// values; `because`, `missing` and `review` belong to the provision.
#[derive(Clone, Debug, Serialize)]
pub struct FindingView<'a> {
    pub rule: &'a Value,
    pub regulation: &'a Value,
    /// The printed pinpoint citation, e.g. `GDPR Art. 6(1)(f)`.
    pub citation: &'a Value,
    pub article: &'a Value,
    /// The article's title in the pack's article index.
    pub article_title: &'a Value,
    pub title: &'a Value,
    pub jurisdiction: &'a Value,
    pub jurisdiction_name: &'a Value,
    pub severity: Severity,
    pub status: Status,
    /// For `upcoming` findings: the date the rule comes into force.
    pub in_force: &'a Value,
    pub obligation: &'a Value,
    pub agencies: &'a Value,
    pub actions: &'a Value,
    /// The conditions that held, with the values that met them.
    pub because: &'a [crate::eval::Reason],
    /// For `undetermined` findings: the facts whose absence keeps the finding open.
    pub missing: &'a [crate::eval::Reason],
    /// The official source of the article (or of the regulation).
    pub source: &'a Value,
    /// The reviewer's decision on this finding, when a review ledger has one.
    pub review: Option<&'a Json>,
}

/// A pinpoint article of an engaged regulation, with the findings resting on it.
#[derive(Clone, Debug, Serialize)]
pub struct ArticleView<'a> {
    pub article: &'a Value,
    pub citation: &'a Value,
    pub title: &'a Value,
    pub source: &'a Value,
    /// Short references: the full findings are in the memo's `findings`.
    pub findings: Vec<&'a Value>,
}

/// An agency named by a rule, with what the pack says of it.
#[derive(Clone, Debug, Serialize)]
pub struct AgencyView<'a> {
    pub name: &'a Value,
    pub remit: &'a Value,
    pub url: &'a Value,
    /// The regulations under which it is named, in first-seen order.
    pub regulations: Vec<&'a Value>,
}

/// A regulation engaged by the provision: what the pack says of its regulation (shared by
/// provision and document memos), then what the provision engages.
#[derive(Clone, Debug, Serialize)]
pub struct RegulationView<'a> {
    #[serde(flatten)]
    pub header: &'a PackHeader,
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

/// Severity of the provision and why.
#[derive(Clone, Debug, Serialize)]
pub struct Exposure<'a> {
    /// The gravest severity among findings that apply (none when nothing applies).
    pub severity: Option<Severity>,
    /// The findings that apply at that severity (FindingRef).
    pub reasons: Vec<&'a Value>,
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
    pub findings: Vec<&'a Value>,
}

/// The choices the clause offers, and the findings that turn on choice or consent.
#[derive(Clone, Debug, Serialize)]
pub struct Choices<'a> {
    pub offered: Vec<Term<'a>>,
    pub consent: Option<Term<'a>>,
    pub findings: Vec<&'a Value>,
}

/// One action of the rules, with every citation that calls for it.
#[derive(Clone, Debug, Serialize)]
pub struct ActionView<'a> {
    pub text: &'a Value,
    /// Gravest severity and strongest status of the findings that call for it.
    pub severity: Severity,
    pub status: Status,
    pub citations: Vec<&'a Value>,
    /// The provisions it concerns (document memos only; empty in provision memos).
    pub provisions: Vec<&'a str>,
}

/// A fact not stated that would change the analysis.
#[derive(Clone, Debug, Serialize)]
pub struct Unknown<'a> {
    pub fact: &'a str,
    pub citations: Vec<&'a Value>,
}

/// The SHA-256 of one rule pack. Built once per pack (engaged or not).
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
    pub as_of: &'a Value,
    pub clausemap: &'static str,
    /// One SHA-256 over every pack's digest.
    pub rules_sha256: &'a Value,
    /// PackRef, one per pack.
    pub rules: Vec<&'a Value>,
}

/// The context of `provision.*.tera`: each field is a top-level variable.
#[derive(Clone, Debug)]
pub struct ProvisionMemo<'a> {
    pub memo: &'a Value,
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

impl ProvisionMemo<'_> {
    /// The tera context: one variable per field.
    pub fn to_context(&self) -> Result<Context, tera::Error> {
        let mut ctx = Context::new();
        ctx.insert_value("memo", self.memo.clone());
        put(&mut ctx, "entity", &self.entity)?;
        put(&mut ctx, "document", &self.document)?;
        put(&mut ctx, "provision", &self.provision)?;
        put(&mut ctx, "exposure", &self.exposure)?;
        put(&mut ctx, "regulations", &self.regulations)?;
        put(&mut ctx, "findings", &self.findings)?;
        put(&mut ctx, "flags", &self.flags)?;
        put(&mut ctx, "contracts", &self.contracts)?;
        put(&mut ctx, "actions", &self.actions)?;
        put(&mut ctx, "agencies", &self.agencies)?;
        put(&mut ctx, "choices", &self.choices)?;
        put(&mut ctx, "unknowns", &self.unknowns)?;
        put(&mut ctx, "receipt", &self.receipt)?;
        Ok(ctx)
    }
}

fn put<T: Serialize + ?Sized>(
    ctx: &mut Context,
    key: &'static str,
    value: &T,
) -> Result<(), tera::Error> {
    ctx.insert_value(key, Value::try_from_serializable(value)?);
    Ok(())
}

/// How the peer documents (`clausemap memo --peers`) handle one practice of the provision:
/// the rows of `clausemap compare --practice VALUE`.
#[derive(Clone, Debug, Serialize)]
pub struct PeerComparison<'a> {
    /// What is compared, in words: `purpose has "ai_training"`.
    pub practice: &'a str,
    pub attribute: &'a str,
    pub value: &'a str,
    /// The vocabulary's description of the value.
    pub label: &'a str,
    /// One per peer document with a provision showing the practice, by entity.
    pub rows: Vec<PeerRow<'a>>,
}

/// A peer document's gravest provision showing a practice.
#[derive(Clone, Debug, Serialize)]
pub struct PeerRow<'a> {
    /// The entity's name (its id when it has no name).
    pub entity: &'a str,
    pub document: &'a str,
    pub provision: &'a str,
    pub title: &'a str,
    pub severity: Option<&'a str>,
    /// One per flagged jurisdiction: `EU high`, or `US-CO high (upcoming)`.
    pub flags: &'a [String],
    /// The provision's `consent` and `legal_basis` attributes, or `not stated`.
    pub consent: &'a str,
    pub legal_basis: &'a str,
    /// How many of the document's provisions show the practice (the row is the gravest).
    pub matching: usize,
    /// The clause in full.
    pub text: &'a str,
    /// The clause on one line, cut after 220 characters (with `…`).
    pub excerpt: &'a str,
}

/// The value of `peers` in a provision memo: for each purpose the provision states, in the
/// order it states them, how the peer documents handle it.
pub fn peers(
    basis: &Basis<'_>,
    provision: &Provision,
    peers: &crate::compare::Peers,
) -> Result<Value, tera::Error> {
    peers_value(&basis.peer_plan(provision, peers))
}

/// The value of `peers`, from its plan.
pub fn peers_value(plan: &[PeerPlan<'_>]) -> Result<Value, tera::Error> {
    let view: Vec<PeerComparison<'_>> = plan
        .iter()
        .map(|c| PeerComparison {
            practice: &c.practice,
            attribute: "purpose",
            value: c.term.value,
            label: c.term.label,
            rows: c
                .rows
                .iter()
                .zip(&c.excerpts)
                .map(|(r, excerpt)| PeerRow {
                    entity: &r.entity,
                    document: &r.document,
                    provision: &r.provision,
                    title: &r.title,
                    severity: r.severity.as_deref(),
                    flags: &r.flags,
                    consent: &r.consent,
                    legal_basis: &r.legal_basis,
                    matching: r.matching,
                    text: &r.text,
                    excerpt,
                })
                .collect(),
        })
        .collect();
    Value::try_from_serializable(&view)
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
    /// FindingRef.
    pub finding: &'a Value,
    pub provisions: Vec<&'a str>,
    #[serde(skip)]
    rule: &'a str,
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
    pub citations: Vec<&'a Value>,
}

/// A regulation engaged by a document: the pack's header as in [`RegulationView`], then the
/// provisions that engage it.
#[derive(Clone, Debug, Serialize)]
pub struct DocRegulation<'a> {
    #[serde(flatten)]
    pub header: &'a PackHeader,
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
    /// Its findings, gravest first (FindingRef).
    pub findings: Vec<&'a Value>,
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
    pub as_of: &'a Value,
    pub clausemap: &'static str,
    pub rules_sha256: &'a Value,
    pub rules: Vec<&'a Value>,
    /// Each provision's id and the SHA-256 of its text.
    pub provisions: Vec<ProvisionDigest<'a>>,
}

#[derive(Clone, Debug, Serialize)]
pub struct ProvisionDigest<'a> {
    pub id: &'a str,
    pub sha256: &'a str,
}

/// The context of `document.*.tera`: each field is a top-level variable.
#[derive(Clone, Debug)]
pub struct DocumentMemo<'a> {
    pub memo: &'a Value,
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

impl DocumentMemo<'_> {
    /// The tera context: one variable per field.
    pub fn to_context(&self) -> Result<Context, tera::Error> {
        let mut ctx = Context::new();
        ctx.insert_value("memo", self.memo.clone());
        put(&mut ctx, "entity", &self.entity)?;
        put(&mut ctx, "document", &self.document)?;
        put(&mut ctx, "summary", &self.summary)?;
        put(&mut ctx, "jurisdictions", &self.jurisdictions)?;
        put(&mut ctx, "matrix", &self.matrix)?;
        put(&mut ctx, "regulations", &self.regulations)?;
        put(&mut ctx, "actions", &self.actions)?;
        put(&mut ctx, "provisions", &self.provisions)?;
        put(&mut ctx, "receipt", &self.receipt)?;
        Ok(ctx)
    }
}

/// What a pack says of its regulation, as template values: the first fields of every
/// [`RegulationView`] and [`DocRegulation`].
#[derive(Debug, Serialize)]
pub struct PackHeader {
    pub regulation: Value,
    pub name: Value,
    /// The official citation, e.g. `Regulation (EU) 2016/679`.
    pub citation: Value,
    pub jurisdiction: Value,
    pub jurisdiction_name: Value,
    pub in_force: Value,
    pub source: Value,
    /// The pack's statement of penalties (empty when the pack has none).
    pub penalties: Value,
}

/// A pack's header and its PackRef, built once per rule set.
struct PackValues {
    header: PackHeader,
    /// Its PackRef, not engaged and engaged.
    refs: [Value; 2],
}

/// An agency named by a rule, with the remit and address a pack gives it.
struct AgencyValues {
    name: Value,
    remit: Value,
    url: Value,
}

/// What a finding takes from its rule, as template values: the same for every finding of one
/// rule with one status, so built once (from its [`RuleParts`]) and shared.
pub(super) struct RuleValues {
    rule: Value,
    regulation: Value,
    citation: Value,
    article: Value,
    article_title: Value,
    title: Value,
    jurisdiction: Value,
    jurisdiction_name: Value,
    in_force: Value,
    obligation: Value,
    /// Lists of strings.
    agencies: Value,
    actions: Value,
    source: Value,
    /// The agencies, described.
    agency_values: Vec<AgencyValues>,
    /// The FindingRef.
    reference: Value,
}

/// Whether two findings say the same apart from what is particular to their provision.
fn same_rule_part(a: &Finding, b: &Finding) -> bool {
    a.rule == b.rule
        && a.status == b.status
        && a.severity == b.severity
        && a.in_force == b.in_force
        && a.regulation == b.regulation
        && a.citation == b.citation
        && a.article == b.article
        && a.title == b.title
        && a.jurisdiction == b.jurisdiction
        && a.obligation == b.obligation
        && a.agencies == b.agencies
        && a.actions == b.actions
        && a.source == b.source
}

fn status_slot(s: Status) -> usize {
    match s {
        Status::Applies => 0,
        Status::Undetermined => 1,
        Status::Upcoming => 2,
    }
}

/// What every memo of one run shares: the rule set, the date, the packs' digests, and the
/// template values built from them.
pub struct Basis<'a> {
    pub set: &'a RuleSet,
    pub as_of: Date,
    pub format: &'static str,
    pub rules_sha256: String,
    /// Per rule index: whether its conditions read `recipients`/`transfers`, and
    /// `user_choices`/`consent`.
    pub(super) reads: Vec<(bool, bool)>,
    /// MemoInfo of provision memos and of document memos.
    info: [Value; 2],
    as_of_value: Value,
    rules_sha256_value: Value,
    packs: Vec<PackValues>,
    /// Per rule index and status, built on first use.
    rules: Vec<[OnceLock<Arc<RuleParts>>; 3]>,
    /// A number for every text the plans compare (citations, regulations, articles, actions,
    /// agencies): equal texts, equal numbers.
    ids: Mutex<HashMap<Arc<str>, u32>>,
    /// Per pack, the number of its regulation's name.
    pub(super) pack_ids: Vec<u32>,
    /// What the native renderer takes from the rule set, escaped for the format, built on
    /// first use.
    pub(super) native: OnceLock<super::native::BasisFrags>,
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
        let info = |kind| {
            to_value(&MemoInfo {
                kind,
                format,
                as_of,
                clausemap: VERSION,
            })
        };
        let rules_sha256 = set.digest();
        let mut basis = Basis {
            set,
            as_of,
            format,
            reads,
            info: [info("provision"), info("document")],
            as_of_value: Value::from(as_of.to_string()),
            rules_sha256_value: Value::from(rules_sha256.as_str()),
            rules_sha256,
            packs: Vec::new(),
            rules: (0..set.rules.len()).map(|_| Default::default()).collect(),
            ids: Mutex::new(HashMap::new()),
            pack_ids: Vec::new(),
            native: OnceLock::new(),
        };
        basis.pack_ids = set.packs.iter().map(|p| basis.id(&p.regulation)).collect();
        basis.packs = set
            .packs
            .iter()
            .map(|p| {
                let pack_ref = |engaged| {
                    to_value(&PackRef {
                        file: &p.file,
                        regulation: &p.regulation,
                        sha256: &p.sha256,
                        engaged,
                    })
                };
                PackValues {
                    header: PackHeader {
                        regulation: Value::from(p.regulation.as_str()),
                        name: Value::from(p.name.as_str()),
                        citation: Value::from(p.citation.as_str()),
                        jurisdiction: Value::from(p.jurisdiction.as_str()),
                        jurisdiction_name: Value::from(basis.jurisdiction_name(&p.jurisdiction)),
                        in_force: Value::from(p.in_force.to_string()),
                        source: Value::from(p.source.as_str()),
                        penalties: Value::from(p.penalties.as_str()),
                    },
                    refs: [pack_ref(false), pack_ref(true)],
                }
            })
            .collect();
        basis
    }

    /// The number of a text (see `ids`).
    fn id(&self, text: &str) -> u32 {
        let mut ids = self.ids.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(&id) = ids.get(text) {
            return id;
        }
        let id = u32::try_from(ids.len()).unwrap_or(u32::MAX);
        ids.insert(Arc::from(text), id);
        id
    }

    fn pack_index(&self, regulation: &str) -> Option<usize> {
        self.set
            .packs
            .iter()
            .position(|p| p.regulation == regulation)
    }

    pub(super) fn jurisdiction_name<'s>(&'s self, code: &'s str) -> &'s str {
        self.set
            .vocab
            .jurisdiction_names
            .get(code)
            .map_or(code, String::as_str)
    }

    /// A finding with what it takes from its rule: shared with earlier findings of the same
    /// rule and status when they say the same, else built for it.
    pub(super) fn item<'f>(&self, f: &'f Finding) -> Item<'f> {
        let index = match self.set.rules.get(f.index) {
            Some(rule) if rule.id == *f.rule => Some(f.index),
            _ => self.set.rule(&f.rule),
        };
        let slot = index
            .and_then(|i| self.rules.get(i))
            .map(|slots| &slots[status_slot(f.status)]);
        let parts = match slot {
            Some(slot) => {
                let cached = slot.get_or_init(|| Arc::new(self.rule_parts(f)));
                if same_rule_part(&cached.key, f) {
                    cached.clone()
                } else {
                    Arc::new(self.rule_parts(f))
                }
            }
            None => Arc::new(self.rule_parts(f)),
        };
        Item {
            finding: f,
            index,
            parts,
        }
    }

    fn rule_parts(&self, f: &Finding) -> RuleParts {
        let pack_index = self.pack_index(&f.regulation);
        let pack: Option<&Pack> = pack_index.and_then(|i| self.set.packs.get(i));
        let article_title = pack
            .and_then(|p| p.articles.get(&*f.article))
            .map_or("", |a| a.title.as_str());
        let mut key = f.clone();
        key.because.clear();
        key.missing.clear();
        key.review = None;
        let agencies = f
            .agencies
            .iter()
            .map(|name| {
                let text: &str = name;
                // The finding's own pack first, then any pack that describes the agency.
                let described = pack
                    .into_iter()
                    .chain(self.set.packs.iter())
                    .find_map(|p| p.agencies.iter().find(|a| a.name == text));
                AgencyInfo {
                    id: self.id(name),
                    name: name.clone(),
                    remit: described.and_then(|a| a.remit.clone()),
                    url: described.and_then(|a| a.url.clone()),
                }
            })
            .collect();
        RuleParts {
            citation_id: self.id(&f.citation),
            regulation_id: self.id(&f.regulation),
            article_id: self.id(&f.article),
            action_ids: f.actions.iter().map(|a| self.id(a)).collect(),
            pack: pack_index,
            article_title: article_title.to_string(),
            jurisdiction_name: self.jurisdiction_name(&f.jurisdiction).to_string(),
            agencies,
            key,
            tera: OnceLock::new(),
            native: OnceLock::new(),
        }
    }

    /// A finding's rule part as template values, built on first use.
    fn values<'s>(&self, parts: &'s RuleParts) -> &'s RuleValues {
        parts.tera.get_or_init(|| {
            let f = &parts.key;
            let mut v = RuleValues {
                rule: Value::from(&*f.rule),
                regulation: Value::from(&*f.regulation),
                citation: Value::from(&*f.citation),
                article: Value::from(&*f.article),
                article_title: Value::from(parts.article_title.as_str()),
                title: Value::from(&*f.title),
                jurisdiction: Value::from(&*f.jurisdiction),
                jurisdiction_name: Value::from(parts.jurisdiction_name.as_str()),
                in_force: Value::from(f.in_force.map(|d| d.to_string())),
                obligation: Value::from(&*f.obligation),
                agencies: strings(&f.agencies[..]),
                actions: strings(&f.actions[..]),
                source: Value::from(&*f.source),
                agency_values: parts
                    .agencies
                    .iter()
                    .map(|a| AgencyValues {
                        name: Value::from(&*a.name),
                        remit: Value::from(a.remit.as_deref()),
                        url: Value::from(a.url.as_deref()),
                    })
                    .collect(),
                reference: Value::none(),
            };
            v.reference = to_value(&FindingRef {
                rule: &v.rule,
                regulation: &v.regulation,
                citation: &v.citation,
                title: &v.title,
                jurisdiction: &v.jurisdiction,
                severity: f.severity,
                status: f.status,
                in_force: &v.in_force,
                obligation: &v.obligation,
            });
            v
        })
    }

    fn finding<'s>(&self, s: &'s Item<'_>) -> FindingView<'s> {
        let v = self.values(&s.parts);
        let f = s.finding;
        FindingView {
            rule: &v.rule,
            regulation: &v.regulation,
            citation: &v.citation,
            article: &v.article,
            article_title: &v.article_title,
            title: &v.title,
            jurisdiction: &v.jurisdiction,
            jurisdiction_name: &v.jurisdiction_name,
            severity: f.severity,
            status: f.status,
            in_force: &v.in_force,
            obligation: &v.obligation,
            agencies: &v.agencies,
            actions: &v.actions,
            because: &f.because,
            missing: &f.missing,
            source: &v.source,
            review: f.review.as_ref(),
        }
    }

    fn flag<'s>(&'s self, f: &'s Flag) -> FlagView<'s> {
        FlagView {
            jurisdiction: &f.jurisdiction,
            jurisdiction_name: self.jurisdiction_name(&f.jurisdiction),
            status: f.status,
            in_force: f.in_force,
            severity: f.severity,
            regulations: &f.regulations,
        }
    }

    /// PackRef of every pack, engaged or not as the plan says.
    fn packs_used(&self, engaged: &[bool]) -> Vec<&Value> {
        self.packs
            .iter()
            .zip(engaged)
            .map(|(v, &engaged)| &v.refs[usize::from(engaged)])
            .collect()
    }

    /// A value of the attribute at this index of the vocabulary, with its meaning.
    fn term_of<'s>(&'s self, attribute: Option<usize>, value: &'s str) -> Term<'s> {
        let vocab = &self.set.vocab;
        let label = attribute
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

    /// The values an attribute states (a list, or one value), with their meanings.
    fn terms_of<'s>(&'s self, attribute: Option<usize>, value: &'s Json) -> Vec<Term<'s>> {
        match value {
            Json::Array(items) => items
                .iter()
                .filter_map(Json::as_str)
                .map(|v| self.term_of(attribute, v))
                .collect(),
            Json::String(v) => vec![self.term_of(attribute, v)],
            _ => Vec::new(),
        }
    }

    pub(super) fn terms<'s>(
        &'s self,
        attrs: Option<&'s Map<String, Json>>,
        attribute: &str,
    ) -> Vec<Term<'s>> {
        match attrs.and_then(|a| a.get(attribute)) {
            Some(value) => self.terms_of(self.set.vocab.attribute(attribute), value),
            None => Vec::new(),
        }
    }

    /// Every attribute the provision states with a value, in vocabulary order.
    pub(super) fn categories<'s>(
        &'s self,
        attrs: Option<&'s Map<String, Json>>,
    ) -> Vec<Category<'s>> {
        let Some(attrs) = attrs else {
            return Vec::new();
        };
        let vocab = &self.set.vocab;
        let mut found: Vec<(usize, Category<'s>)> = attrs
            .iter()
            .filter_map(|(name, value)| {
                let i = vocab.attribute(name)?;
                let field = &vocab.attributes[i];
                let values = self.terms_of(Some(i), value);
                (!values.is_empty()).then_some((
                    i,
                    Category {
                        attribute: &field.name,
                        label: &field.doc,
                        values,
                    },
                ))
            })
            .collect();
        found.sort_by_key(|(i, _)| *i);
        found.into_iter().map(|(_, c)| c).collect()
    }

    /// The regulations of a plan as template values.
    fn regulations<'s>(
        &'s self,
        items: &[&'s Item<'_>],
        plan: &[RegulationPlan],
    ) -> Vec<RegulationView<'s>> {
        plan.iter()
            .map(|r| RegulationView {
                header: &self.packs[r.pack].header,
                severity: r.severity,
                status: r.status,
                articles: r
                    .articles
                    .iter()
                    .map(|a| {
                        let v = self.values(&items[a.findings[0]].parts);
                        ArticleView {
                            article: &v.article,
                            citation: &v.citation,
                            title: &v.article_title,
                            source: &v.source,
                            findings: a
                                .findings
                                .iter()
                                .map(|&k| &self.values(&items[k].parts).reference)
                                .collect(),
                        }
                    })
                    .collect(),
                agencies: self.agencies(items, &r.agencies),
            })
            .collect()
    }

    /// Agencies of a plan as template values.
    fn agencies<'s>(&'s self, items: &[&'s Item<'_>], plan: &[AgencyPlan]) -> Vec<AgencyView<'s>> {
        plan.iter()
            .map(|a| {
                let v = &self.values(&items[a.item].parts).agency_values[a.agency];
                AgencyView {
                    name: &v.name,
                    remit: &v.remit,
                    url: &v.url,
                    regulations: a
                        .regulations
                        .iter()
                        .map(|&k| &self.values(&items[k].parts).regulation)
                        .collect(),
                }
            })
            .collect()
    }

    /// Actions of a plan as template values.
    fn actions<'s>(
        &'s self,
        items: &[&'s Item<'_>],
        plan: &[ActionPlan<'s>],
    ) -> Vec<ActionView<'s>> {
        plan.iter()
            .map(|a| {
                let v = self.values(&items[a.item].parts);
                ActionView {
                    text: &v.actions.as_array().unwrap_or_default()[a.action],
                    severity: a.severity,
                    status: a.status,
                    citations: self.citations(items, &a.citations),
                    provisions: a.provisions.clone(),
                }
            })
            .collect()
    }

    /// The citations of these findings, as template values.
    fn citations<'s>(&'s self, items: &[&'s Item<'_>], which: &[usize]) -> Vec<&'s Value> {
        which
            .iter()
            .map(|&k| &self.values(&items[k].parts).citation)
            .collect()
    }

    /// The FindingRefs of these findings.
    fn references<'s>(&'s self, items: &[&'s Item<'_>], which: &[usize]) -> Vec<&'s Value> {
        which
            .iter()
            .map(|&k| &self.values(&items[k].parts).reference)
            .collect()
    }
}

/// A list of strings (a finding's agencies or actions, `String` or shared text).
fn strings<S: std::ops::Deref<Target = str>>(items: &[S]) -> Value {
    Value::from(
        items
            .iter()
            .map(|s| Value::from(&**s))
            .collect::<Vec<Value>>(),
    )
}

/// A serializable value as a tera value.
// INVARIANT: only plain data goes in (strings, numbers, dates, lists, structs), which tera's
// serializer always converts; it fails only on map keys that are not scalars.
fn to_value<T: Serialize + ?Sized>(value: &T) -> Value {
    Value::try_from_serializable(value).unwrap_or_else(|_| Value::none())
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

/// The context of one provision's memo.
pub fn provision_memo(
    basis: &Basis<'_>,
    doc: &Document,
    provision: &Provision,
    outcome: &Outcome,
) -> Result<Context, tera::Error> {
    let plan = basis.plan(provision, outcome);
    provision_context(basis, doc, provision, outcome, &plan)
}

/// The context of one provision's memo, from its plan.
pub fn provision_context(
    basis: &Basis<'_>,
    doc: &Document,
    provision: &Provision,
    outcome: &Outcome,
    plan: &ProvisionPlan<'_>,
) -> Result<Context, tera::Error> {
    let items: Vec<&Item<'_>> = plan.items.iter().collect();
    ProvisionMemo {
        memo: &basis.info[0],
        entity: entity(doc),
        document: document(doc),
        provision: ProvisionView {
            id: &provision.id,
            title: &provision.title,
            text: &provision.text,
            sha256: &provision.sha256,
            severity: plan.severity,
            categories: plan.categories.clone(),
            errors: &outcome.errors,
            evidence: plan.evidence.clone(),
            skipped: plan.skipped.clone(),
        },
        exposure: Exposure {
            severity: plan.severity,
            reasons: basis.references(&items, &plan.reasons),
            counts: plan.counts.clone(),
        },
        regulations: basis.regulations(&items, &plan.regulations),
        findings: items.iter().map(|s| basis.finding(s)).collect(),
        flags: outcome.flags.iter().map(|f| basis.flag(f)).collect(),
        contracts: Contracts {
            recipients: plan.recipients.clone(),
            transfers: plan.transfers.clone(),
            findings: basis.references(&items, &plan.contracts),
        },
        actions: basis.actions(&items, &plan.actions),
        agencies: basis.agencies(&items, &plan.agencies),
        choices: Choices {
            offered: plan.offered.clone(),
            consent: plan.consent.clone(),
            findings: basis.references(&items, &plan.choices),
        },
        unknowns: plan
            .unknowns
            .iter()
            .map(|u| Unknown {
                fact: u.fact,
                citations: basis.citations(&items, &u.citations),
            })
            .collect(),
        receipt: ProvisionReceipt {
            record: &provision.id,
            document: &doc.meta.id,
            entity: &doc.entity.id,
            source_url: &doc.meta.url,
            captured: doc.meta.captured.as_deref(),
            updated: doc.meta.updated.as_deref(),
            sha256: &provision.sha256,
            as_of: &basis.as_of_value,
            clausemap: VERSION,
            rules_sha256: &basis.rules_sha256_value,
            rules: basis.packs_used(&plan.engaged),
        },
    }
    .to_context()
}

/// The context of a document's memo.
pub fn document_memo(
    basis: &Basis<'_>,
    doc: &Document,
    outcomes: &[Outcome],
) -> Result<Context, tera::Error> {
    // Per provision, its findings with their rule parts.
    let shared: Vec<Vec<Item<'_>>> = outcomes
        .iter()
        .map(|o| o.findings.iter().map(|f| basis.item(f)).collect())
        .collect();
    let all: Vec<(&str, &Item<'_>)> = outcomes
        .iter()
        .zip(&shared)
        .flat_map(|(o, s)| s.iter().map(move |s| (o.id.as_str(), s)))
        .collect();
    let every: Vec<&Item<'_>> = all.iter().map(|(_, s)| *s).collect();
    let ids: Vec<&str> = all.iter().map(|(p, _)| *p).collect();
    let findings: Vec<&Finding> = every.iter().map(|s| s.finding).collect();
    let severities: Vec<Option<Severity>> = outcomes.iter().map(|o| o.severity).collect();

    // Jurisdictions: every flagged code, by code.
    let mut by_j: BTreeMap<&str, JurisdictionSummary<'_>> = BTreeMap::new();
    for o in outcomes {
        for flag in &o.flags {
            let count = o
                .findings
                .iter()
                .filter(|f| *f.jurisdiction == *flag.jurisdiction)
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
            if plan::status_rank(flag.status) > plan::status_rank(s.status) {
                s.status = flag.status;
                s.severity = flag.severity;
            } else if flag.status == s.status {
                s.severity = s.severity.max(flag.severity);
            }
            s.provisions += 1;
            s.findings += count;
            for r in &flag.regulations {
                if !s.regulations.contains(&r.as_str()) {
                    s.regulations.push(r);
                }
            }
        }
    }
    for s in by_j.values_mut() {
        s.regulations.sort_unstable();
    }
    let jurisdictions: Vec<JurisdictionView<'_>> = by_j
        .values()
        .map(|s| JurisdictionView {
            code: s.jurisdiction,
            name: s.name,
        })
        .collect();

    // The gravest findings: applies first, then severity, one entry per rule.
    let mut ranked: Vec<&(&str, &Item<'_>)> = all.iter().collect();
    ranked.sort_by(|a, b| {
        let (a, b) = (a.1.finding, b.1.finding);
        plan::status_rank(b.status)
            .cmp(&plan::status_rank(a.status))
            .then(b.severity.cmp(&a.severity))
    });
    let mut gravest: Vec<Gravest<'_>> = Vec::new();
    for (p, s) in &ranked {
        let rule: &str = &s.finding.rule;
        if let Some(g) = gravest.iter_mut().find(|g| g.rule == rule) {
            if !g.provisions.contains(p) {
                g.provisions.push(p);
            }
        } else if gravest.len() < 3 {
            gravest.push(Gravest {
                finding: &basis.values(&s.parts).reference,
                provisions: vec![p],
                rule,
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

    let regulations = plan::regulations(&every)
        .iter()
        .map(|r| {
            let provisions = outcomes
                .iter()
                .zip(&shared)
                .filter_map(|(o, s)| {
                    let own: Vec<&Item<'_>> =
                        s.iter().filter(|s| s.parts.pack == Some(r.pack)).collect();
                    let first = own.first()?.finding;
                    let mut cited: Vec<&str> = Vec::new();
                    let mut citations: Vec<&Value> = Vec::new();
                    for s in &own {
                        if !cited.contains(&&*s.finding.citation) {
                            cited.push(&s.finding.citation);
                            citations.push(&basis.values(&s.parts).citation);
                        }
                    }
                    Some(Engagement {
                        id: &o.id,
                        title: &o.title,
                        severity: own
                            .iter()
                            .map(|s| s.finding.severity)
                            .max()
                            .unwrap_or(first.severity),
                        status: own
                            .iter()
                            .fold(first.status, |st, s| stronger(st, s.finding.status)),
                        citations,
                    })
                })
                .collect();
            DocRegulation {
                header: &basis.packs[r.pack].header,
                severity: r.severity,
                status: r.status,
                provisions,
                agencies: basis.agencies(&every, &r.agencies),
            }
        })
        .collect();

    DocumentMemo {
        memo: &basis.info[1],
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
            by_severity: plan::severity_counts(findings.iter().copied(), &severities),
            by_jurisdiction: by_j.into_values().collect(),
            gravest,
        },
        jurisdictions,
        matrix,
        regulations,
        actions: basis.actions(&every, &plan::actions(&every, &ids)),
        provisions: outcomes
            .iter()
            .zip(&doc.provisions)
            .zip(&shared)
            .map(|((o, p), s)| ProvisionSummary {
                id: &o.id,
                title: &o.title,
                text: &p.text,
                severity: o.severity,
                sha256: &o.sha256,
                flags: o.flags.iter().map(|f| basis.flag(f)).collect(),
                findings: s
                    .iter()
                    .map(|s| &basis.values(&s.parts).reference)
                    .collect(),
                errors: &o.errors,
            })
            .collect(),
        receipt: DocumentReceipt {
            document: &doc.meta.id,
            entity: &doc.entity.id,
            source_url: &doc.meta.url,
            captured: doc.meta.captured.as_deref(),
            updated: doc.meta.updated.as_deref(),
            as_of: &basis.as_of_value,
            clausemap: VERSION,
            rules_sha256: &basis.rules_sha256_value,
            rules: basis.packs_used(&plan::engaged(basis, &every)),
            provisions: outcomes
                .iter()
                .map(|o| ProvisionDigest {
                    id: &o.id,
                    sha256: &o.sha256,
                })
                .collect(),
        },
    }
    .to_context()
}
