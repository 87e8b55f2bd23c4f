//! Why an export was refused. Messages are one line and never contain a secret.
//!
//! Classification ([`Classify`]): [`ExportError::Vault`] is the vault's own error; a failed
//! random source is [`ErrorKind::Internal`]; every other variant is the user's input
//! ([`ErrorKind::InvalidInput`], `by_user`, exit 2 in the CLI).

use crate::error::{Classify, ErrorKind};
use crate::vault::VaultError;

/// A refused export. Nothing is written or logged when one is returned.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    /// An encrypted format was asked for without a password.
    #[error("the {0} export is encrypted; give a password")]
    PasswordRequired(&'static str),
    /// The password is empty or only whitespace.
    #[error("the export password must not be empty")]
    EmptyPassword,
    /// KDF parameters outside what is accepted for a backup.
    #[error("backup KDF parameters: {0}")]
    KdfParameters(String),
    /// A kept automatic-backup key that is not this vault's or is damaged: set it again
    /// with the recovery passphrase or code.
    #[error("the automatic backup key does not belong to this vault; set it again")]
    BackupKey,
    /// The operating system's random source failed.
    #[error("the system random source failed")]
    Random,
    /// The vault refused or failed.
    #[error(transparent)]
    Vault(#[from] VaultError),
}

impl Classify for ExportError {
    fn kind(&self) -> ErrorKind {
        match self {
            ExportError::PasswordRequired(_)
            | ExportError::EmptyPassword
            | ExportError::KdfParameters(_)
            | ExportError::BackupKey => ErrorKind::InvalidInput,
            ExportError::Random => ErrorKind::Internal,
            ExportError::Vault(e) => e.kind(),
        }
    }
    fn by_user(&self) -> bool {
        match self {
            ExportError::PasswordRequired(_)
            | ExportError::EmptyPassword
            | ExportError::KdfParameters(_)
            | ExportError::BackupKey => true,
            ExportError::Random => false,
            ExportError::Vault(e) => e.by_user(),
        }
    }
    fn log_detail(&self) -> Option<String> {
        match self {
            ExportError::Vault(e) => e.log_detail(),
            _ => None,
        }
    }
    fn storage_fault(&self) -> Option<crate::error::StorageFault> {
        match self {
            ExportError::Vault(e) => e.storage_fault(),
            _ => None,
        }
    }
}
