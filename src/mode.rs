//! How the schema reaches the model and how its answer comes back.

use crate::schema::Target;

/// How pluck asks for structured output.
///
/// | mode | on the wire | suits |
/// | --- | --- | --- |
/// | [`JsonSchema`](Mode::JsonSchema) | `response_format: {"type": "json_schema", "json_schema": {.., "strict": true}}`; to Anthropic `output_config.format`, to Gemini `responseJsonSchema` (see [`Provider`](crate::Provider)) | OpenAI (gpt-4o and later), Azure OpenAI, Ollama, vLLM, OpenRouter; Anthropic's and Gemini's current models |
/// | [`Tools`](Mode::Tools) | one strict function tool, forced with `tool_choice` (and `parallel_tool_calls: false`, except to OpenAI's reasoning models, which reject it); to llama.cpp's servers ([`ClientBuilder::llama_cpp`](crate::ClientBuilder::llama_cpp)) its parameters are the schema [`JsonObjectSchema`](Mode::JsonObjectSchema) sends, which their grammar enforces | OpenAI-compatible servers with tool calling; models tuned for tools |
/// | [`Json`](Mode::Json) | `response_format: {"type": "json_object"}`, schema in the system prompt | servers with JSON mode but no schema support |
/// | [`MdJson`](Mode::MdJson) | schema in the prompt, JSON read out of a fenced block or prose | any chat model, even with no JSON support |
/// | [`Responses`](Mode::Responses) | `POST {base}/responses` with `text: {"format": {"type": "json_schema", .., "strict": true}}` | OpenAI's Responses API, which it puts first for its reasoning models |
/// | [`JsonObjectSchema`](Mode::JsonObjectSchema) | `response_format: {"type": "json_object", "schema": {..}}` | llama.cpp's servers (grammar-constrained decoding); refused for api.openai.com ([`ConfigError::UnsupportedMode`](crate::ConfigError::UnsupportedMode)), whose `json_object` has no schema |
///
/// Every mode validates the reply and re-asks on failure; the constrained modes only
/// make failures rarer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum Mode {
    /// OpenAI structured outputs with `strict: true`.
    #[default]
    JsonSchema,
    /// One forced function call whose arguments are the value (`strict: true`).
    Tools,
    /// JSON mode, with the schema in the system prompt.
    Json,
    /// No constraint: the schema in the prompt and the JSON read out of a Markdown
    /// code block or the surrounding prose.
    MdJson,
    /// llama.cpp's dialect: `{"type": "json_object", "schema": ..}`, which constrains
    /// decoding with a grammar made from the schema. Keywords such as `maximum` are not
    /// enforced by the grammar, so validation still matters.
    JsonObjectSchema,
    /// OpenAI's Responses API (`POST {base}/responses`) with the strict schema as
    /// `text.format`, instead of chat completions. OpenAI only: other providers refuse
    /// it ([`ConfigError::UnsupportedMode`](crate::ConfigError::UnsupportedMode)).
    ///
    /// ```
    /// let client = pluck::Client::builder().api_key("sk-...").mode(pluck::Mode::Responses).build().unwrap();
    /// assert_eq!(client.mode(), pluck::Mode::Responses);
    /// ```
    Responses,
}

impl Mode {
    /// The schema target this mode sends.
    pub(crate) fn target(self) -> Target {
        match self {
            Mode::JsonSchema | Mode::Tools | Mode::Responses => Target::Strict,
            Mode::Json | Mode::MdJson | Mode::JsonObjectSchema => Target::Plain,
        }
    }

    /// Whether the schema goes into the system prompt. In
    /// [`JsonObjectSchema`](Mode::JsonObjectSchema) it does too: the grammar forces the
    /// shape, but only the prompt shows the model descriptions and bounds such as
    /// `maximum`, which grammars do not enforce.
    pub fn schema_in_prompt(self) -> bool {
        matches!(self, Mode::Json | Mode::MdJson | Mode::JsonObjectSchema)
    }
}
