//! The device API's domain (`docs/protocol.md` §4): enrollment, authenticating a device-signed
//! request, phone sign-in, the push token and unenrollment, as synchronous functions over the
//! [`Store`]; `server.rs` wraps them in HTTP handlers.

use nyckel_core::protocol::uri::EnrollUri;
use nyckel_core::protocol::wire::{
    self, b64, unb64, Ack, DeviceStanding, EnrollRequest, Enrolled, Envelope, KeyAttestation,
    LegacyPhoneSigninRequest, PhoneSigninChallenge, PhoneSigninRequest, PhoneSigninState,
    ProviderInfo, PushTokenRequest, TransferCode,
};
use serde::Deserialize;

use crate::admin;
use crate::attestation;
use crate::config::Config;
use crate::error::Error;
use crate::identity::{mac_key, Identity};
use crate::ids::{random_bytes, token_hash};
use crate::model::{
    self, CredentialId, DeviceId, DeviceRef, NewDevice, NewTransfer, Revocation, Setting,
    TransferIssued,
};
use crate::phone_challenge::{ChallengeKey, CHALLENGE_TTL};
use crate::storage::Store;
use crate::verify::DeviceAuth;

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

/// Authenticates a device-signed request (§2.2): device, signature, clock window, nonce.
pub fn authenticate(
    store: &dyn Store,
    p: &Identity,
    auth: &DeviceAuth,
    method: &str,
    path_and_query: &str,
    body: &[u8],
    now: i64,
) -> Result<DeviceRef, Error> {
    let id = DeviceId::new(auth.device.clone());
    let key = store.device_key(&id)?.ok_or(Error::UnknownDevice)?;
    if key.revoked {
        return Err(Error::DeviceRevoked);
    }
    if !auth.nonce_ok() {
        return Err(Error::bad_request("invalid Nyckel-Nonce header"));
    }
    if !auth.verify(&key.public_key, method, path_and_query, body) {
        return Err(Error::BadSignature("request signature"));
    }
    let ts = auth.ts()?;
    // abs_diff: no overflow for any i64 timestamp (i64::MIN - now would panic in debug).
    if ts.abs_diff(now) > nyckel_core::protocol::MAX_CLOCK_SKEW.unsigned_abs() {
        return Err(Error::ClockSkew { time: Box::new(p.time_envelope(now, &auth.nonce)) });
    }
    if !store.use_nonce(&auth.device, &auth.nonce, now, now + NONCE_TTL)? {
        return Err(Error::Replayed);
    }
    let device = DeviceRef { id, user: key.user };
    if key.replaces.is_some() {
        // A new phone's first authenticated call proves it holds its key and stored its
        // enrollment: the phone it replaces goes now, and not before.
        if let Some(old) = store.confirm_transfer(&device, now)? {
            tracing::info!(device = %device.id, replaced = %old, "transfer confirmed");
        }
    }
    Ok(device)
}

/// An enrollment body (§4.1), checked before any storage: `Nyckel-Device: new`, a P-256
/// device key that signed the request, a safe device name, bounded push token and activation
/// code, a well-formed nonce.
pub fn read_enrollment(
    auth: &DeviceAuth,
    path: &str,
    body: &[u8],
) -> Result<(EnrollRequest, Vec<u8>), Error> {
    let b: EnrollRequest = parse_json(body)?;
    if auth.device != "new" {
        return Err(Error::bad_request("enrollment must use Nyckel-Device: new"));
    }
    let key = public_key(&b.device_public_key)?;
    if !wire::is_valid_device_name(&b.device_name) {
        return Err(Error::bad_request(
            "deviceName too long or with control, bidirectional or invisible characters",
        ));
    }
    if b.push_token.as_ref().is_some_and(|t| t.len() > 4096) {
        return Err(Error::bad_request("pushToken too long"));
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
    Ok((b, key))
}

/// `POST /nyckel/v1/enroll` (§4.1).
pub fn enroll(
    store: &dyn Store,
    cfg: &Config,
    p: &Identity,
    auth: &DeviceAuth,
    path: &str,
    body: &[u8],
) -> Result<Envelope, Error> {
    let (b, key) = read_enrollment(auth, path, body)?;
    let device = NewDevice {
        id: DeviceId::random(),
        name: b.device_name.clone(),
        push_token: b.push_token.filter(|t| !t.is_empty()),
        public_key: key,
        activation_code_hash: token_hash(&b.activation_code),
        nonce_owner: b.device_public_key.clone(),
        nonce: auth.nonce.clone(),
        nonce_ttl: NONCE_TTL,
    };
    // The store judges the activation code's expiry at its time, after the write lock.
    let (now, user, account_name, replaces) = match store.enroll_device(&device, &*cfg.clock)? {
        model::Enrolled::Done { now, user, account_name, replaces } => {
            (now, user, account_name, replaces)
        }
        model::Enrolled::Replayed => return Err(Error::Replayed),
        model::Enrolled::ActivationInvalid => return Err(Error::ActivationInvalid),
        model::Enrolled::ReplacedDeviceRevoked => return Err(Error::ReplacedDeviceRevoked),
        model::Enrolled::KeyReused => return Err(Error::KeyReused),
    };
    tracing::info!(device = %device.id, user = %user, "device enrolled");
    let mut env = p.sign(
        now,
        Some(&auth.nonce),
        Enrolled {
            device_id: device.id.into_string(),
            user_id: user.into_string(),
            account_name,
            issuer: Some(p.issuer.clone()),
            rp_id: p.rp_id.clone(),
            origin: p.web_origin().to_owned(),
            device_public_key: b.device_public_key,
            replaces_device_id: replaces.map(DeviceId::into_string),
        },
    );
    env.provider_key = Some(b64(&p.public_key));
    Ok(env)
}

/// `POST /nyckel/v1/transfer` (§4.10), for an authenticated device: a single-use transfer
/// code for a new phone of the same user that replaces this device. The device stays until
/// the new phone's first authenticated call.
pub fn issue_transfer(
    store: &dyn Store,
    cfg: &Config,
    p: &Identity,
    device: &DeviceRef,
    nonce: &str,
    body: &[u8],
) -> Result<Envelope, Error> {
    if !body.is_empty() {
        return Err(Error::bad_request("the transfer request has no body"));
    }
    let code = b64(&random_bytes(18));
    let transfer =
        NewTransfer { device: device.clone(), code_hash: token_hash(&code), ttl: cfg.transfer_ttl };
    let (now, expires_at, account_name, otp_secret) =
        match store.add_transfer(&transfer, &*cfg.clock)? {
            TransferIssued::Issued { now, expires_at, account_name, otp_secret } => {
                (now, expires_at, account_name, otp_secret)
            }
            TransferIssued::DeviceRevoked => return Err(Error::DeviceRevoked),
        };
    tracing::info!(device = %device.id, otp = otp_secret.is_some(), "transfer code issued");
    let (origin, fp, issuer) = (&p.origin, p.fingerprint(), Some(p.issuer.as_str()));
    // The one-time-code secret this provider issued (confirmed or not: what its enrollment
    // codes carry) is re-delivered, marked managed, so the new phone has it without any
    // export of it; it goes only to this authenticated, live device of the user.
    let enroll_uri = match otp_secret {
        Some(secret) => {
            let otp = admin::otpauth_uri(&p.issuer, &account_name, &secret);
            EnrollUri::build_managed_otp(
                origin,
                &code,
                &account_name,
                &fp,
                issuer,
                Some(expires_at),
                &otp,
            )
        }
        None => EnrollUri::build(origin, &code, &account_name, &fp, issuer, Some(expires_at), None),
    };
    Ok(p.sign(
        now,
        Some(nonce),
        TransferCode {
            device_id: device.id.as_str().to_owned(),
            user_id: device.user.as_str().to_owned(),
            enroll_uri,
            expires_at,
        },
    ))
}

fn challenge_key(store: &dyn Store) -> Result<ChallengeKey, Error> {
    mac_key(store, Setting::ChallengeKey).map(ChallengeKey::from_hmac)
}

/// `POST /nyckel/v1/phone-signin/challenge` (§4.4), for an authenticated device: a
/// single-use challenge for registering a phone sign-in key.
pub fn phone_signin_challenge(
    store: &dyn Store,
    cfg: &Config,
    p: &Identity,
    device: &DeviceRef,
    nonce: &str,
    body: &[u8],
) -> Result<Envelope, Error> {
    if !body.is_empty() {
        return Err(Error::bad_request("the challenge request has no body"));
    }
    let now = cfg.clock.now();
    let expires_at = now.saturating_add(CHALLENGE_TTL);
    let challenge = challenge_key(store)?.issue(device.id.as_str(), expires_at);
    Ok(p.sign(
        now,
        Some(nonce),
        PhoneSigninChallenge { device_id: device.id.as_str().to_owned(), challenge, expires_at },
    ))
}

/// A phone sign-in body (§4.4), checked before any storage: a P-256 key, a challenge this
/// provider issued to the device and still in time, and the key's proof over it.
#[derive(Debug)]
pub struct CheckedPhoneSignin {
    /// The new key (SEC1).
    pub public_key: Vec<u8>,
    /// The challenge as sent (b64url).
    pub challenge: String,
    /// Its raw bytes (what an attestation names).
    pub challenge_bytes: Vec<u8>,
    /// Until when it is accepted.
    pub expires_at: i64,
    /// The platform's attestation, if the phone sent one (not checked here).
    pub attestation: Option<KeyAttestation>,
}

/// Reads a phone sign-in body for `device_id` at `now` (see [`CheckedPhoneSignin`]).
pub fn read_phone_signin(
    key: &ChallengeKey,
    device_id: &str,
    body: &[u8],
    now: i64,
) -> Result<CheckedPhoneSignin, Error> {
    let b: PhoneSigninRequest = parse_json(body)?;
    let public_key = public_key(&b.public_key)?;
    let proof = unb64(&b.key_proof).ok_or_else(|| Error::bad_request("invalid keyProof"))?;
    let (challenge_bytes, expires_at) =
        key.accept(device_id, &b.challenge, now).ok_or(Error::ChallengeInvalid)?;
    let msg = wire::key_proof_string(device_id, &b.public_key, &b.challenge);
    if !wire::verify_p256(&public_key, msg.as_bytes(), &proof) {
        return Err(Error::BadSignature("key proof"));
    }
    Ok(CheckedPhoneSignin {
        public_key,
        challenge: b.challenge,
        challenge_bytes,
        expires_at,
        attestation: b.attestation,
    })
}

/// Reads a phone sign-in body of key-proof layout v1 (§4.4: an app built before the provider
/// challenge) sent by `device_id` with `Nyckel-Nonce` `nonce`: a P-256 key whose proof over
/// the v1 string names that nonce. The nonce is single-use (device authentication recorded
/// it), so the proof cannot be replayed; `None` when the body is not of this layout.
pub fn read_legacy_phone_signin(
    device_id: &str,
    nonce: &str,
    body: &[u8],
) -> Option<Result<Vec<u8>, Error>> {
    let b: LegacyPhoneSigninRequest = serde_json::from_slice(body).ok()?;
    Some((|| {
        let public_key = public_key(&b.public_key)?;
        let proof = unb64(&b.key_proof).ok_or_else(|| Error::bad_request("invalid keyProof"))?;
        let msg = wire::legacy_key_proof_string(device_id, &b.public_key, nonce);
        if !wire::verify_p256(&public_key, msg.as_bytes(), &proof) {
            return Err(Error::BadSignature("key proof"));
        }
        Ok(public_key)
    })())
}

/// `POST /nyckel/v1/phone-signin` (§4.4), for an authenticated device whose request carried
/// `Nyckel-Nonce` `nonce`: key-proof layout v2 (the challenge), or v1 from an app built before
/// it — accepted only where the provider does not require attestation, else refused with
/// `attestation_refused` ([`attestation::AttestationError::LegacyKeyProof`]).
pub fn enable_phone_signin(
    store: &dyn Store,
    cfg: &Config,
    p: &Identity,
    device: &DeviceRef,
    nonce: &str,
    body: &[u8],
) -> Result<Envelope, Error> {
    let now = cfg.clock.now();
    let refused = |e: attestation::AttestationError| {
        tracing::info!(device = %device.id, reason = %e, "phone sign-in key attestation refused");
        Error::AttestationRefused(e)
    };
    // The attestation format verified, if any (only where attestation is required).
    let (public_key, attested) = match read_legacy_phone_signin(device.id.as_str(), nonce, body) {
        Some(legacy) => {
            let public_key = legacy?;
            attestation::check_legacy(&cfg.key_attestation).map_err(refused)?;
            tracing::info!(device = %device.id, "phone sign-in key registered with key-proof layout v1");
            (public_key, None)
        }
        None => {
            let b = read_phone_signin(&challenge_key(store)?, device.id.as_str(), body, now)?;
            // Single use: the challenge joins the device's nonces until it expires.
            if !store.use_nonce(device.id.as_str(), &b.challenge, now, b.expires_at)? {
                return Err(Error::ChallengeInvalid);
            }
            attestation::check(
                &cfg.key_attestation,
                b.attestation.as_ref(),
                &b.public_key,
                &b.challenge_bytes,
                now,
            )
            .map_err(refused)?;
            let attested = cfg.key_attestation.required().then_some(b.attestation).flatten();
            (b.public_key, attested.map(|a| a.format))
        }
    };
    let cred = CredentialId::random();
    store.enable_phone_signin(device, &cred, &public_key, attested.as_deref(), now)?;
    Ok(p.sign(
        now,
        Some(nonce),
        PhoneSigninState {
            device_id: device.id.as_str().to_owned(),
            credential_id: Some(cred.into_string()),
            enabled: true,
        },
    ))
}

/// `DELETE /nyckel/v1/phone-signin` (§4.5), for an authenticated device.
pub fn disable_phone_signin(
    store: &dyn Store,
    cfg: &Config,
    p: &Identity,
    device: &DeviceRef,
    nonce: &str,
) -> Result<Envelope, Error> {
    let now = cfg.clock.now();
    store.disable_phone_signin(device, now)?;
    Ok(p.sign(
        now,
        Some(nonce),
        PhoneSigninState {
            device_id: device.id.as_str().to_owned(),
            credential_id: None,
            enabled: false,
        },
    ))
}

/// `GET /nyckel/v1/provider` (§4.7).
pub fn provider_info(p: &Identity) -> ProviderInfo {
    ProviderInfo {
        v: 1,
        provider_key: b64(&p.public_key),
        fingerprint: p.fingerprint(),
        origin: p.web_origin().to_owned(),
        rp_id: p.rp_id.clone(),
        issuer: p.issuer.clone(),
    }
}

/// `PUT /nyckel/v1/device` (§4.8): set or clear the push token.
pub fn update_device(
    store: &dyn Store,
    cfg: &Config,
    p: &Identity,
    device: &DeviceRef,
    nonce: &str,
    body: &[u8],
) -> Result<Envelope, Error> {
    let now = cfg.clock.now();
    let b: PushTokenRequest = parse_json(body)?;
    let token = b.push_token.filter(|t| !t.is_empty());
    if token.as_ref().is_some_and(|t| t.len() > 4096) {
        return Err(Error::bad_request("pushToken too long"));
    }
    store.set_push_token(device, token.as_deref(), now)?;
    Ok(ack(p, device, nonce, now))
}

/// `GET /nyckel/v1/device` (§4.11): what else the device's user can sign in with, asked by an
/// app before it unenrolls (to warn about the last way in).
pub fn standing(
    store: &dyn Store,
    cfg: &Config,
    p: &Identity,
    device: &DeviceRef,
    nonce: &str,
) -> Result<Envelope, Error> {
    let other = store.other_methods(device)?;
    let body = DeviceStanding {
        device_id: device.id.as_str().to_owned(),
        other_phones: other.phones,
        one_time_code: other.one_time_code,
    };
    Ok(p.sign(cfg.clock.now(), Some(nonce), body))
}

/// `DELETE /nyckel/v1/device` (§4.9): the app unenrolls; the device is revoked.
pub fn unenroll_device(
    store: &dyn Store,
    cfg: &Config,
    p: &Identity,
    device: &DeviceRef,
    nonce: &str,
) -> Result<Envelope, Error> {
    let now = cfg.clock.now();
    admin::revoke_device(store, cfg, &device.id, Revocation::ByDevice)?;
    Ok(ack(p, device, nonce, now))
}

fn ack(p: &Identity, device: &DeviceRef, nonce: &str, now: i64) -> Envelope {
    p.sign(now, Some(nonce), Ack { device_id: device.id.as_str().to_owned() })
}
