//! The job-posting types of the blog post "Validation & Testing LLM Outputs", in Rust.

use pluck::Extract;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// How senior the role is.
#[derive(Extract, Serialize, Deserialize, JsonSchema, Debug, Clone, Copy, PartialEq, Eq)]
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
#[derive(Extract, Serialize, Deserialize, JsonSchema, Debug, Clone, PartialEq)]
#[extract(validate = Self::validate_range)]
pub struct SalaryRange {
    /// Lowest yearly amount, if stated.
    #[serde(default)]
    #[extract(range(min = 0))]
    pub min_amount: Option<f64>,
    /// Highest yearly amount, if stated.
    #[serde(default)]
    #[extract(range(min = 0))]
    pub max_amount: Option<f64>,
    /// ISO 4217 currency code, such as USD.
    #[extract(length(min = 3, max = 3))]
    pub currency: String,
}

impl SalaryRange {
    /// The minimum may not exceed the maximum.
    pub fn validate_range(&self) -> Result<(), String> {
        match (self.min_amount, self.max_amount) {
            (Some(min), Some(max)) if min > max => Err(format!("min_amount ({min}) cannot exceed max_amount ({max})")),
            _ => Ok(()),
        }
    }
}

/// A job family.
#[derive(Extract, Serialize, Deserialize, JsonSchema, Debug, Clone, Copy, PartialEq, Eq)]
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
#[derive(Extract, Serialize, Deserialize, JsonSchema, Debug, Clone, PartialEq)]
pub struct JobCategory {
    /// The category.
    pub label: CategoryLabel,
    /// How sure, from 0 to 1.
    #[extract(range(min = 0, max = 1))]
    pub confidence: f64,
    /// Why this category applies, in one sentence.
    #[extract(length(max = 200))]
    pub evidence: String,
}

/// A skill the posting asks for.
#[derive(Extract, Serialize, Deserialize, JsonSchema, Debug, Clone, PartialEq)]
pub struct Skill {
    /// The skill, such as "Python" or "Kubernetes".
    pub name: String,
    /// True if required, false if nice-to-have.
    pub is_required: bool,
}

/// What a job posting says, as far as the text supports it.
#[derive(Extract, Serialize, Deserialize, JsonSchema, Debug, Clone, PartialEq)]
#[extract(validate = Self::check_confidence_honesty)]
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
    #[extract(dedup_by(name, ignore_case), length(max = 20))]
    pub skills: Vec<Skill>,
    /// Job families the posting belongs to, each at most once.
    #[extract(length(max = 4))]
    pub categories: Vec<JobCategory>,
    /// How complete and certain the extraction is, from 0 to 1.
    #[extract(range(min = 0, max = 1))]
    pub overall_confidence: f64,
    /// Names of the fields the posting does not state.
    #[extract(length(max = 8))]
    pub missing_fields: Vec<String>,
}

impl JobPostingAnalysis {
    /// Confidence above 0.8 needs at least half of the key fields (title, level).
    pub fn check_confidence_honesty(&self) -> Result<(), String> {
        let key_fields = [self.job_title.is_some(), self.experience_level.is_some()];
        let filled = key_fields.iter().filter(|f| **f).count();
        let completeness = filled as f64 / key_fields.len() as f64;
        if self.overall_confidence > 0.8 && completeness < 0.5 {
            return Err(format!(
                "Confidence {} too high when only {filled}/{} key fields extracted",
                self.overall_confidence,
                key_fields.len()
            ));
        }
        Ok(())
    }

    /// The names of the required skills.
    pub fn required_skills(&self) -> Vec<&str> {
        self.skills.iter().filter(|s| s.is_required).map(|s| s.name.as_str()).collect()
    }

    /// An analysis with nothing extracted, at the given confidence.
    pub fn empty(overall_confidence: f64) -> Self {
        JobPostingAnalysis {
            job_title: None,
            company_name: None,
            experience_level: None,
            salary: None,
            skills: Vec::new(),
            categories: Vec::new(),
            overall_confidence,
            missing_fields: Vec::new(),
        }
    }
}

/// The posting the examples and tests read.
pub const SAMPLE_POSTING: &str = "Senior Software Engineer at TechCorp\n\
Salary: $150,000 - $200,000 per year\n\
Requirements: Python, Kubernetes, AWS. Nice to have: Terraform.\n\
You will design and run data pipelines and the services around them.";
