//! Tests of the renderer: quoting, block collections, literal blocks, comments.

use super::*;
use serde_json::json;

const COMPACT: Layout = Layout {
    indent: 2,
    wide_sequences: false,
    crlf: false,
    double_quotes: false,
};
const WIDE4: Layout = Layout {
    indent: 4,
    wide_sequences: true,
    crlf: false,
    double_quotes: false,
};

/// Read `text` back with a libyaml-based (YAML 1.1) reader.
fn libyaml(text: &str) -> Value {
    serde_norway::from_str(text).unwrap_or_else(|e| panic!("{text:?}: {e}"))
}

#[test]
fn strings_that_read_as_other_types_are_quoted() {
    let quoted = [
        "on",
        "On",
        "ON",
        "yes",
        "Yes",
        "y",
        "Y",
        "n",
        "N",
        "no",
        "off",
        "~",
        "null",
        "Null",
        "true",
        "False",
        "012",
        "0o12",
        "0x1F",
        "0b101",
        "1e3",
        "1_000",
        "2024-01-01",
        "2024-1-1",
        "2001-12-14t21:59:43.10-05:00",
        "2001-12-14 21:59:43.10 -5",
        "1:30",
        "1.2.3",
        "-1",
        "+1",
        "-.5",
        ".5",
        ".inf",
        "-.Inf",
        ".NaN",
        ".",
        "=",
        "<<",
        "-",
        ":",
        "- x",
        "a: b",
        "#x",
        "x #y",
        " x",
        "x ",
        "*x",
        "&x",
        "!x",
        "@x",
        "`x",
        "%x",
        "?x",
        ":x",
        "|x",
        ">x",
        "'x",
        "\"x",
        "[x",
        "]x",
        "{x",
        "}x",
        ",x",
        "x:",
        "---",
        "...x",
    ];
    for s in quoted {
        let text = scalar_text(&json!(s));
        assert_eq!(text, format!("'{}'", s.replace('\'', "''")), "{s:?}");
        assert_eq!(libyaml(&format!("k: {text}")), json!({ "k": s }), "{s:?}");
    }
    assert_eq!(scalar_text(&json!("")), "''");
}

#[test]
fn simple_words_agree_with_the_full_rules() {
    let words = [
        "prod-0",
        "us-central1",
        "a.b/c_d",
        "yes",
        "Yes",
        "on",
        "null",
        "Null",
        "true",
        "n",
        "y",
        "off",
        "NO",
        "x",
        "v1.2",
        "nullable",
        "e3",
        "E3",
        "example.com/x",
    ];
    for w in words {
        let full = plain_ok(w, Context::Flow) && reads_as_string(w);
        assert_eq!(simple_word(w), full, "{w}");
    }
    assert!(!simple_word("1abc") && !simple_word("-x") && !simple_word("a b") && !simple_word(""));
}

#[test]
fn safe_strings_stay_plain() {
    let plain = [
        "x",
        "us-central1",
        "172.16.0.0/28",
        "my-project",
        "--flag=value",
        "a#b",
        "a:b",
        "http://example.com/x?y=1",
        "v1.2",
        "1x",
        "0xZZ",
        "é ü",
        "日本語",
        "a b c",
        "e3",
        "nullable",
        "yesterday",
        "+",
        "0o9",
    ];
    for s in plain {
        assert_eq!(string_text(s, Context::Block), s, "{s:?}");
        assert_eq!(libyaml(&format!("k: {s}")), json!({ "k": s }), "{s:?}");
    }
    // Flow context forbids flow indicators and `:`.
    assert_eq!(string_text("a,b", Context::Block), "a,b");
    assert_eq!(scalar_text(&json!("a,b")), "'a,b'");
    assert_eq!(scalar_text(&json!("a:b")), "'a:b'");
}

#[test]
fn new_strings_follow_the_documents_quotes() {
    let double = Renderer::new(Layout {
        double_quotes: true,
        ..Layout::default()
    });
    let single = Renderer::new(Layout::default());
    for (s, plain) in [("80", false), ("0-65535", false), ("kf", true)] {
        let d = double.block_scalar(&json!(s), 0, 0);
        let q = single.block_scalar(&json!(s), 0, 0);
        if plain {
            assert_eq!((d.as_str(), q.as_str()), (s, s));
        } else {
            assert_eq!(d, format!("\"{s}\""));
            assert_eq!(q, format!("'{s}'"));
        }
    }
}

#[test]
fn escapes_use_double_quotes() {
    let cases = [
        ("a\tb", "\"a\\tb\""),
        ("a:\tb", "\"a:\\tb\""),
        ("a\nb", "\"a\\nb\""),
        ("a\r\nb", "\"a\\r\\nb\""),
        ("bell\u{7}", "\"bell\\x07\""),
        ("nel\u{85}", "\"nel\\N\""),
        ("ls\u{2028}", "\"ls\\L\""),
        ("\u{feff}bom", "\"\\uFEFFbom\""),
        ("it's", "it's"),
        ("'q' \"d\"", "'''q'' \"d\"'"),
        ("back\\slash\n", "\"back\\\\slash\\n\""),
    ];
    for (s, want) in cases {
        let text = scalar_text(&json!(s));
        assert_eq!(text, want, "{s:?}");
        assert_eq!(libyaml(&format!("k: {text}")), json!({ "k": s }), "{s:?}");
    }
}

#[test]
fn non_strings_are_plain() {
    let cases = [
        (json!(null), "null"),
        (json!(true), "true"),
        (json!(false), "false"),
        (json!(12), "12"),
        (json!(-3), "-3"),
        (json!(1.5), "1.5"),
        (json!(1e300), "1.0e+300"),
        (json!(2.5e-7), "2.5e-7"),
        (json!(18446744073709551615u64), "18446744073709551615"),
        (json!([]), "[]"),
        (json!({}), "{}"),
        (json!([1, "on", {"a": "b c"}]), "[1, 'on', {a: b c}]"),
    ];
    for (v, want) in cases {
        assert_eq!(scalar_text(&v), want, "{v}");
    }
    assert_eq!(libyaml("k: 1.0e+300"), json!({"k": 1e300}));
}

#[test]
fn render_item_and_document() {
    let v = json!({
        "name": "web",
        "ports": [{"port": 80, "name": "http"}, 443],
        "labels": {"app": "on"},
        "empty": {},
        "none": [],
        "script": "echo a\necho b\n",
        "nested": [[1, 2], []],
    });
    let want_compact = "\
- name: web
    ports:
    - port: 80
      name: http
    - 443
    labels:
      app: 'on'
    empty: {}
    none: []
    script: |
      echo a
      echo b
    nested:
    - - 1
      - 2
    - []";
    assert_eq!(render_item(&v, 2, COMPACT), want_compact);
    let want_wide = "\
- name: web
  ports:
      - port: 80
        name: http
      - 443
  labels:
      app: 'on'
  empty: {}
  none: []
  script: |
      echo a
      echo b
  nested:
      - - 1
        - 2
      - []";
    assert_eq!(render_item(&v, 0, WIDE4), want_wide);
    let doc = render_document(&v, COMPACT);
    assert_eq!(doc, format!("{}\n", &want_compact_at_root()));
    assert_eq!(libyaml(&doc), v);
    assert_eq!(
        libyaml(&format!("items:\n  {want_compact}\n")),
        json!({"items": [v]})
    );
    assert_eq!(libyaml(&format!("{want_wide}\n")), json!([v]));
    fn want_compact_at_root() -> &'static str {
        "name: web\nports:\n- port: 80\n  name: http\n- 443\nlabels:\n  app: 'on'\nempty: {}\nnone: []\nscript: |\n  echo a\n  echo b\nnested:\n- - 1\n  - 2\n- []"
    }
}

#[test]
fn render_scalars_and_crlf() {
    assert_eq!(render_item(&json!("on"), 0, COMPACT), "- 'on'");
    assert_eq!(render_item(&json!({}), 0, COMPACT), "- {}");
    assert_eq!(render_document(&json!({}), COMPACT), "{}\n");
    assert_eq!(render_document(&json!([]), COMPACT), "[]\n");
    assert_eq!(render_document(&json!("yes"), COMPACT), "'yes'\n");
    assert_eq!(render_document(&json!("a\nb"), COMPACT), "|-\n  a\n  b\n");
    let crlf = Layout {
        crlf: true,
        ..COMPACT
    };
    assert_eq!(
        render_item(&json!({"a": 1, "b": [2]}), 0, crlf),
        "- a: 1\r\n  b:\r\n  - 2"
    );
    assert_eq!(render_document(&json!({"a": 1}), crlf), "a: 1\r\n");
}

#[test]
fn multi_line_strings_become_literal_blocks() {
    let r = Renderer::new(COMPACT);
    let cases = [
        ("a\nb", "|-\n    a\n    b"),
        ("a\nb\n", "|\n    a\n    b"),
        ("a\nb\n\n", "\"a\\nb\\n\\n\""),
        ("a\n\nb", "|-\n    a\n\n    b"),
        ("  indented\nx\n", "|2\n      indented\n    x"),
        ("\n  lead\n", "|2\n\n      lead"),
        ("trailing  \nspace", "|-\n    trailing  \n    space"),
        ("tab\there\n", "\"tab\\there\\n\""),
        ("\n\n", "\"\\n\\n\""),
        ("cr\r\nlf", "\"cr\\r\\nlf\""),
    ];
    for (s, want) in cases {
        let text = r.after_key(&json!(s), 2);
        assert_eq!(text, format!(" {want}"), "{s:?}");
        let doc = format!("top:\n  k:{text}\n  after: 1\n");
        assert_eq!(
            libyaml(&doc),
            json!({"top": {"k": s, "after": 1}}),
            "{doc:?}"
        );
    }
    // In a sequence item, the indentation indicator counts from the dash.
    let item = render_item(&json!(["  x\n"]), 2, COMPACT);
    assert_eq!(item, "- - |2\n        x");
    assert_eq!(
        libyaml(&format!("l:\n  {item}\n")),
        json!({"l": [["  x\n"]]})
    );
    let no_breaks = Renderer {
        trailing_breaks_ok: false,
        ..r
    };
    assert_eq!(no_breaks.after_key(&json!("a\n"), 0), " \"a\\n\"");
    assert_eq!(no_breaks.after_key(&json!("a\nb"), 0), " |-\n  a\n  b");
}

#[test]
fn keys_are_quoted_when_needed() {
    let v = json!({"on": 1, "a b": 2, "x: y": 3, "1": 4, "": 5, "line\nbreak": 6});
    let doc = render_document(&v, COMPACT);
    assert_eq!(
        doc,
        "'on': 1\na b: 2\n'x: y': 3\n'1': 4\n'': 5\n\"line\\nbreak\": 6\n"
    );
    assert_eq!(libyaml(&doc), v);
}

#[test]
fn indent_as_item_keeps_comments() {
    let text = "# head\n\napiVersion: v1 # kpt-set: ${x}\nkind: ConfigMap\ndata:\n  k: |\n    a\n\n    b\n";
    let out = indent_as_item(text, 2, COMPACT);
    assert_eq!(
            out,
            "# head\n\n  - apiVersion: v1 # kpt-set: ${x}\n    kind: ConfigMap\n    data:\n      k: |\n        a\n\n        b"
        );
    let doc = format!("items:\n  {out}\n");
    assert_eq!(
        libyaml(&doc),
        json!({"items": [{"apiVersion": "v1", "kind": "ConfigMap", "data": {"k": "a\n\nb\n"}}]})
    );
    assert_eq!(
        indent_as_item(
            "---\na: 1\r\nb: 2\r\n",
            0,
            Layout {
                crlf: true,
                ..COMPACT
            }
        ),
        "- a: 1\r\n  b: 2"
    );
    assert_eq!(indent_as_item("# only\n", 0, COMPACT), "# only\n- {}");
}

#[test]
fn commented_documents_carry_comments_and_flow_safe_quoting() {
    let value = json!({
        "apiVersion": "v1",
        "metadata": {"name": "kf", "annotations": {"a.b/c": "true"}},
        "spec": {
            "ports": ["443", "80"],
            "allow": [{"protocol": "tcp", "ports": ["0-65535"]}],
            "sampling": 0.5,
            "on": false,
            "range": "10.0.0.0/8",
            "ip": "199.36.153.4",
            "description": "a, b",
            "empty": {},
            "nested": {"k/v": "x"}
        }
    });
    let mut comments = Comments::new();
    comments.insert("/metadata/name".into(), "kpt-set: ${name}".into());
    comments.insert("/spec/ports/1".into(), "kpt-set: ${p}".into());
    comments.insert("/spec/nested".into(), "a mapping".into());
    comments.insert("/spec/nested/k~1v".into(), "escaped key".into());
    let expected = "\
apiVersion: v1
metadata:
  name: kf # kpt-set: ${name}
  annotations:
    a.b/c: 'true'
spec:
  ports:
  - '443'
  - '80' # kpt-set: ${p}
  allow:
  - protocol: tcp
    ports:
    - '0-65535'
  sampling: 0.5
  'on': false
  range: 10.0.0.0/8
  ip: '199.36.153.4'
  description: 'a, b'
  empty: {}
  nested: # a mapping
    k/v: x # escaped key
";
    let text = render_commented_document(&value, &comments, COMPACT);
    assert_eq!(text, expected);
    let doc = crate::yaml::Document::parse(text.as_str()).unwrap();
    assert_eq!(doc.to_json(doc.roots()[0]).unwrap(), value);
    // Without comments, block context needs no quotes for `a, b`.
    assert!(render_document(&value, COMPACT).contains("  description: a, b\n"));
}
