//! YAML text for generated resources: block style, compact sequences, kpt v1 setter comments.

use serde_json::Value;
use std::collections::BTreeMap;

/// Line comments to write after scalars, keyed by JSON pointer (`/spec/region`).
pub type Comments = BTreeMap<String, String>;

/// Renders `value` (a mapping) as a YAML document at indent 0, ending with a newline, with
/// `# <comment>` after each scalar whose pointer is in `comments`.
pub fn render(value: &Value, comments: &Comments) -> String {
    let mut out = String::new();
    if let Value::Object(map) = value {
        write_map(map, 0, "", comments, &mut out);
    } else {
        out.push_str(&scalar(value));
        out.push('\n');
    }
    out
}

/// Escapes a JSON pointer token.
fn token(key: &str) -> String {
    key.replace('~', "~0").replace('/', "~1")
}

fn comment_for(pointer: &str, comments: &Comments) -> String {
    comments
        .get(pointer)
        .map(|c| format!(" # {c}"))
        .unwrap_or_default()
}

fn write_map(
    map: &serde_json::Map<String, Value>,
    indent: usize,
    pointer: &str,
    comments: &Comments,
    out: &mut String,
) {
    let pad = " ".repeat(indent);
    for (i, (key, value)) in map.iter().enumerate() {
        // The first entry of a map inside a sequence item follows the `- ` on the same line.
        if !(i == 0 && out.ends_with("- ")) {
            out.push_str(&pad);
        }
        let child = format!("{pointer}/{}", token(key));
        out.push_str(&key_text(key));
        out.push(':');
        write_value(value, indent, &child, comments, out);
    }
}

/// Writes what follows `key:` (or `-`), including the line break.
fn write_value(value: &Value, indent: usize, pointer: &str, comments: &Comments, out: &mut String) {
    match value {
        Value::Object(m) if !m.is_empty() => {
            out.push_str(&comment_for(pointer, comments));
            out.push('\n');
            write_map(m, indent + 2, pointer, comments, out);
        }
        Value::Array(a) if !a.is_empty() => {
            out.push_str(&comment_for(pointer, comments));
            out.push('\n');
            write_seq(a, indent, pointer, comments, out);
        }
        Value::Object(_) => {
            out.push_str(" {}");
            out.push_str(&comment_for(pointer, comments));
            out.push('\n');
        }
        Value::Array(_) => {
            out.push_str(" []");
            out.push_str(&comment_for(pointer, comments));
            out.push('\n');
        }
        scalar_value => {
            out.push(' ');
            out.push_str(&scalar(scalar_value));
            out.push_str(&comment_for(pointer, comments));
            out.push('\n');
        }
    }
}

/// A compact block sequence: `- ` at the parent key's indentation.
fn write_seq(items: &[Value], indent: usize, pointer: &str, comments: &Comments, out: &mut String) {
    let pad = " ".repeat(indent);
    for (i, item) in items.iter().enumerate() {
        let child = format!("{pointer}/{i}");
        out.push_str(&pad);
        match item {
            Value::Object(m) if !m.is_empty() => {
                out.push_str("- ");
                write_map(m, indent + 2, &child, comments, out);
            }
            Value::Array(a) if !a.is_empty() => {
                out.push('-');
                out.push('\n');
                write_seq(a, indent + 2, &child, comments, out);
            }
            other => {
                out.push('-');
                write_value(other, indent + 2, &child, comments, out);
            }
        }
    }
}

fn key_text(key: &str) -> String {
    scalar(&Value::String(key.to_string()))
}

/// A scalar as YAML text that reads back as the same JSON value under YAML 1.1 and 1.2.
pub fn scalar(value: &Value) -> String {
    crate::yaml::scalar_text(value)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn renders_block_yaml_with_comments() {
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
                "empty": {}
            }
        });
        let mut comments = Comments::new();
        comments.insert("/metadata/name".into(), "kpt-set: ${name}".into());
        comments.insert("/spec/ports/1".into(), "kpt-set: ${p}".into());
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
  empty: {}
";
        assert_eq!(render(&value, &comments), expected);
    }
}
