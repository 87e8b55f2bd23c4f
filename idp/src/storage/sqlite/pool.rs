//! The SQLite file and its small pool of configured connections for reads (pragmas set once
//! per connection, prepared statements cached per connection), the one writer (`writer.rs`:
//! group commit) for every write, and the `user_version` migrations.

use std::ops::{Deref, DerefMut};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rusqlite::{Connection, OpenFlags, TransactionBehavior};

use super::writer::Writer;
use crate::storage::{OpenError, StoreError};

/// Idle read connections kept for reuse: opening one parses the whole schema again and
/// closing it frees its page cache, so a connection opened for a burst and dropped after it
/// costs more than the reads it served (with 16, a third of the connections used under the
/// bench's 64 devices were opened and closed again). Under load as many reads run at once
/// as requests; each idle connection keeps the pages it read (SQLite's cache, 2 MB at most).
const POOL_IDLE: usize = 64;

/// Current schema version.
pub(in crate::storage) const SCHEMA_VERSION: i64 = 18;

/// The version-1 schema.
const MIGRATION_1: &str = include_str!("schema_v1.sql");
/// Version 1 → 2: the OpenID Connect provider's tables.
const MIGRATION_2: &str = include_str!("schema_v2_oidc.sql");
/// Version 2 → 3: the password guessing limits' counters.
const MIGRATION_3: &str = include_str!("schema_v3_limits.sql");
/// Version 3 → 4: one-time codes as a sign-in method.
const MIGRATION_4: &str = include_str!("schema_v4_otp.sql");
/// Version 4 → 5: indexes for the hot paths (nonce purge, a user's pending requests).
const MIGRATION_5: &str = include_str!("schema_v5_hot_paths.sql");
/// Version 5 → 6: disabled users, where events came from.
const MIGRATION_6: &str = include_str!("schema_v6_recovery.sql");
/// Version 6 → 7: Microsoft Entra ID external authentication methods.
const MIGRATION_7: &str = include_str!("schema_v7_eam.sql");
/// Version 7 → 8: transfer codes for moving to a new phone.
const MIGRATION_8: &str = include_str!("schema_v8_transfer.sql");
/// Version 8 → 9: the push notification budget (quiet mode, mute after a report).
const MIGRATION_9: &str = include_str!("schema_v9_push_budget.sql");
/// Version 9 → 10: an index for the push budget's count of a user's notifications.
const MIGRATION_10: &str = include_str!("schema_v10_push_budget_index.sql");
/// Version 10 → 11: the device a request must never reach (a lost-phone step-up's).
const MIGRATION_11: &str = include_str!("schema_v11_step_up_exclusion.sql");
/// Version 11 → 12: requests started in a browser the provider recognises.
const MIGRATION_12: &str = include_str!("schema_v12_known_browser.sql");
/// Version 12 → 13: an index for a sign-in start's read of the user's devices.
const MIGRATION_13: &str = include_str!("schema_v13_start_reads.sql");
/// Version 13 → 14: which enrollment codes and devices carried the one-time-code secret.
const MIGRATION_14: &str = include_str!("schema_v14_otp_delivery.sql");
/// Version 14 → 15: a user name's second password failure counter, its familiar context's.
const MIGRATION_15: &str = include_str!("schema_v15_familiar_lockout.sql");
/// Version 15 → 16: the attestation format verified for a phone sign-in key.
const MIGRATION_16: &str = include_str!("schema_v16_key_attestation.sql");
/// Version 16 → 17: user names' keys (case-insensitive matching); its data step is
/// [`super::accounts::key_user_names`].
const MIGRATION_17: &str = include_str!("schema_v17_name_keys.sql");
/// Version 17 → 18: a browser session's marks of the user's methods at its start.
const MIGRATION_18: &str = include_str!("schema_v18_vouching_marks.sql");

/// A database file and its connection pool. Cheap to clone (clones share the pool);
/// [`Pool::conn`] lends a configured connection.
#[derive(Clone)]
pub(super) struct Pool {
    path: PathBuf,
    idle: Arc<Mutex<Vec<Connection>>>,
    writer: Arc<Writer>,
}

impl std::fmt::Debug for Pool {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pool").field("path", &self.path).finish_non_exhaustive()
    }
}

/// A pooled connection; back to the pool when dropped.
pub(super) struct PooledConn {
    conn: Option<Connection>,
    idle: Arc<Mutex<Vec<Connection>>>,
}

impl Deref for PooledConn {
    type Target = Connection;
    fn deref(&self) -> &Connection {
        self.conn.as_ref().expect("a pooled connection is present until dropped")
    }
}

impl DerefMut for PooledConn {
    fn deref_mut(&mut self) -> &mut Connection {
        self.conn.as_mut().expect("a pooled connection is present until dropped")
    }
}

impl Drop for PooledConn {
    fn drop(&mut self) {
        let Some(conn) = self.conn.take() else { return };
        // A connection left inside a transaction (a panic mid-way) is not reused.
        if !conn.is_autocommit() {
            return;
        }
        if let Ok(mut idle) = self.idle.lock() {
            if idle.len() < POOL_IDLE {
                idle.push(conn);
            }
        }
    }
}

/// The one mapping of SQLite's errors: busy or locked → [`StoreError::Busy`], anything else
/// → [`StoreError::Failed`], logged (SQLite's text names tables and constraints, never the
/// bound values).
impl From<rusqlite::Error> for StoreError {
    fn from(e: rusqlite::Error) -> Self {
        if let rusqlite::Error::SqliteFailure(f, _) = &e {
            if f.code == rusqlite::ErrorCode::DatabaseBusy
                || f.code == rusqlite::ErrorCode::DatabaseLocked
            {
                tracing::warn!("database busy");
                return StoreError::Busy;
            }
        }
        tracing::error!(error = %e, "storage failed");
        StoreError::Failed
    }
}

impl From<rusqlite::Error> for OpenError {
    fn from(e: rusqlite::Error) -> Self {
        OpenError::Backend(e.to_string())
    }
}

impl Pool {
    /// Opens (creating and migrating if needed) the database at `path`.
    pub fn init(path: impl AsRef<Path>) -> Result<Pool, OpenError> {
        let pool = Pool {
            path: path.as_ref().to_owned(),
            idle: Arc::default(),
            writer: Arc::new(Writer::new()),
        };
        owner_only(&pool.path)?;
        let mut conn = pool.open()?;
        migrate(&mut conn)?;
        Ok(pool)
    }

    /// The file path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// A connection from the pool, or a new one.
    pub fn conn(&self) -> Result<PooledConn, StoreError> {
        let reused = self.idle.lock().ok().and_then(|mut idle| idle.pop());
        let conn = match reused {
            Some(c) => c,
            None => self.open()?,
        };
        Ok(PooledConn { conn: Some(conn), idle: self.idle.clone() })
    }

    /// Runs `f` as one atomic write through the writer (as a `BEGIN IMMEDIATE` transaction:
    /// no other write comes between what `f` reads and what it writes); kept when `f`
    /// returns `Ok`. Returns once it is durable.
    pub fn write<T>(
        &self,
        f: impl FnOnce(&Connection) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        self.writer.write(|| self.open(), |c| f(c).map(|t| (t, true)))
    }

    /// [`Pool::write`] for an operation that may find it must write nothing: `f` returns its
    /// result and whether to keep what it wrote (otherwise it is undone).
    pub fn write_or_undo<T>(
        &self,
        f: impl FnOnce(&Connection) -> Result<(T, bool), StoreError>,
    ) -> Result<T, StoreError> {
        self.writer.write(|| self.open(), f)
    }

    /// A new connection: WAL, foreign keys, busy timeout 5 s, synchronous FULL. SQLite may
    /// not create the file (no `SQLITE_OPEN_CREATE`): [`owner_only`] has.
    fn open(&self) -> Result<Connection, rusqlite::Error> {
        let flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let conn = Connection::open_with_flags(&self.path, flags)?;
        conn.busy_timeout(Duration::from_secs(5))?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "FULL")?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        conn.set_prepared_statement_cache_capacity(128);
        Ok(conn)
    }
}

/// Creates the database file readable and writable by its owner only from the first moment
/// (`O_CREAT` with mode 0600: there is no window in which another user can open it); SQLite
/// gives the `-wal` and `-shm` files it creates the database file's mode. An existing file,
/// and any `-wal`/`-shm` beside it, must not be open to group or others.
fn owner_only(path: &Path) -> Result<(), OpenError> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    match options.open(path) {
        Ok(_) => {}
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
        Err(e) => return Err(OpenError::Backend(format!("creating {}: {e}", path.display()))),
    }
    #[cfg(unix)]
    check_owner_only(path)?;
    Ok(())
}

/// The database file and its `-wal`/`-shm` files, where they exist, are closed to group and
/// others.
#[cfg(unix)]
fn check_owner_only(path: &Path) -> Result<(), OpenError> {
    use std::os::unix::fs::MetadataExt;
    let sidecar = |suffix: &str| {
        let mut p = path.as_os_str().to_owned();
        p.push(suffix);
        PathBuf::from(p)
    };
    for file in [path.to_owned(), sidecar("-wal"), sidecar("-shm")] {
        match std::fs::metadata(&file) {
            Ok(m) if m.mode() & 0o077 != 0 => {
                return Err(OpenError::Exposed { path: file, mode: m.mode() & 0o777 });
            }
            Ok(_) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(OpenError::Backend(format!("{}: {e}", file.display()))),
        }
    }
    Ok(())
}

fn migrate(conn: &mut Connection) -> Result<(), OpenError> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let version: i64 = tx.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    if version > SCHEMA_VERSION {
        return Err(OpenError::FromTheFuture { found: version, supported: SCHEMA_VERSION });
    }
    if version < 1 {
        tx.execute_batch(MIGRATION_1)?;
    }
    if version < 2 {
        tx.execute_batch(MIGRATION_2)?;
    }
    if version < 3 {
        tx.execute_batch(MIGRATION_3)?;
    }
    if version < 4 {
        tx.execute_batch(MIGRATION_4)?;
    }
    if version < 5 {
        tx.execute_batch(MIGRATION_5)?;
    }
    if version < 6 {
        tx.execute_batch(MIGRATION_6)?;
    }
    if version < 7 {
        tx.execute_batch(MIGRATION_7)?;
    }
    if version < 8 {
        tx.execute_batch(MIGRATION_8)?;
    }
    if version < 9 {
        tx.execute_batch(MIGRATION_9)?;
    }
    if version < 10 {
        tx.execute_batch(MIGRATION_10)?;
    }
    if version < 11 {
        tx.execute_batch(MIGRATION_11)?;
    }
    if version < 12 {
        tx.execute_batch(MIGRATION_12)?;
    }
    if version < 13 {
        tx.execute_batch(MIGRATION_13)?;
    }
    if version < 14 {
        tx.execute_batch(MIGRATION_14)?;
    }
    if version < 15 {
        tx.execute_batch(MIGRATION_15)?;
    }
    if version < 16 {
        tx.execute_batch(MIGRATION_16)?;
    }
    if version < 17 {
        tx.execute_batch(MIGRATION_17)?;
        let clashes = super::accounts::key_user_names(&tx)?;
        if clashes > 0 {
            tracing::warn!(
                users = clashes,
                "user names differing only in case from an older user's sign in only as typed: see `nyckel-idp user list`"
            );
        }
    }
    if version < 18 {
        tx.execute_batch(MIGRATION_18)?;
    }
    tx.pragma_update(None, "user_version", SCHEMA_VERSION)?;
    tx.commit()?;
    Ok(())
}

/// Statements through the connection's cache: each SQL text is parsed once per connection
/// (parsing costs more than running most of these statements).
pub(super) trait Cached {
    /// `execute` with a cached statement.
    fn exec<P: rusqlite::Params>(&self, sql: &str, params: P) -> rusqlite::Result<usize>;
    /// `query_row` with a cached statement.
    fn row<T, P: rusqlite::Params>(
        &self,
        sql: &str,
        params: P,
        f: impl FnOnce(&rusqlite::Row<'_>) -> rusqlite::Result<T>,
    ) -> rusqlite::Result<T>;
}

impl Cached for Connection {
    fn exec<P: rusqlite::Params>(&self, sql: &str, params: P) -> rusqlite::Result<usize> {
        self.prepare_cached(sql)?.execute(params)
    }

    fn row<T, P: rusqlite::Params>(
        &self,
        sql: &str,
        params: P,
        f: impl FnOnce(&rusqlite::Row<'_>) -> rusqlite::Result<T>,
    ) -> rusqlite::Result<T> {
        self.prepare_cached(sql)?.query_row(params, f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sqlite_never_creates_the_database_file_itself() {
        let dir = tempfile::tempdir().unwrap();
        let pool = Pool {
            path: dir.path().join("x.db"),
            idle: Arc::default(),
            writer: Arc::new(Writer::new()),
        };
        assert!(pool.open().is_err(), "no SQLITE_OPEN_CREATE");
        assert!(!pool.path.exists());
        owner_only(&pool.path).unwrap();
        assert!(pool.open().is_ok(), "opens the file created owner-only");
    }
}
