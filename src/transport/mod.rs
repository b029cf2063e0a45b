//! Sending a request: HTTP, transport retries, and the classification of failures into
//! [`Error`](crate::Error)s. Knows nothing of schemas or validation.

mod chunks;
mod classify;
mod limits;
mod origin;
mod redirect;
pub(crate) mod retry;

pub use retry::RetryPolicy;

pub(crate) use chunks::Chunks;
pub(crate) use limits::Limits;
pub(crate) use origin::keeps_keys_safe;

pub(crate) use classify::{classify, message_of, redact, Failure};

use crate::Error;
use bytes::Bytes;
use reqwest::header::HeaderMap;
use std::time::Duration;
use tokio::time::Instant;

/// Reads a non-2xx reply: status, body and the key to scrub from messages.
pub(crate) type Classifier = fn(status: u16, body: &[u8], secret: Option<&str>) -> Failure;

/// Told of each transport retry before its wait: the status that failed (none for a
/// failure without a reply) and the wait.
pub(crate) type OnRetry<'a> = Option<&'a (dyn Fn(Option<u16>, Duration) + Sync)>;

/// Where a request goes and how: its URL, headers, failure reading, the key to scrub
/// from messages, and who hears of its retries.
#[derive(Clone, Copy)]
pub(crate) struct Route<'a> {
    pub(crate) url: &'a reqwest::Url,
    pub(crate) headers: &'a HeaderMap,
    pub(crate) classify: Classifier,
    pub(crate) secret: Option<&'a str>,
    pub(crate) on_retry: OnRetry<'a>,
}

/// An HTTP client with timeouts, a retry policy, a redirect rule and bounds on what it
/// reads.
#[derive(Debug, Clone)]
pub(crate) struct Transport {
    /// Follows no redirect itself: see `redirect`.
    pub(crate) http: reqwest::Client,
    pub(crate) policy: RetryPolicy,
    /// A whole request not streamed; for a streamed one, the wait for its reply to
    /// start and then for each chunk.
    pub(crate) timeout: Duration,
    /// The whole of a streamed request, if bounded.
    pub(crate) stream_timeout: Option<Duration>,
    /// Whether 301, 302, 307 and 308 are followed (without the key, to another origin).
    pub(crate) follow_redirects: bool,
    pub(crate) limits: Limits,
}

impl Transport {
    /// POSTs `body` along `route`, retrying what can succeed, and returns the 2xx
    /// status and body.
    ///
    /// `route.classify` reads failed replies; `route.secret` (the API key, if any) is
    /// scrubbed from every error message.
    pub(crate) async fn post(&self, route: Route<'_>, body: Bytes) -> Result<(u16, Bytes), Error> {
        let (limit, secret) = (self.limits.reply, route.secret);
        let read = |response: reqwest::Response, _| {
            let status = response.status().as_u16();
            async move { limits::read_body(response, limit, secret).await.map(|body| (status, body)) }
        };
        self.send(route, body, Some(self.timeout), read).await
    }

    /// POSTs `body` along `route`, retrying what can succeed, and returns the 2xx
    /// status and the response's body as soon as its headers arrive, to be read as it
    /// comes.
    ///
    /// The timeout bounds the wait for the headers, then each wait for a chunk: a
    /// stream that keeps sending runs as long as it sends. `stream_timeout`, when set,
    /// bounds the whole request, from its sending to its last chunk.
    pub(crate) async fn open(&self, route: Route<'_>, body: Bytes) -> Result<(u16, Chunks), Error> {
        let (idle, total) = (self.timeout, self.stream_timeout);
        let chunks = |response: reqwest::Response, started: Instant| async move {
            let status = response.status().as_u16();
            Ok((status, Chunks::new(response, idle, total.map(|total| started + total))))
        };
        self.send(route, body, None, chunks).await
    }

    /// Sends with retries; `whole` is the timeout of a request read whole (`None` for a
    /// stream, whose body `on_success` reads within its own timeouts). `on_success`
    /// gets the 2xx response and when its request was sent.
    async fn send<R, F, Fut>(
        &self,
        route: Route<'_>,
        body: Bytes,
        whole: Option<Duration>,
        on_success: F,
    ) -> Result<R, Error>
    where
        F: Fn(reqwest::Response, Instant) -> Fut,
        Fut: std::future::Future<Output = Result<R, Failure>>,
    {
        let Route { url, headers, classify, secret, on_retry } = route;
        let mut attempts = 0u32;
        loop {
            attempts += 1;
            let started = Instant::now();
            let sent = self.post_once(url, headers, &body, secret, whole).await;
            let status = sent.as_ref().ok().map(|response| response.status()).filter(|status| !status.is_success());
            let status = status.map(|status| status.as_u16());
            let (failure, hinted_wait, hinted_retry) = match sent {
                Ok(response) if response.status().is_success() => match on_success(response, started).await {
                    Ok(out) => return Ok(out),
                    Err(failure) => (failure, None, None),
                },
                Ok(response) => {
                    let status = response.status().as_u16();
                    let wait = retry::retry_after(response.headers());
                    let should = retry::should_retry_header(response.headers());
                    // A streamed request's reply is not bounded as a whole: its error
                    // body is read within the timeout here.
                    let read = limits::read_body(response, self.limits.reply, secret);
                    let read = tokio::time::timeout(self.timeout, read).await.unwrap_or(Err(Failure::Timeout));
                    let failure = match read {
                        Ok(body) => classify(status, &body, secret),
                        Err(too_large @ Failure::ReplyTooLarge { .. }) => too_large,
                        Err(_) => classify(status, b"", secret),
                    };
                    let wait = match &failure {
                        Failure::RateLimited { wait: from_body, .. } => wait.or(*from_body),
                        _ => wait,
                    };
                    (failure, wait, should)
                }
                Err(failure) => (failure, None, None),
            };
            let retryable = hinted_retry.unwrap_or_else(|| failure.retryable())
                && !matches!(failure, Failure::QuotaExhausted { .. } | Failure::Authentication { .. });
            if !retryable || attempts > self.policy.retries_allowed() {
                return Err(failure.into_error(attempts, hinted_wait));
            }
            let wait = match hinted_wait {
                Some(wait) if !self.policy.honours(wait) => return Err(failure.into_error(attempts, Some(wait))),
                Some(wait) => wait,
                None => self.policy.backoff(attempts - 1),
            };
            if let Some(on_retry) = on_retry {
                on_retry(status, wait);
            }
            tokio::time::sleep(wait).await;
        }
    }
}

/// The error of a body that broke off while it was being read, after the request
/// itself succeeded.
fn body_error(err: &reqwest::Error, secret: Option<&str>) -> Error {
    from_reqwest(err, secret).into_error(1, None)
}

fn from_reqwest(err: &reqwest::Error, secret: Option<&str>) -> Failure {
    if err.is_timeout() {
        Failure::Timeout
    } else if err.is_builder() {
        Failure::Unbuildable { message: redact(&chain_of(err), secret) }
    } else {
        // The source chain says what happened (refused, reset, DNS); the URL never
        // carries the key, but scrub anyway.
        Failure::Connection { message: redact(&chain_of(err), secret) }
    }
}

/// An error's message followed by those of its sources.
fn chain_of(err: &reqwest::Error) -> String {
    let mut message = err.to_string();
    let mut source = std::error::Error::source(err);
    while let Some(inner) = source {
        message.push_str(": ");
        message.push_str(&inner.to_string());
        source = inner.source();
    }
    message
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ConfigError;

    #[tokio::test]
    async fn a_request_that_cannot_be_built_is_not_retried() {
        let transport = Transport {
            http: reqwest::Client::new(),
            policy: RetryPolicy::default().retries(3).initial_delay(Duration::from_millis(1)),
            timeout: Duration::from_secs(5),
            stream_timeout: None,
            follow_redirects: false,
            limits: Limits::default(),
        };
        // `localhost` parses as a scheme: a URL reqwest refuses to send.
        let url = reqwest::Url::parse("localhost:18777/v1").unwrap();
        let route = Route { url: &url, headers: &HeaderMap::new(), classify, secret: None, on_retry: None };
        let err = transport.post(route, Bytes::new()).await.unwrap_err();
        assert!(matches!(err, Error::Config(ConfigError::Http { .. })), "{err:?}");
    }
}
