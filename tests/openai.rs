//! OpenAI's own API against local servers: what its endpoint accepts per mode and
//! model, and how it names an unknown model.

mod support;

use pluck::{Client, ConfigError, Error, Mode, RetryPolicy};
use serde_json::json;
use support::job::JobPostingAnalysis;
use support::*;
use wiremock::{MockServer, ResponseTemplate};

#[tokio::test]
async fn an_unknown_model_says_so_plainly() {
    let server = MockServer::start().await;
    let body = json!({"error": {
        "message": "The model `gpt-4o-minii` does not exist or you do not have access to it.",
        "type": "invalid_request_error", "param": null, "code": "model_not_found"
    }});
    reply_always(&server, ResponseTemplate::new(404).set_body_json(body)).await;
    let err = client(&server, Mode::JsonSchema).extract::<JobPostingAnalysis>("posting").await.unwrap_err();
    assert!(
        matches!(&err, Error::InvalidRequest { status: 404, message } if message.starts_with("model not found: gpt-4o-minii")),
        "{err:?}"
    );
    assert_eq!(requests(&server).await.len(), 1, "not retried");
}

/// A client whose base URL is OpenAI's own, but whose requests can only reach a closed
/// port on this machine: a request that was sent ends in a connection error.
fn openai_client(mode: Mode) -> Client {
    let http = reqwest::Client::builder().resolve("api.openai.com", "127.0.0.1:9".parse().unwrap());
    Client::builder().api_key(SECRET).mode(mode).http_client(http).retry_policy(RetryPolicy::none()).build().unwrap()
}

#[tokio::test]
async fn llama_cpp_mode_is_refused_by_openai_before_any_request() {
    for client in [openai_client(Mode::JsonObjectSchema), openai_client(Mode::JsonSchema)] {
        let err = client.request::<JobPostingAnalysis>().user("posting").mode(Mode::JsonObjectSchema).send().await;
        let err = err.unwrap_err();
        assert!(
            matches!(
                &err,
                Error::Config(ConfigError::UnsupportedMode {
                    mode: Mode::JsonObjectSchema,
                    instead: Mode::JsonSchema,
                    ..
                })
            ),
            "{err:?}"
        );
        assert!(err.to_string().contains("Mode::JsonSchema"), "{err}");
    }
    let err = openai_client(Mode::Json).extract::<JobPostingAnalysis>("posting").await.unwrap_err();
    assert!(matches!(err, Error::Connection { .. }), "JSON mode is sent: {err:?}");
}

#[tokio::test]
async fn llama_cpp_mode_still_goes_to_other_servers() {
    let server = MockServer::start().await;
    reply_once(&server, ok(completion(&valid_analysis().to_string(), 1, 1))).await;
    client(&server, Mode::JsonObjectSchema).extract::<JobPostingAnalysis>("posting").await.unwrap();
    assert_eq!(bodies(&server).await[0]["response_format"]["type"], "json_object");
}

#[tokio::test]
async fn tools_mode_asks_for_one_call_where_the_model_takes_the_parameter() {
    let server = MockServer::start().await;
    let call = tool_completion("JobPostingAnalysis", &valid_analysis().to_string(), 1, 1);
    reply_always(&server, ok(call)).await;
    let client = client(&server, Mode::Tools);
    let models = ["gpt-4.1-mini", "gpt-4o", "o1", "o3-mini", "o4-mini", "gpt-5", "gpt-5-mini", "openai/o3"];
    for model in models {
        client.request::<JobPostingAnalysis>().user("posting").model(model).send().await.unwrap();
    }
    let bodies = bodies(&server).await;
    for (model, body) in models.iter().zip(&bodies) {
        let expected = if ["gpt-4.1-mini", "gpt-4o"].contains(model) { json!(false) } else { json!(null) };
        assert_eq!(body["parallel_tool_calls"], expected, "{model}");
    }
}
