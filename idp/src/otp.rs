//! One-time codes (RFC 6238 TOTP from the user's Nyckel account) as a sign-in method, and
//! their activation: the seed guides' "Använd en verifieringskod" and "ange koden för att
//! slutföra aktiveringen".
//!
//! The rules, judged by [`judge`] on what the store read under its write lock: a secret is a
//! sign-in method only once confirmed with a code from the app; a code is accepted for the
//! current time step or one step either side; each step's code is accepted once (a code at or
//! before the last accepted step is refused as reused); at most [`MAX_WRONG`] wrong or reused
//! codes per user in [`WRONG_WINDOW`] seconds, then every code is refused, unchecked, until
//! the oldest failure leaves the window. A sign-in by code completes the user's pending push
//! request (whose password was checked when it started) instead of the phone's approval, and
//! like an approval it is the user's presence for the push budget (`push_budget::answered`).

use nyckel_core::codes::totp;
use nyckel_core::otpauth::{decode_secret, Algorithm};
use nyckel_core::protocol::wire::{b64, RequestKind};
use subtle::ConstantTimeEq;

use crate::config::Config;
use crate::error::Error;
use crate::ids::{random_bytes, token_hash};
use crate::model::{CodeContext, CodeUse, NewSession, OtpVerdict, RequestId, RequestState, UserId};
use crate::push_budget;
use crate::signin;
use crate::storage::Store;

/// Wrong (or reused) codes a user may type within [`WRONG_WINDOW`].
pub const MAX_WRONG: usize = 5;
/// The window of the wrong-code limit, seconds (15 minutes).
pub const WRONG_WINDOW: i64 = 15 * 60;
/// The TOTP period (seconds), digits and algorithm of the provider's secrets (what the
/// enrollment's `otpauth` URI announces by leaving them at their defaults).
const PERIOD: u32 = 30;
const DIGITS: u8 = 6;
/// Steps accepted either side of the current one (clock drift between phone and provider).
const SKEW_STEPS: i64 = 1;

/// Why a typed code was not accepted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CodeRefusal {
    /// Not the code of the current time (the user may try again).
    Wrong,
    /// That code was already used; wait for the next one.
    Reused,
    /// Too many wrong codes: no code is checked until `until` (Unix seconds).
    Limited {
        /// When codes are checked again.
        until: i64,
    },
    /// The user has no confirmed one-time code (or, to confirm, no unconfirmed secret).
    Unavailable,
    /// The sign-in request is no longer waiting (approved, denied, expired, superseded).
    RequestOver,
}

/// The verdict on `code` for what the store read (pure: the store applies it).
pub(crate) fn judge(ctx: &CodeContext<'_>, code: &str, confirming: bool) -> OtpVerdict {
    if let Some(req) = ctx.request {
        let waiting = req.kind == RequestKind::Push && req.state == RequestState::Pending;
        if !waiting || ctx.now >= req.expires_at {
            return OtpVerdict::RequestOver;
        }
    }
    let Some(secret) = ctx.secret else {
        return OtpVerdict::Unavailable;
    };
    if ctx.confirmed == confirming {
        return OtpVerdict::Unavailable;
    }
    if ctx.failures.len() >= MAX_WRONG {
        let oldest_counted = ctx.failures[ctx.failures.len() - MAX_WRONG];
        return OtpVerdict::Limited { until: oldest_counted.saturating_add(WRONG_WINDOW) };
    }
    let Ok(key) = decode_secret(secret.as_bytes()) else {
        // The provider wrote it; an unreadable one is no method.
        return OtpVerdict::Unavailable;
    };
    let typed = code.trim();
    if typed.len() != usize::from(DIGITS) || !typed.bytes().all(|b| b.is_ascii_digit()) {
        return OtpVerdict::Wrong;
    }
    let now_step = ctx.now.max(0) / i64::from(PERIOD);
    let matching = (now_step - SKEW_STEPS..=now_step + SKEW_STEPS).filter(|s| *s >= 0).find(|s| {
        let at = (*s as u64).saturating_mul(u64::from(PERIOD));
        totp(&key, at, PERIOD, DIGITS, Algorithm::Sha1)
            .is_ok_and(|expected| bool::from(expected.as_bytes().ct_eq(typed.as_bytes())))
    });
    match matching {
        Some(step) if ctx.last_step.is_some_and(|last| step <= last) => OtpVerdict::Reused,
        Some(step) => {
            // A sign-in by code is the user's presence, as an approval in the app would be.
            let push_budget = ctx.request.map(|_| push_budget::answered(ctx.push_budget));
            OtpVerdict::Accept { step, push_budget }
        }
        None => OtpVerdict::Wrong,
    }
}

fn refusal(v: OtpVerdict) -> Option<CodeRefusal> {
    match v {
        OtpVerdict::Accept { .. } => None,
        OtpVerdict::Wrong => Some(CodeRefusal::Wrong),
        OtpVerdict::Reused => Some(CodeRefusal::Reused),
        OtpVerdict::Limited { until } => Some(CodeRefusal::Limited { until }),
        OtpVerdict::Unavailable => Some(CodeRefusal::Unavailable),
        OtpVerdict::RequestOver => Some(CodeRefusal::RequestOver),
    }
}

/// Signs in with a one-time code instead of approving push request `id` (`token`: the sign-in
/// page's status token, which only the browser that typed the password holds). Returns the
/// new browser session's token, or why the code was refused.
pub fn sign_in(
    store: &dyn Store,
    cfg: &Config,
    id: &str,
    token: &str,
    code: &str,
) -> Result<Result<String, CodeRefusal>, Error> {
    signin::check_token(store, id, token)?;
    let session_token = b64(&random_bytes(32));
    let session = NewSession { token_hash: token_hash(&session_token), ttl: cfg.session_ttl };
    let request = RequestId::new(id);
    let target = CodeUse::SignIn { request: &request, session: &session };
    let (verdict, user) =
        store.check_one_time_code(&target, WRONG_WINDOW, &*cfg.clock, &mut |c| {
            judge(c, code, false)
        })?;
    log(&verdict, user.as_ref(), "sign-in");
    Ok(match refusal(verdict) {
        None => Ok(session_token),
        Some(r) => Err(r),
    })
}

/// Confirms the user's one-time-code secret with a code from the app (activation): only then
/// is it a sign-in method.
pub fn confirm(
    store: &dyn Store,
    cfg: &Config,
    user: &UserId,
    code: &str,
    ip: &str,
) -> Result<Result<(), CodeRefusal>, Error> {
    let (verdict, _) = store.check_one_time_code(
        &CodeUse::Confirm(user, ip),
        WRONG_WINDOW,
        &*cfg.clock,
        &mut |c| judge(c, code, true),
    )?;
    log(&verdict, Some(user), "confirmation");
    Ok(match refusal(verdict) {
        None => Ok(()),
        Some(r) => Err(r),
    })
}

/// Checks a code from the user's confirmed one-time-code secret again (a step-up on the
/// account page): a right code uses up its time step, a wrong one counts towards the limit.
pub fn step_up(
    store: &dyn Store,
    cfg: &Config,
    user: &UserId,
    code: &str,
) -> Result<Result<(), CodeRefusal>, Error> {
    let (verdict, _) =
        store.check_one_time_code(&CodeUse::StepUp(user), WRONG_WINDOW, &*cfg.clock, &mut |c| {
            judge(c, code, false)
        })?;
    log(&verdict, Some(user), "step-up");
    Ok(match refusal(verdict) {
        None => Ok(()),
        Some(r) => Err(r),
    })
}

/// What adding a one-time-code method on the account page gives.
#[derive(Clone, PartialEq, Eq)]
pub(crate) enum AddedCode {
    /// The secret to show (as an `otpauth://` URI and QR code); it counts once a code from it
    /// is typed (confirmation).
    Confirm(String),
    /// The user already has an active one-time code (its secret is not shown again).
    AlreadyActive,
}

impl std::fmt::Debug for AddedCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            AddedCode::Confirm(_) => "Confirm(..)",
            AddedCode::AlreadyActive => "AlreadyActive",
        })
    }
}

/// Adds a one-time-code method for user `name` (`user`) from client address `ip`: a new
/// secret, or the unconfirmed one they have, to confirm with a code.
pub(crate) fn add_method(
    store: &dyn Store,
    user: &UserId,
    name: &str,
    ip: &str,
    now: i64,
) -> Result<AddedCode, Error> {
    let issuer = crate::identity::Identity::load(store)?.issuer;
    let secret = crate::admin::new_otp_secret();
    match store.add_otp_secret(user, &secret, ip, now)? {
        None => Err(Error::UnknownUser),
        Some((_, true)) => Ok(AddedCode::AlreadyActive),
        Some((secret, false)) => {
            Ok(AddedCode::Confirm(crate::admin::otpauth_uri(&issuer, name, &secret)))
        }
    }
}

/// Removes the signed-in user `name`'s (`user`) one-time code on the account page ("Ta bort
/// verifieringskoden"): it no longer signs in and every browser session of the user ends.
/// When the user has no active phone the code is their only method, so it goes only when
/// `confirmed` (the page warns first). `ip`: the client's address, for the event.
pub(crate) fn remove_method(
    store: &dyn Store,
    (user, name): (&UserId, &str),
    confirmed: bool,
    ip: &str,
    now: i64,
) -> Result<crate::admin::Removal, Error> {
    use crate::admin::Removal;
    if method(store, name)? == CodeMethod::None {
        return Err(Error::NotFound("one-time code"));
    }
    let phones = store.devices_of(name)?.iter().any(|d| d.revoked_at.is_none());
    if !phones && !confirmed {
        return Ok(Removal::NeedsConfirmation);
    }
    if !store.remove_otp_secret(user, ip, now)? {
        return Err(Error::NotFound("one-time code"));
    }
    tracing::info!(user = %user, "one-time code removed by the user");
    Ok(Removal::Removed)
}

/// What the user's one-time code is: none, waiting for its confirmation, or a sign-in method.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CodeMethod {
    /// The user has no one-time-code secret.
    None,
    /// Carried in enrollment codes, not yet confirmed with a code from the app.
    Unconfirmed,
    /// A sign-in method.
    Confirmed,
}

/// The user's one-time-code method.
pub fn method(store: &dyn Store, user_name: &str) -> Result<CodeMethod, Error> {
    let user = store.user_by_name(user_name)?.ok_or(Error::UnknownUser)?;
    Ok(match (user.otp_secret.is_some(), user.otp_confirmed_at.is_some()) {
        (false, _) => CodeMethod::None,
        (true, false) => CodeMethod::Unconfirmed,
        (true, true) => CodeMethod::Confirmed,
    })
}

fn log(verdict: &OtpVerdict, user: Option<&UserId>, purpose: &str) {
    let user = user.map(UserId::as_str).unwrap_or("-");
    match verdict {
        OtpVerdict::Accept { .. } => tracing::info!(user, purpose, "one-time code accepted"),
        other => tracing::warn!(user, purpose, outcome = ?other, "one-time code refused"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{CodeRequest, PushBudget};

    const SECRET: &str = "JBSWY3DPEHPK3PXP";
    const NOW: i64 = 1_700_000_015;

    fn code_at(t: i64) -> String {
        let key = decode_secret(SECRET.as_bytes()).unwrap();
        totp(&key, t as u64, PERIOD, DIGITS, Algorithm::Sha1).unwrap()
    }

    fn ctx<'a>(failures: &'a [i64], last_step: Option<i64>) -> CodeContext<'a> {
        CodeContext {
            now: NOW,
            secret: Some(SECRET),
            confirmed: true,
            last_step,
            failures,
            request: Some(CodeRequest {
                kind: RequestKind::Push,
                state: RequestState::Pending,
                expires_at: NOW + 60,
            }),
            push_budget: BUDGET,
        }
    }

    /// The user's push budget: six unanswered notifications (quiet), the last at NOW − 100.
    const BUDGET: PushBudget =
        PushBudget { unanswered: 6, sent_at: NOW - 100, tried_at: NOW - 50, muted_until: 0 };

    /// What a right code for a sign-in stores: the budget with one notification answered.
    fn accept(step: i64) -> OtpVerdict {
        OtpVerdict::Accept { step, push_budget: Some(push_budget::answered(BUDGET)) }
    }

    #[test]
    fn the_current_code_and_one_step_either_side_are_accepted_once() {
        let step = NOW / 30;
        assert_eq!(judge(&ctx(&[], None), &code_at(NOW), false), accept(step));
        for (t, s) in [(NOW - 30, step - 1), (NOW + 30, step + 1)] {
            assert_eq!(judge(&ctx(&[], None), &code_at(t), false), accept(s));
        }
        for t in [NOW - 60, NOW + 60] {
            assert_eq!(judge(&ctx(&[], None), &code_at(t), false), OtpVerdict::Wrong, "{t}");
        }
        // A step at or before the last accepted one is a reuse, even within the window.
        assert_eq!(judge(&ctx(&[], Some(step)), &code_at(NOW), false), OtpVerdict::Reused);
        assert_eq!(judge(&ctx(&[], Some(step)), &code_at(NOW - 30), false), OtpVerdict::Reused);
        assert_eq!(judge(&ctx(&[], Some(step)), &code_at(NOW + 30), false), accept(step + 1));
    }

    #[test]
    fn malformed_codes_are_wrong() {
        for typed in ["", "12345", "1234567", "12a456", "１２３４５６"] {
            assert_eq!(judge(&ctx(&[], None), typed, false), OtpVerdict::Wrong, "{typed}");
        }
        // Spaces around a right code are forgiven (pasted codes).
        assert!(matches!(
            judge(&ctx(&[], None), &format!(" {} ", code_at(NOW)), false),
            OtpVerdict::Accept { .. }
        ));
    }

    #[test]
    fn five_wrong_codes_in_the_window_stop_every_check_until_the_oldest_leaves() {
        let four = [NOW - 800, NOW - 600, NOW - 400, NOW - 200];
        assert!(matches!(
            judge(&ctx(&four, None), &code_at(NOW), false),
            OtpVerdict::Accept { .. }
        ));
        let five = [NOW - 800, NOW - 600, NOW - 400, NOW - 200, NOW - 10];
        // Even the right code is not checked.
        assert_eq!(
            judge(&ctx(&five, None), &code_at(NOW), false),
            OtpVerdict::Limited { until: NOW - 800 + WRONG_WINDOW }
        );
        let six = [NOW - 850, NOW - 800, NOW - 600, NOW - 400, NOW - 200, NOW - 10];
        assert_eq!(
            judge(&ctx(&six, None), "000000", false),
            OtpVerdict::Limited { until: NOW - 800 + WRONG_WINDOW },
            "the limit lifts when fewer than five are left in the window"
        );
    }

    #[test]
    fn only_a_confirmed_secret_signs_in_and_only_an_unconfirmed_one_is_confirmed() {
        let right = code_at(NOW);
        let unconfirmed = CodeContext { confirmed: false, ..ctx(&[], None) };
        assert_eq!(judge(&unconfirmed, &right, false), OtpVerdict::Unavailable);
        let confirming = CodeContext { request: None, ..unconfirmed };
        // A confirmation (or a step-up) is no sign-in: the push budget is left alone.
        let step = NOW / 30;
        assert_eq!(
            judge(&confirming, &right, true),
            OtpVerdict::Accept { step, push_budget: None }
        );
        let step_up = CodeContext { request: None, ..ctx(&[], None) };
        assert_eq!(judge(&step_up, &right, false), OtpVerdict::Accept { step, push_budget: None });
        let again = CodeContext { request: None, ..ctx(&[], None) };
        assert_eq!(judge(&again, &right, true), OtpVerdict::Unavailable);
        let none = CodeContext { secret: None, ..ctx(&[], None) };
        assert_eq!(judge(&none, &right, false), OtpVerdict::Unavailable);
    }

    #[test]
    fn only_a_pending_unexpired_push_request_is_completed_by_a_code() {
        let right = code_at(NOW);
        let with = |kind, state, expires_at| CodeContext {
            request: Some(CodeRequest { kind, state, expires_at }),
            ..ctx(&[], None)
        };
        for state in RequestState::ALL.into_iter().filter(|s| *s != RequestState::Pending) {
            let c = with(RequestKind::Push, state, NOW + 60);
            assert_eq!(judge(&c, &right, false), OtpVerdict::RequestOver, "{state:?}");
        }
        let c = with(RequestKind::Push, RequestState::Pending, NOW);
        assert_eq!(judge(&c, &right, false), OtpVerdict::RequestOver, "expired");
        let c = with(RequestKind::Passwordless, RequestState::Pending, NOW + 60);
        assert_eq!(judge(&c, &right, false), OtpVerdict::RequestOver, "no password was checked");
    }
}
