//! [`SqliteCache`]: replies in a SQLite file, kept across restarts.

use super::{CacheError, CacheKey, ResponseCache};
use crate::sqlite::Sqlite;
use futures_util::future::BoxFuture;
use rusqlite::{params, OptionalExtension};
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS pluck_cache (
    key BLOB PRIMARY KEY,
    reply TEXT NOT NULL,
    expires_ms INTEGER NOT NULL
);
";

/// The clock expiry is read on.
type Clock = Arc<dyn Fn() -> SystemTime + Send + Sync>;

/// Replies in a SQLite file (feature `sqlite`): they outlive the process, and several
/// processes may share the file. Each is kept for the TTL, read on the system clock
/// (or [`with_clock`](Self::with_clock)); expired entries are dropped when read.
///
/// ```no_run
/// # fn run() -> Result<(), Box<dyn std::error::Error>> {
/// use pluck::cache::SqliteCache;
/// use std::time::Duration;
///
/// let client = pluck::Client::builder()
///     .api_key("sk-...")
///     .cache(SqliteCache::open("replies.sqlite3", Duration::from_secs(86_400))?)
///     .build()?;
/// # let _ = client; Ok(()) }
/// ```
#[derive(Clone)]
pub struct SqliteCache {
    db: Sqlite,
    ttl: Duration,
    clock: Clock,
}

impl std::fmt::Debug for SqliteCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqliteCache").field("ttl", &self.ttl).finish_non_exhaustive()
    }
}

fn millis(at: SystemTime) -> i64 {
    at.duration_since(UNIX_EPOCH).map_or(0, |since| since.as_millis() as i64)
}

impl SqliteCache {
    /// Opens the cache at `path` (creating it if need be), keeping replies for `ttl`.
    ///
    /// # Errors
    /// [`CacheError`] when the file cannot be opened or is not a database.
    pub fn open(path: impl AsRef<Path>, ttl: Duration) -> Result<Self, CacheError> {
        let db = Sqlite::open(path.as_ref(), SCHEMA).map_err(CacheError::new)?;
        Ok(SqliteCache { db, ttl, clock: Arc::new(SystemTime::now) })
    }

    /// The same cache, reading the time from `clock` (to test expiry).
    pub fn with_clock(mut self, clock: impl Fn() -> SystemTime + Send + Sync + 'static) -> Self {
        self.clock = Arc::new(clock);
        self
    }
}

impl ResponseCache for SqliteCache {
    fn get<'a>(&'a self, key: &'a CacheKey) -> BoxFuture<'a, Result<Option<String>, CacheError>> {
        let (key, now) = (*key.as_bytes(), millis((self.clock)()));
        Box::pin(self.db.run(move |conn| {
            let found: Option<(String, i64)> = conn
                .query_row("SELECT reply, expires_ms FROM pluck_cache WHERE key = ?1", [&key[..]], |row| {
                    Ok((row.get(0)?, row.get(1)?))
                })
                .optional()
                .map_err(CacheError::new)?;
            match found {
                Some((reply, expires)) if now < expires => Ok(Some(reply)),
                Some(_) => {
                    conn.execute("DELETE FROM pluck_cache WHERE key = ?1 AND expires_ms <= ?2", params![&key[..], now])
                        .map_err(CacheError::new)?;
                    Ok(None)
                }
                None => Ok(None),
            }
        }))
    }

    fn put<'a>(&'a self, key: &'a CacheKey, reply: &'a str) -> BoxFuture<'a, Result<(), CacheError>> {
        let (key, reply) = (*key.as_bytes(), reply.to_owned());
        let expires = millis((self.clock)()).saturating_add(self.ttl.as_millis().min(i64::MAX as u128) as i64);
        Box::pin(self.db.run(move |conn| {
            conn.execute(
                "INSERT INTO pluck_cache (key, reply, expires_ms) VALUES (?1, ?2, ?3)
                 ON CONFLICT (key) DO UPDATE SET reply = excluded.reply, expires_ms = excluded.expires_ms",
                params![&key[..], reply, expires],
            )
            .map_err(CacheError::new)?;
            Ok(())
        }))
    }
}
