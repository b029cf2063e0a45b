//! A streamed reply's id and model, read from the providers' stream events, on the
//! attempt span and in the `Response` event.

use super::*;
use wiremock::matchers::{method, path};
use wiremock::Mock;

fn events(events: &[serde_json::Value]) -> ResponseTemplate {
    sse(events.iter().map(|event| format!("data: {event}\n\n")).collect())
}

fn anthropic_stream(arguments: &str) -> ResponseTemplate {
    events(&[
        json!({"type": "message_start", "message": {"id": "msg_7", "model": "test-model-0125", "type": "message", "role": "assistant", "content": [], "usage": {"input_tokens": 10, "output_tokens": 1}}}),
        json!({"type": "content_block_start", "index": 0, "content_block": {"type": "tool_use", "id": "toolu_1", "name": "JobPostingAnalysis", "input": {}}}),
        json!({"type": "content_block_delta", "index": 0, "delta": {"type": "input_json_delta", "partial_json": arguments}}),
        json!({"type": "message_delta", "delta": {"stop_reason": "tool_use"}, "usage": {"output_tokens": 12}}),
        json!({"type": "message_stop"}),
    ])
}

fn gemini_stream(text: &str) -> ResponseTemplate {
    let (head, tail) = text.split_at(text.len() / 2);
    let chunk = |text: &str, last: bool| {
        let mut chunk = json!({"candidates": [{"content": {"parts": [{"text": text}], "role": "model"}}], "modelVersion": "test-model-0125", "responseId": "gemini-7"});
        if last {
            chunk["candidates"][0]["finishReason"] = json!("STOP");
            chunk["usageMetadata"] = json!({"promptTokenCount": 10, "candidatesTokenCount": 12, "totalTokenCount": 22});
        }
        chunk
    };
    events(&[chunk(head, false), chunk(tail, true)])
}

fn responses_stream(text: &str) -> ResponseTemplate {
    let response = |status: &str, output: serde_json::Value| json!({"id": "resp_7", "model": "test-model-0125", "status": status, "output": output});
    let mut done = response(
        "completed",
        json!([{"type": "message", "role": "assistant", "content": [{"type": "output_text", "text": text}]}]),
    );
    done["usage"] = json!({"input_tokens": 10, "output_tokens": 12, "total_tokens": 22});
    events(&[
        json!({"type": "response.created", "response": response("in_progress", json!([]))}),
        json!({"type": "response.output_text.delta", "delta": text}),
        json!({"type": "response.completed", "response": done}),
    ])
}

#[tokio::test]
async fn a_stream_reports_the_reply_s_id_and_model_for_each_provider() {
    let text = valid_analysis().to_string();
    let openai =
        content_stream(&text, Some("stop"), Some((10, 12)), true).replace("\"test-model\"", "\"test-model-0125\"");
    let cases = [
        (Provider::OpenAi, None, "/chat/completions", sse(openai), "chatcmpl-1"),
        (Provider::Anthropic, None, MESSAGES, anthropic_stream(&text), "msg_7"),
        (Provider::Gemini, None, "/v1beta/models/test-model:streamGenerateContent", gemini_stream(&text), "gemini-7"),
        (Provider::OpenAi, Some(Mode::Responses), "/responses", responses_stream(&text), "resp_7"),
    ];
    for (provider, mode, at, reply, id) in cases {
        let server = MockServer::start().await;
        Mock::given(method("POST")).and(path(at)).respond_with(reply).up_to_n_times(1).mount(&server).await;
        let heard = Arc::new(Mutex::new(Vec::new()));
        let log = heard.clone();
        let mut builder = Client::builder()
            .provider(provider)
            .base_url(server.uri())
            .api_key(SECRET)
            .model("test-model")
            .retry_policy(fast_retries())
            .observe(move |event: &Event<'_>| {
                if let Event::Response { id, model, .. } = event {
                    log.lock().unwrap().push((id.map(str::to_owned), model.map(str::to_owned)));
                }
            });
        if let Some(mode) = mode {
            builder = builder.mode(mode);
        }
        let client = builder.build().unwrap();
        let capture = Capture::default();
        capture
            .run(async {
                let mut updates = client.extract_stream::<JobPostingAnalysis>("posting");
                while let Some(update) = updates.next().await {
                    update.unwrap_or_else(|err| panic!("{provider:?} {mode:?}: {err:?}"));
                }
            })
            .await;
        let case = format!("{provider:?} {mode:?}");
        let [chat] = &capture.named("chat")[..] else { panic!("{case}: {:?}", capture.spans()) };
        assert_eq!(chat.field("gen_ai.response.id"), Some(id), "{case}");
        assert_eq!(chat.field("gen_ai.response.model"), Some("test-model-0125"), "{case}");
        assert_eq!(chat.field("llm.model_name"), Some("test-model-0125"), "{case}");
        assert_eq!(chat.field("llm.token_count.total"), Some("22"), "{case}");
        let heard = heard.lock().unwrap().clone();
        assert_eq!(heard, [(Some(id.to_owned()), Some("test-model-0125".to_owned()))], "{case}");
    }
}
