//! Export: every personal account leaves in the format the user picks; what cannot leave
//! (device-bound push and phone sign-in keys, secrets an organisation marked as managed) is
//! listed for re-enrollment instead. Every export is recorded in the activity log.
//! Formats are documented in `docs/import.md`; the Nyckel backup in `docs/backup-format.md`.

pub mod aegis;
pub mod backup;
mod error;
pub mod google;
mod left_out;

#[cfg(test)]
mod tests;

pub use error::ExportError;
pub use left_out::{GoogleLimit, LeftOut, LeftOutCause};

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
        left_out.push(LeftOut {
            label: format!("{} at {}", e.account_name, e.base_url),
            cause: LeftOutCause::DeviceBound { phone_signin: e.phone_signin_enabled() },
            account_id: None,
        });
        if let (true, Some(id)) = (e.otp_managed, e.otp_account_id) {
            managed.push(id);
        }
    }
    let mut accounts = Vec::new();
    for a in vault.accounts()? {
        let skip = if managed.contains(&a.id) {
            Some(LeftOutCause::ManagedOtp)
        } else if format == ExportFormat::GoogleQr {
            google::unsupported(&a.params).map(LeftOutCause::NotInGoogleFormat)
        } else {
            None
        };
        match skip {
            Some(cause) => left_out.push(LeftOut {
                label: label(&a.params.issuer, &a.params.name),
                cause,
                account_id: Some(a.id),
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
///
/// The three steps are public for callers that keep the vault behind a lock (the FFI):
/// [`prepare`] reads the vault, [`PendingExport::write`] runs the slow KDF with no vault,
/// [`WrittenExport::record`] logs; hold the lock only for the first and the last.
pub fn export(
    vault: &mut Vault,
    format: ExportFormat,
    options: ExportOptions<'_>,
) -> Result<Export, ExportError> {
    prepare(vault, format, options)?.write()?.record(vault)
}

/// The random bytes an export in each format needs, drawn while the vault is at hand.
enum Material {
    Nyckel { salt: [u8; 16], nonce: [u8; 12] },
    Aegis { uuids: Vec<[u8; 16]> },
    AegisEncrypted(Box<aegis::AegisRandom>),
    Otpauth,
    GoogleQr { id: i32 },
}

/// An export read from the vault but not written yet: what leaves, what stays, and its
/// random bytes. Holds secrets: dropped, they are zeroed with the accounts.
pub struct PendingExport<'a> {
    format: ExportFormat,
    password: &'a str,
    backup_kdf: KdfParams,
    plan: ExportPlan,
    material: Material,
}

impl std::fmt::Debug for PendingExport<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PendingExport")
            .field("format", &self.format)
            .field("accounts", &self.plan.accounts.len())
            .finish_non_exhaustive()
    }
}

/// Step 1 of [`export`] (quick, reads the vault): checks the password, works out what leaves
/// and draws the random bytes.
pub fn prepare<'a>(
    vault: &Vault,
    format: ExportFormat,
    options: ExportOptions<'a>,
) -> Result<PendingExport<'a>, ExportError> {
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
    let uuids = || -> Result<Vec<[u8; 16]>, ExportError> {
        (0..=plan.accounts.len()).map(|_| fresh.bytes()).collect()
    };
    let material = match format {
        ExportFormat::Nyckel => Material::Nyckel { salt: fresh.bytes()?, nonce: fresh.bytes()? },
        ExportFormat::Aegis => Material::Aegis { uuids: uuids()? },
        ExportFormat::AegisEncrypted => Material::AegisEncrypted(Box::new(aegis::AegisRandom {
            master_key: fresh.bytes()?,
            salt: fresh.bytes()?,
            slot_nonce: fresh.bytes()?,
            db_nonce: fresh.bytes()?,
            uuids: uuids()?,
        })),
        ExportFormat::Otpauth => Material::Otpauth,
        ExportFormat::GoogleQr => {
            Material::GoogleQr { id: i32::from_le_bytes(fresh.bytes()?) & i32::MAX }
        }
    };
    Ok(PendingExport { format, password, backup_kdf: options.backup_kdf, plan, material })
}

/// An export written but not yet in the activity log: not to be handed out before
/// [`WrittenExport::record`].
#[derive(Debug)]
pub struct WrittenExport(Export);

impl PendingExport<'_> {
    /// Step 2 of [`export`] (slow for the encrypted formats: Argon2id or scrypt; touches no
    /// vault): writes the file or the QR payloads.
    pub fn write(self) -> Result<WrittenExport, ExportError> {
        let PendingExport { format, password, backup_kdf, plan, material } = self;
        let pairs: Vec<(&OtpParams, &str)> =
            plan.accounts.iter().map(|a| (&a.params, a.note.as_str())).collect();
        let mut qr_uris = Vec::new();
        let bytes = match material {
            Material::Nyckel { salt, nonce } => {
                backup::seal(&pairs, password, backup_kdf, salt, nonce)?
            }
            Material::Aegis { uuids } => aegis::plain(&pairs, &uuids),
            Material::AegisEncrypted(random) => aegis::encrypted(&pairs, password, &random)?,
            Material::Otpauth => {
                let mut text = Zeroizing::new(String::new());
                for (p, _) in &pairs {
                    text.push_str(&Zeroizing::new(p.to_uri()));
                    text.push('\n');
                }
                Zeroizing::new(text.as_bytes().to_vec())
            }
            Material::GoogleQr { id } => {
                let params: Vec<&OtpParams> = pairs.iter().map(|(p, _)| *p).collect();
                qr_uris = google::uris(&params, id).into_iter().map(Zeroizing::new).collect();
                Zeroizing::new(Vec::new())
            }
        };
        let exported: Vec<i64> = plan.accounts.iter().map(|a| a.id).collect();
        Ok(WrittenExport(Export { format, bytes, qr_uris, exported, left_out: plan.left_out }))
    }
}

impl WrittenExport {
    /// Step 3 of [`export`] (quick): records the export in the activity log and hands it
    /// out; when logging fails the export is dropped, so nothing leaves unlogged — except
    /// from a vault opened read-only ([`Vault::is_read_only`]), which cannot log: its export
    /// is handed out unlogged (the caller says so). Whoever can read the file can copy it
    /// and export from the copy anyway; the log is no barrier to them.
    pub fn record(self, vault: &mut Vault) -> Result<Export, ExportError> {
        let export = self.0;
        if vault.is_read_only() {
            return Ok(export);
        }
        vault.log(&ActivityEvent::Exported {
            account_ids: export.exported.clone(),
            format: format!("export:{}", export.format.name()),
        })?;
        Ok(export)
    }
}

/// The purpose an automatic-backup key is sealed for (`Vault::seal_blob`).
const AUTO_BACKUP_KEY: &str = "auto-backup-key";

/// Derives the key of automatic backups from the recovery passphrase or code (Argon2id with
/// `params`, a fresh salt) and seals it under the vault key: the app keeps the result and
/// passes it to [`auto_backup`] after each change. The password itself is not kept.
///
/// Its steps are public for callers that keep the vault behind a lock (the FFI):
/// [`auto_backup_salt`] and [`seal_auto_backup_key`] need the vault, the Argon2id between
/// them ([`backup::BackupKey::derive`]) does not.
pub fn auto_backup_key(
    vault: &Vault,
    password: &str,
    params: KdfParams,
) -> Result<Vec<u8>, ExportError> {
    let salt = auto_backup_salt(vault)?;
    let key = backup::BackupKey::derive(password, params, salt)?;
    seal_auto_backup_key(vault, &key)
}

/// Step 1 of [`auto_backup_key`] (quick): a fresh salt, from an unlocked vault.
pub fn auto_backup_salt(vault: &Vault) -> Result<[u8; 16], ExportError> {
    if vault.is_locked() {
        return Err(crate::vault::VaultError::Locked.into());
    }
    Fresh(vault.random()).bytes()
}

/// Step 3 of [`auto_backup_key`] (quick): the derived key sealed under the vault key.
pub fn seal_auto_backup_key(
    vault: &Vault,
    key: &backup::BackupKey,
) -> Result<Vec<u8>, ExportError> {
    Ok(vault.seal_blob(AUTO_BACKUP_KEY, &key.to_bytes())?)
}

/// The activity log's name of automatic backups.
pub const AUTO_BACKUP_FORMAT: &str = "auto-backup";

/// How long automatic backups of the same accounts share one activity entry: a day.
pub const AUTO_BACKUP_LOG_INTERVAL: i64 = 24 * 60 * 60;

/// An automatic backup: the Nyckel backup of every exportable account (docs/backup-format.md),
/// sealed under the key [`auto_backup_key`] returned, so it opens with the recovery passphrase
/// or code like any backup. No Argon2id runs. [`ExportError::BackupKey`] for a key of another
/// vault.
///
/// Logged (`Exported`, format [`AUTO_BACKUP_FORMAT`]) when it holds other accounts than the
/// last automatic backup logged, or when none was logged in the [`AUTO_BACKUP_LOG_INTERVAL`]
/// before `now` (Unix seconds); a backup that only refreshes the same accounts (an HOTP step,
/// a rename, a note, a new order) adds no entry within the day. Since account ids are never
/// reused and a secret never changes in place, every secret that leaves is still named in
/// the log at once; renames and notes have their own entries.
pub fn auto_backup(vault: &mut Vault, sealed_key: &[u8], now: i64) -> Result<Export, ExportError> {
    let bytes = vault.open_blob(AUTO_BACKUP_KEY, sealed_key)?.ok_or(ExportError::BackupKey)?;
    let key = backup::BackupKey::from_bytes(&bytes)?;
    let plan = plan(vault, ExportFormat::Nyckel)?;
    let pairs: Vec<(&OtpParams, &str)> =
        plan.accounts.iter().map(|a| (&a.params, a.note.as_str())).collect();
    let bytes = backup::seal_with_key(&pairs, &key, Fresh(vault.random()).bytes()?)?;
    let exported: Vec<i64> = plan.accounts.iter().map(|a| a.id).collect();
    if auto_backup_needs_entry(vault, &exported, now)? {
        vault.log(&ActivityEvent::Exported {
            account_ids: exported.clone(),
            format: AUTO_BACKUP_FORMAT.into(),
        })?;
    }
    let format = ExportFormat::Nyckel;
    Ok(Export { format, bytes, qr_uris: Vec::new(), exported, left_out: plan.left_out })
}

/// True unless an automatic backup of exactly `accounts` was logged in the last interval.
fn auto_backup_needs_entry(vault: &Vault, accounts: &[i64], now: i64) -> Result<bool, ExportError> {
    let recent = vault.activity_after(now.saturating_sub(AUTO_BACKUP_LOG_INTERVAL))?;
    let last = recent.into_iter().find_map(|entry| match entry.event {
        ActivityEvent::Exported { account_ids, format } if format == AUTO_BACKUP_FORMAT => {
            Some(account_ids)
        }
        _ => None,
    });
    let set = |ids: &[i64]| ids.iter().copied().collect::<std::collections::BTreeSet<i64>>();
    Ok(last.is_none_or(|ids| set(&ids) != set(accounts)))
}
