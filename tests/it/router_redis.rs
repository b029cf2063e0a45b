//! The router's shared state (feature `redis`) across two processes, against a real
//! redis-server named by `PLUCK_TEST_REDIS_URL` (`scripts/redis env`); skipped with a
//! message when it is not set. The second process is this test binary again, running
//! `child_process` with the mock servers' addresses in its environment.

use crate::router::openai_ok;
use crate::support::mock::{self, Answer};
use crate::support::triage::{SupportTriage, TICKETS};
use pluck::router::{Router, RouterError};
use pluck::Error;
use serde_json::json;
use std::time::Duration;

fn redis_url(test: &str) -> Option<String> {
    let url = std::env::var("PLUCK_TEST_REDIS_URL").ok().filter(|url| !url.is_empty());
    if url.is_none() {
        eprintln!("skipping {test}: PLUCK_TEST_REDIS_URL is not set (scripts/redis env)");
    }
    url
}

/// The routers both processes build: group `g` at rpm 10 on `steady`; group `d` on
/// `down`, cooling down for a minute at its first failure, falling back to `s`.
fn router(url: &str, prefix: &str, steady: &str, down: &str, spare: &str) -> Router {
    let at = |uri: &str| {
        pluck::router::Deployment::openai("test-model").base_url(format!("{uri}/v1")).api_key(crate::support::SECRET)
    };
    Router::builder()
        .deployment("g", at(steady).rpm(10))
        .deployment("d", at(down))
        .deployment("s", at(spare))
        .fallbacks("d", ["s"])
        .allowed_fails(1)
        .cooldown(Duration::from_secs(60))
        .max_wait(Duration::from_secs(1))
        .redis_with_prefix(url, prefix)
        .build()
        .unwrap()
}

/// Ten extractions at once on `g`: how many gave a value, and how many were refused
/// by the rate limit.
async fn ten_at_once(router: &Router) -> (usize, usize) {
    let calls = (0..10).map(|i| router.request::<SupportTriage>("g").user(TICKETS[i % 2]).send());
    let (mut values, mut limited) = (0, 0);
    for result in futures::future::join_all(calls).await {
        match result {
            Ok(_) => values += 1,
            Err(Error::Router(RouterError::RateLimited { .. })) => limited += 1,
            Err(other) => panic!("{other:?}"),
        }
    }
    (values, limited)
}

/// The second process: does what `PLUCK_ROUTER_CHILD` says and prints the outcome.
#[tokio::test]
async fn child_process() {
    let Ok(task) = std::env::var("PLUCK_ROUTER_CHILD") else { return };
    let var = |name: &str| std::env::var(name).unwrap();
    let router = router(
        &var("PLUCK_CHILD_REDIS"),
        &var("PLUCK_CHILD_PREFIX"),
        &var("PLUCK_CHILD_STEADY"),
        &var("PLUCK_CHILD_DOWN"),
        &var("PLUCK_CHILD_SPARE"),
    );
    match task.as_str() {
        "fail" => {
            router.extract::<SupportTriage>("d", TICKETS[0]).await.unwrap();
            println!("CHILD done");
        }
        _ => {
            let (values, limited) = ten_at_once(&router).await;
            println!("CHILD values={values} limited={limited}");
        }
    }
}

fn child(task: &str, env: &[(&str, String)]) -> std::process::Child {
    let mut command = std::process::Command::new(std::env::current_exe().unwrap());
    command.args(["router_redis::child_process", "--exact", "--nocapture", "--test-threads=1"]);
    command.env("PLUCK_ROUTER_CHILD", task).stdout(std::process::Stdio::piped());
    for (name, value) in env {
        command.env(name, value);
    }
    command.spawn().expect("the test binary runs again")
}

async fn finished(child: std::process::Child) -> String {
    let output = tokio::task::spawn_blocking(move || child.wait_with_output()).await.unwrap().unwrap();
    assert!(output.status.success(), "the second process failed: {output:?}");
    String::from_utf8_lossy(&output.stdout).into_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_processes_share_rate_limits_and_cooldowns() {
    let Some(url) = redis_url("two_processes_share_rate_limits_and_cooldowns") else { return };
    let steady = mock::serve(|_, _| openai_ok()).await;
    let down = mock::serve(|_, _| Answer::json(503, &json!({"error": {"message": "down"}}))).await;
    let spare = mock::serve(|_, _| openai_ok()).await;
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos();
    let prefix = format!("pluck:test:{}:{nanos}:", std::process::id());
    let env = [
        ("PLUCK_CHILD_REDIS", url.clone()),
        ("PLUCK_CHILD_PREFIX", prefix.clone()),
        ("PLUCK_CHILD_STEADY", steady.uri()),
        ("PLUCK_CHILD_DOWN", down.uri()),
        ("PLUCK_CHILD_SPARE", spare.uri()),
    ];
    let router = router(&url, &prefix, &steady.uri(), &down.uri(), &spare.uri());

    // The other process's failure cools `down` for this one too.
    let out = finished(child("fail", &env)).await;
    assert!(out.contains("CHILD done"), "{out}");
    assert_eq!((down.count(), spare.count()), (1, 1));
    router.extract::<SupportTriage>("d", TICKETS[0]).await.unwrap();
    assert_eq!((down.count(), spare.count()), (1, 2), "this process skipped the deployment cooling down");

    // Twenty requests from two processes at once, rpm 10: ten go, whoever sends them.
    let other = child("rpm", &env);
    let (values, limited) = ten_at_once(&router).await;
    let out = finished(other).await;
    // libtest writes the test's name on the same line.
    let line = &out[out.find("CHILD values=").unwrap_or_else(|| panic!("{out}"))..];
    let child_values: usize = line["CHILD values=".len()..].split(' ').next().unwrap().parse().unwrap();
    assert_eq!(steady.count(), 10, "ours {values} (limited {limited}), theirs: {line}");
    assert_eq!(values + child_values, 10);
}
