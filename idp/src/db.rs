//! SQLite storage: one file, WAL, `user_version` migrations, and a small pool of configured
//! connections (pragmas set once per connection, prepared statements cached per connection).

use std::ops::{Deref, DerefMut};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rusqlite::{params, Connection, OptionalExtension};

use crate::error::Error;

/// Idle connections kept for reuse.
const POOL_IDLE: usize = 8;

/// Current schema version.
pub(crate) const SCHEMA_VERSION: i64 = 1;

const MIGRATION_1: &str = r#"
CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE users (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    password_hash TEXT,
    otp_secret TEXT,
    blocked_until INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL
);
CREATE TABLE activations (
    code_hash TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users(id),
    expires_at INTEGER NOT NULL,
    used_at INTEGER
);
CREATE TABLE devices (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users(id),
    name TEXT NOT NULL,
    push_token TEXT,
    created_at INTEGER NOT NULL,
    revoked_at INTEGER
);
CREATE TABLE credentials (
    id TEXT PRIMARY KEY,
    device_id TEXT NOT NULL REFERENCES devices(id),
    user_id TEXT NOT NULL REFERENCES users(id),
    kind TEXT NOT NULL CHECK (kind IN ('device', 'phone_signin')),
    public_key BLOB NOT NULL,
    sign_count INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL,
    revoked_at INTEGER
);
CREATE INDEX credentials_device ON credentials(device_id);
CREATE TABLE requests (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users(id),
    kind TEXT NOT NULL CHECK (kind IN ('push', 'passwordless')),
    nonce BLOB NOT NULL,
    number INTEGER NOT NULL,
    app TEXT NOT NULL,
    ip TEXT NOT NULL,
    location TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    state TEXT NOT NULL,
    decided_at INTEGER,
    credential_id TEXT,
    browser_token_hash TEXT
);
CREATE INDEX requests_user ON requests(user_id, created_at);
CREATE TABLE push_log (
    id INTEGER PRIMARY KEY,
    request_id TEXT NOT NULL,
    device_id TEXT NOT NULL,
    push_token TEXT,
    sent_at INTEGER NOT NULL
);
CREATE TABLE device_nonces (
    device_id TEXT NOT NULL,
    nonce TEXT NOT NULL,
    expires_at INTEGER NOT NULL,
    PRIMARY KEY (device_id, nonce)
);
CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users(id),
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
);
CREATE TABLE events (
    id INTEGER PRIMARY KEY,
    at INTEGER NOT NULL,
    user_id TEXT,
    kind TEXT NOT NULL,
    detail TEXT NOT NULL DEFAULT ''
);
"#;

/// A database file and its connection pool. Cheap to clone (clones share the pool);
/// [`Db::conn`] lends a configured connection.
#[derive(Clone)]
pub(crate) struct Db {
    path: PathBuf,
    idle: Arc<Mutex<Vec<Connection>>>,
}

impl std::fmt::Debug for Db {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Db").field("path", &self.path).finish_non_exhaustive()
    }
}

/// A pooled connection; back to the pool when dropped.
pub(crate) struct PooledConn {
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

impl From<rusqlite::Error> for Error {
    fn from(e: rusqlite::Error) -> Self {
        if let rusqlite::Error::SqliteFailure(f, _) = &e {
            if f.code == rusqlite::ErrorCode::DatabaseBusy
                || f.code == rusqlite::ErrorCode::DatabaseLocked
            {
                tracing::warn!("database busy");
                return Error::Busy;
            }
        }
        // SQLite's text names tables and constraints, never the bound values.
        tracing::error!(error = %e, "storage failed");
        Error::Internal
    }
}

/// Opening or migrating failed.
#[derive(Debug, thiserror::Error)]
pub(crate) enum DbError {
    /// SQLite failed.
    #[error("database: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// The file was written by a newer version.
    #[error("database schema version {0} is newer than this program ({SCHEMA_VERSION})")]
    FromTheFuture(i64),
}

impl Db {
    /// Opens (creating and migrating if needed) the database at `path`.
    pub fn init(path: impl AsRef<Path>) -> Result<Db, DbError> {
        let db = Db { path: path.as_ref().to_owned(), idle: Arc::default() };
        let new_file = !db.path.exists();
        let mut conn = db.conn()?;
        #[cfg(unix)]
        if new_file {
            use std::os::unix::fs::PermissionsExt;
            let _ = std::fs::set_permissions(&db.path, std::fs::Permissions::from_mode(0o600));
        }
        let _ = new_file;
        migrate(&mut conn)?;
        Ok(db)
    }

    /// The file path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// A connection from the pool, or a new one.
    pub fn conn(&self) -> Result<PooledConn, rusqlite::Error> {
        let reused = self.idle.lock().ok().and_then(|mut idle| idle.pop());
        let conn = match reused {
            Some(c) => c,
            None => self.open()?,
        };
        Ok(PooledConn { conn: Some(conn), idle: self.idle.clone() })
    }

    /// A new connection: WAL, foreign keys, busy timeout 5 s, synchronous FULL.
    fn open(&self) -> Result<Connection, rusqlite::Error> {
        let conn = Connection::open(&self.path)?;
        conn.busy_timeout(Duration::from_secs(5))?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "FULL")?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        conn.set_prepared_statement_cache_capacity(64);
        Ok(conn)
    }
}

fn migrate(conn: &mut Connection) -> Result<(), DbError> {
    let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
    let version: i64 = tx.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    if version > SCHEMA_VERSION {
        return Err(DbError::FromTheFuture(version));
    }
    if version < 1 {
        tx.execute_batch(MIGRATION_1)?;
    }
    tx.pragma_update(None, "user_version", SCHEMA_VERSION)?;
    tx.commit()?;
    Ok(())
}

/// Reads a setting.
pub(crate) fn setting(conn: &Connection, key: &str) -> rusqlite::Result<Option<String>> {
    conn.query_row("SELECT value FROM settings WHERE key = ?1", [key], |r| r.get(0)).optional()
}

/// Writes a setting.
pub(crate) fn set_setting(conn: &Connection, key: &str, value: &str) -> rusqlite::Result<()> {
    conn.execute(
        "INSERT INTO settings (key, value) VALUES (?1, ?2) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
        params![key, value],
    )?;
    Ok(())
}

/// Records an activity event.
pub(crate) fn event(
    conn: &Connection,
    at: i64,
    user_id: Option<&str>,
    kind: &str,
    detail: &str,
) -> rusqlite::Result<()> {
    conn.execute(
        "INSERT INTO events (at, user_id, kind, detail) VALUES (?1, ?2, ?3, ?4)",
        params![at, user_id, kind, detail],
    )?;
    Ok(())
}
