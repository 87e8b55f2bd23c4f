//! What a provider (or anyone between it and the phone) answers: the pending-requests list,
//! the enrollment answer, the result of an approval, the signed time and the acknowledgement
//! of an unenrollment. Raw bytes exercise the envelope and
//! error-body parsing every attacker on the path reaches; payloads signed with the pinned
//! provider key (with `@NONCE@` replaced by the request's nonce) reach the payload checks
//! behind the signature. Every answer must be a value or a typed `ProtocolError`.

use nyckel_core::protocol::wire::{b64, fingerprint, provider_signed_bytes, H_NONCE};
use nyckel_core::protocol::{
    enroll, fetch_pending, parse_pending, parse_respond_result, sync_time, unenroll, Decision,
    DeviceKeyStore, EnrollUri, Enrollment, HttpRequest, HttpResponse, PendingRequest,
    ProtocolError, SoftwareKeyStore,
};
use nyckel_core::random::SystemRandom;
use ring::rand::SystemRandom as RingRandom;
use ring::signature::{EcdsaKeyPair, KeyPair, ECDSA_P256_SHA256_ASN1_SIGNING};

const NOW: i64 = 1_700_000_000;
const BASE: &str = "https://idp.example";

/// An enrollment with the public key of a fixed P-256 point as both the provider's and the
/// device's key (tests replace them with keys they hold).
pub fn sample_enrollment() -> Enrollment {
    // The P-256 generator: a valid uncompressed SEC1 point.
    let point = concat!(
        "046B17D1F2E12C4247F8BCE6E563A440F277037D812DEB33A0F4A13945D898C296",
        "4FE342E2FE1A7F9B8EE7EB4A7C0F9E162BCE33576B315ECECBB6406837BF51F5"
    );
    let key: Vec<u8> = (0..point.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&point[i..i + 2], 16).unwrap())
        .collect();
    Enrollment {
        base_url: BASE.into(),
        origin: BASE.into(),
        rp_id: "idp.example".into(),
        issuer: "Example".into(),
        provider_key: b64(&key),
        account_name: "anna".into(),
        user_id: "user-1".into(),
        device_id: "device-1".into(),
        device_name: "fuzz".into(),
        device_key_alias: "device".into(),
        device_public_key: b64(&key),
        sign_count: 0,
        phone_signin: None,
        clock_offset: 0,
        otp_account_id: None,
        otp_managed: false,
        enrolled_at: NOW,
    }
}

/// A provider key, a software key store with a device key, and an enrollment pinning both.
pub(crate) struct Fixture {
    provider: EcdsaKeyPair,
    provider_public: Vec<u8>,
    pub(crate) keys: SoftwareKeyStore,
    pub(crate) enrollment: Enrollment,
    request: PendingRequest,
}

impl Fixture {
    fn new() -> Fixture {
        let rng = RingRandom::new();
        let pkcs8 = EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_ASN1_SIGNING, &rng).unwrap();
        let provider =
            EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_ASN1_SIGNING, pkcs8.as_ref(), &rng)
                .unwrap();
        let provider_public = provider.public_key().as_ref().to_vec();
        let keys = SoftwareKeyStore::new();
        let device_public = keys.create_key("device".into(), false).unwrap();
        let enrollment = Enrollment {
            provider_key: b64(&provider_public),
            device_public_key: b64(&device_public),
            ..sample_enrollment()
        };
        let request: PendingRequest = serde_json::from_value(serde_json::json!({
            "id": "req-1", "nonce": b64(&[7u8; 32]), "kind": "push", "accountName": "anna",
            "app": "Mail", "ip": "192.0.2.1", "location": "Malmö", "createdAt": NOW,
            "expiresAt": NOW + 120, "rpId": "idp.example", "origin": BASE,
        }))
        .unwrap();
        Fixture { provider, provider_public, keys, enrollment, request }
    }

    /// A response whose body is an envelope around `payload` (with `@NONCE@` and `@DEVKEY@`
    /// replaced by the request's nonce and device key), signed with the provider key;
    /// `with_key` adds the provider key beside it.
    pub(crate) fn signed(
        &self,
        status: u16,
        payload: &[u8],
        req: &Request,
        with_key: bool,
    ) -> HttpResponse {
        let payload = crate::replace(payload, b"@NONCE@", req.nonce.as_bytes());
        let payload = crate::replace(&payload, b"@DEVKEY@", req.device_key.as_bytes());
        let sig = self.provider.sign(&RingRandom::new(), &provider_signed_bytes(&payload));
        let mut env = serde_json::json!({
            "payload": b64(&payload),
            "signature": b64(sig.unwrap().as_ref()),
        });
        if with_key {
            env["providerKey"] = b64(&self.provider_public).into();
        }
        HttpResponse { status, headers: vec![], body: serde_json::to_vec(&env).unwrap() }
    }
}

/// What an answer may echo from the request it answers.
#[derive(Default)]
pub(crate) struct Request {
    nonce: String,
    device_key: String,
}

impl Request {
    pub(crate) fn of(req: &HttpRequest) -> Request {
        // A device-signed request carries its nonce in a header, a time request in its query.
        let nonce = req.headers.iter().find(|(k, _)| k == H_NONCE).map(|(_, v)| v.clone());
        let nonce = nonce.or_else(|| req.url.split_once("nonce=").map(|(_, n)| n.to_owned()));
        let body: serde_json::Value = serde_json::from_slice(&req.body).unwrap_or_default();
        let device_key = body["devicePublicKey"].as_str().unwrap_or_default().to_owned();
        Request { nonce: nonce.unwrap_or_default(), device_key }
    }
}

/// An unsigned answer: a status from the first two bytes, then the body.
pub(crate) fn raw(data: &[u8]) -> HttpResponse {
    let (status, body) = match data {
        [a, b, body @ ..] => (u16::from_be_bytes([*a, *b]) % 600, body),
        _ => (200, data),
    };
    HttpResponse { status, headers: vec![], body: body.to_vec() }
}

thread_local! {
    static FIXTURE: Fixture = Fixture::new();
}

/// Runs `f` with this thread's fixture.
pub(crate) fn with_fixture<R>(f: impl FnOnce(&Fixture) -> R) -> R {
    FIXTURE.with(f)
}

/// Feeds `data` to one of the response parsers, chosen by its first byte.
pub fn check(data: &[u8]) {
    let (which, rest) = crate::selector(data);
    FIXTURE.with(|f| match which % 11 {
        0 => pending(f, |_| raw(rest)),
        1 => enrollment(f, |_| raw(rest)),
        2 => result(f, raw(rest)),
        3 => pending(f, |req| f.signed(200, rest, req, false)),
        4 => pending(f, |req| f.signed(401, rest, req, false)),
        5 => enrollment(f, |req| f.signed(200, rest, req, true)),
        6 => result(f, f.signed(200, rest, &Request::default(), false)),
        7 => time(f, |_| raw(rest)),
        8 => time(f, |req| f.signed(200, rest, req, false)),
        9 => unenrolled(f, |_| raw(rest)),
        _ => unenrolled(f, |req| f.signed(200, rest, req, false)),
    })
}

fn pending(f: &Fixture, answer: impl FnOnce(&Request) -> HttpResponse) {
    let mut enrollment = f.enrollment.clone();
    let (req, fetch) = fetch_pending(&enrollment, &f.keys, &SystemRandom, NOW).unwrap();
    let resp = answer(&Request::of(&req));
    if let Ok(requests) = parse_pending(&mut enrollment, &fetch, &resp, NOW) {
        for r in &requests {
            // What the app shows and binds into its signature is computable for each.
            let _ = r.context_hash();
            let _ = r.seconds_left(&enrollment, NOW);
        }
    }
}

fn enrollment(f: &Fixture, answer: impl FnOnce(&Request) -> HttpResponse) {
    let link = EnrollUri::build(
        BASE,
        "ACTIVATIONCODE0123456789",
        "anna",
        &fingerprint(&f.provider_public),
        Some("Example"),
        None,
        None,
    );
    let uri = EnrollUri::parse(&link).unwrap();
    let (req, state) = enroll::begin(&uri, "fuzz", None, &f.keys, &SystemRandom, NOW).unwrap();
    let alias = state.key_alias().to_owned();
    let resp = answer(&Request::of(&req));
    match state.finish(&resp, NOW) {
        Ok(e) => assert_eq!(e.device_key_alias, alias),
        // On any error the new key is gone again.
        Err(_) => assert!(!f.keys.aliases().contains(&alias), "a refused enrollment kept its key"),
    }
    let _ = f.keys.delete_key(alias);
}

fn result(f: &Fixture, resp: HttpResponse) {
    for decision in [Decision::Approve { number: 42 }, Decision::Deny, Decision::Report] {
        let _ = parse_respond_result(&f.enrollment, &f.request, decision, &resp);
    }
}

fn time(f: &Fixture, answer: impl FnOnce(&Request) -> HttpResponse) {
    let mut enrollment = f.enrollment.clone();
    let (req, sync) = sync_time(&enrollment, &SystemRandom).unwrap();
    if let Ok(offset) = sync.finish(&mut enrollment, &answer(&Request::of(&req)), NOW) {
        assert_eq!(offset, enrollment.clock_offset);
    }
}

fn unenrolled(f: &Fixture, answer: impl FnOnce(&Request) -> HttpResponse) {
    let mut enrollment = f.enrollment.clone();
    let (req, ack) = unenroll(&enrollment, &f.keys, &SystemRandom, NOW).unwrap();
    match ack.finish(&mut enrollment, &answer(&Request::of(&req)), NOW) {
        // Only a signed answer moves the clock.
        Ok(()) | Err(ProtocolError::ClockSkew) => {}
        Err(_) => assert_eq!(enrollment.clock_offset, f.enrollment.clock_offset),
    }
}
