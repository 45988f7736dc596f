//! Problems a user can cause, and the exit codes.
//!
//! A [`Problem`] is one diagnostic: a stable code, a one-line message, where it happened (a
//! file and a byte span in it, when there is a place) and, where it helps, how to fix it.
//! Problems are collected, not thrown: `check` reports every one of them in one run.
//! Rendering (human, with the line and a caret, or JSON) happens only at the edge.

use std::fmt;
use std::sync::Arc;

use miette::{GraphicalReportHandler, GraphicalTheme, LabeledSpan, NamedSource, SourceSpan};
use serde::Serialize;

use crate::source::{Source, Span};

/// How the process ends: the contract of DESIGN.md.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Exit {
    /// Everything ran; nothing at or above `--fail-on`.
    Ok = 0,
    /// Findings at or above `--fail-on`, or failing rule tests.
    Findings = 1,
    /// Bad usage or bad input: the job could not be done.
    Usage = 2,
}

/// One diagnostic.
#[derive(Clone, Debug)]
pub struct Problem {
    /// A stable identifier, e.g. `dsl::parse` or `check::unknown-attribute`.
    pub code: &'static str,
    pub message: String,
    pub help: Option<String>,
    /// The file and the span in it the problem points at.
    pub place: Option<(Source, Span)>,
    /// A label under the caret; defaults to nothing.
    pub label: Option<String>,
    /// A file named without a position (I/O errors).
    pub file: Option<Arc<str>>,
}

impl Problem {
    pub fn new(code: &'static str, message: impl Into<String>) -> Problem {
        Problem {
            code,
            message: message.into(),
            help: None,
            place: None,
            label: None,
            file: None,
        }
    }

    pub fn at(mut self, source: &Source, span: Span) -> Problem {
        self.place = Some((source.clone(), span));
        self
    }

    pub fn in_file(mut self, file: impl Into<Arc<str>>) -> Problem {
        self.file = Some(file.into());
        self
    }

    pub fn help(mut self, help: impl Into<String>) -> Problem {
        self.help = Some(help.into());
        self
    }

    pub fn help_opt(mut self, help: Option<String>) -> Problem {
        self.help = help;
        self
    }

    pub fn label(mut self, label: impl Into<String>) -> Problem {
        self.label = Some(label.into());
        self
    }

    /// `file:line:col`, or the file alone, or nothing.
    pub fn location(&self) -> Option<String> {
        if let Some((source, span)) = &self.place {
            let (line, col) = source.line_col(span.start);
            return Some(format!("{}:{line}:{col}", source.name));
        }
        self.file.as_ref().map(|f| f.to_string())
    }

    /// The human rendering: the message, the place with the line and a caret, the help.
    pub fn render(&self) -> String {
        let handler = GraphicalReportHandler::new_themed(GraphicalTheme::unicode_nocolor())
            .with_width(100)
            .with_links(false);
        let mut out = String::new();
        let rendered = MietteView(self);
        if handler.render_report(&mut out, &rendered).is_err() {
            out = format!("error[{}]: {}\n", self.code, self.message);
        }
        out
    }

    pub fn to_json(&self) -> JsonProblem {
        let (line, column) = match &self.place {
            Some((source, span)) => {
                let (l, c) = source.line_col(span.start);
                (Some(l), Some(c))
            }
            None => (None, None),
        };
        JsonProblem {
            code: self.code,
            message: self.message.clone(),
            file: self
                .place
                .as_ref()
                .map(|(s, _)| s.name.to_string())
                .or_else(|| self.file.as_ref().map(|f| f.to_string())),
            line,
            column,
            help: self.help.clone(),
        }
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.location() {
            Some(loc) => write!(f, "{loc}: {}", self.message),
            None => write!(f, "{}", self.message),
        }
    }
}

impl std::error::Error for Problem {}

/// A problem as JSON, for `--error-format json`.
#[derive(Serialize)]
pub struct JsonProblem {
    pub code: &'static str,
    pub message: String,
    pub file: Option<String>,
    pub line: Option<usize>,
    pub column: Option<usize>,
    pub help: Option<String>,
}

/// Adapts a [`Problem`] to miette's renderer.
struct MietteView<'a>(&'a Problem);

impl fmt::Debug for MietteView<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl fmt::Display for MietteView<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (&self.0.place, &self.0.file) {
            (None, Some(file)) => write!(f, "{file}: {}", self.0.message),
            _ => write!(f, "{}", self.0.message),
        }
    }
}

impl std::error::Error for MietteView<'_> {}

impl miette::Diagnostic for MietteView<'_> {
    fn code<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        Some(Box::new(self.0.code))
    }

    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.0
            .help
            .as_ref()
            .map(|h| Box::new(h.clone()) as Box<dyn fmt::Display>)
    }

    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        self.0
            .place
            .as_ref()
            .map(|_| self as &dyn miette::SourceCode)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        let (_, span) = self.0.place.as_ref()?;
        let span = SourceSpan::new(span.start.into(), span.len());
        Some(Box::new(std::iter::once(LabeledSpan::new_with_span(
            Some(self.0.label.clone().unwrap_or_else(|| "here".to_string())),
            span,
        ))))
    }
}

impl miette::SourceCode for MietteView<'_> {
    fn read_span<'a>(
        &'a self,
        span: &SourceSpan,
        context_lines_before: usize,
        context_lines_after: usize,
    ) -> Result<Box<dyn miette::SpanContents<'a> + 'a>, miette::MietteError> {
        let Some((source, _)) = &self.0.place else {
            return Err(miette::MietteError::OutOfBounds);
        };
        let named = NamedSource::new(&source.name, source.text.clone());
        let contents = named.read_span(span, context_lines_before, context_lines_after)?;
        // Re-wrap with owned data: NamedSource is local to this call.
        Ok(Box::new(miette::MietteSpanContents::new_named(
            source.name.to_string(),
            slice_for(&source.text, contents.span()),
            *contents.span(),
            contents.line(),
            contents.column(),
            contents.line_count(),
        )))
    }
}

fn slice_for<'a>(text: &'a str, span: &SourceSpan) -> &'a [u8] {
    let start = span.offset().min(text.len());
    let end = (span.offset() + span.len()).min(text.len());
    &text.as_bytes()[start..end]
}

/// Render a list of problems for a human, with a closing count.
pub fn render_all(problems: &[Problem]) -> String {
    let mut out = String::new();
    for p in problems {
        out.push_str(&p.render());
        out.push('\n');
    }
    if problems.len() > 1 {
        out.push_str(&format!("{} problems found\n", problems.len()));
    }
    out
}
