//! Reading a reply in 4-byte chunks, the partial value updated after each chunk,
//! against one `serde_json::from_str` of the whole reply, at 1 KB, 100 KB and 1 MB.
//!
//! `cargo bench --features bench-hooks --bench stream` prints criterion's figures, then
//! tables of the time per reply and its ratio to serde_json, from this same run: by mean,
//! and by fastest sample (the steadier figure on a shared machine). The reader alone (its
//! events counted, no partial form built) is measured too, to split the time between
//! reading and building and checking the form. So is decoding the same reply's deltas as
//! they come over the wire, each in an OpenAI `chat.completion.chunk` event, with pluck's
//! OpenAI stream decoder: what a streamed reply costs before the reader sees it.
//! `STREAM_BENCH_DUMP=dir` also writes the three replies there (for
//! benches/python/partial_bench.py).

#[path = "../examples/types/job.rs"]
#[allow(dead_code)]
mod job;

use criterion::{black_box, BenchmarkId, Criterion};
use job::JobPostingAnalysis;
use pluck::stream::json::{Event, Lead, Reader, Seg, Sink};
use pluck::stream::PartialReader;
use serde_json::{json, Value};
use std::time::Duration;

const CHUNK: usize = 4;

fn analysis(i: usize, evidence: usize) -> Value {
    let words = ["pipelines", "Kubernetes", "on-call", "Ω-latency", "\"quoted\"", "naïve", "data\\lake"];
    let sentence: String = (0..evidence).map(|w| words[(i + w) % words.len()]).collect::<Vec<_>>().join(" ");
    json!({
        "job_title": format!("Senior Software Engineer {i}"),
        "company_name": format!("TechCorp {}", i * 7),
        "experience_level": (["entry", "mid", "senior"][i % 3]),
        "salary": {"min_amount": 150000.0 + i as f64, "max_amount": 200000.5 + i as f64, "currency": "USD"},
        "skills": [
            {"name": "Python", "is_required": true},
            {"name": "Kubernetes", "is_required": true},
            {"name": "AWS", "is_required": i % 2 == 0},
            {"name": format!("Terraform {i}"), "is_required": false}
        ],
        "categories": [
            {"label": "engineering", "confidence": 0.93, "evidence": sentence},
            {"label": "data", "confidence": 4.7e-1, "evidence": "You will design and run data pipelines."}
        ],
        "overall_confidence": 0.78,
        "missing_fields": ["benefits", "location"]
    })
}

/// A list reply of about `bytes` bytes.
fn list(bytes: usize) -> String {
    let mut items = Vec::new();
    let mut size = 12;
    while size < bytes {
        let item = analysis(items.len(), 12);
        size += item.to_string().len() + 1;
        items.push(item);
    }
    json!({ "items": items }).to_string()
}

/// One object of about 1 KB.
fn single() -> String {
    let mut value = analysis(1, 20);
    value["missing_fields"] = json!([
        "benefits",
        "location",
        "team size",
        "start date",
        "visa sponsorship",
        "equity",
        "remote policy",
        "travel"
    ]);
    value["categories"][1]["evidence"] =
        json!("You will design and run data pipelines and the services around them, with the data team.");
    value.to_string()
}

fn read_chunks<T>(reply: &str) -> usize
where
    T: pluck::Extract + pluck::stream::Streamable,
{
    let mut reader = PartialReader::<T>::new();
    let mut changed = 0;
    for chunk in reply.as_bytes().chunks(CHUNK) {
        changed += usize::from(reader.feed(chunk));
    }
    black_box(reader.partial());
    changed
}

/// The reader alone, telling its events to a sink that only counts them: how much of
/// the time is reading, and how much is building the partial form and checking it.
fn read_events(reply: &str) -> usize {
    struct Count(usize);
    impl Sink for Count {
        fn event(&mut self, _: &[Seg], _: Event<'_>) {
            self.0 += 1;
        }
    }
    let mut reader = Reader::new(Lead::Embedded);
    let mut count = Count(0);
    for chunk in reply.as_bytes().chunks(CHUNK) {
        reader.feed(chunk, &mut count);
    }
    count.0
}

/// The reply's deltas of about `CHUNK` bytes (whole characters: a JSON string carries
/// no half of one), each as the data of an OpenAI chat-completion chunk event.
fn envelopes(reply: &str) -> Vec<String> {
    let mut events = Vec::new();
    let mut rest = reply;
    while !rest.is_empty() {
        let mut end = CHUNK.min(rest.len());
        while !rest.is_char_boundary(end) {
            end += 1;
        }
        let content = serde_json::to_string(&rest[..end]).expect("a string");
        events.push(format!(
            r#"{{"id":"chatcmpl-B9MHDbslfkBeAs8l4bebGdFOJ6PeG","object":"chat.completion.chunk","created":1741570283,"model":"gpt-4o-mini-2024-07-18","service_tier":"default","system_fingerprint":"fp_06737a9306","choices":[{{"index":0,"delta":{{"content":{content}}},"logprobs":null,"finish_reason":null}}]}}"#
        ));
        rest = &rest[end..];
    }
    events
}

/// Reads each event with pluck's OpenAI stream decoder, and counts the bytes of content.
fn decode_envelopes(events: &[String]) -> usize {
    events
        .iter()
        .map(|event| pluck::__private::stream_chunk_text(event.as_bytes()).expect("an event").map_or(0, |t| t.len()))
        .sum()
}

fn read_and_finish<T>(reply: &str) -> T
where
    T: pluck::Extract + pluck::stream::Streamable,
{
    let mut reader = PartialReader::<T>::new();
    for chunk in reply.as_bytes().chunks(CHUNK) {
        reader.feed(chunk);
    }
    reader.finish().expect("the reply validates")
}

struct Case {
    name: &'static str,
    reply: String,
    single: bool,
}

fn cases() -> Vec<Case> {
    vec![
        Case { name: "1KB", reply: single(), single: true },
        Case { name: "100KB", reply: list(100 * 1024), single: false },
        Case { name: "1MB", reply: list(1024 * 1024), single: false },
    ]
}

fn bench(c: &mut Criterion, cases: &[Case]) {
    for case in cases {
        let mut group = c.benchmark_group(case.name);
        group.throughput(criterion::Throughput::Bytes(case.reply.len() as u64));
        if case.reply.len() > 500_000 {
            group.sample_size(10).measurement_time(Duration::from_secs(8));
        }
        let reply = case.reply.as_str();
        group.bench_function(BenchmarkId::new("reader", ""), |b| b.iter(|| read_events(black_box(reply))));
        let events = envelopes(reply);
        group.bench_function(BenchmarkId::new("envelopes", ""), |b| b.iter(|| decode_envelopes(black_box(&events))));
        if case.single {
            group.bench_function(BenchmarkId::new("serde_json", ""), |b| {
                b.iter(|| serde_json::from_str::<JobPostingAnalysis>(black_box(reply)).unwrap())
            });
            group.bench_function(BenchmarkId::new("partial", ""), |b| {
                b.iter(|| read_chunks::<JobPostingAnalysis>(black_box(reply)))
            });
            group.bench_function(BenchmarkId::new("partial_and_final", ""), |b| {
                b.iter(|| read_and_finish::<JobPostingAnalysis>(black_box(reply)))
            });
        } else {
            group.bench_function(BenchmarkId::new("serde_json", ""), |b| {
                b.iter(|| serde_json::from_str::<Items>(black_box(reply)).unwrap())
            });
            group.bench_function(BenchmarkId::new("partial", ""), |b| {
                b.iter(|| read_chunks::<Vec<JobPostingAnalysis>>(black_box(reply)))
            });
            group.bench_function(BenchmarkId::new("partial_and_final", ""), |b| {
                b.iter(|| read_and_finish::<Vec<JobPostingAnalysis>>(black_box(reply)))
            });
        }
        group.finish();
    }
}

#[derive(serde::Deserialize)]
#[allow(dead_code)]
struct Items {
    items: Vec<JobPostingAnalysis>,
}

fn criterion_file(group: &str, function: &str, file: &str) -> Option<Value> {
    let target = std::env::var("CARGO_TARGET_DIR").unwrap_or_else(|_| "target".to_owned());
    let path = format!("{target}/criterion/{group}/{function}/new/{file}");
    serde_json::from_str(&std::fs::read_to_string(path).ok()?).ok()
}

fn mean_ns(group: &str, function: &str) -> Option<f64> {
    criterion_file(group, function, "estimates.json")?["mean"]["point_estimate"].as_f64()
}

/// The time per iteration of the fastest sample: on a shared machine, the figure least
/// disturbed by other work.
fn fastest_ns(group: &str, function: &str) -> Option<f64> {
    let sample = criterion_file(group, function, "sample.json")?;
    let iters = sample["iters"].as_array()?;
    let times = sample["times"].as_array()?;
    iters.iter().zip(times).filter_map(|(n, t)| Some(t.as_f64()? / n.as_f64()?)).reduce(f64::min)
}

fn main() {
    let cases = cases();
    if let Ok(dir) = std::env::var("STREAM_BENCH_DUMP") {
        std::fs::create_dir_all(&dir).expect("dump directory");
        for case in &cases {
            std::fs::write(format!("{dir}/{}.json", case.name), &case.reply).expect("dump");
        }
    }
    // The replies are what they claim to be, and their events carry them whole.
    for case in &cases {
        assert_eq!(decode_envelopes(&envelopes(&case.reply)), case.reply.len());
        if case.single {
            read_and_finish::<JobPostingAnalysis>(&case.reply);
        } else {
            read_and_finish::<Vec<JobPostingAnalysis>>(&case.reply);
        }
    }
    let mut criterion = Criterion::default().configure_from_args();
    bench(&mut criterion, &cases);
    criterion.final_summary();

    for (title, time) in [("mean", mean_ns as fn(&str, &str) -> Option<f64>), ("fastest sample", fastest_ns)] {
        println!("\ntime per reply ({title})");
        println!(
            "{:<6} {:>9} {:>14} {:>14} {:>7} {:>20} {:>7} {:>14} {:>7} {:>14} {:>7}",
            "reply",
            "bytes",
            "serde_json",
            "partial",
            "ratio",
            "partial+final",
            "ratio",
            "reader only",
            "ratio",
            "SSE envelopes",
            "ratio"
        );
        for case in &cases {
            let base = time(case.name, "serde_json");
            let partial = time(case.name, "partial");
            let full = time(case.name, "partial_and_final");
            let reader = time(case.name, "reader");
            let wire = time(case.name, "envelopes");
            if let (Some(base), Some(partial), Some(full), Some(reader), Some(wire)) =
                (base, partial, full, reader, wire)
            {
                println!(
                    "{:<6} {:>9} {:>11.1} µs {:>11.1} µs {:>7.2} {:>17.1} µs {:>7.2} {:>11.1} µs {:>7.2} {:>11.1} µs {:>7.2}",
                    case.name,
                    case.reply.len(),
                    base / 1e3,
                    partial / 1e3,
                    partial / base,
                    full / 1e3,
                    full / base,
                    reader / 1e3,
                    reader / base,
                    wire / 1e3,
                    wire / base
                );
            }
        }
    }
}
