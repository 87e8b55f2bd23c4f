//! End-to-end over loopback: enrollment, push approval with number matching, deny, report,
//! one outstanding request per account, clock offset. `nyckel-core` (app side) against an
//! in-process `nyckel-idp`.

mod protocol_support;

use nyckel_core::protocol::{
    Decision, EnrollUri, ProtocolError, ProviderCode, RequestKind, RespondOutcome,
};
use nyckel_core::random::SystemRandom;
use protocol_support::*;

#[test]
fn happy_path_enroll_push_approve_signed_in() {
    let env = Env::new();
    let mut phone = Phone::enroll(&env.add_user("anna"));
    let e = &phone.enrollment;
    assert_eq!(e.account_name, "anna");
    assert_eq!(e.origin, env.base_url());
    assert_eq!(e.rp_id, "127.0.0.1");
    assert!(e.clock_offset.abs() <= 2);

    let started = env.push("anna");
    assert!((10..=99).contains(&started.number));
    assert_eq!(started.pushed_to, 1);
    assert_eq!(env.state(&started.id), "pending");

    let list = phone.pending();
    assert_eq!(list.len(), 1);
    let r = &list[0];
    assert_eq!(r.id, started.id);
    assert_eq!(r.kind, RequestKind::Push);
    assert_eq!(r.app, "Webbmejl");
    assert_eq!(r.ip, "203.0.113.7");
    assert_eq!(r.location, "Malmö, SE");
    assert_eq!(r.expires_at - r.created_at, 120);
    // The number never reaches the phone, in any form.
    let raw = serde_json::to_string(&list).unwrap();
    assert!(!raw.contains("\"number\""));

    assert_eq!(phone.approve(r, started.number), Ok(RespondOutcome::Approved));
    assert_eq!(env.state(&started.id), "approved");
    assert_eq!(phone.enrollment.sign_count, 1);
    assert_eq!(env.sign_count(&phone.enrollment.device_id), 1);
    assert!(phone.pending().is_empty(), "a decided request is no longer listed");

    // The push trigger was recorded with the device's push token.
    let pushes = env.provider.pushes_for(&started.id).unwrap();
    assert_eq!(pushes, 1);
    let token = env.provider.push_triggers(&started.id).unwrap()[0].push_token.clone();
    assert_eq!(token.as_deref(), Some("push-token-1"));
}

#[test]
fn deny_is_recorded() {
    let env = Env::new();
    let mut phone = Phone::enroll(&env.add_user("anna"));
    let s = env.push("anna");
    let r = phone.pending_one(&s.id);
    assert_eq!(phone.respond(&r, Decision::Deny), Ok(RespondOutcome::Denied));
    assert_eq!(env.state(&s.id), "denied");
    assert_eq!(env.events("denied"), 1);
}

#[test]
fn report_denies_and_blocks_pushes_for_a_while() {
    let env = Env::new();
    let mut phone = Phone::enroll(&env.add_user("anna"));
    let s = env.push("anna");
    let r = phone.pending_one(&s.id);
    assert_eq!(phone.respond(&r, Decision::Report), Ok(RespondOutcome::Reported));
    assert_eq!(env.state(&s.id), "reported");
    assert_eq!(env.events("reported"), 1);
    let blocked = env.start("anna", Kind::Push).unwrap_err();
    assert_eq!((blocked.status(), blocked.code()), (423, ErrorCode::Blocked));
    env.advance(3500); // well inside the hour, whatever real seconds pass meanwhile
    assert_eq!(env.start("anna", Kind::Push).unwrap_err().code(), ErrorCode::Blocked);
    env.advance(101);
    // The block ends after an hour; the report also muted notifications (for a day), so the
    // request is created quietly and waits in the app, and the administrator sees both.
    let after = env.start("anna", Kind::Push).expect("the block ends after an hour");
    assert_eq!((after.pushed_to, after.quiet), (0, true));
    assert_eq!(env.provider.pushes_for(&after.id).unwrap(), 0);
    assert_eq!(env.event_details("push_quiet"), ["muted"]);
    assert_eq!(env.events("pushes_muted"), 1);
    let anna = &env.provider.users().unwrap()[0];
    assert!(anna.pushes_muted_until >= anna.blocked_until + 80_000, "{anna:?}");
    let r = phone.open_app();
    assert_eq!(r.iter().map(|r| r.id.as_str()).collect::<Vec<_>>(), [after.id.as_str()]);
    assert_eq!(phone.approve(&r[0], after.number), Ok(RespondOutcome::Approved));
    // An approval does not lift the mute.
    env.advance(121);
    assert!(env.push("anna").quiet);
}

#[test]
fn one_outstanding_request_per_account_newer_supersedes() {
    let env = Env::new();
    let mut phone = Phone::enroll(&env.add_user("anna"));
    let a = env.push("anna");
    let ra = phone.pending_one(&a.id);
    let b = env.push("anna");
    assert_eq!(env.state(&a.id), "superseded");
    let list = phone.pending();
    assert_eq!(list.iter().map(|r| r.id.clone()).collect::<Vec<_>>(), vec![b.id.clone()]);
    let err = phone.approve(&ra, a.number).unwrap_err();
    assert_eq!(err, ProtocolError::Provider { status: 409, code: ProviderCode::NotPending });
    assert_eq!(phone.approve(&list[0], b.number), Ok(RespondOutcome::Approved));
}

#[test]
fn activation_code_is_single_use_and_expires() {
    let env = Env::new();
    let uri = env.add_user("anna");
    let _phone = Phone::enroll(&uri);
    let keys = std::sync::Arc::new(nyckel_core::protocol::SoftwareKeyStore::new());
    assert_eq!(
        try_enroll(&uri, &keys),
        Err(ProtocolError::Provider { status: 400, code: ProviderCode::ActivationInvalid })
    );
    assert!(keys.aliases().is_empty(), "a refused enrollment leaves no key behind");
    let fresh = env.enroll_uri("anna");
    env.advance(601);
    assert_eq!(
        try_enroll(&fresh, &keys),
        Err(ProtocolError::Provider { status: 400, code: ProviderCode::ActivationInvalid })
    );
}

#[test]
fn enrollment_can_carry_an_otp_account() {
    let env = Env::new();
    let e = env.provider.add_user("anna", Some("x"), true).unwrap();
    let parsed = EnrollUri::parse(&e.enroll_uri).unwrap();
    let otp = parsed.otp.expect("otp account carried");
    assert_eq!(otp.params.secret.len(), 20);
    assert_eq!(otp.params.issuer, "Nyckel IdP");
    let phone = Phone::enroll(&e.enroll_uri);
    assert_eq!(phone.enrollment.account_name, "anna");
}

#[test]
fn clock_offset_is_learned_from_signed_server_time() {
    let env = Env::new();
    let mut phone = Phone::enroll(&env.add_user("anna"));
    // The provider's clock jumps an hour ahead: the next signed call is refused with a
    // signed server time, the app corrects its offset and the retry works.
    env.advance(3600);
    assert_eq!(phone.try_pending(), Err(ProtocolError::ClockSkew));
    assert!((phone.enrollment.clock_offset - 3600).abs() <= 2);
    assert!(phone.pending().is_empty());
    let s = env.push("anna");
    let r = phone.pending_one(&s.id);
    assert!(
        r.seconds_left(&phone.enrollment, device_now()) > 100,
        "expiry judged by provider time"
    );
    assert_eq!(phone.approve(&r, s.number), Ok(RespondOutcome::Approved));
    // The other way round: the app's idea of provider time runs an hour ahead.
    phone.enrollment.clock_offset += 3600;
    assert_eq!(phone.try_pending(), Err(ProtocolError::ClockSkew));
    assert!((phone.enrollment.clock_offset - 3600).abs() <= 2, "corrected back");
    assert!(phone.pending().is_empty());
    // Explicit time sync gives the same offset.
    let (req, st) = nyckel_core::protocol::sync_time(&phone.enrollment, &SystemRandom).unwrap();
    let off = st.finish(&mut phone.enrollment, &send(&req), device_now()).unwrap();
    assert!((off - 3600).abs() <= 2);
}

#[test]
fn sign_in_without_device_or_unknown_user_creates_nothing() {
    let env = Env::new();
    env.add_user("anna");
    assert_eq!(env.start("anna", Kind::Push).unwrap_err().code(), ErrorCode::NoDevice);
    assert_eq!(env.start("anna", Kind::Passwordless).unwrap_err().code(), ErrorCode::NoPhoneSignin);
    assert_eq!(env.start("bertil", Kind::Push).unwrap_err().code(), ErrorCode::UnknownUser);
}

#[test]
fn push_token_rotation_and_self_unenroll() {
    let env = Env::new();
    let mut phone = Phone::enroll(&env.add_user("anna"));
    let (req, ack) = nyckel_core::protocol::update_push_token(
        &phone.enrollment,
        Some("rotated"),
        phone.keys.as_ref(),
        &SystemRandom,
        device_now(),
    )
    .unwrap();
    ack.finish(&mut phone.enrollment, &send(&req), device_now()).unwrap();
    let s = env.push("anna");
    let token = env.provider.push_triggers(&s.id).unwrap()[0].push_token.clone();
    assert_eq!(token.as_deref(), Some("rotated"));

    let (req, ack) = nyckel_core::protocol::unenroll(
        &phone.enrollment,
        phone.keys.as_ref(),
        &SystemRandom,
        device_now(),
    )
    .unwrap();
    ack.finish(&mut phone.enrollment, &send(&req), device_now()).unwrap();
    nyckel_core::protocol::delete_keys(&phone.enrollment, phone.keys.as_ref()).unwrap();
    assert!(phone.keys.aliases().is_empty());
    assert_eq!(env.state(&s.id), "pending");
    assert_eq!(env.start("anna", Kind::Push).unwrap_err().code(), ErrorCode::NoDevice);
    let devices = env.provider.devices("anna").unwrap();
    assert!(devices[0].revoked_at.is_some());
}

#[test]
fn a_phone_learns_whether_it_is_its_users_last_way_in() {
    let env = Env::new();
    let mut first = Phone::enroll(&env.add_user("anna"));
    let alone = first.standing().unwrap();
    assert_eq!((alone.other_phones, alone.one_time_code), (0, false));
    assert!(alone.is_last_method(), "the only phone, no code");

    let mut second = Phone::enroll(&env.enroll_uri("anna"));
    for phone in [&mut first, &mut second] {
        let st = phone.standing().unwrap();
        assert_eq!(st.other_phones, 1, "each counts the other, not itself");
        assert!(!st.is_last_method());
    }
    // Another user's phones never count.
    let _bertil = Phone::enroll(&env.add_user("bertil"));
    assert_eq!(first.standing().unwrap().other_phones, 1);

    env.provider.revoke_device(&second.enrollment.device_id).unwrap();
    assert!(first.standing().unwrap().is_last_method(), "a revoked phone is no way in");
    // The revoked phone itself is refused, like every device-signed call.
    let refused = second.standing().unwrap_err();
    assert!(
        matches!(&refused, ProtocolError::Provider { code: ProviderCode::DeviceRevoked, .. }),
        "{refused:?}"
    );
}
