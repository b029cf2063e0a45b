//! The results file one run writes, whichever library ran it: pluck's runs and
//! `eval/instructor_eval.py` write the same format, so one scorer reads both.

use crate::data::SetName;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// One library, mode and set, item by item.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RunFile {
    /// `pluck` or `instructor`.
    pub library: String,
    /// The library's name for the mode (`json_object_schema`, `TOOLS`...).
    pub mode: String,
    /// The model the server reported, or was asked for.
    pub model: String,
    /// The set the items come from.
    pub set: SetName,
    /// One result per item, in the set's order.
    pub items: Vec<ItemResult>,
}

/// What one extraction gave.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ItemResult {
    /// The item's id in the set.
    pub id: String,
    /// Whether a value passed every rule within the attempts.
    pub valid: bool,
    /// Replies requested; null when the library could not tell (a transport error).
    pub attempts: Option<u32>,
    /// Prompt tokens over every attempt.
    pub prompt_tokens: u64,
    /// Completion tokens over every attempt.
    pub completion_tokens: u64,
    /// Wall-clock time of the whole extraction, in milliseconds.
    pub latency_ms: f64,
    /// The validated value; null when there was none.
    pub value: Option<Value>,
    /// What went wrong, when no value validated.
    #[serde(default)]
    pub error: Option<String>,
    /// Changes pluck's lenient reading made to the accepted reply (0 for a reply that
    /// parsed as written, and for libraries that do not repair).
    #[serde(default)]
    pub repairs: u32,
}

impl ItemResult {
    /// The value the tables score: the validated one, and none for a reply that did
    /// not validate, whatever it carried.
    pub fn scored_value(&self) -> Option<&Value> {
        self.value.as_ref().filter(|_| self.valid)
    }
}
