//! The events an extraction emits, plain and streamed, as observers on the client and
//! on one request see them.

use crate::support;

use crate::support::MockServer;
use futures_util::StreamExt;
use pluck::observe::Event;
use pluck::{Client, ClientBuilder, Error, Mode};
use serde_json::json;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use support::job::JobPostingAnalysis;
use support::sse::{content_stream, sse};
use support::*;
use wiremock::ResponseTemplate;

/// What an observer saw: one short line per event, and each event's `Debug` output.
#[derive(Clone, Default)]
struct Seen {
    lines: Arc<Mutex<Vec<String>>>,
    debug: Arc<Mutex<Vec<String>>>,
}

impl Seen {
    /// An observer writing to this record, each line led by `tag`.
    fn observer(&self, tag: &'static str) -> impl Fn(&Event<'_>) + Send + Sync + 'static {
        let seen = self.clone();
        move |event: &Event<'_>| {
            seen.lines.lock().unwrap().push(format!("{tag}{}", line(event)));
            seen.debug.lock().unwrap().push(format!("{event:?}"));
        }
    }

    /// The lines seen; checks first that no event showed the key.
    fn lines(&self) -> Vec<String> {
        let debug = self.debug.lock().unwrap();
        assert!(!debug.is_empty(), "no event seen");
        for event in debug.iter() {
            assert!(!event.contains(SECRET), "an event shows the key: {event}");
        }
        self.lines.lock().unwrap().clone()
    }
}

/// An event in one line, without what varies from run to run (latencies, waits).
fn line(event: &Event<'_>) -> String {
    match event {
        Event::Request { attempt, provider, model, mode, stream } => {
            format!("request {attempt} {provider} {model} {mode:?}{}", if *stream { " stream" } else { "" })
        }
        Event::TransportRetry { attempt, status, .. } => format!("transport retry {attempt} {status:?}"),
        Event::FirstChunk { attempt, .. } => format!("first chunk {attempt}"),
        Event::Response { attempt, status, usage, finish, .. } => {
            format!("response {attempt} {status:?} {} {finish:?}", usage.total_tokens)
        }
        Event::ParseError { attempt, .. } => format!("parse error {attempt}"),
        Event::ValidationError { attempt, report } => {
            let paths: Vec<String> = report.iter().map(|v| v.path.to_string()).collect();
            format!("validation error {attempt} at {}", paths.join(", "))
        }
        Event::Repaired { attempt, .. } => format!("repaired {attempt}"),
        Event::Reask { attempt, .. } => format!("reask {attempt}"),
        Event::Done { attempts, usage } => format!("done {attempts} {}", usage.total_tokens),
        Event::Failed { attempts, error } => format!("failed {attempts} {}", error.status().unwrap_or(0)),
        _ => "other".to_owned(),
    }
}

fn builder(server: &MockServer) -> ClientBuilder {
    Client::builder()
        .base_url(format!("{}/v1", server.uri()))
        .api_key(SECRET)
        .model("test-model")
        .mode(Mode::JsonSchema)
        .retry_policy(fast_retries())
        .timeout(Duration::from_secs(5))
}

fn analysis_reply() -> ResponseTemplate {
    ok(completion(&valid_analysis().to_string(), 10, 10))
}

#[tokio::test]
async fn a_plain_success_is_seen_by_the_client_then_the_request() {
    let server = MockServer::start().await;
    reply_once(&server, analysis_reply()).await;
    let seen = Seen::default();
    let client = builder(&server).observe(seen.observer("client: ")).build().unwrap();
    client.request::<JobPostingAnalysis>().user("posting").observe(seen.observer("request: ")).send().await.unwrap();
    let mut expected = Vec::new();
    for line in ["request 1 OpenAI test-model JsonSchema", "response 1 Some(200) 20 Some(Done)", "done 1 20"] {
        expected.push(format!("client: {line}"));
        expected.push(format!("request: {line}"));
    }
    assert_eq!(seen.lines(), expected);
}

#[tokio::test]
async fn a_reask_shows_the_report_and_the_next_attempt() {
    let server = MockServer::start().await;
    let mut invalid = valid_analysis();
    invalid["overall_confidence"] = json!(100);
    reply_once(&server, ok(completion(&invalid.to_string(), 10, 10))).await;
    reply_once(&server, ok(completion("no JSON here", 10, 1))).await;
    reply_once(&server, analysis_reply()).await;
    let seen = Seen::default();
    let client = builder(&server).build().unwrap();
    let request = client.request::<JobPostingAnalysis>().user("posting").max_retries(2);
    request.observe(seen.observer("")).send().await.unwrap();
    assert_eq!(
        seen.lines(),
        [
            "request 1 OpenAI test-model JsonSchema",
            "response 1 Some(200) 20 Some(Done)",
            "validation error 1 at overall_confidence",
            "reask 1",
            "request 2 OpenAI test-model JsonSchema",
            "response 2 Some(200) 11 Some(Done)",
            "parse error 2",
            "reask 2",
            "request 3 OpenAI test-model JsonSchema",
            "response 3 Some(200) 20 Some(Done)",
            "done 3 51",
        ]
    );
}

#[tokio::test]
async fn a_transport_retry_is_reported_by_the_transport() {
    let server = MockServer::start().await;
    reply_once(&server, ResponseTemplate::new(503).set_body_json(json!({"error": {"message": "overloaded"}}))).await;
    reply_once(&server, analysis_reply()).await;
    let seen = Seen::default();
    let client = builder(&server).observe(seen.observer("")).build().unwrap();
    client.extract::<JobPostingAnalysis>("posting").await.unwrap();
    assert_eq!(
        seen.lines(),
        [
            "request 1 OpenAI test-model JsonSchema",
            "transport retry 1 Some(503)",
            "response 1 Some(200) 20 Some(Done)",
            "done 1 20",
        ]
    );
}

#[tokio::test]
async fn a_stream_shows_its_first_chunks_and_its_reask() {
    let server = MockServer::start().await;
    let mut invalid = valid_analysis();
    invalid["overall_confidence"] = json!(100);
    reply_once(&server, ResponseTemplate::new(503).set_body_json(json!({"error": {"message": "overloaded"}}))).await;
    reply_once(&server, sse(content_stream(&invalid.to_string(), Some("stop"), Some((10, 5)), true))).await;
    reply_once(&server, sse(content_stream(&valid_analysis().to_string(), Some("stop"), Some((10, 10)), true))).await;
    let seen = Seen::default();
    let client = builder(&server).observe(seen.observer("")).build().unwrap();
    let mut updates = client.extract_stream::<JobPostingAnalysis>("posting");
    let mut last = None;
    while let Some(update) = updates.next().await {
        last = Some(update.unwrap());
    }
    assert!(matches!(last, Some(pluck::stream::Update::Done(_))));
    assert_eq!(
        seen.lines(),
        [
            "request 1 OpenAI test-model JsonSchema stream",
            "transport retry 1 Some(503)",
            "first chunk 1",
            "response 1 Some(200) 15 Some(Done)",
            "validation error 1 at overall_confidence",
            "reask 1",
            "request 2 OpenAI test-model JsonSchema stream",
            "first chunk 2",
            "response 2 Some(200) 20 Some(Done)",
            "done 2 35",
        ]
    );
}

#[tokio::test]
async fn a_streamed_list_shows_its_invalid_items_and_end() {
    let server = MockServer::start().await;
    let list = json!({"items": [1, 300, 3]}).to_string();
    reply_once(&server, sse(content_stream(&list, Some("stop"), Some((5, 5)), true))).await;
    reply_once(&server, sse(content_stream("[1, 2", Some("stop"), Some((5, 2)), true))).await;
    let seen = Seen::default();
    let client = builder(&server).build().unwrap();
    let items = client.request::<Vec<u8>>().user("numbers").observe(seen.observer("")).items();
    let numbers: Vec<_> = items.map(|item| item.ok()).collect().await;
    assert_eq!(numbers, [Some(1), None, Some(3)]);
    let items = client.request::<Vec<u8>>().user("numbers").observe(seen.observer("")).items();
    let numbers: Vec<_> = items.map(|item| item.ok()).collect().await;
    assert_eq!(numbers, [Some(1), None], "the list never closed");
    assert_eq!(
        seen.lines(),
        [
            "request 1 OpenAI test-model JsonSchema stream",
            "first chunk 1",
            "validation error 1 at ",
            "response 1 Some(200) 10 Some(Done)",
            "done 1 10",
            "request 1 OpenAI test-model JsonSchema stream",
            "first chunk 1",
            "response 1 Some(200) 7 Some(Done)",
            "parse error 1",
        ]
    );
}

#[tokio::test]
async fn a_failure_is_the_last_event_and_never_shows_the_key() {
    let server = MockServer::start().await;
    let body = json!({"error": {"message": format!("Incorrect API key provided: {SECRET}."), "type": "invalid_request_error", "code": "invalid_api_key"}});
    reply_always(&server, ResponseTemplate::new(401).set_body_json(body)).await;
    let seen = Seen::default();
    let client = builder(&server).observe(seen.observer("")).build().unwrap();
    let err = client.extract::<JobPostingAnalysis>("posting").await.unwrap_err();
    assert!(matches!(err, Error::Authentication { status: 401, .. }), "{err:?}");
    let mut updates = client.extract_stream::<JobPostingAnalysis>("posting");
    assert!(matches!(updates.next().await, Some(Err(Error::Authentication { .. }))));
    assert_eq!(
        seen.lines(),
        [
            "request 1 OpenAI test-model JsonSchema",
            "failed 1 401",
            "request 1 OpenAI test-model JsonSchema stream",
            "failed 1 401",
        ]
    );
}

#[tokio::test]
async fn an_exhausted_budget_fails_after_its_last_report() {
    let server = MockServer::start().await;
    reply_always(&server, ok(completion("no JSON here", 10, 1))).await;
    let seen = Seen::default();
    let client = builder(&server).observe(seen.observer("")).build().unwrap();
    let err = client.request::<JobPostingAnalysis>().user("posting").max_retries(1).send().await.unwrap_err();
    assert!(matches!(err, Error::ValidationExhausted(_)), "{err:?}");
    let lines = seen.lines();
    assert_eq!(lines[lines.len() - 3..], ["response 2 Some(200) 11 Some(Done)", "parse error 2", "failed 2 0"]);
}
