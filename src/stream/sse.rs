//! Server-sent events: bytes in, in chunks of any size, event data out.
//!
//! Lines end with `\n`, `\r\n` or `\r` and may be split anywhere across chunks. `data:`
//! lines (one optional space after the colon) are joined with `\n`; a blank line ends
//! the event. Comments (`:`) and the other fields (`event:`, `id:`, `retry:`) are
//! skipped: the chat-completions streams say everything in `data`.

/// Decodes an event stream.
#[derive(Debug, Default)]
pub(crate) struct Decoder {
    line: Vec<u8>,
    data: Vec<u8>,
    has_data: bool,
    /// The last byte was `\r`: a `\n` right after it ends nothing more.
    after_cr: bool,
}

impl Decoder {
    /// Reads a chunk and calls `on_event` with the data of each event it completes.
    pub(crate) fn feed(&mut self, chunk: &[u8], mut on_event: impl FnMut(&[u8])) {
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
                    self.line.extend_from_slice(&rest[..end]);
                    self.after_cr = rest[end] == b'\r';
                    rest = &rest[end + 1..];
                    self.end_line(&mut on_event);
                }
                None => {
                    self.line.extend_from_slice(rest);
                    rest = &[];
                }
            }
        }
    }

    /// Ends the stream: an event without its blank line still counts.
    pub(crate) fn finish(&mut self, mut on_event: impl FnMut(&[u8])) {
        if !self.line.is_empty() {
            self.end_line(&mut on_event);
        }
        self.end_line(&mut on_event);
    }

    fn end_line(&mut self, on_event: &mut impl FnMut(&[u8])) {
        if self.line.is_empty() {
            if self.has_data {
                on_event(&self.data);
            }
            self.data.clear();
            self.has_data = false;
            return;
        }
        if let Some(value) = self.line.strip_prefix(b"data") {
            let value = match value {
                [] => Some(&[][..]),
                [b':', b' ', rest @ ..] | [b':', rest @ ..] => Some(rest),
                _ => None,
            };
            if let Some(value) = value {
                if self.has_data {
                    self.data.push(b'\n');
                }
                self.data.extend_from_slice(value);
                self.has_data = true;
            }
        }
        self.line.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::Decoder;

    fn decode(chunks: &[&[u8]]) -> Vec<String> {
        let mut decoder = Decoder::default();
        let mut out = Vec::new();
        for chunk in chunks {
            decoder.feed(chunk, |data| out.push(String::from_utf8(data.to_vec()).unwrap()));
        }
        decoder.finish(|data| out.push(String::from_utf8(data.to_vec()).unwrap()));
        out
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
}
