//! The one error type every exported call returns, and the one place core errors are mapped.
//!
//! Rules: every variant tells the app what to do next (show the reason, ask for the
//! passphrase again, unlock, re-enrol the platform key, …); no message ever contains a
//! secret, a passphrase or key material. Core errors already render without secrets
//! (`ParseError` never echoes the secret), and storage errors are reduced to their text.

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
    #[error("vault format {found} is newer than this version supports ({supported}); update Nyckel")]
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
            VaultError::NotAVault(reason) | VaultError::Corrupt(reason) => NyckelError::Damaged { reason },
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
