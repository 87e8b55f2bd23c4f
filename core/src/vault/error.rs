//! What can go wrong with a vault. Messages are one line and never contain secrets;
//! [`crate::error`] classifies them for the user.

use crate::codes::CodeError;
use crate::error::StorageFault;
use crate::otpauth::ParseError;

use super::slots::ProtectorError;

/// A failed vault operation. Nothing stored is changed when one is returned.
#[derive(Debug, thiserror::Error)]
pub enum VaultError {
    /// No file at the path.
    #[error("no vault at {0}")]
    NoVault(String),
    /// `create` was given a path that already exists, or a side file (`-wal`, `-shm`,
    /// `-journal`) next to the vault — at `create`, or at `open` one that is not the vault
    /// owner's own — is in the way. The string is the path of what is in the way.
    #[error("{0} already exists; refusing to overwrite or use it")]
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
    /// SQLite or the file system failed: a full disk, a read-only file, a missing
    /// permission, another process holding the lock, a failing device. `fault` says which
    /// (the message is its sentence); `detail` is SQLite's or the OS's own text, for a
    /// developer-facing log only ([`Classify::log_detail`](crate::error::Classify::log_detail)):
    /// the message shown to the user never carries it.
    #[error("{fault}")]
    Storage { fault: StorageFault, detail: String },
}

impl VaultError {
    /// A storage failure of `fault`, with a developer-facing `detail` (never shown).
    pub fn storage(fault: StorageFault, detail: impl Into<String>) -> VaultError {
        VaultError::Storage { fault, detail: detail.into() }
    }

    /// A failed file operation of Nyckel's own (not SQLite's), classified by the OS error.
    pub(crate) fn io(what: impl std::fmt::Display, e: &std::io::Error) -> VaultError {
        VaultError::storage(StorageFault::from_io(e), format!("{what}: {e}"))
    }
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
            _ => {
                let fault = sqlite_fault(&e);
                VaultError::Storage { fault, detail: e.to_string() }
            }
        }
    }
}

/// The storage fault behind an SQLite error: from its result code where that says it
/// (`SQLITE_FULL` is a full disk, `SQLITE_READONLY` a read-only file or connection), else
/// — for an I/O error or a file SQLite could not open — from the OS error the failed call
/// left. SQLite itself reads `errno` the same way right after the call
/// (`sqlite3_system_errno`); nothing but SQLite's own bookkeeping runs in between.
fn sqlite_fault(e: &rusqlite::Error) -> StorageFault {
    use rusqlite::ffi::ErrorCode;
    match e.sqlite_error_code() {
        Some(ErrorCode::DiskFull) => StorageFault::DiskFull,
        Some(ErrorCode::ReadOnly) => StorageFault::ReadOnly,
        Some(ErrorCode::PermissionDenied | ErrorCode::AuthorizationForStatementDenied) => {
            StorageFault::PermissionDenied
        }
        Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked) => StorageFault::Busy,
        Some(ErrorCode::SystemIoFailure | ErrorCode::CannotOpen) => {
            match StorageFault::from_io(&std::io::Error::last_os_error()) {
                // `errno` may be stale from an earlier, unrelated call: only the causes a
                // failed write or open gives are believed; a busy lock is SQLite's code.
                StorageFault::Busy | StorageFault::Other => StorageFault::Io,
                fault => fault,
            }
        }
        _ => StorageFault::Other,
    }
}
