//! The vault's SQLite schema and its migrations.
//!
//! `PRAGMA user_version` holds the schema version; `PRAGMA application_id` marks the file
//! as a Nyckel vault. Each migration runs in the caller's transaction, so a vault is
//! either fully at the old version or fully at the new one.

use rusqlite::{Connection, Transaction};

/// `PRAGMA application_id` of a Nyckel vault ("Nyck").
pub const APPLICATION_ID: i32 = 0x4E79_636B;

/// Migrations in order: `MIGRATIONS[i]` takes the schema from version `i` to `i + 1`.
const MIGRATIONS: &[&str] = &[
    // 0 → 1: key slots, accounts, activity. Only ids, positions and timestamps are clear.
    "CREATE TABLE vault_meta (
         id INTEGER PRIMARY KEY CHECK (id = 1),
         vault_id BLOB NOT NULL CHECK (length(vault_id) = 16),
         key_check BLOB NOT NULL,
         created_at INTEGER NOT NULL
     );
     CREATE TABLE key_slots (
         id INTEGER PRIMARY KEY AUTOINCREMENT,
         kind TEXT NOT NULL CHECK (kind IN ('passphrase', 'platform')),
         params TEXT NOT NULL,
         wrapped BLOB NOT NULL,
         created_at INTEGER NOT NULL
     );
     CREATE TABLE accounts (
         id INTEGER PRIMARY KEY AUTOINCREMENT,
         position INTEGER NOT NULL,
         created_at INTEGER NOT NULL,
         updated_at INTEGER NOT NULL,
         sealed BLOB NOT NULL
     );
     CREATE TABLE activity (
         id INTEGER PRIMARY KEY AUTOINCREMENT,
         at INTEGER NOT NULL,
         sealed BLOB NOT NULL
     );",
    // 1 → 2: push-approval enrollments, and the software device-key store (CLI/tests; phones
    // keep device keys in StrongBox / the Secure Enclave instead).
    "CREATE TABLE enrollments (
         id INTEGER PRIMARY KEY AUTOINCREMENT,
         created_at INTEGER NOT NULL,
         updated_at INTEGER NOT NULL,
         sealed BLOB NOT NULL
     );
     CREATE TABLE key_store (
         id INTEGER PRIMARY KEY CHECK (id = 1),
         updated_at INTEGER NOT NULL,
         sealed BLOB NOT NULL
     );",
];

/// The tables each migration creates: `TABLES[i]` by `MIGRATIONS[i]`.
const TABLES: [&[&str]; 2] =
    [&["vault_meta", "key_slots", "accounts", "activity"], &["enrollments", "key_store"]];

/// The schema version this build writes.
pub const LATEST: i64 = MIGRATIONS.len() as i64;

/// Checks that a vault of schema `version` (1..=[`LATEST`]) has every table its migrations
/// created, and none that a later migration would create (so migrating it cannot fail
/// half-way on a table that is already there). Reads only.
pub fn check_tables(conn: &Connection, version: i64) -> Result<(), String> {
    let mut st = conn
        .prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?1")
        .map_err(|e| e.to_string())?;
    for (i, tables) in TABLES.iter().enumerate() {
        let expected = (i as i64) < version;
        for table in *tables {
            let present = st.exists([table]).map_err(|e| e.to_string())?;
            if present != expected {
                return Err(if expected {
                    format!("table {table} is missing")
                } else {
                    format!("table {table} exists in a schema-{version} file")
                });
            }
        }
    }
    Ok(())
}

/// Brings the schema from `from` up to [`LATEST`] inside `tx`.
pub fn migrate(tx: &Transaction<'_>, from: i64) -> rusqlite::Result<()> {
    for (i, sql) in MIGRATIONS.iter().enumerate().skip(from.max(0) as usize) {
        tx.execute_batch(sql)?;
        tx.pragma_update(None, "user_version", i as i64 + 1)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tables(conn: &rusqlite::Connection) -> Vec<String> {
        let mut st = conn.prepare("SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%' ORDER BY name").unwrap();
        st.query_map([], |r| r.get(0)).unwrap().map(Result::unwrap).collect()
    }

    #[test]
    fn migrates_an_empty_database_to_latest() {
        let mut conn = rusqlite::Connection::open_in_memory().unwrap();
        let tx = conn.transaction().unwrap();
        migrate(&tx, 0).unwrap();
        tx.commit().unwrap();
        let v: i64 = conn.pragma_query_value(None, "user_version", |r| r.get(0)).unwrap();
        assert_eq!(v, LATEST);
        assert_eq!(
            tables(&conn),
            ["accounts", "activity", "enrollments", "key_slots", "key_store", "vault_meta"]
        );
    }

    #[test]
    fn migrates_version_1_to_2_keeping_data() {
        let mut conn = rusqlite::Connection::open_in_memory().unwrap();
        let tx = conn.transaction().unwrap();
        tx.execute_batch(MIGRATIONS[0]).unwrap();
        tx.pragma_update(None, "user_version", 1).unwrap();
        tx.execute("INSERT INTO accounts (position, created_at, updated_at, sealed) VALUES (0, 1, 1, x'00')", []).unwrap();
        migrate(&tx, 1).unwrap();
        tx.commit().unwrap();
        let n: i64 = conn.query_row("SELECT COUNT(*) FROM accounts", [], |r| r.get(0)).unwrap();
        assert_eq!(n, 1);
        assert!(tables(&conn).contains(&"enrollments".to_string()));
        assert_eq!(
            conn.pragma_query_value(None, "user_version", |r| r.get::<_, i64>(0)).unwrap(),
            2
        );
    }

    #[test]
    fn a_failed_migration_leaves_the_old_version() {
        let mut conn = rusqlite::Connection::open_in_memory().unwrap();
        conn.execute_batch("CREATE TABLE accounts (x)").unwrap(); // makes migration 1 fail
        let tx = conn.transaction().unwrap();
        assert!(migrate(&tx, 0).is_err());
        drop(tx); // rolls back
        let v: i64 = conn.pragma_query_value(None, "user_version", |r| r.get(0)).unwrap();
        assert_eq!(v, 0);
        assert_eq!(tables(&conn), ["accounts"]);
    }

    #[test]
    fn tables_lists_what_each_migration_creates() {
        assert_eq!(TABLES.len(), MIGRATIONS.len());
        let conn = rusqlite::Connection::open_in_memory().unwrap();
        let mut before = tables(&conn);
        for (i, sql) in MIGRATIONS.iter().enumerate() {
            conn.execute_batch(sql).unwrap();
            let after = tables(&conn);
            let mut added: Vec<String> =
                after.iter().filter(|t| !before.contains(t)).cloned().collect();
            let mut expected: Vec<String> = TABLES[i].iter().map(|t| t.to_string()).collect();
            added.sort();
            expected.sort();
            assert_eq!(added, expected, "migration {i}");
            assert!(check_tables(&conn, i as i64 + 1).is_ok());
            assert!(check_tables(&conn, i as i64).is_err(), "later tables are refused");
            before = after;
        }
    }

    #[test]
    fn migrating_from_latest_is_a_no_op() {
        let mut conn = rusqlite::Connection::open_in_memory().unwrap();
        let tx = conn.transaction().unwrap();
        migrate(&tx, 0).unwrap();
        migrate(&tx, LATEST).unwrap();
        tx.commit().unwrap();
        assert_eq!(tables(&conn).len(), 6);
    }
}
