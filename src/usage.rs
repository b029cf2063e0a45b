//! Token usage, summed over every attempt of an extraction.

use serde::{Deserialize, Serialize};
use std::ops::{Add, AddAssign};

/// Tokens a provider counted for one request, or the sum over several.
///
/// ```
/// use pluck::Usage;
///
/// let first = Usage { prompt_tokens: 120, completion_tokens: 40, total_tokens: 160 };
/// let second = Usage { prompt_tokens: 200, completion_tokens: 38, total_tokens: 238 };
/// assert_eq!((first + second).total_tokens, 398);
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Usage {
    /// Tokens in the prompt (the messages and the schema).
    #[serde(default)]
    pub prompt_tokens: u64,
    /// Tokens the model wrote.
    #[serde(default)]
    pub completion_tokens: u64,
    /// Both together, as the provider reported them.
    #[serde(default)]
    pub total_tokens: u64,
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
    }
}
