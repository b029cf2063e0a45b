//! The partial form of enums, tuple and unit structs: the type itself, shown once
//! complete.

use super::bounded;
use crate::ast::Container;
use proc_macro2::TokenStream;
use quote::quote;

pub(super) fn emit(container: &Container) -> TokenStream {
    let generics = bounded(container.generics, quote!(::pluck::Extract));
    let mut tokens = streamable(container, &generics);
    tokens.extend(fill(container, &generics));
    tokens
}

/// `Streamable`, with the type as its own partial form.
fn streamable(container: &Container, generics: &syn::Generics) -> TokenStream {
    let ident = container.ident;
    let (impl_generics, ty_generics, where_clause) = generics.split_for_impl();
    quote! {
        #[automatically_derived]
        impl #impl_generics ::pluck::stream::Streamable for #ident #ty_generics #where_clause {
            type Partial = Self;

            fn from_partial(partial: &Self) -> ::core::option::Option<Self> {
                #[allow(unused_imports)]
                use ::pluck::__private::{CloneIt as _, CloneNot as _};
                ::pluck::__private::CloneProbe(partial).__pluck_clone()
            }

            fn from_finished(partial: Self) -> ::core::option::Option<Self> {
                ::core::option::Option::Some(partial)
            }
        }
    }
}

/// `Fill`: the value starts once an event completes it (read by serde); nothing updates it.
fn fill(container: &Container, generics: &syn::Generics) -> TokenStream {
    let ident = container.ident;
    let (impl_generics, ty_generics, where_clause) = generics.split_for_impl();
    quote! {
        #[automatically_derived]
        impl #impl_generics ::pluck::stream::Fill for #ident #ty_generics #where_clause {
            fn start(
                path: &[::pluck::stream::json::Seg],
                event: ::pluck::stream::json::Event<'_>,
                cx: &mut ::pluck::stream::Cx<'_>,
            ) -> ::core::option::Option<Self> {
                ::pluck::stream::whole(path, event, cx)
            }

            fn update(
                &mut self,
                _: &[::pluck::stream::json::Seg],
                _: ::pluck::stream::json::Event<'_>,
                _: &mut ::pluck::stream::Cx<'_>,
            ) {
            }
        }
    }
}
