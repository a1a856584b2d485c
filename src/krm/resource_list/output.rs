//! The output of a write as pieces: the input's untouched byte ranges and the new text of the
//! changed regions, written to a sink (stdout, a file) without the whole text held at once.

use super::BOM;
use crate::yaml::{Document, Edits};
use std::fmt;
use std::io;
use std::sync::Arc;

/// A written output: the input with edits (handed out piece by piece), or a whole text (JSON,
/// a package's `--output stdout` list).
#[derive(Debug, Clone)]
pub struct OutputText {
    bom: bool,
    body: Body,
}

#[derive(Debug, Clone)]
enum Body {
    Whole(String),
    Edited {
        doc: Arc<Document>,
        edits: Edits,
        /// The edits in source order, checked ([`Edits::checked_order`]).
        order: Vec<usize>,
    },
}

impl OutputText {
    /// A whole text.
    pub fn whole(text: String) -> Self {
        OutputText {
            bom: false,
            body: Body::Whole(text),
        }
    }

    /// `doc`'s source with `edits` (their order checked already), a byte order mark in front
    /// with `bom`.
    pub(crate) fn edited(doc: Arc<Document>, edits: Edits, order: Vec<usize>, bom: bool) -> Self {
        OutputText {
            bom,
            body: Body::Edited { doc, edits, order },
        }
    }

    /// `self` with a byte order mark in front when `bom`.
    pub(crate) fn with_bom(self, bom: bool) -> Self {
        OutputText { bom, ..self }
    }

    /// The edits the text is the input with (`None` for a whole text).
    pub(crate) fn edits(&self) -> Option<&Edits> {
        match &self.body {
            Body::Edited { edits, .. } => Some(edits),
            Body::Whole(_) => None,
        }
    }

    /// Hand the text to `sink` piece by piece, in order.
    pub fn each_piece<E>(&self, mut sink: impl FnMut(&str) -> Result<(), E>) -> Result<(), E> {
        if self.bom {
            sink(BOM)?;
        }
        match &self.body {
            Body::Whole(text) => sink(text),
            Body::Edited { doc, edits, order } => edits.pieces(doc.source(), order, sink),
        }
    }

    /// Write the text to `out` (buffer it: the pieces are many and small).
    pub fn write_to(&self, out: &mut impl io::Write) -> io::Result<()> {
        self.each_piece(|piece| out.write_all(piece.as_bytes()))
    }

    /// True when the text is empty.
    pub fn is_empty(&self) -> bool {
        let mut empty = true;
        let _ = self.each_piece(|piece| {
            empty = piece.is_empty();
            if empty {
                Ok(())
            } else {
                Err(())
            }
        });
        empty
    }
}

impl fmt::Display for OutputText {
    /// The whole text (assembled: tests, debug cross-checks, package files).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.each_piece(|piece| f.write_str(piece))
    }
}

impl PartialEq<str> for OutputText {
    fn eq(&self, other: &str) -> bool {
        let mut rest = other;
        self.each_piece(|piece| match rest.strip_prefix(piece) {
            Some(after) => {
                rest = after;
                Ok(())
            }
            None => Err(()),
        })
        .is_ok()
            && rest.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pieces_make_the_applied_text_with_its_bom() {
        for src in ["a: 1\nb: 2\n", "a: 1\r\nb: 2\r\n", "a: 1\rb: 2\r"] {
            let doc = Arc::new(Document::parse(src).unwrap());
            let mut edits = Edits::default();
            edits.replace(3..4, "10");
            edits.insert(src.len(), "c:\n  d: 3\n");
            let whole = edits.apply(src).unwrap();
            let order = edits.checked_order(src).unwrap();
            for bom in [false, true] {
                let out = OutputText::edited(doc.clone(), edits.clone(), order.clone(), bom);
                let want = if bom {
                    format!("{BOM}{whole}")
                } else {
                    whole.clone()
                };
                assert_eq!(out.to_string(), want);
                let mut bytes = Vec::new();
                out.write_to(&mut bytes).unwrap();
                assert_eq!(bytes, want.as_bytes());
                assert!(out == *want.as_str() && !(out == *"a: 1\n"));
                assert!(!out.is_empty());
            }
        }
        assert!(OutputText::whole(String::new()).is_empty());
    }
}
