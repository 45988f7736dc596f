//! Between the rule directory and the classifier: loading and checking `classifier.yaml`,
//! turning a raw policy (text, Markdown, HTML) into a document of provisions, and filling in
//! the attributes of provisions that have none, with the evidence behind each.

use std::path::Path;
use std::sync::Arc;

use serde_json::{json, Map, Value};

use crate::classify::{
    contents, detect_format, split_policy, AttributeValue, Classifier, ClassifierFile,
};
use crate::error::Problem;
use crate::model::{self, Document, DocumentMeta, Entity, Provision};
use crate::rules::yaml::{self, SpanIndex};
use crate::rules::{sha256_hex, RuleSet};
use crate::source::Source;

/// `patterns[3].regex` → `patterns/3/regex`, the span index's path form.
fn index_path(path: &str) -> String {
    path.replace("].", "/")
        .replace('[', "/")
        .replace(']', "")
        .replace('.', "/")
}

/// Compile the classifier of a rule set; `None` when the directory has none.
pub fn compile(set: &RuleSet) -> Result<Option<Classifier>, Vec<Problem>> {
    let Some(source) = &set.classifier else {
        return Ok(None);
    };
    let file: ClassifierFile = yaml::from_source(source).map_err(|p| vec![p])?;
    let allows = |attribute: &str, value: &str| set.vocab.allows(attribute, value);
    Classifier::compile(file, &allows)
        .map(Some)
        .map_err(|problems| {
            let spans = SpanIndex::build(source);
            problems
                .into_iter()
                .map(|p| {
                    let at = spans.value_span(source, &index_path(&p.path));
                    Problem::new("classifier::invalid", p.message)
                        .at(source, at)
                        .help_opt(p.help)
                })
                .collect()
        })
}

/// The classifier of a rule set, compiled once per run.
pub fn classifier(set: &RuleSet) -> Result<Option<Arc<Classifier>>, Vec<Problem>> {
    set.classifier_cache
        .get_or_init(|| compile(set).map(|c| c.map(Arc::new)))
        .clone()
}

/// Check the classifier file: everything `compile` would reject.
pub fn check_classifier(set: &RuleSet, _source: &Source) -> Vec<Problem> {
    match compile(set) {
        Ok(_) => Vec::new(),
        Err(p) => p,
    }
}

/// Whether a file is a raw policy rather than a provision file.
pub fn is_raw_policy(source: &Source) -> bool {
    let lower = source.name.to_lowercase();
    if [
        ".txt",
        ".md",
        ".markdown",
        ".html",
        ".htm",
        ".xhtml",
        ".text",
    ]
    .iter()
    .any(|e| lower.ends_with(e))
    {
        return true;
    }
    if [".yaml", ".yml", ".json", ".jsonl", ".ndjson"]
        .iter()
        .any(|e| lower.ends_with(e))
    {
        return false;
    }
    let head = source.text.trim_start_matches('\u{feff}').trim_start();
    if head.starts_with('{') || head.starts_with('[') {
        return false;
    }
    // A provision file in YAML names its provisions; a policy does not.
    !(head.contains("provisions:") && (head.contains("entity:") || head.contains("document:")))
}

/// Lowercase words joined by `-`, at most 40 characters: the stable part of a provision id.
fn slug(text: &str) -> String {
    let mut out = String::new();
    for word in text
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
    {
        if out.len() + word.len() > 40 {
            break;
        }
        if !out.is_empty() {
            out.push('-');
        }
        out.push_str(&word.to_lowercase());
    }
    if out.is_empty() {
        "preamble".to_string()
    } else {
        out
    }
}

/// A raw policy as a document: sections and paragraphs become provisions, with ids made of the
/// heading and the paragraph's place under it (`sharing.2`), so that text changed in one
/// section leaves the ids of other sections as they were, and two versions of a policy share
/// their ids wherever their structure does.
pub fn policy_document(
    set: &RuleSet,
    source: &Source,
    document_id: Option<&str>,
    entity: Option<Entity>,
) -> Result<Document, Problem> {
    let path = Path::new(source.name.as_ref());
    let format = detect_format(path, &source.text);
    let segments = split_policy(&source.text, format);
    let doc_id = document_id.map(str::to_string).unwrap_or_else(|| {
        let stem = path
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or("policy");
        let parent = path
            .parent()
            .and_then(|p| p.file_name())
            .and_then(|s| s.to_str());
        match parent {
            Some(dir) if !dir.is_empty() && dir != "." => format!("{dir}-{stem}"),
            _ => stem.to_string(),
        }
    });
    let mut doc = Document {
        file: source.name.to_string(),
        entity: entity.unwrap_or_else(|| {
            // Without an entity file, the folder names the entity (corpus layout:
            // `<service>/privacy-policy.md`), or the file when it has no folder; its facts
            // stay unknown.
            let id = path
                .parent()
                .and_then(|p| p.file_name())
                .and_then(|s| s.to_str())
                .filter(|s| !s.is_empty() && *s != ".")
                .or_else(|| path.file_stem().and_then(|s| s.to_str()))
                .unwrap_or("policy")
                .to_string();
            Entity {
                name: id.clone(),
                id,
                ..Entity::default()
            }
        }),
        ..Document::default()
    };
    doc.meta = DocumentMeta {
        id: doc_id.clone(),
        title: segments
            .iter()
            .filter(|s| s.marked_headings > 0)
            .find_map(|s| s.headings.first().cloned())
            .unwrap_or_else(|| doc_id.clone()),
        ..DocumentMeta::default()
    };
    doc.meta.fields.insert("id".into(), json!(doc_id));
    let mut seen: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
    for seg in segments {
        if seg.text.trim().is_empty() {
            continue;
        }
        let section = slug(seg.title.as_deref().unwrap_or(""));
        let n = seen.entry(section.clone()).or_insert(0);
        *n += 1;
        let mut extra = Map::new();
        extra.insert(
            "offsets".into(),
            json!({ "start": seg.start, "end": seg.end }),
        );
        if !seg.headings.is_empty() {
            extra.insert("headings".into(), json!(seg.headings));
        }
        doc.provisions.push(Provision {
            id: format!("{section}.{n}"),
            title: seg.title.clone().unwrap_or_default(),
            sha256: sha256_hex(&seg.text),
            text: seg.text,
            extra,
            ..Provision::default()
        });
    }
    fill_provisions(set, &mut doc, true)?;
    Ok(doc)
}

/// Fill in the attributes of every provision that has none, keeping its evidence. A table of
/// contents in a provision (its entries are the headings of the document) is not read.
pub fn fill(set: &RuleSet, doc: &mut Document) -> Result<(), Problem> {
    fill_provisions(set, doc, false)
}

/// [`fill`], for a document [`policy_document`] split from a raw policy: there a one-line
/// provision that is a heading ([`contents::is_heading_line`]) is not read either, since the
/// provision after it holds the text it heads. The provisions of a file someone wrote are
/// clauses they chose, short or not, and are all read.
fn fill_provisions(set: &RuleSet, doc: &mut Document, split: bool) -> Result<(), Problem> {
    if doc.provisions.iter().all(|p| p.attributes.is_some()) {
        return Ok(());
    }
    let classifier = match classifier(set) {
        Ok(Some(c)) => c,
        Ok(None) => return Ok(()),
        Err(mut problems) => {
            return Err(problems.remove(0));
        }
    };
    // The document's headings, to recognise a table of contents in a provision: its entries
    // are these headings, and it states no practice.
    let headings = contents::heading_keys(doc.provisions.iter().flat_map(|p| {
        let nested = p.extra.get("headings").and_then(Value::as_array);
        std::iter::once(p.title.as_str())
            .chain(nested.into_iter().flatten().filter_map(Value::as_str))
    }));
    let count = doc.provisions.len();
    for (i, p) in doc.provisions.iter_mut().enumerate() {
        if p.attributes.is_some() || !p.errors.is_empty() {
            continue;
        }
        // What the patterns must not read, and why: a heading on its own line (the provision
        // after it holds the text it heads), or a table of contents.
        let skipped: Vec<(usize, usize, &str)> =
            if split && i + 1 < count && contents::is_heading_line(&p.text) {
                vec![(0, p.text.chars().count(), "heading")]
            } else {
                contents::contents_entries(&p.text, &headings)
                    .into_iter()
                    .map(|(start, end)| (start, end, "table of contents"))
                    .collect()
            };
        let ranges: Vec<(usize, usize)> = skipped.iter().map(|&(a, b, _)| (a, b)).collect();
        let c = classifier.classify_skipping(&p.text, &ranges);
        let mut attrs = Map::new();
        for (k, v) in c.attributes {
            attrs.insert(
                k,
                match v {
                    AttributeValue::Set(vs) => json!(vs),
                    AttributeValue::One(s) => json!(s),
                },
            );
        }
        p.attributes = Some(attrs);
        p.extra.insert(
            "evidence".into(),
            serde_json::to_value(&c.evidence).unwrap_or(Value::Null),
        );
        p.extra.insert("classified".into(), json!(true));
        if !skipped.is_empty() {
            let skipped: Vec<Value> = skipped
                .iter()
                .map(
                    |&(start, end, reason)| json!({ "start": start, "end": end, "reason": reason }),
                )
                .collect();
            p.extra.insert("skipped".into(), json!(skipped));
        }
    }
    Ok(())
}

/// Read the documents of a path: a provision file, or a raw policy classified on the way in.
/// Provisions without attributes are classified too.
pub fn load_documents(set: &RuleSet, path: &Path) -> Result<Vec<Document>, Problem> {
    let source = model::read_source(path)?;
    load_source(set, &source)
}

/// The same, from text already read.
pub fn load_source(set: &RuleSet, source: &Source) -> Result<Vec<Document>, Problem> {
    if is_raw_policy(source) {
        return Ok(vec![policy_document(set, source, None, None)?]);
    }
    let mut docs = model::load(source)?;
    for d in &mut docs {
        fill(set, d)?;
    }
    Ok(docs)
}

/// An entity from a YAML or JSON file: either `{entity: {...}}` or the entity itself.
pub fn read_entity(path: &Path) -> Result<Entity, Problem> {
    let source = model::read_source(path)?;
    let value: Value = yaml::from_source(&source)?;
    let obj = match value.get("entity") {
        Some(e) => e.clone(),
        None => value,
    };
    let doc = model::to_document(&source.name, json!({ "entity": obj, "provisions": [] }));
    if let Some(e) = doc.errors.iter().find(|e| e.contains("entity")) {
        return Err(Problem::new("input::entity", e.clone())
            .in_file(source.name.clone())
            .help("write `id`, `name` and `facts` (see examples/linkedin.yaml)"));
    }
    Ok(doc.entity)
}

/// A document as a provision file value, with every provision's SHA-256, offsets and evidence.
pub fn document_value(doc: &Document) -> Value {
    let mut entity = Map::new();
    entity.insert("id".into(), json!(doc.entity.id));
    if !doc.entity.name.is_empty() {
        entity.insert("name".into(), json!(doc.entity.name));
    }
    if !doc.entity.facts.is_empty() {
        entity.insert("facts".into(), Value::Object(doc.entity.facts.clone()));
    }
    let mut document = doc.meta.fields.clone();
    document.insert("id".into(), json!(doc.meta.id));
    if !doc.meta.title.is_empty() {
        document.insert("title".into(), json!(doc.meta.title));
    }
    let provisions: Vec<Value> = doc
        .provisions
        .iter()
        .map(|p| {
            let mut m = Map::new();
            m.insert("id".into(), json!(p.id));
            if !p.title.is_empty() {
                m.insert("title".into(), json!(p.title));
            }
            m.insert("text".into(), json!(p.text));
            m.insert("sha256".into(), json!(p.sha256));
            for (k, v) in &p.extra {
                if k != "sha256" {
                    m.insert(k.clone(), v.clone());
                }
            }
            if let Some(a) = &p.attributes {
                m.insert("attributes".into(), Value::Object(a.clone()));
            }
            Value::Object(m)
        })
        .collect();
    json!({ "entity": entity, "document": document, "provisions": provisions })
}

/// `clausemap classify`.
pub fn run(args: crate::cli::ClassifyArgs) -> Result<crate::error::Exit, Vec<Problem>> {
    use crate::cli::ClassifyFormat;
    let set = crate::commands::load_rules(args.rules.as_deref())?;
    if classifier(&set)?.is_none() {
        return Err(vec![Problem::new("classify::none", "the rule directory has no classifier.yaml")
            .help("add a classifier.yaml to the rule directory, or leave out --rules to use the built-in classifier")]);
    }
    let entity = match &args.entity {
        Some(p) => Some(read_entity(p).map_err(|p| vec![p])?),
        None => None,
    };
    let source = model::read_source(&args.file).map_err(|p| vec![p])?;
    let mut docs = if is_raw_policy(&source) {
        vec![
            policy_document(&set, &source, args.document_id.as_deref(), entity)
                .map_err(|p| vec![p])?,
        ]
    } else {
        let mut docs = model::load(&source).map_err(|p| vec![p])?;
        for d in &mut docs {
            fill(&set, d).map_err(|p| vec![p])?;
            if let Some(e) = &entity {
                d.entity = e.clone();
            }
        }
        docs
    };
    if let Some(id) = &args.document_id {
        for d in &mut docs {
            d.meta.id = id.clone();
        }
    }
    let values: Vec<Value> = docs.iter().map(document_value).collect();
    let text = match args.format {
        ClassifyFormat::Jsonl => values.iter().map(|v| format!("{v}\n")).collect::<String>(),
        ClassifyFormat::Json => {
            let v = if values.len() == 1 {
                values[0].clone()
            } else {
                Value::Array(values)
            };
            format!("{}\n", serde_json::to_string_pretty(&v).unwrap_or_default())
        }
        ClassifyFormat::Yaml => {
            let v = if values.len() == 1 {
                values[0].clone()
            } else {
                Value::Array(values)
            };
            format!(
                "# Classified by clausemap {} from {}: every attribute comes with its evidence.\n{}",
                crate::report::VERSION,
                source.name,
                yaml::to_string(&v).map_err(|p| vec![p])?
            )
        }
    };
    match &args.out {
        Some(path) => {
            crate::memo::output::write_atomic(path, text.as_bytes()).map_err(|p| vec![p])?
        }
        None => crate::commands::emit(&text),
    }
    Ok(crate::error::Exit::Ok)
}

/// The corpus directory: the flag, else `$CLAUSEMAP_CORPUS`, else `../shared/corpus`.
pub fn corpus_dir(flag: Option<&Path>) -> std::path::PathBuf {
    match flag {
        Some(p) => p.to_path_buf(),
        None => std::env::var_os("CLAUSEMAP_CORPUS")
            .map(std::path::PathBuf::from)
            .unwrap_or_else(|| std::path::PathBuf::from("../shared/corpus")),
    }
}

/// `clausemap bench classify`: the classifier's scores against the labelled corpora.
pub fn bench(args: crate::cli::BenchClassifyArgs) -> Result<crate::error::Exit, Vec<Problem>> {
    use crate::classify::score::{self, CorpusMapping};
    let set = crate::commands::load_rules(args.rules.as_deref())?;
    let Some(classifier) = classifier(&set)? else {
        return Err(vec![Problem::new(
            "classify::none",
            "the rule directory has no classifier.yaml",
        )]);
    };
    let Some(mapping_source) = &set.corpus_mapping else {
        return Err(vec![Problem::new("classify::no-mapping", "the rule directory has no corpus-mapping.yaml")
            .help("the mapping from clausemap's attributes to each corpus's labels lives in rules/corpus-mapping.yaml")]);
    };
    let mapping: CorpusMapping = yaml::from_source(mapping_source).map_err(|p| vec![p])?;
    let dir = corpus_dir(args.corpus.as_deref());
    if !dir.is_dir() {
        return Err(vec![Problem::new(
            "classify::no-corpus",
            format!("no corpus at `{}`", dir.display()),
        )
        .help(
            "set CLAUSEMAP_CORPUS or pass --corpus DIR (the folder with opp115/, c3pa/, tosdr/)",
        )]);
    }
    if !args.pattern.is_empty() {
        return pattern_reports(&classifier, &dir, &mapping, &args.pattern);
    }
    let report = if args.dev {
        score::score_dev(&classifier, &dir, &mapping, 3)
    } else {
        score::score(&classifier, &dir, &mapping)
    }
    .map_err(|e| vec![Problem::new("classify::score", e).in_file(dir.display().to_string())])?;
    let header = format!(
        "# Classifier evaluation\n\nGenerated by `clausemap bench classify` (clausemap {}) from `rules/classifier.yaml` ({} patterns) and the mapping in `rules/corpus-mapping.yaml`, against the labelled corpora in `$CLAUSEMAP_CORPUS` (OPP-115, C3PA, ToS;DR; see their README for sources and licences). Regenerate with:\n\n```sh\ncargo run --release -- bench classify > docs/classifier-evaluation.md\n```\n\nThe patterns were tuned on the OPP-115 `dev` split only (`clausemap bench classify --dev` prints it with error examples); the figures below are on the held-out `test` split. Gold labels are those at least two of three annotators gave. A negated statement (\"we do not sell\") must not set the value it negates.\n\n",
        crate::report::VERSION,
        classifier.pattern_count()
    );
    let mut out = format!(
        "{header}{}{}",
        mapping_notes(&mapping),
        report.to_markdown()
    );
    if args.dev {
        out.push_str(&error_examples(&report.errors));
    } else {
        // What the tuning split holds of each row, to read the test figures against.
        let dev = score::score_with(
            &classifier,
            &dir,
            &mapping,
            score::ScoreOptions {
                split: score::Split::Dev,
                errors_per_label: 0,
                other_corpora: false,
            },
        )
        .map_err(|e| vec![Problem::new("classify::score", e).in_file(dir.display().to_string())])?;
        out.push_str(&limits(&report, &dev));
    }
    crate::commands::emit(&out);
    Ok(crate::error::Exit::Ok)
}

/// `clausemap bench classify --dev --pattern ID…`: where each pattern matches on the dev split.
fn pattern_reports(
    classifier: &Classifier,
    dir: &std::path::Path,
    mapping: &crate::classify::score::CorpusMapping,
    ids: &[String],
) -> Result<crate::error::Exit, Vec<Problem>> {
    let known: Vec<&str> = classifier.pattern_ids().collect();
    let unknown: Vec<Problem> = ids
        .iter()
        .filter(|id| !known.contains(&id.as_str()))
        .map(|id| {
            // A misspelt id gets the nearest one; a partial id (`recipients.public`), the ids
            // that continue it.
            let help = if let Some(s) = crate::check::suggest(id, known.iter().copied()) {
                format!("did you mean `{s}`?")
            } else {
                let prefix = format!("{id}.");
                let longer: Vec<&str> = known
                    .iter()
                    .copied()
                    .filter(|k| k.starts_with(&prefix))
                    .collect();
                if longer.is_empty() {
                    "pattern ids are the `id:` lines of classifier.yaml".to_string()
                } else {
                    format!("the ids that continue it: {}", longer.join(", "))
                }
            };
            Problem::new(
                "classify::unknown-pattern",
                format!("no pattern `{id}` in classifier.yaml"),
            )
            .help(help)
        })
        .collect();
    if !unknown.is_empty() {
        return Err(unknown);
    }
    let report = crate::classify::score::pattern_report(classifier, dir, mapping, ids)
        .map_err(|e| vec![Problem::new("classify::score", e).in_file(dir.display().to_string())])?;
    crate::commands::emit(&format!(
        "# Classifier patterns on the OPP-115 dev split\n\n{report}"
    ));
    Ok(crate::error::Exit::Ok)
}

/// The mapping rows whose `note` says why a label is mapped the way it is (where our value's
/// meaning differs from the dataset's label), as a list for the report's introduction.
fn mapping_notes(mapping: &crate::classify::score::CorpusMapping) -> String {
    use std::fmt::Write as _;
    let rows: Vec<_> = mapping
        .opp115
        .attributes
        .iter()
        .filter_map(|a| a.note.as_deref().map(|n| (a, n)))
        .collect();
    if rows.is_empty() {
        return String::new();
    }
    let mut s = String::from(
        "Where one of our values means something other than the OPP-115 label it is scored against, the mapping row says so (`note` in `rules/corpus-mapping.yaml`):\n\n",
    );
    for (a, note) in rows {
        let _ = writeln!(
            s,
            "- **{} / {} = {}**: {}",
            a.category.replace('*', "\\*"),
            a.attribute,
            a.values.join(" or "),
            note.split_whitespace().collect::<Vec<_>>().join(" ")
        );
    }
    s.push('\n');
    s
}

/// The dev split's error examples, for tuning (never printed for the test split).
fn error_examples(errors: &[crate::classify::score::ErrorExample]) -> String {
    use std::fmt::Write as _;
    let mut s = String::from("## Error examples (dev split)\n\n");
    for e in errors {
        let _ = writeln!(
            s,
            "- **{}** {} `{}` {}: {}",
            e.kind,
            e.label,
            e.place,
            if e.patterns.is_empty() {
                String::new()
            } else {
                format!("[{}]", e.patterns.join(", "))
            },
            e.text
        );
    }
    s
}

/// What limits the classifier, and how far it is from published classifiers; `dev` is the
/// same scoring on the tuning split.
fn limits(
    report: &crate::classify::score::ScoreReport,
    dev: &crate::classify::score::ScoreReport,
) -> String {
    use std::fmt::Write as _;
    // The OPP-115 rows (categories, the catch-all, attribute values) whose precision is below
    // 0.6, from the figures above, with what the tuning split holds of them.
    fn rows(r: &crate::classify::score::ScoreReport) -> Vec<&crate::classify::score::LabelScore> {
        r.categories
            .iter()
            .chain(std::iter::once(&r.other))
            .chain(&r.attributes)
            .collect()
    }
    let dev_rows = rows(dev);
    let mut low = String::new();
    for (l, d) in rows(report).iter().zip(&dev_rows) {
        let Some(p) = l.counts.precision().filter(|p| *p < 0.6) else {
            continue;
        };
        let dev_p = d
            .counts
            .precision()
            .map_or("–".to_string(), |p| format!("{p:.3}"));
        let policies = if d.gold_policies > 0 {
            d.gold_policies.to_string()
        } else {
            "–".to_string()
        };
        let _ = writeln!(
            low,
            "| {} | {p:.3} | {} | {} | {} | {dev_p} |",
            l.label,
            l.counts.tp + l.counts.fp,
            d.counts.support(),
            policies,
        );
    }
    let low = if low.is_empty() {
        "OPP-115 rows with a precision below 0.6 on this split: none.".to_string()
    } else {
        format!(
            "OPP-115 rows with a precision below 0.6 on this split, and what the {} `dev` policies the \
patterns were tuned on hold of them:

| label | test precision | test predicted | dev gold segments | dev policies holding them | dev precision |
|---|---:|---:|---:|---:|---:|
{low}",
            dev.opp_policies
        )
    };
    format!(
        "## What limits it / how far from published classifiers

Published OPP-115 classifiers trained on the corpus (logistic regression and SVMs over n-grams in the
original paper, CNNs and fine-tuned BERT-style models since) reach about 0.8–0.9 micro-F1 on the
segment-level practice categories; this classifier is at {micro:.3} micro-F1 (macro {macro:.3}) over
the nine practice categories, with no training at all: every decision is a readable pattern with a
pattern id and a span, and the thresholds are a few lines of `rules/classifier.yaml`.

{low}

What limits it:

- **The labels are about what a segment dwells on, not what it mentions.** OPP-115 annotators give a
  segment a category when it describes such a practice; an opt-out link at the end of a paragraph on
  advertising partners is usually recorded as a *Choice Type* of the sharing practice, not as a
  *User Choice/Control* practice. Patterns see mentions; the segment-level thresholds (`min`,
  `relative` to the strongest topic, per-pattern `weight`) recover part of the difference, at the
  cost of recall. The topic `fallback` gives the difference back where nothing competes: a segment
  whose only practice evidence is below its threshold (one weak cue, weight 0.5) is given its
  best-supported topic rather than none, since a segment without a practice topic counts as
  \"Other\". That raises the precision of \"Other\" (fewer practice segments left without a topic) and
  costs some \"Other\"-only segments a wrong topic (the FP rate above).
- **\"Other\" is what no pattern recognises.** A segment is predicted \"Other\" when no practice
  pattern fires; practice segments written in words no pattern knows (the first party by its
  name in wording no cue knows, a purpose inside a sentence, \"as described above\") land there, so the precision of
  \"Other\" is bounded by the recall of all nine topics together.
- **Attribute values are sparse and overlap.** Several attribute rows have 10–20 gold segments in
  the test split (Health, View, Delete, Public), so one pattern's errors move their precision by
  ten points; values such as *Marketing* and *Advertising*, or *Analytics* and *Personalization*,
  share their vocabulary, and the annotators' majority often picked only one of them. A user's
  posts in a forum are *Public* for some annotators and *Other users* for others (a value we do
  not map), and *View* is given with *Edit information* on some \"review and update\" segments and
  not on others. *Data Retention* is named in passing in texts on deletion, accounts, children
  and security as often as it is the subject: on the dev split its precision is 0.8 on 22
  predictions, and making the weaker cues (a deletion's timing, backups, \"we do not keep\") count
  half cost four correct dev predictions for each wrong one removed, so they still count in full.
- **Tuning data is small.** The 29 `dev` policies (1,025 segments) are the only OPP-115 data the
  patterns were tuned on; a trained model would use the 86 others too, which here are held out for
  reporting. Dev precision of the sparse rows (7–40 predictions) says little about the test split:
  the test errors come from wording the dev policies do not contain. The table above shows how
  little of each row below 0.6 the dev split holds: gold segments from a handful of policies are
  a handful of ways of saying it, for patterns or for a model trained on them alike. The topic
  fallback and the first recall patterns were checked by holding a third of the dev policies out while reading the
  errors of the rest (the held-out third's \"Other\" precision went from 0.52 to 0.59; the dev
  policies read went from 0.60 to 0.75); later patterns were read off all of dev. Besides OPP-115
  dev, the ToS;DR quotes (not the OPP-115 test split) were used to read what the retention topic
  pattern matches in text it was not written on: the time a deletion
  must name (\"within 30 days\", not \"within the service\") and the removal of posts or terms
  that is not retention came from that reading (no figure was tuned on them). The weak cues
  added last (data a person \"provides us with\" or that is \"sent to\" the first party, a list
  item that names only a purpose, what a cookie stores, a survey we ask people to fill in,
  contractors given access, an address provided to companies, a name we publish, answering a
  subpoena, a list of access verbs) were read off dev errors and then run over the C3PA
  spans, ToS;DR quotes, CLAUDETTE sentences and the platform policies, to read what else they
  match in text they were not written on; the guards for retention (a cookie notice that a
  cookie stores no personal data, licence verb lists, kept versions of the policy, a password
  kept confidential), for access (\"review this page\" for changes to the policy) and for
  *Public* (a public website or database as the source of data, not an audience) came from
  that reading. Those texts are not OPP-115, but the C3PA rows above were among them, so they
  are not wholly held out from this round. This round scored the test split four times (after
  its first cues, after the merger and region cues, after the access and sharing cues, and
  after a fix to two value patterns); no change was made or undone on the test figures: the access cues stay, although on the test split they cost
  precision of *User Access* and *View*, where on dev they raised both the recall and the
  precision of *User Access*.
- **Single segments, no document context.** A segment that continues the previous one (\"this
  information\", \"these companies\") is classified on its own words.
- **A row that joins several values counts each value's votes apart.** A segment is gold for
  \"Named third party or Unnamed third party\" (or the three opt-out values, or the three account
  deletion values) when one of the values has two votes; where one annotator chose one value and a
  second annotator another, the segment is not gold, since the corpus keeps only vote counts per
  value and one annotator may have chosen both. Recall of such rows is measured against a
  stricter gold than the text suggests, and a prediction on such a segment counts as a false
  positive.

"
        ,
        micro = report.micro_f1(),
        macro = report.macro_f1(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn builtin() -> Arc<Classifier> {
        let set = crate::check::compile(crate::rules::builtin_sources())
            .unwrap_or_else(|p| panic!("the built-in rules do not compile: {} problems", p.len()));
        classifier(&set)
            .unwrap_or_else(|p| panic!("the built-in classifier does not compile: {}", p.len()))
            .expect("a built-in classifier")
    }

    /// The `topic` values the classifier gives a text (none: an empty list).
    fn topics_of(c: &Classifier, text: &str) -> Vec<String> {
        match c.classify(text).attributes.get("topic") {
            Some(crate::classify::AttributeValue::Set(v)) => v.clone(),
            _ => Vec::new(),
        }
    }

    /// The patterns and the topic fallback of the issue #5 round, on sentences written for
    /// the test (none from a corpus).
    #[test]
    fn builtin_classifier_topic_fallback_and_scoped_values() {
        let c = builtin();
        let topics = |t: &str| topics_of(&c, t);
        // A lone weak cue: the fallback gives the text its only practice topic.
        assert_eq!(
            topics("Acme Corp collects information about the purchases you make."),
            ["collection"]
        );
        assert_eq!(
            topics("Acme may release your account details to the county clerk."),
            ["sharing"]
        );
        // With a full-weight topic in the same text, the weak cue does not add its own.
        let t = topics(
            "We collect your e-mail address when you register. We may disclose your information if asked.",
        );
        assert!(
            t.contains(&"collection".to_string()) && !t.contains(&"sharing".to_string()),
            "{t:?}"
        );
        // Asking for data is collecting it; asking for consent is not.
        assert_eq!(
            topics("When you enter a contest we ask you for your name and postal address."),
            ["collection"]
        );
        assert!(!topics("We will ask for your consent first.").contains(&"collection".to_string()));
        // Security: a breach and what follows it.
        assert_eq!(
            topics("If we learn of a data breach, we tell the people affected."),
            ["security"]
        );
        // Retention: a deletion needs a time, not a place.
        assert!(topics("We delete search logs within 30 days.").contains(&"retention".to_string()));
        assert!(
            !topics("We may remove objectionable messages within the forums.")
                .contains(&"retention".to_string())
        );
        // Public: a post in a forum alone is not a disclosure to the public; with a statement
        // that it becomes public it is.
        let public = |t: &str| c.classify(t).has("recipients", "public");
        assert!(!public(
            "Messages you post on our discussion boards may get replies."
        ));
        assert!(public(
            "Anything you post on our message boards becomes public."
        ));
        assert!(public("Reviews you submit are accessed by the public."));
        assert!(!public("Your profile is visible to other members."));
        // Marketing: a newsletter alone is not direct marketing.
        let marketing = |t: &str| c.classify(t).has("purpose", "direct_marketing");
        assert!(!marketing(
            "Sign up for our newsletters. Our newsletters cover the news of the day."
        ));
        assert!(marketing(
            "We send you promotional e-mails. You may unsubscribe from marketing e-mails."
        ));
        // Health data counts where it is what is collected or shared, not in a disclaimer.
        let health = |t: &str| c.classify(t).has("data", "personal.sensitive.health");
        assert!(health(
            "We collect health information such as your medical conditions."
        ));
        assert!(!health(
            "Our articles on health conditions are written by doctors."
        ));
        // Accessing the site is not accessing one's data.
        assert!(
            !topics("You can access our website without providing any information.")
                .contains(&"access".to_string())
        );
    }

    /// The recall cues and the guards of the second issue #5 round, on sentences written for
    /// the test (none from a corpus).
    #[test]
    fn builtin_classifier_weak_practice_cues_and_guards() {
        let c = builtin();
        let topics = |t: &str| topics_of(&c, t);
        // Data that reaches the first party without "we collect".
        assert_eq!(
            topics("To enter the draw you provide us with a postal address."),
            ["collection"]
        );
        assert_eq!(
            topics("A crash report is sent to Acme when the app stops."),
            ["collection"]
        );
        // "sent to" a common noun is not the first party by its name.
        assert!(topics("A copy is sent to the printer.").is_empty());
        // A list item that names a purpose, at the start of the text only.
        assert_eq!(
            topics("- To deliver the orders you place with us"),
            ["collection"]
        );
        assert!(topics("Click the link to deliver the file.").is_empty());
        // What a cookie does, and not what it does not.
        assert_eq!(
            topics("Session cookies remember the items in your basket."),
            ["collection"]
        );
        // Letting others reach the data, or publishing what a person sent.
        assert_eq!(
            topics("We may give our contractors access to the order database."),
            ["sharing"]
        );
        assert_eq!(
            topics("We may publish your name next to the winning photo."),
            ["sharing"]
        );
        // A weak cue beside a full-weight topic adds nothing of its own.
        let t = topics("We collect your address. We may publish your name with your review.");
        assert!(
            t.contains(&"collection".to_string()) && !t.contains(&"sharing".to_string()),
            "{t:?}"
        );
        // Surveys, the first party's own beacons, data handed to others.
        assert_eq!(
            topics("We may ask our readers to complete surveys about the magazine."),
            ["collection"]
        );
        assert_eq!(
            topics("We employ a technology called clear gifs on some pages."),
            ["collection"]
        );
        assert_eq!(
            topics("We may provide your mailing address (never your e-mail) to companies that send catalogues."),
            ["sharing"]
        );
        assert!(topics("We make the report available to you within a day.").is_empty());
        // Answering legal process is a disclosure.
        assert_eq!(
            topics("We respond to subpoenas and court orders."),
            ["sharing"]
        );
        // Access: a list of verbs, and a site's name inside the span.
        assert_eq!(
            topics("If you would like to access, review, correct, update, suppress, or otherwise limit our use of your personal information, write to us."),
            ["access"]
        );
        assert_eq!(
            topics("You may review and update your Example.com account information at any time."),
            ["access"]
        );
        // A site's name, or a hyphenated word, inside the values' spans.
        let account = c.classify("You may review and update your Example.com account information.");
        assert!(
            account.has("user_choices", "access") && account.has("user_choices", "correct"),
            "{:?}",
            account.attributes
        );
        assert!(c
            .classify("You can log in and update your e-mail address information.")
            .has("user_choices", "correct"));
        // Reading the policy again is not access to one's data.
        assert!(
            !topics("We encourage you to periodically review this page for the latest information on our practices.")
                .contains(&"access".to_string())
        );
        // Retention: cookie notices, licences and kept policy versions are not retention.
        let retention = |t: &str| topics(t).contains(&"retention".to_string());
        assert!(!retention(
            "These cookies do not store any personal information."
        ));
        assert!(!retention(
            "You grant us a royalty-free licence to copy, retain and display the photo."
        ));
        assert!(!retention("We retain all versions of this policy."));
        assert!(!retention(
            "Members must retain the confidentiality of their passwords."
        ));
        assert!(retention(
            "We do not keep your card number once the order has shipped."
        ));
        // Public: a public place as the source of data is not a disclosure to the public.
        let public = |t: &str| c.classify(t).has("recipients", "public");
        assert!(!public(
            "We obtain business contact details from publicly available websites."
        ));
        assert!(!public(
            "We may collect information about you that is publicly available."
        ));
        assert!(public(
            "Reviews you post will be publicly available to all visitors."
        ));
    }

    /// A description of the California right to know names selling among what a business may
    /// be asked about; it does not say that this business sells.
    #[test]
    fn builtin_classifier_does_not_read_a_sale_into_the_right_to_know() {
        let c = builtin();
        let sale = |t: &str| c.classify(t).has("purpose", "sale");
        for rights in [
            "You have the right to request that we disclose what personal information we collect, use, disclose, and sell.",
            "The business or commercial purpose for collecting or selling personal information.",
            "Right to Know: You have a right to know what personal information we collect, process, and share or sell.",
            "You have the right to opt-out of any sale of your personal information by a business.",
            "Purpose for selling: Not sold",
        ] {
            assert!(!sale(rights), "{rights}");
        }
        for sells in [
            "We sell personal information to the following third parties: data brokers.",
            "The categories of third parties to whom we may sell or share your personal information include vendors and customers.",
            "We rent our mailing list to other companies.",
        ] {
            assert!(sale(sells), "{sells}");
        }
    }

    /// A list of what the user may not do states no practice of the business's; a list the
    /// business leads into with its own statement, or with the exceptions to a negation, does.
    #[test]
    fn builtin_classifier_reads_a_prohibited_list_as_negated() {
        let c = builtin();
        let trains = |t: &str| c.classify(t).has("purpose", "ai_training");
        let sells = |t: &str| c.classify(t).has("purpose", "sale");
        for prohibited in [
            "When using our AI Features, you must not:\n- alter any watermark;\n- use Outputs that will be used to train, develop or fine tune AI models; or\n- misrepresent Outputs.",
            "Unless otherwise explicitly authorized, you agree not to:\n- use any robot or scraper;\n- use the service to train machine learning models.",
            "The following restrictions apply. You are not allowed to:\n- use the Service to train artificial intelligence models.",
            "You may not access or use, or help another person to access or use, our Services in the following ways:\n- to develop or train any artificial intelligence or machine learning models.",
        ] {
            assert!(!trains(prohibited), "{prohibited}");
        }
        for stated in [
            "We use your posts for these purposes:\n- to train our AI models.",
            "We do not sell your data. We may use it to:\n- train our machine learning models.",
            "We will not share it, except:\n- we sell it to data brokers when you opt in.",
            "Content will not be deleted in the following situations:\n- where we train AI models on it.",
        ] {
            assert!(trains(stated) || sells(stated), "{stated}");
        }
    }
}
