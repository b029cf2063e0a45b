//! The derive macro of [pluck](https://docs.rs/pluck): `#[derive(Extract)]`.
//!
//! It works like a small compiler: [`attr`] parses every `#[extract(..)]` (and the
//! serde attributes that change field names) into a typed model in [`ast`], [`check`]
//! validates the model with spans on the offending tokens, and [`expand`] emits the
//! `Extract` impl, with [`partial`] the partial form that streaming fills in. Every
//! mistake is collected in a [`ctxt::Ctxt`], so one compile shows
//! all of them.

mod ast;
mod attr;
mod case;
mod check;
mod ctxt;
mod expand;
mod partial;
mod receiver;
#[cfg(test)]
mod tests;

use proc_macro::TokenStream;
use syn::{parse_macro_input, DeriveInput};

/// Derives `pluck::Extract`. See the `pluck` crate for the attributes it reads.
#[proc_macro_derive(Extract, attributes(extract))]
pub fn derive_extract(input: TokenStream) -> TokenStream {
    let mut input = parse_macro_input!(input as DeriveInput);
    receiver::replace_self(&mut input);
    expand::derive(&input).into()
}
