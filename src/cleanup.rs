//! Files to remove if the run is interrupted: temporary files being written and locks being
//! held. On SIGINT or SIGTERM the handler installed by [`install`] removes them and exits
//! with 130, so an interrupted run leaves neither a partial file nor a stale lock. (SIGKILL
//! cannot be caught: what it leaves is removed by the next run; see `report::write_atomic`
//! and the ledger lock.)

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

static PENDING: Mutex<Pending> = Mutex::new(Pending {
    files: BTreeSet::new(),
    interrupted: false,
});

struct Pending {
    files: BTreeSet<PathBuf>,
    /// Set by the handler, which then exits still holding the lock: no file is created after.
    interrupted: bool,
}

/// A file removed on interruption for as long as the guard lives.
#[must_use]
pub struct Guard(PathBuf);

/// Create the file at `path` with `open` and register it for removal on interruption, both
/// under the registry's lock, so that a file cannot appear after the handler has swept.
pub fn create<T>(
    path: &Path,
    open: impl FnOnce(&Path) -> std::io::Result<T>,
) -> std::io::Result<(T, Guard)> {
    let mut pending = PENDING
        .lock()
        .map_err(|_| std::io::Error::other("the cleanup registry is poisoned"))?;
    if pending.interrupted {
        return Err(std::io::Error::new(
            std::io::ErrorKind::Interrupted,
            "interrupted",
        ));
    }
    let made = open(path)?;
    pending.files.insert(path.to_path_buf());
    Ok((made, Guard(path.to_path_buf())))
}

impl Drop for Guard {
    fn drop(&mut self) {
        if let Ok(mut p) = PENDING.lock() {
            p.files.remove(&self.0);
        }
    }
}

/// Install the SIGINT/SIGTERM handler (once, from `main`).
pub fn install() {
    let _ = ctrlc::set_handler(|| {
        if let Ok(mut p) = PENDING.lock() {
            p.interrupted = true;
            for path in &p.files {
                let _ = std::fs::remove_file(path);
            }
            // Exit while holding the lock: no writer can create a file from here on.
            std::process::exit(130);
        }
        std::process::exit(130);
    });
}
