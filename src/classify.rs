//! The policy-text classifier: raw clause text in, provision attributes with evidence out.
//!
//! The classifier is data, not code. `rules/classifier.yaml` lists patterns (literal phrases
//! and/or regular expressions), each with a stable id and the attribute values it signals; the
//! caller deserializes that file into a [`ClassifierFile`] (this module uses no YAML crate) and
//! [`Classifier::compile`] checks it against the vocabulary and builds every regex once.
//! [`Classifier::classify`] then returns a [`Classification`]: the attributes it found evidence
//! for, and for each value the matched span (char offsets into the classified text), its text
//! and the pattern id.
//!
//! Promises:
//! - **Never guess.** An attribute is present only when a pattern matched; attributes nothing
//!   speaks to are absent (unknown), never a default or a guessed `false`.
//! - **Negation and scope.** A match whose clause is negated ("we do not sell", "we will never
//!   share") sets only the pattern's `when_negated` values (usually just the topic), never its
//!   `set` values. A negation's scope ends at a scope break ("except", "unless", "but", a new
//!   clause), so in "we do not share it except with service providers" the service providers
//!   are a positive statement.
//! - **Deterministic and linear.** Matching uses the `regex` crate (linear time) on an ASCII
//!   "shadow" of the text with exactly one byte per char, so byte offsets are char offsets and
//!   the lazy DFA never meets a non-ASCII word boundary (regexes are compiled in ASCII mode:
//!   `\w`, `\s`, `\b` are ASCII; patterns must be ASCII, phrases are folded like the text).
//!   A literal pre-filter (the prefix and suffix literals of every pattern, extracted with
//!   `regex-syntax`, in one Aho-Corasick automaton) finds in one pass which patterns can match;
//!   only those run, as lazy DFAs (`regex-automata`) without per-pattern prefilters. Context
//!   checks (`requires`, `unless`, meta sentences) run once per sentence and pattern, negation
//!   checks look at a bounded window, so work stays linear in the text. Sets are sorted and
//!   deduplicated; evidence is sorted by offset.
//!
//! Dependencies: `regex`, `regex-automata` 0.4, `regex-syntax` 0.8, `aho-corasick` 1 (all
//! already in the dependency tree of `regex`), and `serde`, `serde_json` (for [`score`]).
//! - **No panics** on any input; problems in the classifier file are collected, all of them,
//!   into [`ClassifierProblem`]s with a path such as `patterns[3].regex`.
//!
//! Splitting a whole policy into provisions lives in [`segment`]; scoring against the labelled
//! corpora in [`score`].

pub mod contents;
pub mod score;
pub mod segment;

pub use segment::{detect_format, split_policy, Segment, SourceFormat};

use std::collections::{BTreeMap, BTreeSet, HashSet};

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};
use regex::bytes::{Regex, RegexBuilder};
use regex_syntax::hir::literal::{ExtractKind, Extractor};
use serde::Deserialize;

/// Upper bound on the compiled size of one regex (bytes); generous, but bounded.
const REGEX_SIZE_LIMIT: usize = 8 * (1 << 20);
/// Upper bound on the lazy-DFA cache of one regex: bounded repetitions (`[^.]{0,80}`) need
/// room; with 8 MiB the caches thrashed and classification was a third slower.
const DFA_SIZE_LIMIT: usize = 32 * (1 << 20);
/// How many evidence spans are kept per (attribute, value, pattern); more add nothing but bulk.
const MAX_EVIDENCE_PER_PATTERN_VALUE: usize = 8;
/// How far back (in chars) from a match the negation check looks, at most.
const NEGATION_LOOKBACK_CHARS: usize = 240;
/// How far after a match `negation.after` looks, at most.
const NEGATION_LOOKAHEAD_CHARS: usize = 160;

// ------------------------------------------------------------------------------------------
// The file format (serde only)
// ------------------------------------------------------------------------------------------

/// The shape of `rules/classifier.yaml`. See the header of that file for the authoring guide.
#[derive(Deserialize, Debug, Clone)]
#[serde(deny_unknown_fields)]
pub struct ClassifierFile {
    /// Format version; must be 1.
    pub version: u32,
    /// How negated statements are recognised.
    #[serde(default)]
    pub negation: NegationSpec,
    /// Attributes of type one_of, each with its values from strongest claim to weakest: when
    /// several values of one attribute are found in the same text, the first listed wins.
    /// Every attribute not listed here is treated as a set.
    #[serde(default)]
    pub one_of: BTreeMap<String, Vec<String>>,
    /// Regexes of sentences that talk about the document rather than a practice ("this policy
    /// explains how we collect …", a table of contents, "we are not responsible for the privacy
    /// practices of linked sites"). Patterns ignore matches in such sentences unless they set
    /// `in_meta_sentences: true`.
    #[serde(default)]
    pub meta_sentences: Vec<String>,
    /// Segment-level thresholds: attribute → value → how much evidence the value needs in one
    /// text. A value without an entry needs one match. Each match adds its pattern's `weight`.
    #[serde(default)]
    pub thresholds: BTreeMap<String, BTreeMap<String, ThresholdSpec>>,
    /// Fallbacks to the thresholds: attribute → which values, and how much evidence. When
    /// none of the listed values of the attribute reaches its threshold in a text, the
    /// strongest of them whose evidence reaches `min` is kept anyway: a text that has
    /// evidence for any of them is about its best-supported one.
    #[serde(default)]
    pub fallback: BTreeMap<String, FallbackSpec>,
    /// The patterns, in any order.
    pub patterns: Vec<PatternSpec>,
}

/// What to keep when no value of an attribute passes its threshold (see `fallback` in
/// `rules/classifier.yaml`).
#[derive(Deserialize, Debug, Clone, Default, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct FallbackSpec {
    /// The values that stand in for one another, in the order that breaks a tie.
    pub values: Vec<String>,
    /// The least total weight of the kept value's matches (default 0: any match).
    #[serde(default)]
    pub min: f64,
}

/// How much evidence a value needs in one text (see `thresholds` in `rules/classifier.yaml`).
#[derive(Deserialize, Debug, Clone, Copy, Default, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ThresholdSpec {
    /// The least total weight of its matches (default 0: any match).
    #[serde(default)]
    pub min: f64,
    /// The least share (0–1) of the strongest value of the same attribute in the text: with
    /// `relative: 0.3`, a `topic` whose evidence weighs less than 30% of the best-supported
    /// topic's is a passing mention, not what the text is about (default 0).
    #[serde(default)]
    pub relative: f64,
}

/// How negation is recognised: a cue (`not`, `never`, …) in the same clause, within a few
/// words before the match, and not cut off by a scope break.
#[derive(Deserialize, Debug, Clone, Default)]
#[serde(deny_unknown_fields)]
pub struct NegationSpec {
    /// Regexes of negation cues (`\bnot\b`, `\bnever\b`, `n't\b`, …).
    #[serde(default)]
    pub cues: Vec<String>,
    /// Regexes of phrases that contain a cue but do not negate (`not limited to`,
    /// `whether or not`); they are blanked out before cues are looked for.
    #[serde(default)]
    pub ignore: Vec<String>,
    /// Regexes that end a negation's scope (`except`, `unless`, `, but`, `;`); a cue before the
    /// last scope break does not reach the match.
    #[serde(default)]
    pub scope_breaks: Vec<String>,
    /// How many words before the match a cue may stand (default 8).
    #[serde(default)]
    pub window_words: Option<usize>,
    /// Regexes for a negation that FOLLOWS the match in its clause ("your e-mail address is
    /// never shared"); each is tried at the end of the match, on the rest of the sentence
    /// (up to 160 chars), and must match there (it is anchored). They are tried only where a
    /// negation cue (`cues`) follows the match within those 160 chars.
    #[serde(default)]
    pub after: Vec<String>,
    /// Regexes for a lead-in that negates the list under it ("You must not:", "You agree not
    /// to:"): each is tried on the last sentence of a line that ends with a colon and is
    /// followed by list items (lines starting `- `); where one matches, with no scope break
    /// that is a word (`scope_breaks` such as "except", "unless") after it ("We do not share
    /// it except:" leads into the exceptions), every match in those items is negated.
    #[serde(default)]
    pub lead_ins: Vec<String>,
}

/// One pattern: what to look for, and which attribute values it signals.
#[derive(Deserialize, Debug, Clone)]
#[serde(deny_unknown_fields)]
pub struct PatternSpec {
    /// Stable id, lowercase `[a-z0-9._-]`, unique in the file; cited in evidence.
    pub id: String,
    /// What the pattern is for (free text, for authors).
    #[serde(default)]
    pub doc: Option<String>,
    /// Literal phrases, matched case-insensitively on word boundaries; any run of spaces in a
    /// phrase matches any run of whitespace.
    #[serde(default)]
    pub phrases: Vec<String>,
    /// A regular expression (Rust `regex` syntax), matched case-insensitively.
    #[serde(default)]
    pub regex: Option<String>,
    /// Another regex that must also match somewhere in the same sentence.
    #[serde(default)]
    pub requires: Option<String>,
    /// A regex that, when it matches anywhere in the same sentence, cancels this pattern there.
    #[serde(default)]
    pub unless: Option<String>,
    /// The attribute values a positive (not negated) match sets: attribute → value or list.
    #[serde(default)]
    pub set: BTreeMap<String, OneOrMany>,
    /// The attribute values a negated match sets (usually only `topic`); default: nothing.
    #[serde(default)]
    pub when_negated: BTreeMap<String, OneOrMany>,
    /// Whether negation is checked at all (default true). A pattern that already contains its
    /// own polarity ("we do not sell" → a statement about selling) sets `negatable: false`.
    #[serde(default = "default_true")]
    pub negatable: bool,
    /// Whether the pattern also counts in `meta_sentences` (default false).
    #[serde(default)]
    pub in_meta_sentences: bool,
    /// How much one match counts towards a value's threshold (default 1).
    #[serde(default = "default_weight")]
    pub weight: f64,
}

fn default_weight() -> f64 {
    1.0
}

fn default_true() -> bool {
    true
}

/// A single value or a list of values in YAML.
#[derive(Deserialize, Debug, Clone)]
#[serde(untagged)]
pub enum OneOrMany {
    /// `purpose: ai_training`
    One(String),
    /// `purpose: [ai_training, ai_training.generative]`
    Many(Vec<String>),
}

impl OneOrMany {
    fn values(&self) -> Vec<String> {
        match self {
            OneOrMany::One(v) => vec![v.clone()],
            OneOrMany::Many(vs) => vs.clone(),
        }
    }
}

// ------------------------------------------------------------------------------------------
// Problems
// ------------------------------------------------------------------------------------------

/// A problem found while compiling a classifier file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClassifierProblem {
    /// Where in the file, as a path: `patterns[3].regex`, `negation.cues[0]`.
    pub path: String,
    /// What is wrong (lowercase, one line).
    pub message: String,
    /// How to fix it, where that helps.
    pub help: Option<String>,
}

impl std::fmt::Display for ClassifierProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.path, self.message)?;
        if let Some(help) = &self.help {
            write!(f, " (help: {help})")?;
        }
        Ok(())
    }
}

fn problem(
    path: impl Into<String>,
    message: impl Into<String>,
    help: Option<&str>,
) -> ClassifierProblem {
    ClassifierProblem {
        path: path.into(),
        message: message.into(),
        help: help.map(str::to_string),
    }
}

// ------------------------------------------------------------------------------------------
// Output
// ------------------------------------------------------------------------------------------

/// The value of one attribute: a sorted, deduplicated set, or one value of a one_of attribute.
#[derive(serde::Serialize, Clone, Debug, PartialEq)]
#[serde(untagged)]
pub enum AttributeValue {
    /// A set attribute (`data`, `purpose`, `recipients`, …).
    Set(Vec<String>),
    /// A one_of attribute (`legal_basis`, `consent`, `retention`).
    One(String),
}

/// Why an attribute value was set: the pattern and the span it matched.
#[derive(serde::Serialize, Clone, Debug, PartialEq, Eq)]
pub struct Evidence {
    /// The attribute set.
    pub attribute: String,
    /// The value set.
    pub value: String,
    /// The id of the pattern that matched.
    pub pattern: String,
    /// Start of the matched span, in chars from the start of the classified text.
    pub start: usize,
    /// End of the matched span (exclusive), in chars.
    pub end: usize,
    /// The matched text, as it stands in the classified text.
    pub text: String,
}

/// What the classifier found in one text.
#[derive(serde::Serialize, Clone, Debug, Default, PartialEq)]
pub struct Classification {
    /// Attribute → value; only attributes with evidence appear.
    pub attributes: BTreeMap<String, AttributeValue>,
    /// The evidence for every value in `attributes`, sorted by offset, then attribute, value,
    /// pattern.
    pub evidence: Vec<Evidence>,
}

impl Classification {
    /// Whether `attribute` holds exactly `value` (one_of) or contains it (set). No taxonomy
    /// expansion: `personal.location` does not count as `personal` here.
    pub fn has(&self, attribute: &str, value: &str) -> bool {
        match self.attributes.get(attribute) {
            Some(AttributeValue::Set(vs)) => vs.iter().any(|v| v == value),
            Some(AttributeValue::One(v)) => v == value,
            None => false,
        }
    }

    /// Like [`Classification::has`], but a dotted value also counts for its ancestors
    /// (`personal.location.precise` has `personal.location` and `personal`).
    pub fn has_within(&self, attribute: &str, value: &str) -> bool {
        let within = |v: &str| value_within(v, value);
        match self.attributes.get(attribute) {
            Some(AttributeValue::Set(vs)) => vs.iter().any(|v| within(v)),
            Some(AttributeValue::One(v)) => within(v),
            None => false,
        }
    }
}

/// Whether a dotted taxonomy value is `ancestor` or lies under it
/// (`personal.location.precise` is within `personal.location` and `personal`, not `person`).
pub fn value_within(value: &str, ancestor: &str) -> bool {
    value
        .strip_prefix(ancestor)
        .is_some_and(|rest| rest.is_empty() || rest.starts_with('.'))
}

/// What [`Classifier::pattern_values`] reports of one pattern: (attribute, value) pairs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PatternValues {
    /// Set by a positive match.
    pub set: Vec<(String, String)>,
    /// Set by a negated match.
    pub when_negated: Vec<(String, String)>,
}

/// What [`Classifier::profile`] measured for one pattern.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PatternProfile {
    /// The pattern id, or `(prefilter)`.
    pub id: String,
    /// Time spent matching it.
    pub time: std::time::Duration,
    /// Whether the pre-filter let it run.
    pub ran: bool,
    /// How many raw matches it found (before context, meta and negation checks).
    pub matches: usize,
}

// ------------------------------------------------------------------------------------------
// The compiled classifier
// ------------------------------------------------------------------------------------------

#[derive(Debug, Clone)]
struct Assignment {
    attribute: String,
    value: String,
}

#[derive(Debug, Clone)]
struct CompiledPattern {
    id: String,
    /// The pattern itself, built without the regex engine's own literal prefilter: most
    /// patterns open with common words ("we", "your"), so a prefilter would restart the DFA at
    /// every hit; a plain lazy-DFA scan of a (pre-filtered) provision is several times faster.
    regex: regex_automata::meta::Regex,
    requires: Option<Regex>,
    unless: Option<Regex>,
    set: Vec<Assignment>,
    when_negated: Vec<Assignment>,
    negatable: bool,
    in_meta: bool,
    weight: f64,
}

#[derive(Debug, Clone)]
struct Negation {
    after: Option<Regex>,
    lead_ins: Option<Regex>,
    cues: Option<Regex>,
    ignore: Option<Regex>,
    scope_breaks: Option<Regex>,
    window_words: usize,
}

/// A multi-pattern literal pre-filter. Every match of a pattern starts with one of its prefix
/// literals and ends with one of its suffix literals (both extracted from its regex by
/// `regex-syntax`), and contains, for each of its *required groups*, one literal of that
/// group (computed from the regex's syntax tree: in `\bwe\s+(?:collect|gather)\b` every match
/// holds `we` and one of `collect`, `gather`). One Aho-Corasick pass over the text finds which
/// literals occur; a pattern's regex runs only when a prefix literal occurs, a suffix literal
/// ends after it, and every required group has a literal in the text. A side that cannot be
/// listed as literals does not filter; a pattern with nothing to filter on always runs. On
/// policy text this cuts the regex searches more than tenfold.
#[derive(Debug, Clone)]
struct Prefilter {
    automaton: Option<AhoCorasick>,
    /// Literal (automaton pattern id) → (pattern, side) pairs it stands for.
    owners: Vec<Vec<(usize, Side)>>,
    /// Per pattern: which sides filter it, and the bit mask of all its required groups.
    sides: Vec<(bool, bool, u64)>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Side {
    Prefix,
    Suffix,
    /// Required group number `n` (a bit in the pattern's mask).
    Group(u8),
}

/// How many required groups a pattern keeps (the most selective ones).
const MAX_REQUIRED_GROUPS: usize = 6;
/// The shortest literal worth filtering on: shorter ones occur in nearly every provision.
const MIN_REQUIRED_LITERAL: usize = 3;

impl Prefilter {
    fn build(sources: &[String]) -> Prefilter {
        let mut literal_index: BTreeMap<Vec<u8>, usize> = BTreeMap::new();
        let mut owners: Vec<Vec<(usize, Side)>> = Vec::new();
        let mut sides = Vec::with_capacity(sources.len());
        for (i, src) in sources.iter().enumerate() {
            let (prefix, suffix, groups) = literal_sides(src);
            let mask = if groups.len() >= 64 {
                u64::MAX
            } else {
                (1u64 << groups.len()) - 1
            };
            sides.push((prefix.is_some(), suffix.is_some(), mask));
            let mut all = vec![(prefix, Side::Prefix), (suffix, Side::Suffix)];
            for (g, lits) in groups.into_iter().enumerate() {
                all.push((Some(lits), Side::Group(g as u8)));
            }
            for (lits, side) in all {
                for lit in lits.unwrap_or_default() {
                    let next = owners.len();
                    let id = *literal_index.entry(lit).or_insert(next);
                    if id == next {
                        owners.push(Vec::new());
                    }
                    if let Some(o) = owners.get_mut(id) {
                        o.push((i, side));
                    }
                }
            }
        }
        let mut literals: Vec<(usize, Vec<u8>)> =
            literal_index.into_iter().map(|(l, i)| (i, l)).collect();
        literals.sort();
        let automaton = AhoCorasickBuilder::new()
            .ascii_case_insensitive(true)
            .match_kind(MatchKind::Standard)
            .build(literals.iter().map(|(_, l)| l.as_slice()))
            .ok();
        if automaton.is_none() {
            // Cannot happen with these sizes; stay correct anyway: filter nothing.
            sides = vec![(false, false, 0); sources.len()];
        }
        Prefilter {
            automaton,
            owners,
            sides,
        }
    }

    /// For each pattern, the range of `hay` its matches must lie in (from the first prefix
    /// literal to the end of the last suffix literal), or `None` when it cannot match.
    fn candidates(&self, hay: &[u8], n: usize) -> Vec<Option<(usize, usize)>> {
        // (first prefix hit start, last suffix hit end, required groups seen)
        let mut hits: Vec<(Option<usize>, Option<usize>, u64)> = vec![(None, None, 0); n];
        if let Some(ac) = &self.automaton {
            for m in ac.find_overlapping_iter(hay) {
                if let Some(pats) = self.owners.get(m.pattern().as_usize()) {
                    for &(p, side) in pats {
                        if let Some(h) = hits.get_mut(p) {
                            match side {
                                // Overlapping matches come in order of their ends, not
                                // their starts: keep the smallest start.
                                Side::Prefix => {
                                    h.0 = Some(h.0.map_or(m.start(), |s| s.min(m.start())))
                                }
                                Side::Suffix => h.1 = Some(h.1.map_or(m.end(), |e| e.max(m.end()))),
                                Side::Group(g) => h.2 |= 1u64 << g,
                            }
                        }
                    }
                }
            }
        }
        (0..n)
            .map(|p| {
                let (has_prefix, has_suffix, mask) =
                    self.sides.get(p).copied().unwrap_or((false, false, 0));
                let (first, last_suffix_end, groups) =
                    hits.get(p).copied().unwrap_or((None, None, 0));
                if groups & mask != mask {
                    return None;
                }
                let start = if has_prefix { first? } else { 0 };
                let end = if has_suffix {
                    // A match starts at a prefix hit and ends at a suffix hit after it.
                    last_suffix_end?
                } else {
                    hay.len()
                };
                (end > start).then_some((start, end))
            })
            .collect()
    }
}

/// A list of byte literals.
type Literals = Vec<Vec<u8>>;

/// The prefix and the suffix literals of `src` (lowercased): every match starts with one of
/// the first and ends with one of the second. A side is `None` when it cannot be listed (or
/// holds an empty literal). Then its required groups (see [`required_groups`]).
fn literal_sides(src: &str) -> (Option<Literals>, Option<Literals>, Vec<Literals>) {
    let Ok(hir) = regex_syntax::ParserBuilder::new()
        .unicode(false)
        .utf8(false)
        .build()
        .parse(src)
    else {
        return (None, None, Vec::new());
    };
    let side = |kind: ExtractKind| -> Option<Vec<Vec<u8>>> {
        let mut extractor = Extractor::new();
        extractor
            .kind(kind)
            .limit_class(16)
            .limit_repeat(4)
            .limit_literal_len(24)
            .limit_total(4000);
        let seq = extractor.extract(&hir);
        let literals = seq.literals()?;
        // A side with a short literal (`we`, `a`) filters nothing: such literals occur in
        // nearly every provision, and only slow the automaton down.
        if literals.is_empty()
            || literals
                .iter()
                .any(|l| l.as_bytes().len() < MIN_REQUIRED_LITERAL)
        {
            return None;
        }
        let mut out: Vec<Vec<u8>> = literals
            .iter()
            .map(|l| l.as_bytes().to_ascii_lowercase())
            .collect();
        out.sort();
        out.dedup();
        Some(out)
    };
    let mut groups: Vec<Literals> = required_groups(&hir)
        .into_iter()
        .map(minimal_literals)
        .filter(|g| !g.is_empty() && g.iter().all(|l| l.len() >= MIN_REQUIRED_LITERAL))
        .collect();
    groups.sort_by_key(|g| std::cmp::Reverse(group_score(g)));
    groups.dedup();
    groups.truncate(MAX_REQUIRED_GROUPS);
    (side(ExtractKind::Prefix), side(ExtractKind::Suffix), groups)
}

/// How selective a group of alternative literals is: longer literals and fewer of them are
/// rarer in text.
fn group_score(group: &Literals) -> usize {
    let shortest = group.iter().map(Vec::len).min().unwrap_or(0);
    (shortest * 1000).saturating_sub(group.len())
}

/// Lowercase, sort, and drop every literal that contains another one of the group: where it
/// occurs, the shorter one occurs too.
fn minimal_literals(group: Literals) -> Literals {
    let mut lits: Literals = group.into_iter().map(|l| l.to_ascii_lowercase()).collect();
    lits.sort_by(|a, b| a.len().cmp(&b.len()).then_with(|| a.cmp(b)));
    lits.dedup();
    let mut out: Literals = Vec::new();
    for l in lits {
        if !out
            .iter()
            .any(|o| l.windows(o.len().max(1)).any(|w| w == o.as_slice()))
        {
            out.push(l);
        }
    }
    out.sort();
    out
}

/// Groups of literals every match of `hir` contains: for each group, at least one of its
/// literals occurs inside the match. A concatenation requires the groups of each of its parts;
/// an alternation requires, from each branch, its most selective group (their union); a
/// repetition at least once requires what its body requires; anything else (classes,
/// optional parts, look-arounds) requires nothing.
fn required_groups(hir: &regex_syntax::hir::Hir) -> Vec<Literals> {
    use regex_syntax::hir::HirKind;
    match hir.kind() {
        HirKind::Literal(lit) => vec![vec![lit.0.to_vec()]],
        HirKind::Capture(cap) => required_groups(&cap.sub),
        HirKind::Repetition(rep) if rep.min >= 1 => required_groups(&rep.sub),
        HirKind::Concat(parts) => parts.iter().flat_map(required_groups).collect(),
        HirKind::Alternation(branches) => {
            let mut union: Literals = Vec::new();
            for branch in branches {
                let best = required_groups(branch)
                    .into_iter()
                    .map(minimal_literals)
                    .filter(|g| !g.is_empty() && g.iter().all(|l| !l.is_empty()))
                    .max_by_key(group_score);
                match best {
                    Some(g) => union.extend(g),
                    None => return Vec::new(),
                }
            }
            if union.len() > 256 {
                return Vec::new();
            }
            vec![union]
        }
        _ => Vec::new(),
    }
}

/// A compiled classifier: every regex built once, ready for many texts.
#[derive(Debug, Clone)]
pub struct Classifier {
    patterns: Vec<CompiledPattern>,
    /// The pre-filter: one pass over the text tells which patterns can match at all, and
    /// where the first chance is.
    prefilter: Prefilter,
    meta: Option<Regex>,
    negation: Negation,
    one_of: BTreeMap<String, Vec<String>>,
    thresholds: BTreeMap<String, BTreeMap<String, ThresholdSpec>>,
    fallback: BTreeMap<String, FallbackSpec>,
}

fn build_regex(pattern: &str) -> Result<Regex, String> {
    if !pattern.is_ascii() {
        return Err("patterns match an ASCII-folded copy of the text: write `'` for `’`, `\"` for `“`, `-` for `–`, `e` for `é`".to_string());
    }
    RegexBuilder::new(pattern)
        .case_insensitive(true)
        .unicode(false)
        .size_limit(REGEX_SIZE_LIMIT)
        .dfa_size_limit(DFA_SIZE_LIMIT)
        .build()
        .map_err(|e| {
            // The regex crate's message is multi-line with a caret; keep it, but on one line.
            e.to_string()
                .lines()
                .map(str::trim_end)
                .filter(|l| !l.is_empty())
                .collect::<Vec<_>>()
                .join(" | ")
        })
}

/// Build the hot-path regex of a pattern (see [`CompiledPattern::regex`]); the pattern was
/// already validated by [`build_regex`].
fn build_scanner(pattern: &str) -> Result<regex_automata::meta::Regex, String> {
    use regex_automata::nfa::thompson::WhichCaptures;
    use regex_automata::{meta, util::syntax};
    meta::Regex::builder()
        .syntax(
            syntax::Config::new()
                .case_insensitive(true)
                .unicode(false)
                .utf8(false),
        )
        .configure(
            meta::Regex::config()
                .auto_prefilter(false)
                .utf8_empty(false)
                .which_captures(WhichCaptures::Implicit)
                .nfa_size_limit(Some(REGEX_SIZE_LIMIT))
                .hybrid_cache_capacity(DFA_SIZE_LIMIT),
        )
        .build(pattern)
        .map_err(|e| e.to_string())
}

/// Turn a literal phrase into a regex: escaped, whitespace-flexible, on word boundaries where
/// the phrase starts or ends with a word character.
fn phrase_regex(phrase: &str) -> String {
    let words: Vec<String> = phrase.split_whitespace().map(regex::escape).collect();
    let body = words.join(r"\s+");
    let starts_word = phrase
        .trim_start()
        .chars()
        .next()
        .is_some_and(|c| c.is_alphanumeric() || c == '_');
    let ends_word = phrase
        .trim_end()
        .chars()
        .last()
        .is_some_and(|c| c.is_alphanumeric() || c == '_');
    format!(
        "{}{}{}",
        if starts_word { r"\b" } else { "" },
        body,
        if ends_word { r"\b" } else { "" }
    )
}

fn valid_id(id: &str) -> bool {
    !id.is_empty()
        && id
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '.' | '-' | '_'))
}

/// Compile a list of regexes into one alternation, reporting each bad one.
fn compile_alternation(
    items: &[String],
    path: &str,
    problems: &mut Vec<ClassifierProblem>,
) -> Option<Regex> {
    let mut good = Vec::new();
    for (i, item) in items.iter().enumerate() {
        match build_regex(item) {
            Ok(_) => good.push(format!("(?:{item})")),
            Err(e) => problems.push(problem(
                format!("{path}[{i}]"),
                format!("invalid regex: {e}"),
                None,
            )),
        }
    }
    if good.is_empty() {
        return None;
    }
    match build_regex(&good.join("|")) {
        Ok(r) => Some(r),
        Err(e) => {
            problems.push(problem(
                path,
                format!("the combined regex is too large: {e}"),
                Some("split or simplify the entries"),
            ));
            None
        }
    }
}

impl Classifier {
    /// Check `file` and build its regexes. `vocabulary_values(attribute, value)` says whether
    /// the vocabulary declares that value for that attribute. Returns every problem found, not
    /// just the first.
    pub fn compile(
        file: ClassifierFile,
        vocabulary_values: &dyn Fn(&str, &str) -> bool,
    ) -> Result<Classifier, Vec<ClassifierProblem>> {
        let mut problems = Vec::new();
        if file.version != 1 {
            problems.push(problem(
                "version",
                format!("unsupported classifier format version `{}`", file.version),
                Some("this clausemap reads `version: 1`"),
            ));
        }

        // one_of attributes and their precedence.
        for (attribute, values) in &file.one_of {
            if values.is_empty() {
                problems.push(problem(
                    format!("one_of.{attribute}"),
                    "no values listed",
                    Some("list the attribute's values, strongest first"),
                ));
            }
            let mut seen = HashSet::new();
            for (i, v) in values.iter().enumerate() {
                if !vocabulary_values(attribute, v) {
                    problems.push(problem(
                        format!("one_of.{attribute}[{i}]"),
                        format!("`{v}` is not a declared value of `{attribute}`"),
                        Some("declare it in rules/vocabulary.yaml or fix the spelling"),
                    ));
                }
                if !seen.insert(v.as_str()) {
                    problems.push(problem(
                        format!("one_of.{attribute}[{i}]"),
                        format!("`{v}` is listed twice"),
                        None,
                    ));
                }
            }
        }

        // Negation.
        let after_sources: Vec<String> = file
            .negation
            .after
            .iter()
            .map(|a| format!("^(?:{a})"))
            .collect();
        let negation = Negation {
            after: compile_alternation(&after_sources, "negation.after", &mut problems),
            lead_ins: compile_alternation(
                &file.negation.lead_ins,
                "negation.lead_ins",
                &mut problems,
            ),
            cues: compile_alternation(&file.negation.cues, "negation.cues", &mut problems),
            ignore: compile_alternation(&file.negation.ignore, "negation.ignore", &mut problems),
            scope_breaks: compile_alternation(
                &file.negation.scope_breaks,
                "negation.scope_breaks",
                &mut problems,
            ),
            window_words: file.negation.window_words.unwrap_or(8),
        };
        if negation.window_words == 0 {
            problems.push(problem("negation.window_words", "must be at least 1", None));
        }

        let meta = compile_alternation(&file.meta_sentences, "meta_sentences", &mut problems);

        // Patterns.
        let mut ids: BTreeMap<&str, usize> = BTreeMap::new();
        let mut compiled = Vec::new();
        let mut sources = Vec::new();
        for (i, p) in file.patterns.iter().enumerate() {
            let at = format!("patterns[{i}]");
            if !valid_id(&p.id) {
                problems.push(problem(
                    format!("{at}.id"),
                    format!("invalid pattern id `{}`", p.id),
                    Some("use lowercase letters, digits, `.`, `-` and `_`, e.g. `purpose.ai_training.train-models`"),
                ));
            } else if let Some(first) = ids.insert(p.id.as_str(), i) {
                problems.push(problem(
                    format!("{at}.id"),
                    format!("duplicate pattern id `{}`", p.id),
                    Some(&format!("first used at patterns[{first}]")).map(|s| s.as_str()),
                ));
            }

            let mut alternatives = Vec::new();
            for (j, phrase) in p.phrases.iter().enumerate() {
                if phrase.trim().is_empty() {
                    problems.push(problem(format!("{at}.phrases[{j}]"), "empty phrase", None));
                } else {
                    alternatives.push(phrase_regex(&ascii_shadow(phrase)));
                }
            }
            let mut regex_ok = true;
            if let Some(r) = &p.regex {
                match build_regex(r) {
                    Ok(built) => {
                        if built.is_match(b"") {
                            regex_ok = false;
                            problems.push(problem(
                                format!("{at}.regex"),
                                "the regex matches the empty string",
                                Some("it would match every text; make it require some characters"),
                            ));
                        }
                        alternatives.push(format!("(?:{r})"));
                    }
                    Err(e) => {
                        regex_ok = false;
                        problems.push(problem(
                            format!("{at}.regex"),
                            format!("invalid regex: {e}"),
                            None,
                        ));
                    }
                }
            }
            if p.regex.is_none() && p.phrases.is_empty() {
                problems.push(problem(
                    at.clone(),
                    format!("pattern `{}` has neither `phrases` nor `regex`", p.id),
                    Some("add the phrases or the regex that signal its values"),
                ));
            }
            let requires = p.requires.as_ref().and_then(|r| match build_regex(r) {
                Ok(b) => Some(b),
                Err(e) => {
                    problems.push(problem(
                        format!("{at}.requires"),
                        format!("invalid regex: {e}"),
                        None,
                    ));
                    None
                }
            });
            let unless = p.unless.as_ref().and_then(|r| match build_regex(r) {
                Ok(b) => Some(b),
                Err(e) => {
                    problems.push(problem(
                        format!("{at}.unless"),
                        format!("invalid regex: {e}"),
                        None,
                    ));
                    None
                }
            });

            let set = check_assignments(
                &p.set,
                &format!("{at}.set"),
                &file.one_of,
                vocabulary_values,
                &mut problems,
            );
            let when_negated = check_assignments(
                &p.when_negated,
                &format!("{at}.when_negated"),
                &file.one_of,
                vocabulary_values,
                &mut problems,
            );
            if set.is_empty() && when_negated.is_empty() {
                problems.push(problem(
                    format!("{at}.set"),
                    format!("pattern `{}` sets nothing", p.id),
                    Some("add `set:` with the attribute values it signals"),
                ));
            }
            if !p.negatable && !when_negated.is_empty() {
                problems.push(problem(
                    format!("{at}.when_negated"),
                    "`when_negated` has no effect with `negatable: false`",
                    Some("remove one of them"),
                ));
            }

            if !(p.weight.is_finite() && p.weight > 0.0) {
                problems.push(problem(
                    format!("{at}.weight"),
                    format!("weight `{}` must be a positive number", p.weight),
                    None,
                ));
            }

            if alternatives.is_empty() || !regex_ok {
                continue;
            }
            let source = alternatives.join("|");
            match build_regex(&source).and_then(|_| build_scanner(&source)) {
                Ok(regex) => {
                    sources.push(source);
                    compiled.push(CompiledPattern {
                        id: p.id.clone(),
                        regex,
                        requires,
                        unless,
                        set,
                        when_negated,
                        negatable: p.negatable,
                        in_meta: p.in_meta_sentences,
                        weight: p.weight,
                    });
                }
                Err(e) => problems.push(problem(at, format!("invalid pattern: {e}"), None)),
            }
        }

        for (attribute, values) in &file.thresholds {
            for (value, t) in values {
                let at = format!("thresholds.{attribute}.{value}");
                if !vocabulary_values(attribute, value) {
                    problems.push(problem(
                        at.clone(),
                        format!("`{value}` is not a declared value of `{attribute}`"),
                        Some("declare it in rules/vocabulary.yaml, or fix the attribute or value name"),
                    ));
                }
                if !(t.min.is_finite() && t.min >= 0.0) {
                    problems.push(problem(
                        format!("{at}.min"),
                        "must be a number of at least 0",
                        None,
                    ));
                }
                if !(t.relative.is_finite() && (0.0..=1.0).contains(&t.relative)) {
                    problems.push(problem(
                        format!("{at}.relative"),
                        "must be a number from 0 to 1",
                        None,
                    ));
                }
            }
        }

        for (attribute, spec) in &file.fallback {
            let at = format!("fallback.{attribute}");
            if !file.thresholds.contains_key(attribute) {
                problems.push(problem(
                    at.clone(),
                    format!("`{attribute}` has no thresholds, so nothing falls back"),
                    Some("add thresholds for the attribute, or drop the fallback"),
                ));
            }
            if spec.values.is_empty() {
                problems.push(problem(
                    format!("{at}.values"),
                    "must list at least one value",
                    None,
                ));
            }
            for (i, value) in spec.values.iter().enumerate() {
                if !vocabulary_values(attribute, value) {
                    problems.push(problem(
                        format!("{at}.values[{i}]"),
                        format!("`{value}` is not a declared value of `{attribute}`"),
                        Some("declare it in rules/vocabulary.yaml, or fix the attribute or value name"),
                    ));
                }
            }
            if !(spec.min.is_finite() && spec.min >= 0.0) {
                problems.push(problem(
                    format!("{at}.min"),
                    "must be a number of at least 0",
                    None,
                ));
            }
        }

        if !problems.is_empty() {
            return Err(problems);
        }
        let prefilter = Prefilter::build(&sources);
        Ok(Classifier {
            patterns: compiled,
            prefilter,
            meta,
            negation,
            one_of: file.one_of,
            thresholds: file.thresholds,
            fallback: file.fallback,
        })
    }

    /// The number of compiled patterns.
    pub fn pattern_count(&self) -> usize {
        self.patterns.len()
    }

    /// The values a pattern sets; `None` for an unknown id.
    pub fn pattern_values(&self, id: &str) -> Option<PatternValues> {
        let p = self.patterns.iter().find(|p| p.id == id)?;
        let pairs = |a: &[Assignment]| {
            a.iter()
                .map(|a| (a.attribute.clone(), a.value.clone()))
                .collect::<Vec<_>>()
        };
        Some(PatternValues {
            set: pairs(&p.set),
            when_negated: pairs(&p.when_negated),
        })
    }

    /// The pattern ids, in file order.
    pub fn pattern_ids(&self) -> impl Iterator<Item = &str> {
        self.patterns.iter().map(|p| p.id.as_str())
    }

    /// Time each pattern (and the pre-filter, reported as `(prefilter)`) over `text` as
    /// [`Classifier::classify`] runs them: a pattern the pre-filter rules out is not run (its
    /// time is zero). Slowest first, with the number of raw matches: a tool for authors whose
    /// new pattern made classification slow, or whose literals do not filter.
    pub fn profile(&self, text: &str) -> Vec<PatternProfile> {
        let shadow = ascii_shadow(text);
        let hay = shadow.as_bytes();
        let mut out = Vec::new();
        let t = std::time::Instant::now();
        let first_chance = self.prefilter.candidates(hay, self.patterns.len());
        out.push(PatternProfile {
            id: "(prefilter)".to_string(),
            time: t.elapsed(),
            ran: true,
            matches: 0,
        });
        for (p, first) in self.patterns.iter().zip(first_chance) {
            let t = std::time::Instant::now();
            let matches = first.map_or(0, |range| {
                p.regex
                    .find_iter(regex_automata::Input::new(hay).range(range.0..range.1))
                    .count()
            });
            out.push(PatternProfile {
                id: p.id.clone(),
                time: t.elapsed(),
                ran: first.is_some(),
                matches,
            });
        }
        out.sort_by(|a, b| b.time.cmp(&a.time).then_with(|| a.id.cmp(&b.id)));
        out
    }

    /// Classify one text (a provision, a paragraph, or a whole policy).
    pub fn classify(&self, text: &str) -> Classification {
        self.classify_skipping(text, &[])
    }

    /// Like [`Classifier::classify`], but a match that starts inside one of the char ranges
    /// `skip` counts for nothing: a table of contents ([`contents::contents_entries`]) or a
    /// heading ([`contents::is_heading_line`]) names practices without stating them.
    pub fn classify_skipping(&self, text: &str, skip: &[(usize, usize)]) -> Classification {
        let found = self.find(text, skip);
        if found.is_empty() {
            return Classification::default();
        }
        self.assemble(text, found)
    }

    /// Every match of every pattern in `text`, each as the evidence it would give: after the
    /// pattern's `requires`, `unless`, meta-sentence and negation checks, but before the
    /// thresholds, the fallback and the one_of choices decide which values are kept. What each
    /// pattern finds on its own, for authors (`clausemap bench classify --dev --pattern ID`).
    /// Sorted like [`Classification::evidence`].
    pub fn matches(&self, text: &str) -> Vec<Evidence> {
        let found = self.find(text, &[]);
        let spans: Vec<(usize, usize)> = found.values().flatten().copied().collect();
        let texts = char_slices(text, &spans);
        let mut out: Vec<Evidence> = found
            .into_iter()
            .flat_map(|((attribute, value, index), spans)| {
                let pattern = self
                    .patterns
                    .get(index)
                    .map(|p| p.id.clone())
                    .unwrap_or_default();
                spans
                    .into_iter()
                    .map(|(start, end)| Evidence {
                        attribute: attribute.clone(),
                        value: value.clone(),
                        pattern: pattern.clone(),
                        start,
                        end,
                        text: texts.get(&(start, end)).cloned().unwrap_or_default(),
                    })
                    .collect::<Vec<_>>()
            })
            .collect();
        sort_evidence(&mut out);
        out
    }

    /// The matches in `text` that do not start inside a range of `skip`: (attribute, value,
    /// pattern index) → spans (char offsets).
    fn find(
        &self,
        text: &str,
        skip: &[(usize, usize)],
    ) -> BTreeMap<(String, String, usize), Vec<(usize, usize)>> {
        let shadow = ascii_shadow(text);
        if shadow.is_empty() {
            return BTreeMap::new();
        }
        let sentences = sentence_bounds(&shadow);
        // A heading fused to the text ("Third Party Disclosure We do not sell …", common when
        // markup was stripped) names a topic but makes no claim: claim patterns (negatable
        // ones) skip matches that lie inside it.
        let heading_end = heading_prefix_end(&shadow);
        // (pattern, negated, assignment) -> spans; turned into attribute values at the end, so
        // that a match costs no allocation.
        let mut hits: BTreeMap<(usize, bool, usize), Vec<(usize, usize)>> = BTreeMap::new();
        let hay = shadow.as_bytes();
        // Per sentence, the negation cues in it (found once, when a match there first needs
        // them): a match with no cue before it in its clause, or after it, is not negated,
        // and needs no further look.
        let mut cue_cache: Vec<Option<Vec<(usize, usize)>>> = vec![None; sentences.len()];
        let mut meta_cache: std::collections::HashMap<usize, bool> =
            std::collections::HashMap::new();
        let mut context_cache: std::collections::HashMap<(usize, usize), bool> =
            std::collections::HashMap::new();
        // List items under a lead-in that negates them ("You must not:"), as byte ranges.
        let negated_items = self.negated_list_items(&shadow);
        let first_chance = self.prefilter.candidates(hay, self.patterns.len());
        for (index, first) in first_chance.into_iter().enumerate() {
            let Some(first) = first else { continue };
            let Some(pattern) = self.patterns.get(index) else {
                continue;
            };
            // One `find_iter` over the pre-filter's range, not repeated `find_at` calls: the
            // iterator carries the regex crate's guard against quadratic re-scanning (measured:
            // `find_at` loops went quadratic on 100 KB without sentence breaks). Look-arounds
            // (`\b`) at the ends of the range still see the text beyond it.
            for m in pattern
                .regex
                .find_iter(regex_automata::Input::new(hay).range(first.0..first.1))
            {
                if m.start() == m.end()
                    || skip.iter().any(|&(a, b)| a <= m.start() && m.start() < b)
                {
                    continue;
                }
                let (s_idx, s_start, s_end) = sentence_of(&sentences, m.start(), shadow.len());
                if pattern.negatable && m.end() <= heading_end {
                    continue;
                }
                // INVARIANT: every context check below runs at most once per sentence (meta) or
                // once per (pattern, sentence) (requires / unless), so the total work stays
                // linear in the text even when a sentence holds thousands of matches.
                let sentence = hay.get(s_start..s_end).unwrap_or(b"");
                if !pattern.in_meta {
                    if let Some(meta) = &self.meta {
                        if *meta_cache
                            .entry(s_idx)
                            .or_insert_with(|| meta.is_match(sentence))
                        {
                            continue;
                        }
                    }
                }
                if pattern.requires.is_some() || pattern.unless.is_some() {
                    let context_ok = *context_cache.entry((index, s_idx)).or_insert_with(|| {
                        pattern
                            .requires
                            .as_ref()
                            .is_none_or(|r| r.is_match(sentence))
                            && !pattern
                                .unless
                                .as_ref()
                                .is_some_and(|u| u.is_match(sentence))
                    });
                    if !context_ok {
                        continue;
                    }
                }
                let negated = pattern.negatable && {
                    let cues = match cue_cache.get_mut(s_idx) {
                        Some(Some(c)) => &*c,
                        Some(slot) => &*slot.insert(self.cues_in(hay, s_start, s_end)),
                        None => &[][..],
                    };
                    let from = s_start.max(m.start().saturating_sub(NEGATION_LOOKBACK_CHARS));
                    let after_end = s_end.min(m.end().saturating_add(NEGATION_LOOKAHEAD_CHARS));
                    let cue_before = cues.iter().any(|&(a, b)| a >= from && b <= m.start());
                    let cue_after = cues.iter().any(|&(a, _)| a >= m.end() && a < after_end);
                    ((cue_before && self.is_negated(&shadow, s_start, m.start()))
                        || (cue_after && self.is_negated_after(hay, m.end(), s_end)))
                        && !self.starts_with_scope_break(hay, m.start(), m.end())
                        || negated_items
                            .iter()
                            .any(|&(a, b)| a <= m.start() && m.start() < b)
                };
                let assignments = if negated {
                    &pattern.when_negated
                } else {
                    &pattern.set
                };
                for i in 0..assignments.len() {
                    let spans = hits.entry((index, negated, i)).or_default();
                    if spans.len() < MAX_EVIDENCE_PER_PATTERN_VALUE {
                        spans.push((m.start(), m.end()));
                    }
                }
            }
        }
        // (attribute, value, pattern) -> spans
        let mut found: BTreeMap<(String, String, usize), Vec<(usize, usize)>> = BTreeMap::new();
        for ((index, negated, i), spans) in hits {
            let Some(pattern) = self.patterns.get(index) else {
                continue;
            };
            let assignments = if negated {
                &pattern.when_negated
            } else {
                &pattern.set
            };
            if let Some(a) = assignments.get(i) {
                let all = found
                    .entry((a.attribute.clone(), a.value.clone(), index))
                    .or_default();
                all.extend(spans);
                all.sort_unstable();
                all.dedup();
                all.truncate(MAX_EVIDENCE_PER_PATTERN_VALUE);
            }
        }
        found
    }

    /// The negation cues of the sentence `start..end` (byte offsets into the shadow), as
    /// absolute spans; a cue inside an ignored phrase ("not limited to") does not count.
    fn cues_in(&self, hay: &[u8], start: usize, end: usize) -> Vec<(usize, usize)> {
        let (Some(cues), Some(sentence)) = (&self.negation.cues, hay.get(start..end)) else {
            return Vec::new();
        };
        let ignored: Vec<(usize, usize)> = match &self.negation.ignore {
            Some(ignore) => ignore
                .find_iter(sentence)
                .map(|m| (m.start(), m.end()))
                .collect(),
            None => Vec::new(),
        };
        cues.find_iter(sentence)
            .filter(|c| !ignored.iter().any(|&(a, b)| c.start() < b && a < c.end()))
            .map(|c| (start + c.start(), start + c.end()))
            .collect()
    }

    /// Whether the match itself opens with a scope break ("unless you opt in"): then no
    /// negation before it reaches it.
    fn starts_with_scope_break(&self, hay: &[u8], start: usize, end: usize) -> bool {
        let Some(breaks) = &self.negation.scope_breaks else {
            return false;
        };
        hay.get(start..end.min(start.saturating_add(24)))
            .and_then(|head| breaks.find(head))
            .is_some_and(|b| b.start() == 0)
    }

    /// The byte ranges of list items (lines starting `- `) whose lead-in line, the line just
    /// above their run, ends with a colon and negates them (`negation.lead_ins`, with no word
    /// that breaks scope after the cue).
    fn negated_list_items(&self, shadow: &str) -> Vec<(usize, usize)> {
        let Some(lead_ins) = &self.negation.lead_ins else {
            return Vec::new();
        };
        let mut out = Vec::new();
        if !shadow.contains("\n- ") {
            return out;
        }
        // (start, end) of each line.
        let mut lines = Vec::new();
        let mut at = 0;
        for line in shadow.split('\n') {
            lines.push((at, at + line.len()));
            at += line.len() + 1;
        }
        let is_item =
            |(a, b): (usize, usize)| shadow.get(a..b).is_some_and(|l| l.starts_with("- "));
        let mut i = 1;
        while i < lines.len() {
            if !is_item(lines[i]) || is_item(lines[i - 1]) {
                i += 1;
                continue;
            }
            let (la, lb) = lines[i - 1];
            let line = shadow.get(la..lb).unwrap_or("").trim_end();
            // Only the sentence that leads into the list: in "We do not sell it. We share it
            // with:" the first sentence's negation does not reach the items.
            let lead = line
                .rfind(['.', '!', '?', ';'])
                .map_or(line, |k| &line[k + 1..])
                .trim_start();
            let negates = lead.ends_with(':') && {
                // "not limited to" and the like are no negation (`negation.ignore`).
                let lead = self.mask_ignored(lead.as_bytes());
                lead_ins.find_iter(&lead).any(|cue| {
                    let rest = lead
                        .get(cue.end()..lead.len().saturating_sub(1))
                        .unwrap_or(b"");
                    // A word that breaks scope ("except", "unless", "but", "only"); the
                    // punctuation breaks (a comma before a new clause) are the lead-in's own
                    // syntax ("you may not use, or help another person to use, our Services
                    // in the following ways:").
                    !self.negation.scope_breaks.as_ref().is_some_and(|b| {
                        b.find_iter(rest)
                            .any(|m| rest.get(m.start()).is_some_and(u8::is_ascii_alphabetic))
                    })
                })
            };
            let first = i;
            while i < lines.len() && is_item(lines[i]) {
                i += 1;
            }
            if negates {
                out.push((lines[first].0, lines[i - 1].1));
            }
        }
        out
    }

    /// Whether a negation follows the match in its clause ("… is never shared").
    fn is_negated_after(&self, hay: &[u8], at: usize, sentence_end: usize) -> bool {
        let Some(after) = &self.negation.after else {
            return false;
        };
        let end = sentence_end.min(at.saturating_add(NEGATION_LOOKAHEAD_CHARS));
        hay.get(at..end).is_some_and(|rest| after.is_match(rest))
    }

    /// Whether the clause before `at` (within the sentence starting at `sentence_start`)
    /// carries a negation cue whose scope reaches `at`.
    fn is_negated(&self, shadow: &str, sentence_start: usize, at: usize) -> bool {
        let Some(cues) = &self.negation.cues else {
            return false;
        };
        let from = sentence_start.max(at.saturating_sub(NEGATION_LOOKBACK_CHARS));
        let Some(prefix) = shadow.as_bytes().get(from..at) else {
            return false;
        };
        // Cut at the last scope break.
        let mut clause_start = 0;
        if let Some(breaks) = &self.negation.scope_breaks {
            for b in breaks.find_iter(prefix) {
                clause_start = b.end();
            }
        }
        let clause = prefix.get(clause_start..).unwrap_or(b"");
        // Keep only the last `window_words` words.
        let mut words = 0;
        let mut window_start = 0;
        let bytes = clause;
        let mut i = bytes.len();
        let mut in_word = false;
        while i > 0 {
            let c = bytes[i - 1];
            let space = c.is_ascii_whitespace();
            if !space && !in_word {
                words += 1;
                if words > self.negation.window_words {
                    window_start = i;
                    break;
                }
            }
            in_word = !space;
            i -= 1;
        }
        let window = clause.get(window_start..).unwrap_or(b"");
        cues.is_match(&self.mask_ignored(window))
    }

    /// `text` with the phrases of `negation.ignore` ("not limited to") blanked out, at the
    /// same length.
    fn mask_ignored<'t>(&self, text: &'t [u8]) -> std::borrow::Cow<'t, [u8]> {
        match &self.negation.ignore {
            Some(ignore) if ignore.is_match(text) => ignore
                .replace_all(text, |c: &regex::bytes::Captures<'_>| {
                    vec![b' '; c.get(0).map_or(0, |m| m.len())]
                }),
            _ => std::borrow::Cow::Borrowed(text),
        }
    }

    fn assemble(
        &self,
        text: &str,
        found: BTreeMap<(String, String, usize), Vec<(usize, usize)>>,
    ) -> Classification {
        let found = self.apply_thresholds(found);
        // Pick the winning value of each one_of attribute.
        let mut one_of_winner: BTreeMap<&str, &str> = BTreeMap::new();
        for (attribute, order) in &self.one_of {
            if let Some(v) = order
                .iter()
                .find(|v| found.keys().any(|(a, val, _)| a == attribute && val == *v))
            {
                one_of_winner.insert(attribute.as_str(), v.as_str());
            }
        }
        let mut sets: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        let mut evidence = Vec::new();
        let mut spans_needed: Vec<(usize, usize)> = Vec::new();
        for ((attribute, value, index), spans) in &found {
            if let Some(winner) = one_of_winner.get(attribute.as_str()) {
                if winner != value {
                    continue;
                }
            }
            sets.entry(attribute.clone())
                .or_default()
                .insert(value.clone());
            let pattern = self
                .patterns
                .get(*index)
                .map(|p| p.id.clone())
                .unwrap_or_default();
            for &(start, end) in spans {
                spans_needed.push((start, end));
                evidence.push(Evidence {
                    attribute: attribute.clone(),
                    value: value.clone(),
                    pattern: pattern.clone(),
                    start,
                    end,
                    text: String::new(),
                });
            }
        }
        // Fill in the evidence text from the original (char offsets = shadow byte offsets).
        let texts = char_slices(text, &spans_needed);
        for e in &mut evidence {
            if let Some(t) = texts.get(&(e.start, e.end)) {
                e.text = t.clone();
            }
        }
        sort_evidence(&mut evidence);
        let attributes = sets
            .into_iter()
            .map(|(attribute, values)| {
                let value = if self.one_of.contains_key(&attribute) {
                    AttributeValue::One(values.into_iter().next().unwrap_or_default())
                } else {
                    AttributeValue::Set(values.into_iter().collect())
                };
                (attribute, value)
            })
            .collect();
        Classification {
            attributes,
            evidence,
        }
    }
}

/// Evidence in reading order: by offset, then attribute, value, pattern.
fn sort_evidence(evidence: &mut [Evidence]) {
    evidence.sort_by(|a, b| {
        (a.start, a.end, &a.attribute, &a.value, &a.pattern).cmp(&(
            b.start,
            b.end,
            &b.attribute,
            &b.value,
            &b.pattern,
        ))
    });
}

impl Classifier {
    /// Drop the values whose evidence does not reach their threshold: the total weight of
    /// their matches must reach `min`, and `relative` times the weight of the strongest value
    /// of the same attribute.
    fn apply_thresholds(
        &self,
        mut found: BTreeMap<(String, String, usize), Vec<(usize, usize)>>,
    ) -> BTreeMap<(String, String, usize), Vec<(usize, usize)>> {
        if self.thresholds.is_empty() {
            return found;
        }
        let mut score: BTreeMap<(&str, &str), f64> = BTreeMap::new();
        for ((attribute, value, index), spans) in &found {
            if self.thresholds.contains_key(attribute) {
                let w = self.patterns.get(*index).map_or(1.0, |p| p.weight);
                *score.entry((attribute, value)).or_default() += w * spans.len() as f64;
            }
        }
        let mut strongest: BTreeMap<&str, f64> = BTreeMap::new();
        for (&(attribute, _), &s) in &score {
            let best = strongest.entry(attribute).or_default();
            *best = best.max(s);
        }
        let mut dropped: BTreeSet<(String, String)> = score
            .iter()
            .filter(|(&(attribute, value), &s)| {
                self.thresholds
                    .get(attribute)
                    .and_then(|vs| vs.get(value))
                    .is_some_and(|t| {
                        let best = strongest.get(attribute).copied().unwrap_or(0.0);
                        s + 1e-9 < t.min || s + 1e-9 < t.relative * best
                    })
            })
            .map(|(&(a, v), _)| (a.to_string(), v.to_string()))
            .collect();
        // Fallbacks: when none of the listed values survived, keep the strongest dropped one.
        for (attribute, spec) in &self.fallback {
            let listed = |v: &str| spec.values.iter().position(|x| x == v);
            let survived = score.keys().any(|&(a, v)| {
                a == attribute
                    && listed(v).is_some()
                    && !dropped.contains(&(a.to_string(), v.to_string()))
            });
            if survived {
                continue;
            }
            let best = score
                .iter()
                .filter(|(&(a, v), &s)| {
                    a == attribute && s + 1e-9 >= spec.min && listed(v).is_some()
                })
                .max_by(|(&(_, v1), s1), (&(_, v2), s2)| {
                    s1.total_cmp(s2).then_with(|| listed(v2).cmp(&listed(v1)))
                })
                .map(|(&(a, v), _)| (a.to_string(), v.to_string()));
            if let Some(keep) = best {
                dropped.remove(&keep);
            }
        }
        if !dropped.is_empty() {
            found.retain(|(a, v, _), _| !dropped.contains(&(a.clone(), v.clone())));
        }
        found
    }
}

fn check_assignments(
    map: &BTreeMap<String, OneOrMany>,
    path: &str,
    one_of: &BTreeMap<String, Vec<String>>,
    vocabulary_values: &dyn Fn(&str, &str) -> bool,
    problems: &mut Vec<ClassifierProblem>,
) -> Vec<Assignment> {
    let mut out = Vec::new();
    for (attribute, values) in map {
        let values = values.values();
        if values.is_empty() {
            problems.push(problem(
                format!("{path}.{attribute}"),
                "no value given",
                None,
            ));
        }
        if let Some(order) = one_of.get(attribute) {
            if values.len() > 1 {
                problems.push(problem(
                    format!("{path}.{attribute}"),
                    format!("`{attribute}` is one_of: a pattern can set only one value"),
                    Some("split the pattern in two"),
                ));
            }
            for v in &values {
                if !order.contains(v) {
                    problems.push(problem(
                        format!("{path}.{attribute}"),
                        format!("`{v}` is not listed under `one_of.{attribute}`"),
                        Some("add it to the precedence list at the top of the file"),
                    ));
                }
            }
        }
        for v in values {
            if !vocabulary_values(attribute, &v) {
                problems.push(problem(
                    format!("{path}.{attribute}"),
                    format!("`{v}` is not a declared value of `{attribute}`"),
                    Some("declare it in rules/vocabulary.yaml, or fix the attribute or value name"),
                ));
            }
            out.push(Assignment {
                attribute: attribute.clone(),
                value: v,
            });
        }
    }
    out
}

// ------------------------------------------------------------------------------------------
// Text helpers
// ------------------------------------------------------------------------------------------

/// One ASCII byte per char of `text`: typographic quotes, dashes and spaces become their ASCII
/// forms, common accented letters their base letter, other letters and digits `x`, anything
/// else a space. Byte offsets into the result are char offsets into `text`.
pub fn ascii_shadow(text: &str) -> String {
    text.chars().map(fold_char).collect()
}

fn fold_char(c: char) -> char {
    if c.is_ascii() {
        return if c == '\0' { ' ' } else { c };
    }
    match c {
        '\u{2018}' | '\u{2019}' | '\u{201A}' | '\u{201B}' | '\u{2032}' | '\u{00B4}'
        | '\u{0060}' => '\'',
        '\u{201C}' | '\u{201D}' | '\u{201E}' | '\u{201F}' | '\u{2033}' | '\u{00AB}'
        | '\u{00BB}' => '"',
        '\u{2010}'..='\u{2015}' | '\u{2212}' | '\u{00AD}' => '-',
        '\u{2028}' | '\u{2029}' | '\u{0085}' => '\n',
        '\u{2022}' | '\u{25AA}' | '\u{25CF}' | '\u{00B7}' => '*',
        '\u{2026}' => '.',
        'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' => 'a',
        'À' | 'Á' | 'Â' | 'Ã' | 'Ä' | 'Å' => 'A',
        'ç' => 'c',
        'Ç' => 'C',
        'è' | 'é' | 'ê' | 'ë' => 'e',
        'È' | 'É' | 'Ê' | 'Ë' => 'E',
        'ì' | 'í' | 'î' | 'ï' => 'i',
        'Ì' | 'Í' | 'Î' | 'Ï' => 'I',
        'ñ' => 'n',
        'Ñ' => 'N',
        'ò' | 'ó' | 'ô' | 'õ' | 'ö' | 'ø' => 'o',
        'Ò' | 'Ó' | 'Ô' | 'Õ' | 'Ö' | 'Ø' => 'O',
        'ù' | 'ú' | 'û' | 'ü' => 'u',
        'Ù' | 'Ú' | 'Û' | 'Ü' => 'U',
        'ý' | 'ÿ' => 'y',
        'ß' => 's',
        c if c.is_whitespace() => ' ',
        c if c.is_alphanumeric() => 'x',
        _ => ' ',
    }
}

/// Sentence starts (byte offsets into the ASCII shadow), sorted; the first is 0.
/// A sentence ends at a newline, or after `.`, `!`, `?` (and closing quotes or brackets)
/// followed by whitespace and then a capital letter, digit, quote, bracket or bullet.
fn sentence_bounds(shadow: &str) -> Vec<usize> {
    let b = shadow.as_bytes();
    let mut starts = vec![0];
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        if c == b'\n' {
            starts.push(i + 1);
        } else if c == b'.' || c == b'!' || c == b'?' {
            let mut j = i + 1;
            while j < b.len() && matches!(b[j], b'"' | b'\'' | b')' | b']') {
                j += 1;
            }
            let ws_start = j;
            while j < b.len() && (b[j] == b' ' || b[j] == b'\t' || b[j] == b'\r') {
                j += 1;
            }
            if j > ws_start
                && j < b.len()
                && (b[j].is_ascii_uppercase()
                    || b[j].is_ascii_digit()
                    || matches!(b[j], b'"' | b'(' | b'[' | b'*' | b'-' | b'\''))
            {
                starts.push(j);
                i = j;
                continue;
            }
        }
        i += 1;
    }
    starts
}

/// The end of a heading-like prefix of `shadow`: at least two leading words that are all
/// capitalised (or small joining words, numbers, list marks), followed by more text. 0 when
/// there is none.
fn heading_prefix_end(shadow: &str) -> usize {
    const JOINERS: [&str; 18] = [
        "of", "and", "or", "to", "with", "the", "a", "an", "for", "in", "on", "your", "our", "by",
        "from", "about", "&", "-",
    ];
    let mut end = 0;
    let mut words = 0;
    let mut pos = 0;
    for word in shadow.split([' ', '\t', '\n', '\r']) {
        let start = pos;
        pos += word.len() + 1;
        if word.is_empty() {
            continue;
        }
        let first_alpha = word.chars().find(|c| c.is_ascii_alphabetic());
        let qualifies = match first_alpha {
            Some(c) => {
                c.is_ascii_uppercase()
                    || JOINERS.contains(
                        &word.trim_matches(|c: char| !c.is_ascii_alphanumeric() && c != '&'),
                    )
            }
            None => true,
        };
        if !qualifies || words >= 20 {
            break;
        }
        words += 1;
        end = start + word.len();
        // A heading ends at a sentence end.
        if word.ends_with('.') || word.ends_with(':') || word.ends_with('?') {
            break;
        }
    }
    if words >= 2 && end < shadow.trim_end().len() {
        end
    } else {
        0
    }
}

/// The sentence containing byte offset `at`: (index, start, end).
fn sentence_of(starts: &[usize], at: usize, len: usize) -> (usize, usize, usize) {
    let idx = match starts.binary_search(&at) {
        Ok(i) => i,
        Err(i) => i.saturating_sub(1),
    };
    let start = starts.get(idx).copied().unwrap_or(0);
    let end = starts.get(idx + 1).copied().unwrap_or(len);
    (idx, start, end.max(start))
}

/// The original text of each (char start, char end) span.
fn char_slices(text: &str, spans: &[(usize, usize)]) -> BTreeMap<(usize, usize), String> {
    let mut points: Vec<usize> = spans.iter().flat_map(|&(s, e)| [s, e]).collect();
    points.sort_unstable();
    points.dedup();
    let mut byte_at: BTreeMap<usize, usize> = BTreeMap::new();
    let mut next = points.iter().peekable();
    for (char_index, (byte_index, _)) in text.char_indices().enumerate() {
        while let Some(&&p) = next.peek() {
            if p == char_index {
                byte_at.insert(p, byte_index);
                next.next();
            } else if p < char_index {
                next.next();
            } else {
                break;
            }
        }
        if next.peek().is_none() {
            break;
        }
    }
    for p in next {
        byte_at.insert(*p, text.len());
    }
    spans
        .iter()
        .map(|&(s, e)| {
            let bs = byte_at.get(&s).copied().unwrap_or(text.len());
            let be = byte_at.get(&e).copied().unwrap_or(text.len());
            ((s, e), text.get(bs..be.max(bs)).unwrap_or("").to_string())
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(yaml_patterns: Vec<PatternSpec>) -> ClassifierFile {
        ClassifierFile {
            version: 1,
            negation: NegationSpec {
                cues: vec![r"\bnot\b".into(), r"\bnever\b".into(), r"n't\b".into()],
                ignore: vec![r"not limited to".into()],
                scope_breaks: vec![r"\bexcept\b".into(), r"\bunless\b".into()],
                window_words: None,
                after: vec![],
                lead_ins: vec![],
            },
            one_of: BTreeMap::from([(
                "consent".to_string(),
                vec!["opt_in".to_string(), "opt_out".to_string()],
            )]),
            meta_sentences: vec![],
            thresholds: BTreeMap::new(),
            fallback: BTreeMap::new(),
            patterns: yaml_patterns,
        }
    }

    fn pat(id: &str, phrases: &[&str], attr: &str, value: &str) -> PatternSpec {
        PatternSpec {
            id: id.into(),
            doc: None,
            phrases: phrases.iter().map(|s| s.to_string()).collect(),
            regex: None,
            requires: None,
            unless: None,
            set: BTreeMap::from([(attr.to_string(), OneOrMany::One(value.to_string()))]),
            when_negated: BTreeMap::new(),
            negatable: true,
            in_meta_sentences: false,
            weight: 1.0,
        }
    }

    fn any(_: &str, _: &str) -> bool {
        true
    }

    #[test]
    fn negation_and_scope() {
        let c = Classifier::compile(
            file(vec![
                pat("sale", &["sell"], "purpose", "sale"),
                pat(
                    "sp",
                    &["service providers"],
                    "recipients",
                    "service_providers",
                ),
                pat("optin", &["opt in"], "consent", "opt_in"),
            ]),
            &any,
        )
        .unwrap();
        assert!(!c
            .classify("We do not sell your data.")
            .has("purpose", "sale"));
        assert!(!c
            .classify("We don’t sell your data.")
            .has("purpose", "sale"));
        assert!(c.classify("We sell your data.").has("purpose", "sale"));
        let r = c.classify("We will never share it except with service providers.");
        assert!(r.has("recipients", "service_providers"));
        let r = c.classify("We will not share it unless you opt in.");
        assert_eq!(
            r.attributes.get("consent"),
            Some(&AttributeValue::One("opt_in".into()))
        );
    }

    #[test]
    fn a_value_lies_within_its_ancestors_only() {
        assert!(value_within(
            "personal.location.precise",
            "personal.location"
        ));
        assert!(value_within("personal.location", "personal.location"));
        assert!(value_within("personal.location", "personal"));
        assert!(!value_within("personal", "person"));
        assert!(!value_within("personal", "personal.location"));
    }

    #[test]
    fn thresholds_need_enough_evidence() {
        let mut f = file(vec![
            pat("share", &["share"], "topic", "sharing"),
            pat("opt", &["opt out"], "topic", "choice"),
        ]);
        f.thresholds = BTreeMap::from([(
            "topic".to_string(),
            BTreeMap::from([(
                "choice".to_string(),
                ThresholdSpec {
                    min: 1.0,
                    relative: 0.5,
                },
            )]),
        )]);
        let c = Classifier::compile(f, &any).unwrap();
        // A passing mention next to a stronger topic is dropped, with its evidence.
        let r = c.classify("We share it. We share it again. We share it a third time. Opt out.");
        assert!(r.has("topic", "sharing"));
        assert!(!r.has("topic", "choice"));
        assert!(r.evidence.iter().all(|e| e.value != "choice"));
        // What the text is about is kept.
        let r = c.classify("We share it. You can opt out. To opt out, write to us.");
        assert!(r.has("topic", "choice"));
        // `matches` reports what each pattern found before the thresholds: the passing
        // mention the classification dropped is there, with its span and text.
        let text = "We share it. We share it again. We share it a third time. Opt out.";
        let m = c.matches(text);
        assert_eq!(m.iter().filter(|e| e.pattern == "share").count(), 3);
        let opt: Vec<_> = m.iter().filter(|e| e.pattern == "opt").collect();
        assert_eq!(opt.len(), 1);
        assert_eq!(
            (opt[0].start, opt[0].end, opt[0].text.as_str()),
            (58, 65, "Opt out")
        );
        assert!(c.matches("").is_empty());
        let mut bad = file(vec![pat("x", &["x"], "topic", "choice")]);
        bad.patterns[0].weight = -1.0;
        bad.thresholds = BTreeMap::from([(
            "topic".to_string(),
            BTreeMap::from([(
                "choice".to_string(),
                ThresholdSpec {
                    min: 0.0,
                    relative: 2.0,
                },
            )]),
        )]);
        let problems = Classifier::compile(bad, &any).unwrap_err();
        let paths: Vec<_> = problems.iter().map(|p| p.path.as_str()).collect();
        assert!(paths.contains(&"patterns[0].weight"), "{paths:?}");
        assert!(
            paths.contains(&"thresholds.topic.choice.relative"),
            "{paths:?}"
        );
    }

    #[test]
    fn a_fallback_keeps_the_strongest_value_when_none_passes() {
        let mut f = file(vec![
            pat("share", &["share"], "topic", "sharing"),
            pat("opt", &["opt out"], "topic", "choice"),
            pat("mail", &["write to us"], "topic", "contact"),
        ]);
        f.patterns[1].weight = 0.5;
        let t = ThresholdSpec {
            min: 1.5,
            relative: 0.0,
        };
        f.thresholds = BTreeMap::from([(
            "topic".to_string(),
            BTreeMap::from([("choice".to_string(), t), ("sharing".to_string(), t)]),
        )]);
        f.fallback = BTreeMap::from([(
            "topic".to_string(),
            FallbackSpec {
                values: vec!["sharing".into(), "choice".into()],
                min: 0.5,
            },
        )]);
        let c = Classifier::compile(f.clone(), &any).unwrap();
        // Nothing passes: the strongest listed value is kept (a value not listed does not
        // count as passing).
        let r = c.classify("You may opt out. To opt out, write to us.");
        assert!(r.has("topic", "choice") && r.has("topic", "contact"));
        // A tie goes to the value listed first; only one value is kept.
        let r = c.classify("We share it. Opt out. Opt out.");
        assert!(r.has("topic", "sharing") && !r.has("topic", "choice"));
        // A value that passes keeps the others out.
        let r = c.classify("We share it; we share it again. Opt out.");
        assert!(r.has("topic", "sharing") && !r.has("topic", "choice"));
        // Below the fallback's own minimum nothing is kept.
        f.fallback.get_mut("topic").unwrap().min = 1.0;
        let c = Classifier::compile(f.clone(), &any).unwrap();
        assert!(!c.classify("You may opt out.").has("topic", "choice"));
        // An attribute without thresholds, or an undeclared value, is a problem.
        f.fallback.insert(
            "purpose".into(),
            FallbackSpec {
                values: vec!["nope".into()],
                min: -1.0,
            },
        );
        let problems = Classifier::compile(f, &|_, v| v != "nope").unwrap_err();
        let paths: Vec<_> = problems.iter().map(|p| p.path.as_str()).collect();
        assert!(paths.contains(&"fallback.purpose"), "{paths:?}");
        assert!(paths.contains(&"fallback.purpose.values[0]"), "{paths:?}");
        assert!(paths.contains(&"fallback.purpose.min"), "{paths:?}");
    }

    #[test]
    fn evidence_offsets_are_chars() {
        let c = Classifier::compile(file(vec![pat("sale", &["sell"], "purpose", "sale")]), &any)
            .unwrap();
        let r = c.classify("Ünïcödé “quotes” — we sell data");
        let e = &r.evidence[0];
        assert_eq!(e.text, "sell");
        let chars: String = "Ünïcödé “quotes” — we sell data"
            .chars()
            .skip(e.start)
            .take(e.end - e.start)
            .collect();
        assert_eq!(chars, "sell");
    }

    #[test]
    fn reports_all_problems() {
        let mut bad = pat("Bad Id", &[], "purpose", "nope");
        bad.regex = Some("(unclosed".into());
        let dup = pat("x", &["a"], "consent", "maybe");
        let dup2 = pat("x", &["b"], "purpose", "sale");
        let known = |a: &str, v: &str| !(v == "nope" || v == "maybe") || a.is_empty();
        let problems = Classifier::compile(file(vec![bad, dup, dup2]), &known).unwrap_err();
        let paths: Vec<_> = problems.iter().map(|p| p.path.as_str()).collect();
        assert!(paths.contains(&"patterns[0].id"));
        assert!(paths.contains(&"patterns[0].regex"));
        assert!(paths.contains(&"patterns[0].set.purpose"));
        assert!(paths.contains(&"patterns[1].set.consent"));
        assert!(paths.contains(&"patterns[2].id"));
    }

    #[test]
    fn no_panic_on_odd_input() {
        let c = Classifier::compile(file(vec![pat("sale", &["sell"], "purpose", "sale")]), &any)
            .unwrap();
        for t in [
            "",
            "\0\0",
            ".\n.\n",
            "sell",
            "not",
            "ü sell ü",
            &"x ".repeat(100_000),
        ] {
            let _ = c.classify(t);
        }
    }
}
