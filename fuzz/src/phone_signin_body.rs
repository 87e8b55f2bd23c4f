//! What the provider reads from a phone enabling phone sign-in (`POST
//! /nyckel/v1/phone-signin`): nyckel-idp's `read_phone_signin` (the key, the provider's
//! challenge, the key proof) and the Android Key Attestation check of what it accepted, plus
//! the key description parser behind an attestation's signature. Raw bodies exercise what
//! any device reaches; bodies built from the fuzzer's JSON with `@PK@`, `@CHALLENGE@`,
//! `@PROOF@` and `@CHAIN@` replaced by a genuine key, challenge, proof and attestation chain
//! reach the checks behind them. Every answer is a value or a typed error, and:
//!
//! - no challenge the provider did not issue is accepted, nor a key-proof v1 body whose proof
//!   is not over the request's nonce; an accepted body names the issued
//!   challenge, for this device, in time, and a key whose proof over it verifies;
//! - an attestation passes only when it is the genuine chain for that key and challenge.
//!
//! Input: a selector byte — modulo 3: 0 a raw body; 1 a templated body; 2 a raw key
//! description (DER).

use nyckel_core::protocol::wire::{self, b64, unb64, ATTESTATION_ANDROID_KEY};
use nyckel_core::protocol::{DeviceKeyStore, SoftwareKeyStore};
use nyckel_idp::fuzzing::device::{
    check_attestation, parse_key_description, read_legacy_phone_signin, read_phone_signin,
    ChallengeKey,
};
use nyckel_idp::testing::test_chain::{Description, TestAuthority};
use nyckel_idp::KeyAttestationPolicy;

const NOW: i64 = 1_800_000_000;
const DEVICE: &str = "ZGV2aWNl";

struct Fixture {
    key: ChallengeKey,
    public: Vec<u8>,
    challenge: String,
    proof: String,
    chain: Vec<String>,
    policy: KeyAttestationPolicy,
}

thread_local! {
    static FIXTURE: Fixture = {
        let keys = SoftwareKeyStore::new();
        let public = keys.create_key("phone".into(), false).expect("a software key");
        let key = ChallengeKey::new(&[3; 32]);
        let challenge = key.issue(DEVICE, NOW + 300);
        let msg = wire::key_proof_string(DEVICE, &b64(&public), &challenge);
        let proof = b64(&keys.sign("phone".into(), msg.into_bytes()).expect("it signs"));
        let authority = TestAuthority::new();
        let bytes = unb64(&challenge).expect("b64url");
        let chain = authority.chain(&public, &Description::for_challenge(&bytes));
        let chain = chain.iter().map(|c| b64(c)).collect();
        let policy = KeyAttestationPolicy::android(vec![authority.root()]);
        Fixture { key, public, challenge, proof, chain, policy }
    };
}

/// Checks the body `data` describes.
pub fn check(data: &[u8]) {
    let (which, rest) = crate::selector(data);
    FIXTURE.with(|f| match which % 3 {
        0 => {
            assert!(
                read_phone_signin(&f.key, DEVICE, rest, NOW).is_err(),
                "a challenge the provider never issued was accepted"
            );
            // Key-proof layout v1: no proof made by the fuzzer verifies over this nonce.
            assert!(
                !matches!(read_legacy_phone_signin(DEVICE, "bm9uY2U", rest), Some(Ok(_))),
                "a v1 key proof over another nonce was accepted"
            );
        }
        1 => templated(f, rest),
        _ => {
            let _ = parse_key_description(rest);
        }
    })
}

fn templated(f: &Fixture, rest: &[u8]) {
    let chain = serde_json::to_string(&f.chain).expect("JSON");
    let mut body = crate::replace(rest, b"@PK@", b64(&f.public).as_bytes());
    for (needle, with) in [
        (&b"@CHALLENGE@"[..], f.challenge.as_bytes()),
        (b"@PROOF@", f.proof.as_bytes()),
        (b"@CHAIN@", chain.as_bytes()),
    ] {
        body = crate::replace(&body, needle, with);
    }
    let Ok(checked) = read_phone_signin(&f.key, DEVICE, &body, NOW) else { return };
    assert_eq!(checked.public_key, f.public, "another key accepted");
    assert_eq!(checked.challenge, f.challenge, "another challenge accepted");
    assert_eq!(Some(checked.challenge_bytes.clone()), unb64(&f.challenge));
    assert!(read_phone_signin(&f.key, "b3RoZXI", &body, NOW).is_err(), "another device");
    assert!(read_phone_signin(&f.key, DEVICE, &body, NOW + 301).is_err(), "after expiry");
    let attested = check_attestation(
        &f.policy,
        checked.attestation.as_ref(),
        &checked.public_key,
        &checked.challenge_bytes,
        NOW,
    );
    if attested.is_ok() {
        let sent = checked.attestation.expect("an attestation passed");
        assert_eq!(sent.format, ATTESTATION_ANDROID_KEY);
        // The genuine leaf, then certificates of the genuine chain (it may stop before the
        // root, which signed the last one, or repeat the self-signed root).
        let der = |c: &String| unb64(c).expect("a passed chain decodes");
        let genuine: Vec<Vec<u8>> = f.chain.iter().map(der).collect();
        let sent: Vec<Vec<u8>> = sent.chain.iter().map(der).collect();
        assert_eq!(sent[0], genuine[0], "another leaf passed");
        assert!(sent.iter().all(|c| genuine.contains(c)), "a certificate of no genuine chain");
    }
}
