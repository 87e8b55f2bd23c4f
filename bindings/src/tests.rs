//! Rust-side tests of the wrapper (the Kotlin and Swift suites test it through the FFI).

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use crate::error::{KeyProtectorError, NyckelError};
use crate::otp::{code_for_uri, parse_uri, OtpKind};
use crate::protector::VaultKeyProtector;
use crate::vault::{
    kdf_minimum, AccountChanges, ActivityEvent, ExportVia, ManualAccount, NyckelVault,
};

const SHA1_SECRET: &str = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ";

fn totp_uri() -> String {
    format!("otpauth://totp/RFC:test?secret={SHA1_SECRET}&issuer=RFC&digits=8")
}

fn new_vault(dir: &tempfile::TempDir) -> (Arc<NyckelVault>, String) {
    let path = dir.path().join("vault.nyckel").display().to_string();
    (NyckelVault::create(path.clone(), "correct horse".into(), Some(kdf_minimum())).unwrap(), path)
}

/// A protector XOR-ing with a fixed pad (no security: it only has to round-trip), that can
/// be told to cancel and that calls back into the vault while "prompting".
struct TestProtector {
    cancel: AtomicBool,
    reenter: Mutex<Option<Arc<NyckelVault>>>,
    saw_locked: Mutex<Vec<bool>>,
}

impl TestProtector {
    fn new() -> Arc<Self> {
        Arc::new(TestProtector {
            cancel: AtomicBool::new(false),
            reenter: Mutex::new(None),
            saw_locked: Mutex::new(vec![]),
        })
    }
    fn xor(bytes: Vec<u8>) -> Vec<u8> {
        bytes.into_iter().map(|b| b ^ 0x5a).collect()
    }
    fn prompt(&self) -> Result<(), KeyProtectorError> {
        if let Some(v) = self.reenter.lock().unwrap().as_ref() {
            self.saw_locked.lock().unwrap().push(v.is_locked().unwrap());
        }
        if self.cancel.load(Ordering::SeqCst) {
            return Err(KeyProtectorError::UserCancelled);
        }
        Ok(())
    }
}

impl VaultKeyProtector for TestProtector {
    fn wrap(&self, vault_key: Vec<u8>) -> Result<Vec<u8>, KeyProtectorError> {
        self.prompt()?;
        Ok(Self::xor(vault_key))
    }
    fn unwrap(&self, wrapped_key: Vec<u8>) -> Result<Vec<u8>, KeyProtectorError> {
        self.prompt()?;
        Ok(Self::xor(wrapped_key))
    }
}

#[test]
fn parse_and_codes() {
    assert_eq!(code_for_uri(totp_uri(), 59).unwrap().code, "94287082");
    assert_eq!(code_for_uri(totp_uri(), 1111111109).unwrap().code, "07081804");
    let r = parse_uri(totp_uri()).unwrap();
    assert_eq!(r.info.kind, OtpKind::Totp);
    assert!(matches!(parse_uri("https://x".into()), Err(NyckelError::InvalidUri { .. })));
    assert!(matches!(code_for_uri(totp_uri(), -5), Err(NyckelError::InvalidInput { .. })));
}

#[test]
fn vault_round_trip_and_errors() {
    let dir = tempfile::tempdir().unwrap();
    let (v, path) = new_vault(&dir);
    let added = v.add_uri(totp_uri(), false).unwrap();
    assert!(
        matches!(v.add_uri(totp_uri(), false), Err(NyckelError::Duplicate { existing_id }) if existing_id == added.account.id)
    );
    let codes = v.codes_at(59).unwrap();
    assert_eq!(codes.len(), 1);
    assert_eq!(codes[0].code.code, "94287082");
    v.update_account(
        added.account.id,
        AccountChanges { name: Some("renamed".into()), ..Default::default() },
    )
    .unwrap();
    assert!(v.export_uri(added.account.id, ExportVia::Qr).unwrap().contains(SHA1_SECRET));
    let activity = v.activity(10).unwrap();
    assert!(matches!(activity[0].event, ActivityEvent::Exported { .. }));
    v.close_vault();
    assert_eq!(v.accounts(), Err(NyckelError::Closed));
    v.close_vault();

    let v = NyckelVault::open(path.clone()).unwrap();
    assert_eq!(v.accounts(), Err(NyckelError::Locked));
    assert_eq!(v.unlock_with_passphrase("wrong".into()), Err(NyckelError::WrongPassphrase));
    v.unlock_with_passphrase("correct horse".into()).unwrap();
    assert_eq!(v.accounts().unwrap()[0].name, "renamed");
    assert_eq!(v.account(999), Err(NyckelError::NotFound { id: 999 }));
    assert!(matches!(
        NyckelVault::create(path, "x".into(), None),
        Err(NyckelError::AlreadyExists { .. })
    ));
    assert!(matches!(NyckelVault::open("/nonexistent/v".into()), Err(NyckelError::NoVault { .. })));
}

#[test]
fn manual_entry_goes_through_the_parser() {
    let dir = tempfile::tempdir().unwrap();
    let (v, _) = new_vault(&dir);
    let manual = ManualAccount {
        kind: OtpKind::Totp,
        secret: "gezd gnbv-gy3t qojq gezd gnbv gy3t qojq".into(),
        issuer: " RFC ".into(),
        name: "typed".into(),
        algorithm: None,
        digits: Some(8),
        period: None,
        counter: None,
        note: "desk".into(),
    };
    let added = v.add_manual(manual.clone(), false).unwrap();
    assert_eq!(added.account.issuer, "RFC");
    assert_eq!(added.account.note, "desk");
    assert_eq!(v.codes_at(59).unwrap()[0].code.code, "94287082");
    let bad = ManualAccount { secret: "not base32 !".into(), ..manual.clone() };
    assert!(matches!(v.add_manual(bad, false), Err(NyckelError::InvalidInput { .. })));
    let bad = ManualAccount { digits: Some(300), ..manual };
    assert!(matches!(v.add_manual(bad, true), Err(NyckelError::InvalidInput { .. })));
}

#[test]
fn protector_runs_without_the_lock_and_cancel_leaves_it_locked() {
    let dir = tempfile::tempdir().unwrap();
    let (v, _) = new_vault(&dir);
    let p = TestProtector::new();
    *p.reenter.lock().unwrap() = Some(v.clone());
    v.enable_platform_key(p.clone()).unwrap();
    assert!(v.has_platform_key().unwrap());
    v.lock().unwrap();
    p.cancel.store(true, Ordering::SeqCst);
    assert_eq!(v.unlock_with_protector(p.clone()), Err(NyckelError::UserCancelled));
    assert!(v.is_locked().unwrap());
    p.cancel.store(false, Ordering::SeqCst);
    v.unlock_with_protector(p.clone()).unwrap();
    assert!(!v.is_locked().unwrap());
    // The callback re-entered the vault each time (no deadlock) and saw its state.
    assert_eq!(*p.saw_locked.lock().unwrap(), vec![false, false, true, true]);
    *p.reenter.lock().unwrap() = None; // break the Arc cycle
}

#[test]
fn errors_never_carry_the_secret() {
    let secret = "JBSWY3DPEHPK3PXP1";
    let e = parse_uri(format!("otpauth://totp/x?secret={secret}")).unwrap_err();
    assert!(!e.to_string().contains(secret), "{e}");
    let e = parse_uri(format!("otpauth://totp/x?secret={secret}&digits=99")).unwrap_err();
    assert!(!e.to_string().contains(secret), "{e}");
}

#[cfg(feature = "test-hooks")]
#[test]
fn a_panic_holding_the_lock_does_not_brick_the_vault() {
    let dir = tempfile::tempdir().unwrap();
    let (v, _) = new_vault(&dir);
    let r =
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| v.test_hook_panic_holding_lock()));
    assert!(r.is_err());
    assert!(v.accounts().unwrap().is_empty());
}

/// One core error of every kind, through the exported type: the variant, `kind()`,
/// `next_step()` and `ends_request()` are the core's classification, and every kind is
/// reachable (so every variant is exercised).
#[test]
fn the_exported_error_is_the_core_classification() {
    use nyckel_core::approvals::ApprovalError as A;
    use nyckel_core::error::StorageFault;
    use nyckel_core::protocol::{KeyStoreError as K, ProtocolError as P, ProviderCode, UriError};
    use nyckel_core::vault::{ProtectorError, VaultError as V};
    use nyckel_core::{Classify, ErrorKind};
    let p = |code| A::Protocol(P::Provider { status: 400, code });
    let cases: Vec<A> = vec![
        V::InvalidUri(nyckel_core::ParseError::MissingSecret).into(),
        V::InvalidInput("x".into()).into(),
        V::WrongPassphrase.into(),
        V::Locked.into(),
        A::Closed,
        V::NotFound(4).into(),
        V::EnrollmentNotFound(5).into(),
        V::Duplicate { existing_id: 6 }.into(),
        V::NoVault("/v".into()).into(),
        V::AlreadyExists("/v".into()).into(),
        V::Corrupt("x".into()).into(),
        V::TooNew { found: 9, supported: 2 }.into(),
        V::NoPlatformSlot.into(),
        P::KeyStore(K::UserCancelled).into(),
        V::Protector(ProtectorError::KeyInvalidated).into(),
        V::Protector(ProtectorError::Unavailable("busy".into())).into(),
        V::Protector(ProtectorError::Failed("x".into())).into(),
        V::storage(StorageFault::Io, "disk I/O error").into(),
        P::KeyStore(K::AlreadyExists).into(),
        p(ProviderCode::WrongNumber),
        P::Expired.into(),
        p(ProviderCode::NotPending),
        A::UnknownRequest,
        A::Conflict,
        P::InvalidNumber.into(),
        P::PhoneSigninNotEnabled.into(),
        p(ProviderCode::DeviceRevoked),
        A::Transport("offline".into()),
        p(ProviderCode::RateLimited),
        P::BadProviderSignature.into(),
        P::Uri(UriError::WrongScheme).into(),
        P::KeyStore(K::Unavailable("busy".into())).into(),
        P::KeyStore(K::NotFound).into(),
        P::KeyStore(K::UserVerificationFailed).into(),
        P::PhoneSigninKey(K::NotFound).into(),
    ];
    let mut seen = std::collections::HashSet::new();
    for core in cases {
        let (kind, step, over, shown) =
            (core.kind(), core.next_step(), core.ends_request(), format!("{core:?}"));
        let e = NyckelError::from(core);
        assert_eq!(e.kind(), kind, "{shown} -> {e:?}");
        assert_eq!(e.next_step(), step, "{shown}");
        assert_eq!(e.ends_request(), over, "{shown}");
        assert!(!e.to_string().contains("disk I/O error"), "{e}");
        seen.insert(kind);
    }
    let missing: Vec<ErrorKind> =
        ErrorKind::ALL.into_iter().filter(|k| !seen.contains(k)).collect();
    assert!(missing.is_empty(), "no case for {missing:?}");
}

/// A storage error reaches the app with its fault: a full disk is told from a read-only
/// file, and the sentence is the core's, never SQLite's text.
#[test]
fn storage_errors_carry_their_fault_to_the_app() {
    use nyckel_core::error::StorageFault;
    use nyckel_core::import::ImportError;
    use nyckel_core::vault::VaultError;
    use nyckel_core::ErrorKind;
    for fault in StorageFault::ALL {
        let e = NyckelError::from(VaultError::storage(fault, "SQLITE_IOERR_WRITE (table x)"));
        assert_eq!(e.kind(), ErrorKind::Storage);
        assert_eq!(e, NyckelError::Storage { reason: fault.sentence().into(), fault });
        assert!(!e.to_string().contains("SQLITE"), "{e}");
    }
    let wrapped = ImportError::Vault(VaultError::storage(StorageFault::DiskFull, "full"));
    assert!(matches!(
        NyckelError::from(wrapped),
        NyckelError::Storage { fault: StorageFault::DiskFull, .. }
    ));
}
