//! The main job: extracts a `JobPostingAnalysis` from a job posting, shows the fields as
//! the model writes them, and prints a short summary (or the JSON, with `--json`).
//!
//! The provider comes from the environment (or a `.env` file), as `Client::from_env`
//! reads it: `OPENAI_API_KEY` for OpenAI, or `OPENAI_BASE_URL` with
//! `PLUCK_PROVIDER=llamacpp` for a local llama.cpp server (`scripts/job` starts one).
//!
//! ```text
//! cargo run --example job_posting                          # the sample posting
//! cargo run --example job_posting -- posting.txt           # a posting from a file
//! cargo run --example job_posting -- --json posting.txt    # the JSON, for scripts
//! ```
//!
//! Progress goes to stderr: one line redrawn in place on a terminal, plain lines (no
//! escape codes) otherwise. The result goes to stdout. Exit codes: 0 a valid value, 1
//! no valid value (the re-asks ran out, or the provider failed), 2 a configuration or
//! input problem.

#[path = "types/job.rs"]
#[allow(dead_code)]
mod job;

use futures_util::StreamExt;
use job::{JobPostingAnalysis, JobPostingAnalysisPartial};
use pluck::stream::Update;
use pluck::{Error, Extracted};
use std::io::{IsTerminal, Write};
use std::process::ExitCode;
use std::time::{Duration, Instant};

const USAGE: &str = "usage: job_posting [--json] [POSTING_FILE]";

const SYSTEM: &str =
    "You analyse job postings. Extract only what the posting states; list the fields it does not state in missing_fields.";

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    let (json, path) = match arguments() {
        Ok(parsed) => parsed,
        Err(message) => {
            eprintln!("{message}\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    let posting = match path.as_deref().map(read_posting).transpose() {
        Ok(posting) => posting.unwrap_or_else(|| job::SAMPLE_POSTING.to_owned()),
        Err(message) => {
            eprintln!("{message}");
            return ExitCode::from(2);
        }
    };
    let client = match pluck::Client::from_env() {
        Ok(client) => client,
        Err(err) => {
            eprintln!("no provider configured: {err}");
            eprintln!("set OPENAI_API_KEY, or run `scripts/job`, which starts a local model when no key is set");
            return ExitCode::from(2);
        }
    };
    // With the `otel` feature and PLUCK_OTLP_ENDPOINT set (`scripts/trace` sets both),
    // the extraction's spans go over OTLP to that collector, under a span `job_posting`.
    #[cfg(feature = "otel")]
    let _otel = match std::env::var("PLUCK_OTLP_ENDPOINT") {
        Ok(endpoint) => match pluck::otel::install(&endpoint, "pluck-job") {
            Ok(guard) => Some(guard),
            Err(err) => {
                eprintln!("cannot export the spans to {endpoint}: {err}");
                return ExitCode::from(2);
            }
        },
        Err(_) => None,
    };
    eprintln!("extracting with {} ({:?} mode)", client.model(), client.mode());
    let started = Instant::now();
    let run = async {
        let request = client.request::<JobPostingAnalysis>().system(SYSTEM).user(posting);
        watch(request.temperature(0.0).max_retries(3).stream(), started).await
    };
    #[cfg(feature = "otel")]
    let outcome = tracing::Instrument::instrument(run, tracing::info_span!("job_posting")).await;
    #[cfg(not(feature = "otel"))]
    let outcome = run.await;
    match outcome {
        Ok(extracted) => {
            let elapsed = started.elapsed();
            if json {
                println!("{}", serde_json::to_string_pretty(&extracted.value).expect("serializable"));
                eprintln!("{}", cost(&extracted, elapsed));
            } else {
                print!("{}", summary(&extracted.value));
                println!("{}", cost(&extracted, elapsed));
            }
            ExitCode::SUCCESS
        }
        Err(Error::ValidationExhausted(exhausted)) => {
            eprintln!("no valid reply in {} attempts:", exhausted.attempts().len());
            for (i, attempt) in exhausted.attempts().iter().enumerate() {
                eprintln!("attempt {}: {}\n{}\n", i + 1, attempt.raw, attempt.report);
            }
            eprintln!("tokens: {}", exhausted.usage().total_tokens);
            ExitCode::from(1)
        }
        Err(Error::Config(err)) => {
            eprintln!("configuration problem: {err}");
            ExitCode::from(2)
        }
        Err(err) => {
            eprintln!("extraction failed: {err}");
            ExitCode::from(1)
        }
    }
}

/// `--json` and the posting's path, from the command line.
fn arguments() -> Result<(bool, Option<String>), String> {
    let (mut json, mut path) = (false, None);
    for arg in std::env::args().skip(1) {
        match arg.as_str() {
            "--json" => json = true,
            "-h" | "--help" => return Err("extracts a JobPostingAnalysis from a job posting".to_owned()),
            flag if flag.starts_with('-') => return Err(format!("unknown option {flag}")),
            _ if path.is_some() => return Err("give at most one posting file".to_owned()),
            file => path = Some(file.to_owned()),
        }
    }
    Ok((json, path))
}

/// The posting in `path`, or why it cannot be used.
fn read_posting(path: &str) -> Result<String, String> {
    let text = std::fs::read_to_string(path).map_err(|err| format!("cannot read the posting {path}: {err}"))?;
    if text.trim().is_empty() {
        return Err(format!("the posting {path} is empty"));
    }
    Ok(text)
}

/// Follows the stream to its end, showing progress on stderr.
async fn watch(
    mut updates: pluck::stream::PartialStream<JobPostingAnalysis>,
    started: Instant,
) -> Result<Extracted<JobPostingAnalysis>, Error> {
    let terminal = std::io::stderr().is_terminal();
    let mut stderr = std::io::stderr();
    // Off a terminal, a field is written once, when the model has moved on past it:
    // the names written so far, and the last partial's fields.
    let mut written: Vec<&'static str> = Vec::new();
    let mut last = Vec::new();
    while let Some(update) = updates.next().await {
        let seconds = started.elapsed().as_secs_f64();
        match update? {
            Update::Partial(progress) => {
                let filled = filled(&progress.value);
                if terminal {
                    let _ = write!(
                        stderr,
                        "\r\x1b[2K  attempt {}, {seconds:.1} s: {}",
                        progress.attempt,
                        describe(&filled)
                    );
                    let _ = stderr.flush();
                } else {
                    // Every field but the one being written is complete.
                    let complete = filled.len().saturating_sub(1);
                    for (field, value) in &filled[..complete] {
                        if !written.contains(field) {
                            let _ = writeln!(stderr, "  {seconds:5.1} s  {field}: {value}");
                            written.push(field);
                        }
                    }
                }
                last = filled;
            }
            Update::Retry { attempt, report } => {
                if terminal {
                    let _ = writeln!(stderr);
                }
                let _ = writeln!(stderr, "attempt {attempt} did not validate, asking again:\n{report}");
                written.clear();
                last.clear();
            }
            Update::Done(extracted) => {
                if terminal {
                    let _ = writeln!(stderr);
                } else {
                    let seconds = started.elapsed().as_secs_f64();
                    for (field, value) in last.iter().filter(|(field, _)| !written.contains(field)) {
                        let _ = writeln!(stderr, "  {seconds:5.1} s  {field}: {value}");
                    }
                }
                return Ok(extracted);
            }
            _ => {}
        }
    }
    unreachable!("an extraction stream ends with a value or an error")
}

/// The fields of the partial value that hold something, each with a short rendering.
fn filled(partial: &JobPostingAnalysisPartial) -> Vec<(&'static str, String)> {
    let mut out = Vec::new();
    if let Some(title) = &partial.job_title {
        out.push(("job_title", title.clone()));
    }
    if let Some(company) = &partial.company_name {
        out.push(("company_name", company.clone()));
    }
    if let Some(level) = &partial.experience_level {
        out.push(("experience_level", format!("{level:?}").to_lowercase()));
    }
    if let Some(salary) = &partial.salary {
        out.push(("salary", pay_range(salary.min_amount, salary.max_amount)));
    }
    let skills: Vec<&str> = partial.skills.iter().flatten().filter_map(|s| s.name.as_deref()).collect();
    if !skills.is_empty() {
        out.push(("skills", skills.join(", ")));
    }
    let categories = partial.categories.as_ref().map_or(0, Vec::len);
    if categories > 0 {
        out.push(("categories", categories.to_string()));
    }
    if let Some(confidence) = partial.overall_confidence {
        out.push(("overall_confidence", format!("{confidence:.2}")));
    }
    out
}

/// The filled fields in one line, for the terminal.
fn describe(filled: &[(&'static str, String)]) -> String {
    if filled.is_empty() {
        return "waiting for the model...".to_owned();
    }
    let line: Vec<String> = filled.iter().map(|(field, value)| format!("{field}={value}")).collect();
    let line = line.join("  ");
    // One terminal line: cut long ones.
    match line.char_indices().nth(110) {
        Some((at, _)) => format!("{}...", &line[..at]),
        None => line,
    }
}

/// The analysis as a person reads it.
fn summary(analysis: &JobPostingAnalysis) -> String {
    let none = || "(not stated)".to_owned();
    let title = analysis.job_title.clone().unwrap_or_else(none);
    let mut out = match &analysis.company_name {
        Some(company) => format!("{title} at {company}\n"),
        None => format!("{title}\n"),
    };
    let mut line = |label: &str, value: String| out.push_str(&format!("  {label:<13} {value}\n"));
    line("level:", analysis.experience_level.map_or_else(none, |level| format!("{level:?}").to_lowercase()));
    line(
        "salary:",
        analysis
            .salary
            .as_ref()
            .map_or_else(none, |s| format!("{} {}", pay_range(s.min_amount, s.max_amount), s.currency)),
    );
    let skills = |required: bool| {
        let names: Vec<&str> =
            analysis.skills.iter().filter(|s| s.is_required == required).map(|s| s.name.as_str()).collect();
        if names.is_empty() {
            "(none)".to_owned()
        } else {
            names.join(", ")
        }
    };
    line("required:", skills(true));
    line("nice to have:", skills(false));
    let categories: Vec<String> = analysis
        .categories
        .iter()
        .map(|c| format!("{} ({:.2})", format!("{:?}", c.label).to_lowercase(), c.confidence))
        .collect();
    line("categories:", if categories.is_empty() { "(none)".to_owned() } else { categories.join(", ") });
    line("confidence:", format!("{:.2}", analysis.overall_confidence));
    let missing: Vec<&str> = analysis.missing_fields.iter().map(String::as_str).filter(|f| !f.is_empty()).collect();
    line("missing:", if missing.is_empty() { "(none)".to_owned() } else { missing.join(", ") });
    out
}

/// Attempts, tokens and time in one line.
fn cost(extracted: &Extracted<JobPostingAnalysis>, elapsed: Duration) -> String {
    let attempts = match extracted.attempts {
        1 => "1 attempt".to_owned(),
        n => format!("{n} attempts"),
    };
    let usage = extracted.usage;
    let tokens = if usage.total_tokens == 0 {
        "tokens not reported by the server".to_owned()
    } else {
        format!(
            "{} tokens ({} prompt + {} completion)",
            usage.total_tokens, usage.prompt_tokens, usage.completion_tokens
        )
    };
    format!("{attempts}, {tokens}, {:.1} s", elapsed.as_secs_f64())
}

/// "150,000 to 200,000", with "?" for a bound not stated.
fn pay_range(min: Option<f64>, max: Option<f64>) -> String {
    let amount = |a: Option<f64>| a.map_or_else(|| "?".to_owned(), money);
    format!("{} to {}", amount(min), amount(max))
}

/// 150000 as "150,000".
fn money(amount: f64) -> String {
    let whole = format!("{:.0}", amount.abs());
    let mut out = String::new();
    for (i, digit) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(digit);
    }
    if amount < 0.0 {
        out.insert(0, '-');
    }
    out
}
