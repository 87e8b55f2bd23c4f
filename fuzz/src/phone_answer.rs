//! What the phone reads from the provider about its own settings: the phone sign-in
//! challenge, the answers to enabling and disabling phone sign-in, and the acknowledgement of
//! a new push token — raw (anyone on the path), and payloads signed with the pinned provider
//! key (with `@NONCE@` replaced by the request's nonce). Every answer is a value or a typed
//! `ProtocolError`, and:
//!
//! - an accepted challenge is this device's, b64url, at most 128 characters;
//! - a refused enabling leaves no new key and the enrollment's phone sign-in as it was; an
//!   accepted one names the new key and a valid credential id;
//! - a refused disabling leaves phone sign-in on; an accepted one turns it off;
//! - only a signed answer moves the clock.
//!
//! Input: a selector byte — modulo 8: the challenge, enabling, disabling and the push token,
//! each raw (even) or signed (odd).

use nyckel_core::protocol::wire::{b64, unb64, PhoneSigninChallenge};
use nyckel_core::protocol::{
    disable_phone_signin, enable_phone_signin, request_phone_signin_challenge, update_push_token,
    DeviceKeyStore, Enrollment, HttpRequest, HttpResponse, KeyStoreError, PhoneSignin,
    ProtocolError, SoftwareKeyStore,
};
use nyckel_core::random::SystemRandom;

use crate::provider_response::{raw, with_fixture, Fixture, Request};

const NOW: i64 = 1_700_000_000;

/// The fixture's store, creating every key without user verification (a PIN prompt would
/// run Argon2id for each input; the phone's reading of the answer is what is fuzzed).
struct Ungated<'a>(&'a SoftwareKeyStore);

impl DeviceKeyStore for Ungated<'_> {
    fn create_key(&self, alias: String, _uv: bool) -> Result<Vec<u8>, KeyStoreError> {
        self.0.create_key(alias, false)
    }
    fn public_key(&self, alias: String) -> Result<Vec<u8>, KeyStoreError> {
        self.0.public_key(alias)
    }
    fn sign(&self, alias: String, message: Vec<u8>) -> Result<Vec<u8>, KeyStoreError> {
        self.0.sign(alias, message)
    }
    fn delete_key(&self, alias: String) -> Result<(), KeyStoreError> {
        self.0.delete_key(alias)
    }
}

/// Checks the answer `data` describes.
pub fn check(data: &[u8]) {
    let (which, rest) = crate::selector(data);
    with_fixture(|f| {
        let answer = |req: &HttpRequest| {
            if which % 2 == 0 {
                raw(rest)
            } else {
                f.signed(200, rest, &Request::of(req), false)
            }
        };
        match (which / 2) % 4 {
            0 => challenge(f, answer),
            1 => enable(f, answer),
            2 => disable(f, answer),
            _ => push_token(f, answer),
        }
    })
}

/// The clock moved only when the answer was accepted or was a signed clock-skew answer.
fn clock_kept(before: &Enrollment, after: &Enrollment, result: &Result<impl Sized, ProtocolError>) {
    if !matches!(result, Ok(_) | Err(ProtocolError::ClockSkew)) {
        assert_eq!(after.clock_offset, before.clock_offset, "an unsigned answer moved the clock");
    }
}

fn challenge(f: &Fixture, answer: impl Fn(&HttpRequest) -> HttpResponse) {
    let mut e = f.enrollment.clone();
    let (req, fetch) = request_phone_signin_challenge(&e, &f.keys, &SystemRandom, NOW).unwrap();
    let result = fetch.finish(&mut e, &answer(&req), NOW);
    clock_kept(&f.enrollment, &e, &result);
    if let Ok(c) = result {
        assert_eq!(c.device_id, e.device_id);
        assert!(c.challenge.len() <= 128 && unb64(&c.challenge).is_some_and(|b| !b.is_empty()));
    }
}

fn enable(f: &Fixture, answer: impl Fn(&HttpRequest) -> HttpResponse) {
    let keys = Ungated(&f.keys);
    let mut e = f.enrollment.clone();
    let c = PhoneSigninChallenge {
        device_id: e.device_id.clone(),
        challenge: b64(&[9; 40]),
        expires_at: NOW + 300,
    };
    let (req, st) = enable_phone_signin(&e, &c, &keys, &SystemRandom, NOW).unwrap();
    let alias = st.key_alias().to_owned();
    match st.finish_deferred(&mut e, &answer(&req), NOW) {
        Ok(replaced) => {
            assert_eq!(replaced, None, "nothing was enabled before");
            let p = e.phone_signin.as_ref().expect("enabled");
            assert_eq!(p.key_alias, alias);
            assert!(!p.credential_id.is_empty() && p.credential_id.len() <= 64);
            let _ = f.keys.delete_key(alias);
        }
        Err(err) => {
            clock_kept(&f.enrollment, &e, &Err::<(), _>(err));
            assert_eq!(e.phone_signin, None, "a refused enabling changed the enrollment");
            assert!(!f.keys.aliases().contains(&alias), "a refused enabling kept its key");
        }
    }
}

fn disable(f: &Fixture, answer: impl Fn(&HttpRequest) -> HttpResponse) {
    let phone = PhoneSignin {
        key_alias: "phone".into(),
        credential_id: "cred".into(),
        public_key: f.enrollment.device_public_key.clone(),
        sign_count: 3,
    };
    let before = Enrollment { phone_signin: Some(phone), ..f.enrollment.clone() };
    let mut e = before.clone();
    let (req, st) = disable_phone_signin(&e, &f.keys, &SystemRandom, NOW).unwrap();
    let result = st.finish_deferred(&mut e, &answer(&req), NOW);
    clock_kept(&before, &e, &result);
    match result {
        Ok(removed) => {
            assert_eq!(removed.as_deref(), Some("phone"));
            assert_eq!(e.phone_signin, None);
        }
        Err(_) => assert_eq!(e.phone_signin, before.phone_signin, "a refusal turned it off"),
    }
}

fn push_token(f: &Fixture, answer: impl Fn(&HttpRequest) -> HttpResponse) {
    let mut e = f.enrollment.clone();
    let (req, ack) = update_push_token(&e, Some("token"), &f.keys, &SystemRandom, NOW).unwrap();
    let result = ack.finish(&mut e, &answer(&req), NOW);
    clock_kept(&f.enrollment, &e, &result);
}
