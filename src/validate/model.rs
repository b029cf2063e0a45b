//! `#[extract(validate = path::to::fn)]`: rules over the whole value.
//!
//! The function takes `&Self` and returns `Result<(), E>` for any `E: Display`; its
//! error message is recorded at the value's path, under the function's name as the
//! rule. A type may name several.
//!
//! A rule runs on every reply (and, while streaming, on each value as it closes), so it
//! should report with `Err` rather than panic: a panic in a rule is not caught, and
//! unwinds through [`validate`](crate::validate()) and the request that ran it like any
//! other panic.
//!
//! ```
//! use pluck::Extract;
//!
//! #[derive(Extract, serde::Deserialize, schemars::JsonSchema)]
//! #[extract(validate = Self::min_not_above_max)]
//! struct SalaryRange {
//!     min_amount: Option<f64>,
//!     max_amount: Option<f64>,
//! }
//!
//! impl SalaryRange {
//!     fn min_not_above_max(&self) -> Result<(), String> {
//!         match (self.min_amount, self.max_amount) {
//!             (Some(min), Some(max)) if min > max => {
//!                 Err(format!("min_amount ({min}) cannot exceed max_amount ({max})"))
//!             }
//!             _ => Ok(()),
//!         }
//!     }
//! }
//!
//! let mut salary = SalaryRange { min_amount: Some(200000.0), max_amount: Some(100000.0) };
//! let report = pluck::validate(&mut salary).unwrap_err();
//! assert_eq!(report.violations()[0].rule, "min_not_above_max");
//! assert!(report.to_string().contains("cannot exceed"));
//! ```

use super::Report;
use std::fmt::Display;

/// Records the error of a model rule, if it returned one.
pub fn check<E: Display>(report: &mut Report, rule: &'static str, result: Result<(), E>) {
    if let Err(err) = result {
        report.add(rule, err.to_string());
    }
}
