//! Integration tests: they run the real `clausemap` binary and check what a user sees.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test that cannot unwrap has failed, and the panic says where"
)]

mod bad_files;
mod bad_inputs;
mod citations;
mod cli;
mod corpus;
mod diff;
mod dsl;
mod e2e;
mod flags;
mod memo;
mod memo_native;
mod review;
mod robustness;
mod sarif;
mod seeds;
mod support;
