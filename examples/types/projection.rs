//! The blog's monthly cost projection, shared by `examples/projection.rs` and the
//! test that checks its figures.

use pluck::cost::{Decimal, Price};
use pluck::Usage;

/// A workload: requests a day, days, and the tokens of one request.
pub struct Workload {
    pub requests_per_day: u64,
    pub days: u64,
    pub input_tokens: u64,
    pub output_tokens: u64,
}

/// The blog's: a support chatbot, 10,000 requests a day for 30 days, 300 input and 200
/// output tokens each.
pub const BLOG: Workload = Workload { requests_per_day: 10_000, days: 30, input_tokens: 300, output_tokens: 200 };

/// The blog's prices (November 2025), per million input and output tokens.
pub fn gpt_5_nano() -> Price {
    Price::per_million(Decimal::new(5, 2), Decimal::new(40, 2))
}

pub fn gpt_5() -> Price {
    Price::per_million(Decimal::new(125, 2), Decimal::from(10))
}

/// What `workload` costs a month at `price`, exactly.
pub fn monthly(price: &Price, workload: &Workload) -> Decimal {
    let requests = workload.requests_per_day * workload.days;
    let usage = Usage {
        prompt_tokens: requests * workload.input_tokens,
        completion_tokens: requests * workload.output_tokens,
        ..Usage::default()
    };
    price.cost(&usage)
}
