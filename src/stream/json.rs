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

// What the reader tells is in `event`; the reader in `reader` (how it reads tokens in
// `reader/tokens`); the byte-level helpers it stands on in `scan`, `append` and `keys`.
mod append;
mod event;
mod keys;
mod reader;
mod scan;
#[cfg(test)]
mod tests;

pub use event::{Event, Key, Seg, Sink, Text};
pub use reader::{Lead, Reader, Status};
