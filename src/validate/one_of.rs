//! `#[extract(one_of("USD", "EUR"))]`: a string that is one of the listed values.
//!
//! `Option`s pass when `None`. In the schema the rule shows as `enum`. For a closed set
//! that the program matches on, prefer a Rust `enum`; `one_of` suits open types such as
//! `String` kept for storage.

use super::Report;

/// A value that `one_of` can check.
#[diagnostic::on_unimplemented(
    message = "`one_of` applies to strings, and `{Self}` is not one",
    label = "`one_of` on a field of type `{Self}`"
)]
pub trait Choice {
    /// The value as a string, or `None` when there is nothing to check.
    fn as_choice(&self) -> Option<&str>;
}

impl Choice for String {
    fn as_choice(&self) -> Option<&str> {
        Some(self)
    }
}

impl Choice for str {
    fn as_choice(&self) -> Option<&str> {
        Some(self)
    }
}

impl<T: Choice> Choice for Option<T> {
    fn as_choice(&self) -> Option<&str> {
        self.as_ref().and_then(Choice::as_choice)
    }
}

/// Checks that `value` is one of `allowed`.
///
/// ```
/// use pluck::validate::{one_of, Report};
///
/// let mut report = Report::new();
/// one_of::check(&"GBP".to_string(), &["USD", "EUR"], &mut report);
/// assert_eq!(report.to_string(), r#"must be one of "USD", "EUR", got "GBP""#);
/// ```
pub fn check<T: Choice + ?Sized>(value: &T, allowed: &[&str], report: &mut Report) {
    let Some(v) = value.as_choice() else { return };
    if !allowed.contains(&v) {
        let list = allowed.iter().map(|a| format!("{a:?}")).collect::<Vec<_>>().join(", ");
        report.add("one_of", format!("must be one of {list}, got {v:?}"));
    }
}
