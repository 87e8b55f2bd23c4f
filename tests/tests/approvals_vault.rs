//! End-to-end over loopback: `nyckel_core::approvals::Approvals` — the protocol bound to the
//! encrypted vault — against an in-process `nyckel-idp`. Checks what must be persisted
//! (enrollments, OTP accounts, signature counters, clock offsets, keys, activity) and when,
//! and the flow rules every app gets from the core: no vault lock across the network or the
//! key store (re-entrant callbacks), compare-and-set counters under concurrent decisions,
//! key cleanup on every failure path, transport texts without nonces or signatures.

mod protocol_support;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{mpsc, Arc, Mutex, MutexGuard};
use std::time::Duration;

use nyckel_core::approvals::{ApprovalError, Approvals, HttpTransport};
use nyckel_core::protocol::keys::FixedPin;
use nyckel_core::protocol::{
    Decision, DeviceKeyStore, HttpRequest, HttpResponse, KeyStoreError, ProtocolError,
    ProviderCode, RespondOutcome, SoftwareKeyStore,
};
use nyckel_core::vault::{ActivityEvent, KdfParams, Vault, VaultError};
use protocol_support::*;

type Hook = Arc<dyn Fn() + Send + Sync>;

/// java.net.http / URLSession stand-in: executes the core's requests over loopback; can be
/// switched off, can run a hook (a re-entrant call) before each request, and records the
/// signature counter of every assertion sent.
#[derive(Default)]
struct Loopback {
    offline: AtomicBool,
    hook: Mutex<Option<Hook>>,
    counters_sent: Mutex<Vec<u32>>,
}

impl Loopback {
    fn new() -> Self {
        Loopback::default()
    }
}

impl HttpTransport for Loopback {
    fn execute(&self, request: HttpRequest) -> Result<HttpResponse, String> {
        let hook = self.hook.lock().unwrap().clone(); // not held while the hook runs
        if let Some(hook) = hook {
            hook();
        }
        if self.offline.load(Ordering::SeqCst) {
            return Err("network is unreachable".into());
        }
        assert!(request.url.starts_with("http://127.0.0.1:"), "tests only talk to loopback");
        if request.url.ends_with("/response") {
            let body: serde_json::Value = serde_json::from_slice(&request.body).unwrap();
            let auth =
                nyckel_core::protocol::wire::unb64(body["authenticatorData"].as_str().unwrap())
                    .unwrap();
            self.counters_sent
                .lock()
                .unwrap()
                .push(u32::from_be_bytes(auth[33..37].try_into().unwrap()));
        }
        nyckel_http::execute(&request).map_err(|e| e.to_string())
    }
}

/// A client whose error text quotes the request (as some platform errors do).
struct Chatty;

impl HttpTransport for Chatty {
    fn execute(&self, request: HttpRequest) -> Result<HttpResponse, String> {
        let headers: Vec<String> =
            request.headers.iter().map(|(n, v)| format!("{n}: {v}")).collect();
        Err(format!("failed {} {} [{}]", request.method, request.url, headers.join(", ")))
    }
}

/// The software store, able to fail key creation on demand and to run a hook (the
/// "biometric prompt") before each signature.
struct Keys {
    soft: SoftwareKeyStore,
    fail_create: Mutex<Option<KeyStoreError>>,
    on_sign: Mutex<Option<Hook>>,
}

impl DeviceKeyStore for Keys {
    fn create_key(&self, alias: String, user_verification: bool) -> Result<Vec<u8>, KeyStoreError> {
        if let Some(e) = self.fail_create.lock().unwrap().clone() {
            return Err(e);
        }
        self.soft.create_key(alias, user_verification)
    }
    fn public_key(&self, alias: String) -> Result<Vec<u8>, KeyStoreError> {
        self.soft.public_key(alias)
    }
    fn sign(&self, alias: String, message: Vec<u8>) -> Result<Vec<u8>, KeyStoreError> {
        let hook = self.on_sign.lock().unwrap().clone();
        if let Some(hook) = hook {
            hook();
        }
        self.soft.sign(alias, message)
    }
    fn delete_key(&self, alias: String) -> Result<(), KeyStoreError> {
        self.soft.delete_key(alias)
    }
}

/// A phone: the vault behind a mutex (as the FFI holds it), its key store and client.
struct Device {
    _dir: tempfile::TempDir,
    vault: Arc<Mutex<Vault>>,
    keys: Arc<Keys>,
    http: Arc<Loopback>,
}

impl Device {
    fn new() -> Device {
        let dir = tempfile::tempdir().unwrap();
        let vault =
            Vault::create(&dir.path().join("v.nyckel"), "lösenord för valvet", KdfParams::FLOOR)
                .unwrap();
        let keys = Keys {
            soft: SoftwareKeyStore::new(),
            fail_create: Mutex::new(None),
            on_sign: Mutex::new(None),
        };
        Device {
            _dir: dir,
            vault: Arc::new(Mutex::new(vault)),
            keys: Arc::new(keys),
            http: Arc::new(Loopback::new()),
        }
    }

    fn approvals(&self) -> Approvals<'_, Mutex<Vault>> {
        Approvals::new(&self.vault, self.keys.as_ref(), self.http.as_ref())
    }

    /// The vault itself (not held by the flows between their reads and writes).
    fn vault(&self) -> MutexGuard<'_, Vault> {
        self.vault.lock().unwrap()
    }

    fn aliases(&self) -> Vec<String> {
        self.keys.soft.aliases()
    }

    fn enroll(&self, env: &Env, name: &str) -> i64 {
        self.approvals().enroll(&env.add_user(name), "t", None, device_now()).unwrap().enrollment_id
    }

    /// (decision, result) of every logged sign-in decision, newest first.
    fn sign_ins(&self) -> Vec<(String, String)> {
        self.vault()
            .activity(100)
            .unwrap()
            .into_iter()
            .filter_map(|e| match e.event {
                ActivityEvent::SignIn { record, .. } => Some((record.decision, record.result)),
                _ => None,
            })
            .collect()
    }
}

fn pair(a: &str, b: &str) -> (String, String) {
    (a.into(), b.into())
}

#[test]
fn enrollment_with_an_otp_secret_stores_both_in_the_vault() {
    let env = Env::new();
    let uri = env.provider.add_user("anna@skane.se", Some("pw"), true).unwrap().enroll_uri;
    let d = Device::new();
    let enrolled = d.approvals().enroll(&uri, "Annas telefon", None, device_now()).unwrap();
    let account = enrolled.otp_account.expect("the QR carried an otpauth secret");
    assert_eq!(enrolled.enrollment.otp_account_id, Some(account.id));
    assert_eq!(d.vault().account(account.id).unwrap().params.name, "anna@skane.se");
    assert_eq!(d.vault().enrollments().unwrap().len(), 1);
    let log: Vec<ActivityEvent> =
        d.vault().activity(10).unwrap().into_iter().map(|e| e.event).collect();
    assert!(
        matches!(&log[0], ActivityEvent::Enrolled { account_name, .. } if account_name == "anna@skane.se")
    );
}

#[test]
fn approve_persists_the_counter_and_logs_the_context() {
    let env = Env::new();
    let uri = env.add_user("anna");
    let d = Device::new();
    let id = d.approvals().enroll(&uri, "Annas telefon", None, device_now()).unwrap().enrollment_id;
    let started = env.push("anna");
    let pending = d.approvals().pending(device_now()).unwrap();
    assert!(pending.failures.is_empty());
    let req = &pending.requests[0].request;
    assert_eq!((req.app.as_str(), req.location.as_str()), ("Webbmejl", "Malmö, SE"));
    let outcome = d
        .approvals()
        .decide(id, req, Decision::Approve { number: started.number }, device_now())
        .unwrap()
        .outcome;
    assert_eq!(outcome, RespondOutcome::Approved);
    assert_eq!(env.state(&started.id), "approved");
    assert_eq!(d.vault().enrollment(id).unwrap().enrollment.sign_count, 1);
    let log = d.vault().activity(1).unwrap();
    match &log[0].event {
        ActivityEvent::SignIn { record, .. } => {
            assert_eq!((record.decision.as_str(), record.result.as_str()), ("approve", "approved"));
            assert_eq!((record.app.as_str(), record.ip.as_str()), ("Webbmejl", "203.0.113.7"));
        }
        other => panic!("unexpected {other:?}"),
    }
}

#[test]
fn the_counter_is_committed_before_the_assertion_leaves_even_if_it_never_arrives() {
    let env = Env::new();
    let uri = env.add_user("anna");
    let d = Device::new();
    let id = d.approvals().enroll(&uri, "t", None, device_now()).unwrap().enrollment_id;
    let started = env.push("anna");
    let req = d.approvals().pending_for(id, device_now()).unwrap().remove(0).request;
    d.http.offline.store(true, Ordering::SeqCst);
    let err = d
        .approvals()
        .decide(id, &req, Decision::Approve { number: started.number }, device_now())
        .unwrap_err();
    assert!(matches!(err, ApprovalError::Transport(_)), "{err:?}");
    assert_eq!(
        d.vault().enrollment(id).unwrap().enrollment.sign_count,
        1,
        "a used counter value is never reused"
    );
    let log = d.vault().activity(1).unwrap();
    match &log[0].event {
        ActivityEvent::SignIn { record, .. } => assert_eq!(record.result, "not delivered"),
        other => panic!("unexpected {other:?}"),
    }
    // Back online, the next assertion uses count 2 and the provider accepts it.
    d.http.offline.store(false, Ordering::SeqCst);
    assert_eq!(
        d.approvals()
            .decide(id, &req, Decision::Approve { number: started.number }, device_now())
            .unwrap()
            .outcome,
        RespondOutcome::Approved
    );
    assert_eq!(d.vault().enrollment(id).unwrap().enrollment.sign_count, 2);
}

#[test]
fn a_wrong_number_is_logged_and_kills_the_request() {
    let env = Env::new();
    let uri = env.add_user("anna");
    let d = Device::new();
    let id = d.approvals().enroll(&uri, "t", None, device_now()).unwrap().enrollment_id;
    let started = env.push("anna");
    let req = d.approvals().pending_for(id, device_now()).unwrap().remove(0).request;
    let wrong = if started.number == 99 { 10 } else { started.number + 1 };
    let err = d
        .approvals()
        .decide(id, &req, Decision::Approve { number: wrong }, device_now())
        .unwrap_err();
    assert!(
        matches!(
            err,
            ApprovalError::Protocol(ProtocolError::Provider {
                code: ProviderCode::WrongNumber,
                ..
            })
        ),
        "{err:?}"
    );
    let err = d
        .approvals()
        .decide(id, &req, Decision::Approve { number: started.number }, device_now())
        .unwrap_err();
    assert!(
        matches!(
            err,
            ApprovalError::Protocol(ProtocolError::Provider { code: ProviderCode::NotPending, .. })
        ),
        "{err:?}"
    );
    assert_ne!(env.state(&started.id), "approved");
    let results: Vec<String> = d
        .vault()
        .activity(2)
        .unwrap()
        .into_iter()
        .filter_map(|e| match e.event {
            ActivityEvent::SignIn { record, .. } => Some(record.result),
            _ => None,
        })
        .collect();
    assert_eq!(results, ["not_pending", "wrong_number"]);
}

#[test]
fn a_device_clock_an_hour_off_is_corrected_from_signed_time_and_retried() {
    let env = Env::new();
    let uri = env.add_user("anna");
    let d = Device::new();
    let now = device_now();
    let id = d.approvals().enroll(&uri, "t", None, now).unwrap().enrollment_id;
    env.push("anna");
    // The phone's clock jumps an hour ahead after enrollment.
    let skewed = now + 3600;
    let list = d.approvals().pending_for(id, skewed).unwrap();
    assert_eq!(list.len(), 1);
    let offset = d.vault().enrollment(id).unwrap().enrollment.clock_offset;
    assert!((offset + 3600).abs() <= 2, "offset {offset}");
    assert!(list[0].seconds_left > 100, "expiry judged by provider time");
    assert!((d.approvals().sync_time(id, skewed).unwrap() + 3600).abs() <= 2);
}

#[test]
fn an_unreachable_provider_does_not_hide_the_others() {
    let env = Env::new();
    let other = Env::new();
    let d = Device::new();
    let a =
        d.approvals().enroll(&env.add_user("anna"), "t", None, device_now()).unwrap().enrollment_id;
    let b =
        d.approvals().enroll(&other.add_user("bo"), "t", None, device_now()).unwrap().enrollment_id;
    env.push("anna");
    drop(other); // provider b goes away
    let pending = d.approvals().pending(device_now()).unwrap();
    assert_eq!(pending.requests.len(), 1);
    assert_eq!(pending.requests[0].enrollment_id, a);
    assert_eq!(pending.failures.len(), 1);
    assert_eq!(pending.failures[0].0, b);
}

#[test]
fn phone_signin_is_persisted_and_approves_passwordless() {
    let env = Env::new();
    let uri = env.add_user("anna");
    let d = Device::new();
    let id = d.approvals().enroll(&uri, "t", None, device_now()).unwrap().enrollment_id;
    d.keys.soft.set_pin_source(Some(Arc::new(FixedPin::new("2468"))));
    d.approvals().enable_phone_signin(id, device_now()).unwrap();
    let e = d.vault().enrollment(id).unwrap().enrollment;
    assert!(e.phone_signin_enabled());
    let started = env.start("anna", Kind::Passwordless).unwrap();
    let req = d.approvals().pending_for(id, device_now()).unwrap().remove(0).request;
    // A wrong PIN: the key operation itself fails, nothing is sent.
    d.keys.soft.set_pin_source(Some(Arc::new(FixedPin::new("0000"))));
    let err = d
        .approvals()
        .decide(id, &req, Decision::Approve { number: started.number }, device_now())
        .unwrap_err();
    assert!(matches!(err, ApprovalError::Protocol(ProtocolError::KeyStore(_))), "{err:?}");
    assert_eq!(env.state(&started.id), "pending");
    d.keys.soft.set_pin_source(Some(Arc::new(FixedPin::new("2468"))));
    assert_eq!(
        d.approvals()
            .decide(id, &req, Decision::Approve { number: started.number }, device_now())
            .unwrap()
            .outcome,
        RespondOutcome::Approved
    );
    assert_eq!(env.state(&started.id), "approved");
    d.approvals().disable_phone_signin(id, device_now()).unwrap();
    assert!(!d.vault().enrollment(id).unwrap().enrollment.phone_signin_enabled());
    let toggles: Vec<bool> = d
        .vault()
        .activity(20)
        .unwrap()
        .into_iter()
        .filter_map(|e| match e.event {
            ActivityEvent::PhoneSignin { enabled, .. } => Some(enabled),
            _ => None,
        })
        .collect();
    assert_eq!(toggles, [false, true]);
}

#[test]
fn a_locked_vault_creates_no_key_and_removal_deletes_keys() {
    let env = Env::new();
    let d = Device::new();
    d.vault().lock();
    let err = d.approvals().enroll(&env.add_user("anna"), "t", None, device_now()).unwrap_err();
    assert!(matches!(err, ApprovalError::Vault(VaultError::Locked)));
    assert!(d.aliases().is_empty(), "no orphan device key");
    d.vault().unlock_with_passphrase("lösenord för valvet").unwrap();
    let enrolled = d.approvals().enroll(&env.add_user("bo"), "t", None, device_now()).unwrap();
    let alias = enrolled.enrollment.device_key_alias.clone();
    assert!(d.keys.soft.public_key(alias.clone()).is_ok());
    d.approvals().remove(enrolled.enrollment_id).unwrap();
    assert!(d.keys.soft.public_key(alias).is_err());
    assert!(d.vault().enrollments().unwrap().is_empty());
}

#[test]
fn a_failed_enrollment_leaves_no_key_and_nothing_stored() {
    let env = Env::new();
    let uri = env.add_user("anna");
    let d = Device::new();
    d.approvals().enroll(&uri, "t", None, device_now()).unwrap();
    let before = d.aliases().len();
    // The activation code is single-use.
    let err = d.approvals().enroll(&uri, "t", None, device_now()).unwrap_err();
    assert!(
        matches!(
            err,
            ApprovalError::Protocol(ProtocolError::Provider {
                code: ProviderCode::ActivationInvalid,
                ..
            })
        ),
        "{err:?}"
    );
    assert_eq!(d.aliases().len(), before);
    assert_eq!(d.vault().enrollments().unwrap().len(), 1);
}

#[test]
fn deny_and_report_are_sent_and_logged() {
    let env = Env::new();
    let d = Device::new();
    let id = d.enroll(&env, "anna");
    let s = env.push("anna");
    let req = d.approvals().pending_for(id, device_now()).unwrap().remove(0).request;
    assert_eq!(
        d.approvals().decide(id, &req, Decision::Deny, device_now()).unwrap().outcome,
        RespondOutcome::Denied
    );
    assert_eq!(env.state(&s.id), "denied");
    let s = env.push("anna");
    let req = d.approvals().pending_for(id, device_now()).unwrap().remove(0).request;
    assert_eq!(
        d.approvals().decide(id, &req, Decision::Report, device_now()).unwrap().outcome,
        RespondOutcome::Reported
    );
    assert_eq!(env.state(&s.id), "reported");
    assert_eq!(d.sign_ins(), vec![pair("report", "reported"), pair("deny", "denied")]);
}

#[test]
fn a_failed_key_creation_or_an_unreachable_provider_leaves_no_enrollment_key() {
    let env = Env::new();
    let d = Device::new();
    let uri = env.add_user("anna");
    *d.keys.fail_create.lock().unwrap() = Some(KeyStoreError::UserCancelled);
    let err = d.approvals().enroll(&uri, "t", None, device_now()).unwrap_err();
    assert!(
        matches!(
            err,
            ApprovalError::Protocol(ProtocolError::KeyStore(KeyStoreError::UserCancelled))
        ),
        "{err:?}"
    );
    *d.keys.fail_create.lock().unwrap() = None;
    d.http.offline.store(true, Ordering::SeqCst);
    let err = d.approvals().enroll(&uri, "t", None, device_now()).unwrap_err();
    assert!(matches!(err, ApprovalError::Transport(_)), "{err:?}");
    assert!(d.aliases().is_empty(), "the key of a failed enrollment is deleted");
    assert!(d.vault().enrollments().unwrap().is_empty());
    d.http.offline.store(false, Ordering::SeqCst);
    d.approvals().enroll(&uri, "t", None, device_now()).unwrap();
    assert_eq!(d.aliases().len(), 1);
}

#[test]
fn a_failed_phone_signin_activation_deletes_its_key_even_when_never_sent() {
    let env = Env::new();
    let d = Device::new();
    let id = d.enroll(&env, "anna");
    d.keys.soft.set_pin_source(Some(Arc::new(FixedPin::new("2468"))));
    // Unreachable provider: the new key was created and signed its proof, then never sent.
    d.http.offline.store(true, Ordering::SeqCst);
    let err = d.approvals().enable_phone_signin(id, device_now()).unwrap_err();
    assert!(matches!(err, ApprovalError::Transport(_)), "{err:?}");
    assert_eq!(d.aliases().len(), 1, "no phone sign-in key left behind");
    d.http.offline.store(false, Ordering::SeqCst);
    // The provider refuses (revoked device).
    let device = env_devices(&env, "anna")[0].device_id.clone();
    env.provider.revoke_device(&device).unwrap();
    let err = d.approvals().enable_phone_signin(id, device_now()).unwrap_err();
    assert!(
        matches!(
            err,
            ApprovalError::Protocol(ProtocolError::Provider {
                code: ProviderCode::DeviceRevoked | ProviderCode::UnknownDevice,
                ..
            })
        ),
        "{err:?}"
    );
    assert_eq!(d.aliases().len(), 1);
    assert!(!d.vault().enrollment(id).unwrap().enrollment.phone_signin_enabled());
    // Signed time needs no device.
    assert!(d.approvals().sync_time(id, device_now()).unwrap().abs() <= 2);
}

fn env_devices(env: &Env, name: &str) -> Vec<nyckel_idp::DeviceInfo> {
    env.provider.devices(name).unwrap()
}

#[test]
fn a_passwordless_request_needs_phone_signin_but_a_denial_does_not() {
    let env = Env::new();
    let d = Device::new();
    let id = d.enroll(&env, "anna");
    d.keys.soft.set_pin_source(Some(Arc::new(FixedPin::new("2468"))));
    d.approvals().enable_phone_signin(id, device_now()).unwrap();
    let s = env.start("anna", Kind::Passwordless).unwrap();
    let req = d.approvals().pending_for(id, device_now()).unwrap().remove(0).request;
    d.approvals().disable_phone_signin(id, device_now()).unwrap();
    assert_eq!(d.aliases().len(), 1, "the phone sign-in key is deleted");
    let err = d
        .approvals()
        .decide(id, &req, Decision::Approve { number: s.number }, device_now())
        .unwrap_err();
    assert!(
        matches!(err, ApprovalError::Protocol(ProtocolError::PhoneSigninNotEnabled)),
        "{err:?}"
    );
    assert!(d.sign_ins().is_empty(), "nothing signed, nothing logged");
    assert_eq!(
        d.approvals().decide(id, &req, Decision::Deny, device_now()).unwrap().outcome,
        RespondOutcome::Denied
    );
    assert_eq!(env.state(&s.id), "denied");
}

#[test]
fn push_token_updates_and_unenroll_tell_the_provider() {
    let env = Env::new();
    let d = Device::new();
    let id = d.enroll(&env, "anna");
    d.approvals().update_push_token(Some("push-2"), device_now()).unwrap();
    assert!(env_devices(&env, "anna")[0].has_push_token);
    d.approvals().update_push_token(None, device_now()).unwrap();
    assert!(!env_devices(&env, "anna")[0].has_push_token);
    let long = "x".repeat(5000);
    assert!(matches!(
        d.approvals().update_push_token(Some(&long), device_now()),
        Err(ApprovalError::PushTokenTooLong)
    ));

    d.keys.soft.set_pin_source(Some(Arc::new(FixedPin::new("2468"))));
    d.approvals().enable_phone_signin(id, device_now()).unwrap();
    let gone = d.approvals().unenroll(id, device_now()).unwrap();
    assert!(gone.provider.is_ok(), "{:?}", gone.provider);
    assert_eq!(gone.enrollment.account_name, "anna");
    assert!(d.aliases().is_empty(), "both keys deleted");
    assert!(d.vault().enrollments().unwrap().is_empty());
    assert!(env_devices(&env, "anna")[0].revoked_at.is_some(), "the provider was told");
    let log = d.vault().activity(1).unwrap();
    assert!(matches!(&log[0].event, ActivityEvent::EnrollmentRemoved { .. }));
    assert!(matches!(
        d.approvals().sync_time(id, device_now()),
        Err(ApprovalError::Vault(VaultError::EnrollmentNotFound(_)))
    ));

    // Unreachable provider: removed locally anyway, and the reason is returned.
    let id = d.enroll(&env, "bertil");
    d.http.offline.store(true, Ordering::SeqCst);
    let gone = d.approvals().unenroll(id, device_now()).unwrap();
    assert!(matches!(gone.provider, Err(ApprovalError::Transport(_))), "{:?}", gone.provider);
    assert!(d.vault().enrollments().unwrap().is_empty());
    assert!(d.aliases().is_empty());
    assert!(env_devices(&env, "bertil")[0].revoked_at.is_none());
}

#[test]
fn transport_errors_do_not_echo_nonces_signatures_or_queries() {
    let env = Env::new();
    let d = Device::new();
    let id = d.enroll(&env, "anna");
    let chatty = Approvals::new(d.vault.as_ref(), d.keys.as_ref(), &Chatty);
    let Err(ApprovalError::Transport(reason)) = chatty.sync_time(id, device_now()) else {
        panic!("expected Transport")
    };
    assert!(reason.contains("/nyckel/v1/time?…"), "{reason}");
    let Err(ApprovalError::Transport(failure)) = chatty.pending_for(id, device_now()) else {
        panic!("expected Transport")
    };
    assert!(failure.contains("Nyckel-Device"), "{failure}");
    assert!(
        failure.contains("Nyckel-Nonce: …") && failure.contains("Nyckel-Signature: …"),
        "{failure}"
    );
}

#[test]
fn callbacks_run_without_the_vault_lock_and_may_reenter() {
    let env = Env::new();
    let d = Device::new();
    d.vault()
        .add_uri(
            "otpauth://totp/ACME:jane?secret=JBSWY3DPEHPK3PXP&issuer=ACME",
            nyckel_core::vault::DuplicatePolicy::Reject,
        )
        .unwrap();
    let id = d.enroll(&env, "anna");
    let seen = Arc::new(Mutex::new(Vec::<String>::new()));
    // The hooks use the vault (and a second `Approvals` over it) while a flow is running:
    // with the vault mutex held across a callback this would deadlock.
    let (vault, log) = (d.vault.clone(), seen.clone());
    *d.http.hook.lock().unwrap() = Some(Arc::new(move || {
        let accounts = vault.lock().unwrap().accounts().unwrap().len();
        let enrollments = Approvals::new(vault.as_ref(), &SoftwareKeyStore::new(), &Chatty)
            .enrollments()
            .unwrap()
            .len();
        log.lock().unwrap().push(format!("http accounts={accounts} enrollments={enrollments}"));
    }));
    let (vault, log) = (d.vault.clone(), seen.clone());
    *d.keys.on_sign.lock().unwrap() = Some(Arc::new(move || {
        let locked = vault.lock().unwrap().is_locked();
        log.lock().unwrap().push(format!("sign locked={locked}"));
    }));
    let s = env.push("anna");
    let (vault, keys, http) = (d.vault.clone(), d.keys.clone(), d.http.clone());
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let a = Approvals::new(vault.as_ref(), keys.as_ref(), http.as_ref());
        let req = a.pending_for(id, device_now()).unwrap().remove(0).request;
        let _ = tx.send(
            a.decide(id, &req, Decision::Approve { number: s.number }, device_now())
                .map_err(|e| e.to_string()),
        );
    });
    let outcome = rx.recv_timeout(Duration::from_secs(60)).expect("no deadlock");
    assert_eq!(outcome.unwrap().outcome, RespondOutcome::Approved);
    let seen = seen.lock().unwrap().clone();
    assert!(seen.contains(&"http accounts=1 enrollments=1".to_owned()), "{seen:?}");
    assert!(seen.contains(&"sign locked=false".to_owned()), "{seen:?}");
    *d.http.hook.lock().unwrap() = None;
    *d.keys.on_sign.lock().unwrap() = None;
}

#[test]
fn concurrent_decisions_never_reuse_a_counter_value() {
    // Two decisions on one enrollment (an app's UI and its notification action). While the
    // approval's signature is "waiting for the user", the other one denies the same request:
    // the approval must sign again with the next counter value rather than send a value the
    // provider has already seen.
    let env = Env::new();
    let d = Device::new();
    let id = d.enroll(&env, "anna");
    let s = env.push("anna");
    let req = d.approvals().pending_for(id, device_now()).unwrap().remove(0).request;
    let armed = Arc::new(AtomicBool::new(true));
    let denied = Arc::new(Mutex::new(None));
    // A weak reference to the key store: no Arc cycle keys → hook → keys.
    let (flag, out, vault, keys, http, r) = (
        armed.clone(),
        denied.clone(),
        d.vault.clone(),
        Arc::downgrade(&d.keys),
        d.http.clone(),
        req.clone(),
    );
    *d.keys.on_sign.lock().unwrap() = Some(Arc::new(move || {
        if flag.swap(false, Ordering::SeqCst) {
            let keys = keys.upgrade().unwrap();
            let other = Approvals::new(vault.as_ref(), keys.as_ref(), http.as_ref());
            *out.lock().unwrap() = Some(
                other
                    .decide(id, &r, Decision::Deny, device_now())
                    .map(|a| a.outcome)
                    .map_err(|e| e.to_string()),
            );
        }
    }));
    let err = d
        .approvals()
        .decide(id, &req, Decision::Approve { number: s.number }, device_now())
        .unwrap_err();
    assert!(
        matches!(
            err,
            ApprovalError::Protocol(ProtocolError::Provider { code: ProviderCode::NotPending, .. })
        ),
        "{err:?}"
    );
    assert_eq!(denied.lock().unwrap().clone(), Some(Ok(RespondOutcome::Denied)));
    assert_eq!(env.state(&s.id), "denied");
    let device = env_devices(&env, "anna")[0].device_id.clone();
    let provider_count = env.sign_count(&device);
    assert_eq!(provider_count, 1, "the provider accepted counter 1 (the deny)");
    assert_eq!(
        *d.http.counters_sent.lock().unwrap(),
        vec![1, 2],
        "the approval signed again with the next value"
    );
    assert_eq!(d.vault().enrollment(id).unwrap().enrollment.sign_count, 2);
    assert_eq!(d.sign_ins(), vec![pair("approve", "not_pending"), pair("deny", "denied")]);
    *d.keys.on_sign.lock().unwrap() = None;
}
