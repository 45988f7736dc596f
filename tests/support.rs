//! A small builder that runs the binary and checks stdout, stderr and the exit code.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The corpus of published policies (`$CLAUSEMAP_CORPUS`, default `../shared/corpus`), or
/// `None` when it is absent and `CLAUSEMAP_SKIP_CORPUS=1`; absent otherwise, the test fails
/// and says how to point at it.
pub fn corpus() -> Option<PathBuf> {
    let dir = std::env::var_os("CLAUSEMAP_CORPUS")
        .map(PathBuf::from)
        .unwrap_or_else(|| root().join("../shared/corpus"));
    if dir.join("platform-policies").is_dir() {
        return Some(dir);
    }
    assert!(
        std::env::var("CLAUSEMAP_SKIP_CORPUS").is_ok_and(|v| v == "1"),
        "the corpus is not at {}: set CLAUSEMAP_CORPUS to the folder holding platform-policies/ (CI sets it), or CLAUSEMAP_SKIP_CORPUS=1 to skip",
        dir.display()
    );
    eprintln!(
        "skipped: no corpus at {} (CLAUSEMAP_SKIP_CORPUS=1)",
        dir.display()
    );
    None
}

pub struct Run {
    pub stdout: String,
    pub stderr: String,
    pub code: i32,
}

impl Run {
    #[track_caller]
    pub fn code(self, expected: i32) -> Run {
        assert_eq!(
            self.code, expected,
            "exit code {} (expected {expected})\n--- stdout\n{}\n--- stderr\n{}",
            self.code, self.stdout, self.stderr
        );
        self
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("stdout is not JSON ({e}):\n{}", self.stdout))
    }
}

/// Run `clausemap ARGS` in `dir` (default: the crate root), with `stdin` if given.
pub fn run_in(dir: &Path, args: &[&str], stdin: Option<&str>) -> Run {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_clausemap"));
    cmd.args(args).current_dir(dir).env("NO_COLOR", "1");
    cmd.stdin(if stdin.is_some() {
        Stdio::piped()
    } else {
        Stdio::null()
    });
    cmd.stdout(Stdio::piped()).stderr(Stdio::piped());
    let mut child = cmd.spawn().expect("the binary runs");
    if let Some(input) = stdin {
        use std::io::Write;
        let mut pipe = child.stdin.take().expect("stdin is piped");
        pipe.write_all(input.as_bytes())
            .expect("stdin accepts the input");
    }
    let Output {
        status,
        stdout,
        stderr,
    } = child.wait_with_output().expect("the binary finishes");
    Run {
        stdout: String::from_utf8_lossy(&stdout).into_owned(),
        stderr: String::from_utf8_lossy(&stderr).into_owned(),
        code: status.code().unwrap_or(-1),
    }
}

pub fn run(args: &[&str]) -> Run {
    run_in(&root(), args, None)
}

/// Compare `actual` with the golden file, or rewrite it when `UPDATE_GOLDEN=1`.
/// Returns a description of the difference, if any.
pub fn golden(path: &Path, actual: &str) -> Option<String> {
    if std::env::var("UPDATE_GOLDEN").is_ok_and(|v| v == "1") {
        std::fs::write(path, actual).expect("golden file is writable");
        return None;
    }
    let expected = std::fs::read_to_string(path).unwrap_or_default();
    if expected == actual {
        None
    } else {
        Some(format!(
            "{} differs (run with UPDATE_GOLDEN=1 to accept)\n--- expected\n{expected}\n--- actual\n{actual}",
            path.display()
        ))
    }
}
