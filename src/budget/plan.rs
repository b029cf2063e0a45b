//! What one attempt is reckoned to cost: the seam between the attempt loop and the
//! budget.

use crate::{Message, Usage};
use rust_decimal::Decimal;

/// What an attempt is about to send, for reckoning its upper-bound cost.
///
/// The reckoning is a placeholder until token counts and price tables come: the
/// prompt is taken as one token per four characters (the messages, the replies
/// re-asked about and their feedback, and the schema), the reply as its token cap
/// (`max_tokens`, else [`Budget::default_max_tokens`](super::Budget::default_max_tokens)),
/// and every token at [`Budget::price_per_token`](super::Budget::price_per_token).
/// The actual cost is the reply's [`Usage::total_tokens`] at the same price.
#[derive(Debug, Clone, Copy)]
#[non_exhaustive]
pub struct AttemptPlan<'a> {
    /// The opening conversation.
    pub messages: &'a [Message],
    /// Characters of what the earlier attempts add: their replies and feedback.
    pub reask_chars: usize,
    /// The schema, as sent.
    pub schema: &'a str,
    /// The cap on the reply's tokens.
    pub max_tokens: u32,
}

impl AttemptPlan<'_> {
    /// The prompt's characters, as the placeholder counts them.
    fn prompt_chars(&self) -> usize {
        let messages: usize = self.messages.iter().map(|m| m.content.as_deref().map_or(0, str::len)).sum();
        messages + self.reask_chars + self.schema.len()
    }

    /// The most the attempt can cost at `price` per token.
    pub fn upper_bound(&self, price: Decimal) -> Decimal {
        let tokens = self.prompt_chars().div_ceil(4) as u64 + u64::from(self.max_tokens);
        Decimal::from(tokens) * price
    }
}

/// What a reply that used `usage` cost at `price` per token.
pub(crate) fn actual(usage: Usage, price: Decimal) -> Decimal {
    Decimal::from(usage.total_tokens) * price
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_upper_bound_is_a_quarter_of_the_characters_and_the_cap() {
        let messages = [Message::system("x".repeat(10)), Message::user("y".repeat(7))];
        let plan = AttemptPlan { messages: &messages, reask_chars: 5, schema: "{}", max_tokens: 100 };
        // 24 characters: 6 tokens, and 100 for the reply.
        assert_eq!(plan.upper_bound(Decimal::new(1, 6)), Decimal::new(106, 6));
        let usage = Usage { prompt_tokens: 6, completion_tokens: 10, total_tokens: 16, ..Usage::default() };
        assert_eq!(actual(usage, Decimal::new(1, 6)), Decimal::new(16, 6));
    }
}
