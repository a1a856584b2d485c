//! Syncing changed JSON values back to YAML text: on every reference file, on generated
//! documents, and the ResourceList item operations the shell uses.

use crate::support;

use private_gke::yaml::{
    indent_as_item, render_document, render_item, Document, Edits, Layout, NodeKind,
};
use proptest::prelude::*;
use serde_json::{json, Map, Value};

/// Replacement strings that need care, cycled through by the mutation.
const NEW_STRINGS: &[&str] = &[
    "on",
    "1.0",
    "multi\nline\n",
    "x: y",
    "#c",
    "",
    " lead",
    "ü日本",
    "- d",
    "a\n\nb",
    "plain",
    "yes",
    "keep\n\n",
    "it's",
    "0x1F",
];

/// Change roughly every third leaf, drop every seventh key, add a key to every fourth
/// mapping, append to every third sequence and drop the first item of every fifth.
fn mutate(v: &mut Value, n: &mut usize) {
    *n += 1;
    let tick = *n;
    match v {
        Value::Object(m) => {
            let keys: Vec<String> = m.keys().cloned().collect();
            for (i, k) in keys.iter().enumerate() {
                if (tick + i).is_multiple_of(7) {
                    m.shift_remove(k);
                } else if let Some(child) = m.get_mut(k) {
                    mutate(child, n);
                }
            }
            if tick.is_multiple_of(4) {
                m.insert(
                    format!("added-{tick}"),
                    json!({"k": NEW_STRINGS[tick % NEW_STRINGS.len()], "l": [1, "no"]}),
                );
            }
        }
        Value::Array(a) => {
            for child in a.iter_mut() {
                mutate(child, n);
            }
            if tick.is_multiple_of(5) && a.len() >= 2 {
                a.remove(0);
            }
            if tick.is_multiple_of(3) {
                a.push(json!({"new": NEW_STRINGS[tick % NEW_STRINGS.len()]}));
            }
        }
        _ if tick.is_multiple_of(3) => {
            *v = match v {
                Value::String(_) => json!(NEW_STRINGS[tick % NEW_STRINGS.len()]),
                Value::Number(x) => json!(x.as_f64().unwrap_or(0.0) as i64 + 1),
                Value::Bool(b) => json!(!*b),
                _ => json!("was null"),
            };
        }
        _ => {}
    }
}

/// libyaml's reading of every document in `text`.
fn libyaml_docs(text: &str) -> Option<Vec<Value>> {
    use serde::Deserialize;
    serde_norway::Deserializer::from_str(text)
        .map(Value::deserialize)
        .collect::<Result<Vec<_>, _>>()
        .ok()
}

#[test]
fn every_reference_document_survives_a_round_of_changes() {
    let Some((_, files)) = support::reference_yaml_files() else {
        return;
    };
    let (mut synced, mut refused, mut unparsed) = (0, 0, 0);
    for path in &files {
        let src = std::fs::read_to_string(path).unwrap();
        let Ok(doc) = Document::parse(src.as_str()) else {
            unparsed += 1;
            continue;
        };
        let libyaml_before = libyaml_docs(&src);
        let mut n = 0;
        for (d, &root) in doc.roots().iter().enumerate() {
            let old = doc.to_json(root).unwrap();
            // Unchanged: no edits at all.
            let mut edits = Edits::default();
            doc.sync(root, &old, &mut edits).unwrap();
            assert!(
                edits.is_empty(),
                "{}: edits for an unchanged value",
                path.display()
            );
            let mut new = old.clone();
            mutate(&mut new, &mut n);
            let mut edits = Edits::default();
            if let Err(e) = doc.sync(root, &new, &mut edits) {
                assert!(
                    e.message.contains("alias") || e.message.contains("merge key"),
                    "{}: {e}",
                    path.display()
                );
                refused += 1;
                continue;
            }
            let out = edits.apply(&src).unwrap();
            let re = Document::parse(out.as_str())
                .unwrap_or_else(|e| panic!("{}: {e}\n{out}", path.display()));
            assert_eq!(re.roots().len(), doc.roots().len(), "{}", path.display());
            assert_eq!(
                re.to_json(re.roots()[d]).unwrap(),
                new,
                "{}:\n{out}",
                path.display()
            );
            // Where libyaml agreed with us before, it reads the new value after.
            if let (Some(before), Some(after)) = (&libyaml_before, libyaml_docs(&out)) {
                if before.get(d) == Some(&old) {
                    assert_eq!(
                        after.get(d),
                        Some(&new),
                        "{}: libyaml:\n{out}",
                        path.display()
                    );
                }
            }
            synced += 1;
        }
    }
    assert!(
        synced > 150,
        "only {synced} documents synced ({refused} refused, {unparsed} unparsed)"
    );
}

#[test]
fn resource_list_items_are_removed_and_appended_by_lines() {
    let src = "apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n# first\n- apiVersion: v1\n  kind: A\n  metadata:\n    name: a # kpt-set: ${n}\n# second\n- apiVersion: v1\n  kind: B\n  data:\n    x: |\n      text\nfunctionConfig:\n  data: {}\n";
    let doc = Document::parse(src).unwrap();
    let items = doc.get(doc.roots()[0], "items").unwrap();
    let (NodeKind::Sequence { .. }, ids) = (doc.node(items).kind, doc.items(items)) else {
        panic!("items is not a sequence")
    };
    let mut edits = Edits::default();
    edits.replace(doc.item_removal_range(ids[0]), "");
    let (at, col) = doc.append_point(items);
    let generated = indent_as_item(
        "# made\nkind: C # note\nspec:\n  on: 'yes'\n",
        col,
        doc.layout(),
    );
    edits.insert(at, format!("\n{}{generated}", " ".repeat(col)));
    edits.insert(
        at,
        format!(
            "\n{}{}",
            " ".repeat(col),
            render_item(&json!({"kind": "D", "v": "on"}), col, doc.layout())
        ),
    );
    let out = edits.apply(src).unwrap();
    assert_eq!(
        out,
        "apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n# second\n- apiVersion: v1\n  kind: B\n  data:\n    x: |\n      text\n# made\n- kind: C # note\n  spec:\n    on: 'yes'\n- kind: D\n  v: 'on'\nfunctionConfig:\n  data: {}\n"
    );
    let re = Document::parse(out.as_str()).unwrap();
    assert_eq!(
        re.to_json(re.get(re.roots()[0], "items").unwrap()).unwrap(),
        json!([{"apiVersion": "v1", "kind": "B", "data": {"x": "text\n"}}, {"kind": "C", "spec": {"on": "yes"}}, {"kind": "D", "v": "on"}])
    );
}

/// An item whose first lines are comments after its `-` (`- # note`, as kpt sends a file's head
/// comment) is removed whole: no null item is left.
#[test]
fn an_item_that_starts_with_a_comment_is_removed_whole() {
    let cases = [
        (
            "items:\n- # head\n  kind: A\n- kind: B\n",
            0,
            "items:\n- kind: B\n",
        ),
        (
            "items:\n- kind: A\n- # c1\n  # c2\n  kind: B\n  x: 1\n- kind: C\n",
            1,
            "items:\n- kind: A\n- kind: C\n",
        ),
        (
            "items:\n  - kind: A\n  - # last\n    kind: B\n",
            1,
            "items:\n  - kind: A\n",
        ),
        (
            "items:\n- # note\n  &a kind: A\n- kind: B\n",
            0,
            "items:\n- kind: B\n",
        ),
    ];
    for (src, index, expected) in cases {
        let doc = Document::parse(src).unwrap();
        let items = doc.get(doc.roots()[0], "items").unwrap();
        let (NodeKind::Sequence { .. }, ids) = (doc.node(items).kind, doc.items(items)) else {
            panic!("items is not a sequence")
        };
        let mut edits = Edits::default();
        edits.replace(doc.item_removal_range(ids[index]), "");
        let out = edits.apply(src).unwrap();
        assert_eq!(out, expected, "{src:?}");
        let re = Document::parse(out.as_str()).unwrap();
        let json = re.to_json(re.get(re.roots()[0], "items").unwrap()).unwrap();
        assert!(
            json.as_array().unwrap().iter().all(|v| !v.is_null()),
            "{out:?}"
        );
    }
    // Appending after such an item goes at the item's column.
    let src = "items:\n  - # head\n    kind: A\n";
    let doc = Document::parse(src).unwrap();
    let (_, col) = doc.append_point(doc.get(doc.roots()[0], "items").unwrap());
    assert_eq!(col, 2);
}

/// Syncs `src` to what `change` makes of its JSON view; the text written and its re-read view.
fn sync_to(src: &str, change: impl Fn(&mut Value)) -> (String, Value, Value) {
    let doc = Document::parse(src).unwrap();
    let root = doc.roots()[0];
    let mut want = doc.to_json(root).unwrap();
    change(&mut want);
    let mut edits = Edits::default();
    doc.sync(root, &want, &mut edits).unwrap();
    let out = edits.apply(src).unwrap();
    let re = Document::parse(out.as_str()).unwrap();
    let got = re.to_json(re.roots()[0]).unwrap();
    (out, got, want)
}

/// Text added or removed next to a block scalar leaves its value and its text as they were: a
/// last line of spaces stays its content; at the end of a text without a final line break, new
/// keys go before the block's entry (its header stays; lines after it would change it) and the
/// break before removed lines stays.
#[test]
fn block_scalars_keep_their_value_next_to_inserts_and_removals() {
    let add = |v: &mut Value| v["spec"]["enableLogging"] = json!(true);
    let pop = |v: &mut Value| {
        v["l"].as_array_mut().unwrap().pop();
    };
    let add_root = |v: &mut Value| v["z"] = json!(1);
    let add_item = |v: &mut Value| v[0]["e"] = json!(1);
    let swap_item = |v: &mut Value| {
        let m = v[0].as_object_mut().unwrap();
        m.remove("a");
        m.insert("e".into(), json!(1));
    };
    type Change<'a> = &'a dyn Fn(&mut Value);
    let cases: [(&str, Change, &str); 12] = [
        (
            "spec:\n  description: |\n    allow ssh\n     \n",
            &add,
            "spec:\n  description: |\n    allow ssh\n     \n  enableLogging: true\n",
        ),
        (
            "spec:\n  description: |\n    allow ssh\n     \nnext: 1\n",
            &add,
            "spec:\n  description: |\n    allow ssh\n     \n  enableLogging: true\nnext: 1\n",
        ),
        (
            "spec:\n  d: |+\n    x",
            &add,
            "spec:\n  enableLogging: true\n  d: |+\n    x",
        ),
        (
            "spec:\n  d: |\n    x",
            &add,
            "spec:\n  enableLogging: true\n  d: |\n    x",
        ),
        (
            "spec:\n  a: 1\n  # about d\n  d: >2\n     x",
            &add,
            "spec:\n  a: 1\n  enableLogging: true\n  # about d\n  d: >2\n     x",
        ),
        (
            "spec:\n  d: |\n    x",
            &add_root,
            "z: 1\nspec:\n  d: |\n    x",
        ),
        ("- d: |\n    x", &add_item, "- e: 1\n  d: |\n    x"),
        ("- a: 1\n  d: |\n    x", &swap_item, "- e: 1\n  d: |\n    x"),
        (
            "- a: 1\n  # d\n  d: |\n    x",
            &swap_item,
            "# d\n- e: 1\n  d: |\n    x",
        ),
        ("l:\n- |\n  x\n- b", &pop, "l:\n- |\n  x\n"),
        ("l:\n- a: |\n    x\n- b", &pop, "l:\n- a: |\n    x\n"),
        ("l:\n- |+\n  x\n\n- b", &pop, "l:\n- |+\n  x\n\n"),
    ];
    for (src, change, expected) in cases {
        let (out, got, want) = sync_to(src, change);
        assert_eq!(out, expected, "{src:?}");
        assert_eq!(got, want, "{src:?} re-reads as another value");
    }
}

/// A new value for an empty node with a tag or an anchor (`key: !!str`, `- &a`, an anchor on
/// the line below) goes after the anchor, and the tag goes: nothing is glued into the value.
#[test]
fn empty_values_with_a_tag_or_an_anchor_take_the_new_value_after_them() {
    let owner = |v: &mut Value| v["owner"] = json!("kf-demo");
    let first = |v: &mut Value| v[0] = json!("x");
    let second = |v: &mut Value| v[1] = json!("x");
    let map = |v: &mut Value| v["owner"] = json!({"a": 1});
    type Change<'a> = &'a dyn Fn(&mut Value);
    let cases: [(&str, Change, &str); 8] = [
        (
            "owner: !!str # kpt-set: ${name}\n",
            &owner,
            "owner: kf-demo # kpt-set: ${name}\n",
        ),
        ("owner: !!str\nx: 1\n", &owner, "owner: kf-demo\nx: 1\n"),
        ("owner: &x\n", &owner, "owner: &x kf-demo\n"),
        ("owner: &x !!str\n", &owner, "owner: &x kf-demo\n"),
        ("owner: !!str &x\n", &owner, "owner: &x kf-demo\n"),
        ("owner: &x # c\n", &map, "owner: &x # c\n  a: 1\n"),
        ("- &a\n-\n", &first, "- &a x\n-\n"),
        ("- &a\n-\n &b\n", &second, "- &a\n-\n &b x\n"),
    ];
    for (src, change, expected) in cases {
        let (out, got, want) = sync_to(src, change);
        assert_eq!(out, expected, "{src:?}");
        assert_eq!(got, want, "{src:?} re-reads as another value");
    }
}

#[test]
fn wide_crlf_resource_list() {
    let src = "items:\r\n  - kind: A # a\r\n  - kind: B\r\n";
    let doc = Document::parse(src).unwrap();
    let items = doc.get(doc.roots()[0], "items").unwrap();
    let (NodeKind::Sequence { .. }, ids) = (doc.node(items).kind, doc.items(items)) else {
        panic!("items is not a sequence")
    };
    let mut edits = Edits::default();
    edits.replace(doc.item_removal_range(ids[1]), "");
    let (at, col) = doc.append_point(items);
    assert_eq!(col, 2);
    edits.insert(
        at,
        format!(
            "\n  {}",
            render_item(&json!({"kind": "C", "l": [1]}), col, doc.layout())
        ),
    );
    assert_eq!(
        edits.apply(src).unwrap(),
        "items:\r\n  - kind: A # a\r\n  - kind: C\r\n    l:\r\n      - 1\r\n"
    );
}

#[test]
fn nodes_inside_flow_collections_and_items_sync_directly() {
    let src = "a: [x, 'y'] # c\nl:\n- name: n # kpt-set: ${n}\n";
    let doc = Document::parse(src).unwrap();
    let a = doc.get(doc.roots()[0], "a").unwrap();
    let (NodeKind::Sequence { .. }, items) = (doc.node(a).kind, doc.items(a)) else {
        panic!("a is not a sequence")
    };
    let l = doc.get(doc.roots()[0], "l").unwrap();
    let (NodeKind::Sequence { .. }, l_items) = (doc.node(l).kind, doc.items(l)) else {
        panic!("l is not a sequence")
    };
    let mut edits = Edits::default();
    doc.sync(items[0], &json!("a,b"), &mut edits).unwrap();
    doc.sync(items[1], &json!("z"), &mut edits).unwrap();
    doc.sync(l_items[0], &json!({"name": "m", "extra": true}), &mut edits)
        .unwrap();
    assert_eq!(
        edits.apply(src).unwrap(),
        "a: ['a,b', 'z'] # c\nl:\n- name: m # kpt-set: ${n}\n  extra: true\n"
    );
}

fn arb_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        (-1000i64..1000).prop_map(Value::from),
        prop::sample::select(NEW_STRINGS).prop_map(|s| Value::String(s.to_string())),
        "[a-z]{1,5}".prop_map(Value::String),
    ];
    leaf.prop_recursive(3, 30, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::vec(("[a-e]{1,2}", inner), 0..4)
                .prop_map(|kv| Value::Object(kv.into_iter().collect::<Map<_, _>>())),
        ]
    })
}

/// Layouts to write generated documents in.
fn layouts() -> impl Strategy<Value = Layout> {
    (
        prop::sample::select(vec![2usize, 4]),
        any::<bool>(),
        any::<bool>(),
        any::<bool>(),
    )
        .prop_map(|(indent, wide_sequences, crlf, double_quotes)| Layout {
            indent,
            wide_sequences,
            crlf,
            double_quotes,
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    /// Any document synced to any other value reads back as that value; a mutated copy of the
    /// same value keeps every untouched line.
    #[test]
    fn generated_documents_sync_to_any_value(
        old in arb_value(),
        other in arb_value(),
        layout in layouts(),
        seed in 0usize..20,
    ) {
        let old = json!({"root": old, "tail": 1});
        let src = render_document(&old, layout);
        let doc = Document::parse(src.as_str()).unwrap();
        let root = doc.roots()[0];
        for new in [json!({"root": other.clone(), "tail": 1}), {
            let mut m = old.clone();
            let mut n = seed;
            mutate(&mut m, &mut n);
            m
        }] {
            let mut edits = Edits::default();
            doc.sync(root, &new, &mut edits).unwrap();
            let out = edits.apply(&src).unwrap();
            let re = Document::parse(out.as_str()).unwrap();
            prop_assert_eq!(&re.to_json(re.roots()[0]).unwrap(), &new, "{}", out);
            let libyaml: Value = serde_norway::from_str(&out).unwrap();
            prop_assert_eq!(&libyaml, &new, "{}", out);
        }
    }
}

/// Sync the first root of `doc` (parsed from `src`) to `new`: the text reads back as `new`,
/// by this parser and by libyaml.
fn synced_reads_back(doc: &Document, src: &str, new: &Value) -> Result<(), TestCaseError> {
    let mut edits = Edits::default();
    doc.sync(doc.roots()[0], new, &mut edits).unwrap();
    let out = edits
        .apply(src)
        .unwrap_or_else(|e| panic!("{e}\n{src}\n{new}"));
    let re = Document::parse(out.as_str()).unwrap_or_else(|e| panic!("{e}\n{src}\n{out}"));
    prop_assert_eq!(
        &re.to_json(re.roots()[0]).unwrap(),
        new,
        "{}\n=>\n{}",
        src,
        out
    );
    let libyaml: Value = serde_norway::from_str(&out).unwrap();
    prop_assert_eq!(&libyaml, new, "{}", out);
    Ok(())
}

/// Add line comments, head comments and blank lines to rendered YAML (never inside a literal
/// block), choosing lines by `seed`.
fn with_comments(text: &str, seed: usize) -> String {
    let mut out = String::new();
    let mut block_parent: Option<usize> = None;
    for (i, line) in text.lines().enumerate() {
        let indent = line.len() - line.trim_start().len();
        // A blank line right after a `|+` block would join its value.
        let after_block = block_parent.is_some();
        if let Some(parent) = block_parent {
            if line.trim().is_empty() || indent > parent {
                out.push_str(line);
                out.push('\n');
                continue;
            }
            block_parent = None;
        }
        let pick = (i * 7 + seed) % 5;
        if pick == 1 {
            out.push_str(&format!("{}# head {i}\n", " ".repeat(indent)));
        }
        if pick == 2 && !after_block {
            out.push('\n');
        }
        out.push_str(line);
        let header = line
            .rsplit(' ')
            .next()
            .is_some_and(|t| t.starts_with('|') && t.len() <= 4);
        if header {
            block_parent = Some(indent);
        }
        if pick == 3 || pick == 1 {
            out.push_str(&format!(" # line {i}"));
        }
        out.push('\n');
    }
    out
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    /// Commented documents sync to any value and to mutated copies.
    #[test]
    fn commented_documents_sync(
        old in arb_value(),
        other in arb_value(),
        indent in prop::sample::select(vec![2usize, 4]),
        wide in any::<bool>(),
        seed in 0usize..20,
    ) {
        let layout = Layout { indent, wide_sequences: wide, crlf: false, double_quotes: false };
        let old = json!({"root": old, "tail": 1});
        let src = with_comments(&render_document(&old, layout), seed);
        let doc = Document::parse(src.as_str()).unwrap();
        let root = doc.roots()[0];
        prop_assert_eq!(&doc.to_json(root).unwrap(), &old, "{}", src);
        for new in [json!({"root": other.clone(), "tail": 1}), {
            let mut m = old.clone();
            let mut n = seed;
            mutate(&mut m, &mut n);
            m
        }] {
            synced_reads_back(&doc, &src, &new)?;
        }
    }
}

/// Add blank lines and lines of spaces between the lines of `text`, choosing lines by `seed`
/// (after `|`/`>` blocks too: the value is then read from the text).
fn with_blank_lines(text: &str, seed: usize) -> String {
    let mut out = String::new();
    for (i, line) in text.lines().enumerate() {
        out.push_str(line);
        out.push('\n');
        match (i * 5 + seed) % 7 {
            1 => out.push('\n'),
            3 => out.push_str(&" ".repeat((i + seed) % 9 + 1)),
            5 => out.push_str("\n\n"),
            _ => continue,
        }
        if (i * 5 + seed) % 7 == 3 {
            out.push('\n');
        }
    }
    out
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    /// Documents with blank lines and lines of spaces anywhere (block scalars taking some into
    /// their values) sync to any value and to mutated copies: what removals leave or take of
    /// those lines changes no value.
    #[test]
    fn blank_lined_documents_sync(
        old in arb_value(),
        other in arb_value(),
        indent in prop::sample::select(vec![2usize, 4]),
        wide in any::<bool>(),
        seed in 0usize..20,
    ) {
        let layout = Layout { indent, wide_sequences: wide, crlf: false, double_quotes: false };
        let blocks = json!(["keep\n\n", "clip\nx\n", "strip\ny", "z"]);
        let doc = json!({"root": old, "blocks": blocks, "tail": 1});
        let src = with_blank_lines(&render_document(&doc, layout), seed);
        // A line of spaces opening a block scalar deeper than its text is an error.
        let Ok(doc) = Document::parse(src.as_str()) else {
            prop_assert!(serde_norway::from_str::<Value>(&src).is_err(), "{}", src);
            return Ok(());
        };
        let root = doc.roots()[0];
        let old = doc.to_json(root).unwrap();
        let libyaml_old: Value = serde_norway::from_str(&src).unwrap();
        prop_assert_eq!(&libyaml_old, &old, "{}", src);
        let fewer_blocks = json!([old["blocks"][0].clone(), old["blocks"][2].clone()]);
        for new in [json!({"root": other.clone(), "blocks": fewer_blocks, "tail": 1}), {
            let mut m = old.clone();
            let mut n = seed;
            mutate(&mut m, &mut n);
            m
        }] {
            synced_reads_back(&doc, &src, &new)?;
        }
    }
}

#[test]
fn sync_from_uses_the_given_original_view() {
    let src = "a: 1 # c\nb: [x]\n";
    let doc = Document::parse(src).unwrap();
    let root = doc.roots()[0];
    let old = doc.to_json(root).unwrap();
    let new = json!({"a": 2, "b": ["x", "z"]});
    let mut edits = Edits::default();
    doc.sync_from(root, &old, &new, &mut edits).unwrap();
    assert_eq!(edits.apply(src).unwrap(), "a: 2 # c\nb: [x, z]\n");
    let mut edits = Edits::default();
    doc.sync_from(root, &old, &old, &mut edits).unwrap();
    assert!(edits.is_empty());
}
