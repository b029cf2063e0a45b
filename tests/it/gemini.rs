//! Gemini's `generateContent` against a local mock server: request shape, the
//! `responseJsonSchema` (current models) and the `responseSchema` subset (the fallback),
//! re-asks as `model`/`user` turns, and the error taxonomy.

use crate::support;

use crate::support::MockServer;
use pluck::schema::SchemaError;
use pluck::{Client, Error, Extract, Mode, Provider, RetryPolicy};
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::{json, Value};
use support::job::JobPostingAnalysis;
use support::triage::SupportTriage;
use support::*;
use wiremock::matchers::method;
use wiremock::{Mock, ResponseTemplate};

fn client(server: &MockServer) -> Client {
    provider_client(server, Provider::Gemini, fast_retries())
}

/// Every key anywhere in `value`.
fn keys(value: &Value, out: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            for (key, inner) in map {
                out.push(key.clone());
                keys(inner, out);
            }
        }
        Value::Array(items) => items.iter().for_each(|item| keys(item, out)),
        _ => {}
    }
}

#[tokio::test]
async fn an_invalid_reply_is_reasked_as_a_user_turn() {
    let server = MockServer::start().await;
    let mut invalid = valid_analysis();
    invalid["salary"]["min_amount"] = json!(250000);
    reply_once_at(&server, GENERATE, ok(gemini_text(&invalid.to_string(), "STOP", 300, 120))).await;
    reply_once_at(&server, GENERATE, ok(gemini_text(&valid_analysis().to_string(), "STOP", 480, 118))).await;

    let extracted =
        client(&server).request::<JobPostingAnalysis>().user(job::SAMPLE_POSTING).send_with_usage().await.unwrap();
    assert_eq!(extracted.attempts, 2);
    assert_eq!(extracted.usage.prompt_tokens, 780);
    assert_eq!(extracted.usage.completion_tokens, 238);
    assert_eq!(extracted.usage.total_tokens, 1018);

    let requests = requests(&server).await;
    assert_eq!(requests[0].headers.get("x-goog-api-key").unwrap(), SECRET);
    assert!(requests[0].headers.get("authorization").is_none());
    assert!(requests[0].url.query().is_none(), "the key travels in a header, not the URL");

    let bodies = bodies(&server).await;
    let body = &bodies[0];
    assert!(body.get("model").is_none(), "the model is in the path");
    let system = body["systemInstruction"]["parts"][0]["text"].as_str().unwrap();
    assert!(system.starts_with(pluck::DEFAULT_SYSTEM_PROMPT), "{system}");
    assert_eq!(body["contents"], json!([{"role": "user", "parts": [{"text": job::SAMPLE_POSTING}]}]));
    let config = &body["generationConfig"];
    assert_eq!(config["responseMimeType"], "application/json");
    let schema = &config["responseSchema"];
    assert_eq!(schema["type"], "OBJECT");
    assert_eq!(
        schema["propertyOrdering"],
        json!([
            "job_title",
            "company_name",
            "experience_level",
            "salary",
            "skills",
            "categories",
            "overall_confidence",
            "missing_fields"
        ])
    );
    assert_eq!(
        schema["properties"]["job_title"],
        json!({"type": "STRING", "description": "The job title, if stated.", "nullable": true})
    );
    assert_eq!(schema["properties"]["salary"]["nullable"], true);
    assert_eq!(schema["properties"]["salary"]["properties"]["currency"]["minLength"], 3, "references are inlined");
    assert_eq!(schema["properties"]["categories"]["items"]["properties"]["label"]["enum"][0], "engineering");
    let mut found = Vec::new();
    keys(schema, &mut found);
    for absent in ["$defs", "$ref", "additionalProperties", "title", "$schema", "const", "oneOf"] {
        assert!(!found.iter().any(|k| k == absent), "{absent} in {schema}");
    }

    let contents = bodies[1]["contents"].as_array().unwrap();
    assert_eq!(contents.len(), 3, "user, the model's reply, the feedback");
    assert_eq!(contents[1], json!({"role": "model", "parts": [{"text": invalid.to_string()}]}));
    assert_eq!(contents[2]["role"], "user");
    let feedback = contents[2]["parts"][0]["text"].as_str().unwrap();
    assert!(feedback.contains("- salary: min_amount (250000) cannot exceed max_amount (200000)"), "{feedback}");
}

#[tokio::test]
async fn job_posting_analysis_request_body() {
    let server = MockServer::start().await;
    reply_once_at(&server, GENERATE, ok(gemini_text("{}", "STOP", 1, 1))).await;
    let _ = client(&server).request::<JobPostingAnalysis>().user("TEXT").max_retries(0).send().await;
    insta::assert_json_snapshot!("gemini_job_posting_analysis", bodies(&server).await.remove(0));
}

#[tokio::test]
async fn reasoning_comes_first_in_property_ordering() {
    let server = MockServer::start().await;
    let reply = json!({"reasoning": "The customer cannot log in.", "priority": "high", "category": "account"});
    reply_once_at(&server, GENERATE, ok(gemini_text(&reply.to_string(), "STOP", 1, 1))).await;
    let _ =
        client(&server).request::<SupportTriage>().user("I can't log in").temperature(0.2).max_tokens(300).send().await;
    let body = &bodies(&server).await[0];
    let schema = &body["generationConfig"]["responseSchema"];
    assert_eq!(schema["propertyOrdering"][0], "reasoning");
    assert_eq!(body["generationConfig"]["temperature"], json!(0.2));
    assert_eq!(body["generationConfig"]["maxOutputTokens"], 300);
}

#[tokio::test]
async fn json_mode_sends_no_schema_field_but_prompts_it() {
    let server = MockServer::start().await;
    reply_once_at(&server, GENERATE, ok(gemini_text(&valid_analysis().to_string(), "STOP", 1, 1))).await;
    client(&server).request::<JobPostingAnalysis>().user("posting").mode(Mode::Json).send().await.unwrap();
    let body = &bodies(&server).await[0];
    assert_eq!(body["generationConfig"], json!({"responseMimeType": "application/json"}));
    let system = body["systemInstruction"]["parts"][0]["text"].as_str().unwrap();
    assert!(system.contains("\"overall_confidence\""), "{system}");
}

#[tokio::test]
async fn truncation_safety_and_blocked_prompts() {
    let server = MockServer::start().await;
    reply_once_at(&server, GENERATE, ok(gemini_text("{\"job_title\": \"Sen", "MAX_TOKENS", 50, 8192))).await;
    reply_once_at(&server, GENERATE, ok(gemini_text("", "SAFETY", 50, 0))).await;
    let blocked = json!({
        "promptFeedback": {"blockReason": "PROHIBITED_CONTENT"},
        "usageMetadata": {"promptTokenCount": 12, "totalTokenCount": 12}
    });
    reply_once_at(&server, GENERATE, ok(blocked)).await;
    let client = client(&server);
    let err = client.extract::<JobPostingAnalysis>("posting").await.unwrap_err();
    let Error::Truncated { raw, usage } = &err else { panic!("{err:?}") };
    assert_eq!(raw, "{\"job_title\": \"Sen");
    assert_eq!(usage.completion_tokens, 8192);
    let err = client.extract::<JobPostingAnalysis>("posting").await.unwrap_err();
    assert!(matches!(&err, Error::Refusal { message, .. } if message.contains("SAFETY")), "{err:?}");
    let err = client.extract::<JobPostingAnalysis>("posting").await.unwrap_err();
    assert!(
        matches!(&err, Error::Refusal { message, usage } if message.contains("PROHIBITED_CONTENT") && usage.prompt_tokens == 12),
        "{err:?}"
    );
    assert_eq!(requests(&server).await.len(), 3, "none is re-asked");
}

/// One error reply, answered without retries; the error it ends in.
async fn error_for(status: u16, body: Value) -> Error {
    let server = MockServer::start().await;
    reply_once_at(&server, GENERATE, ResponseTemplate::new(status).set_body_json(body)).await;
    let client = provider_client(&server, Provider::Gemini, RetryPolicy::none());
    client.extract::<JobPostingAnalysis>("posting").await.unwrap_err()
}

#[tokio::test]
async fn error_bodies_map_to_the_shared_taxonomy() {
    let bad_key = json!([{"@type": "type.googleapis.com/google.rpc.ErrorInfo", "reason": "API_KEY_INVALID", "domain": "googleapis.com"}]);
    let err = error_for(
        400,
        gemini_error(400, "INVALID_ARGUMENT", "API key not valid. Please pass a valid API key.", bad_key),
    )
    .await;
    assert!(matches!(&err, Error::Authentication { status: 400, .. }), "{err:?}");
    let err =
        error_for(403, gemini_error(403, "PERMISSION_DENIED", "Method doesn't allow unregistered callers.", json!([])))
            .await;
    assert!(matches!(&err, Error::Authentication { status: 403, .. }), "{err:?}");
    let err = error_for(
        401,
        gemini_error(401, "UNAUTHENTICATED", "Request had invalid authentication credentials.", json!([])),
    )
    .await;
    assert!(matches!(&err, Error::Authentication { status: 401, .. }), "{err:?}");
    let per_minute = json!([
        {"@type": "type.googleapis.com/google.rpc.QuotaFailure", "violations": [{"quotaMetric": "generativelanguage.googleapis.com/generate_content_free_tier_requests", "quotaId": "GenerateRequestsPerMinutePerProjectPerModel-FreeTier"}]},
        {"@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": "26s"}
    ]);
    let err = error_for(
        429,
        gemini_error(
            429,
            "RESOURCE_EXHAUSTED",
            "You exceeded your current quota, please check your plan and billing details.",
            per_minute,
        ),
    )
    .await;
    assert!(
        matches!(&err, Error::RateLimited { retry_after: Some(wait), attempts: 1, .. } if wait.as_secs() == 26),
        "the body's RetryInfo is the wait: {err:?}"
    );
    let err = error_for(
        400,
        gemini_error(
            400,
            "INVALID_ARGUMENT",
            "Invalid JSON payload received. Unknown name \"additionalProperties\"",
            json!([]),
        ),
    )
    .await;
    assert!(
        matches!(&err, Error::InvalidRequest { status: 400, message } if message.starts_with("Invalid JSON payload")),
        "{err:?}"
    );
    let err = error_for(
        400,
        gemini_error(
            400,
            "INVALID_ARGUMENT",
            "The input token count (1200000) exceeds the maximum number of tokens allowed (1048576).",
            json!([]),
        ),
    )
    .await;
    assert!(matches!(&err, Error::ContextLengthExceeded { .. }), "{err:?}");
    let err = error_for(500, gemini_error(500, "INTERNAL", "An internal error has occurred.", json!([]))).await;
    assert!(matches!(&err, Error::Server { status: 500, .. }), "{err:?}");
    let err =
        error_for(503, gemini_error(503, "UNAVAILABLE", "The model is overloaded. Please try again later.", json!([])))
            .await;
    assert!(matches!(&err, Error::Server { status: 503, message, .. } if message.contains("overloaded")), "{err:?}");
}

#[tokio::test]
async fn a_daily_quota_fails_after_one_request() {
    let server = MockServer::start().await;
    let per_day = json!([{"@type": "type.googleapis.com/google.rpc.QuotaFailure", "violations": [{"quotaId": "GenerateRequestsPerDayPerProjectPerModel-FreeTier"}]}]);
    let body = gemini_error(429, "RESOURCE_EXHAUSTED", "You exceeded your current quota.", per_day);
    reply_once_at(&server, GENERATE, ResponseTemplate::new(429).set_body_json(body)).await;
    let err = client(&server).extract::<JobPostingAnalysis>("posting").await.unwrap_err();
    assert!(matches!(&err, Error::QuotaExhausted { .. }), "{err:?}");
    assert_eq!(requests(&server).await.len(), 1);
}

#[tokio::test]
async fn rate_limits_and_unavailable_are_retried_until_success() {
    let server = MockServer::start().await;
    let wait = json!([{"@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": "0.01s"}]);
    let limited = gemini_error(429, "RESOURCE_EXHAUSTED", "Resource has been exhausted (e.g. check quota).", wait);
    reply_once_at(&server, GENERATE, ResponseTemplate::new(429).set_body_json(limited)).await;
    let unavailable = gemini_error(503, "UNAVAILABLE", "The model is overloaded.", json!([]));
    reply_once_at(&server, GENERATE, ResponseTemplate::new(503).set_body_json(unavailable)).await;
    reply_once_at(&server, GENERATE, ok(gemini_text(&valid_analysis().to_string(), "STOP", 5, 5))).await;
    client(&server).extract::<JobPostingAnalysis>("posting").await.unwrap();
    assert_eq!(requests(&server).await.len(), 3);
}

#[tokio::test]
async fn the_key_shows_nowhere() {
    let server = MockServer::start().await;
    let echo = gemini_error(
        400,
        "INVALID_ARGUMENT",
        &format!("API key not valid: {SECRET}"),
        json!([{"reason": "API_KEY_INVALID"}]),
    );
    reply_once_at(&server, GENERATE, ResponseTemplate::new(400).set_body_json(echo)).await;
    let client = client(&server);
    let err = client.extract::<JobPostingAnalysis>("posting").await.unwrap_err();
    assert!(matches!(&err, Error::Authentication { .. }), "{err:?}");
    let builder = Client::builder().gemini().api_key(SECRET);
    for shown in [err.to_string(), format!("{err:?}"), format!("{client:?}"), format!("{builder:?}")] {
        assert!(!shown.contains(SECRET), "{shown}");
        assert!(!shown.contains("9f8e7d6c5b4a"), "{shown}");
    }
}

/// A tree, which a schema without references cannot hold.
#[derive(Extract, Deserialize, JsonSchema, Debug)]
struct Node {
    name: String,
    children: Vec<Node>,
}

#[tokio::test]
async fn a_recursive_type_fails_before_any_request_naming_it() {
    let server = MockServer::start().await;
    let err = client(&server).extract::<Node>("x").await.unwrap_err();
    let Error::Schema(SchemaError::Recursive { type_name, .. }) = &err else { panic!("{err:?}") };
    assert_eq!(type_name, "Node");
    assert!(err.to_string().contains("`Node`"), "{err}");
    assert!(requests(&server).await.is_empty());
    // Without a schema field, the same type is fine.
    reply_once_at(&server, GENERATE, ok(gemini_text(r#"{"name": "root", "children": []}"#, "STOP", 1, 1))).await;
    let node: Node = client(&server).request().user("x").mode(Mode::Json).send().await.unwrap();
    assert_eq!(node.name, "root");
}

#[tokio::test]
async fn a_retry_delay_too_large_for_a_duration_is_too_long_not_a_panic() {
    for delay in ["1e20s", "99999999999999999999s", "1.7976931348623157e308s"] {
        let details = json!([{"@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": delay}]);
        let err = error_for(429, gemini_error(429, "RESOURCE_EXHAUSTED", "Slow down.", details)).await;
        assert!(
            matches!(&err, Error::RateLimited { retry_after: Some(wait), attempts: 1, .. } if wait.as_secs() > 3600),
            "{delay}: {err:?}"
        );
    }
}

#[tokio::test]
async fn finish_reasons_without_an_answer_end_in_a_refusal() {
    let server = MockServer::start().await;
    for reason in ["IMAGE_PROHIBITED_CONTENT", "OTHER", "LANGUAGE"] {
        reply_once_at(&server, GENERATE, ok(gemini_text("", reason, 50, 0))).await;
    }
    let client = client(&server);
    for reason in ["IMAGE_PROHIBITED_CONTENT", "OTHER", "LANGUAGE"] {
        let err = client.extract::<JobPostingAnalysis>("posting").await.unwrap_err();
        assert!(matches!(&err, Error::Refusal { message, .. } if message.contains(reason)), "{reason}: {err:?}");
    }
    assert_eq!(requests(&server).await.len(), 3, "none is re-asked");
}

#[tokio::test]
async fn an_unknown_model_says_so_plainly() {
    let message = "models/gemini-1.0-pro is not found for API version v1beta, or is not supported for generateContent. Call ListModels to see the list of available models and their supported methods.";
    let err = error_for(404, gemini_error(404, "NOT_FOUND", message, json!([]))).await;
    assert!(
        matches!(&err, Error::InvalidRequest { status: 404, message } if message.starts_with("model not found: gemini-1.0-pro (")),
        "{err:?}"
    );
}

/// The path Gemini answers on for `gemini-2.5-flash`, which reads `responseJsonSchema`.
const GENERATE_25: &str = "/v1beta/models/gemini-2.5-flash:generateContent";

#[tokio::test]
async fn current_models_get_a_json_schema_with_references() {
    let server = MockServer::start().await;
    reply_once_at(&server, GENERATE_25, ok(gemini_text(&valid_analysis().to_string(), "STOP", 1, 1))).await;
    let client = client(&server);
    client.request::<JobPostingAnalysis>().user("TEXT").model("gemini-2.5-flash").send().await.unwrap();
    let body = bodies(&server).await.remove(0);
    insta::assert_json_snapshot!("gemini_job_posting_analysis_json_schema", body);
    let config = &body["generationConfig"];
    assert_eq!(config["responseMimeType"], "application/json");
    assert!(config.get("responseSchema").is_none(), "{config}");
    let schema = &config["responseJsonSchema"];
    assert!(schema["$defs"].is_object(), "references are kept: {schema}");
    assert_eq!(schema["properties"]["company_name"]["type"], json!(["string", "null"]));
    assert_eq!(schema["additionalProperties"], false);
}

#[tokio::test]
async fn a_recursive_type_goes_as_it_is_in_a_json_schema() {
    let server = MockServer::start().await;
    let reply = r#"{"name": "root", "children": [{"name": "leaf", "children": []}]}"#;
    reply_once_at(&server, GENERATE_25, ok(gemini_text(reply, "STOP", 1, 1))).await;
    let node: Node = client(&server).request().user("x").model("gemini-2.5-flash").send().await.unwrap();
    assert_eq!(node.children[0].name, "leaf");
    let body = &bodies(&server).await[0];
    let schema = &body["generationConfig"]["responseJsonSchema"];
    assert!(schema.to_string().contains("\"$ref\""), "{schema}");
}

#[tokio::test]
async fn tools_mode_and_older_models_keep_the_response_schema() {
    let server = MockServer::start().await;
    let reply = ok(gemini_text(&valid_analysis().to_string(), "STOP", 1, 1));
    Mock::given(method("POST")).respond_with(reply).mount(&server).await;
    let client = client(&server);
    client.request::<JobPostingAnalysis>().user("x").model("gemini-2.5-flash").mode(Mode::Tools).send().await.unwrap();
    client.request::<JobPostingAnalysis>().user("x").model("gemini-2.0-flash").send().await.unwrap();
    for body in bodies(&server).await {
        let config = &body["generationConfig"];
        assert_eq!(config["responseSchema"]["type"], "OBJECT", "{config}");
        assert!(config.get("responseJsonSchema").is_none(), "{config}");
    }
}
