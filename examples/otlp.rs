//! Vendor-neutral tracing over OpenTelemetry (feature `otel`), the counterpart of
//! OpenLLMetry in Python: the spans go over OTLP/HTTP to any OpenTelemetry backend
//! (Arize Phoenix, Jaeger, Grafana Tempo, Honeycomb, an OpenTelemetry Collector).
//!
//! ```text
//! scripts/phoenix start                                  # a local backend, or any other
//! OTEL_EXPORTER_OTLP_ENDPOINT=http://127.0.0.1:6006 OPENAI_API_KEY=sk-... \
//!   cargo run --example otlp --features otel
//! ```
//!
//! The provider comes from the environment as `Client::from_env` reads it
//! (`OPENAI_BASE_URL` with `PLUCK_PROVIDER=llamacpp` for a local server). The traces
//! land in the service (and Phoenix project) `production_api`.

#[path = "types/job.rs"]
#[allow(dead_code)]
mod job;

use job::JobPostingAnalysis;
use tracing::Instrument;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let endpoint = std::env::var("OTEL_EXPORTER_OTLP_ENDPOINT").unwrap_or_else(|_| "http://127.0.0.1:6006".to_owned());
    // Three lines: the export, a client, a call. The guard sends what is left on drop.
    let otel = pluck::otel::install(&endpoint, "production_api")?;
    let client = pluck::Client::from_env()?;
    let analysis = client
        .extract::<JobPostingAnalysis>(job::SAMPLE_POSTING)
        .instrument(tracing::info_span!("llm_completion"))
        .await?;
    println!("{}", serde_json::to_string_pretty(&analysis)?);
    otel.flush()?;
    eprintln!("spans sent to {endpoint}");
    Ok(())
}
