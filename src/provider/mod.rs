//! Providers: turning pluck's request into a provider's HTTP request, and its reply back.
//!
//! Everything here knows wire formats and nothing about validation. The re-ask loop
//! hands a [`Call`] to a [`Wire`] and gets back a [`Reply`]; transport retries and the
//! classification of failures stay shared, with a hook per provider where its error
//! bodies say more.
//!
//! Adding a provider is one file: a type implementing [`Wire`] (URL, headers, body,
//! reply, and optionally its own error hook and schema target), and a variant of
//! [`Provider`] pointing at it. Streaming goes through the same implementation:
//! [`Wire::stream_url`], [`Wire::stream_body`] and [`Wire::stream_event`] (one module
//! per provider's event format: `openai_stream`, `anthropic_stream`, `gemini_stream`).

pub(crate) mod anthropic;
pub(crate) mod anthropic_stream;
mod anthropic_tools;
pub(crate) mod count;
pub(crate) mod gemini;
pub(crate) mod gemini_stream;
pub(crate) mod gemini_tools;
pub(crate) mod openai;
pub(crate) mod openai_responses;
pub(crate) mod openai_stream;

use crate::error::ConfigError;
use crate::message::ToolCall;
use crate::schema::{Prepared, Target};
use crate::transport::{self, Failure};
use crate::{Error, Message, Mode, Usage};
use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use secrecy::{ExposeSecret, SecretString};
use std::borrow::Cow;
use std::fmt;

/// Which API a [`Client`](crate::Client) speaks.
///
/// | [`Provider`] | endpoint | key header | structured output | re-ask |
/// | --- | --- | --- | --- | --- |
/// | [`OpenAi`](Provider::OpenAi) | `POST {base}/chat/completions` (base up to `/v1`); `POST {base}/responses` in [`Mode::Responses`] | `Authorization: Bearer` | per [`Mode`]: `json_schema` response format, one strict forced tool (`parallel_tool_calls: false`, except to reasoning models), JSON mode, the Responses API's `text.format`, or the prompt | assistant turn, then a user turn (a `tool` message in [`Mode::Tools`]) |
/// | [`Anthropic`](Provider::Anthropic) | `POST {base}/v1/messages` | `x-api-key`, `anthropic-version: 2023-06-01` | `output_config: {"format": {"type": "json_schema", ..}}` ([`Mode::JsonSchema`], for models with structured outputs: Opus 4.1, and 4.5 on); one tool forced with `tool_choice` and `disable_parallel_tool_use` ([`Mode::Tools`], and [`Mode::JsonSchema`] for older models; `strict: true` where the model has structured outputs); otherwise the prompt | `tool_use` turn, then a `tool_result` with `is_error: true` (a text reply: assistant turn, then a user turn) |
/// | [`Gemini`](Provider::Gemini) | `POST {base}/v1beta/models/{model}:generateContent` | `x-goog-api-key` | `responseMimeType: application/json` with a `responseJsonSchema` ([`Mode::JsonSchema`], to Gemini 2.5 on), or a `responseSchema` ([`Mode::Tools`], and older models); `responseMimeType` alone, the schema in the prompt, in [`Mode::Json`] and [`Mode::JsonObjectSchema`]; otherwise the prompt | `model` turn, then a `user` turn |
///
/// # Default models
///
/// The model a client asks for when none is set. Each was checked on 2026-11-30
/// against the provider's list of current models (a retired model fails every call
/// with a 404, which reads `model not found: NAME`):
///
/// | [`Provider`] | default model | checked against |
/// | --- | --- | --- |
/// | [`OpenAi`](Provider::OpenAi) | `gpt-4o-mini` | openai-python, `types/shared/chat_model.py` |
/// | [`Anthropic`](Provider::Anthropic) | `claude-haiku-4-5` | anthropic-sdk-python, `types/model_param.py`; Anthropic's model deprecations (claude-3-5-haiku retired 2026-02-19) |
/// | [`Gemini`](Provider::Gemini) | `gemini-2.5-flash` | Gemini API models list |
///
/// ```
/// use pluck::{Client, Mode, Provider};
///
/// let client = Client::builder()
///     .provider(Provider::Anthropic)
///     .api_key("sk-ant-...")
///     .model("claude-sonnet-4-5")
///     .build()
///     .unwrap();
/// assert_eq!(client.provider(), Provider::Anthropic);
/// // Anthropic's own structured output (`output_config.format`).
/// assert_eq!(client.mode(), Mode::JsonSchema);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum Provider {
    /// OpenAI's chat completions, also spoken by Azure OpenAI, Ollama, vLLM, llama.cpp,
    /// OpenRouter and most other servers.
    #[default]
    OpenAi,
    /// Anthropic's Messages API.
    Anthropic,
    /// Google's Gemini API (`generateContent`).
    Gemini,
}

impl Provider {
    /// The wire format behind the provider.
    pub(crate) fn wire(self) -> &'static dyn Wire {
        match self {
            Provider::OpenAi => &openai::OpenAi,
            Provider::Anthropic => &anthropic::Anthropic,
            Provider::Gemini => &gemini::Gemini,
        }
    }
}

impl fmt::Display for Provider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Provider::OpenAi => "OpenAI",
            Provider::Anthropic => "Anthropic",
            Provider::Gemini => "Gemini",
        })
    }
}

/// One provider's wire format.
pub(crate) trait Wire: Send + Sync {
    /// The base URL used when none is configured.
    fn default_base_url(&self) -> &'static str;

    /// The model used when none is configured.
    fn default_model(&self) -> &'static str;

    /// The mode used when none is configured: the provider's own structured output.
    fn default_mode(&self) -> Mode;

    /// Where a request for `model` in `mode` goes, given the base URL (no trailing
    /// slash).
    fn url(&self, base: &str, model: &str, mode: Mode) -> String;

    /// Adds the key's headers. The values are marked sensitive.
    fn authorize(&self, key: &SecretString, headers: &mut HeaderMap) -> Result<(), ConfigError>;

    /// Refuses a mode the endpoint at `url` cannot honour, before anything is sent.
    fn check_mode(&self, _url: &reqwest::Url, _mode: Mode) -> Result<(), ConfigError> {
        Ok(())
    }

    /// The schema target `mode` sends to `model`.
    fn target(&self, mode: Mode, _model: &str) -> Target {
        mode.target()
    }

    /// The JSON body of one request; `limit` names the token limit as the server reads
    /// it.
    fn body(&self, call: &Call, limit: LimitName) -> Vec<u8>;

    /// Reads a 2xx reply.
    fn reply(&self, bytes: &[u8]) -> Result<Reply, Error>;

    /// Reads a non-2xx reply; the shared reading unless the provider says more.
    fn classifier(&self) -> transport::Classifier {
        transport::classify
    }

    /// Where a streamed request for `model` in `mode` goes.
    fn stream_url(&self, base: &str, model: &str, mode: Mode) -> String {
        self.url(base, model, mode)
    }

    /// `body` (from [`Wire::body`], for `mode`) asking for a stream; usage in the
    /// stream when `include_usage` and the provider needs asking.
    fn stream_body(&self, body: Vec<u8>, include_usage: bool, mode: Mode) -> Vec<u8>;

    /// Reads the data of one server-sent event. An error event ends as the error the
    /// same failure would be as an HTTP reply; `secret` is scrubbed from its message.
    fn stream_event<'a>(&self, data: &'a [u8], secret: Option<&str>) -> Result<StreamEvent<'a>, Error>;
}

/// An error event of a stream, `data` holding the error body of a failed reply: the
/// error that reply would end in, `status` read by the provider's `classifier`.
pub(crate) fn stream_error(classifier: transport::Classifier, status: u16, data: &[u8], secret: Option<&str>) -> Error {
    let failure = classifier(status, data, secret);
    let wait = match &failure {
        Failure::RateLimited { wait, .. } => *wait,
        _ => None,
    };
    failure.into_error(1, wait)
}

/// Refuses [`Mode::Responses`], OpenAI's own API, for a provider that is not OpenAI.
pub(crate) fn refuse_responses(mode: Mode, url: &reqwest::Url) -> Result<(), ConfigError> {
    match mode {
        Mode::Responses => Err(ConfigError::UnsupportedMode {
            mode,
            host: url.host_str().unwrap_or_default().to_owned(),
            reason: "the Responses API is OpenAI's",
            instead: Mode::JsonSchema,
        }),
        _ => Ok(()),
    }
}

/// A request for a model the provider does not know: `model not found: NAME`, then
/// what the provider said, when it says more than the name.
pub(crate) fn model_not_found(status: u16, model: &str, said: Option<String>) -> Failure {
    let message = match said {
        Some(said) => format!("model not found: {model} ({said})"),
        None => format!("model not found: {model}"),
    };
    Failure::InvalidRequest { status, message, retryable: false }
}

/// Tool-call arguments that can travel as a JSON object (Anthropic's `tool_use` input,
/// Gemini's `functionCall` args).
pub(crate) fn json_object(arguments: &str) -> Option<&serde_json::value::RawValue> {
    let raw: &serde_json::value::RawValue = serde_json::from_str(arguments).ok()?;
    raw.get().starts_with('{').then_some(raw)
}

/// A header carrying a key, marked sensitive so that it shows in no `Debug` output.
pub(crate) fn key_header(
    headers: &mut HeaderMap,
    name: HeaderName,
    prefix: &str,
    key: &SecretString,
) -> Result<(), ConfigError> {
    let mut value =
        HeaderValue::from_str(&format!("{prefix}{}", key.expose_secret())).map_err(|e| ConfigError::Http {
            message: "the API key holds characters a header cannot carry".to_owned(),
            source: Some(std::sync::Arc::new(e)),
        })?;
    value.set_sensitive(true);
    headers.insert(name, value);
    Ok(())
}

/// What the re-ask loop asks a provider to send.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Call<'a> {
    pub model: &'a str,
    /// The conversation as given, the system prompt first.
    pub messages: &'a [Message],
    /// The replies that failed so far, each with its feedback; each provider appends
    /// them to the conversation its own way.
    pub retries: &'a [Retry],
    pub schema: &'a Prepared,
    pub mode: Mode,
    pub temperature: Option<f32>,
    pub max_tokens: Option<u32>,
    /// An agent's tools, offered beside (or instead of) the schema.
    pub tools: Option<Offer<'a>>,
    /// Sequences that end the reply where the model writes them; empty for none.
    pub stop: &'a [String],
}

/// Tools an agent offers the model, each with its arguments' schema prepared for the
/// provider's target.
#[derive(Debug, Clone)]
pub(crate) struct ToolSpec {
    pub name: String,
    pub description: Option<String>,
    pub parameters: std::sync::Arc<Prepared>,
}

/// An agent's tools in a call, and whether the model may call them.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Offer<'a> {
    pub tools: &'a [ToolSpec],
    pub choice: ToolChoice,
}

/// Whether the model may call the offered tools.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ToolChoice {
    /// An agent's turn: the model calls tools or answers in text; the schema is not sent.
    Auto,
    /// The final answer: the tools are declared (the conversation holds calls of them)
    /// but not to be called; the schema is sent as the mode sends it.
    None,
}

impl Call<'_> {
    /// Whether this call is an agent's turn (tools offered, no schema).
    pub(crate) fn is_turn(&self) -> bool {
        self.tools.is_some_and(|offer| offer.choice == ToolChoice::Auto)
    }

    /// The agent's tools the call declares.
    pub(crate) fn offered(&self) -> &[ToolSpec] {
        self.tools.map_or(&[], |offer| offer.tools)
    }
}

/// The name of the token limit in an OpenAI-compatible request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum LimitName {
    /// `max_tokens`: what compatible servers (llama.cpp, Ollama, vLLM, ...) read.
    MaxTokens,
    /// `max_completion_tokens`: OpenAI's current name, the only one its reasoning
    /// models (o1, o3, o4-mini, GPT-5) accept.
    MaxCompletionTokens,
}

/// A reply that did not validate, and what the model is told about it.
#[derive(Debug, Clone)]
pub(crate) struct Retry {
    pub reply: Reply,
    pub feedback: String,
    /// 1 for the first reply.
    pub attempt: u32,
}

/// Why the model stopped writing, as the provider said it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Finish {
    /// It finished (`stop`, `tool_calls`, `end_turn`, or nothing said).
    Done,
    /// It hit the token limit.
    Length,
    /// A content filter stopped it.
    ContentFilter,
}

/// What one chunk of a streamed reply says, whatever the provider.
#[derive(Debug, Default, PartialEq)]
pub(crate) struct Delta<'a> {
    /// More of the content, or of the first tool call's arguments.
    pub text: Option<Cow<'a, str>>,
    /// The tool call's id and name, when this chunk announces them.
    pub tool: Option<(Cow<'a, str>, Cow<'a, str>)>,
    /// More of a refusal.
    pub refusal: Option<Cow<'a, str>>,
    pub finish: Option<Finish>,
    pub usage: Option<Usage>,
    /// The reply's id and the model that wrote it, on the chunks that say them.
    pub id: Option<Cow<'a, str>>,
    pub model: Option<Cow<'a, str>>,
}

/// One server-sent event of a streamed reply, in pluck's terms: a chunk, or the end.
/// Not boxed: every event but the last is a chunk, and each would cost an allocation.
#[derive(Debug, PartialEq)]
#[allow(clippy::large_enum_variant)]
pub(crate) enum StreamEvent<'a> {
    Chunk(Delta<'a>),
    Done,
}

/// What a provider answered, in pluck's terms.
#[derive(Debug, Clone)]
pub(crate) struct Reply {
    pub content: Option<String>,
    /// The tool calls, in the order the model wrote them.
    pub tool_calls: Vec<ToolCall>,
    pub refusal: Option<String>,
    pub finish: Finish,
    pub usage: Usage,
    /// The reply's id and the model that wrote it, where the provider said them.
    pub id: Option<String>,
    pub model: Option<String>,
}

impl Reply {
    /// The first tool call: the one that holds the value when a tool is forced.
    pub(crate) fn tool_call(&self) -> Option<&ToolCall> {
        self.tool_calls.first()
    }

    /// The text that should hold the value: the tool call's arguments, else the content.
    pub(crate) fn raw(&self) -> &str {
        match (self.tool_call(), &self.content) {
            (Some(call), _) => &call.function.arguments,
            (None, Some(content)) => content,
            (None, None) => "",
        }
    }
}

/// A token count in a provider's usage, with `null` (which some compatible servers and
/// proxies write for a count they do not keep) read as a missing one: 0.
pub(super) fn count<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<u64, D::Error> {
    Ok(<Option<u64> as serde::Deserialize>::deserialize(deserializer)?.unwrap_or(0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_model_table_names_the_defaults() {
        let doc = include_str!("mod.rs");
        for provider in [Provider::OpenAi, Provider::Anthropic, Provider::Gemini] {
            let row = format!("| [`{provider:?}`](Provider::{provider:?}) | `{}` |", provider.wire().default_model());
            assert!(doc.contains(&row), "no row {row}");
        }
    }
}
