//! Moving to a new phone with the old phone in hand (`docs/recovery.md`, "Moving to a new
//! phone"). The old phone asks each provider for a single-use transfer enrollment code
//! (`docs/protocol.md` §4.10) and seals those codes, with the one-time-code accounts that may
//! be exported, into a **transfer package**: a Nyckel backup (`docs/backup-format.md`, the
//! same format and crypto) under a random one-time [`TransferKey`]. The new phone opens it,
//! enrolls each code with **new** device keys (keys are never copied), makes a first
//! authenticated call to each provider (which revokes the old phone's device there), enables
//! phone sign-in with a fresh user-verification key where the old phone had it, and adds the
//! accounts. The flows are [`Approvals::export_transfer`](crate::approvals::Approvals::export_transfer)
//! and [`Approvals::import_transfer`](crate::approvals::Approvals::import_transfer); time and
//! randomness are the [`Approvals`](crate::approvals::Approvals)' inputs.

mod error;
mod key;
pub(crate) mod package;

#[cfg(test)]
mod tests;

pub use error::TransferError;
pub use key::TransferKey;

use zeroize::Zeroizing;

use crate::approvals::{ApprovalError, Enrolled};
use crate::export::LeftOut;
use crate::import::ImportReport;

/// What a transfer export did for one enrollment.
#[derive(Debug)]
pub struct EnrollmentOffer {
    /// The enrollment on the old phone.
    pub enrollment_id: i64,
    /// "anna at https://idp.example.se".
    pub label: String,
    /// Phone sign-in is enabled on the old phone (the new one enables it again).
    pub phone_signin: bool,
    /// When its transfer code expires (provider time), or why the provider gave none (this
    /// enrollment is then not in the package: enroll the new phone again).
    pub outcome: Result<i64, ApprovalError>,
}

/// A written transfer package.
pub struct TransferExport {
    /// The one-time key: show [`TransferKey::qr_payload`] as a QR code and
    /// [`TransferKey::code`] (or the whole [`TransferKey::text`]) to type.
    pub key: TransferKey,
    /// The package's bytes (a Nyckel backup file).
    pub bytes: Zeroizing<Vec<u8>>,
    /// Ids of the accounts in the package.
    pub accounts: Vec<i64>,
    /// Every enrollment, with its transfer code's expiry or why it has none.
    pub enrollments: Vec<EnrollmentOffer>,
    /// What does not move (managed one-time-code secrets), and why.
    pub left_out: Vec<LeftOut>,
}

impl std::fmt::Debug for TransferExport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TransferExport")
            .field("bytes", &format_args!("<{} bytes>", self.bytes.len()))
            .field("accounts", &self.accounts)
            .field("enrollments", &self.enrollments)
            .field("left_out", &self.left_out)
            .finish_non_exhaustive()
    }
}

impl TransferExport {
    /// When the first transfer code expires (provider time): import before then.
    pub fn expires_at(&self) -> Option<i64> {
        self.enrollments.iter().filter_map(|e| e.outcome.as_ref().ok().copied()).min()
    }
}

/// What a transfer import did for one enrollment of the package.
#[derive(Debug)]
pub struct EnrollmentMove {
    /// 1-based position in the package.
    pub position: usize,
    /// "anna at https://idp.example.se" (from the enrollment URI).
    pub label: String,
    /// The new enrollment, or why enrolling failed (nothing stored, no key kept).
    pub outcome: Result<MovedEnrollment, ApprovalError>,
}

/// An enrollment the new phone holds now.
#[derive(Debug)]
pub struct MovedEnrollment {
    /// As stored in the new vault.
    pub enrolled: Enrolled,
    /// The first authenticated call to the provider, which revokes the old phone's device:
    /// `Ok` when it went through. On `Err` the old phone still works there until this phone
    /// calls the provider (any fetch of sign-in requests completes the move).
    pub confirmed: Result<(), ApprovalError>,
    /// Phone sign-in enabled again with a fresh key: `None` when the old phone did not
    /// have it.
    pub phone_signin: Option<Result<(), ApprovalError>>,
    /// The managed one-time-code account the provider re-delivered with the transfer code
    /// (`None`: it gave none).
    pub managed_otp: Option<ManagedOtp>,
}

/// A managed one-time-code account the provider re-delivered to the new phone (§4.10).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ManagedOtp {
    /// The account's id in the new vault.
    pub account_id: i64,
    /// "Issuer (name)".
    pub label: String,
    /// `true`: added now; `false`: the vault had it already (it is linked, not copied).
    pub added: bool,
}

/// The result of a transfer import.
#[derive(Debug)]
pub struct TransferImport {
    /// Each account of the package, as an import reports it (added, duplicate, failed).
    pub accounts: ImportReport,
    /// Each enrollment of the package.
    pub enrollments: Vec<EnrollmentMove>,
}
