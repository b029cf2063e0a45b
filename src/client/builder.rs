//! [`ClientBuilder`]: every option of a [`Client`], checked when it is built.

use super::{Client, Defaults, Inner};
use crate::error::ConfigError;
use crate::observe::{Observer, Observers};
use crate::provider::{LimitName, Provider};
use crate::transport::{self, Limits, RetryPolicy, Transport};
use crate::{Error, Mode};
use reqwest::header::{HeaderMap, HeaderValue, CONTENT_TYPE};
use secrecy::SecretString;
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

const LLAMA_CPP_BASE_URL: &str = "http://127.0.0.1:8080/v1";
const OLLAMA_BASE_URL: &str = "http://127.0.0.1:11434/v1";
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
pub(super) fn is_hosted_by(url: &reqwest::Url, default_base_url: &str) -> bool {
    reqwest::Url::parse(default_base_url).is_ok_and(|default| default.host() == url.host())
}

/// Builds a [`Client`].
#[derive(Default)]
pub struct ClientBuilder {
    pub(super) provider: Provider,
    pub(super) base_url: Option<String>,
    pub(super) default_base_url: Option<&'static str>,
    pub(super) api_key: Option<SecretString>,
    pub(super) model: Option<String>,
    pub(super) mode: Option<Mode>,
    pub(super) max_retries: Option<u32>,
    pub(super) lenient: Option<bool>,
    pub(super) timeout: Option<Duration>,
    pub(super) stream_timeout: Option<Duration>,
    pub(super) retry_policy: Option<RetryPolicy>,
    pub(super) temperature: Option<f32>,
    pub(super) max_tokens: Option<u32>,
    pub(super) max_completion_tokens: Option<bool>,
    pub(super) http: Option<reqwest::ClientBuilder>,
    pub(super) follow_redirects: bool,
    pub(super) allow_insecure_http: bool,
    pub(super) limits: Limits,
    pub(super) observers: Observers,
    /// Per-customer budgets and the response cache (see `costs`).
    pub(super) customer_budgets: Option<crate::budget::Budget>,
    pub(super) cache: Option<Arc<dyn crate::cache::ResponseCache>>,
    pub(super) prices: crate::cost::PriceTable,
    pub(super) budget: Option<crate::cost::Budget>,
    pub(super) truncation: crate::cost::Truncation,
    /// Whether the server turns every schema it is sent, a forced tool's parameters
    /// too, into a grammar that constrains decoding (llama.cpp's servers).
    pub(super) grammar: bool,
    #[cfg(feature = "tracing")]
    pub(super) capture_content: bool,
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
    /// [`ExtractRequest::observe`](crate::ExtractRequest::observe); the client's hear each event first.
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
    ///
    /// In [`Mode::Tools`] the forced tool's parameters are the schema as
    /// [`Mode::JsonObjectSchema`] sends it ([`Target::Plain`](crate::schema::Target::Plain)),
    /// not OpenAI's strict subset: the server makes a grammar of them, which enforces
    /// `minLength`, `maxLength`, `pattern` and the like only where they stay keywords.
    pub fn llama_cpp(mut self) -> Self {
        self.provider = Provider::OpenAi;
        self.grammar = true;
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
                    budget: self.budget,
                    truncation: self.truncation,
                },
                limit_name,
                observers: self.observers,
                customer_budgets: self.customer_budgets,
                cache: self.cache,
                prices: self.prices,
                grammar: self.grammar && self.provider == Provider::OpenAi,
                #[cfg(feature = "tracing")]
                capture_content: self.capture_content,
            }),
        })
    }
}
