//! From rule files to a checked [`RuleSet`], reporting every problem in one run.
//!
//! Reads the vocabulary, then every pack: its YAML, its required keys, its article index, and
//! each rule's conditions (parsed, resolved against the vocabulary, type-checked and
//! compiled). Then the rules together: duplicate ids, unknown `@references`, dependency
//! cycles. Only a rule set without problems comes out.

use std::collections::{BTreeMap, HashMap};

use crate::dsl::{self, CmpOp, Expr, Literal, LiteralValue, Path, Test};
use crate::error::Problem;
use crate::eval::cond::{Cond, Leaf, LeafTest, Slot};
use crate::graph;
use crate::rules::raw::{RawAgency, RawArticle, RawPack, RawUnless, RawVocabulary};
use crate::rules::yaml::{self, SpanIndex};
use crate::rules::{
    role_of, sha256_hex, Agency, Article, Exception, FileRole, Pack, Rule, RuleKind, RuleSet,
    Severity,
};
use crate::source::{Source, Span};
use crate::vocab::{Bits, ValueType, Vocabulary};

/// The closest candidate to `wanted`, if it is close enough to be a likely typo.
pub fn suggest<'a>(wanted: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<String> {
    let wanted_l = wanted.to_lowercase();
    let mut best: Option<(usize, &str)> = None;
    for c in candidates {
        let d = levenshtein(&wanted_l, &c.to_lowercase());
        let limit = (wanted.chars().count().max(3) / 3).max(1) + 1;
        if d <= limit && best.is_none_or(|(bd, _)| d < bd) {
            best = Some((d, c));
        }
    }
    best.map(|(_, c)| c.to_string())
}

fn levenshtein(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != *cb);
            cur[j + 1] = (prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}

/// A pack's rule before its conditions are compiled.
struct Pending {
    file: usize,
    pack: usize,
    position: usize,
    id: String,
    kind: RuleKind,
    article: String,
    title: String,
    when: Option<(String, Expr)>,
    unless: Vec<(String, String, Expr, String)>,
    severity: Severity,
    obligation: String,
    actions: Vec<String>,
    agencies: Vec<String>,
    dates: Dates,
    jurisdiction: String,
}

/// When a rule is in force.
#[derive(Clone, Copy, Debug)]
struct Dates {
    in_force: crate::date::Date,
    valid_to: Option<crate::date::Date>,
}

/// A file with its span index, read once.
struct FileCtx {
    source: Source,
    spans: SpanIndex,
}

/// Check every rule file and build the rule set, or return every problem found.
pub fn compile(sources: Vec<Source>) -> Result<RuleSet, Vec<Problem>> {
    let mut problems = Vec::new();
    let mut tests = Vec::new();
    let mut classifier = None;
    let mut corpus_mapping = None;
    let mut vocab_source = None;
    let mut pack_sources = Vec::new();
    for s in sources {
        match role_of(&s.name) {
            FileRole::Vocabulary => vocab_source = Some(s),
            FileRole::Tests => tests.push(s),
            FileRole::Classifier => classifier = Some(s),
            FileRole::CorpusMapping => corpus_mapping = Some(s),
            FileRole::Pack => pack_sources.push(s),
        }
    }
    // A directory without its own vocabulary uses the built-in one.
    let vocab_source = match vocab_source {
        Some(v) => v,
        None => match crate::rules::builtin_sources()
            .into_iter()
            .find(|s| role_of(&s.name) == FileRole::Vocabulary)
        {
            Some(v) => v,
            None => {
                return Err(vec![Problem::new(
                    "check::no-vocabulary",
                    "the rule directory has no vocabulary.yaml",
                )
                .help("add a vocabulary.yaml to the rule directory")])
            }
        },
    };
    let vocab = match yaml::from_source::<RawVocabulary>(&vocab_source) {
        Ok(raw) => match Vocabulary::build(raw, &vocab_source) {
            Ok(v) => v,
            Err(mut ps) => {
                problems.append(&mut ps);
                return Err(problems);
            }
        },
        Err(p) => return Err(vec![p]),
    };

    let mut files = Vec::new();
    let mut packs = Vec::new();
    let mut pending = Vec::new();
    for source in pack_sources {
        let spans = SpanIndex::build(&source);
        let raw: RawPack = match yaml::from_source(&source) {
            Ok(r) => r,
            Err(p) => {
                problems.push(p);
                continue;
            }
        };
        let file = files.len();
        files.push(FileCtx { source, spans });
        let ctx = &files[file];
        if let Some((pack, rules)) = read_pack(raw, ctx, file, packs.len(), &vocab, &mut problems) {
            packs.push(pack);
            pending.extend(rules);
        }
    }

    // Ids, first: references may point forward and across packs.
    let mut index: HashMap<String, usize> = HashMap::new();
    for (i, r) in pending.iter().enumerate() {
        if let Some(&first) = index.get(&r.id) {
            let ctx = &files[r.file];
            let earlier = &pending[first];
            let (line, _) = files[earlier.file].source.line_col(
                files[earlier.file]
                    .spans
                    .span(
                        &files[earlier.file].source,
                        &format!("rules/{}/id", earlier.position),
                    )
                    .start,
            );
            problems.push(
                Problem::new(
                    "check::duplicate-id",
                    format!("rule id `{}` is used twice", r.id),
                )
                .at(
                    &ctx.source,
                    ctx.spans
                        .value_span(&ctx.source, &format!("rules/{}/id", r.position)),
                )
                .label("second use")
                .help(format!(
                    "it is first used in {}:{line}; rule ids must be unique across all packs",
                    files[earlier.file].source.name
                )),
            );
        } else {
            index.insert(r.id.clone(), i);
        }
    }
    for (p, pack) in packs.iter_mut().enumerate() {
        let scopes: Vec<usize> = pending
            .iter()
            .enumerate()
            .filter(|(_, r)| r.pack == p && r.kind == RuleKind::Scope)
            .map(|(i, _)| i)
            .collect();
        if scopes.len() > 1 {
            let r = &pending[scopes[1]];
            let ctx = &files[r.file];
            problems.push(
                Problem::new("check::two-scopes", format!("pack `{}` has more than one scope rule", pack.regulation))
                    .at(&ctx.source, ctx.spans.value_span(&ctx.source, &format!("rules/{}/kind", r.position)))
                    .help("a pack has one scope rule; make the others `kind: fact` and refer to them from it"),
            );
        }
        pack.scope = scopes.first().copied();
    }

    // Conditions.
    let mut rules = Vec::new();
    for r in &pending {
        let ctx = &files[r.file];
        let base = format!("rules/{}", r.position);
        let compiler = Compiler {
            vocab: &vocab,
            index: &index,
            ctx,
        };
        let when = match &r.when {
            Some((text, expr)) => {
                compiler.compile(expr, text, &format!("{base}/when"), &mut problems)
            }
            None => Cond::Const(false),
        };
        let mut unless = Vec::new();
        for (path, text, expr, title) in &r.unless {
            unless.push(Exception {
                title: title.clone(),
                text: text.clone(),
                cond: compiler.compile(expr, text, path, &mut problems),
            });
        }
        let pack = &packs[r.pack];
        let gate = match pack.scope {
            Some(s) if r.kind == RuleKind::Finding => Some(s),
            _ => None,
        };
        let citation = pack
            .articles
            .get(&r.article)
            .map(|a| a.cite.clone())
            .unwrap_or_else(|| format!("{} {}", pack.cite_as, r.article));
        rules.push(Rule {
            id: r.id.clone(),
            pack: r.pack,
            kind: r.kind,
            article: r.article.clone(),
            citation,
            title: r.title.clone(),
            when_text: r.when.as_ref().map(|w| w.0.clone()).unwrap_or_default(),
            when,
            unless,
            severity: r.severity,
            obligation: r.obligation.clone(),
            actions: r.actions.clone(),
            agencies: r.agencies.clone(),
            in_force: r.dates.in_force,
            valid_to: r.dates.valid_to,
            jurisdiction: r.jurisdiction.clone(),
            gate,
        });
    }
    if !problems.is_empty() {
        return Err(problems);
    }

    // The graph: cycles are errors; the order is computed once.
    let plan = graph::plan(&rules);
    match plan {
        Ok((order, edges)) => Ok(RuleSet {
            vocab,
            packs,
            rules,
            order,
            edges,
            tests,
            classifier,
            corpus_mapping,
            index,
            classifier_cache: Default::default(),
            parts_cache: Default::default(),
            program_cache: Default::default(),
        }),
        Err(cycles) => {
            for cycle in cycles {
                let first = &pending[cycle[0]];
                let ctx = &files[first.file];
                let names: Vec<&str> = cycle.iter().map(|&i| pending[i].id.as_str()).collect();
                problems.push(
                    Problem::new(
                        "check::cycle",
                        format!(
                            "rule `{}` depends on itself: `{} -> {}`",
                            first.id,
                            names.join(" -> "),
                            first.id
                        ),
                    )
                    .at(&ctx.source, ctx.spans.value_span(&ctx.source, &format!("rules/{}/id", first.position)))
                    .help("break the loop: a rule cannot depend, through `@references` or its pack's scope rule, on itself"),
                );
            }
            Err(problems)
        }
    }
}

fn read_pack(
    raw: RawPack,
    ctx: &FileCtx,
    file: usize,
    pack_index: usize,
    vocab: &Vocabulary,
    problems: &mut Vec<Problem>,
) -> Option<(Pack, Vec<Pending>)> {
    let source = &ctx.source;
    let spans = &ctx.spans;
    let before = problems.len();
    let mut require = |value: &Option<String>, key: &str, what: &str| -> String {
        match value.as_deref().map(str::trim) {
            Some(v) if !v.is_empty() => v.to_string(),
            _ => {
                problems.push(
                    Problem::new("check::missing-key", format!("pack has no `{key}`"))
                        .at(source, spans.key_span(source, key))
                        .help(format!("add `{key}:` with {what}")),
                );
                String::new()
            }
        }
    };
    let regulation = require(
        &raw.regulation,
        "regulation",
        "the short name printed in output, e.g. `GDPR`",
    );
    let name = require(&raw.name, "name", "the regulation's full name");
    let citation = require(
        &raw.citation,
        "citation",
        "the official citation, e.g. `Regulation (EU) 2016/679`",
    );
    let source_url = require(&raw.source, "source", "the address of the official text");
    let penalties = require(
        &raw.penalties,
        "penalties",
        "the penalty ceiling in plain words",
    );
    let jurisdiction = require(
        &raw.jurisdiction,
        "jurisdiction",
        "a jurisdiction code such as `EU` or `US-CA`",
    );
    if !jurisdiction.is_empty() && !vocab.is_jurisdiction(&jurisdiction) {
        problems.push(unknown_jurisdiction(
            vocab,
            &jurisdiction,
            source,
            spans.value_span(source, "jurisdiction"),
        ));
    }
    let Some(in_force) = raw.in_force else {
        problems.push(
            Problem::new("check::missing-key", "pack has no `in_force`")
                .at(source, Span::new(0, 0))
                .help("add `in_force: YYYY-MM-DD`, the date the law applies from"),
        );
        return None;
    };
    if raw.agencies.is_empty() {
        problems.push(
            Problem::new("check::missing-key", "pack names no `agencies`")
                .at(source, spans.key_span(source, "agencies"))
                .help("list who enforces the regulation under `agencies:`"),
        );
    }
    let agencies: Vec<Agency> = raw
        .agencies
        .into_iter()
        .map(|a| match a {
            RawAgency::Name(name) => Agency {
                name,
                remit: None,
                url: None,
            },
            RawAgency::Full(f) => Agency {
                name: f.name,
                remit: f.remit,
                url: f.url,
            },
        })
        .collect();
    let cite_as = raw.cite_as.clone().unwrap_or_else(|| regulation.clone());
    let articles: BTreeMap<String, Article> = raw
        .articles
        .into_iter()
        .map(|(k, a)| {
            let (title, cite, src) = match a {
                RawArticle::Title(t) => (t, None, None),
                RawArticle::Full(f) => (f.title, f.cite, f.source),
            };
            let cite = cite.unwrap_or_else(|| format!("{cite_as} {k}"));
            (
                k,
                Article {
                    title,
                    cite,
                    source: src,
                },
            )
        })
        .collect();
    if raw.rules.is_empty() {
        problems.push(
            Problem::new(
                "check::no-rules",
                format!("pack `{regulation}` has no rules"),
            )
            .at(source, spans.key_span(source, "rules"))
            .help("add rules under `rules:`; see docs/rule-authoring.md"),
        );
    }

    let mut pending = Vec::new();
    for (position, r) in raw.rules.into_iter().enumerate() {
        let base = format!("rules/{position}");
        let at_key = |key: &str| spans.key_span(source, &format!("{base}/{key}"));
        let at_value = |key: &str| spans.value_span(source, &format!("{base}/{key}"));
        let at_rule = spans.span(source, &base);
        let id = match r.id {
            Some(id) if valid_id(&id) => id,
            Some(id) => {
                problems.push(
                    Problem::new("check::bad-id", format!("rule id `{id}` has characters ids cannot hold"))
                        .at(source, at_value("id"))
                        .help("ids use lowercase letters, digits, `.`, `-` and `_`, and start with a letter"),
                );
                id
            }
            None => {
                problems.push(
                    Problem::new("check::missing-key", "rule has no `id`")
                        .at(source, at_rule)
                        .help("add `id:`, e.g. `gdpr.art6-1-f.ai-training`"),
                );
                format!("<rule {position}>")
            }
        };
        let kind = match r.kind.as_deref() {
            None | Some("finding") => RuleKind::Finding,
            Some("scope") => RuleKind::Scope,
            Some("fact") => RuleKind::Fact,
            Some(other) => {
                problems.push(
                    Problem::new(
                        "check::bad-kind",
                        format!("rule `{id}` has unknown kind `{other}`"),
                    )
                    .at(source, at_value("kind"))
                    .help("kinds are `finding` (the default), `scope` and `fact`"),
                );
                RuleKind::Finding
            }
        };
        let article = match r.article {
            Some(a) if !a.trim().is_empty() => {
                if !articles.contains_key(&a) {
                    let keys = articles.keys().map(String::as_str);
                    let help = match suggest(&a, keys) {
                        Some(s) => format!("did you mean `{s}`? every `article` must be a key of the pack's `articles:` index"),
                        None => format!("add `\"{a}\": <its official title>` to the pack's `articles:` index"),
                    };
                    problems.push(
                        Problem::new(
                            "check::unknown-article",
                            format!("rule `{id}` cites `{a}`, which the article index lacks"),
                        )
                        .at(source, at_value("article"))
                        .help(help),
                    );
                }
                a
            }
            _ => {
                problems.push(
                    Problem::new("check::missing-citation", format!("rule `{id}` has no `article`"))
                        .at(source, at_key("id"))
                        .help("every rule cites the article it rests on, pinpoint: `article: \"Art. 6(1)(f)\"`"),
                );
                String::new()
            }
        };
        let title = r.title.unwrap_or_else(|| {
            problems.push(
                Problem::new("check::missing-key", format!("rule `{id}` has no `title`"))
                    .at(source, at_key("id"))
                    .help("add a one-line `title:`"),
            );
            String::new()
        });
        let when = match r.when {
            Some(text) => match dsl::parse(&text) {
                Ok(expr) => Some((text, expr)),
                Err(e) => {
                    problems.push(dsl_problem(ctx, &format!("{base}/when"), &text, e));
                    None
                }
            },
            None => {
                problems.push(
                    Problem::new("check::missing-key", format!("rule `{id}` has no `when`"))
                        .at(source, at_key("id"))
                        .help("add `when:` with the condition under which the rule applies"),
                );
                None
            }
        };
        let mut unless = Vec::new();
        let exceptions: Vec<(String, String, Option<String>)> = match r.unless {
            None => Vec::new(),
            Some(RawUnless::One(text)) => vec![(format!("{base}/unless"), text, None)],
            Some(RawUnless::Many(list)) => list
                .into_iter()
                .enumerate()
                .map(|(i, e)| (format!("{base}/unless/{i}/when"), e.when, e.title))
                .collect(),
        };
        for (path, text, title) in exceptions {
            match dsl::parse(&text) {
                Ok(expr) => {
                    let title = title.unwrap_or_else(|| text.clone());
                    unless.push((path, text, expr, title));
                }
                Err(e) => problems.push(dsl_problem(ctx, &path, &text, e)),
            }
        }
        let severity = match (kind, r.severity.as_deref()) {
            (RuleKind::Finding, None) => {
                problems.push(
                    Problem::new(
                        "check::missing-key",
                        format!("rule `{id}` has no `severity`"),
                    )
                    .at(source, at_key("id"))
                    .help("add `severity:` low, medium, high or critical"),
                );
                Severity::Low
            }
            (_, None) => Severity::Low,
            (_, Some(s)) => Severity::parse(s).unwrap_or_else(|| {
                let help = match suggest(s, Severity::ALL.iter().map(|s| s.as_str())) {
                    Some(x) => {
                        format!("did you mean `{x}`? severities are low, medium, high and critical")
                    }
                    None => "severities are low, medium, high and critical".to_string(),
                };
                problems.push(
                    Problem::new(
                        "check::bad-severity",
                        format!("rule `{id}` has unknown severity `{s}`"),
                    )
                    .at(source, at_value("severity"))
                    .help(help),
                );
                Severity::Low
            }),
        };
        let obligation = r.obligation.unwrap_or_default();
        if kind == RuleKind::Finding && obligation.trim().is_empty() {
            problems.push(
                Problem::new(
                    "check::missing-key",
                    format!("rule `{id}` has no `obligation`"),
                )
                .at(source, at_key("id"))
                .help("add `obligation:`, what the law requires here in plain words"),
            );
        }
        let rule_agencies = match r.agencies {
            None => agencies.iter().map(|a| a.name.clone()).collect(),
            Some(list) => {
                for (i, a) in list.iter().enumerate() {
                    if !agencies.iter().any(|x| &x.name == a) {
                        let help = match suggest(a, agencies.iter().map(|x| x.name.as_str())) {
                            Some(s) => format!("did you mean `{s}`? a rule's agencies must be named in the pack's `agencies:`"),
                            None => "a rule's agencies must be named in the pack's `agencies:`".to_string(),
                        };
                        problems.push(
                            Problem::new(
                                "check::unknown-agency",
                                format!(
                                    "rule `{id}` names agency `{a}`, which the pack does not list"
                                ),
                            )
                            .at(
                                source,
                                spans.value_span(source, &format!("{base}/agencies/{i}")),
                            )
                            .help(help),
                        );
                    }
                }
                list
            }
        };
        let rule_jurisdiction = match r.jurisdiction {
            Some(j) => {
                if !vocab.is_jurisdiction(&j) {
                    problems.push(unknown_jurisdiction(
                        vocab,
                        &j,
                        source,
                        at_value("jurisdiction"),
                    ));
                }
                j
            }
            None => jurisdiction.clone(),
        };
        pending.push(Pending {
            file,
            pack: pack_index,
            position,
            id,
            kind,
            article,
            title,
            when,
            unless,
            severity,
            obligation: obligation.trim().to_string(),
            actions: r.actions,
            agencies: rule_agencies,
            dates: Dates {
                in_force: r.in_force.unwrap_or(in_force),
                valid_to: r.valid_to.or(raw.valid_to),
            },
            jurisdiction: rule_jurisdiction,
        });
    }
    if problems.len() > before && regulation.is_empty() {
        return None;
    }
    Some((
        Pack {
            file: source.name.to_string(),
            sha256: sha256_hex(&source.text),
            regulation,
            name,
            citation,
            cite_as,
            jurisdiction,
            in_force,
            valid_to: raw.valid_to,
            source: source_url,
            penalties,
            agencies,
            verification: raw.verification.unwrap_or_default(),
            articles,
            scope: None,
        },
        pending,
    ))
}

fn valid_id(id: &str) -> bool {
    id.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
        && id
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '.' | '-' | '_'))
}

fn unknown_jurisdiction(vocab: &Vocabulary, code: &str, source: &Source, span: Span) -> Problem {
    let codes = vocab
        .jurisdiction_taxonomy()
        .values
        .iter()
        .map(String::as_str);
    let help = match suggest(code, codes) {
        Some(s) => format!("did you mean `{s}`? jurisdictions are declared in vocabulary.yaml"),
        None => {
            "use a code declared under `jurisdictions:` in vocabulary.yaml, or declare it there"
                .to_string()
        }
    };
    Problem::new(
        "check::unknown-jurisdiction",
        format!("unknown jurisdiction `{code}`"),
    )
    .at(source, span)
    .help(help)
}

/// A parse error, placed at the character inside the YAML file.
fn dsl_problem(ctx: &FileCtx, path: &str, text: &str, e: dsl::ParseError) -> Problem {
    let span = ctx.spans.map_range(&ctx.source, path, text, e.span);
    Problem::new("dsl::parse", e.message)
        .at(&ctx.source, span)
        .help_opt(e.help)
}

struct Compiler<'a> {
    vocab: &'a Vocabulary,
    index: &'a HashMap<String, usize>,
    ctx: &'a FileCtx,
}

/// The type a path resolves to.
struct Resolved {
    slot: Slot,
    ty: ValueType,
    /// For `entity.consumers.US-CA`: the key.
    key: Option<String>,
}

impl Compiler<'_> {
    fn compile(&self, expr: &Expr, text: &str, path: &str, problems: &mut Vec<Problem>) -> Cond {
        let mut local = Vec::new();
        let cond = self.build(expr, text, &mut local);
        for (span, message, help) in local {
            let at = self.ctx.spans.map_range(&self.ctx.source, path, text, span);
            problems.push(
                Problem::new(message.0, message.1)
                    .at(&self.ctx.source, at)
                    .help_opt(help),
            );
        }
        cond
    }

    fn build(&self, expr: &Expr, text: &str, errs: &mut Vec<LocalError>) -> Cond {
        match expr {
            Expr::And(..) => {
                let mut parts = Vec::new();
                flatten(expr, true, &mut parts);
                Cond::All(
                    parts
                        .into_iter()
                        .map(|e| self.build(e, text, errs))
                        .collect(),
                )
            }
            Expr::Or(..) => {
                let mut parts = Vec::new();
                flatten(expr, false, &mut parts);
                Cond::Any(
                    parts
                        .into_iter()
                        .map(|e| self.build(e, text, errs))
                        .collect(),
                )
            }
            Expr::Not(e, _) => Cond::Not(Box::new(self.build(e, text, errs))),
            Expr::Bool(b, _) => Cond::Const(*b),
            Expr::RuleRef(id, span) => match self.index.get(id) {
                Some(&i) => Cond::Rule(i),
                None => {
                    let help = match suggest(id, self.index.keys().map(String::as_str)) {
                        Some(s) => Some(format!("did you mean `@{s}`?")),
                        None => Some("refer to a rule by its `id`, e.g. `@gdpr.scope`".to_string()),
                    };
                    errs.push((
                        *span,
                        ("check::unknown-rule", format!("unknown rule `@{id}`")),
                        help,
                    ));
                    Cond::Const(false)
                }
            },
            Expr::Known(path, span) => match self.resolve(path, errs) {
                Some(r) => {
                    let test = match r.key {
                        Some(key) => LeafTest::MapKnown { key },
                        None => LeafTest::Known,
                    };
                    leaf(r.slot, test, text, *span, path)
                }
                None => Cond::Const(false),
            },
            Expr::Pred(p) => {
                let Some(r) = self.resolve(&p.path, errs) else {
                    return Cond::Const(false);
                };
                match self.test(&p.path, &r, &p.test, errs) {
                    Some(test) => leaf(r.slot, test, text, p.span, &p.path),
                    None => Cond::Const(false),
                }
            }
        }
    }

    fn resolve(&self, path: &Path, errs: &mut Vec<LocalError>) -> Option<Resolved> {
        let v = self.vocab;
        let segs: Vec<&str> = path.segments.iter().map(String::as_str).collect();
        let unknown = |errs: &mut Vec<LocalError>, what: String, candidates: Vec<String>| {
            let wanted = path.to_string();
            let help = suggest(&wanted, candidates.iter().map(String::as_str))
                .map(|s| format!("did you mean `{s}`?"))
                .or_else(|| Some("attributes, entity facts and document fields are declared in vocabulary.yaml".to_string()));
            errs.push((path.span, ("check::unknown-attribute", what), help));
            None
        };
        let all_names = || -> Vec<String> {
            let mut names: Vec<String> = v.attributes.iter().map(|f| f.name.clone()).collect();
            names.extend(v.entity.iter().map(|f| format!("entity.{}", f.name)));
            names.extend(v.document.iter().map(|f| format!("document.{}", f.name)));
            names.push("as_of".to_string());
            names
        };
        match segs.as_slice() {
            ["as_of"] => Some(Resolved {
                slot: Slot::AsOf,
                ty: ValueType::Date,
                key: None,
            }),
            ["entity", fact, rest @ ..] => {
                let Some(i) = v.entity_fact(fact) else {
                    return unknown(
                        errs,
                        format!("unknown entity fact `entity.{fact}`"),
                        all_names(),
                    );
                };
                let ty = v.entity[i].ty.clone();
                match (&ty, rest) {
                    (ValueType::Map, [key]) => {
                        if !v.is_jurisdiction(key) {
                            let codes = v.jurisdiction_taxonomy().values.iter().map(String::as_str);
                            let help = suggest(key, codes).map(|s| format!("did you mean `{s}`?"));
                            errs.push((
                                path.span,
                                (
                                    "check::unknown-jurisdiction",
                                    format!("unknown jurisdiction `{key}` in `{path}`"),
                                ),
                                help,
                            ));
                            return None;
                        }
                        Some(Resolved {
                            slot: Slot::Entity(i as u16),
                            ty: ValueType::Number,
                            key: Some((*key).to_string()),
                        })
                    }
                    (ValueType::Map, _) => {
                        errs.push((
                            path.span,
                            (
                                "check::type",
                                format!("`entity.{fact}` is a map: name one key"),
                            ),
                            Some(format!("write `entity.{fact}.US-CA` (a jurisdiction code)")),
                        ));
                        None
                    }
                    (_, []) => Some(Resolved {
                        slot: Slot::Entity(i as u16),
                        ty,
                        key: None,
                    }),
                    _ => unknown(errs, format!("unknown entity fact `{path}`"), all_names()),
                }
            }
            ["document", field] => match v.document_field(field) {
                Some(i) => Some(Resolved {
                    slot: Slot::Doc(i as u16),
                    ty: v.document[i].ty.clone(),
                    key: None,
                }),
                None => unknown(
                    errs,
                    format!("unknown document field `{path}`"),
                    all_names(),
                ),
            },
            [name] => match v.attribute(name) {
                Some(i) => Some(Resolved {
                    slot: Slot::Attr(i as u16),
                    ty: v.attributes[i].ty.clone(),
                    key: None,
                }),
                None => unknown(errs, format!("unknown attribute `{name}`"), all_names()),
            },
            _ => unknown(errs, format!("unknown attribute `{path}`"), all_names()),
        }
    }

    fn test(
        &self,
        path: &Path,
        r: &Resolved,
        test: &Test,
        errs: &mut Vec<LocalError>,
    ) -> Option<LeafTest> {
        let type_err = |errs: &mut Vec<LocalError>, span: Span, msg: String, help: String| {
            errs.push((span, ("check::type", msg), Some(help)));
            None
        };
        match (&r.ty, test) {
            (ValueType::Set(t), Test::Has(lit)) => {
                let mask = self.set_mask(*t, path, std::slice::from_ref(lit), errs)?;
                Some(LeafTest::HasAny(mask))
            }
            (ValueType::Set(t), Test::HasAny(list)) => Some(LeafTest::HasAny(self.set_mask(*t, path, list, errs)?)),
            (ValueType::Set(t), Test::HasAll(list)) => Some(LeafTest::HasAll(self.set_mask(*t, path, list, errs)?)),
            (ValueType::Set(t), Test::Covers(list)) => {
                // A value is covered by itself and by every value above it.
                let mask = self.set_mask(*t, path, list, errs)?;
                let tax = &self.vocab.taxonomies[*t];
                Some(LeafTest::Covers(tax.close(mask.iter())))
            }
            (ValueType::Set(_), _) => type_err(
                errs,
                path.span,
                format!("`{path}` is a set: test it with `has`"),
                format!("write `{path} has \"value\"`, `{path} has any [...]` or `{path} has all [...]`"),
            ),
            (ValueType::OneOf(values), Test::Cmp(op @ (CmpOp::Eq | CmpOp::Ne), lit)) => {
                let mask = self.one_of_mask(values, path, std::slice::from_ref(lit), errs)?;
                Some(LeafTest::OneIn { mask, negate: *op == CmpOp::Ne })
            }
            (ValueType::OneOf(values), Test::In(list)) => {
                Some(LeafTest::OneIn { mask: self.one_of_mask(values, path, list, errs)?, negate: false })
            }
            (ValueType::OneOf(_), Test::Cmp(op, _)) => type_err(
                errs,
                path.span,
                format!("`{path}` holds one value and has no order: `{}` does not apply", op.symbol()),
                format!("compare it with `==`, `!=` or `{path} in [...]`"),
            ),
            (ValueType::OneOf(_), _) => type_err(
                errs,
                path.span,
                format!("`{path}` holds one value, not a set"),
                format!("compare it with `{path} == \"value\"` or `{path} in [...]`"),
            ),
            (ValueType::Number, Test::Cmp(op, lit)) => match &lit.value {
                LiteralValue::Num(n) => Some(match &r.key {
                    Some(key) => LeafTest::MapNum { key: key.clone(), op: *op, value: *n },
                    None => LeafTest::Num(*op, *n),
                }),
                other => type_err(
                    errs,
                    lit.span,
                    format!("`{path}` is a number but is compared with {}", other.kind()),
                    "write the number without quotes, e.g. `26_625_000`".to_string(),
                ),
            },
            (ValueType::Date, Test::Cmp(op, lit)) => match &lit.value {
                LiteralValue::Date(d) => Some(LeafTest::Date(*op, *d)),
                other => type_err(
                    errs,
                    lit.span,
                    format!("`{path}` is a date but is compared with {}", other.kind()),
                    "write the date without quotes, as YYYY-MM-DD, e.g. `2027-01-01`".to_string(),
                ),
            },
            (ValueType::Bool, Test::Truthy) => Some(LeafTest::Truthy),
            (ValueType::Bool, Test::Cmp(op @ (CmpOp::Eq | CmpOp::Ne), lit)) => match &lit.value {
                LiteralValue::Bool(b) => Some(LeafTest::Bool(*op, *b)),
                other => type_err(
                    errs,
                    lit.span,
                    format!("`{path}` is a boolean but is compared with {}", other.kind()),
                    "write `true` or `false` without quotes".to_string(),
                ),
            },
            (ValueType::String, Test::Cmp(op @ (CmpOp::Eq | CmpOp::Ne), lit)) => match &lit.value {
                LiteralValue::Str(s) => Some(LeafTest::Str(*op, s.clone())),
                other => type_err(
                    errs,
                    lit.span,
                    format!("`{path}` is a string but is compared with {}", other.kind()),
                    "quote the value: `\"text\"`".to_string(),
                ),
            },
            (ty, Test::Truthy) => type_err(
                errs,
                path.span,
                format!("`{path}` is {}, not a condition on its own", ty.describe()),
                match ty {
                    ValueType::Set(_) => format!("test it: `{path} has \"value\"`"),
                    _ => format!("compare it: `{path} == ...`, or ask `known({path})`"),
                },
            ),
            (ty, _) => type_err(
                errs,
                path.span,
                format!("`{path}` is {}: this test does not apply to it", ty.describe()),
                match ty {
                    ValueType::Number | ValueType::Date => "compare it with `==`, `!=`, `<`, `<=`, `>` or `>=`".to_string(),
                    _ => "compare it with `==` or `!=`".to_string(),
                },
            ),
        }
    }

    fn set_mask(
        &self,
        t: usize,
        path: &Path,
        lits: &[Literal],
        errs: &mut Vec<LocalError>,
    ) -> Option<Bits> {
        let tax = &self.vocab.taxonomies[t];
        let mut mask = Bits::default();
        let mut ok = true;
        for lit in lits {
            match &lit.value {
                LiteralValue::Str(s) => match tax.id(s) {
                    Some(id) => mask.set(id),
                    None => {
                        ok = false;
                        let help = match suggest(s, tax.values.iter().map(String::as_str)) {
                            Some(x) => format!("did you mean `{x}`?"),
                            None => format!("the values of `{path}` are listed under taxonomy `{}` in vocabulary.yaml", tax.name),
                        };
                        errs.push((
                            lit.span,
                            (
                                "check::unknown-value",
                                format!("`{s}` is not a value of `{path}`"),
                            ),
                            Some(help),
                        ));
                    }
                },
                other => {
                    ok = false;
                    errs.push((
                        lit.span,
                        (
                            "check::type",
                            format!("`{path}` holds strings but is tested with {}", other.kind()),
                        ),
                        Some("quote the value: `\"value\"`".to_string()),
                    ));
                }
            }
        }
        ok.then_some(mask)
    }

    fn one_of_mask(
        &self,
        values: &[String],
        path: &Path,
        lits: &[Literal],
        errs: &mut Vec<LocalError>,
    ) -> Option<Bits> {
        let mut mask = Bits::default();
        let mut ok = true;
        for lit in lits {
            match &lit.value {
                LiteralValue::Str(s) => match values.iter().position(|v| v == s) {
                    Some(i) => mask.set(i as u16),
                    None => {
                        ok = false;
                        let help = match suggest(s, values.iter().map(String::as_str)) {
                            Some(x) => format!("did you mean `{x}`?"),
                            None => format!("`{path}` is one of: {}", values.join(", ")),
                        };
                        errs.push((
                            lit.span,
                            (
                                "check::unknown-value",
                                format!("`{s}` is not a value of `{path}`"),
                            ),
                            Some(help),
                        ));
                    }
                },
                other => {
                    ok = false;
                    errs.push((
                        lit.span,
                        (
                            "check::type",
                            format!(
                                "`{path}` holds a string value but is compared with {}",
                                other.kind()
                            ),
                        ),
                        Some("quote the value: `\"value\"`".to_string()),
                    ));
                }
            }
        }
        ok.then_some(mask)
    }
}

type LocalError = (Span, (&'static str, String), Option<String>);

fn flatten<'e>(expr: &'e Expr, and: bool, out: &mut Vec<&'e Expr>) {
    match (expr, and) {
        (Expr::And(a, b), true) | (Expr::Or(a, b), false) => {
            flatten(a, and, out);
            flatten(b, and, out);
        }
        _ => out.push(expr),
    }
}

fn leaf(slot: Slot, test: LeafTest, text: &str, span: Span, path: &Path) -> Cond {
    // Conditions may span lines in YAML; explanations show them on one.
    let text = text
        .get(span.start..span.end)
        .unwrap_or("")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    let mut said_json = String::new();
    crate::eval::parts::push_escaped(&mut said_json, &format!("`{text}` ("));
    let path = path.to_string();
    let missing_as = match &test {
        LeafTest::MapNum { key, .. } => {
            format!("{}.{key}", crate::eval::cond::path_base(&path, &test))
                .as_str()
                .into()
        }
        _ => path.as_str().into(),
    };
    let text_hash = {
        use std::hash::Hasher;
        let mut h = crate::vocab::Fnv::default();
        h.write(text.as_bytes());
        h.finish()
    };
    Cond::Leaf(Box::new(Leaf {
        slot,
        test,
        text_hash,
        text,
        path,
        said_json: said_json.into(),
        missing_as,
    }))
}
