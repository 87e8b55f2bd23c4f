//! Flow tests of the app side against a fake provider.

use std::sync::Arc;

use proptest::prelude::*;
use serde_json::{json, Value};

use super::keys::FixedPin;
use super::testutil::FakeProvider;
use super::wire::{self, b64, sha256, unb64, verify_p256};
use super::*;
use crate::random::{NoRandomness, Random, SystemRandom};

const NOW: i64 = 1_767_225_600;
const CODE: &str = "q3U1y0Cq9E3N0QmK6cJ3aA";
const ORIGIN: &str = "https://idp.example.se";

fn header<'a>(r: &'a HttpRequest, n: &str) -> &'a str {
    r.header(n).unwrap()
}

fn body_json(r: &HttpRequest) -> Value {
    serde_json::from_slice(&r.body).unwrap()
}

/// Checks a device-signed request the way a provider does; returns its nonce.
fn check_device_sig(req: &HttpRequest, public_key: &[u8]) -> String {
    let path = req.url.strip_prefix(ORIGIN).unwrap();
    let s = wire::request_signed_string(
        &req.method,
        path,
        header(req, "Nyckel-Device"),
        header(req, "Nyckel-Timestamp"),
        header(req, "Nyckel-Nonce"),
        &req.body,
    );
    let sig = unb64(header(req, "Nyckel-Signature")).unwrap();
    assert!(verify_p256(public_key, s.as_bytes(), &sig), "device signature must verify");
    header(req, "Nyckel-Nonce").to_owned()
}

struct Setup {
    provider: FakeProvider,
    keys: SoftwareKeyStore,
    enrollment: Enrollment,
}

fn enrolled_payload(nonce: &str, device_key: &str) -> Value {
    json!({"v":1,"typ":"nyckel.enrolled","serverTime":NOW + 5,"reqNonce":nonce,"deviceId":"ZGV2aWNl",
           "userId":"dXNlcg","accountName":"anna","issuer":"Region Skåne","rpId":"idp.example.se",
           "origin":ORIGIN,"devicePublicKey":device_key})
}

fn uri_for(p: &FakeProvider) -> EnrollUri {
    EnrollUri::parse(&EnrollUri::build(ORIGIN, CODE, "anna", &p.fingerprint(), None, None, None))
        .unwrap()
}

fn setup() -> Setup {
    let provider = FakeProvider::new();
    let keys = SoftwareKeyStore::new();
    let uri = uri_for(&provider);
    let (req, state) =
        enroll::begin(&uri, "Annas telefon", Some("tok"), &keys, &SystemRandom, NOW).unwrap();
    let body = body_json(&req);
    let dk = body["devicePublicKey"].as_str().unwrap().to_owned();
    let nonce = check_device_sig(&req, &unb64(&dk).unwrap());
    let enrollment = state
        .finish(&provider.respond_with_key(&enrolled_payload(&nonce, &dk), &provider.public), NOW)
        .unwrap();
    Setup { provider, keys, enrollment }
}

fn pending_request(id: &str, kind: &str, expires: i64) -> Value {
    json!({"id":id,"nonce":b64(&[7u8; 32]),"kind":kind,"accountName":"anna","app":"Webbmejl","ip":"203.0.113.7",
           "location":"Malmö, SE","createdAt":NOW,"expiresAt":expires,"rpId":"idp.example.se","origin":ORIGIN})
}

fn pending_payload(nonce: &str, requests: Vec<Value>) -> Value {
    json!({"v":1,"typ":"nyckel.pending","serverTime":NOW + 10,"reqNonce":nonce,"deviceId":"ZGV2aWNl","userId":"dXNlcg","requests":requests})
}

fn fetch(s: &mut Setup, requests: Vec<Value>) -> Vec<PendingRequest> {
    let (req, f) = fetch_pending(&s.enrollment, &s.keys, &SystemRandom, NOW).unwrap();
    let nonce = check_device_sig(&req, &s.enrollment.device_key_bytes().unwrap());
    let resp = s.provider.respond(&pending_payload(&nonce, requests));
    parse_pending(&mut s.enrollment, &f, &resp, NOW).unwrap()
}

#[test]
fn enroll_builds_a_signed_request_and_pins_the_key() {
    let s = setup();
    let e = &s.enrollment;
    assert_eq!(e.base_url, ORIGIN);
    assert_eq!(e.origin, ORIGIN);
    assert_eq!(e.rp_id, "idp.example.se");
    assert_eq!(e.device_id, "ZGV2aWNl");
    assert_eq!(e.account_name, "anna");
    assert_eq!(e.issuer, "Region Skåne");
    assert_eq!(e.provider_key, b64(&s.provider.public));
    assert_eq!(e.clock_offset, 5);
    assert_eq!(e.server_now(NOW), NOW + 5);
    assert_eq!(e.sign_count, 0);
    assert!(!e.phone_signin_enabled());
    assert_eq!(s.keys.aliases(), vec![e.device_key_alias.clone()]);
    // The enrollment round-trips through JSON and holds no key material.
    let j = serde_json::to_string(e).unwrap();
    assert_eq!(&serde_json::from_str::<Enrollment>(&j).unwrap(), e);
    let store = String::from_utf8(s.keys.to_bytes().to_vec()).unwrap();
    let v: Value = serde_json::from_str(&store).unwrap();
    let pkcs8 = v["keys"][&e.device_key_alias]["pkcs8"].as_str().unwrap();
    assert!(!j.contains(pkcs8));
}

#[test]
fn enroll_request_shape() {
    let p = FakeProvider::new();
    let keys = SoftwareKeyStore::new();
    let (req, _state) =
        enroll::begin(&uri_for(&p), "Annas\u{7} telefon", None, &keys, &SystemRandom, NOW).unwrap();
    assert_eq!(req.method, "POST");
    assert_eq!(req.url, "https://idp.example.se/nyckel/v1/enroll");
    assert_eq!(header(&req, "Nyckel-Device"), "new");
    assert_eq!(header(&req, "Nyckel-Timestamp"), NOW.to_string());
    let b = body_json(&req);
    assert_eq!(b["activationCode"], CODE);
    assert_eq!(b["deviceName"], "Annas telefon");
    assert_eq!(b["pushToken"], Value::Null);
    assert_eq!(unb64(b["devicePublicKey"].as_str().unwrap()).unwrap().len(), 65);
}

#[test]
fn nonces_and_key_aliases_come_from_the_injected_random_source() {
    let p = FakeProvider::new();
    let keys = SoftwareKeyStore::new();
    let nines = |b: &mut [u8]| b.fill(9);
    let (req, state) = enroll::begin(&uri_for(&p), "x", None, &keys, &nines, NOW).unwrap();
    assert_eq!(header(&req, "Nyckel-Nonce"), b64(&[9; 16]));
    assert_eq!(state.key_alias(), format!("nyckel-device-{}", b64(&[9; 12])));
    let s = setup();
    let (req, _) = sync_time(&s.enrollment, &nines).unwrap();
    assert!(req.url.ends_with(&format!("?nonce={}", b64(&[9; 16]))), "{}", req.url);
}

#[test]
fn a_starved_random_source_fails_typed_and_creates_no_key() {
    struct Starved;
    impl Random for Starved {
        fn fill(&self, _: &mut [u8]) -> Result<(), NoRandomness> {
            Err(NoRandomness)
        }
    }
    let p = FakeProvider::new();
    let keys = SoftwareKeyStore::new();
    let err = enroll::begin(&uri_for(&p), "x", None, &keys, &Starved, NOW).unwrap_err();
    assert_eq!(err, ProtocolError::NoRandomness);
    assert!(keys.aliases().is_empty());
    let s = setup();
    assert_eq!(
        fetch_pending(&s.enrollment, &s.keys, &Starved, NOW).unwrap_err(),
        ProtocolError::NoRandomness
    );
}

#[test]
fn enroll_refuses_a_provider_key_other_than_the_fingerprint() {
    let p = FakeProvider::new();
    let impostor = FakeProvider::new();
    let keys = SoftwareKeyStore::new();
    let (req, state) = enroll::begin(&uri_for(&p), "x", None, &keys, &SystemRandom, NOW).unwrap();
    let b = body_json(&req);
    let payload =
        enrolled_payload(header(&req, "Nyckel-Nonce"), b["devicePublicKey"].as_str().unwrap());
    let resp = impostor.respond_with_key(&payload, &impostor.public);
    assert_eq!(state.finish(&resp, NOW), Err(ProtocolError::ProviderKeyMismatch));
    assert!(keys.aliases().is_empty(), "the new key is deleted, nothing stored");
}

#[test]
fn enroll_refuses_a_forged_signature_and_other_answers() {
    let p = FakeProvider::new();
    let impostor = FakeProvider::new();
    let keys = SoftwareKeyStore::new();
    let uri = uri_for(&p);
    let run = |mutate: &dyn Fn(&mut Value), signer: &FakeProvider| {
        let (req, state) = enroll::begin(&uri, "x", None, &keys, &SystemRandom, NOW).unwrap();
        let b = body_json(&req);
        let mut payload =
            enrolled_payload(header(&req, "Nyckel-Nonce"), b["devicePublicKey"].as_str().unwrap());
        mutate(&mut payload);
        // Always claim the pinned key, whoever signed.
        state.finish(&signer.respond_with_key(&payload, &p.public), NOW)
    };
    assert_eq!(run(&|_| {}, &impostor), Err(ProtocolError::BadProviderSignature));
    assert_eq!(
        run(&|v| v["reqNonce"] = json!("AAAAAAAAAAAAAAAAAAAAAA"), &p),
        Err(ProtocolError::UnexpectedPayload("answers another request"))
    );
    assert_eq!(
        run(&|v| v["typ"] = json!("nyckel.pending"), &p),
        Err(ProtocolError::UnexpectedPayload("type"))
    );
    assert_eq!(
        run(&|v| v["origin"] = json!("https://evil.example"), &p),
        Err(ProtocolError::Substituted("origin"))
    );
    assert_eq!(
        run(&|v| v["rpId"] = json!("example.com"), &p),
        Err(ProtocolError::Substituted("rpId"))
    );
    assert_eq!(
        run(&|v| v["devicePublicKey"] = json!(b64(&p.public)), &p),
        Err(ProtocolError::Substituted("device key"))
    );
    assert_eq!(run(&|v| v["deviceId"] = json!(42), &p), Err(ProtocolError::Malformed("payload")));
    assert!(keys.aliases().is_empty());
    // Provider error status → typed error.
    let (_, state) = enroll::begin(&uri, "x", None, &keys, &SystemRandom, NOW).unwrap();
    let resp = HttpResponse {
        status: 400,
        headers: vec![],
        body: br#"{"error":"activation_invalid","message":"m"}"#.to_vec(),
    };
    assert_eq!(
        state.finish(&resp, NOW),
        Err(ProtocolError::Provider { status: 400, code: ProviderCode::ActivationInvalid })
    );
}

#[test]
fn pending_is_verified_and_filtered() {
    let mut s = setup();
    let list = fetch(
        &mut s,
        vec![
            pending_request("cmVxMQ", "push", NOW + 120),
            pending_request("b2xk", "push", NOW + 5),
        ],
    );
    assert_eq!(list.len(), 1, "requests expired at server time are dropped");
    assert_eq!(list[0].id, "cmVxMQ");
    assert_eq!(list[0].app, "Webbmejl");
    assert_eq!(list[0].location, "Malmö, SE");
    assert_eq!(s.enrollment.clock_offset, 10);
    assert!(!format!("{:?}", list[0]).contains(&list[0].nonce), "Debug hides the nonce");
}

#[test]
fn pending_rejects_forgery_substitution_and_replay() {
    let mut s = setup();
    let impostor = FakeProvider::new();
    let try_with = |s: &mut Setup, mutate: &dyn Fn(&mut Value), signer: Option<&FakeProvider>| {
        let (req, f) = fetch_pending(&s.enrollment, &s.keys, &SystemRandom, NOW).unwrap();
        let mut payload = pending_payload(
            header(&req, "Nyckel-Nonce"),
            vec![pending_request("cmVxMQ", "push", NOW + 120)],
        );
        mutate(&mut payload);
        let resp = signer.unwrap_or(&s.provider).respond(&payload);
        parse_pending(&mut s.enrollment, &f, &resp, NOW)
    };
    assert_eq!(
        try_with(&mut s, &|_| {}, Some(&impostor)),
        Err(ProtocolError::BadProviderSignature)
    );
    assert_eq!(
        try_with(&mut s, &|v| v["deviceId"] = json!("b3RoZXI"), None),
        Err(ProtocolError::Substituted("device"))
    );
    assert_eq!(
        try_with(&mut s, &|v| v["userId"] = json!("b3RoZXI"), None),
        Err(ProtocolError::Substituted("account"))
    );
    assert_eq!(
        try_with(&mut s, &|v| v["requests"][0]["accountName"] = json!("bertil"), None),
        Err(ProtocolError::Substituted("account"))
    );
    assert_eq!(
        try_with(&mut s, &|v| v["requests"][0]["origin"] = json!("https://evil.example"), None),
        Err(ProtocolError::Substituted("origin"))
    );
    assert_eq!(
        try_with(&mut s, &|v| v["requests"][0]["nonce"] = json!("c2hvcnQ"), None),
        Err(ProtocolError::Malformed("request"))
    );
    assert_eq!(
        try_with(&mut s, &|v| v["requests"][0]["app"] = json!("x".repeat(500)), None),
        Err(ProtocolError::Malformed("request"))
    );
    assert_eq!(
        try_with(&mut s, &|v| v["requests"][0]["expiresAt"] = json!("soon"), None),
        Err(ProtocolError::Malformed("payload"))
    );
    // A response to an earlier fetch (replayed list) is refused.
    assert_eq!(
        try_with(&mut s, &|v| v["reqNonce"] = json!("AAAAAAAAAAAAAAAAAAAAAA"), None),
        Err(ProtocolError::UnexpectedPayload("answers another request"))
    );
    // A raw r||s provider signature is refused.
    let (req, f) = fetch_pending(&s.enrollment, &s.keys, &SystemRandom, NOW).unwrap();
    let mut env = s.provider.envelope_value(&pending_payload(header(&req, "Nyckel-Nonce"), vec![]));
    env["signature"] = json!(b64(&[1u8; 64]));
    let resp =
        HttpResponse { status: 200, headers: vec![], body: serde_json::to_vec(&env).unwrap() };
    assert_eq!(
        parse_pending(&mut s.enrollment, &f, &resp, NOW),
        Err(ProtocolError::BadProviderSignature)
    );
}

#[test]
fn clock_skew_answer_corrects_the_offset_only_when_signed() {
    let mut s = setup();
    let (req, f) = fetch_pending(&s.enrollment, &s.keys, &SystemRandom, NOW).unwrap();
    let nonce = header(&req, "Nyckel-Nonce").to_owned();
    let time = |signer: &FakeProvider, n: &str| {
        let env = signer.envelope_value(
            &json!({"v":1,"typ":"nyckel.time","serverTime":NOW + 3600,"reqNonce":n}),
        );
        HttpResponse {
            status: 401,
            headers: vec![],
            body: serde_json::to_vec(&json!({"error":"clock_skew","message":"m","time":env}))
                .unwrap(),
        }
    };
    // Forged time: ignored, plain provider error.
    let forged = parse_pending(&mut s.enrollment, &f, &time(&FakeProvider::new(), &nonce), NOW);
    assert_eq!(forged, Err(ProtocolError::Provider { status: 401, code: ProviderCode::ClockSkew }));
    assert_eq!(s.enrollment.clock_offset, 5);
    // Signed time for another request: ignored.
    let _ = parse_pending(&mut s.enrollment, &f, &time(&s.provider, "AAAAAAAAAAAAAAAAAAAAAA"), NOW);
    assert_eq!(s.enrollment.clock_offset, 5);
    // Signed and matching: corrected, retry.
    let ok = time(&s.provider, &nonce);
    assert_eq!(parse_pending(&mut s.enrollment, &f, &ok, NOW), Err(ProtocolError::ClockSkew));
    assert_eq!(s.enrollment.clock_offset, 3600);
    let (req2, _) = fetch_pending(&s.enrollment, &s.keys, &SystemRandom, NOW).unwrap();
    assert_eq!(header(&req2, "Nyckel-Timestamp"), (NOW + 3600).to_string());
}

fn parse_assertion(req: &HttpRequest) -> (Vec<u8>, Value, Vec<u8>, String) {
    let b = body_json(req);
    let ad = unb64(b["authenticatorData"].as_str().unwrap()).unwrap();
    let cd = unb64(b["clientDataJSON"].as_str().unwrap()).unwrap();
    let sig = unb64(b["signature"].as_str().unwrap()).unwrap();
    let mut msg = ad.clone();
    msg.extend_from_slice(&sha256(&cd));
    (msg, serde_json::from_slice(&cd).unwrap(), sig, b["credentialId"].as_str().unwrap().to_owned())
}

#[test]
fn approve_builds_a_webauthn_assertion_and_bumps_the_counter_first() {
    let mut s = setup();
    let list = fetch(&mut s, vec![pending_request("cmVxMQ", "push", NOW + 120)]);
    let req = respond(&mut s.enrollment, &list[0], Decision::Approve { number: 42 }, &s.keys, NOW)
        .unwrap();
    assert_eq!(s.enrollment.sign_count, 1, "counter bumped before the request is returned");
    assert_eq!(req.method, "POST");
    assert_eq!(req.url, "https://idp.example.se/nyckel/v1/requests/cmVxMQ/response");
    let (msg, cd, sig, cred) = parse_assertion(&req);
    assert_eq!(cred, "ZGV2aWNl");
    assert!(verify_p256(&s.enrollment.device_key_bytes().unwrap(), &msg, &sig));
    assert_eq!(&msg[..32], &sha256(b"idp.example.se"));
    assert_eq!(msg[32], 0x01);
    assert_eq!(&msg[33..37], &[0, 0, 0, 1]);
    assert_eq!(cd["type"], "webauthn.get");
    assert_eq!(cd["challenge"], b64(&[7u8; 32]));
    assert_eq!(cd["origin"], ORIGIN);
    assert_eq!(cd["crossOrigin"], false);
    assert_eq!(cd["nyckel"]["requestId"], "cmVxMQ");
    assert_eq!(cd["nyckel"]["decision"], "approve");
    assert_eq!(cd["nyckel"]["number"], 42);
    assert_eq!(cd["nyckel"]["contextHash"], list[0].context_hash());
    // A second response uses the next counter value.
    let req = respond(&mut s.enrollment, &list[0], Decision::Deny, &s.keys, NOW).unwrap();
    let (msg, cd, _, _) = parse_assertion(&req);
    assert_eq!(&msg[33..37], &[0, 0, 0, 2]);
    assert_eq!(cd["nyckel"]["number"], Value::Null);
    assert_eq!(cd["nyckel"]["decision"], "deny");
}

#[test]
fn respond_refuses_bad_numbers_expired_and_foreign_requests() {
    let mut s = setup();
    let list = fetch(
        &mut s,
        vec![
            pending_request("cmVxMQ", "push", NOW + 120),
            pending_request("cHc", "passwordless", NOW + 120),
        ],
    );
    for n in [0u8, 9, 100, 255] {
        assert_eq!(
            respond(&mut s.enrollment, &list[0], Decision::Approve { number: n }, &s.keys, NOW),
            Err(ProtocolError::InvalidNumber)
        );
    }
    assert_eq!(
        respond(&mut s.enrollment, &list[0], Decision::Approve { number: 50 }, &s.keys, NOW + 200),
        Err(ProtocolError::Expired)
    );
    assert_eq!(
        respond(&mut s.enrollment, &list[1], Decision::Approve { number: 50 }, &s.keys, NOW),
        Err(ProtocolError::PhoneSigninNotEnabled)
    );
    // Denying a passwordless request needs no phone key.
    assert!(respond(&mut s.enrollment, &list[1], Decision::Deny, &s.keys, NOW).is_ok());
    let mut foreign = list[0].clone();
    foreign.origin = "https://evil.example".into();
    assert_eq!(
        respond(&mut s.enrollment, &foreign, Decision::Deny, &s.keys, NOW),
        Err(ProtocolError::Substituted("origin"))
    );
}

#[test]
fn respond_result_is_verified() {
    let mut s = setup();
    let list = fetch(&mut s, vec![pending_request("cmVxMQ", "push", NOW + 120)]);
    let approve = Decision::Approve { number: 38 };
    let ok = s.provider.respond(&json!({"v":1,"typ":"nyckel.result","serverTime":NOW,"requestId":"cmVxMQ","state":"approved"}));
    assert_eq!(
        respond::parse_respond_result(&s.enrollment, &list[0], approve, &ok),
        Ok(RespondOutcome::Approved)
    );
    let other = s.provider.respond(&json!({"v":1,"typ":"nyckel.result","serverTime":NOW,"requestId":"b3RoZXI","state":"approved"}));
    assert_eq!(
        respond::parse_respond_result(&s.enrollment, &list[0], approve, &other),
        Err(ProtocolError::Substituted("request"))
    );
    let forged = FakeProvider::new().respond(&json!({"v":1,"typ":"nyckel.result","serverTime":NOW,"requestId":"cmVxMQ","state":"approved"}));
    assert_eq!(
        respond::parse_respond_result(&s.enrollment, &list[0], approve, &forged),
        Err(ProtocolError::BadProviderSignature)
    );
    let odd = s.provider.respond(&json!({"v":1,"typ":"nyckel.result","serverTime":NOW,"requestId":"cmVxMQ","state":"wrong_number"}));
    assert_eq!(
        respond::parse_respond_result(&s.enrollment, &list[0], approve, &odd),
        Err(ProtocolError::Malformed("state"))
    );
    let wrong = HttpResponse {
        status: 422,
        headers: vec![],
        body: br#"{"error":"wrong_number","message":"x"}"#.to_vec(),
    };
    let err = respond::parse_respond_result(&s.enrollment, &list[0], approve, &wrong).unwrap_err();
    assert_eq!(err, ProtocolError::Provider { status: 422, code: ProviderCode::WrongNumber });
    let rec = ActivityRecord::new(
        &s.enrollment,
        &list[0],
        &Decision::Approve { number: 38 },
        &Err(err),
        NOW,
    );
    assert_eq!(rec.result, "wrong_number");
    assert!(!serde_json::to_string(&rec).unwrap().contains("38"), "no number in the log");
}

#[test]
fn a_reports_answer_says_until_when_on_the_devices_clock_and_whom_to_contact() {
    let mut s = setup();
    let list = fetch(&mut s, vec![pending_request("cmVxMQ", "push", NOW + 120)]);
    s.enrollment.clock_offset = 90; // the provider's clock is 90 s ahead of the device's
    let answer = |extra: serde_json::Value| {
        let mut body = json!({"v":1,"typ":"nyckel.result","serverTime":NOW,"requestId":"cmVxMQ","state":"reported"});
        body.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
        s.provider.respond(&body)
    };
    let parse = |resp: &HttpResponse, d: Decision| {
        respond::parse_respond_answer(&s.enrollment, &list[0], d, resp)
    };
    let told = answer(
        json!({"blockedUntil": NOW + 3600, "contact": " IT-support\u{202E} 040-123\n45 67 "}),
    );
    let got = parse(&told, Decision::Report).unwrap();
    assert_eq!(got.outcome, RespondOutcome::Reported);
    let block = got.block.expect("a report's answer has a block");
    assert_eq!(block.until, Some(NOW + 3600 - 90), "the device's clock");
    assert_eq!(
        block.contact.as_deref(),
        Some("IT-support 040-12345 67"),
        "unsafe characters dropped"
    );
    // A provider that says nothing (optional in v1), or only unsafe or blank contact text.
    let silent = parse(&answer(json!({})), Decision::Report).unwrap().block.unwrap();
    assert_eq!((silent.until, silent.contact), (None, None));
    let blank = parse(&answer(json!({"contact": " \u{200B}\u{202E} "})), Decision::Report);
    assert_eq!(blank.unwrap().block.unwrap().contact, None);
    let long = parse(&answer(json!({"contact": "å".repeat(5000)})), Decision::Report);
    assert_eq!(
        long.unwrap().block.unwrap().contact.unwrap().chars().count(),
        respond::MAX_CONTACT_CHARS
    );
    // Approvals and denials carry no block, whatever the answer adds.
    let denied = s.provider.respond(&json!({"v":1,"typ":"nyckel.result","serverTime":NOW,"requestId":"cmVxMQ","state":"denied","blockedUntil":NOW}));
    assert_eq!(parse(&denied, Decision::Deny).unwrap().block, None);
}

#[test]
fn respond_result_must_match_the_decision() {
    let mut s = setup();
    let list = fetch(&mut s, vec![pending_request("cmVxMQ", "push", NOW + 120)]);
    let result = |state: &str| {
        s.provider.respond(&json!({"v":1,"typ":"nyckel.result","serverTime":NOW,"requestId":"cmVxMQ","state":state}))
    };
    let decisions = [
        (Decision::Approve { number: 42 }, "approved", RespondOutcome::Approved),
        (Decision::Deny, "denied", RespondOutcome::Denied),
        (Decision::Report, "reported", RespondOutcome::Reported),
    ];
    for (decision, state, outcome) in decisions {
        assert_eq!(decision.expected_outcome(), outcome);
        for (_, other_state, _) in decisions {
            let got = respond::parse_respond_result(
                &s.enrollment,
                &list[0],
                decision,
                &result(other_state),
            );
            if other_state == state {
                assert_eq!(got, Ok(outcome), "{decision:?} answered {other_state}");
            } else {
                assert_eq!(
                    got,
                    Err(ProtocolError::UnexpectedPayload("result does not match the decision")),
                    "{decision:?} answered {other_state}"
                );
            }
        }
    }
    // The review's case: a report whose answer was dropped and replaced by a genuine signed
    // "approved" result for the same request (e.g. another device's approval) is not shown
    // or logged as approved.
    let req = respond(&mut s.enrollment, &list[0], Decision::Report, &s.keys, NOW).unwrap();
    assert_eq!(req.url, "https://idp.example.se/nyckel/v1/requests/cmVxMQ/response");
    let outcome = respond::parse_respond_result(
        &s.enrollment,
        &list[0],
        Decision::Report,
        &result("approved"),
    );
    assert_eq!(
        outcome,
        Err(ProtocolError::UnexpectedPayload("result does not match the decision"))
    );
    assert_eq!(
        ActivityRecord::new(&s.enrollment, &list[0], &Decision::Report, &outcome, NOW).result,
        "error"
    );
}

#[test]
fn respond_result_naming_an_assertion_must_name_this_submission() {
    let mut s = setup();
    let list = fetch(&mut s, vec![pending_request("cmVxMQ", "push", NOW + 120)]);
    let approve = Decision::Approve { number: 42 };
    respond(&mut s.enrollment, &list[0], approve, &s.keys, NOW).unwrap();
    let (device, count) = (s.enrollment.device_id.clone(), s.enrollment.sign_count);
    let result = |extra: Value| {
        let mut payload = json!({"v":1,"typ":"nyckel.result","serverTime":NOW,"requestId":"cmVxMQ","state":"approved"});
        payload.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
        s.provider.respond(&payload)
    };
    let parse =
        |r: &HttpResponse| respond::parse_respond_result(&s.enrollment, &list[0], approve, r);
    let another = Err(ProtocolError::UnexpectedPayload("result is for another submission"));
    assert_eq!(
        parse(&result(json!({"credentialId": device, "signCount": count}))),
        Ok(RespondOutcome::Approved)
    );
    assert_eq!(
        parse(&result(json!({}))),
        Ok(RespondOutcome::Approved),
        "both keys are optional in v1"
    );
    // Another device's approval of the same request: same state, other credential.
    assert_eq!(parse(&result(json!({"credentialId": "b3RoZXI", "signCount": count}))), another);
    // An earlier submission of this device (its counter was lower).
    assert_eq!(parse(&result(json!({"credentialId": device, "signCount": count - 1}))), another);
    assert_eq!(parse(&result(json!({"signCount": count + 1}))), another);
}

/// Enrolls against `url` with the provider's payload changed by `mutate`.
fn try_enroll(url: &str, mutate: &dyn Fn(&mut Value)) -> Result<Enrollment, ProtocolError> {
    let p = FakeProvider::new();
    let keys = SoftwareKeyStore::new();
    let uri =
        EnrollUri::parse(&EnrollUri::build(url, CODE, "anna", &p.fingerprint(), None, None, None))
            .unwrap();
    let (req, state) = enroll::begin(&uri, "x", None, &keys, &SystemRandom, NOW).unwrap();
    let mut payload = enrolled_payload(
        header(&req, "Nyckel-Nonce"),
        body_json(&req)["devicePublicKey"].as_str().unwrap(),
    );
    payload["origin"] = json!(uri.origin);
    let authority = uri.origin.split_once("://").unwrap().1;
    let host = match authority.rsplit_once(':') {
        Some((h, port)) if !port.contains(']') => h,
        _ => authority,
    };
    payload["rpId"] = json!(host);
    mutate(&mut payload);
    state.finish(&p.respond_with_key(&payload, &p.public), NOW)
}

#[test]
fn ids_are_any_b64url_alphabet_string_of_1_to_64_characters() {
    // §1: opaque b64url-alphabet strings; they need not decode as base64.
    for id in ["A", "42", "user-1", "abd", "a_b-c", &"x".repeat(64)] {
        let e = try_enroll(ORIGIN, &|v| {
            v["deviceId"] = json!(id);
            v["userId"] = json!(id);
        });
        let e = e.unwrap_or_else(|err| panic!("{id}: {err:?}"));
        assert_eq!((e.device_id.as_str(), e.user_id.as_str()), (id, id));
    }
    for id in ["", "a.b", "a=b", "a+b", "a/b", "a b", "\u{e5}", "AA==", &"x".repeat(65)] {
        assert_eq!(
            try_enroll(ORIGIN, &|v| v["deviceId"] = json!(id)),
            Err(ProtocolError::Malformed("ids")),
            "{id:?}"
        );
        assert_eq!(
            try_enroll(ORIGIN, &|v| v["userId"] = json!(id)),
            Err(ProtocolError::Malformed("ids")),
            "{id:?}"
        );
    }
    // Request ids: listed, answered, and put in the response URL as they are.
    let mut s = setup();
    let list = fetch(
        &mut s,
        vec![pending_request("42", "push", NOW + 120), pending_request("A", "push", NOW + 120)],
    );
    assert_eq!(list.len(), 2);
    let req = respond(&mut s.enrollment, &list[0], Decision::Deny, &s.keys, NOW).unwrap();
    assert_eq!(req.url, "https://idp.example.se/nyckel/v1/requests/42/response");
    assert_eq!(parse_assertion(&req).1["nyckel"]["requestId"], "42");
    let (req, f) = fetch_pending(&s.enrollment, &s.keys, &SystemRandom, NOW).unwrap();
    let bad = s.provider.respond(&pending_payload(
        header(&req, "Nyckel-Nonce"),
        vec![pending_request("a.b", "push", NOW + 120)],
    ));
    assert_eq!(
        parse_pending(&mut s.enrollment, &f, &bad, NOW),
        Err(ProtocolError::Malformed("request"))
    );
    // A phone sign-in credential id.
    s.keys.set_pin_source(Some(Arc::new(FixedPin::new("1234"))));
    let c = phone_challenge(&mut s);
    let (req, st) = enable_phone_signin(&s.enrollment, &c, &s.keys, &SystemRandom, NOW).unwrap();
    let resp = s.provider.respond(&json!({"v":1,"typ":"nyckel.phone-signin","serverTime":NOW,"reqNonce":header(&req, "Nyckel-Nonce"),
        "deviceId":"ZGV2aWNl","credentialId":"c","enabled":true}));
    st.finish(&mut s.enrollment, &s.keys, &resp, NOW).unwrap();
    assert_eq!(s.enrollment.phone_signin.as_ref().map(|p| p.credential_id.as_str()), Some("c"));
}

#[test]
fn rp_id_of_an_ip_address_provider_must_be_exactly_the_address() {
    assert_eq!(try_enroll("http://127.0.0.1:8080", &|_| {}).unwrap().rp_id, "127.0.0.1");
    for suffix in ["0.0.1", "0.1", "1"] {
        assert_eq!(
            try_enroll("http://127.0.0.1:8080", &|v| v["rpId"] = json!(suffix)),
            Err(ProtocolError::Substituted("rpId")),
            "{suffix}"
        );
    }
    assert_eq!(
        try_enroll("https://192.0.2.10", &|v| v["rpId"] = json!("0.2.10")),
        Err(ProtocolError::Substituted("rpId"))
    );
    let v6 = |rp: &'static str| try_enroll("http://[::1]:8080", &move |v| v["rpId"] = json!(rp));
    assert_eq!(v6("[::1]").unwrap().rp_id, "[::1]");
    assert_eq!(v6(":1]"), Err(ProtocolError::Substituted("rpId")));
    assert_eq!(v6("1]"), Err(ProtocolError::Substituted("rpId")));
    // Domain names keep the registrable-suffix rule.
    assert_eq!(
        try_enroll("https://login.idp.example.se", &|v| v["rpId"] = json!("idp.example.se"))
            .unwrap()
            .rp_id,
        "idp.example.se"
    );
}

#[test]
fn extreme_provider_times_never_overflow() {
    let mut s = setup();
    for (created, expires) in
        [(i64::MIN, i64::MAX), (i64::MIN, i64::MIN + 1), (i64::MAX - 1, i64::MAX)]
    {
        let r = PendingRequest {
            created_at: created,
            expires_at: expires,
            ..serde_json::from_value(pending_request("cmVxMQ", "push", NOW + 120)).unwrap()
        };
        for offset in [i64::MIN, -1, 0, 1, i64::MAX] {
            s.enrollment.clock_offset = offset;
            for now in [i64::MIN, 0, NOW, i64::MAX] {
                let left = r.seconds_left(&s.enrollment, now);
                assert!(left >= 0);
                let _ = r.context_hash();
            }
        }
    }
    s.enrollment.clock_offset = i64::MAX;
    let r = PendingRequest {
        expires_at: i64::MIN,
        ..serde_json::from_value(pending_request("cmVxMQ", "push", NOW + 120)).unwrap()
    };
    assert_eq!(r.seconds_left(&s.enrollment, i64::MAX), 0);
    s.enrollment.clock_offset = i64::MIN;
    let r = PendingRequest { expires_at: i64::MAX, ..r };
    assert_eq!(r.seconds_left(&s.enrollment, i64::MIN), i64::MAX);

    // Through the wire: a signed list with extreme serverTime, createdAt and expiresAt.
    for server_time in [i64::MIN, i64::MAX] {
        s.enrollment.clock_offset = 0;
        let (req, f) = fetch_pending(&s.enrollment, &s.keys, &SystemRandom, NOW).unwrap();
        let mut item = pending_request("cmVxMQ", "push", i64::MAX);
        item["createdAt"] = json!(i64::MIN);
        let mut payload = pending_payload(header(&req, "Nyckel-Nonce"), vec![item]);
        payload["serverTime"] = json!(server_time);
        let list =
            parse_pending(&mut s.enrollment, &f, &s.provider.respond(&payload), NOW).unwrap();
        assert_eq!(s.enrollment.clock_offset, server_time.saturating_sub(NOW));
        for r in &list {
            assert!(r.seconds_left(&s.enrollment, NOW) >= 0);
            assert!(r.seconds_left(&s.enrollment, i64::MIN) >= 0);
            assert!(r.seconds_left(&s.enrollment, i64::MAX) >= 0);
            let _ = respond(&mut s.enrollment, r, Decision::Deny, &s.keys, NOW);
            let _ = ActivityRecord::new(
                &s.enrollment,
                r,
                &Decision::Deny,
                &Ok(RespondOutcome::Denied),
                i64::MAX,
            );
        }
    }
}

/// The provider's challenge for a phone sign-in key: the request is device-signed, empty,
/// to the challenge endpoint; the answer is signed for its nonce.
fn phone_challenge(s: &mut Setup) -> wire::PhoneSigninChallenge {
    let (req, fetch) =
        request_phone_signin_challenge(&s.enrollment, &s.keys, &SystemRandom, NOW).unwrap();
    assert_eq!(
        (req.method.as_str(), req.url.as_str()),
        ("POST", "https://idp.example.se/nyckel/v1/phone-signin/challenge")
    );
    assert!(req.body.is_empty());
    let nonce = check_device_sig(&req, &s.enrollment.device_key_bytes().unwrap());
    let resp = s.provider.respond(&challenge_payload(&nonce, "ZGV2aWNl", &b64(&[9; 40])));
    fetch.finish(&mut s.enrollment, &resp, NOW).unwrap()
}

fn challenge_payload(nonce: &str, device: &str, challenge: &str) -> Value {
    json!({"v":1,"typ":"nyckel.phone-signin-challenge","serverTime":NOW,"reqNonce":nonce,
           "deviceId":device,"challenge":challenge,"expiresAt":NOW + 300})
}

#[test]
fn a_phone_signin_challenge_is_read_only_signed_for_this_device_and_well_formed() {
    let mut s = setup();
    let try_with = |s: &mut Setup, device: &str, challenge: &str, signed: bool| {
        let (req, fetch) =
            request_phone_signin_challenge(&s.enrollment, &s.keys, &SystemRandom, NOW).unwrap();
        let payload = challenge_payload(header(&req, "Nyckel-Nonce"), device, challenge);
        let resp = if signed {
            s.provider.respond(&payload)
        } else {
            HttpResponse { status: 200, headers: vec![], body: payload.to_string().into_bytes() }
        };
        fetch.finish(&mut s.enrollment, &resp, NOW)
    };
    let good = b64(&[9; 40]);
    assert_eq!(try_with(&mut s, "ZGV2aWNl", &good, true).unwrap().challenge, good);
    assert_eq!(try_with(&mut s, "b3RoZXI", &good, true), Err(ProtocolError::Substituted("device")));
    for bad in ["", "not base64!", &"A".repeat(129)] {
        assert_eq!(
            try_with(&mut s, "ZGV2aWNl", bad, true),
            Err(ProtocolError::Malformed("challenge")),
            "{bad}"
        );
    }
    assert!(try_with(&mut s, "ZGV2aWNl", &good, false).is_err(), "unsigned");
    // An answer to another request (its nonce) is refused.
    let (_, fetch) =
        request_phone_signin_challenge(&s.enrollment, &s.keys, &SystemRandom, NOW).unwrap();
    let resp = s.provider.respond(&challenge_payload("b3RoZXIgbm9uY2U", "ZGV2aWNl", &good));
    assert!(fetch.finish(&mut s.enrollment, &resp, NOW).is_err());
}

/// A key store that attests keys (as Android's Keystore does), with a stand-in chain.
struct AttestingKeys<'a> {
    inner: &'a SoftwareKeyStore,
    challenges: std::sync::Mutex<Vec<Vec<u8>>>,
}

impl DeviceKeyStore for AttestingKeys<'_> {
    fn create_key(&self, alias: String, uv: bool) -> Result<Vec<u8>, KeyStoreError> {
        self.inner.create_key(alias, uv)
    }
    fn public_key(&self, alias: String) -> Result<Vec<u8>, KeyStoreError> {
        self.inner.public_key(alias)
    }
    fn sign(&self, alias: String, message: Vec<u8>) -> Result<Vec<u8>, KeyStoreError> {
        self.inner.sign(alias, message)
    }
    fn delete_key(&self, alias: String) -> Result<(), KeyStoreError> {
        self.inner.delete_key(alias)
    }
    fn create_attested_key(
        &self,
        alias: String,
        challenge: Vec<u8>,
    ) -> Result<Option<AttestedKey>, KeyStoreError> {
        self.challenges.lock().unwrap().push(challenge);
        let public_key = self.inner.create_key(alias, true)?;
        Ok(Some(AttestedKey {
            public_key,
            format: wire::ATTESTATION_ANDROID_KEY.into(),
            chain: vec![b"leaf".to_vec(), b"root".to_vec()],
        }))
    }
}

#[test]
fn the_app_attest_client_data_hash_is_the_documented_bytes() {
    // §4.4: SHA-256("nyckel-app-attest-v1\n" ‖ b64url(challenge) ‖ "\n" ‖ b64url(key)),
    // computed independently of this crate.
    let challenge: Vec<u8> = (0..40).collect();
    let key = [[4u8].as_slice(), &[1; 64]].concat();
    let hash = wire::app_attest_client_data_hash(&challenge, &key);
    let hex: String = hash.iter().map(|b| format!("{b:02x}")).collect();
    assert_eq!(hex, "5e4004a1924a230e333c5a20ef77cd2bc963aa334e64cbb59b4639b93b24a0ca");
    assert_ne!(wire::app_attest_client_data_hash(&challenge[1..], &key), hash);
}

#[test]
fn an_attesting_key_store_attests_the_phone_signin_key_for_the_providers_challenge() {
    let mut s = setup();
    s.keys.set_pin_source(Some(Arc::new(FixedPin::new("1234"))));
    let c = phone_challenge(&mut s);
    let keys = AttestingKeys { inner: &s.keys, challenges: Default::default() };
    let (req, _st) = enable_phone_signin(&s.enrollment, &c, &keys, &SystemRandom, NOW).unwrap();
    assert_eq!(*keys.challenges.lock().unwrap(), vec![vec![9u8; 40]]);
    let b = body_json(&req);
    assert_eq!(b["challenge"], c.challenge.as_str());
    assert_eq!(
        b["attestation"],
        json!({"format": "android-key", "chain": [b64(b"leaf"), b64(b"root")]})
    );
}

#[test]
fn phone_signin_enable_approve_disable() {
    let mut s = setup();
    s.keys.set_pin_source(Some(Arc::new(FixedPin::new("1234"))));
    let c = phone_challenge(&mut s);
    let (req, st) = enable_phone_signin(&s.enrollment, &c, &s.keys, &SystemRandom, NOW).unwrap();
    assert_eq!(req.url, "https://idp.example.se/nyckel/v1/phone-signin");
    let nonce = check_device_sig(&req, &s.enrollment.device_key_bytes().unwrap());
    let b = body_json(&req);
    let pk = unb64(b["publicKey"].as_str().unwrap()).unwrap();
    // The proof names the provider's challenge (not this request's nonce); a store that
    // cannot attest sends no attestation.
    assert_eq!(b["challenge"], c.challenge.as_str());
    assert!(b.get("attestation").is_none());
    let proof = wire::key_proof_string("ZGV2aWNl", b["publicKey"].as_str().unwrap(), &c.challenge);
    assert!(verify_p256(&pk, proof.as_bytes(), &unb64(b["keyProof"].as_str().unwrap()).unwrap()));
    let resp = s
        .provider
        .respond(&json!({"v":1,"typ":"nyckel.phone-signin","serverTime":NOW,"reqNonce":nonce,
        "deviceId":"ZGV2aWNl","credentialId":"cGhvbmU","enabled":true}));
    st.finish(&mut s.enrollment, &s.keys, &resp, NOW).unwrap();
    assert!(s.enrollment.phone_signin_enabled());
    assert_eq!(
        s.enrollment.phone_signin.as_ref().map(|p| p.credential_id.as_str()),
        Some("cGhvbmU")
    );

    let list = fetch(&mut s, vec![pending_request("cHc", "passwordless", NOW + 120)]);
    let req = respond(&mut s.enrollment, &list[0], Decision::Approve { number: 77 }, &s.keys, NOW)
        .unwrap();
    assert_eq!(s.enrollment.phone_signin.as_ref().unwrap().sign_count, 1);
    assert_eq!(s.enrollment.sign_count, 0);
    let (msg, _, sig, cred) = parse_assertion(&req);
    assert_eq!(cred, "cGhvbmU");
    assert_eq!(msg[32], 0x05, "UP|UV");
    assert!(verify_p256(&pk, &msg, &sig));

    // Wrong PIN: the key refuses; the counter was still consumed (never reused).
    s.keys.set_pin_source(Some(Arc::new(FixedPin::new("0000"))));
    assert_eq!(
        respond(&mut s.enrollment, &list[0], Decision::Approve { number: 77 }, &s.keys, NOW),
        Err(ProtocolError::KeyStore(KeyStoreError::UserVerificationFailed))
    );
    assert_eq!(s.enrollment.phone_signin.as_ref().unwrap().sign_count, 2);

    let (req, st) = disable_phone_signin(&s.enrollment, &s.keys, &SystemRandom, NOW).unwrap();
    assert_eq!(req.method, "DELETE");
    let nonce = check_device_sig(&req, &s.enrollment.device_key_bytes().unwrap());
    let resp = s
        .provider
        .respond(&json!({"v":1,"typ":"nyckel.phone-signin","serverTime":NOW,"reqNonce":nonce,
        "deviceId":"ZGV2aWNl","credentialId":null,"enabled":false}));
    st.finish(&mut s.enrollment, &s.keys, &resp, NOW).unwrap();
    assert!(!s.enrollment.phone_signin_enabled());
    assert_eq!(s.keys.aliases(), vec![s.enrollment.device_key_alias.clone()]);
}

#[test]
fn phone_signin_enable_without_pin_creates_nothing() {
    let mut s = setup();
    let c = phone_challenge(&mut s);
    assert_eq!(
        enable_phone_signin(&s.enrollment, &c, &s.keys, &SystemRandom, NOW).unwrap_err(),
        ProtocolError::KeyStore(KeyStoreError::UserCancelled)
    );
    assert_eq!(s.keys.aliases().len(), 1);
}

#[test]
fn time_sync_sets_the_offset() {
    let mut s = setup();
    let (req, st) = sync_time(&s.enrollment, &SystemRandom).unwrap();
    let nonce = req.url.split("nonce=").nth(1).unwrap().to_owned();
    let resp = s
        .provider
        .respond(&json!({"v":1,"typ":"nyckel.time","serverTime":NOW - 42,"reqNonce":nonce}));
    assert_eq!(st.finish(&mut s.enrollment, &resp, NOW), Ok(-42));
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]
    #[test]
    fn hostile_pending_bodies_never_panic(status in 100u16..600, body in proptest::collection::vec(any::<u8>(), 0..400)) {
        let mut s = setup();
        let (_, f) = fetch_pending(&s.enrollment, &s.keys, &SystemRandom, NOW).unwrap();
        let resp = HttpResponse { status, headers: vec![], body };
        prop_assert!(parse_pending(&mut s.enrollment, &f, &resp, NOW).is_err());
    }

    #[test]
    fn hostile_json_fields_never_panic(field in "[a-zA-Z]{1,12}", value in prop_oneof![
        Just(json!(null)), Just(json!(-1)), Just(json!(1e300)), Just(json!("")), Just(json!([])), Just(json!({})),
        Just(json!(u64::MAX)), Just(json!("x".repeat(3000)))]) {
        let mut s = setup();
        let (req, f) = fetch_pending(&s.enrollment, &s.keys, &SystemRandom, NOW).unwrap();
        let mut p = pending_payload(header(&req, "Nyckel-Nonce"), vec![pending_request("cmVxMQ", "push", NOW + 120)]);
        p["requests"][0][&field] = value.clone();
        p[&field] = value;
        let _ = parse_pending(&mut s.enrollment, &f, &s.provider.respond(&p), NOW);
    }
}

#[test]
fn push_token_update_and_unenroll_are_signed_and_acknowledged() {
    let mut s = setup();
    let (req, ack) =
        update_push_token(&s.enrollment, Some("new-token"), &s.keys, &SystemRandom, NOW).unwrap();
    assert_eq!(
        (req.method.as_str(), req.url.as_str()),
        ("PUT", "https://idp.example.se/nyckel/v1/device")
    );
    assert_eq!(body_json(&req)["pushToken"], "new-token");
    let nonce = check_device_sig(&req, &s.enrollment.device_key_bytes().unwrap());
    let ok = s.provider.respond(
        &json!({"v":1,"typ":"nyckel.ack","serverTime":NOW,"reqNonce":nonce,"deviceId":"ZGV2aWNl"}),
    );
    ack.finish(&mut s.enrollment, &ok, NOW).unwrap();

    let (req, ack) = unenroll(&s.enrollment, &s.keys, &SystemRandom, NOW).unwrap();
    assert_eq!(req.method, "DELETE");
    let nonce = check_device_sig(&req, &s.enrollment.device_key_bytes().unwrap());
    let other = s.provider.respond(
        &json!({"v":1,"typ":"nyckel.ack","serverTime":NOW,"reqNonce":nonce,"deviceId":"b3RoZXI"}),
    );
    assert_eq!(
        ack.finish(&mut s.enrollment, &other, NOW),
        Err(ProtocolError::Substituted("device"))
    );
    delete_keys(&s.enrollment, &s.keys).unwrap();
    assert!(s.keys.aliases().is_empty());
}

#[test]
fn a_transfer_offer_is_checked_against_the_asking_enrollment() {
    let mut s = setup();
    let fp = s.provider.fingerprint();
    let uri = |origin: &str, fp: &str| {
        EnrollUri::build(
            origin,
            "dHJhbnNmZXItY29kZS0xMjM0",
            "anna",
            fp,
            None,
            Some(NOW + 600),
            None,
        )
    };
    let other_fp = "A".repeat(43);
    let otp = "otpauth://totp/Region:anna?secret=JBSWY3DPEHPK3PXP";
    let with_otp = |managed: bool| {
        let code = "dHJhbnNmZXItY29kZS0xMjM0";
        match managed {
            true => EnrollUri::build_managed_otp(ORIGIN, code, "anna", &fp, None, None, otp),
            false => EnrollUri::build(ORIGIN, code, "anna", &fp, None, None, Some(otp)),
        }
    };
    let cases: [(&str, &str, String, Result<(), ProtocolError>); 8] = [
        ("b3RoZXI", "dXNlcg", uri(ORIGIN, &fp), Err(ProtocolError::Substituted("device"))),
        ("ZGV2aWNl", "b3RoZXI", uri(ORIGIN, &fp), Err(ProtocolError::Substituted("account"))),
        (
            "ZGV2aWNl",
            "dXNlcg",
            uri(ORIGIN, &other_fp),
            Err(ProtocolError::Substituted("provider key")),
        ),
        (
            "ZGV2aWNl",
            "dXNlcg",
            uri("https://evil.example", &fp),
            Err(ProtocolError::Substituted("origin")),
        ),
        ("ZGV2aWNl", "dXNlcg", "https://x".into(), Err(ProtocolError::Malformed("enrollUri"))),
        // Only a managed secret rides along with a transfer code.
        ("ZGV2aWNl", "dXNlcg", with_otp(false), Err(ProtocolError::Malformed("enrollUri"))),
        ("ZGV2aWNl", "dXNlcg", with_otp(true), Ok(())),
        ("ZGV2aWNl", "dXNlcg", uri(ORIGIN, &fp), Ok(())),
    ];
    for (device, user, enroll_uri, want) in cases {
        let (req, tr) = request_transfer(&s.enrollment, &s.keys, &SystemRandom, NOW).unwrap();
        assert_eq!(
            (req.method.as_str(), req.url.as_str()),
            ("POST", "https://idp.example.se/nyckel/v1/transfer")
        );
        assert!(req.body.is_empty());
        let nonce = check_device_sig(&req, &s.enrollment.device_key_bytes().unwrap());
        let resp = s.provider.respond(&json!({"v":1,"typ":"nyckel.transfer","serverTime":NOW + 3,
            "reqNonce":nonce,"deviceId":device,"userId":user,"enrollUri":enroll_uri,
            "expiresAt":NOW + 600}));
        let got = tr.finish(&mut s.enrollment, &resp, NOW);
        match want {
            Err(e) => assert_eq!(got, Err(e)),
            Ok(()) => {
                let offer = got.unwrap();
                assert_eq!(offer.expires_at, NOW + 600);
                let parsed = EnrollUri::parse(&offer.enroll_uri).unwrap();
                assert_eq!(parsed.fingerprint, fp);
                assert_eq!(offer.managed_otp, parsed.otp.is_some());
                assert!(!format!("{offer:?}").contains("JBSWY3DP"), "Debug hides the secret");
                assert_eq!(s.enrollment.clock_offset, 3);
                assert!(!format!("{offer:?}").contains("dHJhbnNmZXI"), "Debug hides the code");
            }
        }
    }
}
