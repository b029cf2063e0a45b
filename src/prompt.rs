//! The instructions the model starts from.

use crate::schema::Prepared;
use crate::Mode;

/// The system prompt used when the request sets none.
pub const DEFAULT_SYSTEM_PROMPT: &str =
    "Extract the requested information from the user's text. Report only what the text supports.";

/// The schema instruction for modes that carry the schema in the prompt.
///
/// In [`Mode::JsonObjectSchema`] the schema is written with a space after each `,` and
/// `:`. The grammar admits any spacing and the model copies the prompt's: from compact
/// JSON, which chat templates and most training text do not use, a small model writes
/// compact JSON and extracts worse (Qwen2.5-Coder 0.5B on the 42 job postings of
/// `eval/`: job title right 71% of the time against 48%, salary 43% against 31%).
pub(crate) fn schema_instruction(mode: Mode, schema: &Prepared) -> Option<String> {
    if !mode.schema_in_prompt() {
        return None;
    }
    let json = match mode {
        Mode::JsonObjectSchema => schema.spaced_json(),
        _ => schema.json().get(),
    };
    let mut text = format!(
        "Answer with one JSON object that conforms to this JSON schema:\n{json}\nWrite the data itself, not the schema."
    );
    if mode == Mode::MdJson {
        text.push_str(" Put the JSON inside a ```json code block.");
    }
    Some(text)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::{self, Target};

    #[test]
    fn json_object_schema_writes_the_schema_spaced_and_the_others_compact() {
        let prepared = schema::prepare::<Vec<Option<f64>>>(Target::Plain).unwrap();
        let spaced = schema_instruction(Mode::JsonObjectSchema, &prepared).unwrap();
        let json = spaced.lines().nth(1).unwrap();
        assert_eq!(
            json,
            r#"{"type": "object", "properties": {"items": {"type": "array", "items": {"type": ["number", "null"], "format": "double"}}}, "required": ["items"], "additionalProperties": false}"#
        );
        assert_eq!(serde_json::from_str::<serde_json::Value>(json).unwrap(), *prepared.schema());
        let compact = schema_instruction(Mode::Json, &prepared).unwrap();
        assert!(compact.contains(prepared.json().get()) && !compact.contains(r#"": "#), "{compact}");
        assert!(schema_instruction(Mode::Tools, &prepared).is_none());
    }
}
