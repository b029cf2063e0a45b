//! The workload with pluck: `Client::extract::<JobPostingAnalysis>` in JSON-schema mode
//! (strict `response_format`), with its default system prompt and up to 2 re-asks.
//!
//! Built with the feature `budget` and run with `BENCH_BUDGET=FILE`, every extraction
//! is paid from a customer's budget kept in that SQLite file (made afresh), which
//! affords them all: the cost of reserving and settling each attempt. With
//! `BENCH_BUDGET_LEASES=1` too, the store is wrapped in `Leased` (row `pluck-leased`):
//! attempts draw from leases reserved in the file 64 at a time.
//!
//! Built with the feature `otel` (`cargo build --release -p bench-pluck --features
//! otel`), `BENCH_PLUCK_TRACE` picks what listens to pluck's spans: `none` (the
//! default: no subscriber), `sink` (a subscriber that takes every span and event and
//! drops it at once: what pluck itself spends on its spans), `registry`
//! (`tracing_subscriber`'s registry alone: it
//! builds pluck's spans, keeps them while open and reads no field), `discard` (the
//! registry with a layer that reads every field of every span and event, then writes
//! nothing) or `otlp` (the export to the OTLP/HTTP collector at `BENCH_OTLP_ENDPOINT`,
//! such as Phoenix). The row's library is then `pluck+sink`, `pluck+registry`,
//! `pluck+discard` or `pluck+otlp`.
//!
//! Built with the feature `router` and run with `BENCH_ROUTER=1`, the same client is
//! the one deployment of a router, which runs the extraction (`run --router`).

#[allow(dead_code)]
#[path = "../../../../../examples/types/job.rs"]
mod job;

use bench_common::{base_url, runner, API_KEY, MODEL, POSTING};
use job::JobPostingAnalysis;
use pluck::{Client, ClientBuilder, Mode};

fn main() {
    assert_eq!(pluck::DEFAULT_SYSTEM_PROMPT, bench_common::SYSTEM_PROMPT, "every client sends the same prompt");
    let (library, _listening) = listen();
    let builder =
        Client::builder().base_url(base_url()).api_key(API_KEY).model(MODEL).mode(Mode::JsonSchema).max_retries(2);
    let (builder, customer) = budget(builder);
    let client = builder.build().expect("the client builds");
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
    let library = match &customer {
        Some(_) if std::env::var("BENCH_BUDGET_LEASES").is_ok_and(|v| v == "1") => "pluck-leased",
        Some(_) => "pluck-budget",
        None => library,
    };
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
    use pluck::budget::{Budget, BudgetStore, Decimal, LeasePolicy, Leased, Period, SqliteBudgets};
    let Ok(path) = std::env::var("BENCH_BUDGET") else { return (builder, None) };
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{path}{suffix}"));
    }
    let store = SqliteBudgets::open(&path).expect("the budget file opens");
    let runtime = tokio::runtime::Builder::new_current_thread().build().expect("a runtime");
    runtime
        .block_on(store.set_limit("bench", Decimal::from(1_000_000_000), Period::Monthly))
        .expect("the limit is set");
    // Paid at the model's price in the shipped table; with BENCH_BUDGET_LEASES=1, from
    // leases of the default size.
    let budget = if std::env::var("BENCH_BUDGET_LEASES").is_ok_and(|v| v == "1") {
        Budget::new(Leased::new(store, LeasePolicy::default()))
    } else {
        Budget::new(store)
    };
    (builder.customer_budgets(budget), Some("bench".to_owned()))
}

#[cfg(not(feature = "budget"))]
fn budget(builder: ClientBuilder) -> (ClientBuilder, Option<String>) {
    assert!(std::env::var_os("BENCH_BUDGET").is_none(), "BENCH_BUDGET needs the feature `budget`");
    (builder, None)
}

/// What `BENCH_PLUCK_TRACE` asks to listen to the spans: the row's library name, and
/// what must live as long as the run.
#[cfg(not(feature = "otel"))]
fn listen() -> (&'static str, ()) {
    let trace = std::env::var("BENCH_PLUCK_TRACE").unwrap_or_default();
    assert!(matches!(trace.as_str(), "" | "none"), "BENCH_PLUCK_TRACE={trace} needs the feature otel");
    ("pluck", ())
}

#[cfg(feature = "otel")]
fn listen() -> (&'static str, Option<pluck::otel::OtelGuard>) {
    use tracing_subscriber::layer::SubscriberExt;
    use tracing_subscriber::Layer;
    match std::env::var("BENCH_PLUCK_TRACE").unwrap_or_default().as_str() {
        "" | "none" => ("pluck", None),
        "sink" => {
            tracing::subscriber::set_global_default(Sink).expect("the only subscriber");
            ("pluck+sink", None)
        }
        "registry" => {
            tracing::subscriber::set_global_default(tracing_subscriber::registry()).expect("the only subscriber");
            ("pluck+registry", None)
        }
        "discard" => {
            let only_pluck = tracing_subscriber::filter::filter_fn(|meta| meta.target().starts_with("pluck"));
            let subscriber = tracing_subscriber::registry().with(Discard.with_filter(only_pluck));
            tracing::subscriber::set_global_default(subscriber).expect("the only subscriber");
            ("pluck+discard", None)
        }
        "otlp" => {
            let endpoint = std::env::var("BENCH_OTLP_ENDPOINT").expect("BENCH_OTLP_ENDPOINT for otlp");
            let guard = pluck::otel::install(&endpoint, "pluck-bench").expect("the export");
            ("pluck+otlp", Some(guard))
        }
        other => panic!("BENCH_PLUCK_TRACE is none, sink, registry, discard or otlp, not {other}"),
    }
}

/// Takes every span and event and drops it: no span is kept, no field read, so a run
/// with it costs what pluck spends on its spans and no more.
#[cfg(feature = "otel")]
struct Sink;

#[cfg(feature = "otel")]
impl tracing::Subscriber for Sink {
    fn enabled(&self, _: &tracing::Metadata<'_>) -> bool {
        true
    }

    fn new_span(&self, _: &tracing::span::Attributes<'_>) -> tracing::span::Id {
        // Spans are told apart by nothing here, so one id serves them all.
        tracing::span::Id::from_u64(1)
    }

    fn record(&self, _: &tracing::span::Id, _: &tracing::span::Record<'_>) {}

    fn record_follows_from(&self, _: &tracing::span::Id, _: &tracing::span::Id) {}

    fn event(&self, _: &tracing::Event<'_>) {}

    fn enter(&self, _: &tracing::span::Id) {}

    fn exit(&self, _: &tracing::span::Id) {}
}

/// Reads every field of every span and event it is given, and keeps nothing.
#[cfg(feature = "otel")]
struct Discard;

#[cfg(feature = "otel")]
struct Ignore;

#[cfg(feature = "otel")]
impl tracing::field::Visit for Ignore {
    fn record_debug(&mut self, _: &tracing::field::Field, _: &dyn std::fmt::Debug) {}
}

#[cfg(feature = "otel")]
impl<S: tracing::Subscriber> tracing_subscriber::Layer<S> for Discard {
    fn on_new_span(
        &self,
        attrs: &tracing::span::Attributes<'_>,
        _: &tracing::span::Id,
        _: tracing_subscriber::layer::Context<'_, S>,
    ) {
        attrs.record(&mut Ignore);
    }

    fn on_record(
        &self,
        _: &tracing::span::Id,
        values: &tracing::span::Record<'_>,
        _: tracing_subscriber::layer::Context<'_, S>,
    ) {
        values.record(&mut Ignore);
    }

    fn on_event(&self, event: &tracing::Event<'_>, _: tracing_subscriber::layer::Context<'_, S>) {
        event.record(&mut Ignore);
    }
}
