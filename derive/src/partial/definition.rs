//! The companion struct `<Name>Partial` and its `Default`, `Clone`, `Debug` and
//! `PartialEq` impls.

use super::{bounded, Companion};
use proc_macro2::TokenStream;
use quote::quote;

pub(super) fn emit(companion: &Companion) -> TokenStream {
    let mut tokens = definition(companion);
    tokens.extend(default(companion));
    tokens.extend(clone(companion));
    tokens.extend(debug(companion));
    tokens.extend(partial_eq(companion));
    tokens
}

/// The struct: each field on the wire, as an `Option` of its form.
fn definition(companion: &Companion) -> TokenStream {
    let container = companion.container;
    let ident = container.ident;
    let vis = container.vis;
    let partial = &companion.partial;
    let generics = bounded(container.generics, quote!(::pluck::stream::Streamable));
    let where_clause = &generics.where_clause;
    let defs = companion.fields.iter().zip(&companion.types).map(|(f, ty)| {
        let member = &f.member;
        let field_vis = f.vis;
        let docs = if f.docs.is_empty() {
            let text = format!(" `{}`, once it has started to arrive.", f.wire_name.as_deref().unwrap_or_default());
            quote!(#[doc = #text])
        } else {
            let docs = &f.docs;
            quote!(#(#docs)*)
        };
        quote! {
            #docs
            #field_vis #member: ::core::option::Option<#ty>
        }
    });
    let doc = format!(
        " The partial form of [`{ident}`]: its fields as far as they have arrived (see `pluck::stream::Streamable`)."
    );
    quote! {
        #[doc = #doc]
        #[allow(dead_code)]
        #vis struct #partial #generics #where_clause {
            #(#defs,)*
        }
    }
}

fn default(companion: &Companion) -> TokenStream {
    let partial = &companion.partial;
    let (impl_generics, ty_generics, where_clause) = companion.generics.split_for_impl();
    let names = companion.fields.iter().map(|f| &f.member);
    quote! {
        #[automatically_derived]
        impl #impl_generics ::core::default::Default for #partial #ty_generics #where_clause {
            fn default() -> Self {
                #partial { #(#names: ::core::option::Option::None,)* }
            }
        }
    }
}

fn clone(companion: &Companion) -> TokenStream {
    let partial = &companion.partial;
    let (impl_generics, ty_generics, _) = companion.generics.split_for_impl();
    let clone_where = where_fields(companion, quote!(::core::clone::Clone));
    let names = companion.fields.iter().map(|f| &f.member);
    quote! {
        #[automatically_derived]
        impl #impl_generics ::core::clone::Clone for #partial #ty_generics #clone_where {
            fn clone(&self) -> Self {
                #partial { #(#names: ::core::clone::Clone::clone(&self.#names),)* }
            }
        }
    }
}

fn debug(companion: &Companion) -> TokenStream {
    let partial = &companion.partial;
    let (impl_generics, ty_generics, _) = companion.generics.split_for_impl();
    let debug_where = where_fields(companion, quote!(::core::fmt::Debug));
    let names = companion.fields.iter().map(|f| &f.member);
    let name_strs = companion.fields.iter().map(|f| f.wire_name.clone().unwrap_or_default());
    quote! {
        #[automatically_derived]
        impl #impl_generics ::core::fmt::Debug for #partial #ty_generics #debug_where {
            fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                f.debug_struct(::core::stringify!(#partial))
                    #(.field(#name_strs, &self.#names))*
                    .finish()
            }
        }
    }
}

fn partial_eq(companion: &Companion) -> TokenStream {
    let partial = &companion.partial;
    let (impl_generics, ty_generics, _) = companion.generics.split_for_impl();
    let eq_where = where_fields(companion, quote!(::core::cmp::PartialEq));
    let names = companion.fields.iter().map(|f| &f.member);
    quote! {
        #[automatically_derived]
        impl #impl_generics ::core::cmp::PartialEq for #partial #ty_generics #eq_where {
            fn eq(&self, other: &Self) -> bool {
                true #(&& self.#names == other.#names)*
            }
        }
    }
}

/// The struct's where clause with `Option<form>: tr` for each field's form (higher
/// ranked, so that one that does not hold costs the impl instead of failing the
/// derive). A field whose type holds the struct itself (`children: Vec<Node>`) gets no
/// bound: the impl being written provides it, and bounding it would loop.
fn where_fields(companion: &Companion, tr: TokenStream) -> TokenStream {
    let ident = companion.container.ident;
    let (_, _, where_clause) = companion.generics.split_for_impl();
    let existing = where_clause.map(|w| w.predicates.iter().collect::<Vec<_>>()).unwrap_or_default();
    let preds = companion
        .fields
        .iter()
        .zip(&companion.types)
        .filter(|(f, _)| !mentions(f.ty, ident))
        .map(|(_, ty)| quote!(for<'__pluck> ::core::option::Option<#ty>: #tr));
    quote!(where #(#existing,)* #(#preds,)*)
}

/// Whether `ident` appears anywhere in `ty`.
fn mentions(ty: &syn::Type, ident: &syn::Ident) -> bool {
    fn walk(tokens: TokenStream, ident: &syn::Ident) -> bool {
        tokens.into_iter().any(|tree| match tree {
            proc_macro2::TokenTree::Ident(found) => found == *ident,
            proc_macro2::TokenTree::Group(group) => walk(group.stream(), ident),
            _ => false,
        })
    }
    walk(quote!(#ty), ident)
}
