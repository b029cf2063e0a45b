//! [`CacheKey`]: what identifies a request's answer.

use sha2::{Digest, Sha256};
use std::fmt;

/// The SHA-256 of everything that changes a request's answer: the provider, the URL
/// (the base URL, and the model where the provider puts it there) and the request
/// body as sent (model, messages, mode, schema, sampling options). The same request
/// gives the same key in any process.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct CacheKey([u8; 32]);

impl CacheKey {
    /// The key of a request of `provider` to `url` with `body`.
    pub(crate) fn of(provider: &str, url: &str, body: &[u8]) -> Self {
        let mut hash = Sha256::new();
        // Lengths first, so no two triples run together into the same bytes.
        for part in [provider.as_bytes(), url.as_bytes(), body] {
            hash.update((part.len() as u64).to_le_bytes());
            hash.update(part);
        }
        CacheKey(hash.finalize().into())
    }

    /// The hash's bytes.
    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }

    /// The hash in lowercase hexadecimal.
    pub fn to_hex(&self) -> String {
        self.0.iter().map(|byte| format!("{byte:02x}")).collect()
    }
}

impl fmt::Debug for CacheKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "CacheKey({})", self.to_hex())
    }
}

impl fmt::Display for CacheKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_hex())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_part_changes_the_key() {
        let key = CacheKey::of("openai", "http://127.0.0.1/v1/chat/completions", b"{\"model\":\"a\"}");
        assert_eq!(key, CacheKey::of("openai", "http://127.0.0.1/v1/chat/completions", b"{\"model\":\"a\"}"));
        assert_ne!(key, CacheKey::of("gemini", "http://127.0.0.1/v1/chat/completions", b"{\"model\":\"a\"}"));
        assert_ne!(key, CacheKey::of("openai", "http://127.0.0.2/v1/chat/completions", b"{\"model\":\"a\"}"));
        assert_ne!(key, CacheKey::of("openai", "http://127.0.0.1/v1/chat/completions", b"{\"model\":\"b\"}"));
        // Bytes moved from one part to the next make another key.
        assert_ne!(CacheKey::of("ab", "c", b""), CacheKey::of("a", "bc", b""));
        assert_eq!(key.to_hex().len(), 64);
    }
}
