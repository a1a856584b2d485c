//! Fuzz the read side alone: parse arbitrary bytes; whenever the fast path reads the text,
//! granit must read it to the same tree; every node's JSON view, comments and position work.
#![no_main]

use libfuzzer_sys::fuzz_target;
use private_gke::yaml::Document;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        assert!(Document::parse_bytes(data).is_err());
        return;
    };
    if let Some(fast) = Document::parse_fast_only(text) {
        match Document::parse_with_granit(text) {
            Ok(slow) => assert!(fast.same_tree(&slow), "fast path differs from granit"),
            Err(e) => panic!("fast path accepted text granit rejects: {e}"),
        }
    }
    let Ok(doc) = Document::parse(text) else {
        return;
    };
    let _ = doc.layout();
    for id in 0..doc.len() {
        let span = doc.node(id).span();
        assert!(span.start <= span.end && span.end <= text.len());
        assert!(text.is_char_boundary(span.start) && text.is_char_boundary(span.end));
        let _ = doc.to_json(id);
        let _ = doc.line_comment(id);
        let _ = doc.head_comment(id);
        let _ = doc.position(span.start);
    }
});
