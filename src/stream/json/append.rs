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

#[cfg(test)]
mod tests {
    use super::*;

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
}
