use super::kdf::{aes_gcm_seal, hex};
use super::*;
use crate::otpauth::{Algorithm, OtpKind};

// ------------------------------------------------------------------ shared fixtures

/// Writes straight to stderr so a skip shows even when the harness captures output.
fn visible_note(note: &str) {
    use std::io::Write as _;
    let _ = writeln!(std::io::stderr(), "{note}");
}

fn fixtures() -> Option<std::path::PathBuf> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../shared/fixtures/import/aegis-testdata");
    dir.is_dir().then_some(dir)
}

/// One expected account: (secret, kind, issuer, name, algorithm, digits, period or counter).
type Row = (&'static str, OtpKind, &'static str, &'static str, Algorithm, u8, u64);

/// The ground truth of `aegis-testdata/README.md`.
const TRUTH: [Row; 7] = [
    ("4SJHB4GSD43FZBAI7C2HLRJGPQ", OtpKind::Totp, "Deno", "Mason", Algorithm::Sha1, 6, 30),
    ("5OM4WOOGPLQEF6UGN3CPEOOLWU", OtpKind::Totp, "SPDX", "James", Algorithm::Sha256, 7, 20),
    ("7ELGJSGXNCCTV3O6LKJWYFV2RA", OtpKind::Totp, "Airbnb", "Elijah", Algorithm::Sha512, 8, 50),
    ("YOOMIXWS5GN6RTBPUFFWKTW5M4", OtpKind::Hotp, "Issuu", "James", Algorithm::Sha1, 6, 1),
    (
        "KUVJJOM753IHTNDSZVCNKL7GII",
        OtpKind::Hotp,
        "Air Canada",
        "Benjamin",
        Algorithm::Sha256,
        7,
        50,
    ),
    ("5VAML3X35THCEBVRLV24CGBKOY", OtpKind::Hotp, "WWE", "Mason", Algorithm::Sha512, 8, 10300),
    ("JRZCL47CMXVOQMNPZR2F7J4RGI", OtpKind::Steam, "Boeing", "Sophia", Algorithm::Sha1, 5, 30),
];

fn rows(numbers: &[usize]) -> Vec<Row> {
    numbers.iter().map(|n| TRUTH[n - 1]).collect()
}

/// Checks every entry of `parsed` against `expected`, matched by secret (and the count).
fn check(file: &str, parsed: &Parsed, expected: &[Row]) {
    assert_eq!(parsed.entries.len(), expected.len(), "{file}: {:?}", parsed.entries);
    for entry in &parsed.entries {
        let c = entry.result.as_ref().unwrap_or_else(|e| panic!("{file}: {}: {e}", entry.label));
        let p = &c.params;
        let secret = p.secret.to_base32();
        let row = expected.iter().find(|r| r.0 == secret).unwrap_or_else(|| {
            panic!("{file}: {} has a secret not in the ground truth", entry.label)
        });
        let (_, kind, issuer, name, algorithm, digits, number) = *row;
        assert_eq!(p.kind, kind, "{file}: {}", entry.label);
        assert_eq!((p.issuer.as_str(), p.name.as_str()), (issuer, name), "{file}");
        assert_eq!((p.algorithm, p.digits), (algorithm, digits), "{file}: {}", entry.label);
        match kind {
            OtpKind::Hotp => assert_eq!(p.counter, number, "{file}: {}", entry.label),
            _ => assert_eq!(u64::from(p.period), number, "{file}: {}", entry.label),
        }
    }
}

fn read_fixture(dir: &std::path::Path, file: &str, password: Option<&str>) -> Parsed {
    let data = std::fs::read(dir.join(file)).unwrap_or_else(|e| panic!("{file}: {e}"));
    let detected = detect(&data).unwrap_or_else(|e| panic!("{file}: {e}"));
    let parsed = read(&data, None, password).unwrap_or_else(|e| panic!("{file}: {e}"));
    assert_eq!(parsed.format, detected, "{file}");
    parsed
}

#[test]
fn every_shared_fixture_imports_to_its_ground_truth() {
    let Some(dir) = fixtures() else {
        visible_note("SKIPPED: ../shared/fixtures/import/aegis-testdata not found (import every_shared_fixture_imports_to_its_ground_truth)");
        return;
    };
    let all = rows(&[1, 2, 3, 4, 5, 6, 7]);
    // 2FAS schema 2 knows no HOTP: those rows come out TOTP with period 30.
    let schema2: Vec<Row> = rows(&[1, 3, 4, 6])
        .into_iter()
        .map(|mut r| {
            if r.1 == OtpKind::Hotp {
                (r.1, r.6) = (OtpKind::Totp, 30);
            }
            r
        })
        .collect();
    // FreeOTP stores HOTP counters one lower.
    let freeotp: Vec<Row> = rows(&[1, 2, 3, 4, 5, 6])
        .into_iter()
        .map(|mut r| {
            if r.1 == OtpKind::Hotp {
                r.6 -= 1;
            }
            r
        })
        .collect();
    let google_db: Vec<Row> = rows(&[1, 2, 3, 4, 5, 6])
        .into_iter()
        .map(|(s, k, i, n, _, _, number)| {
            (s, k, i, n, Algorithm::Sha1, 6, if k == OtpKind::Hotp { number } else { 30 })
        })
        .collect();
    let microsoft: Vec<Row> = all
        .iter()
        .map(|&(s, _, i, n, ..)| (s, OtpKind::Totp, i, n, Algorithm::Sha1, 6, 30))
        .collect();
    let steam = [(TRUTH[6].0, OtpKind::Steam, "Steam", "Sophia", Algorithm::Sha1, 5, 30)];
    let cases: Vec<(&str, Option<&str>, Format, Vec<Row>)> = vec![
        ("plain.txt", None, Format::UriList, all.clone()),
        ("aegis_plain.json", None, Format::Aegis, all.clone()),
        ("aegis_encrypted.json", Some("test"), Format::Aegis, all.clone()),
        ("2fas_authenticator_plain.2fas", None, Format::TwoFas, schema2.clone()),
        ("2fas_authenticator_encrypted.2fas", Some("test"), Format::TwoFas, schema2),
        ("2fas_authenticator_plain_v4.2fas", None, Format::TwoFas, rows(&[1, 4, 5, 6, 7])),
        (
            "2fas_authenticator_encrypted_v4.2fas",
            Some("test"),
            Format::TwoFas,
            rows(&[1, 4, 5, 6, 7]),
        ),
        ("bitwarden.json", None, Format::BitwardenJson, rows(&[1, 2, 3])),
        ("bitwarden.csv", None, Format::BitwardenCsv, rows(&[1, 2, 3])),
        ("proton_authenticator.json", None, Format::Proton, rows(&[1, 2, 3])),
        ("ente_auth.txt", None, Format::Ente, all.clone()),
        ("freeotp_plus.json", None, Format::FreeOtpPlus, freeotp),
        ("andotp_plain.json", None, Format::AndOtp, all.clone()),
        ("steam.json", None, Format::Steam, steam.to_vec()),
        ("google_authenticator.sqlite", None, Format::GoogleAuthenticatorDb, google_db),
        ("microsoft_authenticator.sqlite", None, Format::MicrosoftAuthenticatorDb, microsoft),
    ];
    let mut checked = std::collections::BTreeSet::new();
    for (file, password, format, mut expected) in cases {
        let mut parsed = read_fixture(&dir, file, password);
        assert_eq!(parsed.format, format, "{file}");
        if file.starts_with("bitwarden") {
            // Bitwarden keeps only the secret of a Steam entry: check it on its own.
            let steam = parsed.entries.pop().expect("four entries");
            let p = &steam.result.as_ref().expect("steam entry").params;
            assert_eq!(
                (p.kind, p.secret.to_base32().as_str()),
                (OtpKind::Steam, TRUTH[6].0),
                "{file}"
            );
            expected.retain(|r| r.1 != OtpKind::Steam);
        }
        check(file, &parsed, &expected);
        checked.insert(file.to_owned());
    }
    // Every file in the folder is covered (a new fixture must get a case here).
    for f in std::fs::read_dir(&dir).expect("fixture dir") {
        let name = f.expect("entry").file_name().to_string_lossy().into_owned();
        assert!(name == "README.md" || checked.contains(&name), "fixture {name} is not checked");
    }
}

#[test]
fn ente_display_state_is_dropped_but_other_extras_kept() {
    let text = "otpauth://totp/A:b?secret=JBSWY3DPEHPK3PXP&codeDisplay=%7B%7D&image=x\n";
    let parsed = read(text.as_bytes(), Some(Format::Ente), None).unwrap();
    let p = &parsed.entries[0].result.as_ref().unwrap().params;
    assert_eq!(p.extra, vec![("image".to_owned(), "x".to_owned())]);
}

/// The text with its first character changed (to alter a base64 ciphertext).
fn flip_first(s: &str) -> String {
    match s.strip_prefix('A') {
        Some(rest) => format!("B{rest}"),
        None => format!("A{}", s.get(1..).unwrap_or("")),
    }
}

// ------------------------------------------------------------------ Aegis, hostile files

/// An encrypted Aegis vault with the given slots around `db`, made with cheap scrypt.
fn aegis_encrypted(db: &str, slots: &[(u8, &str, u64)], nonce_hex: Option<&str>) -> String {
    let master = [7u8; 32];
    let slots: Vec<String> = slots
        .iter()
        .map(|&(kind, password, n)| {
            let salt = [1u8; 32];
            let kek = kdf::scrypt(password, &salt, n.min(1024), 8, 1).unwrap();
            let nonce = [2u8; 12];
            let (key, tag) = aes_gcm_seal(&kek, &nonce, &master, &[]);
            format!(
                r#"{{"type":{kind},"uuid":"u","key":"{}","key_params":{{"nonce":"{}","tag":"{}"}},"n":{n},"r":8,"p":1,"salt":"{}"}}"#,
                hex(&key), hex(&nonce), hex(&tag), hex(&salt)
            )
        })
        .collect();
    let nonce = [3u8; 12];
    let (ct, tag) = aes_gcm_seal(&master, &nonce, db.as_bytes(), &[]);
    use base64::Engine as _;
    format!(
        r#"{{"version":1,"header":{{"slots":[{}],"params":{{"nonce":"{}","tag":"{}"}}}},"db":"{}"}}"#,
        slots.join(","),
        nonce_hex.map(str::to_owned).unwrap_or_else(|| hex(&nonce)),
        hex(&tag),
        base64::engine::general_purpose::STANDARD.encode(ct)
    )
}

const AEGIS_DB: &str = r#"{"version":3,"entries":[{"type":"totp","uuid":"x","name":"anna","issuer":"Skåne","note":"n","info":{"secret":"JBSWY3DPEHPK3PXP","algo":"SHA256","digits":8,"period":60}},{"type":"motp","name":"old","issuer":"M","info":{"secret":"JBSWY3DPEHPK3PXP","pin":"1234"}}],"groups":[]}"#;

fn err(data: &str, password: Option<&str>) -> ImportError {
    read(data.as_bytes(), Some(Format::Aegis), password).expect_err("must be refused")
}

#[test]
fn aegis_encrypted_tries_every_password_slot_and_skips_biometric_ones() {
    let file = aegis_encrypted(
        AEGIS_DB,
        &[(2, "bio", 1024), (1, "first", 1024), (1, "second", 1024)],
        None,
    );
    let parsed = read(file.as_bytes(), None, Some("second")).unwrap();
    assert_eq!(parsed.format, Format::Aegis);
    let c = parsed.entries[0].result.as_ref().unwrap();
    assert_eq!((c.params.issuer.as_str(), c.params.digits, c.params.period), ("Skåne", 8, 60));
    assert_eq!((c.params.algorithm, c.note.as_str()), (Algorithm::Sha256, "n"));
    // An unsupported type is one failed entry, not a failed file.
    let reason = parsed.entries[1].result.as_ref().unwrap_err();
    assert!(reason.contains("motp"), "{reason}");
    assert_eq!(parsed.entries[1].label, "M (old)");
}

#[test]
fn aegis_wrong_password_missing_password_and_no_password_slot_are_typed() {
    let file = aegis_encrypted(AEGIS_DB, &[(1, "right", 1024)], None);
    assert!(matches!(err(&file, Some("wrong")), ImportError::WrongPassword(_)));
    assert!(matches!(err(&file, None), ImportError::PasswordRequired(_)));
    // An empty slot list (a peer's importer panics here) and only-biometric slots.
    let empty = aegis_encrypted(AEGIS_DB, &[], None);
    assert!(matches!(err(&empty, Some("x")), ImportError::NoPasswordSlot(_)));
    let bio = aegis_encrypted(AEGIS_DB, &[(2, "x", 1024)], None);
    assert!(matches!(err(&bio, Some("x")), ImportError::NoPasswordSlot(_)));
    let null_slots = file.replacen(r#""slots":["#, r#""slots":null,"old":["#, 1);
    assert!(matches!(err(&null_slots, Some("right")), ImportError::NoPasswordSlot(_)));
}

#[test]
fn aegis_short_nonce_and_bad_tag_are_malformed_not_a_panic() {
    let short = aegis_encrypted(AEGIS_DB, &[(1, "pw", 1024)], Some("0303"));
    let e = err(&short, Some("pw"));
    assert!(matches!(e, ImportError::Malformed { .. }), "{e}");
    assert!(e.to_string().contains("nonce"), "{e}");
    let file = aegis_encrypted(AEGIS_DB, &[(1, "pw", 1024)], None);
    let bad_hex = file.replacen(r#""nonce":"02"#, r#""nonce":"zz"#, 1);
    assert!(matches!(err(&bad_hex, Some("pw")), ImportError::Malformed { .. }));
    let short_tag =
        file.replacen(r#""tag":""#, r#""tag":"00"#, 1).replacen(r#""tag":"00"#, r#""tag":""#, 0);
    let value: serde_json::Value = serde_json::from_str(&short_tag).unwrap();
    let mut value = value;
    value["header"]["params"]["tag"] = "0011".into();
    assert!(matches!(err(&value.to_string(), Some("pw")), ImportError::Malformed { .. }));
}

#[test]
fn aegis_tampered_content_is_told_from_a_wrong_password() {
    let file = aegis_encrypted(AEGIS_DB, &[(1, "pw", 1024)], None);
    let mut value: serde_json::Value = serde_json::from_str(&file).unwrap();
    let db = value["db"].as_str().unwrap().to_owned();
    value["db"] = flip_first(&db).into();
    assert!(matches!(err(&value.to_string(), Some("pw")), ImportError::Tampered(_)));
}

#[test]
fn aegis_scrypt_parameters_beyond_a_phone_are_refused_before_running() {
    // N = 2^30 would need 128 GiB; it must be refused at once, not attempted.
    let mut value: serde_json::Value =
        serde_json::from_str(&aegis_encrypted(AEGIS_DB, &[(1, "pw", 1024)], None)).unwrap();
    value["header"]["slots"][0]["n"] = (1u64 << 30).into();
    let e = err(&value.to_string(), Some("pw"));
    assert!(matches!(e, ImportError::KdfTooExpensive { kdf: "scrypt", .. }), "{e}");
    value["header"]["slots"][0]["n"] = 1000.into(); // not a power of two
    assert!(matches!(err(&value.to_string(), Some("pw")), ImportError::Malformed { .. }));
    value["header"]["slots"][0]["n"] = 1024.into();
    value["header"]["slots"][0]["r"] = 100_000.into();
    assert!(matches!(err(&value.to_string(), Some("pw")), ImportError::KdfTooExpensive { .. }));
}

#[test]
fn kdf_bounds_refuse_expensive_parameters() {
    assert!(matches!(
        kdf::pbkdf2_sha256("p", b"s", 5_000_000),
        Err(ImportError::KdfTooExpensive { .. })
    ));
    assert!(matches!(kdf::pbkdf2_sha256("p", b"s", 0), Err(ImportError::Malformed { .. })));
    let limits = Argon2Limits::PHONE;
    let e = kdf::argon2id("p", b"saltsalt", 4 * 1024 * 1024, 2, 1, limits).unwrap_err();
    assert!(matches!(e, ImportError::KdfTooExpensive { kdf: "Argon2id", .. }), "{e}");
    assert!(matches!(
        kdf::argon2id("p", b"saltsalt", 1024, 100, 1, limits),
        Err(ImportError::KdfTooExpensive { .. })
    ));
    assert!(matches!(
        kdf::argon2id("p", b"s", 1024, 1, 1, limits),
        Err(ImportError::Malformed { .. })
    ));
}

// ------------------------------------------------------------------ 2FAS encrypted

fn twofas_encrypted(services: &str, password: &str, reference: bool) -> String {
    use base64::Engine as _;
    let b64 = |b: &[u8]| base64::engine::general_purpose::STANDARD.encode(b);
    let salt = [5u8; 256];
    let key = kdf::pbkdf2_sha256(password, &salt, 10_000).unwrap();
    let seal = |plain: &[u8], iv: [u8; 12]| {
        let (mut ct, tag) = aes_gcm_seal(&key, &iv, plain, &[]);
        ct.extend_from_slice(&tag);
        format!("{}:{}:{}", b64(&ct), b64(&salt), b64(&iv))
    };
    let reference = if reference {
        format!(r#","reference":"{}""#, seal(b"known text", [9; 12]))
    } else {
        String::new()
    };
    format!(
        r#"{{"services":[],"schemaVersion":4,"servicesEncrypted":"{}"{reference}}}"#,
        seal(services.as_bytes(), [8; 12])
    )
}

#[test]
fn twofas_encrypted_wrong_password_and_tampering_are_typed() {
    let services = r#"[{"name":"X","secret":"JBSWY3DPEHPK3PXP","otp":{"account":"a","tokenType":"HOTP","counter":5,"digits":6,"algorithm":"SHA1"}}]"#;
    let file = twofas_encrypted(services, "pw", true);
    let parsed = read(file.as_bytes(), None, Some("pw")).unwrap();
    let p = &parsed.entries[0].result.as_ref().unwrap().params;
    assert_eq!(
        (p.kind, p.counter, p.issuer.as_str(), p.name.as_str()),
        (OtpKind::Hotp, 5, "X", "a")
    );
    let e = read(file.as_bytes(), None, Some("nope")).unwrap_err();
    assert!(matches!(e, ImportError::WrongPassword(_)), "{e}");
    assert!(matches!(
        read(file.as_bytes(), None, None).unwrap_err(),
        ImportError::PasswordRequired(_)
    ));
    // The reference opens but the services were altered: tampered, not a wrong password.
    let mut value: serde_json::Value = serde_json::from_str(&file).unwrap();
    let sealed = value["servicesEncrypted"].as_str().unwrap().to_owned();
    value["servicesEncrypted"] = flip_first(&sealed).into();
    let e = read(value.to_string().as_bytes(), None, Some("pw")).unwrap_err();
    assert!(matches!(e, ImportError::Tampered(_)), "{e}");
    // A triple that is cut short.
    value["servicesEncrypted"] = "AAAA:AAAA".into();
    assert!(matches!(
        read(value.to_string().as_bytes(), None, Some("pw")).unwrap_err(),
        ImportError::Malformed { .. }
    ));
    value["servicesEncrypted"] = "AAAA:AAAA:AAAA".into();
    assert!(matches!(
        read(value.to_string().as_bytes(), None, Some("pw")).unwrap_err(),
        ImportError::Malformed { .. }
    ));
}

// ------------------------------------------------------------------ Google transfer

fn transfer(accounts: Vec<google::OtpParameters>, size: i32, index: i32, id: i32) -> String {
    google::encode_uri(&google::MigrationPayload {
        otp_parameters: accounts,
        version: 1,
        batch_size: size,
        batch_index: index,
        batch_id: id,
    })
}

fn gparam(
    secret: &[u8],
    name: &str,
    issuer: &str,
    algorithm: i32,
    digits: i32,
    kind: i32,
    counter: i64,
) -> google::OtpParameters {
    google::OtpParameters {
        secret: secret.to_vec(),
        name: name.into(),
        issuer: issuer.into(),
        algorithm,
        digits,
        kind,
        counter,
    }
}

#[test]
fn google_transfer_batches_are_joined_in_order_and_missing_ones_named() {
    let a =
        transfer(vec![gparam(b"12345678901234567890", "Deno:Mason", "Deno", 1, 1, 2, 0)], 3, 0, 42);
    let b = transfer(vec![gparam(b"abcdefghijabcdefghij", "James", "SPDX", 2, 2, 1, 7)], 3, 1, 42);
    let c = transfer(vec![gparam(b"zzzzzzzzzzzzzzzzzzzz", "x", "", 4, 1, 2, 0)], 3, 2, 42);
    let parsed = read_google_transfer(&[&c, &a, &b, &a]).unwrap();
    assert_eq!(parsed.entries.len(), 3);
    let first = &parsed.entries[0].result.as_ref().unwrap().params;
    assert_eq!(
        (first.issuer.as_str(), first.name.as_str(), first.kind),
        ("Deno", "Mason", OtpKind::Totp)
    );
    let second = &parsed.entries[1].result.as_ref().unwrap().params;
    assert_eq!(
        (second.kind, second.algorithm, second.digits, second.counter),
        (OtpKind::Hotp, Algorithm::Sha256, 8, 7)
    );
    assert!(parsed.entries[2].result.as_ref().unwrap_err().contains("MD5"));
    assert_eq!(parsed.entries[2].position, 3);

    match read_google_transfer(&[&a, &c]).unwrap_err() {
        ImportError::MissingBatches { missing, total } => {
            assert_eq!((missing, total), (vec![2], 3))
        }
        e => panic!("{e}"),
    }
    let other = transfer(vec![], 3, 1, 43);
    assert!(matches!(
        read_google_transfer(&[&a, &other, &c]).unwrap_err(),
        ImportError::BatchMismatch(_)
    ));
    let outside = transfer(vec![], 2, 5, 1);
    assert!(matches!(
        parse_google_transfer_payload(&outside).unwrap_err(),
        ImportError::BatchMismatch(_)
    ));
    // A file of transfer URIs, one a line, is detected and read the same way.
    let text = format!("{a}\n{b}\n{c}\n");
    assert_eq!(read(text.as_bytes(), None, None).unwrap().entries.len(), 3);
}

#[test]
fn google_transfer_progress_names_what_is_scanned_and_what_is_missing() {
    let one = |index, id| {
        transfer(vec![gparam(b"12345678901234567890", "a", "b", 0, 0, 0, 0)], 3, index, id)
    };
    let (a, b, c) = (one(0, 9), one(1, 9), one(2, 9));
    let progress = google_transfer_progress(&[&c, &a, &c]).unwrap();
    assert_eq!(
        progress,
        TransferProgress { total: 3, scanned: vec![1, 3], missing: vec![2], accounts: 2 }
    );
    let done = google_transfer_progress(&[&c, &a, &b]).unwrap();
    assert_eq!((done.scanned, done.missing, done.accounts), (vec![1, 2, 3], vec![], 3));
    assert!(matches!(
        google_transfer_progress(&[&a, &one(1, 10)]).unwrap_err(),
        ImportError::BatchMismatch(_)
    ));
    assert!(matches!(google_transfer_progress(&[]).unwrap_err(), ImportError::Malformed { .. }));
    assert!(matches!(
        google_transfer_progress(&[&a, "otpauth://totp/x?secret=AA"]).unwrap_err(),
        ImportError::Malformed { .. }
    ));
    // A code claiming an absurd number of batches is refused, not allocated for.
    let huge = transfer(vec![], i32::MAX, 0, 1);
    assert!(matches!(
        google_transfer_progress(&[&huge]).unwrap_err(),
        ImportError::BatchMismatch(_)
    ));
    assert!(matches!(read_google_transfer(&[&huge]).unwrap_err(), ImportError::BatchMismatch(_)));
}

#[test]
fn inspect_tells_an_encrypted_file_without_running_its_kdf() {
    let uri = "otpauth://totp/ACME:jane?secret=JBSWY3DPEHPK3PXP&issuer=ACME";
    assert_eq!(
        inspect(uri.as_bytes(), None).unwrap(),
        FileInfo { format: Format::UriList, encrypted: false }
    );
    // A password slot whose scrypt cost is refused once it runs: inspect does not run it.
    let costly = aegis_encrypted(AEGIS_DB, &[(1, "right", 1 << 30)], None);
    assert!(matches!(err(&costly, Some("right")), ImportError::KdfTooExpensive { .. }));
    assert_eq!(
        inspect(costly.as_bytes(), None).unwrap(),
        FileInfo { format: Format::Aegis, encrypted: true }
    );
    let plain =
        format!(r#"{{"version":1,"header":{{"slots":null,"params":null}},"db":{AEGIS_DB}}}"#);
    assert!(!inspect(plain.as_bytes(), None).unwrap().encrypted);
    // A named format wins over detection; a file that is not one is the reader's error.
    assert!(matches!(
        inspect(uri.as_bytes(), Some(Format::NyckelBackup)).unwrap_err(),
        ImportError::Malformed { .. }
    ));
    assert!(matches!(inspect(b"hello", None).unwrap_err(), ImportError::UnknownFormat(_)));
}

#[test]
fn google_transfer_tolerates_url_safe_and_unpadded_base64_but_refuses_garbage() {
    let uri = transfer(vec![gparam(b"12345678901234567890", "a", "b", 0, 0, 0, 0)], 1, 0, 1);
    let data = uri
        .split_once("data=")
        .unwrap()
        .1
        .replace("%2B", "-")
        .replace("%2F", "_")
        .replace("%3D", "");
    let parsed =
        read_google_transfer(&[&format!("otpauth-migration://offline?data={data}")]).unwrap();
    assert!(parsed.entries[0].result.is_ok());
    for bad in [
        "otpauth-migration://offline?data=%%%",
        "otpauth-migration://offline?data=!!!!",
        "otpauth-migration://offline?nodata",
        "otpauth-migration://offline?data=CgE", // truncated protobuf: a 1-byte field with no byte
        "otpauth://totp/x?secret=AA",
    ] {
        let e = read_google_transfer(&[bad]).unwrap_err();
        assert!(matches!(e, ImportError::Malformed { .. }), "{bad}: {e}");
    }
}

// ------------------------------------------------------------------ detection and hostile bytes

#[test]
fn line_lists_are_detected_past_blank_lines_and_comments() {
    let uri = "otpauth://totp/ACME:jane?secret=JBSWY3DPEHPK3PXP&issuer=ACME";
    for text in [
        format!("# exported by hand\n{uri}\n"),
        format!("\n\n   \n{uri}\n"),
        format!("\r\n# one\r\n  # two, indented\r\n\r\n{uri}\r\n# trailing\r\n"),
        format!("\u{feff}# with a byte-order mark\n{uri}"),
    ] {
        assert_eq!(detect(text.as_bytes()).unwrap(), Format::UriList, "{text:?}");
        let parsed = read(text.as_bytes(), None, None).unwrap();
        assert_eq!(parsed.entries.len(), 1, "{text:?}");
        assert!(parsed.entries[0].result.is_ok());
    }
    // Ente's list behind a comment is still Ente's (its display state is dropped).
    let ente = format!("# Ente\n{uri}&codeDisplay=%7B%22pinned%22%3Atrue%7D\n");
    assert_eq!(detect(ente.as_bytes()).unwrap(), Format::Ente);
    // Google transfer URIs behind a comment: detected, and the comment is not a batch.
    let g = transfer(vec![gparam(b"12345678901234567890", "a", "b", 0, 0, 0, 0)], 1, 0, 7);
    let text = format!("# from Google Authenticator\n\n{g}\n");
    assert_eq!(detect(text.as_bytes()).unwrap(), Format::GoogleTransfer);
    assert_eq!(read(text.as_bytes(), None, None).unwrap().entries.len(), 1);
    // Only comments: nothing to recognise.
    assert!(matches!(detect(b"# nothing\n\n# here\n"), Err(ImportError::UnknownFormat(_))));
}

#[test]
fn unknown_and_malformed_inputs_are_typed_errors() {
    assert!(matches!(detect(b"hello"), Err(ImportError::UnknownFormat(_))));
    assert!(matches!(detect(b"{\"a\":1}"), Err(ImportError::UnknownFormat(_))));
    assert!(matches!(detect(b"\xff\xfe"), Err(ImportError::UnknownFormat(_))));
    assert!(matches!(detect(b"SQLite format 3\0garbage"), Err(ImportError::UnknownFormat(_))));
    assert!(matches!(Format::from_name("nope"), Err(ImportError::UnknownFormatName(_))));
    assert_eq!(Format::from_name("2FAS").unwrap(), Format::TwoFas);
    for f in Format::ALL {
        assert_eq!(Format::from_name(f.name()).unwrap(), f);
    }
    let big = vec![b' '; MAX_IMPORT_BYTES + 1];
    assert!(matches!(read(&big, None, None), Err(ImportError::TooLarge { .. })));
    // A truncated file says so, and a JSON error never quotes a value (it may be a secret).
    let e = read(br#"{"version":1,"header":{"slots":null,"params":null},"db":{"entries":[{"info":{"secret":"#, Some(Format::Aegis), None).unwrap_err();
    assert!(e.to_string().contains("truncated"), "{e}");
    let e = read(
        br#"{"version":1,"header":{"slots":null,"params":null},"db":"SECRETSECRET"}"#,
        Some(Format::Aegis),
        None,
    )
    .unwrap_err();
    assert!(!e.to_string().contains("SECRETSECRET"), "{e}");
    let e = read(br#"{"version":"SECRETSECRET","header":{},"db":{}}"#, Some(Format::Aegis), None)
        .unwrap_err();
    assert!(!e.to_string().contains("SECRETSECRET"), "{e}");
}

#[test]
fn every_prefix_of_every_fixture_in_every_format_is_an_answer_not_a_panic() {
    let Some(dir) = fixtures() else {
        visible_note(
            "SKIPPED: ../shared/fixtures/import/aegis-testdata not found (import every_prefix_...)",
        );
        return;
    };
    for file in std::fs::read_dir(&dir).unwrap() {
        let data = std::fs::read(file.unwrap().path()).unwrap();
        // Prefixes at a coarse step keep this fast; the encrypted files run a KDF each time.
        let step = (data.len() / 12).max(1);
        for cut in (0..data.len()).step_by(step) {
            let _ = detect(&data[..cut]);
            for format in Format::ALL {
                let _ = read(&data[..cut], Some(format), Some("wrong"));
            }
        }
    }
}

#[test]
fn wrong_format_override_is_an_error_or_failed_entries_never_a_panic() {
    let text = b"otpauth://totp/A:b?secret=JBSWY3DPEHPK3PXP\nnot a uri\n";
    for format in Format::ALL {
        let _ = read(text, Some(format), None);
    }
    let parsed = read(text, None, None).unwrap();
    assert_eq!(parsed.format, Format::UriList);
    assert!(parsed.entries[0].result.is_ok());
    assert!(parsed.entries[1].result.is_err());
    assert_eq!(parsed.entries[1].label, "entry 2");
}

// ------------------------------------------------------------------ applying to the vault

fn vault() -> (tempfile::TempDir, crate::vault::Vault) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("v.db");
    let v = crate::vault::Vault::create(&path, "correct horse", crate::vault::KdfParams::FLOOR)
        .unwrap();
    (dir, v)
}

const LIST: &str = "otpauth://totp/A:one?secret=JBSWY3DPEHPK3PXP\n\
                    otpauth://hotp/B:two?secret=GEZDGNBVGY3TQOJQ&counter=3\n\
                    otpauth://totp/A:one-again?secret=JBSWY3DPEHPK3PXP\n";

fn apply_text(v: &mut crate::vault::Vault, text: &str, options: ImportOptions) -> ImportReport {
    apply(v, read(text.as_bytes(), None, None).unwrap(), options).unwrap()
}

#[test]
fn import_reports_every_entry_and_a_second_import_finds_duplicates() {
    let (_d, mut v) = vault();
    let report = apply_text(&mut v, LIST, ImportOptions::default());
    assert!(report.committed);
    assert_eq!((report.imported(), report.duplicates(), report.failed().count()), (2, 1, 0));
    assert_eq!(report.entries[2].label, "A (one-again)");
    assert!(matches!(report.entries[2].outcome, Outcome::Duplicate { .. }));
    assert_eq!(v.accounts().unwrap().len(), 2);
    let again = apply_text(&mut v, LIST, ImportOptions::default());
    assert_eq!((again.imported(), again.duplicates()), (0, 3));
    assert_eq!(v.accounts().unwrap().len(), 2);
    // Each import is in the activity log (one "added" per account).
    let added = v
        .activity(100)
        .unwrap()
        .iter()
        .filter(|e| matches!(e.event, crate::vault::ActivityEvent::AccountAdded { .. }))
        .count();
    assert_eq!(added, 2);
}

#[test]
fn dry_run_changes_nothing_but_reports_what_would_happen() {
    let (_d, mut v) = vault();
    let report = apply_text(&mut v, LIST, ImportOptions { dry_run: true, keep_good: false });
    assert!(!report.committed);
    assert_eq!((report.imported(), report.would_import(), report.duplicates()), (0, 2, 1));
    assert!(v.accounts().unwrap().is_empty());
    assert!(v.activity(10).unwrap().is_empty());
}

#[test]
fn one_failure_adds_nothing_unless_keep_good_is_asked() {
    let (_d, mut v) = vault();
    // The third entry passes the parser but not the vault (a 600-byte name).
    let long = "n".repeat(600);
    let text = format!("{LIST}not a uri\notpauth://totp/C:{long}?secret=MFRGGZDFMZTWQ2LK\n");
    let report = apply_text(&mut v, &text, ImportOptions::default());
    assert!(!report.committed);
    assert_eq!((report.imported(), report.would_import()), (0, 2));
    let failed: Vec<_> = report.failed().map(|(e, r)| (e.position, r.to_owned())).collect();
    assert_eq!(failed.len(), 2, "{failed:?}");
    assert_eq!(failed[0].0, 4);
    assert!(failed[1].1.contains("too long"), "{failed:?}");
    assert!(v.accounts().unwrap().is_empty());

    let report = apply_text(&mut v, &text, ImportOptions { dry_run: false, keep_good: true });
    assert!(report.committed);
    assert_eq!((report.imported(), report.duplicates(), report.failed().count()), (2, 1, 2));
    assert_eq!(v.accounts().unwrap().len(), 2);
}

#[test]
fn every_shared_fixture_applies_to_a_vault_and_reimports_as_duplicates() {
    let Some(dir) = fixtures() else {
        visible_note("SKIPPED: ../shared/fixtures/import/aegis-testdata not found (import every_shared_fixture_applies_...)");
        return;
    };
    let (_d, mut v) = vault();
    let data = std::fs::read(dir.join("aegis_plain.json")).unwrap();
    let report = apply(&mut v, read(&data, None, None).unwrap(), ImportOptions::default()).unwrap();
    assert_eq!(report.imported(), 7);
    let again = apply(&mut v, read(&data, None, None).unwrap(), ImportOptions::default()).unwrap();
    assert_eq!(again.duplicates(), 7);
}

#[test]
fn import_errors_are_classified_as_the_users_input_except_the_vaults_own() {
    use crate::error::{Classify, ErrorKind};
    let wrong = ImportError::WrongPassword("Aegis");
    assert_eq!((wrong.kind(), wrong.by_user()), (ErrorKind::WrongPassphrase, true));
    let bad = ImportError::MissingBatches { missing: vec![2], total: 3 };
    assert_eq!((bad.kind(), bad.by_user()), (ErrorKind::InvalidInput, true));
    assert_eq!(
        bad.to_string(),
        "Google Authenticator export: batch 2 of 3 missing; scan every QR code of the export"
    );
    let storage = ImportError::Vault(crate::vault::VaultError::storage(
        crate::error::StorageFault::DiskFull,
        "disk full",
    ));
    assert_eq!((storage.kind(), storage.by_user()), (ErrorKind::Storage, false));
    assert_eq!(storage.log_detail().as_deref(), Some("disk full"));
}

#[test]
fn a_kind_the_app_cannot_hold_is_named_with_what_it_can() {
    use super::candidate::parse_kind;
    let all = [OtpKind::Totp, OtpKind::Hotp, OtpKind::Steam];
    assert_eq!(parse_kind("andOTP type", "STEAM", &all, true), Ok(OtpKind::Steam));
    assert_eq!(parse_kind("andOTP type", "", &all, true), Ok(OtpKind::Totp));
    assert_eq!(
        parse_kind("Aegis entry type", "", &all, false),
        Err("Aegis entry type \"\" is not supported (totp, hotp, steam are)".into())
    );
    let freeotp = [OtpKind::Totp, OtpKind::Hotp];
    assert_eq!(
        parse_kind("FreeOTP type", "Steam", &freeotp, false),
        Err("FreeOTP type \"Steam\" is not supported (totp, hotp are)".into())
    );
    let long = "x".repeat(100);
    let why = parse_kind("2FAS token type", &long, &all, true).unwrap_err();
    assert!(why.contains(&"x".repeat(16)) && !why.contains(&"x".repeat(17)), "{why}");
}
