//! `Self` in field types, spelled out: the derive emits companion types (the partial
//! form) and impls where `Self` would mean something else, so every field type names
//! the type itself, as serde_derive does.

use proc_macro2::{Group, TokenStream, TokenTree};
use quote::{quote, ToTokens};
use syn::{Data, DeriveInput, Fields, Type};

/// Replaces `Self` in every field type of `input` with the type's name and generic
/// arguments (`Node<T>`). A `Self::Assoc` path is left as it is.
pub fn replace_self(input: &mut DeriveInput) {
    let ident = &input.ident;
    let (_, args, _) = input.generics.split_for_impl();
    let named = quote!(#ident #args);
    let fields: Vec<&mut Fields> = match &mut input.data {
        Data::Struct(data) => vec![&mut data.fields],
        Data::Enum(data) => data.variants.iter_mut().map(|v| &mut v.fields).collect(),
        Data::Union(_) => return,
    };
    for field in fields.into_iter().flat_map(|f| f.iter_mut()) {
        if let Ok(ty) = syn::parse2::<Type>(spell_out(field.ty.to_token_stream(), &named)) {
            field.ty = ty;
        }
    }
}

fn spell_out(tokens: TokenStream, named: &TokenStream) -> TokenStream {
    let mut out = Vec::new();
    let mut tokens = tokens.into_iter().peekable();
    while let Some(token) = tokens.next() {
        match token {
            TokenTree::Ident(ident) if ident == "Self" => {
                let path = matches!(tokens.peek(), Some(TokenTree::Punct(p)) if p.as_char() == ':');
                if path {
                    out.push(TokenTree::Ident(ident));
                } else {
                    out.extend(named.clone());
                }
            }
            TokenTree::Group(group) => {
                let mut spelled = Group::new(group.delimiter(), spell_out(group.stream(), named));
                spelled.set_span(group.span());
                out.push(TokenTree::Group(spelled));
            }
            other => out.push(other),
        }
    }
    out.into_iter().collect()
}
