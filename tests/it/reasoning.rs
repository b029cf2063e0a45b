//! Chain of thought: a `reasoning` field declared first stays first in the schema of
//! every target on the wire (OpenAI strict response format and tools, llama.cpp,
//! Anthropic's output format and tools, Gemini's `responseJsonSchema` and
//! `responseSchema`) and in streamed partial values, for a type of one's own and for
//! `WithReasoning<T>`.

use crate::support::sse::{content_stream, sse};
use crate::support::stock::Recommendation;
use crate::support::triage::SupportTriage;
use crate::support::MockServer;
use crate::support::{bodies, client, SECRET};
use futures::StreamExt;
use pluck::reasoning::WithReasoning;
use pluck::stream::Update;
use pluck::{Client, Extract, Mode, Provider, RetryPolicy};
use serde_json::{json, Value};
use std::collections::BTreeMap;
use wiremock::matchers::method;
use wiremock::{Mock, ResponseTemplate};

/// Where each target's schema sits in a request body.
const TARGETS: [(&str, Provider, &str, Mode, &str); 7] = [
    ("openai json_schema", Provider::OpenAi, "gpt-4o-mini", Mode::JsonSchema, "/response_format/json_schema/schema"),
    ("openai tools", Provider::OpenAi, "gpt-4o-mini", Mode::Tools, "/tools/0/function/parameters"),
    ("llama.cpp json_object_schema", Provider::OpenAi, "local", Mode::JsonObjectSchema, "/response_format/schema"),
    (
        "anthropic output_config",
        Provider::Anthropic,
        "claude-haiku-4-5",
        Mode::JsonSchema,
        "/output_config/format/schema",
    ),
    ("anthropic tools", Provider::Anthropic, "claude-3-5-haiku-latest", Mode::Tools, "/tools/0/input_schema"),
    (
        "gemini responseJsonSchema",
        Provider::Gemini,
        "gemini-2.5-flash",
        Mode::JsonSchema,
        "/generationConfig/responseJsonSchema",
    ),
    ("gemini responseSchema", Provider::Gemini, "gemini-2.0-flash", Mode::Tools, "/generationConfig/responseSchema"),
];

/// The property order of `T`'s schema as each target sends it: `properties`, then
/// `required`, then Gemini's `propertyOrdering` where there is one.
async fn orders<T: Extract + std::fmt::Debug>() -> BTreeMap<&'static str, Vec<Vec<String>>> {
    let mut seen = BTreeMap::new();
    for (name, provider, model, mode, pointer) in TARGETS {
        let server = MockServer::start().await;
        Mock::given(method("POST")).respond_with(ResponseTemplate::new(400)).mount(&server).await;
        let base = if provider == Provider::OpenAi { format!("{}/v1", server.uri()) } else { server.uri() };
        let client = Client::builder()
            .provider(provider)
            .base_url(base)
            .api_key(SECRET)
            .model(model)
            .mode(mode)
            .retry_policy(RetryPolicy::none())
            .build()
            .unwrap();
        let _ = client.extract::<T>("ticket").await.unwrap_err();
        let body = bodies(&server).await.remove(0);
        let schema = body.pointer(pointer).unwrap_or_else(|| panic!("{name}: no schema at {pointer}: {body}"));
        let names = |value: Option<&Value>| -> Vec<String> {
            match value {
                Some(Value::Object(map)) => map.keys().cloned().collect(),
                Some(Value::Array(items)) => items.iter().filter_map(|v| v.as_str().map(str::to_owned)).collect(),
                _ => Vec::new(),
            }
        };
        let mut order = vec![names(schema.get("properties")), names(schema.get("required"))];
        if schema.get("propertyOrdering").is_some() {
            order.push(names(schema.get("propertyOrdering")));
        }
        seen.insert(name, order);
    }
    seen
}

#[tokio::test]
async fn reasoning_stays_first_in_every_schema_target() {
    let triage = orders::<SupportTriage>().await;
    let wrapped = orders::<WithReasoning<Vec<String>>>().await;
    for (name, order) in triage.iter().chain(&wrapped) {
        for names in order {
            assert_eq!(names.first().map(String::as_str), Some("reasoning"), "{name}: {order:?}");
        }
    }
    insta::assert_json_snapshot!(
        "reasoning_first_in_every_target",
        json!({"SupportTriage": triage, "WithReasoning<Vec<String>>": wrapped})
    );
}

#[tokio::test]
async fn reasoning_streams_before_the_answer() {
    let answer = json!({
        "reasoning": "MSFT is up 0.5% while GOOGL is down 0.8%, so Microsoft leads today.",
        "answer": {"reasoning": "Momentum.", "ticker": "MSFT", "action": "buy", "best_performer_today": "MSFT"}
    });
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(sse(content_stream(&answer.to_string(), Some("stop"), Some((10, 20)), true)))
        .mount(&server)
        .await;
    let client = client(&server, Mode::JsonSchema);
    let mut stream = client.extract_stream::<WithReasoning<Recommendation>>("Which is up today?");
    let mut partials = Vec::new();
    let mut done = None;
    while let Some(update) = stream.next().await {
        match update.unwrap() {
            Update::Partial(progress) => partials.push(progress.value),
            Update::Done(extracted) => done = Some(extracted.value),
            _ => {}
        }
    }
    let done = done.expect("a value");
    assert_eq!(done.answer.ticker, "MSFT");
    assert!(partials.len() > 5, "{} partials", partials.len());
    let first = partials.iter().position(|p| p.reasoning.is_some()).expect("reasoning shows");
    let answer_shows = partials.iter().position(|p| p.answer.is_some()).expect("the answer shows");
    assert!(first < answer_shows);
    // Once the answer shows, the reasoning is whole.
    for partial in &partials[answer_shows..] {
        assert_eq!(partial.reasoning.as_deref(), Some(done.reasoning.as_str()));
    }
}
