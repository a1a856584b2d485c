//! Rendering new values as YAML text: scalars quoted when needed, block collections.

use super::Layout;
use serde_json::Value;

/// Render `value` as block YAML for a new sequence item at `dash_column` (text starts with `- `,
/// no leading indentation, lines joined with the layout's line ending, no trailing newline).
pub fn render_item(value: &Value, dash_column: usize, layout: Layout) -> String {
    let _ = (value, dash_column, layout);
    unimplemented!("yaml layer")
}

/// Render `value` as a whole block YAML document (for new files), ending with a line break.
pub fn render_document(value: &Value, layout: Layout) -> String {
    let _ = (value, layout);
    unimplemented!("yaml layer")
}

/// Re-indent YAML text written at column 0 so that it becomes sequence item at `dash_column`
/// (`- ` prefixed on the first line, continuation lines indented), keeping its comments.
pub fn indent_as_item(text: &str, dash_column: usize, layout: Layout) -> String {
    let _ = (text, dash_column, layout);
    unimplemented!("yaml layer")
}

/// A scalar as YAML text: plain when it reads back as the same value under YAML 1.1 and 1.2,
/// quoted otherwise (never an explicit tag).
pub fn scalar_text(value: &Value) -> String {
    let _ = value;
    unimplemented!("yaml layer")
}
