//! Pending sign-in requests (§4.2): fetched with a device-signed call, verified with the
//! pinned provider key.

use super::envelope::open_answer;
use super::keys::DeviceKeyStore;
use super::wire::{unb64, PendingList};
use super::{Enrollment, HttpRequest, HttpResponse, ProtocolError};
use crate::random::Random;

pub use super::wire::{PendingRequest, RequestKind};

/// Most requests accepted in one list.
pub const MAX_PENDING: usize = 16;
/// Longest `app` / `location` accepted (characters).
pub const MAX_LABEL: usize = 128;

impl PendingRequest {
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

/// Builds `GET /nyckel/v1/requests`, signed with the device key.
pub fn fetch_pending(
    enrollment: &Enrollment,
    keys: &dyn DeviceKeyStore,
    random: &dyn Random,
    now: i64,
) -> Result<(HttpRequest, PendingFetch), ProtocolError> {
    let signed = enrollment.signed(keys, random, "GET", "/nyckel/v1/requests", Vec::new(), now)?;
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
    let v = open_answer::<PendingList>(enrollment, resp, &fetch.nonce, now)?;
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
