//! Compliance memos, rendered with tera from one documented context.

use crate::cli::MemoArgs;
use crate::error::{Exit, Problem};

/// `clausemap memo`.
pub fn run(_args: MemoArgs) -> Result<Exit, Vec<Problem>> {
    Err(vec![Problem::new("memo::todo", "memos are not written yet")])
}
