use super::*;
use std::collections::HashMap;

fn picked(vars: &[(&str, &str)]) -> Result<ClientBuilder, ConfigError> {
    let vars: HashMap<String, String> = vars.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
    builder_from(|name| vars.get(name).cloned())
}

#[test]
fn the_provider_follows_the_keys_set() {
    let only_anthropic = picked(&[("ANTHROPIC_API_KEY", "a"), ("GEMINI_API_KEY", "g")]).unwrap();
    assert_eq!(only_anthropic.provider, Provider::Anthropic);
    let only_gemini = picked(&[("GEMINI_API_KEY", "g"), ("GEMINI_BASE_URL", "http://127.0.0.1:9")]).unwrap();
    assert_eq!(only_gemini.provider, Provider::Gemini);
    assert_eq!(only_gemini.base_url.as_deref(), Some("http://127.0.0.1:9"));
    let openai_wins = picked(&[("OPENAI_API_KEY", "o"), ("ANTHROPIC_API_KEY", "a")]).unwrap();
    assert_eq!(openai_wins.provider, Provider::OpenAi);
    let chosen = picked(&[("OPENAI_API_KEY", "o"), ("PLUCK_PROVIDER", "Gemini"), ("GEMINI_API_KEY", "g")]).unwrap();
    assert_eq!(chosen.provider, Provider::Gemini);
    let built = picked(&[("ANTHROPIC_API_KEY", "a"), ("PLUCK_MODEL", "claude-sonnet-4-5")]).unwrap().build().unwrap();
    assert_eq!(
        (built.provider(), built.model(), built.mode()),
        (Provider::Anthropic, "claude-sonnet-4-5", Mode::JsonSchema)
    );
    assert!(matches!(picked(&[("PLUCK_PROVIDER", "bard")]), Err(ConfigError::InvalidVariable { .. })));
    // A local OpenAI-compatible server named by its URL wins over other keys.
    let local = picked(&[("OPENAI_BASE_URL", "http://127.0.0.1:8088/v1"), ("ANTHROPIC_API_KEY", "a")]).unwrap();
    assert_eq!(local.provider, Provider::OpenAi);
    let llama = picked(&[("PLUCK_PROVIDER", "llamacpp"), ("OPENAI_BASE_URL", "http://127.0.0.1:8088/v1")]).unwrap();
    let llama = llama.build().unwrap();
    assert_eq!((llama.provider(), llama.mode()), (Provider::OpenAi, Mode::JsonObjectSchema));
}

#[test]
fn the_token_limit_is_named_as_the_server_reads_it() {
    let name = |builder: ClientBuilder| builder.api_key("k").build().unwrap().inner.limit_name;
    assert_eq!(name(Client::builder()), LimitName::MaxCompletionTokens);
    assert_eq!(name(Client::builder().base_url("https://api.openai.com/v1/")), LimitName::MaxCompletionTokens);
    assert_eq!(name(Client::builder().base_url("http://127.0.0.1:8080/v1")), LimitName::MaxTokens);
    assert_eq!(name(Client::builder().llama_cpp()), LimitName::MaxTokens);
    assert_eq!(name(Client::builder().ollama()), LimitName::MaxTokens);
    let azure = Client::builder().base_url("https://r.openai.azure.com/openai/v1").max_completion_tokens(true);
    assert_eq!(name(azure), LimitName::MaxCompletionTokens);
    assert_eq!(name(Client::builder().max_completion_tokens(false)), LimitName::MaxTokens);
}

#[test]
fn a_base_url_must_be_http_or_https() {
    for base in ["localhost:18777/v1", "127.0.0.1:18777/v1", "ftp://example.com/v1", "file:///tmp/v1", "not a url"] {
        let err = Client::builder().base_url(base).build().unwrap_err();
        assert!(matches!(err, Error::Config(ConfigError::InvalidBaseUrl { .. })), "{base}: {err:?}");
    }
    let err = picked(&[("OPENAI_BASE_URL", "localhost:18777/v1")]).unwrap().build().unwrap_err();
    assert!(matches!(err, Error::Config(ConfigError::InvalidBaseUrl { .. })), "{err:?}");
    Client::builder().base_url("HTTP://127.0.0.1:8080/v1").build().unwrap();
}

#[test]
fn variables_are_trimmed_and_read_in_any_spelling() {
    let mode = |value: &str| picked(&[("OPENAI_API_KEY", "k"), ("PLUCK_MODE", value)]).map(|b| b.mode);
    for (value, expected) in [
        (" tools", Mode::Tools),
        ("JsonSchema", Mode::JsonSchema),
        ("JSONSCHEMA", Mode::JsonSchema),
        ("json-schema\n", Mode::JsonSchema),
        ("MdJson", Mode::MdJson),
        ("md_json", Mode::MdJson),
        ("JsonObjectSchema", Mode::JsonObjectSchema),
        ("Json", Mode::Json),
    ] {
        assert_eq!(mode(value).ok(), Some(Some(expected)), "{value:?}");
    }
    assert!(matches!(mode("jsonish"), Err(ConfigError::InvalidVariable { name: "PLUCK_MODE", .. })));
    let provider = |value: &str| picked(&[("PLUCK_PROVIDER", value), ("OPENAI_BASE_URL", "http://127.0.0.1:1/v1")]);
    for (value, expected) in
        [("openai ", Provider::OpenAi), ("\tAnthropic", Provider::Anthropic), ("Gemini", Provider::Gemini)]
    {
        assert_eq!(provider(value).unwrap().provider, expected, "{value:?}");
    }
    for llama in ["LlamaCpp", " llama.cpp ", "llama-cpp"] {
        let built = provider(llama).unwrap().build().unwrap();
        assert_eq!(built.mode(), Mode::JsonObjectSchema, "{llama:?}");
    }
    let key = picked(&[("OPENAI_API_KEY", " sk-k \r\n")]).unwrap().build().unwrap();
    assert!(key.inner.headers.get("authorization").is_some_and(|v| v == "Bearer sk-k"));
}

#[test]
fn the_providers_own_host_needs_a_key_however_it_is_written() {
    for base in ["HTTPS://API.OPENAI.COM/v1", "https://api.openai.com/v1/", " https://api.openai.com/v1"] {
        let err = picked(&[("OPENAI_BASE_URL", base)]).unwrap().build().unwrap_err();
        assert!(
            matches!(err, Error::Config(ConfigError::MissingApiKey { provider: Provider::OpenAi })),
            "{base}: {err:?}"
        );
        let keyed = picked(&[("OPENAI_BASE_URL", base), ("OPENAI_API_KEY", "k")]).unwrap().build().unwrap();
        assert_eq!(keyed.inner.limit_name, LimitName::MaxCompletionTokens, "{base}");
    }
    let err = Client::builder().anthropic().base_url("https://API.anthropic.com/").build().unwrap_err();
    assert!(matches!(err, Error::Config(ConfigError::MissingApiKey { provider: Provider::Anthropic })), "{err:?}");
}

#[test]
fn keys_go_only_over_https_or_to_this_machine() {
    const REMOTE: &str = "http://10.1.2.3:8000/v1";
    const KEY: &str = "sk-test-SECRET-9f8e7d6c5b4a";
    for provider in [Provider::OpenAi, Provider::Anthropic, Provider::Gemini] {
        let err = Client::builder().provider(provider).base_url(REMOTE).api_key(KEY).build().unwrap_err();
        assert!(
            matches!(&err, Error::Config(ConfigError::InsecureBaseUrl { url }) if url == REMOTE),
            "{provider}: {err:?}"
        );
        let message = err.to_string();
        assert!(message.contains("allow_insecure_http(true)") && message.contains("PLUCK_ALLOW_INSECURE_HTTP"));
        assert!(!message.contains(KEY), "{message}");
        let allowed = Client::builder().provider(provider).base_url(REMOTE).api_key(KEY).allow_insecure_http(true);
        allowed.build().unwrap();
    }
    // No key, nothing to protect.
    Client::builder().base_url(REMOTE).build().unwrap();
    let safe = ["https://10.1.2.3/v1", "http://127.0.0.1:8080/v1", "http://127.8.9.10/v1", "http://localhost:1/v1"];
    for base in safe.into_iter().chain(["http://[::1]:8080/v1"]) {
        Client::builder().base_url(base).api_key(KEY).build().unwrap_or_else(|err| panic!("{base}: {err}"));
    }
    let from_env = |extra: &[(&str, &str)]| {
        let mut vars = vec![("OPENAI_API_KEY", KEY), ("OPENAI_BASE_URL", REMOTE)];
        vars.extend_from_slice(extra);
        picked(&vars)
    };
    let err = from_env(&[]).unwrap().build().unwrap_err();
    assert!(matches!(err, Error::Config(ConfigError::InsecureBaseUrl { .. })), "{err:?}");
    from_env(&[("PLUCK_ALLOW_INSECURE_HTTP", "1")]).unwrap().build().unwrap();
    assert!(from_env(&[("PLUCK_ALLOW_INSECURE_HTTP", "0")]).unwrap().build().is_err());
    let invalid = from_env(&[("PLUCK_ALLOW_INSECURE_HTTP", "maybe")]).unwrap_err();
    assert!(matches!(invalid, ConfigError::InvalidVariable { name: "PLUCK_ALLOW_INSECURE_HTTP", .. }));
}
