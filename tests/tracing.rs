//! The spans of extractions (feature `tracing`): their tree, their OpenTelemetry GenAI
//! attributes, content capture, and that the key shows in none of them; and the
//! GenAI client metrics (feature `metrics`).

#[path = "it/support/mod.rs"]
mod support;

use futures_util::StreamExt;
use pluck::observe::Event;
use pluck::{Client, ClientBuilder, Mode, Provider};
use serde_json::json;
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use support::job::JobPostingAnalysis;
use support::sse::{content_stream, sse};
use support::MockServer;
use support::*;
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::{Instrument, Subscriber};
use tracing_subscriber::layer::{Context, SubscriberExt};
use tracing_subscriber::registry::LookupSpan;
use tracing_subscriber::Layer;
use wiremock::ResponseTemplate;

/// A span as the layer saw it.
#[derive(Debug, Clone, Default)]
struct Seen {
    id: u64,
    name: String,
    parent: Option<u64>,
    fields: BTreeMap<String, String>,
    /// The events inside it: their message and fields.
    events: Vec<BTreeMap<String, String>>,
}

impl Seen {
    fn field(&self, name: &str) -> Option<&str> {
        self.fields.get(name).map(String::as_str)
    }

    /// pluck's events inside it (the HTTP client's own land there too).
    fn pluck_events(&self) -> Vec<&BTreeMap<String, String>> {
        self.events.iter().filter(|event| event.get("message").is_some_and(|m| m.starts_with("pluck."))).collect()
    }
}

/// Records every span, every field recorded on it, and every event.
#[derive(Clone, Default)]
struct Capture {
    spans: Arc<Mutex<Vec<Seen>>>,
    loose_events: Arc<Mutex<Vec<BTreeMap<String, String>>>>,
}

struct Fields<'a>(&'a mut BTreeMap<String, String>);

impl Visit for Fields<'_> {
    fn record_str(&mut self, field: &Field, value: &str) {
        self.0.insert(field.name().to_owned(), value.to_owned());
    }
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        self.0.insert(field.name().to_owned(), format!("{value:?}"));
    }
}

impl<S: Subscriber + for<'a> LookupSpan<'a>> Layer<S> for Capture {
    fn on_new_span(&self, attrs: &Attributes<'_>, id: &Id, ctx: Context<'_, S>) {
        let parent = ctx.span(id).and_then(|span| span.parent()).map(|parent| parent.id().into_u64());
        let mut seen = Seen { id: id.into_u64(), name: attrs.metadata().name().to_owned(), parent, ..Seen::default() };
        attrs.record(&mut Fields(&mut seen.fields));
        self.spans.lock().unwrap().push(seen);
    }

    fn on_record(&self, id: &Id, values: &Record<'_>, _ctx: Context<'_, S>) {
        let mut spans = self.spans.lock().unwrap();
        let seen = spans.iter_mut().find(|seen| seen.id == id.into_u64()).expect("a span seen");
        values.record(&mut Fields(&mut seen.fields));
    }

    fn on_event(&self, event: &tracing::Event<'_>, ctx: Context<'_, S>) {
        let mut fields = BTreeMap::new();
        event.record(&mut Fields(&mut fields));
        match ctx.event_span(event) {
            Some(span) => {
                let mut spans = self.spans.lock().unwrap();
                let seen = spans.iter_mut().find(|seen| seen.id == span.id().into_u64()).expect("a span seen");
                seen.events.push(fields);
            }
            None => self.loose_events.lock().unwrap().push(fields),
        }
    }
}

impl Capture {
    /// Runs `run` with this layer as the thread's subscriber.
    async fn run<F: std::future::Future>(&self, run: F) -> F::Output {
        let subscriber = tracing_subscriber::registry().with(self.clone());
        let _guard = tracing::subscriber::set_default(subscriber);
        run.await
    }

    fn spans(&self) -> Vec<Seen> {
        self.spans.lock().unwrap().clone()
    }

    fn named(&self, name: &str) -> Vec<Seen> {
        self.spans().into_iter().filter(|seen| seen.name == name).collect()
    }

    /// Everything captured, as one text.
    fn everything(&self) -> String {
        format!("{:?}{:?}", self.spans(), self.loose_events.lock().unwrap())
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
    ok(completion(&valid_analysis().to_string(), 10, 12))
}

#[tokio::test]
async fn a_user_span_holds_the_extraction_which_holds_its_attempt() {
    let server = MockServer::start().await;
    reply_once(&server, analysis_reply()).await;
    let client = builder(&server).temperature(0.25).max_tokens(300).build().unwrap();
    let capture = Capture::default();
    capture
        .run(async {
            let job = tracing::info_span!("job");
            client.extract::<JobPostingAnalysis>("posting").instrument(job).await.unwrap();
        })
        .await;
    let [job] = &capture.named("job")[..] else { panic!("{:?}", capture.spans()) };
    let [extract] = &capture.named("extract")[..] else { panic!("{:?}", capture.spans()) };
    let [chat] = &capture.named("chat")[..] else { panic!("{:?}", capture.spans()) };
    assert_eq!(extract.parent, Some(job.id));
    assert_eq!(chat.parent, Some(extract.id));

    let port = server.address().port().to_string();
    for span in [extract, chat] {
        assert_eq!(span.field("gen_ai.operation.name"), Some("chat"));
        assert_eq!(span.field("gen_ai.provider.name"), Some("openai"));
        assert_eq!(span.field("gen_ai.request.model"), Some("test-model"));
        assert_eq!(span.field("gen_ai.request.temperature"), Some("0.25"));
        assert_eq!(span.field("gen_ai.request.max_tokens"), Some("300"));
        assert_eq!(span.field("gen_ai.request.stream"), Some("false"));
        assert_eq!(span.field("gen_ai.output.type"), Some("json"));
        assert_eq!(span.field("server.address"), Some("127.0.0.1"));
        assert_eq!(span.field("server.port"), Some(port.as_str()));
        assert_eq!(span.field("pluck.mode"), Some("JsonSchema"));
        assert_eq!(span.field("pluck.target"), Some("JobPostingAnalysis"));
        assert_eq!(span.field("gen_ai.usage.input_tokens"), Some("10"));
        assert_eq!(span.field("gen_ai.usage.output_tokens"), Some("12"));
        assert_eq!(span.field("error.type"), None);
        assert_eq!(span.field("gen_ai.input.messages"), None, "content is captured only when asked");
        assert_eq!(span.field("gen_ai.output.messages"), None, "content is captured only when asked");
    }
    assert_eq!(extract.field("otel.name"), Some("extract JobPostingAnalysis"));
    assert_eq!(extract.field("otel.kind"), Some("internal"));
    assert_eq!(extract.field("pluck.attempts"), Some("1"));
    assert_eq!(chat.field("otel.name"), Some("chat test-model"));
    assert_eq!(chat.field("otel.kind"), Some("client"));
    assert_eq!(chat.field("pluck.attempt"), Some("1"));
    assert_eq!(chat.field("gen_ai.response.finish_reasons"), Some("stop"));
    assert_eq!(chat.field("http.response.status_code"), Some("200"));
    assert_eq!(chat.field("pluck.transport.retries"), Some("0"));
}

#[tokio::test]
async fn cached_and_reasoning_tokens_are_recorded_when_reported() {
    let server = MockServer::start().await;
    let mut body = completion(&valid_analysis().to_string(), 2_000, 300);
    body["usage"]["prompt_tokens_details"] = json!({"cached_tokens": 1_536});
    body["usage"]["completion_tokens_details"] = json!({"reasoning_tokens": 192});
    reply_once(&server, ok(body)).await;
    reply_once(&server, analysis_reply()).await;
    let client = builder(&server).build().unwrap();
    let capture = Capture::default();
    capture
        .run(async {
            client.extract::<JobPostingAnalysis>("posting").await.unwrap();
            client.extract::<JobPostingAnalysis>("posting").await.unwrap();
        })
        .await;
    let [first, second] = &capture.named("chat")[..] else { panic!("{:?}", capture.spans()) };
    assert_eq!(first.field("gen_ai.usage.cache_read.input_tokens"), Some("1536"));
    assert_eq!(first.field("gen_ai.usage.reasoning.output_tokens"), Some("192"));
    assert_eq!(first.field("gen_ai.usage.cache_creation.input_tokens"), None, "none reported");
    assert_eq!(second.field("gen_ai.usage.cache_read.input_tokens"), None, "none reported");
    let extracts = capture.named("extract");
    assert_eq!(extracts[0].field("gen_ai.usage.cache_read.input_tokens"), Some("1536"));
}

#[tokio::test]
async fn the_reply_s_id_and_model_are_recorded_for_each_provider() {
    let mut openai = completion(&valid_analysis().to_string(), 10, 12);
    openai["model"] = json!("test-model-0125");
    let mut anthropic = anthropic_tool_use("toolu_01", "JobPostingAnalysis", valid_analysis(), 10, 12);
    anthropic["model"] = json!("test-model-0125");
    let mut gemini = gemini_text(&valid_analysis().to_string(), "STOP", 10, 12);
    gemini["modelVersion"] = json!("test-model-0125");
    gemini["responseId"] = json!("gemini-resp-1");
    let cases = [
        (Provider::OpenAi, "/chat/completions", openai, "openai", "chatcmpl-1"),
        (Provider::Anthropic, MESSAGES, anthropic, "anthropic", "msg_01XFDUDYJgAACzvnptvVoYEL"),
        (Provider::Gemini, GENERATE, gemini, "gcp.gemini", "gemini-resp-1"),
    ];
    for (provider, at, body, name, id) in cases {
        let server = MockServer::start().await;
        reply_once_at(&server, at, ok(body)).await;
        let client = provider_client(&server, provider, fast_retries());
        let capture = Capture::default();
        capture.run(async { client.extract::<JobPostingAnalysis>("posting").await.unwrap() }).await;
        let [chat] = &capture.named("chat")[..] else { panic!("{:?}", capture.spans()) };
        assert_eq!(chat.field("gen_ai.provider.name"), Some(name));
        assert_eq!(chat.field("gen_ai.response.id"), Some(id), "{name}");
        assert_eq!(chat.field("gen_ai.response.model"), Some("test-model-0125"), "{name}");
        assert_eq!(chat.field("gen_ai.request.model"), Some("test-model"), "{name}");
    }
}

#[tokio::test]
async fn each_attempt_has_its_span_and_its_violations_as_events() {
    let server = MockServer::start().await;
    let mut invalid = valid_analysis();
    invalid["overall_confidence"] = json!(100);
    reply_once(&server, ok(completion(&invalid.to_string(), 10, 10))).await;
    reply_once(&server, analysis_reply()).await;
    let client = builder(&server).build().unwrap();
    let capture = Capture::default();
    capture.run(async { client.extract::<JobPostingAnalysis>("posting").await.unwrap() }).await;
    let [extract] = &capture.named("extract")[..] else { panic!("{:?}", capture.spans()) };
    let chats = capture.named("chat");
    assert_eq!(chats.len(), 2, "{chats:?}");
    for (n, chat) in chats.iter().enumerate() {
        assert_eq!(chat.parent, Some(extract.id));
        assert_eq!(chat.field("pluck.attempt"), Some((n + 1).to_string().as_str()));
    }
    assert_eq!(chats[0].field("error.type"), Some("validation"));
    let [violation] = chats[0].pluck_events()[..] else { panic!("{:?}", chats[0].events) };
    assert_eq!(violation.get("message").map(String::as_str), Some("pluck.violation"));
    assert_eq!(violation.get("pluck.violation.path").map(String::as_str), Some("overall_confidence"));
    assert!(violation.get("pluck.violation.message").is_some_and(|m| m.contains("100")), "{violation:?}");
    assert!(chats[1].pluck_events().is_empty(), "{:?}", chats[1].events);
    assert_eq!(chats[1].field("error.type"), None);
    assert_eq!(extract.field("pluck.reasks"), Some("1"));
    assert_eq!(extract.field("pluck.attempts"), Some("2"));
    assert_eq!(extract.field("gen_ai.usage.input_tokens"), Some("20"));
    assert_eq!(extract.field("gen_ai.usage.output_tokens"), Some("22"));
}

#[tokio::test]
async fn a_transport_retry_is_counted_inside_the_entered_attempt_span() {
    let server = MockServer::start().await;
    reply_once(&server, ResponseTemplate::new(503).set_body_json(json!({"error": {"message": "overloaded"}}))).await;
    reply_once(&server, analysis_reply()).await;
    // The span current where the transport reports its retry, after the first reply
    // was awaited: the attempt's, entered across the awaits.
    let current = Arc::new(Mutex::new(Vec::new()));
    let seen = current.clone();
    let client = builder(&server)
        .observe(move |event: &Event<'_>| {
            if let Event::TransportRetry { .. } = event {
                let span = tracing::Span::current();
                seen.lock().unwrap().push(span.metadata().map(|m| m.name()).unwrap_or("none"));
            }
        })
        .build()
        .unwrap();
    let capture = Capture::default();
    capture.run(async { client.extract::<JobPostingAnalysis>("posting").await.unwrap() }).await;
    assert_eq!(*current.lock().unwrap(), ["chat"]);
    let [chat] = &capture.named("chat")[..] else { panic!("{:?}", capture.spans()) };
    assert_eq!(chat.field("pluck.transport.retries"), Some("1"));
    assert!(chat.field("pluck.transport.wait_ms").is_some());
    let [retry] = chat.pluck_events()[..] else { panic!("{:?}", chat.events) };
    assert!(chat.events.len() > 1, "the HTTP client's events land in the attempt's span: {:?}", chat.events);
    assert_eq!(retry.get("message").map(String::as_str), Some("pluck.transport_retry"));
    assert_eq!(retry.get("http.response.status_code").map(String::as_str), Some("503"));
    assert_eq!(chat.field("http.response.status_code"), Some("200"));
}

#[tokio::test]
async fn a_failure_sets_the_error_type_on_both_spans() {
    let server = MockServer::start().await;
    let body = json!({"error": {"message": "bad key", "code": "invalid_api_key"}});
    reply_always(&server, ResponseTemplate::new(401).set_body_json(body)).await;
    let client = builder(&server).build().unwrap();
    let capture = Capture::default();
    capture.run(async { client.extract::<JobPostingAnalysis>("posting").await.unwrap_err() }).await;
    let [extract] = &capture.named("extract")[..] else { panic!("{:?}", capture.spans()) };
    let [chat] = &capture.named("chat")[..] else { panic!("{:?}", capture.spans()) };
    for span in [extract, chat] {
        assert_eq!(span.field("error.type"), Some("Authentication"));
        assert_eq!(span.field("otel.status_code"), Some("ERROR"));
    }
}

#[tokio::test]
async fn a_stream_records_its_time_to_first_chunk() {
    let server = MockServer::start().await;
    reply_once(&server, sse(content_stream(&valid_analysis().to_string(), Some("stop"), Some((10, 7)), true))).await;
    let client = builder(&server).build().unwrap();
    let capture = Capture::default();
    capture
        .run(async {
            let job = tracing::info_span!("job");
            let _in_job = job.enter();
            let mut updates = client.extract_stream::<JobPostingAnalysis>("posting");
            drop(_in_job);
            while let Some(update) = updates.next().await {
                update.unwrap();
            }
        })
        .await;
    let [job] = &capture.named("job")[..] else { panic!("{:?}", capture.spans()) };
    let [extract] = &capture.named("extract")[..] else { panic!("{:?}", capture.spans()) };
    let [chat] = &capture.named("chat")[..] else { panic!("{:?}", capture.spans()) };
    assert_eq!(extract.parent, Some(job.id));
    assert_eq!(chat.parent, Some(extract.id));
    assert_eq!(chat.field("gen_ai.request.stream"), Some("true"));
    let first_chunk: f64 =
        chat.field("gen_ai.response.time_to_first_chunk").expect("time to first chunk").parse().unwrap();
    assert!(first_chunk >= 0.0);
    assert_eq!(chat.field("gen_ai.usage.output_tokens"), Some("7"));
    assert_eq!(extract.field("pluck.attempts"), Some("1"));
}

#[tokio::test]
async fn content_is_captured_when_asked() {
    let server = MockServer::start().await;
    reply_once(&server, ok(completion("no JSON here", 10, 1))).await;
    reply_once(&server, analysis_reply()).await;
    let client = builder(&server).capture_content(true).build().unwrap();
    let capture = Capture::default();
    capture.run(async { client.extract::<JobPostingAnalysis>("the posting text").await.unwrap() }).await;
    let chats = capture.named("chat");
    assert_eq!(chats.len(), 2, "{chats:?}");
    let input: serde_json::Value = serde_json::from_str(chats[0].field("gen_ai.input.messages").unwrap()).unwrap();
    let last = &input.as_array().unwrap().last().unwrap();
    assert_eq!(last["role"], "user");
    assert_eq!(last["parts"][0]["content"], "the posting text");
    let output: serde_json::Value = serde_json::from_str(chats[0].field("gen_ai.output.messages").unwrap()).unwrap();
    assert_eq!(output[0]["parts"][0]["content"], "no JSON here");
    assert_eq!(output[0]["finish_reason"], "stop");
    // The second attempt sends the failed reply and the feedback on it.
    let input: serde_json::Value = serde_json::from_str(chats[1].field("gen_ai.input.messages").unwrap()).unwrap();
    let input = input.as_array().unwrap();
    assert_eq!(input[input.len() - 2]["parts"][0]["content"], "no JSON here");
    assert_eq!(input[input.len() - 1]["role"], "user");
}

#[tokio::test]
async fn the_key_is_in_no_span_field_or_event_on_any_path() {
    let server = MockServer::start().await;
    let mut invalid = valid_analysis();
    invalid["overall_confidence"] = json!(100);
    // Success, re-ask, transport retry, then a stream; each reply is used once.
    reply_once(&server, analysis_reply()).await;
    reply_once(&server, ok(completion(&invalid.to_string(), 10, 10))).await;
    reply_once(&server, analysis_reply()).await;
    reply_once(&server, ResponseTemplate::new(503).set_body_json(json!({"error": {"message": "overloaded"}}))).await;
    reply_once(&server, analysis_reply()).await;
    reply_once(&server, sse(content_stream(&valid_analysis().to_string(), Some("stop"), Some((10, 7)), true))).await;
    // Then an authentication failure whose body echoes the key.
    let body =
        json!({"error": {"message": format!("Incorrect API key provided: {SECRET}."), "code": "invalid_api_key"}});
    reply_always(&server, ResponseTemplate::new(401).set_body_json(body)).await;
    let client = builder(&server).capture_content(true).build().unwrap();
    let capture = Capture::default();
    capture
        .run(async {
            for _ in 0..3 {
                client.extract::<JobPostingAnalysis>("posting").await.unwrap();
            }
            let mut updates = client.extract_stream::<JobPostingAnalysis>("posting");
            while let Some(update) = updates.next().await {
                update.unwrap();
            }
            client.extract::<JobPostingAnalysis>("posting").await.unwrap_err();
            let mut updates = client.extract_stream::<JobPostingAnalysis>("posting");
            assert!(matches!(updates.next().await, Some(Err(pluck::Error::Authentication { .. }))));
        })
        .await;
    assert_eq!(capture.named("extract").len(), 6);
    assert_eq!(capture.named("chat").len(), 7);
    let everything = capture.everything();
    assert!(everything.contains("Authentication"), "the failures were captured");
    assert!(everything.contains("pluck.transport_retry"), "the retry was captured");
    assert!(!everything.contains(SECRET), "the key shows in a span: {everything}");
}

/// The GenAI client metrics (feature `metrics`), read by a recorder installed for the
/// whole test binary; each test asks its own model, and reads only its measures.
#[cfg(feature = "metrics")]
mod meters {
    use super::support;
    use futures_util::StreamExt;
    use metrics::{Counter, Gauge, Histogram, HistogramFn, Key, KeyName, Metadata, Recorder, SharedString, Unit};
    use pluck::{Client, Mode};
    use serde_json::json;
    use std::sync::{Arc, Mutex, OnceLock};
    use std::time::Duration;
    use support::job::JobPostingAnalysis;
    use support::sse::{content_stream, sse};
    use support::MockServer;
    use support::*;
    use wiremock::ResponseTemplate;

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
        reply_once(&server, ResponseTemplate::new(503).set_body_json(json!({"error": {"message": "overloaded"}})))
            .await;
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
        let expected: Vec<(String, f64)> = [("input", 10.0), ("output", 1.0), ("input", 20.0), ("output", 12.0)]
            .map(|(t, n)| (t.to_owned(), n))
            .into();
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
        reply_once(&server, sse(content_stream(&valid_analysis().to_string(), Some("stop"), Some((10, 7)), true)))
            .await;
        let client = client(&server, "model-stream");
        let mut updates = client.extract_stream::<JobPostingAnalysis>("posting");
        while let Some(update) = updates.next().await {
            update.unwrap();
        }
        let measures = measures_of("model-stream");
        assert_eq!(tokens(&measures), [("input".to_owned(), 10.0), ("output".to_owned(), 7.0)]);
        assert_eq!(durations(&measures).len(), 1, "{measures:?}");
    }
}

#[tokio::test]
async fn an_agent_run_holds_its_turns_and_a_span_per_tool_call() {
    use pluck::agent::Agent;
    use support::stock::{stock_tools, Recommendation};
    let server = MockServer::start().await;
    let calls = json!({"role": "assistant", "content": null, "tool_calls": [
        {"id": "call_ok", "type": "function", "function": {"name": "get_stock_price", "arguments": "{\"ticker\":\"MSFT\"}"}},
        {"id": "call_bad", "type": "function", "function": {"name": "get_stock_price", "arguments": "{\"ticker\":\"ZZZ\"}"}}
    ]});
    reply_once(&server, ok(completion_with(calls, "tool_calls", 10, 5))).await;
    reply_once(&server, ok(completion("MSFT is up.", 10, 5))).await;
    let answer = json!({"reasoning": "up", "ticker": "MSFT", "action": "buy", "best_performer_today": "MSFT"});
    reply_once(&server, ok(completion(&answer.to_string(), 10, 5))).await;
    let agent = Agent::builder(builder(&server).build().unwrap()).name("stocks").tools(stock_tools()).build().unwrap();
    let capture = Capture::default();
    capture.run(async { agent.run::<Recommendation>("Is MSFT up?").await.unwrap() }).await;

    let [run] = &capture.named("invoke_agent")[..] else { panic!("{:?}", capture.spans()) };
    assert_eq!(run.field("otel.name"), Some("invoke_agent stocks"));
    assert_eq!(run.field("gen_ai.operation.name"), Some("invoke_agent"));
    assert_eq!(run.field("gen_ai.agent.name"), Some("stocks"));
    assert_eq!(run.field("gen_ai.provider.name"), Some("openai"));
    assert_eq!(run.field("error.type"), None);
    // Two turns and the final answer, each an extraction inside the run.
    let extracts = capture.named("extract");
    assert_eq!(extracts.len(), 3);
    assert!(extracts.iter().all(|extract| extract.parent == Some(run.id)));
    assert_eq!(capture.named("chat").len(), 3);
    let tools = capture.named("execute_tool");
    assert_eq!(tools.len(), 2, "{tools:?}");
    for tool in &tools {
        assert_eq!(tool.parent, Some(run.id));
        assert_eq!(tool.field("otel.name"), Some("execute_tool get_stock_price"));
        assert_eq!(tool.field("gen_ai.operation.name"), Some("execute_tool"));
        assert_eq!(tool.field("gen_ai.tool.name"), Some("get_stock_price"));
        assert_eq!(tool.field("gen_ai.tool.type"), Some("function"));
    }
    let ok_call = tools.iter().find(|tool| tool.field("gen_ai.tool.call.id") == Some("call_ok")).unwrap();
    let bad_call = tools.iter().find(|tool| tool.field("gen_ai.tool.call.id") == Some("call_bad")).unwrap();
    assert_eq!(ok_call.field("error.type"), None);
    assert_eq!(bad_call.field("error.type"), Some("tool_error"));
    assert_eq!(bad_call.field("otel.status_code"), Some("ERROR"));
    assert!(!capture.everything().contains(SECRET));
}

#[tokio::test]
async fn an_agent_run_that_runs_out_of_iterations_is_marked_failed() {
    use pluck::agent::Agent;
    use support::stock::{stock_tools, Recommendation};
    let server = MockServer::start().await;
    let calls = json!({"role": "assistant", "content": null, "tool_calls": [
        {"id": "call_1", "type": "function", "function": {"name": "get_stock_price", "arguments": "{\"ticker\":\"MSFT\"}"}}
    ]});
    reply_always(&server, ok(completion_with(calls, "tool_calls", 10, 5))).await;
    let client = builder(&server).build().unwrap();
    let agent = Agent::builder(client).tools(stock_tools()).max_iterations(2).build().unwrap();
    let capture = Capture::default();
    capture.run(async { agent.run::<Recommendation>("Is MSFT up?").await.unwrap_err() }).await;
    let [run] = &capture.named("invoke_agent")[..] else { panic!("{:?}", capture.spans()) };
    assert_eq!(run.field("otel.name"), Some("invoke_agent agent"));
    assert_eq!(run.field("error.type"), Some("MaxIterations"));
    assert_eq!(run.field("otel.status_code"), Some("ERROR"));
    assert_eq!(capture.named("execute_tool").len(), 2);
}
#[path = "tracing/openinference.rs"]
mod openinference;
#[path = "tracing/streamed.rs"]
mod streamed;
/// Each routing decision is an event on the extraction's span; each request, on
/// whichever deployment, an attempt span of its own.
#[cfg(feature = "router")]
#[tokio::test]
async fn routing_decisions_are_events_on_the_extraction_span() {
    use pluck::router::{Deployment, Router};
    let (down, up) = (MockServer::start().await, MockServer::start().await);
    reply_always(&down, ResponseTemplate::new(503).set_body_json(json!({"error": {"message": "down"}}))).await;
    reply_always(&up, analysis_reply()).await;
    let deployment = |server: &MockServer| {
        Deployment::client(builder(server).retry_policy(pluck::RetryPolicy::none()).build().unwrap())
    };
    let router = Router::builder()
        .deployment("a", deployment(&down))
        .deployment("b", deployment(&up))
        .fallbacks("a", ["b"])
        .allowed_fails(1)
        .build()
        .unwrap();
    let capture = Capture::default();
    capture.run(router.extract::<JobPostingAnalysis>("a", "posting")).await.unwrap();
    let [extract] = &capture.named("extract")[..] else { panic!("{:?}", capture.spans()) };
    let names: Vec<&str> = extract.pluck_events().iter().map(|event| event["message"].as_str()).collect();
    assert_eq!(names, ["pluck.routed", "pluck.cooled_down", "pluck.rerouted", "pluck.fallback", "pluck.routed"]);
    let events = extract.pluck_events();
    assert_eq!(events[0]["pluck.router.deployment"], "a/0");
    assert_eq!(events[1]["error.type"], "Server");
    assert_eq!(events[3]["pluck.router.cause"], "unavailable");
    assert_eq!(events[4]["pluck.router.deployment"], "b/0");
    let chats = capture.named("chat");
    assert_eq!(chats.len(), 2, "{chats:?}");
    assert!(chats.iter().all(|chat| chat.field("pluck.attempt") == Some("1")));
    // Each attempt span names the server the request went to.
    let ports: Vec<String> = [&down, &up].iter().map(|server| server.address().port().to_string()).collect();
    assert_eq!(chats[0].field("server.port"), Some(ports[0].as_str()));
    assert_eq!(chats[1].field("server.port"), Some(ports[1].as_str()));
    assert!(!capture.everything().contains(SECRET));
}
