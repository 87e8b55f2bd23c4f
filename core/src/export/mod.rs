//! Export: every personal account leaves in the format the user picks; what cannot leave
//! (device-bound push and phone sign-in keys, secrets an organisation marked as managed) is
//! listed for re-enrollment instead. Every export is recorded in the activity log.
//! Formats are documented in `docs/import.md`; the Nyckel backup in `docs/backup-format.md`.

pub mod aegis;
pub mod backup;
mod error;
pub mod google;

#[cfg(test)]
mod tests;

pub use error::ExportError;

use zeroize::Zeroizing;

use crate::otpauth::OtpParams;
use crate::vault::{Account, ActivityEvent, KdfParams, Vault};

/// The formats Nyckel writes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExportFormat {
    /// Nyckel backup (Argon2id + AES-256-GCM), restorable on either platform.
    Nyckel,
    /// Aegis vault JSON, plain.
    Aegis,
    /// Aegis vault JSON, encrypted with a password.
    AegisEncrypted,
    /// One `otpauth://` URI a line (plain text: handle with care).
    Otpauth,
    /// Google Authenticator transfer QR codes (`otpauth-migration://` URIs, batched).
    GoogleQr,
}

impl ExportFormat {
    /// Every format.
    pub const ALL: [ExportFormat; 5] = [
        ExportFormat::Nyckel,
        ExportFormat::Aegis,
        ExportFormat::AegisEncrypted,
        ExportFormat::Otpauth,
        ExportFormat::GoogleQr,
    ];

    /// The name `--format` uses (and the activity log records).
    pub fn name(self) -> &'static str {
        match self {
            ExportFormat::Nyckel => "nyckel",
            ExportFormat::Aegis => "aegis",
            ExportFormat::AegisEncrypted => "aegis-encrypted",
            ExportFormat::Otpauth => "otpauth",
            ExportFormat::GoogleQr => "google-qr",
        }
    }

    /// The format called `name`.
    pub fn from_name(name: &str) -> Option<ExportFormat> {
        ExportFormat::ALL.into_iter().find(|f| f.name() == name)
    }

    /// True when the format needs a password.
    pub fn is_encrypted(self) -> bool {
        matches!(self, ExportFormat::Nyckel | ExportFormat::AegisEncrypted)
    }
}

/// Something that does not leave with the export, and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LeftOut {
    /// "Issuer (name)" of an account, or the enrollment's account and provider.
    pub label: String,
    /// Why, and what to do on the new phone.
    pub reason: String,
}

/// The written export.
pub struct Export {
    /// The format written.
    pub format: ExportFormat,
    /// The file's bytes (empty for [`ExportFormat::GoogleQr`]).
    pub bytes: Zeroizing<Vec<u8>>,
    /// The transfer URIs, one per QR code ([`ExportFormat::GoogleQr`] only).
    pub qr_uris: Vec<Zeroizing<String>>,
    /// Ids of the accounts exported.
    pub exported: Vec<i64>,
    /// Device-bound credentials and managed or unrepresentable accounts, left out.
    pub left_out: Vec<LeftOut>,
}

impl std::fmt::Debug for Export {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Export")
            .field("format", &self.format)
            .field("bytes", &format_args!("<{} bytes>", self.bytes.len()))
            .field("qr_codes", &self.qr_uris.len())
            .field("exported", &self.exported)
            .field("left_out", &self.left_out)
            .finish()
    }
}

/// Options of an export.
#[derive(Clone, Copy, Debug)]
pub struct ExportOptions<'a> {
    /// Password of the encrypted formats.
    pub password: Option<&'a str>,
    /// Argon2id parameters of a Nyckel backup ([`backup::BACKUP_KDF`] by default).
    pub backup_kdf: KdfParams,
}

impl Default for ExportOptions<'_> {
    fn default() -> Self {
        ExportOptions { password: None, backup_kdf: backup::BACKUP_KDF }
    }
}

/// What an export would contain: the exportable accounts and what is left out.
pub struct ExportPlan {
    /// Accounts that leave.
    pub accounts: Vec<Account>,
    /// What does not, and why.
    pub left_out: Vec<LeftOut>,
}

fn label(issuer: &str, name: &str) -> String {
    crate::import::label_of(issuer, name)
}

/// Works out what an export in `format` contains (reads the vault, changes nothing).
pub fn plan(vault: &Vault, format: ExportFormat) -> Result<ExportPlan, ExportError> {
    let enrollments = vault.enrollments()?;
    let mut left_out = Vec::new();
    let mut managed = Vec::new();
    for e in &enrollments {
        let e = &e.enrollment;
        let what = if e.phone_signin_enabled() {
            "push approvals and phone sign-in"
        } else {
            "push approvals"
        };
        left_out.push(LeftOut {
            label: format!("{} at {}", e.account_name, e.base_url),
            reason: format!(
                "{what} use keys bound to this device that are never exported: enroll the new phone again"
            ),
        });
        if let (true, Some(id)) = (e.otp_managed, e.otp_account_id) {
            managed.push(id);
        }
    }
    let mut accounts = Vec::new();
    for a in vault.accounts()? {
        let skip = if managed.contains(&a.id) {
            Some("its one-time-code secret is managed by the organisation: enroll the new phone again")
        } else if format == ExportFormat::GoogleQr {
            google::unsupported(&a.params)
        } else {
            None
        };
        match skip {
            Some(reason) => left_out.push(LeftOut {
                label: label(&a.params.issuer, &a.params.name),
                reason: reason.to_owned(),
            }),
            None => accounts.push(a),
        }
    }
    Ok(ExportPlan { accounts, left_out })
}

/// Fresh bytes of any length from a random source.
struct Fresh<'r>(&'r dyn crate::random::Random);

impl Fresh<'_> {
    fn bytes<const N: usize>(&self) -> Result<[u8; N], ExportError> {
        crate::random::array(self.0).map_err(|_| ExportError::Random)
    }
}

/// Writes the export and records it in the activity log (with the ids of the accounts
/// that left). Nothing is logged when writing fails. Salts, nonces and ids come from the
/// vault's random source ([`Vault::set_random`]).
pub fn export(
    vault: &mut Vault,
    format: ExportFormat,
    options: ExportOptions<'_>,
) -> Result<Export, ExportError> {
    let password = if format.is_encrypted() {
        let p = options.password.ok_or(ExportError::PasswordRequired(format.name()))?;
        if p.trim().is_empty() {
            return Err(ExportError::EmptyPassword);
        }
        p
    } else {
        ""
    };
    let plan = plan(vault, format)?;
    let fresh = Fresh(vault.random());
    let pairs: Vec<(&OtpParams, &str)> =
        plan.accounts.iter().map(|a| (&a.params, a.note.as_str())).collect();
    let uuids = || -> Result<Vec<[u8; 16]>, ExportError> {
        (0..=pairs.len()).map(|_| fresh.bytes()).collect()
    };
    let mut qr_uris = Vec::new();
    let bytes = match format {
        ExportFormat::Nyckel => {
            backup::seal(&pairs, password, options.backup_kdf, fresh.bytes()?, fresh.bytes()?)?
        }
        ExportFormat::Aegis => aegis::plain(&pairs, &uuids()?),
        ExportFormat::AegisEncrypted => {
            let random = aegis::AegisRandom {
                master_key: fresh.bytes()?,
                salt: fresh.bytes()?,
                slot_nonce: fresh.bytes()?,
                db_nonce: fresh.bytes()?,
                uuids: uuids()?,
            };
            aegis::encrypted(&pairs, password, &random)?
        }
        ExportFormat::Otpauth => {
            let mut text = Zeroizing::new(String::new());
            for (p, _) in &pairs {
                text.push_str(&Zeroizing::new(p.to_uri()));
                text.push('\n');
            }
            Zeroizing::new(text.as_bytes().to_vec())
        }
        ExportFormat::GoogleQr => {
            let params: Vec<&OtpParams> = pairs.iter().map(|(p, _)| *p).collect();
            let id = i32::from_le_bytes(fresh.bytes()?) & i32::MAX;
            qr_uris = google::uris(&params, id).into_iter().map(Zeroizing::new).collect();
            Zeroizing::new(Vec::new())
        }
    };
    let exported: Vec<i64> = plan.accounts.iter().map(|a| a.id).collect();
    vault.log(&ActivityEvent::Exported {
        account_ids: exported.clone(),
        format: format!("export:{}", format.name()),
    })?;
    Ok(Export { format, bytes, qr_uris, exported, left_out: plan.left_out })
}

/// The purpose an automatic-backup key is sealed for (`Vault::seal_blob`).
const AUTO_BACKUP_KEY: &str = "auto-backup-key";

/// Derives the key of automatic backups from the recovery passphrase or code (Argon2id with
/// `params`, a fresh salt) and seals it under the vault key: the app keeps the result and
/// passes it to [`auto_backup`] after each change. The password itself is not kept.
pub fn auto_backup_key(
    vault: &Vault,
    password: &str,
    params: KdfParams,
) -> Result<Vec<u8>, ExportError> {
    if vault.is_locked() {
        return Err(crate::vault::VaultError::Locked.into());
    }
    let salt = Fresh(vault.random()).bytes()?;
    let key = backup::BackupKey::derive(password, params, salt)?;
    Ok(vault.seal_blob(AUTO_BACKUP_KEY, &key.to_bytes())?)
}

/// An automatic backup: the Nyckel backup of every exportable account (docs/backup-format.md),
/// sealed under the key [`auto_backup_key`] returned, so it opens with the recovery passphrase
/// or code like any backup. No Argon2id runs. Logged (`Exported`, format `auto-backup`).
/// [`ExportError::BackupKey`] for a key of another vault.
pub fn auto_backup(vault: &mut Vault, sealed_key: &[u8]) -> Result<Export, ExportError> {
    let bytes = vault.open_blob(AUTO_BACKUP_KEY, sealed_key)?.ok_or(ExportError::BackupKey)?;
    let key = backup::BackupKey::from_bytes(&bytes)?;
    let plan = plan(vault, ExportFormat::Nyckel)?;
    let pairs: Vec<(&OtpParams, &str)> =
        plan.accounts.iter().map(|a| (&a.params, a.note.as_str())).collect();
    let bytes = backup::seal_with_key(&pairs, &key, Fresh(vault.random()).bytes()?)?;
    let exported: Vec<i64> = plan.accounts.iter().map(|a| a.id).collect();
    vault.log(&ActivityEvent::Exported {
        account_ids: exported.clone(),
        format: "auto-backup".into(),
    })?;
    let format = ExportFormat::Nyckel;
    Ok(Export { format, bytes, qr_uris: Vec::new(), exported, left_out: plan.left_out })
}
