//! Property tests: generated documents (random JSON-like values written in random styles, with
//! comments, blank lines, indentation 2/4, compact/wide sequences, CRLF) read back as the value
//! they were written from — for us and for `serde_norway` (differential) — keep their comments
//! where written, and write back byte-identical; random bytes and random mutations of the
//! reference files never make the parser panic.

use crate::support;

use private_gke::yaml::{resolve_plain, Document, Edits, NodeId, NodeKind};
use proptest::prelude::*;
use serde::Deserialize;
use serde_json::{Map, Value};

/// Random style decisions, drawn from a byte string proptest shrinks.
struct Styler<'a> {
    bytes: &'a [u8],
    at: usize,
    indent: usize,
    wide: bool,
    comments: usize,
    /// (path, line comment expected on the value at that path)
    line_comments: Vec<(Vec<String>, String)>,
    /// (path of a key, head comment expected above it)
    head_comments: Vec<(Vec<String>, String)>,
}

impl Styler<'_> {
    fn pick(&mut self, n: usize) -> usize {
        let b = self.bytes.get(self.at % self.bytes.len().max(1)).copied();
        self.at += 1;
        b.map_or(0, |b| (b as usize + self.at / self.bytes.len().max(1)) % n)
    }

    fn comment(&mut self) -> String {
        self.comments += 1;
        format!("c{}", self.comments)
    }
}

fn plain_ok(s: &str, flow: bool) -> bool {
    let mut chars = s.chars();
    let Some(first) = chars.next() else {
        return false;
    };
    first.is_alphabetic()
        && s.chars()
            .all(|c| c.is_alphanumeric() || matches!(c, ' ' | '.' | '_' | '/' | '-'))
        && !s.ends_with(' ')
        && !(flow && s.contains(['[', ']', '{', '}', ',']))
        && resolve_plain(s) == Value::String(s.to_string())
}

/// A literal block scalar for `s`, when its lines allow one.
fn literal_ok(s: &str) -> bool {
    s.contains('\n')
        && !s.starts_with('\n')
        && s.trim_end_matches('\n').contains('\n')
        && s.split('\n').all(|l| {
            l.is_empty() || (l.starts_with(|c: char| c.is_alphabetic()) && !l.ends_with(' '))
        })
        && !s.trim_end_matches('\n').contains("\n\n")
}

fn scalar(st: &mut Styler<'_>, v: &Value, flow: bool) -> String {
    match v {
        Value::Null => ["null", "~", "null"][st.pick(3)].to_string(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        Value::String(s) => {
            let mut choices = vec![0];
            if plain_ok(s, flow) {
                choices.push(1);
                choices.push(1);
            }
            if !s.contains(['\n', '\r', '\u{85}', '\u{2028}', '\u{2029}', '\u{feff}'])
                && s.chars().all(|c| !c.is_control())
            {
                choices.push(2);
            }
            match choices[st.pick(choices.len())] {
                1 => s.clone(),
                2 => format!("'{}'", s.replace('\'', "''")),
                _ => double_quoted(s),
            }
        }
        _ => unreachable!(),
    }
}

fn is_scalar(v: &Value) -> bool {
    !matches!(v, Value::Array(_) | Value::Object(_))
}

fn flow(st: &mut Styler<'_>, v: &Value) -> String {
    match v {
        Value::Array(items) => {
            let parts: Vec<String> = items.iter().map(|i| flow(st, i)).collect();
            format!("[{}]", parts.join(", "))
        }
        Value::Object(map) => {
            let parts: Vec<String> = map
                .iter()
                .map(|(k, v)| format!("{}: {}", key(st, k, true), flow(st, v)))
                .collect();
            format!("{{{}}}", parts.join(", "))
        }
        _ => scalar(st, v, true),
    }
}

fn key(st: &mut Styler<'_>, k: &str, flow: bool) -> String {
    if plain_ok(k, flow) && st.pick(4) != 0 {
        k.to_string()
    } else {
        double_quoted(k)
    }
}

/// JSON string syntax, with the characters YAML 1.1 (libyaml) takes for line breaks or a BOM
/// escaped too (see `deliberate_differences_from_serde_norway` in yaml_json.rs).
fn double_quoted(s: &str) -> String {
    serde_json::to_string(s)
        .unwrap()
        .replace('\u{85}', "\\N")
        .replace('\u{2028}', "\\L")
        .replace('\u{2029}', "\\P")
        .replace('\u{feff}', "\\uFEFF")
}

/// The text after `key:` or `-` for value `v` whose key/dash is at column `col`; ends with a
/// line break.
fn after_indicator(
    st: &mut Styler<'_>,
    v: &Value,
    col: usize,
    path: &[String],
    dash: bool,
) -> String {
    match v {
        Value::Null if !dash && st.pick(4) == 0 => "\n".to_string(),
        Value::String(s) if literal_ok(s) && st.pick(2) == 0 => {
            let chomp = if s.ends_with("\n\n") {
                "+"
            } else if s.ends_with('\n') {
                ""
            } else {
                "-"
            };
            let mut out = format!(" |{chomp}");
            if st.pick(3) == 0 {
                let c = st.comment();
                out.push_str(&format!(" # {c}"));
                st.line_comments.push((path.to_vec(), c));
            }
            out.push('\n');
            let body = s.strip_suffix('\n').unwrap_or(s);
            let pad = " ".repeat(col + st.indent);
            for line in body.split('\n') {
                if !line.is_empty() {
                    out.push_str(&pad);
                    out.push_str(line);
                }
                out.push('\n');
            }
            out
        }
        _ if is_scalar(v) => {
            let mut out = format!(" {}", scalar(st, v, false));
            if st.pick(3) == 0 {
                let c = st.comment();
                out.push_str(&format!("  # {c}"));
                st.line_comments.push((path.to_vec(), c));
            }
            out.push('\n');
            out
        }
        Value::Array(a) if a.is_empty() => " []\n".to_string(),
        Value::Object(m) if m.is_empty() => " {}\n".to_string(),
        _ if st.pick(4) == 0 => {
            let mut out = format!(" {}", flow(st, v));
            if st.pick(2) == 0 {
                let c = st.comment();
                out.push_str(&format!(" # {c}"));
                st.line_comments.push((path.to_vec(), c));
            }
            out.push('\n');
            out
        }
        Value::Object(map) if dash => {
            // `- k: v` with the first entry on the dash line.
            let body = block_map(st, map, col + 2, path, true);
            format!(" {}", &body[col + 2..])
        }
        Value::Array(items) if dash => {
            let body = block_seq(st, items, col + 2, path, true);
            format!(" {}", &body[col + 2..])
        }
        _ => {
            let mut out = String::new();
            if !dash && st.pick(3) == 0 {
                let c = st.comment();
                out.push_str(&format!(" # {c}"));
                st.line_comments.push((path.to_vec(), c));
            }
            out.push('\n');
            match v {
                Value::Object(map) => {
                    out.push_str(&block_map(st, map, col + st.indent, path, false))
                }
                Value::Array(items) => {
                    let dash_col = if st.wide { col + st.indent } else { col };
                    out.push_str(&block_seq(st, items, dash_col, path, false));
                }
                _ => unreachable!(),
            }
            out
        }
    }
}

fn block_map(
    st: &mut Styler<'_>,
    map: &Map<String, Value>,
    col: usize,
    path: &[String],
    first_inline: bool,
) -> String {
    let mut out = String::new();
    for (i, (k, v)) in map.iter().enumerate() {
        let mut p = path.to_vec();
        p.push(k.clone());
        if !(first_inline && i == 0) {
            // (A blank line after a `|+` block would be part of its content.)
            if st.pick(5) == 0 && !out.ends_with("\n\n") {
                out.push('\n');
            }
            if st.pick(4) == 0 {
                let c = st.comment();
                out.push_str(&format!("{}# {c}\n", " ".repeat(col)));
                st.head_comments.push((p.clone(), c));
            }
        }
        out.push_str(&" ".repeat(col));
        out.push_str(&key(st, k, false));
        out.push(':');
        out.push_str(&after_indicator(st, v, col, &p, false));
    }
    out
}

fn block_seq(
    st: &mut Styler<'_>,
    items: &[Value],
    col: usize,
    path: &[String],
    first_inline: bool,
) -> String {
    let mut out = String::new();
    for (i, v) in items.iter().enumerate() {
        let mut p = path.to_vec();
        p.push(i.to_string());
        if !(first_inline && i == 0) && st.pick(6) == 0 && !out.ends_with("\n\n") {
            out.push('\n');
        }
        out.push_str(&" ".repeat(col));
        out.push('-');
        out.push_str(&after_indicator(st, v, col, &p, true));
    }
    out
}

struct Generated {
    text: String,
    line_comments: Vec<(Vec<String>, String)>,
    head_comments: Vec<(Vec<String>, String)>,
}

fn write_document(v: &Value, styles: &[u8]) -> Generated {
    let mut st = Styler {
        bytes: styles,
        at: 0,
        indent: 2,
        wide: false,
        comments: 0,
        line_comments: Vec::new(),
        head_comments: Vec::new(),
    };
    st.indent = [2, 4][st.pick(2)];
    st.wide = st.pick(2) == 0;
    let crlf = st.pick(4) == 0;
    let mut text = String::new();
    if st.pick(3) == 0 {
        text.push_str("# leading comment\n\n");
    }
    if st.pick(3) == 0 {
        text.push_str("---\n");
    }
    match v {
        Value::Object(map) if !map.is_empty() && st.pick(5) != 0 => {
            text.push_str(&block_map(&mut st, map, 0, &[], false))
        }
        Value::Array(items) if !items.is_empty() && st.pick(5) != 0 => {
            text.push_str(&block_seq(&mut st, items, 0, &[], false))
        }
        _ => {
            text.push_str(&flow(&mut st, v));
            text.push('\n');
        }
    }
    if st.pick(3) == 0 {
        text.push_str("# trailing comment\n");
    }
    if crlf {
        text = text.replace('\n', "\r\n");
    }
    Generated {
        text,
        line_comments: st.line_comments,
        head_comments: st.head_comments,
    }
}

fn string_strategy() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-z][a-z0-9-]{0,8}",
        "[a-zA-Z][a-zA-Z0-9 ./_-]{0,12}",
        "[ -~]{0,12}",
        "[a-z]([a-z ]{0,4}[a-z])?(\n{1,2}[a-z]([a-z ]{0,4}[a-z])?){1,3}\n{0,2}",
        "(yes|no|on|off|y|n|true|False|null|~|012|0x1F|0o7|1e3|-|:|2024-01-01|-1|\\.inf|<<)",
        "[a-zé中ü]{1,6}",
        "\\PC{0,6}",
    ]
}

fn value_strategy() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        (-1.0e9f64..1.0e9).prop_map(Value::from),
        string_strategy().prop_map(Value::String),
    ];
    leaf.prop_recursive(4, 40, 5, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..5).prop_map(Value::Array),
            prop::collection::vec(("[a-z][a-z0-9_-]{0,6}|\\PC{0,4}", inner), 0..5)
                .prop_map(|entries| Value::Object(entries.into_iter().collect())),
        ]
    })
}

fn node_at(doc: &Document, path: &[String]) -> (Option<NodeId>, NodeId) {
    let mut key = None;
    let mut id = doc.roots()[0];
    for part in path {
        match &doc.node(id).kind {
            NodeKind::Sequence { .. } => {
                key = None;
                id = doc.items(id)[part.parse::<usize>().unwrap()];
            }
            _ => {
                let (k, v) = doc.entry(id, part).unwrap();
                key = Some(k);
                id = v;
            }
        }
    }
    (key, id)
}

fn check_generated(value: &Value, styles: &[u8]) -> Result<(), TestCaseError> {
    let g = write_document(value, styles);
    let doc = Document::parse(g.text.as_str())
        .map_err(|e| TestCaseError::fail(format!("{e}\n{}", g.text)))?;
    let slow = Document::parse_with_granit(g.text.as_str()).unwrap();
    prop_assert!(
        doc.same_tree(&slow),
        "fast path differs from granit:\n{}",
        g.text
    );
    prop_assert_eq!(doc.roots().len(), 1, "{}", g.text);
    let root = doc.roots()[0];
    prop_assert_eq!(&doc.to_json(root).unwrap(), value, "{}", g.text);
    // Differential: a libyaml-based reader reads the same text the same way.
    let theirs = Value::deserialize(serde_norway::Deserializer::from_str(&g.text))
        .map_err(|e| TestCaseError::fail(format!("serde_norway: {e}\n{}", g.text)))?;
    prop_assert_eq!(&theirs, value, "{}", g.text);
    // Identity: no edits → the same bytes; an unchanged value syncs to no edits.
    prop_assert_eq!(Edits::default().apply(&g.text).unwrap(), g.text.clone());
    let mut edits = Edits::default();
    doc.sync(root, value, &mut edits).unwrap();
    prop_assert!(edits.is_empty(), "{}", g.text);
    // Comments are found where they were written.
    for (path, comment) in &g.line_comments {
        let (_, node) = node_at(&doc, path);
        prop_assert_eq!(
            doc.line_comment(node),
            Some(comment.as_str()),
            "{:?}\n{}",
            path,
            g.text
        );
    }
    for (path, comment) in &g.head_comments {
        let (key, _) = node_at(&doc, path);
        let head = doc.head_comment(key.unwrap());
        prop_assert_eq!(
            head.as_deref(),
            Some(comment.as_str()),
            "{:?}\n{}",
            path,
            g.text
        );
    }
    for id in 0..doc.len() {
        let span = doc.node(id).span();
        prop_assert!(span.start <= span.end && span.end <= g.text.len());
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    #[test]
    fn generated_documents_read_back_as_written(
        value in value_strategy(),
        styles in prop::collection::vec(any::<u8>(), 1..64),
    ) {
        check_generated(&value, &styles)?;
    }

    #[test]
    fn block_like_text_reads_the_same_on_both_paths(
        lines in prop::collection::vec(
            ("( {0,6})", "(- |- - |)", "([a-z]{1,3}|'[a-z ]{0,3}'|\"[a-z#]{0,3}\"|-1|--x|a:b|#x)", "(: |:|)", "([a-z]{0,3}|'x''y'|\"q\"|\\|-?|\\|\\+|#c|a #c|  #c|x: y|~|)", "(\n|\r\n|\n\n)"),
            0..14,
        )
    ) {
        let text: String = lines
            .iter()
            .map(|(i, d, k, c, v, n)| format!("{i}{d}{k}{c}{v}{n}"))
            .collect();
        exercise(text.as_bytes());
    }

    #[test]
    fn random_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..300)) {
        exercise(&bytes);
    }

    #[test]
    fn yaml_like_text_never_panics(text in "([-:#&*!|>'\"\\[\\]{},? \t\r\n]|[a-c]|\\.\\.\\.|---){0,80}") {
        exercise(text.as_bytes());
    }

    #[test]
    fn mutated_reference_files_never_panic(
        file in 0usize..1000,
        edits in prop::collection::vec((any::<prop::sample::Index>(), 0usize..4, "[-:#&*!|>'\"\\[\\]{},? \t\r\na]{0,3}"), 1..6),
    ) {
        let Some((_, files)) = support::reference_yaml_files() else {
            return Ok(());
        };
        let mut bytes = std::fs::read(&files[file % files.len()]).unwrap();
        for (at, op, text) in edits {
            let at = at.index(bytes.len() + 1);
            match op {
                0 => { bytes.splice(at..at, text.bytes()); }
                1 => { bytes.drain(at..(at + 3).min(bytes.len())); }
                2 if at < bytes.len() => { bytes[at] = text.bytes().next().unwrap_or(b'\t'); }
                _ => { bytes.splice(at..at, [0xff]); }
            }
        }
        exercise(&bytes);
    }
}

/// Every read-only operation on whatever parses; errors are fine, panics are not. When the fast
/// path reads the text, granit must read it to the same tree.
fn exercise(bytes: &[u8]) {
    if let Ok(text) = std::str::from_utf8(bytes) {
        if let Some(fast) = Document::parse_fast_only(text) {
            match Document::parse_with_granit(text) {
                Ok(slow) => assert!(fast.same_tree(&slow), "fast path differs: {text:?}"),
                Err(e) => panic!("fast path accepted what granit rejects ({e}): {text:?}"),
            }
        }
    }
    let Ok(doc) = Document::parse_bytes(bytes) else {
        return;
    };
    let _ = doc.layout();
    for id in 0..doc.len() {
        let span = doc.node(id).span();
        assert!(span.start <= span.end && span.end <= doc.source().len());
        let _ = doc.line_comment(id);
        let _ = doc.head_comment(id);
        let _ = doc.position(span.start);
    }
    for &root in doc.roots() {
        if let Ok(value) = doc.to_json(root) {
            let mut edits = Edits::default();
            if doc.sync(root, &value, &mut edits).is_ok() {
                assert!(edits.is_empty(), "unchanged sync made edits");
            }
        }
    }
}
