//! Sign-in requests: creation (rate limit, one outstanding per user, report block), the
//! pending list, the consuming response transaction, status and browser completion.

use nyckel_core::protocol::wire::{
    b64, Envelope, PendingList, PendingRequest, RequestKind, RespondOutcome, SigninResult,
};
use rusqlite::{params, Connection, OptionalExtension, TransactionBehavior};
use serde::Serialize;

use crate::config::Config;
use crate::db::event;
use crate::error::Error;
use crate::ids::{new_id, random_bytes, token_hash, two_digit_number};
use crate::provider::Identity;
use crate::verify::{self, AssertionBody, Decided, Expected};

/// Push (after a password) or passwordless (username only): the wire's request kind.
pub use nyckel_core::protocol::wire::RequestKind as Kind;

/// Where a sign-in comes from (shown on the phone).
#[derive(Clone, Debug)]
pub struct SigninFrom {
    /// The requesting application.
    pub app: String,
    /// Client IP.
    pub ip: String,
    /// Approximate location.
    pub location: String,
}

/// A created request, as the sign-in page shows it.
#[derive(Clone, Serialize)]
pub struct Started {
    /// Request id.
    pub id: String,
    /// The two-digit number to show (never sent to the phone).
    pub number: u8,
    /// Expiry (provider time).
    #[serde(rename = "expiresAt")]
    pub expires_at: i64,
    /// `push` or `passwordless`.
    pub kind: &'static str,
    /// Secret the page uses to poll and complete.
    #[serde(rename = "statusToken")]
    pub status_token: String,
    /// Devices the trigger was sent to.
    #[serde(rename = "pushedTo")]
    pub pushed_to: usize,
}

impl std::fmt::Debug for Started {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Started")
            .field("id", &self.id)
            .field("kind", &self.kind)
            .finish_non_exhaustive()
    }
}

fn truncate(s: &str, n: usize) -> String {
    s.chars().filter(|c| !c.is_control()).take(n).collect()
}

/// Creates a sign-in request for `user_name` and records the push triggers.
pub fn start(
    conn: &mut Connection,
    cfg: &Config,
    user_name: &str,
    kind: Kind,
    from: &SigninFrom,
) -> Result<Started, Error> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let now = cfg.clock.now(); // after the lock: the wait can be seconds
    let (user_id, blocked_until): (String, i64) = tx
        .query_row("SELECT id, blocked_until FROM users WHERE name = ?1", [user_name], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .optional()?
        .ok_or(Error::UnknownUser)?;
    if blocked_until > now {
        return Err(Error::Blocked);
    }
    let cred_kind = match kind {
        Kind::Push => "device",
        Kind::Passwordless => "phone_signin",
    };
    let mut stmt = tx.prepare(
        "SELECT d.id, d.push_token FROM devices d JOIN credentials c ON c.device_id = d.id
         WHERE d.user_id = ?1 AND d.revoked_at IS NULL AND c.revoked_at IS NULL AND c.kind = ?2",
    )?;
    let targets: Vec<(String, Option<String>)> = stmt
        .query_map(params![user_id, cred_kind], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<Result<_, _>>()?;
    drop(stmt);
    if targets.is_empty() {
        return Err(match kind {
            Kind::Push => Error::NoDevice,
            Kind::Passwordless => Error::NoPhoneSignin,
        });
    }
    // A passwordless start needs only the user name: it must not displace a sign-in by
    // someone who gave the password (§7).
    if kind == Kind::Passwordless {
        let push_pending: bool = tx.query_row(
            "SELECT EXISTS(SELECT 1 FROM requests WHERE user_id = ?1 AND kind = 'push' AND state = 'pending' AND expires_at > ?2)",
            params![user_id, now],
            |r| r.get(0),
        )?;
        if push_pending {
            return Err(Error::PushPending);
        }
    }
    // Counted per kind, so username-only requests cannot use up the password sign-ins' limit.
    let recent: i64 = tx.query_row(
        "SELECT COUNT(*) FROM requests WHERE user_id = ?1 AND kind = ?2 AND created_at > ?3",
        params![user_id, kind.as_str(), now - cfg.push_window],
        |r| r.get(0),
    )?;
    if recent >= i64::from(cfg.push_limit) {
        event(&tx, now, Some(&user_id), "rate_limited", kind.as_str())?;
        tx.commit()?;
        return Err(Error::RateLimited);
    }
    // One outstanding request per account: a new one supersedes the old (a passwordless one
    // only an earlier passwordless one; a pending push request refused it above).
    tx.execute(
        "UPDATE requests SET state = 'superseded', decided_at = ?2
         WHERE user_id = ?1 AND state = 'pending' AND (?3 = 'push' OR kind = 'passwordless')",
        params![user_id, now, kind.as_str()],
    )?;
    let id = new_id();
    let number = two_digit_number();
    let token = b64(&random_bytes(24));
    let expires_at = now + cfg.request_ttl;
    tx.execute(
        "INSERT INTO requests (id, user_id, kind, nonce, number, app, ip, location, created_at, expires_at, state, browser_token_hash)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, 'pending', ?11)",
        params![
            id,
            user_id,
            kind.as_str(),
            random_bytes(32),
            number,
            truncate(&from.app, 128),
            truncate(&from.ip, 64),
            truncate(&from.location, 128),
            now,
            expires_at,
            token_hash(&token)
        ],
    )?;
    for (device, push_token) in &targets {
        // No FCM/APNs here: record the opaque trigger {"nyckel":1,"requestId":id} we would send.
        tx.execute(
            "INSERT INTO push_log (request_id, device_id, push_token, sent_at) VALUES (?1, ?2, ?3, ?4)",
            params![id, device, push_token, now],
        )?;
    }
    event(&tx, now, Some(&user_id), "signin_started", kind.as_str())?;
    tx.commit()?;
    tracing::info!(request = %id, kind = kind.as_str(), pushed_to = targets.len(), "sign-in started");
    Ok(Started {
        id,
        number,
        expires_at,
        kind: kind.as_str(),
        status_token: token,
        pushed_to: targets.len(),
    })
}

/// A request's state as reported to pages and the CLI (`expired` when past expiry).
#[derive(Clone, Debug, Serialize)]
pub struct Status {
    /// Request id.
    pub id: String,
    /// State.
    pub state: String,
    /// Kind.
    pub kind: String,
    /// User name.
    pub user: String,
    /// Expiry.
    #[serde(rename = "expiresAt")]
    pub expires_at: i64,
}

/// Reads a request's state.
pub fn status(conn: &Connection, id: &str, now: i64) -> Result<Status, Error> {
    let s = conn
        .query_row(
            "SELECT r.state, r.kind, u.name, r.expires_at FROM requests r JOIN users u ON u.id = r.user_id WHERE r.id = ?1",
            [id],
            |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?, r.get::<_, String>(2)?, r.get::<_, i64>(3)?)),
        )
        .optional()?
        .ok_or(Error::NotFound("request"))?;
    let state = if s.0 == "pending" && now >= s.3 { "expired".to_owned() } else { s.0 };
    Ok(Status { id: id.to_owned(), state, kind: s.1, user: s.2, expires_at: s.3 })
}

/// Checks the page's status token for a request.
pub fn check_token(conn: &Connection, id: &str, token: &str) -> Result<(), Error> {
    let stored: Option<Option<String>> = conn
        .query_row("SELECT browser_token_hash FROM requests WHERE id = ?1", [id], |r| r.get(0))
        .optional()?;
    match stored.flatten() {
        Some(h) if h == token_hash(token) => Ok(()),
        _ => Err(Error::NotFound("request")),
    }
}

/// Completes an approved request once (`approved` → `completed`) and opens a session.
/// Returns the session token.
pub fn complete(
    conn: &mut Connection,
    cfg: &Config,
    id: &str,
    token: &str,
) -> Result<String, Error> {
    check_token(conn, id, token)?;
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let now = cfg.clock.now();
    let user_id: Option<String> = tx
        .query_row(
            // Only while the approving credential and its device are not revoked.
            "UPDATE requests SET state = 'completed' WHERE id = ?1 AND state = 'approved'
               AND EXISTS(SELECT 1 FROM credentials c JOIN devices d ON d.id = c.device_id
                          WHERE c.id = requests.credential_id AND c.revoked_at IS NULL AND d.revoked_at IS NULL)
             RETURNING user_id",
            [id],
            |r| r.get(0),
        )
        .optional()?;
    let user_id = user_id.ok_or(Error::NotApproved)?;
    let session = new_session(&tx, cfg, &user_id, now)?;
    event(&tx, now, Some(&user_id), "signed_in", "")?;
    tx.commit()?;
    tracing::info!(request = %id, user = %user_id, "signed in");
    Ok(session)
}

/// Opens a browser session for a user; returns the token.
pub fn new_session(
    conn: &Connection,
    cfg: &Config,
    user_id: &str,
    now: i64,
) -> Result<String, Error> {
    let token = b64(&random_bytes(32));
    conn.execute(
        "INSERT INTO sessions (token_hash, user_id, created_at, expires_at) VALUES (?1, ?2, ?3, ?4)",
        params![token_hash(&token), user_id, now, now + cfg.session_ttl],
    )?;
    Ok(token)
}

/// Ends a browser session (signing out); an unknown token is no error.
pub fn end_session(conn: &Connection, token: &str) -> Result<(), Error> {
    conn.execute("DELETE FROM sessions WHERE token_hash = ?1", [token_hash(token)])?;
    Ok(())
}

/// The user (id, name) of a live session.
pub fn session_user(
    conn: &Connection,
    token: &str,
    now: i64,
) -> Result<Option<(String, String)>, Error> {
    Ok(conn
        .query_row(
            "SELECT u.id, u.name FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.token_hash = ?1 AND s.expires_at > ?2",
            params![token_hash(token), now],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?)
}

/// An authenticated device row.
#[derive(Clone, Debug)]
pub struct DeviceRow {
    /// Device id.
    pub id: String,
    /// Its user.
    pub user_id: String,
}

struct StoredRequest {
    id: String,
    user_id: String,
    kind: String,
    nonce: Vec<u8>,
    app: String,
    ip: String,
    location: String,
    created_at: i64,
    expires_at: i64,
    account_name: String,
}

impl StoredRequest {
    /// The request as a device sees it (§4.2) and binds it into its assertion (§6).
    fn to_wire(&self, p: &Identity) -> Result<PendingRequest, Error> {
        let kind = match self.kind.as_str() {
            "push" => RequestKind::Push,
            "passwordless" => RequestKind::Passwordless,
            _ => return Err(Error::Internal),
        };
        Ok(PendingRequest {
            id: self.id.clone(),
            nonce: b64(&self.nonce),
            kind,
            account_name: self.account_name.clone(),
            app: self.app.clone(),
            ip: self.ip.clone(),
            location: self.location.clone(),
            created_at: self.created_at,
            expires_at: self.expires_at,
            rp_id: p.rp_id.clone(),
            origin: p.origin.clone(),
        })
    }
}

struct CredRow {
    user_id: String,
    device_id: String,
    kind: String,
    public_key: Vec<u8>,
    revoked: bool,
    device_revoked: bool,
}

const REQUEST_COLUMNS: &str =
    "r.id, r.user_id, r.kind, r.nonce, r.app, r.ip, r.location, r.created_at, r.expires_at, u.name";

fn read_request(r: &rusqlite::Row<'_>) -> rusqlite::Result<StoredRequest> {
    Ok(StoredRequest {
        id: r.get(0)?,
        user_id: r.get(1)?,
        kind: r.get(2)?,
        nonce: r.get(3)?,
        app: r.get(4)?,
        ip: r.get(5)?,
        location: r.get(6)?,
        created_at: r.get(7)?,
        expires_at: r.get(8)?,
        account_name: r.get(9)?,
    })
}

/// The signed pending list for an authenticated device (§4.2).
pub fn pending(
    conn: &Connection,
    p: &Identity,
    device: &DeviceRow,
    req_nonce: &str,
    now: i64,
) -> Result<Envelope, Error> {
    let has_phone: bool = conn.query_row(
        "SELECT EXISTS(SELECT 1 FROM credentials WHERE device_id = ?1 AND kind = 'phone_signin' AND revoked_at IS NULL)",
        [&device.id],
        |r| r.get(0),
    )?;
    let mut stmt = conn.prepare(&format!(
        "SELECT {REQUEST_COLUMNS} FROM requests r JOIN users u ON u.id = r.user_id
         WHERE r.user_id = ?1 AND r.state = 'pending' AND r.expires_at > ?2 AND (r.kind = 'push' OR ?3)
         ORDER BY r.created_at DESC LIMIT 16"
    ))?;
    let list: Vec<StoredRequest> = stmt
        .query_map(params![device.user_id, now, has_phone], read_request)?
        .collect::<Result<_, _>>()?;
    let requests = list.iter().map(|r| r.to_wire(p)).collect::<Result<_, _>>()?;
    Ok(p.sign(
        now,
        Some(req_nonce),
        PendingList { device_id: device.id.clone(), user_id: device.user_id.clone(), requests },
    ))
}

/// Verifies and applies an assertion for request `id` (§7). Returns the signed result.
pub fn respond(
    conn: &mut Connection,
    cfg: &Config,
    p: &Identity,
    id: &str,
    body: &AssertionBody,
) -> Result<Envelope, Error> {
    let req = conn
        .query_row(
            &format!("SELECT {REQUEST_COLUMNS} FROM requests r JOIN users u ON u.id = r.user_id WHERE r.id = ?1"),
            [id],
            read_request,
        )
        .optional()?
        .ok_or(Error::NotFound("request"))?;
    let decoded = verify::decode(body)?;
    let cred: Option<CredRow> = conn
        .query_row(
            "SELECT c.user_id, c.device_id, c.kind, c.public_key, c.revoked_at IS NOT NULL, d.revoked_at IS NOT NULL
             FROM credentials c JOIN devices d ON d.id = c.device_id WHERE c.id = ?1",
            [&body.credential_id],
            |r| {
                Ok(CredRow {
                    user_id: r.get(0)?,
                    device_id: r.get(1)?,
                    kind: r.get(2)?,
                    public_key: r.get(3)?,
                    revoked: r.get(4)?,
                    device_revoked: r.get(5)?,
                })
            },
        )
        .optional()?;
    let unknown = || Error::UnknownCredential;
    let CredRow {
        user_id: cred_user,
        device_id,
        kind: cred_kind,
        public_key,
        revoked: cred_revoked,
        device_revoked,
    } = cred.ok_or_else(unknown)?;
    if cred_user != req.user_id {
        return Err(unknown());
    }
    if device_revoked {
        return Err(Error::DeviceRevoked);
    }
    if cred_revoked {
        return Err(unknown());
    }
    let passwordless = req.kind == "passwordless";
    let context_hash = req.to_wire(p)?.context_hash();
    let checked = verify::check(
        &decoded,
        &Expected {
            nonce: &req.nonce,
            origin: &p.origin,
            rp_id: &p.rp_id,
            request_id: &req.id,
            context_hash: &context_hash,
            public_key: &public_key,
            require_uv_for_approve: passwordless,
        },
    )?;
    // A passwordless approval counts only from the phone sign-in credential.
    if passwordless
        && matches!(checked.decision, Decided::Approve(_))
        && cred_kind != "phone_signin"
    {
        return Err(unknown());
    }

    // Everything that can change while we wait for the write lock is judged after BEGIN
    // IMMEDIATE: the time, the revoked flags and the counter (the reads above may be stale).
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let now = cfg.clock.now();
    let (stored, cred_revoked, device_revoked): (i64, bool, bool) = tx.query_row(
        "SELECT c.sign_count, c.revoked_at IS NOT NULL, d.revoked_at IS NOT NULL
         FROM credentials c JOIN devices d ON d.id = c.device_id WHERE c.id = ?1",
        [&body.credential_id],
        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
    )?;
    if device_revoked {
        return Err(Error::DeviceRevoked);
    }
    if cred_revoked {
        return Err(unknown());
    }
    let (state, number, expires_at): (String, i64, i64) =
        tx.query_row("SELECT state, number, expires_at FROM requests WHERE id = ?1", [id], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?))
        })?;
    if state != "pending" {
        return Err(Error::NotPending);
    }
    if now >= expires_at {
        tx.execute(
            "UPDATE requests SET state = 'expired', decided_at = ?2 WHERE id = ?1",
            params![id, now],
        )?;
        tx.commit()?;
        return Err(Error::Expired);
    }
    if i64::from(checked.sign_count) <= stored {
        event(&tx, now, Some(&req.user_id), "counter_not_increased", &device_id)?;
        tx.commit()?;
        return Err(Error::Counter);
    }
    tx.execute(
        "UPDATE credentials SET sign_count = ?2 WHERE id = ?1",
        params![body.credential_id, i64::from(checked.sign_count)],
    )?;
    let new_state = match checked.decision {
        Decided::Approve(n) if n == number => "approved",
        Decided::Approve(_) => "wrong_number",
        Decided::Deny => "denied",
        Decided::Report => "reported",
    };
    let changed = tx.execute(
        "UPDATE requests SET state = ?2, decided_at = ?3, credential_id = ?4 WHERE id = ?1 AND state = 'pending'",
        params![id, new_state, now, body.credential_id],
    )?;
    if changed != 1 {
        return Err(Error::NotPending);
    }
    if new_state == "reported" {
        tx.execute(
            "UPDATE users SET blocked_until = ?2 WHERE id = ?1",
            params![req.user_id, now + cfg.block_after_report],
        )?;
    }
    event(&tx, now, Some(&req.user_id), new_state, &device_id)?;
    tx.commit()?;
    tracing::info!(request = %id, device = %device_id, state = new_state, "decision applied");
    if new_state == "wrong_number" {
        return Err(Error::WrongNumber);
    }
    // credentialId and signCount name the assertion applied, so the app can tell this result
    // from another submission's for the same request (§4.3).
    let outcome = RespondOutcome::from_wire(new_state).ok_or(Error::Internal)?;
    Ok(p.sign(
        now,
        None,
        SigninResult {
            request_id: id.to_owned(),
            state: outcome.as_wire().to_owned(),
            credential_id: Some(body.credential_id.clone()),
            sign_count: Some(checked.sign_count),
        },
    ))
}
