//! One resource as the stages see it: a JSON view to compute on, and where its text came from.

use crate::yaml::{Document, NodeId};
use serde_json::Value;
use std::sync::Arc;

/// Where an item's text lives: a node of a parsed document, and its JSON view as read.
#[derive(Debug, Clone)]
pub struct Origin {
    /// The parsed text the item came from (a whole ResourceList, or one package file).
    pub doc: Arc<Document>,
    /// The item's mapping node in `doc`.
    pub node: NodeId,
    /// The JSON view as read, before any stage changed it.
    pub original: Value,
}

/// One resource. Stages change `value`; the writer syncs the difference back to `origin`'s text
/// as minimal edits. Generated items have no origin and carry their own `text`.
#[derive(Debug, Clone)]
pub struct Item {
    /// Current JSON view (key order kept): [`Item::value`], [`Item::value_mut`].
    value: Value,
    /// Source of an item that was read; `None` for items the function generated.
    pub origin: Option<Origin>,
    /// For generated items: YAML text of the item at indent 0 (may carry setter comments).
    /// `None` means: render `value`.
    pub text: Option<String>,
}

impl Item {
    /// An item read from `doc` at `node`.
    pub fn read(doc: Arc<Document>, node: NodeId, value: Value) -> Self {
        Item {
            value: value.clone(),
            origin: Some(Origin {
                doc,
                node,
                original: value,
            }),
            text: None,
        }
    }

    /// A generated item with its YAML text; `value` must be what `text` reads as.
    pub fn generated(value: Value, text: Option<String>) -> Self {
        Item {
            value,
            origin: None,
            text,
        }
    }

    /// The item's JSON view (key order kept).
    pub fn value(&self) -> &Value {
        &self.value
    }

    /// The item's JSON view, to change it.
    pub fn value_mut(&mut self) -> &mut Value {
        &mut self.value
    }

    /// `kind` of the item ("" when absent).
    pub fn kind(&self) -> &str {
        self.value.get("kind").and_then(Value::as_str).unwrap_or("")
    }

    /// `apiVersion` of the item ("" when absent).
    pub fn api_version(&self) -> &str {
        self.value
            .get("apiVersion")
            .and_then(Value::as_str)
            .unwrap_or("")
    }

    /// `metadata.name` ("" when absent).
    pub fn name(&self) -> &str {
        self.value
            .get("metadata")
            .and_then(|m| m.get("name"))
            .and_then(Value::as_str)
            .unwrap_or("")
    }

    /// `metadata.namespace`, when set.
    pub fn namespace(&self) -> Option<&str> {
        self.value
            .get("metadata")
            .and_then(|m| m.get("namespace"))
            .and_then(Value::as_str)
    }

    /// An annotation's value, when set to a string.
    pub fn annotation(&self, key: &str) -> Option<&str> {
        self.value
            .get("metadata")
            .and_then(|m| m.get("annotations"))
            .and_then(|a| a.get(key))
            .and_then(Value::as_str)
    }

    /// True when the item has a string `apiVersion` and `kind`, as a Kubernetes object has
    /// (kpt and kustomize also pass on files without them: kustomizations, settings files).
    pub fn is_krm_object(&self) -> bool {
        !self.api_version().is_empty() && !self.kind().is_empty()
    }

    /// True for a kustomization: `kind: Kustomization` (or `Component`), or (kustomize's own
    /// default) a file named `kustomization.yaml`, `kustomization.yml` or `Kustomization`
    /// without a `kind`.
    pub fn is_kustomization(&self) -> bool {
        match self.value.get("kind") {
            Some(Value::String(kind)) => kind == "Kustomization" || kind == "Component",
            None | Some(Value::Null) => {
                let api_version = self.api_version();
                (api_version.is_empty() || api_version.starts_with("kustomize.config.k8s.io/"))
                    && self
                        .annotation("internal.config.kubernetes.io/path")
                        .or_else(|| self.annotation("config.kubernetes.io/path"))
                        .is_some_and(crate::krm::oddities::is_kustomization_file)
            }
            Some(_) => false,
        }
    }

    /// True when the item was changed since it was read (always true for generated items).
    pub fn is_changed(&self) -> bool {
        match &self.origin {
            Some(o) => o.original != self.value,
            None => true,
        }
    }
}
