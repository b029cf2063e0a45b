//! The router's errors: building it ([`RouterConfigError`]) and finding a deployment
//! for a request ([`RouterError`], inside [`Error::Router`](crate::Error::Router)).

use std::time::Duration;

/// A router that cannot be built as configured. Never holds a key.
///
/// ```
/// use pluck::router::{Router, RouterConfigError};
///
/// let err = Router::from_toml_str("[[deployment]]\ngroup = \"g\"\nmodel = \"m\"\napi_key = \"sk-...\"").unwrap_err();
/// assert!(matches!(err, RouterConfigError::KeyInFile { .. }));
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RouterConfigError {
    /// The configuration file could not be read.
    #[error("the router's configuration `{path}` could not be read: {message}")]
    Read {
        /// The file.
        path: String,
        /// Why.
        message: String,
    },
    /// The TOML does not parse, or holds a field or value the router does not know.
    #[error("the router's configuration does not parse: {message}")]
    Parse {
        /// What is wrong, and where.
        message: String,
    },
    /// A key written in the configuration file: keys are named by their environment
    /// variable (`api_key_env`), never written in the file.
    #[error("deployment `{deployment}` writes its key in the configuration; name its environment variable with `api_key_env` instead")]
    KeyInFile {
        /// The deployment.
        deployment: String,
    },
    /// The environment variable naming a deployment's key is not set.
    #[error("deployment `{deployment}`: the environment variable {variable} holding its key is not set")]
    MissingKey {
        /// The deployment.
        deployment: String,
        /// The variable.
        variable: String,
    },
    /// A deployment's client could not be built.
    #[error("deployment `{deployment}`: {source}")]
    Deployment {
        /// The deployment.
        deployment: String,
        /// Why.
        #[source]
        source: Box<crate::Error>,
    },
    /// No deployment at all.
    #[error("a router needs at least one deployment")]
    Empty,
    /// The Redis URL of [`RouterBuilder::redis`](super::RouterBuilder::redis) is not one.
    #[error("invalid Redis URL: {message}")]
    Redis {
        /// Why.
        message: String,
    },
    /// A fallback names a group with no deployment.
    #[error("the fallbacks of `{from}` name `{to}`, a group with no deployment")]
    UnknownFallback {
        /// The group whose fallbacks these are.
        from: String,
        /// The group named.
        to: String,
    },
}

/// Why the router found no deployment for a request.
///
/// ```
/// # async fn run(router: pluck::router::Router) {
/// use pluck::router::RouterError;
///
/// match router.extract::<String>("gpt-4o-mini", "...").await {
///     Ok(summary) => println!("{summary}"),
///     Err(pluck::Error::Router(RouterError::NoDeployment { retry_in, .. })) => {
///         println!("every deployment is cooling down; back in {retry_in:?}")
///     }
///     Err(other) => println!("{other}"),
/// }
/// # }
/// ```
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum RouterError {
    /// The request names a group the router does not have.
    #[error("the router has no group `{group}`")]
    UnknownGroup {
        /// The group asked for.
        group: String,
    },
    /// Every deployment of the group and of its fallbacks is cooling down (or was
    /// tried already by this request).
    #[error("no deployment of `{group}` or its fallbacks can take the request: all are cooling down{}", retry_in.map(|wait| format!(" (the first is back in {wait:?})")).unwrap_or_default())]
    NoDeployment {
        /// The group asked for.
        group: String,
        /// When the first cooldown ends, if one does.
        retry_in: Option<Duration>,
    },
    /// The Redis that shares rate limits and cooldowns between processes (feature
    /// `redis`) could not be reached or answered wrongly.
    #[error("the router's shared state (Redis) failed: {message}")]
    Store {
        /// What went wrong.
        message: String,
    },
    /// Every deployment that could take the request was at its rate limit for longer
    /// than [`RouterBuilder::max_wait`](super::RouterBuilder::max_wait).
    #[error("every deployment of `{group}` is at its rate limit for longer than {max_wait:?}")]
    RateLimited {
        /// The group asked for.
        group: String,
        /// The wait allowed.
        max_wait: Duration,
    },
}
