//! [`PartialReader`]: a reply read chunk by chunk into a value's partial form.

use super::form::{fill, Checks, Cx, Fill, Streamable};
use super::json::{Event, Key, Lead, Reader, Seg, Sink, Status, Text};
use crate::parse::{Parsed, Rejected};
use crate::schema::{self, Target};
use crate::validate::Report;
use crate::Extract;
use std::sync::Arc;

/// Reads a reply chunk by chunk and keeps its partial form up to date, in time linear
/// in the bytes read: each byte is examined a bounded number of times and nothing is
/// parsed twice. A nested value with rules of its own is checked as it closes
/// ([`violations`](Self::violations)), from its partial form (its JSON is read again
/// only when the form cannot vouch for the value, see [`Streamable::from_partial`]).
///
/// As the replies of every mode are read: text before the JSON (prose, a Markdown
/// fence) is skipped, and so is anything after the value closes. A `{` or `[` in the
/// prose that opens no JSON, or JSON whose form takes nothing of it (`I found [3]
/// skills`), is passed over and the reply read again from the next `{` or `[` after it
/// (after its start when it is not JSON, its end when it is); a fenced block that
/// opens after a value outside any fence replaces it, as the final parse prefers a
/// fenced block. Partials shown from a candidate passed over are the one exception to
/// the rule that a later partial never contradicts an earlier one: the next partials
/// show the new candidate, from nothing. A non-object type travels wrapped as
/// `{"items": [..]}` or `{"value": ..}`, as in its schema; a
/// reply without the wrapper is read as the final parse reads it: a root object whose
/// first key is not the wrapper's is the value (until a later key is the wrapper's:
/// then that key's value is, from nothing).
///
/// ```
/// use pluck::stream::PartialReader;
///
/// let mut reader = PartialReader::<Vec<f64>>::new();
/// reader.feed(br#"{"items": [473.0"#);
/// assert_eq!(reader.partial(), Some(&vec![])); // 473.0 may still go on
/// reader.feed(b"0, 12");
/// assert_eq!(reader.partial(), Some(&vec![473.0]));
/// reader.feed(b"]}");
/// assert_eq!(reader.finish().unwrap(), vec![473.0, 12.0]);
/// ```
#[derive(Debug)]
pub struct PartialReader<T: Streamable> {
    reader: Reader,
    root: Root<T::Partial>,
    /// Once the root is complete and outside any fence: how far the text after it was
    /// searched for a fence's opening (see `PartialReader::next_candidate`);
    /// `usize::MAX` when the root is in a fence.
    searched: Option<usize>,
}

#[derive(Debug)]
struct Root<P> {
    value: Option<Held<P>>,
    checks: Checks,
    wrapper: Option<&'static str>,
    /// Whether the reply is wrapped, known from its first key.
    wrap: Wrap,
    changed: bool,
    /// Whether there was a form before the chunk being read.
    shown: bool,
    /// The length of the document once its root has closed.
    document: Option<usize>,
}

/// The partial form, as the reader holds it.
#[derive(Debug)]
enum Held<P> {
    /// Its own: changed in place.
    Own(P),
    /// Shared with the handles [`PartialReader::shared`] gave out; taken back at the
    /// next change, copied with the function beside it if a handle still holds it.
    Shared(Arc<P>, fn(&P) -> P),
}

impl<P> Held<P> {
    fn get(&self) -> &P {
        match self {
            Held::Own(form) => form,
            Held::Shared(form, _) => form,
        }
    }

    /// The form itself, copied if a handle still holds it (the handle keeps what it
    /// showed).
    fn into_form(self) -> P {
        match self {
            Held::Own(form) => form,
            Held::Shared(shared, copy) => Arc::try_unwrap(shared).unwrap_or_else(|shared| copy(&shared)),
        }
    }
}

/// The form, to change in place: taken back from the handles first (see `take_back`).
#[inline]
fn own<P>(slot: &mut Option<Held<P>>) -> Option<&mut P> {
    if let Some(Held::Shared(..)) = slot {
        take_back(slot);
    }
    match slot {
        Some(Held::Own(form)) => Some(form),
        _ => None,
    }
}

/// Takes a shared form back (see `Held::into_form`).
#[cold]
#[inline(never)]
fn take_back<P>(slot: &mut Option<Held<P>>) {
    *slot = slot.take().map(|held| Held::Own(held.into_form()));
}

/// Where the value of a type that travels wrapped (`{"value": ..}`) is in the reply.
/// As the final parse reads it ([`parse`](crate::parse)): in the wrapper's property
/// when the root object has one, else the root itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Wrap {
    /// Nothing read yet.
    Unknown,
    /// A root object opened, its first key not read yet: the object is not shown until
    /// that key says whether it is the wrapper.
    Pending,
    /// The root is the value: the type is not wrapped, or the reply is not an object.
    Bare,
    /// The root object is the value, its first key not the wrapper's; a later key that
    /// is makes its value the value instead.
    Unwrapped,
    /// The value is the wrapper's property.
    Wrapped,
}

impl<P: Fill> Root<P> {
    /// The path from the value's position, or `None` for an event outside the value
    /// (another key of the wrapper object, the root object until its first key). The
    /// settled cases are answered here; the rest, which may change `wrap`, by
    /// `relative_unsettled`.
    #[inline(always)]
    fn relative<'p>(&mut self, path: &'p [Seg], event: &Event<'_>) -> Option<&'p [Seg]> {
        match (self.wrap, path) {
            (Wrap::Bare, path) => Some(path),
            (Wrap::Wrapped, [Seg::Key(key), rest @ ..]) => key.is(self.wrapper.unwrap_or_default()).then_some(rest),
            (Wrap::Wrapped, _) => None,
            (Wrap::Unwrapped, path) if path.len() != 1 || !event.starts() => Some(path),
            _ => self.relative_unsettled(path, event),
        }
    }

    /// `relative` for the root object before its first key, and for a key of an
    /// unwrapped root object that starts a value (it may be the wrapper's).
    #[cold]
    #[inline(never)]
    fn relative_unsettled<'p>(&mut self, path: &'p [Seg], event: &Event<'_>) -> Option<&'p [Seg]> {
        match (self.wrap, path) {
            (Wrap::Unwrapped, [Seg::Key(key)]) if event.starts() && self.names_wrapper(key) => {
                // The final parse reads the wrapper's property: so does the form, anew.
                self.wrap = Wrap::Wrapped;
                self.changed |= self.value.take().is_some() || !self.checks.report().is_empty();
                self.checks = Checks::new();
                Some(&[])
            }
            (Wrap::Unknown, _) => {
                self.wrap = match (self.wrapper, event) {
                    (Some(_), Event::Object) => Wrap::Pending,
                    _ => Wrap::Bare,
                };
                (self.wrap == Wrap::Bare).then_some(path)
            }
            (Wrap::Pending, [Seg::Key(key), rest @ ..]) if self.names_wrapper(key) => {
                self.wrap = Wrap::Wrapped;
                Some(rest)
            }
            (Wrap::Pending, path) => {
                // The root object held back until its first key: it is the value.
                self.wrap = Wrap::Unwrapped;
                self.fill(&[], &[], Event::Object);
                Some(path)
            }
            (Wrap::Bare | Wrap::Unwrapped, path) => Some(path),
            (Wrap::Wrapped, [Seg::Key(key), rest @ ..]) => key.is(self.wrapper.unwrap_or_default()).then_some(rest),
            (Wrap::Wrapped, _) => None,
        }
    }

    /// Whether `key`, a key of the root object, is the wrapper's. Not remembered on the
    /// key (as [`Key::is`] does): when the root object is the value, the key is its own,
    /// and its form remembers what the key names.
    fn names_wrapper(&self, key: &Key) -> bool {
        self.wrapper.is_some_and(|wrapper| key.as_bytes() == wrapper.as_bytes())
    }

    /// Sends an event at `relative` (from the value's position) to the form, starting
    /// it if there is none yet.
    #[inline]
    fn fill(&mut self, path: &[Seg], relative: &[Seg], event: Event<'_>) {
        let mut cx = root_cx(&mut self.checks, self.wrap, path);
        match own(&mut self.value) {
            Some(form) => form.update(relative, event, &mut cx),
            None => {
                let mut form = None;
                fill(&mut form, relative, event, &mut cx);
                self.value = form.map(Held::Own);
            }
        }
        self.changed |= cx.changed();
    }
}

/// The context of an event at `path`: the root (and its wrapper) are checked at the end.
fn root_cx<'a>(checks: &'a mut Checks, wrap: Wrap, path: &'a [Seg]) -> Cx<'a> {
    Cx::new(path, checks).skip_root(1 + usize::from(wrap == Wrap::Wrapped))
}

impl<P: Fill> Sink for Root<P> {
    #[inline]
    fn event(&mut self, path: &[Seg], event: Event<'_>) {
        if let ([], Event::End { raw }) = (path, event) {
            self.document = Some(raw.len());
        }
        let Some(relative) = self.relative(path, &event) else { return };
        self.fill(path, relative, event);
    }

    #[inline]
    fn text(&mut self, path: &[Seg], text: Text<'_>) {
        if self.value.is_none() {
            // Nothing to add the text to: whatever the value makes of it.
            return self.event(path, Event::Text(text));
        }
        let Some(relative) = self.relative(path, &Event::Text(text)) else { return };
        let mut cx = root_cx(&mut self.checks, self.wrap, path);
        if let Some(form) = own(&mut self.value) {
            form.text(relative, text, &mut cx);
        }
        self.changed |= cx.changed();
    }

    fn repeated_key(&mut self, path: &[Seg]) {
        Cx::new(path, &mut self.checks).lost();
    }
}

impl<T: Streamable + Extract> PartialReader<T> {
    /// A reader for a `T`, wrapped as its schema says.
    pub fn new() -> Self {
        let wrapper = schema::prepare::<T>(Target::Plain).ok().and_then(|p| p.wrapper());
        Self::with_wrapper(wrapper)
    }

    /// Reads the rest of the reply: the value, validated, or every reason it is not
    /// one (as the re-ask loop reports them).
    ///
    /// When the partial form took every value of a reply that is the JSON document and
    /// nothing else, the value is taken out of the form (see
    /// [`Streamable::from_finished`](super::Streamable::from_finished)) rather than read
    /// from the JSON again; otherwise (prose around the JSON, a value of the wrong type,
    /// a key written twice) the whole reply is read as a non-streamed one is. Either way
    /// the value is the one serde reads from the reply.
    ///
    /// # Errors
    /// The report of the parse error or of the broken rules.
    pub fn finish(self) -> Result<T, Report> {
        self.finish_judged(false).map(|parsed| parsed.value).map_err(|rejected| rejected.report)
    }

    /// [`finish`](Self::finish), reading a reply that does not parse leniently when
    /// `lenient` is set (see [`crate::repair`]).
    pub(crate) fn finish_judged(mut self, lenient: bool) -> Result<Parsed<T>, Rejected> {
        self.reader.finish(&mut self.root);
        if let Some(value) = self.finished() {
            let value = crate::parse::checked_value(value, self.root.wrapper)?;
            return Ok(Parsed { value, repairs: Vec::new() });
        }
        let raw = String::from_utf8_lossy(self.reader.bytes());
        crate::parse::judged::<T>(&raw, self.root.wrapper, lenient)
    }

    /// The value, taken out of the form when the form can vouch that it is what serde
    /// reads from the reply: the reply is the document and nothing else (as
    /// [`json_text`](crate::parse::json_text) finds it), and the forms took every value
    /// in it (no value of the wrong type, no key written twice).
    fn finished(&mut self) -> Option<T> {
        let trimmed = self.reader.bytes().trim_ascii();
        let whole = matches!(trimmed.first(), Some(b'{' | b'[')) && self.root.document == Some(trimmed.len());
        if !whole || self.reader.status() != Status::Complete || self.root.checks.lost_any() {
            return None;
        }
        T::from_finished(self.root.value.take()?.into_form())
    }
}

impl<T: Streamable + Extract> Default for PartialReader<T> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T: Streamable> PartialReader<T> {
    pub(crate) fn with_wrapper(wrapper: Option<&'static str>) -> Self {
        PartialReader {
            reader: Reader::new(Lead::Embedded),
            root: Root {
                value: None,
                checks: Checks::new(),
                wrapper,
                wrap: Wrap::Unknown,
                changed: false,
                shown: false,
                document: None,
            },
            searched: None,
        }
    }

    /// Reads one more chunk; returns whether the partial form or the rules broken so
    /// far ([`violations`](Self::violations)) changed. A chunk that only closes a
    /// string or an object already shown, or holds the first letters of an enum value
    /// (shown once complete), changes neither. A chunk that passes over a candidate
    /// shown before it (see above) counts as a change, even when the next candidate's
    /// form happens to look the same so far.
    pub fn feed(&mut self, chunk: &[u8]) -> bool {
        self.root.changed = false;
        self.root.shown = self.root.value.is_some();
        self.reader.feed(chunk, &mut self.root);
        if self.reader.stopped() {
            self.next_candidate();
        }
        self.root.changed
    }

    /// After the root stopped (broke, or closed): reads the next candidate for the
    /// value, where the final parse would look for it. A root that is not JSON is
    /// passed over: the reply is read again from the byte after its start; so is a
    /// complete root whose form took nothing of it (`[3]` before an object), from the
    /// byte after its end. A complete root outside any
    /// Markdown fence gives way to a fenced block that opens after it (a fenced block
    /// wins). Each new candidate starts after the last, so this ends.
    #[cold]
    #[inline(never)]
    fn next_candidate(&mut self) {
        // Whether the partial or the rules broken differed from nothing before the chunk:
        // once the reader starts again, the chunk changed them if they did, or if the
        // new candidate shows something.
        let shown = self.root.shown || !self.root.checks.report().is_empty();
        loop {
            let root = self.reader.root_start();
            let at = match self.reader.status() {
                Status::Reading => return,
                Status::Broken { .. } => root + 1,
                Status::Complete if self.root.value.is_none() => root + self.root.document.unwrap_or(1),
                Status::Complete => match self.fence_after(root) {
                    Some(at) => at,
                    None => return,
                },
            };
            let root = &mut self.root;
            root.changed = shown;
            root.value = None;
            root.checks = Checks::new();
            root.wrap = Wrap::Unknown;
            root.document = None;
            self.searched = None;
            self.reader.restart(at, &mut self.root);
        }
    }

    /// Where the body of a fenced block opened after the complete root that starts at
    /// `root` begins, when the root is in no fence; searches only the bytes not
    /// searched before.
    fn fence_after(&mut self, root: usize) -> Option<usize> {
        const FENCE: &[u8] = b"```";
        let bytes = self.reader.bytes();
        let from = match self.searched {
            Some(from) => from,
            None if bytes[..root].windows(FENCE.len()).any(|w| w == FENCE) => usize::MAX,
            None => root + self.root.document.unwrap_or_default(),
        };
        let rest = bytes.get(from..).unwrap_or_default();
        let found = rest.windows(FENCE.len()).position(|w| w == FENCE).map(|i| from + i + FENCE.len());
        // A fence cut by a chunk is searched again whole.
        self.searched = Some(match from {
            usize::MAX => usize::MAX,
            from => bytes.len().saturating_sub(FENCE.len() - 1).max(from),
        });
        found
    }

    /// The value so far; `None` until its first part has arrived.
    pub fn partial(&self) -> Option<&T::Partial> {
        self.root.value.as_ref().map(Held::get)
    }

    /// The value so far, as a handle that costs nothing to take and keeps what it
    /// shows: the reader copies its form only if the form changes while a handle is
    /// still held. A consumer that drops each handle before the next chunk (a UI that
    /// draws it, a channel that sends it on) reads the reply in time linear in its
    /// length.
    ///
    /// ```
    /// use pluck::stream::PartialReader;
    /// use std::sync::Arc;
    ///
    /// let mut reader = PartialReader::<Vec<String>>::new();
    /// reader.feed(br#"{"items": ["Rust", "Ty"#);
    /// let first = reader.shared().unwrap();
    /// reader.feed(br#"pes"]}"#);
    /// assert_eq!(*first, ["Rust", "Ty"]); // what it showed, kept
    /// let second = reader.shared().unwrap();
    /// assert_eq!(*second, ["Rust", "Types"]);
    /// let rust = second[0].as_ptr();
    /// drop(second);
    /// reader.feed(b" ");
    /// assert_eq!(reader.partial().unwrap()[0].as_ptr(), rust); // taken back, not copied
    /// ```
    pub fn shared(&mut self) -> Option<Arc<T::Partial>>
    where
        T::Partial: Clone,
    {
        let shared = match self.root.value.take()? {
            Held::Own(form) => Arc::new(form),
            Held::Shared(shared, _) => shared,
        };
        self.root.value = Some(Held::Shared(Arc::clone(&shared), <T::Partial as Clone>::clone));
        Some(shared)
    }

    /// Rules broken by nested values that are already complete, at their paths in the
    /// reply (the root is checked once it is whole, by [`finish`](Self::finish)).
    pub fn violations(&self) -> &Report {
        self.root.checks.report()
    }

    /// [`violations`](Self::violations), as a handle that costs nothing to take.
    pub(crate) fn shared_violations(&self) -> Arc<Report> {
        self.root.checks.shared_report()
    }

    /// Everything read so far.
    pub fn raw(&self) -> &[u8] {
        self.reader.bytes()
    }

    /// Whether the value is complete, still open, or not JSON. A candidate passed over
    /// (see [`Lead::Embedded`]) leaves the reader [`Status::Reading`] until the next
    /// one is read.
    pub fn status(&self) -> Status {
        self.reader.status()
    }
}
