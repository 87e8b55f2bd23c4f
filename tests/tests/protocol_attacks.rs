//! End-to-end attacks on the push protocol, each its own test: replay, expiry, wrong number,
//! substitution, forged provider signature, push flood, double submit, races, revocation,
//! counters, malformed signatures and bodies.

mod protocol_support;

use nyckel_core::random::SystemRandom;
use std::sync::{Arc, Barrier};

use nyckel_core::protocol::wire::{b64, unb64};
use nyckel_core::protocol::{
    Decision, EnrollUri, HttpRequest, ProtocolError, ProviderCode, RespondOutcome, SoftwareKeyStore,
};
use nyckel_idp::testing::LockedWrites;
use protocol_support::*;

fn provider_err(status: u16, code: ProviderCode) -> ProtocolError {
    ProtocolError::Provider { status, code }
}

#[test]
fn replayed_approval_is_refused() {
    let env = Env::new();
    let mut phone = Phone::enroll(&env.add_user("anna"));
    let s = env.push("anna");
    let r = phone.pending_one(&s.id);
    let http = phone.build(&r, Decision::Approve { number: s.number });
    assert_eq!(send(&http).status, 200);
    let again = send(&http);
    assert_eq!((again.status, error_code(&again).as_str()), (409, "not_pending"));
    assert_eq!(env.state(&s.id), "approved");
}

#[test]
fn replayed_device_request_is_refused() {
    let env = Env::new();
    let phone = Phone::enroll(&env.add_user("anna"));
    let (req, _) = nyckel_core::protocol::fetch_pending(
        &phone.enrollment,
        phone.keys.as_ref(),
        &SystemRandom,
        device_now(),
    )
    .unwrap();
    assert_eq!(send(&req).status, 200);
    let again = send(&req);
    assert_eq!((again.status, error_code(&again).as_str()), (401, "replayed"));
}

#[test]
fn tampered_device_request_is_refused() {
    let env = Env::new();
    let phone = Phone::enroll(&env.add_user("anna"));
    let (mut req, _) = nyckel_core::protocol::fetch_pending(
        &phone.enrollment,
        phone.keys.as_ref(),
        &SystemRandom,
        device_now(),
    )
    .unwrap();
    // Another device's id with this device's signature.
    let other = Phone::enroll(&env.enroll_uri("anna"));
    for h in req.headers.iter_mut() {
        if h.0 == "Nyckel-Device" {
            h.1 = other.enrollment.device_id.clone();
        }
    }
    let resp = send(&req);
    assert_eq!((resp.status, error_code(&resp).as_str()), (401, "bad_signature"));
}

#[test]
fn expired_request_fails() {
    let env = Env::new();
    let mut phone = Phone::enroll(&env.add_user("anna"));
    let s = env.push("anna");
    let r = phone.pending_one(&s.id);
    let http = phone.build(&r, Decision::Approve { number: s.number });
    env.advance(121);
    let resp = send(&http);
    assert_eq!((resp.status, error_code(&resp).as_str()), (410, "expired"));
    assert_eq!(env.state(&s.id), "expired");
    assert!(phone.pending().is_empty(), "expired requests are not listed");
    // The app refuses locally too once it knows provider time.
    assert_eq!(phone.approve(&r, s.number), Err(ProtocolError::Expired));
}

#[test]
fn wrong_number_kills_the_request() {
    let env = Env::new();
    let mut phone = Phone::enroll(&env.add_user("anna"));
    let s = env.push("anna");
    let r = phone.pending_one(&s.id);
    assert_eq!(
        phone.approve(&r, wrong(s.number)),
        Err(provider_err(422, ProviderCode::WrongNumber))
    );
    assert_eq!(env.state(&s.id), "wrong_number");
    assert_eq!(phone.approve(&r, s.number), Err(provider_err(409, ProviderCode::NotPending)));
    assert_eq!(env.state(&s.id), "wrong_number");
}

#[test]
fn approval_for_one_request_cannot_be_used_for_another() {
    let env = Env::with(|c| c.push_limit = 50);
    let uri_a = env.add_user("anna");
    let mut phone = Phone::enroll(&uri_a);
    let a = env.push("anna");
    let ra = phone.pending_one(&a.id);
    let approve_a = phone.build(&ra, Decision::Approve { number: a.number });
    // Post A's assertion to B's endpoint: every binding (challenge, request id) differs.
    let b = env.push("anna");
    let retarget = HttpRequest { url: approve_a.url.replace(&a.id, &b.id), ..approve_a.clone() };
    let resp = send(&retarget);
    assert_eq!((resp.status, error_code(&resp).as_str()), (400, "bad_assertion"));
    assert_eq!(env.state(&b.id), "pending");
    // A forged assertion with B's challenge but A's request id / context is refused too.
    let rb = phone.pending_one(&b.id);
    let mut f = phone.forge_template(&rb, b.number);
    f.request_id = a.id.clone();
    let resp = send(&phone.forged(&f, &b.id));
    assert_eq!((resp.status, error_code(&resp).as_str()), (400, "bad_assertion"));
    let mut f = phone.forge_template(&rb, b.number);
    f.context_hash = ra.context_hash();
    let resp = send(&phone.forged(&f, &b.id));
    assert_eq!((resp.status, error_code(&resp).as_str()), (400, "bad_assertion"));
    assert_eq!(env.state(&b.id), "pending");
}

#[test]
fn approval_from_another_account_is_refused() {
    let env = Env::new();
    let mut anna = Phone::enroll(&env.add_user("anna"));
    let mut bertil = Phone::enroll(&env.add_user("bertil"));
    let s = env.push("anna");
    let r = anna.pending_one(&s.id);
    assert!(bertil.pending().is_empty(), "bertil never sees anna's request");
    // Bertil's app refuses a request for another account.
    assert_eq!(bertil.approve(&r, s.number), Err(ProtocolError::Substituted("account")));
    // Bertil's key, signing anna's request anyway (challenge, context and all): refused.
    let mut f = anna.forge_template(&r, s.number);
    f.alias = bertil.enrollment.device_key_alias.clone();
    f.public_key = unb64(&bertil.enrollment.device_public_key).unwrap();
    f.credential_id = bertil.enrollment.device_id.clone();
    f.count = 1;
    let resp = send(&bertil.forged(&f, &r.id));
    assert_eq!((resp.status, error_code(&resp).as_str()), (401, "unknown_credential"));
    assert_eq!(env.state(&s.id), "pending");
}

#[test]
fn substituted_origin_rp_id_or_type_is_refused() {
    let env = Env::new();
    let mut phone = Phone::enroll(&env.add_user("anna"));
    let s = env.push("anna");
    let r = phone.pending_one(&s.id);
    let cases: [fn(&mut Forge<'static>); 4] = [
        |f| f.origin = "http://evil.example".into(),
        |f| f.rp_id = "evil.example".into(),
        |f| f.typ = "webauthn.create",
        |f| f.challenge = b64(&[9u8; 32]),
    ];
    for (i, mutate) in cases.iter().enumerate() {
        let mut f = phone.forge_template(&r, s.number);
        f.count = 10 + i as u32;
        mutate(&mut f);
        let resp = send(&phone.forged(&f, &r.id));
        assert_eq!((resp.status, error_code(&resp).as_str()), (400, "bad_assertion"), "case {i}");
    }
    assert_eq!(env.state(&s.id), "pending");
    assert_eq!(env.sign_count(&phone.enrollment.device_id), 0, "no state change");
    // The phone also refuses a request claiming another origin.
    let mut foreign = r.clone();
    foreign.origin = "http://evil.example".into();
    assert_eq!(phone.approve(&foreign, s.number), Err(ProtocolError::Substituted("origin")));
}

#[test]
fn forged_provider_signature_is_refused() {
    let env = Env::new();
    let mut phone = Phone::enroll(&env.add_user("anna"));
    env.push("anna");
    // Tamper with a genuine pending list in transit.
    let (req, f) = nyckel_core::protocol::fetch_pending(
        &phone.enrollment,
        phone.keys.as_ref(),
        &SystemRandom,
        device_now(),
    )
    .unwrap();
    let mut resp = send(&req);
    let mut env_json: serde_json::Value = serde_json::from_slice(&resp.body).unwrap();
    let payload = String::from_utf8(unb64(env_json["payload"].as_str().unwrap()).unwrap()).unwrap();
    env_json["payload"] = b64(payload.replace("Webbmejl", "Banken").as_bytes()).into();
    resp.body = serde_json::to_vec(&env_json).unwrap();
    assert_eq!(
        nyckel_core::protocol::parse_pending(&mut phone.enrollment, &f, &resp, device_now()),
        Err(ProtocolError::BadProviderSignature)
    );
}

#[test]
fn enrollment_with_another_providers_fingerprint_stores_nothing() {
    let env = Env::new();
    let other = Env::new();
    other.add_user("x");
    let uri = env.add_user("anna");
    let theirs = EnrollUri::parse(&other.enroll_uri("x")).unwrap();
    let swapped = uri.replace(&EnrollUri::parse(&uri).unwrap().fingerprint, &theirs.fingerprint);
    let keys = Arc::new(SoftwareKeyStore::new());
    assert_eq!(try_enroll(&swapped, &keys), Err(ProtocolError::ProviderKeyMismatch));
    assert!(keys.aliases().is_empty());
}

#[test]
fn push_flood_is_rate_limited_at_its_source_and_never_refuses_the_real_user() {
    let env = Env::frozen_with(|_| {});
    let mut phone = Phone::enroll(&env.add_user("anna"));
    let attacker = "198.51.100.9";
    let flood: Vec<nyckel_idp::Started> =
        (0..5).map(|_| env.start_from("anna", Kind::Push, attacker).unwrap()).collect();
    // Three notifications are free; the next ones wait out the back-off, created quietly.
    let notified: Vec<usize> = flood.iter().map(|s| s.pushed_to).collect();
    assert_eq!(notified, [1, 1, 1, 0, 0]);
    assert_eq!(
        flood.iter().map(|s| s.quiet).collect::<Vec<_>>(),
        [false, false, false, true, true]
    );
    let e = env.start_from("anna", Kind::Push, attacker).unwrap_err();
    assert_eq!((e.status(), e.code()), (429, ErrorCode::RateLimited));
    assert_eq!(env.events("rate_limited"), 1);

    // Each of the attacker's requests replaced the previous one from their address.
    let states: Vec<String> = flood.iter().map(|s| env.state(&s.id)).collect();
    assert_eq!(states, ["superseded", "superseded", "superseded", "superseded", "pending"]);

    // The real user, elsewhere, is not refused and replaces nothing of the attacker's (nor
    // the attacker anything of theirs): the request is created quietly and waits in the app
    // beside the attacker's, each with its address, and approving it with the page's number
    // signs them in.
    let mine = env.push("anna");
    assert_eq!((mine.pushed_to, mine.quiet), (0, true));
    assert_eq!(env.provider.pushes_for(&mine.id).unwrap(), 0);
    let listed = phone.open_app();
    let mut seen: Vec<(&str, &str)> =
        listed.iter().map(|r| (r.id.as_str(), r.ip.as_str())).collect();
    seen.sort();
    let mut expected = [(mine.id.as_str(), "203.0.113.7"), (flood[4].id.as_str(), attacker)];
    expected.sort();
    assert_eq!(seen, expected);
    let r = listed.iter().find(|r| r.id == mine.id).unwrap();
    assert_eq!(phone.approve(r, mine.number), Ok(RespondOutcome::Approved));
    assert!(env.provider.complete_signin(&mine).is_ok());
    assert_eq!(env.state(&flood[4].id), "pending", "theirs is still only theirs to answer");
    assert_eq!(env.event_details("push_quiet"), ["back_off", "back_off", "back_off"]);

    env.advance(601);
    assert!(env.start_from("anna", Kind::Push, attacker).is_ok(), "the window slides");
}

#[test]
fn double_submit_has_one_winner() {
    let env = Env::new();
    let mut phone = Phone::enroll(&env.add_user("anna"));
    let s = env.push("anna");
    let r = phone.pending_one(&s.id);
    let http = phone.build(&r, Decision::Approve { number: s.number });
    let barrier = Arc::new(Barrier::new(2));
    let handles: Vec<_> = (0..2)
        .map(|_| {
            let (h, b) = (http.clone(), barrier.clone());
            std::thread::spawn(move || {
                b.wait();
                send(&h).status
            })
        })
        .collect();
    let mut statuses: Vec<u16> = handles.into_iter().map(|h| h.join().unwrap()).collect();
    statuses.sort();
    assert_eq!(statuses, vec![200, 409]);
    assert_eq!(env.state(&s.id), "approved");
}

#[test]
fn deny_approve_race_has_exactly_one_outcome() {
    let env = Env::with(|c| c.push_limit = 100);
    let mut phone = Phone::enroll(&env.add_user("anna"));
    for _ in 0..8 {
        let s = env.push("anna");
        let r = phone.pending_one(&s.id);
        let approve = phone.build(&r, Decision::Approve { number: s.number });
        let deny = phone.build(&r, Decision::Deny);
        let barrier = Arc::new(Barrier::new(2));
        let spawn = |h: HttpRequest, b: Arc<Barrier>| {
            std::thread::spawn(move || {
                b.wait();
                send(&h).status
            })
        };
        let ta = spawn(approve, barrier.clone());
        let td = spawn(deny, barrier);
        let (sa, sd) = (ta.join().unwrap(), td.join().unwrap());
        let state = env.state(&s.id);
        match (sa, sd) {
            (200, 409) => assert_eq!(state, "approved"),
            (409, 200) => assert_eq!(state, "denied"),
            other => panic!("expected exactly one winner, got {other:?}"),
        }
    }
}

#[test]
fn revoked_device_is_refused() {
    let env = Env::new();
    let mut phone = Phone::enroll(&env.add_user("anna"));
    let s = env.push("anna");
    let r = phone.pending_one(&s.id);
    env.provider.revoke_device(&phone.enrollment.device_id).unwrap();
    assert_eq!(phone.try_pending(), Err(provider_err(403, ProviderCode::DeviceRevoked)));
    assert_eq!(phone.approve(&r, s.number), Err(provider_err(403, ProviderCode::DeviceRevoked)));
    assert_eq!(env.state(&s.id), "pending");
    assert_eq!(env.start("anna", Kind::Push).unwrap_err().code(), ErrorCode::NoDevice);
}

#[test]
fn counter_that_does_not_increase_is_refused() {
    let env = Env::with(|c| c.push_limit = 50);
    let mut phone = Phone::enroll(&env.add_user("anna"));
    let s = env.push("anna");
    let r = phone.pending_one(&s.id);
    assert_eq!(phone.approve(&r, s.number), Ok(RespondOutcome::Approved));
    // A clone of the key with a stale counter.
    phone.enrollment.sign_count = 0;
    let s2 = env.push("anna");
    let r2 = phone.pending_one(&s2.id);
    assert_eq!(phone.approve(&r2, s2.number), Err(provider_err(401, ProviderCode::Counter)));
    assert_eq!(env.state(&s2.id), "pending");
    assert_eq!(env.events("counter_not_increased"), 1);
    phone.enrollment.sign_count = 5;
    assert_eq!(phone.approve(&r2, s2.number), Ok(RespondOutcome::Approved));
}

fn with_signature(http: &HttpRequest, sig: &[u8]) -> HttpRequest {
    let mut body: serde_json::Value = serde_json::from_slice(&http.body).unwrap();
    body["signature"] = b64(sig).into();
    HttpRequest { body: serde_json::to_vec(&body).unwrap(), ..http.clone() }
}

#[test]
fn truncated_and_raw_signatures_are_refused() {
    let env = Env::new();
    let mut phone = Phone::enroll(&env.add_user("anna"));
    let s = env.push("anna");
    let r = phone.pending_one(&s.id);
    let http = phone.build(&r, Decision::Approve { number: s.number });
    let body: serde_json::Value = serde_json::from_slice(&http.body).unwrap();
    let der = unb64(body["signature"].as_str().unwrap()).unwrap();
    // Truncated DER.
    let resp = send(&with_signature(&http, &der[..der.len() - 5]));
    assert_eq!((resp.status, error_code(&resp).as_str()), (400, "bad_assertion"));
    // Raw r||s of the same signature (what a careless platform might return).
    let raw = der_to_raw(&der);
    let resp = send(&with_signature(&http, &raw));
    assert_eq!((resp.status, error_code(&resp).as_str()), (400, "bad_assertion"));
    // Empty and oversized.
    assert_eq!(send(&with_signature(&http, &[])).status, 400);
    assert_eq!(send(&with_signature(&http, &[0x30; 100])).status, 400);
    assert_eq!(env.state(&s.id), "pending");
    assert_eq!(env.sign_count(&phone.enrollment.device_id), 0);
    // The genuine one still works.
    assert_eq!(send(&http).status, 200);
}

fn der_to_raw(der: &[u8]) -> Vec<u8> {
    // SEQUENCE { INTEGER r, INTEGER s } → 32-byte r ‖ 32-byte s.
    let mut i = 2;
    let mut out = Vec::new();
    for _ in 0..2 {
        let len = der[i + 1] as usize;
        let int = &der[i + 2..i + 2 + len];
        let int = if int.len() > 32 { &int[int.len() - 32..] } else { int };
        out.extend(std::iter::repeat_n(0u8, 32 - int.len()));
        out.extend_from_slice(int);
        i += 2 + len;
    }
    out
}

#[test]
fn oversized_and_mistyped_bodies_get_4xx_and_change_nothing() {
    let env = Env::new();
    let mut phone = Phone::enroll(&env.add_user("anna"));
    let s = env.push("anna");
    let r = phone.pending_one(&s.id);
    let http = phone.build(&r, Decision::Approve { number: s.number });
    let mut body: serde_json::Value = serde_json::from_slice(&http.body).unwrap();
    let cases: Vec<(Vec<u8>, u16)> = vec![
        (vec![b'{'; 20_000], 413),
        (b"not json".to_vec(), 400),
        (b"[]".to_vec(), 400),
        (serde_json::to_vec(&serde_json::json!({"credentialId": 5})).unwrap(), 400),
        (
            {
                body["authenticatorData"] = serde_json::json!(12);
                serde_json::to_vec(&body).unwrap()
            },
            400,
        ),
        (
            {
                body["authenticatorData"] = serde_json::json!("AAAA");
                serde_json::to_vec(&body).unwrap()
            },
            400,
        ),
        (
            {
                body["authenticatorData"] = serde_json::json!("not base64url!");
                serde_json::to_vec(&body).unwrap()
            },
            400,
        ),
        (
            {
                body["credentialId"] = serde_json::json!("x".repeat(500));
                serde_json::to_vec(&body).unwrap()
            },
            400,
        ),
    ];
    for (i, (b, status)) in cases.into_iter().enumerate() {
        let resp = send(&HttpRequest { body: b, ..http.clone() });
        assert_eq!(resp.status, status, "case {i}");
        assert!(!error_code(&resp).is_empty(), "case {i}: JSON error body");
    }
    // Device endpoints: mistyped enrollment body, missing headers.
    let uri = EnrollUri::parse(&env.enroll_uri("anna")).unwrap();
    let keys = SoftwareKeyStore::new();
    let (mut enroll, _) =
        nyckel_core::protocol::enroll::begin(&uri, "x", None, &keys, &SystemRandom, device_now())
            .unwrap();
    let mut eb: serde_json::Value = serde_json::from_slice(&enroll.body).unwrap();
    eb["deviceName"] = serde_json::json!(5);
    enroll.body = serde_json::to_vec(&eb).unwrap();
    let resp = send(&enroll);
    assert_eq!((resp.status, error_code(&resp).as_str()), (400, "bad_request"));
    let bare = HttpRequest { headers: vec![], ..enroll.clone() };
    assert_eq!(send(&bare).status, 400);
    // Nothing changed: request pending, counter untouched, only one device, code still usable.
    assert_eq!(env.state(&s.id), "pending");
    assert_eq!(env.sign_count(&phone.enrollment.device_id), 0);
    assert_eq!(env.provider.devices("anna").unwrap().len(), 1);
    let keys2 = Arc::new(SoftwareKeyStore::new());
    assert!(try_enroll(&uri_string(&uri), &keys2).is_ok(), "the activation code was not consumed");
    assert_eq!(send(&http).status, 200);
}

fn uri_string(u: &EnrollUri) -> String {
    EnrollUri::build(
        &u.base_url,
        &u.activation_code,
        &u.account,
        &u.fingerprint,
        u.issuer.as_deref(),
        u.expires_at,
        None,
    )
}

/// A device-signed GET of `path` with a chosen `Nyckel-Timestamp` (any string), signed with the
/// phone's real device key.
fn signed_get_at(phone: &Phone, path: &str, timestamp: &str) -> HttpRequest {
    use nyckel_core::protocol::wire;
    let nonce = nyckel_core::random::b64(&SystemRandom, 16).unwrap();
    let device = phone.enrollment.device_id.clone();
    let signed = wire::request_signed_string("GET", path, &device, timestamp, &nonce, b"");
    let sig = keys_of(phone)
        .sign(phone.enrollment.device_key_alias.clone(), signed.into_bytes())
        .unwrap();
    HttpRequest {
        method: "GET".into(),
        url: format!("{}{path}", phone.enrollment.base_url),
        headers: vec![
            (wire::H_DEVICE.into(), device),
            (wire::H_TIMESTAMP.into(), timestamp.into()),
            (wire::H_NONCE.into(), nonce),
            (wire::H_SIGNATURE.into(), b64(&sig)),
        ],
        body: vec![],
    }
}

#[test]
fn extreme_timestamps_are_clock_skew_not_a_crash() {
    let env = Env::new();
    let phone = Phone::enroll(&env.add_user("anna"));
    for ts in [i64::MIN, i64::MAX, i64::MIN + 1, -1] {
        let resp = send(&signed_get_at(&phone, "/nyckel/v1/requests", &ts.to_string()));
        assert_eq!(
            (resp.status, error_code(&resp).as_str()),
            (401, "clock_skew"),
            "timestamp {ts}"
        );
    }
    // The provider still answers a normal request afterwards.
    let resp =
        send(&signed_get_at(&phone, "/nyckel/v1/requests", &env.cfg.clock.now().to_string()));
    assert_eq!(resp.status, 200);
}

/// Holds the store's write lock (as a second writer would) while `during` runs on another
/// thread; once that thread has had time to do its reads and wait for the lock, applies
/// `change` inside the held lock, releases it, and returns what `during` returned. Through the
/// provider's test-only hook (feature `testing`): no harness opens the database itself.
fn while_write_locked<T: Send>(
    env: &Env,
    during: impl FnOnce() -> T + Send,
    change: impl FnOnce(&dyn LockedWrites),
) -> T {
    env.provider.while_write_locked(during, change)
}

#[test]
fn approval_waiting_for_the_write_lock_sees_a_revocation_made_meanwhile() {
    let env = Env::new();
    let mut phone = Phone::enroll(&env.add_user("anna"));
    let s = env.push("anna");
    let r = phone.pending_one(&s.id);
    let http = phone.build(&r, Decision::Approve { number: s.number });
    let device = phone.enrollment.device_id.clone();
    let resp = while_write_locked(
        &env,
        || send(&http),
        |c| {
            // What an administrator's revocation writes, by another writer.
            c.revoke_device(&device);
        },
    );
    assert_eq!((resp.status, error_code(&resp).as_str()), (403, "device_revoked"));
    assert_eq!(env.state(&s.id), "pending");
    assert_eq!(env.sign_count(&device), 0);
}

#[test]
fn passwordless_approval_waiting_for_the_write_lock_sees_phone_signin_disabled_meanwhile() {
    let env = Env::new();
    let mut phone = Phone::enroll(&env.add_user("anna"));
    phone.enable_phone_signin("2468").unwrap();
    let cred = phone.enrollment.phone_signin.clone().unwrap().credential_id;
    let s = env.start("anna", Kind::Passwordless).unwrap();
    let r = phone.pending_one(&s.id);
    let http = phone.build(&r, Decision::Approve { number: s.number });
    let resp = while_write_locked(
        &env,
        || send(&http),
        |c| {
            c.revoke_credential(&cred);
        },
    );
    assert_eq!((resp.status, error_code(&resp).as_str()), (401, "unknown_credential"));
    assert_eq!(env.state(&s.id), "pending");
}

#[test]
fn approval_waiting_for_the_write_lock_is_judged_at_lock_time() {
    let env = Env::new();
    let mut phone = Phone::enroll(&env.add_user("anna"));
    let s = env.push("anna");
    let r = phone.pending_one(&s.id);
    let http = phone.build(&r, Decision::Approve { number: s.number });
    // The request expires while the approval waits for the lock.
    let resp = while_write_locked(&env, || send(&http), |_| env.advance(121));
    assert_eq!((resp.status, error_code(&resp).as_str()), (410, "expired"));
    assert_eq!(env.state(&s.id), "expired");
    // A sign-in started while the lock is busy gets its times from when it holds the lock.
    let started = while_write_locked(&env, || env.push("anna"), |_| env.advance(1000));
    assert!(
        started.expires_at >= env.cfg.clock.now() + env.cfg.request_ttl - 5,
        "not created already expired"
    );
    assert_eq!(env.state(&started.id), "pending");
}

#[test]
fn username_only_flood_cannot_lock_out_password_signin() {
    let env = Env::new();
    let mut phone = Phone::enroll(&env.add_user("anna"));
    phone.enable_phone_signin("2468").unwrap();
    // A visitor who knows only the user name asks for phone sign-ins until refused.
    let phone_signin = [("username", "anna"), ("mode", "phone")];
    for i in 0..5 {
        assert_eq!(
            web_form(&env, "/signin", &phone_signin, &[]).status,
            200,
            "passwordless start {i}"
        );
    }
    // Past the limit the page looks the same (a decoy: nothing is created or pushed).
    let started = env.events("signin_started");
    assert_eq!(web_form(&env, "/signin", &phone_signin, &[]).status, 200);
    assert_eq!(env.events("signin_started"), started, "no sixth request");
    // Anna's password sign-in is counted apart: it works, and it is the one her phone shows.
    let resp = web_form(
        &env,
        "/signin",
        &[("username", "anna"), ("mode", "password"), ("password", "lösenord")],
        &[],
    );
    assert_eq!(resp.status, 200, "{}", resp.body);
    let (id, _) = page_request(&resp);
    // It replaces nothing of another browser's, even from the same address: the visitor's
    // username-only requests wait beside it (each listed), and only the number on Anna's
    // screen approves hers.
    let list = phone.pending();
    assert_eq!(list.len(), 6, "hers and the visitor's five");
    assert_eq!(list.iter().filter(|r| r.kind == Kind::Push).count(), 1);
    assert!(list.iter().any(|r| r.id == id));
    // More username-only starts cannot supersede it (they get decoys; the page's hint says
    // a password sign-in may be waiting).
    let resp = web_form(&env, "/signin", &phone_signin, &[]);
    assert_eq!(resp.status, 200);
    assert!(resp.body.contains("väntar redan en inloggning"), "{}", resp.body);
    assert_eq!(env.state(&id), "pending");
}

/// The page of a username-only sign-in with what differs per request (number, ids, times)
/// blanked out.
fn page_shape(body: &str) -> String {
    let mut out = body.to_owned();
    for attr in ["data-request", "data-token", "data-expires", "data-now"] {
        let start = out.find(&format!("{attr}=\"")).unwrap() + attr.len() + 2;
        let end = start + out[start..].find('"').unwrap();
        out.replace_range(start..end, "…");
    }
    let n = out.find("id=\"number\"").unwrap();
    let start = n + out[n..].find('>').unwrap() + 1;
    let end = start + out[start..].find('<').unwrap();
    out.replace_range(start..end, "…");
    out
}

#[test]
fn username_only_phone_signin_answers_alike_for_every_name() {
    let env = Env::new();
    let mut anna = Phone::enroll(&env.add_user("anna"));
    anna.enable_phone_signin("2468").unwrap();
    let _bertil = Phone::enroll(&env.add_user("bertil")); // a phone, no phone sign-in
    env.add_user("cecilia"); // no phone at all
    let mut erik = Phone::enroll(&env.add_user("erik"));
    erik.enable_phone_signin("1357").unwrap();
    env.provider.set_user_disabled("erik", true).unwrap(); // disabled by the administrator
                                                           // Fredrik reported a sign-in he did not start: blocked for a while.
    let mut fredrik = Phone::enroll(&env.add_user("fredrik"));
    fredrik.enable_phone_signin("8642").unwrap();
    let s = env.start("fredrik", Kind::Passwordless).unwrap();
    let r = fredrik.pending_one(&s.id);
    assert_eq!(fredrik.respond(&r, Decision::Report), Ok(RespondOutcome::Reported));
    let e = env.start("fredrik", Kind::Passwordless).unwrap_err();
    assert_eq!(e.code(), ErrorCode::Blocked);
    // Gustav's username-only sign-ins are over their rate limit.
    let mut gustav = Phone::enroll(&env.add_user("gustav"));
    gustav.enable_phone_signin("9753").unwrap();
    for _ in 0..env.cfg.push_limit {
        env.start("gustav", Kind::Passwordless).unwrap();
    }
    let e = env.start("gustav", Kind::Passwordless).unwrap_err();
    assert_eq!(e.code(), ErrorCode::RateLimited);
    let started = env.events("signin_started");
    let names = ["anna", "bertil", "cecilia", "david-finns-inte", "erik", "fredrik", "gustav"];
    let pages: Vec<WebResponse> = names
        .iter()
        .map(|n| web_form(&env, "/signin", &[("username", n), ("mode", "phone")], &[]))
        .collect();
    let shape = page_shape(&pages[0].body);
    for (name, page) in names.iter().zip(&pages) {
        assert_eq!(page.status, 200, "{name}");
        assert_eq!(page_shape(&page.body), shape, "{name}: the same page");
        let (id, token) = page_request(page);
        assert_eq!(id.len(), 22, "{name}: a request id's shape");
        assert_eq!(token.len(), 32, "{name}: a status token's shape");
        // Polling says "pending", completing says "not approved", for every name.
        let status = web(&env, "GET", &format!("/signin/status/{id}?t={token}"), &[], b"");
        assert_eq!(status.status, 200, "{name}");
        let state: serde_json::Value = serde_json::from_str(&status.body).unwrap();
        assert_eq!(state["state"], "pending", "{name}");
        let done = web(&env, "POST", &format!("/signin/complete/{id}?t={token}"), &[], b"");
        assert_eq!(
            (done.status, error_code_of(&done.body).as_str()),
            (409, "not_approved"),
            "{name}"
        );
        // A token of another request does not open a decoy.
        let other =
            web(&env, "GET", &format!("/signin/status/{id}?t={}", "A".repeat(32)), &[], b"");
        assert_eq!(other.status, 404, "{name}");
    }
    // Only Anna's phone was pushed, and only her request was made.
    assert_eq!(env.events("signin_started"), started + 1);
    let (anna_id, _) = page_request(&pages[0]);
    assert_eq!(env.provider.pushes_for(&anna_id).unwrap(), 1);
    assert_eq!(anna.pending_one(&anna_id).account_name, "anna");
    // Every one expires alike.
    env.advance(env.cfg.request_ttl);
    for (name, page) in names.iter().zip(&pages) {
        let (id, token) = page_request(page);
        let status = web(&env, "GET", &format!("/signin/status/{id}?t={token}"), &[], b"");
        let state: serde_json::Value = serde_json::from_str(&status.body).unwrap();
        assert_eq!(state["state"], "expired", "{name}");
    }
}

fn error_code_of(body: &str) -> String {
    serde_json::from_str::<serde_json::Value>(body)
        .ok()
        .and_then(|v| v["error"].as_str().map(str::to_owned))
        .unwrap_or_default()
}

#[test]
fn passwordless_start_does_not_supersede_a_pending_password_signin() {
    let env = Env::new();
    let mut phone = Phone::enroll(&env.add_user("anna"));
    phone.enable_phone_signin("2468").unwrap();
    let s = env.push("anna");
    let e = env.start("anna", Kind::Passwordless).unwrap_err();
    assert_eq!((e.status(), e.code()), (409, ErrorCode::PushPending));
    assert_eq!(env.state(&s.id), "pending");
    let r = phone.pending_one(&s.id);
    assert_eq!(phone.approve(&r, s.number), Ok(RespondOutcome::Approved));
    // Decided: phone sign-in works again, and supersedes only an earlier passwordless request.
    let p1 = env.start("anna", Kind::Passwordless).unwrap();
    let p2 = env.start("anna", Kind::Passwordless).unwrap();
    assert_eq!(env.state(&p1.id), "superseded");
    // A password sign-in supersedes a pending passwordless one.
    let s2 = env.push("anna");
    assert_eq!(env.state(&p2.id), "superseded");
    // An expired password request no longer blocks phone sign-in, and stays "expired".
    env.advance(121);
    assert!(env.start("anna", Kind::Passwordless).is_ok());
    assert_eq!(env.state(&s2.id), "expired");
}

#[test]
fn rate_limits_count_password_and_passwordless_requests_apart() {
    let env = Env::new();
    let mut phone = Phone::enroll(&env.add_user("anna"));
    phone.enable_phone_signin("2468").unwrap();
    for _ in 0..5 {
        env.start("anna", Kind::Passwordless).unwrap();
    }
    assert_eq!(env.start("anna", Kind::Passwordless).unwrap_err().code(), ErrorCode::RateLimited);
    // Username-only ones count per user, wherever they come from.
    let elsewhere = env.start_from("anna", Kind::Passwordless, "192.0.2.1").unwrap_err();
    assert_eq!(elsewhere.code(), ErrorCode::RateLimited);
    for _ in 0..5 {
        env.push("anna");
    }
    assert_eq!(env.start("anna", Kind::Push).unwrap_err().code(), ErrorCode::RateLimited);
    // Password sign-ins count per source address: elsewhere, the user is not refused.
    assert!(env.start_from("anna", Kind::Push, "192.0.2.1").is_ok());
}

#[test]
fn web_pages_bound_their_inputs() {
    let env = Env::new();
    let _phone = Phone::enroll(&env.add_user("anna"));
    let signin = |password: &str| {
        web_form(
            &env,
            "/signin",
            &[("username", "anna"), ("mode", "password"), ("password", password)],
            &[],
        )
    };
    // A body over the spec's 16 KiB is refused before anything reads it.
    assert_eq!(signin(&"x".repeat(20_000)).status, 413);
    // Passwords over 1 KiB are refused before hashing; 1 KiB is still checked.
    let resp = signin(&"x".repeat(1025));
    assert_eq!(resp.status, 400, "{}", resp.body);
    assert_eq!(signin(&"x".repeat(1024)).status, 401);
    // Request ids and status tokens over 64 characters.
    let long = "a".repeat(65);
    for (method, path) in [
        ("GET", format!("/signin/status/{long}?t=abc")),
        ("GET", format!("/signin/status/abc?t={long}")),
        ("POST", format!("/signin/complete/{long}?t=abc")),
        ("POST", format!("/signin/complete/abc?t={long}")),
    ] {
        assert_eq!(web(&env, method, &path, &[], b"").status, 400, "{method} {path}");
    }
    // Within the limits they reach the token check.
    assert_eq!(
        web(
            &env,
            "GET",
            &format!("/signin/status/{}?t={}", "a".repeat(64), "b".repeat(64)),
            &[],
            b""
        )
        .status,
        404
    );
    assert!(
        env.events("signed_in") == 0 && env.events("signin_started") == 0,
        "nothing was started"
    );
}

#[test]
fn revoking_every_device_does_not_reopen_password_only_signin() {
    let env = Env::new();
    let uri = env.add_user("anna");
    let password = [("username", "anna"), ("mode", "password"), ("password", "lösenord")];
    let account = |cookie: &str| {
        web(&env, "GET", "/account", &[("Cookie", &format!("nyckel_session={cookie}"))], b"")
    };
    // Bootstrap: with no device ever, the password alone gives a session and an enrollment QR.
    let resp = web_form(&env, "/signin", &password, &[]);
    assert_eq!(resp.status, 303, "{}", resp.body);
    let session = resp.session_cookie().expect("a session");
    assert!(account(&session).body.contains("nyckel-enroll://"));
    let mut phone = Phone::enroll(&uri);
    // Anna signs in with the phone: a second session.
    let resp = web_form(&env, "/signin", &password, &[]);
    let (id, token) = page_request(&resp);
    let r = phone.pending_one(&id);
    assert_eq!(phone.approve(&r, page_number(&resp)), Ok(RespondOutcome::Approved));
    let done = web(&env, "POST", &format!("/signin/complete/{id}?t={token}"), &[], b"");
    let session2 = done.session_cookie().expect("signed in with the phone");
    // The phone is lost and revoked. Whoever has the password (and maybe the phone) gets no
    // session and no enrollment code from the password alone any more …
    env.provider.revoke_device(&phone.enrollment.device_id).unwrap();
    let resp = web_form(&env, "/signin", &password, &[]);
    assert_eq!(resp.status, 409, "{}", resp.body);
    assert!(resp.session_cookie().is_none());
    assert!(!resp.body.contains("nyckel-enroll://"));
    assert!(resp.body.contains("administratören"), "the page says who helps: {}", resp.body);
    // … and sessions opened before the revocation (perhaps with the lost phone) are over.
    for s in [&session, &session2] {
        let resp = account(s);
        assert_eq!(resp.status, 303);
        assert!(!resp.body.contains("nyckel-enroll://"));
    }
    // Re-enrollment goes through the admin; then sign-in is password + phone again.
    let mut phone = Phone::enroll(&env.enroll_uri("anna"));
    let resp = web_form(&env, "/signin", &password, &[]);
    assert_eq!(resp.status, 200);
    let (id, _) = page_request(&resp);
    assert_eq!(phone.pending_one(&id).kind, nyckel_core::protocol::RequestKind::Push);
}

#[test]
fn an_approval_from_a_device_revoked_before_completion_opens_no_session() {
    let env = Env::new();
    let mut phone = Phone::enroll(&env.add_user("anna"));
    let s = env.push("anna");
    let r = phone.pending_one(&s.id);
    assert_eq!(phone.approve(&r, s.number), Ok(RespondOutcome::Approved));
    env.provider.revoke_device(&phone.enrollment.device_id).unwrap();
    let e = env.provider.complete_signin(&s).unwrap_err();
    assert_eq!((e.status(), e.code()), (409, ErrorCode::NotApproved));
    assert_eq!(env.state(&s.id), "approved");
}

#[test]
fn an_approved_sign_in_cannot_be_completed_after_its_request_expired() {
    let env = Env::new();
    let mut phone = Phone::enroll(&env.add_user("anna"));
    let s = env.push("anna");
    let r = phone.pending_one(&s.id);
    assert_eq!(phone.approve(&r, s.number), Ok(RespondOutcome::Approved));
    // Long after the request's expiry, the approval no longer opens a session.
    env.advance(env.cfg.request_ttl + 60);
    let e = env.provider.complete_signin(&s).unwrap_err();
    assert_eq!((e.status(), e.code()), (410, ErrorCode::Expired));
    assert_eq!(env.state(&s.id), "expired");
    assert_eq!(env.events("signed_in"), 0);
    // An approval in the request's last seconds completes within the grace.
    let s = env.push("anna");
    let _ = phone.try_pending(); // the phone learns the moved clock
    let r = phone.pending_one(&s.id);
    assert_eq!(phone.approve(&r, s.number), Ok(RespondOutcome::Approved));
    env.advance(env.cfg.request_ttl + 5);
    assert!(env.provider.complete_signin(&s).is_ok());
    assert_eq!(env.state(&s.id), "completed");
}

/// The CSP source of an inline script or style: `'sha256-BASE64'` (standard alphabet).
fn csp_hash(code: &str) -> String {
    let url = b64(&nyckel_core::protocol::wire::sha256(code.as_bytes()));
    let mut std: String = url
        .chars()
        .map(|c| match c {
            '-' => '+',
            '_' => '/',
            c => c,
        })
        .collect();
    while !std.len().is_multiple_of(4) {
        std.push('=');
    }
    format!("'sha256-{std}'")
}

/// The contents of every `<tag>…</tag>` in a page.
fn inline(body: &str, tag: &str) -> Vec<String> {
    body.split(&format!("<{tag}>"))
        .skip(1)
        .map(|rest| rest.split(&format!("</{tag}>")).next().unwrap().to_owned())
        .collect()
}

#[test]
fn pages_send_hardening_headers_and_the_csp_allows_exactly_their_own_code() {
    let env = Env::new();
    let _phone = Phone::enroll(&env.add_user("anna"));
    let form = web(&env, "GET", "/signin", &[], b"");
    let number = web_form(
        &env,
        "/signin",
        &[("username", "anna"), ("mode", "password"), ("password", "lösenord")],
        &[],
    );
    assert_eq!((form.status, number.status), (200, 200), "{}", number.body);
    for page in [&form, &number] {
        let csp = page.header("content-security-policy").expect("a CSP");
        for directive in ["default-src 'none'", "frame-ancestors 'none'", "base-uri 'none'"] {
            assert!(csp.contains(directive), "{directive} in {csp}");
        }
        assert!(!csp.contains("unsafe-inline") && !csp.contains("unsafe-eval"), "{csp}");
        assert_eq!(page.header("x-content-type-options"), Some("nosniff"));
        assert_eq!(page.header("referrer-policy"), Some("same-origin"));
        assert_eq!(page.header("strict-transport-security"), None, "plain http");
        // The page's own inline style and script run: the CSP names their hashes.
        for code in inline(&page.body, "style").iter().chain(&inline(&page.body, "script")) {
            assert!(csp.contains(&csp_hash(code)), "{csp} allows {code:.40}");
        }
    }
    assert_eq!(inline(&number.body, "script").len(), 1, "the number page's script");
    // API answers are not sniffed or framed either.
    let api = web(&env, "GET", "/nyckel/v1/provider", &[], b"");
    assert_eq!(api.header("x-content-type-options"), Some("nosniff"));
    assert!(api.header("content-security-policy").unwrap().contains("frame-ancestors 'none'"));
    // An https provider also asks browsers to stay on https.
    let https = Env::with(|c| c.origin = Some("https://idp.example.se".into()));
    let page = web(&https, "GET", "/signin", &[], b"");
    assert_eq!(page.header("strict-transport-security"), Some("max-age=31536000"));
}

#[test]
fn device_names_with_bidi_or_invisible_characters_are_refused_and_never_sent() {
    let env = Env::new();
    let uri = EnrollUri::parse(&env.add_user("anna")).unwrap();
    let keys = SoftwareKeyStore::new();
    let hostile = "Annas \u{202E}enofelet\u{200B}\u{2066}";
    // The app side never sends them: core drops them from the name it sends.
    let (mut enroll, _) = nyckel_core::protocol::enroll::begin(
        &uri,
        hostile,
        None,
        &keys,
        &SystemRandom,
        device_now(),
    )
    .unwrap();
    let mut body: serde_json::Value = serde_json::from_slice(&enroll.body).unwrap();
    assert_eq!(body["deviceName"], "Annas enofelet");
    // A client that sends them anyway is refused, and nothing is stored.
    for name in [
        hostile,
        "Anna\u{FEFF}",
        "Anna\u{061C}s",
        "rad\u{2028}två",
        "An\u{00AD}na",
        "Anna\u{2060}",
        "\u{3164}",
        "Anna\u{E0041}\u{E007F}",
        "Anna\u{FFF9}s",
    ] {
        body["deviceName"] = serde_json::json!(name);
        enroll.body = serde_json::to_vec(&body).unwrap();
        let resp = send(&enroll);
        assert_eq!((resp.status, error_code(&resp).as_str()), (400, "bad_request"), "{name:?}");
        let message = serde_json::from_slice::<serde_json::Value>(&resp.body).unwrap();
        assert!(message["message"].as_str().unwrap().contains("deviceName"), "{message}");
    }
    assert!(env.provider.devices("anna").unwrap().is_empty());
    // Emoji sequences with joiners are names like any other.
    let keys = Arc::new(SoftwareKeyStore::new());
    let parsed = EnrollUri::parse(&env.enroll_uri("anna")).unwrap();
    let (req, state) = nyckel_core::protocol::enroll::begin(
        &parsed,
        "Annas 👨‍👩‍👧",
        None,
        keys.as_ref(),
        &SystemRandom,
        device_now(),
    )
    .unwrap();
    state.finish(&send(&req), device_now()).unwrap();
    assert_eq!(env.provider.devices("anna").unwrap()[0].name, "Annas 👨‍👩‍👧");
}

#[test]
fn cross_site_posts_to_the_pages_are_refused() {
    let env = Env::new();
    let mut phone = Phone::enroll(&env.add_user("anna"));
    let own = env.base_url();
    let password = [("username", "anna"), ("mode", "password"), ("password", "lösenord")];
    let cross_site: [&[(&str, &str)]; 5] = [
        &[("Origin", "https://evil.example")],
        &[("Origin", "null")],
        &[("Origin", "https://evil.example"), ("Sec-Fetch-Site", "cross-site")],
        &[("Sec-Fetch-Site", "cross-site")],
        &[("Sec-Fetch-Site", "same-site")],
    ];
    // Another site's form posting a user name and password (login CSRF): nothing starts.
    for headers in cross_site {
        let resp = web_form(&env, "/signin", &password, headers);
        assert_eq!(resp.status, 403, "{headers:?}");
        assert!(resp.session_cookie().is_none());
        let resp = web_form(&env, "/signin", &[("username", "anna"), ("mode", "phone")], headers);
        assert_eq!(resp.status, 403, "{headers:?}");
    }
    assert_eq!(env.events("signin_started"), 0);
    // The provider's own page (and a script sending neither header) may.
    let resp = web_form(
        &env,
        "/signin",
        &password,
        &[("Origin", &own), ("Sec-Fetch-Site", "same-origin")],
    );
    assert_eq!(resp.status, 200, "{}", resp.body);
    let (id, token) = page_request(&resp);
    let r = phone.pending_one(&id);
    assert_eq!(phone.approve(&r, page_number(&resp)), Ok(RespondOutcome::Approved));
    // Completion: only from the provider's own page.
    let complete = format!("/signin/complete/{id}?t={token}");
    for headers in cross_site {
        let resp = web(&env, "POST", &complete, headers, b"");
        assert_eq!((resp.status, resp.session_cookie()), (403, None), "{headers:?}");
    }
    assert_eq!(env.state(&id), "approved");
    let resp = web(&env, "POST", &complete, &[("Origin", &own)], b"");
    assert_eq!(resp.status, 200);
    let session = resp.session_cookie().expect("signed in");
    let cookie = format!("nyckel_session={session}");
    // Sign-out: another site cannot end the session; the page's own button can.
    for headers in cross_site {
        let mut h = vec![("Cookie", cookie.as_str())];
        h.extend_from_slice(headers);
        assert_eq!(web(&env, "POST", "/signout", &h, b"").status, 403, "{headers:?}");
    }
    assert_eq!(
        web(&env, "GET", "/account", &[("Cookie", &cookie)], b"").status,
        200,
        "still signed in"
    );
    assert_eq!(
        web(&env, "POST", "/signout", &[("Cookie", &cookie), ("Origin", &own)], b"").status,
        303
    );
    assert_eq!(web(&env, "GET", "/account", &[("Cookie", &cookie)], b"").status, 303, "signed out");
    // Scripts without browser headers still work.
    assert_eq!(web_form(&env, "/signin", &password, &[]).status, 200);
}
