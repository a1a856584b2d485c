//! Rendering new values as YAML text: scalars quoted when needed, block collections.
//!
//! Every string is written so that YAML 1.1 readers (libyaml, go-yaml v2, `sigs.k8s.io/yaml`)
//! and YAML 1.2 core-schema readers both read it back as the same string: plain only when no
//! reader could take it for a bool, null, number, date, merge key or indicator; single quotes
//! otherwise; double quotes when a character needs an escape. Multi-line strings in block
//! context become `|` (one trailing line break) or `|-` (none) literal blocks; strings ending in
//! two or more line breaks are double-quoted, since `|+` would swallow blank lines after it.

use super::Layout;
use serde_json::{Map, Number, Value};

/// Render `value` as block YAML for a new sequence item at `dash_column` (text starts with `- `,
/// no leading indentation, lines joined with the layout's line ending, no trailing newline).
pub fn render_item(value: &Value, dash_column: usize, layout: Layout) -> String {
    let r = Renderer::new(layout);
    let text = format!("-{}", r.after_dash(value, dash_column));
    with_line_ending(text, layout)
}

/// Render `value` as a whole block YAML document (for new files), ending with a line break.
pub fn render_document(value: &Value, layout: Layout) -> String {
    document(Renderer::new(layout), value)
}

/// [`render_document`], with `# comment` after each node whose JSON pointer `comments` names
/// and strings quoted as flow context needs (the text the function's generated resources have
/// had in every release).
pub fn render_commented_document(value: &Value, comments: &Comments, layout: Layout) -> String {
    let r = Renderer {
        comments: (!comments.is_empty()).then_some(comments),
        flow_safe_strings: true,
        ..Renderer::new(layout)
    };
    document(r, value)
}

/// A whole document, ending with a line break.
fn document(r: Renderer, value: &Value) -> String {
    let layout = r.layout;
    let mut text = match value {
        Value::Object(m) if !m.is_empty() => r.map_body_at(m, 0, ""),
        Value::Array(a) if !a.is_empty() => r.seq_body_at(a, 0, ""),
        Value::String(s) if s.contains('\n') => match r.literal(s, 2, 0) {
            Some(block) => block,
            None => double_quoted(s),
        },
        other => flow_text(other),
    };
    text.push('\n');
    with_line_ending(text, layout)
}

/// Re-indent YAML text written at column 0 so that it becomes sequence item at `dash_column`
/// (`- ` prefixed on the first line, continuation lines indented), keeping its comments.
///
/// Comment lines and blank lines before the first content line stay above the item as its
/// head comment (the first of them is where `- ` would be, so the caller's indentation of the
/// first line applies to it); a leading `---` marker and one trailing line break are dropped.
pub fn indent_as_item(text: &str, dash_column: usize, layout: Layout) -> String {
    let nl = if layout.crlf { "\r\n" } else { "\n" };
    let pad = " ".repeat(dash_column);
    let inner = " ".repeat(dash_column + 2);
    let body = text
        .strip_suffix("\r\n")
        .or_else(|| text.strip_suffix('\n'))
        .or_else(|| text.strip_suffix('\r'))
        .unwrap_or(text);
    let mut out = String::with_capacity(body.len() + 64);
    let mut content_started = false;
    let mut first_line = true;
    for line in split_lines(body) {
        if !content_started && line == "---" {
            continue;
        }
        if !first_line {
            out.push_str(nl);
        }
        let trimmed = line.trim_start();
        if !content_started {
            if trimmed.is_empty() || trimmed.starts_with('#') {
                // Head comment of the item, at the dash column.
                if !trimmed.is_empty() {
                    if !first_line {
                        out.push_str(&pad);
                    }
                    out.push_str(line);
                }
                first_line = false;
                continue;
            }
            content_started = true;
            if !first_line {
                out.push_str(&pad);
            }
            out.push_str("- ");
            out.push_str(line);
        } else if !line.is_empty() {
            out.push_str(&inner);
            out.push_str(line);
        }
        first_line = false;
    }
    if !content_started {
        // Only comments: an item must still hold a value.
        if !first_line {
            out.push_str(nl);
            out.push_str(&pad);
        }
        out.push_str("- {}");
    }
    out
}

/// The lines of `text` split at every YAML line break (`\r\n`, `\n` and a lone `\r`), the breaks
/// left out; like `str::split('\n')`, a final break gives a last empty line.
pub fn split_lines(text: &str) -> Vec<&str> {
    let b = text.as_bytes();
    let mut lines = Vec::new();
    let mut start = 0;
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'\n' => {
                lines.push(&text[start..i]);
                start = i + 1;
            }
            b'\r' => {
                lines.push(&text[start..i]);
                if b.get(i + 1) == Some(&b'\n') {
                    i += 1;
                }
                start = i + 1;
            }
            _ => {}
        }
        i += 1;
    }
    lines.push(&text[start..]);
    lines
}

/// A scalar as YAML text: plain when it reads back as the same value under YAML 1.1 and 1.2,
/// quoted otherwise (never an explicit tag).
///
/// The text is safe in block and flow context alike (so `a,b` is quoted); a multi-line string
/// comes back double-quoted on one line; a collection comes back in flow style.
pub fn scalar_text(value: &Value) -> String {
    flow_text(value)
}

/// Which context a scalar is written in: flow context forbids more characters in plain scalars.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Context {
    /// Block mapping values, sequence items, keys.
    Block,
    /// Inside `[...]` or `{...}`.
    Flow,
}

/// Line comments for a rendered value, keyed by the JSON pointer of the node they follow
/// (`/spec/region` → `kpt-set: ${region}` is written `region: … # kpt-set: ${region}`).
pub type Comments = std::collections::BTreeMap<String, String>;

/// Block-style renderer for one layout.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Renderer<'c> {
    /// Indentation and sequence style.
    pub layout: Layout,
    /// Whether a literal block that ends with a line break may be used. The caller clears it when
    /// the rendered text is not followed by a line break and a non-blank line (end of file, or
    /// blank lines that a `|+` block would swallow).
    pub trailing_breaks_ok: bool,
    /// Whether literal blocks may be used at all (cleared when a line of only blanks follows,
    /// which a literal block would read as content).
    pub literals_ok: bool,
    /// Line comments to write after the nodes they name (none when `None`).
    pub comments: Option<&'c Comments>,
    /// Whether strings are quoted as flow context needs (`a, b` quoted), as new documents have
    /// always been written: their text stays the same from one release to the next.
    pub flow_safe_strings: bool,
}

impl Renderer<'_> {
    /// A renderer for `layout`, literal blocks allowed everywhere, no comments.
    pub fn new(layout: Layout) -> Self {
        Renderer {
            layout,
            trailing_breaks_ok: true,
            literals_ok: true,
            comments: None,
            flow_safe_strings: false,
        }
    }

    /// ` # comment` for the node at `at`, when one is given for it.
    fn comment(&self, at: &str) -> String {
        self.comments
            .and_then(|c| c.get(at))
            .map(|c| format!(" # {c}"))
            .unwrap_or_default()
    }

    /// `at` extended by one pointer token (only tracked when there are comments to place).
    fn child(&self, at: &str, token: impl std::fmt::Display) -> String {
        match self.comments {
            Some(_) => format!(
                "{at}/{}",
                token.to_string().replace('~', "~0").replace('/', "~1")
            ),
            None => String::new(),
        }
    }

    /// Text that follows `key:` for a value of a key at column `key_col` (starts with a space or
    /// a line break; continuation lines carry absolute indentation; `\n` line breaks).
    pub fn after_key(&self, value: &Value, key_col: usize) -> String {
        self.after_key_at(value, key_col, "")
    }

    /// [`Self::after_key`] for the node at pointer `at`.
    fn after_key_at(&self, value: &Value, key_col: usize, at: &str) -> String {
        let comment = self.comment(at);
        match value {
            Value::Object(m) if !m.is_empty() => {
                let body = self.map_body_at(m, key_col + self.layout.indent, at);
                format!("{comment}\n{body}")
            }
            Value::Array(a) if !a.is_empty() => {
                let dash = if self.layout.wide_sequences {
                    key_col + self.layout.indent
                } else {
                    key_col
                };
                format!("{comment}\n{}", self.seq_body_at(a, dash, at))
            }
            other => format!(
                " {}{comment}",
                self.block_scalar(other, key_col + self.layout.indent, key_col)
            ),
        }
    }

    /// Text that follows the `-` of a sequence item whose dash is at column `dash_col`.
    pub fn after_dash(&self, value: &Value, dash_col: usize) -> String {
        self.after_dash_at(value, dash_col, "")
    }

    /// [`Self::after_dash`] for the node at pointer `at`.
    fn after_dash_at(&self, value: &Value, dash_col: usize, at: &str) -> String {
        let inner = dash_col + 2;
        match value {
            Value::Object(m) if !m.is_empty() => {
                format!(" {}", &self.map_body_at(m, inner, at)[inner..])
            }
            Value::Array(a) if !a.is_empty() => {
                format!(" {}", &self.seq_body_at(a, inner, at)[inner..])
            }
            other => format!(
                " {}{}",
                self.block_scalar(other, inner, dash_col),
                self.comment(at)
            ),
        }
    }

    /// A non-empty mapping's entries, one per line, each line indented to `col`.
    pub fn map_body(&self, map: &Map<String, Value>, col: usize) -> String {
        self.map_body_at(map, col, "")
    }

    /// [`Self::map_body`] for the mapping at pointer `at`.
    fn map_body_at(&self, map: &Map<String, Value>, col: usize, at: &str) -> String {
        let mut out = String::new();
        for (i, (k, v)) in map.iter().enumerate() {
            if i > 0 {
                out.push('\n');
            }
            push_spaces(&mut out, col);
            out.push_str(&key_text(k));
            out.push(':');
            out.push_str(&self.after_key_at(v, col, &self.child(at, k)));
        }
        out
    }

    /// A non-empty sequence's items, dashes at column `dash_col` (first line indented too).
    pub fn seq_body(&self, items: &[Value], dash_col: usize) -> String {
        self.seq_body_at(items, dash_col, "")
    }

    /// [`Self::seq_body`] for the sequence at pointer `at`.
    fn seq_body_at(&self, items: &[Value], dash_col: usize, at: &str) -> String {
        let mut out = String::new();
        for (i, v) in items.iter().enumerate() {
            if i > 0 {
                out.push('\n');
            }
            push_spaces(&mut out, dash_col);
            out.push('-');
            out.push_str(&self.after_dash_at(v, dash_col, &self.child(at, i)));
        }
        out
    }

    /// A string scalar in block context, quoted the way the layout says when it needs quotes.
    fn string(&self, s: &str) -> String {
        let context = match self.flow_safe_strings {
            true => Context::Flow,
            false => Context::Block,
        };
        let text = string_text(s, context);
        if self.layout.double_quotes && text.starts_with('\'') {
            double_quoted(s)
        } else {
            text
        }
    }

    /// A scalar (or empty collection) in block context; multi-line strings as literal blocks with
    /// content at `content_col`, for a parent node indented at `parent_indent`.
    pub fn block_scalar(&self, value: &Value, content_col: usize, parent_indent: usize) -> String {
        match value {
            Value::String(s) if s.contains('\n') => self
                .literal(s, content_col, parent_indent)
                .unwrap_or_else(|| double_quoted(s)),
            Value::String(s) => self.string(s),
            other => flow_text(other),
        }
    }

    /// `s` as a `|` or `|-` literal block (header, then content lines at `content_col`), or
    /// `None` when a literal block cannot hold it exactly (escapes needed, two or more trailing
    /// line breaks, a final line break at the end of the text).
    pub fn literal(&self, s: &str, content_col: usize, parent_indent: usize) -> Option<String> {
        if !self.literals_ok
            || s.chars().any(|c| c != '\n' && needs_escape(c))
            || s.trim_matches('\n').is_empty()
        {
            return None;
        }
        let chomp = match s.len() - s.trim_end_matches('\n').len() {
            0 => "-",
            1 if self.trailing_breaks_ok => "",
            // `|+` is never written: the blank lines ending its value would merge with blank
            // lines that follow in the file, or that another edit brings next to it.
            _ => return None,
        };
        let body = s.strip_suffix('\n').unwrap_or(s);
        let first = body.split('\n').find(|l| !l.is_empty()).unwrap_or("");
        let indicator = if first.starts_with([' ', '\t']) {
            let n = content_col.checked_sub(parent_indent)?;
            if !(1..=9).contains(&n) {
                return None;
            }
            n.to_string()
        } else {
            String::new()
        };
        let mut out = format!("|{indicator}{chomp}");
        for line in body.split('\n') {
            out.push('\n');
            if !line.is_empty() {
                push_spaces(&mut out, content_col);
                out.push_str(line);
            }
        }
        Some(out)
    }
}

/// A value in flow style on one line (`[a, b]`, `{k: v}`, scalars quoted for flow context).
pub(crate) fn flow_text(value: &Value) -> String {
    let mut out = String::new();
    write_flow(&mut out, value);
    out
}

fn write_flow(out: &mut String, value: &Value) {
    match value {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => out.push_str(&number_text(n)),
        Value::String(s) => out.push_str(&string_text(s, Context::Flow)),
        Value::Array(a) => {
            out.push('[');
            for (i, v) in a.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                write_flow(out, v);
            }
            out.push(']');
        }
        Value::Object(m) => {
            out.push('{');
            for (i, (k, v)) in m.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                out.push_str(&string_text(k, Context::Flow));
                out.push_str(": ");
                write_flow(out, v);
            }
            out.push('}');
        }
    }
}

/// A mapping key in block context.
pub(crate) fn key_text(key: &str) -> String {
    string_text(key, Context::Block)
}

/// A number as YAML text that YAML 1.1 and 1.2 readers both take for the same number
/// (floats always carry a `.` and a signed exponent, as YAML 1.1 requires).
pub(crate) fn number_text(n: &Number) -> String {
    let text = n.to_string();
    if n.is_f64() {
        if let Some(e) = text.find(['e', 'E']) {
            let (mantissa, exp) = text.split_at(e);
            let exp = &exp[1..];
            let dot = if mantissa.contains('.') { "" } else { ".0" };
            let sign = if exp.starts_with(['-', '+']) { "" } else { "+" };
            return format!("{mantissa}{dot}e{sign}{exp}");
        }
        if !text.contains('.') {
            return format!("{text}.0");
        }
    }
    text
}

/// A string scalar in `ctx`: plain when safe, else single-quoted, else double-quoted.
pub(crate) fn string_text(s: &str, ctx: Context) -> String {
    if simple_word(s) || (plain_ok(s, ctx) && reads_as_string(s)) {
        s.to_string()
    } else {
        single_quoted(s).unwrap_or_else(|| double_quoted(s))
    }
}

/// The common case, decided in one pass: a letter, then letters, digits and `-._/`, and not
/// one of the YAML 1.1 words (`yes`, `on`, `null` …): plain in any context.
pub(crate) fn simple_word(s: &str) -> bool {
    let b = s.as_bytes();
    b.first().is_some_and(u8::is_ascii_alphabetic)
        && b.iter()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'-' | b'.' | b'_' | b'/'))
        && (b.len() > 5 || reads_as_string(s))
}

/// True when a reader (YAML 1.1 or 1.2 core) takes plain `s` for the string `s`: not null, a
/// bool (`yes`, `on`, `y` … included), a number in any notation (`012`, `0o12`, `0x1F`, `1e3`,
/// `1_000`, `1:30`, `.inf`), a date, a merge key `<<` or the value key `=`.
pub(crate) fn reads_as_string(s: &str) -> bool {
    const WORDS: &[&str] = &[
        "~", "null", "Null", "NULL", "true", "True", "TRUE", "false", "False", "FALSE", "y", "Y",
        "yes", "Yes", "YES", "n", "N", "no", "No", "NO", "on", "On", "ON", "off", "Off", "OFF",
        "<<", "=",
    ];
    if s.is_empty() || WORDS.contains(&s) {
        return false;
    }
    let t = s.strip_prefix(['-', '+']).unwrap_or(s);
    if t.eq_ignore_ascii_case(".inf") || t.eq_ignore_ascii_case(".nan") {
        return false;
    }
    let radix = |prefix: [&str; 2], ok: fn(u8) -> bool| {
        prefix
            .iter()
            .find_map(|p| t.strip_prefix(p))
            .is_some_and(|r| !r.is_empty() && r.bytes().all(|b| b == b'_' || ok(b)))
    };
    if radix(["0x", "0X"], |b| b.is_ascii_hexdigit())
        || radix(["0o", "0O"], |b| (b'0'..=b'7').contains(&b))
        || radix(["0b", "0B"], |b| b == b'0' || b == b'1')
    {
        return false;
    }
    // Decimal, octal `012`, floats, `1e3`, `1_000`, sexagesimal `1:30`, `1.2.3`, `2024-01-01`.
    if t.starts_with(|c: char| c.is_ascii_digit() || c == '.')
        && t.bytes().all(|b| {
            b.is_ascii_digit() || matches!(b, b'_' | b':' | b'.' | b'e' | b'E' | b'+' | b'-')
        })
    {
        return false;
    }
    // YAML 1.1 timestamps: 2001-12-14t21:59:43.10-05:00, 2001-12-14 21:59:43.10 -5.
    let b = s.as_bytes();
    let digits =
        |r: std::ops::Range<usize>| b.get(r).is_some_and(|d| d.iter().all(u8::is_ascii_digit));
    if b.len() >= 8 && digits(0..4) && b[4] == b'-' {
        let mut i = 5;
        let mut ok = true;
        for part in 0..2 {
            let start = i;
            while i < b.len() && b[i].is_ascii_digit() {
                i += 1;
            }
            if !(1..=2).contains(&(i - start)) || (part == 0 && b.get(i) != Some(&b'-')) {
                ok = false;
                break;
            }
            if part == 0 {
                i += 1;
            }
        }
        if ok {
            return false;
        }
    }
    true
}

/// True when `s` written plain in `ctx` is read back as the text `s` (quoting aside from
/// schema resolution, which [`reads_as_string`] covers).
pub(crate) fn plain_ok(s: &str, ctx: Context) -> bool {
    let mut chars = s.chars();
    let Some(first) = chars.next() else {
        return false;
    };
    if ",[]{}#&*!|>'\"%@`?:".contains(first) {
        return false;
    }
    if first == '-' && chars.next().is_none_or(|c| c == ' ') {
        return false;
    }
    if s.starts_with("---") || s.starts_with("...") || s.ends_with(' ') || s.starts_with(' ') {
        return false;
    }
    if s.contains(": ") || s.ends_with(':') || s.contains(" #") {
        return false;
    }
    if ctx == Context::Flow && s.contains([',', '[', ']', '{', '}', ':']) {
        return false;
    }
    !s.chars().any(|c| c == '\t' || needs_escape(c))
}

/// Characters that only a double-quoted scalar can carry: controls (tab and line breaks
/// included), DEL, C1 controls, the YAML 1.1 line breaks U+0085/U+2028/U+2029, BOM, non-characters.
fn needs_escape(c: char) -> bool {
    matches!(c, '\0'..='\u{1f}' | '\u{7f}'..='\u{9f}' | '\u{2028}' | '\u{2029}' | '\u{feff}' | '\u{fffe}' | '\u{ffff}')
}

/// `'s'` with `'` doubled, or `None` when `s` holds a character that needs an escape.
pub(crate) fn single_quoted(s: &str) -> Option<String> {
    if s.chars().any(needs_escape) {
        return None;
    }
    Some(format!("'{}'", s.replace('\'', "''")))
}

/// `"s"` with escapes.
pub(crate) fn double_quoted(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            '\0' => out.push_str("\\0"),
            '\u{85}' => out.push_str("\\N"),
            '\u{2028}' => out.push_str("\\L"),
            '\u{2029}' => out.push_str("\\P"),
            c if needs_escape(c) && (c as u32) < 0x100 => {
                out.push_str(&format!("\\x{:02X}", c as u32))
            }
            c if needs_escape(c) => out.push_str(&format!("\\u{:04X}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn push_spaces(out: &mut String, n: usize) {
    out.extend(std::iter::repeat_n(' ', n));
}

/// `text` with `\n` line breaks turned into `\r\n` when the layout says so.
pub(crate) fn with_line_ending(text: String, layout: Layout) -> String {
    if layout.crlf {
        text.replace('\n', "\r\n")
    } else {
        text
    }
}

#[cfg(test)]
#[path = "render_tests.rs"]
mod tests;
