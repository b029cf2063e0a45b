//! [`Attempts`]: the one attempt loop of an extraction, plain or streamed.
//!
//! It keeps what every attempt shares: the conversation and the replies that failed
//! (each provider re-asks its own way), the usage summed over the attempts, the
//! verdict on a finished reply (truncated, refused, filtered), the failed attempts an
//! [`Error::ValidationExhausted`] reports, the re-ask budget, the counting of requests
//! in errors, the [`Event`]s observers read, and the cost: each reply priced, and
//! before each attempt the checks that it fits the context window and the budget. The plain and streamed paths differ
//! only in how a reply's text arrives: whole from [`Client::send`], or event by event
//! from [`Client::open`].

mod remember;
mod spend;
mod spending;
mod steered;

pub(crate) use spend::Spending;

use crate::cache::CacheKey;
use crate::cost::{Budget, Cost, Price, Truncation};
use crate::error::{Attempt, Exhausted};
use crate::observe::{Event, Observers};
use crate::parse::{Parsed, Rejected};
use crate::provider::{Call, Finish, Offer, Reply, Retry, ToolChoice, ToolSpec};
use crate::request::Resolved;
use crate::schema::Prepared;
use crate::steer::Steer;
use crate::stream::incoming::Incoming;
use crate::stream::ItemError;
use crate::validate::Report;
use crate::{reask, Client, Error, Extracted, Message, Mode, Usage};
use std::borrow::Cow;
use std::sync::Arc;
use std::time::Duration;
use tokio::time::Instant;

/// One extraction's attempts: what each request needs, and what they add up to.
pub(crate) struct Attempts<'c> {
    client: Cow<'c, Client>,
    model: String,
    mode: Mode,
    max_retries: u32,
    lenient: bool,
    temperature: Option<f32>,
    max_tokens: Option<u32>,
    messages: Vec<Message>,
    prepared: Arc<Prepared>,
    /// An agent's tools, and whether this is its turn (tools offered, no schema) or
    /// its final answer.
    tools: Option<Arc<[ToolSpec]>>,
    tool_choice: ToolChoice,
    /// Sequences that end a reply.
    stop: Vec<String>,
    /// The replies that failed so far, with their feedback.
    retries: Vec<Retry>,
    /// The same replies as [`Error::ValidationExhausted`] reports them.
    failed: Vec<Attempt>,
    /// Usage over the replies received whole so far.
    usage: Usage,
    /// The model's price, when known; then each attempt's cost.
    price: Option<Price>,
    cost: Option<Cost>,
    budget: Option<Budget>,
    truncation: Truncation,
    /// Whether a reply cut at its cap was already sent again with a larger one.
    enlarged: bool,
    /// The attempt under way, from 1; 0 before the first.
    attempt: u32,
    /// The request's own observers; the client's hear each event first.
    observers: Observers,
    /// Whether anyone listens: when not, no event is built.
    observing: bool,
    /// When the attempt under way was sent, and whether its first chunk came: kept
    /// only while observing.
    sent: Option<Instant>,
    first_chunk: bool,
    /// The HTTP status of the streamed reply under way.
    status: Option<u16>,
    /// For a stream: whether usage is asked for in it.
    include_usage: Option<bool>,
    /// The customer's budget, when the client keeps one and the request names a
    /// customer.
    spending: Option<Box<Spending>>,
    /// The request's key in the response cache, when the client has one.
    cache_key: Option<CacheKey>,
    /// The reply that validated, to keep in the cache.
    validated: Option<String>,
    /// The extraction's spans, when a subscriber listens.
    #[cfg(feature = "tracing")]
    spans: Option<crate::spans::Spans>,
    /// The requests' metrics.
    #[cfg(feature = "metrics")]
    meters: crate::meters::Meters,
    /// For a routed request: where each attempt goes (see [`steered`]).
    steer: Option<Box<dyn Steer>>,
    /// When the request under way was sent, for its steer; whether it is the same
    /// attempt sent again elsewhere.
    routed: Option<Instant>,
    again: bool,
}

/// What became of a finished reply that did not fail the extraction.
pub(crate) enum Judged<T> {
    /// It validated.
    Done(Extracted<T>),
    /// It did not; the model is asked again, told [`Attempts::last_report`].
    Reask,
}

impl<'c> Attempts<'c> {
    /// The attempts of a request sent plain.
    pub(crate) fn plain(resolved: Resolved<'c>) -> Self {
        Self::new(Cow::Borrowed(resolved.client), resolved, None)
    }

    /// The attempts of a request streamed, owning what they need (a stream outlives
    /// the request that made it).
    pub(crate) fn streamed(resolved: Resolved<'_>, include_usage: bool) -> Attempts<'static> {
        Attempts::new(Cow::Owned(resolved.client.clone()), resolved, Some(include_usage))
    }

    fn new(client: Cow<'c, Client>, resolved: Resolved<'_>, include_usage: Option<bool>) -> Self {
        #[cfg(feature = "tracing")]
        let spans = crate::spans::Spans::open(crate::spans::Asked {
            client: &client,
            model: &resolved.model,
            mode: resolved.mode,
            temperature: resolved.temperature,
            max_tokens: resolved.max_tokens,
            target: resolved.prepared.name(),
            stream: include_usage.is_some(),
        });
        #[cfg(feature = "tracing")]
        let observing = spans.is_some();
        #[cfg(not(feature = "tracing"))]
        let observing = false;
        // The meters read every event.
        let observing =
            cfg!(feature = "metrics") || observing || !client.observers().is_empty() || !resolved.observers.is_empty();
        #[cfg(feature = "metrics")]
        let meters = crate::meters::Meters::new(&client, &resolved.model);
        let tool_choice = resolved.tool_choice();
        let spending = match (client.customer_budgets(), resolved.customer) {
            (Some(budget), Some(customer)) => Some(Box::new(Spending::new(budget.clone(), customer))),
            _ => None,
        };
        let price = client.price(&resolved.model);
        Attempts {
            client,
            model: resolved.model,
            mode: resolved.mode,
            max_retries: resolved.max_retries,
            lenient: resolved.lenient,
            temperature: resolved.temperature,
            max_tokens: resolved.max_tokens,
            messages: resolved.messages,
            prepared: resolved.prepared,
            tool_choice,
            tools: resolved.tools,
            stop: resolved.stop,
            retries: Vec::new(),
            failed: Vec::new(),
            usage: Usage::default(),
            cost: price.map(|_| Cost::default()),
            price,
            budget: resolved.budget,
            truncation: resolved.truncation,
            enlarged: false,
            attempt: 0,
            observers: resolved.observers,
            steer: resolved.steer,
            routed: None,
            again: false,
            observing,
            sent: None,
            first_chunk: false,
            status: None,
            include_usage,
            spending,
            cache_key: None,
            validated: None,
            #[cfg(feature = "tracing")]
            spans,
            #[cfg(feature = "metrics")]
            meters,
        }
    }

    /// The schema the replies are read with.
    pub(crate) fn prepared(&self) -> &Prepared {
        &self.prepared
    }

    /// Whether a reply that does not parse is read leniently.
    pub(crate) fn lenient(&self) -> bool {
        self.lenient
    }

    /// The attempt under way, from 1.
    pub(crate) fn attempt(&self) -> u32 {
        self.attempt
    }

    /// Usage over the replies received whole so far.
    pub(crate) fn usage(&self) -> Usage {
        self.usage
    }

    /// The key, to scrub from what a streamed reply's events say.
    pub(crate) fn secret(&self) -> Option<&str> {
        self.client.secret()
    }

    /// The report of the last reply that failed.
    pub(crate) fn last_report(&self) -> &Report {
        &self.failed.last().expect("a reply failed").report
    }

    /// Sends the next attempt and reads its reply whole, then its verdict.
    ///
    /// # Errors
    /// Anything that ends the extraction: the transport's errors (counting the earlier
    /// attempts' requests), an unreadable reply, a truncated or refused one.
    pub(crate) async fn send(&mut self) -> Result<Reply, Error> {
        loop {
            self.route().await?;
            self.admit()?;
            self.reserve().await?;
            self.begin();
            let call = self.call();
            let on_retry: &(dyn Fn(Option<u16>, Duration) + Sync) = &|status, wait| self.emit_retry(status, wait);
            let sent = self.within(self.client.send(&call, self.observing.then_some(on_retry))).await;
            let (status, reply) = match sent {
                Ok(sent) => sent,
                Err(err) if self.rerouted(&err) => {
                    self.release().await;
                    continue;
                }
                Err(err) => return Err(self.broke_off(err, Usage::default()).await),
            };
            self.received(Some(status), reply.usage, Some(reply.finish), reply.id.as_deref(), reply.model.as_deref());
            self.settle(reply.usage).await?;
            if self.enlarge(&reply) {
                continue;
            }
            match self.verdict(reply) {
                Ok(reply) => {
                    self.answered();
                    return Ok(reply);
                }
                Err(err) if self.rerouted(&err) => continue,
                Err(err) => return Err(self.fail(err, Usage::default())),
            }
        }
    }

    /// Sends the next attempt asking for a stream, and returns its events as they come.
    ///
    /// # Errors
    /// The transport's errors, counting the earlier attempts' requests.
    pub(crate) async fn open(&mut self) -> Result<Incoming, Error> {
        loop {
            self.route().await?;
            self.admit()?;
            self.reserve().await?;
            self.begin();
            let call = self.call();
            let include_usage = self.include_usage.unwrap_or(true);
            let on_retry: &(dyn Fn(Option<u16>, Duration) + Sync) = &|status, wait| self.emit_retry(status, wait);
            let opened = self.within(self.client.open(&call, include_usage, self.observing.then_some(on_retry))).await;
            match opened {
                Ok((status, incoming)) => {
                    self.answered();
                    self.status = Some(status);
                    return Ok(incoming);
                }
                Err(err) if self.rerouted(&err) => self.release().await,
                Err(err) => return Err(self.broke_off(err, Usage::default()).await),
            }
        }
    }

    /// A streamed reply's text arrived; the first time in an attempt, observers hear
    /// when.
    pub(crate) fn chunk(&mut self) {
        if self.observing && !self.first_chunk {
            self.first_chunk = true;
            let latency = self.latency();
            self.observers_emit(&Event::FirstChunk { attempt: self.attempt, latency });
        }
    }

    /// A streamed reply ended, its text `raw`: its usage counted, then its verdict.
    ///
    /// # Errors
    /// A reply that broke off (no finish, no end event), was truncated or refused.
    pub(crate) async fn ended(&mut self, incoming: Incoming, raw: &[u8]) -> Result<Reply, Error> {
        let usage = incoming.usage();
        self.received(self.status, usage, incoming.finish(), incoming.id(), incoming.model());
        let reply = incoming.reply(raw);
        // The stream is done with before the budget is settled.
        drop(incoming);
        self.settle(usage).await?;
        let reply = reply.map_err(|err| self.fail(err, Usage::default()))?;
        self.verdict(reply).map_err(|err| self.fail(err, Usage::default()))
    }

    /// Judges what the finished `reply` parsed into: the value, or a re-ask while the
    /// budget lasts.
    ///
    /// # Errors
    /// [`Error::ValidationExhausted`] when this was the last attempt the budget allows.
    pub(crate) fn judge<T>(&mut self, reply: Reply, judged: Result<Parsed<T>, Rejected>) -> Result<Judged<T>, Error> {
        let attempt = self.attempt;
        let Rejected { report, repairs } = match judged {
            Ok(Parsed { value, repairs }) => {
                if self.observing {
                    if !repairs.is_empty() {
                        self.observers_emit(&Event::Repaired { attempt, repairs: &repairs });
                    }
                    self.observers_emit(&Event::Done { attempts: attempt, usage: self.usage });
                }
                if self.cache_key.is_some() {
                    self.validated = Some(reply.raw().to_owned());
                }
                let cost = self.cost.take();
                return Ok(Judged::Done(Extracted {
                    value,
                    usage: self.usage,
                    attempts: attempt,
                    repairs,
                    cost,
                    cached: false,
                }));
            }
            Err(rejected) => rejected,
        };
        if self.observing {
            if !repairs.is_empty() {
                self.observers_emit(&Event::Repaired { attempt, repairs: &repairs });
            }
            self.observers_emit(&match report.iter().any(|violation| violation.rule == "parse") {
                true => Event::ParseError { attempt, report: &report },
                false => Event::ValidationError { attempt, report: &report },
            });
        }
        let feedback = reask::feedback(&report);
        self.failed.push(Attempt { raw: reply.raw().to_owned(), report, repairs });
        if attempt > self.max_retries {
            let exhausted =
                Exhausted { attempts: std::mem::take(&mut self.failed), usage: self.usage, cost: self.cost.take() };
            return Err(self.fail(Error::ValidationExhausted(Box::new(exhausted)), Usage::default()));
        }
        if self.observing {
            self.observers_emit(&Event::Reask { attempt, feedback: &feedback });
        }
        self.retries.push(Retry { reply, feedback, attempt });
        Ok(Judged::Reask)
    }

    /// An item of a streamed list was judged: observers hear what was wrong with it.
    pub(crate) fn item<T>(&self, item: &Result<T, ItemError>) {
        if let (true, Err(ItemError::Invalid { report, .. })) = (self.observing, item) {
            self.observers_emit(&Event::ValidationError { attempt: self.attempt, report });
        }
    }

    /// A streamed list's reply ended: whole, or not a list (`Malformed`, which the
    /// stream ends with; observers hear it as a parse error).
    pub(crate) fn items_end(&self, end: &Result<(), ItemError>) {
        if !self.observing {
            return;
        }
        match end {
            Ok(()) => self.observers_emit(&Event::Done { attempts: self.attempt, usage: self.usage }),
            Err(ItemError::Malformed { message, .. }) => {
                let mut report = Report::new();
                report.add("parse", message.clone());
                self.observers_emit(&Event::ParseError { attempt: self.attempt, report: &report });
            }
            // Failures were heard as they were made.
            Err(_) => {}
        }
    }

    /// `err` as the extraction ends with it: it counts the earlier attempts' requests
    /// and, for a connection error, the usage before it (`spent` of the attempt under
    /// way included). Observers hear of it.
    pub(crate) fn fail(&self, err: Error, spent: Usage) -> Error {
        let err = err.after(self.attempt.saturating_sub(1), self.usage + spent);
        if self.observing {
            self.observers_emit(&Event::Failed { attempts: self.attempt, error: &err });
        }
        err
    }

    /// The verdict on a finished reply: a refusal, a reply cut at the token limit or
    /// stopped by a content filter is an error (which ends the extraction unless a
    /// steer sends the request elsewhere); any other goes on to be judged.
    fn verdict(&self, reply: Reply) -> Result<Reply, Error> {
        #[cfg(feature = "tracing")]
        if let Some(spans) = &self.spans {
            spans.output(reply.raw(), reply.finish);
        }
        let usage = self.usage;
        let err = match (&reply.refusal, reply.finish) {
            (Some(refusal), _) => Error::Refusal { message: refusal.clone(), usage },
            (None, Finish::Length) => Error::Truncated { raw: reply.raw().to_owned(), usage },
            (None, Finish::ContentFilter) => {
                Error::Refusal { message: "stopped by the provider's content filter".to_owned(), usage }
            }
            (None, Finish::Done) => return Ok(reply),
        };
        Err(err)
    }

    /// The next attempt starts.
    fn begin(&mut self) {
        // An attempt sent again elsewhere keeps its number.
        if !std::mem::take(&mut self.again) {
            self.attempt += 1;
        }
        #[cfg(feature = "tracing")]
        if let Some(spans) = &mut self.spans {
            let asked = crate::spans::Asked {
                client: &self.client,
                model: &self.model,
                mode: self.mode,
                temperature: self.temperature,
                max_tokens: self.max_tokens,
                target: self.prepared.name(),
                stream: self.include_usage.is_some(),
            };
            spans.begin(asked, self.attempt, &self.messages, &self.retries);
        }
        #[cfg(feature = "metrics")]
        self.meters.begin();
        if self.observing {
            self.sent = Some(Instant::now());
            self.first_chunk = false;
            self.observers_emit(&Event::Request {
                attempt: self.attempt,
                provider: self.client.provider(),
                model: &self.model,
                mode: self.mode,
                stream: self.include_usage.is_some(),
            });
        }
    }

    /// What the next request sends.
    fn call(&self) -> Call<'_> {
        Call {
            model: &self.model,
            messages: &self.messages,
            retries: &self.retries,
            schema: &self.prepared,
            mode: self.mode,
            temperature: self.temperature,
            max_tokens: self.max_tokens,
            tools: self.tools.as_deref().map(|tools| Offer { tools, choice: self.tool_choice }),
            stop: &self.stop,
        }
    }

    /// A reply was received: its usage counted; observers hear of it, with its id and
    /// the model that wrote it where known.
    fn received(
        &mut self,
        status: Option<u16>,
        usage: Usage,
        finish: Option<Finish>,
        id: Option<&str>,
        model: Option<&str>,
    ) {
        self.usage += usage;
        let cost = self.price.map(|price| price.cost(&usage));
        if let (Some(spent), Some(cost)) = (&mut self.cost, cost) {
            spent.add(cost);
        }
        if self.observing {
            let latency = self.latency();
            let attempt = self.attempt;
            self.observers_emit(&Event::Response { attempt, status, latency, usage, cost, finish, id, model });
        }
    }

    fn emit_retry(&self, status: Option<u16>, wait: Duration) {
        self.observers_emit(&Event::TransportRetry { attempt: self.attempt, status, wait });
    }

    fn latency(&self) -> Duration {
        self.sent.map(|sent| sent.elapsed()).unwrap_or_default()
    }

    /// `future` as it runs inside the attempt's span, when there is one.
    #[cfg(feature = "tracing")]
    fn within<F>(&self, future: F) -> crate::spans::Entered<'_, F> {
        static NONE: tracing::Span = tracing::Span::none();
        crate::spans::entered(self.spans.as_ref().map_or(&NONE, |spans| spans.attempt()), future)
    }

    #[cfg(not(feature = "tracing"))]
    fn within<F>(&self, future: F) -> F {
        future
    }

    /// The extraction's span, for the future running it; none without a subscriber.
    #[cfg(feature = "tracing")]
    pub(crate) fn span(&self) -> tracing::Span {
        self.spans.as_ref().map_or_else(tracing::Span::none, |spans| spans.extraction().clone())
    }

    /// Hands `event` to the spans, the client's observers, then the request's.
    fn observers_emit(&self, event: &Event<'_>) {
        #[cfg(feature = "tracing")]
        if let Some(spans) = &self.spans {
            spans.on_event(event);
        }
        #[cfg(feature = "metrics")]
        self.meters.on_event(event);
        self.client.observers().emit(event);
        self.observers.emit(event);
    }
}
