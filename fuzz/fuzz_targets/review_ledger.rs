//! The review-ledger reader on arbitrary text. A ledger that reads must write back as a
//! ledger that reads again, to the same text: no decision is lost or changed in a round trip.
#![no_main]

use clausemap::review::Ledger;
use clausemap::source::Source;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let source = Source::new("fuzz.review.yaml", text);
    match Ledger::parse(&source) {
        Ok(ledger) => {
            let yaml = match ledger.to_yaml() {
                Ok(y) => y,
                Err(p) => panic!("a ledger that reads does not write: {}", p.render()),
            };
            let again = match Ledger::parse(&Source::new("again.review.yaml", yaml.as_str())) {
                Ok(l) => l,
                Err(p) => panic!(
                    "a ledger written by clausemap does not read back: {}\n{yaml}",
                    p.render()
                ),
            };
            let yaml2 = match again.to_yaml() {
                Ok(y) => y,
                Err(p) => panic!("{}", p.render()),
            };
            assert_eq!(yaml, yaml2, "the ledger changed in a round trip");
        }
        Err(p) => {
            let _ = p.render();
        }
    }
});
