//! Streamed extractions over HTTP: [`PartialStream`] (partial values, the re-ask loop,
//! the final value) and [`Items`] (validated list items one by one).

use super::form::Streamable;
use super::items::{ItemError, ItemReader};
use super::sse;
use super::value::PartialReader;
use crate::error::{Attempt, Exhausted};
use crate::message::{FunctionCall, ToolCall};
use crate::parse::{Parsed, Rejected};
use crate::provider::{openai_stream, Call, Finish, Reply, Retry};
use crate::request::Resolved;
use crate::transport::Limits;
use crate::validate::Report;
use crate::{reask, transport, Client, Error, Extract, ExtractRequest, Extracted, Mode, Provider, Usage};
use bytes::Bytes;
use futures_core::Stream;
use secrecy::ExposeSecret;
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
/// [`ExtractRequest::items`] and [`Client::extract_iter`].
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
/// let mut skills = client.extract_iter::<Skill>("Python, Kubernetes and AWS required");
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
    pub fn extract_iter<T: Extract + Send>(&self, text: impl Into<String>) -> Items<T> {
        self.request::<Vec<T>>().user(text).items()
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
            Ok(resolved) => ItemState::Start(Box::new(Plan::new(resolved, options)), usage.clone()),
            Err(err) => ItemState::Failed(err),
        };
        let inner = futures_util::stream::unfold(state, |state| async move { state.next().await });
        Items { inner: Box::pin(inner), usage }
    }
}

/// What the request needs on every attempt, owned.
struct Plan {
    client: Client,
    model: String,
    mode: Mode,
    max_retries: u32,
    lenient: bool,
    temperature: Option<f32>,
    max_tokens: Option<u32>,
    messages: Vec<crate::Message>,
    /// The replies that failed so far, with their feedback.
    retries: Vec<Retry>,
    prepared: Arc<crate::schema::Prepared>,
    include_usage: bool,
}

impl Plan {
    fn new(resolved: Resolved<'_>, options: StreamOptions) -> Self {
        let include_usage = options.include_usage.unwrap_or(resolved.mode != Mode::JsonObjectSchema);
        Plan {
            client: resolved.client.clone(),
            model: resolved.model,
            mode: resolved.mode,
            max_retries: resolved.max_retries,
            lenient: resolved.lenient,
            temperature: resolved.temperature,
            max_tokens: resolved.max_tokens,
            messages: resolved.messages,
            retries: Vec::new(),
            prepared: resolved.prepared,
            include_usage,
        }
    }

    /// Sends the conversation so far and returns the reply's event stream.
    async fn open(&self) -> Result<Incoming, Error> {
        let inner = &self.client.inner;
        let wire = inner.provider.wire();
        let call = Call {
            model: &self.model,
            messages: &self.messages,
            retries: &self.retries,
            schema: &self.prepared,
            mode: self.mode,
            temperature: self.temperature,
            max_tokens: self.max_tokens,
            limit_name: inner.limit_name,
        };
        let body = wire.stream_body(wire.body(&call), self.include_usage, self.mode);
        let url = if self.model == inner.model && self.mode == inner.mode && inner.provider == Provider::OpenAi {
            inner.url.clone()
        } else {
            crate::client::endpoint(&wire.stream_url(&inner.base_url, &self.model, self.mode))?
        };
        let body =
            inner.transport.open(&url, &inner.headers, Bytes::from(body), wire.classifier(), self.secret()).await?;
        Ok(Incoming::new(body, wire, inner.transport.limits))
    }

    fn secret(&self) -> Option<&str> {
        self.client.inner.api_key.as_ref().map(|k| k.expose_secret())
    }
}

/// One reply arriving: server-sent events in, text out.
struct Incoming {
    body: transport::Chunks,
    /// The provider's event format.
    format: &'static dyn crate::provider::Wire,
    decoder: sse::Decoder,
    /// Bytes of the body read so far, and the most that may be.
    read: usize,
    max_reply: usize,
    finish: Option<Finish>,
    done: bool,
    usage: Usage,
    tool: Option<(String, String)>,
    refusal: String,
    /// Text deltas read but not yet taken, one per event.
    pending: std::collections::VecDeque<Vec<u8>>,
}

impl Incoming {
    fn new(body: transport::Chunks, format: &'static dyn crate::provider::Wire, limits: Limits) -> Self {
        Incoming {
            body,
            format,
            decoder: sse::Decoder::new(limits.event),
            read: 0,
            max_reply: limits.reply,
            finish: None,
            done: false,
            usage: Usage::default(),
            tool: None,
            refusal: String::new(),
            pending: std::collections::VecDeque::new(),
        }
    }

    /// The next text delta: one already read, or one from the network. `Ok(None)` once
    /// the body has ended.
    async fn next_text(&mut self, secret: Option<&str>) -> Result<Option<Vec<u8>>, Error> {
        loop {
            if let Some(text) = self.pending.pop_front() {
                return Ok(Some(text));
            }
            if !self.read(secret).await? {
                return Ok(self.pending.pop_front());
            }
        }
    }

    /// Reads one network chunk, queueing the text deltas it carries. `Ok(false)` once
    /// the body has ended.
    async fn read(&mut self, secret: Option<&str>) -> Result<bool, Error> {
        let mut failure = None;
        let mut on_event = |data: &[u8]| {
            if failure.is_some() || self.done {
                return;
            }
            match self.format.stream_event(data, secret) {
                Ok(openai_stream::Event::Done) => self.done = true,
                Ok(openai_stream::Event::Chunk(delta)) => {
                    if let Some(piece) = delta.text.filter(|p| !p.is_empty()) {
                        self.pending.push_back(piece.as_bytes().to_vec());
                    }
                    if let Some((id, name)) = delta.tool {
                        self.tool = Some((id.into_owned(), name.into_owned()));
                    }
                    if let Some(piece) = delta.refusal {
                        self.refusal.push_str(&piece);
                    }
                    if let Some(finish) = delta.finish {
                        self.finish = Some(finish);
                    }
                    if let Some(usage) = delta.usage {
                        self.usage = merge_usage(self.usage, usage);
                    }
                }
                Err(err) => failure = Some(err),
            }
        };
        let more = match self.body.next(secret).await? {
            Some(chunk) => {
                if chunk.len() > self.max_reply - self.read {
                    return Err(Error::ReplyTooLarge { limit: self.max_reply });
                }
                self.read += chunk.len();
                self.decoder.feed(&chunk, &mut on_event)?;
                true
            }
            None => {
                self.decoder.finish(&mut on_event)?;
                // An event only comes out of `finish` without its blank line: the body
                // ended inside it, and one that does not read was cut, not malformed.
                if let Some(Error::Decode { message }) = failure {
                    return Err(Error::Connection {
                        message: format!("the stream ended in the middle of an event: {message}"),
                        attempts: 1,
                        usage: Usage::default(),
                    });
                }
                false
            }
        };
        match failure {
            Some(err) => Err(err),
            None => Ok(more),
        }
    }

    /// After the body ended: why the reply cannot be used, if it cannot. `usage` is what
    /// the extraction spent, this reply included; the error counts this request only.
    fn verdict(&self, raw: &[u8], usage: Usage) -> Result<(), Error> {
        if !self.refusal.is_empty() {
            return Err(Error::Refusal { message: self.refusal.clone(), usage });
        }
        match self.finish {
            Some(Finish::Length) => Err(Error::Truncated { raw: String::from_utf8_lossy(raw).into_owned(), usage }),
            Some(Finish::ContentFilter) => {
                Err(Error::Refusal { message: "stopped by the provider's content filter".to_owned(), usage })
            }
            Some(Finish::Done) => Ok(()),
            None if self.done => Ok(()),
            None => Err(Error::Connection {
                message: "the stream ended before the reply was finished (no finish_reason, no [DONE])".to_owned(),
                attempts: 1,
                usage,
            }),
        }
    }

    /// The reply as the re-ask loop keeps it.
    fn reply(&self, raw: &[u8]) -> Reply {
        let raw = String::from_utf8_lossy(raw).into_owned();
        let (content, tool_call) = match &self.tool {
            Some((id, name)) => (
                None,
                Some(ToolCall {
                    id: id.clone(),
                    kind: "function".to_owned(),
                    function: FunctionCall { name: name.clone(), arguments: raw },
                }),
            ),
            None => (Some(raw), None),
        };
        Reply { content, tool_call, refusal: None, finish: Finish::Done, usage: self.usage }
    }
}

/// A streamed extraction with its re-asks.
struct Session<T: Streamable> {
    plan: Plan,
    attempt: u32,
    usage: Usage,
    failed: Vec<Attempt>,
    reading: Option<(Incoming, PartialReader<T>)>,
    over: bool,
}

impl<T> Session<T>
where
    T: Extract + Streamable + Send,
    T::Partial: Clone + Send + Sync,
{
    fn new(resolved: Resolved<'_>, options: StreamOptions) -> Self {
        Session {
            plan: Plan::new(resolved, options),
            attempt: 0,
            usage: Usage::default(),
            failed: Vec::new(),
            reading: None,
            over: false,
        }
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
                self.attempt += 1;
                match self.plan.open().await {
                    Ok(wire) => self.reading = Some((wire, PartialReader::with_wrapper(self.plan.prepared.wrapper()))),
                    Err(err) => return self.end(err.after(self.attempt - 1, self.usage)),
                }
                continue;
            };
            match wire.next_text(self.plan.secret()).await {
                Err(err) => {
                    let spent = self.usage + wire.usage;
                    return self.end(err.after(self.attempt - 1, spent));
                }
                Ok(Some(text)) => {
                    if reader.feed(&text) {
                        if let Some(value) = reader.shared() {
                            let progress =
                                Progress { value, violations: reader.shared_violations(), attempt: self.attempt };
                            return Some(Ok(Update::Partial(progress)));
                        }
                    }
                }
                Ok(None) => {
                    let (wire, reader) = self.reading.take().expect("matched above");
                    self.usage += wire.usage;
                    let usage = self.usage;
                    if let Err(err) = wire.verdict(reader.raw(), usage) {
                        return self.end(err.after(self.attempt - 1, Usage::default()));
                    }
                    let reply = wire.reply(reader.raw());
                    let Rejected { report, repairs } = match reader.finish_judged(self.plan.lenient) {
                        Ok(Parsed { value, repairs }) => {
                            self.over = true;
                            let done = Extracted { value, usage, attempts: self.attempt, repairs };
                            return Some(Ok(Update::Done(done)));
                        }
                        Err(rejected) => rejected,
                    };
                    let plan = &mut self.plan;
                    self.failed.push(Attempt { raw: reply.raw().to_owned(), report: report.clone(), repairs });
                    plan.retries.push(Retry { reply, feedback: reask::feedback(&report), attempt: self.attempt });
                    if self.attempt > plan.max_retries {
                        let failed = std::mem::take(&mut self.failed);
                        return self.end(Error::ValidationExhausted(Box::new(Exhausted { attempts: failed, usage })));
                    }
                    return Some(Ok(Update::Retry { attempt: self.attempt, report }));
                }
            }
        }
    }
}

/// Where an item stream is.
enum ItemState<T> {
    Start(Box<Plan>, Arc<Mutex<Usage>>),
    Reading(Box<Plan>, Incoming, ItemReader<T>, Arc<Mutex<Usage>>),
    /// The body ended: the last items, then the verdict.
    Closing(Incoming, ItemReader<T>, Arc<Mutex<Usage>>),
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
                ItemState::Start(plan, usage) => match plan.open().await {
                    Ok(wire) => ItemState::Reading(plan, wire, ItemReader::new(), usage),
                    Err(err) => ItemState::Failed(err),
                },
                ItemState::Closing(wire, mut reader, usage) => {
                    if let Some(item) = reader.next_item() {
                        return Some((item, ItemState::Closing(wire, reader, usage)));
                    }
                    let total = {
                        let mut shared = usage.lock().unwrap_or_else(|e| e.into_inner());
                        *shared += wire.usage;
                        *shared
                    };
                    match wire.verdict(reader.raw(), total).map_err(ItemError::Failed).and_then(|()| reader.finish()) {
                        Ok(()) => ItemState::Over,
                        Err(err) => return Some((Err(err), ItemState::Over)),
                    }
                }
                ItemState::Reading(plan, mut wire, mut reader, usage) => {
                    if let Some(item) = reader.next_item() {
                        return Some((item, ItemState::Reading(plan, wire, reader, usage)));
                    }
                    match wire.next_text(plan.secret()).await {
                        Err(err) => ItemState::Failed(err),
                        Ok(Some(text)) => {
                            reader.feed(&text);
                            ItemState::Reading(plan, wire, reader, usage)
                        }
                        Ok(None) => ItemState::Closing(wire, reader, usage),
                    }
                }
            };
        }
    }
}

/// Usage from a stream event over what earlier events said: a provider may report the
/// prompt's and the output's tokens in different events (Anthropic), each with zero for
/// the part it does not know.
fn merge_usage(before: Usage, event: Usage) -> Usage {
    let prompt = if event.prompt_tokens > 0 { event.prompt_tokens } else { before.prompt_tokens };
    let completion = if event.completion_tokens > 0 { event.completion_tokens } else { before.completion_tokens };
    Usage {
        prompt_tokens: prompt,
        completion_tokens: completion,
        total_tokens: event.total_tokens.max(prompt + completion),
    }
}
