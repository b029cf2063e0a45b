//! The workload with the `instructors` crate: `Client::openai_compatible`, whose OpenAI
//! requests use a strict `json_schema` response format, the same system prompt, and
//! the job-posting rules as a validation closure (it re-asks with the error in a
//! rewritten user message).

use bench_common::job::{check, JobPostingAnalysis};
use bench_common::{base_url, runner, API_KEY, MODEL, POSTING, SYSTEM_PROMPT};
use instructors::Client;

fn main() {
    let client = Client::openai_compatible(API_KEY, base_url());
    runner::run("instructors", || async {
        client
            .extract::<JobPostingAnalysis>(POSTING)
            .model(MODEL)
            .system(SYSTEM_PROMPT)
            .max_retries(2)
            .validate(|job: &JobPostingAnalysis| check(job).map_err(Into::into))
            .await
            .map(|extracted| extracted.value.overall_confidence)
    });
}
