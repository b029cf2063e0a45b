//! What a client spends and saves: its per-customer budget and its response cache.

use super::{Client, ClientBuilder};
use crate::budget::Budget;
use crate::cache::{CacheKey, ResponseCache};
use crate::provider::Call;
use crate::Error;
use std::sync::Arc;

impl ClientBuilder {
    /// Keeps a budget per customer on every extraction that names one
    /// ([`ExtractRequest::customer`](crate::ExtractRequest::customer)): each attempt
    /// reserves its upper-bound cost first, and is not made when the customer's limit
    /// cannot afford it ([`Error::BudgetExceeded`]). See [`budget`](crate::budget).
    pub fn customer_budgets(mut self, budget: Budget) -> Self {
        self.customer_budgets = Some(budget);
        self
    }

    /// Answers extractions from `cache` when it holds a reply that validated for the
    /// same request, and keeps every reply that validates in it. See
    /// [`cache`](crate::cache).
    pub fn cache(mut self, cache: impl ResponseCache + 'static) -> Self {
        self.cache = Some(Arc::new(cache));
        self
    }
}

impl Client {
    /// The budget kept per customer, if any.
    pub(crate) fn customer_budgets(&self) -> Option<&Budget> {
        self.inner.customer_budgets.as_ref()
    }

    /// The response cache, if any.
    pub(crate) fn cache(&self) -> Option<&dyn ResponseCache> {
        self.inner.cache.as_deref()
    }

    /// The key `call`'s answer is cached under: the provider, the URL and the body
    /// exactly as [`send`](Client::send) would send them.
    ///
    /// # Errors
    /// A URL for the call's model that does not parse.
    pub(crate) fn cache_key(&self, call: &Call<'_>) -> Result<CacheKey, Error> {
        let inner = &*self.inner;
        let url = self.url(call, false)?;
        let body = inner.provider.wire().body(call, inner.limit_name);
        Ok(CacheKey::of(&format!("{:?}", inner.provider), url.as_str(), &body))
    }
}
