//! From an HTTP failure to a [`Failure`]: what went wrong and whether to retry.

use crate::error::ConfigError;
use crate::{Error, Usage};
use serde_json::Value;
use std::time::Duration;

/// What one failed request says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Failure {
    Authentication {
        status: u16,
        message: String,
    },
    /// `wait` is a delay the body asked for, when the provider puts it there instead of
    /// in a header.
    RateLimited {
        message: String,
        wait: Option<Duration>,
    },
    QuotaExhausted {
        message: String,
    },
    InvalidRequest {
        status: u16,
        message: String,
        retryable: bool,
    },
    ContextLength {
        message: String,
    },
    Server {
        status: u16,
        message: String,
    },
    Timeout,
    Connection {
        message: String,
    },
    /// A redirect not followed; `host` is where it pointed.
    Redirect {
        status: u16,
        host: Option<String>,
    },
    ReplyTooLarge {
        limit: usize,
    },
    /// The request could not be built (a URL or a header the HTTP client refuses):
    /// sending it again builds it the same way.
    Unbuildable {
        message: String,
    },
}

impl Failure {
    /// Whether the same request may succeed later.
    pub(crate) fn retryable(&self) -> bool {
        match self {
            Failure::RateLimited { .. } | Failure::Server { .. } | Failure::Timeout | Failure::Connection { .. } => {
                true
            }
            Failure::InvalidRequest { retryable, .. } => *retryable,
            Failure::Authentication { .. }
            | Failure::QuotaExhausted { .. }
            | Failure::ContextLength { .. }
            | Failure::Redirect { .. }
            | Failure::ReplyTooLarge { .. }
            | Failure::Unbuildable { .. } => false,
        }
    }

    /// The public error, after `attempts` requests.
    pub(crate) fn into_error(self, attempts: u32, retry_after: Option<Duration>) -> Error {
        match self {
            Failure::Authentication { status, message } => Error::Authentication { status, message },
            Failure::RateLimited { message, .. } => Error::RateLimited { message, retry_after, attempts },
            Failure::QuotaExhausted { message } => Error::QuotaExhausted { message },
            Failure::InvalidRequest { status, message, .. } => Error::InvalidRequest { status, message },
            Failure::ContextLength { message } => Error::ContextLengthExceeded {
                message,
                input_tokens: None,
                max_output_tokens: None,
                context_window: None,
                model: None,
            },
            Failure::Server { status, message } => Error::Server { status, message, retry_after, attempts },
            Failure::Timeout => Error::Timeout { attempts },
            Failure::Connection { message } => Error::Connection { message, attempts, usage: Usage::default() },
            Failure::Redirect { status, host } => Error::Redirect { status, host },
            Failure::ReplyTooLarge { limit } => Error::ReplyTooLarge { limit },
            Failure::Unbuildable { message } => Error::Config(ConfigError::Http {
                message: format!("a request could not be built: {message}"),
                source: None,
            }),
        }
    }
}

/// Classifies a non-2xx reply by its status and body. `secret` is scrubbed from the
/// message.
///
/// This reading fits every provider whose error body is `{"error": {"message", "type",
/// "code"}}` or close to it (OpenAI and compatible servers, Anthropic, Gemini); a
/// provider with more to say wraps it (see `provider::Wire::classify`).
pub(crate) fn classify(status: u16, body: &[u8], secret: Option<&str>) -> Failure {
    // Some gateways wrap the error object in a one-element array.
    let parsed = serde_json::from_slice(body).ok().map(|value| match value {
        Value::Array(mut items) if !items.is_empty() => items.swap_remove(0),
        value => value,
    });
    let error = parsed.as_ref().map(|v| v.get("error").unwrap_or(v));
    let field = |name: &str| error.and_then(|e| e.get(name)).and_then(Value::as_str).unwrap_or("");
    let (kind, code) = (field("type"), field("code"));
    let message = redact(&message_of(parsed.as_ref(), body), secret);
    match status {
        401 | 403 => Failure::Authentication { status, message },
        429 if kind == "insufficient_quota" || code == "insufficient_quota" => Failure::QuotaExhausted { message },
        429 => Failure::RateLimited { message, wait: None },
        408 => Failure::Timeout,
        _ if code == "context_length_exceeded" || mentions_context_length(&message) => {
            Failure::ContextLength { message }
        }
        409 => Failure::InvalidRequest { status, message, retryable: true },
        500..=599 => Failure::Server { status, message },
        _ => Failure::InvalidRequest { status, message, retryable: false },
    }
}

fn mentions_context_length(message: &str) -> bool {
    let lower = message.to_lowercase();
    [
        "maximum context length",
        "context length exceeded",
        "context_length_exceeded",
        "exceeds the context window",
        "prompt is too long",
        "exceeds the maximum number of tokens",
    ]
    .iter()
    .any(|needle| lower.contains(needle))
}

pub(crate) fn message_of(parsed: Option<&Value>, body: &[u8]) -> String {
    if let Some(value) = parsed {
        let error = value.get("error").unwrap_or(value);
        for candidate in [error.get("message"), Some(error), value.get("message"), value.get("detail")] {
            if let Some(Value::String(text)) = candidate {
                return text.clone();
            }
        }
    }
    let text = String::from_utf8_lossy(body);
    let text = text.trim();
    if text.is_empty() {
        return "(empty body)".to_owned();
    }
    let mut end = text.len().min(500);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    text[..end].to_owned()
}

/// Removes the key, and anything shaped like a provider key, from a message.
pub(crate) fn redact(message: &str, secret: Option<&str>) -> String {
    let mut out = match secret {
        Some(secret) if secret.len() >= 4 => message.replace(secret, "[REDACTED]"),
        _ => message.to_owned(),
    };
    // Providers echo keys partly masked ("sk-proj-abc***xyz"): drop every such token.
    for prefix in ["sk-", "sk_", "key-"] {
        let mut searched = 0;
        while let Some(found) = out[searched..].find(prefix) {
            let start = searched + found;
            let boundary = start == 0 || !out[..start].ends_with(|c: char| c.is_ascii_alphanumeric());
            let end = out[start..]
                .find(|c: char| c.is_whitespace() || matches!(c, '"' | '\'' | ',' | '.' | ')'))
                .map_or(out.len(), |i| start + i);
            if boundary && end - start > prefix.len() + 3 {
                out.replace_range(start..end, "[REDACTED]");
                searched = start + "[REDACTED]".len();
            } else {
                searched = start + prefix.len();
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_map_to_failures() {
        let quota = br#"{"error":{"message":"You exceeded your current quota","type":"insufficient_quota","code":"insufficient_quota"}}"#;
        assert!(matches!(classify(429, quota, None), Failure::QuotaExhausted { .. }));
        assert!(matches!(classify(429, b"{}", None), Failure::RateLimited { .. }));
        assert!(matches!(classify(401, b"", None), Failure::Authentication { status: 401, .. }));
        assert!(matches!(classify(503, b"", None), Failure::Server { status: 503, .. }));
        assert!(matches!(classify(529, b"", None), Failure::Server { status: 529, .. }));
        let context = br#"{"error":{"message":"This model's maximum context length is 128000 tokens.","code":"context_length_exceeded"}}"#;
        assert!(matches!(classify(400, context, None), Failure::ContextLength { .. }));
        let invalid = classify(422, br#"{"detail":"bad field"}"#, None);
        assert_eq!(invalid, Failure::InvalidRequest { status: 422, message: "bad field".into(), retryable: false });
        assert!(classify(409, b"", None).retryable());
        assert!(!classify(404, b"", None).retryable());
    }

    #[test]
    fn keys_are_scrubbed() {
        let secret = "sk-test-0123456789abcdef";
        let body =
            format!(r#"{{"error":{{"message":"Incorrect API key provided: {secret}. Also sk-proj-ab***cdef."}}}}"#);
        let Failure::Authentication { message, .. } = classify(401, body.as_bytes(), Some(secret)) else { panic!() };
        assert!(!message.contains("0123456789"), "{message}");
        assert!(!message.contains("sk-proj-ab"), "{message}");
        assert!(message.starts_with("Incorrect API key provided: [REDACTED]"), "{message}");
        assert_eq!(redact("ask-me", None), "ask-me");
    }
}
