//! OpenAI's streamed replies, as server-sent events for wiremock.

use serde_json::{json, Value};
use wiremock::ResponseTemplate;

/// `text` in pieces of `size` characters.
pub fn pieces(text: &str, size: usize) -> Vec<String> {
    let chars: Vec<char> = text.chars().collect();
    chars.chunks(size).map(|c| c.iter().collect()).collect()
}

pub fn chunk(delta: Value, finish: Option<&str>) -> String {
    let chunk = json!({
        "id": "chatcmpl-1",
        "object": "chat.completion.chunk",
        "model": "test-model",
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
    });
    format!("data: {chunk}\n\n")
}

pub fn usage_chunk(prompt: u64, completion: u64) -> String {
    let chunk = json!({
        "id": "chatcmpl-1",
        "object": "chat.completion.chunk",
        "choices": [],
        "usage": {"prompt_tokens": prompt, "completion_tokens": completion, "total_tokens": prompt + completion},
    });
    format!("data: {chunk}\n\n")
}

/// An event stream whose content deltas spell `text`, 7 characters each.
pub fn content_stream(text: &str, finish: Option<&str>, usage: Option<(u64, u64)>, done: bool) -> String {
    content_stream_in(text, 7, finish, usage, done)
}

/// [`content_stream`] with deltas of `size` characters.
pub fn content_stream_in(
    text: &str,
    size: usize,
    finish: Option<&str>,
    usage: Option<(u64, u64)>,
    done: bool,
) -> String {
    let mut out = chunk(json!({"role": "assistant", "content": ""}), None);
    for piece in pieces(text, size) {
        out.push_str(&chunk(json!({"content": piece}), None));
    }
    if let Some(finish) = finish {
        out.push_str(&chunk(json!({}), Some(finish)));
    }
    if let Some((prompt, completion)) = usage {
        out.push_str(&usage_chunk(prompt, completion));
    }
    if done {
        out.push_str("data: [DONE]\n\n");
    }
    out
}

/// An event stream whose tool-call argument deltas spell `arguments`.
pub fn tool_stream(name: &str, arguments: &str, usage: (u64, u64)) -> String {
    let mut out = chunk(
        json!({"role": "assistant", "content": null, "tool_calls": [
            {"index": 0, "id": "call_1", "type": "function", "function": {"name": name, "arguments": ""}}
        ]}),
        None,
    );
    for piece in pieces(arguments, 5) {
        out.push_str(&chunk(json!({"tool_calls": [{"index": 0, "function": {"arguments": piece}}]}), None));
    }
    out.push_str(&chunk(json!({}), Some("tool_calls")));
    out.push_str(&usage_chunk(usage.0, usage.1));
    out.push_str("data: [DONE]\n\n");
    out
}

pub fn sse(body: String) -> ResponseTemplate {
    ResponseTemplate::new(200)
        .insert_header("content-type", "text/event-stream")
        .set_body_raw(body, "text/event-stream")
}
