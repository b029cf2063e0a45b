//! The ReAct text loop against scripted replies: the blog's format and stop sequence,
//! replies that stop at `Observation:` and ones that run past it, an unknown tool,
//! a reply that does not follow the format, and the reading of steps.

use crate::support::stock::{stock_tools, Recommendation, QUESTION, STOCK_PROMPT};
use crate::support::MockServer;
use crate::support::{bodies, client, completion, ok, reply_always, reply_once};
use pluck::agent::{parse_step, Agent, AgentError, ReactStep, Step, StepError};
use pluck::Mode;
use serde_json::{json, Value};

fn react_agent(server: &MockServer) -> Agent {
    Agent::builder(client(server, Mode::JsonSchema)).system(STOCK_PROMPT).tools(stock_tools()).react().build().unwrap()
}

fn recommendation() -> String {
    json!({"reasoning": "MSFT +0.5%, GOOGL -0.8%.", "ticker": "MSFT", "action": "buy", "best_performer_today": "MSFT"})
        .to_string()
}

fn messages(body: &Value) -> Vec<(String, String)> {
    body["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| (m["role"].as_str().unwrap().to_owned(), m["content"].as_str().unwrap_or("").to_owned()))
        .collect()
}

#[tokio::test]
async fn the_blog_loop_runs_a_tool_then_reads_the_final_answer() {
    let server = MockServer::start().await;
    // A server that ignores `stop` lets the model invent the observation: it is cut.
    let past_the_stop = "Thought: I need both prices.\nAction: compare_stocks\nAction Input: {\"tickers\": [\"GOOGL\", \"MSFT\"]}\nObservation: GOOGL is up 50%";
    reply_once(&server, ok(completion(past_the_stop, 50, 20))).await;
    // One that stops there: the reply ends before it.
    let stopped = "Thought: I need the news too.\nAction: get_company_news\nAction Input: {\"ticker\": \"MSFT\"}\n";
    reply_once(&server, ok(completion(stopped, 60, 20))).await;
    let done =
        "Thought: I have all the information needed.\nFinal Answer: Microsoft is doing better today (+0.5% vs -0.8%).";
    reply_once(&server, ok(completion(done, 70, 20))).await;
    reply_once(&server, ok(completion(&recommendation(), 80, 30))).await;

    let outcome = react_agent(&server).run::<Recommendation>(QUESTION).await.unwrap();
    assert_eq!(outcome.value.best_performer_today, "MSFT");
    assert_eq!(outcome.iterations, 3);
    let calls: Vec<(String, String)> = outcome
        .steps
        .iter()
        .filter_map(|step| match step {
            Step::ToolCall { call } => Some((call.function.name.clone(), call.function.arguments.clone())),
            _ => None,
        })
        .collect();
    assert_eq!(
        calls,
        [
            ("compare_stocks".to_owned(), r#"{"tickers":["GOOGL","MSFT"]}"#.to_owned()),
            ("get_company_news".to_owned(), r#"{"ticker":"MSFT"}"#.to_owned())
        ]
    );

    let bodies = bodies(&server).await;
    assert_eq!(bodies.len(), 4);
    // The blog's prompt and stop sequence; no schema, no tools on the wire.
    assert_eq!(bodies[0]["stop"], json!(["Observation:"]));
    assert!(bodies[0].get("tools").is_none() && bodies[0].get("response_format").is_none());
    let system = &messages(&bodies[0])[0].1;
    assert!(system.starts_with(STOCK_PROMPT), "{system}");
    assert!(system.contains("- get_stock_price(ticker: string): Get the current price"), "{system}");
    assert!(system.contains("- compare_stocks(tickers: list[string]): Compare daily performance"), "{system}");
    assert!(system.contains(
        "Thought: <what you know and what you need>\nAction: <tool_name>\nAction Input: <valid JSON arguments>"
    ));
    assert!(system.contains("Final Answer: <your complete response>"));
    // The invented observation is dropped; the real one comes as a user message.
    let second = messages(&bodies[1]);
    assert_eq!(second[2].0, "assistant");
    assert!(!second[2].1.contains("50%"), "{:?}", second[2]);
    assert_eq!(second[3].0, "user");
    assert!(second[3].1.starts_with("Observation: {\"comparison\":"), "{}", second[3].1);
    assert!(second[3].1.contains("\"best_performer_today\":\"MSFT\""), "{}", second[3].1);
    let third = messages(&bodies[2]);
    assert!(third[5].1.starts_with("Observation: {\"ticker\":\"MSFT\",\"headlines\":[\"Copilot"), "{}", third[5].1);
    // The final answer is extracted from the conversation, with the schema.
    assert_eq!(bodies[3]["response_format"]["type"], "json_schema");
    assert!(bodies[3].get("stop").is_none());
    assert!(messages(&bodies[3]).iter().any(|(_, text)| text.contains("Final Answer: Microsoft is doing better")));
    insta::assert_json_snapshot!("agent_react_second_turn", bodies[1]);
}

#[tokio::test]
async fn an_unknown_tool_and_an_unreadable_step_are_told_to_the_model() {
    let server = MockServer::start().await;
    reply_once(
        &server,
        ok(completion("Thought: weather first.\nAction: get_weather\nAction Input: {\"city\": \"Oslo\"}", 50, 20)),
    )
    .await;
    reply_once(&server, ok(completion("Microsoft, I think.", 50, 20))).await;
    reply_once(&server, ok(completion("Action: get_stock_price\nAction Input: {ticker: MSFT}", 50, 20))).await;
    reply_once(&server, ok(completion("Final Answer: MSFT", 50, 20))).await;
    reply_once(&server, ok(completion(&recommendation(), 80, 30))).await;

    let outcome = react_agent(&server).run::<Recommendation>(QUESTION).await.unwrap();
    let invalid: Vec<&StepError> = outcome
        .steps
        .iter()
        .filter_map(|step| match step {
            Step::Invalid { error, .. } => Some(error),
            _ => None,
        })
        .collect();
    assert!(matches!(invalid[..], [StepError::MissingAction, StepError::InvalidInput { .. }]), "{invalid:?}");
    let bodies = bodies(&server).await;
    let second = messages(&bodies[1]);
    assert_eq!(
        second.last().unwrap().1,
        "Observation: Error: unknown tool 'get_weather'. Available: get_stock_price, get_company_news, compare_stocks"
    );
    let third = messages(&bodies[2]);
    assert_eq!(
        third.last().unwrap().1,
        "Error: the reply has neither an `Action:` nor a `Final Answer:`. Follow the format: Thought / Action / Action Input, or Thought / Final Answer."
    );
}

#[tokio::test]
async fn max_iterations_ends_the_text_loop_too() {
    let server = MockServer::start().await;
    reply_always(
        &server,
        ok(completion("Thought: again.\nAction: get_stock_price\nAction Input: {\"ticker\": \"MSFT\"}", 50, 20)),
    )
    .await;
    let err = react_agent(&server).run::<Recommendation>(QUESTION).await.unwrap_err();
    assert!(matches!(err, AgentError::MaxIterations { iterations: 6, .. }), "{err:?}");
    assert_eq!(err.steps().len(), 18, "a thought, a call and a result per turn");
    assert_eq!(bodies(&server).await.len(), 6);
}

#[test]
fn steps_are_read_with_and_without_the_stop_sequence() {
    let action =
        parse_step("Thought: I need the price.\nAction: get_stock_price\nAction Input: {\"ticker\": \"AAPL\"}")
            .unwrap();
    assert_eq!(
        action,
        ReactStep::Action {
            thought: Some("I need the price.".to_owned()),
            tool: "get_stock_price".to_owned(),
            input: json!({"ticker": "AAPL"})
        }
    );
    // Past the stop: the invented observation, and anything after it, is not read.
    let past = parse_step(
        "Thought: t\nAction: get_stock_price\nAction Input: {\"ticker\": \"AAPL\"}\nObservation: up 9%\nThought: done\nFinal Answer: AAPL",
    );
    assert_eq!(past.unwrap(), action_with("t", "get_stock_price", json!({"ticker": "AAPL"})));
    // An input as a list, in a code fence, with text after it.
    let fenced = parse_step("Action: `compare_stocks`\nAction Input: ```json\n[\"GOOGL\", \"MSFT\"]\n```");
    assert!(
        matches!(fenced, Ok(ReactStep::Action { ref tool, ref input, .. }) if tool == "compare_stocks" && input == &json!(["GOOGL", "MSFT"])),
        "{fenced:?}"
    );
    let done = parse_step("Thought: I have all the information needed.\nFinal Answer: Buy MSFT.").unwrap();
    assert_eq!(
        done,
        ReactStep::Final {
            thought: Some("I have all the information needed.".to_owned()),
            answer: "Buy MSFT.".to_owned()
        }
    );
    assert_eq!(parse_step("Thought: hmm"), Err(StepError::MissingAction));
    assert_eq!(parse_step("Action: \nAction Input: {}"), Err(StepError::MissingToolName));
    assert_eq!(parse_step("Action: get_stock_price"), Err(StepError::MissingInput { tool: "get_stock_price".into() }));
    assert!(matches!(parse_step("Action: x\nAction Input: {ticker"), Err(StepError::InvalidInput { .. })));
    assert_eq!(parse_step("Final Answer:   "), Err(StepError::EmptyAnswer));
}

fn action_with(thought: &str, tool: &str, input: Value) -> ReactStep {
    ReactStep::Action { thought: Some(thought.to_owned()), tool: tool.to_owned(), input }
}
