//! Dropping a mock server must return whatever the dropping task has spent.
//!
//! wiremock verifies a server's expectations when it is dropped, by blocking on an
//! async lock with `futures::executor::block_on`. On a tokio task whose cooperative
//! budget is spent (128 polls of ready tokio resources since it last yielded, as after
//! awaiting a thousand finished tasks), tokio answers that lock "not yet" and wakes the
//! task at once, to make it yield; `block_on` polls again at once, the budget is never
//! restored, and the drop spins forever. `support::MockServer` drops the server on a
//! thread of its own, with no budget to spend.

use crate::support::MockServer;
use std::time::Duration;

/// Spends the current task's whole budget without yielding. Bounded: a task without a
/// budget (an unconstrained one) never runs out, and the test then says so.
async fn spend_the_budget() {
    for _ in 0..100_000 {
        if !tokio::task::coop::has_budget_remaining() {
            return;
        }
        tokio::task::coop::consume_budget().await;
    }
    panic!("the task's budget never ran out");
}

#[test]
fn a_mock_server_dropped_by_a_task_with_its_budget_spent_returns() {
    let (done, dropped) = std::sync::mpsc::channel();
    // On a thread of its own, so that a drop that never returns fails the test
    // instead of hanging the suite.
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        runtime.block_on(async {
            let server = MockServer::start().await;
            tokio::task::yield_now().await;
            spend_the_budget().await;
            drop(server);
        });
        let _ = done.send(());
    });
    let returned = dropped.recv_timeout(Duration::from_secs(30));
    assert!(returned.is_ok(), "dropping the mock server had not returned after 30 s");
}

#[tokio::test]
#[should_panic(expected = "Verifications failed")]
async fn a_mock_server_dropped_with_an_unmet_expectation_still_fails_the_test() {
    let server = MockServer::start().await;
    wiremock::Mock::given(wiremock::matchers::any())
        .respond_with(wiremock::ResponseTemplate::new(200))
        .expect(1)
        .mount(&server)
        .await;
    drop(server);
}
