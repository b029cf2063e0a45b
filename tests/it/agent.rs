//! The tool-calling agent against scripted OpenAI-compatible conversations: a tool
//! call, its result, the final answer; several calls in one turn; an unknown tool,
//! arguments breaking a rule, a tool that fails; `max_iterations`; the stream of
//! steps and the step events.

use crate::support::stock::{stock_tools, PriceArgs, Recommendation, QUESTION};
use crate::support::MockServer;
use crate::support::{bodies, client, completion, completion_with, ok, reply_always, reply_once};
use futures::StreamExt;
use pluck::agent::{Agent, AgentError, Progress, Step, Tool};
use pluck::observe::Event;
use pluck::{Error, Mode};
use serde_json::{json, Value};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

/// A turn calling each `(id, tool, arguments)`.
fn calls(calls: &[(&str, &str, Value)]) -> Value {
    let tool_calls: Vec<Value> = calls
        .iter()
        .map(|(id, name, args)| json!({"id": id, "type": "function", "function": {"name": name, "arguments": args.to_string()}}))
        .collect();
    completion_with(json!({"role": "assistant", "content": null, "tool_calls": tool_calls}), "tool_calls", 20, 10)
}

fn recommendation() -> Value {
    json!({
        "reasoning": "MSFT is up 0.5% while GOOGL is down 0.8%.",
        "ticker": "MSFT",
        "action": "buy",
        "best_performer_today": "MSFT"
    })
}

fn agent(server: &MockServer) -> Agent {
    Agent::builder(client(server, Mode::JsonSchema)).name("stocks").tools(stock_tools()).build().unwrap()
}

/// The messages of a request body.
fn messages(body: &Value) -> &Vec<Value> {
    body["messages"].as_array().expect("messages")
}

#[tokio::test]
async fn a_tool_call_its_result_then_the_final_answer() {
    let server = MockServer::start().await;
    reply_once(&server, ok(calls(&[("call_1", "get_stock_price", json!({"ticker": "MSFT"}))]))).await;
    reply_once(&server, ok(completion("MSFT is up 0.5% today.", 30, 8))).await;
    reply_once(&server, ok(completion(&recommendation().to_string(), 40, 20))).await;

    let outcome = agent(&server).run::<Recommendation>("Is Microsoft up today?").await.unwrap();
    assert_eq!(outcome.value.ticker, "MSFT");
    assert_eq!(outcome.iterations, 2);
    assert_eq!(outcome.usage.total_tokens, 30 + 38 + 60);
    let [Step::ToolCall { call }, Step::ToolResult { id, name, output, is_error: false }, Step::Thought { text }] =
        &outcome.steps[..]
    else {
        panic!("{:#?}", outcome.steps)
    };
    assert_eq!(
        (call.function.name.as_str(), id.as_str(), name.as_str()),
        ("get_stock_price", "call_1", "get_stock_price")
    );
    assert!(output.contains("378.5"), "{output}");
    assert_eq!(text, "MSFT is up 0.5% today.");

    let bodies = bodies(&server).await;
    assert_eq!(bodies.len(), 3);
    // The turns offer the tools, the model free to call them; no response format.
    assert_eq!(bodies[0]["tool_choice"], "auto");
    assert_eq!(bodies[0]["tools"].as_array().unwrap().len(), 3);
    assert!(bodies[0].get("response_format").is_none());
    assert_eq!(
        bodies[0]["tools"][0]["function"]["description"],
        "Get the current price and daily change for a stock ticker."
    );
    // The result goes back as a `tool` message answering the call.
    let second = messages(&bodies[1]);
    assert_eq!(second[2]["tool_calls"][0]["id"], "call_1");
    assert_eq!(second[3]["role"], "tool");
    assert_eq!(second[3]["tool_call_id"], "call_1");
    // The final answer is an extraction: the schema as the mode sends it, the tools
    // declared but not to be called.
    assert_eq!(bodies[2]["response_format"]["type"], "json_schema");
    assert_eq!(bodies[2]["tool_choice"], "none");
    insta::assert_json_snapshot!("agent_openai_round_trip", bodies);
}

#[tokio::test]
async fn two_calls_in_one_turn_run_at_once_and_answer_in_one_turn() {
    let server = MockServer::start().await;
    let both =
        [("call_g", "slow_price", json!({"ticker": "GOOGL"})), ("call_m", "slow_price", json!({"ticker": "MSFT"}))];
    reply_once(&server, ok(calls(&both))).await;
    reply_once(&server, ok(completion("I have what I need.", 30, 8))).await;
    reply_once(&server, ok(completion(&recommendation().to_string(), 40, 20))).await;

    let (running, most) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
    let (now, peak) = (running.clone(), most.clone());
    let slow = Tool::new("slow_price", move |args: PriceArgs| {
        let (now, peak) = (now.clone(), peak.clone());
        async move {
            let at_once = now.fetch_add(1, Ordering::SeqCst) + 1;
            peak.fetch_max(at_once, Ordering::SeqCst);
            for _ in 0..3 {
                tokio::task::yield_now().await;
            }
            now.fetch_sub(1, Ordering::SeqCst);
            crate::support::stock::stock_price(&args.ticker)
        }
    });
    let agent = Agent::builder(client(&server, Mode::JsonSchema)).tool(slow).build().unwrap();
    let outcome = agent.run::<Recommendation>(QUESTION).await.unwrap();
    assert_eq!(most.load(Ordering::SeqCst), 2, "both calls ran at once");
    let results: Vec<&str> = outcome
        .steps
        .iter()
        .filter_map(|step| match step {
            Step::ToolResult { id, .. } => Some(id.as_str()),
            _ => None,
        })
        .collect();
    assert_eq!(results, ["call_g", "call_m"]);

    // One assistant turn with both calls, then both results, in the calls' order.
    let bodies = bodies(&server).await;
    let final_messages = messages(&bodies[1]);
    let turn = final_messages.iter().find(|m| m.get("tool_calls").is_some()).unwrap();
    assert_eq!(turn["tool_calls"].as_array().unwrap().len(), 2);
    let tool_messages: Vec<&Value> = final_messages.iter().filter(|m| m["role"] == "tool").collect();
    assert_eq!(tool_messages.len(), 2);
    assert_eq!(tool_messages[0]["tool_call_id"], "call_g");
    assert!(tool_messages[0]["content"].as_str().unwrap().contains("141.8"));
    assert!(tool_messages[1]["content"].as_str().unwrap().contains("378.5"));
}

#[tokio::test]
async fn calls_beyond_the_bound_wait_their_turn() {
    let server = MockServer::start().await;
    let three: Vec<(&str, &str, Value)> =
        ["c1", "c2", "c3"].iter().map(|id| (*id, "slow", json!({"ticker": "MSFT"}))).collect();
    reply_once(&server, ok(calls(&three))).await;
    reply_once(&server, ok(completion("I have what I need.", 30, 8))).await;
    reply_once(&server, ok(completion(&recommendation().to_string(), 40, 20))).await;
    let (running, most) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
    let (now, peak) = (running.clone(), most.clone());
    let slow = Tool::new("slow", move |_: PriceArgs| {
        let (now, peak) = (now.clone(), peak.clone());
        async move {
            peak.fetch_max(now.fetch_add(1, Ordering::SeqCst) + 1, Ordering::SeqCst);
            tokio::task::yield_now().await;
            now.fetch_sub(1, Ordering::SeqCst);
            Ok::<_, String>("ok")
        }
    });
    let agent = Agent::builder(client(&server, Mode::JsonSchema)).tool(slow).max_concurrent_tools(1).build().unwrap();
    let outcome = agent.run::<Recommendation>(QUESTION).await.unwrap();
    assert_eq!(most.load(Ordering::SeqCst), 1);
    assert_eq!(outcome.steps.iter().filter(|s| matches!(s, Step::ToolResult { .. })).count(), 3);
}

/// Runs one turn calling `tool` with `args`, then the final answer; returns the
/// result the model read.
async fn observed(tool: &str, args: Value) -> (String, bool, Vec<Value>) {
    let server = MockServer::start().await;
    reply_once(&server, ok(calls(&[("call_1", tool, args)]))).await;
    reply_once(&server, ok(completion("I have what I need.", 30, 8))).await;
    reply_once(&server, ok(completion(&recommendation().to_string(), 40, 20))).await;
    let outcome = agent(&server).run::<Recommendation>(QUESTION).await.unwrap();
    let Some(Step::ToolResult { output, is_error, .. }) = outcome.steps.get(1) else { panic!("{:#?}", outcome.steps) };
    let bodies = bodies(&server).await;
    let sent =
        messages(&bodies[1]).iter().find(|m| m["role"] == "tool").unwrap()["content"].as_str().unwrap().to_owned();
    assert_eq!(&sent, output, "the model reads what the step says");
    (output.clone(), *is_error, bodies)
}

#[tokio::test]
async fn an_unknown_tool_is_told_with_the_tools_there_are() {
    let (output, is_error, _) = observed("get_weather", json!({"city": "Oslo"})).await;
    assert!(is_error);
    assert_eq!(
        output,
        "Error: unknown tool 'get_weather'. Available: get_stock_price, get_company_news, compare_stocks"
    );
}

#[tokio::test]
async fn arguments_breaking_a_rule_are_told_and_the_tool_does_not_run() {
    let ran = Arc::new(AtomicUsize::new(0));
    let counted = ran.clone();
    let server = MockServer::start().await;
    reply_once(&server, ok(calls(&[("call_1", "price", json!({"ticker": "MICROSOFT"}))]))).await;
    reply_once(&server, ok(completion("I have what I need.", 30, 8))).await;
    reply_once(&server, ok(completion(&recommendation().to_string(), 40, 20))).await;
    let price = Tool::new("price", move |args: PriceArgs| {
        counted.fetch_add(1, Ordering::SeqCst);
        async move { crate::support::stock::stock_price(&args.ticker) }
    });
    let agent = Agent::builder(client(&server, Mode::JsonSchema)).tool(price).build().unwrap();
    let outcome = agent.run::<Recommendation>(QUESTION).await.unwrap();
    assert_eq!(ran.load(Ordering::SeqCst), 0);
    let Some(Step::ToolResult { output, is_error: true, .. }) = outcome.steps.get(1) else {
        panic!("{:#?}", outcome.steps)
    };
    assert!(output.starts_with("Error: the arguments of 'price' are not valid:"), "{output}");
    assert!(output.contains("ticker") && output.contains("at most 5"), "{output}");

    // Arguments that are not JSON of the type are told the same way.
    let (output, is_error, _) = observed("get_stock_price", json!({"symbol": "MSFT"})).await;
    assert!(is_error && output.contains("ticker"), "{output}");
}

#[tokio::test]
async fn a_tool_that_fails_is_told_its_error() {
    let (output, is_error, _) = observed("get_stock_price", json!({"ticker": "ZZZ"})).await;
    assert!(is_error);
    assert_eq!(output, "Error calling get_stock_price: ticker 'ZZZ' not found; supported: AAPL, GOOGL, MSFT");
}

#[tokio::test]
async fn max_iterations_ends_the_run_with_the_steps_taken() {
    let server = MockServer::start().await;
    reply_always(&server, ok(calls(&[("call_1", "get_stock_price", json!({"ticker": "MSFT"}))]))).await;
    let agent =
        Agent::builder(client(&server, Mode::JsonSchema)).tools(stock_tools()).max_iterations(2).build().unwrap();
    let err = agent.run::<Recommendation>(QUESTION).await.unwrap_err();
    let AgentError::MaxIterations { iterations: 2, steps } = &err else { panic!("{err:?}") };
    assert_eq!(steps.len(), 4, "{steps:#?}");
    assert_eq!(err.steps().len(), 4);
    assert_eq!(bodies(&server).await.len(), 2);
    assert_eq!(err.to_string(), "no final answer after 2 iterations");
    // The default is 6, as the blog's.
    let server = MockServer::start().await;
    reply_always(&server, ok(calls(&[("call_1", "get_stock_price", json!({"ticker": "MSFT"}))]))).await;
    let err = agent_default(&server).run::<Recommendation>(QUESTION).await.unwrap_err();
    assert!(matches!(err, AgentError::MaxIterations { iterations: 6, .. }), "{err:?}");
    assert_eq!(bodies(&server).await.len(), 6);
}

fn agent_default(server: &MockServer) -> Agent {
    agent(server)
}

#[tokio::test]
async fn the_final_answer_is_reasked_like_any_extraction() {
    let server = MockServer::start().await;
    reply_once(&server, ok(completion("Buy Microsoft.", 30, 8))).await;
    let mut broken = recommendation();
    broken["ticker"] = json!("MICROSOFT");
    reply_once(&server, ok(completion(&broken.to_string(), 40, 20))).await;
    reply_once(&server, ok(completion(&recommendation().to_string(), 40, 20))).await;
    let outcome = agent(&server).run::<Recommendation>(QUESTION).await.unwrap();
    assert_eq!(outcome.value.ticker, "MSFT");
    let bodies = bodies(&server).await;
    assert_eq!(bodies.len(), 3);
    let reask = messages(&bodies[2]).last().unwrap()["content"].as_str().unwrap().to_owned();
    assert!(reask.contains("ticker"), "{reask}");

    // A final answer that never validates ends the run, keeping the steps.
    let server = MockServer::start().await;
    reply_once(&server, ok(completion("Buy Microsoft.", 30, 8))).await;
    reply_always(&server, ok(completion(&broken.to_string(), 40, 20))).await;
    let err = agent(&server).run::<Recommendation>(QUESTION).await.unwrap_err();
    assert!(matches!(err.model_error(), Some(Error::ValidationExhausted(_))), "{err:?}");
    assert_eq!(err.steps().len(), 1);
}

#[tokio::test]
async fn the_steps_stream_as_they_happen_then_the_value() {
    let server = MockServer::start().await;
    reply_once(&server, ok(calls(&[("call_1", "get_stock_price", json!({"ticker": "MSFT"}))]))).await;
    reply_once(&server, ok(completion("MSFT is up.", 30, 8))).await;
    reply_once(&server, ok(completion(&recommendation().to_string(), 40, 20))).await;
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = seen.clone();
    let agent = Agent::builder(client(&server, Mode::JsonSchema))
        .name("stocks")
        .tools(stock_tools())
        .observe(move |event: &Event<'_>| match event {
            Event::Step { agent, iteration, step } => {
                log.lock().unwrap().push(format!("{agent} {iteration} {}", kind(step)))
            }
            Event::Request { mode, .. } => log.lock().unwrap().push(format!("request {mode:?}")),
            _ => {}
        })
        .build()
        .unwrap();
    let progress: Vec<_> = agent.run_steps::<Recommendation>(QUESTION).collect().await;
    let kinds: Vec<String> = progress
        .iter()
        .map(|item| match item {
            Ok(Progress::Step(step)) => kind(step).to_owned(),
            Ok(Progress::Done(outcome)) => format!("done {}", outcome.value.ticker),
            Ok(_) => "other".to_owned(),
            Err(err) => format!("error {err}"),
        })
        .collect();
    assert_eq!(kinds, ["tool call", "tool result", "thought", "done MSFT"]);
    assert_eq!(
        *seen.lock().unwrap(),
        [
            "request Tools",
            "stocks 1 tool call",
            "stocks 1 tool result",
            "request Tools",
            "stocks 2 thought",
            "request JsonSchema"
        ]
    );
}

fn kind(step: &Step) -> &'static str {
    match step {
        Step::Thought { .. } => "thought",
        Step::ToolCall { .. } => "tool call",
        Step::ToolResult { .. } => "tool result",
        _ => "other",
    }
}

#[tokio::test]
async fn a_tool_name_the_providers_refuse_is_refused_at_build() {
    let server = MockServer::start().await;
    let bad =
        Tool::new("get stock price", |args: PriceArgs| async move { crate::support::stock::stock_price(&args.ticker) });
    let err = Agent::builder(client(&server, Mode::JsonSchema)).tool(bad).build().unwrap_err();
    assert!(matches!(err, AgentError::InvalidTool { .. }), "{err:?}");
    let twice = Agent::builder(client(&server, Mode::JsonSchema)).tools(stock_tools()).tools(stock_tools()).build();
    assert!(matches!(twice, Err(AgentError::InvalidTool { reason: "two tools have this name", .. })));
}

#[tokio::test]
async fn calls_written_into_the_text_are_run_as_calls() {
    // Some compatible servers pass the model's tagged calls through as content.
    let server = MockServer::start().await;
    let written = "<tool_call>\n{\"name\": \"get_stock_price\", \"arguments\": {\"ticker\": \"MSFT\"}}\n</tool_call>";
    reply_once(&server, ok(completion(written, 30, 8))).await;
    reply_once(&server, ok(completion("MSFT trades at 378.5.", 30, 8))).await;
    reply_once(&server, ok(completion(&recommendation().to_string(), 40, 20))).await;
    let outcome = agent(&server).run::<Recommendation>(QUESTION).await.unwrap();
    let Some(Step::ToolResult { id, output, is_error: false, .. }) = outcome.steps.get(1) else {
        panic!("{:#?}", outcome.steps)
    };
    assert!(output.contains("378.5"));
    let bodies = bodies(&server).await;
    let sent = messages(&bodies[1]);
    assert_eq!(sent[2]["tool_calls"][0]["function"]["name"], "get_stock_price");
    assert_eq!(&sent[3]["tool_call_id"], id.as_str());
}

#[tokio::test]
async fn calls_written_in_two_turns_have_ids_of_their_own() {
    // Providers match each result to its call by id across the whole conversation.
    let server = MockServer::start().await;
    let written = |ticker: &str| {
        format!("<tool_call>{{\"name\": \"get_stock_price\", \"arguments\": {{\"ticker\": \"{ticker}\"}}}}</tool_call>")
    };
    reply_once(&server, ok(completion(&written("MSFT"), 30, 8))).await;
    reply_once(&server, ok(completion(&written("AAPL"), 30, 8))).await;
    reply_once(&server, ok(completion("Both quoted.", 30, 8))).await;
    reply_once(&server, ok(completion(&recommendation().to_string(), 40, 20))).await;
    agent(&server).run::<Recommendation>(QUESTION).await.unwrap();
    let bodies = bodies(&server).await;
    let ids: Vec<&str> = messages(&bodies[2])
        .iter()
        .filter_map(|message| message["tool_call_id"].as_str().or(message["tool_calls"][0]["id"].as_str()))
        .collect();
    assert_eq!(ids.len(), 4, "two calls and two results: {ids:?}");
    assert_eq!((ids[0], ids[2]), (ids[1], ids[3]), "each result names its call: {ids:?}");
    assert_ne!(ids[0], ids[2], "each call has an id of its own: {ids:?}");
}

#[tokio::test]
async fn a_stream_of_steps_ends_with_the_error_and_then_nothing() {
    let server = MockServer::start().await;
    reply_always(&server, ok(calls(&[("call_1", "get_stock_price", json!({"ticker": "MSFT"}))]))).await;
    let agent =
        Agent::builder(client(&server, Mode::JsonSchema)).tools(stock_tools()).max_iterations(1).build().unwrap();
    let mut steps = agent.run_steps::<Recommendation>(QUESTION);
    assert!(matches!(steps.next().await, Some(Ok(Progress::Step(Step::ToolCall { .. })))));
    assert!(matches!(steps.next().await, Some(Ok(Progress::Step(Step::ToolResult { .. })))));
    let end = steps.next().await;
    assert!(matches!(end, Some(Err(AgentError::MaxIterations { iterations: 1, .. }))), "{end:?}");
    assert!(steps.next().await.is_none());
    assert!(steps.next().await.is_none());
}
