//! The OpenTelemetry GenAI client metrics through the [`metrics`] facade (feature
//! `metrics`).
//!
//! For each request an extraction sends (each attempt, its transport retries
//! included), pluck records two histograms named by the GenAI semantic conventions:
//!
//! | Metric | Unit | When | Labels beside the common ones |
//! |---|---|---|---|
//! | `gen_ai.client.token.usage` | `{token}` | a reply arrived: once with `gen_ai.token.type` `input`, once `output` | `gen_ai.token.type` |
//! | `gen_ai.client.operation.duration` | `s` | a reply arrived, or the request failed without one | `error.type` on a failure |
//!
//! The common labels: `gen_ai.operation.name` (`chat`), `gen_ai.provider.name`,
//! `gen_ai.request.model`, `server.address`, `server.port`. A reply that arrives but
//! does not validate counts as an operation that succeeded: the re-ask is another.
//! Install any `metrics` recorder (`metrics-exporter-prometheus`, an OpenTelemetry
//! bridge, ...); without one nothing is recorded.
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")] async fn main() {
//! #[derive(serde::Deserialize, schemars::JsonSchema, pluck::Extract)]
//! struct City {
//!     name: String,
//! }
//!
//! let client = pluck::Client::builder()
//!     .api_key("sk-...")
//!     .base_url("http://127.0.0.1:9/v1")
//!     .allow_insecure_http(true)
//!     .retry_policy(pluck::RetryPolicy::none())
//!     .build()
//!     .unwrap();
//! // Nothing listens on port 9: the failed request is recorded as an operation
//! // duration with `error.type`, in whatever recorder is installed.
//! assert!(client.extract::<City>("Paris is in France.").await.is_err());
//! # }
//! ```

use crate::observe::Event;
use crate::semconv::{error_type, provider_name};
use crate::Client;
use metrics::Label;
use std::sync::atomic::{AtomicBool, Ordering};
use tokio::time::Instant;

const TOKEN_USAGE: &str = "gen_ai.client.token.usage";
const OPERATION_DURATION: &str = "gen_ai.client.operation.duration";

/// The metrics of one extraction's requests.
pub(crate) struct Meters {
    /// The labels every measure carries.
    labels: Vec<Label>,
    /// When the request under way was sent.
    sent: Instant,
    /// Whether its reply arrived.
    answered: AtomicBool,
}

impl Meters {
    /// The meters of an extraction of `client` asking `model`.
    pub(crate) fn new(client: &Client, model: &str) -> Self {
        let (address, port) = client.server();
        let mut labels = vec![
            Label::new("gen_ai.operation.name", "chat"),
            Label::new("gen_ai.provider.name", provider_name(client.provider())),
            Label::new("gen_ai.request.model", model.to_owned()),
        ];
        if let Some(address) = address {
            labels.push(Label::new("server.address", address.to_owned()));
        }
        if let Some(port) = port {
            labels.push(Label::new("server.port", port.to_string()));
        }
        Meters { labels, sent: Instant::now(), answered: AtomicBool::new(false) }
    }

    /// A request is sent.
    pub(crate) fn begin(&mut self) {
        self.sent = Instant::now();
        self.answered = AtomicBool::new(false);
    }

    /// Records what `event` measures.
    pub(crate) fn on_event(&self, event: &Event<'_>) {
        match event {
            Event::Response { latency, usage, .. } => {
                self.answered.store(true, Ordering::Relaxed);
                for (kind, tokens) in [("input", usage.prompt_tokens), ("output", usage.completion_tokens)] {
                    let mut labels = self.labels.clone();
                    labels.push(Label::new("gen_ai.token.type", kind));
                    metrics::histogram!(TOKEN_USAGE, labels).record(tokens as f64);
                }
                metrics::histogram!(OPERATION_DURATION, self.labels.clone()).record(latency.as_secs_f64());
            }
            Event::Failed { error, .. } if !self.answered.load(Ordering::Relaxed) => {
                let mut labels = self.labels.clone();
                labels.push(Label::new("error.type", error_type(error)));
                metrics::histogram!(OPERATION_DURATION, labels).record(self.sent.elapsed().as_secs_f64());
            }
            _ => {}
        }
    }
}
