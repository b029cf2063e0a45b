//! An error collector, so that one compile reports every mistake rather than the first.

use proc_macro2::TokenStream;
use quote::ToTokens;
use std::fmt::Display;

/// Collects `syn::Error`s while the input is parsed and checked.
#[derive(Default)]
pub struct Ctxt {
    errors: Vec<syn::Error>,
}

impl Ctxt {
    /// Records an error spanned on `tokens`.
    pub fn error_spanned_by<T: ToTokens, M: Display>(&mut self, tokens: T, message: M) {
        self.errors.push(syn::Error::new_spanned(tokens, message));
    }

    /// Records an error that syn produced.
    pub fn syn_error(&mut self, err: syn::Error) {
        self.errors.push(err);
    }

    /// Returns every recorded error, or `Ok` when there were none.
    pub fn check(self) -> Result<(), Vec<syn::Error>> {
        if self.errors.is_empty() {
            Ok(())
        } else {
            Err(self.errors)
        }
    }
}

/// Turns the collected errors into `compile_error!` invocations.
pub fn to_compile_errors(errors: Vec<syn::Error>) -> TokenStream {
    errors.iter().map(syn::Error::to_compile_error).collect()
}
