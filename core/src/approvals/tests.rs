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
        let headers: Vec<String> = request.headers.iter().map(|(n, v)| format!("{n}: {v}")).collect();
        Err(format!("failed {} {} [{}]", request.method, request.url, headers.join(", ")))
    }
}

fn vault() -> (tempfile::TempDir, Vault) {
    let dir = tempfile::tempdir().unwrap();
    let v = Vault::create(&dir.path().join("v.nyckel"), "test passphrase", KdfParams::FLOOR).unwrap();
    (dir, v)
}

fn enroll_uri() -> String {
    let p = FakeProvider::new();
    EnrollUri::build("https://idp.example.se", "q3U1y0Cq9E3N0QmK6cJ3aA", "anna", &p.fingerprint(), None, None, None)
}

#[test]
fn a_locked_vault_creates_no_key_and_a_bad_code_is_reported_first() {
    let (_dir, mut v) = vault();
    v.lock();
    let vault = Mutex::new(v);
    let (keys, http) = (SoftwareKeyStore::new(), Offline::default());
    let a = Approvals::new(&vault, &keys, &http);
    assert!(matches!(a.enroll(&enroll_uri(), "t", None, NOW), Err(ApprovalError::Vault(VaultError::Locked))));
    assert!(matches!(a.enroll("nyckel-enroll://v1?x=1", "t", None, NOW), Err(ApprovalError::Protocol(ProtocolError::Uri(_)))));
    assert!(keys.aliases().is_empty());
    assert_eq!(http.sent.load(Ordering::SeqCst), 0);
}

#[test]
fn an_unanswered_enrollment_deletes_its_key() {
    let (_dir, mut v) = vault();
    let vault = RefCell::new(&mut v);
    let (keys, http) = (SoftwareKeyStore::new(), Offline::default());
    let err = Approvals::new(&vault, &keys, &http).enroll(&enroll_uri(), "t", None, NOW).unwrap_err();
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

    let failing = |_: &mut Vault| -> Result<(), VaultError> { Err(VaultError::Storage("disk full".into())) };
    let a = Approvals::new(&vault, &keys, &http).persist_keys_with(&failing);
    assert!(matches!(a.enroll(&enroll_uri(), "t", None, NOW), Err(ApprovalError::Vault(VaultError::Storage(_)))));
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
