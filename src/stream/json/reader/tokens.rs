//! How the [`Reader`] reads tokens: keys, the start of each value, literals, numbers,
//! escapes, and the loop over the states that drives them.

use super::{Lead, Reader, State, Unicode};
use crate::stream::json::append::append_as_array;
use crate::stream::json::event::{Event, Key, Seg, Sink, UNRESOLVED};
use crate::stream::json::scan::{is_ascii, is_json_number, is_space, plain_run};
use std::cell::Cell;

impl Reader {
    /// A key is read: `buf[range]` when it was read whole, else `text`. Names the
    /// innermost step after it and tells `sink` if the object has it already.
    fn end_key<S: Sink + ?Sized>(&mut self, range: Option<(usize, usize)>, sink: &mut S) {
        let Reader { buf, text, path, frames, keys, .. } = self;
        let name = match range {
            Some((start, end)) => &buf[start..end],
            None => &text[..],
        };
        // Keys are ASCII as a rule; the full check only for the others.
        if !is_ascii(name) && std::str::from_utf8(name).is_err() {
            return self.fail();
        }
        let depth = frames.len();
        match &mut path[depth - 1] {
            Seg::Key(key) => {
                key.name.clear();
                // Keys are short as a rule.
                append_as_array!(key.name, name, 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16);
                key.resolved.set(UNRESOLVED);
            }
            other => *other = Seg::Key(Key { name: name.to_vec(), resolved: Cell::new(UNRESOLVED) }),
        }
        let repeated = keys.insert(buf, range, name);
        if repeated {
            sink.repeated_key(&path[..depth]);
        }
        self.state = State::Colon;
    }

    /// At the `"` that opens a key: reads the whole key when it is there without
    /// escapes, else starts reading it byte by byte.
    fn start_key<S: Sink + ?Sized>(&mut self, sink: &mut S) {
        let start = self.pos + 1;
        let rest = &self.buf[start..];
        let len = plain_run(rest);
        match rest.get(len) {
            Some(b'"') => {
                self.pos = start + len;
                self.end_key(Some((start, start + len)), sink);
            }
            _ => {
                self.key_start = Some(start);
                self.state = State::KeyText;
            }
        }
    }

    #[inline]
    pub(super) fn end_number<S: Sink + ?Sized>(&mut self, sink: &mut S) {
        let raw = &self.buf[self.value_start..self.pos];
        if !is_json_number(raw) {
            return self.fail();
        }
        let raw = std::str::from_utf8(raw).expect("a JSON number is ASCII");
        let depth = self.depth();
        sink.event(&self.path[..depth], Event::Number { raw });
        self.after_value();
    }

    /// Starts the value whose first byte is at `pos`.
    fn start_value<S: Sink + ?Sized>(&mut self, byte: u8, sink: &mut S) {
        self.value_start = self.pos;
        match byte {
            b'"' => {
                self.run_start = self.pos + 1;
                let depth = self.depth();
                sink.event(&self.path[..depth], Event::TextStart);
                self.state = State::Text;
            }
            b'{' => self.push_frame(true, sink),
            b'[' => self.push_frame(false, sink),
            b'-' | b'0'..=b'9' => self.state = State::Number,
            b't' => self.start_literal(b"true", sink),
            b'f' => self.start_literal(b"false", sink),
            b'n' => self.start_literal(b"null", sink),
            _ => self.fail(),
        }
    }

    /// At the first letter of `true`, `false` or `null`: the whole word when it is
    /// there, else its letters one by one.
    fn start_literal<S: Sink + ?Sized>(&mut self, word: &'static [u8], sink: &mut S) {
        match self.buf.get(self.pos..self.pos + word.len()) {
            Some(found) if found == word => {
                self.pos += word.len() - 1;
                self.end_literal(word, sink);
            }
            _ => {
                self.literal = (word, 1);
                self.state = State::Literal;
            }
        }
    }

    #[inline]
    fn end_literal<S: Sink + ?Sized>(&mut self, word: &[u8], sink: &mut S) {
        let depth = self.depth();
        let event = match word {
            b"true" => Event::Bool(true),
            b"false" => Event::Bool(false),
            _ => Event::Null,
        };
        sink.event(&self.path[..depth], event);
        self.after_value();
    }

    /// In `Key` or `FirstKey`: reads the key, the colon and the first byte of the value
    /// as far as the bytes go, leaving `pos` on the first byte not read (the common
    /// sequence, in one step rather than one state at a time).
    fn member<S: Sink + ?Sized>(&mut self, sink: &mut S) {
        let Some(byte) = self.skip_space() else { return };
        match byte {
            b'"' => self.start_key(sink),
            b'}' if self.state == State::FirstKey => self.pop_frame(true, sink),
            _ => return self.fail(),
        }
        if self.state == State::Broken {
            return;
        }
        // Past the closing quote (or, for a key read byte by byte, the opening one).
        self.pos += 1;
        if self.state == State::Colon {
            self.colon(sink);
        }
    }

    /// In `Colon`: reads the `:` and the first byte of the value as far as the bytes
    /// go, leaving `pos` on the first byte not read.
    fn colon<S: Sink + ?Sized>(&mut self, sink: &mut S) {
        let Some(byte) = self.skip_space() else { return };
        if byte != b':' {
            return self.fail();
        }
        self.pos += 1;
        self.state = State::Value;
        self.value(sink);
    }

    /// In `Value`: reads the first byte of the value if it is there, leaving `pos` on
    /// the first byte not read.
    fn value<S: Sink + ?Sized>(&mut self, sink: &mut S) {
        let Some(byte) = self.skip_space() else { return };
        self.start_value(byte, sink);
        if self.state != State::Broken {
            self.pos += 1;
        }
    }

    /// In `AfterValue`: reads the `,` and what follows it (the next key, or the start
    /// of the next item), or the closing bracket, as far as the bytes go, leaving `pos`
    /// on the first byte not read.
    #[inline]
    fn after_value_step<S: Sink + ?Sized>(&mut self, sink: &mut S) {
        let Some(byte) = self.skip_space() else { return };
        let object = self.frames.last().is_some_and(|f| f.object);
        match byte {
            b',' if object => {
                self.pos += 1;
                self.state = State::Key;
                self.member(sink);
            }
            b',' => {
                let next = match self.path[self.depth() - 1] {
                    Seg::Index(i) => i + 1,
                    Seg::Key(_) => 0,
                };
                self.set_seg_index(next);
                self.pos += 1;
                self.state = State::Value;
                self.value(sink);
            }
            b'}' | b']' => {
                self.pop_frame(byte == b'}', sink);
                if self.state != State::Broken {
                    self.pos += 1;
                }
            }
            _ => self.fail(),
        }
    }

    /// The next byte that is not whitespace, `pos` moved onto it.
    #[inline]
    fn skip_space(&mut self) -> Option<u8> {
        while let Some(&byte) = self.buf.get(self.pos) {
            if !is_space(byte) {
                return Some(byte);
            }
            self.pos += 1;
        }
        None
    }

    /// Reads what is there. Each state reads its token as far as the bytes go, skipping
    /// the whitespace before it; whole keys and literals are read in one step. Inlined
    /// into `read`, its one caller.
    #[inline(always)]
    pub(super) fn run<S: Sink + ?Sized>(&mut self, sink: &mut S) {
        while let Some(&byte) = self.buf.get(self.pos) {
            match self.state {
                State::Text => {
                    // A run of plain bytes, then what ends it.
                    let rest = &self.buf[self.pos..];
                    let run = plain_run(rest);
                    self.pos += run;
                    match self.buf.get(self.pos) {
                        None => return,
                        Some(b'"') => {
                            // What follows a value is read at once, not after another
                            // turn through the states.
                            self.end_text(sink);
                            if self.state == State::AfterValue {
                                self.pos += 1;
                                self.after_value_step(sink);
                                continue;
                            }
                        }
                        Some(b'\\') => {
                            self.flush_run(sink, true);
                            if self.state != State::Broken {
                                self.in_key = false;
                                self.state = State::Escape;
                            }
                        }
                        Some(_) => self.fail(),
                    }
                }
                State::AfterValue => {
                    self.after_value_step(sink);
                    continue;
                }
                State::FirstKey | State::Key => {
                    self.member(sink);
                    continue;
                }
                State::Colon => {
                    self.colon(sink);
                    continue;
                }
                State::Value => {
                    self.value(sink);
                    continue;
                }
                State::FirstItem => {
                    let Some(byte) = self.skip_space() else { return };
                    match byte {
                        b']' => self.pop_frame(false, sink),
                        _ => self.start_value(byte, sink),
                    }
                }
                State::KeyText => {
                    let rest = &self.buf[self.pos..];
                    let run = plain_run(rest);
                    if self.key_start.is_none() {
                        self.text.extend_from_slice(&rest[..run]);
                    }
                    self.pos += run;
                    match (self.buf.get(self.pos), self.key_start) {
                        (None, _) => return,
                        (Some(b'"'), Some(start)) => self.end_key(Some((start, self.pos)), sink),
                        (Some(b'"'), None) => self.end_key(None, sink),
                        (Some(b'\\'), start) => {
                            // From here on the key is decoded into `text`.
                            if let Some(start) = start {
                                self.text.clear();
                                self.text.extend_from_slice(&self.buf[start..self.pos]);
                                self.key_start = None;
                            }
                            self.in_key = true;
                            self.state = State::Escape;
                        }
                        (Some(_), _) => self.fail(),
                    }
                }
                State::Number => {
                    let rest = &self.buf[self.pos..];
                    let run = rest
                        .iter()
                        .position(|b| !matches!(b, b'0'..=b'9' | b'-' | b'+' | b'.' | b'e' | b'E'))
                        .unwrap_or(rest.len());
                    self.pos += run;
                    if self.pos == self.buf.len() {
                        return;
                    }
                    self.end_number(sink);
                    if self.state == State::AfterValue {
                        self.after_value_step(sink);
                    }
                    continue; // the byte after the number is read in the new state
                }
                State::Escape => {
                    let decoded = match byte {
                        b'"' => b'"',
                        b'\\' => b'\\',
                        b'/' => b'/',
                        b'b' => 0x08,
                        b'f' => 0x0c,
                        b'n' => b'\n',
                        b'r' => b'\r',
                        b't' => b'\t',
                        b'u' => {
                            self.unicode = Unicode::default();
                            self.state = State::Unicode;
                            self.pos += 1;
                            continue;
                        }
                        _ => return self.fail(),
                    };
                    // `char::encode_utf8`, not `str::from_utf8`: a call to check one byte
                    // cost more than the escape.
                    let mut utf8 = [0u8; 4];
                    self.decoded(char::from(decoded).encode_utf8(&mut utf8), sink);
                }
                State::Unicode => {
                    let Some(digit) = (byte as char).to_digit(16) else { return self.fail() };
                    let Unicode { digits, code, high, .. } = self.unicode;
                    let code = code << 4 | digit as u16;
                    if digits < 3 {
                        self.unicode = Unicode { digits: digits + 1, code, high, seen: 0 };
                    } else {
                        let ch = match (high, code) {
                            (None, 0xD800..=0xDBFF) => {
                                self.unicode = Unicode { digits: 0, code: 0, high: Some(code), seen: 0 };
                                self.state = State::Surrogate;
                                self.pos += 1;
                                continue;
                            }
                            (None, 0xDC00..=0xDFFF) => None,
                            (None, code) => char::from_u32(code.into()),
                            (Some(high), 0xDC00..=0xDFFF) => char::from_u32(
                                0x10000 + ((u32::from(high) - 0xD800) << 10) + (u32::from(code) - 0xDC00),
                            ),
                            (Some(_), _) => None,
                        };
                        let Some(ch) = ch else { return self.fail() };
                        let mut utf8 = [0u8; 4];
                        self.decoded(ch.encode_utf8(&mut utf8), sink);
                    }
                }
                State::Surrogate => {
                    let seen = self.unicode.seen;
                    let expected = if seen == 0 { b'\\' } else { b'u' };
                    if byte != expected {
                        return self.fail();
                    }
                    if seen == 0 {
                        self.unicode.seen = 1;
                    } else {
                        self.unicode.seen = 0;
                        self.state = State::Unicode;
                    }
                }
                State::Literal => {
                    let (word, at) = self.literal;
                    if byte != word[at as usize] {
                        return self.fail();
                    }
                    if at as usize + 1 == word.len() {
                        self.end_literal(word, sink);
                    } else {
                        self.literal = (word, at + 1);
                    }
                }
                State::Lead => match (self.lead, byte) {
                    (_, byte) if is_space(byte) => {}
                    (Lead::Strict, _) | (Lead::Embedded, b'{' | b'[') => {
                        self.root = self.pos;
                        self.start_value(byte, sink);
                    }
                    (Lead::Embedded, _) => {}
                },
                State::Done => {
                    if is_space(byte) {
                        self.pos += 1;
                        continue;
                    }
                    if self.lead == Lead::Strict {
                        self.fail();
                    } else {
                        self.pos = self.buf.len();
                    }
                    return;
                }
                State::Broken => return,
            }
            if self.state == State::Broken {
                return;
            }
            self.pos += 1;
        }
    }
}
