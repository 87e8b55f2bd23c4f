//! A fake provider for unit tests: signs envelopes like `nyckel-idp` does.

use ring::rand::SystemRandom;
use ring::signature::{EcdsaKeyPair, KeyPair, ECDSA_P256_SHA256_ASN1_SIGNING};
use serde_json::{json, Value};

use super::wire::{b64, fingerprint, provider_signed_bytes};
use super::HttpResponse;

pub struct FakeProvider {
    pair: EcdsaKeyPair,
    pub public: Vec<u8>,
}

impl FakeProvider {
    pub fn new() -> Self {
        let rng = SystemRandom::new();
        let pkcs8 = EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_ASN1_SIGNING, &rng).unwrap();
        let pair = EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_ASN1_SIGNING, pkcs8.as_ref(), &rng)
            .unwrap();
        let public = pair.public_key().as_ref().to_vec();
        FakeProvider { pair, public }
    }

    pub fn fingerprint(&self) -> String {
        fingerprint(&self.public)
    }

    pub fn envelope_value(&self, payload: &Value) -> Value {
        let bytes = serde_json::to_vec(payload).unwrap();
        let sig = self.pair.sign(&SystemRandom::new(), &provider_signed_bytes(&bytes)).unwrap();
        json!({"payload": b64(&bytes), "signature": b64(sig.as_ref())})
    }

    pub fn respond(&self, payload: &Value) -> HttpResponse {
        HttpResponse {
            status: 200,
            headers: vec![],
            body: serde_json::to_vec(&self.envelope_value(payload)).unwrap(),
        }
    }

    pub fn respond_with_key(&self, payload: &Value, key: &[u8]) -> HttpResponse {
        let mut env = self.envelope_value(payload);
        env["providerKey"] = json!(b64(key));
        HttpResponse { status: 200, headers: vec![], body: serde_json::to_vec(&env).unwrap() }
    }
}
