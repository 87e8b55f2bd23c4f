//! The one place where failures become a message and an exit code: the CLI renders the
//! core's classification ([`nyckel_core::error`]) and adds the `nyckel` command to run next.
//!
//! Exit codes: `0` success, `2` bad input or a refusal the user can act on (a malformed URI,
//! a wrong passphrase or PIN, an unknown id, a duplicate, a missing vault, a wrong number, an
//! expired sign-in request, …: [`Classify::by_user`]), `1` anything else (storage, a damaged vault, a provider that
//! cannot be reached or answers nonsense, an internal error). Every message is a single
//! line; `main` prints it prefixed with `nyckel: `. No message contains a secret, an
//! activation code, a nonce or a sign-in number.

use nyckel_core::approvals::ApprovalError;
use nyckel_core::error::StorageFault;
use nyckel_core::export::ExportError;
use nyckel_core::import::ImportError;
use nyckel_core::protocol::{ProtocolError, UriError};
use nyckel_core::transfer::TransferError;
use nyckel_core::vault::VaultError;
use nyckel_core::{Classify, ErrorKind, ParseError};

/// Exit code for success.
pub const EXIT_OK: i32 = 0;
/// Exit code for anything that is not the user's input (storage, corruption, bugs).
pub const EXIT_FAILURE: i32 = 1;
/// Exit code for bad input the user can correct.
pub const EXIT_USAGE: i32 = 2;

/// Why a command failed.
#[derive(Debug)]
pub enum CliError {
    /// A vault operation failed.
    Vault(VaultError),
    /// A URI given without a vault (`inspect`) was rejected.
    Parse(ParseError),
    /// A push-approval step (enroll, pending, approve, phone sign-in) failed.
    Approval(ApprovalError),
    /// An import file was refused as a whole (nothing was added).
    Import(ImportError),
    /// An export was refused (nothing was written or logged).
    Export(ExportError),
    /// A transfer export or import was refused as a whole.
    Transfer(TransferError),
    /// Bad input found by the CLI itself (exit 2).
    Usage(String),
    /// Anything else (exit 1).
    Failure(String),
    /// Stdout was closed by the reader (`nyckel list | head -0`): stop quietly.
    BrokenPipe,
}

/// Shorthand for results of CLI operations.
pub type Result<T, E = CliError> = std::result::Result<T, E>;

impl CliError {
    /// A bad-input error (exit 2) with `message`.
    pub fn usage(message: impl Into<String>) -> Self {
        CliError::Usage(message.into())
    }

    /// An exit-1 failure with `message`.
    pub fn failure(message: impl Into<String>) -> Self {
        CliError::Failure(message.into())
    }

    /// The process exit code for this error.
    pub fn exit_code(&self) -> i32 {
        match self {
            CliError::Usage(_) => EXIT_USAGE,
            CliError::Failure(_) => EXIT_FAILURE,
            CliError::BrokenPipe => EXIT_OK,
            e => match classified(e).is_some_and(|c| c.by_user()) {
                true => EXIT_USAGE,
                false => EXIT_FAILURE,
            },
        }
    }

    /// The core's rendering, without a CLI-specific addition.
    fn message_of_core(&self) -> String {
        classified(self).map(render).unwrap_or_default()
    }

    /// What only a developer needs (SQLite's own text), never part of [`CliError::message`].
    /// The CLI has no log for it yet; the test below keeps the detail reachable.
    #[allow(dead_code)]
    pub fn log_detail(&self) -> Option<String> {
        classified(self).and_then(|c| c.log_detail())
    }

    /// The one-line message shown to the user (without the `nyckel: ` prefix).
    /// `None` when nothing should be printed (broken pipe).
    pub fn message(&self) -> Option<String> {
        let text = match self {
            CliError::Vault(VaultError::InvalidUri(e)) | CliError::Parse(e) => parse_message(e),
            CliError::Vault(e) => render(e),
            CliError::Approval(ApprovalError::Vault(VaultError::InvalidUri(e))) => parse_message(e),
            e @ CliError::Approval(ApprovalError::Protocol(ProtocolError::Uri(
                UriError::WrongScheme,
            ))) => format!("{}; for an otpauth:// account use `nyckel add`", e.message_of_core()),
            CliError::Approval(e) => render(e),
            CliError::Import(ImportError::Vault(VaultError::InvalidUri(e))) => parse_message(e),
            e @ CliError::Import(ImportError::PasswordRequired(_)) => {
                format!("{} with --password-file FILE or --password-stdin", e.message_of_core())
            }
            CliError::Import(e) => render(e),
            e @ CliError::Export(ExportError::PasswordRequired(_)) => {
                format!("{} with --password-file FILE or --password-stdin", e.message_of_core())
            }
            CliError::Export(e) => render(e),
            CliError::Transfer(e) => render(e),
            CliError::Usage(m) | CliError::Failure(m) => m.clone(),
            CliError::BrokenPipe => return None,
        };
        Some(one_line(&text))
    }
}

/// The core's classification of a vault, parse or approval error.
fn classified(e: &CliError) -> Option<&dyn Classify> {
    match e {
        CliError::Vault(e) => Some(e),
        CliError::Parse(e) => Some(e),
        CliError::Approval(e) => Some(e),
        CliError::Import(e) => Some(e),
        CliError::Export(e) => Some(e),
        CliError::Transfer(e) => Some(e),
        CliError::Usage(_) | CliError::Failure(_) | CliError::BrokenPipe => None,
    }
}

/// What the wrong-number refusal says (the core's sentence; `approve` and the demo show it).
#[cfg(test)]
const WRONG_NUMBER: &str =
    "The number did not match. The sign-in was stopped; start it again on the sign-in page.";

/// The message for a failed push-approval step (also used for warnings).
pub fn approval_message(e: &ApprovalError) -> String {
    render(e)
}

/// The core's one-line message, with what to do next in `nyckel` terms.
fn render(e: &dyn Classify) -> String {
    let text = e.to_string();
    if let Some(fault) = e.storage_fault() {
        return format!("{text}; nothing was changed{}: {}", vault_note(fault), remedy(fault));
    }
    match hint(e.kind()) {
        Some(hint) => format!("{text}{hint}"),
        None => text,
    }
}

/// What else is true of a vault that failed with `fault`.
fn vault_note(fault: StorageFault) -> &'static str {
    match fault {
        StorageFault::ReadOnly => {
            " (reading still works: `nyckel list`, `nyckel code` for time-based codes, `nyckel export`)"
        }
        StorageFault::DiskFull
        | StorageFault::FileTooLarge
        | StorageFault::PermissionDenied
        | StorageFault::Busy
        | StorageFault::Io
        | StorageFault::Other => "",
    }
}

/// `; REMEDY` for a failed read or write of a file (an export, a QR image) whose cause the
/// user can act on (a full disk, a read-only or forbidden place); empty for others.
pub fn file_remedy(e: &std::io::Error) -> String {
    match StorageFault::from_io(e) {
        fault @ (StorageFault::DiskFull
        | StorageFault::FileTooLarge
        | StorageFault::ReadOnly
        | StorageFault::PermissionDenied) => format!("; {}", remedy(fault)),
        StorageFault::Busy | StorageFault::Io | StorageFault::Other => String::new(),
    }
}

/// What the user does about a storage failure, for the vault or a file `nyckel` writes.
pub fn remedy(fault: StorageFault) -> &'static str {
    match fault {
        StorageFault::DiskFull => "free some space on the disk and try again",
        StorageFault::FileTooLarge => {
            "raise the file size limit (`ulimit -f`) or free some space, and try again"
        }
        StorageFault::ReadOnly => {
            "to change it, make the file and its folder writable (`chmod u+w`) or mount the file system read-write"
        }
        StorageFault::PermissionDenied => {
            "run nyckel as the user who owns the file, or give this user write access to it and its folder"
        }
        StorageFault::Busy => "another program is writing to it; try again in a moment",
        StorageFault::Io => {
            "the disk may be failing: make a backup while it can still be read (`nyckel export --format nyckel`)"
        }
        StorageFault::Other => "try again",
    }
}

/// The `nyckel` command that is the next step, for the kinds that have one.
fn hint(kind: ErrorKind) -> Option<&'static str> {
    use ErrorKind as K;
    match kind {
        K::NoVault => Some("; create one with `nyckel init` or choose another with --vault"),
        K::NotFound => Some(" (see `nyckel list`)"),
        K::EnrollmentNotFound => Some(" (see `nyckel enrollments`)"),
        K::Duplicate => Some("; pass --allow-duplicate to add it again"),
        K::PhoneSigninNotEnabled => {
            Some(": turn it on with `nyckel phone-signin enable ACCOUNT`, or deny the request")
        }
        K::PhoneSigninKeyUnavailable => Some(
            "; turn phone sign-in off and on again (`nyckel phone-signin disable ACCOUNT`, then `enable`)",
        ),
        K::EnrollmentUnusable | K::DeviceRevoked => {
            Some("; remove it with `nyckel unenroll` and enroll again")
        }
        K::UserVerificationFailed => {
            Some(" (wrong PIN for phone sign-in); nothing was sent, and the sign-in request (if any) is still waiting")
        }
        K::UserCancelled => Some(" (no PIN given); nothing was sent"),
        K::Busy => Some("; nothing was sent"),
        K::RequestNotFound => Some(" (`nyckel pending`)"),
        K::InvalidUri
        | K::InvalidInput
        | K::WrongPassphrase
        | K::Locked
        | K::Closed
        | K::AlreadyExists
        | K::Damaged
        | K::TooNew
        | K::NoPlatformKey
        | K::KeyInvalidated
        | K::KeyUnavailable
        | K::KeyProtector
        | K::Storage
        | K::Internal
        | K::WrongNumber
        | K::RequestExpired
        | K::RequestNotPending
        | K::InvalidNumber
        | K::ProviderUnreachable
        | K::ProviderRefused
        | K::ProviderUntrusted
        | K::InvalidEnrollmentCode
        | K::DeviceKeyUnavailable => None,
    }
}

/// What to do with a Google Authenticator export given where an account URI was expected.
pub const GOOGLE_EXPORT_HINT: &str = "this is a Google Authenticator export (otpauth-migration://), not one account; import it with `nyckel import --scan IMAGE…` (its QR codes) or `nyckel import FILE` (a file of its otpauth-migration:// lines)";

/// The message of a URI given without a vault.
fn parse_message(e: &ParseError) -> String {
    match e {
        ParseError::WrongScheme(scheme) if scheme == "otpauth-migration" => {
            GOOGLE_EXPORT_HINT.into()
        }
        ParseError::WrongScheme(scheme) => format!(
            "not an otpauth URI (scheme \"{scheme}\"); only otpauth:// account URIs can be added"
        ),
        other => format!("invalid otpauth URI: {other}"),
    }
}

/// Collapses a message to one line (control and bidi characters shown escaped, as by
/// [`crate::output::clean`]).
pub fn one_line(text: &str) -> String {
    text.chars()
        .flat_map(|c| match c {
            '\n' | '\r' | '\t' => vec![' '],
            c if crate::output::needs_escape(c) => c.escape_default().collect(),
            c => vec![c],
        })
        .collect()
}

impl From<VaultError> for CliError {
    fn from(e: VaultError) -> Self {
        CliError::Vault(e)
    }
}

impl From<ApprovalError> for CliError {
    fn from(e: ApprovalError) -> Self {
        CliError::Approval(e)
    }
}

impl From<ProtocolError> for CliError {
    fn from(e: ProtocolError) -> Self {
        CliError::Approval(ApprovalError::Protocol(e))
    }
}

impl From<ParseError> for CliError {
    fn from(e: ParseError) -> Self {
        CliError::Parse(e)
    }
}

impl From<ImportError> for CliError {
    fn from(e: ImportError) -> Self {
        CliError::Import(e)
    }
}

impl From<ExportError> for CliError {
    fn from(e: ExportError) -> Self {
        CliError::Export(e)
    }
}

impl From<TransferError> for CliError {
    fn from(e: TransferError) -> Self {
        CliError::Transfer(e)
    }
}

impl From<nyckel_core::CodeError> for CliError {
    fn from(e: nyckel_core::CodeError) -> Self {
        CliError::Vault(VaultError::Code(e))
    }
}

/// An error reading what the user typed or piped in, `context` saying what was read
/// ("cannot read the URI from stdin"). Input that is not UTF-8 text is bad input (exit 2);
/// other read errors exit 1. The input itself is never part of the message.
pub fn input_error(context: &str, e: &std::io::Error) -> CliError {
    if e.kind() == std::io::ErrorKind::InvalidData {
        CliError::usage(format!("{context}: it is not valid UTF-8 text"))
    } else {
        CliError::failure(format!("{context}: {e}"))
    }
}

impl From<std::io::Error> for CliError {
    fn from(e: std::io::Error) -> Self {
        if e.kind() == std::io::ErrorKind::BrokenPipe {
            CliError::BrokenPipe
        } else {
            CliError::Failure(format!("I/O error: {e}{}", file_remedy(&e)))
        }
    }
}

/// Installs a panic hook that prints one line and exits 1, instead of Rust's panic report.
pub fn install_panic_hook() {
    std::panic::set_hook(Box::new(|info| {
        let place =
            info.location().map(|l| format!(" at {}:{}", l.file(), l.line())).unwrap_or_default();
        let what = info
            .payload()
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| info.payload().downcast_ref::<String>().cloned())
            .unwrap_or_default();
        // A panic while writing to a closed pipe is not a bug worth reporting.
        if what.contains("Broken pipe") || what.contains("failed printing to stdout") {
            std::process::exit(EXIT_OK);
        }
        eprintln!(
            "nyckel: internal error{place}: {}; this is a bug, please report it",
            one_line(&what)
        );
        std::process::exit(EXIT_FAILURE);
    }));
}

#[cfg(test)]
mod tests {
    use super::*;
    use nyckel_core::protocol::{KeyStoreError, ProviderCode};

    #[test]
    fn input_that_is_not_utf8_is_bad_input() {
        // What read_line (stdin, confirmations) and rpassword (prompts) give for such bytes.
        let not_utf8 = std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            "stream did not contain valid UTF-8",
        );
        let e = input_error("cannot read the passphrase from the terminal", &not_utf8);
        assert_eq!(e.exit_code(), EXIT_USAGE);
        assert_eq!(
            e.message().unwrap(),
            "cannot read the passphrase from the terminal: it is not valid UTF-8 text"
        );
        let gone = std::io::Error::other("device gone");
        assert_eq!(input_error("cannot read the answer", &gone).exit_code(), EXIT_FAILURE);
    }

    #[test]
    fn exit_codes() {
        assert_eq!(CliError::from(VaultError::WrongPassphrase).exit_code(), 2);
        assert_eq!(CliError::from(VaultError::NotFound(3)).exit_code(), 2);
        assert_eq!(CliError::from(VaultError::Duplicate { existing_id: 1 }).exit_code(), 2);
        assert_eq!(CliError::from(VaultError::Corrupt("x".into())).exit_code(), 1);
        assert_eq!(CliError::from(VaultError::storage(StorageFault::Io, "x")).exit_code(), 1);
        assert_eq!(CliError::from(ParseError::MissingSecret).exit_code(), 2);
        assert_eq!(CliError::BrokenPipe.exit_code(), 0);
        assert_eq!(CliError::from(VaultError::EnrollmentNotFound(4)).exit_code(), 2);
    }

    fn provider(code: ProviderCode) -> CliError {
        CliError::from(ProtocolError::Provider { status: 400, code })
    }

    #[test]
    fn approval_exit_codes_and_messages() {
        let wrong = provider(ProviderCode::WrongNumber);
        assert_eq!(wrong.exit_code(), 2);
        assert_eq!(wrong.message().unwrap(), WRONG_NUMBER);
        assert_eq!(provider(ProviderCode::Expired).exit_code(), 2);
        assert_eq!(CliError::from(ProtocolError::Expired).exit_code(), 2);
        assert_eq!(provider(ProviderCode::NotPending).exit_code(), 2);
        assert_eq!(provider(ProviderCode::Internal).exit_code(), 1);
        assert_eq!(CliError::from(ApprovalError::Transport("x".into())).exit_code(), 1);
        assert_eq!(CliError::from(ProtocolError::ProviderKeyMismatch).exit_code(), 2);
        assert_eq!(CliError::from(ProtocolError::BadProviderSignature).exit_code(), 1);
        let pin = CliError::from(ProtocolError::KeyStore(KeyStoreError::UserVerificationFailed));
        assert_eq!(pin.exit_code(), 2);
        assert!(pin.message().unwrap().contains("wrong PIN"));
        assert!(CliError::from(ProtocolError::PhoneSigninNotEnabled)
            .message()
            .unwrap()
            .contains("phone-signin enable"));
        let unreachable =
            CliError::from(ApprovalError::Transport("127.0.0.1 refused the connection".into()));
        assert!(unreachable.message().unwrap().starts_with("cannot reach the provider"));
    }

    #[test]
    fn storage_errors_show_no_sqlite_text_but_keep_it_for_a_log() {
        let e = CliError::from(VaultError::storage(
            StorageFault::Io,
            "disk I/O error (table accounts)",
        ));
        assert_eq!(e.exit_code(), 1);
        assert!(!e.message().unwrap().contains("disk I/O error"), "{:?}", e.message());
        assert_eq!(e.log_detail().as_deref(), Some("disk I/O error (table accounts)"));
    }

    #[test]
    fn each_kind_renders_the_core_message_and_its_next_command() {
        let lost = CliError::from(ProtocolError::PhoneSigninKey(KeyStoreError::NotFound));
        assert!(lost.message().unwrap().contains("nyckel phone-signin disable"), "{lost:?}");
        assert!(!lost.message().unwrap().contains("unenroll"));
        let revoked = provider(ProviderCode::DeviceRevoked);
        assert!(revoked.message().unwrap().contains("nyckel unenroll"));
        let busy = CliError::from(ApprovalError::Conflict);
        assert_eq!(busy.exit_code(), 1);
        assert!(busy.message().unwrap().contains("nothing was sent"));
        let gone = CliError::from(ApprovalError::RequestGone);
        assert_eq!(gone.exit_code(), 2);
        let missing = CliError::from(VaultError::NoVault("/tmp/v".into()));
        assert_eq!(
            missing.message().unwrap(),
            "no vault at /tmp/v; create one with `nyckel init` or choose another with --vault"
        );
    }

    #[test]
    fn import_and_export_errors_are_rendered_through_the_classification() {
        let wrong = CliError::from(ImportError::WrongPassword("aegis"));
        assert_eq!(
            (wrong.exit_code(), wrong.message().unwrap()),
            (2, "wrong password for this aegis file".to_owned())
        );
        let missing = CliError::from(ImportError::PasswordRequired("2fas"));
        assert!(missing
            .message()
            .unwrap()
            .ends_with("with --password-file FILE or --password-stdin"));
        let batches = CliError::from(ImportError::MissingBatches { missing: vec![2], total: 3 });
        assert_eq!(batches.exit_code(), 2);
        assert!(batches.message().unwrap().contains("batch 2 of 3 missing"));
        let storage = CliError::from(ImportError::Vault(VaultError::storage(
            StorageFault::FileTooLarge,
            "SQLITE_IOERR_WRITE",
        )));
        assert_eq!(storage.exit_code(), 1);
        assert!(!storage.message().unwrap().contains("SQLITE_IOERR"));
        assert_eq!(CliError::from(ExportError::Random).exit_code(), 1);
        let empty = CliError::from(ExportError::EmptyPassword);
        assert_eq!(empty.exit_code(), 2);
        assert!(CliError::from(ExportError::PasswordRequired("nyckel"))
            .message()
            .unwrap()
            .contains("--password-stdin"));
    }

    /// Each storage fault has its own message and remedy, the same through every error
    /// that carries a vault error, and never SQLite's text.
    #[test]
    fn each_storage_fault_says_what_happened_and_what_to_do() {
        let mut seen = std::collections::HashSet::new();
        for fault in StorageFault::ALL {
            let vault = VaultError::storage(fault, "SQLITE_IOERR_WRITE");
            let m = CliError::from(vault).message().unwrap();
            assert!(m.starts_with(fault.sentence()), "{m}");
            assert!(m.contains("nothing was changed") && m.contains(remedy(fault)), "{m}");
            assert!(!m.contains("SQLITE"), "{m}");
            let via_import = CliError::from(ImportError::Vault(VaultError::storage(fault, "x")));
            assert_eq!(via_import.message().unwrap(), m);
            assert_eq!(via_import.exit_code(), EXIT_FAILURE);
            seen.insert(m);
        }
        assert_eq!(seen.len(), StorageFault::ALL.len());
        let full = CliError::from(VaultError::storage(StorageFault::DiskFull, "x"));
        assert!(full.message().unwrap().contains("free some space"));
        let read_only = CliError::from(VaultError::storage(StorageFault::ReadOnly, "x"));
        let m = read_only.message().unwrap();
        assert!(m.starts_with("the vault is read-only") && m.contains("nyckel list"), "{m}");
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn a_failed_file_write_says_what_to_do_when_the_user_can() {
        let full = CliError::from(std::io::Error::from_raw_os_error(28)); // ENOSPC
        assert!(full.message().unwrap().contains("free some space"), "{full:?}");
        let eio = CliError::from(std::io::Error::from_raw_os_error(5));
        assert!(!eio.message().unwrap().contains(';'), "{eio:?}");
    }

    #[test]
    fn messages_are_one_line() {
        let e = CliError::usage("two\nlines\x1b[2J");
        let m = e.message().unwrap();
        assert!(!m.contains('\n') && !m.contains('\x1b'), "{m}");
        assert!(CliError::from(ParseError::WrongScheme("otpauth-migration".into()))
            .message()
            .unwrap()
            .contains("nyckel import --scan"));
    }
}
