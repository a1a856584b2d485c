//! Writing a JSON value as pretty JSON text (serde_json's layout) where every scalar that still
//! equals the JSON view of the node at the same place keeps that node's source token: untouched
//! numbers (`1e400`, a 30-digit integer, `1e2`) and strings keep their text.

use super::{Document, NodeId, NodeKind, ScalarStyle};
use serde_json::Value;

impl Document {
    /// `value` as pretty JSON (two-space indentation, as `serde_json::to_string_pretty`), without
    /// a final line break. Where `node` (a node of this document at the same place as `value`)
    /// is a scalar whose JSON view equals the value and whose token is valid JSON for it, the
    /// token is written as it is in the source.
    pub fn json_text(&self, node: Option<NodeId>, value: &Value) -> String {
        self.json_text_at(node, value, 0)
    }

    /// [`Document::json_text`] for a value nested `depth` levels deep: its inner lines are
    /// indented for that depth (the first line is not).
    pub fn json_text_at(&self, node: Option<NodeId>, value: &Value, depth: usize) -> String {
        let mut out = String::new();
        self.json_into(&mut out, node, value, depth);
        out
    }

    fn json_into(&self, out: &mut String, node: Option<NodeId>, value: &Value, depth: usize) {
        let node = node.filter(|&id| id < self.len());
        match value {
            Value::Object(map) if !map.is_empty() => {
                out.push('{');
                for (i, (key, v)) in map.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    newline(out, depth + 1);
                    out.push_str(&serde_json::to_string(key).unwrap_or_default());
                    out.push_str(": ");
                    let child = node.and_then(|n| self.get(n, key));
                    self.json_into(out, child, v, depth + 1);
                }
                newline(out, depth);
                out.push('}');
            }
            Value::Array(items) if !items.is_empty() => {
                let children = node.and_then(|n| match &self.node(n).kind {
                    NodeKind::Sequence { items, .. } => Some(self.items_at(*items)),
                    _ => None,
                });
                out.push('[');
                for (i, v) in items.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    newline(out, depth + 1);
                    let child = children.and_then(|c| c.get(i).copied());
                    self.json_into(out, child, v, depth + 1);
                }
                newline(out, depth);
                out.push(']');
            }
            _ => match node.and_then(|n| self.json_token(n, value)) {
                Some(token) => out.push_str(token),
                None => out.push_str(&serde_json::to_string(value).unwrap_or_default()),
            },
        }
    }

    /// The source token of scalar `id` when it is JSON text that stands for `value` (which the
    /// node's JSON view equals): a number, `true`/`false`/`null`, or a double-quoted string
    /// that JSON reads as the same string.
    fn json_token(&self, id: NodeId, value: &Value) -> Option<&str> {
        let node = self.node(id);
        let NodeKind::Scalar { style, .. } = node.kind else {
            return None;
        };
        if self.tag(id).is_some() || self.to_json(id).ok().as_ref() != Some(value) {
            return None;
        }
        let token = self.source().get(node.span())?;
        let fits = match style {
            ScalarStyle::Plain => match value {
                Value::Bool(b) => token == if *b { "true" } else { "false" },
                Value::Null => token == "null",
                Value::Number(_) | Value::String(_) => is_json_number(token),
                _ => false,
            },
            ScalarStyle::DoubleQuoted => {
                matches!(serde_json::from_str::<Value>(token), Ok(ref v) if v == value)
            }
            _ => false,
        };
        fits.then_some(token)
    }
}

/// A line break and `depth` levels of two-space indentation.
fn newline(out: &mut String, depth: usize) {
    out.push('\n');
    for _ in 0..depth {
        out.push_str("  ");
    }
}

/// Whether `s` is a number in JSON's grammar (`-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?`).
fn is_json_number(s: &str) -> bool {
    let b = s.as_bytes();
    let mut i = usize::from(b.first() == Some(&b'-'));
    let digits = |i: &mut usize| {
        let start = *i;
        while b.get(*i).is_some_and(u8::is_ascii_digit) {
            *i += 1;
        }
        *i - start
    };
    match b.get(i) {
        Some(b'0') => i += 1,
        Some(b'1'..=b'9') => {
            digits(&mut i);
        }
        _ => return false,
    }
    if b.get(i) == Some(&b'.') {
        i += 1;
        if digits(&mut i) == 0 {
            return false;
        }
    }
    if matches!(b.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(b.get(i), Some(b'+' | b'-')) {
            i += 1;
        }
        if digits(&mut i) == 0 {
            return false;
        }
    }
    i == b.len()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn untouched_numbers_keep_their_token() {
        let src = r#"{"a": 1e400, "b": 123456789012345678901234567890, "c": 1e2, "d": [1.50, "x\u00e9"]}"#;
        let doc = Document::parse(src).unwrap();
        let root = doc.roots()[0];
        let value = doc.to_json(root).unwrap();
        let text = doc.json_text(Some(root), &value);
        assert_eq!(
            text,
            "{\n  \"a\": 1e400,\n  \"b\": 123456789012345678901234567890,\n  \"c\": 1e2,\n  \"d\": [\n    1.50,\n    \"x\\u00e9\"\n  ]\n}"
        );
        assert_ne!(serde_json::to_string_pretty(&value).unwrap(), text);
    }

    #[test]
    fn changed_values_and_values_without_a_node_are_serde_json_text() {
        let doc = Document::parse(r#"{"a": 1e2, "b": 2}"#).unwrap();
        let root = doc.roots()[0];
        let value = json!({"a": 5, "b": 2, "c": {}, "d": []});
        assert_eq!(
            doc.json_text(Some(root), &value),
            serde_json::to_string_pretty(&value).unwrap()
        );
        assert_eq!(
            doc.json_text(None, &json!({"x": [1, {"y": null}]})),
            serde_json::to_string_pretty(&json!({"x": [1, {"y": null}]})).unwrap()
        );
    }

    #[test]
    fn json_number_grammar() {
        for ok in ["0", "-0", "1e400", "1.5E-3", "10", "-12.0e+2"] {
            assert!(is_json_number(ok), "{ok}");
        }
        for bad in [
            "01", "1.", ".5", "+1", "1e", "0x10", "", "-", "1_000", ".inf",
        ] {
            assert!(!is_json_number(bad), "{bad}");
        }
    }
}
