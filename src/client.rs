//! [`Client`]: where requests go and how they are sent.

use crate::error::ConfigError;
use crate::request::ExtractRequest;
use crate::transport::{RetryPolicy, Transport};
use crate::{Error, Extract, Mode};
use reqwest::header::{HeaderMap, HeaderValue, AUTHORIZATION, CONTENT_TYPE};
use secrecy::{ExposeSecret, SecretString};
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

const OPENAI_BASE_URL: &str = "https://api.openai.com/v1";
const LLAMA_CPP_BASE_URL: &str = "http://127.0.0.1:8080/v1";
const OLLAMA_BASE_URL: &str = "http://127.0.0.1:11434/v1";
const DEFAULT_MODEL: &str = "gpt-4o-mini";

/// A configured connection to a model. Cheap to clone; share one per provider.
///
/// ```no_run
/// # async fn run() -> Result<(), pluck::Error> {
/// use pluck::{Client, Mode};
///
/// let client = Client::builder()
///     .api_key(std::env::var("OPENAI_API_KEY").unwrap_or_default())
///     .model("gpt-4o-mini")
///     .mode(Mode::JsonSchema)
///     .max_retries(2)
///     .build()?;
/// let answer: Vec<String> = client.extract("List the colours: red car, blue sky.").await?;
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct Client {
    pub(crate) inner: Arc<Inner>,
}

pub(crate) struct Inner {
    pub(crate) transport: Transport,
    pub(crate) endpoint: String,
    pub(crate) headers: HeaderMap,
    pub(crate) api_key: Option<SecretString>,
    pub(crate) model: String,
    pub(crate) mode: Mode,
    pub(crate) max_retries: u32,
    pub(crate) temperature: Option<f32>,
    pub(crate) max_tokens: Option<u32>,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let inner = &self.inner;
        f.debug_struct("Client")
            .field("endpoint", &inner.endpoint)
            .field("api_key", &inner.api_key.as_ref().map(|_| "[REDACTED]"))
            .field("model", &inner.model)
            .field("mode", &inner.mode)
            .field("max_retries", &inner.max_retries)
            .field("retry_policy", &inner.transport.policy)
            .field("timeout", &inner.transport.timeout)
            .finish()
    }
}

impl Client {
    /// A builder with the defaults: the OpenAI API, `gpt-4o-mini`, [`Mode::JsonSchema`],
    /// 2 re-asks, a 120 s timeout per request and the default [`RetryPolicy`].
    pub fn builder() -> ClientBuilder {
        ClientBuilder::default()
    }

    /// A client configured from the environment (and a `.env` file, if present):
    ///
    /// | variable | meaning | default |
    /// | --- | --- | --- |
    /// | `OPENAI_API_KEY` | the key | none; required for the OpenAI API |
    /// | `OPENAI_BASE_URL` | an OpenAI-compatible endpoint | `https://api.openai.com/v1` |
    /// | `PLUCK_MODEL` | the model | `gpt-4o-mini` |
    /// | `PLUCK_PROVIDER` | `openai`, `llamacpp` or `ollama`: presets for base URL and mode | `openai` |
    /// | `PLUCK_MODE` | `json_schema`, `tools`, `json`, `md_json` or `json_object_schema` | the provider's |
    ///
    /// # Errors
    /// [`ConfigError::MissingApiKey`] when the OpenAI API is targeted without a key;
    /// [`ConfigError::InvalidVariable`] for an unknown provider or mode.
    pub fn from_env() -> Result<Client, Error> {
        let _ = dotenvy::dotenv();
        let var = |name: &str| std::env::var(name).ok().filter(|v| !v.trim().is_empty());
        let mut builder = Client::builder();
        match var("PLUCK_PROVIDER").as_deref().map(str::to_ascii_lowercase).as_deref() {
            None | Some("openai") => {}
            Some("llamacpp" | "llama.cpp" | "llama_cpp" | "llama-cpp") => builder = builder.llama_cpp(),
            Some("ollama") => builder = builder.ollama(),
            Some(other) => {
                return Err(ConfigError::InvalidVariable {
                    name: "PLUCK_PROVIDER",
                    value: other.to_owned(),
                    expected: "openai, llamacpp, ollama",
                }
                .into())
            }
        }
        if let Some(url) = var("OPENAI_BASE_URL") {
            builder = builder.base_url(url);
        }
        if let Some(key) = var("OPENAI_API_KEY") {
            builder = builder.api_key(key);
        }
        if let Some(model) = var("PLUCK_MODEL") {
            builder = builder.model(model);
        }
        if let Some(mode) = var("PLUCK_MODE") {
            builder = builder.mode(parse_mode(&mode)?);
        }
        builder.build()
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
}

fn parse_mode(value: &str) -> Result<Mode, ConfigError> {
    Ok(match value.to_ascii_lowercase().replace('-', "_").as_str() {
        "json_schema" => Mode::JsonSchema,
        "tools" => Mode::Tools,
        "json" => Mode::Json,
        "md_json" => Mode::MdJson,
        "json_object_schema" => Mode::JsonObjectSchema,
        _ => {
            return Err(ConfigError::InvalidVariable {
                name: "PLUCK_MODE",
                value: value.to_owned(),
                expected: "json_schema, tools, json, md_json, json_object_schema",
            })
        }
    })
}

/// Builds a [`Client`].
#[derive(Default)]
pub struct ClientBuilder {
    base_url: Option<String>,
    default_base_url: Option<&'static str>,
    api_key: Option<SecretString>,
    model: Option<String>,
    mode: Option<Mode>,
    max_retries: Option<u32>,
    timeout: Option<Duration>,
    retry_policy: Option<RetryPolicy>,
    temperature: Option<f32>,
    max_tokens: Option<u32>,
    http: Option<reqwest::Client>,
}

impl fmt::Debug for ClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientBuilder")
            .field("base_url", &self.base_url)
            .field("api_key", &self.api_key.as_ref().map(|_| "[REDACTED]"))
            .field("model", &self.model)
            .field("mode", &self.mode)
            .finish_non_exhaustive()
    }
}

impl ClientBuilder {
    /// The OpenAI-compatible endpoint, up to and including `/v1`.
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = Some(url.into());
        self
    }

    /// The API key, sent as a bearer token. Kept in a [`SecretString`]: it shows in no
    /// `Debug` output, error or log.
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
    /// model with its errors (so at most `n + 1` replies). Default 2.
    pub fn max_retries(mut self, n: u32) -> Self {
        self.max_retries = Some(n);
        self
    }

    /// The timeout of each HTTP request, retries included separately. Default 120 s.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
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

    /// The default limit on tokens per reply (`max_tokens`).
    pub fn max_tokens(mut self, max_tokens: u32) -> Self {
        self.max_tokens = Some(max_tokens);
        self
    }

    /// A `reqwest::Client` of your own (proxies, TLS roots, connection pools).
    pub fn http_client(mut self, http: reqwest::Client) -> Self {
        self.http = Some(http);
        self
    }

    /// Preset for a llama.cpp server (`llama-server` or `llama-cpp-python`): its
    /// `json_object` + `schema` dialect ([`Mode::JsonObjectSchema`]), no key,
    /// `http://127.0.0.1:8080/v1` unless a base URL is set, a limit of 1024 tokens per
    /// reply (such servers otherwise write until the context is full) and a 300 s
    /// timeout (small machines are slow).
    pub fn llama_cpp(mut self) -> Self {
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
        self.default_base_url = Some(OLLAMA_BASE_URL);
        self.mode.get_or_insert(Mode::JsonSchema);
        self
    }

    /// Builds the client.
    ///
    /// # Errors
    /// [`ConfigError::InvalidBaseUrl`] for a base URL that does not parse,
    /// [`ConfigError::MissingApiKey`] for the OpenAI API without a key, and
    /// [`ConfigError::Http`] if the HTTP client cannot be built.
    pub fn build(self) -> Result<Client, Error> {
        let base = self.base_url.as_deref().or(self.default_base_url).unwrap_or(OPENAI_BASE_URL);
        let base = base.trim_end_matches('/').to_owned();
        if let Err(err) = reqwest::Url::parse(&base) {
            return Err(ConfigError::InvalidBaseUrl { url: base, reason: err.to_string() }.into());
        }
        if self.api_key.is_none() && base == OPENAI_BASE_URL {
            return Err(ConfigError::MissingApiKey.into());
        }
        let mut headers = HeaderMap::new();
        headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
        if let Some(key) = &self.api_key {
            let mut value = HeaderValue::from_str(&format!("Bearer {}", key.expose_secret()))
                .map_err(|_| ConfigError::Http("the API key holds characters a header cannot carry".to_owned()))?;
            value.set_sensitive(true);
            headers.insert(AUTHORIZATION, value);
        }
        let http = match self.http {
            Some(http) => http,
            None => reqwest::Client::builder()
                .connect_timeout(Duration::from_secs(10))
                .build()
                .map_err(|e| ConfigError::Http(e.to_string()))?,
        };
        let transport = Transport {
            http,
            policy: self.retry_policy.unwrap_or_default(),
            timeout: self.timeout.unwrap_or(Duration::from_secs(120)),
        };
        Ok(Client {
            inner: Arc::new(Inner {
                transport,
                endpoint: format!("{base}/chat/completions"),
                headers,
                api_key: self.api_key,
                model: self.model.unwrap_or_else(|| DEFAULT_MODEL.to_owned()),
                mode: self.mode.unwrap_or_default(),
                max_retries: self.max_retries.unwrap_or(2),
                temperature: self.temperature,
                max_tokens: self.max_tokens,
            }),
        })
    }
}
