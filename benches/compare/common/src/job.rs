//! The blog's job-posting types as plain `serde` + `schemars` types (the same fields,
//! docs and schema bounds as `examples/types/job.rs`), and their rules as one function,
//! for libraries that validate with a closure or a trait method.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// How senior the role is.
#[derive(Serialize, Deserialize, JsonSchema, Debug, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum ExperienceLevel {
    /// Entry level or junior.
    Entry,
    /// Mid level.
    Mid,
    /// Senior, staff or principal.
    Senior,
}

/// The pay range the posting states.
#[derive(Serialize, Deserialize, JsonSchema, Debug, Clone, PartialEq)]
pub struct SalaryRange {
    /// Lowest yearly amount, if stated.
    #[schemars(range(min = 0))]
    pub min_amount: Option<f64>,
    /// Highest yearly amount, if stated.
    #[schemars(range(min = 0))]
    pub max_amount: Option<f64>,
    /// ISO 4217 currency code, such as USD.
    #[schemars(length(min = 3, max = 3))]
    pub currency: String,
}

/// A job family.
#[derive(Serialize, Deserialize, JsonSchema, Debug, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum CategoryLabel {
    /// Software and infrastructure engineering.
    Engineering,
    /// Data science, analytics and data engineering.
    Data,
    /// Product management.
    Product,
    /// Design and research.
    Design,
}

/// One category the posting belongs to, with the evidence for it.
#[derive(Serialize, Deserialize, JsonSchema, Debug, Clone, PartialEq)]
pub struct JobCategory {
    /// The category.
    pub label: CategoryLabel,
    /// How sure, from 0 to 1.
    #[schemars(range(min = 0, max = 1))]
    pub confidence: f64,
    /// Why this category applies.
    pub evidence: String,
}

/// A skill the posting asks for.
#[derive(Serialize, Deserialize, JsonSchema, Debug, Clone, PartialEq)]
pub struct Skill {
    /// The skill, such as "Python" or "Kubernetes".
    pub name: String,
    /// True if required, false if nice-to-have.
    pub is_required: bool,
}

/// What a job posting says, as far as the text supports it.
#[derive(Serialize, Deserialize, JsonSchema, Debug, Clone, PartialEq)]
pub struct JobPostingAnalysis {
    /// The job title, if stated.
    pub job_title: Option<String>,
    /// The hiring company, if stated.
    pub company_name: Option<String>,
    /// The seniority, if it can be told.
    pub experience_level: Option<ExperienceLevel>,
    /// The pay range, if stated.
    pub salary: Option<SalaryRange>,
    /// Skills asked for, each once.
    pub skills: Vec<Skill>,
    /// Job families the posting belongs to.
    pub categories: Vec<JobCategory>,
    /// How complete and certain the extraction is, from 0 to 1.
    #[schemars(range(min = 0, max = 1))]
    pub overall_confidence: f64,
    /// Names of the fields the posting does not state.
    pub missing_fields: Vec<String>,
}

/// The rules pluck's derive checks on `examples/types/job.rs` (ranges, currency
/// length, skills unique by name ignoring case, min not above max, confidence
/// honesty), as one function: every broken rule, one line each.
///
/// # Errors
/// The list of broken rules.
pub fn check(job: &JobPostingAnalysis) -> Result<(), String> {
    let mut errors = Vec::new();
    let mut range = |path: String, value: f64, max: Option<f64>| {
        if value < 0.0 {
            errors.push(format!("{path}: must be at least 0, got {value}"));
        }
        if let Some(max) = max.filter(|max| value > *max) {
            errors.push(format!("{path}: must be at most {max}, got {value}"));
        }
    };
    if let Some(salary) = &job.salary {
        if let Some(min) = salary.min_amount {
            range("salary.min_amount".to_owned(), min, None);
        }
        if let Some(max) = salary.max_amount {
            range("salary.max_amount".to_owned(), max, None);
        }
    }
    for (i, category) in job.categories.iter().enumerate() {
        range(format!("categories[{i}].confidence"), category.confidence, Some(1.0));
    }
    range("overall_confidence".to_owned(), job.overall_confidence, Some(1.0));
    if let Some(salary) = &job.salary {
        let length = salary.currency.chars().count();
        if length != 3 {
            errors.push(format!("salary.currency: must be exactly 3 characters long, got {length}"));
        }
        if let (Some(min), Some(max)) = (salary.min_amount, salary.max_amount) {
            if min > max {
                errors.push(format!("salary: min_amount ({min}) cannot exceed max_amount ({max})"));
            }
        }
    }
    for (i, skill) in job.skills.iter().enumerate() {
        if job.skills[..i].iter().any(|s| s.name.eq_ignore_ascii_case(&skill.name)) {
            errors.push(format!("skills[{i}].name: duplicate value {:?}", skill.name));
        }
    }
    let filled = [job.job_title.is_some(), job.experience_level.is_some()].iter().filter(|f| **f).count();
    if job.overall_confidence > 0.8 && (filled as f64) / 2.0 < 0.5 {
        errors
            .push(format!("Confidence {} too high when only {filled}/2 key fields extracted", job.overall_confidence));
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors.join("\n"))
    }
}
