//! Streamed extractions over HTTP: [`PartialStream`] (partial values, the re-ask loop,
//! the final value) and [`Items`] (validated list items one by one).

use super::form::Streamable;
use super::incoming::Incoming;
use super::items::{ItemError, ItemReader};
use super::value::PartialReader;
use crate::attempts::{Attempts, Judged};
use crate::request::Resolved;
use crate::validate::Report;
use crate::{Client, Error, Extract, ExtractRequest, Extracted, Mode, Usage};
use futures_core::Stream;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};

/// How a streamed request is sent.
///
/// ```
/// use pluck::stream::StreamOptions;
///
/// // llama-cpp-python ignores `stream_options`; some servers reject it.
/// let options = StreamOptions::default().include_usage(false);
/// # let _ = options;
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct StreamOptions {
    include_usage: Option<bool>,
}

impl StreamOptions {
    /// Whether to ask for usage in the last chunk (`stream_options: {"include_usage":
    /// true}`). Default: on, except in [`Mode::JsonObjectSchema`] (llama.cpp's servers).
    pub fn include_usage(mut self, include: bool) -> Self {
        self.include_usage = Some(include);
        self
    }

    /// Whether usage is asked for in a stream in `mode`.
    fn usage_in(self, mode: Mode) -> bool {
        self.include_usage.unwrap_or(mode != Mode::JsonObjectSchema)
    }
}

/// The value so far, during one attempt.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Progress<P> {
    /// The partial form: what has arrived, and nothing a later form contradicts. It is
    /// shared with the reader (see [`PartialReader::shared`]): holding it costs the
    /// reader a copy of the form at its next change; dropping it costs nothing.
    pub value: Arc<P>,
    /// Rules already broken by nested values that are complete (their paths are those
    /// of the reply). The final check reports them again if they still hold. Shared
    /// like `value`: partials in a row hold the same report until a rule is broken.
    pub violations: Arc<Report>,
    /// The attempt this reply belongs to, from 1.
    pub attempt: u32,
}

/// One step of a streamed extraction.
///
/// A stream shows [`Partial`](Update::Partial)s as the reply arrives (one for each chunk
/// that changes the value or the rules it breaks, none for a chunk that changes
/// neither), then either
/// [`Done`](Update::Done) and ends, or, when the finished reply does not validate,
/// [`Retry`](Update::Retry) with the errors the model is told about, followed by the
/// partials of the next reply (starting again from nothing, with `attempt` one
/// higher). Past the re-ask budget the stream ends with
/// [`Error::ValidationExhausted`]. A reply that breaks off (its connection closes, or
/// its events end with no finish reason) is not sent again: the stream ends with
/// [`Error::Connection`], which counts every request sent and carries the usage of the
/// attempts before it.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum Update<T: Streamable> {
    /// The reply so far, changed since the last one.
    Partial(Progress<T::Partial>),
    /// The finished reply did not validate; the model is asked again.
    Retry {
        /// The attempt that failed.
        attempt: u32,
        /// What was wrong with it.
        report: Report,
    },
    /// The validated value.
    Done(Extracted<T>),
}

/// A stream of [`Update`]s: partial values, then the validated value. Made by
/// [`ExtractRequest::stream`] and [`Client::extract_stream`]; nothing is sent until
/// it is first polled.
///
/// One partial comes per text delta of the reply that changes the partial form (a
/// delta inside a number changes nothing until the number ends). Each shares the
/// reader's form instead of copying it (see [`PartialReader::shared`]): a consumer
/// that drops each partial before asking for the next reads the reply in time linear
/// in its length; one that keeps them costs a copy of the form per kept partial.
///
/// ```no_run
/// # use pluck::Extract;
/// # #[derive(Extract, serde::Deserialize, schemars::JsonSchema, Debug, Clone)]
/// # struct Job { title: String }
/// # async fn run(client: pluck::Client) -> Result<(), pluck::Error> {
/// use futures_util::StreamExt;
/// use pluck::stream::Update;
///
/// let mut updates = client.extract_stream::<Job>("Senior Rust engineer at Ferrous");
/// while let Some(update) = updates.next().await {
///     match update? {
///         Update::Partial(progress) => println!("so far: {:?}", progress.value),
///         Update::Retry { report, .. } => println!("asking again: {report}"),
///         Update::Done(done) => println!("{:?} ({} tokens)", done.value, done.usage.total_tokens),
///         _ => {}
///     }
/// }
/// # Ok(()) }
/// ```
#[must_use = "a stream does nothing until it is polled"]
pub struct PartialStream<T: Streamable> {
    inner: Pin<Box<dyn Stream<Item = Result<Update<T>, Error>> + Send>>,
}

impl<T: Streamable> std::fmt::Debug for PartialStream<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PartialStream").finish_non_exhaustive()
    }
}

impl<T: Streamable> Stream for PartialStream<T> {
    type Item = Result<Update<T>, Error>;
    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.inner.as_mut().poll_next(cx)
    }
}

/// A stream of list items, each validated as soon as it closes. Made by
/// [`ExtractRequest::items`] and [`Client::extract_items`].
///
/// An item that does not parse or breaks a rule comes as [`ItemError::Invalid`] and
/// the stream goes on; a failed request, a truncated reply or a reply that is not a
/// whole list ends it with [`ItemError::Failed`] or [`ItemError::Malformed`]. Items
/// cannot be taken back, so there are no re-asks.
///
/// ```no_run
/// # use pluck::Extract;
/// # #[derive(Extract, serde::Deserialize, schemars::JsonSchema, Debug)]
/// # struct Skill { name: String }
/// # async fn run(client: pluck::Client) {
/// use futures_util::StreamExt;
///
/// let mut skills = client.extract_items::<Skill>("Python, Kubernetes and AWS required");
/// while let Some(skill) = skills.next().await {
///     match skill {
///         Ok(skill) => println!("{}", skill.name),
///         Err(err) => println!("skipped: {err}"),
///     }
/// }
/// println!("{} tokens", skills.usage().total_tokens);
/// # }
/// ```
#[must_use = "a stream does nothing until it is polled"]
pub struct Items<T> {
    inner: Pin<Box<dyn Stream<Item = Result<T, ItemError>> + Send>>,
    usage: Arc<Mutex<Usage>>,
}

impl<T> Items<T> {
    /// The tokens counted so far (the provider reports them in the last chunk).
    pub fn usage(&self) -> Usage {
        *self.usage.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl<T> std::fmt::Debug for Items<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Items").field("usage", &self.usage()).finish_non_exhaustive()
    }
}

impl<T> Stream for Items<T> {
    type Item = Result<T, ItemError>;
    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.inner.as_mut().poll_next(cx)
    }
}

impl Client {
    /// Streams the extraction of a `T` from `text`: partial values as the model writes,
    /// then the validated value. See [`PartialStream`].
    pub fn extract_stream<T>(&self, text: impl Into<String>) -> PartialStream<T>
    where
        T: Extract + Streamable + Send,
        T::Partial: Clone + Send + Sync,
    {
        self.request::<T>().user(text).stream()
    }

    /// Streams the items of a list of `T` from `text`, each validated as soon as it
    /// closes. See [`Items`].
    pub fn extract_items<T: Extract + Send>(&self, text: impl Into<String>) -> Items<T> {
        self.request::<Vec<T>>().user(text).items()
    }

    /// The former name of [`extract_items`](Client::extract_items): it returns a
    /// [`Stream`], not an iterator.
    #[deprecated(since = "0.1.0", note = "renamed to `extract_items`: it returns a `Stream` of items")]
    pub fn extract_iter<T: Extract + Send>(&self, text: impl Into<String>) -> Items<T> {
        self.extract_items(text)
    }
}

impl<T> ExtractRequest<'_, T>
where
    T: Extract + Streamable + Send,
    T::Partial: Clone + Send + Sync,
{
    /// Sends the request as a stream: partial values, then the validated value, with
    /// the re-ask loop. See [`PartialStream`].
    pub fn stream(self) -> PartialStream<T> {
        self.stream_with(StreamOptions::default())
    }

    /// [`stream`](Self::stream), with options.
    pub fn stream_with(self, options: StreamOptions) -> PartialStream<T> {
        let session = self.resolve().map(|resolved| Session::<T>::new(resolved, options));
        let inner = futures_util::stream::unfold(Some(session), |state| async move {
            let mut session = match state? {
                Ok(session) => session,
                Err(err) => return Some((Err(err), None)),
            };
            let item = session.next().await?;
            Some((item, Some(Ok(session))))
        });
        PartialStream { inner: Box::pin(inner) }
    }
}

impl<T: Extract + Send> ExtractRequest<'_, Vec<T>> {
    /// Sends the request as a stream of validated items. See [`Items`].
    pub fn items(self) -> Items<T> {
        self.items_with(StreamOptions::default())
    }

    /// [`items`](Self::items), with options.
    pub fn items_with(self, options: StreamOptions) -> Items<T> {
        let usage = Arc::new(Mutex::new(Usage::default()));
        let state = match self.resolve() {
            Ok(resolved) => {
                let include_usage = options.usage_in(resolved.mode);
                ItemState::Start(Box::new(Attempts::streamed(resolved, include_usage)), usage.clone())
            }
            Err(err) => ItemState::Failed(err),
        };
        let inner = futures_util::stream::unfold(state, |state| async move { state.next().await });
        Items { inner: Box::pin(inner), usage }
    }
}

/// A streamed extraction with its re-asks.
struct Session<T: Streamable> {
    attempts: Attempts<'static>,
    reading: Option<(Incoming, PartialReader<T>)>,
    over: bool,
}

impl<T> Session<T>
where
    T: Extract + Streamable + Send,
    T::Partial: Clone + Send + Sync,
{
    fn new(resolved: Resolved<'_>, options: StreamOptions) -> Self {
        let include_usage = options.usage_in(resolved.mode);
        Session { attempts: Attempts::streamed(resolved, include_usage), reading: None, over: false }
    }

    fn end(&mut self, err: Error) -> Option<Result<Update<T>, Error>> {
        self.over = true;
        // Drops the response, and its connection, at once.
        self.reading = None;
        Some(Err(err))
    }

    async fn next(&mut self) -> Option<Result<Update<T>, Error>> {
        loop {
            if self.over {
                return None;
            }
            let Some((wire, reader)) = &mut self.reading else {
                match self.attempts.open().await {
                    Ok(wire) => {
                        let reader = PartialReader::with_wrapper(self.attempts.prepared().wrapper());
                        self.reading = Some((wire, reader));
                    }
                    Err(err) => return self.end(err),
                }
                continue;
            };
            match wire.next_text(self.attempts.secret()).await {
                Err(err) => {
                    let usage = wire.usage();
                    let err = self.attempts.broke_off(err, usage).await;
                    return self.end(err);
                }
                Ok(Some(text)) => {
                    self.attempts.chunk();
                    if reader.feed(&text) {
                        if let Some(value) = reader.shared() {
                            let violations = reader.shared_violations();
                            let progress = Progress { value, violations, attempt: self.attempts.attempt() };
                            return Some(Ok(Update::Partial(progress)));
                        }
                    }
                }
                Ok(None) => {
                    let (wire, reader) = self.reading.take().expect("matched above");
                    let reply = match self.attempts.ended(wire, reader.raw()).await {
                        Ok(reply) => reply,
                        Err(err) => return self.end(err),
                    };
                    let judged = reader.finish_judged(self.attempts.lenient());
                    return match self.attempts.judge(reply, judged) {
                        Ok(Judged::Done(done)) => {
                            self.over = true;
                            Some(Ok(Update::Done(done)))
                        }
                        Ok(Judged::Reask) => {
                            let report = self.attempts.last_report().clone();
                            Some(Ok(Update::Retry { attempt: self.attempts.attempt(), report }))
                        }
                        Err(err) => self.end(err),
                    };
                }
            }
        }
    }
}

/// Where an item stream is.
enum ItemState<T> {
    Start(Box<Attempts<'static>>, Arc<Mutex<Usage>>),
    Reading(Box<Attempts<'static>>, Incoming, ItemReader<T>, Arc<Mutex<Usage>>),
    /// The body ended: the last items, then the verdict.
    Closing(Box<Attempts<'static>>, Incoming, ItemReader<T>, Arc<Mutex<Usage>>),
    Failed(Error),
    Over,
}

impl<T: Extract + Send> ItemState<T> {
    async fn next(self) -> Option<(Result<T, ItemError>, Self)> {
        let mut state = self;
        loop {
            state = match state {
                ItemState::Over => return None,
                ItemState::Failed(err) => return Some((Err(ItemError::Failed(err)), ItemState::Over)),
                ItemState::Start(mut attempts, usage) => match attempts.open().await {
                    Ok(wire) => ItemState::Reading(attempts, wire, ItemReader::new(), usage),
                    Err(err) => ItemState::Failed(err),
                },
                ItemState::Closing(mut attempts, wire, mut reader, usage) => {
                    if let Some(item) = reader.next_item() {
                        attempts.item(&item);
                        return Some((item, ItemState::Closing(attempts, wire, reader, usage)));
                    }
                    let ended = attempts.ended(wire, reader.raw()).await;
                    *usage.lock().unwrap_or_else(|e| e.into_inner()) = attempts.usage();
                    let end = ended.map_err(ItemError::Failed).and_then(|_| reader.finish());
                    attempts.items_end(&end);
                    match end {
                        Ok(()) => ItemState::Over,
                        Err(err) => return Some((Err(err), ItemState::Over)),
                    }
                }
                ItemState::Reading(mut attempts, mut wire, mut reader, usage) => {
                    if let Some(item) = reader.next_item() {
                        attempts.item(&item);
                        return Some((item, ItemState::Reading(attempts, wire, reader, usage)));
                    }
                    match wire.next_text(attempts.secret()).await {
                        Err(err) => {
                            let usage = wire.usage();
                            ItemState::Failed(attempts.broke_off(err, usage).await)
                        }
                        Ok(Some(text)) => {
                            attempts.chunk();
                            reader.feed(&text);
                            ItemState::Reading(attempts, wire, reader, usage)
                        }
                        Ok(None) => ItemState::Closing(attempts, wire, reader, usage),
                    }
                }
            };
        }
    }
}
