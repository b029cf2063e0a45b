//! The GenAI client metrics (feature `metrics`), read by a recorder installed for the
//! whole test binary; each test asks its own model, and reads only its measures.

mod support;

use futures_util::StreamExt;
use metrics::{Counter, Gauge, Histogram, HistogramFn, Key, KeyName, Metadata, Recorder, SharedString, Unit};
use pluck::{Client, Mode};
use serde_json::json;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;
use support::job::JobPostingAnalysis;
use support::sse::{content_stream, sse};
use support::*;
use wiremock::{MockServer, ResponseTemplate};

/// One value recorded: the metric, its labels sorted, the value.
type Measure = (String, Vec<(String, String)>, f64);

#[derive(Default)]
struct Measures(Mutex<Vec<Measure>>);

struct Series {
    measures: &'static Measures,
    name: String,
    labels: Vec<(String, String)>,
}

impl HistogramFn for Series {
    fn record(&self, value: f64) {
        self.measures.0.lock().unwrap().push((self.name.clone(), self.labels.clone(), value));
    }
}

struct Recording(&'static Measures);

impl Recorder for Recording {
    fn describe_counter(&self, _: KeyName, _: Option<Unit>, _: SharedString) {}
    fn describe_gauge(&self, _: KeyName, _: Option<Unit>, _: SharedString) {}
    fn describe_histogram(&self, _: KeyName, _: Option<Unit>, _: SharedString) {}
    fn register_counter(&self, _: &Key, _: &Metadata<'_>) -> Counter {
        Counter::noop()
    }
    fn register_gauge(&self, _: &Key, _: &Metadata<'_>) -> Gauge {
        Gauge::noop()
    }
    fn register_histogram(&self, key: &Key, _: &Metadata<'_>) -> Histogram {
        let mut labels: Vec<(String, String)> =
            key.labels().map(|label| (label.key().to_owned(), label.value().to_owned())).collect();
        labels.sort();
        Histogram::from_arc(Arc::new(Series { measures: self.0, name: key.name().to_owned(), labels }))
    }
}

/// The measures of requests to `model`, recorded so far.
fn measures_of(model: &str) -> Vec<Measure> {
    static MEASURES: OnceLock<&'static Measures> = OnceLock::new();
    let measures = *MEASURES.get_or_init(|| {
        let measures: &'static Measures = Box::leak(Box::default());
        metrics::set_global_recorder(Recording(measures)).expect("the only recorder");
        measures
    });
    let all = measures.0.lock().unwrap();
    let asked = ("gen_ai.request.model".to_owned(), model.to_owned());
    all.iter().filter(|(_, labels, _)| labels.contains(&asked)).cloned().collect()
}

fn label<'a>(measure: &'a Measure, key: &str) -> Option<&'a str> {
    measure.1.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
}

fn client(server: &MockServer, model: &str) -> Client {
    measures_of(model);
    Client::builder()
        .base_url(format!("{}/v1", server.uri()))
        .api_key(SECRET)
        .model(model)
        .mode(Mode::JsonSchema)
        .retry_policy(fast_retries())
        .timeout(Duration::from_secs(5))
        .build()
        .unwrap()
}

/// The token counts recorded, as (type, count).
fn tokens(measures: &[Measure]) -> Vec<(String, f64)> {
    measures
        .iter()
        .filter(|m| m.0 == "gen_ai.client.token.usage")
        .map(|m| (label(m, "gen_ai.token.type").unwrap_or("none").to_owned(), m.2))
        .collect()
}

fn durations(measures: &[Measure]) -> Vec<&Measure> {
    measures.iter().filter(|m| m.0 == "gen_ai.client.operation.duration").collect()
}

#[tokio::test]
async fn a_reply_records_its_tokens_and_one_duration_its_retries_included() {
    let server = MockServer::start().await;
    reply_once(&server, ResponseTemplate::new(503).set_body_json(json!({"error": {"message": "overloaded"}}))).await;
    reply_once(&server, ok(completion(&valid_analysis().to_string(), 10, 12))).await;
    let client = client(&server, "model-plain");
    client.extract::<JobPostingAnalysis>("posting").await.unwrap();
    let measures = measures_of("model-plain");
    assert_eq!(tokens(&measures), [("input".to_owned(), 10.0), ("output".to_owned(), 12.0)]);
    let [duration] = durations(&measures)[..] else { panic!("{measures:?}") };
    assert!(duration.2 >= 0.0);
    let port = server.address().port().to_string();
    for measure in &measures {
        assert_eq!(label(measure, "gen_ai.operation.name"), Some("chat"));
        assert_eq!(label(measure, "gen_ai.provider.name"), Some("openai"));
        assert_eq!(label(measure, "server.address"), Some("127.0.0.1"));
        assert_eq!(label(measure, "server.port"), Some(port.as_str()));
        assert_eq!(label(measure, "error.type"), None);
    }
}

#[tokio::test]
async fn each_reask_is_an_operation_of_its_own() {
    let server = MockServer::start().await;
    reply_once(&server, ok(completion("no JSON here", 10, 1))).await;
    reply_once(&server, ok(completion(&valid_analysis().to_string(), 20, 12))).await;
    let client = client(&server, "model-reask");
    client.extract::<JobPostingAnalysis>("posting").await.unwrap();
    let measures = measures_of("model-reask");
    let expected: Vec<(String, f64)> =
        [("input", 10.0), ("output", 1.0), ("input", 20.0), ("output", 12.0)].map(|(t, n)| (t.to_owned(), n)).into();
    assert_eq!(tokens(&measures), expected);
    assert_eq!(durations(&measures).len(), 2, "{measures:?}");
}

#[tokio::test]
async fn a_failed_request_records_its_duration_with_the_error_type() {
    let server = MockServer::start().await;
    reply_always(&server, ResponseTemplate::new(401).set_body_json(json!({"error": {"message": "bad key"}}))).await;
    let client = client(&server, "model-401");
    client.extract::<JobPostingAnalysis>("posting").await.unwrap_err();
    let measures = measures_of("model-401");
    assert!(tokens(&measures).is_empty(), "{measures:?}");
    let [duration] = durations(&measures)[..] else { panic!("{measures:?}") };
    assert_eq!(label(duration, "error.type"), Some("Authentication"));
}

#[tokio::test]
async fn a_stream_records_its_tokens_when_it_ends() {
    let server = MockServer::start().await;
    reply_once(&server, sse(content_stream(&valid_analysis().to_string(), Some("stop"), Some((10, 7)), true))).await;
    let client = client(&server, "model-stream");
    let mut updates = client.extract_stream::<JobPostingAnalysis>("posting");
    while let Some(update) = updates.next().await {
        update.unwrap();
    }
    let measures = measures_of("model-stream");
    assert_eq!(tokens(&measures), [("input".to_owned(), 10.0), ("output".to_owned(), 7.0)]);
    assert_eq!(durations(&measures).len(), 1, "{measures:?}");
}
