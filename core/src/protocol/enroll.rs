//! Enrollment (§4.1): register a device key with an activation code and pin the provider key.

use crate::random::{self, Random};
use serde::{Deserialize, Serialize};

use super::envelope::{self, open};
use super::http::{device_request, Signer};
use super::keys::DeviceKeyStore;
use super::new_key::NewKey;
use super::url::BaseUrl;
use super::wire::{self, b64, unb64, EnrollRequest, Enrolled};
use super::{EnrollUri, HttpRequest, HttpResponse, ProtocolError};

/// Longest device name sent.
pub const MAX_DEVICE_NAME: usize = 64;
/// Longest push token sent.
pub const MAX_PUSH_TOKEN: usize = 4096;

/// An enrolled account. Holds no secret key material: keys live in the [`DeviceKeyStore`]
/// under the aliases named here. The vault stores it sealed, in its own frozen record format
/// (`vault::records`), so renaming a field here never changes the vault format (the serde
/// form is only for tools' scratch files, such as `idp/examples/device.rs`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Enrollment {
    /// Provider base URL (normalised).
    pub base_url: String,
    /// Provider origin (WebAuthn).
    pub origin: String,
    /// WebAuthn relying-party id.
    pub rp_id: String,
    /// Provider display name.
    pub issuer: String,
    /// The pinned provider public key, b64url SEC1.
    pub provider_key: String,
    /// Account name.
    pub account_name: String,
    /// The provider's user id.
    pub user_id: String,
    /// The provider's device id (also the device key's credential id).
    pub device_id: String,
    /// The device name registered.
    pub device_name: String,
    /// Alias of the device key in the key store.
    pub device_key_alias: String,
    /// The device public key, b64url SEC1.
    pub device_public_key: String,
    /// The device key's signature counter (last value used).
    pub sign_count: u32,
    /// Phone sign-in (passwordless), when enabled.
    pub phone_signin: Option<PhoneSignin>,
    /// Provider time minus device time, seconds, learned from signed server time.
    pub clock_offset: i64,
    /// Id of the OTP account added from the same enrollment, if any (set by the vault).
    pub otp_account_id: Option<i64>,
    /// True when the enrollment marked that OTP secret as managed by the organisation
    /// (`otp_managed=1` in the enrollment QR): it is never exported.
    #[serde(default)]
    pub otp_managed: bool,
    /// When the enrollment happened (provider time).
    pub enrolled_at: i64,
}

/// An enrollment's phone sign-in (user-verification) key, registered with the provider.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PhoneSignin {
    /// Alias of the key in the key store (`nyckel-phone-…`).
    pub key_alias: String,
    /// The credential id the provider issued for it.
    pub credential_id: String,
    /// Its public key, b64url SEC1.
    pub public_key: String,
    /// Its signature counter (last value used).
    pub sign_count: u32,
}

impl Enrollment {
    /// The provider's clock estimated from the device's `now` (use for TOTP too).
    pub fn server_now(&self, now: i64) -> i64 {
        now.saturating_add(self.clock_offset)
    }

    /// True when phone sign-in is enabled.
    pub fn phone_signin_enabled(&self) -> bool {
        self.phone_signin.is_some()
    }

    /// The alias of the phone sign-in key, when enabled.
    pub fn phone_signin_key_alias(&self) -> Option<&str> {
        self.phone_signin.as_ref().map(|p| p.key_alias.as_str())
    }

    pub(crate) fn provider_key_bytes(&self) -> Result<Vec<u8>, ProtocolError> {
        unb64(&self.provider_key)
            .filter(|k| wire::is_p256_public_key(k))
            .ok_or(ProtocolError::InvalidEnrollment("provider key"))
    }

    pub(crate) fn device_key_bytes(&self) -> Result<Vec<u8>, ProtocolError> {
        unb64(&self.device_public_key)
            .filter(|k| wire::is_p256_public_key(k))
            .ok_or(ProtocolError::InvalidEnrollment("device key"))
    }

    /// Learns the clock offset from a verified `serverTime` received at device time `now`.
    pub(crate) fn learn_time(&mut self, server_time: i64, now: i64) {
        self.clock_offset = server_time.saturating_sub(now);
    }

    /// Builds a request signed with the device key.
    pub(crate) fn signed(
        &self,
        keys: &dyn DeviceKeyStore,
        random: &dyn Random,
        method: &str,
        endpoint: &str,
        body: Vec<u8>,
        now: i64,
    ) -> Result<super::http::SignedRequest, ProtocolError> {
        let pk = self.device_key_bytes()?;
        let signer = Signer { keys, alias: &self.device_key_alias, public_key: &pk, random };
        device_request(
            method,
            &self.base_url,
            endpoint,
            "",
            &self.device_id,
            self.server_now(now),
            body,
            &signer,
        )
    }
}

/// State kept between [`begin`] and [`EnrollState::finish`]. It owns the new device key
/// ([`NewKey`]): dropped without finishing, it deletes the key.
#[derive(Debug)]
pub struct EnrollState<'k> {
    uri: EnrollUri,
    key: NewKey<'k>,
    device_name: String,
    nonce: String,
}

/// A fresh, unguessable key alias.
pub(crate) fn new_alias(prefix: &str, random: &dyn Random) -> Result<String, ProtocolError> {
    Ok(format!("nyckel-{prefix}-{}", random::b64(random, 12)?))
}

/// An identifier as §1 defines it: an opaque string of 1–64 characters of the b64url
/// alphabet `[A-Za-z0-9_-]`. It need not decode as base64 ("A", "42", "user-1" are ids).
pub(crate) fn valid_id(s: &str) -> bool {
    (1..=64).contains(&s.len())
        && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// Starts enrolling: creates a device key (no user verification) and builds the
/// `POST /nyckel/v1/enroll` request, signed with the new key. The returned state owns the
/// key; on an error here the key is already gone.
pub fn begin<'k>(
    uri: &EnrollUri,
    device_name: &str,
    push_token: Option<&str>,
    keys: &'k dyn DeviceKeyStore,
    random: &dyn Random,
    now: i64,
) -> Result<(HttpRequest, EnrollState<'k>), ProtocolError> {
    // Never send what the provider refuses to show (bidi controls, invisibles, controls).
    let device_name: String = device_name
        .chars()
        .filter(|c| !wire::is_unsafe_display_char(*c))
        .take(MAX_DEVICE_NAME)
        .collect();
    let push_token = push_token.filter(|t| !t.is_empty() && t.len() <= MAX_PUSH_TOKEN);
    let key = NewKey::create(keys, new_alias("device", random)?, false)?;
    if !wire::is_p256_public_key(key.public_key()) {
        return Err(ProtocolError::BadPlatformKey);
    }
    let body = serde_json::to_vec(&EnrollRequest {
        activation_code: uri.activation_code.clone(),
        device_public_key: b64(key.public_key()),
        device_name: device_name.clone(),
        push_token: push_token.map(str::to_owned),
    })
    .map_err(|_| ProtocolError::Malformed("request"))?;
    let signer = Signer { keys, alias: key.alias(), public_key: key.public_key(), random };
    let signed =
        device_request("POST", &uri.base_url, "/nyckel/v1/enroll", "", "new", now, body, &signer)?;
    Ok((signed.request, EnrollState { uri: uri.clone(), key, device_name, nonce: signed.nonce }))
}

impl<'k> EnrollState<'k> {
    /// The key alias created for this enrollment.
    pub fn key_alias(&self) -> &str {
        self.key.alias()
    }

    /// Consumes the provider's answer. On success returns the [`Enrollment`] to persist and
    /// keeps the key (for callers with nothing to save that can fail afterwards; see
    /// [`EnrollState::finish_pending`]); on any error the new device key is deleted and
    /// nothing is to be stored.
    pub fn finish(self, resp: &HttpResponse, now: i64) -> Result<Enrollment, ProtocolError> {
        let (enrollment, key) = self.finish_pending(resp, now)?;
        key.commit();
        Ok(enrollment)
    }

    /// Consumes the provider's answer. On success returns the [`Enrollment`] and the key's
    /// guard: save the enrollment, then [`NewKey::commit`] (a failed save drops the guard,
    /// which deletes the key). On any error the key is deleted.
    pub fn finish_pending(
        self,
        resp: &HttpResponse,
        now: i64,
    ) -> Result<(Enrollment, NewKey<'k>), ProtocolError> {
        let enrollment = self.verify(resp, now)?;
        Ok((enrollment, self.key))
    }

    fn verify(&self, resp: &HttpResponse, now: i64) -> Result<Enrollment, ProtocolError> {
        if !(200..300).contains(&resp.status) {
            return Err(envelope::error_of(resp));
        }
        let provider_key = envelope::provider_key_of(resp)?;
        if wire::fingerprint(&provider_key) != self.uri.fingerprint {
            return Err(ProtocolError::ProviderKeyMismatch);
        }
        let v = open::<Enrolled>(resp, &provider_key, Some(&self.nonce))?;
        let e = v.body;
        if e.device_public_key != b64(self.key.public_key()) {
            return Err(ProtocolError::Substituted("device key"));
        }
        if !valid_id(&e.device_id) || !valid_id(&e.user_id) {
            return Err(ProtocolError::Malformed("ids"));
        }
        let base = BaseUrl::parse(&self.uri.base_url)
            .map_err(|_| ProtocolError::InvalidEnrollment("base URL"))?;
        if e.origin != base.origin {
            return Err(ProtocolError::Substituted("origin"));
        }
        if !base.allows_rp_id(&e.rp_id) {
            return Err(ProtocolError::Substituted("rpId"));
        }
        if e.account_name.is_empty() || e.account_name.len() > super::uri::MAX_ACCOUNT_LEN {
            return Err(ProtocolError::Malformed("accountName"));
        }
        let mut enrollment = Enrollment {
            base_url: base.base,
            origin: e.origin,
            rp_id: e.rp_id,
            issuer: e.issuer.or_else(|| self.uri.issuer.clone()).unwrap_or_default(),
            provider_key: b64(&provider_key),
            account_name: e.account_name,
            user_id: e.user_id,
            device_id: e.device_id,
            device_name: self.device_name.clone(),
            device_key_alias: self.key.alias().to_owned(),
            device_public_key: b64(self.key.public_key()),
            sign_count: 0,
            phone_signin: None,
            clock_offset: 0,
            otp_account_id: None,
            otp_managed: self.uri.otp.is_some() && self.uri.otp_managed,
            enrolled_at: v.header.server_time,
        };
        enrollment.learn_time(v.header.server_time, now);
        Ok(enrollment)
    }
}
