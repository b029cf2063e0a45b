//! The labelled sets in `eval/`: the items, their expected facts, and the skill-name
//! synonyms. See `eval/README.md` for the format.

use serde::Deserialize;
use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

/// Which set a run covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum SetName {
    /// Job postings, extracted as `JobPostingAnalysis`.
    Postings,
    /// Support tickets, triaged as `SupportTriage`.
    Tickets,
}

impl SetName {
    /// The set named on the command line.
    pub fn parse(name: &str) -> Option<SetName> {
        match name {
            "postings" => Some(SetName::Postings),
            "tickets" => Some(SetName::Tickets),
            _ => None,
        }
    }

    /// The set's file in the data folder.
    pub fn file(self, dir: &Path) -> PathBuf {
        dir.join(format!("{self}.json"))
    }
}

impl fmt::Display for SetName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            SetName::Postings => "postings",
            SetName::Tickets => "tickets",
        })
    }
}

/// One set: the prompt every item is sent with, and the items.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Set<F> {
    /// The set's name.
    pub set: SetName,
    /// The Rust type the items are extracted as.
    #[serde(rename = "type")]
    pub type_name: String,
    /// The system prompt.
    pub system: String,
    /// Text put before each item's text in the user message.
    #[serde(default)]
    pub user_prefix: String,
    /// The items, in order.
    pub items: Vec<Item<F>>,
}

impl<F> Set<F> {
    /// The user message for `item`.
    pub fn user_message(&self, item: &Item<F>) -> String {
        format!("{}{}", self.user_prefix, item.text.joined())
    }
}

/// One item and its expected facts.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Item<F> {
    /// Unique within the set.
    pub id: String,
    /// The text the model reads.
    pub text: Text,
    /// What a correct extraction says.
    pub expected: F,
    /// What the item tests (no salary, hourly pay, ...), for people reading the data.
    #[serde(default)]
    #[allow(dead_code)]
    pub shape: Vec<String>,
    /// Why the expected facts are what they are, where it needs saying.
    #[serde(default)]
    #[allow(dead_code)]
    pub why: Option<String>,
}

/// An item's text: one string, or its lines.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub enum Text {
    /// The whole text.
    One(String),
    /// Lines, joined with `\n`.
    Lines(Vec<String>),
}

impl Text {
    /// The text as the model reads it.
    pub fn joined(&self) -> String {
        match self {
            Text::One(text) => text.clone(),
            Text::Lines(lines) => lines.join("\n"),
        }
    }
}

/// One accepted answer, or a list of them.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(untagged)]
pub enum Accepted<T> {
    /// Any of these.
    Many(Vec<T>),
    /// Only this.
    One(T),
}

impl<T> Accepted<T> {
    /// Every accepted answer.
    pub fn all(&self) -> &[T] {
        match self {
            Accepted::Many(many) => many,
            Accepted::One(one) => std::slice::from_ref(one),
        }
    }
}

/// What a job posting says.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PostingFacts {
    /// Accepted titles.
    pub job_title: Vec<String>,
    /// Accepted company names, or null when the posting names none.
    pub company_name: Option<Vec<String>>,
    /// `entry`, `mid`, `senior` or null, or a list of accepted ones.
    pub experience_level: Accepted<Option<String>>,
    /// The pay, as stated; null when the posting states none.
    pub salary: Option<ExpectedSalary>,
    /// Canonical names of the skills the posting requires.
    pub required_skills: Vec<String>,
    /// Canonical names of the skills it calls nice to have.
    pub nice_to_have_skills: Vec<String>,
    /// Skills an extraction may list or leave out, either way right.
    #[serde(default)]
    pub other_skills_ok: Vec<String>,
    /// Categories a right extraction must list; absent when not scored.
    #[serde(default)]
    pub categories: Option<Vec<String>>,
    /// Categories it may also list.
    #[serde(default)]
    pub categories_also_ok: Vec<String>,
}

/// The pay a posting states, in the period it states it in.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ExpectedSalary {
    /// The lowest amount; null for "up to".
    pub min: Option<f64>,
    /// The highest amount; equal to `min` for a single figure.
    pub max: Option<f64>,
    /// ISO 4217 code.
    pub currency: String,
    /// What the amounts are per.
    #[serde(default)]
    pub period: Period,
}

/// What a stated amount is per.
#[derive(Debug, Clone, Copy, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum Period {
    /// Per year.
    #[default]
    Year,
    /// Per month: 12 to a year.
    Month,
    /// Per hour: 2,080 to a year (40 hours, 52 weeks).
    Hour,
}

impl Period {
    /// Amounts in this period per yearly amount.
    pub fn per_year(self) -> f64 {
        match self {
            Period::Year => 1.0,
            Period::Month => 12.0,
            Period::Hour => 2080.0,
        }
    }
}

/// What a ticket's triage should say.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TicketFacts {
    /// Accepted priorities.
    pub priority: Accepted<String>,
    /// Accepted categories.
    pub category: Accepted<String>,
}

/// The skill-name synonyms: canonical name to its other spellings.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SkillFile {
    /// Canonical name to aliases.
    pub synonyms: BTreeMap<String, Vec<String>>,
}

/// Why the data could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum DataError {
    /// The file could not be read.
    #[error("cannot read {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The file is not what the format says.
    #[error("{path} is not a valid data file: {source}")]
    Format {
        /// The file.
        path: PathBuf,
        /// Where and why.
        source: serde_json::Error,
    },
    /// Something in the data contradicts itself.
    #[error("{path}: {message}")]
    Inconsistent {
        /// The file.
        path: PathBuf,
        /// What.
        message: String,
    },
}

/// Reads and parses a JSON file.
pub fn read_json<T: serde::de::DeserializeOwned>(path: &Path) -> Result<T, DataError> {
    let text = std::fs::read_to_string(path).map_err(|source| DataError::Read { path: path.to_owned(), source })?;
    serde_json::from_str(&text).map_err(|source| DataError::Format { path: path.to_owned(), source })
}

/// Loads a set and checks that its name, type and ids are what they should be.
pub fn load_set<F: serde::de::DeserializeOwned>(
    dir: &Path,
    name: SetName,
    type_name: &str,
) -> Result<Set<F>, DataError> {
    let path = name.file(dir);
    let set: Set<F> = read_json(&path)?;
    let inconsistent = |message: String| DataError::Inconsistent { path: path.clone(), message };
    if set.set != name {
        return Err(inconsistent(format!("the file holds the set {}, not {name}", set.set)));
    }
    if set.type_name != type_name {
        return Err(inconsistent(format!("the set is for {}, not {type_name}", set.type_name)));
    }
    let mut ids = std::collections::BTreeSet::new();
    for item in &set.items {
        if !ids.insert(item.id.as_str()) {
            return Err(inconsistent(format!("the id {} is used twice", item.id)));
        }
    }
    Ok(set)
}
