//! [`Budget`]: a limit on what one extraction may spend, checked before each attempt.

use rust_decimal::Decimal;
use std::fmt;

/// A limit on the tokens and the money one extraction may spend over all its attempts
/// (re-asks and retries with a larger cap included), set with
/// [`ExtractRequest::budget`](crate::ExtractRequest::budget) or
/// [`ClientBuilder::budget`](crate::ClientBuilder::budget).
///
/// Before each attempt, what was spent so far plus the most the attempt may take (its
/// input tokens and its output cap, see [`Estimate`](super::Estimate)) is set against
/// the limit; an attempt that could pass it is not sent, and the extraction ends with
/// [`Error::BudgetExceeded`](crate::Error::BudgetExceeded). The bound is as exact as
/// the token count ([`TokenCount::exact`](super::TokenCount::exact)); without a
/// `max_tokens` the output cap is the model's most output from the price table (no
/// cap known counts the input alone). A money limit on a model with no known price
/// cannot be kept, and ends the extraction before the first request.
///
/// ```
/// use pluck::cost::Budget;
/// use rust_decimal::Decimal;
///
/// let budget = Budget::tokens(4_000).and_dollars(Decimal::new(1, 2)); // 4k tokens, 1 cent
/// assert_eq!(budget.max_tokens, Some(4_000));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub struct Budget {
    /// The most tokens (input and output) over every attempt.
    pub max_tokens: Option<u64>,
    /// The most US dollars over every attempt.
    pub max_cost: Option<Decimal>,
}

impl Budget {
    /// A limit on tokens alone.
    pub fn tokens(max: u64) -> Self {
        Budget { max_tokens: Some(max), max_cost: None }
    }

    /// A limit on US dollars alone.
    pub fn dollars(max: Decimal) -> Self {
        Budget { max_tokens: None, max_cost: Some(max) }
    }

    /// With a limit on tokens too.
    pub fn and_tokens(mut self, max: u64) -> Self {
        self.max_tokens = Some(max);
        self
    }

    /// With a limit on US dollars too.
    pub fn and_dollars(mut self, max: Decimal) -> Self {
        self.max_cost = Some(max);
        self
    }
}

/// Whose budget an [`Error::BudgetExceeded`](crate::Error::BudgetExceeded) is about.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum BudgetScope {
    /// One extraction's [`Budget`].
    Extraction,
    /// A customer's budget over a period, by the customer's id.
    Customer(String),
}

impl fmt::Display for BudgetScope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BudgetScope::Extraction => f.write_str("the extraction's budget"),
            BudgetScope::Customer(id) => write!(f, "the budget of customer `{id}`"),
        }
    }
}

/// An amount a budget counts: tokens or US dollars.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Amount {
    /// Tokens, input and output together.
    Tokens(u64),
    /// US dollars.
    Dollars(Decimal),
}

impl fmt::Display for Amount {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Amount::Tokens(n) => write!(f, "{n} tokens"),
            Amount::Dollars(d) => write!(f, "${d}"),
        }
    }
}
