//! The workload with pluck: `Client::extract::<JobPostingAnalysis>` in JSON-schema mode
//! (strict `response_format`), with its default system prompt and up to 2 re-asks.
//! Built with the feature `router` and run with `BENCH_ROUTER=1`, the same client is
//! the one deployment of a router, which runs the extraction (`run --router`).

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
    #[cfg(feature = "router")]
    if std::env::var("BENCH_ROUTER").is_ok_and(|v| v == "1") {
        let router = pluck::router::Router::builder()
            .deployment(MODEL, pluck::router::Deployment::client(client))
            .build()
            .expect("the router builds");
        runner::run("pluck-router", || async {
            router.extract::<JobPostingAnalysis>(MODEL, POSTING).await.map(|job| job.overall_confidence)
        });
        return;
    }
    runner::run("pluck", || async {
        client.extract::<JobPostingAnalysis>(POSTING).await.map(|job| job.overall_confidence)
    });
}
