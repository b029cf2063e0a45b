//! [`Estimate`]: what a request will take and may cost, before it is sent.

use super::prices::Price;
use super::tokens::{self, TokenCount};
use crate::provider::Call;
use crate::Provider;
use rust_decimal::Decimal;

/// What a request will take and may cost, worked out without sending it (see
/// [`ExtractRequest::estimate`](crate::ExtractRequest::estimate)).
///
/// ```
/// # fn main() -> Result<(), pluck::Error> {
/// let client = pluck::Client::builder().api_key("sk-...").model("gpt-5-nano").build()?;
/// let estimate = client.request::<String>().user("Summarise: ...").max_tokens(200).estimate()?;
/// assert_eq!(estimate.max_output_tokens, Some(200));
/// assert_eq!(estimate.context_window, Some(400_000));
/// let cost = estimate.cost.unwrap();
/// assert!(cost.min < cost.max);
/// # Ok(()) }
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Estimate {
    /// The model asked.
    pub model: String,
    /// The request's input tokens, as it will be sent (messages, schema, overhead).
    pub input_tokens: TokenCount,
    /// The cap on the reply's tokens: the request's `max_tokens`, else the model's most
    /// output as the price table knows it.
    pub max_output_tokens: Option<u64>,
    /// The model's context window, as the price table knows it.
    pub context_window: Option<u64>,
    /// The cost, in US dollars, when the model's price is known: `min` for the input
    /// alone, `max` with a reply as long as the cap (with no cap known, the input
    /// alone too: set `max_tokens` for a true bound).
    pub cost: Option<CostRange>,
}

/// The least and the most a request may cost, in US dollars.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct CostRange {
    /// The input alone, at the full input price (a reply of no tokens, no cache hit).
    pub min: Decimal,
    /// The input and a reply as long as the cap, at the dearer of the output and
    /// reasoning prices.
    pub max: Decimal,
}

impl Estimate {
    /// The most tokens the request can take: its input and the output cap.
    pub fn max_tokens(&self) -> u64 {
        self.input_tokens.tokens + self.max_output_tokens.unwrap_or(0)
    }

    /// The estimate of `call` for `provider`, priced at `price`.
    pub(crate) fn of(provider: Provider, call: &Call<'_>, price: Option<&Price>) -> Estimate {
        let input_tokens = tokens::count(provider, call);
        let max_output_tokens = output_cap(call, price);
        let cost = price.map(|price| CostRange {
            min: price.most(input_tokens.tokens, 0),
            max: price.most(input_tokens.tokens, max_output_tokens.unwrap_or(0)),
        });
        Estimate {
            model: call.model.to_owned(),
            input_tokens,
            max_output_tokens,
            context_window: price.and_then(|p| p.context_window),
            cost,
        }
    }
}

/// The cap on the reply's tokens of `call`: its `max_tokens`, else the model's most
/// output as `price` knows it.
pub(crate) fn output_cap(call: &Call<'_>, price: Option<&Price>) -> Option<u64> {
    call.max_tokens.map(u64::from).or(price.and_then(|p| p.max_output_tokens))
}
