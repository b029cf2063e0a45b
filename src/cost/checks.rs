//! The checks made before an attempt is sent: does it fit the model's context window,
//! and could it pass the extraction's budget.

use super::{Amount, Budget, BudgetScope, Cost, Estimate};
use crate::error::ConfigError;
use crate::{Error, Usage};

/// Refuses a request whose input and explicit output cap (`cap`) pass the model's
/// context window; a model with no known window passes.
pub(crate) fn fits(estimate: &Estimate, cap: Option<u32>) -> Result<(), Error> {
    let Some(window) = estimate.context_window else { return Ok(()) };
    let input = estimate.input_tokens.tokens;
    let output = cap.map_or(0, u64::from);
    if input + output <= window {
        return Ok(());
    }
    let counted = if estimate.input_tokens.exact { "counted" } else { "estimated" };
    Err(Error::ContextLengthExceeded {
        message: format!(
            "the request has {input} input tokens ({counted} before sending) and a cap of {output} output tokens, \
             over {}'s context window of {window}; nothing was sent",
            estimate.model
        ),
        input_tokens: Some(input),
        max_output_tokens: Some(output),
        context_window: Some(window),
        model: Some(estimate.model.clone()),
    })
}

/// Refuses an attempt that could pass `budget`, after `usage` and `cost` were spent;
/// the attempt's most is its estimate's `max_tokens()` and `cost.max`.
pub(crate) fn within(budget: &Budget, usage: &Usage, cost: Option<&Cost>, estimate: &Estimate) -> Result<(), Error> {
    let exceeded = |spent, next, limit| Error::BudgetExceeded { scope: BudgetScope::Extraction, spent, next, limit };
    if let Some(limit) = budget.max_tokens {
        let spent = usage.prompt_tokens + usage.completion_tokens;
        let next = estimate.max_tokens();
        if spent + next > limit {
            return Err(exceeded(Amount::Tokens(spent), Amount::Tokens(next), Amount::Tokens(limit)));
        }
    }
    if let Some(limit) = budget.max_cost {
        let Some(next) = estimate.cost.map(|range| range.max) else {
            return Err(ConfigError::NoPrice { model: estimate.model.clone() }.into());
        };
        let spent = cost.map_or(super::Decimal::ZERO, |cost| cost.total);
        if spent + next > limit {
            return Err(exceeded(Amount::Dollars(spent), Amount::Dollars(next), Amount::Dollars(limit)));
        }
    }
    Ok(())
}
