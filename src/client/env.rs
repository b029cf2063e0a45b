//! [`Client::from_env`]'s reading of the environment: which provider, key, base URL,
//! model and mode the variables name.

use super::{Client, ClientBuilder};
use crate::error::ConfigError;
use crate::provider::Provider;
use crate::Mode;

/// The builder [`Client::from_env`] configures, reading variables through `var`.
///
/// Values are trimmed (a `.env` line or a shell quote easily adds a space or a `\r`),
/// and names (`PLUCK_PROVIDER`, `PLUCK_MODE`) are read in any case, with or without
/// `_`, `-` or `.` between words.
pub(super) fn builder_from(var: impl Fn(&str) -> Option<String>) -> Result<ClientBuilder, ConfigError> {
    let var = |name: &str| var(name).map(|value| value.trim().to_owned()).filter(|value| !value.is_empty());
    let mut builder = Client::builder();
    let chosen = var("PLUCK_PROVIDER");
    let provider = match chosen.as_deref().map(spelling).as_deref() {
        Some("openai") => Provider::OpenAi,
        Some("llamacpp") => {
            builder = builder.llama_cpp();
            Provider::OpenAi
        }
        Some("ollama") => {
            builder = builder.ollama();
            Provider::OpenAi
        }
        Some("anthropic" | "claude") => Provider::Anthropic,
        Some("gemini" | "google") => Provider::Gemini,
        Some(_) => {
            return Err(ConfigError::InvalidVariable {
                name: "PLUCK_PROVIDER",
                value: chosen.unwrap_or_default(),
                expected: "openai, anthropic, gemini, llamacpp, ollama",
            })
        }
        None if var("OPENAI_API_KEY").is_some() || var("OPENAI_BASE_URL").is_some() => Provider::OpenAi,
        None if var("ANTHROPIC_API_KEY").is_some() => Provider::Anthropic,
        None if var("GEMINI_API_KEY").is_some() => Provider::Gemini,
        None => Provider::OpenAi,
    };
    let (key, base) = match provider {
        Provider::Anthropic => ("ANTHROPIC_API_KEY", "ANTHROPIC_BASE_URL"),
        Provider::Gemini => ("GEMINI_API_KEY", "GEMINI_BASE_URL"),
        Provider::OpenAi => ("OPENAI_API_KEY", "OPENAI_BASE_URL"),
    };
    builder = builder.provider(provider);
    if let Some(url) = var(base) {
        builder = builder.base_url(url);
    }
    if let Some(key) = var(key) {
        builder = builder.api_key(key);
    }
    if let Some(model) = var("PLUCK_MODEL") {
        builder = builder.model(model);
    }
    if let Some(mode) = var("PLUCK_MODE") {
        builder = builder.mode(parse_mode(&mode)?);
    }
    if let Some(allow) = var("PLUCK_ALLOW_INSECURE_HTTP") {
        builder = builder.allow_insecure_http(parse_bool("PLUCK_ALLOW_INSECURE_HTTP", &allow)?);
    }
    Ok(builder)
}

/// A name as a variable may spell it, in its one form: lower case, without the `_`,
/// `-`, `.` or spaces between its words.
pub(crate) fn spelling(value: &str) -> String {
    value.chars().filter(|c| !matches!(c, '_' | '-' | '.' | ' ')).map(|c| c.to_ascii_lowercase()).collect()
}

pub(super) fn parse_bool(name: &'static str, value: &str) -> Result<bool, ConfigError> {
    match value.trim().to_ascii_lowercase().as_str() {
        "1" | "true" | "yes" | "on" => Ok(true),
        "0" | "false" | "no" | "off" => Ok(false),
        _ => Err(ConfigError::InvalidVariable {
            name,
            value: value.to_owned(),
            expected: "1, true, yes, on, 0, false, no, off",
        }),
    }
}

pub(crate) fn parse_mode(value: &str) -> Result<Mode, ConfigError> {
    Ok(match spelling(value).as_str() {
        "jsonschema" => Mode::JsonSchema,
        "tools" => Mode::Tools,
        "json" => Mode::Json,
        "mdjson" => Mode::MdJson,
        "jsonobjectschema" => Mode::JsonObjectSchema,
        "responses" => Mode::Responses,
        _ => {
            return Err(ConfigError::InvalidVariable {
                name: "PLUCK_MODE",
                value: value.to_owned(),
                expected: "json_schema, tools, json, md_json, json_object_schema, responses",
            })
        }
    })
}
