use super::*;
use crate::import::{self, Format, ImportError};
use crate::otpauth::{self, OtpKind};
use crate::vault::{DuplicatePolicy, Vault};

fn vault() -> (tempfile::TempDir, Vault) {
    let dir = tempfile::tempdir().unwrap();
    let v = Vault::create(&dir.path().join("v.db"), "correct horse", KdfParams::FLOOR).unwrap();
    (dir, v)
}

/// Accounts of every kind, with notes and an extra parameter.
const URIS: [&str; 5] = [
    "otpauth://totp/Region%20Sk%C3%A5ne:anna?secret=JBSWY3DPEHPK3PXP&issuer=Region%20Sk%C3%A5ne",
    "otpauth://totp/SPDX:James?secret=5OM4WOOGPLQEF6UGN3CPEOOLWU&algorithm=SHA256&digits=7&period=20",
    "otpauth://hotp/WWE:Mason?secret=5VAML3X35THCEBVRLV24CGBKOY&algorithm=SHA512&digits=8&counter=10300",
    "otpauth://steam/Boeing:Sophia?secret=JRZCL47CMXVOQMNPZR2F7J4RGI",
    "otpauth://totp/Plain:x?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&image=https%3A%2F%2Fe.se%2Fi.png",
];

fn filled() -> (tempfile::TempDir, Vault) {
    let (d, mut v) = vault();
    for (i, uri) in URIS.iter().enumerate() {
        let params = otpauth::parse(uri).unwrap().params;
        v.add(params, &format!("note {i}"), DuplicatePolicy::Reject).unwrap();
    }
    (d, v)
}

/// The time the vault stamps its entries with (the system clock).
fn now() -> i64 {
    crate::clock::Clock::now(&crate::clock::SystemClock)
}

fn options(password: Option<&str>) -> ExportOptions<'_> {
    ExportOptions { password, backup_kdf: KdfParams::FLOOR }
}

/// Imports `data` into a fresh vault and returns its accounts as (params, note).
fn reimport(data: &[u8], password: Option<&str>) -> (Format, Vec<(OtpParams, String)>) {
    let parsed = import::read(data, None, password).unwrap();
    let format = parsed.format;
    let entries = parsed
        .entries
        .into_iter()
        .map(|e| {
            let c = e.result.unwrap_or_else(|r| panic!("{}: {r}", e.label));
            (c.params, c.note)
        })
        .collect();
    (format, entries)
}

fn originals(v: &Vault) -> Vec<(OtpParams, String)> {
    v.accounts().unwrap().into_iter().map(|a| (a.params, a.note)).collect()
}

#[test]
fn nyckel_backup_round_trips_every_account_with_its_note() {
    let (_d, mut v) = filled();
    let out = export(&mut v, ExportFormat::Nyckel, options(Some("backup pw"))).unwrap();
    assert_eq!(out.exported.len(), URIS.len());
    let text = std::str::from_utf8(&out.bytes).unwrap();
    assert!(!text.contains("JBSWY3DPEHPK3PXP") && !text.contains("anna"), "sealed");
    let (format, back) = reimport(&out.bytes, Some("backup pw"));
    assert_eq!(format, Format::NyckelBackup);
    assert_eq!(back, originals(&v));
    // Restoring into a vault that has them already finds duplicates only.
    let parsed = import::read(&out.bytes, None, Some("backup pw")).unwrap();
    let report = import::apply(&mut v, parsed, import::ImportOptions::default()).unwrap();
    assert_eq!(report.duplicates(), URIS.len());
}

#[test]
fn nyckel_backup_refuses_a_wrong_password_and_any_changed_header_field() {
    let (_d, mut v) = filled();
    let out = export(&mut v, ExportFormat::Nyckel, options(Some("pw"))).unwrap();
    let e = import::read(&out.bytes, None, Some("other")).unwrap_err();
    assert!(matches!(e, ImportError::WrongPassword(_)), "{e}");
    assert!(matches!(
        import::read(&out.bytes, None, None).unwrap_err(),
        ImportError::PasswordRequired(_)
    ));
    let file: serde_json::Value = serde_json::from_slice(&out.bytes).unwrap();
    // Each header field is bound: a lowered pass count (or any edit) no longer opens.
    for (path, value) in [
        (("kdf", "iterations"), serde_json::json!(3)),
        (("kdf", "memory_kib"), serde_json::json!(19 * 1024 + 1)),
        (("kdf", "salt"), serde_json::json!("AAAAAAAAAAAAAAAAAAAAAA==")),
    ] {
        let mut f = file.clone();
        f[path.0][path.1] = value;
        let e = import::read(f.to_string().as_bytes(), None, Some("pw")).unwrap_err();
        assert!(matches!(e, ImportError::WrongPassword(_)), "{path:?}: {e}");
    }
    let mut f = file.clone();
    f["kdf"]["memory_kib"] = serde_json::json!(8u64 * 1024 * 1024);
    let e = import::read(f.to_string().as_bytes(), None, Some("pw")).unwrap_err();
    assert!(matches!(e, ImportError::KdfTooExpensive { .. }), "{e}");
    let mut f = file.clone();
    f["version"] = serde_json::json!(2);
    assert!(matches!(
        import::read(f.to_string().as_bytes(), None, Some("pw")).unwrap_err(),
        ImportError::Unsupported { .. }
    ));
    let mut f = file.clone();
    f["cipher"]["nonce"] = serde_json::json!("AAAA");
    assert!(matches!(
        import::read(f.to_string().as_bytes(), None, Some("pw")).unwrap_err(),
        ImportError::Malformed { .. }
    ));
    // Truncated anywhere: a typed error, never a panic.
    for cut in (0..out.bytes.len()).step_by(37) {
        assert!(import::read(&out.bytes[..cut], Some(Format::NyckelBackup), Some("pw")).is_err());
    }
}

#[test]
fn aegis_plain_and_encrypted_exports_round_trip() {
    let (_d, mut v) = filled();
    let plain = export(&mut v, ExportFormat::Aegis, options(None)).unwrap();
    let (format, back) = reimport(&plain.bytes, None);
    assert_eq!(format, Format::Aegis);
    // Aegis has no place for extra URI parameters (the image link).
    let mut expected = originals(&v);
    expected.iter_mut().for_each(|(p, _)| p.extra.clear());
    assert_eq!(back, expected);

    let sealed = export(&mut v, ExportFormat::AegisEncrypted, options(Some("aegis pw"))).unwrap();
    let (format, back) = reimport(&sealed.bytes, Some("aegis pw"));
    assert_eq!(format, Format::Aegis);
    assert_eq!(back, expected);
    let e = import::read(&sealed.bytes, None, Some("nope")).unwrap_err();
    assert!(matches!(e, ImportError::WrongPassword(_)), "{e}");
    // Aegis's own slot parameters, so Aegis opens it as fast as its own files.
    let file: serde_json::Value = serde_json::from_slice(&sealed.bytes).unwrap();
    assert_eq!(file["header"]["slots"][0]["n"], 32768);
}

#[test]
fn otpauth_list_round_trips() {
    let (_d, mut v) = filled();
    let out = export(&mut v, ExportFormat::Otpauth, options(None)).unwrap();
    let (format, back) = reimport(&out.bytes, None);
    assert_eq!(format, Format::UriList);
    let mut expected = originals(&v);
    expected.iter_mut().for_each(|(_, note)| note.clear()); // a URI has no note
    assert_eq!(back, expected);
}

#[test]
fn google_qr_round_trips_what_google_can_hold_and_lists_the_rest() {
    let (_d, mut v) = filled();
    for i in 0..20u8 {
        let secret = crate::Secret::new(vec![i + 1; 20]);
        v.add(OtpParams::totp(secret, "Many", &format!("u{i}")), "", DuplicatePolicy::Reject)
            .unwrap();
    }
    let out = export(&mut v, ExportFormat::GoogleQr, options(None)).unwrap();
    assert!(out.bytes.is_empty());
    assert_eq!(out.qr_uris.len(), 3, "23 accounts in codes of {}", google::ACCOUNTS_PER_CODE);
    let labels: Vec<&str> = out.left_out.iter().map(|l| l.label.as_str()).collect();
    assert_eq!(labels, ["SPDX (James)", "Boeing (Sophia)"]); // 20 s period, Steam
    let causes: Vec<&LeftOutCause> = out.left_out.iter().map(|l| &l.cause).collect();
    assert_eq!(
        causes,
        [
            &LeftOutCause::NotInGoogleFormat(GoogleLimit::Period),
            &LeftOutCause::NotInGoogleFormat(GoogleLimit::Steam)
        ]
    );
    assert_eq!(out.left_out[1].reason(), "Google Authenticator has no Steam codes");
    let uris: Vec<&str> = out.qr_uris.iter().map(|u| u.as_str()).collect();
    let parsed = import::read_google_transfer(&uris).unwrap();
    let back: Vec<OtpParams> =
        parsed.entries.into_iter().map(|e| e.result.unwrap().params).collect();
    let expected: Vec<OtpParams> = v
        .accounts()
        .unwrap()
        .into_iter()
        .map(|a| a.params)
        .filter(|p| google::unsupported(p).is_none())
        .map(|mut p| {
            p.extra.clear();
            p
        })
        .collect();
    assert_eq!(back, expected);
    assert_eq!(out.exported.len(), expected.len());
}

#[test]
fn device_bound_keys_and_managed_secrets_never_leave_and_every_export_is_logged() {
    let (_d, mut v) = vault();
    let enrollment = |managed: bool, phone: bool| crate::protocol::Enrollment {
        base_url: "https://idp.example.se".into(),
        origin: "https://idp.example.se".into(),
        rp_id: "idp.example.se".into(),
        issuer: "Region Skåne".into(),
        provider_key: "BAAA".into(),
        account_name: if managed { "anna" } else { "bo" }.into(),
        user_id: "dXNlcg".into(),
        device_id: "ZGV2aWNl".into(),
        device_name: "telefon".into(),
        device_key_alias: "k".into(),
        device_public_key: "BAAA".into(),
        sign_count: 0,
        phone_signin: phone.then(|| crate::protocol::PhoneSignin {
            key_alias: "p".into(),
            credential_id: "c".into(),
            public_key: "BAAA".into(),
            sign_count: 0,
        }),
        clock_offset: 0,
        otp_account_id: None,
        otp_managed: managed,
        enrolled_at: 1,
    };
    let managed = OtpParams::totp(crate::Secret::new(vec![1; 20]), "Region Skåne", "anna");
    let personal = OtpParams::totp(crate::Secret::new(vec![2; 20]), "Region Skåne", "bo");
    v.add_enrollment(&enrollment(true, true), Some(managed)).unwrap();
    let (_, personal) = v.add_enrollment(&enrollment(false, false), Some(personal)).unwrap();
    for format in ExportFormat::ALL {
        let out = export(&mut v, format, options(Some("pw"))).unwrap();
        assert_eq!(out.exported, vec![personal.as_ref().unwrap().id], "{format:?}");
        let reasons: Vec<String> =
            out.left_out.iter().map(|l| format!("{}: {}", l.label, l.reason())).collect();
        assert_eq!(reasons.len(), 3, "{reasons:?}");
        assert!(
            reasons[0]
                .starts_with("anna at https://idp.example.se: push approvals and phone sign-in"),
            "{reasons:?}"
        );
        assert!(
            reasons[1].starts_with("bo at https://idp.example.se: push approvals use keys"),
            "{reasons:?}"
        );
        assert!(reasons[2].contains("managed by the organisation"), "{reasons:?}");
        let causes: Vec<&LeftOutCause> = out.left_out.iter().map(|l| &l.cause).collect();
        assert_eq!(
            causes,
            [
                &LeftOutCause::DeviceBound { phone_signin: true },
                &LeftOutCause::DeviceBound { phone_signin: false },
                &LeftOutCause::ManagedOtp
            ],
            "the apps say each from its cause"
        );
        let logged = &v.activity(1).unwrap()[0].event;
        assert_eq!(
            logged,
            &ActivityEvent::Exported {
                account_ids: out.exported.clone(),
                format: format!("export:{}", format.name())
            }
        );
    }
}

#[test]
fn encrypted_exports_need_a_password_and_log_nothing_without_one() {
    let (_d, mut v) = filled();
    for format in [ExportFormat::Nyckel, ExportFormat::AegisEncrypted] {
        assert!(matches!(
            export(&mut v, format, options(None)),
            Err(ExportError::PasswordRequired(_))
        ));
        assert!(matches!(
            export(&mut v, format, options(Some("  "))),
            Err(ExportError::EmptyPassword)
        ));
    }
    let weak = ExportOptions {
        password: Some("pw"),
        backup_kdf: KdfParams { memory_kib: 1024, iterations: 1, parallelism: 1 },
    };
    assert!(matches!(
        export(&mut v, ExportFormat::Nyckel, weak),
        Err(ExportError::KdfParameters(_))
    ));
    assert!(!v
        .activity(50)
        .unwrap()
        .iter()
        .any(|e| matches!(e.event, ActivityEvent::Exported { .. })));
    v.lock();
    assert!(matches!(
        export(&mut v, ExportFormat::Otpauth, options(None)),
        Err(ExportError::Vault(_))
    ));
}

#[test]
fn steam_and_hotp_survive_every_format_that_holds_them() {
    let (_d, mut v) = filled();
    for format in [
        ExportFormat::Nyckel,
        ExportFormat::Aegis,
        ExportFormat::AegisEncrypted,
        ExportFormat::Otpauth,
    ] {
        let out = export(&mut v, format, options(Some("pw"))).unwrap();
        let (_, back) = reimport(&out.bytes, Some("pw"));
        let kinds: Vec<OtpKind> = back.iter().map(|(p, _)| p.kind).collect();
        assert_eq!(
            kinds,
            [OtpKind::Totp, OtpKind::Totp, OtpKind::Hotp, OtpKind::Steam, OtpKind::Totp],
            "{format:?}"
        );
        assert_eq!(back[2].0.counter, 10300, "{format:?}");
    }
}

#[test]
fn salts_nonces_and_ids_come_from_the_vault_random_source() {
    let (_dir, mut v) = filled();
    let sevens: std::sync::Arc<dyn crate::random::Random> =
        std::sync::Arc::new(|b: &mut [u8]| b.fill(7));
    v.set_random(sevens);
    let pinned = |v: &mut Vault, f| export(v, f, options(Some("correct horse"))).unwrap().bytes;
    for format in [ExportFormat::Nyckel, ExportFormat::AegisEncrypted, ExportFormat::Aegis] {
        assert_eq!(pinned(&mut v, format), pinned(&mut v, format), "{format:?}");
    }
    // The pinned bytes are what the file carries, and it still opens.
    let backup = pinned(&mut v, ExportFormat::Nyckel);
    let (format, accounts) = reimport(&backup, Some("correct horse"));
    assert_eq!((format, accounts), (Format::NyckelBackup, originals(&v)));
    v.set_random(std::sync::Arc::new(crate::random::SystemRandom));
    assert_ne!(pinned(&mut v, ExportFormat::Nyckel), backup);
}

#[test]
fn an_automatic_backup_is_sealed_with_the_kept_key_and_opens_with_the_password() {
    let (_d, mut v) = filled();
    let key = auto_backup_key(&v, "K7PQA-MX3DE-AAAAB", KdfParams::FLOOR).unwrap();
    assert!(!key.windows(5).any(|w| w == b"K7PQA"), "the password is not kept");
    let first = auto_backup(&mut v, &key, now()).unwrap();
    let second = auto_backup(&mut v, &key, now()).unwrap();
    assert_ne!(first.bytes, second.bytes, "a fresh nonce each time");
    for out in [&first, &second] {
        assert_eq!(reimport(&out.bytes, Some("K7PQA-MX3DE-AAAAB")).1, originals(&v));
        assert!(matches!(
            import::read(&out.bytes, None, Some("another password")),
            Err(ImportError::WrongPassword(_))
        ));
    }
    assert_eq!(first.exported.len(), URIS.len());
    // The key opens only in its own vault, and not while locked.
    let (_d2, mut other) = filled();
    assert!(matches!(auto_backup(&mut other, &key, now()), Err(ExportError::BackupKey)));
    let mut damaged = key.clone();
    damaged[3] ^= 1;
    assert!(matches!(auto_backup(&mut v, &damaged, now()), Err(ExportError::BackupKey)));
    v.lock();
    assert!(matches!(
        auto_backup(&mut v, &key, now()),
        Err(ExportError::Vault(crate::vault::VaultError::Locked))
    ));
    assert!(matches!(
        auto_backup_key(&v, "pw", KdfParams::FLOOR),
        Err(ExportError::Vault(crate::vault::VaultError::Locked))
    ));
}

#[test]
fn a_backup_key_reads_back_and_refuses_other_bytes() {
    let key = backup::BackupKey::derive("pw", KdfParams::FLOOR, [7; 16]).unwrap();
    let bytes = key.to_bytes();
    let again = backup::BackupKey::from_bytes(&bytes).unwrap();
    assert_eq!(again.to_bytes(), bytes);
    assert!(!format!("{again:?}").contains('7'));
    assert!(matches!(backup::BackupKey::from_bytes(&bytes[1..]), Err(ExportError::BackupKey)));
    let mut weak = bytes.to_vec();
    weak[5] = 0; // iterations below the floor
    weak[6] = 0;
    assert!(matches!(backup::BackupKey::from_bytes(&weak), Err(ExportError::BackupKey)));
    assert!(matches!(
        backup::BackupKey::derive(" ", KdfParams::FLOOR, [0; 16]),
        Err(ExportError::EmptyPassword)
    ));
    // A file sealed by the key is the backup `seal` writes with the same salt and nonce.
    let params = otpauth::parse(URIS[0]).unwrap().params;
    let by_key = backup::seal_with_key(&[(&params, "n")], &key, [9; 12]).unwrap();
    let by_password =
        backup::seal(&[(&params, "n")], "pw", KdfParams::FLOOR, [7; 16], [9; 12]).unwrap();
    assert_eq!(by_key, by_password);
}

#[test]
fn the_content_fingerprint_moves_with_every_change_and_only_then() {
    let (_d, mut v) = filled();
    let start = v.content_fingerprint().unwrap();
    assert_eq!(v.content_fingerprint().unwrap(), start, "reading changes nothing");
    let _ = plan(&v, ExportFormat::Nyckel).unwrap();
    assert_eq!(v.content_fingerprint().unwrap(), start);
    let params = otpauth::parse("otpauth://totp/New:n?secret=JBSWY3DPEHPK3PXQ").unwrap().params;
    let added = v.add(params, "", DuplicatePolicy::Reject).unwrap();
    let after_add = v.content_fingerprint().unwrap();
    assert_ne!(after_add, start);
    v.delete(added.id).unwrap();
    let after_delete = v.content_fingerprint().unwrap();
    assert_ne!(after_delete, after_add);
}

/// The automatic-backup entries in the log, newest first, as their account ids.
fn auto_backup_entries(v: &Vault) -> Vec<Vec<i64>> {
    v.activity(1000)
        .unwrap()
        .into_iter()
        .filter_map(|e| match e.event {
            ActivityEvent::Exported { account_ids, format } if format == AUTO_BACKUP_FORMAT => {
                Some(account_ids)
            }
            _ => None,
        })
        .collect()
}

#[test]
fn automatic_backups_are_logged_once_a_day_and_whenever_other_accounts_leave() {
    let (_d, mut v) = filled();
    let key = auto_backup_key(&v, "K7PQA-MX3DE-AAAAB", KdfParams::FLOOR).unwrap();
    let t = now();
    auto_backup(&mut v, &key, t).unwrap();
    assert_eq!(auto_backup_entries(&v).len(), 1, "the first backup is logged");
    // HOTP steps, a rename and a new order refresh the file but add no entry that day.
    let hotp = v.accounts().unwrap().into_iter().find(|a| a.params.kind == OtpKind::Hotp).unwrap();
    v.next_hotp(hotp.id).unwrap();
    let step = auto_backup(&mut v, &key, t + 60).unwrap();
    v.next_hotp(hotp.id).unwrap();
    auto_backup(&mut v, &key, t + 120).unwrap();
    let edit = crate::vault::AccountEdit { name: Some("renamed".into()), ..Default::default() };
    v.update(hotp.id, edit).unwrap();
    let mut ids: Vec<i64> = v.accounts().unwrap().iter().map(|a| a.id).collect();
    ids.reverse();
    v.reorder(&ids).unwrap();
    auto_backup(&mut v, &key, t + 180).unwrap();
    assert_eq!(auto_backup_entries(&v).len(), 1);
    // Every refreshed file still holds the current accounts (the counter moved on).
    let restored = reimport(&step.bytes, Some("K7PQA-MX3DE-AAAAB")).1;
    assert!(restored.iter().any(|(p, _)| p.kind == OtpKind::Hotp && p.counter == 10301));
    // A new account leaves at once: logged with it, though the day is not over.
    let params = otpauth::parse("otpauth://totp/New:n?secret=JBSWY3DPEHPK3PXQ").unwrap().params;
    let added = v.add(params, "", DuplicatePolicy::Reject).unwrap();
    auto_backup(&mut v, &key, t + 240).unwrap();
    let entries = auto_backup_entries(&v);
    assert_eq!(entries.len(), 2);
    assert!(entries[0].contains(&added.id));
    // A deletion changes what the file holds: logged too.
    v.delete(added.id).unwrap();
    auto_backup(&mut v, &key, t + 300).unwrap();
    assert_eq!(auto_backup_entries(&v).len(), 3);
    auto_backup(&mut v, &key, t + 360).unwrap();
    assert_eq!(auto_backup_entries(&v).len(), 3);
    // Another export in between is no automatic backup: the last one still counts.
    export(&mut v, ExportFormat::Otpauth, options(None)).unwrap();
    auto_backup(&mut v, &key, t + 420).unwrap();
    assert_eq!(auto_backup_entries(&v).len(), 3);
    // A day after the last entry (the log's times are the system clock's), the same
    // accounts are logged again.
    auto_backup(&mut v, &key, t + AUTO_BACKUP_LOG_INTERVAL + 420).unwrap();
    assert_eq!(auto_backup_entries(&v).len(), 4);
}

#[test]
fn the_export_steps_write_what_export_writes_and_log_only_when_recorded() {
    let (_d, mut v) = filled();
    let sevens: std::sync::Arc<dyn crate::random::Random> =
        std::sync::Arc::new(|b: &mut [u8]| b.fill(7));
    v.set_random(sevens);
    let logged = |v: &Vault| v.activity(1000).unwrap().len();
    for format in ExportFormat::ALL {
        let whole = export(&mut v, format, options(Some("correct horse"))).unwrap();
        let before = logged(&v);
        let written = prepare(&v, format, options(Some("correct horse"))).unwrap().write().unwrap();
        assert_eq!(logged(&v), before, "{format:?}: nothing logged before record");
        let stepped = written.record(&mut v).unwrap();
        assert_eq!(logged(&v), before + 1, "{format:?}");
        assert_eq!((stepped.bytes, stepped.qr_uris), (whole.bytes, whole.qr_uris), "{format:?}");
    }
    // The password is checked in the first step, before anything is read or drawn.
    assert!(matches!(
        prepare(&v, ExportFormat::Nyckel, options(None)),
        Err(ExportError::PasswordRequired(_))
    ));
    // The key steps make a key that backs up like the one-call key.
    let salt = auto_backup_salt(&v).unwrap();
    let derived = backup::BackupKey::derive("pw-of-ten-chars", KdfParams::FLOOR, salt).unwrap();
    let sealed = seal_auto_backup_key(&v, &derived).unwrap();
    let out = auto_backup(&mut v, &sealed, now()).unwrap();
    assert_eq!(reimport(&out.bytes, Some("pw-of-ten-chars")).1, originals(&v));
}
