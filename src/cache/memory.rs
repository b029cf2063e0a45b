//! [`MemoryCache`]: replies in memory, the least recently used dropped beyond a bound.

use super::{CacheError, CacheKey, ResponseCache};
use futures_util::future::BoxFuture;
use std::collections::{BTreeMap, HashMap};
use std::sync::Mutex;
use std::time::Duration;
use tokio::time::Instant;

/// Replies in memory, for this process: at most `capacity` of them (the least
/// recently used dropped first), each for at most `ttl` (read on tokio's clock, so
/// paused time in tests moves it).
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), pluck::cache::CacheError> {
/// use pluck::cache::{MemoryCache, ResponseCache};
/// use std::time::Duration;
///
/// let cache = MemoryCache::new(2, Duration::from_secs(60));
/// assert_eq!(cache.len(), 0);
/// # Ok(()) }
/// ```
#[derive(Debug)]
pub struct MemoryCache {
    capacity: usize,
    ttl: Duration,
    entries: Mutex<Lru>,
}

#[derive(Debug, Default)]
struct Lru {
    /// Each entry, with when it was stored and its last use.
    map: HashMap<CacheKey, Stored>,
    /// Keys by last use, oldest first.
    order: BTreeMap<u64, CacheKey>,
    /// The count of uses, as a clock.
    tick: u64,
}

#[derive(Debug)]
struct Stored {
    reply: String,
    stored: Instant,
    used: u64,
}

impl Lru {
    fn touch(&mut self, key: &CacheKey) {
        self.tick += 1;
        let tick = self.tick;
        if let Some(entry) = self.map.get_mut(key) {
            self.order.remove(&entry.used);
            entry.used = tick;
            self.order.insert(tick, *key);
        }
    }

    fn remove(&mut self, key: &CacheKey) {
        if let Some(entry) = self.map.remove(key) {
            self.order.remove(&entry.used);
        }
    }
}

impl MemoryCache {
    /// A cache of at most `capacity` replies (at least one), each kept for `ttl`.
    pub fn new(capacity: usize, ttl: Duration) -> Self {
        MemoryCache { capacity: capacity.max(1), ttl, entries: Mutex::new(Lru::default()) }
    }

    /// The replies held, expired ones not yet dropped included.
    pub fn len(&self) -> usize {
        self.lock().map.len()
    }

    /// Whether it holds nothing.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Lru> {
        self.entries.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn lookup(&self, key: &CacheKey) -> Option<String> {
        let mut lru = self.lock();
        let entry = lru.map.get(key)?;
        if entry.stored.elapsed() >= self.ttl {
            lru.remove(key);
            return None;
        }
        let reply = entry.reply.clone();
        lru.touch(key);
        Some(reply)
    }

    fn store(&self, key: &CacheKey, reply: &str) {
        let mut lru = self.lock();
        lru.remove(key);
        while lru.map.len() >= self.capacity {
            let Some((_, oldest)) = lru.order.pop_first() else { break };
            lru.map.remove(&oldest);
        }
        lru.map.insert(*key, Stored { reply: reply.to_owned(), stored: Instant::now(), used: 0 });
        lru.touch(key);
    }
}

impl ResponseCache for MemoryCache {
    fn get<'a>(&'a self, key: &'a CacheKey) -> BoxFuture<'a, Result<Option<String>, CacheError>> {
        Box::pin(std::future::ready(Ok(self.lookup(key))))
    }

    fn put<'a>(&'a self, key: &'a CacheKey, reply: &'a str) -> BoxFuture<'a, Result<(), CacheError>> {
        self.store(key, reply);
        Box::pin(std::future::ready(Ok(())))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(n: u8) -> CacheKey {
        CacheKey::of("p", "u", &[n])
    }

    #[tokio::test(start_paused = true)]
    async fn the_least_recently_used_goes_first_and_old_entries_expire() {
        let cache = MemoryCache::new(2, Duration::from_secs(10));
        cache.store(&key(1), "one");
        cache.store(&key(2), "two");
        // 1 is used, so 2 is the least recently used when 3 comes.
        assert_eq!(cache.lookup(&key(1)).as_deref(), Some("one"));
        cache.store(&key(3), "three");
        assert_eq!(cache.len(), 2);
        assert_eq!(cache.lookup(&key(2)), None);
        assert_eq!(cache.lookup(&key(3)).as_deref(), Some("three"));
        tokio::time::advance(Duration::from_secs(9)).await;
        assert_eq!(cache.lookup(&key(1)).as_deref(), Some("one"));
        tokio::time::advance(Duration::from_secs(1)).await;
        assert_eq!(cache.lookup(&key(1)), None);
        assert_eq!(cache.len(), 1);
    }
}
