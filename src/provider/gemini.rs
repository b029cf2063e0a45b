//! Google's Gemini API (`POST /v1beta/models/{model}:generateContent`).
//!
//! Structured output is `generationConfig.responseMimeType: "application/json"` with a
//! `responseJsonSchema` ([`Target::GeminiJson`]: standard JSON schema, `$defs` and
//! `$ref` kept, so recursive types go too) in [`Mode::JsonSchema`] to the models that
//! read it (Gemini 2.5 on), and otherwise, and in [`Mode::Tools`], a `responseSchema` in
//! Gemini's OpenAPI subset ([`Target::Gemini`], references inlined). Thinking models
//! count their thinking tokens against `maxOutputTokens`: a low `max_tokens` can end a
//! reply as truncated before it starts. The system prompt
//! is `systemInstruction`; turns are `user` and `model`, each with text `parts`; a reply
//! that failed goes back as a `model` turn followed by a `user` turn with the errors.

use super::{key_header, Call, Finish, Reply, Retry, Wire};
use crate::error::ConfigError;
use crate::schema::Target;
use crate::transport::{self, message_of, redact, Failure};
use crate::{Error, Message, Mode, Role, Usage};
use reqwest::header::{HeaderMap, HeaderName};
use secrecy::SecretString;
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use serde_json::Value;
use std::time::Duration;

/// Google's Gemini API.
pub(crate) struct Gemini;

impl Wire for Gemini {
    fn default_base_url(&self) -> &'static str {
        "https://generativelanguage.googleapis.com"
    }

    fn default_model(&self) -> &'static str {
        "gemini-2.5-flash"
    }

    fn default_mode(&self) -> Mode {
        Mode::JsonSchema
    }

    fn url(&self, base: &str, model: &str, _mode: Mode) -> String {
        let model = model.strip_prefix("models/").unwrap_or(model);
        format!("{base}/v1beta/models/{model}:generateContent")
    }

    fn authorize(&self, key: &SecretString, headers: &mut HeaderMap) -> Result<(), ConfigError> {
        key_header(headers, HeaderName::from_static("x-goog-api-key"), "", key)
    }

    fn check_mode(&self, url: &reqwest::Url, mode: Mode) -> Result<(), ConfigError> {
        super::refuse_responses(mode, url)
    }

    fn target(&self, mode: Mode, model: &str) -> Target {
        match schema_field(mode, model) {
            Some(SchemaField::Json) => Target::GeminiJson,
            Some(SchemaField::OpenApi) => Target::Gemini,
            None => mode.target(),
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
        super::gemini_stream::body(body)
    }

    fn stream_event<'a>(&self, data: &'a [u8], secret: Option<&str>) -> Result<super::StreamEvent<'a>, Error> {
        super::gemini_stream::event(data, secret)
    }

    fn stream_url(&self, base: &str, model: &str, _mode: Mode) -> String {
        let model = model.strip_prefix("models/").unwrap_or(model);
        format!("{base}/v1beta/models/{model}:streamGenerateContent?alt=sse")
    }
}

/// Where the schema goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum SchemaField {
    /// `responseJsonSchema`: standard JSON schema, references and all.
    Json,
    /// `responseSchema`: the OpenAPI subset, references inlined.
    OpenApi,
}

/// Where `mode` sends the schema to `model`: `responseJsonSchema` in
/// [`Mode::JsonSchema`] to the models that read it (Gemini 2.5 on, and the `-latest`
/// aliases), `responseSchema` otherwise and in [`Mode::Tools`] (the fallback); nowhere
/// in the prompt modes.
fn schema_field(mode: Mode, model: &str) -> Option<SchemaField> {
    match mode {
        Mode::JsonSchema if reads_json_schema(model) => Some(SchemaField::Json),
        Mode::JsonSchema | Mode::Tools => Some(SchemaField::OpenApi),
        _ => None,
    }
}

/// Whether `model` reads `responseJsonSchema`: `gemini-2.5-*`, `gemini-3-*` and later,
/// and the aliases without a version (`gemini-flash-latest`). A name it cannot read is
/// taken for an older model, which `responseSchema` serves.
fn reads_json_schema(model: &str) -> bool {
    let model = model.strip_prefix("models/").unwrap_or(model);
    let Some(rest) = model.strip_prefix("gemini-") else { return false };
    let version = rest.split('-').next().unwrap_or("");
    if !version.starts_with(|c: char| c.is_ascii_digit()) {
        return !version.is_empty();
    }
    let mut numbers = version.split('.').map(|part| part.parse::<u32>().ok());
    match (numbers.next().flatten(), numbers.next().flatten()) {
        (Some(major), _) if major >= 3 => true,
        (Some(2), Some(minor)) => minor >= 5,
        _ => false,
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Body<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    system_instruction: Option<Content<'a>>,
    contents: Vec<Content<'a>>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    tools: Vec<super::gemini_tools::Tools<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    tool_config: Option<super::gemini_tools::ToolConfig>,
    generation_config: GenerationConfig<'a>,
}

#[derive(Serialize)]
pub(super) struct Content<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) role: Option<&'static str>,
    pub(super) parts: Vec<Part<'a>>,
}

/// One part of a turn: text, or (in an agent's conversation) a function call or the
/// response to one.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(super) enum Part<'a> {
    Text(&'a str),
    /// Text made for the request (tool calls told in words).
    #[serde(rename = "text")]
    Written(String),
    FunctionCall(super::gemini_tools::FunctionCall<'a>),
    FunctionResponse(super::gemini_tools::FunctionResponse<'a>),
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct GenerationConfig<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    temperature: Option<f32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    max_output_tokens: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    response_mime_type: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    response_schema: Option<&'a RawValue>,
    #[serde(skip_serializing_if = "Option::is_none")]
    response_json_schema: Option<&'a RawValue>,
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    stop_sequences: &'a [String],
}

fn turn<'a>(role: &'static str, text: &'a str) -> Content<'a> {
    Content { role: Some(role), parts: vec![Part::Text(text)] }
}

/// The JSON body of a `generateContent` request.
fn body(call: &Call) -> Vec<u8> {
    let mut system: Vec<Part> = Vec::new();
    let mut contents = Vec::with_capacity(call.messages.len() + 2 * call.retries.len());
    for message in call.messages {
        let parts = call.is_turn();
        if call.tools.is_some() && super::gemini_tools::push(message, call.messages, &mut contents, parts) {
            continue;
        }
        let text = message_text(message);
        match message.role {
            Role::System => system.push(Part::Text(text)),
            Role::Assistant => contents.push(turn("model", text)),
            _ => contents.push(turn("user", text)),
        }
    }
    for Retry { reply, feedback, .. } in call.retries {
        // An empty part is refused; an empty reply is told by the feedback.
        if !reply.raw().trim().is_empty() {
            contents.push(turn("model", reply.raw()));
        }
        contents.push(turn("user", feedback));
    }
    let turn = call.is_turn();
    let field = schema_field(call.mode, call.model).filter(|_| !turn);
    let body = Body {
        system_instruction: (!system.is_empty()).then_some(Content { role: None, parts: system }),
        contents,
        tools: super::gemini_tools::declarations(if turn { call.offered() } else { &[] }),
        tool_config: turn.then(super::gemini_tools::ToolConfig::auto),
        generation_config: GenerationConfig {
            temperature: call.temperature,
            max_output_tokens: call.max_tokens,
            response_mime_type: (!turn
                && matches!(call.mode, Mode::JsonSchema | Mode::Tools | Mode::Json | Mode::JsonObjectSchema))
            .then_some("application/json"),
            response_schema: (field == Some(SchemaField::OpenApi)).then(|| call.schema.json()),
            response_json_schema: (field == Some(SchemaField::Json)).then(|| call.schema.json()),
            stop_sequences: call.stop,
        },
    };
    serde_json::to_vec(&body).expect("the request body always serializes")
}

/// A message's text; an assistant's tool call travels as its arguments.
fn message_text(message: &Message) -> &str {
    match (&message.content, message.tool_calls.as_deref()) {
        (Some(content), _) if !content.is_empty() => content,
        (_, Some([call, ..])) => &call.function.arguments,
        _ => "",
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Response {
    #[serde(default)]
    response_id: Option<String>,
    #[serde(default)]
    model_version: Option<String>,
    #[serde(default)]
    candidates: Vec<Candidate>,
    #[serde(default)]
    prompt_feedback: Option<PromptFeedback>,
    #[serde(default)]
    usage_metadata: UsageMetadata,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Candidate {
    #[serde(default)]
    content: Option<CandidateContent>,
    #[serde(default)]
    finish_reason: Option<String>,
}

#[derive(Deserialize)]
struct CandidateContent {
    #[serde(default)]
    parts: Vec<ResponsePart>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ResponsePart {
    #[serde(default)]
    text: Option<String>,
    #[serde(default)]
    thought: bool,
    #[serde(default)]
    function_call: Option<super::gemini_tools::CallIn>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct PromptFeedback {
    #[serde(default)]
    pub(super) block_reason: Option<String>,
}

/// `usageMetadata`, of a reply or of a stream's last event.
#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub(super) struct UsageMetadata {
    #[serde(default, deserialize_with = "super::count")]
    prompt_token_count: u64,
    #[serde(default, deserialize_with = "super::count")]
    candidates_token_count: u64,
    #[serde(default, deserialize_with = "super::count")]
    thoughts_token_count: u64,
    #[serde(default, deserialize_with = "super::count")]
    cached_content_token_count: u64,
    #[serde(default)]
    total_token_count: Option<u64>,
}

impl UsageMetadata {
    /// The usage in pluck's terms. Completion tokens count thinking tokens too, as
    /// OpenAI's `completion_tokens` counts reasoning tokens.
    pub(super) fn usage(&self) -> Usage {
        let completion_tokens = self.candidates_token_count + self.thoughts_token_count;
        Usage {
            prompt_tokens: self.prompt_token_count,
            completion_tokens,
            total_tokens: self.total_token_count.unwrap_or(self.prompt_token_count + completion_tokens),
            cached_input_tokens: self.cached_content_token_count,
            cache_write_tokens: 0,
            reasoning_tokens: self.thoughts_token_count,
        }
    }
}

/// Finish reasons that mean a safety or policy filter stopped the reply.
const BLOCKED: &[&str] =
    &["SAFETY", "RECITATION", "PROHIBITED_CONTENT", "BLOCKLIST", "SPII", "IMAGE_SAFETY", "IMAGE_PROHIBITED_CONTENT"];

/// Finish reasons that stop a reply short of an answer for another reason, with what
/// they mean: asking again would ask for the same.
const UNANSWERED: &[(&str, &str)] = &[("LANGUAGE", "the language is not supported"), ("OTHER", "no reason given")];

/// Why a reply that stopped for `reason` holds no answer, when it holds none: a filter
/// ([`BLOCKED`]) or an unanswered reason (`LANGUAGE`, `OTHER`).
fn unanswered(reason: &str) -> Option<String> {
    if BLOCKED.contains(&reason) {
        return Some(format!("the reply was blocked by the provider's filters (finishReason: {reason})"));
    }
    let (_, meaning) = UNANSWERED.iter().find(|(name, _)| *name == reason)?;
    Some(format!("the provider stopped the reply without an answer (finishReason: {reason}, {meaning})"))
}

/// What a candidate's `finishReason` says, whole or streamed: the finish, and why the
/// reply holds no answer when it holds none (a filter, an unsupported language, ...).
pub(super) fn finish_of(reason: &str) -> (Finish, Option<String>) {
    match reason {
        "MAX_TOKENS" => (Finish::Length, None),
        _ => (Finish::Done, unanswered(reason)),
    }
}

/// Reads a `generateContent` reply.
fn reply(bytes: &[u8]) -> Result<Reply, Error> {
    let response: Response = serde_json::from_slice(bytes)
        .map_err(|e| Error::Decode { message: "not a generateContent reply".to_owned(), source: Some(e) })?;
    let usage = response.usage_metadata.usage();
    let (id, model) = (response.response_id, response.model_version);
    let Some(candidate) = response.candidates.into_iter().next() else {
        return match response.prompt_feedback.and_then(|f| f.block_reason) {
            Some(reason) => Ok(Reply {
                content: None,
                tool_calls: Vec::new(),
                refusal: Some(format!("the prompt was blocked (blockReason: {reason})")),
                finish: Finish::Done,
                usage,
                id,
                model,
            }),
            None => Err(Error::Decode { message: "the reply has no candidates".to_owned(), source: None }),
        };
    };
    let mut tool_calls = Vec::new();
    let content = candidate.content.map(|content| {
        let parts = content.parts.into_iter().filter(|part| !part.thought);
        let mut text = String::new();
        for part in parts {
            match (part.text, part.function_call) {
                (_, Some(call)) => tool_calls.push(call.into_tool_call(tool_calls.len())),
                (Some(part), None) => text.push_str(&part),
                (None, None) => {}
            }
        }
        text
    });
    let content = content.filter(|text| !text.is_empty() || tool_calls.is_empty());
    let (finish, refusal) = finish_of(candidate.finish_reason.as_deref().unwrap_or("STOP"));
    Ok(Reply { content, tool_calls, refusal, finish, usage, id, model })
}

/// The shared reading of failures, plus what Gemini's bodies
/// (`{"error": {"code", "message", "status", "details"}}`) say beyond their status: a
/// rejected key is `INVALID_ARGUMENT` with reason `API_KEY_INVALID`;
/// `RESOURCE_EXHAUSTED` is a quota used up when a daily quota (or a quota of zero) was
/// hit, and otherwise a rate limit whose wait may be in a `RetryInfo` detail; an unknown
/// model (`NOT_FOUND`, "models/NAME is not found ...") says so by name.
pub(super) fn classify(status: u16, body: &[u8], secret: Option<&str>) -> Failure {
    let parsed: Option<Value> = serde_json::from_slice(body).ok();
    let error = parsed.as_ref().and_then(|v| v.get("error"));
    let state = error.and_then(|e| e.get("status")).and_then(Value::as_str).unwrap_or("");
    let details: &[Value] = error.and_then(|e| e.get("details")).and_then(Value::as_array).map_or(&[], Vec::as_slice);
    let message = || redact(&message_of(parsed.as_ref(), body), secret);
    let reason_is = |wanted: &str| details.iter().any(|d| d.get("reason").is_some_and(|r| r == wanted));
    match state {
        "UNAUTHENTICATED" | "PERMISSION_DENIED" => Failure::Authentication { status, message: message() },
        "INVALID_ARGUMENT" if reason_is("API_KEY_INVALID") => Failure::Authentication { status, message: message() },
        "RESOURCE_EXHAUSTED" => {
            let message = message();
            let daily = details
                .iter()
                .filter_map(|d| d.get("violations").and_then(Value::as_array))
                .flatten()
                .filter_map(|v| v.get("quotaId").and_then(Value::as_str))
                .any(|id| id.contains("PerDay"));
            if daily || message.contains("limit: 0") {
                Failure::QuotaExhausted { message }
            } else {
                Failure::RateLimited { message, wait: retry_delay(details) }
            }
        }
        "NOT_FOUND" => {
            let message = message();
            match message.strip_prefix("models/").and_then(|rest| rest.split_once(" is not found")) {
                Some((model, _)) => super::model_not_found(status, model, Some(message.clone())),
                None => transport::classify(status, body, secret),
            }
        }
        "UNAVAILABLE" | "INTERNAL" | "DEADLINE_EXCEEDED" if status < 500 => {
            Failure::Server { status, message: message() }
        }
        _ => transport::classify(status, body, secret),
    }
}

/// The wait of a `google.rpc.RetryInfo` detail: `{"retryDelay": "26s"}`.
fn retry_delay(details: &[Value]) -> Option<Duration> {
    let delay = details.iter().find_map(|d| d.get("retryDelay").and_then(Value::as_str))?;
    crate::transport::retry::wait_of_secs(delay.strip_suffix('s')?.parse().ok()?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn models_that_read_json_schema() {
        for model in [
            "gemini-2.5-flash",
            "models/gemini-2.5-pro",
            "gemini-2.5-flash-lite",
            "gemini-3-pro-preview",
            "gemini-3.1-flash",
            "gemini-flash-latest",
        ] {
            assert!(reads_json_schema(model), "{model}");
        }
        for model in ["gemini-2.0-flash", "gemini-1.5-pro-002", "test-model", "gemini-", "gemma-3-27b-it"] {
            assert!(!reads_json_schema(model), "{model}");
        }
    }

    fn error(status: u16, state: &str, message: &str, details: Value) -> Failure {
        let body = json!({"error": {"code": status, "message": message, "status": state, "details": details}});
        classify(status, body.to_string().as_bytes(), None)
    }

    #[test]
    fn statuses_map_to_failures() {
        let bad_key = json!([{"@type": "type.googleapis.com/google.rpc.ErrorInfo", "reason": "API_KEY_INVALID"}]);
        assert!(matches!(
            error(400, "INVALID_ARGUMENT", "API key not valid. Please pass a valid API key.", bad_key),
            Failure::Authentication { status: 400, .. }
        ));
        assert!(matches!(error(403, "PERMISSION_DENIED", "denied", json!([])), Failure::Authentication { .. }));
        assert!(matches!(error(401, "UNAUTHENTICATED", "who", json!([])), Failure::Authentication { .. }));
        let per_minute = json!([
            {"@type": "type.googleapis.com/google.rpc.QuotaFailure", "violations": [{"quotaId": "GenerateRequestsPerMinutePerProjectPerModel-FreeTier"}]},
            {"@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": "26s"}
        ]);
        assert_eq!(
            error(429, "RESOURCE_EXHAUSTED", "You exceeded your current quota", per_minute),
            Failure::RateLimited {
                message: "You exceeded your current quota".into(),
                wait: Some(Duration::from_secs(26))
            }
        );
        let per_day = json!([{"@type": "type.googleapis.com/google.rpc.QuotaFailure", "violations": [{"quotaId": "GenerateRequestsPerDayPerProjectPerModel-FreeTier"}]}]);
        assert!(matches!(error(429, "RESOURCE_EXHAUSTED", "quota", per_day), Failure::QuotaExhausted { .. }));
        assert!(matches!(
            error(
                400,
                "INVALID_ARGUMENT",
                "The input token count (1200000) exceeds the maximum number of tokens allowed (1048576).",
                json!([])
            ),
            Failure::ContextLength { .. }
        ));
        assert!(matches!(error(400, "INVALID_ARGUMENT", "bad schema", json!([])), Failure::InvalidRequest { .. }));
        assert!(matches!(error(503, "UNAVAILABLE", "overloaded", json!([])), Failure::Server { status: 503, .. }));
        assert!(matches!(error(500, "INTERNAL", "oops", json!([])), Failure::Server { status: 500, .. }));
        assert_eq!(retry_delay(&[json!({"retryDelay": "20.5s"})]), Some(Duration::from_millis(20500)));
    }
}
