//! The vault's SQLite schema and its migrations.
//!
//! `PRAGMA user_version` holds the schema version; `PRAGMA application_id` marks the file
//! as a Nyckel vault. Each migration runs in the caller's transaction, so a vault is
//! either fully at the old version or fully at the new one.

use rusqlite::{Connection, Transaction};

/// `PRAGMA application_id` of a Nyckel vault ("Nyck").
pub const APPLICATION_ID: i32 = 0x4E79_636B;

/// Frozen snapshots of every released schema: `SNAPSHOTS[v - 1]` is the full schema of
/// version `v`, as builds of that version created it. Never edit one: golden files
/// (`golden/`) and the schema-equality tests are checked against them.
const SNAPSHOTS: [&str; 2] = [include_str!("schema/v1.sql"), include_str!("schema/v2.sql")];

/// Migrations in order: `MIGRATIONS[i]` takes a vault from version `i + 1` to `i + 2`. A
/// vault migrated to the latest version has exactly the schema of a new one (tested).
const MIGRATIONS: [&str; 1] = [
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

const _: () = assert!(MIGRATIONS.len() + 1 == SNAPSHOTS.len(), "one migration per new schema");

/// The tables each schema version adds: `TABLES[v - 1]` appear in version `v` (checked
/// against the snapshots by a test).
const TABLES: [&[&str]; 2] =
    [&["vault_meta", "key_slots", "accounts", "activity"], &["enrollments", "key_store"]];

/// The schema version this build writes.
pub const LATEST: i64 = SNAPSHOTS.len() as i64;

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

/// The frozen snapshot of schema `version` (1..=[`LATEST`]).
#[cfg(test)]
pub fn snapshot(version: i64) -> &'static str {
    SNAPSHOTS[version as usize - 1]
}

/// Creates the latest schema in an empty database, inside `tx`.
pub fn create(tx: &Transaction<'_>) -> rusqlite::Result<()> {
    tx.execute_batch(SNAPSHOTS[LATEST as usize - 1])?;
    tx.pragma_update(None, "user_version", LATEST)
}

/// Brings the schema from version `from` up to [`LATEST`] inside `tx` (from 0, an empty
/// database, it is [`create`]).
pub fn migrate(tx: &Transaction<'_>, from: i64) -> rusqlite::Result<()> {
    if from < 1 {
        return create(tx);
    }
    for (i, sql) in MIGRATIONS.iter().enumerate().skip(from as usize - 1) {
        tx.execute_batch(sql)?;
        tx.pragma_update(None, "user_version", i as i64 + 2)?;
    }
    Ok(())
}

/// The full schema of the database behind `conn`, one line per fact, for comparing a
/// migrated vault with a new one: every object in `sqlite_master` with its SQL
/// (whitespace-normalised), every table's columns (`table_xinfo`: type, NOT NULL, default,
/// primary key), indexes (`index_list`, `index_xinfo`), foreign keys, and the header
/// pragmas that are part of the format.
#[cfg(test)]
pub fn describe(conn: &Connection) -> Vec<String> {
    let rows = |sql: &str| -> Vec<Vec<rusqlite::types::Value>> {
        let mut st = conn.prepare(sql).unwrap();
        let n = st.column_count();
        st.query_map([], |r| (0..n).map(|i| r.get(i)).collect())
            .unwrap()
            .map(Result::unwrap)
            .collect()
    };
    let mut out = Vec::new();
    for pragma in ["application_id", "user_version", "journal_mode", "auto_vacuum", "encoding"] {
        out.push(format!("pragma {pragma} = {:?}", rows(&format!("PRAGMA {pragma}"))));
    }
    let objects = rows("SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY type, name");
    for object in &objects {
        let text = |v: &rusqlite::types::Value| match v {
            rusqlite::types::Value::Text(t) => t.clone(),
            other => format!("{other:?}"),
        };
        let (kind, name) = (text(&object[0]), text(&object[1]));
        out.push(format!(
            "{kind} {name} on {}: {}",
            text(&object[2]),
            normalise(&text(&object[3]))
        ));
        if kind != "table" {
            continue;
        }
        for column in rows(&format!("PRAGMA table_xinfo(\"{name}\")")) {
            out.push(format!("  column {column:?}"));
        }
        for index in rows(&format!("PRAGMA index_list(\"{name}\")")) {
            out.push(format!("  index {:?}", &index[1..]));
            let index_name = text(&index[1]);
            for column in rows(&format!("PRAGMA index_xinfo(\"{index_name}\")")) {
                out.push(format!("    {column:?}"));
            }
        }
        for key in rows(&format!("PRAGMA foreign_key_list(\"{name}\")")) {
            out.push(format!("  foreign key {key:?}"));
        }
    }
    out
}

/// SQL text with whitespace runs collapsed and none next to `(`, `)` or `,`, so that a
/// table created in one statement and one grown by `ALTER TABLE` compare by content.
#[cfg(test)]
fn normalise(sql: &str) -> String {
    let collapsed = sql.split_whitespace().collect::<Vec<_>>().join(" ");
    let mut out = String::with_capacity(collapsed.len());
    let mut chars = collapsed.chars().peekable();
    while let Some(c) = chars.next() {
        if c == ' ' && (out.ends_with(['(', ',']) || matches!(chars.peek(), Some('(' | ')' | ',')))
        {
            continue;
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tables(conn: &rusqlite::Connection) -> Vec<String> {
        let mut st = conn.prepare("SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%' ORDER BY name").unwrap();
        st.query_map([], |r| r.get(0)).unwrap().map(Result::unwrap).collect()
    }

    fn version(conn: &rusqlite::Connection) -> i64 {
        conn.pragma_query_value(None, "user_version", |r| r.get(0)).unwrap()
    }

    /// An in-memory database with the frozen schema of `version`.
    fn snapshot(version: i64) -> rusqlite::Connection {
        let conn = rusqlite::Connection::open_in_memory().unwrap();
        conn.execute_batch(SNAPSHOTS[version as usize - 1]).unwrap();
        conn.pragma_update(None, "user_version", version).unwrap();
        conn
    }

    fn fresh() -> rusqlite::Connection {
        let mut conn = rusqlite::Connection::open_in_memory().unwrap();
        let tx = conn.transaction().unwrap();
        create(&tx).unwrap();
        tx.commit().unwrap();
        conn
    }

    #[test]
    fn migrates_an_empty_database_to_latest() {
        let mut conn = rusqlite::Connection::open_in_memory().unwrap();
        let tx = conn.transaction().unwrap();
        migrate(&tx, 0).unwrap();
        tx.commit().unwrap();
        assert_eq!(version(&conn), LATEST);
        assert_eq!(
            tables(&conn),
            ["accounts", "activity", "enrollments", "key_slots", "key_store", "vault_meta"]
        );
        assert_eq!(describe(&conn), describe(&fresh()));
    }

    #[test]
    fn a_new_vault_has_the_latest_snapshot() {
        assert_eq!(describe(&fresh()), describe(&snapshot(LATEST)));
    }

    #[test]
    fn every_snapshot_migrated_to_latest_has_the_schema_of_a_new_vault() {
        for v in 1..LATEST {
            let mut conn = snapshot(v);
            let tx = conn.transaction().unwrap();
            migrate(&tx, v).unwrap();
            tx.commit().unwrap();
            assert_eq!(describe(&conn), describe(&fresh()), "migrated from schema {v}");
        }
    }

    #[test]
    fn the_schema_description_sees_columns_defaults_indexes_and_triggers() {
        // Each change a careless migration could make must show up in the comparison.
        let base = describe(&fresh());
        for change in [
            "ALTER TABLE accounts ADD COLUMN extra INTEGER",
            "ALTER TABLE accounts ADD COLUMN extra INTEGER NOT NULL DEFAULT 0",
            "CREATE INDEX accounts_position ON accounts (position)",
            "CREATE UNIQUE INDEX accounts_position ON accounts (position)",
            "CREATE TRIGGER t AFTER INSERT ON accounts BEGIN SELECT 1; END",
            "CREATE TABLE extra (x)",
            "PRAGMA user_version = 99",
        ] {
            let conn = fresh();
            conn.execute_batch(change).unwrap();
            assert_ne!(describe(&conn), base, "{change}");
        }
        // A column added by ALTER TABLE equals one created with the table.
        let altered = rusqlite::Connection::open_in_memory().unwrap();
        altered
            .execute_batch(
                "CREATE TABLE t (a INTEGER); ALTER TABLE t ADD COLUMN b TEXT NOT NULL DEFAULT ''",
            )
            .unwrap();
        let created = rusqlite::Connection::open_in_memory().unwrap();
        created
            .execute_batch("CREATE TABLE t (\n  a INTEGER,\n  b TEXT NOT NULL DEFAULT ''\n)")
            .unwrap();
        assert_eq!(describe(&altered), describe(&created));
    }

    #[test]
    fn migrates_version_1_to_2_keeping_data() {
        let mut conn = snapshot(1);
        let tx = conn.transaction().unwrap();
        tx.execute("INSERT INTO accounts (position, created_at, updated_at, sealed) VALUES (0, 1, 1, x'00')", []).unwrap();
        migrate(&tx, 1).unwrap();
        tx.commit().unwrap();
        let n: i64 = conn.query_row("SELECT COUNT(*) FROM accounts", [], |r| r.get(0)).unwrap();
        assert_eq!(n, 1);
        assert!(tables(&conn).contains(&"enrollments".to_string()));
        assert_eq!(version(&conn), 2);
    }

    #[test]
    fn a_failed_migration_leaves_the_old_version() {
        let mut conn = snapshot(1);
        conn.execute_batch("CREATE TABLE key_store (x)").unwrap(); // makes migration 1 → 2 fail
        let before = describe(&conn);
        let tx = conn.transaction().unwrap();
        assert!(migrate(&tx, 1).is_err());
        drop(tx); // rolls back
        assert_eq!(version(&conn), 1);
        assert_eq!(describe(&conn), before);
        assert!(!tables(&conn).contains(&"enrollments".to_string()));
    }

    #[test]
    fn a_failed_creation_leaves_an_empty_database() {
        let mut conn = rusqlite::Connection::open_in_memory().unwrap();
        conn.execute_batch("CREATE TABLE accounts (x)").unwrap(); // makes the creation fail
        let tx = conn.transaction().unwrap();
        assert!(migrate(&tx, 0).is_err());
        drop(tx);
        assert_eq!(version(&conn), 0);
        assert_eq!(tables(&conn), ["accounts"]);
    }

    #[test]
    fn tables_lists_what_each_version_adds() {
        assert_eq!(TABLES.len(), SNAPSHOTS.len());
        let mut before: Vec<String> = Vec::new();
        for v in 1..=LATEST {
            let conn = snapshot(v);
            let after = tables(&conn);
            let mut added: Vec<String> =
                after.iter().filter(|t| !before.contains(t)).cloned().collect();
            let mut expected: Vec<String> =
                TABLES[v as usize - 1].iter().map(|t| t.to_string()).collect();
            added.sort();
            expected.sort();
            assert_eq!(added, expected, "schema {v}");
            assert!(check_tables(&conn, v).is_ok());
            assert!(check_tables(&conn, v - 1).is_err(), "later tables are refused");
            before = after;
        }
    }

    #[test]
    fn migrating_from_latest_is_a_no_op() {
        let mut conn = fresh();
        let before = describe(&conn);
        let tx = conn.transaction().unwrap();
        migrate(&tx, LATEST).unwrap();
        tx.commit().unwrap();
        assert_eq!(describe(&conn), before);
        assert_eq!(tables(&conn).len(), 6);
    }
}
