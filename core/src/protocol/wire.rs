//! The wire vocabulary of protocol v1, shared by the app (this crate's `protocol`) and the
//! reference provider (`nyckel-idp`): byte-exact building blocks (base64url, fingerprints,
//! the strings that get signed, the context hash, P-256 signature checks), the JSON messages
//! ([`messages`]: request bodies and signed payloads) and the error codes with their HTTP
//! statuses ([`ErrorCode`]). `docs/protocol.md` §2, §4 and §6 define every byte here.
//! Neither side writes a wire name or a JSON key by hand: a change here changes both.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use ring::signature::{UnparsedPublicKey, ECDSA_P256_SHA256_ASN1};
use sha2::{Digest, Sha256};

mod error_code;
pub mod messages;
mod text;

pub use error_code::{ErrorBody, ErrorCode};
pub use messages::{
    Ack, AssertionBody, ClientData, DecisionKind, DeviceStanding, EnrollRequest, Enrolled,
    Envelope, KeyAttestation, LegacyPhoneSigninRequest, NyckelClientData, Payload, PayloadHeader,
    PendingList, PendingRequest, PhoneSigninChallenge, PhoneSigninRequest, PhoneSigninState,
    ProviderInfo, PushTokenRequest, RequestKind, RespondOutcome, ServerTime, Signed, SigninResult,
    TransferCode, ATTESTATION_ANDROID_KEY, ATTESTATION_APPLE_APP_ATTEST,
};
pub use text::{is_unsafe_display_char, is_valid_device_name};

/// Domain tag of provider signatures.
pub const PROVIDER_SIG_TAG: &str = "nyckel-provider-v1\n";
/// First line of a device-signed request's signed string.
pub const REQUEST_SIG_TAG: &str = "nyckel-request-v1";
/// First line of a phone sign-in key proof.
pub const KEY_PROOF_TAG: &str = "nyckel-key-proof-v2";
/// First line of the App Attest client data of a phone sign-in key.
pub const APP_ATTEST_TAG: &str = "nyckel-app-attest-v1";
/// First line of the key proof of apps built before the provider challenge (§4.4, "Key-proof
/// layout v1"): providers still accept it where they do not require attestation.
pub const LEGACY_KEY_PROOF_TAG: &str = "nyckel-key-proof-v1";
/// First field of the context hash.
pub const CONTEXT_TAG: &str = "nyckel-context-v1";
/// Path prefix of every endpoint.
pub const API_PREFIX: &str = "/nyckel/v1";

/// Header carrying the device id (or `new`).
pub const H_DEVICE: &str = "Nyckel-Device";
/// Header carrying the request timestamp.
pub const H_TIMESTAMP: &str = "Nyckel-Timestamp";
/// Header carrying the request nonce.
pub const H_NONCE: &str = "Nyckel-Nonce";
/// Header carrying the request signature.
pub const H_SIGNATURE: &str = "Nyckel-Signature";

/// WebAuthn flag: user present.
pub const FLAG_UP: u8 = 0x01;
/// WebAuthn flag: user verified.
pub const FLAG_UV: u8 = 0x04;

/// Length of an uncompressed SEC1 P-256 public key.
pub const P256_PUBLIC_KEY_LEN: usize = 65;
/// Largest DER ECDSA P-256 signature.
pub const MAX_DER_SIG_LEN: usize = 72;

/// base64url without padding.
pub fn b64(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

/// Decodes base64url without padding; rejects padding and other alphabets.
pub fn unb64(s: &str) -> Option<Vec<u8>> {
    URL_SAFE_NO_PAD.decode(s.as_bytes()).ok()
}

/// SHA-256.
pub fn sha256(bytes: &[u8]) -> [u8; 32] {
    Sha256::digest(bytes).into()
}

/// The provider key fingerprint: b64url(SHA-256(SEC1 uncompressed key)).
pub fn fingerprint(public_key: &[u8]) -> String {
    b64(&sha256(public_key))
}

/// True when `key` has the shape of an uncompressed P-256 point (65 bytes, `0x04` first).
/// Whether it is on the curve is checked when a signature is verified with it.
pub fn is_p256_public_key(key: &[u8]) -> bool {
    key.len() == P256_PUBLIC_KEY_LEN && key[0] == 0x04
}

/// Verifies a DER ECDSA P-256/SHA-256 signature. Raw `r‖s`, truncated or non-DER
/// signatures and malformed keys return false; nothing panics.
pub fn verify_p256(public_key: &[u8], message: &[u8], der_signature: &[u8]) -> bool {
    if !is_p256_public_key(public_key)
        || der_signature.len() > MAX_DER_SIG_LEN
        || der_signature.len() < 8
    {
        return false;
    }
    UnparsedPublicKey::new(&ECDSA_P256_SHA256_ASN1, public_key)
        .verify(message, der_signature)
        .is_ok()
}

/// The bytes a provider signs for a payload: `"nyckel-provider-v1\n" ‖ payload`.
pub fn provider_signed_bytes(payload: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(PROVIDER_SIG_TAG.len() + payload.len());
    out.extend_from_slice(PROVIDER_SIG_TAG.as_bytes());
    out.extend_from_slice(payload);
    out
}

/// The string a device signs for a request (`docs/protocol.md` §2.2).
pub fn request_signed_string(
    method: &str,
    path_and_query: &str,
    device_id: &str,
    timestamp: &str,
    nonce: &str,
    body: &[u8],
) -> String {
    format!(
        "{REQUEST_SIG_TAG}\n{method}\n{path_and_query}\n{device_id}\n{timestamp}\n{nonce}\n{}",
        b64(&sha256(body))
    )
}

/// The string a new phone sign-in key signs to prove possession (§4.4), naming the
/// provider's single-use `challenge`.
pub fn key_proof_string(device_id: &str, public_key_b64: &str, challenge: &str) -> String {
    format!("{KEY_PROOF_TAG}\n{device_id}\n{public_key_b64}\n{challenge}")
}

/// The `clientDataHash` an iOS app gives `DCAppAttestService.attestKey` when it registers the
/// phone sign-in key `public_key` (SEC1) for the provider's `challenge` (its raw bytes)
/// (§4.4): SHA-256 of `"nyckel-app-attest-v1\n" ‖ b64url(challenge) ‖ "\n" ‖
/// b64url(public_key)`. So an App Attest attestation says "the genuine app asked to register
/// this key for this challenge".
pub fn app_attest_client_data_hash(challenge: &[u8], public_key: &[u8]) -> [u8; 32] {
    sha256(format!("{APP_ATTEST_TAG}\n{}\n{}", b64(challenge), b64(public_key)).as_bytes())
}

/// The key-proof string of layout v1 (§4.4), which apps built before the provider challenge
/// sign: it names the request's own `Nyckel-Nonce` instead of a provider challenge. Only
/// providers read it; the app builds [`key_proof_string`].
pub fn legacy_key_proof_string(device_id: &str, public_key_b64: &str, nonce: &str) -> String {
    format!("{LEGACY_KEY_PROOF_TAG}\n{device_id}\n{public_key_b64}\n{nonce}")
}

/// Everything the app shows about a sign-in request, as bound into the assertion. Built
/// only by [`PendingRequest::context_hash`], on both sides.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Context<'a> {
    /// Request id.
    pub request_id: &'a str,
    /// `push` or `passwordless`.
    pub kind: &'a str,
    /// Account name.
    pub account_name: &'a str,
    /// Requesting app.
    pub app: &'a str,
    /// Client IP.
    pub ip: &'a str,
    /// Approximate location.
    pub location: &'a str,
    /// Creation time.
    pub created_at: i64,
    /// Expiry time.
    pub expires_at: i64,
    /// rpId.
    pub rp_id: &'a str,
    /// Origin.
    pub origin: &'a str,
}

/// `contextHash` of §6: b64url(SHA-256 of length-prefixed fields).
pub(crate) fn context_hash(c: &Context<'_>) -> String {
    let created = c.created_at.to_string();
    let expires = c.expires_at.to_string();
    let fields: [&str; 11] = [
        CONTEXT_TAG,
        c.request_id,
        c.kind,
        c.account_name,
        c.app,
        c.ip,
        c.location,
        &created,
        &expires,
        c.rp_id,
        c.origin,
    ];
    let mut h = Sha256::new();
    for f in fields {
        h.update((f.len() as u32).to_be_bytes());
        h.update(f.as_bytes());
    }
    b64(&h.finalize())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn b64_is_url_safe_unpadded_and_strict() {
        assert_eq!(b64(&[0xfb, 0xff]), "-_8");
        assert_eq!(unb64("-_8"), Some(vec![0xfb, 0xff]));
        assert_eq!(unb64("-_8="), None);
        assert_eq!(unb64("+/8"), None);
        assert_eq!(unb64("a"), None);
    }

    #[test]
    fn empty_body_hash_matches_doc_example() {
        assert_eq!(b64(&sha256(b"")), "47DEQpj8HBSa-_TImW-5JCeuQeRkm5NMpJWZG3hSuFU");
    }

    #[test]
    fn request_string_layout() {
        let s = request_signed_string("GET", "/nyckel/v1/requests", "dev", "100", "nn", b"");
        assert_eq!(
            s,
            "nyckel-request-v1\nGET\n/nyckel/v1/requests\ndev\n100\nnn\n47DEQpj8HBSa-_TImW-5JCeuQeRkm5NMpJWZG3hSuFU"
        );
    }

    #[test]
    fn context_hash_is_length_prefixed() {
        let base = Context {
            request_id: "r",
            kind: "push",
            account_name: "anna",
            app: "a",
            ip: "b",
            location: "",
            created_at: 1,
            expires_at: 121,
            rp_id: "x",
            origin: "https://x",
        };
        // Moving a character between adjacent fields changes the hash.
        let moved = Context { app: "ab", ip: "", ..base };
        assert_ne!(context_hash(&base), context_hash(&moved));
        // Known vector, computed by hand from the definition.
        let mut manual = Vec::new();
        for f in
            ["nyckel-context-v1", "r", "push", "anna", "a", "b", "", "1", "121", "x", "https://x"]
        {
            manual.extend_from_slice(&(f.len() as u32).to_be_bytes());
            manual.extend_from_slice(f.as_bytes());
        }
        assert_eq!(context_hash(&base), b64(&sha256(&manual)));
    }

    #[test]
    fn verify_rejects_garbage_without_panicking() {
        let key = [4u8; 65];
        assert!(!verify_p256(&key, b"m", &[]));
        assert!(!verify_p256(&key, b"m", &[0x30; 64]));
        assert!(!verify_p256(&[4u8; 10], b"m", &[0x30; 70]));
        assert!(!verify_p256(&key, b"m", &[0u8; 200]));
    }
}
