//! How much of a reply is read: a bound on the whole body, streamed or not, and one on
//! a single server-sent event. Past either, the read stops with an error and the
//! response is dropped, closing its connection.

use super::{from_reqwest, Failure};
use bytes::{Bytes, BytesMut};

/// The default bound on a reply's body: 64 MiB.
const DEFAULT_MAX_REPLY: usize = 64 << 20;

/// The default bound on one server-sent event, and on one line of the stream: 4 MiB.
const DEFAULT_MAX_EVENT: usize = 4 << 20;

/// The bounds on what is read, in bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Limits {
    /// The whole body.
    pub(crate) reply: usize,
    /// One server-sent event, or one line of an event stream.
    pub(crate) event: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits { reply: DEFAULT_MAX_REPLY, event: DEFAULT_MAX_EVENT }
    }
}

/// Reads the body of `response`, at most `limit` bytes of it. A body announced or
/// found longer is [`Failure::ReplyTooLarge`], and the response is dropped unread.
pub(crate) async fn read_body(
    mut response: reqwest::Response,
    limit: usize,
    secret: Option<&str>,
) -> Result<Bytes, Failure> {
    let announced = response.content_length().unwrap_or(0);
    if announced > limit as u64 {
        return Err(Failure::ReplyTooLarge { limit });
    }
    let mut body = BytesMut::with_capacity(announced as usize);
    while let Some(chunk) = response.chunk().await.map_err(|err| from_reqwest(&err, secret))? {
        if chunk.len() > limit - body.len() {
            return Err(Failure::ReplyTooLarge { limit });
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body.freeze())
}
