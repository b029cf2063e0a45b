//! How a deployment is chosen among those that can take a request.

use super::deployment::Member;

/// How the router chooses among a group's deployments that can take a request now
/// (not cooling down, within their rate limits).
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
    /// The index, in `candidates`, of the deployment chosen. `candidates` is not empty.
    pub(crate) fn choose(self, candidates: &[&Member]) -> usize {
        match self {
            Strategy::WeightedShuffle => {
                let total: u64 = candidates.iter().map(|member| u64::from(member.weight)).sum();
                let mut ticket = fastrand::u64(0..total.max(1));
                for (i, member) in candidates.iter().enumerate() {
                    match ticket.checked_sub(u64::from(member.weight)) {
                        Some(rest) => ticket = rest,
                        None => return i,
                    }
                }
                candidates.len() - 1
            }
            Strategy::LeastBusy => lowest(candidates, |member| member.in_flight() as f64),
            Strategy::LowestLatency => lowest(candidates, |member| member.latency().unwrap_or(0.0)),
        }
    }
}

/// The index of the lowest `score`, ties broken at random.
fn lowest(candidates: &[&Member], score: impl Fn(&Member) -> f64) -> usize {
    let scores: Vec<f64> = candidates.iter().map(|member| score(member)).collect();
    let best = scores.iter().copied().fold(f64::INFINITY, f64::min);
    let tied: Vec<usize> = (0..scores.len()).filter(|i| scores[*i] <= best).collect();
    tied[fastrand::usize(0..tied.len())]
}
