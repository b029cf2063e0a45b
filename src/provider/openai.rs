//! The OpenAI chat-completions wire format, spoken by OpenAI and by most compatible
//! servers (Azure OpenAI, Ollama, vLLM, llama.cpp, OpenRouter, ...).

use super::{Call, Finish, Reply};
use crate::message::ToolCall;
use crate::{Error, Mode, Usage};
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;

#[derive(Serialize)]
struct Body<'a> {
    model: &'a str,
    messages: &'a [crate::Message],
    #[serde(skip_serializing_if = "Option::is_none")]
    temperature: Option<f32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    max_tokens: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    response_format: Option<ResponseFormat<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    tools: Option<[Tool<'a>; 1]>,
    #[serde(skip_serializing_if = "Option::is_none")]
    tool_choice: Option<ToolChoice<'a>>,
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

#[derive(Serialize)]
struct Tool<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    function: FunctionDef<'a>,
}

#[derive(Serialize)]
struct FunctionDef<'a> {
    name: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    description: Option<&'a str>,
    parameters: &'a RawValue,
    strict: bool,
}

#[derive(Serialize)]
struct ToolChoice<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    function: ToolName<'a>,
}

#[derive(Serialize)]
struct ToolName<'a> {
    name: &'a str,
}

/// The JSON body of a chat-completions request.
pub(crate) fn body(call: &Call) -> Vec<u8> {
    let schema = call.schema;
    let response_format = match call.mode {
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
        Mode::Tools | Mode::MdJson => None,
    };
    let tools = (call.mode == Mode::Tools).then(|| {
        [Tool {
            kind: "function",
            function: FunctionDef {
                name: schema.name(),
                description: schema.description(),
                parameters: schema.json(),
                strict: true,
            },
        }]
    });
    let tool_choice =
        (call.mode == Mode::Tools).then(|| ToolChoice { kind: "function", function: ToolName { name: schema.name() } });
    let body = Body {
        model: call.model,
        messages: call.messages,
        temperature: call.temperature,
        max_tokens: call.max_tokens,
        response_format,
        tools,
        tool_choice,
    };
    serde_json::to_vec(&body).expect("the request body always serializes")
}

#[derive(Deserialize)]
struct Completion {
    #[serde(default)]
    choices: Vec<Choice>,
    #[serde(default)]
    usage: Option<Usage>,
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

/// Reads a chat-completions reply.
pub(crate) fn reply(bytes: &[u8]) -> Result<Reply, Error> {
    let completion: Completion =
        serde_json::from_slice(bytes).map_err(|e| Error::Decode { message: format!("not a chat completion: {e}") })?;
    let usage = completion.usage.unwrap_or_default();
    let Some(choice) = completion.choices.into_iter().next() else {
        return Err(Error::Decode { message: "the completion has no choices".to_owned() });
    };
    let finish = match choice.finish_reason.as_deref() {
        Some("length") => Finish::Length,
        Some("content_filter") => Finish::ContentFilter,
        _ => Finish::Done,
    };
    let tool_call = choice.message.tool_calls.and_then(|calls| calls.into_iter().next());
    Ok(Reply { content: choice.message.content, tool_call, refusal: choice.message.refusal, finish, usage })
}
