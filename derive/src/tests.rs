//! Snapshots of the whole expansion of representative types: the blog's types, a
//! generic struct, an enum of each serde representation, flattened and skipped fields,
//! recursion and a unit struct. A change to what the derive emits shows here as a diff.

use crate::expand;
use proc_macro2::{Delimiter, Spacing, TokenStream, TokenTree};
use syn::{parse_quote, DeriveInput, Item};

/// The structs and enums of an example file (each derives `Extract`).
fn derived_in(source: &str) -> Vec<DeriveInput> {
    let file = syn::parse_file(source).expect("the example parses");
    file.items
        .into_iter()
        .filter_map(|item| match item {
            Item::Struct(item) => Some(DeriveInput::from(item)),
            Item::Enum(item) => Some(DeriveInput::from(item)),
            _ => None,
        })
        .collect()
}

/// The expansion of each input, one after the other.
fn expansion(inputs: &[DeriveInput]) -> String {
    let mut out = String::new();
    for input in inputs {
        out.push_str(&format!("// {}\n", input.ident));
        // As the derive's entry point sees it.
        let mut input = input.clone();
        crate::receiver::replace_self(&mut input);
        render(&mut out, expand::derive(&input), 0, true);
        out.truncate(out.trim_end().len());
        out.push_str("\n\n");
    }
    out
}

/// Writes `tokens` as `TokenStream::to_string` does, with a line break after each `;`
/// outside brackets and each brace group that ends a statement or item, and the
/// contents of brace groups indented.
fn render(out: &mut String, tokens: TokenStream, depth: usize, breaks: bool) {
    let mut trees = tokens.into_iter().peekable();
    while let Some(tree) = trees.next() {
        match tree {
            TokenTree::Group(group) if group.delimiter() == Delimiter::Brace => {
                out.push('{');
                line(out, depth + 1);
                render(out, group.stream(), depth + 1, true);
                line(out, depth);
                out.push('}');
                let ends = !matches!(trees.peek(), Some(TokenTree::Punct(p)) if p.as_char() != '#');
                match breaks && ends {
                    true => line(out, depth),
                    false => out.push(' '),
                }
            }
            TokenTree::Group(group) => {
                let (open, close) = match group.delimiter() {
                    Delimiter::Parenthesis => ("(", ")"),
                    Delimiter::Bracket => ("[", "]"),
                    _ => ("", ""),
                };
                out.push_str(open);
                render(out, group.stream(), depth, false);
                out.truncate(out.trim_end_matches(' ').len());
                out.push_str(close);
                out.push(' ');
            }
            TokenTree::Punct(punct) => {
                out.push(punct.as_char());
                if breaks && punct.as_char() == ';' {
                    line(out, depth);
                } else if punct.spacing() == Spacing::Alone {
                    out.push(' ');
                }
            }
            other => {
                out.push_str(&other.to_string());
                out.push(' ');
            }
        }
    }
}

/// Ends the line and indents the next one to `depth`.
fn line(out: &mut String, depth: usize) {
    out.truncate(out.trim_end().len());
    out.push('\n');
    out.push_str(&"    ".repeat(depth));
}

#[test]
fn blog_job_types() {
    let inputs = derived_in(include_str!("../../examples/types/job.rs"));
    assert_eq!(inputs.len(), 6);
    insta::assert_snapshot!(expansion(&inputs));
}

#[test]
fn blog_triage_types() {
    let inputs = derived_in(include_str!("../../examples/types/triage.rs"));
    assert_eq!(inputs.len(), 3);
    insta::assert_snapshot!(expansion(&inputs));
}

#[test]
fn structs() {
    let inputs: Vec<DeriveInput> = vec![
        parse_quote! {
            /// A page of items.
            #[extract(garde)]
            pub struct Page<'a, T: Clone, const N: usize>
            where
                T: Default,
            {
                /// The items.
                #[extract(length(max = 20), dedup)]
                pub items: Vec<T>,
                #[extract(whole)]
                cursor: Option<&'a str>,
                #[serde(skip)]
                seen: [u8; N],
            }
        },
        parse_quote! {
            #[serde(rename_all = "camelCase")]
            struct Outer {
                #[extract(one_of("a", "b"))]
                kind_name: String,
                #[serde(flatten)]
                inner: Inner,
                #[serde(default)]
                note: Option<String>,
            }
        },
        parse_quote! {
            struct Node {
                #[extract(range(min = -1.5, max = 10))]
                value: f32,
                next: Option<Box<Self>>,
                children: Vec<Node>,
            }
        },
        parse_quote! {
            struct Unit;
        },
        parse_quote! {
            #[extract(validate = check_id)]
            struct Id(#[extract(length(min = 1))] String);
        },
        parse_quote! {
            struct Pair(u8, #[extract(whole)] String);
        },
    ];
    insta::assert_snapshot!(expansion(&inputs));
}

#[test]
fn enums() {
    let inputs: Vec<DeriveInput> = vec![
        parse_quote! {
            #[serde(rename_all = "snake_case", rename_all_fields = "camelCase")]
            enum External<T> {
                Unit,
                Newtype(T),
                Tuple(u8, String),
                Named { first_name: String, #[serde(flatten)] rest: Rest },
            }
        },
        parse_quote! {
            #[serde(tag = "type")]
            enum Internal {
                Circle { radius: f64 },
                Square { side: f64 },
                Empty,
            }
        },
        parse_quote! {
            #[serde(tag = "t", content = "c")]
            enum Adjacent {
                Text(String),
                Pair { left: u8, right: u8 },
            }
        },
        parse_quote! {
            #[serde(untagged)]
            enum Untagged {
                Number(f64),
                Words { #[serde(rename = "w")] words: Vec<String> },
            }
        },
    ];
    insta::assert_snapshot!(expansion(&inputs));
}

#[test]
fn a_bare_serde_default_leaves_only_an_option_readable_while_streamed() {
    let input: DeriveInput = parse_quote! {
        struct Pay {
            #[serde(default)]
            min_amount: Option<f64>,
            #[serde(default)]
            count: u32,
            #[serde(default = "later")]
            max_amount: Option<f64>,
            currency: String,
        }
    };
    let mut cx = crate::ctxt::Ctxt::default();
    let container = crate::ast::Container::from_ast(&mut cx, &input).expect("the input parses");
    let crate::ast::Body::Struct(fields) = &container.body else { panic!("a struct") };
    let opaque: Vec<bool> = fields.iter().map(|field| field.opaque).collect();
    // serde reads an absent `Option` as `None` with or without a bare `default`; a
    // default of another type, or from a function, is serde's own to read.
    assert_eq!(opaque, [false, true, true, false]);
    assert!(cx.check().is_ok());
}
