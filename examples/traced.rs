//! A traced call: the extraction's spans printed by a `tracing-subscriber` fmt layer,
//! the counterpart of LangSmith's `@traceable` in Python. Each span, when it closes,
//! prints its fields: the model asked and the one that replied, the tokens, the
//! attempt, how long it took (`time.busy`, `time.idle`), and on failure `error.type`.
//!
//! ```text
//! OPENAI_API_KEY=sk-... cargo run --example traced --features tracing
//! OPENAI_BASE_URL=http://127.0.0.1:8088/v1 PLUCK_PROVIDER=llamacpp \
//!   cargo run --example traced --features tracing          # any OpenAI-compatible server
//! ```

#[path = "types/job.rs"]
#[allow(dead_code)]
mod job;

use job::JobPostingAnalysis;
use tracing::Instrument;
use tracing_subscriber::fmt::format::FmtSpan;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    // Every span, with its fields, as it closes; to stderr.
    tracing_subscriber::fmt().with_span_events(FmtSpan::CLOSE).with_writer(std::io::stderr).init();

    let client = pluck::Client::from_env()?;
    // A span of your own around the call, as `@traceable` makes one around a function:
    // the extraction's span and its attempts' sit under it.
    let call = tracing::info_span!("call_llm", posting = "sample");
    let analysis = client
        .request::<JobPostingAnalysis>()
        .user(job::SAMPLE_POSTING)
        .temperature(0.0)
        .send_with_usage()
        .instrument(call)
        .await?;
    println!("{}", serde_json::to_string_pretty(&analysis.value)?);
    println!("{} attempt(s), {} tokens", analysis.attempts, analysis.usage.total_tokens);
    Ok(())
}
