//! The typed, owned syntax tree of a condition. Spans are byte offsets into the condition text.

use std::fmt;

use crate::date::Date;
use crate::source::Span;

/// A condition.
#[derive(Clone, Debug, PartialEq)]
pub enum Expr {
    And(Box<Expr>, Box<Expr>),
    Or(Box<Expr>, Box<Expr>),
    Not(Box<Expr>, Span),
    /// `known(path)`
    Known(Path, Span),
    /// `@rule.id`
    RuleRef(String, Span),
    /// `true` / `false`
    Bool(bool, Span),
    /// `path`, `path has ...`, `path == ...`, ...
    Pred(Predicate),
}

impl Expr {
    /// The span of the whole expression.
    pub fn span(&self) -> Span {
        match self {
            Expr::And(a, b) | Expr::Or(a, b) => Span::new(a.span().start, b.span().end),
            Expr::Not(_, s) | Expr::Known(_, s) | Expr::RuleRef(_, s) | Expr::Bool(_, s) => *s,
            Expr::Pred(p) => p.span,
        }
    }

    /// Every `@rule` reference, in order of appearance.
    pub fn rule_refs(&self, out: &mut Vec<(String, Span)>) {
        match self {
            Expr::And(a, b) | Expr::Or(a, b) => {
                a.rule_refs(out);
                b.rule_refs(out);
            }
            Expr::Not(e, _) => e.rule_refs(out),
            Expr::RuleRef(id, span) => out.push((id.clone(), *span)),
            Expr::Known(..) | Expr::Bool(..) | Expr::Pred(_) => {}
        }
    }
}

/// A dotted attribute path such as `entity.consumers.US-CA`.
#[derive(Clone, Debug, PartialEq)]
pub struct Path {
    pub segments: Vec<String>,
    pub span: Span,
}

impl fmt::Display for Path {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.segments.join("."))
    }
}

/// A path and what is asked of it.
#[derive(Clone, Debug, PartialEq)]
pub struct Predicate {
    pub path: Path,
    pub test: Test,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Test {
    /// A bare boolean path.
    Truthy,
    Has(Literal),
    HasAny(Vec<Literal>),
    HasAll(Vec<Literal>),
    /// `covers v` / `covers any [..]`: the set as written holds a value or one above it.
    Covers(Vec<Literal>),
    In(Vec<Literal>),
    Cmp(CmpOp, Literal),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CmpOp {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

impl CmpOp {
    pub fn symbol(self) -> &'static str {
        match self {
            CmpOp::Eq => "==",
            CmpOp::Ne => "!=",
            CmpOp::Lt => "<",
            CmpOp::Le => "<=",
            CmpOp::Gt => ">",
            CmpOp::Ge => ">=",
        }
    }

    /// Whether the operator asks for an order (numbers and dates only).
    pub fn is_ordering(self) -> bool {
        !matches!(self, CmpOp::Eq | CmpOp::Ne)
    }
}

/// A value written in a condition.
#[derive(Clone, Debug, PartialEq)]
pub struct Literal {
    pub value: LiteralValue,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub enum LiteralValue {
    Str(String),
    Num(f64),
    Date(Date),
    Bool(bool),
}

impl LiteralValue {
    /// What kind of value this is, in words.
    pub fn kind(&self) -> &'static str {
        match self {
            LiteralValue::Str(_) => "a string",
            LiteralValue::Num(_) => "a number",
            LiteralValue::Date(_) => "a date",
            LiteralValue::Bool(_) => "a boolean",
        }
    }
}

impl fmt::Display for LiteralValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LiteralValue::Str(s) => write!(f, "{s}"),
            LiteralValue::Num(n) => write!(f, "{}", format_number(*n)),
            LiteralValue::Date(d) => write!(f, "{d}"),
            LiteralValue::Bool(b) => write!(f, "{b}"),
        }
    }
}

/// Numbers print without a fraction when they are whole, with `,` grouping of thousands.
pub fn format_number(n: f64) -> String {
    if n.fract() == 0.0 && n.abs() < 1e15 {
        let digits = format!("{}", n.abs() as i64);
        let mut out = String::new();
        for (i, c) in digits.chars().enumerate() {
            if i > 0 && (digits.len() - i) % 3 == 0 {
                out.push(',');
            }
            out.push(c);
        }
        if n < 0.0 {
            out.insert(0, '-');
        }
        out
    } else {
        format!("{n}")
    }
}
