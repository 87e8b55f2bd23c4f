//! Pending sign-in requests (§4.2): fetched with a device-signed call, verified with the
//! pinned provider key.

use serde::{Deserialize, Serialize};

use super::envelope::{open, skew_time};
use super::keys::DeviceKeyStore;
use super::wire::{self, unb64};
use super::{Enrollment, HttpRequest, HttpResponse, ProtocolError};

/// Most requests accepted in one list.
pub const MAX_PENDING: usize = 16;
/// Longest `app` / `location` accepted (characters).
pub const MAX_LABEL: usize = 128;

/// What kind of sign-in a request is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RequestKind {
    /// Password + push approval (device key).
    Push,
    /// Passwordless phone sign-in (phone sign-in key with user verification).
    Passwordless,
}

impl RequestKind {
    /// Wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            RequestKind::Push => "push",
            RequestKind::Passwordless => "passwordless",
        }
    }
}

/// A sign-in request waiting for the user, as verified from the provider. Show `app`, `ip`,
/// `location`, the account and the time, then ask for the number on the sign-in screen.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PendingRequest {
    /// Request id.
    pub id: String,
    /// The WebAuthn challenge (b64url). Not secret, but never shown or logged.
    pub nonce: String,
    /// Push or passwordless.
    pub kind: RequestKind,
    /// Account name.
    #[serde(rename = "accountName")]
    pub account_name: String,
    /// The application asking for the sign-in.
    pub app: String,
    /// The client's IP address.
    pub ip: String,
    /// Approximate location (may be empty).
    pub location: String,
    /// Creation time (provider clock).
    #[serde(rename = "createdAt")]
    pub created_at: i64,
    /// Expiry (provider clock).
    #[serde(rename = "expiresAt")]
    pub expires_at: i64,
    /// Relying-party id.
    #[serde(rename = "rpId")]
    pub rp_id: String,
    /// Provider origin.
    pub origin: String,
}

impl std::fmt::Debug for PendingRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PendingRequest")
            .field("id", &self.id)
            .field("kind", &self.kind)
            .field("account_name", &self.account_name)
            .field("app", &self.app)
            .field("ip", &self.ip)
            .field("location", &self.location)
            .field("created_at", &self.created_at)
            .field("expires_at", &self.expires_at)
            .finish_non_exhaustive()
    }
}

impl PendingRequest {
    /// The context hash bound into the assertion (§6).
    pub fn context_hash(&self) -> String {
        wire::context_hash(&wire::Context {
            request_id: &self.id,
            kind: self.kind.as_str(),
            account_name: &self.account_name,
            app: &self.app,
            ip: &self.ip,
            location: &self.location,
            created_at: self.created_at,
            expires_at: self.expires_at,
            rp_id: &self.rp_id,
            origin: &self.origin,
        })
    }

    /// Seconds left before expiry, by provider time estimated from the device's `now`.
    /// Saturates: `expiresAt` is provider-supplied and may be any signed 64-bit value.
    pub fn seconds_left(&self, enrollment: &Enrollment, now: i64) -> i64 {
        self.expires_at.saturating_sub(enrollment.server_now(now)).max(0)
    }

    fn well_formed(&self) -> bool {
        super::enroll::valid_id(&self.id)
            && unb64(&self.nonce).is_some_and(|n| (16..=64).contains(&n.len()))
            && self.app.chars().count() <= MAX_LABEL
            && self.location.chars().count() <= MAX_LABEL
            && self.ip.len() <= 64
            && self.expires_at > self.created_at
    }
}

/// State kept between [`fetch_pending`] and [`parse_pending`].
#[derive(Debug, Clone)]
pub struct PendingFetch {
    nonce: String,
}

#[derive(Deserialize)]
struct PendingList {
    #[serde(rename = "deviceId")]
    device_id: String,
    #[serde(rename = "userId")]
    user_id: String,
    requests: Vec<PendingRequest>,
}

/// Builds `GET /nyckel/v1/requests`, signed with the device key.
pub fn fetch_pending(
    enrollment: &Enrollment,
    keys: &dyn DeviceKeyStore,
    now: i64,
) -> Result<(HttpRequest, PendingFetch), ProtocolError> {
    let signed = enrollment.signed(keys, "GET", "/nyckel/v1/requests", Vec::new(), now)?;
    Ok((signed.request, PendingFetch { nonce: signed.nonce }))
}

/// Verifies the provider's list with the pinned key and returns the requests still open.
/// Updates the enrollment's clock offset from the signed server time (persisting that is
/// optional). On [`ProtocolError::ClockSkew`] the offset was corrected: fetch again.
pub fn parse_pending(
    enrollment: &mut Enrollment,
    fetch: &PendingFetch,
    resp: &HttpResponse,
    now: i64,
) -> Result<Vec<PendingRequest>, ProtocolError> {
    let key = enrollment.provider_key_bytes()?;
    if let Some(t) = skew_time(resp, &key, &fetch.nonce) {
        enrollment.learn_time(t, now);
        return Err(ProtocolError::ClockSkew);
    }
    let v = open::<PendingList>(resp, &key, "nyckel.pending", Some(&fetch.nonce))?;
    let list = v.body;
    if list.device_id != enrollment.device_id {
        return Err(ProtocolError::Substituted("device"));
    }
    if list.user_id != enrollment.user_id {
        return Err(ProtocolError::Substituted("account"));
    }
    if list.requests.len() > MAX_PENDING {
        return Err(ProtocolError::TooLarge);
    }
    for r in &list.requests {
        if !r.well_formed() {
            return Err(ProtocolError::Malformed("request"));
        }
        if r.account_name != enrollment.account_name {
            return Err(ProtocolError::Substituted("account"));
        }
        if r.origin != enrollment.origin || r.rp_id != enrollment.rp_id {
            return Err(ProtocolError::Substituted("origin"));
        }
    }
    enrollment.learn_time(v.header.server_time, now);
    let server_now = v.header.server_time;
    Ok(list.requests.into_iter().filter(|r| r.expires_at > server_now).collect())
}
