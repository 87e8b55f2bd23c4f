//! A fresh step-up on the account page: what a signed-in user proves, besides the browser
//! session, before the page revokes a lost phone, removes a method or adds one. A stolen
//! session alone must neither lock the owner out, strip their methods nor bring its own.
//!
//! The two step-ups: an approval, with number matching, from one of the user's phones (a push
//! request started here, which never reaches the phone a lost-phone step-up is about), or the
//! password and a one-time code, each within its own guessing limits.
//!
//! Which methods may vouch ([`Vouching`]): those the user had before the browser session
//! began. A method added during the session does not, even though adding it took a step-up:
//! whoever got the user to approve adding their phone once must not turn round and use it,
//! in the same session, to remove the user's methods or add more. Nothing is lost by it: in
//! such a session a method from before it is always there (removing or losing any method ends
//! every session of the user), and the next sign-in makes the new one count. The one
//! exception is the **enrollment bootstrap**: a session that began while the user had no
//! method at all — only a password sign-in of a user who never had a device and has no
//! confirmed one-time code gets one (`web.rs`) — adds the first method on the session alone, and every method added since counts
//! in it (there is nothing of the user's to protect, and otherwise their first phone could not
//! confirm a second method without a new sign-in).
//!
//! What the user had at the start is recorded with the session (schema v18: the user's devices
//! then, whether their code was confirmed, the bootstrap), so a method added in the session's
//! own second is told apart exactly. A session opened before v18 has no record and is judged
//! by its start's second, as then.

use nyckel_core::protocol::wire::b64;

use crate::config::Config;
use crate::error::Error;
use crate::guessing;
use crate::ids::{random_bytes, token_hash};
use crate::model::{
    CompletionVerdict, DeviceId, DeviceInfo, EventKind, MethodsAtStart, NewSession, RequestId,
    RequestState, SessionStart, UserId,
};
use crate::otp::{self, CodeRefusal};
use crate::signin::{self, BrowserStart, Kind, SigninFrom, Started};
use crate::storage::Store;

/// What a step-up is for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Purpose {
    /// Revoking this phone, reported lost: it never sees the request and cannot approve it.
    Lost(DeviceId),
    /// Adding a phone (an enrollment code).
    AddPhone,
    /// Adding a one-time-code method (its secret).
    AddCode,
    /// Removing this phone ("Ta bort": the phone is in hand, so it may approve its own
    /// removal); `warned` once the page has shown that it is the user's last phone.
    RemovePhone {
        /// The phone.
        device: DeviceId,
        /// The user saw the last-method warning.
        warned: bool,
    },
    /// Removing the one-time code ("Ta bort verifieringskoden"; the code itself may be the
    /// step-up's); `warned` once the page has shown that it is the user's last method.
    RemoveCode {
        /// The user saw the last-method warning.
        warned: bool,
    },
}

impl Purpose {
    /// The phone the step-up's request must never reach.
    fn excluded(&self) -> Option<&DeviceId> {
        match self {
            Purpose::Lost(device) => Some(device),
            Purpose::AddPhone
            | Purpose::AddCode
            | Purpose::RemovePhone { .. }
            | Purpose::RemoveCode { .. } => None,
        }
    }

    /// What the administrator's events say it was for.
    pub(crate) fn detail(&self) -> String {
        match self {
            Purpose::Lost(device) => format!("lost {device}"),
            Purpose::AddPhone => "add phone".to_owned(),
            Purpose::AddCode => "add one-time code".to_owned(),
            Purpose::RemovePhone { device, .. } => format!("remove {device}"),
            Purpose::RemoveCode { .. } => "remove one-time code".to_owned(),
        }
    }
}

/// Which of a user's methods may vouch for a change in one browser session.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Vouching {
    /// When the session began.
    pub started: i64,
    /// The session began while the user had no method (the enrollment bootstrap).
    pub bootstrap: bool,
    /// The methods recorded at its start; `None` for a session from before schema v18.
    at_start: Option<MethodsAtStart>,
}

impl Vouching {
    /// For session `start`, given the user's phones and when their one-time code was
    /// confirmed (pure). With the methods recorded at its start, exactly those; without (a
    /// session from before schema v18), by the second: a phone added or a code confirmed in
    /// the session's first second counts as there at its start (no bootstrap) yet cannot vouch.
    pub(crate) fn judge(
        start: SessionStart,
        devices: &[DeviceInfo],
        confirmed: Option<i64>,
    ) -> Self {
        let started = start.started;
        if let Some(at_start) = start.methods {
            return Vouching { started, bootstrap: at_start.bootstrap, at_start: Some(at_start) };
        }
        let phone = devices
            .iter()
            .any(|d| d.created_at <= started && d.revoked_at.is_none_or(|r| r > started));
        let code = confirmed.is_some_and(|t| t <= started);
        Vouching { started, bootstrap: !phone && !code, at_start: None }
    }

    /// Whether phone `device` may vouch in the session.
    pub(crate) fn phone(&self, device: &DeviceInfo) -> bool {
        self.bootstrap
            || match &self.at_start {
                Some(m) => m.devices.iter().any(|d| d.as_str() == device.device_id),
                None => device.created_at < self.started,
            }
    }

    /// Whether the one-time code, confirmed at `confirmed`, may vouch in the session.
    pub(crate) fn code(&self, confirmed: i64) -> bool {
        self.bootstrap
            || match &self.at_start {
                Some(m) => m.code,
                None => confirmed < self.started,
            }
    }
}

/// The step-ups a user has in a browser session.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct StepUps {
    /// Active phones that may vouch ([`Vouching`]), other than an excluded one.
    pub other_phones: usize,
    /// A password and a confirmed one-time code that may vouch: the second way.
    pub password_and_code: bool,
    /// Which methods may vouch in the session.
    pub vouching: Vouching,
}

impl StepUps {
    /// Whether any step-up is possible.
    pub(crate) fn any(&self) -> bool {
        self.other_phones > 0 || self.password_and_code
    }
}

/// The outcome of a step-up attempt that did not fail on storage.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Checked {
    /// Passed, by the way named (for the events).
    Passed(&'static str),
    /// The approval has not come yet (the request still waits).
    Waiting,
    /// The excluded phone itself approved (it never should have seen the request): refused,
    /// and the request is dead.
    ApprovedByExcluded,
    /// A phone that may not vouch in this session (added during it, outside the bootstrap)
    /// approved: refused, the request is dead.
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

/// The step-ups `name` has in browser session `session` (token), not counting `excluded`.
pub(crate) fn step_ups(
    store: &dyn Store,
    name: &str,
    session: &str,
    excluded: Option<&DeviceId>,
) -> Result<StepUps, Error> {
    let start = store.session_started(&token_hash(session))?.ok_or(Error::NotFound("session"))?;
    let devices = store.devices_of(name)?;
    let user = store.user_by_name(name)?.ok_or(Error::UnknownUser)?;
    let confirmed = user.otp_confirmed_at.filter(|_| user.otp_secret.is_some());
    let vouching = Vouching::judge(start, &devices, confirmed);
    let other_phones = devices
        .iter()
        .filter(active)
        .filter(|d| excluded.is_none_or(|x| d.device_id != x.as_str()))
        .filter(|d| vouching.phone(d))
        .count();
    let code = confirmed.is_some_and(|t| vouching.code(t));
    Ok(StepUps { other_phones, password_and_code: code && user.password_hash.is_some(), vouching })
}

/// Starts the approval step-up for `purpose`: a push request for `name` that another phone
/// approves with the number the page shows (`from.app` says on the phone what is approved);
/// `None` when no phone can. It starts in the user's browser as a sign-in does: `browser`'s
/// recognised-browser cookie keeps the request when open requests are bounded.
pub(crate) fn start_approval(
    store: &dyn Store,
    cfg: &Config,
    (name, session): (&str, &str),
    purpose: &Purpose,
    from: &SigninFrom,
    browser: &BrowserStart,
) -> Result<Option<Started>, Error> {
    let excluded = purpose.excluded();
    if step_ups(store, name, session, excluded)?.other_phones == 0 {
        return Ok(None);
    }
    signin::start_excluding_in_browser(store, cfg, name, Kind::Push, from, excluded, browser)
        .map(Some)
}

/// Checks the approval step-up: request `id` (with the page's status token) must have been
/// approved, in time, by a live credential of `user` on a device that is not excluded and may
/// vouch in the browser session `session` ([`Vouching`]). The request is used up either way once
/// it was approved. A refusal is recorded (`step_up_refused`).
#[allow(clippy::too_many_arguments)] // each is one fact of the step-up
pub(crate) fn check_approval(
    store: &dyn Store,
    cfg: &Config,
    (user, name): (&UserId, &str),
    purpose: &Purpose,
    session: &str,
    (id, token): (&str, &str),
    ip: &str,
) -> Result<Checked, Error> {
    signin::check_token(store, id, token)?;
    let excluded = purpose.excluded();
    let vouching = step_ups(store, name, session, excluded)?.vouching;
    let devices = store.devices_of(name)?;
    let added_before =
        |d: &DeviceId| devices.iter().any(|i| i.device_id == d.as_str() && vouching.phone(i));
    // The completion opens a session nobody holds (its token is dropped here).
    let unheld = b64(&random_bytes(32));
    let new_session = NewSession { token_hash: token_hash(&unheld), ttl: 1 };
    let mut by_excluded = false;
    let mut too_new = false;
    let mut wrong_user = false;
    let mut state = RequestState::Pending;
    let done =
        store.complete_request(&RequestId::new(id), &new_session, &*cfg.clock, &mut |c| {
            state = c.state;
            if c.user != *user {
                wrong_user = true;
                return CompletionVerdict::Refuse(Error::NotFound("request"));
            }
            let approved = c.state == RequestState::Approved;
            // Defence in depth: the excluded phone cannot decide the request at all.
            if approved && excluded.is_some() && c.approver_device.as_ref() == excluded {
                by_excluded = true;
                return CompletionVerdict::Expire;
            }
            if approved && !c.approver_device.as_ref().is_some_and(added_before) {
                too_new = true;
                return CompletionVerdict::Expire;
            }
            signin::judge_completion(c)
        })?;
    let Some((_, verdict)) = done else { return Err(Error::NotFound("request")) };
    if wrong_user {
        return Err(Error::NotFound("request"));
    }
    let refused = |why: &str| refused(store, cfg, user, purpose, why, ip);
    if by_excluded {
        refused("approved by the lost phone")?;
        tracing::warn!(purpose = %purpose.detail(), "the excluded phone approved; refused");
        return Ok(Checked::ApprovedByExcluded);
    }
    if too_new {
        refused("approved by a phone added during this session")?;
        return Ok(Checked::ApprovedByNewPhone);
    }
    match verdict {
        CompletionVerdict::Complete => Ok(Checked::Passed("another phone's approval")),
        CompletionVerdict::Expire => {
            refused("approved too late")?;
            Ok(Checked::NotApproved)
        }
        CompletionVerdict::Refuse(_) if state == RequestState::Pending => Ok(Checked::Waiting),
        CompletionVerdict::Refuse(_) => {
            refused(&format!("request {}", state.as_str()))?;
            Ok(Checked::NotApproved)
        }
    }
}

/// Checks the password-and-code step-up: `password` within the guessing limits, then a
/// one-time code (its own wrong-code limit). The caller holds a hashing slot.
#[allow(clippy::too_many_arguments)] // each is one fact of the step-up
pub(crate) fn check_password_and_code(
    store: &dyn Store,
    cfg: &Config,
    (user, name): (&UserId, &str),
    purpose: &Purpose,
    session: &str,
    (password, code): (&str, &str),
    from: &guessing::AttemptFrom<'_>,
) -> Result<Checked, Error> {
    let ip = from.ip;
    if !step_ups(store, name, session, purpose.excluded())?.password_and_code {
        return Ok(Checked::Unavailable);
    }
    let checked = guessing::check_password(store, cfg, name, password, from)?;
    if checked.as_ref() != Some(user) {
        refused(store, cfg, user, purpose, "wrong password", ip)?;
        return Ok(Checked::WrongPassword);
    }
    if let Err(r) = otp::step_up(store, cfg, user, code)? {
        // The code's refusal is in the log already (otp_refused).
        return Ok(Checked::Code(r));
    }
    Ok(Checked::Passed("password and one-time code"))
}

/// Records a passed step-up (`step_up_passed`: what for, how, from where).
pub(crate) fn passed(
    store: &dyn Store,
    cfg: &Config,
    user: &UserId,
    purpose: &Purpose,
    how: &str,
    ip: &str,
) -> Result<(), Error> {
    let detail = format!("{}: {how}", purpose.detail());
    store.record_event(user, EventKind::StepUpPassed, &detail, ip, cfg.clock.now())?;
    Ok(())
}

fn refused(
    store: &dyn Store,
    cfg: &Config,
    user: &UserId,
    purpose: &Purpose,
    why: &str,
    ip: &str,
) -> Result<(), Error> {
    let detail = format!("{}: {why}", purpose.detail());
    store.record_event(user, EventKind::StepUpRefused, &detail, ip, cfg.clock.now())?;
    Ok(())
}

/// Whether `name` already has a sign-in method (an active phone or a confirmed one-time
/// code): then adding another needs a step-up; without one the session adds the first.
pub(crate) fn has_method(store: &dyn Store, name: &str) -> Result<bool, Error> {
    let phone = store.devices_of(name)?.iter().any(|d| d.revoked_at.is_none());
    let user = store.user_by_name(name)?.ok_or(Error::UnknownUser)?;
    Ok(phone || (user.otp_secret.is_some() && user.otp_confirmed_at.is_some()))
}

/// How a method may be added in a browser session.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Adding {
    /// The user has a method: only after a step-up.
    AfterStepUp,
    /// The enrollment bootstrap: no method, in a session that began without one (a password
    /// sign-in of a user who never had a device): the session alone adds the first.
    First,
    /// No method left, but the session began with one (they went while it lasted): the
    /// session cannot add the first; sign in again (the administrator, for a user who had a
    /// device).
    NotThisSession,
}

/// How `name` may add a method in browser session `session` (token).
pub(crate) fn adding(store: &dyn Store, name: &str, session: &str) -> Result<Adding, Error> {
    if has_method(store, name)? {
        return Ok(Adding::AfterStepUp);
    }
    Ok(match step_ups(store, name, session, None)?.vouching.bootstrap {
        true => Adding::First,
        false => Adding::NotThisSession,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn phone(created_at: i64, revoked_at: Option<i64>) -> DeviceInfo {
        DeviceInfo {
            device_id: format!("d{created_at}"),
            name: "Telefon".into(),
            created_at,
            revoked_at,
            phone_signin: false,
            has_push_token: true,
            last_used_at: None,
            phone_signin_attestation: None,
        }
    }

    /// A session from before schema v18: no record of the methods at its start.
    fn old(started: i64) -> SessionStart {
        SessionStart { started, methods: None }
    }

    #[test]
    fn in_an_old_session_only_methods_from_before_its_second_vouch_outside_the_bootstrap() {
        // A phone from before the session: it vouches, one added during the session does not.
        let (before, during) = (phone(50, None), phone(150, None));
        let v = Vouching::judge(old(100), &[before.clone(), during.clone()], None);
        assert!(!v.bootstrap);
        assert!(v.phone(&before) && !v.phone(&phone(100, None)) && !v.phone(&during));
        // A code confirmed before the session makes it no bootstrap either.
        let v = Vouching::judge(old(100), std::slice::from_ref(&during), Some(99));
        assert!(!v.bootstrap && v.code(99) && !v.code(100) && !v.phone(&during));
        // A phone that was active when the session began, revoked since, still made it one
        // with a method (revocation ends sessions anyway).
        let v = Vouching::judge(old(100), &[phone(50, Some(120)), phone(110, None)], None);
        assert!(!v.bootstrap && !v.phone(&phone(110, None)));
        // Added in the session's first second: treated as there at its start.
        assert!(!Vouching::judge(old(100), &[phone(100, None)], None).bootstrap);
        assert!(!Vouching::judge(old(100), &[], Some(100)).bootstrap);
    }

    #[test]
    fn in_an_old_bootstrap_session_every_method_added_since_vouches() {
        // No method when it began (a phone revoked before then does not count).
        let v = Vouching::judge(old(100), &[phone(10, Some(20)), phone(150, None)], Some(160));
        assert!(v.bootstrap);
        assert!(v.phone(&phone(150, None)) && v.code(160));
        assert!(Vouching::judge(old(100), &[], None).bootstrap);
    }

    #[test]
    fn a_recorded_start_decides_by_what_was_there_not_by_the_second() {
        let there = phone(100, None);
        let start = |devices: Vec<DeviceId>, code, bootstrap| SessionStart {
            started: 100,
            methods: Some(MethodsAtStart { devices, code, bootstrap }),
        };
        // Both phones in the start's second; only the one recorded at the start vouches.
        let at_start = start(vec![DeviceId::new("d100")], false, false);
        let new = DeviceInfo { device_id: "new".into(), ..phone(100, None) };
        let v = Vouching::judge(at_start, &[there.clone(), new.clone()], Some(100));
        assert!(!v.bootstrap && v.phone(&there) && !v.phone(&new) && !v.code(100));
        // A code confirmed at the start, in its second, vouches.
        assert!(Vouching::judge(start(vec![], true, false), &[], Some(100)).code(100));
        // The bootstrap recorded at the start holds though a phone is now from its second.
        let v = Vouching::judge(start(vec![], false, true), std::slice::from_ref(&there), None);
        assert!(v.bootstrap && v.phone(&there) && v.code(100));
    }
}
