//! Streaming from Anthropic (Messages events, `input_json_delta`) and Gemini
//! (`streamGenerateContent?alt=sse`), against wiremock servers on 127.0.0.1.

use crate::support;

use crate::support::MockServer;
use futures::StreamExt;
use pluck::stream::Update;
use pluck::{Client, Error, Extracted, Mode};
use serde_json::{json, Value};
use support::job::JobPostingAnalysis;
use support::{bodies, valid_analysis, SECRET};
use wiremock::matchers::{method, path, query_param};
use wiremock::{Mock, ResponseTemplate};

fn sse(events: &[Value]) -> ResponseTemplate {
    let body: String = events.iter().map(|e| format!("data: {e}\n\n")).collect();
    ResponseTemplate::new(200)
        .insert_header("content-type", "text/event-stream")
        .set_body_raw(body, "text/event-stream")
}

/// `text` in pieces of 9 characters.
fn pieces(text: &str) -> Vec<String> {
    let chars: Vec<char> = text.chars().collect();
    chars.chunks(9).map(|c| c.iter().collect()).collect()
}

async fn drain(
    mut stream: pluck::stream::PartialStream<JobPostingAnalysis>,
) -> (usize, Result<Extracted<JobPostingAnalysis>, Error>) {
    let mut partials = 0;
    while let Some(update) = stream.next().await {
        match update {
            Ok(Update::Partial(_)) => partials += 1,
            Ok(Update::Retry { .. }) => {}
            Ok(Update::Done(done)) => return (partials, Ok(done)),
            Ok(_) => unreachable!("no other update"),
            Err(err) => return (partials, Err(err)),
        }
    }
    panic!("the stream ended with neither a value nor an error");
}

fn anthropic_events(arguments: &str, stop_reason: &str) -> Vec<Value> {
    let mut events = vec![
        json!({"type": "message_start", "message": {"id": "msg_1", "type": "message", "role": "assistant", "content": [], "usage": {"input_tokens": 410, "output_tokens": 1}}}),
        json!({"type": "content_block_start", "index": 0, "content_block": {"type": "tool_use", "id": "toolu_1", "name": "JobPostingAnalysis", "input": {}}}),
        json!({"type": "ping"}),
    ];
    for piece in pieces(arguments) {
        events.push(json!({"type": "content_block_delta", "index": 0, "delta": {"type": "input_json_delta", "partial_json": piece}}));
    }
    events.push(json!({"type": "content_block_stop", "index": 0}));
    events.push(json!({"type": "message_delta", "delta": {"stop_reason": stop_reason, "stop_sequence": null}, "usage": {"output_tokens": 152}}));
    events.push(json!({"type": "message_stop"}));
    events
}

#[tokio::test]
async fn anthropic_streams_tool_input_into_partials() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v1/messages"))
        .respond_with(sse(&anthropic_events(&valid_analysis().to_string(), "tool_use")))
        .mount(&server)
        .await;
    let client =
        Client::builder().anthropic().base_url(server.uri()).api_key(SECRET).mode(Mode::Tools).build().unwrap();
    let (partials, done) = drain(client.extract_stream::<JobPostingAnalysis>("posting")).await;
    let done = done.expect("a validated value");
    assert!(partials > 5, "partials arrived before the value: {partials}");
    assert_eq!(done.value.company_name.as_deref(), Some("TechCorp"));
    assert_eq!(done.value.skills.len(), 2, "validated (deduplicated) at the end");
    assert_eq!((done.usage.prompt_tokens, done.usage.completion_tokens, done.usage.total_tokens), (410, 152, 562));
    let body = &bodies(&server).await[0];
    assert_eq!(body["stream"], true);
    assert_eq!(
        body["tool_choice"],
        json!({"type": "tool", "name": "JobPostingAnalysis", "disable_parallel_tool_use": true})
    );
}

#[tokio::test]
async fn anthropic_stream_reasks_with_a_tool_result() {
    let server = MockServer::start().await;
    let mut invalid = valid_analysis();
    invalid["overall_confidence"] = json!(100);
    Mock::given(method("POST"))
        .respond_with(sse(&anthropic_events(&invalid.to_string(), "tool_use")))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .respond_with(sse(&anthropic_events(&valid_analysis().to_string(), "tool_use")))
        .mount(&server)
        .await;
    let client =
        Client::builder().anthropic().base_url(server.uri()).api_key(SECRET).mode(Mode::Tools).build().unwrap();
    let (_, done) = drain(client.extract_stream::<JobPostingAnalysis>("posting")).await;
    let done = done.expect("valid on the second reply");
    assert_eq!(done.attempts, 2);
    assert_eq!(done.usage.total_tokens, 2 * 562);
    let second = &bodies(&server).await[1];
    let turns = second["messages"].as_array().unwrap();
    assert_eq!(turns[1]["content"][0]["type"], "tool_use");
    assert_eq!(turns[1]["content"][0]["id"], "toolu_1");
    let result = &turns[2]["content"][0];
    assert_eq!((result["type"].as_str(), result["is_error"].as_bool()), (Some("tool_result"), Some(true)));
    assert!(result["content"].to_string().contains("overall_confidence: must be at most 1, got 100"), "{result}");
}

/// A reply cut at the token limit or at the end of the context window is truncated, as
/// it is when not streamed: a re-ask would only make the context longer.
#[tokio::test]
async fn anthropic_stream_cut_at_max_tokens_or_the_context_window_is_truncated() {
    for stop_reason in ["max_tokens", "model_context_window_exceeded"] {
        let server = MockServer::start().await;
        let text = valid_analysis().to_string();
        Mock::given(method("POST"))
            .respond_with(sse(&anthropic_events(&text[..text.len() / 2], stop_reason)))
            .mount(&server)
            .await;
        let client =
            Client::builder().anthropic().base_url(server.uri()).api_key(SECRET).mode(Mode::Tools).build().unwrap();
        let (_, done) = drain(client.extract_stream::<JobPostingAnalysis>("posting")).await;
        assert!(matches!(done, Err(Error::Truncated { .. })), "{stop_reason}: {done:?}");
        assert_eq!(server.received_requests().await.unwrap().len(), 1, "{stop_reason}: not re-asked");
    }
}

fn gemini_events(text: &str, finish: &str) -> Vec<Value> {
    let parts = pieces(text);
    let last = parts.len() - 1;
    parts
        .into_iter()
        .enumerate()
        .map(|(i, piece)| {
            let mut candidate = json!({"content": {"parts": [{"text": piece}], "role": "model"}, "index": 0});
            let mut event = json!({"candidates": [], "modelVersion": "gemini-2.5-flash"});
            if i == last {
                candidate["finishReason"] = json!(finish);
                event["usageMetadata"] =
                    json!({"promptTokenCount": 300, "candidatesTokenCount": 120, "totalTokenCount": 420});
            }
            event["candidates"] = json!([candidate]);
            event
        })
        .collect()
}

#[tokio::test]
async fn gemini_streams_text_into_partials() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v1beta/models/gemini-2.5-flash:streamGenerateContent"))
        .and(query_param("alt", "sse"))
        .respond_with(sse(&gemini_events(&valid_analysis().to_string(), "STOP")))
        .mount(&server)
        .await;
    let client = Client::builder().gemini().base_url(server.uri()).api_key(SECRET).build().unwrap();
    let (partials, done) = drain(client.extract_stream::<JobPostingAnalysis>("posting")).await;
    let done = done.expect("a validated value");
    assert!(partials > 5, "partials arrived before the value: {partials}");
    assert_eq!(done.value.job_title.as_deref(), Some("Senior Software Engineer"));
    assert_eq!(done.usage.total_tokens, 420);
    let requests = server.received_requests().await.unwrap();
    assert_eq!(requests[0].headers.get("x-goog-api-key").unwrap(), SECRET);
    assert!(!requests[0].url.to_string().contains(SECRET));
}

#[tokio::test]
async fn gemini_stream_max_tokens_and_safety_end_in_errors() {
    let server = MockServer::start().await;
    let text = valid_analysis().to_string();
    Mock::given(method("POST"))
        .respond_with(sse(&gemini_events(&text[..text.len() / 2], "MAX_TOKENS")))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("POST")).respond_with(sse(&gemini_events("{\"job", "SAFETY"))).mount(&server).await;
    let client = Client::builder().gemini().base_url(server.uri()).api_key(SECRET).build().unwrap();
    let (_, done) = drain(client.extract_stream::<JobPostingAnalysis>("posting")).await;
    assert!(matches!(done, Err(Error::Truncated { .. })), "{done:?}");
    let (_, done) = drain(client.extract_stream::<JobPostingAnalysis>("posting")).await;
    assert!(matches!(done, Err(Error::Refusal { .. })), "{done:?}");
    // The same words as a reply not streamed (tests/gemini.rs): the filter's name.
    assert!(matches!(&done, Err(Error::Refusal { message, .. }) if message.contains("SAFETY")), "{done:?}");
}

#[tokio::test]
async fn anthropic_stream_usage_may_hold_nulls() {
    let server = MockServer::start().await;
    let mut events = anthropic_events(&valid_analysis().to_string(), "tool_use");
    events[0]["message"]["usage"] = json!({
        "input_tokens": 410, "output_tokens": 1,
        "cache_creation_input_tokens": null, "cache_read_input_tokens": null
    });
    Mock::given(method("POST")).respond_with(sse(&events)).mount(&server).await;
    let client =
        Client::builder().anthropic().base_url(server.uri()).api_key(SECRET).mode(Mode::Tools).build().unwrap();
    let (_, done) = drain(client.extract_stream::<JobPostingAnalysis>("posting")).await;
    let done = done.expect("null cache counts read as none");
    assert_eq!(done.usage.total_tokens, 562);
}

/// A Gemini stream that breaks off with `error` after its first piece of text.
fn gemini_events_ending_in(error: Value) -> Vec<Value> {
    let mut events = gemini_events(&valid_analysis().to_string(), "STOP");
    events.truncate(1);
    events.push(error);
    events
}

#[tokio::test]
async fn gemini_stream_errors_are_classified_as_replies_are() {
    let server = MockServer::start().await;
    let exhausted = json!({"error": {"code": 429, "message": "Resource has been exhausted (e.g. check quota).", "status": "RESOURCE_EXHAUSTED"}});
    Mock::given(method("POST"))
        .respond_with(sse(&gemini_events_ending_in(exhausted)))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    let internal = json!({"error": {"code": 500, "message": "An internal error has occurred.", "status": "INTERNAL"}});
    Mock::given(method("POST"))
        .respond_with(sse(&gemini_events_ending_in(internal)))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    let echo = json!({"error": {"code": 400, "message": format!("API key not valid: {SECRET}"), "status": "INVALID_ARGUMENT",
        "details": [{"@type": "type.googleapis.com/google.rpc.ErrorInfo", "reason": "API_KEY_INVALID"}]}});
    Mock::given(method("POST")).respond_with(sse(&gemini_events_ending_in(echo))).mount(&server).await;
    let client = Client::builder().gemini().base_url(server.uri()).api_key(SECRET).build().unwrap();
    let (_, done) = drain(client.extract_stream::<JobPostingAnalysis>("posting")).await;
    assert!(
        matches!(&done, Err(Error::RateLimited { message, .. }) if message.starts_with("Resource has been exhausted")),
        "{done:?}"
    );
    let (_, done) = drain(client.extract_stream::<JobPostingAnalysis>("posting")).await;
    assert!(matches!(&done, Err(Error::Server { status: 500, .. })), "{done:?}");
    let (_, done) = drain(client.extract_stream::<JobPostingAnalysis>("posting")).await;
    let err = done.unwrap_err();
    assert!(matches!(&err, Error::Authentication { status: 400, .. }), "{err:?}");
    assert!(!err.to_string().contains(SECRET) && !format!("{err:?}").contains(SECRET), "{err:?}");
}

#[tokio::test]
async fn gemini_stream_finish_reasons_without_an_answer_are_refusals() {
    let server = MockServer::start().await;
    for reason in ["IMAGE_PROHIBITED_CONTENT", "OTHER", "LANGUAGE"] {
        Mock::given(method("POST"))
            .respond_with(sse(&gemini_events("{\"job", reason)))
            .up_to_n_times(1)
            .mount(&server)
            .await;
    }
    let client = Client::builder().gemini().base_url(server.uri()).api_key(SECRET).build().unwrap();
    for reason in ["IMAGE_PROHIBITED_CONTENT", "OTHER", "LANGUAGE"] {
        let (_, done) = drain(client.extract_stream::<JobPostingAnalysis>("posting")).await;
        assert!(matches!(&done, Err(Error::Refusal { .. })), "{reason}: {done:?}");
    }
}

#[tokio::test]
async fn anthropic_streams_an_output_format_reply_as_text() {
    let server = MockServer::start().await;
    let mut events = vec![
        json!({"type": "message_start", "message": {"id": "msg_1", "type": "message", "role": "assistant", "content": [], "usage": {"input_tokens": 410, "output_tokens": 1}}}),
        json!({"type": "content_block_start", "index": 0, "content_block": {"type": "text", "text": ""}}),
    ];
    for piece in pieces(&valid_analysis().to_string()) {
        events.push(json!({"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": piece}}));
    }
    events.push(json!({"type": "content_block_stop", "index": 0}));
    events
        .push(json!({"type": "message_delta", "delta": {"stop_reason": "end_turn"}, "usage": {"output_tokens": 152}}));
    events.push(json!({"type": "message_stop"}));
    Mock::given(method("POST")).and(path("/v1/messages")).respond_with(sse(&events)).mount(&server).await;
    let client = Client::builder().anthropic().base_url(server.uri()).api_key(SECRET).build().unwrap();
    let (partials, done) = drain(client.extract_stream::<JobPostingAnalysis>("posting")).await;
    let done = done.expect("a validated value");
    assert!(partials > 5, "partials arrived before the value: {partials}");
    assert_eq!(done.usage.total_tokens, 562);
    let body = &bodies(&server).await[0];
    assert_eq!(
        (body["stream"].as_bool(), body["output_config"]["format"]["type"].as_str()),
        (Some(true), Some("json_schema"))
    );
}
