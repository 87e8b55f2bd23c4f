//! The password guessing limits' counters: two per user name (its familiar context's and
//! everywhere else's, `guessing.rs`), one per source address. A name's counters are kept
//! under its key ("Anna" and "anna" are one name, see `user_name`).

use rusqlite::{params, Connection, OptionalExtension};

use super::pool::Cached;

use super::accounts::{add_event, add_event_from, user_by_name};
use crate::model::{
    AttemptContext, AttemptCounter, AttemptOutcome, AttemptVerdict, EventKind, Familiarity,
};
use crate::storage::{CounterPurge, Stored};
use crate::user_name;

/// A name's failures from unfamiliar sources (before version 15: from anywhere).
const NAME: &str = "password_name";
/// A name's failures from its user's familiar context (version 15).
const FAMILIAR: &str = "password_familiar";
const SOURCE: &str = "password_source";

fn name_scope(familiarity: Familiarity) -> &'static str {
    match familiarity {
        Familiarity::Familiar => FAMILIAR,
        Familiarity::Unfamiliar => NAME,
    }
}

fn counter(conn: &Connection, scope: &str, key: &str) -> Stored<Option<AttemptCounter>> {
    Ok(conn
        .row(
            "SELECT count, since, last_at FROM attempt_counters WHERE scope = ?1 AND key = ?2",
            params![scope, key],
            |r| Ok(AttemptCounter { count: r.get(0)?, since: r.get(1)?, last_at: r.get(2)? }),
        )
        .optional()?)
}

fn store_counter(conn: &Connection, scope: &str, key: &str, c: &AttemptCounter) -> Stored<()> {
    conn.exec(
        "INSERT INTO attempt_counters (scope, key, count, since, last_at) VALUES (?1, ?2, ?3, ?4, ?5)
         ON CONFLICT(scope, key) DO UPDATE SET count = excluded.count, since = excluded.since,
           last_at = excluded.last_at",
        params![scope, key, c.count, c.since, c.last_at],
    )?;
    Ok(())
}

pub(super) fn begin(
    conn: &Connection,
    (name, familiarity): (&str, Familiarity),
    source: &str,
    purge: &CounterPurge,
    now: i64,
    judge: &mut dyn FnMut(&AttemptContext) -> AttemptVerdict,
) -> Stored<AttemptVerdict> {
    conn.exec(
        "DELETE FROM attempt_counters WHERE
           (scope IN (?1, ?2) AND last_at < ?3 AND count < ?4) OR (scope = ?5 AND since < ?6)",
        params![
            NAME,
            FAMILIAR,
            now.saturating_sub(purge.name_idle),
            purge.name_locked_at,
            SOURCE,
            now.saturating_sub(purge.source_window)
        ],
    )?;
    let scope = name_scope(familiarity);
    let name = &user_name::key(name);
    let ctx = AttemptContext {
        now,
        name: counter(conn, scope, name)?,
        source: counter(conn, SOURCE, source)?,
    };
    let verdict = judge(&ctx);
    if let AttemptVerdict::Allow { name: n, source: s } = &verdict {
        store_counter(conn, scope, name, n)?;
        store_counter(conn, SOURCE, source, s)?;
    }
    Ok(verdict)
}

pub(super) fn end(
    conn: &Connection,
    (name, familiarity): (&str, Familiarity),
    source: &str,
    outcome: AttemptOutcome,
    now: i64,
) -> Stored<()> {
    match outcome {
        AttemptOutcome::Success => {
            conn.exec(
                "DELETE FROM attempt_counters WHERE scope = ?1 AND key = ?2",
                params![name_scope(familiarity), user_name::key(name)],
            )?;
            conn.exec(
                "UPDATE attempt_counters SET count = MAX(count - 1, 0) WHERE scope = ?1 AND key = ?2",
                params![SOURCE, source],
            )?;
        }
        AttemptOutcome::Failure => {
            if let Some(user) = user_by_name(conn, name)? {
                let detail = familiarity.as_str();
                add_event_from(
                    conn,
                    now,
                    Some(&user.id),
                    EventKind::PasswordFailed,
                    detail,
                    source,
                )?;
            }
        }
    }
    Ok(())
}

pub(super) fn reset(conn: &Connection, name: &str, now: i64) -> Stored<bool> {
    let removed = conn.exec(
        "DELETE FROM attempt_counters WHERE scope IN (?1, ?2) AND key = ?3",
        params![NAME, FAMILIAR, user_name::key(name)],
    )?;
    if let Some(user) = user_by_name(conn, name)? {
        add_event(conn, now, Some(&user.id), EventKind::PasswordUnlocked, "")?;
    }
    Ok(removed > 0)
}
