//! Rust tests of the import/export wrappers (`transfer.rs`): records, error mapping, the
//! vault left unchanged on a refused file. The formats themselves are tested in core.

use std::sync::Arc;

use crate::error::NyckelError;
use crate::transfer::{
    google_transfer_progress, import_format_names, inspect_import_file, ImportOutcome, LeftOutCause,
};
use crate::vault::{kdf_minimum, ExportVia, NyckelVault};
use crate::{ErrorKind, ExportFormat, GoogleLimit};

fn new_vault(dir: &tempfile::TempDir, name: &str) -> Arc<NyckelVault> {
    let path = dir.path().join(name).display().to_string();
    NyckelVault::create(path, "vault pw".into(), Some(kdf_minimum())).unwrap()
}

/// Base32 secrets of distinct accounts.
fn secret(i: usize) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    (0..32).map(|j| ALPHABET[(i * 7 + j * 3 + i * j) % 32] as char).collect()
}

fn uri(i: usize) -> String {
    format!("otpauth://totp/Issuer{i}:user{i}?secret={}&issuer=Issuer{i}", secret(i))
}

/// Every account's secret-bearing URI, sorted (the round-trip comparison).
fn secrets_of(v: &NyckelVault) -> Vec<String> {
    let mut all: Vec<String> = v
        .accounts()
        .unwrap()
        .iter()
        .map(|a| {
            let uri = v.export_uri(a.id, ExportVia::Uri).unwrap();
            let secret = uri.split("secret=").nth(1).unwrap().split('&').next().unwrap();
            format!("{}|{}|{secret}", a.issuer, a.name)
        })
        .collect();
    all.sort();
    all
}

#[test]
fn a_uri_list_imports_with_outcomes_dry_run_first() {
    let dir = tempfile::tempdir().unwrap();
    let v = new_vault(&dir, "v");
    let file = format!("# my codes\n\n{}\n{}\nnot a uri\n", uri(1), uri(2));
    let info = inspect_import_file(file.clone().into_bytes(), None).unwrap();
    assert_eq!((info.format.as_str(), info.encrypted), ("otpauth", false));

    let dry = v.import_file(file.clone().into_bytes(), None, None, true, false).unwrap();
    assert_eq!((dry.committed, dry.imported, dry.would_import, dry.failed), (false, 0, 2, 1));
    assert!(
        matches!(&dry.entries[2].outcome, ImportOutcome::Failed { reason } if !reason.is_empty())
    );
    assert_eq!(dry.entries[0].outcome, ImportOutcome::Imported { account_id: None });
    assert!(v.accounts().unwrap().is_empty());

    // One failed entry: nothing added unless the good ones are kept.
    let refused = v.import_file(file.clone().into_bytes(), None, None, false, false).unwrap();
    assert!(!refused.committed);
    assert!(v.accounts().unwrap().is_empty());
    let kept = v.import_file(file.clone().into_bytes(), None, None, false, true).unwrap();
    assert_eq!((kept.committed, kept.imported, kept.failed), (true, 2, 1));
    let ids: Vec<i64> = v.accounts().unwrap().iter().map(|a| a.id).collect();
    assert!(
        matches!(kept.entries[0].outcome, ImportOutcome::Imported { account_id: Some(id) } if id == ids[0])
    );

    let again =
        v.import_file(file.into_bytes(), Some("otpauth".into()), None, false, true).unwrap();
    assert_eq!((again.duplicates, again.imported), (2, 0));
    assert_eq!(again.entries[1].outcome, ImportOutcome::Duplicate { existing_id: ids[1] });
}

#[test]
fn a_backup_restores_into_a_new_vault_and_a_wrong_password_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let v = new_vault(&dir, "old");
    for i in 0..3 {
        v.add_uri(uri(i), false).unwrap();
    }
    v.add_uri(format!("otpauth://hotp/H:h?secret={}&counter=42", secret(9)), false).unwrap();
    assert!(matches!(
        v.export(ExportFormat::Nyckel, None, Some(kdf_minimum())),
        Err(NyckelError::InvalidInput { .. })
    ));
    let backup =
        v.export(ExportFormat::Nyckel, Some("backup pw".into()), Some(kdf_minimum())).unwrap();
    assert_eq!(backup.exported_account_ids().len(), 4);
    assert!(backup.left_out().is_empty() && backup.qr_payloads().is_empty());
    assert!(!format!("{backup:?}").contains(&secret(0)));
    assert!(v.activity(1).unwrap()[0].summary.contains("export:nyckel"));

    let info = inspect_import_file(backup.bytes(), None).unwrap();
    assert_eq!((info.format.as_str(), info.encrypted), ("nyckel", true));

    let fresh = new_vault(&dir, "new");
    fresh.add_uri(uri(7), false).unwrap();
    // Accounts and activity as they were (no export_uri here: it is logged).
    let before = (fresh.accounts().unwrap(), fresh.activity(100).unwrap());
    let wrong =
        fresh.import_file(backup.bytes(), Some("nyckel".into()), Some("nope".into()), false, false);
    assert_eq!(wrong.as_ref().unwrap_err(), &NyckelError::WrongPassphrase);
    assert_eq!(wrong.unwrap_err().kind(), ErrorKind::WrongPassphrase);
    let missing = fresh.import_file(backup.bytes(), None, None, false, false).unwrap_err();
    assert!(matches!(missing, NyckelError::InvalidInput { .. }), "{missing}");
    assert_eq!((fresh.accounts().unwrap(), fresh.activity(100).unwrap()), before);
    let kept = secrets_of(&fresh);

    let restored = fresh
        .import_file(backup.bytes(), Some("nyckel".into()), Some("backup pw".into()), false, false)
        .unwrap();
    assert_eq!((restored.format.as_str(), restored.imported), ("nyckel", 4));
    let mut expected = secrets_of(&v);
    expected.extend(kept);
    expected.sort();
    assert_eq!(secrets_of(&fresh), expected);
    let hotp = fresh.accounts().unwrap().into_iter().find(|a| a.issuer == "H").unwrap();
    assert_eq!(hotp.counter, 42);

    // A tampered backup is refused as bad input, never a panic.
    let mut tampered = backup.bytes();
    let at = tampered.len() - 10;
    tampered[at] ^= 1;
    let e = fresh.import_file(tampered, None, Some("backup pw".into()), false, false).unwrap_err();
    assert!(matches!(e.kind(), ErrorKind::InvalidInput | ErrorKind::WrongPassphrase), "{e}");
}

#[test]
fn google_transfer_codes_are_collected_and_a_missing_one_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let v = new_vault(&dir, "v");
    for i in 0..10 {
        v.add_uri(uri(i), false).unwrap();
    }
    v.add_uri(format!("otpauth://steam/Steam:s?secret={}", secret(20)), false).unwrap();
    let plan = v.export_plan(ExportFormat::GoogleQr).unwrap();
    assert_eq!((plan.accounts.len(), plan.left_out.len()), (10, 1));
    assert_eq!(plan.left_out[0].label, "Steam (s)");
    assert_eq!(
        plan.left_out[0].cause,
        LeftOutCause::NotInGoogleFormat { limit: GoogleLimit::Steam },
        "the app says it from the cause"
    );
    assert_eq!(plan.left_out[0].reason, "Google Authenticator has no Steam codes");
    let out = v.export(ExportFormat::GoogleQr, None, None).unwrap();
    assert_eq!(out.qr_payloads().len(), 2);
    assert!(out.bytes().is_empty());
    assert_eq!(out.left_out(), plan.left_out);

    let first = vec![out.qr_payloads()[1].clone()];
    let p = google_transfer_progress(first.clone()).unwrap();
    assert_eq!(
        (p.total, p.scanned.clone(), p.missing.clone(), p.accounts),
        (2, vec![2], vec![1], 2)
    );
    let fresh = new_vault(&dir, "new");
    let e = fresh.import_google_transfer(first, false, false).unwrap_err();
    assert!(
        matches!(&e, NyckelError::InvalidInput { reason } if reason.contains("batch 1 of 2 missing")),
        "{e}"
    );
    assert!(fresh.accounts().unwrap().is_empty());
    assert!(matches!(
        google_transfer_progress(vec!["otpauth://totp/x?secret=AA".into()]),
        Err(NyckelError::InvalidInput { .. })
    ));

    let both = vec![out.qr_payloads()[1].clone(), out.qr_payloads()[0].clone()];
    assert!(google_transfer_progress(both.clone()).unwrap().missing.is_empty());
    let summary = fresh.import_google_transfer(both, false, false).unwrap();
    assert_eq!((summary.format.as_str(), summary.imported), ("google-transfer", 10));
    let mut google = secrets_of(&v);
    google.retain(|s| !s.starts_with("Steam"));
    assert_eq!(secrets_of(&fresh), google);
}

#[test]
fn every_export_format_round_trips_and_refusals_are_typed() {
    let dir = tempfile::tempdir().unwrap();
    let v = new_vault(&dir, "v");
    for i in 0..3 {
        v.add_uri(uri(i), false).unwrap();
    }
    let names = import_format_names();
    assert!(names.contains(&"aegis".to_owned()) && names.contains(&"nyckel".to_owned()));
    for (n, format) in [ExportFormat::Aegis, ExportFormat::AegisEncrypted, ExportFormat::Otpauth]
        .into_iter()
        .enumerate()
    {
        let out = v.export(format, Some("pw".into()), None).unwrap();
        let fresh = new_vault(&dir, &format!("f{n}"));
        let s = fresh.import_file(out.bytes(), None, Some("pw".into()), false, false).unwrap();
        assert_eq!(s.imported, 3, "{format:?}");
        assert_eq!(secrets_of(&fresh), secrets_of(&v), "{format:?}");
    }
    assert!(matches!(
        v.import_file(b"hello".to_vec(), None, None, false, false),
        Err(NyckelError::InvalidInput { .. })
    ));
    assert!(matches!(
        v.import_file(uri(1).into_bytes(), Some("no-such-format".into()), None, false, false),
        Err(NyckelError::InvalidInput { .. })
    ));
    v.lock().unwrap();
    assert_eq!(
        v.import_file(uri(5).into_bytes(), None, None, false, false),
        Err(NyckelError::Locked)
    );
    assert_eq!(v.export(ExportFormat::Otpauth, None, None).unwrap_err(), NyckelError::Locked);
    v.close_vault();
    assert_eq!(v.export_plan(ExportFormat::Aegis), Err(NyckelError::Closed));
    assert_eq!(
        v.import_file(uri(5).into_bytes(), None, None, false, false),
        Err(NyckelError::Closed)
    );
}

#[test]
fn automatic_backups_use_the_kept_key_and_the_fingerprint_says_when_one_is_due() {
    let dir = tempfile::tempdir().unwrap();
    let v = new_vault(&dir, "auto");
    let empty = v.content_fingerprint().unwrap();
    assert_eq!(empty.len(), 64);
    v.add_uri(uri(1), false).unwrap();
    let one = v.content_fingerprint().unwrap();
    assert_ne!(one, empty);
    assert_eq!(v.content_fingerprint().unwrap(), one, "nothing changed");

    // The cheap signal before the fingerprint: codes and reads leave it, a write moves it.
    let stamp = v.change_stamp().unwrap();
    v.codes().unwrap();
    v.accounts().unwrap();
    assert_eq!(v.change_stamp().unwrap(), stamp, "reading writes nothing");
    v.add_uri(uri(2), false).unwrap();
    assert_ne!(v.change_stamp().unwrap(), stamp);
    v.lock().unwrap();
    assert!(v.change_stamp().is_ok(), "asked while locked too");
    v.unlock_with_passphrase("vault pw".into()).unwrap();

    let key = v.auto_backup_key("K7PQA-MX3DE".into(), Some(kdf_minimum())).unwrap();
    let file = v.auto_backup(key.clone()).unwrap().bytes();
    let restored = new_vault(&dir, "restored");
    restored
        .import_file(file, Some("nyckel".into()), Some("K7PQA-MX3DE".into()), false, false)
        .unwrap();
    assert_eq!(secrets_of(&restored), secrets_of(&v));

    let other = new_vault(&dir, "other");
    let err = other.auto_backup(key).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidInput);
    let err = v.auto_backup_key("  ".into(), None).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidInput);
}

/// Runs `slow` (an export or a key derivation whose slow step is held at a gate) on a thread
/// and checks that, while that step is under way, another thread's `codes()` on the same
/// vault completes: the step runs with the vault mutex released. Ordering by channels only;
/// the timeouts only turn a deadlock (a held mutex) into a failure instead of a hang.
fn another_call_proceeds_while<T: Send + 'static>(
    v: &Arc<NyckelVault>,
    slow: impl FnOnce(Arc<NyckelVault>, Box<dyn FnOnce() + Send>) -> T + Send + 'static,
) -> T {
    use std::sync::mpsc::channel;
    use std::time::Duration;
    let guard = Duration::from_secs(120);
    let (started_tx, started) = channel();
    let (release, release_rx) = channel::<()>();
    let gate: Box<dyn FnOnce() + Send> = Box::new(move || {
        started_tx.send(()).unwrap();
        release_rx.recv().unwrap();
    });
    let worker = {
        let v = Arc::clone(v);
        std::thread::spawn(move || slow(v, gate))
    };
    started.recv_timeout(guard).expect("the slow step began");
    let (done_tx, done) = channel();
    let reader = {
        let v = Arc::clone(v);
        std::thread::spawn(move || done_tx.send(v.codes()).unwrap())
    };
    let codes = done.recv_timeout(guard).expect("codes() waited for the slow step: mutex held");
    assert_eq!(codes.unwrap().len(), 1);
    reader.join().unwrap();
    release.send(()).unwrap();
    worker.join().unwrap()
}

#[test]
fn an_export_and_a_backup_key_derive_with_the_vault_free_for_other_calls() {
    let dir = tempfile::tempdir().unwrap();
    let v = new_vault(&dir, "concurrent");
    v.add_uri(uri(1), false).unwrap();

    let exported = another_call_proceeds_while(&v, |v, gate| {
        v.export_with(ExportFormat::Nyckel, Some("pw".into()), Some(kdf_minimum()), |pending| {
            gate();
            pending.write()
        })
    });
    let restored = new_vault(&dir, "restored");
    let file = exported.unwrap().bytes();
    restored.import_file(file, None, Some("pw".into()), false, false).unwrap();
    assert_eq!(secrets_of(&restored), secrets_of(&v));

    let key = another_call_proceeds_while(&v, |v, gate| {
        v.auto_backup_key_with("K7PQA-MX3DE".into(), Some(kdf_minimum()), |pw, params, salt| {
            gate();
            nyckel_core::export::backup::BackupKey::derive(pw, params, salt)
        })
    });
    let file = v.auto_backup(key.unwrap()).unwrap().bytes();
    let again = new_vault(&dir, "again");
    again.import_file(file, None, Some("K7PQA-MX3DE".into()), false, false).unwrap();
    assert_eq!(secrets_of(&again), secrets_of(&v));
}

#[test]
fn an_export_whose_vault_locks_while_it_derives_is_refused_and_not_handed_out() {
    let dir = tempfile::tempdir().unwrap();
    let v = new_vault(&dir, "locks");
    v.add_uri(uri(1), false).unwrap();
    let locker = Arc::clone(&v);
    let out = v.export_with(ExportFormat::Nyckel, Some("pw".into()), Some(kdf_minimum()), |p| {
        locker.lock().unwrap();
        p.write()
    });
    // It could not be logged, so it does not leave.
    assert_eq!(out.unwrap_err(), NyckelError::Locked);
}
