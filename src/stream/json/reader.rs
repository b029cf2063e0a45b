//! The [`Reader`]: its state, what it is given and what it says of itself, its
//! frames (the open containers) and the text of string values. How it reads tokens is
//! in `tokens`.

mod tokens;

use super::append::append;
use super::event::{Event, Key, Piece, Seg, Sink, Text};
use super::keys::Keys;
use super::scan::is_plain_ascii;

/// What may come before the document.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Lead {
    /// Whitespace only; any JSON value may be the root; only whitespace may follow it.
    Strict,
    /// Anything up to the first `{` or `[` (prose, a Markdown fence), which opens the
    /// root; anything after the root closes is ignored. The way replies are read
    /// ([`PartialReader`](crate::stream::PartialReader) starts again after a root that is not the
    /// value, as the final parse looks past it).
    Embedded,
}

/// Where the reader is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
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
    #[inline]
    fn end_text<S: Sink + ?Sized>(&mut self, sink: &mut S) {
        self.flush_run(sink, true);
        if self.state == State::Broken {
            return;
        }
        let depth = self.depth();
        sink.event(&self.path[..depth], Event::TextEnd { raw: &self.buf[self.value_start..=self.pos] });
        self.after_value();
    }
}
