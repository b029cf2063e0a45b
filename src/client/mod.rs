//! [`Client`]: where requests go and how they are sent.

mod builder;
mod costs;
mod door;
pub(crate) mod env;
mod spending;
#[cfg(test)]
mod tests;

pub(crate) use builder::endpoint;
pub use builder::ClientBuilder;
use env::builder_from;

use crate::error::ConfigError;
use crate::observe::Observers;
use crate::provider::{LimitName, Provider};
use crate::request::ExtractRequest;
use crate::schema::Target;
use crate::transport::Transport;
use crate::{Error, Extract, Mode};
use reqwest::header::HeaderMap;
use secrecy::{ExposeSecret, SecretString};
use std::fmt;
use std::sync::Arc;

/// A configured connection to a model. Cheap to clone; share one per provider.
///
/// One client speaks one [`Provider`]'s API, each with its own structured output:
///
/// | provider | builder | default mode | key (`from_env`) | base URL (`from_env`) |
/// | --- | --- | --- | --- | --- |
/// | OpenAI and compatible servers | [`ClientBuilder::provider`]`(Provider::OpenAi)` (the default), [`llama_cpp`](ClientBuilder::llama_cpp), [`ollama`](ClientBuilder::ollama) | [`Mode::JsonSchema`] | `OPENAI_API_KEY` | `OPENAI_BASE_URL` |
/// | Anthropic | [`ClientBuilder::anthropic`] | [`Mode::JsonSchema`] (`output_config.format`; the forced tool for models without structured outputs, and in [`Mode::Tools`]) | `ANTHROPIC_API_KEY` | `ANTHROPIC_BASE_URL` |
/// | Gemini | [`ClientBuilder::gemini`] | [`Mode::JsonSchema`] (`responseJsonSchema`; [`Mode::Tools`] and older models: `responseSchema`) | `GEMINI_API_KEY` | `GEMINI_BASE_URL` |
///
/// Each provider's default model, and the date it was last checked, is in
/// [`Provider`'s table](Provider#default-models).
///
/// Whatever the provider, failures end in the same [`Error`] variants (a refused key
/// is [`Error::Authentication`], a spent balance [`Error::QuotaExhausted`], an
/// overloaded server [`Error::Server`] after retries, ...), and a reply that does not
/// validate is sent back with its errors the way that provider expects.
///
/// ```no_run
/// # async fn run() -> Result<(), pluck::Error> {
/// use pluck::Client;
///
/// let claude = Client::builder()
///     .anthropic()
///     .api_key(std::env::var("ANTHROPIC_API_KEY").unwrap_or_default())
///     .max_tokens(1024)
///     .build()?;
/// let gemini = Client::builder()
///     .gemini()
///     .api_key(std::env::var("GEMINI_API_KEY").unwrap_or_default())
///     .model("gemini-2.5-flash")
///     .build()?;
/// for client in [claude, gemini] {
///     let colours: Vec<String> = client.extract("The sky was blue and the grass green.").await?;
///     println!("{}: {colours:?}", client.provider());
/// }
/// # Ok(()) }
/// ```
///
/// Settings in one place:
///
/// ```no_run
/// # async fn run() -> Result<(), pluck::Error> {
/// use pluck::{Client, Mode};
///
/// let client = Client::builder()
///    .api_key(std::env::var("OPENAI_API_KEY").unwrap_or_default())
///    .model("gpt-4o-mini")
///    .mode(Mode::JsonSchema)
///    .max_retries(2)
///    .build()?;
/// let answer: Vec<String> = client.extract("List the colours: red car, blue sky.").await?;
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct Client {
    pub(crate) inner: Arc<Inner>,
}

pub(crate) struct Inner {
    transport: Transport,
    provider: Provider,
    base_url: String,
    /// The URLs requests for the client's own model and mode go to, plain and
    /// streamed, parsed once: parsing a URL costs more than the rest of building a
    /// request.
    url: reqwest::Url,
    stream_url: reqwest::Url,
    headers: HeaderMap,
    api_key: Option<SecretString>,
    model: String,
    mode: Mode,
    defaults: Defaults,
    limit_name: LimitName,
    observers: Observers,
    customer_budgets: Option<crate::budget::Budget>,
    cache: Option<Arc<dyn crate::cache::ResponseCache>>,
    /// Prices set on the builder, looked up before the shipped table.
    prices: crate::cost::PriceTable,
    /// Whether the server makes a grammar of every schema, tools' too (llama.cpp).
    grammar: bool,
    /// Whether spans record the messages sent and received.
    #[cfg(feature = "tracing")]
    capture_content: bool,
}

/// What a request uses where it sets nothing else.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Defaults {
    pub(crate) max_retries: u32,
    /// Whether a reply that does not parse is read leniently; `None`: by the mode.
    pub(crate) lenient: Option<bool>,
    pub(crate) temperature: Option<f32>,
    pub(crate) max_tokens: Option<u32>,
    pub(crate) budget: Option<crate::cost::Budget>,
    pub(crate) truncation: crate::cost::Truncation,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let inner = &self.inner;
        f.debug_struct("Client")
            .field("provider", &inner.provider)
            .field("base_url", &inner.base_url)
            .field("api_key", &inner.api_key.as_ref().map(|_| "[REDACTED]"))
            .field("model", &inner.model)
            .field("mode", &inner.mode)
            .field("max_retries", &inner.defaults.max_retries)
            .field("lenient", &inner.defaults.lenient)
            .field("retry_policy", &inner.transport.policy)
            .field("timeout", &inner.transport.timeout)
            .field("stream_timeout", &inner.transport.stream_timeout)
            .field("follow_redirects", &inner.transport.follow_redirects)
            .field("max_reply_size", &inner.transport.limits.reply)
            .field("max_event_size", &inner.transport.limits.event)
            .field("observers", &inner.observers)
            .field("customer_budgets", &inner.customer_budgets)
            .field("cache", &inner.cache.is_some())
            .finish()
    }
}

impl Client {
    /// A builder with the defaults: the OpenAI API, `gpt-4o-mini`, [`Mode::JsonSchema`],
    /// 2 re-asks, a 120 s timeout per request (per wait in a stream, see
    /// [`ClientBuilder::timeout`]) and the default [`RetryPolicy`](crate::RetryPolicy). Other
    /// providers have their own default model and mode (see [`Client`]).
    pub fn builder() -> ClientBuilder {
        ClientBuilder::default()
    }

    /// A client configured from the environment (and a `.env` file, if present):
    ///
    /// | variable | meaning | default |
    /// | --- | --- | --- |
    /// | `PLUCK_PROVIDER` | `openai`, `anthropic`, `gemini`, or `llamacpp`/`ollama` (OpenAI-compatible presets) | picked from what is set: OpenAI (a key or `OPENAI_BASE_URL`), else Anthropic, else Gemini |
    /// | `OPENAI_API_KEY` | the OpenAI key | none; required for the OpenAI API |
    /// | `OPENAI_BASE_URL` | an OpenAI-compatible endpoint | `https://api.openai.com/v1` |
    /// | `ANTHROPIC_API_KEY` | the Anthropic key; picks Anthropic when neither `OPENAI_API_KEY` nor `OPENAI_BASE_URL` is set | none |
    /// | `ANTHROPIC_BASE_URL` | Anthropic's host | `https://api.anthropic.com` |
    /// | `GEMINI_API_KEY` | the Gemini key; picks Gemini when neither key above is set | none |
    /// | `GEMINI_BASE_URL` | Gemini's host | `https://generativelanguage.googleapis.com` |
    /// | `PLUCK_MODEL` | the model | the provider's (see [`Provider`'s table](Provider#default-models)) |
    /// | `PLUCK_MODE` | `json_schema`, `tools`, `json`, `md_json`, `json_object_schema` or `responses` | the provider's |
    /// | `PLUCK_ALLOW_INSECURE_HTTP` | `1`/`true` sends the key to an `http://` base URL that is not a loopback address (see [`ClientBuilder::allow_insecure_http`]) | `0` |
    ///
    /// Values are trimmed; provider and mode names are read in any case, with or
    /// without `_` or `-` between words (`json_schema`, `JsonSchema`, `json-schema`).
    /// The provider's own API needs a key however its URL is written
    /// (`HTTPS://API.OPENAI.COM/v1` is `https://api.openai.com/v1`).
    ///
    /// # Errors
    /// [`ConfigError::MissingApiKey`] when a provider's own API is targeted without a
    /// key;
    /// [`ConfigError::InvalidVariable`] for an unknown provider or mode, or a
    /// `PLUCK_ALLOW_INSECURE_HTTP` that is not a boolean;
    /// [`ConfigError::InsecureBaseUrl`] for a key and a plain `http://` base URL to
    /// another machine.
    pub fn from_env() -> Result<Client, Error> {
        let _ = dotenvy::dotenv();
        let var = |name: &str| std::env::var(name).ok().filter(|v| !v.trim().is_empty());
        builder_from(var)?.build()
    }

    /// Extracts a `T` from `text` with the client's settings.
    ///
    /// # Errors
    /// Any [`Error`]: transport failures after retries, truncation, refusal, or
    /// [`Error::ValidationExhausted`] when no reply validated within the re-ask budget.
    pub async fn extract<T: Extract>(&self, text: impl Into<String>) -> Result<T, Error> {
        self.request::<T>().user(text).send().await
    }

    /// A request with per-call settings: system prompt, messages, model, mode,
    /// temperature, token limit, re-asks.
    ///
    /// ```no_run
    /// # async fn run(client: pluck::Client) -> Result<(), pluck::Error> {
    /// let extracted = client
    ///     .request::<Vec<String>>()
    ///     .system("List every programming language the text names.")
    ///     .user("We use Rust, some Python, and a little Go.")
    ///     .temperature(0.0)
    ///     .send_with_usage()
    ///     .await?;
    /// println!("{:?} in {} attempts, {} tokens", extracted.value, extracted.attempts, extracted.usage.total_tokens);
    /// # Ok(()) }
    /// ```
    pub fn request<T: Extract>(&self) -> ExtractRequest<'_, T> {
        ExtractRequest::new(self)
    }

    /// The model requests use unless overridden.
    pub fn model(&self) -> &str {
        &self.inner.model
    }

    /// The mode requests use unless overridden.
    pub fn mode(&self) -> Mode {
        self.inner.mode
    }

    /// The provider the client speaks to.
    pub fn provider(&self) -> Provider {
        self.inner.provider
    }

    /// What a request uses where it sets nothing else.
    pub(crate) fn defaults(&self) -> &Defaults {
        &self.inner.defaults
    }

    /// The observers registered on the client.
    pub(crate) fn observers(&self) -> &Observers {
        &self.inner.observers
    }

    /// The host and port requests for the client's own model go to.
    #[cfg(any(feature = "tracing", feature = "metrics"))]
    pub(crate) fn server(&self) -> (Option<&str>, Option<u16>) {
        let url = &self.inner.url;
        (url.host_str(), url.port_or_known_default())
    }

    /// Whether spans record the messages sent and received.
    #[cfg(feature = "tracing")]
    pub(crate) fn captures_content(&self) -> bool {
        self.inner.capture_content
    }

    /// The key, to scrub from what a reply's body says.
    pub(crate) fn secret(&self) -> Option<&str> {
        self.inner.api_key.as_ref().map(|key| key.expose_secret())
    }

    /// Refuses a mode this client's endpoint cannot honour, before anything is sent.
    pub(crate) fn check_mode(&self, mode: Mode) -> Result<(), ConfigError> {
        self.inner.provider.wire().check_mode(&self.inner.url, mode)
    }

    /// The price of `model`: the builder's, else the shipped table's.
    pub(crate) fn price(&self, model: &str) -> Option<crate::cost::Price> {
        self.inner.prices.get(model).or_else(|| crate::cost::PriceTable::shipped().get(model))
    }

    /// The schema target `mode` sends to `model`.
    ///
    /// A server that makes a grammar of a forced tool's parameters (llama.cpp) gets
    /// them as [`Target::Plain`]: the strict subset would move `minLength`,
    /// `maxLength` and the like into descriptions, where no grammar enforces them.
    pub(crate) fn target(&self, mode: Mode, model: &str) -> Target {
        match mode {
            Mode::Tools if self.inner.grammar => Target::Plain,
            _ => self.inner.provider.wire().target(mode, model),
        }
    }
}
