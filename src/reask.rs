//! The re-ask: what the model is told when its reply did not parse or validate.
//!
//! The message is short and exact: one line per error, each with its path, the rule's
//! complaint and the value involved. No boilerplate, no documentation links.

use crate::message::{FunctionCall, ToolCall};
use crate::provider::Reply;
use crate::validate::Report;
use crate::{Message, Mode};

/// The text sent back to the model.
///
/// ```
/// use pluck::validate::Report;
///
/// let mut report = Report::new();
/// report.with_field("overall_confidence", |r| r.add("range", "must be at most 1, got 100"));
/// assert_eq!(
///     pluck::reask::feedback(&report),
///     "Your answer did not validate. Fix these errors and answer again with the whole corrected JSON:\n\
///      - overall_confidence: must be at most 1, got 100",
/// );
/// ```
pub fn feedback(report: &Report) -> String {
    let mut text =
        String::from("Your answer did not validate. Fix these errors and answer again with the whole corrected JSON:");
    for violation in report {
        text.push_str("\n- ");
        if violation.path.is_empty() {
            text.push_str("(root): ");
        } else {
            text.push_str(&violation.path.to_string());
            text.push_str(": ");
        }
        text.push_str(&violation.message);
    }
    text
}

/// The messages that carry the model's reply and the feedback into the next request.
pub(crate) fn messages(mode: Mode, reply: &Reply, report: &Report, attempt: u32, tool_name: &str) -> [Message; 2] {
    let text = feedback(report);
    match (mode, &reply.tool_call) {
        (Mode::Tools, call) => {
            let call = match call {
                Some(call) if !call.id.is_empty() => call.clone(),
                Some(call) => ToolCall { id: format!("call_{attempt}"), ..call.clone() },
                None => ToolCall {
                    id: format!("call_{attempt}"),
                    kind: "function".to_owned(),
                    function: FunctionCall {
                        name: tool_name.to_owned(),
                        arguments: reply.content.clone().unwrap_or_default(),
                    },
                },
            };
            let id = call.id.clone();
            [Message::tool_call(call), Message::tool_result(id, text)]
        }
        _ => [Message::assistant(reply.raw()), Message::user(text)],
    }
}
