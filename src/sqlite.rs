//! One SQLite connection used from async code. Each use runs at once on the calling
//! thread, one at a time per process: a use is a short transaction on a local file (a
//! few statements, microseconds), and no lock is held across an `.await`, so the hop
//! to a blocking thread would cost more than the work. Several processes share the
//! file through SQLite's own locks (WAL, and a busy timeout to wait on them, which
//! blocks the calling thread meanwhile).

use rusqlite::Connection;
use std::future::Ready;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// How long a statement waits for another process's write lock.
const BUSY_TIMEOUT: Duration = Duration::from_secs(10);

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

    /// Runs `work` on the connection when called, and returns its result as a future
    /// already done (what the stores' async methods hand back).
    pub(crate) fn run<R, E>(&self, work: impl FnOnce(&mut Connection) -> Result<R, E>) -> Ready<Result<R, E>> {
        let mut conn = self.0.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        std::future::ready(work(&mut conn))
    }
}
