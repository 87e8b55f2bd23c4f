//! Devices, their credentials and request nonces.

use rusqlite::{params, Connection, OptionalExtension};

use super::pool::Cached;

use super::accounts::add_event;
use crate::model::{
    Credential, CredentialId, CredentialKind, DeviceId, DeviceInfo, DeviceKey, DevicePresence,
    DeviceRef, Enrolled, EventKind, NewDevice, Revocation, UserId,
};
use crate::storage::{StoreError, Stored};

pub(super) fn enroll(conn: &Connection, d: &NewDevice, now: i64) -> Stored<Enrolled> {
    if !use_nonce(conn, &d.nonce_owner, &d.nonce, now, now.saturating_add(d.nonce_ttl))? {
        return Ok(Enrolled::Replayed);
    }
    // Consume the activation code atomically.
    let user: Option<(UserId, String)> = conn
        .row(
            "UPDATE activations SET used_at = ?2 WHERE code_hash = ?1 AND used_at IS NULL AND expires_at > ?2
             RETURNING user_id, (SELECT name FROM users WHERE id = activations.user_id)",
            params![d.activation_code_hash, now],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    let Some((user, account_name)) = user else {
        return Ok(Enrolled::ActivationInvalid);
    };
    conn.exec(
        "INSERT INTO devices (id, user_id, name, push_token, created_at) VALUES (?1, ?2, ?3, ?4, ?5)",
        params![d.id, user, d.name, d.push_token, now],
    )?;
    conn.exec(
        "INSERT INTO credentials (id, device_id, user_id, kind, public_key, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![d.id.credential(), d.id, user, CredentialKind::Device.as_str(), d.public_key, now],
    )?;
    add_event(conn, now, Some(&user), EventKind::DeviceEnrolled, d.id.as_str())?;
    Ok(Enrolled::Done { now, user, account_name })
}

pub(super) fn device_key(conn: &Connection, device: &DeviceId) -> Stored<Option<DeviceKey>> {
    Ok(conn
        .row(
            "SELECT d.user_id, d.revoked_at IS NOT NULL, c.public_key FROM devices d JOIN credentials c ON c.id = ?2 WHERE d.id = ?1",
            params![device, device.credential()],
            |r| Ok(DeviceKey { user: r.get(0)?, revoked: r.get(1)?, public_key: r.get(2)? }),
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
    now: i64,
) -> Stored<()> {
    revoke_phone_signin(conn, &device.id, now)?;
    conn.exec(
        "INSERT INTO credentials (id, device_id, user_id, kind, public_key, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![
            credential,
            device.id,
            device.user,
            CredentialKind::PhoneSignin.as_str(),
            public_key,
            now
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
    now: i64,
) -> Stored<Option<UserId>> {
    let user: Option<UserId> =
        conn.row("SELECT user_id FROM devices WHERE id = ?1", [device], |r| r.get(0)).optional()?;
    let Some(user) = user else { return Ok(None) };
    revoke_rows(conn, device, now)?;
    conn.exec("DELETE FROM sessions WHERE user_id = ?1", [&user])?;
    add_event(conn, now, Some(&user), EventKind::DeviceRevoked, device.as_str())?;
    match how {
        Revocation::ByAdmin => {}
        Revocation::ByDevice => {
            add_event(conn, now, Some(&user), EventKind::DeviceUnenrolled, device.as_str())?
        }
        Revocation::ByUser => {
            add_event(conn, now, Some(&user), EventKind::DeviceRemoved, device.as_str())?
        }
    }
    Ok(Some(user))
}

pub(super) fn devices_of(conn: &Connection, user_name: &str) -> Stored<Vec<DeviceInfo>> {
    let mut stmt = conn.prepare_cached(
        "SELECT d.id, d.name, d.created_at, d.revoked_at, d.push_token IS NOT NULL,
                EXISTS(SELECT 1 FROM credentials c WHERE c.device_id = d.id AND c.kind = ?2 AND c.revoked_at IS NULL),
                (SELECT MAX(r.decided_at) FROM requests r JOIN credentials c ON c.id = r.credential_id
                 WHERE r.user_id = d.user_id AND c.device_id = d.id)
         FROM devices d JOIN users u ON u.id = d.user_id WHERE u.name = ?1 ORDER BY d.created_at",
    )?;
    let rows = stmt
        .query_map(params![user_name, CredentialKind::PhoneSignin.as_str()], |r| {
            Ok(DeviceInfo {
                device_id: r.get(0)?,
                name: r.get(1)?,
                created_at: r.get(2)?,
                revoked_at: r.get(3)?,
                has_push_token: r.get(4)?,
                phone_signin: r.get(5)?,
                last_used_at: r.get(6)?,
            })
        })?
        .collect::<Result<_, _>>()?;
    Ok(rows)
}

pub(super) fn presence(conn: &Connection, user: &UserId) -> Stored<DevicePresence> {
    Ok(conn.row(
        "SELECT EXISTS(SELECT 1 FROM devices WHERE user_id = ?1 AND revoked_at IS NULL),
                EXISTS(SELECT 1 FROM devices WHERE user_id = ?1)",
        [user],
        |r| Ok(DevicePresence { active: r.get(0)?, ever: r.get(1)? }),
    )?)
}
