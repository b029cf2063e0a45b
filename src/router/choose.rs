//! How a deployment is chosen among those that can take a request.

use super::deployment::Member;

/// How the router chooses among a group's deployments that can take a request now
/// (not cooling down, within their rate limits).
///
/// ```
/// use pluck::router::{Deployment, Router, Strategy};
///
/// let router = Router::builder()
///     .deployment("local", Deployment::llama_cpp("qwen").base_url("http://127.0.0.1:8080/v1"))
///     .deployment("local", Deployment::llama_cpp("qwen").base_url("http://127.0.0.1:8081/v1"))
///     .strategy(Strategy::LeastBusy)
///     .build()
///     .unwrap();
/// assert_eq!(router.deployments("local"), ["local/0", "local/1"]);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum Strategy {
    /// At random, each in proportion to its weight (the default).
    #[default]
    WeightedShuffle,
    /// The one with the fewest requests in flight (ties at random).
    LeastBusy,
    /// The one with the lowest moving average of latency; one not yet measured first.
    LowestLatency,
}

impl Strategy {
    /// The position, among `candidates` (not empty), of the deployment chosen.
    pub(crate) fn choose<'m>(self, candidates: impl Iterator<Item = &'m Member> + Clone) -> usize {
        match self {
            Strategy::WeightedShuffle => {
                let total: u64 = candidates.clone().map(|member| u64::from(member.weight)).sum();
                let mut ticket = fastrand::u64(0..total.max(1));
                let mut last = 0;
                for (i, member) in candidates.enumerate() {
                    match ticket.checked_sub(u64::from(member.weight)) {
                        Some(rest) => ticket = rest,
                        None => return i,
                    }
                    last = i;
                }
                last
            }
            Strategy::LeastBusy => lowest(candidates, |member| f64::from(member.in_flight())),
            Strategy::LowestLatency => lowest(candidates, |member| member.latency().unwrap_or(0.0)),
        }
    }
}

/// The position of the lowest `score`, ties broken at random.
fn lowest<'m>(candidates: impl Iterator<Item = &'m Member> + Clone, score: impl Fn(&Member) -> f64) -> usize {
    let best = candidates.clone().map(&score).fold(f64::INFINITY, f64::min);
    let tied = candidates.clone().filter(|member| score(member) <= best).count();
    let mut pick = fastrand::usize(0..tied.max(1));
    for (i, member) in candidates.enumerate() {
        if score(member) <= best {
            if pick == 0 {
                return i;
            }
            pick -= 1;
        }
    }
    0
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::router::Deployment;
    use std::time::Duration;

    fn member(name: &str, weight: u32) -> Member {
        let client = crate::Client::builder().base_url("http://127.0.0.1:9/v1").build().unwrap();
        Member::new(name.to_owned(), client.clone(), &Deployment::client(client).weight(weight))
    }

    #[test]
    fn each_strategy_picks_its_own() {
        let members = [member("a", 1), member("b", 3), member("c", 0)];
        let candidates = members.iter();
        let mut counts = [0u32; 3];
        for _ in 0..4000 {
            counts[Strategy::WeightedShuffle.choose(candidates.clone())] += 1;
        }
        assert_eq!(counts[2], 0, "weight 0 is never chosen");
        assert!((2800..3200).contains(&counts[1]), "{counts:?}");

        let _busy = (members[0].lease(), members[0].lease(), members[2].lease());
        assert_eq!(Strategy::LeastBusy.choose(candidates.clone()), 1);

        members[0].answered(Duration::from_millis(300));
        members[1].answered(Duration::from_millis(100));
        members[1].answered(Duration::from_millis(900));
        members[2].answered(Duration::from_millis(200));
        // b averages 260 ms (0.8 * 100 + 0.2 * 900), below a and above c.
        assert_eq!(Strategy::LowestLatency.choose(candidates.clone()), 2);
        members[2].answered(Duration::from_secs(2));
        assert_eq!(Strategy::LowestLatency.choose(candidates.clone()), 1);
    }
}
