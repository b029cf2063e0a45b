//! Two runs of one set compared item by item. Rates alone cannot say whether one
//! posting in 42 is a difference: for each field this counts the items only one run
//! got right, and gives the exact McNemar test's p-value on them (the two-sided
//! binomial test of those items at one half), the chance of a split at least that
//! uneven if both runs were equally accurate.

use crate::data::SetName;
use crate::report::{Data, Scorer};
use crate::results::{ItemResult, RunFile};
use std::collections::HashMap;
use std::fmt::Write as _;

/// One field, over the items both runs hold (and that score the field).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FieldPair {
    /// The field's name, as the table's column.
    pub field: &'static str,
    /// Items scored.
    pub scored: usize,
    /// Items the first run got right.
    pub first: usize,
    /// Items the second run got right.
    pub second: usize,
    /// Items only the first run got right.
    pub only_first: usize,
    /// Items only the second run got right.
    pub only_second: usize,
}

impl FieldPair {
    fn new(field: &'static str) -> FieldPair {
        FieldPair { field, scored: 0, first: 0, second: 0, only_first: 0, only_second: 0 }
    }

    fn add(&mut self, first: bool, second: bool) {
        self.scored += 1;
        self.first += usize::from(first);
        self.second += usize::from(second);
        self.only_first += usize::from(first && !second);
        self.only_second += usize::from(second && !first);
    }

    /// The exact McNemar test's two-sided p-value (see [`mcnemar_exact`]).
    pub fn p_value(&self) -> f64 {
        mcnemar_exact(self.only_first, self.only_second)
    }
}

/// Two runs, compared.
#[derive(Debug, Clone, PartialEq)]
pub struct Paired {
    /// The first run, as "library mode".
    pub first: String,
    /// The second run.
    pub second: String,
    /// The set.
    pub set: SetName,
    /// Items both runs hold.
    pub items: usize,
    /// One entry per field, in the table's order.
    pub fields: Vec<FieldPair>,
}

/// Compares `first` with `second` on the items both hold.
///
/// # Errors
/// When the runs are of different sets, share no item, or name an item the set does
/// not hold.
pub fn compare(first: &RunFile, second: &RunFile, data: &Data) -> Result<Paired, String> {
    let label = |run: &RunFile| format!("{} {}", run.library, run.mode);
    if first.set != second.set {
        return Err(format!("{} ran {} and {} ran {}", label(first), first.set, label(second), second.set));
    }
    let theirs: HashMap<&str, &ItemResult> = second.items.iter().map(|item| (item.id.as_str(), item)).collect();
    let pairs: Vec<(&ItemResult, &ItemResult)> =
        first.items.iter().filter_map(|item| Some((item, *theirs.get(item.id.as_str())?))).collect();
    if pairs.is_empty() {
        return Err(format!("{} and {} share no item", label(first), label(second)));
    }
    let scorer = Scorer::new(data);
    let mut fields: Vec<FieldPair> = Vec::new();
    for (a, b) in &pairs {
        let (a, b) = (scorer.score(first, a)?.marks(), scorer.score(second, b)?.marks());
        if fields.is_empty() {
            fields = a.iter().map(|&(name, _)| FieldPair::new(name)).collect();
        }
        for (field, (&(_, a), &(_, b))) in fields.iter_mut().zip(a.iter().zip(&b)) {
            // A field counts where both items score it.
            if let (Some(a), Some(b)) = (a, b) {
                field.add(a, b);
            }
        }
    }
    let (mut first_label, mut second_label) = (label(first), label(second));
    if first_label == second_label {
        // Two runs of one library and mode (before and after a change): told apart by order.
        first_label.push_str(" (first)");
        second_label.push_str(" (second)");
    }
    Ok(Paired { first: first_label, second: second_label, set: first.set, items: pairs.len(), fields })
}

/// The exact McNemar test's two-sided p-value for `only_first` and `only_second`
/// items on which two runs disagree: twice the binomial tail at one half of the
/// smaller count, at most 1; 1 when they never disagree.
pub fn mcnemar_exact(only_first: usize, only_second: usize) -> f64 {
    let n = only_first + only_second;
    let k = only_first.min(only_second);
    // C(n, i) / 2^n, term by term, from 1 / 2^n.
    let mut term = 0.5f64.powi(i32::try_from(n).unwrap_or(i32::MAX));
    let mut tail = 0.0;
    for i in 0..=k {
        tail += term;
        term *= (n - i) as f64 / (i + 1) as f64;
    }
    (2.0 * tail).min(1.0)
}

/// The comparison as a titled Markdown table.
pub fn markdown(paired: &Paired) -> String {
    let (a, b) = (&paired.first, &paired.second);
    let mut out = format!("### {a} against {b}, {} ({} items both ran)\n\n", paired.set, paired.items);
    let _ = writeln!(out, "| field | items | {a} right | {b} right | only {a} | only {b} | exact McNemar p |");
    out.push_str("| --- | ---: | ---: | ---: | ---: | ---: | ---: |\n");
    for f in &paired.fields {
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} | {} | {:.2} |",
            f.field,
            f.scored,
            f.first,
            f.second,
            f.only_first,
            f.only_second,
            f.p_value()
        );
    }
    out.push('\n');
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use std::path::Path;

    #[test]
    fn the_exact_test_matches_the_binomial_tail() {
        assert_eq!(mcnemar_exact(0, 0), 1.0);
        assert_eq!(mcnemar_exact(1, 2), 1.0);
        assert_eq!(mcnemar_exact(0, 5), 0.0625);
        assert_eq!(mcnemar_exact(6, 0), 0.03125);
        // (1 + 12 + 66) / 4096, twice.
        assert!((mcnemar_exact(2, 10) - 2.0 * 79.0 / 4096.0).abs() < 1e-12);
        assert_eq!(mcnemar_exact(10, 2), mcnemar_exact(2, 10));
        assert!(mcnemar_exact(0, 200) > 0.0 && mcnemar_exact(0, 200) < 1e-50);
    }

    fn run(library: &str, items: Vec<(&str, Option<serde_json::Value>)>) -> RunFile {
        RunFile {
            library: library.to_owned(),
            mode: "tools".to_owned(),
            model: "m".to_owned(),
            set: SetName::Tickets,
            items: items
                .into_iter()
                .map(|(id, value)| ItemResult {
                    id: id.to_owned(),
                    valid: value.is_some(),
                    attempts: Some(1),
                    prompt_tokens: 0,
                    completion_tokens: 0,
                    latency_ms: 0.0,
                    value,
                    error: None,
                    repairs: 0,
                })
                .collect(),
        }
    }

    #[test]
    fn items_pair_by_id_and_count_where_the_runs_disagree() {
        let data = Data::load(&Path::new(env!("CARGO_MANIFEST_DIR")).join("eval")).unwrap();
        let right = json!({"reasoning": "locked out", "priority": "critical", "category": "account"});
        let wrong_priority = json!({"reasoning": "locked out", "priority": "low", "category": "account"});
        // t03 is only in the first run, so not compared; t02 failed in the second.
        let first = run("pluck", vec![("t01", Some(right.clone())), ("t02", None), ("t03", None)]);
        let second = run("instructor", vec![("t02", None), ("t01", Some(wrong_priority))]);
        let paired = compare(&first, &second, &data).unwrap();
        assert_eq!(paired.items, 2);
        assert_eq!(paired.first, "pluck tools");
        let both = paired.fields[0];
        assert_eq!((both.field, both.scored, both.first, both.second), ("both right", 2, 1, 0));
        assert_eq!((both.only_first, both.only_second), (1, 0));
        let category = paired.fields[2];
        assert_eq!((category.first, category.second, category.only_first, category.only_second), (1, 1, 0, 0));
        let table = markdown(&paired);
        assert!(table.starts_with("### pluck tools against instructor tools, tickets (2 items both ran)"), "{table}");
        assert!(table.contains("| both right | 2 | 1 | 0 | 1 | 0 | 1.00 |"), "{table}");

        let again = compare(&first, &first, &data).unwrap();
        assert_eq!((again.first.as_str(), again.second.as_str()), ("pluck tools (first)", "pluck tools (second)"));
        assert!(again.fields.iter().all(|f| f.only_first == 0 && f.only_second == 0 && f.p_value() == 1.0));

        let mut postings = run("x", vec![("t01", None)]);
        postings.set = SetName::Postings;
        assert!(compare(&first, &postings, &data).unwrap_err().contains("tickets"));
        let elsewhere = run("y", vec![("t99", None)]);
        assert!(compare(&first, &elsewhere, &data).unwrap_err().contains("share no item"));
    }
}
