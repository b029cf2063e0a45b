//! Streams a JobPostingAnalysis and prints it as it fills in, then the validated value.
//!
//!     OPENAI_API_KEY=sk-... cargo run --example stream_job_posting
//!     # or a local llama.cpp server (scripts/local-llm start prints the URL):
//!     OPENAI_BASE_URL=http://127.0.0.1:8088/v1 PLUCK_PROVIDER=llamacpp cargo run --example stream_job_posting

#[path = "types/job.rs"]
#[allow(dead_code)]
mod job;

use futures_util::StreamExt;
use job::{JobPostingAnalysis, JobPostingAnalysisPartial, SAMPLE_POSTING};
use pluck::stream::Update;
use pluck::Client;
use std::io::Write;
use std::process::ExitCode;

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    let client = match Client::from_env() {
        Ok(client) => client,
        Err(err) => {
            eprintln!("no provider configured: {err}");
            return ExitCode::FAILURE;
        }
    };
    let mut updates = client.extract_stream::<JobPostingAnalysis>(SAMPLE_POSTING);
    let mut stdout = std::io::stdout();
    while let Some(update) = updates.next().await {
        match update {
            Ok(Update::Partial(progress)) => {
                // Redraw one line per update.
                let _ = write!(stdout, "\r\x1b[2K[attempt {}] {}", progress.attempt, summary(&progress.value));
                for violation in progress.violations.iter() {
                    let _ = write!(stdout, "  (already broken: {violation})");
                }
                let _ = stdout.flush();
            }
            Ok(Update::Retry { attempt, report }) => {
                println!("\nattempt {attempt} did not validate, asking again:\n{report}")
            }
            Ok(Update::Done(done)) => {
                println!("\n\n{:#?}", done.value);
                println!("{} attempt(s), {} tokens", done.attempts, done.usage.total_tokens);
                return ExitCode::SUCCESS;
            }
            Ok(_) => {}
            Err(err) => {
                eprintln!("\nextraction failed: {err}");
                return ExitCode::FAILURE;
            }
        }
    }
    ExitCode::FAILURE
}

/// The partial value in one line.
fn summary(partial: &JobPostingAnalysisPartial) -> String {
    let skills: Vec<&str> = partial.skills.iter().flatten().filter_map(|skill| skill.name.as_deref()).collect();
    format!(
        "title={:?} company={:?} level={:?} salary={:?}-{:?} skills={:?} categories={} confidence={:?}",
        partial.job_title.as_deref().unwrap_or(""),
        partial.company_name.as_deref().unwrap_or(""),
        partial.experience_level,
        partial.salary.as_ref().and_then(|s| s.min_amount),
        partial.salary.as_ref().and_then(|s| s.max_amount),
        skills,
        partial.categories.as_ref().map_or(0, Vec::len),
        partial.overall_confidence,
    )
}
