//! Administrative operations: users, enrollment codes, devices, events. Used by the admin CLI
//! (through `Provider`) and the account page; safe to run while `serve` runs.

use argon2::password_hash::{PasswordHasher, SaltString};
use nyckel_core::protocol::uri::EnrollUri;
use nyckel_core::protocol::wire::b64;
use serde::Serialize;

use crate::config::Config;
use crate::error::Error;
use crate::identity::Identity;
use crate::ids::{random_bytes, token_hash};
use crate::model::{
    Activation, CredentialId, DeletedUser, DeviceId, DeviceInfo, DevicePresence, EventInfo,
    NewUser, PushTrigger, RequestId, Revocation, Setting, User, UserId, UserInfo,
};
use crate::storage::Store;

fn argon() -> argon2::Argon2<'static> {
    let params = argon2::Params::new(19 * 1024, 2, 1, None).expect("valid argon2 parameters");
    argon2::Argon2::new(argon2::Algorithm::Argon2id, argon2::Version::V0x13, params)
}

/// Password hashes being computed right now, and the most at once since the process started
/// (process-wide). The server bounds them (`state::HashLimiter`); tests read the peak.
pub(crate) static HASHING: Gauge = Gauge::new();

/// A count of work in progress and its peak.
#[derive(Debug)]
pub(crate) struct Gauge {
    now: std::sync::atomic::AtomicUsize,
    peak: std::sync::atomic::AtomicUsize,
}

impl Gauge {
    const fn new() -> Gauge {
        Gauge {
            now: std::sync::atomic::AtomicUsize::new(0),
            peak: std::sync::atomic::AtomicUsize::new(0),
        }
    }

    /// Counts one more until the guard is dropped.
    fn enter(&self) -> GaugeGuard<'_> {
        use std::sync::atomic::Ordering::SeqCst;
        let now = self.now.fetch_add(1, SeqCst) + 1;
        self.peak.fetch_max(now, SeqCst);
        GaugeGuard(self)
    }

    /// The most at once.
    #[cfg_attr(not(feature = "testing"), allow(dead_code))]
    pub(crate) fn peak(&self) -> usize {
        self.peak.load(std::sync::atomic::Ordering::SeqCst)
    }
}

struct GaugeGuard<'a>(&'a Gauge);

impl Drop for GaugeGuard<'_> {
    fn drop(&mut self) {
        self.0.now.fetch_sub(1, std::sync::atomic::Ordering::SeqCst);
    }
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
    store: &dyn Store,
    cfg: &Config,
    name: &str,
    password: Option<&str>,
    totp: bool,
) -> Result<Enrollment, Error> {
    let name = name.trim();
    if name.is_empty() || name.len() > 256 || name.chars().any(char::is_control) {
        return Err(Error::bad_request("invalid user name"));
    }
    let password_hash = password.map(hash_password).transpose()?;
    let otp_secret = totp.then(new_otp_secret);
    let user = NewUser {
        id: UserId::random(),
        name: name.to_owned(),
        password_hash,
        otp_secret,
        created_at: cfg.clock.now(),
    };
    // Refused too when the name differs from an existing user's only in case.
    if !store.add_user(&user)? {
        return Err(Error::UserExists);
    }
    issue_enrollment(store, cfg, name)
}

/// A new TOTP secret (160 random bits, RFC 4226's recommended length) in base32.
pub(crate) fn new_otp_secret() -> String {
    base32_secret(&random_bytes(20))
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
/// The `otpauth://` URI of user `name`'s secret at provider `issuer` (the defaults: SHA-1,
/// 6 digits, 30 s).
pub(crate) fn otpauth_uri(issuer: &str, name: &str, secret: &str) -> String {
    let label = format!("{issuer}:{name}");
    format!(
        "otpauth://totp/{}?secret={secret}&issuer={}",
        nyckel_core::protocol::uri::pct_encode(&label),
        nyckel_core::protocol::uri::pct_encode(issuer)
    )
}

/// A new single-use enrollment code for user `name` (the administrator's: it carries the
/// one-time-code secret, if any).
pub fn issue_enrollment(store: &dyn Store, cfg: &Config, name: &str) -> Result<Enrollment, Error> {
    issue_enrollment_with(store, cfg, name, true)
}

/// [`issue_enrollment`]; without `confirmed_code`, a confirmed one-time-code secret is left
/// out (the account page: a browser session alone must not read a second method's secret).
pub(crate) fn issue_enrollment_with(
    store: &dyn Store,
    cfg: &Config,
    name: &str,
    confirmed_code: bool,
) -> Result<Enrollment, Error> {
    let (activation, enrollment) = new_enrollment(store, cfg, name, confirmed_code)?;
    store.add_activation(&activation)?;
    Ok(enrollment)
}

/// A new enrollment code for user `name`, not yet stored: its activation and the enrollment
/// URI carrying it.
fn new_enrollment(
    store: &dyn Store,
    cfg: &Config,
    name: &str,
    confirmed_code: bool,
) -> Result<(Activation, Enrollment), Error> {
    let p = Identity::load(store)?;
    let now = cfg.clock.now();
    let user = store.user_by_name(name)?.ok_or(Error::UnknownUser)?;
    let code = b64(&random_bytes(18));
    let expires_at = now + cfg.activation_ttl;
    let carry = confirmed_code || user.otp_confirmed_at.is_none();
    // The name as stored, however the administrator typed it now: the app shows it.
    let name = user.name.as_str();
    let otp_uri = user
        .otp_secret
        .as_deref()
        .filter(|_| carry)
        .map(|secret| otpauth_uri(&p.issuer, name, secret));
    let activation = Activation {
        code_hash: token_hash(&code),
        user: user.id.clone(),
        expires_at,
        replaces: None,
        carries_otp: otp_uri.is_some(),
    };
    // The secret is the provider's: it keeps it and re-delivers it to a new phone (§4.10),
    // so every code that carries it marks it managed (the phone never exports it, and a
    // transfer links the re-delivered copy instead of adding a second one).
    let (origin, fp, issuer) = (&p.origin, p.fingerprint(), Some(p.issuer.as_str()));
    let uri = match &otp_uri {
        Some(otp) => {
            EnrollUri::build_managed_otp(origin, &code, name, &fp, issuer, Some(expires_at), otp)
        }
        None => EnrollUri::build(origin, &code, name, &fp, issuer, Some(expires_at), None),
    };
    let enrollment = Enrollment {
        user: name.to_owned(),
        user_id: user.id.as_str().to_owned(),
        enroll_uri: uri,
        expires_at,
    };
    Ok((activation, enrollment))
}

/// What replacing a user's phones did ([`replace_phones`]).
#[derive(Clone, Debug, Serialize)]
pub struct PhoneReplacement {
    /// The new enrollment code: now the only way to a phone for the user.
    #[serde(flatten)]
    pub enrollment: Enrollment,
    /// The devices revoked, oldest first (none when the user had no active phone).
    pub revoked: Vec<String>,
}

/// A lost phone, no other: revokes every active phone of user `name` (their keys are refused
/// at once), ends whatever the user is signed in with or waiting for (pending requests, older
/// enrollment codes, sessions, OpenID Connect sessions and tokens) and issues a new enrollment
/// code (carrying the one-time-code secret, as the administrator's does), all in one write;
/// records `phones_replaced`. The administrator's one command for a lost phone.
pub fn replace_phones(
    store: &dyn Store,
    cfg: &Config,
    name: &str,
) -> Result<PhoneReplacement, Error> {
    let (activation, enrollment) = new_enrollment(store, cfg, name, true)?;
    let revoked = store.replace_phones(&activation, cfg.clock.now())?;
    tracing::info!(user = %activation.user, revoked = revoked.len(), "phones replaced");
    Ok(PhoneReplacement {
        enrollment,
        revoked: revoked.into_iter().map(DeviceId::into_string).collect(),
    })
}

/// Checks a password; returns the user id. Unknown users cost the same hash.
pub fn check_password(
    store: &dyn Store,
    name: &str,
    password: &str,
) -> Result<Option<UserId>, Error> {
    let user = store.user_by_name(name)?;
    const DUMMY: &str = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$3VZkF3pL0mKx4bRjvDqVb6b1ZsK2dMxw7Jc9mQ0X2pU";
    let (id, hash) = match user {
        Some(User { id, password_hash: Some(h), .. }) => (Some(id), h),
        _ => (None, DUMMY.to_owned()),
    };
    let _hashing = HASHING.enter();
    // In reused memory: allocated per check, freed Argon2 memory piles up in the allocator.
    let ok = crate::argon_memory::verify(password.as_bytes(), &hash);
    Ok(if ok { id } else { None })
}

/// Lists a user's devices; unknown user → [`Error::UnknownUser`].
pub fn list_devices(store: &dyn Store, name: &str) -> Result<Vec<DeviceInfo>, Error> {
    if store.user_by_name(name)?.is_none() {
        return Err(Error::UnknownUser);
    }
    Ok(store.devices_of(name)?)
}

/// Whether the user has (had) devices.
pub fn device_presence(store: &dyn Store, user: &UserId) -> Result<DevicePresence, Error> {
    Ok(store.device_presence(user)?)
}

/// Revokes a device and its credentials, and ends the user's browser sessions (one may have
/// been opened with this device's approval, and the account page issues enrollment codes).
/// Idempotent; unknown id → 404.
pub fn revoke_device(
    store: &dyn Store,
    cfg: &Config,
    device: &DeviceId,
    how: Revocation,
) -> Result<UserId, Error> {
    store.revoke_device(device, how, cfg.clock.now())?.ok_or(Error::NotFound("device"))
}

/// Recent events, newest first (optionally one user's).
pub fn events(store: &dyn Store, name: Option<&str>, limit: u32) -> Result<Vec<EventInfo>, Error> {
    Ok(store.events(name, limit)?)
}

/// The push triggers recorded for a request, oldest first.
pub fn push_triggers(store: &dyn Store, request_id: &str) -> Result<Vec<PushTrigger>, Error> {
    Ok(store.push_triggers(&RequestId::new(request_id))?)
}

/// A credential's stored signature counter (`None`: no such credential).
pub fn sign_count(store: &dyn Store, credential_id: &str) -> Result<Option<i64>, Error> {
    Ok(store.credential(&CredentialId::new(credential_id))?.map(|c| c.sign_count))
}

/// Whom users contact when blocked or locked out (the `helpdesk` setting), if configured.
pub fn helpdesk(store: &dyn Store) -> Result<Option<String>, Error> {
    Ok(store.setting(Setting::Helpdesk)?.filter(|c| !c.is_empty()))
}

/// Stores whom users contact (`--helpdesk`); an empty text removes it.
pub fn set_helpdesk(store: &dyn Store, contact: &str) -> Result<(), Error> {
    let contact = contact.trim();
    if contact.chars().count() > 200 || contact.chars().any(char::is_control) {
        return Err(Error::bad_request(
            "the helpdesk text is longer than 200 characters or has control characters",
        ));
    }
    Ok(store.set_settings(&[(Setting::Helpdesk, contact)])?)
}

/// Users whose name differs only in case from an older user's, with that user's name (see
/// [`Store::name_clashes`]).
pub fn name_clashes(store: &dyn Store) -> Result<Vec<(String, String)>, Error> {
    Ok(store.name_clashes()?)
}

/// Every user, by name.
pub fn users(store: &dyn Store) -> Result<Vec<UserInfo>, Error> {
    Ok(store.users()?)
}

/// Disables (`true`) or enables a user. A disabled user cannot sign in by any method: their
/// pending requests expire, their unused enrollment codes are spent and their sessions and
/// access tokens end at once. Returns whether it changed; unknown user → [`Error::UnknownUser`].
pub fn set_disabled(
    store: &dyn Store,
    cfg: &Config,
    name: &str,
    disabled: bool,
) -> Result<bool, Error> {
    store.set_user_disabled(name, disabled, cfg.clock.now())?.ok_or(Error::UnknownUser)
}

/// Lifts the block on new sign-ins and the mute of notifications a report set (not the
/// password lockout: that is `guessing::unlock`). Returns whether either was in force.
pub fn unblock(store: &dyn Store, cfg: &Config, name: &str) -> Result<bool, Error> {
    store.unblock_user(name, cfg.clock.now())?.ok_or(Error::UnknownUser)
}

/// The longest password accepted (bytes), as on the sign-in page.
pub const MAX_PASSWORD: usize = 1024;

/// Sets a user's password (`None`: removes it, leaving phone sign-in and one-time codes).
pub fn set_password(
    store: &dyn Store,
    cfg: &Config,
    name: &str,
    password: Option<&str>,
) -> Result<(), Error> {
    if let Some(p) = password {
        if p.is_empty() {
            return Err(Error::bad_request("the password is empty"));
        }
        if p.len() > MAX_PASSWORD {
            return Err(Error::bad_request("the password is longer than 1024 bytes"));
        }
    }
    if store.user_by_name(name)?.is_none() {
        return Err(Error::UnknownUser);
    }
    let hash = password.map(hash_password).transpose()?;
    if store.set_password_hash(name, hash.as_deref(), cfg.clock.now())? {
        Ok(())
    } else {
        Err(Error::UnknownUser)
    }
}

/// Deletes a user and everything that is theirs; returns what went with them.
pub fn delete_user(store: &dyn Store, cfg: &Config, name: &str) -> Result<DeletedUser, Error> {
    store.delete_user(name, cfg.clock.now())?.ok_or(Error::UnknownUser)
}

/// What removing one of one's own phones on the account page did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Removal {
    /// It is the user's only active phone: nothing was done; the page warns first (without a
    /// phone the user cannot sign in until the administrator issues a new enrollment code).
    NeedsConfirmation,
    /// Revoked (its keys are refused, its pending approvals cannot complete) and the user's
    /// browser sessions ended.
    Removed,
}

/// Removes the signed-in user `name`'s active device `device` (account page, "Ta bort").
/// Another user's device, an unknown or an already revoked one → [`Error::NotFound`]. The
/// last active phone is removed only when `confirmed` (a one-time-code account is no way
/// in without a phone: a code completes a push request, which needs a phone to start). `ip`:
/// the client's address, for the event.
pub(crate) fn remove_own_device(
    store: &dyn Store,
    cfg: &Config,
    name: &str,
    device: &DeviceId,
    confirmed: bool,
    ip: &str,
) -> Result<Removal, Error> {
    // Judged on the devices read under the write lock, so two removals at once cannot both
    // see the other phone and together take the last one without the warning.
    let mut verdict = Err(Error::NotFound("device"));
    store.revoke_device_if(
        name,
        device,
        Revocation::ByUser,
        ip,
        cfg.clock.now(),
        &mut |devices| {
            verdict = judge_removal(devices, device, confirmed);
            verdict == Ok(Removal::Removed)
        },
    )?;
    verdict
}

/// The account page's rules for removing `device` from `devices` (the user's own).
fn judge_removal(
    devices: &[DeviceInfo],
    device: &DeviceId,
    confirmed: bool,
) -> Result<Removal, Error> {
    let active = |d: &&DeviceInfo| d.revoked_at.is_none();
    if !devices.iter().filter(active).any(|d| d.device_id == device.as_str()) {
        return Err(Error::NotFound("device"));
    }
    let others = devices.iter().filter(active).filter(|d| d.device_id != device.as_str()).count();
    if others == 0 && !confirmed {
        return Ok(Removal::NeedsConfirmation);
    }
    Ok(Removal::Removed)
}
