//! Emits the `Extract` impl from the checked model.

use crate::ast::{Body, Container, Field, Variant};
use crate::attr::{Number, Rule};
use crate::check;
use crate::ctxt::{to_compile_errors, Ctxt};
use proc_macro2::{Literal, TokenStream};
use quote::{quote, quote_spanned};
use syn::DeriveInput;

pub fn derive(input: &DeriveInput) -> TokenStream {
    let mut cx = Ctxt::default();
    let container = Container::from_ast(&mut cx, input);
    if let Some(container) = &container {
        check::check(&mut cx, container);
    }
    match (cx.check(), container) {
        (Ok(()), Some(container)) => {
            let mut tokens = emit(&container);
            tokens.extend(crate::partial::emit(&container));
            tokens
        }
        (Err(errors), _) => {
            let mut tokens = to_compile_errors(errors);
            tokens.extend(fallback(input));
            tokens
        }
        (Ok(()), None) => TokenStream::new(),
    }
}

/// A minimal impl emitted beside the errors, so that one mistake does not also show
/// up as "`Extract` is not implemented" wherever the type is used.
fn fallback(input: &DeriveInput) -> TokenStream {
    if matches!(input.data, syn::Data::Union(_)) {
        return TokenStream::new();
    }
    let ident = &input.ident;
    let (impl_generics, ty_generics, where_clause) = input.generics.split_for_impl();
    quote! {
        #[automatically_derived]
        impl #impl_generics ::pluck::Extract for #ident #ty_generics #where_clause {}
    }
}

fn emit(container: &Container) -> TokenStream {
    let ident = container.ident;
    let mut generics = container.generics.clone();
    for param in generics.type_params_mut() {
        param.bounds.push(syn::parse_quote!(::pluck::Extract));
    }
    let (impl_generics, ty_generics, where_clause) = generics.split_for_impl();
    let check = check_fn(container);
    let rules = rules_fn(container);
    quote! {
        #[automatically_derived]
        impl #impl_generics ::pluck::Extract for #ident #ty_generics #where_clause {
            #check

            #rules
        }
    }
}

/// `Extract::check`: each field's rules and nested checks, then the type's own
/// validators and garde's or validator's.
fn check_fn(container: &Container) -> TokenStream {
    let check_body = match &container.body {
        Body::Struct(fields) => {
            let checks = fields.iter().map(|field| {
                let member = &field.member;
                check_field(field, &quote!(self.#member))
            });
            quote!(#(#checks)*)
        }
        Body::Enum(variants) => {
            let arms = variants.iter().map(|variant| check_variant(container, variant));
            quote! {
                match self {
                    #(#arms)*
                }
            }
        }
    };
    let model_checks = container.attrs.validators.iter().map(|path| {
        let name = path.segments.last().map(|s| s.ident.to_string()).unwrap_or_default();
        quote_spanned! {path_span(path)=>
            ::pluck::validate::model::check(report, #name, #path(&*self));
        }
    });
    let garde = container.attrs.garde.then(|| quote!(::pluck::validate::garde::check(&*self, report);));
    let validator = container.attrs.validator.then(|| quote!(::pluck::validate::validator::check(&*self, report);));
    quote! {
        fn check(&mut self, report: &mut ::pluck::validate::Report) {
            #[allow(unused_imports)]
            use ::pluck::__private::{CheckNested as _, CheckOther as _};
            #check_body
            #(#model_checks)*
            #garde
            #validator
        }
    }
}

/// `Extract::__rules`: the rules the schema shows, the type's own and its fields', and
/// those of the field types.
fn rules_fn(container: &Container) -> TokenStream {
    let field_types: Vec<&syn::Type> = match &container.body {
        Body::Struct(fields) => fields.iter().map(|f| f.ty).collect(),
        Body::Enum(variants) => variants.iter().flat_map(|v| &v.fields).map(|f| f.ty).collect(),
    };
    let schema_rules = match &container.body {
        Body::Struct(fields) => fields.iter().flat_map(schema_rules).collect(),
        Body::Enum(_) => Vec::new(),
    };
    // A newtype's schema is its field's: the field's rules are the type's own.
    let own_rules = match &container.body {
        Body::Struct(fields) if fields.len() == 1 && fields[0].wire_name.is_none() && !fields[0].skip => {
            fields[0].rules.iter().filter_map(schema_rule).collect()
        }
        _ => Vec::new(),
    };
    let flattened: Vec<&syn::Type> = match &container.body {
        Body::Struct(fields) => fields.iter().filter(|f| f.flatten && !f.skip).map(|f| f.ty).collect(),
        Body::Enum(_) => Vec::new(),
    };
    quote! {
        fn __rules(rules: &mut ::pluck::__private::RuleSet) {
            #[allow(unused_imports)]
            use ::pluck::__private::{RegisterNested as _, RegisterOther as _};
            if !rules.visit::<Self>() {
                return;
            }
            #(rules.add::<Self>(#schema_rules);)*
            #(rules.add_own::<Self>(#own_rules);)*
            #(::pluck::__private::TypeProbe::<#flattened>::new().__pluck_flatten::<Self>(rules);)*
            #(::pluck::__private::TypeProbe::<#field_types>::new().__pluck_register(rules);)*
        }
    }
}

/// The checks of one field, reached through `place` (an expression of the field's type).
fn check_field(field: &Field, place: &TokenStream) -> TokenStream {
    let transforms = field.rules.iter().filter_map(|rule| match rule {
        Rule::Dedup { kw } => Some(quote_spanned! {kw.span()=>
            ::pluck::validate::dedup::dedup(&mut #place);
        }),
        Rule::DedupBy { kw, key, ignore_case: true } => {
            let key_expr = quote_spanned!(key.span()=> ::pluck::validate::dedup::folded(&item.#key));
            Some(quote_spanned! {kw.span()=>
                ::pluck::validate::dedup::dedup_by_folded(&mut #place, |item| #key_expr);
            })
        }
        Rule::DedupBy { kw, key, ignore_case: false } => Some(quote_spanned! {kw.span()=>
            ::pluck::validate::dedup::dedup_by(&mut #place, |item| ::core::clone::Clone::clone(&item.#key));
        }),
        _ => None,
    });
    let checks = field.rules.iter().filter_map(|rule| match rule {
        Rule::Range { kw, min, max } => {
            let min = option_limit(*min);
            let max = option_limit(*max);
            Some(quote_spanned! {kw.span()=>
                ::pluck::validate::range::check(&#place, #min, #max, report);
            })
        }
        Rule::Length { kw, min, max } => {
            let min = option_usize(*min);
            let max = option_usize(*max);
            Some(quote_spanned! {kw.span()=>
                ::pluck::validate::length::check(&#place, #min, #max, report);
            })
        }
        Rule::OneOf { kw, values } => Some(quote_spanned! {kw.span()=>
            ::pluck::validate::one_of::check(&#place, &[#(#values),*], report);
        }),
        _ => None,
    });
    let body = quote! {
        #(#transforms)*
        #(#checks)*
        ::pluck::__private::Probe(&mut #place).__pluck_check(report);
    };
    match (&field.wire_name, field.flatten) {
        (Some(name), false) => quote! {
            report.with_field(#name, |report| { #body });
        },
        _ => quote!({ #body }),
    }
}

fn check_variant(container: &Container, variant: &Variant) -> TokenStream {
    let ident = variant.ident;
    let bindings: Vec<syn::Ident> = (0..variant.fields.len()).map(|i| quote::format_ident!("__field{}", i)).collect();
    let attrs = &container.attrs;
    // Where the variant's fields sit, by serde's enum representation.
    let outer: Option<String> = if attrs.untagged || attrs.tag.is_some() && attrs.content.is_none() {
        None
    } else if let Some(content) = &attrs.content {
        Some(content.clone())
    } else {
        Some(variant.wire_name.clone())
    };
    let newtype = variant.fields.len() == 1 && !variant.named;
    let checks = variant.fields.iter().zip(&bindings).enumerate().map(|(index, (field, binding))| {
        let place = quote!(*#binding);
        let inner = quote!(::pluck::__private::Probe(&mut #place).__pluck_check(report););
        if newtype || field.flatten {
            inner
        } else if let Some(name) = &field.wire_name {
            quote!(report.with_field(#name, |report| { #inner });)
        } else {
            let index = Literal::usize_unsuffixed(index);
            quote!(report.with_index(#index, |report| { #inner });)
        }
    });
    let pattern = if variant.named {
        let members = variant.fields.iter().map(|f| &f.member);
        quote!(Self::#ident { #(#members: #bindings),* })
    } else if variant.fields.is_empty() {
        quote!(Self::#ident { .. })
    } else {
        quote!(Self::#ident ( #(#bindings),* ))
    };
    if variant.fields.is_empty() {
        return quote!(#pattern => {});
    }
    match outer {
        Some(name) => quote! {
            #pattern => report.with_field(#name, |report| { #(#checks)* }),
        },
        None => quote! {
            #pattern => { #(#checks)* }
        },
    }
}

/// The schema side of a field's rules: `("name", FieldRule::..)` pairs.
fn schema_rules(field: &Field) -> Vec<TokenStream> {
    let Some(name) = &field.wire_name else { return Vec::new() };
    field.rules.iter().filter_map(schema_rule).map(|rule| quote!(#name, #rule)).collect()
}

/// The schema side of one rule: a `FieldRule`, if the rule shows in the schema.
fn schema_rule(rule: &Rule) -> Option<TokenStream> {
    Some(match rule {
        Rule::Range { min, max, .. } => {
            let min = option_limit(*min);
            let max = option_limit(*max);
            quote!(::pluck::__private::FieldRule::Range { min: #min, max: #max })
        }
        Rule::Length { min, max, .. } => {
            let min = option_usize(*min);
            let max = option_usize(*max);
            quote!(::pluck::__private::FieldRule::Length { min: #min, max: #max })
        }
        Rule::OneOf { values, .. } => quote!(::pluck::__private::FieldRule::OneOf(&[#(#values),*])),
        Rule::Dedup { .. } | Rule::DedupBy { .. } => return None,
    })
}

fn option_limit(value: Option<Number>) -> TokenStream {
    let limit = match value {
        Some(Number::Int(v)) => {
            let lit = Literal::i128_suffixed(v);
            quote!(::pluck::validate::range::Limit::Int(#lit))
        }
        Some(Number::Float(v)) => {
            let lit = Literal::f64_suffixed(v);
            quote!(::pluck::validate::range::Limit::Float(#lit))
        }
        None => return quote!(::core::option::Option::None),
    };
    quote!(::core::option::Option::Some(#limit))
}

fn option_usize(value: Option<u64>) -> TokenStream {
    match value {
        Some(v) => {
            let lit = Literal::usize_suffixed(v as usize);
            quote!(::core::option::Option::Some(#lit))
        }
        None => quote!(::core::option::Option::None),
    }
}

fn path_span(path: &syn::Path) -> proc_macro2::Span {
    path.segments.last().map(|s| s.ident.span()).unwrap_or_else(proc_macro2::Span::call_site)
}
