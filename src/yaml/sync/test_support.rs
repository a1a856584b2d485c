//! The unit tests' helpers: JSON pointer changes applied to a document's view, synced back,
//! and the text checked to read back as the changed value.

pub(super) use crate::yaml::{Document, Edits, NodeKind, YamlError};
pub(super) use serde_json::Value;

/// A change to a JSON value, addressed by JSON pointer.
pub(super) enum Op {
    /// Set (or add, for a new key or the index one past the end) the value at the pointer.
    Set(&'static str, Value),
    /// Remove the key or index at the pointer.
    Remove(&'static str),
    /// Insert into the array at the pointer's parent, before the index.
    Insert(&'static str, Value),
    /// Replace the whole document's value.
    Root(Value),
}
pub(super) use Op::*;

pub(super) fn split(ptr: &str) -> (&str, String) {
    let i = ptr.rfind('/').unwrap();
    (
        &ptr[..i],
        ptr[i + 1..].replace("~1", "/").replace("~0", "~"),
    )
}

pub(super) fn change(v: &mut Value, op: &Op) {
    if let Root(new) = op {
        *v = new.clone();
        return;
    }
    let (ptr, val) = match op {
        Root(_) => unreachable!("handled above"),
        Set(p, val) | Insert(p, val) => (*p, Some(val.clone())),
        Remove(p) => (*p, None),
    };
    let (parent, last) = split(ptr);
    match (v.pointer_mut(parent).unwrap(), val) {
        (Value::Object(m), Some(val)) => {
            m.insert(last, val);
        }
        (Value::Object(m), None) => {
            m.shift_remove(&last);
        }
        (Value::Array(a), Some(val)) => {
            let i: usize = last.parse().unwrap();
            if matches!(op, Insert(..)) || i == a.len() {
                a.insert(i, val);
            } else {
                a[i] = val;
            }
        }
        (Value::Array(a), None) => {
            a.remove(last.parse::<usize>().unwrap());
        }
        (other, _) => panic!("{ptr}: not a collection: {other}"),
    }
}

/// Sync `ops` applied to the first document of `src`; check the result reads back (with
/// this parser, and with libyaml when there are no anchors) as the changed value.
pub(super) fn synced(src: &str, ops: &[Op]) -> Result<String, YamlError> {
    let doc = Document::parse(src).unwrap();
    let root = doc.roots()[0];
    let mut v = doc.to_json(root).unwrap();
    for op in ops {
        change(&mut v, op);
    }
    let mut edits = Edits::default();
    doc.sync(root, &v, &mut edits)?;
    let out = edits.apply(src)?;
    let re = Document::parse(out.as_str()).unwrap_or_else(|e| panic!("{out}\n{e}"));
    assert_eq!(re.to_json(re.roots()[0]).unwrap(), v, "re-parse of {out:?}");
    if !src.contains(['&', '*']) {
        let libyaml: Value = serde_norway::from_str(&out).unwrap_or_else(|e| panic!("{out}\n{e}"));
        assert_eq!(libyaml, v, "libyaml read of {out:?}");
    }
    Ok(out)
}

pub(super) fn table(cases: &[(&str, &str, Vec<Op>, &str)]) {
    let mut failed = Vec::new();
    for (name, src, ops, want) in cases {
        match synced(src, ops) {
            Ok(out) if out == *want => {}
            Ok(out) => failed.push(format!("{name}:\n  got  {out:?}\n  want {want:?}")),
            Err(e) => failed.push(format!("{name}: error {e}")),
        }
    }
    assert!(failed.is_empty(), "{}", failed.join("\n"));
}

pub(super) fn refused(src: &str, ops: &[Op]) -> YamlError {
    match synced(src, ops) {
        Ok(out) => panic!("expected an error, got {out:?}"),
        Err(e) => e,
    }
}
