//! The re-ask: what the model is told when its reply did not parse or validate.
//!
//! The message is short and exact: one line per error, each with its path, the rule's
//! complaint and the value involved. No boilerplate, no documentation links. How it
//! travels (a user turn, a tool result, ...) is up to each provider.

use crate::validate::Report;

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
