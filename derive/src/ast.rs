//! The typed model of a type that derives `Extract`.

use crate::attr::{self, ContainerAttrs, Rule};
use crate::case;
use crate::ctxt::Ctxt;
use syn::{Data, DeriveInput, Fields, Ident, Member, Type};

/// The type being derived.
pub struct Container<'a> {
    pub ident: &'a Ident,
    pub vis: &'a syn::Visibility,
    pub generics: &'a syn::Generics,
    pub attrs: ContainerAttrs,
    pub body: Body<'a>,
}

pub enum Body<'a> {
    Struct(Vec<Field<'a>>),
    Enum(Vec<Variant<'a>>),
}

pub struct Variant<'a> {
    pub ident: &'a Ident,
    /// The variant's name on the wire.
    pub wire_name: String,
    pub named: bool,
    pub fields: Vec<Field<'a>>,
}

pub struct Field<'a> {
    pub member: Member,
    /// The field's name on the wire (after serde renames); `None` for tuple fields.
    pub wire_name: Option<String>,
    pub ty: &'a Type,
    pub rules: Vec<Rule>,
    pub flatten: bool,
    /// Shown in partial values only once complete (`#[extract(whole)]`).
    pub whole: bool,
    /// Never on the wire (`#[serde(skip)]`).
    pub skip: bool,
    /// Read by serde in a way of its own (`default`, except on an `Option`, `alias`,
    /// `with`, ...).
    pub opaque: bool,
    pub vis: &'a syn::Visibility,
    /// The field's doc comments.
    pub docs: Vec<&'a syn::Attribute>,
}

impl<'a> Container<'a> {
    pub fn from_ast(cx: &mut Ctxt, input: &'a DeriveInput) -> Option<Self> {
        let attrs = attr::container(cx, &input.attrs);
        let rename_all = attrs.rename_all.clone();
        let body = match &input.data {
            Data::Struct(data) => Body::Struct(fields(cx, &data.fields, rename_all.as_deref())),
            Data::Enum(data) => Body::Enum(
                data.variants
                    .iter()
                    .map(|variant| {
                        let variant_attrs = attr::field(cx, &variant.attrs);
                        if let Some(rule) = variant_attrs.rules.first() {
                            cx.error_spanned_by(rule.keyword(), "field rules go on fields, not on enum variants");
                        }
                        let name = variant.ident.to_string();
                        let wire_name = variant_attrs.rename.unwrap_or_else(|| {
                            rename_all.as_deref().and_then(|rule| case::rename(rule, &name, true)).unwrap_or(name)
                        });
                        Variant {
                            ident: &variant.ident,
                            wire_name,
                            named: matches!(variant.fields, Fields::Named(_)),
                            // rename_all on an enum renames variants; a variant's fields follow
                            // the variant's own rename_all, else the enum's rename_all_fields.
                            fields: fields(
                                cx,
                                &variant.fields,
                                variant_attrs.rename_all.as_deref().or(attrs.rename_all_fields.as_deref()),
                            ),
                        }
                    })
                    .collect(),
            ),
            Data::Union(_) => {
                cx.error_spanned_by(&input.ident, "`Extract` cannot be derived for a union");
                return None;
            }
        };
        Some(Container { ident: &input.ident, vis: &input.vis, generics: &input.generics, attrs, body })
    }
}

fn fields<'a>(cx: &mut Ctxt, fields: &'a Fields, rename_all: Option<&str>) -> Vec<Field<'a>> {
    fields
        .iter()
        .enumerate()
        .map(|(index, field)| {
            let attrs = attr::field(cx, &field.attrs);
            let (member, wire_name) = match &field.ident {
                Some(ident) => {
                    let name = ident.to_string();
                    let name = name.strip_prefix("r#").unwrap_or(&name).to_owned();
                    let wire = attrs.rename.clone().unwrap_or_else(|| {
                        rename_all.and_then(|rule| case::rename(rule, &name, false)).unwrap_or(name)
                    });
                    (Member::Named(ident.clone()), Some(wire))
                }
                None => (Member::Unnamed(index.into()), None),
            };
            Field {
                member,
                wire_name,
                ty: &field.ty,
                rules: attrs.rules,
                flatten: attrs.flatten,
                whole: attrs.whole,
                skip: attrs.skip,
                opaque: attrs.opaque || (attrs.default && !is_option(&field.ty)),
                vis: &field.vis,
                docs: field.attrs.iter().filter(|a| a.path().is_ident("doc")).collect(),
            }
        })
        .collect()
}

/// Whether `ty` is written `Option<..>` (by any path ending in `Option`).
fn is_option(ty: &Type) -> bool {
    matches!(ty, Type::Path(path) if path.qself.is_none()
        && path.path.segments.last().is_some_and(|last| last.ident == "Option"))
}
