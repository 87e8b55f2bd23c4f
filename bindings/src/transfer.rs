//! Import from other authenticators and export / backup, over `nyckel_core::import` and
//! `nyckel_core::export` (docs/import.md, docs/backup-format.md). Records and conversions
//! only: detection, reading, the one-transaction apply, Google batch bookkeeping, what an
//! export leaves out and the backup's cryptography are the core's.

use std::sync::Arc;

use nyckel_core::export::{self, ExportFormat, ExportOptions, GoogleLimit};
use nyckel_core::import::{self, Format, ImportOptions, Outcome};
use nyckel_core::vault::KdfParams;
use zeroize::Zeroizing;

use crate::error::NyckelError;
use crate::vault::{AccountInfo, KdfSettings, NyckelVault};

/// The export formats (`docs/import.md`, "Export").
#[uniffi::remote(Enum)]
pub enum ExportFormat {
    /// Nyckel backup (password; restores on either platform).
    Nyckel,
    /// Aegis vault JSON, plain (secrets readable: handle with care).
    Aegis,
    /// Aegis vault JSON encrypted with a password.
    AegisEncrypted,
    /// One `otpauth://` URI a line, plain text (secrets readable).
    Otpauth,
    /// Google Authenticator transfer QR codes (`ExportResult.qrPayloads`, one per code).
    GoogleQr,
}

/// What an import file is, found without its password.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct ImportFileInfo {
    /// The format's name (`aegis`, `2fas`, `nyckel`, …: [`import_format_names`]).
    pub format: String,
    /// True when reading it needs a password: ask for one before `importFile`.
    pub encrypted: bool,
}

/// Which codes of one Google Authenticator export have been scanned (numbers from 1).
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct TransferProgress {
    /// How many QR codes the export has.
    pub total: u32,
    /// The codes scanned so far, each once, ascending.
    pub scanned: Vec<u32>,
    /// The codes still to scan, ascending; empty when the export is complete.
    pub missing: Vec<u32>,
    /// Accounts in the codes scanned so far.
    pub accounts: u32,
}

/// What happened to one entry of an import.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Enum)]
pub enum ImportOutcome {
    /// Added; `account_id` is null when nothing was committed (a dry run, or other entries
    /// failed without `keepGood`): it would have been added.
    Imported { account_id: Option<i64> },
    /// Already in the vault (same type and secret), as `existing_id`; left alone.
    Duplicate { existing_id: i64 },
    /// Not imported; `reason` is one English line, never the secret.
    Failed { reason: String },
}

/// One entry of an import, in file order.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct ImportEntry {
    /// 1-based position in the file.
    pub position: u32,
    /// "Issuer (name)", or "entry N" when the file names nothing.
    pub label: String,
    pub outcome: ImportOutcome,
    /// The parser's warnings for this entry, one line each.
    pub warnings: Vec<String>,
}

/// The result of an import (or of its dry run).
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct ImportSummary {
    /// The format read.
    pub format: String,
    /// True when the vault was changed.
    pub committed: bool,
    /// Accounts added (0 unless committed).
    pub imported: u32,
    /// Accounts that would be added (a dry run, or an import refused because entries failed).
    pub would_import: u32,
    /// Entries already in the vault.
    pub duplicates: u32,
    /// Entries that failed (each says why in `entries`).
    pub failed: u32,
    /// Every entry's outcome.
    pub entries: Vec<ImportEntry>,
    /// Things in the file passed over on purpose (logins without a code, …), one line each.
    pub notes: Vec<String>,
}

/// Something that does not leave with an export, and why.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct LeftOut {
    /// "Issuer (name)" of an account, or "account at provider" of an enrollment.
    pub label: String,
    /// Why, and what to do on the new phone (one English line: `cause`'s, for logs and
    /// the CLI; the apps say `cause` in their own languages).
    pub reason: String,
    /// Why, as the app says it.
    pub cause: LeftOutCause,
}

/// Why something stays behind (the core's `LeftOutCause`).
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Enum)]
pub enum LeftOutCause {
    /// A push-approval enrollment (with phone sign-in when `phone_signin`): its keys are
    /// bound to this device and never exported; enroll the new phone again.
    DeviceBound { phone_signin: bool },
    /// An account whose one-time-code secret its organisation manages: enroll the new phone
    /// again.
    ManagedOtp,
    /// Such an account on a move, whose organisation did not send it for the new phone:
    /// re-enroll at `issuer`.
    ManagedOtpNotSent { issuer: String },
    /// Google Authenticator's transfer format cannot hold this account.
    NotInGoogleFormat { limit: GoogleLimit },
}

/// What Google Authenticator's transfer format cannot hold (the core's `GoogleLimit`).
#[uniffi::remote(Enum)]
pub enum GoogleLimit {
    /// Steam codes.
    Steam,
    /// A time step other than 30 seconds.
    Period,
    /// An HOTP counter above `i64::MAX`.
    Counter,
    /// Codes of other than 6 or 8 digits.
    Digits,
}

impl From<export::LeftOutCause> for LeftOutCause {
    fn from(cause: export::LeftOutCause) -> Self {
        match cause {
            export::LeftOutCause::DeviceBound { phone_signin } => {
                LeftOutCause::DeviceBound { phone_signin }
            }
            export::LeftOutCause::ManagedOtp => LeftOutCause::ManagedOtp,
            export::LeftOutCause::ManagedOtpNotSent { issuer } => {
                LeftOutCause::ManagedOtpNotSent { issuer }
            }
            export::LeftOutCause::NotInGoogleFormat(limit) => {
                LeftOutCause::NotInGoogleFormat { limit }
            }
        }
    }
}

/// What an export in a format would contain, before it is written.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct ExportPlan {
    /// The accounts that would leave.
    pub accounts: Vec<AccountInfo>,
    /// What would not: device-bound sign-in keys (re-enroll on the new phone), secrets
    /// managed by an organisation, accounts the format cannot hold.
    pub left_out: Vec<LeftOut>,
}

/// A written export. An object rather than a record so that no generated `toString` /
/// `description` ever prints the file or the QR payloads: they hold secrets. Write them
/// where the user chose and drop the object.
#[derive(uniffi::Object)]
pub struct ExportResult {
    format: ExportFormat,
    bytes: Zeroizing<Vec<u8>>,
    qr_payloads: Vec<Zeroizing<String>>,
    exported: Vec<i64>,
    left_out: Vec<LeftOut>,
}

impl std::fmt::Debug for ExportResult {
    /// Never the bytes or payloads.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ExportResult")
            .field("format", &self.format)
            .field("bytes", &format_args!("<{} bytes>", self.bytes.len()))
            .field("qr_payloads", &self.qr_payloads.len())
            .field("exported", &self.exported)
            .field("left_out", &self.left_out)
            .finish()
    }
}

#[uniffi::export]
impl ExportResult {
    /// The format written.
    pub fn format(&self) -> ExportFormat {
        self.format
    }

    /// The file's content (empty for `GoogleQr`).
    pub fn bytes(&self) -> Vec<u8> {
        self.bytes.to_vec()
    }

    /// `GoogleQr` only: one `otpauth-migration://` payload per QR code, in order.
    pub fn qr_payloads(&self) -> Vec<String> {
        self.qr_payloads.iter().map(|u| u.to_string()).collect()
    }

    /// Ids of the accounts exported (recorded in the activity log).
    pub fn exported_account_ids(&self) -> Vec<i64> {
        self.exported.clone()
    }

    /// What was left out, and why (the accounts that need re-enrollment on a new phone).
    pub fn left_out(&self) -> Vec<LeftOut> {
        self.left_out.clone()
    }
}

/// The import format names `importFile` and `inspectImportFile` accept, in the CLI's order.
#[uniffi::export]
pub fn import_format_names() -> Vec<String> {
    Format::ALL.iter().map(|f| f.name().to_owned()).collect()
}

/// Recognises an import file (or checks it is the named `format`) and says whether it needs a
/// password; runs no key derivation. `InvalidInput` for a file of no known format or a
/// malformed one.
#[uniffi::export(default(format = None))]
pub fn inspect_import_file(
    data: Vec<u8>,
    format: Option<String>,
) -> Result<ImportFileInfo, NyckelError> {
    let data = Zeroizing::new(data);
    let info = import::inspect(&data, named(format.as_deref())?)?;
    Ok(ImportFileInfo { format: info.format.name().to_owned(), encrypted: info.encrypted })
}

/// Checks the Google Authenticator transfer codes (`otpauth-migration://…`) scanned so far of
/// one export: which are in, which are missing. `InvalidInput` for a payload that does not
/// decode or codes of different exports.
#[uniffi::export]
pub fn google_transfer_progress(payloads: Vec<String>) -> Result<TransferProgress, NyckelError> {
    let payloads = Zeroizing::new(payloads);
    let uris: Vec<&str> = payloads.iter().map(String::as_str).collect();
    let p = import::google_transfer_progress(&uris)?;
    Ok(TransferProgress {
        total: p.total,
        scanned: p.scanned,
        missing: p.missing,
        accounts: count(p.accounts),
    })
}

fn named(format: Option<&str>) -> Result<Option<Format>, NyckelError> {
    Ok(format.map(Format::from_name).transpose()?)
}

fn count(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

fn summary(report: import::ImportReport) -> ImportSummary {
    let entries = report
        .entries
        .iter()
        .map(|e| ImportEntry {
            position: count(e.position),
            label: e.label.clone(),
            outcome: match &e.outcome {
                Outcome::Imported { account_id } => {
                    ImportOutcome::Imported { account_id: *account_id }
                }
                Outcome::Duplicate { existing_id } => {
                    ImportOutcome::Duplicate { existing_id: *existing_id }
                }
                Outcome::Failed { reason } => ImportOutcome::Failed { reason: reason.clone() },
            },
            warnings: e.warnings.iter().map(ToString::to_string).collect(),
        })
        .collect();
    ImportSummary {
        format: report.format.name().to_owned(),
        committed: report.committed,
        imported: count(report.imported()),
        would_import: count(report.would_import()),
        duplicates: count(report.duplicates()),
        failed: count(report.failed().count()),
        entries,
        notes: report.notes,
    }
}

fn export_result(out: export::Export) -> Arc<ExportResult> {
    Arc::new(ExportResult {
        format: out.format,
        bytes: out.bytes,
        qr_payloads: out.qr_uris,
        exported: out.exported,
        left_out: left_out(out.left_out),
    })
}

/// The FFI records of what an export leaves out.
pub(crate) fn left_out(items: Vec<export::LeftOut>) -> Vec<LeftOut> {
    items
        .into_iter()
        .map(|l| LeftOut { reason: l.reason(), label: l.label, cause: l.cause.into() })
        .collect()
}

#[uniffi::export]
impl NyckelVault {
    /// Imports an export file of another authenticator, or a Nyckel backup (restore), from its
    /// bytes, in one transaction. `format` names the format (else it is detected);
    /// `password` opens encrypted files. The file is read (and its key derived) before the
    /// vault is touched. Unless `keep_good`, one failed entry adds nothing; `dry_run` adds
    /// nothing and reports what would happen. Errors: `WrongPassphrase` (wrong file
    /// password), `InvalidInput` (unknown format, malformed or tampered file, password
    /// required, …), `Locked`; nothing is changed on any of them.
    #[uniffi::method(default(format = None, password = None, dry_run = false, keep_good = false))]
    pub fn import_file(
        &self,
        data: Vec<u8>,
        format: Option<String>,
        password: Option<String>,
        dry_run: bool,
        keep_good: bool,
    ) -> Result<ImportSummary, NyckelError> {
        let (data, password) = (Zeroizing::new(data), password.map(Zeroizing::new));
        let parsed =
            import::read(&data, named(format.as_deref())?, password.as_deref().map(|p| &p[..]))?;
        self.apply_import(parsed, dry_run, keep_good)
    }

    /// Imports one Google Authenticator export from its scanned transfer QR codes (any order;
    /// a code scanned twice counts once), like [`NyckelVault::import_file`]. A missing code
    /// is `InvalidInput` naming it ("batch 2 of 3 missing"); check with
    /// `googleTransferProgress` while scanning.
    #[uniffi::method(default(dry_run = false, keep_good = false))]
    pub fn import_google_transfer(
        &self,
        payloads: Vec<String>,
        dry_run: bool,
        keep_good: bool,
    ) -> Result<ImportSummary, NyckelError> {
        let payloads = Zeroizing::new(payloads);
        let uris: Vec<&str> = payloads.iter().map(String::as_str).collect();
        let parsed = import::read_google_transfer(&uris)?;
        self.apply_import(parsed, dry_run, keep_good)
    }

    /// What an export in `format` would contain and leave out (changes nothing, logs nothing).
    pub fn export_plan(&self, format: ExportFormat) -> Result<ExportPlan, NyckelError> {
        let plan = self.with_open(|v| export::plan(v, format))?;
        Ok(ExportPlan {
            accounts: plan.accounts.iter().map(AccountInfo::from).collect(),
            left_out: left_out(plan.left_out),
        })
    }

    /// Writes an export (recorded in the activity log). `password` is required for `Nyckel`
    /// and `AegisEncrypted` (`InvalidInput` without one); `kdf` sets a Nyckel backup's
    /// Argon2id cost (default 64 MiB × 5; tests pass `kdfMinimum()`). Device-bound sign-in
    /// keys and managed secrets never leave: they are in `leftOut`. The vault is held only
    /// to read the accounts and to log: other calls go on while the KDF runs.
    #[uniffi::method(default(password = None, kdf = None))]
    pub fn export(
        &self,
        format: ExportFormat,
        password: Option<String>,
        kdf: Option<KdfSettings>,
    ) -> Result<Arc<ExportResult>, NyckelError> {
        self.export_with(format, password, kdf, |pending| pending.write())
    }

    /// Derives the key of automatic backups from the recovery passphrase or code (Argon2id,
    /// default 64 MiB × 5, run without holding the vault: other calls go on meanwhile) and
    /// returns it sealed under the vault key, for the app to keep (useless without this
    /// unlocked vault). The password is not kept. `Locked`, `InvalidInput` (empty password,
    /// weak KDF).
    #[uniffi::method(default(kdf = None))]
    pub fn auto_backup_key(
        &self,
        password: String,
        kdf: Option<KdfSettings>,
    ) -> Result<Vec<u8>, NyckelError> {
        self.auto_backup_key_with(password, kdf, export::backup::BackupKey::derive)
    }

    /// An automatic backup: a Nyckel backup of every exportable account sealed with the key
    /// `auto_backup_key` returned (no Argon2id), opening with the recovery passphrase or code.
    /// Logged (`Exported`, `auto-backup`) when it holds other accounts than the last one
    /// logged, or none was logged in the last 24 hours (an HOTP step or a rename alone adds
    /// no entry that day). `InvalidInput` for a key of another vault, `Locked`, `Closed`.
    pub fn auto_backup(&self, sealed_key: Vec<u8>) -> Result<Arc<ExportResult>, NyckelError> {
        let now = nyckel_core::clock::Clock::now(&nyckel_core::clock::SystemClock);
        self.with_open(|v| export::auto_backup(v, &sealed_key, now)).map(export_result)
    }

    /// A hex digest of the stored accounts that changes with every add, edit, reorder,
    /// delete, import and HOTP step and with nothing else: an automatic backup is due when it
    /// differs from the one recorded at the last backup. Reveals nothing. `Closed`.
    pub fn content_fingerprint(&self) -> Result<String, NyckelError> {
        let digest = self.with_open(|v| v.content_fingerprint())?;
        Ok(digest.iter().map(|b| format!("{b:02x}")).collect())
    }

    /// An opaque stamp of the vault file's state (no row read: one pragma and a counter):
    /// equal stamps from this `NyckelVault` mean nothing was written in between, by any call
    /// or process, so `contentFingerprint` need not be asked. It may move without an account
    /// change (an activity entry), never stay put across one. Works while locked. `Closed`.
    pub fn change_stamp(&self) -> Result<String, NyckelError> {
        Ok(self.with_open(|v| v.change_stamp())?.to_string())
    }
}

impl NyckelVault {
    /// [`NyckelVault::export`] with its slow step (`write`: Argon2id or scrypt) passed in, run
    /// with the vault mutex released between reading the accounts and logging.
    pub(crate) fn export_with(
        &self,
        format: ExportFormat,
        password: Option<String>,
        kdf: Option<KdfSettings>,
        write: impl FnOnce(
            export::PendingExport<'_>,
        ) -> Result<export::WrittenExport, export::ExportError>,
    ) -> Result<Arc<ExportResult>, NyckelError> {
        let password = password.map(Zeroizing::new);
        let options = ExportOptions {
            password: password.as_deref().map(|p| &p[..]),
            backup_kdf: kdf.map(KdfParams::from).unwrap_or(export::backup::BACKUP_KDF),
        };
        let pending = self.with_open(|v| export::prepare(v, format, options))?;
        let written = write(pending)?;
        self.with_open(|v| written.record(v)).map(export_result)
    }

    /// [`NyckelVault::auto_backup_key`] with its Argon2id step passed in, run with the vault
    /// mutex released between drawing the salt and sealing the key.
    pub(crate) fn auto_backup_key_with(
        &self,
        password: String,
        kdf: Option<KdfSettings>,
        derive: impl FnOnce(
            &str,
            KdfParams,
            [u8; 16],
        ) -> Result<export::backup::BackupKey, export::ExportError>,
    ) -> Result<Vec<u8>, NyckelError> {
        let password = Zeroizing::new(password);
        let params = kdf.map(KdfParams::from).unwrap_or(export::backup::BACKUP_KDF);
        let salt = self.with_open(|v| export::auto_backup_salt(v))?;
        let key = derive(&password, params, salt)?;
        self.with_open(|v| export::seal_auto_backup_key(v, &key))
    }

    fn apply_import(
        &self,
        parsed: import::Parsed,
        dry_run: bool,
        keep_good: bool,
    ) -> Result<ImportSummary, NyckelError> {
        let options = ImportOptions { dry_run, keep_good };
        self.with_open(|v| import::apply(v, parsed, options)).map(summary)
    }
}
