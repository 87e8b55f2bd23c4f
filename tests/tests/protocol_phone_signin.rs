//! End-to-end: phone sign-in (passwordless) with a PIN-gated user-verification key.

mod protocol_support;

use nyckel_core::protocol::{
    Decision, KeyStoreError, ProtocolError, ProviderCode, RequestKind, RespondOutcome,
};
use protocol_support::*;

#[test]
fn enable_passwordless_approve_disable() {
    let env = Env::new();
    let mut phone = Phone::enroll(&env.add_user("anna"));
    phone.enable_phone_signin("2468").unwrap();
    assert!(phone.enrollment.phone_signin_enabled());
    let cred = phone.enrollment.phone_signin.clone().unwrap().credential_id;
    assert_eq!(
        phone.keys.is_user_verification_key(phone.enrollment.phone_signin_key_alias().unwrap()),
        Some(true)
    );

    let s = env.start("anna", Kind::Passwordless).unwrap();
    let r = phone.pending_one(&s.id);
    assert_eq!(r.kind, RequestKind::Passwordless);
    assert_eq!(phone.approve(&r, s.number), Ok(RespondOutcome::Approved));
    assert_eq!(env.state(&s.id), "approved");
    assert_eq!(env.sign_count(&cred), 1);
    assert_eq!(env.sign_count(&phone.enrollment.device_id), 0, "the device key did not sign");

    phone.disable_phone_signin().unwrap();
    assert!(!phone.enrollment.phone_signin_enabled());
    assert_eq!(phone.keys.aliases().len(), 1, "the phone sign-in key is deleted");
    assert_eq!(env.start("anna", Kind::Passwordless).unwrap_err().code(), ErrorCode::NoPhoneSignin);
}

#[test]
fn wrong_pin_cannot_approve_passwordless() {
    let env = Env::new();
    let mut phone = Phone::enroll(&env.add_user("anna"));
    phone.enable_phone_signin("2468").unwrap();
    let s = env.start("anna", Kind::Passwordless).unwrap();
    let r = phone.pending_one(&s.id);
    phone.keys.set_pin_source(Some(std::sync::Arc::new(
        nyckel_core::protocol::keys::FixedPin::new("1111"),
    )));
    assert_eq!(
        phone.approve(&r, s.number),
        Err(ProtocolError::KeyStore(KeyStoreError::UserVerificationFailed))
    );
    assert_eq!(env.state(&s.id), "pending");
    // Denying needs no PIN.
    phone.keys.set_pin_source(None);
    assert_eq!(phone.respond(&r, Decision::Deny), Ok(RespondOutcome::Denied));
}

#[test]
fn passwordless_refuses_the_non_uv_device_key() {
    let env = Env::new();
    let mut phone = Phone::enroll(&env.add_user("anna"));
    phone.enable_phone_signin("2468").unwrap();
    let s = env.start("anna", Kind::Passwordless).unwrap();
    let r = phone.pending_one(&s.id);
    // The device key signs an approval and even claims UV: refused, request untouched.
    let mut f = phone.forge_template(&r, s.number);
    f.uv = true;
    let resp = send(&phone.forged(&f, &r.id));
    assert_eq!((resp.status, error_code(&resp).as_str()), (401, "unknown_credential"));
    assert_eq!(env.state(&s.id), "pending");
    // The phone sign-in key without the UV flag: refused too.
    let mut f = phone.forge_template(&r, s.number);
    f.alias = phone.enrollment.phone_signin_key_alias().unwrap().to_owned();
    f.public_key = nyckel_core::protocol::wire::unb64(
        &phone.enrollment.phone_signin.as_ref().unwrap().public_key,
    )
    .unwrap();
    f.credential_id = phone.enrollment.phone_signin.clone().unwrap().credential_id;
    f.count = 1;
    f.uv = false;
    let resp = send(&phone.forged(&f, &r.id));
    assert_eq!((resp.status, error_code(&resp).as_str()), (400, "bad_assertion"));
    assert_eq!(env.state(&s.id), "pending");
    // The real thing still works afterwards.
    assert_eq!(phone.approve(&r, s.number), Ok(RespondOutcome::Approved));
}

#[test]
fn passwordless_is_not_offered_to_devices_without_phone_signin() {
    let env = Env::new();
    let uri = env.add_user("anna");
    let mut with = Phone::enroll(&uri);
    let mut without = Phone::enroll(&env.enroll_uri("anna"));
    with.enable_phone_signin("2468").unwrap();
    let s = env.start("anna", Kind::Passwordless).unwrap();
    assert!(without.pending().is_empty());
    let r = with.pending_one(&s.id);
    // The device without phone sign-in cannot approve it even knowing the request.
    assert_eq!(without.approve(&r, s.number), Err(ProtocolError::PhoneSigninNotEnabled));
    assert_eq!(with.approve(&r, s.number).map_err(|e| e.to_string()), Ok(RespondOutcome::Approved));
    let _ = ProviderCode::NotPending;
}

/// The provider's signed result names the assertion it applied (credential and counter),
/// for the device key and for the phone sign-in key, and the app checks them (§4.3).
#[test]
fn results_name_the_credential_and_counter_that_decided() {
    let env = Env::new();
    let mut phone = Phone::enroll(&env.add_user("anna"));
    phone.enable_phone_signin("2468").unwrap();
    let result_of = |resp: &nyckel_core::protocol::HttpResponse| -> serde_json::Value {
        let envelope: serde_json::Value = serde_json::from_slice(&resp.body).unwrap();
        let payload =
            nyckel_core::protocol::wire::unb64(envelope["payload"].as_str().unwrap()).unwrap();
        serde_json::from_slice(&payload).unwrap()
    };

    let s = env.push("anna");
    let r = phone.pending_one(&s.id);
    let decision = Decision::Approve { number: s.number };
    let sent = send(&phone.build(&r, decision));
    let result = result_of(&sent);
    assert_eq!(result["credentialId"], phone.enrollment.device_id.as_str());
    assert_eq!(result["signCount"], phone.enrollment.sign_count);
    let parsed =
        nyckel_core::protocol::parse_respond_result(&phone.enrollment, &r, decision, &sent);
    assert_eq!(parsed, Ok(RespondOutcome::Approved));

    let s = env.start("anna", Kind::Passwordless).unwrap();
    let r = phone.pending_one(&s.id);
    let decision = Decision::Approve { number: s.number };
    let sent = send(&phone.build(&r, decision));
    let result = result_of(&sent);
    assert_eq!(
        result["credentialId"],
        phone.enrollment.phone_signin.as_ref().unwrap().credential_id.as_str()
    );
    assert_eq!(result["signCount"], phone.enrollment.phone_signin.as_ref().unwrap().sign_count);
    assert_eq!(
        nyckel_core::protocol::parse_respond_result(&phone.enrollment, &r, decision, &sent),
        Ok(RespondOutcome::Approved)
    );
    // Read against the wrong decision's key (a deny is signed by the device key), the same
    // genuine result is another submission's.
    assert!(nyckel_core::protocol::parse_respond_result(
        &phone.enrollment,
        &r,
        Decision::Deny,
        &sent
    )
    .is_err());
}
