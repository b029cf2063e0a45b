//! [garde](https://docs.rs/garde) interop (feature `garde`): with `#[extract(garde)]` on
//! a type that also derives `garde::Validate`, garde's report joins pluck's, each error
//! at its path, under the rule name `garde`.
//!
//! ```
//! use pluck::Extract;
//!
//! #[derive(Extract, garde::Validate, serde::Deserialize, schemars::JsonSchema)]
//! #[extract(garde)]
//! struct Contact {
//!     #[garde(length(min = 2))]
//!     name: String,
//! }
//!
//! let report = pluck::validate(&mut Contact { name: "a".into() }).unwrap_err();
//! assert_eq!(report.violations()[0].path.to_string(), "name");
//! assert_eq!(report.violations()[0].rule, "garde");
//! ```

use super::{Path, Report};

/// Runs garde's validation and records every error it reports.
pub fn check<T: ::garde::Validate<Context = ()> + ?Sized>(value: &T, report: &mut Report) {
    if let Err(errors) = value.validate() {
        for (path, error) in errors.iter() {
            let path: Path = path.to_string().parse().unwrap_or_default();
            report.add_at(&path, "garde", error.message().to_owned());
        }
    }
}
