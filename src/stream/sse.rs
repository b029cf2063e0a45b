//! Server-sent events: bytes in, in chunks of any size, event data out.
//!
//! Lines end with `\n`, `\r\n` or `\r` and may be split anywhere across chunks. `data:`
//! lines (one optional space after the colon) are joined with `\n`; a blank line ends
//! the event. Comments (`:`) and the other fields (`event:`, `id:`, `retry:`) are
//! skipped: the chat-completions streams say everything in `data`.
//!
//! A line, and an event's data, hold at most `limit` bytes: a longer one is
//! [`Error::EventTooLarge`] before it is read whole.

use crate::Error;

/// Decodes an event stream.
#[derive(Debug)]
pub(crate) struct Decoder {
    /// The most bytes of one line, and of one event's data.
    limit: usize,
    line: Vec<u8>,
    data: Vec<u8>,
    has_data: bool,
    /// The last byte was `\r`: a `\n` right after it ends nothing more.
    after_cr: bool,
}

impl Decoder {
    /// A decoder of events and lines of at most `limit` bytes.
    pub(crate) fn new(limit: usize) -> Self {
        Decoder { limit, line: Vec::new(), data: Vec::new(), has_data: false, after_cr: false }
    }

    /// Reads a chunk and calls `on_event` with the data of each event it completes.
    ///
    /// # Errors
    /// [`Error::EventTooLarge`] when a line or an event's data passes the limit; the
    /// events before it were passed on, the decoder is of no further use.
    pub(crate) fn feed(&mut self, chunk: &[u8], mut on_event: impl FnMut(&[u8])) -> Result<(), Error> {
        let mut rest = chunk;
        while !rest.is_empty() {
            if self.after_cr && rest[0] == b'\n' {
                rest = &rest[1..];
                self.after_cr = false;
                continue;
            }
            self.after_cr = false;
            match rest.iter().position(|&b| b == b'\n' || b == b'\r') {
                Some(end) => {
                    self.take(&rest[..end])?;
                    self.after_cr = rest[end] == b'\r';
                    rest = &rest[end + 1..];
                    self.end_line(&mut on_event)?;
                }
                None => {
                    self.take(rest)?;
                    rest = &[];
                }
            }
        }
        Ok(())
    }

    /// Adds `bytes` to the line, if it stays within the limit.
    fn take(&mut self, bytes: &[u8]) -> Result<(), Error> {
        if bytes.len() > self.limit - self.line.len() {
            return Err(self.too_large());
        }
        self.line.extend_from_slice(bytes);
        Ok(())
    }

    /// The error of a line or an event past the limit; what was read of it is dropped.
    fn too_large(&mut self) -> Error {
        self.line = Vec::new();
        self.data = Vec::new();
        self.has_data = false;
        Error::EventTooLarge { limit: self.limit }
    }

    /// Ends the stream: an event without its blank line still counts.
    ///
    /// # Errors
    /// [`Error::EventTooLarge`] when the last line makes the event's data too long.
    pub(crate) fn finish(&mut self, mut on_event: impl FnMut(&[u8])) -> Result<(), Error> {
        if !self.line.is_empty() {
            self.end_line(&mut on_event)?;
        }
        self.end_line(&mut on_event)
    }

    fn end_line(&mut self, on_event: &mut impl FnMut(&[u8])) -> Result<(), Error> {
        if self.line.is_empty() {
            if self.has_data {
                on_event(&self.data);
            }
            self.data.clear();
            self.has_data = false;
            return Ok(());
        }
        if let Some(value) = self.line.strip_prefix(b"data") {
            let value = match value {
                [] => Some(&[][..]),
                [b':', b' ', rest @ ..] | [b':', rest @ ..] => Some(rest),
                _ => None,
            };
            if let Some(value) = value {
                let separator = usize::from(self.has_data);
                if value.len() + separator > self.limit - self.data.len() {
                    return Err(self.too_large());
                }
                if self.has_data {
                    self.data.push(b'\n');
                }
                self.data.extend_from_slice(value);
                self.has_data = true;
            }
        }
        self.line.clear();
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::Decoder;

    use crate::Error;

    fn decode(chunks: &[&[u8]]) -> Vec<String> {
        decode_within(usize::MAX, chunks).unwrap()
    }

    // The error with the events read before it: large, and only in tests.
    #[allow(clippy::result_large_err)]
    fn decode_within(limit: usize, chunks: &[&[u8]]) -> Result<Vec<String>, (Error, Vec<String>)> {
        let mut decoder = Decoder::new(limit);
        let mut out = Vec::new();
        for chunk in chunks {
            if let Err(err) = decoder.feed(chunk, |data| out.push(String::from_utf8(data.to_vec()).unwrap())) {
                return Err((err, out));
            }
        }
        match decoder.finish(|data| out.push(String::from_utf8(data.to_vec()).unwrap())) {
            Ok(()) => Ok(out),
            Err(err) => Err((err, out)),
        }
    }

    #[test]
    fn events_survive_any_split() {
        let stream = b": keep-alive\r\ndata: {\"a\":1}\r\n\r\nevent: x\ndata:two\ndata: lines\n\ndata: [DONE]\n\n";
        let whole = decode(&[stream]);
        assert_eq!(whole, ["{\"a\":1}", "two\nlines", "[DONE]"]);
        for split in 0..stream.len() {
            assert_eq!(decode(&[&stream[..split], &stream[split..]]), whole, "split at {split}");
        }
        let bytes: Vec<&[u8]> = stream.chunks(1).collect();
        assert_eq!(decode(&bytes), whole);
    }

    #[test]
    fn a_last_event_without_its_blank_line_counts() {
        assert_eq!(decode(&[b"data: x\n\ndata: y"]), ["x", "y"]);
        assert_eq!(decode(&[b"data:\n\n"]), [""]);
    }

    #[test]
    fn lines_and_events_past_the_limit_are_errors() {
        // Exactly the limit passes: a 10-byte line, a 10-byte event.
        assert_eq!(decode_within(10, &[b"data:12345\n\n"]).unwrap(), ["12345"]);
        assert_eq!(decode_within(10, &[b"data:1234\ndata:12345\n\n"]).unwrap(), ["1234\n12345"]);
        // One byte more, in a line that never ends, whatever the chunks.
        let endless = [&b"data:123"[..], b"456", b"7"];
        let Err((err, events)) = decode_within(10, &endless) else { panic!("an 11-byte line passed") };
        assert!(matches!(err, Error::EventTooLarge { limit: 10 }), "{err:?}");
        assert!(events.is_empty());
        let Err((_, events)) = decode_within(10, &[b": a comment that goes on\n"]) else {
            panic!("a long comment passed")
        };
        assert!(events.is_empty());
        // Short lines making one long event; the event before it is passed on.
        let Err((err, events)) = decode_within(10, &[b"data:a\n\ndata:1234\ndata:1234\ndata:1\n"]) else {
            panic!("an 11-byte event passed")
        };
        assert!(matches!(err, Error::EventTooLarge { limit: 10 }), "{err:?}");
        assert_eq!(events, ["a"]);
        // A last event without its blank line, past the limit.
        assert!(decode_within(10, &[b"data:1234\ndata:123456"]).is_err());
    }
}
