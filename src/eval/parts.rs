//! What every finding of one rule has in common, built once per rule set: the rule's strings,
//! shared (`Arc`) so that a finding costs no copy of them, and the rule's fixed part of the JSON
//! output, escaped once, so that writing a finding is mostly a copy of bytes.

use std::sync::Arc;

use super::reason::Reason;
use crate::rules::RuleSet;

/// Text shared between a rule and every finding it produces.
pub type Text = Arc<str>;

/// The fixed parts of one finding rule.
#[derive(Debug)]
pub struct Parts {
    pub rule: Text,
    pub regulation: Text,
    pub citation: Text,
    pub article: Text,
    pub title: Text,
    pub jurisdiction: Text,
    pub obligation: Text,
    pub agencies: Arc<[Text]>,
    pub actions: Arc<[Text]>,
    pub source: Text,
    /// `{"rule":…,"severity":"…","status":` — everything before the status.
    pub(crate) json_head: Box<str>,
    /// `,"obligation":…,"actions":[…],"because":` — between `in_force` and `because`.
    pub(crate) json_middle: Box<str>,
    /// `,"source":"…"` — after `missing`, before `review` and the closing brace.
    pub(crate) json_tail: Box<str>,
}

/// The parts of every rule, by rule index.
pub type PartsCache = std::sync::OnceLock<AllParts>;

#[derive(Debug)]
pub struct AllParts {
    /// `None` for scope and fact rules.
    findings: Vec<Option<Arc<Parts>>>,
    /// The finding rules, gravest first, then by jurisdiction, regulation and rule id, with
    /// what deciding their status reads, side by side in memory.
    ranked: Vec<Ranked>,
    /// `because` when another rule referred to holds: "title (`@id`)".
    referred: Vec<Reason>,
    /// `because` when a rule's scope holds: "title (`id`)".
    scoped: Vec<Reason>,
}

fn all(set: &RuleSet) -> &AllParts {
    set.parts_cache.get_or_init(|| {
        let findings = build(set);
        let mut by_rank: Vec<usize> = (0..findings.len())
            .filter(|&i| findings[i].is_some())
            .collect();
        by_rank.sort_by(|&a, &b| {
            let (a, b) = (&set.rules[a], &set.rules[b]);
            b.severity
                .cmp(&a.severity)
                .then(a.jurisdiction.cmp(&b.jurisdiction))
                .then(
                    set.packs[a.pack]
                        .regulation
                        .cmp(&set.packs[b.pack].regulation),
                )
                .then(a.id.cmp(&b.id))
        });
        let ranked = by_rank
            .iter()
            .map(|&i| {
                let rule = &set.rules[i];
                Ranked {
                    index: i,
                    in_force: rule.in_force,
                    valid_to: rule.valid_to,
                }
            })
            .collect();
        AllParts {
            findings,
            ranked,
            referred: set
                .rules
                .iter()
                .map(|r| Reason::new(&format!("{} (`@{}`)", r.title, r.id)))
                .collect(),
            scoped: set
                .rules
                .iter()
                .map(|r| Reason::new(&format!("{} (`{}`)", r.title, r.id)))
                .collect(),
        }
    })
}

/// A finding rule, with its dates.
#[derive(Clone, Copy, Debug)]
pub struct Ranked {
    pub index: usize,
    pub in_force: crate::date::Date,
    pub valid_to: Option<crate::date::Date>,
}

/// The finding rules, gravest first, then by jurisdiction, regulation and rule id: the order
/// findings are listed in (after those that apply come the others, in the same order). Each
/// with its dates, so that a provision's findings are sorted and dated without reading each rule.
pub fn ranked(set: &RuleSet) -> &[Ranked] {
    &all(set).ranked
}

/// The parts of rule `i` (a finding rule).
pub fn of(set: &RuleSet, i: usize) -> Option<&Arc<Parts>> {
    all(set).findings.get(i)?.as_ref()
}

/// The `because` line saying that rule `i`, referred to by another, holds.
pub fn referred_line(set: &RuleSet, i: usize) -> Reason {
    all(set)
        .referred
        .get(i)
        .cloned()
        .unwrap_or_else(|| Reason::new(""))
}

/// The `because` line saying that scope rule `i` holds.
pub fn scope_line(set: &RuleSet, i: usize) -> Reason {
    all(set)
        .scoped
        .get(i)
        .cloned()
        .unwrap_or_else(|| Reason::new(""))
}

fn build<'s>(set: &'s RuleSet) -> Vec<Option<Arc<Parts>>> {
    // One string per jurisdiction and per regulation, shared by their rules: flags group
    // findings by them, mostly comparing pointers.
    let mut shared: std::collections::HashMap<&str, Text> = std::collections::HashMap::new();
    let mut share =
        |s: &'s str| -> Text { shared.entry(s).or_insert_with(|| Text::from(s)).clone() };
    set.rules
        .iter()
        .map(|rule| {
            if !rule.is_finding() {
                return None;
            }
            let pack = &set.packs[rule.pack];
            let source = set.source_of(rule);
            let texts = |v: &[String]| -> Arc<[Text]> {
                v.iter().map(|s| Text::from(s.as_str())).collect()
            };
            let mut head = String::from("{\"rule\":");
            push_str(&mut head, &rule.id);
            for (key, value) in [
                ("regulation", pack.regulation.as_str()),
                ("citation", &rule.citation),
                ("article", &rule.article),
                ("title", &rule.title),
                ("jurisdiction", &rule.jurisdiction),
                ("severity", rule.severity.as_str()),
            ] {
                push_key(&mut head, key);
                push_str(&mut head, value);
            }
            head.push_str(",\"status\":");
            let mut middle = String::new();
            push_key(&mut middle, "obligation");
            push_str(&mut middle, &rule.obligation);
            push_key(&mut middle, "agencies");
            push_list(&mut middle, &rule.agencies);
            push_key(&mut middle, "actions");
            push_list(&mut middle, &rule.actions);
            push_key(&mut middle, "because");
            let mut tail = String::new();
            push_key(&mut tail, "source");
            push_str(&mut tail, source);
            Some(Arc::new(Parts {
                rule: rule.id.as_str().into(),
                regulation: share(&pack.regulation),
                citation: rule.citation.as_str().into(),
                article: rule.article.as_str().into(),
                title: rule.title.as_str().into(),
                jurisdiction: share(&rule.jurisdiction),
                obligation: rule.obligation.as_str().into(),
                agencies: texts(&rule.agencies),
                actions: texts(&rule.actions),
                source: source.into(),
                json_head: head.into(),
                json_middle: middle.into(),
                json_tail: tail.into(),
            }))
        })
        .collect()
}

/// `,"key":`
pub(crate) fn push_key(out: &mut String, key: &str) {
    out.push_str(",\"");
    out.push_str(key);
    out.push_str("\":");
}

/// A JSON array of strings.
pub(crate) fn push_list<S: AsRef<str>>(out: &mut String, items: &[S]) {
    out.push('[');
    for (n, s) in items.iter().enumerate() {
        if n > 0 {
            out.push(',');
        }
        push_str(out, s.as_ref());
    }
    out.push(']');
}

/// Which bytes JSON strings escape: `"`, `\\` and the control characters.
const ESCAPED: [bool; 256] = {
    let mut t = [false; 256];
    let mut b = 0;
    while b < 0x20 {
        t[b] = true;
        b += 1;
    }
    t[b'"' as usize] = true;
    t[b'\\' as usize] = true;
    t
};

/// A JSON string, escaped exactly as serde_json escapes it (so both writers agree byte for byte).
pub(crate) fn push_str(out: &mut String, s: &str) {
    out.reserve(s.len() + 2);
    out.push('"');
    push_escaped(out, s);
    out.push('"');
}

/// `s` escaped as inside a JSON string, without the quotes.
pub fn push_escaped(out: &mut String, s: &str) {
    let bytes = s.as_bytes();
    let mut start = 0;
    let mut i = 0;
    while i < bytes.len() {
        // Eight bytes at a time while none of them needs escaping.
        if let Some(chunk) = bytes.get(i..i + 8) {
            let word = u64::from_le_bytes(chunk.try_into().unwrap_or([0; 8]));
            let found = escapes_in(word);
            if found == 0 {
                i += 8;
                continue;
            }
            i += (found.trailing_zeros() / 8) as usize;
        } else if !ESCAPED[bytes[i] as usize] {
            i += 1;
            continue;
        }
        let b = bytes[i];
        out.push_str(&s[start..i]);
        match b {
            b'"' => out.push_str("\\\""),
            b'\\' => out.push_str("\\\\"),
            b'\n' => out.push_str("\\n"),
            b'\r' => out.push_str("\\r"),
            b'\t' => out.push_str("\\t"),
            0x08 => out.push_str("\\b"),
            0x0c => out.push_str("\\f"),
            _ => {
                const HEX: &[u8; 16] = b"0123456789abcdef";
                out.push_str("\\u00");
                out.push(HEX[(b >> 4) as usize] as char);
                out.push(HEX[(b & 0xf) as usize] as char);
            }
        }
        i += 1;
        start = i;
    }
    out.push_str(&s[start..]);
}

/// The bytes of `word` (little-endian) that JSON escapes, as the high bit of each such byte:
/// `"`, `\\` and those below 0x20. Exact for the lowest byte flagged, which is all the caller
/// uses (a borrow can only flag bytes above a flagged one).
fn escapes_in(word: u64) -> u64 {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let zero_byte = |w: u64| w.wrapping_sub(ONES) & !w & HIGH;
    let quote = zero_byte(word ^ (ONES * u64::from(b'"')));
    let backslash = zero_byte(word ^ (ONES * u64::from(b'\\')));
    let control = word.wrapping_sub(ONES * 0x20) & !word & HIGH;
    quote | backslash | control
}

#[cfg(test)]
mod tests {
    use super::push_str;

    /// Every ASCII character, alone and at every offset of a word, and text around them with
    /// multi-byte characters: escaped exactly as serde_json escapes them.
    #[test]
    fn escapes_as_serde_does() {
        let mut cases: Vec<String> = Vec::new();
        for c in (0u8..0x80).map(char::from) {
            for pad in 0..17 {
                cases.push(format!("{}{c}{}", "a".repeat(pad), "é".repeat(pad % 5)));
                cases.push(format!("{}{c}{c}x😀{c}", "b".repeat(pad)));
            }
        }
        cases.push(String::new());
        cases.push("\u{7f}\u{80}\u{2028} \"\\\u{1f}".repeat(9));
        for s in &cases {
            let mut ours = String::new();
            push_str(&mut ours, s);
            assert_eq!(ours, serde_json::to_string(s).unwrap(), "{s:?}");
        }
    }
}
