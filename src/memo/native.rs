//! The built-in provision templates (`provision.md.tera`, `provision.html.tera`, with the
//! `_receipt`, `_macros` and `_style.css` partials they include), compiled by hand into Rust
//! that writes straight into the output buffer.
//!
//! Takes the [`ProvisionPlan`] the tera context is built from (so both show the same values in
//! the same order) and writes the same bytes tera writes with the built-in templates: the same
//! text around the values, the same whitespace, and every value through the same escape (the
//! `md`, `md_quote` and `link` filters of [`super::engine`], tera's HTML autoescape). It is used
//! only while the provision template and every template it includes are the built-in ones
//! ([`super::engine::Templates::is_builtin`]); `tests/memo_native.rs` renders every memo of
//! the examples, the fixtures and the corpus both ways and compares the bytes.
//!
//! Speed: what depends only on the rule set (a pack's header, penalties and receipt row; a
//! rule's citation, titles, obligation, status, actions and agencies; the receipt's fixed
//! lines) is escaped once per run, into [`BasisFrags`] and [`RuleFrags`], so a memo is mostly a
//! copy of escaped fragments; only what belongs to the provision (its clause, ids, attributes,
//! conditions, flags, reviews, evidence, peers) is escaped per memo.
//!
//! Each section below names the template lines it writes. A change to a built-in provision
//! template must be made here too: the comparison test fails until it is.

use serde_json::Value as Json;

use super::context::{Basis, Term};
use super::engine::{builtin_text, html_escape_to, link, md_escape_to, md_quote_to};
use super::plan::{AgencyPlan, Item, PeerPlan, ProvisionPlan, RuleParts};
use crate::date::Date;
use crate::eval::{Finding, Outcome, Status};
use crate::model::{Document, Provision};
use crate::report::VERSION;
use crate::rules::Severity;

/// A memo the native renderer does not write: a value of the input has a shape it does not
/// print (an evidence offset that is not an integer, a review that is not the usual object).
/// Tera then renders it, and reports any error the templates meet.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Unsupported(pub &'static str);

/// What a rule gives every memo it appears in, escaped for the format of the run: the same
/// for every finding of one rule with one status.
pub struct RuleFrags {
    /// The citation, escaped.
    citation: String,
    /// The regulation, escaped.
    regulation: String,
    /// Whether the citation and the regulation can follow a separator in a joined Markdown
    /// list escaped on their own (they do not start with a line break or tab, which `md`
    /// would drop after the separator's space).
    joins: bool,
    /// Regulatory framework: the article line (of the first finding on the article).
    article: String,
    /// Regulatory framework: the finding under its article.
    under_article: String,
    /// Governance exposure: a reason.
    reason: String,
    /// Contract and vendor implications: a finding resting on recipients or transfers.
    contract: String,
    /// What the people affected can do: a finding turning on choice or consent.
    choice: String,
    /// Why each finding is raised: the finding's line up to its review.
    why: String,
    /// The actions, escaped.
    actions: Vec<String>,
    agencies: Vec<AgencyFrags>,
}

/// An agency named by a rule, escaped.
struct AgencyFrags {
    /// The name, escaped (the enforcing authorities under penalties).
    name: String,
    /// Applicable agencies: before the regulations it is named under.
    head: String,
    /// Applicable agencies: after them (remit, address).
    tail: String,
}

/// What a pack gives every memo, escaped for the format of the run.
struct PackFrags {
    /// Regulatory framework: the regulation's heading and citation line (Markdown); its
    /// heading up to the severity badge (HTML).
    framework: String,
    /// HTML: the rest of the heading and the citation line.
    framework_cite: String,
    /// Governance exposure: penalties under the regulation.
    penalties: String,
    /// The receipt's row for the pack, not engaged and engaged.
    receipt: [String; 2],
}

/// What the rule set and the date give every memo, escaped for the format of the run.
pub struct BasisFrags {
    html: bool,
    packs: Vec<PackFrags>,
    /// HTML: the page up to the title.
    head: String,
    /// HTML: from the title to the `<h1>` (the stylesheet, the letterhead).
    style: String,
    /// The date of the run, escaped.
    as_of: String,
    /// The receipt's lines after the document's, to the rule packs' rows.
    receipt: String,
}

/// The memo of one provision, appended to `out`.
pub fn provision(
    basis: &Basis<'_>,
    doc: &Document,
    provision: &Provision,
    outcome: &Outcome,
    plan: &ProvisionPlan<'_>,
    peers: Option<&[PeerPlan<'_>]>,
    out: &mut Vec<u8>,
) -> Result<(), Unsupported> {
    let frags = basis.native.get_or_init(|| basis_frags(basis));
    let rules: Vec<&RuleFrags> = plan
        .items
        .iter()
        .map(|it| rule_frags(frags.html, &it.parts))
        .collect();
    let memo = Memo {
        basis,
        frags,
        doc,
        provision,
        outcome,
        plan,
        rules,
        peers: peers.filter(|p| !p.is_empty()),
    };
    out.reserve(if frags.html { 48 * 1024 } else { 32 * 1024 });
    if frags.html {
        memo.html(out)
    } else {
        memo.md(out)
    }
}

/// One memo being written.
struct Memo<'m, 'a> {
    basis: &'m Basis<'a>,
    frags: &'m BasisFrags,
    doc: &'m Document,
    provision: &'m Provision,
    outcome: &'m Outcome,
    plan: &'m ProvisionPlan<'m>,
    /// The fragments of each finding's rule, as `plan.items`.
    rules: Vec<&'m RuleFrags>,
    /// `None` without `--peers`, and when the provision states no purpose (the templates test
    /// `{% if peers %}`).
    peers: Option<&'m [PeerPlan<'m>]>,
}

// --- writing ----------------------------------------------------------------------------------

#[inline]
fn put(out: &mut Vec<u8>, s: &str) {
    out.extend_from_slice(s.as_bytes());
}

/// `{{ s | md }}`.
#[inline]
fn md(out: &mut Vec<u8>, s: &str) {
    md_escape_to(out, s, false);
}

/// `{{ s }}` in an autoescaped template.
#[inline]
fn h(out: &mut Vec<u8>, s: &str) {
    html_escape_to(out, s);
}

/// A count, as tera prints an integer.
fn num(out: &mut Vec<u8>, n: usize) {
    let mut digits = [0u8; 20];
    let mut i = digits.len();
    let mut n = n;
    loop {
        i -= 1;
        digits[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    out.extend_from_slice(&digits[i..]);
}

/// `{{ items | join(sep=SEP) | md }}`: each item escaped on its own when that gives the same,
/// else the joined text escaped.
fn md_join<'s>(out: &mut Vec<u8>, items: impl Iterator<Item = &'s str> + Clone, sep: &str) {
    if items.clone().skip(1).all(joins) {
        for (i, item) in items.enumerate() {
            if i > 0 {
                put(out, sep);
            }
            md(out, item);
        }
    } else {
        md(out, &items.collect::<Vec<_>>().join(sep));
    }
}

/// Whether `md` escapes `text` after a separator as it does on its own: after the
/// separator's space, `md` drops a leading line break or tab instead of writing a space.
fn joins(text: &str) -> bool {
    !text.starts_with(['\r', '\n', '\t'])
}

/// `{{ items | join(sep=SEP) }}` in an autoescaped template.
fn h_join<'s>(out: &mut Vec<u8>, items: impl Iterator<Item = &'s str>, sep: &str) {
    for (i, item) in items.enumerate() {
        if i > 0 {
            put(out, sep);
        }
        h(out, item);
    }
}

/// A string that tera reads as true: not empty.
fn some(s: Option<&str>) -> Option<&str> {
    s.filter(|s| !s.is_empty())
}

/// `md_status` (`_macros.md.tera`).
fn md_status(out: &mut Vec<u8>, status: Status, in_force: Option<Date>) {
    match in_force {
        Some(d) if status == Status::Upcoming => {
            put(out, "upcoming (in force ");
            put(out, &d.to_string());
            put(out, ")");
        }
        _ => put(out, status.as_str()),
    }
}

/// `md_severity` (`_macros.md.tera`).
fn md_severity(out: &mut Vec<u8>, severity: Option<Severity>) {
    match severity {
        Some(s) => {
            put(out, "**");
            put(out, &s.as_str().to_uppercase());
            put(out, "**");
        }
        None => put(out, "none"),
    }
}

/// `html_badge` (`_macros.html.tera`).
fn html_badge(out: &mut Vec<u8>, severity: Option<&str>) {
    match some(severity) {
        Some(s) => {
            put(out, "<span class=\"badge ");
            h(out, s);
            put(out, "\">");
            h(out, s);
            put(out, "</span>");
        }
        None => put(out, "<span class=\"badge none\">none</span>"),
    }
}

/// `html_status` (`_macros.html.tera`).
fn html_status(out: &mut Vec<u8>, status: Status, in_force: Option<Date>) {
    put(out, "<span class=\"status ");
    put(out, status.as_str());
    put(out, "\">");
    match in_force {
        Some(d) if status == Status::Upcoming => {
            put(out, "upcoming · in force ");
            put(out, &d.to_string());
        }
        _ => put(out, status.as_str()),
    }
    put(out, "</span>");
}

/// `html_link` (`_macros.html.tera`): a link when the address is one, else the text (or the
/// address); nothing without either.
fn html_link(out: &mut Vec<u8>, url: Option<&str>, text: Option<&str>) {
    let url = some(url);
    let Some(shown) = some(text).or(url) else {
        return;
    };
    let href = url.map(link).unwrap_or_default();
    if href.is_empty() {
        h(out, shown);
    } else {
        put(out, "<a href=\"");
        h(out, &href);
        put(out, "\">");
        h(out, shown);
        put(out, "</a>");
    }
}

/// Markdown terms: `label (`value`)`, `; ` between, `none stated` for none.
fn md_terms(out: &mut Vec<u8>, terms: &[Term<'_>]) {
    if terms.is_empty() {
        put(out, "none stated");
    }
    for (i, t) in terms.iter().enumerate() {
        if i > 0 {
            put(out, "; ");
        }
        md(out, t.label);
        put(out, " (`");
        md(out, t.value);
        put(out, "`)");
    }
}

/// HTML terms: `label <span class="cites">(value)</span>`, `; ` between.
fn html_terms(out: &mut Vec<u8>, terms: &[Term<'_>]) {
    if terms.is_empty() {
        put(out, "<span class=\"none\">none stated</span>");
    }
    for (i, t) in terms.iter().enumerate() {
        if i > 0 {
            put(out, "; ");
        }
        h(out, t.label);
        put(out, " <span class=\"cites\">(");
        h(out, t.value);
        put(out, ")</span>");
    }
}

/// Whether tera reads a JSON value as true.
fn truthy(v: &Json) -> bool {
    match v {
        Json::Null => false,
        Json::Bool(b) => *b,
        Json::Number(n) => n.as_f64().is_some_and(|x| x != 0.0),
        Json::String(s) => !s.is_empty(),
        Json::Array(a) => !a.is_empty(),
        Json::Object(o) => !o.is_empty(),
    }
}

/// A field of an object that must be a string (the templates escape it).
fn text_field<'j>(object: &'j Json, key: &str, what: &'static str) -> Result<&'j str, Unsupported> {
    object
        .get(key)
        .and_then(Json::as_str)
        .ok_or(Unsupported(what))
}

/// The text fields of one evidence entry as the classifier writes them.
struct Evidence<'j> {
    attribute: &'j str,
    value: &'j str,
    text: &'j str,
    pattern: &'j str,
}

impl<'j> Evidence<'j> {
    fn of(e: &'j Json) -> Result<Evidence<'j>, Unsupported> {
        let field = |key| text_field(e, key, "evidence that is not the classifier's");
        Ok(Evidence {
            attribute: field("attribute")?,
            value: field("value")?,
            text: field("text")?,
            pattern: field("pattern")?,
        })
    }
}

/// An optional field of an object: absent or false, or a string.
fn optional_text<'j>(
    object: &'j Json,
    key: &str,
    what: &'static str,
) -> Result<Option<&'j str>, Unsupported> {
    match object.get(key) {
        None => Ok(None),
        Some(v) if !truthy(v) => Ok(None),
        Some(Json::String(s)) => Ok(Some(s)),
        Some(_) => Err(Unsupported(what)),
    }
}

/// A number (or other scalar) a template prints as it is: `{{ e.start }}`.
fn scalar(out: &mut Vec<u8>, v: Option<&Json>, html: bool) -> Result<(), Unsupported> {
    match v {
        Some(Json::Number(n)) if n.is_u64() || n.is_i64() => put(out, &n.to_string()),
        Some(Json::String(s)) if html => h(out, s),
        Some(Json::String(s)) => put(out, s),
        Some(Json::Bool(b)) => put(out, if *b { "true" } else { "false" }),
        Some(Json::Null) => {}
        _ => return Err(Unsupported("an evidence offset that is not an integer")),
    }
    Ok(())
}

/// A finding's review as both templates write it: `; review: STATE[ by WHO][ on DATE]`.
fn review(
    out: &mut Vec<u8>,
    review: Option<&Json>,
    escape: fn(&mut Vec<u8>, &str),
) -> Result<(), Unsupported> {
    let Some(r) = review.filter(|r| truthy(r)) else {
        return Ok(());
    };
    if !r.is_object() {
        return Err(Unsupported("a review that is not an object"));
    }
    put(out, "; review: ");
    escape(out, text_field(r, "state", "a review without a state")?);
    if let Some(who) = optional_text(r, "reviewer", "a reviewer that is not a string")? {
        put(out, " by ");
        escape(out, who);
    }
    if let Some(date) = optional_text(r, "date", "a review date that is not a string")? {
        put(out, " on ");
        escape(out, date);
    }
    Ok(())
}

// --- what the rule set gives ------------------------------------------------------------------

fn basis_frags(basis: &Basis<'_>) -> BasisFrags {
    let html = basis.format == "html";
    let esc = |s: &str| -> String {
        let mut out = Vec::new();
        if html {
            h(&mut out, s);
        } else {
            md(&mut out, s);
        }
        text(out)
    };
    let mut as_of = Vec::new();
    if html {
        h(&mut as_of, &basis.as_of.to_string());
    } else {
        put(&mut as_of, &basis.as_of.to_string());
    }
    let as_of = text(as_of);
    let packs = basis
        .set
        .packs
        .iter()
        .map(|p| {
            let jurisdiction = basis.jurisdiction_name(&p.jurisdiction);
            let source = link(&p.source);
            let (regulation, name, citation) = (esc(&p.regulation), esc(&p.name), esc(&p.citation));
            let in_force = p.in_force.to_string();
            if html {
                let mut cite = format!(
                    "</h3>\n<p class=\"cite\">{citation} · {} · in force since {}",
                    esc(jurisdiction),
                    esc(&in_force)
                );
                if !source.is_empty() {
                    cite += &format!(" · <a href=\"{}\">official text</a>", esc(&source));
                }
                cite += "</p>";
                let penalties = if p.penalties.is_empty() {
                    "<span class=\"none\">The pack states no penalties.</span>".to_string()
                } else {
                    esc(&p.penalties)
                };
                let row = |engaged: &str| {
                    format!(
                        "\n<tr><td><code>{}</code></td><td>{regulation}</td><td><code>{}</code></td><td>{engaged}</td></tr>",
                        esc(&p.file),
                        esc(&p.sha256)
                    )
                };
                PackFrags {
                    framework: format!(
                        "\n<div class=\"regulation\">\n<h3>{regulation}: {name} "
                    ),
                    framework_cite: cite,
                    penalties: format!(
                        "\n<h4>Penalties under {regulation}</h4>\n<p class=\"penalties\">{penalties}</p>"
                    ),
                    receipt: [row("no"), row("yes")],
                }
            } else {
                let mut framework = format!(
                    "\n### {regulation}: {name}\n\n{citation} · {} · in force since {in_force}",
                    esc(jurisdiction)
                );
                if !source.is_empty() {
                    framework += &format!(" · <{source}>");
                }
                framework += "\n";
                let penalties = if p.penalties.is_empty() {
                    format!("The {regulation} pack states no penalties.")
                } else {
                    esc(&p.penalties)
                };
                let row = |engaged: &str| {
                    format!(
                        "\n| `{}` | {regulation} | `{}` | {engaged} |",
                        esc(&p.file),
                        p.sha256
                    )
                };
                PackFrags {
                    framework,
                    framework_cite: String::new(),
                    penalties: format!("\n### Penalties under {regulation}\n\n{penalties}\n"),
                    receipt: [row("no"), row("yes")],
                }
            }
        })
        .collect();
    if html {
        let version = esc(VERSION);
        BasisFrags {
            html,
            packs,
            head: format!(
                "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<meta name=\"generator\" content=\"clausemap {version}\">\n<title>Compliance memo: "
            ),
            style: format!(
                ")</title>\n<style>\n{}\n</style>\n</head>\n<body>\n<header class=\"letterhead\"><span class=\"firm\">clausemap</span><span class=\"kind\">Compliance memorandum · as of {as_of}</span></header>\n\n<h1>",
                stylesheet()
            ),
            receipt: format!(
                "\n<tr><th>As of</th><td>{as_of}</td></tr>\n<tr><th>clausemap</th><td>{version}</td></tr>\n<tr><th>Rule packs</th><td><code>{}</code> (combined)</td></tr>\n</table>\n<table class=\"grid receipt\">\n<tr><th>Rule pack</th><th>Regulation</th><th>SHA-256</th><th>Engaged</th></tr>",
                esc(&basis.rules_sha256)
            ),
            as_of,
        }
    } else {
        BasisFrags {
            html,
            packs,
            head: String::new(),
            style: String::new(),
            receipt: format!(
                "\n| As of | {as_of} |\n| clausemap | {VERSION} |\n| Rule packs (combined SHA-256) | `{}` |\n\n| Rule pack | Regulation | SHA-256 | Engaged |\n|---|---|---|---|",
                basis.rules_sha256
            ),
            as_of,
        }
    }
}

/// `_style.css.tera` as tera renders it: static text after its comment, whose `-#}` trims the
/// whitespace that follows.
fn stylesheet() -> &'static str {
    let text = builtin_text("_style.css.tera").unwrap_or_default();
    match text.find("-#}") {
        Some(end) if text.starts_with("{#") => text[end + 3..].trim_start(),
        _ => text,
    }
}

/// Bytes written from `&str` pieces only: always UTF-8.
fn text(bytes: Vec<u8>) -> String {
    String::from_utf8(bytes).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
}

fn rule_frags(html: bool, parts: &RuleParts) -> &RuleFrags {
    parts.native.get_or_init(|| {
        let f = &parts.key;
        let esc = |s: &str| -> String {
            let mut out = Vec::new();
            if html {
                h(&mut out, s);
            } else {
                md(&mut out, s);
            }
            text(out)
        };
        let (citation, title, severity) = (esc(&f.citation), esc(&f.title), f.severity.as_str());
        let mut status = Vec::new();
        if html {
            html_status(&mut status, f.status, f.in_force);
        } else {
            md_status(&mut status, f.status, f.in_force);
        }
        let status = text(status);
        let agencies = parts
            .agencies
            .iter()
            .map(|a| {
                let name = esc(&a.name);
                let remit = some(a.remit.as_deref());
                let url = some(a.url.as_deref()).map(link).filter(|l| !l.is_empty());
                if html {
                    let mut head = b"\n<li class=\"agency\"><strong>".to_vec();
                    html_link(&mut head, a.url.as_deref(), Some(&*a.name));
                    put(&mut head, "</strong> <span class=\"cites\">(");
                    let mut tail = ")</span>".to_string();
                    if let Some(remit) = remit {
                        tail += &format!("<br><span class=\"remit\">{}</span>", esc(remit));
                    }
                    tail += "</li>";
                    AgencyFrags {
                        name,
                        head: text(head),
                        tail,
                    }
                } else {
                    let mut tail = ")".to_string();
                    if let Some(remit) = remit {
                        tail += &format!(": {}", esc(remit));
                    }
                    if let Some(url) = url {
                        tail += &format!(" <{url}>");
                    }
                    AgencyFrags {
                        head: format!("\n- **{name}** ("),
                        name,
                        tail,
                    }
                }
            })
            .collect();
        let article_title = some(Some(&parts.article_title));
        let rule = esc(&f.rule);
        let obligation = esc(&f.obligation);
        if html {
            let mut badge = Vec::new();
            html_badge(&mut badge, Some(severity));
            let badge = text(badge);
            let in_force = f
                .in_force
                .map(|d| format!(" from {}", esc(&d.to_string())))
                .unwrap_or_default();
            RuleFrags {
                article: format!(
                    "\n<div class=\"article\">\n<div><span class=\"pin\">{citation}</span>{}</div>",
                    article_title
                        .map(|t| format!(" — {}", esc(t)))
                        .unwrap_or_default()
                ),
                under_article: format!(
                    "\n<div class=\"finding\">\n<div><span class=\"title\">{title}</span> {badge} {status}</div>\n<p class=\"obligation\">{obligation}</p>\n</div>"
                ),
                reason: format!("\n<li><strong>{citation}</strong>: {title}</li>"),
                contract: format!(
                    "\n<li><strong>{citation}</strong>: {title} {badge} {status}</li>"
                ),
                choice: format!("\n<li><strong>{citation}</strong>: {title} {status}</li>"),
                why: format!(
                    "\n<li><strong>{citation}</strong>, {title} <span class=\"cites\">({severity}, {}{in_force}; rule <code>{rule}</code>",
                    f.status.as_str()
                ),
                citation,
                regulation: esc(&f.regulation),
                joins: true,
                actions: f.actions.iter().map(|a| esc(a)).collect(),
                agencies,
            }
        } else {
            RuleFrags {
                article: format!(
                    "\n- **{citation}**{}",
                    article_title
                        .map(|t| format!(": {}", esc(t)))
                        .unwrap_or_default()
                ),
                under_article: format!("\n  - *{title}* ({severity}, {status}). {obligation}"),
                reason: format!("\n- {citation}: {title}"),
                contract: format!("\n- **{citation}**: {title} ({severity}, {status})"),
                choice: format!("\n- **{citation}**: {title} ({severity}, {status})"),
                why: format!("\n- **{citation}**, {title} ({severity}, {status}; rule `{rule}`)"),
                citation,
                regulation: esc(&f.regulation),
                joins: joins(&f.citation) && joins(&f.regulation),
                actions: f.actions.iter().map(|a| esc(a)).collect(),
                agencies,
            }
        }
    })
}

// --- the memo ---------------------------------------------------------------------------------

impl Memo<'_, '_> {
    fn item(&self, k: usize) -> &Item<'_> {
        &self.plan.items[k]
    }

    /// `{{ findings | map(citation) | join(sep=SEP) | md }}` of findings `which`.
    fn md_citations(&self, out: &mut Vec<u8>, which: &[usize], sep: &str) {
        self.md_joined(out, which, sep, |r| &r.citation, |f| &f.citation);
    }

    /// The same with the findings' regulations.
    fn md_regulations(&self, out: &mut Vec<u8>, which: &[usize], sep: &str) {
        self.md_joined(out, which, sep, |r| &r.regulation, |f| &f.regulation);
    }

    /// A field of findings `which` joined and escaped as `md` escapes the joined text: the
    /// fragments escaped once per run when the joins cannot change the escaping, else the
    /// raw text escaped whole.
    fn md_joined(
        &self,
        out: &mut Vec<u8>,
        which: &[usize],
        sep: &str,
        frag: fn(&RuleFrags) -> &str,
        raw: fn(&Finding) -> &str,
    ) {
        if which.iter().skip(1).all(|&k| self.rules[k].joins) {
            self.joined(out, which, sep, frag);
        } else {
            md_join(out, which.iter().map(|&k| raw(self.item(k).finding)), sep);
        }
    }

    /// The names of a regulation's agencies, escaped, joined with `; `.
    fn agency_names(&self, out: &mut Vec<u8>, agencies: &[AgencyPlan]) {
        for (i, a) in agencies.iter().enumerate() {
            if i > 0 {
                put(out, "; ");
            }
            put(out, &self.rules[a.item].agencies[a.agency].name);
        }
    }

    /// `{{ ... | join(sep=SEP) }}` of escaped fragments, in HTML.
    fn joined(&self, out: &mut Vec<u8>, which: &[usize], sep: &str, pick: fn(&RuleFrags) -> &str) {
        for (i, &k) in which.iter().enumerate() {
            if i > 0 {
                put(out, sep);
            }
            put(out, pick(self.rules[k]));
        }
    }

    fn title_or_id(&self) -> &str {
        some(Some(&self.provision.title)).unwrap_or(&self.provision.id)
    }

    /// `provision.md.tera`.
    fn md(&self, out: &mut Vec<u8>) -> Result<(), Unsupported> {
        let (doc, p, plan) = (self.doc, self.provision, self.plan);
        let meta = &doc.meta;

        put(out, "# Compliance memo: ");
        md(out, self.title_or_id());
        put(out, "\n\n| | |\n|---|---|\n| Entity | ");
        md(out, &doc.entity.name);
        put(out, " (`");
        md(out, &doc.entity.id);
        put(out, "`) |\n| Document | ");
        if !meta.title.is_empty() {
            md(out, &meta.title);
            put(out, " ");
        }
        put(out, "(`");
        md(out, &meta.id);
        put(out, "`)");
        if let Some(updated) = some(meta.updated.as_deref()) {
            put(out, ", last updated ");
            md(out, updated);
        }
        put(out, " |\n| Provision | `");
        md(out, &p.id);
        put(out, "`");
        if !p.title.is_empty() {
            put(out, ": ");
            md(out, &p.title);
        }
        put(out, " |\n| Severity | ");
        md_severity(out, plan.severity);
        put(out, " |");
        for c in &plan.categories {
            put(out, "\n| ");
            md(out, c.attribute);
            put(out, " | ");
            for (i, v) in c.values.iter().enumerate() {
                if i > 0 {
                    put(out, ", ");
                }
                md(out, v.value);
            }
            put(out, " |");
        }
        put(out, "\n| As of | ");
        put(out, &self.frags.as_of);
        put(out, " |\n\n## The clause\n\n");

        if p.text.trim().is_empty() {
            put(out, "*The provision has no text.*");
        } else {
            md_quote_to(out, &p.text);
        }
        if !meta.title.is_empty() {
            put(out, "\n>\n> — ");
            md(out, &meta.title);
            let url = link(&meta.url);
            if !url.is_empty() {
                put(out, ", <");
                put(out, &url);
                put(out, ">");
            }
        }
        put(out, "\n");
        if !self.outcome.errors.is_empty() {
            put(
                out,
                "\n## Errors\n\nThe provision could not be evaluated:\n",
            );
            for e in &self.outcome.errors {
                put(out, "\n- ");
                md(out, e);
            }
            put(out, "\n");
        }

        put(out, "\n## 1. Regulatory framework\n");
        if plan.regulations.is_empty() {
            put(
                out,
                "\nNo rule of the packs used fires on this provision.\n",
            );
        }
        for r in &plan.regulations {
            put(out, &self.frags.packs[r.pack].framework);
            for a in &r.articles {
                put(out, &self.rules[a.findings[0]].article);
                for &k in &a.findings {
                    put(out, &self.rules[k].under_article);
                }
            }
            put(out, "\n");
        }

        put(out, "\n## 2. Governance exposure\n\nSeverity: ");
        md_severity(out, plan.severity);
        if plan.reasons.is_empty() {
            put(out, ". No finding applies as of ");
            put(out, &self.frags.as_of);
            put(out, ".");
        } else {
            put(out, ", from:\n");
            for &k in &plan.reasons {
                put(out, &self.rules[k].reason);
            }
        }
        put(
            out,
            "\n\n| Severity | Findings | Of which apply |\n|---|---|---|",
        );
        for c in &plan.counts {
            put(out, "\n| ");
            put(out, c.severity.as_str());
            put(out, " | ");
            num(out, c.findings);
            put(out, " | ");
            num(out, c.applies);
            put(out, " |");
        }
        put(out, "\n");
        for r in &plan.regulations {
            put(out, &self.frags.packs[r.pack].penalties);
            if !r.agencies.is_empty() {
                put(out, "\nEnforcing authorities: ");
                self.agency_names(out, &r.agencies);
                put(out, ".\n");
            }
        }

        put(out, "\n## 3. Jurisdiction flags\n");
        if self.outcome.flags.is_empty() {
            put(out, "\nNo jurisdiction is flagged.\n");
        } else {
            put(
                out,
                "\n| Jurisdiction | Status | Severity | Regulations |\n|---|---|---|---|",
            );
            for f in &self.outcome.flags {
                put(out, "\n| ");
                md(out, self.basis.jurisdiction_name(&f.jurisdiction));
                put(out, " (`");
                md(out, &f.jurisdiction);
                put(out, "`) | ");
                md_status(out, f.status, f.in_force);
                put(out, " | ");
                put(out, f.severity.as_str());
                put(out, " | ");
                md_join(out, f.regulations.iter().map(String::as_str), ", ");
                put(out, " |");
            }
            put(out, "\n");
        }

        put(
            out,
            "\n## 4. Contract and vendor implications\n\nRecipients: ",
        );
        md_terms(out, &plan.recipients);
        put(out, ".\nTransfers: ");
        md_terms(out, &plan.transfers);
        put(out, ".\n");
        if plan.contracts.is_empty() {
            put(out, "\nNo finding rests on recipients or transfers.\n");
        } else {
            put(out, "\nFindings that rest on recipients or transfers:\n");
            for &k in &plan.contracts {
                put(out, &self.rules[k].contract);
            }
            put(out, "\n");
        }

        put(out, "\n## 5. Compliance considerations\n");
        if plan.actions.is_empty() {
            put(out, "\nThe rules call for no action.\n");
        } else {
            for (i, a) in plan.actions.iter().enumerate() {
                put(out, "\n");
                num(out, i + 1);
                put(out, ". ");
                put(out, &self.rules[a.item].actions[a.action]);
                put(out, " (");
                put(out, a.severity.as_str());
                put(out, ", ");
                put(out, a.status.as_str());
                put(out, "; ");
                self.md_citations(out, &a.citations, "; ");
                put(out, ")");
            }
            put(out, "\n");
        }

        put(out, "\n## Applicable agencies\n");
        if plan.agencies.is_empty() {
            put(out, "\nNo agency is named by the findings.\n");
        } else {
            for a in &plan.agencies {
                let frags = &self.rules[a.item].agencies[a.agency];
                put(out, &frags.head);
                self.md_regulations(out, &a.regulations, ", ");
                put(out, &frags.tail);
            }
            put(out, "\n");
        }

        put(
            out,
            "\n## What the people affected can do\n\nChoices the clause offers: ",
        );
        md_terms(out, &plan.offered);
        put(out, ".");
        if let Some(consent) = &plan.consent {
            put(out, "\nConsent: `");
            md(out, consent.value);
            put(out, "`");
            if consent.label != consent.value {
                put(out, " (");
                md(out, consent.label);
                put(out, ")");
            }
            put(out, ".");
        }
        put(out, "\n");
        if !plan.choices.is_empty() {
            put(out, "\nFindings that turn on choice or consent:\n");
            for &k in &plan.choices {
                put(out, &self.rules[k].choice);
            }
            put(out, "\n");
        }
        if let Some(peers) = self.peers {
            put(out, "\n## How other platforms handle this\n");
            for c in peers {
                put(out, "\n### ");
                md(out, c.term.label);
                put(out, " (`purpose: ");
                md(out, c.term.value);
                put(out, "`)\n");
                if c.rows.is_empty() {
                    put(out, "\nNo peer document has a provision where ");
                    md(out, &c.practice);
                    put(out, ".\n");
                    continue;
                }
                put(
                    out,
                    "\n| Entity | Provision | Severity | Flags | Consent | Clause |\n|---|---|---|---|---|---|",
                );
                for (r, excerpt) in c.rows.iter().zip(&c.excerpts) {
                    put(out, "\n| ");
                    md(out, &r.entity);
                    put(out, " | `");
                    md(out, &r.provision);
                    put(out, "`");
                    if r.matching > 1 {
                        put(out, " (+");
                        num(out, r.matching - 1);
                        put(out, " more)");
                    }
                    put(out, " | ");
                    put(out, some(r.severity.as_deref()).unwrap_or("none"));
                    put(out, " | ");
                    if r.flags.is_empty() {
                        put(out, "none");
                    } else {
                        md_join(out, r.flags.iter().map(String::as_str), ", ");
                    }
                    put(out, " | ");
                    md(out, &r.consent);
                    put(out, " | ");
                    md(out, excerpt);
                    put(out, " |");
                }
                put(out, "\n");
            }
        }

        put(out, "\n## Facts still unknown\n");
        if plan.unknowns.is_empty() {
            put(out, "\nNone: every finding rests on stated facts.\n");
        } else {
            put(
                out,
                "\nThese facts are not stated; each would change the findings cited:\n",
            );
            for u in &plan.unknowns {
                put(out, "\n- ");
                md(out, u.fact);
                put(out, " (");
                self.md_citations(out, &u.citations, "; ");
                put(out, ")");
            }
            put(out, "\n");
        }

        put(out, "\n## Why each finding is raised\n");
        if plan.items.is_empty() {
            put(out, "\nNo finding is raised.\n");
        } else {
            for (k, it) in plan.items.iter().enumerate() {
                let f = it.finding;
                put(out, &self.rules[k].why);
                review(out, f.review.as_ref(), md)?;
                for b in &f.because {
                    put(out, "\n  - ");
                    md_escape_to(out, b, true);
                }
                if !f.missing.is_empty() {
                    put(out, "\n  - open until stated: ");
                    md_join(out, f.missing.iter().map(|m| &**m), ", ");
                }
            }
            put(out, "\n");
        }
        if let Some(evidence) = &plan.evidence {
            put(
                out,
                "\n## Evidence in the text\n\nThe attributes above were read from the clause by clausemap's classifier; these words set them:\n",
            );
            for e in evidence {
                let Evidence {
                    attribute,
                    value,
                    text,
                    pattern,
                } = Evidence::of(e)?;
                put(out, "\n- `");
                md(out, attribute);
                put(out, ": ");
                md(out, value);
                put(out, "` from \"");
                md(out, text);
                put(out, "\" (characters ");
                scalar(out, e.get("start"), false)?;
                put(out, "–");
                scalar(out, e.get("end"), false)?;
                put(out, ", pattern `");
                md(out, pattern);
                put(out, "`)");
            }
            put(out, "\n");
        }
        put(out, "\n");
        if let Some(skipped) = &plan.skipped {
            put(
                out,
                "## Text not read as a clause\n\nclausemap's classifier read no attribute from these parts of the text: they name practices without stating them.\n",
            );
            for s in skipped {
                put(out, "\n- characters ");
                scalar(out, s.get("start"), false)?;
                put(out, "–");
                scalar(out, s.get("end"), false)?;
                put(out, ": ");
                md(
                    out,
                    text_field(s, "reason", "a skipped part without a reason")?,
                );
            }
            put(out, "\n\n");
        }

        // _receipt.md.tera
        put(out, "## Citation record\n\n| | |\n|---|---|\n| Record | `");
        md(out, &p.id);
        put(out, "` |\n| Document | `");
        md(out, &meta.id);
        put(out, "` |\n| Entity | `");
        md(out, &doc.entity.id);
        put(out, "` |\n| Source URL | ");
        let url = link(&meta.url);
        if !url.is_empty() {
            put(out, "<");
            put(out, &url);
            put(out, ">");
        } else if !meta.url.is_empty() {
            md(out, &meta.url);
        } else {
            put(out, "not given");
        }
        put(out, " |\n| Captured | ");
        match some(meta.captured.as_deref()) {
            Some(c) => md(out, c),
            None => put(out, "not given"),
        }
        put(out, " |\n| Document updated | ");
        match some(meta.updated.as_deref()) {
            Some(u) => md(out, u),
            None => put(out, "not given"),
        }
        put(out, " |\n| Clause SHA-256 | `");
        put(out, &p.sha256);
        put(out, "` |");
        put(out, &self.frags.receipt);
        for (pack, &engaged) in self.frags.packs.iter().zip(&plan.engaged) {
            put(out, &pack.receipt[usize::from(engaged)]);
        }
        put(
            out,
            "\n\n*This memo is an analysis generated by clausemap from the rule packs listed above. It is not a legal determination and not legal advice.*\n\n",
        );
        Ok(())
    }

    /// `provision.html.tera`.
    fn html(&self, out: &mut Vec<u8>) -> Result<(), Unsupported> {
        let (doc, p, plan) = (self.doc, self.provision, self.plan);
        let meta = &doc.meta;
        let severity = |s: Option<Severity>| s.map(Severity::as_str);

        put(out, &self.frags.head);
        h(out, self.title_or_id());
        put(out, " (");
        h(out, &doc.entity.name);
        put(out, &self.frags.style);
        h(out, self.title_or_id());
        put(
            out,
            "</h1>\n<table class=\"meta\">\n<tr><th>Entity</th><td>",
        );
        h(out, &doc.entity.name);
        put(out, " <span class=\"cites\">(");
        h(out, &doc.entity.id);
        put(out, ")</span></td></tr>\n<tr><th>Document</th><td>");
        let doc_text = some(Some(&meta.title)).unwrap_or(&meta.id);
        html_link(out, Some(&meta.url), Some(doc_text));
        put(out, " <span class=\"cites\">(");
        h(out, &meta.id);
        if let Some(updated) = some(meta.updated.as_deref()) {
            put(out, ", last updated ");
            h(out, updated);
        }
        put(out, ")</span></td></tr>\n<tr><th>Provision</th><td><code>");
        h(out, &p.id);
        put(out, "</code></td></tr>\n<tr><th>Severity</th><td>");
        html_badge(out, severity(plan.severity));
        put(out, "</td></tr>");
        for c in &plan.categories {
            put(out, "\n<tr><th>");
            h(out, &c.attribute.replace('_', " "));
            put(out, "</th><td>");
            for (i, v) in c.values.iter().enumerate() {
                if i > 0 {
                    put(out, ", ");
                }
                put(out, "<span title=\"");
                h(out, v.label);
                put(out, "\">");
                h(out, v.value);
                put(out, "</span>");
            }
            put(out, "</td></tr>");
        }
        put(
            out,
            "\n</table>\n\n<h2>The clause</h2>\n<blockquote class=\"clause\">",
        );
        h(out, p.text.trim());
        put(out, "</blockquote>");
        if !meta.title.is_empty() {
            put(out, "\n<p class=\"attribution\">— ");
            h(out, &meta.title);
            put(out, "</p>");
        }
        if !self.outcome.errors.is_empty() {
            put(
                out,
                "\n<h2>Errors</h2>\n<p>The provision could not be evaluated:</p>\n<ul class=\"plain errors\">",
            );
            for e in &self.outcome.errors {
                put(out, "<li>");
                h(out, e);
                put(out, "</li>");
            }
            put(out, "</ul>");
        }

        put(out, "\n\n<h2>1. Regulatory framework</h2>");
        if plan.regulations.is_empty() {
            put(
                out,
                "\n<p class=\"none\">No rule of the packs used fires on this provision.</p>",
            );
        }
        for r in &plan.regulations {
            let pack = &self.frags.packs[r.pack];
            put(out, &pack.framework);
            html_badge(out, Some(r.severity.as_str()));
            put(out, &pack.framework_cite);
            for a in &r.articles {
                put(out, &self.rules[a.findings[0]].article);
                for &k in &a.findings {
                    put(out, &self.rules[k].under_article);
                }
                put(out, "\n</div>");
            }
            put(out, "\n</div>");
        }

        put(out, "\n\n<h2>2. Governance exposure</h2>\n<p>Severity ");
        html_badge(out, severity(plan.severity));
        if plan.reasons.is_empty() {
            put(out, ". No finding applies as of ");
            put(out, &self.frags.as_of);
            put(out, ".</p>");
        } else {
            put(out, ", from:</p>\n<ul class=\"plain\">");
            for &k in &plan.reasons {
                put(out, &self.rules[k].reason);
            }
            put(out, "\n</ul>");
        }
        put(
            out,
            "\n<table class=\"grid\">\n<tr><th>Severity</th><th>Findings</th><th>Of which apply</th></tr>",
        );
        for c in &plan.counts {
            put(out, "\n<tr><td>");
            html_badge(out, Some(c.severity.as_str()));
            put(out, "</td><td class=\"num\">");
            num(out, c.findings);
            put(out, "</td><td class=\"num\">");
            num(out, c.applies);
            put(out, "</td></tr>");
        }
        put(out, "\n</table>");
        for r in &plan.regulations {
            put(out, &self.frags.packs[r.pack].penalties);
            if !r.agencies.is_empty() {
                put(out, "\n<p class=\"cites\">Enforcing authorities: ");
                self.agency_names(out, &r.agencies);
                put(out, ".</p>");
            }
        }

        put(out, "\n\n<h2>3. Jurisdiction flags</h2>");
        if self.outcome.flags.is_empty() {
            put(out, "\n<p class=\"none\">No jurisdiction is flagged.</p>");
        } else {
            put(
                out,
                "\n<table class=\"grid\">\n<tr><th>Jurisdiction</th><th>Status</th><th>Severity</th><th>Regulations</th></tr>",
            );
            for f in &self.outcome.flags {
                put(out, "\n<tr><td>");
                h(out, self.basis.jurisdiction_name(&f.jurisdiction));
                put(out, " <span class=\"cites\">(");
                h(out, &f.jurisdiction);
                put(out, ")</span></td><td>");
                html_status(out, f.status, f.in_force);
                put(out, "</td><td>");
                html_badge(out, Some(f.severity.as_str()));
                put(out, "</td><td>");
                h_join(out, f.regulations.iter().map(String::as_str), ", ");
                put(out, "</td></tr>");
            }
            put(out, "\n</table>");
        }

        put(
            out,
            "\n\n<h2>4. Contract and vendor implications</h2>\n<table class=\"meta\">\n<tr><th>Recipients</th><td>",
        );
        html_terms(out, &plan.recipients);
        put(out, "</td></tr>\n<tr><th>Transfers</th><td>");
        html_terms(out, &plan.transfers);
        put(out, "</td></tr>\n</table>");
        if plan.contracts.is_empty() {
            put(
                out,
                "\n<p class=\"none\">No finding rests on recipients or transfers.</p>",
            );
        } else {
            put(
                out,
                "\n<p>Findings that rest on recipients or transfers:</p>\n<ul class=\"plain\">",
            );
            for &k in &plan.contracts {
                put(out, &self.rules[k].contract);
            }
            put(out, "\n</ul>");
        }

        put(out, "\n\n<h2>5. Compliance considerations</h2>");
        if plan.actions.is_empty() {
            put(out, "\n<p class=\"none\">The rules call for no action.</p>");
        } else {
            put(out, "\n<ol class=\"actions\">");
            for a in &plan.actions {
                put(out, "\n<li>");
                put(out, &self.rules[a.item].actions[a.action]);
                put(out, " ");
                html_badge(out, Some(a.severity.as_str()));
                put(out, " <span class=\"cites\">");
                self.joined(out, &a.citations, "; ", |r| &r.citation);
                if a.status != Status::Applies {
                    put(out, " · ");
                    put(out, a.status.as_str());
                }
                put(out, "</span></li>");
            }
            put(out, "\n</ol>");
        }

        put(out, "\n\n<h2>Applicable agencies</h2>");
        if plan.agencies.is_empty() {
            put(
                out,
                "\n<p class=\"none\">No agency is named by the findings.</p>",
            );
        } else {
            put(out, "\n<ul class=\"plain\">");
            for a in &plan.agencies {
                let frags = &self.rules[a.item].agencies[a.agency];
                put(out, &frags.head);
                self.joined(out, &a.regulations, ", ", |r| &r.regulation);
                put(out, &frags.tail);
            }
            put(out, "\n</ul>");
        }

        put(
            out,
            "\n\n<h2>What the people affected can do</h2>\n<table class=\"meta\">\n<tr><th>Choices offered</th><td>",
        );
        html_terms(out, &plan.offered);
        put(out, "</td></tr>");
        if let Some(consent) = &plan.consent {
            put(out, "\n<tr><th>Consent</th><td>");
            h(out, consent.label);
            if consent.label != consent.value {
                put(out, " <span class=\"cites\">(");
                h(out, consent.value);
                put(out, ")</span>");
            }
            put(out, "</td></tr>");
        }
        put(out, "\n</table>");
        if !plan.choices.is_empty() {
            put(
                out,
                "\n<p>Findings that turn on choice or consent:</p>\n<ul class=\"plain\">",
            );
            for &k in &plan.choices {
                put(out, &self.rules[k].choice);
            }
            put(out, "\n</ul>");
        }
        if let Some(peers) = self.peers {
            put(out, "\n\n<h2>How other platforms handle this</h2>");
            for c in peers {
                put(out, "\n<h3>");
                h(out, c.term.label);
                put(out, " <span class=\"cites\">(purpose: ");
                h(out, c.term.value);
                put(out, ")</span></h3>");
                if c.rows.is_empty() {
                    put(
                        out,
                        "\n<p class=\"none\">No peer document has a provision where ",
                    );
                    h(out, &c.practice);
                    put(out, ".</p>");
                    continue;
                }
                put(
                    out,
                    "\n<table class=\"grid peers\">\n<tr><th>Entity</th><th>Provision</th><th>Severity</th><th>Flags</th><th>Consent</th><th>Clause</th></tr>",
                );
                for (r, excerpt) in c.rows.iter().zip(&c.excerpts) {
                    put(out, "\n<tr><td>");
                    h(out, &r.entity);
                    put(out, "</td><td><code>");
                    h(out, &r.provision);
                    put(out, "</code>");
                    if r.matching > 1 {
                        put(out, " <span class=\"cites\">(+");
                        num(out, r.matching - 1);
                        put(out, " more)</span>");
                    }
                    put(out, "</td><td>");
                    html_badge(out, r.severity.as_deref());
                    put(out, "</td><td>");
                    if r.flags.is_empty() {
                        put(out, "<span class=\"none\">none</span>");
                    } else {
                        h_join(out, r.flags.iter().map(String::as_str), ", ");
                    }
                    put(out, "</td><td>");
                    h(out, &r.consent);
                    put(out, "</td><td class=\"clause\">");
                    h(out, excerpt);
                    put(out, "</td></tr>");
                }
                put(out, "\n</table>");
            }
        }

        put(out, "\n\n<h2>Facts still unknown</h2>");
        if plan.unknowns.is_empty() {
            put(
                out,
                "\n<p class=\"none\">None: every finding rests on stated facts.</p>",
            );
        } else {
            put(
                out,
                "\n<p>These facts are not stated; each would change the findings cited:</p>\n<ul class=\"plain\">",
            );
            for u in &plan.unknowns {
                put(out, "\n<li><code>");
                h(out, u.fact);
                put(out, "</code> <span class=\"cites\">(");
                self.joined(out, &u.citations, "; ", |r| &r.citation);
                put(out, ")</span></li>");
            }
            put(out, "\n</ul>");
        }

        put(out, "\n\n<h2>Why each finding is raised</h2>");
        if plan.items.is_empty() {
            put(out, "\n<p class=\"none\">No finding is raised.</p>");
        } else {
            put(out, "\n<ul class=\"plain\">");
            for (k, it) in plan.items.iter().enumerate() {
                let f = it.finding;
                put(out, &self.rules[k].why);
                review(out, f.review.as_ref(), h)?;
                put(out, ")</span>\n<ul>");
                for b in &f.because {
                    put(out, "\n<li>");
                    h(out, b);
                    put(out, "</li>");
                }
                if !f.missing.is_empty() {
                    put(out, "\n<li>open until stated: ");
                    h_join(out, f.missing.iter().map(|m| &**m), ", ");
                    put(out, "</li>");
                }
                put(out, "\n</ul></li>");
            }
            put(out, "\n</ul>");
        }
        if let Some(evidence) = &plan.evidence {
            put(
                out,
                "\n\n<h2>Evidence in the text</h2>\n<p>The attributes above were read from the clause by clausemap's classifier; these words set them:</p>\n<ul class=\"plain\">",
            );
            for e in evidence {
                let Evidence {
                    attribute,
                    value,
                    text,
                    pattern,
                } = Evidence::of(e)?;
                put(out, "\n<li><code>");
                h(out, attribute);
                put(out, ": ");
                h(out, value);
                put(out, "</code> from &ldquo;");
                h(out, text);
                put(out, "&rdquo; <span class=\"cites\">(characters ");
                scalar(out, e.get("start"), true)?;
                put(out, "&ndash;");
                scalar(out, e.get("end"), true)?;
                put(out, ", pattern <code>");
                h(out, pattern);
                put(out, "</code>)</span></li>");
            }
            put(out, "\n</ul>");
        }
        if let Some(skipped) = &plan.skipped {
            put(
                out,
                "\n\n<h2>Text not read as a clause</h2>\n<p>clausemap's classifier read no attribute from these parts of the text: they name practices without stating them.</p>\n<ul class=\"plain\">",
            );
            for s in skipped {
                put(out, "\n<li>characters ");
                scalar(out, s.get("start"), true)?;
                put(out, "&ndash;");
                scalar(out, s.get("end"), true)?;
                put(out, ": ");
                h(
                    out,
                    text_field(s, "reason", "a skipped part without a reason")?,
                );
                put(out, "</li>");
            }
            put(out, "\n</ul>");
        }
        put(out, "\n\n");

        // _receipt.html.tera
        put(
            out,
            "<h2>Citation record</h2>\n<table class=\"meta receipt\">\n<tr><th>Record</th><td><code>",
        );
        h(out, &p.id);
        put(out, "</code></td></tr>\n<tr><th>Document</th><td><code>");
        h(out, &meta.id);
        put(out, "</code></td></tr>\n<tr><th>Entity</th><td><code>");
        h(out, &doc.entity.id);
        put(out, "</code></td></tr>\n<tr><th>Source URL</th><td>");
        if meta.url.is_empty() {
            put(out, "<span class=\"none\">not given</span>");
        } else {
            html_link(out, Some(&meta.url), None);
        }
        put(out, "</td></tr>\n<tr><th>Captured</th><td>");
        match some(meta.captured.as_deref()) {
            Some(c) => h(out, c),
            None => put(out, "<span class=\"none\">not given</span>"),
        }
        put(out, "</td></tr>\n<tr><th>Document updated</th><td>");
        match some(meta.updated.as_deref()) {
            Some(u) => h(out, u),
            None => put(out, "<span class=\"none\">not given</span>"),
        }
        put(out, "</td></tr>\n<tr><th>Clause SHA-256</th><td><code>");
        h(out, &p.sha256);
        put(out, "</code></td></tr>");
        put(out, &self.frags.receipt);
        for (pack, &engaged) in self.frags.packs.iter().zip(&plan.engaged) {
            put(out, &pack.receipt[usize::from(engaged)]);
        }
        put(
            out,
            "\n</table>\n<p class=\"disclaimer\">This memo is an analysis generated by clausemap from the rule packs listed above. It is not a legal determination and not legal advice.</p>\n\n</body>\n</html>\n",
        );
        Ok(())
    }
}
