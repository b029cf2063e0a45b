//! Anthropic's Messages API (`POST /v1/messages`).
//!
//! Structured output is Anthropic's own where the model has it (Claude Opus 4.1, and
//! every Claude model from 4.5 on): in [`Mode::JsonSchema`] (the default) the schema
//! goes in `output_config: {"format": {"type": "json_schema", "schema": ..}}` and the
//! value is the reply's text. Otherwise, and in [`Mode::Tools`], it is one tool forced
//! with `tool_choice` (with `disable_parallel_tool_use`, and `strict: true` where the
//! model has structured outputs): the value is the tool call's `input`.
//!
//! Both send the [`Target::Anthropic`](crate::schema::Target) schema: the strict
//! transform's output (`$defs`/`$ref`, `anyOf`, `["string", "null"]` types,
//! `additionalProperties: false`, every property in `required`, optional ones as
//! nullable, so the model writes every field in order, reasoning fields first), with
//! the constraints Anthropic's subset lacks in the descriptions, where the model reads
//! them. Validation checks them all either way.
//!
//! The system prompt is the top-level `system` field, `max_tokens` is required (4096
//! unless set), and a reply that failed is sent back as the model's `tool_use` turn
//! followed by a `tool_result` with `is_error: true` listing the errors (a text reply
//! as an assistant turn and a user turn).

use super::anthropic_tools::{ToolChoice, Tools};
use super::{key_header, Call, Finish, Reply, Retry, Wire};
use crate::error::ConfigError;
use crate::message::{FunctionCall, ToolCall};
use crate::schema::Target;
use crate::transport::{self, message_of, redact, Failure};
use crate::{Error, Message, Mode, Role, Usage};
use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use secrecy::SecretString;
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use serde_json::Value;
use std::borrow::Cow;

/// The `anthropic-version` header every request carries.
const API_VERSION: &str = "2023-06-01";

/// `max_tokens` when none is configured; the API requires one.
const DEFAULT_MAX_TOKENS: u32 = 4096;

/// Anthropic's Messages API.
pub(crate) struct Anthropic;

impl Wire for Anthropic {
    fn default_base_url(&self) -> &'static str {
        "https://api.anthropic.com"
    }

    fn default_model(&self) -> &'static str {
        "claude-haiku-4-5"
    }

    fn default_mode(&self) -> Mode {
        Mode::JsonSchema
    }

    fn url(&self, base: &str, _model: &str, _mode: Mode) -> String {
        format!("{base}/v1/messages")
    }

    fn authorize(&self, key: &SecretString, headers: &mut HeaderMap) -> Result<(), ConfigError> {
        key_header(headers, HeaderName::from_static("x-api-key"), "", key)?;
        headers.insert(HeaderName::from_static("anthropic-version"), HeaderValue::from_static(API_VERSION));
        Ok(())
    }

    fn check_mode(&self, url: &reqwest::Url, mode: Mode) -> Result<(), ConfigError> {
        super::refuse_responses(mode, url)
    }

    fn target(&self, mode: Mode, _model: &str) -> Target {
        match mode {
            Mode::JsonSchema | Mode::Tools => Target::Anthropic,
            _ => mode.target(),
        }
    }

    fn body(&self, call: &Call, _limit: super::LimitName) -> Vec<u8> {
        body(call)
    }

    fn reply(&self, bytes: &[u8]) -> Result<Reply, Error> {
        reply(bytes)
    }

    fn classifier(&self) -> transport::Classifier {
        classify
    }

    fn stream_body(&self, body: Vec<u8>, _include_usage: bool, _mode: Mode) -> Vec<u8> {
        super::anthropic_stream::body(body)
    }

    fn stream_event<'a>(&self, data: &'a [u8], secret: Option<&str>) -> Result<super::StreamEvent<'a>, Error> {
        super::anthropic_stream::event(data, secret)
    }
}

/// Whether `model` has structured outputs (`output_config.format`, strict tools):
/// Claude Opus 4.1, and every Claude model from 4.5 on (`claude-haiku-4-5`,
/// `claude-sonnet-4-5-20250929`, `claude-opus-5`, ...). A name it cannot read is taken
/// for an older model, which the forced tool serves.
fn has_structured_outputs(model: &str) -> bool {
    let Some(rest) = model.strip_prefix("claude-") else { return false };
    let mut parts = rest.split('-');
    let family = parts.next().unwrap_or("");
    if family.is_empty() || !family.chars().all(|c| c.is_ascii_alphabetic()) {
        return false; // claude-3-5-haiku-...: the older naming
    }
    let Some(major) = parts.next().and_then(|p| p.parse::<u32>().ok()) else { return false };
    // A date (claude-sonnet-4-20250514) is no minor version.
    let minor = parts.next().and_then(|p| p.parse::<u32>().ok()).filter(|minor| *minor < 100);
    match (major, minor) {
        (5.., _) => true,
        (4, Some(minor)) => minor >= 5 || (minor == 1 && family == "opus"),
        _ => false,
    }
}

/// Whether the call sends the schema as `output_config.format`.
fn uses_output_format(mode: Mode, model: &str) -> bool {
    mode == Mode::JsonSchema && has_structured_outputs(model)
}

/// Whether the call sends the forced tool.
fn uses_tool(mode: Mode, model: &str) -> bool {
    mode == Mode::Tools || (mode == Mode::JsonSchema && !has_structured_outputs(model))
}

#[derive(Serialize)]
struct Body<'a> {
    model: &'a str,
    max_tokens: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    system: Option<String>,
    messages: Vec<Turn<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    temperature: Option<f32>,
    #[serde(skip_serializing_if = "Tools::is_empty")]
    tools: Tools<'a>,
    #[serde(skip_serializing_if = "Option::is_none")]
    tool_choice: Option<ToolChoice<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    output_config: Option<OutputConfig<'a>>,
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    stop_sequences: &'a [String],
}

/// `output_config`: the reply's format.
#[derive(Serialize)]
struct OutputConfig<'a> {
    format: JsonSchemaFormat<'a>,
}

/// `{"type": "json_schema", "schema": ..}`.
#[derive(Serialize)]
struct JsonSchemaFormat<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    schema: &'a RawValue,
}

#[derive(Serialize)]
struct Turn<'a> {
    role: &'static str,
    content: Content<'a>,
}

#[derive(Serialize)]
#[serde(untagged)]
enum Content<'a> {
    Text(&'a str),
    Blocks(Vec<Block<'a>>),
}

#[derive(Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
enum Block<'a> {
    Text {
        text: &'a str,
    },
    ToolUse {
        id: Cow<'a, str>,
        name: &'a str,
        input: &'a RawValue,
    },
    ToolResult {
        tool_use_id: Cow<'a, str>,
        #[serde(skip_serializing_if = "std::ops::Not::not")]
        is_error: bool,
        content: &'a str,
    },
}

/// The JSON body of a Messages request.
fn body(call: &Call) -> Vec<u8> {
    let schema = call.schema;
    let mut system: Vec<&str> = Vec::new();
    let mut messages: Vec<Turn> = Vec::with_capacity(call.messages.len() + 2 * call.retries.len());
    for message in call.messages {
        match (message.role, messages.last_mut()) {
            (Role::System, _) => system.extend(message.content.as_deref()),
            // The results of one turn's calls travel together, in one user turn.
            (Role::Tool, Some(Turn { role: "user", content: Content::Blocks(blocks) }))
                if matches!(blocks.last(), Some(Block::ToolResult { .. })) =>
            {
                if let Content::Blocks(more) = turn(message).content {
                    blocks.extend(more);
                }
            }
            _ => messages.push(turn(message)),
        }
    }
    let is_turn = call.is_turn();
    let tool = uses_tool(call.mode, call.model) && !is_turn;
    for retry in call.retries {
        reask(tool, retry, &mut messages);
    }
    let (tools, tool_choice) = super::anthropic_tools::tools(call, tool, has_structured_outputs(call.model));
    let body = Body {
        model: call.model,
        max_tokens: call.max_tokens.unwrap_or(DEFAULT_MAX_TOKENS),
        system: (!system.is_empty()).then(|| system.join("\n\n")),
        messages,
        temperature: call.temperature,
        tools,
        tool_choice,
        output_config: (uses_output_format(call.mode, call.model) && !is_turn)
            .then(|| OutputConfig { format: JsonSchemaFormat { kind: "json_schema", schema: schema.json() } }),
        stop_sequences: call.stop,
    };
    serde_json::to_vec(&body).expect("the request body always serializes")
}

/// A message of the given conversation: tool calls become `tool_use` blocks and tool
/// results `tool_result` blocks in a user turn.
fn turn(message: &Message) -> Turn<'_> {
    let text = message.content.as_deref().unwrap_or("");
    match message.role {
        Role::Assistant => match message.tool_calls.as_deref() {
            Some(calls) if !calls.is_empty() => {
                let mut blocks: Vec<Block> = Vec::with_capacity(calls.len() + 1);
                if !text.is_empty() {
                    blocks.push(Block::Text { text });
                }
                for call in calls {
                    match super::json_object(&call.function.arguments) {
                        Some(input) => blocks.push(Block::ToolUse {
                            id: Cow::Borrowed(&call.id),
                            name: &call.function.name,
                            input,
                        }),
                        None => blocks.push(Block::Text { text: &call.function.arguments }),
                    }
                }
                Turn { role: "assistant", content: Content::Blocks(blocks) }
            }
            _ => Turn { role: "assistant", content: Content::Text(text) },
        },
        Role::Tool => Turn {
            role: "user",
            content: Content::Blocks(vec![Block::ToolResult {
                tool_use_id: Cow::Borrowed(message.tool_call_id.as_deref().unwrap_or("")),
                is_error: false,
                content: text,
            }]),
        },
        _ => Turn { role: "user", content: Content::Text(text) },
    }
}

/// Appends a failed reply and its feedback: the `tool_use` turn and a `tool_result`
/// marked as an error when the call sends the `tool`, or, when the reply was text, an
/// assistant turn and a user turn.
fn reask<'a>(tool: bool, retry: &'a Retry, messages: &mut Vec<Turn<'a>>) {
    let Retry { reply, feedback, attempt } = retry;
    let tool_use = reply.tool_call().filter(|_| tool).and_then(|call| {
        let input = super::json_object(&call.function.arguments)?;
        let id = if call.id.is_empty() { Cow::Owned(format!("toolu_{attempt}")) } else { Cow::Borrowed(&*call.id) };
        Some((id, &*call.function.name, input))
    });
    match tool_use {
        Some((id, name, input)) => {
            messages.push(Turn {
                role: "assistant",
                content: Content::Blocks(vec![Block::ToolUse { id: id.clone(), name, input }]),
            });
            messages.push(Turn {
                role: "user",
                content: Content::Blocks(vec![Block::ToolResult {
                    tool_use_id: id,
                    is_error: true,
                    content: feedback,
                }]),
            });
        }
        None => {
            // The API refuses empty text blocks; an empty reply is told by the feedback.
            let raw = reply.raw();
            if !raw.trim().is_empty() {
                messages.push(Turn { role: "assistant", content: Content::Text(raw) });
            }
            messages.push(Turn { role: "user", content: Content::Text(feedback) });
        }
    }
}

#[derive(Deserialize)]
struct Response {
    #[serde(default)]
    id: Option<String>,
    #[serde(default)]
    model: Option<String>,
    #[serde(default)]
    content: Vec<ResponseBlock>,
    #[serde(default)]
    stop_reason: Option<String>,
    #[serde(default)]
    usage: ResponseUsage,
}

#[derive(Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
enum ResponseBlock {
    Text {
        text: String,
    },
    ToolUse {
        #[serde(default)]
        id: String,
        name: String,
        input: Value,
    },
    #[serde(other)]
    Other,
}

#[derive(Deserialize, Default)]
struct ResponseUsage {
    #[serde(default, deserialize_with = "super::count")]
    input_tokens: u64,
    #[serde(default, deserialize_with = "super::count")]
    output_tokens: u64,
    #[serde(default)]
    cache_creation_input_tokens: Option<u64>,
    #[serde(default)]
    cache_read_input_tokens: Option<u64>,
}

/// Reads a Messages reply. Prompt tokens count cache writes and reads too, as OpenAI's
/// `prompt_tokens` counts cached tokens.
fn reply(bytes: &[u8]) -> Result<Reply, Error> {
    let response: Response = serde_json::from_slice(bytes)
        .map_err(|e| Error::Decode { message: "not a Messages reply".to_owned(), source: Some(e) })?;
    let counted = &response.usage;
    let prompt_tokens = counted.input_tokens
        + counted.cache_creation_input_tokens.unwrap_or(0)
        + counted.cache_read_input_tokens.unwrap_or(0);
    let usage = Usage {
        prompt_tokens,
        completion_tokens: counted.output_tokens,
        total_tokens: prompt_tokens + counted.output_tokens,
        cached_input_tokens: counted.cache_read_input_tokens.unwrap_or(0),
        cache_write_tokens: counted.cache_creation_input_tokens.unwrap_or(0),
        reasoning_tokens: 0,
    };
    let mut text: Option<String> = None;
    let mut tool_calls = Vec::new();
    for block in response.content {
        match block {
            ResponseBlock::Text { text: part } => text.get_or_insert_with(String::new).push_str(&part),
            ResponseBlock::ToolUse { id, name, input } => tool_calls.push(ToolCall {
                id,
                kind: "function".to_owned(),
                function: FunctionCall { name, arguments: input.to_string() },
            }),
            ResponseBlock::Other => {}
        }
    }
    let stop_reason = response.stop_reason.as_deref();
    let refusal = (stop_reason == Some("refusal")).then(|| {
        let said = text.as_deref().map(str::trim).filter(|t| !t.is_empty());
        said.unwrap_or("the model declined to answer (stop_reason: refusal)").to_owned()
    });
    let finish = stop_reason.map_or(Finish::Done, finish_of);
    Ok(Reply { content: text, tool_calls, refusal, finish, usage, id: response.id, model: response.model })
}

/// How a reply ended, from its `stop_reason`, streamed or not. A reply cut by the token
/// limit or by the end of the context window is cut short: a re-ask would be cut again
/// (and make the context longer).
pub(crate) fn finish_of(stop_reason: &str) -> Finish {
    match stop_reason {
        "max_tokens" | "model_context_window_exceeded" => Finish::Length,
        _ => Finish::Done,
    }
}

/// The shared reading of failures, plus what Anthropic's bodies
/// (`{"type": "error", "error": {"type", "message"}}`) say beyond their status:
/// `overloaded_error` is a server error whatever the status, and a spent credit balance
/// or spend limit (`billing_error`, 402, `enforced_spend_limit_reached`) is quota, not a
/// rate limit to wait out; a request past the context window ("input length and
/// `max_tokens` exceed context limit", "prompt is too long") is a context overflow; and
/// an unknown model (`not_found_error`, "model: NAME") says so by name.
pub(super) fn classify(status: u16, body: &[u8], secret: Option<&str>) -> Failure {
    let parsed: Option<Value> = serde_json::from_slice(body).ok();
    let error = parsed.as_ref().and_then(|v| v.get("error"));
    let kind = error.and_then(|e| e.get("type")).and_then(Value::as_str).unwrap_or("");
    let code = error.and_then(|e| e.pointer("/details/error_code")).and_then(Value::as_str).unwrap_or("");
    let message = || redact(&message_of(parsed.as_ref(), body), secret);
    let no_credit = || message().to_lowercase().contains("credit balance is too low");
    let overflow = || message().contains("exceed context limit");
    match kind {
        "not_found_error" => match message().strip_prefix("model: ") {
            Some(model) => super::model_not_found(status, model, None),
            None => transport::classify(status, body, secret),
        },
        "invalid_request_error" if overflow() => Failure::ContextLength { message: message() },
        "overloaded_error" | "api_error" if status < 500 => Failure::Server { status, message: message() },
        "billing_error" => Failure::QuotaExhausted { message: message() },
        _ if status == 402 || code == "enforced_spend_limit_reached" || (status == 400 && no_credit()) => {
            Failure::QuotaExhausted { message: message() }
        }
        _ => transport::classify(status, body, secret),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn models_with_structured_outputs() {
        for model in [
            "claude-haiku-4-5",
            "claude-sonnet-4-5-20250929",
            "claude-opus-4-1-20250805",
            "claude-opus-4-7",
            "claude-sonnet-5",
            "claude-fable-5",
        ] {
            assert!(has_structured_outputs(model), "{model}");
        }
        for model in [
            "claude-3-5-haiku-latest",
            "claude-3-7-sonnet-20250219",
            "claude-sonnet-4-20250514",
            "claude-opus-4-0",
            "claude-mythos-preview",
            "test-model",
            "claude-sonnet-4-1",
        ] {
            assert!(!has_structured_outputs(model), "{model}");
        }
    }

    fn error(status: u16, kind: &str, message: &str) -> Failure {
        let body = serde_json::json!({"type": "error", "error": {"type": kind, "message": message}});
        classify(status, body.to_string().as_bytes(), None)
    }

    #[test]
    fn error_types_map_to_failures() {
        assert!(matches!(error(401, "authentication_error", "invalid x-api-key"), Failure::Authentication { .. }));
        assert!(matches!(error(403, "permission_error", "no"), Failure::Authentication { status: 403, .. }));
        assert!(matches!(error(429, "rate_limit_error", "slow down"), Failure::RateLimited { .. }));
        assert!(matches!(error(529, "overloaded_error", "Overloaded"), Failure::Server { status: 529, .. }));
        assert!(matches!(error(500, "api_error", "oops"), Failure::Server { status: 500, .. }));
        assert!(matches!(
            error(400, "invalid_request_error", "prompt is too long: 208656 tokens > 200000 maximum"),
            Failure::ContextLength { .. }
        ));
        assert!(matches!(
            error(400, "invalid_request_error", "Your credit balance is too low to access the Anthropic API."),
            Failure::QuotaExhausted { .. }
        ));
        assert!(matches!(error(402, "billing_error", "pay up"), Failure::QuotaExhausted { .. }));
        let spend = br#"{"type":"error","error":{"type":"rate_limit_error","message":"spend limit","details":{"error_code":"enforced_spend_limit_reached"}}}"#;
        assert!(matches!(classify(429, spend, None), Failure::QuotaExhausted { .. }));
        assert_eq!(
            error(400, "invalid_request_error", "tools.0.name: bad"),
            Failure::InvalidRequest { status: 400, message: "tools.0.name: bad".into(), retryable: false }
        );
    }
}
