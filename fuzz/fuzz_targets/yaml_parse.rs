//! Fuzz the YAML layer: parse arbitrary bytes, read every node (JSON view, comments,
//! positions, layout), then sync each root to a changed value, apply the edits, re-parse, and
//! check the text reads back as the changed value.
#![no_main]

use libfuzzer_sys::fuzz_target;
use private_gke::yaml::{Document, Edits};
use serde_json::{json, Value};

fuzz_target!(|data: &[u8]| {
    let Ok(doc) = Document::parse_bytes(data) else {
        return;
    };
    let _ = doc.layout();
    for id in 0..doc.len() {
        let span = doc.node(id).span();
        assert!(span.start <= span.end && span.end <= doc.source().len());
        let _ = doc.line_comment(id);
        let _ = doc.head_comment(id);
        let _ = doc.position(span.end);
    }
    for &root in doc.roots() {
        let Ok(value) = doc.to_json(root) else {
            continue;
        };
        let mut edits = Edits::default();
        if doc.sync(root, &value, &mut edits).is_ok() {
            assert!(edits.is_empty(), "unchanged value made edits");
        }
        let changed = mutate(value, data.len());
        let mut edits = Edits::default();
        // Refusals (e.g. editing through an alias) are fine; a wrong result is not.
        if doc.sync(root, &changed, &mut edits).is_err() {
            continue;
        }
        let Ok(out) = edits.apply(doc.source()) else {
            panic!("edits from sync do not apply");
        };
        let re = Document::parse(out.as_str())
            .unwrap_or_else(|e| panic!("sync output does not parse: {e}\n{out}"));
        let roots = re.roots();
        let index = doc.roots().iter().position(|&r| r == root).unwrap();
        let back = re.to_json(roots[index]).unwrap();
        assert_eq!(back, changed, "sync output reads differently:\n{out}");
    }
});

/// A deterministic change: a new string in the first string leaf, a key added to the first
/// mapping, the last item dropped from the first non-empty sequence (chosen by `seed`).
fn mutate(mut value: Value, seed: usize) -> Value {
    match seed % 3 {
        0 => {
            if !replace_first_string(&mut value) {
                value = json!("changed: on\nline two");
            }
        }
        1 => match first_object(&mut value) {
            Some(map) => {
                map.insert("fuzz-added".into(), json!({"k": [1, "yes", null]}));
            }
            None => value = json!({"replaced": true}),
        },
        _ => match first_array(&mut value) {
            Some(items) => {
                items.pop();
            }
            None => value = json!([]),
        },
    }
    value
}

fn replace_first_string(v: &mut Value) -> bool {
    match v {
        Value::String(s) => {
            *s = format!("{s} # not a comment\n'changed'");
            true
        }
        Value::Array(items) => items.iter_mut().any(replace_first_string),
        Value::Object(map) => map.values_mut().any(replace_first_string),
        _ => false,
    }
}

fn first_object(v: &mut Value) -> Option<&mut serde_json::Map<String, Value>> {
    match v {
        Value::Object(_) => v.as_object_mut(),
        Value::Array(items) => items.iter_mut().find_map(first_object),
        _ => None,
    }
}

fn first_array(v: &mut Value) -> Option<&mut Vec<Value>> {
    if v.as_array().is_some_and(|items| !items.is_empty()) {
        return v.as_array_mut();
    }
    match v {
        Value::Array(items) => items.iter_mut().find_map(first_array),
        Value::Object(map) => map.values_mut().find_map(first_array),
        _ => None,
    }
}
