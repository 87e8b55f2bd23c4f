//! The exported vault object: everything the user does with their accounts.

use std::path::Path;
use std::sync::{Arc, Mutex, MutexGuard};

use nyckel_core::approvals::VaultAccess;
use nyckel_core::otpauth::{self, OtpParams};
use nyckel_core::vault::{
    self as core_vault, DuplicatePolicy, KdfParams, KeyProtector, ProtectorError, Vault,
};
use zeroize::Zeroizing;

use crate::error::NyckelError;
use crate::otp::{check_time, now_unix, CodeInfo, HashAlgorithm, OtpKind};
use crate::protector::VaultKeyProtector;

/// Argon2id cost of a passphrase slot.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Record)]
pub struct KdfSettings {
    /// Memory in KiB (at least 19456).
    pub memory_kib: u32,
    /// Passes (at least 2).
    pub iterations: u32,
    /// Lanes.
    pub parallelism: u32,
}

impl From<KdfSettings> for KdfParams {
    fn from(k: KdfSettings) -> Self {
        KdfParams { memory_kib: k.memory_kib, iterations: k.iterations, parallelism: k.parallelism }
    }
}

impl From<KdfParams> for KdfSettings {
    fn from(k: KdfParams) -> Self {
        KdfSettings {
            memory_kib: k.memory_kib,
            iterations: k.iterations,
            parallelism: k.parallelism,
        }
    }
}

/// The default Argon2id cost for new vaults (64 MiB, 3 passes: ≈ 0.3 s on a phone).
#[uniffi::export]
pub fn kdf_default() -> KdfSettings {
    KdfParams::DEFAULT.into()
}

/// The cheapest Argon2id cost accepted (OWASP's floor: 19 MiB, 2 passes). For tests and
/// very old devices.
#[uniffi::export]
pub fn kdf_minimum() -> KdfSettings {
    KdfParams::FLOOR.into()
}

/// An account as the app shows it. There is deliberately no secret here: it leaves the
/// vault only through [`NyckelVault::export_uri`].
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct AccountInfo {
    /// Stable id (never reused).
    pub id: i64,
    pub kind: OtpKind,
    /// "Region Skåne"; may be empty.
    pub issuer: String,
    /// "anna@example.se"; may be empty.
    pub name: String,
    pub algorithm: HashAlgorithm,
    pub digits: u32,
    /// TOTP/Steam period in seconds.
    pub period: u32,
    /// HOTP: counter of the next code.
    pub counter: u64,
    /// The user's note.
    pub note: String,
    /// Sort position, 0 first.
    pub position: i64,
    /// Unix seconds.
    pub created_at: i64,
    /// Unix seconds.
    pub updated_at: i64,
}

impl From<&core_vault::Account> for AccountInfo {
    fn from(a: &core_vault::Account) -> Self {
        let p = &a.params;
        AccountInfo {
            id: a.id,
            kind: p.kind.into(),
            issuer: p.issuer.clone(),
            name: p.name.clone(),
            algorithm: p.algorithm.into(),
            digits: u32::from(p.digits),
            period: p.period,
            counter: p.counter,
            note: a.note.clone(),
            position: a.position,
            created_at: a.created_at,
            updated_at: a.updated_at,
        }
    }
}

/// An account just added, with what the parser wants shown.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct AddedAccount {
    pub account: AccountInfo,
    /// One human-readable line per warning (issuer mismatch, short secret, missing counter).
    pub warnings: Vec<String>,
}

/// An account typed in by hand. Unset fields take the usual defaults (SHA1, 6 digits, 30 s,
/// counter 0); the fields are validated exactly like a scanned URI.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct ManualAccount {
    pub kind: OtpKind,
    /// The base32 secret as the site shows it (spaces, dashes and lower case are fine).
    pub secret: String,
    #[uniffi(default = "")]
    pub issuer: String,
    #[uniffi(default = "")]
    pub name: String,
    #[uniffi(default = None)]
    pub algorithm: Option<HashAlgorithm>,
    #[uniffi(default = None)]
    pub digits: Option<u32>,
    #[uniffi(default = None)]
    pub period: Option<u32>,
    #[uniffi(default = None)]
    pub counter: Option<u64>,
    #[uniffi(default = "")]
    pub note: String,
}

/// Changes to an account; `None` leaves a field as it is.
#[derive(Debug, Clone, Default, PartialEq, Eq, uniffi::Record)]
pub struct AccountChanges {
    #[uniffi(default = None)]
    pub issuer: Option<String>,
    #[uniffi(default = None)]
    pub name: Option<String>,
    #[uniffi(default = None)]
    pub note: Option<String>,
}

/// An account with its current code, as the code list shows it.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct AccountCode {
    pub account: AccountInfo,
    pub code: CodeInfo,
}

/// How a secret left the vault (recorded in the activity log).
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum ExportVia {
    /// Shown as a QR code on screen (to move the account to another phone).
    Qr,
    /// Copied or shared as an otpauth:// URI.
    Uri,
}

/// What an activity entry records.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Enum)]
pub enum ActivityEvent {
    AccountAdded {
        account_id: i64,
        issuer: String,
        name: String,
    },
    /// The account's new issuer and name.
    AccountEdited {
        account_id: i64,
        issuer: String,
        name: String,
    },
    AccountRemoved {
        account_id: i64,
        issuer: String,
        name: String,
    },
    /// Secrets left the vault (QR shown, URI copied, file written).
    Exported {
        account_ids: Vec<i64>,
        format: String,
    },
    /// This device was enrolled for sign-in approvals (`provider` is the base URL).
    Enrolled {
        enrollment_id: i64,
        provider: String,
        account_name: String,
    },
    /// An enrollment was removed from this device.
    EnrollmentRemoved {
        enrollment_id: i64,
        provider: String,
        account_name: String,
    },
    /// Phone sign-in was enabled or disabled for an enrollment.
    PhoneSignin {
        enrollment_id: i64,
        account_name: String,
        enabled: bool,
    },
    /// A sign-in request was approved, denied or reported, with the context the user saw.
    /// `decision`: `approve`, `deny` or `report`; `result`: `approved`, `denied`,
    /// `reported`, the provider's error code (`wrong_number`, `expired`, `not_pending`, …),
    /// `not delivered` (no answer) or `error`. Never the number.
    SignIn {
        enrollment_id: i64,
        account_name: String,
        app: String,
        ip: String,
        location: String,
        decision: String,
        result: String,
        passwordless: bool,
    },
    /// An event of a kind this version of the bindings does not model yet.
    Other {
        description: String,
    },
}

/// One entry of the activity log.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct ActivityInfo {
    pub id: i64,
    /// Unix seconds.
    pub at: i64,
    pub event: ActivityEvent,
    /// One English line ("added ACME (jane)"), for logs and as a fallback label.
    pub summary: String,
}

impl From<&core_vault::ActivityEntry> for ActivityInfo {
    fn from(e: &core_vault::ActivityEntry) -> Self {
        use core_vault::ActivityEvent as E;
        // Exhaustive: a new core event fails to compile until it is exported.
        let event = match &e.event {
            E::AccountAdded { account_id, issuer, name } => ActivityEvent::AccountAdded {
                account_id: *account_id,
                issuer: issuer.clone(),
                name: name.clone(),
            },
            E::AccountEdited { account_id, issuer, name } => ActivityEvent::AccountEdited {
                account_id: *account_id,
                issuer: issuer.clone(),
                name: name.clone(),
            },
            E::AccountRemoved { account_id, issuer, name } => ActivityEvent::AccountRemoved {
                account_id: *account_id,
                issuer: issuer.clone(),
                name: name.clone(),
            },
            E::Exported { account_ids, format } => {
                ActivityEvent::Exported { account_ids: account_ids.clone(), format: format.clone() }
            }
            E::Enrolled { enrollment_id, provider, account_name } => ActivityEvent::Enrolled {
                enrollment_id: *enrollment_id,
                provider: provider.clone(),
                account_name: account_name.clone(),
            },
            E::EnrollmentRemoved { enrollment_id, provider, account_name } => {
                ActivityEvent::EnrollmentRemoved {
                    enrollment_id: *enrollment_id,
                    provider: provider.clone(),
                    account_name: account_name.clone(),
                }
            }
            E::PhoneSignin { enrollment_id, account_name, enabled } => ActivityEvent::PhoneSignin {
                enrollment_id: *enrollment_id,
                account_name: account_name.clone(),
                enabled: *enabled,
            },
            E::SignIn { enrollment_id, record } => ActivityEvent::SignIn {
                enrollment_id: *enrollment_id,
                account_name: record.account_name.clone(),
                app: record.app.clone(),
                ip: record.ip.clone(),
                location: record.location.clone(),
                decision: record.decision.clone(),
                result: record.result.clone(),
                passwordless: record.kind == nyckel_core::protocol::RequestKind::Passwordless,
            },
        };
        ActivityInfo { id: e.id, at: e.at, event, summary: e.event.to_string() }
    }
}

/// The foreign protector seen as the core's `KeyProtector`.
struct ForeignProtector(Arc<dyn VaultKeyProtector>);

impl KeyProtector for ForeignProtector {
    fn wrap(&self, key: Vec<u8>) -> Result<Vec<u8>, ProtectorError> {
        self.0.wrap(key).map_err(ProtectorError::from)
    }

    fn unwrap(&self, wrapped: Vec<u8>) -> Result<Vec<u8>, ProtectorError> {
        self.0.unwrap(wrapped).map_err(ProtectorError::from)
    }
}

/// The encrypted vault of accounts: one file, opened once per app process.
///
/// Thread-safe: calls from several threads are serialised. Every call blocks (SQLite,
/// Argon2id, the platform prompt): call from a background thread / `Dispatchers.IO` /
/// a detached `Task`, never from the UI thread.
///
/// The platform protector is called with no lock held, so its prompt may take as long as
/// the user needs and it may call back into this object.
#[derive(uniffi::Object)]
pub struct NyckelVault {
    inner: Mutex<Option<Vault>>,
}

impl NyckelVault {
    fn wrap(vault: Vault) -> Arc<Self> {
        Arc::new(NyckelVault { inner: Mutex::new(Some(vault)) })
    }

    /// The vault, even after a panic poisoned the mutex: the only state it guards is the
    /// SQLite connection (whose transactions roll back on unwind) and the key.
    fn guard(&self) -> MutexGuard<'_, Option<Vault>> {
        self.inner.lock().unwrap_or_else(|poisoned| {
            self.inner.clear_poison();
            poisoned.into_inner()
        })
    }

    fn with<T>(
        &self,
        f: impl FnOnce(&mut Vault) -> Result<T, core_vault::VaultError>,
    ) -> Result<T, NyckelError> {
        Ok(self.inner.with_vault(f)?)
    }

    /// Runs `f` on the open vault (`Closed` after `close_vault`) for core calls whose error is
    /// not the vault's own (import, export); the error is converted to the exported one.
    pub(crate) fn with_open<T, E>(
        &self,
        f: impl FnOnce(&mut Vault) -> Result<T, E>,
    ) -> Result<T, NyckelError>
    where
        NyckelError: From<E>,
    {
        let mut guard = self.guard();
        let vault = guard.as_mut().ok_or(NyckelError::Closed)?;
        Ok(f(vault)?)
    }

    /// The vault as the core's approval flows reach it (`NyckelApprovals`): the mutex is
    /// taken only around vault reads and writes; a closed handle is `Closed`.
    pub(crate) fn access(&self) -> &Mutex<Option<Vault>> {
        &self.inner
    }
}

fn policy(allow_duplicate: bool) -> DuplicatePolicy {
    if allow_duplicate {
        DuplicatePolicy::Allow
    } else {
        DuplicatePolicy::Reject
    }
}

fn added(a: core_vault::AddedAccount) -> AddedAccount {
    AddedAccount {
        account: (&a.account).into(),
        warnings: a.warnings.iter().map(ToString::to_string).collect(),
    }
}

/// Builds and validates the account parameters of a manual entry with the same parser a
/// scanned URI goes through (`otpauth::parse_manual`).
fn manual_params(m: &ManualAccount) -> Result<(OtpParams, Vec<String>), NyckelError> {
    let (digits, period, counter) = (
        m.digits.map(|v| v.to_string()),
        m.period.map(|v| v.to_string()),
        m.counter.map(|v| v.to_string()),
    );
    let entry = otpauth::ManualEntry {
        kind: Some(m.kind.into()),
        secret: &m.secret,
        issuer: &m.issuer,
        name: &m.name,
        algorithm: m.algorithm.map(Into::into),
        digits: digits.as_deref(),
        period: period.as_deref(),
        counter: counter.as_deref(),
    };
    let parsed = otpauth::parse_manual(&entry)
        .map_err(|e| NyckelError::InvalidInput { reason: e.to_string() })?;
    Ok((parsed.params, parsed.warnings.iter().map(ToString::to_string).collect()))
}

#[uniffi::export]
impl NyckelVault {
    /// Creates a new vault file at `path` protected by `passphrase` and returns it unlocked.
    /// Never overwrites a file (`AlreadyExists`). `kdf` defaults to [`kdf_default`].
    #[uniffi::constructor(default(kdf = None))]
    pub fn create(
        path: String,
        passphrase: String,
        kdf: Option<KdfSettings>,
    ) -> Result<Arc<Self>, NyckelError> {
        let passphrase = Zeroizing::new(passphrase);
        let kdf = kdf.map(KdfParams::from).unwrap_or(KdfParams::DEFAULT);
        Ok(Self::wrap(Vault::create(Path::new(&path), &passphrase, kdf)?))
    }

    /// Creates a new vault protected only by the platform key store (no passphrase to
    /// remember; add one later with `set_passphrase`) and returns it unlocked. The protector
    /// wraps the new vault key, which may show the platform prompt.
    #[uniffi::constructor]
    pub fn create_with_protector(
        path: String,
        protector: Arc<dyn VaultKeyProtector>,
    ) -> Result<Arc<Self>, NyckelError> {
        let foreign = ForeignProtector(protector);
        Ok(Self::wrap(Vault::create_with_protector(Path::new(&path), &foreign)?))
    }

    /// Opens an existing vault file, locked. A damaged or foreign file gives `Damaged` and
    /// is left untouched.
    #[uniffi::constructor]
    pub fn open(path: String) -> Result<Arc<Self>, NyckelError> {
        Ok(Self::wrap(Vault::open(Path::new(&path))?))
    }

    /// True while the vault key is not in memory.
    pub fn is_locked(&self) -> Result<bool, NyckelError> {
        self.with(|v| Ok(v.is_locked()))
    }

    /// Unlocks with the passphrase (`WrongPassphrase` if it does not fit).
    pub fn unlock_with_passphrase(&self, passphrase: String) -> Result<(), NyckelError> {
        let passphrase = Zeroizing::new(passphrase);
        self.with(|v| v.unlock_with_passphrase(&passphrase))
    }

    /// Unlocks with the platform key: `protector.unwrap` runs (and shows the biometric
    /// prompt) with no lock held. `UserCancelled` / `KeyInvalidated` leave the vault locked.
    pub fn unlock_with_protector(
        &self,
        protector: Arc<dyn VaultKeyProtector>,
    ) -> Result<(), NyckelError> {
        Ok(self.inner.unlock_with_protector(&ForeignProtector(protector))?)
    }

    /// True when a platform key is enrolled (the unlock screen can offer biometrics).
    pub fn has_platform_key(&self) -> Result<bool, NyckelError> {
        self.with(|v| v.has_platform_slot())
    }

    /// Enrols (or replaces) the platform key: wraps the vault key with `protector` and checks
    /// that `unwrap` gives it back before storing it. Needs the vault unlocked. The protector
    /// runs with no lock held (it may prompt twice: once per operation).
    pub fn enable_platform_key(
        &self,
        protector: Arc<dyn VaultKeyProtector>,
    ) -> Result<(), NyckelError> {
        Ok(self.inner.add_platform_slot(&ForeignProtector(protector))?)
    }

    /// Removes the platform key (refused with `InvalidInput` when it is the only way in).
    pub fn disable_platform_key(&self) -> Result<(), NyckelError> {
        self.with(|v| v.remove_platform_slot())
    }

    /// Sets (or replaces) the passphrase. Needs the vault unlocked.
    #[uniffi::method(default(kdf = None))]
    pub fn set_passphrase(
        &self,
        passphrase: String,
        kdf: Option<KdfSettings>,
    ) -> Result<(), NyckelError> {
        let passphrase = Zeroizing::new(passphrase);
        let kdf = kdf.map(KdfParams::from).unwrap_or(KdfParams::DEFAULT);
        self.with(|v| v.change_passphrase(&passphrase, kdf))
    }

    /// Wipes the vault key from memory (app backgrounded, user tapped "lock").
    pub fn lock(&self) -> Result<(), NyckelError> {
        self.with(|v| {
            v.lock();
            Ok(())
        })
    }

    /// Locks and closes the file; every later call on this object gives `Closed`.
    /// Closing twice is fine.
    pub fn close_vault(&self) {
        let vault = self.guard().take();
        drop(vault);
    }

    /// Adds the account a scanned or pasted `otpauth://` URI describes. Scanning the same
    /// secret twice gives `Duplicate` unless `allow_duplicate`.
    #[uniffi::method(default(allow_duplicate = false))]
    pub fn add_uri(&self, uri: String, allow_duplicate: bool) -> Result<AddedAccount, NyckelError> {
        let uri = Zeroizing::new(uri);
        // Parse before taking the lock: a bad URI is `InvalidUri` even when locked or closed.
        otpauth::parse(&uri)?;
        self.with(|v| v.add_uri(&uri, policy(allow_duplicate))).map(added)
    }

    /// Adds an account typed in by hand ("enter code manually").
    #[uniffi::method(default(allow_duplicate = false))]
    pub fn add_manual(
        &self,
        account: ManualAccount,
        allow_duplicate: bool,
    ) -> Result<AddedAccount, NyckelError> {
        let (params, warnings) = manual_params(&account)?;
        let stored = self.with(|v| v.add(params, &account.note, policy(allow_duplicate)))?;
        Ok(AddedAccount { account: (&stored).into(), warnings })
    }

    /// All accounts in the user's order (no secrets, no codes).
    pub fn accounts(&self) -> Result<Vec<AccountInfo>, NyckelError> {
        self.with(|v| v.accounts()).map(|all| all.iter().map(AccountInfo::from).collect())
    }

    /// One account.
    pub fn account(&self, id: i64) -> Result<AccountInfo, NyckelError> {
        self.with(|v| v.account(id)).map(|a| (&a).into())
    }

    /// Changes issuer, name and/or note; returns the account as stored.
    pub fn update_account(
        &self,
        id: i64,
        changes: AccountChanges,
    ) -> Result<AccountInfo, NyckelError> {
        let edit = core_vault::AccountEdit {
            issuer: changes.issuer,
            name: changes.name,
            note: changes.note,
        };
        self.with(|v| v.update(id, edit)).map(|a| (&a).into())
    }

    /// Sets the order; `ids` must list every account exactly once.
    pub fn reorder(&self, ids: Vec<i64>) -> Result<(), NyckelError> {
        self.with(|v| v.reorder(&ids))
    }

    /// Deletes an account (its sealed row is overwritten on disk).
    pub fn delete_account(&self, id: i64) -> Result<(), NyckelError> {
        self.with(|v| v.delete(id))
    }

    /// Every TOTP and Steam account with its current code, in order, in one call (the
    /// code list refreshes with this once a second). HOTP accounts are not included:
    /// showing their code advances the counter (use `next_hotp_code`).
    pub fn codes(&self) -> Result<Vec<AccountCode>, NyckelError> {
        let now = now_unix()?;
        self.codes_at_time(now)
    }

    /// [`NyckelVault::codes`] at `unix_time` (seconds).
    pub fn codes_at(&self, unix_time: i64) -> Result<Vec<AccountCode>, NyckelError> {
        let t = check_time(unix_time)?;
        self.codes_at_time(t)
    }

    /// The next code of a HOTP account. The advanced counter is on disk before the code is
    /// returned, so a code is never shown twice.
    pub fn next_hotp_code(&self, id: i64) -> Result<CodeInfo, NyckelError> {
        self.with(|v| v.next_hotp(id)).map(CodeInfo::from)
    }

    /// The account's `otpauth://` URI, secret included, to show as a QR code or to move the
    /// account elsewhere. Logged in the activity log.
    pub fn export_uri(&self, id: i64, via: ExportVia) -> Result<String, NyckelError> {
        let format = match via {
            ExportVia::Qr => "qr",
            ExportVia::Uri => "uri",
        };
        self.with(|v| v.export_uri(id, format))
    }

    /// The newest `limit` activity entries, newest first.
    #[uniffi::method(default(limit = 100))]
    pub fn activity(&self, limit: u32) -> Result<Vec<ActivityInfo>, NyckelError> {
        self.with(|v| v.activity(limit as usize))
            .map(|all| all.iter().map(ActivityInfo::from).collect())
    }
}

impl NyckelVault {
    fn codes_at_time(&self, t: u64) -> Result<Vec<AccountCode>, NyckelError> {
        let codes = self.with(|v| v.codes_at(t))?;
        Ok(codes
            .into_iter()
            .map(|c| AccountCode { account: c.account.as_ref().into(), code: c.code.into() })
            .collect())
    }
}

#[cfg(feature = "test-hooks")]
#[uniffi::export]
impl NyckelVault {
    /// Panics while holding the vault's mutex (poisoning it), to test that the object stays
    /// usable afterwards. Test builds only.
    #[doc(hidden)]
    pub fn test_hook_panic_holding_lock(&self) -> Result<(), NyckelError> {
        let _guard = self.guard();
        panic!("test hook panic while holding the vault lock");
    }
}

impl From<OtpKind> for nyckel_core::OtpKind {
    fn from(k: OtpKind) -> Self {
        match k {
            OtpKind::Totp => nyckel_core::OtpKind::Totp,
            OtpKind::Hotp => nyckel_core::OtpKind::Hotp,
            OtpKind::Steam => nyckel_core::OtpKind::Steam,
        }
    }
}

impl From<HashAlgorithm> for nyckel_core::Algorithm {
    fn from(a: HashAlgorithm) -> Self {
        match a {
            HashAlgorithm::Sha1 => nyckel_core::Algorithm::Sha1,
            HashAlgorithm::Sha256 => nyckel_core::Algorithm::Sha256,
            HashAlgorithm::Sha512 => nyckel_core::Algorithm::Sha512,
        }
    }
}
