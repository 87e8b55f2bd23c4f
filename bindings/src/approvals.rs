//! Push approvals and phone sign-in: the [`NyckelApprovals`] object and its records.
//!
//! A thin mirror of `nyckel_core::approvals`: `Approvals` holds every flow rule (counter
//! committed with a compare-and-set before the assertion is sent, every signed decision
//! logged, one retry after clock skew, keys of failed enrollments and activations deleted,
//! no lock held across the network or the key store) and `SignInRequests` the requests
//! answered by id (the two-digit check, which errors end a request). What is here: the
//! records and the device clock. Errors are exported in `error.rs`.

use std::sync::{Arc, Mutex};

use nyckel_core::approvals::{ApprovalError, Approvals, PendingSignIn, SignInRequests};
use nyckel_core::protocol::{Decision, Enrollment, RequestKind, RespondAnswer, RespondOutcome};
use nyckel_core::vault::{StoredEnrollment, Vault};
use nyckel_core::{ErrorKind, NextStep};
use zeroize::Zeroizing;

use crate::error::NyckelError;
use crate::http::{HttpAdapter, HttpClient};
use crate::keys::{DeviceKeyStore, KeysAdapter};
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

/// An enrollment whose provider could not be asked (or told), with why: the core's
/// classification, as `NyckelError` gives it for a failed call.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct FetchFailure {
    pub enrollment_id: i64,
    /// What went wrong (the app picks its sentence by it).
    pub kind: ErrorKind,
    /// What the user does next.
    pub next_step: NextStep,
    /// One English line (for logs, and shown where a screen adds it).
    pub reason: String,
}

impl FetchFailure {
    pub(crate) fn new(enrollment_id: i64, e: ApprovalError) -> Self {
        let e = NyckelError::from(e);
        FetchFailure {
            enrollment_id,
            kind: e.kind(),
            next_step: e.next_step(),
            reason: e.to_string(),
        }
    }
}

/// What `remove_enrollment` did: the enrollment and its keys are gone either way.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct RemovedEnrollment {
    /// The provider acknowledged revoking this device.
    pub provider_revoked: bool,
    /// Why the provider could not be told, when it could not: it keeps listing the device
    /// until an administrator or the user's account page revokes it (say so).
    pub provider_failure: Option<FetchFailure>,
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

/// What a report did: the provider blocks new sign-in requests for the account, the user's own
/// too, until the block ends or the administrator lifts it.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct ReportOutcome {
    /// Until when new sign-ins are blocked: Unix seconds on this device's clock (show it as a
    /// local time); `None` when the provider did not say.
    pub blocked_until: Option<i64>,
    /// Whom to contact to sign in before then, as the provider's administrator wrote it
    /// (characters unsafe to show removed); `None` when the provider did not say.
    pub contact: Option<String>,
}

impl From<RespondAnswer> for ReportOutcome {
    fn from(a: RespondAnswer) -> Self {
        let block = a.block.unwrap_or_default();
        ReportOutcome { blocked_until: block.until, contact: block.contact }
    }
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

impl From<&PendingSignIn> for SignInRequest {
    fn from(p: &PendingSignIn) -> Self {
        let r = &p.request;
        SignInRequest {
            request_id: r.id.clone(),
            enrollment_id: p.enrollment_id,
            issuer: p.issuer.clone(),
            account_name: r.account_name.clone(),
            app: r.app.clone(),
            ip: r.ip.clone(),
            location: r.location.clone(),
            created_at: r.created_at,
            expires_at: r.expires_at,
            seconds_left: p.seconds_left,
            passwordless: r.kind == RequestKind::Passwordless,
        }
    }
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
    http: HttpAdapter,
    /// The requests of the last `pending_requests()` (with their challenges), by request id.
    requests: SignInRequests,
}

/// The device clock when a call starts (the core's system clock). The core advances it
/// with the same clock while the call runs, so a clock offset is learned at the time an
/// answer arrives (protocol §8).
pub(crate) fn now() -> Result<i64, NyckelError> {
    nyckel_core::clock::system_unix_time()
        .ok_or_else(|| NyckelError::Internal { reason: "the system clock is before 1970".into() })
}

impl NyckelApprovals {
    /// The core's flows over this object's vault, keys and client (cheap: borrows only).
    pub(crate) fn core(&self) -> Approvals<'_, Mutex<Option<Vault>>> {
        Approvals::new(self.vault.access(), &self.keys, &self.http)
    }

    fn decide(&self, request_id: String, decision: Decision) -> Result<RespondAnswer, NyckelError> {
        Ok(self.requests.decide(&self.core(), &request_id, decision, now()?)?)
    }
}

#[uniffi::export]
impl NyckelApprovals {
    /// Binds a vault (unlocked for most calls), the platform's device-key store and HTTP client.
    #[uniffi::constructor]
    pub fn new(
        vault: Arc<NyckelVault>,
        device_keys: Arc<dyn DeviceKeyStore>,
        http: Arc<dyn HttpClient>,
    ) -> Arc<Self> {
        Arc::new(NyckelApprovals {
            vault,
            keys: KeysAdapter(device_keys),
            http: HttpAdapter(http),
            requests: SignInRequests::new(),
        })
    }

    /// Enrolls this device from an enrollment code (`nyckel-enroll://…`, scanned or pasted):
    /// creates a device key, registers it with the provider, pins the provider's key and
    /// stores the enrollment — and the OTP account the code may carry — in the vault.
    /// `device_name` is shown in the provider's device list; `push_token` is the FCM/APNs
    /// token, if any. Errors: `Locked` (no key is created), `InvalidEnrollmentCode`,
    /// `ProviderUnreachable`, `ProviderUntrusted`, `ProviderRefused`, `DeviceKeyUnavailable`.
    /// On any error the new key is deleted and nothing is stored.
    #[uniffi::method(default(push_token = None))]
    pub fn enroll(
        &self,
        uri: String,
        device_name: String,
        push_token: Option<String>,
    ) -> Result<EnrollmentInfo, NyckelError> {
        let uri = Zeroizing::new(uri);
        let now = now()?;
        let enrolled = self.core().enroll(&uri, &device_name, push_token.as_deref(), now)?;
        Ok(info(enrolled.enrollment_id, &enrolled.enrollment))
    }

    /// Every enrollment, oldest first.
    pub fn enrollments(&self) -> Result<Vec<EnrollmentInfo>, NyckelError> {
        Ok(self.core().enrollments()?.iter().map(EnrollmentInfo::from).collect())
    }

    /// Asks every enrolled provider for the sign-ins waiting for this device (verifying each
    /// answer with the pinned provider key), and remembers them for `approve` / `deny` /
    /// `report`. Call on a push notification, when the app comes to the foreground, and on
    /// pull-to-refresh. `Locked` when the vault is locked.
    pub fn pending_requests(&self) -> Result<PendingRequests, NyckelError> {
        let found = self.requests.fetch(&self.core(), now()?)?;
        let requests = found.requests.iter().map(SignInRequest::from).collect();
        let failures = found.failures.into_iter().map(|(id, e)| FetchFailure::new(id, e)).collect();
        Ok(PendingRequests { requests, failures })
    }

    /// Approves a request from the last `pending_requests()` with the two-digit number the
    /// user typed from the sign-in screen. A passwordless request is signed with the phone
    /// sign-in key (the platform prompt shows inside `DeviceKeyStore.sign`). Errors:
    /// `InvalidNumber` (not 10–99; nothing sent), `RequestNotFound` (refresh), `WrongNumber`
    /// (the sign-in is dead), `RequestExpired`, `RequestNotPending`, `PhoneSigninNotEnabled`,
    /// `UserCancelled` / `UserVerificationFailed` (nothing sent; still pending),
    /// `PhoneSigninKeyUnavailable` (the phone sign-in key is gone or unusable: enable phone
    /// sign-in again; nothing sent; still pending), `ProviderUnreachable`, `DeviceRevoked`, …
    pub fn approve(&self, request_id: String, number: u8) -> Result<SignInOutcome, NyckelError> {
        Ok(self.decide(request_id, Decision::Approve { number })?.outcome.into())
    }

    /// "No, it's not me": denies a request from the last `pending_requests()`.
    pub fn deny(&self, request_id: String) -> Result<SignInOutcome, NyckelError> {
        Ok(self.decide(request_id, Decision::Deny)?.outcome.into())
    }

    /// "Report suspicious activity": denies the request and asks the provider to block new
    /// sign-in requests for the account — the user's own too — for a while. The answer says
    /// until when and whom to contact, as far as the provider said (say both before asking
    /// the user to confirm a report, and show them after).
    pub fn report(&self, request_id: String) -> Result<ReportOutcome, NyckelError> {
        Ok(self.decide(request_id, Decision::Report)?.into())
    }

    /// Enables phone sign-in (passwordless) for an enrollment: creates a key that requires
    /// user verification (`create_key(alias, true)`), proves it with a signature (the
    /// platform prompt shows) and registers it. Logged. On error the new key is deleted; a
    /// key it replaces is deleted only once the vault saved the new one. Errors include
    /// `PhoneSigninKeyUnavailable` (the new key could not be made or used, `reason` says why;
    /// or phone sign-in was changed by another call at the same moment: enable it again).
    pub fn enable_phone_signin(&self, enrollment_id: i64) -> Result<(), NyckelError> {
        Ok(self.core().enable_phone_signin(enrollment_id, now()?)?)
    }

    /// Disables phone sign-in for an enrollment (the provider forgets the key) and deletes
    /// its key once the vault saved that it is off. Logged.
    pub fn disable_phone_signin(&self, enrollment_id: i64) -> Result<(), NyckelError> {
        Ok(self.core().disable_phone_signin(enrollment_id, now()?)?)
    }

    /// Removes an enrollment: tells the provider (which revokes this device) when it can be
    /// reached, then deletes the enrollment from the vault (logged) and its keys. When the
    /// provider cannot be reached the enrollment is removed anyway and the provider keeps
    /// listing the device until an administrator or the user's account page revokes it:
    /// `provider_failure` says why (show it, as a note).
    pub fn remove_enrollment(&self, enrollment_id: i64) -> Result<RemovedEnrollment, NyckelError> {
        let removed = self.core().unenroll(enrollment_id, now()?)?;
        self.requests.forget_enrollment(enrollment_id);
        let provider_failure = removed.provider.err().map(|e| FetchFailure::new(enrollment_id, e));
        Ok(RemovedEnrollment { provider_revoked: provider_failure.is_none(), provider_failure })
    }

    /// Tells every provider the new push token (FCM/APNs rotate it); `None` clears it (the
    /// provider then stops pushing). Every enrollment is tried; the first error is returned
    /// (calling again is harmless).
    pub fn update_push_token(&self, token: Option<String>) -> Result<(), NyckelError> {
        Ok(self.core().update_push_token(token.as_deref(), now()?)?)
    }

    /// Learns the provider's clock from its signed time and saves it; returns the offset in
    /// seconds (provider minus device), which the app may also apply to this account's codes.
    pub fn sync_time(&self, enrollment_id: i64) -> Result<i64, NyckelError> {
        Ok(self.core().sync_time(enrollment_id, now()?)?)
    }
}
