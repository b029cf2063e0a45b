//! The byte-level tests of the reader: where a plain run of string text ends, whether
//! a chunk is plain text, a key's bit, the JSON number grammar. Words of four bytes are
//! tested at once where that is cheaper than a byte at a time.

/// One of 64 bits for a key, from its length and its first and last (up to) eight
/// bytes, mixed by a multiplication: cheap, and as good as random for the keys of one
/// object. (Three bytes and the length, tried before, gave `name` and `is_required`
/// one bit.)
#[inline]
pub(super) fn key_bit(name: &[u8]) -> u64 {
    let (head, tail) = if let (Some(head), Some(tail)) = (name.first_chunk(), name.last_chunk()) {
        (u64::from_le_bytes(*head), u64::from_le_bytes(*tail))
    } else if let (Some(head), Some(tail)) = (name.first_chunk(), name.last_chunk()) {
        (u64::from(u32::from_le_bytes(*head)), u64::from(u32::from_le_bytes(*tail)))
    } else {
        (name.iter().fold(0, |word, &byte| word << 8 | u64::from(byte)), 0)
    };
    let hash = (head ^ tail.rotate_left(29) ^ name.len() as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15);
    1 << (hash >> 58)
}

/// How many bytes of a string's text come before its closing quote, an escape or a
/// byte that may not appear in a string (all of them when none does).
#[inline]
pub(super) fn plain_run(bytes: &[u8]) -> usize {
    // Four bytes at a time, then the rest one by one.
    let mut words = bytes.chunks_exact(4);
    let mut at = 0;
    for word in words.by_ref() {
        let found = run_enders(u32::from_le_bytes([word[0], word[1], word[2], word[3]]));
        if found != 0 {
            return at + (found.trailing_zeros() / 8) as usize;
        }
        at += 4;
    }
    at + words.remainder().iter().position(|&b| b == b'"' || b == b'\\' || b < 0x20).unwrap_or(bytes.len() - at)
}

/// The bytes of `word` that end a plain run (`"`, `\\`, a control byte), each marked
/// by the high bit of its lane. Only the lowest marked lane is sure to be one (a
/// borrow may mark lanes above it), which is all `plain_run` needs.
#[inline]
fn run_enders(word: u32) -> u32 {
    const ONES: u32 = 0x0101_0101;
    const HIGH: u32 = 0x8080_8080;
    let below = |word: u32, n: u32| word.wrapping_sub(ONES * n) & !word & HIGH;
    below(word, 0x20) | below(word ^ (ONES * u32::from(b'"')), 1) | below(word ^ (ONES * u32::from(b'\\')), 1)
}

/// Whether every byte is ASCII. Four to sixteen bytes (most keys) are tested as two
/// words that may overlap, cheaper than `<[u8]>::is_ascii` for so few.
#[inline]
pub(super) fn is_ascii(bytes: &[u8]) -> bool {
    if let (8..=16, Some(head), Some(tail)) = (bytes.len(), bytes.first_chunk(), bytes.last_chunk()) {
        return (u64::from_le_bytes(*head) | u64::from_le_bytes(*tail)) & 0x8080_8080_8080_8080 == 0;
    }
    if let (4..=7, Some(head), Some(tail)) = (bytes.len(), bytes.first_chunk(), bytes.last_chunk()) {
        return (u32::from_le_bytes(*head) | u32::from_le_bytes(*tail)) & 0x8080_8080 == 0;
    }
    bytes.is_ascii()
}

/// Whether every byte is printable ASCII and neither `"` nor `\\`: plain string text.
#[inline]
pub(super) fn is_plain_ascii(bytes: &[u8]) -> bool {
    // Four to eight bytes (a typical chunk) as one word of two halves that may overlap.
    if let (4..=8, Some(head), Some(tail)) = (bytes.len(), bytes.first_chunk(), bytes.last_chunk()) {
        return plain_word(u64::from(u32::from_le_bytes(*head)) | u64::from(u32::from_le_bytes(*tail)) << 32);
    }
    bytes.iter().fold(true, |plain, &b| plain & (b.wrapping_sub(0x20) < 0x60) & (b != b'"') & (b != b'\\'))
}

/// Whether the eight bytes of `word` are all plain string text (see `is_plain_ascii`),
/// tested together. A byte above 0x7f sets the high bit of its lane in `word`; once
/// none does, a byte below 0x20, or equal to `"` or `\\` (zero after the `xor`), borrows
/// in its subtraction and sets the high bit of its lane there.
#[inline]
fn plain_word(word: u64) -> bool {
    const ONES: u64 = 0x0101_0101_0101_0101;
    let quote = word ^ (ONES * u64::from(b'"'));
    let backslash = word ^ (ONES * u64::from(b'\\'));
    (word | word.wrapping_sub(ONES * 0x20) | quote.wrapping_sub(ONES) | backslash.wrapping_sub(ONES)) & (ONES * 0x80)
        == 0
}

#[inline]
pub(super) fn is_space(byte: u8) -> bool {
    matches!(byte, b' ' | b'\n' | b'\r' | b'\t')
}

/// Whether `raw` is a number as JSON writes them: `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`.
pub(super) fn is_json_number(raw: &[u8]) -> bool {
    let mut i = 0;
    let digits = |i: &mut usize| {
        let start = *i;
        while raw.get(*i).is_some_and(u8::is_ascii_digit) {
            *i += 1;
        }
        *i > start
    };
    if raw.first() == Some(&b'-') {
        i += 1;
    }
    match raw.get(i) {
        Some(b'0') => i += 1,
        Some(b'1'..=b'9') => {
            digits(&mut i);
        }
        _ => return false,
    }
    if raw.get(i) == Some(&b'.') {
        i += 1;
        if !digits(&mut i) {
            return false;
        }
    }
    if matches!(raw.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(raw.get(i), Some(b'+' | b'-')) {
            i += 1;
        }
        if !digits(&mut i) {
            return false;
        }
    }
    i == raw.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_of_plain_text_are_told_as_bytes_are_and_runs_end_where_they_do() {
        let byte_wise = |bytes: &[u8]| bytes.iter().all(|&b| (0x20..0x80).contains(&b) && b != b'"' && b != b'\\');
        let others = [0x00, 0x1f, 0x20, b'"', b'\\', b'a', 0x7f, 0x80, 0xc3, 0xff];
        for byte in 0..=255u8 {
            for a in others {
                for b in others {
                    for lane in 0..4 {
                        let mut word = [a, b, b'x', a];
                        word[lane] = byte;
                        let twice = u64::from(u32::from_le_bytes(word)) * 0x1_0000_0001;
                        assert_eq!(plain_word(twice), byte_wise(&word), "{word:?}");
                        let long = [word[0], word[1], word[2], word[3], b, a];
                        assert_eq!(is_plain_ascii(&long), byte_wise(&long), "{long:?}");
                        let ends = |b: &u8| *b == b'"' || *b == b'\\' || *b < 0x20;
                        for bytes in [&word[..], &long[..], &long[1..], &long[3..]] {
                            let expected = bytes.iter().position(ends).unwrap_or(bytes.len());
                            assert_eq!(plain_run(bytes), expected, "{bytes:?}");
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn ascii_is_told_at_every_length_and_position() {
        for len in 0..=20 {
            let mut bytes = vec![b'k'; len];
            assert!(is_ascii(&bytes), "{len}");
            for at in 0..len {
                for high in [0x80, 0xc3, 0xff] {
                    bytes[at] = high;
                    assert!(!is_ascii(&bytes), "{len} {at} {high}");
                    bytes[at] = 0x7f;
                    assert!(is_ascii(&bytes), "{len} {at}");
                }
            }
        }
    }

    #[test]
    fn keys_get_one_bit_and_keys_alike_get_different_ones() {
        for len in 0..=20 {
            assert_eq!(key_bit(&vec![b'k'; len]).count_ones(), 1, "{len}");
        }
        // Pairs that once shared a bit: alike in length and in their ends and middle.
        for (a, b) in [("name", "is_required"), ("min_amount", "max_amount"), ("k1", "k2"), ("ab", "ba")] {
            assert_ne!(key_bit(a.as_bytes()), key_bit(b.as_bytes()), "{a} {b}");
        }
    }

    #[test]
    fn numbers_follow_the_grammar() {
        for ok in ["0", "-0", "12", "1.5", "-1.5e10", "2E-3", "0.0e+1"] {
            assert!(is_json_number(ok.as_bytes()), "{ok}");
        }
        for bad in ["", "-", "01", "1.", ".5", "+1", "1e", "1e+", "1.2.3", "--1"] {
            assert!(!is_json_number(bad.as_bytes()), "{bad}");
        }
    }
}
