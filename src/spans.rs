//! Spans through [`tracing`], named and attributed by the OpenTelemetry GenAI
//! semantic conventions (feature `tracing`).
//!
//! Each extraction opens a span `extract` (OpenTelemetry name `extract {Target}`,
//! kind internal), the parent of one span `chat` per attempt (OpenTelemetry name
//! `chat {gen_ai.request.model}`, kind client: the HTTP call, its transport retries
//! included). The extraction span's own parent is the span current where the
//! extraction starts, so a span of yours around a call holds it. The request future
//! runs inside its span across every await.
//!
//! The attribute names follow the GenAI semantic conventions as they stood when they
//! left the semantic-conventions repository (v1.37 era, status "development"):
//!
//! | Attribute | On | Value |
//! |---|---|---|
//! | `gen_ai.operation.name` | both | `chat` |
//! | `gen_ai.provider.name` | both | `openai`, `anthropic`, `gcp.gemini` |
//! | `gen_ai.request.model`, `.temperature`, `.max_tokens`, `.stream` | both | as asked |
//! | `gen_ai.output.type` | both | `json` |
//! | `server.address`, `server.port` | both | the endpoint's host and port |
//! | `gen_ai.response.finish_reasons` | attempt | `stop`, `length`, `content_filter` |
//! | `gen_ai.response.id`, `gen_ai.response.model` | attempt | as the provider said them (replies not streamed) |
//! | `gen_ai.response.time_to_first_chunk` | attempt (streams) | seconds |
//! | `gen_ai.usage.input_tokens`, `.output_tokens` | both | the attempt's; the sum |
//! | `http.response.status_code` | attempt | the reply's status |
//! | `error.type` | both | the [`Error`](crate::Error) variant, or `validation` on an attempt whose reply failed its rules |
//! | `gen_ai.input.messages`, `gen_ai.output.messages` | attempt | only with [`ClientBuilder::capture_content`](crate::ClientBuilder::capture_content) |
//!
//! pluck's own: `pluck.target` (the schema's name), `pluck.mode`, `pluck.attempt`
//! (from 1), `pluck.attempts` and `pluck.reasks` on the extraction, and
//! `pluck.transport.retries` and `pluck.transport.wait_ms` on an attempt. Each
//! transport retry is an event `pluck.transport_retry` on the attempt, each rule a
//! reply broke an event `pluck.violation` (its `pluck.violation.path`, `.rule` and
//! `.message`). `otel.name`, `otel.kind` and `otel.status_code` are the fields the
//! `tracing-opentelemetry` bridge reads for a span's name, kind and status.
//!
//! Neither the API key nor, unless asked, the messages appear in any span or event.
//! With no subscriber listening no span is built.
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")] async fn main() {
//! use tracing::Instrument;
//!
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
//!     .capture_content(false)
//!     .build()
//!     .unwrap();
//! // With a subscriber installed (`tracing-subscriber`, `tracing-opentelemetry`),
//! // the extraction's spans sit under `job`.
//! let job = tracing::info_span!("job");
//! let city = client.extract::<City>("Paris is in France.").instrument(job).await;
//! assert!(city.is_err()); // nothing listens on port 9
//! # }
//! ```

use crate::observe::Event;
use crate::provider::{Finish, Retry};
use crate::semconv::{error_type, finish_reason, provider_name};
use crate::{Client, Message, Mode, Usage};
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use tracing::field::Empty;
use tracing::Span;

/// What every span of an extraction says of its request.
pub(crate) struct Asked<'a> {
    pub(crate) client: &'a Client,
    pub(crate) model: &'a str,
    pub(crate) mode: Mode,
    pub(crate) temperature: Option<f32>,
    pub(crate) max_tokens: Option<u32>,
    pub(crate) target: &'a str,
    pub(crate) stream: bool,
}

/// The spans of one extraction: its own, and the attempt's under way.
pub(crate) struct Spans {
    extraction: Span,
    attempt: Span,
    capture: bool,
    /// What each attempt span is opened with.
    model: String,
    provider: &'static str,
    mode: String,
    target: String,
    temperature: Option<f64>,
    max_tokens: Option<u32>,
    stream: bool,
    address: Option<String>,
    port: Option<u16>,
    /// The attempt's transport retries and the time they waited.
    retries: AtomicU32,
    waited_ms: AtomicU64,
}

impl Spans {
    /// The spans of an extraction about to start, under the current span; `None`
    /// when no subscriber listens.
    pub(crate) fn open(asked: Asked<'_>) -> Option<Self> {
        let provider = provider_name(asked.client.provider());
        let temperature = asked.temperature.map(f64::from);
        // Without a subscriber the macro builds nothing, its fields unevaluated.
        let extraction = tracing::info_span!(
            "extract",
            otel.name = format!("extract {}", asked.target),
            otel.kind = "internal",
            otel.status_code = Empty,
            gen_ai.operation.name = "chat",
            gen_ai.provider.name = provider,
            gen_ai.request.model = asked.model,
            gen_ai.request.temperature = temperature,
            gen_ai.request.max_tokens = asked.max_tokens,
            gen_ai.request.stream = asked.stream,
            gen_ai.output.type = "json",
            server.address = Empty,
            server.port = Empty,
            gen_ai.usage.input_tokens = Empty,
            gen_ai.usage.output_tokens = Empty,
            error.type = Empty,
            pluck.target = asked.target,
            pluck.mode = ?asked.mode,
            pluck.attempts = Empty,
            pluck.reasks = Empty,
        );
        if extraction.is_disabled() {
            return None;
        }
        let (address, port) = asked.client.server();
        extraction.record("server.address", address.as_deref());
        extraction.record("server.port", port);
        Some(Spans {
            extraction,
            attempt: Span::none(),
            capture: asked.client.captures_content(),
            model: asked.model.to_owned(),
            provider,
            mode: format!("{:?}", asked.mode),
            target: asked.target.to_owned(),
            temperature,
            max_tokens: asked.max_tokens,
            stream: asked.stream,
            address,
            port,
            retries: AtomicU32::new(0),
            waited_ms: AtomicU64::new(0),
        })
    }

    /// The extraction's span.
    pub(crate) fn extraction(&self) -> &Span {
        &self.extraction
    }

    /// The span of the attempt under way.
    pub(crate) fn attempt(&self) -> &Span {
        &self.attempt
    }

    /// Attempt `attempt` starts, sending `messages` and the failed `retries`: its span
    /// opens under the extraction's, the last attempt's closes.
    pub(crate) fn begin(&mut self, attempt: u32, messages: &[Message], retries: &[Retry]) {
        self.retries.store(0, Ordering::Relaxed);
        self.waited_ms.store(0, Ordering::Relaxed);
        self.attempt = tracing::info_span!(
            parent: &self.extraction,
            "chat",
            otel.name = format!("chat {}", self.model),
            otel.kind = "client",
            otel.status_code = Empty,
            gen_ai.operation.name = "chat",
            gen_ai.provider.name = self.provider,
            gen_ai.request.model = self.model.as_str(),
            gen_ai.request.temperature = self.temperature,
            gen_ai.request.max_tokens = self.max_tokens,
            gen_ai.request.stream = self.stream,
            gen_ai.output.type = "json",
            server.address = self.address.as_deref(),
            server.port = self.port,
            gen_ai.response.finish_reasons = Empty,
            gen_ai.response.id = Empty,
            gen_ai.response.model = Empty,
            gen_ai.response.time_to_first_chunk = Empty,
            gen_ai.usage.input_tokens = Empty,
            gen_ai.usage.output_tokens = Empty,
            gen_ai.input.messages = Empty,
            gen_ai.output.messages = Empty,
            http.response.status_code = Empty,
            error.type = Empty,
            pluck.target = self.target.as_str(),
            pluck.mode = self.mode.as_str(),
            pluck.attempt = attempt,
            pluck.transport.retries = 0u32,
            pluck.transport.wait_ms = 0u64,
        );
        if self.capture {
            self.attempt.record("gen_ai.input.messages", input_messages(messages, retries).as_str());
        }
    }

    /// The reply's text, recorded when content is captured.
    pub(crate) fn output(&self, raw: &str, finish: Finish) {
        if self.capture {
            let message = serde_json::json!([{
                "role": "assistant",
                "parts": [{"type": "text", "content": raw}],
                "finish_reason": finish_reason(finish),
            }]);
            self.attempt.record("gen_ai.output.messages", message.to_string().as_str());
        }
    }

    /// Records what `event` says on the spans it concerns.
    pub(crate) fn on_event(&self, event: &Event<'_>) {
        let attempt = &self.attempt;
        match event {
            Event::TransportRetry { status, wait, .. } => {
                let retries = self.retries.fetch_add(1, Ordering::Relaxed) + 1;
                let wait_ms = u64::try_from(wait.as_millis()).unwrap_or(u64::MAX);
                let waited = self.waited_ms.fetch_add(wait_ms, Ordering::Relaxed).saturating_add(wait_ms);
                attempt.record("pluck.transport.retries", retries);
                attempt.record("pluck.transport.wait_ms", waited);
                tracing::info!(parent: attempt, http.response.status_code = *status, pluck.wait_ms = wait_ms, "pluck.transport_retry");
            }
            Event::FirstChunk { latency, .. } => {
                attempt.record("gen_ai.response.time_to_first_chunk", latency.as_secs_f64());
            }
            Event::Response { status, usage, finish, id, model, .. } => {
                record_usage(attempt, *usage);
                attempt.record("http.response.status_code", *status);
                attempt.record("gen_ai.response.id", *id);
                attempt.record("gen_ai.response.model", *model);
                if let Some(finish) = finish {
                    attempt.record("gen_ai.response.finish_reasons", finish_reason(*finish));
                }
            }
            Event::ParseError { report, .. } | Event::ValidationError { report, .. } => {
                attempt.record("error.type", "validation");
                for violation in report.iter() {
                    tracing::info!(
                        parent: attempt,
                        pluck.violation.path = %violation.path,
                        pluck.violation.rule = %violation.rule,
                        pluck.violation.message = %violation.message,
                        "pluck.violation"
                    );
                }
            }
            Event::Repaired { repairs, .. } => {
                tracing::info!(parent: attempt, pluck.repairs = repairs.len(), "pluck.repaired");
            }
            Event::Reask { attempt: failed, .. } => {
                self.extraction.record("pluck.reasks", *failed);
            }
            Event::Done { attempts, usage } => {
                self.extraction.record("pluck.attempts", *attempts);
                record_usage(&self.extraction, *usage);
            }
            Event::Failed { attempts, error } => {
                let kind = error_type(error);
                for span in [&self.extraction, attempt] {
                    span.record("error.type", kind.as_str());
                    span.record("otel.status_code", "ERROR");
                }
                self.extraction.record("pluck.attempts", *attempts);
                if let Some(usage) = error.usage() {
                    record_usage(&self.extraction, usage);
                }
            }
            Event::Request { .. } | Event::CacheHit { .. } | Event::BudgetThreshold { .. } => {}
        }
    }
}

fn record_usage(span: &Span, usage: Usage) {
    span.record("gen_ai.usage.input_tokens", usage.prompt_tokens);
    span.record("gen_ai.usage.output_tokens", usage.completion_tokens);
}

/// The conversation an attempt sends, in the conventions' shape: the messages, then
/// each failed reply and the feedback on it.
fn input_messages(messages: &[Message], retries: &[Retry]) -> String {
    let text = |role: serde_json::Value, content: &str| serde_json::json!({"role": role, "parts": [{"type": "text", "content": content}]});
    let mut all: Vec<serde_json::Value> = messages
        .iter()
        .map(|message| {
            let role = serde_json::to_value(message.role).unwrap_or_default();
            text(role, message.content.as_deref().unwrap_or_default())
        })
        .collect();
    for retry in retries {
        all.push(text("assistant".into(), retry.reply.raw()));
        all.push(text("user".into(), &retry.feedback));
    }
    serde_json::Value::Array(all).to_string()
}
