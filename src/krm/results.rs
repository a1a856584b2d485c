//! Structured results in the KRM functions spec v1 list form.

use crate::yaml::{BlockWriter, Layout};
use serde::Serialize;
use std::collections::BTreeMap;
use std::sync::Arc;

/// How serious a result is; any `Error` makes the function exit 1.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Something will fail at deploy time, or the input cannot be processed.
    Error,
    /// Something the user should look at; the output is still written.
    Warning,
    /// A change made, or a summary.
    Info,
}

/// The resource a result is about.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ResourceRef {
    /// `apiVersion` of the resource.
    pub api_version: String,
    /// `kind` of the resource.
    pub kind: String,
    /// `metadata.name`.
    pub name: String,
    /// `metadata.namespace`, when set.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
}

/// The field a result is about, with `spec.ports[0].port` style paths.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct FieldRef {
    /// Dotted path with `[i]` indices.
    pub path: String,
    /// Value before the change, when relevant.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub current_value: Option<serde_json::Value>,
    /// Value after the change, when relevant.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub proposed_value: Option<serde_json::Value>,
}

/// The file a resource came from (from its path/index annotations).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct FileRef {
    /// Package-relative path.
    pub path: String,
    /// Index of the document in that file.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub index: Option<u64>,
}

/// One result, as written under `results:` in the output ResourceList. Small: the resource and
/// its file are shared by the results about the same item, a field is boxed.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct KrmResult {
    /// What happened, written for the person reading it.
    pub message: String,
    /// Always set.
    pub severity: Severity,
    /// The resource concerned.
    #[serde(skip_serializing_if = "Option::is_none", serialize_with = "shared")]
    pub resource_ref: Option<Arc<ResourceRef>>,
    /// The field concerned.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<Box<FieldRef>>,
    /// The file concerned.
    #[serde(skip_serializing_if = "Option::is_none", serialize_with = "shared")]
    pub file: Option<Arc<FileRef>>,
    /// Free-form tags (e.g. `check: firewall`).
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub tags: BTreeMap<String, String>,
}

/// A shared part of a result, serialized as the part itself.
fn shared<T: Serialize, S: serde::Serializer>(
    part: &Option<Arc<T>>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    part.as_deref().serialize(serializer)
}

impl KrmResult {
    /// A result with only a message and a severity.
    pub fn new(severity: Severity, message: impl Into<String>) -> Self {
        KrmResult {
            message: message.into(),
            severity,
            resource_ref: None,
            field: None,
            file: None,
            tags: BTreeMap::new(),
        }
    }

    /// Shorthand for an error result.
    pub fn error(message: impl Into<String>) -> Self {
        Self::new(Severity::Error, message)
    }

    /// Shorthand for a warning result.
    pub fn warning(message: impl Into<String>) -> Self {
        Self::new(Severity::Warning, message)
    }

    /// Shorthand for an info result.
    pub fn info(message: impl Into<String>) -> Self {
        Self::new(Severity::Info, message)
    }

    /// Attach the resource (and its file, from the path/index annotations) of an item's JSON view;
    /// an item without `apiVersion` and `kind` (a settings file, a kustomization) has no
    /// resource to name, only its file.
    pub fn for_resource(mut self, resource: &serde_json::Value) -> Self {
        let reference = resource_ref(resource);
        self.resource_ref = (!reference.api_version.is_empty() || !reference.kind.is_empty())
            .then(|| Arc::new(reference));
        self.file = file_ref(resource).map(Arc::new);
        self
    }

    /// [`KrmResult::for_resource`] of an item, read through its accessors (its view is not
    /// built for this).
    pub fn for_item(mut self, item: &crate::krm::Item) -> Self {
        let reference = ResourceRef {
            api_version: item.api_version().to_string(),
            kind: item.kind().to_string(),
            name: item.name().to_string(),
            namespace: item.namespace().map(str::to_string),
        };
        self.resource_ref = (!reference.api_version.is_empty() || !reference.kind.is_empty())
            .then(|| Arc::new(reference));
        let get = |k: &str| item.annotation(k);
        self.file = get("internal.config.kubernetes.io/path")
            .or_else(|| get("config.kubernetes.io/path"))
            .map(|path| {
                Arc::new(FileRef {
                    path: path.to_string(),
                    index: get("internal.config.kubernetes.io/index")
                        .or_else(|| get("config.kubernetes.io/index"))
                        .and_then(|i| i.parse().ok()),
                })
            });
        self
    }

    /// Attach a field path, optionally with old and new values.
    pub fn at_field(
        mut self,
        path: impl Into<String>,
        current: Option<serde_json::Value>,
        proposed: Option<serde_json::Value>,
    ) -> Self {
        self.field = Some(Box::new(FieldRef {
            path: path.into(),
            current_value: current,
            proposed_value: proposed,
        }));
        self
    }

    /// Add a tag.
    pub fn tag(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.tags.insert(key.into(), value.into());
        self
    }

    /// One line for stderr, the way kpt prints results:
    /// `[error] ComputeFirewall/kf-cm spec.allow: message (file private-gke/firewall.yaml)`.
    pub fn to_line(&self) -> String {
        let sev = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "info",
        };
        let mut line = format!("[{sev}]");
        if let Some(r) = &self.resource_ref {
            match &r.namespace {
                Some(ns) => line.push_str(&format!(" {}/{}/{}", r.kind, ns, r.name)),
                None => line.push_str(&format!(" {}/{}", r.kind, r.name)),
            }
        }
        if let Some(f) = &self.field {
            line.push_str(&format!(" {}", f.path));
        }
        line.push_str(if self.resource_ref.is_some() || self.field.is_some() {
            ": "
        } else {
            " "
        });
        line.push_str(&self.message);
        if let Some(f) = &self.file {
            line.push_str(&format!(" (file {})", f.path));
        }
        one_line(&line)
    }
}

/// `text` on one line: line breaks and other control characters (a file name may hold them)
/// written as escapes (`\n`, `\r`, `\t`, `\u{1b}`), backslashes doubled only then.
pub fn one_line(text: &str) -> String {
    if !text.chars().any(char::is_control) {
        return text.to_string();
    }
    text.chars()
        .map(|c| match c {
            '\\' => "\\\\".to_string(),
            c if c.is_control() => c.escape_default().to_string(),
            c => c.to_string(),
        })
        .collect()
}

/// The `resourceRef` of an item's JSON view.
pub fn resource_ref(resource: &serde_json::Value) -> ResourceRef {
    let s = |v: Option<&serde_json::Value>| v.and_then(|v| v.as_str()).unwrap_or("").to_string();
    let metadata = resource.get("metadata");
    ResourceRef {
        api_version: s(resource.get("apiVersion")),
        kind: s(resource.get("kind")),
        name: s(metadata.and_then(|m| m.get("name"))),
        namespace: metadata
            .and_then(|m| m.get("namespace"))
            .and_then(|v| v.as_str())
            .map(str::to_string),
    }
}

/// The file of an item from its path/index annotations (internal keys first, then legacy).
pub fn file_ref(resource: &serde_json::Value) -> Option<FileRef> {
    let ann = resource.get("metadata")?.get("annotations")?;
    let get = |k: &str| ann.get(k).and_then(|v| v.as_str());
    let path =
        get("internal.config.kubernetes.io/path").or_else(|| get("config.kubernetes.io/path"))?;
    let index = get("internal.config.kubernetes.io/index")
        .or_else(|| get("config.kubernetes.io/index"))
        .and_then(|i| i.parse().ok());
    Some(FileRef {
        path: path.to_string(),
        index,
    })
}

/// True when any result is an error.
pub fn has_errors(results: &[KrmResult]) -> bool {
    results.iter().any(|r| r.severity == Severity::Error)
}

/// A result as the JSON object written under `results:`.
pub fn result_json(result: &KrmResult) -> serde_json::Value {
    serde_json::to_value(result)
        .unwrap_or_else(|_| serde_json::Value::String(result.message.clone()))
}

/// The results as block-sequence items at `dash_column`, each preceded by a line break: the
/// same text as rendering each [`result_json`] as a sequence item, written straight from the
/// structs ([`BlockWriter`]). A result with a multi-line string or a collection value is
/// rendered whole.
pub fn results_text(results: &[KrmResult], dash_column: usize, layout: Layout) -> String {
    let mut writer = BlockWriter::new(String::new(), results.len() * 320, layout);
    for result in results {
        writer.line_break();
        let mark = writer.mark();
        if write_result(&mut writer, result, dash_column).is_none() {
            writer.truncate(mark);
            writer.value_item(&result_json(result), dash_column);
        }
    }
    writer.finish()
}

/// One result at `dash_column`, its keys in [`result_json`]'s order; `None` (with partial text
/// written) when it needs the general renderer.
fn write_result<'a>(w: &mut BlockWriter<'a>, r: &'a KrmResult, dash_column: usize) -> Option<()> {
    let inner = dash_column + 2;
    let nested = inner + w.layout().indent;
    w.item(dash_column, "message");
    w.string(&r.message)?;
    w.field(inner, "severity");
    w.raw(match r.severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "info",
    });
    if let Some(rr) = &r.resource_ref {
        w.key(inner, "resourceRef");
        w.field(nested, "apiVersion");
        w.string(&rr.api_version)?;
        w.field(nested, "kind");
        w.string(&rr.kind)?;
        w.field(nested, "name");
        w.string(&rr.name)?;
        if let Some(ns) = &rr.namespace {
            w.field(nested, "namespace");
            w.string(ns)?;
        }
    }
    if let Some(f) = &r.field {
        w.key(inner, "field");
        w.field(nested, "path");
        w.string(&f.path)?;
        if let Some(v) = &f.current_value {
            w.field(nested, "currentValue");
            w.scalar(v)?;
        }
        if let Some(v) = &f.proposed_value {
            w.field(nested, "proposedValue");
            w.scalar(v)?;
        }
    }
    if let Some(file) = &r.file {
        w.key(inner, "file");
        w.field(nested, "path");
        w.string(&file.path)?;
        if let Some(index) = file.index {
            w.field(nested, "index");
            w.raw(&index.to_string());
        }
    }
    if !r.tags.is_empty() {
        w.key(inner, "tags");
        for (k, v) in &r.tags {
            w.string_entry(nested, k, v)?;
        }
    }
    Some(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::yaml::AWKWARD_STRINGS;
    use serde_json::json;

    /// What the general path writes: each result's JSON rendered as a sequence item.
    fn general(results: &[KrmResult], dash_column: usize, layout: Layout) -> String {
        let eol = if layout.crlf { "\r\n" } else { "\n" };
        results
            .iter()
            .map(|r| {
                format!(
                    "{eol}{}",
                    crate::yaml::render_item_at(&result_json(r), dash_column, layout)
                )
            })
            .collect()
    }

    #[test]
    fn results_text_matches_rendering_each_result_json() {
        let item = json!({
            "apiVersion": "v1", "kind": "ConfigMap",
            "metadata": {"name": "yes", "namespace": "0123", "annotations": {
                "config.kubernetes.io/path": "a b/it's.yaml",
                "config.kubernetes.io/index": "3"}}
        });
        let more = ["two\nlines", "config.kubernetes.io/index"];
        let strings = AWKWARD_STRINGS.iter().chain(&more);
        let mut results = Vec::new();
        for &s in strings {
            results.push(
                KrmResult::info(format!("set {s}"))
                    .for_resource(&item)
                    .at_field(s, Some(json!(s)), Some(json!(s))),
            );
            results.push(KrmResult::warning(s).tag(s, s).tag("check", "names"));
        }
        for v in [
            json!(true),
            json!(3),
            json!(1.5),
            json!(null),
            json!([1]),
            json!({"a": 1}),
        ] {
            results.push(
                KrmResult::error("typed")
                    .for_resource(&json!({"apiVersion": "v1", "kind": "K"}))
                    .at_field("spec.x", Some(v.clone()), Some(v)),
            );
        }
        results.push(KrmResult::info("only a message"));
        let layouts = [
            Layout::default(),
            Layout {
                indent: 4,
                wide_sequences: true,
                crlf: true,
                double_quotes: false,
            },
        ];
        for layout in layouts {
            for dash_column in [0, 2] {
                let fast = results_text(&results, dash_column, layout);
                assert_eq!(fast, general(&results, dash_column, layout));
            }
        }
    }
}
