//! The retention purge (`Config::retention`): bounded batches over each table's oldest rows.
//!
//! Each table is read in rowid order — the order its rows were written, through the table's
//! own b-tree — and only its first [`BATCH`] rows are looked at: those past their cutoff go.
//! So one batch costs the same however large the table is, and no index is added (each one
//! would be written on the hot paths, with every sign-in). A row that must stay while rows
//! behind it could go (an old session that outlives newer ones, a request a live Entra
//! continuation waits on) holds the rest back only until it may go itself.

use rusqlite::{params, Connection};

use super::pool::Cached;
use crate::model::{Purged, RequestState};
use crate::storage::{PurgeCutoffs, Stored};

/// Rows looked at per table and batch (the literal in the statements below).
macro_rules! batch {
    () => {
        "256"
    };
}

/// Rows looked at per table and batch.
pub(super) const BATCH: usize = 256;

/// Of the oldest requests, those started before ?1 that are no longer open (neither pending
/// nor approved-and-waiting, ?3 and ?4, or expired by ?2) and that no live Entra continuation
/// waits on.
const REQUESTS: &str = concat!(
    "DELETE FROM requests WHERE rowid IN (
       SELECT w.rid FROM (SELECT rowid AS rid, id, state, created_at, expires_at FROM requests
                          ORDER BY rowid LIMIT ",
    batch!(),
    ") w
        WHERE w.created_at < ?1 AND (w.state NOT IN (?3, ?4) OR w.expires_at <= ?2)
          AND NOT EXISTS (SELECT 1 FROM eam_pending p
                          WHERE p.request_id = w.id AND p.expires_at > ?2))"
);

/// Of the oldest push log entries, those sent before ?1.
const PUSH_LOG: &str = concat!(
    "DELETE FROM push_log WHERE id IN (
       SELECT w.id FROM (SELECT id, sent_at FROM push_log ORDER BY id LIMIT ",
    batch!(),
    ") w WHERE w.sent_at < ?1)"
);

/// Of the oldest sessions, those that expired before ?1 (`SESSIONS_OIDC` first ends the
/// OpenID Connect sessions opened on them).
macro_rules! expired_sessions {
    ($column:literal) => {
        concat!(
            "SELECT w.",
            $column,
            " FROM (SELECT rowid AS rid, token_hash, expires_at FROM sessions ORDER BY rowid LIMIT ",
            batch!(),
            ") w WHERE w.expires_at < ?1"
        )
    };
}

/// The OpenID Connect sessions opened on the sessions [`SESSIONS`] deletes.
const SESSIONS_OIDC: &str = concat!(
    "DELETE FROM oidc_sessions WHERE session_hash IN (",
    expired_sessions!("token_hash"),
    ")"
);

/// Of the oldest sessions, those that expired before ?1.
const SESSIONS: &str =
    concat!("DELETE FROM sessions WHERE rowid IN (", expired_sessions!("rid"), ")");

/// Of the oldest events, those before ?1.
const EVENTS: &str = concat!(
    "DELETE FROM events WHERE id IN (
       SELECT w.id FROM (SELECT id, at FROM events ORDER BY id LIMIT ",
    batch!(),
    ") w WHERE w.at < ?1)"
);

/// One batch: each table's oldest [`BATCH`] rows, those past their cutoff deleted.
pub(super) fn purge(conn: &Connection, c: &PurgeCutoffs) -> Stored<Purged> {
    let open = [RequestState::Pending.as_str(), RequestState::Approved.as_str()];
    let requests = conn.exec(REQUESTS, params![c.requests, c.now, open[0], open[1]])?;
    let push_log = conn.exec(PUSH_LOG, [c.requests])?;
    conn.exec(SESSIONS_OIDC, [c.sessions])?;
    let sessions = conn.exec(SESSIONS, [c.sessions])?;
    let events = conn.exec(EVENTS, [c.events])?;
    let more = [requests, push_log, sessions, events].iter().any(|n| *n >= BATCH);
    let n = |v: usize| v as u64;
    Ok(Purged {
        requests: n(requests),
        push_log: n(push_log),
        sessions: n(sessions),
        events: n(events),
        more,
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_statements_look_at_batch_rows() {
        assert_eq!(batch!().parse::<usize>().unwrap(), super::BATCH);
        for sql in [super::REQUESTS, super::PUSH_LOG, super::SESSIONS, super::EVENTS] {
            assert!(sql.contains(&format!("LIMIT {}", super::BATCH)), "{sql}");
        }
    }
}
