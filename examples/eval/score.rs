//! Scores extracted values against the expected facts, field by field, and sums a
//! run's scores and costs. Values are read as JSON, so any library's results score
//! the same way.

use crate::data::{ExpectedSalary, PostingFacts, TicketFacts};
use crate::normalise::{self, Skills};
use crate::results::ItemResult;
use serde_json::Value;
use std::collections::BTreeSet;

/// Relative tolerance on salary amounts.
const AMOUNT_TOLERANCE: f64 = 0.01;

/// Right answers out of those scored.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Tally {
    /// Answers that matched.
    pub right: usize,
    /// Answers scored.
    pub scored: usize,
}

impl Tally {
    /// Counts one answer.
    pub fn add(&mut self, right: bool) {
        self.scored += 1;
        self.right += usize::from(right);
    }

    /// The share right, or `None` when nothing was scored.
    pub fn rate(&self) -> Option<f64> {
        (self.scored > 0).then(|| self.right as f64 / self.scored as f64)
    }
}

/// True and false positives and false negatives of a set of names.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Prf {
    /// Listed and expected.
    pub tp: usize,
    /// Listed, not expected (and not among the names that may go either way).
    pub fp: usize,
    /// Expected, not listed.
    pub fn_: usize,
}

impl Prf {
    /// Compares `listed` with `expected`; names in `either_way` count neither way.
    pub fn of(listed: &BTreeSet<String>, expected: &BTreeSet<String>, either_way: &BTreeSet<String>) -> Prf {
        let tp = listed.intersection(expected).count();
        let fp = listed.iter().filter(|s| !expected.contains(*s) && !either_way.contains(*s)).count();
        Prf { tp, fp, fn_: expected.len() - tp }
    }

    /// Whether the lists agree exactly (up to the names that may go either way).
    pub fn exact(&self) -> bool {
        self.fp == 0 && self.fn_ == 0
    }

    /// Precision; 1 when nothing was listed.
    pub fn precision(&self) -> f64 {
        ratio(self.tp, self.tp + self.fp)
    }

    /// Recall; 1 when nothing was expected.
    pub fn recall(&self) -> f64 {
        ratio(self.tp, self.tp + self.fn_)
    }

    /// The harmonic mean of precision and recall; 1 when nothing was listed or expected.
    pub fn f1(&self) -> f64 {
        ratio(2 * self.tp, 2 * self.tp + self.fp + self.fn_)
    }
}

impl std::ops::AddAssign for Prf {
    fn add_assign(&mut self, other: Prf) {
        self.tp += other.tp;
        self.fp += other.fp;
        self.fn_ += other.fn_;
    }
}

fn ratio(num: usize, den: usize) -> f64 {
    if den == 0 {
        1.0
    } else {
        num as f64 / den as f64
    }
}

/// How one posting's extraction compares with its facts.
#[derive(Debug, Clone, PartialEq)]
pub struct PostingScore {
    /// The title is one of the accepted ones.
    pub title: bool,
    /// The company is one of the accepted ones, or both are null.
    pub company: bool,
    /// The level is an accepted one.
    pub level: bool,
    /// The salary matches (see [`salary_matches`]).
    pub salary: bool,
    /// The categories match; `None` where the item does not score them.
    pub categories: Option<bool>,
    /// Skills marked required against the required ones.
    pub required: Prf,
    /// Skills marked nice to have against the nice-to-have ones.
    pub nice: Prf,
    /// Every skill listed against every skill expected, whatever its mark.
    pub skills: Prf,
}

impl PostingScore {
    /// The names of [`marks`](Self::marks), as the tables head their columns.
    pub const FIELDS: [&'static str; 6] =
        ["all facts", "job_title", "company_name", "experience_level", "salary", "categories"];

    /// Each field right or wrong, in the order of [`FIELDS`](Self::FIELDS); `None`
    /// where the item does not score it.
    pub fn marks(&self) -> [Option<bool>; 6] {
        [
            Some(self.all_right()),
            Some(self.title),
            Some(self.company),
            Some(self.level),
            Some(self.salary),
            self.categories,
        ]
    }

    /// Every fact right: each field, and both skill lists exactly.
    pub fn all_right(&self) -> bool {
        self.title
            && self.company
            && self.level
            && self.salary
            && self.categories.unwrap_or(true)
            && self.required.exact()
            && self.nice.exact()
    }
}

/// Scores one posting's extracted `value` (`None`: no valid value, every field wrong).
pub fn posting(expected: &PostingFacts, value: Option<&Value>, skills: &Skills) -> PostingScore {
    let keys = |names: &[String]| names.iter().map(|n| skills.key(n)).collect::<BTreeSet<_>>();
    let (required, nice) = (keys(&expected.required_skills), keys(&expected.nice_to_have_skills));
    let either_way = keys(&expected.other_skills_ok);
    let all_expected: BTreeSet<String> = required.union(&nice).cloned().collect();
    let Some(value) = value else {
        let missed = |set: &BTreeSet<String>| Prf { tp: 0, fp: 0, fn_: set.len() };
        return PostingScore {
            title: false,
            company: false,
            level: false,
            salary: false,
            categories: expected.categories.as_ref().map(|_| false),
            required: missed(&required),
            nice: missed(&nice),
            skills: missed(&all_expected),
        };
    };
    let (mut listed_required, mut listed_nice) = (BTreeSet::new(), BTreeSet::new());
    for skill in value.get("skills").and_then(Value::as_array).into_iter().flatten() {
        let Some(name) = skill.get("name").and_then(Value::as_str) else { continue };
        if skill.get("is_required").and_then(Value::as_bool).unwrap_or(false) {
            listed_required.insert(skills.key(name));
        } else {
            listed_nice.insert(skills.key(name));
        }
    }
    let listed_all: BTreeSet<String> = listed_required.union(&listed_nice).cloned().collect();
    PostingScore {
        title: one_of(string(value, "job_title"), &expected.job_title),
        company: match (&expected.company_name, string(value, "company_name")) {
            (None, None) => true,
            (Some(names), got) => one_of(got, names),
            (None, Some(_)) => false,
        },
        level: {
            let got = string(value, "experience_level").map(normalise::text);
            expected.experience_level.all().iter().any(|want| want.as_deref().map(normalise::text) == got)
        },
        salary: salary_matches(expected.salary.as_ref(), value.get("salary")),
        categories: expected
            .categories
            .as_ref()
            .map(|want| categories_match(want, &expected.categories_also_ok, value)),
        required: Prf::of(&listed_required, &required, &either_way),
        nice: Prf::of(&listed_nice, &nice, &either_way),
        skills: Prf::of(&listed_all, &all_expected, &either_way),
    }
}

/// A string field, `None` when null, missing or blank.
fn string<'v>(value: &'v Value, key: &str) -> Option<&'v str> {
    value.get(key).and_then(Value::as_str).filter(|s| !s.trim().is_empty())
}

fn one_of(got: Option<&str>, accepted: &[String]) -> bool {
    got.is_some_and(|got| accepted.iter().any(|a| normalise::text(a) == normalise::text(got)))
}

/// The listed categories hold every one `required` names and nothing outside
/// `required` and `also_ok`; when neither names any, the list must be empty.
fn categories_match(required: &[String], also_ok: &[String], value: &Value) -> bool {
    let listed: BTreeSet<String> = value
        .get("categories")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|c| c.get("label").and_then(Value::as_str))
        .map(normalise::text)
        .collect();
    let required: BTreeSet<String> = required.iter().map(|s| normalise::text(s)).collect();
    let allowed: BTreeSet<String> =
        required.iter().cloned().chain(also_ok.iter().map(|s| normalise::text(s))).collect();
    required.is_subset(&listed) && listed.is_subset(&allowed) && (allowed.is_empty() || !listed.is_empty())
}

/// Whether an extracted salary (`{"min_amount", "max_amount", "currency"}` or null)
/// says what the posting states.
///
/// - No stated pay: the value is null, or has neither amount.
/// - Stated pay: the currency equals after [`normalise::currency`], and the amounts
///   equal within 1 %, either as stated or converted to a year (12 months, 2,080
///   hours), both amounts the same way.
/// - A single figure (`min == max`): every amount given equals it, and at least one
///   is given.
/// - "Up to" (`min` null): the minimum is null too.
pub fn salary_matches(expected: Option<&ExpectedSalary>, got: Option<&Value>) -> bool {
    let got = got.filter(|v| !v.is_null());
    let amount = |key: &str| got.and_then(|v| v.get(key)).and_then(Value::as_f64);
    let (min, max) = (amount("min_amount"), amount("max_amount"));
    let Some(expected) = expected else {
        return min.is_none() && max.is_none();
    };
    let Some(currency) = got.and_then(|v| v.get("currency")).and_then(Value::as_str) else {
        return false;
    };
    if normalise::currency(currency) != normalise::currency(&expected.currency) {
        return false;
    }
    let factors = [1.0, expected.period.per_year()];
    factors.iter().any(|factor| {
        let scaled = |x: Option<f64>| x.map(|x| x * factor);
        let (want_min, want_max) = (scaled(expected.min), scaled(expected.max));
        match (want_min, want_max) {
            (Some(a), Some(b)) if a == b => {
                let given: Vec<f64> = [min, max].into_iter().flatten().collect();
                !given.is_empty() && given.iter().all(|g| close(*g, a))
            }
            _ => same_amount(min, want_min) && same_amount(max, want_max),
        }
    })
}

fn same_amount(got: Option<f64>, want: Option<f64>) -> bool {
    match (got, want) {
        (None, None) => true,
        (Some(got), Some(want)) => close(got, want),
        _ => false,
    }
}

fn close(got: f64, want: f64) -> bool {
    (got - want).abs() <= AMOUNT_TOLERANCE * want.abs()
}

/// How one ticket's triage compares with its facts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TicketScore {
    /// The priority is an accepted one.
    pub priority: bool,
    /// The category is an accepted one.
    pub category: bool,
}

impl TicketScore {
    /// The names of [`marks`](Self::marks), as the tables head their columns.
    pub const FIELDS: [&'static str; 3] = ["both right", "priority", "category"];

    /// Both fields right.
    pub fn both(&self) -> bool {
        self.priority && self.category
    }

    /// Each field right or wrong, in the order of [`FIELDS`](Self::FIELDS).
    pub fn marks(&self) -> [Option<bool>; 3] {
        [Some(self.both()), Some(self.priority), Some(self.category)]
    }
}

/// Scores one ticket's extracted `value` (`None`: no valid value, both wrong).
pub fn ticket(expected: &TicketFacts, value: Option<&Value>) -> TicketScore {
    let field = |key: &str, accepted: &[String]| {
        value
            .and_then(|v| string(v, key))
            .is_some_and(|got| accepted.iter().any(|a| normalise::text(a) == normalise::text(got)))
    };
    TicketScore {
        priority: field("priority", expected.priority.all()),
        category: field("category", expected.category.all()),
    }
}

/// What a run cost, summed over its items.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Costs {
    /// Items run.
    pub items: usize,
    /// Items with a valid value.
    pub valid: usize,
    /// Attempts over the items that report them.
    pub attempts: u64,
    /// Items that report attempts.
    pub with_attempts: usize,
    /// Prompt tokens over every item.
    pub prompt_tokens: u64,
    /// Completion tokens over every item.
    pub completion_tokens: u64,
    /// Milliseconds over every item.
    pub latency_ms: f64,
    /// Valid items whose reply parsed only after a repair (pluck's lenient reading).
    pub repaired: usize,
}

impl Costs {
    /// Adds one item.
    pub fn add(&mut self, item: &ItemResult) {
        self.items += 1;
        self.valid += usize::from(item.valid);
        self.repaired += usize::from(item.valid && item.repairs > 0);
        if let Some(attempts) = item.attempts {
            self.attempts += u64::from(attempts);
            self.with_attempts += 1;
        }
        self.prompt_tokens += item.prompt_tokens;
        self.completion_tokens += item.completion_tokens;
        self.latency_ms += item.latency_ms;
    }

    /// The share of items with a valid value.
    pub fn valid_rate(&self) -> f64 {
        ratio(self.valid, self.items)
    }

    /// Mean attempts per extraction.
    pub fn mean_attempts(&self) -> f64 {
        self.attempts as f64 / self.with_attempts.max(1) as f64
    }

    /// Mean prompt tokens per extraction.
    pub fn mean_prompt_tokens(&self) -> f64 {
        self.prompt_tokens as f64 / self.items.max(1) as f64
    }

    /// Mean completion tokens per extraction.
    pub fn mean_completion_tokens(&self) -> f64 {
        self.completion_tokens as f64 / self.items.max(1) as f64
    }

    /// Prompt tokens spent per valid extraction (failures' tokens included); `None`
    /// when nothing was valid.
    pub fn prompt_tokens_per_valid(&self) -> Option<f64> {
        (self.valid > 0).then(|| self.prompt_tokens as f64 / self.valid as f64)
    }

    /// Mean seconds per extraction.
    pub fn mean_latency_s(&self) -> f64 {
        self.latency_ms / 1000.0 / self.items.max(1) as f64
    }
}

/// A postings run's scores, summed.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PostingTotals {
    /// Every fact right.
    pub all_right: Tally,
    /// Per field.
    pub title: Tally,
    /// Company.
    pub company: Tally,
    /// Experience level.
    pub level: Tally,
    /// Salary.
    pub salary: Tally,
    /// Categories, over the items that score them.
    pub categories: Tally,
    /// Required skills, pooled over items.
    pub required: Prf,
    /// Nice-to-have skills, pooled over items.
    pub nice: Prf,
    /// Every skill, whatever its mark, pooled over items.
    pub skills: Prf,
}

impl PostingTotals {
    /// Adds one item's score.
    pub fn add(&mut self, score: &PostingScore) {
        self.all_right.add(score.all_right());
        self.title.add(score.title);
        self.company.add(score.company);
        self.level.add(score.level);
        self.salary.add(score.salary);
        if let Some(right) = score.categories {
            self.categories.add(right);
        }
        self.required += score.required;
        self.nice += score.nice;
        self.skills += score.skills;
    }
}

/// A tickets run's scores, summed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TicketTotals {
    /// Both right.
    pub both: Tally,
    /// Priority.
    pub priority: Tally,
    /// Category.
    pub category: Tally,
}

impl TicketTotals {
    /// Adds one item's score.
    pub fn add(&mut self, score: TicketScore) {
        self.both.add(score.both());
        self.priority.add(score.priority);
        self.category.add(score.category);
    }
}

#[cfg(test)]
#[path = "score_tests.rs"]
mod tests;
