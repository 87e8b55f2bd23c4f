//! Moving to a new phone (§4.10) end to end over loopback: an enrolled phone asks for a
//! transfer code with a device-signed request, a new phone enrolls with it using new keys, and
//! the old phone is revoked at the new phone's first authenticated call — not before.

mod protocol_support;

use std::sync::Arc;

use nyckel_core::protocol::{
    DeviceKeyStore, KeyStoreError, ProtocolError, ProviderCode, RespondOutcome, SoftwareKeyStore,
};
use protocol_support::*;

fn refused(code: ProviderCode) -> impl Fn(&ProtocolError) -> bool {
    move |e| matches!(e, ProtocolError::Provider { code: c, .. } if *c == code)
}

fn enroll_err(uri: &str) -> ProtocolError {
    try_enroll(uri, &Arc::new(SoftwareKeyStore::new())).unwrap_err()
}

fn device_revoked(env: &Env, user: &str, device: &str) -> bool {
    env.provider
        .devices(user)
        .unwrap()
        .iter()
        .find(|d| d.device_id == device)
        .expect("a device of the user")
        .revoked_at
        .is_some()
}

#[test]
fn the_new_phone_enrolls_with_new_keys_and_the_old_one_goes_at_its_first_call() {
    let env = Env::new();
    let mut old = Phone::enroll(&env.add_user("anna"));
    let offer = old.request_transfer().unwrap();
    assert!(!offer.managed_otp, "anna has no one-time-code secret at the provider");
    assert!(nyckel_core::protocol::EnrollUri::parse(&offer.enroll_uri).unwrap().otp.is_none());
    assert!(offer.expires_at > device_now(), "short-lived, in the future");
    assert!(offer.expires_at <= device_now() + 600 + 5);
    assert_eq!(env.events("transfer_issued"), 1);

    let mut new = Phone::enroll(&offer.enroll_uri);
    assert_eq!(new.enrollment.user_id, old.enrollment.user_id, "bound to the same user");
    assert_eq!(new.enrollment.account_name, "anna");
    assert_ne!(new.enrollment.device_id, old.enrollment.device_id);
    assert_ne!(new.enrollment.device_public_key, old.enrollment.device_public_key);
    assert_eq!(new.enrollment.provider_key, old.enrollment.provider_key);

    // Enrolled but not yet confirmed: the old phone still works.
    assert!(!device_revoked(&env, "anna", &old.enrollment.device_id));
    let s = env.push("anna");
    let on_old = old.pending_one(&s.id);
    assert!(!device_revoked(&env, "anna", &old.enrollment.device_id));

    // The new phone's first authenticated call confirms the transfer.
    assert_eq!(new.pending().len(), 1);
    assert!(device_revoked(&env, "anna", &old.enrollment.device_id));
    assert_eq!(env.events("device_transferred"), 1);
    assert!(old.try_pending().is_err_and(|e| refused(ProviderCode::DeviceRevoked)(&e)));

    // The revoked old phone cannot approve the request it had fetched; the new one can.
    let err = old.approve(&on_old, s.number).unwrap_err();
    assert!(refused(ProviderCode::DeviceRevoked)(&err), "{err:?}");
    assert_eq!(env.state(&s.id), "pending");
    let on_new = new.pending_one(&s.id);
    assert_eq!(new.approve(&on_new, s.number), Ok(RespondOutcome::Approved));

    // Later calls confirm nothing more; a revoked phone cannot ask for another code.
    assert!(new.pending().is_empty());
    assert_eq!(env.events("device_transferred"), 1);
    assert!(old.request_transfer().is_err_and(|e| refused(ProviderCode::DeviceRevoked)(&e)));
}

#[test]
fn a_transfer_that_never_finishes_leaves_the_old_phone_working() {
    let env = Env::new();
    let mut old = Phone::enroll(&env.add_user("anna"));
    let offer = old.request_transfer().unwrap();
    // A new phone enrolled but never called again; and a code never used at all.
    let _silent = Phone::enroll(&offer.enroll_uri);
    let s = env.push("anna");
    let r = old.pending_one(&s.id);
    assert_eq!(old.approve(&r, s.number), Ok(RespondOutcome::Approved));
    assert!(!device_revoked(&env, "anna", &old.enrollment.device_id));
    assert_eq!(env.events("device_transferred"), 0);
}

#[test]
fn a_transfer_code_works_once_for_one_phone() {
    let env = Env::new();
    let mut old = Phone::enroll(&env.add_user("anna"));
    let offer = old.request_transfer().unwrap();
    let _new = Phone::enroll(&offer.enroll_uri);
    // The same code presented again, by another phone: refused.
    let err = enroll_err(&offer.enroll_uri);
    assert!(refused(ProviderCode::ActivationInvalid)(&err), "{err:?}");
    assert_eq!(env.provider.devices("anna").unwrap().len(), 2, "no third device");
}

#[test]
fn an_expired_transfer_code_is_refused() {
    let env = Env::frozen_with(|_| {});
    let mut old = Phone::enroll(&env.add_user("anna"));
    let offer = old.request_transfer().unwrap();
    env.advance(601);
    let err = enroll_err(&offer.enroll_uri);
    assert!(refused(ProviderCode::ActivationInvalid)(&err), "{err:?}");
}

#[test]
fn a_code_presented_after_the_old_phone_was_revoked_is_refused_with_its_own_code() {
    let env = Env::new();
    let mut old = Phone::enroll(&env.add_user("anna"));
    let offer = old.request_transfer().unwrap();
    env.provider.revoke_device(&old.enrollment.device_id).unwrap();
    let err = enroll_err(&offer.enroll_uri);
    assert!(
        matches!(
            err,
            ProtocolError::Provider { status: 409, code: ProviderCode::ReplacedDeviceRevoked }
        ),
        "{err:?}"
    );
    // Refused once, spent: a retry says the code is used.
    let again = enroll_err(&offer.enroll_uri);
    assert!(refused(ProviderCode::ActivationInvalid)(&again), "{again:?}");
    assert_eq!(env.provider.devices("anna").unwrap().len(), 1);
}

#[test]
fn revoking_the_old_phone_mid_transfer_takes_the_unconfirmed_new_phone_with_it() {
    let env = Env::new();
    let mut old = Phone::enroll(&env.add_user("anna"));
    let offer = old.request_transfer().unwrap();
    let mut new = Phone::enroll(&offer.enroll_uri);
    env.provider.revoke_device(&old.enrollment.device_id).unwrap();
    assert!(new.try_pending().is_err_and(|e| refused(ProviderCode::DeviceRevoked)(&e)));
    assert!(device_revoked(&env, "anna", &new.enrollment.device_id));
}

#[test]
fn a_new_code_supersedes_the_unfinished_transfer() {
    let env = Env::new();
    let mut old = Phone::enroll(&env.add_user("anna"));
    let first = old.request_transfer().unwrap();
    let second = old.request_transfer().unwrap();
    assert_ne!(first.enroll_uri, second.enroll_uri);
    let err = enroll_err(&first.enroll_uri);
    assert!(refused(ProviderCode::ActivationInvalid)(&err), "{err:?}");
    let mut new = Phone::enroll(&second.enroll_uri);
    assert!(new.pending().is_empty());
    assert!(device_revoked(&env, "anna", &old.enrollment.device_id));
}

/// A key store that hands out the old phone's key for any new key: a phone that copied keys.
struct CopiedKeys {
    from: Arc<SoftwareKeyStore>,
    alias: String,
}

impl DeviceKeyStore for CopiedKeys {
    fn create_key(&self, _alias: String, _uv: bool) -> Result<Vec<u8>, KeyStoreError> {
        self.from.public_key(self.alias.clone())
    }
    fn public_key(&self, _alias: String) -> Result<Vec<u8>, KeyStoreError> {
        self.from.public_key(self.alias.clone())
    }
    fn sign(&self, _alias: String, message: Vec<u8>) -> Result<Vec<u8>, KeyStoreError> {
        self.from.sign(self.alias.clone(), message)
    }
    fn delete_key(&self, _alias: String) -> Result<(), KeyStoreError> {
        Ok(())
    }
}

#[test]
fn a_transfer_enrollment_with_the_old_phones_key_is_refused() {
    let env = Env::new();
    let mut old = Phone::enroll(&env.add_user("anna"));
    let offer = old.request_transfer().unwrap();
    let copied =
        CopiedKeys { from: old.keys.clone(), alias: old.enrollment.device_key_alias.clone() };
    let uri = nyckel_core::protocol::EnrollUri::parse(&offer.enroll_uri).unwrap();
    let (req, state) = nyckel_core::protocol::enroll::begin(
        &uri,
        "Kopia",
        None,
        &copied,
        &nyckel_core::random::SystemRandom,
        device_now(),
    )
    .unwrap();
    let err = state.finish(&send(&req), device_now()).unwrap_err();
    assert!(
        matches!(err, ProtocolError::Provider { status: 409, code: ProviderCode::KeyReused }),
        "{err:?}"
    );
    // The code is not spent by the refusal: a phone with new keys still enrolls with it.
    let _new = Phone::enroll(&offer.enroll_uri);
}

#[test]
fn the_transfer_request_must_be_device_signed() {
    let env = Env::new();
    let old = Phone::enroll(&env.add_user("anna"));
    let unsigned = nyckel_core::protocol::HttpRequest {
        method: "POST".into(),
        url: format!("{}/nyckel/v1/transfer", env.base_url()),
        headers: vec![],
        body: vec![],
    };
    let resp = send(&unsigned);
    assert_eq!((resp.status, error_code(&resp).as_str()), (400, "bad_request"));
    // The signature covers the (empty) body: one added on the way is refused.
    let (mut req, _) = nyckel_core::protocol::request_transfer(
        &old.enrollment,
        old.keys.as_ref(),
        &nyckel_core::random::SystemRandom,
        device_now(),
    )
    .unwrap();
    req.body = b"{}".to_vec();
    let resp = send(&req);
    assert_eq!((resp.status, error_code(&resp).as_str()), (401, "bad_signature"));
    assert_eq!(env.events("transfer_issued"), 0);
}

#[test]
fn the_provider_re_delivers_its_one_time_code_secret_marked_managed() {
    use nyckel_core::protocol::EnrollUri;
    let env = Env::new();
    let first = env.provider.add_user("anna", Some("lösenord"), true).unwrap().enroll_uri;
    let issued = EnrollUri::parse(&first).unwrap().otp.expect("the provider's secret");
    let mut old = Phone::enroll(&first);
    let offer = old.request_transfer().unwrap();
    assert!(offer.managed_otp);
    let uri = EnrollUri::parse(&offer.enroll_uri).unwrap();
    assert!(uri.otp_managed, "marked managed: the new phone never exports it");
    let otp = uri.otp.as_ref().expect("the secret rides with the transfer code");
    assert_eq!(otp.params.secret, issued.params.secret, "the very secret the provider issued");
    assert_eq!(otp.params.issuer, issued.params.issuer);

    let mut new = Phone::enroll(&offer.enroll_uri);
    assert!(new.enrollment.otp_managed);
    assert_eq!(new.pending().len(), 0);
    assert!(device_revoked(&env, "anna", &old.enrollment.device_id));
    // The revoked old phone gets it no more.
    assert!(old.request_transfer().is_err_and(|e| refused(ProviderCode::DeviceRevoked)(&e)));
    // The new phone, moving on in turn, is given the same secret again.
    let next = new.request_transfer().unwrap();
    let again = EnrollUri::parse(&next.enroll_uri).unwrap().otp.unwrap();
    assert_eq!(again.params.secret, issued.params.secret);
}
