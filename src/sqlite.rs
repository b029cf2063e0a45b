//! One SQLite connection used from async code: each use runs on tokio's blocking
//! threads, one at a time per process; several processes share the file through
//! SQLite's own locks (WAL, and a busy timeout to wait on them).

use rusqlite::Connection;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// How long a statement waits for another process's write lock.
const BUSY_TIMEOUT: Duration = Duration::from_secs(30);

/// A connection to a SQLite file (or to memory).
#[derive(Clone)]
pub(crate) struct Sqlite(Arc<Mutex<Connection>>);

impl Sqlite {
    /// Opens (creating if need be) the file at `path` and runs `schema` on it.
    pub(crate) fn open(path: &Path, schema: &str) -> rusqlite::Result<Self> {
        Sqlite::ready(Connection::open(path)?, schema)
    }

    /// A database in memory, for one process, with `schema`.
    pub(crate) fn in_memory(schema: &str) -> rusqlite::Result<Self> {
        Sqlite::ready(Connection::open_in_memory()?, schema)
    }

    fn ready(conn: Connection, schema: &str) -> rusqlite::Result<Self> {
        conn.busy_timeout(BUSY_TIMEOUT)?;
        // In memory, the journal mode stays `memory`; that is fine.
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        conn.execute_batch(schema)?;
        Ok(Sqlite(Arc::new(Mutex::new(conn))))
    }

    /// Runs `work` on the connection, off the async threads.
    pub(crate) async fn run<R, E>(
        &self,
        work: impl FnOnce(&mut Connection) -> Result<R, E> + Send + 'static,
    ) -> Result<R, E>
    where
        R: Send + 'static,
        E: Send + 'static + From<String>,
    {
        let conn = self.0.clone();
        let joined = tokio::task::spawn_blocking(move || {
            let mut conn = conn.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
            work(&mut conn)
        })
        .await;
        joined.unwrap_or_else(|err| Err(E::from(format!("the SQLite task failed: {err}"))))
    }
}
