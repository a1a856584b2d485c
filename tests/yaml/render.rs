//! Rendered YAML reads back as the value it was rendered from, with this crate's parser and with
//! a libyaml-based reader, for every layout; tricky strings included.

use private_gke::yaml::{
    indent_as_item, render_document, render_item, scalar_text, Document, Layout,
};
use proptest::prelude::*;
use serde_json::{json, Map, Value};

/// Strings that trip up YAML emitters.
const TRICKY: &[&str] = &[
    "on",
    "yes",
    "y",
    "n",
    "no",
    "off",
    "~",
    "null",
    "true",
    "012",
    "0o12",
    "0x1F",
    "1e3",
    "1_000",
    "2024-01-01",
    "-",
    ":",
    "- x",
    "a: b",
    "#x",
    " lead",
    "trail ",
    "*x",
    "&x",
    "!x",
    "@",
    "`",
    "%",
    "",
    ".inf",
    "=",
    "<<",
    "a #b",
    "a:b",
    "a,b",
    "[x]",
    "{x}",
    "ctl\u{1}",
    "tab\tx",
    "l1\nl2",
    "l1\nl2\n",
    "l1\n\n",
    "  ind\nx\n",
    "\n",
    "ü",
    "日本",
    "'q'",
    "\"d\"",
    "x\\y",
    "\u{2028}",
    "plain words",
    "---",
    "...",
    "?x",
    "|",
    ">",
    "1.2.3",
    "+1",
    "-1",
];

fn layouts() -> Vec<Layout> {
    let mut out = Vec::new();
    for indent in [2, 4] {
        for wide_sequences in [false, true] {
            for crlf in [false, true] {
                for double_quotes in [false, true] {
                    out.push(Layout {
                        indent,
                        wide_sequences,
                        crlf,
                        double_quotes,
                    });
                }
            }
        }
    }
    out
}

fn read_back(text: &str) -> Value {
    let doc = Document::parse(text).unwrap_or_else(|e| panic!("{text:?}: {e}"));
    let ours = doc.to_json(doc.roots()[0]).unwrap();
    let libyaml: Value = serde_norway::from_str(text).unwrap_or_else(|e| panic!("{text:?}: {e}"));
    assert_eq!(ours, libyaml, "readers disagree on {text:?}");
    ours
}

#[test]
fn tricky_strings_read_back_in_every_position() {
    for layout in layouts() {
        for s in TRICKY {
            let v = json!({
                "k": s,
                "seq": [s, {"in": s}],
                "flow": scalar_text(&json!(s)),
                s.to_string(): 1,
                "map": {"deep": [[s]]},
            });
            let doc = render_document(&v, layout);
            assert_eq!(read_back(&doc), v, "{doc:?}");
            let item = render_item(&v, 2, layout);
            let nl = if layout.crlf { "\r\n" } else { "\n" };
            let wrapped = format!("items:{nl}  {item}{nl}");
            assert_eq!(read_back(&wrapped), json!({"items": [v]}), "{wrapped:?}");
            let flow = format!("k: {}\n", scalar_text(&json!([s, {"k": s}])));
            assert_eq!(read_back(&flow), json!({"k": [s, {"k": s}]}), "{flow:?}");
        }
    }
}

#[test]
fn exact_text_for_a_resource() {
    let v = json!({
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": "x", "annotations": {"a": "yes"}},
        "data": {"script": "set -e\necho hi\n", "empty": "", "list": []},
    });
    let compact = Layout::default();
    assert_eq!(
        render_document(&v, compact),
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n  annotations:\n    a: 'yes'\ndata:\n  script: |\n    set -e\n    echo hi\n  empty: ''\n  list: []\n"
    );
    assert_eq!(
        render_item(&v, 0, compact),
        "- apiVersion: v1\n  kind: ConfigMap\n  metadata:\n    name: x\n    annotations:\n      a: 'yes'\n  data:\n    script: |\n      set -e\n      echo hi\n    empty: ''\n    list: []"
    );
}

#[test]
fn indent_as_item_reads_back() {
    let text = "# generated\napiVersion: v1 # kpt-set: ${v}\nkind: X\nspec:\n  list:\n  - a\n  text: |+\n    keep\n\n  n: 1\n";
    for dash in [0, 2, 4] {
        let item = indent_as_item(text, dash, Layout::default());
        let pad = " ".repeat(dash);
        let doc = format!("items:\n{pad}{item}\nother: 1\n");
        assert_eq!(
            read_back(&doc),
            json!({"items": [{"apiVersion": "v1", "kind": "X", "spec": {"list": ["a"], "text": "keep\n\n", "n": 1}}], "other": 1}),
            "{doc}"
        );
        let parsed = Document::parse(doc.as_str()).unwrap();
        let items = parsed.get(parsed.roots()[0], "items").unwrap();
        let first = match &parsed.node(items).kind {
            private_gke::yaml::NodeKind::Sequence { .. } => parsed.items(items)[0],
            _ => panic!("not a sequence"),
        };
        let api = parsed.get(first, "apiVersion").unwrap();
        assert_eq!(parsed.line_comment(api), Some("kpt-set: ${v}"));
    }
}

fn arb_scalar() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        (-1e6f64..1e6).prop_map(Value::from),
        prop::sample::select(TRICKY).prop_map(|s| Value::String(s.to_string())),
        "[a-z0-9 :#\\-]{0,12}".prop_map(Value::String),
    ]
}

pub fn arb_value() -> impl Strategy<Value = Value> {
    arb_scalar().prop_recursive(4, 40, 5, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..5).prop_map(Value::Array),
            prop::collection::vec(
                (
                    prop_oneof![
                        prop::sample::select(TRICKY).prop_map(str::to_string),
                        "[a-z]{1,6}"
                    ],
                    inner
                ),
                0..5
            )
            .prop_map(|kv| Value::Object(kv.into_iter().collect::<Map<_, _>>())),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn rendered_values_read_back(v in arb_value(), layout in prop::sample::select(layouts())) {
        let doc = render_document(&v, layout);
        prop_assert_eq!(read_back(&doc), v.clone());
        let nl = if layout.crlf { "\r\n" } else { "\n" };
        let wrapped = format!("l:{nl}  {}{nl}", render_item(&v, 2, layout));
        prop_assert_eq!(read_back(&wrapped), json!({"l": [v]}));
    }
}
