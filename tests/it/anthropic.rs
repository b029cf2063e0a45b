//! Anthropic's Messages API against a local mock server: request shape, the forced
//! tool, re-asks as `tool_result` errors, and the error taxonomy.

use crate::support;

use crate::support::MockServer;
use pluck::{Client, Error, Mode, Provider, RetryPolicy};
use serde_json::{json, Value};
use support::job::JobPostingAnalysis;
use support::*;
use wiremock::matchers::{method, path};
use wiremock::{Mock, ResponseTemplate};

fn client(server: &MockServer) -> Client {
    provider_client(server, Provider::Anthropic, fast_retries())
}

#[tokio::test]
async fn a_forced_tool_call_is_reasked_as_a_tool_result_error() {
    let server = MockServer::start().await;
    let mut invalid = valid_analysis();
    invalid["categories"][0]["confidence"] = json!(7);
    let first = anthropic_tool_use("toolu_01A09q90qw90lq917835lq9", "JobPostingAnalysis", invalid.clone(), 410, 95);
    reply_once_at(&server, MESSAGES, ok(first)).await;
    let second = anthropic_tool_use("toolu_02B", "JobPostingAnalysis", valid_analysis(), 620, 90);
    reply_once_at(&server, MESSAGES, ok(second)).await;

    let extracted =
        client(&server).request::<JobPostingAnalysis>().user(job::SAMPLE_POSTING).send_with_usage().await.unwrap();
    assert_eq!(extracted.attempts, 2);
    assert_eq!(extracted.usage.prompt_tokens, 1030);
    assert_eq!(extracted.usage.completion_tokens, 185);
    assert_eq!(extracted.usage.total_tokens, 1215);
    assert_eq!(extracted.value.categories[0].confidence, 0.9);

    let requests = requests(&server).await;
    assert_eq!(requests.len(), 2);
    let headers = &requests[0].headers;
    assert_eq!(headers.get("x-api-key").unwrap(), SECRET);
    assert_eq!(headers.get("anthropic-version").unwrap(), "2023-06-01");
    assert_eq!(headers.get("content-type").unwrap(), "application/json");
    assert!(headers.get("authorization").is_none(), "no bearer token for Anthropic");

    let bodies = bodies(&server).await;
    let body = &bodies[0];
    assert_eq!(body["model"], "test-model");
    assert_eq!(body["max_tokens"], 4096, "required by the API; defaulted");
    assert!(body["system"].as_str().unwrap().starts_with(pluck::DEFAULT_SYSTEM_PROMPT));
    assert_eq!(body["messages"], json!([{"role": "user", "content": job::SAMPLE_POSTING}]), "no system message");
    assert_eq!(
        body["tool_choice"],
        json!({"type": "tool", "name": "JobPostingAnalysis", "disable_parallel_tool_use": true})
    );
    let tool = &body["tools"][0];
    assert_eq!(tool["name"], "JobPostingAnalysis");
    assert_eq!(tool["description"], "What a job posting says, as far as the text supports it.");
    assert_eq!(tool["input_schema"]["type"], "object");
    assert_eq!(tool["input_schema"]["additionalProperties"], false);
    assert!(tool.get("function").is_none() && body.get("response_format").is_none());

    let messages = bodies[1]["messages"].as_array().unwrap();
    assert_eq!(messages.len(), 3, "user, the tool_use turn, the tool_result turn");
    assert_eq!(
        messages[1],
        json!({"role": "assistant", "content": [{"type": "tool_use", "id": "toolu_01A09q90qw90lq917835lq9", "name": "JobPostingAnalysis", "input": invalid}]})
    );
    assert_eq!(messages[2]["role"], "user");
    let result = &messages[2]["content"][0];
    assert_eq!(result["type"], "tool_result");
    assert_eq!(result["tool_use_id"], "toolu_01A09q90qw90lq917835lq9");
    assert_eq!(result["is_error"], true);
    let feedback = result["content"].as_str().unwrap();
    assert!(feedback.contains("- categories[0].confidence: must be at most 1, got 7"), "{feedback}");
}

#[tokio::test]
async fn job_posting_analysis_request_body() {
    let server = MockServer::start().await;
    reply_once_at(&server, MESSAGES, ok(anthropic_text("{}", "end_turn", 1, 1))).await;
    let _ = client(&server).request::<JobPostingAnalysis>().user("TEXT").max_retries(0).send().await;
    insta::assert_json_snapshot!("anthropic_job_posting_analysis", bodies(&server).await.remove(0));
}

#[tokio::test]
async fn prompt_modes_send_no_tool_and_read_text() {
    let server = MockServer::start().await;
    let reply = format!("Here it is:\n```json\n{}\n```", valid_analysis());
    reply_once_at(&server, MESSAGES, ok(anthropic_text("not json", "end_turn", 30, 5))).await;
    reply_once_at(&server, MESSAGES, ok(anthropic_text(&reply, "end_turn", 40, 50))).await;
    let extracted = client(&server)
        .request::<JobPostingAnalysis>()
        .system("You read job ads.")
        .user("posting")
        .mode(Mode::MdJson)
        .temperature(0.0)
        .max_tokens(800)
        .send_with_usage()
        .await
        .unwrap();
    assert_eq!(extracted.usage.total_tokens, 125);
    let bodies = bodies(&server).await;
    let body = &bodies[0];
    assert!(body.get("tools").is_none() && body.get("tool_choice").is_none());
    assert_eq!(body["max_tokens"], 800);
    assert_eq!(body["temperature"], 0.0);
    let system = body["system"].as_str().unwrap();
    assert!(system.starts_with("You read job ads.\n\nAnswer with one JSON object"), "{system}");
    assert!(system.contains("\"overall_confidence\""), "the schema is in the system prompt");
    let messages = &bodies[1]["messages"];
    assert_eq!(messages[1], json!({"role": "assistant", "content": "not json"}));
    assert_eq!(messages[2]["role"], "user");
    assert!(messages[2]["content"].as_str().unwrap().contains("the reply holds no JSON object"));
}

#[tokio::test]
async fn truncation_and_refusal() {
    let server = MockServer::start().await;
    let cut = json!({
        "id": "msg_01", "type": "message", "role": "assistant", "model": "test-model",
        "content": [{"type": "tool_use", "id": "toolu_01", "name": "JobPostingAnalysis", "input": {"job_title": "Senior"}}],
        "stop_reason": "max_tokens", "stop_sequence": null,
        "usage": {"input_tokens": 50, "output_tokens": 4096}
    });
    reply_once_at(&server, MESSAGES, ok(cut)).await;
    reply_once_at(&server, MESSAGES, ok(anthropic_text("I can't help with that.", "refusal", 10, 6))).await;
    let client = client(&server);
    let err = client.extract::<JobPostingAnalysis>("posting").await.unwrap_err();
    let Error::Truncated { raw, usage } = &err else { panic!("{err:?}") };
    assert_eq!(raw, r#"{"job_title":"Senior"}"#);
    assert_eq!(usage.completion_tokens, 4096);
    let err = client.extract::<JobPostingAnalysis>("posting").await.unwrap_err();
    assert!(
        matches!(&err, Error::Refusal { message, usage } if message == "I can't help with that." && usage.total_tokens == 16),
        "{err:?}"
    );
    assert_eq!(requests(&server).await.len(), 2, "neither is re-asked");
}

#[tokio::test]
async fn a_reply_cut_at_the_context_window_is_truncated() {
    let server = MockServer::start().await;
    let cut = anthropic_text(r#"{"job_title": "Sen"#, "model_context_window_exceeded", 199_000, 1000);
    reply_once_at(&server, MESSAGES, ok(cut)).await;
    let err = client(&server).extract::<JobPostingAnalysis>("posting").await.unwrap_err();
    assert!(matches!(&err, Error::Truncated { raw, .. } if raw == r#"{"job_title": "Sen"#), "{err:?}");
    assert_eq!(requests(&server).await.len(), 1, "not re-asked");
}

/// One error reply, answered without retries; the error it ends in.
async fn error_for(status: u16, body: Value) -> (Error, usize) {
    let server = MockServer::start().await;
    reply_once_at(&server, MESSAGES, ResponseTemplate::new(status).set_body_json(body)).await;
    let client = provider_client(&server, Provider::Anthropic, RetryPolicy::none());
    let err = client.extract::<JobPostingAnalysis>("posting").await.unwrap_err();
    (err, requests(&server).await.len())
}

#[tokio::test]
async fn error_bodies_map_to_the_shared_taxonomy() {
    let (err, _) = error_for(401, anthropic_error("authentication_error", "invalid x-api-key")).await;
    assert!(
        matches!(&err, Error::Authentication { status: 401, message } if message == "invalid x-api-key"),
        "{err:?}"
    );
    let (err, _) = error_for(403, anthropic_error("permission_error", "Your API key does not have permission")).await;
    assert!(matches!(&err, Error::Authentication { status: 403, .. }), "{err:?}");
    let (err, _) = error_for(
        429,
        anthropic_error("rate_limit_error", "Number of request tokens has exceeded your per-minute rate limit"),
    )
    .await;
    assert!(matches!(&err, Error::RateLimited { attempts: 1, .. }), "{err:?}");
    let (err, _) = error_for(400, anthropic_error("invalid_request_error", "Your credit balance is too low to access the Anthropic API. Please go to Plans & Billing to upgrade or purchase credits.")).await;
    assert!(matches!(&err, Error::QuotaExhausted { .. }), "{err:?}");
    let (err, _) =
        error_for(400, anthropic_error("invalid_request_error", "tools.0.input_schema: JSON schema is invalid")).await;
    assert!(
        matches!(&err, Error::InvalidRequest { status: 400, message } if message == "tools.0.input_schema: JSON schema is invalid"),
        "{err:?}"
    );
    let (err, _) =
        error_for(400, anthropic_error("invalid_request_error", "prompt is too long: 208656 tokens > 200000 maximum"))
            .await;
    assert!(matches!(&err, Error::ContextLengthExceeded { .. }), "{err:?}");
    let (err, _) = error_for(500, anthropic_error("api_error", "Internal server error")).await;
    assert!(matches!(&err, Error::Server { status: 500, attempts: 1, .. }), "{err:?}");
    let (err, _) = error_for(529, anthropic_error("overloaded_error", "Overloaded")).await;
    assert!(matches!(&err, Error::Server { status: 529, message, .. } if message == "Overloaded"), "{err:?}");
}

#[tokio::test]
async fn spent_quota_is_never_retried() {
    let server = MockServer::start().await;
    let body = json!({"type": "error", "error": {"type": "rate_limit_error", "message": "You have reached your specified workspace API usage limits.", "details": {"error_code": "enforced_spend_limit_reached"}}});
    reply_once_at(&server, MESSAGES, ResponseTemplate::new(429).set_body_json(body)).await;
    let err = client(&server).extract::<JobPostingAnalysis>("posting").await.unwrap_err();
    assert!(matches!(&err, Error::QuotaExhausted { .. }), "{err:?}");
    assert_eq!(requests(&server).await.len(), 1);
}

#[tokio::test]
async fn overloaded_and_rate_limited_are_retried_until_success() {
    let server = MockServer::start().await;
    let overloaded = ResponseTemplate::new(529).set_body_json(anthropic_error("overloaded_error", "Overloaded"));
    reply_once_at(&server, MESSAGES, overloaded).await;
    let limited = ResponseTemplate::new(429)
        .insert_header("retry-after", "0")
        .set_body_json(anthropic_error("rate_limit_error", "rate limited"));
    reply_once_at(&server, MESSAGES, limited).await;
    let valid = anthropic_tool_use("toolu_01", "JobPostingAnalysis", valid_analysis(), 10, 10);
    reply_once_at(&server, MESSAGES, ok(valid)).await;
    let extracted = client(&server).request::<JobPostingAnalysis>().user("posting").send_with_usage().await.unwrap();
    assert_eq!(extracted.attempts, 1, "transport retries are not re-asks");
    assert_eq!(requests(&server).await.len(), 3);
}

#[tokio::test]
async fn the_key_shows_nowhere() {
    let server = MockServer::start().await;
    let echo = anthropic_error("authentication_error", &format!("invalid x-api-key: {SECRET}"));
    reply_once_at(&server, MESSAGES, ResponseTemplate::new(401).set_body_json(echo)).await;
    let client = client(&server);
    let err = client.extract::<JobPostingAnalysis>("posting").await.unwrap_err();
    assert!(matches!(&err, Error::Authentication { .. }), "{err:?}");
    let builder = Client::builder().anthropic().api_key(SECRET);
    for shown in [err.to_string(), format!("{err:?}"), format!("{client:?}"), format!("{builder:?}")] {
        assert!(!shown.contains(SECRET), "{shown}");
        assert!(!shown.contains("9f8e7d6c5b4a"), "{shown}");
    }
}

#[test]
fn the_anthropic_api_needs_a_key() {
    let err = Client::builder().anthropic().build().unwrap_err();
    assert!(
        matches!(err, Error::Config(pluck::ConfigError::MissingApiKey { provider: Provider::Anthropic })),
        "{err:?}"
    );
    assert!(err.to_string().contains("ANTHROPIC_API_KEY"), "{err}");
}

#[tokio::test]
async fn the_default_model_is_a_current_one() {
    let server = MockServer::start().await;
    let valid = anthropic_tool_use("toolu_01", "JobPostingAnalysis", valid_analysis(), 10, 10);
    reply_once_at(&server, MESSAGES, ok(valid)).await;
    let client = Client::builder().anthropic().base_url(server.uri()).api_key(SECRET).build().unwrap();
    client.extract::<JobPostingAnalysis>("posting").await.unwrap();
    assert_eq!(bodies(&server).await[0]["model"], "claude-haiku-4-5", "claude-3-5-haiku was retired on 2026-02-19");
}

#[tokio::test]
async fn an_unknown_model_says_so_plainly() {
    let (err, sent) = error_for(404, anthropic_error("not_found_error", "model: claude-3-5-haiku-latest")).await;
    assert!(
        matches!(&err, Error::InvalidRequest { status: 404, message } if message == "model not found: claude-3-5-haiku-latest"),
        "{err:?}"
    );
    assert_eq!(sent, 1);
}

#[tokio::test]
async fn a_context_overflow_is_context_length_exceeded() {
    for message in [
        "input length and `max_tokens` exceed context limit: 197353 + 4096 > 200000, decrease input length or `max_tokens` and try again",
        "prompt is too long: 208656 tokens > 200000 maximum",
    ] {
        let (err, sent) = error_for(400, anthropic_error("invalid_request_error", message)).await;
        assert!(matches!(&err, Error::ContextLengthExceeded { message: said, .. } if said == message), "{err:?}");
        assert_eq!(sent, 1, "not retried");
    }
}

#[tokio::test]
async fn the_forced_tool_is_the_only_tool_call() {
    let server = MockServer::start().await;
    let valid = anthropic_tool_use("toolu_01", "JobPostingAnalysis", valid_analysis(), 10, 10);
    reply_once_at(&server, MESSAGES, ok(valid)).await;
    client(&server).extract::<JobPostingAnalysis>("posting").await.unwrap();
    assert_eq!(
        bodies(&server).await[0]["tool_choice"],
        json!({"type": "tool", "name": "JobPostingAnalysis", "disable_parallel_tool_use": true})
    );
}

#[tokio::test]
async fn current_models_get_the_schema_as_their_output_format() {
    let server = MockServer::start().await;
    let mut invalid = valid_analysis();
    invalid["overall_confidence"] = json!(7);
    reply_once_at(&server, MESSAGES, ok(anthropic_text(&invalid.to_string(), "end_turn", 400, 90))).await;
    reply_once_at(&server, MESSAGES, ok(anthropic_text(&valid_analysis().to_string(), "end_turn", 600, 90))).await;
    let client = Client::builder()
        .anthropic()
        .base_url(server.uri())
        .api_key(SECRET)
        .retry_policy(fast_retries())
        .build()
        .unwrap();
    assert_eq!(client.mode(), Mode::JsonSchema);
    let extracted = client.request::<JobPostingAnalysis>().user("TEXT").send_with_usage().await.unwrap();
    assert_eq!((extracted.attempts, extracted.usage.total_tokens), (2, 1180));

    let bodies = bodies(&server).await;
    insta::assert_json_snapshot!("anthropic_job_posting_analysis_output_config", bodies[0]);
    let format = &bodies[0]["output_config"]["format"];
    assert_eq!(format["type"], "json_schema");
    assert_eq!(format["schema"]["additionalProperties"], false);
    assert!(!format.to_string().contains("\"minimum\""), "bounds are in the descriptions: {format}");
    assert!(bodies[0].get("tools").is_none() && bodies[0].get("tool_choice").is_none());
    let messages = bodies[1]["messages"].as_array().unwrap();
    assert_eq!(messages[1], json!({"role": "assistant", "content": invalid.to_string()}));
    assert!(messages[2]["content"].as_str().unwrap().contains("overall_confidence: must be at most 1, got 7"));
}

#[tokio::test]
async fn older_models_and_tools_mode_get_the_forced_tool() {
    let server = MockServer::start().await;
    let valid = anthropic_tool_use("toolu_01", "JobPostingAnalysis", valid_analysis(), 10, 10);
    Mock::given(method("POST")).and(path(MESSAGES)).respond_with(ok(valid)).mount(&server).await;
    let client = client(&server);
    let request =
        |model: &'static str, mode: Mode| client.request::<JobPostingAnalysis>().user("x").model(model).mode(mode);
    request("claude-3-5-haiku-20241022", Mode::JsonSchema).send().await.unwrap();
    request("claude-haiku-4-5", Mode::Tools).send().await.unwrap();
    let bodies = bodies(&server).await;
    for body in &bodies {
        assert!(body.get("output_config").is_none(), "{body}");
        assert_eq!(body["tool_choice"]["name"], "JobPostingAnalysis");
    }
    assert!(bodies[0]["tools"][0].get("strict").is_none(), "older models know no strict tools");
    assert_eq!(bodies[1]["tools"][0]["strict"], true);
}
