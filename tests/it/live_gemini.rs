//! The real Gemini API, with the blog's job posting, with `responseJsonSchema` (the default)
//! and with `responseSchema` (`Mode::Tools`). Runs with `--features live` when
//! `GEMINI_API_KEY` is set (model from `PLUCK_MODEL`, else the provider's default); prints a
//! skip line otherwise.
#![cfg(feature = "live")]

use crate::support;

use pluck::{Client, Provider};
use support::job::JobPostingAnalysis;

#[tokio::test]
async fn extracts_the_sample_posting() {
    let Some(key) = std::env::var("GEMINI_API_KEY").ok().filter(|k| !k.is_empty()) else {
        println!("skipped: GEMINI_API_KEY is not set");
        return;
    };
    let mut builder = Client::builder().provider(Provider::Gemini).api_key(key);
    if let Ok(model) = std::env::var("PLUCK_MODEL") {
        builder = builder.model(model);
    }
    let client = builder.build().expect("client");
    let extracted = client
        .request::<JobPostingAnalysis>()
        .user(support::job::SAMPLE_POSTING)
        .temperature(0.0)
        .send_with_usage()
        .await
        .expect("a valid analysis");
    println!("{} in {} attempts, {:?}: {:#?}", client.model(), extracted.attempts, extracted.usage, extracted.value);
    assert!(extracted.usage.total_tokens > 0);
    assert!(!extracted.value.skills.is_empty(), "the sample posting names skills");
}

#[tokio::test]
async fn extracts_the_sample_posting_with_the_response_schema() {
    let Some(key) = support::live_key("GEMINI_API_KEY") else { return };
    let client = Client::builder().provider(Provider::Gemini).api_key(key).mode(pluck::Mode::Tools).build().unwrap();
    support::extract_sample_posting(&client).await;
}
