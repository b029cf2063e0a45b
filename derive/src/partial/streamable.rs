//! The `Streamable` impl of a struct with a companion: the value built from its form
//! (`from_partial`, `from_finished`), and lent to a check and given back (`lend`,
//! `give_back`).

use super::Companion;
use crate::ast::Field;
use crate::attr::Rule;
use proc_macro2::TokenStream;
use quote::{format_ident, quote};

pub(super) fn emit(companion: &Companion) -> TokenStream {
    let ident = companion.container.ident;
    let partial = &companion.partial;
    let (impl_generics, ty_generics, where_clause) = companion.generics.split_for_impl();
    let from_partial = build(companion, Access::Copy);
    let from_finished = build(companion, Access::Take);
    let lend = lend(companion);
    let give_back = give_back(companion);
    quote! {
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
    }
}

/// Whether a finished form can stand for the value: not where serde reads the struct
/// in a way of its own (a serde attribute the form does not follow, a flattened field).
fn vouches(companion: &Companion) -> bool {
    !companion.container.attrs.opaque && !companion.all.iter().any(|f| f.flatten || f.opaque)
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
fn build(companion: &Companion, access: Access) -> TokenStream {
    if !vouches(companion) {
        return quote!(::core::option::Option::None);
    }
    let ident = companion.container.ident;
    let values = companion.all.iter().map(|f| {
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

/// The body of `lend`: the value of a closed form with the form's values moved into
/// it for its check; fields `lent_by_copy` are copied, and a skipped field is its
/// default. A form that cannot vouch for its value lends nothing; when a field has no
/// value, the fields that lent theirs get them back.
fn lend(companion: &Companion) -> TokenStream {
    if !vouches(companion) {
        return quote!(::core::option::Option::None);
    }
    let ident = companion.container.ident;
    let lent = &companion.fields;
    let vars: Vec<syn::Ident> = (0..lent.len()).map(|i| format_ident!("__pluck_{}", i)).collect();
    let takes = lent.iter().map(|f| field_value(f, Access::Lend));
    let failed = lent.iter().zip(&vars).map(|(f, var)| {
        let back = give_back_field(f, quote!(#var));
        quote!(if let ::core::option::Option::Some(#var) = &mut #var { #back })
    });
    let members = lent.iter().map(|f| &f.member);
    let skipped = companion.all.iter().filter(|f| f.skip).map(|f| &f.member);
    quote! {
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
    }
}

/// The body of `give_back`: the values `lend` moved out, moved back into the form.
fn give_back(companion: &Companion) -> TokenStream {
    if !vouches(companion) {
        return TokenStream::new();
    }
    let give_back = companion.fields.iter().map(|f| {
        let member = &f.member;
        give_back_field(f, quote!(&mut value.#member))
    });
    quote!(#(#give_back)*)
}

/// Gives back field `f`'s `value` (an expression of type `&mut F`), when it was lent.
fn give_back_field(f: &Field, value: TokenStream) -> Option<TokenStream> {
    let member = &f.member;
    let ty = f.ty;
    (!lent_by_copy(f)).then(|| {
        quote! {
            if let ::core::option::Option::Some(form) = &mut partial.#member {
                <#ty as ::pluck::stream::Streamable>::give_back(#value, form);
            }
        }
    })
}
