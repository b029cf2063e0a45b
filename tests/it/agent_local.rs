//! The tool-calling agent end to end against a real model: a llama.cpp server started
//! by `scripts/local-llm start` (or any OpenAI-compatible server with tool calling),
//! named by `PLUCK_TEST_BASE_URL`. Run with `cargo test --features integration --test
//! it -- agent_local::`; it skips with a message when the variable is not set.
//!
//! It holds the run to what pluck guarantees whatever the model does (a validated
//! value, or a typed error keeping the steps), and with `PLUCK_TEST_CHECK_FACTS=1` (the
//! default model of `scripts/test`, Qwen2.5-Coder-1.5B-Instruct) to the facts: a price
//! question leads to a `get_stock_price` call with the right ticker, and the answer
//! gives the price the tool returned.
#![cfg(feature = "integration")]

use crate::support;

use pluck::agent::{Agent, AgentError, Step};
use pluck::Extract;
use schemars::JsonSchema;
use serde::Deserialize;
use support::e2e::{facts, local};
use support::stock::stock_tools;

/// The answer to a price question.
#[derive(Extract, Deserialize, JsonSchema, Debug)]
struct PriceAnswer {
    /// What the tool said, first.
    reasoning: String,
    /// The ticker asked about.
    #[extract(length(min = 1, max = 5))]
    ticker: String,
    /// The current price, as the tool gave it.
    price: f64,
}

#[tokio::test]
async fn a_price_question_calls_the_price_tool_and_answers_with_its_result() {
    let test = "a_price_question_calls_the_price_tool_and_answers_with_its_result";
    let Some(client) = local(test) else { return };
    let agent = Agent::builder(client)
        .name("stock_research")
        .system("You are a stock research assistant. Always use the tools to look up prices; never guess.")
        .tools(stock_tools())
        .temperature(0.0)
        .max_retries(3)
        .build()
        .expect("agent");
    let outcome = agent.run::<PriceAnswer>("What is the current stock price of Microsoft (ticker MSFT)?").await;
    let (steps, answer) = match outcome {
        Ok(mut outcome) => {
            pluck::validate(&mut outcome.value).expect("the final answer passes every rule");
            assert!(outcome.iterations >= 1 && outcome.iterations <= 6);
            println!(
                "{test}: {:?} after {} iterations, {} tokens",
                outcome.value, outcome.iterations, outcome.usage.total_tokens
            );
            (outcome.steps, Some(outcome.value))
        }
        Err(err @ (AgentError::MaxIterations { .. } | AgentError::Model { .. })) => {
            println!("{test}: ended without an answer: {err}");
            assert!(!facts(), "{test}: with a capable model the run ends with an answer: {err}");
            (err.steps().to_vec(), None)
        }
        Err(err) => panic!("{test}: unexpected error: {err}"),
    };
    for step in &steps {
        println!("  {step:?}");
    }
    if !facts() {
        return;
    }
    let asked_price = steps.iter().any(|step| match step {
        Step::ToolCall { call } if call.function.name == "get_stock_price" => {
            let args: serde_json::Value = serde_json::from_str(&call.function.arguments).unwrap_or_default();
            args["ticker"].as_str().is_some_and(|ticker| ticker.eq_ignore_ascii_case("MSFT"))
        }
        _ => false,
    });
    assert!(asked_price, "{test}: no get_stock_price call for MSFT: {steps:#?}");
    let answer = answer.expect("an answer");
    assert!(answer.ticker.eq_ignore_ascii_case("MSFT"), "{answer:?}");
    assert!((answer.price - 378.5).abs() < 0.01, "the answer uses the tool's price: {answer:?}");
}
