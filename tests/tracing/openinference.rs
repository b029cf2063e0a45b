//! The OpenInference attributes beside the GenAI ones: the span kinds, the model and
//! provider, the token counts, the invocation parameters, and the input and output
//! only when content is captured.

use super::*;

#[tokio::test]
async fn the_attempt_is_an_llm_span_with_its_token_counts_under_a_chain() {
    let server = MockServer::start().await;
    let mut reply = completion(&valid_analysis().to_string(), 10, 12);
    reply["model"] = json!("test-model-0125");
    reply_once(&server, ok(reply)).await;
    let client = builder(&server).temperature(0.2).max_tokens(300).build().unwrap();
    let capture = Capture::default();
    capture.run(async { client.extract::<JobPostingAnalysis>("posting").await.unwrap() }).await;
    let [extract] = &capture.named("extract")[..] else { panic!("{:?}", capture.spans()) };
    let [chat] = &capture.named("chat")[..] else { panic!("{:?}", capture.spans()) };
    assert_eq!(extract.field("openinference.span.kind"), Some("CHAIN"));
    assert_eq!(chat.field("openinference.span.kind"), Some("LLM"));
    assert_eq!(chat.field("llm.provider"), Some("openai"));
    assert_eq!(chat.field("llm.model_name"), Some("test-model-0125"), "the model that replied");
    assert_eq!(chat.field("llm.token_count.prompt"), Some("10"));
    assert_eq!(chat.field("llm.token_count.completion"), Some("12"));
    assert_eq!(chat.field("llm.token_count.total"), Some("22"));
    let parameters: serde_json::Value =
        serde_json::from_str(chat.field("llm.invocation_parameters").expect("parameters")).unwrap();
    assert_eq!(parameters, json!({"temperature": 0.2, "max_tokens": 300}));
    // Counted once in a trace: on the LLM spans only.
    assert_eq!(extract.field("llm.token_count.prompt"), None);
    for span in [extract, chat] {
        assert_eq!(span.field("input.value"), None, "content is captured only when asked");
        assert_eq!(span.field("output.value"), None, "content is captured only when asked");
    }
}

#[tokio::test]
async fn each_attempt_counts_its_own_tokens_and_names_the_model_asked_without_one() {
    let server = MockServer::start().await;
    let mut first = completion("no JSON here", 10, 1);
    first.as_object_mut().unwrap().remove("model");
    reply_once(&server, ok(first)).await;
    reply_once(&server, ok(completion(&valid_analysis().to_string(), 20, 12))).await;
    let client = builder(&server).build().unwrap();
    let capture = Capture::default();
    capture.run(async { client.extract::<JobPostingAnalysis>("posting").await.unwrap() }).await;
    let chats = capture.named("chat");
    let counts: Vec<_> = chats.iter().map(|chat| chat.field("llm.token_count.total")).collect();
    assert_eq!(counts, [Some("11"), Some("32")]);
    assert_eq!(chats[0].field("llm.model_name"), Some("test-model"), "the model asked");
    assert_eq!(chats[0].field("llm.invocation_parameters"), Some("{}"));
}

#[tokio::test]
async fn gemini_is_google_to_openinference() {
    let server = MockServer::start().await;
    reply_once_at(&server, GENERATE, ok(gemini_text(&valid_analysis().to_string(), "STOP", 10, 12))).await;
    let client = provider_client(&server, Provider::Gemini, fast_retries());
    let capture = Capture::default();
    capture.run(async { client.extract::<JobPostingAnalysis>("posting").await.unwrap() }).await;
    let [chat] = &capture.named("chat")[..] else { panic!("{:?}", capture.spans()) };
    assert_eq!(chat.field("llm.provider"), Some("google"));
    assert_eq!(chat.field("gen_ai.provider.name"), Some("gcp.gemini"));
}

#[tokio::test]
async fn input_and_output_values_are_captured_when_asked() {
    let server = MockServer::start().await;
    reply_once(&server, analysis_reply()).await;
    let client = builder(&server).capture_content(true).build().unwrap();
    let capture = Capture::default();
    capture.run(async { client.extract::<JobPostingAnalysis>("the posting text").await.unwrap() }).await;
    let [chat] = &capture.named("chat")[..] else { panic!("{:?}", capture.spans()) };
    let input: serde_json::Value = serde_json::from_str(chat.field("input.value").expect("input")).unwrap();
    assert_eq!(input.as_array().unwrap().last().unwrap()["parts"][0]["content"], "the posting text");
    assert_eq!(chat.field("input.mime_type"), Some("application/json"));
    let output: serde_json::Value = serde_json::from_str(chat.field("output.value").expect("output")).unwrap();
    assert_eq!(output, valid_analysis());
}
