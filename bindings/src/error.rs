//! The one error type every exported call returns, and the one place core errors are mapped.
//!
//! Rules: every variant tells the app what to do next (show the reason, ask for the
//! passphrase again, unlock, re-enrol the platform key, …); no message ever contains a
//! secret, a passphrase or key material. Core errors already render without secrets
//! (`ParseError` never echoes the secret), and storage errors are reduced to their text.

use nyckel_core::{CodeError, ParseError};

/// Everything that can go wrong in a call into Nyckel.
///
/// Kotlin: `NyckelException.InvalidUri(reason)` etc.; Swift: `NyckelError.InvalidUri(reason:)`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, uniffi::Error)]
pub enum NyckelError {
    /// The text is not an otpauth URI Nyckel accepts; `reason` says why (show it to the user).
    #[error("invalid otpauth URI: {reason}")]
    InvalidUri { reason: String },
    /// Account parameters no code can be computed from (digits, period, …).
    #[error("invalid account parameters: {reason}")]
    InvalidParameters { reason: String },
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
    /// The same account is already in the vault.
    #[error("this account is already in the vault")]
    Duplicate,
    /// No platform key slot is set up for this vault: unlock with the passphrase.
    #[error("no platform key is enrolled for this vault")]
    NoPlatformKey,
    /// The user cancelled the platform prompt (biometrics / device credential).
    #[error("the user cancelled the authentication")]
    UserCancelled,
    /// The platform key is gone or permanently invalidated (biometrics changed): unlock
    /// with the passphrase and enrol the platform key again.
    #[error("the platform key was invalidated; unlock with the passphrase and enrol again")]
    KeyInvalidated,
    /// The platform key store failed or is unavailable; `reason` is for logs.
    #[error("platform key store failed: {reason}")]
    KeyProtector { reason: String },
    /// The vault file could not be read or written (disk full, permissions, corrupt file).
    #[error("storage error: {reason}")]
    Storage { reason: String },
    /// A bug: a panic or an invariant violation inside Nyckel. Report it.
    #[error("internal error: {reason}")]
    Internal { reason: String },
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
        KeyProtectorError::Failed { reason: format!("unexpected error from the platform: {}", e.reason) }
    }
}

impl From<uniffi::UnexpectedUniFFICallbackError> for NyckelError {
    fn from(e: uniffi::UnexpectedUniFFICallbackError) -> Self {
        NyckelError::Internal { reason: format!("unexpected error from a platform callback: {}", e.reason) }
    }
}

impl From<KeyProtectorError> for NyckelError {
    fn from(e: KeyProtectorError) -> Self {
        match e {
            KeyProtectorError::UserCancelled => NyckelError::UserCancelled,
            KeyProtectorError::KeyInvalidated => NyckelError::KeyInvalidated,
            KeyProtectorError::Unavailable { reason } | KeyProtectorError::Failed { reason } => {
                NyckelError::KeyProtector { reason }
            }
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
        NyckelError::InvalidParameters { reason: e.to_string() }
    }
}
