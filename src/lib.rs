//! # pluck
//!
//! Typed, validated Rust values out of what a large language model writes.
//!
//! Derive [`Extract`] beside [`serde::Deserialize`] and [`schemars::JsonSchema`] on
//! plain structs and enums. pluck sends the model a JSON schema made from the type (doc
//! comments become descriptions, field rules become `minimum`, `maxItems`, ...), reads
//! the reply, runs the field and model rules, and when something fails it tells the
//! model exactly what (paths, rules, values) and asks again, up to a limit. You get a
//! `T`, not a string.
//!
//! ```no_run
//! use pluck::Extract;
//! use schemars::JsonSchema;
//! use serde::Deserialize;
//!
//! /// How senior the role is.
//! #[derive(Extract, Deserialize, JsonSchema, Debug, PartialEq)]
//! #[serde(rename_all = "lowercase")]
//! enum ExperienceLevel { Entry, Mid, Senior }
//!
//! #[derive(Extract, Deserialize, JsonSchema, Debug)]
//! struct Job {
//!     job_title: Option<String>,
//!     experience_level: Option<ExperienceLevel>,
//!     /// How sure the extraction is, from 0 to 1.
//!     #[extract(range(min = 0, max = 1))]
//!     confidence: f64,
//! }
//!
//! # async fn run() -> Result<(), pluck::Error> {
//! // OPENAI_API_KEY (or OPENAI_BASE_URL and PLUCK_PROVIDER for a local server) from the
//! // environment or a .env file:
//! let job: Job = pluck::extract("Senior Rust engineer at Ferrous, remote").await?;
//! # Ok(()) }
//! ```
//!
//! The flow, one module each: [`schema`] (generation, strict transform, cache) →
//! `provider` (wire format) → `transport` (HTTP, retries, error classification) →
//! [`parse`] (JSON out of the reply) → [`validate`](mod@validate) (rules, paths) → [`reask`] (the
//! feedback), looped by one attempt loop for plain and streamed replies alike, whose
//! [`observe::Event`]s observers registered on the client or a request can read. The
//! same events feed OpenTelemetry GenAI spans through `tracing` (module `spans`,
//! feature `tracing`) and the GenAI client metrics through `metrics` (module `meters`,
//! feature `metrics`).
//!
//! [`stream`] shows the value while the model is still writing it (partial values,
//! then the validated value: [`Client::extract_stream`]) and hands out the items of a
//! list one by one as each closes ([`Client::extract_items`]).
//!
//! [`agent`] runs a model with typed [`agent::Tool`]s (its provider's own tool calling,
//! or the ReAct text loop) to a typed, validated answer, each turn a request of the
//! same loop; [`reasoning`] is chain of thought, a `reasoning` field written first.

//!
//! A [`Client`] is cheap to clone and `Send + Sync`: share one across tasks and
//! threads. [`Error`] and [`ConfigError`] are `Send + Sync` too, so they cross `?` into
//! `anyhow` or a task's `JoinHandle`; the streams ([`stream::PartialStream`],
//! [`stream::Items`]) are `Send`, so they can be polled on a spawned task. The crate
//! checks all of this when it compiles, and likewise for [`agent::Agent`] and
//! [`agent::AgentError`] (`Send + Sync`) and [`agent::Steps`] (`Send`).

#![deny(missing_docs)]
#![forbid(unsafe_code)]

// The derive names the crate `::pluck`; the crate derives too (`reasoning`, tests).
extern crate self as pluck;

/// Cases per run of the crate's no-panic proptests: 2,000 in the test suite, more with
/// `PLUCK_FUZZ_CASES`.
#[cfg(test)]
fn fuzz_cases() -> u32 {
    std::env::var("PLUCK_FUZZ_CASES").ok().and_then(|n| n.parse().ok()).unwrap_or(2_000)
}

pub mod agent;
mod attempts;
pub mod budget;
pub mod cache;
mod client;
pub mod cost;
mod error;
mod extract;
mod message;
#[cfg(feature = "metrics")]
pub mod meters;
mod mode;
pub mod observe;
#[cfg(feature = "otel")]
pub mod otel;
pub mod parse;
mod prompt;
mod provider;
pub mod reask;
pub mod reasoning;
pub mod repair;
mod request;
#[cfg(feature = "router")]
pub mod router;
pub mod schema;
#[cfg(any(feature = "tracing", feature = "metrics"))]
mod semconv;
#[cfg(feature = "tracing")]
pub mod spans;
#[cfg(feature = "sqlite")]
mod sqlite;
mod steer;
pub mod stream;
mod transport;
mod usage;
pub mod validate;

#[doc(hidden)]
#[path = "private.rs"]
pub mod __private;

pub use client::{Client, ClientBuilder};
pub use error::{Attempt, Cause, ConfigError, Error, Exhausted};
pub use extract::Extract;
pub use message::{FunctionCall, Message, Role, ToolCall};
pub use mode::Mode;
pub use pluck_derive::Extract;
pub use prompt::DEFAULT_SYSTEM_PROMPT;
pub use provider::Provider;
pub use request::{ExtractRequest, Extracted};
pub use transport::RetryPolicy;
pub use usage::Usage;
pub use validate::validate;

use std::sync::OnceLock;

// What the crate docs promise about threads, checked at compile time.
const _: () = {
    fn send_sync<T: Send + Sync>() {}
    fn send<T: Send>() {}
    #[allow(dead_code)]
    fn promised() {
        send_sync::<Client>();
        send_sync::<ClientBuilder>();
        send_sync::<Error>();
        send_sync::<ConfigError>();
        send_sync::<schema::SchemaError>();
        send::<stream::PartialStream<String>>();
        send::<stream::Items<String>>();
        send::<stream::ItemError>();
        send_sync::<agent::Agent>();
        send_sync::<agent::AgentError>();
        send::<agent::Steps<String>>();
    }
};

/// Extracts a `T` from `text` with a client configured by [`Client::from_env`]
/// (built on first use and shared afterwards).
///
/// # Errors
/// [`ConfigError`] when the environment configures no usable provider; otherwise as
/// [`Client::extract`].
pub async fn extract<T: Extract>(text: impl Into<String>) -> Result<T, Error> {
    static DEFAULT: OnceLock<Client> = OnceLock::new();
    let client = match DEFAULT.get() {
        Some(client) => client,
        None => {
            let client = Client::from_env()?;
            DEFAULT.get_or_init(|| client)
        }
    };
    client.extract(text).await
}

/// The README's examples, compiled as doc tests.
#[doc = include_str!("../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;
