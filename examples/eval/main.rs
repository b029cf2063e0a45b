//! The evaluation: runs the labelled sets in `eval/` through pluck and scores the
//! values field by field against their expected facts (see `eval/README.md`).
//!
//! ```text
//! cargo run --release --example eval -- --provider-from-env --mode json-object-schema --set postings [--limit N] [--out FILE] [--table FILE]
//! cargo run --release --example eval -- --score-only eval/out/*.json [--table eval/results.md]
//! cargo run --release --example eval -- --paired eval/out/A.json eval/out/B.json [--table FILE]
//! ```
//!
//! A run writes its results (default `eval/out/pluck-MODE-SET.json`) and prints its
//! scores; `--score-only` scores result files of any library (pluck's or
//! `eval/instructor_eval.py`'s) and writes one Markdown table with a row per library
//! and mode; `--paired` compares two runs of one set item by item, field by field, with
//! the exact McNemar test (see `paired.rs`).

#[path = "../types/job.rs"]
#[allow(dead_code)]
mod job;
#[path = "../types/triage.rs"]
#[allow(dead_code)]
mod triage;

mod data;
mod normalise;
mod paired;
mod report;
mod results;
mod run;
mod score;

use data::SetName;
use pluck::Mode;
use report::Data;
use results::RunFile;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

const USAGE: &str = "usage:
  eval --provider-from-env --set postings|tickets [--mode MODE] [--no-repair] [--limit N] [--out FILE] [--table FILE] [--data DIR]
  eval --score-only FILE... [--table FILE] [--data DIR]
  eval --paired FIRST SECOND [--table FILE] [--data DIR]
MODE: json-object-schema, tools, md-json, json, json-schema (default: the client's, PLUCK_MODE)";

/// What the command line asks for.
#[derive(Debug, PartialEq)]
enum Command {
    /// Run a set through pluck, then score it.
    Run { set: SetName, mode: Option<Mode>, limit: usize, out: Option<PathBuf>, lenient: bool },
    /// Score result files.
    Score { files: Vec<PathBuf> },
    /// Compare two result files of one set, item by item.
    Paired { first: PathBuf, second: PathBuf },
}

#[derive(Debug, PartialEq)]
struct Args {
    command: Command,
    data: PathBuf,
    table: Option<PathBuf>,
}

fn parse_args(args: impl IntoIterator<Item = String>) -> Result<Args, String> {
    let mut args = args.into_iter();
    let (mut from_env, mut set, mut mode, mut limit, mut out) = (false, None, None, usize::MAX, None);
    let (mut score_only, mut files, mut data, mut table) = (false, Vec::new(), PathBuf::from("eval"), None);
    let (mut lenient, mut paired) = (true, false);
    while let Some(arg) = args.next() {
        let mut value = || args.next().ok_or_else(|| format!("{arg} needs a value"));
        match arg.as_str() {
            "--provider-from-env" => from_env = true,
            "--set" => {
                let name = value()?;
                set = Some(SetName::parse(&name).ok_or_else(|| format!("unknown set {name:?}"))?);
            }
            "--mode" => {
                let name = value()?;
                mode = Some(parse_mode(&name).ok_or_else(|| format!("unknown mode {name:?}"))?);
            }
            "--limit" => {
                let n = value()?;
                limit = n.parse().map_err(|_| format!("--limit takes a number, not {n:?}"))?;
            }
            "--out" => out = Some(PathBuf::from(value()?)),
            "--data" => data = PathBuf::from(value()?),
            "--table" => table = Some(PathBuf::from(value()?)),
            "--score-only" => score_only = true,
            "--paired" => paired = true,
            "--no-repair" => lenient = false,
            "-h" | "--help" => return Err(String::new()),
            other if (score_only || paired) && !other.starts_with("--") => files.push(PathBuf::from(other)),
            other => return Err(format!("unexpected argument {other:?}")),
        }
    }
    // What only a run takes.
    let runs = from_env || set.is_some() || mode.is_some() || out.is_some() || limit != usize::MAX || !lenient;
    let command = if paired {
        if score_only || runs {
            return Err("--paired takes two result files, --table and --data only".to_owned());
        }
        let [first, second]: [PathBuf; 2] =
            files.try_into().map_err(|_| "--paired needs exactly two result files".to_owned())?;
        Command::Paired { first, second }
    } else if score_only {
        if runs {
            return Err("--score-only takes result files, --table and --data only".to_owned());
        }
        if files.is_empty() {
            return Err("--score-only needs at least one result file".to_owned());
        }
        Command::Score { files }
    } else {
        if !from_env {
            return Err("name the provider: --provider-from-env (Client::from_env)".to_owned());
        }
        Command::Run { set: set.ok_or("--set is required")?, mode, limit, out, lenient }
    };
    Ok(Args { command, data, table })
}

fn parse_mode(name: &str) -> Option<Mode> {
    Some(match name.to_ascii_lowercase().replace('-', "_").as_str() {
        "json_object_schema" => Mode::JsonObjectSchema,
        "tools" => Mode::Tools,
        "md_json" => Mode::MdJson,
        "json" => Mode::Json,
        "json_schema" => Mode::JsonSchema,
        _ => return None,
    })
}

fn mode_name(mode: Mode) -> &'static str {
    match mode {
        Mode::JsonObjectSchema => "json_object_schema",
        Mode::Tools => "tools",
        Mode::MdJson => "md_json",
        Mode::Json => "json",
        Mode::JsonSchema => "json_schema",
        _ => "other",
    }
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = match parse_args(std::env::args().skip(1)) {
        Ok(args) => args,
        Err(message) => {
            if !message.is_empty() {
                eprintln!("eval: {message}");
            }
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    match execute(args).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("eval: {message}");
            ExitCode::FAILURE
        }
    }
}

async fn execute(args: Args) -> Result<(), String> {
    let data = Data::load(&args.data).map_err(|e| e.to_string())?;
    let runs = match args.command {
        Command::Paired { first, second } => {
            let read = |f: &PathBuf| data::read_json::<RunFile>(f).map_err(|e| e.to_string());
            let table = paired::markdown(&paired::compare(&read(&first)?, &read(&second)?, &data)?);
            print!("{table}");
            if let Some(path) = args.table {
                write(&path, &table)?;
                eprintln!("wrote {}", path.display());
            }
            return Ok(());
        }
        Command::Run { set, mode, limit, out, lenient } => {
            let run = run_set(&data, set, mode, limit, lenient).await?;
            let out = out.unwrap_or_else(|| args.data.join("out").join(format!("pluck-{}-{set}.json", run.mode)));
            write(&out, &(serde_json::to_string_pretty(&run).expect("results serialize") + "\n"))?;
            eprintln!("wrote {}", out.display());
            vec![run]
        }
        Command::Score { files } => {
            files.iter().map(|f| data::read_json::<RunFile>(f).map_err(|e| e.to_string())).collect::<Result<_, _>>()?
        }
    };
    let scores = runs.iter().map(|run| report::score_run(run, &data)).collect::<Result<Vec<_>, _>>()?;
    for score in &scores {
        println!("{}\n", report::summary(score));
    }
    if let Some(table) = args.table {
        write(&table, &report::markdown(&scores))?;
        eprintln!("wrote {}", table.display());
    }
    Ok(())
}

async fn run_set(
    data: &Data,
    set: SetName,
    mode: Option<Mode>,
    limit: usize,
    lenient: bool,
) -> Result<RunFile, String> {
    let client = pluck::Client::from_env().map_err(|e| format!("no provider configured: {e}"))?;
    let mode = mode.unwrap_or(client.mode());
    eprintln!("running {set} with {} in {} mode", client.model(), mode_name(mode));
    let items = match set {
        SetName::Postings => {
            run::run::<job::JobPostingAnalysis, _>(&client, mode, &data.postings, limit, lenient).await
        }
        SetName::Tickets => run::run::<triage::SupportTriage, _>(&client, mode, &data.tickets, limit, lenient).await,
    }
    .map_err(|e| e.to_string())?;
    Ok(RunFile {
        library: "pluck".to_owned(),
        // A run without repairs is its own row of the table.
        mode: if lenient { mode_name(mode).to_owned() } else { format!("{}_no_repair", mode_name(mode)) },
        model: client.model().to_owned(),
        set,
        items,
    })
}

fn write(path: &Path, text: &str) -> Result<(), String> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    }
    std::fs::write(path, text).map_err(|e| format!("cannot write {}: {e}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(line: &str) -> Result<Args, String> {
        parse_args(line.split_whitespace().map(str::to_owned))
    }

    #[test]
    fn a_run_needs_the_provider_and_a_set() {
        let parsed =
            args("--provider-from-env --mode json-object-schema --set postings --limit 2 --out x.json").unwrap();
        assert_eq!(
            parsed.command,
            Command::Run {
                set: SetName::Postings,
                mode: Some(Mode::JsonObjectSchema),
                limit: 2,
                out: Some(PathBuf::from("x.json")),
                lenient: true,
            }
        );
        let strict = args("--provider-from-env --mode json --set tickets --no-repair").unwrap();
        assert!(matches!(strict.command, Command::Run { lenient: false, .. }));
        assert!(args("--score-only a.json --no-repair").is_err());
        assert_eq!(parsed.data, PathBuf::from("eval"));
        assert!(args("--set postings").is_err());
        assert!(args("--provider-from-env").is_err());
        assert!(args("--provider-from-env --set jobs").is_err());
        assert!(args("--provider-from-env --set tickets --mode xml").is_err());
        assert!(args("--provider-from-env --set tickets --limit many").is_err());
    }

    #[test]
    fn score_only_takes_files() {
        let parsed = args("--score-only a.json b.json --table t.md").unwrap();
        assert_eq!(parsed.command, Command::Score { files: vec!["a.json".into(), "b.json".into()] });
        assert_eq!(parsed.table, Some(PathBuf::from("t.md")));
        assert!(args("--score-only").is_err());
        assert!(args("--score-only a.json --set postings").is_err());
    }

    #[test]
    fn paired_takes_two_files() {
        let parsed = args("--paired a.json b.json --table t.md").unwrap();
        assert_eq!(parsed.command, Command::Paired { first: "a.json".into(), second: "b.json".into() });
        assert!(args("--paired a.json").is_err());
        assert!(args("--paired a.json b.json c.json").is_err());
        assert!(args("--paired a.json b.json --score-only").is_err());
        assert!(args("--paired a.json b.json --set tickets").is_err());
    }

    #[test]
    fn the_data_in_the_repository_loads_and_is_consistent() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("eval");
        let data = Data::load(&dir).unwrap();
        assert!(data.postings.items.len() >= 40, "{}", data.postings.items.len());
        assert!(data.tickets.items.len() >= 20, "{}", data.tickets.items.len());
        assert_eq!(data.postings.type_name, "JobPostingAnalysis");
        assert_eq!(data.tickets.type_name, "SupportTriage");
        assert_eq!(data.tickets.system, triage::TRIAGE_PROMPT);
        let first = &data.postings.items[0];
        assert_eq!(data.postings.user_message(first), job::SAMPLE_POSTING);
    }
}
