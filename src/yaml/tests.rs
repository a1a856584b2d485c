//! Table-driven tests of the parse half: spans, comments, JSON view, positions, layout.

use super::{Document, Layout, NodeId, NodeKind, ScalarStyle, YamlError};
use serde_json::json;

fn doc(src: &str) -> Document {
    Document::parse(src).unwrap_or_else(|e| panic!("{src:?}: {e}"))
}

/// Follow a `/`-separated path of keys (or item indexes) from the first root.
fn at(d: &Document, path: &str) -> NodeId {
    let mut id = d.roots()[0];
    for part in path.split('/').filter(|p| !p.is_empty()) {
        id = match &d.node(id).kind {
            NodeKind::Sequence { .. } => d.items(id)[part.parse::<usize>().unwrap()],
            _ => d
                .get(id, part)
                .unwrap_or_else(|| panic!("no {part} in {path}")),
        };
    }
    id
}

fn text(d: &Document, id: NodeId) -> &str {
    &d.source()[d.node(id).span()]
}

#[test]
fn spans_slice_to_the_token_text() {
    let cases: &[(&str, &str, &str)] = &[
        ("a: 1\n", "a", "1"),
        ("a: 'x y'\n", "a", "'x y'"),
        ("a: \"x\\ty\" # c\n", "a", "\"x\\ty\""),
        ("a: [1, 2]   # z\n", "a", "[1, 2]"),
        ("a: {b: 1}\n", "a", "{b: 1}"),
        ("a:\n  b: 1\n  c: 2\n\n# tail\n", "a", "b: 1\n  c: 2"),
        ("a:\n  - x\n  - y # c\nb: 1\n", "a", "- x\n  - y"),
        ("a:\n- x\n- y\n", "a", "- x\n- y"),
        ("a:\n  - --flag\n  - -x\n", "a", "- --flag\n  - -x"),
        ("a:\n  ? k\n  : v\n", "a", "? k\n  : v"),
        ("a:\n  !t k: v\n  l: w\n", "a", "!t k: v\n  l: w"),
        ("a:\n  &x k: v\n", "a", "&x k: v"),
        ("a: |\n  x\n  y\n\nb: 1\n", "a", "|\n  x\n  y"),
        ("a: >-  # c\n  x\n  y\n", "a", ">-  # c\n  x\n  y"),
        ("a: |2\n    x\n", "a", "|2\n    x"),
        ("a: |\nb: 1\n", "a", "|"),
        ("a: | # c\nb: 1\n", "a", "|"),
        ("a: !!str |\n  x\n", "a", "|\n  x"),
        ("a:\n  b: |\n    x\n", "a", "b: |\n    x"),
        ("a: &x 1\nb: *x\n", "b", "*x"),
        ("a: &x\n  c: 1\n", "a", "c: 1"),
        ("a:\nb: 1\n", "a", ""),
        ("a: x\r\n  y\r\nb: 1\r\n", "a", "x\r\n  y"),
    ];
    for &(src, path, want) in cases {
        let d = doc(src);
        assert_eq!(text(&d, at(&d, path)), want, "{src:?} {path}");
    }
}

#[test]
fn empty_value_span_is_after_the_colon() {
    let d = doc("a:\nb: # c\n");
    assert_eq!(d.node(at(&d, "a")).span(), 2..2);
    assert_eq!(d.node(at(&d, "b")).span(), 5..5);
    assert_eq!(
        d.to_json(d.roots()[0]).unwrap(),
        json!({"a": null, "b": null})
    );
}

#[test]
fn styles_tags_and_anchors_are_kept() {
    let d = doc("a: &x !!str 1\nb: 'q'\nc: \"d\"\ne: |\n  l\nf: >\n  g\nh: !foo {i: *x}\n");
    let style = |p: &str| match &d.node(at(&d, p)).kind {
        NodeKind::Scalar { style, .. } => *style,
        k => panic!("{k:?}"),
    };
    assert_eq!(style("a"), ScalarStyle::Plain);
    assert_eq!(style("b"), ScalarStyle::SingleQuoted);
    assert_eq!(style("c"), ScalarStyle::DoubleQuoted);
    assert_eq!(style("e"), ScalarStyle::Literal);
    assert_eq!(style("f"), ScalarStyle::Folded);
    let a = at(&d, "a");
    assert_eq!(d.tag(a), Some("!!str"));
    assert_eq!(d.anchor(a), Some("x"));
    assert_eq!(d.tag(at(&d, "h")), Some("!foo"));
    let alias = at(&d, "h/i");
    let NodeKind::Alias { target } = d.node(alias).kind else {
        panic!("not an alias")
    };
    assert_eq!(target.id(), at(&d, "a"));
    assert_eq!(
        d.to_json(d.roots()[0]).unwrap(),
        json!({"a": "1", "b": "q", "c": "d", "e": "l\n", "f": "g\n", "h": {"i": "1"}})
    );
}

#[test]
fn multi_document_streams_give_one_root_each() {
    let d = doc("a: 1\n---\nb: 2\n...\n---\n- 3\n---\n");
    assert_eq!(d.roots().len(), 3);
    let values: Vec<_> = d.roots().iter().map(|&r| d.to_json(r).unwrap()).collect();
    assert_eq!(values, vec![json!({"a": 1}), json!({"b": 2}), json!([3])]);
}

#[test]
fn empty_input_has_no_roots() {
    for src in ["", "# only a comment\n", "---\n", "\n\n"] {
        assert!(doc(src).roots().is_empty(), "{src:?}");
    }
}

#[test]
fn get_and_entry_find_keys() {
    let d = doc("a: 1\n'b': 2\n");
    let root = d.roots()[0];
    let (k, v) = d.entry(root, "b").unwrap();
    assert_eq!(text(&d, k), "'b'");
    assert_eq!(text(&d, v), "2");
    assert_eq!(d.get(root, "c"), None);
    assert_eq!(d.get(v, "x"), None);
    assert_eq!(d.parent(v), Some(root));
    assert_eq!(d.key_of(v), Some(k));
}

#[test]
fn json_view_resolves_aliases_and_merge_keys() {
    let src = "base: &b {x: 1, y: 2}\nother: &o {z: 3, x: 9}\n\
               m:\n  <<: [*b, *o]\n  y: 5\n  w: 6\n\
               n:\n  <<: *b\n";
    let d = doc(src);
    assert_eq!(
        d.to_json(at(&d, "m")).unwrap(),
        json!({"y": 5, "w": 6, "x": 1, "z": 3})
    );
    assert_eq!(d.to_json(at(&d, "n")).unwrap(), json!({"x": 1, "y": 2}));
    let d = doc("'<<': 1\n");
    assert_eq!(d.to_json(d.roots()[0]).unwrap(), json!({"<<": 1}));
}

#[test]
fn json_keys_are_their_text() {
    let d = doc("1: a\n~: b\ntrue: c\n[x, 2]: d\n{k: v}: e\n");
    assert_eq!(
        d.to_json(d.roots()[0]).unwrap(),
        json!({"1": "a", "~": "b", "true": "c", "[\"x\",2]": "d", "{\"k\":\"v\"}": "e"})
    );
}

fn err(src: &str) -> YamlError {
    match Document::parse(src) {
        Ok(_) => panic!("{src:?} parsed"),
        Err(e) => e,
    }
}

#[test]
fn bad_input_errors_say_what_and_where() {
    let cases: &[(&str, &str, usize, usize)] = &[
        ("a:\n\tb: 1\n", "tab character used as indentation", 2, 1),
        ("a: \"abc\nb: 1\n", "unclosed quote", 1, 4),
        ("a: 'x\n", "unclosed quote", 1, 4),
        (
            "a: 1\nb: 2\na: 3\n",
            "duplicate key \"a\" (first defined on line 1)",
            3,
            1,
        ),
        (
            "x:\n  - k: 1\n    'k': 2\n",
            "duplicate key \"k\" (first defined on line 2)",
            3,
            5,
        ),
        (
            "a: *nope\n",
            "while parsing node, found unknown anchor",
            1,
            4,
        ),
        (
            "a: &x [*x]\n",
            "alias *x refers to a node that contains it",
            1,
            8,
        ),
    ];
    for &(src, message, line, column) in cases {
        assert_eq!(
            err(src),
            YamlError {
                message: message.into(),
                line,
                column
            },
            "{src:?}"
        );
    }
}

#[test]
fn duplicate_keys_in_big_mappings_are_found() {
    let mut src: String = (0..40).map(|i| format!("k{i}: {i}\n")).collect();
    src.push_str("k7: again\n");
    assert_eq!(
        err(&src),
        YamlError {
            message: "duplicate key \"k7\" (first defined on line 8)".into(),
            line: 41,
            column: 1
        }
    );
}

#[test]
fn invalid_utf8_reports_the_first_bad_byte() {
    let e = Document::parse_bytes(b"a: 1\nb: x\xff\n").unwrap_err();
    assert_eq!(
        e,
        YamlError {
            message: "invalid UTF-8 (byte 0xff)".into(),
            line: 2,
            column: 5
        }
    );
    assert!(Document::parse_bytes(b"a: 1\n").is_ok());
}

#[test]
fn deep_nesting_is_an_error_not_a_stack_overflow() {
    let flow = "[".repeat(100_000);
    let e = err(&flow);
    assert_eq!(e.message, "nesting deeper than 1000 levels");
    assert_eq!(e.line, 1);
    let block: String = (0..2000)
        .map(|i| format!("{}k:\n", " ".repeat(i)))
        .collect();
    assert_eq!(err(&block).message, "nesting deeper than 1000 levels");
    // 1000 levels are fine and convert to JSON.
    let ok = format!("{}{}", "[".repeat(999), "]".repeat(999));
    let d = doc(&ok);
    assert!(d.to_json(d.roots()[0]).unwrap().is_array());
}

#[test]
fn alias_bomb_is_refused() {
    let mut src = String::from("a: &a [x, x, x, x, x, x, x, x, x, x]\n");
    let mut prev = 'a';
    for name in 'b'..='i' {
        let refs = vec![format!("*{prev}"); 10].join(", ");
        src.push_str(&format!("{name}: &{name} [{refs}]\n"));
        prev = name;
    }
    let d = doc(&src);
    let e = d.to_json(d.roots()[0]).unwrap_err();
    assert_eq!(
        e.message,
        "alias expansion exceeds 1000000 nodes (alias bomb?)"
    );
    // A small expansion is fine.
    assert_eq!(
        d.to_json(at(&d, "b")).unwrap().as_array().unwrap().len(),
        10
    );
}

#[test]
fn alias_nesting_is_bounded_in_the_json_view() {
    // Each level nests the previous anchor 600 deep: expansion depth passes the bound.
    let mut src = String::from("a: &a 1\n");
    let mut prev = 'a';
    for name in ['b', 'c'] {
        src.push_str(&format!(
            "{name}: &{name} {}*{prev}{}\n",
            "[".repeat(600),
            "]".repeat(600)
        ));
        prev = name;
    }
    let d = doc(&src);
    assert!(d.to_json(at(&d, "b")).is_ok());
    let e = d.to_json(at(&d, "c")).unwrap_err();
    assert_eq!(
        e.message,
        "nesting deeper than 1000 levels after alias expansion"
    );
}

#[test]
fn line_comments_attach_as_kpt_does() {
    let src = "\
a: 1 # on scalar
b: 'q'   # on quoted
env: # on block seq key
  - x # on item
  - y
m: # on block map key
  k: v
lit: |- # on header
  text # not a comment
flow: [1, 2] # on flow seq
fm: {a: 1}  # on flow map
none: 2
# above
after: &anc # with anchor
  z: 1
e: # on empty
";
    let d = doc(src);
    let cases = [
        ("a", Some("on scalar")),
        ("b", Some("on quoted")),
        ("env", Some("on block seq key")),
        ("env/0", Some("on item")),
        ("env/1", None),
        ("m", Some("on block map key")),
        ("m/k", None),
        ("lit", Some("on header")),
        ("flow", Some("on flow seq")),
        ("fm", Some("on flow map")),
        ("none", None),
        ("after", Some("with anchor")),
        ("e", Some("on empty")),
    ];
    for (path, want) in cases {
        assert_eq!(d.line_comment(at(&d, path)), want, "{path}");
    }
    let lit = at(&d, "lit");
    assert_eq!(d.to_json(lit).unwrap(), json!("text # not a comment"));
}

#[test]
fn line_comments_in_crlf_files() {
    let d = doc(
        "a: 1 # one\r\nenv: # two\r\n  - x\r\nb: |  # three\r\n  t\r\n\
                 c: [1, 2] # four\r\nd: 'q' # five\r\ne: # six\r\n- |- # seven\r\n  s\r\n",
    );
    let cases = [
        ("a", "one"),
        ("env", "two"),
        ("b", "three"),
        ("c", "four"),
        ("d", "five"),
        ("e", "six"),
        ("e/0", "seven"),
    ];
    for (path, want) in cases {
        assert_eq!(d.line_comment(at(&d, path)), Some(want), "{path}");
    }
    assert_eq!(d.to_json(at(&d, "b")).unwrap(), json!("t\n"));
    assert_eq!(d.to_json(at(&d, "e")).unwrap(), json!(["s"]));
}

#[test]
fn line_comments_for_compact_sequences_and_items() {
    let d = doc("env: # on key\n- a # on a\n- |- # on block item\n  b\n- [c] # on flow item\n");
    let cases = [
        ("env", Some("on key")),
        ("env/0", Some("on a")),
        ("env/1", Some("on block item")),
        ("env/2", Some("on flow item")),
    ];
    for (path, want) in cases {
        assert_eq!(d.line_comment(at(&d, path)), want, "{path}");
    }
}

#[test]
fn head_comments_are_the_lines_directly_above() {
    let src = "\
# doc comment

# first
#   second
a: 1
b:
  # on item
  - x
  -   # not above y
  - y
  # on map item
  - k: v
    # on l
    l: w
c: |
  # content, not a comment
d: 1
";
    let d = doc(src);
    let key = |path: &str| {
        let (parent, name) = path.rsplit_once('/').unwrap_or(("", path));
        d.entry(at(&d, parent), name).unwrap().0
    };
    assert_eq!(d.head_comment(key("a")).as_deref(), Some("first\nsecond"));
    assert_eq!(d.head_comment(key("b")), None);
    assert_eq!(d.head_comment(at(&d, "b/0")).as_deref(), Some("on item"));
    assert_eq!(d.head_comment(at(&d, "b/2")), None);
    assert_eq!(
        d.head_comment(at(&d, "b/3")).as_deref(),
        Some("on map item")
    );
    assert_eq!(d.head_comment(key("b/3/k")).as_deref(), Some("on map item"));
    assert_eq!(d.head_comment(key("b/3/l")).as_deref(), Some("on l"));
    assert_eq!(d.head_comment(key("d")), None);
    // kpt writes a resource's file head comment after its item's dash.
    let d = doc("items:\n# above\n- # head comment of file\n  kind: X\n-   # no\n  - y\n");
    let item = at(&d, "items/0");
    assert_eq!(
        d.head_comment(item).as_deref(),
        Some("above\nhead comment of file")
    );
    let kind = d.entry(item, "kind").unwrap().0;
    assert_eq!(
        d.head_comment(kind).as_deref(),
        Some("above\nhead comment of file")
    );
    assert_eq!(d.head_comment(at(&d, "items/1")).as_deref(), Some("no"));
    let crlf = doc("# h1\r\n# h2\r\na: 1\r\n");
    let a = crlf.entry(crlf.roots()[0], "a").unwrap().0;
    assert_eq!(crlf.head_comment(a).as_deref(), Some("h1\nh2"));
}

#[test]
fn positions_are_one_based_in_characters() {
    let d = doc("a: é\nbb: x\n");
    assert_eq!(d.position(0), (1, 1));
    assert_eq!(d.position(3), (1, 4));
    assert_eq!(d.position(5), (1, 5));
    assert_eq!(d.position(6), (2, 1));
    assert_eq!(d.position(10), (2, 5));
    assert_eq!(d.position(1000), (3, 1));
}

#[test]
fn layout_is_detected() {
    let cases = [
        ("a: 1\n", Layout::default()),
        (
            "a:\n    b: 1\nc:\n    - x\n",
            Layout {
                indent: 4,
                wide_sequences: true,
                crlf: false,
                double_quotes: false,
            },
        ),
        (
            "a:\n  b:\n  - x\n",
            Layout {
                indent: 2,
                wide_sequences: false,
                crlf: false,
                double_quotes: false,
            },
        ),
        (
            "a:\r\n   - x\r\n",
            Layout {
                indent: 3,
                wide_sequences: true,
                crlf: true,
                double_quotes: false,
            },
        ),
        (
            "a: \"x\"\nb: \"y\"\nc: 'z'\n",
            Layout {
                double_quotes: true,
                ..Layout::default()
            },
        ),
    ];
    for (src, want) in cases {
        assert_eq!(doc(src).layout(), want, "{src:?}");
    }
}

#[test]
fn scalar_text_reads_the_decoded_value_whether_kept_or_in_source() {
    let src = "a: plain\nb: 'quoted'\nc: \"dq\"\nd: 'it''s'\ne: \"x\\ty\"\nf: two\n  lines\ng: |\n  lit\nh:\ni: ''\nj: \"\"\n";
    let d = doc(src);
    let cases: &[(&str, &str)] = &[
        ("a", "plain"),
        ("b", "quoted"),
        ("c", "dq"),
        ("d", "it's"),
        ("e", "x\ty"),
        ("f", "two lines"),
        ("g", "lit\n"),
        ("h", ""),
        ("i", ""),
        ("j", ""),
    ];
    for &(key, want) in cases {
        assert_eq!(d.scalar(at(&d, key)), Some(want), "{key}");
        assert_eq!(d.scalar_of(d.node(at(&d, key))), Some(want), "{key}");
    }
    assert_eq!(d.scalar(d.roots()[0]), None, "a mapping has no scalar text");
    assert_eq!(d.scalar(d.len()), None, "no such node");
    let granit = Document::parse_with_granit(src).expect("granit parses");
    for &(key, want) in cases {
        assert_eq!(granit.scalar(at(&granit, key)), Some(want), "granit {key}");
    }
}

#[test]
fn tags_and_anchors_of_collections_and_scalars() {
    let d = doc("m: &m !t\n  k: &v !!str 1\ns: &s [a]\nn: 2\n");
    let (m, k, s, n) = (at(&d, "m"), at(&d, "m/k"), at(&d, "s"), at(&d, "n"));
    assert_eq!((d.tag(m), d.anchor(m)), (Some("!t"), Some("m")));
    assert_eq!((d.tag(k), d.anchor(k)), (Some("!!str"), Some("v")));
    assert_eq!((d.tag(s), d.anchor(s)), (None, Some("s")));
    assert_eq!((d.tag(n), d.anchor(n)), (None, None));
    assert_eq!(d.tag(d.len()), None);
    // The flag bit that marks a node with properties is not part of its span.
    assert_eq!(text(&d, k), "1");
    assert_eq!(text(&d, s), "[a]");
}

#[test]
fn nodes_stay_small() {
    // The memory target (parsed document ≤ 4× its text) rests on this size.
    assert_eq!(std::mem::size_of::<super::Node>(), 20);
}

#[test]
fn comments_within_a_node_include_its_last_line() {
    let d = doc("# before\na:\n  b: 1 # one\n  c: 2 # two\nd: 3 # after\n");
    let a = at(&d, "a");
    assert_eq!(d.comments_within(a), vec!["one", "two"]);
    let root = d.roots()[0];
    assert_eq!(d.comments_within(root), vec!["one", "two", "after"]);
}

/// Parse with duplicate keys allowed.
fn lenient(src: &str) -> Document {
    let options = super::ParseOptions {
        allow_duplicate_keys: true,
    };
    Document::parse_with(src, options).unwrap_or_else(|e| panic!("{src:?}: {e}"))
}

#[test]
fn duplicate_keys_can_be_allowed_and_are_listed_with_the_last_value_read() {
    // Block text (the fast path) and flow text (granit) alike.
    for src in [
        "namespace: a\nresources:\n- x\nnamespace: b\nlabels:\n  k: 1\n  k: 2\n  k: 3\n",
        "{namespace: a, resources: [x], namespace: b, labels: {k: 1, k: 2, k: 3}}\n",
    ] {
        assert!(Document::parse(src).is_err(), "{src:?}");
        let d = lenient(src);
        assert_eq!(
            d.to_json(d.roots()[0]).unwrap(),
            json!({"namespace": "b", "resources": ["x"], "labels": {"k": 3}}),
            "{src:?}"
        );
        let pairs: Vec<(&str, &str)> = d
            .duplicate_keys()
            .iter()
            .map(|&(a, b)| (text(&d, a), text(&d, b)))
            .collect();
        assert_eq!(pairs, [("namespace", "namespace"), ("k", "k"), ("k", "k")]);
        let starts: Vec<usize> = d
            .duplicate_keys()
            .iter()
            .map(|&(_, b)| d.node(b).span().start)
            .collect();
        assert!(starts.is_sorted(), "{src:?}");
    }
    assert!(doc("a: 1\nb: 2\n").duplicate_keys().is_empty());
    assert!(lenient("a: 1\nb: 2\n").duplicate_keys().is_empty());
}

#[test]
fn syncing_refuses_to_change_a_repeated_key_and_edits_the_rest() {
    let src = "namespace: a # first\nresources:\n- x\nnamespace: b\n";
    let d = lenient(src);
    let root = d.roots()[0];
    let old = d.to_json(root).unwrap();
    let sync = |new: serde_json::Value| {
        let mut edits = super::Edits::default();
        d.sync_from(root, &old, &new, &mut edits)
            .map(|()| edits.apply(d.source()).unwrap())
    };
    assert_eq!(
        sync(json!({"namespace": "b", "resources": ["x", "z"]})).unwrap(),
        "namespace: a # first\nresources:\n- x\n- z\nnamespace: b\n"
    );
    assert_eq!(
        sync(json!({"namespace": "b", "resources": ["x"], "new": 1})).unwrap(),
        format!("{src}new: 1\n")
    );
    let refused = "cannot change (root): key `namespace` is written twice in this mapping \
                   (lines 1 and 4); edit it by hand";
    for new in [
        json!({"namespace": "c", "resources": ["x"]}),
        json!({"resources": ["x"]}),
        json!({"other": 1}),
    ] {
        let e = sync(new.clone()).expect_err(&new.to_string());
        assert_eq!((e.message.as_str(), e.line, e.column), (refused, 4, 1));
    }
}

#[test]
fn a_block_mapping_on_the_line_of_its_implicit_key_is_an_error() {
    for bad in ["  k: v\n  : x: y\n", "k: v\n: x: y\n"] {
        let e = Document::parse(bad).expect_err(bad);
        assert!(e.message.contains("block mapping"), "{bad}: {e}");
    }
    for good in [
        "? a\n: b: c\n",
        "k:\n  x: y\n",
        "- a: b\n  c: d\n",
        "k: v\n: x\n",
        "a: {b: c}\n",
    ] {
        Document::parse(good).unwrap_or_else(|e| panic!("{good}: {e}"));
    }
}

#[test]
fn a_root_mapping_with_an_explicit_key_on_the_next_line_is_replaced_whole() {
    let src = "---\n?\n- a\n- b\n:\n- c\n";
    let doc = Document::parse(src).unwrap();
    let root = doc.roots()[0];
    assert_eq!(doc.node(root).span().start, src.find('?').unwrap());
    let mut edits = crate::yaml::Edits::default();
    doc.sync(root, &serde_json::json!([]), &mut edits).unwrap();
    let out = edits.apply(src).unwrap();
    let back = Document::parse(out.as_str()).unwrap();
    assert_eq!(
        back.to_json(back.roots()[0]).unwrap(),
        serde_json::json!([]),
        "{out}"
    );
    // A `?` that ends a comment is no indicator.
    let src = "# why?\na: b\n";
    let doc = Document::parse(src).unwrap();
    assert_eq!(
        doc.node(doc.roots()[0]).span().start,
        src.find('a').unwrap()
    );
}

#[test]
fn a_mapping_of_a_lone_question_mark_is_replaced_whole() {
    // Fuzz finding (`\n?`, `\r?`): the root mapping of an empty explicit key starts at its `?`.
    for src in ["\n?", "\r?", "?", "\n? \n"] {
        let d = Document::parse(src).unwrap_or_else(|e| panic!("{src:?}: {e}"));
        let root = d.roots()[0];
        let old = d.to_json(root).unwrap();
        let mut edits = super::Edits::default();
        if d.sync_from(root, &old, &json!([]), &mut edits).is_err() {
            continue;
        }
        let out = edits.apply(d.source()).unwrap();
        let re = Document::parse(out.as_str()).unwrap_or_else(|e| panic!("{out:?}: {e}"));
        assert_eq!(
            re.to_json(re.roots()[0]).unwrap(),
            json!([]),
            "{src:?} -> {out:?}"
        );
    }
}

#[test]
fn a_key_on_the_line_after_its_explicit_question_mark_is_refused_not_misplaced() {
    // Fuzz finding (package `--output stdout`): a key added after `?` then `$` on the next line
    // landed at the column of `$`, inside the key (`?\n $\n metadata:` does not parse).
    let add = |src: &str| {
        let d = doc(src);
        let root = d.roots()[0];
        let mut new = d.to_json(root).unwrap();
        match new.get_mut("a").filter(|a| a.is_object()) {
            Some(a) => a["metadata"] = json!({"name": "x"}),
            None => new["metadata"] = json!({"name": "x"}),
        }
        let mut edits = super::Edits::default();
        d.sync(root, &new, &mut edits)
            .map(|()| (edits.apply(d.source()).unwrap(), new))
    };
    for src in [
        "?\n $",
        "?\n $\n",
        "?\r $",
        "? \n  k\n: v\n",
        "a:\n  ?\n   $\n",
        "k: v\n?\n  $\n",
    ] {
        let e = add(src).expect_err(src);
        assert!(e.message.contains("explicit `? key`"), "{src:?}: {e}");
    }
    // A `?` that ends a scalar or a comment before a key is no indicator.
    for src in [
        "a: why ?\nb: c\n",
        "# why ?\nb: c\n",
        "a: # why ?\n  b: c\n",
        "a: |\n  ?\nb: c\n",
    ] {
        let (out, new) = add(src).unwrap_or_else(|e| panic!("{src:?}: {e}"));
        let re = doc(&out);
        assert_eq!(
            re.to_json(re.roots()[0]).unwrap(),
            new,
            "{src:?} -> {out:?}"
        );
    }
}

#[test]
fn comments_and_positions_of_cr_only_text_are_those_of_the_same_text_with_line_feeds() {
    let lf = "a:\n  x: y # kpt-set: ${x}\n  # head\n  # more\n  w: q # c2\n";
    let cr = lf.replace('\n', "\r");
    let (dl, dc) = (doc(lf), doc(&cr));
    for path in ["a/x", "a/w"] {
        let (l, c) = (at(&dl, path), at(&dc, path));
        assert_eq!(dc.line_comment(c), dl.line_comment(l), "{path}");
        let (kl, kc) = (dl.key_of(l).unwrap(), dc.key_of(c).unwrap());
        assert_eq!(dc.head_comment(kc), dl.head_comment(kl), "{path}");
        let start = dc.node(c).span().start;
        assert_eq!(
            dc.position(start),
            dl.position(dl.node(l).span().start),
            "{path}"
        );
        assert_eq!(
            dc.line_start(start),
            dl.line_start(dl.node(l).span().start),
            "{path}"
        );
    }
    assert_eq!(
        dc.head_comment(dc.key_of(at(&dc, "a/w")).unwrap())
            .as_deref(),
        Some("head\nmore")
    );
    assert_eq!(dc.comments_within(at(&dc, "a/x")), ["kpt-set: ${x}"]);
}

#[test]
fn three_yaml_test_suite_error_cases_go_yaml_reads_are_read_as_it_reads_them() {
    // 9C9N, DK95-01, QB6E (the reference tier's `ERRORS_READ`): continuation lines of a flow or
    // quoted value no deeper than their mapping, or indented by a tab; kpt reads them, so they
    // are never refused.
    for (src, want) in [
        ("---\nflow: [a,\nb,\nc]\n", json!({"flow": ["a", "b", "c"]})),
        ("foo: \"bar\n\tbaz\"\n", json!({"foo": "bar baz"})),
        ("---\nquoted: \"a\nb\nc\"\n", json!({"quoted": "a b c"})),
    ] {
        let d = doc(src);
        assert_eq!(d.to_json(d.roots()[0]).unwrap(), want, "{src:?}");
    }
}
