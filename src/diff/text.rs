//! Text comparison for `diff`: word-level diffs and similarity of clauses.
//!
//! [`words`] splits a clause at Unicode whitespace; [`word_diff`] gives the longest-common-
//! subsequence diff of two word lists as runs of kept, deleted and inserted words (common
//! prefix and suffix first, so a one-word edit in a long clause is cheap); [`similarity`] is
//! the Jaccard index of the two texts' word shingles, used to pair provisions whose id and
//! text both changed.

use std::collections::HashSet;

use serde::Serialize;

/// The largest table the LCS may fill (words × words); past it the middle is one replacement.
const MAX_CELLS: usize = 4_000_000;

/// What a run of words did.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Op {
    Same,
    Delete,
    Insert,
}

/// A run of words with one op.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Segment {
    pub op: Op,
    pub text: String,
}

/// The words of a text.
pub fn words(text: &str) -> Vec<&str> {
    text.split(char::is_whitespace)
        .filter(|w| !w.is_empty())
        .collect()
}

fn push(out: &mut Vec<Segment>, op: Op, word: &str) {
    match out.last_mut() {
        Some(last) if last.op == op => {
            last.text.push(' ');
            last.text.push_str(word);
        }
        _ => out.push(Segment {
            op,
            text: word.to_string(),
        }),
    }
}

/// The word-level diff of two texts.
pub fn word_diff(old: &str, new: &str) -> Vec<Segment> {
    let a = words(old);
    let b = words(new);
    let prefix = a.iter().zip(&b).take_while(|(x, y)| x == y).count();
    let suffix = a[prefix..]
        .iter()
        .rev()
        .zip(b[prefix..].iter().rev())
        .take_while(|(x, y)| x == y)
        .count();
    let (ma, mb) = (&a[prefix..a.len() - suffix], &b[prefix..b.len() - suffix]);
    let mut out = Vec::new();
    for w in &a[..prefix] {
        push(&mut out, Op::Same, w);
    }
    if ma.len().saturating_mul(mb.len()) > MAX_CELLS {
        for w in ma {
            push(&mut out, Op::Delete, w);
        }
        for w in mb {
            push(&mut out, Op::Insert, w);
        }
    } else {
        lcs_diff(ma, mb, &mut out);
    }
    for w in &a[a.len() - suffix..] {
        push(&mut out, Op::Same, w);
    }
    out
}

fn lcs_diff(a: &[&str], b: &[&str], out: &mut Vec<Segment>) {
    let (n, m) = (a.len(), b.len());
    // table[i][j]: LCS length of a[i..] and b[j..].
    let w = m + 1;
    let mut table = vec![0u32; (n + 1) * w];
    for i in (0..n).rev() {
        for j in (0..m).rev() {
            table[i * w + j] = if a[i] == b[j] {
                table[(i + 1) * w + j + 1] + 1
            } else {
                table[(i + 1) * w + j].max(table[i * w + j + 1])
            };
        }
    }
    let (mut i, mut j) = (0, 0);
    while i < n && j < m {
        if a[i] == b[j] {
            push(out, Op::Same, a[i]);
            i += 1;
            j += 1;
        } else if table[(i + 1) * w + j] >= table[i * w + j + 1] {
            push(out, Op::Delete, a[i]);
            i += 1;
        } else {
            push(out, Op::Insert, b[j]);
            j += 1;
        }
    }
    for x in &a[i..] {
        push(out, Op::Delete, x);
    }
    for y in &b[j..] {
        push(out, Op::Insert, y);
    }
}

fn shingles(text: &str) -> HashSet<String> {
    let ws: Vec<String> = words(text)
        .into_iter()
        .map(|w| {
            w.trim_matches(|c: char| !c.is_alphanumeric())
                .to_lowercase()
        })
        .filter(|w| !w.is_empty())
        .collect();
    if ws.len() < 3 {
        return ws.into_iter().collect();
    }
    ws.windows(3).map(|w| w.join(" ")).collect()
}

/// The Jaccard index of the texts' word 3-shingles (lower-cased, punctuation trimmed), 0–1.
pub fn similarity(a: &str, b: &str) -> f64 {
    let (sa, sb) = (shingles(a), shingles(b));
    if sa.is_empty() && sb.is_empty() {
        return 1.0;
    }
    let common = sa.intersection(&sb).count();
    let union = sa.len() + sb.len() - common;
    if union == 0 {
        0.0
    } else {
        common as f64 / union as f64
    }
}

/// The diff in git's word-diff notation: `[-deleted-]{+inserted+}`, long kept runs elided
/// to `context` words on each side.
pub fn render_plain(segments: &[Segment], context: usize) -> String {
    render(segments, context, ("[-", "-]"), ("{+", "+}"))
}

/// The diff in Markdown: deleted words struck through, inserted words in bold.
pub fn render_markdown(segments: &[Segment], context: usize) -> String {
    let escaped: Vec<Segment> = segments
        .iter()
        .map(|s| Segment {
            op: s.op,
            text: markdown_escape(&s.text),
        })
        .collect();
    render(&escaped, context, ("~~", "~~"), ("**", "**"))
}

/// Escape Markdown's inline markup characters.
pub fn markdown_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(
            c,
            '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '#' | '|' | '~'
        ) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

fn render(segments: &[Segment], context: usize, del: (&str, &str), ins: (&str, &str)) -> String {
    let mut parts = Vec::new();
    let last = segments.len().saturating_sub(1);
    for (i, s) in segments.iter().enumerate() {
        match s.op {
            Op::Same => {
                let ws = words(&s.text);
                let keep_head = if i == 0 { 0 } else { context };
                let keep_tail = if i == last { 0 } else { context };
                if ws.len() > keep_head + keep_tail + 1 {
                    let mut t = ws[..keep_head].join(" ");
                    if !t.is_empty() {
                        t.push(' ');
                    }
                    t.push('…');
                    let tail = ws[ws.len() - keep_tail..].join(" ");
                    if !tail.is_empty() {
                        t.push(' ');
                        t.push_str(&tail);
                    }
                    parts.push(t);
                } else {
                    parts.push(s.text.clone());
                }
            }
            Op::Delete => parts.push(format!("{}{}{}", del.0, s.text, del.1)),
            Op::Insert => parts.push(format!("{}{}{}", ins.0, s.text, ins.1)),
        }
    }
    parts.join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn diffs_words() {
        let d = word_diff("we may sell your data", "we may share your data");
        assert_eq!(render_plain(&d, 5), "we may [-sell-] {+share+} your data");
        let d = word_diff("a b c", "a b c");
        assert_eq!(d.len(), 1);
        let d = word_diff("", "new text");
        assert_eq!(render_plain(&d, 3), "{+new text+}");
    }

    #[test]
    fn elides_long_context() {
        let old = "one two three four five six seven eight nine ten";
        let new = "one two three four five six seven eight nine eleven";
        assert_eq!(
            render_plain(&word_diff(old, new), 2),
            "… eight nine [-ten-] {+eleven+}"
        );
    }

    #[test]
    fn similarity_is_jaccard_on_shingles() {
        assert!((similarity("a b c d", "a b c d") - 1.0).abs() < 1e-9);
        assert!(similarity("we sell your data to brokers", "cookies are small files") < 0.01);
        let s = similarity(
            "we use your personal data to train our AI models and improve services",
            "we use your personal data to train our AI models and improve our services",
        );
        assert!(s > 0.6, "{s}");
    }
}
