//! Integration tests for syncing changed JSON values back to YAML text.

use private_gke::yaml::{Document, Edits};
use serde_json::{json, Value};

fn synced(src: &str, change: impl FnOnce(&mut Value)) -> String {
    let doc = Document::parse(src).unwrap();
    let root = doc.roots()[0];
    let mut v = doc.to_json(root).unwrap();
    change(&mut v);
    let mut edits = Edits::default();
    doc.sync(root, &v, &mut edits).unwrap();
    let out = edits.apply(src).unwrap();
    let re = Document::parse(out.as_str()).unwrap_or_else(|e| panic!("{out}\n{e}"));
    assert_eq!(re.to_json(re.roots()[0]).unwrap(), v, "{out}");
    out
}

#[test]
fn smoke() {
    let out = synced("a: x # c\nb: 'y'\n", |v| {
        v["a"] = json!("on");
        v["b"] = json!("z");
        v["c"] = json!({"d": [1, 2]});
    });
    assert_eq!(out, "a: 'on' # c\nb: 'z'\nc:\n  d:\n  - 1\n  - 2\n");
}
