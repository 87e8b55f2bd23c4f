//! The provider's domain records, shared by the domain modules and the storage interface:
//! typed ids, users, devices, credentials, sign-in requests, activations, sessions, events.
//! Plain data, no I/O.

use std::fmt;

use nyckel_core::protocol::wire::RequestKind;
use serde::Serialize;

macro_rules! typed_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, Debug, PartialEq, Eq, Hash)]
        pub(crate) struct $name(String);

        impl $name {
            /// Wraps a stored or received id.
            pub(crate) fn new(id: impl Into<String>) -> Self {
                $name(id.into())
            }

            /// A fresh random id (16 bytes, b64url).
            pub(crate) fn random() -> Self {
                $name(crate::ids::new_id())
            }

            /// The id as text.
            pub(crate) fn as_str(&self) -> &str {
                &self.0
            }

            /// The id as owned text.
            pub(crate) fn into_string(self) -> String {
                self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
    };
}

typed_id!(
    /// A user's id.
    UserId
);
typed_id!(
    /// A device's id (also the id of its device credential).
    DeviceId
);
typed_id!(
    /// A credential's id.
    CredentialId
);
typed_id!(
    /// A sign-in request's id.
    RequestId
);

impl DeviceId {
    /// The id of the device's own credential (the key that signs its requests and push
    /// approvals): the same id.
    pub(crate) fn credential(&self) -> CredentialId {
        CredentialId(self.0.clone())
    }
}

/// A user account (no `Debug`: it holds the password hash and the TOTP secret).
#[derive(Clone)]
pub(crate) struct User {
    /// Id.
    pub id: UserId,
    /// The name as the administrator typed it (a lookup matches it in any case).
    pub name: String,
    /// Argon2id PHC hash of the password, if the user has one.
    pub password_hash: Option<String>,
    /// Base32 TOTP secret, carried in enrollment codes.
    pub otp_secret: Option<String>,
    /// When the user confirmed the secret with a code from the app (only then is it a
    /// sign-in method), if they have.
    pub otp_confirmed_at: Option<i64>,
    /// Until when sign-in requests are blocked after a report (Unix seconds; 0: not blocked).
    pub blocked_until: i64,
    /// The administrator disabled the user: no sign-in by any method.
    pub disabled: bool,
    /// The user's push notification budget.
    pub push_budget: PushBudget,
}

/// A user's push notification budget as stored (the domain's `push_budget.rs` judges it).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct PushBudget {
    /// Notifications sent since the user's last approval (unanswered, denied or superseded).
    pub unanswered: i64,
    /// When the last notification was sent (Unix seconds; 0: never).
    pub sent_at: i64,
    /// When the last sign-in request was created for the user, notified or not.
    pub tried_at: i64,
    /// Notifications are muted until then after a report (0 or past: not muted).
    pub muted_until: i64,
}

/// Why a request was created without a notification (quiet mode).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum QuietReason {
    /// A report muted the user's notifications.
    Muted,
    /// The user had their hour's notifications.
    HourlyLimit,
    /// Too many unanswered notifications since the last approval: quiet until one.
    Unanswered,
    /// Inside the back-off after the previous notification.
    BackOff,
}

impl QuietReason {
    /// Stored name (the `push_quiet` event's detail).
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            QuietReason::Muted => "muted",
            QuietReason::HourlyLimit => "hourly_limit",
            QuietReason::Unanswered => "unanswered",
            QuietReason::BackOff => "back_off",
        }
    }
}

/// The push budget's verdict for a new request, applied with it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct PushPlan {
    /// `None`: notify every target device; otherwise why not.
    pub quiet: Option<QuietReason>,
    /// The budget to store.
    pub budget: PushBudget,
}

/// A user to add.
pub(crate) struct NewUser {
    /// Id.
    pub id: UserId,
    /// Unique name.
    pub name: String,
    /// Argon2id PHC hash of the password.
    pub password_hash: Option<String>,
    /// Base32 TOTP secret, carried in enrollment codes.
    pub otp_secret: Option<String>,
    /// Creation time.
    pub created_at: i64,
}

/// A single-use activation code (only its hash is stored).
pub(crate) struct Activation {
    /// SHA-256 of the code, b64url.
    pub code_hash: String,
    /// Whose device it enrolls.
    pub user: UserId,
    /// Expiry.
    pub expires_at: i64,
    /// A transfer code: the device the enrolled one replaces (revoked at the new device's
    /// first authenticated call).
    pub replaces: Option<DeviceId>,
    /// The code carries the user's one-time-code secret: the device enrolled with it is
    /// recorded as having it (`devices.otp_delivered`), and only such a device gets it again
    /// with a transfer code (§4.10).
    pub carries_otp: bool,
}

/// A device to enroll, with the activation code it presents and its request nonce.
pub(crate) struct NewDevice {
    /// The new device's id.
    pub id: DeviceId,
    /// Display name (checked: no control, bidirectional or invisible characters).
    pub name: String,
    /// Push token, if any.
    pub push_token: Option<String>,
    /// SEC1 public key of the device credential.
    pub public_key: Vec<u8>,
    /// Hash of the presented activation code.
    pub activation_code_hash: String,
    /// Whose nonces these are before the device has an id (its public key, b64url).
    pub nonce_owner: String,
    /// The enrollment request's nonce.
    pub nonce: String,
    /// How long the nonce is remembered.
    pub nonce_ttl: i64,
}

/// How an enrollment attempt ended.
pub(crate) enum Enrolled {
    /// The device exists now.
    Done {
        /// Provider time when it was written.
        now: i64,
        /// Its user.
        user: UserId,
        /// The user's name.
        account_name: String,
        /// A transfer: the device the new one replaces.
        replaces: Option<DeviceId>,
    },
    /// The nonce was used before.
    Replayed,
    /// The activation code is unknown, used or expired.
    ActivationInvalid,
    /// A transfer code whose replaced device was revoked (the code is spent).
    ReplacedDeviceRevoked,
    /// A transfer code presented with a key the user already has.
    KeyReused,
}

impl Enrolled {
    /// Whether the enrollment is kept (a refused one leaves no trace, not even its nonce;
    /// a transfer code refused because its device was revoked is spent).
    pub(crate) fn commits(&self) -> bool {
        matches!(self, Enrolled::Done { .. } | Enrolled::ReplacedDeviceRevoked)
    }
}

/// A device's own key, for authenticating its signed requests.
pub(crate) struct DeviceKey {
    /// Its user.
    pub user: UserId,
    /// The device was revoked.
    pub revoked: bool,
    /// SEC1 public key.
    pub public_key: Vec<u8>,
    /// Enrolled with a transfer code and not yet confirmed: the device it replaces.
    pub replaces: Option<DeviceId>,
}

/// An authenticated device.
#[derive(Clone, Debug)]
pub(crate) struct DeviceRef {
    /// Device id.
    pub id: DeviceId,
    /// Its user.
    pub user: UserId,
}

/// What else a device's user can sign in with (§4.11).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct OtherMethods {
    /// Their other phones that are not revoked.
    pub phones: u32,
    /// A confirmed one-time-code method.
    pub one_time_code: bool,
}

/// Whether a user has devices.
#[derive(Clone, Copy, Debug)]
pub(crate) struct DevicePresence {
    /// At least one device that is not revoked.
    pub active: bool,
    /// At least one device, revoked ones included.
    pub ever: bool,
}

/// Who revokes a device.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[allow(clippy::enum_variant_names)] // `Revocation::ByUser` reads as what it is
pub(crate) enum Revocation {
    /// The administrator (CLI).
    ByAdmin,
    /// The app unenrolled itself.
    ByDevice,
    /// The user removed it on the account page.
    ByUser,
    /// The user reported it lost on the account page (after a step-up with another method):
    /// the user's pending sign-in requests end with it.
    Lost,
}

/// A transfer code to store (`POST /nyckel/v1/transfer`).
pub(crate) struct NewTransfer {
    /// The asking device, which the new phone replaces.
    pub device: DeviceRef,
    /// SHA-256 of the code, b64url.
    pub code_hash: String,
    /// Lifetime, seconds (from the time the store writes it).
    pub ttl: i64,
}

/// How issuing a transfer code ended.
pub(crate) enum TransferIssued {
    /// Stored; expires then.
    Issued {
        /// Provider time when it was written.
        now: i64,
        /// Expiry.
        expires_at: i64,
        /// The user's name (for the enrollment URI).
        account_name: String,
        /// The user's one-time-code secret (base32), read in the same transaction: the
        /// provider re-delivers it, marked managed, with the transfer code (§4.10).
        otp_secret: Option<String>,
    },
    /// The device was revoked while the request waited for the lock.
    DeviceRevoked,
}

/// What a credential is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum CredentialKind {
    /// The device key: signs requests and push approvals.
    Device,
    /// The phone sign-in key: passwordless approvals, with user verification.
    PhoneSignin,
}

impl CredentialKind {
    /// Stored name.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            CredentialKind::Device => "device",
            CredentialKind::PhoneSignin => "phone_signin",
        }
    }

    /// From the stored name.
    pub(crate) fn parse(s: &str) -> Option<Self> {
        match s {
            "device" => Some(CredentialKind::Device),
            "phone_signin" => Some(CredentialKind::PhoneSignin),
            _ => None,
        }
    }

    /// The credential that answers a request of this kind.
    pub(crate) fn for_request(kind: RequestKind) -> Self {
        match kind {
            RequestKind::Push => CredentialKind::Device,
            RequestKind::Passwordless => CredentialKind::PhoneSignin,
        }
    }
}

/// A credential with its device's state.
#[derive(Clone, Debug)]
pub(crate) struct Credential {
    /// Its user.
    pub user: UserId,
    /// Its device.
    pub device: DeviceId,
    /// What it is for.
    pub kind: CredentialKind,
    /// SEC1 public key.
    pub public_key: Vec<u8>,
    /// Stored signature counter.
    pub sign_count: i64,
    /// The credential was revoked.
    pub revoked: bool,
    /// Its device was revoked.
    pub device_revoked: bool,
}

/// A sign-in request's state.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum RequestState {
    /// Waiting for an answer.
    Pending,
    /// Approved with the right number.
    Approved,
    /// Denied.
    Denied,
    /// Denied and reported as suspicious.
    Reported,
    /// Approved with a wrong number: dead.
    WrongNumber,
    /// Not answered in time.
    Expired,
    /// Replaced by a newer request for the user.
    Superseded,
    /// Approved and turned into a browser session.
    Completed,
}

impl RequestState {
    /// Every state.
    pub(crate) const ALL: [RequestState; 8] = [
        RequestState::Pending,
        RequestState::Approved,
        RequestState::Denied,
        RequestState::Reported,
        RequestState::WrongNumber,
        RequestState::Expired,
        RequestState::Superseded,
        RequestState::Completed,
    ];

    /// Stored (and page-reported) name.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            RequestState::Pending => "pending",
            RequestState::Approved => "approved",
            RequestState::Denied => "denied",
            RequestState::Reported => "reported",
            RequestState::WrongNumber => "wrong_number",
            RequestState::Expired => "expired",
            RequestState::Superseded => "superseded",
            RequestState::Completed => "completed",
        }
    }

    /// From the stored name.
    pub(crate) fn parse(s: &str) -> Option<Self> {
        RequestState::ALL.into_iter().find(|st| st.as_str() == s)
    }
}

/// A stored sign-in request.
#[derive(Clone)]
pub(crate) struct SignInRequest {
    /// Id.
    pub id: RequestId,
    /// Its user.
    pub user: UserId,
    /// The user's name.
    pub account_name: String,
    /// Push or passwordless.
    pub kind: RequestKind,
    /// The WebAuthn challenge.
    pub nonce: Vec<u8>,
    /// The requesting application.
    pub app: String,
    /// Client IP.
    pub ip: String,
    /// Approximate location.
    pub location: String,
    /// Creation time.
    pub created_at: i64,
    /// Expiry.
    pub expires_at: i64,
    /// State.
    pub state: RequestState,
    /// Hash of the sign-in page's status token.
    pub browser_token_hash: Option<String>,
    /// A one-time code, not the phone's approval, completed it.
    pub completed_by_code: bool,
    /// The number shown on the page that started it.
    pub number: u8,
    /// Its devices were notified (not created in quiet mode).
    pub notified: bool,
    /// Started, or waited for, in a browser recognised as the user's (`known_browser.rs`).
    pub known_browser: bool,
}

/// A sign-in request to create (user, times and state are the store's to fill in).
pub(crate) struct NewSignIn {
    /// Id.
    pub id: RequestId,
    /// The WebAuthn challenge.
    pub nonce: Vec<u8>,
    /// The number shown on the sign-in page.
    pub number: u8,
    /// The requesting application.
    pub app: String,
    /// Client IP.
    pub ip: String,
    /// Approximate location.
    pub location: String,
    /// Expiry.
    pub expires_at: i64,
    /// Hash of the sign-in page's status token.
    pub browser_token_hash: String,
    /// The counter key of the client's address (`guessing::source_key`).
    pub source: String,
    /// Notify or not, and the budget to store.
    pub push: PushPlan,
    /// The user's open requests it replaces (state `superseded`): the same source's, and past
    /// the bound the ones `open_requests::admit` chose.
    pub replaces: Vec<RequestId>,
    /// Started in a browser recognised as the user's (`known_browser.rs`).
    pub known_browser: bool,
}

/// One of a user's open (pending, unexpired) sign-in requests, as a new start sees it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct OpenRequest {
    /// Id.
    pub id: RequestId,
    /// Push or passwordless.
    pub kind: RequestKind,
    /// Creation time.
    pub created_at: i64,
    /// A notification was sent for it (not quiet).
    pub notified: bool,
    /// The counter key of the address it came from (`guessing::source_key`; '' before
    /// version 9).
    pub source: String,
    /// Started in a browser recognised as the user's (`known_browser.rs`; false before
    /// version 12).
    pub known_browser: bool,
}

/// What the domain sees when it decides whether a sign-in may start, read inside the store's
/// write transaction.
pub(crate) struct StartContext<'a> {
    /// Provider time once the write lock is held.
    pub now: i64,
    /// The user, if the name is known.
    pub user: Option<&'a User>,
    /// Devices with a live credential of the request's kind (push targets).
    pub targets: usize,
    /// The user's open (pending, unexpired) requests, either kind.
    pub open: &'a [OpenRequest],
    /// The user's recognised sources: the addresses (source keys) of their completed
    /// sign-ins in the recognition window, newest first, at most as many as asked.
    pub recognised: &'a [String],
    /// Requests of this kind created for the user in the rate-limit window (`push`: from
    /// the same source address only).
    pub recent: i64,
    /// Notifications sent for the user's requests in the last hour.
    pub notified_last_hour: i64,
}

/// The domain's decision on a sign-in start, applied by the store in the same transaction.
pub(crate) enum StartVerdict {
    /// Refused; nothing is written.
    Refuse(crate::error::Error),
    /// Over the rate limit: the refusal is recorded as an event.
    RateLimited,
    /// Create the request: mark the open requests it replaces `superseded` (and the user's
    /// pending requests past their expiry `expired`), record a push trigger per target unless
    /// the plan is quiet (then a `push_quiet` event), store the budget, and record an event.
    Create(Box<NewSignIn>),
}

/// What the domain sees when it judges an assertion's decision, read inside the store's
/// write transaction (everything that can change while waiting for the lock).
#[derive(Clone, Copy, Debug)]
pub(crate) struct DecideContext {
    /// Provider time once the write lock is held.
    pub now: i64,
    /// The request's state.
    pub state: RequestState,
    /// The request's number.
    pub number: i64,
    /// The request's expiry.
    pub expires_at: i64,
    /// The credential's stored signature counter.
    pub sign_count: i64,
    /// The credential was revoked.
    pub credential_revoked: bool,
    /// Its device was revoked.
    pub device_revoked: bool,
    /// The request names the credential's device as one it must never reach (the phone a
    /// lost-phone step-up is about).
    pub excluded: bool,
    /// The request's user's push budget.
    pub push_budget: PushBudget,
}

/// The domain's judgement of an assertion, applied by the store in the same transaction.
#[derive(Debug)]
pub(crate) enum DecideVerdict {
    /// Refused; nothing is written.
    Refuse(crate::error::Error),
    /// The request expired: mark it so.
    Expire,
    /// The signature counter did not increase: record the event.
    CounterNotIncreased,
    /// Apply the decision: store the counter, move the pending request to `state` (with the
    /// credential), block the user until `block_until` if set, and record the event.
    Decide {
        /// The new state.
        state: RequestState,
        /// The assertion's counter.
        sign_count: i64,
        /// Block the user's sign-ins until then (a report).
        block_until: Option<i64>,
        /// Mute the user's notifications until then (a report; never shortens a mute).
        mute_until: Option<i64>,
        /// The user's push budget to store (an approval: `push_budget::answered`).
        push_budget: Option<PushBudget>,
    },
}

/// A password-attempt counter (per user name or per source address).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct AttemptCounter {
    /// Attempts counted (failures, and attempts still being checked).
    pub count: i64,
    /// When counting started (the source window's start).
    pub since: i64,
    /// The last attempt counted.
    pub last_at: i64,
}

/// Which of a user name's two failure counters a password attempt counts on (smart lockout,
/// `guessing.rs`): failures from elsewhere never delay or lock the user's own browser.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Familiarity {
    /// The user's familiar context: a browser recognised as theirs (`known_browser.rs`) or one
    /// of their recognised addresses (those of their recently completed sign-ins).
    Familiar,
    /// Anywhere else, and every attempt for a name that is no user's.
    Unfamiliar,
}

impl Familiarity {
    /// Its name in logs and `password_failed` events.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Familiarity::Familiar => "familiar",
            Familiarity::Unfamiliar => "unfamiliar",
        }
    }
}

/// What the domain sees when it decides whether a password may be checked, read inside the
/// store's write transaction.
#[derive(Clone, Copy, Debug)]
pub(crate) struct AttemptContext {
    /// Provider time once the write lock is held.
    pub now: i64,
    /// The user name's consecutive failures in the attempt's context (familiar or not), if
    /// any.
    pub name: Option<AttemptCounter>,
    /// The source address's attempts in its window, if any.
    pub source: Option<AttemptCounter>,
}

/// The domain's decision on a password attempt, applied by the store in the same transaction.
#[derive(Debug)]
pub(crate) enum AttemptVerdict {
    /// Refused before the password is checked; nothing is written.
    Refuse(crate::error::Error),
    /// Check the password; the attempt is counted first (as a failure until it succeeds), so
    /// parallel guesses cannot slip past the limit.
    Allow {
        /// The user name's counter to store.
        name: AttemptCounter,
        /// The source's counter to store.
        source: AttemptCounter,
    },
}

/// How a counted password attempt ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum AttemptOutcome {
    /// The password was right: the name's failures in the attempt's context are forgotten
    /// (the other context's stay) and the source's attempt uncounted.
    Success,
    /// Wrong (or no such user): it stays counted; a known user gets a `password_failed` event.
    Failure,
}

/// What the domain sees when it judges a browser's completion of a request, read inside the
/// store's write transaction.
#[derive(Clone, Debug)]
pub(crate) struct CompletionContext {
    /// Provider time once the write lock is held.
    pub now: i64,
    /// The request's state.
    pub state: RequestState,
    /// The request's expiry.
    pub expires_at: i64,
    /// The credential that approved it, and its device, are not revoked.
    pub approver_live: bool,
    /// The request's user.
    pub user: UserId,
    /// The device whose credential approved it, if any.
    pub approver_device: Option<DeviceId>,
}

/// The domain's judgement of a completion, applied by the store in the same transaction.
#[derive(Debug)]
pub(crate) enum CompletionVerdict {
    /// Refused; nothing is written.
    Refuse(crate::error::Error),
    /// Too late: mark the approved request `expired`.
    Expire,
    /// Move `approved` → `completed`, open the session and record `signed_in`.
    Complete,
}

/// A browser session to open (only the token's hash is stored).
pub(crate) struct NewSession {
    /// SHA-256 of the session token, b64url.
    pub token_hash: String,
    /// Lifetime, seconds (from the time the store writes it).
    pub ttl: i64,
}

/// When a browser session began and what it recorded of the user's methods then.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct SessionStart {
    /// When it was opened (Unix seconds).
    pub started: i64,
    /// The methods at its start; `None` for a session opened before schema version 18.
    pub methods: Option<MethodsAtStart>,
}

/// A user's sign-in methods when one of their browser sessions began (recorded with it).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct MethodsAtStart {
    /// The user's devices (active or not) that existed then.
    pub devices: Vec<DeviceId>,
    /// Their one-time code was confirmed then.
    pub code: bool,
    /// They had neither an active phone nor a confirmed code then.
    pub bootstrap: bool,
}

/// Kinds of activity events.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum EventKind {
    /// A user was added.
    UserAdded,
    /// A sign-in was refused by the rate limit.
    RateLimited,
    /// A wrong password was given for the user.
    PasswordFailed,
    /// The administrator unlocked the user's password sign-in.
    PasswordUnlocked,
    /// A sign-in request was created.
    SigninStarted,
    /// A browser session was opened.
    SignedIn,
    /// An assertion's counter did not increase.
    CounterNotIncreased,
    /// A request was answered (approved, denied, reported, wrong number).
    Decided(RequestState),
    /// A device was enrolled.
    DeviceEnrolled,
    /// Phone sign-in was enabled.
    PhoneSigninEnabled,
    /// Phone sign-in was disabled.
    PhoneSigninDisabled,
    /// A device's push token changed.
    PushTokenUpdated,
    /// A device was revoked.
    DeviceRevoked,
    /// The app unenrolled its device.
    DeviceUnenrolled,
    /// The user confirmed their one-time-code secret with a code from the app.
    OneTimeCodeConfirmed,
    /// A wrong or already used one-time code was typed.
    OneTimeCodeRefused,
    /// The administrator disabled the user.
    UserDisabled,
    /// The administrator enabled the user again.
    UserEnabled,
    /// The administrator lifted the block a report set.
    UserUnblocked,
    /// The administrator set (or removed) the user's password.
    PasswordSet,
    /// The administrator deleted a user (the event keeps the name, not the user).
    UserDeleted,
    /// The user removed one of their devices on the account page.
    DeviceRemoved,
    /// A device asked for a transfer code for a new phone.
    TransferIssued,
    /// A new phone enrolled with a transfer code made its first authenticated call; the
    /// device it replaces is revoked.
    DeviceTransferred,
    /// A request was created without a notification (quiet mode; detail: why).
    PushQuiet,
    /// A report muted the user's notifications (detail: until when, Unix seconds).
    PushesMuted,
    /// The user added a one-time-code secret on the account page (not yet confirmed).
    OneTimeCodeAdded,
    /// The user removed their one-time-code secret on the account page.
    OneTimeCodeRemoved,
    /// The user reported a device lost on the account page; it is revoked (detail: the device).
    DeviceLost,
    /// A step-up on the account page passed (detail: what for, and with which method).
    StepUpPassed,
    /// A step-up on the account page was refused (detail: what for, and why).
    StepUpRefused,
    /// The administrator replaced a user's phones (`user replace-phone`): every active one
    /// revoked, whatever waited or was signed in ended, a new enrollment code issued (detail:
    /// the revoked devices, space-separated).
    PhonesReplaced,
}

impl EventKind {
    /// Stored name.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            EventKind::UserAdded => "user_added",
            EventKind::RateLimited => "rate_limited",
            EventKind::PasswordFailed => "password_failed",
            EventKind::PasswordUnlocked => "password_unlocked",
            EventKind::SigninStarted => "signin_started",
            EventKind::SignedIn => "signed_in",
            EventKind::CounterNotIncreased => "counter_not_increased",
            EventKind::Decided(state) => state.as_str(),
            EventKind::DeviceEnrolled => "device_enrolled",
            EventKind::PhoneSigninEnabled => "phone_signin_enabled",
            EventKind::PhoneSigninDisabled => "phone_signin_disabled",
            EventKind::PushTokenUpdated => "push_token_updated",
            EventKind::DeviceRevoked => "device_revoked",
            EventKind::DeviceUnenrolled => "device_unenrolled",
            EventKind::OneTimeCodeConfirmed => "otp_confirmed",
            EventKind::OneTimeCodeRefused => "otp_refused",
            EventKind::UserDisabled => "user_disabled",
            EventKind::UserEnabled => "user_enabled",
            EventKind::UserUnblocked => "user_unblocked",
            EventKind::PasswordSet => "password_set",
            EventKind::UserDeleted => "user_deleted",
            EventKind::DeviceRemoved => "device_removed",
            EventKind::TransferIssued => "transfer_issued",
            EventKind::DeviceTransferred => "device_transferred",
            EventKind::PushQuiet => "push_quiet",
            EventKind::PushesMuted => "pushes_muted",
            EventKind::OneTimeCodeAdded => "otp_added",
            EventKind::OneTimeCodeRemoved => "otp_removed",
            EventKind::DeviceLost => "device_lost",
            EventKind::StepUpPassed => "step_up_passed",
            EventKind::StepUpRefused => "step_up_refused",
            EventKind::PhonesReplaced => "phones_replaced",
        }
    }
}

/// Provider settings.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Setting {
    /// The provider's signing key (PKCS#8, b64url).
    ProviderKey,
    /// Public origin.
    Origin,
    /// WebAuthn rpId.
    RpId,
    /// Display name.
    Issuer,
    /// Whom users contact when they are blocked or locked out ("IT-support 040-123 45 67").
    Helpdesk,
    /// The key of the username-only sign-in's decoy tokens (32 random bytes, b64url).
    DecoyKey,
    /// The key of recognised browsers' `nyckel_known` cookies (32 random bytes, b64url).
    KnownBrowserKey,
    /// The key of the phone sign-in challenges' MACs (32 random bytes, b64url).
    ChallengeKey,
}

impl Setting {
    /// Stored key.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Setting::ProviderKey => "provider_key",
            Setting::Origin => "origin",
            Setting::RpId => "rp_id",
            Setting::Issuer => "issuer",
            Setting::Helpdesk => "helpdesk",
            Setting::DecoyKey => "decoy_key",
            Setting::KnownBrowserKey => "known_browser_key",
            Setting::ChallengeKey => "phone_signin_challenge_key",
        }
    }
}

/// A device as listed by the admin CLI and the account page.
#[derive(Clone, Debug, Serialize)]
pub struct DeviceInfo {
    /// Device id.
    #[serde(rename = "deviceId")]
    pub device_id: String,
    /// Name.
    pub name: String,
    /// Enrollment time.
    #[serde(rename = "createdAt")]
    pub created_at: i64,
    /// Revocation time.
    #[serde(rename = "revokedAt")]
    pub revoked_at: Option<i64>,
    /// Phone sign-in enabled.
    #[serde(rename = "phoneSignin")]
    pub phone_signin: bool,
    /// A push token is registered.
    #[serde(rename = "hasPushToken")]
    pub has_push_token: bool,
    /// When it last answered a sign-in request (Unix seconds), if ever.
    #[serde(rename = "lastUsedAt")]
    pub last_used_at: Option<i64>,
    /// The attestation format the provider verified for its live phone sign-in key
    /// (`android-key`, `apple-appattest`), if one was: only a provider that requires
    /// attestation verifies one.
    #[serde(rename = "phoneSigninAttestation")]
    pub phone_signin_attestation: Option<String>,
}

/// A user as the admin CLI lists it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct UserInfo {
    /// User name.
    pub name: String,
    /// Added (Unix seconds).
    #[serde(rename = "createdAt")]
    pub created_at: i64,
    /// Disabled by the administrator (Unix seconds), if so.
    #[serde(rename = "disabledAt")]
    pub disabled_at: Option<i64>,
    /// New sign-ins blocked after a report until then (Unix seconds; 0 or past: not blocked).
    #[serde(rename = "blockedUntil")]
    pub blocked_until: i64,
    /// Push notifications muted after a report until then (Unix seconds; 0 or past: not
    /// muted). Requests are still created and listed to the app.
    #[serde(rename = "pushesMutedUntil")]
    pub pushes_muted_until: i64,
    /// Notifications sent since the user's last approval (the push budget's count).
    #[serde(rename = "unansweredPushes")]
    pub unanswered_pushes: i64,
    /// The user has a password.
    #[serde(rename = "hasPassword")]
    pub has_password: bool,
    /// The user confirmed a one-time-code secret (a sign-in method).
    #[serde(rename = "oneTimeCodes")]
    pub one_time_codes: bool,
    /// Devices not revoked.
    #[serde(rename = "activeDevices")]
    pub active_devices: i64,
}

/// What deleting a user removed with it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct DeletedUser {
    /// Devices (revoked ones included) and their credentials.
    pub devices: i64,
    /// Sign-in requests.
    pub requests: i64,
    /// Browser sessions.
    pub sessions: i64,
    /// Activity events.
    pub events: i64,
}

/// What one batch of the retention purge deleted (`Provider::purge`, `Config::retention`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Purged {
    /// Finished sign-in requests.
    pub requests: u64,
    /// Push log entries (one per device a request was pushed to).
    pub push_log: u64,
    /// Expired browser sessions (with their OpenID Connect sessions).
    pub sessions: u64,
    /// Events.
    pub events: u64,
    /// Whether a table may have more to purge now (a batch filled up): run another batch.
    pub more: bool,
}

/// An activity event.
#[derive(Clone, Debug, Serialize)]
pub struct EventInfo {
    /// Time.
    pub at: i64,
    /// User name, if any.
    pub user: Option<String>,
    /// Kind.
    pub kind: String,
    /// Detail.
    pub detail: String,
    /// The client's address ('' when none).
    pub ip: String,
    /// The application ('' when none).
    pub app: String,
    /// The approximate place ('' when none).
    pub place: String,
}

/// A push trigger recorded for a request (the reference provider records what it would send
/// to FCM/APNs: `{"nyckel":1,"requestId":ID}` to this device's token).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct PushTrigger {
    /// The device.
    #[serde(rename = "deviceId")]
    pub device_id: String,
    /// Its push token then, if it had one.
    #[serde(rename = "pushToken")]
    pub push_token: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stored_names_round_trip() {
        for st in RequestState::ALL {
            assert_eq!(RequestState::parse(st.as_str()), Some(st));
        }
        assert_eq!(RequestState::parse("maybe"), None);
        for k in [CredentialKind::Device, CredentialKind::PhoneSignin] {
            assert_eq!(CredentialKind::parse(k.as_str()), Some(k));
        }
        assert_eq!(EventKind::Decided(RequestState::WrongNumber).as_str(), "wrong_number");
    }
}

/// What a one-time code is typed for.
pub(crate) enum CodeUse<'a> {
    /// Confirming the user's secret (activation, on the account page), from client address
    /// `.1` (for the event).
    Confirm(&'a UserId, &'a str),
    /// Proving the user's confirmed secret again (a step-up on the account page): a right
    /// code only uses up its time step.
    StepUp(&'a UserId),
    /// Signing in instead of approving push request `request` (its password was checked when
    /// it started): a right code completes the request into `session`.
    SignIn {
        /// The push request.
        request: &'a RequestId,
        /// The browser session to open.
        session: &'a NewSession,
    },
}

/// The sign-in request a code is typed for, as the store read it.
#[derive(Clone, Copy, Debug)]
pub(crate) struct CodeRequest {
    /// Push or passwordless.
    pub kind: RequestKind,
    /// Its state.
    pub state: RequestState,
    /// Its expiry.
    pub expires_at: i64,
}

/// What the store read, under its write lock, to judge a one-time code (no `Debug`: it holds
/// the secret).
pub(crate) struct CodeContext<'a> {
    /// The store's time, after the write lock.
    pub now: i64,
    /// The user's base32 secret, if any.
    pub secret: Option<&'a str>,
    /// Whether the secret is confirmed.
    pub confirmed: bool,
    /// The newest time step whose code was accepted.
    pub last_step: Option<i64>,
    /// When the user's wrong codes in the failure window were typed, oldest first.
    pub failures: &'a [i64],
    /// For a sign-in: the request (`None`: no such request).
    pub request: Option<CodeRequest>,
    /// The user's push budget (a sign-in by code is the user's presence, like an approval).
    pub push_budget: PushBudget,
}

/// The domain's verdict on a one-time code, which the store applies.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum OtpVerdict {
    /// The code of time step `step`: accept (remember the step; confirm, or complete the
    /// request into the session).
    Accept {
        /// Its time step.
        step: i64,
        /// For a sign-in: the user's push budget to store (`push_budget::answered`).
        push_budget: Option<PushBudget>,
    },
    /// Not the code of any step in the window: record a failure.
    Wrong,
    /// The code of a step already used: record a failure.
    Reused,
    /// Too many wrong codes: refuse without checking until `until`.
    Limited {
        /// When the oldest failure in the window leaves it.
        until: i64,
    },
    /// The user has no such method (no secret; not confirmed for a sign-in; already confirmed
    /// for a confirmation): nothing written.
    Unavailable,
    /// The sign-in request is not a pending, unexpired push request: nothing written.
    RequestOver,
}
