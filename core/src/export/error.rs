//! Why an export was refused. Messages are one line and never contain a secret.
//!
//! Classification: [`ExportError::Vault`] is the vault's own error; every other variant is
//! bad input (exit 2 in the CLI).

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
    /// The operating system's random source failed.
    #[error("the system random source failed")]
    Random,
    /// The vault refused or failed.
    #[error(transparent)]
    Vault(#[from] VaultError),
}
