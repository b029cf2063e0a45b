//! wiremock's mock server, dropped where its drop cannot spin (see `mock_drop.rs`).

use std::ops::Deref;

/// A [`wiremock::MockServer`] that, when dropped, verifies its expectations on a
/// thread of its own, outside the dropping task's cooperative budget. Everything else
/// is wiremock's, through `Deref`: `&server` goes wherever `&wiremock::MockServer`
/// does.
pub struct MockServer(Option<wiremock::MockServer>);

impl MockServer {
    /// Starts a server, as [`wiremock::MockServer::start`].
    pub async fn start() -> MockServer {
        MockServer(Some(wiremock::MockServer::start().await))
    }

    /// Wraps a server started otherwise (from a builder).
    pub fn from_started(server: wiremock::MockServer) -> MockServer {
        MockServer(Some(server))
    }
}

impl Deref for MockServer {
    type Target = wiremock::MockServer;

    fn deref(&self) -> &wiremock::MockServer {
        self.0.as_ref().expect("the server is only taken when dropped")
    }
}

impl Drop for MockServer {
    fn drop(&mut self) {
        let Some(server) = self.0.take() else { return };
        if std::thread::panicking() {
            // The test has failed already: drop it here, as wiremock would.
            return drop(server);
        }
        // A failed verification panics on that thread; its message is passed on here.
        let dropped = std::thread::scope(|scope| scope.spawn(move || drop(server)).join());
        if let Err(panic) = dropped {
            std::panic::resume_unwind(panic);
        }
    }
}
