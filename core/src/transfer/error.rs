//! Why a transfer export or import was refused as a whole. Messages are one line and never
//! contain the key, a transfer code or a secret. (What happened to each account and each
//! enrollment is in the report, not here.)

use crate::approvals::ApprovalError;
use crate::error::{Classify, ErrorKind};
use crate::export::ExportError;
use crate::import::ImportError;

/// A refused transfer.
#[derive(Debug, thiserror::Error)]
pub enum TransferError {
    /// The typed key is not a transfer key (20 letters and digits 2–7, then 6 digits).
    #[error("that is not a transfer key: it has 20 letters (A-Z, 2-7) and then 6 digits")]
    InvalidKey,
    /// The file opened, but it is a plain backup, not a transfer package.
    #[error("this file is a Nyckel backup, not a transfer package; restore it with import")]
    NotATransfer,
    /// The vault holds nothing that can move (no enrollment, no exportable account).
    #[error("there is nothing to transfer: no enrollment and no exportable account")]
    Nothing,
    /// Every enrollment failed to get a transfer code and there is no account to move: no
    /// file was written.
    #[error(
        "no provider gave a transfer code and there is no account to move; nothing was written"
    )]
    NoCodes,
    /// The random source failed.
    #[error("the system random source failed")]
    Random,
    /// The package could not be read: wrong key, altered or not a Nyckel file.
    #[error(transparent)]
    Import(#[from] ImportError),
    /// The package could not be sealed.
    #[error(transparent)]
    Export(#[from] ExportError),
    /// The vault (or its access) failed before anything moved.
    #[error(transparent)]
    Approval(#[from] ApprovalError),
}

impl Classify for TransferError {
    fn kind(&self) -> ErrorKind {
        match self {
            TransferError::InvalidKey | TransferError::NotATransfer | TransferError::Nothing => {
                ErrorKind::InvalidInput
            }
            TransferError::NoCodes => ErrorKind::ProviderRefused,
            TransferError::Random => ErrorKind::Internal,
            TransferError::Import(e) => e.kind(),
            TransferError::Export(e) => e.kind(),
            TransferError::Approval(e) => e.kind(),
        }
    }
    fn by_user(&self) -> bool {
        match self {
            TransferError::InvalidKey | TransferError::NotATransfer | TransferError::Nothing => {
                true
            }
            TransferError::NoCodes | TransferError::Random => false,
            TransferError::Import(e) => e.by_user(),
            TransferError::Export(e) => e.by_user(),
            TransferError::Approval(e) => e.by_user(),
        }
    }
    fn log_detail(&self) -> Option<String> {
        match self {
            TransferError::Import(e) => e.log_detail(),
            TransferError::Export(e) => e.log_detail(),
            TransferError::Approval(e) => e.log_detail(),
            _ => None,
        }
    }
    fn storage_fault(&self) -> Option<crate::error::StorageFault> {
        match self {
            TransferError::Import(e) => e.storage_fault(),
            TransferError::Export(e) => e.storage_fault(),
            TransferError::Approval(e) => e.storage_fault(),
            _ => None,
        }
    }
}
