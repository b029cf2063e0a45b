//! The tool-calling agent on each provider's own function calling: one round trip
//! each (tool call, result, final answer), the request bodies as snapshots.

use crate::support::stock::{stock_tools, Recommendation, QUESTION};
use crate::support::MockServer;
use crate::support::{anthropic_text, anthropic_tool_use, bodies, fast_retries, ok, provider_client, reply_once_at};
use crate::support::{GENERATE, MESSAGES};
use pluck::agent::{Agent, Step};
use pluck::Provider;
use serde_json::{json, Value};

fn recommendation() -> Value {
    json!({"reasoning": "MSFT +0.5%, GOOGL -0.8%.", "ticker": "MSFT", "action": "buy", "best_performer_today": "MSFT"})
}

fn agent(server: &MockServer, provider: Provider) -> Agent {
    Agent::builder(provider_client(server, provider, fast_retries())).tools(stock_tools()).build().unwrap()
}

fn results(steps: &[Step]) -> Vec<(&str, &str)> {
    steps
        .iter()
        .filter_map(|step| match step {
            Step::ToolResult { id, output, .. } => Some((id.as_str(), output.as_str())),
            _ => None,
        })
        .collect()
}

#[tokio::test]
async fn anthropic_tool_use_and_tool_result_blocks() {
    let server = MockServer::start().await;
    let turn = json!({
        "id": "msg_1", "type": "message", "role": "assistant", "model": "test-model",
        "content": [
            {"type": "text", "text": "Both prices first."},
            {"type": "tool_use", "id": "toolu_g", "name": "get_stock_price", "input": {"ticker": "GOOGL"}},
            {"type": "tool_use", "id": "toolu_m", "name": "get_stock_price", "input": {"ticker": "MSFT"}}
        ],
        "stop_reason": "tool_use",
        "usage": {"input_tokens": 50, "output_tokens": 30}
    });
    reply_once_at(&server, MESSAGES, ok(turn)).await;
    reply_once_at(&server, MESSAGES, ok(anthropic_text("Microsoft is up, Google down.", "end_turn", 80, 10))).await;
    reply_once_at(&server, MESSAGES, ok(anthropic_tool_use("toolu_f", "Recommendation", recommendation(), 90, 40)))
        .await;

    let outcome = agent(&server, Provider::Anthropic).run::<Recommendation>(QUESTION).await.unwrap();
    assert_eq!(outcome.value.ticker, "MSFT");
    let results = results(&outcome.steps);
    assert_eq!(results.len(), 2);
    assert_eq!(results[0].0, "toolu_g");
    assert!(matches!(outcome.steps[0], Step::Thought { ref text } if text == "Both prices first."));

    let bodies = bodies(&server).await;
    assert_eq!(bodies[0]["tool_choice"], json!({"type": "auto"}));
    assert!(bodies[0].get("output_config").is_none());
    // Both results in one user turn, after the assistant's turn with both calls.
    let sent = bodies[1]["messages"].as_array().unwrap();
    assert_eq!(sent.len(), 3);
    assert_eq!(sent[1]["content"].as_array().unwrap().len(), 3);
    let answered: Vec<&str> =
        sent[2]["content"].as_array().unwrap().iter().map(|block| block["tool_use_id"].as_str().unwrap()).collect();
    assert_eq!(answered, ["toolu_g", "toolu_m"]);
    // The final answer: the agent's tools declared, the answer's tool forced.
    assert_eq!(bodies[2]["tools"].as_array().unwrap().len(), 4);
    assert_eq!(bodies[2]["tool_choice"]["name"], "Recommendation");
    insta::assert_json_snapshot!("agent_anthropic_round_trip", bodies);
}

#[tokio::test]
async fn gemini_function_call_and_function_response_parts() {
    let server = MockServer::start().await;
    let call = json!({
        "candidates": [{
            "content": {"role": "model", "parts": [{"functionCall": {"name": "get_stock_price", "args": {"ticker": "MSFT"}}}]},
            "finishReason": "STOP"
        }],
        "usageMetadata": {"promptTokenCount": 50, "candidatesTokenCount": 10, "totalTokenCount": 60}
    });
    reply_once_at(&server, GENERATE, ok(call)).await;
    reply_once_at(&server, GENERATE, ok(crate::support::gemini_text("Microsoft is up 0.5%.", "STOP", 70, 10))).await;
    let answer = recommendation().to_string();
    reply_once_at(&server, GENERATE, ok(crate::support::gemini_text(&answer, "STOP", 80, 30))).await;

    let outcome = agent(&server, Provider::Gemini).run::<Recommendation>(QUESTION).await.unwrap();
    assert_eq!(outcome.value.ticker, "MSFT");
    let results = results(&outcome.steps);
    assert_eq!(results.len(), 1);
    assert_eq!(results[0].0, "call_1", "Gemini gives no id; the agent names the call");
    assert!(results[0].1.contains("378.5"));

    let bodies = bodies(&server).await;
    assert_eq!(bodies[0]["toolConfig"]["functionCallingConfig"]["mode"], "AUTO");
    assert_eq!(bodies[0]["tools"][0]["functionDeclarations"].as_array().unwrap().len(), 3);
    assert!(bodies[0]["generationConfig"].get("responseSchema").is_none());
    let contents = bodies[1]["contents"].as_array().unwrap();
    assert_eq!(contents[1]["parts"][0]["functionCall"]["name"], "get_stock_price");
    assert_eq!(contents[2]["role"], "user");
    assert_eq!(contents[2]["parts"][0]["functionResponse"]["name"], "get_stock_price");
    // The final answer: no tools beside the JSON response type, the calls told in words.
    assert!(bodies[2].get("tools").is_none() && bodies[2].get("toolConfig").is_none());
    assert!(bodies[2]["generationConfig"].get("responseSchema").is_some());
    let told = &bodies[2]["contents"];
    assert_eq!(told[1]["parts"][0]["text"], r#"Called get_stock_price with {"ticker":"MSFT"}"#);
    assert!(told[2]["parts"][0]["text"].as_str().unwrap().starts_with("Result of get_stock_price: {"));
    insta::assert_json_snapshot!("agent_gemini_round_trip", bodies);
}
