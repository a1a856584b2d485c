//! The byte check the fast path makes once over the whole text before reading it.

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

#[cfg(test)]
mod tests {
    use super::characters_ok;

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
