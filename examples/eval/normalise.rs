//! The normalised forms answers are compared in: text (case, whitespace,
//! punctuation), currencies (codes, symbols, names) and skill names (synonyms).

use crate::data::SkillFile;
use std::collections::BTreeMap;

/// Lower case, every run of characters other than letters, digits, `+`, `#` and `&`
/// made one space, trimmed: "Full-Stack  Developer." and "full stack developer" are
/// equal, "C++" and "C#" stay apart from "C".
pub fn text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut space = false;
    for c in s.chars().flat_map(char::to_lowercase) {
        if c.is_alphanumeric() || matches!(c, '+' | '#' | '&') {
            if space && !out.is_empty() {
                out.push(' ');
            }
            space = false;
            out.push(c);
        } else {
            space = true;
        }
    }
    out
}

/// The ISO 4217 code a currency is written as: codes in any case, symbols ("$", "€",
/// "£", "₹", "¥", "A$", "C$", "S$"...) and names ("euros", "pounds"...). Unknown
/// spellings come back trimmed and upper-cased, so they only equal themselves.
pub fn currency(s: &str) -> String {
    let upper: String = s.trim().to_uppercase().split_whitespace().collect::<Vec<_>>().join(" ");
    let code = match upper.as_str() {
        "$" | "US$" | "USD$" | "US DOLLAR" | "US DOLLARS" | "DOLLAR" | "DOLLARS" => "USD",
        "€" | "EURO" | "EUROS" => "EUR",
        "£" | "POUND" | "POUNDS" | "POUNDS STERLING" | "GBP£" => "GBP",
        "₹" | "RS" | "RS." | "RUPEE" | "RUPEES" | "INR₹" => "INR",
        "¥" | "円" | "YEN" | "JP¥" => "JPY",
        "A$" | "AU$" | "AUD$" => "AUD",
        "C$" | "CA$" | "CAD$" => "CAD",
        "S$" | "SG$" | "SGD$" => "SGD",
        "FR." | "SFR" | "SFR." | "CHF." => "CHF",
        other => other,
    };
    code.to_owned()
}

/// Skill names to their canonical form, from the synonyms in the data.
#[derive(Debug, Default)]
pub struct Skills {
    canonical: BTreeMap<String, String>,
}

impl Skills {
    /// The lookup for `file`'s synonyms.
    ///
    /// # Errors
    /// A message when one spelling names two canonical skills.
    pub fn new(file: &SkillFile) -> Result<Skills, String> {
        let mut canonical = BTreeMap::new();
        for (name, aliases) in &file.synonyms {
            for spelling in std::iter::once(name).chain(aliases) {
                let key = text(spelling);
                let canon = text(name);
                if let Some(other) = canonical.insert(key, canon.clone()) {
                    if other != canon {
                        return Err(format!("{spelling:?} is listed for both {other:?} and {name:?}"));
                    }
                }
            }
        }
        Ok(Skills { canonical })
    }

    /// The canonical key of a skill name: the normalised canonical name when the name
    /// is a listed spelling, else the normalised name itself.
    pub fn key(&self, name: &str) -> String {
        let key = text(name);
        self.canonical.get(&key).cloned().unwrap_or(key)
    }

    /// Whether `name` is itself canonical: not an alias of another skill.
    pub fn is_canonical(&self, name: &str) -> bool {
        self.key(name) == text(name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn skills(pairs: &[(&str, &[&str])]) -> Skills {
        let synonyms = pairs.iter().map(|(k, v)| (k.to_string(), v.iter().map(|s| s.to_string()).collect())).collect();
        Skills::new(&SkillFile { synonyms }).unwrap()
    }

    #[test]
    fn text_ignores_case_whitespace_and_punctuation_but_not_plus_or_hash() {
        assert_eq!(text("  Full-Stack   Developer. "), "full stack developer");
        assert_eq!(text("Bramble & Co."), text("bramble & co"));
        assert_eq!(text("Senior\tJava-Entwickler (m/w/d)"), "senior java entwickler m w d");
        assert_ne!(text("C++"), text("C"));
        assert_ne!(text("C#"), text("C"));
        assert_eq!(text("Café"), "café");
    }

    #[test]
    fn currency_reads_codes_symbols_and_names() {
        for (written, code) in [
            ("usd", "USD"),
            ("$", "USD"),
            (" € ", "EUR"),
            ("euros", "EUR"),
            ("£", "GBP"),
            ("₹", "INR"),
            ("¥", "JPY"),
            ("A$", "AUD"),
            ("C$", "CAD"),
            ("S$", "SGD"),
            ("chf", "CHF"),
        ] {
            assert_eq!(currency(written), code, "{written}");
        }
        assert_eq!(currency("XYZ"), "XYZ");
        assert_ne!(currency("$"), currency("A$"));
    }

    #[test]
    fn skills_map_synonyms_to_one_key() {
        let s = skills(&[("Kubernetes", &["k8s"]), ("JavaScript", &["JS"]), ("PostgreSQL", &["Postgres"])]);
        assert_eq!(s.key("K8s"), s.key("kubernetes"));
        assert_eq!(s.key("js"), s.key("JavaScript"));
        assert_eq!(s.key(" postgres "), s.key("PostgreSQL"));
        assert_ne!(s.key("Java"), s.key("JavaScript"));
        assert_eq!(s.key("Haskell"), "haskell");
        assert!(s.is_canonical("Kubernetes"));
        assert!(!s.is_canonical("k8s"));
    }

    #[test]
    fn a_spelling_for_two_skills_is_refused() {
        let synonyms =
            [("Go".to_owned(), vec!["golang".to_owned()]), ("Golang".to_owned(), vec![])].into_iter().collect();
        assert!(Skills::new(&SkillFile { synonyms }).is_err());
    }
}
