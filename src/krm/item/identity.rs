//! What the accessors of an unbuilt item answer from, read once off its text: its identity
//! fields and the nodes of `apiVersion`, `kind`, `metadata` (and its name, namespace,
//! annotations and labels) and `spec`.

use super::{LEGACY_PATH, PATH};
use crate::yaml::{Document, NodeId};
use std::num::NonZeroU32;
use std::sync::Arc;

/// A string of an item's text: where it lies in the source (`start + 1`, end), or the scalar
/// node to read it from when its token has escapes (`u32::MAX`, node). Offsets and node ids
/// fit in `u32` ([`Slot`]); the first word is never zero, so an `Option<Text>` takes 8 bytes.
#[derive(Debug, Clone, Copy)]
pub(super) struct Text(NonZeroU32, u32);

/// The first word of a [`Text`] read off a node.
const TEXT_NODE: NonZeroU32 = NonZeroU32::MAX;

/// A node of the origin that [`Identity`] found: its id + 1, `u32::MAX` when absent (four
/// bytes where an `Option<NodeId>` takes sixteen: every read item holds eight of them; never
/// zero, so an unset identity needs no tag of its own).
#[derive(Debug, Clone, Copy)]
pub(super) struct Slot(NonZeroU32);

/// The [`Slot`] of no node.
const NO_SLOT: Slot = Slot(NonZeroU32::MAX);

impl Slot {
    /// `node` as a slot; `None` when its id does not fit.
    fn of(node: Option<NodeId>) -> Option<Slot> {
        match node {
            None => Some(NO_SLOT),
            Some(n) => u32::try_from(n + 1)
                .ok()
                .and_then(NonZeroU32::new)
                .filter(|&n| n != NonZeroU32::MAX)
                .map(Slot),
        }
    }

    /// The node, when present.
    pub(super) fn get(self) -> Option<NodeId> {
        (self.0 != NonZeroU32::MAX).then_some(self.0.get() as NodeId - 1)
    }
}

/// The nodes [`Identity`] keeps, by index into [`Identity::nodes`].
pub(super) const API_VERSION: usize = 0;
pub(super) const KIND: usize = 1;
pub(super) const METADATA: usize = 2;
pub(super) const SPEC: usize = 3;
pub(super) const NAME: usize = 4;
pub(super) const NAMESPACE: usize = 5;
pub(super) const ANNOTATIONS: usize = 6;
pub(super) const LABELS: usize = 7;

impl Identity {
    /// The identity of an item whose view is not built (its tree is plain: `Item::read`), off
    /// `doc`'s node `root`; `None` when the nodes cannot say.
    pub(super) fn off_text(doc: &Arc<Document>, root: NodeId) -> Option<Identity> {
        let text = |node: Option<NodeId>| match node {
            Some(n) => match doc.json_str(n) {
                Ok(Some(t)) => Text::of(doc, n, t).map(Some).ok_or(()),
                Ok(None) => Ok(None),
                Err(_) => Err(()),
            },
            None => Ok(None),
        };
        let [api_version, kind, metadata, spec] =
            doc.plain_tree_members(root, ["apiVersion", "kind", "metadata", "spec"]);
        let [name, namespace, annotations, labels] = match metadata {
            Some(m) => doc.plain_tree_members(m, ["name", "namespace", "annotations", "labels"]),
            None => [None; 4],
        };
        let [path, legacy_path] = match annotations {
            Some(a) => doc.plain_tree_members(a, [PATH, LEGACY_PATH]),
            None => [None; 2],
        };
        // The path annotation read is the one whose node `holds` knows: with a path annotation
        // that is no string, a new value could make it the one read.
        let path = match text(path).ok()? {
            Some(path) => Some(path),
            None if path.is_some() => return None,
            None => text(legacy_path).ok()?,
        };
        let mut nodes = [NO_SLOT; 8];
        for (slot, node) in [
            (API_VERSION, api_version),
            (KIND, kind),
            (METADATA, metadata),
            (SPEC, spec),
            (NAME, name),
            (NAMESPACE, namespace),
            (ANNOTATIONS, annotations),
            (LABELS, labels),
        ] {
            nodes[slot] = Slot::of(node)?;
        }
        Some(Identity {
            api_version: text(api_version).ok()?,
            kind: text(kind).ok()?,
            name: text(name).ok()?,
            namespace: text(namespace).ok()?,
            nodes,
            path,
            doc: Some(doc.clone()),
        })
    }

    /// The node at `path` as far as the identity's nodes reach: the node (`None` when absent)
    /// and the keys left to follow from it; `None` when the path starts elsewhere.
    pub(super) fn cached<'p>(
        &self,
        path: &'p [&'p str],
    ) -> Option<(Option<NodeId>, &'p [&'p str])> {
        let (&first, rest) = path.split_first()?;
        let top = match first {
            "apiVersion" => API_VERSION,
            "kind" => KIND,
            "spec" => SPEC,
            "metadata" => {
                let child = match rest.first().copied() {
                    Some("name") => NAME,
                    Some("namespace") => NAMESPACE,
                    Some("annotations") => ANNOTATIONS,
                    Some("labels") => LABELS,
                    _ => return Some((self.nodes[METADATA].get(), rest)),
                };
                return Some((self.nodes[child].get(), &rest[1..]));
            }
            _ => return None,
        };
        Some((self.nodes[top].get(), rest))
    }

    /// The `metadata.annotations` node.
    pub(super) fn annotations(&self) -> Option<NodeId> {
        self.nodes[ANNOTATIONS].get()
    }

    /// True when scalar `node` of `doc` is one whose text the identity holds (`apiVersion`,
    /// `kind`, the name, the namespace, the path annotation read): a new value for it makes
    /// the identity stale.
    pub(super) fn holds(&self, doc: &Document, node: NodeId) -> bool {
        let field = [API_VERSION, KIND, NAME, NAMESPACE]
            .iter()
            .any(|&slot| self.nodes[slot].get() == Some(node));
        field
            || match self.path {
                Some(Text(TEXT_NODE, n)) => n as NodeId == node,
                Some(Text(start, end)) => {
                    let span = doc.node(node).span();
                    span.start < start.get() as usize && end as usize <= span.end
                }
                None => false,
            }
    }

    /// The identity of an item whose view is built: its accessors read the view.
    pub(super) fn of_view() -> Identity {
        Identity {
            doc: None,
            api_version: None,
            kind: None,
            name: None,
            namespace: None,
            nodes: [NO_SLOT; 8],
            path: None,
        }
    }

    /// A field's text.
    pub(super) fn get<'a>(&'a self, field: &'a Option<Text>) -> Option<&'a str> {
        let doc = self.doc.as_ref()?;
        match *field.as_ref()? {
            Text(TEXT_NODE, node) => doc.json_str(node as NodeId).ok().flatten(),
            Text(start, end) => doc.source().get(start.get() as usize - 1..end as usize),
        }
    }
}

impl Text {
    /// `text`, the string of scalar node `node` of `doc`; `None` when neither its place nor
    /// the node fits a [`Text`].
    fn of(doc: &Document, node: NodeId, text: &str) -> Option<Text> {
        let src = doc.source();
        let start = (text.as_ptr() as usize).wrapping_sub(src.as_ptr() as usize);
        if start <= src.len() && text.len() <= src.len() - start {
            let end = u32::try_from(start + text.len()).ok()?;
            let first = NonZeroU32::new(u32::try_from(start + 1).ok()?)?;
            (first != TEXT_NODE).then_some(Text(first, end))
        } else {
            Slot::of(Some(node))?
                .get()
                .map(|n| Text(TEXT_NODE, n as u32))
        }
    }
}

/// An item's `apiVersion`, `kind`, `metadata.name`, `metadata.namespace`, its path and the
/// nodes of these fields and of `metadata`, `spec`, the annotations and labels, read once off
/// the text of an item whose view is not built. `doc` is `None` when the item's
/// view was built first: then the accessors read the view.
#[derive(Debug, Clone)]
pub(super) struct Identity {
    pub(super) doc: Option<Arc<Document>>,
    pub(super) api_version: Option<Text>,
    pub(super) kind: Option<Text>,
    pub(super) name: Option<Text>,
    pub(super) namespace: Option<Text>,
    /// `apiVersion`, `kind`, `metadata`, `spec`, `metadata.name`, `metadata.namespace`,
    /// `metadata.annotations` and `metadata.labels` in `doc` (by the indexes above).
    pub(super) nodes: [Slot; 8],
    /// [`super::Item::path`].
    pub(super) path: Option<Text>,
}
