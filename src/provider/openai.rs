//! The OpenAI chat-completions wire format, spoken by OpenAI and by most compatible
//! servers (Azure OpenAI, Ollama, vLLM, llama.cpp, OpenRouter, ...).

use super::{key_header, Call, Finish, LimitName, Reply, Retry, ToolSpec, Wire};
use crate::error::ConfigError;
use crate::message::{FunctionCall, ToolCall};
use crate::schema::Target;
use crate::transport::{self, Failure};
use crate::{Error, Message, Mode, Usage};
use reqwest::header::{HeaderMap, AUTHORIZATION};
use secrecy::SecretString;
use serde::{Deserialize, Serialize, Serializer};
use serde_json::value::RawValue;

/// The base URL of the OpenAI API.
pub(crate) const BASE_URL: &str = "https://api.openai.com/v1";

/// The host of the OpenAI API.
const HOST: &str = "api.openai.com";

/// OpenAI's chat completions.
pub(crate) struct OpenAi;

impl Wire for OpenAi {
    fn default_base_url(&self) -> &'static str {
        BASE_URL
    }

    fn default_model(&self) -> &'static str {
        "gpt-4o-mini"
    }

    fn default_mode(&self) -> Mode {
        Mode::JsonSchema
    }

    fn url(&self, base: &str, _model: &str, mode: Mode) -> String {
        match mode {
            Mode::Responses => format!("{base}/responses"),
            _ => format!("{base}/chat/completions"),
        }
    }

    fn authorize(&self, key: &SecretString, headers: &mut HeaderMap) -> Result<(), ConfigError> {
        key_header(headers, AUTHORIZATION, "Bearer ", key)
    }

    /// OpenAI's own `json_object` format has only `type`: a schema beside it would be
    /// dropped unread, so [`Mode::JsonObjectSchema`] is refused there.
    fn check_mode(&self, url: &reqwest::Url, mode: Mode) -> Result<(), ConfigError> {
        match (mode, url.host_str()) {
            (Mode::JsonObjectSchema, Some(HOST)) => Err(ConfigError::UnsupportedMode {
                mode,
                host: HOST.to_owned(),
                reason: "its json_object format has only `type` and would drop the schema",
                instead: Mode::JsonSchema,
            }),
            _ => Ok(()),
        }
    }

    fn classifier(&self) -> transport::Classifier {
        classify
    }

    fn body(&self, call: &Call, limit: LimitName) -> Vec<u8> {
        match call.mode {
            Mode::Responses => super::openai_responses::body(call),
            _ => body(call, limit),
        }
    }

    fn reply(&self, bytes: &[u8]) -> Result<Reply, Error> {
        match super::openai_responses::is_response(bytes) {
            true => super::openai_responses::reply(bytes),
            false => reply(bytes),
        }
    }

    /// The Responses API streams its usage unasked, and knows no `include_usage`.
    fn stream_body(&self, body: Vec<u8>, include_usage: bool, mode: Mode) -> Vec<u8> {
        super::openai_stream::body(body, include_usage && mode != Mode::Responses)
    }

    fn stream_event<'a>(&self, data: &'a [u8], secret: Option<&str>) -> Result<super::StreamEvent<'a>, Error> {
        super::openai_stream::event(data, secret)
    }
}

/// The conversation, then each failed reply with its feedback.
struct Messages<'a> {
    given: &'a [Message],
    retries: Vec<Message>,
}

impl Serialize for Messages<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.given.iter().chain(&self.retries))
    }
}

/// The messages that carry a failed reply and its feedback into the next request: the
/// reply as the assistant wrote it, then the feedback as a user message, or as the
/// tool's result in [`Mode::Tools`].
fn reask(mode: Mode, retry: &Retry, tool_name: &str) -> [Message; 2] {
    let Retry { reply, feedback, attempt } = retry;
    match (mode, reply.tool_call()) {
        (Mode::Tools, call) => {
            let call = match call {
                Some(call) if !call.id.is_empty() => call.clone(),
                Some(call) => ToolCall { id: format!("call_{attempt}"), ..call.clone() },
                None => ToolCall {
                    id: format!("call_{attempt}"),
                    kind: "function".to_owned(),
                    function: FunctionCall {
                        name: tool_name.to_owned(),
                        arguments: reply.content.clone().unwrap_or_default(),
                    },
                },
            };
            let id = call.id.clone();
            [Message::tool_call(call), Message::tool_result(id, feedback.clone())]
        }
        _ => [Message::assistant(reply.raw()), Message::user(feedback.clone())],
    }
}

#[derive(Serialize)]
struct Body<'a> {
    model: &'a str,
    messages: Messages<'a>,
    #[serde(skip_serializing_if = "Option::is_none")]
    temperature: Option<f32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    max_tokens: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    max_completion_tokens: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    response_format: Option<ResponseFormat<'a>>,
    #[serde(skip_serializing_if = "Tools::is_empty")]
    tools: Tools<'a>,
    #[serde(skip_serializing_if = "Option::is_none")]
    tool_choice: Option<ToolChoice<'a>>,
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    stop: &'a [String],
    /// `false` with the forced tool: one value is one call, and strict function calling
    /// does not hold for parallel calls. Not sent to the models that reject it.
    #[serde(skip_serializing_if = "Option::is_none")]
    parallel_tool_calls: Option<bool>,
}

/// Whether `model` is one of OpenAI's reasoning models (o1, o3, o4-mini, GPT-5), which
/// reject `parallel_tool_calls`. A router's prefix (`openai/o3`) is looked through.
fn is_reasoning_model(model: &str) -> bool {
    let name = model.rsplit('/').next().unwrap_or(model);
    ["o1", "o3", "o4", "gpt-5"]
        .iter()
        .any(|family| name.strip_prefix(family).is_some_and(|rest| rest.is_empty() || rest.starts_with(['-', '.'])))
}

/// The shared reading of failures, plus an unknown model (`model_not_found`: "The
/// model `NAME` does not exist ...") said by name.
fn classify(status: u16, body: &[u8], secret: Option<&str>) -> Failure {
    match transport::classify(status, body, secret) {
        Failure::InvalidRequest { status: 404, message, .. } if message.contains("model") => {
            match message.split('`').nth(1).filter(|name| !name.is_empty()) {
                Some(model) => super::model_not_found(404, model, Some(message.clone())),
                None => Failure::InvalidRequest { status: 404, message, retryable: false },
            }
        }
        failure => failure,
    }
}

#[derive(Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
enum ResponseFormat<'a> {
    JsonSchema {
        json_schema: JsonSchemaFormat<'a>,
    },
    JsonObject {
        #[serde(skip_serializing_if = "Option::is_none")]
        schema: Option<&'a RawValue>,
    },
}

#[derive(Serialize)]
struct JsonSchemaFormat<'a> {
    name: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    description: Option<&'a str>,
    schema: &'a RawValue,
    strict: bool,
}

/// The tools a request declares: an agent's, then the forced one, written as one list
/// without collecting them.
struct Tools<'a> {
    agent: &'a [ToolSpec],
    forced: Option<Tool<'a>>,
}

impl Tools<'_> {
    fn is_empty(&self) -> bool {
        self.agent.is_empty() && self.forced.is_none()
    }
}

impl Serialize for Tools<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.agent.iter().map(agent_tool).chain(self.forced))
    }
}

#[derive(Serialize, Clone, Copy)]
struct Tool<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    function: FunctionDef<'a>,
}

#[derive(Serialize, Clone, Copy)]
struct FunctionDef<'a> {
    name: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    description: Option<&'a str>,
    parameters: &'a RawValue,
    /// Sent only for a schema in OpenAI's strict subset: a grammar-made server's plain
    /// schema is not one.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    strict: bool,
}

#[derive(Serialize)]
#[serde(untagged)]
enum ToolChoice<'a> {
    /// One function, forced.
    Forced {
        #[serde(rename = "type")]
        kind: &'static str,
        function: ToolName<'a>,
    },
    /// `auto` or `none`.
    Mode(&'static str),
}

/// A function tool for one of an agent's tools.
fn agent_tool(spec: &ToolSpec) -> Tool<'_> {
    Tool {
        kind: "function",
        function: FunctionDef {
            name: &spec.name,
            description: spec.description.as_deref(),
            parameters: spec.parameters.json(),
            strict: spec.parameters.target() == Target::Strict,
        },
    }
}

#[derive(Serialize)]
struct ToolName<'a> {
    name: &'a str,
}

/// The JSON body of a chat-completions request.
fn body(call: &Call, limit: LimitName) -> Vec<u8> {
    let schema = call.schema;
    let turn = call.is_turn();
    let response_format = match call.mode {
        _ if turn => None,
        Mode::JsonSchema => Some(ResponseFormat::JsonSchema {
            json_schema: JsonSchemaFormat {
                name: schema.name(),
                description: schema.description(),
                schema: schema.json(),
                strict: true,
            },
        }),
        Mode::Json => Some(ResponseFormat::JsonObject { schema: None }),
        Mode::JsonObjectSchema => Some(ResponseFormat::JsonObject { schema: Some(schema.json()) }),
        Mode::Tools | Mode::MdJson | Mode::Responses => None,
    };
    let forced = call.mode == Mode::Tools && !turn;
    let tools = Tools {
        agent: call.offered(),
        forced: forced.then(|| Tool {
            kind: "function",
            function: FunctionDef {
                name: schema.name(),
                description: schema.description(),
                parameters: schema.json(),
                strict: schema.target() == Target::Strict,
            },
        }),
    };
    let tool_choice = match (forced, turn) {
        (true, _) => Some(ToolChoice::Forced { kind: "function", function: ToolName { name: schema.name() } }),
        (false, true) => Some(ToolChoice::Mode("auto")),
        // The agent's tools are declared for the conversation's calls, not to be called.
        (false, false) => call.tools.map(|_| ToolChoice::Mode("none")),
    };
    let body = Body {
        model: call.model,
        messages: Messages {
            given: call.messages,
            retries: call.retries.iter().flat_map(|retry| reask(call.mode, retry, schema.name())).collect(),
        },
        temperature: call.temperature,
        max_tokens: call.max_tokens.filter(|_| limit == LimitName::MaxTokens),
        max_completion_tokens: call.max_tokens.filter(|_| limit == LimitName::MaxCompletionTokens),
        response_format,
        parallel_tool_calls: (forced && !is_reasoning_model(call.model)).then_some(false),
        tools,
        tool_choice,
        stop: call.stop,
    };
    // Sized up front: growing a buffer of a few kilobytes from empty copies it several times.
    let text: usize = call
        .messages
        .iter()
        .map(|m| {
            m.content.as_ref().map_or(0, String::len)
                + m.tool_calls.as_ref().map_or(0, |calls| calls.iter().map(|c| c.function.arguments.len() + 64).sum())
                + 64
        })
        .sum();
    let mut out = Vec::with_capacity(256 + text + schema.json().get().len());
    serde_json::to_writer(&mut out, &body).expect("the request body always serializes");
    out
}

#[derive(Deserialize)]
struct Completion {
    #[serde(default)]
    id: Option<String>,
    #[serde(default)]
    model: Option<String>,
    #[serde(default)]
    choices: Vec<Choice>,
    #[serde(default)]
    usage: Option<ChatUsage>,
}

/// A chat completion's `usage`, whole or in a stream's last chunk, with the details
/// OpenAI gives (cached prompt tokens, reasoning tokens).
#[derive(Deserialize, Default)]
pub(super) struct ChatUsage {
    #[serde(default, deserialize_with = "super::count")]
    prompt_tokens: u64,
    #[serde(default, deserialize_with = "super::count")]
    completion_tokens: u64,
    #[serde(default, deserialize_with = "super::count")]
    total_tokens: u64,
    #[serde(default)]
    prompt_tokens_details: Option<PromptDetails>,
    #[serde(default)]
    completion_tokens_details: Option<CompletionDetails>,
}

#[derive(Deserialize, Default)]
struct PromptDetails {
    #[serde(default)]
    cached_tokens: Option<u64>,
}

#[derive(Deserialize, Default)]
struct CompletionDetails {
    #[serde(default)]
    reasoning_tokens: Option<u64>,
}

impl ChatUsage {
    /// The usage in pluck's terms.
    pub(super) fn usage(self) -> Usage {
        Usage {
            prompt_tokens: self.prompt_tokens,
            completion_tokens: self.completion_tokens,
            total_tokens: self.total_tokens,
            cached_input_tokens: self.prompt_tokens_details.and_then(|d| d.cached_tokens).unwrap_or(0),
            cache_write_tokens: 0,
            reasoning_tokens: self.completion_tokens_details.and_then(|d| d.reasoning_tokens).unwrap_or(0),
        }
    }
}

#[derive(Deserialize)]
struct Choice {
    message: ChoiceMessage,
    #[serde(default)]
    finish_reason: Option<String>,
}

#[derive(Deserialize)]
struct ChoiceMessage {
    #[serde(default)]
    content: Option<String>,
    #[serde(default)]
    refusal: Option<String>,
    #[serde(default)]
    tool_calls: Option<Vec<ToolCall>>,
}

/// What a chat completion's `finish_reason` says, whole or streamed.
pub(crate) fn finish_of(reason: &str) -> Finish {
    match reason {
        "length" => Finish::Length,
        "content_filter" => Finish::ContentFilter,
        _ => Finish::Done,
    }
}

/// Reads a chat-completions reply.
fn reply(bytes: &[u8]) -> Result<Reply, Error> {
    let completion: Completion = serde_json::from_slice(bytes)
        .map_err(|e| Error::Decode { message: "not a chat completion".to_owned(), source: Some(e) })?;
    let usage = completion.usage.unwrap_or_default().usage();
    let Some(choice) = completion.choices.into_iter().next() else {
        return Err(Error::Decode { message: "the completion has no choices".to_owned(), source: None });
    };
    let finish = choice.finish_reason.as_deref().map_or(Finish::Done, finish_of);
    let tool_calls = choice.message.tool_calls.unwrap_or_default();
    let (id, model) = (completion.id, completion.model);
    Ok(Reply { content: choice.message.content, tool_calls, refusal: choice.message.refusal, finish, usage, id, model })
}
