//! What can go wrong with a vault. Messages are one line and never contain secrets;
//! [`crate::error`] classifies them for the user.

use crate::codes::CodeError;
use crate::otpauth::ParseError;

use super::slots::ProtectorError;

/// A failed vault operation. Nothing stored is changed when one is returned.
#[derive(Debug, thiserror::Error)]
pub enum VaultError {
    /// No file at the path.
    #[error("no vault at {0}")]
    NoVault(String),
    /// `create` was given a path that already exists.
    #[error("{0} already exists; refusing to overwrite it")]
    AlreadyExists(String),
    /// The file is not a Nyckel vault (another SQLite database, or not SQLite at all).
    #[error("not a Nyckel vault: {0}")]
    NotAVault(String),
    /// The file is a vault but damaged: truncated, flipped bits, rows swapped or edited.
    #[error("vault is damaged: {0}")]
    Corrupt(String),
    /// The vault was written by a newer Nyckel.
    #[error(
        "vault format {found} is newer than this version supports ({supported}); update Nyckel"
    )]
    TooNew { found: i64, supported: i64 },
    /// The passphrase did not open any passphrase slot.
    #[error("wrong passphrase")]
    WrongPassphrase,
    /// The operation needs the vault unlocked.
    #[error("vault is locked")]
    Locked,
    /// No account (or record) with that id.
    #[error("no account with id {0}")]
    NotFound(i64),
    /// No enrollment with that id.
    #[error("no enrollment with id {0}")]
    EnrollmentNotFound(i64),
    /// The account is already in the vault.
    #[error("this account is already in the vault (id {existing_id})")]
    Duplicate { existing_id: i64 },
    /// The URI could not be parsed.
    #[error("invalid otpauth URI: {0}")]
    InvalidUri(#[from] ParseError),
    /// Parameters no code can be computed from.
    #[error("cannot compute a code: {0}")]
    Code(#[from] CodeError),
    /// An argument was rejected (empty passphrase, KDF below the floor, bad reorder list, …).
    #[error("{0}")]
    InvalidInput(String),
    /// The HOTP counter cannot advance any further.
    #[error("HOTP counter is exhausted")]
    CounterExhausted,
    /// The platform key protector (Keystore/Keychain) failed.
    #[error("platform key protector: {0}")]
    Protector(#[from] ProtectorError),
    /// The vault has no platform slot to unlock with.
    #[error("vault has no platform key slot")]
    NoPlatformSlot,
    /// SQLite or the file system failed (disk full, read-only, busy, …). The text is
    /// SQLite's or the OS's, for a developer-facing log only
    /// ([`Classify::log_detail`](crate::error::Classify::log_detail)): the message shown
    /// to the user never carries it.
    #[error("could not read or write the vault file (disk full, read-only or busy?)")]
    Storage(String),
}

impl From<rusqlite::Error> for VaultError {
    fn from(e: rusqlite::Error) -> Self {
        use rusqlite::ffi::ErrorCode;
        match e.sqlite_error_code() {
            Some(ErrorCode::NotADatabase) => {
                VaultError::NotAVault("file is not a SQLite database".into())
            }
            Some(ErrorCode::DatabaseCorrupt) => {
                VaultError::Corrupt("SQLite reports a malformed file".into())
            }
            _ => VaultError::Storage(e.to_string()),
        }
    }
}
