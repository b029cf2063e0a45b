//! How the reader appends bytes to its buffers: a few bytes as one word or as an array
//! of a fixed size rather than through a copy of a length known only at run time.

/// Appends `bytes` to `buf`, a slice of one of the lengths listed as a fixed-size
/// array: `extend_from_slice` of a length not known until run time calls `memcpy`,
/// which costs more than a few bytes.
macro_rules! append_as_array {
    ($buf:expr, $bytes:expr, $($n:literal)*) => {
        match $bytes.len() {
            $($n => {
                if let Some(array) = $bytes.first_chunk::<$n>() {
                    $buf.extend_from_slice(array);
                }
            })*
            _ => $buf.extend_from_slice($bytes),
        }
    };
}

/// Appends `chunk` to `buf`. A chunk of four to eight bytes (a token or two, the usual
/// size of a streamed delta) is put together in one word from its first and last four
/// bytes (the same bytes where they overlap), appended whole, and the bytes past the
/// chunk cut again: cheaper than a jump on the length to a copy of that size. Always
/// inlined: left to itself the compiler kept it out of line, and the call was a large
/// part of what an append costs.
#[inline(always)]
pub(super) fn append(buf: &mut Vec<u8>, chunk: &[u8]) {
    if let (4..=8, Some(head), Some(tail)) = (chunk.len(), chunk.first_chunk::<4>(), chunk.last_chunk::<4>()) {
        let len = buf.len() + chunk.len();
        let tail = u64::from(u32::from_le_bytes(*tail)) << (8 * (chunk.len() - 4));
        buf.extend_from_slice(&(u64::from(u32::from_le_bytes(*head)) | tail).to_le_bytes());
        buf.truncate(len);
    } else {
        append_as_array!(buf, chunk, 1 2 3);
    }
}

pub(super) use append_as_array;

/// The appends above as the obvious code: what they must agree with.
#[cfg(test)]
mod reference {
    /// `append` and `append_as_array!`, whatever the length.
    pub(super) fn append(buf: &mut Vec<u8>, chunk: &[u8]) {
        buf.extend_from_slice(chunk);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn chunks_of_every_length_are_appended_as_they_are() {
        let bytes: Vec<u8> = (1..=20).collect();
        for len in 0..=bytes.len() {
            let mut buf = b"prefix".to_vec();
            append(&mut buf, &bytes[..len]);
            assert_eq!(buf[..6], *b"prefix", "{len}");
            assert_eq!(buf[6..], bytes[..len], "{len}");
        }
    }

    /// What a buffer holds before an append (its length sets where the chunk lands),
    /// the room it has past that (none, so that the append grows it, or some), and a
    /// chunk of any length up to 40 starting at any offset of its bytes.
    fn append_case() -> impl Strategy<Value = (Vec<u8>, usize, Vec<u8>, usize)> {
        let bytes = || prop::collection::vec(any::<u8>(), 0..=40);
        (bytes(), prop_oneof![Just(0usize), 0..64usize], bytes(), 0..8usize)
    }

    /// A buffer holding `before`, with room for `room` bytes more.
    fn buffer(before: &[u8], room: usize) -> Vec<u8> {
        let mut buf = Vec::with_capacity(before.len() + room);
        buf.extend_from_slice(before);
        buf
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 2048, ..ProptestConfig::default() })]

        #[test]
        fn a_chunk_is_appended_as_a_plain_copy_appends_it((before, room, bytes, at) in append_case()) {
            let chunk = &bytes[at.min(bytes.len())..];
            let mut buf = buffer(&before, room);
            let mut expected = before.clone();
            append(&mut buf, chunk);
            reference::append(&mut expected, chunk);
            prop_assert_eq!(buf, expected);
        }

        /// With the lengths the reader copies keys at (see `Reader::end_key`) and those
        /// `append` copies short chunks at.
        #[test]
        fn an_array_copy_appends_what_a_plain_copy_appends((before, room, bytes, at) in append_case()) {
            let chunk = &bytes[at.min(bytes.len())..];
            let mut expected = before.clone();
            reference::append(&mut expected, chunk);
            let mut key = buffer(&before, room);
            append_as_array!(key, chunk, 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16);
            prop_assert_eq!(&key, &expected);
            let mut short = buffer(&before, room);
            append_as_array!(short, chunk, 1 2 3);
            prop_assert_eq!(&short, &expected);
        }
    }
}
