//! serde's `rename_all` rules, so that paths and schema patches use the names on the wire.

/// Applies a serde `rename_all` rule to a field or variant name.
///
/// Returns `None` for a rule serde does not know (serde itself reports that error).
pub fn rename(rule: &str, name: &str, is_variant: bool) -> Option<String> {
    let words = split_words(name, is_variant);
    let joined = match rule {
        "lowercase" => name.to_lowercase(),
        "UPPERCASE" => name.to_uppercase(),
        "PascalCase" => words.iter().map(|w| capitalize(w)).collect(),
        "camelCase" => {
            let mut out = String::new();
            for (i, w) in words.iter().enumerate() {
                if i == 0 {
                    out.push_str(&w.to_lowercase());
                } else {
                    out.push_str(&capitalize(w));
                }
            }
            out
        }
        "snake_case" => join_lower(&words, "_"),
        "SCREAMING_SNAKE_CASE" => join_lower(&words, "_").to_uppercase(),
        "kebab-case" => join_lower(&words, "-"),
        "SCREAMING-KEBAB-CASE" => join_lower(&words, "-").to_uppercase(),
        _ => return None,
    };
    Some(joined)
}

fn split_words(name: &str, is_variant: bool) -> Vec<String> {
    if !is_variant {
        // Rust field names are snake_case already.
        return name.split('_').filter(|w| !w.is_empty()).map(str::to_owned).collect();
    }
    // Variant names are PascalCase: split before each upper-case letter.
    let mut words = Vec::new();
    let mut current = String::new();
    for ch in name.chars() {
        if ch.is_uppercase() && !current.is_empty() {
            words.push(std::mem::take(&mut current));
        }
        current.push(ch);
    }
    if !current.is_empty() {
        words.push(current);
    }
    words
}

fn capitalize(word: &str) -> String {
    let mut chars = word.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars.flat_map(char::to_lowercase)).collect(),
        None => String::new(),
    }
}

fn join_lower(words: &[String], sep: &str) -> String {
    words.iter().map(|w| w.to_lowercase()).collect::<Vec<_>>().join(sep)
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
}
