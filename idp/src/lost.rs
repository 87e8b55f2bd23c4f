//! "Jag har tappat telefonen" on the account page: revoking one of the user's own phones at
//! once — its credentials, the user's sessions and every sign-in request still waiting — but
//! only after a fresh step-up with another method. The session alone is not enough (a stolen
//! browser session must not lock the owner out), and the lost phone can never be the method
//! that approves (whoever holds it could otherwise keep it).
//!
//! The two step-ups: an approval, with number matching, from another of the user's phones
//! (a push request started here, completed only if the approving credential's device is not
//! the lost one); or the password and a one-time code, each within its own guessing limits.

use nyckel_core::protocol::wire::b64;

use crate::config::Config;
use crate::error::Error;
use crate::guessing;
use crate::ids::{random_bytes, token_hash};
use crate::model::{
    CompletionVerdict, DeviceId, DeviceInfo, EventKind, NewSession, RequestId, RequestState,
    Revocation, UserId,
};
use crate::otp::{self, CodeRefusal};
use crate::signin::{self, Kind, SigninFrom, Started};
use crate::storage::Store;

/// What the user can prove besides the lost phone. Only methods the user had before the
/// browser session began count: the account page adds phones and one-time codes on the
/// session alone, so a stolen session must not bring its own second method.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct StepUps {
    /// The lost phone's name.
    pub phone: String,
    /// Active phones other than the lost one, added before the session (each can approve).
    pub other_phones: usize,
    /// A password and a one-time code confirmed before the session: the second way.
    pub password_and_code: bool,
    /// When the session began.
    pub session_started: i64,
}

impl StepUps {
    /// Whether any step-up is possible; without one only the administrator can help.
    pub(crate) fn any(&self) -> bool {
        self.other_phones > 0 || self.password_and_code
    }
}

/// The outcome of a step-up attempt that did not fail on storage.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum LostOutcome {
    /// The phone is revoked; the user's sessions have ended.
    Revoked,
    /// The approval has not come yet (the request still waits).
    Waiting,
    /// The lost phone itself approved: refused, and the request is dead.
    ApprovedByLostPhone,
    /// A phone added after this browser session began approved: refused, the request is
    /// dead (the session alone could have added it).
    ApprovedByNewPhone,
    /// The request is over without an approval (denied, wrong number, expired, superseded).
    NotApproved,
    /// The password is wrong.
    WrongPassword,
    /// The one-time code was refused.
    Code(CodeRefusal),
    /// No step-up of this kind is possible for the user.
    Unavailable,
}

fn active(d: &&DeviceInfo) -> bool {
    d.revoked_at.is_none()
}

/// The step-ups `name` has, in browser session `session`, for losing `lost`;
/// [`Error::NotFound`] unless `lost` is one of their active phones.
pub(crate) fn step_ups(
    store: &dyn Store,
    name: &str,
    session: &str,
    lost: &DeviceId,
) -> Result<StepUps, Error> {
    let started = store.session_started(&token_hash(session))?.ok_or(Error::NotFound("session"))?;
    let devices = store.devices_of(name)?;
    let Some(phone) = devices.iter().filter(active).find(|d| d.device_id == lost.as_str()) else {
        return Err(Error::NotFound("device"));
    };
    let other_phones = devices
        .iter()
        .filter(active)
        .filter(|d| d.device_id != lost.as_str() && d.created_at < started)
        .count();
    let user = store.user_by_name(name)?.ok_or(Error::UnknownUser)?;
    let code = user.otp_secret.is_some() && user.otp_confirmed_at.is_some_and(|t| t < started);
    Ok(StepUps {
        phone: phone.name.clone(),
        other_phones,
        password_and_code: code && user.password_hash.is_some(),
        session_started: started,
    })
}

/// Starts the approval step-up: a push request for `name` that another phone approves with
/// the number the page shows. `from.app` says on the phone what is approved.
pub(crate) fn start_approval(
    store: &dyn Store,
    cfg: &Config,
    name: &str,
    session: &str,
    lost: &DeviceId,
    from: &SigninFrom,
) -> Result<Option<Started>, Error> {
    if step_ups(store, name, session, lost)?.other_phones == 0 {
        return Ok(None);
    }
    signin::start(store, cfg, name, Kind::Push, from).map(Some)
}

/// Finishes the approval step-up: request `id` (with the page's status token) must have been
/// approved, in time, by a live credential of `user` on a device other than `lost` that was
/// added before the browser session `session` began (a phone enrolled with the account page's
/// QR code in a stolen session must not be the second method); then `lost` is revoked. The
/// request is used up either way once it was approved.
#[allow(clippy::too_many_arguments)] // each is one fact of the step-up
pub(crate) fn finish_approval(
    store: &dyn Store,
    cfg: &Config,
    user: &UserId,
    name: &str,
    lost: &DeviceId,
    session: &str,
    (id, token): (&str, &str),
    ip: &str,
) -> Result<LostOutcome, Error> {
    signin::check_token(store, id, token)?;
    let started = step_ups(store, name, session, lost)?.session_started;
    let devices = store.devices_of(name)?;
    let added_before =
        |d: &DeviceId| devices.iter().any(|i| i.device_id == d.as_str() && i.created_at < started);
    // The completion opens a session nobody holds (its token is dropped here); the
    // revocation below ends every session of the user anyway.
    let unheld = b64(&random_bytes(32));
    let session = NewSession { token_hash: token_hash(&unheld), ttl: 1 };
    let mut by_lost = false;
    let mut too_new = false;
    let mut wrong_user = false;
    let mut state = RequestState::Pending;
    let done = store.complete_request(&RequestId::new(id), &session, &*cfg.clock, &mut |c| {
        state = c.state;
        if c.user != *user {
            wrong_user = true;
            return CompletionVerdict::Refuse(Error::NotFound("request"));
        }
        if c.state == RequestState::Approved && c.approver_device.as_ref() == Some(lost) {
            by_lost = true;
            return CompletionVerdict::Expire;
        }
        if c.state == RequestState::Approved
            && !c.approver_device.as_ref().is_some_and(added_before)
        {
            too_new = true;
            return CompletionVerdict::Expire;
        }
        signin::judge_completion(c)
    })?;
    let Some((_, verdict)) = done else { return Err(Error::NotFound("request")) };
    let refused = |why: &str| {
        let detail = format!("lost {lost}: {why}");
        store.record_event(user, EventKind::StepUpRefused, &detail, ip, cfg.clock.now())
    };
    if wrong_user {
        return Err(Error::NotFound("request"));
    }
    if by_lost {
        refused("approved by the lost phone")?;
        tracing::warn!(device = %lost, "the lost phone approved its own removal; refused");
        return Ok(LostOutcome::ApprovedByLostPhone);
    }
    if too_new {
        refused("approved by a phone added during this session")?;
        return Ok(LostOutcome::ApprovedByNewPhone);
    }
    match verdict {
        CompletionVerdict::Complete => {}
        CompletionVerdict::Expire => {
            refused("approved too late")?;
            return Ok(LostOutcome::NotApproved);
        }
        CompletionVerdict::Refuse(_) if state == RequestState::Pending => {
            return Ok(LostOutcome::Waiting)
        }
        CompletionVerdict::Refuse(_) => {
            refused(&format!("request {}", state.as_str()))?;
            return Ok(LostOutcome::NotApproved);
        }
    }
    revoke(store, cfg, user, name, lost, "another phone's approval", ip)
}

/// The password-and-code step-up: `password` within the guessing limits, then a one-time
/// code (its own wrong-code limit); then `lost` is revoked. The caller holds a hashing slot.
#[allow(clippy::too_many_arguments)] // each is one fact of the step-up
pub(crate) fn with_password_and_code(
    store: &dyn Store,
    cfg: &Config,
    user: &UserId,
    name: &str,
    (session, lost): (&str, &DeviceId),
    password: &str,
    code: &str,
    ip: &str,
) -> Result<LostOutcome, Error> {
    if !step_ups(store, name, session, lost)?.password_and_code {
        return Ok(LostOutcome::Unavailable);
    }
    let refused = |why: &str| {
        let detail = format!("lost {lost}: {why}");
        store.record_event(user, EventKind::StepUpRefused, &detail, ip, cfg.clock.now())
    };
    let checked = guessing::check_password(store, &cfg.guessing, &*cfg.clock, name, password, ip)?;
    if checked.as_ref() != Some(user) {
        refused("wrong password")?;
        return Ok(LostOutcome::WrongPassword);
    }
    if let Err(r) = otp::step_up(store, cfg, user, code)? {
        // The code's refusal is in the log already (otp_refused).
        return Ok(LostOutcome::Code(r));
    }
    revoke(store, cfg, user, name, lost, "password and one-time code", ip)
}

/// Revokes `lost` as lost (re-checking under the write lock that it is still the user's
/// active phone) and records the step-up that allowed it.
fn revoke(
    store: &dyn Store,
    cfg: &Config,
    user: &UserId,
    name: &str,
    lost: &DeviceId,
    how: &str,
    ip: &str,
) -> Result<LostOutcome, Error> {
    let now = cfg.clock.now();
    let mut found = false;
    store.revoke_device_if(name, lost, Revocation::Lost, ip, now, &mut |devices| {
        found = devices.iter().filter(active).any(|d| d.device_id == lost.as_str());
        found
    })?;
    if !found {
        return Err(Error::NotFound("device"));
    }
    store.record_event(user, EventKind::StepUpPassed, &format!("lost {lost}: {how}"), ip, now)?;
    tracing::info!(device = %lost, "device reported lost and revoked");
    Ok(LostOutcome::Revoked)
}
