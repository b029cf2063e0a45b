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

use crate::ast::{Body, Container, Field};
use crate::attr::Rule;
use proc_macro2::{Literal, TokenStream};
use quote::{format_ident, quote};
use syn::spanned::Spanned;

pub fn emit(container: &Container) -> TokenStream {
    match &container.body {
        Body::Struct(fields) if fields.iter().all(|f| f.wire_name.is_some()) && !fields.is_empty() => {
            companion(container, fields)
        }
        _ => whole(container),
    }
}

/// Enums, tuple and unit structs: their own partial form, shown once complete.
fn whole(container: &Container) -> TokenStream {
    let ident = container.ident;
    let generics = bounded(container.generics, quote!(::pluck::Extract));
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

fn companion(container: &Container, all: &[Field]) -> TokenStream {
    let ident = container.ident;
    let vis = container.vis;
    let partial = format_ident!("{}Partial", ident);
    let fields: Vec<&Field> = all.iter().filter(|f| !f.skip).collect();

    let def_generics = bounded(container.generics, quote!(::pluck::stream::Streamable));
    let def_where = &def_generics.where_clause;
    let impl_generics_owned = bounded(container.generics, quote!(::pluck::Extract + ::pluck::stream::Streamable));
    let (impl_generics, ty_generics, where_clause) = impl_generics_owned.split_for_impl();

    let names: Vec<_> = fields.iter().map(|f| &f.member).collect();
    let types: Vec<TokenStream> = fields
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
    let defs = fields.iter().zip(&types).map(|(f, ty)| {
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

    // A field whose type holds the struct itself (`children: Vec<Node>`) gets no
    // bound: the impl being written provides it, and bounding it would loop.
    let bounded_types: Vec<&TokenStream> =
        fields.iter().zip(&types).filter(|(f, _)| !mentions(f.ty, ident)).map(|(_, ty)| ty).collect();
    let bound = |tr: TokenStream| {
        let preds = bounded_types.iter().map(move |ty| {
            let tr = tr.clone();
            quote!(for<'__pluck> ::core::option::Option<#ty>: #tr)
        });
        let existing = where_clause.map(|w| w.predicates.iter().collect::<Vec<_>>()).unwrap_or_default();
        quote!(where #(#existing,)* #(#preds,)*)
    };
    let clone_where = bound(quote!(::core::clone::Clone));
    let debug_where = bound(quote!(::core::fmt::Debug));
    let eq_where = bound(quote!(::core::cmp::PartialEq));
    let name_strs: Vec<String> = fields.iter().map(|f| f.wire_name.clone().unwrap_or_default()).collect();

    let (wired, flattened): (Vec<&&Field>, Vec<&&Field>) = fields.iter().partition(|f| !f.flatten);
    let wired_names: Vec<_> = wired.iter().map(|f| &f.member).collect();
    let wire: Vec<syn::LitByteStr> = wired
        .iter()
        .map(|f| syn::LitByteStr::new(f.wire_name.as_deref().unwrap_or_default().as_bytes(), f.ty.span()))
        .collect();
    let numbers: Vec<Literal> = (0..wired.len() as u32).map(Literal::u32_suffixed).collect();
    let flat_names: Vec<_> = flattened.iter().map(|f| &f.member).collect();
    // The number of the field that `key` names (matched once per key, then remembered).
    let field = quote! {
        key.field(|name| match name {
            #(#wire => ::core::option::Option::Some(#numbers),)*
            _ => ::core::option::Option::None,
        })
    };

    // A key that names no field: the flattened fields' (which start with the object),
    // else nobody's. Unchanged unless a flattened field changes.
    let unknown_key = match flat_names.is_empty() {
        true => quote!(cx.unchanged();),
        false => quote! {
            cx.unchanged();
            #(::pluck::stream::fill_flattened(&mut self.#flat_names, path, event, cx);)*
        },
    };

    let checked = !container.attrs.validators.is_empty()
        || container.attrs.garde
        || container.attrs.validator
        || fields.iter().flat_map(|f| &f.rules).any(|r| !matches!(r, Rule::Dedup { .. } | Rule::DedupBy { .. }));
    let check = checked.then(|| {
        quote! {
            if let ::pluck::stream::json::Event::End { raw } = event {
                cx.check_closed::<#ident #ty_generics>(self, raw);
            }
        }
    });

    let from_partial = build(container, all, Access::Copy);
    let from_finished = build(container, all, Access::Take);
    let (lend, give_back) = lending(container, all);

    quote! {
        #[doc = #doc]
        #[allow(dead_code)]
        #vis struct #partial #def_generics #def_where {
            #(#defs,)*
        }

        #[automatically_derived]
        impl #impl_generics ::core::default::Default for #partial #ty_generics #where_clause {
            fn default() -> Self {
                #partial { #(#names: ::core::option::Option::None,)* }
            }
        }

        #[automatically_derived]
        impl #impl_generics ::core::clone::Clone for #partial #ty_generics #clone_where {
            fn clone(&self) -> Self {
                #partial { #(#names: ::core::clone::Clone::clone(&self.#names),)* }
            }
        }

        #[automatically_derived]
        impl #impl_generics ::core::fmt::Debug for #partial #ty_generics #debug_where {
            fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                f.debug_struct(::core::stringify!(#partial))
                    #(.field(#name_strs, &self.#names))*
                    .finish()
            }
        }

        #[automatically_derived]
        impl #impl_generics ::core::cmp::PartialEq for #partial #ty_generics #eq_where {
            fn eq(&self, other: &Self) -> bool {
                true #(&& self.#names == other.#names)*
            }
        }

        #[automatically_derived]
        impl #impl_generics ::pluck::stream::Streamable for #ident #ty_generics #where_clause {
            type Partial = #partial #ty_generics;

            #[allow(unused_variables)]
            fn from_partial(partial: &#partial #ty_generics) -> ::core::option::Option<Self> {
                #from_partial
            }

            #[allow(unused_variables)]
            fn from_finished(partial: #partial #ty_generics) -> ::core::option::Option<Self> {
                #from_finished
            }

            #[allow(unused_variables)]
            fn lend(partial: &mut #partial #ty_generics) -> ::core::option::Option<Self> {
                #lend
            }

            #[allow(unused_variables)]
            fn give_back(value: &mut Self, partial: &mut #partial #ty_generics) {
                #give_back
            }
        }

        #[automatically_derived]
        impl #impl_generics ::pluck::stream::Fill for #partial #ty_generics #where_clause {
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
                                ::pluck::stream::fill(&mut self.#wired_names, rest, event, cx)
                            })*
                            _ => { #unknown_key }
                        }
                    }
                    _ => cx.unchanged(),
                }
            }

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
                            ::pluck::stream::fill_text(&mut self.#wired_names, rest, text, cx)
                        })*
                        _ => {
                            let event = ::pluck::stream::json::Event::Text(text);
                            #unknown_key
                        }
                    },
                    _ => cx.unchanged(),
                }
            }
        }
    }
}

/// Whether a finished form can stand for the value: not where serde reads the struct
/// in a way of its own (a serde attribute the form does not follow, a flattened field).
fn vouches(container: &Container, all: &[Field]) -> bool {
    !container.attrs.opaque && !all.iter().any(|f| f.flatten || f.opaque)
}

/// How a field's value is got at from the form.
#[derive(Clone, Copy, PartialEq)]
enum Access {
    /// `from_partial`: the form is borrowed; its values are copied.
    Copy,
    /// `from_finished`: the form is owned; its values are moved out.
    Take,
    /// `lend`: the form is borrowed mutably; its values are moved out, to be given
    /// back, except those `lent_by_copy`.
    Lend,
}

/// Whether `lend` copies the field rather than moving it: a field with a `dedup` rule
/// (its check may drop items, which the form must keep), and a whole field.
fn lent_by_copy(f: &Field) -> bool {
    f.whole || f.rules.iter().any(|r| matches!(r, Rule::Dedup { .. } | Rule::DedupBy { .. }))
}

/// The value of field `f` (not skipped) from its form, as an `Option` of its type:
/// `None` when the form cannot vouch for it.
fn field_value(f: &Field, access: Access) -> TokenStream {
    let member = &f.member;
    let ty = f.ty;
    if f.whole {
        return match access {
            Access::Take => quote!(partial.#member.map(|whole| whole.0)),
            Access::Copy | Access::Lend => quote! {
                match &partial.#member {
                    ::core::option::Option::Some(whole) => ::pluck::__private::CloneProbe(&whole.0).__pluck_clone(),
                    ::core::option::Option::None => ::core::option::Option::None,
                }
            },
        };
    }
    let (form, from) = match access {
        Access::Take => (quote!(partial.#member), quote!(from_finished)),
        Access::Lend if !lent_by_copy(f) => (quote!(&mut partial.#member), quote!(lend)),
        Access::Copy | Access::Lend => (quote!(&partial.#member), quote!(from_partial)),
    };
    quote! {
        match #form {
            ::core::option::Option::Some(form) => <#ty as ::pluck::stream::Streamable>::#from(form),
            ::core::option::Option::None => <#ty as ::pluck::stream::Streamable>::absent(),
        }
    }
}

/// The body of `from_partial` or `from_finished`: the value built from its finished
/// partial form, or `None` where serde reads the struct in a way of its own (then the
/// JSON is read).
fn build(container: &Container, all: &[Field], access: Access) -> TokenStream {
    if !vouches(container, all) {
        return quote!(::core::option::Option::None);
    }
    let ident = container.ident;
    let values = all.iter().map(|f| {
        let member = &f.member;
        match f.skip {
            true => quote!(#member: ::core::default::Default::default()),
            false => {
                let value = field_value(f, access);
                quote!(#member: #value?)
            }
        }
    });
    quote! {
        #[allow(unused_imports)]
        use ::pluck::__private::{CloneIt as _, CloneNot as _};
        ::core::option::Option::Some(#ident { #(#values,)* })
    }
}

/// The bodies of `lend` and `give_back`: the value of a closed form with the form's
/// values moved into it for its check, and moved back after; fields `lent_by_copy` are
/// copied, and a skipped field is its default. A form that cannot vouch for its value
/// lends nothing, and gives back what its fields lent.
fn lending(container: &Container, all: &[Field]) -> (TokenStream, TokenStream) {
    if !vouches(container, all) {
        return (quote!(::core::option::Option::None), TokenStream::new());
    }
    let ident = container.ident;
    let lent: Vec<&Field> = all.iter().filter(|f| !f.skip).collect();
    let vars: Vec<syn::Ident> = (0..lent.len()).map(|i| format_ident!("__pluck_{}", i)).collect();
    let takes = lent.iter().map(|f| field_value(f, Access::Lend));
    // Gives back field `value` (an expression of type `&mut F`), when it was lent.
    let back = |f: &Field, value: TokenStream| {
        let member = &f.member;
        let ty = f.ty;
        (!lent_by_copy(f)).then(|| {
            quote! {
                if let ::core::option::Option::Some(form) = &mut partial.#member {
                    <#ty as ::pluck::stream::Streamable>::give_back(#value, form);
                }
            }
        })
    };
    let failed = lent.iter().zip(&vars).map(|(f, var)| {
        let back = back(f, quote!(#var));
        quote!(if let ::core::option::Option::Some(#var) = &mut #var { #back })
    });
    let members: Vec<_> = lent.iter().map(|f| &f.member).collect();
    let skipped = all.iter().filter(|f| f.skip).map(|f| &f.member);
    let lend = quote! {
        #[allow(unused_imports)]
        use ::pluck::__private::{CloneIt as _, CloneNot as _};
        #(let #vars = #takes;)*
        #[allow(unreachable_patterns)]
        match (#(#vars,)*) {
            (#(::core::option::Option::Some(#vars),)*) => ::core::option::Option::Some(#ident {
                #(#members: #vars,)*
                #(#skipped: ::core::default::Default::default(),)*
            }),
            (#(mut #vars,)*) => {
                #(#failed)*
                ::core::option::Option::None
            }
        }
    };
    let give_back = lent.iter().map(|f| {
        let member = &f.member;
        back(f, quote!(&mut value.#member))
    });
    (lend, quote!(#(#give_back)*))
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

/// The generics with `bound` added to every type parameter.
fn bounded(generics: &syn::Generics, bounds: TokenStream) -> syn::Generics {
    let bounds: syn::punctuated::Punctuated<syn::TypeParamBound, syn::Token![+]> = syn::parse_quote!(#bounds);
    let mut generics = generics.clone();
    for param in generics.type_params_mut() {
        param.bounds.extend(bounds.iter().cloned());
    }
    generics
}
