//! Test helpers for the setters stage: text in, setters run, text out (parse -> items ->
//! `setters::run` -> `Document::sync` -> `Edits::apply`), and readers for the reference cases.

use private_gke::config::Settings;
use private_gke::krm::{Item, KrmResult, Severity};
use private_gke::setters;
use private_gke::yaml::{Document, Edits};
use std::collections::BTreeMap;
use std::sync::Arc;

/// Settings with these setter values.
pub fn settings(pairs: &[(&str, &str)]) -> Settings {
    Settings {
        given: pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
        ..Settings::default()
    }
}

/// The outcome of one run over several texts.
pub struct Run {
    /// Each input text after the run, in input order.
    pub outputs: Vec<String>,
    /// Every result of the stage.
    pub results: Vec<KrmResult>,
}

impl Run {
    /// Results of one severity.
    pub fn of(&self, severity: Severity) -> Vec<&KrmResult> {
        self.results
            .iter()
            .filter(|r| r.severity == severity)
            .collect()
    }

    /// Messages of one severity.
    pub fn messages(&self, severity: Severity) -> Vec<String> {
        self.of(severity)
            .iter()
            .map(|r| r.message.clone())
            .collect()
    }

    /// `[severity] Kind/name path: message` lines of one severity.
    pub fn lines(&self, severity: Severity) -> Vec<String> {
        self.of(severity).iter().map(|r| r.to_line()).collect()
    }
}

/// Run the stage once over several texts (items of all texts together), then write each back.
pub fn run_texts(texts: &[&str], settings: &Settings) -> Run {
    let docs: Vec<Arc<Document>> = texts
        .iter()
        .map(|t| Arc::new(Document::parse(*t).expect("test input parses")))
        .collect();
    let mut items = Vec::new();
    let mut owner = Vec::new();
    for (d, doc) in docs.iter().enumerate() {
        for &root in doc.roots() {
            items.push(Item::read(doc.clone(), root).expect("test input reads as JSON"));
            owner.push(d);
        }
    }
    let mut results = Vec::new();
    setters::run(settings, &mut items, &mut results);
    let mut edits: Vec<Edits> = docs.iter().map(|_| Edits::default()).collect();
    for (item, &d) in items.iter().zip(&owner) {
        let origin = item.origin.as_ref().expect("read items keep their origin");
        docs[d]
            .sync(origin.node, item.value(), &mut edits[d])
            .expect("sync succeeds");
    }
    let outputs = docs
        .iter()
        .zip(&edits)
        .map(|(doc, e)| e.apply(doc.source()).expect("edits apply"))
        .collect();
    Run { outputs, results }
}

/// Run the stage over one text.
pub fn run_text(text: &str, pairs: &[(&str, &str)]) -> (String, Run) {
    let run = run_texts(&[text], &settings(pairs));
    (run.outputs[0].clone(), run)
}

pub use crate::support::reference as reference_data;

/// Path of a reference file (reference tier: guard the test with `reference_data::present()`).
pub fn reference(rel: &str) -> String {
    reference_data::dir().join(rel).display().to_string()
}

/// Read a reference file (reference tier: guard the test with `reference_data::present()`).
pub fn read_reference(rel: &str) -> String {
    std::fs::read_to_string(reference(rel)).unwrap_or_else(|e| panic!("read {rel}: {e}"))
}

/// Read the project's copy of an upstream file, `testdata/upstream/<rel>`.
pub fn read_copy(rel: &str) -> String {
    let path = format!("{}/testdata/upstream/{rel}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("read {path}: {e}"))
}

/// One case of a markdown case file: its title and its named parts (fenced blocks and
/// `` `inline` `` values), in the file's words (`input`, `config`, `expectedResources`, ...).
#[derive(Debug, Clone)]
pub struct Case {
    /// `##### N. title` heading.
    pub title: String,
    /// The `#### Test...` group it belongs to.
    pub group: String,
    /// Parts by name.
    pub parts: BTreeMap<String, String>,
}

/// Separates the texts of a Go `[]string{...}` part.
pub const SLICE_SEPARATOR: &str = "\u{1e}";

/// Read every `##### ` case of a markdown case file.
pub fn read_cases(markdown: &str) -> Vec<Case> {
    let mut cases: Vec<Case> = Vec::new();
    let mut group = String::new();
    let mut lines = markdown.lines().peekable();
    while let Some(line) = lines.next() {
        if let Some(title) = line.strip_prefix("##### ") {
            cases.push(Case {
                title: title.to_string(),
                group: group.clone(),
                parts: BTreeMap::new(),
            });
        } else if let Some(g) = line.strip_prefix("#### ") {
            group = g.split(' ').next().unwrap_or("").to_string();
        } else if let Some(rest) = line.strip_prefix("- **") {
            let Some((name, after)) = rest.split_once("**:") else {
                continue;
            };
            let after = after.trim();
            let value = if after == "`[]string{`" {
                // A Go string slice over several lines: ` `, ` ` between texts, ` `}` ` at the end.
                let mut texts = vec![String::new()];
                for l in lines.by_ref() {
                    match l.trim() {
                        "`}`" => break,
                        "`, `" => texts.push(String::new()),
                        _ => {
                            let t = texts.last_mut().expect("one text");
                            t.push_str(l);
                            t.push('\n');
                        }
                    }
                }
                texts.join(SLICE_SEPARATOR)
            } else if let Some(inline) = after.strip_prefix('`') {
                inline.trim_end_matches('`').to_string()
            } else {
                // A fenced block follows (after blank lines).
                while lines.peek().is_some_and(|l| l.trim().is_empty()) {
                    lines.next();
                }
                if !lines.peek().is_some_and(|l| l.starts_with("```")) {
                    continue;
                }
                lines.next();
                let mut body = String::new();
                for l in lines.by_ref() {
                    if l.starts_with("```") {
                        break;
                    }
                    body.push_str(l);
                    body.push('\n');
                }
                body
            };
            if let Some(case) = cases.last_mut() {
                case.parts.insert(name.to_string(), value);
            }
        }
    }
    cases
}

/// The `data` of an apply-setters `config` block as setter values (`~` and null are "").
pub fn config_data(config: &str) -> Vec<(String, String)> {
    let value: serde_norway::Value = serde_norway::from_str(config).expect("config parses");
    let mut out = Vec::new();
    if let Some(data) = value.get("data").and_then(|d| d.as_mapping()) {
        for (k, v) in data {
            let key = k.as_str().expect("string key").to_string();
            let val = match v {
                serde_norway::Value::Null => String::new(),
                serde_norway::Value::String(s) => s.clone(),
                serde_norway::Value::Bool(b) => b.to_string(),
                serde_norway::Value::Number(n) => n.to_string(),
                other => panic!("unexpected config value {other:?}"),
            };
            out.push((key, val));
        }
    }
    out
}

/// Apply a unified diff (`diff.patch` of a kpt e2e fixture) to `text`; hunks must match exactly.
pub fn apply_patch(text: &str, patch: &str) -> String {
    let old: Vec<&str> = text.split_inclusive('\n').collect();
    let mut out = String::new();
    let mut at = 0;
    let mut lines = patch.lines().peekable();
    while let Some(line) = lines.next() {
        let Some(header) = line.strip_prefix("@@ -") else {
            continue;
        };
        let start: usize = header
            .split([',', ' '])
            .next()
            .and_then(|s| s.parse().ok())
            .expect("hunk start");
        let start = start.saturating_sub(1);
        for l in &old[at..start] {
            out.push_str(l);
        }
        at = start;
        while let Some(&body) = lines.peek() {
            if body.starts_with("@@") || body.starts_with("diff ") {
                break;
            }
            lines.next();
            if let Some(added) = body.strip_prefix('+') {
                out.push_str(added);
                out.push('\n');
            } else if let Some(removed) = body.strip_prefix('-') {
                assert_eq!(old[at].trim_end_matches('\n'), removed, "patch context");
                at += 1;
            } else if let Some(ctx) = body.strip_prefix(' ') {
                assert_eq!(old[at].trim_end_matches('\n'), ctx, "patch context");
                out.push_str(old[at]);
                at += 1;
            } else if body.starts_with('\\') && out.ends_with('\n') {
                out.pop();
            }
        }
    }
    for l in &old[at..] {
        out.push_str(l);
    }
    out
}
