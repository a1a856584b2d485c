//! The JSON view of a node: scalar resolution, alias expansion (bounded), merge keys.
//!
//! Plain scalars resolve as a libyaml-based reader with the YAML 1.2 core schema does
//! (`serde_norway`): `null`/`Null`/`NULL`/`~`/empty → null; `true`/`True`/`TRUE`/`false`/… →
//! bool; decimal, `0x`, `0o`, `0b` integers (optionally signed) → integer; floats → float.
//! Deliberate differences: `.inf`, `-.inf` and `.nan` stay strings (JSON cannot hold them;
//! `serde_norway` → `serde_json` turns them into `null`, losing the text); integers beyond the
//! 64-bit range become floats. Digits with a leading zero (`012`) are strings, as in YAML 1.2.
//! `yes`/`no`/`on`/`off` are strings (YAML 1.2). Quoted and block scalars, and scalars tagged
//! `!!str` or `!`, are strings.
//!
//! Mapping keys: a scalar key is its decoded text as written (`0x10: a` gives the key `"0x10"`,
//! `~: a` the key `"~"`); a collection key becomes its compact JSON text.
//!
//! Merge keys (plain `<<`): the value is a mapping, an alias of one, or a sequence of those; keys
//! not written explicitly in the mapping are appended after its own keys, earlier merge sources
//! winning — as `serde_norway::Value::apply_merge`.

use super::parse::MAX_DEPTH;
use super::{Document, Entries, NodeId, NodeKind, ScalarStyle, YamlError};
use serde_json::{Map, Number, Value};

/// Most nodes one `to_json` call may produce through aliases beyond the document's own nodes
/// (a "billion laughs" input fails instead of exhausting memory).
pub const MAX_ALIAS_EXPANSION: usize = 1_000_000;

/// What a finished value is for.
#[derive(Clone, Copy, PartialEq)]
enum Role {
    Value,
    Key,
    Merge,
}

enum Frame<'d> {
    Seq {
        role: Role,
        items: std::slice::Iter<'d, NodeId>,
        out: Vec<Value>,
    },
    Map {
        role: Role,
        entries: <Entries<'d> as IntoIterator>::IntoIter,
        out: Map<String, Value>,
        key: Option<String>,
        /// Byte offset of the `<<` key whose value is being converted.
        merge_at: usize,
        merges: Vec<(usize, Value)>,
        /// The value of an entry whose (collection) key is being converted.
        pending_value: Option<NodeId>,
    },
}

impl Frame<'_> {
    fn role(&self) -> Role {
        match self {
            Frame::Seq { role, .. } | Frame::Map { role, .. } => *role,
        }
    }
}

impl Document {
    pub(super) fn json_of(&self, id: NodeId) -> Result<Value, YamlError> {
        let budget = self.nodes.len().saturating_add(MAX_ALIAS_EXPANSION);
        let mut produced = 0usize;
        let mut stack: Vec<Frame<'_>> = Vec::new();
        let mut vias: Vec<Option<usize>> = Vec::new();
        // The next node to convert and what it is for.
        let mut next: Option<(NodeId, Role)> = Some((id, Role::Value));
        loop {
            let (value, role) = if let Some((node, role)) = next.take() {
                produced += 1;
                // The outermost alias this node is reached through (errors point there).
                let via = vias.last().copied().flatten().or(matches!(
                    self.nodes[node].kind,
                    NodeKind::Alias { .. }
                )
                .then_some(self.nodes[node].span().start));
                let at = via.unwrap_or(self.nodes[node].span().start);
                if produced > budget {
                    return Err(self.error_at(
                        at,
                        format!(
                            "alias expansion exceeds {MAX_ALIAS_EXPANSION} nodes (alias bomb?)"
                        ),
                    ));
                }
                let node = self.resolve(node);
                if stack.len() >= MAX_DEPTH {
                    return Err(self.error_at(
                        at,
                        format!("nesting deeper than {MAX_DEPTH} levels after alias expansion"),
                    ));
                }
                if !matches!(self.nodes[node].kind, NodeKind::Scalar { .. }) {
                    vias.push(via);
                }
                match &self.nodes[node].kind {
                    NodeKind::Sequence { items, .. } => {
                        stack.push(Frame::Seq {
                            role,
                            items: self.items_at(*items).iter(),
                            out: Vec::with_capacity(items.len()),
                        });
                        self.advance(&mut stack, &mut next);
                        continue;
                    }
                    NodeKind::Mapping { entries, .. } => {
                        stack.push(Frame::Map {
                            role,
                            entries: self.entries_at(*entries).into_iter(),
                            out: Map::new(),
                            key: None,
                            merge_at: 0,
                            merges: Vec::new(),
                            pending_value: None,
                        });
                        self.advance(&mut stack, &mut next);
                        continue;
                    }
                    _ => (self.scalar_json(node)?, role),
                }
            } else {
                // The top frame has no more children: finish it.
                let Some(frame) = stack.pop() else {
                    return Ok(Value::Null);
                };
                vias.pop();
                let role = frame.role();
                match frame {
                    Frame::Seq { out, .. } => (Value::Array(out), role),
                    Frame::Map {
                        mut out, merges, ..
                    } => {
                        for (at, merge) in merges {
                            merge_into(&mut out, merge).map_err(|m| self.error_at(at, m))?;
                        }
                        (Value::Object(out), role)
                    }
                }
            };
            // Deliver the finished value to its parent frame.
            let Some(parent) = stack.last_mut() else {
                return Ok(value);
            };
            match parent {
                Frame::Seq { out, .. } => out.push(value),
                Frame::Map {
                    out,
                    key,
                    merges,
                    merge_at,
                    ..
                } => match role {
                    Role::Key => *key = Some(json_key(value)),
                    Role::Merge => merges.push((*merge_at, value)),
                    Role::Value => {
                        let k = key.take().unwrap_or_default();
                        out.insert(k, value);
                    }
                },
            }
            self.advance(&mut stack, &mut next);
        }
    }

    /// Choose the next child of the top frame to convert (scalar keys are handled inline).
    fn advance<'d>(&'d self, stack: &mut [Frame<'d>], next: &mut Option<(NodeId, Role)>) {
        let Some(top) = stack.last_mut() else { return };
        match top {
            Frame::Seq { items, .. } => *next = items.next().map(|&i| (i, Role::Value)),
            Frame::Map {
                entries,
                key,
                merge_at,
                pending_value,
                ..
            } => {
                if key.is_some() {
                    // A collection key was just converted: its value comes next.
                    *next = pending_value.take().map(|v| (v, Role::Value));
                    return;
                }
                let Some((k, v)) = entries.next() else {
                    *next = None;
                    return;
                };
                let target = &self.nodes[self.resolve(k)];
                match (&target.kind, self.scalar_of(target)) {
                    (NodeKind::Scalar { style, .. }, Some(value)) => {
                        if *style == ScalarStyle::Plain && value == "<<" && self.tag(k).is_none() {
                            *merge_at = self.nodes[k].span().start;
                            *next = Some((v, Role::Merge));
                        } else {
                            *key = Some(value.to_string());
                            *next = Some((v, Role::Value));
                        }
                    }
                    _ => {
                        *pending_value = Some(v);
                        *next = Some((k, Role::Key));
                    }
                }
            }
        }
    }

    fn resolve(&self, mut id: NodeId) -> NodeId {
        while let NodeKind::Alias { target } = self.nodes[id].kind {
            id = target.id();
        }
        id
    }

    fn scalar_json(&self, id: NodeId) -> Result<Value, YamlError> {
        let node = &self.nodes[id];
        let (NodeKind::Scalar { style, .. }, Some(value)) = (&node.kind, self.scalar_of(node))
        else {
            return Ok(Value::Null);
        };
        match self.tag(id) {
            None if *style == ScalarStyle::Plain => Ok(resolve_plain(value)),
            None => Ok(Value::String(value.to_string())),
            Some("!!str" | "!" | "!<tag:yaml.org,2002:str>") => {
                Ok(Value::String(value.to_string()))
            }
            Some(tag @ ("!!int" | "!!float" | "!!bool" | "!!null")) => {
                let v = resolve_plain(value);
                let ok = match tag {
                    "!!int" => v.is_i64() || v.is_u64(),
                    "!!float" => v.is_number(),
                    "!!bool" => v.is_boolean(),
                    _ => v.is_null(),
                };
                if ok {
                    Ok(if tag == "!!float" {
                        v.as_f64()
                            .and_then(Number::from_f64)
                            .map_or(v, Value::Number)
                    } else {
                        v
                    })
                } else {
                    Err(self.error_at(
                        node.span().start,
                        format!("{value:?} is not a valid {}", &tag[2..]),
                    ))
                }
            }
            Some(_) if *style == ScalarStyle::Plain => Ok(resolve_plain(value)),
            Some(_) => Ok(Value::String(value.to_string())),
        }
    }
}

/// The JSON key for a non-scalar key value: its compact JSON text.
fn json_key(value: Value) -> String {
    match value {
        Value::String(s) => s,
        other => other.to_string(),
    }
}

/// Apply one `<<` value to `out`: keys already present win.
fn merge_into(out: &mut Map<String, Value>, merge: Value) -> Result<(), String> {
    match merge {
        Value::Object(m) => {
            for (k, v) in m {
                out.entry(k).or_insert(v);
            }
            Ok(())
        }
        Value::Array(items) => {
            for item in items {
                match item {
                    Value::Object(m) => {
                        for (k, v) in m {
                            out.entry(k).or_insert(v);
                        }
                    }
                    _ => return Err("merge key << expects mappings in its sequence".into()),
                }
            }
            Ok(())
        }
        _ => Err("merge key << expects a mapping or a sequence of mappings".into()),
    }
}

/// Resolve a plain scalar (see the module documentation).
pub fn resolve_plain(s: &str) -> Value {
    resolve_plain_non_string(s).unwrap_or_else(|| Value::String(s.to_string()))
}

/// What a plain scalar resolves to when that is not a string (`None`: it reads as itself).
pub(super) fn resolve_plain_non_string(s: &str) -> Option<Value> {
    match s {
        "" | "~" | "null" | "Null" | "NULL" => return Some(Value::Null),
        "true" | "True" | "TRUE" => return Some(Value::Bool(true)),
        "false" | "False" | "FALSE" => return Some(Value::Bool(false)),
        _ => {}
    }
    let first = s.as_bytes()[0];
    if !(first.is_ascii_digit() || matches!(first, b'-' | b'+' | b'.')) {
        return None;
    }
    if let Some(n) = parse_int(s) {
        return Some(Value::Number(n));
    }
    if !digits_but_not_number(s) {
        if let Some(f) = parse_float(s) {
            if let Some(n) = Number::from_f64(f) {
                return Some(Value::Number(n));
            }
        }
    }
    None
}

/// Leading zero(s) followed by digits: a string in YAML 1.2.
fn digits_but_not_number(s: &str) -> bool {
    let s = s.strip_prefix(['-', '+']).unwrap_or(s);
    s.len() > 1 && s.starts_with('0') && s[1..].bytes().all(|b| b.is_ascii_digit())
}

fn parse_int(s: &str) -> Option<Number> {
    let (negative, body) = match s.as_bytes()[0] {
        b'-' => (true, &s[1..]),
        b'+' => (false, &s[1..]),
        _ => (false, s),
    };
    if body.is_empty() || body.starts_with(['+', '-']) {
        return None;
    }
    let (radix, digits) = if let Some(d) = body.strip_prefix("0x") {
        (16, d)
    } else if let Some(d) = body.strip_prefix("0o") {
        (8, d)
    } else if let Some(d) = body.strip_prefix("0b") {
        (2, d)
    } else {
        if digits_but_not_number(s) {
            return None;
        }
        (10, body)
    };
    if digits.is_empty() || digits.starts_with(['+', '-']) {
        return None;
    }
    let magnitude = u64::from_str_radix(digits, radix).ok()?;
    if negative {
        if magnitude <= i64::MAX as u64 {
            Some(Number::from(-(magnitude as i64)))
        } else if magnitude == i64::MAX as u64 + 1 {
            Some(Number::from(i64::MIN))
        } else {
            None
        }
    } else {
        Some(Number::from(magnitude))
    }
}

fn parse_float(s: &str) -> Option<f64> {
    let body = s.strip_prefix('+').unwrap_or(s);
    if body.starts_with(['+', '-']) && s.starts_with('+') {
        return None;
    }
    // Rust also accepts "inf", "infinity", "nan": those are not finite and so rejected below.
    let f: f64 = body.parse().ok()?;
    f.is_finite().then_some(f)
}

#[cfg(test)]
mod tests {
    use super::resolve_plain;
    use serde_json::json;

    #[test]
    fn plain_scalars_resolve_like_the_core_schema() {
        let cases = [
            ("", json!(null)),
            ("~", json!(null)),
            ("null", json!(null)),
            ("NULL", json!(null)),
            ("true", json!(true)),
            ("False", json!(false)),
            ("yes", json!("yes")),
            ("on", json!("on")),
            ("12", json!(12)),
            ("-12", json!(-12)),
            ("+12", json!(12)),
            ("0x1F", json!(31)),
            ("0o17", json!(15)),
            ("0b101", json!(5)),
            ("012", json!("012")),
            ("1.5", json!(1.5)),
            ("1e3", json!(1000.0)),
            (".5", json!(0.5)),
            (".inf", json!(".inf")),
            ("-.inf", json!("-.inf")),
            (".nan", json!(".nan")),
            ("nan", json!("nan")),
            ("inf", json!("inf")),
            ("18446744073709551615", json!(18446744073709551615u64)),
            ("-9223372036854775808", json!(i64::MIN)),
            ("1_000", json!("1_000")),
            ("2024-01-01", json!("2024-01-01")),
            ("-", json!("-")),
            ("0x", json!("0x")),
        ];
        for (text, want) in cases {
            assert_eq!(resolve_plain(text), want, "{text:?}");
        }
    }
}
