//! Administrative operations on the database: users, enrollment codes, devices, events.
//! Used by the admin CLI and the account page; safe to run while `serve` runs.

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use nyckel_core::protocol::uri::EnrollUri;
use nyckel_core::protocol::wire::b64;
use rusqlite::{params, Connection, OptionalExtension};
use serde::Serialize;

use crate::config::Config;
use crate::db::event;
use crate::error::Error;
use crate::ids::{new_id, random_bytes, token_hash};
use crate::provider::Identity;

fn argon() -> argon2::Argon2<'static> {
    let params = argon2::Params::new(19 * 1024, 2, 1, None).expect("valid argon2 parameters");
    argon2::Argon2::new(argon2::Algorithm::Argon2id, argon2::Version::V0x13, params)
}

/// An argon2id PHC hash of a password (m = 19 MiB, t = 2, p = 1).
pub fn hash_password(password: &str) -> Result<String, Error> {
    let salt = SaltString::encode_b64(&random_bytes(16)).map_err(|_| Error::Internal)?;
    argon()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|_| Error::Internal)
}

/// A fresh enrollment code for a user.
#[derive(Clone, Serialize)]
pub struct Enrollment {
    /// User name.
    pub user: String,
    /// User id.
    #[serde(rename = "userId")]
    pub user_id: String,
    /// The `nyckel-enroll://` URI (contains the single-use activation code).
    #[serde(rename = "enrollUri")]
    pub enroll_uri: String,
    /// When the activation code expires.
    #[serde(rename = "expiresAt")]
    pub expires_at: i64,
}

impl std::fmt::Debug for Enrollment {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Enrollment").field("user", &self.user).finish_non_exhaustive()
    }
}

/// Adds a user (optionally with a password and a TOTP secret) and issues an enrollment code.
pub fn add_user(
    conn: &Connection,
    cfg: &Config,
    name: &str,
    password: Option<&str>,
    totp: bool,
) -> Result<Enrollment, Error> {
    let name = name.trim();
    if name.is_empty() || name.len() > 256 || name.chars().any(char::is_control) {
        return Err(Error::bad_request("invalid user name"));
    }
    let hash = password.map(hash_password).transpose()?;
    let otp = totp.then(|| base32_secret(&random_bytes(20)));
    let now = cfg.clock.now();
    let id = new_id();
    let inserted = conn.execute(
        "INSERT OR IGNORE INTO users (id, name, password_hash, otp_secret, created_at) VALUES (?1, ?2, ?3, ?4, ?5)",
        params![id, name, hash, otp, now],
    )?;
    if inserted == 0 {
        return Err(Error::UserExists);
    }
    event(conn, now, Some(&id), "user_added", "")?;
    issue_enrollment(conn, cfg, name)
}

fn base32_secret(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    let mut out = String::new();
    let (mut buf, mut bits) = (0u32, 0u32);
    for &b in bytes {
        buf = (buf << 8) | u32::from(b);
        bits += 8;
        while bits >= 5 {
            out.push(ALPHABET[((buf >> (bits - 5)) & 31) as usize] as char);
            bits -= 5;
        }
    }
    if bits > 0 {
        out.push(ALPHABET[((buf << (5 - bits)) & 31) as usize] as char);
    }
    out
}

/// Issues a new single-use activation code for `name` and returns the enrollment URI.
pub fn issue_enrollment(conn: &Connection, cfg: &Config, name: &str) -> Result<Enrollment, Error> {
    let p = Identity::load(conn)?;
    let now = cfg.clock.now();
    let (user_id, otp): (String, Option<String>) = conn
        .query_row("SELECT id, otp_secret FROM users WHERE name = ?1", [name], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .optional()?
        .ok_or(Error::UnknownUser)?;
    let code = b64(&random_bytes(18));
    let expires_at = now + cfg.activation_ttl;
    conn.execute(
        "INSERT INTO activations (code_hash, user_id, expires_at) VALUES (?1, ?2, ?3)",
        params![token_hash(&code), user_id, expires_at],
    )?;
    let otp_uri = otp.map(|secret| {
        let label = format!("{}:{}", p.issuer, name);
        format!(
            "otpauth://totp/{}?secret={secret}&issuer={}",
            nyckel_core::protocol::uri::pct_encode(&label),
            nyckel_core::protocol::uri::pct_encode(&p.issuer)
        )
    });
    let uri = EnrollUri::build(
        &p.origin,
        &code,
        name,
        &p.fingerprint(),
        Some(&p.issuer),
        Some(expires_at),
        otp_uri.as_deref(),
    );
    Ok(Enrollment { user: name.to_owned(), user_id, enroll_uri: uri, expires_at })
}

/// Checks a password; returns the user id. Unknown users cost the same hash.
pub fn check_password(
    conn: &Connection,
    name: &str,
    password: &str,
) -> Result<Option<String>, Error> {
    let row: Option<(String, Option<String>)> = conn
        .query_row("SELECT id, password_hash FROM users WHERE name = ?1", [name], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .optional()?;
    const DUMMY: &str = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$3VZkF3pL0mKx4bRjvDqVb6b1ZsK2dMxw7Jc9mQ0X2pU";
    let (id, hash) = match row {
        Some((id, Some(h))) => (Some(id), h),
        _ => (None, DUMMY.to_owned()),
    };
    let ok = PasswordHash::new(&hash)
        .map(|h| argon().verify_password(password.as_bytes(), &h).is_ok())
        .unwrap_or(false);
    Ok(if ok { id } else { None })
}

/// A device as listed by the CLI and the account page.
#[derive(Clone, Debug, Serialize)]
pub struct DeviceInfo {
    /// Device id.
    #[serde(rename = "deviceId")]
    pub device_id: String,
    /// Name.
    pub name: String,
    /// Enrollment time.
    #[serde(rename = "createdAt")]
    pub created_at: i64,
    /// Revocation time.
    #[serde(rename = "revokedAt")]
    pub revoked_at: Option<i64>,
    /// Phone sign-in enabled.
    #[serde(rename = "phoneSignin")]
    pub phone_signin: bool,
    /// A push token is registered.
    #[serde(rename = "hasPushToken")]
    pub has_push_token: bool,
}

/// Lists a user's devices.
pub fn list_devices(conn: &Connection, name: &str) -> Result<Vec<DeviceInfo>, Error> {
    let mut stmt = conn.prepare(
        "SELECT d.id, d.name, d.created_at, d.revoked_at, d.push_token IS NOT NULL,
                EXISTS(SELECT 1 FROM credentials c WHERE c.device_id = d.id AND c.kind = 'phone_signin' AND c.revoked_at IS NULL)
         FROM devices d JOIN users u ON u.id = d.user_id WHERE u.name = ?1 ORDER BY d.created_at",
    )?;
    let rows = stmt
        .query_map([name], |r| {
            Ok(DeviceInfo {
                device_id: r.get(0)?,
                name: r.get(1)?,
                created_at: r.get(2)?,
                revoked_at: r.get(3)?,
                has_push_token: r.get(4)?,
                phone_signin: r.get(5)?,
            })
        })?
        .collect::<Result<_, _>>()?;
    Ok(rows)
}

/// True when the user has an active (not revoked) device.
pub fn has_active_device(conn: &Connection, user_id: &str) -> Result<bool, Error> {
    Ok(conn.query_row(
        "SELECT EXISTS(SELECT 1 FROM devices WHERE user_id = ?1 AND revoked_at IS NULL)",
        [user_id],
        |r| r.get(0),
    )?)
}

/// True when the user has ever had a device, revoked ones included. Only a user who never had
/// one may sign in with the password alone (the enrollment bootstrap).
pub fn has_had_device(conn: &Connection, user_id: &str) -> Result<bool, Error> {
    Ok(conn.query_row(
        "SELECT EXISTS(SELECT 1 FROM devices WHERE user_id = ?1)",
        [user_id],
        |r| r.get(0),
    )?)
}

/// Revokes a device and its credentials, and ends the user's browser sessions (one may have
/// been opened with this device's approval, and the account page issues enrollment codes).
/// Idempotent; unknown id → 404.
pub fn revoke_device(conn: &Connection, cfg: &Config, device_id: &str) -> Result<(), Error> {
    let now = cfg.clock.now();
    let user: Option<String> = conn
        .query_row("SELECT user_id FROM devices WHERE id = ?1", [device_id], |r| r.get(0))
        .optional()?;
    let user = user.ok_or(Error::NotFound("device"))?;
    conn.execute(
        "UPDATE devices SET revoked_at = COALESCE(revoked_at, ?2) WHERE id = ?1",
        params![device_id, now],
    )?;
    conn.execute(
        "UPDATE credentials SET revoked_at = COALESCE(revoked_at, ?2) WHERE device_id = ?1",
        params![device_id, now],
    )?;
    conn.execute("DELETE FROM sessions WHERE user_id = ?1", [&user])?;
    event(conn, now, Some(&user), "device_revoked", device_id)?;
    Ok(())
}

/// An activity event.
#[derive(Clone, Debug, Serialize)]
pub struct EventInfo {
    /// Time.
    pub at: i64,
    /// User name, if any.
    pub user: Option<String>,
    /// Kind.
    pub kind: String,
    /// Detail.
    pub detail: String,
}

/// Recent events, newest first (optionally one user's).
pub fn events(conn: &Connection, name: Option<&str>, limit: u32) -> Result<Vec<EventInfo>, Error> {
    let mut stmt = conn.prepare(
        "SELECT e.at, u.name, e.kind, e.detail FROM events e LEFT JOIN users u ON u.id = e.user_id
         WHERE ?1 IS NULL OR u.name = ?1 ORDER BY e.id DESC LIMIT ?2",
    )?;
    let rows = stmt
        .query_map(params![name, limit], |r| {
            Ok(EventInfo { at: r.get(0)?, user: r.get(1)?, kind: r.get(2)?, detail: r.get(3)? })
        })?
        .collect::<Result<_, _>>()?;
    Ok(rows)
}

/// Number of push triggers recorded for a request.
pub fn pushes_for(conn: &Connection, request_id: &str) -> Result<i64, Error> {
    Ok(conn.query_row(
        "SELECT COUNT(*) FROM push_log WHERE request_id = ?1",
        [request_id],
        |r| r.get(0),
    )?)
}

/// A credential's stored signature counter (`None`: no such credential).
pub fn sign_count(conn: &Connection, credential_id: &str) -> Result<Option<i64>, Error> {
    Ok(conn
        .query_row("SELECT sign_count FROM credentials WHERE id = ?1", [credential_id], |r| {
            r.get(0)
        })
        .optional()?)
}

/// A push trigger recorded for a request (the reference provider records what it would send
/// to FCM/APNs: `{"nyckel":1,"requestId":ID}` to this device's token).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct PushTrigger {
    /// The device.
    #[serde(rename = "deviceId")]
    pub device_id: String,
    /// Its push token then, if it had one.
    #[serde(rename = "pushToken")]
    pub push_token: Option<String>,
}

/// The push triggers recorded for a request, oldest first.
pub fn push_triggers(conn: &Connection, request_id: &str) -> Result<Vec<PushTrigger>, Error> {
    let mut stmt = conn.prepare_cached(
        "SELECT device_id, push_token FROM push_log WHERE request_id = ?1 ORDER BY id",
    )?;
    let rows = stmt
        .query_map([request_id], |r| {
            Ok(PushTrigger { device_id: r.get(0)?, push_token: r.get(1)? })
        })?
        .collect::<Result<_, _>>()?;
    Ok(rows)
}
