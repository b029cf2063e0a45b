//! OpenAI's own API against local servers: what its endpoint accepts per mode and
//! model, how it names an unknown model, and the Responses API (`Mode::Responses`).

use crate::support;

use crate::support::MockServer;
use pluck::{Client, ConfigError, Error, Mode, RetryPolicy};
use serde_json::json;
use support::job::JobPostingAnalysis;
use support::*;
use wiremock::ResponseTemplate;

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

/// llama.cpp's servers make a grammar of the forced tool's parameters: the rules its
/// grammars enforce (`minLength`, `maxLength`, `maxItems`) stay keywords there, as in
/// `JsonObjectSchema`'s `response_format`, instead of moving into descriptions as
/// OpenAI's strict subset has them.
#[tokio::test]
async fn tools_mode_sends_llama_cpp_the_schema_its_grammar_enforces() {
    let server = MockServer::start().await;
    let call = tool_completion("JobPostingAnalysis", &valid_analysis().to_string(), 1, 1);
    reply_always(&server, ok(call)).await;
    let llama_cpp = Client::builder().llama_cpp().base_url(format!("{}/v1", server.uri())).mode(Mode::Tools);
    llama_cpp.build().unwrap().extract::<JobPostingAnalysis>("posting").await.unwrap();
    client(&server, Mode::Tools).extract::<JobPostingAnalysis>("posting").await.unwrap();
    let bodies = bodies(&server).await;
    let parameters = &bodies[0]["tools"][0]["function"]["parameters"];
    let plain = pluck::schema::prepare::<JobPostingAnalysis>(pluck::schema::Target::Plain).unwrap();
    assert_eq!(parameters, plain.schema(), "as JsonObjectSchema's response_format has it");
    let currency = &parameters["$defs"]["SalaryRange"]["properties"]["currency"];
    assert_eq!((&currency["minLength"], &currency["maxLength"]), (&json!(3), &json!(3)));
    assert_eq!(parameters["properties"]["skills"]["maxItems"], 20);
    let strict = &bodies[1]["tools"][0]["function"]["parameters"]["$defs"]["SalaryRange"]["properties"]["currency"];
    assert!(strict.get("minLength").is_none(), "other servers get OpenAI's strict subset: {strict}");
    // Only the strict subset is sent as strict.
    assert!(bodies[0]["tools"][0]["function"].get("strict").is_none(), "{}", bodies[0]["tools"][0]);
    assert_eq!(bodies[1]["tools"][0]["function"]["strict"], true);
}

#[tokio::test]
async fn responses_mode_sends_text_format_and_reasks_with_input_items() {
    let server = MockServer::start().await;
    let mut invalid = valid_analysis();
    invalid["overall_confidence"] = json!(3);
    reply_once_at(&server, RESPONSES, ok(responses_text(&invalid.to_string(), 300, 80))).await;
    reply_once_at(&server, RESPONSES, ok(responses_text(&valid_analysis().to_string(), 500, 80))).await;
    let client = client(&server, Mode::Responses);
    let extracted =
        client.request::<JobPostingAnalysis>().user("TEXT").max_tokens(900).send_with_usage().await.unwrap();
    assert_eq!((extracted.attempts, extracted.usage.total_tokens), (2, 960));
    let bodies = bodies(&server).await;
    insta::assert_json_snapshot!("openai_responses_job_posting_analysis", bodies[0]);
    let format = &bodies[0]["text"]["format"];
    assert_eq!((format["type"].as_str(), format["strict"].as_bool()), (Some("json_schema"), Some(true)));
    assert_eq!(format["name"], "JobPostingAnalysis");
    assert_eq!(bodies[0]["max_output_tokens"], 900);
    assert_eq!(bodies[0]["store"], false);
    assert!(bodies[0].get("messages").is_none() && bodies[0].get("response_format").is_none());
    let input = bodies[1]["input"].as_array().unwrap();
    assert_eq!(input.len(), 4, "system, user, the reply, the feedback");
    assert_eq!(input[2], json!({"role": "assistant", "content": invalid.to_string()}));
    assert!(input[3]["content"].as_str().unwrap().contains("overall_confidence: must be at most 1, got 3"));
}

#[tokio::test]
async fn responses_mode_ends_incomplete_and_refused_replies() {
    let server = MockServer::start().await;
    let mut cut = responses_text("{\"job_title\": \"Sen", 10, 900);
    cut["status"] = json!("incomplete");
    cut["incomplete_details"] = json!({"reason": "max_output_tokens"});
    reply_once_at(&server, RESPONSES, ok(cut)).await;
    let mut refused = responses_text("", 10, 5);
    refused["output"][1]["content"] = json!([{"type": "refusal", "refusal": "I can't help with that."}]);
    reply_once_at(&server, RESPONSES, ok(refused)).await;
    let client = client(&server, Mode::Responses);
    let err = client.extract::<JobPostingAnalysis>("x").await.unwrap_err();
    assert!(matches!(&err, Error::Truncated { raw, .. } if raw == "{\"job_title\": \"Sen"), "{err:?}");
    let err = client.extract::<JobPostingAnalysis>("x").await.unwrap_err();
    assert!(matches!(&err, Error::Refusal { message, .. } if message == "I can't help with that."), "{err:?}");
}

#[tokio::test]
async fn responses_mode_streams_text_deltas() {
    use futures::StreamExt;
    let server = MockServer::start().await;
    let text = valid_analysis().to_string();
    let mut events = vec![
        json!({"type": "response.created", "sequence_number": 0, "response": {"status": "in_progress", "output": []}}),
    ];
    let chars: Vec<char> = text.chars().collect();
    for piece in chars.chunks(11) {
        events.push(json!({"type": "response.output_text.delta", "item_id": "msg_1", "output_index": 1, "content_index": 0, "delta": piece.iter().collect::<String>()}));
    }
    events.push(
        json!({"type": "response.completed", "sequence_number": 99, "response": responses_text(&text, 300, 120)}),
    );
    let body: String =
        events.iter().map(|e| format!("event: {}\ndata: {e}\n\n", e["type"].as_str().unwrap())).collect();
    reply_once_at(&server, RESPONSES, ResponseTemplate::new(200).set_body_raw(body, "text/event-stream")).await;
    let client = client(&server, Mode::Responses);
    let mut stream = client.extract_stream::<JobPostingAnalysis>("x");
    let (mut partials, mut done) = (0, None);
    while let Some(update) = stream.next().await {
        match update.unwrap() {
            pluck::stream::Update::Done(value) => done = Some(value),
            _ => partials += 1,
        }
    }
    let done = done.expect("a value");
    assert!(partials > 5, "{partials}");
    assert_eq!(done.usage.total_tokens, 420);
    let sent = &bodies(&server).await[0];
    assert_eq!(sent["stream"], true);
    assert!(sent.get("stream_options").is_none(), "the Responses API knows no include_usage: {sent}");
}

#[tokio::test]
async fn other_providers_refuse_responses_mode() {
    let server = MockServer::start().await;
    for provider in [pluck::Provider::Anthropic, pluck::Provider::Gemini] {
        let client = provider_client(&server, provider, RetryPolicy::none());
        let err = client.request::<JobPostingAnalysis>().user("x").mode(Mode::Responses).send().await.unwrap_err();
        assert!(matches!(err, Error::Config(ConfigError::UnsupportedMode { mode: Mode::Responses, .. })), "{err:?}");
    }
    assert!(requests(&server).await.is_empty());
}
