//! 1,000 concurrent extractions over three deployments (weights 5, 3, 2), one failing
//! 30% of its requests and one answering some with 429 and Retry-After, and a
//! fallback group: every call ends in a value or a typed error, no deployment sees
//! more than its `rpm` in any minute (counted at the mock), and the router's choices
//! among all three follow the weights within 5%. `--nocapture` prints the outcome.

use crate::router::{busiest_minute, openai, openai_ok, Log};
use crate::support::mock::{self, Answer};
use crate::support::triage::{SupportTriage, TICKETS};
use pluck::router::{Router, RouterError};
use pluck::Error;
use serde_json::json;
use std::collections::BTreeMap;
use std::time::Duration;

#[tokio::test(start_paused = true)]
async fn a_thousand_concurrent_extractions_over_three_deployments() {
    let steady = mock::serve(|_, _| openai_ok()).await;
    let flaky = mock::serve(|index, _| match index % 10 {
        0..=2 => Answer::json(500, &json!({"error": {"message": "internal error"}})),
        _ => openai_ok(),
    })
    .await;
    let limited = mock::serve(|index, _| match index % 25 {
        24 => Answer::json(429, &json!({"error": {"message": "slow down"}})).header("retry-after", "3"),
        _ => openai_ok(),
    })
    .await;
    let backup = mock::serve(|_, _| openai_ok()).await;
    let (rpm_steady, rpm_flaky, rpm_limited, rpm_backup) = (400, 240, 160, 60);
    let log = Log::default();
    let router = log
        .observe(Router::builder())
        .deployment("g", openai(&steady).rpm(rpm_steady).weight(5).name("steady"))
        .deployment("g", openai(&flaky).rpm(rpm_flaky).weight(3).name("flaky"))
        .deployment("g", openai(&limited).rpm(rpm_limited).weight(2).name("limited"))
        .deployment("backup", openai(&backup).rpm(rpm_backup).name("backup"))
        .fallbacks("g", ["backup"])
        .max_wait(Duration::from_secs(600))
        .build()
        .unwrap();
    let calls = (0..1000).map(|i| router.request::<SupportTriage>("g").user(TICKETS[i % 2]).send());
    let results = tokio::time::timeout(Duration::from_secs(3600), futures::future::join_all(calls))
        .await
        .expect("every call ended within an hour of paused time");

    let mut outcomes: BTreeMap<String, usize> = BTreeMap::new();
    for result in &results {
        let kind = match result {
            Ok(_) => "value".to_owned(),
            Err(Error::Router(RouterError::NoDeployment { .. })) => "error: Router(NoDeployment)".to_owned(),
            Err(Error::Router(RouterError::RateLimited { .. })) => "error: Router(RateLimited)".to_owned(),
            Err(Error::Server { .. }) => "error: Server".to_owned(),
            Err(Error::RateLimited { .. }) => "error: RateLimited".to_owned(),
            Err(other) => panic!("an untyped outcome: {other:?}"),
        };
        *outcomes.entry(kind).or_default() += 1;
    }
    let events = log.take();
    let count = |prefix: &str| events.iter().filter(|line| line.starts_with(prefix)).count();
    let mut choices: BTreeMap<&str, usize> = BTreeMap::new();
    for line in &events {
        if let Some(name) = line.strip_prefix("routed ").and_then(|rest| rest.strip_suffix(" among 3")) {
            *choices.entry(name.split(' ').next().unwrap()).or_default() += 1;
        }
    }
    let among_three: usize = choices.values().sum();
    println!("outcome of 1,000 concurrent extractions:");
    for (kind, n) in &outcomes {
        println!("  {kind:<30} {n:>5}");
    }
    println!("  {:<30} {:>5}", "rerouted (to another deployment)", count("rerouted"));
    println!("  {:<30} {:>5}", "fallbacks (to group backup)", count("fallback"));
    println!("  {:<30} {:>5}", "cooldowns", count("cooled"));
    println!("  {:<30} {:>5}", "rate-limit waits", count("wait"));
    for (name, mock, rpm) in [
        ("steady", &steady, rpm_steady),
        ("flaky", &flaky, rpm_flaky),
        ("limited", &limited, rpm_limited),
        ("backup", &backup, rpm_backup),
    ] {
        let share = choices.get(name).copied().unwrap_or(0) as f64 / among_three.max(1) as f64;
        println!(
            "  {name:<8} requests {:>4}, busiest minute {:>3} (rpm {rpm}), chosen among all three {:>5.1}%",
            mock.count(),
            busiest_minute(mock),
            share * 100.0
        );
        assert!(busiest_minute(mock) <= rpm as usize, "{name} saw more than its rpm in a minute");
    }
    assert_eq!(results.len(), 1000);
    assert!(outcomes.get("value").copied().unwrap_or(0) >= 900, "{outcomes:?}");
    assert!(among_three >= 300, "too few choices among all three: {among_three}");
    for (name, weight) in [("steady", 0.5), ("flaky", 0.3), ("limited", 0.2)] {
        let share = choices.get(name).copied().unwrap_or(0) as f64 / among_three as f64;
        assert!((share - weight).abs() < 0.05, "{name}: {share:.3} of the choices, weight {weight}");
    }
    assert!(count("rerouted") > 0 && count("cooled") > 0, "{events:?}");
}
