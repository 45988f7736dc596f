//! Pest pairs to the typed AST, with one `build_*` function per grammar rule.
//!
//! Precedence of `or` < `and` < `not` lives in one Pratt table. Nesting depth and length are
//! bounded before pest sees the text, so hostile input cannot overflow the stack.

use std::sync::LazyLock;

use pest::iterators::{Pair, Pairs};
use pest::pratt_parser::{Assoc, Op, PrattParser};
use pest::Parser;
use pest_derive::Parser;

use super::ast::{CmpOp, Expr, Literal, LiteralValue, Path, Predicate, Test};
use crate::date::Date;
use crate::limits;
use crate::source::Span;

#[derive(Parser)]
#[grammar = "../grammar/clausemap.pest"]
struct ConditionParser;

/// The deepest nesting of parentheses and `not` a condition may have, by default (the limit
/// `expression-depth`, [`crate::limits`]).
pub const MAX_DEPTH: usize = limits::DEFAULT.expression_depth;
/// The longest condition, in bytes, by default (the limit `expression-length`).
pub const MAX_LENGTH: usize = limits::DEFAULT.expression_length;

static PRATT: LazyLock<PrattParser<Rule>> = LazyLock::new(|| {
    PrattParser::new()
        .op(Op::infix(Rule::or_op, Assoc::Left))
        .op(Op::infix(Rule::and_op, Assoc::Left))
        .op(Op::prefix(Rule::not_op))
});

/// A condition that could not be read. The span is a byte range of the condition text.
#[derive(Clone, Debug, PartialEq)]
pub struct ParseError {
    pub span: Span,
    pub message: String,
    pub help: Option<String>,
}

impl ParseError {
    fn new(span: Span, message: impl Into<String>) -> ParseError {
        ParseError {
            span,
            message: message.into(),
            help: None,
        }
    }

    fn help(mut self, help: impl Into<String>) -> ParseError {
        self.help = Some(help.into());
        self
    }
}

/// Parse one condition.
pub fn parse(text: &str) -> Result<Expr, ParseError> {
    check_limits(text)?;
    let mut pairs =
        ConditionParser::parse(Rule::condition, text).map_err(|e| from_pest(text, e))?;
    let condition = next(&mut pairs, Span::new(0, text.len()))?;
    let mut inner = condition.into_inner();
    let expr = next(&mut inner, Span::new(0, text.len()))?;
    build_expr(expr.into_inner())
}

fn check_limits(text: &str) -> Result<(), ParseError> {
    let max_length = limits::get().expression_length;
    // INVARIANT: never above the ceiling `limits` enforces, so the recursion below is bounded.
    let max_depth = limits::get()
        .expression_depth
        .min(limits::EXPRESSION_DEPTH_CEILING);
    if text.len() > max_length {
        return Err(ParseError::new(
            Span::new(0, 0),
            format!(
                "condition is {} bytes long, over the `expression-length` limit of {max_length} bytes",
                text.len()
            ),
        )
        .help(format!(
            "split it into named `fact` rules and refer to them with `@rule.id`, or {}",
            limits::how_to_raise("expression-length")
        )));
    }
    let mut depth = 0usize;
    let mut deepest = 0usize;
    for (i, c) in text.char_indices() {
        match c {
            '(' => depth += 1,
            ')' => depth = depth.saturating_sub(1),
            _ => {}
        }
        if depth > deepest {
            deepest = depth;
            if deepest > max_depth {
                return Err(ParseError::new(
                    Span::new(i, i + 1),
                    format!(
                        "condition nests parentheses deeper than the `expression-depth` limit of {max_depth} levels"
                    ),
                )
                .help(format!(
                    "split it into named `fact` rules and refer to them with `@rule.id`, or {} (at most {})",
                    limits::how_to_raise("expression-depth"),
                    limits::EXPRESSION_DEPTH_CEILING
                )));
            }
        }
    }
    // A long run of `not`s nests as deeply as parentheses do.
    let nots = text
        .split(|c: char| !c.is_ascii_alphanumeric() && c != '_')
        .filter(|w| w.eq_ignore_ascii_case("not"))
        .count();
    if nots > max_depth {
        return Err(ParseError::new(
            Span::new(0, 0),
            format!(
                "condition has more than {max_depth} `not` operators, over the `expression-depth` limit"
            ),
        )
        .help(format!(
            "simplify it: `not not x` is `x`; or {} (at most {})",
            limits::how_to_raise("expression-depth"),
            limits::EXPRESSION_DEPTH_CEILING
        )));
    }
    Ok(())
}

fn next<'i>(
    pairs: &mut impl Iterator<Item = Pair<'i, Rule>>,
    span: Span,
) -> Result<Pair<'i, Rule>, ParseError> {
    pairs.next().ok_or_else(|| {
        ParseError::new(
            span,
            "a bug in clausemap: the parse tree has an unexpected shape",
        )
    })
}

fn span_of(pair: &Pair<'_, Rule>) -> Span {
    Span::new(pair.as_span().start(), pair.as_span().end())
}

fn build_expr(pairs: Pairs<'_, Rule>) -> Result<Expr, ParseError> {
    PRATT
        .map_primary(build_primary)
        .map_prefix(|op, rhs| Ok(Expr::Not(Box::new(rhs?), span_of(&op))))
        .map_infix(|lhs, op, rhs| {
            let (lhs, rhs) = (Box::new(lhs?), Box::new(rhs?));
            Ok(match op.as_rule() {
                Rule::and_op => Expr::And(lhs, rhs),
                _ => Expr::Or(lhs, rhs),
            })
        })
        .parse(pairs)
}

fn build_primary(pair: Pair<'_, Rule>) -> Result<Expr, ParseError> {
    let span = span_of(&pair);
    match pair.as_rule() {
        Rule::paren => {
            let mut inner = pair.into_inner();
            build_expr(next(&mut inner, span)?.into_inner())
        }
        Rule::known => {
            let mut inner = pair.into_inner().filter(|p| !is_keyword(p.as_rule()));
            Ok(Expr::Known(build_path(next(&mut inner, span)?), span))
        }
        Rule::rule_ref => {
            let mut inner = pair.into_inner();
            Ok(Expr::RuleRef(
                next(&mut inner, span)?.as_str().to_string(),
                span,
            ))
        }
        Rule::boolean => Ok(Expr::Bool(pair.as_str().eq_ignore_ascii_case("true"), span)),
        Rule::predicate => build_predicate(pair),
        _ => Err(ParseError::new(
            span,
            "a bug in clausemap: unexpected operand in the parse tree",
        )),
    }
}

fn build_predicate(pair: Pair<'_, Rule>) -> Result<Expr, ParseError> {
    let span = span_of(&pair);
    let mut inner = pair.into_inner();
    let path = build_path(next(&mut inner, span)?);
    let test = match inner.next() {
        None => Test::Truthy,
        Some(test) => build_test(test)?,
    };
    Ok(Expr::Pred(Predicate { path, test, span }))
}

fn build_test(pair: Pair<'_, Rule>) -> Result<Test, ParseError> {
    let span = span_of(&pair);
    let rule = pair.as_rule();
    let mut inner = pair.into_inner().filter(|p| !is_keyword(p.as_rule()));
    Ok(match rule {
        Rule::has_any => Test::HasAny(build_list(next(&mut inner, span)?)?),
        Rule::has_all => Test::HasAll(build_list(next(&mut inner, span)?)?),
        Rule::has_one => Test::Has(build_literal(next(&mut inner, span)?)?),
        Rule::covers_one => Test::Covers(vec![build_literal(next(&mut inner, span)?)?]),
        Rule::covers_any => Test::Covers(build_list(next(&mut inner, span)?)?),
        Rule::in_list => Test::In(build_list(next(&mut inner, span)?)?),
        Rule::compare => {
            let op = build_cmp_op(next(&mut inner, span)?);
            Test::Cmp(op, build_literal(next(&mut inner, span)?)?)
        }
        _ => {
            return Err(ParseError::new(
                span,
                "a bug in clausemap: unexpected test in the parse tree",
            ));
        }
    })
}

fn is_keyword(rule: Rule) -> bool {
    matches!(
        rule,
        Rule::has_kw | Rule::any_kw | Rule::all_kw | Rule::in_kw | Rule::known_kw | Rule::covers_kw
    )
}

fn build_cmp_op(pair: Pair<'_, Rule>) -> CmpOp {
    match pair.as_str() {
        "==" => CmpOp::Eq,
        "!=" => CmpOp::Ne,
        "<" => CmpOp::Lt,
        "<=" => CmpOp::Le,
        ">" => CmpOp::Gt,
        _ => CmpOp::Ge,
    }
}

fn build_path(pair: Pair<'_, Rule>) -> Path {
    Path {
        segments: pair.as_str().split('.').map(str::to_string).collect(),
        span: span_of(&pair),
    }
}

fn build_list(pair: Pair<'_, Rule>) -> Result<Vec<Literal>, ParseError> {
    pair.into_inner()
        .filter(|p| !matches!(p.as_rule(), Rule::list_sep | Rule::list_close))
        .map(build_literal)
        .collect()
}

fn build_literal(pair: Pair<'_, Rule>) -> Result<Literal, ParseError> {
    let span = span_of(&pair);
    let text = pair.as_str();
    let value = match pair.as_rule() {
        Rule::string => {
            let inner = pair.into_inner().next().map_or("", |p| p.as_str());
            LiteralValue::Str(unescape(inner))
        }
        Rule::number => {
            let n: f64 = text.replace('_', "").parse().map_err(|_| {
                ParseError::new(span, format!("`{text}` is not a number clausemap can read"))
            })?;
            if !n.is_finite() || n.abs() > 9.0e15 {
                return Err(
                    ParseError::new(span, format!("number `{text}` is too large"))
                        .help("numbers in conditions must lie within ±9,000,000,000,000,000"),
                );
            }
            LiteralValue::Num(n)
        }
        Rule::date => LiteralValue::Date(Date::parse(text).ok_or_else(|| {
            ParseError::new(span, format!("`{text}` is not a date on the calendar"))
                .help("write dates as YYYY-MM-DD with a month from 01 to 12 and a day that exists")
        })?),
        Rule::boolean => LiteralValue::Bool(text.eq_ignore_ascii_case("true")),
        _ => {
            return Err(ParseError::new(
                span,
                "a bug in clausemap: unexpected literal in the parse tree",
            ));
        }
    };
    Ok(Literal { value, span })
}

fn unescape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            if let Some(n) = chars.next() {
                out.push(n);
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// Turn pest's error into one that says, in words, what was expected and what was found.
fn from_pest(text: &str, err: pest::error::Error<Rule>) -> ParseError {
    let pos = match err.location {
        pest::error::InputLocation::Pos(p) => p,
        pest::error::InputLocation::Span((s, _)) => s,
    };
    let found = describe_found(text, pos);
    let end = pos + found.1;
    let mut expected: Vec<&'static str> = match &err.variant {
        pest::error::ErrorVariant::ParsingError { positives, .. } => {
            positives.iter().map(|r| friendly(*r)).collect()
        }
        pest::error::ErrorVariant::CustomError { .. } => Vec::new(),
    };
    expected.sort_unstable();
    expected.dedup();
    let message = if expected.is_empty() {
        format!("unexpected {}", found.0)
    } else {
        format!("expected {}, found {}", one_of(&expected), found.0)
    };
    let mut error = ParseError::new(Span::new(pos, end), message);
    let rest = text.get(pos..).unwrap_or("");
    if rest.starts_with('=') && !rest.starts_with("==") {
        error = error.help("compare with `==`, not `=`");
    } else if rest.starts_with("&&") || rest.starts_with("||") {
        error = error.help("combine conditions with `and` and `or`");
    } else if rest.starts_with('!') && !rest.starts_with("!=") {
        error = error.help("negate with `not`");
    } else if expected.contains(&"a string")
        && rest.chars().next().is_some_and(|c| c.is_alphabetic())
    {
        error = error.help("values are quoted: write `\"value\"`");
    }
    error
}

/// What stands at `pos`, in words, and how many bytes of it to underline.
fn describe_found(text: &str, pos: usize) -> (String, usize) {
    let rest = text.get(pos..).unwrap_or("");
    let Some(first) = rest.chars().next() else {
        return ("the end of the condition".to_string(), 0);
    };
    let word: String = if first == '"' || first == '\'' {
        let close = rest[1..].find(first).map_or(rest.len(), |i| i + 2);
        rest[..close].to_string()
    } else if first.is_alphanumeric() || first == '_' || first == '@' {
        rest.chars()
            .take_while(|c| c.is_alphanumeric() || matches!(c, '_' | '.' | '-' | '@'))
            .collect()
    } else {
        first.to_string()
    };
    let len = word.len();
    (format!("`{word}`"), len)
}

fn one_of(items: &[&str]) -> String {
    match items {
        [] => String::new(),
        [one] => (*one).to_string(),
        [init @ .., last] => format!("{} or {last}", init.join(", ")),
    }
}

/// The name of a grammar rule in the words of an error message.
fn friendly(rule: Rule) -> &'static str {
    match rule {
        Rule::EOI => "the end of the condition",
        Rule::and_op => "`and`",
        Rule::or_op => "`or`",
        Rule::not_op => "`not`",
        Rule::paren => "`(`",
        Rule::known => "`known(...)`",
        Rule::rule_ref | Rule::rule_id => "a rule reference (`@rule.id`)",
        Rule::predicate | Rule::path | Rule::ident | Rule::segment => "an attribute path",
        Rule::has_any | Rule::has_all | Rule::has_one | Rule::has_kw => "`has`",
        Rule::any_kw => "`any`",
        Rule::covers_one | Rule::covers_any | Rule::covers_kw => "`covers`",
        Rule::all_kw => "`all`",
        Rule::known_kw => "`known(...)`",
        Rule::in_list | Rule::in_kw => "`in`",
        Rule::compare | Rule::cmp_op => "a comparison (`==`, `!=`, `<`, `<=`, `>`, `>=`)",
        Rule::list => "a list (`[...]`)",
        Rule::list_sep => "`,`",
        Rule::list_close => "`]`",
        Rule::paren_close => "`)`",
        Rule::string | Rule::dq_inner | Rule::sq_inner => "a string",
        Rule::date => "a date",
        Rule::number => "a number",
        Rule::boolean => "`true` or `false`",
        _ => "a condition",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shape(e: &Expr) -> String {
        match e {
            Expr::And(a, b) => format!("({} and {})", shape(a), shape(b)),
            Expr::Or(a, b) => format!("({} or {})", shape(a), shape(b)),
            Expr::Not(a, _) => format!("not {}", shape(a)),
            Expr::Known(p, _) => format!("known({p})"),
            Expr::RuleRef(id, _) => format!("@{id}"),
            Expr::Bool(b, _) => b.to_string(),
            Expr::Pred(p) => p.path.to_string(),
        }
    }

    #[test]
    fn precedence_is_or_then_and_then_not() {
        let e = parse("a or b and not c or d").unwrap();
        assert_eq!(shape(&e), "((a or (b and not c)) or d)");
        let e = parse("not (a or b) and c").unwrap();
        assert_eq!(shape(&e), "(not (a or b) and c)");
    }

    #[test]
    fn paths_may_hold_jurisdiction_codes() {
        let e = parse("entity.consumers.US-CA >= 100_000").unwrap();
        let Expr::Pred(p) = e else { panic!() };
        assert_eq!(p.path.segments, ["entity", "consumers", "US-CA"]);
        assert_eq!(
            p.test,
            Test::Cmp(
                CmpOp::Ge,
                Literal {
                    value: LiteralValue::Num(100_000.0),
                    span: Span::new(26, 33)
                }
            )
        );
    }

    #[test]
    fn keywords_are_not_paths() {
        assert!(parse("and").is_err());
        assert!(parse("data has").is_err());
        assert!(parse("android == true").is_ok());
    }

    #[test]
    fn depth_is_bounded() {
        let deep = format!("{}a{}", "(".repeat(1000), ")".repeat(1000));
        let err = parse(&deep).unwrap_err();
        assert!(
            err.message
                .contains("deeper than the `expression-depth` limit of 64"),
            "{}",
            err.message
        );
        let nots = format!("{}a", "not ".repeat(1_000));
        assert!(parse(&nots).unwrap_err().message.contains("`not`"));
    }
}
