//! One-time codes: the check transaction (confirmation or sign-in) and the failure record.

use rusqlite::{params, Connection, OptionalExtension};

use super::pool::Cached;

use super::accounts::{add_event, add_event_from, add_request_event, add_session, push_budget_at};
use crate::model::{
    CodeContext, CodeRequest, CodeUse, EventKind, OtpVerdict, PushBudget, RequestState, UserId,
};
use crate::storage::{StoreError, Stored};

/// What a code check reads of its user.
struct CodeUser {
    secret: Option<String>,
    confirmed_at: Option<i64>,
    last_step: Option<i64>,
    push_budget: PushBudget,
}

pub(super) fn check(
    conn: &Connection,
    target: &CodeUse<'_>,
    window: i64,
    now: i64,
    judge: &mut dyn FnMut(&CodeContext<'_>) -> OtpVerdict,
) -> Stored<(OtpVerdict, Option<UserId>)> {
    let (user, request) = match target {
        CodeUse::Confirm(user, _) | CodeUse::StepUp(user) => ((*user).clone(), None),
        CodeUse::SignIn { request, .. } => {
            let found: Option<(UserId, String, String, i64)> = conn
                .row(
                    "SELECT user_id, kind, state, expires_at FROM requests WHERE id = ?1",
                    [request],
                    |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
                )
                .optional()?;
            let Some((user, kind, state, expires_at)) = found else {
                return Ok((judge(&no_user(now, None)), None));
            };
            let kind = super::requests::kind_of(&kind).ok_or(StoreError::Failed)?;
            let state = RequestState::parse(&state).ok_or(StoreError::Failed)?;
            (user, Some(CodeRequest { kind, state, expires_at }))
        }
    };
    let row: Option<CodeUser> = conn
        .row(
            "SELECT otp_secret, otp_confirmed_at, otp_last_step, push_unanswered, push_sent_at,
                    push_tried_at, pushes_muted_until
             FROM users WHERE id = ?1",
            [&user],
            |r| {
                Ok(CodeUser {
                    secret: r.get(0)?,
                    confirmed_at: r.get(1)?,
                    last_step: r.get(2)?,
                    push_budget: push_budget_at(r, 3)?,
                })
            },
        )
        .optional()?;
    let Some(CodeUser { secret, confirmed_at, last_step, push_budget }) = row else {
        return Ok((judge(&no_user(now, request)), None));
    };
    let since = now.saturating_sub(window);
    conn.exec("DELETE FROM otp_failures WHERE user_id = ?1 AND at <= ?2", params![user, since])?;
    let mut stmt =
        conn.prepare_cached("SELECT at FROM otp_failures WHERE user_id = ?1 ORDER BY at")?;
    let failures: Vec<i64> = stmt.query_map([&user], |r| r.get(0))?.collect::<Result<_, _>>()?;
    drop(stmt);
    let verdict = judge(&CodeContext {
        now,
        secret: secret.as_deref(),
        confirmed: confirmed_at.is_some(),
        last_step,
        failures: &failures,
        request,
        push_budget,
    });
    match verdict {
        OtpVerdict::Accept { step, push_budget } => {
            conn.exec("UPDATE users SET otp_last_step = ?2 WHERE id = ?1", params![user, step])?;
            match target {
                CodeUse::Confirm(_, ip) => {
                    conn.exec(
                        "UPDATE users SET otp_confirmed_at = ?2 WHERE id = ?1",
                        params![user, now],
                    )?;
                    add_event_from(
                        conn,
                        now,
                        Some(&user),
                        EventKind::OneTimeCodeConfirmed,
                        "",
                        ip,
                    )?;
                }
                CodeUse::StepUp(_) => {}
                CodeUse::SignIn { request, session } => {
                    let completed = conn.exec(
                        "UPDATE requests SET state = ?2, decided_at = ?3, completed_by = 'otp'
                         WHERE id = ?1 AND state = ?4",
                        params![
                            request,
                            RequestState::Completed.as_str(),
                            now,
                            RequestState::Pending.as_str()
                        ],
                    )?;
                    if completed != 1 {
                        // The judge saw it pending under this same lock.
                        return Err(StoreError::Failed);
                    }
                    add_session(conn, &user, session, now)?;
                    if let Some(budget) = &push_budget {
                        super::requests::store_answered(conn, &user, budget)?;
                    }
                    add_request_event(conn, now, &user, EventKind::SignedIn, "otp", request)?;
                }
            }
        }
        OtpVerdict::Wrong | OtpVerdict::Reused => {
            conn.exec(
                "INSERT INTO otp_failures (user_id, at) VALUES (?1, ?2)",
                params![user, now],
            )?;
            let detail = if verdict == OtpVerdict::Reused { "reused" } else { "wrong" };
            match target {
                CodeUse::SignIn { request, .. } => add_request_event(
                    conn,
                    now,
                    &user,
                    EventKind::OneTimeCodeRefused,
                    detail,
                    request,
                )?,
                CodeUse::Confirm(..) | CodeUse::StepUp(_) => {
                    add_event(conn, now, Some(&user), EventKind::OneTimeCodeRefused, detail)?
                }
            }
        }
        OtpVerdict::Limited { .. } | OtpVerdict::Unavailable | OtpVerdict::RequestOver => {}
    }
    Ok((verdict, Some(user)))
}

/// The context of a code for no known user (no secret, no failures).
fn no_user(now: i64, request: Option<CodeRequest>) -> CodeContext<'static> {
    CodeContext {
        now,
        secret: None,
        confirmed: false,
        last_step: None,
        failures: &[],
        request,
        push_budget: PushBudget::default(),
    }
}

/// Sets an unconfirmed secret for a user who has none; the secret in place and whether it is
/// confirmed.
pub(super) fn add_secret(
    conn: &Connection,
    user: &UserId,
    secret: &str,
    ip: &str,
    now: i64,
) -> Stored<Option<(String, bool)>> {
    let added = conn.exec(
        "UPDATE users SET otp_secret = ?2, otp_confirmed_at = NULL, otp_last_step = NULL
         WHERE id = ?1 AND otp_secret IS NULL",
        params![user, secret],
    )?;
    if added == 1 {
        add_event_from(conn, now, Some(user), EventKind::OneTimeCodeAdded, "", ip)?;
    }
    Ok(conn
        .row(
            "SELECT otp_secret, otp_confirmed_at IS NOT NULL FROM users WHERE id = ?1",
            [user],
            |r| Ok((r.get::<_, Option<String>>(0)?, r.get(1)?)),
        )
        .optional()?
        .and_then(|(s, c)| s.map(|s| (s, c))))
}

/// Removes the user's one-time-code secret (confirmed or not) and ends their browser
/// sessions; `false` if they had none. No device, and no unused enrollment code, counts as
/// having the user's secret any more: a later one is never re-delivered to them.
pub(super) fn remove_secret(conn: &Connection, user: &UserId, ip: &str, now: i64) -> Stored<bool> {
    let removed = conn.exec(
        "UPDATE users SET otp_secret = NULL, otp_confirmed_at = NULL, otp_last_step = NULL
         WHERE id = ?1 AND otp_secret IS NOT NULL",
        [user],
    )?;
    if removed == 1 {
        conn.exec("UPDATE devices SET otp_delivered = 0 WHERE user_id = ?1", [user])?;
        conn.exec(
            "UPDATE activations SET carries_otp = 0 WHERE user_id = ?1 AND used_at IS NULL",
            [user],
        )?;
        conn.exec("DELETE FROM sessions WHERE user_id = ?1", [user])?;
        add_event_from(conn, now, Some(user), EventKind::OneTimeCodeRemoved, "", ip)?;
    }
    Ok(removed == 1)
}
