//! `clausemap review`.

use crate::cli::ReviewArgs;
use crate::error::{Exit, Problem};

/// `clausemap review`.
pub fn run(_args: ReviewArgs) -> Result<Exit, Vec<Problem>> {
    Err(vec![Problem::new(
        "review::todo",
        "`clausemap review` is not written yet",
    )])
}
