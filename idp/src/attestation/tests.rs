//! Every refusal of an Android Key Attestation, on chains built by
//! [`super::test_chain::TestAuthority`], and the one that passes.

use nyckel_core::protocol::wire::{b64, KeyAttestation, ATTESTATION_ANDROID_KEY};
use nyckel_core::protocol::{DeviceKeyStore, SoftwareKeyStore};

use std::sync::Arc;

use super::test_chain::{
    application_id, serial_of, tlv, Description, TestAuthority, TEST_PACKAGE, TEST_SIGNING_DIGEST,
};
use super::{
    check, AndroidApp, AndroidKeyPolicy, AttestationError as E, KeyAttestationPolicy,
    RevocationFile, RevokedSerials,
};

const NOW: i64 = 1_800_000_000; // 2027
const CHALLENGE: &[u8] = b"a provider challenge of 40 bytes........";

struct Case {
    ca: TestAuthority,
    key: Vec<u8>,
}

impl Case {
    fn new() -> Case {
        let keys = SoftwareKeyStore::new();
        Case { ca: TestAuthority::new(), key: keys.create_key("k".into(), false).unwrap() }
    }

    fn policy(&self) -> KeyAttestationPolicy {
        KeyAttestationPolicy::android(vec![self.ca.root()])
    }

    fn check_chain(&self, chain: &[Vec<u8>]) -> Result<(), E> {
        self.check_with(&self.policy(), chain)
    }

    fn check_with(&self, policy: &KeyAttestationPolicy, chain: &[Vec<u8>]) -> Result<(), E> {
        check(policy, Some(&attestation(chain)), &self.key, CHALLENGE, NOW)
    }

    /// The Android policy with `settings` applied to it.
    fn with(&self, settings: impl FnOnce(&mut AndroidKeyPolicy)) -> KeyAttestationPolicy {
        let mut android = AndroidKeyPolicy::new(vec![self.ca.root()]);
        settings(&mut android);
        KeyAttestationPolicy { android: Some(android), apple: None }
    }

    fn check_description(&self, d: &Description) -> Result<(), E> {
        self.check_chain(&self.ca.chain(&self.key, d))
    }
}

fn attestation(chain: &[Vec<u8>]) -> KeyAttestation {
    KeyAttestation {
        format: ATTESTATION_ANDROID_KEY.into(),
        chain: chain.iter().map(|c| b64(c)).collect(),
    }
}

fn good() -> Description {
    Description::for_challenge(CHALLENGE)
}

#[test]
fn a_tee_key_that_needs_the_user_for_each_signature_is_accepted() {
    let c = Case::new();
    assert_eq!(c.check_description(&good()), Ok(()));
    // Without the root in the chain too (the last certificate signed by a configured root).
    let chain = c.ca.chain(&c.key, &good());
    assert_eq!(c.check_chain(&chain[..2]), Ok(()));
}

#[test]
fn without_the_requirement_nothing_is_checked() {
    let c = Case::new();
    let bad = attestation(&[b"not a certificate".to_vec()]);
    let none = KeyAttestationPolicy::default();
    assert!(!none.required());
    assert_eq!(check(&none, Some(&bad), &c.key, b"x", NOW), Ok(()));
    assert_eq!(check(&none, None, &c.key, b"x", NOW), Ok(()));
}

#[test]
fn a_missing_or_foreign_format_attestation_is_refused() {
    let c = Case::new();
    assert_eq!(check(&c.policy(), None, &c.key, CHALLENGE, NOW), Err(E::Missing));
    let mut a = attestation(&c.ca.chain(&c.key, &good()));
    a.format = "apple-appattest".into();
    assert_eq!(check(&c.policy(), Some(&a), &c.key, CHALLENGE, NOW), Err(E::UnsupportedFormat));
}

#[test]
fn empty_overlong_and_malformed_chains_are_refused() {
    let c = Case::new();
    assert_eq!(c.check_chain(&[]), Err(E::ChainLength));
    let chain = c.ca.chain(&c.key, &good());
    let long: Vec<Vec<u8>> = std::iter::repeat_n(chain[0].clone(), 7).collect();
    assert_eq!(c.check_chain(&long), Err(E::ChainLength));
    let mut a = attestation(&chain);
    a.chain[1] = "not base64url!".into();
    assert_eq!(
        check(&c.policy(), Some(&a), &c.key, CHALLENGE, NOW),
        Err(E::MalformedCertificate(1))
    );
    let mut trailing = chain.clone();
    trailing[0].push(0);
    assert_eq!(c.check_chain(&trailing), Err(E::MalformedCertificate(0)));
    let mut truncated = chain;
    truncated[2].truncate(40);
    assert_eq!(c.check_chain(&truncated), Err(E::MalformedCertificate(2)));
}

#[test]
fn a_chain_from_another_root_or_out_of_order_is_refused() {
    let c = Case::new();
    let other = TestAuthority::new();
    // A chain of its own, correctly signed, to a root the provider does not trust.
    assert_eq!(c.check_chain(&other.chain(&c.key, &good())), Err(E::UntrustedRoot));
    // The leaf alone: self-consistent, but not signed by a root.
    let chain = c.ca.chain(&c.key, &good());
    assert_eq!(c.check_chain(&chain[..1]), Err(E::UntrustedRoot));
    // Another authority's leaf under this authority's intermediate.
    let mixed = vec![other.chain(&c.key, &good())[0].clone(), chain[1].clone(), chain[2].clone()];
    assert_eq!(c.check_chain(&mixed), Err(E::ChainBroken(0)));
    let swapped = vec![chain[0].clone(), chain[2].clone(), chain[1].clone()];
    assert_eq!(c.check_chain(&swapped), Err(E::ChainBroken(0)));
}

#[test]
fn an_expired_certificate_is_refused() {
    let c = Case::new();
    let chain = c.ca.chain_with(&c.key, Some(good().to_der()), 2025);
    assert_eq!(c.check_chain(&chain), Err(E::NotValidNow(0)));
}

#[test]
fn a_leaf_without_a_key_description_or_an_intermediate_with_one_is_refused() {
    let c = Case::new();
    assert_eq!(c.check_chain(&c.ca.chain_with(&c.key, None, 2090)), Err(E::NoKeyDescription));
    let mut chain = c.ca.chain(&c.key, &good());
    chain[1] = c.ca.intermediate_with_description(good().to_der());
    assert_eq!(c.check_chain(&chain), Err(E::NoKeyDescription));
}

#[test]
fn a_malformed_key_description_is_refused() {
    let c = Case::new();
    let der = good().to_der();
    let cases = [
        vec![0x05, 0x00],                         // NULL, not a SEQUENCE
        der[..der.len() - 1].to_vec(),            // truncated
        [der.clone(), vec![0x05, 0x00]].concat(), // trailing bytes
        tlv(&[0x30], &tlv(&[0x02], &[1])),        // too few fields
    ];
    for bad in cases {
        let chain = c.ca.chain_with(&c.key, Some(bad.clone()), 2090);
        assert_eq!(c.check_chain(&chain), Err(E::MalformedKeyDescription), "{bad:02x?}");
    }
    // The same authorization tag twice.
    let d = Description { purpose_twice: true, ..good() };
    assert_eq!(c.check_description(&d), Err(E::MalformedKeyDescription));
}

#[test]
fn an_attestation_of_another_key_or_challenge_is_refused() {
    let c = Case::new();
    let other = SoftwareKeyStore::new().create_key("o".into(), false).unwrap();
    assert_eq!(c.check_chain(&c.ca.chain(&other, &good())), Err(E::WrongKey));
    let d = Description::for_challenge(b"another challenge");
    assert_eq!(c.check_description(&d), Err(E::ChallengeMismatch));
}

#[test]
fn a_software_key_is_refused() {
    let c = Case::new();
    let d = Description { security_level: 0, ..good() };
    assert_eq!(c.check_description(&d), Err(E::NotHardware));
}

#[test]
fn a_key_not_for_signing_on_another_curve_or_imported_is_refused() {
    let c = Case::new();
    for d in [
        Description { purposes: vec![0, 1], ..good() },
        Description { purposes: vec![], ..good() },
        Description { ec_curve: 2, ..good() },
        Description { origin: 2, ..good() },
    ] {
        assert_eq!(c.check_description(&d), Err(E::WrongKeyProperties), "{d:?}");
    }
}

#[test]
fn a_key_that_signs_without_the_user_is_refused() {
    let c = Case::new();
    let d = Description { no_auth_required: true, user_auth_type: None, ..good() };
    assert_eq!(c.check_description(&d), Err(E::NoAuthRequired));
    let d = Description { user_auth_type: None, ..good() };
    assert_eq!(c.check_description(&d), Err(E::UserAuthNotEnforced));
    let d = Description { user_auth_type: Some(0), ..good() };
    assert_eq!(c.check_description(&d), Err(E::UserAuthNotEnforced));
    let d = Description { auth_timeout: Some(30), ..good() };
    assert_eq!(c.check_description(&d), Err(E::AuthValidityWindow));
    // A timeout of 0 is "every use".
    assert_eq!(c.check_description(&Description { auth_timeout: Some(0), ..good() }), Ok(()));
}

#[test]
fn a_chain_with_a_certificate_on_the_status_list_is_refused() {
    let c = Case::new();
    let chain = c.ca.chain(&c.key, &good());
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("status.json");
    let write = |serials: &[String]| {
        let entries: Vec<String> = serials
            .iter()
            .map(|s| format!(r#""{s}": {{"status": "REVOKED", "reason": "KEY_COMPROMISE"}}"#))
            .collect();
        std::fs::write(&path, format!(r#"{{"entries": {{{}}}}}"#, entries.join(","))).unwrap();
    };
    // Google's list: keyed by lowercase hex serial numbers; another certificate's only.
    write(&["c8966fcb2fbb0d7a".to_owned()]);
    let file = Arc::new(RevocationFile::open(&path).unwrap());
    let policy = c.with(|p| p.revocations = Some(file.clone()));
    assert_eq!(c.check_with(&policy, &chain), Ok(()));
    // The intermediate revoked (the list is read again once the file changed).
    write(&["c8966fcb2fbb0d7a".to_owned(), serial_of(&chain[1])]);
    assert_eq!(c.check_with(&policy, &chain), Err(E::Revoked(1)));
    // The leaf, written with leading zeros and in upper case: still the same serial.
    write(&[format!("00{}", serial_of(&chain[0]).to_uppercase())]);
    assert_eq!(c.check_with(&policy, &chain), Err(E::Revoked(0)));
    // A list that cannot be read refuses everything (fail closed) until it can.
    std::fs::write(&path, b"<html>rate limited</html>").unwrap();
    assert_eq!(c.check_with(&policy, &chain), Err(E::RevocationListUnavailable));
    std::fs::remove_file(&path).unwrap();
    assert_eq!(c.check_with(&policy, &chain), Err(E::RevocationListUnavailable));
    write(&[]);
    assert_eq!(c.check_with(&policy, &chain), Ok(()));
}

#[test]
fn a_status_list_is_read_in_googles_format() {
    let list = RevokedSerials::from_json(
        br#"{"entries": {"2c8cdddfd5e03bfc": {"status": "REVOKED", "expires": "2020-11-13"},
            "0C8966FCB": {"status": "SUSPENDED", "reason": "SOFTWARE_FLAW"}}}"#,
    )
    .unwrap();
    assert!(list.contains("2c8cdddfd5e03bfc"));
    assert!(list.contains("2C8CDDDFD5E03BFC"));
    assert!(list.contains("c8966fcb"), "suspended counts; leading zeros do not");
    assert!(!list.contains("2c8cdddfd5e03bfd"));
    for bad in [&b"{}"[..], b"[]", br#"{"entries": {"xyz": {}}}"#, br#"{"entries": {"": {}}}"#] {
        assert!(RevokedSerials::from_json(bad).is_err(), "{}", String::from_utf8_lossy(bad));
    }
    let dir = tempfile::tempdir().unwrap();
    assert!(RevocationFile::open(&dir.path().join("missing.json")).is_err());
}

#[test]
fn an_unlocked_or_unverified_boot_is_refused_where_required() {
    let c = Case::new();
    let policy = c.with(|p| p.require_verified_boot = true);
    let check = |d: Description| c.check_with(&policy, &c.ca.chain(&c.key, &d));
    assert_eq!(check(good()), Ok(()));
    assert_eq!(
        check(Description { root_of_trust: Some((false, 0)), ..good() }),
        Err(E::BootNotVerified)
    );
    for state in [1, 2, 3] {
        let d = Description { root_of_trust: Some((true, state)), ..good() };
        assert_eq!(check(d), Err(E::BootNotVerified), "state {state}");
    }
    assert_eq!(check(Description { root_of_trust: None, ..good() }), Err(E::BootNotVerified));
    // Without the setting an unlocked phone's TEE key is accepted.
    let unlocked = Description { root_of_trust: Some((false, 2)), ..good() };
    assert_eq!(c.check_description(&unlocked), Ok(()));
}

#[test]
fn a_malformed_root_of_trust_is_refused() {
    let c = Case::new();
    let mut der = good().to_der();
    // deviceLocked TRUE written as 0x01 (BER, not DER).
    let at = der.windows(3).position(|w| w == [0x01, 0x01, 0xff]).unwrap();
    der[at + 2] = 0x01;
    let chain = c.ca.chain_with(&c.key, Some(der), 2090);
    assert_eq!(c.check_chain(&chain), Err(E::MalformedKeyDescription));
}

#[test]
fn a_key_created_by_another_app_is_refused_where_apps_are_listed() {
    let c = Case::new();
    let ours =
        AndroidApp { package: TEST_PACKAGE.into(), signing_cert_sha256: TEST_SIGNING_DIGEST };
    let other = AndroidApp { package: "com.example.other".into(), signing_cert_sha256: [1; 32] };
    let policy = c.with(|p| p.apps = vec![other.clone(), ours.clone()]);
    let check = |d: Description| c.check_with(&policy, &c.ca.chain(&c.key, &d));
    assert_eq!(check(good()), Ok(()));
    // A package sharing its user id with ours, and a rotated signing key listed beside ours.
    let shared = application_id(
        &[("com.example.helper", 1), (TEST_PACKAGE, 42)],
        &[[9; 32], TEST_SIGNING_DIGEST],
    );
    assert_eq!(check(Description { application_id: Some(shared), ..good() }), Ok(()));
    let refusals = [
        // Our package name, signed by someone else (a repackaged app).
        Some(application_id(&[(TEST_PACKAGE, 42)], &[[1; 32]])),
        // Another package with our signer's digest but not allowed under it.
        Some(application_id(&[("com.example.other", 1)], &[TEST_SIGNING_DIGEST])),
        Some(application_id(&[], &[])),
        None,
        Some(vec![0x30, 0x00]),
        Some(b"not DER".to_vec()),
    ];
    for id in refusals {
        let d = Description { application_id: id.clone(), ..good() };
        assert_eq!(check(d), Err(E::AppNotAllowed), "{id:02x?}");
    }
    // Without the setting any app's key is accepted.
    let d = Description { application_id: None, ..good() };
    assert_eq!(c.check_description(&d), Ok(()));
}

#[test]
fn an_old_patch_level_is_refused_where_a_minimum_is_set() {
    let c = Case::new();
    let policy = c.with(|p| p.min_os_patch_level = Some(202_611));
    let check = |d: Description| c.check_with(&policy, &c.ca.chain(&c.key, &d));
    assert_eq!(check(good()), Ok(()), "202611 is the minimum");
    assert_eq!(check(Description { os_patch_level: Some(202_703), ..good() }), Ok(()));
    assert_eq!(
        check(Description { os_patch_level: Some(202_610), ..good() }),
        Err(E::PatchLevelTooOld)
    );
    assert_eq!(check(Description { os_patch_level: None, ..good() }), Err(E::PatchLevelTooOld));
    let old = Description { os_patch_level: Some(201_801), ..good() };
    assert_eq!(c.check_description(&old), Ok(()), "no minimum set");
}

#[test]
fn an_allowed_app_is_read_as_package_and_digest() {
    let hex = "5a".repeat(32);
    let app = AndroidApp::parse(&format!("app.nyckel:{hex}")).unwrap();
    assert_eq!(app, AndroidApp { package: "app.nyckel".into(), signing_cert_sha256: [0x5a; 32] });
    let colons = vec!["5A"; 32].join(":");
    assert_eq!(AndroidApp::parse(&format!("app.nyckel:{colons}")), Ok(app));
    for bad in
        ["app.nyckel", ":5a5a", "app.nyckel:5a5a", "app.nyckel:zz", &format!("app.nyckel:{hex}00")]
    {
        assert!(AndroidApp::parse(bad).is_err(), "{bad}");
    }
}
