//! Counting the tokens of a request before it is sent.
//!
//! With the feature `tokens`, OpenAI models are counted with their own encoding
//! (tiktoken's `o200k_base` for GPT-4o, GPT-4.1, GPT-5 and the o-series,
//! `cl100k_base` for older ones), and other models behind an OpenAI-compatible
//! endpoint (a local server) with `o200k_base` as an approximation. Anthropic and
//! Gemini models, and every model without the feature, are approximated at four
//! bytes a token. [`TokenCount::exact`] says which counts are the model's own.

use crate::provider::Call;
use crate::{Provider, Role};

/// Per-message overhead as OpenAI counts chat messages: each message's framing, and
/// the tokens that prime the reply.
const PER_MESSAGE: u64 = 3;
const REPLY_PRIMING: u64 = 3;
/// Bytes per token in the approximation.
const BYTES_PER_TOKEN: u64 = 4;

/// A number of tokens, and whether it was counted with the model's own tokenizer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct TokenCount {
    /// The tokens.
    pub tokens: u64,
    /// `true` when counted with the model's own encoding (an OpenAI model, with the
    /// feature `tokens`); `false` for an approximation (about four bytes a token).
    pub exact: bool,
}

/// How the text of a request is counted.
#[derive(Clone, Copy)]
enum Counter {
    /// A tiktoken encoding, and whether it is the model's own.
    #[cfg(feature = "tokens")]
    Bpe(&'static tiktoken_rs::CoreBPE, bool),
    Approximate,
}

impl Counter {
    fn for_model(provider: Provider, model: &str) -> Counter {
        #[cfg(feature = "tokens")]
        if provider == Provider::OpenAi {
            return match encoding(model) {
                Some(Encoding::O200k) => Counter::Bpe(tiktoken_rs::o200k_base_singleton(), true),
                Some(Encoding::Cl100k) => Counter::Bpe(tiktoken_rs::cl100k_base_singleton(), true),
                None => Counter::Bpe(tiktoken_rs::o200k_base_singleton(), false),
            };
        }
        let _ = (provider, model);
        Counter::Approximate
    }

    fn exact(self) -> bool {
        match self {
            #[cfg(feature = "tokens")]
            Counter::Bpe(_, exact) => exact,
            Counter::Approximate => false,
        }
    }

    fn count(self, text: &str) -> u64 {
        match self {
            #[cfg(feature = "tokens")]
            Counter::Bpe(bpe, _) => bpe.encode_with_special_tokens(text).len() as u64,
            Counter::Approximate => (text.len() as u64).div_ceil(BYTES_PER_TOKEN),
        }
    }
}

/// The tiktoken encodings of OpenAI's chat models. (Without the feature `tokens`
/// nothing counts with them, but the families are still tested.)
#[cfg_attr(not(feature = "tokens"), allow(dead_code))]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Encoding {
    O200k,
    Cl100k,
}

/// The encoding of an OpenAI model, by its family; `None` for a model OpenAI does not
/// name (a local model behind an OpenAI-compatible server).
#[cfg_attr(not(feature = "tokens"), allow(dead_code))]
pub(crate) fn encoding(model: &str) -> Option<Encoding> {
    let name = model.rsplit_once('/').map_or(model, |(_, last)| last);
    let name = name.strip_prefix("ft:").unwrap_or(name);
    let family = |prefix: &str| name.starts_with(prefix);
    if family("gpt-4o") || family("gpt-4.1") || family("gpt-4.5") || family("gpt-5") || family("chatgpt-4o") {
        return Some(Encoding::O200k);
    }
    if ["o1", "o3", "o4"].iter().any(|o| name == *o || name.starts_with(&format!("{o}-"))) {
        return Some(Encoding::O200k);
    }
    if family("gpt-4") || family("gpt-3.5") || family("gpt-35") || family("text-embedding") {
        return Some(Encoding::Cl100k);
    }
    None
}

/// The input tokens of `call` as it will be sent by `provider`: each message with
/// OpenAI's per-message overhead, the earlier replies and their feedback on a re-ask,
/// and the schema where it travels beside the messages (response format or tool
/// definition, counted as its JSON text).
pub(crate) fn count(provider: Provider, call: &Call<'_>) -> TokenCount {
    let counter = Counter::for_model(provider, call.model);
    let mut tokens = REPLY_PRIMING;
    for message in call.messages {
        tokens += PER_MESSAGE + counter.count(role(message.role));
        if let Some(content) = &message.content {
            tokens += counter.count(content);
        }
        for tool_call in message.tool_calls.iter().flatten() {
            tokens += counter.count(&tool_call.function.name) + counter.count(&tool_call.function.arguments);
        }
    }
    for retry in call.retries {
        tokens += 2 * PER_MESSAGE + counter.count("assistant") + counter.count("user");
        tokens += counter.count(retry.reply.raw()) + counter.count(&retry.feedback);
    }
    if !call.mode.schema_in_prompt() {
        tokens += counter.count(call.schema.name()) + counter.count(call.schema.json().get());
        if let Some(description) = call.schema.description() {
            tokens += counter.count(description);
        }
    }
    TokenCount { tokens, exact: counter.exact() }
}

/// The most tokens `call` can take: no token is shorter than a byte, so its bytes
/// bound it whatever the tokenizer. Cheap: used to skip counting when a request
/// plainly fits.
pub(crate) fn at_most(call: &Call<'_>) -> u64 {
    let framing = PER_MESSAGE + "assistant".len() as u64;
    let mut bytes = REPLY_PRIMING;
    for message in call.messages {
        bytes += framing + message.content.as_ref().map_or(0, |c| c.len() as u64);
        for tool_call in message.tool_calls.iter().flatten() {
            bytes += (tool_call.function.name.len() + tool_call.function.arguments.len()) as u64;
        }
    }
    for retry in call.retries {
        bytes += 2 * framing + (retry.reply.raw().len() + retry.feedback.len()) as u64;
    }
    if !call.mode.schema_in_prompt() {
        bytes += (call.schema.name().len() + call.schema.json().get().len()) as u64;
        bytes += call.schema.description().map_or(0, |d| d.len() as u64);
    }
    bytes
}

fn role(role: Role) -> &'static str {
    match role {
        Role::System => "system",
        Role::User => "user",
        Role::Assistant => "assistant",
        Role::Tool => "tool",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_family_has_its_encoding() {
        for model in
            ["gpt-4o", "gpt-4o-mini-2024-07-18", "gpt-4.1-nano", "gpt-5", "gpt-5-nano", "o1", "o3-mini", "o4-mini"]
        {
            assert_eq!(encoding(model), Some(Encoding::O200k), "{model}");
        }
        for model in ["gpt-4", "gpt-4-turbo", "gpt-3.5-turbo", "openai/gpt-4-0613"] {
            assert_eq!(encoding(model), Some(Encoding::Cl100k), "{model}");
        }
        for model in ["llama-3.1-8b", "claude-sonnet-4-5", "gemini-2.5-flash", "o1x"] {
            assert_eq!(encoding(model), None, "{model}");
        }
    }

    /// The blog's figures: "Hello, world!" is four tokens.
    #[cfg(feature = "tokens")]
    #[test]
    fn the_encodings_count_as_tiktoken_does() {
        let cl100k = Counter::Bpe(tiktoken_rs::cl100k_base_singleton(), true);
        for bpe in [cl100k, Counter::Bpe(tiktoken_rs::o200k_base_singleton(), true)] {
            assert_eq!(bpe.count("Hello, world!"), 4);
            assert_eq!(bpe.count("Hello"), 1);
        }
        assert_eq!(cl100k.count("Artificial Intelligence"), 3);
        assert!(!Counter::for_model(Provider::OpenAi, "llama-3.1-8b").exact());
        assert!(Counter::for_model(Provider::OpenAi, "gpt-4o").exact());
        assert!(!Counter::for_model(Provider::Anthropic, "gpt-4o").exact());
    }

    #[test]
    fn the_approximation_is_a_token_per_four_bytes() {
        assert_eq!(Counter::Approximate.count("Hello, world!"), 4);
        assert_eq!(Counter::Approximate.count(""), 0);
        assert!(!Counter::Approximate.exact());
    }
}
