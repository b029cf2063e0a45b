//! The [`ClientBuilder`]'s options on cost: prices, budgets, truncation.

use super::ClientBuilder;
use crate::cost::{Budget, Price, Truncation};

impl ClientBuilder {
    /// Prices `model` (an exact name) at `price`, over the table shipped with the
    /// crate: for a model it does not know, a negotiated price, or a newer one. See
    /// [`cost`](crate::cost).
    ///
    /// ```
    /// use pluck::cost::Price;
    /// use rust_decimal::Decimal;
    ///
    /// let client = pluck::Client::builder()
    ///     .api_key("sk-...")
    ///     .price("my-finetune", Price::per_million(Decimal::new(30, 2), Decimal::new(120, 2)).context_window(128_000))
    ///     .build()
    ///     .unwrap();
    /// # let _ = client;
    /// ```
    pub fn price(mut self, model: impl Into<String>, price: Price) -> Self {
        self.prices.insert(model, price);
        self
    }

    /// The budget of each extraction, where a request sets none: an attempt that could
    /// pass it is not sent. See [`Budget`].
    ///
    /// ```
    /// use pluck::cost::Budget;
    ///
    /// let client = pluck::Client::builder().api_key("sk-...").budget(Budget::tokens(20_000)).build().unwrap();
    /// # let _ = client;
    /// ```
    pub fn budget(mut self, budget: Budget) -> Self {
        self.budget = Some(budget);
        self
    }

    /// What an extraction does with a reply cut at its token cap, where a request sets
    /// nothing; by default it fails with [`Error::Truncated`](crate::Error::Truncated).
    /// See [`Truncation`].
    ///
    /// ```
    /// use pluck::cost::Truncation;
    ///
    /// let client = pluck::Client::builder()
    ///     .api_key("sk-...")
    ///     .on_truncation(Truncation::RetryLarger { factor: 2, max_tokens: 8_000 })
    ///     .build()
    ///     .unwrap();
    /// # let _ = client;
    /// ```
    pub fn on_truncation(mut self, policy: Truncation) -> Self {
        self.truncation = policy;
        self
    }
}
