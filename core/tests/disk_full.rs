//! A real full disk: the vault on a small tmpfs, every byte around it taken by a filler file,
//! then a little freed at a time, so a write runs out of space at every point of its commit.
//! Each write path — add, a HOTP step, an import (a batch), rename, delete, a passphrase
//! change and a platform key replacement — either works or fails with the typed
//! `StorageFault::DiskFull` and changes nothing; once space returns, everything acknowledged
//! is there and the vault takes writes again.
//!
//! Mounting a tmpfs needs root (CAP_SYS_ADMIN); CI runs as root. Anywhere it is not
//! permitted the test prints why it did not run (`SKIPPED: …` on stderr) and passes, unless
//! `NYCKEL_REQUIRE_TMPFS=1` says it must run. The mount is removed when the test ends, also
//! when it fails.

#![cfg(target_os = "linux")]

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;

use nyckel_core::error::StorageFault;
use nyckel_core::otpauth::OtpParams;
use nyckel_core::vault::{
    Account, AccountEdit, DuplicatePolicy, KdfParams, SoftwareProtector, Vault, VaultError,
};

const PASSPHRASE: &str = "the first passphrase";
const NEW_PASSPHRASE: &str = "the second passphrase";
const SECRET: &str = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ";

/// A tmpfs of a fixed size mounted on a fresh temporary directory; unmounted on drop.
struct Tmpfs {
    dir: tempfile::TempDir,
}

impl Tmpfs {
    /// Mounts one, or says why it cannot.
    fn mount(bytes: u64) -> Result<Tmpfs, String> {
        let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
        let out = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={bytes},mode=0700"), "nyckel-test"])
            .arg(dir.path())
            .output()
            .map_err(|e| format!("cannot run mount: {e}"))?;
        if !out.status.success() {
            return Err(String::from_utf8_lossy(&out.stderr).trim().to_owned());
        }
        Ok(Tmpfs { dir })
    }

    /// The mount, or `None` after printing why the test is skipped (a failure instead when
    /// `NYCKEL_REQUIRE_TMPFS=1`).
    fn or_skip(test: &str, bytes: u64) -> Option<Tmpfs> {
        match Tmpfs::mount(bytes) {
            Ok(fs) => Some(fs),
            Err(why) if std::env::var("NYCKEL_REQUIRE_TMPFS").as_deref() == Ok("1") => {
                panic!("{test}: a tmpfs is required (NYCKEL_REQUIRE_TMPFS=1) but: {why}")
            }
            Err(why) => {
                eprintln!("SKIPPED: {test}: cannot mount a tmpfs for a real full disk ({why}); run as root to test ENOSPC");
                None
            }
        }
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let unmounted = Command::new("umount").arg(self.dir.path()).status();
        if !unmounted.is_ok_and(|s| s.success()) {
            // Something still holds it open (a failing test's vault): detach it now, the
            // kernel frees it when the last user goes.
            let _ = Command::new("umount").arg("-l").arg(self.dir.path()).status();
        }
    }
}

/// The file that takes every free byte of the tmpfs.
struct Filler {
    path: PathBuf,
}

impl Filler {
    fn new(fs: &Tmpfs) -> Filler {
        Filler { path: fs.path().join("filler") }
    }

    /// Takes all free space: writes until the file system says it is full.
    fn fill(&self) {
        let mut file =
            std::fs::OpenOptions::new().create(true).append(true).open(&self.path).unwrap();
        for chunk in [65_536, 4096, 512, 1] {
            let block = vec![0xa5u8; chunk];
            loop {
                match file.write(&block) {
                    Ok(n) if n == chunk => continue,
                    Ok(_) => break,
                    Err(e) if e.kind() == std::io::ErrorKind::StorageFull => break,
                    Err(e) => panic!("filling the tmpfs: {e}"),
                }
            }
        }
    }

    /// Fills the disk, then gives back `bytes` (rounded to the file system's pages).
    fn leave_free(&self, bytes: u64) {
        self.fill();
        let file = std::fs::OpenOptions::new().write(true).open(&self.path).unwrap();
        let len = file.metadata().unwrap().len();
        file.set_len(len.saturating_sub(bytes)).unwrap();
    }

    /// Gives every byte back.
    fn remove(&self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

/// Amounts of free space to leave: none, then one page at a time up to what a batch needs.
const FREE: [u64; 10] = [0, 4096, 8192, 12_288, 16_384, 24_576, 32_768, 49_152, 65_536, 131_072];

fn totp(issuer: &str, name: &str, variant: usize) -> OtpParams {
    let alphabet = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    let mut secret = SECRET.as_bytes().to_vec();
    (secret[0], secret[1], secret[2]) =
        (alphabet[variant % 32], alphabet[variant / 32 % 32], alphabet[variant / 1024 % 32]);
    let uri =
        format!("otpauth://totp/{issuer}:{name}?secret={}", std::str::from_utf8(&secret).unwrap());
    nyckel_core::otpauth::parse(&uri).unwrap().params
}

/// The write paths the test drives.
#[derive(Clone, Copy, Debug)]
enum WritePath {
    Add,
    Hotp,
    Import,
    Rename,
    Delete,
    Passphrase,
    PlatformKey,
}

/// What the vault must hold: the accounts and which passphrase opens it.
struct Model {
    accounts: Vec<Account>,
    passphrase: &'static str,
}

/// The vault as a second handle reads it from the file (unlocked with the passphrase the
/// model says), compared with the model: the accounts by id, issuer, name and counter.
fn assert_file_holds(path: &Path, model: &Model, what: &str) {
    let mut reader = Vault::open(path).unwrap_or_else(|e| panic!("{what}: reopen: {e}"));
    reader
        .unlock_with_passphrase(model.passphrase)
        .unwrap_or_else(|e| panic!("{what}: the acknowledged passphrase: {e}"));
    let summary = |a: &[Account]| -> Vec<(i64, String, String, u64)> {
        a.iter()
            .map(|a| (a.id, a.params.issuer.clone(), a.params.name.clone(), a.params.counter))
            .collect()
    };
    assert_eq!(summary(&reader.accounts().unwrap()), summary(&model.accounts), "{what}");
}

#[test]
fn a_real_full_disk_fails_each_write_typed_and_loses_nothing() {
    let test = "a_real_full_disk_fails_each_write_typed_and_loses_nothing";
    let Some(fs) = Tmpfs::or_skip(test, 4 << 20) else { return };
    let path = fs.path().join("vault.nyckel");
    let filler = Filler::new(&fs);
    let mut vault = Vault::create(&path, PASSPHRASE, KdfParams::FLOOR).unwrap();
    let hotp = nyckel_core::otpauth::parse(&format!("otpauth://hotp/Bank:anna?secret={SECRET}"))
        .unwrap()
        .params;
    let hotp = vault.add(hotp, "", DuplicatePolicy::Reject).unwrap().id;
    for i in 0..8 {
        vault.add(totp("Seed", &format!("u{i}"), 900 + i), "", DuplicatePolicy::Reject).unwrap();
    }
    let protector = SoftwareProtector::generate().unwrap();
    let mut model = Model { accounts: vault.accounts().unwrap(), passphrase: PASSPHRASE };
    // Per write path: how often it failed full, how often it worked.
    let mut tally = [(0u32, 0u32); 7];
    let mut shown_codes: Vec<String> = Vec::new();
    let paths = [
        WritePath::Add,
        WritePath::Hotp,
        WritePath::Import,
        WritePath::Rename,
        WritePath::Delete,
        WritePath::Passphrase,
        WritePath::PlatformKey,
    ];
    for (round, free) in FREE.iter().enumerate() {
        for (k, write) in paths.iter().enumerate() {
            let n = round * paths.len() + k;
            filler.leave_free(*free);
            let victim = model.accounts.iter().rev().find(|a| a.id != hotp).map(|a| a.id);
            let result: Result<(), VaultError> = match write {
                WritePath::Add => vault
                    .add(totp("Add", &format!("a{n}"), n), "", DuplicatePolicy::Reject)
                    .map(drop),
                WritePath::Hotp => vault.next_hotp(hotp).map(|code| {
                    let code = code.value;
                    assert!(!shown_codes.contains(&code), "HOTP code {code} given twice");
                    shown_codes.push(code);
                }),
                WritePath::Import => {
                    let batch: Vec<_> = (0..12)
                        .map(|j| {
                            (totp("Imp", &format!("i{n}-{j}"), 1000 + n * 12 + j), String::new())
                        })
                        .collect();
                    vault.add_batch(batch, |_| true).map(drop)
                }
                WritePath::Rename => {
                    let edit =
                        AccountEdit { name: Some(format!("renamed{n}")), ..Default::default() };
                    vault.update(victim.unwrap(), edit).map(drop)
                }
                WritePath::Delete => vault.delete(victim.unwrap()),
                WritePath::Passphrase => {
                    let next =
                        if model.passphrase == PASSPHRASE { NEW_PASSPHRASE } else { PASSPHRASE };
                    vault.change_passphrase(next, KdfParams::FLOOR)
                }
                WritePath::PlatformKey => vault.add_platform_slot(&protector),
            };
            let what = format!("{write:?} with {free} bytes free");
            match result {
                Ok(()) => {
                    tally[k].1 += 1;
                    if let WritePath::Passphrase = write {
                        model.passphrase = if model.passphrase == PASSPHRASE {
                            NEW_PASSPHRASE
                        } else {
                            PASSPHRASE
                        };
                    }
                    model.accounts = vault.accounts().unwrap();
                }
                Err(VaultError::Storage { fault: StorageFault::DiskFull, .. }) => tally[k].0 += 1,
                Err(e) => panic!("{what}: not the typed full disk: {e:?}"),
            }
            // Still full: what the file holds is what was acknowledged, nothing else.
            assert_file_holds(&path, &model, &what);
            filler.remove();
            assert_file_holds(&path, &model, &format!("{what}, space back"));
        }
    }
    for (write, (failed, worked)) in paths.iter().zip(tally) {
        eprintln!("{write:?}: failed full {failed} times, worked {worked} times");
        assert!(failed > 0 && worked > 0, "{write:?}: the sweep hits both sides");
    }
    // With space back, this handle writes again and the platform key opens what it should.
    vault.add(totp("After", "x", 5000), "", DuplicatePolicy::Reject).unwrap();
    vault.add_platform_slot(&protector).unwrap();
    drop(vault);
    let mut reopened = Vault::open(&path).unwrap();
    reopened.unlock_with_protector(&protector).unwrap();
    assert_eq!(reopened.accounts().unwrap().len(), model.accounts.len() + 1);
}

/// SQLite checkpoints a WAL of 1000 pages or more at the end of a COMMIT, after the commit
/// is durable. A checkpoint that fails there (a full disk while it copies pages into the
/// vault file, which grows) must not be reported as the write's failure — the user would be
/// told "nothing was changed" about a change that was saved. SQLite's default WAL hook
/// ignores the checkpoint's result; this holds it to that: near that size, under a full
/// disk, every write that fails left the file as it was, every one that works is in it, and
/// checkpoints did run (the file grew) while the disk was full.
#[test]
fn a_checkpoint_that_fails_for_space_never_turns_a_saved_write_into_an_error() {
    let test = "a_checkpoint_that_fails_for_space_never_turns_a_saved_write_into_an_error";
    let Some(fs) = Tmpfs::or_skip(test, 24 << 20) else { return };
    let path = fs.path().join("vault.nyckel");
    let wal = fs.path().join("vault.nyckel-wal");
    let filler = Filler::new(&fs);
    let mut vault = Vault::create(&path, PASSPHRASE, KdfParams::FLOOR).unwrap();
    let page: u64 = 4096;
    // Grow the WAL (this handle stays open: nothing checkpoints it) to just below 1000 pages.
    let mut n = 0;
    while std::fs::metadata(&wal).map_or(0, |m| m.len()) < 990 * (page + 24) {
        vault.add(totp("Grow", &format!("g{n}"), n), "", DuplicatePolicy::Reject).unwrap();
        n += 1;
    }
    let (mut failed, mut worked, mut checkpointed_full) = (0, 0, 0);
    for (round, free) in FREE.iter().cycle().take(40).enumerate() {
        filler.leave_free(*free);
        let file_before = std::fs::metadata(&path).unwrap().len();
        let name = format!("c{round}");
        let result = vault.add(totp("Ckpt", &name, 20_000 + round), "", DuplicatePolicy::Reject);
        if std::fs::metadata(&path).unwrap().len() > file_before {
            checkpointed_full += 1;
        }
        filler.remove();
        let mut reader = Vault::open(&path).unwrap();
        reader.unlock_with_passphrase(PASSPHRASE).unwrap();
        let saved = reader.accounts().unwrap().iter().any(|a| a.params.name == name);
        match result {
            Ok(_) => {
                worked += 1;
                assert!(saved, "{name}: acknowledged but not in the file");
            }
            Err(VaultError::Storage { fault: StorageFault::DiskFull, .. }) => {
                failed += 1;
                assert!(!saved, "{name} with {free} bytes free: reported failed, yet saved");
            }
            Err(e) => panic!("{name}: not the typed full disk: {e:?}"),
        }
    }
    eprintln!(
        "near the checkpoint: failed full {failed} times, worked {worked} times, \
         {checkpointed_full} checkpoints grew the file on a full disk"
    );
    assert!(failed > 0 && worked > 0, "the sweep hits both sides");
    assert!(checkpointed_full > 0, "a checkpoint ran while the disk was full");
}
