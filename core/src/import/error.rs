//! Why a whole import was refused. Messages are one line and never contain a secret or a
//! password.
//!
//! Classification ([`Classify`], for the CLI's exit codes and the apps): every variant but
//! [`ImportError::Vault`] is the user's input (the file, the password or the chosen format;
//! `by_user`, exit 2): a wrong password is [`ErrorKind::WrongPassphrase`], everything else
//! [`ErrorKind::InvalidInput`] (choose another file or fix the password). `Vault` carries
//! the vault's own error and is classified as that error.

use crate::error::{Classify, ErrorKind};
use crate::vault::VaultError;

/// A refused import file. Nothing is added to the vault when one is returned.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// The file is larger than [`super::MAX_IMPORT_BYTES`].
    #[error("the file is {len} bytes; at most {max} are accepted for an import")]
    TooLarge { len: usize, max: usize },
    /// No known format matched; `--format` can name one.
    #[error("unrecognised file format: {0}")]
    UnknownFormat(String),
    /// A format name that does not exist.
    #[error("unknown format name \"{0}\"")]
    UnknownFormatName(String),
    /// The file is of the expected format but truncated, malformed or missing fields.
    #[error("malformed {format} file: {detail}")]
    Malformed { format: &'static str, detail: String },
    /// The file is encrypted and no password was given.
    #[error("this {0} file is encrypted; give its password")]
    PasswordRequired(&'static str),
    /// The password opened none of the file's password slots.
    #[error("wrong password for this {0} file")]
    WrongPassword(&'static str),
    /// The password was right but the encrypted content fails authentication.
    #[error("the encrypted content of this {0} file fails authentication (tampered or damaged)")]
    Tampered(&'static str),
    /// An encrypted file with no slot a password can open (an empty slot list, or only
    /// biometric slots).
    #[error("this {0} file has no password slot; export it again with a password")]
    NoPasswordSlot(&'static str),
    /// Key-derivation parameters read from the file exceed what a phone could afford.
    #[error("refused to run {kdf} with the file's parameters ({detail}): more than a phone could afford")]
    KdfTooExpensive { kdf: &'static str, detail: String },
    /// A variant of the format this version cannot read (an encrypted Bitwarden or Ente
    /// export, …), with what to do instead.
    #[error("unsupported {format} file: {detail}")]
    Unsupported { format: &'static str, detail: String },
    /// A Google Authenticator export spread over several QR codes with some missing.
    #[error("Google Authenticator export: batch {} of {total} missing; scan every QR code of the export", list(missing))]
    MissingBatches { missing: Vec<u32>, total: u32 },
    /// QR codes of different Google Authenticator exports, or inconsistent batch numbers.
    #[error("Google Authenticator export: {0}")]
    BatchMismatch(String),
    /// The vault refused or failed.
    #[error(transparent)]
    Vault(#[from] VaultError),
}

fn list(numbers: &[u32]) -> String {
    numbers.iter().map(u32::to_string).collect::<Vec<_>>().join(", ")
}

impl Classify for ImportError {
    fn kind(&self) -> ErrorKind {
        match self {
            ImportError::WrongPassword(_) => ErrorKind::WrongPassphrase,
            ImportError::Vault(e) => e.kind(),
            ImportError::TooLarge { .. }
            | ImportError::UnknownFormat(_)
            | ImportError::UnknownFormatName(_)
            | ImportError::Malformed { .. }
            | ImportError::PasswordRequired(_)
            | ImportError::Tampered(_)
            | ImportError::NoPasswordSlot(_)
            | ImportError::KdfTooExpensive { .. }
            | ImportError::Unsupported { .. }
            | ImportError::MissingBatches { .. }
            | ImportError::BatchMismatch(_) => ErrorKind::InvalidInput,
        }
    }
    fn by_user(&self) -> bool {
        match self {
            ImportError::Vault(e) => e.by_user(),
            _ => true,
        }
    }
    fn log_detail(&self) -> Option<String> {
        match self {
            ImportError::Vault(e) => e.log_detail(),
            _ => None,
        }
    }
    fn storage_fault(&self) -> Option<crate::error::StorageFault> {
        match self {
            ImportError::Vault(e) => e.storage_fault(),
            _ => None,
        }
    }
}

impl ImportError {
    pub(super) fn malformed(format: &'static str, detail: impl Into<String>) -> Self {
        ImportError::Malformed { format, detail: detail.into() }
    }
}
