//! Times one workload and prints one JSON line.
//!
//! Command line: `BIN seq|conc [--n N] [--warmup W] [--concurrency C]`.
//! `seq` runs `N` extractions one after another; `conc` runs `N` with at most `C` in
//! flight. Both run `W` warm-up extractions first (same shape, not timed). Every
//! extraction must return the mock's valid reply ([`VALID_CONFIDENCE`]); any error or
//! other value aborts the run with a non-zero exit, so no figure counts a failure.

use crate::VALID_CONFIDENCE;
use futures_util::stream::{self, StreamExt};
use std::fmt::Display;
use std::future::Future;
use std::time::Instant;

/// What to run.
#[derive(Debug, Clone, Copy)]
pub struct Workload {
    /// Concurrent (`conc`) or sequential (`seq`).
    pub concurrent: bool,
    /// Timed extractions.
    pub n: usize,
    /// Untimed extractions first.
    pub warmup: usize,
    /// In flight at once, for `conc`.
    pub concurrency: usize,
}

impl Workload {
    /// Reads the command line (see the module docs).
    ///
    /// # Panics
    /// On an unknown or malformed argument.
    pub fn from_args() -> Workload {
        let mut args = std::env::args().skip(1);
        let kind = args.next().unwrap_or_else(|| "seq".to_owned());
        let mut workload = Workload { concurrent: kind == "conc", n: 2000, warmup: 200, concurrency: 64 };
        assert!(kind == "seq" || kind == "conc", "the workload is seq or conc, not {kind}");
        while let Some(flag) = args.next() {
            let value: usize =
                args.next().and_then(|v| v.parse().ok()).unwrap_or_else(|| panic!("{flag} needs a number"));
            match flag.as_str() {
                "--n" => workload.n = value,
                "--warmup" => workload.warmup = value,
                "--concurrency" => workload.concurrency = value,
                other => panic!("unknown argument {other}"),
            }
        }
        workload
    }
}

/// Runs the workload from the command line with `extract` (which returns the
/// extracted `overall_confidence`) on a current-thread Tokio runtime, and prints
/// `{"library", "workload", "n", "concurrency", "secs", "mean_ms", "per_sec", "cpu_us"}`
/// (`cpu_us`: the process's user + system CPU time per extraction, which other load on
/// the machine disturbs far less than the wall clock).
pub fn run<F, Fut, E>(library: &str, extract: F)
where
    F: Fn() -> Fut,
    Fut: Future<Output = Result<f64, E>>,
    E: Display,
{
    let workload = Workload::from_args();
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("a runtime");
    let (secs, cpu_secs) = runtime.block_on(async {
        batch(&extract, workload, workload.warmup).await;
        let (start, cpu_start) = (Instant::now(), cpu_time());
        batch(&extract, workload, workload.n).await;
        (start.elapsed().as_secs_f64(), cpu_time() - cpu_start)
    });
    let n = workload.n as f64;
    println!(
        "{{\"library\":\"{library}\",\"workload\":\"{}\",\"n\":{},\"concurrency\":{},\"secs\":{secs:.6},\"mean_ms\":{:.6},\"per_sec\":{:.3},\"cpu_us\":{:.3}}}",
        if workload.concurrent { "conc" } else { "seq" },
        workload.n,
        if workload.concurrent { workload.concurrency } else { 1 },
        secs * 1000.0 / n,
        n / secs,
        cpu_secs * 1e6 / n,
    );
}

async fn batch<F, Fut, E>(extract: &F, workload: Workload, n: usize)
where
    F: Fn() -> Fut,
    Fut: Future<Output = Result<f64, E>>,
    E: Display,
{
    if workload.concurrent {
        let mut results = stream::iter(0..n).map(|_| extract()).buffer_unordered(workload.concurrency);
        while let Some(result) = results.next().await {
            verify(result);
        }
    } else {
        for _ in 0..n {
            verify(extract().await);
        }
    }
}

fn verify<E: Display>(result: Result<f64, E>) {
    match result {
        Ok(confidence) if confidence == VALID_CONFIDENCE => {}
        Ok(other) => {
            eprintln!("extraction returned overall_confidence {other}, not the valid reply's {VALID_CONFIDENCE}");
            std::process::exit(2);
        }
        Err(err) => {
            eprintln!("extraction failed: {err}");
            std::process::exit(2);
        }
    }
}

/// User + system CPU time of this process, in seconds.
fn cpu_time() -> f64 {
    // SAFETY: getrusage only writes the struct it is given.
    let usage = unsafe {
        let mut usage: libc::rusage = std::mem::zeroed();
        libc::getrusage(libc::RUSAGE_SELF, &mut usage);
        usage
    };
    let secs = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 / 1e6;
    secs(usage.ru_utime) + secs(usage.ru_stime)
}
