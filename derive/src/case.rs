//! serde's `rename_all` rules, so that paths and schema patches use the names on the
//! wire. They follow serde's own to the letter (`myURL` in camelCase stays `myURL`,
//! `a__b` in kebab-case is `a--b`), which is not what a word splitter would make.

/// Applies a serde `rename_all` rule to a field or variant name.
///
/// Returns `None` for a rule serde does not know (serde itself reports that error).
pub fn rename(rule: &str, name: &str, is_variant: bool) -> Option<String> {
    let rule = Rule::from_name(rule)?;
    Some(if is_variant { rule.variant(name) } else { rule.field(name) })
}

#[derive(Clone, Copy)]
enum Rule {
    Lower,
    Upper,
    Pascal,
    Camel,
    Snake,
    ScreamingSnake,
    Kebab,
    ScreamingKebab,
}

impl Rule {
    fn from_name(name: &str) -> Option<Rule> {
        Some(match name {
            "lowercase" => Rule::Lower,
            "UPPERCASE" => Rule::Upper,
            "PascalCase" => Rule::Pascal,
            "camelCase" => Rule::Camel,
            "snake_case" => Rule::Snake,
            "SCREAMING_SNAKE_CASE" => Rule::ScreamingSnake,
            "kebab-case" => Rule::Kebab,
            "SCREAMING-KEBAB-CASE" => Rule::ScreamingKebab,
            _ => return None,
        })
    }

    /// A variant's name (written `PascalCase` in Rust) under the rule.
    fn variant(self, name: &str) -> String {
        match self {
            Rule::Pascal => name.to_owned(),
            Rule::Lower => name.to_ascii_lowercase(),
            Rule::Upper => name.to_ascii_uppercase(),
            Rule::Camel => lower_first(name),
            Rule::Snake => {
                let mut snake = String::new();
                for (i, ch) in name.char_indices() {
                    if i > 0 && ch.is_uppercase() {
                        snake.push('_');
                    }
                    snake.push(ch.to_ascii_lowercase());
                }
                snake
            }
            Rule::ScreamingSnake => Rule::Snake.variant(name).to_ascii_uppercase(),
            Rule::Kebab => Rule::Snake.variant(name).replace('_', "-"),
            Rule::ScreamingKebab => Rule::ScreamingSnake.variant(name).replace('_', "-"),
        }
    }

    /// A field's name (written `snake_case` in Rust) under the rule.
    fn field(self, name: &str) -> String {
        match self {
            Rule::Lower | Rule::Snake => name.to_owned(),
            Rule::Upper | Rule::ScreamingSnake => name.to_ascii_uppercase(),
            Rule::Pascal => {
                let mut pascal = String::new();
                let mut capitalize = true;
                for ch in name.chars() {
                    if ch == '_' {
                        capitalize = true;
                    } else if capitalize {
                        pascal.push(ch.to_ascii_uppercase());
                        capitalize = false;
                    } else {
                        pascal.push(ch);
                    }
                }
                pascal
            }
            Rule::Camel => lower_first(&Rule::Pascal.field(name)),
            Rule::Kebab => name.replace('_', "-"),
            Rule::ScreamingKebab => Rule::ScreamingSnake.field(name).replace('_', "-"),
        }
    }
}

/// `name` with its first character in ASCII lower case.
fn lower_first(name: &str) -> String {
    let mut chars = name.chars();
    match chars.next() {
        Some(first) => first.to_ascii_lowercase().to_string() + chars.as_str(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::rename;

    #[test]
    fn field_rules() {
        assert_eq!(rename("camelCase", "min_amount", false).unwrap(), "minAmount");
        assert_eq!(rename("PascalCase", "min_amount", false).unwrap(), "MinAmount");
        assert_eq!(rename("kebab-case", "min_amount", false).unwrap(), "min-amount");
        assert_eq!(rename("SCREAMING_SNAKE_CASE", "min_amount", false).unwrap(), "MIN_AMOUNT");
    }

    #[test]
    fn variant_rules() {
        assert_eq!(rename("snake_case", "NiceToHave", true).unwrap(), "nice_to_have");
        assert_eq!(rename("lowercase", "NiceToHave", true).unwrap(), "nicetohave");
        assert_eq!(rename("camelCase", "NiceToHave", true).unwrap(), "niceToHave");
        assert!(rename("Train-Case", "A", true).is_none());
    }

    /// Where serde's rules differ from splitting words.
    #[test]
    fn as_serde_does() {
        assert_eq!(rename("camelCase", "myURL", false).unwrap(), "myURL");
        assert_eq!(rename("kebab-case", "a__b", false).unwrap(), "a--b");
        assert_eq!(rename("kebab-case", "_lead", false).unwrap(), "-lead");
        assert_eq!(rename("camelCase", "_lead", false).unwrap(), "lead");
        assert_eq!(rename("SCREAMING-KEBAB-CASE", "inner_item", false).unwrap(), "INNER-ITEM");
        assert_eq!(rename("snake_case", "HTTPServer", true).unwrap(), "h_t_t_p_server");
        assert_eq!(rename("lowercase", "ÉtéVariant", true).unwrap(), "Étévariant");
    }
}
