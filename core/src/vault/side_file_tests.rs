//! Opening an existing vault next to side files (`-wal`, `-shm`, `-journal`) that are not its
//! owner's own: refused before SQLite reads them, the vault untouched; the vault's own side
//! files (including the read-only ones an earlier version left) open as before.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use super::create::{side_file, SIDE_FILES};
use super::*;
use crate::clock::{Clock, SystemClock};
use crate::otpauth::{OtpKind, OtpParams};
use crate::secret::Secret;

const PASS: &str = "side file tests passphrase";
/// A uid that is not root's nor the test's (`nobody` on most systems).
const OTHER_UID: u32 = 65534;

/// A closed vault with one HOTP account at counter 0 (checkpointed: no `-wal` left).
fn closed_vault(dir: &tempfile::TempDir) -> PathBuf {
    let path = dir.path().join("vault.nyckel");
    let mut v = Vault::create(&path, PASS, KdfParams::FLOOR).unwrap();
    let params = OtpParams {
        kind: OtpKind::Hotp,
        ..OtpParams::totp(Secret::new(b"12345678901234567890".to_vec()), "Bank", "anna")
    };
    v.add(params, "", DuplicatePolicy::Reject).unwrap();
    drop(v);
    path
}

fn set_mode(path: &Path, mode: u32) {
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

fn mode_of(path: &Path) -> u32 {
    std::fs::symlink_metadata(path).unwrap().permissions().mode() & 0o777
}

/// Every way of opening `path` is refused with `AlreadyExists` naming `side`, and neither
/// the vault nor `side` changes.
fn assert_refused(path: &Path, side: &Path, what: &str) {
    let vault_before = std::fs::read(path).unwrap();
    let side_before = std::fs::symlink_metadata(side).unwrap();
    let side_bytes = std::fs::read(side).ok();
    let names = |e: &VaultError| matches!(e, VaultError::AlreadyExists(p) if Path::new(p).file_name() == side.file_name());
    let e = Vault::open(path).unwrap_err();
    assert!(names(&e), "{what}: {e:?}");
    assert!(e.to_string().contains("refusing to overwrite or use it"), "{what}: {e}");
    let clock = || SystemClock.now() + 60; // the stamp is settled: the fast path is taken
    let stamp = FileStamp::of(path);
    let e = Vault::open_unless_unchanged(path, stamp.as_ref(), &clock).unwrap_err();
    assert!(names(&e), "{what}, with an unchanged stamp: {e:?}");
    assert_eq!(std::fs::read(path).unwrap(), vault_before, "{what}: the vault is untouched");
    let side_after = std::fs::symlink_metadata(side).unwrap();
    assert_eq!(side_after.permissions().mode(), side_before.permissions().mode(), "{what}");
    assert_eq!(std::fs::read(side).ok(), side_bytes, "{what}: the side file is untouched");
    for other in SIDE_FILES.map(|s| side_file(path, s)) {
        assert!(other == side || other.symlink_metadata().is_err(), "{what}: {other:?} created");
    }
}

#[test]
fn side_files_writable_by_group_or_others_are_refused_on_open() {
    for suffix in SIDE_FILES {
        for mode in [0o666, 0o620, 0o602] {
            let dir = tempfile::tempdir().unwrap();
            let path = closed_vault(&dir);
            let side = side_file(&path, suffix);
            std::fs::write(&side, b"a planted journal").unwrap();
            set_mode(&side, mode);
            assert_refused(&path, &side, &format!("{suffix} {mode:o}"));
            // Once it is gone, the vault opens and its counter is where it was.
            std::fs::remove_file(&side).unwrap();
            let mut v = Vault::open(&path).unwrap();
            v.unlock_with_passphrase(PASS).unwrap();
            assert_eq!(v.next_hotp(1).unwrap().value, "755224", "{suffix}: counter 0");
        }
    }
}

#[test]
fn side_files_of_another_owner_are_refused_on_open() {
    let dir = tempfile::tempdir().unwrap();
    let path = closed_vault(&dir);
    for suffix in SIDE_FILES {
        let side = side_file(&path, suffix);
        std::fs::write(&side, b"another user's journal").unwrap();
        set_mode(&side, 0o600);
        if let Err(e) = std::os::unix::fs::chown(&side, Some(OTHER_UID), None) {
            // Only root may give a file away: ownership cannot be checked here.
            eprintln!(
                "SKIPPED: side_files_of_another_owner_are_refused_on_open: cannot chown a file \
                 to uid {OTHER_UID} ({e}); run the tests as root to check ownership"
            );
            return;
        }
        assert_refused(&path, &side, suffix);
        // The read-only path (a vault without write permission) refuses it too.
        set_mode(&path, 0o400);
        assert!(matches!(Vault::open(&path), Err(VaultError::AlreadyExists(_))), "{suffix}");
        set_mode(&path, 0o600);
        std::fs::remove_file(&side).unwrap();
    }
    Vault::open(&path).unwrap().unlock_with_passphrase(PASS).unwrap();
}

#[test]
fn a_symlinked_side_file_is_refused_on_open() {
    let dir = tempfile::tempdir().unwrap();
    let path = closed_vault(&dir);
    let target = dir.path().join("elsewhere");
    std::fs::write(&target, b"").unwrap();
    set_mode(&target, 0o600);
    for suffix in SIDE_FILES {
        let side = side_file(&path, suffix);
        std::os::unix::fs::symlink(&target, &side).unwrap();
        assert_refused(&path, &side, &format!("{suffix} -> a file of the owner's"));
        std::fs::remove_file(&target).unwrap();
        assert_refused(&path, &side, &format!("{suffix} -> nothing"));
        assert!(!target.exists(), "{suffix}: SQLite did not create the link's target");
        std::fs::remove_file(&side).unwrap();
        std::fs::write(&target, b"").unwrap();
    }
}

/// The side files are checked where SQLite puts them: next to the file a symlinked vault
/// path resolves to.
#[test]
fn the_side_files_of_a_symlinked_vault_are_checked_next_to_its_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = closed_vault(&dir);
    let link = dir.path().join("link.nyckel");
    std::os::unix::fs::symlink(&path, &link).unwrap();
    Vault::open(&link).unwrap().unlock_with_passphrase(PASS).unwrap();
    let side = side_file(&path, "-wal");
    std::fs::write(&side, b"a planted journal").unwrap();
    set_mode(&side, 0o666);
    assert!(
        matches!(Vault::open(&link), Err(VaultError::AlreadyExists(p)) if p.ends_with("vault.nyckel-wal"))
    );
}

/// The vault's own side files open as they always did: a second handle while the first one
/// has them open, a vault its owner made readable by others (SQLite gives the side files the
/// vault's mode), and the read-only ones an earlier version left (repaired).
#[test]
fn the_vaults_own_side_files_open_as_before() {
    let dir = tempfile::tempdir().unwrap();
    let path = closed_vault(&dir);
    let mut first = Vault::open(&path).unwrap();
    first.unlock_with_passphrase(PASS).unwrap();
    assert_eq!(first.next_hotp(1).unwrap().value, "755224");
    assert!(side_file(&path, "-wal").exists() && side_file(&path, "-shm").exists());
    let mut second = Vault::open(&path).unwrap();
    second.unlock_with_passphrase(PASS).unwrap();
    assert_eq!(second.next_hotp(1).unwrap().value, "287082", "counter 1, seen through the WAL");
    drop((first, second));

    for mode in [0o644, 0o664] {
        set_mode(&path, mode);
        let mut v = Vault::open(&path).unwrap();
        v.unlock_with_passphrase(PASS).unwrap();
        v.next_hotp(1).unwrap();
        let again = Vault::open(&path).unwrap(); // while `v` holds its side files open
        for s in ["-wal", "-shm"] {
            assert_eq!(mode_of(&side_file(&path, s)), mode, "{s} has the vault's mode");
        }
        drop((v, again));
    }
    set_mode(&path, 0o600);

    // What reading a read-only vault left before: the owner's side files without write.
    for s in ["-wal", "-shm"] {
        std::fs::write(side_file(&path, s), b"").unwrap();
        set_mode(&side_file(&path, s), 0o400);
    }
    let mut v = Vault::open(&path).unwrap();
    assert!(!v.is_read_only());
    v.unlock_with_passphrase(PASS).unwrap();
    assert_eq!(v.next_hotp(1).unwrap().value, "338314", "counter 4 after four codes");
}
