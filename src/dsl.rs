//! The condition language: grammar binding, typed AST, parse errors.
//!
//! Takes the text of a `when:` or `unless:` condition and returns an owned [`Expr`] whose spans
//! are byte offsets into that text (the caller maps them into the YAML file), or a
//! [`ParseError`] that says in words what was expected.

mod ast;
mod parse;

pub use ast::{
    format_number as ast_format_number, CmpOp, Expr, Literal, LiteralValue, Path, Predicate, Test,
};
pub use parse::{parse, ParseError, MAX_DEPTH, MAX_LENGTH};
