//! A router from a TOML file: deployments with their keys named by environment
//! variable, never written in the file.
//!
//! ```toml
//! strategy = "weighted_shuffle"    # or "least_busy", "lowest_latency"
//! allowed_fails = 3
//! cooldown_secs = 5
//! fallbacks = { "gpt-4o-mini" = ["claude-haiku-4.5"] }
//!
//! [[deployment]]
//! group = "gpt-4o-mini"
//! provider = "openai"              # or "anthropic", "gemini", "llamacpp"
//! base_url = "https://openrouter.ai/api/v1"
//! api_key_env = "OPENROUTER_KEY"
//! model = "openai/gpt-4o-mini"
//! rpm = 6
//! ```

use super::{Deployment, Router, RouterBuilder, RouterConfigError, Strategy};
use crate::client::env::{parse_mode, spelling};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::time::Duration;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    strategy: Option<String>,
    allowed_fails: Option<u32>,
    fail_window_secs: Option<f64>,
    cooldown_secs: Option<f64>,
    auth_cooldown_secs: Option<f64>,
    max_wait_secs: Option<f64>,
    #[serde(default)]
    fallbacks: BTreeMap<String, Vec<String>>,
    #[serde(default)]
    context_window_fallbacks: BTreeMap<String, Vec<String>>,
    #[serde(default)]
    content_policy_fallbacks: BTreeMap<String, Vec<String>>,
    #[serde(default)]
    deployment: Vec<Entry>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Entry {
    group: String,
    name: Option<String>,
    provider: Option<String>,
    model: String,
    base_url: Option<String>,
    api_key_env: Option<String>,
    /// Refused: read only to say so, never kept.
    api_key: Option<serde::de::IgnoredAny>,
    mode: Option<String>,
    rpm: Option<u32>,
    tpm: Option<u32>,
    weight: Option<u32>,
    context_window: Option<u32>,
    max_tokens: Option<u32>,
    timeout_secs: Option<f64>,
}

fn secs(value: f64, field: &str) -> Result<Duration, RouterConfigError> {
    Duration::try_from_secs_f64(value)
        .map_err(|_| RouterConfigError::Parse { message: format!("{field} = {value} is not a duration in seconds") })
}

impl Router {
    /// A router from TOML (see the format in [`RouterBuilder::toml`]), keys read from
    /// the environment.
    ///
    /// ```
    /// let router = pluck::router::Router::from_toml_str(r#"
    ///     [[deployment]]
    ///     group = "local"
    ///     provider = "llamacpp"
    ///     base_url = "http://127.0.0.1:8080/v1"
    ///     model = "qwen"
    ///     rpm = 60
    /// "#).unwrap();
    /// assert_eq!(router.deployments("local"), ["local/0"]);
    /// ```
    ///
    /// # Errors
    /// [`RouterConfigError::Parse`] for TOML that does not parse or fields the router
    /// does not know, [`RouterConfigError::KeyInFile`] for a key written in it, and
    /// those of [`RouterBuilder::build`].
    pub fn from_toml_str(text: &str) -> Result<Router, RouterConfigError> {
        RouterBuilder::default().toml(text)?.build()
    }

    /// [`from_toml_str`](Self::from_toml_str) of a file's contents.
    ///
    /// # Errors
    /// [`RouterConfigError::Read`] when the file cannot be read; otherwise as
    /// [`from_toml_str`](Self::from_toml_str).
    pub fn from_toml_file(path: impl AsRef<std::path::Path>) -> Result<Router, RouterConfigError> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path)
            .map_err(|err| RouterConfigError::Read { path: path.display().to_string(), message: err.to_string() })?;
        Router::from_toml_str(&text)
    }
}

impl RouterBuilder {
    /// Adds what a TOML configuration says to the builder:
    ///
    /// ```toml
    /// strategy = "weighted_shuffle"    # or "least_busy", "lowest_latency"
    /// allowed_fails = 3                # also fail_window_secs, cooldown_secs,
    /// cooldown_secs = 5                # auth_cooldown_secs, max_wait_secs
    /// fallbacks = { "gpt-4o-mini" = ["claude-haiku-4.5"] }
    /// # also context_window_fallbacks, content_policy_fallbacks
    ///
    /// [[deployment]]
    /// group = "gpt-4o-mini"
    /// provider = "openai"              # or "anthropic", "gemini", "llamacpp"
    /// base_url = "https://openrouter.ai/api/v1"
    /// api_key_env = "OPENROUTER_KEY"   # the variable's name; a key here is an error
    /// model = "openai/gpt-4o-mini"
    /// rpm = 6                          # also tpm, weight, context_window, mode,
    ///                                  # max_tokens, timeout_secs, name
    /// ```
    ///
    /// # Errors
    /// [`RouterConfigError::Parse`] and [`RouterConfigError::KeyInFile`].
    pub fn toml(mut self, text: &str) -> Result<Self, RouterConfigError> {
        let file: File = toml::from_str(text).map_err(|err| {
            // Not the parser's display, which quotes the line it stopped at: a key may
            // be on it.
            let line = err.span().map_or(0, |span| text[..span.start].lines().count().max(1));
            RouterConfigError::Parse {
                message: format!("line {line}: {}", crate::transport::redact(err.message(), None)),
            }
        })?;
        if let Some(strategy) = file.strategy {
            self.strategy = match spelling(&strategy).as_str() {
                "weightedshuffle" | "weighted" | "simpleshuffle" | "shuffle" => Strategy::WeightedShuffle,
                "leastbusy" => Strategy::LeastBusy,
                "lowestlatency" | "latency" | "latencybased" => Strategy::LowestLatency,
                _ => {
                    return Err(RouterConfigError::Parse {
                        message: format!(
                            "strategy = {strategy:?}: expected weighted_shuffle, least_busy or lowest_latency"
                        ),
                    })
                }
            };
        }
        if let Some(n) = file.allowed_fails {
            self.policy.allowed_fails = n;
        }
        for (value, slot, field) in [
            (file.fail_window_secs, &mut self.policy.window, "fail_window_secs"),
            (file.cooldown_secs, &mut self.policy.cooldown, "cooldown_secs"),
            (file.auth_cooldown_secs, &mut self.policy.auth_cooldown, "auth_cooldown_secs"),
        ] {
            if let Some(value) = value {
                *slot = secs(value, field)?;
            }
        }
        if let Some(value) = file.max_wait_secs {
            self.max_wait = Some(secs(value, "max_wait_secs")?);
        }
        self.fallbacks.extend(file.fallbacks);
        self.context_fallbacks.extend(file.context_window_fallbacks);
        self.content_fallbacks.extend(file.content_policy_fallbacks);
        for entry in file.deployment {
            let label = entry.name.clone().unwrap_or_else(|| format!("{} ({})", entry.group, entry.model));
            if entry.api_key.is_some() {
                return Err(RouterConfigError::KeyInFile { deployment: label });
            }
            let provider = entry.provider.as_deref().map(spelling);
            let mut deployment = match provider.as_deref() {
                None | Some("openai") => Deployment::openai(entry.model),
                Some("anthropic" | "claude") => Deployment::anthropic(entry.model),
                Some("gemini" | "google") => Deployment::gemini(entry.model),
                Some("llamacpp" | "ollama") => Deployment::llama_cpp(entry.model),
                Some(_) => {
                    return Err(RouterConfigError::Parse {
                        message: format!(
                            "deployment {label}: provider {:?} is not one of openai, anthropic, gemini, llamacpp",
                            entry.provider.unwrap_or_default()
                        ),
                    })
                }
            };
            if let Some(url) = entry.base_url {
                deployment = deployment.base_url(url);
            }
            if let Some(variable) = entry.api_key_env {
                deployment = deployment.api_key_env(variable);
            }
            if let Some(mode) = entry.mode {
                let mode = parse_mode(&mode)
                    .map_err(|err| RouterConfigError::Parse { message: format!("deployment {label}: {err}") })?;
                deployment = deployment.mode(mode);
            }
            if let Some(timeout) = entry.timeout_secs {
                deployment = deployment.timeout(secs(timeout, "timeout_secs")?);
            }
            if let Some(limit) = entry.max_tokens {
                deployment = deployment.max_tokens(limit);
            }
            deployment.name = entry.name;
            deployment.rpm = entry.rpm;
            deployment.tpm = entry.tpm;
            deployment.weight = entry.weight.unwrap_or(1);
            deployment.context_window = entry.context_window;
            self.deployments.push((entry.group, deployment));
        }
        Ok(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_in_the_file_is_refused_without_showing_it() {
        let text = r#"
            [[deployment]]
            group = "g"
            model = "m"
            api_key = "sk-live-0123456789abcdef"
        "#;
        let err = RouterBuilder::default().toml(text).unwrap_err();
        assert!(matches!(err, RouterConfigError::KeyInFile { .. }), "{err:?}");
        assert!(!format!("{err} {err:?}").contains("0123456789"));
    }

    #[test]
    fn keys_come_from_the_variable_named() {
        let text = r#"
            allowed_fails = 2
            cooldown_secs = 10
            fallbacks = { "a" = ["b"] }
            [[deployment]]
            group = "a"
            base_url = "https://example.invalid/v1"
            api_key_env = "ROUTER_TEST_KEY"
            model = "m"
            rpm = 6
            [[deployment]]
            group = "b"
            provider = "anthropic"
            api_key_env = "ROUTER_TEST_MISSING"
            model = "claude"
        "#;
        let builder = RouterBuilder::default().toml(text).unwrap();
        assert_eq!(builder.policy.allowed_fails, 2);
        assert_eq!(builder.policy.cooldown, Duration::from_secs(10));
        let var = |name: &str| (name == "ROUTER_TEST_KEY").then(|| "sk-from-env-123456".to_owned());
        let err = builder.build_with(&var).unwrap_err();
        let RouterConfigError::MissingKey { deployment, variable } = &err else { panic!("{err:?}") };
        assert_eq!((deployment.as_str(), variable.as_str()), ("b/0", "ROUTER_TEST_MISSING"));
    }
}
