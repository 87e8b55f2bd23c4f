//! The golden vault files in `golden/` (how they were made: `golden/README.md`) are opened,
//! migrated and read back by today's code: every account, enrollment, activity entry and key
//! slot survives exactly, every sealed record is written back byte for byte as the old build
//! wrote it, and a migrated file has the full schema of a new one.

use std::path::{Path, PathBuf};

use rusqlite::{Connection, OpenFlags};

use super::records::{self, AccountRecord, EnrollmentRecord, EventRecord};
use super::schema;
use super::*;
use crate::otpauth::{Algorithm, OtpKind, OtpParams};
use crate::protocol::{ActivityRecord, Enrollment, PhoneSignin, RequestKind, SoftwareKeyStore};
use crate::secret::Secret;

const V1: &[u8] = include_bytes!("golden/v1.sqlite");
const V2: &[u8] = include_bytes!("golden/v2.sqlite");
const V1_PASSPHRASE: &str = "golden v1 passphrase";
const V2_PASSPHRASE: &str = "golden v2 passphrase";
/// The second the schema-1 file was written (every row of it has this time).
const V1_AT: i64 = 1_796_401_234;
/// The second the schema-2 file was written.
const V2_AT: i64 = 1_796_401_280;

/// The "platform" of the golden files: it wraps the vault key as this prefix ‖ key.
struct PrefixProtector;
const PLATFORM_PREFIX: &[u8] = b"golden-platform:";

impl KeyProtector for PrefixProtector {
    fn wrap(&self, key: Vec<u8>) -> Result<Vec<u8>, ProtectorError> {
        Ok([PLATFORM_PREFIX, &key].concat())
    }
    fn unwrap(&self, wrapped: Vec<u8>) -> Result<Vec<u8>, ProtectorError> {
        let key = wrapped.strip_prefix(PLATFORM_PREFIX).ok_or(ProtectorError::KeyInvalidated)?;
        Ok(key.to_vec())
    }
}

/// Copies a golden file into `dir` (the test never touches the checked-in one).
fn copy(dir: &tempfile::TempDir, bytes: &[u8]) -> PathBuf {
    let path = dir.path().join("vault.nyckel");
    std::fs::write(&path, bytes).unwrap();
    path
}

fn read_only(path: &Path) -> Connection {
    Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY).unwrap()
}

fn account(id: i64, position: i64, at: i64, params: OtpParams, note: &str) -> Account {
    Account { id, params, note: note.into(), position, created_at: at, updated_at: at }
}

#[allow(clippy::too_many_arguments)]
fn params(
    kind: OtpKind,
    secret: &str,
    issuer: &str,
    name: &str,
    algorithm: Algorithm,
    digits: u8,
    period: u32,
    counter: u64,
) -> OtpParams {
    let secret = base32::decode(base32::Alphabet::Rfc4648 { padding: false }, secret).unwrap();
    OtpParams {
        kind,
        secret: Secret::new(secret),
        issuer: issuer.into(),
        name: name.into(),
        algorithm,
        digits,
        period,
        counter,
        extra: Vec::new(),
    }
}

/// The accounts of both files, in their sort order (schema 2 adds account 6 at the end).
fn schema_1_accounts(at: i64) -> Vec<Account> {
    use Algorithm::*;
    use OtpKind::*;
    let mut anna =
        params(Totp, "JBSWY3DPEHPK3PXP", "Region Skåne", "anna@skane.se", Sha1, 6, 30, 0);
    anna.extra = vec![("image".into(), "https://example.se/logo.png".into())];
    let dave = "KRUGKIDROVUWG2ZAMJZG653OEBTG66BANJ2W24DT";
    let bob = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ";
    vec![
        account(4, 0, at, params(Totp, dave, "", "dave", Sha512, 7, 60, 0), ""),
        account(1, 1, at, anna, "work phone, ring 2"),
        account(3, 2, at, params(Steam, "MFRGGZDFMZTWQ2LK", "Steam", "carol", Sha1, 5, 30, 0), ""),
        account(2, 3, at, params(Hotp, bob, "ACME", "bob", Sha256, 8, 30, 6), ""),
    ]
}

/// The log of the schema-1 steps, newest first.
fn schema_1_activity(at: i64) -> Vec<ActivityEntry> {
    use ActivityEvent::*;
    let added = |account_id, issuer: &str, name: &str| AccountAdded {
        account_id,
        issuer: issuer.into(),
        name: name.into(),
    };
    let events = vec![
        added(1, "Region Skåne", "anna@skane.se"),
        added(2, "ACME", "bob"),
        added(3, "Steam", "carol"),
        added(4, "", "dave"),
        added(5, "Gone", "erik"),
        AccountRemoved { account_id: 5, issuer: "Gone".into(), name: "erik".into() },
        AccountEdited {
            account_id: 1,
            issuer: "Region Skåne".into(),
            name: "anna@skane.se".into(),
        },
        Exported { account_ids: vec![4], format: "qr".into() },
        Exported { account_ids: vec![1, 2], format: "uri".into() },
    ];
    entries(events, at)
}

fn entries(events: Vec<ActivityEvent>, at: i64) -> Vec<ActivityEntry> {
    let mut entries: Vec<ActivityEntry> = events
        .into_iter()
        .enumerate()
        .map(|(i, event)| ActivityEntry { id: i as i64 + 1, at, event })
        .collect();
    entries.reverse();
    entries
}

fn golden_enrollment(n: u8, device_public_key: &str) -> Enrollment {
    Enrollment {
        base_url: format!("https://idp{n}.example.se"),
        origin: format!("https://idp{n}.example.se"),
        rp_id: format!("idp{n}.example.se"),
        issuer: format!("Example IdP {n}"),
        provider_key: "BAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQ"
            .into(),
        account_name: format!("user{n}"),
        user_id: format!("u-{n}"),
        device_id: format!("ZGV2aWNl{n}"),
        device_name: format!("Golden laptop {n}"),
        device_key_alias: format!("nyckel-device-golden{n}AAAAAAAAAAA"),
        device_public_key: device_public_key.into(),
        sign_count: 0,
        phone_signin: None,
        clock_offset: 0,
        otp_account_id: None,
        otp_managed: false,
        enrolled_at: 1_767_225_600 + n as i64,
    }
}

const DEVICE_KEY_1: &str =
    "BJ4Ky-BlTb8dVs_gPzOGPg5P4G3CYLMKOQiHqax-DNM-NdTVhBX8PYkIZgz60ulMXy0DqdFGsW7fXiTzdYkH1Qc";
const DEVICE_KEY_2: &str =
    "BD4XZ9cBqJA61DvrTFPiuvS0ZQvJutLuWQIqGtMphyBGyupuh-6AIEWoH8EY7iBYE3LYvkrgcYHVop7DKtOn1Y4";
const PHONE_KEY_2: &str =
    "BLPWoWiS6ajV7ZYzQCoZ2prOuMDWDwf1MNCSynAeaoh7UVRsTYqIvV_jzTldHMtr4x0aTYB2zqIfGxcAOncIAYI";

fn schema_2_enrollments() -> Vec<StoredEnrollment> {
    let mut one = golden_enrollment(1, DEVICE_KEY_1);
    one.sign_count = 3;
    one.clock_offset = -2;
    one.otp_account_id = Some(6);
    let mut two = golden_enrollment(2, DEVICE_KEY_2);
    two.sign_count = 9;
    two.clock_offset = 17;
    two.phone_signin = Some(PhoneSignin {
        key_alias: "nyckel-phone-golden2AAAAAAAAAAAA".into(),
        credential_id: "cGhvbmUtY3JlZA".into(),
        public_key: PHONE_KEY_2.into(),
        sign_count: 4,
    });
    [one, two]
        .into_iter()
        .enumerate()
        .map(|(i, enrollment)| StoredEnrollment {
            id: i as i64 + 1,
            enrollment,
            created_at: V2_AT,
            updated_at: V2_AT,
        })
        .collect()
}

fn schema_2_accounts() -> Vec<Account> {
    let mut accounts = schema_1_accounts(V2_AT);
    let p = params(
        OtpKind::Totp,
        "GEZDGNBVGY3TQOJQ",
        "Example IdP 1",
        "user1",
        Algorithm::Sha1,
        6,
        30,
        0,
    );
    accounts.push(account(6, 4, V2_AT, p, ""));
    accounts
}

fn schema_2_activity() -> Vec<ActivityEntry> {
    use ActivityEvent::*;
    let mut events: Vec<ActivityEvent> =
        schema_1_activity(V2_AT).into_iter().rev().map(|e| e.event).collect();
    let enrolled = |n: i64| Enrolled {
        enrollment_id: n,
        provider: format!("https://idp{n}.example.se"),
        account_name: format!("user{n}"),
    };
    let sign_in = |enrollment_id, kind, decision: &str, result: &str, at: i64| SignIn {
        enrollment_id,
        record: ActivityRecord {
            at,
            provider: "https://idp2.example.se".into(),
            account_name: "user2".into(),
            request_id: format!("req-{at}"),
            kind,
            app: "Mail".into(),
            ip: "192.0.2.10".into(),
            location: "Malmö, SE".into(),
            decision: decision.into(),
            result: result.into(),
        },
    };
    events.extend([
        AccountAdded { account_id: 6, issuer: "Example IdP 1".into(), name: "user1".into() },
        enrolled(1),
        enrolled(2),
        enrolled(3),
        EnrollmentRemoved {
            enrollment_id: 3,
            provider: "https://idp3.example.se".into(),
            account_name: "user3".into(),
        },
        PhoneSignin { enrollment_id: 2, account_name: "user2".into(), enabled: true },
        sign_in(2, RequestKind::Push, "deny", "denied", 1_767_225_700),
        sign_in(2, RequestKind::Passwordless, "approve", "approved", 1_767_225_800),
        sign_in(1, RequestKind::Push, "report", "not delivered", 1_767_225_900),
    ]);
    entries(events, V2_AT)
}

/// Checks both slots of an opened golden vault: the passphrase and the platform slot open it.
fn unlock_both_ways(vault: &mut Vault, passphrase: &str) {
    assert!(matches!(vault.unlock_with_passphrase("wrong"), Err(VaultError::WrongPassphrase)));
    vault.unlock_with_protector(&PrefixProtector).unwrap();
    vault.lock();
    vault.unlock_with_passphrase(passphrase).unwrap();
}

/// The full schema of a file, read without writing to it.
fn schema_of(path: &Path) -> Vec<String> {
    schema::describe(&read_only(path))
}

/// The schema of a vault this build creates.
fn new_vault_schema() -> Vec<String> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("new.nyckel");
    drop(Vault::create(&path, "new", KdfParams::FLOOR).unwrap());
    schema_of(&path)
}

#[test]
fn the_golden_files_have_their_frozen_schemas() {
    for (version, bytes) in [(1, V1), (2, V2)] {
        let dir = tempfile::tempdir().unwrap();
        let golden = copy(&dir, bytes);
        let frozen = dir.path().join("frozen.sqlite");
        let conn = Connection::open(&frozen).unwrap();
        conn.pragma_update(None, "journal_mode", "WAL").unwrap();
        conn.pragma_update(None, "application_id", APPLICATION_ID).unwrap();
        conn.execute_batch(schema::snapshot(version)).unwrap();
        conn.pragma_update(None, "user_version", version).unwrap();
        drop(conn);
        assert_eq!(schema_of(&golden), schema_of(&frozen), "schema {version}");
    }
}

#[test]
fn a_schema_1_golden_vault_is_migrated_keeping_every_record() {
    let dir = tempfile::tempdir().unwrap();
    let path = copy(&dir, V1);
    let mut vault = Vault::open(&path).unwrap();
    unlock_both_ways(&mut vault, V1_PASSPHRASE);
    assert_eq!(vault.accounts().unwrap(), schema_1_accounts(V1_AT));
    assert_eq!(vault.activity(usize::MAX).unwrap(), schema_1_activity(V1_AT));
    assert_eq!(vault.enrollments().unwrap(), []);
    assert!(vault.software_key_store().unwrap().is_none());
    // The migrated file takes schema-2 records.
    let (id, _) = vault.add_enrollment(&golden_enrollment(7, DEVICE_KEY_1), None).unwrap();
    assert_eq!(vault.enrollment(id).unwrap().enrollment, golden_enrollment(7, DEVICE_KEY_1));
    drop(vault);
    assert_eq!(schema_of(&path), new_vault_schema());
}

#[test]
fn a_schema_2_golden_vault_opens_with_every_record() {
    let dir = tempfile::tempdir().unwrap();
    let path = copy(&dir, V2);
    let mut vault = Vault::open(&path).unwrap();
    unlock_both_ways(&mut vault, V2_PASSPHRASE);
    assert_eq!(vault.accounts().unwrap(), schema_2_accounts());
    assert_eq!(vault.enrollments().unwrap(), schema_2_enrollments());
    assert_eq!(vault.activity(usize::MAX).unwrap(), schema_2_activity());
    let store =
        SoftwareKeyStore::from_bytes(&vault.software_key_store().unwrap().unwrap()).unwrap();
    assert_eq!(
        store.aliases(),
        [
            "nyckel-device-golden1AAAAAAAAAAA",
            "nyckel-device-golden2AAAAAAAAAAA",
            "nyckel-phone-golden2AAAAAAAAAAAA"
        ]
    );
    use crate::protocol::DeviceKeyStore;
    use base64::Engine;
    let b64 = |k: Vec<u8>| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(k);
    for (alias, public_key) in [
        ("nyckel-device-golden1AAAAAAAAAAA", DEVICE_KEY_1),
        ("nyckel-device-golden2AAAAAAAAAAA", DEVICE_KEY_2),
        ("nyckel-phone-golden2AAAAAAAAAAAA", PHONE_KEY_2),
    ] {
        assert_eq!(b64(store.public_key(alias.into()).unwrap()), public_key);
    }
    drop(vault);
    assert_eq!(schema_of(&path), new_vault_schema());
}

/// Every sealed record of both golden files, decoded and written again by today's record
/// types, gives exactly the bytes the old build sealed.
#[test]
fn golden_records_are_written_back_byte_for_byte() {
    for (bytes, passphrase) in [(V1, V1_PASSPHRASE), (V2, V2_PASSPHRASE)] {
        let dir = tempfile::tempdir().unwrap();
        let mut vault = Vault::open(&copy(&dir, bytes)).unwrap();
        vault.unlock_with_passphrase(passphrase).unwrap();
        let mut seen = 0;
        for table in ["accounts", "enrollments", "activity"] {
            let rows: Vec<(i64, Vec<u8>)> = {
                let mut st =
                    vault.conn.prepare(&format!("SELECT id, sealed FROM {table}")).unwrap();
                st.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
                    .unwrap()
                    .map(Result::unwrap)
                    .collect()
            };
            for (id, sealed) in rows {
                let plain = vault.open_sealed(table, id, &sealed).unwrap();
                let again = match table {
                    "accounts" => {
                        let record: AccountRecord = serde_json::from_slice(&plain).unwrap();
                        let (params, note) = record.into_params().unwrap();
                        records::to_json(&AccountRecord::new(&params, &note))
                    }
                    "enrollments" => {
                        let record: EnrollmentRecord = serde_json::from_slice(&plain).unwrap();
                        records::to_json(&EnrollmentRecord::new(&record.into_enrollment().unwrap()))
                    }
                    _ => {
                        let record: EventRecord = serde_json::from_slice(&plain).unwrap();
                        records::to_json(&EventRecord::new(&record.into_event()))
                    }
                };
                assert_eq!(
                    String::from_utf8_lossy(&again),
                    String::from_utf8_lossy(&plain),
                    "{table} row {id}"
                );
                seen += 1;
            }
        }
        assert!(seen > 10);
    }
}

#[test]
fn a_half_set_phone_signin_is_refused_as_damage() {
    let dir = tempfile::tempdir().unwrap();
    let mut vault = Vault::open(&copy(&dir, V2)).unwrap();
    vault.unlock_with_passphrase(V2_PASSPHRASE).unwrap();
    let sealed: Vec<u8> = vault
        .conn
        .query_row("SELECT sealed FROM enrollments WHERE id = 2", [], |r| r.get(0))
        .unwrap();
    let plain = vault.open_sealed("enrollments", 2, &sealed).unwrap();
    let mut json: serde_json::Value = serde_json::from_slice(&plain).unwrap();
    for (field, value) in
        [("phone_signin_credential_id", serde_json::Value::Null), ("version", serde_json::json!(2))]
    {
        let mut changed = json.clone();
        changed[field] = value;
        let resealed =
            vault.seal("enrollments", 2, &serde_json::to_vec(&changed).unwrap()).unwrap();
        vault.conn.execute("UPDATE enrollments SET sealed = ?1 WHERE id = 2", [resealed]).unwrap();
        assert!(matches!(vault.enrollment(2), Err(VaultError::Corrupt(_))), "{field}");
    }
    json["phone_signin_credential_id"] = serde_json::Value::Null;
    json["phone_signin_key_alias"] = serde_json::Value::Null;
    json["phone_signin_public_key"] = serde_json::Value::Null;
    let resealed = vault.seal("enrollments", 2, &serde_json::to_vec(&json).unwrap()).unwrap();
    vault.conn.execute("UPDATE enrollments SET sealed = ?1 WHERE id = 2", [resealed]).unwrap();
    assert!(matches!(vault.enrollment(2), Err(VaultError::Corrupt(_))), "count without a key");
}
