//! [`ExtractRequest`]: one extraction, and the re-ask loop that runs it.

use crate::error::{Attempt, Exhausted};
use crate::parse::{Parsed, Rejected};
use crate::provider::{Call, Finish, Retry};
use crate::repair::Repair;
use crate::schema::Prepared;
use crate::{parse, prompt, reask, schema, Client, Error, Extract, Message, Mode, Usage};
use secrecy::ExposeSecret;
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
    system: Option<String>,
    messages: Vec<Message>,
    model: Option<String>,
    mode: Option<Mode>,
    temperature: Option<f32>,
    max_tokens: Option<u32>,
    max_retries: Option<u32>,
    lenient: Option<bool>,
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

    /// The re-ask budget, for this call.
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
        let Resolved { client, model, mode, max_retries, lenient, temperature, max_tokens, messages, prepared } =
            self.resolve()?;
        let inner = &client.inner;
        let model = model.as_str();
        let wire = inner.provider.wire();
        let url = if model == inner.model && mode == inner.mode {
            inner.url.clone()
        } else {
            crate::client::endpoint(&wire.url(&inner.base_url, model, mode))?
        };
        let secret = inner.api_key.as_ref().map(|k| k.expose_secret());

        let mut usage = Usage::default();
        let mut failed: Vec<Attempt> = Vec::new();
        let mut retries: Vec<Retry> = Vec::new();
        for attempt in 1..=max_retries.saturating_add(1) {
            let call = Call {
                model,
                messages: &messages,
                retries: &retries,
                schema: &prepared,
                mode,
                temperature,
                max_tokens,
                limit_name: inner.limit_name,
            };
            let body = wire.body(&call);
            let bytes = inner
                .transport
                .post(&url, &inner.headers, body.into(), wire.classifier(), secret)
                .await
                .map_err(|err| err.after(attempt - 1, usage))?;
            let reply = wire.reply(&bytes)?;
            usage += reply.usage;
            if let Some(refusal) = &reply.refusal {
                return Err(Error::Refusal { message: refusal.clone(), usage });
            }
            match reply.finish {
                Finish::Length => return Err(Error::Truncated { raw: reply.raw().to_owned(), usage }),
                Finish::ContentFilter => {
                    return Err(Error::Refusal {
                        message: "stopped by the provider's content filter".to_owned(),
                        usage,
                    })
                }
                Finish::Done => {}
            }
            let Rejected { report, repairs } = match judge::<T>(reply.raw(), &prepared, lenient) {
                Ok(Parsed { value, repairs }) => return Ok(Extracted { value, usage, attempts: attempt, repairs }),
                Err(rejected) => rejected,
            };
            let feedback = reask::feedback(&report);
            failed.push(Attempt { raw: reply.raw().to_owned(), report, repairs });
            retries.push(Retry { reply, feedback, attempt });
        }
        Err(Error::ValidationExhausted(Box::new(Exhausted { attempts: failed, usage })))
    }

    /// Settles every default against the client's and builds the opening conversation
    /// (system prompt with the schema instruction, then the messages).
    pub(crate) fn resolve(self) -> Result<Resolved<'c>, Error> {
        let inner = &self.client.inner;
        let mode = self.mode.unwrap_or(inner.mode);
        inner.provider.wire().check_mode(&inner.url, mode)?;
        let max_retries = self.max_retries.unwrap_or(inner.max_retries);
        let lenient = self.lenient.or(inner.lenient).unwrap_or(!matches!(mode, Mode::JsonSchema | Mode::Responses));
        let model = self.model.unwrap_or_else(|| inner.model.clone());
        let prepared = schema::prepare::<T>(inner.provider.wire().target(mode, &model))?;
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
            client: self.client,
            model,
            mode,
            max_retries,
            lenient,
            temperature: self.temperature.or(inner.temperature),
            max_tokens: self.max_tokens.or(inner.max_tokens),
            messages,
            prepared,
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
}

/// Parses what the model wrote into a `T` (leniently, if asked) and runs its rules:
/// the value, or the report of everything wrong with it.
pub(crate) fn judge<T: Extract>(raw: &str, prepared: &Prepared, lenient: bool) -> Result<Parsed<T>, Rejected> {
    parse::judged::<T>(raw, prepared.wrapper(), lenient)
}
