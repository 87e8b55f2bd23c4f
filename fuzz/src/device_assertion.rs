//! What the provider reads from a phone answering a sign-in request: the assertion body of
//! `respond` (nyckel-idp's `verify::decode` and `verify::check`, the WebAuthn-order checks).
//! Raw bodies exercise the decoding and bounds anyone on the network reaches; a clientDataJSON
//! and authenticator data the fuzzer chose, signed with the enrolled device key, reach the
//! checks behind the signature. Every answer is a decision or a typed error, and:
//!
//! - nothing the device key did not sign is accepted (no forgery);
//! - an accepted assertion is `webauthn.get` for this request's challenge, origin and rpId,
//!   not cross-origin, with user presence (and user verification when an approval needs it),
//!   Nyckel fields of version 1 for this request and context, an approval with its number,
//!   and the counter the authenticator data carries.
//!
//! Input: a selector byte — modulo 4: 0 a raw JSON body; 1–3 signed, with the correct rpId
//! hash (1, 3) or the fuzzer's (2), and UV required for approvals (3) — then, for the signed
//! modes, one flags byte, four counter bytes and the clientDataJSON.

use nyckel_core::protocol::assertion;
use nyckel_core::protocol::wire::{b64, sha256, FLAG_UP, FLAG_UV};
use nyckel_core::protocol::{DeviceKeyStore, SoftwareKeyStore};
use nyckel_idp::fuzzing::verify::{self, AssertionBody, Decided, Expected};
use serde_json::Value;

const ORIGIN: &str = "https://idp.example.se";
const RP_ID: &str = "idp.example.se";
const REQUEST: &str = "req-1";
const CONTEXT: &str = "ctx-1";

/// The enrolled device key and the request's nonce.
struct Fixture {
    keys: SoftwareKeyStore,
    public: Vec<u8>,
    nonce: Vec<u8>,
}

impl Fixture {
    fn new() -> Fixture {
        let keys = SoftwareKeyStore::new();
        let public = keys.create_key("device".into(), false).expect("a software key");
        Fixture { keys, public, nonce: vec![5; 32] }
    }

    fn expected(&self, uv: bool) -> Expected<'_> {
        Expected {
            nonce: &self.nonce,
            origin: ORIGIN,
            rp_id: RP_ID,
            request_id: REQUEST,
            context_hash: CONTEXT,
            public_key: &self.public,
            require_uv_for_approve: uv,
        }
    }
}

thread_local! {
    static FIXTURE: Fixture = Fixture::new();
}

/// Checks the assertion `data` describes.
pub fn check(data: &[u8]) {
    let (which, rest) = crate::selector(data);
    FIXTURE.with(|f| match which % 4 {
        0 => {
            let Ok(body) = serde_json::from_slice::<AssertionBody>(rest) else { return };
            if let Ok(d) = verify::decode(&body) {
                for uv in [false, true] {
                    assert!(verify::check(&d, &f.expected(uv)).is_err(), "a forged assertion");
                }
            }
        }
        mode => signed(f, mode, rest),
    })
}

fn signed(f: &Fixture, mode: u8, rest: &[u8]) {
    let [flags, c0, c1, c2, c3, client_data @ ..] = rest else { return };
    let rp_hash = sha256(if mode == 2 { &b"evil.example"[..] } else { RP_ID.as_bytes() });
    let mut auth_data = rp_hash.to_vec();
    auth_data.push(*flags);
    auth_data.extend_from_slice(&[*c0, *c1, *c2, *c3]);
    let signed =
        assertion::sign(&f.keys, "device", &f.public, "device-1", auth_data, client_data.to_vec())
            .expect("the device key signs");
    let body: AssertionBody = serde_json::from_slice(&signed.to_body()).expect("a body");
    let uv_required = mode == 3;
    let Ok(decoded) = verify::decode(&body) else {
        assert!(client_data.len() > 4096, "a signed assertion within the bounds refused");
        return;
    };
    let Ok(checked) = verify::check(&decoded, &f.expected(uv_required)) else { return };
    assert_eq!(rp_hash, sha256(RP_ID.as_bytes()), "another rpId accepted");
    assert!(flags & FLAG_UP != 0, "accepted without user presence");
    assert_eq!(checked.sign_count, u32::from_be_bytes([*c0, *c1, *c2, *c3]));
    assert_eq!(checked.user_verified, flags & FLAG_UV != 0);
    let cd: Value = serde_json::from_slice(client_data).expect("accepted client data is JSON");
    assert_eq!(cd["type"], "webauthn.get");
    assert_eq!(cd["challenge"], b64(&f.nonce).as_str());
    assert_eq!(cd["origin"], ORIGIN);
    assert!(cd.get("crossOrigin").is_none_or(|c| c == false), "a cross-origin assertion");
    let n = &cd["nyckel"];
    assert_eq!(
        (&n["v"], &n["requestId"], &n["contextHash"]),
        (&Value::from(1), &Value::from(REQUEST), &Value::from(CONTEXT))
    );
    match checked.decision {
        Decided::Approve(number) => {
            assert_eq!(n["decision"], "approve");
            assert_eq!(n["number"].as_i64(), Some(number));
            assert!(!uv_required || checked.user_verified, "an approval without UV");
        }
        Decided::Deny => assert_eq!(n["decision"], "deny"),
        Decided::Report => assert_eq!(n["decision"], "report"),
    }
}
