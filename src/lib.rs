//! clausemap: a regulatory-mapping rules engine.
//!
//! Rule packs (YAML, one per regulation) are checked against a vocabulary and compiled
//! ([`check`]), ordered through their dependency graph ([`graph`]) and evaluated against the
//! provisions of privacy policies ([`model`], [`eval`]); the findings are written as tables,
//! JSON, JSON Lines or CSV ([`report`]). See `src/README.md` for one line per module.

#![recursion_limit = "256"]
#![allow(
    clippy::result_large_err,
    reason = "problems are the cold path and carry their source for rendering; boxing them buys nothing"
)]

pub mod check;
pub mod classify;
pub mod classify_support;
pub mod cleanup;
pub mod cli;
pub mod commands;
pub mod compare;
pub mod date;
pub mod diff;
pub mod dsl;
pub mod error;
pub mod eval;
pub mod explain_text;
pub mod flags;
pub mod graph;
pub mod limits;
pub mod memo;
pub mod model;
pub mod report;
pub mod review;
pub mod rules;
pub mod sarif;
pub mod schema;
pub mod source;
pub mod synth;
pub mod testing;
pub mod vocab;
