//! Streaming against a real model: a llama.cpp server started by `scripts/local-llm
//! start`, whose base URL is in `PLUCK_TEST_BASE_URL` (model name from
//! `PLUCK_TEST_MODEL`, default `local`). Run with `--features integration`; skipped
//! when the variable is unset. Held to the same guarantees, and with
//! `PLUCK_TEST_CHECK_FACTS=1` the same facts, as `tests/it/e2e_local.rs`.
#![cfg(feature = "integration")]

use crate::support;

use futures::StreamExt;
use pluck::stream::Update;
use pluck::Mode;
use std::time::{Duration, Instant};
use support::e2e::{guaranteed, local_builder, must_be_valid, Asked};
use support::job::{ExperienceLevel, JobPostingAnalysis, SAMPLE_POSTING};

#[tokio::test]
async fn a_real_job_posting_streams_end_to_end() {
    let test = "a_real_job_posting_streams_end_to_end";
    let Some(builder) = local_builder(test) else { return };
    let client = builder
        .mode(Mode::JsonObjectSchema)
        .max_retries(3)
        .temperature(0.0)
        .max_tokens(600)
        .timeout(Duration::from_secs(300))
        .build()
        .expect("client");

    let started = Instant::now();
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
    println!("{partials:?} partials per attempt");
    assert!(attempts >= 1);
    assert!(partials.iter().all(|n| *n > 1), "every attempt streamed partials before it ended: {partials:?}");
    assert_eq!(retries, (1..attempts).collect::<Vec<_>>(), "each failed attempt was re-asked");
    let outcome = outcome.expect("the stream ends with a value or an error");
    if let Ok(done) = &outcome {
        assert_eq!(done.attempts, attempts);
    }
    // llama-cpp-python sends no usage in streams.
    let asked = Asked { max_retries: 3, cap: Some(600), usage: false };
    if let Some(done) = must_be_valid(test, guaranteed(test, started, outcome, asked)) {
        assert_eq!(done.value.experience_level, Some(ExperienceLevel::Senior), "{:#?}", done.value);
        assert!(done.value.skills.iter().any(|s| s.name.eq_ignore_ascii_case("Python")), "{:?}", done.value.skills);
    }
}
