//! The tokens a request is counted for against a deployment's `tpm`.

use crate::Message;

/// Output tokens counted for a request that sets no limit on its reply.
pub const DEFAULT_OUTPUT_TOKENS: u32 = 1024;

/// An estimate of the tokens a request uses: its messages' characters divided by 4
/// (a rough average for English text and JSON), plus the most its reply may use
/// (`max_tokens`, or [`DEFAULT_OUTPUT_TOKENS`]). An approximation, not a tokenizer:
/// every `tpm` check reads it from here, so a better count replaces it in one place.
pub fn estimate(messages: &[Message], max_tokens: Option<u32>) -> u32 {
    let chars: usize =
        messages.iter().map(|message| message.content.as_deref().map_or(0, |text| text.chars().count())).sum();
    let prompt = u32::try_from(chars / 4).unwrap_or(u32::MAX);
    prompt.saturating_add(max_tokens.unwrap_or(DEFAULT_OUTPUT_TOKENS))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn characters_over_four_plus_the_reply() {
        let messages = [Message::system("x".repeat(400)), Message::user("y".repeat(40))];
        assert_eq!(estimate(&messages, Some(100)), 210);
        assert_eq!(estimate(&[], None), DEFAULT_OUTPUT_TOKENS);
    }
}
