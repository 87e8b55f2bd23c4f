//! The one error type every exported call returns: the core's classification
//! ([`nyckel_core::error`]) exported. `NyckelError` has one variant per core [`ErrorKind`]
//! (with the data the app needs) and tells the app, through `next_step()` and
//! `ends_request()`, what the core decided; the apps render it and decide nothing.
//! No message carries a secret, a passphrase, key material or SQLite's own text.
//!
//! The three other error enums here are the foreign traits' vocabulary: what the platform
//! throws *into* Nyckel from `VaultKeyProtector`, `DeviceKeyStore` and `HttpClient`. They
//! mirror the core's `ProtectorError`, `KeyStoreError` and transport error one to one and
//! are never returned by a call.

use nyckel_core::approvals::ApprovalError;
use nyckel_core::error::StorageFault;
use nyckel_core::export::ExportError;
use nyckel_core::import::ImportError;
use nyckel_core::protocol::{KeyStoreError, ProtocolError, UriError};
use nyckel_core::recovery::RecoveryCodeError;
use nyckel_core::transfer::TransferError;
use nyckel_core::vault::{ProtectorError, VaultError};
use nyckel_core::{Classify, CodeError, ErrorKind, NextStep, ParseError};

/// What went wrong, as the user is told (the core's `ErrorKind`). Each kind has one
/// sentence in each app.
#[uniffi::remote(Enum)]
pub enum ErrorKind {
    InvalidUri,
    InvalidInput,
    WrongPassphrase,
    Locked,
    Closed,
    NotFound,
    EnrollmentNotFound,
    Duplicate,
    NoVault,
    AlreadyExists,
    Damaged,
    TooNew,
    NoPlatformKey,
    UserCancelled,
    KeyInvalidated,
    KeyUnavailable,
    KeyProtector,
    Storage,
    Internal,
    WrongNumber,
    RequestExpired,
    RequestNotPending,
    RequestNotFound,
    Busy,
    InvalidNumber,
    PhoneSigninNotEnabled,
    DeviceRevoked,
    ProviderUnreachable,
    ProviderRefused,
    ProviderUntrusted,
    InvalidEnrollmentCode,
    DeviceKeyUnavailable,
    EnrollmentUnusable,
    UserVerificationFailed,
    PhoneSigninKeyUnavailable,
}

/// What the user does next (the core's `NextStep`).
#[uniffi::remote(Enum)]
pub enum NextStep {
    Nothing,
    FixInput,
    Unlock,
    OpenVault,
    Refresh,
    CreateVault,
    ChooseAnotherFile,
    RestoreBackup,
    UpdateApp,
    UsePassphrase,
    ReenrolPlatformKey,
    TryAgain,
    TryLater,
    CheckNetwork,
    StartSignInAgain,
    EnablePhoneSignin,
    ReenablePhoneSignin,
    EnrollAgain,
    NewEnrollmentCode,
    ReportBug,
}

/// Which storage failure a `Storage` error is (the core's `StorageFault`): the app can say
/// what to do about it ("free some space" for a full disk).
#[uniffi::remote(Enum)]
pub enum StorageFault {
    DiskFull,
    FileTooLarge,
    ReadOnly,
    PermissionDenied,
    Busy,
    Io,
    Other,
}

/// Everything that can go wrong in a call into Nyckel: one variant per [`ErrorKind`].
/// `next_step()` says what the user does next, `ends_request()` whether the sign-in request
/// a call answered can still be answered; `reason` fields are one English line (for logs,
/// and shown where a screen adds it), never a secret.
///
/// Kotlin: `NyckelException.InvalidUri(reason)` etc.; Swift: `NyckelError.InvalidUri(reason:)`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, uniffi::Error)]
pub enum NyckelError {
    /// The text is not an otpauth URI Nyckel accepts; `reason` says why (show it to the user).
    #[error("invalid otpauth URI: {reason}")]
    InvalidUri { reason: String },
    /// A value the user typed or the app passed was rejected (empty passphrase, digits out
    /// of range, bad base32 secret in manual entry, incomplete reorder list, …); show `reason`.
    #[error("{reason}")]
    InvalidInput { reason: String },
    /// The passphrase does not open this vault: ask again.
    #[error("wrong passphrase")]
    WrongPassphrase,
    /// The vault is locked: unlock it (passphrase or platform key) and retry.
    #[error("the vault is locked")]
    Locked,
    /// `close_vault()` was called on this handle: open the vault again.
    #[error("the vault has been closed")]
    Closed,
    /// No account with this id (deleted meanwhile?): refresh the list.
    #[error("no account with id {id}")]
    NotFound { id: i64 },
    /// No push-approval enrollment with this id: refresh the list.
    #[error("no enrollment with id {id}")]
    EnrollmentNotFound { id: i64 },
    /// The same account (same secret) is already in the vault, as `existing_id`.
    #[error("this account is already in the vault (id {existing_id})")]
    Duplicate { existing_id: i64 },
    /// No vault file at `path`: offer to create one.
    #[error("no vault at {path}")]
    NoVault { path: String },
    /// `create` was pointed at an existing file (never overwritten), or a side file
    /// (`-wal`, `-shm`, `-journal`) next to the vault, at `path`, is in the way: not the vault
    /// owner's own (a symlink, another user's, writable by others), so it is never used.
    #[error("{path} already exists")]
    AlreadyExists { path: String },
    /// The file is not a Nyckel vault, or it is damaged (truncated, altered): restore a backup.
    #[error("the vault file is damaged or not a Nyckel vault: {reason}")]
    Damaged { reason: String },
    /// The vault was written by a newer Nyckel: update the app.
    #[error(
        "vault format {found} is newer than this version supports ({supported}); update Nyckel"
    )]
    TooNew { found: i64, supported: i64 },
    /// No platform key is enrolled for this vault: unlock with the passphrase.
    #[error("no platform key is enrolled for this vault")]
    NoPlatformKey,
    /// The user cancelled the platform prompt (biometrics / device credential). Nothing changed.
    #[error("the user cancelled the authentication")]
    UserCancelled,
    /// The platform key is gone or permanently invalidated (biometrics changed, new phone):
    /// unlock with the passphrase and enrol the platform key again.
    #[error("the platform key was invalidated; unlock with the passphrase and enrol it again")]
    KeyInvalidated,
    /// The platform key store is temporarily unavailable (device locked, busy): try again.
    #[error("the platform key store is temporarily unavailable: {reason}")]
    KeyUnavailable { reason: String },
    /// The platform key store failed; `reason` is for logs.
    #[error("the platform key store failed: {reason}")]
    KeyProtector { reason: String },
    /// The vault file could not be read or written; `fault` says why (a full disk, a
    /// read-only file, no permission, another process holding the lock, a device error) and
    /// `reason` is Nyckel's sentence for it, never SQLite's text. Nothing was changed.
    #[error("storage error: {reason}")]
    Storage { reason: String, fault: StorageFault },
    /// A bug: a panic or an invariant violation inside Nyckel. Report it.
    #[error("internal error: {reason}")]
    Internal { reason: String },

    // --- Push approvals and phone sign-in (`NyckelApprovals`) ---
    /// The number typed did not match the sign-in screen. The provider stopped this sign-in:
    /// it cannot be approved any more; the user starts a new sign-in.
    #[error("wrong number: this sign-in was stopped; start the sign-in again")]
    WrongNumber,
    /// The sign-in request has expired: the user starts a new sign-in.
    #[error("the sign-in request has expired")]
    RequestExpired,
    /// The request is no longer waiting: it was answered on another device, superseded by a
    /// newer sign-in, withdrawn, or the provider forgot it. Refresh the list.
    #[error("the sign-in request is no longer pending (answered elsewhere or superseded); refresh the list")]
    RequestNotPending,
    /// This request id is not among the requests the last `pending_requests()` returned:
    /// call `pending_requests()` again, then answer from the fresh list.
    #[error("unknown sign-in request; refresh the list of pending requests")]
    RequestNotFound,
    /// Another answer or phone sign-in change for this account was being saved at the same
    /// moment; nothing was sent for this one and the request is still answerable: try again.
    #[error("another approval for this account is in progress; try again")]
    Busy,
    /// The number must be two digits (10–99): let the user type it again.
    #[error("the number must be two digits (10-99)")]
    InvalidNumber,
    /// The request is a passwordless (phone) sign-in, but phone sign-in is not enabled for
    /// this account on this device: enable it first, or sign in with the password.
    #[error("phone sign-in is not enabled for this account on this device")]
    PhoneSigninNotEnabled,
    /// The provider revoked this device (or no longer knows it): remove the enrollment and
    /// enroll again with a new code.
    #[error("this device was revoked by the provider; remove the account and enroll again")]
    DeviceRevoked,
    /// No answer from the provider (offline, DNS, TLS, timeout): try again later.
    #[error("could not reach the provider: {reason}")]
    ProviderUnreachable { reason: String },
    /// The provider answered with an error; `code` is its error code (`rate_limited`,
    /// `blocked`, `bad_assertion`, …), `reason` a sentence to show.
    #[error("the provider refused: {reason} ({code})")]
    ProviderRefused { code: String, reason: String },
    /// The provider's answer could not be trusted (signature does not verify with the pinned
    /// key, key does not match the enrollment code's fingerprint, substituted or malformed
    /// payload). Nothing was accepted; if it persists the network may be intercepted.
    #[error("the provider's answer could not be verified: {reason}")]
    ProviderUntrusted { reason: String },
    /// The enrollment code (QR) cannot be used: `reason` says why (not a Nyckel code, expired
    /// or already used activation code, http on a non-loopback host, …). Ask for a new code.
    #[error("unusable enrollment code: {reason}")]
    InvalidEnrollmentCode { reason: String },
    /// The device key store cannot sign with this account's device key right now (`reason`
    /// for logs): try again. (A key that is gone is `EnrollmentUnusable`; failures of the
    /// phone sign-in key are `PhoneSigninKeyUnavailable`.)
    #[error("device key unavailable: {reason}")]
    DeviceKeyUnavailable { reason: String },
    /// This device's enrollment can no longer be used (its device key is gone from the key
    /// store, its signature counter is used up, or the stored record is damaged; `reason`
    /// says which): remove the account and enroll again.
    #[error("this enrollment can no longer be used ({reason}); remove it and enroll again")]
    EnrollmentUnusable { reason: String },
    /// The user failed biometric / PIN verification for the phone sign-in key. Nothing was
    /// sent; the request is still pending: let them try again. (A key invalidated by new
    /// biometrics is reported by the key store as `DeviceKeyError.NotFound` and arrives as
    /// `PhoneSigninKeyUnavailable`.)
    #[error("user verification failed")]
    UserVerificationFailed,
    /// The phone sign-in key of this account is gone (deleted, or invalidated by a change of
    /// the enrolled biometrics) or cannot be used (`reason` says which), or phone sign-in was
    /// changed by another call at the same moment. Nothing was sent for a request. Turn phone
    /// sign-in off and on again for this account (`disablePhoneSignin`, `enablePhoneSignin`);
    /// the account and its device key are fine: do not remove the account.
    #[error(
        "the phone sign-in key cannot be used ({reason}); turn phone sign-in off and on again"
    )]
    PhoneSigninKeyUnavailable { reason: String },
}

/// What a device-key store (Android Keystore, iOS Secure Enclave, [`crate::SoftwareDeviceKeyStore`])
/// can report. Kotlin: `DeviceKeyException.NotFound()` etc.; Swift: `DeviceKeyError.NotFound`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, uniffi::Error)]
pub enum DeviceKeyError {
    /// No key with that alias (lost in a backup restore, deleted), or the key was
    /// permanently invalidated (new biometrics enrolled: Android
    /// `KeyPermanentlyInvalidatedException`): never re-create it silently.
    #[error("device key not found")]
    NotFound,
    /// A key with that alias exists already.
    #[error("a device key with that alias exists")]
    AlreadyExists,
    /// The user dismissed the biometric / device-credential prompt.
    #[error("the user cancelled the authentication")]
    UserCancelled,
    /// Biometric / PIN verification failed this time (the user may try again). Report a key
    /// that can never be used again (invalidated by new biometrics) as `NotFound`.
    #[error("user verification failed")]
    UserVerificationFailed,
    /// The key store cannot be used right now (device locked, hardware busy); retry later.
    #[error("device key store unavailable: {reason}")]
    Unavailable { reason: String },
    /// Anything else; `reason` is for logs and must not contain key material.
    #[error("device key store error: {reason}")]
    Other { reason: String },
}

impl From<uniffi::UnexpectedUniFFICallbackError> for DeviceKeyError {
    /// The foreign implementation threw something that is not a `DeviceKeyError`.
    fn from(e: uniffi::UnexpectedUniFFICallbackError) -> Self {
        DeviceKeyError::Other {
            reason: format!("unexpected error from the platform key store: {}", e.reason),
        }
    }
}

/// What the app's HTTP client reports when it got no response at all. Any HTTP status,
/// 4xx and 5xx included, is a response, not an error. Kotlin: `HttpException.Unreachable`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, uniffi::Error)]
pub enum HttpError {
    /// No response (offline, DNS, TLS, timeout, refused connection); `reason` is one line.
    #[error("{reason}")]
    Unreachable { reason: String },
}

impl From<uniffi::UnexpectedUniFFICallbackError> for HttpError {
    /// Any other exception thrown by the client counts as "no response".
    fn from(e: uniffi::UnexpectedUniFFICallbackError) -> Self {
        HttpError::Unreachable {
            reason: format!("unexpected error from the HTTP client: {}", e.reason),
        }
    }
}

/// The foreign key store's error, for the core's `DeviceKeyStore` trait.
impl From<DeviceKeyError> for KeyStoreError {
    fn from(e: DeviceKeyError) -> Self {
        match e {
            DeviceKeyError::NotFound => KeyStoreError::NotFound,
            DeviceKeyError::AlreadyExists => KeyStoreError::AlreadyExists,
            DeviceKeyError::UserCancelled => KeyStoreError::UserCancelled,
            DeviceKeyError::UserVerificationFailed => KeyStoreError::UserVerificationFailed,
            DeviceKeyError::Unavailable { reason } => KeyStoreError::Unavailable(reason),
            DeviceKeyError::Other { reason } => KeyStoreError::Other(reason),
        }
    }
}

/// The core's software key store seen through the exported trait.
impl From<KeyStoreError> for DeviceKeyError {
    fn from(e: KeyStoreError) -> Self {
        match e {
            KeyStoreError::NotFound => DeviceKeyError::NotFound,
            KeyStoreError::AlreadyExists => DeviceKeyError::AlreadyExists,
            KeyStoreError::UserCancelled => DeviceKeyError::UserCancelled,
            KeyStoreError::UserVerificationFailed => DeviceKeyError::UserVerificationFailed,
            KeyStoreError::Unavailable(reason) => DeviceKeyError::Unavailable { reason },
            KeyStoreError::Other(reason) => DeviceKeyError::Other { reason },
        }
    }
}

/// What a platform key protector (Android Keystore, iOS Keychain) can report.
///
/// Kotlin: `KeyProtectorException.UserCancelled()` etc.; Swift: `KeyProtectorError.UserCancelled`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, uniffi::Error)]
pub enum KeyProtectorError {
    /// The user dismissed the biometric / device-credential prompt.
    #[error("the user cancelled the authentication")]
    UserCancelled,
    /// The key was invalidated (new biometrics enrolled, lock screen removed) or deleted.
    #[error("the platform key was invalidated")]
    KeyInvalidated,
    /// The key store cannot be used right now (no lock screen set, hardware busy, …).
    #[error("platform key store unavailable: {reason}")]
    Unavailable { reason: String },
    /// Anything else; `reason` is for logs and must not contain key material.
    #[error("platform key operation failed: {reason}")]
    Failed { reason: String },
}

impl From<uniffi::UnexpectedUniFFICallbackError> for KeyProtectorError {
    /// The foreign implementation threw something that is not a `KeyProtectorError`.
    fn from(e: uniffi::UnexpectedUniFFICallbackError) -> Self {
        KeyProtectorError::Failed {
            reason: format!("unexpected error from the platform: {}", e.reason),
        }
    }
}

/// The foreign protector's error, for the core's `KeyProtector` trait.
impl From<KeyProtectorError> for ProtectorError {
    fn from(e: KeyProtectorError) -> Self {
        match e {
            KeyProtectorError::UserCancelled => ProtectorError::UserCancelled,
            KeyProtectorError::KeyInvalidated => ProtectorError::KeyInvalidated,
            KeyProtectorError::Unavailable { reason } => ProtectorError::Unavailable(reason),
            KeyProtectorError::Failed { reason } => ProtectorError::Failed(reason),
        }
    }
}

impl From<ProtectorError> for KeyProtectorError {
    fn from(e: ProtectorError) -> Self {
        match e {
            ProtectorError::UserCancelled => KeyProtectorError::UserCancelled,
            ProtectorError::KeyInvalidated => KeyProtectorError::KeyInvalidated,
            ProtectorError::Unavailable(reason) => KeyProtectorError::Unavailable { reason },
            ProtectorError::Failed(reason) => KeyProtectorError::Failed { reason },
        }
    }
}

impl NyckelError {
    /// The variant of a classified core error's kind, with the core's message as `reason`.
    /// The kinds whose variant carries data are built with it by the `From` impls below.
    fn classified(e: &(impl Classify + ?Sized)) -> Self {
        use ErrorKind as K;
        let reason = e.to_string();
        match e.kind() {
            K::InvalidUri => NyckelError::InvalidUri { reason },
            K::InvalidInput => NyckelError::InvalidInput { reason },
            K::WrongPassphrase => NyckelError::WrongPassphrase,
            K::Locked => NyckelError::Locked,
            K::Closed => NyckelError::Closed,
            K::Damaged => NyckelError::Damaged { reason },
            K::NoPlatformKey => NyckelError::NoPlatformKey,
            K::UserCancelled => NyckelError::UserCancelled,
            K::KeyInvalidated => NyckelError::KeyInvalidated,
            K::KeyUnavailable => NyckelError::KeyUnavailable { reason },
            K::KeyProtector => NyckelError::KeyProtector { reason },
            K::Storage => NyckelError::Storage {
                reason,
                fault: e.storage_fault().unwrap_or(StorageFault::Other),
            },
            K::Internal => NyckelError::Internal { reason },
            K::WrongNumber => NyckelError::WrongNumber,
            K::RequestExpired => NyckelError::RequestExpired,
            K::RequestNotPending => NyckelError::RequestNotPending,
            K::RequestNotFound => NyckelError::RequestNotFound,
            K::Busy => NyckelError::Busy,
            K::InvalidNumber => NyckelError::InvalidNumber,
            K::PhoneSigninNotEnabled => NyckelError::PhoneSigninNotEnabled,
            K::DeviceRevoked => NyckelError::DeviceRevoked,
            K::ProviderUnreachable => NyckelError::ProviderUnreachable { reason },
            K::ProviderRefused => NyckelError::ProviderRefused { code: String::new(), reason },
            K::ProviderUntrusted => NyckelError::ProviderUntrusted { reason },
            K::InvalidEnrollmentCode => NyckelError::InvalidEnrollmentCode { reason },
            K::DeviceKeyUnavailable => NyckelError::DeviceKeyUnavailable { reason },
            K::EnrollmentUnusable => NyckelError::EnrollmentUnusable { reason },
            K::UserVerificationFailed => NyckelError::UserVerificationFailed,
            K::PhoneSigninKeyUnavailable => NyckelError::PhoneSigninKeyUnavailable { reason },
            // Only `VaultError` variants that carry the data have these kinds (its `From`
            // builds them); without the data, the message is what is left to show.
            K::NotFound
            | K::EnrollmentNotFound
            | K::Duplicate
            | K::NoVault
            | K::AlreadyExists
            | K::TooNew => NyckelError::Internal { reason },
        }
    }
}

#[uniffi::export]
impl NyckelError {
    /// What went wrong, as the user is told: the app picks its sentence by it.
    pub fn kind(&self) -> ErrorKind {
        use ErrorKind as K;
        match self {
            NyckelError::InvalidUri { .. } => K::InvalidUri,
            NyckelError::InvalidInput { .. } => K::InvalidInput,
            NyckelError::WrongPassphrase => K::WrongPassphrase,
            NyckelError::Locked => K::Locked,
            NyckelError::Closed => K::Closed,
            NyckelError::NotFound { .. } => K::NotFound,
            NyckelError::EnrollmentNotFound { .. } => K::EnrollmentNotFound,
            NyckelError::Duplicate { .. } => K::Duplicate,
            NyckelError::NoVault { .. } => K::NoVault,
            NyckelError::AlreadyExists { .. } => K::AlreadyExists,
            NyckelError::Damaged { .. } => K::Damaged,
            NyckelError::TooNew { .. } => K::TooNew,
            NyckelError::NoPlatformKey => K::NoPlatformKey,
            NyckelError::UserCancelled => K::UserCancelled,
            NyckelError::KeyInvalidated => K::KeyInvalidated,
            NyckelError::KeyUnavailable { .. } => K::KeyUnavailable,
            NyckelError::KeyProtector { .. } => K::KeyProtector,
            NyckelError::Storage { .. } => K::Storage,
            NyckelError::Internal { .. } => K::Internal,
            NyckelError::WrongNumber => K::WrongNumber,
            NyckelError::RequestExpired => K::RequestExpired,
            NyckelError::RequestNotPending => K::RequestNotPending,
            NyckelError::RequestNotFound => K::RequestNotFound,
            NyckelError::Busy => K::Busy,
            NyckelError::InvalidNumber => K::InvalidNumber,
            NyckelError::PhoneSigninNotEnabled => K::PhoneSigninNotEnabled,
            NyckelError::DeviceRevoked => K::DeviceRevoked,
            NyckelError::ProviderUnreachable { .. } => K::ProviderUnreachable,
            NyckelError::ProviderRefused { .. } => K::ProviderRefused,
            NyckelError::ProviderUntrusted { .. } => K::ProviderUntrusted,
            NyckelError::InvalidEnrollmentCode { .. } => K::InvalidEnrollmentCode,
            NyckelError::DeviceKeyUnavailable { .. } => K::DeviceKeyUnavailable,
            NyckelError::EnrollmentUnusable { .. } => K::EnrollmentUnusable,
            NyckelError::UserVerificationFailed => K::UserVerificationFailed,
            NyckelError::PhoneSigninKeyUnavailable { .. } => K::PhoneSigninKeyUnavailable,
        }
    }

    /// The variant's one-line reason (the path for `NoVault` / `AlreadyExists`), for a
    /// screen that adds it to its sentence; `None` for variants without one. Never a secret.
    pub fn detail(&self) -> Option<String> {
        match self {
            NyckelError::InvalidUri { reason }
            | NyckelError::InvalidInput { reason }
            | NyckelError::Damaged { reason }
            | NyckelError::KeyUnavailable { reason }
            | NyckelError::KeyProtector { reason }
            | NyckelError::Storage { reason, .. }
            | NyckelError::Internal { reason }
            | NyckelError::ProviderUnreachable { reason }
            | NyckelError::ProviderRefused { reason, .. }
            | NyckelError::ProviderUntrusted { reason }
            | NyckelError::InvalidEnrollmentCode { reason }
            | NyckelError::DeviceKeyUnavailable { reason }
            | NyckelError::EnrollmentUnusable { reason }
            | NyckelError::PhoneSigninKeyUnavailable { reason } => Some(reason.clone()),
            NyckelError::NoVault { path } | NyckelError::AlreadyExists { path } => {
                Some(path.clone())
            }
            NyckelError::WrongPassphrase
            | NyckelError::Locked
            | NyckelError::Closed
            | NyckelError::NotFound { .. }
            | NyckelError::EnrollmentNotFound { .. }
            | NyckelError::Duplicate { .. }
            | NyckelError::TooNew { .. }
            | NyckelError::NoPlatformKey
            | NyckelError::UserCancelled
            | NyckelError::KeyInvalidated
            | NyckelError::WrongNumber
            | NyckelError::RequestExpired
            | NyckelError::RequestNotPending
            | NyckelError::RequestNotFound
            | NyckelError::Busy
            | NyckelError::InvalidNumber
            | NyckelError::PhoneSigninNotEnabled
            | NyckelError::DeviceRevoked
            | NyckelError::UserVerificationFailed => None,
        }
    }

    /// What the user does next (decided by the core for the kind).
    pub fn next_step(&self) -> NextStep {
        self.kind().next_step()
    }

    /// Whether the sign-in request this call answered can no longer be answered: drop it
    /// from the list and say so. Any other error leaves it answerable.
    pub fn ends_request(&self) -> bool {
        self.kind().ends_request()
    }
}

impl From<ParseError> for NyckelError {
    fn from(e: ParseError) -> Self {
        NyckelError::classified(&e)
    }
}

impl From<CodeError> for NyckelError {
    fn from(e: CodeError) -> Self {
        NyckelError::classified(&e)
    }
}

impl From<ProtectorError> for NyckelError {
    /// The platform's own reason, unprefixed (it came from the app's protector).
    fn from(e: ProtectorError) -> Self {
        match e {
            ProtectorError::Unavailable(reason) => NyckelError::KeyUnavailable { reason },
            ProtectorError::Failed(reason) => NyckelError::KeyProtector { reason },
            e => NyckelError::classified(&e),
        }
    }
}

impl From<KeyProtectorError> for NyckelError {
    fn from(e: KeyProtectorError) -> Self {
        ProtectorError::from(e).into()
    }
}

impl From<VaultError> for NyckelError {
    fn from(e: VaultError) -> Self {
        match e {
            VaultError::NoVault(path) => NyckelError::NoVault { path },
            VaultError::AlreadyExists(path) => NyckelError::AlreadyExists { path },
            VaultError::TooNew { found, supported } => NyckelError::TooNew { found, supported },
            VaultError::NotFound(id) => NyckelError::NotFound { id },
            VaultError::EnrollmentNotFound(id) => NyckelError::EnrollmentNotFound { id },
            VaultError::Duplicate { existing_id } => NyckelError::Duplicate { existing_id },
            VaultError::InvalidUri(e) => e.into(),
            VaultError::Code(e) => e.into(),
            VaultError::Protector(e) => e.into(),
            e => NyckelError::classified(&e),
        }
    }
}

impl From<ProtocolError> for NyckelError {
    fn from(e: ProtocolError) -> Self {
        match e {
            ProtocolError::Uri(e) => NyckelError::classified(&e),
            // The key store's own reason, unprefixed (it came from the app's key store).
            ProtocolError::KeyStore(
                KeyStoreError::Unavailable(reason) | KeyStoreError::Other(reason),
            ) if e.kind() == ErrorKind::DeviceKeyUnavailable => {
                NyckelError::DeviceKeyUnavailable { reason }
            }
            ProtocolError::PhoneSigninKey(
                KeyStoreError::Unavailable(reason) | KeyStoreError::Other(reason),
            ) if e.kind() == ErrorKind::PhoneSigninKeyUnavailable => {
                NyckelError::PhoneSigninKeyUnavailable { reason }
            }
            ProtocolError::Provider { ref code, status }
                if e.kind() == ErrorKind::ProviderRefused =>
            {
                let code = match code.as_wire() {
                    "" => format!("http_{status}"),
                    wire => wire.to_owned(),
                };
                NyckelError::ProviderRefused { code, reason: e.to_string() }
            }
            ProtocolError::ClockSkew => {
                NyckelError::ProviderRefused { code: "clock_skew".into(), reason: e.to_string() }
            }
            e => NyckelError::classified(&e),
        }
    }
}

impl From<UriError> for NyckelError {
    fn from(e: UriError) -> Self {
        NyckelError::classified(&e)
    }
}

impl From<ApprovalError> for NyckelError {
    fn from(e: ApprovalError) -> Self {
        match e {
            ApprovalError::Vault(e) => e.into(),
            ApprovalError::Protocol(e) => e.into(),
            // The HTTP client's own reason (already free of the request's secrets).
            ApprovalError::Transport(reason) => NyckelError::ProviderUnreachable { reason },
            e => NyckelError::classified(&e),
        }
    }
}

impl From<ImportError> for NyckelError {
    fn from(e: ImportError) -> Self {
        match e {
            ImportError::Vault(e) => e.into(),
            e => NyckelError::classified(&e),
        }
    }
}

impl From<ExportError> for NyckelError {
    fn from(e: ExportError) -> Self {
        match e {
            ExportError::Vault(e) => e.into(),
            e => NyckelError::classified(&e),
        }
    }
}

impl From<RecoveryCodeError> for NyckelError {
    fn from(e: RecoveryCodeError) -> Self {
        NyckelError::classified(&e)
    }
}

impl From<TransferError> for NyckelError {
    fn from(e: TransferError) -> Self {
        match e {
            TransferError::Import(e) => e.into(),
            TransferError::Export(e) => e.into(),
            TransferError::Approval(e) => e.into(),
            e => NyckelError::classified(&e),
        }
    }
}

impl From<uniffi::UnexpectedUniFFICallbackError> for NyckelError {
    fn from(e: uniffi::UnexpectedUniFFICallbackError) -> Self {
        NyckelError::Internal {
            reason: format!("unexpected error from a platform callback: {}", e.reason),
        }
    }
}
