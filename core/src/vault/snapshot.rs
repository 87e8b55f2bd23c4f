//! The decrypted accounts kept while unlocked, with their HMAC keys prepared, so the app's
//! once-a-second refresh ([`Vault::codes_at`]) costs two hash compressions per code instead
//! of an SQLite read, an AES-GCM open, a JSON parse and an HMAC key schedule per account.
//!
//! The snapshot is as secret as the vault key it came from: it exists only while unlocked,
//! [`Vault::lock`] (and drop) wipes it (`Secret` and `PreparedSecret` zeroize on drop), and
//! any change to the file drops it: writes through this connection move SQLite's
//! `total_changes`, commits by any other connection or process move `PRAGMA data_version`,
//! and either makes the next read start from the file again.

use std::cell::RefCell;
use std::sync::Arc;

use super::accounts::{Account, AccountCode};
use super::error::VaultError;
use super::store::Vault;
use crate::codes::PreparedParams;
use crate::otpauth::OtpKind;

/// What identifies the file's state as this connection saw it.
type Stamp = (i64, u64);

/// The file's state as one open [`Vault`] sees it ([`Vault::change_stamp`]): equal stamps
/// taken from the same `Vault` mean nothing was written to the file in between, by it or by
/// any other connection. A cheap "did anything change?" (no row is read) before a costlier
/// check such as [`Vault::content_fingerprint`]; it may move without a change that matters
/// (an activity entry, a rolled-back write), never stay put across one. Stamps of different
/// `Vault` values are not comparable.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChangeStamp(Stamp);

impl std::fmt::Display for ChangeStamp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}.{}", self.0 .0, self.0 .1)
    }
}

/// The cache a [`Vault`] holds; empty while locked.
#[derive(Default)]
pub(super) struct SnapshotCache(RefCell<Option<Snapshot>>, #[cfg(test)] std::cell::Cell<u32>);

/// Every account in sort order; TOTP and Steam ones with their key prepared. Shared (not
/// copied) with [`DetachedCodes`]; the secrets zeroize when the last holder drops it.
type Prepared = Arc<[(Arc<Account>, Option<PreparedParams>)]>;

struct Snapshot {
    stamp: Stamp,
    accounts: Prepared,
}

/// The codes of a vault's accounts as they were when taken ([`Vault::detached_codes`]),
/// kept after the vault is closed: no file, no connection, only the decrypted accounts
/// and their prepared HMAC keys.
///
/// As secret as the vault key it came from, and blind to every later change of the file:
/// whoever keeps it checks the file for changes themselves (the CLI's session agent keeps
/// it only while the file's [`super::FileStamp`] stays the same). The secrets zeroize when
/// it and the vault's own snapshot are dropped.
#[derive(Clone)]
pub struct DetachedCodes(Prepared);

impl std::fmt::Debug for DetachedCodes {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "DetachedCodes({} accounts)", self.0.len())
    }
}

impl DetachedCodes {
    /// Every TOTP and Steam account with its code at `unix_time`, as [`Vault::codes_at`]
    /// gave it when this was taken.
    pub fn codes_at(&self, unix_time: u64) -> Result<Vec<AccountCode>, VaultError> {
        codes_of(&self.0, unix_time)
    }
}

/// The codes of the TOTP and Steam accounts among `accounts` at `unix_time`.
fn codes_of(
    accounts: &[(Arc<Account>, Option<PreparedParams>)],
    unix_time: u64,
) -> Result<Vec<AccountCode>, VaultError> {
    accounts
        .iter()
        .filter_map(|(account, prepared)| {
            let prepared = prepared.as_ref()?;
            Some(match prepared.code_at(unix_time) {
                Ok(code) => Ok(AccountCode { account: Arc::clone(account), code }),
                Err(e) => Err(e.into()),
            })
        })
        .collect()
}

impl SnapshotCache {
    /// Drops the snapshot (secrets zeroize on drop).
    pub(super) fn clear(&self) {
        self.0.borrow_mut().take();
    }

    /// True while a snapshot is held.
    #[cfg(test)]
    pub(super) fn is_filled(&self) -> bool {
        self.0.borrow().is_some()
    }

    /// How many times the accounts were read from the file.
    #[cfg(test)]
    pub(super) fn reads(&self) -> u32 {
        self.1.get()
    }

    /// Counts a read of the accounts from the file.
    #[cfg(test)]
    pub(super) fn count_read(&self) {
        self.1.set(self.1.get() + 1);
    }
}

impl Vault {
    /// The file's state now (works while locked): see [`ChangeStamp`]. One pragma read and a
    /// counter, no table read: cheap enough to ask after every call.
    pub fn change_stamp(&self) -> Result<ChangeStamp, VaultError> {
        self.stamp().map(ChangeStamp)
    }

    /// The file's state: commits by other connections (`data_version`) and rows changed by
    /// this one (`total_changes`, which also moves for a rolled-back change: harmless).
    fn stamp(&self) -> Result<Stamp, VaultError> {
        let version: i64 = self.conn.pragma_query_value(None, "data_version", |r| r.get(0))?;
        Ok((version, self.conn.total_changes()))
    }

    /// Runs `f` on the snapshot, reading the file again first only when it changed.
    fn with_snapshot<T>(&self, f: impl FnOnce(&Snapshot) -> T) -> Result<T, VaultError> {
        self.key()?;
        // Taken before reading: a commit that lands in between changes `data_version`
        // again, so the worst case is one extra read later, never a stale snapshot.
        let stamp = self.stamp()?;
        let mut cache = self.snapshot.0.borrow_mut();
        if cache.as_ref().is_none_or(|s| s.stamp != stamp) {
            *cache = None; // the old secrets go before the new ones are read
            let accounts = self
                .read_accounts()?
                .into_iter()
                .map(|a| {
                    let prepared = (a.params.kind != OtpKind::Hotp).then(|| a.params.prepare());
                    (Arc::new(a), prepared)
                })
                .collect();
            *cache = Some(Snapshot { stamp, accounts });
        }
        Ok(f(cache.as_ref().expect("filled above")))
    }

    /// [`Vault::accounts`] from the snapshot.
    pub(super) fn snapshot_accounts(&self) -> Result<Vec<Account>, VaultError> {
        self.with_snapshot(|s| s.accounts.iter().map(|(a, _)| Account::clone(a)).collect())
    }

    /// [`Vault::accounts_where`] from the snapshot: only the kept accounts are copied.
    pub(super) fn snapshot_accounts_where(
        &self,
        keep: impl Fn(&Account) -> bool,
    ) -> Result<Vec<Account>, VaultError> {
        self.with_snapshot(|s| {
            s.accounts.iter().filter(|(a, _)| keep(a)).map(|(a, _)| Account::clone(a)).collect()
        })
    }

    /// [`Vault::codes_at`] from the snapshot, reading the file again only when it changed.
    pub(super) fn snapshot_codes_at(&self, unix_time: u64) -> Result<Vec<AccountCode>, VaultError> {
        self.with_snapshot(|snapshot| codes_of(&snapshot.accounts, unix_time))?
    }

    /// The unlocked vault's codes as they are now, to be kept after the vault is closed
    /// (see [`DetachedCodes`]): the snapshot [`Vault::codes_at`] serves, shared, not copied.
    pub fn detached_codes(&self) -> Result<DetachedCodes, VaultError> {
        self.with_snapshot(|snapshot| DetachedCodes(Arc::clone(&snapshot.accounts)))
    }
}

#[cfg(test)]
mod tests {
    use super::super::{AccountEdit, DuplicatePolicy, KdfParams, UnwrappedKey};
    use super::*;

    const PASS: &str = "correct horse battery staple";
    const T: u64 = 1_764_806_400;

    fn new_vault(dir: &tempfile::TempDir) -> (Vault, std::path::PathBuf) {
        let path = dir.path().join("vault.nyckel");
        (Vault::create(&path, PASS, KdfParams::FLOOR).unwrap(), path)
    }

    /// What `codes_at` computed before the snapshot: every account read and keyed afresh.
    fn uncached(v: &Vault, t: u64) -> Vec<(i64, String, Option<u32>)> {
        v.read_accounts()
            .unwrap()
            .into_iter()
            .filter(|a| a.params.kind != OtpKind::Hotp)
            .map(|a| {
                let c = a.params.code_at(t).unwrap();
                (a.id, c.value, c.seconds_left)
            })
            .collect()
    }

    fn cached(v: &Vault, t: u64) -> Vec<(i64, String, Option<u32>)> {
        v.codes_at(t)
            .unwrap()
            .into_iter()
            .map(|c| (c.account.id, c.code.value, c.code.seconds_left))
            .collect()
    }

    fn add(v: &mut Vault, uri: &str) -> i64 {
        v.add_uri(uri, DuplicatePolicy::Allow).unwrap().account.id
    }

    const URIS: [&str; 5] = [
        "otpauth://totp/A:a?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=A",
        "otpauth://totp/B:b?secret=JBSWY3DPEHPK3PXP&algorithm=SHA256&digits=8&period=60",
        "otpauth://hotp/C:c?secret=JBSWY3DPEHPK3PXQ&counter=5",
        "otpauth://steam/Steam:d?secret=JRZCL47CMXVOQMNPZR2F7J4RGI",
        "otpauth://totp/E:e?secret=JBSWY3DPEHPK3PXR&algorithm=SHA512&digits=7&period=1",
    ];

    #[test]
    fn cached_codes_equal_codes_computed_afresh_at_every_time() {
        let dir = tempfile::tempdir().unwrap();
        let (mut v, _) = new_vault(&dir);
        for uri in URIS {
            add(&mut v, uri);
        }
        for t in [0, 1, 29, 30, 59, T, T + 1, u64::from(u32::MAX) + 7] {
            assert_eq!(cached(&v, t), uncached(&v, t), "t={t}");
        }
        assert_eq!(cached(&v, T).len(), 4, "HOTP is left out");
        assert!(v.snapshot.is_filled());
    }

    #[test]
    fn every_write_through_this_vault_is_seen_by_the_next_refresh() {
        let dir = tempfile::tempdir().unwrap();
        let (mut v, _) = new_vault(&dir);
        let a = add(&mut v, URIS[0]);
        assert_eq!(cached(&v, T).len(), 1);
        let b = add(&mut v, URIS[1]);
        assert_eq!(cached(&v, T), uncached(&v, T));
        assert_eq!(cached(&v, T).len(), 2);

        let edit = AccountEdit { issuer: Some("Renamed".into()), ..AccountEdit::default() };
        v.update(a, edit).unwrap();
        let codes = v.codes_at(T).unwrap();
        assert_eq!(codes[0].account.params.issuer, "Renamed");

        v.reorder(&[b, a]).unwrap();
        assert_eq!(cached(&v, T).iter().map(|c| c.0).collect::<Vec<_>>(), [b, a]);

        v.delete(b).unwrap();
        assert_eq!(cached(&v, T).iter().map(|c| c.0).collect::<Vec<_>>(), [a]);
        assert_eq!(cached(&v, T), uncached(&v, T));
    }

    #[test]
    fn a_commit_by_another_connection_is_seen_by_the_next_refresh() {
        let dir = tempfile::tempdir().unwrap();
        let (mut first, path) = new_vault(&dir);
        add(&mut first, URIS[0]);
        assert_eq!(cached(&first, T).len(), 1);

        let mut second = Vault::open(&path).unwrap();
        second.unlock_with_passphrase(PASS).unwrap();
        let added = add(&mut second, URIS[1]);
        let edit = AccountEdit { name: Some("other process".into()), ..AccountEdit::default() };
        second.update(added, edit).unwrap();

        let codes = first.codes_at(T).unwrap();
        assert_eq!(codes.len(), 2);
        assert_eq!(codes[1].account.params.name, "other process");
        second.delete(added).unwrap();
        assert_eq!(first.codes_at(T).unwrap().len(), 1);
    }

    #[test]
    fn detached_codes_outlive_the_vault_and_see_no_later_change() {
        let dir = tempfile::tempdir().unwrap();
        let (mut v, path) = new_vault(&dir);
        for uri in URIS {
            add(&mut v, uri);
        }
        let detached = v.detached_codes().unwrap();
        let listed = |codes: Vec<AccountCode>| {
            codes
                .into_iter()
                .map(|c| (c.account.id, c.code.value, c.code.seconds_left))
                .collect::<Vec<_>>()
        };
        let before = cached(&v, T);
        drop(v);
        for t in [T, T + 30, T + 61] {
            assert_eq!(
                listed(detached.codes_at(t).unwrap()),
                listed(
                    Vault::open(&path)
                        .map(|mut v| {
                            v.unlock_with_passphrase(PASS).unwrap();
                            v.codes_at(t).unwrap()
                        })
                        .unwrap()
                ),
                "t={t}"
            );
        }
        let mut v = Vault::open(&path).unwrap();
        v.unlock_with_passphrase(PASS).unwrap();
        add(&mut v, URIS[0]);
        assert_eq!(listed(detached.codes_at(T).unwrap()), before, "taken before the add");
        assert_eq!(cached(&v, T).len(), before.len() + 1);
        assert!(matches!(
            {
                v.lock();
                v.detached_codes()
            },
            Err(VaultError::Locked)
        ));
        assert!(!format!("{detached:?}").contains("GEZDGNBV"), "{detached:?}");
    }

    #[test]
    fn lock_drops_the_snapshot_and_unlock_reads_the_file_again() {
        let dir = tempfile::tempdir().unwrap();
        let (mut v, _) = new_vault(&dir);
        add(&mut v, URIS[0]);
        let key = v.key_for_wrapping().unwrap().to_vec();
        let before = cached(&v, T);
        assert!(v.snapshot.is_filled());
        v.lock();
        assert!(!v.snapshot.is_filled());
        assert!(matches!(v.codes_at(T), Err(VaultError::Locked)));
        assert!(!v.snapshot.is_filled());
        v.unlock_with_unwrapped_key(UnwrappedKey::new(key)).unwrap();
        assert_eq!(cached(&v, T), before);
    }

    #[test]
    fn the_change_stamp_stays_while_codes_are_read_and_moves_with_every_write() {
        let dir = tempfile::tempdir().unwrap();
        let (mut v, path) = new_vault(&dir);
        let a = add(&mut v, URIS[0]);
        add(&mut v, URIS[2]);
        let start = v.change_stamp().unwrap();
        for t in T..T + 5 {
            cached(&v, t);
        }
        v.accounts().unwrap();
        v.content_fingerprint().unwrap();
        assert_eq!(v.change_stamp().unwrap(), start, "reading writes nothing");

        let edit = AccountEdit { note: Some("n".into()), ..AccountEdit::default() };
        v.update(a, edit).unwrap();
        let edited = v.change_stamp().unwrap();
        assert_ne!(edited, start);
        v.lock();
        assert_eq!(v.change_stamp().unwrap(), edited, "asked while locked too");
        v.unlock_with_passphrase(PASS).unwrap();

        // A write by another connection (another process) moves it too.
        let before = v.change_stamp().unwrap();
        let mut other = Vault::open(&path).unwrap();
        other.unlock_with_passphrase(PASS).unwrap();
        other.delete(a).unwrap();
        assert_ne!(v.change_stamp().unwrap(), before);
        assert_ne!(v.change_stamp().unwrap().to_string(), before.to_string());
    }

    #[test]
    fn codes_and_the_account_list_read_the_file_once_until_it_changes() {
        let dir = tempfile::tempdir().unwrap();
        let (mut v, path) = new_vault(&dir);
        for uri in URIS {
            add(&mut v, uri);
        }
        let mut v2 = Vault::open(&path).unwrap();
        v2.unlock_with_passphrase(PASS).unwrap();
        assert_eq!(cached(&v2, T).len(), 4);
        let listed = v2.accounts().unwrap();
        assert_eq!(v2.snapshot.reads(), 1, "the list came from the snapshot");
        assert_eq!(listed.len(), 5, "HOTP accounts are listed");

        // A change by another connection is read again, once.
        let edit = AccountEdit { name: Some("renamed".into()), ..AccountEdit::default() };
        v.update(listed[0].id, edit).unwrap();
        assert_eq!(v2.accounts().unwrap()[0].params.name, "renamed");
        assert_eq!(cached(&v2, T).len(), 4);
        assert_eq!(v2.snapshot.reads(), 2);
        assert_eq!(listed.len(), v2.read_accounts().unwrap().len());
    }
}
