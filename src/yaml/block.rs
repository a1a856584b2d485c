//! Writing block YAML straight into one buffer: sequence items of mappings whose values are
//! scalars, each string quoted by the one renderer's rules (`render.rs`) and rendered once per
//! distinct string; anything else goes through the renderer itself.

use super::render::{flow_text, simple_word as plain_word, with_line_ending, Renderer};
use super::Layout;
use serde_json::Value;
use std::collections::HashMap;

/// A buffer that block YAML is written into, line by line (text starts at the caller's
/// position; every new line starts with the layout's line break).
#[derive(Debug)]
pub struct BlockWriter<'a> {
    out: String,
    scalars: HashMap<&'a str, String>,
    layout: Layout,
    eol: &'static str,
}

impl<'a> BlockWriter<'a> {
    /// A writer appending to `out`, with room for `extra` more bytes.
    pub fn new(mut out: String, extra: usize, layout: Layout) -> Self {
        out.reserve(extra);
        BlockWriter {
            out,
            scalars: HashMap::new(),
            layout,
            eol: if layout.crlf { "\r\n" } else { "\n" },
        }
    }

    /// The text written, after what the buffer held.
    pub fn finish(self) -> String {
        self.out
    }

    /// The layout written in.
    pub fn layout(&self) -> Layout {
        self.layout
    }

    /// How long the text is (a mark to [`BlockWriter::truncate`] back to).
    pub fn mark(&self) -> usize {
        self.out.len()
    }

    /// Drop what was written after `mark`.
    pub fn truncate(&mut self, mark: usize) {
        self.out.truncate(mark);
    }

    /// A line break.
    pub fn line_break(&mut self) {
        self.out.push_str(self.eol);
    }

    /// `text` as it is.
    pub fn raw(&mut self, text: &str) {
        self.out.push_str(text);
    }

    /// A sequence item's `- key: ` at `dash_column` (the caller writes the value).
    pub fn item(&mut self, dash_column: usize, key: &str) {
        push_spaces(&mut self.out, dash_column);
        self.out.push_str("- ");
        self.out.push_str(key);
        self.out.push_str(": ");
    }

    /// A new line with `key:` at `column`, for a nested mapping.
    pub fn key(&mut self, column: usize, key: &str) {
        self.line_break();
        push_spaces(&mut self.out, column);
        self.out.push_str(key);
        self.out.push(':');
    }

    /// A new line with `key: ` at `column` (the caller writes the value).
    pub fn field(&mut self, column: usize, key: &str) {
        self.key(column, key);
        self.out.push(' ');
    }

    /// A new line with `key: value` at `column`, both strings quoted as values are. (With the
    /// `double_quotes` layout, a key that needs quotes gets `"` here where the renderer's keys
    /// get `'`: the results block has always been written so.) `None` when either has a line
    /// break.
    pub fn string_entry(&mut self, column: usize, key: &'a str, value: &'a str) -> Option<()> {
        self.line_break();
        push_spaces(&mut self.out, column);
        self.string(key)?;
        self.out.push_str(": ");
        self.string(value)
    }

    /// A one-line string as the renderer writes it in block context (plain, `'…'` or `"…"`);
    /// `None` when it has a line break (the renderer would write a literal block).
    pub fn string(&mut self, s: &'a str) -> Option<()> {
        if s.contains('\n') {
            return None;
        }
        if plain_word(s) {
            self.out.push_str(s);
            return Some(());
        }
        let layout = self.layout;
        let text = self
            .scalars
            .entry(s)
            .or_insert_with(|| Renderer::new(layout).block_scalar(&Value::String(s.into()), 0, 0));
        self.out.push_str(text);
        Some(())
    }

    /// A scalar value (strings as [`BlockWriter::string`]); `None` for collections.
    pub fn scalar(&mut self, value: &'a Value) -> Option<()> {
        match value {
            Value::String(s) => self.string(s),
            Value::Array(_) | Value::Object(_) => None,
            other => {
                self.out.push_str(&flow_text(other));
                Some(())
            }
        }
    }

    /// `value` rendered whole as a sequence item at `dash_column`, indentation included.
    pub fn value_item(&mut self, value: &Value, dash_column: usize) {
        self.out
            .push_str(&render_item_at(value, dash_column, self.layout));
    }
}

/// `value` rendered as a sequence item at `dash_column`, indentation of its first line
/// included.
pub fn render_item_at(value: &Value, dash_column: usize, layout: Layout) -> String {
    let mut out = String::new();
    push_spaces(&mut out, dash_column);
    out.push('-');
    out.push_str(&Renderer::new(layout).after_dash(value, dash_column));
    with_line_ending(out, layout)
}

/// YAML text written at column 0 as a sequence item at `dash_column`, indentation of its first
/// line included (see [`super::indent_as_item`]).
pub fn indent_item_at(text: &str, dash_column: usize, layout: Layout) -> String {
    let mut out = String::new();
    push_spaces(&mut out, dash_column);
    out.push_str(&super::indent_as_item(text, dash_column, layout));
    out
}

/// A whole document ending with a line break: `text` when given, else `value` rendered.
pub fn document_text(text: Option<&str>, value: &Value, layout: Layout) -> String {
    match text {
        Some(text) if text.ends_with('\n') => text.to_string(),
        Some(text) => format!("{text}\n"),
        None => super::render_document(value, layout),
    }
}

fn push_spaces(out: &mut String, n: usize) {
    out.extend(std::iter::repeat_n(' ', n));
}

/// Strings whose quoting the writers' tests check: words YAML 1.1 or 1.2 read as other types,
/// indicators, leading and trailing spaces, tabs, a lone `\r`, non-ASCII.
#[cfg(test)]
pub(crate) const AWKWARD_STRINGS: &[&str] = &[
    "plain-text",
    "yes",
    "no",
    "on",
    "y",
    "null",
    "true",
    "~",
    "",
    "1.5",
    "0x1F",
    "1e3",
    "2024-01-01",
    "a: b",
    "a #b",
    "it's",
    "tab\there",
    "-x",
    "- x",
    "key:",
    "@at",
    "ünïcödé",
    " lead",
    "trail ",
    "a,b",
    "[x]",
    "cr\rhere",
    "<<",
    "=",
    "Upper",
    "e",
    ".inf",
    "\"q\"",
];

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn strings_are_written_as_the_renderer_writes_them() {
        for layout in [
            Layout::default(),
            Layout {
                double_quotes: true,
                crlf: true,
                ..Layout::default()
            },
        ] {
            for &s in AWKWARD_STRINGS {
                let mut w = BlockWriter::new(String::new(), 0, layout);
                w.item(0, "k");
                w.string(s).unwrap();
                let rendered = super::super::render_item(&json!({ "k": s }), 0, layout);
                assert_eq!(w.finish(), rendered, "{s:?}");
            }
            let mut w = BlockWriter::new(String::new(), 0, layout);
            assert!(w.string("two\nlines").is_none());
        }
    }
}
