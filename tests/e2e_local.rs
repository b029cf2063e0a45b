//! End to end against a real language model: a llama.cpp server started by
//! `scripts/local-llm start` (or any OpenAI-compatible server), named by
//! `PLUCK_TEST_BASE_URL`. Run with `cargo test --features integration --test e2e_local`.
//!
//! The local models are tiny: these tests assert what pluck guarantees (a value that
//! passes every validator, usage counted, re-asks made), not what a large model would
//! know. The blog's semantic assertions run only against OpenAI, when `OPENAI_API_KEY`
//! is set.

mod support;

use pluck::{Client, Error, Extract, Mode};
use schemars::JsonSchema;
use serde::Deserialize;
use std::time::Instant;
use support::job::{ExperienceLevel, JobPostingAnalysis, SAMPLE_POSTING};
use support::triage::{SupportTriage, TICKETS, TRIAGE_PROMPT};

/// A client for the server under test, or `None` (after saying so) when none is set.
fn local(test: &str) -> Option<Client> {
    let Ok(base_url) = std::env::var("PLUCK_TEST_BASE_URL") else {
        println!("skipped {test}: PLUCK_TEST_BASE_URL is not set (start a server with scripts/local-llm start)");
        return None;
    };
    let model = std::env::var("PLUCK_TEST_MODEL").unwrap_or_else(|_| "local".to_owned());
    Some(Client::builder().llama_cpp().base_url(base_url).model(model).build().expect("client"))
}

fn report(test: &str, attempts: u32, usage: pluck::Usage, started: Instant) {
    println!("{test}: {attempts} attempt(s), {} tokens, {:.1} s", usage.total_tokens, started.elapsed().as_secs_f64());
}

#[tokio::test]
async fn job_posting_analysis_passes_every_validator() {
    let Some(client) = local("job_posting_analysis_passes_every_validator") else { return };
    let started = Instant::now();
    let extracted = client
        .request::<JobPostingAnalysis>()
        .user(SAMPLE_POSTING)
        .temperature(0.0)
        .max_retries(3)
        .send_with_usage()
        .await
        .expect("a valid JobPostingAnalysis");
    report("job_posting_analysis", extracted.attempts, extracted.usage, started);
    let mut value = extracted.value;
    pluck::validate(&mut value).expect("the returned value passes every validator");
    assert!(extracted.usage.total_tokens > 0);
    assert!(extracted.usage.completion_tokens > 0);
}

#[tokio::test]
async fn support_triage_passes_every_validator() {
    let Some(client) = local("support_triage_passes_every_validator") else { return };
    for ticket in TICKETS {
        let started = Instant::now();
        let extracted = client
            .request::<SupportTriage>()
            .system(TRIAGE_PROMPT)
            .user(format!("Ticket:\n{ticket}"))
            .temperature(0.0)
            .max_retries(3)
            .send_with_usage()
            .await
            .expect("a valid SupportTriage");
        report("support_triage", extracted.attempts, extracted.usage, started);
        let mut value = extracted.value;
        pluck::validate(&mut value).expect("valid");
        assert!(value.reasoning.chars().count() >= 20);
        assert!(extracted.usage.total_tokens > 0);
    }
}

/// A score the prompt invites the model to give on the wrong scale.
#[derive(Extract, Deserialize, JsonSchema, Debug)]
struct Rating {
    /// The reviewer's opinion as a fraction.
    #[extract(range(min = 0, max = 1))]
    score: f64,
}

#[tokio::test]
async fn a_broken_rule_is_reasked_on_a_real_model() {
    let Some(client) = local("a_broken_rule_is_reasked_on_a_real_model") else { return };
    let started = Instant::now();
    let result = client
        .request::<Rating>()
        .system("Rate the review on a scale from 1 to 10. Reviews you love get 10.")
        .user("Review: Best film of the decade, I loved every minute. 10/10!")
        .temperature(0.0)
        .max_retries(2)
        .send_with_usage()
        .await;
    match result {
        Ok(extracted) => {
            report("reask (valid after re-ask)", extracted.attempts, extracted.usage, started);
            assert!(extracted.attempts >= 2, "the first reply was expected to break `range`, got {extracted:?}");
            assert!((0.0..=1.0).contains(&extracted.value.score));
        }
        Err(Error::ValidationExhausted(exhausted)) => {
            report("reask (exhausted)", exhausted.attempts().len() as u32, exhausted.usage(), started);
            assert_eq!(exhausted.attempts().len(), 3, "every attempt is kept");
            for attempt in exhausted.attempts() {
                println!("  replied {} -> {}", attempt.raw.trim(), attempt.report);
                assert!(!attempt.raw.is_empty());
                assert_eq!(attempt.report.violations()[0].path.to_string(), "score");
            }
            assert!(exhausted.usage().total_tokens > 0);
        }
        Err(other) => panic!("unexpected error: {other}"),
    }
}

/// A contact card, for the mode tests.
#[derive(Extract, Deserialize, JsonSchema, Debug)]
struct Contact {
    /// The person's full name.
    #[extract(length(min = 1, max = 60))]
    name: String,
    /// The city they live in.
    #[extract(length(min = 1, max = 60))]
    city: String,
}

const CONTACT_TEXT: &str = "Hi, I'm Maria Lopez and I live in Madrid.";

#[tokio::test]
async fn tools_mode_with_a_forced_tool_call() {
    let Some(client) = local("tools_mode_with_a_forced_tool_call") else { return };
    let started = Instant::now();
    let extracted = client
        .request::<Contact>()
        .user(CONTACT_TEXT)
        .mode(Mode::Tools)
        .temperature(0.0)
        .max_retries(3)
        .send_with_usage()
        .await
        .expect("a valid Contact through a tool call");
    report("tools_mode", extracted.attempts, extracted.usage, started);
    println!("  {:?}", extracted.value);
    assert!(extracted.usage.total_tokens > 0);
}

/// MdJson has no constraint at all: the model must choose to write JSON. The local
/// models are too small to do so reliably, so this test accepts either outcome of the
/// round trip and checks each: a valid value, or every attempt kept with the parse error
/// that was fed back, or a reply cut at the token limit.
#[tokio::test]
async fn md_json_mode_reads_json_out_of_free_text() {
    let Some(client) = local("md_json_mode_reads_json_out_of_free_text") else { return };
    let started = Instant::now();
    let result = client
        .request::<Contact>()
        .user(CONTACT_TEXT)
        .mode(Mode::MdJson)
        .temperature(0.0)
        .max_tokens(200)
        .max_retries(2)
        .send_with_usage()
        .await;
    match result {
        Ok(extracted) => {
            report("md_json_mode (valid)", extracted.attempts, extracted.usage, started);
            println!("  {:?}", extracted.value);
            assert!(extracted.usage.total_tokens > 0);
        }
        Err(Error::ValidationExhausted(exhausted)) => {
            report("md_json_mode (exhausted)", exhausted.attempts().len() as u32, exhausted.usage(), started);
            assert_eq!(exhausted.attempts().len(), 3);
            for attempt in exhausted.attempts() {
                println!("  replied {:?} -> {}", attempt.raw.chars().take(80).collect::<String>(), attempt.report);
                assert!(!attempt.report.is_empty());
            }
        }
        Err(Error::Truncated { raw, usage }) => {
            report("md_json_mode (truncated)", 1, usage, started);
            assert_eq!(usage.completion_tokens, 200, "cut exactly at max_tokens");
            assert!(!raw.is_empty());
        }
        Err(other) => panic!("unexpected error: {other}"),
    }
}

/// OpenAI, for the blog's semantic assertions; `None` (after saying so) without a key.
fn capable(test: &str) -> Option<Client> {
    if std::env::var("OPENAI_API_KEY").map_or(true, |k| k.is_empty()) {
        println!("skipped the semantic assertions of {test}: OPENAI_API_KEY is not set");
        return None;
    }
    Some(Client::builder().api_key(std::env::var("OPENAI_API_KEY").unwrap()).build().expect("client"))
}

const COMPLETE_POSTING: &str = "
        Senior Software Engineer at TechCorp
        Salary: $150,000 - $200,000
        Requirements: Python, Kubernetes, AWS
        ";

#[tokio::test]
async fn blog_complete_extraction() {
    if let Some(client) = local("blog_complete_extraction") {
        let started = Instant::now();
        let extracted = client
            .request::<JobPostingAnalysis>()
            .user(COMPLETE_POSTING)
            .temperature(0.0)
            .send_with_usage()
            .await
            .expect("success");
        report("blog_complete_extraction (local)", extracted.attempts, extracted.usage, started);
    }
    if let Some(client) = capable("blog_complete_extraction") {
        let analysis: JobPostingAnalysis = client.extract(COMPLETE_POSTING).await.expect("success");
        assert_eq!(analysis.experience_level, Some(ExperienceLevel::Senior));
        assert!(analysis.overall_confidence >= 0.7, "{analysis:?}");
    }
}

#[tokio::test]
async fn blog_partial_extraction() {
    if let Some(client) = local("blog_partial_extraction") {
        let started = Instant::now();
        let extracted = client
            .request::<JobPostingAnalysis>()
            .user("Python developer needed.")
            .temperature(0.0)
            .send_with_usage()
            .await
            .expect("success");
        report("blog_partial_extraction (local)", extracted.attempts, extracted.usage, started);
    }
    if let Some(client) = capable("blog_partial_extraction") {
        let analysis: JobPostingAnalysis = client.extract("Python developer needed.").await.expect("success");
        assert!(!analysis.missing_fields.is_empty(), "{analysis:?}");
    }
}
