//! Extracts a `JobPostingAnalysis` from a job posting and prints it with its token
//! usage and the number of attempts.
//!
//! The provider comes from the environment (or a `.env` file), as `Client::from_env`
//! reads it: `OPENAI_API_KEY` for OpenAI, or `OPENAI_BASE_URL` with
//! `PLUCK_PROVIDER=llamacpp` for a local llama.cpp server (`scripts/job` starts one).
//!
//! ```text
//! cargo run --example job_posting                 # the sample posting
//! cargo run --example job_posting -- posting.txt  # a posting from a file
//! ```

#[path = "types/job.rs"]
#[allow(dead_code)]
mod job;

use job::JobPostingAnalysis;
use std::process::ExitCode;

#[tokio::main]
async fn main() -> ExitCode {
    let posting = match std::env::args().nth(1) {
        Some(path) => match std::fs::read_to_string(&path) {
            Ok(text) => text,
            Err(err) => {
                eprintln!("cannot read {path}: {err}");
                return ExitCode::FAILURE;
            }
        },
        None => job::SAMPLE_POSTING.to_owned(),
    };
    let client = match pluck::Client::from_env() {
        Ok(client) => client,
        Err(err) => {
            eprintln!("no provider configured: {err}");
            eprintln!("set OPENAI_API_KEY, or run `scripts/job`, which starts a local model when no key is set");
            return ExitCode::from(2);
        }
    };
    eprintln!("extracting with {} ({:?} mode)...", client.model(), client.mode());
    let result = client
        .request::<JobPostingAnalysis>()
        .system("You analyse job postings. Extract only what the posting states; list the fields it does not state in missing_fields.")
        .user(posting)
        .temperature(0.0)
        .max_retries(3)
        .send_with_usage()
        .await;
    match result {
        Ok(extracted) => {
            println!("{}", serde_json::to_string_pretty(&extracted.value).expect("serializable"));
            println!("required skills: {:?}", extracted.value.required_skills());
            println!(
                "attempts: {}, tokens: {} prompt + {} completion = {}",
                extracted.attempts,
                extracted.usage.prompt_tokens,
                extracted.usage.completion_tokens,
                extracted.usage.total_tokens
            );
            ExitCode::SUCCESS
        }
        Err(pluck::Error::ValidationExhausted(exhausted)) => {
            eprintln!("no valid reply in {} attempts:", exhausted.attempts().len());
            for (i, attempt) in exhausted.attempts().iter().enumerate() {
                eprintln!("attempt {}: {}\n{}\n", i + 1, attempt.raw, attempt.report);
            }
            eprintln!("tokens: {}", exhausted.usage().total_tokens);
            ExitCode::FAILURE
        }
        Err(err) => {
            eprintln!("extraction failed: {err}");
            ExitCode::FAILURE
        }
    }
}
