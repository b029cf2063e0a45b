//! Checks across the parsed model, with spans on the offending tokens.
//!
//! Only what can be told from the syntax is checked here; a rule on a type that the
//! syntax does not reveal (an alias, a newtype) is caught by the rule's trait bound,
//! whose message names the rule.

use crate::ast::{Body, Container, Field};
use crate::attr::Rule;
use crate::ctxt::Ctxt;
use syn::{GenericArgument, PathArguments, Type};

pub fn check(cx: &mut Ctxt, container: &Container) {
    match &container.body {
        Body::Struct(fields) => fields.iter().for_each(|field| check_field(cx, field)),
        Body::Enum(variants) => {
            for field in variants.iter().flat_map(|v| &v.fields) {
                if let Some(rule) = field.rules.first() {
                    cx.error_spanned_by(
                        rule.keyword(),
                        "field rules are not supported inside enum variants yet; move the fields into a struct and use it in the variant",
                    );
                }
            }
        }
    }
}

fn check_field(cx: &mut Ctxt, field: &Field) {
    if field.skip {
        if let Some(rule) = field.rules.first() {
            cx.error_spanned_by(
                rule.keyword(),
                "field rules cannot go on a field serde skips (`#[serde(skip)]`): the model never writes it",
            );
        }
        return;
    }
    if field.flatten {
        if let Some(rule) = field.rules.first() {
            cx.error_spanned_by(
                rule.keyword(),
                "field rules cannot go on a `#[serde(flatten)]` field; put them on the flattened type's fields",
            );
        }
        return;
    }
    let kind = Kind::of(field.ty);
    for rule in &field.rules {
        let (allowed, what) = match rule {
            Rule::Range { .. } => (matches!(kind, Kind::Number | Kind::Unknown), "`range` applies to numbers"),
            Rule::Length { .. } => (
                matches!(kind, Kind::Text | Kind::List | Kind::Map | Kind::Unknown),
                "`length` applies to strings, lists and maps",
            ),
            Rule::Dedup { .. } | Rule::DedupBy { .. } => {
                (matches!(kind, Kind::List | Kind::Unknown), "`dedup` and `dedup_by` apply to lists (`Vec<T>`)")
            }
            Rule::OneOf { .. } => (matches!(kind, Kind::Text | Kind::Unknown), "`one_of` applies to strings"),
        };
        if !allowed {
            cx.error_spanned_by(rule.keyword(), format!("{what}, and this field is {}", kind.describe()));
        }
    }
}

/// What the syntax says a field's type is, looking through `Option` and `Box`.
#[derive(Clone, Copy)]
enum Kind {
    Number,
    Text,
    Bool,
    List,
    Map,
    Unknown,
}

impl Kind {
    fn of(ty: &Type) -> Kind {
        let Type::Path(path) = ty else {
            return match ty {
                Type::Reference(r) => Kind::of(&r.elem),
                Type::Slice(_) | Type::Array(_) => Kind::List,
                _ => Kind::Unknown,
            };
        };
        let Some(last) = path.path.segments.last() else { return Kind::Unknown };
        match last.ident.to_string().as_str() {
            "Option" | "Box" => match first_type_arg(&last.arguments) {
                Some(inner) => Kind::of(inner),
                None => Kind::Unknown,
            },
            "u8" | "u16" | "u32" | "u64" | "u128" | "usize" | "i8" | "i16" | "i32" | "i64" | "i128" | "isize"
            | "f32" | "f64" => Kind::Number,
            "String" | "str" | "Cow" => Kind::Text,
            "bool" => Kind::Bool,
            "Vec" | "VecDeque" => Kind::List,
            "HashMap" | "BTreeMap" | "IndexMap" => Kind::Map,
            _ => Kind::Unknown,
        }
    }

    fn describe(self) -> &'static str {
        match self {
            Kind::Number => "a number",
            Kind::Text => "a string",
            Kind::Bool => "a `bool`",
            Kind::List => "a list",
            Kind::Map => "a map",
            Kind::Unknown => "of another type",
        }
    }
}

fn first_type_arg(args: &PathArguments) -> Option<&Type> {
    let PathArguments::AngleBracketed(args) = args else { return None };
    args.args.iter().find_map(|arg| match arg {
        GenericArgument::Type(ty) => Some(ty),
        _ => None,
    })
}
