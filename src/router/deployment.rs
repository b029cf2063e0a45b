//! A deployment: one configured [`Client`] in a group, with its limits and weight;
//! and its state while the router runs (requests in flight, latency, health, limits).

use super::cooldown::Health;
use super::ratelimit::Limits;
use super::RouterConfigError;
use crate::{Client, ClientBuilder, Mode, Provider, RetryPolicy};
use secrecy::SecretString;
use std::fmt;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

/// One deployment of a group: a provider, base URL, key, model, and optionally its
/// `rpm`, `tpm` and weight. The key is read from the environment by name when the
/// router is built ([`api_key_env`](Self::api_key_env)); it never shows in `Debug`
/// output or errors.
///
/// Its client sends each request once ([`RetryPolicy::none`] unless
/// [`retry_policy`](Self::retry_policy) says otherwise): a failure goes back to the
/// router, which sends the request to another deployment.
///
/// ```
/// use pluck::router::Deployment;
///
/// let deployment = Deployment::openai("gpt-4o-mini")
///     .base_url("https://openrouter.ai/api/v1")
///     .api_key_env("OPENROUTER_KEY")
///     .rpm(6)
///     .weight(2);
/// assert!(!format!("{deployment:?}").contains("sk-"));
/// ```
#[derive(Clone)]
pub struct Deployment {
    source: Source,
    pub(crate) name: Option<String>,
    pub(crate) rpm: Option<u32>,
    pub(crate) tpm: Option<u32>,
    pub(crate) weight: u32,
    pub(crate) context_window: Option<u32>,
}

#[derive(Clone)]
enum Source {
    Spec {
        provider: Provider,
        llama_cpp: bool,
        model: String,
        base_url: Option<String>,
        key_env: Option<String>,
        key: Option<SecretString>,
        mode: Option<Mode>,
        retry_policy: Option<RetryPolicy>,
        max_tokens: Option<u32>,
        timeout: Option<Duration>,
    },
    Client(Client),
}

impl fmt::Debug for Deployment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut out = f.debug_struct("Deployment");
        match &self.source {
            Source::Spec { provider, model, base_url, key_env, key, .. } => out
                .field("provider", provider)
                .field("model", model)
                .field("base_url", base_url)
                .field("api_key_env", key_env)
                .field("api_key", &key.as_ref().map(|_| "[REDACTED]")),
            Source::Client(client) => out.field("client", client),
        };
        out.field("name", &self.name)
            .field("rpm", &self.rpm)
            .field("tpm", &self.tpm)
            .field("weight", &self.weight)
            .finish()
    }
}

impl Deployment {
    fn spec(provider: Provider, model: impl Into<String>) -> Self {
        Deployment::from_source(Source::Spec {
            provider,
            llama_cpp: false,
            model: model.into(),
            base_url: None,
            key_env: None,
            key: None,
            mode: None,
            retry_policy: None,
            max_tokens: None,
            timeout: None,
        })
    }

    fn from_source(source: Source) -> Self {
        Deployment { source, name: None, rpm: None, tpm: None, weight: 1, context_window: None }
    }

    /// An OpenAI-compatible deployment of `model` (OpenAI, OpenRouter, Azure, vLLM...).
    pub fn openai(model: impl Into<String>) -> Self {
        Deployment::spec(Provider::OpenAi, model)
    }

    /// An Anthropic deployment of `model`.
    pub fn anthropic(model: impl Into<String>) -> Self {
        Deployment::spec(Provider::Anthropic, model)
    }

    /// A Gemini deployment of `model`.
    pub fn gemini(model: impl Into<String>) -> Self {
        Deployment::spec(Provider::Gemini, model)
    }

    /// A llama.cpp server (see [`ClientBuilder::llama_cpp`]).
    pub fn llama_cpp(model: impl Into<String>) -> Self {
        let mut deployment = Deployment::spec(Provider::OpenAi, model);
        if let Source::Spec { llama_cpp, .. } = &mut deployment.source {
            *llama_cpp = true;
        }
        deployment
    }

    /// A deployment of a client configured in full: its provider, URL, key, model,
    /// mode and retry policy are the client's. A transport retry of the client is a
    /// request the deployment's `rpm` does not see: give it [`RetryPolicy::none`].
    pub fn client(client: Client) -> Self {
        Deployment::from_source(Source::Client(client))
    }

    fn set(mut self, apply: impl FnOnce(&mut Source)) -> Self {
        apply(&mut self.source);
        self
    }

    /// The base URL (see [`ClientBuilder::base_url`]).
    pub fn base_url(self, url: impl Into<String>) -> Self {
        let url = url.into();
        self.set(|source| {
            if let Source::Spec { base_url, .. } = source {
                *base_url = Some(url);
            }
        })
    }

    /// The environment variable holding the key, read when the router is built (from
    /// a `.env` file too).
    pub fn api_key_env(self, variable: impl Into<String>) -> Self {
        let variable = variable.into();
        self.set(|source| {
            if let Source::Spec { key_env, .. } = source {
                *key_env = Some(variable);
            }
        })
    }

    /// The key itself, for keys that come from elsewhere than the environment.
    pub fn api_key(self, api_key: impl Into<String>) -> Self {
        let api_key: String = api_key.into();
        self.set(|source| {
            if let Source::Spec { key, .. } = source {
                *key = (!api_key.is_empty()).then(|| SecretString::from(api_key));
            }
        })
    }

    /// The mode, in place of the provider's default.
    pub fn mode(self, mode: Mode) -> Self {
        self.set(|source| {
            if let Source::Spec { mode: slot, .. } = source {
                *slot = Some(mode);
            }
        })
    }

    /// The transport's retries on this deployment (default none).
    pub fn retry_policy(self, policy: RetryPolicy) -> Self {
        self.set(|source| {
            if let Source::Spec { retry_policy, .. } = source {
                *retry_policy = Some(policy);
            }
        })
    }

    /// The default limit on tokens per reply (see [`ClientBuilder::max_tokens`]).
    pub fn max_tokens(self, limit: u32) -> Self {
        self.set(|source| {
            if let Source::Spec { max_tokens, .. } = source {
                *max_tokens = Some(limit);
            }
        })
    }

    /// How long one request may wait (see [`ClientBuilder::timeout`]).
    pub fn timeout(self, limit: Duration) -> Self {
        self.set(|source| {
            if let Source::Spec { timeout, .. } = source {
                *timeout = Some(limit);
            }
        })
    }

    /// The name events and errors give it; default `group/index`.
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self
    }

    /// The most requests a minute it is sent, never exceeded.
    pub fn rpm(mut self, rpm: u32) -> Self {
        self.rpm = Some(rpm);
        self
    }

    /// The most tokens a minute it is sent, by [`estimate`](super::tokens::estimate).
    pub fn tpm(mut self, tpm: u32) -> Self {
        self.tpm = Some(tpm);
        self
    }

    /// Its share of the group's traffic under [`Strategy::WeightedShuffle`](super::Strategy)
    /// (default 1).
    pub fn weight(mut self, weight: u32) -> Self {
        self.weight = weight;
        self
    }

    /// The tokens its model's context window holds: a context-window fallback goes to
    /// a group whose window is larger.
    pub fn context_window(mut self, tokens: u32) -> Self {
        self.context_window = Some(tokens);
        self
    }

    /// The client, its key read from the environment through `var`.
    pub(crate) fn build(&self, name: &str, var: &dyn Fn(&str) -> Option<String>) -> Result<Client, RouterConfigError> {
        let Source::Spec {
            provider,
            llama_cpp,
            model,
            base_url,
            key_env,
            key,
            mode,
            retry_policy,
            max_tokens,
            timeout,
        } = &self.source
        else {
            let Source::Client(client) = &self.source else { unreachable!() };
            return Ok(client.clone());
        };
        let mut builder = ClientBuilder::default().provider(*provider).model(model);
        if *llama_cpp {
            builder = builder.llama_cpp();
        }
        if let Some(url) = base_url {
            builder = builder.base_url(url);
        }
        match (key, key_env) {
            (Some(key), _) => builder = builder.api_key(secrecy::ExposeSecret::expose_secret(key)),
            (None, Some(variable)) => match var(variable) {
                Some(key) => builder = builder.api_key(key),
                None => {
                    return Err(RouterConfigError::MissingKey {
                        deployment: name.to_owned(),
                        variable: variable.clone(),
                    })
                }
            },
            (None, None) => {}
        }
        if let Some(mode) = mode {
            builder = builder.mode(*mode);
        }
        if let Some(limit) = max_tokens {
            builder = builder.max_tokens(*limit);
        }
        if let Some(limit) = timeout {
            builder = builder.timeout(*limit);
        }
        builder = builder.retry_policy(retry_policy.clone().unwrap_or_else(RetryPolicy::none));
        builder
            .build()
            .map_err(|source| RouterConfigError::Deployment { deployment: name.to_owned(), source: Box::new(source) })
    }
}

/// A deployment while the router runs.
#[derive(Debug)]
pub(crate) struct Member {
    pub(crate) name: String,
    pub(crate) client: Client,
    pub(crate) weight: u32,
    pub(crate) context_window: Option<u32>,
    /// Its `rpm` and `tpm`, as the shared store reads them.
    #[cfg_attr(not(feature = "redis"), allow(dead_code))]
    pub(crate) limits: (Option<u32>, Option<u32>),
    in_flight: Arc<AtomicU32>,
    state: Mutex<State>,
}

/// What changes as requests go: health, limits, latency.
#[derive(Debug, Default)]
pub(crate) struct State {
    pub(crate) health: Health,
    pub(crate) limits: Limits,
    /// The moving average of latency, in seconds.
    latency: Option<f64>,
}

/// The weight of the newest latency in the moving average.
const LATENCY_SMOOTHING: f64 = 0.2;

impl Member {
    pub(crate) fn new(name: String, client: Client, spec: &Deployment) -> Self {
        Member {
            name,
            client,
            weight: spec.weight,
            context_window: spec.context_window,
            limits: (spec.rpm, spec.tpm),
            in_flight: Arc::new(AtomicU32::new(0)),
            state: Mutex::new(State { limits: Limits::new(spec.rpm, spec.tpm), ..State::default() }),
        }
    }

    pub(crate) fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    pub(crate) fn in_flight(&self) -> u32 {
        self.in_flight.load(Ordering::Relaxed)
    }

    pub(crate) fn latency(&self) -> Option<f64> {
        self.state().latency
    }

    /// A request goes: counted in flight until the lease is dropped.
    pub(crate) fn lease(&self) -> Lease {
        self.in_flight.fetch_add(1, Ordering::Relaxed);
        Lease(self.in_flight.clone())
    }

    pub(crate) fn answered(&self, latency: Duration) {
        let mut state = self.state();
        let seconds = latency.as_secs_f64();
        state.latency = Some(
            state.latency.map_or(seconds, |average| average * (1.0 - LATENCY_SMOOTHING) + seconds * LATENCY_SMOOTHING),
        );
    }
}

/// A request in flight on a deployment.
#[derive(Debug)]
pub(crate) struct Lease(Arc<AtomicU32>);

impl Drop for Lease {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::Relaxed);
    }
}
