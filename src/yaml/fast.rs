//! A fast path for the block-style YAML Kubernetes tools write: block mappings and sequences,
//! single-line plain and quoted scalars, literal block scalars, comments, `---`. It feeds the
//! same [`Builder`] the granit path feeds, with the spans granit would report, so the resulting
//! document is identical (tests compare both paths). Anything else — flow collections, anchors,
//! aliases, tags, escapes, multi-line flow scalars, folded scalars, odd characters, anything
//! doubtful — makes it give up, and the caller parses with granit instead.

mod chars;
#[cfg(test)]
mod tests;

use super::builder::Builder;
use super::ScalarStyle as Style;
use super::{Children, NodeKind};
use chars::{fold, is_blank, past_spaces, trim_blanks_end};
use std::ops::Range;

/// An open block collection.
struct Open {
    /// Column of its keys or dashes.
    indent: usize,
    seq: bool,
}

/// A `key:` (or `-`) whose value starts on a later line (or is empty).
#[derive(Clone, Copy)]
struct Pending {
    /// Column of the key (or dash).
    key_indent: usize,
    colon: usize,
    /// A sequence item (`- # comment` with its content below).
    item: bool,
}

/// A mapping key found on a line.
struct Key {
    /// The decoded text, `None` when it is the source text.
    value: Option<String>,
    style: Style,
    range: std::ops::Range<usize>,
    colon: usize,
}

struct Scanner<'s, 'b> {
    src: &'s str,
    bytes: &'s [u8],
    b: &'b mut Builder<'s>,
    open: Vec<Open>,
    pending: Option<Pending>,
    /// The current document already has its root collection.
    root_done: bool,
    /// End of the `---` that started the current document, if it was explicit.
    doc_start: Option<usize>,
    /// The current document has content.
    doc_content: bool,
}

/// Build `src` into `b` without granit; `false` when the text needs the full parser (then
/// `b` must be discarded).
pub(super) fn scan<'s>(src: &'s str, b: &mut Builder<'s>) -> bool {
    if !chars::characters_ok(src.as_bytes()) {
        return false;
    }
    b.no_explicit_keys = true;
    let mut s = Scanner {
        src,
        bytes: src.as_bytes(),
        b,
        open: Vec::new(),
        pending: None,
        root_done: false,
        doc_start: None,
        doc_content: false,
    };
    s.run().is_some()
}

impl Scanner<'_, '_> {
    fn run(&mut self) -> Option<()> {
        let bytes = self.bytes;
        let mut p = 0;
        while p < bytes.len() {
            let (end, next) = self.line_end(p);
            let c = past_spaces(bytes, p, end);
            if c < end && bytes[c] == b'\t' {
                return None;
            }
            if c == end {
                p = next;
                continue;
            }
            if bytes[c] == b'#' {
                self.b.push_comment(c..end);
                p = next;
                continue;
            }
            if c == p {
                if bytes[p..end].starts_with(b"---") && (end == p + 3 || is_blank(bytes[p + 3])) {
                    let r = self.skip_blanks(p + 3, end);
                    if r < end {
                        if bytes[r] != b'#' {
                            return None;
                        }
                        self.b.push_comment(r..end);
                    }
                    self.end_document()?;
                    self.doc_start = Some(p + 3);
                    p = next;
                    continue;
                }
                if bytes[p..end].starts_with(b"...") || bytes[p] == b'%' {
                    return None;
                }
            }
            self.doc_content = true;
            p = self.node_line(p, c, end, next)?;
        }
        self.end_document()
    }

    /// End of the line starting at `p` (before `\r\n`/`\n`) and the start of the next line.
    fn line_end(&self, p: usize) -> (usize, usize) {
        let bytes = self.bytes;
        match chars::find(bytes, p, bytes.len(), b'\n') {
            Some(nl) => {
                let end = if nl > p && bytes[nl - 1] == b'\r' {
                    nl - 1
                } else {
                    nl
                };
                (end, nl + 1)
            }
            None => (bytes.len(), bytes.len()),
        }
    }

    fn skip_blanks(&self, mut p: usize, end: usize) -> usize {
        while p < end && is_blank(self.bytes[p]) {
            p += 1;
        }
        p
    }

    fn is_dash(&self, c: usize, end: usize) -> bool {
        self.bytes[c] == b'-' && (c + 1 == end || is_blank(self.bytes[c + 1]))
    }

    fn end_document(&mut self) -> Option<()> {
        self.resolve_pending_empty()?;
        while !self.open.is_empty() {
            self.close_top()?;
        }
        if let (Some(at), false) = (self.doc_start.take(), self.doc_content) {
            // An empty explicit document: granit reports an empty scalar after its `---`.
            let id = self.b.scalar(None, Style::Plain, at..at, None);
            self.b.attach(id, 0).ok()?;
        }
        self.root_done = false;
        self.doc_content = false;
        Some(())
    }

    /// The value of a pending `key:` is empty: granit places it at the `:`.
    fn resolve_pending_empty(&mut self) -> Option<()> {
        if let Some(pd) = self.pending.take() {
            if pd.item {
                return None; // an empty item: left to granit
            }
            self.leaf(None, Style::Plain, pd.colon..pd.colon)?;
        }
        Some(())
    }

    fn close_top(&mut self) -> Option<()> {
        self.open.pop();
        self.b.close(0..0).ok()?;
        if self.open.is_empty() {
            self.root_done = true;
        }
        Some(())
    }

    /// A scalar that is no block scalar, as the next child of the open collection: `value`
    /// is its decoded text, `None` when that is its source text.
    fn leaf(&mut self, value: Option<String>, style: Style, range: Range<usize>) -> Option<()> {
        match value {
            None => self.b.source_scalar(style, range).ok(),
            value => {
                let id = self.b.scalar(value, style, range, None);
                self.b.attach(id, 0).ok()
            }
        }
    }

    /// Open a collection at byte `at`, column `indent`.
    fn open_collection(&mut self, at: usize, indent: usize, seq: bool) -> Option<()> {
        if self.open.is_empty() && self.pending.is_none() && self.root_done {
            return None; // a second root in one document: granit reports the error
        }
        self.pending = None;
        let kind = if seq {
            NodeKind::Sequence {
                flow: false,
                items: Children::default(),
            }
        } else {
            NodeKind::Mapping {
                flow: false,
                entries: Children::default(),
            }
        };
        self.b.open(kind, at..at, None, 0).ok()?;
        self.open.push(Open { indent, seq });
        Some(())
    }

    /// One line holding a node; returns where the next line to read starts.
    fn node_line(&mut self, line: usize, c: usize, end: usize, next: usize) -> Option<usize> {
        let col = c - line;
        let dash = self.is_dash(c, end);
        if let Some(pd) = self.pending {
            let compact = col == pd.key_indent
                && dash
                && matches!(self.open.last(), Some(t) if !t.seq && t.indent == col);
            if col <= pd.key_indent && !compact {
                self.resolve_pending_empty()?;
            }
        }
        if self.pending.is_none() {
            while let Some(top) = self.open.last() {
                if top.indent > col || (top.seq && top.indent == col && !dash) {
                    self.close_top()?;
                } else {
                    break;
                }
            }
        }
        if dash {
            let continues = self.pending.is_none()
                && matches!(self.open.last(), Some(t) if t.seq && t.indent == col);
            if !continues {
                if self.pending.is_none() && !self.open.is_empty() {
                    return None;
                }
                self.open_collection(c, col, true)?;
            }
            self.b.next_dash = Some(c);
            let c2 = self.skip_blanks(c + 1, end);
            if c2 < end && self.bytes[c2 - 1] == b'\t' {
                return None;
            }
            if c2 == end || self.bytes[c2] == b'#' {
                // The item's content starts on a later line (kpt writes `- # head comment`).
                if c2 < end {
                    if c2 == c + 1 {
                        return None;
                    }
                    self.b.push_comment(c2..end);
                }
                self.pending = Some(Pending {
                    key_indent: col,
                    colon: c,
                    item: true,
                });
                return Some(next);
            }
            return self.entry_or_scalar(line, c2, end, next, Some(col));
        }
        self.entry_or_scalar(line, c, end, next, None)
    }

    /// A mapping entry or (after a dash) a scalar item at `c`.
    fn entry_or_scalar(
        &mut self,
        line: usize,
        c: usize,
        end: usize,
        next: usize,
        dash_col: Option<usize>,
    ) -> Option<usize> {
        let col = c - line;
        let Some(key) = self.key_at(c, end)? else {
            let dash_col = dash_col?;
            return self.value(c, end, next, dash_col);
        };
        let continues = dash_col.is_none()
            && self.pending.is_none()
            && matches!(self.open.last(), Some(t) if !t.seq && t.indent == col);
        if !continues {
            let nested = match self.pending {
                Some(pd) => col > pd.key_indent,
                None => dash_col.is_some() || self.open.is_empty(),
            };
            if !nested {
                return None;
            }
            self.open_collection(c, col, false)?;
        }
        let colon = key.colon;
        self.leaf(key.value, key.style, key.range)?;
        let v = self.skip_blanks(colon + 1, end);
        if v == end || self.bytes[v] == b'#' {
            if v < end {
                self.b.push_comment(v..end);
            }
            self.pending = Some(Pending {
                key_indent: col,
                colon,
                item: false,
            });
            return Some(next);
        }
        self.value(v, end, next, col)
    }

    /// The key starting at `c`, `Some(None)` if the line holds no key there, `None` to give up.
    fn key_at(&self, c: usize, end: usize) -> Option<Option<Key>> {
        let key = self.key_text_at(c, end)?;
        match key {
            // Implicit keys are limited to 1024 characters (granit's lookahead): give long ones
            // to granit.
            Some(k) if k.colon - c > 1000 => None,
            key => Some(key),
        }
    }

    fn key_text_at(&self, c: usize, end: usize) -> Option<Option<Key>> {
        let bytes = self.bytes;
        match bytes[c] {
            b'\'' | b'"' => {
                let (close, value) = match self.simple_quoted(c + 1, end, bytes[c]) {
                    Some(close) => (close, None),
                    None => {
                        let mut value = String::new();
                        let Some(close) = self.segment(c + 1, end, bytes[c], &mut value)? else {
                            return Some(None); // continues on the next line: not a key
                        };
                        (close, Some(value))
                    }
                };
                if close < end
                    && bytes[close] == b':'
                    && (close + 1 == end || is_blank(bytes[close + 1]))
                {
                    let style = if bytes[c] == b'\'' {
                        Style::SingleQuoted
                    } else {
                        Style::DoubleQuoted
                    };
                    Some(Some(Key {
                        value,
                        style,
                        range: c..close,
                        colon: close,
                    }))
                } else {
                    Some(None)
                }
            }
            b'[' | b'{' | b'&' | b'*' | b'!' | b'|' | b'>' | b'%' | b'@' | b'`' | b'?' | b','
            | b']' | b'}' | b'#' => Some(None),
            b'-' | b':' if c + 1 == end || is_blank(bytes[c + 1]) => Some(None),
            _ => {
                let mut i = c;
                while let Some(j) = chars::find2(bytes, i, end, b':', b'#') {
                    if bytes[j] == b':' {
                        if j + 1 == end || is_blank(bytes[j + 1]) {
                            if is_blank(bytes[j - 1]) {
                                return None;
                            }
                            return Some(Some(Key {
                                value: None,
                                style: Style::Plain,
                                range: c..j,
                                colon: j,
                            }));
                        }
                    } else if is_blank(bytes[j - 1]) {
                        return Some(None);
                    }
                    i = j + 1;
                }
                Some(None)
            }
        }
    }

    /// After the closing `quote` of quoted text from `start`, when it closes before `end` and
    /// reads as written (no escape, no doubled quote); `None` otherwise.
    fn simple_quoted(&self, start: usize, end: usize, quote: u8) -> Option<usize> {
        let bytes = self.bytes;
        let at = if quote == b'"' {
            chars::find2(bytes, start, end, b'"', b'\\')?
        } else {
            chars::find(bytes, start, end, b'\'')?
        };
        let after = at + 1;
        let doubled = quote == b'\'' && after < end && bytes[after] == b'\'';
        (bytes[at] == quote && !doubled).then_some(after)
    }

    /// Append the quoted-scalar text from `start` up to its closing `quote` or the line end
    /// to `out`; `Some(Some(end of closing quote))`, `Some(None)` when the line ends first,
    /// `None` on an escape (left to granit).
    fn segment(
        &self,
        start: usize,
        end: usize,
        quote: u8,
        out: &mut String,
    ) -> Option<Option<usize>> {
        let bytes = self.bytes;
        let mut seg = start;
        let mut i = start;
        while i < end {
            match bytes[i] {
                b'\\' if quote == b'"' => {
                    out.push_str(&self.src[seg..i]);
                    i = self.escape(i, end, out)?;
                    seg = i;
                    continue;
                }
                b'\'' if quote == b'\'' => {
                    if i + 1 < end && bytes[i + 1] == b'\'' {
                        out.push_str(&self.src[seg..=i]);
                        i += 2;
                        seg = i;
                        continue;
                    }
                    out.push_str(&self.src[seg..i]);
                    return Some(Some(i + 1));
                }
                b'"' if quote == b'"' => {
                    out.push_str(&self.src[seg..i]);
                    return Some(Some(i + 1));
                }
                _ => i += 1,
            }
        }
        out.push_str(&self.src[seg..end]);
        Some(None)
    }

    /// Decode the double-quoted escape at `i` into `out`; where the text goes on. `None` for an
    /// escaped line break or anything unusual (left to granit).
    fn escape(&self, i: usize, end: usize, out: &mut String) -> Option<usize> {
        let bytes = self.bytes;
        let c = *bytes.get(i + 1).filter(|_| i + 1 < end)?;
        let simple = match c {
            b'0' => '\0',
            b'a' => '\u{7}',
            b'b' => '\u{8}',
            b't' | b'\t' => '\t',
            b'n' => '\n',
            b'v' => '\u{b}',
            b'f' => '\u{c}',
            b'r' => '\r',
            b'e' => '\u{1b}',
            b' ' => ' ',
            b'"' => '"',
            b'/' => '/',
            b'\\' => '\\',
            b'N' => '\u{85}',
            b'_' => '\u{a0}',
            b'L' => '\u{2028}',
            b'P' => '\u{2029}',
            b'x' | b'u' | b'U' => {
                let n = match c {
                    b'x' => 2,
                    b'u' => 4,
                    _ => 8,
                };
                let hex = self
                    .src
                    .get(i + 2..i + 2 + n)
                    .filter(|_| i + 2 + n <= end)?;
                if !hex.bytes().all(|h| h.is_ascii_hexdigit()) {
                    return None;
                }
                let code = u32::from_str_radix(hex, 16).ok()?;
                out.push(char::from_u32(code)?);
                return Some(i + 2 + n);
            }
            _ => return None,
        };
        out.push(simple);
        Some(i + 2)
    }

    /// Leading spaces of the line at `q` ending at `e`; `None` when a tab follows them.
    fn indentation(&self, q: usize, e: usize) -> Option<usize> {
        let mut k = 0;
        while q + k < e && self.bytes[q + k] == b' ' {
            k += 1;
        }
        if q + k < e && self.bytes[q + k] == b'\t' {
            return None;
        }
        Some(k)
    }

    /// A quoted scalar continued on following lines (folded: one line break is a space, `n`
    /// empty lines are `n` line feeds). Continuation lines must be indented past `parent`.
    fn quoted_lines(&mut self, v: usize, end: usize, next: usize, parent: usize) -> Option<usize> {
        let bytes = self.bytes;
        let quote = bytes[v];
        let mut value = String::new();
        if self.segment(v + 1, end, quote, &mut value)?.is_some() {
            return None;
        }
        trim_blanks_end(&mut value);
        if value.is_empty() {
            return None;
        }
        let mut q = next;
        let mut empty = 0;
        while q < bytes.len() {
            let (e, nx) = self.line_end(q);
            let k = self.indentation(q, e)?;
            if q + k == e {
                empty += 1;
                q = nx;
                continue;
            }
            if k <= parent {
                return None;
            }
            fold(&mut value, empty);
            empty = 0;
            let before = value.len();
            match self.segment(q + k, e, quote, &mut value)? {
                Some(close) => {
                    if value.len() == before {
                        return None;
                    }
                    self.rest_of_line(close, e)?;
                    let style = if quote == b'\'' {
                        Style::SingleQuoted
                    } else {
                        Style::DoubleQuoted
                    };
                    self.leaf(Some(value), style, v..close)?;
                    return Some(nx);
                }
                None => trim_blanks_end(&mut value),
            }
            q = nx;
        }
        None
    }

    /// After a token ending at `at`: only blanks, or blanks then a comment.
    fn rest_of_line(&mut self, at: usize, end: usize) -> Option<()> {
        let r = self.skip_blanks(at, end);
        if r < end {
            if self.bytes[r] != b'#' || r == at {
                return None;
            }
            self.b.push_comment(r..end);
        }
        Some(())
    }

    /// A scalar value starting at `v`; `parent` is the column of the collection holding it.
    fn value(&mut self, v: usize, end: usize, next: usize, parent: usize) -> Option<usize> {
        let bytes = self.bytes;
        let (value, style, range) = match bytes[v] {
            b'\'' | b'"' => {
                let (close, value) = match self.simple_quoted(v + 1, end, bytes[v]) {
                    Some(close) => (close, None),
                    None => {
                        let mut value = String::new();
                        let Some(close) = self.segment(v + 1, end, bytes[v], &mut value)? else {
                            return self.quoted_lines(v, end, next, parent);
                        };
                        (close, Some(value))
                    }
                };
                self.rest_of_line(close, end)?;
                let style = if bytes[v] == b'\'' {
                    Style::SingleQuoted
                } else {
                    Style::DoubleQuoted
                };
                (value, style, v..close)
            }
            b'|' => return self.literal(v, end, next, parent),
            b'[' | b'{' if matches!(bytes.get(v..v + 2), Some(b"[]" | b"{}")) => {
                return self.empty_flow(v, end, next)
            }
            b'[' | b'{' | b'&' | b'*' | b'!' | b'>' | b'%' | b'@' | b'`' | b'?' | b',' | b']'
            | b'}' | b'#' => return None,
            b'-' | b':' if v + 1 == end || is_blank(bytes[v + 1]) => return None,
            _ => {
                let mut i = v;
                let mut token_end = end;
                let mut commented = false;
                while let Some(j) = chars::find2(bytes, i, end, b':', b'#') {
                    if bytes[j] == b':' {
                        if j + 1 == end || is_blank(bytes[j + 1]) {
                            return None;
                        }
                    } else if is_blank(bytes[j - 1]) {
                        token_end = j;
                        commented = true;
                        self.b.push_comment(j..end);
                        break;
                    }
                    i = j + 1;
                }
                while is_blank(bytes[token_end - 1]) {
                    token_end -= 1;
                }
                let mut value = None;
                let mut resume = next;
                if !commented && !self.ends_plain(next, parent) {
                    // Continuation lines, indented past the parent, fold into the scalar.
                    if let Some((folded, last, after)) =
                        self.plain_lines(v..token_end, next, parent)?
                    {
                        value = Some(folded);
                        token_end = last;
                        resume = after;
                    }
                }
                self.leaf(value, Style::Plain, v..token_end)?;
                return Some(resume);
            }
        };
        self.leaf(value, style, range)?;
        Some(next)
    }

    /// Whether the line at `q` surely holds no continuation of a plain scalar inside the
    /// collection at column `parent` (the common case, decided without finding the line end):
    /// the text ends, or the line has content at or left of `parent`, or a comment.
    fn ends_plain(&self, q: usize, parent: usize) -> bool {
        let bytes = self.bytes;
        let c = past_spaces(bytes, q, bytes.len());
        match bytes.get(c) {
            None => true,
            Some(b'\n' | b'\r' | b'\t') => false,
            Some(&first) => c - q <= parent || first == b'#',
        }
    }

    /// Continuation lines, from `q`, of a plain scalar whose first line is `first`, indented past
    /// `parent`: the folded text, the end of the last line and where reading resumes; `None`
    /// inside when there are none (the common case, which copies nothing).
    fn plain_lines(
        &mut self,
        first: std::ops::Range<usize>,
        mut q: usize,
        parent: usize,
    ) -> Option<Option<(String, usize, usize)>> {
        let bytes = self.bytes;
        let mut empty = 0;
        let mut folded: Option<(String, usize, usize)> = None;
        while q < bytes.len() {
            let k = self.indentation(q, bytes.len())?;
            let c = q + k;
            if c < bytes.len() && !matches!(bytes[c], b'\n' | b'\r') {
                // Most lines end the scalar: judged before looking for the line's end.
                if k <= parent || bytes[c] == b'#' {
                    break;
                }
            }
            let (e, nx) = self.line_end(q);
            if c >= e {
                empty += 1;
                q = nx;
                continue;
            }
            if matches!(bytes[c], b'-' | b'?' | b':') {
                return None;
            }
            for i in c..e {
                match bytes[i] {
                    b':' if i + 1 == e || is_blank(bytes[i + 1]) => return None,
                    b'#' if is_blank(bytes[i - 1]) => return None,
                    _ => {}
                }
            }
            let mut t = e;
            while is_blank(bytes[t - 1]) {
                t -= 1;
            }
            let (value, last, resume) =
                folded.get_or_insert_with(|| (self.src[first.clone()].to_string(), 0, 0));
            fold(value, empty);
            empty = 0;
            value.push_str(&self.src[c..t]);
            *last = t;
            q = nx;
            *resume = nx;
        }
        Some(folded)
    }

    /// An empty flow collection, `[]` or `{}`.
    fn empty_flow(&mut self, v: usize, end: usize, next: usize) -> Option<usize> {
        let kind = if self.bytes[v] == b'[' {
            NodeKind::Sequence {
                flow: true,
                items: Children::default(),
            }
        } else {
            NodeKind::Mapping {
                flow: true,
                entries: Children::default(),
            }
        };
        self.b.open(kind, v..v + 1, None, 0).ok()?;
        self.b.close(v + 1..v + 2).ok()?;
        self.rest_of_line(v + 2, end)?;
        Some(next)
    }

    /// A literal block scalar (`|`, `|-`, `|+`, optional comment) whose content lines follow.
    fn literal(&mut self, v: usize, end: usize, next: usize, parent: usize) -> Option<usize> {
        let bytes = self.bytes;
        let mut h = v + 1;
        let chomp = match bytes.get(h) {
            Some(b'-') => {
                h += 1;
                b'-'
            }
            Some(b'+') => {
                h += 1;
                b'+'
            }
            _ => b' ',
        };
        if h < end && !is_blank(bytes[h]) {
            return None;
        }
        self.rest_of_line(h, end)?;
        // Content indentation: that of the first line, which must hold text.
        let first = next;
        if first >= bytes.len() {
            return None;
        }
        let (first_end, _) = self.line_end(first);
        let mut m = 0;
        while first + m < first_end && bytes[first + m] == b' ' {
            m += 1;
        }
        if first + m == first_end || m <= parent || bytes[first + m] == b'\t' {
            return None;
        }
        let mut value = String::new();
        let mut blanks = 0usize;
        let mut q = first;
        let mut last_end = first + m;
        let mut last_had_break = false;
        let mut lines = 0usize;
        while q < bytes.len() {
            let (e, nx) = self.line_end(q);
            let mut k = 0;
            while q + k < e && bytes[q + k] == b' ' {
                k += 1;
            }
            if e == q {
                blanks += 1;
                q = nx;
                continue;
            }
            if q + k == e {
                return None; // a line of spaces: leave indentation subtleties to granit
            }
            if k < m {
                break;
            }
            if lines > 0 {
                value.push('\n');
            }
            for _ in 0..blanks {
                value.push('\n');
            }
            blanks = 0;
            value.push_str(&self.src[q + m..e]);
            lines += 1;
            last_end = e;
            last_had_break = nx > e;
            q = nx;
        }
        if !last_had_break {
            return None;
        }
        match chomp {
            b'-' => {}
            b'+' => {
                value.push('\n');
                for _ in 0..blanks {
                    value.push('\n');
                }
            }
            _ => value.push('\n'),
        }
        self.b.next_header = Some(v);
        let id = self
            .b
            .scalar(Some(value), Style::Literal, first + m..last_end, None);
        self.b.attach(id, 0).ok()?;
        Some(q)
    }
}
