//! One resource as the stages see it: where its text came from, and a JSON view to compute on,
//! built only when a stage asks for it.

use crate::yaml::{Document, JsonKind, NodeId, YamlError};
use serde_json::Value;
use std::borrow::Cow;
use std::cell::{Cell, OnceCell};
use std::sync::Arc;

/// Where an item's text lives: a node of a parsed document.
#[derive(Debug, Clone)]
pub struct Origin {
    /// The parsed text the item came from (a whole ResourceList, or one package file).
    pub doc: Arc<Document>,
    /// The item's mapping node in `doc`.
    pub node: NodeId,
}

thread_local! {
    static MATERIALIZED: Cell<usize> = const { Cell::new(0) };
}

/// How many read items built their JSON view on this thread so far (to check that stages
/// leave the items they do not touch unbuilt).
pub fn materializations() -> usize {
    MATERIALIZED.with(Cell::get)
}

/// One resource. Stages read it through the accessors and [`Item::value`] and change it through
/// [`Item::value_mut`]; the writer syncs a changed item back to `origin`'s text as minimal
/// edits. Generated items have no origin and carry their own `text`.
#[derive(Debug, Clone)]
pub struct Item {
    /// JSON view (key order kept): for plain read items, built from `origin` on first use.
    value: OnceCell<Value>,
    /// `value_mut` was called: the view may differ from the origin's text.
    dirty: bool,
    /// Source of an item that was read; `None` for items the function generated.
    pub origin: Option<Origin>,
    /// For generated items: YAML text of the item at indent 0 (may carry setter comments).
    /// `None` means: render `value`.
    pub text: Option<String>,
    /// Annotations a reader gives the item beyond its text (package mode's location): see
    /// [`Item::with_annotations`].
    added: Option<Box<[(&'static str, String)]>>,
}

/// The kind of a built view.
fn kind_of(v: &Value) -> JsonKind {
    match v {
        Value::Null => JsonKind::Null,
        Value::Bool(_) => JsonKind::Bool,
        Value::Number(_) => JsonKind::Number,
        Value::String(_) => JsonKind::String,
        Value::Array(_) => JsonKind::Array,
        Value::Object(_) => JsonKind::Object,
    }
}

impl Item {
    /// An item read from `doc` at `node`. A plain node (see [`Document::is_plain_tree`]) builds
    /// its JSON view only when a stage asks for it; any other builds it now, so that an error
    /// in it is an error of reading.
    pub fn read(doc: Arc<Document>, node: NodeId) -> Result<Self, YamlError> {
        let value = OnceCell::new();
        if !doc.is_plain_tree(node) {
            let _ = value.set(doc.to_json(node)?);
        }
        Ok(Item {
            value,
            dirty: false,
            origin: Some(Origin { doc, node }),
            text: None,
            added: None,
        })
    }

    /// An item read from `doc` at `node` with a view `value` that is not the node's own (package
    /// mode adds location annotations): its writer decides what changed.
    pub fn read_as(doc: Arc<Document>, node: NodeId, value: Value) -> Self {
        // A view built for a read item: counted as one.
        MATERIALIZED.with(|c| c.set(c.get() + 1));
        Item {
            value: OnceCell::from(value),
            dirty: false,
            origin: Some(Origin { doc, node }),
            text: None,
            added: None,
        }
    }

    /// A generated item with its YAML text; `value` must be what `text` reads as.
    pub fn generated(value: Value, text: Option<String>) -> Self {
        Item {
            value: OnceCell::from(value),
            dirty: false,
            origin: None,
            text,
            added: None,
        }
    }

    /// The item with `annotations` beyond its text (kpt's path and index, as package mode reads
    /// a file): each goes into the view where the text has none when the view is built
    /// ([`add_annotations`]), and the accessors read them from here while it is not, so an
    /// item no stage changes still builds no view.
    pub fn with_annotations(mut self, annotations: Vec<(&'static str, String)>) -> Self {
        if let Some(value) = self.value.get_mut() {
            add_annotations(value, &annotations);
        }
        self.added = Some(annotations.into_boxed_slice());
        self
    }

    /// An annotation [`Item::with_annotations`] gave an unbuilt item whose text has none at
    /// `path` (`metadata.annotations.<key>`).
    fn added_at(&self, path: &[&str]) -> Option<&str> {
        let added = self.added.as_ref()?;
        let &["metadata", "annotations", key] = path else {
            return None;
        };
        let (_, value) = added.iter().find(|(k, _)| *k == key)?;
        matches!(self.node_at(path), Some((_, None))).then_some(value.as_str())
    }

    /// The item's JSON view (key order kept), built on first use.
    pub fn value(&self) -> &Value {
        self.value.get_or_init(|| {
            MATERIALIZED.with(|c| c.set(c.get() + 1));
            // Plain trees convert without error (`Item::read` built the others).
            let mut value = self
                .origin
                .as_ref()
                .and_then(|o| o.doc.to_json(o.node).ok())
                .unwrap_or(Value::Null);
            if let Some(added) = &self.added {
                add_annotations(&mut value, added);
            }
            value
        })
    }

    /// The item's JSON view, to change it (from now on [`Item::is_changed`] compares it with
    /// the text).
    pub fn value_mut(&mut self) -> &mut Value {
        self.value();
        self.dirty = true;
        self.value.get_mut().expect("built just above")
    }

    /// True when the JSON view was built.
    pub fn is_materialized(&self) -> bool {
        self.value.get().is_some()
    }

    /// True when [`Item::value_mut`] was called.
    pub fn is_dirty(&self) -> bool {
        self.dirty
    }

    /// True for a read item whose view is still its origin node's, readable off the node
    /// without building it ([`Document::is_plain_tree`]).
    pub fn reads_as_origin(&self) -> bool {
        !self.dirty
            && self
                .origin
                .as_ref()
                .is_some_and(|o| self.value.get().is_none() || o.doc.is_plain_tree(o.node))
    }

    /// The item's own source text while its view is not built (a scan for a key can skip an
    /// item whose text cannot hold it).
    pub fn unbuilt_text(&self) -> Option<&str> {
        let (doc, node) = self.unbuilt()?;
        doc.source().get(doc.node(node).span())
    }

    /// The origin's document and node while the view is not built.
    fn unbuilt(&self) -> Option<(&Document, NodeId)> {
        if self.value.get().is_some() {
            return None;
        }
        self.origin.as_ref().map(|o| (&*o.doc, o.node))
    }

    /// The node at `path` (keys from the item's root) of an unbuilt item: `Some(None)` when
    /// absent, `None` when the nodes cannot say.
    fn node_at(&self, path: &[&str]) -> Option<(&Document, Option<NodeId>)> {
        let (doc, mut node) = self.unbuilt()?;
        for key in path {
            match doc.json_member(node, key).ok()? {
                Some(child) => node = child,
                None => return Some((doc, None)),
            }
        }
        Some((doc, Some(node)))
    }

    /// The string at `path` (keys from the root) of the view, `None` when absent or no string;
    /// read off the text while the view is not built.
    pub fn str_at(&self, path: &[&str]) -> Option<&str> {
        if let Some(added) = self.added_at(path) {
            return Some(added);
        }
        match self.node_at(path) {
            Some((_, None)) => return None,
            Some((doc, Some(node))) => {
                if let Ok(found) = doc.json_str(node) {
                    return found;
                }
            }
            None => {}
        }
        path.iter()
            .try_fold(self.value(), |v, k| v.get(k))
            .and_then(Value::as_str)
    }

    /// The view at `path` (keys from the root; `null` when absent, as indexing gives): borrowed
    /// from the view when it is built, otherwise built from the text for this call only.
    pub fn view_at(&self, path: &[&str]) -> Cow<'_, Value> {
        // What holds added annotations is read from the view.
        let holds_added = self.added.is_some() && ["metadata", "annotations"].starts_with(path);
        match self.node_at(path).filter(|_| !holds_added) {
            Some((_, None)) => return Cow::Owned(Value::Null),
            Some((doc, Some(node))) => {
                if let Ok(value) = doc.to_json(node) {
                    return Cow::Owned(value);
                }
            }
            None => {}
        }
        Cow::Borrowed(path.iter().fold(self.value(), |v, k| &v[*k]))
    }

    /// What the view holds at `path` (`None` when absent).
    pub fn kind_at(&self, path: &[&str]) -> Option<JsonKind> {
        if self.added_at(path).is_some() {
            return Some(JsonKind::String);
        }
        let holds_added = self.added.is_some() && ["metadata", "annotations"].starts_with(path);
        match self.node_at(path).filter(|_| !holds_added) {
            Some((_, None)) => return None,
            Some((doc, Some(node))) => {
                if let Ok(kind) = doc.json_kind(node) {
                    return Some(kind);
                }
            }
            None => {}
        }
        path.iter()
            .try_fold(self.value(), |v, k| v.get(k))
            .map(kind_of)
    }

    /// `kind` of the item ("" when absent).
    pub fn kind(&self) -> &str {
        self.str_at(&["kind"]).unwrap_or("")
    }

    /// `apiVersion` of the item ("" when absent).
    pub fn api_version(&self) -> &str {
        self.str_at(&["apiVersion"]).unwrap_or("")
    }

    /// `metadata.name` ("" when absent).
    pub fn name(&self) -> &str {
        self.str_at(&["metadata", "name"]).unwrap_or("")
    }

    /// `metadata.namespace`, when set.
    pub fn namespace(&self) -> Option<&str> {
        self.str_at(&["metadata", "namespace"])
    }

    /// An annotation's value, when set to a string.
    pub fn annotation(&self, key: &str) -> Option<&str> {
        self.str_at(&["metadata", "annotations", key])
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
        match self.kind_at(&["kind"]) {
            Some(JsonKind::String) => matches!(self.kind(), "Kustomization" | "Component"),
            None | Some(JsonKind::Null) => {
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

    /// True when the item was changed since it was read (always true for generated items): it
    /// was given out to change and no longer reads as its origin node.
    pub fn is_changed(&self) -> bool {
        match (&self.origin, self.value.get()) {
            (Some(o), Some(value)) => self.dirty && !o.doc.equals_json(o.node, value),
            (Some(_), None) => false,
            (None, _) => true,
        }
    }
}

/// Put `annotations` into `value`'s `metadata.annotations` where absent, making `metadata` and
/// `annotations` mappings first where they are not (as kpt gives every item of a package its
/// path and index).
pub fn add_annotations(value: &mut Value, annotations: &[(&'static str, String)]) {
    let Some(object) = value.as_object_mut() else {
        return;
    };
    if !object.get("metadata").is_some_and(Value::is_object) {
        object.insert("metadata".to_string(), Value::Object(Default::default()));
    }
    let Some(metadata) = object.get_mut("metadata").and_then(Value::as_object_mut) else {
        return;
    };
    if !metadata.get("annotations").is_some_and(Value::is_object) {
        metadata.insert("annotations".to_string(), Value::Object(Default::default()));
    }
    let Some(map) = metadata
        .get_mut("annotations")
        .and_then(Value::as_object_mut)
    else {
        return;
    };
    for (key, text) in annotations {
        if !map.contains_key(*key) {
            map.insert(key.to_string(), Value::String(text.clone()));
        }
    }
}
