//! [`ExtractRequest`]: one extraction, and the re-ask loop that runs it.

use crate::attempts::{Attempts, Judged};
use crate::observe::{Observer, Observers};
use crate::parse::{Parsed, Rejected};
use crate::repair::Repair;
use crate::schema::Prepared;
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
    /// Replies requested: 1 when the first one validated, 0 when the cache answered.
    pub attempts: u32,
    /// The changes made to the reply so that it parsed (empty when it parsed as
    /// written); see [`ClientBuilder::lenient`](crate::ClientBuilder::lenient).
    pub repairs: Vec<Repair>,
    pub(crate) cached: bool,
}

impl<T> Extracted<T> {
    /// Whether the value came from the response cache (see [`cache`](crate::cache)):
    /// no request was made, and `usage` is zero.
    pub fn cached(&self) -> bool {
        self.cached
    }
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
    system: Option<String>,
    messages: Vec<Message>,
    model: Option<String>,
    mode: Option<Mode>,
    temperature: Option<f32>,
    max_tokens: Option<u32>,
    max_retries: Option<u32>,
    lenient: Option<bool>,
    customer: Option<String>,
    observers: Observers,
    _value: PhantomData<fn() -> T>,
}

impl<'c, T: Extract> ExtractRequest<'c, T> {
    pub(crate) fn new(client: &'c Client) -> Self {
        ExtractRequest {
            client,
            system: None,
            messages: Vec::new(),
            model: None,
            mode: None,
            temperature: None,
            max_tokens: None,
            max_retries: None,
            lenient: None,
            customer: None,
            observers: Observers::default(),
            _value: PhantomData,
        }
    }

    /// The system prompt, in place of [`DEFAULT_SYSTEM_PROMPT`](crate::DEFAULT_SYSTEM_PROMPT).
    pub fn system(mut self, prompt: impl Into<String>) -> Self {
        self.system = Some(prompt.into());
        self
    }

    /// Appends a user message.
    pub fn user(mut self, text: impl Into<String>) -> Self {
        self.messages.push(Message::user(text));
        self
    }

    /// Appends a message.
    pub fn message(mut self, message: Message) -> Self {
        self.messages.push(message);
        self
    }

    /// Appends messages (a whole conversation, for example).
    pub fn messages(mut self, messages: impl IntoIterator<Item = Message>) -> Self {
        self.messages.extend(messages);
        self
    }

    /// The model, for this call.
    pub fn model(mut self, model: impl Into<String>) -> Self {
        self.model = Some(model.into());
        self
    }

    /// The mode, for this call.
    pub fn mode(mut self, mode: Mode) -> Self {
        self.mode = Some(mode);
        self
    }

    /// The sampling temperature, for this call.
    pub fn temperature(mut self, temperature: f32) -> Self {
        self.temperature = Some(temperature);
        self
    }

    /// The limit on tokens per reply, for this call.
    pub fn max_tokens(mut self, max_tokens: u32) -> Self {
        self.max_tokens = Some(max_tokens);
        self
    }

    /// The re-ask budget, for this call: how many times a reply that fails to parse or
    /// validate is sent back to the model (not transport retries: see
    /// [`RetryPolicy::retries`](crate::RetryPolicy::retries)).
    pub fn max_retries(mut self, n: u32) -> Self {
        self.max_retries = Some(n);
        self
    }

    /// Whether a reply that does not parse is read leniently, for this call. See
    /// [`ClientBuilder::lenient`](crate::ClientBuilder::lenient).
    pub fn lenient(mut self, lenient: bool) -> Self {
        self.lenient = Some(lenient);
        self
    }

    /// The customer this extraction is made for: each of its attempts is paid from
    /// their budget (see [`budget`](crate::budget) and
    /// [`ClientBuilder::budget`](crate::ClientBuilder::budget)), and is not made when
    /// the budget cannot afford it.
    pub fn customer(mut self, customer: impl Into<String>) -> Self {
        self.customer = Some(customer.into());
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
            if let Some(hit) = attempts.cached::<T>().await? {
                return Ok(hit);
            }
            loop {
                let reply = attempts.send().await?;
                let judged = judge::<T>(reply.raw(), attempts.prepared(), attempts.lenient());
                if let Judged::Done(extracted) = attempts.judge(reply, judged)? {
                    attempts.keep().await?;
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
        let client = self.client;
        if let (Some(customer), None) = (&self.customer, client.budget()) {
            return Err(crate::budget::BudgetError::NotConfigured { customer: customer.clone() }.into());
        }
        let defaults = client.defaults();
        let mode = self.mode.unwrap_or(client.mode());
        client.check_mode(mode)?;
        let max_retries = self.max_retries.unwrap_or(defaults.max_retries);
        let lenient = self.lenient.or(defaults.lenient).unwrap_or(!matches!(mode, Mode::JsonSchema | Mode::Responses));
        let model = self.model.unwrap_or_else(|| client.model().to_owned());
        let prepared = schema::prepare::<T>(client.target(mode, &model))?;
        let mut messages = Vec::with_capacity(self.messages.len() + 1);
        let has_system = self.messages.iter().any(|m| m.role == crate::Role::System);
        let system = match (self.system, has_system) {
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
        messages.extend(self.messages);
        Ok(Resolved {
            client,
            model,
            mode,
            max_retries,
            lenient,
            temperature: self.temperature.or(defaults.temperature),
            max_tokens: self.max_tokens.or(defaults.max_tokens),
            messages,
            prepared,
            customer: self.customer,
            observers: self.observers,
        })
    }
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
    /// The customer whose budget pays, if any.
    pub(crate) customer: Option<String>,
    /// The request's own observers.
    pub(crate) observers: Observers,
}

/// Parses what the model wrote into a `T` (leniently, if asked) and runs its rules:
/// the value, or the report of everything wrong with it.
pub(crate) fn judge<T: Extract>(raw: &str, prepared: &Prepared, lenient: bool) -> Result<Parsed<T>, Rejected> {
    parse::judged::<T>(raw, prepared.wrapper(), lenient)
}
