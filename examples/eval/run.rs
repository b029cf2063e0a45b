//! Runs a set's items through pluck, one extraction at a time, and records what each
//! gave and cost.

use crate::data::Set;
use crate::results::ItemResult;
use pluck::{Client, Error, Extract, Mode};
use serde::Serialize;
use std::time::Instant;

/// Why a run stopped before its end: the provider cannot be used at all, so the
/// remaining items would only repeat the failure.
#[derive(Debug, thiserror::Error)]
#[error("item {id}: {source}")]
pub struct Stopped {
    /// The item it stopped at.
    pub id: String,
    /// What went wrong.
    pub source: Error,
}

/// Extracts a `T` from each of the first `limit` items of `set`, in order, at
/// temperature 0 with 3 re-asks, reading replies leniently when `lenient` (see
/// `pluck::repair`). Progress goes to stderr.
///
/// # Errors
/// [`Stopped`] on a failure that says the provider cannot be used (configuration,
/// authentication, no connection); the model's failures are recorded, not returned.
pub async fn run<T: Extract + Serialize, F>(
    client: &Client,
    mode: Mode,
    set: &Set<F>,
    limit: usize,
    lenient: bool,
) -> Result<Vec<ItemResult>, Stopped> {
    let mut results = Vec::new();
    for item in set.items.iter().take(limit) {
        let started = Instant::now();
        let outcome = client
            .request::<T>()
            .system(set.system.clone())
            .user(set.user_message(item))
            .mode(mode)
            .temperature(0.0)
            .max_retries(3)
            .lenient(lenient)
            .send_with_usage()
            .await;
        let latency_ms = started.elapsed().as_secs_f64() * 1000.0;
        let result = match outcome {
            Ok(extracted) => ItemResult {
                id: item.id.clone(),
                valid: true,
                attempts: Some(extracted.attempts),
                prompt_tokens: extracted.usage.prompt_tokens,
                completion_tokens: extracted.usage.completion_tokens,
                latency_ms,
                value: Some(serde_json::to_value(&extracted.value).expect("a derived Serialize writes JSON")),
                error: None,
                repairs: u32::try_from(extracted.repairs.len()).unwrap_or(u32::MAX),
            },
            Err(err @ (Error::Config(_) | Error::Authentication { .. } | Error::Connection { .. })) => {
                return Err(Stopped { id: item.id.clone(), source: err });
            }
            Err(err) => {
                let usage = err.usage().unwrap_or_default();
                let attempts = match &err {
                    Error::ValidationExhausted(exhausted) => u32::try_from(exhausted.attempts().len()).ok(),
                    _ => None,
                };
                ItemResult {
                    id: item.id.clone(),
                    valid: false,
                    attempts,
                    prompt_tokens: usage.prompt_tokens,
                    completion_tokens: usage.completion_tokens,
                    latency_ms,
                    value: None,
                    error: Some(err.to_string()),
                    repairs: 0,
                }
            }
        };
        eprintln!(
            "{} {} attempts {} tokens {}+{} {:.1} s{}",
            result.id,
            if result.valid { "valid" } else { "INVALID" },
            result.attempts.map_or("?".to_owned(), |a| a.to_string()),
            result.prompt_tokens,
            result.completion_tokens,
            latency_ms / 1000.0,
            result.error.as_deref().map(|e| format!(": {}", e.lines().next().unwrap_or(""))).unwrap_or_default(),
        );
        results.push(result);
    }
    Ok(results)
}
