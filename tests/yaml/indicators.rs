//! Indicator positions recorded at parse: the `-` of every block-sequence item, the `|`/`>`
//! header of every block scalar and a node's `!tag` and `&anchor`, read by both parsers (the fast
//! path and granit) and used by the edits, on the texts a backward scan over tags, anchors and
//! comments got wrong or that are tricky.

use private_gke::yaml::{Document, Edits, NodeId};
use serde_json::{json, Value};

/// The document as each parser reads it: the default (fast when it can) and granit.
fn both(src: &str) -> [(&'static str, Document); 2] {
    [
        ("parse", Document::parse(src).unwrap()),
        ("granit", Document::parse_with_granit(src).unwrap()),
    ]
}

/// The node at `path` from the first root: keys of mappings, indices of sequences.
fn at(doc: &Document, path: &[&str]) -> NodeId {
    let mut id = doc.roots()[0];
    for step in path {
        id = match step.parse::<usize>() {
            Ok(i) => doc.items(id)[i],
            Err(_) => doc.get(id, step).unwrap_or_else(|| panic!("no {step}")),
        };
    }
    id
}

/// `src` without `range`.
fn cut(src: &str, range: std::ops::Range<usize>) -> String {
    format!("{}{}", &src[..range.start], &src[range.end..])
}

/// `src` synced to the first document's value changed at JSON pointer `ptr` to `new`.
fn synced(src: &str, ptr: &str, new: Value) -> String {
    let doc = Document::parse(src).unwrap();
    let root = doc.roots()[0];
    let mut v = doc.to_json(root).unwrap();
    *v.pointer_mut(ptr).unwrap() = new;
    let mut edits = Edits::default();
    doc.sync(root, &v, &mut edits).unwrap();
    let out = edits.apply(src).unwrap();
    let re = Document::parse(out.as_str()).unwrap();
    assert_eq!(re.to_json(re.roots()[0]).unwrap(), v, "{out:?}");
    out
}

/// An item's `-` is the one before its properties, even when a tag or anchor name holds a `-`
/// or ends with one; the item then goes with its whole line.
#[test]
fn item_dashes_before_properties() {
    // (text, item of `l` removed, text without it)
    let cases = [
        ("l:\n- !t-x a\n- b\n", 0, "l:\n- b\n"),
        ("l:\n- &a-b x\n- b\n", 0, "l:\n- b\n"),
        ("l:\n- !t- a\n- b\n", 0, "l:\n- b\n"),
        ("l:\n  - &a- x\n  - b\n", 0, "l:\n  - b\n"),
        ("l:\n- b\n- !t- a\n", 1, "l:\n- b\n"),
        ("l: !t\n- a\n- b\n", 0, "l: !t\n- b\n"),
        ("l: &s\n- a\n- b\n", 0, "l: &s\n- b\n"),
    ];
    for (src, i, want) in cases {
        for (how, doc) in both(src) {
            let item = at(&doc, &["l", &i.to_string()]);
            let col = if src.starts_with("l:\n  ") { 2 } else { 0 };
            assert_eq!(doc.dash_column(item), col, "{how} {src:?}");
            assert_eq!(
                cut(src, doc.item_removal_range(item)),
                want,
                "{how} {src:?}"
            );
            let line = src[..doc.node(item).span().start].rfind('\n').unwrap() + 1;
            assert_eq!(doc.item_line_start(item), Some(line), "{how} {src:?}");
        }
    }
}

/// `- # note` with the content on the next line: the item's `-` is on the line above its
/// content, and that line goes with the item.
#[test]
fn item_dash_above_its_content() {
    for src in [
        "l:\n- # note\n  value\n- b\n",
        "l:\n- # note\n  k: v\n- b\n",
        "l:\r\n- # note\r\n  value\r\n- b\r\n",
    ] {
        for (how, doc) in both(src) {
            let item = at(&doc, &["l", "0"]);
            assert_eq!(doc.dash_column(item), 0, "{how} {src:?}");
            assert_eq!(doc.item_line_start(item), Some(src.find('-').unwrap()));
            let want = src.replace("- # note\r\n  value\r\n", "");
            let want = want
                .replace("- # note\n  value\n", "")
                .replace("- # note\n  k: v\n", "");
            assert_eq!(
                cut(src, doc.item_removal_range(item)),
                want,
                "{how} {src:?}"
            );
        }
    }
    // The item's comment stays when the next item goes.
    assert_eq!(
        synced("l:\n- # note\n  a\n- b\n", "/l", json!(["a"])),
        "l:\n- # note\n  a\n"
    );
    // An empty item with a comment: the sequence is still edited item by item.
    assert_eq!(
        synced("- # Empty\n- a\n- b\n", "", json!([null, "a"])),
        "- # Empty\n- a\n"
    );
}

/// Blanks between the `-` and the content: the `-` column is the item's, and a new item goes at
/// it.
#[test]
fn wide_gap_after_the_dash() {
    let src = "l:\n  -   value\n  -   b\n";
    for (how, doc) in both(src) {
        let l = at(&doc, &["l"]);
        let item = at(&doc, &["l", "0"]);
        assert_eq!(doc.dash_column(item), 2, "{how}");
        assert_eq!(doc.append_point(l), (src.len() - 1, 2), "{how}");
        assert_eq!(cut(src, doc.item_removal_range(item)), "l:\n  -   b\n");
    }
    assert_eq!(
        synced(src, "/l/1", json!({"k": "v"})),
        "l:\n  -   value\n  - k: v\n"
    );
    assert_eq!(
        synced(src, "/l", json!(["value", "b", "c"])),
        "l:\n  -   value\n  -   b\n  - c\n"
    );
}

/// `- - a`: the inner sequence's first `-` follows the outer one on its line; each item has its
/// own.
#[test]
fn nested_sequences_on_one_line() {
    for src in ["- - a\n  - b\n- c\n", "l:\n- - a\n  - b\n- c\n"] {
        let off = src.find('-').unwrap();
        for (how, doc) in both(src) {
            let outer = if off == 0 {
                doc.roots()[0]
            } else {
                at(&doc, &["l"])
            };
            let inner = doc.items(outer)[0];
            let cols: Vec<usize> = doc
                .items(inner)
                .iter()
                .map(|&i| doc.dash_column(i))
                .collect();
            assert_eq!(cols, [2, 2], "{how} {src:?}");
            assert_eq!(doc.dash_column(inner), 0, "{how} {src:?}");
            let first = doc.items(inner)[0];
            // Not the start of its line: only its own text goes.
            assert_eq!(doc.item_line_start(first), None, "{how} {src:?}");
            assert_eq!(
                doc.item_removal_range(first),
                off + 2..off + 5,
                "{how} {src:?}"
            );
            assert_eq!(doc.item_line_start(inner), Some(off), "{how} {src:?}");
            let second = doc.items(inner)[1];
            assert_eq!(doc.item_line_start(second), Some(off + 6), "{how} {src:?}");
            assert_eq!(doc.node(outer).span().start, off, "{how} {src:?}");
        }
    }
}

/// A block scalar's span starts at its header and ends with its content, or with the header
/// (its indicators, not its comment) when it has none.
#[test]
fn block_scalar_headers() {
    // (text, key, the text of the value's span)
    let cases = [
        ("key: |+2 # note\n   x\n\nb: 1\n", "key", "|+2 # note\n   x"),
        ("key: >-\nnext: 1\n", "key", ">-"),
        ("key: >-\n\n\nnext: 1\n", "key", ">-"),
        ("key: |\n  x\nb: 1\n", "key", "|\n  x"),
        ("key: &a|> >-\n  x\n", "key", ">-\n  x"),
        ("key: &a|b !t |\n  x\n", "key", "|\n  x"),
        ("key: # c |\n  >\n  x\n", "key", ">\n  x"),
        (
            "key: |-\r\n  x\r\n  y\r\nb: 1\r\n",
            "key",
            "|-\r\n  x\r\n  y",
        ),
        ("key: |+ # c\n", "key", "|+"),
        ("key: >2-", "key", ">2-"),
    ];
    for (src, key, want) in cases {
        for (how, doc) in both(src) {
            let span = doc.node(at(&doc, &[key])).span();
            assert_eq!(&src[span], want, "{how} {src:?}");
        }
    }
    // Items, roots after `---` and `...`.
    for (src, want) in [
        ("- # c\n  |\n  x\n", "|\n  x"),
        ("- |-\n  x\n- b\n", "|-\n  x"),
        ("--- |\n x\n", "|\n x"),
        ("a: 1\n...\n# c\n...\n|\n x\n", "|\n x"),
    ] {
        for (how, doc) in both(src) {
            let last = doc.roots().len() - 1;
            let root = doc.roots()[last];
            let id = if doc.items(root).is_empty() {
                root
            } else {
                doc.items(root)[0]
            };
            assert_eq!(&src[doc.node(id).span()], want, "{how} {src:?}");
        }
    }
    // An explicit key that is a block scalar starts its mapping at the `?`.
    let doc = Document::parse("? |\n  k\n: v\n").unwrap();
    assert_eq!(doc.node(doc.roots()[0]).span().start, 0);
}

/// Edits that read the header: the chomping of a `|+2` block, a value after an empty `>-`.
#[test]
fn block_scalar_edits_keep_their_header() {
    assert_eq!(
        synced("key: |+ # note\n  x\nb: 1\n", "/key", json!("x\ny\n")),
        "key: | # note\n  x\n  y\nb: 1\n"
    );
    assert_eq!(
        synced("key: &a|> |-2 # note\n   x\nb: 1\n", "/key", json!(" x\ny")),
        "key: &a|> |3- # note\n    x\n   y\nb: 1\n"
    );
    assert_eq!(
        synced("key: |\r\n  x\r\nb: 1\r\n", "/key", json!("x\ny\n")),
        "key: |\r\n  x\r\n  y\r\nb: 1\r\n"
    );
    assert_eq!(
        synced("key: >-\nnext: 1\n", "/key", json!("v")),
        "key: |-\n  v\nnext: 1\n"
    );
    assert_eq!(
        synced("l:\n- |-\n  x\n", "/l", json!(["x", "z"])),
        "l:\n- |-\n  x\n- z\n"
    );
}

/// A value re-rendered whole after its item's `-` keeps a `- # note` comment: with the comment
/// between the `-` and the value, the change is refused rather than the comment dropped.
#[test]
fn item_values_replaced_after_their_dash() {
    assert_eq!(
        synced("l:\n- !t- k: v\n- b\n", "/l/0", json!("x")),
        "l:\n- x\n- b\n"
    );
    let src = "l:\n- # note\n  k: v\n- b\n";
    let doc = Document::parse(src).unwrap();
    let root = doc.roots()[0];
    let mut v = doc.to_json(root).unwrap();
    v["l"][0] = json!("x");
    let e = doc.sync(root, &v, &mut Edits::default()).unwrap_err();
    assert!(e.message.contains("the item has no `-`"), "{e}");
    assert_eq!((e.line, e.column), (3, 3), "{e}");
}

/// `src` synced to the first document's value changed to `new`.
fn synced_to(src: &str, new: Value) -> String {
    let doc = Document::parse(src).unwrap();
    let root = doc.roots()[0];
    let mut edits = Edits::default();
    doc.sync(root, &new, &mut edits).unwrap();
    let out = edits.apply(src).unwrap();
    let re = Document::parse(out.as_str()).unwrap();
    assert_eq!(re.to_json(re.roots()[0]).unwrap(), new, "{out:?}");
    out
}

/// The token starting at byte `at` of `src` (up to the first blank).
fn token(src: &str, at: usize) -> &str {
    let rest = &src[at..];
    &rest[..rest.find([' ', '\t', '\r', '\n']).unwrap_or(rest.len())]
}

/// A text, the path to one of its nodes, and the node's tag and anchor as written.
type Props = (
    &'static str,
    &'static [&'static str],
    Option<&'static str>,
    Option<&'static str>,
);

/// A node's tag and anchor tokens are where the parse recorded them: after `- `, `key: `, `? `,
/// on flow items, on block collections, with a comment or a line break before the content,
/// after multi-byte text, in CRLF text; names holding `-`, verbatim tags.
#[test]
fn property_positions() {
    // (text, path to the node (`?k`: the key `k`), its tag as written, its anchor as written)
    let cases: &[Props] = &[
        ("k: &a !t x\n", &["k"], Some("!t"), Some("&a")),
        ("k: !t &a x\n", &["k"], Some("!t"), Some("&a")),
        ("k: !!str 1\n", &["k"], Some("!!str"), None),
        (
            "k: !<tag:yaml.org,2002:str> x\n",
            &["k"],
            Some("!<tag:yaml.org,2002:str>"),
            None,
        ),
        ("k: &a-b x\n", &["k"], None, Some("&a-b")),
        ("l:\n- !t a\n", &["l", "0"], Some("!t"), None),
        (
            "l:\n  - &a-b !t- x\n",
            &["l", "0"],
            Some("!t-"),
            Some("&a-b"),
        ),
        ("? !t a\n: v\n", &["?a"], Some("!t"), None),
        ("? &k !t a\n: v\n", &["?a"], Some("!t"), Some("&k")),
        ("&a !t k: v\n", &["?k"], Some("!t"), Some("&a")),
        ("l: [!t a, &b c]\n", &["l", "0"], Some("!t"), None),
        ("l: [!t a, &b c]\n", &["l", "1"], None, Some("&b")),
        ("l: [!t a, &b c]\n", &["l"], None, None),
        ("l: !s [a]\n", &["l"], Some("!s"), None),
        ("key: !t\n  a: 1\n", &["key"], Some("!t"), None),
        ("key: &m !t\n  a: 1\n", &["key"], Some("!t"), Some("&m")),
        ("key: !t\n- a\n", &["key"], Some("!t"), None),
        ("key: !t # c\n  a\n", &["key"], Some("!t"), None),
        ("key: &x !t # c\n  a\n", &["key"], Some("!t"), Some("&x")),
        ("key: !t |\n  a\n", &["key"], Some("!t"), None),
        ("é: !t ü\n", &["é"], Some("!t"), None),
        ("k: !t x\r\nl:\r\n- &a !u y\r\n", &["k"], Some("!t"), None),
        (
            "k: !t x\r\nl:\r\n- &a !u y\r\n",
            &["l", "0"],
            Some("!u"),
            Some("&a"),
        ),
    ];
    for &(src, path, tag, anchor) in cases {
        for (how, doc) in both(src) {
            let id = match path.split_last() {
                Some((last, up)) if last.starts_with('?') => {
                    let map = if up.is_empty() {
                        doc.roots()[0]
                    } else {
                        at(&doc, up)
                    };
                    let (k, _) = doc
                        .entries(map)
                        .iter()
                        .find(|&(k, _)| doc.scalar(k) == Some(&last[1..]))
                        .unwrap();
                    k
                }
                _ => at(&doc, path),
            };
            let tag_text = doc.tag_range(id).map(|r| &src[r]);
            assert_eq!(tag_text, tag, "{how} {src:?} {path:?}");
            assert_eq!(doc.tag(id), tag, "{how} {src:?} {path:?}");
            let anchor_text = doc.anchor_at(id).map(|at| token(src, at));
            assert_eq!(anchor_text, anchor, "{how} {src:?} {path:?}");
        }
    }
    // A block mapping starts at its first key's properties.
    for (how, doc) in both("m:\n  &a !t k: v\n") {
        assert_eq!(doc.node(at(&doc, &["m"])).span().start, 5, "{how}");
    }
}

/// A key's column is that of its properties: new keys go there.
#[test]
fn keys_with_properties_give_their_column() {
    let cases = [
        (
            "l:\n- &a k: v\n",
            json!({"l": [{"k": "v", "j": 1}]}),
            "l:\n- &a k: v\n  j: 1\n",
        ),
        (
            "l:\n- !t &a k: v\n",
            json!({"l": [{"k": "v", "j": 1}]}),
            "l:\n- !t &a k: v\n  j: 1\n",
        ),
        (
            "m:\n  &a !t k: v\n",
            json!({"m": {"k": "v", "j": 1}}),
            "m:\n  &a !t k: v\n  j: 1\n",
        ),
        (
            "m:\r\n  !t k: v\r\n",
            json!({"m": {"k": "v", "j": 1}}),
            "m:\r\n  !t k: v\r\n  j: 1\r\n",
        ),
    ];
    for (src, new, want) in cases {
        assert_eq!(synced_to(src, new), want, "{src:?}");
    }
}

/// A scalar's new value drops its stale tag (with the blanks after it, or before it when it ends
/// its line) and keeps its anchor, wherever the tag stands.
#[test]
fn stale_tags_go_anchors_stay() {
    // (text, pointer changed, new value, text after)
    let cases = [
        ("k: &a !t x\n", "/k", json!("z"), "k: &a z\n"),
        ("k: !t &a x\n", "/k", json!("z"), "k: &a z\n"),
        ("k: !!str 1\n", "/k", json!("2"), "k: '2'\n"),
        (
            "k: !<tag:yaml.org,2002:str> x\n",
            "/k",
            json!("z"),
            "k: z\n",
        ),
        ("k: &a-b x\n", "/k", json!("z"), "k: &a-b z\n"),
        ("l:\n- !t a\n- b\n", "/l/0", json!("c"), "l:\n- c\n- b\n"),
        ("l:\n- &a-b !t- x\n", "/l/0", json!("c"), "l:\n- &a-b c\n"),
        ("key: !t # c\n  a\n", "/key", json!("b"), "key: # c\n  b\n"),
        (
            "key: &x !!int # c\n  1\n",
            "/key",
            json!("b"),
            "key: &x # c\n  b\n",
        ),
        ("key: !t\n  a\n", "/key", json!("b"), "key:\n  b\n"),
        (
            "key: !t |\n  a\n",
            "/key",
            json!("b\nc\n"),
            "key: |\n  b\n  c\n",
        ),
        (
            "k: !t x\r\nl:\r\n- &a !u y\r\n",
            "/l/0",
            json!("z"),
            "k: !t x\r\nl:\r\n- &a z\r\n",
        ),
        (
            "k: !t x\r\nl:\r\n- &a !u y\r\n",
            "/k",
            json!("z"),
            "k: z\r\nl:\r\n- &a !u y\r\n",
        ),
    ];
    for (src, ptr, new, want) in cases {
        assert_eq!(synced(src, ptr, new), want, "{src:?}");
    }
}

/// An item of a flow sequence has no `-`: its dash column is its own.
#[test]
fn flow_items_have_no_dash() {
    for (how, doc) in both("l: [a, bb, &c d]\n") {
        let cols: Vec<usize> = doc
            .items(at(&doc, &["l"]))
            .iter()
            .map(|&i| doc.dash_column(i))
            .collect();
        assert_eq!(cols, [4, 7, 14], "{how}");
    }
}
