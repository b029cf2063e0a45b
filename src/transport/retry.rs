//! When to try a request again, and how long to wait first.
//!
//! Transport retries are separate from re-asks: they resend the same request after a
//! failure that a later try can get past (429 other than `insufficient_quota`, 408,
//! 409, 5xx, timeouts, refused or dropped connections). Everything else fails at once.
//!
//! The wait is exponential backoff with full jitter (a random wait between zero and
//! `initial_delay * 2^n`, capped at `max_delay`), unless the provider says how long to
//! wait: `retry-after-ms`, then `retry-after` (seconds or an HTTP date). A provider
//! asking for more than `max_retry_after` is not retried at all: the error carries the
//! wait instead, so the caller can schedule it. `x-should-retry: true|false` overrides
//! the status.

use reqwest::header::HeaderMap;
use std::time::{Duration, SystemTime};

/// How transport failures are retried.
///
/// Its [`retries`](RetryPolicy::retries) count resends of the same request after a
/// transport failure; they are not re-asks. Re-asks (a new request telling the model
/// what was wrong with its reply) are counted by
/// [`ClientBuilder::max_retries`](crate::ClientBuilder::max_retries) and
/// [`ExtractRequest::max_retries`](crate::ExtractRequest::max_retries).
///
/// The defaults: 3 retries, 0.5 s initial delay, 8 s cap, provider waits of up to
/// 120 s honoured.
///
/// ```
/// use pluck::RetryPolicy;
/// use std::time::Duration;
///
/// let policy = RetryPolicy::default()
///     .retries(5)
///     .initial_delay(Duration::from_millis(200))
///     .max_delay(Duration::from_secs(4));
/// assert_eq!(policy.retries_allowed(), 5);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetryPolicy {
    retries: u32,
    initial_delay: Duration,
    max_delay: Duration,
    max_retry_after: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            retries: 3,
            initial_delay: Duration::from_millis(500),
            max_delay: Duration::from_secs(8),
            max_retry_after: Duration::from_secs(120),
        }
    }
}

impl RetryPolicy {
    /// A policy that never retries.
    pub fn none() -> Self {
        RetryPolicy { retries: 0, ..Self::default() }
    }

    /// Transport retries after the first request (so at most `n + 1` requests for one
    /// attempt); not re-asks.
    pub fn retries(mut self, n: u32) -> Self {
        self.retries = n;
        self
    }

    /// The backoff's first ceiling; it doubles on each retry.
    pub fn initial_delay(mut self, delay: Duration) -> Self {
        self.initial_delay = delay;
        self
    }

    /// The most the backoff waits.
    pub fn max_delay(mut self, delay: Duration) -> Self {
        self.max_delay = delay;
        self
    }

    /// The longest provider-requested wait that is honoured; a longer one ends the
    /// retries.
    pub fn max_retry_after(mut self, delay: Duration) -> Self {
        self.max_retry_after = delay;
        self
    }

    /// The configured number of transport retries (see [`retries`](RetryPolicy::retries)).
    pub fn retries_allowed(&self) -> u32 {
        self.retries
    }

    /// The backoff before retry number `retry` (0 for the first): full jitter.
    pub(crate) fn backoff(&self, retry: u32) -> Duration {
        let ceiling = self.initial_delay.saturating_mul(1u32 << retry.min(20)).min(self.max_delay);
        ceiling.mul_f64(fastrand::f64())
    }

    /// Whether a provider-requested wait is short enough to honour.
    pub(crate) fn honours(&self, wait: Duration) -> bool {
        wait <= self.max_retry_after
    }
}

/// The wait a provider asked for, from `retry-after-ms` or `retry-after`. A wait of
/// zero or less, or a date already past, asks for nothing: the backoff applies.
pub(crate) fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok()).map(str::trim);
    if let Some(ms) = header("retry-after-ms").and_then(|v| v.parse::<f64>().ok()) {
        if let Some(wait) = wait_of_secs(ms / 1000.0) {
            return Some(wait);
        }
    }
    let value = header("retry-after")?;
    if let Ok(secs) = value.parse::<f64>() {
        return wait_of_secs(secs);
    }
    let when = httpdate::parse_http_date(value).ok()?;
    when.duration_since(SystemTime::now()).ok().filter(|wait| !wait.is_zero())
}

/// A wait of `secs` seconds as a provider wrote it: `None` when it asks for nothing
/// (zero or less, infinite, not a number), `Duration::MAX` when it is longer than a
/// `Duration` holds (so it is too long to honour, never a panic).
pub(crate) fn wait_of_secs(secs: f64) -> Option<Duration> {
    if !secs.is_finite() || secs <= 0.0 {
        return None;
    }
    Some(Duration::try_from_secs_f64(secs).unwrap_or(Duration::MAX))
}

/// `x-should-retry`, when the provider sets it.
pub(crate) fn should_retry_header(headers: &HeaderMap) -> Option<bool> {
    match headers.get("x-should-retry")?.to_str().ok()? {
        "true" => Some(true),
        "false" => Some(false),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.insert(*name, HeaderValue::from_str(value).unwrap());
        }
        map
    }

    #[test]
    fn reads_retry_after_in_each_form() {
        assert_eq!(retry_after(&headers(&[("retry-after-ms", "250")])), Some(Duration::from_millis(250)));
        assert_eq!(retry_after(&headers(&[("retry-after", "2")])), Some(Duration::from_secs(2)));
        assert_eq!(retry_after(&headers(&[("retry-after", "1.5")])), Some(Duration::from_millis(1500)));
        let soon = httpdate::fmt_http_date(SystemTime::now() + Duration::from_secs(30));
        let wait = retry_after(&headers(&[("retry-after", &soon)])).unwrap();
        assert!(wait > Duration::from_secs(27) && wait <= Duration::from_secs(30), "{wait:?}");
        assert_eq!(retry_after(&headers(&[("retry-after", "soon")])), None);
        assert_eq!(retry_after(&headers(&[("retry-after", "-3")])), None);
        // The millisecond header wins.
        assert_eq!(
            retry_after(&headers(&[("retry-after-ms", "10"), ("retry-after", "9")])),
            Some(Duration::from_millis(10))
        );
    }

    #[test]
    fn backoff_stays_under_its_ceiling() {
        let policy = RetryPolicy::default();
        for retry in 0..10 {
            let ceiling = (Duration::from_millis(500) * 2u32.pow(retry)).min(Duration::from_secs(8));
            for _ in 0..100 {
                assert!(policy.backoff(retry) <= ceiling);
            }
        }
    }

    #[test]
    fn long_waits_are_not_honoured() {
        let policy = RetryPolicy::default();
        assert!(policy.honours(Duration::from_secs(120)));
        assert!(!policy.honours(Duration::from_secs(121)));
    }
}
