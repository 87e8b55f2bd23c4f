//! The hot paths' costs do not grow with the provider's history (their plans use the
//! migration-3 indexes), and the replay-nonce table stays bounded without forgetting a nonce
//! still inside its window.

use super::devices::PURGE_NONCES;
use super::requests::{PENDING, PUSH_PENDING, SUPERSEDE};
use super::SqliteStore;
use crate::storage::Store;

fn store() -> (tempfile::TempDir, SqliteStore) {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(dir.path().join("t.db")).unwrap();
    (dir, store)
}

fn conn(dir: &tempfile::TempDir) -> rusqlite::Connection {
    rusqlite::Connection::open(dir.path().join("t.db")).unwrap()
}

/// SQLite's plan for `sql`, one line per step.
fn plan(c: &rusqlite::Connection, sql: &str) -> String {
    let mut stmt = c.prepare(&format!("EXPLAIN QUERY PLAN {sql}")).unwrap();
    let unbound = vec![rusqlite::types::Null; stmt.parameter_count()];
    let rows =
        stmt.query_map(rusqlite::params_from_iter(unbound), |r| r.get::<_, String>(3)).unwrap();
    rows.map(Result::unwrap).collect::<Vec<_>>().join("\n")
}

#[test]
fn the_hot_paths_read_through_their_indexes() {
    let (dir, _store) = store();
    let c = conn(&dir);
    for (sql, index) in [
        (PURGE_NONCES, "device_nonces_expiry"),
        (PENDING, "requests_user_state"),
        (PUSH_PENDING, "requests_user_state"),
        (SUPERSEDE, "requests_user_state"),
    ] {
        let p = plan(&c, sql);
        assert!(p.contains(index), "{sql}\nplan:\n{p}");
        assert!(!p.contains("SCAN device_nonces") && !p.contains("SCAN requests"), "{p}");
    }
}

fn nonce_rows(dir: &tempfile::TempDir) -> i64 {
    conn(dir).query_row("SELECT COUNT(*) FROM device_nonces", [], |r| r.get(0)).unwrap()
}

#[test]
fn the_nonce_table_stays_bounded_and_still_refuses_a_replay_after_purges() {
    let (dir, store) = store();
    const TTL: i64 = 600;
    // Forty minutes of one signed request a second: at most one window of nonces is kept.
    for t in 0..2400 {
        assert!(store.use_nonce("d1", &format!("n{t}"), t, t + TTL).unwrap());
        if t % 300 == 299 {
            assert!(nonce_rows(&dir) <= TTL + 1, "at {t}: {}", nonce_rows(&dir));
        }
    }
    assert_eq!(nonce_rows(&dir), TTL + 1, "nonces of the last window are kept");
    // Purges ran on every call; the nonces still inside their window are refused again,
    // the oldest one kept as well as the newest.
    assert!(!store.use_nonce("d1", "n2399", 2400, 2400 + TTL).unwrap());
    assert!(!store.use_nonce("d1", "n1800", 2400, 2400 + TTL).unwrap());
    // A nonce past its window is gone (a request that old fails the clock window anyway).
    assert!(store.use_nonce("d1", "n1000", 2400, 2400 + TTL).unwrap());
    // Another device's nonces are its own.
    assert!(store.use_nonce("d2", "n2399", 2400, 2400 + TTL).unwrap());
}

#[test]
fn concurrent_writers_each_get_a_durable_answer_and_a_shared_nonce_wins_once() {
    let (dir, store) = store();
    let accepted: Vec<(bool, bool)> = std::thread::scope(|s| {
        let threads: Vec<_> = (0..64)
            .map(|i| {
                let store = &store;
                s.spawn(move || {
                    let own = store.use_nonce("d1", &format!("own{i}"), 100, 700).unwrap();
                    let shared = store.use_nonce("d1", "shared", 100, 700).unwrap();
                    (own, shared)
                })
            })
            .collect();
        threads.into_iter().map(|t| t.join().unwrap()).collect()
    });
    assert!(accepted.iter().all(|(own, _)| *own));
    assert_eq!(accepted.iter().filter(|(_, shared)| *shared).count(), 1);
    // Every answer was given after its commit: another connection sees all of them.
    assert_eq!(nonce_rows(&dir), 65);
}
