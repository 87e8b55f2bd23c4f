//! The transfer package: a Nyckel backup whose sealed content also lists the enrollments to
//! move (`docs/backup-format.md`, "Transfer package"). Sealed under the one-time key with the
//! vault's KDF floor: the key is random (120 bits), so the KDF need not make up for a weak
//! password.

use zeroize::Zeroizing;

use super::{TransferError, TransferKey};
use crate::export::backup::{self, TransferEnrollment};
use crate::import::{Entry, ImportError};
use crate::otpauth::OtpParams;
use crate::random::Random;
use crate::vault::KdfParams;

/// Argon2id of a transfer package: the vault's floor (19 MiB, 2 passes).
pub const TRANSFER_KDF: KdfParams = KdfParams::FLOOR;

/// Seals `accounts` and `enrollments` under `key`, with a fresh salt and nonce.
pub(crate) fn seal(
    accounts: &[(&OtpParams, &str)],
    enrollments: Vec<TransferEnrollment>,
    key: &TransferKey,
    random: &dyn Random,
) -> Result<Zeroizing<Vec<u8>>, TransferError> {
    let salt = crate::random::array(random).map_err(|_| TransferError::Random)?;
    let nonce = crate::random::array(random).map_err(|_| TransferError::Random)?;
    Ok(backup::seal_transfer(accounts, enrollments, &key.password(), TRANSFER_KDF, salt, nonce)?)
}

/// Opens a package: its accounts as import entries and its enrollments. A plain backup (no
/// enrollment list) is [`TransferError::NotATransfer`].
pub(crate) fn open(
    data: &[u8],
    key: &TransferKey,
) -> Result<(Vec<Entry>, Vec<TransferEnrollment>), TransferError> {
    if data.len() > crate::import::MAX_IMPORT_BYTES {
        let err = ImportError::TooLarge { len: data.len(), max: crate::import::MAX_IMPORT_BYTES };
        return Err(err.into());
    }
    let text = std::str::from_utf8(data).map_err(|_| ImportError::Malformed {
        format: "Nyckel transfer package",
        detail: "not UTF-8 text".into(),
    })?;
    let value: serde_json::Value =
        serde_json::from_str(text).map_err(|_| ImportError::Malformed {
            format: "Nyckel transfer package",
            detail: "not a Nyckel transfer package (unexpected structure or truncated)".into(),
        })?;
    if !backup::is_backup(&value) {
        return Err(ImportError::Malformed {
            format: "Nyckel transfer package",
            detail: "not a Nyckel transfer package".into(),
        }
        .into());
    }
    let (entries, enrollments) = backup::open_transfer(text, &key.password())?;
    match enrollments {
        Some(e) => Ok((entries, e)),
        None => Err(TransferError::NotATransfer),
    }
}
