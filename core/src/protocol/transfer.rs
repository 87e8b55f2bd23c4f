//! Moving to a new phone (§4.10): an enrolled device asks its provider for a single-use
//! transfer enrollment code; a new phone enrolls with it (new keys, [`super::enroll`]) and the
//! provider revokes the old device at the new one's first authenticated call.

use zeroize::Zeroizing;

use super::envelope::open_answer;
use super::keys::DeviceKeyStore;
use super::url::BaseUrl;
use super::wire::{self, TransferCode};
use super::{EnrollUri, Enrollment, HttpRequest, HttpResponse, ProtocolError};
use crate::random::Random;

const ENDPOINT: &str = "/nyckel/v1/transfer";

/// A transfer enrollment code as the provider issued it, checked against the enrollment
/// that asked for it. `enroll_uri` holds the activation code: never log or show it except
/// inside the encrypted transfer package.
#[derive(Clone, PartialEq, Eq)]
pub struct TransferOffer {
    /// The `nyckel-enroll://` URI the new phone enrolls with.
    pub enroll_uri: Zeroizing<String>,
    /// When the code expires (provider time).
    pub expires_at: i64,
    /// The URI re-delivers the provider's managed one-time-code secret (`otp` with
    /// `otp_managed=1`): the new phone gets it from the provider, not from this phone.
    pub managed_otp: bool,
}

impl std::fmt::Debug for TransferOffer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TransferOffer")
            .field("expires_at", &self.expires_at)
            .field("managed_otp", &self.managed_otp)
            .finish_non_exhaustive()
    }
}

/// State between [`request_transfer`] and [`TransferRequest::finish`].
#[derive(Debug)]
pub struct TransferRequest {
    nonce: String,
}

/// Builds `POST /nyckel/v1/transfer` (empty body), signed with the device key.
pub fn request_transfer(
    enrollment: &Enrollment,
    keys: &dyn DeviceKeyStore,
    random: &dyn Random,
    now: i64,
) -> Result<(HttpRequest, TransferRequest), ProtocolError> {
    let signed = enrollment.signed(keys, random, "POST", ENDPOINT, Vec::new(), now)?;
    Ok((signed.request, TransferRequest { nonce: signed.nonce }))
}

impl TransferRequest {
    /// Verifies the provider's signed `nyckel.transfer` answer: for this device and user, with
    /// an enrollment URI for the same provider (origin and pinned key's fingerprint), so a
    /// new phone that trusts the package pins the key this phone pinned.
    pub fn finish(
        self,
        enrollment: &mut Enrollment,
        resp: &HttpResponse,
        now: i64,
    ) -> Result<TransferOffer, ProtocolError> {
        let v = open_answer::<TransferCode>(enrollment, resp, &self.nonce, now)?;
        let t = v.body;
        let enroll_uri = Zeroizing::new(t.enroll_uri);
        if t.device_id != enrollment.device_id {
            return Err(ProtocolError::Substituted("device"));
        }
        if t.user_id != enrollment.user_id {
            return Err(ProtocolError::Substituted("account"));
        }
        let uri =
            EnrollUri::parse(&enroll_uri).map_err(|_| ProtocolError::Malformed("enrollUri"))?;
        // Only a managed secret may ride along: a personal one moves in the package, from
        // this phone, or not at all.
        if uri.otp.is_some() && !uri.otp_managed {
            return Err(ProtocolError::Malformed("enrollUri"));
        }
        if uri.fingerprint != wire::fingerprint(&enrollment.provider_key_bytes()?) {
            return Err(ProtocolError::Substituted("provider key"));
        }
        let base =
            BaseUrl::parse(&uri.base_url).map_err(|_| ProtocolError::Malformed("enrollUri"))?;
        if base.origin != enrollment.origin {
            return Err(ProtocolError::Substituted("origin"));
        }
        enrollment.learn_time(v.header.server_time, now);
        let managed_otp = uri.otp.is_some();
        Ok(TransferOffer { enroll_uri, expires_at: t.expires_at, managed_otp })
    }
}
