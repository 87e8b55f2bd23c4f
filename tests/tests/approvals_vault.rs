//! End-to-end over loopback: `nyckel_core::approvals::Approvals` — the protocol bound to the
//! encrypted vault — against an in-process `nyckel-idp`. Checks what must be persisted
//! (enrollments, OTP accounts, signature counters, clock offsets, keys, activity) and when.

mod protocol_support;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use nyckel_core::approvals::{ApprovalError, Approvals, HttpTransport};
use nyckel_core::protocol::keys::FixedPin;
use nyckel_core::protocol::{Decision, DeviceKeyStore, HttpRequest, HttpResponse, ProtocolError, ProviderCode, RespondOutcome, SoftwareKeyStore};
use nyckel_core::vault::{ActivityEvent, KdfParams, Vault, VaultError};
use nyckel_idp::signin::Kind;
use protocol_support::*;

/// java.net.http / URLSession stand-in: executes the core's requests over loopback.
struct Loopback {
    offline: AtomicBool,
}

impl Loopback {
    fn new() -> Self {
        Loopback { offline: AtomicBool::new(false) }
    }
}

impl HttpTransport for Loopback {
    fn execute(&self, request: HttpRequest) -> Result<HttpResponse, String> {
        if self.offline.load(Ordering::SeqCst) {
            return Err("network is unreachable".into());
        }
        assert!(request.url.starts_with("http://127.0.0.1:"), "tests only talk to loopback");
        nyckel_idp::client::execute(&request).map_err(|e| e.to_string())
    }
}

struct Device {
    _dir: tempfile::TempDir,
    vault: Vault,
    keys: Arc<SoftwareKeyStore>,
    http: Loopback,
}

impl Device {
    fn new() -> Device {
        let dir = tempfile::tempdir().unwrap();
        let vault = Vault::create(&dir.path().join("v.nyckel"), "lösenord för valvet", KdfParams::FLOOR).unwrap();
        Device { _dir: dir, vault, keys: Arc::new(SoftwareKeyStore::new()), http: Loopback::new() }
    }

    fn approvals(&mut self) -> Approvals<'_> {
        Approvals::new(&mut self.vault, self.keys.as_ref(), &self.http)
    }
}

#[test]
fn enrollment_with_an_otp_secret_stores_both_in_the_vault() {
    let env = Env::new();
    let uri = nyckel_idp::admin::add_user(&env.conn(), &env.cfg, "anna@skane.se", Some("pw"), true).unwrap().enroll_uri;
    let mut d = Device::new();
    let enrolled = d.approvals().enroll(&uri, "Annas telefon", None, device_now()).unwrap();
    let account = enrolled.otp_account.expect("the QR carried an otpauth secret");
    assert_eq!(enrolled.enrollment.otp_account_id, Some(account.id));
    assert_eq!(d.vault.account(account.id).unwrap().params.name, "anna@skane.se");
    assert_eq!(d.vault.enrollments().unwrap().len(), 1);
    let log: Vec<ActivityEvent> = d.vault.activity(10).unwrap().into_iter().map(|e| e.event).collect();
    assert!(matches!(&log[0], ActivityEvent::Enrolled { account_name, .. } if account_name == "anna@skane.se"));
}

#[test]
fn approve_persists_the_counter_and_logs_the_context() {
    let env = Env::new();
    let uri = env.add_user("anna");
    let mut d = Device::new();
    let id = d.approvals().enroll(&uri, "Annas telefon", None, device_now()).unwrap().enrollment_id;
    let started = env.push("anna");
    let pending = d.approvals().pending(device_now()).unwrap();
    assert!(pending.failures.is_empty());
    let req = &pending.requests[0].request;
    assert_eq!((req.app.as_str(), req.location.as_str()), ("Webbmejl", "Malmö, SE"));
    let outcome = d.approvals().decide(id, req, Decision::Approve { number: started.number }, device_now()).unwrap();
    assert_eq!(outcome, RespondOutcome::Approved);
    assert_eq!(env.state(&started.id), "approved");
    assert_eq!(d.vault.enrollment(id).unwrap().enrollment.sign_count, 1);
    match &d.vault.activity(1).unwrap()[0].event {
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
    let mut d = Device::new();
    let id = d.approvals().enroll(&uri, "t", None, device_now()).unwrap().enrollment_id;
    let started = env.push("anna");
    let req = d.approvals().pending_for(id, device_now()).unwrap().remove(0).request;
    d.http.offline.store(true, Ordering::SeqCst);
    let err = d.approvals().decide(id, &req, Decision::Approve { number: started.number }, device_now()).unwrap_err();
    assert!(matches!(err, ApprovalError::Transport(_)), "{err:?}");
    assert_eq!(d.vault.enrollment(id).unwrap().enrollment.sign_count, 1, "a used counter value is never reused");
    match &d.vault.activity(1).unwrap()[0].event {
        ActivityEvent::SignIn { record, .. } => assert_eq!(record.result, "not delivered"),
        other => panic!("unexpected {other:?}"),
    }
    // Back online, the next assertion uses count 2 and the provider accepts it.
    d.http.offline.store(false, Ordering::SeqCst);
    assert_eq!(d.approvals().decide(id, &req, Decision::Approve { number: started.number }, device_now()).unwrap(), RespondOutcome::Approved);
    assert_eq!(d.vault.enrollment(id).unwrap().enrollment.sign_count, 2);
}

#[test]
fn a_wrong_number_is_logged_and_kills_the_request() {
    let env = Env::new();
    let uri = env.add_user("anna");
    let mut d = Device::new();
    let id = d.approvals().enroll(&uri, "t", None, device_now()).unwrap().enrollment_id;
    let started = env.push("anna");
    let req = d.approvals().pending_for(id, device_now()).unwrap().remove(0).request;
    let wrong = if started.number == 99 { 10 } else { started.number + 1 };
    let err = d.approvals().decide(id, &req, Decision::Approve { number: wrong }, device_now()).unwrap_err();
    assert!(matches!(err, ApprovalError::Protocol(ProtocolError::Provider { code: ProviderCode::WrongNumber, .. })), "{err:?}");
    let err = d.approvals().decide(id, &req, Decision::Approve { number: started.number }, device_now()).unwrap_err();
    assert!(matches!(err, ApprovalError::Protocol(ProtocolError::Provider { code: ProviderCode::NotPending, .. })), "{err:?}");
    assert_ne!(env.state(&started.id), "approved");
    let results: Vec<String> = d
        .vault
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
    let mut d = Device::new();
    let now = device_now();
    let id = d.approvals().enroll(&uri, "t", None, now).unwrap().enrollment_id;
    env.push("anna");
    // The phone's clock jumps an hour ahead after enrollment.
    let skewed = now + 3600;
    let list = d.approvals().pending_for(id, skewed).unwrap();
    assert_eq!(list.len(), 1);
    let offset = d.vault.enrollment(id).unwrap().enrollment.clock_offset;
    assert!((offset + 3600).abs() <= 2, "offset {offset}");
    assert!(list[0].seconds_left > 100, "expiry judged by provider time");
    assert!((d.approvals().sync_time(id, skewed).unwrap() + 3600).abs() <= 2);
}

#[test]
fn an_unreachable_provider_does_not_hide_the_others() {
    let env = Env::new();
    let other = Env::new();
    let mut d = Device::new();
    let a = d.approvals().enroll(&env.add_user("anna"), "t", None, device_now()).unwrap().enrollment_id;
    let b = d.approvals().enroll(&other.add_user("bo"), "t", None, device_now()).unwrap().enrollment_id;
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
    let mut d = Device::new();
    let id = d.approvals().enroll(&uri, "t", None, device_now()).unwrap().enrollment_id;
    d.keys.set_pin_source(Some(Arc::new(FixedPin::new("2468"))));
    d.approvals().enable_phone_signin(id, device_now()).unwrap();
    let e = d.vault.enrollment(id).unwrap().enrollment;
    assert!(e.phone_signin_enabled());
    let started = env.start("anna", Kind::Passwordless).unwrap();
    let req = d.approvals().pending_for(id, device_now()).unwrap().remove(0).request;
    // A wrong PIN: the key operation itself fails, nothing is sent.
    d.keys.set_pin_source(Some(Arc::new(FixedPin::new("0000"))));
    let err = d.approvals().decide(id, &req, Decision::Approve { number: started.number }, device_now()).unwrap_err();
    assert!(matches!(err, ApprovalError::Protocol(ProtocolError::KeyStore(_))), "{err:?}");
    assert_eq!(env.state(&started.id), "pending");
    d.keys.set_pin_source(Some(Arc::new(FixedPin::new("2468"))));
    assert_eq!(d.approvals().decide(id, &req, Decision::Approve { number: started.number }, device_now()).unwrap(), RespondOutcome::Approved);
    assert_eq!(env.state(&started.id), "approved");
    d.approvals().disable_phone_signin(id, device_now()).unwrap();
    assert!(!d.vault.enrollment(id).unwrap().enrollment.phone_signin_enabled());
    let toggles: Vec<bool> = d
        .vault
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
    let mut d = Device::new();
    d.vault.lock();
    let err = d.approvals().enroll(&env.add_user("anna"), "t", None, device_now()).unwrap_err();
    assert!(matches!(err, ApprovalError::Vault(VaultError::Locked)));
    assert!(d.keys.aliases().is_empty(), "no orphan device key");
    d.vault.unlock_with_passphrase("lösenord för valvet").unwrap();
    let enrolled = d.approvals().enroll(&env.add_user("bo"), "t", None, device_now()).unwrap();
    let alias = enrolled.enrollment.device_key_alias.clone();
    assert!(d.keys.public_key(alias.clone()).is_ok());
    d.approvals().remove(enrolled.enrollment_id).unwrap();
    assert!(d.keys.public_key(alias).is_err());
    assert!(d.vault.enrollments().unwrap().is_empty());
}

#[test]
fn a_failed_enrollment_leaves_no_key_and_nothing_stored() {
    let env = Env::new();
    let uri = env.add_user("anna");
    let mut d = Device::new();
    d.approvals().enroll(&uri, "t", None, device_now()).unwrap();
    let before = d.keys.aliases().len();
    // The activation code is single-use.
    let err = d.approvals().enroll(&uri, "t", None, device_now()).unwrap_err();
    assert!(matches!(err, ApprovalError::Protocol(ProtocolError::Provider { code: ProviderCode::ActivationInvalid, .. })), "{err:?}");
    assert_eq!(d.keys.aliases().len(), before);
    assert_eq!(d.vault.enrollments().unwrap().len(), 1);
}
