//! What the provider reads from a phone enrolling (`POST /nyckel/v1/enroll`, nyckel-idp's
//! `read_enrollment`: every check before storage). Raw bodies with headers the fuzzer chose
//! exercise the JSON and field checks anyone reaches; bodies naming the fixture's device key
//! (`@DEVKEY@` in the fuzzer's JSON), signed with it, reach the checks behind the signature.
//! Every answer is an accepted body or a typed error, and:
//!
//! - nothing the body's own key did not sign is accepted (no forgery);
//! - an accepted body has `Nyckel-Device: new`, a P-256 key that is the signer's, a device
//!   name the pages can show safely, a push token of at most 4096 bytes and an activation
//!   code of 1–128 bytes, and a 16-byte nonce.
//!
//! Input: a selector byte — even: raw (headers `new`, a fixed timestamp, a nonce and a
//! signature from the first line, then the body); odd: the fuzzer's body with `@DEVKEY@`
//! replaced, signed by the device key with a fresh nonce.

use nyckel_core::protocol::wire::{self, b64, unb64, EnrollRequest};
use nyckel_core::protocol::{DeviceKeyStore, SoftwareKeyStore};
use nyckel_idp::fuzzing::device::{read_enrollment, DeviceAuth};

const PATH: &str = "/nyckel/v1/enroll";

struct Fixture {
    keys: SoftwareKeyStore,
    public: Vec<u8>,
}

thread_local! {
    static FIXTURE: Fixture = {
        let keys = SoftwareKeyStore::new();
        let public = keys.create_key("device".into(), false).expect("a software key");
        Fixture { keys, public }
    };
}

/// Checks the enrollment `data` describes.
pub fn check(data: &[u8]) {
    let (which, rest) = crate::selector(data);
    FIXTURE.with(|f| if which % 2 == 0 { raw(rest) } else { signed(f, rest) })
}

fn auth(nonce: &str, signature: &str) -> DeviceAuth {
    DeviceAuth {
        device: "new".into(),
        timestamp: "1700000000".into(),
        nonce: nonce.into(),
        signature: signature.into(),
    }
}

fn raw(rest: &[u8]) {
    let (line, body) = match rest.iter().position(|b| *b == b'\n') {
        Some(i) => (&rest[..i], &rest[i + 1..]),
        None => (&rest[..0], rest),
    };
    let line = String::from_utf8_lossy(line);
    let (nonce, signature) = line.split_once(' ').unwrap_or((&line, ""));
    let result = read_enrollment(&auth(nonce, signature), PATH, body);
    assert!(result.is_err(), "an enrollment nobody signed was accepted");
}

fn signed(f: &Fixture, rest: &[u8]) {
    let body = crate::replace(rest, b"@DEVKEY@", b64(&f.public).as_bytes());
    let nonce = b64(&[0x42; 16]);
    let s = wire::request_signed_string("POST", PATH, "new", "1700000000", &nonce, &body);
    let sig = b64(&f.keys.sign("device".into(), s.into_bytes()).expect("it signs"));
    let Ok((b, key)) = read_enrollment(&auth(&nonce, &sig), PATH, &body) else { return };
    assert_eq!(key, f.public, "accepted with another key than the signer's");
    let parsed: EnrollRequest = serde_json::from_slice(&body).expect("accepted bodies parse");
    assert_eq!(parsed, b);
    assert_eq!(unb64(&b.device_public_key).as_deref(), Some(f.public.as_slice()));
    assert!(wire::is_valid_device_name(&b.device_name), "an unsafe device name accepted");
    assert!(b.push_token.as_ref().is_none_or(|t| t.len() <= 4096), "a push token too long");
    assert!((1..=128).contains(&b.activation_code.len()), "an activation code out of bounds");
    // The same body under another path or signed over another body does not verify.
    assert!(read_enrollment(&auth(&nonce, &sig), "/nyckel/v1/enrol", &body).is_err());
    let mut other = body.clone();
    other.push(b' ');
    assert!(read_enrollment(&auth(&nonce, &sig), PATH, &other).is_err(), "another body");
}
