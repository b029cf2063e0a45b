//! Chain of thought: a `SupportTriage` whose `reasoning` field comes first, so the
//! model reasons before it picks a priority and a category. The reasoning stays as the
//! audit trail of each decision.
//!
//! ```text
//! cargo run --example support_triage
//! ```
//!
//! The provider comes from the environment, as in the `job_posting` example.

#[path = "types/triage.rs"]
#[allow(dead_code)]
mod triage;

use std::process::ExitCode;
use triage::{SupportTriage, TICKETS, TRIAGE_PROMPT};

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
    for ticket in TICKETS {
        let result = client
            .request::<SupportTriage>()
            .system(TRIAGE_PROMPT)
            .user(format!("Ticket:\n{ticket}"))
            .temperature(0.0)
            .max_retries(3)
            .send_with_usage()
            .await;
        match result {
            Ok(extracted) => {
                let triage = extracted.value;
                println!("Ticket   : {ticket}");
                println!("Reasoning: {}", triage.reasoning);
                println!("Priority : {:?}", triage.priority);
                println!("Category : {:?}", triage.category);
                println!("({} attempts, {} tokens)\n", extracted.attempts, extracted.usage.total_tokens);
            }
            Err(err) => {
                eprintln!("triage failed: {err}");
                return ExitCode::FAILURE;
            }
        }
    }
    ExitCode::SUCCESS
}
