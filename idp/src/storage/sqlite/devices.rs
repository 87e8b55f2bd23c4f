//! Devices, their credentials and request nonces.

use rusqlite::{params, Connection, OptionalExtension};

use super::pool::Cached;

use super::accounts::{self, add_event, add_event_from};
use crate::model::{
    Activation, Credential, CredentialId, CredentialKind, DeviceId, DeviceInfo, DeviceKey,
    DevicePresence, DeviceRef, Enrolled, EventKind, NewDevice, NewTransfer, OtherMethods,
    RequestState, Revocation, TransferIssued, UserId,
};
use crate::storage::{StoreError, Stored};

pub(super) fn enroll(conn: &Connection, d: &NewDevice, now: i64) -> Stored<Enrolled> {
    if !use_nonce(conn, &d.nonce_owner, &d.nonce, now, now.saturating_add(d.nonce_ttl))? {
        return Ok(Enrolled::Replayed);
    }
    // Consume the activation code atomically.
    let code: Option<(UserId, String, Option<DeviceId>, bool)> = conn
        .row(
            "UPDATE activations SET used_at = ?2 WHERE code_hash = ?1 AND used_at IS NULL AND expires_at > ?2
             RETURNING user_id, (SELECT name FROM users WHERE id = activations.user_id), replaces_device_id, carries_otp",
            params![d.activation_code_hash, now],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
        )
        .optional()?;
    let Some((user, account_name, replaces, otp_delivered)) = code else {
        return Ok(Enrolled::ActivationInvalid);
    };
    if let Some(old) = &replaces {
        // A transfer moves a working phone: once that phone is revoked its code is dead
        // (spent, so it cannot be tried again), and keys are never copied to the new one.
        let revoked: bool = conn
            .row("SELECT revoked_at IS NOT NULL FROM devices WHERE id = ?1", [old], |r| r.get(0))
            .optional()?
            .unwrap_or(true);
        if revoked {
            return Ok(Enrolled::ReplacedDeviceRevoked);
        }
        let known: bool = conn.row(
            "SELECT EXISTS(SELECT 1 FROM credentials WHERE user_id = ?1 AND public_key = ?2)",
            params![user, d.public_key],
            |r| r.get(0),
        )?;
        if known {
            return Ok(Enrolled::KeyReused);
        }
    }
    conn.exec(
        "INSERT INTO devices (id, user_id, name, push_token, created_at, replaces_device_id, otp_delivered) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        params![d.id, user, d.name, d.push_token, now, replaces, otp_delivered],
    )?;
    conn.exec(
        "INSERT INTO credentials (id, device_id, user_id, kind, public_key, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![d.id.credential(), d.id, user, CredentialKind::Device.as_str(), d.public_key, now],
    )?;
    add_event(conn, now, Some(&user), EventKind::DeviceEnrolled, d.id.as_str())?;
    Ok(Enrolled::Done { now, user, account_name, replaces })
}

/// Stores a transfer code for a live device and records `transfer_issued`. One transfer at
/// a time: the device's earlier unused codes are spent and a new device enrolled with one but
/// not yet confirmed is revoked. The user's one-time-code secret comes with it only if the
/// device's own enrollment carried it (`otp_delivered`); the code then carries it on.
pub(super) fn add_transfer(conn: &Connection, t: &NewTransfer, now: i64) -> Stored<TransferIssued> {
    let user: Option<(String, Option<String>)> = conn
        .row(
            "SELECT u.name, CASE WHEN d.otp_delivered THEN u.otp_secret END
             FROM devices d JOIN users u ON u.id = d.user_id WHERE d.id = ?1 AND d.revoked_at IS NULL",
            [&t.device.id],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    let Some((account_name, otp_secret)) = user else {
        return Ok(TransferIssued::DeviceRevoked);
    };
    // One transfer at a time: a new code supersedes the unfinished one.
    spend_transfer_codes(conn, &t.device.id, now)?;
    revoke_pending_replacements(conn, &t.device.id, now)?;
    let expires_at = now.saturating_add(t.ttl);
    conn.exec(
        "INSERT INTO activations (code_hash, user_id, expires_at, replaces_device_id, carries_otp) VALUES (?1, ?2, ?3, ?4, ?5)",
        params![t.code_hash, t.device.user, expires_at, t.device.id, otp_secret.is_some()],
    )?;
    add_event(conn, now, Some(&t.device.user), EventKind::TransferIssued, t.device.id.as_str())?;
    Ok(TransferIssued::Issued { now, expires_at, account_name, otp_secret })
}

fn spend_transfer_codes(conn: &Connection, device: &DeviceId, now: i64) -> Stored<()> {
    conn.exec(
        "UPDATE activations SET used_at = ?2 WHERE replaces_device_id = ?1 AND used_at IS NULL",
        params![device, now],
    )?;
    Ok(())
}

/// The new device's first authenticated call: revokes the device it replaces (unless gone
/// already) and forgets the link. Returns the device revoked.
pub(super) fn confirm_transfer(
    conn: &Connection,
    device: &DeviceRef,
    now: i64,
) -> Stored<Option<DeviceId>> {
    let old: Option<DeviceId> = conn
        .row("SELECT replaces_device_id FROM devices WHERE id = ?1", [&device.id], |r| r.get(0))
        .optional()?
        .flatten();
    let Some(old) = old else { return Ok(None) };
    conn.exec("UPDATE devices SET replaces_device_id = NULL WHERE id = ?1", [&device.id])?;
    let live: bool = conn
        .row("SELECT revoked_at IS NULL FROM devices WHERE id = ?1", [&old], |r| r.get(0))
        .optional()?
        .unwrap_or(false);
    if !live {
        return Ok(None);
    }
    revoke_rows(conn, &old, now)?;
    add_event(conn, now, Some(&device.user), EventKind::DeviceRevoked, old.as_str())?;
    let detail = format!("{} -> {}", old.as_str(), device.id.as_str());
    add_event(conn, now, Some(&device.user), EventKind::DeviceTransferred, &detail)?;
    Ok(Some(old))
}

pub(super) fn device_key(conn: &Connection, device: &DeviceId) -> Stored<Option<DeviceKey>> {
    Ok(conn
        .row(
            "SELECT d.user_id, d.revoked_at IS NOT NULL, c.public_key, d.replaces_device_id FROM devices d JOIN credentials c ON c.id = ?2 WHERE d.id = ?1",
            params![device, device.credential()],
            |r| {
                Ok(DeviceKey {
                    user: r.get(0)?,
                    revoked: r.get(1)?,
                    public_key: r.get(2)?,
                    replaces: r.get(3)?,
                })
            },
        )
        .optional()?)
}

/// Removes the expired replay nonces (through `device_nonces_expiry`).
pub(super) const PURGE_NONCES: &str = "DELETE FROM device_nonces WHERE expires_at < ?1";

pub(super) fn use_nonce(
    conn: &Connection,
    owner: &str,
    nonce: &str,
    now: i64,
    expires_at: i64,
) -> Stored<bool> {
    // Expired nonces go first (through the expiry index: only those rows are read), so the
    // table holds one window's worth of nonces however long the provider runs.
    conn.exec(PURGE_NONCES, [now])?;
    let added = conn.exec(
        "INSERT OR IGNORE INTO device_nonces (device_id, nonce, expires_at) VALUES (?1, ?2, ?3)",
        params![owner, nonce, expires_at],
    )?;
    Ok(added == 1)
}

pub(super) fn credential(conn: &Connection, id: &CredentialId) -> Stored<Option<Credential>> {
    let row = conn
        .row(
            "SELECT c.user_id, c.device_id, c.kind, c.public_key, c.sign_count, c.revoked_at IS NOT NULL, d.revoked_at IS NOT NULL
             FROM credentials c JOIN devices d ON d.id = c.device_id WHERE c.id = ?1",
            [id],
            |r| {
                Ok((
                    r.get::<_, String>(2)?,
                    Credential {
                        user: r.get(0)?,
                        device: r.get(1)?,
                        kind: CredentialKind::Device,
                        public_key: r.get(3)?,
                        sign_count: r.get(4)?,
                        revoked: r.get(5)?,
                        device_revoked: r.get(6)?,
                    },
                ))
            },
        )
        .optional()?;
    row.map(|(kind, c)| {
        let kind = CredentialKind::parse(&kind).ok_or(StoreError::Failed)?;
        Ok(Credential { kind, ..c })
    })
    .transpose()
}

pub(super) fn has_phone_signin(conn: &Connection, device: &DeviceId) -> Stored<bool> {
    Ok(conn.row(
        "SELECT EXISTS(SELECT 1 FROM credentials WHERE device_id = ?1 AND kind = ?2 AND revoked_at IS NULL)",
        params![device, CredentialKind::PhoneSignin.as_str()],
        |r| r.get(0),
    )?)
}

fn revoke_phone_signin(conn: &Connection, device: &DeviceId, now: i64) -> Stored<()> {
    conn.exec(
        "UPDATE credentials SET revoked_at = ?2 WHERE device_id = ?1 AND kind = ?3 AND revoked_at IS NULL",
        params![device, now, CredentialKind::PhoneSignin.as_str()],
    )?;
    Ok(())
}

pub(super) fn enable_phone_signin(
    conn: &Connection,
    device: &DeviceRef,
    credential: &CredentialId,
    public_key: &[u8],
    attestation: Option<&str>,
    now: i64,
) -> Stored<()> {
    revoke_phone_signin(conn, &device.id, now)?;
    conn.exec(
        "INSERT INTO credentials (id, device_id, user_id, kind, public_key, created_at, attestation) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        params![
            credential,
            device.id,
            device.user,
            CredentialKind::PhoneSignin.as_str(),
            public_key,
            now,
            attestation
        ],
    )?;
    add_event(conn, now, Some(&device.user), EventKind::PhoneSigninEnabled, device.id.as_str())
}

pub(super) fn disable_phone_signin(conn: &Connection, device: &DeviceRef, now: i64) -> Stored<()> {
    revoke_phone_signin(conn, &device.id, now)?;
    add_event(conn, now, Some(&device.user), EventKind::PhoneSigninDisabled, device.id.as_str())
}

pub(super) fn set_push_token(
    conn: &Connection,
    device: &DeviceRef,
    token: Option<&str>,
    now: i64,
) -> Stored<()> {
    conn.exec("UPDATE devices SET push_token = ?2 WHERE id = ?1", params![device.id, token])?;
    add_event(conn, now, Some(&device.user), EventKind::PushTokenUpdated, device.id.as_str())
}

/// Marks a device and all its credentials revoked (keeping an earlier revocation time).
pub(super) fn revoke_rows(conn: &Connection, device: &DeviceId, now: i64) -> Stored<()> {
    conn.exec(
        "UPDATE devices SET revoked_at = COALESCE(revoked_at, ?2) WHERE id = ?1",
        params![device, now],
    )?;
    conn.exec(
        "UPDATE credentials SET revoked_at = COALESCE(revoked_at, ?2) WHERE device_id = ?1",
        params![device, now],
    )?;
    Ok(())
}

pub(super) fn revoke(
    conn: &Connection,
    device: &DeviceId,
    how: Revocation,
    ip: &str,
    now: i64,
) -> Stored<Option<UserId>> {
    let user: Option<UserId> =
        conn.row("SELECT user_id FROM devices WHERE id = ?1", [device], |r| r.get(0)).optional()?;
    let Some(user) = user else { return Ok(None) };
    revoke_rows(conn, device, now)?;
    revoke_pending_replacements(conn, device, now)?;
    conn.exec("DELETE FROM sessions WHERE user_id = ?1", [&user])?;
    add_event(conn, now, Some(&user), EventKind::DeviceRevoked, device.as_str())?;
    match how {
        Revocation::ByAdmin => {}
        Revocation::ByDevice => {
            add_event(conn, now, Some(&user), EventKind::DeviceUnenrolled, device.as_str())?
        }
        Revocation::ByUser => {
            add_event_from(conn, now, Some(&user), EventKind::DeviceRemoved, device.as_str(), ip)?
        }
        Revocation::Lost => {
            // Whatever waits for an answer dies with the lost phone: a request started with a
            // stolen password must not stay open for another device to approve by mistake.
            conn.exec(
                "UPDATE requests SET state = ?2 WHERE user_id = ?1 AND state = ?3",
                params![user, RequestState::Expired.as_str(), RequestState::Pending.as_str()],
            )?;
            add_event_from(conn, now, Some(&user), EventKind::DeviceLost, device.as_str(), ip)?
        }
    }
    Ok(Some(user))
}

/// Revokes the new devices enrolled with a transfer code of `device` and not yet confirmed: a
/// revoked phone takes its unfinished transfer with it (a stolen phone's transfer must not
/// outlive it). Its unused codes stay, so presenting one gets the typed refusal.
fn revoke_pending_replacements(conn: &Connection, device: &DeviceId, now: i64) -> Stored<()> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, user_id FROM devices WHERE replaces_device_id = ?1 AND revoked_at IS NULL",
    )?;
    let pending: Vec<(DeviceId, UserId)> =
        stmt.query_map([device], |r| Ok((r.get(0)?, r.get(1)?)))?.collect::<Result<_, _>>()?;
    for (id, user) in pending {
        revoke_rows(conn, &id, now)?;
        add_event(conn, now, Some(&user), EventKind::DeviceRevoked, id.as_str())?;
    }
    Ok(())
}

/// See [`crate::storage::Store::replace_phones`].
pub(super) fn replace_phones(
    conn: &Connection,
    activation: &Activation,
    now: i64,
) -> Stored<Vec<DeviceId>> {
    let user = &activation.user;
    let active: Vec<DeviceId> = conn
        .prepare_cached(
            "SELECT id FROM devices WHERE user_id = ?1 AND revoked_at IS NULL ORDER BY created_at",
        )?
        .query_map([user], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    for device in &active {
        revoke(conn, device, Revocation::ByAdmin, "", now)?;
    }
    // Nothing a thief with the phone set going survives it, nor an older enrollment code.
    accounts::end_sign_ins(conn, user, now)?;
    accounts::add_activation(conn, activation)?;
    let detail = active.iter().map(DeviceId::as_str).collect::<Vec<_>>().join(" ");
    add_event(conn, now, Some(user), EventKind::PhonesReplaced, &detail)?;
    Ok(active)
}

pub(super) fn devices_of(conn: &Connection, user_name: &str) -> Stored<Vec<DeviceInfo>> {
    let mut stmt = conn.prepare_cached(
        "SELECT d.id, d.name, d.created_at, d.revoked_at, d.push_token IS NOT NULL,
                EXISTS(SELECT 1 FROM credentials c WHERE c.device_id = d.id AND c.kind = ?2 AND c.revoked_at IS NULL),
                (SELECT MAX(r.decided_at) FROM requests r JOIN credentials c ON c.id = r.credential_id
                 WHERE r.user_id = d.user_id AND c.device_id = d.id),
                (SELECT c.attestation FROM credentials c WHERE c.device_id = d.id AND c.kind = ?2 AND c.revoked_at IS NULL)
         FROM devices d
         WHERE d.user_id = COALESCE((SELECT id FROM users WHERE name = ?1),
                                    (SELECT id FROM users WHERE name_key = ?3))
         ORDER BY d.created_at",
    )?;
    let key = crate::user_name::key(user_name);
    let rows = stmt
        .query_map(params![user_name, CredentialKind::PhoneSignin.as_str(), key], |r| {
            Ok(DeviceInfo {
                device_id: r.get(0)?,
                name: r.get(1)?,
                created_at: r.get(2)?,
                revoked_at: r.get(3)?,
                has_push_token: r.get(4)?,
                phone_signin: r.get(5)?,
                last_used_at: r.get(6)?,
                phone_signin_attestation: r.get(7)?,
            })
        })?
        .collect::<Result<_, _>>()?;
    Ok(rows)
}

pub(super) fn other_methods(conn: &Connection, device: &DeviceRef) -> Stored<OtherMethods> {
    Ok(conn.row(
        "SELECT (SELECT COUNT(*) FROM devices
                  WHERE user_id = ?1 AND revoked_at IS NULL AND id <> ?2),
                EXISTS(SELECT 1 FROM users
                  WHERE id = ?1 AND otp_secret IS NOT NULL AND otp_confirmed_at IS NOT NULL)",
        params![device.user, device.id],
        |r| Ok(OtherMethods { phones: r.get(0)?, one_time_code: r.get(1)? }),
    )?)
}

pub(super) fn presence(conn: &Connection, user: &UserId) -> Stored<DevicePresence> {
    Ok(conn.row(
        "SELECT EXISTS(SELECT 1 FROM devices WHERE user_id = ?1 AND revoked_at IS NULL),
                EXISTS(SELECT 1 FROM devices WHERE user_id = ?1)",
        [user],
        |r| Ok(DevicePresence { active: r.get(0)?, ever: r.get(1)? }),
    )?)
}
