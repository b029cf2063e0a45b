//! The providers' token-counting endpoints: Anthropic's `messages/count_tokens` and
//! Gemini's `countTokens`, which count a request with the model's own tokenizer
//! without running it. OpenAI has none (its models are counted locally).

use super::Provider;
use crate::Error;
use serde::Deserialize;
use serde_json::{Map, Value};

/// Where `provider` counts a request for `model`, if it can.
pub(crate) fn url(provider: Provider, base: &str, model: &str) -> Option<String> {
    match provider {
        Provider::Anthropic => Some(format!("{base}/v1/messages/count_tokens")),
        Provider::Gemini => {
            let model = model.strip_prefix("models/").unwrap_or(model);
            Some(format!("{base}/v1beta/models/{model}:countTokens"))
        }
        _ => None,
    }
}

/// Fields of a Messages request that `count_tokens` reads; it refuses the others
/// (`max_tokens`, `temperature`, ...).
const ANTHROPIC_FIELDS: &[&str] = &["model", "messages", "system", "tools", "tool_choice", "thinking"];

/// The counting request for `body`, the request `provider` would be sent for `model`.
pub(crate) fn body(provider: Provider, body: &[u8], model: &str) -> Result<Vec<u8>, Error> {
    let request: Map<String, Value> = serde_json::from_slice(body)
        .map_err(|e| Error::Decode { message: "a request body that is no JSON object".to_owned(), source: Some(e) })?;
    let counted = match provider {
        Provider::Gemini => {
            let mut request = request;
            let model = model.strip_prefix("models/").unwrap_or(model);
            request.insert("model".to_owned(), Value::String(format!("models/{model}")));
            serde_json::json!({ "generateContentRequest": request })
        }
        _ => Value::Object(request.into_iter().filter(|(key, _)| ANTHROPIC_FIELDS.contains(&key.as_str())).collect()),
    };
    Ok(counted.to_string().into_bytes())
}

#[derive(Deserialize)]
struct Counted {
    /// Anthropic's.
    #[serde(default)]
    input_tokens: Option<u64>,
    /// Gemini's.
    #[serde(default, rename = "totalTokens")]
    total_tokens: Option<u64>,
}

/// The tokens a counting endpoint answered.
pub(crate) fn reply(bytes: &[u8]) -> Result<u64, Error> {
    let counted: Counted = serde_json::from_slice(bytes)
        .map_err(|e| Error::Decode { message: "not a token count".to_owned(), source: Some(e) })?;
    counted
        .input_tokens
        .or(counted.total_tokens)
        .ok_or_else(|| Error::Decode { message: "a token count with no count".to_owned(), source: None })
}
