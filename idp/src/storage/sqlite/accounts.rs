//! Settings, users, activation codes, browser sessions and the activity log.

use rusqlite::{params, Connection, OptionalExtension};

use super::pool::Cached;

use crate::model::{
    Activation, DeletedUser, DeviceId, EventInfo, EventKind, MethodsAtStart, NewSession, NewUser,
    PushBudget, RequestId, RequestState, SessionStart, Setting, User, UserId, UserInfo,
};
use crate::storage::Stored;
use crate::user_name;

pub(super) fn setting(conn: &Connection, key: Setting) -> Stored<Option<String>> {
    Ok(conn
        .row("SELECT value FROM settings WHERE key = ?1", [key.as_str()], |r| r.get(0))
        .optional()?)
}

pub(super) fn set_setting(conn: &Connection, key: Setting, value: &str) -> Stored<()> {
    conn.exec(
        "INSERT INTO settings (key, value) VALUES (?1, ?2) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
        params![key.as_str(), value],
    )?;
    Ok(())
}

pub(super) fn add_setting_if_absent(conn: &Connection, key: Setting, value: &str) -> Stored<()> {
    conn.exec(
        "INSERT OR IGNORE INTO settings (key, value) VALUES (?1, ?2)",
        params![key.as_str(), value],
    )?;
    Ok(())
}

/// Adds a user with their name's key; `false` when the name or its key is taken (a name that
/// differs from an existing one only in case is taken).
pub(super) fn add_user(conn: &Connection, u: &NewUser) -> Stored<bool> {
    let inserted = conn.exec(
        "INSERT OR IGNORE INTO users (id, name, name_key, password_hash, otp_secret, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![u.id, u.name, user_name::key(&u.name), u.password_hash, u.otp_secret, u.created_at],
    )?;
    if inserted == 0 {
        return Ok(false);
    }
    add_event(conn, u.created_at, Some(&u.id), EventKind::UserAdded, "")?;
    Ok(true)
}

/// The user a typed name means: the user of exactly that name, else the one whose key the
/// name has (see `user_name`). `?1`: the name, `?2`: its key.
pub(super) const USER_BY_NAME: &str =
    "SELECT id, name, password_hash, otp_secret, otp_confirmed_at, blocked_until,
            disabled_at IS NOT NULL, push_unanswered, push_sent_at, push_tried_at,
            pushes_muted_until
     FROM users
     WHERE id = COALESCE((SELECT id FROM users WHERE name = ?1),
                         (SELECT id FROM users WHERE name_key = ?2))";

/// The user named `name`, in any case (see [`USER_BY_NAME`]).
pub(super) fn user_by_name(conn: &Connection, name: &str) -> Stored<Option<User>> {
    Ok(conn
        .row(USER_BY_NAME, params![name, user_name::key(name)], |r| {
            Ok(User {
                id: r.get(0)?,
                name: r.get(1)?,
                password_hash: r.get(2)?,
                otp_secret: r.get(3)?,
                otp_confirmed_at: r.get(4)?,
                blocked_until: r.get(5)?,
                disabled: r.get(6)?,
                push_budget: push_budget_at(r, 7)?,
            })
        })
        .optional()?)
}

/// Migration 17's data step: gives every user their name's key, oldest first; a user whose key
/// an older user holds keeps none (they sign in only by their exact name; see
/// [`name_clashes`]). Moves the password guessing counters per name to the key, merging the
/// counters of names with one key. Returns how many users kept no key.
pub(super) fn key_user_names(conn: &Connection) -> rusqlite::Result<usize> {
    let users: Vec<(String, String)> = conn
        .prepare("SELECT id, name FROM users ORDER BY created_at, rowid")?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<Result<_, _>>()?;
    let mut clashes = 0;
    for (id, name) in users {
        let keyed = conn.execute(
            "UPDATE users SET name_key = ?2 WHERE id = ?1
               AND NOT EXISTS (SELECT 1 FROM users WHERE name_key = ?2)",
            params![id, user_name::key(&name)],
        )?;
        clashes += 1 - keyed;
    }
    const NAME_SCOPES: &str = "scope IN ('password_name', 'password_familiar')";
    let counters: Vec<(String, String, i64, i64, i64)> = conn
        .prepare(&format!(
            "SELECT scope, key, count, since, last_at FROM attempt_counters WHERE {NAME_SCOPES}"
        ))?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)))?
        .collect::<Result<_, _>>()?;
    conn.execute(&format!("DELETE FROM attempt_counters WHERE {NAME_SCOPES}"), [])?;
    for (scope, name, count, since, last_at) in counters {
        conn.execute(
            "INSERT INTO attempt_counters (scope, key, count, since, last_at)
             VALUES (?1, ?2, ?3, ?4, ?5)
             ON CONFLICT(scope, key) DO UPDATE SET count = count + excluded.count,
               since = MIN(since, excluded.since), last_at = MAX(last_at, excluded.last_at)",
            params![scope, user_name::key(&name), count, since, last_at],
        )?;
    }
    Ok(clashes)
}

/// Users without a key (their name differs only in case from an older user's: migration 17)
/// and the user who holds their key: `(name, holder)`, by name.
pub(super) fn name_clashes(conn: &Connection) -> Stored<Vec<(String, String)>> {
    let unkeyed: Vec<String> = conn
        .prepare_cached("SELECT name FROM users WHERE name_key IS NULL ORDER BY name")?
        .query_map([], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    let mut clashes = Vec::with_capacity(unkeyed.len());
    for name in unkeyed {
        let holder: Option<String> = conn
            .row("SELECT name FROM users WHERE name_key = ?1", [user_name::key(&name)], |r| {
                r.get(0)
            })
            .optional()?;
        // Deleting the holder hands the key on (`delete_user`): there always is one.
        if let Some(holder) = holder {
            clashes.push((name, holder));
        }
    }
    Ok(clashes)
}

/// The push budget of a row whose columns from `first` on are the users table's
/// `push_unanswered, push_sent_at, push_tried_at, pushes_muted_until`.
pub(super) fn push_budget_at(r: &rusqlite::Row<'_>, first: usize) -> rusqlite::Result<PushBudget> {
    Ok(PushBudget {
        unanswered: r.get(first)?,
        sent_at: r.get(first + 1)?,
        tried_at: r.get(first + 2)?,
        muted_until: r.get(first + 3)?,
    })
}

pub(super) fn add_activation(conn: &Connection, a: &Activation) -> Stored<()> {
    conn.exec(
        "INSERT INTO activations (code_hash, user_id, expires_at, replaces_device_id, carries_otp) VALUES (?1, ?2, ?3, ?4, ?5)",
        params![a.code_hash, a.user, a.expires_at, a.replaces, a.carries_otp],
    )?;
    Ok(())
}

pub(super) fn add_session(
    conn: &Connection,
    user: &UserId,
    session: &NewSession,
    now: i64,
) -> Stored<()> {
    // The user's methods at the start, in the same statement (src/step_up.rs, `Vouching`).
    conn.exec(
        "INSERT INTO sessions (token_hash, user_id, created_at, expires_at, devices_mark, code_at_start, bootstrap)
         SELECT ?1, u.id, ?3, ?4,
                (SELECT coalesce(max(d.rowid), 0) FROM devices d WHERE d.user_id = u.id),
                u.otp_secret IS NOT NULL AND u.otp_confirmed_at IS NOT NULL,
                NOT EXISTS (SELECT 1 FROM devices d WHERE d.user_id = u.id AND d.revoked_at IS NULL)
                    AND NOT (u.otp_secret IS NOT NULL AND u.otp_confirmed_at IS NOT NULL)
         FROM users u WHERE u.id = ?2",
        params![session.token_hash, user, now, now.saturating_add(session.ttl)],
    )?;
    Ok(())
}

pub(super) fn end_session(conn: &Connection, token_hash: &str) -> Stored<()> {
    conn.exec("DELETE FROM sessions WHERE token_hash = ?1", [token_hash])?;
    Ok(())
}

pub(super) fn session_started(conn: &Connection, token_hash: &str) -> Stored<Option<SessionStart>> {
    let row = conn
        .row(
            "SELECT created_at, user_id, devices_mark, code_at_start, bootstrap FROM sessions WHERE token_hash = ?1",
            [token_hash],
            |r| {
                let marks: (Option<i64>, Option<bool>, Option<bool>) = (r.get(2)?, r.get(3)?, r.get(4)?);
                Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?, marks))
            },
        )
        .optional()?;
    let Some((started, user, marks)) = row else { return Ok(None) };
    let (Some(mark), Some(code), Some(bootstrap)) = marks else {
        return Ok(Some(SessionStart { started, methods: None }));
    };
    let devices = conn
        .prepare_cached("SELECT id FROM devices WHERE user_id = ?1 AND rowid <= ?2")?
        .query_map(params![user, mark], |r| Ok(DeviceId::new(r.get::<_, String>(0)?)))?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Some(SessionStart { started, methods: Some(MethodsAtStart { devices, code, bootstrap }) }))
}

pub(super) fn session_user(
    conn: &Connection,
    token_hash: &str,
    now: i64,
) -> Stored<Option<(UserId, String)>> {
    Ok(conn
        .row(
            "SELECT u.id, u.name FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.token_hash = ?1 AND s.expires_at > ?2",
            params![token_hash, now],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?)
}

pub(super) fn add_event(
    conn: &Connection,
    at: i64,
    user: Option<&UserId>,
    kind: EventKind,
    detail: &str,
) -> Stored<()> {
    add_event_from(conn, at, user, kind, detail, "")
}

/// An event with the client address it came from (a failed password: the source).
pub(super) fn add_event_from(
    conn: &Connection,
    at: i64,
    user: Option<&UserId>,
    kind: EventKind,
    detail: &str,
    ip: &str,
) -> Stored<()> {
    conn.exec(
        "INSERT INTO events (at, user_id, kind, detail, ip) VALUES (?1, ?2, ?3, ?4, ?5)",
        params![at, user, kind.as_str(), detail, ip],
    )?;
    Ok(())
}

/// An event about sign-in request `request`: it carries the request's address, application
/// and place.
pub(super) fn add_request_event(
    conn: &Connection,
    at: i64,
    user: &UserId,
    kind: EventKind,
    detail: &str,
    request: &RequestId,
) -> Stored<()> {
    conn.exec(
        "INSERT INTO events (at, user_id, kind, detail, ip, app, place)
         SELECT ?1, ?2, ?3, ?4, ip, app, location FROM requests WHERE id = ?5",
        params![at, user, kind.as_str(), detail, request],
    )?;
    Ok(())
}

/// Every user, by name.
pub(super) fn users(conn: &Connection) -> Stored<Vec<UserInfo>> {
    let mut stmt = conn.prepare_cached(
        "SELECT u.name, u.created_at, u.disabled_at, u.blocked_until, u.password_hash IS NOT NULL,
                u.otp_confirmed_at IS NOT NULL,
                (SELECT COUNT(*) FROM devices d WHERE d.user_id = u.id AND d.revoked_at IS NULL),
                u.pushes_muted_until, u.push_unanswered
         FROM users u ORDER BY u.name",
    )?;
    let rows = stmt
        .query_map([], |r| {
            Ok(UserInfo {
                name: r.get(0)?,
                created_at: r.get(1)?,
                disabled_at: r.get(2)?,
                blocked_until: r.get(3)?,
                has_password: r.get(4)?,
                one_time_codes: r.get(5)?,
                active_devices: r.get(6)?,
                pushes_muted_until: r.get(7)?,
                unanswered_pushes: r.get(8)?,
            })
        })?
        .collect::<Result<_, _>>()?;
    Ok(rows)
}

/// Ends everything a user is signed in with or waiting for: pending and approved requests
/// expire, unused enrollment codes are spent, browser sessions and access tokens end.
pub(super) fn end_sign_ins(conn: &Connection, user: &UserId, now: i64) -> Stored<()> {
    conn.execute(
        "UPDATE requests SET state = ?3, decided_at = COALESCE(decided_at, ?2)
         WHERE user_id = ?1 AND state IN (?4, ?5)",
        params![
            user,
            now,
            RequestState::Expired.as_str(),
            RequestState::Pending.as_str(),
            RequestState::Approved.as_str()
        ],
    )?;
    conn.execute(
        "UPDATE activations SET used_at = ?2 WHERE user_id = ?1 AND used_at IS NULL",
        params![user, now],
    )?;
    conn.execute("DELETE FROM oidc_sessions WHERE user_id = ?1", [user])?;
    conn.execute("DELETE FROM oidc_tokens WHERE user_id = ?1", [user])?;
    conn.execute("DELETE FROM sessions WHERE user_id = ?1", [user])?;
    Ok(())
}

/// Disables (`true`) or enables a user; a disable ends their sign-ins (see `end_sign_ins`).
/// `None`: no such user; otherwise whether it changed.
pub(super) fn set_disabled(
    conn: &Connection,
    name: &str,
    disabled: bool,
    now: i64,
) -> Stored<Option<bool>> {
    let Some(user) = user_by_name(conn, name)? else { return Ok(None) };
    if user.disabled == disabled {
        return Ok(Some(false));
    }
    if disabled {
        conn.execute("UPDATE users SET disabled_at = ?2 WHERE id = ?1", params![user.id, now])?;
        end_sign_ins(conn, &user.id, now)?;
        add_event(conn, now, Some(&user.id), EventKind::UserDisabled, "")?;
    } else {
        conn.execute("UPDATE users SET disabled_at = NULL WHERE id = ?1", [&user.id])?;
        add_event(conn, now, Some(&user.id), EventKind::UserEnabled, "")?;
    }
    Ok(Some(true))
}

/// Lifts a report's block and its mute of notifications. `None`: no such user; otherwise
/// whether either was in force at `now`.
pub(super) fn unblock(conn: &Connection, name: &str, now: i64) -> Stored<Option<bool>> {
    let Some(user) = user_by_name(conn, name)? else { return Ok(None) };
    let was_blocked = user.blocked_until > now || user.push_budget.muted_until > now;
    conn.execute(
        "UPDATE users SET blocked_until = 0, pushes_muted_until = 0 WHERE id = ?1",
        [&user.id],
    )?;
    if was_blocked {
        add_event(conn, now, Some(&user.id), EventKind::UserUnblocked, "")?;
    }
    Ok(Some(was_blocked))
}

/// Sets (or with `None` removes) a user's password hash; `false`: no such user.
pub(super) fn set_password_hash(
    conn: &Connection,
    name: &str,
    hash: Option<&str>,
    now: i64,
) -> Stored<bool> {
    let Some(user) = user_by_name(conn, name)? else { return Ok(false) };
    conn.execute("UPDATE users SET password_hash = ?2 WHERE id = ?1", params![user.id, hash])?;
    let detail = if hash.is_some() { "set" } else { "removed" };
    add_event(conn, now, Some(&user.id), EventKind::PasswordSet, detail)?;
    Ok(true)
}

/// Deletes a user and everything that is theirs (see [`DeletedUser`]); records
/// `user_deleted` with the name and no user. `None`: no such user.
pub(super) fn delete_user(conn: &Connection, name: &str, now: i64) -> Stored<Option<DeletedUser>> {
    let Some(user) = user_by_name(conn, name)? else { return Ok(None) };
    let id = &user.id;
    let count = |sql: &str| -> Stored<i64> { Ok(conn.query_row(sql, [id], |r| r.get(0))?) };
    let gone = DeletedUser {
        devices: count("SELECT COUNT(*) FROM devices WHERE user_id = ?1")?,
        requests: count("SELECT COUNT(*) FROM requests WHERE user_id = ?1")?,
        sessions: count("SELECT COUNT(*) FROM sessions WHERE user_id = ?1")?,
        events: count("SELECT COUNT(*) FROM events WHERE user_id = ?1")?,
    };
    for sql in [
        "DELETE FROM push_log WHERE request_id IN (SELECT id FROM requests WHERE user_id = ?1)",
        "DELETE FROM device_nonces WHERE device_id IN (SELECT id FROM devices WHERE user_id = ?1)",
        "DELETE FROM eam_pending WHERE user_id = ?1",
        "DELETE FROM eam_links WHERE user_id = ?1",
        "DELETE FROM requests WHERE user_id = ?1",
        "DELETE FROM credentials WHERE user_id = ?1",
        "DELETE FROM devices WHERE user_id = ?1",
        "DELETE FROM activations WHERE user_id = ?1",
        "DELETE FROM oidc_tokens WHERE user_id = ?1",
        "DELETE FROM oidc_codes WHERE user_id = ?1",
        "DELETE FROM oidc_sessions WHERE user_id = ?1",
        "DELETE FROM sessions WHERE user_id = ?1",
        "DELETE FROM otp_failures WHERE user_id = ?1",
        "DELETE FROM events WHERE user_id = ?1",
        "DELETE FROM users WHERE id = ?1",
    ] {
        conn.execute(sql, [id])?;
    }
    // Password failures are counted per name's key (known or not); a new user of that name
    // starts afresh.
    let key = user_name::key(&user.name);
    conn.execute(
        "DELETE FROM attempt_counters
         WHERE scope IN ('password_name', 'password_familiar') AND key = ?1",
        [&key],
    )?;
    // The oldest user whose name differs from this one's only in case (from before schema
    // v17: no key of their own) now gets the key.
    let unkeyed: Vec<(UserId, String)> = conn
        .prepare_cached(
            "SELECT id, name FROM users WHERE name_key IS NULL ORDER BY created_at, rowid",
        )?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<Result<_, _>>()?;
    if let Some((heir, _)) = unkeyed.iter().find(|(_, n)| user_name::key(n) == key) {
        conn.execute("UPDATE users SET name_key = ?2 WHERE id = ?1", params![heir, key])?;
    }
    add_event(conn, now, None, EventKind::UserDeleted, &user.name)?;
    Ok(Some(gone))
}

pub(super) fn events(
    conn: &Connection,
    user_name: Option<&str>,
    limit: u32,
) -> Stored<Vec<EventInfo>> {
    let mut stmt = conn.prepare_cached(
        "SELECT e.at, u.name, e.kind, e.detail, e.ip, e.app, e.place
         FROM events e LEFT JOIN users u ON u.id = e.user_id
         WHERE ?1 IS NULL
            OR e.user_id = COALESCE((SELECT id FROM users WHERE name = ?1),
                                    (SELECT id FROM users WHERE name_key = ?3))
         ORDER BY e.id DESC LIMIT ?2",
    )?;
    let key = user_name.map(user_name::key);
    let rows = stmt
        .query_map(params![user_name, limit, key], |r| {
            Ok(EventInfo {
                at: r.get(0)?,
                user: r.get(1)?,
                kind: r.get(2)?,
                detail: r.get(3)?,
                ip: r.get(4)?,
                app: r.get(5)?,
                place: r.get(6)?,
            })
        })?
        .collect::<Result<_, _>>()?;
    Ok(rows)
}
