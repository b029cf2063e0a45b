//! The byte-level tests of the reader: where a plain run of string text ends, whether
//! a chunk is plain text, a key's bit, the JSON number grammar. Several bytes are tested
//! at once, as one word, where that is cheaper than a byte at a time; each such test has
//! a plain version, a byte at a time, in `reference`, and property tests check that the
//! two agree.

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

/// The word-at-a-time functions above written a byte at a time, the obvious way: what
/// they must agree with.
#[cfg(test)]
mod reference {
    /// Whether `byte` ends a plain run of string text: `"`, `\\` or a control byte.
    pub(super) fn ends_run(byte: u8) -> bool {
        byte == b'"' || byte == b'\\' || byte < 0x20
    }

    pub(super) fn plain_run(bytes: &[u8]) -> usize {
        bytes.iter().position(|&byte| ends_run(byte)).unwrap_or(bytes.len())
    }

    pub(super) fn is_ascii(bytes: &[u8]) -> bool {
        bytes.iter().all(|&byte| byte < 0x80)
    }

    pub(super) fn is_plain_ascii(bytes: &[u8]) -> bool {
        bytes.iter().all(|&byte| (0x20..0x80).contains(&byte) && byte != b'"' && byte != b'\\')
    }

    /// `key_bit`, its words put together byte by byte: the first and last eight bytes
    /// of a key of eight or more, the first and last four of a key of four to seven,
    /// else the bytes in order as one number.
    pub(super) fn key_bit(name: &[u8]) -> u64 {
        let little_endian = |bytes: &[u8]| bytes.iter().rev().fold(0u64, |word, &byte| word << 8 | u64::from(byte));
        let len = name.len();
        let (head, tail) = match len {
            8.. => (little_endian(&name[..8]), little_endian(&name[len - 8..])),
            4..=7 => (little_endian(&name[..4]), little_endian(&name[len - 4..])),
            _ => (name.iter().fold(0u64, |word, &byte| word << 8 | u64::from(byte)), 0),
        };
        let hash = (head ^ tail.rotate_left(29) ^ len as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15);
        1 << (hash >> 58)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn words_of_plain_text_are_told_as_bytes_are_and_runs_end_where_they_do() {
        let byte_wise = reference::is_plain_ascii;
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
                        for bytes in [&word[..], &long[..], &long[1..], &long[3..]] {
                            assert_eq!(plain_run(bytes), reference::plain_run(bytes), "{bytes:?}");
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

    /// A byte for the word tests: mostly plain text, often one of the bytes at the
    /// edges of what the words test (the quote, the backslash, control and high bytes).
    fn byte() -> impl Strategy<Value = u8> {
        prop_oneof![
            4 => 0x20u8..0x7f,
            2 => prop::sample::select(vec![0x00, 0x1f, 0x20, b'"', b'\\', 0x7f, 0x80, 0xc3, 0xff]),
            1 => any::<u8>(),
        ]
    }

    /// Bytes of any length up to 40, and an offset into them: the slice from there on
    /// starts at any alignment.
    fn bytes() -> impl Strategy<Value = (Vec<u8>, usize)> {
        (prop::collection::vec(byte(), 0..=40), 0..8usize)
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 2048, ..ProptestConfig::default() })]

        #[test]
        fn plain_runs_end_where_a_byte_at_a_time_ends_them((bytes, at) in bytes()) {
            let bytes = &bytes[at.min(bytes.len())..];
            prop_assert_eq!(plain_run(bytes), reference::plain_run(bytes));
        }

        #[test]
        fn the_lowest_lane_a_word_marks_is_the_first_byte_to_end_a_run(word in prop::array::uniform4(byte())) {
            let marked = run_enders(u32::from_le_bytes(word));
            let first = word.iter().position(|&byte| reference::ends_run(byte));
            prop_assert_eq!((marked != 0).then(|| (marked.trailing_zeros() / 8) as usize), first);
        }

        #[test]
        fn ascii_is_told_as_a_byte_at_a_time_tells_it((bytes, at) in bytes()) {
            let bytes = &bytes[at.min(bytes.len())..];
            prop_assert_eq!(is_ascii(bytes), reference::is_ascii(bytes));
        }

        #[test]
        fn plain_text_is_told_as_a_byte_at_a_time_tells_it((bytes, at) in bytes()) {
            let bytes = &bytes[at.min(bytes.len())..];
            prop_assert_eq!(is_plain_ascii(bytes), reference::is_plain_ascii(bytes));
        }

        #[test]
        fn a_word_of_plain_text_is_told_as_its_bytes_are(word in prop::array::uniform8(byte())) {
            prop_assert_eq!(plain_word(u64::from_le_bytes(word)), reference::is_plain_ascii(&word));
        }

        #[test]
        fn key_bits_are_the_bits_of_the_words_put_together_byte_by_byte((bytes, at) in bytes()) {
            let name = &bytes[at.min(bytes.len())..];
            let bit = key_bit(name);
            prop_assert_eq!(bit, reference::key_bit(name));
            prop_assert_eq!(bit.count_ones(), 1);
        }
    }
}
