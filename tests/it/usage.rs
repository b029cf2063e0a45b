//! The usage each provider reports beyond prompt and completion tokens: cached input,
//! cache writes and reasoning, from whole replies and from streams.

use crate::support;

use crate::support::MockServer;
use futures::StreamExt;
use pluck::stream::Update;
use pluck::{Client, Mode, Provider, Usage};
use serde_json::json;
use support::job::JobPostingAnalysis;
use support::sse::{content_stream, sse};
use support::*;
use wiremock::matchers::{method, path};
use wiremock::Mock;

/// What a `JobPostingAnalysis` extraction from `client` counted.
async fn usage_of(client: &Client) -> Usage {
    client.request::<JobPostingAnalysis>().user("posting").send_with_usage().await.expect("a value").usage
}

/// What a streamed `JobPostingAnalysis` extraction from `client` counted.
async fn streamed_usage(client: &Client) -> Usage {
    let mut stream = client.request::<JobPostingAnalysis>().user("posting").stream();
    while let Some(update) = stream.next().await {
        if let Update::Done(extracted) = update.expect("no error") {
            return extracted.usage;
        }
    }
    panic!("the stream ended without a value")
}

#[tokio::test]
async fn openai_reports_cached_and_reasoning_tokens() {
    let server = MockServer::start().await;
    let mut body = completion(&valid_analysis().to_string(), 2_000, 300);
    body["usage"]["prompt_tokens_details"] = json!({"cached_tokens": 1_536, "audio_tokens": 0});
    body["usage"]["completion_tokens_details"] = json!({"reasoning_tokens": 192, "audio_tokens": 0});
    reply_once(&server, ok(body)).await;
    let usage = usage_of(&client(&server, Mode::JsonSchema)).await;
    assert_eq!((usage.prompt_tokens, usage.cached_input_tokens), (2_000, 1_536));
    assert_eq!((usage.completion_tokens, usage.reasoning_tokens), (300, 192));
    assert_eq!(usage.cache_write_tokens, 0);
}

#[tokio::test]
async fn openai_details_may_be_absent_or_null() {
    let server = MockServer::start().await;
    let mut body = completion(&valid_analysis().to_string(), 20, 30);
    body["usage"]["prompt_tokens_details"] = json!(null);
    reply_once(&server, ok(body)).await;
    let usage = usage_of(&client(&server, Mode::JsonSchema)).await;
    assert_eq!(usage, Usage { prompt_tokens: 20, completion_tokens: 30, total_tokens: 50, ..Usage::default() });
}

#[tokio::test]
async fn openai_counts_written_null_read_as_absent() {
    // Some compatible servers write `null` for a count they do not keep; the value
    // the reply carries is still taken.
    let server = MockServer::start().await;
    let mut body = completion(&valid_analysis().to_string(), 20, 30);
    body["usage"]["prompt_tokens"] = json!(null);
    body["usage"]["total_tokens"] = json!(null);
    reply_once(&server, ok(body)).await;
    let usage = usage_of(&client(&server, Mode::JsonSchema)).await;
    assert_eq!(usage, Usage { completion_tokens: 30, ..Usage::default() });
}

#[tokio::test]
async fn every_provider_reads_a_null_count_as_absent() {
    let server = MockServer::start().await;
    let mut body = anthropic_tool_use("toolu_1", "JobPostingAnalysis", valid_analysis(), 50, 150);
    body["usage"]["input_tokens"] = json!(null);
    reply_once_at(&server, MESSAGES, ok(body)).await;
    let usage = usage_of(&provider_client(&server, Provider::Anthropic, fast_retries())).await;
    assert_eq!((usage.prompt_tokens, usage.completion_tokens), (0, 150), "Anthropic");

    let server = MockServer::start().await;
    let mut body = gemini_text(&valid_analysis().to_string(), "STOP", 3_000, 200);
    body["usageMetadata"]["promptTokenCount"] = json!(null);
    reply_once_at(&server, GENERATE, ok(body)).await;
    let usage = usage_of(&provider_client(&server, Provider::Gemini, fast_retries())).await;
    assert_eq!((usage.prompt_tokens, usage.completion_tokens), (0, 200), "Gemini");

    let server = MockServer::start().await;
    let mut body = responses_text(&valid_analysis().to_string(), 0, 400);
    body["usage"]["input_tokens"] = json!(null);
    body["usage"]["total_tokens"] = json!(null);
    reply_once_at(&server, RESPONSES, ok(body)).await;
    let usage = usage_of(&client(&server, Mode::Responses)).await;
    assert_eq!((usage.prompt_tokens, usage.completion_tokens), (0, 400), "Responses");
}

#[tokio::test]
async fn openai_streams_report_the_details_in_their_last_chunk() {
    let server = MockServer::start().await;
    let mut body = content_stream(&valid_analysis().to_string(), Some("stop"), None, false);
    let usage = json!({"id": "chatcmpl-1", "object": "chat.completion.chunk", "choices": [], "usage": {
        "prompt_tokens": 900, "completion_tokens": 120, "total_tokens": 1_020,
        "prompt_tokens_details": {"cached_tokens": 512}, "completion_tokens_details": {"reasoning_tokens": 64}}});
    body.push_str(&format!("data: {usage}\n\ndata: [DONE]\n\n"));
    Mock::given(method("POST")).and(path("/v1/chat/completions")).respond_with(sse(body)).mount(&server).await;
    let client = client(&server, Mode::JsonSchema);
    let usage = streamed_usage(&client).await;
    assert_eq!((usage.prompt_tokens, usage.cached_input_tokens, usage.reasoning_tokens), (900, 512, 64));
}

#[tokio::test]
async fn the_responses_api_reports_its_details() {
    let server = MockServer::start().await;
    let mut body = responses_text(&valid_analysis().to_string(), 1_200, 400);
    body["usage"]["input_tokens_details"]["cached_tokens"] = json!(1_024);
    body["usage"]["output_tokens_details"]["reasoning_tokens"] = json!(256);
    reply_once_at(&server, RESPONSES, ok(body)).await;
    let usage = usage_of(&client(&server, Mode::Responses)).await;
    assert_eq!((usage.prompt_tokens, usage.cached_input_tokens), (1_200, 1_024));
    assert_eq!((usage.completion_tokens, usage.reasoning_tokens), (400, 256));
}

#[tokio::test]
async fn anthropic_reports_cache_reads_and_writes_within_the_prompt() {
    let server = MockServer::start().await;
    let mut body = anthropic_tool_use("toolu_1", "JobPostingAnalysis", valid_analysis(), 50, 150);
    body["usage"]["cache_read_input_tokens"] = json!(1_000);
    body["usage"]["cache_creation_input_tokens"] = json!(200);
    reply_once_at(&server, MESSAGES, ok(body)).await;
    let usage = usage_of(&provider_client(&server, Provider::Anthropic, fast_retries())).await;
    assert_eq!((usage.prompt_tokens, usage.cached_input_tokens, usage.cache_write_tokens), (1_250, 1_000, 200));
    assert_eq!((usage.completion_tokens, usage.total_tokens), (150, 1_400));
}

#[tokio::test]
async fn anthropic_streams_report_the_cache_in_message_start() {
    let server = MockServer::start().await;
    let arguments = valid_analysis().to_string();
    let events = [
        json!({"type": "message_start", "message": {"id": "msg_1", "type": "message", "role": "assistant", "content": [],
               "usage": {"input_tokens": 10, "cache_read_input_tokens": 700, "cache_creation_input_tokens": 90, "output_tokens": 1}}}),
        json!({"type": "content_block_start", "index": 0, "content_block": {"type": "tool_use", "id": "toolu_1", "name": "JobPostingAnalysis", "input": {}}}),
        json!({"type": "content_block_delta", "index": 0, "delta": {"type": "input_json_delta", "partial_json": arguments}}),
        json!({"type": "content_block_stop", "index": 0}),
        json!({"type": "message_delta", "delta": {"stop_reason": "tool_use"}, "usage": {"output_tokens": 152}}),
        json!({"type": "message_stop"}),
    ];
    let body: String =
        events.iter().map(|event| format!("event: {}\ndata: {event}\n\n", event["type"].as_str().unwrap())).collect();
    Mock::given(method("POST")).and(path(MESSAGES)).respond_with(sse(body)).mount(&server).await;
    let client = provider_client(&server, Provider::Anthropic, fast_retries());
    let usage = streamed_usage(&client).await;
    assert_eq!((usage.prompt_tokens, usage.cached_input_tokens, usage.cache_write_tokens), (800, 700, 90));
    assert_eq!(usage.completion_tokens, 152);
}

#[tokio::test]
async fn gemini_reports_cached_content_and_thoughts() {
    let server = MockServer::start().await;
    let mut body = gemini_text(&valid_analysis().to_string(), "STOP", 3_000, 200);
    body["usageMetadata"]["cachedContentTokenCount"] = json!(2_048);
    body["usageMetadata"]["thoughtsTokenCount"] = json!(500);
    reply_once_at(&server, GENERATE, ok(body)).await;
    let usage = usage_of(&provider_client(&server, Provider::Gemini, fast_retries())).await;
    assert_eq!((usage.prompt_tokens, usage.cached_input_tokens), (3_000, 2_048));
    assert_eq!((usage.completion_tokens, usage.reasoning_tokens), (700, 500), "thoughts count as output");
}
