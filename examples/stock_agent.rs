//! The blog's stock research assistant with the provider's own tool calling: three
//! tools over fixed in-memory data (`get_stock_price`, `get_company_news`,
//! `compare_stocks`), each step printed as it happens, ending in a typed
//! `Recommendation`.
//!
//! ```text
//! cargo run --example stock_agent
//! ```
//!
//! The provider comes from the environment, as in the `job_posting` example: any
//! OpenAI-compatible base URL (`OPENAI_BASE_URL`, with `OPENAI_API_KEY` if it needs
//! one), Anthropic or Gemini.

#[path = "types/stock.rs"]
#[allow(dead_code)]
mod stock;

use futures_util::StreamExt;
use pluck::agent::{Agent, Progress, Step};
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
        .name("stock_research")
        .system(STOCK_PROMPT)
        .tools(stock_tools())
        .max_iterations(6)
        .temperature(0.0)
        .build()
    {
        Ok(agent) => agent,
        Err(err) => {
            eprintln!("{err}");
            return ExitCode::FAILURE;
        }
    };
    println!("\nQuestion: {QUESTION}\n{}", "=".repeat(60));
    let mut steps = agent.run_steps::<Recommendation>(QUESTION);
    while let Some(progress) = steps.next().await {
        match progress {
            Ok(Progress::Step(Step::Thought { text })) => println!("  Thought : {text}"),
            Ok(Progress::Step(Step::ToolCall { call })) => {
                println!("  → Calling: {}({})", call.function.name, call.function.arguments)
            }
            Ok(Progress::Step(Step::ToolResult { output, .. })) => {
                println!("  ← Result : {}", output.chars().take(120).collect::<String>())
            }
            Ok(Progress::Step(_)) => {}
            Ok(Progress::Done(outcome)) => {
                let recommendation = outcome.value;
                println!("\nRecommendation: {:?} {}", recommendation.action, recommendation.ticker);
                println!("Best today    : {}", recommendation.best_performer_today);
                println!("Reasoning     : {}", recommendation.reasoning);
                println!("({} iterations, {} tokens)", outcome.iterations, outcome.usage.total_tokens);
            }
            Ok(_) => {}
            Err(err) => {
                eprintln!("the agent stopped: {err} (after {} steps)", err.steps().len());
                return ExitCode::FAILURE;
            }
        }
    }
    ExitCode::SUCCESS
}
