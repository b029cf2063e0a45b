//! A [`Router`] over deployments: several configured clients under one model name (a
//! group), with load balancing, cooldowns, fallbacks and rate limits, for typed
//! extraction (feature `router`).
//!
//! Each request made through the router runs the same attempt loop as a client's;
//! before each attempt the router chooses the deployment it goes to, and after one
//! that failed it decides where it goes next:
//!
//! - **Choosing**: among the group's deployments that are not cooling down and are
//!   within their `rpm`/`tpm`, by [`Strategy`]: weighted shuffle (the default), least
//!   busy, or lowest latency. A re-ask continues the conversation on the deployment
//!   that wrote the reply, unless that deployment fails.
//! - **Failures**: a deployment that fails `allowed_fails` times (default 3) within a
//!   minute cools down (default 5 s, or as long as the provider's `Retry-After` asked);
//!   a 429 cools it down at once, for its `Retry-After`; a refused key or a spent quota
//!   for [`auth_cooldown`](RouterBuilder::auth_cooldown) (default 5 min). The request
//!   goes to another deployment, then to the group's [`fallbacks`](RouterBuilder::fallbacks).
//!   An invalid request (a 4xx other than 408, 409 and 429) goes nowhere else: its
//!   [`Error::InvalidRequest`](crate::Error::InvalidRequest) is returned as it is.
//! - **Fallbacks by cause**: [`Error::ContextLengthExceeded`](crate::Error::ContextLengthExceeded)
//!   goes to the group's [`context_window_fallbacks`](RouterBuilder::context_window_fallbacks)
//!   (or else to the group with the next larger [`context_window`](Deployment::context_window));
//!   a refusal or a content filter ([`Error::Refusal`](crate::Error::Refusal)) to its
//!   [`content_policy_fallbacks`](RouterBuilder::content_policy_fallbacks). On another
//!   provider the request is resolved anew: its model, its mode, the schema re-targeted.
//! - **Rate limits**: `rpm` and `tpm` per deployment are never exceeded (each a GCRA
//!   without burst; tokens by [`tokens::estimate`]); when every deployment is at its
//!   limit the request waits for the first free one, up to
//!   [`max_wait`](RouterBuilder::max_wait), then fails with [`RouterError::RateLimited`].
//!
//! Every decision is an [`Event`](crate::observe::Event) (`Routed`, `RateLimitWait`,
//! `CooledDown`, `Rerouted`, `Fallback`) that observers, spans and metrics read.
//!
//! ```no_run
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! use pluck::router::{Deployment, Router};
//!
//! let router = Router::builder()
//!     .deployment("gpt-4o-mini", Deployment::openai("openai/gpt-4o-mini")
//!         .base_url("https://openrouter.ai/api/v1")
//!         .api_key_env("OPENROUTER_KEY")
//!         .rpm(6))
//!     .deployment("claude-haiku-4.5", Deployment::anthropic("claude-haiku-4-5")
//!         .api_key_env("ANTHROPIC_API_KEY")
//!         .rpm(6))
//!     .fallbacks("gpt-4o-mini", ["claude-haiku-4.5"])
//!     .allowed_fails(3)
//!     .build()?;
//! let colours: Vec<String> = router.extract("gpt-4o-mini", "The sky was blue, the grass green.").await?;
//! # Ok(()) }
//! ```

mod choose;
mod config;
mod cooldown;
mod deployment;
mod error;
mod extract;
mod ratelimit;
#[cfg(feature = "redis")]
mod redis;
pub mod tokens;

pub use choose::Strategy;
pub use deployment::Deployment;
pub use error::{RouterConfigError, RouterError};

use crate::observe::{Observer, Observers};
use deployment::Member;
use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

/// Deployments grouped under model names, and how requests are spread over them. Cheap
/// to clone; share one.
#[derive(Clone)]
pub struct Router {
    shared: Arc<Shared>,
}

pub(crate) struct Shared {
    /// Group names, in the order they were first named.
    groups: Vec<String>,
    /// Each group's members, by index into `members`.
    group_members: Vec<Vec<usize>>,
    members: Vec<Member>,
    strategy: Strategy,
    policy: cooldown::Policy,
    max_wait: Duration,
    /// By group index: the groups to try next, for each cause.
    fallbacks: Vec<Vec<usize>>,
    context_fallbacks: Vec<Vec<usize>>,
    content_fallbacks: Vec<Vec<usize>>,
    observers: Observers,
    /// Whether a deployment has a `tpm` (requests are then estimated).
    counts_tokens: bool,
    /// By group index: whether a request in it stays on one deployment (one deployment,
    /// no fallback of any kind).
    fixed: Vec<bool>,
    /// Rate limits and cooldowns shared with other processes.
    #[cfg(feature = "redis")]
    store: Option<Arc<redis::Store>>,
}

impl fmt::Debug for Router {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let shared = &self.shared;
        f.debug_struct("Router")
            .field("groups", &shared.groups)
            .field("deployments", &shared.members.iter().map(|member| &member.client).collect::<Vec<_>>())
            .field("strategy", &shared.strategy)
            .field("allowed_fails", &shared.policy.allowed_fails)
            .field("cooldown", &shared.policy.cooldown)
            .finish_non_exhaustive()
    }
}

impl Router {
    /// A builder with LiteLLM's defaults: weighted shuffle, 3 allowed failures a
    /// minute, 5 s cooldowns, 5 min for a refused key, a 60 s wait at most for a rate
    /// limit.
    pub fn builder() -> RouterBuilder {
        RouterBuilder::default()
    }

    /// The group names, in the order they were configured.
    pub fn groups(&self) -> impl Iterator<Item = &str> {
        self.shared.groups.iter().map(String::as_str)
    }

    /// The names of `group`'s deployments.
    pub fn deployments(&self, group: &str) -> Vec<&str> {
        let shared = &self.shared;
        let Some(index) = shared.groups.iter().position(|name| name == group) else { return Vec::new() };
        shared.group_members[index].iter().map(|member| shared.members[*member].name.as_str()).collect()
    }
}

/// Builds a [`Router`]; see [`Router::builder`], [`Router::from_toml_str`].
#[derive(Default)]
pub struct RouterBuilder {
    deployments: Vec<(String, Deployment)>,
    strategy: Strategy,
    policy: cooldown::Policy,
    max_wait: Option<Duration>,
    fallbacks: Vec<(String, Vec<String>)>,
    context_fallbacks: Vec<(String, Vec<String>)>,
    content_fallbacks: Vec<(String, Vec<String>)>,
    observers: Observers,
    #[cfg(feature = "redis")]
    redis: Option<(String, String)>,
}

impl fmt::Debug for RouterBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RouterBuilder")
            .field("deployments", &self.deployments)
            .field("strategy", &self.strategy)
            .finish_non_exhaustive()
    }
}

impl RouterBuilder {
    /// Adds a deployment to `group` (the model name requests ask for).
    pub fn deployment(mut self, group: impl Into<String>, deployment: Deployment) -> Self {
        self.deployments.push((group.into(), deployment));
        self
    }

    /// How a deployment is chosen; default [`Strategy::WeightedShuffle`].
    pub fn strategy(mut self, strategy: Strategy) -> Self {
        self.strategy = strategy;
        self
    }

    /// Failures within a minute after which a deployment cools down (default 3).
    pub fn allowed_fails(mut self, n: u32) -> Self {
        self.policy.allowed_fails = n;
        self
    }

    /// The window `allowed_fails` are counted in (default 60 s).
    pub fn fail_window(mut self, window: Duration) -> Self {
        self.policy.window = window;
        self
    }

    /// How long a failing deployment cools down (default 5 s; longer when the provider
    /// asked for longer with `Retry-After`).
    pub fn cooldown(mut self, cooldown: Duration) -> Self {
        self.policy.cooldown = cooldown;
        self
    }

    /// How long a deployment whose key was refused or whose quota is spent cools down
    /// (default 5 min).
    pub fn auth_cooldown(mut self, cooldown: Duration) -> Self {
        self.policy.auth_cooldown = cooldown;
        self
    }

    /// The longest a request waits for a deployment's rate limit (default 60 s).
    pub fn max_wait(mut self, wait: Duration) -> Self {
        self.max_wait = Some(wait);
        self
    }

    /// The groups a request for `group` goes to, in order, when none of `group`'s
    /// deployments can answer it.
    pub fn fallbacks<S: Into<String>>(mut self, group: impl Into<String>, to: impl IntoIterator<Item = S>) -> Self {
        self.fallbacks.push((group.into(), to.into_iter().map(Into::into).collect()));
        self
    }

    /// The groups a request for `group` goes to when its messages do not fit the
    /// model's context window.
    pub fn context_window_fallbacks<S: Into<String>>(
        mut self,
        group: impl Into<String>,
        to: impl IntoIterator<Item = S>,
    ) -> Self {
        self.context_fallbacks.push((group.into(), to.into_iter().map(Into::into).collect()));
        self
    }

    /// The groups a request for `group` goes to when the model refuses or a content
    /// filter stops it.
    pub fn content_policy_fallbacks<S: Into<String>>(
        mut self,
        group: impl Into<String>,
        to: impl IntoIterator<Item = S>,
    ) -> Self {
        self.content_fallbacks.push((group.into(), to.into_iter().map(Into::into).collect()));
        self
    }

    /// Shares each deployment's rate limits, cooldowns and failure counts with every
    /// process whose router names the same Redis (feature `redis`), at
    /// `redis://[:password@]host[:port][/database]`. Deployments are known by name:
    /// configure them alike in each process. Keys are prefixed `pluck:router:`.
    ///
    /// ```no_run
    /// # fn run() -> Result<(), pluck::router::RouterConfigError> {
    /// use pluck::router::{Deployment, Router};
    ///
    /// let router = Router::builder()
    ///     .deployment("gpt-4o-mini", Deployment::openai("gpt-4o-mini").api_key_env("OPENAI_API_KEY").rpm(500))
    ///     .redis("redis://127.0.0.1:6379/0")
    ///     .build()?;
    /// # Ok(()) }
    /// ```
    #[cfg(feature = "redis")]
    pub fn redis(self, url: impl Into<String>) -> Self {
        self.redis_with_prefix(url, "pluck:router:")
    }

    /// [`redis`](Self::redis) with keys under `prefix` (routers that must not share
    /// state, on one Redis).
    #[cfg(feature = "redis")]
    pub fn redis_with_prefix(mut self, url: impl Into<String>, prefix: impl Into<String>) -> Self {
        self.redis = Some((url.into(), prefix.into()));
        self
    }

    /// Registers an observer of every extraction the router runs: the routing events
    /// and those of each attempt (see [`observe`](crate::observe)).
    pub fn observe(mut self, observer: impl Observer + 'static) -> Self {
        self.observers.push(Arc::new(observer));
        self
    }

    /// Builds the router, reading each deployment's key from the environment (and a
    /// `.env` file, if present).
    ///
    /// # Errors
    /// [`RouterConfigError::Empty`] without deployments,
    /// [`RouterConfigError::MissingKey`] when a key's variable is not set,
    /// [`RouterConfigError::Deployment`] when a client cannot be built, and
    /// [`RouterConfigError::UnknownFallback`] for a fallback to a group with no
    /// deployment.
    pub fn build(self) -> Result<Router, RouterConfigError> {
        let _ = dotenvy::dotenv();
        self.build_with(&|name| std::env::var(name).ok().filter(|value| !value.trim().is_empty()))
    }

    fn build_with(self, var: &dyn Fn(&str) -> Option<String>) -> Result<Router, RouterConfigError> {
        if self.deployments.is_empty() {
            return Err(RouterConfigError::Empty);
        }
        let mut groups: Vec<String> = Vec::new();
        let mut group_members: Vec<Vec<usize>> = Vec::new();
        let mut members = Vec::with_capacity(self.deployments.len());
        for (group, spec) in &self.deployments {
            let index = match groups.iter().position(|name| name == group) {
                Some(index) => index,
                None => {
                    groups.push(group.clone());
                    group_members.push(Vec::new());
                    groups.len() - 1
                }
            };
            let name = spec.name.clone().unwrap_or_else(|| format!("{group}/{}", group_members[index].len()));
            let client = spec.build(&name, var)?;
            group_members[index].push(members.len());
            members.push(Member::new(name, client, spec));
        }
        let by_name: HashMap<&str, usize> = groups.iter().enumerate().map(|(i, name)| (name.as_str(), i)).collect();
        let table = |pairs: &[(String, Vec<String>)]| -> Result<Vec<Vec<usize>>, RouterConfigError> {
            let mut table = vec![Vec::new(); groups.len()];
            for (from, to) in pairs {
                let unknown = |to: &str| RouterConfigError::UnknownFallback { from: from.clone(), to: to.to_owned() };
                let from_index = *by_name.get(from.as_str()).ok_or_else(|| unknown(from))?;
                for name in to {
                    table[from_index].push(*by_name.get(name.as_str()).ok_or_else(|| unknown(name))?);
                }
            }
            Ok(table)
        };
        #[cfg(feature = "redis")]
        let store = match &self.redis {
            Some((url, prefix)) => {
                Some(Arc::new(redis::Store::new(url, prefix).map_err(|message| RouterConfigError::Redis { message })?))
            }
            None => None,
        };
        let counts_tokens = self.deployments.iter().any(|(_, spec)| spec.tpm.is_some());
        let fallbacks = table(&self.fallbacks)?;
        let context_fallbacks = table(&self.context_fallbacks)?;
        let content_fallbacks = table(&self.content_fallbacks)?;
        let windows = self.deployments.iter().any(|(_, spec)| spec.context_window.is_some());
        let fixed = (0..groups.len())
            .map(|group| {
                group_members[group].len() == 1
                    && fallbacks[group].is_empty()
                    && context_fallbacks[group].is_empty()
                    && content_fallbacks[group].is_empty()
                    && !windows
            })
            .collect();
        let shared = Shared {
            #[cfg(feature = "redis")]
            store,
            counts_tokens,
            fixed,
            fallbacks,
            context_fallbacks,
            content_fallbacks,
            groups,
            group_members,
            members,
            strategy: self.strategy,
            policy: self.policy,
            max_wait: self.max_wait.unwrap_or(Duration::from_secs(60)),
            observers: self.observers,
        };
        Ok(Router { shared: Arc::new(shared) })
    }
}
