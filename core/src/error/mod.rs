//! The one classification of every error the core returns (see `docs/mobile.md`, "Errors").
//!
//! The core's error enums ([`VaultError`], [`ProtocolError`], [`ApprovalError`],
//! [`ParseError`], …) say precisely what went wrong, for code and for developers. Each of
//! them implements [`Classify`], which says what that means for the user: the
//! [`ErrorKind`] (what the app and the CLI say), the [`NextStep`] (what the user does
//! next) and whether a sign-in request can still be answered ([`ErrorKind::ends_request`]).
//! The bindings export this classification and nothing else; the CLI and the apps only
//! render it. The split follows mozilla application-services' internal errors vs. public
//! error classification.
//!
//! Rules: every `Display` text is one line and secret-free (no secret, passphrase, key,
//! nonce, activation code or sign-in number); what is only useful to a developer (SQLite's
//! own text) stays out of `Display` and is reachable through [`Classify::log_detail`].
//!
//! How to add an error variant: add it to its enum, then let the compiler lead you — every
//! `match` below is exhaustive, so the new variant must be given a kind (and
//! [`Classify::by_user`]) here before anything builds. A new [`ErrorKind`] must also be
//! given its next step and request rule below, its exported mirror in `bindings/src/error.rs`
//! and a sentence in both apps (their tests fail until it has one).

use crate::approvals::ApprovalError;
use crate::codes::CodeError;
use crate::otpauth::ParseError;
use crate::protocol::{KeyStoreError, ProtocolError, ProviderCode, UriError};
use crate::vault::{ProtectorError, VaultError};

mod storage;
pub use storage::StorageFault;

/// What went wrong, as the user is told. Each kind has one sentence in each app and one
/// next step ([`ErrorKind::next_step`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ErrorKind {
    /// The text is not an `otpauth://` URI Nyckel accepts.
    InvalidUri,
    /// A value typed or passed was rejected (empty passphrase, digits out of range, …).
    InvalidInput,
    /// The passphrase does not open the vault.
    WrongPassphrase,
    /// The vault is locked.
    Locked,
    /// The vault was closed (by the app) while the call needed it.
    Closed,
    /// No account with that id.
    NotFound,
    /// No push-approval enrollment with that id.
    EnrollmentNotFound,
    /// The account is already in the vault.
    Duplicate,
    /// No vault file at the path.
    NoVault,
    /// A file exists where a new vault was to be created.
    AlreadyExists,
    /// The vault file is damaged or not a Nyckel vault.
    Damaged,
    /// The vault was written by a newer Nyckel.
    TooNew,
    /// The vault has no platform (biometric) key slot.
    NoPlatformKey,
    /// The user dismissed a biometric / device-credential prompt.
    UserCancelled,
    /// The platform key that unlocks the vault was invalidated (biometrics changed).
    KeyInvalidated,
    /// The platform key store cannot be used right now.
    KeyUnavailable,
    /// The platform key store failed.
    KeyProtector,
    /// The vault file could not be read or written.
    Storage,
    /// A bug in Nyckel.
    Internal,
    /// The typed number did not match the sign-in screen; the provider stopped the sign-in.
    WrongNumber,
    /// The sign-in request has expired.
    RequestExpired,
    /// The sign-in request is no longer waiting (answered elsewhere, superseded, withdrawn).
    RequestNotPending,
    /// The sign-in request is not among the last fetched ones.
    RequestNotFound,
    /// Another call changed the same account at the same moment; nothing was sent.
    Busy,
    /// The number is not two digits (10–99).
    InvalidNumber,
    /// A passwordless request, but phone sign-in is not enabled for the account.
    PhoneSigninNotEnabled,
    /// The provider revoked this device (or no longer knows it).
    DeviceRevoked,
    /// No answer from the provider.
    ProviderUnreachable,
    /// The provider answered with an error.
    ProviderRefused,
    /// The provider's answer could not be verified.
    ProviderUntrusted,
    /// The enrollment code cannot be used.
    InvalidEnrollmentCode,
    /// The device key cannot be used right now.
    DeviceKeyUnavailable,
    /// This device's enrollment can no longer be used: its device key is gone, its
    /// signature counter is used up, or its stored record is damaged.
    EnrollmentUnusable,
    /// Biometric / PIN verification failed this time.
    UserVerificationFailed,
    /// The phone sign-in key is gone or unusable.
    PhoneSigninKeyUnavailable,
}

/// What the user does next. One per [`ErrorKind`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum NextStep {
    /// Nothing: the user chose this (a cancelled prompt) or nothing needs doing; show nothing
    /// or a plain note.
    Nothing,
    /// Correct what was typed, scanned or chosen, and try again.
    FixInput,
    /// Unlock the vault (passphrase or biometrics) and try again.
    Unlock,
    /// Open the vault again.
    OpenVault,
    /// Refresh the list shown (the item changed or is gone).
    Refresh,
    /// Create a vault (or choose another file).
    CreateVault,
    /// Choose another file: an existing one is never overwritten.
    ChooseAnotherFile,
    /// Restore the vault from a backup.
    RestoreBackup,
    /// Update Nyckel.
    UpdateApp,
    /// Unlock with the passphrase.
    UsePassphrase,
    /// Unlock with the passphrase, then set up biometric unlock again.
    ReenrolPlatformKey,
    /// Try again now.
    TryAgain,
    /// Try again later (no network, the provider is busy or limiting requests).
    TryLater,
    /// Check the network: an answer could not be trusted; do not use the code if it persists.
    CheckNetwork,
    /// Start the sign-in again on the sign-in screen.
    StartSignInAgain,
    /// Turn phone sign-in on for the account (or sign in with the password).
    EnablePhoneSignin,
    /// Turn phone sign-in off and on again for the account (the account itself is fine).
    ReenablePhoneSignin,
    /// Remove the account's enrollment and enroll again with a new code.
    EnrollAgain,
    /// Ask the provider for a new enrollment code.
    NewEnrollmentCode,
    /// Report a bug.
    ReportBug,
}

impl ErrorKind {
    /// What the user does next after an error of this kind.
    pub const fn next_step(self) -> NextStep {
        use ErrorKind as K;
        match self {
            K::InvalidUri | K::InvalidInput | K::WrongPassphrase | K::InvalidNumber => {
                NextStep::FixInput
            }
            K::Locked => NextStep::Unlock,
            K::Closed => NextStep::OpenVault,
            K::NotFound | K::EnrollmentNotFound | K::RequestNotPending | K::RequestNotFound => {
                NextStep::Refresh
            }
            K::Duplicate | K::UserCancelled => NextStep::Nothing,
            K::NoVault => NextStep::CreateVault,
            K::AlreadyExists => NextStep::ChooseAnotherFile,
            K::Damaged => NextStep::RestoreBackup,
            K::TooNew => NextStep::UpdateApp,
            K::NoPlatformKey => NextStep::UsePassphrase,
            K::KeyInvalidated => NextStep::ReenrolPlatformKey,
            K::KeyUnavailable
            | K::KeyProtector
            | K::Storage
            | K::Busy
            | K::DeviceKeyUnavailable
            | K::UserVerificationFailed => NextStep::TryAgain,
            K::Internal => NextStep::ReportBug,
            K::WrongNumber | K::RequestExpired => NextStep::StartSignInAgain,
            K::PhoneSigninNotEnabled => NextStep::EnablePhoneSignin,
            K::DeviceRevoked | K::EnrollmentUnusable => NextStep::EnrollAgain,
            K::ProviderUnreachable | K::ProviderRefused => NextStep::TryLater,
            K::ProviderUntrusted => NextStep::CheckNetwork,
            K::InvalidEnrollmentCode => NextStep::NewEnrollmentCode,
            K::PhoneSigninKeyUnavailable => NextStep::ReenablePhoneSignin,
        }
    }

    /// Whether a sign-in request that got this error can no longer be answered: the app
    /// drops it from the list and says so. Any other error (no network, a cancelled prompt,
    /// a busy key) leaves the request answerable.
    pub const fn ends_request(self) -> bool {
        use ErrorKind as K;
        match self {
            K::WrongNumber
            | K::RequestExpired
            | K::RequestNotPending
            | K::RequestNotFound
            | K::DeviceRevoked => true,
            K::InvalidUri
            | K::InvalidInput
            | K::WrongPassphrase
            | K::Locked
            | K::Closed
            | K::NotFound
            | K::EnrollmentNotFound
            | K::Duplicate
            | K::NoVault
            | K::AlreadyExists
            | K::Damaged
            | K::TooNew
            | K::NoPlatformKey
            | K::UserCancelled
            | K::KeyInvalidated
            | K::KeyUnavailable
            | K::KeyProtector
            | K::Storage
            | K::Internal
            | K::Busy
            | K::InvalidNumber
            | K::PhoneSigninNotEnabled
            | K::ProviderUnreachable
            | K::ProviderRefused
            | K::ProviderUntrusted
            | K::InvalidEnrollmentCode
            | K::DeviceKeyUnavailable
            | K::EnrollmentUnusable
            | K::UserVerificationFailed
            | K::PhoneSigninKeyUnavailable => false,
        }
    }

    /// Every kind, for tests that each one is rendered.
    pub const ALL: [ErrorKind; 35] = {
        use ErrorKind as K;
        [
            K::InvalidUri,
            K::InvalidInput,
            K::WrongPassphrase,
            K::Locked,
            K::Closed,
            K::NotFound,
            K::EnrollmentNotFound,
            K::Duplicate,
            K::NoVault,
            K::AlreadyExists,
            K::Damaged,
            K::TooNew,
            K::NoPlatformKey,
            K::UserCancelled,
            K::KeyInvalidated,
            K::KeyUnavailable,
            K::KeyProtector,
            K::Storage,
            K::Internal,
            K::WrongNumber,
            K::RequestExpired,
            K::RequestNotPending,
            K::RequestNotFound,
            K::Busy,
            K::InvalidNumber,
            K::PhoneSigninNotEnabled,
            K::DeviceRevoked,
            K::ProviderUnreachable,
            K::ProviderRefused,
            K::ProviderUntrusted,
            K::InvalidEnrollmentCode,
            K::DeviceKeyUnavailable,
            K::EnrollmentUnusable,
            K::UserVerificationFailed,
            K::PhoneSigninKeyUnavailable,
        ]
    };
}

/// The public side of an error: implemented by every error enum of the core.
pub trait Classify: std::fmt::Display {
    /// What went wrong, as the user is told.
    fn kind(&self) -> ErrorKind;

    /// Whether the cause is what the user typed, chose or did, or a refusal they can act on
    /// (a malformed URI, a wrong passphrase or number, an unknown id, an expired request, a
    /// provider limiting requests) — rather than storage, the network, the platform, a
    /// provider failing or a bug. The CLI exits 2 for these, 1 for the others.
    fn by_user(&self) -> bool;

    /// What the user does next.
    fn next_step(&self) -> NextStep {
        self.kind().next_step()
    }

    /// Whether a sign-in request that got this error can no longer be answered.
    fn ends_request(&self) -> bool {
        self.kind().ends_request()
    }

    /// A developer-facing detail that `Display` leaves out (SQLite's own text), for a log
    /// only: never shown to the user. Never contains a secret.
    fn log_detail(&self) -> Option<String> {
        None
    }

    /// For an [`ErrorKind::Storage`] error, which storage failure it is (a full disk, a
    /// read-only file, …), so the message can say what to do; `None` for every other kind.
    fn storage_fault(&self) -> Option<StorageFault> {
        None
    }
}

impl Classify for ParseError {
    fn kind(&self) -> ErrorKind {
        ErrorKind::InvalidUri
    }
    fn by_user(&self) -> bool {
        true
    }
}

impl Classify for CodeError {
    fn kind(&self) -> ErrorKind {
        match self {
            CodeError::Digits(_) | CodeError::ZeroPeriod => ErrorKind::InvalidInput,
        }
    }
    /// Stored parameters no code can be computed from: not something just typed.
    fn by_user(&self) -> bool {
        false
    }
}

impl Classify for ProtectorError {
    fn kind(&self) -> ErrorKind {
        match self {
            ProtectorError::UserCancelled => ErrorKind::UserCancelled,
            ProtectorError::KeyInvalidated => ErrorKind::KeyInvalidated,
            ProtectorError::Unavailable(_) => ErrorKind::KeyUnavailable,
            ProtectorError::Failed(_) => ErrorKind::KeyProtector,
        }
    }
    fn by_user(&self) -> bool {
        false
    }
}

impl Classify for VaultError {
    fn kind(&self) -> ErrorKind {
        match self {
            VaultError::NoVault(_) => ErrorKind::NoVault,
            VaultError::AlreadyExists(_) => ErrorKind::AlreadyExists,
            VaultError::NotAVault(_) | VaultError::Corrupt(_) => ErrorKind::Damaged,
            VaultError::TooNew { .. } => ErrorKind::TooNew,
            VaultError::WrongPassphrase => ErrorKind::WrongPassphrase,
            VaultError::Locked => ErrorKind::Locked,
            VaultError::NotFound(_) => ErrorKind::NotFound,
            VaultError::EnrollmentNotFound(_) => ErrorKind::EnrollmentNotFound,
            VaultError::Duplicate { .. } => ErrorKind::Duplicate,
            VaultError::InvalidUri(e) => e.kind(),
            VaultError::Code(e) => e.kind(),
            VaultError::InvalidInput(_) | VaultError::CounterExhausted => ErrorKind::InvalidInput,
            VaultError::Protector(e) => e.kind(),
            VaultError::NoPlatformSlot => ErrorKind::NoPlatformKey,
            VaultError::Storage { .. } => ErrorKind::Storage,
        }
    }
    fn by_user(&self) -> bool {
        match self {
            VaultError::InvalidUri(_)
            | VaultError::InvalidInput(_)
            | VaultError::Duplicate { .. }
            | VaultError::NotFound(_)
            | VaultError::EnrollmentNotFound(_)
            | VaultError::WrongPassphrase
            | VaultError::NoVault(_)
            | VaultError::AlreadyExists(_) => true,
            VaultError::NotAVault(_)
            | VaultError::Corrupt(_)
            | VaultError::TooNew { .. }
            | VaultError::Locked
            | VaultError::Code(_)
            | VaultError::CounterExhausted
            | VaultError::Protector(_)
            | VaultError::NoPlatformSlot
            | VaultError::Storage { .. } => false,
        }
    }
    fn log_detail(&self) -> Option<String> {
        match self {
            VaultError::Storage { detail, .. } => Some(detail.clone()),
            _ => None,
        }
    }
    fn storage_fault(&self) -> Option<StorageFault> {
        match self {
            VaultError::Storage { fault, .. } => Some(*fault),
            _ => None,
        }
    }
}

impl Classify for UriError {
    fn kind(&self) -> ErrorKind {
        ErrorKind::InvalidEnrollmentCode
    }
    fn by_user(&self) -> bool {
        true
    }
}

/// A failure of the device key, or (`phone_signin`) of the phone sign-in key.
fn key_store_kind(e: &KeyStoreError, phone_signin: bool) -> ErrorKind {
    match e {
        KeyStoreError::UserCancelled => ErrorKind::UserCancelled,
        KeyStoreError::UserVerificationFailed => ErrorKind::UserVerificationFailed,
        KeyStoreError::AlreadyExists => ErrorKind::Internal,
        KeyStoreError::NotFound | KeyStoreError::Unavailable(_) | KeyStoreError::Other(_)
            if phone_signin =>
        {
            ErrorKind::PhoneSigninKeyUnavailable
        }
        KeyStoreError::NotFound => ErrorKind::EnrollmentUnusable,
        KeyStoreError::Unavailable(_) | KeyStoreError::Other(_) => ErrorKind::DeviceKeyUnavailable,
    }
}

impl Classify for KeyStoreError {
    fn kind(&self) -> ErrorKind {
        key_store_kind(self, false)
    }
    fn by_user(&self) -> bool {
        matches!(self, KeyStoreError::UserCancelled | KeyStoreError::UserVerificationFailed)
    }
}

/// A provider's error code.
fn provider_kind(code: &ProviderCode) -> ErrorKind {
    match code {
        ProviderCode::WrongNumber => ErrorKind::WrongNumber,
        ProviderCode::Expired => ErrorKind::RequestExpired,
        // `not_found` means "no such request" only on the response call, where
        // `Approvals::decide` turns it into `ApprovalError::RequestGone`; elsewhere it is a
        // wrong path.
        ProviderCode::NotPending => ErrorKind::RequestNotPending,
        ProviderCode::DeviceRevoked | ProviderCode::UnknownDevice => ErrorKind::DeviceRevoked,
        ProviderCode::ActivationInvalid | ProviderCode::ReplacedDeviceRevoked => {
            ErrorKind::InvalidEnrollmentCode
        }
        ProviderCode::BadRequest
        | ProviderCode::KeyReused
        | ProviderCode::ChallengeInvalid
        | ProviderCode::AttestationRefused
        | ProviderCode::TooLarge
        | ProviderCode::BadSignature
        | ProviderCode::Replayed
        | ProviderCode::ClockSkew
        | ProviderCode::NotFound
        | ProviderCode::BadAssertion
        | ProviderCode::UnknownCredential
        | ProviderCode::Counter
        | ProviderCode::RateLimited
        | ProviderCode::Blocked
        | ProviderCode::Internal
        | ProviderCode::Busy
        | ProviderCode::Other(_) => ErrorKind::ProviderRefused,
        // The reference provider's page and admin codes: never an answer of the device API.
        ProviderCode::NotConfigured
        | ProviderCode::UnknownUser
        | ProviderCode::Exists
        | ProviderCode::NoDevice
        | ProviderCode::NoPhoneSignin
        | ProviderCode::PushPending
        | ProviderCode::NotApproved
        | ProviderCode::BadPassword
        | ProviderCode::DevicesRevoked
        | ProviderCode::CrossOrigin => ErrorKind::ProviderRefused,
    }
}

impl Classify for ProtocolError {
    fn kind(&self) -> ErrorKind {
        match self {
            ProtocolError::Uri(e) => e.kind(),
            ProtocolError::KeyStore(e) => key_store_kind(e, false),
            ProtocolError::PhoneSigninKey(e) => key_store_kind(e, true),
            ProtocolError::BadPlatformSignature | ProtocolError::BadPlatformKey => {
                ErrorKind::DeviceKeyUnavailable
            }
            ProtocolError::CounterExhausted | ProtocolError::InvalidEnrollment(_) => {
                ErrorKind::EnrollmentUnusable
            }
            ProtocolError::Provider { code, .. } => provider_kind(code),
            ProtocolError::ClockSkew => ErrorKind::ProviderRefused,
            ProtocolError::Malformed(_)
            | ProtocolError::TooLarge
            | ProtocolError::BadProviderSignature
            | ProtocolError::ProviderKeyMismatch
            | ProtocolError::UnexpectedPayload(_)
            | ProtocolError::Substituted(_) => ErrorKind::ProviderUntrusted,
            ProtocolError::Expired => ErrorKind::RequestExpired,
            ProtocolError::InvalidNumber => ErrorKind::InvalidNumber,
            ProtocolError::PhoneSigninNotEnabled => ErrorKind::PhoneSigninNotEnabled,
            ProtocolError::NoRandomness => ErrorKind::Internal,
        }
    }
    fn by_user(&self) -> bool {
        match self {
            ProtocolError::Uri(_)
            | ProtocolError::ProviderKeyMismatch
            | ProtocolError::Expired
            | ProtocolError::InvalidNumber
            | ProtocolError::PhoneSigninNotEnabled => true,
            ProtocolError::KeyStore(e) => e.by_user(),
            ProtocolError::Provider { code, .. } => matches!(
                code,
                ProviderCode::WrongNumber
                    | ProviderCode::Expired
                    | ProviderCode::NotPending
                    | ProviderCode::NotFound
                    | ProviderCode::ActivationInvalid
                    | ProviderCode::ReplacedDeviceRevoked
                    | ProviderCode::DeviceRevoked
                    | ProviderCode::UnknownDevice
                    | ProviderCode::UnknownCredential
                    | ProviderCode::RateLimited
                    | ProviderCode::Blocked
            ),
            ProtocolError::PhoneSigninKey(_)
            | ProtocolError::BadPlatformSignature
            | ProtocolError::BadPlatformKey
            | ProtocolError::ClockSkew
            | ProtocolError::Malformed(_)
            | ProtocolError::TooLarge
            | ProtocolError::BadProviderSignature
            | ProtocolError::UnexpectedPayload(_)
            | ProtocolError::Substituted(_)
            | ProtocolError::CounterExhausted
            | ProtocolError::NoRandomness
            | ProtocolError::InvalidEnrollment(_) => false,
        }
    }
}

impl Classify for ApprovalError {
    fn kind(&self) -> ErrorKind {
        match self {
            ApprovalError::Vault(e) => e.kind(),
            ApprovalError::Protocol(e) => e.kind(),
            ApprovalError::Transport(_) => ErrorKind::ProviderUnreachable,
            ApprovalError::Closed => ErrorKind::Closed,
            ApprovalError::Conflict => ErrorKind::Busy,
            ApprovalError::PhoneSigninConflict => ErrorKind::PhoneSigninKeyUnavailable,
            ApprovalError::PushTokenTooLong => ErrorKind::InvalidInput,
            ApprovalError::RequestGone => ErrorKind::RequestNotPending,
            ApprovalError::UnknownRequest => ErrorKind::RequestNotFound,
        }
    }
    fn by_user(&self) -> bool {
        match self {
            ApprovalError::Vault(e) => e.by_user(),
            ApprovalError::Protocol(e) => e.by_user(),
            ApprovalError::PushTokenTooLong
            | ApprovalError::RequestGone
            | ApprovalError::UnknownRequest => true,
            ApprovalError::Transport(_)
            | ApprovalError::Closed
            | ApprovalError::Conflict
            | ApprovalError::PhoneSigninConflict => false,
        }
    }
    fn log_detail(&self) -> Option<String> {
        match self {
            ApprovalError::Vault(e) => e.log_detail(),
            _ => None,
        }
    }
    fn storage_fault(&self) -> Option<StorageFault> {
        match self {
            ApprovalError::Vault(e) => e.storage_fault(),
            _ => None,
        }
    }
}

/// The sentence for a provider's error code (`status` names codes this version does not
/// know). One line, secret-free; used by [`ProtocolError::Provider`]'s `Display`.
pub fn provider_sentence(code: &ProviderCode, status: u16) -> String {
    match code {
        ProviderCode::WrongNumber => {
            "The number did not match. The sign-in was stopped; start it again on the sign-in page."
                .into()
        }
        ProviderCode::Expired => {
            "the sign-in request expired before it was answered; start the sign-in again".into()
        }
        ProviderCode::NotPending => "this sign-in request is no longer waiting: it was answered \
            elsewhere or replaced by a newer one"
            .into(),
        ProviderCode::ActivationInvalid => "the enrollment code was already used or has expired; \
            get a new one from the provider (account page or administrator)"
            .into(),
        ProviderCode::ReplacedDeviceRevoked => "the phone this transfer code moves from was \
            revoked, so the code no longer works; get a new enrollment code from the provider"
            .into(),
        ProviderCode::KeyReused => "the provider refused a key it already knows: a new phone \
            enrolls with new keys"
            .into(),
        ProviderCode::ChallengeInvalid => "the provider's phone sign-in challenge expired or \
            was already used; enable phone sign-in again"
            .into(),
        ProviderCode::AttestationRefused => "the provider requires proof from the phone's secure \
            hardware that the phone sign-in key needs biometrics or the PIN, and this phone did \
            not give one it accepts"
            .into(),
        ProviderCode::DeviceRevoked => "the provider has revoked this device's enrollment".into(),
        ProviderCode::UnknownDevice => {
            "the provider does not know this device (was its enrollment removed?)".into()
        }
        ProviderCode::UnknownCredential => {
            "the provider does not accept this device's key for this request".into()
        }
        ProviderCode::RateLimited => {
            "the provider is limiting requests; wait a few minutes and try again".into()
        }
        ProviderCode::Blocked => {
            "sign-ins for this account are blocked for a while after a report".into()
        }
        ProviderCode::Counter => "the provider refused the key's signature counter (was the vault \
            restored from an old copy?); enroll again"
            .into(),
        ProviderCode::ClockSkew => {
            "the provider says this device's clock is wrong; check the date and time".into()
        }
        ProviderCode::Replayed => "the provider saw this signature before; try again".into(),
        ProviderCode::BadSignature | ProviderCode::BadAssertion => {
            "the provider rejected this device's signature".into()
        }
        ProviderCode::Internal => "the provider had an internal error; try again later".into(),
        ProviderCode::Busy => "the provider is busy; try again in a moment".into(),
        ProviderCode::Other(c) if c.is_empty() => {
            format!("the provider refused the request (HTTP {status})")
        }
        ProviderCode::BadRequest
        | ProviderCode::TooLarge
        | ProviderCode::NotFound
        | ProviderCode::NotConfigured
        | ProviderCode::UnknownUser
        | ProviderCode::Exists
        | ProviderCode::NoDevice
        | ProviderCode::NoPhoneSignin
        | ProviderCode::PushPending
        | ProviderCode::NotApproved
        | ProviderCode::BadPassword
        | ProviderCode::DevicesRevoked
        | ProviderCode::CrossOrigin
        | ProviderCode::Other(_) => {
            format!("the provider refused the request: {code} (HTTP {status})")
        }
    }
}

#[cfg(test)]
mod tests;
