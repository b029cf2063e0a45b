//! [validator](https://docs.rs/validator) interop (feature `validator`): with
//! `#[extract(validator)]` on a type that also derives `validator::Validate`, its errors
//! join pluck's report, each at its path, under the validator's code as the rule.
//!
//! ```
//! use pluck::Extract;
//!
//! #[derive(Extract, validator::Validate, serde::Deserialize, schemars::JsonSchema)]
//! #[extract(validator)]
//! struct Contact {
//!     #[validate(email)]
//!     email: String,
//! }
//!
//! let report = pluck::validate(&mut Contact { email: "nope".into() }).unwrap_err();
//! assert_eq!(report.violations()[0].path.to_string(), "email");
//! assert_eq!(report.violations()[0].rule, "email");
//! ```

use super::{Path, PathSegment, Report};
use ::validator::{ValidationErrors, ValidationErrorsKind};
use std::borrow::Cow;

/// Runs validator's validation and records every error it reports.
pub fn check<T: ::validator::Validate + ?Sized>(value: &T, report: &mut Report) {
    if let Err(errors) = value.validate() {
        walk(&errors, &mut Path::root(), report);
    }
}

fn walk(errors: &ValidationErrors, path: &mut Path, report: &mut Report) {
    // HashMap order is random: sort by field so reports are stable.
    let mut fields: Vec<_> = errors.errors().iter().collect();
    fields.sort_by(|a, b| a.0.cmp(b.0));
    for (field, kind) in fields {
        path.push(PathSegment::Field(Cow::Owned(field.to_string())));
        match kind {
            ValidationErrorsKind::Field(list) => {
                for error in list {
                    let message = match &error.message {
                        Some(message) => message.to_string(),
                        None => describe(error),
                    };
                    report.add_at(path, error.code.clone(), message);
                }
            }
            ValidationErrorsKind::Struct(inner) => walk(inner, path, report),
            ValidationErrorsKind::List(items) => {
                for (index, inner) in items {
                    path.push(PathSegment::Index(*index));
                    walk(inner, path, report);
                    path.pop();
                }
            }
        }
        path.pop();
    }
}

fn describe(error: &::validator::ValidationError) -> String {
    let mut params: Vec<_> = error.params.iter().filter(|(k, _)| *k != "value").collect();
    params.sort_by(|a, b| a.0.cmp(b.0));
    let mut out = format!("fails `{}`", error.code);
    for (i, (key, value)) in params.iter().enumerate() {
        out.push_str(if i == 0 { " (" } else { ", " });
        out.push_str(&format!("{key} {value}"));
    }
    if !params.is_empty() {
        out.push(')');
    }
    if let Some(value) = error.params.get("value") {
        out.push_str(&format!(", got {value}"));
    }
    out
}
