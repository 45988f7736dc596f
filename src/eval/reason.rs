//! One `because` line of a finding, kept with its JSON string: a finding is written many times
//! more often than its lines are read, so each line is escaped once, where it is made.

use std::fmt;
use std::sync::Arc;

use super::parts::push_escaped;

/// A `because` line, or the name of a `missing` fact: its text, and the same text as a JSON string (quoted and escaped), in one
/// shared allocation.
#[derive(Clone)]
pub struct Reason {
    /// The JSON string, then the text.
    both: Arc<str>,
    /// Where the text starts.
    split: usize,
}

impl Reason {
    /// A line from its text.
    pub fn new(text: &str) -> Reason {
        Reason::build(|json, raw| {
            push_escaped(json, text);
            raw.push_str(text);
        })
    }

    /// A line written by `write`, which appends the JSON-escaped text (without quotes) to its
    /// first argument and the text to its second.
    pub(crate) fn build(write: impl FnOnce(&mut String, &mut String)) -> Reason {
        thread_local! {
            static SCRATCH: std::cell::RefCell<(String, String)> =
                const { std::cell::RefCell::new((String::new(), String::new())) };
        }
        SCRATCH.with(|s| match s.try_borrow_mut() {
            Ok(mut s) => {
                let (json, raw) = &mut *s;
                Reason::build_in(json, raw, write)
            }
            Err(_) => Reason::build_in(&mut String::new(), &mut String::new(), write),
        })
    }

    /// [`Reason::build`] in the caller's buffers.
    pub(crate) fn build_in(
        json: &mut String,
        raw: &mut String,
        write: impl FnOnce(&mut String, &mut String),
    ) -> Reason {
        json.clear();
        raw.clear();
        json.push('"');
        write(json, raw);
        json.push('"');
        let split = json.len();
        json.push_str(raw);
        Reason {
            both: Arc::from(json.as_str()),
            split,
        }
    }

    /// The line.
    pub fn as_str(&self) -> &str {
        &self.both[self.split..]
    }

    /// The line as a JSON string, quoted and escaped.
    pub fn json(&self) -> &str {
        &self.both[..self.split]
    }
}

impl std::ops::Deref for Reason {
    type Target = str;
    fn deref(&self) -> &str {
        self.as_str()
    }
}

impl AsRef<str> for Reason {
    fn as_ref(&self) -> &str {
        self.as_str()
    }
}

impl std::borrow::Borrow<str> for Reason {
    fn borrow(&self) -> &str {
        self.as_str()
    }
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Debug for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}

impl PartialEq for Reason {
    fn eq(&self, other: &Reason) -> bool {
        self.as_str() == other.as_str()
    }
}

impl Eq for Reason {}

impl From<&str> for Reason {
    fn from(text: &str) -> Reason {
        Reason::new(text)
    }
}

impl serde::Serialize for Reason {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::Reason;

    /// The JSON form is what serde_json writes for the text, whichever way the line was made.
    #[test]
    fn json_is_the_escaped_text() {
        for text in [
            "",
            "plain",
            "`a has \"b\"` (a: b)",
            "tab\tquote\"back\\slash\u{1}é😀",
        ] {
            let r = Reason::new(text);
            assert_eq!(r.as_str(), text);
            assert_eq!(r.json(), serde_json::to_string(text).unwrap());
            let built = Reason::build(|json, raw| {
                super::push_escaped(json, text);
                raw.push_str(text);
            });
            assert_eq!(built, r);
            assert_eq!(built.json(), r.json());
        }
    }
}
