//! Sign-in requests: the start and decide transactions, reads, completion, push triggers.

use nyckel_core::protocol::wire::RequestKind;
use rusqlite::types::ValueRef;
use rusqlite::{params, Connection, OptionalExtension};

use super::pool::Cached;

use super::accounts::{add_event, add_request_event, add_session, push_budget_at, user_by_name};
use crate::error::Error;
use crate::model::{
    CompletionContext, CompletionVerdict, CredentialId, CredentialKind, DecideContext,
    DecideVerdict, DeviceId, EventKind, NewSession, OpenRequest, PushBudget, PushTrigger,
    RequestId, RequestState, SignInRequest, StartContext, StartVerdict, UserId,
};
use crate::storage::{StartReads, StoreError, Stored};

pub(super) fn kind_of(s: &str) -> Option<RequestKind> {
    [RequestKind::Push, RequestKind::Passwordless].into_iter().find(|k| k.as_str() == s)
}

pub(super) fn start(
    conn: &Connection,
    user_name: &str,
    kind: RequestKind,
    reads: &StartReads<'_>,
    excluded: Option<&DeviceId>,
    now: i64,
    decide: &mut dyn FnMut(&StartContext<'_>) -> StartVerdict,
) -> Stored<(StartVerdict, usize)> {
    let Some(user) = user_by_name(conn, user_name)? else {
        let ctx = StartContext {
            now,
            user: None,
            targets: 0,
            open: &[],
            recognised: &[],
            recent: 0,
            notified_last_hour: 0,
        };
        return Ok((decide(&ctx), 0));
    };
    let mut stmt = conn.prepare_cached(TARGETS)?;
    let targets: Vec<(String, Option<String>)> = stmt
        .query_map(params![user.id, CredentialKind::for_request(kind).as_str(), excluded], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })?
        .collect::<Result<_, _>>()?;
    drop(stmt);
    let open = open_requests(conn, &user.id, now)?;
    let recognised = recognised(
        conn,
        &user.id,
        now.saturating_sub(reads.recognised_for),
        reads.recognised_sources,
    )?;
    let recent: i64 = conn.row(
        RECENT,
        params![user.id, kind.as_str(), now.saturating_sub(reads.seconds), reads.source],
        |r| r.get(0),
    )?;
    let notified_last_hour: i64 =
        conn.row(NOTIFIED_LAST_HOUR, params![user.id, now.saturating_sub(3600)], |r| r.get(0))?;
    let ctx = StartContext {
        now,
        user: Some(&user),
        targets: targets.len(),
        open: &open,
        recognised: &recognised,
        recent,
        notified_last_hour,
    };
    let verdict = decide(&ctx);
    let mut notified = 0;
    match &verdict {
        StartVerdict::Refuse(_) => {}
        StartVerdict::RateLimited => {
            add_event(conn, now, Some(&user.id), EventKind::RateLimited, kind.as_str())?;
        }
        StartVerdict::Create(new) => {
            // The user's requests left pending past their expiry end as expired, so the open
            // requests (read through `requests_user_state` on every start and app poll) stay
            // few; the ones the domain chose are replaced.
            conn.exec(
                EXPIRE_STALE,
                params![
                    user.id,
                    now,
                    RequestState::Expired.as_str(),
                    RequestState::Pending.as_str()
                ],
            )?;
            for id in &new.replaces {
                conn.exec(
                    "UPDATE requests SET state = ?3, decided_at = ?2 WHERE id = ?1 AND state = ?4",
                    params![
                        id,
                        now,
                        RequestState::Superseded.as_str(),
                        RequestState::Pending.as_str()
                    ],
                )?;
            }
            conn.exec(
                "INSERT INTO requests (id, user_id, kind, nonce, number, app, ip, location, created_at, expires_at, state, browser_token_hash, notified, source, excluded_device, known_browser)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)",
                params![
                    new.id,
                    user.id,
                    kind.as_str(),
                    new.nonce,
                    new.number,
                    new.app,
                    new.ip,
                    new.location,
                    now,
                    new.expires_at,
                    RequestState::Pending.as_str(),
                    new.browser_token_hash,
                    // Notified: a trigger went out (none to a user without a phone).
                    new.push.quiet.is_none() && !targets.is_empty(),
                    new.source,
                    excluded,
                    new.known_browser
                ],
            )?;
            let b = new.push.budget;
            conn.exec(
                "UPDATE users SET push_unanswered = ?2, push_sent_at = ?3, push_tried_at = ?4,
                 pushes_muted_until = ?5 WHERE id = ?1",
                params![user.id, b.unanswered, b.sent_at, b.tried_at, b.muted_until],
            )?;
            match new.push.quiet {
                None => {
                    for (device, push_token) in &targets {
                        conn.exec(
                            "INSERT INTO push_log (request_id, device_id, push_token, sent_at) VALUES (?1, ?2, ?3, ?4)",
                            params![new.id, device, push_token, now],
                        )?;
                    }
                    notified = targets.len();
                }
                Some(reason) => {
                    add_request_event(
                        conn,
                        now,
                        &user.id,
                        EventKind::PushQuiet,
                        reason.as_str(),
                        &new.id,
                    )?;
                }
            }
            add_request_event(
                conn,
                now,
                &user.id,
                EventKind::SigninStarted,
                kind.as_str(),
                &new.id,
            )?;
        }
    }
    Ok((verdict, notified))
}

/// The user's live devices holding a live credential of kind ?2, but device ?3 (through
/// `devices_user`, then `credentials_device`).
pub(super) const TARGETS: &str = "SELECT d.id, d.push_token FROM devices d
     JOIN credentials c ON c.device_id = d.id
     WHERE d.user_id = ?1 AND d.revoked_at IS NULL AND c.revoked_at IS NULL AND c.kind = ?2
       AND (?3 IS NULL OR d.id != ?3)";

/// The rate limit's count: the user's requests of kind ?2 since ?3, from source ?4 if given
/// (through `requests_user`).
pub(super) const RECENT: &str = "SELECT COUNT(*) FROM requests
     WHERE user_id = ?1 AND kind = ?2 AND created_at > ?3 AND (?4 IS NULL OR source = ?4)";

/// The push budget's count: the user's notified requests since ?2 (through the partial index
/// `requests_notified`: at most the hourly limit's entries).
pub(super) const NOTIFIED_LAST_HOUR: &str =
    "SELECT COUNT(*) FROM requests WHERE user_id = ?1 AND created_at > ?2 AND notified";

macro_rules! request_columns {
    () => {
        "r.id, r.user_id, u.name, r.kind, r.nonce, r.app, r.ip, r.location, r.created_at, r.expires_at, r.state, r.browser_token_hash, r.completed_by IS NOT NULL, r.number, r.notified, r.known_browser"
    };
}

const REQUEST_COLUMNS: &str = request_columns!();

/// A user's open requests a device may see, newest first (through `requests_user_state`).
/// The caller reads as many as it lists: a bound `LIMIT` is read by SQLite's planner, which
/// then prepares the statement again on every run (`hot_statements_are_prepared_once`).
pub(super) const PENDING: &str = concat!(
    "SELECT ",
    request_columns!(),
    " FROM requests r JOIN users u ON u.id = r.user_id
     WHERE r.user_id = ?1 AND r.state = ?2 AND r.expires_at > ?3 AND (r.kind = ?4 OR ?5)
       AND (r.excluded_device IS NULL OR r.excluded_device != ?6)
     ORDER BY r.created_at DESC"
);

/// The user's open requests, either kind (through `requests_user_state`).
pub(super) const OPEN: &str = "SELECT id, kind, created_at, notified, source, known_browser
     FROM requests WHERE user_id = ?1 AND state = ?2 AND expires_at > ?3";

/// The source keys of the user's last 64 sign-ins completed since ?3, newest first (the
/// recognised addresses are the distinct ones among them: [`recognised`]), so a start's cost
/// does not grow with the user's history (through `requests_user_state`).
pub(super) const RECOGNISED: &str = "SELECT source FROM requests
     WHERE user_id = ?1 AND state = ?2 AND created_at > ?3 AND source != ''
     ORDER BY created_at DESC LIMIT 64";

/// The distinct source keys of the user's last 64 sign-ins completed since `since`, by their
/// latest sign-in, newest first, at most `most` (a start's and a password attempt's read).
pub(super) fn recognised(
    conn: &Connection,
    user: &UserId,
    since: i64,
    most: u32,
) -> Stored<Vec<String>> {
    let most = usize::try_from(most).unwrap_or(0);
    let mut stmt = conn.prepare_cached(RECOGNISED)?;
    let mut rows = stmt.query(params![user, RequestState::Completed.as_str(), since])?;
    let mut sources: Vec<String> = Vec::new();
    while sources.len() < most {
        let Some(row) = rows.next()? else { break };
        // Compared in place: only a new source is copied out.
        let ValueRef::Text(source) = row.get_ref(0)? else { return Err(StoreError::Failed) };
        if !sources.iter().any(|s| s.as_bytes() == source) {
            sources.push(String::from_utf8(source.to_vec()).map_err(|_| StoreError::Failed)?);
        }
    }
    Ok(sources)
}

/// The user's requests still pending past their expiry become expired (through
/// `requests_user_state`).
pub(super) const EXPIRE_STALE: &str = "UPDATE requests SET state = ?3, decided_at = ?2
     WHERE user_id = ?1 AND state = ?4 AND expires_at <= ?2";

fn open_requests(conn: &Connection, user: &UserId, now: i64) -> Stored<Vec<OpenRequest>> {
    let mut stmt = conn.prepare_cached(OPEN)?;
    let rows = stmt
        .query_map(params![user, RequestState::Pending.as_str(), now], |r| {
            let kind = r.get::<_, String>(1)?;
            let open = OpenRequest {
                id: r.get(0)?,
                kind: RequestKind::Push,
                created_at: r.get(2)?,
                notified: r.get(3)?,
                source: r.get(4)?,
                known_browser: r.get(5)?,
            };
            Ok((kind, open))
        })?
        .collect::<Result<Vec<_>, _>>()?;
    rows.into_iter()
        .map(|(kind, open)| {
            let kind = kind_of(&kind).ok_or(StoreError::Failed)?;
            Ok(OpenRequest { kind, ..open })
        })
        .collect()
}

fn read_request(r: &rusqlite::Row<'_>) -> rusqlite::Result<(String, String, SignInRequest)> {
    Ok((
        r.get(3)?,
        r.get(10)?,
        SignInRequest {
            id: r.get(0)?,
            user: r.get(1)?,
            account_name: r.get(2)?,
            kind: RequestKind::Push,
            nonce: r.get(4)?,
            app: r.get(5)?,
            ip: r.get(6)?,
            location: r.get(7)?,
            created_at: r.get(8)?,
            expires_at: r.get(9)?,
            state: RequestState::Pending,
            browser_token_hash: r.get(11)?,
            completed_by_code: r.get(12)?,
            number: r.get(13)?,
            notified: r.get(14)?,
            known_browser: r.get(15)?,
        },
    ))
}

/// The typed request, or [`StoreError::Failed`] for a kind or state this version never writes.
fn typed((kind, state, req): (String, String, SignInRequest)) -> Stored<SignInRequest> {
    let kind = kind_of(&kind).ok_or(StoreError::Failed)?;
    let state = RequestState::parse(&state).ok_or(StoreError::Failed)?;
    Ok(SignInRequest { kind, state, ..req })
}

pub(super) fn request(conn: &Connection, id: &RequestId) -> Stored<Option<SignInRequest>> {
    conn.row(
        &format!(
            "SELECT {REQUEST_COLUMNS} FROM requests r JOIN users u ON u.id = r.user_id WHERE r.id = ?1"
        ),
        [id],
        read_request,
    )
    .optional()?
    .map(typed)
    .transpose()
}

/// Marks pending, unexpired request `id` of `user` as started in a recognised browser;
/// whether it changed.
pub(super) fn recognise_browser(
    conn: &Connection,
    id: &RequestId,
    user: &UserId,
    now: i64,
) -> Stored<bool> {
    let changed = conn.exec(
        "UPDATE requests SET known_browser = 1
         WHERE id = ?1 AND user_id = ?2 AND state = ?3 AND expires_at > ?4 AND NOT known_browser",
        params![id, user, RequestState::Pending.as_str(), now],
    )?;
    Ok(changed > 0)
}

pub(super) fn pending(
    conn: &Connection,
    user: &UserId,
    device: &DeviceId,
    now: i64,
    with_passwordless: bool,
    limit: u32,
) -> Stored<Vec<SignInRequest>> {
    let mut stmt = conn.prepare_cached(PENDING)?;
    let rows = stmt
        .query_map(
            params![
                user,
                RequestState::Pending.as_str(),
                now,
                RequestKind::Push.as_str(),
                with_passwordless,
                device
            ],
            read_request,
        )?
        .take(usize::try_from(limit).unwrap_or(usize::MAX))
        .collect::<Result<Vec<_>, _>>()?;
    rows.into_iter().map(typed).collect()
}

pub(super) fn decide(
    conn: &Connection,
    id: &RequestId,
    credential: &CredentialId,
    now: i64,
    judge: &mut dyn FnMut(&DecideContext) -> DecideVerdict,
) -> Stored<DecideVerdict> {
    let cred: Option<(i64, bool, bool, String)> = conn
        .row(
            "SELECT c.sign_count, c.revoked_at IS NOT NULL, d.revoked_at IS NOT NULL, c.device_id
             FROM credentials c JOIN devices d ON d.id = c.device_id WHERE c.id = ?1",
            [credential],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
        )
        .optional()?;
    let Some((sign_count, credential_revoked, device_revoked, device)) = cred else {
        return Ok(DecideVerdict::Refuse(Error::UnknownCredential));
    };
    let req: Option<(String, i64, i64, UserId, Option<String>, PushBudget)> = conn
        .row(
            "SELECT r.state, r.number, r.expires_at, r.user_id, r.excluded_device,
                    u.push_unanswered, u.push_sent_at, u.push_tried_at, u.pushes_muted_until
             FROM requests r JOIN users u ON u.id = r.user_id WHERE r.id = ?1",
            [id],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, push_budget_at(r, 5)?)),
        )
        .optional()?;
    let Some((state, number, expires_at, user, excluded_device, push_budget)) = req else {
        return Ok(DecideVerdict::Refuse(Error::NotFound("request")));
    };
    let state = RequestState::parse(&state).ok_or(StoreError::Failed)?;
    let ctx = DecideContext {
        now,
        state,
        number,
        expires_at,
        sign_count,
        credential_revoked,
        device_revoked,
        excluded: excluded_device.as_deref() == Some(device.as_str()),
        push_budget,
    };
    let verdict = judge(&ctx);
    match &verdict {
        DecideVerdict::Refuse(_) => {}
        DecideVerdict::Expire => {
            conn.exec(
                "UPDATE requests SET state = ?2, decided_at = ?3 WHERE id = ?1",
                params![id, RequestState::Expired.as_str(), now],
            )?;
        }
        DecideVerdict::CounterNotIncreased => {
            add_event(conn, now, Some(&user), EventKind::CounterNotIncreased, &device)?;
        }
        DecideVerdict::Decide { state, sign_count, block_until, mute_until, push_budget } => {
            let changed = conn.exec(
                "UPDATE requests SET state = ?2, decided_at = ?3, credential_id = ?4 WHERE id = ?1 AND state = ?5",
                params![id, state.as_str(), now, credential, RequestState::Pending.as_str()],
            )?;
            if changed != 1 {
                return Ok(DecideVerdict::Refuse(Error::NotPending));
            }
            conn.exec(
                "UPDATE credentials SET sign_count = ?2 WHERE id = ?1",
                params![credential, sign_count],
            )?;
            if let Some(until) = block_until {
                conn.exec(
                    "UPDATE users SET blocked_until = ?2 WHERE id = ?1",
                    params![user, until],
                )?;
            }
            if let Some(until) = mute_until {
                conn.exec(
                    "UPDATE users SET pushes_muted_until = MAX(pushes_muted_until, ?2) WHERE id = ?1",
                    params![user, until],
                )?;
                add_event(conn, now, Some(&user), EventKind::PushesMuted, &until.to_string())?;
            }
            if let Some(budget) = push_budget {
                store_answered(conn, &user, budget)?;
            }
            add_request_event(conn, now, &user, EventKind::Decided(*state), &device, id)?;
        }
    }
    Ok(verdict)
}

/// Stores the push budget after the user's presence (`push_budget::answered`): the count and
/// the last notification's time; the mute and the last try are left as they are.
pub(super) fn store_answered(conn: &Connection, user: &UserId, b: &PushBudget) -> Stored<()> {
    conn.exec(
        "UPDATE users SET push_unanswered = ?2, push_sent_at = ?3 WHERE id = ?1",
        params![user, b.unanswered, b.sent_at],
    )?;
    Ok(())
}

pub(super) fn complete(
    conn: &Connection,
    id: &RequestId,
    session: &NewSession,
    now: i64,
    judge: &mut dyn FnMut(&CompletionContext) -> CompletionVerdict,
) -> Stored<Option<(CompletionContext, CompletionVerdict)>> {
    complete_with(conn, id, Some(session), "", now, judge)
}

/// [`complete`], opening `session` when there is one (Entra's external authentication opens
/// none); `detail` is the `signed_in` event's.
pub(super) fn complete_with(
    conn: &Connection,
    id: &RequestId,
    session: Option<&NewSession>,
    detail: &str,
    now: i64,
    judge: &mut dyn FnMut(&CompletionContext) -> CompletionVerdict,
) -> Stored<Option<(CompletionContext, CompletionVerdict)>> {
    let row: Option<(String, i64, UserId, bool, Option<DeviceId>)> = conn
        .row(
            "SELECT r.state, r.expires_at, r.user_id,
                    EXISTS(SELECT 1 FROM credentials c JOIN devices d ON d.id = c.device_id
                           WHERE c.id = r.credential_id AND c.revoked_at IS NULL
                             AND d.revoked_at IS NULL),
                    (SELECT c.device_id FROM credentials c WHERE c.id = r.credential_id)
             FROM requests r WHERE r.id = ?1",
            [id],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)),
        )
        .optional()?;
    let Some((state, expires_at, user, approver_live, approver_device)) = row else {
        return Ok(None);
    };
    let state = RequestState::parse(&state).ok_or(StoreError::Failed)?;
    let ctx = CompletionContext { now, state, expires_at, approver_live, user, approver_device };
    let verdict = judge(&ctx);
    let from_approved = |to: RequestState| -> Stored<usize> {
        Ok(conn.exec(
            "UPDATE requests SET state = ?2 WHERE id = ?1 AND state = ?3",
            params![id, to.as_str(), RequestState::Approved.as_str()],
        )?)
    };
    match &verdict {
        CompletionVerdict::Refuse(_) => {}
        CompletionVerdict::Expire => {
            from_approved(RequestState::Expired)?;
        }
        CompletionVerdict::Complete => {
            if from_approved(RequestState::Completed)? != 1 {
                return Ok(Some((ctx, CompletionVerdict::Refuse(Error::NotApproved))));
            }
            if let Some(session) = session {
                add_session(conn, &ctx.user, session, now)?;
            }
            add_request_event(conn, now, &ctx.user, EventKind::SignedIn, detail, id)?;
        }
    }
    Ok(Some((ctx, verdict)))
}

pub(super) fn push_triggers(conn: &Connection, id: &RequestId) -> Stored<Vec<PushTrigger>> {
    let mut stmt = conn.prepare_cached(
        "SELECT device_id, push_token FROM push_log WHERE request_id = ?1 ORDER BY id",
    )?;
    let rows = stmt
        .query_map([id], |r| Ok(PushTrigger { device_id: r.get(0)?, push_token: r.get(1)? }))?
        .collect::<Result<_, _>>()?;
    Ok(rows)
}
