//! Differential test of the JSON view against a libyaml-based reader (`serde_norway`) on every
//! YAML/JSON file under `shared/reference/` (each document of multi-document files), plus the
//! deliberate differences, each with its reason.

use crate::support;

use private_gke::yaml::Document;
use serde::Deserialize;
use serde_json::{json, Value};

/// Each document of `src` as `serde_norway` reads it into JSON (merge keys applied when the
/// text has any: `serde_norway` applies them only on its own `Value`).
fn norway(src: &str) -> Vec<Value> {
    let mut docs = Vec::new();
    for de in serde_norway::Deserializer::from_str(src) {
        if src.contains("<<") {
            let mut v = serde_norway::Value::deserialize(de).unwrap();
            v.apply_merge().unwrap();
            docs.push(serde_json::to_value(v).unwrap());
        } else {
            docs.push(Value::deserialize(de).unwrap());
        }
    }
    docs
}

fn ours(src: &str) -> Vec<Value> {
    let doc = Document::parse(src).unwrap();
    doc.roots()
        .iter()
        .map(|&r| doc.to_json(r).unwrap())
        .collect()
}

#[test]
fn json_view_matches_serde_norway_on_every_reference_file() {
    let Some((_, files)) = support::reference_yaml_files() else {
        return;
    };
    let mut documents = 0;
    for path in files {
        let src = std::fs::read_to_string(&path).unwrap();
        let mut theirs = norway(&src);
        // An empty document (`---` with nothing after it) is a root-less document for us, a
        // `null` document for serde_norway.
        let ours = ours(&src);
        if theirs.len() != ours.len() {
            theirs.retain(|v| !v.is_null());
        }
        assert_eq!(ours, theirs, "{}", path.display());
        documents += ours.len();
    }
    assert!(documents > 200, "only {documents} documents compared");
}

#[test]
fn scalars_resolve_like_serde_norway() {
    // Same answer as serde_norway for each of these (YAML 1.2 core schema plus 0b/0o/0x forms).
    let scalars = [
        "",
        "~",
        "null",
        "Null",
        "NULL",
        "true",
        "True",
        "TRUE",
        "false",
        "FALSE",
        "yes",
        "no",
        "on",
        "off",
        "y",
        "n",
        "0",
        "-0",
        "+5",
        "12",
        "-12",
        "012",
        "0x1f",
        "0o17",
        "0b11",
        "-0x1f",
        "1.5",
        "-1.5",
        "1e3",
        "1E-3",
        ".5",
        "5.",
        "+.5",
        "1_000",
        "0x",
        "2024-01-01",
        "12:30",
        "18446744073709551615",
        "-9223372036854775808",
        "1.0",
        "3.14159",
        "v1",
        "'",
        "a b",
    ];
    for s in scalars {
        let src = format!("k: {s}\n");
        let src = if s == "'" {
            "k: \"'\"\n".to_string()
        } else {
            src
        };
        assert_eq!(ours(&src), norway(&src), "{s:?}");
    }
    for quoted in ["'1'", "\"true\"", "!!str 12", "|\n  12\n", "|\n  12", "'~'"] {
        let src = format!("k: {quoted}\n");
        assert_eq!(ours(&src), norway(&src), "{quoted:?}");
    }
    // A block scalar ending the input without a line break has no final line feed (libyaml).
    for src in ["k: |\n  x", "k: >\n  x\n  y", "k: |+\n  x", "- |-\n  x"] {
        assert_eq!(ours(src), norway(src), "{src:?}");
    }
    assert_eq!(ours("k: |\n  x"), vec![json!({"k": "x"})]);
}

#[test]
fn deliberate_differences_from_serde_norway() {
    // `.inf`/`.nan`: JSON has no infinity or NaN. serde_norway → serde_json gives `null`
    // (silently losing the value); we keep the text as a string so nothing is lost and an
    // unchanged value syncs back to no edit.
    for s in [".inf", "-.inf", ".nan", ".NaN", "+.inf"] {
        let src = format!("k: {s}\n");
        assert_eq!(ours(&src), vec![json!({ "k": s })], "{s}");
        assert_eq!(norway(&src), vec![json!({ "k": null })], "{s}");
    }
    // Integers beyond 64 bits: serde_norway fails (serde_json without arbitrary precision
    // cannot take a u128); we read them as the float YAML 1.2 would round them to.
    let src = "k: 123456789012345678901234567890\n";
    assert_eq!(ours(src), vec![json!({"k": 1.2345678901234568e29})]);
    assert!(Value::deserialize(serde_norway::Deserializer::from_str(src)).is_err());
    // Non-string keys: their text as written (serde_norway's direct JSON reading does the same;
    // a collection key, which it rejects, becomes its compact JSON text).
    let src = "0x10: a\n[x, 1]: b\n";
    assert_eq!(ours(src), vec![json!({"0x10": "a", "[\"x\",1]": "b"})]);
    assert_eq!(
        Value::deserialize(serde_norway::Deserializer::from_str("0x10: a\n")).unwrap(),
        json!({"0x10": "a"})
    );
    // Duplicate keys: an error for us (naming the key), last-wins for serde_norway → JSON.
    let src = "a: 1\na: 2\n";
    assert_eq!(
        Document::parse(src).unwrap_err().to_string(),
        "line 2, column 1: duplicate key \"a\" (first defined on line 1)"
    );
    // The non-specific tag `!` makes a string (YAML 1.2 §6.9.1); serde_norway reads a tagged
    // scalar as an enum and cannot make JSON of it.
    assert_eq!(ours("k: ! 12\n"), vec![json!({"k": "12"})]);
    assert!(Value::deserialize(serde_norway::Deserializer::from_str("k: ! 12\n")).is_err());
    // U+2028/U+2029/U+0085 are line breaks in YAML 1.1 (libyaml), ordinary characters in
    // YAML 1.2 (granit, us): raw inside a quoted block-mapping key libyaml sees a multi-line
    // key and fails; we read the character.
    let src = "\"a\u{2028}b\": 1\n";
    assert_eq!(ours(src), vec![json!({"a\u{2028}b": 1})]);
    assert!(Value::deserialize(serde_norway::Deserializer::from_str(src)).is_err());
    // An empty document is no root for us, a null for serde_norway.
    assert!(ours("---\n").is_empty());
    assert_eq!(norway("---\n"), vec![Value::Null]);
}

#[test]
fn merge_keys_match_serde_norway_apply_merge() {
    let cases = [
        "base: &b {x: 1, y: 2}\nm:\n  <<: *b\n  y: 3\n",
        "a: &a {x: 1}\nb: &b {x: 2, z: 2}\nm:\n  w: 0\n  <<: [*a, *b]\n",
        "a: &a {x: 1, n: {<<: {q: 1}}}\nm: {<<: *a}\n",
        "- &a {k: v}\n- <<: *a\n  k: w\n",
    ];
    for src in cases {
        assert_eq!(ours(src), norway(src), "{src}");
    }
}
