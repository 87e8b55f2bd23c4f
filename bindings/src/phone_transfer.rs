//! Moving to a new phone ("Flytta till ny telefon"): a thin mirror of
//! `Approvals::export_transfer` / `import_transfer` (`nyckel_core::transfer`). The old phone
//! shows `qr_payload` as a QR code and `code` to type; the new phone scans and types, or
//! takes the whole `key_text`.

use nyckel_core::approvals::ApprovalError;
use nyckel_core::import::Outcome;
use nyckel_core::transfer::{TransferExport, TransferImport, TransferKey};
use nyckel_core::{ErrorKind, NextStep};
use zeroize::Zeroizing;

use crate::approvals::{FetchFailure, NyckelApprovals};
use crate::error::NyckelError;
use crate::transfer::{left_out, LeftOut};

/// One enrollment of a transfer export: the code's expiry, or why the provider gave none (that
/// account is then to enroll again by hand).
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct TransferOfferInfo {
    pub enrollment_id: i64,
    /// "anna at https://idp.example.se".
    pub label: String,
    pub phone_signin: bool,
    /// When its transfer code expires (Unix seconds, provider clock).
    pub expires_at: Option<i64>,
    pub failure: Option<FetchFailure>,
}

/// A written transfer package and its one-time key. The key and the package are secrets:
/// show the key only on the old phone's screen, hand the package over, forget both after.
#[derive(Clone, PartialEq, Eq, uniffi::Record)]
pub struct PhoneTransferExport {
    /// The package (a Nyckel backup file).
    pub package: Vec<u8>,
    /// What the QR code shows.
    pub qr_payload: String,
    /// The 6 digits the user types on the new phone after scanning.
    pub code: String,
    /// The whole key as text (`ABCDE-FGHIJ-KLMNO-PQRST-123456`).
    pub key_text: String,
    pub account_ids: Vec<i64>,
    pub enrollments: Vec<TransferOfferInfo>,
    /// What does not move, and what to do on the new phone: enrollments without a transfer
    /// code, and managed one-time-code accounts their provider did not re-deliver
    /// ("… re-enroll at <provider>").
    #[uniffi(default = [])]
    pub left_out: Vec<LeftOut>,
}

impl std::fmt::Debug for PhoneTransferExport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PhoneTransferExport")
            .field("account_ids", &self.account_ids)
            .field("enrollments", &self.enrollments)
            .field("left_out", &self.left_out)
            .finish_non_exhaustive()
    }
}

/// Why one enrollment of a transfer did not (fully) move: the core's classification.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct TransferFailure {
    pub kind: ErrorKind,
    pub next_step: NextStep,
    /// One English line.
    pub reason: String,
}

impl From<ApprovalError> for TransferFailure {
    fn from(e: ApprovalError) -> Self {
        let e = NyckelError::from(e);
        TransferFailure { kind: e.kind(), next_step: e.next_step(), reason: e.to_string() }
    }
}

/// One enrollment of a transfer import.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct TransferMoveInfo {
    pub label: String,
    /// The new enrollment, when enrolling worked.
    pub enrollment_id: Option<i64>,
    /// The first call reached the provider: the old phone's device is revoked there.
    pub old_device_revoked: bool,
    /// Phone sign-in: `None` when the old phone did not have it; `Some(true)` on again.
    pub phone_signin: Option<bool>,
    /// Why enrolling (or else the first call, or phone sign-in) failed.
    pub failure: Option<TransferFailure>,
    /// The managed one-time-code account the provider re-delivered with the transfer code
    /// (`None`: it gave none).
    #[uniffi(default = None)]
    pub managed_otp: Option<ManagedOtpInfo>,
}

/// A managed one-time-code account the provider re-delivered to the new phone: never
/// exported, here as on the old phone.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct ManagedOtpInfo {
    pub account_id: i64,
    /// "Issuer (name)".
    pub label: String,
    /// `false`: the vault had it already (linked to the enrollment, not added twice).
    pub added: bool,
}

/// What a transfer import did.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct PhoneTransferImport {
    pub enrollments: Vec<TransferMoveInfo>,
    /// Accounts added.
    pub accounts_imported: u32,
    /// Accounts already in the vault.
    pub accounts_duplicate: u32,
    /// Accounts that could not be added.
    pub accounts_failed: u32,
}

fn export_record(out: TransferExport) -> PhoneTransferExport {
    let enrollments = out
        .enrollments
        .into_iter()
        .map(|e| TransferOfferInfo {
            enrollment_id: e.enrollment_id,
            label: e.label,
            phone_signin: e.phone_signin,
            expires_at: e.outcome.as_ref().ok().copied(),
            failure: e.outcome.err().map(|err| FetchFailure::new(e.enrollment_id, err)),
        })
        .collect();
    PhoneTransferExport {
        package: out.bytes.to_vec(),
        qr_payload: out.key.qr_payload().to_string(),
        code: out.key.code().to_owned(),
        key_text: out.key.text().to_string(),
        account_ids: out.accounts,
        enrollments,
        left_out: left_out(out.left_out),
    }
}

fn import_record(m: TransferImport) -> PhoneTransferImport {
    let count = |f: fn(&Outcome) -> bool| {
        m.accounts.entries.iter().filter(|e| f(&e.outcome)).count() as u32
    };
    let accounts_imported = count(|o| matches!(o, Outcome::Imported { account_id: Some(_) }));
    let accounts_duplicate = count(|o| matches!(o, Outcome::Duplicate { .. }));
    let accounts_failed = count(|o| matches!(o, Outcome::Failed { .. }));
    let enrollments = m
        .enrollments
        .into_iter()
        .map(|e| match e.outcome {
            Ok(done) => {
                let id = done.enrolled.enrollment_id;
                let phone_signin = done.phone_signin.as_ref().map(Result::is_ok);
                let old_device_revoked = done.confirmed.is_ok();
                let failure = match (done.confirmed, done.phone_signin) {
                    (Err(err), _) | (Ok(()), Some(Err(err))) => Some(err.into()),
                    _ => None,
                };
                let managed_otp = done.managed_otp.map(|m| ManagedOtpInfo {
                    account_id: m.account_id,
                    label: m.label,
                    added: m.added,
                });
                TransferMoveInfo {
                    label: e.label,
                    enrollment_id: Some(id),
                    old_device_revoked,
                    phone_signin,
                    failure,
                    managed_otp,
                }
            }
            Err(err) => TransferMoveInfo {
                label: e.label,
                enrollment_id: None,
                old_device_revoked: false,
                phone_signin: None,
                failure: Some(err.into()),
                managed_otp: None,
            },
        })
        .collect();
    PhoneTransferImport { enrollments, accounts_imported, accounts_duplicate, accounts_failed }
}

#[uniffi::export]
impl NyckelApprovals {
    /// On the old phone: asks each provider for a transfer code (nothing is revoked yet) and
    /// seals the codes and the exportable accounts under a fresh one-time key. Logged.
    /// Errors: `Locked`, `InvalidInput` (nothing to transfer), `ProviderRefused` (no code and
    /// no account), `Internal`.
    pub fn export_phone_transfer(&self) -> Result<PhoneTransferExport, NyckelError> {
        Ok(export_record(self.core().export_transfer(crate::approvals::now()?)?))
    }

    /// On the new phone: opens the package with the key (the whole `key_text`), adds the
    /// accounts and enrolls each code with new device keys; the first call to each provider
    /// revokes the old phone there; phone sign-in comes back with a fresh key (the platform
    /// prompt shows). Errors (nothing changed): `InvalidInput` (not a key, or a backup),
    /// `WrongPassphrase` (wrong key or altered file), `Locked`.
    pub fn import_phone_transfer(
        &self,
        package: Vec<u8>,
        key_text: String,
        device_name: String,
    ) -> Result<PhoneTransferImport, NyckelError> {
        let key_text = Zeroizing::new(key_text);
        let key = TransferKey::parse(&key_text)?;
        let now = crate::approvals::now()?;
        Ok(import_record(self.core().import_transfer(&package, &key, &device_name, now)?))
    }
}

/// Whether scanned text is the QR code an old phone shows for a transfer
/// (`nyckel-transfer://v1?key=…`): the scanner sends it to the transfer import.
#[uniffi::export]
pub fn is_transfer_qr(text: String) -> bool {
    TransferKey::is_qr_payload(&text)
}

/// The whole one-time key (`key_text` for `import_phone_transfer`) from the scanned QR code
/// and the 6 digits the user typed (spaces and dashes ignored). `InvalidInput` when either
/// part is not a transfer key's.
#[uniffi::export]
pub fn transfer_key_from_scan(qr_payload: String, code: String) -> Result<String, NyckelError> {
    let (qr_payload, code) = (Zeroizing::new(qr_payload), Zeroizing::new(code));
    let key = TransferKey::from_scan(&qr_payload, &code)?;
    Ok(key.text().to_string())
}
