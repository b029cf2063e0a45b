//! [`ItemReader`]: a list reply read item by item, each item validated as it closes.

use super::json::{Event, Lead, Reader, Seg, Sink, Status};
use crate::validate::Report;
use crate::{Error, Extract};
use std::collections::VecDeque;
use std::marker::PhantomData;

/// Why an item of a streamed list is missing.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ItemError {
    /// This item does not parse as the item type or breaks its rules. The items after
    /// it still come.
    #[error("item {index} is invalid: {report}")]
    Invalid {
        /// Its position in the list.
        index: usize,
        /// Its JSON as the model wrote it.
        raw: String,
        /// What is wrong with it, at paths inside the item.
        report: Report,
    },
    /// The reply is not a whole JSON list (not JSON, it ended before the list closed,
    /// or another JSON value follows the list). The last item of a stream.
    #[error("the reply is not a whole list: {message}")]
    Malformed {
        /// What is wrong.
        message: String,
        /// The reply as received.
        raw: String,
    },
    /// The request failed (transport, truncation, refusal). The last item of a stream.
    #[error(transparent)]
    Failed(#[from] Error),
}

/// Reads a list reply (`{"items": [..]}`, or a bare `[..]`) and hands out each item as
/// soon as its closing brace (or its last character) arrives, parsed and checked.
///
/// ```
/// use pluck::stream::{ItemError, ItemReader};
///
/// let mut reader = ItemReader::<u8>::new();
/// reader.feed(br#"{"items": [1, 300, 3"#);
/// assert_eq!(reader.next_item().unwrap().unwrap(), 1);
/// assert!(matches!(reader.next_item(), Some(Err(ItemError::Invalid { index: 1, .. }))));
/// assert!(reader.next_item().is_none()); // 3 may go on
/// reader.feed(b"]}");
/// assert_eq!(reader.next_item().unwrap().unwrap(), 3);
/// assert!(reader.finish().is_ok());
/// ```
#[derive(Debug)]
pub struct ItemReader<T> {
    reader: Reader,
    sink: ItemSink<T>,
}

#[derive(Debug)]
struct ItemSink<T> {
    wrapped: Option<bool>,
    /// Whether the list itself opened.
    list: bool,
    /// The length of the document once its root has closed.
    document: Option<usize>,
    ready: VecDeque<Result<T, ItemError>>,
    _item: PhantomData<fn() -> T>,
}

const WRAPPER: &str = "items";

impl<T: Extract> Sink for ItemSink<T> {
    fn event(&mut self, path: &[Seg], event: Event<'_>) {
        if let ([], Event::End { raw }) = (path, &event) {
            self.document = Some(raw.len());
        }
        let wrapped = *self.wrapped.get_or_insert(matches!(event, Event::Object));
        if matches!(event, Event::Array) {
            self.list |= match path {
                [] => !wrapped,
                [Seg::Key(key)] => wrapped && key.is(WRAPPER),
                _ => false,
            };
        }
        let index = match (wrapped, path) {
            (false, [Seg::Index(index)]) => *index,
            (true, [Seg::Key(key), Seg::Index(index)]) if key.is(WRAPPER) => *index,
            _ => return,
        };
        let Some(json) = event.complete() else { return };
        self.ready.push_back(crate::parse::checked::<T>(json).map_err(|report| ItemError::Invalid {
            index,
            raw: String::from_utf8_lossy(json).into_owned(),
            report,
        }));
    }
}

impl<T: Extract> ItemReader<T> {
    /// A reader with nothing read yet.
    pub fn new() -> Self {
        ItemReader {
            reader: Reader::new(Lead::Embedded),
            sink: ItemSink { wrapped: None, list: false, document: None, ready: VecDeque::new(), _item: PhantomData },
        }
    }

    /// Reads one more chunk.
    pub fn feed(&mut self, chunk: &[u8]) {
        self.reader.feed(chunk, &mut self.sink);
    }

    /// The next complete item, if one is ready.
    pub fn next_item(&mut self) -> Option<Result<T, ItemError>> {
        self.sink.ready.pop_front()
    }

    /// Everything read so far.
    pub fn raw(&self) -> &[u8] {
        self.reader.bytes()
    }

    /// Ends the input: fine if the list closed.
    ///
    /// # Errors
    /// [`ItemError::Malformed`] if the reply is not JSON, the list never closed, or
    /// another JSON value follows it.
    pub fn finish(&mut self) -> Result<(), ItemError> {
        let message = match self.reader.finish(&mut self.sink) {
            Status::Complete if self.sink.list && self.is_one_value() => return Ok(()),
            Status::Complete if self.sink.list => "it holds more than one JSON value".to_owned(),
            Status::Complete => "it holds no list".to_owned(),
            Status::Reading if self.reader.bytes().iter().all(u8::is_ascii_whitespace) => {
                "the reply is empty".to_owned()
            }
            Status::Reading => "it ended before the list closed".to_owned(),
            Status::Broken { at } => format!("it is not valid JSON at byte {at}"),
        };
        Err(ItemError::Malformed { message, raw: String::from_utf8_lossy(self.reader.bytes()).into_owned() })
    }

    /// Whether the JSON of the reply, as a reply not streamed is read
    /// ([`json_text`](crate::parse::json_text)), is the list's document alone: a second
    /// value after it would fail that read.
    fn is_one_value(&self) -> bool {
        let raw = String::from_utf8_lossy(self.reader.bytes());
        crate::parse::json_text(&raw).map(str::len) == self.sink.document
    }
}

impl<T: Extract> Default for ItemReader<T> {
    fn default() -> Self {
        Self::new()
    }
}
