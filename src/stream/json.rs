//! An incremental JSON reader: bytes in, in chunks of any size, events out.
//!
//! The reader keeps every byte it was given (the raw reply is needed at the end) and a
//! cursor into it; each byte is examined once by the scanner. Plain string text is told
//! straight out of that buffer (a chunk that only continues a string is told without
//! walking the states); keys and literals that arrive whole are read in one step. Nothing
//! is re-parsed. A chunk may end anywhere: inside a string, an escape, a `\u` sequence,
//! a number, a literal or a multi-byte UTF-8 character. The state carries over.
//!
//! The reader tells a [`Sink`] what it sees, each [`Event`] with the [`Seg`]ments that
//! lead from the root to the value concerned. A scalar is told once it is complete;
//! a string is told as it grows ([`Event::Text`]) and once more when it closes.

mod keys;
mod scan;

use keys::Keys;
use scan::{is_ascii, is_json_number, is_plain_ascii, is_space, plain_run};
use std::cell::Cell;

/// One step from a container to the value being read: an object key or an array index.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Seg {
    /// The value of this key, in the object one level up.
    Key(Key),
    /// The value at this index, in the array one level up.
    Index(usize),
}

/// An object key as the reader decoded it, with room for the receiver to remember
/// what the key resolved to (a field number), so that a key is matched once, not once
/// per event.
#[derive(Clone, Default)]
pub struct Key {
    /// Valid UTF-8: the reader checks it.
    name: Vec<u8>,
    resolved: Cell<u32>,
}

impl std::fmt::Debug for Key {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Key").field("name", &self.as_str()).field("resolved", &self.resolved).finish()
    }
}

/// Keys are equal when their names are: what a receiver remembered of one is not
/// part of it.
impl PartialEq for Key {
    fn eq(&self, other: &Self) -> bool {
        self.name == other.name
    }
}

impl Eq for Key {}

const UNRESOLVED: u32 = u32::MAX;

impl Key {
    /// The key, decoded.
    pub fn as_str(&self) -> &str {
        std::str::from_utf8(&self.name).unwrap_or_default()
    }

    /// The key, decoded, as UTF-8 bytes (what fields are matched against).
    pub fn as_bytes(&self) -> &[u8] {
        &self.name
    }

    /// Whether the key is `name` (a wrapper's property), remembered as a field is.
    #[inline]
    pub(crate) fn is(&self, name: &str) -> bool {
        self.field(|key| (key == name.as_bytes()).then_some(0)).is_some()
    }

    /// Runs `f` with the key's memory cleared, then restores it: for a receiver that
    /// hands a key its own fields did not match to another that has fields of its own
    /// (a flattened struct), which must match it afresh, and whose answer must not be
    /// taken for the first receiver's.
    pub(crate) fn afresh<R>(&self, f: impl FnOnce() -> R) -> R {
        let remembered = self.resolved.replace(UNRESOLVED);
        let out = f();
        self.resolved.set(remembered);
        out
    }

    /// The field this key names, from `resolve` (given the key's bytes) on first use
    /// and from memory after.
    #[inline]
    pub fn field(&self, resolve: impl FnOnce(&[u8]) -> Option<u32>) -> Option<u32> {
        match self.resolved.get() {
            UNRESOLVED => {
                let found = resolve(&self.name);
                self.resolved.set(found.unwrap_or(UNRESOLVED - 1));
                found
            }
            n if n == UNRESOLVED - 1 => None,
            n => Some(n),
        }
    }
}

/// A piece of a string value, decoded: valid UTF-8, kept as bytes so that a plain
/// ASCII piece (the common case) goes into a `String` without being checked twice.
/// A piece never splits a character, even when a chunk does.
///
/// ```
/// use pluck::stream::json::{Event, Lead, Reader, Seg, Sink};
///
/// struct Pieces(Vec<String>);
/// impl Sink for Pieces {
///     fn event(&mut self, _: &[Seg], event: Event<'_>) {
///         if let Event::Text(text) = event {
///             self.0.push(text.as_str().to_owned());
///         }
///     }
/// }
///
/// let mut reader = Reader::new(Lead::Strict);
/// let mut pieces = Pieces(Vec::new());
/// reader.feed(b"\"caf\xc3", &mut pieces); // the chunk ends inside the `é`
/// reader.feed(b"\xa9 au lait\"", &mut pieces);
/// assert_eq!(pieces.0, ["caf", "é au lait"]);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Text<'a>(Piece<'a>);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Piece<'a> {
    Ascii(&'a [u8]),
    Str(&'a str),
}

impl<'a> Text<'a> {
    /// The piece as a `str`.
    pub fn as_str(&self) -> &'a str {
        match self.0 {
            Piece::Str(text) => text,
            Piece::Ascii(bytes) => std::str::from_utf8(bytes).unwrap_or_default(),
        }
    }

    /// Appends the piece to `out`.
    #[inline]
    pub fn push_to(&self, out: &mut String) {
        match self.0 {
            Piece::Ascii(bytes) if bytes.len() <= 8 => {
                out.reserve(bytes.len());
                for &byte in bytes {
                    // ASCII: the mask changes nothing, and tells the compiler that
                    // each character is one byte.
                    out.push(char::from(byte & 0x7f));
                }
            }
            Piece::Ascii(bytes) => out.push_str(std::str::from_utf8(bytes).unwrap_or_default()),
            Piece::Str(text) => out.push_str(text),
        }
    }
}

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
/// inlined: the compiler kept it out of line, and the call cost about a third of its
/// instructions.
#[inline(always)]
fn append(buf: &mut Vec<u8>, chunk: &[u8]) {
    if let (4..=8, Some(head), Some(tail)) = (chunk.len(), chunk.first_chunk::<4>(), chunk.last_chunk::<4>()) {
        let len = buf.len() + chunk.len();
        let tail = u64::from(u32::from_le_bytes(*tail)) << (8 * (chunk.len() - 4));
        buf.extend_from_slice(&(u64::from(u32::from_le_bytes(*head)) | tail).to_le_bytes());
        buf.truncate(len);
    } else {
        append_as_array!(buf, chunk, 1 2 3);
    }
}

/// What the reader saw at a position.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Event<'a> {
    /// An object starts here.
    Object,
    /// An array starts here.
    Array,
    /// A string value starts here.
    TextStart,
    /// More of a string value, decoded; never empty.
    Text(Text<'a>),
    /// A string value is complete; `raw` is its JSON text, quotes included.
    TextEnd {
        /// The string as written, quotes and escapes included.
        raw: &'a [u8],
    },
    /// A number, complete.
    Number {
        /// The number as written.
        raw: &'a str,
    },
    /// `true` or `false`.
    Bool(bool),
    /// `null`.
    Null,
    /// The object or array that started here closed.
    End {
        /// The whole container as written.
        raw: &'a [u8],
    },
}

impl Event<'_> {
    /// The JSON text of the value, when this event completes one.
    pub fn complete(&self) -> Option<&[u8]> {
        match self {
            Event::TextEnd { raw } | Event::End { raw } => Some(raw),
            Event::Number { raw } => Some(raw.as_bytes()),
            Event::Bool(true) => Some(b"true"),
            Event::Bool(false) => Some(b"false"),
            Event::Null => Some(b"null"),
            Event::Object | Event::Array | Event::TextStart | Event::Text(_) => None,
        }
    }

    /// Whether this event starts a value (every value gets exactly one such event).
    pub fn starts(&self) -> bool {
        matches!(
            self,
            Event::Object | Event::Array | Event::TextStart | Event::Number { .. } | Event::Bool(_) | Event::Null
        )
    }
}

/// Receives what a [`Reader`] sees.
pub trait Sink {
    /// One event, at the value that `path` leads to from the root.
    fn event(&mut self, path: &[Seg], event: Event<'_>);

    /// More text of the string value at `path`: an [`Event::Text`], the most frequent
    /// event, on a way of its own so that a receiver can take it in without matching
    /// the others. The default tells it as that event.
    #[inline]
    fn text(&mut self, path: &[Seg], text: Text<'_>) {
        self.event(path, Event::Text(text));
    }

    /// The key that `path` ends with was already written in the same object (JSON
    /// allows it; serde's derived types reject it). Told before the value's events.
    fn repeated_key(&mut self, path: &[Seg]) {
        let _ = path;
    }
}

/// What may come before the document.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lead {
    /// Whitespace only; any JSON value may be the root; only whitespace may follow it.
    Strict,
    /// Anything up to the first `{` or `[` (prose, a Markdown fence), which opens the
    /// root; anything after the root closes is ignored. The way replies are read
    /// ([`PartialReader`](super::PartialReader) starts again after a root that is not the
    /// value, as the final parse looks past it).
    Embedded,
}

/// Where the reader is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// The document is still open.
    Reading,
    /// The root value is complete.
    Complete,
    /// The bytes are not JSON; nothing more is read.
    Broken {
        /// Offset of the offending byte.
        at: usize,
    },
}

/// What the reader expects next. The state's data (which kind of string an escape
/// is in, the digits of a `\u` escape, the letters of a literal) sits beside it in
/// the reader, so that the state is one byte and cheap to test.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// Before the root value.
    Lead,
    /// A value is expected.
    Value,
    /// Just after `[`: a value or `]`.
    FirstItem,
    /// Just after `{`: a key or `}`.
    FirstKey,
    /// After `,` in an object: a key.
    Key,
    /// After a key: `:`.
    Colon,
    /// After a value in a container: `,` or the closing bracket.
    AfterValue,
    /// In a string value.
    Text,
    /// In an object key.
    KeyText,
    /// After a backslash in a string (`Reader::in_key` says which kind).
    Escape,
    /// In `\uXXXX` (see `Reader::unicode`).
    Unicode,
    /// After a leading surrogate: `\` then `u` must follow (see `Reader::unicode`).
    Surrogate,
    /// In a number.
    Number,
    /// In `true`, `false` or `null` (see `Reader::literal`).
    Literal,
    /// The root value is complete.
    Done,
    /// Not JSON.
    Broken,
}

/// Where a `\u` escape is: `digits` read so far and `code` their value; `high` a
/// leading surrogate waiting for its partner, of which `seen` bytes of `\u` came.
#[derive(Debug, Clone, Copy, Default)]
struct Unicode {
    digits: u8,
    code: u16,
    high: Option<u16>,
    seen: u8,
}

#[derive(Debug, Clone, Copy)]
struct Frame {
    object: bool,
    start: usize,
}

/// The incremental reader.
///
/// ```
/// use pluck::stream::json::{Event, Lead, Reader, Seg, Sink, Status};
///
/// #[derive(Default)]
/// struct Titles(String);
/// impl Sink for Titles {
///     fn event(&mut self, path: &[Seg], event: Event<'_>) {
///         if let ([Seg::Key(key)], Event::Text(text)) = (path, event) {
///             if key.as_str() == "title" {
///                 text.push_to(&mut self.0);
///             }
///         }
///     }
/// }
///
/// let mut reader = Reader::new(Lead::Strict);
/// let mut titles = Titles::default();
/// reader.feed(br#"{"title": "Senior Rust Eng"#, &mut titles);
/// assert_eq!(titles.0, "Senior Rust Eng");
/// reader.feed(b"ineer\"}", &mut titles);
/// assert_eq!(titles.0, "Senior Rust Engineer");
/// assert_eq!(reader.finish(&mut titles), Status::Complete);
/// ```
#[derive(Debug)]
pub struct Reader {
    buf: Vec<u8>,
    pos: usize,
    state: State,
    lead: Lead,
    /// In `Escape`, `Unicode` and `Surrogate`: whether the string is a key.
    in_key: bool,
    unicode: Unicode,
    /// In `Literal`: the word, and how many of its letters matched.
    literal: (&'static [u8], u8),
    frames: Vec<Frame>,
    path: Vec<Seg>,
    /// A key cut by a chunk: where it starts in `buf` while it has no escape, else
    /// `None` and its bytes so far, decoded, in `text`.
    key_start: Option<usize>,
    text: Vec<u8>,
    /// The keys of the open objects.
    keys: Keys,
    /// In a string value: where its bytes not yet told start (escapes are told as
    /// they are decoded, plain runs straight out of `buf`).
    run_start: usize,
    /// Where the current scalar started.
    value_start: usize,
    broken_at: Option<usize>,
    /// Where the root value starts.
    root: usize,
}

impl Reader {
    /// A reader with nothing read yet.
    pub fn new(lead: Lead) -> Self {
        Reader {
            buf: Vec::with_capacity(4096),
            pos: 0,
            state: State::Lead,
            lead,
            in_key: false,
            unicode: Unicode::default(),
            literal: (b"", 0),
            frames: Vec::new(),
            path: Vec::new(),
            key_start: None,
            text: Vec::new(),
            keys: Keys::default(),
            run_start: 0,
            value_start: 0,
            broken_at: None,
            root: 0,
        }
    }

    /// Everything read so far.
    pub fn bytes(&self) -> &[u8] {
        &self.buf
    }

    /// Whether the root value closed or the bytes broke: nothing more is read.
    #[inline]
    pub(crate) fn stopped(&self) -> bool {
        matches!(self.state, State::Done | State::Broken)
    }

    /// Where the root value starts in [`bytes`](Self::bytes) (0 before it does).
    pub(crate) fn root_start(&self) -> usize {
        self.root
    }

    /// Reads the bytes from `at` on again, as if they were the first: for a reply whose
    /// root value turned out not to be the one wanted (with [`Lead::Embedded`], the next
    /// `{` or `[` from `at` opens the root). What was read from there on is told again.
    pub(crate) fn restart<S: Sink + ?Sized>(&mut self, at: usize, sink: &mut S) {
        self.pos = at.min(self.buf.len());
        self.state = State::Lead;
        self.in_key = false;
        self.frames.clear();
        self.key_start = None;
        self.text.clear();
        self.keys = Keys::default();
        self.run_start = self.pos;
        self.value_start = self.pos;
        self.broken_at = None;
        self.root = self.pos;
        self.read(sink);
    }

    /// Where the reader is.
    pub fn status(&self) -> Status {
        match (self.state, self.broken_at) {
            (_, Some(at)) => Status::Broken { at },
            (State::Done, None) => Status::Complete,
            _ => Status::Reading,
        }
    }

    /// Reads one more chunk, telling `sink` what it completes.
    pub fn feed<S: Sink + ?Sized>(&mut self, chunk: &[u8], sink: &mut S) {
        // The common cases, read without walking the states: more plain text of a string
        // value whose text so far is all told, or of a key read straight out of `buf`
        // (told when it closes).
        let in_string = match self.state {
            State::Text => self.run_start == self.buf.len(),
            State::KeyText => self.key_start.is_some(),
            _ => false,
        };
        append(&mut self.buf, chunk);
        if in_string && !chunk.is_empty() && is_plain_ascii(chunk) {
            self.pos = self.buf.len();
            if self.state == State::Text {
                let depth = self.depth();
                sink.text(&self.path[..depth], Text(Piece::Ascii(&self.buf[self.run_start..])));
                self.run_start = self.pos;
            }
        } else {
            self.read(sink);
        }
    }

    /// Reads the bytes not read yet, then tells the text of an open string value.
    /// Inlined into `feed`: a call for each chunk that is not plain string text cost
    /// more than what inlining adds to the chunks that are.
    #[inline(always)]
    fn read<S: Sink + ?Sized>(&mut self, sink: &mut S) {
        self.run(sink);
        if self.state == State::Text {
            self.flush_run(sink, false);
        }
    }

    /// Ends the input: a number at the root completes here. Returns the status, which
    /// is [`Status::Complete`] for a whole document.
    pub fn finish<S: Sink + ?Sized>(&mut self, sink: &mut S) -> Status {
        if self.state == State::Number && self.frames.is_empty() {
            self.end_number(sink);
        }
        self.status()
    }

    fn fail(&mut self) {
        self.state = State::Broken;
        self.broken_at = Some(self.pos);
    }

    fn depth(&self) -> usize {
        self.frames.len()
    }

    /// Points the innermost frame's step at its next child.
    fn set_seg_index(&mut self, index: usize) {
        let depth = self.depth();
        self.path[depth - 1] = Seg::Index(index);
    }

    fn push_frame<S: Sink + ?Sized>(&mut self, object: bool, sink: &mut S) {
        let depth = self.depth();
        sink.event(&self.path[..depth], if object { Event::Object } else { Event::Array });
        self.frames.push(Frame { object, start: self.pos });
        if object {
            self.keys.open();
        }
        let seg_slot = if object { None } else { Some(Seg::Index(0)) };
        if self.path.len() <= depth {
            self.path.push(seg_slot.unwrap_or_else(|| Seg::Key(Key::default())));
        } else if let Some(seg) = seg_slot {
            self.path[depth] = seg;
        } else if !matches!(self.path[depth], Seg::Key(_)) {
            self.path[depth] = Seg::Key(Key::default());
        }
        self.state = if object { State::FirstKey } else { State::FirstItem };
    }

    fn pop_frame<S: Sink + ?Sized>(&mut self, object: bool, sink: &mut S) {
        match self.frames.last() {
            Some(frame) if frame.object == object => {}
            _ => return self.fail(),
        }
        let frame = self.frames.pop().expect("checked above");
        if object {
            self.keys.close();
        }
        let depth = self.depth();
        sink.event(&self.path[..depth], Event::End { raw: &self.buf[frame.start..=self.pos] });
        self.after_value();
    }

    fn after_value(&mut self) {
        self.state = if self.frames.is_empty() { State::Done } else { State::AfterValue };
    }

    /// Tells the plain bytes of the string value read since the last time, up to the
    /// last whole character (all of them when `closing`).
    /// Inlined, to the first test: a call for nothing to tell cost more than the test.
    #[inline(always)]
    fn flush_run<S: Sink + ?Sized>(&mut self, sink: &mut S, closing: bool) {
        if self.run_start < self.pos {
            self.flush_bytes(sink, closing);
        }
    }

    /// `flush_run` when there are bytes.
    fn flush_bytes<S: Sink + ?Sized>(&mut self, sink: &mut S, closing: bool) {
        let run = &self.buf[self.run_start..self.pos];
        let (piece, len) = if run.is_ascii() {
            (Piece::Ascii(run), run.len())
        } else {
            let text = match std::str::from_utf8(run) {
                Ok(text) => text,
                Err(err) if err.error_len().is_none() && !closing => {
                    std::str::from_utf8(&run[..err.valid_up_to()]).unwrap_or_default()
                }
                Err(_) => return self.fail(),
            };
            if text.is_empty() {
                return;
            }
            (Piece::Str(text), text.len())
        };
        self.run_start += len;
        let depth = self.depth();
        sink.text(&self.path[..depth], Text(piece));
    }

    /// An escape decoded: kept for a key, told for a value.
    fn decoded<S: Sink + ?Sized>(&mut self, text: &str, sink: &mut S) {
        if self.in_key {
            self.text.extend_from_slice(text.as_bytes());
            self.state = State::KeyText;
        } else {
            let depth = self.depth();
            sink.text(&self.path[..depth], Text(Piece::Str(text)));
            self.run_start = self.pos + 1;
            self.state = State::Text;
        }
    }

    /// At the closing quote of a string value.
    fn end_text<S: Sink + ?Sized>(&mut self, sink: &mut S) {
        self.flush_run(sink, true);
        if self.state == State::Broken {
            return;
        }
        let depth = self.depth();
        sink.event(&self.path[..depth], Event::TextEnd { raw: &self.buf[self.value_start..=self.pos] });
        self.after_value();
    }

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

    fn end_number<S: Sink + ?Sized>(&mut self, sink: &mut S) {
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
    /// the whitespace before it; whole keys and literals are read in one step.
    fn run<S: Sink + ?Sized>(&mut self, sink: &mut S) {
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

    #[derive(Default)]
    struct Keys(Vec<String>);

    impl Sink for Keys {
        fn event(&mut self, path: &[Seg], event: Event<'_>) {
            if let ([Seg::Key(key)], Event::Number { .. }) = (path, event) {
                self.0.push(key.as_str().to_owned());
            }
        }
    }

    #[test]
    fn keys_are_utf8_whole_or_cut() {
        let doc = "{\"caf\u{e9}\": 1, \"plain\": 2, \"\u{1f600}\": 3}".as_bytes();
        for split in 0..=doc.len() {
            let mut reader = Reader::new(Lead::Strict);
            let mut keys = Keys::default();
            reader.feed(&doc[..split], &mut keys);
            reader.feed(&doc[split..], &mut keys);
            assert_eq!(reader.finish(&mut keys), Status::Complete, "split at {split}");
            assert_eq!(keys.0, ["caf\u{e9}", "plain", "\u{1f600}"], "split at {split}");
        }
        for bad in [&b"{\"a\xff\": 1}"[..], b"{\"\xc3\": 1}", b"{\"\xed\xa0\x80\": 1}"] {
            let mut reader = Reader::new(Lead::Strict);
            reader.feed(bad, &mut Keys::default());
            assert!(matches!(reader.status(), Status::Broken { .. }), "{bad:?}");
        }
    }

    #[derive(Default)]
    struct Repeats(Vec<String>);

    impl Sink for Repeats {
        fn event(&mut self, _: &[Seg], _: Event<'_>) {}
        fn repeated_key(&mut self, path: &[Seg]) {
            let steps: Vec<String> = path
                .iter()
                .map(|seg| match seg {
                    Seg::Key(key) => key.as_str().to_owned(),
                    Seg::Index(index) => index.to_string(),
                })
                .collect();
            self.0.push(steps.join("."));
        }
    }

    #[test]
    fn repeated_keys_are_told_in_small_and_large_objects() {
        let object = |keys: &[String]| {
            let members: Vec<String> = keys.iter().map(|key| format!("\"{key}\": 1")).collect();
            format!("{{{}}}", members.join(", "))
        };
        let distinct: Vec<String> = (0..100).map(|i| format!("k{i}")).collect();
        let mut repeated = distinct.clone();
        repeated.insert(5, "k3".to_owned()); // while the object has few keys
        repeated.push("k40".to_owned()); // once it has many
        repeated.push(r"k\u0034".to_owned()); // `k4`, escaped
        let inner = object(&repeated);
        let doc = format!(r#"{{"a": {inner}, "b": [{}, {inner}], "a": 2}}"#, object(&distinct));
        for chunk in [1, 3, doc.len()] {
            let mut reader = Reader::new(Lead::Strict);
            let mut repeats = Repeats::default();
            for piece in doc.as_bytes().chunks(chunk) {
                reader.feed(piece, &mut repeats);
            }
            assert_eq!(reader.finish(&mut repeats), Status::Complete);
            assert_eq!(repeats.0, ["a.k3", "a.k40", "a.k4", "b.1.k3", "b.1.k40", "b.1.k4", "a"], "chunks of {chunk}");
        }
    }
}
