//! What happens during an extraction, as typed [`Event`]s, and the [`Observer`]s that
//! read them.
//!
//! Every attempt of every extraction, plain or streamed, goes through the same loop,
//! which emits an [`Event`] at fixed points: a request about to be sent, a transport
//! retry, the first chunk of a stream, a reply received, a reply that did not parse or
//! validate, repairs made, a re-ask, and the end ([`Event::Done`] or
//! [`Event::Failed`]). Observers are registered on the client
//! ([`ClientBuilder::observe`](crate::ClientBuilder::observe)) and on one request
//! ([`ExtractRequest::observe`](crate::ExtractRequest::observe)); the client's hear an
//! event first.
//!
//! The features `tracing` and `metrics` read the same events into spans and metrics
//! named by the OpenTelemetry GenAI conventions (modules `spans` and `meters`).
//!
//! Observers read; they do not change what the extraction does. An event never holds
//! the API key. With no observer registered no event is built: each point of the loop
//! costs one branch.
//!
//! ```
//! use pluck::observe::Event;
//! use std::sync::{Arc, Mutex};
//!
//! let seen = Arc::new(Mutex::new(Vec::new()));
//! let log = seen.clone();
//! let client = pluck::Client::builder()
//!     .api_key("sk-...")
//!     .observe(move |event: &Event<'_>| match event {
//!         Event::Request { attempt, model, .. } => log.lock().unwrap().push(format!("{model}, attempt {attempt}")),
//!         Event::Failed { error, .. } => log.lock().unwrap().push(format!("failed: {error}")),
//!         _ => {}
//!     })
//!     .build()
//!     .unwrap();
//! # let _ = client;
//! ```

use crate::repair::Repair;
use crate::validate::Report;
use crate::{Error, Mode, Provider, Usage};
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

pub use crate::provider::Finish;

/// One point of an extraction's life. Borrowed: an observer that keeps something
/// copies it out.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum Event<'a> {
    /// A request is about to be sent.
    Request {
        /// The attempt it makes, from 1 (re-asks count up).
        attempt: u32,
        /// The provider it goes to.
        provider: Provider,
        /// The model asked.
        model: &'a str,
        /// The mode of structured output.
        mode: Mode,
        /// Whether the reply is streamed.
        stream: bool,
    },
    /// The transport is about to send the request again after a failure it can get
    /// past (see [`RetryPolicy`](crate::RetryPolicy)).
    TransportRetry {
        /// The attempt the request belongs to.
        attempt: u32,
        /// The HTTP status that failed; `None` for a failure without a reply (a
        /// timeout, a refused connection).
        status: Option<u16>,
        /// The wait before the request goes again.
        wait: Duration,
    },
    /// The first text of a streamed reply arrived.
    FirstChunk {
        /// The attempt it belongs to.
        attempt: u32,
        /// The time since the request was sent, its transport retries included.
        latency: Duration,
    },
    /// A reply was received whole (for a stream: its last event was read).
    #[non_exhaustive]
    Response {
        /// The attempt it answers.
        attempt: u32,
        /// Its HTTP status.
        status: Option<u16>,
        /// The time since the request was sent, its transport retries included.
        latency: Duration,
        /// The tokens it used.
        usage: Usage,
        /// What it cost, in US dollars, when the model's price is known (see
        /// [`cost`](crate::cost)).
        cost: Option<rust_decimal::Decimal>,
        /// Why the model stopped, as far as the provider said.
        finish: Option<Finish>,
        /// The reply's id, where the provider gave one.
        id: Option<&'a str>,
        /// The model that wrote the reply, as the provider named it (it may be more
        /// precise than the model asked).
        model: Option<&'a str>,
    },
    /// The reply did not parse as the value (rule `parse` in the report).
    ParseError {
        /// The attempt that failed.
        attempt: u32,
        /// What was wrong, with paths.
        report: &'a Report,
    },
    /// The reply parsed, but broke the value's rules.
    ValidationError {
        /// The attempt that failed.
        attempt: u32,
        /// The rules broken, with paths.
        report: &'a Report,
    },
    /// The reply was changed so that it parsed (see
    /// [`ClientBuilder::lenient`](crate::ClientBuilder::lenient)).
    Repaired {
        /// The attempt whose reply was repaired.
        attempt: u32,
        /// The changes made.
        repairs: &'a [Repair],
    },
    /// The model is asked again, told what was wrong.
    Reask {
        /// The attempt that failed; the next one is `attempt + 1`.
        attempt: u32,
        /// What the model is told.
        feedback: &'a str,
    },
    /// The response cache held a reply that validated for this request (see
    /// [`cache`](crate::cache)): no request is made. [`Event::Done`] follows, with
    /// zero attempts.
    CacheHit {
        /// The model the request was for.
        model: &'a str,
        /// The request's key in the cache.
        key: &'a crate::cache::CacheKey,
    },
    /// A settled attempt took a customer's spending in the period to a threshold of
    /// their limit (see [`Budget::thresholds`](crate::budget::Budget::thresholds)).
    /// Heard once per threshold and period, by the extraction that crossed it.
    BudgetThreshold {
        /// The customer.
        customer: &'a str,
        /// The threshold crossed, in percent of the limit.
        percent: u32,
        /// Spent in the period after the attempt.
        spent: rust_decimal::Decimal,
        /// The limit for the period.
        limit: rust_decimal::Decimal,
        /// The first day of the period (`YYYY-MM-DD`, UTC).
        period_start: &'a str,
    },
    /// The value validated.
    Done {
        /// Requests made (re-asks included, transport retries not).
        attempts: u32,
        /// Tokens summed over every attempt.
        usage: Usage,
    },
    /// A router chose the deployment a request goes to (feature `router`).
    Routed {
        /// The group it chose in (the one asked for, or a fallback).
        group: &'a str,
        /// The deployment's name.
        deployment: &'a str,
        /// Its model.
        model: &'a str,
        /// Its provider.
        provider: Provider,
        /// How many deployments it chose among (those not cooling down and free
        /// under their rate limits now); 0 when none was free and the request waited
        /// for the one free first.
        among: usize,
    },
    /// Every deployment that could take a request is at its rate limit: the request
    /// waits for the first one free.
    RateLimitWait {
        /// The group.
        group: &'a str,
        /// The wait.
        wait: Duration,
    },
    /// A deployment cools down: no request goes to it for `cooldown`.
    CooledDown {
        /// The deployment's name.
        deployment: &'a str,
        /// How long.
        cooldown: Duration,
        /// The failure that started it.
        error: &'a Error,
    },
    /// A request that failed on a deployment goes again, to another.
    Rerouted {
        /// The deployment that failed.
        deployment: &'a str,
        /// How it failed.
        error: &'a Error,
    },
    /// A request moves to another group.
    Fallback {
        /// The group it leaves.
        from: &'a str,
        /// The group it goes to.
        to: &'a str,
        /// Why.
        cause: FallbackCause,
    },
    /// The extraction ended with an error.
    Failed {
        /// Requests made (re-asks included, transport retries not).
        attempts: u32,
        /// The error it ended with.
        error: &'a Error,
    },
    /// An agent took a step: the model's thought, a tool call, a tool's result (see
    /// [`agent`](crate::agent)). The requests of its turns and of its final answer are
    /// told by the events above, as any extraction's.
    Step {
        /// The agent's name.
        agent: &'a str,
        /// The turn it belongs to, from 1.
        iteration: u32,
        /// The step.
        step: &'a crate::agent::Step,
    },
}

/// Why a routed request moved to another group ([`Event::Fallback`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum FallbackCause {
    /// No deployment of the group could take it (the general fallbacks).
    Unavailable,
    /// Its messages did not fit the model's context window.
    ContextWindow,
    /// The model refused, or a content filter stopped it.
    ContentPolicy,
}

impl FallbackCause {
    /// The cause in snake case, as spans record it.
    pub fn as_str(self) -> &'static str {
        match self {
            FallbackCause::Unavailable => "unavailable",
            FallbackCause::ContextWindow => "context_window",
            FallbackCause::ContentPolicy => "content_policy",
        }
    }
}

/// Reads the [`Event`]s of extractions. Any `Fn(&Event<'_>) + Send + Sync` closure is
/// one.
///
/// An observer is called on the task running the extraction, in the order of the
/// events: it should return quickly (hand slow work to a channel).
///
/// ```
/// use pluck::observe::{Event, Observer};
/// use std::sync::atomic::{AtomicU32, Ordering};
///
/// /// Counts the requests sent.
/// #[derive(Default)]
/// struct Requests(AtomicU32);
///
/// impl Observer for Requests {
///     fn on_event(&self, event: &Event<'_>) {
///         if let Event::Request { .. } = event {
///             self.0.fetch_add(1, Ordering::Relaxed);
///         }
///     }
/// }
///
/// let client = pluck::Client::builder().api_key("sk-...").observe(Requests::default()).build().unwrap();
/// # let _ = client;
/// ```
pub trait Observer: Send + Sync {
    /// Reads one event.
    fn on_event(&self, event: &Event<'_>);
}

impl<F: Fn(&Event<'_>) + Send + Sync> Observer for F {
    fn on_event(&self, event: &Event<'_>) {
        self(event)
    }
}

/// Observers, in the order they were registered.
#[derive(Clone, Default)]
pub(crate) struct Observers(Vec<Arc<dyn Observer>>);

impl Observers {
    pub(crate) fn push(&mut self, observer: Arc<dyn Observer>) {
        self.0.push(observer);
    }

    pub(crate) fn extend(&mut self, more: Observers) {
        self.0.extend(more.0);
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Hands `event` to each observer.
    pub(crate) fn emit(&self, event: &Event<'_>) {
        for observer in &self.0 {
            observer.on_event(event);
        }
    }
}

impl fmt::Debug for Observers {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} observers", self.0.len())
    }
}
