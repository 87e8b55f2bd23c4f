//! Unit tests of the flow rules that need no provider (a scripted transport); the flows
//! against a real provider are in `tests/tests/approvals_vault.rs`.

use std::cell::RefCell;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

use super::*;
use crate::protocol::testutil::FakeProvider;
use crate::protocol::{EnrollUri, SoftwareKeyStore};
use crate::vault::KdfParams;

const NOW: i64 = 1_767_225_600;

/// A transport that never gets an answer, and counts what it was asked to send.
#[derive(Default)]
struct Offline {
    sent: AtomicUsize,
}

impl HttpTransport for Offline {
    fn execute(&self, request: HttpRequest) -> Result<HttpResponse, String> {
        self.sent.fetch_add(1, Ordering::SeqCst);
        let headers: Vec<String> =
            request.headers.iter().map(|(n, v)| format!("{n}: {v}")).collect();
        Err(format!("failed {} {} [{}]", request.method, request.url, headers.join(", ")))
    }
}

fn vault() -> (tempfile::TempDir, Vault) {
    let dir = tempfile::tempdir().unwrap();
    let v =
        Vault::create(&dir.path().join("v.nyckel"), "test passphrase", KdfParams::FLOOR).unwrap();
    (dir, v)
}

fn enroll_uri() -> String {
    let p = FakeProvider::new();
    EnrollUri::build(
        "https://idp.example.se",
        "q3U1y0Cq9E3N0QmK6cJ3aA",
        "anna",
        &p.fingerprint(),
        None,
        None,
        None,
    )
}

#[test]
fn a_locked_vault_creates_no_key_and_a_bad_code_is_reported_first() {
    let (_dir, mut v) = vault();
    v.lock();
    let vault = Mutex::new(v);
    let (keys, http) = (SoftwareKeyStore::new(), Offline::default());
    let a = Approvals::new(&vault, &keys, &http);
    assert!(matches!(
        a.enroll(&enroll_uri(), "t", None, NOW),
        Err(ApprovalError::Vault(VaultError::Locked))
    ));
    assert!(matches!(
        a.enroll("nyckel-enroll://v1?x=1", "t", None, NOW),
        Err(ApprovalError::Protocol(ProtocolError::Uri(_)))
    ));
    assert!(keys.aliases().is_empty());
    assert_eq!(http.sent.load(Ordering::SeqCst), 0);
}

#[test]
fn an_unanswered_enrollment_deletes_its_key() {
    let (_dir, mut v) = vault();
    let vault = RefCell::new(&mut v);
    let (keys, http) = (SoftwareKeyStore::new(), Offline::default());
    let err =
        Approvals::new(&vault, &keys, &http).enroll(&enroll_uri(), "t", None, NOW).unwrap_err();
    let ApprovalError::Transport(reason) = err else { panic!("expected Transport, got {err:?}") };
    assert!(reason.contains("/nyckel/v1/enroll"), "{reason}");
    assert!(keys.aliases().is_empty(), "the key of a failed enrollment is deleted");
    assert!(v.enrollments().unwrap().is_empty());
}

#[test]
fn the_persist_hook_runs_before_the_key_leaves_and_its_failure_deletes_the_key() {
    let (_dir, v) = vault();
    let vault = Mutex::new(v);
    let (keys, http) = (SoftwareKeyStore::new(), Offline::default());
    let calls = AtomicUsize::new(0);
    let persist = |_: &mut Vault| -> Result<(), VaultError> {
        assert_eq!(http.sent.load(Ordering::SeqCst), 0, "saved before anything is sent");
        calls.fetch_add(1, Ordering::SeqCst);
        Ok(())
    };
    let a = Approvals::new(&vault, &keys, &http).persist_keys_with(&persist);
    assert!(matches!(a.enroll(&enroll_uri(), "t", None, NOW), Err(ApprovalError::Transport(_))));
    assert_eq!(calls.load(Ordering::SeqCst), 1);

    let failing = |_: &mut Vault| -> Result<(), VaultError> {
        Err(VaultError::storage(crate::error::StorageFault::DiskFull, "disk full"))
    };
    let a = Approvals::new(&vault, &keys, &http).persist_keys_with(&failing);
    assert!(matches!(
        a.enroll(&enroll_uri(), "t", None, NOW),
        Err(ApprovalError::Vault(VaultError::Storage { .. }))
    ));
    assert_eq!(http.sent.load(Ordering::SeqCst), 1, "nothing sent with an unsaved key");
    assert!(keys.aliases().is_empty(), "the unsaved key is deleted");
}

#[test]
fn a_closed_vault_is_reported_as_closed() {
    let vault: Mutex<Option<Vault>> = Mutex::new(None);
    let (keys, http) = (SoftwareKeyStore::new(), Offline::default());
    let a = Approvals::new(&vault, &keys, &http);
    assert!(matches!(a.enrollments(), Err(ApprovalError::Closed)));
    assert!(matches!(a.pending(NOW), Err(ApprovalError::Closed)));
    assert!(matches!(a.enroll(&enroll_uri(), "t", None, NOW), Err(ApprovalError::Closed)));
    assert!(keys.aliases().is_empty());
}

#[test]
fn a_too_long_push_token_sends_nothing() {
    let (_dir, v) = vault();
    let vault = Mutex::new(v);
    let (keys, http) = (SoftwareKeyStore::new(), Offline::default());
    let a = Approvals::new(&vault, &keys, &http);
    let long = "x".repeat(crate::protocol::enroll::MAX_PUSH_TOKEN + 1);
    assert!(matches!(a.update_push_token(Some(&long), NOW), Err(ApprovalError::PushTokenTooLong)));
    a.update_push_token(Some(""), NOW).unwrap(); // no enrollments: nothing to tell
    assert_eq!(http.sent.load(Ordering::SeqCst), 0);
}

// --- A scripted provider: the flows against answers signed like nyckel-idp's -------------

use std::sync::atomic::{AtomicBool, AtomicI64};
use std::sync::Arc;

use serde_json::{json, Value};

use crate::protocol::keys::{FixedPin, PinSource};
use crate::protocol::wire::b64;
use crate::protocol::{Decision, KeyStoreError, RespondOutcome};

type During = Box<dyn Fn(&Scripted, &HttpRequest) + Send + Sync>;

/// A provider inside the transport: answers enrollment, the pending list, responses and
/// phone sign-in as `nyckel-idp` does (signed with a [`FakeProvider`] key), stamped with a
/// fake clock that is also the device's, so every correct clock offset is 0. It can stall
/// one device's requests (the clock moves on, no answer), run a hook while a request is at
/// the provider (after the provider acted on it, before the answer), delay every request on
/// its way to the provider (`latency`: the clock moves on first), and fail every request
/// with a text quoting the whole request, body included.
struct Scripted {
    provider: FakeProvider,
    clock: Arc<AtomicI64>,
    devices: AtomicUsize,
    credentials: AtomicUsize,
    pending: Mutex<Vec<Value>>,
    stall: Mutex<Option<(String, i64)>>,
    latency: AtomicI64,
    during: Mutex<Option<During>>,
    echo: AtomicBool,
    bodies: Mutex<Vec<Vec<u8>>>,
}

impl Scripted {
    fn new(clock: Arc<AtomicI64>) -> Self {
        Scripted {
            provider: FakeProvider::new(),
            clock,
            devices: AtomicUsize::new(0),
            credentials: AtomicUsize::new(0),
            pending: Mutex::new(vec![]),
            stall: Mutex::new(None),
            latency: AtomicI64::new(0),
            during: Mutex::new(None),
            echo: AtomicBool::new(false),
            bodies: Mutex::new(vec![]),
        }
    }

    fn now(&self) -> i64 {
        self.clock.load(Ordering::SeqCst)
    }

    fn uri(&self) -> String {
        EnrollUri::build(
            "https://idp.example.se",
            "q3U1y0Cq9E3N0QmK6cJ3aA",
            "anna",
            &self.provider.fingerprint(),
            None,
            None,
            None,
        )
    }

    /// Lists one request of `kind`, created now, expiring in `ttl` seconds.
    fn push(&self, id: &str, kind: &str, ttl: i64) -> PendingRequest {
        let now = self.now();
        let r = json!({"id": id, "nonce": b64(&[7u8; 32]), "kind": kind, "accountName": "anna", "app": "Webbmejl",
            "ip": "203.0.113.7", "location": "Malmö, SE", "createdAt": now, "expiresAt": now + ttl,
            "rpId": "idp.example.se", "origin": "https://idp.example.se"});
        self.pending.lock().unwrap().push(r.clone());
        serde_json::from_value(r).unwrap()
    }

    fn answer(&self, request: &HttpRequest) -> HttpResponse {
        let now = self.now();
        let nonce = request.header(wire::H_NONCE).unwrap_or_default().to_owned();
        let device = request.header(wire::H_DEVICE).unwrap_or_default().to_owned();
        let path = request.url.trim_start_matches("https://idp.example.se");
        let base = json!({"v": 1, "serverTime": now, "reqNonce": nonce});
        let with = |typ: &str, extra: Value| {
            let mut p = base.clone();
            p["typ"] = typ.into();
            p.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
            p
        };
        match (request.method.as_str(), path) {
            ("POST", "/nyckel/v1/enroll") => {
                let body: Value = serde_json::from_slice(&request.body).unwrap();
                let n = self.devices.fetch_add(1, Ordering::SeqCst) + 1;
                let payload = with(
                    "nyckel.enrolled",
                    json!({"deviceId": b64(format!("device-{n}").as_bytes()),
                    "userId": b64(b"user"), "accountName": "anna", "issuer": "Fake", "rpId": "idp.example.se",
                    "origin": "https://idp.example.se", "devicePublicKey": body["devicePublicKey"]}),
                );
                self.provider.respond_with_key(&payload, &self.provider.public)
            }
            ("GET", "/nyckel/v1/requests") => {
                let requests = self.pending.lock().unwrap().clone();
                self.provider.respond(&with(
                    "nyckel.pending",
                    json!({"deviceId": device, "userId": b64(b"user"), "requests": requests}),
                ))
            }
            ("POST", p) if p.ends_with("/response") => {
                let id = p.trim_start_matches("/nyckel/v1/requests/").trim_end_matches("/response");
                let mut pending = self.pending.lock().unwrap();
                let before = pending.len();
                pending.retain(|r| r["id"] != id);
                if pending.len() == before {
                    return HttpResponse {
                        status: 404,
                        headers: vec![],
                        body: br#"{"error":"not_found"}"#.to_vec(),
                    };
                }
                drop(pending);
                self.provider
                    .respond(&with("nyckel.result", json!({"requestId": id, "state": "approved"})))
            }
            ("POST", "/nyckel/v1/phone-signin/challenge") => self.provider.respond(&with(
                "nyckel.phone-signin-challenge",
                json!({"deviceId": device, "challenge": b64(&[7; 40]), "expiresAt": now + 300}),
            )),
            ("POST", "/nyckel/v1/phone-signin") => {
                let body: Value = serde_json::from_slice(&request.body).unwrap();
                assert_eq!(body["challenge"], b64(&[7; 40]), "the challenge it was given");
                let n = self.credentials.fetch_add(1, Ordering::SeqCst) + 1;
                let credential = b64(format!("phone-{n}").as_bytes());
                self.provider.respond(&with(
                    "nyckel.phone-signin",
                    json!({"deviceId": device, "credentialId": credential, "enabled": true}),
                ))
            }
            ("DELETE", "/nyckel/v1/phone-signin") => self.provider.respond(&with(
                "nyckel.phone-signin",
                json!({"deviceId": device, "credentialId": null, "enabled": false}),
            )),
            _ => HttpResponse {
                status: 404,
                headers: vec![],
                body: br#"{"error":"not_found","message":"no such path"}"#.to_vec(),
            },
        }
    }
}

impl HttpTransport for Scripted {
    fn execute(&self, request: HttpRequest) -> Result<HttpResponse, String> {
        self.bodies.lock().unwrap().push(request.body.clone());
        if self.echo.load(Ordering::SeqCst) {
            let headers: Vec<String> =
                request.headers.iter().map(|(n, v)| format!("{n}: {v}")).collect();
            let body = String::from_utf8_lossy(&request.body);
            return Err(format!(
                "failed {} {} [{}] body={body}",
                request.method,
                request.url,
                headers.join(", ")
            ));
        }
        let stall = self.stall.lock().unwrap().clone();
        if let Some((device, seconds)) = stall {
            if request.header(wire::H_DEVICE) == Some(device.as_str()) {
                self.clock.fetch_add(seconds, Ordering::SeqCst);
                return Err("timed out".into());
            }
        }
        self.clock.fetch_add(self.latency.load(Ordering::SeqCst), Ordering::SeqCst);
        let response = self.answer(&request);
        let during = self.during.lock().unwrap().take(); // not held (nor re-run) while it runs
        if let Some(during) = during {
            during(self, &request);
        }
        Ok(response)
    }
}

/// A "user" at the phone sign-in prompt: answers the PIN after `seconds` of fake time.
struct SlowPin {
    clock: Arc<AtomicI64>,
    seconds: i64,
}

impl PinSource for SlowPin {
    fn pin(&self, alias: &str) -> Option<zeroize::Zeroizing<String>> {
        self.clock.fetch_add(self.seconds, Ordering::SeqCst);
        FixedPin::new("2468").pin(alias)
    }
}

/// A phone: the vault behind a mutex (as the FFI holds it), a software key store and the
/// scripted provider, sharing one fake clock.
struct Phone {
    _dir: tempfile::TempDir,
    vault: Arc<Mutex<Vault>>,
    keys: Arc<SoftwareKeyStore>,
    http: Arc<Scripted>,
    clock: Arc<AtomicI64>,
}

impl Phone {
    fn new() -> Phone {
        let (dir, v) = vault();
        let clock = Arc::new(AtomicI64::new(NOW));
        let keys = Arc::new(SoftwareKeyStore::new());
        keys.set_pin_source(Some(Arc::new(FixedPin::new("2468"))));
        Phone {
            _dir: dir,
            vault: Arc::new(Mutex::new(v)),
            keys,
            http: Arc::new(Scripted::new(clock.clone())),
            clock,
        }
    }

    fn now(&self) -> i64 {
        self.clock.load(Ordering::SeqCst)
    }

    /// Runs `f` with the flows over this phone, timed by the fake clock.
    fn with<R>(&self, f: impl FnOnce(&Approvals<'_, Mutex<Vault>>) -> R) -> R {
        let clock = || self.clock.load(Ordering::SeqCst);
        f(&Approvals::new(self.vault.as_ref(), self.keys.as_ref(), self.http.as_ref())
            .with_clock(&clock))
    }

    fn enroll(&self) -> Enrolled {
        self.with(|a| a.enroll(&self.http.uri(), "Annas telefon", None, self.now())).unwrap()
    }

    fn stored(&self, id: i64) -> Enrollment {
        self.vault.lock().unwrap().enrollment(id).unwrap().enrollment
    }

    fn phone_alias(&self, id: i64) -> Option<String> {
        self.stored(id).phone_signin.map(|p| p.key_alias)
    }

    fn has_key(&self, alias: &str) -> bool {
        self.keys.aliases().iter().any(|a| a == alias)
    }
}

#[test]
fn offsets_are_learned_when_the_answer_arrives_not_when_the_call_started() {
    let phone = Phone::new();
    let slow = phone.enroll();
    let other = phone.enroll();
    assert_eq!((slow.enrollment.clock_offset, other.enrollment.clock_offset), (0, 0));
    // The first provider stalls for 7 s before failing; the second answers at once, 7 s
    // after the call started. Its request has 12 s left.
    *phone.http.stall.lock().unwrap() = Some((slow.enrollment.device_id.clone(), 7));
    phone.http.push("cmVxMQ", "push", 12);
    let found = phone.with(|a| a.pending(phone.now())).unwrap();
    assert_eq!(found.failures.len(), 1);
    assert_eq!(found.requests.len(), 1);
    assert_eq!(
        phone.stored(other.enrollment_id).clock_offset,
        0,
        "the other provider's stall is not a clock offset"
    );
    assert_eq!(found.requests[0].seconds_left, 5);
    // So the request is not refused locally as expired while the provider still waits.
    let request = found.requests[0].request.clone();
    let outcome = phone.with(|a| {
        a.decide(other.enrollment_id, &request, Decision::Approve { number: 42 }, phone.now())
    });
    assert_eq!(outcome.unwrap().outcome, RespondOutcome::Approved);

    // A slow prompt before the phone sign-in activation is sent is not an offset either.
    phone.keys.set_pin_source(Some(Arc::new(SlowPin { clock: phone.clock.clone(), seconds: 20 })));
    phone.with(|a| a.enable_phone_signin(other.enrollment_id, phone.now())).unwrap();
    assert_eq!(
        phone.stored(other.enrollment_id).clock_offset,
        0,
        "the prompt's 20 s are not an offset"
    );
    // Nor a slow network on the way to the provider, for enrollment.
    phone.http.latency.store(9, Ordering::SeqCst);
    assert_eq!(phone.enroll().enrollment.clock_offset, 0);
}

#[test]
fn a_device_clock_passed_shifted_keeps_its_shift_for_the_call() {
    let phone = Phone::new();
    let id = phone.enroll().enrollment_id;
    phone.http.push("cmVxMQ", "push", 120);
    // The caller's `now` is an hour ahead of the provider: learned as −3600.
    let list = phone.with(|a| a.pending_for(id, phone.now() + 3600)).unwrap();
    assert_eq!(phone.stored(id).clock_offset, -3600);
    assert_eq!(list[0].seconds_left, 120);
}

#[test]
fn a_failed_save_of_a_phone_signin_change_keeps_the_key_the_vault_names() {
    let phone = Phone::new();
    let id = phone.enroll().enrollment_id;
    phone.with(|a| a.enable_phone_signin(id, phone.now())).unwrap();
    let old = phone.phone_alias(id).unwrap();
    let lock_during = |phone: &Phone| {
        let vault = phone.vault.clone();
        *phone.http.during.lock().unwrap() =
            Some(Box::new(move |_: &Scripted, _: &HttpRequest| vault.lock().unwrap().lock()));
    };
    // Re-enabling: the vault is locked while the activation is on the network.
    lock_during(&phone);
    let err = phone.with(|a| a.enable_phone_signin(id, phone.now())).unwrap_err();
    assert!(matches!(err, ApprovalError::Vault(VaultError::Locked)), "{err:?}");
    phone.vault.lock().unwrap().unlock_with_passphrase("test passphrase").unwrap();
    assert_eq!(phone.phone_alias(id).as_deref(), Some(old.as_str()), "nothing saved");
    assert!(phone.has_key(&old), "the key the vault still names is not deleted");
    assert_eq!(phone.keys.aliases().len(), 2, "the unsaved new key is deleted");
    // Enabling again works and then deletes the replaced key.
    phone.with(|a| a.enable_phone_signin(id, phone.now())).unwrap();
    let new = phone.phone_alias(id).unwrap();
    assert!(new != old && phone.has_key(&new) && !phone.has_key(&old));

    // Disabling: the same.
    lock_during(&phone);
    let err = phone.with(|a| a.disable_phone_signin(id, phone.now())).unwrap_err();
    assert!(matches!(err, ApprovalError::Vault(VaultError::Locked)), "{err:?}");
    phone.vault.lock().unwrap().unlock_with_passphrase("test passphrase").unwrap();
    assert_eq!(phone.phone_alias(id).as_deref(), Some(new.as_str()));
    assert!(phone.has_key(&new), "the key the vault still names is not deleted");
    phone.with(|a| a.disable_phone_signin(id, phone.now())).unwrap();
    assert_eq!(phone.phone_alias(id), None);
    assert_eq!(phone.keys.aliases().len(), 1, "only the device key is left");
}

#[test]
fn concurrent_phone_signin_activations_conflict_instead_of_committing_in_local_order() {
    let phone = Arc::new(Phone::new());
    let id = phone.enroll().enrollment_id;
    // While the first activation is at the provider, a second one (the app's other screen)
    // runs to the end and is saved first.
    let inner = Arc::downgrade(&phone);
    *phone.http.during.lock().unwrap() = Some(Box::new(move |_: &Scripted, _: &HttpRequest| {
        let phone = inner.upgrade().unwrap();
        phone.with(|a| a.enable_phone_signin(id, phone.now())).unwrap();
    }));
    let err = phone.with(|a| a.enable_phone_signin(id, phone.now())).unwrap_err();
    assert!(matches!(err, ApprovalError::PhoneSigninConflict), "{err:?}");
    let saved = phone.phone_alias(id).unwrap();
    assert!(phone.has_key(&saved), "the saved activation keeps its key");
    assert_eq!(phone.keys.aliases().len(), 2, "the conflicting activation's key is deleted");
    let toggles = phone
        .vault
        .lock()
        .unwrap()
        .activity(10)
        .unwrap()
        .iter()
        .filter(|a| matches!(a.event, ActivityEvent::PhoneSignin { .. }))
        .count();
    assert_eq!(toggles, 1, "only the saved activation is logged");
}

#[test]
fn a_lost_phone_signin_key_is_not_reported_as_the_device_key() {
    let phone = Phone::new();
    let id = phone.enroll().enrollment_id;
    phone.with(|a| a.enable_phone_signin(id, phone.now())).unwrap();
    let alias = phone.phone_alias(id).unwrap();
    phone.keys.delete_key(alias).unwrap(); // invalidated by new biometrics, say
    let request = phone.http.push("cmVxMQ", "passwordless", 120);
    let err = phone
        .with(|a| a.decide(id, &request, Decision::Approve { number: 42 }, phone.now()))
        .unwrap_err();
    assert!(
        matches!(
            err,
            ApprovalError::Protocol(ProtocolError::PhoneSigninKey(KeyStoreError::NotFound))
        ),
        "{err:?}"
    );
    // A failed prompt is still the key store's own error; denying needs the device key only.
    phone.with(|a| a.enable_phone_signin(id, phone.now())).unwrap();
    phone.keys.set_pin_source(Some(Arc::new(FixedPin::new("0000"))));
    let err = phone
        .with(|a| a.decide(id, &request, Decision::Approve { number: 42 }, phone.now()))
        .unwrap_err();
    assert!(
        matches!(
            err,
            ApprovalError::Protocol(ProtocolError::KeyStore(KeyStoreError::UserVerificationFailed))
        ),
        "{err:?}"
    );
    let device = phone.stored(id).device_key_alias;
    phone.keys.delete_key(device).unwrap();
    let err = phone.with(|a| a.decide(id, &request, Decision::Deny, phone.now())).unwrap_err();
    assert!(
        matches!(err, ApprovalError::Protocol(ProtocolError::KeyStore(KeyStoreError::NotFound))),
        "{err:?}"
    );
}

#[test]
fn transport_errors_do_not_echo_the_request_body() {
    let phone = Phone::new();
    let id = phone.enroll().enrollment_id;
    let request = phone.http.push("cmVxMQ", "push", 120);
    phone.http.bodies.lock().unwrap().clear();
    phone.http.echo.store(true, Ordering::SeqCst);
    let errors = [
        phone
            .with(|a| a.enroll(&phone.http.uri(), "Annas telefon", None, phone.now()))
            .unwrap_err(),
        phone
            .with(|a| a.decide(id, &request, Decision::Approve { number: 42 }, phone.now()))
            .unwrap_err(),
        phone
            .with(|a| a.update_push_token(Some("fcm:APA91bHun4MxP5egoKMwt2KZFBaFUH"), phone.now()))
            .unwrap_err(),
    ];
    let bodies = phone.http.bodies.lock().unwrap().clone();
    assert_eq!(bodies.len(), 3);
    for (err, body) in errors.iter().zip(&bodies) {
        let ApprovalError::Transport(reason) = err else {
            panic!("expected Transport, got {err:?}")
        };
        assert!(reason.contains("body={"), "{reason}");
        let body: Value = serde_json::from_slice(body).unwrap();
        for value in
            body.as_object().unwrap().values().filter_map(Value::as_str).filter(|v| v.len() >= 8)
        {
            assert!(!reason.contains(value), "{value} in {reason}");
        }
    }
    let ApprovalError::Transport(enroll) = &errors[0] else { unreachable!() };
    assert!(
        !enroll.contains("q3U1y0Cq9E3N0QmK6cJ3aA"),
        "the unused activation code is not in {enroll}"
    );
    let ApprovalError::Transport(decide) = &errors[1] else { unreachable!() };
    assert!(
        decide.contains("\"signature\":\"…\"") && decide.contains("\"clientDataJSON\":\"…\""),
        "{decide}"
    );
}

#[test]
fn remembered_requests_are_answered_by_id_and_forgotten_once_over() {
    let phone = Phone::new();
    let enrolled = phone.enroll();
    let requests = SignInRequests::new();
    phone.http.push("r1", "push", 120);
    phone.http.push("r2", "push", 120);
    let found = phone.with(|a| requests.fetch(a, phone.now())).unwrap();
    assert_eq!(found.requests.len(), 2);
    let sent = || phone.http.bodies.lock().unwrap().len();
    let before = sent();
    let decide = |id: &str, d| phone.with(|a| requests.decide(a, id, d, phone.now()));

    // The two-digit check comes first, before the id is looked up or anything signed.
    let e = decide("nope", Decision::Approve { number: 7 }).unwrap_err();
    assert!(matches!(e, ApprovalError::Protocol(ProtocolError::InvalidNumber)), "{e:?}");
    let e = decide("nope", Decision::Approve { number: 42 }).unwrap_err();
    assert!(matches!(e, ApprovalError::UnknownRequest), "{e:?}");
    assert_eq!(sent(), before, "nothing sent");

    assert_eq!(
        decide("r1", Decision::Approve { number: 42 }).unwrap().outcome,
        RespondOutcome::Approved
    );
    let e = decide("r1", Decision::Deny).unwrap_err();
    assert!(matches!(e, ApprovalError::UnknownRequest), "an answered request is forgotten");

    // The provider forgot r2 meanwhile: its 404 on the response call ends the request.
    phone.http.pending.lock().unwrap().clear();
    let e = decide("r2", Decision::Deny).unwrap_err();
    assert!(matches!(e, ApprovalError::RequestGone), "{e:?}");
    assert!(crate::error::Classify::ends_request(&e));
    assert!(matches!(decide("r2", Decision::Deny), Err(ApprovalError::UnknownRequest)));

    // An error before the provider answered leaves the request answerable.
    phone.http.push("r3", "push", 120);
    phone.with(|a| requests.fetch(a, phone.now())).unwrap();
    phone.http.echo.store(true, Ordering::SeqCst);
    assert!(matches!(
        decide("r3", Decision::Approve { number: 42 }),
        Err(ApprovalError::Transport(_))
    ));
    phone.http.echo.store(false, Ordering::SeqCst);
    assert_eq!(
        decide("r3", Decision::Approve { number: 42 }).unwrap().outcome,
        RespondOutcome::Approved
    );

    phone.http.push("r4", "push", 120);
    phone.with(|a| requests.fetch(a, phone.now())).unwrap();
    requests.forget_enrollment(enrolled.enrollment_id);
    assert!(matches!(decide("r4", Decision::Deny), Err(ApprovalError::UnknownRequest)));
}
