//! Token usage, summed over every attempt of an extraction.

use serde::{Deserialize, Serialize};
use std::ops::{Add, AddAssign};

/// Tokens a provider counted for one request, or the sum over several.
///
/// `cached_input_tokens` and `cache_write_tokens` are parts of `prompt_tokens`, and
/// `reasoning_tokens` a part of `completion_tokens`, as each provider reports them
/// (OpenAI `prompt_tokens_details.cached_tokens` and
/// `completion_tokens_details.reasoning_tokens`, the Responses API's
/// `input_tokens_details` and `output_tokens_details`, Anthropic
/// `cache_read_input_tokens` and `cache_creation_input_tokens`, Gemini
/// `cachedContentTokenCount` and `thoughtsTokenCount`): they are priced apart (see
/// [`Price`](crate::cost::Price)).
///
/// ```
/// use pluck::Usage;
///
/// let first = Usage { prompt_tokens: 120, completion_tokens: 40, total_tokens: 160, ..Usage::default() };
/// let second = Usage { prompt_tokens: 200, cached_input_tokens: 128, completion_tokens: 38, total_tokens: 238, ..Usage::default() };
/// let both = first + second;
/// assert_eq!((both.total_tokens, both.cached_input_tokens), (398, 128));
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Usage {
    /// Tokens in the prompt (the messages and the schema), cached ones included.
    #[serde(default)]
    pub prompt_tokens: u64,
    /// Tokens the model wrote, reasoning included.
    #[serde(default)]
    pub completion_tokens: u64,
    /// Both together, as the provider reported them.
    #[serde(default)]
    pub total_tokens: u64,
    /// Of the prompt's tokens, those read from the provider's prompt cache.
    #[serde(default)]
    pub cached_input_tokens: u64,
    /// Of the prompt's tokens, those written to the provider's prompt cache (Anthropic
    /// bills them above plain input).
    #[serde(default)]
    pub cache_write_tokens: u64,
    /// Of the tokens the model wrote, those it spent reasoning (thinking) rather than
    /// in the reply.
    #[serde(default)]
    pub reasoning_tokens: u64,
}

impl Add for Usage {
    type Output = Usage;
    fn add(mut self, other: Usage) -> Usage {
        self += other;
        self
    }
}

impl AddAssign for Usage {
    fn add_assign(&mut self, other: Usage) {
        self.prompt_tokens += other.prompt_tokens;
        self.completion_tokens += other.completion_tokens;
        self.total_tokens += other.total_tokens;
        self.cached_input_tokens += other.cached_input_tokens;
        self.cache_write_tokens += other.cache_write_tokens;
        self.reasoning_tokens += other.reasoning_tokens;
    }
}
