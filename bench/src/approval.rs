//! `approval.process`: what the app's device key does per approval: sign the response and
//! check the signature (`sign_checked`: a foreign key store's garbage must not be sent), with
//! Nyckel's `SoftwareKeyStore`, against ring P-256 with the key pair parsed once.

use std::hint::black_box;

use nyckel_core::protocol::keys::{DeviceKeyStore, SoftwareKeyStore};
use nyckel_core::protocol::wire::verify_p256;
use ring::rand::SystemRandom;
use ring::signature::{
    EcdsaKeyPair, KeyPair, UnparsedPublicKey, ECDSA_P256_SHA256_ASN1,
    ECDSA_P256_SHA256_ASN1_SIGNING,
};

use crate::measure::{paired, Plan};
use crate::summary::Outcome;

const PLAN: Plan = Plan { batches: 21, per_batch: 200 };
const ALIAS: &str = "bench-device-key";

/// A response the size of a real one (method, path, body hash, nonce, time).
fn message() -> Vec<u8> {
    let mut m = b"POST\n/v1/approvals/3f1c9a6e/respond\n".to_vec();
    m.extend_from_slice(b"2026-12-04T08:00:00Z\nnonce=QmVuY2hOb25jZTAxMjM0NTY3ODkw\n");
    m.extend_from_slice(&[b'a'; 64]);
    m
}

/// Measures both over the same message.
pub fn process() -> Outcome {
    let store = SoftwareKeyStore::new();
    let public = match store.create_key(ALIAS.into(), false) {
        Ok(p) => p,
        Err(e) => return Outcome::Missing(format!("key creation failed: {e}")),
    };
    let msg = message();
    let rng = SystemRandom::new();
    let pkcs8 =
        EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_ASN1_SIGNING, &rng).expect("keygen");
    let pair = EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_ASN1_SIGNING, pkcs8.as_ref(), &rng)
        .expect("pkcs8");
    let ring_public =
        UnparsedPublicKey::new(&ECDSA_P256_SHA256_ASN1, pair.public_key().as_ref().to_vec());
    match store.sign(ALIAS.into(), msg.clone()) {
        Ok(sig) if verify_p256(&public, &msg, &sig) => {}
        _ => return Outcome::Missing("the software key store's signature does not verify".into()),
    }
    let n = PLAN.per_batch;
    let (ours, base) = paired(
        PLAN,
        || {
            for _ in 0..n {
                let sig = store.sign(ALIAS.into(), black_box(msg.clone())).expect("signs");
                assert!(verify_p256(&public, &msg, &sig));
            }
        },
        || {
            for _ in 0..n {
                let sig = pair.sign(&rng, black_box(&msg.clone())).expect("signs");
                assert!(ring_public.verify(&msg, sig.as_ref()).is_ok());
            }
        },
    );
    Outcome::measured(
        ours * 1e6,
        "us/approval",
        "ring P-256: sign (key parsed once) + verify",
        base * 1e6,
        Some(1.2),
    )
}
