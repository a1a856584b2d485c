//! The one writer of both sinks, in the manner of kyaml's ByteWriter / LocalPackageWriter: a
//! text read in (a ResourceList, a package file) is written out as its own bytes with edits —
//! each kept item's change ([`write_item`]), removed items and added documents
//! ([`crate::yaml::Document::edit_stream`] for a stream of documents; the ResourceList's
//! `items` sequence and results block in `resource_list.rs`) — and handed out as pieces
//! ([`crate::krm::resource_list::OutputText`]): streamed to stdout for a ResourceList, or
//! assembled per file for the package sink, which writes every changed file atomically, all or
//! nothing (`package/write.rs`). Both sinks read what they write again before it goes out.
//!
//! The rules of the edge cases, one for both sinks (the text after the edits decides, not the
//! source, so that removals and syncs are seen):
//! - a `---` line goes before each added document but the first when no document of the
//!   source is left (no empty first document, as kpt writes files);
//! - a line break goes before the added documents only when the text after the edits does not
//!   end in one (a removed last document leaves the line break before its `---`);
//! - added items or documents go before a kept last one only when the text after the edits
//!   still ends in its open `|`/`>` block (a line after it would change its value).

use crate::krm::Item;
use crate::yaml::{Document, Edits, NodeId, YamlError};
use serde_json::Value;
use std::borrow::Cow;
use std::ops::Range;

/// Write the change of kept item `item` (read at `node` of `doc`) into `edits`: its new scalar
/// values node by node when they are all it has (`Some` of the edits they made, which the
/// ResourceList's verification reads again line by line), else `value()` (the item's value as
/// the sink writes it) synced against its text, scalar by scalar where it can.
pub(crate) fn write_item<'v>(
    doc: &Document,
    node: NodeId,
    item: &Item,
    value: impl FnOnce() -> Cow<'v, Value>,
    edits: &mut Edits,
) -> Result<Option<Range<usize>>, YamlError> {
    let before = edits.len();
    if item
        .scalar_overrides()
        .is_some_and(|leaves| doc.sync_leaves(&leaves, edits))
    {
        return Ok(Some(before..edits.len()));
    }
    let value = value();
    match doc.to_json(node) {
        Ok(old) => doc.sync_item(node, &old, &value, edits),
        Err(_) => doc.sync(node, &value, edits),
    }
    .map(|()| None)
}
