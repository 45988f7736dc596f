//! Files to remove if the run is interrupted: temporary files being written and locks being
//! held. On SIGINT or SIGTERM the handler installed by [`install`] removes them and exits
//! with 130, so an interrupted run leaves neither a partial file nor a stale lock. (SIGKILL
//! cannot be caught: what it leaves is removed by the next run; see `report::write_atomic`
//! and the ledger lock.)

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

static PENDING: Mutex<BTreeSet<PathBuf>> = Mutex::new(BTreeSet::new());

/// A file removed on interruption for as long as the guard lives.
#[must_use]
pub struct Guard(PathBuf);

/// Remove `path` if the run is interrupted before the guard is dropped.
pub fn guard(path: &Path) -> Guard {
    if let Ok(mut p) = PENDING.lock() {
        p.insert(path.to_path_buf());
    }
    Guard(path.to_path_buf())
}

impl Drop for Guard {
    fn drop(&mut self) {
        if let Ok(mut p) = PENDING.lock() {
            p.remove(&self.0);
        }
    }
}

/// Install the SIGINT/SIGTERM handler (once, from `main`).
pub fn install() {
    let _ = ctrlc::set_handler(|| {
        if let Ok(p) = PENDING.lock() {
            for path in p.iter() {
                let _ = std::fs::remove_file(path);
            }
        }
        std::process::exit(130);
    });
}
