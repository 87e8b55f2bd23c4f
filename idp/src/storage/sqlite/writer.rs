//! The one writer: every write of this process goes through one connection, one operation at
//! a time, with **group commit**. Writers queue on a mutex (never in SQLite's busy handler,
//! which sleeps), each operation runs in a savepoint of the open write transaction, and the
//! transaction is committed — one fsync — once no other writer is waiting (or the batch is
//! full). Every caller returns only after the commit that made its operation durable (or
//! with an error if it failed), so an answer is never sent for a write that could still be
//! lost; under load, one fsync covers the writes that queued during the previous one.
//!
//! Each operation still sees every earlier one (the same connection, in order) and is still
//! atomic on its own (its savepoint is rolled back if it fails or asks to undo), so the
//! operations behave exactly as consecutive `BEGIN IMMEDIATE` transactions. Another process
//! (the admin CLI) still writes through SQLite's lock and busy timeout.

use std::panic::{catch_unwind, resume_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock};
use std::thread::Thread;

use rusqlite::Connection;

use super::pool::Cached;
use crate::storage::StoreError;

/// Operations at most in one commit (bounds how long the first of them waits).
const MAX_BATCH: usize = 64;

/// The writer connection and the batch being built.
pub(super) struct Writer {
    state: Mutex<State>,
    /// Writers between announcing themselves and taking the mutex: while one is there, the
    /// batch stays open for it.
    arriving: AtomicUsize,
}

struct State {
    conn: Option<Connection>,
    /// Whether the write transaction is open.
    open: bool,
    /// The open batch's operations, told the outcome of its commit.
    members: Vec<Member>,
    /// Commits so far (tests check that batching happens).
    commits: u64,
}

impl Writer {
    pub fn new() -> Writer {
        Writer {
            state: Mutex::new(State { conn: None, open: false, members: Vec::new(), commits: 0 }),
            arriving: AtomicUsize::new(0),
        }
    }

    /// Runs `f` as one atomic write; `f` returns its result and whether to keep what it wrote
    /// (`false`: undone, as a rolled back transaction). Returns once it is durable.
    pub fn write<T>(
        &self,
        open: impl FnOnce() -> Result<Connection, rusqlite::Error>,
        f: impl FnOnce(&Connection) -> Result<(T, bool), StoreError>,
    ) -> Result<T, StoreError> {
        self.arriving.fetch_add(1, Ordering::SeqCst);
        let mut st = self.lock();
        self.arriving.fetch_sub(1, Ordering::SeqCst);
        if st.conn.is_none() {
            st.conn = Some(open()?);
        }
        if !st.open {
            st.conn().exec("BEGIN IMMEDIATE", [])?;
            st.open = true;
        }
        let ran = run_in_savepoint(st.conn(), f);
        let (out, panic) = match ran {
            Ok(Ok(out)) => (Ok(out), None),
            Ok(Err(e)) => (Err(e), None),
            Err(Broken(e)) => {
                // The savepoint could not be released or rolled back: the transaction is in
                // an unknown state, so the whole batch is abandoned.
                self.finish(&mut st, Err(e));
                return Err(e);
            }
            Err(Panicked(p)) => (Err(StoreError::Failed), Some(p)),
        };
        let mine = Arc::new(OnceLock::new());
        st.members.push(Member { outcome: mine.clone(), thread: std::thread::current() });
        if self.arriving.load(Ordering::SeqCst) == 0 || st.members.len() >= MAX_BATCH {
            let committed = st.conn().exec("COMMIT", []).map(drop).map_err(StoreError::from);
            self.finish(&mut st, committed);
        }
        // Waits without the lock: the next batch's writers take it at once, and the commit
        // wakes exactly its own members (not every waiter, to queue again for the lock).
        drop(st);
        while mine.get().is_none() {
            std::thread::park();
        }
        if let Some(p) = panic {
            resume_unwind(p);
        }
        mine.get().copied().unwrap_or(Err(StoreError::Failed))?;
        out
    }

    /// Commits done so far.
    #[cfg(test)]
    pub fn commits(&self) -> u64 {
        self.lock().commits
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // A panicking operation never leaves the state inconsistent (it is caught inside).
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Ends the open batch with `outcome` (rolling back if it is an error) and wakes its
    /// members.
    fn finish(&self, st: &mut State, outcome: Result<(), StoreError>) {
        if outcome.is_err() && !st.conn().is_autocommit() {
            let _ = st.conn().exec("ROLLBACK", []);
        }
        st.open = false;
        st.commits += u64::from(outcome.is_ok());
        for m in st.members.drain(..) {
            let _ = m.outcome.set(outcome);
            m.thread.unpark();
        }
    }
}

/// An operation of the open batch: where its commit's outcome goes, and its thread, woken
/// once the outcome is there (`park` may also return early: the waiter checks the outcome).
struct Member {
    outcome: Arc<OnceLock<Result<(), StoreError>>>,
    thread: Thread,
}

impl State {
    fn conn(&self) -> &Connection {
        self.conn.as_ref().expect("opened before use")
    }
}

/// Why a savepoint's operation left the transaction unusable, or panicked.
enum Failure {
    Broken(StoreError),
    Panicked(Box<dyn std::any::Any + Send>),
}
use Failure::{Broken, Panicked};

/// Runs `f` in a savepoint: kept if it returns `Ok((_, true))`, rolled back otherwise.
fn run_in_savepoint<T>(
    conn: &Connection,
    f: impl FnOnce(&Connection) -> Result<(T, bool), StoreError>,
) -> Result<Result<T, StoreError>, Failure> {
    // Cached statements: these run around every write.
    conn.exec("SAVEPOINT op", []).map_err(|e| Broken(e.into()))?;
    let ran = catch_unwind(AssertUnwindSafe(|| f(conn)));
    let keep = matches!(ran, Ok(Ok((_, true))));
    if !keep {
        conn.exec("ROLLBACK TO op", []).map_err(|e| Broken(e.into()))?;
    }
    conn.exec("RELEASE op", []).map_err(|e| Broken(e.into()))?;
    match ran {
        Ok(r) => Ok(r.map(|(t, _)| t)),
        Err(p) => Err(Panicked(p)),
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::Ordering;
    use std::time::{Duration, Instant};

    use rusqlite::Connection;

    use super::Writer;
    use crate::storage::StoreError;

    fn setup() -> (tempfile::TempDir, impl Fn() -> Result<Connection, rusqlite::Error>) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("w.db");
        let c = Connection::open(&path).unwrap();
        c.execute_batch("PRAGMA journal_mode = WAL; CREATE TABLE t (v TEXT PRIMARY KEY);").unwrap();
        (dir, move || Connection::open(&path))
    }

    fn rows(open: &impl Fn() -> Result<Connection, rusqlite::Error>) -> Vec<String> {
        let c = open().unwrap();
        let mut s = c.prepare("SELECT v FROM t ORDER BY v").unwrap();
        s.query_map([], |r| r.get(0)).unwrap().map(Result::unwrap).collect()
    }

    fn insert(c: &Connection, v: &str) -> Result<(), StoreError> {
        c.execute("INSERT INTO t (v) VALUES (?1)", [v])?;
        Ok(())
    }

    /// Waits (inside an operation) until `n` other writers queue behind it.
    fn until_queued(w: &Writer, n: usize) {
        let start = Instant::now();
        while w.arriving.load(Ordering::SeqCst) < n {
            assert!(start.elapsed() < Duration::from_secs(10), "writers did not queue");
            std::thread::yield_now();
        }
    }

    /// Three writers, the second and third queued while the first runs: one commit covers
    /// all three; a failing or undone operation in the batch leaves no trace and the others
    /// are kept; each caller's answer comes after the commit.
    #[test]
    fn queued_writes_share_one_commit_and_a_failed_one_is_undone_alone() {
        let (_dir, open) = setup();
        let w = Writer::new();
        let before = w.commits();
        std::thread::scope(|s| {
            let first = s.spawn(|| {
                w.write(&open, |c| {
                    insert(c, "a")?;
                    until_queued(&w, 2);
                    Ok(((), true))
                })
            });
            until_queued(&w, 0);
            std::thread::sleep(Duration::from_millis(50));
            let failing = s.spawn(|| {
                w.write(&open, |c| {
                    insert(c, "b")?;
                    Err::<((), bool), _>(StoreError::Failed)
                })
            });
            let undone = s.spawn(|| w.write(&open, |c| insert(c, "c").map(|()| ((), false))));
            assert_eq!(first.join().unwrap(), Ok(()));
            assert_eq!(failing.join().unwrap(), Err(StoreError::Failed));
            assert_eq!(undone.join().unwrap(), Ok(()));
        });
        let last = w.write(&open, |c| insert(c, "d").map(|()| ((), true)));
        assert_eq!(last, Ok(()));
        assert_eq!(rows(&open), ["a", "d"]);
        assert_eq!(w.commits() - before, 2, "the first three writes shared one commit");
    }

    #[test]
    fn a_panicking_operation_reaches_its_caller_and_the_writer_keeps_working() {
        let (_dir, open) = setup();
        let w = Writer::new();
        let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            w.write(&open, |c| -> Result<((), bool), StoreError> {
                insert(c, "x")?;
                panic!("a bug inside a write");
            })
        }));
        assert!(r.is_err(), "the panic reaches the caller");
        assert_eq!(w.write(&open, |c| insert(c, "y").map(|()| ((), true))), Ok(()));
        assert_eq!(rows(&open), ["y"], "the panicking write left nothing");
    }

    #[test]
    fn a_constraint_failure_is_a_store_error_and_the_batch_goes_on() {
        let (_dir, open) = setup();
        let w = Writer::new();
        assert_eq!(w.write(&open, |c| insert(c, "k").map(|()| ((), true))), Ok(()));
        assert_eq!(
            w.write(&open, |c| insert(c, "k").map(|()| ((), true))),
            Err(StoreError::Failed)
        );
        assert_eq!(w.write(&open, |c| insert(c, "m").map(|()| ((), true))), Ok(()));
        assert_eq!(rows(&open), ["k", "m"]);
    }
}
