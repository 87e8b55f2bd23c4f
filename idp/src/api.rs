//! The device API under `/nyckel/v1/` (`docs/protocol.md` §4), as synchronous functions over
//! a connection; `server` wraps them in axum handlers.

use nyckel_core::protocol::wire::{
    self, b64, unb64, Ack, EnrollRequest, Enrolled, Envelope, PhoneSigninRequest, PhoneSigninState,
    ProviderInfo, PushTokenRequest,
};
use rusqlite::{params, Connection, OptionalExtension, TransactionBehavior};
use serde::Deserialize;

use crate::config::Config;
use crate::db::event;
use crate::error::Error;
use crate::ids::{new_id, token_hash};
use crate::provider::Identity;
use crate::signin::DeviceRow;
use crate::verify::DeviceAuth;

/// Largest request body accepted.
pub const MAX_BODY: usize = 16 * 1024;
/// How long a device nonce is remembered.
const NONCE_TTL: i64 = 600;

fn parse_json<'a, T: Deserialize<'a>>(body: &'a [u8]) -> Result<T, Error> {
    serde_json::from_slice(body)
        .map_err(|_| Error::bad_request("malformed JSON or a missing/mistyped field"))
}

fn public_key(s: &str) -> Result<Vec<u8>, Error> {
    unb64(s)
        .filter(|k| wire::is_p256_public_key(k))
        .ok_or_else(|| Error::bad_request("invalid public key"))
}

/// Records a device nonce; a nonce seen before → 401 `replayed`.
fn use_nonce(conn: &Connection, owner: &str, nonce: &str, now: i64) -> Result<(), Error> {
    conn.execute("DELETE FROM device_nonces WHERE expires_at < ?1", [now])?;
    let added = conn.execute(
        "INSERT OR IGNORE INTO device_nonces (device_id, nonce, expires_at) VALUES (?1, ?2, ?3)",
        params![owner, nonce, now + NONCE_TTL],
    )?;
    if added == 0 {
        return Err(Error::Replayed);
    }
    Ok(())
}

/// Authenticates a device-signed request (§2.2): device, signature, clock window, nonce.
pub fn authenticate(
    conn: &Connection,
    p: &Identity,
    auth: &DeviceAuth,
    method: &str,
    path_and_query: &str,
    body: &[u8],
    now: i64,
) -> Result<DeviceRow, Error> {
    let row: Option<(String, Option<i64>, Vec<u8>)> = conn
        .query_row(
            "SELECT d.user_id, d.revoked_at, c.public_key FROM devices d JOIN credentials c ON c.id = d.id WHERE d.id = ?1",
            [&auth.device],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .optional()?;
    let (user_id, revoked, key) = row.ok_or(Error::UnknownDevice)?;
    if revoked.is_some() {
        return Err(Error::DeviceRevoked);
    }
    if !auth.nonce_ok() {
        return Err(Error::bad_request("invalid Nyckel-Nonce header"));
    }
    if !auth.verify(&key, method, path_and_query, body) {
        return Err(Error::BadSignature("request signature"));
    }
    let ts = auth.ts()?;
    // abs_diff: no overflow for any i64 timestamp (i64::MIN - now would panic in debug).
    if ts.abs_diff(now) > nyckel_core::protocol::MAX_CLOCK_SKEW.unsigned_abs() {
        return Err(Error::ClockSkew { time: Box::new(p.time_envelope(now, &auth.nonce)) });
    }
    use_nonce(conn, &auth.device, &auth.nonce, now)?;
    Ok(DeviceRow { id: auth.device.clone(), user_id })
}

/// `POST /nyckel/v1/enroll` (§4.1).
pub fn enroll(
    conn: &mut Connection,
    cfg: &Config,
    p: &Identity,
    auth: &DeviceAuth,
    path: &str,
    body: &[u8],
) -> Result<Envelope, Error> {
    let b: EnrollRequest = parse_json(body)?;
    if auth.device != "new" {
        return Err(Error::bad_request("enrollment must use Nyckel-Device: new"));
    }
    let key = public_key(&b.device_public_key)?;
    if b.device_name.chars().count() > 64 || b.push_token.as_ref().is_some_and(|t| t.len() > 4096) {
        return Err(Error::bad_request("deviceName or pushToken too long"));
    }
    if b.activation_code.is_empty() || b.activation_code.len() > 128 {
        return Err(Error::ActivationInvalid);
    }
    if !auth.nonce_ok() {
        return Err(Error::bad_request("invalid Nyckel-Nonce header"));
    }
    if !auth.verify(&key, "POST", path, body) {
        return Err(Error::BadSignature("request signature"));
    }
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let now = cfg.clock.now(); // after the lock: the activation code's expiry is judged now
    use_nonce(&tx, &b.device_public_key, &auth.nonce, now)?;
    // Consume the activation code atomically.
    let user: Option<(String, String)> = tx
        .query_row(
            "UPDATE activations SET used_at = ?2 WHERE code_hash = ?1 AND used_at IS NULL AND expires_at > ?2
             RETURNING user_id, (SELECT name FROM users WHERE id = activations.user_id)",
            params![token_hash(&b.activation_code), now],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    let Some((user_id, name)) = user else {
        return Err(Error::ActivationInvalid);
    };
    let device_id = new_id();
    let device_name: String = b.device_name.chars().filter(|c| !c.is_control()).collect();
    tx.execute(
        "INSERT INTO devices (id, user_id, name, push_token, created_at) VALUES (?1, ?2, ?3, ?4, ?5)",
        params![device_id, user_id, device_name, b.push_token.filter(|t| !t.is_empty()), now],
    )?;
    tx.execute(
        "INSERT INTO credentials (id, device_id, user_id, kind, public_key, created_at) VALUES (?1, ?1, ?2, 'device', ?3, ?4)",
        params![device_id, user_id, key, now],
    )?;
    event(&tx, now, Some(&user_id), "device_enrolled", &device_id)?;
    tx.commit()?;
    tracing::info!(device = %device_id, user = %user_id, "device enrolled");
    let mut env = p.sign(
        now,
        Some(&auth.nonce),
        Enrolled {
            device_id,
            user_id,
            account_name: name,
            issuer: Some(p.issuer.clone()),
            rp_id: p.rp_id.clone(),
            origin: p.origin.clone(),
            device_public_key: b.device_public_key,
        },
    );
    env.provider_key = Some(b64(&p.public_key));
    Ok(env)
}

/// `POST /nyckel/v1/phone-signin` (§4.4), for an authenticated device.
pub fn enable_phone_signin(
    conn: &mut Connection,
    cfg: &Config,
    p: &Identity,
    device: &DeviceRow,
    nonce: &str,
    body: &[u8],
) -> Result<Envelope, Error> {
    let now = cfg.clock.now();
    let b: PhoneSigninRequest = parse_json(body)?;
    let key = public_key(&b.public_key)?;
    let proof = unb64(&b.key_proof).ok_or_else(|| Error::bad_request("invalid keyProof"))?;
    let msg = wire::key_proof_string(&device.id, &b.public_key, nonce);
    if !wire::verify_p256(&key, msg.as_bytes(), &proof) {
        return Err(Error::BadSignature("key proof"));
    }
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    tx.execute(
        "UPDATE credentials SET revoked_at = ?2 WHERE device_id = ?1 AND kind = 'phone_signin' AND revoked_at IS NULL",
        params![device.id, now],
    )?;
    let cred = new_id();
    tx.execute(
        "INSERT INTO credentials (id, device_id, user_id, kind, public_key, created_at) VALUES (?1, ?2, ?3, 'phone_signin', ?4, ?5)",
        params![cred, device.id, device.user_id, key, now],
    )?;
    event(&tx, now, Some(&device.user_id), "phone_signin_enabled", &device.id)?;
    tx.commit()?;
    Ok(p.sign(
        now,
        Some(nonce),
        PhoneSigninState { device_id: device.id.clone(), credential_id: Some(cred), enabled: true },
    ))
}

/// `DELETE /nyckel/v1/phone-signin` (§4.5), for an authenticated device.
pub fn disable_phone_signin(
    conn: &Connection,
    cfg: &Config,
    p: &Identity,
    device: &DeviceRow,
    nonce: &str,
) -> Result<Envelope, Error> {
    let now = cfg.clock.now();
    conn.execute(
        "UPDATE credentials SET revoked_at = ?2 WHERE device_id = ?1 AND kind = 'phone_signin' AND revoked_at IS NULL",
        params![device.id, now],
    )?;
    event(conn, now, Some(&device.user_id), "phone_signin_disabled", &device.id)?;
    Ok(p.sign(
        now,
        Some(nonce),
        PhoneSigninState { device_id: device.id.clone(), credential_id: None, enabled: false },
    ))
}

/// `GET /nyckel/v1/provider` (§4.7).
pub fn provider_info(p: &Identity) -> ProviderInfo {
    ProviderInfo {
        v: 1,
        provider_key: b64(&p.public_key),
        fingerprint: p.fingerprint(),
        origin: p.origin.clone(),
        rp_id: p.rp_id.clone(),
        issuer: p.issuer.clone(),
    }
}

/// `PUT /nyckel/v1/device` (§4.8): set or clear the push token.
pub fn update_device(
    conn: &Connection,
    cfg: &Config,
    p: &Identity,
    device: &DeviceRow,
    nonce: &str,
    body: &[u8],
) -> Result<Envelope, Error> {
    let now = cfg.clock.now();
    let b: PushTokenRequest = parse_json(body)?;
    let token = b.push_token.filter(|t| !t.is_empty());
    if token.as_ref().is_some_and(|t| t.len() > 4096) {
        return Err(Error::bad_request("pushToken too long"));
    }
    conn.execute("UPDATE devices SET push_token = ?2 WHERE id = ?1", params![device.id, token])?;
    event(conn, now, Some(&device.user_id), "push_token_updated", &device.id)?;
    Ok(ack(p, device, nonce, now))
}

/// `DELETE /nyckel/v1/device` (§4.9): the app unenrolls; the device is revoked.
pub fn unenroll_device(
    conn: &Connection,
    cfg: &Config,
    p: &Identity,
    device: &DeviceRow,
    nonce: &str,
) -> Result<Envelope, Error> {
    let now = cfg.clock.now();
    crate::admin::revoke_device(conn, cfg, &device.id)?;
    event(conn, now, Some(&device.user_id), "device_unenrolled", &device.id)?;
    Ok(ack(p, device, nonce, now))
}

fn ack(p: &Identity, device: &DeviceRow, nonce: &str, now: i64) -> Envelope {
    p.sign(now, Some(nonce), Ack { device_id: device.id.clone() })
}
