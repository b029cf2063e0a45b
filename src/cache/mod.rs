//! A response cache: a reply that validated, kept under a key made of everything that
//! changes the answer, and given back instead of a request.
//!
//! A cache on the client ([`ClientBuilder::cache`](crate::ClientBuilder::cache)) is
//! looked up before the first attempt of an extraction sent plain (streamed ones are
//! not cached). The key ([`CacheKey`]) is the SHA-256 of the provider, the URL and the
//! request body as it would be sent (model, messages, mode, schema, temperature, token
//! cap and every other option); the API key is not part of it. A hit makes no
//! request and costs no tokens: the value comes back with
//! [`Extracted::cached`](crate::Extracted::cached) set and zero usage, and observers
//! hear [`Event::CacheHit`](crate::observe::Event::CacheHit). Only a reply that
//! validated is stored; failures never are. A stored reply is judged again on a hit
//! (parsed and validated against the type's current rules): if it no longer
//! validates, it counts as a miss.
//!
//! Two caches come with the crate: [`MemoryCache`] (least recently used entries
//! dropped beyond a bound) and [`SqliteCache`] (feature `sqlite`, a file that outlives
//! the process). Both forget entries older than their TTL.
//!
//! ```
//! # async fn run() -> Result<(), pluck::Error> {
//! use pluck::cache::MemoryCache;
//! use std::time::Duration;
//!
//! let client = pluck::Client::builder()
//!     .api_key("sk-...")
//!     .cache(MemoryCache::new(10_000, Duration::from_secs(3_600)))
//!     .build()?;
//! # let _ = client; Ok(()) }
//! ```

mod key;
mod memory;
#[cfg(feature = "sqlite")]
mod sqlite;

pub use key::CacheKey;
pub use memory::MemoryCache;
#[cfg(feature = "sqlite")]
pub use sqlite::SqliteCache;

use futures_util::future::BoxFuture;

/// Where replies that validated are kept.
pub trait ResponseCache: Send + Sync {
    /// The reply stored under `key`, unless there is none or it expired.
    ///
    /// # Errors
    /// [`CacheError`] when the cache cannot be read.
    fn get<'a>(&'a self, key: &'a CacheKey) -> BoxFuture<'a, Result<Option<String>, CacheError>>;

    /// Stores `reply` (the text the model wrote, which validated) under `key`.
    ///
    /// # Errors
    /// [`CacheError`] when the cache cannot be written.
    fn put<'a>(&'a self, key: &'a CacheKey, reply: &'a str) -> BoxFuture<'a, Result<(), CacheError>>;
}

/// A cache that could not be read or written.
#[derive(Debug, Clone, thiserror::Error)]
#[error("the response cache failed: {message}")]
#[non_exhaustive]
pub struct CacheError {
    /// What went wrong.
    pub message: String,
}

impl CacheError {
    /// A failure saying `message`.
    pub fn new(message: impl std::fmt::Display) -> Self {
        CacheError { message: message.to_string() }
    }
}
