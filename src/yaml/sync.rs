//! Syncing a changed JSON value back to text as minimal edits.

use super::{Document, Edits, NodeId, YamlError};
use serde_json::Value;
use std::ops::Range;

impl Document {
    /// Add to `edits` the minimal edits that make node `id` read as `new`. Untouched subtrees,
    /// comments and formatting stay byte-identical; refuses (with an error) to edit through an alias.
    pub fn sync(&self, id: NodeId, new: &Value, edits: &mut Edits) -> Result<(), YamlError> {
        let _ = (id, new, edits);
        unimplemented!("yaml layer")
    }

    /// Byte range to delete to remove block-sequence item `item` (its `- ` line(s), with its own
    /// comments), leaving neighbours intact.
    pub fn item_removal_range(&self, item: NodeId) -> Range<usize> {
        let _ = item;
        unimplemented!("yaml layer")
    }

    /// Byte offset where new text for one more item of block sequence `seq` is inserted
    /// (the end of the line holding the last item's content), and the column of its `-`.
    pub fn append_point(&self, seq: NodeId) -> (usize, usize) {
        let _ = seq;
        unimplemented!("yaml layer")
    }
}
