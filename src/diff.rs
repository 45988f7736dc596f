//! `clausemap diff`.

use crate::cli::DiffArgs;
use crate::error::{Exit, Problem};

/// `clausemap diff`.
pub fn run(_args: DiffArgs) -> Result<Exit, Vec<Problem>> {
    Err(vec![Problem::new(
        "diff::todo",
        "`clausemap diff` is not written yet",
    )])
}
