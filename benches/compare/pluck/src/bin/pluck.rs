//! The workload with pluck: `Client::extract::<JobPostingAnalysis>` in JSON-schema mode
//! (strict `response_format`), with its default system prompt and up to 2 re-asks.

#[allow(dead_code)]
#[path = "../../../../../examples/types/job.rs"]
mod job;

use bench_common::{base_url, runner, API_KEY, MODEL, POSTING};
use job::JobPostingAnalysis;
use pluck::{Client, Mode};

fn main() {
    assert_eq!(pluck::DEFAULT_SYSTEM_PROMPT, bench_common::SYSTEM_PROMPT, "every client sends the same prompt");
    let client = Client::builder()
        .base_url(base_url())
        .api_key(API_KEY)
        .model(MODEL)
        .mode(Mode::JsonSchema)
        .max_retries(2)
        .build()
        .expect("the client builds");
    runner::run("pluck", || async {
        client.extract::<JobPostingAnalysis>(POSTING).await.map(|job| job.overall_confidence)
    });
}
