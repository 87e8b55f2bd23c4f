//! Push approvals and phone sign-in: the [`NyckelApprovals`] object and its records.
//!
//! Built from the core's protocol steps (`nyckel_core::protocol`) and the vault's enrollment
//! calls rather than `nyckel_core::approvals::Approvals`, which borrows the vault mutably
//! across the network call and the key-store callbacks. Here the vault mutex is taken only
//! around vault reads and writes, so the HTTP client and the device-key store (a biometric
//! prompt) run with no lock held and may call back into the vault or this object.
//!
//! The persistence rules of `Approvals` are kept:
//! - the signature counter is committed **before** the assertion is sent; it is committed as
//!   a compare-and-set against the stored enrollment (two concurrent decisions never reuse a
//!   counter value: the loser signs again with the next one);
//! - every decision that was signed is logged (`ActivityEvent::SignIn`) whatever the
//!   provider answered, "not delivered" when it could not be reached;
//! - a provider reporting clock skew is answered by one retry with the corrected offset,
//!   and the learned offset is saved;
//! - a failed enrollment (or phone sign-in activation) deletes the key it created, and a
//!   locked vault creates no key.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};

use nyckel_core::protocol::{
    self, ActivityRecord, Decision, EnrollUri, Enrollment, PendingRequest, ProtocolError, RequestKind, RespondOutcome,
};
use nyckel_core::vault::{ActivityEvent as CoreEvent, StoredEnrollment};
use zeroize::Zeroizing;

use crate::error::NyckelError;
use crate::http::{self, HttpClient};
use crate::keys::{DeviceKeyStore, KeysAdapter};
use crate::otp::now_unix;
use crate::vault::NyckelVault;

/// An account enrolled on this device for sign-in approvals.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct EnrollmentInfo {
    /// Stable id (never reused).
    pub id: i64,
    /// The provider's display name ("Region Skåne").
    pub issuer: String,
    /// The account at the provider ("anna@example.se").
    pub account_name: String,
    /// The provider's base URL.
    pub provider_url: String,
    /// The device name registered with the provider.
    pub device_name: String,
    /// True when phone sign-in (passwordless) is enabled for this account on this device.
    pub phone_signin_enabled: bool,
    /// The OTP account added from the same enrollment code, if it carried one.
    pub otp_account_id: Option<i64>,
    /// When the enrollment happened (Unix seconds, provider clock).
    pub enrolled_at: i64,
}

fn info(id: i64, e: &Enrollment) -> EnrollmentInfo {
    EnrollmentInfo {
        id,
        issuer: e.issuer.clone(),
        account_name: e.account_name.clone(),
        provider_url: e.base_url.clone(),
        device_name: e.device_name.clone(),
        phone_signin_enabled: e.phone_signin_enabled(),
        otp_account_id: e.otp_account_id,
        enrolled_at: e.enrolled_at,
    }
}

impl From<&StoredEnrollment> for EnrollmentInfo {
    fn from(s: &StoredEnrollment) -> Self {
        info(s.id, &s.enrollment)
    }
}

/// A sign-in waiting for the user: show who, what and where, then ask for the number the
/// sign-in screen shows. There is deliberately no number (the phone never learns it) and no
/// challenge here.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct SignInRequest {
    /// Pass to `approve` / `deny` / `report`.
    pub request_id: String,
    pub enrollment_id: i64,
    /// The provider's display name.
    pub issuer: String,
    pub account_name: String,
    /// The application asking for the sign-in.
    pub app: String,
    /// The client's IP address.
    pub ip: String,
    /// Approximate location (may be empty).
    pub location: String,
    /// Unix seconds, provider clock.
    pub created_at: i64,
    /// Unix seconds, provider clock.
    pub expires_at: i64,
    /// Seconds left when fetched (provider clock, corrected for this device's clock).
    pub seconds_left: i64,
    /// A passwordless (phone) sign-in: approving it uses the phone sign-in key, which asks
    /// for biometrics / the device credential.
    pub passwordless: bool,
}

/// An enrollment whose provider could not be asked, with why (one line, for display).
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct FetchFailure {
    pub enrollment_id: i64,
    pub reason: String,
}

/// Open sign-in requests across all enrollments. A provider that cannot be reached does not
/// hide the others' requests: it is listed in `failures`.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct PendingRequests {
    /// In enrollment order.
    pub requests: Vec<SignInRequest>,
    pub failures: Vec<FetchFailure>,
}

/// What the provider did with the user's answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum SignInOutcome {
    /// The sign-in was approved: the sign-in screen continues.
    Approved,
    /// The sign-in was denied.
    Denied,
    /// Denied and reported as suspicious (the provider blocks new requests for a while).
    Reported,
}

impl From<RespondOutcome> for SignInOutcome {
    fn from(o: RespondOutcome) -> Self {
        match o {
            RespondOutcome::Approved => SignInOutcome::Approved,
            RespondOutcome::Denied => SignInOutcome::Denied,
            RespondOutcome::Reported => SignInOutcome::Reported,
        }
    }
}

/// A request as the last `pending_requests()` returned it (with its challenge, kept here).
#[derive(Clone)]
struct Cached {
    enrollment_id: i64,
    request: PendingRequest,
}

/// Push approvals and phone sign-in over a vault, a device-key store and an HTTP client.
///
/// Every call is synchronous and blocks on the network (and, for phone sign-in, on the
/// biometric prompt inside `DeviceKeyStore.sign`): call from a background thread. The
/// callbacks run on the calling thread with no Nyckel lock held, so they may block and may
/// call back into the vault or this object. Thread-safe.
#[derive(uniffi::Object)]
pub struct NyckelApprovals {
    vault: Arc<NyckelVault>,
    keys: KeysAdapter,
    http: Arc<dyn HttpClient>,
    /// The requests of the last `pending_requests()`, by request id.
    cache: Mutex<HashMap<String, Cached>>,
}

/// What a step's `finish` gets when the request never got an answer: it fails (nothing is
/// learned from it) and releases what the step created (the new phone sign-in key).
fn no_response() -> protocol::HttpResponse {
    protocol::HttpResponse::default()
}

/// Attempts at a decision when another decision on the same enrollment committed a counter
/// between our read and our write.
const COUNTER_ATTEMPTS: usize = 3;

fn now() -> Result<i64, NyckelError> {
    i64::try_from(now_unix()?).map_err(|_| NyckelError::Internal { reason: "the system clock is out of range".into() })
}

impl NyckelApprovals {
    fn cache(&self) -> MutexGuard<'_, HashMap<String, Cached>> {
        self.cache.lock().unwrap_or_else(|poisoned| {
            self.cache.clear_poison();
            poisoned.into_inner()
        })
    }

    fn load(&self, id: i64) -> Result<Enrollment, NyckelError> {
        self.vault.with_vault(|v| Ok(v.enrollment(id)?.enrollment))
    }

    fn send(&self, request: protocol::HttpRequest) -> Result<protocol::HttpResponse, NyckelError> {
        http::send(&self.http, request)
    }

    /// Re-reads the enrollment under the vault lock, lets `merge` apply this flow's changes
    /// to the stored version and saves it (with `event`, in the same transaction). `merge`
    /// returning `false` means "conflict: save nothing".
    fn commit(
        &self,
        id: i64,
        event: Option<&CoreEvent>,
        merge: impl FnOnce(&mut Enrollment) -> bool,
    ) -> Result<bool, NyckelError> {
        self.vault.with_vault(|v| {
            let mut latest = v.enrollment(id)?.enrollment;
            if !merge(&mut latest) {
                return Ok(false);
            }
            v.update_enrollment(id, &latest, event)?;
            Ok(true)
        })
    }

    /// Saves a clock offset learned during a flow (when it changed).
    fn save_clock(&self, id: i64, before: i64, e: &Enrollment) -> Result<(), NyckelError> {
        if e.clock_offset == before {
            return Ok(());
        }
        let offset = e.clock_offset;
        self.commit(id, None, |latest| {
            latest.clock_offset = offset;
            true
        })
        .map(drop)
    }

    /// build → send → finish, and once more when the provider reported clock skew (`finish`
    /// has then corrected the offset in `e` from signed server time).
    fn exchange<T, S>(
        &self,
        e: &mut Enrollment,
        build: impl Fn(&Enrollment) -> Result<(protocol::HttpRequest, S), ProtocolError>,
        finish: impl Fn(S, &mut Enrollment, &protocol::HttpResponse) -> Result<T, ProtocolError>,
    ) -> Result<T, NyckelError> {
        let mut retried = false;
        loop {
            let (request, state) = build(e)?;
            let response = match self.send(request) {
                Ok(r) => r,
                Err(err) => {
                    let _ = finish(state, e, &no_response());
                    return Err(err);
                }
            };
            match finish(state, e, &response) {
                Err(ProtocolError::ClockSkew) if !retried => retried = true,
                other => return other.map_err(NyckelError::from),
            }
        }
    }

    /// One enrollment's open requests; saves the learned clock offset.
    fn fetch(&self, stored: StoredEnrollment, now: i64) -> Result<Vec<(SignInRequest, Cached)>, NyckelError> {
        let id = stored.id;
        let mut e = stored.enrollment;
        let before = e.clock_offset;
        let result = self.exchange(
            &mut e,
            |e| protocol::fetch_pending(e, &self.keys, now),
            |fetch, e, resp| protocol::parse_pending(e, &fetch, resp, now),
        );
        let saved = self.save_clock(id, before, &e);
        let requests = result?;
        saved?;
        Ok(requests
            .into_iter()
            .map(|r| {
                let shown = SignInRequest {
                    request_id: r.id.clone(),
                    enrollment_id: id,
                    issuer: e.issuer.clone(),
                    account_name: r.account_name.clone(),
                    app: r.app.clone(),
                    ip: r.ip.clone(),
                    location: r.location.clone(),
                    created_at: r.created_at,
                    expires_at: r.expires_at,
                    seconds_left: r.seconds_left(&e, now),
                    passwordless: r.kind == RequestKind::Passwordless,
                };
                (shown, Cached { enrollment_id: id, request: r })
            })
            .collect())
    }

    /// Signs `decision` and commits the counter it used (compare-and-set against the stored
    /// enrollment), retrying with the next counter value when another decision won the race.
    fn sign_and_commit(
        &self,
        cached: &Cached,
        decision: Decision,
        now: i64,
    ) -> Result<(Enrollment, protocol::HttpRequest), NyckelError> {
        for _ in 0..COUNTER_ATTEMPTS {
            let snapshot = self.load(cached.enrollment_id)?;
            let mut ours = snapshot.clone();
            let request = protocol::respond(&mut ours, &cached.request, decision, &self.keys, now)?;
            let committed = self.commit(cached.enrollment_id, None, |latest| {
                if ours.sign_count != snapshot.sign_count {
                    if latest.device_key_alias != ours.device_key_alias || latest.sign_count >= ours.sign_count {
                        return false;
                    }
                    latest.sign_count = ours.sign_count;
                }
                if ours.phone_signin_sign_count != snapshot.phone_signin_sign_count {
                    if latest.phone_signin_key_alias != ours.phone_signin_key_alias
                        || latest.phone_signin_sign_count >= ours.phone_signin_sign_count
                    {
                        return false;
                    }
                    latest.phone_signin_sign_count = ours.phone_signin_sign_count;
                }
                true
            })?;
            if committed {
                return Ok((ours, request));
            }
        }
        Err(NyckelError::DeviceKeyUnavailable { reason: "another approval for this account is in progress; try again".into() })
    }

    fn decide(&self, request_id: String, decision: Decision) -> Result<SignInOutcome, NyckelError> {
        if let Decision::Approve { number } = decision {
            if !(10..=99).contains(&number) {
                return Err(NyckelError::InvalidNumber);
            }
        }
        let cached = self.cache().get(&request_id).cloned().ok_or(NyckelError::RequestNotFound)?;
        let now = now()?;
        let outcome = self.decide_cached(&cached, decision, now);
        // A request the provider answered (or that expired) cannot be answered again; one
        // that failed before reaching it (no network, prompt cancelled) can.
        if matches!(
            outcome,
            Ok(_) | Err(NyckelError::WrongNumber | NyckelError::RequestExpired | NyckelError::RequestNotPending)
        ) {
            self.cache().remove(&request_id);
        }
        outcome
    }

    fn decide_cached(&self, cached: &Cached, decision: Decision, now: i64) -> Result<SignInOutcome, NyckelError> {
        let (e, http_request) = self.sign_and_commit(cached, decision, now)?;
        let sent = self.send(http_request);
        let protocol_outcome = match &sent {
            Ok(resp) => protocol::parse_respond_result(&e, &cached.request, resp),
            Err(_) => Err(ProtocolError::Malformed("not delivered")),
        };
        let mut record = ActivityRecord::new(&e, &cached.request, &decision, &protocol_outcome, now);
        if sent.is_err() {
            record.result = "not delivered".into();
        }
        let event = CoreEvent::SignIn { enrollment_id: cached.enrollment_id, record };
        // The log entry is best effort only when the vault was locked or closed meanwhile:
        // the provider has acted on the decision, so its outcome is what the user must see.
        let _ = self.vault.with_vault(|v| Ok(v.log(&event)?));
        sent?;
        Ok(protocol_outcome?.into())
    }
}

#[uniffi::export]
impl NyckelApprovals {
    /// Binds a vault (unlocked for most calls), the platform's device-key store and HTTP client.
    #[uniffi::constructor]
    pub fn new(vault: Arc<NyckelVault>, device_keys: Arc<dyn DeviceKeyStore>, http: Arc<dyn HttpClient>) -> Arc<Self> {
        Arc::new(NyckelApprovals { vault, keys: KeysAdapter(device_keys), http, cache: Mutex::new(HashMap::new()) })
    }

    /// Enrolls this device from an enrollment code (`nyckel-enroll://…`, scanned or pasted):
    /// creates a device key, registers it with the provider, pins the provider's key and
    /// stores the enrollment — and the OTP account the code may carry — in the vault.
    /// `device_name` is shown in the provider's device list; `push_token` is the FCM/APNs
    /// token, if any. Errors: `Locked` (no key is created), `InvalidEnrollmentCode`,
    /// `ProviderUnreachable`, `ProviderUntrusted`, `ProviderRefused`, `DeviceKeyUnavailable`.
    /// On any error the new key is deleted and nothing is stored.
    #[uniffi::method(default(push_token = None))]
    pub fn enroll(&self, uri: String, device_name: String, push_token: Option<String>) -> Result<EnrollmentInfo, NyckelError> {
        let uri = Zeroizing::new(uri);
        let parsed = EnrollUri::parse(&uri)?;
        self.vault.with_vault(|v| if v.is_locked() { Err(NyckelError::Locked) } else { Ok(()) })?;
        let otp = parsed.otp.as_ref().map(|p| p.params.clone());
        let now = now()?;
        let (request, state) = protocol::enroll::begin(&parsed, &device_name, push_token.as_deref(), &self.keys, now)?;
        let alias = state.key_alias().to_owned();
        let delete_key = || {
            let _ = self.keys.0.delete_key(alias.clone());
        };
        let response = self.send(request).inspect_err(|_| delete_key())?;
        let enrollment = state.finish(&self.keys, &response, now)?; // deletes the key on error
        match self.vault.with_vault(|v| Ok(v.add_enrollment(&enrollment, otp)?)) {
            Ok((id, account)) => {
                let mut stored = enrollment;
                stored.otp_account_id = account.map(|a| a.id);
                Ok(info(id, &stored))
            }
            Err(e) => {
                delete_key();
                Err(e)
            }
        }
    }

    /// Every enrollment, oldest first.
    pub fn enrollments(&self) -> Result<Vec<EnrollmentInfo>, NyckelError> {
        self.vault.with_vault(|v| Ok(v.enrollments()?)).map(|all| all.iter().map(EnrollmentInfo::from).collect())
    }

    /// Asks every enrolled provider for the sign-ins waiting for this device (verifying each
    /// answer with the pinned provider key), and remembers them for `approve` / `deny` /
    /// `report`. Call on a push notification, when the app comes to the foreground, and on
    /// pull-to-refresh. `Locked` when the vault is locked.
    pub fn pending_requests(&self) -> Result<PendingRequests, NyckelError> {
        let enrollments = self.vault.with_vault(|v| Ok(v.enrollments()?))?;
        let now = now()?;
        let mut out = PendingRequests { requests: vec![], failures: vec![] };
        let mut fresh = HashMap::new();
        for stored in enrollments {
            let id = stored.id;
            match self.fetch(stored, now) {
                Ok(list) => {
                    for (shown, cached) in list {
                        fresh.insert(shown.request_id.clone(), cached);
                        out.requests.push(shown);
                    }
                }
                Err(e) => out.failures.push(FetchFailure { enrollment_id: id, reason: e.to_string() }),
            }
        }
        *self.cache() = fresh;
        Ok(out)
    }

    /// Approves a request from the last `pending_requests()` with the two-digit number the
    /// user typed from the sign-in screen. A passwordless request is signed with the phone
    /// sign-in key (the platform prompt shows inside `DeviceKeyStore.sign`). Errors:
    /// `InvalidNumber` (not 10–99; nothing sent), `RequestNotFound` (refresh), `WrongNumber`
    /// (the sign-in is dead), `RequestExpired`, `RequestNotPending`, `PhoneSigninNotEnabled`,
    /// `UserCancelled` / `UserVerificationFailed` (nothing sent; still pending),
    /// `ProviderUnreachable`, `DeviceRevoked`, …
    pub fn approve(&self, request_id: String, number: u8) -> Result<SignInOutcome, NyckelError> {
        self.decide(request_id, Decision::Approve { number })
    }

    /// "No, it's not me": denies a request from the last `pending_requests()`.
    pub fn deny(&self, request_id: String) -> Result<SignInOutcome, NyckelError> {
        self.decide(request_id, Decision::Deny)
    }

    /// "Report suspicious activity": denies the request and asks the provider to block new
    /// sign-in requests for the account for a while.
    pub fn report(&self, request_id: String) -> Result<SignInOutcome, NyckelError> {
        self.decide(request_id, Decision::Report)
    }

    /// Enables phone sign-in (passwordless) for an enrollment: creates a key that requires
    /// user verification (`create_key(alias, true)`), proves it with a signature (the
    /// platform prompt shows) and registers it. Logged. On error the new key is deleted.
    pub fn enable_phone_signin(&self, enrollment_id: i64) -> Result<(), NyckelError> {
        let now = now()?;
        let mut e = self.load(enrollment_id)?;
        let before = e.clock_offset;
        let old_alias = e.phone_signin_key_alias.clone();
        let result = self.exchange(
            &mut e,
            |e| protocol::enable_phone_signin(e, &self.keys, now),
            |state, e, resp| state.finish(e, &self.keys, resp, now),
        );
        if let Err(err) = result {
            let _ = self.save_clock(enrollment_id, before, &e);
            return Err(err);
        }
        let event = CoreEvent::PhoneSignin { enrollment_id, account_name: e.account_name.clone(), enabled: true };
        let mut replaced = None;
        let committed = self.commit(enrollment_id, Some(&event), |latest| {
            if latest.phone_signin_key_alias != old_alias {
                replaced = latest.phone_signin_key_alias.clone(); // enabled elsewhere meanwhile
            }
            latest.phone_signin_key_alias = e.phone_signin_key_alias.clone();
            latest.phone_signin_credential_id = e.phone_signin_credential_id.clone();
            latest.phone_signin_public_key = e.phone_signin_public_key.clone();
            latest.phone_signin_sign_count = e.phone_signin_sign_count;
            latest.clock_offset = e.clock_offset;
            true
        });
        if let Err(err) = committed {
            if let Some(alias) = e.phone_signin_key_alias.clone() {
                let _ = self.keys.0.delete_key(alias);
            }
            return Err(err);
        }
        if let Some(alias) = replaced {
            let _ = self.keys.0.delete_key(alias);
        }
        Ok(())
    }

    /// Disables phone sign-in for an enrollment (the provider forgets the key) and deletes
    /// its key. Logged.
    pub fn disable_phone_signin(&self, enrollment_id: i64) -> Result<(), NyckelError> {
        let now = now()?;
        let mut e = self.load(enrollment_id)?;
        let before = e.clock_offset;
        let old_alias = e.phone_signin_key_alias.clone();
        let result = self.exchange(
            &mut e,
            |e| protocol::disable_phone_signin(e, &self.keys, now),
            |state, e, resp| state.finish(e, &self.keys, resp, now),
        );
        if let Err(err) = result {
            let _ = self.save_clock(enrollment_id, before, &e);
            return Err(err);
        }
        let event = CoreEvent::PhoneSignin { enrollment_id, account_name: e.account_name.clone(), enabled: false };
        let mut stale = None;
        self.commit(enrollment_id, Some(&event), |latest| {
            if latest.phone_signin_key_alias != old_alias {
                stale = latest.phone_signin_key_alias.clone();
            }
            latest.phone_signin_key_alias = None;
            latest.phone_signin_credential_id = None;
            latest.phone_signin_public_key = None;
            latest.phone_signin_sign_count = 0;
            latest.clock_offset = e.clock_offset;
            true
        })?;
        if let Some(alias) = stale {
            let _ = self.keys.0.delete_key(alias);
        }
        Ok(())
    }

    /// Removes an enrollment: tells the provider (which revokes this device) when it can be
    /// reached, then deletes the enrollment from the vault (logged) and its keys. When the
    /// provider cannot be reached the enrollment is removed anyway and the provider keeps
    /// listing the device until an administrator or the user's account page revokes it.
    pub fn remove_enrollment(&self, enrollment_id: i64) -> Result<(), NyckelError> {
        let now = now()?;
        let mut e = self.load(enrollment_id)?;
        let _ = self.exchange(
            &mut e,
            |e| protocol::unenroll(e, &self.keys, now),
            |ack, e, resp| ack.finish(e, resp, now),
        );
        let removed = self.vault.with_vault(|v| Ok(v.remove_enrollment(enrollment_id)?))?;
        let _ = self.keys.0.delete_key(removed.device_key_alias.clone());
        if let Some(alias) = removed.phone_signin_key_alias {
            let _ = self.keys.0.delete_key(alias);
        }
        self.cache().retain(|_, c| c.enrollment_id != enrollment_id);
        Ok(())
    }

    /// Tells every provider the new push token (FCM/APNs rotate it); `None` clears it (the
    /// provider then stops pushing). Every enrollment is tried; the first error is returned
    /// (calling again is harmless).
    pub fn update_push_token(&self, token: Option<String>) -> Result<(), NyckelError> {
        let token = token.filter(|t| !t.is_empty());
        if token.as_ref().is_some_and(|t| t.len() > protocol::enroll::MAX_PUSH_TOKEN) {
            return Err(NyckelError::InvalidInput { reason: "the push token is too long".into() });
        }
        let enrollments = self.vault.with_vault(|v| Ok(v.enrollments()?))?;
        let now = now()?;
        let mut first_error = None;
        for stored in enrollments {
            let mut e = stored.enrollment;
            let before = e.clock_offset;
            let result = self.exchange(
                &mut e,
                |e| protocol::update_push_token(e, token.as_deref(), &self.keys, now),
                |ack, e, resp| ack.finish(e, resp, now),
            );
            let saved = self.save_clock(stored.id, before, &e);
            if let Err(err) = result.and(saved) {
                first_error.get_or_insert(err);
            }
        }
        first_error.map_or(Ok(()), Err)
    }

    /// Learns the provider's clock from its signed time and saves it; returns the offset in
    /// seconds (provider minus device), which the app may also apply to this account's codes.
    pub fn sync_time(&self, enrollment_id: i64) -> Result<i64, NyckelError> {
        let now = now()?;
        let mut e = self.load(enrollment_id)?;
        let (request, sync) = protocol::sync_time(&e);
        let response = self.send(request)?;
        let offset = sync.finish(&mut e, &response, now)?;
        self.commit(enrollment_id, None, |latest| {
            latest.clock_offset = offset;
            true
        })?;
        Ok(offset)
    }
}
