//! [`ExtractRequest`]: one extraction, and the re-ask loop that runs it.

use crate::attempts::{Attempts, Judged};
use crate::cost::{tokens, Budget, Cost, Estimate, TokenCount, Truncation};
use crate::observe::{Observer, Observers};
use crate::parse::{Parsed, Rejected};
use crate::provider::{Call, Offer, ToolChoice, ToolSpec};
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
    /// Replies requested: 1 when the first one validated, 0 when the cache answered.
    pub attempts: u32,
    /// The changes made to the reply so that it parsed (empty when it parsed as
    /// written); see [`ClientBuilder::lenient`](crate::ClientBuilder::lenient).
    pub repairs: Vec<Repair>,
    /// What each attempt cost and their sum, in US dollars, when the model's price is
    /// known (see [`cost`](crate::cost)).
    pub cost: Option<Cost>,
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
    parts: Parts,
    /// The customer whose budget pays, if any.
    customer: Option<String>,
    observers: Observers,
    /// For a request made by a router: what chooses where each attempt goes.
    steer: Option<Box<dyn StartSteer>>,
    budget: Option<Budget>,
    truncation: Option<Truncation>,
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
    pub(crate) stop: Vec<String>,
    /// An agent's tools, declared in the call.
    pub(crate) tools: Option<std::sync::Arc<[ToolSpec]>>,
    /// Whether this is an agent's turn: tools offered (if any), no schema asked for.
    pub(crate) turn: bool,
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
            budget: None,
            truncation: None,
            customer: None,
            _value: PhantomData,
        }
    }

    /// A request whose attempts `steer` sends, `client` giving the defaults until the
    /// first seat.
    #[cfg(feature = "router")]
    pub(crate) fn steered(client: &'c Client, steer: Box<dyn StartSteer>, observers: Observers) -> Self {
        ExtractRequest {
            client,
            parts: Parts::default(),
            observers,
            steer: Some(steer),
            budget: None,
            truncation: None,
            customer: None,
            _value: PhantomData,
        }
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

    /// Sequences that end the model's reply where it writes them (`stop` to
    /// OpenAI-compatible servers, `stop_sequences` to Anthropic, `stopSequences` to
    /// Gemini), for this call. The sequence itself is not part of the reply.
    ///
    /// ```no_run
    /// # async fn run(client: pluck::Client) -> Result<(), pluck::Error> {
    /// let first: Vec<String> = client.request().user("List three colours.").stop(["\n\n"]).send().await?;
    /// # Ok(()) }
    /// ```
    pub fn stop<S: Into<String>>(mut self, sequences: impl IntoIterator<Item = S>) -> Self {
        self.parts.stop = sequences.into_iter().map(Into::into).collect();
        self
    }

    /// Declares an agent's tools in the call: offered to the model on its turn, or,
    /// for the final answer, declared so that the conversation may hold calls of them.
    pub(crate) fn tools(mut self, tools: std::sync::Arc<[ToolSpec]>) -> Self {
        self.parts.tools = Some(tools);
        self
    }

    /// Adds observers (an agent's) after the request's own.
    pub(crate) fn observers(mut self, observers: Observers) -> Self {
        self.observers.extend(observers);
        self
    }

    /// Makes the call an agent's turn: its tools offered (if any), no schema asked for
    /// and none in the system prompt.
    pub(crate) fn turn(mut self) -> Self {
        self.parts.turn = true;
        self
    }

    /// The customer this extraction is made for: each of its attempts is paid from
    /// their budget (see [`budget`](crate::budget) and
    /// [`ClientBuilder::customer_budgets`](crate::ClientBuilder::customer_budgets)),
    /// and is not made when the budget cannot afford it.
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

    /// The budget of this extraction, over all its attempts: an attempt that could
    /// pass it is not sent, and the extraction ends with
    /// [`Error::BudgetExceeded`]. See [`Budget`].
    ///
    /// ```no_run
    /// # async fn run(client: pluck::Client) -> Result<(), pluck::Error> {
    /// use pluck::cost::Budget;
    ///
    /// let summary: String = client.request().user("...").max_tokens(300).budget(Budget::tokens(2_000)).send().await?;
    /// # Ok(()) }
    /// ```
    pub fn budget(mut self, budget: Budget) -> Self {
        self.budget = Some(budget);
        self
    }

    /// What this extraction does with a reply cut at its token cap. See
    /// [`Truncation`] and [`ClientBuilder::on_truncation`](crate::ClientBuilder::on_truncation).
    pub fn on_truncation(mut self, policy: Truncation) -> Self {
        self.truncation = Some(policy);
        self
    }

    /// What the first attempt will take and may cost, worked out without sending it:
    /// its input tokens as sent (messages, schema, per-message overhead), the output
    /// cap, the cost range and the model's context window. See [`Estimate`].
    ///
    /// ```
    /// # fn main() -> Result<(), pluck::Error> {
    /// let client = pluck::Client::builder().api_key("sk-...").model("gpt-4o-mini").build()?;
    /// let estimate = client.request::<Vec<String>>().user("Name the colours: red, green.").estimate()?;
    /// assert!(estimate.input_tokens.tokens > 10);
    /// assert_eq!(estimate.context_window, Some(128_000));
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    /// As [`send`](Self::send) before anything is sent: the schema may not fit the mode.
    pub fn estimate(&self) -> Result<Estimate, Error> {
        let resolved = self.copied().resolve()?;
        let call = resolved.first_call();
        Ok(Estimate::of(self.client.provider(), &call, self.client.price(&resolved.model).as_ref()))
    }

    /// A copy of the request as far as it shapes what is sent, without its observers,
    /// budget or truncation policy.
    fn copied(&self) -> Self {
        ExtractRequest {
            client: self.client,
            parts: self.parts.clone(),
            observers: Observers::default(),
            steer: None,
            budget: None,
            truncation: None,
            customer: None,
            _value: PhantomData,
        }
    }

    /// The first attempt's input tokens as the provider counts them: Anthropic's
    /// `messages/count_tokens` and Gemini's `countTokens` endpoints count with the
    /// model's own tokenizer, without running the model (free, but a request); for
    /// OpenAI, which has no such endpoint, the local count of
    /// [`estimate`](Self::estimate), with no request.
    ///
    /// ```no_run
    /// # async fn run() -> Result<(), pluck::Error> {
    /// let client = pluck::Client::builder().anthropic().build()?;
    /// let counted = client.request::<String>().user("Summarise: ...").count_tokens().await?;
    /// assert!(counted.exact);
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    /// As [`estimate`](Self::estimate), and for Anthropic and Gemini the transport's
    /// errors (after its retries) or a reply that is no token count.
    pub async fn count_tokens(&self) -> Result<TokenCount, Error> {
        let resolved = self.copied().resolve()?;
        let call = resolved.first_call();
        match self.client.count(&call).await? {
            Some(tokens) => Ok(TokenCount { tokens, exact: true }),
            None => Ok(tokens::count(self.client.provider(), &call)),
        }
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
        let run = crate::spans::entered(&span, run);
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
        if let (Some(customer), None) = (&self.customer, client.customer_budgets()) {
            return Err(crate::budget::BudgetError::NotConfigured { customer: customer.clone() }.into());
        }
        let defaults = client.defaults();
        let (tools, turn, stop) = (parts.tools.take(), parts.turn, std::mem::take(&mut parts.stop));
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
            customer: self.customer,
            observers: self.observers,
            steer,
            tools,
            turn,
            stop,
            budget: self.budget.or(defaults.budget),
            truncation: self.truncation.unwrap_or(defaults.truncation),
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
    let instruction = prompt::schema_instruction(mode, &prepared).filter(|_| !parts.turn);
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
    /// The customer whose budget pays, if any.
    pub(crate) customer: Option<String>,
    /// The request's own observers.
    pub(crate) observers: Observers,
    /// What chooses where each attempt goes, for a routed request.
    pub(crate) steer: Option<Box<dyn Steer>>,
    /// An agent's tools, and whether this is its turn.
    pub(crate) tools: Option<std::sync::Arc<[ToolSpec]>>,
    pub(crate) turn: bool,
    /// Sequences that end a reply.
    pub(crate) stop: Vec<String>,
    pub(crate) budget: Option<Budget>,
    pub(crate) truncation: Truncation,
}

impl Resolved<'_> {
    /// Whether the model may call the declared tools: on an agent's turn only.
    pub(crate) fn tool_choice(&self) -> ToolChoice {
        if self.turn {
            ToolChoice::Auto
        } else {
            ToolChoice::None
        }
    }

    /// The first attempt's call.
    fn first_call(&self) -> Call<'_> {
        Call {
            model: &self.model,
            messages: &self.messages,
            retries: &[],
            schema: &self.prepared,
            mode: self.mode,
            temperature: self.temperature,
            max_tokens: self.max_tokens,
            tools: self.tools.as_deref().map(|tools| Offer { tools, choice: self.tool_choice() }),
            stop: &self.stop,
        }
    }
}

/// Parses what the model wrote into a `T` (leniently, if asked) and runs its rules:
/// the value, or the report of everything wrong with it.
pub(crate) fn judge<T: Extract>(raw: &str, prepared: &Prepared, lenient: bool) -> Result<Parsed<T>, Rejected> {
    parse::judged::<T>(raw, prepared.wrapper(), lenient)
}
