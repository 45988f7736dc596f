//! The limits clausemap puts on its input, and the user's settings of them.
//!
//! Takes `NAME=VALUE` settings (from `--limit`, repeatable, and from the `CLAUSEMAP_LIMITS`
//! environment variable, comma-separated) and returns a [`Limits`]; `main` installs it once
//! with [`set`], before any input is read, and every limit site reads it with [`get`]. Until
//! something is installed (a library user, a unit test) [`get`] returns the defaults, so the
//! library behaves the same with or without the command line.
//!
//! Only clausemap's own limits can be set. A few more are fixed inside the crates clausemap
//! uses (the YAML and JSON nesting depth, YAML alias expansion, template component
//! recursion); [`FIXED`] names them, so that `--limit` can say why they cannot be raised.

use std::sync::OnceLock;

/// Every limit that can be set, with its current value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// The longest condition (`when:`, `unless:`), in bytes.
    pub expression_length: usize,
    /// The deepest nesting of parentheses in a condition, and the most `not` operators in one.
    pub expression_depth: usize,
    /// The largest YAML file (rule pack, vocabulary, provision file, ledger), in bytes.
    pub yaml_bytes: usize,
    /// The largest file read whole (provision files in YAML or JSON, templates' text), in bytes.
    pub file_bytes: u64,
    /// The most provisions in one YAML or JSON document.
    pub provisions_per_document: usize,
    /// The longest provision text, in bytes.
    pub text_bytes: usize,
    /// The largest template file, in bytes.
    pub template_bytes: u64,
}

/// The limits when nothing is set.
pub const DEFAULT: Limits = Limits {
    expression_length: 16 * 1024,
    expression_depth: 64,
    yaml_bytes: 64 * 1024 * 1024,
    file_bytes: 256 * 1024 * 1024,
    provisions_per_document: 1_000_000,
    text_bytes: 1024 * 1024,
    template_bytes: 1024 * 1024,
};

/// The highest `expression-depth` that may be set. Parsing, checking, compiling, evaluating and
/// explaining a condition recurse once per level of nesting. Measured (2026-11): evaluation on
/// the `--jobs` threads (2 MiB stacks) first overflows between 4096 and 8192 levels in a
/// release build and between 2048 and 4096 in a debug build; checking and explaining run on
/// the binary's 64 MiB thread (src/main.rs) and reach 8192 in a debug build. So 1024 keeps at
/// least half of every stack free (`robustness::conditions_nested_to_the_depth_ceiling_*`).
pub const EXPRESSION_DEPTH_CEILING: usize = 1024;

/// The environment variable read for settings: `name=value,name=value`.
pub const ENV: &str = "CLAUSEMAP_LIMITS";

/// One settable limit: its name on the command line and what it bounds.
struct Spec {
    name: &'static str,
    what: &'static str,
    get: fn(&Limits) -> u64,
    set: fn(&mut Limits, u64),
}

fn to_usize(v: u64) -> usize {
    usize::try_from(v).unwrap_or(usize::MAX)
}

const SPECS: &[Spec] = &[
    Spec {
        name: "expression-length",
        what: "the longest condition, in bytes",
        get: |l| l.expression_length as u64,
        set: |l, v| l.expression_length = to_usize(v),
    },
    Spec {
        name: "expression-depth",
        what: "the deepest nesting of `(` in a condition, and the most `not` in one",
        get: |l| l.expression_depth as u64,
        set: |l, v| l.expression_depth = to_usize(v),
    },
    Spec {
        name: "yaml-bytes",
        what: "the largest YAML file, in bytes",
        get: |l| l.yaml_bytes as u64,
        set: |l, v| l.yaml_bytes = to_usize(v),
    },
    Spec {
        name: "file-bytes",
        what: "the largest provision file read whole (YAML, JSON), in bytes",
        get: |l| l.file_bytes,
        set: |l, v| l.file_bytes = v,
    },
    Spec {
        name: "provisions-per-document",
        what: "the most provisions in one YAML or JSON document",
        get: |l| l.provisions_per_document as u64,
        set: |l, v| l.provisions_per_document = to_usize(v),
    },
    Spec {
        name: "text-bytes",
        what: "the longest provision text, in bytes",
        get: |l| l.text_bytes as u64,
        set: |l, v| l.text_bytes = to_usize(v),
    },
    Spec {
        name: "template-bytes",
        what: "the largest template file, in bytes",
        get: |l| l.template_bytes,
        set: |l, v| l.template_bytes = v,
    },
];

/// Limits fixed inside the crates clausemap uses: a name a user may reach for, and why it
/// cannot be set.
pub const FIXED: &[(&str, &str)] = &[
    (
        "yaml-depth",
        "YAML nesting (128 levels) is the YAML crate's own limit",
    ),
    (
        "yaml-aliases",
        "YAML alias expansion (100 times the file's own values) is the YAML crate's own limit",
    ),
    (
        "json-depth",
        "JSON nesting (128 levels) is the JSON crate's own limit",
    ),
    (
        "template-depth",
        "component recursion in templates (20 calls) is the template engine's own limit",
    ),
];

static INSTALLED: OnceLock<Limits> = OnceLock::new();

/// The limits in force: the installed ones, or [`DEFAULT`].
pub fn get() -> &'static Limits {
    INSTALLED.get().unwrap_or(&DEFAULT)
}

/// Install the limits for the rest of the process. Only the first call counts; a later one
/// returns its limits back.
pub fn set(limits: Limits) -> Result<(), Limits> {
    INSTALLED.set(limits)
}

/// How a message tells a user to raise the limit `name` (the flag and the variable).
pub fn how_to_raise(name: &str) -> String {
    format!("raise the limit with `--limit {name}=N` or `{ENV}={name}=N`")
}

/// A size in bytes as a message shows it: `64 MiB`, `512 KiB`, or `1000 bytes`.
pub fn show_bytes(n: u64) -> String {
    const KIB: u64 = 1024;
    const MIB: u64 = 1024 * 1024;
    if n >= MIB && n % MIB == 0 {
        format!("{} MiB", n / MIB)
    } else if n >= KIB && n % KIB == 0 {
        format!("{} KiB", n / KIB)
    } else {
        format!("{n} bytes")
    }
}

/// The names of the settable limits, for messages.
pub fn names() -> String {
    SPECS.iter().map(|s| s.name).collect::<Vec<_>>().join(", ")
}

/// One setting, `NAME=VALUE`, checked: the limit's name and value. VALUE is a whole number,
/// with `_` allowed between digits and an optional `KiB`, `MiB` or `GiB` (or `K`, `M`, `G`).
/// The error says what is wrong and lists the names.
pub fn parse_setting(setting: &str) -> Result<(&'static str, u64), String> {
    let Some((name, value)) = setting.split_once('=') else {
        return Err(format!(
            "`{setting}` is not NAME=VALUE; the limits are: {}",
            names()
        ));
    };
    let name = name.trim();
    let Some(spec) = SPECS.iter().find(|s| s.name == name) else {
        if let Some((_, why)) = FIXED.iter().find(|(n, _)| *n == name) {
            return Err(format!(
                "the limit `{name}` cannot be set: {why}; the limits that can be set are: {}",
                names()
            ));
        }
        let hint = crate::check::suggest(name, SPECS.iter().map(|s| s.name))
            .map(|s| format!(" (did you mean `{s}`?)"))
            .unwrap_or_default();
        return Err(format!(
            "unknown limit `{name}`{hint}; the limits are: {}",
            names()
        ));
    };
    let value = parse_value(value.trim()).ok_or_else(|| {
        format!(
            "the limit `{name}` must be a whole number above 0 (with `KiB`, `MiB` or `GiB` if you like), not `{}`",
            value.trim()
        )
    })?;
    if spec.name == "expression-depth" && value > EXPRESSION_DEPTH_CEILING as u64 {
        return Err(format!(
            "the limit `expression-depth` can be at most {EXPRESSION_DEPTH_CEILING} (deeper conditions could overflow the stack), not {value}"
        ));
    }
    Ok((spec.name, value))
}

fn parse_value(text: &str) -> Option<u64> {
    let (digits, unit) = match text.find(|c: char| !c.is_ascii_digit() && c != '_') {
        Some(i) => (&text[..i], text[i..].trim()),
        None => (text, ""),
    };
    let scale: u64 = match unit {
        "" => 1,
        "K" | "k" | "KiB" | "kiB" => 1024,
        "M" | "MiB" => 1024 * 1024,
        "G" | "GiB" => 1024 * 1024 * 1024,
        _ => return None,
    };
    if digits.is_empty() || digits.starts_with('_') || digits.ends_with('_') {
        return None;
    }
    let n: u64 = digits.replace('_', "").parse().ok()?;
    n.checked_mul(scale).filter(|v| *v > 0)
}

impl Limits {
    /// These limits with one setting applied (a name and value from [`parse_setting`]).
    pub fn with(mut self, name: &str, value: u64) -> Limits {
        if let Some(spec) = SPECS.iter().find(|s| s.name == name) {
            (spec.set)(&mut self, value);
        }
        self
    }

    /// The defaults with the settings of `CLAUSEMAP_LIMITS` (`env`, if set) and then those of
    /// the command line applied, so the command line wins. The error names the bad setting.
    pub fn from_settings(env: Option<&str>, cli: &[(&'static str, u64)]) -> Result<Limits, String> {
        let mut limits = DEFAULT;
        for setting in env
            .unwrap_or("")
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
        {
            let (name, value) = parse_setting(setting).map_err(|e| format!("{ENV}: {e}"))?;
            limits = limits.with(name, value);
        }
        for (name, value) in cli {
            limits = limits.with(name, *value);
        }
        Ok(limits)
    }

    /// Each limit's name, what it bounds and its value, for documentation and `--help`.
    pub fn table(&self) -> Vec<(&'static str, &'static str, u64)> {
        SPECS
            .iter()
            .map(|s| (s.name, s.what, (s.get)(self)))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_parse_with_units_and_the_command_line_wins() {
        assert_eq!(
            parse_setting("yaml-bytes=128MiB"),
            Ok(("yaml-bytes", 128 << 20))
        );
        assert_eq!(
            parse_setting(" text-bytes = 2_000_000 "),
            Ok(("text-bytes", 2_000_000))
        );
        let l = Limits::from_settings(
            Some("expression-depth=100, text-bytes=2M"),
            &[("expression-depth", 200)],
        )
        .unwrap();
        assert_eq!(l.expression_depth, 200);
        assert_eq!(l.text_bytes, 2 << 20);
        assert_eq!(l.yaml_bytes, DEFAULT.yaml_bytes);
    }

    #[test]
    fn bad_settings_say_what_is_wrong_and_list_the_names() {
        let e = parse_setting("depth=3").unwrap_err();
        assert!(
            e.contains("unknown limit `depth`") && e.contains("expression-depth"),
            "{e}"
        );
        let e = parse_setting("yaml-byte=3").unwrap_err();
        assert!(e.contains("did you mean `yaml-bytes`"), "{e}");
        let e = parse_setting("yaml-aliases=3").unwrap_err();
        assert!(e.contains("cannot be set"), "{e}");
        for bad in [
            "text-bytes=",
            "text-bytes=0",
            "text-bytes=-1",
            "text-bytes=1.5",
            "text-bytes=3TB",
            "text-bytes",
        ] {
            assert!(parse_setting(bad).is_err(), "{bad}");
        }
        assert!(parse_setting("expression-depth=1025").is_err());
        assert!(parse_setting("expression-depth=1024").is_ok());
        let e = Limits::from_settings(Some("nope=1"), &[]).unwrap_err();
        assert!(
            e.starts_with("CLAUSEMAP_LIMITS: unknown limit `nope`"),
            "{e}"
        );
    }

    #[test]
    fn sizes_show_in_the_largest_whole_unit() {
        assert_eq!(show_bytes(64 << 20), "64 MiB");
        assert_eq!(show_bytes(1536), "1536 bytes");
        assert_eq!(show_bytes(2048), "2 KiB");
        assert_eq!(show_bytes(1000), "1000 bytes");
    }

    #[test]
    fn every_setting_reaches_its_field() {
        let mut l = DEFAULT;
        for (i, (name, _, _)) in DEFAULT.table().into_iter().enumerate() {
            l = l.with(name, 7 + i as u64);
        }
        let values: Vec<u64> = l.table().into_iter().map(|(_, _, v)| v).collect();
        assert_eq!(values, (7..7 + SPECS.len() as u64).collect::<Vec<_>>());
    }
}
