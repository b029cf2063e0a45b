//! Scores whole runs against the data, and shows them: a summary per run on the
//! terminal, and one Markdown table per set with a row per library and mode.

use crate::data::{self, DataError, PostingFacts, Set, SetName, SkillFile, TicketFacts};
use crate::normalise::Skills;
use crate::results::{ItemResult, RunFile};
use crate::score::{self, Costs, PostingScore, PostingTotals, Prf, Tally, TicketScore, TicketTotals};
use std::collections::HashMap;
use std::fmt::Write as _;
use std::path::Path;

/// The labelled data every run is scored against.
pub struct Data {
    /// The job postings.
    pub postings: Set<PostingFacts>,
    /// The support tickets.
    pub tickets: Set<TicketFacts>,
    /// The skill-name synonyms.
    pub skills: Skills,
}

impl Data {
    /// Loads `dir`'s sets and synonyms, and checks that every expected skill is
    /// written in its canonical form.
    ///
    /// # Errors
    /// When a file cannot be read or parsed, or the data contradicts itself.
    pub fn load(dir: &Path) -> Result<Data, DataError> {
        let skills_path = dir.join("skills.json");
        let file: SkillFile = data::read_json(&skills_path)?;
        let inconsistent = |message| DataError::Inconsistent { path: skills_path.clone(), message };
        let skills = Skills::new(&file).map_err(inconsistent)?;
        let postings: Set<PostingFacts> = data::load_set(dir, SetName::Postings, "JobPostingAnalysis")?;
        for item in &postings.items {
            let e = &item.expected;
            let names = e.required_skills.iter().chain(&e.nice_to_have_skills).chain(&e.other_skills_ok);
            if let Some(alias) = names.into_iter().find(|n| !skills.is_canonical(n)) {
                return Err(DataError::Inconsistent {
                    path: SetName::Postings.file(dir),
                    message: format!("{}: {alias:?} is an alias; write its canonical name", item.id),
                });
            }
        }
        let tickets = data::load_set(dir, SetName::Tickets, "SupportTriage")?;
        Ok(Data { postings, tickets, skills })
    }
}

/// A run's scores.
#[derive(Debug, Clone)]
pub enum Totals {
    /// Of a postings run.
    Postings(PostingTotals),
    /// Of a tickets run.
    Tickets(TicketTotals),
}

/// One run, scored.
#[derive(Debug, Clone)]
pub struct RunScore {
    /// The library.
    pub library: String,
    /// Its mode.
    pub mode: String,
    /// The model.
    pub model: String,
    /// The set.
    pub set: SetName,
    /// What it cost.
    pub costs: Costs,
    /// How right it was.
    pub totals: Totals,
}

/// One item's score, of either set.
#[derive(Debug, Clone, PartialEq)]
pub enum ItemScore {
    /// A posting's.
    Posting(PostingScore),
    /// A ticket's.
    Ticket(TicketScore),
}

impl ItemScore {
    /// Each field right or wrong (`None` where the item does not score it), named as
    /// the tables name it.
    pub fn marks(&self) -> Vec<(&'static str, Option<bool>)> {
        match self {
            ItemScore::Posting(s) => PostingScore::FIELDS.into_iter().zip(s.marks()).collect(),
            ItemScore::Ticket(s) => TicketScore::FIELDS.into_iter().zip(s.marks()).collect(),
        }
    }
}

/// Scores results item by item, each against the facts of the item of its id.
pub struct Scorer<'d> {
    data: &'d Data,
    postings: HashMap<&'d str, &'d PostingFacts>,
    tickets: HashMap<&'d str, &'d TicketFacts>,
}

impl<'d> Scorer<'d> {
    /// Indexes `data`'s items by id.
    pub fn new(data: &'d Data) -> Scorer<'d> {
        let postings = data.postings.items.iter().map(|i| (i.id.as_str(), &i.expected)).collect();
        let tickets = data.tickets.items.iter().map(|i| (i.id.as_str(), &i.expected)).collect();
        Scorer { data, postings, tickets }
    }

    /// Scores `result`, a posting of `run`.
    ///
    /// # Errors
    /// When the set holds no item of that id.
    pub fn posting(&self, run: &RunFile, result: &ItemResult) -> Result<PostingScore, String> {
        let expected = self.postings.get(result.id.as_str()).ok_or_else(|| unknown(run, &result.id))?;
        Ok(score::posting(expected, result.scored_value(), &self.data.skills))
    }

    /// Scores `result`, a ticket of `run`.
    ///
    /// # Errors
    /// When the set holds no item of that id.
    pub fn ticket(&self, run: &RunFile, result: &ItemResult) -> Result<TicketScore, String> {
        let expected = self.tickets.get(result.id.as_str()).ok_or_else(|| unknown(run, &result.id))?;
        Ok(score::ticket(expected, result.scored_value()))
    }

    /// Scores `result`, an item of `run`'s set.
    ///
    /// # Errors
    /// When the set holds no item of that id.
    pub fn score(&self, run: &RunFile, result: &ItemResult) -> Result<ItemScore, String> {
        Ok(match run.set {
            SetName::Postings => ItemScore::Posting(self.posting(run, result)?),
            SetName::Tickets => ItemScore::Ticket(self.ticket(run, result)?),
        })
    }
}

/// Scores every item of `run`.
///
/// # Errors
/// When the run names an item the set does not hold.
pub fn score_run(run: &RunFile, data: &Data) -> Result<RunScore, String> {
    let scorer = Scorer::new(data);
    let mut costs = Costs::default();
    let totals = match run.set {
        SetName::Postings => {
            let mut totals = PostingTotals::default();
            for result in &run.items {
                let score = scorer.posting(run, result)?;
                costs.add(result);
                totals.add(&score);
            }
            Totals::Postings(totals)
        }
        SetName::Tickets => {
            let mut totals = TicketTotals::default();
            for result in &run.items {
                let score = scorer.ticket(run, result)?;
                costs.add(result);
                totals.add(score);
            }
            Totals::Tickets(totals)
        }
    };
    Ok(RunScore {
        library: run.library.clone(),
        mode: run.mode.clone(),
        model: run.model.clone(),
        set: run.set,
        costs,
        totals,
    })
}

fn unknown(run: &RunFile, id: &str) -> String {
    format!("{} {} names the item {id:?}, which the {} set does not hold", run.library, run.mode, run.set)
}

fn percent(tally: Tally) -> String {
    match tally.rate() {
        Some(rate) => format!("{:.1}%", rate * 100.0),
        None => "–".to_owned(),
    }
}

fn prf(p: Prf) -> String {
    format!("{:.2}/{:.2}/{:.2}", p.precision(), p.recall(), p.f1())
}

/// The terminal summary of one run.
pub fn summary(score: &RunScore) -> String {
    let c = &score.costs;
    let mut out = format!(
        "{} {} on {} ({} items, model {})\n  valid {}/{} ({:.1}%, {} repaired), per extraction: {:.2} attempts, {:.0} prompt + {:.0} completion tokens, {:.2} s",
        score.library,
        score.mode,
        score.set,
        c.items,
        score.model,
        c.valid,
        c.items,
        c.valid_rate() * 100.0,
        c.repaired,
        c.mean_attempts(),
        c.mean_prompt_tokens(),
        c.mean_completion_tokens(),
        c.mean_latency_s(),
    );
    match &score.totals {
        Totals::Postings(t) => {
            let _ = write!(
                out,
                "\n  all facts right {}; job_title {}, company_name {}, experience_level {}, salary {}, categories {}\n  skills P/R/F1: required {}, nice-to-have {}, all {}",
                percent(t.all_right),
                percent(t.title),
                percent(t.company),
                percent(t.level),
                percent(t.salary),
                percent(t.categories),
                prf(t.required),
                prf(t.nice),
                prf(t.skills),
            );
        }
        Totals::Tickets(t) => {
            let _ = write!(
                out,
                "\n  both right {}; priority {}, category {}",
                percent(t.both),
                percent(t.priority),
                percent(t.category)
            );
        }
    }
    out
}

/// The Markdown tables: one per set present, a row per run, in the order given.
pub fn markdown(scores: &[RunScore]) -> String {
    let mut postings = Vec::new();
    let mut tickets = Vec::new();
    for s in scores {
        let mut row = vec![s.library.clone(), s.mode.clone(), s.model.clone(), s.costs.items.to_string()];
        row.push(format!("{:.1}%", s.costs.valid_rate() * 100.0));
        match &s.totals {
            Totals::Postings(t) => {
                row.extend([t.all_right, t.title, t.company, t.level, t.salary, t.categories].map(percent));
                row.extend([t.required, t.nice, t.skills].map(|p| format!("{:.2}", p.f1())));
                row.extend(cost_cells(&s.costs));
                postings.push(row);
            }
            Totals::Tickets(t) => {
                row.extend([t.both, t.priority, t.category].map(percent));
                row.extend(cost_cells(&s.costs));
                tickets.push(row);
            }
        }
    }
    let lead = ["library", "mode", "model", "items", "valid"];
    let costs = ["attempts", "prompt tok", "completion tok", "prompt tok per valid", "latency s"];
    let mut out = String::new();
    let skills = ["required skills F1", "nice-to-have F1", "skills F1"];
    table(&mut out, "Job postings", &[&lead[..], &PostingScore::FIELDS, &skills, &costs].concat(), &postings);
    table(&mut out, "Support tickets", &[&lead[..], &TicketScore::FIELDS, &costs].concat(), &tickets);
    out
}

/// The cost columns of a row.
fn cost_cells(c: &Costs) -> [String; 5] {
    [
        format!("{:.2}", c.mean_attempts()),
        format!("{:.0}", c.mean_prompt_tokens()),
        format!("{:.0}", c.mean_completion_tokens()),
        c.prompt_tokens_per_valid().map_or("–".to_owned(), |t| format!("{t:.0}")),
        format!("{:.1}", c.mean_latency_s()),
    ]
}

/// Appends a titled Markdown table, unless it has no rows. The first three columns
/// are text, the rest figures (right-aligned).
fn table(out: &mut String, title: &str, header: &[&str], rows: &[Vec<String>]) {
    if rows.is_empty() {
        return;
    }
    let line = |cells: &mut dyn Iterator<Item = &str>| format!("| {} |\n", cells.collect::<Vec<_>>().join(" | "));
    let _ = write!(out, "### {title}\n\n");
    out.push_str(&line(&mut header.iter().copied()));
    out.push_str(&line(&mut (0..header.len()).map(|i| if i < 3 { "---" } else { "---:" })));
    for row in rows {
        out.push_str(&line(&mut row.iter().map(String::as_str)));
    }
    out.push('\n');
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn data() -> Data {
        Data::load(&Path::new(env!("CARGO_MANIFEST_DIR")).join("eval")).unwrap()
    }

    fn item(id: &str, value: Option<serde_json::Value>) -> ItemResult {
        ItemResult {
            id: id.to_owned(),
            valid: value.is_some(),
            attempts: Some(if value.is_some() { 1 } else { 4 }),
            prompt_tokens: 1000,
            completion_tokens: 200,
            latency_ms: 2000.0,
            value,
            error: None,
            repairs: 0,
        }
    }

    #[test]
    fn runs_score_by_id_and_tabulate_per_set() {
        let data = data();
        let ticket = |library: &str, value| RunFile {
            library: library.to_owned(),
            mode: "tools".to_owned(),
            model: "m".to_owned(),
            set: SetName::Tickets,
            items: vec![item("t01", value), item("t02", None)],
        };
        let right = json!({"reasoning": "locked out", "priority": "critical", "category": "account"});
        let scores = [
            score_run(&ticket("pluck", Some(right)), &data).unwrap(),
            score_run(&ticket("instructor", None), &data).unwrap(),
        ];
        let table = markdown(&scores);
        let lines: Vec<&str> = table.lines().collect();
        assert_eq!(lines[0], "### Support tickets");
        assert!(lines[2].starts_with("| library | mode | model | items | valid | both right |"), "{table}");
        assert!(lines[3].starts_with("| --- | --- | --- | ---: |"), "{table}");
        assert_eq!(
            lines[4],
            "| pluck | tools | m | 2 | 50.0% | 50.0% | 50.0% | 50.0% | 2.50 | 1000 | 200 | 2000 | 2.0 |"
        );
        assert_eq!(
            lines[5],
            "| instructor | tools | m | 2 | 0.0% | 0.0% | 0.0% | 0.0% | 4.00 | 1000 | 200 | – | 2.0 |"
        );
        assert!(!table.contains("Job postings"));
        let mut stray = ticket("pluck", None);
        stray.items[0].id = "t999".to_owned();
        assert!(score_run(&stray, &data).unwrap_err().contains("t999"));
    }

    #[test]
    fn an_invalid_reply_is_not_scored_even_with_a_value() {
        let data = data();
        let mut result = item("t01", Some(json!({"priority": "critical", "category": "account"})));
        result.valid = false;
        let run = RunFile {
            library: "x".into(),
            mode: "y".into(),
            model: "m".into(),
            set: SetName::Tickets,
            items: vec![result],
        };
        let Totals::Tickets(t) = score_run(&run, &data).unwrap().totals else { panic!("a tickets run") };
        assert_eq!(t.both.right, 0);
    }
}
