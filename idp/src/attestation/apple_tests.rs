//! Every refusal of an Apple App Attest attestation, on objects built by
//! [`super::test_chain::TestAuthority`], the one that passes, and Apple's own published
//! sample (a real device's attestation) against the pinned Apple root.

use nyckel_core::protocol::wire::{
    app_attest_client_data_hash, b64, sha256, KeyAttestation, ATTESTATION_APPLE_APP_ATTEST,
};
use nyckel_core::protocol::{DeviceKeyStore, SoftwareKeyStore};

use super::test_chain::{app_attest_object, AppAttest, TestAuthority};
use super::{apple, check, AppAttestPolicy, AttestationError as E, KeyAttestationPolicy};

const NOW: i64 = 1_800_000_000; // 2027
const CHALLENGE: &[u8] = b"a provider challenge of 40 bytes........";
const APP: &str = "ABCDE12345.app.nyckel";

struct Case {
    ca: TestAuthority,
    key: Vec<u8>,
}

impl Case {
    fn new() -> Case {
        let keys = SoftwareKeyStore::new();
        Case { ca: TestAuthority::new(), key: keys.create_key("k".into(), false).unwrap() }
    }

    fn apple(&self) -> AppAttestPolicy {
        AppAttestPolicy {
            roots: vec![self.ca.root()],
            app_ids: vec!["OTHERTEAM1.com.example.other".into(), APP.into()],
            development: false,
        }
    }

    fn policy_with(&self, apple: AppAttestPolicy) -> KeyAttestationPolicy {
        KeyAttestationPolicy { apple: Some(apple), ..KeyAttestationPolicy::default() }
    }

    /// A good attestation of this case's key for [`CHALLENGE`].
    fn good(&self) -> AppAttest {
        AppAttest::new(APP, &app_attest_client_data_hash(CHALLENGE, &self.key))
    }

    fn check_object(&self, policy: &KeyAttestationPolicy, object: &[u8]) -> Result<(), E> {
        let a = KeyAttestation {
            format: ATTESTATION_APPLE_APP_ATTEST.into(),
            chain: vec![b64(object)],
        };
        check(policy, Some(&a), &self.key, CHALLENGE, NOW)
    }

    fn check(&self, a: &AppAttest) -> Result<(), E> {
        self.check_object(&self.policy_with(self.apple()), &self.ca.app_attest(a))
    }
}

#[test]
fn an_attestation_of_the_app_for_this_challenge_and_key_is_accepted() {
    let c = Case::new();
    assert_eq!(c.check(&c.good()), Ok(()));
}

#[test]
fn an_attestation_for_another_challenge_or_key_is_refused() {
    let c = Case::new();
    let other_key = SoftwareKeyStore::new().create_key("o".into(), false).unwrap();
    for hash in [
        app_attest_client_data_hash(b"another challenge", &c.key),
        app_attest_client_data_hash(CHALLENGE, &other_key),
        sha256(CHALLENGE), // Apple's sample's own scheme, without the key
    ] {
        let a = AppAttest { client_data_hash: hash.to_vec(), ..c.good() };
        assert_eq!(c.check(&a), Err(E::NonceMismatch));
    }
    let a = AppAttest { nonce: Some(vec![7; 32]), ..c.good() };
    assert_eq!(c.check(&a), Err(E::NonceMismatch));
    let a = AppAttest { nonce_extension: false, ..c.good() };
    assert_eq!(c.check(&a), Err(E::MalformedAppAttest));
}

#[test]
fn another_app_environment_counter_or_key_id_is_refused() {
    let c = Case::new();
    let a = AppAttest { app_id: "ABCDE12345.app.nyckel.evil".into(), ..c.good() };
    assert_eq!(c.check(&a), Err(E::AppNotAllowed));
    let a = AppAttest { counter: 1, ..c.good() };
    assert_eq!(c.check(&a), Err(E::CounterNotZero));
    let develop = AppAttest { aaguid: *b"appattestdevelop", ..c.good() };
    assert_eq!(c.check(&develop), Err(E::WrongEnvironment));
    let a = AppAttest { aaguid: *b"something else!!", ..c.good() };
    assert_eq!(c.check(&a), Err(E::WrongEnvironment));
    // A development provider also accepts development builds' attestations.
    let dev = c.policy_with(AppAttestPolicy { development: true, ..c.apple() });
    assert_eq!(c.check_object(&dev, &c.ca.app_attest(&develop)), Ok(()));
    assert_eq!(c.check_object(&dev, &c.ca.app_attest(&c.good())), Ok(()));
    for id in [vec![1; 32], vec![], vec![1; 16]] {
        let a = AppAttest { credential_id: Some(id), ..c.good() };
        assert_eq!(c.check(&a), Err(E::KeyIdMismatch));
    }
}

#[test]
fn a_chain_from_another_root_or_of_the_wrong_shape_is_refused() {
    let c = Case::new();
    let stranger = TestAuthority::new();
    assert_eq!(
        c.check_object(&c.policy_with(c.apple()), &stranger.app_attest(&c.good())),
        Err(E::UntrustedRoot)
    );
    let (x5c, auth) = c.ca.app_attest_parts(&c.good());
    let (other_x5c, _) = stranger.app_attest_parts(&c.good());
    let policy = c.policy_with(c.apple());
    let object = |x5c: &[Vec<u8>]| app_attest_object("apple-appattest", x5c, &auth);
    assert_eq!(c.check_object(&policy, &object(&x5c[..1])), Err(E::ChainLength));
    let three = [x5c.clone(), vec![c.ca.root()]].concat();
    assert_eq!(c.check_object(&policy, &object(&three)), Err(E::ChainLength));
    let mixed = [other_x5c[0].clone(), x5c[1].clone()];
    assert_eq!(c.check_object(&policy, &object(&mixed)), Err(E::ChainBroken(0)));
    let garbage = [x5c[0].clone(), b"not a certificate".to_vec()];
    assert_eq!(c.check_object(&policy, &object(&garbage)), Err(E::MalformedCertificate(1)));
}

#[test]
fn a_malformed_object_is_refused() {
    let c = Case::new();
    let policy = c.policy_with(c.apple());
    let (x5c, auth) = c.ca.app_attest_parts(&c.good());
    let good = app_attest_object("apple-appattest", &x5c, &auth);
    let cases = [
        app_attest_object("packed", &x5c, &auth),
        app_attest_object("apple-appattest", &x5c, &auth[..40]),
        [good.clone(), vec![0x00]].concat(), // something after the object
        good[..good.len() - 1].to_vec(),
        vec![0xa0], // an empty map
        b"not CBOR".to_vec(),
    ];
    for bad in cases {
        assert_eq!(c.check_object(&policy, &bad), Err(E::MalformedAppAttest), "{bad:02x?}");
    }
    // More than one item, or none, in the wire message's `chain`.
    for chain in [vec![], vec![b64(&good), b64(&good)]] {
        let a = KeyAttestation { format: ATTESTATION_APPLE_APP_ATTEST.into(), chain };
        assert_eq!(check(&policy, Some(&a), &c.key, CHALLENGE, NOW), Err(E::ChainLength));
    }
}

#[test]
fn a_provider_accepts_only_the_formats_it_is_configured_for() {
    let c = Case::new();
    let object = c.ca.app_attest(&c.good());
    // Android only: an App Attest object is of a format it does not accept.
    let android = KeyAttestationPolicy::android(vec![c.ca.root()]);
    assert_eq!(c.check_object(&android, &object), Err(E::UnsupportedFormat));
    assert_eq!(c.check_object(&c.policy_with(c.apple()), &object), Ok(()));
}

/// Apple's sample attestation object from "Attestation Object Validation Guide" (DeviceCheck
/// documentation): app `1234567890.com.example.myapp`, key id
/// `zgSY9YSD+7TaDXssY6WlOPVS1K3Lmk+pFhlcSWE+ZV0=`, made on a real device. Its nonce is over
/// the raw bytes of `example_server_challenge` (not their hash, as the guide's prose says).
const APPLE_SAMPLE: &str = include_str!("testdata/apple_sample_attestation.b64");
/// 2026-04-21 18:13:12 UTC: inside the sample credential certificate's three days.
const APPLE_SAMPLE_TIME: i64 = 1_776_795_192;

fn apple_sample() -> Vec<u8> {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.decode(APPLE_SAMPLE.trim()).unwrap()
}

#[test]
fn apples_sample_attestation_verifies_against_the_pinned_apple_root() {
    let policy = AppAttestPolicy::apple(vec!["1234567890.com.example.myapp".into()]);
    let object = apple_sample();
    let hash = b"example_server_challenge";
    assert_eq!(apple::verify(&object, &policy, hash, APPLE_SAMPLE_TIME), Ok(()));
    // Each refusal on the real object.
    assert_eq!(
        apple::verify(&object, &policy, b"wrong_server_challenge", APPLE_SAMPLE_TIME),
        Err(E::NonceMismatch)
    );
    let other_app = AppAttestPolicy::apple(vec!["1234567890.com.example.other".into()]);
    assert_eq!(apple::verify(&object, &other_app, hash, APPLE_SAMPLE_TIME), Err(E::AppNotAllowed));
    // Days later the credential certificate has expired.
    assert_eq!(
        apple::verify(&object, &policy, hash, APPLE_SAMPLE_TIME + 3 * 86_400),
        Err(E::NotValidNow(0))
    );
    // Another root (a test authority's) does not verify Apple's chain.
    let test_root = AppAttestPolicy { roots: vec![TestAuthority::new().root()], ..policy };
    assert_eq!(apple::verify(&object, &test_root, hash, APPLE_SAMPLE_TIME), Err(E::UntrustedRoot));
}

#[test]
fn the_pinned_root_is_apples_app_attestation_root() {
    // The SHA-256 of the DER of Apple's "Apple App Attestation Root CA" (2020-03-18 to
    // 2045-03-15); the sample above verifying under it is the stronger check.
    let roots = AppAttestPolicy::apple(vec![]).roots;
    assert_eq!(roots.len(), 1);
    let hex: String = sha256(&roots[0]).iter().map(|b| format!("{b:02x}")).collect();
    assert_eq!(hex, "1cb9823ba28ba6ad2d33a006941de2ae4f513ef1d4e831b9f7e0fa7b6242c932");
}
