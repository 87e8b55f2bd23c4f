//! Key rotation interrupted: a process changing the vault's passphrase is killed (SIGKILL) at
//! points spread over the whole change (open, unlock, derive the new key-encryption key,
//! replace the slot). Afterwards the vault opens with exactly one of the two passphrases —
//! the new one whenever the change was reported done — never with neither, and holds what it
//! held.

#![cfg(unix)]

use std::path::Path;
use std::time::Instant;

use nyckel_core::vault::{DuplicatePolicy, KdfParams, Vault, VaultError};

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
