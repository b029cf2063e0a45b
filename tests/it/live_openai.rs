//! The blog's semantic assertions against the real OpenAI API. Runs with `--features live`
//! when `OPENAI_API_KEY` is set (model from `PLUCK_MODEL`, else the provider's default);
//! prints a skip line otherwise.
#![cfg(feature = "live")]

use crate::support;

use pluck::Client;
use support::job::{ExperienceLevel, JobPostingAnalysis};

/// A client for OpenAI, or `None` (after saying so) without a key.
fn openai(test: &str) -> Option<Client> {
    let Some(key) = std::env::var("OPENAI_API_KEY").ok().filter(|k| !k.is_empty()) else {
        println!("skipped {test}: OPENAI_API_KEY is not set");
        return None;
    };
    let mut builder = Client::builder().api_key(key);
    if let Ok(model) = std::env::var("PLUCK_MODEL") {
        builder = builder.model(model);
    }
    Some(builder.build().expect("client"))
}

const COMPLETE_POSTING: &str = "
        Senior Software Engineer at TechCorp
        Salary: $150,000 - $200,000
        Requirements: Python, Kubernetes, AWS
        ";

#[tokio::test]
async fn blog_complete_extraction() {
    let Some(client) = openai("blog_complete_extraction") else { return };
    let analysis: JobPostingAnalysis = client.extract(COMPLETE_POSTING).await.expect("success");
    assert_eq!(analysis.experience_level, Some(ExperienceLevel::Senior));
    assert!(analysis.overall_confidence >= 0.7, "{analysis:?}");
}

#[tokio::test]
async fn blog_partial_extraction() {
    let Some(client) = openai("blog_partial_extraction") else { return };
    let analysis: JobPostingAnalysis = client.extract("Python developer needed.").await.expect("success");
    assert!(!analysis.missing_fields.is_empty(), "{analysis:?}");
}

#[tokio::test]
async fn blog_complete_extraction_through_the_responses_api() {
    let Some(client) = openai("blog_complete_extraction_through_the_responses_api") else { return };
    let analysis: JobPostingAnalysis =
        client.request().user(COMPLETE_POSTING).mode(pluck::Mode::Responses).send().await.expect("success");
    assert_eq!(analysis.experience_level, Some(ExperienceLevel::Senior));
}
