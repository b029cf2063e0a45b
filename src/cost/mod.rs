//! What an extraction takes and costs: token counts before a request is sent, prices
//! per model, the cost of each attempt, and limits on both.
//!
//! - [`ExtractRequest::estimate`](crate::ExtractRequest::estimate) counts a request's
//!   tokens as it will be sent and prices it, with no network call ([`Estimate`]).
//!   With the feature `tokens`, OpenAI models are counted with tiktoken; otherwise,
//!   and for Anthropic and Gemini, the count is an approximation and says so
//!   ([`TokenCount::exact`]). [`ExtractRequest::count_tokens`](crate::ExtractRequest::count_tokens)
//!   asks Anthropic's and Gemini's token-counting endpoints instead.
//! - Before each attempt, a request whose input and output cap pass the model's
//!   context window ends with [`Error::ContextLengthExceeded`](crate::Error::ContextLengthExceeded),
//!   nothing sent (models the price table does not know are not checked).
//! - Each reply is priced from the [`PriceTable`] (shipped with the crate, from
//!   pydantic's genai-prices, MIT, dated [`PriceTable::SHIPPED_DATE`]; add your own
//!   with [`ClientBuilder::price`](crate::ClientBuilder::price)): the cost of every
//!   attempt and their sum are on [`Extracted::cost`](crate::Extracted::cost),
//!   [`Exhausted::cost`](crate::error::Exhausted::cost) and each
//!   [`Event::Response`](crate::observe::Event::Response). Money is a
//!   [`Decimal`]: exact, so sums never drift.
//! - A [`Budget`] stops an extraction before an attempt that could pass it, and a
//!   [`Truncation`] policy may retry a reply cut at its cap with a larger one.
//!
//! ```no_run
//! # async fn run() -> Result<(), pluck::Error> {
//! use pluck::cost::Budget;
//! use rust_decimal::Decimal;
//!
//! let client = pluck::Client::builder().model("gpt-5-nano").build()?;
//! let extracted = client
//!     .request::<String>()
//!     .user("Summarise: ...")
//!     .budget(Budget::dollars(Decimal::new(1, 2)))
//!     .send_with_usage()
//!     .await?;
//! if let Some(cost) = &extracted.cost {
//!     println!("${} over {} attempts", cost.total, cost.per_attempt.len());
//! }
//! # Ok(()) }
//! ```

mod budget;
pub(crate) mod checks;
mod estimate;
mod prices;
pub(crate) mod tokens;
mod truncation;

pub use budget::{Amount, Budget, BudgetScope};
pub(crate) use estimate::output_cap;
pub use estimate::{CostRange, Estimate};
pub use prices::{Price, PriceTable};
pub use rust_decimal::Decimal;
pub use tokens::TokenCount;
pub use truncation::Truncation;

/// What the attempts of one extraction cost, in US dollars.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct Cost {
    /// Each attempt's cost, in order.
    pub per_attempt: Vec<Decimal>,
    /// Their sum.
    pub total: Decimal,
}

impl Cost {
    /// Adds one attempt's cost.
    pub(crate) fn add(&mut self, cost: Decimal) {
        self.per_attempt.push(cost);
        self.total += cost;
    }
}
