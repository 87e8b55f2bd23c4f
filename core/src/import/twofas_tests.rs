//! 2FAS schemas 1 and 3, which the shared fixtures (real exports of schemas 2 and 4) do not
//! cover: small files written from 2FAS's own readers (`testdata/2fas_schema*.2fas`, see
//! `docs/import.md`), plain and encrypted, checked account by account (matched by secret).

use base64::Engine as _;
use serde_json::Value;

use super::kdf::{self, aes_gcm_seal};
use super::*;
use crate::otpauth::{Algorithm, OtpKind};

const SCHEMA1: &str = include_str!("testdata/2fas_schema1_ios.2fas");
const SCHEMA3: &str = include_str!("testdata/2fas_schema3_android.2fas");

/// (secret, kind, issuer, name, algorithm, digits, period or counter), in 2FAS's list order.
type Row = (&'static str, OtpKind, &'static str, &'static str, Algorithm, u8, u64);

const SCHEMA1_ROWS: [Row; 4] = [
    // position 0: no issuer in `otp`, so the service name; 8 digits, SHA256, 60 s.
    ("UIYBRQ47WYJMUUP566R7JWKD", OtpKind::Totp, "Kommunen", "anna.berg", Algorithm::Sha256, 8, 60),
    (
        "PKA5CCSSW4DW666IB7YPW7IZMA4XJN55",
        OtpKind::Totp,
        "GitHub",
        "anna@example.se",
        Algorithm::Sha1,
        6,
        30,
    ),
    // HOTP with its counter (the schema-1/2 reader has `tokenType` and `counter`).
    ("VPKAE4PWOHNORWU2D7TXPJTYHCNEMBEP", OtpKind::Hotp, "Skolan", "elev", Algorithm::Sha512, 6, 7),
    // An empty `otp`: every 2FAS default.
    ("X57DN3TZSVVWO7WRR2WUOJFO", OtpKind::Totp, "Bredband", "", Algorithm::Sha1, 6, 30),
];

const SCHEMA3_ROWS: [Row; 3] = [
    (
        "PDIIZBEIRIXRGAKKIIMQYAPB7INAQOAS",
        OtpKind::Totp,
        "Nextcloud",
        "anna",
        Algorithm::Sha1,
        6,
        30,
    ),
    ("QK5NNPNP6RPB5WAG7ZQA3RMN", OtpKind::Hotp, "Bank", "kund 42", Algorithm::Sha256, 8, 42),
    // Typed in by hand (`source` Manual, no link, empty account): named by the service.
    ("L42FMP4J2BNE2DFUYLEPTQODH3ND7YBM", OtpKind::Totp, "Föreningen", "", Algorithm::Sha512, 7, 20),
];

/// Every entry imports, in `expected`'s order, each exactly as its row.
fn check(what: &str, parsed: &Parsed, expected: &[Row]) {
    assert_eq!(parsed.format, Format::TwoFas, "{what}");
    assert_eq!(parsed.entries.len(), expected.len(), "{what}: {:?}", parsed.entries);
    for (entry, row) in parsed.entries.iter().zip(expected) {
        let c = entry.result.as_ref().unwrap_or_else(|e| panic!("{what}: {}: {e}", entry.label));
        let p = &c.params;
        let (secret, kind, issuer, name, algorithm, digits, number) = *row;
        assert_eq!(p.secret.to_base32(), secret, "{what}: {} out of 2FAS's order", entry.label);
        assert_eq!(p.kind, kind, "{what}: {}", entry.label);
        assert_eq!((p.issuer.as_str(), p.name.as_str()), (issuer, name), "{what}");
        assert_eq!((p.algorithm, p.digits), (algorithm, digits), "{what}: {}", entry.label);
        match kind {
            OtpKind::Hotp => assert_eq!(p.counter, number, "{what}: {}", entry.label),
            _ => assert_eq!(u64::from(p.period), number, "{what}: {}", entry.label),
        }
    }
}

fn read_detected(what: &str, text: &str, password: Option<&str>) -> Parsed {
    assert_eq!(detect(text.as_bytes()).unwrap(), Format::TwoFas, "{what}");
    read(text.as_bytes(), None, password).unwrap_or_else(|e| panic!("{what}: {e}"))
}

/// The file as 2FAS encrypts it (both apps: iOS `ExchangeFileEncryption`, Android
/// `BackupCipherImpl`): the `services` list as JSON sealed into `servicesEncrypted`,
/// `services` emptied, and a fixed text sealed under the same key into `reference`; each
/// `ciphertext‖tag:salt:iv` in standard base64. iOS draws a 32-byte salt, Android 256.
fn encrypt(plain: &str, password: &str, salt_len: usize) -> String {
    let b64 = |b: &[u8]| base64::engine::general_purpose::STANDARD.encode(b);
    let mut file: Value = serde_json::from_str(plain).unwrap();
    let services = serde_json::to_vec(&file["services"]).unwrap();
    let salt: Vec<u8> = (0..salt_len).map(|i| (i * 7 + 3) as u8).collect();
    let key = kdf::pbkdf2_sha256(password, &salt, 10_000).unwrap();
    let seal = |plain: &[u8], iv: [u8; 12]| {
        let (mut ct, tag) = aes_gcm_seal(&key, &iv, plain, &[]);
        ct.extend_from_slice(&tag);
        format!("{}:{}:{}", b64(&ct), b64(&salt), b64(&iv))
    };
    // 2FAS seals its own 256-character constant; GCM already proves the key, so the reader
    // checks only that it opens, and any text stands in for it here.
    file["reference"] = seal(&[b'R'; 256], [1; 12]).into();
    file["servicesEncrypted"] = seal(&services, [2; 12]).into();
    file["services"] = Value::Array(Vec::new());
    file.to_string()
}

#[test]
fn schema_1_plain_imports_every_account_exactly_in_2fas_order() {
    check("schema 1", &read_detected("schema 1", SCHEMA1, None), &SCHEMA1_ROWS);
}

#[test]
fn schema_3_plain_imports_every_account_exactly_in_2fas_order() {
    check("schema 3", &read_detected("schema 3", SCHEMA3, None), &SCHEMA3_ROWS);
}

#[test]
fn schemas_1_and_3_encrypted_as_ios_and_android_do_import_with_the_password() {
    for (schema, plain, rows) in
        [("schema 1", SCHEMA1, &SCHEMA1_ROWS[..]), ("schema 3", SCHEMA3, &SCHEMA3_ROWS[..])]
    {
        for (app, salt_len) in [("iOS", 32), ("Android", 256)] {
            let what = format!("{schema} encrypted by {app}");
            let file = encrypt(plain, "lösen ord", salt_len);
            check(&what, &read_detected(&what, &file, Some("lösen ord")), rows);
            let wrong = read(file.as_bytes(), None, Some("losen ord")).unwrap_err();
            assert!(matches!(wrong, ImportError::WrongPassword(_)), "{what}: {wrong}");
            let none = read(file.as_bytes(), None, None).unwrap_err();
            assert!(matches!(none, ImportError::PasswordRequired(_)), "{what}: {none}");
        }
    }
}

#[test]
fn a_steam_token_in_a_schema_before_4_is_still_read_and_a_newer_schema_is_refused() {
    // 2FAS wrote STEAM only from schema 4; an older file naming it is read as what it says.
    let steam = SCHEMA3.replacen(r#""tokenType": "TOTP""#, r#""tokenType": "STEAM""#, 1);
    let parsed = read(steam.as_bytes(), None, None).unwrap();
    let first = &parsed.entries[0].result.as_ref().unwrap().params;
    assert_eq!((first.kind, first.digits), (OtpKind::Steam, 5));
    let newer = SCHEMA3.replace(r#""schemaVersion": 3"#, r#""schemaVersion": 5"#);
    let e = read(newer.as_bytes(), None, None).unwrap_err();
    assert!(matches!(e, ImportError::Unsupported { .. }), "{e}");
}

#[test]
fn a_service_without_a_list_position_comes_after_the_positioned_ones_in_file_order() {
    let mut file: Value = serde_json::from_str(SCHEMA1).unwrap();
    let services = file["services"].as_array_mut().unwrap();
    services[2].as_object_mut().unwrap().remove("order"); // Skolan
    let parsed = read(file.to_string().as_bytes(), None, None).unwrap();
    let secrets: Vec<String> = parsed
        .entries
        .iter()
        .map(|e| e.result.as_ref().unwrap().params.secret.to_base32())
        .collect();
    let order = [SCHEMA1_ROWS[0].0, SCHEMA1_ROWS[1].0, SCHEMA1_ROWS[3].0, SCHEMA1_ROWS[2].0];
    assert_eq!(secrets, order);
    // Entry numbers still name the file's entries (Skolan is the third service in the file).
    assert_eq!(parsed.entries[3].position, 3);
}
