//! One function per command: read the inputs, run the pipeline, write the outputs.
//!
//! This is where clausemap does its I/O; every other module takes and returns values.

use std::io::{self, BufRead, Write};
use std::path::Path;

use crate::cli::{
    CheckArgs, Cli, Command, ErrorFormat, EvaluateArgs, ExplainArgs, GraphArgs, GraphFormat,
    TestArgs,
};
use crate::date::Date;
use crate::error::{render_all, Exit, Problem};
use crate::eval::{self, Outcome, Status};
use crate::model::{self, Document};
use crate::report::Writer;
use crate::rules::{self, RuleSet};
use crate::source::Source;

/// Run a parsed command line.
pub fn run(cli: Cli) -> Exit {
    let errors = cli.error_format;
    let result = match cli.command {
        Command::Evaluate(a) => evaluate(a, errors),
        Command::Explain(a) => explain(a),
        Command::Check(a) => check(a),
        Command::Test(a) => test(a),
        Command::Graph(a) => graph(a),
        Command::Memo(a) => crate::memo::run(a),
        Command::Classify(a) => crate::classify_support::run(a),
        Command::Compare(a) => crate::compare::run(a),
        Command::Flags(a) => crate::flags::run(a),
        Command::Schema(a) => load_rules(a.rules.as_deref()).map(|set| {
            emit(&crate::schema::schema(&set, a.kind));
            Exit::Ok
        }),
        Command::Review(a) => crate::review::run(a),
        Command::Diff(a) => crate::diff::run(a),
        Command::Bench(crate::cli::BenchCommand::Classify(a)) => crate::classify_support::bench(a),
        Command::Bench(crate::cli::BenchCommand::Gen(a)) => {
            let set = match load_rules(a.rules.rules.as_deref()) {
                Ok(s) => s,
                Err(p) => {
                    print_problems(&p, errors);
                    return Exit::Usage;
                }
            };
            emit(&crate::synth::provisions_jsonl_with(
                &set,
                a.provisions,
                a.per_document,
                a.seed,
                a.profile,
            ));
            Ok(Exit::Ok)
        }
        Command::Completions(a) => {
            let mut cmd = <Cli as clap::CommandFactory>::command();
            clap_complete::generate(a.shell, &mut cmd, "clausemap", &mut io::stdout());
            Ok(Exit::Ok)
        }
    };
    match result {
        Ok(exit) => exit,
        Err(problems) => {
            print_problems(&problems, errors);
            Exit::Usage
        }
    }
}

/// Print problems on standard error.
pub fn print_problems(problems: &[Problem], format: ErrorFormat) {
    let mut err = io::stderr().lock();
    match format {
        ErrorFormat::Human => {
            let _ = err.write_all(render_all(problems).as_bytes());
        }
        ErrorFormat::Json => {
            for p in problems {
                if let Ok(line) = serde_json::to_string(&p.to_json()) {
                    let _ = writeln!(err, "{line}");
                }
            }
        }
    }
}

/// The rule files of `dir`, or the built-in ones.
pub fn rule_sources(dir: Option<&Path>) -> Result<Vec<Source>, Vec<Problem>> {
    match dir {
        Some(d) => rules::read_dir(d).map_err(|p| vec![p]),
        None => Ok(rules::builtin_sources()),
    }
}

/// Load and check the rule set.
pub fn load_rules(dir: Option<&Path>) -> Result<RuleSet, Vec<Problem>> {
    crate::check::compile(rule_sources(dir)?)
}

fn output_error(e: &io::Error) -> Vec<Problem> {
    if e.kind() == io::ErrorKind::BrokenPipe {
        return Vec::new();
    }
    vec![Problem::new(
        "output::io",
        format!("cannot write output: {e}"),
    )]
}

/// Whether a path names a JSON Lines file (read line by line).
fn is_jsonl(path: &Path) -> bool {
    let lower = path.display().to_string().to_lowercase();
    lower.ends_with(".jsonl") || lower.ends_with(".ndjson")
}

/// The document on line `n` of a JSON Lines file (`None` for a blank line). A line that is not
/// UTF-8, not JSON or not a document still becomes a document, whose error says why.
fn jsonl_document(
    set: &RuleSet,
    line_source: &Source,
    n: usize,
    line: &[u8],
) -> Result<Option<Document>, Problem> {
    let name = &line_source.name;
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    let line = match std::str::from_utf8(line) {
        Ok(l) => l,
        Err(e) => {
            let at = e.valid_up_to();
            let mut doc = Document {
                file: name.to_string(),
                ..Document::default()
            };
            doc.meta.id = format!("{name}:{n}");
            doc.provisions.push(crate::model::Provision {
                id: format!("line {n}"),
                errors: vec![format!(
                    "line {n} is not valid UTF-8 (at byte {} of the line): save the file as UTF-8",
                    at + 1
                )],
                ..Default::default()
            });
            return Ok(Some(doc));
        }
    };
    let mut doc = match model::parse_jsonl_line(line_source, n, line) {
        Ok(Some(doc)) => doc,
        Ok(None) => return Ok(None),
        Err(_) => {
            let mut doc = Document {
                file: name.to_string(),
                ..Document::default()
            };
            let err = model::parse_json(line).err();
            let what = err.map(|e| e.to_string()).unwrap_or_default();
            doc.meta.id = format!("{name}:{n}");
            doc.provisions.push(crate::model::Provision {
                id: format!("line {n}"),
                errors: vec![format!(
                    "line {n} is not valid JSON: {what} (a JSON Lines file holds one whole document per line)"
                )],
                ..Default::default()
            });
            doc
        }
    };
    // A line that is not a document at all is named by its line, like a broken line.
    if doc.meta.fields.is_empty()
        && doc.provisions.len() == 1
        && doc.provisions[0].id == model::DOCUMENT_PLACEHOLDER
    {
        doc.meta.id = format!("{name}:{n}");
    }
    crate::classify_support::fill(set, &mut doc)?;
    Ok(Some(doc))
}

/// Read the documents of one input; JSON Lines is read line by line, with `each` called per
/// document, so memory stays bounded.
pub fn for_each_document(
    set: &RuleSet,
    path: &Path,
    each: &mut dyn FnMut(Document) -> io::Result<()>,
) -> Result<Result<(), io::Error>, Problem> {
    let name = path.display().to_string();
    if name == "-" {
        let mut text = String::new();
        io::Read::read_to_string(&mut io::stdin(), &mut text)
            .map_err(|e| model::io_problem("<stdin>", &e))?;
        let source = Source::new("<stdin>", text);
        for doc in crate::classify_support::load_source(set, &source)? {
            if let Err(e) = each(doc) {
                return Ok(Err(e));
            }
        }
        return Ok(Ok(()));
    }
    if is_jsonl(path) {
        let file = std::fs::File::open(path).map_err(|e| model::io_problem(&name, &e))?;
        let reader = io::BufReader::with_capacity(1 << 20, file);
        // Lines are parsed on their own; errors name the file, so one source serves them all.
        let line_source = Source::new(name.as_str(), "");
        for (n, line) in reader.split(b'\n').enumerate() {
            let line = line.map_err(|e| model::io_problem(&name, &e))?;
            let Some(doc) = jsonl_document(set, &line_source, n + 1, &line)? else {
                continue;
            };
            if let Err(e) = each(doc) {
                return Ok(Err(e));
            }
        }
        return Ok(Ok(()));
    }
    for doc in crate::classify_support::load_documents(set, path)? {
        if let Err(e) = each(doc) {
            return Ok(Err(e));
        }
    }
    Ok(Ok(()))
}

/// Keep only findings in the selected jurisdictions (a region selects its members).
pub fn filter_jurisdictions(set: &RuleSet, outcome: &mut Outcome, selected: &[String]) {
    if selected.is_empty() {
        return;
    }
    let tax = set.vocab.jurisdiction_taxonomy();
    let wanted: Vec<u16> = selected.iter().filter_map(|j| tax.id(j)).collect();
    outcome.findings.retain(|f| {
        tax.id(&f.jurisdiction)
            .is_some_and(|id| wanted.iter().any(|w| tax.closure[id as usize].contains(*w)))
    });
    outcome.flags = eval::flags(&outcome.findings);
    outcome.severity = eval::severity(&outcome.findings);
}

pub fn check_jurisdictions(set: &RuleSet, codes: &[String]) -> Result<(), Vec<Problem>> {
    let mut problems = Vec::new();
    for j in codes {
        if !set.vocab.is_jurisdiction(j) {
            let tax = set.vocab.jurisdiction_taxonomy();
            let help = crate::check::suggest(j, tax.values.iter().map(String::as_str))
                .map(|s| format!("did you mean `{s}`?"))
                .unwrap_or_else(|| "jurisdiction codes are listed in vocabulary.yaml".to_string());
            problems.push(
                Problem::new("usage::jurisdiction", format!("unknown jurisdiction `{j}`"))
                    .help(help),
            );
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems)
    }
}

/// How many provisions are read before a batch is evaluated (bounds memory with --jobs).
const BATCH_PROVISIONS: usize = 1024;

/// A pool of `jobs` threads (0: one per core).
fn thread_pool(jobs: usize) -> Result<rayon::ThreadPool, Vec<Problem>> {
    let jobs = if jobs == 0 {
        std::thread::available_parallelism().map_or(1, |n| n.get())
    } else {
        jobs
    };
    rayon::ThreadPoolBuilder::new()
        .num_threads(jobs)
        .build()
        .map_err(|e| {
            vec![
                Problem::new("usage::jobs", format!("cannot start {jobs} threads: {e}"))
                    .help("give --jobs a smaller number"),
            ]
        })
}

/// Run `each` over a batch, on the pool's threads when it has more than one; the results come
/// back in input order.
fn over_batch<T: Send, R: Send>(
    pool: &rayon::ThreadPool,
    items: Vec<T>,
    each: impl Fn(T) -> R + Sync + Send,
) -> Vec<R> {
    use rayon::prelude::*;
    if pool.current_num_threads() <= 1 || items.len() <= 1 {
        return items.into_iter().map(each).collect();
    }
    pool.install(|| items.into_par_iter().map(each).collect())
}

/// One document evaluated: its outcomes, or their text when the format is rendered on the
/// worker threads (JSON, JSON Lines).
struct Evaluated {
    outcomes: Vec<Outcome>,
    text: crate::report::Pieces,
    count: usize,
    findings: usize,
    failing: bool,
}

impl Evaluated {
    /// Give the text buffer back for the next document.
    fn recycle(self, buffers: &Pool<crate::report::Pieces>) {
        buffers.give(self.text);
    }

    fn write<W: io::Write>(&mut self, writer: &mut Writer<'_, W>) -> io::Result<()> {
        if writer.renderer().renders() {
            writer.write_rendered(&mut self.text, self.count, self.findings)
        } else {
            self.outcomes.iter().try_for_each(|o| writer.write(o))
        }
    }
}

/// How many bytes of JSON Lines are read before a batch is parsed and evaluated (on every
/// thread with --jobs); bounds memory.
const BATCH_BYTES: usize = 256 << 10;

fn evaluate(a: EvaluateArgs, errors: ErrorFormat) -> Result<Exit, Vec<Problem>> {
    use std::sync::atomic::Ordering;
    let set = load_rules(a.rules.rules.as_deref())?;
    let pool = thread_pool(a.jobs)?;
    check_jurisdictions(&set, &a.jurisdiction)?;
    let as_of = a.rules.as_of.unwrap_or_else(Date::today);
    let stdout = io::stdout().lock();
    let mut writer = Writer::new(io::BufWriter::new(stdout), a.format, &set, as_of)
        .map_err(|e| output_error(&e))?;
    let renderer = writer.renderer().clone();
    let buffers: Pool<crate::report::Pieces> = Pool::default();
    let longest = std::sync::atomic::AtomicUsize::new(0);
    let line_buffers: Pool<Lines> = Pool::default();
    let progress = progress_bar();
    let mut input_problems = Vec::new();
    let mut failing = false;
    for path in &a.files {
        // review: each finding's review state from the ledger beside the file, when there is one.
        let ledger = match crate::review::ledger_for(path, None) {
            Ok(l) => l,
            Err(p) => {
                input_problems.push(p);
                continue;
            }
        };
        let today = Date::today();
        // sarif: results are located in the file they come from.
        writer.begin_file(path);
        // Everything about one document that does not depend on the others, done on the
        // worker threads: evaluation, review states, the jurisdiction filter, rendering.
        let each = |mut doc: Document| -> Evaluated {
            let mut outcomes = eval::evaluate_document_moving(&set, &mut doc, as_of);
            if let Some(l) = &ledger {
                crate::review::annotate_document(&mut outcomes, &doc, l, today);
            }
            let mut failing = false;
            for outcome in &mut outcomes {
                filter_jurisdictions(&set, outcome, &a.jurisdiction);
                if let Some(threshold) = a.fail_on {
                    failing |= outcome
                        .findings
                        .iter()
                        .any(|f| f.status == Status::Applies && f.severity >= threshold);
                }
            }
            let count = outcomes.len();
            let findings = outcomes.iter().map(|o| o.findings.len()).sum();
            // Buffers go back to the pool once written: rendering a document into a fresh
            // string of a megabyte cost more in page faults than the rendering itself.
            let mut text = buffers.take();
            if renderer.renders() {
                // Room for the longest text so far: a buffer that grows takes fresh pages.
                text.reserve(longest.load(Ordering::Relaxed));
                renderer.render(&outcomes, &mut text);
                longest.fetch_max(text.own_len(), Ordering::Relaxed);
                outcomes = Vec::new();
            }
            Evaluated {
                outcomes,
                text,
                count,
                findings,
                failing,
            }
        };
        let read = if is_jsonl(path) {
            // JSON Lines: lines are read here and parsed, evaluated and rendered on the workers.
            let line_source = Source::new(path.display().to_string(), "");
            let work = |lines: Lines| -> Vec<Result<Option<Evaluated>, Problem>> {
                let done = lines
                    .iter()
                    .map(|(n, line)| {
                        jsonl_document(&set, &line_source, n, line).map(|d| d.map(&each))
                    })
                    .collect();
                line_buffers.give(lines);
                done
            };
            let mut write = |done: Vec<Result<Option<Evaluated>, Problem>>| {
                for d in done {
                    if let Some(mut d) = d? {
                        failing |= d.failing;
                        if let Err(e) = d.write(&mut writer) {
                            return Ok(Err(e));
                        }
                        d.recycle(&buffers);
                    }
                }
                Ok(Ok(()))
            };
            if pool.current_num_threads() <= 1 {
                read_jsonl_batches(path, &progress, &line_buffers, &mut |lines| {
                    write(work(lines))
                })
            } else {
                pipelined(&pool, path, &progress, &line_buffers, &work, &mut write)
            }
        } else {
            // Other formats: documents are evaluated in batches, in parallel with --jobs, and
            // written in order.
            let mut batch: Vec<Document> = Vec::new();
            let mut batch_provisions = 0usize;
            let mut flush = |batch: &mut Vec<Document>| -> io::Result<()> {
                for mut d in over_batch(&pool, std::mem::take(batch), each) {
                    failing |= d.failing;
                    d.write(&mut writer)?;
                    d.recycle(&buffers);
                }
                Ok(())
            };
            let mut each_doc = |doc: Document| -> io::Result<()> {
                batch_provisions += doc.provisions.len();
                batch.push(doc);
                if batch_provisions >= BATCH_PROVISIONS {
                    batch_provisions = 0;
                    flush(&mut batch)?;
                }
                Ok(())
            };
            let read = for_each_document(&set, path, &mut each_doc);
            let flushed = flush(&mut batch);
            read.map(|r| r.and(flushed))
        };
        match read {
            Ok(Ok(())) => {}
            Ok(Err(e)) => return Err(output_error(&e)),
            Err(p) => input_problems.push(p),
        }
    }
    progress.finish_and_clear();
    writer.finish().map_err(|e| output_error(&e))?;
    if !input_problems.is_empty() {
        print_problems(&input_problems, errors);
        return Ok(Exit::Usage);
    }
    Ok(if failing { Exit::Findings } else { Exit::Ok })
}

/// A progress bar on standard error for JSON Lines input, shown only when standard error is a
/// terminal (and `NO_PROGRESS` is not set): it never mixes with output piped to a file.
fn progress_bar() -> indicatif::ProgressBar {
    use std::io::IsTerminal;
    if !io::stderr().is_terminal() || std::env::var_os("NO_PROGRESS").is_some() {
        return indicatif::ProgressBar::hidden();
    }
    let bar = indicatif::ProgressBar::new(0);
    if let Ok(style) = indicatif::ProgressStyle::with_template(
        "{msg} [{bar:30}] {bytes}/{total_bytes} {bytes_per_sec} eta {eta}",
    ) {
        bar.set_style(style.progress_chars("=> "));
    }
    bar
}

/// What a batch of JSON Lines gives, or why the run stops: a line that is not a document, or
/// output that cannot be written.
type Step = Result<Result<(), io::Error>, Problem>;

/// JSON Lines over the pool's threads with reading and writing on this one: while the workers
/// evaluate the batches read so far (one per thread waiting, which bounds memory), this thread reads
/// the next and writes, in input order, those that are done. No thread waits for the slowest
/// document of a batch before starting on the next.
fn pipelined<R: Send>(
    pool: &rayon::ThreadPool,
    path: &Path,
    progress: &indicatif::ProgressBar,
    buffers: &Pool<Lines>,
    work: &(dyn Fn(Lines) -> R + Sync),
    write: &mut dyn FnMut(R) -> Step,
) -> Step {
    use std::sync::mpsc;
    let window = pool.current_num_threads();
    pool.in_place_scope(|scope| {
        let mut pending: std::collections::VecDeque<mpsc::Receiver<R>> = Default::default();
        // Set when writing stops the run: the batches still pending come after the line that
        // stopped it. A failure to read comes after them, so they are written first.
        let mut stopped = false;
        let mut write_next = |pending: &mut std::collections::VecDeque<mpsc::Receiver<R>>| {
            match pending.pop_front().map(|rx| rx.recv()) {
                Some(Ok(done)) => write(done),
                // A worker that panicked: the scope raises its panic when it ends.
                Some(Err(_)) | None => Ok(Ok(())),
            }
        };
        let read = read_jsonl_batches(path, progress, buffers, &mut |lines| {
            let (tx, rx) = mpsc::sync_channel(1);
            scope.spawn(move |_| {
                let _ = tx.send(work(lines));
            });
            pending.push_back(rx);
            while pending.len() > window {
                let step = write_next(&mut pending);
                if !matches!(step, Ok(Ok(()))) {
                    stopped = true;
                    return step;
                }
            }
            Ok(Ok(()))
        });
        if stopped {
            return read;
        }
        while !pending.is_empty() {
            let step = write_next(&mut pending);
            if !matches!(step, Ok(Ok(()))) {
                return step;
            }
        }
        read
    })
}

/// Numbered lines of a JSON Lines file, read into one buffer.
#[derive(Default)]
struct Lines {
    bytes: Vec<u8>,
    /// Each line's number and where it ends in `bytes` (it starts where the one before ends).
    ends: Vec<(usize, usize)>,
}

impl Lines {
    /// Each line's number and bytes, without its `\n`.
    fn iter(&self) -> impl Iterator<Item = (usize, &[u8])> {
        let mut start = 0;
        self.ends.iter().map(move |&(n, end)| {
            let line = &self.bytes[start..end];
            start = end;
            (n, line.strip_suffix(b"\n").unwrap_or(line))
        })
    }
}

impl Reusable for Lines {
    fn clear(&mut self) {
        self.bytes.clear();
        self.ends.clear();
    }
}

impl Reusable for crate::report::Pieces {
    fn clear(&mut self) {
        crate::report::Pieces::clear(self);
    }
}

/// A buffer emptied for reuse, keeping its capacity.
trait Reusable: Default {
    fn clear(&mut self);
}

/// Buffers given back once used, for the threads of a run to take again: a buffer that is
/// new, or that grows, takes fresh pages from the system. At most 64 are kept.
struct Pool<T>(std::sync::Mutex<Vec<T>>);

impl<T> Default for Pool<T> {
    fn default() -> Self {
        Pool(std::sync::Mutex::new(Vec::new()))
    }
}

impl<T: Reusable> Pool<T> {
    /// An empty buffer, used before if one was given back.
    fn take(&self) -> T {
        let mut buffer = self
            .0
            .lock()
            .ok()
            .and_then(|mut b| b.pop())
            .unwrap_or_default();
        buffer.clear();
        buffer
    }

    fn give(&self, buffer: T) {
        if let Ok(mut b) = self.0.lock() {
            if b.len() < 64 {
                b.push(buffer);
            }
        }
    }
}

/// The lines of a JSON Lines file, handed to `batch` a quarter of a megabyte at a time.
fn read_jsonl_batches(
    path: &Path,
    progress: &indicatif::ProgressBar,
    buffers: &Pool<Lines>,
    batch: &mut dyn FnMut(Lines) -> Result<Result<(), io::Error>, Problem>,
) -> Result<Result<(), io::Error>, Problem> {
    use io::BufRead as _;
    let name = path.display().to_string();
    let file = std::fs::File::open(path).map_err(|e| model::io_problem(&name, &e))?;
    progress.set_length(file.metadata().map_or(0, |m| m.len()));
    progress.set_position(0);
    progress.set_message(name.clone());
    let mut reader = io::BufReader::with_capacity(1 << 20, file);
    let mut lines = buffers.take();
    let mut n = 0;
    loop {
        let read = reader
            .read_until(b'\n', &mut lines.bytes)
            .map_err(|e| model::io_problem(&name, &e))?;
        if read == 0 {
            break;
        }
        n += 1;
        lines.ends.push((n, lines.bytes.len()));
        if lines.bytes.len() >= BATCH_BYTES {
            progress.inc(lines.bytes.len() as u64);
            let full = std::mem::replace(&mut lines, buffers.take());
            if let Err(e) = batch(full)? {
                return Ok(Err(e));
            }
        }
    }
    batch(lines)
}

fn explain(a: ExplainArgs) -> Result<Exit, Vec<Problem>> {
    let set = load_rules(a.rules.rules.as_deref())?;
    let as_of = a.rules.as_of.unwrap_or_else(Date::today);
    let source = model::read_source(&a.file).map_err(|p| vec![p])?;
    let docs = crate::classify_support::load_source(&set, &source).map_err(|p| vec![p])?;
    let found = docs.iter().find_map(|d| {
        d.provisions
            .iter()
            .position(|p| p.id == a.provision)
            .map(|i| (d, i))
    });
    let Some((doc, index)) = found else {
        let ids: Vec<&str> = docs
            .iter()
            .flat_map(|d| d.provisions.iter().map(|p| p.id.as_str()))
            .collect();
        let help = crate::check::suggest(&a.provision, ids.iter().copied())
            .map(|s| format!("did you mean `{s}`?"))
            .unwrap_or_else(|| format!("the file's provisions are: {}", ids.join(", ")));
        return Err(vec![Problem::new(
            "usage::provision",
            format!("no provision `{}` in the file", a.provision),
        )
        .in_file(source.name.clone())
        .help(help)]);
    };
    let rule_filter = match &a.rule {
        Some(id) => match set.rule(id) {
            Some(i) => Some(i),
            None => {
                let help = crate::check::suggest(id, set.rules.iter().map(|r| r.id.as_str()))
                    .map(|s| format!("did you mean `{s}`?"))
                    .unwrap_or_else(|| "`clausemap graph` lists every rule".to_string());
                return Err(vec![
                    Problem::new("usage::rule", format!("no rule `{id}`")).help(help)
                ]);
            }
        },
        None => None,
    };
    let text = crate::explain_text::render(&set, doc, index, as_of, rule_filter)?;
    emit(&text);
    Ok(Exit::Ok)
}

/// Write to standard output; a closed pipe (`| head`) ends the output quietly.
pub fn emit(text: &str) {
    let mut out = io::stdout().lock();
    let _ = out.write_all(text.as_bytes()).and_then(|()| out.flush());
}

fn check(a: CheckArgs) -> Result<Exit, Vec<Problem>> {
    let dir = a.dir.or(a.rules);
    let set = load_rules(dir.as_deref())?;
    let mut problems = Vec::new();
    if let Some(c) = &set.classifier {
        problems.extend(crate::classify_support::check_classifier(&set, c));
    }
    for t in &set.tests {
        if let Err(mut ps) = crate::testing::load_cases(&set, t) {
            problems.append(&mut ps);
        }
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    let findings = set.rules.iter().filter(|r| r.is_finding()).count();
    let mut text = format!(
        "ok: {} packs, {} rules ({} findings, {} scope and fact rules), {} test files, as written in {}",
        set.packs.len(),
        set.rules.len(),
        findings,
        set.rules.len() - findings,
        set.tests.len(),
        dir.map_or_else(|| "the built-in rules".to_string(), |d| d.display().to_string())
    );
    for p in &set.packs {
        let n = set
            .rules
            .iter()
            .filter(|r| set.packs[r.pack].file == p.file)
            .count();
        text.push_str(&format!(
            "\n  {:<16} {:>3} rules  {}  sha256 {}",
            p.regulation,
            n,
            p.file,
            p.sha256.get(..16).unwrap_or("")
        ));
    }
    text.push('\n');
    emit(&text);
    Ok(Exit::Ok)
}

fn test(a: TestArgs) -> Result<Exit, Vec<Problem>> {
    let dir = a.dir.or(a.rules);
    let set = load_rules(dir.as_deref())?;
    let report = crate::testing::run_all(&set)?;
    emit(&report.render(&set, a.coverage));
    Ok(
        if report.failed == 0 && (!a.coverage || report.uncovered(&set).is_empty()) {
            Exit::Ok
        } else {
            Exit::Findings
        },
    )
}

fn graph(a: GraphArgs) -> Result<Exit, Vec<Problem>> {
    let set = load_rules(a.rules.as_deref())?;
    let text = match a.format {
        GraphFormat::Dot => crate::graph::to_dot(&set),
        GraphFormat::Mermaid => crate::graph::to_mermaid(&set),
    };
    emit(&text);
    Ok(Exit::Ok)
}
