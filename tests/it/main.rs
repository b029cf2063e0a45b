//! The integration tests, one binary with a module per concern (one link instead of
//! one per file). `env_file` stays a binary of its own: it changes the process's
//! working directory and environment.
//!
//! The end-to-end modules (`e2e_local`, `stream_local`, `agent_local`) need `--features integration`
//! and a server named by `PLUCK_TEST_BASE_URL`; the `live_*` modules need `--features
//! live` and a provider key. Both skip with a message otherwise.

mod support;

mod agent;
mod agent_local;
mod agent_providers;
mod agent_react;
mod anthropic;
#[cfg(any(feature = "sqlite", feature = "postgres"))]
mod budget;
mod cache;
mod cost;
mod e2e_local;
mod events;
mod gemini;
mod limits;
mod live_anthropic;
mod live_gemini;
mod live_openai;
mod mock_drop;
mod openai;
mod reask;
mod reasoning;
mod redirects;
mod repair;
mod retry;
#[cfg(feature = "router")]
mod router;
#[cfg(feature = "router")]
mod router_load;
#[cfg(feature = "redis")]
mod router_redis;
mod schema;
mod stream;
mod stream_checks;
mod stream_edges;
mod stream_finish;
mod stream_json;
mod stream_local;
mod stream_providers;
mod stream_timeouts;
mod stream_wire;
mod ui;
mod usage;
mod validators;
