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
//! | `gen_ai.response.id`, `gen_ai.response.model` | attempt | as the provider said them |
//! | `gen_ai.response.time_to_first_chunk` | attempt (streams) | seconds |
//! | `gen_ai.usage.input_tokens`, `.output_tokens` | both | the attempt's; the sum |
//! | `gen_ai.usage.cache_read.input_tokens`, `.cache_creation.input_tokens`, `gen_ai.usage.reasoning.output_tokens` | both | the same, when the provider reports them non-zero (newer experimental names) |
//! | `http.response.status_code` | attempt | the reply's status |
//! | `error.type` | both | the [`Error`](crate::Error) variant, or `validation` on an attempt whose reply failed its rules |
//! | `gen_ai.input.messages`, `gen_ai.output.messages` | attempt | only with [`ClientBuilder::capture_content`](crate::ClientBuilder::capture_content) |
//!
//! Beside them, the OpenInference attributes that Arize Phoenix and other
//! OpenInference readers show LLM calls by, where they map:
//!
//! | Attribute | On | Value |
//! |---|---|---|
//! | `openinference.span.kind` | both | `CHAIN` on the extraction, `LLM` on an attempt |
//! | `llm.provider` | attempt | `openai`, `anthropic`, `google` |
//! | `llm.model_name` | attempt | the model that replied, else the model asked |
//! | `llm.invocation_parameters` | attempt | JSON of `temperature` and `max_tokens`, as asked |
//! | `llm.token_count.prompt`, `.completion`, `.total` | attempt | the attempt's tokens |
//! | `input.value`, `output.value` (and their `.mime_type`) | attempt | only with content capture |
//!
//! Token counts sit on the attempts only, so that a reader summing a trace's LLM
//! spans counts each token once.
//!
//! pluck's own: `pluck.target` (the schema's name), `pluck.mode`, `pluck.attempt`
//! (from 1), `pluck.attempts` and `pluck.reasks` on the extraction, and
//! `pluck.transport.retries` and `pluck.transport.wait_ms` on an attempt. Each
//! transport retry is an event `pluck.transport_retry` on the attempt, each rule a
//! reply broke an event `pluck.violation` (its `pluck.violation.path`, `.rule` and
//! `.message`). Counts are recorded as `i64`, which the OpenTelemetry bridge exports as
//! integers. `otel.name`, `otel.kind` and `otel.status_code` are the fields the
//! `tracing-opentelemetry` bridge reads for a span's name, kind and status.
//!
//! An [`agent`](crate::agent)'s run is a span `invoke_agent` (OpenTelemetry name
//! `invoke_agent {name}`, kind internal: `gen_ai.operation.name` `invoke_agent`,
//! `gen_ai.agent.name`, `gen_ai.provider.name`, `gen_ai.request.model`, and
//! `error.type` `MaxIterations` or the request's error when it ends without an answer)
//! that holds the `extract` spans of its turns and final answer and one span
//! `execute_tool` per tool call (OpenTelemetry name `execute_tool {tool}`:
//! `gen_ai.operation.name` `execute_tool`, `gen_ai.tool.name`, `gen_ai.tool.call.id`,
//! `gen_ai.tool.type` `function`, and `error.type` `tool_error` when the tool fails).
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
use crate::semconv::{error_type, finish_reason, openinference_provider, provider_name};
use crate::{Client, Message, Mode, Usage};
use std::borrow::Cow;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::sync::OnceLock;
use tracing::field::{Empty, Field, Value};
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
///
/// What the attempts are opened with (model, mode, server) is read from the request
/// at each [`begin`](Spans::begin), so nothing of it is copied here.
pub(crate) struct Spans {
    extraction: Span,
    attempt: Span,
    capture: bool,
    /// The attempt's transport retries and the time they waited.
    retries: AtomicU32,
    waited_ms: AtomicU64,
}

/// Field names of one span's callsite, resolved to [`Field`]s once: recording by
/// `Field` skips the search of the callsite's names that recording by name makes, and
/// [`Fields::record`] hands several values to the subscriber in one call.
struct Fields<const N: usize> {
    names: [&'static str; N],
    resolved: OnceLock<Option<[Field; N]>>,
}

impl<const N: usize> Fields<N> {
    const fn new(names: [&'static str; N]) -> Self {
        Fields { names, resolved: OnceLock::new() }
    }

    /// Records `values` (`None`: left as they are) on `span`, each under the name at
    /// its index. Every span given one `Fields` comes from one callsite.
    fn record(&self, span: &Span, values: [Option<&dyn Value>; N]) {
        let Some(meta) = span.metadata() else { return };
        let resolved = self.resolved.get_or_init(|| {
            let fields: Option<Vec<Field>> = self.names.iter().map(|name| meta.fields().field(name)).collect();
            fields.and_then(|fields| fields.try_into().ok())
        });
        let Some(fields) = resolved else { return };
        debug_assert!(fields.iter().all(|field| field.callsite() == meta.callsite()), "one callsite per Fields");
        let pairs: [(&Field, Option<&dyn Value>); N] = std::array::from_fn(|i| (&fields[i], values[i]));
        span.record_all(&meta.fields().value_set(&pairs));
    }
}

/// What a reply says, recorded on its attempt's span.
static RESPONSE: Fields<13> = Fields::new([
    "gen_ai.usage.input_tokens",
    "gen_ai.usage.output_tokens",
    "gen_ai.usage.cache_read.input_tokens",
    "gen_ai.usage.cache_creation.input_tokens",
    "gen_ai.usage.reasoning.output_tokens",
    "llm.token_count.prompt",
    "llm.token_count.completion",
    "llm.token_count.total",
    "http.response.status_code",
    "gen_ai.response.id",
    "gen_ai.response.model",
    "llm.model_name",
    "gen_ai.response.finish_reasons",
]);

/// What the extraction's end says, recorded on its span.
static DONE: Fields<6> = Fields::new([
    "pluck.attempts",
    "gen_ai.usage.input_tokens",
    "gen_ai.usage.output_tokens",
    "gen_ai.usage.cache_read.input_tokens",
    "gen_ai.usage.cache_creation.input_tokens",
    "gen_ai.usage.reasoning.output_tokens",
]);

impl Spans {
    /// The spans of an extraction about to start, under the current span; `None`
    /// when no subscriber listens.
    pub(crate) fn open(asked: Asked<'_>) -> Option<Self> {
        let (address, port) = asked.client.server();
        // Without a subscriber the macro builds nothing, its fields unevaluated.
        let extraction = tracing::info_span!(
            "extract",
            otel.name = format_args!("extract {}", asked.target),
            otel.kind = "internal",
            otel.status_code = Empty,
            gen_ai.operation.name = "chat",
            gen_ai.provider.name = provider_name(asked.client.provider()),
            gen_ai.request.model = asked.model,
            gen_ai.request.temperature = asked.temperature.map(f64::from),
            gen_ai.request.max_tokens = asked.max_tokens.map(i64::from),
            gen_ai.request.stream = asked.stream,
            gen_ai.output.type = "json",
            server.address = address,
            server.port = port.map(i64::from),
            gen_ai.usage.input_tokens = Empty,
            gen_ai.usage.output_tokens = Empty,
            gen_ai.usage.cache_read.input_tokens = Empty,
            gen_ai.usage.cache_creation.input_tokens = Empty,
            gen_ai.usage.reasoning.output_tokens = Empty,
            error.type = Empty,
            pluck.target = asked.target,
            pluck.mode = ?asked.mode,
            pluck.attempts = Empty,
            pluck.reasks = Empty,
            openinference.span.kind = "CHAIN",
        );
        if extraction.is_disabled() {
            return None;
        }
        Some(Spans {
            extraction,
            attempt: Span::none(),
            capture: asked.client.captures_content(),
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

    /// Attempt `attempt` starts, asking as `asked` says (a router may have moved the
    /// extraction to another deployment since the last), sending `messages` and the
    /// failed `retries`: its span opens under the extraction's, the last attempt's
    /// closes.
    pub(crate) fn begin(&mut self, asked: Asked<'_>, attempt: u32, messages: &[Message], retries: &[Retry]) {
        self.retries.store(0, Ordering::Relaxed);
        self.waited_ms.store(0, Ordering::Relaxed);
        let provider = provider_name(asked.client.provider());
        let (address, port) = asked.client.server();
        self.attempt = tracing::info_span!(
            parent: &self.extraction,
            "chat",
            otel.name = format_args!("chat {}", asked.model),
            otel.kind = "client",
            otel.status_code = Empty,
            gen_ai.operation.name = "chat",
            gen_ai.provider.name = provider,
            gen_ai.request.model = asked.model,
            gen_ai.request.temperature = asked.temperature.map(f64::from),
            gen_ai.request.max_tokens = asked.max_tokens.map(i64::from),
            gen_ai.request.stream = asked.stream,
            gen_ai.output.type = "json",
            server.address = address,
            server.port = port.map(i64::from),
            gen_ai.response.finish_reasons = Empty,
            gen_ai.response.id = Empty,
            gen_ai.response.model = Empty,
            gen_ai.response.time_to_first_chunk = Empty,
            gen_ai.usage.input_tokens = Empty,
            gen_ai.usage.output_tokens = Empty,
            gen_ai.usage.cache_read.input_tokens = Empty,
            gen_ai.usage.cache_creation.input_tokens = Empty,
            gen_ai.usage.reasoning.output_tokens = Empty,
            gen_ai.input.messages = Empty,
            gen_ai.output.messages = Empty,
            http.response.status_code = Empty,
            error.type = Empty,
            pluck.target = asked.target,
            pluck.mode = ?asked.mode,
            pluck.attempt = i64::from(attempt),
            pluck.transport.retries = 0i64,
            pluck.transport.wait_ms = 0i64,
            openinference.span.kind = "LLM",
            llm.provider = openinference_provider(provider),
            llm.model_name = asked.model,
            llm.invocation_parameters = invocation_parameters(asked.temperature, asked.max_tokens).as_ref(),
            llm.token_count.prompt = Empty,
            llm.token_count.completion = Empty,
            llm.token_count.total = Empty,
            input.value = Empty,
            input.mime_type = Empty,
            output.value = Empty,
            output.mime_type = Empty,
        );
        if self.capture {
            let input = input_messages(messages, retries);
            self.attempt.record("gen_ai.input.messages", input.as_str());
            self.attempt.record("input.value", input.as_str());
            self.attempt.record("input.mime_type", "application/json");
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
            self.attempt.record("output.value", raw);
            self.attempt.record("output.mime_type", "text/plain");
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
                attempt.record("pluck.transport.retries", i64::from(retries));
                attempt.record("pluck.transport.wait_ms", int(waited));
                tracing::info!(parent: attempt, http.response.status_code = status.map(i64::from), pluck.wait_ms = int(wait_ms), "pluck.transport_retry");
            }
            Event::FirstChunk { latency, .. } => {
                attempt.record("gen_ai.response.time_to_first_chunk", latency.as_secs_f64());
            }
            Event::Response { status, usage, finish, id, model, .. } => {
                let [input, output, cache_read, cache_creation, reasoning] = usage_values(*usage);
                let (prompt, completion, total) =
                    (int(usage.prompt_tokens), int(usage.completion_tokens), int(usage.total_tokens));
                let status = status.map(i64::from);
                let finish = finish.map(finish_reason);
                RESPONSE.record(
                    attempt,
                    [
                        value(&input),
                        value(&output),
                        value(&cache_read),
                        value(&cache_creation),
                        value(&reasoning),
                        Some(&prompt),
                        Some(&completion),
                        Some(&total),
                        value(&status),
                        id.as_ref().map(|id| id as &dyn Value),
                        model.as_ref().map(|model| model as &dyn Value),
                        model.as_ref().map(|model| model as &dyn Value),
                        finish.as_ref().map(|finish| finish as &dyn Value),
                    ],
                );
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
                tracing::info!(parent: attempt, pluck.repairs = int(repairs.len()), "pluck.repaired");
            }
            Event::Reask { attempt: failed, .. } => {
                self.extraction.record("pluck.reasks", i64::from(*failed));
            }
            Event::Done { attempts, usage } => self.ended(*attempts, Some(*usage)),
            Event::Failed { attempts, error } => {
                let kind = error_type(error);
                for span in [&self.extraction, attempt] {
                    span.record("error.type", kind.as_str());
                    span.record("otel.status_code", "ERROR");
                }
                self.ended(*attempts, error.usage());
            }
            Event::Routed { group, deployment, model, provider, among } => {
                tracing::info!(
                    parent: &self.extraction,
                    pluck.router.group = *group,
                    pluck.router.deployment = *deployment,
                    gen_ai.request.model = *model,
                    gen_ai.provider.name = provider_name(*provider),
                    pluck.router.among = *among,
                    "pluck.routed"
                );
            }
            Event::RateLimitWait { group, wait } => {
                let wait_ms = u64::try_from(wait.as_millis()).unwrap_or(u64::MAX);
                tracing::info!(parent: &self.extraction, pluck.router.group = *group, pluck.wait_ms = wait_ms, "pluck.rate_limit_wait");
            }
            Event::CooledDown { deployment, cooldown, error } => {
                let cooldown_ms = u64::try_from(cooldown.as_millis()).unwrap_or(u64::MAX);
                tracing::info!(
                    parent: &self.extraction,
                    pluck.router.deployment = *deployment,
                    pluck.router.cooldown_ms = cooldown_ms,
                    error.type = error_type(error).as_str(),
                    "pluck.cooled_down"
                );
            }
            Event::Rerouted { deployment, error } => {
                tracing::info!(
                    parent: &self.extraction,
                    pluck.router.deployment = *deployment,
                    error.type = error_type(error).as_str(),
                    "pluck.rerouted"
                );
            }
            Event::Fallback { from, to, cause } => {
                tracing::info!(
                    parent: &self.extraction,
                    pluck.router.from = *from,
                    pluck.router.to = *to,
                    pluck.router.cause = cause.as_str(),
                    "pluck.fallback"
                );
            }
            Event::Request { .. } | Event::Step { .. } | Event::CacheHit { .. } | Event::BudgetThreshold { .. } => {}
        }
    }

    /// The extraction ended after `attempts`, having used `usage` where known.
    fn ended(&self, attempts: u32, usage: Option<Usage>) {
        let attempts = i64::from(attempts);
        let [input, output, cache_read, cache_creation, reasoning] = usage.map_or([None; 5], usage_values);
        DONE.record(
            &self.extraction,
            [
                Some(&attempts),
                value(&input),
                value(&output),
                value(&cache_read),
                value(&cache_creation),
                value(&reasoning),
            ],
        );
    }
}

pin_project_lite::pin_project! {
    /// A future with a span entered on each of its polls: [`Instrumented`] by
    /// reference, which neither clones the span nor enters it once more to drop the
    /// future.
    ///
    /// [`Instrumented`]: tracing::instrument::Instrumented
    pub(crate) struct Entered<'a, F> {
        span: &'a Span,
        #[pin]
        future: F,
    }
}

/// `future`, with `span` entered on each of its polls.
pub(crate) fn entered<F>(span: &Span, future: F) -> Entered<'_, F> {
    Entered { span, future }
}

impl<F: std::future::Future> std::future::Future for Entered<'_, F> {
    type Output = F::Output;

    fn poll(self: std::pin::Pin<&mut Self>, cx: &mut std::task::Context<'_>) -> std::task::Poll<F::Output> {
        let this = self.project();
        let _entered = this.span.enter();
        this.future.poll(cx)
    }
}

/// `n` to record, when there is one.
fn value(n: &Option<i64>) -> Option<&dyn Value> {
    n.as_ref().map(|n| n as &dyn Value)
}

/// The conventions' usage attributes of `usage`, in the order of [`DONE`]'s last
/// five: input and output tokens, then the cached, cache-written and reasoning
/// tokens, which the conventions ask for only when the provider reports them non-zero.
fn usage_values(usage: Usage) -> [Option<i64>; 5] {
    let reported = |tokens: u64| (tokens > 0).then(|| int(tokens));
    [
        Some(int(usage.prompt_tokens)),
        Some(int(usage.completion_tokens)),
        reported(usage.cached_input_tokens),
        reported(usage.cache_write_tokens),
        reported(usage.reasoning_tokens),
    ]
}

/// `n` as a signed integer: the OpenTelemetry bridge keeps `i64` fields as integers,
/// but turns unsigned ones into strings.
fn int<N: TryInto<i64>>(n: N) -> i64 {
    n.try_into().unwrap_or(i64::MAX)
}

/// `llm.invocation_parameters`: the parameters asked, as a JSON object.
fn invocation_parameters(temperature: Option<f32>, max_tokens: Option<u32>) -> Cow<'static, str> {
    if temperature.is_none() && max_tokens.is_none() {
        return Cow::Borrowed("{}");
    }
    let mut parameters = serde_json::Map::new();
    // Through its shortest decimal, so that 0.2 reads 0.2 and not 0.20000000298.
    if let Some(temperature) = temperature.and_then(|t| t.to_string().parse::<f64>().ok()) {
        parameters.insert("temperature".to_owned(), temperature.into());
    }
    if let Some(max_tokens) = max_tokens {
        parameters.insert("max_tokens".to_owned(), max_tokens.into());
    }
    Cow::Owned(serde_json::Value::Object(parameters).to_string())
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
