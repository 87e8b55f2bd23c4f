//! Every refusal of an Android Key Attestation, on chains built by
//! [`super::test_chain::TestAuthority`], and the one that passes.

use nyckel_core::protocol::wire::{b64, KeyAttestation, ATTESTATION_ANDROID_KEY};
use nyckel_core::protocol::{DeviceKeyStore, SoftwareKeyStore};

use super::test_chain::{tlv, Description, TestAuthority};
use super::{check, AttestationError as E, KeyAttestationPolicy};

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
        KeyAttestationPolicy::AndroidKey { roots: vec![self.ca.root()] }
    }

    fn check_chain(&self, chain: &[Vec<u8>]) -> Result<(), E> {
        let a = attestation(chain);
        check(&self.policy(), Some(&a), &self.key, CHALLENGE, NOW)
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
    assert_eq!(check(&KeyAttestationPolicy::NotRequired, Some(&bad), &c.key, b"x", NOW), Ok(()));
    assert_eq!(check(&KeyAttestationPolicy::NotRequired, None, &c.key, b"x", NOW), Ok(()));
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
