//! One request and the redirects it is answered with.
//!
//! pluck's HTTP client follows no redirect itself (its policy is
//! `reqwest::redirect::Policy::none()`, set on a user's `reqwest::ClientBuilder` too),
//! so every redirect comes here. By default none is followed: a 3xx is
//! [`Failure::Redirect`], naming the host it points to. When following is on, 301,
//! 302, 307 and 308 are followed with the same method and body (a 303 would turn the
//! POST into a GET, which no provider answers), at most [`MAX_REDIRECTS`] in a row,
//! and the key's headers go only to the configured origin.

use super::origin::{host_of, same_origin, without_keys};
use super::{from_reqwest, Failure, Transport};
use bytes::Bytes;
use reqwest::header::{HeaderMap, LOCATION};
use reqwest::Url;
use std::borrow::Cow;
use std::time::Duration;

/// The most redirects followed for one request.
const MAX_REDIRECTS: usize = 10;

impl Transport {
    /// POSTs `body` to `url` and returns the first answer that is not a redirect
    /// followed. `whole` bounds each request with its body read (a reply read whole);
    /// without it, only the wait for the headers is bounded, by the timeout (and the
    /// stream's, if shorter): a streamed body is read within its own timeouts.
    pub(super) async fn post_once(
        &self,
        url: &Url,
        headers: &HeaderMap,
        body: &Bytes,
        secret: Option<&str>,
        whole: Option<Duration>,
    ) -> Result<reqwest::Response, Failure> {
        let mut target = Cow::Borrowed(url);
        let mut redirects = 0;
        loop {
            let sent_headers = match same_origin(&target, url) {
                true => headers.clone(),
                false => without_keys(headers),
            };
            let request = self.http.post(target.as_ref().clone()).headers(sent_headers).body(body.clone());
            let response = match whole {
                Some(timeout) => request.timeout(timeout).send().await,
                None => {
                    let wait = self.stream_timeout.map_or(self.timeout, |total| total.min(self.timeout));
                    tokio::time::timeout(wait, request.send()).await.map_err(|_| Failure::Timeout)?
                }
            }
            .map_err(|err| from_reqwest(&err, secret))?;
            let status = response.status();
            if !status.is_redirection() {
                return Ok(response);
            }
            let location = response
                .headers()
                .get(LOCATION)
                .and_then(|value| value.to_str().ok())
                .and_then(|value| target.join(value).ok())
                .filter(|next| matches!(next.scheme(), "http" | "https"));
            let followed =
                self.follow_redirects && matches!(status.as_u16(), 301 | 302 | 307 | 308) && redirects < MAX_REDIRECTS;
            match location {
                Some(next) if followed => {
                    redirects += 1;
                    target = Cow::Owned(next);
                }
                location => {
                    return Err(Failure::Redirect {
                        status: status.as_u16(),
                        host: location.as_ref().and_then(host_of),
                    })
                }
            }
        }
    }
}
