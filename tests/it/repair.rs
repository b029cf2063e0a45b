//! Lenient reading against a local mock server: a reply that is almost the JSON asked
//! for is repaired without a re-ask, each change recorded; a reply that cannot be read
//! one way is re-asked as before; strict mode and `lenient(false)` repair nothing.

use crate::support;

use crate::support::MockServer;
use pluck::repair::RepairKind;
use pluck::{Error, Mode};
use support::job::{ExperienceLevel, JobPostingAnalysis};
use support::*;

/// The sample analysis as a chatty model writes it: a comment, unquoted and
/// single-quoted keys, trailing commas, an enum value in capitals, a salary as text,
/// one skill where a list belongs, Python's `None`.
const ALMOST_JSON: &str = r#"```json
{
  // what the posting says
  job_title: 'Senior Software Engineer',
  "company_name": "TechCorp",
  "experience_level": "SENIOR",
  "salary": {"min_amount": "$150,000", "max_amount": "200k", "currency": "USD",},
  "skills": {"name": "Python", "is_required": True},
  "categories": [],
  "overall_confidence": 0.85,
  "missing_fields": [],
  'note': None,
}
```"#;

#[tokio::test]
async fn an_almost_json_reply_is_repaired_without_a_re_ask() {
    let server = MockServer::start().await;
    reply_once(&server, ok(completion(ALMOST_JSON, 300, 120))).await;
    let extracted = client(&server, Mode::Json)
        .request::<JobPostingAnalysis>()
        .user(job::SAMPLE_POSTING)
        .send_with_usage()
        .await
        .expect("repaired");
    assert_eq!(extracted.attempts, 1);
    assert_eq!(bodies(&server).await.len(), 1, "no re-ask");
    let value = &extracted.value;
    assert_eq!(value.job_title.as_deref(), Some("Senior Software Engineer"));
    assert_eq!(value.experience_level, Some(ExperienceLevel::Senior));
    let salary = value.salary.as_ref().unwrap();
    assert_eq!((salary.min_amount, salary.max_amount), (Some(150000.0), Some(200000.0)));
    assert_eq!(value.skills.len(), 1);
    let repairs: Vec<String> = extracted.repairs.iter().map(ToString::to_string).collect();
    for expected in [
        "(root): removed a comment",
        "(root): quoted the key job_title",
        "job_title: read a single-quoted string",
        "salary: removed a trailing comma",
        "skills.is_required: read Python's True as JSON",
        "note: read Python's None as JSON",
        "experience_level: read \"SENIOR\" as \"senior\"",
        "salary.min_amount: read the string \"$150,000\" as a number",
        "salary.max_amount: read the string \"200k\" as a number",
        "skills: a single value where a list belongs, read as a list of one",
    ] {
        assert!(repairs.iter().any(|r| r == expected), "{expected:?} not in {repairs:#?}");
    }
}

#[tokio::test]
async fn without_leniency_the_same_reply_is_re_asked() {
    let server = MockServer::start().await;
    reply_once(&server, ok(completion(ALMOST_JSON, 300, 120))).await;
    reply_once(&server, ok(completion(&valid_analysis().to_string(), 300, 120))).await;
    let extracted = client(&server, Mode::Json)
        .request::<JobPostingAnalysis>()
        .user(job::SAMPLE_POSTING)
        .lenient(false)
        .send_with_usage()
        .await
        .expect("valid on the second reply");
    assert_eq!(extracted.attempts, 2);
    assert!(extracted.repairs.is_empty());
}

#[tokio::test]
async fn strict_mode_repairs_nothing_unless_asked() {
    let server = MockServer::start().await;
    reply_once(&server, ok(completion(ALMOST_JSON, 300, 120))).await;
    reply_once(&server, ok(completion(ALMOST_JSON, 300, 120))).await;
    let client = client(&server, Mode::JsonSchema);
    let err = client.request::<JobPostingAnalysis>().max_retries(0).send().await.unwrap_err();
    assert!(matches!(err, Error::ValidationExhausted(_)), "{err:?}");
    let repaired = client.request::<JobPostingAnalysis>().lenient(true).send_with_usage().await.expect("repaired");
    assert!(!repaired.repairs.is_empty());
}

#[tokio::test]
async fn a_repaired_reply_that_still_breaks_a_rule_is_re_asked_with_its_repairs_kept() {
    let server = MockServer::start().await;
    // Repairable syntax, but the minimum exceeds the maximum.
    let broken = ALMOST_JSON.replace("\"$150,000\"", "\"$250,000\"");
    for _ in 0..2 {
        reply_once(&server, ok(completion(&broken, 100, 10))).await;
    }
    let err = client(&server, Mode::Json).request::<JobPostingAnalysis>().max_retries(1).send().await.unwrap_err();
    let Error::ValidationExhausted(exhausted) = err else { panic!("{err:?}") };
    for attempt in exhausted.attempts() {
        assert!(
            attempt.report.to_string().contains("min_amount (250000) cannot exceed max_amount (200000)"),
            "{}",
            attempt.report
        );
        assert!(attempt.repairs.iter().any(|r| r.kind == RepairKind::WrappedInList), "{:?}", attempt.repairs);
    }
    let second = &bodies(&server).await[1];
    let feedback = second["messages"].as_array().unwrap().last().unwrap()["content"].as_str().unwrap().to_owned();
    assert!(feedback.contains("salary: min_amount (250000) cannot exceed"), "{feedback}");
}

#[tokio::test]
async fn what_reads_more_than_one_way_is_re_asked() {
    let server = MockServer::start().await;
    // A missing comma, and a bare word where a value belongs.
    reply_once(&server, ok(completion(r#"{"job_title": "x" "company_name": TechCorp}"#, 100, 10))).await;
    reply_once(&server, ok(completion(&valid_analysis().to_string(), 100, 10))).await;
    let extracted =
        client(&server, Mode::Json).request::<JobPostingAnalysis>().send_with_usage().await.expect("valid second");
    assert_eq!(extracted.attempts, 2);
    assert!(extracted.repairs.is_empty());
}
