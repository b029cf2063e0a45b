//! Transport retries and error classification against a local mock server.

use crate::support;

use crate::support::MockServer;
use pluck::{Client, Error, Mode, RetryPolicy};
use serde_json::json;
use std::time::{Duration, Instant};
use support::job::JobPostingAnalysis;
use support::*;
use wiremock::ResponseTemplate;

fn analysis_reply() -> ResponseTemplate {
    ok(completion(&valid_analysis().to_string(), 10, 10))
}

#[tokio::test]
async fn rate_limit_with_retry_after_ms_then_success() {
    for (value, wait) in [("30", Duration::from_millis(30)), ("12.5", Duration::from_micros(12_500))] {
        let server = MockServer::start().await;
        let limited = ResponseTemplate::new(429).insert_header("retry-after-ms", value).set_body_json(
            json!({"error": {"message": "Rate limit reached", "type": "requests", "code": "rate_limit_exceeded"}}),
        );
        reply_once(&server, limited).await;
        reply_once(&server, analysis_reply()).await;
        // A slow backoff, so that a fast retry proves the header was used.
        let client = Client::builder()
            .base_url(format!("{}/v1", server.uri()))
            .api_key(SECRET)
            .retry_policy(
                RetryPolicy::default().initial_delay(Duration::from_secs(30)).max_delay(Duration::from_secs(30)),
            )
            .build()
            .unwrap();
        let started = Instant::now();
        client.extract::<JobPostingAnalysis>("posting").await.unwrap();
        let waited = started.elapsed();
        assert_eq!(server.received_requests().await.unwrap().len(), 2, "{value}");
        assert!(waited >= wait, "{value}: waited {waited:?}");
        assert!(waited < Duration::from_secs(10), "{value}: used the backoff instead of retry-after-ms: {waited:?}");
    }
}

#[tokio::test]
async fn insufficient_quota_fails_after_exactly_one_request() {
    let server = MockServer::start().await;
    let quota = ResponseTemplate::new(429).set_body_json(json!({
        "error": {"message": "You exceeded your current quota, please check your plan and billing details.", "type": "insufficient_quota", "code": "insufficient_quota"}
    }));
    reply_always(&server, quota).await;
    let err = client(&server, Mode::JsonSchema).extract::<JobPostingAnalysis>("posting").await.unwrap_err();
    assert!(
        matches!(&err, Error::QuotaExhausted { message } if message.contains("exceeded your current quota")),
        "{err:?}"
    );
    assert_eq!(server.received_requests().await.unwrap().len(), 1);
}

#[tokio::test]
async fn server_errors_are_retried_until_success() {
    let server = MockServer::start().await;
    reply_once(&server, ResponseTemplate::new(500).set_body_string("boom")).await;
    reply_once(&server, ResponseTemplate::new(503).set_body_json(json!({"error": {"message": "overloaded"}}))).await;
    reply_once(&server, analysis_reply()).await;
    client(&server, Mode::JsonSchema).extract::<JobPostingAnalysis>("posting").await.unwrap();
    assert_eq!(server.received_requests().await.unwrap().len(), 3);
}

#[tokio::test]
async fn server_errors_past_the_budget_end_in_a_server_error() {
    let server = MockServer::start().await;
    reply_always(&server, ResponseTemplate::new(502).set_body_json(json!({"error": {"message": "bad gateway"}}))).await;
    let err = client(&server, Mode::JsonSchema).extract::<JobPostingAnalysis>("posting").await.unwrap_err();
    assert!(
        matches!(&err, Error::Server { status: 502, attempts: 4, message, .. } if message == "bad gateway"),
        "{err:?}"
    );
    assert_eq!(server.received_requests().await.unwrap().len(), 4, "1 request + 3 retries by default");
}

#[tokio::test]
async fn unauthorized_fails_at_once_and_never_shows_the_key() {
    let server = MockServer::start().await;
    let body = json!({"error": {"message": format!("Incorrect API key provided: {SECRET}. You can find your API key at ..."), "type": "invalid_request_error", "code": "invalid_api_key"}});
    reply_always(&server, ResponseTemplate::new(401).set_body_json(body)).await;
    let client = client(&server, Mode::JsonSchema);
    let err = client.extract::<JobPostingAnalysis>("posting").await.unwrap_err();
    assert!(matches!(&err, Error::Authentication { status: 401, .. }), "{err:?}");
    assert_eq!(server.received_requests().await.unwrap().len(), 1);
    let request = &server.received_requests().await.unwrap()[0];
    assert_eq!(request.headers.get("authorization").unwrap(), &format!("Bearer {SECRET}"), "the key is sent");
    for shown in
        [err.to_string(), format!("{err:?}"), format!("{client:?}"), format!("{:?}", Client::builder().api_key(SECRET))]
    {
        assert!(!shown.contains(SECRET), "{shown}");
        assert!(!shown.contains("9f8e7d6c5b4a"), "{shown}");
    }
}

#[tokio::test]
async fn invalid_requests_and_context_length_are_not_retried() {
    let server = MockServer::start().await;
    reply_once(
        &server,
        ResponseTemplate::new(400).set_body_json(
            json!({"error": {"message": "Invalid schema for response_format", "type": "invalid_request_error"}}),
        ),
    )
    .await;
    reply_once(&server, ResponseTemplate::new(400).set_body_json(json!({"error": {"message": "This model's maximum context length is 128000 tokens.", "code": "context_length_exceeded"}}))).await;
    reply_once(
        &server,
        ResponseTemplate::new(404).set_body_json(json!({"error": {"message": "The model `nope` does not exist"}})),
    )
    .await;
    let client = client(&server, Mode::JsonSchema);
    let err = client.extract::<JobPostingAnalysis>("x").await.unwrap_err();
    assert!(
        matches!(&err, Error::InvalidRequest { status: 400, message } if message == "Invalid schema for response_format"),
        "{err:?}"
    );
    let err = client.extract::<JobPostingAnalysis>("x").await.unwrap_err();
    assert!(matches!(&err, Error::ContextLengthExceeded { .. }), "{err:?}");
    let err = client.extract::<JobPostingAnalysis>("x").await.unwrap_err();
    assert!(matches!(&err, Error::InvalidRequest { status: 404, .. }), "{err:?}");
    assert_eq!(server.received_requests().await.unwrap().len(), 3);
}

#[tokio::test]
async fn a_slow_server_times_out_after_the_retries() {
    let server = MockServer::start().await;
    reply_always(&server, analysis_reply().set_delay(Duration::from_millis(500))).await;
    let client = Client::builder()
        .base_url(format!("{}/v1", server.uri()))
        .api_key(SECRET)
        .timeout(Duration::from_millis(50))
        .retry_policy(RetryPolicy::default().retries(1).initial_delay(Duration::from_millis(1)))
        .build()
        .unwrap();
    let err = client.extract::<JobPostingAnalysis>("x").await.unwrap_err();
    assert!(matches!(err, Error::Timeout { attempts: 2 }), "{err:?}");
}

#[tokio::test]
async fn a_closed_port_is_a_connection_error() {
    // Bind then drop a listener, so the port is (almost certainly) closed.
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let client = Client::builder()
        .base_url(format!("http://127.0.0.1:{port}/v1"))
        .retry_policy(RetryPolicy::default().retries(2).initial_delay(Duration::from_millis(1)))
        .build()
        .unwrap();
    let err = client.extract::<JobPostingAnalysis>("x").await.unwrap_err();
    assert!(matches!(&err, Error::Connection { attempts: 3, .. }), "{err:?}");
}

#[tokio::test]
async fn a_long_retry_after_is_returned_not_waited() {
    let server = MockServer::start().await;
    reply_always(&server, ResponseTemplate::new(429).insert_header("retry-after", "600")).await;
    let err = client(&server, Mode::JsonSchema).extract::<JobPostingAnalysis>("x").await.unwrap_err();
    assert!(
        matches!(err, Error::RateLimited { retry_after: Some(d), attempts: 1, .. } if d == Duration::from_secs(600)),
        "{err:?}"
    );
}

#[tokio::test]
async fn the_openai_api_without_a_key_is_a_config_error() {
    let err = Client::builder().build().unwrap_err();
    assert!(
        matches!(err, Error::Config(pluck::ConfigError::MissingApiKey { provider: pluck::Provider::OpenAi })),
        "{err:?}"
    );
    assert!(err.to_string().contains("OPENAI_API_KEY"));
    let err = Client::builder().base_url("not a url").build().unwrap_err();
    assert!(matches!(err, Error::Config(pluck::ConfigError::InvalidBaseUrl { .. })), "{err:?}");
}

/// The error and the request count of a client with 3 fast retries against a server
/// that always answers `response`.
async fn outcome_of(response: ResponseTemplate) -> (Error, usize) {
    let server = MockServer::start().await;
    reply_always(&server, response).await;
    let err = client(&server, Mode::JsonSchema).extract::<JobPostingAnalysis>("x").await.unwrap_err();
    (err, server.received_requests().await.unwrap().len())
}

#[tokio::test]
async fn a_wait_too_large_for_a_duration_is_too_long_not_a_panic() {
    for (name, value) in [
        ("retry-after", "1e20"),
        ("retry-after", "99999999999999999999"),
        ("retry-after-ms", "1e30"),
        ("retry-after", "1.7976931348623157e308"),
    ] {
        let (err, requests) = outcome_of(ResponseTemplate::new(429).insert_header(name, value)).await;
        assert!(
            matches!(err, Error::RateLimited { retry_after: Some(wait), attempts: 1, .. } if wait > Duration::from_secs(3600)),
            "{name}: {value}: {err:?}"
        );
        assert_eq!(requests, 1, "{name}: {value}");
    }
}

#[tokio::test]
async fn a_server_error_asking_for_a_long_wait_keeps_the_wait() {
    let maintenance = ResponseTemplate::new(503)
        .insert_header("retry-after", "300")
        .set_body_json(json!({"error": {"message": "maintenance"}}));
    let (err, requests) = outcome_of(maintenance).await;
    assert!(
        matches!(&err, Error::Server { status: 503, retry_after: Some(wait), attempts: 1, .. } if *wait == Duration::from_secs(300)),
        "{err:?}"
    );
    assert_eq!(requests, 1);
    assert_eq!(err.retry_after(), Some(Duration::from_secs(300)));
}

/// A wait of zero, or a date already past, asks for nothing: the backoff applies, and
/// the error carries no wait.
#[tokio::test]
async fn a_zero_or_past_retry_after_falls_back_to_the_backoff() {
    for value in ["0", "-0", "0.0", "Wed, 21 Oct 2015 07:28:00 GMT"] {
        let (err, requests) = outcome_of(ResponseTemplate::new(429).insert_header("retry-after", value)).await;
        assert!(matches!(err, Error::RateLimited { retry_after: None, attempts: 4, .. }), "{value}: {err:?}");
        assert_eq!(requests, 4, "{value}");
    }
    let (err, _) = outcome_of(ResponseTemplate::new(429).insert_header("retry-after-ms", "0")).await;
    assert!(matches!(err, Error::RateLimited { retry_after: None, attempts: 4, .. }), "{err:?}");
}

#[tokio::test]
async fn insufficient_quota_inside_a_json_array_is_quota_exhausted() {
    let body = json!([{"error": {"message": "You exceeded your current quota", "type": "insufficient_quota", "code": "insufficient_quota"}}]);
    let (err, requests) = outcome_of(ResponseTemplate::new(429).set_body_json(body)).await;
    assert!(
        matches!(&err, Error::QuotaExhausted { message } if message.contains("exceeded your current quota")),
        "{err:?}"
    );
    assert_eq!(requests, 1);
}

/// A wait that is no length of time (negative, infinite, not a number) asks for
/// nothing: the backoff applies.
#[tokio::test]
async fn a_negative_infinite_or_nan_retry_after_falls_back_to_the_backoff() {
    for name in ["retry-after", "retry-after-ms"] {
        for value in ["-1", "inf", "-inf", "infinity", "nan", "NaN"] {
            let (err, requests) = outcome_of(ResponseTemplate::new(429).insert_header(name, value)).await;
            assert!(
                matches!(err, Error::RateLimited { retry_after: None, attempts: 4, .. }),
                "{name}: {value}: {err:?}"
            );
            assert_eq!(requests, 4, "{name}: {value}");
        }
    }
}

/// Just past what the policy honours (120 s), in seconds or as a date: not waited,
/// the wait returned.
#[tokio::test]
async fn a_wait_past_the_policy_ends_the_retries_with_the_wait() {
    let (err, requests) = outcome_of(ResponseTemplate::new(429).insert_header("retry-after", "121")).await;
    assert!(
        matches!(err, Error::RateLimited { retry_after: Some(wait), attempts: 1, .. } if wait == Duration::from_secs(121)),
        "{err:?}"
    );
    assert_eq!(requests, 1);
    let later = httpdate::fmt_http_date(std::time::SystemTime::now() + Duration::from_secs(3600));
    let (err, requests) = outcome_of(ResponseTemplate::new(429).insert_header("retry-after", later.as_str())).await;
    let wait = err.retry_after().expect("the wait");
    assert!(wait > Duration::from_secs(3500) && wait <= Duration::from_secs(3600), "{wait:?}");
    assert!(matches!(err, Error::RateLimited { attempts: 1, .. }), "{err:?}");
    assert_eq!(requests, 1);
}

/// However the body says `insufficient_quota`: never retried.
#[tokio::test]
async fn insufficient_quota_in_type_code_or_top_level_type_is_quota_exhausted() {
    let message = "You exceeded your current quota";
    for body in [
        json!({"error": {"message": message, "type": "insufficient_quota"}}),
        json!({"error": {"message": message, "code": "insufficient_quota"}}),
        json!({"message": message, "type": "insufficient_quota"}),
    ] {
        let (err, requests) = outcome_of(ResponseTemplate::new(429).set_body_json(&body)).await;
        assert!(matches!(&err, Error::QuotaExhausted { message: said } if said == message), "{body}: {err:?}");
        assert_eq!(requests, 1, "{body}");
    }
}

#[tokio::test]
async fn an_overloaded_529_is_retried() {
    let server = MockServer::start().await;
    reply_once(&server, ResponseTemplate::new(529).set_body_json(json!({"error": {"message": "Overloaded"}}))).await;
    reply_once(&server, analysis_reply()).await;
    client(&server, Mode::JsonSchema).extract::<JobPostingAnalysis>("posting").await.unwrap();
    assert_eq!(server.received_requests().await.unwrap().len(), 2);
}

/// `x-should-retry` overrides the status, both ways.
#[tokio::test]
async fn x_should_retry_is_honoured() {
    let server = MockServer::start().await;
    let conflict = json!({"error": {"message": "try again"}});
    reply_once(&server, ResponseTemplate::new(400).insert_header("x-should-retry", "true").set_body_json(&conflict))
        .await;
    reply_once(&server, analysis_reply()).await;
    client(&server, Mode::JsonSchema).extract::<JobPostingAnalysis>("posting").await.unwrap();
    assert_eq!(server.received_requests().await.unwrap().len(), 2);
    let (err, requests) =
        outcome_of(ResponseTemplate::new(503).insert_header("x-should-retry", "false").set_body_json(&conflict)).await;
    assert!(matches!(err, Error::Server { status: 503, attempts: 1, .. }), "{err:?}");
    assert_eq!(requests, 1);
}

/// A 2xx reply that is not a chat completion is a typed error, not a panic or a value,
/// and is not sent again.
#[tokio::test]
async fn a_200_that_is_no_completion_is_a_decode_error() {
    let html = ResponseTemplate::new(200).set_body_raw("<html><body>Gateway</body></html>", "text/html");
    let no_choices = ok(json!({"id": "chatcmpl-1", "object": "chat.completion", "choices": []}));
    for (what, reply) in [("empty", ResponseTemplate::new(200)), ("HTML", html), ("choice-less", no_choices)] {
        let (err, requests) = outcome_of(reply).await;
        assert!(matches!(err, Error::Decode { .. }), "{what}: {err:?}");
        assert_eq!(requests, 1, "{what}");
    }
}
