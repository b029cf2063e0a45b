//! A streamed reply's body, read chunk by chunk within its timeouts: the longest wait
//! for the next chunk (the client's timeout), and, when set, a bound on the whole
//! reply. A stream that keeps sending is never cut by the first.

use super::body_error;
use crate::Error;
use bytes::Bytes;
use futures_core::Stream;
use futures_util::StreamExt;
use std::pin::Pin;
use std::time::Duration;
use tokio::time::Instant;

/// The body of a streamed reply.
pub(crate) struct Chunks {
    body: Pin<Box<dyn Stream<Item = reqwest::Result<Bytes>> + Send>>,
    /// The longest wait for one chunk.
    idle: Duration,
    /// When the whole reply must have arrived, if ever.
    deadline: Option<Instant>,
}

impl std::fmt::Debug for Chunks {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Chunks").field("idle", &self.idle).field("deadline", &self.deadline).finish_non_exhaustive()
    }
}

impl Chunks {
    pub(crate) fn new(response: reqwest::Response, idle: Duration, deadline: Option<Instant>) -> Self {
        Chunks { body: Box::pin(response.bytes_stream()), idle, deadline }
    }

    /// The next chunk; `Ok(None)` once the body has ended.
    ///
    /// # Errors
    /// [`Error::Timeout`] when no chunk comes within the idle timeout or the whole
    /// reply's bound passes; [`Error::Connection`] when the body breaks off.
    pub(crate) async fn next(&mut self, secret: Option<&str>) -> Result<Option<Bytes>, Error> {
        let idle = Instant::now() + self.idle;
        let until = self.deadline.map_or(idle, |deadline| deadline.min(idle));
        match tokio::time::timeout_at(until, self.body.next()).await {
            Err(_) => Err(Error::Timeout { attempts: 1 }),
            Ok(Some(Ok(chunk))) => Ok(Some(chunk)),
            Ok(Some(Err(err))) => Err(body_error(&err, secret)),
            Ok(None) => Ok(None),
        }
    }
}
