//! Hand-made cases for the scoring rules.

use super::*;
use crate::data::{Accepted, Period, SkillFile};
use serde_json::json;

fn skills() -> Skills {
    let synonyms = [
        ("Kubernetes", vec!["k8s"]),
        ("JavaScript", vec!["JS"]),
        ("PostgreSQL", vec!["Postgres"]),
        ("Docker", vec![]),
        ("Python", vec![]),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.into_iter().map(str::to_owned).collect()))
    .collect();
    Skills::new(&SkillFile { synonyms }).unwrap()
}

fn strings(names: &[&str]) -> Vec<String> {
    names.iter().map(|s| s.to_string()).collect()
}

fn facts() -> PostingFacts {
    PostingFacts {
        job_title: strings(&["Senior Full-Stack Developer", "Full Stack Developer"]),
        company_name: Some(strings(&["Bramble & Co."])),
        experience_level: Accepted::One(Some("senior".to_owned())),
        salary: Some(ExpectedSalary {
            min: Some(150_000.0),
            max: Some(200_000.0),
            currency: "USD".into(),
            period: Period::Year,
        }),
        required_skills: strings(&["Kubernetes", "JavaScript"]),
        nice_to_have_skills: strings(&["PostgreSQL"]),
        other_skills_ok: strings(&["Docker"]),
        categories: Some(strings(&["engineering"])),
        categories_also_ok: strings(&["data"]),
    }
}

fn salary(min: Option<f64>, max: Option<f64>, currency: &str, period: Period) -> ExpectedSalary {
    ExpectedSalary { min, max, currency: currency.to_owned(), period }
}

fn got(min: Option<f64>, max: Option<f64>, currency: &str) -> Value {
    json!({"min_amount": min, "max_amount": max, "currency": currency})
}

#[test]
fn a_right_posting_scores_right_on_every_field() {
    let value = json!({
        "job_title": "  senior full stack   developer ",
        "company_name": "BRAMBLE & CO",
        "experience_level": "senior",
        "salary": {"min_amount": 150000.0, "max_amount": 201000.0, "currency": "$"},
        "skills": [
            {"name": "k8s", "is_required": true},
            {"name": "js", "is_required": true},
            {"name": "Postgres", "is_required": false},
            {"name": "Docker", "is_required": true}
        ],
        "categories": [{"label": "engineering", "confidence": 0.9, "evidence": "code"}],
        "overall_confidence": 0.9,
        "missing_fields": []
    });
    let score = posting(&facts(), Some(&value), &skills());
    assert!(score.all_right(), "{score:#?}");
    assert_eq!(score.required, Prf { tp: 2, fp: 0, fn_: 0 });
    assert_eq!(score.skills, Prf { tp: 3, fp: 0, fn_: 0 });
}

#[test]
fn skills_are_scored_by_canonical_name_and_by_mark() {
    let value = json!({
        "skills": [
            {"name": "Kubernetes", "is_required": true},
            {"name": "PostgreSQL", "is_required": true},
            {"name": "Haskell", "is_required": true},
            {"name": "JavaScript", "is_required": false}
        ]
    });
    let score = posting(&facts(), Some(&value), &skills());
    // Required: Kubernetes right, PostgreSQL and Haskell wrong, JavaScript missed.
    assert_eq!(score.required, Prf { tp: 1, fp: 2, fn_: 1 });
    // Nice to have: JavaScript wrong, PostgreSQL missed.
    assert_eq!(score.nice, Prf { tp: 0, fp: 1, fn_: 1 });
    // Whatever the mark: three of three expected found, Haskell extra.
    assert_eq!(score.skills, Prf { tp: 3, fp: 1, fn_: 0 });
    assert!((score.required.precision() - 1.0 / 3.0).abs() < 1e-9);
    assert!((score.required.recall() - 0.5).abs() < 1e-9);
    assert!((score.required.f1() - 0.4).abs() < 1e-9);
    assert!(!score.all_right());
}

#[test]
fn empty_skill_lists_agree() {
    let none = Prf::default();
    assert_eq!((none.precision(), none.recall(), none.f1()), (1.0, 1.0, 1.0));
    assert!(none.exact());
}

#[test]
fn without_a_value_every_field_is_wrong_and_every_skill_missed() {
    let score = posting(&facts(), None, &skills());
    assert!(!(score.title || score.company || score.level || score.salary));
    assert_eq!(score.categories, Some(false));
    assert_eq!(score.required, Prf { tp: 0, fp: 0, fn_: 2 });
    assert_eq!(score.skills, Prf { tp: 0, fp: 0, fn_: 3 });
}

#[test]
fn null_company_and_level_must_be_null() {
    let mut f = facts();
    f.company_name = None;
    f.experience_level = Accepted::One(None);
    let score = posting(&f, Some(&json!({"company_name": null, "experience_level": null})), &skills());
    assert!(score.company && score.level);
    let score = posting(&f, Some(&json!({"company_name": "Acme", "experience_level": "mid"})), &skills());
    assert!(!score.company && !score.level);
    f.experience_level = Accepted::Many(vec![Some("mid".to_owned()), None]);
    assert!(posting(&f, Some(&json!({"experience_level": "Mid"})), &skills()).level);
    assert!(posting(&f, Some(&json!({"experience_level": null})), &skills()).level);
    assert!(!posting(&f, Some(&json!({"experience_level": "senior"})), &skills()).level);
    let wrong_title = posting(&f, Some(&json!({"job_title": "Senior Developer"})), &skills());
    assert!(!wrong_title.title);
}

#[test]
fn categories_need_the_required_ones_and_nothing_outside_the_allowed() {
    let f = facts();
    let labels = |ls: &[&str]| json!({"categories": ls.iter().map(|l| json!({"label": l})).collect::<Vec<_>>()});
    let cat = |ls: &[&str]| posting(&f, Some(&labels(ls)), &skills()).categories;
    assert_eq!(cat(&["engineering"]), Some(true));
    assert_eq!(cat(&["engineering", "data"]), Some(true));
    assert_eq!(cat(&["data"]), Some(false));
    assert_eq!(cat(&["engineering", "design"]), Some(false));
    assert_eq!(cat(&[]), Some(false));
    let mut either = facts();
    either.categories = Some(vec![]);
    either.categories_also_ok = strings(&["engineering", "data"]);
    assert_eq!(posting(&either, Some(&labels(&["data"])), &skills()).categories, Some(true));
    assert_eq!(posting(&either, Some(&labels(&[])), &skills()).categories, Some(false));
    let mut none = facts();
    none.categories = Some(vec![]);
    none.categories_also_ok = vec![];
    assert_eq!(posting(&none, Some(&labels(&[])), &skills()).categories, Some(true));
    assert_eq!(posting(&none, Some(&labels(&["engineering"])), &skills()).categories, Some(false));
    let mut unscored = facts();
    unscored.categories = None;
    assert_eq!(posting(&unscored, Some(&labels(&["design"])), &skills()).categories, None);
}

#[test]
fn salary_amounts_match_within_one_percent_in_the_same_currency() {
    let want = salary(Some(150_000.0), Some(200_000.0), "USD", Period::Year);
    assert!(salary_matches(Some(&want), Some(&got(Some(150_000.0), Some(200_000.0), "usd"))));
    assert!(salary_matches(Some(&want), Some(&got(Some(151_400.0), Some(198_100.0), "$"))));
    assert!(!salary_matches(Some(&want), Some(&got(Some(152_000.0), Some(200_000.0), "USD"))));
    assert!(!salary_matches(Some(&want), Some(&got(Some(150_000.0), Some(200_000.0), "EUR"))));
    assert!(!salary_matches(Some(&want), Some(&got(Some(150_000.0), None, "USD"))));
    assert!(!salary_matches(Some(&want), Some(&Value::Null)));
    assert!(!salary_matches(Some(&want), None));
    let no_currency = json!({"min_amount": 150000, "max_amount": 200000});
    assert!(!salary_matches(Some(&want), Some(&no_currency)));
}

#[test]
fn no_stated_salary_accepts_null_or_no_amounts() {
    assert!(salary_matches(None, None));
    assert!(salary_matches(None, Some(&Value::Null)));
    assert!(salary_matches(None, Some(&got(None, None, "USD"))));
    assert!(!salary_matches(None, Some(&got(Some(2_000_000.0), None, "USD"))));
}

#[test]
fn hourly_and_monthly_pay_match_as_stated_or_per_year() {
    let hourly = salary(Some(22.0), Some(28.0), "USD", Period::Hour);
    assert!(salary_matches(Some(&hourly), Some(&got(Some(22.0), Some(28.0), "USD"))));
    assert!(salary_matches(Some(&hourly), Some(&got(Some(45_760.0), Some(58_240.0), "USD"))));
    // Both amounts the same way, not one hourly and one yearly.
    assert!(!salary_matches(Some(&hourly), Some(&got(Some(22.0), Some(58_240.0), "USD"))));
    let monthly = salary(Some(4_500.0), Some(6_000.0), "EUR", Period::Month);
    assert!(salary_matches(Some(&monthly), Some(&got(Some(54_000.0), Some(72_000.0), "€"))));
    assert!(!salary_matches(Some(&monthly), Some(&got(Some(4_500.0 * 2080.0), Some(6_000.0 * 2080.0), "EUR"))));
}

#[test]
fn a_single_figure_may_fill_either_amount_or_both() {
    let single = salary(Some(72_000.0), Some(72_000.0), "GBP", Period::Year);
    assert!(salary_matches(Some(&single), Some(&got(Some(72_000.0), Some(72_000.0), "£"))));
    assert!(salary_matches(Some(&single), Some(&got(Some(72_000.0), None, "GBP"))));
    assert!(salary_matches(Some(&single), Some(&got(None, Some(72_000.0), "GBP"))));
    assert!(!salary_matches(Some(&single), Some(&got(None, None, "GBP"))));
    assert!(!salary_matches(Some(&single), Some(&got(Some(60_000.0), Some(72_000.0), "GBP"))));
}

#[test]
fn up_to_needs_a_null_minimum() {
    let up_to = salary(None, Some(260_000.0), "USD", Period::Year);
    assert!(salary_matches(Some(&up_to), Some(&got(None, Some(260_000.0), "USD"))));
    assert!(!salary_matches(Some(&up_to), Some(&got(Some(0.0), Some(260_000.0), "USD"))));
    assert!(!salary_matches(Some(&up_to), Some(&got(Some(260_000.0), Some(260_000.0), "USD"))));
}

#[test]
fn tickets_accept_any_listed_answer_in_any_case() {
    let facts = TicketFacts {
        priority: Accepted::Many(strings(&["critical", "high"])),
        category: Accepted::One("account".to_owned()),
    };
    let score = |v: Value| ticket(&facts, Some(&v));
    assert_eq!(
        score(json!({"priority": "High", "category": "ACCOUNT"})),
        TicketScore { priority: true, category: true }
    );
    assert_eq!(
        score(json!({"priority": "low", "category": "billing"})),
        TicketScore { priority: false, category: false }
    );
    assert_eq!(ticket(&facts, None), TicketScore { priority: false, category: false });
    let mut totals = TicketTotals::default();
    totals.add(TicketScore { priority: true, category: true });
    totals.add(TicketScore { priority: true, category: false });
    assert_eq!(totals.both, Tally { right: 1, scored: 2 });
    assert_eq!(totals.priority.rate(), Some(1.0));
    assert_eq!(totals.category.rate(), Some(0.5));
}

#[test]
fn costs_are_means_per_extraction() {
    let item = |valid, attempts, prompt, completion, latency_ms| ItemResult {
        id: "x".into(),
        valid,
        attempts,
        prompt_tokens: prompt,
        completion_tokens: completion,
        latency_ms,
        value: None,
        error: None,
        repairs: 0,
    };
    let mut costs = Costs::default();
    costs.add(&item(true, Some(1), 100, 40, 1000.0));
    costs.add(&item(false, Some(4), 500, 160, 5000.0));
    costs.add(&item(false, None, 0, 0, 30.0));
    assert_eq!((costs.items, costs.valid), (3, 1));
    assert!((costs.valid_rate() - 1.0 / 3.0).abs() < 1e-9);
    assert_eq!(costs.mean_attempts(), 2.5);
    assert_eq!(costs.mean_prompt_tokens(), 200.0);
    assert_eq!(costs.mean_completion_tokens(), 200.0 / 3.0);
    assert_eq!(costs.prompt_tokens_per_valid(), Some(600.0));
    assert!((costs.mean_latency_s() - 2.01).abs() < 1e-9);
    assert_eq!(Costs::default().prompt_tokens_per_valid(), None);
}
