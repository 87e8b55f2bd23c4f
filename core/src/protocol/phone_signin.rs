//! Phone sign-in (§4.4, §4.5, §9): a second, user-verification-gated key per enrollment
//! that approves passwordless sign-ins.

use super::enroll::{new_alias, PhoneSignin};
use super::envelope::open_answer;
use super::keys::{sign_checked, DeviceKeyStore};
use super::new_key::NewKey;
use super::wire::{
    self, b64, unb64, KeyAttestation, PhoneSigninChallenge, PhoneSigninRequest, PhoneSigninState,
};
use super::{Enrollment, HttpRequest, HttpResponse, ProtocolError};
use crate::random::Random;

const ENDPOINT: &str = "/nyckel/v1/phone-signin";
const CHALLENGE_ENDPOINT: &str = "/nyckel/v1/phone-signin/challenge";

/// State between [`enable_phone_signin`] and [`PhoneSigninEnable::finish`]. It owns the new
/// key ([`NewKey`]): dropped without finishing, it deletes the key.
#[derive(Debug)]
pub struct PhoneSigninEnable<'k> {
    key: NewKey<'k>,
    nonce: String,
}

/// State between [`disable_phone_signin`] and [`PhoneSigninDisable::finish`].
#[derive(Debug)]
pub struct PhoneSigninDisable {
    nonce: String,
}

/// State between [`request_phone_signin_challenge`] and
/// [`PhoneSigninChallengeFetch::finish`].
#[derive(Debug)]
pub struct PhoneSigninChallengeFetch {
    nonce: String,
}

/// Builds `POST /nyckel/v1/phone-signin/challenge` (§4.4), signed with the device key: the
/// first step of enabling phone sign-in.
pub fn request_phone_signin_challenge(
    enrollment: &Enrollment,
    keys: &dyn DeviceKeyStore,
    random: &dyn Random,
    now: i64,
) -> Result<(HttpRequest, PhoneSigninChallengeFetch), ProtocolError> {
    let signed = enrollment.signed(keys, random, "POST", CHALLENGE_ENDPOINT, Vec::new(), now)?;
    Ok((signed.request, PhoneSigninChallengeFetch { nonce: signed.nonce }))
}

impl PhoneSigninChallengeFetch {
    /// Reads the provider's signed challenge (checked: this device, a b64url challenge of at
    /// most 128 characters).
    pub fn finish(
        self,
        e: &mut Enrollment,
        resp: &HttpResponse,
        now: i64,
    ) -> Result<PhoneSigninChallenge, ProtocolError> {
        let v = open_answer::<PhoneSigninChallenge>(e, resp, &self.nonce, now)?;
        if v.body.device_id != e.device_id {
            return Err(ProtocolError::Substituted("device"));
        }
        if v.body.challenge.len() > 128 || challenge_bytes(&v.body).is_none() {
            return Err(ProtocolError::Malformed("challenge"));
        }
        e.learn_time(v.header.server_time, now);
        Ok(v.body)
    }
}

fn challenge_bytes(c: &PhoneSigninChallenge) -> Option<Vec<u8>> {
    unb64(&c.challenge).filter(|b| !b.is_empty())
}

/// Creates the phone sign-in key (user verification required; attested by the platform for
/// the provider's `challenge` when the key store can) and builds `POST
/// /nyckel/v1/phone-signin`: the new key signs the key proof naming the challenge, so the
/// platform asks for biometrics/PIN after the challenge arrived. Failures of the new key
/// (other than a cancelled or failed prompt) are [`ProtocolError::PhoneSigninKey`]; the
/// device key signing the request fails as [`ProtocolError::KeyStore`].
pub fn enable_phone_signin<'k>(
    enrollment: &Enrollment,
    challenge: &PhoneSigninChallenge,
    keys: &'k dyn DeviceKeyStore,
    random: &dyn Random,
    now: i64,
) -> Result<(HttpRequest, PhoneSigninEnable<'k>), ProtocolError> {
    let bytes = challenge_bytes(challenge).ok_or(ProtocolError::Malformed("challenge"))?;
    let key = NewKey::create_attested(keys, new_alias("phone", random)?, &bytes)
        .map_err(|e| ProtocolError::from(e).of_phone_signin_key())?;
    if !wire::is_p256_public_key(key.public_key()) {
        return Err(ProtocolError::BadPlatformKey);
    }
    let pk_b64 = b64(key.public_key());
    let proof_msg = wire::key_proof_string(&enrollment.device_id, &pk_b64, &challenge.challenge);
    let proof = sign_checked(keys, key.alias(), key.public_key(), proof_msg.as_bytes())
        .map_err(|e| e.of_phone_signin_key())?;
    let attestation = key.attestation().map(|(format, chain)| KeyAttestation {
        format: format.to_owned(),
        chain: chain.iter().map(|c| b64(c)).collect(),
    });
    let body = serde_json::to_vec(&PhoneSigninRequest {
        public_key: pk_b64,
        challenge: challenge.challenge.clone(),
        key_proof: b64(&proof),
        attestation,
    })
    .map_err(|_| ProtocolError::Malformed("request"))?;
    let signed = enrollment.signed(keys, random, "POST", ENDPOINT, body, now)?;
    Ok((signed.request, PhoneSigninEnable { key, nonce: signed.nonce }))
}

fn read_state(
    e: &mut Enrollment,
    resp: &HttpResponse,
    nonce: &str,
    now: i64,
) -> Result<PhoneSigninState, ProtocolError> {
    let v = open_answer::<PhoneSigninState>(e, resp, nonce, now)?;
    if v.body.device_id != e.device_id {
        return Err(ProtocolError::Substituted("device"));
    }
    e.learn_time(v.header.server_time, now);
    Ok(v.body)
}

impl<'k> PhoneSigninEnable<'k> {
    /// The alias of the new phone sign-in key.
    pub fn key_alias(&self) -> &str {
        self.key.alias()
    }

    /// Consumes the provider's answer; on success records the key in `enrollment` and
    /// returns the alias of the phone sign-in key it replaced, if any, **without deleting
    /// it**, and the new key's guard: persist `enrollment` first, then
    /// [`NewKey::commit`] the new key and delete the replaced one (if persisting fails, drop
    /// the guard: the stored enrollment still names the old key, which still exists). On
    /// error the new key is deleted.
    pub fn finish_pending(
        self,
        enrollment: &mut Enrollment,
        resp: &HttpResponse,
        now: i64,
    ) -> Result<(Option<String>, NewKey<'k>), ProtocolError> {
        let state = read_state(enrollment, resp, &self.nonce, now)?;
        let credential_id = match (state.enabled, state.credential_id) {
            (true, Some(c)) if super::enroll::valid_id(&c) => c,
            _ => return Err(ProtocolError::Malformed("credentialId")),
        };
        let phone = PhoneSignin {
            key_alias: self.key.alias().to_owned(),
            credential_id,
            public_key: b64(self.key.public_key()),
            sign_count: 0,
        };
        let old = enrollment
            .phone_signin
            .replace(phone)
            .map(|old| old.key_alias)
            .filter(|old| old != self.key.alias());
        Ok((old, self.key))
    }

    /// [`PhoneSigninEnable::finish_pending`], keeping the new key at once (for callers that
    /// save nothing that can fail afterwards).
    pub fn finish_deferred(
        self,
        enrollment: &mut Enrollment,
        resp: &HttpResponse,
        now: i64,
    ) -> Result<Option<String>, ProtocolError> {
        let (old, key) = self.finish_pending(enrollment, resp, now)?;
        key.commit();
        Ok(old)
    }

    /// [`PhoneSigninEnable::finish_deferred`], then deletes the replaced key at once: only
    /// for callers with nothing to persist that can fail afterwards (otherwise a failed save
    /// leaves a stored enrollment naming a deleted key).
    pub fn finish(
        self,
        enrollment: &mut Enrollment,
        keys: &dyn DeviceKeyStore,
        resp: &HttpResponse,
        now: i64,
    ) -> Result<(), ProtocolError> {
        if let Some(old) = self.finish_deferred(enrollment, resp, now)? {
            let _ = keys.delete_key(old);
        }
        Ok(())
    }
}

/// Builds `DELETE /nyckel/v1/phone-signin`, signed with the device key.
pub fn disable_phone_signin(
    enrollment: &Enrollment,
    keys: &dyn DeviceKeyStore,
    random: &dyn Random,
    now: i64,
) -> Result<(HttpRequest, PhoneSigninDisable), ProtocolError> {
    let signed = enrollment.signed(keys, random, "DELETE", ENDPOINT, Vec::new(), now)?;
    Ok((signed.request, PhoneSigninDisable { nonce: signed.nonce }))
}

impl PhoneSigninDisable {
    /// Consumes the provider's answer; on success clears phone sign-in from `enrollment`
    /// and returns the alias of its key **without deleting it**: persist `enrollment`
    /// first, then delete the key.
    pub fn finish_deferred(
        self,
        enrollment: &mut Enrollment,
        resp: &HttpResponse,
        now: i64,
    ) -> Result<Option<String>, ProtocolError> {
        let s = read_state(enrollment, resp, &self.nonce, now)?;
        if s.enabled {
            return Err(ProtocolError::UnexpectedPayload("still enabled"));
        }
        Ok(enrollment.phone_signin.take().map(|old| old.key_alias))
    }

    /// [`PhoneSigninDisable::finish_deferred`], then deletes the key at once: only for
    /// callers with nothing to persist that can fail afterwards.
    pub fn finish(
        self,
        enrollment: &mut Enrollment,
        keys: &dyn DeviceKeyStore,
        resp: &HttpResponse,
        now: i64,
    ) -> Result<(), ProtocolError> {
        if let Some(alias) = self.finish_deferred(enrollment, resp, now)? {
            let _ = keys.delete_key(alias);
        }
        Ok(())
    }
}
