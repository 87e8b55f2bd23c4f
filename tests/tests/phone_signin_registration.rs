//! End-to-end: how a phone sign-in key is registered (§4.4) — a single-use challenge of the
//! provider that the new key signs behind a fresh prompt, and, where the administrator
//! requires it, an Android Key Attestation chain up to a configured root.

mod protocol_support;

use nyckel_core::protocol::keys::FixedPin;
use nyckel_core::protocol::wire::{self, PhoneSigninChallenge};
use nyckel_core::protocol::{
    self as p, AttestedKey, DeviceKeyStore, KeyStoreError, ProtocolError, ProviderCode,
    RespondOutcome, SoftwareKeyStore,
};
use nyckel_core::random::SystemRandom;
use nyckel_idp::testing::test_chain::{AppAttest, Description, TestAuthority};
use nyckel_idp::{AppAttestPolicy, KeyAttestationPolicy};
use protocol_support::*;

fn refused(code: ProviderCode) -> Result<(), ProviderCode> {
    Err(code)
}

/// Registers a phone sign-in key of `keys` with `challenge` (one retry after a clock-skew
/// answer, as the app does); a refusal is the provider's code.
fn enable_with(
    phone: &mut Phone,
    keys: &dyn DeviceKeyStore,
    challenge: &PhoneSigninChallenge,
) -> Result<(), ProviderCode> {
    for _ in 0..2 {
        let (req, st) =
            p::enable_phone_signin(&phone.enrollment, challenge, keys, &SystemRandom, device_now())
                .unwrap();
        match st.finish(&mut phone.enrollment, keys, &send(&req), device_now()) {
            Err(ProtocolError::ClockSkew) => continue,
            Ok(()) => return Ok(()),
            Err(ProtocolError::Provider { code, .. }) => return Err(code),
            Err(other) => panic!("not a provider refusal: {other:?}"),
        }
    }
    panic!("a second clock-skew answer")
}

fn phone_signin_on(env: &Env, name: &str) -> bool {
    env.provider.devices(name).unwrap().iter().any(|d| d.phone_signin)
}

/// The attestation format the provider verified for the user's live phone sign-in key (what
/// `nyckel-idp device list` shows).
fn attested(env: &Env, name: &str) -> Option<String> {
    let devices = env.provider.devices(name).unwrap();
    devices.into_iter().find(|d| d.phone_signin).and_then(|d| d.phone_signin_attestation)
}

fn with_pin(phone: &Phone) {
    phone.keys.set_pin_source(Some(std::sync::Arc::new(FixedPin::new("2468"))));
}

#[test]
fn a_challenge_registers_one_key_once_for_its_device_in_time() {
    let env = Env::new();
    let mut phone = Phone::enroll(&env.add_user("anna"));
    let mut other = Phone::enroll(&env.enroll_uri("anna"));
    with_pin(&phone);
    let keys = phone.keys.clone();

    // Another phone's challenge, an altered one, then an expired one: refused, nothing stored.
    let foreign = other.phone_signin_challenge().unwrap();
    assert_eq!(
        enable_with(&mut phone, keys.as_ref(), &foreign),
        refused(ProviderCode::ChallengeInvalid)
    );
    let mut altered = phone.phone_signin_challenge().unwrap();
    let flipped = if altered.challenge.starts_with('A') { "B" } else { "A" };
    altered.challenge.replace_range(..1, flipped);
    assert_eq!(
        enable_with(&mut phone, keys.as_ref(), &altered),
        refused(ProviderCode::ChallengeInvalid)
    );
    let late = phone.phone_signin_challenge().unwrap();
    env.advance(301);
    assert_eq!(
        enable_with(&mut phone, keys.as_ref(), &late),
        refused(ProviderCode::ChallengeInvalid)
    );
    assert!(!phone_signin_on(&env, "anna"));
    assert_eq!(keys.aliases().len(), 1, "each refused key was deleted");

    // A fresh one works once; the same challenge again is refused.
    let fresh = phone.phone_signin_challenge().unwrap();
    assert_eq!(enable_with(&mut phone, keys.as_ref(), &fresh), Ok(()));
    assert!(phone_signin_on(&env, "anna"));
    let registered = phone.enrollment.phone_signin.clone().unwrap();
    assert_eq!(
        enable_with(&mut phone, keys.as_ref(), &fresh),
        refused(ProviderCode::ChallengeInvalid)
    );
    assert_eq!(phone.enrollment.phone_signin, Some(registered), "the registered key stays");
}

/// A key store that attests its keys as a phone's KeyMint would, with a test authority's
/// chain (the description tweaked by `tweak`), or that creates keys without user
/// verification whatever it is asked (a modified app).
struct Platform<'a> {
    inner: &'a SoftwareKeyStore,
    authority: Option<&'a TestAuthority>,
    tweak: fn(&mut Description),
    ungated: bool,
}

impl DeviceKeyStore for Platform<'_> {
    fn create_key(&self, alias: String, uv: bool) -> Result<Vec<u8>, KeyStoreError> {
        self.inner.create_key(alias, uv && !self.ungated)
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
        let Some(authority) = self.authority else { return Ok(None) };
        let public_key = self.create_key(alias, true)?;
        let mut d = Description::for_challenge(&challenge);
        (self.tweak)(&mut d);
        let chain = authority.chain(&public_key, &d);
        Ok(Some(AttestedKey { public_key, format: wire::ATTESTATION_ANDROID_KEY.into(), chain }))
    }
}

fn platform<'a>(keys: &'a SoftwareKeyStore, authority: Option<&'a TestAuthority>) -> Platform<'a> {
    Platform { inner: keys, authority, tweak: |_| {}, ungated: false }
}

#[test]
fn a_provider_requiring_attestation_accepts_only_an_attested_gated_key() {
    let authority = TestAuthority::new();
    let roots = vec![authority.root()];
    let env = Env::with(|c| c.key_attestation = KeyAttestationPolicy::android(roots));
    let mut phone = Phone::enroll(&env.add_user("anna"));
    with_pin(&phone);
    let store = phone.keys.clone();
    let try_register = |phone: &mut Phone, keys: &Platform<'_>| {
        let challenge = phone.phone_signin_challenge().unwrap();
        enable_with(phone, keys, &challenge)
    };

    // A phone that cannot attest (iOS, the CLI), a chain from another root, and attested
    // keys that sign without the user or for a while after any unlock: refused, no key left.
    let stranger = TestAuthority::new();
    let refusals = [
        platform(&store, None),
        platform(&store, Some(&stranger)),
        Platform { tweak: |d| d.no_auth_required = true, ..platform(&store, Some(&authority)) },
        Platform { tweak: |d| d.user_auth_type = None, ..platform(&store, Some(&authority)) },
        Platform { tweak: |d| d.auth_timeout = Some(60), ..platform(&store, Some(&authority)) },
        Platform { tweak: |d| d.security_level = 0, ..platform(&store, Some(&authority)) },
        Platform { tweak: |d| d.challenge = vec![1; 40], ..platform(&store, Some(&authority)) },
    ];
    for (i, keys) in refusals.iter().enumerate() {
        let mut attempt = Phone { keys: phone.keys.clone(), enrollment: phone.enrollment.clone() };
        assert_eq!(
            try_register(&mut attempt, keys),
            refused(ProviderCode::AttestationRefused),
            "{i}"
        );
    }
    assert!(!phone_signin_on(&env, "anna"));
    assert_eq!(phone.keys.aliases().len(), 1, "every refused key was deleted");
    // The phone's TEE attests a P-256 signing key that needs biometrics for each signature.
    let keys = platform(&store, Some(&authority));
    assert_eq!(try_register(&mut phone, &keys), Ok(()));
    assert!(phone_signin_on(&env, "anna"));
    assert_eq!(attested(&env, "anna").as_deref(), Some("android-key"), "listed as attested");
    let s = env.start("anna", Kind::Passwordless).unwrap();
    let r = phone.pending_one(&s.id);
    assert_eq!(phone.approve(&r, s.number), Ok(RespondOutcome::Approved));
}

#[test]
fn a_provider_with_android_settings_refuses_an_unlocked_old_or_foreign_phone_and_revoked_keys() {
    use nyckel_idp::testing::test_chain::{serial_of, TEST_PACKAGE, TEST_SIGNING_DIGEST};
    use nyckel_idp::{AndroidApp, AndroidKeyPolicy, RevocationFile};
    let authority = TestAuthority::new();
    let dir = tempfile::tempdir().unwrap();
    let status = dir.path().join("status.json");
    std::fs::write(&status, br#"{"entries": {"c8966fcb2fbb0d7a": {"status": "REVOKED"}}}"#)
        .unwrap();
    let android = AndroidKeyPolicy {
        roots: vec![authority.root()],
        revocations: Some(std::sync::Arc::new(RevocationFile::open(&status).unwrap())),
        require_verified_boot: true,
        apps: vec![AndroidApp {
            package: TEST_PACKAGE.into(),
            signing_cert_sha256: TEST_SIGNING_DIGEST,
        }],
        min_os_patch_level: Some(202_601),
    };
    let env = Env::with(|c| c.key_attestation.android = Some(android));
    let mut phone = Phone::enroll(&env.add_user("anna"));
    with_pin(&phone);
    let store = phone.keys.clone();
    let refusals = [
        Platform {
            tweak: |d| d.root_of_trust = Some((false, 0)),
            ..platform(&store, Some(&authority))
        },
        Platform {
            tweak: |d| d.os_patch_level = Some(202_501),
            ..platform(&store, Some(&authority))
        },
        Platform { tweak: |d| d.application_id = None, ..platform(&store, Some(&authority)) },
    ];
    for (i, keys) in refusals.iter().enumerate() {
        let challenge = phone.phone_signin_challenge().unwrap();
        assert_eq!(
            enable_with(&mut phone, keys, &challenge),
            refused(ProviderCode::AttestationRefused),
            "{i}"
        );
    }
    // A locked, verified, patched phone running the allowed app: accepted.
    let keys = platform(&store, Some(&authority));
    let challenge = phone.phone_signin_challenge().unwrap();
    assert_eq!(enable_with(&mut phone, &keys, &challenge), Ok(()));
    assert!(phone_signin_on(&env, "anna"));
    // Google revokes the test intermediate: the next registration is refused.
    let serial = serial_of(&authority.intermediate());
    let list = format!(r#"{{"entries": {{"{serial}": {{"status": "REVOKED"}}}}}}"#);
    std::fs::write(&status, list).unwrap();
    let challenge = phone.phone_signin_challenge().unwrap();
    assert_eq!(
        enable_with(&mut phone, &keys, &challenge),
        refused(ProviderCode::AttestationRefused)
    );
}

/// An iPhone's key store: the Secure Enclave key, then App Attest of the hash naming the
/// challenge and the key (`app_id` as the attested app), from a test authority.
struct Iphone<'a> {
    inner: &'a SoftwareKeyStore,
    authority: &'a TestAuthority,
    app_id: &'static str,
}

impl DeviceKeyStore for Iphone<'_> {
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
        let public_key = self.create_key(alias, true)?;
        let hash = wire::app_attest_client_data_hash(&challenge, &public_key);
        let object = self.authority.app_attest(&AppAttest::new(self.app_id, &hash));
        let format = wire::ATTESTATION_APPLE_APP_ATTEST.into();
        Ok(Some(AttestedKey { public_key, format, chain: vec![object] }))
    }
}

#[test]
fn a_provider_accepting_app_attest_registers_the_attested_apps_key() {
    let apple = TestAuthority::new();
    let env = Env::with(|c| {
        c.key_attestation.apple = Some(AppAttestPolicy {
            roots: vec![apple.root()],
            app_ids: vec!["ABCDE12345.app.nyckel".into()],
            development: false,
        })
    });
    let mut phone = Phone::enroll(&env.add_user("anna"));
    with_pin(&phone);
    let store = phone.keys.clone();
    // Another app's attestation, an Android chain, and none: refused.
    let other_app = Iphone { inner: &store, authority: &apple, app_id: "ABCDE12345.com.evil" };
    let android = TestAuthority::new();
    for keys in [
        &other_app as &dyn DeviceKeyStore,
        &platform(&store, Some(&android)),
        &platform(&store, None),
    ] {
        let challenge = phone.phone_signin_challenge().unwrap();
        assert_eq!(
            enable_with(&mut phone, keys, &challenge),
            refused(ProviderCode::AttestationRefused)
        );
    }
    assert!(!phone_signin_on(&env, "anna"));
    let ours = Iphone { inner: &store, authority: &apple, app_id: "ABCDE12345.app.nyckel" };
    let challenge = phone.phone_signin_challenge().unwrap();
    assert_eq!(enable_with(&mut phone, &ours, &challenge), Ok(()));
    assert_eq!(attested(&env, "anna").as_deref(), Some("apple-appattest"), "listed as attested");
    let s = env.start("anna", Kind::Passwordless).unwrap();
    let r = phone.pending_one(&s.id);
    assert_eq!(phone.approve(&r, s.number), Ok(RespondOutcome::Approved));
}

#[test]
fn without_the_requirement_an_ungated_key_still_registers() {
    // The documented limit (docs/security.md §5): a provider that does not require
    // attestation cannot tell a modified app's ungated key, which then sets the UV flag
    // itself. The challenge only makes each registration fresh.
    let env = Env::new();
    let mut phone = Phone::enroll(&env.add_user("anna"));
    let challenge = phone.phone_signin_challenge().unwrap();
    let store = phone.keys.clone();
    let ungated = Platform { ungated: true, ..platform(&store, None) };
    assert_eq!(enable_with(&mut phone, &ungated, &challenge), Ok(()));
    assert!(phone_signin_on(&env, "anna"));
    assert_eq!(attested(&env, "anna"), None, "nothing was verified: not listed as attested");
    let alias = phone.enrollment.phone_signin_key_alias().unwrap().to_owned();
    assert_eq!(phone.keys.is_user_verification_key(&alias), Some(false));
}

/// The `i`th `Nyckel-Nonce` of a hand-made request (16 bytes, b64url).
fn nonce(i: u8) -> String {
    wire::b64(&[i; 16])
}

/// `POST /nyckel/v1/phone-signin` exactly as an app built before the provider challenge sends
/// it (key-proof layout v1, §4.4): a new key of `keys` (created gated), its proof over
/// `nyckel-key-proof-v1\nDEVICE_ID\nPUBLIC_KEY\nNONCE` with `NONCE` this request's own
/// `Nyckel-Nonce` — or `proof_nonce` instead, to forge one — and no challenge. Returns the
/// request and the new key's alias and public key.
fn legacy_request(
    phone: &Phone,
    keys: &dyn DeviceKeyStore,
    nonce: &str,
    proof_nonce: &str,
) -> (p::HttpRequest, String, Vec<u8>) {
    let e = &phone.enrollment;
    let alias = format!("legacy-{nonce}");
    let public = keys.create_key(alias.clone(), true).unwrap();
    let pk = wire::b64(&public);
    let proof_msg = wire::legacy_key_proof_string(&e.device_id, &pk, proof_nonce);
    let proof = keys.sign(alias.clone(), proof_msg.into_bytes()).unwrap();
    let body =
        serde_json::to_vec(&serde_json::json!({"publicKey": pk, "keyProof": wire::b64(&proof)}))
            .unwrap();
    assert_eq!(e.base_url.matches('/').count(), 2, "a base URL without a path");
    let path = "/nyckel/v1/phone-signin";
    let ts = e.server_now(device_now()).to_string();
    let signed = wire::request_signed_string("POST", path, &e.device_id, &ts, nonce, &body);
    let sig = keys.sign(e.device_key_alias.clone(), signed.into_bytes()).unwrap();
    let req = p::HttpRequest {
        method: "POST".into(),
        url: format!("{}{path}", e.base_url),
        headers: vec![
            (wire::H_DEVICE.into(), e.device_id.clone()),
            (wire::H_TIMESTAMP.into(), ts),
            (wire::H_NONCE.into(), nonce.into()),
            (wire::H_SIGNATURE.into(), wire::b64(&sig)),
            ("Content-Type".into(), "application/json".into()),
        ],
        body,
    };
    (req, alias, public)
}

/// The credential id a `nyckel.phone-signin` answer names (read without verifying: the test
/// trusts its own provider).
fn credential_of(resp: &p::HttpResponse) -> String {
    let env: serde_json::Value = serde_json::from_slice(&resp.body).unwrap();
    let payload = wire::unb64(env["payload"].as_str().unwrap()).unwrap();
    let v: serde_json::Value = serde_json::from_slice(&payload).unwrap();
    assert_eq!(
        (v["typ"].as_str(), v["enabled"].as_bool()),
        (Some("nyckel.phone-signin"), Some(true))
    );
    v["credentialId"].as_str().unwrap().to_owned()
}

#[test]
fn an_app_built_before_the_challenge_registers_with_key_proof_layout_v1() {
    // Conformance (§4.4 "Key-proof layout v1", §15): without the attestation requirement the
    // provider accepts the old body, its proof bound to the request's single-use nonce.
    let env = Env::new();
    let mut phone = Phone::enroll(&env.add_user("anna"));
    with_pin(&phone);
    let keys = phone.keys.clone();

    // A proof over another nonce than the request's: not this request's, refused.
    let (forged, ..) = legacy_request(&phone, keys.as_ref(), &nonce(1), &nonce(2));
    let resp = send(&forged);
    let said = String::from_utf8_lossy(&resp.body).into_owned();
    assert_eq!((resp.status, error_code(&resp)), (401, "bad_signature".to_owned()), "{said}");
    assert!(!phone_signin_on(&env, "anna"));

    // The genuine old request: registered.
    let (req, alias, public) = legacy_request(&phone, keys.as_ref(), &nonce(3), &nonce(3));
    let resp = send(&req);
    assert_eq!(resp.status, 200, "{}", String::from_utf8_lossy(&resp.body));
    let credential_id = credential_of(&resp);
    assert!(phone_signin_on(&env, "anna"));
    // Replayed (the same nonce, so the same proof): refused as a replay, nothing changes.
    let again = send(&req);
    assert_eq!((again.status, error_code(&again)), (401, "replayed".to_owned()));

    // The key it registered approves a passwordless sign-in behind its PIN.
    phone.enrollment.phone_signin = Some(p::PhoneSignin {
        key_alias: alias,
        credential_id,
        public_key: wire::b64(&public),
        sign_count: 0,
    });
    let s = env.start("anna", Kind::Passwordless).unwrap();
    let r = phone.pending_one(&s.id);
    assert_eq!(phone.approve(&r, s.number), Ok(RespondOutcome::Approved));
}

#[test]
fn a_provider_requiring_attestation_tells_an_app_with_key_proof_v1_to_update() {
    // Layout v1 has no provider challenge, so nothing an attestation could name: where the
    // administrator requires attestation it is refused with the typed, documented code
    // `attestation_refused` and a message saying to update the app — never a bare 400.
    let authority = TestAuthority::new();
    let env =
        Env::with(|c| c.key_attestation = KeyAttestationPolicy::android(vec![authority.root()]));
    let phone = Phone::enroll(&env.add_user("anna"));
    with_pin(&phone);
    let (req, ..) = legacy_request(&phone, phone.keys.as_ref(), &nonce(4), &nonce(4));
    let resp = send(&req);
    assert_eq!((resp.status, error_code(&resp)), (403, "attestation_refused".to_owned()));
    let body: serde_json::Value = serde_json::from_slice(&resp.body).unwrap();
    assert!(body["message"].as_str().unwrap().contains("update the app"), "{body}");
    assert!(!phone_signin_on(&env, "anna"));
    // The same app with the current layout gets past the layout check (and is refused only
    // for want of an attestation, which its platform cannot give).
    let mut phone = phone;
    let challenge = phone.phone_signin_challenge().unwrap();
    let keys = phone.keys.clone();
    assert_eq!(
        enable_with(&mut phone, keys.as_ref(), &challenge),
        refused(ProviderCode::AttestationRefused)
    );
}
