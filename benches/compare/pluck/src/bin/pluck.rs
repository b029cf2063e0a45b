//! The workload with pluck: `Client::extract::<JobPostingAnalysis>` in JSON-schema mode
//! (strict `response_format`), with its default system prompt and up to 2 re-asks.
//!
//! Built with the feature `budget` and run with `BENCH_BUDGET=FILE`, every extraction
//! is paid from a customer's budget kept in that SQLite file (made afresh), which
//! affords them all: the cost of reserving and settling each attempt.

#[allow(dead_code)]
#[path = "../../../../../examples/types/job.rs"]
mod job;

use bench_common::{base_url, runner, API_KEY, MODEL, POSTING};
use job::JobPostingAnalysis;
use pluck::{Client, ClientBuilder, Mode};

fn main() {
    assert_eq!(pluck::DEFAULT_SYSTEM_PROMPT, bench_common::SYSTEM_PROMPT, "every client sends the same prompt");
    let builder =
        Client::builder().base_url(base_url()).api_key(API_KEY).model(MODEL).mode(Mode::JsonSchema).max_retries(2);
    let (builder, customer) = budget(builder);
    let client = builder.build().expect("the client builds");
    let library = if customer.is_some() { "pluck-budget" } else { "pluck" };
    runner::run(library, || async {
        let request = client.request::<JobPostingAnalysis>().user(POSTING);
        let request = match &customer {
            Some(customer) => request.customer(customer),
            None => request,
        };
        request.send().await.map(|job| job.overall_confidence)
    });
}

/// The budget BENCH_BUDGET asks for, and the customer it is kept for.
#[cfg(feature = "budget")]
fn budget(builder: ClientBuilder) -> (ClientBuilder, Option<String>) {
    use pluck::budget::{Budget, BudgetStore, Decimal, Period, SqliteBudgets};
    let Ok(path) = std::env::var("BENCH_BUDGET") else { return (builder, None) };
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{path}{suffix}"));
    }
    let store = SqliteBudgets::open(&path).expect("the budget file opens");
    let runtime = tokio::runtime::Builder::new_current_thread().build().expect("a runtime");
    runtime
        .block_on(store.set_limit("bench", Decimal::from(1_000_000_000), Period::Monthly))
        .expect("the limit is set");
    let budget = Budget::new(store).price_per_token(Decimal::new(15, 8));
    (builder.budget(budget), Some("bench".to_owned()))
}

#[cfg(not(feature = "budget"))]
fn budget(builder: ClientBuilder) -> (ClientBuilder, Option<String>) {
    assert!(std::env::var_os("BENCH_BUDGET").is_none(), "BENCH_BUDGET needs the feature `budget`");
    (builder, None)
}
