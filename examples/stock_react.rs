//! The blog's stock research assistant as its hand-written ReAct loop, for models
//! without tool calling: `Thought:` / `Action:` / `Action Input:` lines, each reply
//! stopped at `Observation:`, the tool's result sent back as a user message, at most 6
//! iterations; then the `Final Answer:` read into a typed `Recommendation`.
//!
//! ```text
//! cargo run --example stock_react
//! ```
//!
//! The provider comes from the environment, as in the `job_posting` example.

#[path = "types/stock.rs"]
#[allow(dead_code)]
mod stock;

use pluck::agent::{Agent, Step};
use std::process::ExitCode;
use stock::{stock_tools, Recommendation, QUESTION, STOCK_PROMPT};

#[tokio::main]
async fn main() -> ExitCode {
    let client = match pluck::Client::from_env() {
        Ok(client) => client,
        Err(err) => {
            eprintln!("no provider configured: {err}");
            eprintln!("set OPENAI_API_KEY, or OPENAI_BASE_URL and PLUCK_PROVIDER=llamacpp for a local server (`scripts/local-llm env`)");
            return ExitCode::from(2);
        }
    };
    let agent = match Agent::builder(client)
        .name("stock_research_react")
        .system(STOCK_PROMPT)
        .tools(stock_tools())
        .react()
        .max_iterations(6)
        .temperature(0.0)
        .max_tokens(500)
        .build()
    {
        Ok(agent) => agent,
        Err(err) => {
            eprintln!("{err}");
            return ExitCode::FAILURE;
        }
    };
    println!("\nQuestion: {QUESTION}\n{}", "=".repeat(60));
    match agent.run::<Recommendation>(QUESTION).await {
        Ok(outcome) => {
            print_steps(&outcome.steps);
            let recommendation = outcome.value;
            println!("\nRecommendation: {:?} {}", recommendation.action, recommendation.ticker);
            println!("Reasoning     : {}", recommendation.reasoning);
            println!("({} iterations, {} tokens)", outcome.iterations, outcome.usage.total_tokens);
            ExitCode::SUCCESS
        }
        Err(err) => {
            print_steps(err.steps());
            eprintln!("the agent stopped: {err}");
            ExitCode::FAILURE
        }
    }
}

fn print_steps(steps: &[Step]) {
    for step in steps {
        match step {
            Step::Thought { text } => println!("\nThought: {text}"),
            Step::ToolCall { call } => {
                println!("Action: {}\nAction Input: {}", call.function.name, call.function.arguments)
            }
            Step::ToolResult { output, .. } => println!("Observation: {output}"),
            Step::Invalid { text, error } => println!("\n(unreadable step: {error})\n{text}"),
            _ => {}
        }
    }
}
