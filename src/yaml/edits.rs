//! Byte-range edits against one source text.

use super::YamlError;
use std::ops::Range;

/// Non-overlapping byte-range replacements against one source text, applied at once.
#[derive(Debug, Clone, Default)]
pub struct Edits {
    edits: Vec<(Range<usize>, String)>,
}

impl Edits {
    /// Replace `range` with `text`.
    pub fn replace(&mut self, range: Range<usize>, text: impl Into<String>) {
        self.edits.push((range, text.into()));
    }

    /// Insert `text` at `pos` (several inserts at one position keep their order).
    pub fn insert(&mut self, pos: usize, text: impl Into<String>) {
        self.edits.push((pos..pos, text.into()));
    }

    /// Number of edits.
    pub fn len(&self) -> usize {
        self.edits.len()
    }

    /// True when there is nothing to change.
    pub fn is_empty(&self) -> bool {
        self.edits.is_empty()
    }

    /// Apply every edit to `src`; overlapping edits are an error naming the position.
    pub fn apply(&self, src: &str) -> Result<String, YamlError> {
        let _ = src;
        unimplemented!("yaml layer")
    }
}
