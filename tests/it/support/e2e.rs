//! What the end-to-end tests hold a real model's extractions to (tests/e2e_local.rs,
//! tests/stream_local.rs).

use pluck::{Client, ClientBuilder, Error, Extract, Extracted};
use std::fmt::Debug;
use std::time::Instant;

/// A client builder for the server under test, or `None` (after saying so) when none
/// is set.
pub fn local_builder(test: &str) -> Option<ClientBuilder> {
    let Ok(base_url) = std::env::var("PLUCK_TEST_BASE_URL") else {
        println!("skipped {test}: PLUCK_TEST_BASE_URL is not set (start a server with scripts/local-llm start)");
        return None;
    };
    let model = std::env::var("PLUCK_TEST_MODEL").unwrap_or_else(|_| "local".to_owned());
    Some(Client::builder().llama_cpp().base_url(base_url).model(model))
}

/// A client for the server under test, or `None` (after saying so) when none is set.
pub fn local(test: &str) -> Option<Client> {
    local_builder(test).map(|builder| builder.build().expect("client"))
}

/// Whether the model under test is one that gets the facts right.
pub fn facts() -> bool {
    std::env::var("PLUCK_TEST_CHECK_FACTS").is_ok_and(|v| v == "1")
}

/// What a request asked for, that its outcome is checked against.
#[derive(Clone, Copy)]
pub struct Asked {
    /// The request's `max_retries`.
    pub max_retries: u32,
    /// Its `max_tokens`, if it set one.
    pub cap: Option<u32>,
    /// Whether the server reports usage (llama-cpp-python does not in streams).
    pub usage: bool,
}

impl Asked {
    /// A request with `max_retries` re-asks, no token cap, usage reported.
    pub fn retries(max_retries: u32) -> Self {
        Asked { max_retries, cap: None, usage: true }
    }
}

/// The outcome of one extraction, checked against what pluck guarantees whatever the
/// model writes; the value when there is one.
pub fn guaranteed<T: Extract + Debug>(
    test: &str,
    started: Instant,
    outcome: Result<Extracted<T>, Error>,
    asked: Asked,
) -> Option<Extracted<T>> {
    let Asked { max_retries, cap, usage: reported } = asked;
    let seconds = started.elapsed().as_secs_f64();
    match outcome {
        Ok(mut extracted) => {
            println!(
                "{test}: valid after {} attempt(s), {} tokens, {seconds:.1} s\n  {:?}",
                extracted.attempts, extracted.usage.total_tokens, extracted.value
            );
            assert!((1..=max_retries + 1).contains(&extracted.attempts), "attempts within the limit");
            pluck::validate(&mut extracted.value).expect("the returned value passes every rule");
            if reported {
                assert!(extracted.usage.prompt_tokens > 0 && extracted.usage.completion_tokens > 0);
            }
            Some(extracted)
        }
        Err(Error::ValidationExhausted(exhausted)) => {
            println!(
                "{test}: exhausted after {} attempt(s), {} tokens, {seconds:.1} s",
                exhausted.attempts().len(),
                exhausted.usage().total_tokens
            );
            assert_eq!(exhausted.attempts().len() as u32, max_retries + 1, "every attempt is kept");
            for attempt in exhausted.attempts() {
                println!(
                    "  replied {:?}\n    -> {}",
                    attempt.raw.chars().take(160).collect::<String>(),
                    attempt.report
                );
                assert!(!attempt.report.is_empty(), "each attempt says what was wrong");
                assert!(attempt.report.iter().all(|v| !v.message.is_empty()));
            }
            if reported {
                assert!(exhausted.usage().total_tokens > 0, "usage is summed over every attempt");
            }
            None
        }
        Err(Error::Truncated { raw, usage }) => {
            println!("{test}: cut at the token cap, {} tokens, {seconds:.1} s", usage.total_tokens);
            if let Some(cap) = cap {
                // Usage is summed over every attempt; the last one ran to the cap.
                assert!(!reported || usage.completion_tokens >= u64::from(cap), "cut at max_tokens, not before");
            }
            assert!(!raw.is_empty());
            None
        }
        Err(other) => panic!("{test}: unexpected error: {other}"),
    }
}

/// The value of an extraction that must end valid when facts are checked.
pub fn must_be_valid<T>(test: &str, value: Option<Extracted<T>>) -> Option<Extracted<T>> {
    if facts() {
        assert!(value.is_some(), "{test}: with a capable model the extraction ends valid");
    }
    value.filter(|_| facts())
}
