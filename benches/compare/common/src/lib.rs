//! Shared by the Rust clients of the comparison: the request's text (model, system
//! prompt, posting), the job-posting types for libraries that take plain
//! `serde` + `schemars` types, the same rules as a plain function, and the runner that
//! times a workload and prints one JSON line.

pub mod job;
pub mod runner;

/// The model every client names.
pub const MODEL: &str = "gpt-4o-mini";

/// The system prompt every client sends (pluck's default).
pub const SYSTEM_PROMPT: &str =
    "Extract the requested information from the user's text. Report only what the text supports.";

/// The user message every client sends (the blog's sample posting).
pub const POSTING: &str = "Senior Software Engineer at TechCorp\n\
Salary: $150,000 - $200,000 per year\n\
Requirements: Python, Kubernetes, AWS. Nice to have: Terraform.\n\
You will design and run data pipelines and the services around them.";

/// The `overall_confidence` of the mock server's valid reply; a client that returns
/// anything else took the invalid reply without re-asking.
pub const VALID_CONFIDENCE: f64 = 0.92;

/// The mock server's base URL, up to and including `/v1` (`BENCH_BASE_URL`, default
/// `http://127.0.0.1:18080/v1`).
pub fn base_url() -> String {
    std::env::var("BENCH_BASE_URL").unwrap_or_else(|_| "http://127.0.0.1:18080/v1".to_owned())
}

/// The API key the clients send; the mock server ignores it.
pub const API_KEY: &str = "sk-bench-not-a-key";
