//! The workload with pluck: `Client::extract::<JobPostingAnalysis>` in JSON-schema mode
//! (strict `response_format`), with its default system prompt and up to 2 re-asks.
//!
//! Built with the feature `otel` (`cargo build --release -p bench-pluck --features
//! otel`), `BENCH_PLUCK_TRACE` picks what listens to pluck's spans: `none` (the
//! default: no subscriber), `discard` (a subscriber that builds pluck's spans and
//! records their fields, then writes nothing) or `otlp` (the export to the OTLP/HTTP
//! collector at `BENCH_OTLP_ENDPOINT`, such as Phoenix). The row's library is then
//! `pluck+discard` or `pluck+otlp`.
//!
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
    let (library, _listening) = listen();
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
    runner::run(library, || async {
        client.extract::<JobPostingAnalysis>(POSTING).await.map(|job| job.overall_confidence)
    });
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
        other => panic!("BENCH_PLUCK_TRACE is none, discard or otlp, not {other}"),
    }
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
