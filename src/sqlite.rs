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

/// Runs `work` in an immediate transaction (the write lock taken at its start, so
/// that what it reads stays true until it commits), begun and committed by cached
/// statements: rusqlite's `Transaction` parses `BEGIN` and `COMMIT` anew each time.
/// A failed `work` is rolled back, as is a transaction a panic left open.
pub(crate) fn immediate<R, E>(
    conn: &Connection,
    error: impl Fn(rusqlite::Error) -> E,
    work: impl FnOnce(&Connection) -> Result<R, E>,
) -> Result<R, E> {
    if !conn.is_autocommit() {
        rollback(conn);
    }
    conn.prepare_cached("BEGIN IMMEDIATE").and_then(|mut begin| begin.execute([])).map_err(&error)?;
    match work(conn) {
        Ok(done) => match conn.prepare_cached("COMMIT").and_then(|mut commit| commit.execute([])) {
            Ok(_) => Ok(done),
            Err(err) => {
                rollback(conn);
                Err(error(err))
            }
        },
        Err(err) => {
            rollback(conn);
            Err(err)
        }
    }
}

fn rollback(conn: &Connection) {
    let _already_ended = conn.prepare_cached("ROLLBACK").and_then(|mut rollback| rollback.execute([]));
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rows(conn: &Connection) -> i64 {
        conn.query_row("SELECT COUNT(*) FROM t", [], |row| row.get(0)).unwrap()
    }

    #[test]
    fn a_failed_transaction_is_rolled_back_and_the_next_one_commits() {
        let db = Sqlite::in_memory("CREATE TABLE t (n INTEGER)").unwrap();
        let conn = db.0.lock().unwrap();
        let insert = |conn: &Connection| conn.execute("INSERT INTO t (n) VALUES (1)", []).map(drop);
        let failed: Result<(), String> = immediate(
            &conn,
            |err| err.to_string(),
            |conn| {
                insert(conn).map_err(|err| err.to_string())?;
                Err("refused".to_owned())
            },
        );
        assert_eq!(failed, Err("refused".to_owned()));
        assert_eq!(rows(&conn), 0);
        // A transaction left open (as a panic inside one would) is rolled back first.
        conn.execute_batch("BEGIN; INSERT INTO t (n) VALUES (2)").unwrap();
        immediate(&conn, |err| err, insert).unwrap();
        assert_eq!(rows(&conn), 1);
        assert!(conn.is_autocommit());
    }
}
