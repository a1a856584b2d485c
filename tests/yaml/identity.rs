//! Identity on real files: every YAML/JSON file under `shared/reference/` parses, its spans are
//! consistent with the source, and writing it back unchanged is byte-identical.

use crate::support;

use private_gke::yaml::{Document, Edits, NodeId, NodeKind, ScalarStyle};
use std::path::Path;

/// Files under `shared/reference/` that are not valid YAML on purpose, with the error expected.
const INVALID: &[(&str, &str)] = &[];

fn relative(path: &Path) -> String {
    path.strip_prefix(support::reference::dir())
        .unwrap_or(path)
        .display()
        .to_string()
}

/// Every node's span lies in the source on char boundaries, children lie inside their
/// collection in source order, and scalar spans slice to their token.
fn check_spans(doc: &Document, file: &str) {
    let src = doc.source();
    for id in 0..doc.len() {
        let node = doc.node(id);
        let span = node.span();
        assert!(
            span.start <= span.end && span.end <= src.len(),
            "{file}: node {id} span {span:?} outside source"
        );
        assert!(
            src.is_char_boundary(span.start) && src.is_char_boundary(span.end),
            "{file}: node {id} span {span:?} splits a character"
        );
        let text = &src[span.clone()];
        match &node.kind {
            NodeKind::Scalar { style, .. } => {
                check_scalar(text, doc.scalar(id).expect("scalar text"), *style, file)
            }
            NodeKind::Alias { target } => {
                assert!(text.starts_with('*'), "{file}: alias text {text:?}");
                assert!(target.id() < id, "{file}: alias points forward");
            }
            NodeKind::Mapping { flow, .. } => {
                let children: Vec<NodeId> =
                    doc.entries(id).iter().flat_map(|(k, v)| [k, v]).collect();
                check_children(doc, id, *flow, &children, '{', '}', file);
            }
            NodeKind::Sequence { flow, items } => {
                check_children(doc, id, *flow, doc.items(id), '[', ']', file);
                if !flow && !items.is_empty() {
                    assert!(text.starts_with('-'), "{file}: block sequence {text:?}");
                }
            }
        }
    }
}

fn check_scalar(text: &str, value: &str, style: ScalarStyle, file: &str) {
    match style {
        ScalarStyle::Plain if !text.contains('\n') => {
            assert_eq!(text, value, "{file}: plain scalar")
        }
        ScalarStyle::Plain => assert_eq!(
            text.split_whitespace().collect::<Vec<_>>(),
            value.split_whitespace().collect::<Vec<_>>(),
            "{file}: multi-line plain scalar"
        ),
        ScalarStyle::SingleQuoted => {
            assert!(text.len() >= 2 && text.starts_with('\'') && text.ends_with('\''));
            if !text.contains('\n') {
                assert_eq!(text[1..text.len() - 1].replace("''", "'"), value, "{file}");
            }
        }
        ScalarStyle::DoubleQuoted => {
            assert!(text.len() >= 2 && text.starts_with('"') && text.ends_with('"'));
            if !text.contains(['\n', '\\']) {
                assert_eq!(&text[1..text.len() - 1], value, "{file}");
            }
        }
        ScalarStyle::Literal | ScalarStyle::Folded => {
            let indicator = if style == ScalarStyle::Literal {
                '|'
            } else {
                '>'
            };
            assert!(text.starts_with(indicator), "{file}: block scalar {text:?}");
            assert!(
                !text.ends_with(['\n', '\r']),
                "{file}: block scalar ends in a line break"
            );
            // Every content word is inside the span.
            for word in value.split_whitespace() {
                assert!(text.contains(word), "{file}: {word:?} outside {text:?}");
            }
        }
    }
}

fn check_children(
    doc: &Document,
    id: NodeId,
    flow: bool,
    children: &[NodeId],
    open: char,
    close: char,
    file: &str,
) {
    let span = doc.node(id).span();
    let text = &doc.source()[span.clone()];
    if flow {
        assert!(
            text.starts_with(open) && text.ends_with(close),
            "{file}: flow collection {text:?}"
        );
    }
    let mut last_end = span.start;
    for &child in children {
        let c = doc.node(child).span();
        assert!(
            c.start >= last_end && c.end <= span.end,
            "{file}: child {child} {c:?} of {id} {span:?} out of order or outside"
        );
        assert_eq!(doc.parent(child), Some(id), "{file}: parent of {child}");
        last_end = c.end;
    }
    if !flow {
        if let Some(&last) = children.last() {
            assert_eq!(doc.node(last).span().end, span.end, "{file}: block end");
        }
    }
}

#[test]
fn every_reference_file_parses_with_consistent_spans_and_round_trips() {
    let mut parsed = 0;
    let Some((_, files)) = support::reference_yaml_files() else {
        return;
    };
    for path in files {
        let file = relative(&path);
        let bytes = std::fs::read(&path).unwrap();
        let expected_error = INVALID.iter().find(|(f, _)| *f == file).map(|(_, e)| *e);
        let doc = match (Document::parse_bytes(&bytes), expected_error) {
            (Ok(doc), None) => doc,
            (Err(e), Some(want)) => {
                assert_eq!(e.to_string(), want, "{file}");
                continue;
            }
            (Ok(_), Some(_)) => panic!("{file}: expected to be invalid but parsed"),
            (Err(e), None) => panic!("{file}: {e}"),
        };
        assert_eq!(doc.source().as_bytes(), &bytes[..]);
        check_spans(&doc, &file);
        assert_eq!(Edits::default().apply(doc.source()).unwrap(), doc.source());
        for &root in doc.roots() {
            // Unchanged values sync to no edits at all.
            let value = doc.to_json(root).unwrap();
            let mut edits = Edits::default();
            doc.sync(root, &value, &mut edits).unwrap();
            assert!(
                edits.is_empty(),
                "{file}: sync of an unchanged value made edits"
            );
        }
        parsed += 1;
    }
    assert!(parsed > 100, "only {parsed} files parsed");
}

#[test]
fn crlf_copies_of_reference_files_parse_to_the_same_json() {
    let Some((_, files)) = support::reference_yaml_files() else {
        return;
    };
    for path in files.iter().take(60) {
        let file = relative(path);
        let text = std::fs::read_to_string(path).unwrap();
        if text.contains('\r') {
            continue;
        }
        let crlf = text.replace('\n', "\r\n");
        let (Ok(lf), Ok(cr)) = (
            Document::parse(text.as_str()),
            Document::parse(crlf.as_str()),
        ) else {
            panic!("{file}: CRLF copy does not parse");
        };
        check_spans(&cr, &file);
        let lf_json: Vec<_> = lf.roots().iter().map(|&r| lf.to_json(r).unwrap()).collect();
        let cr_json: Vec<_> = cr.roots().iter().map(|&r| cr.to_json(r).unwrap()).collect();
        assert_eq!(lf_json, cr_json, "{file}");
    }
}

#[test]
fn fast_path_builds_the_same_tree_as_granit_on_reference_files() {
    let mut fast = 0;
    let Some((_, files)) = support::reference_yaml_files() else {
        return;
    };
    for path in &files {
        let file = relative(path);
        let text = std::fs::read_to_string(path).unwrap();
        for text in [text.clone(), text.replace('\n', "\r\n")] {
            let Some(doc) = Document::parse_fast_only(text.as_str()) else {
                continue;
            };
            let slow = Document::parse_with_granit(text.as_str())
                .unwrap_or_else(|e| panic!("{file}: fast path accepted what granit rejects: {e}"));
            assert!(doc.same_tree(&slow), "{file}: fast and granit trees differ");
            fast += 1;
        }
    }
    // Most real files take the fast path (the rest use flow style, anchors, escapes...).
    assert!(
        fast * 10 >= files.len() * 2 * 6,
        "fast path read only {fast} of {}",
        files.len() * 2
    );
}

#[test]
fn fast_path_reads_these_forms_like_granit() {
    let cases = [
        "a: 1\nb: two words # c\n",
        "a:\n  b:\n  - x\n  - 'y'\n  - \"z\"\n",
        "a:\n  - --flag=1\n  - -1\n",
        "- # head comment\n  kind: X\n- b: 2\n",
        "d: description that\n  goes on\n\n  and on\ne: 1\n",
        "d: 'quoted that\n  goes on ''here''\n\n  and on'\ne: 1\n",
        "d: \"esc \\t \\\" \\u00e9 \\x41 \\n\"\n",
        "d: \"multi\n  line\"\n",
        "s: |\n  line one\n\n  # not a comment\n  line three\nt: |-\n  x\nu: |+\n  y\n\nv: 1\n",
        "e: {}\nf: []\ng:\n- []\n",
        "a: 1\n---\nb: 2\n---\n",
        "a:\r\n  - x # c\r\n  - |\r\n    y\r\n",
        "k:\nl:\n  m:\n",
        "url: http://x:80/a#b\n",
        "é: ü\n",
    ];
    for src in cases {
        let fast = Document::parse_fast_only(src)
            .unwrap_or_else(|| panic!("fast path gave up on {src:?}"));
        let slow = Document::parse_with_granit(src).unwrap();
        assert!(fast.same_tree(&slow), "{src:?}");
    }
    // Forms left to granit (a key over 1024 characters is no implicit key: an error).
    let long_key = format!("{}: v\n", "k".repeat(1030));
    assert!(Document::parse_fast_only(long_key.as_str()).is_none());
    assert!(Document::parse(long_key).is_err());
    for src in [
        "a: [1, 2]\n",
        "a: &x 1\nb: *x\n",
        "a: !t 1\n",
        "a: >\n  f\n",
        "a: \"x\\\n  y\"\n",
    ] {
        assert!(Document::parse_fast_only(src).is_none(), "{src:?}");
        assert!(Document::parse(src).is_ok(), "{src:?}");
    }
}
