//! Streaming against a real model: a llama.cpp server started by `scripts/local-llm
//! start`, whose base URL is in `PLUCK_TEST_BASE_URL` (model name from
//! `PLUCK_TEST_MODEL`, default `local`). Run with `--features integration`; skipped
//! when the variable is unset.
#![cfg(feature = "integration")]

mod support;

use futures::StreamExt;
use pluck::stream::Update;
use pluck::{Client, Mode};
use std::time::Duration;
use support::job::{JobPostingAnalysis, SAMPLE_POSTING};

#[tokio::test]
async fn a_real_job_posting_streams_end_to_end() {
    let Ok(base_url) = std::env::var("PLUCK_TEST_BASE_URL") else {
        println!("skipped: set PLUCK_TEST_BASE_URL (from `scripts/local-llm start`) to stream from a real model");
        return;
    };
    let model = std::env::var("PLUCK_TEST_MODEL").unwrap_or_else(|_| "local".to_owned());
    let client = Client::builder()
        .llama_cpp()
        .base_url(base_url)
        .model(model)
        .mode(Mode::JsonObjectSchema)
        // A small model: sampling varies its answers, so that a re-ask can fix one.
        .max_retries(8)
        .temperature(0.8)
        .max_tokens(600)
        .timeout(Duration::from_secs(300))
        .build()
        .expect("client");

    let mut updates = client.extract_stream::<JobPostingAnalysis>(SAMPLE_POSTING);
    // Partials seen per attempt, and the attempts re-asked.
    let mut partials: Vec<usize> = Vec::new();
    let mut retries = Vec::new();
    let mut outcome = None;
    while let Some(update) = updates.next().await {
        match update {
            Ok(Update::Partial(progress)) => {
                let attempt = progress.attempt as usize;
                partials.resize(partials.len().max(attempt), 0);
                partials[attempt - 1] += 1;
            }
            Ok(Update::Retry { attempt, report }) => {
                println!("attempt {attempt} re-asked: {report}");
                assert!(!report.is_empty());
                retries.push(attempt);
            }
            Ok(Update::Done(extracted)) => outcome = Some(Ok(extracted)),
            Ok(_) => {}
            Err(err) => outcome = Some(Err(err)),
        }
    }
    let attempts = partials.len() as u32;
    assert!(attempts >= 1);
    assert!(partials.iter().all(|n| *n > 1), "every attempt streamed partials before it ended: {partials:?}");
    assert_eq!(retries, (1..attempts).collect::<Vec<_>>(), "each failed attempt was re-asked");
    match outcome.expect("the stream ends with a value or an error") {
        Ok(mut done) => {
            assert_eq!(done.attempts, attempts);
            pluck::validate(&mut done.value).expect("the final value validates");
            // llama-cpp-python sends no usage in streams; nothing to assert about it.
            println!("{:#?}\n{partials:?} partials per attempt", done.value);
        }
        // A very small model may never satisfy every rule; the stream still has to end
        // with every attempt's report, never with an unvalidated value.
        Err(pluck::Error::ValidationExhausted(exhausted)) => {
            assert_eq!(exhausted.attempts().len() as u32, attempts);
            println!(
                "the model never validated in {attempts} attempts; the last one broke:\n{}",
                exhausted.attempts()[attempts as usize - 1].report
            );
        }
        Err(other) => panic!("the stream failed: {other}"),
    }
}
