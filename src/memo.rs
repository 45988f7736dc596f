//! Compliance memos, rendered with tera from one documented context.
//!
//! `clausemap memo` evaluates provision files like `evaluate` does, then renders, per
//! provision, a memo in the shape of an institutional analysis (regulatory framework,
//! governance exposure, jurisdiction flags, contract and vendor implications, compliance
//! considerations, agencies, what the people affected can do, open facts, a receipt), and per
//! document a memo with a summary, the provision × jurisdiction matrix, the engaged regulations
//! and every action ranked. With `--peers FILE...`, each provision memo also shows how those
//! other platforms' documents handle the provision's purposes (the rows of `compare`).
//!
//! - [`plan`] computes what a memo shows, and in which order, as plain Rust;
//! - [`context`] builds from it the context templates see (documented in `docs/templates.md`);
//! - [`engine`] loads the templates (built-in, or overridden with `--templates DIR`) once and
//!   renders any number of memos;
//! - [`native`] writes provision memos without tera while their templates are the built-in
//!   ones: the same bytes, an order of magnitude faster ([`Engine`] chooses);
//! - [`output`] names memo files and writes them atomically.
//!
//! The memos say only what the rule packs, the vocabulary and the input say: the templates
//! arrange that text, they do not add legal statements of their own.

pub mod context;
pub mod engine;
pub mod native;
pub mod output;
pub mod plan;

use std::io::Write;
use std::path::Path;

use crate::cli::{MemoArgs, MemoFormat};
use crate::date::Date;
use crate::error::{Exit, Problem};
use crate::eval::{self, Outcome};
use crate::model::Document;
use crate::rules::RuleSet;
use context::Basis;
use engine::Templates;

/// The file extension and template suffix of a format.
pub fn extension(format: MemoFormat) -> &'static str {
    match format {
        MemoFormat::Md => "md",
        MemoFormat::Html => "html",
    }
}

/// The template that renders provision memos in this format.
pub fn provision_template(format: MemoFormat) -> &'static str {
    match format {
        MemoFormat::Md => "provision.md.tera",
        MemoFormat::Html => "provision.html.tera",
    }
}

/// The template that renders document memos in this format.
pub fn document_template(format: MemoFormat) -> &'static str {
    match format {
        MemoFormat::Md => "document.md.tera",
        MemoFormat::Html => "document.html.tera",
    }
}

/// The templates a provision memo in this format is rendered from: the provision template and
/// every template it includes or takes components from.
fn provision_templates(format: MemoFormat) -> &'static [&'static str] {
    match format {
        MemoFormat::Md => &["provision.md.tera", "_receipt.md.tera", "_macros.md.tera"],
        MemoFormat::Html => &[
            "provision.html.tera",
            "_receipt.html.tera",
            "_macros.html.tera",
            "_style.css.tera",
        ],
    }
}

/// What renders provision memos. Document memos are always rendered by tera.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Engine {
    /// The native renderer ([`native`]) when the provision template and the templates it
    /// includes are the built-in ones, else tera; tera also renders the rare memo whose input
    /// the native renderer does not take (evidence or a review of an unusual shape).
    #[default]
    Auto,
    /// Always tera (`CLAUSEMAP_MEMO_ENGINE=tera`).
    Tera,
    /// Always the native renderer, which writes what the *built-in* templates would, even when
    /// templates are overridden; an input it does not take is an error. For comparisons.
    Native,
}

impl Engine {
    /// The engine `CLAUSEMAP_MEMO_ENGINE` names (`auto`, `tera` or `native`).
    pub fn from_env() -> Result<Engine, Problem> {
        match std::env::var("CLAUSEMAP_MEMO_ENGINE") {
            Err(_) => Ok(Engine::Auto),
            Ok(v) => match v.as_str() {
                "" | "auto" => Ok(Engine::Auto),
                "tera" => Ok(Engine::Tera),
                "native" => Ok(Engine::Native),
                _ => Err(
                    Problem::new("usage::env", format!("CLAUSEMAP_MEMO_ENGINE is `{v}`"))
                        .help("set it to `auto` (the default), `tera` or `native`, or unset it"),
                ),
            },
        }
    }
}

/// Renders the memos of one run: the rule set, the date, the format and the parsed templates.
pub struct Renderer<'a> {
    basis: Basis<'a>,
    templates: &'a Templates,
    format: MemoFormat,
    engine: Engine,
    /// Whether provision memos are rendered natively (from `engine` and the templates).
    native: bool,
    /// Review ledgers by the file they sit beside: findings show their review state.
    ledgers: Vec<(String, crate::review::ledger::Ledger)>,
    /// Other platforms' documents (`--peers`), evaluated once: provision memos compare them.
    peers: Option<crate::compare::Peers>,
}

impl<'a> Renderer<'a> {
    /// Show review states from these ledgers (keyed by the policy file they belong to).
    pub fn with_ledgers(mut self, ledgers: Vec<(String, crate::review::ledger::Ledger)>) -> Self {
        self.ledgers = ledgers;
        self
    }

    /// Compare every provision's purposes with these documents (`peers` in the context).
    pub fn with_peers(mut self, peers: crate::compare::Peers) -> Self {
        self.peers = Some(peers);
        self
    }

    /// Render provision memos with this engine (default [`Engine::Auto`]).
    pub fn with_engine(mut self, engine: Engine) -> Self {
        self.engine = engine;
        self.native = match engine {
            Engine::Tera => false,
            Engine::Native => true,
            Engine::Auto => provision_templates(self.format)
                .iter()
                .all(|name| self.templates.is_builtin(name)),
        };
        self
    }

    /// Whether provision memos are rendered natively rather than by tera.
    pub fn is_native(&self) -> bool {
        self.native
    }

    pub fn new(
        set: &'a RuleSet,
        templates: &'a Templates,
        as_of: Date,
        format: MemoFormat,
    ) -> Renderer<'a> {
        Renderer {
            basis: Basis::new(set, as_of, extension(format)),
            templates,
            format,
            engine: Engine::Auto,
            native: false,
            ledgers: Vec::new(),
            peers: None,
        }
        .with_engine(Engine::Auto)
    }

    /// Evaluate a document: one outcome per provision, in input order.
    pub fn evaluate(&self, doc: &Document) -> Vec<Outcome> {
        let mut outcomes = eval::evaluate_document(self.basis.set, doc, self.basis.as_of);
        if let Some((_, ledger)) = self.ledgers.iter().find(|(file, _)| *file == doc.file) {
            crate::review::annotate_document(&mut outcomes, doc, ledger, Date::today());
        }
        outcomes
    }

    /// The memo of provision `index` of `doc`, given the document's outcomes.
    pub fn provision(
        &self,
        doc: &Document,
        outcomes: &[Outcome],
        index: usize,
        out: &mut Vec<u8>,
    ) -> Result<(), Problem> {
        let (Some(provision), Some(outcome)) = (doc.provisions.get(index), outcomes.get(index))
        else {
            return Err(Problem::new(
                "memo::internal",
                format!("no provision {index} in document `{}`", doc.meta.id),
            )
            .help("this is a bug in clausemap; please report it"));
        };
        let plan = self.basis.plan(provision, outcome);
        let peers = self
            .peers
            .as_ref()
            .map(|peers| self.basis.peer_plan(provision, peers));
        if self.native {
            let start = out.len();
            let written = native::provision(
                &self.basis,
                doc,
                provision,
                outcome,
                &plan,
                peers.as_deref(),
                out,
            );
            match written {
                Ok(()) => return Ok(()),
                Err(native::Unsupported(what)) => {
                    out.truncate(start);
                    if self.engine == Engine::Native {
                        return Err(Problem::new(
                            "memo::native",
                            format!(
                                "the native renderer does not take provision `{}`: {what}",
                                provision.id
                            ),
                        )
                        .help("render it with tera (CLAUSEMAP_MEMO_ENGINE=tera, or unset it)"));
                    }
                }
            }
        }
        let name = provision_template(self.format);
        let mut ctx = context::provision_context(&self.basis, doc, provision, outcome, &plan)
            .map_err(|e| context_problem(name, &e))?;
        if let Some(peers) = &peers {
            let value = context::peers_value(peers).map_err(|e| context_problem(name, &e))?;
            ctx.insert_value("peers", value);
        }
        self.templates.render_context_to(name, &ctx, out)
    }

    /// The memo of a whole document, given its outcomes.
    pub fn document(
        &self,
        doc: &Document,
        outcomes: &[Outcome],
        out: &mut Vec<u8>,
    ) -> Result<(), Problem> {
        let name = document_template(self.format);
        let ctx = context::document_memo(&self.basis, doc, outcomes)
            .map_err(|e| context_problem(name, &e))?;
        self.templates.render_context_to(name, &ctx, out)
    }
}

/// A context that could not be built: a bug, since the context holds only plain data.
fn context_problem(template: &str, e: &tera::Error) -> Problem {
    Problem::new(
        "memo::context",
        format!("cannot build the context of template `{template}`: {e}"),
    )
    .help("this is a bug in clausemap; please report it")
}

/// What to write, from the flags.
#[derive(Clone, Copy)]
struct Selection<'s> {
    provision: Option<&'s str>,
    documents: bool,
    provisions: bool,
}

/// `clausemap memo`.
pub fn run(args: MemoArgs) -> Result<Exit, Vec<Problem>> {
    let set = crate::commands::load_rules(args.rules.rules.as_deref())?;
    let templates = Templates::load(args.templates.as_deref()).map_err(|p| vec![p])?;
    let as_of = args.rules.as_of.unwrap_or_else(Date::today);
    let mut docs = Vec::new();
    let mut ledgers = Vec::new();
    for path in &args.files {
        let loaded = crate::classify_support::load_documents(&set, path).map_err(|p| vec![p])?;
        if let Some(ledger) = crate::review::ledger_for(path, None).map_err(|p| vec![p])? {
            if let Some(d) = loaded.first() {
                ledgers.push((d.file.clone(), ledger));
            }
        }
        docs.extend(loaded);
    }
    let engine = Engine::from_env().map_err(|p| vec![p])?;
    let mut renderer = Renderer::new(&set, &templates, as_of, args.format)
        .with_ledgers(ledgers)
        .with_engine(engine);
    if !args.peers.is_empty() {
        renderer = renderer.with_peers(crate::compare::Peers::load(&set, &args.peers, as_of)?);
    }

    let selection = Selection {
        provision: args.provision.as_deref(),
        documents: !args.provisions_only && args.provision.is_none(),
        provisions: !args.document_only,
    };
    if let Some(id) = selection.provision {
        find_provision(&docs, id, &args.files)?;
    }

    match &args.out {
        Some(dir) => write_all(&renderer, &docs, selection, dir, args.format),
        None => print_one(&renderer, &docs, selection),
    }
}

/// The document and index of provision `id`; an error with a suggestion when there is none.
fn find_provision<'d>(
    docs: &'d [Document],
    id: &str,
    files: &[std::path::PathBuf],
) -> Result<(&'d Document, usize), Vec<Problem>> {
    if let Some(found) = docs
        .iter()
        .find_map(|d| d.provisions.iter().position(|p| p.id == id).map(|i| (d, i)))
    {
        return Ok(found);
    }
    let ids: Vec<&str> = docs
        .iter()
        .flat_map(|d| d.provisions.iter().map(|p| p.id.as_str()))
        .collect();
    let help = crate::check::suggest(id, ids.iter().copied())
        .map(|s| format!("did you mean `{s}`?"))
        .unwrap_or_else(|| format!("the provisions are: {}", ids.join(", ")));
    let files: Vec<String> = files.iter().map(|f| f.display().to_string()).collect();
    Err(vec![Problem::new(
        "usage::provision",
        format!("no provision `{id}` in {}", files.join(", ")),
    )
    .help(help)])
}

/// Without `--out`: one memo on standard output.
fn print_one(
    renderer: &Renderer<'_>,
    docs: &[Document],
    selection: Selection<'_>,
) -> Result<Exit, Vec<Problem>> {
    let mut out = Vec::with_capacity(32 * 1024);
    if let Some(id) = selection.provision {
        let (doc, index) = find_provision(docs, id, &[])?;
        let outcomes = renderer.evaluate(doc);
        renderer
            .provision(doc, &outcomes, index, &mut out)
            .map_err(|p| vec![p])?;
    } else {
        if !selection.documents {
            return Err(vec![Problem::new(
                "usage::memo",
                "without --out, `--provisions-only` needs `--provision ID`",
            )
            .help(
                "give --out DIR to write every provision memo, or --provision ID to print one",
            )]);
        }
        let doc = match docs {
            [doc] => doc,
            [] => {
                return Err(vec![Problem::new(
                    "usage::memo",
                    "the files hold no document",
                )
                .help("a provision file holds `entity`, `document` and `provisions`")])
            }
            _ => {
                return Err(vec![Problem::new(
                    "usage::memo",
                    format!(
                        "the files hold {} documents; standard output takes one memo",
                        docs.len()
                    ),
                )
                .help("give --out DIR to write a memo per document and per provision")])
            }
        };
        let outcomes = renderer.evaluate(doc);
        renderer
            .document(doc, &outcomes, &mut out)
            .map_err(|p| vec![p])?;
    }
    let mut stdout = std::io::stdout().lock();
    match stdout.write_all(&out).and_then(|()| stdout.flush()) {
        Ok(()) => Ok(Exit::Ok),
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(Exit::Ok),
        Err(e) => Err(vec![Problem::new(
            "output::io",
            format!("cannot write output: {e}"),
        )]),
    }
}

/// With `--out`: every selected memo, each written atomically; a summary line on stderr.
fn write_all(
    renderer: &Renderer<'_>,
    docs: &[Document],
    selection: Selection<'_>,
    dir: &Path,
    format: MemoFormat,
) -> Result<Exit, Vec<Problem>> {
    output::ensure_dir(dir).map_err(|p| vec![p])?;
    let mut names = output::Names::default();
    let ext = extension(format);
    let mut buf = Vec::with_capacity(32 * 1024);
    let mut written = 0usize;
    for doc in docs {
        let wanted: Vec<usize> = match selection.provision {
            Some(id) => doc
                .provisions
                .iter()
                .position(|p| p.id == id)
                .into_iter()
                .collect(),
            None if selection.provisions => (0..doc.provisions.len()).collect(),
            None => Vec::new(),
        };
        if wanted.is_empty() && !selection.documents {
            continue;
        }
        let outcomes = renderer.evaluate(doc);
        if selection.documents {
            buf.clear();
            renderer
                .document(doc, &outcomes, &mut buf)
                .map_err(|p| vec![p])?;
            let name = names.document(&doc.meta.id, ext);
            output::write_atomic(&dir.join(&name), &buf).map_err(|p| vec![p])?;
            written += 1;
        }
        for index in wanted {
            buf.clear();
            renderer
                .provision(doc, &outcomes, index, &mut buf)
                .map_err(|p| vec![p])?;
            let name = names.provision(&doc.meta.id, &doc.provisions[index].id, ext);
            output::write_atomic(&dir.join(&name), &buf).map_err(|p| vec![p])?;
            written += 1;
        }
    }
    let mut err = std::io::stderr().lock();
    let _ = writeln!(
        err,
        "wrote {written} memo{} to {}",
        if written == 1 { "" } else { "s" },
        dir.display()
    );
    Ok(Exit::Ok)
}
