//! The text of `clausemap explain`: for one provision, each rule that fired with the
//! conditions that held, and each that did not with what failed or is unknown.

use crate::date::Date;
use crate::error::Problem;
use crate::eval::{self, explain, Facts, Status, Tri};
use crate::model::Document;
use crate::rules::RuleSet;

/// Explain provision `index` of `doc`; every rule, or only `only`.
pub fn render(
    set: &RuleSet,
    doc: &Document,
    index: usize,
    as_of: Date,
    only: Option<usize>,
) -> Result<String, Vec<Problem>> {
    let p = &doc.provisions[index];
    let mut errors = p.errors.clone();
    errors.extend(doc.errors.iter().cloned());
    let empty = serde_json::Map::new();
    let (attrs, e1) = eval::intern_attributes(&set.vocab, p.attributes.as_ref().unwrap_or(&empty));
    let (entity, e2) = eval::intern_entity(&set.vocab, &doc.entity.facts);
    let (docf, e3) = eval::intern_document(&set.vocab, &doc.meta);
    errors.extend(e1.into_iter().chain(e2).chain(e3));
    if !errors.is_empty() {
        return Err(errors
            .into_iter()
            .map(|e| {
                Problem::new("input::provision", format!("provision `{}`: {e}", p.id))
                    .in_file(doc.file.clone())
            })
            .collect());
    }
    let facts = Facts {
        attrs: &attrs,
        entity: &entity,
        doc: &docf,
        as_of,
    };
    let mut row = Vec::new();
    eval::run(set, &facts, &mut row);
    let findings = eval::findings(set, &facts, &row);

    let mut out = String::new();
    let title = if p.title.is_empty() {
        String::new()
    } else {
        format!(" — {}", p.title)
    };
    out.push_str(&format!(
        "{}{title}\n{} / {}, as of {as_of}\n\n",
        p.id, doc.entity.id, doc.meta.id
    ));
    let rules: Vec<usize> = match only {
        Some(i) => vec![i],
        None => (0..set.rules.len())
            .filter(|&i| set.rules[i].is_finding())
            .collect(),
    };
    let (fired, silent): (Vec<usize>, Vec<usize>) = rules
        .into_iter()
        .partition(|i| findings.iter().any(|f| *f.rule == *set.rules[*i].id));
    if only.is_none() {
        out.push_str(&format!("Fired ({}):\n\n", fired.len()));
    }
    for i in fired {
        let rule = &set.rules[i];
        let f = findings.iter().find(|f| *f.rule == *rule.id);
        let Some(f) = f else { continue };
        let status = match (f.status, f.in_force) {
            (Status::Upcoming, Some(d)) => format!("upcoming, in force from {d}"),
            (s, _) => s.as_str().to_string(),
        };
        out.push_str(&format!(
            "  {} [{}] {}\n    {} — {}\n",
            rule.id, f.severity, status, rule.citation, rule.title
        ));
        out.push_str("    because:\n");
        for b in &f.because {
            out.push_str(&format!("      - {b}\n"));
        }
        if !f.missing.is_empty() {
            out.push_str(&format!(
                "    it applies only if these unknown facts allow: {}\n",
                f.missing.join(", ")
            ));
        }
        let t = explain::trace(set, i, &facts, &row);
        for e in &t.open_exceptions {
            out.push_str(&format!(
                "    exception `{e}` cannot be ruled out: its facts are unknown\n"
            ));
        }
        out.push('\n');
    }
    if only.is_none() {
        out.push_str(&format!("Did not fire ({}):\n\n", silent.len()));
    }
    for i in silent {
        let rule = &set.rules[i];
        let t = explain::trace(set, i, &facts, &row);
        out.push_str(&format!(
            "  {} — {} — {}\n",
            rule.id, rule.citation, rule.title
        ));
        if row[i] != Tri::False && rule.valid_to.is_some_and(|end| as_of > end) {
            out.push_str(&format!(
                "    - it no longer applies: in force until {}\n",
                rule.valid_to.map(|d| d.to_string()).unwrap_or_default()
            ));
        }
        if let Some(e) = &t.exception {
            out.push_str(&format!("    - the exception `{e}` holds\n"));
        }
        for line in t.failed.iter().filter(|l| !l.starts_with("exception `")) {
            out.push_str(&format!("    - {line}\n"));
        }
        out.push('\n');
    }
    Ok(out)
}
