//! The `Fill` impl of a struct's companion: an object starts it, and each event or
//! piece of text goes to the field its key names.

use super::Companion;
use crate::ast::Field;
use crate::attr::Rule;
use proc_macro2::{Literal, TokenStream};
use quote::quote;
use syn::spanned::Spanned;

pub(super) fn emit(companion: &Companion) -> TokenStream {
    let partial = &companion.partial;
    let (impl_generics, ty_generics, where_clause) = companion.generics.split_for_impl();
    let keys = Keys::new(companion);
    let start = start();
    let update = update(companion, &keys);
    let text = text(&keys);
    quote! {
        #[automatically_derived]
        impl #impl_generics ::pluck::stream::Fill for #partial #ty_generics #where_clause {
            #start

            #update

            #text
        }
    }
}

/// How `update` and `text` find the field a key names.
struct Keys<'a> {
    /// The fields a key names (not flattened), in the order of `numbers`.
    members: Vec<&'a syn::Member>,
    /// Each of `members`' number.
    numbers: Vec<Literal>,
    /// The number of the field that `key` names (matched once per key, then remembered).
    field: TokenStream,
    /// What a key that names no field does: goes to the flattened fields (which start
    /// with the object), else to nobody. Unchanged unless a flattened field changes.
    unknown: TokenStream,
}

impl<'a> Keys<'a> {
    fn new(companion: &'a Companion) -> Self {
        let (wired, flattened): (Vec<&&Field>, Vec<_>) = companion.fields.iter().partition(|f| !f.flatten);
        let wire = wired
            .iter()
            .map(|f| syn::LitByteStr::new(f.wire_name.as_deref().unwrap_or_default().as_bytes(), f.ty.span()));
        let numbers: Vec<Literal> = (0..wired.len() as u32).map(Literal::u32_suffixed).collect();
        let field = quote! {
            key.field(|name| match name {
                #(#wire => ::core::option::Option::Some(#numbers),)*
                _ => ::core::option::Option::None,
            })
        };
        let flat_names: Vec<_> = flattened.iter().map(|f| &f.member).collect();
        let unknown = match flat_names.is_empty() {
            true => quote!(cx.unchanged();),
            false => quote! {
                cx.unchanged();
                #(::pluck::stream::fill_flattened(&mut self.#flat_names, path, event, cx);)*
            },
        };
        Keys { members: wired.iter().map(|f| &f.member).collect(), numbers, field, unknown }
    }
}

/// `start`: an object starts the form, with no field yet.
fn start() -> TokenStream {
    quote! {
        fn start(
            path: &[::pluck::stream::json::Seg],
            event: ::pluck::stream::json::Event<'_>,
            _: &mut ::pluck::stream::Cx<'_>,
        ) -> ::core::option::Option<Self> {
            match (path, event) {
                ([], ::pluck::stream::json::Event::Object) => {
                    ::core::option::Option::Some(::core::default::Default::default())
                }
                _ => ::core::option::Option::None,
            }
        }
    }
}

/// `update`: an event goes to the field its key names; the object's own end is
/// checked, when the struct has checks.
fn update(companion: &Companion, keys: &Keys) -> TokenStream {
    let Keys { members, numbers, field, unknown } = keys;
    let check = closed_check(companion);
    quote! {
        #[allow(unused_variables)]
        #[inline]
        fn update(
            &mut self,
            path: &[::pluck::stream::json::Seg],
            event: ::pluck::stream::json::Event<'_>,
            cx: &mut ::pluck::stream::Cx<'_>,
        ) {
            match path {
                [] => {
                    // The object's own events show nothing; a check may record.
                    cx.unchanged();
                    #check
                }
                [::pluck::stream::json::Seg::Key(key), rest @ ..] => {
                    match #field {
                        #(::core::option::Option::Some(#numbers) => {
                            ::pluck::stream::fill(&mut self.#members, rest, event, cx)
                        })*
                        _ => { #unknown }
                    }
                }
                _ => cx.unchanged(),
            }
        }
    }
}

/// `text`: a piece of a string goes to the field its key names.
fn text(keys: &Keys) -> TokenStream {
    let Keys { members, numbers, field, unknown } = keys;
    quote! {
        #[allow(unused_variables)]
        #[inline]
        fn text(
            &mut self,
            path: &[::pluck::stream::json::Seg],
            text: ::pluck::stream::json::Text<'_>,
            cx: &mut ::pluck::stream::Cx<'_>,
        ) {
            match path {
                [::pluck::stream::json::Seg::Key(key), rest @ ..] => match #field {
                    #(::core::option::Option::Some(#numbers) => {
                        ::pluck::stream::fill_text(&mut self.#members, rest, text, cx)
                    })*
                    _ => {
                        let event = ::pluck::stream::json::Event::Text(text);
                        #unknown
                    }
                },
                _ => cx.unchanged(),
            }
        }
    }
}

/// The check of the closed object, when the struct has one: its own validators,
/// garde's or validator's, or a field rule other than `dedup` (which only drops items).
fn closed_check(companion: &Companion) -> Option<TokenStream> {
    let container = companion.container;
    let ident = container.ident;
    let (_, ty_generics, _) = companion.generics.split_for_impl();
    let checked = !container.attrs.validators.is_empty()
        || container.attrs.garde
        || container.attrs.validator
        || companion
            .fields
            .iter()
            .flat_map(|f| &f.rules)
            .any(|r| !matches!(r, Rule::Dedup { .. } | Rule::DedupBy { .. }));
    checked.then(|| {
        quote! {
            if let ::pluck::stream::json::Event::End { raw } = event {
                cx.check_closed::<#ident #ty_generics>(self, raw);
            }
        }
    })
}
