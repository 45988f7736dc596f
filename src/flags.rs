//! `clausemap flags`.

use crate::cli::FlagsArgs;
use crate::error::{Exit, Problem};

/// `clausemap flags`.
pub fn run(_args: FlagsArgs) -> Result<Exit, Vec<Problem>> {
    Err(vec![Problem::new(
        "flags::todo",
        "`clausemap flags` is not written yet",
    )])
}
