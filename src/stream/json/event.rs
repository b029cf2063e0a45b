//! What the reader tells: each [`Event`] at the path of [`Seg`]ments that leads to it,
//! to a [`Sink`]; object keys as [`Key`]s, string text as [`Text`] pieces.

use std::cell::Cell;

/// One step from a container to the value being read: an object key or an array index.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
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
    pub(super) name: Vec<u8>,
    pub(super) resolved: Cell<u32>,
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

pub(super) const UNRESOLVED: u32 = u32::MAX;

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
pub struct Text<'a>(pub(super) Piece<'a>);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Piece<'a> {
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

/// What the reader saw at a position.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
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

/// Receives what a [`Reader`](super::Reader) sees.
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

/// `Text::push_to` as the obvious code: what it must agree with.
#[cfg(test)]
mod reference {
    use super::Text;

    pub(super) fn push_to(text: &Text<'_>, out: &mut String) {
        out.push_str(text.as_str());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig { cases: 2048, ..ProptestConfig::default() })]

        /// An ASCII piece (the reader makes one only of ASCII bytes) of any length up
        /// to 24, from any offset, onto a string that may hold anything already.
        #[test]
        fn a_piece_is_pushed_as_its_text_is(
            before in ".{0,12}",
            ascii in prop::collection::vec(0u8..0x80, 0..=24),
            at in 0..8usize,
            text in ".{0,12}",
        ) {
            let ascii = &ascii[at.min(ascii.len())..];
            for piece in [Text(Piece::Ascii(ascii)), Text(Piece::Str(&text))] {
                let mut out = before.clone();
                let mut expected = before.clone();
                piece.push_to(&mut out);
                reference::push_to(&piece, &mut expected);
                prop_assert_eq!(out, expected);
            }
        }
    }
}
