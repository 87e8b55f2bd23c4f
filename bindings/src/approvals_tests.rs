//! Rust-side tests of `NyckelApprovals` against an in-process `nyckel-idp` on loopback (the
//! Kotlin and Swift suites run the same flows through the FFI against a `nyckel-idp serve`
//! process, with key stores and HTTP clients written in those languages).
//!
//! The flow rules themselves (counter compare-and-set under concurrent decisions, logging,
//! clock-skew retry, key cleanup, redaction) live in `nyckel_core::approvals` and are tested
//! there and in `tests/tests/approvals_vault.rs`; these tests check what the FFI adds: the
//! records, the error mapping, the request cache, the closed vault, and re-entrant foreign
//! callbacks.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{mpsc, Arc, Mutex};
use std::time::Duration;

use nyckel_idp::{
    Config, DeviceInfo, Provider, RequestKind as Kind, ServerHandle, SigninFrom, Started,
};

use crate::approvals::{NyckelApprovals, RemovedEnrollment, SignInOutcome};
use crate::error::{DeviceKeyError, HttpError, NyckelError};
use crate::http::{HttpClient, HttpHeader, HttpRequest, HttpResponse};
use crate::keys::{AttestationFormat, AttestedKey, DeviceKeyStore, SoftwareDeviceKeyStore};
use crate::vault::{kdf_minimum, ActivityEvent, NyckelVault};
use nyckel_core::{ErrorKind, NextStep};
use nyckel_idp::testing::test_chain::{Description, TestAuthority};
use nyckel_idp::KeyAttestationPolicy;

/// The provider: an in-process `nyckel-idp` with its own database, driven through its
/// public API as its administrator and sign-in page would.
struct Idp {
    _dir: tempfile::TempDir,
    provider: Provider,
    _server: ServerHandle,
}

impl Idp {
    fn new() -> Idp {
        Idp::with(Config::default())
    }

    fn with(config: Config) -> Idp {
        let dir = tempfile::tempdir().unwrap();
        let provider = Provider::open(dir.path().join("idp.db"), config).unwrap();
        let server = provider.spawn("127.0.0.1:0").unwrap();
        Idp { _dir: dir, provider, _server: server }
    }

    fn add_user(&self, name: &str, totp: bool) -> String {
        self.provider.add_user(name, Some("lösenord"), totp).unwrap().enroll_uri
    }

    fn start(&self, name: &str, kind: Kind) -> Started {
        let from = SigninFrom {
            app: "Webbmejl".into(),
            ip: "203.0.113.7".into(),
            location: "Malmö, SE".into(),
        };
        self.provider.start_signin(name, kind, &from).unwrap()
    }

    fn state(&self, id: &str) -> String {
        self.provider.signin_status(id).unwrap().state
    }

    fn devices(&self, name: &str) -> Vec<DeviceInfo> {
        self.provider.devices(name).unwrap()
    }
}

type Hook = Arc<dyn Fn() + Send + Sync>;

/// The app's HTTP client, in Rust: loopback only, can be switched off, can run a hook (a
/// re-entrant call) before each request.
#[derive(Default)]
struct Loopback {
    offline: AtomicBool,
    requests: AtomicUsize,
    hook: Mutex<Option<Hook>>,
    /// Answers 404 `not_found` (as a provider does for an unknown path or request) to
    /// requests whose URL path ends with this.
    not_found: Mutex<Option<&'static str>>,
}

impl HttpClient for Loopback {
    fn execute(&self, request: HttpRequest) -> Result<HttpResponse, HttpError> {
        let hook = self.hook.lock().unwrap().clone(); // not held while the hook runs
        if let Some(hook) = hook {
            hook();
        }
        if self.offline.load(Ordering::SeqCst) {
            return Err(HttpError::Unreachable { reason: "network is unreachable".into() });
        }
        self.requests.fetch_add(1, Ordering::SeqCst);
        assert!(request.url.starts_with("http://127.0.0.1:"), "tests only talk to loopback");
        if self.not_found.lock().unwrap().is_some_and(|suffix| request.url.ends_with(suffix)) {
            let body = br#"{"error":"not_found","message":"not found"}"#.to_vec();
            return Ok(HttpResponse { status: 404, headers: vec![], body });
        }
        let core = nyckel_core::protocol::HttpRequest {
            method: request.method,
            url: request.url,
            headers: request.headers.into_iter().map(|h| (h.name, h.value)).collect(),
            body: request.body,
        };
        let r = nyckel_http::execute(&core).map_err(|reason| HttpError::Unreachable { reason })?;
        Ok(HttpResponse {
            status: r.status,
            headers: r
                .headers
                .into_iter()
                .map(|(name, value)| HttpHeader { name, value })
                .collect(),
            body: r.body,
        })
    }
}

/// A device key store that delegates to the software store but can fail on demand and
/// records which aliases signed.
struct Keys {
    soft: Arc<SoftwareDeviceKeyStore>,
    fail_create: Mutex<Option<DeviceKeyError>>,
    signed: Mutex<Vec<String>>,
    on_sign: Mutex<Option<Hook>>,
    /// The authority whose test chain `create_attested_key` returns (`None`: cannot attest),
    /// and the challenges it was asked to attest.
    attest: Mutex<Option<Arc<TestAuthority>>>,
    attested: Mutex<Vec<Vec<u8>>>,
}

impl Keys {
    fn new(pin: &str) -> Arc<Keys> {
        Arc::new(Keys {
            soft: SoftwareDeviceKeyStore::new(pin.into()),
            fail_create: Mutex::new(None),
            signed: Mutex::new(vec![]),
            on_sign: Mutex::new(None),
            attest: Mutex::new(None),
            attested: Mutex::new(vec![]),
        })
    }
}

impl DeviceKeyStore for Keys {
    fn create_key(
        &self,
        alias: String,
        user_verification: bool,
    ) -> Result<Vec<u8>, DeviceKeyError> {
        if let Some(e) = self.fail_create.lock().unwrap().clone() {
            return Err(e);
        }
        self.soft.create_key(alias, user_verification)
    }
    fn public_key(&self, alias: String) -> Result<Vec<u8>, DeviceKeyError> {
        self.soft.public_key(alias)
    }
    fn sign(&self, alias: String, message: Vec<u8>) -> Result<Vec<u8>, DeviceKeyError> {
        let hook = self.on_sign.lock().unwrap().clone();
        if let Some(hook) = hook {
            hook();
        }
        self.signed.lock().unwrap().push(alias.clone());
        self.soft.sign(alias, message)
    }
    fn delete_key(&self, alias: String) -> Result<(), DeviceKeyError> {
        self.soft.delete_key(alias)
    }
    fn create_attested_key(
        &self,
        alias: String,
        challenge: Vec<u8>,
    ) -> Result<Option<AttestedKey>, DeviceKeyError> {
        let Some(authority) = self.attest.lock().unwrap().clone() else { return Ok(None) };
        let public_key = self.soft.create_key(alias, true)?;
        let chain = authority.chain(&public_key, &Description::for_challenge(&challenge));
        self.attested.lock().unwrap().push(challenge);
        Ok(Some(AttestedKey { public_key, format: AttestationFormat::AndroidKey, chain }))
    }
}

struct Phone {
    _dir: tempfile::TempDir,
    vault: Arc<NyckelVault>,
    keys: Arc<Keys>,
    http: Arc<Loopback>,
    approvals: Arc<NyckelApprovals>,
}

impl Phone {
    fn new() -> Phone {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("vault.nyckel").display().to_string();
        let vault = NyckelVault::create(path, "correct horse".into(), Some(kdf_minimum())).unwrap();
        let keys = Keys::new("2468");
        let http = Arc::new(Loopback::default());
        let approvals = NyckelApprovals::new(vault.clone(), keys.clone(), http.clone());
        Phone { _dir: dir, vault, keys, http, approvals }
    }

    fn enroll(&self, idp: &Idp, name: &str) -> i64 {
        self.approvals
            .enroll(idp.add_user(name, false), "Annas telefon".into(), Some("push-1".into()))
            .unwrap()
            .id
    }

    fn sign_ins(&self) -> Vec<(String, String, bool)> {
        self.vault
            .activity(100)
            .unwrap()
            .into_iter()
            .filter_map(|a| match a.event {
                ActivityEvent::SignIn { decision, result, passwordless, .. } => {
                    Some((decision, result, passwordless))
                }
                _ => None,
            })
            .collect()
    }
}

#[test]
fn enroll_fetch_approve_with_the_number_and_log_the_context() {
    let idp = Idp::new();
    let phone = Phone::new();
    let enrolled =
        phone.approvals.enroll(idp.add_user("anna", true), "Annas telefon".into(), None).unwrap();
    assert_eq!(enrolled.account_name, "anna");
    assert!(enrolled.otp_account_id.is_some(), "the code carried an OTP secret");
    assert!(!enrolled.phone_signin_enabled);
    assert_eq!(phone.approvals.enrollments().unwrap(), vec![enrolled.clone()]);
    assert_eq!(phone.vault.accounts().unwrap().len(), 1);
    assert!(
        matches!(&phone.vault.activity(1).unwrap()[0].event, ActivityEvent::Enrolled { account_name, .. } if account_name == "anna")
    );

    let started = idp.start("anna", Kind::Push);
    let pending = phone.approvals.pending_requests().unwrap();
    assert!(pending.failures.is_empty());
    let r = &pending.requests[0];
    assert_eq!(
        (r.request_id.as_str(), r.app.as_str(), r.ip.as_str(), r.location.as_str()),
        (started.id.as_str(), "Webbmejl", "203.0.113.7", "Malmö, SE")
    );
    assert_eq!(
        (r.enrollment_id, r.account_name.as_str(), r.passwordless),
        (enrolled.id, "anna", false)
    );
    assert!(r.seconds_left > 100 && r.seconds_left <= 120, "{}", r.seconds_left);

    assert_eq!(
        phone.approvals.approve(started.id.clone(), started.number).unwrap(),
        SignInOutcome::Approved
    );
    assert_eq!(idp.state(&started.id), "approved");
    assert_eq!(phone.sign_ins(), vec![("approve".into(), "approved".into(), false)]);
    match &phone.vault.activity(1).unwrap()[0].event {
        ActivityEvent::SignIn { enrollment_id, app, location, ip, account_name, .. } => {
            assert_eq!(
                (
                    *enrollment_id,
                    app.as_str(),
                    location.as_str(),
                    ip.as_str(),
                    account_name.as_str()
                ),
                (enrolled.id, "Webbmejl", "Malmö, SE", "203.0.113.7", "anna")
            );
        }
        other => panic!("unexpected {other:?}"),
    }
    // Answered: gone from the cache.
    assert_eq!(
        phone.approvals.approve(started.id, started.number),
        Err(NyckelError::RequestNotFound)
    );
}

#[test]
fn wrong_number_kills_the_request_and_bad_input_sends_nothing() {
    let idp = Idp::new();
    let phone = Phone::new();
    phone.enroll(&idp, "anna");
    let started = idp.start("anna", Kind::Push);
    assert_eq!(
        phone.approvals.approve(started.id.clone(), started.number),
        Err(NyckelError::RequestNotFound),
        "not fetched yet"
    );
    phone.approvals.pending_requests().unwrap();
    let sent = phone.http.requests.load(Ordering::SeqCst);
    assert_eq!(phone.approvals.approve(started.id.clone(), 9), Err(NyckelError::InvalidNumber));
    assert_eq!(phone.approvals.approve(started.id.clone(), 100), Err(NyckelError::InvalidNumber));
    assert_eq!(
        phone.http.requests.load(Ordering::SeqCst),
        sent,
        "nothing sent for an invalid number"
    );
    let wrong = if started.number == 99 { 10 } else { started.number + 1 };
    assert_eq!(phone.approvals.approve(started.id.clone(), wrong), Err(NyckelError::WrongNumber));
    assert_eq!(idp.state(&started.id), "wrong_number");
    assert!(phone.approvals.pending_requests().unwrap().requests.is_empty(), "the request is dead");
    assert_eq!(phone.sign_ins(), vec![("approve".into(), "wrong_number".into(), false)]);
    let e = NyckelError::WrongNumber.to_string();
    assert!(!e.contains(&started.number.to_string()) && !e.contains(&wrong.to_string()));
}

#[test]
fn deny_and_report() {
    let idp = Idp::new();
    let phone = Phone::new();
    phone.enroll(&idp, "anna");
    let s = idp.start("anna", Kind::Push);
    phone.approvals.pending_requests().unwrap();
    assert_eq!(phone.approvals.deny(s.id.clone()).unwrap(), SignInOutcome::Denied);
    assert_eq!(idp.state(&s.id), "denied");
    let s = idp.start("anna", Kind::Push);
    phone.approvals.pending_requests().unwrap();
    idp.provider.set_helpdesk("IT-support 040-123 45 67").unwrap();
    let before = nyckel_core::clock::system_unix_time().unwrap();
    let reported = phone.approvals.report(s.id.clone()).unwrap();
    assert_eq!(idp.state(&s.id), "reported");
    // Until when (the provider's default hour, on the phone's clock) and whom to contact.
    let until = reported.blocked_until.expect("the provider says until when");
    assert!((before + 3600..=before + 3605).contains(&until), "{until} vs {before}");
    assert_eq!(reported.contact.as_deref(), Some("IT-support 040-123 45 67"));
    assert_eq!(
        phone.sign_ins(),
        vec![("report".into(), "reported".into(), false), ("deny".into(), "denied".into(), false)]
    );
}

#[test]
fn phone_signin_uses_the_uv_key_and_a_failed_prompt_leaves_the_request_pending() {
    let idp = Idp::new();
    let phone = Phone::new();
    let id = phone.enroll(&idp, "anna");
    phone.approvals.enable_phone_signin(id).unwrap();
    assert!(phone.approvals.enrollments().unwrap()[0].phone_signin_enabled);
    assert!(idp.devices("anna")[0].phone_signin);
    assert_eq!(phone.keys.soft.aliases().len(), 2);

    let s = idp.start("anna", Kind::Passwordless);
    let pending = phone.approvals.pending_requests().unwrap();
    assert!(pending.requests[0].passwordless);
    phone.keys.soft.set_pin(Some("0000".into()));
    assert_eq!(
        phone.approvals.approve(s.id.clone(), s.number),
        Err(NyckelError::UserVerificationFailed)
    );
    phone.keys.soft.set_pin(None);
    assert_eq!(phone.approvals.approve(s.id.clone(), s.number), Err(NyckelError::UserCancelled));
    assert_eq!(idp.state(&s.id), "pending");
    assert!(phone.sign_ins().is_empty(), "nothing was sent, nothing decided");
    phone.keys.soft.set_pin(Some("2468".into()));
    phone.keys.signed.lock().unwrap().clear();
    assert_eq!(phone.approvals.approve(s.id.clone(), s.number).unwrap(), SignInOutcome::Approved);
    assert_eq!(idp.state(&s.id), "approved");
    let signed = phone.keys.signed.lock().unwrap().clone();
    assert!(signed.iter().any(|a| a.contains("-phone-")), "{signed:?}");
    assert_eq!(phone.sign_ins(), vec![("approve".into(), "approved".into(), true)]);

    phone.approvals.disable_phone_signin(id).unwrap();
    assert!(!phone.approvals.enrollments().unwrap()[0].phone_signin_enabled);
    assert_eq!(phone.keys.soft.aliases().len(), 1, "the phone sign-in key is deleted");
    let toggles: Vec<bool> = phone
        .vault
        .activity(100)
        .unwrap()
        .into_iter()
        .filter_map(|a| match a.event {
            ActivityEvent::PhoneSignin { enabled, .. } => Some(enabled),
            _ => None,
        })
        .collect();
    assert_eq!(toggles, vec![false, true]);
}

#[test]
fn locked_vault_creates_no_key_and_failed_enrollments_delete_theirs() {
    let idp = Idp::new();
    let phone = Phone::new();
    let uri = idp.add_user("anna", false);
    phone.vault.lock().unwrap();
    assert_eq!(phone.approvals.enroll(uri.clone(), "t".into(), None), Err(NyckelError::Locked));
    assert!(phone.keys.soft.aliases().is_empty());
    phone.vault.unlock_with_passphrase("correct horse".into()).unwrap();

    phone.http.offline.store(true, Ordering::SeqCst);
    assert!(matches!(
        phone.approvals.enroll(uri.clone(), "t".into(), None),
        Err(NyckelError::ProviderUnreachable { .. })
    ));
    assert!(phone.keys.soft.aliases().is_empty(), "the key of a failed enrollment is deleted");
    phone.http.offline.store(false, Ordering::SeqCst);

    *phone.keys.fail_create.lock().unwrap() = Some(DeviceKeyError::UserCancelled);
    assert_eq!(
        phone.approvals.enroll(uri.clone(), "t".into(), None),
        Err(NyckelError::UserCancelled)
    );
    *phone.keys.fail_create.lock().unwrap() =
        Some(DeviceKeyError::Unavailable { reason: "StrongBox busy".into() });
    assert_eq!(
        phone.approvals.enroll(uri.clone(), "t".into(), None),
        Err(NyckelError::DeviceKeyUnavailable { reason: "StrongBox busy".into() })
    );
    *phone.keys.fail_create.lock().unwrap() = None;

    assert!(matches!(
        phone.approvals.enroll("nyckel-enroll://v1?x=1".into(), "t".into(), None),
        Err(NyckelError::InvalidEnrollmentCode { .. })
    ));
    phone.approvals.enroll(uri.clone(), "t".into(), None).unwrap();
    // The activation code is single use.
    assert!(matches!(
        phone.approvals.enroll(uri, "t".into(), None),
        Err(NyckelError::InvalidEnrollmentCode { .. })
    ));
    assert_eq!(phone.keys.soft.aliases().len(), 1);
    assert_eq!(phone.approvals.enrollments().unwrap().len(), 1);
}

#[test]
fn unreachable_provider_commits_the_counter_and_logs_not_delivered() {
    let idp = Idp::new();
    let phone = Phone::new();
    phone.enroll(&idp, "anna");
    let s = idp.start("anna", Kind::Push);
    phone.approvals.pending_requests().unwrap();
    phone.http.offline.store(true, Ordering::SeqCst);
    assert!(matches!(
        phone.approvals.approve(s.id.clone(), s.number),
        Err(NyckelError::ProviderUnreachable { .. })
    ));
    assert_eq!(phone.sign_ins(), vec![("approve".into(), "not delivered".into(), false)]);
    // Fetch failures are listed beside (here: instead of) the requests.
    let pending = phone.approvals.pending_requests().unwrap();
    assert_eq!(pending.failures.len(), 1);
    assert!(pending.failures[0].reason.contains("unreachable"), "{}", pending.failures[0].reason);
    phone.http.offline.store(false, Ordering::SeqCst);
    phone.approvals.pending_requests().unwrap();
    // The next assertion uses the next counter value; the provider accepts it.
    assert_eq!(phone.approvals.approve(s.id.clone(), s.number).unwrap(), SignInOutcome::Approved);
}

#[test]
fn callbacks_run_without_the_lock_and_may_reenter() {
    let idp = Idp::new();
    let phone = Phone::new();
    phone
        .vault
        .add_uri("otpauth://totp/ACME:jane?secret=JBSWY3DPEHPK3PXP&issuer=ACME".into(), false)
        .unwrap();
    phone.enroll(&idp, "anna");
    let seen = Arc::new(Mutex::new(Vec::<String>::new()));
    // Weak references: no Arc cycle phone.approvals → http → hook → approvals.
    let (v, a) = (Arc::downgrade(&phone.vault), Arc::downgrade(&phone.approvals));
    let log = seen.clone();
    *phone.http.hook.lock().unwrap() = Some(Arc::new(move || {
        let (v, a) = (v.upgrade().unwrap(), a.upgrade().unwrap());
        log.lock().unwrap().push(format!(
            "http accounts={} enrollments={}",
            v.accounts().unwrap().len(),
            a.enrollments().unwrap().len()
        ));
    }));
    let (v, a) = (Arc::downgrade(&phone.vault), Arc::downgrade(&phone.approvals));
    let log = seen.clone();
    *phone.keys.on_sign.lock().unwrap() = Some(Arc::new(move || {
        let (v, a) = (v.upgrade().unwrap(), a.upgrade().unwrap());
        log.lock().unwrap().push(format!(
            "sign locked={} enrollments={}",
            v.is_locked().unwrap(),
            a.enrollments().unwrap().len()
        ));
    }));
    let s = idp.start("anna", Kind::Push);
    let approvals = phone.approvals.clone();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        approvals.pending_requests().unwrap();
        let _ = tx.send(approvals.approve(s.id, s.number));
    });
    let outcome = rx.recv_timeout(Duration::from_secs(60)).expect("no deadlock");
    assert_eq!(outcome.unwrap(), SignInOutcome::Approved);
    let seen = seen.lock().unwrap().clone();
    assert!(seen.contains(&"http accounts=1 enrollments=1".to_owned()), "{seen:?}");
    assert!(seen.contains(&"sign locked=false enrollments=1".to_owned()), "{seen:?}");
    *phone.http.hook.lock().unwrap() = None;
    *phone.keys.on_sign.lock().unwrap() = None;
}

#[test]
fn sync_time_push_token_and_remove_with_unenroll() {
    let idp = Idp::new();
    let phone = Phone::new();
    let id = phone.enroll(&idp, "anna");
    assert!(phone.approvals.sync_time(id).unwrap().abs() <= 2);
    phone.approvals.update_push_token(Some("push-2".into())).unwrap();
    assert!(idp.devices("anna")[0].has_push_token);
    phone.approvals.update_push_token(None).unwrap();
    assert!(!idp.devices("anna")[0].has_push_token);
    assert!(matches!(
        phone.approvals.update_push_token(Some("x".repeat(5000))),
        Err(NyckelError::InvalidInput { .. })
    ));

    phone.approvals.enable_phone_signin(id).unwrap();
    let removed = phone.approvals.remove_enrollment(id).unwrap();
    assert_eq!(removed, RemovedEnrollment { provider_revoked: true, provider_failure: None });
    assert!(phone.approvals.enrollments().unwrap().is_empty());
    assert!(phone.keys.soft.aliases().is_empty(), "both keys deleted");
    assert!(idp.devices("anna")[0].revoked_at.is_some(), "the provider was told");
    assert!(matches!(
        &phone.vault.activity(1).unwrap()[0].event,
        ActivityEvent::EnrollmentRemoved { .. }
    ));
    assert_eq!(phone.approvals.sync_time(id), Err(NyckelError::EnrollmentNotFound { id }));

    // Unreachable provider: removed locally anyway.
    let id = phone.enroll(&idp, "bertil");
    phone.http.offline.store(true, Ordering::SeqCst);
    let removed = phone.approvals.remove_enrollment(id).unwrap();
    assert!(!removed.provider_revoked);
    // The provider's answer is not dropped: the app says why the device stays listed.
    let failure = removed.provider_failure.expect("why the provider was not told");
    assert_eq!((failure.enrollment_id, failure.kind), (id, ErrorKind::ProviderUnreachable));
    assert_eq!(failure.next_step, NextStep::TryLater);
    assert!(phone.approvals.enrollments().unwrap().is_empty());
    assert!(idp.devices("bertil")[0].revoked_at.is_none());
}

#[test]
fn a_revoked_device_is_told_so() {
    let idp = Idp::new();
    let phone = Phone::new();
    let id = phone.enroll(&idp, "anna");
    let device = idp.devices("anna")[0].device_id.clone();
    idp.provider.revoke_device(&device).unwrap();
    let pending = phone.approvals.pending_requests().unwrap();
    assert_eq!(pending.failures[0].enrollment_id, id);
    assert_eq!(pending.failures[0].reason, NyckelError::DeviceRevoked.to_string());
    assert_eq!(phone.approvals.sync_time(id).map(|_| ()), Ok(()), "signed time needs no device");
    assert_eq!(phone.approvals.enable_phone_signin(id), Err(NyckelError::DeviceRevoked));
    assert_eq!(
        phone.keys.soft.aliases().len(),
        1,
        "the phone sign-in key of a failed activation is deleted"
    );
    phone.http.offline.store(true, Ordering::SeqCst);
    assert!(matches!(
        phone.approvals.enable_phone_signin(id),
        Err(NyckelError::ProviderUnreachable { .. })
    ));
    assert_eq!(
        phone.keys.soft.aliases().len(),
        1,
        "also when the activation never reached the provider"
    );
}

#[test]
fn passwordless_without_phone_signin_and_closed_vault() {
    let idp = Idp::new();
    let phone = Phone::new();
    let id = phone.enroll(&idp, "anna");
    // Enabled on the provider, then cleared locally by a second phone... simulate: enable,
    // fetch the passwordless request, disable, answer from the stale list.
    phone.approvals.enable_phone_signin(id).unwrap();
    let s = idp.start("anna", Kind::Passwordless);
    phone.approvals.pending_requests().unwrap();
    phone.approvals.disable_phone_signin(id).unwrap();
    assert_eq!(
        phone.approvals.approve(s.id.clone(), s.number),
        Err(NyckelError::PhoneSigninNotEnabled)
    );
    // Denying needs no phone sign-in key.
    assert_eq!(phone.approvals.deny(s.id).unwrap(), SignInOutcome::Denied);
    phone.vault.close_vault();
    assert_eq!(phone.approvals.enrollments(), Err(NyckelError::Closed));
    assert_eq!(phone.approvals.pending_requests(), Err(NyckelError::Closed));
}

#[test]
fn software_store_keys_are_p256_and_uv_keys_need_the_pin() {
    let s = SoftwareDeviceKeyStore::new("1234".into());
    let pk = s.create_key("a".into(), false).unwrap();
    assert_eq!((pk.len(), pk[0]), (65, 4));
    assert_eq!(s.create_key("a".into(), false), Err(DeviceKeyError::AlreadyExists));
    assert_eq!(s.public_key("b".into()), Err(DeviceKeyError::NotFound));
    s.create_key("uv".into(), true).unwrap();
    s.sign("uv".into(), b"m".to_vec()).unwrap();
    s.set_pin(Some("9999".into()));
    assert_eq!(s.sign("uv".into(), b"m".to_vec()), Err(DeviceKeyError::UserVerificationFailed));
    s.sign("a".into(), b"m".to_vec()).unwrap();
    s.delete_key("a".into()).unwrap();
    s.delete_key("a".into()).unwrap();
    assert_eq!(s.aliases(), vec!["uv".to_owned()]);
}

/// A client whose error text quotes the request (as some platform errors do).
struct Chatty;

impl HttpClient for Chatty {
    fn execute(&self, request: HttpRequest) -> Result<HttpResponse, HttpError> {
        let headers: Vec<String> =
            request.headers.iter().map(|h| format!("{}: {}", h.name, h.value)).collect();
        Err(HttpError::Unreachable {
            reason: format!("failed {} {} [{}]", request.method, request.url, headers.join(", ")),
        })
    }
}

#[test]
fn transport_errors_do_not_echo_nonces_or_signatures() {
    let idp = Idp::new();
    let phone = Phone::new();
    let id = phone.enroll(&idp, "anna");
    let chatty = NyckelApprovals::new(phone.vault.clone(), phone.keys.clone(), Arc::new(Chatty));
    let Err(NyckelError::ProviderUnreachable { reason }) = chatty.sync_time(id) else {
        panic!("expected ProviderUnreachable")
    };
    assert!(reason.contains("/nyckel/v1/time?…"), "{reason}");
    let failure = chatty.pending_requests().unwrap().failures.remove(0).reason;
    assert!(failure.contains("Nyckel-Device"), "{failure}");
    assert!(
        failure.contains("Nyckel-Nonce: …") && failure.contains("Nyckel-Signature: …"),
        "{failure}"
    );
}

#[test]
fn approval_errors_map_to_the_exported_errors() {
    use nyckel_core::approvals::ApprovalError;
    use nyckel_core::vault::VaultError;
    assert_eq!(NyckelError::from(ApprovalError::Closed), NyckelError::Closed);
    assert_eq!(NyckelError::from(ApprovalError::Vault(VaultError::Locked)), NyckelError::Locked);
    assert_eq!(
        NyckelError::from(ApprovalError::Transport("network is unreachable".into())),
        NyckelError::ProviderUnreachable { reason: "network is unreachable".into() }
    );
    // Lost the counter race to other decisions: not a key problem, and nothing was sent, so
    // the request is still answerable (it is not "not pending": that ends the request).
    let busy = NyckelError::from(ApprovalError::Conflict);
    assert_eq!(busy, NyckelError::Busy);
    assert!(!busy.ends_request());
    assert!(matches!(
        NyckelError::from(ApprovalError::PhoneSigninConflict),
        NyckelError::PhoneSigninKeyUnavailable { .. }
    ));
    assert_eq!(
        NyckelError::from(ApprovalError::PushTokenTooLong),
        NyckelError::InvalidInput { reason: "the push token is too long".into() }
    );
}

#[test]
fn key_store_errors_name_the_key_that_failed_and_not_found_is_per_endpoint() {
    use nyckel_core::protocol::{KeyStoreError, ProtocolError, ProviderCode};
    // The device key is gone: re-enroll. The phone sign-in key is gone: enable it again.
    let device = NyckelError::from(ProtocolError::KeyStore(KeyStoreError::NotFound));
    assert!(matches!(device, NyckelError::EnrollmentUnusable { .. }), "{device:?}");
    assert_eq!(device.next_step(), nyckel_core::NextStep::EnrollAgain);
    let phone = NyckelError::from(ProtocolError::PhoneSigninKey(KeyStoreError::NotFound));
    assert!(matches!(phone, NyckelError::PhoneSigninKeyUnavailable { .. }), "{phone:?}");
    assert_eq!(phone.next_step(), nyckel_core::NextStep::ReenablePhoneSignin);
    assert!(
        phone.to_string().contains("turn phone sign-in off and on again")
            && !phone.to_string().contains("enroll"),
        "{phone}"
    );
    assert_eq!(
        NyckelError::from(ProtocolError::PhoneSigninKey(KeyStoreError::Unavailable(
            "Nyckel is not on screen".into()
        ))),
        NyckelError::PhoneSigninKeyUnavailable { reason: "Nyckel is not on screen".into() }
    );
    assert_eq!(
        NyckelError::from(ProtocolError::PhoneSigninKey(KeyStoreError::UserCancelled)),
        NyckelError::UserCancelled
    );
    // 404 `not_found` outside the response call is an unknown path, not a finished request.
    assert_eq!(
        NyckelError::from(ProtocolError::Provider { status: 404, code: ProviderCode::NotFound }),
        NyckelError::ProviderRefused {
            code: "not_found".into(),
            reason: "the provider refused the request: not_found (HTTP 404)".into()
        }
    );
    assert_eq!(
        NyckelError::from(ProtocolError::Provider { status: 409, code: ProviderCode::NotPending }),
        NyckelError::RequestNotPending
    );
}

#[test]
fn a_lost_phone_signin_key_asks_to_enable_phone_signin_again() {
    let idp = Idp::new();
    let phone = Phone::new();
    let id = phone.enroll(&idp, "anna");
    phone.approvals.enable_phone_signin(id).unwrap();
    let lost = phone.keys.soft.aliases().into_iter().find(|a| a.contains("-phone-")).unwrap();
    phone.keys.soft.delete_key(lost).unwrap(); // a key store reports an invalidated key as NotFound
    let s = idp.start("anna", Kind::Passwordless);
    phone.approvals.pending_requests().unwrap();
    let err = phone.approvals.approve(s.id.clone(), s.number).unwrap_err();
    assert!(matches!(err, NyckelError::PhoneSigninKeyUnavailable { .. }), "{err:?}");
    assert_eq!(idp.state(&s.id), "pending");
    assert!(phone.sign_ins().is_empty(), "nothing was sent");
    // The action the error names works: phone sign-in on again, and the same request is
    // approved (it stayed answerable).
    phone.approvals.enable_phone_signin(id).unwrap();
    assert_eq!(phone.approvals.approve(s.id.clone(), s.number).unwrap(), SignInOutcome::Approved);
    assert_eq!(idp.state(&s.id), "approved");
}

#[test]
fn not_found_means_no_such_request_only_for_the_answer() {
    let idp = Idp::new();
    let phone = Phone::new();
    phone.enroll(&idp, "anna");
    let s = idp.start("anna", Kind::Push);
    phone.approvals.pending_requests().unwrap();
    *phone.http.not_found.lock().unwrap() = Some("/response");
    assert_eq!(
        phone.approvals.approve(s.id.clone(), s.number),
        Err(NyckelError::RequestNotPending)
    );
    assert_eq!(
        phone.approvals.approve(s.id, s.number),
        Err(NyckelError::RequestNotFound),
        "answered: gone from the list"
    );
    // The list endpoint answering 404 is a provider problem (wrong path), not "not pending".
    *phone.http.not_found.lock().unwrap() = Some("/nyckel/v1/requests");
    let failure = phone.approvals.pending_requests().unwrap().failures.remove(0).reason;
    let refused = NyckelError::ProviderRefused {
        code: "not_found".into(),
        reason: "the provider refused the request: not_found (HTTP 404)".into(),
    };
    assert_eq!(failure, refused.to_string());
}

#[test]
fn a_phone_transfer_moves_the_enrollment_with_new_keys_and_revokes_the_old_phone() {
    let idp = Idp::new();
    let old = Phone::new();
    let id = old.enroll(&idp, "anna");
    old.approvals.enable_phone_signin(id).unwrap();
    let out = old.approvals.export_phone_transfer().unwrap();
    assert!(out.qr_payload.starts_with("nyckel-transfer://v1?key="));
    assert!(out.key_text.ends_with(&out.code));
    assert_eq!(out.enrollments.len(), 1);
    assert!(out.enrollments[0].phone_signin && out.enrollments[0].failure.is_none());
    assert!(!format!("{out:?}").contains(&out.code), "Debug hides the key");

    // The new phone scans the QR code and the user types the code: the same key.
    assert!(crate::is_transfer_qr(out.qr_payload.clone()));
    assert!(!crate::is_transfer_qr("nyckel-enroll://v1?x=1".into()));
    let typed = format!("{} {}", &out.code[..3], &out.code[3..]);
    let scanned = crate::transfer_key_from_scan(out.qr_payload.clone(), typed).unwrap();
    assert_eq!(scanned, out.key_text);
    let bad = crate::transfer_key_from_scan(out.qr_payload.clone(), "12345".into());
    assert_eq!(bad.unwrap_err().kind(), ErrorKind::InvalidInput);

    let new = Phone::new();
    let wrong =
        new.approvals.import_phone_transfer(out.package.clone(), "not a key".into(), "Nya".into());
    assert_eq!(wrong.unwrap_err().kind(), ErrorKind::InvalidInput);
    let moved = new
        .approvals
        .import_phone_transfer(out.package.clone(), out.key_text.clone(), "Nya".into())
        .unwrap();
    let m = &moved.enrollments[0];
    assert!(m.failure.is_none(), "{m:?}");
    assert!(m.old_device_revoked);
    assert_eq!(m.phone_signin, Some(true));
    let devices = idp.devices("anna");
    assert_eq!(devices.iter().filter(|d| d.revoked_at.is_some()).count(), 1);
    assert!(devices.iter().any(|d| d.revoked_at.is_none() && d.name == "Nya" && d.phone_signin));
    let err = old.approvals.pending_requests().unwrap().failures.remove(0);
    assert_eq!(err.kind, ErrorKind::DeviceRevoked);

    // The package is good once: a third phone's enrollment is refused, typed.
    let third = Phone::new();
    let again =
        third.approvals.import_phone_transfer(out.package, out.key_text, "Tredje".into()).unwrap();
    let failure = again.enrollments[0].failure.as_ref().unwrap();
    assert_eq!(failure.kind, ErrorKind::InvalidEnrollmentCode);
    assert!(third.approvals.enrollments().unwrap().is_empty());
}

#[test]
fn a_managed_one_time_code_moves_from_the_provider_and_is_reported() {
    let idp = Idp::new();
    let old = Phone::new();
    let uri = idp.add_user("anna", true); // its secret marked managed (`otp_managed=1`)
    old.approvals.enroll(uri, "Gamla".into(), None).unwrap();
    let out = old.approvals.export_phone_transfer().unwrap();
    assert!(out.account_ids.is_empty(), "the managed secret is not in the package's accounts");
    assert!(out.left_out.is_empty(), "the provider re-delivers it: {:?}", out.left_out);

    let new = Phone::new();
    let moved = new.approvals.import_phone_transfer(out.package, out.key_text, "Nya".into());
    let m = moved.unwrap().enrollments.remove(0);
    let managed = m.managed_otp.expect("re-delivered by the provider");
    assert!(managed.added);
    let accounts = new.vault.accounts().unwrap();
    assert_eq!(accounts.iter().map(|a| a.id).collect::<Vec<_>>(), [managed.account_id]);
    assert_eq!(new.approvals.enrollments().unwrap()[0].otp_account_id, Some(managed.account_id));

    // The provider revoked the old phone: its next transfer lists the account to re-enroll.
    let again = old.approvals.export_phone_transfer();
    assert!(again.is_err(), "no code and no account: nothing to move");
}

#[test]
fn the_platforms_attestation_reaches_a_provider_that_requires_it() {
    let authority = Arc::new(TestAuthority::new());
    let config = Config {
        key_attestation: KeyAttestationPolicy::android(vec![authority.root()]),
        ..Config::default()
    };
    let idp = Idp::with(config);
    let phone = Phone::new();
    let id = phone.enroll(&idp, "anna");

    // A key store that cannot attest: the provider refuses the key, and none is left behind.
    let refused = phone.approvals.enable_phone_signin(id).unwrap_err();
    assert_eq!(refused.kind(), ErrorKind::ProviderRefused, "{refused:?}");
    assert_eq!(phone.keys.soft.aliases().len(), 1, "only the device key");
    assert!(!idp.devices("anna")[0].phone_signin);

    // The platform attests the key for the provider's challenge: accepted, and it approves.
    *phone.keys.attest.lock().unwrap() = Some(authority.clone());
    phone.approvals.enable_phone_signin(id).unwrap();
    let challenges = phone.keys.attested.lock().unwrap().clone();
    assert_eq!(challenges.len(), 1);
    assert_eq!(challenges[0].len(), 40, "the challenge's raw bytes");
    assert!(idp.devices("anna")[0].phone_signin);
    let s = idp.start("anna", Kind::Passwordless);
    phone.approvals.pending_requests().unwrap();
    assert_eq!(phone.approvals.approve(s.id.clone(), s.number).unwrap(), SignInOutcome::Approved);
    assert_eq!(idp.state(&s.id), "approved");
}

#[test]
fn the_app_attest_client_data_hash_is_the_cores() {
    let challenge = vec![7; 40];
    let key = [[4u8].as_slice(), &[1; 64]].concat();
    assert_eq!(
        crate::keys::app_attest_client_data_hash(challenge.clone(), key.clone()),
        nyckel_core::protocol::wire::app_attest_client_data_hash(&challenge, &key).to_vec()
    );
}
