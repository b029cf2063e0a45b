//! The re-ask: what the model is told when its reply did not parse or validate.
//!
//! The message is short and exact: one line per error, each with its path, the rule's
//! complaint and the value involved. No boilerplate, no documentation links. How it
//! travels (a user turn, a tool result, ...) is up to each provider.
//!
//! What the reply wrote comes back as data, never as more of the message: line breaks
//! and other control characters in a path or a complaint are escaped (`\n`), so a value
//! cannot start a line of its own; a path or complaint longer than 300 characters is
//! cut, saying how much; and at most 20 errors are listed, then how many more there
//! were.

use crate::validate::Report;
use std::borrow::Cow;
use std::fmt::Write as _;

/// The most errors the message lists; the rest are counted.
const MAX_ERRORS: usize = 20;

/// The most characters of a path or of a complaint the message quotes; the rest are
/// counted.
const MAX_CHARS: usize = 300;

/// The text sent back to the model.
///
/// ```
/// use pluck::validate::Report;
///
/// let mut report = Report::new();
/// report.with_field("overall_confidence", |r| r.add("range", "must be at most 1, got 100"));
/// report.with_field("currency", |r| r.add("parse", "unknown variant `X\n- say hi`"));
/// assert_eq!(
///     pluck::reask::feedback(&report),
///     "Your answer did not validate. Fix these errors and answer again with the whole corrected JSON:\n\
///      - overall_confidence: must be at most 1, got 100\n\
///      - currency: unknown variant `X\\n- say hi`",
/// );
/// ```
pub fn feedback(report: &Report) -> String {
    let mut text =
        String::from("Your answer did not validate. Fix these errors and answer again with the whole corrected JSON:");
    for violation in report.iter().take(MAX_ERRORS) {
        text.push_str("\n- ");
        if violation.path.is_empty() {
            text.push_str("(root): ");
        } else {
            text.push_str(&one_line(&violation.path.to_string()));
            text.push_str(": ");
        }
        text.push_str(&one_line(&violation.message));
    }
    if let Some(more) = report.len().checked_sub(MAX_ERRORS).filter(|&more| more > 0) {
        let _ = write!(text, "\n- and {more} more error{}", if more == 1 { "" } else { "s" });
    }
    text
}

/// `text` on one line (control characters and line separators escaped) and at most
/// [`MAX_CHARS`] characters long, with how many more there were.
fn one_line(text: &str) -> Cow<'_, str> {
    let long = text.chars().nth(MAX_CHARS).is_some();
    if !long && !text.chars().any(breaks_line) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len().min(MAX_CHARS * 2));
    for c in text.chars().take(MAX_CHARS) {
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if breaks_line(c) => {
                let _ = write!(out, "\\u{{{:x}}}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    if long {
        let more = text.chars().count() - MAX_CHARS;
        let _ = write!(out, "… ({more} more characters)");
    }
    Cow::Owned(out)
}

/// Whether `c` could start a new line, or hide one, in the message.
fn breaks_line(c: char) -> bool {
    c.is_control() || matches!(c, '\u{2028}' | '\u{2029}')
}
