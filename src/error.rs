//! The errors an extraction can end with.

use crate::schema::SchemaError;
use crate::validate::Report;
use crate::{Mode, Provider, Usage};
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

/// The error underneath another, kept whole for [`std::error::Error::source`]: never one
/// that could show an API key (pluck keeps such causes as scrubbed text instead).
pub type Cause = Arc<dyn std::error::Error + Send + Sync>;

/// Why an extraction failed. Match on the variant to decide what to do: wait and try
/// later ([`RateLimited`](Error::RateLimited)), fix the request
/// ([`InvalidRequest`](Error::InvalidRequest)), raise the token limit
/// ([`Truncated`](Error::Truncated)), and so on.
///
/// No variant ever holds an API key: provider messages are scrubbed of it.
///
/// ```
/// # async fn run(client: pluck::Client) {
/// match client.extract::<String>("...").await {
///     Ok(summary) => println!("{summary}"),
///     Err(pluck::Error::RateLimited { retry_after, .. }) => println!("busy, retry in {retry_after:?}"),
///     Err(pluck::Error::ValidationExhausted(exhausted)) => {
///         for attempt in exhausted.attempts() {
///             println!("{}\n{}", attempt.raw, attempt.report);
///         }
///     }
///     Err(other) => println!("{other}"),
/// }
/// # }
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The key was refused (401) or lacks permission (403). Not retried.
    #[error("authentication failed (HTTP {status}): {message}")]
    Authentication {
        /// 401 or 403 (400 from Gemini, which answers a malformed key with
        /// `API_KEY_INVALID`).
        status: u16,
        /// The provider's message.
        message: String,
    },
    /// Still rate limited (429) after every transport retry.
    #[error("rate limited after {attempts} attempts: {message}")]
    RateLimited {
        /// The provider's message.
        message: String,
        /// How long the provider asked to wait, if it said.
        retry_after: Option<Duration>,
        /// Requests sent, those of earlier attempts (re-asks) included.
        attempts: u32,
    },
    /// The account's quota or credit is used up (429 `insufficient_quota`). Never retried.
    #[error("quota exhausted: {message}")]
    QuotaExhausted {
        /// The provider's message.
        message: String,
    },
    /// The provider rejected the request (400, 404, 409, 413, 422, ...). Not retried.
    #[error("invalid request (HTTP {status}): {message}")]
    InvalidRequest {
        /// The HTTP status.
        status: u16,
        /// The provider's message.
        message: String,
    },
    /// The messages and schema do not fit the model's context window: the provider
    /// said so, or pluck found it before sending (the counts are then set, and nothing
    /// was sent; see [`cost`](crate::cost)). Not retried.
    #[error("context length exceeded: {message}")]
    ContextLengthExceeded {
        /// The provider's message, or what pluck counted.
        message: String,
        /// The request's input tokens, when pluck counted them.
        input_tokens: Option<u64>,
        /// The cap on the reply's tokens, when pluck counted the request.
        max_output_tokens: Option<u64>,
        /// The model's context window, when pluck counted the request.
        context_window: Option<u64>,
        /// The model, when pluck counted the request.
        model: Option<String>,
    },
    /// The next attempt could pass a budget, so it was not sent (see
    /// [`cost::Budget`](crate::cost::Budget)).
    #[error("{scope} would be passed: {spent} spent, the next attempt may take {next}, the limit is {limit}")]
    BudgetExceeded {
        /// Whose budget.
        scope: crate::cost::BudgetScope,
        /// What was spent before the attempt.
        spent: crate::cost::Amount,
        /// The most the attempt not sent could have taken.
        next: crate::cost::Amount,
        /// The limit.
        limit: crate::cost::Amount,
    },
    /// The provider kept failing (5xx) through every transport retry.
    #[error("server error (HTTP {status}) after {attempts} attempts: {message}")]
    Server {
        /// The last HTTP status.
        status: u16,
        /// The provider's message.
        message: String,
        /// The wait the provider asked for, when it was longer than the retry policy
        /// honours (`RetryPolicy::max_retry_after`): retry after it, if at all.
        retry_after: Option<Duration>,
        /// Requests sent, those of earlier attempts (re-asks) included.
        attempts: u32,
    },
    /// Every attempt timed out: the client's timeout (for a stream, the reply did not
    /// start, or paused, for that long; see
    /// [`ClientBuilder::timeout`](crate::ClientBuilder::timeout)), the stream's
    /// [`stream_timeout`](crate::ClientBuilder::stream_timeout), or the provider's 408.
    #[error("timed out after {attempts} attempts")]
    Timeout {
        /// Requests sent, those of earlier attempts (re-asks) included.
        attempts: u32,
    },
    /// The provider could not be reached through every transport retry, or a reply
    /// broke off while it arrived (its connection closed, or a stream ended with no
    /// finish reason). A streamed reply that breaks off is not sent again: its partials
    /// were shown, and the stream ends with this error.
    #[error("connection failed after {attempts} attempts: {message}")]
    Connection {
        /// What went wrong.
        message: String,
        /// Requests sent, those of earlier attempts (re-asks) included.
        attempts: u32,
        /// Usage over the attempts before this one (a reply that breaks off carries
        /// none of its own as a rule: providers report it at the end).
        usage: Usage,
    },
    /// The model hit its token limit before finishing (`finish_reason: "length"`). Not
    /// re-asked: the same limit would cut it again. Raise `max_tokens` or shorten the
    /// input.
    #[error("the reply was cut off at the token limit after {} completion tokens", usage.completion_tokens)]
    Truncated {
        /// What the model wrote before it was cut.
        raw: String,
        /// Usage over every attempt.
        usage: Usage,
    },
    /// The model refused, or the provider stopped it short of an answer (a content
    /// filter, an unsupported language).
    #[error("the model refused: {message}")]
    Refusal {
        /// The refusal text, or `content_filter`.
        message: String,
        /// Usage over every attempt.
        usage: Usage,
    },
    /// No reply validated within the re-ask budget.
    #[error(transparent)]
    ValidationExhausted(Box<Exhausted>),
    /// The type's schema cannot be sent in the chosen mode.
    #[error(transparent)]
    Schema(#[from] SchemaError),
    /// The client is not configured well enough to send anything.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// A router found no deployment for the request (feature `router`).
    #[cfg(feature = "router")]
    #[error(transparent)]
    Router(#[from] crate::router::RouterError),
    /// The provider answered with a redirect (3xx) that was not followed. Redirects are
    /// followed only when [`ClientBuilder::follow_redirects`](crate::ClientBuilder::follow_redirects)
    /// is on, and then only 301, 302, 307 and 308, at most 10 in a row. Not retried.
    #[error(
        "the provider redirected the request (HTTP {status}) to {}, and it was not followed: \
         redirects are followed only with ClientBuilder::follow_redirects(true) \
         (301, 302, 307 and 308, at most 10 in a row, the key sent only to the base URL's origin)",
        host.as_deref().unwrap_or("no usable location")
    )]
    Redirect {
        /// The redirect's HTTP status.
        status: u16,
        /// The host (and port, when it names one) the redirect pointed to; never its
        /// path or query. `None` when its `Location` was missing or unusable.
        host: Option<String>,
    },
    /// The reply's body was longer than
    /// [`ClientBuilder::max_reply_size`](crate::ClientBuilder::max_reply_size) allows.
    /// The connection was dropped and nothing of the reply kept. Not retried.
    #[error("the reply was longer than {limit} bytes (ClientBuilder::max_reply_size); it was dropped unread")]
    ReplyTooLarge {
        /// The limit, in bytes.
        limit: usize,
    },
    /// One server-sent event of a streamed reply, or one line of it, was longer than
    /// [`ClientBuilder::max_event_size`](crate::ClientBuilder::max_event_size) allows.
    /// The connection was dropped and the event not read.
    #[error(
        "a server-sent event was longer than {limit} bytes (ClientBuilder::max_event_size); the stream was dropped"
    )]
    EventTooLarge {
        /// The limit, in bytes.
        limit: usize,
    },
    /// The budget could not be kept: its store failed, or the customer has no limit.
    #[error(transparent)]
    Budget(#[from] crate::budget::BudgetError),
    /// The response cache could not be read or written.
    #[error(transparent)]
    Cache(#[from] crate::cache::CacheError),
    /// The provider answered 2xx with a body pluck could not read.
    #[error("the provider's reply could not be read: {message}")]
    Decode {
        /// What was wrong with it.
        message: String,
        /// The JSON error underneath, when the body is not the JSON expected.
        #[source]
        source: Option<serde_json::Error>,
    },
}

impl Error {
    /// The token usage spent before the error, where the error carries it.
    pub fn usage(&self) -> Option<Usage> {
        match self {
            Error::Truncated { usage, .. } | Error::Refusal { usage, .. } | Error::Connection { usage, .. } => {
                Some(*usage)
            }
            Error::ValidationExhausted(exhausted) => Some(exhausted.usage),
            _ => None,
        }
    }

    /// The wait the provider asked for before a new try, when the error carries one
    /// (a rate limit or a server error whose wait was longer than the retry policy
    /// honours).
    ///
    /// ```
    /// use std::time::Duration;
    ///
    /// let err = pluck::Error::RateLimited { message: "slow down".into(), retry_after: Some(Duration::from_secs(300)), attempts: 1 };
    /// assert_eq!(err.retry_after(), Some(Duration::from_secs(300)));
    /// ```
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            Error::RateLimited { retry_after, .. } | Error::Server { retry_after, .. } => *retry_after,
            _ => None,
        }
    }

    /// The error of a request made after `earlier` others (the attempts before it, of
    /// which it is a re-ask), when `spent` was spent before it failed: the requests are
    /// counted in the error's attempts, and `spent` is added to a connection error's
    /// usage. (Errors that carry usage from the start are given all of it when made.)
    pub(crate) fn after(mut self, earlier: u32, spent: Usage) -> Self {
        match &mut self {
            Error::Connection { attempts, usage, .. } => {
                *attempts += earlier;
                *usage += spent;
            }
            Error::RateLimited { attempts, .. } | Error::Server { attempts, .. } | Error::Timeout { attempts } => {
                *attempts += earlier;
            }
            _ => {}
        }
        self
    }

    /// The HTTP status behind the error, if there was one.
    pub fn status(&self) -> Option<u16> {
        match self {
            Error::Authentication { status, .. }
            | Error::InvalidRequest { status, .. }
            | Error::Server { status, .. }
            | Error::Redirect { status, .. } => Some(*status),
            Error::RateLimited { .. } | Error::QuotaExhausted { .. } => Some(429),
            _ => None,
        }
    }
}

/// A client that cannot be built or used as configured.
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// No API key for a provider whose own endpoint needs one.
    #[error("no API key for {provider}: set {} (or pass `.api_key(..)`){}", key_variable(*provider), local_hint(*provider))]
    MissingApiKey {
        /// The provider that needs one.
        provider: Provider,
    },
    /// The base URL does not parse.
    #[error("invalid base URL `{url}`: {reason}")]
    InvalidBaseUrl {
        /// The URL as given.
        url: String,
        /// Why it cannot be used.
        reason: String,
        /// The URL parser's error, when it does not parse.
        #[source]
        source: Option<Cause>,
    },
    /// An environment variable holds a value pluck does not know.
    #[error("{name}={value} is not recognised; expected one of: {expected}")]
    InvalidVariable {
        /// The variable.
        name: &'static str,
        /// Its value.
        value: String,
        /// What it may be.
        expected: &'static str,
    },
    /// The key would travel unencrypted: the base URL is `http://` to a host other than
    /// this machine (`localhost`, 127.0.0.0/8, `::1`).
    #[error(
        "the API key would be sent unencrypted to `{url}`: keys go only over https:// or to a loopback address \
         (localhost, 127.0.0.0/8, ::1); use https://, or allow it with ClientBuilder::allow_insecure_http(true) \
         (PLUCK_ALLOW_INSECURE_HTTP=1 for Client::from_env)"
    )]
    InsecureBaseUrl {
        /// The base URL.
        url: String,
    },
    /// The HTTP client could not be built, or could not build a request (a URL or a
    /// header it refuses). Not retried.
    #[error("{message}")]
    Http {
        /// What could not be built, and why.
        message: String,
        /// The HTTP library's error underneath, when it cannot show the key (a request
        /// that could not be built keeps only its scrubbed text, in `message`).
        #[source]
        source: Option<Cause>,
    },
    /// A budget in money was set for a model whose price is unknown: nothing was sent.
    #[error("a budget in dollars needs the price of `{model}`, which the price table does not know: set it with ClientBuilder::price")]
    NoPrice {
        /// The model.
        model: String,
    },
    /// The mode cannot be used with this endpoint: nothing was sent.
    #[error("Mode::{mode:?} cannot be used with {host}: {reason}; use Mode::{instead:?}")]
    UnsupportedMode {
        /// The mode asked for.
        mode: Mode,
        /// The endpoint's host, such as `api.openai.com`.
        host: String,
        /// Why the endpoint cannot honour it.
        reason: &'static str,
        /// The mode to use there instead.
        instead: Mode,
    },
}

/// The environment variable holding `provider`'s key.
fn key_variable(provider: Provider) -> &'static str {
    match provider {
        Provider::OpenAi => "OPENAI_API_KEY",
        Provider::Anthropic => "ANTHROPIC_API_KEY",
        Provider::Gemini => "GEMINI_API_KEY",
    }
}

/// For OpenAI, the way to go without a key: a local OpenAI-compatible server.
fn local_hint(provider: Provider) -> &'static str {
    match provider {
        Provider::OpenAi => {
            ", or point OPENAI_BASE_URL at a local server such as llama.cpp (PLUCK_PROVIDER=llamacpp) that needs none"
        }
        _ => "",
    }
}

/// Every attempt of an extraction that never validated.
#[derive(Debug, Clone)]
pub struct Exhausted {
    pub(crate) attempts: Vec<Attempt>,
    pub(crate) usage: Usage,
    pub(crate) cost: Option<crate::cost::Cost>,
}

impl Exhausted {
    /// Each attempt's raw reply and what was wrong with it, in order.
    pub fn attempts(&self) -> &[Attempt] {
        &self.attempts
    }

    /// Usage summed over every attempt.
    pub fn usage(&self) -> Usage {
        self.usage
    }

    /// What every attempt cost, when the model's price is known (see
    /// [`cost`](crate::cost)).
    pub fn cost(&self) -> Option<&crate::cost::Cost> {
        self.cost.as_ref()
    }
}

impl fmt::Display for Exhausted {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "no valid reply after {} attempts", self.attempts.len())?;
        if let Some(last) = self.attempts.last() {
            write!(f, "; the last one broke:\n{}", last.report)?;
        }
        Ok(())
    }
}

impl std::error::Error for Exhausted {}

/// One reply that did not validate.
#[derive(Debug, Clone)]
pub struct Attempt {
    /// What the model wrote (the content, or the tool call's arguments).
    pub raw: String,
    /// Why it was refused: parse errors (rule `parse`) or broken rules.
    pub report: Report,
    /// The changes tried on the reply before it was refused (see
    /// [`ClientBuilder::lenient`](crate::ClientBuilder::lenient)).
    pub repairs: Vec<crate::repair::Repair>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::error::Error as _;

    /// Every message in `err`'s chain of sources, itself first.
    fn chain<'a>(err: &'a (dyn std::error::Error + 'static)) -> Vec<String> {
        let mut texts = Vec::new();
        let mut next: Option<&'a (dyn std::error::Error + 'static)> = Some(err);
        while let Some(e) = next {
            texts.push(format!("{e} / {e:?}"));
            next = e.source();
        }
        texts
    }

    #[test]
    fn a_reply_that_is_no_json_keeps_the_json_error() {
        let Err(err) = Provider::OpenAi.wire().reply(b"<html>Gateway</html>") else { panic!("read as a completion") };
        assert!(matches!(err, Error::Decode { source: Some(_), .. }), "{err:?}");
        assert!(err.source().is_some_and(|e| e.is::<serde_json::Error>()), "{err:?}");
    }

    #[test]
    fn a_base_url_that_does_not_parse_keeps_the_parser_error() {
        let err = crate::client::endpoint("not a url").unwrap_err();
        assert!(matches!(err, ConfigError::InvalidBaseUrl { source: Some(_), .. }), "{err:?}");
        assert_eq!(chain(&err).len(), 2, "{err:?}");
    }

    #[test]
    fn a_key_no_header_can_carry_keeps_the_header_error_and_not_the_key() {
        const KEY: &str = "sk-secret-\n-value";
        let key = secrecy::SecretString::from(KEY);
        let mut headers = reqwest::header::HeaderMap::new();
        let name = reqwest::header::AUTHORIZATION;
        let err = crate::provider::key_header(&mut headers, name, "Bearer ", &key).unwrap_err();
        let chain = chain(&err);
        assert_eq!(chain.len(), 2, "{err:?}");
        assert!(chain.iter().all(|text| !text.contains("sk-secret")), "{chain:?}");
    }
}
