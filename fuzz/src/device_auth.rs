//! What the provider reads first from every device-signed request: the four device-auth
//! headers (`Nyckel-Device`, `-Timestamp`, `-Nonce`, `-Signature`; nyckel-idp's
//! `DeviceAuth::from_headers`) and the checks of their content (`ts`, `nonce_ok`, `verify`).
//! Raw header bytes exercise the bounds and character rules anyone on the network reaches;
//! headers over a method, path and body the fuzzer chose, signed with the device key, reach
//! the signature check. Every answer is a value or a typed error, and:
//!
//! - accepted headers are visible ASCII, non-empty and within their bounds;
//! - nothing the device key did not sign verifies, and a signed request verifies only for
//!   its own method, path, body and key.
//!
//! Input: a selector byte — even: raw, the four header values separated by 0xFF; odd: signed,
//! then `device\ntimestamp\nnonce\nmethod\npath\n` and the body.

use nyckel_core::protocol::wire::{self, b64, H_DEVICE, H_NONCE, H_SIGNATURE, H_TIMESTAMP};
use nyckel_core::protocol::{DeviceKeyStore, SoftwareKeyStore};
use nyckel_idp::fuzzing::device::DeviceAuth;

/// The device key and another key.
struct Fixture {
    keys: SoftwareKeyStore,
    public: Vec<u8>,
    other: Vec<u8>,
}

thread_local! {
    static FIXTURE: Fixture = {
        let keys = SoftwareKeyStore::new();
        let public = keys.create_key("device".into(), false).expect("a software key");
        let other = keys.create_key("other".into(), false).expect("a software key");
        Fixture { keys, public, other }
    };
}

fn read(values: [&[u8]; 4]) -> Result<DeviceAuth, nyckel_idp::Error> {
    let names = [H_DEVICE, H_TIMESTAMP, H_NONCE, H_SIGNATURE];
    DeviceAuth::from_headers(|n| names.iter().position(|h| *h == n).map(|i| values[i]))
}

fn well_formed(auth: &DeviceAuth) {
    for (v, max) in
        [(&auth.device, 64), (&auth.timestamp, 20), (&auth.nonce, 64), (&auth.signature, 128)]
    {
        assert!(!v.is_empty() && v.len() <= max, "a header out of its bounds accepted");
        assert!(v.bytes().all(|b| b == b'\t' || (0x20..0x7f).contains(&b)), "not visible ASCII");
    }
    assert_eq!(auth.ts().is_ok(), auth.timestamp.parse::<i64>().is_ok());
    let nonce_ok = wire::unb64(&auth.nonce).is_some_and(|n| n.len() == 16);
    assert_eq!(auth.nonce_ok(), nonce_ok);
}

/// Checks the headers `data` describes.
pub fn check(data: &[u8]) {
    let (which, rest) = crate::selector(data);
    FIXTURE.with(|f| if which % 2 == 0 { raw(f, rest) } else { signed(f, rest) })
}

fn raw(f: &Fixture, rest: &[u8]) {
    let mut parts = rest.split(|b| *b == 0xff);
    let mut next = || parts.next().unwrap_or_default();
    let values = [next(), next(), next(), next()];
    let Ok(auth) = read(values) else { return };
    well_formed(&auth);
    for method in ["GET", "POST"] {
        assert!(!auth.verify(&f.public, method, "/nyckel/v1/requests", b""), "a forged signature");
    }
}

fn signed(f: &Fixture, rest: &[u8]) {
    let mut fields = rest.splitn(6, |b| *b == b'\n');
    let mut next = || String::from_utf8_lossy(fields.next().unwrap_or_default()).into_owned();
    let (device, timestamp, nonce, method, path) = (next(), next(), next(), next(), next());
    let body = fields.next().unwrap_or_default();
    let s = wire::request_signed_string(&method, &path, &device, &timestamp, &nonce, body);
    let sig = b64(&f.keys.sign("device".into(), s.clone().into_bytes()).expect("it signs"));
    let values = [device.as_bytes(), timestamp.as_bytes(), nonce.as_bytes(), sig.as_bytes()];
    let Ok(auth) = read(values) else { return };
    well_formed(&auth);
    assert_eq!((&auth.device, &auth.timestamp, &auth.nonce), (&device, &timestamp, &nonce));
    assert!(auth.verify(&f.public, &method, &path, body), "a genuine request refused");
    assert!(!auth.verify(&f.other, &method, &path, body), "verified with another key");
    let mut other_body = body.to_vec();
    other_body.push(b'x');
    assert!(!auth.verify(&f.public, &method, &path, &other_body), "another body verified");
    let other_path = format!("{path}x");
    assert!(!auth.verify(&f.public, &method, &other_path, body), "another path verified");
    if method != "DELETE" {
        assert!(!auth.verify(&f.public, "DELETE", &path, body), "another method verified");
    }
}
