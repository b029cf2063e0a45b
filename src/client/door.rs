//! The one door to the transport: a call described by the attempt loop goes out
//! with the client's URL for its model, headers, key and failure reading.

use super::{endpoint, Client};
use crate::error::ConfigError;
use crate::provider::{count, Call, Reply};
use crate::stream::incoming::Incoming;
use crate::transport::{OnRetry, Route};
use crate::Error;
use std::borrow::Cow;

impl Client {
    /// Sends `call` and reads its reply whole: the one door to the transport for
    /// replies not streamed. Returns the reply's HTTP status with it.
    ///
    /// # Errors
    /// A URL for the call's model that does not parse, the transport's errors after its
    /// retries, or a 2xx body that does not read as a reply.
    pub(crate) async fn send(&self, call: &Call<'_>, on_retry: OnRetry<'_>) -> Result<(u16, Reply), Error> {
        let inner = &*self.inner;
        let wire = inner.provider.wire();
        let url = self.url(call, false)?;
        let body = wire.body(call, inner.limit_name);
        let (status, bytes) = inner.transport.post(self.route(&url, on_retry), body.into()).await?;
        Ok((status, wire.reply(&bytes)?))
    }

    /// Counts `call`'s input tokens at the provider's token-counting endpoint, with the
    /// model's own tokenizer and without running it; `None` for a provider that has
    /// none (OpenAI).
    ///
    /// # Errors
    /// A URL that does not parse, the transport's errors after its retries, or a reply
    /// that is no token count.
    pub(crate) async fn count(&self, call: &Call<'_>) -> Result<Option<u64>, Error> {
        let inner = &*self.inner;
        let Some(url) = count::url(inner.provider, &inner.base_url, call.model) else { return Ok(None) };
        let url = endpoint(&url)?;
        let body = count::body(inner.provider, &inner.provider.wire().body(call, inner.limit_name), call.model)?;
        let (_, bytes) = inner.transport.post(self.route(&url, None), body.into()).await?;
        count::reply(&bytes).map(Some)
    }

    /// Sends `call` asking for a stream (with usage in it when `include_usage` and the
    /// provider needs asking) and returns the reply's HTTP status and its events as
    /// they come: the one door to the transport for streamed replies.
    ///
    /// # Errors
    /// A URL for the call's model that does not parse, or the transport's errors after
    /// its retries.
    pub(crate) async fn open(
        &self,
        call: &Call<'_>,
        include_usage: bool,
        on_retry: OnRetry<'_>,
    ) -> Result<(u16, Incoming), Error> {
        let inner = &*self.inner;
        let wire = inner.provider.wire();
        let url = self.url(call, true)?;
        let body = wire.stream_body(wire.body(call, inner.limit_name), include_usage, call.mode);
        let (status, chunks) = inner.transport.open(self.route(&url, on_retry), body.into()).await?;
        Ok((status, Incoming::new(chunks, wire, inner.transport.limits)))
    }

    /// Where `call` goes: the URL parsed at build for the client's own model and mode,
    /// else the one for the call's.
    pub(super) fn url(&self, call: &Call<'_>, stream: bool) -> Result<Cow<'_, reqwest::Url>, ConfigError> {
        let inner = &*self.inner;
        if call.model == inner.model && call.mode == inner.mode {
            return Ok(Cow::Borrowed(if stream { &inner.stream_url } else { &inner.url }));
        }
        let wire = inner.provider.wire();
        let url = match stream {
            true => wire.stream_url(&inner.base_url, call.model, call.mode),
            false => wire.url(&inner.base_url, call.model, call.mode),
        };
        endpoint(&url).map(Cow::Owned)
    }

    fn route<'a>(&'a self, url: &'a reqwest::Url, on_retry: OnRetry<'a>) -> Route<'a> {
        let inner = &*self.inner;
        Route {
            url,
            headers: &inner.headers,
            classify: inner.provider.wire().classifier(),
            secret: self.secret(),
            on_retry,
        }
    }
}
