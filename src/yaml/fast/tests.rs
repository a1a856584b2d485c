//! The fast path against granit on the forms its byte-level loops judge.

use crate::yaml::Document;

/// `src` read by the fast path gives granit's tree.
fn same_as_granit(src: &str) {
    let fast =
        Document::parse_fast_only(src).unwrap_or_else(|| panic!("fast path gave up on {src:?}"));
    let slow = Document::parse_with_granit(src).unwrap();
    assert!(fast.same_tree(&slow), "{src:?}");
}

#[test]
fn quoted_keys_and_values_read_as_written_or_decoded() {
    for src in [
        "'a': 'b'\n\"c\": \"d\"\n",
        "'a''b': 'c''d'\n",
        "a: 'b'''\n",
        "a: ''''\n",
        "a: 'it''s' # c\n",
        "\"a\\\"b\": \"c\\\\d\" # e\n",
        "a: \"b'c\"\nd: 'e\"f'\n",
        "a: ''\nb: \"\"\n'': c\n",
        "a: 'b''\n  c'\n",
        "- 'x'\n- \"y\" # z\n",
    ] {
        same_as_granit(src);
    }
}

#[test]
fn plain_scalars_end_where_granit_ends_them() {
    for src in [
        "a: b\n  c\n  # x\nd: e\n",
        "a: b\n   \n  c\nd: 1\n",
        "a: b\n\n\nc: d\n",
        "a: b\n  c",
        "- b\n  c\n- d\n",
        "a:\n  b: c\n    d\n  e: f\n",
        "a: b \n  c  \nd: e\n",
        "a: b\r\n  c\r\n\r\n  d\r\ne: f\r\n",
    ] {
        same_as_granit(src);
    }
}

#[test]
fn doubtful_lines_are_left_to_granit() {
    for src in [
        // A tab after the indentation of a continuation line.
        "a: b\n  \tc\n",
        // A continuation line that reads as a key.
        "a: b\n  c: d\n",
        // Characters only granit judges, inside and after whole 8-byte words.
        "a: b\u{1}c\n",
        "abcdefghijklmnop: q\u{7f}\n",
        "a: b\rc: d\n",
        "a: \u{feff}b\n",
    ] {
        assert!(Document::parse_fast_only(src).is_none(), "{src:?}");
    }
}
