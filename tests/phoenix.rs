//! The spans exported over OTLP (feature `otel`) as Arize Phoenix stores them: each
//! extraction sends its spans to the Phoenix named by `PLUCK_PHOENIX_URL` (started by
//! `scripts/phoenix start`), and the test reads them back from Phoenix's REST API
//! (`GET /v1/projects/{project}/spans`): their names, their parents, their GenAI and
//! OpenInference attributes. Without `PLUCK_PHOENIX_URL` the tests say they skip.
//!
//! The variant against a real model also needs `PLUCK_TEST_BASE_URL` (a llama.cpp
//! server: `scripts/local-llm start`), as the end-to-end tests do.

#[path = "it/support/mod.rs"]
mod support;

use futures_util::StreamExt;
use pluck::Mode;
use serde_json::{json, Value};
use std::sync::OnceLock;
use std::time::Duration;
use support::job::JobPostingAnalysis;
use support::sse::{content_stream, sse};
use support::MockServer;
use support::*;
use tracing::Instrument;
use wiremock::matchers::{body_partial_json, method, path};
use wiremock::{Mock, ResponseTemplate};

/// Phoenix's base URL, or `None` after saying the test skips.
fn phoenix(test: &str) -> Option<String> {
    match std::env::var("PLUCK_PHOENIX_URL") {
        Ok(url) if !url.is_empty() => Some(url.trim_end_matches('/').to_owned()),
        _ => {
            println!("skipped {test}: PLUCK_PHOENIX_URL is not set (start Phoenix with scripts/phoenix start)");
            None
        }
    }
}

/// The export, installed once for the binary, into a project of this run's own.
fn export(url: &str) -> &'static (pluck::otel::OtelGuard, String) {
    static EXPORT: OnceLock<(pluck::otel::OtelGuard, String)> = OnceLock::new();
    EXPORT.get_or_init(|| {
        let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos();
        let project = format!("pluck-test-{}-{nanos}", std::process::id());
        (pluck::otel::install(url, &project).expect("the exporter"), project)
    })
}

/// The spans Phoenix holds for `project` under the root span whose `pluck.case` is
/// `case`, once there are at least `count` of them (asked again for up to 30 s).
async fn spans_of(url: &str, project: &str, case: &str, count: usize) -> Vec<Value> {
    let http = reqwest::Client::new();
    let mut last = Vec::new();
    for _ in 0..60 {
        let body: Value = http
            .get(format!("{url}/v1/projects/{project}/spans"))
            .query(&[("limit", "1000")])
            .send()
            .await
            .expect("Phoenix answers")
            .json()
            .await
            .unwrap_or_default();
        let all = body["data"].as_array().cloned().unwrap_or_default();
        let root = all.iter().find(|span| attribute(span, "pluck.case") == Some(json!(case)));
        if let Some(root) = root {
            let trace = root["context"]["trace_id"].clone();
            last = all.into_iter().filter(|span| span["context"]["trace_id"] == trace).collect();
            if last.len() >= count {
                return last;
            }
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    panic!("Phoenix did not show {count} spans for {case} in project {project}: {last:#?}");
}

/// The attribute `key` of `span`, whether Phoenix keeps attributes flat or nested.
fn attribute(span: &Value, key: &str) -> Option<Value> {
    let attributes = &span["attributes"];
    if let Some(value) = attributes.get(key) {
        return Some(value.clone());
    }
    key.split('.').try_fold(attributes, |value, part| value.get(part)).cloned()
}

fn named<'a>(spans: &'a [Value], name: &str) -> Vec<&'a Value> {
    spans.iter().filter(|span| span["name"].as_str().is_some_and(|n| n.starts_with(name))).collect()
}

/// The number `key` of `span`: a number, not a string holding one.
fn number(span: &Value, key: &str) -> Option<f64> {
    attribute(span, key).and_then(|value| value.as_f64())
}

/// The tree of one extraction: the case's root span, the extraction span under it,
/// `attempts` attempt spans under that; the extraction span returned with them.
fn tree<'a>(spans: &'a [Value], case: &str, attempts: usize) -> (&'a Value, Vec<&'a Value>) {
    let [root] = named(spans, case)[..] else { panic!("one root span {case}: {spans:#?}") };
    let [extract] = named(spans, "extract JobPostingAnalysis")[..] else { panic!("one extraction: {spans:#?}") };
    let chats = named(spans, "chat ");
    assert_eq!(chats.len(), attempts, "{spans:#?}");
    assert_eq!(extract["parent_id"], root["context"]["span_id"], "the extraction under the root");
    for chat in &chats {
        assert_eq!(chat["parent_id"], extract["context"]["span_id"], "each attempt under the extraction");
        assert_eq!(attribute(chat, "gen_ai.operation.name"), Some(json!("chat")));
        assert_eq!(chat["span_kind"], "LLM", "Phoenix reads the span as an LLM call");
    }
    assert_eq!(extract["span_kind"], "CHAIN", "Phoenix reads the extraction as a chain");
    (extract, chats)
}

fn mock_client(server: &MockServer, model: &str) -> pluck::Client {
    pluck::Client::builder()
        .base_url(format!("{}/v1", server.uri()))
        .api_key(SECRET)
        .model(model)
        .mode(Mode::JsonSchema)
        .retry_policy(fast_retries())
        .timeout(Duration::from_secs(5))
        .build()
        .unwrap()
}

async fn answer(server: &MockServer, model: &str, reply: ResponseTemplate) {
    Mock::given(method("POST"))
        .and(path("/v1/chat/completions"))
        .and(body_partial_json(json!({"model": model})))
        .respond_with(reply)
        .up_to_n_times(1)
        .mount(server)
        .await;
}

#[tokio::test]
async fn extractions_against_the_mock_model_show_in_phoenix() {
    let test = "extractions_against_the_mock_model_show_in_phoenix";
    let Some(url) = phoenix(test) else { return };
    let (guard, project) = export(&url);
    let server = MockServer::start().await;
    let mut answered = completion(&valid_analysis().to_string(), 10, 12);
    answered["model"] = json!("mock-model-0125");
    answer(&server, "mock-plain", ok(answered)).await;
    let mut invalid = valid_analysis();
    invalid["overall_confidence"] = json!(100);
    answer(&server, "mock-reask", ok(completion(&invalid.to_string(), 10, 10))).await;
    answer(&server, "mock-reask", ok(completion(&valid_analysis().to_string(), 20, 12))).await;
    let stream = content_stream(&valid_analysis().to_string(), Some("stop"), Some((10, 7)), true);
    answer(&server, "mock-stream", sse(stream)).await;

    let plain = mock_client(&server, "mock-plain");
    plain
        .extract::<JobPostingAnalysis>("posting")
        .instrument(tracing::info_span!("plain", pluck.case = "plain"))
        .await
        .unwrap();
    let reask = mock_client(&server, "mock-reask");
    reask
        .extract::<JobPostingAnalysis>("posting")
        .instrument(tracing::info_span!("reask", pluck.case = "reask"))
        .await
        .unwrap();
    let streamed = mock_client(&server, "mock-stream");
    async {
        let mut updates = streamed.extract_stream::<JobPostingAnalysis>("posting");
        while let Some(update) = updates.next().await {
            update.unwrap();
        }
    }
    .instrument(tracing::info_span!("stream", pluck.case = "stream"))
    .await;
    guard.flush().expect("Phoenix took the spans");

    let spans = spans_of(&url, project, "plain", 3).await;
    let (extract, chats) = tree(&spans, "plain", 1);
    let chat = chats[0];
    assert_eq!(chat["name"], "chat mock-plain");
    assert_eq!(attribute(chat, "gen_ai.request.model"), Some(json!("mock-plain")));
    assert_eq!(attribute(chat, "gen_ai.response.model"), Some(json!("mock-model-0125")));
    assert_eq!(attribute(chat, "llm.model_name"), Some(json!("mock-model-0125")));
    assert_eq!(attribute(chat, "llm.provider"), Some(json!("openai")));
    assert_eq!(number(chat, "gen_ai.usage.input_tokens"), Some(10.0));
    assert_eq!(number(chat, "gen_ai.usage.output_tokens"), Some(12.0));
    assert_eq!(number(chat, "llm.token_count.prompt"), Some(10.0));
    assert_eq!(number(chat, "llm.token_count.completion"), Some(12.0));
    assert_eq!(number(chat, "llm.token_count.total"), Some(22.0));
    assert_eq!(number(extract, "gen_ai.usage.input_tokens"), Some(10.0));
    assert_eq!(extract["status_code"], "UNSET", "no error");

    let spans = spans_of(&url, project, "reask", 4).await;
    let (extract, chats) = tree(&spans, "reask", 2);
    let mut totals: Vec<_> = chats.iter().map(|chat| number(chat, "llm.token_count.total")).collect();
    totals.sort_by(|a, b| a.partial_cmp(b).unwrap());
    assert_eq!(totals, [Some(20.0), Some(32.0)]);
    assert_eq!(number(extract, "pluck.reasks"), Some(1.0));
    assert_eq!(number(extract, "gen_ai.usage.input_tokens"), Some(30.0));
    let first = chats.iter().find(|chat| number(chat, "pluck.attempt") == Some(1.0)).expect("attempt 1");
    let violation =
        first["events"].as_array().and_then(|events| events.iter().find(|e| e["name"] == "pluck.violation"));
    let violation = violation.unwrap_or_else(|| panic!("the violation as an event: {first:#}"));
    assert_eq!(violation["attributes"]["pluck.violation.path"], "overall_confidence");

    let spans = spans_of(&url, project, "stream", 3).await;
    let (_, chats) = tree(&spans, "stream", 1);
    assert_eq!(attribute(chats[0], "gen_ai.response.id"), Some(json!("chatcmpl-1")));
    assert_eq!(attribute(chats[0], "gen_ai.request.stream"), Some(json!(true)));
    assert!(number(chats[0], "gen_ai.response.time_to_first_chunk").is_some(), "{:#}", chats[0]);
    assert_eq!(number(chats[0], "llm.token_count.total"), Some(17.0));
}

#[tokio::test]
async fn an_extraction_by_the_local_model_shows_in_phoenix() {
    let test = "an_extraction_by_the_local_model_shows_in_phoenix";
    let Some(url) = phoenix(test) else { return };
    let Some(builder) = support::e2e::local_builder(test) else { return };
    let (guard, project) = export(&url);
    let client = builder.build().unwrap();
    let outcome = client
        .request::<JobPostingAnalysis>()
        .user(support::job::SAMPLE_POSTING)
        .temperature(0.0)
        .max_retries(2)
        .send_with_usage()
        .instrument(tracing::info_span!("local", pluck.case = "local"))
        .await;
    guard.flush().expect("Phoenix took the spans");
    // Whatever the model wrote, the extraction and each of its attempts are there.
    let spans = spans_of(&url, project, "local", 3).await;
    let [extract] = named(&spans, "extract JobPostingAnalysis")[..] else { panic!("one extraction: {spans:#?}") };
    let attempts = number(extract, "pluck.attempts").expect("the attempts made") as usize;
    println!("{test}: {} after {attempts} attempt(s)", if outcome.is_ok() { "valid" } else { "failed" });
    let spans = spans_of(&url, project, "local", 2 + attempts).await;
    let (_, chats) = tree(&spans, "local", attempts);
    for chat in chats {
        assert!(number(chat, "llm.token_count.prompt").is_some_and(|n| n > 0.0), "{chat:#}");
        assert!(attribute(chat, "llm.model_name").is_some(), "{chat:#}");
    }
}
