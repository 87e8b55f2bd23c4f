//! Opening, creating, unlocking and locking the vault file.

use std::path::Path;
use std::sync::Arc;

use rusqlite::{Connection, OpenFlags, OptionalExtension, TransactionBehavior};
use zeroize::Zeroizing;

use super::access;
use super::create;
use super::crypto::{self, record_aad, SealError, VaultKey};
use super::error::VaultError;
use super::schema::{self, APPLICATION_ID};
use super::slots::{hex, unhex, KdfParams, KeyProtector, PassphraseSlotParams};
use super::snapshot::SnapshotCache;
use super::stamp::FileStamp;
use crate::clock::Clock;
use crate::error::StorageFault;
use crate::random::{self, NoRandomness, Random, SystemRandom};

/// Plaintext sealed as the key check: unlocking verifies the recovered key opens it.
const KEY_CHECK: &[u8] = b"nyckel key check";
/// How long to wait for another connection's write lock before reporting "busy".
const BUSY_TIMEOUT_MS: u64 = 5_000;

/// An open vault file. Locked until unlocked with a passphrase or the platform slot.
pub struct Vault {
    pub(super) conn: Connection,
    pub(super) vault_id: Vec<u8>,
    pub(super) key: Option<VaultKey>,
    /// Decrypted accounts with prepared keys while unlocked (see `snapshot.rs`).
    pub(super) snapshot: SnapshotCache,
    /// Where nonces and salts come from ([`Vault::set_random`]).
    pub(super) random: Arc<dyn Random>,
    /// Why the vault was opened read-only, if it was ([`Vault::is_read_only`]).
    pub(super) read_only: Option<&'static str>,
}

impl std::fmt::Debug for Vault {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Vault").field("locked", &self.key.is_none()).finish_non_exhaustive()
    }
}

/// A vault key unwrapped by the platform, ready for [`Vault::unlock_with_unwrapped_key`].
///
/// The split lets a caller that guards the vault with a mutex release it while the
/// platform shows its biometric prompt (the callback may re-enter the library).
pub struct UnwrappedKey(Zeroizing<Vec<u8>>);

impl UnwrappedKey {
    /// Wraps key bytes returned by a [`KeyProtector`].
    pub fn new(bytes: Vec<u8>) -> Self {
        UnwrappedKey(Zeroizing::new(bytes))
    }
}

pub(super) fn now() -> i64 {
    crate::clock::Clock::now(&crate::clock::SystemClock)
}

fn slot_aad(vault_id: &[u8], kind: &str, params: &str) -> Vec<u8> {
    let mut aad = record_aad(vault_id, "key_slots", 0);
    aad.extend_from_slice(kind.as_bytes());
    aad.push(0);
    aad.extend_from_slice(params.as_bytes());
    aad
}

fn configure(conn: &Connection) -> Result<(), VaultError> {
    conn.busy_timeout(std::time::Duration::from_millis(BUSY_TIMEOUT_MS))?;
    // FULL: a committed enrollment or HOTP counter survives power loss, even in WAL mode.
    conn.pragma_update(None, "synchronous", "FULL")?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    conn.pragma_update(None, "secure_delete", "ON")?;
    Ok(())
}

impl Vault {
    /// A vault over `conn`, drawing randomness from the system until [`Vault::set_random`].
    fn assemble(conn: Connection, vault_id: Vec<u8>, key: Option<VaultKey>) -> Vault {
        let random = Arc::new(SystemRandom);
        Vault { conn, vault_id, key, snapshot: SnapshotCache::default(), random, read_only: None }
    }

    /// Replaces the source of the nonces and salts this vault makes from now on (tests pin
    /// bytes with it; production keeps the system's). A new vault's own id and key always
    /// come from the system source.
    pub fn set_random(&mut self, random: Arc<dyn Random>) {
        self.random = random;
    }

    /// The random source this vault uses (flows bound to the vault share it).
    pub fn random(&self) -> &dyn Random {
        &*self.random
    }

    /// Creates a new vault at `path` protected by a passphrase, and returns it unlocked.
    /// Refuses to touch an existing file.
    pub fn create(path: &Path, passphrase: &str, kdf: KdfParams) -> Result<Vault, VaultError> {
        check_passphrase(passphrase)?;
        kdf.check().map_err(VaultError::InvalidInput)?;
        Self::create_with(path, |vault| vault.insert_passphrase_slot(passphrase, kdf))
    }

    /// Creates a new vault protected only by the platform key store (the phone's default:
    /// no passphrase to remember) and returns it unlocked.
    pub fn create_with_protector(
        path: &Path,
        protector: &dyn KeyProtector,
    ) -> Result<Vault, VaultError> {
        Self::create_with(path, |vault| {
            let key = vault.key()?.as_bytes().to_vec();
            let wrapped = protector.wrap(key)?;
            vault.insert_platform_slot(wrapped)
        })
    }

    fn create_with(
        path: &Path,
        add_first_slot: impl FnOnce(&mut Vault) -> Result<(), VaultError>,
    ) -> Result<Vault, VaultError> {
        // Never over anything, and never next to a journal SQLite would read or write into
        // (another user's `-wal` in a shared directory, say).
        create::refuse_existing(path)?;
        // The vault is built whole in a temporary file next to `path` and linked into place
        // only when complete and durable: an interrupted create leaves no vault or the
        // finished one, never a half-made file that blocks the next create. The link never
        // replaces a file, so of several creates racing for one path exactly one wins.
        let temp = create::TempFile::new(path)?;
        let (vault_id, key) = Self::build(temp.path(), add_first_slot)?;
        temp.persist_exclusively(path)?;
        match Self::open_created(path) {
            Ok(conn) => Ok(Vault::assemble(conn, vault_id, Some(key))),
            Err(e) => {
                // A side file appeared between the checks and SQLite opening it: the vault
                // just linked is ours alone, and is not left next to it.
                let _ = std::fs::remove_file(path);
                Err(e)
            }
        }
    }

    /// Builds a complete vault in the new, empty file at `path` and closes it; returns its id
    /// and key. Runs without a journal file (a failed build discards the whole file), then
    /// switches the file to WAL, which persists in its header.
    fn build(
        path: &Path,
        add_first_slot: impl FnOnce(&mut Vault) -> Result<(), VaultError>,
    ) -> Result<(Vec<u8>, VaultKey), VaultError> {
        // The (empty) file exists already: SQLite opens it without creating it.
        let flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let mut conn = Connection::open_with_flags(path, flags)?;
        conn.pragma_update(None, "journal_mode", "MEMORY")?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        conn.pragma_update(None, "secure_delete", "ON")?;
        let vault_id = random::array::<16>(&SystemRandom).map_err(no_randomness)?.to_vec();
        let key = VaultKey::generate(&SystemRandom).map_err(seal_err)?;
        let key_check = key
            .seal(&SystemRandom, &record_aad(&vault_id, "vault_meta", 1), KEY_CHECK)
            .map_err(seal_err)?;
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        tx.pragma_update(None, "application_id", APPLICATION_ID)?;
        schema::create(&tx)?;
        tx.execute(
            "INSERT INTO vault_meta (id, vault_id, key_check, created_at) VALUES (1, ?1, ?2, ?3)",
            rusqlite::params![vault_id, key_check, now()],
        )?;
        tx.commit()?;
        let mut vault = Vault::assemble(conn, vault_id, Some(key));
        add_first_slot(&mut vault)?;
        vault.conn.pragma_update(None, "journal_mode", "WAL")?;
        let key = vault.key.take().ok_or(VaultError::Locked)?;
        let vault_id = std::mem::take(&mut vault.vault_id);
        // Closing the only connection checkpoints the WAL into the file and removes it.
        let conn = std::mem::replace(&mut vault.conn, Connection::open_in_memory()?);
        conn.close().map_err(|(_, e)| VaultError::from(e))?;
        Ok((vault_id, key))
    }

    /// The connection to a vault just linked at `path`, after checking the side files
    /// SQLite opened for it are its owner's alone.
    fn open_created(path: &Path) -> Result<Connection, VaultError> {
        create::refuse_existing_side_files(path)?;
        let flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let conn = Connection::open_with_flags(path, flags)?;
        configure(&conn)?;
        let mode: String = conn.pragma_query_value(None, "journal_mode", |r| r.get(0))?;
        if mode != "wal" {
            return Err(VaultError::storage(
                StorageFault::Other,
                format!("the new vault is in {mode} mode, not WAL"),
            ));
        }
        // A read opens the WAL and its index, so both are there to be checked.
        conn.query_row("SELECT COUNT(*) FROM vault_meta", [], |r| r.get::<_, i64>(0))?;
        create::check_side_files(path)?;
        Ok(conn)
    }

    /// Opens an existing vault, locked.
    ///
    /// The file is first checked through a read-only connection (which also sees a commit
    /// still in the WAL after a crash, without writing anything): a foreign, damaged or
    /// too-new file gives a typed error and is left exactly as it was. Only a file that
    /// passes is opened for writing; the one write on open is the migration of an older
    /// schema, in one IMMEDIATE transaction that re-reads the version under the write lock.
    ///
    /// A vault that cannot be written (the file, its folder or its file system read-only)
    /// is opened read-only ([`Vault::is_read_only`]): everything can be read, every change
    /// is refused with [`StorageFault::ReadOnly`], and nothing is created next to it
    /// (see `access.rs`).
    ///
    /// A `-wal`, `-shm` or `-journal` next to it that is not the vault owner's own (a
    /// symlink, another user's file, or one writable by group or others where the vault is
    /// not) is refused with [`VaultError::AlreadyExists`] naming it, before anything reads it.
    pub fn open(path: &Path) -> Result<Vault, VaultError> {
        if !path.is_file() {
            return Err(VaultError::NoVault(path.display().to_string()));
        }
        // Another user's (or a world-writable) journal next to the vault is never read.
        access::refuse_foreign_side_files(path)?;
        if let access::Access::ReadOnly { why } = access::of(path) {
            return Self::open_read_only(path, why);
        }
        // Side files an earlier read-only open left without write permission.
        access::repair_side_files(path);
        let read_only = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .map_err(checking_err)?;
        read_only
            .busy_timeout(std::time::Duration::from_millis(BUSY_TIMEOUT_MS))
            .map_err(checking_err)?;
        let version = validate(&read_only)?;
        drop(read_only);

        let flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let mut conn = Connection::open_with_flags(path, flags)?;
        configure(&conn)?;
        if version < schema::LATEST {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            // Another process may have migrated it since the check: read it again under
            // the write lock and migrate from what is there now.
            let version = check_header(&tx)?;
            if version < schema::LATEST {
                schema::check_tables(&tx, version).map_err(VaultError::Corrupt)?;
                schema::migrate(&tx, version)?;
            }
            tx.commit()?;
        }
        let vault_id = read_vault_id(&conn)?;
        Ok(Vault::assemble(conn, vault_id, None))
    }

    /// Opens a vault that cannot be written, for reading only. With nothing in its `-wal`
    /// the file is opened immutable: SQLite then creates no side file and takes no lock.
    /// When the `-wal` may hold the last commits (a crash before they were checkpointed),
    /// SQLite's read-only connection reads them through the `-shm`, which it creates if the
    /// folder allows (a leftover [`access::repair_side_files`] mends once writable).
    fn open_read_only(path: &Path, why: &'static str) -> Result<Vault, VaultError> {
        let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let wal = access::wal_has_frames(path);
        // SQLite cannot read a WAL's commits without its index (`-shm`), which it cannot
        // create in a folder it cannot write: that is the read-only vault's doing.
        let wal_err = |e: VaultError| match e {
            VaultError::Storage { fault, detail } if wal && fault != StorageFault::Busy => {
                access::read_only_error_with(why, &detail)
            }
            e => e,
        };
        let conn = if wal {
            Connection::open_with_flags(path, flags)
        } else {
            Connection::open_with_flags(
                access::immutable_uri(path),
                flags | OpenFlags::SQLITE_OPEN_URI,
            )
        }
        .map_err(|e| wal_err(checking_err(e)))?;
        conn.busy_timeout(std::time::Duration::from_millis(BUSY_TIMEOUT_MS))
            .map_err(checking_err)?;
        let version = validate(&conn).map_err(wal_err)?;
        if version < schema::LATEST {
            return Err(access::read_only_error(
                "the vault needs converting to this version's format, which writes to it",
            ));
        }
        conn.pragma_update(None, "foreign_keys", "ON")?;
        let vault_id = read_vault_id(&conn)?;
        let mut vault = Vault::assemble(conn, vault_id, None);
        vault.read_only = Some(why);
        Ok(vault)
    }

    /// True when the vault was opened read-only because it cannot be written (the file,
    /// its folder or its file system): reading works, every change is refused with
    /// [`StorageFault::ReadOnly`]. Exports from it are not logged (the log cannot be
    /// written either).
    pub fn is_read_only(&self) -> bool {
        self.read_only.is_some()
    }

    /// Opens an existing vault, locked, like [`Vault::open`] — but without the read-only
    /// connection and its checks when the file still has the stamp `checked`, which the
    /// caller kept from an earlier call whose checks passed (the header is still read: a
    /// file not at the latest schema gets the checks). Returns the vault and, when the
    /// checks ran now, the file's stamp taken just before them if it is settled at `clock`'s
    /// time ([`FileStamp::is_settled`]), for the caller to keep.
    ///
    /// An equal stamp means nothing wrote to the file or its WAL since it passed (see
    /// [`FileStamp`]). Keep the stamp where only the vault's owner can change it (the CLI
    /// keeps it in its session agent's memory): whoever can hand in a stamp could as well
    /// write the file.
    pub fn open_unless_unchanged(
        path: &Path,
        checked: Option<&FileStamp>,
        clock: &dyn Clock,
    ) -> Result<(Vault, Option<FileStamp>), VaultError> {
        let stamp = FileStamp::of(path);
        // Whether it can be written is not in the stamp (a folder or file system made
        // read-only): a vault that cannot be written takes `open`'s read-only path.
        let writable = access::of(path) == access::Access::Writable;
        if writable && stamp.is_some() && stamp.as_ref() == checked {
            if let Some(vault) = Self::open_checked_before(path)? {
                return Ok((vault, None));
            }
        }
        let vault = Self::open(path)?;
        Ok((vault, stamp.filter(|s| s.is_settled(clock.now()))))
    }

    /// The read-write connection to a file that passed [`validate`] unchanged since;
    /// `None` when its header is not the latest schema's after all.
    fn open_checked_before(path: &Path) -> Result<Option<Vault>, VaultError> {
        // The stamp covers the file and its WAL, not who owns the side files.
        access::refuse_foreign_side_files(path)?;
        access::repair_side_files(path);
        let flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let conn = Connection::open_with_flags(path, flags)?;
        configure(&conn)?;
        if !matches!(check_header(&conn), Ok(schema::LATEST)) {
            return Ok(None);
        }
        let vault_id = read_vault_id(&conn)?;
        Ok(Some(Vault::assemble(conn, vault_id, None)))
    }

    /// True while the vault key is not in memory.
    pub fn is_locked(&self) -> bool {
        self.key.is_none()
    }

    /// Wipes the vault key from memory. Reading accounts needs an unlock afterwards.
    pub fn lock(&mut self) {
        self.key = None; // VaultKey zeroizes on drop
        self.snapshot.clear(); // so do the secrets and prepared keys it holds
        super::crypto::scrub_stack(); // and ring's key schedules left in dead stack
    }

    /// Unlocks with the passphrase slot (a vault has at most one).
    pub fn unlock_with_passphrase(&mut self, passphrase: &str) -> Result<(), VaultError> {
        for (params_json, wrapped) in self.slots("passphrase")? {
            let params: PassphraseSlotParams =
                serde_json::from_str(&params_json).map_err(|_| {
                    VaultError::Corrupt("passphrase slot parameters are unreadable".into())
                })?;
            if params.kdf != "argon2id" {
                return Err(VaultError::Corrupt(format!(
                    "unknown KDF \"{}\" in a key slot",
                    params.kdf
                )));
            }
            let salt = unhex(&params.salt)
                .ok_or_else(|| VaultError::Corrupt("key slot salt is not hex".into()))?;
            let kek = params.params.derive(passphrase, &salt).map_err(VaultError::Corrupt)?;
            let aad = slot_aad(&self.vault_id, "passphrase", &params_json);
            match crypto::open_with(&crypto::aes_key(&kek), &aad, &wrapped) {
                Ok(key) => return self.install_key(&key),
                Err(SealError::Auth) => continue,
                Err(e) => return Err(VaultError::Corrupt(format!("key slot: {e}"))),
            }
        }
        Err(VaultError::WrongPassphrase)
    }

    /// The platform slot's wrapped key, to hand to [`KeyProtector::unwrap`].
    pub fn platform_wrapped_key(&self) -> Result<Vec<u8>, VaultError> {
        self.slots("platform")?.into_iter().next().map(|(_, w)| w).ok_or(VaultError::NoPlatformSlot)
    }

    /// Unlocks with a key the platform unwrapped (see [`UnwrappedKey`] for why it is split).
    pub fn unlock_with_unwrapped_key(&mut self, key: UnwrappedKey) -> Result<(), VaultError> {
        // A key that does not fit means the platform key changed, not that the file is bad.
        self.install_key(&key.0).map_err(|e| match e {
            VaultError::Corrupt(_) | VaultError::Protector(_) => {
                VaultError::Protector(super::ProtectorError::KeyInvalidated)
            }
            other => other,
        })
    }

    /// Unlocks with the platform key store (biometric prompt on phones).
    pub fn unlock_with_protector(
        &mut self,
        protector: &dyn KeyProtector,
    ) -> Result<(), VaultError> {
        let wrapped = self.platform_wrapped_key()?;
        let key = UnwrappedKey::new(protector.unwrap(wrapped)?);
        self.unlock_with_unwrapped_key(key)
    }

    /// True when a platform slot exists.
    pub fn has_platform_slot(&self) -> Result<bool, VaultError> {
        Ok(!self.slots("platform")?.is_empty())
    }

    /// The vault key, for wrapping by a platform protector outside a lock
    /// (pair with [`Vault::set_platform_wrapped_key`]).
    pub fn key_for_wrapping(&self) -> Result<Zeroizing<Vec<u8>>, VaultError> {
        Ok(Zeroizing::new(self.key()?.as_bytes().to_vec()))
    }

    /// Stores (or replaces) the platform slot with what the protector's `wrap` returned
    /// (the caller should have checked that `unwrap` gives the key back, as
    /// [`Vault::add_platform_slot`] does).
    pub fn set_platform_wrapped_key(&mut self, wrapped: Vec<u8>) -> Result<(), VaultError> {
        self.key()?;
        self.insert_platform_slot(wrapped)
    }

    /// Adds or replaces the platform slot (needs the vault unlocked).
    pub fn add_platform_slot(&mut self, protector: &dyn KeyProtector) -> Result<(), VaultError> {
        let key = self.key_for_wrapping()?;
        let wrapped = protector.wrap(key.to_vec())?;
        // Prove the platform can give the key back before relying on it.
        let back = Zeroizing::new(protector.unwrap(wrapped.clone())?);
        if back[..] != key[..] {
            return Err(VaultError::Protector(super::ProtectorError::Failed(
                "unwrap did not return the wrapped key".into(),
            )));
        }
        self.insert_platform_slot(wrapped)
    }

    /// Removes the platform slot; refused when it is the only way in.
    pub fn remove_platform_slot(&mut self) -> Result<(), VaultError> {
        self.key()?;
        if self.slots("passphrase")?.is_empty() {
            return Err(VaultError::InvalidInput(
                "the platform slot is the only key slot; set a passphrase first".into(),
            ));
        }
        self.conn.execute("DELETE FROM key_slots WHERE kind = 'platform'", [])?;
        Ok(())
    }

    /// Replaces every passphrase slot with one for `passphrase` (needs the vault unlocked).
    pub fn change_passphrase(
        &mut self,
        passphrase: &str,
        kdf: KdfParams,
    ) -> Result<(), VaultError> {
        self.key()?;
        check_passphrase(passphrase)?;
        kdf.check().map_err(VaultError::InvalidInput)?;
        self.insert_passphrase_slot(passphrase, kdf)
    }

    fn insert_passphrase_slot(
        &mut self,
        passphrase: &str,
        kdf: KdfParams,
    ) -> Result<(), VaultError> {
        let salt = random::array::<32>(&*self.random).map_err(no_randomness)?;
        let params = PassphraseSlotParams { kdf: "argon2id".into(), params: kdf, salt: hex(&salt) };
        let params_json = serde_json::to_string(&params).expect("slot params serialise");
        let kek = kdf.derive(passphrase, &salt).map_err(VaultError::InvalidInput)?;
        let aad = slot_aad(&self.vault_id, "passphrase", &params_json);
        let wrapped =
            crypto::seal_with(&*self.random, &crypto::aes_key(&kek), &aad, self.key()?.as_bytes())
                .map_err(seal_err)?;
        self.replace_slot("passphrase", &params_json, wrapped)
    }

    fn insert_platform_slot(&mut self, wrapped: Vec<u8>) -> Result<(), VaultError> {
        self.replace_slot("platform", "{}", wrapped)
    }

    fn replace_slot(
        &mut self,
        kind: &str,
        params: &str,
        wrapped: Vec<u8>,
    ) -> Result<(), VaultError> {
        let tx = self.begin()?;
        tx.execute("DELETE FROM key_slots WHERE kind = ?1", [kind])?;
        tx.execute(
            "INSERT INTO key_slots (kind, params, wrapped, created_at) VALUES (?1, ?2, ?3, ?4)",
            rusqlite::params![kind, params, wrapped, now()],
        )?;
        tx.commit()?;
        Ok(())
    }

    /// The slots of `kind`: none or one. More is refused before any KDF runs (also checked
    /// on open; this covers a file changed since).
    fn slots(&self, kind: &str) -> Result<Vec<(String, Vec<u8>)>, VaultError> {
        let mut st = self
            .conn
            .prepare("SELECT params, wrapped FROM key_slots WHERE kind = ?1 ORDER BY id LIMIT 2")?;
        let rows = st.query_map([kind], |r| Ok((r.get(0)?, r.get(1)?)))?;
        let slots: Vec<(String, Vec<u8>)> = rows.collect::<Result<_, _>>()?;
        if slots.len() > 1 {
            return Err(too_many_slots(kind));
        }
        Ok(slots)
    }

    fn install_key(&mut self, bytes: &[u8]) -> Result<(), VaultError> {
        let key = VaultKey::from_bytes(bytes).map_err(|_| {
            VaultError::Protector(super::ProtectorError::Failed(
                "unwrapped key has the wrong length".into(),
            ))
        })?;
        let check: Vec<u8> =
            self.conn
                .query_row("SELECT key_check FROM vault_meta WHERE id = 1", [], |r| r.get(0))?;
        key.open(&record_aad(&self.vault_id, "vault_meta", 1), &check).map_err(|_| {
            VaultError::Corrupt("the unlocked key does not match this vault".into())
        })?;
        self.key = Some(key);
        Ok(())
    }

    /// Starts an IMMEDIATE transaction (takes the write lock up front, so a concurrent
    /// writer waits at BEGIN instead of failing at COMMIT).
    pub(super) fn begin(&self) -> Result<rusqlite::Transaction<'_>, VaultError> {
        if let Some(why) = self.read_only {
            return Err(access::read_only_error(why));
        }
        Ok(rusqlite::Transaction::new_unchecked(&self.conn, TransactionBehavior::Immediate)?)
    }

    pub(super) fn key(&self) -> Result<&VaultKey, VaultError> {
        self.key.as_ref().ok_or(VaultError::Locked)
    }

    /// Seals `plaintext` as row `row_id` of `table`.
    pub(super) fn seal(
        &self,
        table: &str,
        row_id: i64,
        plaintext: &[u8],
    ) -> Result<Vec<u8>, VaultError> {
        let aad = record_aad(&self.vault_id, table, row_id);
        self.key()?.seal(&*self.random, &aad, plaintext).map_err(seal_err)
    }

    /// Seals `plaintext` under the vault key for the app to keep outside the vault (an
    /// automatic-backup key): bound to this vault and to `purpose`, so it opens only here.
    pub fn seal_blob(&self, purpose: &str, plaintext: &[u8]) -> Result<Vec<u8>, VaultError> {
        self.seal(&format!("blob:{purpose}"), 0, plaintext)
    }

    /// Opens what [`Vault::seal_blob`] sealed for `purpose`; `Ok(None)` when it was sealed by
    /// another vault or altered. `Locked` while locked.
    pub fn open_blob(
        &self,
        purpose: &str,
        sealed: &[u8],
    ) -> Result<Option<Zeroizing<Vec<u8>>>, VaultError> {
        let aad = record_aad(&self.vault_id, &format!("blob:{purpose}"), 0);
        Ok(self.key()?.open(&aad, sealed).ok())
    }

    /// A digest of every stored account row (id, position, times and sealed content): it
    /// changes with every add, edit, reorder, delete, import and HOTP counter step, and with
    /// nothing else, so an automatic backup is written only when there is something new.
    /// Reveals nothing (the rows are sealed).
    pub fn content_fingerprint(&self) -> Result<[u8; 32], VaultError> {
        let mut st = self
            .conn
            .prepare_cached("SELECT id, position, updated_at, sealed FROM accounts ORDER BY id")?;
        let mut rows = st.query([])?;
        let mut digest = ring::digest::Context::new(&ring::digest::SHA256);
        while let Some(row) = rows.next()? {
            for n in [row.get::<_, i64>(0)?, row.get(1)?, row.get(2)?] {
                digest.update(&n.to_le_bytes());
            }
            let sealed: Vec<u8> = row.get(3)?;
            digest.update(&(sealed.len() as u64).to_le_bytes());
            digest.update(&sealed);
        }
        let mut out = [0u8; 32];
        out.copy_from_slice(digest.finish().as_ref());
        Ok(out)
    }

    /// Opens row `row_id` of `table`; a failure means the row was altered or moved.
    pub(super) fn open_sealed(
        &self,
        table: &str,
        row_id: i64,
        sealed: &[u8],
    ) -> Result<Zeroizing<Vec<u8>>, VaultError> {
        self.key()?
            .open(&record_aad(&self.vault_id, table, row_id), sealed)
            .map_err(|_| VaultError::Corrupt(format!("{table} row {row_id} fails authentication")))
    }

    /// [`Vault::open_sealed`] with a key from [`super::crypto::VaultKey::opening_key`], for
    /// reading many records with one key schedule.
    pub(super) fn open_sealed_with(
        &self,
        key: &ring::aead::LessSafeKey,
        table: &str,
        row_id: i64,
        sealed: &[u8],
    ) -> Result<Zeroizing<Vec<u8>>, VaultError> {
        super::crypto::open_with(key, &record_aad(&self.vault_id, table, row_id), sealed)
            .map_err(|_| VaultError::Corrupt(format!("{table} row {row_id} fails authentication")))
    }
}

/// Checks that the file behind `conn` (a read-only connection) is a vault this build can
/// open, and returns its schema version. Reads only.
fn validate(conn: &Connection) -> Result<i64, VaultError> {
    // One read transaction: every check sees the same snapshot, even while another process
    // migrates or writes the file.
    let snapshot = conn.unchecked_transaction().map_err(checking_err)?;
    let conn: &Connection = &snapshot;
    let version = check_header(conn)?;
    let check: String =
        conn.pragma_query_value(None, "quick_check", |r| r.get(0)).map_err(checking_err)?;
    if check != "ok" {
        return Err(VaultError::Corrupt("SQLite integrity check failed".into()));
    }
    schema::check_tables(conn, version).map_err(VaultError::Corrupt)?;
    read_vault_id(conn)?;
    let key_check: Option<rusqlite::types::Value> = conn
        .query_row("SELECT key_check FROM vault_meta WHERE id = 1", [], |r| r.get(0))
        .optional()
        .map_err(checking_err)?;
    if !matches!(key_check, Some(rusqlite::types::Value::Blob(_))) {
        return Err(VaultError::Corrupt("the key check is missing".into()));
    }
    // One slot of each kind at most (setting a slot replaces the old one): a file with more
    // could make unlocking run one maximal-cost KDF after another.
    for kind in ["passphrase", "platform"] {
        check_slot_count(conn, kind)?;
    }
    Ok(version)
}

/// Reads `application_id` and `user_version`: a vault of schema 1..=[`schema::LATEST`].
fn check_header(conn: &Connection) -> Result<i64, VaultError> {
    let app_id: i32 =
        conn.pragma_query_value(None, "application_id", |r| r.get(0)).map_err(checking_err)?;
    if app_id != APPLICATION_ID {
        return Err(VaultError::NotAVault("the file is not marked as a Nyckel vault".into()));
    }
    let version: i64 =
        conn.pragma_query_value(None, "user_version", |r| r.get(0)).map_err(checking_err)?;
    if version > schema::LATEST {
        return Err(VaultError::TooNew { found: version, supported: schema::LATEST });
    }
    if version < 1 {
        return Err(VaultError::Corrupt(format!("schema version {version} is not a vault schema")));
    }
    Ok(version)
}

/// `vault_meta` row 1's `vault_id` (16 bytes).
fn read_vault_id(conn: &Connection) -> Result<Vec<u8>, VaultError> {
    let id: Option<rusqlite::types::Value> = conn
        .query_row("SELECT vault_id FROM vault_meta WHERE id = 1", [], |r| r.get(0))
        .optional()
        .map_err(checking_err)?;
    match id {
        Some(rusqlite::types::Value::Blob(id)) if id.len() == 16 => Ok(id),
        Some(_) => Err(VaultError::Corrupt("the vault id is malformed".into())),
        None => Err(VaultError::Corrupt("vault header is missing".into())),
    }
}

/// Refuses more than one slot of `kind` (setting a slot replaces the old one).
fn check_slot_count(conn: &Connection, kind: &str) -> Result<(), VaultError> {
    let n: i64 = conn
        .query_row("SELECT COUNT(*) FROM key_slots WHERE kind = ?1", [kind], |r| r.get(0))
        .map_err(checking_err)?;
    if n > 1 {
        return Err(too_many_slots(kind));
    }
    Ok(())
}

fn too_many_slots(kind: &str) -> VaultError {
    VaultError::Corrupt(format!("the vault has more than one {kind} key slot"))
}

/// Maps an SQLite error met while checking a file. A statement the file's schema cannot
/// run (a table without the expected columns) means a damaged vault; a rollback journal
/// left by a crash means a database that is not a vault (a vault is always in WAL mode,
/// and the read-only check cannot roll it back without writing). Anything else (I/O, busy)
/// keeps its usual mapping.
fn checking_err(e: rusqlite::Error) -> VaultError {
    use rusqlite::ffi;
    match &e {
        rusqlite::Error::SqliteFailure(f, _)
            if f.extended_code == ffi::SQLITE_READONLY_ROLLBACK =>
        {
            VaultError::NotAVault(
                "the file has an unfinished rollback journal, which a Nyckel vault never has"
                    .into(),
            )
        }
        rusqlite::Error::SqlInputError { .. } => {
            VaultError::Corrupt("a vault table does not have the columns a vault has".into())
        }
        rusqlite::Error::SqliteFailure(f, _) if f.code == ffi::ErrorCode::Unknown => {
            VaultError::Corrupt("a vault table does not have the columns a vault has".into())
        }
        _ => VaultError::from(e),
    }
}

fn check_passphrase(passphrase: &str) -> Result<(), VaultError> {
    if passphrase.is_empty() {
        return Err(VaultError::InvalidInput("the passphrase must not be empty".into()));
    }
    Ok(())
}

fn no_randomness(e: NoRandomness) -> VaultError {
    VaultError::storage(StorageFault::Other, e.to_string())
}

fn seal_err(e: SealError) -> VaultError {
    VaultError::storage(StorageFault::Other, format!("encryption failed: {e}"))
}

impl Drop for Vault {
    /// Dropping an unlocked vault locks it first, so the key leaves memory the same way.
    fn drop(&mut self) {
        if self.key.is_some() {
            self.lock();
        }
    }
}
