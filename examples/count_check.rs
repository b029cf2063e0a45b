//! Token counts before sending against what the server counted: for each of N
//! requests, pluck's estimate of the input tokens (tiktoken with `--features tokens`,
//! an approximation without) beside the `prompt_tokens` of the server's first reply.
//!
//! ```text
//! OPENAI_BASE_URL=http://127.0.0.1:8080/v1 PLUCK_PROVIDER=llamacpp \
//!     cargo run --features tokens --example count_check -- 20
//! ```
//!
//! A local model's tokenizer (Llama, Qwen, ...) is not OpenAI's: the difference says
//! how far tiktoken's count is from it.

use pluck::observe::Event;
use pluck::Extract;
use schemars::JsonSchema;
use serde::Deserialize;
use std::process::ExitCode;
use std::sync::{Arc, Mutex};

/// A short summary, enough for the model to answer quickly.
#[derive(Extract, Deserialize, JsonSchema, Debug)]
struct Gist {
    /// One sentence.
    summary: String,
    /// The language of the text, as an ISO 639-1 code.
    language: String,
}

const TEXTS: &[&str] = &[
    "Senior Rust engineer, remote, $150k-$200k. Five years of systems programming; Tokio a plus.",
    "The meeting moved to Thursday at 3pm; bring the quarterly numbers and the draft budget.",
    "Der Zug nach München fährt heute wegen Bauarbeiten erst um 14:32 von Gleis 7 ab.",
    "El paquete llegó dañado y el servicio de atención al cliente no responde desde hace una semana.",
    "Order #48213: 3 × USB-C cable (2 m), 1 × 65 W charger. Ship to 221B Baker Street, London NW1 6XE.",
    "東京の天気は明日から雨が続き、週末には気温が急に下がる見込みです。",
    "fn main() { let v: Vec<u32> = (1..=10).map(|x| x * x).collect(); println!(\"{v:?}\"); }",
    "I've been waiting 45 minutes on hold!!! This is the third time this month. Cancel my subscription.",
];

#[tokio::main]
async fn main() -> ExitCode {
    let n: usize = std::env::args().nth(1).and_then(|n| n.parse().ok()).unwrap_or(TEXTS.len());
    let client = match pluck::Client::from_env() {
        Ok(client) => client,
        Err(err) => {
            eprintln!("no provider configured: {err}");
            return ExitCode::from(2);
        }
    };
    println!("model {}", client.model());
    println!("{:>8} {:>8} {:>7}  text", "counted", "server", "diff");
    let (mut ours, mut theirs, mut exact) = (0u64, 0u64, true);
    for text in TEXTS.iter().cycle().take(n) {
        let estimate = match client.request::<Gist>().user(*text).max_tokens(200).estimate() {
            Ok(estimate) => estimate,
            Err(err) => {
                eprintln!("cannot estimate: {err}");
                return ExitCode::FAILURE;
            }
        };
        let first = Arc::new(Mutex::new(None));
        let seen = first.clone();
        let sent = client
            .request::<Gist>()
            .user(*text)
            .max_tokens(200)
            .observe(move |event: &Event<'_>| {
                if let Event::Response { attempt: 1, usage, .. } = event {
                    *seen.lock().unwrap() = Some(usage.prompt_tokens);
                }
            })
            .send()
            .await;
        let Some(server) = *first.lock().unwrap() else {
            eprintln!("no reply: {:?}", sent.err());
            continue;
        };
        let counted = estimate.input_tokens.tokens;
        let diff = counted as f64 / server as f64 - 1.0;
        let start: String = text.chars().take(40).collect();
        println!("{counted:>8} {server:>8} {:>+6.1}%  {start}", diff * 100.0);
        exact &= estimate.input_tokens.exact;
        ours += counted;
        theirs += server;
    }
    if theirs > 0 {
        let exact = match (exact, cfg!(feature = "tokens")) {
            (true, _) => "the model's own encoding",
            (false, true) => "tiktoken's o200k_base, not the model's own tokenizer",
            (false, false) => "four bytes a token; --features tokens counts with tiktoken",
        };
        println!(
            "total: counted {ours}, server {theirs}, {:+.1}% ({exact})",
            (ours as f64 / theirs as f64 - 1.0) * 100.0
        );
    }
    ExitCode::SUCCESS
}
