//! [`ExtractRequest`]: one extraction, and the re-ask loop that runs it.

use crate::attempts::{Attempts, Judged};
use crate::observe::{Observer, Observers};
use crate::parse::{Parsed, Rejected};
use crate::repair::Repair;
use crate::schema::Prepared;
use crate::steer::{Seat, Steer};
use crate::{parse, prompt, schema, Client, Error, Extract, Message, Mode, Usage};
use std::marker::PhantomData;

/// A value with what it cost.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Extracted<T> {
    /// The validated value.
    pub value: T,
    /// Tokens summed over every attempt.
    pub usage: Usage,
    /// Replies requested: 1 when the first one validated.
    pub attempts: u32,
    /// The changes made to the reply so that it parsed (empty when it parsed as
    /// written); see [`ClientBuilder::lenient`](crate::ClientBuilder::lenient).
    pub repairs: Vec<Repair>,
}

/// One extraction, configured call by call. Made by [`Client::request`].
///
/// ```no_run
/// # async fn run(client: pluck::Client) -> Result<(), pluck::Error> {
/// use pluck::{Message, Mode};
///
/// let colours: Vec<String> = client
///     .request()
///     .system("You list colours.")
///     .messages([Message::user("The sky was blue and the grass green.")])
///     .mode(Mode::Tools)
///     .model("gpt-4o")
///     .temperature(0.0)
///     .max_retries(3)
///     .send()
///     .await?;
/// # Ok(()) }
/// ```
#[must_use = "a request does nothing until it is sent"]
#[derive(Debug)]
pub struct ExtractRequest<'c, T> {
    client: &'c Client,
    parts: Parts,
    observers: Observers,
    /// For a request made by a router: what chooses where each attempt goes.
    steer: Option<Box<dyn StartSteer>>,
    _value: PhantomData<fn() -> T>,
}

/// What a request asks, before it is resolved against a client.
#[derive(Debug, Clone, Default)]
pub(crate) struct Parts {
    pub(crate) system: Option<String>,
    pub(crate) messages: Vec<Message>,
    pub(crate) model: Option<String>,
    pub(crate) mode: Option<Mode>,
    pub(crate) temperature: Option<f32>,
    pub(crate) max_tokens: Option<u32>,
    pub(crate) max_retries: Option<u32>,
    pub(crate) lenient: Option<bool>,
}

/// Resolves a request's [`Parts`] against one client: the seat a steer moves it to.
pub(crate) type SeatFor = fn(&Parts, &Client) -> Result<Seat, Error>;

/// Makes the [`Steer`] of one request when it is resolved, from what it asks and the
/// way to resolve it against another client.
#[cfg_attr(not(feature = "router"), allow(dead_code))]
pub(crate) trait StartSteer: Send + Sync + std::fmt::Debug {
    fn start(self: Box<Self>, parts: &Parts, seat_for: SeatFor) -> Box<dyn Steer>;
}

impl<'c, T: Extract> ExtractRequest<'c, T> {
    pub(crate) fn new(client: &'c Client) -> Self {
        ExtractRequest {
            client,
            parts: Parts::default(),
            observers: Observers::default(),
            steer: None,
            _value: PhantomData,
        }
    }

    /// A request whose attempts `steer` sends, `client` giving the defaults until the
    /// first seat.
    #[cfg(feature = "router")]
    pub(crate) fn steered(client: &'c Client, steer: Box<dyn StartSteer>, observers: Observers) -> Self {
        ExtractRequest { client, parts: Parts::default(), observers, steer: Some(steer), _value: PhantomData }
    }

    /// The system prompt, in place of [`DEFAULT_SYSTEM_PROMPT`](crate::DEFAULT_SYSTEM_PROMPT).
    pub fn system(mut self, prompt: impl Into<String>) -> Self {
        self.parts.system = Some(prompt.into());
        self
    }

    /// Appends a user message.
    pub fn user(mut self, text: impl Into<String>) -> Self {
        self.parts.messages.push(Message::user(text));
        self
    }

    /// Appends a message.
    pub fn message(mut self, message: Message) -> Self {
        self.parts.messages.push(message);
        self
    }

    /// Appends messages (a whole conversation, for example).
    pub fn messages(mut self, messages: impl IntoIterator<Item = Message>) -> Self {
        self.parts.messages.extend(messages);
        self
    }

    /// The model, for this call.
    pub fn model(mut self, model: impl Into<String>) -> Self {
        self.parts.model = Some(model.into());
        self
    }

    /// The mode, for this call.
    pub fn mode(mut self, mode: Mode) -> Self {
        self.parts.mode = Some(mode);
        self
    }

    /// The sampling temperature, for this call.
    pub fn temperature(mut self, temperature: f32) -> Self {
        self.parts.temperature = Some(temperature);
        self
    }

    /// The limit on tokens per reply, for this call.
    pub fn max_tokens(mut self, max_tokens: u32) -> Self {
        self.parts.max_tokens = Some(max_tokens);
        self
    }

    /// The re-ask budget, for this call: how many times a reply that fails to parse or
    /// validate is sent back to the model (not transport retries: see
    /// [`RetryPolicy::retries`](crate::RetryPolicy::retries)).
    pub fn max_retries(mut self, n: u32) -> Self {
        self.parts.max_retries = Some(n);
        self
    }

    /// Whether a reply that does not parse is read leniently, for this call. See
    /// [`ClientBuilder::lenient`](crate::ClientBuilder::lenient).
    pub fn lenient(mut self, lenient: bool) -> Self {
        self.parts.lenient = Some(lenient);
        self
    }

    /// Registers an observer of this request alone, plain or streamed, after the
    /// client's (see [`ClientBuilder::observe`](crate::ClientBuilder::observe) and
    /// [`observe`](crate::observe)).
    ///
    /// ```no_run
    /// # async fn run(client: pluck::Client) -> Result<(), pluck::Error> {
    /// use pluck::observe::Event;
    ///
    /// let colours: Vec<String> = client
    ///     .request()
    ///     .user("The sky was blue and the grass green.")
    ///     .observe(|event: &Event<'_>| {
    ///         if let Event::ValidationError { attempt, report } = event {
    ///             eprintln!("attempt {attempt} broke:\n{report}");
    ///         }
    ///     })
    ///     .send()
    ///     .await?;
    /// # Ok(()) }
    /// ```
    pub fn observe(mut self, observer: impl Observer + 'static) -> Self {
        self.observers.push(std::sync::Arc::new(observer));
        self
    }

    /// Runs the extraction and returns the value.
    ///
    /// # Errors
    /// See [`Error`]: the schema may not fit the mode, the transport may fail after its
    /// retries, the reply may be truncated or refused, or no reply may validate within
    /// the re-ask budget.
    pub async fn send(self) -> Result<T, Error> {
        self.send_with_usage().await.map(|extracted| extracted.value)
    }

    /// Runs the extraction and returns the value with its usage and attempt count.
    ///
    /// # Errors
    /// As [`send`](Self::send).
    pub async fn send_with_usage(self) -> Result<Extracted<T>, Error> {
        let mut attempts = Attempts::plain(self.resolve()?);
        #[cfg(feature = "tracing")]
        let span = attempts.span();
        let run = async move {
            loop {
                let reply = attempts.send().await?;
                let judged = judge::<T>(reply.raw(), attempts.prepared(), attempts.lenient());
                if let Judged::Done(extracted) = attempts.judge(reply, judged)? {
                    return Ok(extracted);
                }
            }
        };
        #[cfg(feature = "tracing")]
        let run = tracing::Instrument::instrument(run, span);
        run.await
    }

    /// Settles every default against the client's and builds the opening conversation
    /// (system prompt with the schema instruction, then the messages).
    pub(crate) fn resolve(self) -> Result<Resolved<'c>, Error> {
        let mut parts = self.parts;
        // A routed request's model and mode are each deployment's.
        if self.steer.is_some() {
            parts.model = None;
            parts.mode = None;
        }
        let steer = self.steer.map(|start| start.start(&parts, seat_for::<T>));
        let client = self.client;
        let seat = resolve::<T>(parts, client)?;
        Ok(Resolved {
            client,
            model: seat.model,
            mode: seat.mode,
            max_retries: seat.max_retries,
            lenient: seat.lenient,
            temperature: seat.temperature,
            max_tokens: seat.max_tokens,
            messages: seat.messages,
            prepared: seat.prepared,
            observers: self.observers,
            steer,
        })
    }
}

/// What `parts` asks of `client`, settled: its defaults filled in, the opening
/// conversation built (system prompt with the schema instruction, then the messages).
struct Settled {
    model: String,
    mode: Mode,
    max_retries: u32,
    lenient: bool,
    temperature: Option<f32>,
    max_tokens: Option<u32>,
    messages: Vec<Message>,
    prepared: std::sync::Arc<Prepared>,
}

fn resolve<T: Extract>(parts: Parts, client: &Client) -> Result<Settled, Error> {
    let defaults = client.defaults();
    let mode = parts.mode.unwrap_or(client.mode());
    client.check_mode(mode)?;
    let max_retries = parts.max_retries.unwrap_or(defaults.max_retries);
    let lenient = parts.lenient.or(defaults.lenient).unwrap_or(!matches!(mode, Mode::JsonSchema | Mode::Responses));
    let model = parts.model.unwrap_or_else(|| client.model().to_owned());
    let prepared = schema::prepare::<T>(client.target(mode, &model))?;
    let mut messages = Vec::with_capacity(parts.messages.len() + 1);
    let has_system = parts.messages.iter().any(|m| m.role == crate::Role::System);
    let system = match (parts.system, has_system) {
        (Some(system), _) => Some(system),
        (None, false) => Some(prompt::DEFAULT_SYSTEM_PROMPT.to_owned()),
        (None, true) => None,
    };
    let instruction = prompt::schema_instruction(mode, &prepared);
    match (system, instruction) {
        (Some(system), Some(instruction)) => messages.push(Message::system(format!("{system}\n\n{instruction}"))),
        (Some(text), None) | (None, Some(text)) => messages.push(Message::system(text)),
        (None, None) => {}
    }
    messages.extend(parts.messages);
    Ok(Settled {
        model,
        mode,
        max_retries,
        lenient,
        temperature: parts.temperature.or(defaults.temperature),
        max_tokens: parts.max_tokens.or(defaults.max_tokens),
        messages,
        prepared,
    })
}

/// `parts` resolved against another client: where a steer moves a request.
fn seat_for<T: Extract>(parts: &Parts, client: &Client) -> Result<Seat, Error> {
    let settled = resolve::<T>(parts.clone(), client)?;
    Ok(Seat {
        client: client.clone(),
        model: settled.model,
        mode: settled.mode,
        lenient: settled.lenient,
        temperature: settled.temperature,
        max_tokens: settled.max_tokens,
        messages: settled.messages,
        prepared: settled.prepared,
    })
}

/// A request with its defaults settled, ready for its first call.
pub(crate) struct Resolved<'c> {
    pub(crate) client: &'c Client,
    pub(crate) model: String,
    pub(crate) mode: Mode,
    pub(crate) max_retries: u32,
    pub(crate) lenient: bool,
    pub(crate) temperature: Option<f32>,
    pub(crate) max_tokens: Option<u32>,
    pub(crate) messages: Vec<Message>,
    pub(crate) prepared: std::sync::Arc<schema::Prepared>,
    /// The request's own observers.
    pub(crate) observers: Observers,
    /// What chooses where each attempt goes, for a routed request.
    pub(crate) steer: Option<Box<dyn Steer>>,
}

/// Parses what the model wrote into a `T` (leniently, if asked) and runs its rules:
/// the value, or the report of everything wrong with it.
pub(crate) fn judge<T: Extract>(raw: &str, prepared: &Prepared, lenient: bool) -> Result<Parsed<T>, Rejected> {
    parse::judged::<T>(raw, prepared.wrapper(), lenient)
}
