//! FFI misuse, through the exported API the apps call: every call on a closed vault, every
//! call that needs the key on a locked one, one vault shared by many threads, and platform
//! protectors that throw, return garbage or a key of the wrong length. Each is a typed
//! error and leaves the vault as it was. (A panic inside a call, in the release library the
//! apps ship, is an error in Kotlin and Swift: `PanicTest.kt`, `PanicTests.swift`.)

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use crate::error::{KeyProtectorError, NyckelError};
use crate::otp::OtpKind;
use crate::protector::VaultKeyProtector;
use crate::vault::{kdf_minimum, AccountChanges, ExportVia, ManualAccount, NyckelVault};
use crate::ExportFormat;

const PASSPHRASE: &str = "correct horse";
const SECRET: &str = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ";

/// A vault with a TOTP and a HOTP account, unlocked; returns it, its path and the HOTP id.
fn vault_with_accounts(dir: &tempfile::TempDir) -> (Arc<NyckelVault>, String, i64) {
    let path = dir.path().join("vault.nyckel").display().to_string();
    let v = NyckelVault::create(path.clone(), PASSPHRASE.into(), Some(kdf_minimum())).unwrap();
    v.add_uri(format!("otpauth://totp/RFC:t?secret={SECRET}"), false).unwrap();
    let hotp = v.add_uri(format!("otpauth://hotp/RFC:h?secret={SECRET}&counter=0"), false);
    (v, path, hotp.unwrap().account.id)
}

/// A protector that XOR-wraps correctly (so a platform slot can be enrolled with it).
struct Xor;
impl VaultKeyProtector for Xor {
    fn wrap(&self, vault_key: Vec<u8>) -> Result<Vec<u8>, KeyProtectorError> {
        Ok(vault_key.into_iter().map(|b| b ^ 0x5a).collect())
    }
    fn unwrap(&self, wrapped_key: Vec<u8>) -> Result<Vec<u8>, KeyProtectorError> {
        Ok(wrapped_key.into_iter().map(|b| b ^ 0x5a).collect())
    }
}

/// What the user sees of the vault: accounts and their codes at a fixed time, HOTP
/// counters included.
fn content(v: &NyckelVault) -> Vec<String> {
    let codes = v.codes_at(59).unwrap();
    let mut all: Vec<String> = v
        .accounts()
        .unwrap()
        .iter()
        .map(|a| format!("{} {} {} {} {}", a.id, a.issuer, a.name, a.counter, a.note))
        .collect();
    all.extend(codes.iter().map(|c| c.code.code.clone()));
    all
}

/// Every call that reads or changes the accounts, and its error (`None`: it worked).
fn every_account_call(v: &NyckelVault, hotp: i64) -> Vec<(&'static str, Option<NyckelError>)> {
    let manual = ManualAccount {
        kind: OtpKind::Totp,
        secret: "JBSWY3DPEHPK3PXP".into(),
        issuer: "M".into(),
        name: "m".into(),
        algorithm: None,
        digits: None,
        period: None,
        counter: None,
        note: String::new(),
    };
    let uri = "otpauth://totp/New:x?secret=JBSWY3DPEHPK3PXP".to_owned();
    let list = format!("otpauth://totp/Imp:x?secret={SECRET}A\n").into_bytes();
    let e = |r: Result<(), NyckelError>| r.err();
    vec![
        ("add_uri", e(v.add_uri(uri, true).map(drop))),
        ("add_manual", e(v.add_manual(manual, true).map(drop))),
        ("accounts", e(v.accounts().map(drop))),
        ("account", e(v.account(hotp).map(drop))),
        ("update_account", e(v.update_account(hotp, AccountChanges::default()).map(drop))),
        ("reorder", e(v.reorder(vec![hotp]).map(drop))),
        ("delete_account", e(v.delete_account(hotp))),
        ("codes", e(v.codes().map(drop))),
        ("codes_at", e(v.codes_at(59).map(drop))),
        ("next_hotp_code", e(v.next_hotp_code(hotp).map(drop))),
        ("export_uri", e(v.export_uri(hotp, ExportVia::Uri).map(drop))),
        ("activity", e(v.activity(10).map(drop))),
        ("set_passphrase", e(v.set_passphrase("another one".into(), Some(kdf_minimum())))),
        ("enable_platform_key", e(v.enable_platform_key(Arc::new(Xor)))),
        ("import_file", e(v.import_file(list, None, None, false, false).map(drop))),
        ("export_plan", e(v.export_plan(ExportFormat::Otpauth).map(drop))),
        ("export", e(v.export(ExportFormat::Otpauth, None, None).map(drop))),
        ("auto_backup_key", e(v.auto_backup_key("backup pw".into(), None).map(drop))),
        ("auto_backup", e(v.auto_backup(vec![0; 64]).map(drop))),
    ]
}

#[test]
fn every_call_on_a_closed_vault_is_closed_and_the_file_is_intact() {
    let dir = tempfile::tempdir().unwrap();
    let (v, path, hotp) = vault_with_accounts(&dir);
    v.enable_platform_key(Arc::new(Xor)).unwrap();
    let before = content(&v);
    v.close_vault();
    let mut calls = every_account_call(&v, hotp);
    let e = |r: Result<(), NyckelError>| r.err();
    calls.extend([
        ("is_locked", e(v.is_locked().map(drop))),
        ("unlock_with_passphrase", e(v.unlock_with_passphrase(PASSPHRASE.into()))),
        ("unlock_with_protector", e(v.unlock_with_protector(Arc::new(Xor)))),
        ("has_platform_key", e(v.has_platform_key().map(drop))),
        ("disable_platform_key", e(v.disable_platform_key())),
        ("lock", e(v.lock())),
        ("content_fingerprint", e(v.content_fingerprint().map(drop))),
        ("change_stamp", e(v.change_stamp().map(drop))),
    ]);
    for (name, error) in calls {
        assert_eq!(error, Some(NyckelError::Closed), "{name} after close_vault");
    }
    v.close_vault(); // twice is fine
    let v = NyckelVault::open(path).unwrap();
    v.unlock_with_passphrase(PASSPHRASE.into()).unwrap();
    assert_eq!(content(&v), before);
    assert!(v.has_platform_key().unwrap());
}

#[test]
fn every_call_that_needs_the_key_is_locked_after_lock_and_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let (v, _, hotp) = vault_with_accounts(&dir);
    let before = content(&v);
    let fingerprint = v.content_fingerprint().unwrap();
    v.lock().unwrap();
    for (name, error) in every_account_call(&v, hotp) {
        assert_eq!(error, Some(NyckelError::Locked), "{name} while locked");
    }
    // What needs no key still answers, and says nothing secret.
    assert!(v.is_locked().unwrap());
    assert!(!v.has_platform_key().unwrap());
    assert_eq!(v.content_fingerprint().unwrap(), fingerprint, "nothing was written");
    v.lock().unwrap(); // locking twice is fine
    v.unlock_with_passphrase(PASSPHRASE.into()).unwrap();
    assert_eq!(content(&v), before);
}

/// Eight threads add, show HOTP codes, read codes, lock and unlock one vault at once: every
/// call either works or is `Locked`, no HOTP code is shown twice or skipped, nothing added
/// is lost, and the vault is consistent afterwards.
#[test]
fn many_threads_on_one_vault_never_corrupt_it_or_repeat_a_code() {
    let dir = tempfile::tempdir().unwrap();
    let (v, path, hotp) = vault_with_accounts(&dir);
    let (threads, rounds) = (8, 12);
    let shown = Arc::new(Mutex::new(Vec::<String>::new()));
    let added = Arc::new(AtomicUsize::new(0));
    let workers: Vec<_> = (0..threads)
        .map(|t| {
            let (v, shown, added) = (v.clone(), shown.clone(), added.clone());
            std::thread::spawn(move || {
                for r in 0..rounds {
                    let ok_or_locked = |e: NyckelError| assert_eq!(e, NyckelError::Locked);
                    match t {
                        0 if r % 3 == 0 => v.lock().unwrap(),
                        1 if r % 3 == 1 => v.unlock_with_passphrase(PASSPHRASE.into()).unwrap(),
                        _ => {
                            let secret: String = (0..32)
                                .map(|j| (b'A' + ((t * 31 + r * 7 + j * 5) % 26) as u8) as char)
                                .collect();
                            let uri = format!("otpauth://totp/T{t}:r{r}?secret={secret}");
                            match v.add_uri(uri, true) {
                                Ok(_) => drop(added.fetch_add(1, Ordering::SeqCst)),
                                Err(e) => ok_or_locked(e),
                            }
                            match v.next_hotp_code(hotp) {
                                Ok(c) => shown.lock().unwrap().push(c.code),
                                Err(e) => ok_or_locked(e),
                            }
                            v.codes().map(drop).unwrap_or_else(ok_or_locked);
                        }
                    }
                }
            })
        })
        .collect();
    for w in workers {
        w.join().expect("no call panicked");
    }
    v.unlock_with_passphrase(PASSPHRASE.into()).unwrap();
    let shown = shown.lock().unwrap().clone();
    let counter = v.account(hotp).unwrap().counter;
    assert_eq!(shown.len() as u64, counter, "one counter step per code shown");
    let mut unique = shown.clone();
    unique.sort();
    unique.dedup();
    // Distinct counters give distinct codes here (the first 100 RFC 4226 codes differ).
    assert_eq!(unique.len(), shown.len(), "a HOTP code was shown twice");
    let accounts = v.accounts().unwrap().len();
    assert_eq!(accounts, 2 + added.load(Ordering::SeqCst));
    v.close_vault();
    let v = NyckelVault::open(path).unwrap();
    v.unlock_with_passphrase(PASSPHRASE.into()).unwrap();
    assert_eq!(v.accounts().unwrap().len(), accounts);
}

/// A platform protector that misbehaves in one way.
#[derive(Debug)]
enum Fault {
    Throws(KeyProtectorError),
    Returns(Vec<u8>),
}

struct Faulty(Fault);
impl VaultKeyProtector for Faulty {
    fn wrap(&self, vault_key: Vec<u8>) -> Result<Vec<u8>, KeyProtectorError> {
        self.unwrap(vault_key)
    }
    fn unwrap(&self, _: Vec<u8>) -> Result<Vec<u8>, KeyProtectorError> {
        match &self.0 {
            Fault::Throws(e) => Err(e.clone()),
            Fault::Returns(bytes) => Ok(bytes.clone()),
        }
    }
}

/// Each fault with the error it gives when enrolling the platform key and when unlocking.
fn faults() -> Vec<(Fault, NyckelError, NyckelError)> {
    let protector = || NyckelError::KeyProtector { reason: String::new() };
    let failed = KeyProtectorError::Failed { reason: "keystore crashed".into() };
    let unavailable = KeyProtectorError::Unavailable { reason: "hardware busy".into() };
    let same = |e: NyckelError| (e.clone(), e);
    let mut all: Vec<(Fault, (NyckelError, NyckelError))> = vec![
        (Fault::Throws(KeyProtectorError::UserCancelled), same(NyckelError::UserCancelled)),
        (Fault::Throws(KeyProtectorError::KeyInvalidated), same(NyckelError::KeyInvalidated)),
        (Fault::Throws(unavailable), same(NyckelError::KeyUnavailable { reason: String::new() })),
        (Fault::Throws(failed), same(protector())),
    ];
    // Garbage, keys of the wrong length, a wrong key: enrolling checks that `unwrap` gives
    // the key back, so none is ever stored; unlocking reads any key that does not fit as a
    // platform key that changed (the app offers the passphrase and enrolling again).
    for garbage in [vec![], vec![7; 16], vec![7; 31], vec![7; 32], vec![7; 33], vec![7; 4096]] {
        all.push((Fault::Returns(garbage), (protector(), NyckelError::KeyInvalidated)));
    }
    all.into_iter().map(|(fault, (enroll, unlock))| (fault, enroll, unlock)).collect()
}

/// Compares error variants (the reasons are for logs).
fn same_kind(a: &NyckelError, b: &NyckelError) -> bool {
    std::mem::discriminant(a) == std::mem::discriminant(b)
}

#[test]
fn misbehaving_platform_protectors_are_typed_errors_and_the_vault_stays_intact() {
    let dir = tempfile::tempdir().unwrap();
    let (v, path, _) = vault_with_accounts(&dir);
    let before = content(&v);
    // Enrolling a platform key with a faulty protector stores nothing.
    for (fault, expected, _) in faults() {
        let shown = format!("{fault:?}: {expected:?}");
        let error = v.enable_platform_key(Arc::new(Faulty(fault))).unwrap_err();
        assert!(same_kind(&error, &expected), "{shown}: {error:?}");
        assert!(!v.has_platform_key().unwrap(), "{shown}");
        assert!(!v.is_locked().unwrap());
    }
    // With a good platform key enrolled, a faulty unwrap leaves the vault locked.
    v.enable_platform_key(Arc::new(Xor)).unwrap();
    v.lock().unwrap();
    for (fault, _, expected) in faults() {
        let shown = format!("{fault:?}");
        let error = v.unlock_with_protector(Arc::new(Faulty(fault))).unwrap_err();
        assert!(same_kind(&error, &expected), "{shown}: {expected:?}, got {error:?}");
        assert!(v.is_locked().unwrap());
        assert_eq!(v.accounts(), Err(NyckelError::Locked));
    }
    // The passphrase and the good platform key still open it, with everything in it.
    v.unlock_with_protector(Arc::new(Xor)).unwrap();
    assert_eq!(content(&v), before);
    v.close_vault();
    let v = NyckelVault::open(path).unwrap();
    v.unlock_with_passphrase(PASSPHRASE.into()).unwrap();
    assert_eq!(content(&v), before);
}
