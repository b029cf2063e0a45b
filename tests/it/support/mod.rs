//! Shared by the integration tests: the blog's types, canned provider replies, and a
//! client pointed at a local mock server.
#![allow(dead_code)]

pub mod e2e;
#[path = "../../../examples/types/job.rs"]
pub mod job;
pub mod mock;
pub mod raw;
pub mod server;
pub mod sse;
#[path = "../../../examples/types/stock.rs"]
pub mod stock;
#[path = "../../../examples/types/triage.rs"]
pub mod triage;

use pluck::{Client, Mode, Provider, RetryPolicy};
use serde_json::{json, Value};
use std::time::Duration;
use wiremock::matchers::{method, path};
use wiremock::{Mock, ResponseTemplate};

pub use server::MockServer;

/// The key the tests configure; it must never show in errors or `Debug` output.
pub const SECRET: &str = "sk-test-SECRET-9f8e7d6c5b4a";

/// A client for `server`, with fast retries so tests stay quick.
pub fn client(server: &MockServer, mode: Mode) -> Client {
    Client::builder()
        .base_url(format!("{}/v1", server.uri()))
        .api_key(SECRET)
        .model("test-model")
        .mode(mode)
        .retry_policy(
            RetryPolicy::default().initial_delay(Duration::from_millis(1)).max_delay(Duration::from_millis(5)),
        )
        .timeout(Duration::from_secs(5))
        .build()
        .expect("client")
}

/// A chat completion whose message content is `content`.
pub fn completion(content: &str, prompt_tokens: u64, completion_tokens: u64) -> Value {
    completion_with(json!({"role": "assistant", "content": content}), "stop", prompt_tokens, completion_tokens)
}

/// A chat completion with a forced tool call whose arguments are `arguments`.
pub fn tool_completion(name: &str, arguments: &str, prompt_tokens: u64, completion_tokens: u64) -> Value {
    let message = json!({
        "role": "assistant",
        "content": null,
        "tool_calls": [{"id": "call_abc", "type": "function", "function": {"name": name, "arguments": arguments}}]
    });
    completion_with(message, "tool_calls", prompt_tokens, completion_tokens)
}

pub fn completion_with(message: Value, finish_reason: &str, prompt_tokens: u64, completion_tokens: u64) -> Value {
    json!({
        "id": "chatcmpl-1",
        "object": "chat.completion",
        "model": "test-model",
        "choices": [{"index": 0, "message": message, "finish_reason": finish_reason}],
        "usage": {
            "prompt_tokens": prompt_tokens,
            "completion_tokens": completion_tokens,
            "total_tokens": prompt_tokens + completion_tokens
        }
    })
}

/// Answers the next request (only) with `response`. Mount in the order of the replies.
pub async fn reply_once(server: &MockServer, response: ResponseTemplate) {
    Mock::given(method("POST"))
        .and(path("/v1/chat/completions"))
        .respond_with(response)
        .up_to_n_times(1)
        .mount(server)
        .await;
}

/// Answers every request with `response`.
pub async fn reply_always(server: &MockServer, response: ResponseTemplate) {
    Mock::given(method("POST")).and(path("/v1/chat/completions")).respond_with(response).mount(server).await;
}

pub fn ok(body: Value) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(body)
}

/// The JSON bodies of every request the server received, in order.
pub async fn bodies(server: &MockServer) -> Vec<Value> {
    server
        .received_requests()
        .await
        .unwrap_or_default()
        .iter()
        .map(|r| serde_json::from_slice(&r.body).expect("JSON body"))
        .collect()
}

/// A valid JobPostingAnalysis reply.
pub fn valid_analysis() -> Value {
    json!({
        "job_title": "Senior Software Engineer",
        "company_name": "TechCorp",
        "experience_level": "senior",
        "salary": {"min_amount": 150000, "max_amount": 200000, "currency": "USD"},
        "skills": [
            {"name": "Python", "is_required": true},
            {"name": "Kubernetes", "is_required": true},
            {"name": "python", "is_required": false}
        ],
        "categories": [{"label": "engineering", "confidence": 0.9, "evidence": "Software Engineer title"}],
        "overall_confidence": 0.85,
        "missing_fields": []
    })
}

/// Retries fast enough for tests.
pub fn fast_retries() -> RetryPolicy {
    RetryPolicy::default().initial_delay(Duration::from_millis(1)).max_delay(Duration::from_millis(5))
}

/// A client of `provider` for `server` (whose URI is the base URL), with fast retries.
pub fn provider_client(server: &MockServer, provider: Provider, retries: RetryPolicy) -> Client {
    Client::builder()
        .provider(provider)
        .base_url(server.uri())
        .api_key(SECRET)
        .model("test-model")
        .retry_policy(retries)
        .timeout(Duration::from_secs(5))
        .build()
        .expect("client")
}

/// Answers the next request to `at` (only) with `response`. Mount in reply order.
pub async fn reply_once_at(server: &MockServer, at: &str, response: ResponseTemplate) {
    Mock::given(method("POST")).and(path(at)).respond_with(response).up_to_n_times(1).mount(server).await;
}

/// The path Anthropic's Messages API answers on.
pub const MESSAGES: &str = "/v1/messages";

/// The path the Responses API answers on.
pub const RESPONSES: &str = "/v1/responses";

/// The path Gemini answers on for the model `test-model`.
pub const GENERATE: &str = "/v1beta/models/test-model:generateContent";

/// An Anthropic Messages reply holding one forced tool call with `input`.
pub fn anthropic_tool_use(id: &str, name: &str, input: Value, input_tokens: u64, output_tokens: u64) -> Value {
    json!({
        "id": "msg_01XFDUDYJgAACzvnptvVoYEL",
        "type": "message",
        "role": "assistant",
        "model": "test-model",
        "content": [{"type": "tool_use", "id": id, "name": name, "input": input}],
        "stop_reason": "tool_use",
        "stop_sequence": null,
        "usage": {"input_tokens": input_tokens, "output_tokens": output_tokens}
    })
}

/// An Anthropic Messages reply holding text, stopped for `stop_reason`.
pub fn anthropic_text(text: &str, stop_reason: &str, input_tokens: u64, output_tokens: u64) -> Value {
    json!({
        "id": "msg_01",
        "type": "message",
        "role": "assistant",
        "model": "test-model",
        "content": [{"type": "text", "text": text}],
        "stop_reason": stop_reason,
        "stop_sequence": null,
        "usage": {"input_tokens": input_tokens, "output_tokens": output_tokens}
    })
}

/// An Anthropic error body.
pub fn anthropic_error(kind: &str, message: &str) -> Value {
    json!({"type": "error", "error": {"type": kind, "message": message}, "request_id": "req_011CSHoEeqs5C35K2UUqR7Fy"})
}

/// A Responses API reply whose message says `text`.
pub fn responses_text(text: &str, input_tokens: u64, output_tokens: u64) -> Value {
    json!({
        "id": "resp_1", "object": "response", "created_at": 1_741_476_542, "status": "completed",
        "model": "test-model", "error": null, "incomplete_details": null,
        "output": [
            {"type": "reasoning", "id": "rs_1", "summary": []},
            {"type": "message", "id": "msg_1", "status": "completed", "role": "assistant",
             "content": [{"type": "output_text", "text": text, "annotations": []}]}
        ],
        "usage": {"input_tokens": input_tokens, "input_tokens_details": {"cached_tokens": 0},
                  "output_tokens": output_tokens, "output_tokens_details": {"reasoning_tokens": 0},
                  "total_tokens": input_tokens + output_tokens}
    })
}

/// A Gemini `generateContent` reply whose one candidate says `text`.
pub fn gemini_text(text: &str, finish_reason: &str, prompt_tokens: u64, candidates_tokens: u64) -> Value {
    json!({
        "candidates": [{
            "content": {"parts": [{"text": text}], "role": "model"},
            "finishReason": finish_reason,
            "index": 0
        }],
        "usageMetadata": {
            "promptTokenCount": prompt_tokens,
            "candidatesTokenCount": candidates_tokens,
            "totalTokenCount": prompt_tokens + candidates_tokens
        },
        "modelVersion": "test-model",
        "responseId": "mAitaLmkHPPlz7IPvtfUqQ4"
    })
}

/// A Gemini error body.
pub fn gemini_error(code: u16, status: &str, message: &str, details: Value) -> Value {
    json!({"error": {"code": code, "message": message, "status": status, "details": details}})
}

/// The requests the server received, in order.
pub async fn requests(server: &MockServer) -> Vec<wiremock::Request> {
    server.received_requests().await.unwrap_or_default()
}

/// The key in `variable`, for the live tests; `None`, with a skip line, when unset.
pub fn live_key(variable: &str) -> Option<String> {
    let key = std::env::var(variable).ok().filter(|k| !k.is_empty());
    if key.is_none() {
        println!("skipped: {variable} is not set");
    }
    key
}

/// The sample posting as `client` extracts it, which must name skills.
pub async fn extract_sample_posting(client: &Client) -> job::JobPostingAnalysis {
    let extracted: job::JobPostingAnalysis =
        client.request().user(job::SAMPLE_POSTING).temperature(0.0).send().await.expect("a valid analysis");
    assert!(!extracted.skills.is_empty(), "the sample posting names skills");
    extracted
}
