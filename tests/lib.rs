//! Integration tests: they run the real `clausemap` binary and check what a user sees.

mod bad_inputs;
mod cli;
mod dsl;
mod support;
