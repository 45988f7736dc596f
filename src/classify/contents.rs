//! Text that names practices without stating them: tables of contents and headings.
//!
//! A published policy often opens with a list of its own sections ("1. Information We Collect",
//! "2. How We Use Information", "4. How Long We Keep Information", …). Those lines name
//! practices without stating any, so the classifier must not read them: a table of contents is
//! not a retention clause because one entry says "Retention". The list is recognised by what
//! only a table of contents does: its entries are the headings of the document's sections.
//!
//! A run of list items is a table of contents when at least [`MIN_ENTRIES`] of its items, and
//! at least two thirds of them, are headings found elsewhere in the document, and the line that
//! leads into it does not end with a colon (a lead-in such as "We use information such as:" makes
//! the list part of its sentence, whatever the items say), unless that line says "contents". A
//! line just before the run that is itself a heading of the document ("1. Personal Data we
//! collect" repeated above its list) belongs to it.
//!
//! A provision can also be a heading on its own. The splitter makes a heading of a Markdown line
//! or HTML paragraph wholly in emphasis, or opening with a section number ("**Research**",
//! "23\\. Severability"), so it titles the text under it; a heading with no such mark ("Our retention of personal
//! data", "Personalizing ads", "Why and how we process your information:") cannot be told from
//! an address line or a form label there, and splits into a one-line provision of its own. In
//! a policy that `clausemap classify` splits itself, such a line ([`is_heading_line`]) followed
//! by another provision is read as the heading it is, and the text it heads is classified
//! instead.

use std::collections::HashSet;

use super::segment::list_marker;

/// The fewest entries that make a run of list items a table of contents.
pub const MIN_ENTRIES: usize = 3;

/// A heading reduced to what a table of contents repeats of it: lower case, letters and digits
/// only, without a list marker or section number ("- 4. How Long We Keep Information" and
/// "How long we keep information" give the same key).
pub fn heading_key(line: &str) -> String {
    let mut rest = line.trim();
    if let Some(marker) = list_marker(rest) {
        rest = &rest[marker..];
    }
    // A section number: "4.", "4)", "4.1", "(a)", "IV.", "a." — a short token ending in `.` or
    // `)` (or bracketed) made of digits, letters i/v/x or one letter.
    if let Some((token, after)) = rest.split_once(char::is_whitespace) {
        let bare = token.trim_start_matches('(').trim_end_matches(['.', ')']);
        let marked = token.ends_with('.') || token.ends_with(')');
        let number = !bare.is_empty()
            && (bare.chars().all(|c| c.is_ascii_digit() || c == '.')
                || (marked
                    && (bare.len() == 1
                        || bare
                            .chars()
                            .all(|c| matches!(c.to_ascii_lowercase(), 'i' | 'v' | 'x')))));
        if number && bare.len() <= 6 {
            rest = after;
        }
    }
    let mut key = String::with_capacity(rest.len());
    for word in rest
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
    {
        if !key.is_empty() {
            key.push(' ');
        }
        key.extend(word.chars().flat_map(char::to_lowercase));
    }
    key
}

/// The heading keys of a document's headings, as [`contents_entries`] takes them; keys shorter
/// than three characters ("a", "1") are left out, being no one's heading.
pub fn heading_keys<'a>(headings: impl IntoIterator<Item = &'a str>) -> HashSet<String> {
    headings
        .into_iter()
        .map(heading_key)
        .filter(|k| k.len() >= 3)
        .collect()
}

/// Whether `text` is a heading, or the label of what follows, rather than a statement: one line
/// of at most [`MAX_HEADING_WORDS`] words, not a table row, that does not end a sentence (`.`,
/// `!`, `?`, `;`; a colon may end it), and that has no subject of a statement (`we`, `you`,
/// `I`) in it unless it opens as a question does ("Why and how we process your
/// information:"). "We do not sell your personal information" without its full stop, or "We
/// collect personal data relating to you as follows:", is still a statement.
pub fn is_heading_line(text: &str) -> bool {
    let line = text.trim();
    // A table row ("Retention period | 30 days") states a value.
    // Most lines are long paragraphs: count no further than a heading's length.
    if line.is_empty()
        || line.split_whitespace().nth(MAX_HEADING_WORDS).is_some()
        || line.contains('\n')
        || line.contains(" | ")
    {
        return false;
    }
    let words: Vec<&str> = line.split_whitespace().collect();
    let last = line.trim_end_matches(['"', '\'', ')', ']', '*', '\u{201d}', '\u{2019}']);
    if last.ends_with(['.', '!', '?', ';']) {
        return false;
    }
    let bare = |w: &str| -> String {
        w.trim_matches(|c: char| !c.is_alphanumeric())
            .to_ascii_lowercase()
    };
    let asks = words.first().is_some_and(|w| {
        [
            "why", "how", "what", "which", "when", "where", "who", "whom", "whose",
        ]
        .contains(&bare(w).as_str())
    });
    asks || !words
        .iter()
        .any(|w| ["we", "you", "i"].contains(&bare(w).as_str()))
}

/// The most words a heading line has ([`is_heading_line`]).
pub const MAX_HEADING_WORDS: usize = 12;

/// Whether a line of provision text is a list item, by the marker the splitter reads.
fn is_item(line: &str) -> bool {
    list_marker(line).is_some()
}

/// The char ranges of `text` that are a table of contents of the document whose heading keys
/// (see [`heading_key`]) are `headings`; empty when there is none. Ranges are sorted and do
/// not overlap.
pub fn contents_entries(text: &str, headings: &HashSet<String>) -> Vec<(usize, usize)> {
    if headings.len() < MIN_ENTRIES {
        return Vec::new();
    }
    // (start char, end char, the line)
    let mut lines: Vec<(usize, usize, &str)> = Vec::new();
    let mut at = 0;
    for line in text.split('\n') {
        let n = line.chars().count();
        lines.push((at, at + n, line));
        at += n + 1;
    }
    let is_heading = |line: &str| {
        let key = heading_key(line);
        headings.contains(&key)
    };
    let mut out = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        if !is_item(lines[i].2) {
            i += 1;
            continue;
        }
        let first = i;
        while i < lines.len() && is_item(lines[i].2) {
            i += 1;
        }
        let run = &lines[first..i];
        let entries = run.iter().filter(|(_, _, l)| is_heading(l)).count();
        if entries < MIN_ENTRIES || entries * 3 < run.len() * 2 {
            continue;
        }
        let lead = first
            .checked_sub(1)
            .and_then(|j| lines.get(j))
            .filter(|(_, _, l)| !l.trim().is_empty());
        let mut start = run[0].0;
        if let Some(&(lead_start, _, lead)) = lead {
            let says_contents = heading_key(lead).contains("contents");
            if lead.trim_end().ends_with(':') && !says_contents {
                continue;
            }
            if says_contents || is_heading(lead) {
                start = lead_start;
            }
        }
        out.push((start, run[run.len() - 1].1));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(hs: &[&str]) -> HashSet<String> {
        heading_keys(hs.iter().copied())
    }

    #[test]
    fn heading_keys_drop_markers_numbers_and_punctuation() {
        assert_eq!(
            heading_key("- 4. How Long We Keep Information?"),
            "how long we keep information"
        );
        assert_eq!(heading_key("(a) Cookies & similar"), "cookies similar");
        assert_eq!(heading_key("IV. Your Rights"), "your rights");
        assert_eq!(heading_key("2.1 Sharing"), "sharing");
        // A word is not a number.
        assert_eq!(
            heading_key("Information we collect"),
            "information we collect"
        );
        assert_eq!(heading_key("I agree"), "i agree");
    }

    #[test]
    fn a_list_of_the_documents_headings_is_a_table_of_contents() {
        let hs = keys(&[
            "Information We Collect",
            "How We Use Information",
            "Sharing Information",
            "How Long We Keep Information",
            "Children",
        ]);
        let text = "Privacy Policy\n- 1. Information We Collect\n- 2. How We Use Information\n\
                    - 3. Sharing Information\n- 4. How Long We Keep Information\n- 5. Children";
        let ranges = contents_entries(text, &hs);
        let start = text.find("- 1.").unwrap();
        assert_eq!(ranges, vec![(start, text.chars().count())]);

        // "Table of Contents" above the list belongs to it.
        let text = "Table of Contents\n- Information We Collect\n- Sharing Information\n- Children";
        assert_eq!(contents_entries(text, &hs), vec![(0, text.chars().count())]);

        // So does a heading repeated above its list, and an entry that is not a heading.
        let text = "1. Information We Collect\n- 1. Information We Collect\n- 2. Sharing \
                    Information\n- 3. Children\n- 4. Useful resources";
        assert_eq!(contents_entries(text, &hs), vec![(0, text.chars().count())]);
    }

    #[test]
    fn a_list_led_into_by_its_sentence_or_of_other_items_is_not() {
        let hs = keys(&[
            "Your activity",
            "Device information",
            "Information from partners",
            "Friends and connections",
        ]);
        // The items complete the lead-in's sentence.
        let text = "We use information we have, such as:\n- Your activity\n- Device \
                    information\n- Information from partners\n- Friends and connections";
        assert!(contents_entries(text, &hs).is_empty());
        // Too few of the items are headings.
        let text = "Contents\n- Your activity\n- Device information\n- Name\n- Email \
                    address\n- Phone number";
        assert!(contents_entries(text, &hs).is_empty());
        // A sentence that happens to equal no heading, and prose lines, are left alone.
        let text = "We collect your name.\nWe collect your device information.";
        assert!(contents_entries(text, &hs).is_empty());
        // Fewer than three headings in the whole document: nothing to recognise.
        assert!(
            contents_entries("- Your activity\n- Device information", &keys(&["a b"])).is_empty()
        );
    }

    #[test]
    fn a_heading_line_is_short_and_states_nothing() {
        for heading in [
            "Our retention of personal data",
            "Personalizing ads",
            "Why and how we process your information:",
            "What you can do:",
            "12. Changes to this Policy",
            "Effective as of July 1, 2026",
            "experts@verasafe.com",
            "**Your choices**",
        ] {
            assert!(is_heading_line(heading), "{heading}");
        }
        for statement in [
            "We do not sell your personal information",
            "You can opt out at any time",
            "Personal data is kept for 30 days.",
            "What is tailored advertising?",
            "Retention\nWe keep your data for 30 days",
            "Retention period | The period necessary to process your request",
            "We collect personal data relating to you (\u{201c}Personal Data\u{201d}) as follows:",
            "Here you can change what we show:",
            "Information about the devices, browsers and apps that people use to reach the \
             services and the networks they connect from",
            "",
        ] {
            assert!(!is_heading_line(statement), "{statement}");
        }
    }

    #[test]
    fn ranges_are_in_chars() {
        let hs = keys(&["Données", "Sécurité", "Cookies"]);
        let text = "Résumé — “sommaire”\n- Données\n- Sécurité\n- Cookies";
        let ranges = contents_entries(text, &hs);
        assert_eq!(ranges.len(), 1);
        let (a, b) = ranges[0];
        let picked: String = text.chars().skip(a).take(b - a).collect();
        assert_eq!(picked, "- Données\n- Sécurité\n- Cookies");
    }
}
