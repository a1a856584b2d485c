//! Bad input: each case gives an `Err` with the exact message, line and column — never a panic,
//! never a stack overflow or unbounded memory.

use private_gke::yaml::{Document, YamlError};

fn parse_err(src: &str) -> YamlError {
    match Document::parse(src) {
        Ok(_) => panic!("{src:?} parsed"),
        Err(e) => e,
    }
}

fn e(message: &str, line: usize, column: usize) -> YamlError {
    YamlError {
        message: message.into(),
        line,
        column,
    }
}

/// Run `f` on a thread with a small stack: the checks must not depend on recursion depth.
fn small_stack<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    std::thread::Builder::new()
        .stack_size(256 * 1024)
        .spawn(f)
        .unwrap()
        .join()
        .unwrap()
}

#[test]
fn invalid_utf8_names_the_byte_and_its_place() {
    let cases: &[(&[u8], YamlError)] = &[
        (b"\xff", e("invalid UTF-8 (byte 0xff)", 1, 1)),
        (
            b"a: b\nc: d\xc3\x28\n",
            e("invalid UTF-8 (byte 0xc3)", 2, 5),
        ),
        (
            "k: é\nl: "
                .as_bytes()
                .iter()
                .chain(b"\xe2\x82")
                .copied()
                .collect::<Vec<_>>()
                .leak(),
            e("invalid UTF-8 (byte 0xe2)", 2, 4),
        ),
    ];
    for (bytes, want) in cases {
        assert_eq!(
            &Document::parse_bytes(bytes).unwrap_err(),
            want,
            "{bytes:?}"
        );
    }
}

#[test]
fn tabs_as_indentation() {
    let cases = [
        ("a:\n\tb: 1\n", e("tab character used as indentation", 2, 1)),
        (
            "a:\n  b: 1\n\tc: 2\n",
            e("tab character used as indentation", 3, 1),
        ),
        ("- a\n\t- b\n", e("tab character used as indentation", 2, 1)),
    ];
    for (src, want) in cases {
        assert_eq!(parse_err(src), want, "{src:?}");
    }
    // A tab after the indentation, inside a value, is fine.
    let doc = Document::parse("a: b\tc\n").unwrap();
    assert_eq!(
        doc.to_json(doc.roots()[0]).unwrap(),
        serde_json::json!({"a": "b\tc"})
    );
}

#[test]
fn unterminated_quotes() {
    let cases = [
        ("a: \"abc\nb: 1\n", e("unclosed quote", 1, 4)),
        ("a: 'abc\n", e("unclosed quote", 1, 4)),
        ("list:\n  - \"x\n", e("unclosed quote", 2, 5)),
        ("k: [\"a, b]\n", e("unclosed quote", 1, 5)),
    ];
    for (src, want) in cases {
        assert_eq!(parse_err(src), want, "{src:?}");
    }
}

#[test]
fn duplicate_keys_name_the_key() {
    let cases = [
        (
            "a: 1\nb: 2\na: 3\n",
            e("duplicate key \"a\" (first defined on line 1)", 3, 1),
        ),
        (
            "m: {x: 1, y: 2, x: 3}\n",
            e("duplicate key \"x\" (first defined on line 1)", 1, 17),
        ),
        (
            "items:\n- name: a\n  name: b\n",
            e("duplicate key \"name\" (first defined on line 2)", 3, 3),
        ),
        (
            "\"q\": 1\nq: 2\n",
            e("duplicate key \"q\" (first defined on line 1)", 2, 1),
        ),
    ];
    for (src, want) in cases {
        assert_eq!(parse_err(src), want, "{src:?}");
    }
    // The same key in different mappings is fine.
    assert!(Document::parse("a: {x: 1}\nb: {x: 1}\n").is_ok());
}

#[test]
fn billion_laughs_is_refused() {
    let src = "\
a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]
b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]
i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]
";
    let doc = Document::parse(src).unwrap();
    let err = doc.to_json(doc.roots()[0]).unwrap_err();
    assert_eq!(
        err.message,
        "alias expansion exceeds 1000000 nodes (alias bomb?)"
    );
    // Reported at the alias written in the converted tree whose expansion passed the bound:
    // `a`..`f` expand to 597,870 nodes in all, `g`'s first `*f` passes 1,000,000.
    assert_eq!((err.line, err.column), (7, 8));
}

#[test]
fn deep_nesting_is_bounded_without_recursion() {
    let flow_seq = small_stack(|| Document::parse("[".repeat(100_000)).unwrap_err());
    assert_eq!(flow_seq, e("nesting deeper than 1000 levels", 1, 1001));
    let flow_map = small_stack(|| Document::parse("{a: ".repeat(100_000)).unwrap_err());
    assert_eq!(flow_map.message, "nesting deeper than 1000 levels");
    assert_eq!(flow_map.line, 1);
    let block_seq = small_stack(|| Document::parse("- ".repeat(100_000)).unwrap_err());
    assert_eq!(block_seq.message, "nesting deeper than 1000 levels");
    let block_map: String = (0..1500)
        .map(|i| format!("{}k:\n", " ".repeat(i)))
        .collect();
    let block_map = small_stack(move || Document::parse(block_map).unwrap_err());
    assert_eq!(block_map, e("nesting deeper than 1000 levels", 1001, 1001));
    // Just under the bound: parses, converts to JSON and drops on a small stack.
    let ok = small_stack(|| {
        let doc = Document::parse(format!("{}{}", "[".repeat(999), "]".repeat(999))).unwrap();
        doc.to_json(doc.roots()[0]).map(|v| v.is_array())
    });
    assert_eq!(ok, Ok(true));
}

#[test]
fn empty_input_is_ok_with_no_roots_and_the_caller_decides() {
    for src in ["", "\n", "# nothing\n", "---\n...\n"] {
        let doc = Document::parse(src).unwrap();
        assert!(doc.roots().is_empty(), "{src:?}");
        assert_eq!(doc.source(), src);
    }
    assert!(Document::parse_bytes(b"").unwrap().roots().is_empty());
}

#[test]
fn other_syntax_errors_have_positions() {
    let cases = [
        (
            "a: *missing\n",
            e("while parsing node, found unknown anchor", 1, 4),
        ),
        (
            "a: &x [1, *x]\n",
            e("alias *x refers to a node that contains it", 1, 11),
        ),
        (
            "- a\nb: 1\n",
            e(
                "while parsing a block collection, did not find expected '-' indicator",
                2,
                1,
            ),
        ),
        ("a: [1, 2\n", e("unclosed bracket '['", 1, 4)),
    ];
    for (src, want) in cases {
        assert_eq!(parse_err(src), want, "{src:?}");
    }
}
