//! One resource as the stages see it: where its text came from, and a JSON view to compute on,
//! built only when a stage asks for it.

use crate::yaml::{Document, JsonKind, NodeId, YamlError};
use serde_json::Value;
use std::borrow::Cow;
use std::cell::{Cell, OnceCell};
use std::sync::Arc;

mod identity;
mod overrides;

use identity::{Identity, Text};

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
/// [`Item::value_mut`] (or a scalar of an unbuilt item through [`Item::set_scalar`]); the writer
/// syncs a changed item back to `origin`'s text as minimal edits. Generated items have no origin and carry their own `text`.
#[derive(Debug, Clone)]
pub struct Item {
    /// JSON view (key order kept): for plain read items, built from `origin` on first use
    /// (boxed: most read items never build it, and the item list stays small).
    value: OnceCell<Box<Value>>,
    /// What [`Item::kind`], [`Item::name`] and the like answer, read once off the text; reset
    /// by [`Item::value_mut`].
    identity: OnceCell<Identity>,
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
    /// New values of scalar nodes of the origin, given while the view was not built
    /// ([`Item::set_scalar`]): the view is the text with these.
    overrides: Overrides,
    /// What [`Item::may_have_any_key`] found in the text (the text's keys: new scalar values
    /// change none).
    scans: Cell<Scans>,
}

/// New values of scalar nodes of an item ([`Item::set_scalar`]), read as a slice: boxed, as
/// most items have none (8 bytes in every item where a `Vec` took 24).
#[derive(Debug, Clone, Default)]
struct Overrides(#[allow(clippy::box_collection)] Option<Box<Vec<(NodeId, Value)>>>);

impl Overrides {
    fn push(&mut self, new: (NodeId, Value)) {
        self.0.get_or_insert_with(Default::default).push(new);
    }

    fn clear(&mut self) {
        self.0 = None;
    }

    fn reserve_exact(&mut self, additional: usize) {
        if additional > 0 {
            self.0
                .get_or_insert_with(Default::default)
                .reserve_exact(additional);
        }
    }

    /// Keep the first `count` values; none kept is no list at all.
    fn truncate(&mut self, count: usize) {
        match &mut self.0 {
            Some(values) if count > 0 => values.truncate(count),
            _ => self.0 = None,
        }
    }
}

impl std::ops::Deref for Overrides {
    type Target = [(NodeId, Value)];

    fn deref(&self) -> &Self::Target {
        self.0.as_deref().map_or(&[], |v| v)
    }
}

impl std::ops::DerefMut for Overrides {
    fn deref_mut(&mut self) -> &mut Self::Target {
        self.0.as_deref_mut().map_or(&mut [], |v| v)
    }
}

impl<'a> IntoIterator for &'a Overrides {
    type Item = &'a (NodeId, Value);
    type IntoIter = std::slice::Iter<'a, (NodeId, Value)>;

    fn into_iter(self) -> Self::IntoIter {
        self.iter()
    }
}

/// The last answers of [`Item::may_have_any_key`], and whether the item's text has an escape
/// (`None` until asked).
#[derive(Debug, Clone, Copy, Default)]
struct Scans {
    /// The questions, latest first (their answers apart: 24 bytes where pairs took 40).
    asked: [Option<&'static KeyScan>; 2],
    /// The answers, by the index of their question in `asked`.
    found: [bool; 2],
    escapes: Option<bool>,
}

/// A question [`Item::may_have_any_key`] answers once per item: whether a key anywhere in the
/// view is one of `keys`, each of which holds `literal` (ASCII letters and digits).
#[derive(Debug)]
pub struct KeyScan {
    /// What every key of `keys` holds.
    pub literal: &'static str,
    /// The keys looked for.
    pub keys: &'static [&'static str],
}

/// kpt's annotation naming the file an item came from.
const PATH: &str = "internal.config.kubernetes.io/path";

/// The annotation kpt wrote before [`PATH`] (and still reads).
const LEGACY_PATH: &str = "config.kubernetes.io/path";

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
            let _ = value.set(Box::new(doc.to_json(node)?));
        }
        Ok(Item {
            value,
            identity: OnceCell::new(),
            dirty: false,
            origin: Some(Origin { doc, node }),
            text: None,
            added: None,
            overrides: Overrides::default(),
            scans: Cell::default(),
        })
    }

    /// An item read from `doc` at `node` with a view `value` that is not the node's own (package
    /// mode adds location annotations): its writer decides what changed.
    pub fn read_as(doc: Arc<Document>, node: NodeId, value: Value) -> Self {
        // A view built for a read item: counted as one.
        MATERIALIZED.with(|c| c.set(c.get() + 1));
        Item {
            value: OnceCell::from(Box::new(value)),
            identity: OnceCell::new(),
            dirty: false,
            origin: Some(Origin { doc, node }),
            text: None,
            added: None,
            overrides: Overrides::default(),
            scans: Cell::default(),
        }
    }

    /// A generated item with its YAML text; `value` must be what `text` reads as.
    pub fn generated(value: Value, text: Option<String>) -> Self {
        Item {
            value: OnceCell::from(Box::new(value)),
            identity: OnceCell::new(),
            dirty: false,
            origin: None,
            text,
            added: None,
            overrides: Overrides::default(),
            scans: Cell::default(),
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
        let &["metadata", "annotations", key] = path else {
            return None;
        };
        let value = self.added_annotation(key)?;
        matches!(self.node_at(path), Some((_, None))).then_some(value)
    }

    /// The value of `key` among the annotations [`Item::with_annotations`] gave the item.
    fn added_annotation(&self, key: &str) -> Option<&str> {
        let added = self.added.as_ref()?;
        let (_, value) = added.iter().find(|(k, _)| *k == key)?;
        Some(value.as_str())
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
            self.apply_overrides(&mut value);
            if let Some(added) = &self.added {
                add_annotations(&mut value, added);
            }
            Box::new(value)
        })
    }

    /// The item's JSON view, to change it (from now on [`Item::is_changed`] compares it with
    /// the text).
    pub fn value_mut(&mut self) -> &mut Value {
        self.value();
        self.dirty = true;
        self.identity = OnceCell::new();
        self.overrides.clear();
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
            && self.overrides.is_empty()
            && self
                .origin
                .as_ref()
                .is_some_and(|o| self.value.get().is_none() || o.doc.is_plain_tree(o.node))
    }

    /// The item's own source text while its view is not built (a scan for a key can skip an
    /// item whose text cannot hold it).
    pub fn unbuilt_text(&self) -> Option<&str> {
        if !self.overrides.is_empty() {
            return None;
        }
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
    /// absent, `None` when the view is built. (An unbuilt item's tree is plain: `Item::read`.)
    fn node_at(&self, path: &[&str]) -> Option<(&Document, Option<NodeId>)> {
        let (doc, mut node) = self.unbuilt()?;
        let mut path = path;
        // The identity's nodes are the text's whatever new scalar values it was given.
        if let Some((cached, rest)) = self.text_identity().and_then(|i| i.cached(path)) {
            let Some(cached) = cached else {
                return Some((doc, None));
            };
            node = cached;
            path = rest;
        }
        for key in path {
            match doc.plain_tree_member(node, key) {
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
                if let Some(new) = self.override_of(node) {
                    return new.as_str();
                }
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
                if let Ok(mut value) = doc.to_json(node) {
                    if !self.overrides.is_empty() {
                        self.apply_overrides_under(node, &mut value);
                    }
                    return Cow::Owned(value);
                }
            }
            None => {}
        }
        Cow::Borrowed(path.iter().fold(self.value(), |v, k| &v[*k]))
    }

    /// False only when no key anywhere in the view is one `wanted` accepts, each of which holds
    /// `literal` (ASCII letters and digits): read off the text while the view is not built (a
    /// scan for a key can skip the item, most without a walk: [`Document::plain_tree_any_key_with`]),
    /// true once it is.
    pub fn may_have_key(&self, literal: &str, wanted: impl Fn(&str) -> bool) -> bool {
        match self.unbuilt() {
            Some((doc, node)) => {
                let escapes = || doc.text_has_escape(node);
                doc.plain_tree_any_key_with(node, literal, escapes, wanted)
            }
            None => true,
        }
    }

    /// [`Item::may_have_key`] for the keys of `scan`, answered once per item while the view is
    /// not built (the stages ask the same of every item, some more than once).
    pub fn may_have_any_key(&self, scan: &'static KeyScan) -> bool {
        let Some((doc, node)) = self.unbuilt() else {
            return true;
        };
        let mut known = self.scans.get();
        if let Some(i) = (0..2).find(|&i| known.asked[i].is_some_and(|s| std::ptr::eq(s, scan))) {
            return known.found[i];
        }
        let escapes = || {
            let escapes = known.escapes.unwrap_or_else(|| doc.text_has_escape(node));
            known.escapes = Some(escapes);
            escapes
        };
        let found =
            doc.plain_tree_any_key_with(node, scan.literal, escapes, |k| scan.keys.contains(&k));
        known.asked.rotate_right(1);
        known.found.rotate_right(1);
        known.asked[0] = Some(scan);
        known.found[0] = found;
        self.scans.set(known);
        found
    }

    /// True when the view has a member at `path` (of any kind, `null` too).
    pub fn has_at(&self, path: &[&str]) -> bool {
        match self.node_at(path) {
            Some((_, found)) => found.is_some(),
            None => path
                .iter()
                .try_fold(self.value(), |v, k| v.get(k))
                .is_some(),
        }
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
                if let Some(new) = self.override_of(node) {
                    return Some(kind_of(new));
                }
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

    /// The identity read off the origin's text, when it still is the text the item reads as.
    fn identity(&self) -> Option<&Identity> {
        let identity = self.text_identity()?;
        let doc = identity.doc.as_ref()?;
        // A new value of a field it read: the accessors read the field (`str_at`).
        let overridden = self
            .overrides
            .iter()
            .any(|&(node, _)| identity.holds(doc, node));
        (!overridden).then_some(identity)
    }

    /// The identity read off the origin's text (its nodes are the text's, whatever new values
    /// [`Item::set_scalar`] gave them), built on first use; `None` once the view was built
    /// first.
    fn text_identity(&self) -> Option<&Identity> {
        let identity = self.identity.get_or_init(|| {
            self.unbuilt()
                .and_then(|_| {
                    let origin = self.origin.as_ref()?;
                    Identity::off_text(&origin.doc, origin.node)
                })
                .unwrap_or_else(Identity::of_view)
        });
        let doc = identity.doc.as_ref()?;
        Arc::ptr_eq(doc, &self.origin.as_ref()?.doc).then_some(identity)
    }

    /// A field of the identity, else the string at `path`.
    fn identity_str(&self, field: fn(&Identity) -> &Option<Text>, path: &[&str]) -> Option<&str> {
        match self.identity() {
            Some(identity) => identity.get(field(identity)),
            None => self.str_at(path),
        }
    }

    /// `kind` of the item ("" when absent).
    pub fn kind(&self) -> &str {
        self.identity_str(|i| &i.kind, &["kind"]).unwrap_or("")
    }

    /// `apiVersion` of the item ("" when absent).
    pub fn api_version(&self) -> &str {
        self.identity_str(|i| &i.api_version, &["apiVersion"])
            .unwrap_or("")
    }

    /// `metadata.name` ("" when absent).
    pub fn name(&self) -> &str {
        self.identity_str(|i| &i.name, &["metadata", "name"])
            .unwrap_or("")
    }

    /// `metadata.namespace`, when set.
    pub fn namespace(&self) -> Option<&str> {
        self.identity_str(|i| &i.namespace, &["metadata", "namespace"])
    }

    /// [`Item::kind`], [`Item::name`], [`Item::namespace`] and [`Item::api_version`] at once,
    /// for a reader that asks all of them of every item.
    pub fn identity_fields(&self) -> (&str, &str, Option<&str>, &str) {
        match self.identity() {
            Some(i) => (
                i.get(&i.kind).unwrap_or(""),
                i.get(&i.name).unwrap_or(""),
                i.get(&i.namespace),
                i.get(&i.api_version).unwrap_or(""),
            ),
            None => (
                self.kind(),
                self.name(),
                self.namespace(),
                self.api_version(),
            ),
        }
    }

    /// The package-relative file the item came from: kpt's `internal.config.kubernetes.io/path`
    /// annotation, else the legacy `config.kubernetes.io/path`.
    pub fn path(&self) -> Option<&str> {
        match self.identity() {
            Some(identity) if self.added.is_none() => identity.get(&identity.path),
            _ => self
                .annotation(PATH)
                .or_else(|| self.annotation(LEGACY_PATH)),
        }
    }

    /// An annotation's value, when set to a string.
    pub fn annotation(&self, key: &str) -> Option<&str> {
        if let Some(identity) = self.identity() {
            if let Some(doc) = &identity.doc {
                let node = identity
                    .annotations()
                    .and_then(|annotations| doc.plain_tree_member(annotations, key));
                let Some(node) = node else {
                    return self.added_annotation(key);
                };
                if let Some(new) = self.override_of(node) {
                    return new.as_str();
                }
                if let Ok(text) = doc.json_str(node) {
                    return text;
                }
            }
        }
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
            (Some(o), Some(value)) if self.dirty => !o.doc.equals_json(o.node, value),
            (Some(o), _) => self
                .overrides
                .iter()
                .any(|(node, new)| !o.doc.equals_json(*node, new)),
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::yaml::ParseOptions;
    use serde_json::json;

    #[test]
    fn an_item_takes_at_most_184_bytes() {
        // Every read item of a stream is one: 10,000 items of 240 bytes were 2.4 MB.
        assert!(
            std::mem::size_of::<Item>() <= 184,
            "{}",
            std::mem::size_of::<Item>()
        );
    }

    fn read(src: &str) -> Item {
        let doc = Document::parse_with(
            src,
            ParseOptions {
                allow_duplicate_keys: true,
            },
        )
        .unwrap();
        let root = doc.roots()[0];
        Item::read(Arc::new(doc), root).unwrap()
    }

    /// Whether `key` is a key of an object anywhere in `value`.
    fn has_key(value: &Value, key: &str) -> bool {
        match value {
            Value::Object(m) => m.iter().any(|(k, v)| k == key || has_key(v, key)),
            Value::Array(a) => a.iter().any(|v| has_key(v, key)),
            _ => false,
        }
    }

    /// Identity, namespace, path and three annotations, as the accessors answer them.
    fn answers(item: &Item) -> (String, String, String, Vec<Option<String>>) {
        let fields = (
            item.kind(),
            item.name(),
            item.namespace(),
            item.api_version(),
        );
        assert_eq!(item.identity_fields(), fields);
        (
            item.api_version().into(),
            item.kind().into(),
            item.name().into(),
            [item.namespace(), item.path()]
                .into_iter()
                .chain(["a", "b", LEGACY_PATH].map(|k| item.annotation(k)))
                .map(|v| v.map(str::to_string))
                .collect(),
        )
    }

    #[test]
    fn identity_read_off_the_text_is_what_the_view_says() {
        for src in [
            "apiVersion: v1\nkind: A\nmetadata:\n  name: n\n  namespace: ns\n  annotations:\n    a: x\n",
            "kind: \"B\\u0041\"\nmetadata: {name: 'it''s', annotations: {a: 1, b: \"y\"}}\n",
            "kind: 1\nmetadata: text\n",
            "apiVersion: v1\nkind: A\nkind: C\nmetadata:\n  name: n\n  name: m\n  annotations: [a]\n",
            "metadata:\n  annotations:\n    a: x\n    a: z\n",
            "a: &x 1\nkind: *x\nmetadata: {name: ~}\n",
            "kind: A\nspec: {x: 1, y: {a: b}, x: [2]}\n",
            "kind: A\nspec: 1\nmetadata: [x]\n",
            "metadata:\n  annotations:\n    config.kubernetes.io/path: a.yaml\n",
            "metadata:\n  annotations:\n    config.kubernetes.io/path: a.yaml\n    \
             internal.config.kubernetes.io/path: \"b\\u002eyaml\"\n",
            "metadata:\n  annotations:\n    internal.config.kubernetes.io/path: 1\n    \
             config.kubernetes.io/path: a.yaml\n",
        ] {
            let lazy = read(src);
            let got = answers(&lazy);
            assert_eq!(lazy.is_materialized(), src.contains('&'), "{src:?}");
            let built = read(src);
            built.value();
            assert_eq!(got, answers(&built), "{src:?}");
            let generated = Item::generated(built.value().clone(), None);
            assert_eq!(got, answers(&generated), "{src:?}");
            let paths = [
                &["kind"][..],
                &["metadata", "name"],
                &["metadata", "x"],
                &["spec", "x"],
                &["spec"],
                &["a"],
            ];
            for path in paths {
                let want = path.iter().try_fold(built.value(), |v, k| v.get(k));
                let lazy = read(src);
                assert_eq!(lazy.has_at(path), want.is_some(), "{src:?} {path:?}");
                assert_eq!(built.has_at(path), want.is_some(), "{src:?} {path:?}");
                lazy.kind();
                let view = lazy.view_at(path);
                assert_eq!(&*view, want.unwrap_or(&Value::Null), "{src:?} {path:?}");
                let key = path[path.len() - 1];
                let any = read(src).may_have_key(key, |k| k == key);
                let plain = !lazy.is_materialized();
                assert_eq!(any, !plain || has_key(built.value(), key), "{src:?} {key}");
            }
        }
    }

    #[test]
    fn key_scans_answer_once_as_the_walk_does() {
        static SCAN: KeyScan = KeyScan {
            literal: "ntainer",
            keys: &["containers", "initContainers"],
        };
        static OTHER: KeyScan = KeyScan {
            literal: "x",
            keys: &["x"],
        };
        for (src, want) in [
            ("kind: A\nspec: {template: {containers: []}}\n", true),
            ("kind: A\nspec: [{\"initC\\u006fntainers\": 1}]\n", true),
            ("kind: A\nspec: {containers1: [], x: 2}\n", false),
        ] {
            let item = read(src);
            for _ in 0..2 {
                assert_eq!(item.may_have_any_key(&SCAN), want, "{src:?}");
                assert_eq!(item.may_have_any_key(&OTHER), src.contains("x:"), "{src:?}");
            }
            assert!(!item.is_materialized());
            item.value();
            assert!(item.may_have_any_key(&SCAN), "a built view: {src:?}");
        }
    }

    #[test]
    fn annotations_a_reader_adds_answer_as_the_view_does() {
        let added = || {
            vec![
                (PATH, "added.yaml".to_string()),
                (LEGACY_PATH, "legacy.yaml".to_string()),
                ("a", "from-reader".to_string()),
            ]
        };
        for src in [
            "apiVersion: v1\nkind: A\nmetadata:\n  name: n\n",
            "kind: A\nmetadata:\n  annotations:\n    config.kubernetes.io/path: own.yaml\n",
            "kind: A\nmetadata:\n  annotations:\n    a: 1\n",
            "kind: A\nmetadata:\n  annotations: [x]\n",
            "kind: A\nmetadata: text\n",
        ] {
            let lazy = read(src).with_annotations(added());
            lazy.kind();
            let got = answers(&lazy);
            assert!(!lazy.is_materialized(), "{src:?}");
            let built = read(src).with_annotations(added());
            built.value();
            assert_eq!(got, answers(&built), "{src:?}");
        }
    }

    #[test]
    fn identity_follows_a_changed_view() {
        let mut item =
            read("apiVersion: v1\nkind: A\nmetadata:\n  name: n\n  annotations:\n    a: x\n");
        assert_eq!(
            (item.kind(), item.name(), item.annotation("a"), item.path()),
            ("A", "n", Some("x"), None)
        );
        let value = item.value_mut();
        value["metadata"]["annotations"][PATH] = json!("p.yaml");
        value["kind"] = json!("B");
        value["metadata"]["name"] = json!("m");
        value["metadata"]["namespace"] = json!("ns");
        value["metadata"]["annotations"]["a"] = json!("y");
        assert_eq!(item.kind(), "B");
        assert_eq!(item.name(), "m");
        assert_eq!(item.namespace(), Some("ns"));
        assert_eq!(item.annotation("a"), Some("y"));
        assert_eq!(item.api_version(), "v1");
        assert_eq!(item.path(), Some("p.yaml"));
    }
}
