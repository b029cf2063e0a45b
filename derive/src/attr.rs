//! Parsing of `#[extract(..)]` and of the serde attributes that decide names on the wire.

use crate::ctxt::Ctxt;
use quote::ToTokens;
use syn::{meta::ParseNestedMeta, Expr, ExprLit, ExprUnary, Ident, Lit, LitStr, UnOp};

const FIELD_RULES: &str = "`range`, `length`, `dedup`, `dedup_by`, `one_of`";

/// A number written in an attribute: a whole one kept exactly, or a float.
#[derive(Clone, Copy)]
pub enum Number {
    Int(i128),
    Float(f64),
}

impl Number {
    /// Whether `self` is above `other`; whole numbers compare exactly.
    #[allow(clippy::cast_precision_loss)]
    fn above(self, other: Number) -> bool {
        match (self, other) {
            (Number::Int(a), Number::Int(b)) => a > b,
            (Number::Int(a), Number::Float(b)) => a as f64 > b,
            (Number::Float(a), Number::Int(b)) => a > b as f64,
            (Number::Float(a), Number::Float(b)) => a > b,
        }
    }
}

/// One field rule, with the keyword token that errors point at.
pub enum Rule {
    Range { kw: Ident, min: Option<Number>, max: Option<Number> },
    Length { kw: Ident, min: Option<u64>, max: Option<u64> },
    Dedup { kw: Ident },
    DedupBy { kw: Ident, key: Ident, ignore_case: bool },
    OneOf { kw: Ident, values: Vec<LitStr> },
}

impl Rule {
    pub fn keyword(&self) -> &Ident {
        match self {
            Rule::Range { kw, .. }
            | Rule::Length { kw, .. }
            | Rule::Dedup { kw }
            | Rule::DedupBy { kw, .. }
            | Rule::OneOf { kw, .. } => kw,
        }
    }
}

/// What the container attributes say.
#[derive(Default)]
pub struct ContainerAttrs {
    pub validators: Vec<syn::Path>,
    /// `#[extract(garde)]`: join garde's report.
    pub garde: bool,
    /// `#[extract(validator)]`: join validator's report.
    pub validator: bool,
    /// `rename_all` for reading: renames a struct's fields or an enum's variants.
    pub rename_all: Option<String>,
    /// `rename_all_fields` for reading: renames the fields of every variant.
    pub rename_all_fields: Option<String>,
    pub tag: Option<String>,
    pub content: Option<String>,
    pub untagged: bool,
    /// A serde attribute that changes how the type is read (`default`,
    /// `deny_unknown_fields`, `from`, ...): its partial form cannot vouch for a value.
    pub opaque: bool,
}

/// What the field (or variant) attributes say.
#[derive(Default)]
pub struct FieldAttrs {
    pub rules: Vec<Rule>,
    pub rename: Option<String>,
    /// On a variant, `rename_all` for reading: renames the variant's fields.
    pub rename_all: Option<String>,
    pub flatten: bool,
    /// `#[extract(whole)]`: shown in partial values only once complete.
    pub whole: bool,
    /// `#[serde(skip)]` or `skip_deserializing`: never on the wire.
    pub skip: bool,
    /// A serde attribute that changes how the field is read (`default = "..."`,
    /// `alias`, `deserialize_with`, `with`, ...).
    pub opaque: bool,
    /// A bare `#[serde(default)]`: reads an absent field as `Default::default()`,
    /// which for an `Option` is how serde reads it anyway.
    pub default: bool,
}

/// Container attributes of serde that leave the reading of a struct's fields alone.
const PLAIN_CONTAINER: &[&str] = &["rename", "bound", "crate", "expecting", "into"];

/// Field attributes of serde that leave the reading of the field alone.
const PLAIN_FIELD: &[&str] = &["skip_serializing", "skip_serializing_if", "serialize_with", "bound", "getter"];

fn is_one_of(path: &syn::Path, names: &[&str]) -> bool {
    names.iter().any(|name| path.is_ident(name))
}

pub fn container(cx: &mut Ctxt, attrs: &[syn::Attribute]) -> ContainerAttrs {
    let mut out = ContainerAttrs::default();
    for attr in attrs {
        if attr.path().is_ident("extract") {
            let parsed = attr.parse_nested_meta(|meta| {
                if meta.path.is_ident("validate") {
                    let path: syn::Path = meta.value()?.parse()?;
                    out.validators.push(path);
                    Ok(())
                } else if meta.path.is_ident("garde") {
                    out.garde = true;
                    Ok(())
                } else if meta.path.is_ident("validator") {
                    out.validator = true;
                    Ok(())
                } else {
                    Err(meta.error(format!(
                        "unknown extract attribute `{}` on a type; expected `validate = path::to::fn`, `garde` or `validator`",
                        path_name(&meta.path)
                    )))
                }
            });
            if let Err(err) = parsed {
                cx.syn_error(err);
            }
        } else if attr.path().is_ident("serde") {
            // serde reports its own mistakes: read what we need and skip the rest.
            let _ = attr.parse_nested_meta(|meta| {
                if meta.path.is_ident("rename_all") {
                    out.rename_all = read_name(&meta);
                } else if meta.path.is_ident("rename_all_fields") {
                    out.rename_all_fields = read_name(&meta);
                } else if meta.path.is_ident("tag") {
                    out.tag = string_value(&meta);
                } else if meta.path.is_ident("content") {
                    out.content = string_value(&meta);
                } else if meta.path.is_ident("untagged") {
                    out.untagged = true;
                } else {
                    out.opaque |= !is_one_of(&meta.path, PLAIN_CONTAINER);
                    skip_value(&meta);
                }
                Ok(())
            });
        }
    }
    out
}

pub fn field(cx: &mut Ctxt, attrs: &[syn::Attribute]) -> FieldAttrs {
    let mut out = FieldAttrs::default();
    for attr in attrs {
        if attr.path().is_ident("extract") {
            let parsed = attr.parse_nested_meta(|meta| {
                if meta.path.is_ident("whole") {
                    out.whole = true;
                    return Ok(());
                }
                let rule = parse_rule(&meta)?;
                out.rules.push(rule);
                Ok(())
            });
            if let Err(err) = parsed {
                cx.syn_error(err);
            }
        } else if attr.path().is_ident("serde") {
            let _ = attr.parse_nested_meta(|meta| {
                if meta.path.is_ident("rename") {
                    out.rename = read_name(&meta);
                } else if meta.path.is_ident("rename_all") {
                    out.rename_all = read_name(&meta);
                } else if meta.path.is_ident("flatten") {
                    out.flatten = true;
                } else if meta.path.is_ident("skip") || meta.path.is_ident("skip_deserializing") {
                    out.skip = true;
                } else if meta.path.is_ident("default") && !meta.input.peek(syn::Token![=]) {
                    out.default = true;
                } else {
                    out.opaque |= !is_one_of(&meta.path, PLAIN_FIELD);
                    skip_value(&meta);
                }
                Ok(())
            });
        }
    }
    out
}

fn parse_rule(meta: &ParseNestedMeta) -> syn::Result<Rule> {
    let Some(kw) = meta.path.get_ident().cloned() else {
        return Err(meta.error(format!("expected one of {FIELD_RULES}")));
    };
    match kw.to_string().as_str() {
        "range" => {
            let (mut min, mut max) = (None, None);
            meta.parse_nested_meta(|m| {
                if m.path.is_ident("min") {
                    min = Some(number(m.value()?.parse()?)?);
                } else if m.path.is_ident("max") {
                    max = Some(number(m.value()?.parse()?)?);
                } else {
                    return Err(m.error("`range` takes `min = ..` and `max = ..`"));
                }
                Ok(())
            })?;
            if min.is_none() && max.is_none() {
                return Err(syn::Error::new(kw.span(), "`range` needs `min = ..`, `max = ..` or both"));
            }
            if let (Some(lo), Some(hi)) = (min, max) {
                if Number::above(lo, hi) {
                    return Err(syn::Error::new(kw.span(), "`range` has `min` above `max`"));
                }
            }
            Ok(Rule::Range { kw, min, max })
        }
        "length" => {
            let (mut min, mut max) = (None, None);
            meta.parse_nested_meta(|m| {
                if m.path.is_ident("min") {
                    min = Some(m.value()?.parse::<syn::LitInt>()?.base10_parse()?);
                } else if m.path.is_ident("max") {
                    max = Some(m.value()?.parse::<syn::LitInt>()?.base10_parse()?);
                } else {
                    return Err(m.error("`length` takes `min = ..` and `max = ..`"));
                }
                Ok(())
            })?;
            if min.is_none() && max.is_none() {
                return Err(syn::Error::new(kw.span(), "`length` needs `min = ..`, `max = ..` or both"));
            }
            if let (Some(lo), Some(hi)) = (min, max) {
                if lo > hi {
                    return Err(syn::Error::new(kw.span(), "`length` has `min` above `max`"));
                }
            }
            Ok(Rule::Length { kw, min, max })
        }
        "dedup" => {
            if !meta.input.is_empty() && !meta.input.peek(syn::Token![,]) {
                return Err(
                    meta.error("`dedup` takes no arguments; to compare one field of each item write `dedup_by(field)`")
                );
            }
            Ok(Rule::Dedup { kw })
        }
        "dedup_by" => {
            let mut key = None;
            let mut ignore_case = false;
            meta.parse_nested_meta(|m| {
                if m.path.is_ident("ignore_case") {
                    ignore_case = true;
                } else if let Some(ident) = m.path.get_ident() {
                    if key.is_some() {
                        return Err(m.error("`dedup_by` names one field"));
                    }
                    key = Some(ident.clone());
                } else {
                    return Err(m.error("expected a field name"));
                }
                Ok(())
            })?;
            let Some(key) = key else {
                return Err(syn::Error::new(
                    kw.span(),
                    "`dedup_by` needs the field to compare, as in `dedup_by(name, ignore_case)`",
                ));
            };
            Ok(Rule::DedupBy { kw, key, ignore_case })
        }
        "one_of" => {
            let content;
            syn::parenthesized!(content in meta.input);
            let values = content.parse_terminated(|input| input.parse::<LitStr>(), syn::Token![,])?;
            if values.is_empty() {
                return Err(syn::Error::new(kw.span(), "`one_of` needs at least one string literal"));
            }
            Ok(Rule::OneOf { kw, values: values.into_iter().collect() })
        }
        other => Err(syn::Error::new(
            kw.span(),
            format!("unknown extract attribute `{other}`; expected one of {FIELD_RULES}"),
        )),
    }
}

fn number(expr: Expr) -> syn::Result<Number> {
    let (negative, lit) = match &expr {
        Expr::Lit(ExprLit { lit, .. }) => (false, lit),
        Expr::Unary(ExprUnary { op: UnOp::Neg(_), expr: inner, .. }) => match &**inner {
            Expr::Lit(ExprLit { lit, .. }) => (true, lit),
            _ => return Err(syn::Error::new_spanned(&expr, "expected a number literal")),
        },
        _ => return Err(syn::Error::new_spanned(&expr, "expected a number literal")),
    };
    let out_of_range = || syn::Error::new_spanned(&expr, "number out of range for a bound");
    match lit {
        Lit::Int(int) => {
            let sign = if negative { "-" } else { "" };
            let value: i128 = format!("{sign}{}", int.base10_digits()).parse().map_err(|_| out_of_range())?;
            Ok(Number::Int(value))
        }
        Lit::Float(float) => {
            let value: f64 = float.base10_parse()?;
            if !value.is_finite() {
                return Err(out_of_range());
            }
            Ok(Number::Float(if negative { -value } else { value }))
        }
        _ => Err(syn::Error::new_spanned(lit, "expected a number literal")),
    }
}

fn path_name(path: &syn::Path) -> String {
    path.to_token_stream().to_string().replace(' ', "")
}

/// The value of a serde key that may differ between writing and reading, as it is
/// for reading: `key = ".."` or `key(deserialize = "..")`.
fn read_name(meta: &ParseNestedMeta) -> Option<String> {
    if meta.input.peek(syn::Token![=]) {
        return string_value(meta);
    }
    let mut name = None;
    let _ = meta.parse_nested_meta(|inner| {
        if inner.path.is_ident("deserialize") {
            name = string_value(&inner);
        } else {
            skip_value(&inner);
        }
        Ok(())
    });
    name
}

fn string_value(meta: &ParseNestedMeta) -> Option<String> {
    meta.value().ok()?.parse::<LitStr>().ok().map(|s| s.value())
}

/// Consumes whatever follows a serde key we do not read, so parsing can go on.
fn skip_value(meta: &ParseNestedMeta) {
    if meta.input.peek(syn::Token![=]) {
        if let Ok(value) = meta.value() {
            let _ = value.parse::<Expr>();
        }
    } else {
        skip_nested(meta);
    }
}

fn skip_nested(meta: &ParseNestedMeta) {
    if meta.input.peek(syn::token::Paren) {
        let _ = meta.input.step(|cursor| {
            let mut rest = *cursor;
            if let Some((_, _, next)) = rest.group(proc_macro2::Delimiter::Parenthesis) {
                rest = next;
            }
            Ok(((), rest))
        });
    }
}
