//! The instructions the model starts from.

use crate::schema::Prepared;
use crate::Mode;

/// The system prompt used when the request sets none.
pub const DEFAULT_SYSTEM_PROMPT: &str =
    "Extract the requested information from the user's text. Report only what the text supports.";

/// The schema instruction for modes that carry the schema in the prompt.
pub(crate) fn schema_instruction(mode: Mode, schema: &Prepared) -> Option<String> {
    if !mode.schema_in_prompt() {
        return None;
    }
    let mut text = format!(
        "Answer with one JSON object that conforms to this JSON schema:\n{}\nWrite the data itself, not the schema.",
        schema.json().get()
    );
    if mode == Mode::MdJson {
        text.push_str(" Put the JSON inside a ```json code block.");
    }
    Some(text)
}
