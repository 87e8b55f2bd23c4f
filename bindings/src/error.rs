//! The one error type every exported call returns, and the one place core errors are mapped.
//!
//! Rules: every variant tells the app what to do next (show the reason, ask for the
//! passphrase again, unlock, re-enrol the platform key, …); no message ever contains a
//! secret, a passphrase or key material. Core errors already render without secrets
//! (`ParseError` never echoes the secret), and storage errors are reduced to their text.

use nyckel_core::approvals::ApprovalError;
use nyckel_core::protocol::{KeyStoreError, ProtocolError, ProviderCode, UriError};
use nyckel_core::vault::{ProtectorError, VaultError};
use nyckel_core::{CodeError, ParseError};

/// Everything that can go wrong in a call into Nyckel.
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
    /// `create` was pointed at an existing file; it is never overwritten.
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
    /// The vault file could not be read or written (disk full, read-only, busy).
    #[error("storage error: {reason}")]
    Storage { reason: String },
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
    /// newer sign-in, or withdrawn — or another answer for this account was being sent at
    /// the same moment (then nothing was sent for this one). Refresh the list.
    #[error("the sign-in request is no longer pending (answered elsewhere or superseded); refresh the list")]
    RequestNotPending,
    /// This request id is not among the requests the last `pending_requests()` returned:
    /// call `pending_requests()` again, then answer from the fresh list.
    #[error("unknown sign-in request; refresh the list of pending requests")]
    RequestNotFound,
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
    /// The device key store cannot sign with this account's device key right now, or lost
    /// it (`reason` for logs): try again; if the key is gone, remove the account and enroll
    /// again. (Failures of the phone sign-in key are `PhoneSigninKeyUnavailable`.)
    #[error("device key unavailable: {reason}")]
    DeviceKeyUnavailable { reason: String },
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

impl From<HttpError> for NyckelError {
    fn from(e: HttpError) -> Self {
        match e {
            HttpError::Unreachable { reason } => NyckelError::ProviderUnreachable { reason },
        }
    }
}

impl From<ApprovalError> for NyckelError {
    fn from(e: ApprovalError) -> Self {
        match e {
            ApprovalError::Vault(e) => e.into(),
            ApprovalError::Protocol(e) => e.into(),
            ApprovalError::Transport(reason) => NyckelError::ProviderUnreachable { reason },
            ApprovalError::Closed => NyckelError::Closed,
            // Other decisions on this account kept winning the counter: nothing was sent, and
            // most likely the same request was answered by the other one. Not a key problem.
            ApprovalError::Conflict => NyckelError::RequestNotPending,
            e @ ApprovalError::PhoneSigninConflict => {
                NyckelError::PhoneSigninKeyUnavailable { reason: e.to_string() }
            }
            e @ ApprovalError::PushTokenTooLong => {
                NyckelError::InvalidInput { reason: e.to_string() }
            }
            ApprovalError::RequestGone => NyckelError::RequestNotPending,
            ApprovalError::UnknownRequest => NyckelError::RequestNotFound,
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

impl From<KeyStoreError> for NyckelError {
    fn from(e: KeyStoreError) -> Self {
        match e {
            KeyStoreError::UserCancelled => NyckelError::UserCancelled,
            KeyStoreError::UserVerificationFailed => NyckelError::UserVerificationFailed,
            KeyStoreError::NotFound => NyckelError::DeviceKeyUnavailable {
                reason:
                    "the device key is gone from the key store; remove the account and enroll again"
                        .into(),
            },
            KeyStoreError::AlreadyExists => {
                NyckelError::Internal { reason: "device key alias collision".into() }
            }
            KeyStoreError::Unavailable(reason) | KeyStoreError::Other(reason) => {
                NyckelError::DeviceKeyUnavailable { reason }
            }
        }
    }
}

/// A key-store failure of the phone sign-in key: the action is to enable phone sign-in
/// again, never to remove the account.
fn phone_signin_key_error(e: KeyStoreError) -> NyckelError {
    match e {
        KeyStoreError::UserCancelled => NyckelError::UserCancelled,
        KeyStoreError::UserVerificationFailed => NyckelError::UserVerificationFailed,
        KeyStoreError::NotFound => NyckelError::PhoneSigninKeyUnavailable {
            reason:
                "the key is gone from the key store (deleted, or invalidated by new biometrics)"
                    .into(),
        },
        KeyStoreError::AlreadyExists => {
            NyckelError::Internal { reason: "phone sign-in key alias collision".into() }
        }
        KeyStoreError::Unavailable(reason) | KeyStoreError::Other(reason) => {
            NyckelError::PhoneSigninKeyUnavailable { reason }
        }
    }
}

impl From<UriError> for NyckelError {
    fn from(e: UriError) -> Self {
        NyckelError::InvalidEnrollmentCode { reason: e.to_string() }
    }
}

/// A sentence for a provider error code (the code itself travels beside it).
fn provider_reason(code: &ProviderCode) -> String {
    match code {
        ProviderCode::RateLimited => "too many sign-in requests; wait a few minutes".into(),
        ProviderCode::Blocked => "sign-in requests are blocked for a while after a report".into(),
        ProviderCode::ClockSkew => {
            "the device clock is too far off; check the date and time".into()
        }
        ProviderCode::Counter | ProviderCode::Replayed => {
            "the provider saw this signature before; try again".into()
        }
        ProviderCode::BadSignature
        | ProviderCode::BadAssertion
        | ProviderCode::UnknownCredential => "the provider rejected this device's signature".into(),
        ProviderCode::Internal => "the provider had an internal error; try again later".into(),
        ProviderCode::Other(c) if c.is_empty() => {
            "the provider answered with an unexpected error".into()
        }
        other => format!("the provider refused the request ({other})"),
    }
}

impl From<ProtocolError> for NyckelError {
    fn from(e: ProtocolError) -> Self {
        match e {
            ProtocolError::Uri(e) => e.into(),
            ProtocolError::KeyStore(e) => e.into(),
            ProtocolError::PhoneSigninKey(e) => phone_signin_key_error(e),
            e @ (ProtocolError::BadPlatformSignature
            | ProtocolError::BadPlatformKey
            | ProtocolError::CounterExhausted) => {
                NyckelError::DeviceKeyUnavailable { reason: e.to_string() }
            }
            ProtocolError::Provider { code, status } => match code {
                ProviderCode::WrongNumber => NyckelError::WrongNumber,
                ProviderCode::Expired => NyckelError::RequestExpired,
                // `not_found` means "no such request" only on the response call, which
                // `NyckelApprovals` maps itself; elsewhere it is a wrong path (ProviderRefused).
                ProviderCode::NotPending => NyckelError::RequestNotPending,
                ProviderCode::DeviceRevoked | ProviderCode::UnknownDevice => {
                    NyckelError::DeviceRevoked
                }
                ProviderCode::ActivationInvalid => NyckelError::InvalidEnrollmentCode {
                    reason: "the activation code is unknown, used or expired; ask for a new code"
                        .into(),
                },
                code => {
                    let wire = match code.as_wire() {
                        "" => format!("http_{status}"),
                        w => w.to_owned(),
                    };
                    NyckelError::ProviderRefused { reason: provider_reason(&code), code: wire }
                }
            },
            e @ ProtocolError::ClockSkew => {
                NyckelError::ProviderRefused { code: "clock_skew".into(), reason: e.to_string() }
            }
            e @ (ProtocolError::Malformed(_)
            | ProtocolError::TooLarge
            | ProtocolError::BadProviderSignature
            | ProtocolError::ProviderKeyMismatch
            | ProtocolError::UnexpectedPayload(_)
            | ProtocolError::Substituted(_)) => {
                NyckelError::ProviderUntrusted { reason: e.to_string() }
            }
            ProtocolError::Expired => NyckelError::RequestExpired,
            ProtocolError::InvalidNumber => NyckelError::InvalidNumber,
            ProtocolError::PhoneSigninNotEnabled => NyckelError::PhoneSigninNotEnabled,
            e @ ProtocolError::InvalidEnrollment(_) => {
                NyckelError::Damaged { reason: e.to_string() }
            }
            // A variant added to the core later: still an error with its (secret-free) text.
            #[allow(unreachable_patterns)]
            e => NyckelError::Internal { reason: e.to_string() },
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

impl From<uniffi::UnexpectedUniFFICallbackError> for NyckelError {
    fn from(e: uniffi::UnexpectedUniFFICallbackError) -> Self {
        NyckelError::Internal {
            reason: format!("unexpected error from a platform callback: {}", e.reason),
        }
    }
}

impl From<KeyProtectorError> for NyckelError {
    fn from(e: KeyProtectorError) -> Self {
        match e {
            KeyProtectorError::UserCancelled => NyckelError::UserCancelled,
            KeyProtectorError::KeyInvalidated => NyckelError::KeyInvalidated,
            KeyProtectorError::Unavailable { reason } => NyckelError::KeyUnavailable { reason },
            KeyProtectorError::Failed { reason } => NyckelError::KeyProtector { reason },
        }
    }
}

impl From<ParseError> for NyckelError {
    fn from(e: ParseError) -> Self {
        NyckelError::InvalidUri { reason: e.to_string() }
    }
}

impl From<CodeError> for NyckelError {
    fn from(e: CodeError) -> Self {
        NyckelError::InvalidInput { reason: e.to_string() }
    }
}

impl From<ProtectorError> for NyckelError {
    fn from(e: ProtectorError) -> Self {
        KeyProtectorError::from(e).into()
    }
}

impl From<VaultError> for NyckelError {
    fn from(e: VaultError) -> Self {
        match e {
            VaultError::NoVault(path) => NyckelError::NoVault { path },
            VaultError::AlreadyExists(path) => NyckelError::AlreadyExists { path },
            VaultError::NotAVault(reason) | VaultError::Corrupt(reason) => {
                NyckelError::Damaged { reason }
            }
            VaultError::TooNew { found, supported } => NyckelError::TooNew { found, supported },
            VaultError::WrongPassphrase => NyckelError::WrongPassphrase,
            VaultError::Locked => NyckelError::Locked,
            VaultError::NotFound(id) => NyckelError::NotFound { id },
            VaultError::EnrollmentNotFound(id) => NyckelError::EnrollmentNotFound { id },
            VaultError::Duplicate { existing_id } => NyckelError::Duplicate { existing_id },
            VaultError::InvalidUri(e) => e.into(),
            VaultError::Code(e) => e.into(),
            VaultError::InvalidInput(reason) => NyckelError::InvalidInput { reason },
            e @ VaultError::CounterExhausted => NyckelError::InvalidInput { reason: e.to_string() },
            VaultError::Protector(e) => e.into(),
            VaultError::NoPlatformSlot => NyckelError::NoPlatformKey,
            VaultError::Storage(reason) => NyckelError::Storage { reason },
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
