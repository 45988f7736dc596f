//! Memo files: their names and how they are written.
//!
//! Names come from document and provision ids, made safe for every file system (ids may hold
//! `/`, `..`, spaces or anything else): an id that had to be changed gets a short hash of the
//! original so two ids never share a file, and a name already used in the run gets a counter.
//! Files are written atomically: into a temporary file in the same directory, flushed to disk,
//! then renamed over the target, so a memo is never seen half-written.

use std::collections::HashSet;
use std::path::Path;

use crate::error::Problem;
use crate::rules::sha256_hex;

/// The longest id kept in a file name, in bytes.
const MAX_ID_BYTES: usize = 80;

/// An id as a file-name component: ASCII letters, digits, `.`, `-` and `_` are kept, anything
/// else becomes `_`; a changed, empty or over-long id gets 8 hex digits of its SHA-256.
pub fn sanitize(id: &str) -> String {
    let mut out: String = id
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_') {
                c
            } else {
                '_'
            }
        })
        .collect();
    // No hidden files, no `.` or `..`.
    if out.starts_with('.') {
        out.replace_range(0..1, "_");
    }
    let changed = out != id || out.is_empty() || out.len() > MAX_ID_BYTES;
    out.truncate(MAX_ID_BYTES);
    if changed {
        let hash = sha256_hex(id);
        out.push('-');
        out.push_str(hash.get(..8).unwrap_or(&hash));
    }
    out
}

/// The file names used so far in a run.
#[derive(Default)]
pub struct Names {
    used: HashSet<String>,
}

impl Names {
    /// `<document>.<ext>`
    pub fn document(&mut self, document: &str, ext: &str) -> String {
        self.unique(sanitize(document), ext)
    }

    /// `<document>--<provision>.<ext>`
    pub fn provision(&mut self, document: &str, provision: &str, ext: &str) -> String {
        self.unique(
            format!("{}--{}", sanitize(document), sanitize(provision)),
            ext,
        )
    }

    fn unique(&mut self, stem: String, ext: &str) -> String {
        let mut name = format!("{stem}.{ext}");
        let mut n = 2;
        while !self.used.insert(name.to_lowercase()) {
            name = format!("{stem}-{n}.{ext}");
            n += 1;
        }
        name
    }
}

/// Create the output directory if it does not exist.
pub fn ensure_dir(dir: &Path) -> Result<(), Problem> {
    std::fs::create_dir_all(dir).map_err(|e| {
        Problem::new(
            "output::dir",
            format!("cannot create output directory: {e}"),
        )
        .in_file(dir.display().to_string())
        .help("give --out a directory you can write to")
    })
}

/// Write `bytes` to `path` atomically: a temporary file beside it, synced, then renamed.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), Problem> {
    crate::report::write_atomic(path, bytes).map_err(|e| {
        Problem::new("output::io", format!("cannot write memo: {e}"))
            .in_file(path.display().to_string())
            .help("check that the output directory is writable and has space")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sanitize_keeps_plain_ids_and_marks_changed_ones() {
        assert_eq!(sanitize("CA-P-000646"), "CA-P-000646");
        let odd = sanitize("../etc/passwd");
        assert!(odd.starts_with("_._etc_passwd-"), "{odd}");
        assert_ne!(sanitize("a/b"), sanitize("a_b"));
        assert!(!sanitize("").is_empty());
    }

    #[test]
    fn names_never_repeat() {
        let mut names = Names::default();
        assert_eq!(names.provision("D", "P", "md"), "D--P.md");
        assert_eq!(names.provision("D", "P", "md"), "D--P-2.md");
        assert_eq!(names.document("D", "md"), "D.md");
    }
}
