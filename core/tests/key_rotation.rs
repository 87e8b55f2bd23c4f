//! Key rotation interrupted: a process changing the vault's passphrase, or replacing its
//! platform key, is killed (SIGKILL) at points spread over the whole change (open, unlock,
//! derive or wrap with the new key, replace the slot). Afterwards the vault opens with exactly
//! one of the two passphrases or platform keys — the new one whenever the change was reported
//! done — never with neither, and holds what it held.

#![cfg(unix)]

use std::path::Path;
use std::time::Instant;

use nyckel_core::vault::{
    DuplicatePolicy, KdfParams, KeyProtector, ProtectorError, Vault, VaultError,
};

const PASSPHRASES: [&str; 2] = ["the first passphrase", "the second passphrase"];
const CHILD_TEST: &str = "child_process_changing_the_passphrase";
const CHILD_VAULT: &str = "NYCKEL_TEST_ROTATE_VAULT";
const CHILD_FROM: &str = "NYCKEL_TEST_ROTATE_FROM";

/// Runs only as a child process of the test below: changes the vault's passphrase from
/// `PASSPHRASES[from]` to the other one.
#[test]
#[ignore = "runs as a child process of the rotation test"]
fn child_process_changing_the_passphrase() {
    let path = std::env::var_os(CHILD_VAULT).expect("run by the rotation test");
    let from: usize = std::env::var(CHILD_FROM).unwrap().parse().unwrap();
    let mut vault = Vault::open(Path::new(&path)).unwrap();
    vault.unlock_with_passphrase(PASSPHRASES[from]).unwrap();
    vault.change_passphrase(PASSPHRASES[1 - from], KdfParams::FLOOR).unwrap();
}

/// This test binary, run as a child rotating the passphrase of `path` away from `from`.
fn child(path: &Path, from: usize) -> std::process::Command {
    let mut command = std::process::Command::new(std::env::current_exe().unwrap());
    command
        .args(["--exact", CHILD_TEST, "--ignored", "--nocapture", "--test-threads=1"])
        .env(CHILD_VAULT, path)
        .env(CHILD_FROM, from.to_string())
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null());
    command
}

/// Which of the two passphrases open the vault.
fn opening(path: &Path) -> Vec<usize> {
    let mut vault = Vault::open(path).unwrap();
    (0..2)
        .filter(|&i| match vault.unlock_with_passphrase(PASSPHRASES[i]) {
            Ok(()) => {
                vault.lock();
                true
            }
            Err(VaultError::WrongPassphrase) => false,
            Err(e) => panic!("a typed error other than a wrong passphrase: {e}"),
        })
        .collect()
}

#[test]
fn a_killed_passphrase_change_leaves_the_old_or_the_new_passphrase_working() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("vault.nyckel");
    let mut vault = Vault::create(&path, PASSPHRASES[0], KdfParams::FLOOR).unwrap();
    let uri = "otpauth://totp/Bank:anna?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ";
    vault.add_uri(uri, DuplicatePolicy::Reject).unwrap();
    let accounts = vault.accounts().unwrap();
    drop(vault);

    // How long a whole change takes in a child, to spread the kills over it.
    let started = Instant::now();
    assert!(child(&path, 0).status().unwrap().success());
    let whole = started.elapsed();
    let mut current = 1;
    assert_eq!(opening(&path), [current]);

    const KILLS: u32 = 16;
    let (mut old, mut new) = (0, 0);
    for i in 0..KILLS {
        let mut process = child(&path, current).spawn().unwrap();
        std::thread::sleep(whole.mul_f64(f64::from(i) / f64::from(KILLS - 3)));
        let _ = process.kill(); // SIGKILL; a no-op once it exited
        let finished = process.wait().unwrap().success();
        let now = opening(&path);
        assert_eq!(now.len(), 1, "kill {i}: opened by {now:?}");
        if now[0] == current {
            assert!(!finished, "kill {i}: the change was done but the old passphrase opens");
            old += 1;
        } else {
            new += 1;
        }
        current = now[0];
        let mut vault = Vault::open(&path).unwrap();
        vault.unlock_with_passphrase(PASSPHRASES[current]).unwrap();
        assert_eq!(vault.accounts().unwrap(), accounts, "kill {i}");
    }
    assert!(old > 0, "some kills came before the change was made");
    assert!(new > 0, "some changes were made");
}

// ---- Replacing the platform key ----

const PLATFORM_CHILD_TEST: &str = "child_process_replacing_the_platform_key";
const CHILD_KEY: &str = "NYCKEL_TEST_ROTATE_KEY";

/// A platform key store that survives the process, as Keystore/Keychain keys do: platform
/// key `n` wraps by XOR with a pad derived from `n` and tags the result with `n`; a blob of
/// another key does not unwrap (`KeyInvalidated`, as a replaced Keystore key). Each call
/// takes a moment, as a biometric prompt would, so kills land inside them too.
struct PlatformKey(u8);

impl PlatformKey {
    fn pad(&self, i: usize) -> u8 {
        (i as u8).wrapping_mul(31).wrapping_add(self.0.wrapping_mul(97)) ^ 0x5a
    }
}

impl KeyProtector for PlatformKey {
    fn wrap(&self, key: Vec<u8>) -> Result<Vec<u8>, ProtectorError> {
        std::thread::sleep(std::time::Duration::from_millis(15));
        let mut out = vec![self.0];
        out.extend(key.iter().enumerate().map(|(i, b)| b ^ self.pad(i)));
        Ok(out)
    }

    fn unwrap(&self, wrapped: Vec<u8>) -> Result<Vec<u8>, ProtectorError> {
        std::thread::sleep(std::time::Duration::from_millis(15));
        match wrapped.split_first() {
            Some((&tag, key)) if tag == self.0 => {
                Ok(key.iter().enumerate().map(|(i, b)| b ^ self.pad(i)).collect())
            }
            _ => Err(ProtectorError::KeyInvalidated),
        }
    }
}

/// Runs only as a child process of the test below: unlocks with platform key `from` and
/// replaces it with key `from + 1` (`enable_platform_key` on a phone).
#[test]
#[ignore = "runs as a child process of the platform key rotation test"]
fn child_process_replacing_the_platform_key() {
    let path = std::env::var_os(CHILD_VAULT).expect("run by the rotation test");
    let from: u8 = std::env::var(CHILD_KEY).unwrap().parse().unwrap();
    let mut vault = Vault::open(Path::new(&path)).unwrap();
    vault.unlock_with_protector(&PlatformKey(from)).unwrap();
    vault.add_platform_slot(&PlatformKey(from.wrapping_add(1))).unwrap();
}

fn platform_child(path: &Path, from: u8) -> std::process::Command {
    let mut command = std::process::Command::new(std::env::current_exe().unwrap());
    command
        .args(["--exact", PLATFORM_CHILD_TEST, "--ignored", "--nocapture", "--test-threads=1"])
        .env(CHILD_VAULT, path)
        .env(CHILD_KEY, from.to_string())
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null());
    command
}

/// Which of platform keys `current` and `current + 1` unlock the vault.
fn platform_keys_opening(path: &Path, current: u8) -> Vec<u8> {
    let mut vault = Vault::open(path).unwrap();
    [current, current.wrapping_add(1)]
        .into_iter()
        .filter(|&k| match vault.unlock_with_protector(&PlatformKey(k)) {
            Ok(()) => {
                vault.lock();
                true
            }
            Err(VaultError::Protector(ProtectorError::KeyInvalidated)) => false,
            Err(e) => panic!("a typed error other than an invalidated key: {e}"),
        })
        .collect()
}

/// The phone's default vault has no passphrase: the platform slot is the only way in. A
/// replacement of the platform key killed anywhere (opening, the old key's unwrap, the new
/// key's wrap and check, the slot's replacement) leaves exactly one of the two keys opening
/// it — the new one whenever the replacement was reported done — and everything in it.
#[test]
fn a_killed_platform_key_replacement_leaves_the_old_or_the_new_key_working() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("vault.nyckel");
    let mut vault = Vault::create_with_protector(&path, &PlatformKey(0)).unwrap();
    let uri = "otpauth://hotp/Bank:anna?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&counter=5";
    vault.add_uri(uri, DuplicatePolicy::Reject).unwrap();
    let accounts = vault.accounts().unwrap();
    drop(vault);

    let started = Instant::now();
    assert!(platform_child(&path, 0).status().unwrap().success());
    let whole = started.elapsed();
    let mut current = 1u8;
    assert_eq!(platform_keys_opening(&path, current), [current]);

    const KILLS: u32 = 16;
    let (mut old, mut new) = (0, 0);
    for i in 0..KILLS {
        let mut process = platform_child(&path, current).spawn().unwrap();
        std::thread::sleep(whole.mul_f64(f64::from(i) / f64::from(KILLS - 3)));
        let _ = process.kill(); // SIGKILL; a no-op once it exited
        let finished = process.wait().unwrap().success();
        let now = platform_keys_opening(&path, current);
        assert_eq!(now.len(), 1, "kill {i}: opened by platform keys {now:?}");
        if now[0] == current {
            assert!(!finished, "kill {i}: the replacement was done but the old key opens");
            old += 1;
        } else {
            new += 1;
        }
        current = now[0];
        let mut vault = Vault::open(&path).unwrap();
        vault.unlock_with_protector(&PlatformKey(current)).unwrap();
        assert_eq!(vault.accounts().unwrap(), accounts, "kill {i}");
    }
    assert!(old > 0, "some kills came before the replacement was made");
    assert!(new > 0, "some replacements were made");
}
