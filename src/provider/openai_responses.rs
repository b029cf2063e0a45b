//! OpenAI's Responses API (`POST {base}/responses`), for [`Mode::Responses`]: the
//! conversation as `input` items, the strict schema as
//! `text: {"format": {"type": "json_schema", "name", "schema", "strict": true}}`, the
//! value as the `output_text` of the reply's `message` item. Nothing is stored
//! (`store: false`). Streamed, the text comes as `response.output_text.delta` events and
//! the usage with `response.completed`.
//!
//! Shapes as openai-python's `types/responses` has them (`response_create_params.py`,
//! `response_format_text_json_schema_config_param.py`, `easy_input_message_param.py`,
//! `response.py`, `response_stream_event.py`).

use super::{Call, Finish, Reply, Retry};
use super::{Delta, StreamEvent as Event};
use crate::transport;
use crate::{Error, Message, Role, Usage};
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use serde_json::Value;
use std::borrow::Cow;

#[derive(Serialize)]
struct Body<'a> {
    model: &'a str,
    input: Vec<Item<'a>>,
    text: TextConfig<'a>,
    #[serde(skip_serializing_if = "Option::is_none")]
    temperature: Option<f32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    max_output_tokens: Option<u32>,
    store: bool,
}

/// One `input` item: a message, or a function call and its output.
#[derive(Serialize)]
#[serde(untagged)]
enum Item<'a> {
    Message { role: &'static str, content: &'a str },
    FunctionCall { r#type: &'static str, call_id: &'a str, name: &'a str, arguments: &'a str },
    FunctionCallOutput { r#type: &'static str, call_id: &'a str, output: &'a str },
}

#[derive(Serialize)]
struct TextConfig<'a> {
    format: Format<'a>,
}

#[derive(Serialize)]
struct Format<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    name: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    description: Option<&'a str>,
    schema: &'a RawValue,
    strict: bool,
}

/// The items of one message: its text, then each tool call, or a tool's output.
fn items<'a>(message: &'a Message, out: &mut Vec<Item<'a>>) {
    let text = message.content.as_deref().unwrap_or("");
    let role = match message.role {
        Role::System => "system",
        Role::User => "user",
        Role::Assistant => "assistant",
        Role::Tool => {
            let call_id = message.tool_call_id.as_deref().unwrap_or("");
            out.push(Item::FunctionCallOutput { r#type: "function_call_output", call_id, output: text });
            return;
        }
    };
    let calls = message.tool_calls.as_deref().unwrap_or(&[]);
    if !text.is_empty() || calls.is_empty() {
        out.push(Item::Message { role, content: text });
    }
    for call in calls {
        out.push(Item::FunctionCall {
            r#type: "function_call",
            call_id: &call.id,
            name: &call.function.name,
            arguments: &call.function.arguments,
        });
    }
}

/// The JSON body of a Responses request. A failed reply goes back as the assistant's
/// message, its feedback as the user's.
pub(crate) fn body(call: &Call) -> Vec<u8> {
    let schema = call.schema;
    let mut input = Vec::with_capacity(call.messages.len() + 2 * call.retries.len());
    call.messages.iter().for_each(|message| items(message, &mut input));
    for Retry { reply, feedback, .. } in call.retries {
        input.push(Item::Message { role: "assistant", content: reply.raw() });
        input.push(Item::Message { role: "user", content: feedback });
    }
    let body = Body {
        model: call.model,
        input,
        text: TextConfig {
            format: Format {
                kind: "json_schema",
                name: schema.name(),
                description: schema.description(),
                schema: schema.json(),
                strict: true,
            },
        },
        temperature: call.temperature,
        // The only name the Responses API has, whatever `limit` says.
        max_output_tokens: call.max_tokens,
        store: false,
    };
    serde_json::to_vec(&body).expect("the request body always serializes")
}

#[derive(Deserialize, Default)]
pub(crate) struct Response {
    #[serde(default)]
    id: Option<String>,
    #[serde(default)]
    model: Option<String>,
    #[serde(default)]
    status: Option<String>,
    #[serde(default)]
    incomplete_details: Option<IncompleteDetails>,
    #[serde(default)]
    output: Vec<OutputItem>,
    #[serde(default)]
    usage: Option<ResponseUsage>,
    #[serde(default)]
    error: Option<Value>,
}

#[derive(Deserialize)]
struct IncompleteDetails {
    #[serde(default)]
    reason: Option<String>,
}

#[derive(Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
enum OutputItem {
    Message {
        #[serde(default)]
        content: Vec<ContentPart>,
    },
    #[serde(other)]
    Other,
}

#[derive(Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
enum ContentPart {
    OutputText {
        text: String,
    },
    Refusal {
        refusal: String,
    },
    #[serde(other)]
    Other,
}

#[derive(Deserialize, Default, Clone, Copy)]
struct ResponseUsage {
    #[serde(default, deserialize_with = "super::count")]
    input_tokens: u64,
    #[serde(default, deserialize_with = "super::count")]
    output_tokens: u64,
    #[serde(default, deserialize_with = "super::count")]
    total_tokens: u64,
    #[serde(default)]
    input_tokens_details: Option<InputDetails>,
    #[serde(default)]
    output_tokens_details: Option<OutputDetails>,
}

#[derive(Deserialize, Default, Clone, Copy)]
struct InputDetails {
    #[serde(default)]
    cached_tokens: Option<u64>,
}

#[derive(Deserialize, Default, Clone, Copy)]
struct OutputDetails {
    #[serde(default)]
    reasoning_tokens: Option<u64>,
}

impl ResponseUsage {
    fn usage(self) -> Usage {
        Usage {
            prompt_tokens: self.input_tokens,
            completion_tokens: self.output_tokens,
            total_tokens: self.total_tokens,
            cached_input_tokens: self.input_tokens_details.and_then(|d| d.cached_tokens).unwrap_or(0),
            cache_write_tokens: 0,
            reasoning_tokens: self.output_tokens_details.and_then(|d| d.reasoning_tokens).unwrap_or(0),
        }
    }
}

/// Whether `bytes` is a Responses reply (`"object": "response"`) rather than a chat
/// completion.
pub(crate) fn is_response(bytes: &[u8]) -> bool {
    #[derive(Deserialize)]
    struct Object<'a> {
        #[serde(default, borrow)]
        object: Option<Cow<'a, str>>,
    }
    serde_json::from_slice::<Object>(bytes).is_ok_and(|o| o.object.as_deref() == Some("response"))
}

/// Why a response that ended `incomplete` or `failed` holds no value: the finish, or
/// the error its `error` stands for.
fn finish_of(response: &Response, secret: Option<&str>) -> Result<Finish, Error> {
    match response.status.as_deref() {
        Some("failed") => {
            let body = serde_json::json!({ "error": response.error });
            Err(super::stream_error(transport::classify, 500, body.to_string().as_bytes(), secret))
        }
        Some("incomplete") => Ok(match response.incomplete_details.as_ref().and_then(|d| d.reason.as_deref()) {
            Some("content_filter") => Finish::ContentFilter,
            _ => Finish::Length,
        }),
        _ => Ok(Finish::Done),
    }
}

/// Reads a Responses reply.
pub(crate) fn reply(bytes: &[u8]) -> Result<Reply, Error> {
    let response: Response = serde_json::from_slice(bytes)
        .map_err(|e| Error::Decode { message: "not a Responses reply".to_owned(), source: Some(e) })?;
    let finish = finish_of(&response, None)?;
    let (mut content, mut refusal): (Option<String>, Option<String>) = (None, None);
    for item in response.output {
        let OutputItem::Message { content: parts } = item else { continue };
        for part in parts {
            match part {
                ContentPart::OutputText { text } => content.get_or_insert_with(String::new).push_str(&text),
                ContentPart::Refusal { refusal: said } => refusal.get_or_insert_with(String::new).push_str(&said),
                ContentPart::Other => {}
            }
        }
    }
    let usage = response.usage.unwrap_or_default().usage();
    Ok(Reply { content, tool_calls: Vec::new(), refusal, finish, usage, id: response.id, model: response.model })
}

/// One streamed event's data.
#[derive(Deserialize)]
struct StreamEvent<'a> {
    #[serde(rename = "type", borrow)]
    kind: Cow<'a, str>,
    #[serde(default, borrow)]
    delta: Option<Cow<'a, str>>,
    #[serde(default)]
    response: Option<Response>,
}

/// Reads the data of one streamed event: text and refusal deltas, the finish and usage
/// with `response.completed` (or `incomplete`, `failed`), and an `error` event as the
/// error its body would be as an HTTP reply.
pub(crate) fn event<'a>(data: &'a [u8], secret: Option<&str>) -> Result<Event<'a>, Error> {
    let event: StreamEvent<'_> = serde_json::from_slice(data)
        .map_err(|e| Error::Decode { message: "not a Responses stream event".to_owned(), source: Some(e) })?;
    let mut delta = Delta::default();
    match &*event.kind {
        "response.created" | "response.in_progress" => {
            let response = event.response.unwrap_or_default();
            (delta.id, delta.model) = (response.id.map(Cow::Owned), response.model.map(Cow::Owned));
        }
        "response.output_text.delta" => delta.text = event.delta,
        "response.refusal.delta" => delta.refusal = event.delta,
        "response.completed" | "response.incomplete" | "response.failed" => {
            let response = event.response.unwrap_or_default();
            delta.finish = Some(finish_of(&response, secret)?);
            delta.usage = response.usage.map(ResponseUsage::usage);
            (delta.id, delta.model) = (response.id.map(Cow::Owned), response.model.map(Cow::Owned));
        }
        "error" => {
            let body = serde_json::json!({ "error": serde_json::from_slice::<Value>(data).unwrap_or_default() });
            let status =
                if body["error"]["code"].as_str().is_some_and(|c| c.contains("rate_limit")) { 429 } else { 500 };
            return Err(super::stream_error(transport::classify, status, body.to_string().as_bytes(), secret));
        }
        _ => {}
    }
    Ok(Event::Chunk(delta))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::message::{FunctionCall, ToolCall};

    #[test]
    fn tool_calls_and_results_become_function_call_items() {
        let call = ToolCall {
            id: "call_1".into(),
            kind: "function".into(),
            function: FunctionCall { name: "lookup".into(), arguments: "{\"q\":1}".into() },
        };
        let messages = [Message::user("hi"), Message::tool_call(call), Message::tool_result("call_1", "42")];
        let mut out = Vec::new();
        messages.iter().for_each(|message| items(message, &mut out));
        assert_eq!(
            serde_json::to_value(&out).unwrap(),
            serde_json::json!([
                {"role": "user", "content": "hi"},
                {"type": "function_call", "call_id": "call_1", "name": "lookup", "arguments": "{\"q\":1}"},
                {"type": "function_call_output", "call_id": "call_1", "output": "42"}
            ])
        );
    }

    #[test]
    fn error_events_are_errors() {
        let err = event(br#"{"type":"error","code":"rate_limit_exceeded","message":"slow down","param":null}"#, None)
            .unwrap_err();
        assert!(matches!(err, Error::RateLimited { .. }), "{err:?}");
        let failed = br#"{"type":"response.failed","response":{"status":"failed","error":{"code":"server_error","message":"boom"},"output":[]}}"#;
        let err = event(failed, None).unwrap_err();
        assert!(matches!(&err, Error::Server { status: 500, message, .. } if message == "boom"), "{err:?}");
    }
}
