//! Device maintenance (§4.8, §4.9, §4.11): rotate the push token, ask what else the user can
//! sign in with, and unenroll from the app.

use super::envelope::open_answer;
use super::keys::DeviceKeyStore;
use super::wire::{Ack, DeviceStanding, PushTokenRequest};
use super::{Enrollment, HttpRequest, HttpResponse, ProtocolError};
use crate::random::Random;

const ENDPOINT: &str = "/nyckel/v1/device";

/// State between [`update_push_token`] / [`unenroll`] and [`DeviceAck::finish`].
#[derive(Debug)]
pub struct DeviceAck {
    nonce: String,
}

/// Builds `PUT /nyckel/v1/device` setting (or, with `None`, clearing) the push token.
/// Call it whenever FCM/APNs hands the app a new token.
pub fn update_push_token(
    enrollment: &Enrollment,
    push_token: Option<&str>,
    keys: &dyn DeviceKeyStore,
    random: &dyn Random,
    now: i64,
) -> Result<(HttpRequest, DeviceAck), ProtocolError> {
    let token = push_token.filter(|t| !t.is_empty());
    if token.is_some_and(|t| t.len() > super::enroll::MAX_PUSH_TOKEN) {
        return Err(ProtocolError::Malformed("push token too long"));
    }
    let body = serde_json::to_vec(&PushTokenRequest { push_token: token.map(str::to_owned) })
        .map_err(|_| ProtocolError::Malformed("request"))?;
    let signed = enrollment.signed(keys, random, "PUT", ENDPOINT, body, now)?;
    Ok((signed.request, DeviceAck { nonce: signed.nonce }))
}

/// Builds `DELETE /nyckel/v1/device`: the provider revokes this device and its keys. After
/// [`DeviceAck::finish`] succeeds, delete the keys ([`delete_keys`]) and the enrollment.
pub fn unenroll(
    enrollment: &Enrollment,
    keys: &dyn DeviceKeyStore,
    random: &dyn Random,
    now: i64,
) -> Result<(HttpRequest, DeviceAck), ProtocolError> {
    let signed = enrollment.signed(keys, random, "DELETE", ENDPOINT, Vec::new(), now)?;
    Ok((signed.request, DeviceAck { nonce: signed.nonce }))
}

/// What else the device's user can sign in with at the provider (§4.11).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Standing {
    /// The user's other phones that are not revoked.
    pub other_phones: u32,
    /// Whether the user has a confirmed one-time-code method there.
    pub one_time_code: bool,
}

impl Standing {
    /// This device is the user's only way in: unenrolling it leaves them unable to sign in
    /// until the administrator issues a new enrollment code.
    pub fn is_last_method(&self) -> bool {
        self.other_phones == 0 && !self.one_time_code
    }
}

/// State between [`standing`] and [`StandingCheck::finish`].
#[derive(Debug)]
pub struct StandingCheck {
    nonce: String,
}

/// Builds `GET /nyckel/v1/device`: what else the user can sign in with. Ask before
/// unenrolling, to warn when this device is the user's last way in.
pub fn standing(
    enrollment: &Enrollment,
    keys: &dyn DeviceKeyStore,
    random: &dyn Random,
    now: i64,
) -> Result<(HttpRequest, StandingCheck), ProtocolError> {
    let signed = enrollment.signed(keys, random, "GET", ENDPOINT, Vec::new(), now)?;
    Ok((signed.request, StandingCheck { nonce: signed.nonce }))
}

impl StandingCheck {
    /// Verifies the provider's signed answer.
    pub fn finish(
        self,
        enrollment: &mut Enrollment,
        resp: &HttpResponse,
        now: i64,
    ) -> Result<Standing, ProtocolError> {
        let v = open_answer::<DeviceStanding>(enrollment, resp, &self.nonce, now)?;
        if v.body.device_id != enrollment.device_id {
            return Err(ProtocolError::Substituted("device"));
        }
        enrollment.learn_time(v.header.server_time, now);
        Ok(Standing { other_phones: v.body.other_phones, one_time_code: v.body.one_time_code })
    }
}

impl DeviceAck {
    /// Verifies the provider's signed acknowledgement.
    pub fn finish(
        self,
        enrollment: &mut Enrollment,
        resp: &HttpResponse,
        now: i64,
    ) -> Result<(), ProtocolError> {
        let v = open_answer::<Ack>(enrollment, resp, &self.nonce, now)?;
        if v.body.device_id != enrollment.device_id {
            return Err(ProtocolError::Substituted("device"));
        }
        enrollment.learn_time(v.header.server_time, now);
        Ok(())
    }
}

/// Deletes every key of an enrollment from the key store (after unenrolling, or when the
/// provider says the device was revoked and the user removes the account).
pub fn delete_keys(
    enrollment: &Enrollment,
    keys: &dyn DeviceKeyStore,
) -> Result<(), ProtocolError> {
    keys.delete_key(enrollment.device_key_alias.clone())?;
    if let Some(a) = enrollment.phone_signin_key_alias() {
        keys.delete_key(a.to_owned())?;
    }
    Ok(())
}
