use super::*;

fn provider(code: ProviderCode) -> ProtocolError {
    ProtocolError::Provider { status: 400, code }
}

/// (error, kind, by the user) for one error of every variant that maps on its own.
fn cases() -> Vec<(Box<dyn Classify>, ErrorKind, bool)> {
    use ErrorKind as K;
    let b = |e: Box<dyn Classify>, k, u| (e, k, u);
    vec![
        b(Box::new(ParseError::MissingSecret), K::InvalidUri, true),
        b(Box::new(CodeError::ZeroPeriod), K::InvalidInput, false),
        b(Box::new(VaultError::NoVault("/v".into())), K::NoVault, true),
        b(Box::new(VaultError::AlreadyExists("/v".into())), K::AlreadyExists, true),
        b(Box::new(VaultError::NotAVault("x".into())), K::Damaged, false),
        b(Box::new(VaultError::Corrupt("x".into())), K::Damaged, false),
        b(Box::new(VaultError::TooNew { found: 9, supported: 2 }), K::TooNew, false),
        b(Box::new(VaultError::WrongPassphrase), K::WrongPassphrase, true),
        b(Box::new(VaultError::Locked), K::Locked, false),
        b(Box::new(VaultError::NotFound(3)), K::NotFound, true),
        b(Box::new(VaultError::EnrollmentNotFound(3)), K::EnrollmentNotFound, true),
        b(Box::new(VaultError::Duplicate { existing_id: 1 }), K::Duplicate, true),
        b(Box::new(VaultError::InvalidUri(ParseError::EmptySecret)), K::InvalidUri, true),
        b(Box::new(VaultError::Code(CodeError::Digits(11))), K::InvalidInput, false),
        b(Box::new(VaultError::InvalidInput("x".into())), K::InvalidInput, true),
        b(Box::new(VaultError::CounterExhausted), K::InvalidInput, false),
        b(Box::new(VaultError::NoPlatformSlot), K::NoPlatformKey, false),
        b(Box::new(VaultError::storage(StorageFault::Io, "disk I/O error")), K::Storage, false),
        b(Box::new(ProtectorError::UserCancelled), K::UserCancelled, false),
        b(Box::new(ProtectorError::KeyInvalidated), K::KeyInvalidated, false),
        b(Box::new(ProtectorError::Unavailable("busy".into())), K::KeyUnavailable, false),
        b(Box::new(ProtectorError::Failed("x".into())), K::KeyProtector, false),
        b(Box::new(UriError::WrongScheme), K::InvalidEnrollmentCode, true),
        b(Box::new(ProtocolError::KeyStore(KeyStoreError::UserCancelled)), K::UserCancelled, true),
        b(
            Box::new(ProtocolError::KeyStore(KeyStoreError::UserVerificationFailed)),
            K::UserVerificationFailed,
            true,
        ),
        b(Box::new(ProtocolError::KeyStore(KeyStoreError::NotFound)), K::EnrollmentUnusable, false),
        b(
            Box::new(ProtocolError::KeyStore(KeyStoreError::Unavailable("busy".into()))),
            K::DeviceKeyUnavailable,
            false,
        ),
        b(Box::new(ProtocolError::KeyStore(KeyStoreError::AlreadyExists)), K::Internal, false),
        b(
            Box::new(ProtocolError::PhoneSigninKey(KeyStoreError::NotFound)),
            K::PhoneSigninKeyUnavailable,
            false,
        ),
        b(
            Box::new(ProtocolError::PhoneSigninKey(KeyStoreError::Other("x".into()))),
            K::PhoneSigninKeyUnavailable,
            false,
        ),
        b(Box::new(ProtocolError::BadPlatformSignature), K::DeviceKeyUnavailable, false),
        b(Box::new(ProtocolError::CounterExhausted), K::EnrollmentUnusable, false),
        b(Box::new(ProtocolError::InvalidEnrollment("key")), K::EnrollmentUnusable, false),
        b(Box::new(provider(ProviderCode::WrongNumber)), K::WrongNumber, true),
        b(Box::new(provider(ProviderCode::Expired)), K::RequestExpired, true),
        b(Box::new(provider(ProviderCode::NotPending)), K::RequestNotPending, true),
        b(Box::new(provider(ProviderCode::DeviceRevoked)), K::DeviceRevoked, true),
        b(Box::new(provider(ProviderCode::UnknownDevice)), K::DeviceRevoked, true),
        b(Box::new(provider(ProviderCode::ActivationInvalid)), K::InvalidEnrollmentCode, true),
        b(Box::new(provider(ProviderCode::ReplacedDeviceRevoked)), K::InvalidEnrollmentCode, true),
        b(Box::new(provider(ProviderCode::KeyReused)), K::ProviderRefused, false),
        b(Box::new(provider(ProviderCode::ChallengeInvalid)), K::ProviderRefused, false),
        b(Box::new(provider(ProviderCode::AttestationRefused)), K::ProviderRefused, false),
        b(Box::new(provider(ProviderCode::RateLimited)), K::ProviderRefused, true),
        b(Box::new(provider(ProviderCode::Blocked)), K::ProviderRefused, true),
        b(Box::new(provider(ProviderCode::UnknownCredential)), K::ProviderRefused, true),
        b(Box::new(provider(ProviderCode::Internal)), K::ProviderRefused, false),
        b(Box::new(provider(ProviderCode::Counter)), K::ProviderRefused, false),
        b(Box::new(provider(ProviderCode::Other("new_code".into()))), K::ProviderRefused, false),
        b(Box::new(ProtocolError::ClockSkew), K::ProviderRefused, false),
        b(Box::new(ProtocolError::BadProviderSignature), K::ProviderUntrusted, false),
        b(Box::new(ProtocolError::ProviderKeyMismatch), K::ProviderUntrusted, true),
        b(Box::new(ProtocolError::Substituted("device")), K::ProviderUntrusted, false),
        b(Box::new(ProtocolError::Malformed("x")), K::ProviderUntrusted, false),
        b(Box::new(ProtocolError::Expired), K::RequestExpired, true),
        b(Box::new(ProtocolError::InvalidNumber), K::InvalidNumber, true),
        b(Box::new(ProtocolError::PhoneSigninNotEnabled), K::PhoneSigninNotEnabled, true),
        b(Box::new(ApprovalError::Transport("refused".into())), K::ProviderUnreachable, false),
        b(Box::new(ApprovalError::Closed), K::Closed, false),
        b(Box::new(ApprovalError::Conflict), K::Busy, false),
        b(Box::new(ApprovalError::PhoneSigninConflict), K::PhoneSigninKeyUnavailable, false),
        b(Box::new(ApprovalError::PushTokenTooLong), K::InvalidInput, true),
        b(Box::new(ApprovalError::RequestGone), K::RequestNotPending, true),
        b(Box::new(ApprovalError::UnknownRequest), K::RequestNotFound, true),
        b(Box::new(ApprovalError::Vault(VaultError::Locked)), K::Locked, false),
        b(
            Box::new(ApprovalError::Protocol(provider(ProviderCode::WrongNumber))),
            K::WrongNumber,
            true,
        ),
    ]
}

#[test]
fn each_error_has_its_kind_and_cause() {
    for (e, kind, by_user) in cases() {
        assert_eq!(e.kind(), kind, "{e}");
        assert_eq!(e.by_user(), by_user, "{e}");
        assert_eq!(e.next_step(), kind.next_step(), "{e}");
        assert_eq!(e.ends_request(), kind.ends_request(), "{e}");
    }
}

#[test]
fn only_answers_that_kill_the_request_end_it() {
    let ending: Vec<ErrorKind> = ErrorKind::ALL.into_iter().filter(|k| k.ends_request()).collect();
    use ErrorKind as K;
    assert_eq!(
        ending,
        [
            K::WrongNumber,
            K::RequestExpired,
            K::RequestNotPending,
            K::RequestNotFound,
            K::DeviceRevoked
        ]
    );
    // Nothing was sent: the request stays answerable.
    for e in [
        ApprovalError::Conflict,
        ApprovalError::Transport("timed out".into()),
        ApprovalError::Protocol(ProtocolError::KeyStore(KeyStoreError::UserCancelled)),
        ApprovalError::Protocol(ProtocolError::PhoneSigninKey(KeyStoreError::NotFound)),
        ApprovalError::Protocol(ProtocolError::InvalidNumber),
    ] {
        assert!(!e.ends_request(), "{e}");
    }
}

#[test]
fn next_steps_say_what_the_user_does() {
    use ErrorKind as K;
    let step = |k: ErrorKind| k.next_step();
    assert_eq!(step(K::UserCancelled), NextStep::Nothing);
    assert_eq!(step(K::WrongNumber), NextStep::StartSignInAgain);
    assert_eq!(step(K::PhoneSigninKeyUnavailable), NextStep::ReenablePhoneSignin);
    assert_eq!(step(K::EnrollmentUnusable), NextStep::EnrollAgain);
    assert_eq!(step(K::DeviceRevoked), NextStep::EnrollAgain);
    assert_eq!(step(K::KeyInvalidated), NextStep::ReenrolPlatformKey);
    assert_eq!(step(K::NoVault), NextStep::CreateVault);
    assert_eq!(step(K::ProviderUntrusted), NextStep::CheckNetwork);
    assert_eq!(step(K::Internal), NextStep::ReportBug);
    // A lost phone sign-in key never tells the user to remove the account.
    let lost = ProtocolError::PhoneSigninKey(KeyStoreError::NotFound);
    assert_ne!(lost.next_step(), NextStep::EnrollAgain);
}

#[test]
fn every_kind_is_listed_once() {
    let mut seen = std::collections::HashSet::new();
    for k in ErrorKind::ALL {
        assert!(seen.insert(k), "{k:?} twice");
    }
}

#[test]
fn storage_errors_keep_sqlite_text_out_of_the_message() {
    let sqlite = rusqlite::Error::SqliteFailure(
        rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_FULL),
        Some("database or disk is full (table accounts)".into()),
    );
    let e = VaultError::from(sqlite);
    assert_eq!(e.kind(), ErrorKind::Storage);
    let shown = e.to_string();
    assert!(!shown.contains("accounts") && !shown.contains("database or disk"), "{shown}");
    assert!(e.log_detail().unwrap().contains("database or disk is full"));
    let wrapped = ApprovalError::Vault(e);
    assert!(!wrapped.to_string().contains("database or disk"), "{wrapped}");
    assert!(wrapped.log_detail().unwrap().contains("disk is full"));
    assert_eq!(VaultError::Locked.log_detail(), None);
    assert_eq!(wrapped.storage_fault(), Some(StorageFault::DiskFull));
    assert_eq!(VaultError::Locked.storage_fault(), None);
}

fn sqlite_error(code: std::ffi::c_int) -> VaultError {
    VaultError::from(rusqlite::Error::SqliteFailure(rusqlite::ffi::Error::new(code), None))
}

#[test]
fn sqlite_result_codes_name_the_storage_fault() {
    use rusqlite::ffi;
    for (code, fault) in [
        (ffi::SQLITE_FULL, StorageFault::DiskFull),
        (ffi::SQLITE_READONLY, StorageFault::ReadOnly),
        (ffi::SQLITE_READONLY_DIRECTORY, StorageFault::ReadOnly),
        (ffi::SQLITE_READONLY_CANTINIT, StorageFault::ReadOnly),
        (ffi::SQLITE_PERM, StorageFault::PermissionDenied),
        (ffi::SQLITE_BUSY, StorageFault::Busy),
        (ffi::SQLITE_LOCKED, StorageFault::Busy),
        (ffi::SQLITE_NOMEM, StorageFault::Other),
    ] {
        let e = sqlite_error(code);
        assert_eq!((e.kind(), e.storage_fault()), (ErrorKind::Storage, Some(fault)), "{code}");
        assert_eq!(e.to_string(), fault.sentence());
        assert!(!e.by_user());
    }
    assert_eq!(sqlite_error(rusqlite::ffi::SQLITE_CORRUPT).kind(), ErrorKind::Damaged);
}

/// The OS errors a write or an open fails with, by number (Linux's), each its own fault.
#[cfg(target_os = "linux")]
#[test]
fn os_errors_name_the_storage_fault() {
    let of = |errno| StorageFault::from_io(&std::io::Error::from_raw_os_error(errno));
    let (enospc, edquot, efbig, erofs, eacces, eperm, eio) = (28, 122, 27, 30, 13, 1, 5);
    assert_eq!(of(enospc), StorageFault::DiskFull);
    assert_eq!(of(edquot), StorageFault::DiskFull);
    assert_eq!(of(efbig), StorageFault::FileTooLarge);
    assert_eq!(of(erofs), StorageFault::ReadOnly);
    assert_eq!(of(eacces), StorageFault::PermissionDenied);
    assert_eq!(of(eperm), StorageFault::PermissionDenied);
    assert_eq!(of(eio), StorageFault::Io);
}

#[test]
fn every_storage_fault_has_its_own_one_line_sentence() {
    let sentences: std::collections::HashSet<&str> =
        StorageFault::ALL.iter().map(|f| f.sentence()).collect();
    assert_eq!(sentences.len(), StorageFault::ALL.len());
    assert!(sentences.iter().all(|s| !s.contains('\n') && !s.is_empty()));
    assert!(StorageFault::ReadOnly.sentence().starts_with("the vault is read-only"));
}
