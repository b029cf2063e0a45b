//! The cache step of the attempt loop: before the first attempt, a reply kept for the
//! same request answers instead; after a reply validates, it is kept.

use super::Attempts;
use crate::observe::Event;
use crate::parse::Parsed;
use crate::{Error, Extract, Extracted, Usage};

impl Attempts<'_> {
    /// Before the first attempt: the value from a reply the cache kept for the same
    /// request, if it still validates. The request's key is kept for
    /// [`keep`](Self::keep).
    ///
    /// # Errors
    /// [`Error::Cache`] when the cache cannot be read.
    pub(crate) async fn cached<T: Extract>(&mut self) -> Result<Option<Extracted<T>>, Error> {
        let Some(cache) = self.client.cache() else { return Ok(None) };
        let key = self.client.cache_key(&self.call())?;
        let found = cache.get(&key).await;
        self.cache_key = Some(key);
        let raw = match found {
            Ok(Some(raw)) => raw,
            Ok(None) => return Ok(None),
            Err(err) => return Err(self.fail(err.into(), Usage::default())),
        };
        // A reply that no longer validates (the type's rules changed) is a miss.
        let Ok(Parsed { value, repairs }) = crate::request::judge::<T>(&raw, &self.prepared, self.lenient) else {
            return Ok(None);
        };
        if self.observing {
            self.observers_emit(&Event::CacheHit { model: &self.model, key: &key });
            self.observers_emit(&Event::Done { attempts: 0, usage: Usage::default() });
        }
        Ok(Some(Extracted {
            value,
            usage: Usage::default(),
            attempts: 0,
            repairs,
            cost: self.cost.take(),
            cached: true,
        }))
    }

    /// After a reply validated: keeps it under the request's key.
    ///
    /// # Errors
    /// [`Error::Cache`] when the cache cannot be written.
    pub(crate) async fn keep(&mut self) -> Result<(), Error> {
        let (Some(key), Some(raw), Some(cache)) = (self.cache_key, self.validated.take(), self.client.cache()) else {
            return Ok(());
        };
        match cache.put(&key, &raw).await {
            Ok(()) => Ok(()),
            Err(err) => Err(self.fail(err.into(), Usage::default())),
        }
    }
}
