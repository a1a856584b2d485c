//! Byte-level helpers of the fast path: the character check it makes once over the whole
//! text before reading it, and searches that look at eight bytes at a time.

/// No byte the fast path would have to judge: C0/C1 controls (but tab and line breaks), DEL,
/// BOM, U+FFFE/U+FFFF, or a lone `\r`. Whole 32-byte chunks of printable ASCII, tabs and line
/// feeds are passed in one vectorizable test; only other chunks are judged byte by byte.
pub(super) fn characters_ok(bytes: &[u8]) -> bool {
    let mut start = 0;
    for chunk in bytes.chunks(CHUNK) {
        let plain = <&[u8; CHUNK]>::try_from(chunk).is_ok_and(plain_chunk);
        if !plain && !(start..start + chunk.len()).all(|i| byte_ok(bytes, i)) {
            return false;
        }
        start += chunk.len();
    }
    true
}

const CHUNK: usize = 32;

/// Whether every byte of `chunk` is printable ASCII, a tab or a line feed (no early exit, so
/// that the compiler turns it into vector compares).
fn plain_chunk(chunk: &[u8; CHUNK]) -> bool {
    let mut odd = 0u8;
    for &c in chunk {
        odd |= u8::from((c.wrapping_sub(0x20) >= 0x5f) & (c != b'\n') & (c != b'\t'));
    }
    odd == 0
}

/// Whether byte `i` of `bytes` (with what follows it) is one the fast path reads.
fn byte_ok(bytes: &[u8], i: usize) -> bool {
    match bytes[i] {
        0x20..=0x7e | b'\n' | b'\t' => true,
        b'\r' => bytes.get(i + 1) == Some(&b'\n'),
        0xc2 => !matches!(bytes.get(i + 1), Some(0x80..=0x9f)),
        0xef => !matches!(
            bytes.get(i + 1..i + 3),
            Some([0xbb, 0xbf] | [0xbf, 0xbe..=0xbf])
        ),
        0x80..=0xff => true,
        _ => false,
    }
}

const ONES: u64 = 0x0101_0101_0101_0101;
const HIGH: u64 = 0x8080_8080_8080_8080;

/// The eight bytes at `at` as one little-endian word (the caller checks they exist).
#[inline(always)]
fn word(bytes: &[u8], at: usize) -> u64 {
    let w = &bytes[at..at + 8];
    u64::from_le_bytes([w[0], w[1], w[2], w[3], w[4], w[5], w[6], w[7]])
}

/// High bit set in the zero bytes of `x`; the lowest one set is exact (a borrow can only mark
/// bytes above a true zero).
#[inline(always)]
fn zero_bytes(x: u64) -> u64 {
    x.wrapping_sub(ONES) & !x & HIGH
}

/// The first position in `from..end` of `bytes` holding `a`.
#[inline(always)]
pub(super) fn find(bytes: &[u8], mut from: usize, end: usize, a: u8) -> Option<usize> {
    let wa = ONES * u64::from(a);
    while from + 8 <= end {
        let hits = zero_bytes(word(bytes, from) ^ wa);
        if hits != 0 {
            return Some(from + (hits.trailing_zeros() / 8) as usize);
        }
        from += 8;
    }
    if from < end && from + 8 <= bytes.len() {
        // The last word reaches past `end`: read whole, hits past `end` ignored.
        let hits = zero_bytes(word(bytes, from) ^ wa);
        let at = from + (hits.trailing_zeros() / 8) as usize;
        return (hits != 0 && at < end).then_some(at);
    }
    (from..end).find(|&i| bytes[i] == a)
}

/// The first position in `from..end` of `bytes` holding `a` or `b`.
#[inline(always)]
pub(super) fn find2(bytes: &[u8], mut from: usize, end: usize, a: u8, b: u8) -> Option<usize> {
    let (wa, wb) = (ONES * u64::from(a), ONES * u64::from(b));
    while from + 8 <= end {
        let w = word(bytes, from);
        let hits = zero_bytes(w ^ wa) | zero_bytes(w ^ wb);
        if hits != 0 {
            return Some(from + (hits.trailing_zeros() / 8) as usize);
        }
        from += 8;
    }
    if from < end && from + 8 <= bytes.len() {
        // The last word reaches past `end`: read whole, hits past `end` ignored.
        let w = word(bytes, from);
        let hits = zero_bytes(w ^ wa) | zero_bytes(w ^ wb);
        let at = from + (hits.trailing_zeros() / 8) as usize;
        return (hits != 0 && at < end).then_some(at);
    }
    (from..end).find(|&i| bytes[i] == a || bytes[i] == b)
}

/// The first byte from `c` on that is not a space, or `end`; eight bytes at a time.
#[inline(always)]
pub(super) fn past_spaces(bytes: &[u8], mut c: usize, end: usize) -> usize {
    while c + 8 <= end {
        let x = word(bytes, c) ^ (ONES * u64::from(b' '));
        if x != 0 {
            return c + (x.trailing_zeros() / 8) as usize;
        }
        c += 8;
    }
    if c < end && c + 8 <= bytes.len() {
        let x = word(bytes, c) ^ (ONES * u64::from(b' '));
        return (c + (x.trailing_zeros() / 8) as usize).min(end);
    }
    while c < end && bytes[c] == b' ' {
        c += 1;
    }
    c
}

/// A space or a tab.
pub(super) fn is_blank(c: u8) -> bool {
    c == b' ' || c == b'\t'
}

/// Fold a line break into `value`: a space, or one line feed per empty line between.
pub(super) fn fold(value: &mut String, empty_lines: usize) {
    if empty_lines == 0 {
        value.push(' ');
    } else {
        for _ in 0..empty_lines {
            value.push('\n');
        }
    }
}

/// Drop the spaces and tabs that end `value`.
pub(super) fn trim_blanks_end(value: &mut String) {
    let trimmed = value.trim_end_matches([' ', '\t']).len();
    value.truncate(trimmed);
}

#[cfg(test)]
mod tests {
    use super::{characters_ok, find, find2};

    #[test]
    fn searches_find_the_first_match_at_every_place_of_a_word() {
        // Bytes one below and above the targets, and a repeated target after the first.
        let mut text: Vec<u8> = (0..40)
            .map(|i| [b'9', b';', b'"', b'$', b'a'][i % 5])
            .collect();
        for at in 0..40 {
            for (a, b) in [(b':', b'#'), (b'#', b':'), (b'\n', b'\n')] {
                let saved = text[at];
                text[at] = a;
                if at + 3 < 40 {
                    text[at + 3] = b;
                }
                for from in 0..=at {
                    for end in [at, at + 1, (at + 2).min(40), (at + 9).min(40), 40] {
                        let want = (from..end).find(|&i| text[i] == a || text[i] == b);
                        assert_eq!(find2(&text, from, end, a, b), want, "{at} {from} {end}");
                        let want = (from..end).find(|&i| text[i] == a);
                        assert_eq!(find(&text, from, end, a), want, "{at} {from} {end}");
                    }
                }
                text[at] = saved;
                if at + 3 < 40 {
                    text[at + 3] = b'a';
                }
            }
        }
    }

    #[test]
    fn past_spaces_stops_at_the_first_other_byte_or_the_end() {
        for len in 0..20 {
            for end in 0..=len {
                let mut text = vec![b' '; len];
                text.extend_from_slice(b"x         ");
                let want = end.min(len);
                assert_eq!(super::past_spaces(&text, 0, end), want, "{len} {end}");
                assert_eq!(super::past_spaces(&text, 0, len + 1), len, "{len}");
            }
        }
    }

    /// The byte-at-a-time rule `characters_ok` must agree with.
    fn reference(bytes: &[u8]) -> bool {
        std::str::from_utf8(bytes).is_ok_and(|text| {
            let mut chars = text.chars().peekable();
            while let Some(c) = chars.next() {
                let ok = match c {
                    '\n' | '\t' => true,
                    '\r' => chars.peek() == Some(&'\n'),
                    '\u{feff}' | '\u{fffe}' | '\u{ffff}' => false,
                    _ => !c.is_control(),
                };
                if !ok {
                    return false;
                }
            }
            true
        })
    }

    #[test]
    fn every_byte_class_at_every_place_of_a_chunk_is_judged_as_one_at_a_time() {
        let odd: [&[u8]; 16] = [
            b"\x00",
            b"\x01",
            b"\x1f",
            b"\x7f",
            b"\x0b",
            b"\x0c",
            b"\r",
            b"\r\n",
            b"\t",
            b"\n",
            b" ",
            b"~",
            "\u{85}".as_bytes(),
            "\u{feff}".as_bytes(),
            "\u{ffff}".as_bytes(),
            "\u{e9}".as_bytes(),
        ];
        for at in 0..70 {
            for bad in odd {
                let mut text = vec![b'a'; at];
                text.extend_from_slice(bad);
                text.extend_from_slice(b"bcdefghijklmnopq");
                assert_eq!(
                    characters_ok(&text),
                    reference(&text),
                    "{:?} at {at}",
                    String::from_utf8_lossy(bad)
                );
            }
        }
        // A lone `\r` as the last byte of a chunk, and a C1 control split across two chunks.
        let mut text = vec![b'a'; 31];
        text.push(b'\r');
        assert!(!characters_ok(&text));
        text.push(b'\n');
        assert!(characters_ok(&text));
        let mut text = vec![b'a'; 31];
        text.extend_from_slice("\u{85}".as_bytes());
        assert!(!characters_ok(&text));
    }
}
