//! Sign-in requests: creation (rate limit, report block, the push budget, which open requests
//! a new one replaces), the pending list, the consuming response transaction, status and
//! browser completion.

use nyckel_core::protocol::wire::{
    b64, Envelope, PendingList, PendingRequest, RespondOutcome, SigninResult,
};
use serde::Serialize;

use crate::config::Config;
use crate::error::Error;
use crate::guessing;
use crate::identity::Identity;
use crate::ids::{random_bytes, token_hash, two_digit_number};
use crate::known_browser::{self, Recognition};
use crate::model::{
    CompletionContext, CompletionVerdict, CredentialId, CredentialKind, DecideContext,
    DecideVerdict, DeviceId, DeviceRef, NewSession, NewSignIn, PushBudget, PushPlan, QuietReason,
    RequestId, RequestState, SignInRequest, StartContext, StartVerdict, UserId,
};
use crate::open_requests::{self, Admission, Arriving, Retry};
use crate::push_budget;
use crate::storage::{StartReads, Store};
use crate::verify::{self, AssertionBody, Decided, Expected};

/// Push (after a password) or passwordless (username only): the wire's request kind.
pub use nyckel_core::protocol::wire::RequestKind as Kind;

/// Where a sign-in comes from (shown on the phone).
#[derive(Clone, Debug)]
pub struct SigninFrom {
    /// The requesting application.
    pub app: String,
    /// Client IP.
    pub ip: String,
    /// Approximate location.
    pub location: String,
}

/// A created request, as the sign-in page shows it.
#[derive(Clone, Serialize)]
pub struct Started {
    /// Request id.
    pub id: String,
    /// The two-digit number to show (never sent to the phone).
    pub number: u8,
    /// Expiry (provider time).
    #[serde(rename = "expiresAt")]
    pub expires_at: i64,
    /// `push` or `passwordless`.
    pub kind: &'static str,
    /// Secret the page uses to poll and complete.
    #[serde(rename = "statusToken")]
    pub status_token: String,
    /// Devices the trigger was sent to (0 in quiet mode).
    #[serde(rename = "pushedTo")]
    pub pushed_to: usize,
    /// Created in quiet mode (`docs/protocol.md` §7): no notification was sent, so the user
    /// opens the app to see the request.
    pub quiet: bool,
    /// The user has no phone to approve it: only their one-time code completes it (a
    /// password sign-in whose page offers the code, [`start_password_in_browser`]).
    #[serde(skip)]
    pub code_only: bool,
}

impl std::fmt::Debug for Started {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Started")
            .field("id", &self.id)
            .field("kind", &self.kind)
            .field("quiet", &self.quiet)
            .field("code_only", &self.code_only)
            .finish_non_exhaustive()
    }
}

fn truncate(s: &str, n: usize) -> String {
    s.chars().filter(|c| !c.is_control()).take(n).collect()
}

/// The domain's rules for starting a sign-in, judged on what the store read under its write
/// lock: a known, unblocked user with a device for the kind; a passwordless start must not
/// displace a password sign-in (§7); the rate limit counts per kind, so username-only
/// requests cannot use up the password sign-ins' limit, and password sign-ins per source
/// address, so a flood from one place never refuses the real user; then the push budget
/// decides whether the request is notified or quiet (`push_budget.rs`), and the bound on open
/// requests which of the user's open requests it replaces (`open_requests.rs`).
fn judge_start(
    c: &StartContext<'_>,
    cfg: &Config,
    kind: Kind,
    from: &SigninFrom,
    source: &str,
    token: &str,
    by: StartedBy<'_>,
) -> StartVerdict {
    let Some(user) = c.user else { return StartVerdict::Refuse(Error::UnknownUser) };
    if user.disabled {
        return StartVerdict::Refuse(Error::UserDisabled);
    }
    if user.blocked_until > c.now {
        let retry_after = user.blocked_until - c.now;
        return StartVerdict::Refuse(Error::Blocked { retry_after, contact: None });
    }
    // No phone to notify: only a password sign-in whose page offers the user's confirmed
    // one-time code goes on, as a request that the code alone completes.
    let code_only = c.targets == 0;
    let code = user.otp_secret.is_some() && user.otp_confirmed_at.is_some();
    if code_only && !(kind == Kind::Push && by.code && code) {
        return StartVerdict::Refuse(match kind {
            Kind::Push => Error::NoDevice,
            Kind::Passwordless => Error::NoPhoneSignin,
        });
    }
    if kind == Kind::Passwordless && c.open.iter().any(|r| r.kind == Kind::Push) {
        return StartVerdict::Refuse(Error::PushPending);
    }
    if c.recent >= i64::from(cfg.push_limit) {
        return StartVerdict::RateLimited;
    }
    let push = match code_only {
        // Nothing is sent, so nothing counts against the budget.
        true => {
            PushPlan { quiet: None, budget: PushBudget { tried_at: c.now, ..user.push_budget } }
        }
        false => {
            push_budget::judge(user.push_budget, c.notified_last_hour, c.now, &cfg.push_budget)
        }
    };
    let known_browser = by.recognition.is_some_and(|b| b.recognises(&user.id, c.now));
    let arriving = Arriving { kind, source, known_browser, retry: by.retry };
    let admitted = open_requests::admit(c.open, arriving, c.now, c.recognised, &cfg.open_requests);
    let replaces = match admitted {
        Admission::Admit(replaces) => replaces,
        Admission::Full => return StartVerdict::RateLimited,
    };
    StartVerdict::Create(Box::new(NewSignIn {
        id: RequestId::random(),
        nonce: random_bytes(32),
        number: two_digit_number(),
        app: truncate(&from.app, 128),
        ip: truncate(&from.ip, 64),
        location: truncate(&from.location, 128),
        expires_at: c.now + cfg.request_ttl,
        browser_token_hash: token_hash(token),
        source: source.to_owned(),
        push,
        replaces,
        known_browser,
    }))
}

/// Creates a sign-in request for `user_name` and, unless the push budget makes it quiet,
/// records the push triggers (no FCM/APNs here: the store records the opaque trigger
/// `{"nyckel":1,"requestId":id}` per device).
pub fn start(
    store: &dyn Store,
    cfg: &Config,
    user_name: &str,
    kind: Kind,
    from: &SigninFrom,
) -> Result<Started, Error> {
    start_excluding(store, cfg, user_name, kind, from, None)
}

/// [`start`] for a request that must never reach device `excluded` (the phone a lost-phone
/// step-up is about): it is no target, gets no trigger, never lists the request and cannot
/// decide it.
pub(crate) fn start_excluding(
    store: &dyn Store,
    cfg: &Config,
    user_name: &str,
    kind: Kind,
    from: &SigninFrom,
    excluded: Option<&DeviceId>,
) -> Result<Started, Error> {
    start_with(store, cfg, user_name, kind, from, excluded, StartedBy::API)
}

/// What a sign-in page's browser brings to a start: its recognised-browser cookie
/// (`known_browser.rs`) and the request it started before (the `nyckel_started` cookie:
/// that request's id and status token, [`started_cookie`]), if any.
#[derive(Clone, Debug, Default)]
pub(crate) struct BrowserStart {
    /// The `nyckel_known` cookie's value.
    pub known: Option<String>,
    /// The `nyckel_started` cookie's value.
    pub started: Option<String>,
}

/// The name of the cookie naming the request a browser started last.
pub(crate) const STARTED_COOKIE: &str = "nyckel_started";

/// The `nyckel_started` cookie's value for `started`: its id and status token, which prove
/// at the browser's next start that it started this request.
pub(crate) fn started_cookie(started: &Started) -> String {
    format!("{}.{}", started.id, started.status_token)
}

/// [`start`] from a page in a browser that brings `browser`: if its cookie recognises the
/// browser as the user's (`known_browser.rs`), the request is kept like one from a recognised
/// address when open requests are bounded; it replaces only the request this browser started
/// before (if its status token still matches), never another browser's from the same address.
pub(crate) fn start_in_browser(
    store: &dyn Store,
    cfg: &Config,
    user_name: &str,
    kind: Kind,
    from: &SigninFrom,
    browser: &BrowserStart,
) -> Result<Started, Error> {
    in_browser(store, cfg, user_name, kind, from, None, browser, false)
}

/// [`start_excluding`] from a page in a browser that brings `browser` (as
/// [`start_in_browser`]).
pub(crate) fn start_excluding_in_browser(
    store: &dyn Store,
    cfg: &Config,
    user_name: &str,
    kind: Kind,
    from: &SigninFrom,
    excluded: Option<&DeviceId>,
    browser: &BrowserStart,
) -> Result<Started, Error> {
    in_browser(store, cfg, user_name, kind, from, excluded, browser, false)
}

/// The push request of a password sign-in (the password checked) from a page in a browser
/// (as [`start_in_browser`]) that offers the user's one-time code instead of the phone's
/// approval. A user with no phone to notify but a confirmed code gets a request no phone sees
/// and only the code completes ([`Started::code_only`]; nothing is sent): the password alone
/// never opens a session for a user with a method.
pub(crate) fn start_password_in_browser(
    store: &dyn Store,
    cfg: &Config,
    user_name: &str,
    from: &SigninFrom,
    browser: &BrowserStart,
) -> Result<Started, Error> {
    in_browser(store, cfg, user_name, Kind::Push, from, None, browser, true)
}

#[allow(clippy::too_many_arguments)] // each is one fact of the start
fn in_browser(
    store: &dyn Store,
    cfg: &Config,
    user_name: &str,
    kind: Kind,
    from: &SigninFrom,
    excluded: Option<&DeviceId>,
    browser: &BrowserStart,
    code: bool,
) -> Result<Started, Error> {
    let recognition = match &browser.known {
        Some(c) => known_browser::verify(store, c)?,
        None => None,
    };
    let started = match browser.started.as_deref().and_then(|c| c.split_once('.')) {
        Some((id, token)) if check_token(store, id, token).is_ok() => Some(RequestId::new(id)),
        _ => None,
    };
    let retry = Retry::Browser(started.as_ref());
    let by = StartedBy { recognition: recognition.as_ref(), retry, code };
    start_with(store, cfg, user_name, kind, from, excluded, by)
}

/// Who starts a request, as far as the open requests are concerned: the browser's
/// recognition, if any, and which of the starter's earlier requests it replaces; and whether
/// its page offers the one-time code (then a user without a phone to notify may still get a
/// push request, for the code).
#[derive(Clone, Copy, Debug)]
struct StartedBy<'a> {
    recognition: Option<&'a Recognition>,
    retry: Retry<'a>,
    code: bool,
}

impl StartedBy<'_> {
    /// A start without a browser (the admin CLI, the provider's API).
    const API: StartedBy<'static> =
        StartedBy { recognition: None, retry: Retry::SameSource, code: false };
}

fn start_with(
    store: &dyn Store,
    cfg: &Config,
    user_name: &str,
    kind: Kind,
    from: &SigninFrom,
    excluded: Option<&DeviceId>,
    by: StartedBy<'_>,
) -> Result<Started, Error> {
    let token = b64(&random_bytes(24));
    let source = guessing::source_key(&from.ip);
    let reads = StartReads {
        seconds: cfg.push_window,
        source: (kind == Kind::Push).then_some(source.as_str()),
        recognised_for: cfg.open_requests.recognised_for,
        recognised_sources: cfg.open_requests.recognised_sources,
    };
    let (verdict, pushed_to) =
        store.start_request(user_name, kind, &reads, excluded, &*cfg.clock, &mut |c| {
            judge_start(c, cfg, kind, from, &source, &token, by)
        })?;
    match verdict {
        StartVerdict::Refuse(Error::Blocked { retry_after, .. }) => {
            let contact = crate::admin::helpdesk(store)?;
            Err(Error::Blocked { retry_after, contact })
        }
        StartVerdict::Refuse(e) => Err(e),
        StartVerdict::RateLimited => Err(Error::RateLimited),
        StartVerdict::Create(new) => {
            let quiet = new.push.quiet.map(QuietReason::as_str);
            tracing::info!(request = %new.id, kind = kind.as_str(), pushed_to, quiet, "sign-in started");
            Ok(Started {
                id: new.id.into_string(),
                number: new.number,
                expires_at: new.expires_at,
                kind: kind.as_str(),
                status_token: token,
                pushed_to,
                quiet: quiet.is_some(),
                // Not quiet, yet no trigger: the user had no phone to notify.
                code_only: quiet.is_none() && pushed_to == 0,
            })
        }
    }
}

/// A request's state as reported to pages and the CLI (`expired` when past expiry).
#[derive(Clone, Debug, Serialize)]
pub struct Status {
    /// Request id.
    pub id: String,
    /// State.
    pub state: String,
    /// Kind.
    pub kind: String,
    /// User name.
    pub user: String,
    /// Expiry.
    #[serde(rename = "expiresAt")]
    pub expires_at: i64,
    /// A one-time code, not the phone, completed it.
    #[serde(skip)]
    pub by_code: bool,
}

/// Reads a request's state.
pub fn status(store: &dyn Store, id: &str, now: i64) -> Result<Status, Error> {
    let r = store.request(&RequestId::new(id))?.ok_or(Error::NotFound("request"))?;
    let state = if r.state == RequestState::Pending && now >= r.expires_at {
        RequestState::Expired
    } else {
        r.state
    };
    Ok(Status {
        id: id.to_owned(),
        state: state.as_str().to_owned(),
        kind: r.kind.as_str().to_owned(),
        user: r.account_name,
        expires_at: r.expires_at,
        by_code: r.completed_by_code,
    })
}

/// A password sign-in still waiting for the phone, as its number page shows it again (after the
/// page's language switch), with its user's name; `None` once it is decided or expired, or
/// for a request that is not a push (a username-only page never comes back: it would tell a
/// real request from a decoy).
pub(crate) fn waiting(
    store: &dyn Store,
    cfg: &Config,
    id: &str,
    token: &str,
) -> Result<Option<(Started, String)>, Error> {
    check_token(store, id, token)?;
    let Some(r) = store.request(&RequestId::new(id))? else { return Ok(None) };
    if r.kind != Kind::Push || r.state != RequestState::Pending || cfg.clock.now() >= r.expires_at {
        return Ok(None);
    }
    let started = Started {
        id: id.to_owned(),
        number: r.number,
        expires_at: r.expires_at,
        kind: Kind::Push.as_str(),
        status_token: token.to_owned(),
        pushed_to: 0,
        quiet: !r.notified,
        code_only: false,
    };
    Ok(Some((started, r.account_name)))
}

/// While a page waits for request `id` (status token `token`) in a browser whose
/// `nyckel_known` cookie is `cookie`: if the cookie recognises the request's user, the request
/// is kept from now on like one started in a recognised browser (`open_requests.rs`). For
/// starts that could not read the cookie — Entra's request arrives as a cross-site POST,
/// which withholds SameSite=Lax cookies —, the number page's first poll carries it. Nothing
/// happens for a decoy, a decided request, another token or a cookie of another user.
pub(crate) fn recognise_while_waiting(
    store: &dyn Store,
    cfg: &Config,
    id: &str,
    token: &str,
    cookie: &str,
) -> Result<(), Error> {
    let Some(r) = store.request(&RequestId::new(id))? else { return Ok(()) };
    let ours = r.browser_token_hash.as_deref() == Some(token_hash(token).as_str());
    if r.known_browser || r.state != RequestState::Pending || !ours {
        return Ok(());
    }
    let now = cfg.clock.now();
    if known_browser::verify(store, cookie)?.is_some_and(|b| b.recognises(&r.user, now))
        && store.recognise_browser(&r.id, &r.user, now)?
    {
        tracing::info!(request = %id, "waiting in a recognised browser");
    }
    Ok(())
}

/// Checks the page's status token for a request.
pub fn check_token(store: &dyn Store, id: &str, token: &str) -> Result<(), Error> {
    let stored = store.request(&RequestId::new(id))?.and_then(|r| r.browser_token_hash);
    match stored {
        Some(h) if h == token_hash(token) => Ok(()),
        _ => Err(Error::NotFound("request")),
    }
}

/// How long after its expiry an approved request can still be completed: the page polls
/// every second, so an approval in the request's last second is completed within this.
pub(crate) const COMPLETION_GRACE: i64 = 10;

/// The domain's rule for completing a request, judged on what the store read under its write
/// lock: approved, by a credential and device still live, and not past its expiry (with
/// [`COMPLETION_GRACE`]); a late one expires.
pub(crate) fn judge_completion(c: &CompletionContext) -> CompletionVerdict {
    if c.state != RequestState::Approved || !c.approver_live {
        return CompletionVerdict::Refuse(Error::NotApproved);
    }
    if c.now >= c.expires_at.saturating_add(COMPLETION_GRACE) {
        return CompletionVerdict::Expire;
    }
    CompletionVerdict::Complete
}

/// Completes an approved request once (`approved` → `completed`) and opens a session.
/// Returns the session token.
pub fn complete(store: &dyn Store, cfg: &Config, id: &str, token: &str) -> Result<String, Error> {
    complete_for_user(store, cfg, id, token).map(|(session, _)| session)
}

/// [`complete`], also returning whose session it opened (for the recognised-browser cookie,
/// without reading the session back).
pub(crate) fn complete_for_user(
    store: &dyn Store,
    cfg: &Config,
    id: &str,
    token: &str,
) -> Result<(String, UserId), Error> {
    check_token(store, id, token)?;
    let session_token = b64(&random_bytes(32));
    let session = NewSession { token_hash: token_hash(&session_token), ttl: cfg.session_ttl };
    let (ctx, verdict) = store
        .complete_request(&RequestId::new(id), &session, &*cfg.clock, &mut judge_completion)?
        .ok_or(Error::NotFound("request"))?;
    match verdict {
        CompletionVerdict::Refuse(e) => Err(e),
        CompletionVerdict::Expire => {
            tracing::info!(request = %id, "approved too late to complete; expired");
            Err(Error::Expired)
        }
        CompletionVerdict::Complete => {
            tracing::info!(request = %id, user = %ctx.user, "signed in");
            Ok((session_token, ctx.user))
        }
    }
}

/// Opens a browser session for a user; returns the token.
pub fn new_session(store: &dyn Store, cfg: &Config, user: &UserId) -> Result<String, Error> {
    let token = b64(&random_bytes(32));
    let session = NewSession { token_hash: token_hash(&token), ttl: cfg.session_ttl };
    store.add_session(user, &session, cfg.clock.now())?;
    Ok(token)
}

/// Ends a browser session (signing out); an unknown token is no error.
pub fn end_session(store: &dyn Store, token: &str) -> Result<(), Error> {
    Ok(store.end_session(&token_hash(token))?)
}

/// The user (id, name) of a live session.
pub fn session_user(
    store: &dyn Store,
    token: &str,
    now: i64,
) -> Result<Option<(UserId, String)>, Error> {
    Ok(store.session_user(&token_hash(token), now)?)
}

/// The request as a device sees it (§4.2) and binds it into its assertion (§6).
fn to_wire(r: &SignInRequest, p: &Identity) -> PendingRequest {
    PendingRequest {
        id: r.id.as_str().to_owned(),
        nonce: b64(&r.nonce),
        kind: r.kind,
        account_name: r.account_name.clone(),
        app: r.app.clone(),
        ip: r.ip.clone(),
        location: r.location.clone(),
        created_at: r.created_at,
        expires_at: r.expires_at,
        rp_id: p.rp_id.clone(),
        origin: p.web_origin().to_owned(),
    }
}

/// The most requests one pending list holds: every request a user can have open
/// (`open_requests::MOST_OPEN`, what the app accepts).
const MOST_OPEN_LISTED: u32 = open_requests::MOST_OPEN as u32;

/// The signed pending list for an authenticated device (§4.2).
pub fn pending(
    store: &dyn Store,
    p: &Identity,
    device: &DeviceRef,
    req_nonce: &str,
    now: i64,
) -> Result<Envelope, Error> {
    let has_phone = store.has_phone_signin(&device.id)?;
    let list =
        store.pending_requests(&device.user, &device.id, now, has_phone, MOST_OPEN_LISTED)?;
    let requests = list.iter().map(|r| to_wire(r, p)).collect();
    Ok(p.sign(
        now,
        Some(req_nonce),
        PendingList {
            device_id: device.id.as_str().to_owned(),
            user_id: device.user.as_str().to_owned(),
            requests,
        },
    ))
}

/// The domain's rules for applying a verified assertion, judged on what the store read under
/// its write lock (the reads before it may be stale): revocations, the request's state and
/// expiry, the signature counter, then the decision (a wrong number kills the request; a
/// report blocks the user's sign-ins and mutes their notifications for a while; an approval
/// is the user's presence, which answers one notification: `push_budget::answered`).
fn judge_decision(
    c: &DecideContext,
    cfg: &Config,
    decision: Decided,
    sign_count: u32,
) -> DecideVerdict {
    if c.device_revoked {
        return DecideVerdict::Refuse(Error::DeviceRevoked);
    }
    if c.credential_revoked {
        return DecideVerdict::Refuse(Error::UnknownCredential);
    }
    // To the excluded device the request does not exist: it can neither deny nor report
    // (block the user) nor approve.
    if c.excluded {
        return DecideVerdict::Refuse(Error::NotFound("request"));
    }
    if c.state != RequestState::Pending {
        return DecideVerdict::Refuse(Error::NotPending);
    }
    if c.now >= c.expires_at {
        return DecideVerdict::Expire;
    }
    if i64::from(sign_count) <= c.sign_count {
        return DecideVerdict::CounterNotIncreased;
    }
    let state = match decision {
        Decided::Approve(n) if n == c.number => RequestState::Approved,
        Decided::Approve(_) => RequestState::WrongNumber,
        Decided::Deny => RequestState::Denied,
        Decided::Report => RequestState::Reported,
    };
    let reported = state == RequestState::Reported;
    let block_until = reported.then(|| c.now.saturating_add(cfg.block_after_report));
    let mute_until = reported.then(|| c.now.saturating_add(cfg.push_budget.mute_after_report));
    let approved = state == RequestState::Approved;
    DecideVerdict::Decide {
        state,
        sign_count: i64::from(sign_count),
        block_until,
        mute_until,
        push_budget: approved.then(|| push_budget::answered(c.push_budget)),
    }
}

/// Verifies and applies an assertion for request `id` (§7). Returns the signed result.
pub fn respond(
    store: &dyn Store,
    cfg: &Config,
    p: &Identity,
    id: &str,
    body: &AssertionBody,
) -> Result<Envelope, Error> {
    let request_id = RequestId::new(id);
    let req = store.request(&request_id)?.ok_or(Error::NotFound("request"))?;
    let decoded = verify::decode(body)?;
    let credential_id = CredentialId::new(body.credential_id.clone());
    let unknown = || Error::UnknownCredential;
    let cred = store.credential(&credential_id)?.ok_or_else(unknown)?;
    if cred.user != req.user {
        return Err(unknown());
    }
    if cred.device_revoked {
        return Err(Error::DeviceRevoked);
    }
    if cred.revoked {
        return Err(unknown());
    }
    let passwordless = req.kind == Kind::Passwordless;
    let context_hash = to_wire(&req, p).context_hash();
    let checked = verify::check(
        &decoded,
        &Expected {
            nonce: &req.nonce,
            origin: p.web_origin(),
            rp_id: &p.rp_id,
            request_id: id,
            context_hash: &context_hash,
            public_key: &cred.public_key,
            require_uv_for_approve: passwordless,
        },
    )?;
    // A passwordless approval counts only from the phone sign-in credential.
    if passwordless
        && matches!(checked.decision, Decided::Approve(_))
        && cred.kind != CredentialKind::PhoneSignin
    {
        return Err(unknown());
    }

    // Everything that can change while we wait for the write lock is judged under it: the
    // time, the revoked flags, the request's state and the counter.
    let (now, verdict) =
        store.decide_request(&request_id, &credential_id, &*cfg.clock, &mut |c| {
            judge_decision(c, cfg, checked.decision, checked.sign_count)
        })?;
    let state = match verdict {
        DecideVerdict::Refuse(e) => return Err(e),
        DecideVerdict::Expire => return Err(Error::Expired),
        DecideVerdict::CounterNotIncreased => return Err(Error::Counter),
        DecideVerdict::Decide { state, block_until, .. } => (state, block_until),
    };
    let (state, blocked_until) = state;
    tracing::info!(request = %id, device = %cred.device, state = state.as_str(), "decision applied");
    if state == RequestState::WrongNumber {
        return Err(Error::WrongNumber);
    }
    // credentialId and signCount name the assertion applied, so the app can tell this result
    // from another submission's for the same request (§4.3).
    let outcome = RespondOutcome::from_wire(state.as_str()).ok_or(Error::Internal)?;
    // A report tells the phone how long new sign-ins are blocked and whom to contact.
    let contact = match blocked_until {
        Some(_) => crate::admin::helpdesk(store)?,
        None => None,
    };
    Ok(p.sign(
        now,
        None,
        SigninResult {
            request_id: id.to_owned(),
            state: outcome.as_wire().to_owned(),
            credential_id: Some(body.credential_id.clone()),
            sign_count: Some(checked.sign_count),
            blocked_until,
            contact,
        },
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{OpenRequest, PushBudget, User};

    fn ctx(state: RequestState) -> DecideContext {
        DecideContext {
            now: 100,
            state,
            number: 42,
            expires_at: 200,
            sign_count: 5,
            credential_revoked: false,
            device_revoked: false,
            excluded: false,
            push_budget: PushBudget { unanswered: 6, sent_at: 90, tried_at: 95, muted_until: 0 },
        }
    }

    fn verdict(c: &DecideContext, decision: Decided, count: u32) -> String {
        format!("{:?}", judge_decision(c, &Config::default(), decision, count))
    }

    #[test]
    fn decisions_are_judged_revocation_state_expiry_counter_then_number() {
        let ok = ctx(RequestState::Pending);
        assert!(verdict(&ok, Decided::Approve(42), 6).contains("state: Approved"));
        assert!(verdict(&ok, Decided::Approve(41), 6).contains("state: WrongNumber"));
        assert!(verdict(&ok, Decided::Deny, 6).contains("state: Denied"));
        let report = judge_decision(&ok, &Config::default(), Decided::Report, 6);
        assert!(matches!(
            report,
            DecideVerdict::Decide {
                state: RequestState::Reported,
                block_until: Some(3700),
                mute_until: Some(86_500),
                push_budget: None,
                ..
            }
        ));
        // Only an approval answers a notification (one, not a reset); only a report mutes.
        let approved = judge_decision(&ok, &Config::default(), Decided::Approve(42), 6);
        let answered = PushBudget { unanswered: 5, sent_at: 0, tried_at: 95, muted_until: 0 };
        assert!(matches!(
            approved,
            DecideVerdict::Decide { mute_until: None, push_budget: Some(b), .. } if b == answered
        ));
        for d in [Decided::Approve(41), Decided::Deny] {
            assert!(verdict(&ok, d, 6).contains("mute_until: None, push_budget: None"));
        }
        assert_eq!(verdict(&ok, Decided::Approve(42), 5), "CounterNotIncreased");
        let late = DecideContext { now: 200, ..ctx(RequestState::Pending) };
        assert_eq!(verdict(&late, Decided::Approve(42), 5), "Expire", "expiry before counter");
        let done = DecideContext { now: 200, ..ctx(RequestState::Approved) };
        assert!(verdict(&done, Decided::Approve(42), 6).contains("NotPending"));
        let cred = DecideContext { credential_revoked: true, ..done };
        assert!(verdict(&cred, Decided::Deny, 6).contains("UnknownCredential"));
        let dev = DecideContext { device_revoked: true, ..cred };
        assert!(verdict(&dev, Decided::Deny, 6).contains("DeviceRevoked"));
        // The device a request excludes decides nothing: no denial, no report's block.
        let excluded = DecideContext { excluded: true, ..ok };
        for d in [Decided::Approve(42), Decided::Deny, Decided::Report] {
            assert_eq!(verdict(&excluded, d, 6), "Refuse(NotFound(\"request\"))", "{d:?}");
        }
    }

    #[test]
    fn completion_needs_an_approval_by_a_live_credential_before_expiry_and_grace() {
        let c = |state, now, live| CompletionContext {
            now,
            state,
            expires_at: 200,
            approver_live: live,
            user: UserId::new("u"),
            approver_device: None,
        };
        let v = |c: CompletionContext| format!("{:?}", judge_completion(&c));
        assert_eq!(v(c(RequestState::Approved, 199, true)), "Complete");
        assert_eq!(v(c(RequestState::Approved, 209, true)), "Complete", "within the grace");
        assert_eq!(v(c(RequestState::Approved, 210, true)), "Expire");
        assert_eq!(v(c(RequestState::Approved, i64::MAX, true)), "Expire");
        assert!(v(c(RequestState::Approved, 100, false)).contains("NotApproved"));
        for state in [RequestState::Pending, RequestState::Completed, RequestState::Denied] {
            assert!(v(c(state, 100, true)).contains("NotApproved"), "{state:?}");
        }
    }

    fn start_verdict(c: &StartContext<'_>, kind: Kind) -> String {
        let from = SigninFrom { app: "a\u{7}pp".into(), ip: "ip".into(), location: "".into() };
        match judge_start(c, &Config::default(), kind, &from, "src", "token", StartedBy::API) {
            StartVerdict::Refuse(e) => format!("{e:?}"),
            StartVerdict::RateLimited => "RateLimited".into(),
            StartVerdict::Create(n) => {
                assert_eq!(n.app, "app", "control characters dropped");
                assert_eq!(n.expires_at, c.now + 120);
                assert_eq!(n.browser_token_hash, token_hash("token"));
                assert_eq!(n.source, "src");
                let replaces: Vec<&str> = n.replaces.iter().map(RequestId::as_str).collect();
                let replaces =
                    if replaces.is_empty() { String::new() } else { format!(" {replaces:?}") };
                match n.push.quiet {
                    None => format!("Create{replaces}"),
                    Some(reason) => format!("Create quiet {}{replaces}", reason.as_str()),
                }
            }
        }
    }

    #[test]
    fn a_browser_is_recognised_only_by_the_users_own_unexpired_cookie() {
        let user = User {
            id: UserId::new("u"),
            name: "anna".into(),
            password_hash: None,
            otp_secret: None,
            otp_confirmed_at: None,
            blocked_until: 0,
            disabled: false,
            push_budget: PushBudget::default(),
        };
        let c = StartContext {
            now: 1000,
            user: Some(&user),
            targets: 1,
            open: &[],
            recognised: &[],
            recent: 0,
            notified_last_hour: 0,
        };
        let from = SigninFrom { app: "a".into(), ip: "ip".into(), location: "".into() };
        let known = |who: &str, until: i64| {
            let r = Recognition { user: UserId::new(who), until };
            let by = StartedBy { recognition: Some(&r), ..StartedBy::API };
            match judge_start(&c, &Config::default(), Kind::Push, &from, "s", "t", by) {
                StartVerdict::Create(n) => n.known_browser,
                _ => panic!("created"),
            }
        };
        assert!(known("u", 1001));
        assert!(!known("u", 1000), "expired");
        assert!(!known("v", 5000), "another user's browser");
    }

    #[test]
    fn without_a_phone_only_a_page_offering_a_confirmed_code_gets_a_request_and_sends_nothing() {
        let budget = PushBudget { unanswered: 2, sent_at: 900, tried_at: 900, muted_until: 0 };
        let coded = User {
            id: UserId::new("u"),
            name: "anna".into(),
            password_hash: None,
            otp_secret: Some("JBSWY3DPEHPK3PXP".into()),
            otp_confirmed_at: Some(10),
            blocked_until: 0,
            disabled: false,
            push_budget: budget,
        };
        let unconfirmed = User { otp_confirmed_at: None, ..coded.clone() };
        let c = |user, targets| StartContext {
            now: 1000,
            user: Some(user),
            targets,
            open: &[],
            recognised: &[],
            recent: 0,
            notified_last_hour: 0,
        };
        let from = SigninFrom { app: "a".into(), ip: "ip".into(), location: "".into() };
        let page = StartedBy { code: true, ..StartedBy::API };
        let judge = |c: &StartContext<'_>, kind, by| match judge_start(
            c,
            &Config::default(),
            kind,
            &from,
            "s",
            "t",
            by,
        ) {
            StartVerdict::Create(n) => Ok(n.push),
            StartVerdict::Refuse(e) => Err(format!("{e:?}")),
            StartVerdict::RateLimited => Err("RateLimited".into()),
        };
        // The code-only request: nothing is sent, and nothing counts against the budget.
        let plan = judge(&c(&coded, 0), Kind::Push, page).unwrap();
        assert_eq!(plan.quiet, None);
        assert_eq!(plan.budget, PushBudget { tried_at: 1000, ..budget });
        // Not without a confirmed code, not for phone sign-in, not where no page offers it.
        assert_eq!(judge(&c(&unconfirmed, 0), Kind::Push, page).unwrap_err(), "NoDevice");
        let none = judge(&c(&coded, 0), Kind::Passwordless, page).unwrap_err();
        assert_eq!(none, "NoPhoneSignin");
        assert_eq!(judge(&c(&coded, 0), Kind::Push, StartedBy::API).unwrap_err(), "NoDevice");
        // With a phone, the budget decides as ever (a notification counts).
        let plan = judge(&c(&coded, 1), Kind::Push, page).unwrap();
        assert_eq!(plan.budget.unanswered, 3);
    }

    #[test]
    fn starts_are_judged_user_block_devices_push_pending_then_rate() {
        let user = User {
            id: UserId::new("u"),
            name: "anna".into(),
            password_hash: None,
            otp_secret: None,
            otp_confirmed_at: None,
            blocked_until: 0,
            disabled: false,
            push_budget: PushBudget::default(),
        };
        let waiting = [OpenRequest {
            id: RequestId::new("p"),
            kind: Kind::Push,
            created_at: 990,
            notified: true,
            source: "elsewhere".into(),
            known_browser: false,
        }];
        let c = |user, targets, push_pending: bool, recent| StartContext {
            now: 1000,
            user,
            targets,
            open: if push_pending { &waiting[..] } else { &[] },
            recognised: &[],
            recent,
            notified_last_hour: 0,
        };
        assert_eq!(start_verdict(&c(None, 1, false, 0), Kind::Push), "UnknownUser");
        let blocked = User { blocked_until: 1001, ..user.clone() };
        assert_eq!(
            start_verdict(&c(Some(&blocked), 1, false, 0), Kind::Push),
            "Blocked { retry_after: 1, contact: None }"
        );
        let disabled = User { disabled: true, ..blocked.clone() };
        for kind in [Kind::Push, Kind::Passwordless] {
            assert_eq!(start_verdict(&c(Some(&disabled), 1, false, 0), kind), "UserDisabled");
        }
        assert_eq!(start_verdict(&c(Some(&user), 0, false, 0), Kind::Push), "NoDevice");
        assert_eq!(
            start_verdict(&c(Some(&user), 0, false, 0), Kind::Passwordless),
            "NoPhoneSignin"
        );
        assert_eq!(start_verdict(&c(Some(&user), 1, true, 0), Kind::Passwordless), "PushPending");
        assert_eq!(start_verdict(&c(Some(&user), 1, true, 0), Kind::Push), "Create");
        assert_eq!(start_verdict(&c(Some(&user), 1, false, 5), Kind::Push), "RateLimited");
        assert_eq!(start_verdict(&c(Some(&user), 1, false, 4), Kind::Push), "Create");
        // The push budget never refuses: past it, the request is created quietly.
        let tired = User {
            push_budget: PushBudget { unanswered: 6, sent_at: 990, tried_at: 990, muted_until: 0 },
            ..user.clone()
        };
        for kind in [Kind::Push, Kind::Passwordless] {
            assert_eq!(
                start_verdict(&c(Some(&tired), 1, false, 0), kind),
                "Create quiet unanswered"
            );
        }
        let hour = StartContext { notified_last_hour: 10, ..c(Some(&user), 1, false, 0) };
        assert_eq!(start_verdict(&hour, Kind::Push), "Create quiet hourly_limit");
        // Which open requests it replaces: the same address's only.
        let mine =
            OpenRequest { source: "src".into(), id: RequestId::new("m"), ..waiting[0].clone() };
        let both = [waiting[0].clone(), mine];
        let open = StartContext { open: &both, ..c(Some(&user), 1, false, 0) };
        assert_eq!(start_verdict(&open, Kind::Push), r#"Create ["m"]"#);
        // Sixteen open notified requests leave no room for a quiet one: refused, not replaced.
        let full: Vec<OpenRequest> = (0..16)
            .map(|i| OpenRequest { source: format!("s{i}"), ..waiting[0].clone() })
            .collect();
        let crowded = StartContext { open: &full, ..c(Some(&tired), 1, false, 0) };
        assert_eq!(start_verdict(&crowded, Kind::Push), "RateLimited");
    }
}
