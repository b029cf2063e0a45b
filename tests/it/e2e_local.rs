//! End to end against a real language model: a llama.cpp server started by
//! `scripts/local-llm start` (or any OpenAI-compatible server), named by
//! `PLUCK_TEST_BASE_URL`. Run with `cargo test --features integration --test it -- e2e_local::`.
//!
//! Every test asserts what pluck guarantees whatever the model writes: a value that
//! passes every rule, or `ValidationExhausted` with every attempt kept and a report for
//! each, or a reply cut at the token cap. A model's greedy output differs between
//! machines (llama.cpp's CPU kernels differ), so no test depends on how a model fails.
//!
//! With `PLUCK_TEST_CHECK_FACTS=1` (set by `scripts/test` for its default model,
//! Qwen2.5-Coder-1.5B-Instruct) the tests also check the facts: the extraction must end
//! valid and say what the text says. Smaller models (`PLUCK_LLM_MODEL=qwen0.5b`, `gemma`,
//! `smollm2`) keep to the schema but get facts wrong, so they are held to the guarantees
//! only.
#![cfg(feature = "integration")]

use crate::support;

use pluck::{Error, Extract, Mode};
use schemars::JsonSchema;
use serde::Deserialize;
use std::time::Instant;
use support::e2e::{guaranteed, local, must_be_valid, Asked};
use support::job::{ExperienceLevel, JobPostingAnalysis, SAMPLE_POSTING};
use support::triage::{Category, Priority, SupportTriage, TICKETS, TRIAGE_PROMPT};

/// True if `skills` names `wanted`, ignoring case.
fn names(analysis: &JobPostingAnalysis, wanted: &str) -> bool {
    analysis.skills.iter().any(|s| s.name.eq_ignore_ascii_case(wanted))
}

#[tokio::test]
async fn the_sample_posting_is_read_right() {
    let test = "the_sample_posting_is_read_right";
    let Some(client) = local(test) else { return };
    let started = Instant::now();
    let outcome = client
        .request::<JobPostingAnalysis>()
        .user(SAMPLE_POSTING)
        .temperature(0.0)
        .max_retries(3)
        .send_with_usage()
        .await;
    let Some(extracted) = must_be_valid(test, guaranteed(test, started, outcome, Asked::retries(3))) else { return };
    let analysis = extracted.value;
    assert_eq!(analysis.experience_level, Some(ExperienceLevel::Senior), "{analysis:#?}");
    let salary = analysis.salary.as_ref().expect("the posting states a salary");
    assert_eq!(salary.min_amount, Some(150_000.0), "{salary:?}");
    assert_eq!(salary.max_amount, Some(200_000.0), "{salary:?}");
    assert!(salary.currency.eq_ignore_ascii_case("USD"), "{salary:?}");
    assert!(names(&analysis, "Python"), "{:?}", analysis.skills);
    assert!(analysis.job_title.as_deref().is_some_and(|t| t.contains("Software Engineer")), "{analysis:#?}");
}

#[tokio::test]
async fn support_tickets_are_triaged() {
    let test = "support_tickets_are_triaged";
    let Some(client) = local(test) else { return };
    let mut triaged = Vec::new();
    for ticket in TICKETS {
        let started = Instant::now();
        let outcome = client
            .request::<SupportTriage>()
            .system(TRIAGE_PROMPT)
            .user(format!("Ticket:\n{ticket}"))
            .temperature(0.0)
            .max_retries(3)
            .send_with_usage()
            .await;
        let extracted = guaranteed(test, started, outcome, Asked::retries(3));
        if let Some(extracted) = &extracted {
            assert!(extracted.value.reasoning.chars().count() >= 20, "the rule on `reasoning` held");
        }
        triaged.push(must_be_valid(test, extracted).map(|e| e.value));
    }
    if let [Some(lockout), Some(charge)] = &triaged[..] {
        // A whole team locked out before a client demo; a duplicate charge.
        assert!(matches!(lockout.priority, Priority::Critical | Priority::High), "{lockout:#?}");
        assert_eq!(charge.category, Category::Billing, "{charge:#?}");
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
    let test = "a_broken_rule_is_reasked_on_a_real_model";
    let Some(client) = local(test) else { return };
    let started = Instant::now();
    let outcome = client
        .request::<Rating>()
        .system("Rate the review on a scale from 1 to 10. Reviews you love get 10.")
        .user("Review: Best film of the decade, I loved every minute. 10/10!")
        .temperature(0.0)
        .max_retries(2)
        .send_with_usage()
        .await;
    // The reply is schema-shaped, so whatever went wrong is at the one field, and the
    // re-ask names it: a number outside the range, or one no `f64` can hold.
    if let Err(Error::ValidationExhausted(exhausted)) = &outcome {
        for attempt in exhausted.attempts() {
            assert!(attempt.report.iter().all(|v| v.path.to_string() == "score"), "{}", attempt.report);
        }
    }
    if let Some(extracted) = must_be_valid(test, guaranteed(test, started, outcome, Asked::retries(2))) {
        assert!((0.0..=1.0).contains(&extracted.value.score));
    }
}

/// A contact card, for the mode tests. Not `name`: a forced tool call on llama.cpp
/// puts the arguments where a chat template expects `{"name": TOOL, "arguments": ..}`,
/// and small models then write the tool's name into a field called `name`.
#[derive(Extract, Deserialize, JsonSchema, Debug)]
struct Contact {
    /// The person's full name.
    #[extract(length(min = 1, max = 60))]
    full_name: String,
    /// The city they live in.
    #[extract(length(min = 1, max = 60))]
    city: String,
}

const CONTACT_TEXT: &str = "Hi, I'm Maria Lopez and I live in Madrid.";

fn is_maria(contact: &Contact) -> bool {
    contact.full_name == "Maria Lopez" && contact.city == "Madrid"
}

#[tokio::test]
async fn tools_mode_with_a_forced_tool_call() {
    let test = "tools_mode_with_a_forced_tool_call";
    let Some(client) = local(test) else { return };
    let started = Instant::now();
    let outcome = client
        .request::<Contact>()
        .user(CONTACT_TEXT)
        .mode(Mode::Tools)
        .temperature(0.0)
        .max_retries(3)
        .send_with_usage()
        .await;
    if let Some(extracted) = must_be_valid(test, guaranteed(test, started, outcome, Asked::retries(3))) {
        assert!(is_maria(&extracted.value), "{:?}", extracted.value);
    }
}

/// MdJson has no constraint at all: the model must choose to write JSON. The parse
/// error fed back is what a model that does not gets.
#[tokio::test]
async fn md_json_mode_reads_json_out_of_free_text() {
    let test = "md_json_mode_reads_json_out_of_free_text";
    let Some(client) = local(test) else { return };
    let started = Instant::now();
    let outcome = client
        .request::<Contact>()
        .user(CONTACT_TEXT)
        .mode(Mode::MdJson)
        .temperature(0.0)
        .max_tokens(200)
        .max_retries(2)
        .send_with_usage()
        .await;
    if let Some(extracted) =
        must_be_valid(test, guaranteed(test, started, outcome, Asked { cap: Some(200), ..Asked::retries(2) }))
    {
        assert!(is_maria(&extracted.value), "{:?}", extracted.value);
    }
}

const COMPLETE_POSTING: &str = "
        Senior Software Engineer at TechCorp
        Salary: $150,000 - $200,000
        Requirements: Python, Kubernetes, AWS
        ";

#[tokio::test]
async fn blog_complete_extraction() {
    let test = "blog_complete_extraction";
    let Some(client) = local(test) else { return };
    let started = Instant::now();
    let outcome = client
        .request::<JobPostingAnalysis>()
        .user(COMPLETE_POSTING)
        .temperature(0.0)
        .max_retries(3)
        .send_with_usage()
        .await;
    if let Some(extracted) = must_be_valid(test, guaranteed(test, started, outcome, Asked::retries(3))) {
        let analysis = extracted.value;
        assert_eq!(analysis.experience_level, Some(ExperienceLevel::Senior), "{analysis:#?}");
        assert!(["Python", "Kubernetes", "AWS"].iter().all(|s| names(&analysis, s)), "{:?}", analysis.skills);
    }
}

#[tokio::test]
async fn blog_partial_extraction() {
    let test = "blog_partial_extraction";
    let Some(client) = local(test) else { return };
    let started = Instant::now();
    let outcome = client
        .request::<JobPostingAnalysis>()
        .user("Python developer needed.")
        .temperature(0.0)
        .max_retries(3)
        .send_with_usage()
        .await;
    if let Some(extracted) = must_be_valid(test, guaranteed(test, started, outcome, Asked::retries(3))) {
        let analysis = extracted.value;
        assert!(names(&analysis, "Python"), "{:?}", analysis.skills);
        // The blog's assertion: a one-line posting leaves fields missing, and says so.
        assert!(!analysis.missing_fields.is_empty(), "{analysis:#?}");
    }
}
