//! Vault behaviour: persistence, sealing, key slots, and hostile files.

use std::path::{Path, PathBuf};

use super::*;
use crate::otpauth::{Algorithm, OtpKind, OtpParams};
use crate::secret::Secret;
use zeroize::Zeroizing;

const PASS: &str = "correct horse battery staple";
const RFC_SECRET: &[u8] = b"12345678901234567890";

fn new_vault(dir: &tempfile::TempDir) -> (Vault, PathBuf) {
    let path = dir.path().join("vault.nyckel");
    (Vault::create(&path, PASS, KdfParams::FLOOR).unwrap(), path)
}

fn totp(secret: &[u8], issuer: &str, name: &str) -> OtpParams {
    OtpParams::totp(Secret::new(secret.to_vec()), issuer, name)
}

fn hotp(counter: u64) -> OtpParams {
    OtpParams { kind: OtpKind::Hotp, counter, ..totp(RFC_SECRET, "Bank", "anna") }
}

fn reopen(path: &Path) -> Vault {
    let mut v = Vault::open(path).unwrap();
    v.unlock_with_passphrase(PASS).unwrap();
    v
}

/// The vault file and its WAL, byte for byte.
fn file_bytes(path: &Path) -> Vec<u8> {
    let mut all = std::fs::read(path).unwrap();
    if let Ok(wal) = std::fs::read(format!("{}-wal", path.display())) {
        all.extend(wal);
    }
    all
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

#[test]
fn accounts_persist_across_reopen() {
    let dir = tempfile::tempdir().unwrap();
    let (mut v, path) = new_vault(&dir);
    let a = v
        .add(
            totp(RFC_SECRET, "Region Skåne", "anna@skane.se"),
            "work phone",
            DuplicatePolicy::Reject,
        )
        .unwrap();
    drop(v);
    let v = reopen(&path);
    let got = v.account(a.id).unwrap();
    assert_eq!(got.params, a.params);
    assert_eq!(got.note, "work phone");
    assert_eq!(v.accounts().unwrap().len(), 1);
}

#[test]
fn nothing_readable_is_stored_in_clear() {
    let dir = tempfile::tempdir().unwrap();
    let (mut v, path) = new_vault(&dir);
    let secret = b"unmistakable-secret-bytes!";
    let params = totp(secret, "Göteborgs Stad", "unique.user.name@example.se");
    let b32 = params.secret.to_base32();
    v.add(params, "a distinctive note", DuplicatePolicy::Reject).unwrap();
    v.update(1, AccountEdit { name: Some("renamed.person".into()), ..Default::default() }).unwrap();
    drop(v);
    let bytes = file_bytes(&path);
    for needle in [
        "Göteborgs".as_bytes(),
        b"unique.user",
        b"renamed.person",
        b"distinctive",
        secret,
        b32.as_bytes(),
        PASS.as_bytes(),
    ] {
        assert!(
            !contains(&bytes, needle),
            "{:?} found in the vault file",
            String::from_utf8_lossy(needle)
        );
    }
}

#[test]
fn wrong_passphrase_is_typed_and_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let (mut v, path) = new_vault(&dir);
    v.add(totp(RFC_SECRET, "A", "b"), "", DuplicatePolicy::Reject).unwrap();
    drop(v);
    let before = file_bytes(&path);
    let mut v = Vault::open(&path).unwrap();
    assert!(matches!(v.unlock_with_passphrase("wrong"), Err(VaultError::WrongPassphrase)));
    assert!(v.is_locked());
    assert!(matches!(v.accounts(), Err(VaultError::Locked)));
    drop(v);
    assert_eq!(before, file_bytes(&path));
}

#[test]
fn lock_wipes_access_until_unlocked_again() {
    let dir = tempfile::tempdir().unwrap();
    let (mut v, _) = new_vault(&dir);
    v.add(totp(RFC_SECRET, "A", "b"), "", DuplicatePolicy::Reject).unwrap();
    v.lock();
    assert!(matches!(v.accounts(), Err(VaultError::Locked)));
    assert!(matches!(
        v.add(totp(b"another secret 1234", "A", "c"), "", DuplicatePolicy::Reject),
        Err(VaultError::Locked)
    ));
    assert!(matches!(v.codes_at(59), Err(VaultError::Locked)));
    v.unlock_with_passphrase(PASS).unwrap();
    assert_eq!(v.accounts().unwrap().len(), 1);
}

#[test]
fn swapped_rows_are_detected() {
    let dir = tempfile::tempdir().unwrap();
    let (mut v, path) = new_vault(&dir);
    v.add(totp(b"first secret 123456", "A", "a"), "", DuplicatePolicy::Reject).unwrap();
    v.add(totp(b"second secret 12345", "B", "b"), "", DuplicatePolicy::Reject).unwrap();
    drop(v);
    let conn = rusqlite::Connection::open(&path).unwrap();
    conn.execute_batch(
        "UPDATE accounts SET sealed = (SELECT sealed FROM accounts WHERE id = 2) WHERE id = 1;",
    )
    .unwrap();
    drop(conn);
    let v = reopen(&path);
    assert!(matches!(v.account(1), Err(VaultError::Corrupt(_))));
    assert!(v.account(2).is_ok());
}

#[test]
fn a_record_moved_to_another_vault_does_not_open() {
    let dir = tempfile::tempdir().unwrap();
    let (mut one, p1) = new_vault(&dir);
    let p2 = dir.path().join("other.nyckel");
    let mut two = Vault::create(&p2, PASS, KdfParams::FLOOR).unwrap();
    one.add(totp(b"first secret 123456", "A", "a"), "", DuplicatePolicy::Reject).unwrap();
    two.add(totp(b"other secret 123456", "B", "b"), "", DuplicatePolicy::Reject).unwrap();
    drop((one, two));
    let conn = rusqlite::Connection::open(&p2).unwrap();
    conn.execute("ATTACH ?1 AS one", [p1.to_str().unwrap()]).unwrap();
    conn.execute_batch("UPDATE main.accounts SET sealed = (SELECT sealed FROM one.accounts WHERE id = 1) WHERE id = 1;").unwrap();
    drop(conn);
    assert!(matches!(reopen(&p2).account(1), Err(VaultError::Corrupt(_))));
}

#[test]
fn flipped_bits_in_a_record_are_detected() {
    let dir = tempfile::tempdir().unwrap();
    let (mut v, path) = new_vault(&dir);
    v.add(totp(RFC_SECRET, "A", "a"), "", DuplicatePolicy::Reject).unwrap();
    drop(v);
    let conn = rusqlite::Connection::open(&path).unwrap();
    let mut sealed: Vec<u8> =
        conn.query_row("SELECT sealed FROM accounts WHERE id = 1", [], |r| r.get(0)).unwrap();
    for i in [0, 11, 12, sealed.len() - 1] {
        // nonce, nonce end, ciphertext start, tag end
        sealed[i] ^= 0x40;
        conn.execute("UPDATE accounts SET sealed = ?1 WHERE id = 1", [&sealed]).unwrap();
        drop(reopen(&path).account(1).expect_err("tampering must be detected"));
        sealed[i] ^= 0x40;
    }
}

#[test]
fn hostile_files_get_typed_errors_and_stay_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let (mut v, vault_path) = new_vault(&dir);
    v.add(totp(RFC_SECRET, "A", "a"), "", DuplicatePolicy::Reject).unwrap();
    drop(v);
    let vault_bytes = std::fs::read(&vault_path).unwrap();

    let cases: Vec<(&str, Vec<u8>)> = vec![
        ("empty", vec![]),
        ("random", (0..8192u32).map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8).collect()),
        ("text", b"otpauth://totp/not-a-vault?secret=AAAA".to_vec()),
        ("truncated", vault_bytes[..vault_bytes.len() / 2].to_vec()),
        ("header only", vault_bytes[..100].to_vec()),
    ];
    for (name, bytes) in cases {
        let path = dir.path().join(format!("{name}.bin"));
        std::fs::write(&path, &bytes).unwrap();
        let err = Vault::open(&path).and_then(|mut v| v.unlock_with_passphrase(PASS).map(|_| v));
        assert!(
            matches!(err, Err(VaultError::NotAVault(_) | VaultError::Corrupt(_))),
            "{name}: {err:?}"
        );
        assert_eq!(std::fs::read(&path).unwrap(), bytes, "{name} was modified");
    }

    let foreign = dir.path().join("foreign.sqlite");
    rusqlite::Connection::open(&foreign)
        .unwrap()
        .execute_batch("CREATE TABLE notes (x); INSERT INTO notes VALUES (1);")
        .unwrap();
    let before = std::fs::read(&foreign).unwrap();
    assert!(matches!(Vault::open(&foreign), Err(VaultError::NotAVault(_))));
    assert_eq!(std::fs::read(&foreign).unwrap(), before);

    assert!(matches!(Vault::open(&dir.path().join("missing")), Err(VaultError::NoVault(_))));
    assert!(matches!(
        Vault::create(&foreign, PASS, KdfParams::FLOOR),
        Err(VaultError::AlreadyExists(_))
    ));
    assert_eq!(std::fs::read(&foreign).unwrap(), before);
}

#[test]
fn a_vault_from_the_future_is_refused_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let (v, path) = new_vault(&dir);
    drop(v);
    rusqlite::Connection::open(&path)
        .unwrap()
        .pragma_update(None, "user_version", SCHEMA_VERSION + 1)
        .unwrap();
    let before = file_bytes(&path);
    assert!(matches!(Vault::open(&path), Err(VaultError::TooNew { .. })));
    assert_eq!(before, file_bytes(&path));
}

#[test]
fn absurd_kdf_parameters_in_a_file_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let (v, path) = new_vault(&dir);
    drop(v);
    let conn = rusqlite::Connection::open(&path).unwrap();
    let params: String = conn.query_row("SELECT params FROM key_slots", [], |r| r.get(0)).unwrap();
    let huge = params.replace(
        &format!("\"memory_kib\":{}", KdfParams::FLOOR.memory_kib),
        "\"memory_kib\":4294967295",
    );
    assert_ne!(huge, params);
    conn.execute("UPDATE key_slots SET params = ?1", [&huge]).unwrap();
    let mut v = Vault::open(&path).unwrap();
    assert!(matches!(v.unlock_with_passphrase(PASS), Err(VaultError::Corrupt(_))));
}

#[test]
fn weak_kdf_and_empty_passphrase_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("v");
    let weak = KdfParams { memory_kib: 4096, ..KdfParams::FLOOR };
    assert!(matches!(Vault::create(&path, PASS, weak), Err(VaultError::InvalidInput(_))));
    assert!(matches!(Vault::create(&path, "", KdfParams::FLOOR), Err(VaultError::InvalidInput(_))));
    assert!(!path.exists(), "a refused create leaves no file");
}

#[test]
fn platform_slot_unlocks_and_a_foreign_key_is_reported_as_invalidated() {
    let dir = tempfile::tempdir().unwrap();
    let (mut v, path) = new_vault(&dir);
    let protector = SoftwareProtector::generate().unwrap();
    v.add_platform_slot(&protector).unwrap();
    drop(v);
    let mut v = Vault::open(&path).unwrap();
    assert!(v.has_platform_slot().unwrap());
    v.unlock_with_protector(&protector).unwrap();
    v.lock();
    let stranger = SoftwareProtector::generate().unwrap();
    assert!(matches!(
        v.unlock_with_protector(&stranger),
        Err(VaultError::Protector(ProtectorError::KeyInvalidated))
    ));
    // The passphrase still works: a lost platform key never loses the vault.
    v.unlock_with_passphrase(PASS).unwrap();
    v.remove_platform_slot().unwrap();
    assert!(matches!(v.platform_wrapped_key(), Err(VaultError::NoPlatformSlot)));
}

/// A protector that returns a key of its choosing, like a buggy platform implementation.
struct LyingProtector(Vec<u8>);
impl KeyProtector for LyingProtector {
    fn wrap(&self, _key: Vec<u8>) -> Result<Vec<u8>, ProtectorError> {
        Ok(vec![1, 2, 3])
    }
    fn unwrap(&self, _wrapped: Vec<u8>) -> Result<Vec<u8>, ProtectorError> {
        Ok(self.0.clone())
    }
}

struct CancellingProtector;
impl KeyProtector for CancellingProtector {
    fn wrap(&self, _key: Vec<u8>) -> Result<Vec<u8>, ProtectorError> {
        Err(ProtectorError::UserCancelled)
    }
    fn unwrap(&self, _wrapped: Vec<u8>) -> Result<Vec<u8>, ProtectorError> {
        Err(ProtectorError::UserCancelled)
    }
}

#[test]
fn misbehaving_protectors_are_caught() {
    let dir = tempfile::tempdir().unwrap();
    let (mut v, _) = new_vault(&dir);
    assert!(matches!(
        v.add_platform_slot(&LyingProtector(vec![0; 32])),
        Err(VaultError::Protector(_))
    ));
    assert!(!v.has_platform_slot().unwrap(), "a slot that cannot give the key back is not stored");
    assert!(matches!(
        v.add_platform_slot(&CancellingProtector),
        Err(VaultError::Protector(ProtectorError::UserCancelled))
    ));
    let good = SoftwareProtector::generate().unwrap();
    v.add_platform_slot(&good).unwrap();
    v.lock();
    for garbage in [vec![], vec![0; 31], vec![0; 32], vec![0; 64]] {
        assert!(matches!(
            v.unlock_with_protector(&LyingProtector(garbage)),
            Err(VaultError::Protector(_))
        ));
        assert!(v.is_locked());
    }
    assert!(matches!(
        v.unlock_with_protector(&CancellingProtector),
        Err(VaultError::Protector(ProtectorError::UserCancelled))
    ));
    assert!(v.is_locked());
}

#[test]
fn a_platform_only_vault_opens_with_the_platform_alone() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("phone.nyckel");
    let protector = SoftwareProtector::generate().unwrap();
    let mut v = Vault::create_with_protector(&path, &protector).unwrap();
    v.add(totp(RFC_SECRET, "A", "a"), "", DuplicatePolicy::Reject).unwrap();
    assert!(matches!(v.remove_platform_slot(), Err(VaultError::InvalidInput(_))));
    drop(v);
    let mut v = Vault::open(&path).unwrap();
    assert!(matches!(v.unlock_with_passphrase("anything"), Err(VaultError::WrongPassphrase)));
    v.unlock_with_protector(&protector).unwrap();
    assert_eq!(v.accounts().unwrap().len(), 1);
    // Adding a passphrase later gives a second way in.
    v.change_passphrase(PASS, KdfParams::FLOOR).unwrap();
    drop(v);
    reopen(&path);
}

#[test]
fn change_passphrase_replaces_the_old_one() {
    let dir = tempfile::tempdir().unwrap();
    let (mut v, path) = new_vault(&dir);
    v.change_passphrase("new passphrase", KdfParams::FLOOR).unwrap();
    drop(v);
    let mut v = Vault::open(&path).unwrap();
    assert!(matches!(v.unlock_with_passphrase(PASS), Err(VaultError::WrongPassphrase)));
    v.unlock_with_passphrase("new passphrase").unwrap();
}

#[test]
fn duplicates_are_detected_unless_allowed() {
    let dir = tempfile::tempdir().unwrap();
    let (mut v, _) = new_vault(&dir);
    let a = v.add(totp(RFC_SECRET, "A", "a"), "", DuplicatePolicy::Reject).unwrap();
    let again = v.add(totp(RFC_SECRET, "Other label", "x"), "", DuplicatePolicy::Reject);
    assert!(matches!(again, Err(VaultError::Duplicate { existing_id }) if existing_id == a.id));
    v.add(totp(RFC_SECRET, "A", "a"), "", DuplicatePolicy::Allow).unwrap();
    v.add(hotp(0), "", DuplicatePolicy::Reject).unwrap(); // same bytes, other scheme
    assert_eq!(v.accounts().unwrap().len(), 3);
}

#[test]
fn edit_reorder_delete_and_the_activity_log() {
    let dir = tempfile::tempdir().unwrap();
    let (mut v, path) = new_vault(&dir);
    let a = v.add(totp(b"secret number one!!", "A", "a"), "", DuplicatePolicy::Reject).unwrap();
    let b = v.add(totp(b"secret number two!!", "B", "b"), "", DuplicatePolicy::Reject).unwrap();
    let c = v.add(totp(b"secret number 3!!!!", "C", "c"), "", DuplicatePolicy::Reject).unwrap();
    let edited = v
        .update(
            b.id,
            AccountEdit {
                issuer: Some("  Skolverket ".into()),
                name: None,
                note: Some("läxor".into()),
            },
        )
        .unwrap();
    assert_eq!(
        (edited.params.issuer.as_str(), edited.params.name.as_str(), edited.note.as_str()),
        ("Skolverket", "b", "läxor")
    );
    v.reorder(&[c.id, a.id, b.id]).unwrap();
    assert!(matches!(v.reorder(&[c.id, a.id]), Err(VaultError::InvalidInput(_))));
    assert!(matches!(v.reorder(&[c.id, a.id, a.id]), Err(VaultError::InvalidInput(_))));
    v.delete(a.id).unwrap();
    assert!(matches!(v.delete(a.id), Err(VaultError::NotFound(_))));
    assert!(matches!(v.update(999, AccountEdit::default()), Err(VaultError::NotFound(999))));
    drop(v);
    let v = reopen(&path);
    let ids: Vec<i64> = v.accounts().unwrap().iter().map(|x| x.id).collect();
    assert_eq!(ids, [c.id, b.id]);
    let log: Vec<String> = v.activity(10).unwrap().iter().map(|e| e.event.to_string()).collect();
    assert_eq!(
        log,
        ["removed A (a)", "edited Skolverket (b)", "added C (c)", "added B (b)", "added A (a)"]
    );
    assert_eq!(v.activity(2).unwrap().len(), 2);
}

#[test]
fn ids_are_never_reused() {
    let dir = tempfile::tempdir().unwrap();
    let (mut v, _) = new_vault(&dir);
    let a = v.add(totp(RFC_SECRET, "A", "a"), "", DuplicatePolicy::Reject).unwrap();
    v.delete(a.id).unwrap();
    let b = v.add(totp(RFC_SECRET, "A", "a"), "", DuplicatePolicy::Reject).unwrap();
    assert!(b.id > a.id);
}

#[test]
fn codes_for_every_time_based_account_in_one_call() {
    let dir = tempfile::tempdir().unwrap();
    let (mut v, _) = new_vault(&dir);
    let t = v
        .add(
            OtpParams { digits: 8, ..totp(RFC_SECRET, "RFC", "sha1") },
            "",
            DuplicatePolicy::Reject,
        )
        .unwrap();
    let s = v
        .add(
            OtpParams {
                kind: OtpKind::Steam,
                digits: 5,
                ..totp(b"steam secret 1234567", "Steam", "s")
            },
            "",
            DuplicatePolicy::Reject,
        )
        .unwrap();
    let h = v.add(hotp(0), "", DuplicatePolicy::Reject).unwrap();
    let codes = v.codes_at(59).unwrap();
    assert_eq!(codes.len(), 2, "HOTP is never advanced by the list");
    assert_eq!((codes[0].account.id, codes[0].code.value.as_str()), (t.id, "94287082"));
    assert_eq!(codes[0].code.seconds_left, Some(1));
    assert_eq!(codes[1].account.id, s.id);
    assert_eq!(codes[1].code.value.len(), 5);
    // The HOTP accounts alone, as `nyckel code` lists them beside the codes.
    let hotp_only = v.accounts_where(|a| a.params.kind == OtpKind::Hotp).unwrap();
    assert_eq!(hotp_only.iter().map(|a| a.id).collect::<Vec<_>>(), [h.id]);
    assert_eq!(hotp_only[0], v.account(h.id).unwrap());
    let all: Vec<i64> = v.accounts_where(|_| true).unwrap().iter().map(|a| a.id).collect();
    assert_eq!(all, [t.id, s.id, h.id], "in their sort order");
    assert!(v.accounts_where(|a| a.params.issuer == "none such").unwrap().is_empty());
}

#[test]
fn hotp_counter_is_committed_before_the_code_is_returned() {
    let dir = tempfile::tempdir().unwrap();
    let (mut v, path) = new_vault(&dir);
    let h = v.add(hotp(0), "", DuplicatePolicy::Reject).unwrap();
    assert_eq!(v.next_hotp(h.id).unwrap().value, "755224");
    assert_eq!(v.next_hotp(h.id).unwrap().value, "287082");
    drop(v);
    let mut v = reopen(&path);
    assert_eq!(v.account(h.id).unwrap().params.counter, 2);
    assert_eq!(v.code(h.id, 0).unwrap().value, "359152");
    let end = v
        .add(
            OtpParams { algorithm: Algorithm::Sha256, ..hotp(u64::MAX - 1) },
            "",
            DuplicatePolicy::Allow,
        )
        .unwrap();
    v.next_hotp(end.id).unwrap(); // the last code there is
    assert!(matches!(v.next_hotp(end.id), Err(VaultError::CounterExhausted)));
    assert_eq!(v.account(end.id).unwrap().params.counter, u64::MAX);
}

/// Two handles on one file (two processes), each showing HOTP codes and committing
/// signature counters as fast as it can: no code is shown twice and no increment is lost.
#[test]
fn concurrent_handles_never_lose_an_increment() {
    const EACH: u64 = 60;
    let dir = tempfile::tempdir().unwrap();
    let (mut v, path) = new_vault(&dir);
    let h = v.add(hotp(0), "", DuplicatePolicy::Reject).unwrap().id;
    let (e, _) = v.add_enrollment(&sample_enrollment(), None).unwrap();
    drop(v);
    let workers: Vec<_> = (0..2)
        .map(|_| {
            let mut v = reopen(&path);
            std::thread::spawn(move || {
                let mut codes = Vec::new();
                for _ in 0..EACH {
                    codes.push(v.next_hotp(h).unwrap().value);
                    assert!(v
                        .modify_enrollment(e, None, |x| {
                            x.sign_count += 1;
                            true
                        })
                        .unwrap());
                }
                codes
            })
        })
        .collect();
    let mut shown: Vec<String> = workers.into_iter().flat_map(|w| w.join().unwrap()).collect();
    shown.sort();
    let mut expected: Vec<String> =
        (0..2 * EACH).map(|c| hotp(c).code_at(0).unwrap().value).collect();
    expected.sort();
    assert_eq!(shown, expected, "every counter value was used exactly once");
    let v = reopen(&path);
    assert_eq!(v.account(h).unwrap().params.counter, 2 * EACH);
    assert_eq!(v.enrollment(e).unwrap().enrollment.sign_count, 2 * EACH as u32);
}

#[test]
fn invalid_fields_are_refused_and_nothing_is_stored() {
    let dir = tempfile::tempdir().unwrap();
    let (mut v, _) = new_vault(&dir);
    let bad = [
        OtpParams { digits: 0, ..totp(RFC_SECRET, "A", "a") },
        OtpParams { digits: 11, ..totp(RFC_SECRET, "A", "a") },
        OtpParams { period: 0, ..totp(RFC_SECRET, "A", "a") },
        totp(b"", "A", "a"),
        totp(RFC_SECRET, "A\0", "a"),
        totp(RFC_SECRET, &"x".repeat(600), "a"),
    ];
    for p in bad {
        assert!(matches!(v.add(p, "", DuplicatePolicy::Allow), Err(VaultError::InvalidInput(_))));
    }
    assert!(matches!(
        v.add(totp(RFC_SECRET, "A", "a"), &"n".repeat(5000), DuplicatePolicy::Allow),
        Err(VaultError::InvalidInput(_))
    ));
    assert!(v.accounts().unwrap().is_empty());
    assert!(v.activity(10).unwrap().is_empty());
}

#[test]
fn export_is_logged_and_round_trips() {
    let dir = tempfile::tempdir().unwrap();
    let (mut v, _) = new_vault(&dir);
    let a = v.add(totp(RFC_SECRET, "Region Skåne", "anna"), "", DuplicatePolicy::Reject).unwrap();
    let uri = v.export_uri(a.id, "qr").unwrap();
    assert!(uri.starts_with("otpauth://totp/"));
    assert_eq!(
        v.activity(1).unwrap()[0].event,
        ActivityEvent::Exported { account_ids: vec![a.id], format: "qr".into() }
    );
}

#[test]
fn two_handles_on_one_file_both_write() {
    let dir = tempfile::tempdir().unwrap();
    let (v, path) = new_vault(&dir);
    drop(v);
    let handles: Vec<_> = (0..4u8)
        .map(|i| {
            let path = path.clone();
            std::thread::spawn(move || {
                let mut v = reopen(&path);
                for j in 0..5u8 {
                    let secret = format!("thread {i} secret {j} padding");
                    v.add(
                        totp(secret.as_bytes(), "T", &format!("{i}-{j}")),
                        "",
                        DuplicatePolicy::Reject,
                    )
                    .unwrap();
                }
            })
        })
        .collect();
    for h in handles {
        h.join().unwrap();
    }
    assert_eq!(reopen(&path).accounts().unwrap().len(), 20);
}

#[test]
fn a_read_only_vault_reports_storage_errors_and_keeps_its_data() {
    let dir = tempfile::tempdir().unwrap();
    let (mut v, path) = new_vault(&dir);
    v.add(totp(RFC_SECRET, "A", "a"), "", DuplicatePolicy::Reject).unwrap();
    drop(v);
    let mut v = reopen(&path);
    // Simulate a write failure: another connection holds the write lock past the timeout.
    let blocker = rusqlite::Connection::open(&path).unwrap();
    blocker.execute_batch("BEGIN IMMEDIATE").unwrap();
    v.conn.busy_timeout(std::time::Duration::from_millis(50)).unwrap();
    assert!(matches!(
        v.add(totp(b"second secret 12345", "B", "b"), "", DuplicatePolicy::Reject),
        Err(VaultError::Storage { fault: crate::error::StorageFault::Busy, .. })
    ));
    blocker.execute_batch("ROLLBACK").unwrap();
    assert_eq!(v.accounts().unwrap().len(), 1);
}

fn sample_enrollment() -> crate::protocol::Enrollment {
    crate::protocol::Enrollment {
        base_url: "http://127.0.0.1:9".into(),
        origin: "http://127.0.0.1:9".into(),
        rp_id: "127.0.0.1".into(),
        issuer: "Region Skåne".into(),
        provider_key: "BAAA".into(),
        account_name: "anna".into(),
        user_id: "dXNlcg".into(),
        device_id: "ZGV2aWNl".into(),
        device_name: "Annas telefon".into(),
        device_key_alias: "nyckel-device-x".into(),
        device_public_key: "BAAA".into(),
        sign_count: 0,
        phone_signin: None,
        clock_offset: 0,
        otp_account_id: None,
        otp_managed: false,
        enrolled_at: 1,
    }
}

#[test]
fn enrollments_persist_sealed_with_their_otp_account() {
    let dir = tempfile::tempdir().unwrap();
    let (mut v, path) = new_vault(&dir);
    let e = sample_enrollment();
    let (id, account) =
        v.add_enrollment(&e, Some(totp(RFC_SECRET, "Region Skåne", "anna"))).unwrap();
    let account = account.unwrap();
    let stored = v.enrollment(id).unwrap().enrollment;
    assert_eq!(stored.otp_account_id, Some(account.id));
    assert!(v
        .modify_enrollment(id, None, |e| {
            e.sign_count = 7;
            true
        })
        .unwrap());
    assert!(
        !v.modify_enrollment(id, None, |e| {
            e.sign_count = 99;
            false
        })
        .unwrap(),
        "a refused merge saves nothing"
    );
    drop(v);
    let bytes = file_bytes(&path);
    assert!(!contains(&bytes, b"Annas telefon") && !contains(&bytes, b"nyckel-device-x"));
    let mut v = reopen(&path);
    assert_eq!(v.enrollments().unwrap().len(), 1);
    assert_eq!(v.enrollment(id).unwrap().enrollment.sign_count, 7);
    assert_eq!(v.account(account.id).unwrap().params.issuer, "Region Skåne");
    let log: Vec<String> = v.activity(5).unwrap().iter().map(|e| e.event.to_string()).collect();
    assert_eq!(
        log,
        [
            "enrolled anna for sign-in approvals with http://127.0.0.1:9",
            "added Region Skåne (anna)"
        ]
    );
    v.remove_enrollment(id).unwrap();
    assert!(matches!(v.enrollment(id), Err(VaultError::EnrollmentNotFound(_))));
    assert!(matches!(
        v.modify_enrollment(id, None, |_| true),
        Err(VaultError::EnrollmentNotFound(_))
    ));
}

#[test]
fn an_invalid_otp_account_stores_no_enrollment() {
    let dir = tempfile::tempdir().unwrap();
    let (mut v, _) = new_vault(&dir);
    let bad = OtpParams { digits: 0, ..totp(RFC_SECRET, "A", "a") };
    assert!(matches!(
        v.add_enrollment(&sample_enrollment(), Some(bad)),
        Err(VaultError::InvalidInput(_))
    ));
    assert!(v.enrollments().unwrap().is_empty());
    assert!(v.accounts().unwrap().is_empty());
}

/// Replaces the saved device-key store with `bytes`, whatever was saved.
fn save_key_store(v: &mut Vault, bytes: &[u8]) {
    v.update_software_key_store(|_| Ok::<_, VaultError>(Zeroizing::new(bytes.to_vec()))).unwrap();
}

#[test]
fn the_software_key_store_is_sealed_and_replaced() {
    let dir = tempfile::tempdir().unwrap();
    let (mut v, path) = new_vault(&dir);
    assert!(v.software_key_store().unwrap().is_none());
    save_key_store(&mut v, b"first key store bytes");
    save_key_store(&mut v, b"second key store bytes");
    drop(v);
    assert!(!contains(&file_bytes(&path), b"key store bytes"));
    let v = reopen(&path);
    assert_eq!(&v.software_key_store().unwrap().unwrap()[..], b"second key store bytes");
}

#[test]
fn the_software_key_store_is_updated_from_what_is_saved_now() {
    let dir = tempfile::tempdir().unwrap();
    let (mut first, path) = new_vault(&dir);
    let mut second = reopen(&path);
    save_key_store(&mut first, b"saved by first");
    // `second` opened before the save and still reads the saved bytes inside its update.
    second
        .update_software_key_store(|saved| {
            assert_eq!(saved, Some(&b"saved by first"[..]));
            Ok::<_, VaultError>(Zeroizing::new(b"saved by first, then second".to_vec()))
        })
        .unwrap();
    assert_eq!(&first.software_key_store().unwrap().unwrap()[..], b"saved by first, then second");
    // A failing merge leaves the saved store alone.
    let err = second.update_software_key_store(|_| Err(VaultError::Corrupt("merge failed".into())));
    assert!(matches!(err, Err(VaultError::Corrupt(_))));
    assert_eq!(
        &reopen(&path).software_key_store().unwrap().unwrap()[..],
        b"saved by first, then second"
    );
    second.lock();
    assert!(matches!(
        second.update_software_key_store(|_| Ok::<_, VaultError>(Zeroizing::new(vec![]))),
        Err(VaultError::Locked)
    ));
}

#[test]
fn a_version_1_vault_is_migrated_on_open() {
    let dir = tempfile::tempdir().unwrap();
    let (mut v, path) = new_vault(&dir);
    v.add(totp(RFC_SECRET, "A", "a"), "", DuplicatePolicy::Reject).unwrap();
    drop(v);
    // Turn it back into a schema-1 file, as Nyckel 0.1 wrote it.
    let conn = rusqlite::Connection::open(&path).unwrap();
    conn.execute_batch("DROP TABLE enrollments; DROP TABLE key_store; PRAGMA user_version = 1;")
        .unwrap();
    drop(conn);
    let mut v = reopen(&path);
    assert_eq!(v.accounts().unwrap().len(), 1);
    v.add_enrollment(&sample_enrollment(), None).unwrap();
    let version: i64 = v.conn.pragma_query_value(None, "user_version", |r| r.get(0)).unwrap();
    assert_eq!(version, SCHEMA_VERSION);
}

#[cfg(unix)]
#[test]
fn a_new_vault_is_readable_by_its_owner_only() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let (_v, path) = new_vault(&dir);
    assert_eq!(std::fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
}

// ---- Opening hostile files: checked read-only first ----

/// The main file and its WAL, byte for byte. A missing WAL reads as empty: SQLite creates
/// an empty one (and the -shm) to read a WAL-mode file, even read-only.
fn main_and_wal(path: &Path) -> (Vec<u8>, Vec<u8>) {
    (
        std::fs::read(path).unwrap(),
        std::fs::read(format!("{}-wal", path.display())).unwrap_or_default(),
    )
}

/// Builds a SQLite file with `sql`; in WAL mode, `hot_sql` is committed only to the WAL, as
/// a crash before the checkpoint leaves it (the -shm is removed too unless `keep_shm`).
fn sqlite_file(path: &Path, wal: bool, sql: &str, hot_sql: &str, keep_shm: bool) {
    let conn = rusqlite::Connection::open(path).unwrap();
    if wal {
        conn.pragma_update(None, "journal_mode", "WAL").unwrap();
    }
    conn.execute_batch(sql).unwrap();
    if wal {
        conn.set_db_config(rusqlite::config::DbConfig::SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, true)
            .unwrap();
    }
    conn.execute_batch(hot_sql).unwrap();
    drop(conn);
    if wal {
        let wal = std::fs::metadata(format!("{}-wal", path.display())).unwrap();
        assert!(wal.len() > 0, "the last commit is in the WAL");
        if !keep_shm {
            std::fs::remove_file(format!("{}-shm", path.display())).unwrap();
        }
    }
}

#[test]
fn files_marked_as_vaults_with_a_wrong_schema_are_refused_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let (mut v, vault_path) = new_vault(&dir);
    v.add(totp(RFC_SECRET, "A", "a"), "", DuplicatePolicy::Reject).unwrap();
    drop(v);
    let app = format!("PRAGMA application_id = {APPLICATION_ID};");
    let copy_of_vault = |name: &str, sql: &str| {
        let path = dir.path().join(name);
        std::fs::copy(&vault_path, &path).unwrap();
        rusqlite::Connection::open(&path).unwrap().execute_batch(sql).unwrap();
        path
    };
    let mut cases: Vec<(String, PathBuf)> = Vec::new();
    for (wal, keep_shm) in [(false, false), (true, true), (true, false)] {
        let tag = format!("wal={wal} shm={keep_shm}");
        let mut file = |name: &str, sql: &str, hot: &str| {
            let path = dir.path().join(format!("{name} {tag}"));
            sqlite_file(&path, wal, sql, hot, keep_shm);
            cases.push((format!("{name} ({tag})"), path));
        };
        file("version 0", "CREATE TABLE notes (x); INSERT INTO notes VALUES (1);", &app);
        file("version 0, empty", "", &app);
        file(
            "version 1 without vault_meta",
            "CREATE TABLE notes (x);",
            &format!("{app} PRAGMA user_version = 1;"),
        );
        file(
            "negative version",
            "CREATE TABLE notes (x);",
            &format!("{app} PRAGMA user_version = -1;"),
        );
        file(
            "tables without the vault's columns",
            "CREATE TABLE vault_meta (id INTEGER PRIMARY KEY, x); INSERT INTO vault_meta VALUES (1, 2);
             CREATE TABLE key_slots (x); CREATE TABLE accounts (x); CREATE TABLE activity (x);
             CREATE TABLE enrollments (x); CREATE TABLE key_store (x);",
            &format!("{app} PRAGMA user_version = 2;"),
        );
    }
    cases.push((
        "a vault at version -1".into(),
        copy_of_vault("negative.nyckel", "PRAGMA user_version = -1;"),
    ));
    cases.push((
        "a vault at version 0".into(),
        copy_of_vault("zero.nyckel", "PRAGMA user_version = 0;"),
    ));
    cases.push((
        "a version-1 vault with version-2 tables".into(),
        copy_of_vault("v1-with-v2-tables.nyckel", "PRAGMA user_version = 1;"),
    ));
    cases.push((
        "a vault without its header row".into(),
        copy_of_vault("no-meta.nyckel", "DELETE FROM vault_meta;"),
    ));
    cases.push((
        "a vault with a short vault id".into(),
        copy_of_vault(
            "short-id.nyckel",
            "PRAGMA ignore_check_constraints = ON; UPDATE vault_meta SET vault_id = x'00';",
        ),
    ));
    for (name, path) in cases {
        let before = main_and_wal(&path);
        let err = Vault::open(&path).expect_err(&name);
        assert!(matches!(err, VaultError::Corrupt(_)), "{name}: {err:?}");
        assert!(!err.to_string().contains("CREATE"), "{name}: {err}");
        assert!(main_and_wal(&path) == before, "{name} was modified");
    }
}

#[test]
fn a_foreign_database_with_a_hot_wal_is_refused_untouched() {
    let dir = tempfile::tempdir().unwrap();
    for keep_shm in [true, false] {
        let path = dir.path().join(format!("foreign-{keep_shm}.sqlite"));
        sqlite_file(
            &path,
            true,
            "CREATE TABLE notes (x); INSERT INTO notes VALUES (1);",
            "INSERT INTO notes VALUES (2);",
            keep_shm,
        );
        let before = main_and_wal(&path);
        assert!(matches!(Vault::open(&path), Err(VaultError::NotAVault(_))));
        assert!(main_and_wal(&path) == before, "not checkpointed, the WAL is still there");
        assert!(!before.1.is_empty());
        let count: i64 = rusqlite::Connection::open(&path)
            .unwrap()
            .query_row("SELECT COUNT(*) FROM notes", [], |r| r.get(0))
            .unwrap();
        assert_eq!(count, 2);
    }
}

#[test]
fn a_foreign_database_with_a_hot_rollback_journal_is_refused_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let live = dir.path().join("live.sqlite");
    let conn = rusqlite::Connection::open(&live).unwrap();
    // A transaction too big for the page cache writes its journal (header and all) and
    // then the file itself, before it commits.
    conn.execute_batch(
        "PRAGMA cache_size = 2; CREATE TABLE notes (x); INSERT INTO notes VALUES (1);
         BEGIN; INSERT INTO notes SELECT randomblob(1000) FROM
         (WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 200) SELECT i FROM n);",
    )
    .unwrap();
    // A crash in the middle of that transaction leaves the file and its (hot) journal.
    let path = dir.path().join("crashed.sqlite");
    let journal = dir.path().join("crashed.sqlite-journal");
    std::fs::copy(&live, &path).unwrap();
    std::fs::copy(dir.path().join("live.sqlite-journal"), &journal).unwrap();
    drop(conn);
    let before = (std::fs::read(&path).unwrap(), std::fs::read(&journal).unwrap());
    assert_eq!(
        before.1[..8],
        [0xd9, 0xd5, 0x05, 0xf9, 0x20, 0xa1, 0x63, 0xd7],
        "the journal is hot"
    );
    assert!(matches!(Vault::open(&path), Err(VaultError::NotAVault(_))));
    assert!(
        (std::fs::read(&path).unwrap(), std::fs::read(&journal).unwrap()) == before,
        "rolled back"
    );
}

#[test]
fn a_vault_whose_last_commits_are_only_in_the_wal_opens_with_them() {
    let dir = tempfile::tempdir().unwrap();
    for keep_shm in [true, false] {
        // Never checkpointed at all: even the vault's header is only in the WAL.
        let path = dir.path().join(format!("fresh-{keep_shm}.nyckel"));
        let mut v = Vault::create(&path, PASS, KdfParams::FLOOR).unwrap();
        v.conn
            .set_db_config(rusqlite::config::DbConfig::SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, true)
            .unwrap();
        v.add(totp(RFC_SECRET, "Only", "in the wal"), "", DuplicatePolicy::Reject).unwrap();
        drop(v);
        // A checkpointed vault whose last commit is in the WAL.
        let old = dir.path().join(format!("old-{keep_shm}.nyckel"));
        let mut v = Vault::create(&old, PASS, KdfParams::FLOOR).unwrap();
        v.add(totp(RFC_SECRET, "In", "the file"), "", DuplicatePolicy::Reject).unwrap();
        drop(v);
        let mut v = reopen(&old);
        v.conn
            .set_db_config(rusqlite::config::DbConfig::SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, true)
            .unwrap();
        v.add(totp(b"second secret 12345", "Only", "in the wal"), "", DuplicatePolicy::Reject)
            .unwrap();
        drop(v);
        for (path, accounts) in [(&path, 1), (&old, 2)] {
            assert!(std::fs::metadata(format!("{}-wal", path.display())).unwrap().len() > 0);
            if !keep_shm {
                std::fs::remove_file(format!("{}-shm", path.display())).unwrap();
            }
            let v = reopen(path);
            let names: Vec<String> =
                v.accounts().unwrap().into_iter().map(|a| a.params.name).collect();
            assert_eq!(names.len(), accounts, "{}", path.display());
            assert_eq!(names.last().map(String::as_str), Some("in the wal"));
            drop(v);
            assert_eq!(
                reopen(path).accounts().unwrap().len(),
                accounts,
                "kept after the checkpoint"
            );
        }
    }
}

// ---- Concurrency ----

#[test]
fn concurrent_creates_of_one_path_leave_exactly_one_vault() {
    const THREADS: usize = 8;
    let dir = tempfile::tempdir().unwrap();
    for round in 0..10 {
        let path = dir.path().join(format!("race-{round}.nyckel"));
        let barrier = std::sync::Arc::new(std::sync::Barrier::new(THREADS));
        let workers: Vec<_> = (0..THREADS)
            .map(|i| {
                let (path, barrier) = (path.clone(), barrier.clone());
                std::thread::spawn(move || {
                    barrier.wait();
                    let mut v = Vault::create(&path, PASS, KdfParams::FLOOR)?;
                    v.add(totp(RFC_SECRET, "Winner", &i.to_string()), "", DuplicatePolicy::Reject)?;
                    Ok::<_, VaultError>(i)
                })
            })
            .collect();
        let results: Vec<_> = workers.into_iter().map(|w| w.join().unwrap()).collect();
        let winners: Vec<usize> = results.iter().filter_map(|r| r.as_ref().ok().copied()).collect();
        assert_eq!(winners.len(), 1, "round {round}: {results:?}");
        for r in &results {
            assert!(matches!(r, Ok(_) | Err(VaultError::AlreadyExists(_))), "round {round}: {r:?}");
        }
        let names: Vec<String> =
            reopen(&path).accounts().unwrap().into_iter().map(|a| a.params.name).collect();
        assert_eq!(names, [winners[0].to_string()]);
    }
}

#[test]
fn a_failed_create_removes_only_its_own_file() {
    let dir = tempfile::tempdir().unwrap();
    let (_v, existing) = new_vault(&dir);
    let before = file_bytes(&existing);
    assert!(matches!(
        Vault::create_with_protector(&existing, &CancellingProtector),
        Err(VaultError::AlreadyExists(_))
    ));
    assert_eq!(file_bytes(&existing), before);
    let path = dir.path().join("new.nyckel");
    assert!(matches!(
        Vault::create_with_protector(&path, &CancellingProtector),
        Err(VaultError::Protector(_))
    ));
    assert!(!path.exists(), "the half-made vault is removed");
    Vault::create(&path, PASS, KdfParams::FLOOR).unwrap();
}

#[test]
fn concurrent_opens_migrate_a_version_1_vault_once() {
    const THREADS: usize = 8;
    let dir = tempfile::tempdir().unwrap();
    let (mut v, path) = new_vault(&dir);
    v.add(totp(RFC_SECRET, "A", "a"), "", DuplicatePolicy::Reject).unwrap();
    drop(v);
    rusqlite::Connection::open(&path)
        .unwrap()
        .execute_batch("DROP TABLE enrollments; DROP TABLE key_store; PRAGMA user_version = 1;")
        .unwrap();
    let barrier = std::sync::Arc::new(std::sync::Barrier::new(THREADS));
    let workers: Vec<_> = (0..THREADS)
        .map(|_| {
            let (path, barrier) = (path.clone(), barrier.clone());
            std::thread::spawn(move || {
                barrier.wait();
                Vault::open(&path).map(drop)
            })
        })
        .collect();
    for w in workers {
        w.join().unwrap().unwrap();
    }
    let v = reopen(&path);
    assert_eq!(
        v.conn.pragma_query_value(None, "user_version", |r| r.get::<_, i64>(0)).unwrap(),
        SCHEMA_VERSION
    );
    assert_eq!(v.accounts().unwrap().len(), 1);
}

/// Holds the write lock of `path` (as another process would) for `hold`, running `meanwhile`
/// on the locking connection before releasing it.
fn hold_write_lock(path: &Path, hold: std::time::Duration, meanwhile: &str) {
    let blocker = rusqlite::Connection::open(path).unwrap();
    blocker.execute_batch("BEGIN IMMEDIATE").unwrap();
    std::thread::sleep(hold);
    blocker.execute_batch(meanwhile).unwrap();
    blocker.execute_batch("COMMIT").unwrap();
}

#[test]
fn concurrent_adds_of_one_secret_store_it_once() {
    let dir = tempfile::tempdir().unwrap();
    let (v, path) = new_vault(&dir);
    drop(v);
    let handles: Vec<Vault> = (0..3).map(|_| reopen(&path)).collect();
    let blocker_path = path.clone();
    let blocker = std::thread::spawn(move || {
        hold_write_lock(&blocker_path, std::time::Duration::from_millis(400), "")
    });
    std::thread::sleep(std::time::Duration::from_millis(100));
    // All three look for the secret while another process holds the write lock.
    let workers: Vec<_> = handles
        .into_iter()
        .enumerate()
        .map(|(i, mut v)| {
            std::thread::spawn(move || {
                v.add(totp(RFC_SECRET, "Same", &i.to_string()), "", DuplicatePolicy::Reject)
                    .map(|a| a.id)
            })
        })
        .collect();
    blocker.join().unwrap();
    let results: Vec<_> = workers.into_iter().map(|w| w.join().unwrap()).collect();
    let stored: Vec<i64> = results.iter().filter_map(|r| r.as_ref().ok().copied()).collect();
    assert_eq!(stored.len(), 1, "{results:?}");
    for r in &results {
        assert!(
            r.is_ok()
                || matches!(r, Err(VaultError::Duplicate { existing_id }) if *existing_id == stored[0]),
            "{r:?}"
        );
    }
    assert_eq!(reopen(&path).accounts().unwrap().len(), 1);
}

#[test]
fn reorder_checks_its_list_under_the_write_lock() {
    let dir = tempfile::tempdir().unwrap();
    let (mut v, path) = new_vault(&dir);
    let a = v.add(totp(b"secret number one!!", "A", "a"), "", DuplicatePolicy::Reject).unwrap().id;
    let b = v.add(totp(b"secret number two!!", "B", "b"), "", DuplicatePolicy::Reject).unwrap().id;
    // Another process deletes `a` while this one reorders: the list no longer names every
    // account exactly once, and is refused rather than applied to what is left.
    let blocker_path = path.clone();
    let blocker = std::thread::spawn(move || {
        hold_write_lock(
            &blocker_path,
            std::time::Duration::from_millis(300),
            &format!("DELETE FROM accounts WHERE id = {a}"),
        )
    });
    std::thread::sleep(std::time::Duration::from_millis(100));
    let result = v.reorder(&[b, a]);
    blocker.join().unwrap();
    assert!(matches!(result, Err(VaultError::InvalidInput(_))), "{result:?}");
}

// ---- Key slots ----

#[test]
fn more_than_one_slot_of_a_kind_is_refused_before_any_kdf_runs() {
    let dir = tempfile::tempdir().unwrap();
    let (mut v, path) = new_vault(&dir);
    let protector = SoftwareProtector::generate().unwrap();
    v.add_platform_slot(&protector).unwrap();
    drop(v);
    // Extra slots at the ceiling cost: trying them would take minutes each.
    let ceiling = format!(
        "\"memory_kib\":{},\"iterations\":{},\"parallelism\":{}",
        KdfParams::CEILING.memory_kib,
        KdfParams::CEILING.iterations,
        KdfParams::CEILING.parallelism
    );
    let floor = format!(
        "\"memory_kib\":{},\"iterations\":{},\"parallelism\":{}",
        KdfParams::FLOOR.memory_kib,
        KdfParams::FLOOR.iterations,
        KdfParams::FLOOR.parallelism
    );
    let extra = |kind: &str, copies: u32| {
        format!(
            "INSERT INTO key_slots (kind, params, wrapped, created_at)
             SELECT kind, replace(params, '{floor}', '{ceiling}'), wrapped, created_at
             FROM key_slots, (WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {copies}) SELECT i FROM n)
             WHERE kind = '{kind}' AND key_slots.id = (SELECT MIN(id) FROM key_slots WHERE kind = '{kind}');"
        )
    };
    for (kind, copies) in [("passphrase", 1), ("passphrase", 50), ("platform", 1)] {
        let copy = dir.path().join(format!("{kind}-{copies}.nyckel"));
        std::fs::copy(&path, &copy).unwrap();
        // Added while the vault is open (another process), then in the file before opening.
        let mut v = Vault::open(&copy).unwrap();
        rusqlite::Connection::open(&copy).unwrap().execute_batch(&extra(kind, copies)).unwrap();
        let started = std::time::Instant::now();
        let unlocked = if kind == "passphrase" {
            v.unlock_with_passphrase(PASS)
        } else {
            v.unlock_with_protector(&protector)
        };
        assert!(matches!(unlocked, Err(VaultError::Corrupt(_))), "{kind}: {unlocked:?}");
        assert!(started.elapsed() < std::time::Duration::from_secs(2), "no KDF ran");
        assert!(v.is_locked());
        drop(v);
        let before = file_bytes(&copy);
        assert!(matches!(Vault::open(&copy), Err(VaultError::Corrupt(_))), "{kind}");
        assert_eq!(file_bytes(&copy), before);
    }
}

// ---- Account fields ----

#[test]
fn an_account_whose_uri_could_not_be_imported_again_is_refused() {
    use crate::otpauth::{parse, MAX_URI_LEN};
    let dir = tempfile::tempdir().unwrap();
    let (mut v, _) = new_vault(&dir);
    let long = "å".repeat(256); // 512 bytes, the longest issuer and name accepted
    let too_long = [
        totp(RFC_SECRET, &long, &long),
        OtpParams {
            extra: vec![("image".into(), format!("https://example.se/{}", "x".repeat(4096)))],
            ..totp(RFC_SECRET, "A", "a")
        },
    ];
    for p in too_long {
        assert!(p.to_uri().len() > MAX_URI_LEN);
        let err = v.add(p, "", DuplicatePolicy::Allow).unwrap_err();
        assert!(matches!(&err, VaultError::InvalidInput(m) if m.contains("URI")), "{err:?}");
    }
    // At the limit: stored, exported, and imported again as it was.
    let base = OtpParams {
        extra: vec![("image".into(), String::new())],
        ..totp(RFC_SECRET, "Region Skåne", "anna")
    };
    let fill = MAX_URI_LEN - base.to_uri().len();
    let at_limit = OtpParams { extra: vec![("image".into(), "i".repeat(fill))], ..base.clone() };
    assert_eq!(at_limit.to_uri().len(), MAX_URI_LEN);
    let over = OtpParams { extra: vec![("image".into(), "i".repeat(fill + 1))], ..base };
    assert!(matches!(v.add(over, "", DuplicatePolicy::Allow), Err(VaultError::InvalidInput(_))));
    let a = v.add(at_limit.clone(), "", DuplicatePolicy::Reject).unwrap();
    let uri = v.export_uri(a.id, "uri").unwrap();
    assert_eq!(parse(&uri).unwrap().params, at_limit);
    // An edit that would make it longer is refused and changes nothing.
    let edit = AccountEdit { name: Some("anna.longer".into()), ..Default::default() };
    assert!(matches!(v.update(a.id, edit), Err(VaultError::InvalidInput(_))));
    let short = v.add(totp(b"another secret 1234", "B", "b"), "", DuplicatePolicy::Reject).unwrap();
    let edit = AccountEdit { issuer: Some(long.clone()), name: Some(long), ..Default::default() };
    assert!(matches!(v.update(short.id, edit), Err(VaultError::InvalidInput(_))));
    assert_eq!(v.account(short.id).unwrap().params, short.params);
    assert_eq!(v.account(a.id).unwrap().params, at_limit);
    assert_eq!(v.accounts().unwrap().len(), 2);
}

#[test]
fn a_hotp_counter_that_can_show_no_code_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let (mut v, _) = new_vault(&dir);
    assert!(matches!(
        v.add(hotp(u64::MAX), "", DuplicatePolicy::Allow),
        Err(VaultError::InvalidInput(_))
    ));
    let uri = format!(
        "otpauth://hotp/Bank:anna?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&counter={}",
        u64::MAX
    );
    assert!(matches!(v.add_uri(&uri, DuplicatePolicy::Allow), Err(VaultError::InvalidInput(_))));
    assert!(matches!(
        v.add_enrollment(&sample_enrollment(), Some(hotp(u64::MAX))),
        Err(VaultError::InvalidInput(_))
    ));
    assert!(v.accounts().unwrap().is_empty());
    assert!(v.enrollments().unwrap().is_empty());
    let last = v.add(hotp(u64::MAX - 1), "", DuplicatePolicy::Allow).unwrap();
    assert_eq!(v.next_hotp(last.id).unwrap().value, hotp(u64::MAX - 1).code_at(0).unwrap().value);
}

#[cfg(target_os = "linux")]
use crate::test_support::copies_in_memory;

#[cfg(target_os = "linux")]
#[test]
fn lock_leaves_no_copy_of_the_vault_key_in_memory() {
    let dir = tempfile::tempdir().unwrap();
    let (mut v, path) = new_vault(&dir);
    v.add(totp(RFC_SECRET, "A", "a"), "", DuplicatePolicy::Reject).unwrap();
    drop(v);
    let mut v = reopen(&path);
    for _ in 0..3 {
        v.accounts().unwrap();
    }
    // Keep the key only inverted, so this test holds no copy of its own until the scan.
    let inverted: Vec<u8> = v.key_for_wrapping().unwrap().iter().map(|b| !b).collect();
    v.lock();
    let key = Zeroizing::new(inverted.iter().map(|b| !b).collect::<Vec<u8>>());
    assert_eq!(copies_in_memory(&key), 1, "only the scan's own needle is left");
    drop(key);
    // Dropping an unlocked vault scrubs the same way.
    let v = reopen(&path);
    v.accounts().unwrap();
    let inverted: Vec<u8> = v.key_for_wrapping().unwrap().iter().map(|b| !b).collect();
    drop(v);
    let key = Zeroizing::new(inverted.iter().map(|b| !b).collect::<Vec<u8>>());
    assert_eq!(copies_in_memory(&key), 1);
}

/// A vault that cannot be written opens read-only: everything reads, every write is the
/// typed `ReadOnly` error and changes nothing, an export is handed out unlogged, and nothing
/// is created next to it — so once it is writable again, writes work at once.
#[cfg(unix)]
#[test]
fn a_read_only_vault_reads_refuses_writes_and_leaves_no_side_files() {
    use crate::error::StorageFault;
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let (mut v, path) = new_vault(&dir);
    let a = v.add(totp(RFC_SECRET, "A", "a"), "", DuplicatePolicy::Reject).unwrap();
    let h = v.add(hotp(3), "", DuplicatePolicy::Reject).unwrap();
    drop(v);
    let before = file_bytes(&path);
    let mode = |m| std::fs::set_permissions(&path, std::fs::Permissions::from_mode(m)).unwrap();
    mode(0o400);
    let mut v = Vault::open(&path).unwrap();
    assert!(v.is_read_only());
    v.unlock_with_passphrase(PASS).unwrap();
    assert_eq!(v.accounts().unwrap().len(), 2);
    assert_eq!(v.codes_at(59).unwrap().len(), 1, "the TOTP account's code");
    let logged = v.activity(100).unwrap().len();
    assert!(v.export_uri(a.id, "uri").unwrap().starts_with("otpauth://totp/"));
    assert_eq!(v.activity(100).unwrap().len(), logged, "a read-only vault logs nothing");
    let read_only = |r: Result<(), VaultError>, what: &str| match r {
        Err(VaultError::Storage { fault: StorageFault::ReadOnly, .. }) => {}
        other => panic!("{what}: {other:?}"),
    };
    read_only(
        v.add(totp(b"another secret!!", "B", "b"), "", DuplicatePolicy::Reject).map(drop),
        "add",
    );
    read_only(v.next_hotp(h.id).map(drop), "HOTP");
    let edit = AccountEdit { name: Some("x".into()), ..Default::default() };
    read_only(v.update(a.id, edit).map(drop), "rename");
    read_only(v.delete(a.id), "delete");
    read_only(v.change_passphrase("new passphrase", KdfParams::FLOOR), "passphrase");
    read_only(v.add_platform_slot(&SoftwareProtector::generate().unwrap()), "platform key");
    let event = ActivityEvent::Exported { account_ids: vec![], format: "x".into() };
    read_only(v.log(&event), "log");
    let e = v.delete(a.id).unwrap_err();
    assert!(e.to_string().starts_with("the vault is read-only"), "{e}");
    drop(v);
    let names: Vec<_> =
        std::fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
    assert_eq!(names.len(), 1, "only the vault: {names:?}");
    assert_eq!(file_bytes(&path), before, "nothing changed");
    mode(0o600);
    let mut v = reopen(&path);
    assert!(!v.is_read_only());
    v.add(totp(b"another secret!!", "B", "b"), "", DuplicatePolicy::Reject).unwrap();
    assert_eq!(v.next_hotp(h.id).unwrap().value, "969429", "counter 3, never stepped");
}

/// A read-only vault whose last commits are still in its `-wal` (a crash before the
/// checkpoint, then the file made read-only) is read with them; the read-only `-shm` and
/// `-wal` this leaves (as every read of a read-only vault did before) are given their write
/// permission back when the vault is next opened writable, and writes work.
#[cfg(unix)]
#[test]
fn a_read_only_vault_with_commits_in_its_wal_reads_them_and_its_side_files_are_repaired() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let (mut v, path) = new_vault(&dir);
    v.add(totp(RFC_SECRET, "A", "a"), "", DuplicatePolicy::Reject).unwrap();
    // A copy of the file and its WAL while the vault is open: what a crash leaves.
    let crashed = dir.path().join("crashed.nyckel");
    std::fs::copy(&path, &crashed).unwrap();
    std::fs::copy(format!("{}-wal", path.display()), format!("{}-wal", crashed.display())).unwrap();
    drop(v);
    let side = |s: &str| PathBuf::from(format!("{}{s}", crashed.display()));
    let set =
        |p: &Path, m| std::fs::set_permissions(p, std::fs::Permissions::from_mode(m)).unwrap();
    set(&crashed, 0o400);
    set(&side("-wal"), 0o400);
    assert!(std::fs::metadata(side("-wal")).unwrap().len() > 0);
    let mut v = Vault::open(&crashed).unwrap();
    assert!(v.is_read_only());
    v.unlock_with_passphrase(PASS).unwrap();
    assert_eq!(v.accounts().unwrap().len(), 1, "the commit still in the WAL is read");
    drop(v);
    // What reading it left, as an earlier version left it for any read-only vault.
    for s in ["-wal", "-shm"] {
        if side(s).exists() {
            set(&side(s), 0o400);
        } else {
            std::fs::write(side(s), b"").unwrap();
            set(&side(s), 0o400);
        }
    }
    set(&crashed, 0o600);
    let mut v = reopen(&crashed);
    assert!(!v.is_read_only());
    for s in ["-wal", "-shm"] {
        let mode = std::fs::metadata(side(s)).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode & 0o600, 0o600, "{s} is writable by its owner again");
    }
    v.add(totp(b"another secret!!", "B", "b"), "", DuplicatePolicy::Reject).unwrap();
    drop(v);
    assert_eq!(reopen(&crashed).accounts().unwrap().len(), 2);
}

// ---- A power cut's torn WAL tail ----

/// The vault file and its WAL as a crash left them while `v` was open with two commits
/// (A, then B) only in the WAL: copied aside as `name`, the WAL cut by `cut` bytes or, with
/// `garble`, its last `garble` bytes overwritten in place. Returns the copy's path.
fn crashed_copy(
    dir: &tempfile::TempDir,
    path: &Path,
    name: &str,
    cut: u64,
    garble: usize,
) -> PathBuf {
    let copy = dir.path().join(name);
    std::fs::copy(path, &copy).unwrap();
    let wal = std::fs::read(format!("{}-wal", path.display())).unwrap();
    let mut torn = wal[..wal.len() - cut as usize].to_vec();
    let end = torn.len();
    for b in &mut torn[end - garble..] {
        *b ^= 0x5a;
    }
    std::fs::write(format!("{}-wal", copy.display()), torn).unwrap();
    copy
}

/// A power cut can leave the last WAL frame half written (the disk wrote some of its
/// sectors) or with garbage in it. SQLite's recovery replays frames only up to the last one
/// whose cumulative checksum holds and that ends a transaction: the torn transaction is gone
/// as a whole, every commit before it is there, and the vault opens, unlocks and takes
/// writes (which replace the torn tail). With `synchronous = FULL` a commit is reported only
/// after the WAL is synced, so a torn transaction is one that was never acknowledged.
#[test]
fn a_torn_last_wal_frame_loses_only_the_unfinished_commit() {
    let dir = tempfile::tempdir().unwrap();
    let (mut v, path) = new_vault(&dir);
    v.add(totp(RFC_SECRET, "Base", "b"), "", DuplicatePolicy::Reject).unwrap();
    drop(v); // checkpointed: the file holds Base
    let mut v = reopen(&path);
    let a = v.add(totp(b"secret of account A", "A", "a"), "", DuplicatePolicy::Reject).unwrap();
    let wal_after_a = std::fs::metadata(format!("{}-wal", path.display())).unwrap().len();
    v.add(totp(b"secret of account B", "B", "b"), "", DuplicatePolicy::Reject).unwrap();
    let wal = std::fs::metadata(format!("{}-wal", path.display())).unwrap().len();
    let page: u64 = v.conn.pragma_query_value(None, "page_size", |r| r.get(0)).unwrap();
    let frame = 24 + page;
    assert_eq!((wal - 32) % frame, 0, "whole frames after the 32-byte header");
    assert!(wal > wal_after_a, "B's frames follow A's");
    let names = |p: &Path| -> Vec<String> {
        reopen(p).accounts().unwrap().iter().map(|a| a.params.issuer.clone()).collect()
    };
    for (name, cut, garble) in [
        ("half-frame.nyckel", frame / 2, 0), // the last frame's second half never written
        ("header-only.nyckel", page, 0),     // only its 24-byte header written
        ("garbled.nyckel", 0, (page / 2) as usize), // its last sectors hold garbage
        ("all-of-b-torn.nyckel", wal - wal_after_a - frame / 2, 0), // B's first frame cut
    ] {
        let copy = crashed_copy(&dir, &path, name, cut, garble);
        assert_eq!(names(&copy), ["Base", "A"], "{name}: every commit before the torn one");
        let mut w = reopen(&copy);
        assert_eq!(w.account(a.id).unwrap().params.name, "a");
        w.add(totp(b"secret of account C", "C", "c"), "", DuplicatePolicy::Reject).unwrap();
        drop(w);
        assert_eq!(names(&copy), ["Base", "A", "C"], "{name}: a new commit after recovery");
    }
    // The WAL as written, untouched: both commits.
    let whole = crashed_copy(&dir, &path, "whole.nyckel", 0, 0);
    assert_eq!(names(&whole), ["Base", "A", "B"]);
}

// ---- Opening without checking an unchanged file again ----

#[cfg(unix)]
#[test]
fn an_unchanged_file_is_not_checked_again_and_a_changed_one_is() {
    let dir = tempfile::tempdir().unwrap();
    let (mut v, path) = new_vault(&dir);
    v.add(totp(RFC_SECRET, "Bank", "anna"), "", DuplicatePolicy::Reject).unwrap();
    drop(v);
    let now = crate::clock::SystemClock;
    let later = || crate::clock::system_unix_time().unwrap_or(0) + SETTLE_SECONDS + 1;

    // Just written: its stamp is not settled, nothing to keep.
    let (v, kept) = Vault::open_unless_unchanged(&path, None, &now).unwrap();
    assert_eq!(kept, None);
    drop(v);
    // Once settled, the stamp taken before the checks is handed back, and reading (codes,
    // the snapshot) and closing leave the file with that stamp.
    let (mut v, kept) = Vault::open_unless_unchanged(&path, None, &later).unwrap();
    let kept = kept.expect("a settled stamp");
    v.unlock_with_passphrase(PASS).unwrap();
    assert_eq!(v.codes_at(59).unwrap().len(), 1);
    drop(v);
    assert_eq!(FileStamp::of(&path).as_ref(), Some(&kept));
    // Given back, it skips the checks (and hands back nothing new to keep).
    let (mut v, again) = Vault::open_unless_unchanged(&path, Some(&kept), &later).unwrap();
    assert_eq!(again, None);
    v.unlock_with_passphrase(PASS).unwrap();
    assert_eq!(v.accounts().unwrap().len(), 1);
    drop(v);

    // A second passphrase slot makes the file fail the checks. Written after `kept` was
    // taken, it moves the stamp: the checks run and refuse it.
    let extra = "INSERT INTO key_slots (kind, params, wrapped, created_at)
                 SELECT kind, params, wrapped, created_at FROM key_slots WHERE kind = 'passphrase'";
    rusqlite::Connection::open(&path).unwrap().execute_batch(extra).unwrap();
    assert_ne!(FileStamp::of(&path).unwrap(), kept);
    let opened = Vault::open_unless_unchanged(&path, Some(&kept), &later);
    assert!(matches!(opened, Err(VaultError::Corrupt(_))), "{opened:?}");
    assert!(matches!(
        Vault::open_unless_unchanged(&path, None, &later),
        Err(VaultError::Corrupt(_))
    ));
    // What the stamp vouches for is trusted: a caller that kept the damaged file's stamp as
    // if it had passed skips the checks (hence: keep stamps only where the owner alone can
    // write), and unlocking still refuses the extra slot. (Taken after the failed checks:
    // their read-only connection left an empty WAL, which is part of the stamp.)
    let damaged = FileStamp::of(&path).unwrap();
    let (mut v, _) = Vault::open_unless_unchanged(&path, Some(&damaged), &later).unwrap();
    assert!(matches!(v.unlock_with_passphrase(PASS), Err(VaultError::Corrupt(_))));
}

#[cfg(unix)]
#[test]
fn a_file_not_at_the_latest_schema_is_checked_whatever_the_stamp() {
    let dir = tempfile::tempdir().unwrap();
    let (v, path) = new_vault(&dir);
    drop(v);
    rusqlite::Connection::open(&path).unwrap().pragma_update(None, "user_version", 0).unwrap();
    let stamp = FileStamp::of(&path).unwrap();
    let opened = Vault::open_unless_unchanged(&path, Some(&stamp), &crate::clock::SystemClock);
    assert!(matches!(opened, Err(VaultError::Corrupt(_))), "{opened:?}");
}
