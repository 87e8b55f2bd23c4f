//! Moving to a new phone end to end: `Approvals::export_transfer` on the old phone's vault,
//! `Approvals::import_transfer` on the new one's, against in-process `nyckel-idp`s over
//! loopback. Keys are never copied, the old phone's devices go at the new phone's first call,
//! phone sign-in comes back with a fresh key, the accounts move, and a package is good once.

mod protocol_support;

use std::sync::{Arc, Mutex};

use nyckel_core::approvals::{ApprovalError, Approvals, HttpTransport};
use nyckel_core::export::LeftOutCause;
use nyckel_core::import::{ImportError, Outcome};
use nyckel_core::protocol::keys::FixedPin;
use nyckel_core::protocol::{
    HttpRequest, HttpResponse, ProtocolError, ProviderCode, SoftwareKeyStore,
};
use nyckel_core::transfer::{TransferError, TransferKey};
use nyckel_core::vault::{ActivityEvent, DuplicatePolicy, KdfParams, Vault};
use protocol_support::*;

struct Loopback;

impl HttpTransport for Loopback {
    fn execute(&self, request: HttpRequest) -> Result<HttpResponse, String> {
        assert!(request.url.starts_with("http://127.0.0.1:"), "tests only talk to loopback");
        nyckel_http::execute(&request).map_err(|e| e.to_string())
    }
}

struct Device {
    _dir: tempfile::TempDir,
    vault: Mutex<Vault>,
    keys: SoftwareKeyStore,
}

impl Device {
    fn new(pin: &str) -> Device {
        let dir = tempfile::tempdir().unwrap();
        let vault =
            Vault::create(&dir.path().join("v.nyckel"), "lösenord för valvet", KdfParams::FLOOR)
                .unwrap();
        let keys = SoftwareKeyStore::new();
        keys.set_pin_source(Some(Arc::new(FixedPin::new(pin))));
        Device { _dir: dir, vault: Mutex::new(vault), keys }
    }

    fn approvals(&self) -> Approvals<'_, Mutex<Vault>> {
        Approvals::new(&self.vault, &self.keys, &Loopback)
    }

    fn enrollments(&self) -> Vec<nyckel_core::protocol::Enrollment> {
        self.vault
            .lock()
            .unwrap()
            .enrollments()
            .unwrap()
            .into_iter()
            .map(|s| s.enrollment)
            .collect()
    }
}

fn provider_code(e: &ApprovalError) -> Option<ProviderCode> {
    match e {
        ApprovalError::Protocol(ProtocolError::Provider { code, .. }) => Some(code.clone()),
        _ => None,
    }
}

const TOTP: &str = "otpauth://totp/GitHub:anna?secret=JBSWY3DPEHPK3PXP&issuer=GitHub";

/// An old phone with two providers (phone sign-in on the first), the first provider's
/// one-time-code account — enrolled with a code as providers wrote it before they marked
/// their secret managed (`otp_managed=1`), so the phone took it for a personal one and the
/// package carries it — and a personal account.
fn old_phone(a: &Env, b: &Env) -> Device {
    let old = Device::new("1234");
    let ap = old.approvals();
    let issued = a.provider.add_user("anna", Some("pw"), true).unwrap().enroll_uri;
    assert!(issued.ends_with("&otp_managed=1"), "the provider marks its secret managed");
    let with_otp = issued.replace("&otp_managed=1", "");
    let first = ap.enroll(&with_otp, "Gamla", None, device_now()).unwrap();
    ap.enable_phone_signin(first.enrollment_id, device_now()).unwrap();
    ap.enroll(&b.add_user("bo"), "Gamla", None, device_now()).unwrap();
    old.vault.lock().unwrap().add_uri(TOTP, DuplicatePolicy::Reject).unwrap();
    old
}

#[test]
fn the_new_phone_gets_new_keys_phone_signin_and_the_accounts_and_the_old_one_is_revoked() {
    let (a, b) = (Env::new(), Env::new());
    let old = old_phone(&a, &b);
    let export = old.approvals().export_transfer(device_now()).unwrap();
    assert_eq!(export.accounts.len(), 2, "the provider's one-time-code account and GitHub");
    assert_eq!(export.enrollments.len(), 2);
    assert!(export.enrollments.iter().all(|e| e.outcome.is_ok()));
    assert_eq!(
        export.enrollments.iter().map(|e| e.phone_signin).collect::<Vec<_>>(),
        [true, false]
    );
    assert!(export.left_out.is_empty(), "the enrollments move: nothing is left to re-enroll");
    assert!(export.expires_at().unwrap() > device_now());
    let text = String::from_utf8(export.bytes.to_vec()).unwrap();
    assert!(text.contains("\"nyckel-backup\""), "the backup format");
    assert!(!text.contains("JBSWY3DP") && !text.contains("nyckel-enroll"), "sealed");
    let logged = old.vault.lock().unwrap().activity(1).unwrap().remove(0).event;
    assert!(matches!(logged, ActivityEvent::Exported { ref format, ref account_ids }
        if format == "transfer" && account_ids.len() == 2));
    // Asking for codes revoked nothing: the old phone still works everywhere.
    for e in old.enrollments() {
        assert!(!a
            .provider
            .devices("anna")
            .unwrap()
            .iter()
            .chain(b.provider.devices("bo").unwrap().iter())
            .any(|d| d.device_id == e.device_id && d.revoked_at.is_some()));
    }

    let new = Device::new("5678");
    let key = TransferKey::from_scan(&export.key.qr_payload(), export.key.code()).unwrap();
    assert_eq!(key, export.key);
    let moved = new.approvals().import_transfer(&export.bytes, &key, "Nya", device_now()).unwrap();
    assert_eq!(moved.accounts.imported(), 2);
    assert_eq!(moved.enrollments.len(), 2);
    for m in &moved.enrollments {
        let done = m.outcome.as_ref().unwrap();
        assert!(done.confirmed.is_ok(), "{}", m.label);
    }
    let first = moved.enrollments[0].outcome.as_ref().unwrap();
    assert!(matches!(first.phone_signin, Some(Ok(()))));
    // The first provider re-delivered its one-time-code secret, which the package's copy (of
    // the earlier, unmarked code) already brought: linked and now managed, not added twice.
    let managed = first.managed_otp.as_ref().expect("re-delivered by the provider");
    assert!(!managed.added);
    assert_eq!(first.enrolled.enrollment.otp_account_id, Some(managed.account_id));
    assert!(first.enrolled.enrollment.otp_managed);
    assert_eq!(new.vault.lock().unwrap().accounts().unwrap().len(), 2, "no duplicate");
    assert!(moved.enrollments[1].outcome.as_ref().unwrap().managed_otp.is_none());
    assert!(moved.enrollments[1].outcome.as_ref().unwrap().phone_signin.is_none());

    let (olds, news) = (old.enrollments(), new.enrollments());
    assert_eq!(news.len(), 2);
    for (o, n) in olds.iter().zip(&news) {
        assert_eq!((&n.user_id, &n.base_url), (&o.user_id, &o.base_url));
        assert_ne!(n.device_id, o.device_id);
        assert_ne!(n.device_public_key, o.device_public_key, "keys are never copied");
        assert_eq!(n.device_name, "Nya");
    }
    let (old_uv, new_uv) =
        (olds[0].phone_signin.as_ref().unwrap(), news[0].phone_signin.as_ref().unwrap());
    assert_ne!(old_uv.public_key, new_uv.public_key, "a fresh phone sign-in key");
    assert!(new.keys.is_user_verification_key(&new_uv.key_alias).unwrap());
    assert_eq!(a.events("device_transferred"), 1);
    assert_eq!(b.events("device_transferred"), 1);

    // The old phone is revoked at both providers; the new one gets the sign-in.
    let id = olds[0].device_id.as_str();
    let revoked_at_a = a.provider.devices("anna").unwrap();
    assert!(revoked_at_a.iter().any(|d| d.device_id == id && d.revoked_at.is_some()));
    let id = olds[1].device_id.as_str();
    let revoked_at_b = b.provider.devices("bo").unwrap();
    assert!(revoked_at_b.iter().any(|d| d.device_id == id && d.revoked_at.is_some()));
    let old_ids: Vec<i64> =
        old.vault.lock().unwrap().enrollments().unwrap().iter().map(|s| s.id).collect();
    for id in old_ids {
        let err = old.approvals().pending_for(id, device_now()).unwrap_err();
        assert_eq!(provider_code(&err), Some(ProviderCode::DeviceRevoked), "{err:?}");
    }
    let s = a.push("anna");
    let new_first = new.vault.lock().unwrap().enrollments().unwrap()[0].id;
    let listed = new.approvals().pending_for(new_first, device_now()).unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].request.id, s.id);
}

#[test]
fn a_package_moves_once_and_opens_only_with_its_key() {
    let (a, b) = (Env::new(), Env::new());
    let old = old_phone(&a, &b);
    let export = old.approvals().export_transfer(device_now()).unwrap();

    let new = Device::new("5678");
    let wrong = TransferKey::parse("AAAAA-AAAAA-AAAAA-AAAAA-000000").unwrap();
    let err =
        new.approvals().import_transfer(&export.bytes, &wrong, "Nya", device_now()).unwrap_err();
    assert!(matches!(err, TransferError::Import(ImportError::WrongPassword(_))), "{err:?}");
    assert!(new.enrollments().is_empty());
    assert!(new.vault.lock().unwrap().accounts().unwrap().is_empty(), "nothing changed");

    let typed = TransferKey::parse(&export.key.text().to_lowercase()).unwrap();
    new.approvals().import_transfer(&export.bytes, &typed, "Nya", device_now()).unwrap();

    // The same package on a third phone: the accounts are just data, but every transfer
    // code was used.
    let third = Device::new("0000");
    let again =
        third.approvals().import_transfer(&export.bytes, &typed, "Tredje", device_now()).unwrap();
    assert_eq!(again.accounts.imported(), 2);
    for m in &again.enrollments {
        let err = m.outcome.as_ref().unwrap_err();
        assert_eq!(provider_code(err), Some(ProviderCode::ActivationInvalid), "{err:?}");
    }
    assert!(third.enrollments().is_empty());
    assert!(third.keys.aliases().is_empty(), "no key kept for a refused enrollment");
    // And importing into the vault that has the accounts reports them as duplicates.
    let dup = new.approvals().import_transfer(&export.bytes, &typed, "Nya", device_now()).unwrap();
    assert!(dup.accounts.entries.iter().all(|e| matches!(e.outcome, Outcome::Duplicate { .. })));
}

#[test]
fn a_transfer_that_is_never_imported_leaves_the_old_phone_working_and_a_provider_that_fails_is_reported(
) {
    let (a, b) = (Env::new(), Env::new());
    let old = old_phone(&a, &b);
    let bo = b.provider.devices("bo").unwrap()[0].device_id.clone();
    b.provider.revoke_device(&bo).unwrap();
    let export = old.approvals().export_transfer(device_now()).unwrap();
    let refused = export.enrollments[1].outcome.as_ref().unwrap_err();
    assert_eq!(provider_code(refused), Some(ProviderCode::DeviceRevoked));
    assert_eq!(export.left_out.len(), 1, "the enrollment without a code is to re-enroll");
    assert!(export.left_out[0].label.starts_with("bo at "));
    // Never imported: the old phone keeps approving at the first provider.
    let s = a.push("anna");
    let first = old.vault.lock().unwrap().enrollments().unwrap()[0].id;
    assert_eq!(old.approvals().pending_for(first, device_now()).unwrap()[0].request.id, s.id);
}

#[test]
fn a_plain_backup_is_not_a_transfer_package_and_an_empty_vault_has_nothing_to_move() {
    let d = Device::new("1");
    let err = d.approvals().export_transfer(device_now()).unwrap_err();
    assert!(matches!(err, TransferError::Nothing), "{err:?}");
    d.vault.lock().unwrap().add_uri(TOTP, DuplicatePolicy::Reject).unwrap();
    let key = TransferKey::parse("ABCDE-FGHIJ-KLMNO-PQRST-123456").unwrap();
    let mut vault = d.vault.lock().unwrap();
    let options = nyckel_core::export::ExportOptions {
        password: Some("ABCDEFGHIJKLMNOPQRST123456"),
        backup_kdf: KdfParams::FLOOR,
    };
    let backup =
        nyckel_core::export::export(&mut vault, nyckel_core::export::ExportFormat::Nyckel, options)
            .unwrap();
    drop(vault);
    let err = d.approvals().import_transfer(&backup.bytes, &key, "x", device_now()).unwrap_err();
    assert!(matches!(err, TransferError::NotATransfer), "{err:?}");
}

/// An old phone whose enrollment at `a` carries the provider's secret, marked managed as the
/// provider's enrollment codes do, and
/// whose enrollment at `b` carries a managed secret that `b` does not hold (so cannot
/// re-deliver).
fn old_phone_with_managed_codes(a: &Env, b: &Env) -> Device {
    let old = Device::new("1234");
    let ap = old.approvals();
    let at_a = a.provider.add_user("anna", Some("pw"), true).unwrap().enroll_uri;
    ap.enroll(&at_a, "Gamla", None, device_now()).unwrap();
    let otp = nyckel_core::protocol::uri::pct_encode(
        "otpauth://totp/Bolaget:bo?secret=GEZDGNBVGY3TQOJQ&issuer=Bolaget",
    );
    let at_b = format!("{}&otp={otp}&otp_managed=1", b.add_user("bo"));
    ap.enroll(&at_b, "Gamla", None, device_now()).unwrap();
    old
}

#[test]
fn a_managed_code_moves_from_its_provider_never_in_the_package_or_is_listed_to_re_enroll() {
    let (a, b) = (Env::new(), Env::new());
    let old = old_phone_with_managed_codes(&a, &b);
    let export = old.approvals().export_transfer(device_now()).unwrap();
    assert!(export.accounts.is_empty(), "managed secrets are never in the package's accounts");
    assert!(export.enrollments.iter().all(|e| e.outcome.is_ok()));
    // `a` re-delivers its secret with the transfer code; `b` has none to give: re-enroll.
    assert_eq!(export.left_out.len(), 1, "{:?}", export.left_out);
    assert_eq!(export.left_out[0].label, "Bolaget (bo)");
    let at_b = format!("re-enroll at {}", old.enrollments()[1].issuer);
    assert!(export.left_out[0].reason().ends_with(&at_b), "{:?}", export.left_out);
    assert_eq!(
        export.left_out[0].cause,
        LeftOutCause::ManagedOtpNotSent { issuer: old.enrollments()[1].issuer.clone() },
        "the apps say it from the cause"
    );

    let new = Device::new("5678");
    let moved =
        new.approvals().import_transfer(&export.bytes, &export.key, "Nya", device_now()).unwrap();
    assert_eq!(moved.accounts.entries.len(), 0);
    let first = moved.enrollments[0].outcome.as_ref().unwrap();
    let managed = first.managed_otp.as_ref().expect("re-delivered by the provider");
    assert!(managed.added);
    assert!(managed.label.contains("anna"), "{}", managed.label);
    assert!(moved.enrollments[1].outcome.as_ref().unwrap().managed_otp.is_none());
    let accounts = new.vault.lock().unwrap().accounts().unwrap();
    assert_eq!(accounts.len(), 1, "only the provider's re-delivered secret");
    assert_eq!(accounts[0].id, managed.account_id);
    assert_eq!(new.enrollments()[0].otp_account_id, Some(managed.account_id));
    // Still managed on the new phone: its own exports and transfers keep it out.
    let plan = {
        let vault = new.vault.lock().unwrap();
        nyckel_core::export::plan(&vault, nyckel_core::export::ExportFormat::Nyckel).unwrap()
    };
    assert!(plan.accounts.is_empty());
    assert!(plan.left_out.iter().any(|l| l.account_id == Some(managed.account_id)));

    // The same secret, added again by a later move, is linked rather than copied.
    let next = new.approvals().export_transfer(device_now()).unwrap();
    assert!(next.left_out.iter().all(|l| l.account_id != Some(managed.account_id)));
    let third = Device::new("0000");
    third.vault.lock().unwrap().add_uri(&first_otp_uri(&new), DuplicatePolicy::Reject).unwrap();
    let again =
        third.approvals().import_transfer(&next.bytes, &next.key, "Tredje", device_now()).unwrap();
    let linked = again.enrollments[0].outcome.as_ref().unwrap().managed_otp.clone().unwrap();
    assert!(!linked.added);
    assert_eq!(third.vault.lock().unwrap().accounts().unwrap().len(), 1);
}

/// The `otpauth://` URI of the first account in `d`'s vault.
fn first_otp_uri(d: &Device) -> String {
    let vault = d.vault.lock().unwrap();
    vault.accounts().unwrap()[0].params.to_uri()
}

#[test]
fn a_managed_code_whose_provider_gives_no_transfer_code_is_listed_to_re_enroll() {
    let (a, b) = (Env::new(), Env::new());
    let old = old_phone_with_managed_codes(&a, &b);
    let anna = a.provider.devices("anna").unwrap()[0].device_id.clone();
    a.provider.revoke_device(&anna).unwrap();
    let export = old.approvals().export_transfer(device_now()).unwrap();
    assert!(export.enrollments[0].outcome.is_err());
    let reasons: Vec<String> = export.left_out.iter().map(|l| l.reason()).collect();
    assert_eq!(export.left_out.len(), 3, "{reasons:?}");
    assert!(export.left_out[0].label.starts_with("anna at "), "the enrollment itself");
    let re_enroll = reasons.iter().filter(|r| r.contains("re-enroll at ")).count();
    assert_eq!(re_enroll, 2, "both managed codes: {reasons:?}");
}
