//! Emits the partial form of a type: `pluck::stream::Streamable` and, for a struct with
//! named fields, a `<Name>Partial` companion struct that fills in as JSON arrives.
//!
//! The companion's field types are `Option<<F as Streamable>::Partial>` (or
//! `Option<Whole<F>>` for `#[extract(whole)]`). Its `Clone`, `Debug` and `PartialEq`
//! hold when every field's do: the impls carry higher-ranked bounds on the field types,
//! which the compiler accepts even when they do not hold, so a field type without
//! `Clone` costs the companion its `Clone` instead of failing the derive. A field whose
//! type holds the struct itself is left out of those bounds (the impl provides it);
//! types that hold each other through several structs are not supported.
//!
//! One emitter per impl: [`whole`] for the types shown once complete, and for the
//! companion [`definition`] (the struct and its std impls), [`streamable`] and
//! [`fill`].

mod definition;
mod fill;
mod streamable;
mod whole;

use crate::ast::{Body, Container, Field};
use proc_macro2::TokenStream;
use quote::{format_ident, quote};

pub fn emit(container: &Container) -> TokenStream {
    match &container.body {
        Body::Struct(fields) if fields.iter().all(|f| f.wire_name.is_some()) && !fields.is_empty() => {
            let companion = Companion::new(container, fields);
            let mut tokens = definition::emit(&companion);
            tokens.extend(streamable::emit(&companion));
            tokens.extend(fill::emit(&companion));
            tokens
        }
        _ => whole::emit(container),
    }
}

/// What the emitters of a struct's companion share.
struct Companion<'a> {
    container: &'a Container<'a>,
    /// Every field of the struct, skipped ones too.
    all: &'a [Field<'a>],
    /// The fields on the wire (not skipped): the companion's fields.
    fields: Vec<&'a Field<'a>>,
    /// The type each of `fields` has a form of: `<F as Streamable>::Partial`, or
    /// `Whole<F>` for a whole field.
    types: Vec<TokenStream>,
    /// `<Name>Partial`.
    partial: syn::Ident,
    /// The struct's generics, each type parameter bounded by `Extract + Streamable`:
    /// those of every impl.
    generics: syn::Generics,
}

impl<'a> Companion<'a> {
    fn new(container: &'a Container<'a>, all: &'a [Field<'a>]) -> Self {
        let fields: Vec<&Field> = all.iter().filter(|f| !f.skip).collect();
        let types = fields
            .iter()
            .map(|f| {
                let ty = f.ty;
                if f.whole {
                    quote!(::pluck::stream::Whole<#ty>)
                } else {
                    quote!(<#ty as ::pluck::stream::Streamable>::Partial)
                }
            })
            .collect();
        Companion {
            container,
            all,
            fields,
            types,
            partial: format_ident!("{}Partial", container.ident),
            generics: bounded(container.generics, quote!(::pluck::Extract + ::pluck::stream::Streamable)),
        }
    }
}

/// The generics with `bound` added to every type parameter.
fn bounded(generics: &syn::Generics, bounds: TokenStream) -> syn::Generics {
    let bounds: syn::punctuated::Punctuated<syn::TypeParamBound, syn::Token![+]> = syn::parse_quote!(#bounds);
    let mut generics = generics.clone();
    for param in generics.type_params_mut() {
        param.bounds.extend(bounds.iter().cloned());
    }
    generics
}
