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
    let alias = phone.enrollment.phone_signin_key_alias().unwrap().to_owned();
    assert_eq!(phone.keys.is_user_verification_key(&alias), Some(false));
}
