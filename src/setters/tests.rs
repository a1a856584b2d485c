//! Unit tests of the setters stage: values set, v0 Kptfile stores, field paths.

use super::*;
use crate::krm::Severity;
use serde_json::json;
use std::sync::Arc;

/// Run the stage over a YAML stream; returns each item's JSON and the results.
fn run_yaml(src: &str, values: &[(&str, &str)]) -> (Vec<Value>, Vec<KrmResult>) {
    let doc = Arc::new(Document::parse(src).unwrap());
    let mut items: Vec<Item> = doc
        .roots()
        .iter()
        .map(|&r| Item::read(doc.clone(), r).unwrap())
        .collect();
    let settings = Settings {
        given: values
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
        ..Settings::default()
    };
    let mut results = Vec::new();
    run(&settings, &mut items, &mut results);
    (
        items.into_iter().map(|i| i.value().clone()).collect(),
        results,
    )
}

/// (name, input, values, JSON pointer in the last item, expected value there).
type Case = (
    &'static str,
    &'static str,
    &'static [(&'static str, &'static str)],
    &'static str,
    Value,
);

#[test]
fn sets_values() {
    let kptfile = "apiVersion: kpt.dev/v1alpha1\nkind: Kptfile\nmetadata:\n  name: k\nopenAPI:\n  definitions:\n    io.k8s.cli.setters.name:\n      x-k8s-cli:\n        setter:\n          name: name\n          value: app\n    io.k8s.cli.setters.project:\n      x-k8s-cli:\n        setter:\n          name: project\n          value: p\n    io.k8s.cli.substitutions.sa:\n      x-k8s-cli:\n        substitution:\n          name: sa\n          pattern: ${name}@${project}.iam\n          values:\n          - marker: ${name}\n            ref: '#/definitions/io.k8s.cli.setters.name'\n          - marker: ${project}\n            ref: '#/definitions/io.k8s.cli.setters.project'\n---\n";
    let cases: Vec<Case> = vec![
        (
            "v1 whole value",
            "a: x # kpt-set: ${a}\n",
            &[("a", "y")],
            "/a",
            json!("y"),
        ),
        (
            "v1 partial, derived tag",
            "i: nginx:1.7 # kpt-set: ${image}:${tag}\n",
            &[("image", "ubuntu")],
            "/i",
            json!("ubuntu:1.7"),
        ),
        (
            "v1 names with dots",
            "p: false # kpt-set: ${gke.private}\n",
            &[("gke.private", "true")],
            "/p",
            json!(true),
        ),
        (
            "v1 none provided: left alone",
            "i: nginx:1.7 # kpt-set: ${image}:${tag}\n",
            &[("other", "x")],
            "/i",
            json!("nginx:1.7"),
        ),
        (
            "v1 in a sequence item",
            "zones:\n- a # kpt-set: ${zone}\n- b\n",
            &[("zone", "c")],
            "/zones",
            json!(["c", "b"]),
        ),
        (
            "v1 block list on the key",
            "l: # kpt-set: ${l}\n- a\n",
            &[("l", "[b, c]")],
            "/l",
            json!(["b", "c"]),
        ),
        (
            "v1 list value on an empty field",
            "l: # kpt-set: ${l}\nm: 1\n",
            &[("l", "- a\n- b\n")],
            "/l",
            json!(["a", "b"]),
        ),
        (
            "v1 text on an empty field",
            "l: # kpt-set: ${l}\nm: 1\n",
            &[("l", "-x")],
            "/l",
            json!("-x"),
        ),
        (
            "v1 empty value on a list",
            "l: [a] # kpt-set: ${l}\n",
            &[("l", "")],
            "/l",
            json!([]),
        ),
        (
            "v0 setter, line comment",
            "n: app # {\"$kpt-set\":\"name\"}\n",
            &[("name", "kf")],
            "/n",
            json!("kf"),
        ),
        (
            "v0 setter, head comment",
            "# {\"$ref\":\"#/definitions/io.k8s.cli.setters.name\"}\nn: app\n",
            &[("name", "kf")],
            "/n",
            json!("kf"),
        ),
        (
            "v0 substitution, one setter given, the other stored",
            "sa: app@p.iam # {\"$kpt-set\":\"sa\"}\n",
            &[("project", "q")],
            "/sa",
            json!("app@q.iam"),
        ),
        (
            "v0 substitution, none of its setters given: left as it is (kpt cfg set)",
            "sa: old # {\"$kpt-set\":\"sa\"}\n",
            &[("other", "x")],
            "/sa",
            json!("old"),
        ),
        (
            "v0 setter not given: left as it is (kpt cfg set)",
            "n: other # {\"$kpt-set\":\"name\"}\n",
            &[("project", "x")],
            "/n",
            json!("other"),
        ),
        (
            "anchored value: not set (its aliases would change too)",
            "x: &v a # kpt-set: ${a}\ny: *v\n",
            &[("a", "b")],
            "/x",
            json!("a"),
        ),
    ];
    for (name, input, values, pointer, want) in cases {
        let src = format!("{kptfile}{input}");
        let (items, results) = run_yaml(&src, values);
        assert!(
            !results.iter().any(|r| r.severity == Severity::Error),
            "{name}: {results:?}"
        );
        assert_eq!(
            items.last().unwrap().pointer(pointer),
            Some(&want),
            "{name}"
        );
    }
}

#[test]
fn v0_set_updates_the_kptfile() {
    let src = "apiVersion: kpt.dev/v1alpha1\nkind: Kptfile\nmetadata:\n  name: k\nopenAPI:\n  definitions:\n    io.k8s.cli.setters.name:\n      x-k8s-cli:\n        setter:\n          name: name\n          value: app\n          setBy: me\n---\nn: app # {\"$kpt-set\":\"name\"}\n";
    let (items, results) = run_yaml(src, &[("name", "kf")]);
    assert_eq!(
        items[0]["openAPI"]["definitions"]["io.k8s.cli.setters.name"]["x-k8s-cli"]["setter"],
        json!({"name": "name", "value": "kf", "isSet": true})
    );
    let infos: Vec<&str> = results.iter().map(|r| r.message.as_str()).collect();
    assert_eq!(
        infos,
        vec![
            "set by setter comment {\"$kpt-set\":\"name\"}",
            "stored the value of setter name (isSet: true)",
            "setters: 1 field(s) changed in 1 resource(s), 1 Kptfile setter definition(s) updated; setters used: [name]",
        ]
    );
}

#[test]
fn paths_name_keys_and_indices() {
    let doc = Document::parse("a:\n  b:\n  - c: 1\n").unwrap();
    let root = doc.roots()[0];
    let a = doc.entry(root, "a").unwrap();
    let b = doc.entry(a.1, "b").unwrap();
    let NodeKind::Sequence { .. } = &doc.node(b.1).kind else {
        panic!()
    };
    let c = doc.entry(doc.items(b.1)[0], "c").unwrap();
    let path = [Seg::Key(a.0), Seg::Key(b.0), Seg::Index(0), Seg::Key(c.0)];
    assert_eq!(path_string(&doc, &path), "a.b[0].c");
    let mut json = doc.to_json(root).unwrap();
    assert_eq!(lookup_mut(&doc, &mut json, &path), Some(&mut json!(1)));
}

/// A kpt v1 comment none of whose setters has a value counts each name once per field, also
/// on a field whose comment is not parsed for that (repeated names, several names, one field
/// with an anchor, which is warned about instead).
#[test]
fn unresolved_names_are_counted_once_per_field() {
    let src = "kind: Thing\nmetadata:\n  name: t\nspec:\n  a: x # kpt-set: ${p}-${q}-${p}\n  b: y # kpt-set: ${p}\n  c: &k z # kpt-set: ${p}\n  d: w # kpt-set: ${q}-${given}\n";
    let (_, results) = run_yaml(src, &[("given", "G")]);
    let lines: Vec<String> = results.iter().map(|r| r.to_line()).collect();
    assert!(
        lines
            .iter()
            .any(|l| l.contains("spec.a: no value for setter ${p}: 2 field(s)")),
        "{lines:#?}"
    );
    assert!(
        lines
            .iter()
            .any(|l| l.contains("spec.a: no value for setter ${q}: 1 field(s)")),
        "{lines:#?}"
    );
    assert!(
        lines.iter().any(
            |l| l.contains("spec.c: setter comment \"kpt-set: ${p}\": the field has anchor &k")
        ),
        "{lines:#?}"
    );
}

/// Every name of a value map has its bit among the map's bits: a set name is never taken for
/// one without a value.
#[test]
fn value_bits_hold_every_name() {
    let names: Vec<String> = [
        "",
        "a",
        "zone",
        "gcloud.compute.zone",
        "prefix",
        "région",
        "x".repeat(70).as_str(),
    ]
    .iter()
    .map(|n| n.to_string())
    .collect();
    let bits = name_bits(names.iter());
    for n in &names {
        assert_ne!(bits & name_bit(n), 0, "{n:?}");
    }
}
