//! The condition parser on arbitrary text: it returns an AST or a `ParseError` whose span lies
//! inside the text, and never panics or overflows the stack.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    match clausemap::dsl::parse(text) {
        Ok(expr) => {
            // The AST's own rendering must not panic either.
            let _ = format!("{expr:?}");
        }
        Err(e) => {
            assert!(
                e.span.start <= e.span.end && e.span.end <= text.len(),
                "error span {:?} outside a text of {} bytes",
                e.span,
                text.len()
            );
            assert!(text.is_char_boundary(e.span.start) && text.is_char_boundary(e.span.end));
        }
    }
});
