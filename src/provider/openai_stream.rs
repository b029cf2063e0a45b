//! The OpenAI chat-completions stream: `stream: true` in the body, and one
//! `chat.completion.chunk` per server-sent event, ended by `data: [DONE]`.

use super::{Delta, StreamEvent as Event};
use crate::{transport, Error};
use serde::Deserialize;
use serde_json::Value;
use std::borrow::Cow;

/// The body of `body` (a chat-completions request) asking for a stream, with usage in
/// the last chunk when `include_usage`.
pub(crate) fn body(mut body: Vec<u8>, include_usage: bool) -> Vec<u8> {
    debug_assert_eq!(body.last(), Some(&b'}'), "a request body is a JSON object");
    body.pop();
    body.extend_from_slice(b",\"stream\":true");
    if include_usage {
        body.extend_from_slice(b",\"stream_options\":{\"include_usage\":true}");
    }
    body.push(b'}');
    body
}

#[derive(Deserialize)]
struct Chunk<'a> {
    #[serde(default, borrow)]
    choices: Vec<Choice<'a>>,
    #[serde(default)]
    usage: Option<super::openai::ChatUsage>,
    #[serde(default)]
    error: Option<Value>,
    /// Set on a Responses API event (`response.output_text.delta`, ..., or `error` with
    /// its `code` and `message` at the top), which chat chunks do not have.
    #[serde(default, rename = "type", borrow)]
    kind: Option<Cow<'a, str>>,
    #[serde(default, borrow)]
    id: Option<Cow<'a, str>>,
    #[serde(default, borrow)]
    model: Option<Cow<'a, str>>,
}

#[derive(Deserialize)]
struct Choice<'a> {
    #[serde(default, borrow)]
    delta: Option<ChunkDelta<'a>>,
    #[serde(default, borrow)]
    finish_reason: Option<Cow<'a, str>>,
}

#[derive(Deserialize)]
struct ChunkDelta<'a> {
    #[serde(default, borrow)]
    content: Option<Cow<'a, str>>,
    #[serde(default, borrow)]
    refusal: Option<Cow<'a, str>>,
    #[serde(default, borrow)]
    tool_calls: Option<Vec<ToolDelta<'a>>>,
}

#[derive(Deserialize)]
struct ToolDelta<'a> {
    #[serde(default)]
    index: u32,
    #[serde(default, borrow)]
    id: Option<Cow<'a, str>>,
    #[serde(default, borrow)]
    function: Option<FunctionDelta<'a>>,
}

#[derive(Deserialize)]
struct FunctionDelta<'a> {
    #[serde(default, borrow)]
    name: Option<Cow<'a, str>>,
    #[serde(default, borrow)]
    arguments: Option<Cow<'a, str>>,
}

/// Reads the data of one event. A chunk carrying an `error` ends as the error the same
/// body would be as an HTTP reply (see [`status_of`]).
pub(crate) fn event<'a>(data: &'a [u8], secret: Option<&str>) -> Result<Event<'a>, Error> {
    if data.trim_ascii() == b"[DONE]" {
        return Ok(Event::Done);
    }
    let chunk: Chunk<'_> = serde_json::from_slice(data)
        .map_err(|e| Error::Decode { message: "not a chat-completion chunk".to_owned(), source: Some(e) })?;
    let responses_event = |kind: &str| kind.starts_with("response.") || (kind == "error" && chunk.error.is_none());
    if chunk.kind.as_deref().is_some_and(responses_event) {
        return super::openai_responses::event(data, secret);
    }
    if let Some(error) = chunk.error {
        return Err(super::stream_error(transport::classify, status_of(&error), data, secret));
    }
    let mut delta = Delta {
        usage: chunk.usage.map(super::openai::ChatUsage::usage),
        id: chunk.id,
        model: chunk.model,
        ..Delta::default()
    };
    if let Some(choice) = chunk.choices.into_iter().next() {
        delta.finish = choice.finish_reason.as_deref().map(super::openai::finish_of);
        if let Some(d) = choice.delta {
            delta.refusal = d.refusal;
            let tool = d.tool_calls.and_then(|calls| calls.into_iter().find(|call| call.index == 0));
            match tool {
                Some(call) => {
                    let function = call.function;
                    let (name, arguments) = match function {
                        Some(f) => (f.name, f.arguments),
                        None => (None, None),
                    };
                    if let Some(name) = name {
                        delta.tool = Some((call.id.unwrap_or_default(), name));
                    }
                    delta.text = arguments;
                }
                None => delta.text = d.content,
            }
        }
    }
    Ok(Event::Chunk(delta))
}

/// The HTTP status an error chunk stands for: its numeric `code` where it has one
/// (llama.cpp, vLLM), else what its `type` or `code` names (OpenAI's
/// `{"message", "type", "param", "code"}`). An error that names nothing known is the
/// server failing mid-reply, a 500.
fn status_of(error: &Value) -> u16 {
    if let Some(code) = error.get("code").and_then(Value::as_u64).filter(|code| (400..600).contains(code)) {
        return code as u16;
    }
    let field = |name: &str| error.get(name).and_then(Value::as_str).unwrap_or("");
    match (field("type"), field("code")) {
        ("rate_limit_error" | "rate_limit_exceeded" | "insufficient_quota", _)
        | (_, "rate_limit_exceeded" | "insufficient_quota") => 429,
        ("invalid_request_error", _) | (_, "context_length_exceeded") => 400,
        ("authentication_error", _) | (_, "invalid_api_key") => 401,
        _ => 500,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_body_asks_for_a_stream() {
        let body = body(br#"{"model":"m"}"#.to_vec(), true);
        let value: serde_json::Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(value["stream"], true);
        assert_eq!(value["stream_options"]["include_usage"], true);
        let value: serde_json::Value =
            serde_json::from_slice(&super::body(br#"{"model":"m"}"#.to_vec(), false)).unwrap();
        assert!(value.get("stream_options").is_none());
    }

    #[test]
    fn chunks_are_read() {
        let Event::Chunk(delta) =
            event(br#"{"choices":[{"index":0,"delta":{"content":"{\"a\""},"finish_reason":null}]}"#, None).unwrap()
        else {
            panic!()
        };
        assert_eq!(delta.text.as_deref(), Some("{\"a\""));
        let tool = br#"{"choices":[{"delta":{"tool_calls":[{"index":0,"id":"call_1","type":"function","function":{"name":"F","arguments":""}}]}}]}"#;
        let Event::Chunk(delta) = event(tool, None).unwrap() else { panic!() };
        assert_eq!(delta.tool, Some(("call_1".into(), "F".into())));
        let last = br#"{"choices":[],"usage":{"prompt_tokens":3,"completion_tokens":4,"total_tokens":7}}"#;
        let Event::Chunk(delta) = event(last, None).unwrap() else { panic!() };
        assert_eq!(delta.usage.map(|u| u.total_tokens), Some(7));
        assert_eq!(event(b"[DONE]", None).unwrap(), Event::Done);
        let typed = br#"{"type":"chunk","choices":[{"index":0,"delta":{"content":"x"}}]}"#;
        let Event::Chunk(delta) = event(typed, None).unwrap() else { panic!() };
        assert_eq!(delta.text.as_deref(), Some("x"), "a `type` of another kind is no Responses event");
        let err = event(br#"{"error":{"message":"overloaded"}}"#, None).unwrap_err();
        assert!(matches!(err, Error::Server { status: 500, .. }), "{err:?}");
    }
}
