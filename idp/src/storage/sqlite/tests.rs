//! The hot paths' costs do not grow with the provider's history (their plans use the
//! migration-3 indexes), and the replay-nonce table stays bounded without forgetting a nonce
//! still inside its window.

use super::accounts::USER_BY_NAME;
use super::devices::PURGE_NONCES;
use super::requests::{
    EXPIRE_STALE, NOTIFIED_LAST_HOUR, OPEN, PENDING, RECENT, RECOGNISED, TARGETS,
};
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
        (OPEN, "requests_user_state"),
        (RECOGNISED, "requests_user_state"),
        (EXPIRE_STALE, "requests_user_state"),
        (TARGETS, "devices_user"),
        (RECENT, "requests_user"),
        (NOTIFIED_LAST_HOUR, "requests_notified"),
        (USER_BY_NAME, "users_name_key"),
    ] {
        let p = plan(&c, sql);
        assert!(p.contains(index), "{sql}\nplan:\n{p}");
        assert!(!p.lines().any(|step| step.starts_with("SCAN ")), "a whole table read:\n{p}");
    }
}

/// Each hot statement is prepared once per connection and then only run: SQLite prepares a
/// statement again on every run when its planner read a bound value (a bound `LIMIT` does
/// that; `PENDING` and `RECOGNISED` had one), and preparing costs more than these reads.
#[test]
fn hot_statements_are_prepared_once() {
    use rusqlite::types::Value;
    let (dir, _store) = store();
    let c = conn(&dir);
    let (t, i) = (|s: &str| Value::Text(s.into()), Value::Integer);
    let cases: [(&str, Vec<Value>); 8] = [
        (PENDING, vec![t("u"), t("pending"), i(5), t("push"), i(0), t("d")]),
        (OPEN, vec![t("u"), t("pending"), i(5)]),
        (RECOGNISED, vec![t("u"), t("completed"), i(5)]),
        (EXPIRE_STALE, vec![t("u"), i(5), t("expired"), t("pending")]),
        (PURGE_NONCES, vec![i(5)]),
        (TARGETS, vec![t("u"), t("device"), Value::Null]),
        (RECENT, vec![t("u"), t("push"), i(5), t("s")]),
        (NOTIFIED_LAST_HOUR, vec![t("u"), i(5)]),
    ];
    for (sql, params) in cases {
        let mut stmt = c.prepare(sql).unwrap();
        for run in 0..3 {
            // A different value each run, as a real caller binds.
            let bound = params.iter().map(|p| match p {
                Value::Integer(n) => Value::Integer(n + run),
                other => other.clone(),
            });
            let mut rows = stmt.query(rusqlite::params_from_iter(bound)).unwrap();
            while rows.next().unwrap().is_some() {}
        }
        assert_eq!(stmt.get_status(rusqlite::StatementStatus::RePrepare), 0, "{sql}");
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

/// Every statement of a schema, by name (what the frozen snapshots record).
fn schema_of(c: &rusqlite::Connection) -> String {
    let mut stmt = c
        .prepare("SELECT name, sql FROM sqlite_master WHERE sql IS NOT NULL ORDER BY name")
        .unwrap();
    let rows = stmt.query_map([], |r| Ok(format!("{};", r.get::<_, String>(1)?))).unwrap();
    rows.map(Result::unwrap).collect::<Vec<_>>().join("\n") + "\n"
}

/// Migrations 1–9, the released steps up to version 9.
const STEPS_TO_V9: [&str; 9] = [
    include_str!("schema_v1.sql"),
    include_str!("schema_v2_oidc.sql"),
    include_str!("schema_v3_limits.sql"),
    include_str!("schema_v4_otp.sql"),
    include_str!("schema_v5_hot_paths.sql"),
    include_str!("schema_v6_recovery.sql"),
    include_str!("schema_v7_eam.sql"),
    include_str!("schema_v8_transfer.sql"),
    include_str!("schema_v9_push_budget.sql"),
];

#[test]
fn migrations_one_to_nine_give_exactly_the_frozen_version_9_schema() {
    let c = rusqlite::Connection::open_in_memory().unwrap();
    for step in STEPS_TO_V9 {
        c.execute_batch(step).unwrap();
    }
    assert_eq!(schema_of(&c), include_str!("schema_v9_snapshot.sql"));
}

#[test]
fn a_version_8_database_migrates_its_users_and_requests_to_the_push_budget() {
    use crate::model::{PushBudget, StartVerdict};
    use crate::storage::StartReads;
    use nyckel_core::protocol::wire::RequestKind;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("t.db");
    {
        let c = rusqlite::Connection::open(&path).unwrap();
        for step in &STEPS_TO_V9[..8] {
            c.execute_batch(step).unwrap();
        }
        c.execute_batch(
            "INSERT INTO users (id, name, created_at, blocked_until) VALUES ('u1', 'anna', 1, 50);
             INSERT INTO devices (id, user_id, name, push_token, created_at)
             VALUES ('d1', 'u1', 'phone', 't', 1);
             INSERT INTO credentials (id, device_id, user_id, kind, public_key, created_at)
             VALUES ('d1', 'd1', 'u1', 'device', x'04', 1);
             INSERT INTO requests (id, user_id, kind, nonce, number, app, ip, location, created_at, expires_at, state)
             VALUES ('r1', 'u1', 'push', x'01', 42, 'a', '203.0.113.7', 'l', 990, 1110, 'pending');
             PRAGMA user_version = 8;",
        )
        .unwrap();
    }
    #[cfg(unix)]
    std::fs::set_permissions(&path, std::os::unix::fs::PermissionsExt::from_mode(0o600)).unwrap();
    let store = SqliteStore::open(&path).unwrap();
    let anna = store.user_by_name("anna").unwrap().unwrap();
    assert_eq!((anna.blocked_until, anna.push_budget), (50, PushBudget::default()));
    // The earlier request was notified (it has its trigger row in a real v8 file) and came
    // from no known source.
    let clock = || 1000;
    let mut seen = None;
    let window = StartReads {
        seconds: 600,
        source: Some("203.0.113.7"),
        recognised_for: 86_400,
        recognised_sources: 4,
    };
    store
        .start_request("anna", RequestKind::Push, &window, None, &clock, &mut |c| {
            seen = Some((c.recent, c.notified_last_hour, c.targets));
            StartVerdict::RateLimited
        })
        .unwrap();
    assert_eq!(seen, Some((0, 1, 1)));
    drop(store);
    assert_eq!(schema_of(&conn(&dir)), include_str!("schema_v18_snapshot.sql"));
}

#[test]
fn migrations_one_to_ten_give_exactly_the_frozen_version_10_schema() {
    let c = rusqlite::Connection::open_in_memory().unwrap();
    for step in STEPS_TO_V9 {
        c.execute_batch(step).unwrap();
    }
    c.execute_batch(include_str!("schema_v10_push_budget_index.sql")).unwrap();
    assert_eq!(schema_of(&c), include_str!("schema_v10_snapshot.sql"));
}

#[test]
fn a_version_9_database_counts_its_notified_requests_through_the_new_index() {
    use crate::model::StartVerdict;
    use crate::storage::StartReads;
    use nyckel_core::protocol::wire::RequestKind;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("t.db");
    {
        let c = rusqlite::Connection::open(&path).unwrap();
        for step in STEPS_TO_V9 {
            c.execute_batch(step).unwrap();
        }
        // Two notified requests in the last hour, one quiet, one notified too long ago.
        c.execute_batch(
            "INSERT INTO users (id, name, created_at) VALUES ('u1', 'anna', 1);
             INSERT INTO devices (id, user_id, name, push_token, created_at)
             VALUES ('d1', 'u1', 'phone', 't', 1);
             INSERT INTO credentials (id, device_id, user_id, kind, public_key, created_at)
             VALUES ('d1', 'd1', 'u1', 'device', x'04', 1);
             INSERT INTO requests (id, user_id, kind, nonce, number, app, ip, location, created_at, expires_at, state, notified)
             VALUES ('r1', 'u1', 'push', x'01', 42, 'a', 'i', 'l', 5000, 5120, 'approved', 1),
                    ('r2', 'u1', 'push', x'02', 43, 'a', 'i', 'l', 5100, 5220, 'approved', 0),
                    ('r3', 'u1', 'push', x'03', 44, 'a', 'i', 'l', 5200, 5320, 'approved', 1),
                    ('r4', 'u1', 'push', x'04', 45, 'a', 'i', 'l', 1000, 1120, 'approved', 1);
             PRAGMA user_version = 9;",
        )
        .unwrap();
    }
    #[cfg(unix)]
    std::fs::set_permissions(&path, std::os::unix::fs::PermissionsExt::from_mode(0o600)).unwrap();
    let store = SqliteStore::open(&path).unwrap();
    let clock = || 5300;
    let mut seen = None;
    let window =
        StartReads { seconds: 60, source: None, recognised_for: 86_400, recognised_sources: 4 };
    store
        .start_request("anna", RequestKind::Push, &window, None, &clock, &mut |c| {
            seen = Some(c.notified_last_hour);
            StartVerdict::RateLimited
        })
        .unwrap();
    assert_eq!(seen, Some(2));
    drop(store);
    let c = conn(&dir);
    assert_eq!(schema_of(&c), include_str!("schema_v18_snapshot.sql"));
    let plan = plan(
        &c,
        "SELECT COUNT(*) FROM requests WHERE user_id = 'u1' AND created_at > 0 AND notified",
    );
    assert!(plan.contains("requests_notified"), "{plan}");
}

#[test]
fn migrations_one_to_eleven_give_exactly_the_frozen_version_11_schema() {
    let c = rusqlite::Connection::open_in_memory().unwrap();
    for step in STEPS_TO_V9 {
        c.execute_batch(step).unwrap();
    }
    c.execute_batch(include_str!("schema_v10_push_budget_index.sql")).unwrap();
    c.execute_batch(include_str!("schema_v11_step_up_exclusion.sql")).unwrap();
    assert_eq!(schema_of(&c), include_str!("schema_v11_snapshot.sql"));
}

#[test]
fn migrations_one_to_twelve_give_exactly_the_frozen_version_12_schema() {
    let c = rusqlite::Connection::open_in_memory().unwrap();
    for step in STEPS_TO_V9 {
        c.execute_batch(step).unwrap();
    }
    for step in [
        include_str!("schema_v10_push_budget_index.sql"),
        include_str!("schema_v11_step_up_exclusion.sql"),
        include_str!("schema_v12_known_browser.sql"),
    ] {
        c.execute_batch(step).unwrap();
    }
    assert_eq!(schema_of(&c), include_str!("schema_v12_snapshot.sql"));
}

#[test]
fn a_version_10_database_keeps_its_requests_reaching_every_device() {
    use crate::model::{DeviceId, UserId};
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("t.db");
    {
        let c = rusqlite::Connection::open(&path).unwrap();
        for step in STEPS_TO_V9 {
            c.execute_batch(step).unwrap();
        }
        c.execute_batch(include_str!("schema_v10_push_budget_index.sql")).unwrap();
        c.execute_batch(
            "INSERT INTO users (id, name, created_at) VALUES ('u1', 'anna', 1);
             INSERT INTO devices (id, user_id, name, push_token, created_at)
             VALUES ('d1', 'u1', 'phone', 't', 1), ('d2', 'u1', 'other', 't', 1);
             INSERT INTO requests (id, user_id, kind, nonce, number, app, ip, location, created_at, expires_at, state)
             VALUES ('r1', 'u1', 'push', x'01', 42, 'a', 'i', 'l', 990, 1110, 'pending');
             PRAGMA user_version = 10;",
        )
        .unwrap();
    }
    #[cfg(unix)]
    std::fs::set_permissions(&path, std::os::unix::fs::PermissionsExt::from_mode(0o600)).unwrap();
    let store = SqliteStore::open(&path).unwrap();
    // An earlier request excludes no device: both still see it.
    for device in ["d1", "d2"] {
        let seen =
            store.pending_requests(&UserId::new("u1"), &DeviceId::new(device), 1000, false, 16);
        assert_eq!(seen.unwrap().len(), 1, "{device}");
    }
    drop(store);
    assert_eq!(schema_of(&conn(&dir)), include_str!("schema_v18_snapshot.sql"));
}

#[test]
fn migrations_one_to_thirteen_give_exactly_the_frozen_version_13_schema() {
    let c = rusqlite::Connection::open_in_memory().unwrap();
    for step in STEPS_TO_V9 {
        c.execute_batch(step).unwrap();
    }
    for step in [
        include_str!("schema_v10_push_budget_index.sql"),
        include_str!("schema_v11_step_up_exclusion.sql"),
        include_str!("schema_v12_known_browser.sql"),
        include_str!("schema_v13_start_reads.sql"),
    ] {
        c.execute_batch(step).unwrap();
    }
    assert_eq!(schema_of(&c), include_str!("schema_v13_snapshot.sql"));
}

/// A version-12 file with devices and completed sign-ins: after migration 13 a start still
/// finds the user's live devices (not a revoked one, not another user's; now through the new
/// index) and the distinct sources of their completed sign-ins, newest first and at most as
/// many as asked.
#[test]
fn a_version_12_database_starts_sign_ins_through_the_new_index() {
    use crate::model::StartVerdict;
    use crate::storage::StartReads;
    use nyckel_core::protocol::wire::RequestKind;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("t.db");
    {
        let c = rusqlite::Connection::open(&path).unwrap();
        for step in STEPS_TO_V9 {
            c.execute_batch(step).unwrap();
        }
        for step in [
            include_str!("schema_v10_push_budget_index.sql"),
            include_str!("schema_v11_step_up_exclusion.sql"),
            include_str!("schema_v12_known_browser.sql"),
        ] {
            c.execute_batch(step).unwrap();
        }
        c.execute_batch(
            "INSERT INTO users (id, name, created_at) VALUES ('u1', 'anna', 1), ('u2', 'bo', 1);
             INSERT INTO devices (id, user_id, name, push_token, created_at, revoked_at)
             VALUES ('d1', 'u1', 'phone', 't1', 1, NULL), ('d2', 'u1', 'old', 't2', 1, 5),
                    ('d3', 'u1', 'tablet', NULL, 1, NULL), ('d4', 'u2', 'bos', 't4', 1, NULL);
             INSERT INTO credentials (id, device_id, user_id, kind, public_key, created_at)
             VALUES ('d1', 'd1', 'u1', 'device', x'04', 1), ('d2', 'd2', 'u1', 'device', x'04', 1),
                    ('d3', 'd3', 'u1', 'device', x'04', 1), ('d4', 'd4', 'u2', 'device', x'04', 1);
             INSERT INTO requests (id, user_id, kind, nonce, number, app, ip, location, created_at, expires_at, state, source)
             VALUES ('r1', 'u1', 'push', x'01', 42, 'a', 'i', 'l', 100, 220, 'completed', 'home'),
                    ('r2', 'u1', 'push', x'02', 43, 'a', 'i', 'l', 200, 320, 'completed', 'work'),
                    ('r3', 'u1', 'push', x'03', 44, 'a', 'i', 'l', 300, 420, 'completed', 'home'),
                    ('r4', 'u1', 'push', x'04', 45, 'a', 'i', 'l', 400, 520, 'completed', 'cafe'),
                    ('r5', 'u1', 'push', x'05', 46, 'a', 'i', 'l', 500, 620, 'denied', 'evil'),
                    ('r6', 'u2', 'push', x'06', 47, 'a', 'i', 'l', 600, 720, 'completed', 'bos');
             PRAGMA user_version = 12;",
        )
        .unwrap();
    }
    #[cfg(unix)]
    std::fs::set_permissions(&path, std::os::unix::fs::PermissionsExt::from_mode(0o600)).unwrap();
    let store = SqliteStore::open(&path).unwrap();
    let clock = || 1000;
    let seen = |most: u32| {
        let reads = StartReads {
            seconds: 60,
            source: None,
            recognised_for: 86_400,
            recognised_sources: most,
        };
        let mut seen = None;
        store
            .start_request("anna", RequestKind::Push, &reads, None, &clock, &mut |c| {
                seen = Some((c.targets, c.recognised.to_vec()));
                StartVerdict::RateLimited
            })
            .unwrap();
        seen.unwrap()
    };
    assert_eq!(seen(4), (2, vec!["cafe".to_owned(), "home".to_owned(), "work".to_owned()]));
    assert_eq!(seen(2), (2, vec!["cafe".to_owned(), "home".to_owned()]));
    assert_eq!(seen(0), (2, vec![]));
    drop(store);
    assert_eq!(schema_of(&conn(&dir)), include_str!("schema_v18_snapshot.sql"));
}

#[test]
fn migrations_one_to_fourteen_give_exactly_the_frozen_version_14_schema() {
    let c = rusqlite::Connection::open_in_memory().unwrap();
    for step in STEPS_TO_V9 {
        c.execute_batch(step).unwrap();
    }
    for step in [
        include_str!("schema_v10_push_budget_index.sql"),
        include_str!("schema_v11_step_up_exclusion.sql"),
        include_str!("schema_v12_known_browser.sql"),
        include_str!("schema_v13_start_reads.sql"),
        include_str!("schema_v14_otp_delivery.sql"),
    ] {
        c.execute_batch(step).unwrap();
    }
    assert_eq!(schema_of(&c), include_str!("schema_v14_snapshot.sql"));
}

#[test]
fn a_version_13_database_marks_only_transferred_devices_as_having_the_secret() {
    use crate::model::{DeviceId, DeviceRef, NewTransfer, TransferIssued, UserId};
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("t.db");
    {
        let c = rusqlite::Connection::open(&path).unwrap();
        for step in STEPS_TO_V9 {
            c.execute_batch(step).unwrap();
        }
        for step in [
            include_str!("schema_v10_push_budget_index.sql"),
            include_str!("schema_v11_step_up_exclusion.sql"),
            include_str!("schema_v12_known_browser.sql"),
            include_str!("schema_v13_start_reads.sql"),
        ] {
            c.execute_batch(step).unwrap();
        }
        // anna (a secret): d1 enrolled by a code, d2 moved to from d0 (confirmed), d3 a move
        // not yet confirmed; bertil (no secret): d4 moved to.
        c.execute_batch(
            "INSERT INTO users (id, name, created_at, otp_secret) VALUES ('u1', 'anna', 1, 'JBSWY3DPEHPK3PXP');
             INSERT INTO users (id, name, created_at) VALUES ('u2', 'bertil', 1);
             INSERT INTO devices (id, user_id, name, created_at, revoked_at, replaces_device_id)
             VALUES ('d0', 'u1', 'old', 1, 5, NULL), ('d1', 'u1', 'a', 1, NULL, NULL),
                    ('d2', 'u1', 'b', 2, NULL, NULL), ('d3', 'u1', 'c', 3, NULL, 'd2'),
                    ('d4', 'u2', 'd', 3, NULL, NULL);
             INSERT INTO events (at, user_id, kind, detail)
             VALUES (5, 'u1', 'device_transferred', 'd0 -> d2'),
                    (5, 'u2', 'device_transferred', 'd9 -> d4'),
                    (5, 'u1', 'device_enrolled', 'x -> d1');
             PRAGMA user_version = 13;",
        )
        .unwrap();
    }
    #[cfg(unix)]
    std::fs::set_permissions(&path, std::os::unix::fs::PermissionsExt::from_mode(0o600)).unwrap();
    let store = SqliteStore::open(&path).unwrap();
    let clock = || 10;
    for (device, user, carries) in
        [("d1", "u1", false), ("d3", "u1", true), ("d2", "u1", true), ("d4", "u2", false)]
    {
        let t = NewTransfer {
            device: DeviceRef { id: DeviceId::new(device), user: UserId::new(user) },
            code_hash: format!("h{device}"),
            ttl: 60,
        };
        let TransferIssued::Issued { otp_secret, .. } = store.add_transfer(&t, &clock).unwrap()
        else {
            panic!("{device}: issued");
        };
        assert_eq!(otp_secret.is_some(), carries, "{device}");
    }
    drop(store);
    assert_eq!(schema_of(&conn(&dir)), include_str!("schema_v18_snapshot.sql"));
}

/// Migrations 10–15, the released steps after version 9.
const STEPS_V10_TO_V15: [&str; 6] = [
    include_str!("schema_v10_push_budget_index.sql"),
    include_str!("schema_v11_step_up_exclusion.sql"),
    include_str!("schema_v12_known_browser.sql"),
    include_str!("schema_v13_start_reads.sql"),
    include_str!("schema_v14_otp_delivery.sql"),
    include_str!("schema_v15_familiar_lockout.sql"),
];

#[test]
fn migrations_one_to_sixteen_give_exactly_the_frozen_version_16_schema() {
    let c = rusqlite::Connection::open_in_memory().unwrap();
    for step in STEPS_TO_V9.iter().chain(&STEPS_V10_TO_V15) {
        c.execute_batch(step).unwrap();
    }
    c.execute_batch(include_str!("schema_v16_key_attestation.sql")).unwrap();
    assert_eq!(schema_of(&c), include_str!("schema_v16_snapshot.sql"));
}

#[test]
fn migrations_one_to_fifteen_give_exactly_the_frozen_version_15_schema() {
    let c = rusqlite::Connection::open_in_memory().unwrap();
    for step in STEPS_TO_V9.iter().chain(&STEPS_V10_TO_V15) {
        c.execute_batch(step).unwrap();
    }
    assert_eq!(schema_of(&c), include_str!("schema_v15_snapshot.sql"));
}

/// A version-14 file with a locked name and a source's window: after migration 15 the lock
/// and back-off stay in force for unfamiliar sources, and the user's familiar context starts
/// with no failures.
#[test]
fn a_version_14_database_keeps_its_counters_as_the_unfamiliar_ones() {
    use crate::model::{AttemptVerdict, Familiarity};
    use crate::storage::CounterPurge;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("t.db");
    {
        let c = rusqlite::Connection::open(&path).unwrap();
        for step in STEPS_TO_V9.iter().chain(&STEPS_V10_TO_V15[..5]) {
            c.execute_batch(step).unwrap();
        }
        c.execute_batch(
            "INSERT INTO users (id, name, created_at) VALUES ('u1', 'anna', 1);
             INSERT INTO attempt_counters (scope, key, count, since, last_at)
             VALUES ('password_name', 'anna', 100, 10, 900),
                    ('password_source', '203.0.113.7', 12, 950, 990);
             PRAGMA user_version = 14;",
        )
        .unwrap();
    }
    #[cfg(unix)]
    std::fs::set_permissions(&path, std::os::unix::fs::PermissionsExt::from_mode(0o600)).unwrap();
    let store = SqliteStore::open(&path).unwrap();
    let clock = || 1000;
    let purge = CounterPurge { name_idle: 86_400, name_locked_at: 100, source_window: 600 };
    let seen = |familiarity| {
        let mut seen = None;
        store
            .begin_password_attempt("anna", "203.0.113.7", familiarity, &purge, &clock, &mut |c| {
                seen = Some((c.name.map(|n| n.count), c.source.map(|s| s.count)));
                AttemptVerdict::Refuse(crate::error::Error::PasswordLocked)
            })
            .unwrap();
        seen.unwrap()
    };
    assert_eq!(seen(Familiarity::Unfamiliar), (Some(100), Some(12)));
    assert_eq!(seen(Familiarity::Familiar), (None, Some(12)));
    drop(store);
    assert_eq!(schema_of(&conn(&dir)), include_str!("schema_v18_snapshot.sql"));
}

/// Row counts of the purged tables: requests, push log, sessions, OpenID Connect sessions,
/// events.
fn retained(c: &rusqlite::Connection) -> [i64; 5] {
    ["requests", "push_log", "sessions", "oidc_sessions", "events"]
        .map(|t| c.query_row(&format!("SELECT COUNT(*) FROM {t}"), [], |r| r.get(0)).unwrap())
}

/// The purge deletes in bounded batches, each table's oldest rows first: old finished
/// requests (any final state, or pending past expiry) and their push log, sessions expired
/// before the cutoff with their OpenID Connect sessions, old events; a request a live Entra
/// continuation waits on, a recent row of any table and a session not yet expired stay.
#[test]
fn the_purge_takes_old_rows_in_bounded_batches_and_keeps_what_is_open_recent_or_referenced() {
    use crate::model::Purged;
    use crate::storage::PurgeCutoffs;
    let (dir, store) = store();
    let c = conn(&dir);
    c.execute_batch(
        "INSERT INTO users (id, name, created_at) VALUES ('u', 'anna', 0);
         INSERT INTO eam_methods (client_id, app_id, redirect_uri, issuer_template,
                                  jwks_uri_template, created_at) VALUES ('c', 'a', 'r', 'i', 'j', 0);",
    )
    .unwrap();
    let request = |id: &str, created: i64, expires: i64, state: &str| {
        c.execute(
            "INSERT INTO requests (id, user_id, kind, nonce, number, app, ip, location, created_at, expires_at, state)
             VALUES (?1, 'u', 'push', x'00', 42, 'app', 'ip', 'place', ?2, ?3, ?4)",
            rusqlite::params![id, created, expires, state],
        )
        .unwrap();
        c.execute(
            "INSERT INTO push_log (request_id, device_id, sent_at) VALUES (?1, 'd', ?2)",
            rusqlite::params![id, created],
        )
        .unwrap();
    };
    // 600 old finished requests (t = 0…599), then the old ones that must stay, then recent.
    for t in 0..600 {
        let state = ["completed", "denied", "expired", "superseded", "pending"][t as usize % 5];
        request(&format!("old{t}"), t, t + 120, state);
    }
    request("waited-on", 700, 820, "approved");
    c.execute(
        "INSERT INTO eam_pending (id_hash, client_id, redirect_uri, nonce, sub, acr_values,
                                  request_id, user_id, expires_at)
         VALUES ('h', 'c', 'r', 'n', 's', 'a', 'waited-on', 'u', 20000)",
        [],
    )
    .unwrap();
    request("recent", 9_000, 9_120, "completed");
    for (hash, expires) in [("s-old", 500), ("s-live", 20_000), ("s-after-live", 600)] {
        c.execute(
            "INSERT INTO sessions (token_hash, user_id, created_at, expires_at) VALUES (?1, 'u', 0, ?2)",
            rusqlite::params![hash, expires],
        )
        .unwrap();
        c.execute(
            "INSERT INTO oidc_sessions (sid, session_hash, user_id, method, auth_time)
             VALUES (?1, ?1, 'u', 'push', 0)",
            [hash],
        )
        .unwrap();
    }
    for t in 0..300 {
        c.execute("INSERT INTO events (at, user_id, kind) VALUES (?1, 'u', 'signin_started')", [t])
            .unwrap();
    }
    c.execute("INSERT INTO events (at, user_id, kind) VALUES (9000, 'u', 'signin_started')", [])
        .unwrap();
    let cutoffs = PurgeCutoffs { now: 10_000, requests: 5_000, sessions: 1_000, events: 200 };
    let first = store.purge(&cutoffs).unwrap();
    assert_eq!(
        first,
        Purged { requests: 256, push_log: 256, sessions: 2, events: 200, more: true },
        "a batch looks at 256 rows per table; an expired session behind a live one goes too"
    );
    assert_eq!(retained(&c), [602 - 256, 602 - 256, 1, 1, 101]);
    let second = store.purge(&cutoffs).unwrap();
    assert_eq!(second, Purged { requests: 256, push_log: 256, events: 0, sessions: 0, more: true });
    let third = store.purge(&cutoffs).unwrap();
    assert_eq!(
        third,
        Purged { requests: 88, push_log: 89, sessions: 0, events: 0, more: false },
        "the request waited on stays; its push log entry is old"
    );
    let ids: Vec<String> = c
        .prepare("SELECT id FROM requests ORDER BY created_at")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert_eq!(ids, ["waited-on", "recent"]);
    assert_eq!(store.purge(&cutoffs).unwrap(), Purged::default(), "nothing more");
    // Once the live session has expired, it goes with its OpenID Connect session.
    let later = PurgeCutoffs { sessions: 30_000, ..cutoffs };
    assert_eq!(store.purge(&later).unwrap().sessions, 1);
    assert_eq!(retained(&c), [2, 1, 0, 0, 101]);
}

#[test]
fn migrations_one_to_seventeen_give_exactly_the_frozen_version_17_schema() {
    let c = rusqlite::Connection::open_in_memory().unwrap();
    for step in STEPS_TO_V9.iter().chain(&STEPS_V10_TO_V15) {
        c.execute_batch(step).unwrap();
    }
    c.execute_batch(include_str!("schema_v16_key_attestation.sql")).unwrap();
    c.execute_batch(include_str!("schema_v17_name_keys.sql")).unwrap();
    assert_eq!(schema_of(&c), include_str!("schema_v17_snapshot.sql"));
}

/// A version-16 file with "Anna" and, added later, "anna" and "ANNA" (users then, differing
/// only in case), "Åsa", and password failures counted under two spellings of one name in
/// each context: after migration 17 nothing is lost — "anna" and "ANNA" still sign in by
/// their exact names, any other spelling means the oldest, "Anna", "åsa" finds "Åsa", the
/// failures add up under the key per context — and the clashes are reported until deletes
/// leave one, the key handed on to the oldest left.
#[test]
fn a_version_16_database_keys_its_user_names_and_keeps_users_differing_only_in_case() {
    use crate::model::{AttemptOutcome, AttemptVerdict, Familiarity};
    use crate::storage::CounterPurge;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("t.db");
    {
        let c = rusqlite::Connection::open(&path).unwrap();
        for step in STEPS_TO_V9.iter().chain(&STEPS_V10_TO_V15) {
            c.execute_batch(step).unwrap();
        }
        c.execute_batch(include_str!("schema_v16_key_attestation.sql")).unwrap();
        c.execute_batch(
            "INSERT INTO users (id, name, created_at) VALUES ('u2', 'anna', 20), ('u1', 'Anna', 10),
                    ('u3', 'Åsa', 30), ('u4', 'ANNA', 40);
             INSERT INTO devices (id, user_id, name, created_at)
             VALUES ('d1', 'u1', 'Annas', 11), ('d2', 'u2', 'annas', 21);
             INSERT INTO attempt_counters (scope, key, count, since, last_at)
             VALUES ('password_name', 'Åsa', 2, 100, 150), ('password_name', 'åsa', 3, 90, 120),
                    ('password_familiar', 'ÅSA', 1, 140, 140),
                    ('password_source', 'Åsa', 7, 100, 150);
             PRAGMA user_version = 16;",
        )
        .unwrap();
    }
    #[cfg(unix)]
    std::fs::set_permissions(&path, std::os::unix::fs::PermissionsExt::from_mode(0o600)).unwrap();
    let store = SqliteStore::open(&path).unwrap();
    let id = |name: &str| store.user_by_name(name).unwrap().map(|u| u.id.into_string());
    assert_eq!(id("Anna").as_deref(), Some("u1"));
    assert_eq!(id("anna").as_deref(), Some("u2"), "the exact name first");
    assert_eq!(id("ANNA").as_deref(), Some("u4"), "the exact name first");
    assert_eq!(id(" aNNa ").as_deref(), Some("u1"), "any other spelling: the oldest");
    assert_eq!(id("ÅSA").as_deref(), Some("u3"));
    assert_eq!(id("åsa").as_deref(), Some("u3"));
    assert_eq!(id("asa"), None);
    assert_eq!(store.user_by_name("åsa").unwrap().unwrap().name, "Åsa", "shown as typed");
    let devices = |name: &str| -> Vec<String> {
        store.devices_of(name).unwrap().into_iter().map(|d| d.device_id).collect()
    };
    assert_eq!((devices("ANNA"), devices("anna")), (vec![], vec!["d2".to_owned()]));
    assert_eq!(devices("aNNA"), vec!["d1".to_owned()]);
    let clashes = [("ANNA".to_owned(), "Anna".to_owned()), ("anna".to_owned(), "Anna".to_owned())];
    assert_eq!(store.name_clashes().unwrap(), clashes);

    // The counters of "Åsa" and "åsa" became one per context (unfamiliar: 5 failures since
    // 90; familiar: the one); the source's is kept.
    let purge = CounterPurge { name_idle: 10_000, name_locked_at: 100, source_window: 10_000 };
    let clock = || 200;
    let seen = |typed: &str, familiarity| {
        let mut seen = None;
        store
            .begin_password_attempt(typed, "Åsa", familiarity, &purge, &clock, &mut |c| {
                seen = Some((c.name, c.source));
                AttemptVerdict::Refuse(crate::error::Error::PasswordLocked)
            })
            .unwrap();
        seen.unwrap()
    };
    let (name, source) = seen("ÅSA", Familiarity::Unfamiliar);
    let name = name.unwrap();
    assert_eq!((name.count, name.since, name.last_at), (5, 90, 150));
    assert_eq!(source.unwrap().count, 7);
    assert_eq!(seen("åsa", Familiarity::Familiar).0.map(|n| n.count), Some(1));
    store
        .end_password_attempt("åsa", "x", Familiarity::Unfamiliar, AttemptOutcome::Success, 200)
        .unwrap();
    assert!(seen("Åsa", Familiarity::Unfamiliar).0.is_none(), "every spelling's forgotten");

    // Deleting the older "Anna" hands the key on to the oldest of the rest ("anna").
    store.delete_user("Anna", 300).unwrap().unwrap();
    assert_eq!(id("aNNa").as_deref(), Some("u2"));
    assert_eq!(id("ANNA").as_deref(), Some("u4"));
    assert_eq!(store.name_clashes().unwrap(), [("ANNA".to_owned(), "anna".to_owned())]);
    store.delete_user("ANNA", 300).unwrap().unwrap();
    assert_eq!(store.name_clashes().unwrap(), []);
    drop(store);
    assert_eq!(schema_of(&conn(&dir)), include_str!("schema_v18_snapshot.sql"));
}

#[test]
fn migrations_one_to_eighteen_give_exactly_the_frozen_version_18_schema() {
    let c = rusqlite::Connection::open_in_memory().unwrap();
    for step in STEPS_TO_V9.iter().chain(&STEPS_V10_TO_V15) {
        c.execute_batch(step).unwrap();
    }
    c.execute_batch(include_str!("schema_v16_key_attestation.sql")).unwrap();
    c.execute_batch(include_str!("schema_v17_name_keys.sql")).unwrap();
    c.execute_batch(include_str!("schema_v18_vouching_marks.sql")).unwrap();
    assert_eq!(schema_of(&c), include_str!("schema_v18_snapshot.sql"));
}

/// A version-17 file with a session of "anna" opened in the second her phone was added: after
/// migration 18 the session is still there, with no record of her methods at its start (it is
/// judged by its second, as before); a session opened since records them — her devices then,
/// her confirmed code, no bootstrap — and one of a user without a method is a bootstrap.
#[test]
fn a_version_17_database_keeps_its_sessions_without_a_record_of_their_start() {
    use crate::model::{DeviceId, MethodsAtStart, NewSession, NewUser, SessionStart, UserId};
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("t.db");
    {
        let c = rusqlite::Connection::open(&path).unwrap();
        for step in STEPS_TO_V9.iter().chain(&STEPS_V10_TO_V15) {
            c.execute_batch(step).unwrap();
        }
        c.execute_batch(include_str!("schema_v16_key_attestation.sql")).unwrap();
        c.execute_batch(include_str!("schema_v17_name_keys.sql")).unwrap();
        c.execute_batch(
            "INSERT INTO users (id, name, name_key, created_at, otp_secret, otp_confirmed_at)
             VALUES ('u1', 'anna', 'anna', 10, 'S', 50);
             INSERT INTO devices (id, user_id, name, created_at) VALUES ('d1', 'u1', 'Telefon', 100);
             INSERT INTO sessions (token_hash, user_id, created_at, expires_at)
             VALUES ('old', 'u1', 100, 10000);
             PRAGMA user_version = 17;",
        )
        .unwrap();
    }
    #[cfg(unix)]
    std::fs::set_permissions(&path, std::os::unix::fs::PermissionsExt::from_mode(0o600)).unwrap();
    let store = SqliteStore::open(&path).unwrap();
    assert_eq!(
        store.session_started("old").unwrap(),
        Some(SessionStart { started: 100, methods: None })
    );
    let anna = UserId::new("u1");
    store.add_session(&anna, &NewSession { token_hash: "new".into(), ttl: 100 }, 100).unwrap();
    let methods =
        MethodsAtStart { devices: vec![DeviceId::new("d1")], code: true, bootstrap: false };
    assert_eq!(
        store.session_started("new").unwrap(),
        Some(SessionStart { started: 100, methods: Some(methods) })
    );
    let bea = NewUser {
        id: UserId::new("u2"),
        name: "bea".into(),
        password_hash: None,
        otp_secret: None,
        created_at: 100,
    };
    assert!(store.add_user(&bea).unwrap());
    store.add_session(&bea.id, &NewSession { token_hash: "b".into(), ttl: 100 }, 100).unwrap();
    let methods = MethodsAtStart { devices: vec![], code: false, bootstrap: true };
    assert_eq!(
        store.session_started("b").unwrap(),
        Some(SessionStart { started: 100, methods: Some(methods) })
    );
    assert_eq!(store.session_started("none").unwrap(), None);
    drop(store);
    assert_eq!(schema_of(&conn(&dir)), include_str!("schema_v18_snapshot.sql"));
}
