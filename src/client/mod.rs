//! [`Client`]: where requests go and how they are sent.

mod door;

use crate::error::ConfigError;
use crate::observe::{Observer, Observers};
use crate::provider::{LimitName, Provider};
use crate::request::ExtractRequest;
use crate::schema::Target;
use crate::transport::{self, Limits, RetryPolicy, Transport};
use crate::{Error, Extract, Mode};
use reqwest::header::{HeaderMap, HeaderValue, CONTENT_TYPE};
use secrecy::{ExposeSecret, SecretString};
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

const LLAMA_CPP_BASE_URL: &str = "http://127.0.0.1:8080/v1";
const OLLAMA_BASE_URL: &str = "http://127.0.0.1:11434/v1";

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
            .finish()
    }
}

impl Client {
    /// A builder with the defaults: the OpenAI API, `gpt-4o-mini`, [`Mode::JsonSchema`],
    /// 2 re-asks, a 120 s timeout per request (per wait in a stream, see
    /// [`ClientBuilder::timeout`]) and the default [`RetryPolicy`]. Other
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
    pub(crate) fn server(&self) -> (Option<String>, Option<u16>) {
        let url = &self.inner.url;
        (url.host_str().map(str::to_owned), url.port_or_known_default())
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

    /// The schema target `mode` sends to `model`.
    pub(crate) fn target(&self, mode: Mode, model: &str) -> Target {
        self.inner.provider.wire().target(mode, model)
    }
}

/// The builder [`Client::from_env`] configures, reading variables through `var`.
///
/// Values are trimmed (a `.env` line or a shell quote easily adds a space or a `\r`),
/// and names (`PLUCK_PROVIDER`, `PLUCK_MODE`) are read in any case, with or without
/// `_`, `-` or `.` between words.
fn builder_from(var: impl Fn(&str) -> Option<String>) -> Result<ClientBuilder, ConfigError> {
    let var = |name: &str| var(name).map(|value| value.trim().to_owned()).filter(|value| !value.is_empty());
    let mut builder = Client::builder();
    let chosen = var("PLUCK_PROVIDER");
    let provider = match chosen.as_deref().map(spelling).as_deref() {
        Some("openai") => Provider::OpenAi,
        Some("llamacpp") => {
            builder = builder.llama_cpp();
            Provider::OpenAi
        }
        Some("ollama") => {
            builder = builder.ollama();
            Provider::OpenAi
        }
        Some("anthropic" | "claude") => Provider::Anthropic,
        Some("gemini" | "google") => Provider::Gemini,
        Some(_) => {
            return Err(ConfigError::InvalidVariable {
                name: "PLUCK_PROVIDER",
                value: chosen.unwrap_or_default(),
                expected: "openai, anthropic, gemini, llamacpp, ollama",
            })
        }
        None if var("OPENAI_API_KEY").is_some() || var("OPENAI_BASE_URL").is_some() => Provider::OpenAi,
        None if var("ANTHROPIC_API_KEY").is_some() => Provider::Anthropic,
        None if var("GEMINI_API_KEY").is_some() => Provider::Gemini,
        None => Provider::OpenAi,
    };
    let (key, base) = match provider {
        Provider::Anthropic => ("ANTHROPIC_API_KEY", "ANTHROPIC_BASE_URL"),
        Provider::Gemini => ("GEMINI_API_KEY", "GEMINI_BASE_URL"),
        Provider::OpenAi => ("OPENAI_API_KEY", "OPENAI_BASE_URL"),
    };
    builder = builder.provider(provider);
    if let Some(url) = var(base) {
        builder = builder.base_url(url);
    }
    if let Some(key) = var(key) {
        builder = builder.api_key(key);
    }
    if let Some(model) = var("PLUCK_MODEL") {
        builder = builder.model(model);
    }
    if let Some(mode) = var("PLUCK_MODE") {
        builder = builder.mode(parse_mode(&mode)?);
    }
    if let Some(allow) = var("PLUCK_ALLOW_INSECURE_HTTP") {
        builder = builder.allow_insecure_http(parse_bool("PLUCK_ALLOW_INSECURE_HTTP", &allow)?);
    }
    Ok(builder)
}

/// A provider's request URL, parsed: `http` or `https` only (`localhost:8080/v1`
/// parses, with `localhost` as its scheme).
pub(crate) fn endpoint(url: &str) -> Result<reqwest::Url, ConfigError> {
    let invalid = |reason: String| ConfigError::InvalidBaseUrl { url: url.to_owned(), reason, source: None };
    let parsed = reqwest::Url::parse(url).map_err(|err| ConfigError::InvalidBaseUrl {
        url: url.to_owned(),
        reason: "it does not parse as a URL".to_owned(),
        source: Some(std::sync::Arc::new(err)),
    })?;
    match parsed.scheme() {
        "http" | "https" if parsed.has_host() => Ok(parsed),
        "http" | "https" => Err(invalid("no host".to_owned())),
        scheme => Err(invalid(format!("the scheme is `{scheme}`; a base URL starts with http:// or https://"))),
    }
}

/// Whether `url` is on the same host as the provider's own API, however it is written.
fn is_hosted_by(url: &reqwest::Url, default_base_url: &str) -> bool {
    reqwest::Url::parse(default_base_url).is_ok_and(|default| default.host() == url.host())
}

/// A name as a variable may spell it, in its one form: lower case, without the `_`,
/// `-`, `.` or spaces between its words.
fn spelling(value: &str) -> String {
    value.chars().filter(|c| !matches!(c, '_' | '-' | '.' | ' ')).map(|c| c.to_ascii_lowercase()).collect()
}

fn parse_bool(name: &'static str, value: &str) -> Result<bool, ConfigError> {
    match value.trim().to_ascii_lowercase().as_str() {
        "1" | "true" | "yes" | "on" => Ok(true),
        "0" | "false" | "no" | "off" => Ok(false),
        _ => Err(ConfigError::InvalidVariable {
            name,
            value: value.to_owned(),
            expected: "1, true, yes, on, 0, false, no, off",
        }),
    }
}

fn parse_mode(value: &str) -> Result<Mode, ConfigError> {
    Ok(match spelling(value).as_str() {
        "jsonschema" => Mode::JsonSchema,
        "tools" => Mode::Tools,
        "json" => Mode::Json,
        "mdjson" => Mode::MdJson,
        "jsonobjectschema" => Mode::JsonObjectSchema,
        "responses" => Mode::Responses,
        _ => {
            return Err(ConfigError::InvalidVariable {
                name: "PLUCK_MODE",
                value: value.to_owned(),
                expected: "json_schema, tools, json, md_json, json_object_schema, responses",
            })
        }
    })
}

/// Builds a [`Client`].
#[derive(Default)]
pub struct ClientBuilder {
    provider: Provider,
    base_url: Option<String>,
    default_base_url: Option<&'static str>,
    api_key: Option<SecretString>,
    model: Option<String>,
    mode: Option<Mode>,
    max_retries: Option<u32>,
    lenient: Option<bool>,
    timeout: Option<Duration>,
    stream_timeout: Option<Duration>,
    retry_policy: Option<RetryPolicy>,
    temperature: Option<f32>,
    max_tokens: Option<u32>,
    max_completion_tokens: Option<bool>,
    http: Option<reqwest::ClientBuilder>,
    follow_redirects: bool,
    allow_insecure_http: bool,
    limits: Limits,
    observers: Observers,
    #[cfg(feature = "tracing")]
    capture_content: bool,
}

impl fmt::Debug for ClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientBuilder")
            .field("provider", &self.provider)
            .field("base_url", &self.base_url)
            .field("api_key", &self.api_key.as_ref().map(|_| "[REDACTED]"))
            .field("model", &self.model)
            .field("mode", &self.mode)
            .finish_non_exhaustive()
    }
}

impl ClientBuilder {
    /// The provider to speak to; see [`Provider`]. Default [`Provider::OpenAi`].
    pub fn provider(mut self, provider: Provider) -> Self {
        self.provider = provider;
        self
    }

    /// Registers an observer of every extraction the client runs, plain or streamed:
    /// it reads each [`Event`](crate::observe::Event) (a request sent, a transport
    /// retry, a reply, a parse or validation error, a re-ask, the end). See
    /// [`observe`](crate::observe). Observers of one request are added with
    /// [`ExtractRequest::observe`]; the client's hear each event first.
    ///
    /// ```
    /// use pluck::observe::Event;
    ///
    /// let client = pluck::Client::builder()
    ///     .api_key("sk-...")
    ///     .observe(|event: &Event<'_>| {
    ///         if let Event::Response { attempt, latency, usage, .. } = event {
    ///             println!("attempt {attempt}: {latency:?}, {} tokens", usage.total_tokens);
    ///         }
    ///     })
    ///     .build()
    ///     .unwrap();
    /// # let _ = client;
    /// ```
    pub fn observe(mut self, observer: impl Observer + 'static) -> Self {
        self.observers.push(Arc::new(observer));
        self
    }

    /// Whether the spans of extractions record the messages sent and the replies
    /// received (`gen_ai.input.messages`, `gen_ai.output.messages`); off by default, as
    /// the OpenTelemetry GenAI conventions ask, since messages may hold personal data.
    /// The API key is never recorded. See [`spans`](crate::spans).
    ///
    /// ```
    /// let client = pluck::Client::builder().api_key("sk-...").capture_content(true).build().unwrap();
    /// # let _ = client;
    /// ```
    #[cfg(feature = "tracing")]
    pub fn capture_content(mut self, capture: bool) -> Self {
        self.capture_content = capture;
        self
    }

    /// Anthropic's Messages API: shorthand for `.provider(Provider::Anthropic)`.
    ///
    /// ```
    /// let client = pluck::Client::builder().anthropic().api_key("sk-ant-...").build().unwrap();
    /// assert_eq!(client.model(), "claude-haiku-4-5");
    /// ```
    pub fn anthropic(self) -> Self {
        self.provider(Provider::Anthropic)
    }

    /// Google's Gemini API: shorthand for `.provider(Provider::Gemini)`.
    ///
    /// ```
    /// let client = pluck::Client::builder().gemini().api_key("AIza...").build().unwrap();
    /// assert_eq!(client.mode(), pluck::Mode::JsonSchema);
    /// ```
    pub fn gemini(self) -> Self {
        self.provider(Provider::Gemini)
    }

    /// Where requests go: for OpenAI-compatible servers the endpoint up to and
    /// including `/v1`; for Anthropic and Gemini the host (`https://api.anthropic.com`,
    /// `https://generativelanguage.googleapis.com`), which the API paths follow.
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = Some(url.into());
        self
    }

    /// The API key, sent the provider's way (a bearer token for OpenAI, `x-api-key` for
    /// Anthropic, `x-goog-api-key` for Gemini). Kept in a [`SecretString`]: it shows in
    /// no `Debug` output, error or log.
    pub fn api_key(mut self, key: impl Into<String>) -> Self {
        let key: String = key.into();
        self.api_key = (!key.is_empty()).then(|| SecretString::from(key));
        self
    }

    /// The model name.
    pub fn model(mut self, model: impl Into<String>) -> Self {
        self.model = Some(model.into());
        self
    }

    /// How structured output is asked for; see [`Mode`].
    pub fn mode(mut self, mode: Mode) -> Self {
        self.mode = Some(mode);
        self
    }

    /// How many times a reply that fails to parse or validate is sent back to the
    /// model with its errors (so at most `n + 1` replies). Default 2. These are
    /// re-asks; transport retries (resending the same request after a 429, a 5xx or a
    /// dropped connection) are [`RetryPolicy::retries`](crate::RetryPolicy::retries).
    pub fn max_retries(mut self, n: u32) -> Self {
        self.max_retries = Some(n);
        self
    }

    /// Whether a reply that does not parse is read leniently before it is re-asked:
    /// trailing commas, comments, single quotes, unquoted keys, raw line breaks in
    /// strings, a single value where a list belongs, an enum value in another case, a
    /// number written as a string (see [`crate::repair`]). Each change is recorded in
    /// [`Extracted::repairs`](crate::Extracted::repairs). Default: on, except in
    /// [`Mode::JsonSchema`] and [`Mode::Responses`], whose strict schemas the provider
    /// enforces.
    ///
    /// ```
    /// let client = pluck::Client::builder().api_key("sk-...").lenient(false).build().unwrap();
    /// # let _ = client;
    /// ```
    pub fn lenient(mut self, lenient: bool) -> Self {
        self.lenient = Some(lenient);
        self
    }

    /// How long one HTTP request may wait; each retry gets it anew. Default 120 s (300 s
    /// with [`llama_cpp`](Self::llama_cpp)).
    ///
    /// A request read whole ([`Client::extract`], [`ExtractRequest::send`](crate::ExtractRequest::send))
    /// must be over within it, its reply read. A streamed one
    /// ([`Client::extract_stream`], [`Client::extract_items`]) waits at most this long
    /// for its reply to start and then for each chunk of it: a stream that keeps
    /// sending goes on as long as it takes (bound it with
    /// [`stream_timeout`](Self::stream_timeout)). Past it, the request ends in
    /// [`Error::Timeout`]; one whose reply had not started is retried, like any
    /// failed request, one cut in the middle of its stream is not.
    ///
    /// Connecting has its own timeout, 10 s (unless the client comes from
    /// [`http_client`](Self::http_client), which sets its own).
    ///
    /// ```
    /// use std::time::Duration;
    ///
    /// // Waits up to 30 s for the model to start and between two chunks of a stream,
    /// // and lets a stream run for at most 10 minutes.
    /// let client = pluck::Client::builder()
    ///     .api_key("sk-...")
    ///     .timeout(Duration::from_secs(30))
    ///     .stream_timeout(Duration::from_secs(600))
    ///     .build()
    ///     .unwrap();
    /// # let _ = client;
    /// ```
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// How long a whole streamed request may take, from its sending to its last chunk,
    /// on top of [`timeout`](Self::timeout)'s bound on each wait. Default none: a
    /// stream that keeps sending is never cut. Past it, the stream ends in
    /// [`Error::Timeout`]. Requests read whole are bounded by `timeout` alone.
    pub fn stream_timeout(mut self, timeout: Duration) -> Self {
        self.stream_timeout = Some(timeout);
        self
    }

    /// How transport failures (429, 5xx, timeouts, connections) are retried.
    pub fn retry_policy(mut self, policy: RetryPolicy) -> Self {
        self.retry_policy = Some(policy);
        self
    }

    /// The default sampling temperature; unset leaves the provider's default.
    pub fn temperature(mut self, temperature: f32) -> Self {
        self.temperature = Some(temperature);
        self
    }

    /// The default limit on tokens per reply (`max_tokens`; Gemini's
    /// `maxOutputTokens`). Anthropic requires one and gets 4096 when unset. OpenAI's
    /// own API gets it as `max_completion_tokens`, other OpenAI-compatible servers as
    /// `max_tokens` (see [`max_completion_tokens`](Self::max_completion_tokens)).
    pub fn max_tokens(mut self, max_tokens: u32) -> Self {
        self.max_tokens = Some(max_tokens);
        self
    }

    /// Whether an OpenAI-compatible server gets the token limit as
    /// `max_completion_tokens`, OpenAI's current name and the only one its reasoning
    /// models (o1, o3, o4-mini, GPT-5) accept, rather than `max_tokens`, the name
    /// llama.cpp, Ollama, vLLM and most other servers read. The default is `true` for
    /// OpenAI's own API and `false` for any other base URL: set it for a proxy or a
    /// deployment (Azure OpenAI) that serves reasoning models. Other providers have
    /// names of their own and ignore it.
    ///
    /// ```
    /// let client = pluck::Client::builder()
    ///     .base_url("https://my-resource.openai.azure.com/openai/v1")
    ///     .api_key("...")
    ///     .model("o4-mini")
    ///     .max_tokens(2000)
    ///     .max_completion_tokens(true)
    ///     .build()
    ///     .unwrap();
    /// # let _ = client;
    /// ```
    pub fn max_completion_tokens(mut self, send: bool) -> Self {
        self.max_completion_tokens = Some(send);
        self
    }

    /// A `reqwest::ClientBuilder` of your own (proxies, TLS roots, connection pools),
    /// which [`build`](Self::build) finishes. Its redirect policy is replaced with
    /// `reqwest::redirect::Policy::none()`: redirects are pluck's to follow or refuse
    /// (see [`follow_redirects`](Self::follow_redirects)), so that the key's headers
    /// never reach another origin, whatever the client would do.
    ///
    /// ```
    /// let client = pluck::Client::builder()
    ///     .api_key("sk-...")
    ///     .http_client(reqwest::Client::builder().pool_max_idle_per_host(4))
    ///     .build()
    ///     .unwrap();
    /// # let _ = client;
    /// ```
    pub fn http_client(mut self, http: reqwest::ClientBuilder) -> Self {
        self.http = Some(http);
        self
    }

    /// Whether redirects (301, 302, 307 and 308, at most 10 in a row) are followed.
    /// Default `false`: a redirect is [`Error::Redirect`], naming the host it points to.
    /// When on, the request is sent again with its method and body, and the headers
    /// carrying the key go only to the base URL's origin (scheme, host and port): a
    /// redirect elsewhere gets the request without the key.
    ///
    /// ```
    /// let client = pluck::Client::builder().api_key("sk-...").follow_redirects(true).build().unwrap();
    /// # let _ = client;
    /// ```
    pub fn follow_redirects(mut self, follow: bool) -> Self {
        self.follow_redirects = follow;
        self
    }

    /// The most bytes read of one reply's body, streamed or not. Default 64 MiB. A
    /// longer body ends the request with [`Error::ReplyTooLarge`], its connection
    /// dropped and nothing of it kept.
    ///
    /// ```
    /// let client = pluck::Client::builder().api_key("sk-...").max_reply_size(8 << 20).build().unwrap();
    /// # let _ = client;
    /// ```
    pub fn max_reply_size(mut self, bytes: usize) -> Self {
        self.limits.reply = bytes;
        self
    }

    /// The most bytes of one server-sent event of a streamed reply, and of one line
    /// of the stream. Default 4 MiB. A longer one ends the stream with
    /// [`Error::EventTooLarge`], its connection dropped and the event not read.
    ///
    /// ```
    /// let client = pluck::Client::builder().api_key("sk-...").max_event_size(1 << 20).build().unwrap();
    /// # let _ = client;
    /// ```
    pub fn max_event_size(mut self, bytes: usize) -> Self {
        self.limits.event = bytes;
        self
    }

    /// Whether the key may be sent to a plain `http://` base URL on another machine.
    /// Default `false`: keys go only over `https://` or to a loopback address
    /// (`localhost`, 127.0.0.0/8, `::1`), and such a base URL with a key is
    /// [`ConfigError::InsecureBaseUrl`] at [`build`](Self::build). Set it for a
    /// server on a network you trust (`PLUCK_ALLOW_INSECURE_HTTP=1` for
    /// [`Client::from_env`]); a client without a key needs nothing.
    ///
    /// ```
    /// let insecure = pluck::Client::builder().base_url("http://10.1.2.3:8000/v1").api_key("sk-...");
    /// assert!(insecure.build().is_err());
    /// let allowed = pluck::Client::builder()
    ///     .base_url("http://10.1.2.3:8000/v1")
    ///     .api_key("sk-...")
    ///     .allow_insecure_http(true)
    ///     .build();
    /// assert!(allowed.is_ok());
    /// ```
    pub fn allow_insecure_http(mut self, allow: bool) -> Self {
        self.allow_insecure_http = allow;
        self
    }

    /// Preset for a llama.cpp server (`llama-server` or `llama-cpp-python`): its
    /// `json_object` + `schema` dialect ([`Mode::JsonObjectSchema`]), no key,
    /// `http://127.0.0.1:8080/v1` unless a base URL is set, a limit of 1024 tokens per
    /// reply (such servers otherwise write until the context is full) and a 300 s
    /// timeout (small machines are slow).
    pub fn llama_cpp(mut self) -> Self {
        self.provider = Provider::OpenAi;
        self.default_base_url = Some(LLAMA_CPP_BASE_URL);
        self.mode.get_or_insert(Mode::JsonObjectSchema);
        self.model.get_or_insert_with(|| "local".to_owned());
        self.max_tokens.get_or_insert(1024);
        self.timeout.get_or_insert(Duration::from_secs(300));
        self
    }

    /// Preset for Ollama's OpenAI-compatible endpoint: [`Mode::JsonSchema`], no key, and
    /// `http://127.0.0.1:11434/v1` unless a base URL is set.
    pub fn ollama(mut self) -> Self {
        self.provider = Provider::OpenAi;
        self.default_base_url = Some(OLLAMA_BASE_URL);
        self.mode.get_or_insert(Mode::JsonSchema);
        self
    }

    /// Builds the client.
    ///
    /// # Errors
    /// [`ConfigError::InvalidBaseUrl`] for a base URL that does not parse,
    /// [`ConfigError::MissingApiKey`] for a provider's own API without a key,
    /// [`ConfigError::InsecureBaseUrl`] for a key and a plain `http://` base URL to
    /// another machine (unless [`allow_insecure_http`](Self::allow_insecure_http)), and
    /// [`ConfigError::Http`] if the HTTP client cannot be built.
    pub fn build(self) -> Result<Client, Error> {
        let wire = self.provider.wire();
        let base = self.base_url.as_deref().or(self.default_base_url).unwrap_or(wire.default_base_url());
        let base = base.trim().trim_end_matches('/').to_owned();
        let parsed = endpoint(&base)?;
        if self.api_key.is_some() && !self.allow_insecure_http && !transport::keeps_keys_safe(&parsed) {
            return Err(ConfigError::InsecureBaseUrl { url: base }.into());
        }
        let model = self.model.unwrap_or_else(|| wire.default_model().to_owned());
        let mode = self.mode.unwrap_or_else(|| wire.default_mode());
        let url = endpoint(&wire.url(&base, &model, mode))?;
        let stream_url = endpoint(&wire.stream_url(&base, &model, mode))?;
        let hosted = is_hosted_by(&parsed, wire.default_base_url());
        if self.api_key.is_none() && hosted {
            return Err(ConfigError::MissingApiKey { provider: self.provider }.into());
        }
        let mut headers = HeaderMap::new();
        headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
        if let Some(key) = &self.api_key {
            wire.authorize(key, &mut headers)?;
        }
        let http = self
            .http
            .unwrap_or_else(|| reqwest::Client::builder().connect_timeout(Duration::from_secs(10)))
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| ConfigError::Http {
                message: "the HTTP client could not be built".to_owned(),
                source: Some(std::sync::Arc::new(e)),
            })?;
        let limit_name = match self.max_completion_tokens.unwrap_or(hosted) {
            true => LimitName::MaxCompletionTokens,
            false => LimitName::MaxTokens,
        };
        let transport = Transport {
            http,
            policy: self.retry_policy.unwrap_or_default(),
            timeout: self.timeout.unwrap_or(Duration::from_secs(120)),
            stream_timeout: self.stream_timeout,
            follow_redirects: self.follow_redirects,
            limits: self.limits,
        };
        Ok(Client {
            inner: Arc::new(Inner {
                transport,
                provider: self.provider,
                base_url: base,
                url,
                stream_url,
                headers,
                api_key: self.api_key,
                model,
                mode,
                defaults: Defaults {
                    max_retries: self.max_retries.unwrap_or(2),
                    lenient: self.lenient,
                    temperature: self.temperature,
                    max_tokens: self.max_tokens,
                },
                limit_name,
                observers: self.observers,
                #[cfg(feature = "tracing")]
                capture_content: self.capture_content,
            }),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn picked(vars: &[(&str, &str)]) -> Result<ClientBuilder, ConfigError> {
        let vars: HashMap<String, String> = vars.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        builder_from(|name| vars.get(name).cloned())
    }

    #[test]
    fn the_provider_follows_the_keys_set() {
        let only_anthropic = picked(&[("ANTHROPIC_API_KEY", "a"), ("GEMINI_API_KEY", "g")]).unwrap();
        assert_eq!(only_anthropic.provider, Provider::Anthropic);
        let only_gemini = picked(&[("GEMINI_API_KEY", "g"), ("GEMINI_BASE_URL", "http://127.0.0.1:9")]).unwrap();
        assert_eq!(only_gemini.provider, Provider::Gemini);
        assert_eq!(only_gemini.base_url.as_deref(), Some("http://127.0.0.1:9"));
        let openai_wins = picked(&[("OPENAI_API_KEY", "o"), ("ANTHROPIC_API_KEY", "a")]).unwrap();
        assert_eq!(openai_wins.provider, Provider::OpenAi);
        let chosen = picked(&[("OPENAI_API_KEY", "o"), ("PLUCK_PROVIDER", "Gemini"), ("GEMINI_API_KEY", "g")]).unwrap();
        assert_eq!(chosen.provider, Provider::Gemini);
        let built =
            picked(&[("ANTHROPIC_API_KEY", "a"), ("PLUCK_MODEL", "claude-sonnet-4-5")]).unwrap().build().unwrap();
        assert_eq!(
            (built.provider(), built.model(), built.mode()),
            (Provider::Anthropic, "claude-sonnet-4-5", Mode::JsonSchema)
        );
        assert!(matches!(picked(&[("PLUCK_PROVIDER", "bard")]), Err(ConfigError::InvalidVariable { .. })));
        // A local OpenAI-compatible server named by its URL wins over other keys.
        let local = picked(&[("OPENAI_BASE_URL", "http://127.0.0.1:8088/v1"), ("ANTHROPIC_API_KEY", "a")]).unwrap();
        assert_eq!(local.provider, Provider::OpenAi);
        let llama = picked(&[("PLUCK_PROVIDER", "llamacpp"), ("OPENAI_BASE_URL", "http://127.0.0.1:8088/v1")]).unwrap();
        let llama = llama.build().unwrap();
        assert_eq!((llama.provider(), llama.mode()), (Provider::OpenAi, Mode::JsonObjectSchema));
    }

    #[test]
    fn the_token_limit_is_named_as_the_server_reads_it() {
        let name = |builder: ClientBuilder| builder.api_key("k").build().unwrap().inner.limit_name;
        assert_eq!(name(Client::builder()), LimitName::MaxCompletionTokens);
        assert_eq!(name(Client::builder().base_url("https://api.openai.com/v1/")), LimitName::MaxCompletionTokens);
        assert_eq!(name(Client::builder().base_url("http://127.0.0.1:8080/v1")), LimitName::MaxTokens);
        assert_eq!(name(Client::builder().llama_cpp()), LimitName::MaxTokens);
        assert_eq!(name(Client::builder().ollama()), LimitName::MaxTokens);
        let azure = Client::builder().base_url("https://r.openai.azure.com/openai/v1").max_completion_tokens(true);
        assert_eq!(name(azure), LimitName::MaxCompletionTokens);
        assert_eq!(name(Client::builder().max_completion_tokens(false)), LimitName::MaxTokens);
    }

    #[test]
    fn a_base_url_must_be_http_or_https() {
        for base in ["localhost:18777/v1", "127.0.0.1:18777/v1", "ftp://example.com/v1", "file:///tmp/v1", "not a url"]
        {
            let err = Client::builder().base_url(base).build().unwrap_err();
            assert!(matches!(err, Error::Config(ConfigError::InvalidBaseUrl { .. })), "{base}: {err:?}");
        }
        let err = picked(&[("OPENAI_BASE_URL", "localhost:18777/v1")]).unwrap().build().unwrap_err();
        assert!(matches!(err, Error::Config(ConfigError::InvalidBaseUrl { .. })), "{err:?}");
        Client::builder().base_url("HTTP://127.0.0.1:8080/v1").build().unwrap();
    }

    #[test]
    fn variables_are_trimmed_and_read_in_any_spelling() {
        let mode = |value: &str| picked(&[("OPENAI_API_KEY", "k"), ("PLUCK_MODE", value)]).map(|b| b.mode);
        for (value, expected) in [
            (" tools", Mode::Tools),
            ("JsonSchema", Mode::JsonSchema),
            ("JSONSCHEMA", Mode::JsonSchema),
            ("json-schema\n", Mode::JsonSchema),
            ("MdJson", Mode::MdJson),
            ("md_json", Mode::MdJson),
            ("JsonObjectSchema", Mode::JsonObjectSchema),
            ("Json", Mode::Json),
        ] {
            assert_eq!(mode(value).ok(), Some(Some(expected)), "{value:?}");
        }
        assert!(matches!(mode("jsonish"), Err(ConfigError::InvalidVariable { name: "PLUCK_MODE", .. })));
        let provider = |value: &str| picked(&[("PLUCK_PROVIDER", value), ("OPENAI_BASE_URL", "http://127.0.0.1:1/v1")]);
        for (value, expected) in
            [("openai ", Provider::OpenAi), ("\tAnthropic", Provider::Anthropic), ("Gemini", Provider::Gemini)]
        {
            assert_eq!(provider(value).unwrap().provider, expected, "{value:?}");
        }
        for llama in ["LlamaCpp", " llama.cpp ", "llama-cpp"] {
            let built = provider(llama).unwrap().build().unwrap();
            assert_eq!(built.mode(), Mode::JsonObjectSchema, "{llama:?}");
        }
        let key = picked(&[("OPENAI_API_KEY", " sk-k \r\n")]).unwrap().build().unwrap();
        assert!(key.inner.headers.get("authorization").is_some_and(|v| v == "Bearer sk-k"));
    }

    #[test]
    fn the_providers_own_host_needs_a_key_however_it_is_written() {
        for base in ["HTTPS://API.OPENAI.COM/v1", "https://api.openai.com/v1/", " https://api.openai.com/v1"] {
            let err = picked(&[("OPENAI_BASE_URL", base)]).unwrap().build().unwrap_err();
            assert!(
                matches!(err, Error::Config(ConfigError::MissingApiKey { provider: Provider::OpenAi })),
                "{base}: {err:?}"
            );
            let keyed = picked(&[("OPENAI_BASE_URL", base), ("OPENAI_API_KEY", "k")]).unwrap().build().unwrap();
            assert_eq!(keyed.inner.limit_name, LimitName::MaxCompletionTokens, "{base}");
        }
        let err = Client::builder().anthropic().base_url("https://API.anthropic.com/").build().unwrap_err();
        assert!(matches!(err, Error::Config(ConfigError::MissingApiKey { provider: Provider::Anthropic })), "{err:?}");
    }

    #[test]
    fn keys_go_only_over_https_or_to_this_machine() {
        const REMOTE: &str = "http://10.1.2.3:8000/v1";
        const KEY: &str = "sk-test-SECRET-9f8e7d6c5b4a";
        for provider in [Provider::OpenAi, Provider::Anthropic, Provider::Gemini] {
            let err = Client::builder().provider(provider).base_url(REMOTE).api_key(KEY).build().unwrap_err();
            assert!(
                matches!(&err, Error::Config(ConfigError::InsecureBaseUrl { url }) if url == REMOTE),
                "{provider}: {err:?}"
            );
            let message = err.to_string();
            assert!(message.contains("allow_insecure_http(true)") && message.contains("PLUCK_ALLOW_INSECURE_HTTP"));
            assert!(!message.contains(KEY), "{message}");
            let allowed = Client::builder().provider(provider).base_url(REMOTE).api_key(KEY).allow_insecure_http(true);
            allowed.build().unwrap();
        }
        // No key, nothing to protect.
        Client::builder().base_url(REMOTE).build().unwrap();
        let safe = ["https://10.1.2.3/v1", "http://127.0.0.1:8080/v1", "http://127.8.9.10/v1", "http://localhost:1/v1"];
        for base in safe.into_iter().chain(["http://[::1]:8080/v1"]) {
            Client::builder().base_url(base).api_key(KEY).build().unwrap_or_else(|err| panic!("{base}: {err}"));
        }
        let from_env = |extra: &[(&str, &str)]| {
            let mut vars = vec![("OPENAI_API_KEY", KEY), ("OPENAI_BASE_URL", REMOTE)];
            vars.extend_from_slice(extra);
            picked(&vars)
        };
        let err = from_env(&[]).unwrap().build().unwrap_err();
        assert!(matches!(err, Error::Config(ConfigError::InsecureBaseUrl { .. })), "{err:?}");
        from_env(&[("PLUCK_ALLOW_INSECURE_HTTP", "1")]).unwrap().build().unwrap();
        assert!(from_env(&[("PLUCK_ALLOW_INSECURE_HTTP", "0")]).unwrap().build().is_err());
        let invalid = from_env(&[("PLUCK_ALLOW_INSECURE_HTTP", "maybe")]).unwrap_err();
        assert!(matches!(invalid, ConfigError::InvalidVariable { name: "PLUCK_ALLOW_INSECURE_HTTP", .. }));
    }
}
