//! The one place where failures become a message and an exit code.
//!
//! Exit codes: `0` success, `2` bad input or a refusal the user can act on (a malformed URI,
//! a wrong passphrase or PIN, an unknown id, a duplicate, a missing vault, a wrong number, an
//! expired sign-in request, …), `1` anything else (storage, a damaged vault, a provider that
//! cannot be reached or answers nonsense, an internal error). Every message is a single
//! line; `main` prints it prefixed with `nyckel: `. No message contains a secret, an
//! activation code, a nonce or a sign-in number.

use nyckel_core::approvals::ApprovalError;
use nyckel_core::protocol::{KeyStoreError, ProtocolError, ProviderCode, UriError};
use nyckel_core::vault::VaultError;
use nyckel_core::ParseError;

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
            CliError::Vault(e) => vault_exit_code(e),
            CliError::Approval(e) => approval_exit_code(e),
            CliError::Parse(_) | CliError::Usage(_) => EXIT_USAGE,
            CliError::Failure(_) => EXIT_FAILURE,
            CliError::BrokenPipe => EXIT_OK,
        }
    }

    /// The one-line message shown to the user (without the `nyckel: ` prefix).
    /// `None` when nothing should be printed (broken pipe).
    pub fn message(&self) -> Option<String> {
        let text = match self {
            CliError::Vault(e) => vault_message(e),
            CliError::Parse(e) => parse_message(e),
            CliError::Approval(e) => approval_message(e),
            CliError::Usage(m) | CliError::Failure(m) => m.clone(),
            CliError::BrokenPipe => return None,
        };
        Some(one_line(&text))
    }
}

fn vault_exit_code(e: &VaultError) -> i32 {
    match e {
        VaultError::InvalidUri(_)
        | VaultError::InvalidInput(_)
        | VaultError::Duplicate { .. }
        | VaultError::NotFound(_)
        | VaultError::EnrollmentNotFound(_)
        | VaultError::WrongPassphrase
        | VaultError::NoVault(_)
        | VaultError::AlreadyExists(_) => EXIT_USAGE,
        _ => EXIT_FAILURE,
    }
}

fn vault_message(e: &VaultError) -> String {
    match e {
        VaultError::NoVault(path) => {
            format!("no vault at {path}; create one with `nyckel init` or choose another with --vault")
        }
        VaultError::AlreadyExists(path) => format!("a file already exists at {path}; refusing to overwrite it"),
        VaultError::WrongPassphrase => "wrong passphrase".into(),
        VaultError::NotFound(id) => format!("no account with id {id} (see `nyckel list`)"),
        VaultError::EnrollmentNotFound(id) => format!("no enrollment with id {id} (see `nyckel enrollments`)"),
        VaultError::Duplicate { existing_id } => format!(
            "this account is already in the vault (id {existing_id}); pass --allow-duplicate to add it again"
        ),
        VaultError::InvalidUri(p) => parse_message(p),
        VaultError::InvalidInput(m) => m.clone(),
        VaultError::NotAVault(_) | VaultError::Corrupt(_) | VaultError::TooNew { .. } => e.to_string(),
        other => other.to_string(),
    }
}

fn parse_message(e: &ParseError) -> String {
    match e {
        ParseError::WrongScheme(scheme) if scheme == "otpauth-migration" => {
            "this is a Google Authenticator export (otpauth-migration://); importing those is not supported yet".into()
        }
        ParseError::WrongScheme(scheme) => format!(
            "not an otpauth URI (scheme \"{scheme}\"); only otpauth:// account URIs can be added"
        ),
        other => format!("invalid otpauth URI: {other}"),
    }
}

fn approval_exit_code(e: &ApprovalError) -> i32 {
    match e {
        ApprovalError::Vault(v) => vault_exit_code(v),
        ApprovalError::Transport(_)
        | ApprovalError::Closed
        | ApprovalError::Conflict
        | ApprovalError::PhoneSigninConflict => EXIT_FAILURE,
        ApprovalError::PushTokenTooLong => EXIT_USAGE,
        ApprovalError::Protocol(p) => protocol_exit_code(p),
    }
}

fn protocol_exit_code(e: &ProtocolError) -> i32 {
    match e {
        ProtocolError::Uri(_)
        | ProtocolError::ProviderKeyMismatch
        | ProtocolError::Expired
        | ProtocolError::InvalidNumber
        | ProtocolError::PhoneSigninNotEnabled
        | ProtocolError::KeyStore(
            KeyStoreError::UserCancelled | KeyStoreError::UserVerificationFailed,
        ) => EXIT_USAGE,
        ProtocolError::Provider {
            code:
                ProviderCode::WrongNumber
                | ProviderCode::Expired
                | ProviderCode::NotPending
                | ProviderCode::NotFound
                | ProviderCode::ActivationInvalid
                | ProviderCode::DeviceRevoked
                | ProviderCode::UnknownDevice
                | ProviderCode::UnknownCredential
                | ProviderCode::RateLimited
                | ProviderCode::Blocked,
            ..
        } => EXIT_USAGE,
        _ => EXIT_FAILURE,
    }
}

/// What the wrong-number refusal says (also shown by the interactive `approve` and the demo).
pub const WRONG_NUMBER: &str =
    "The number did not match. The sign-in was stopped; start it again on the sign-in page.";

/// The message for a failed push-approval step (also used for warnings).
pub fn approval_message(e: &ApprovalError) -> String {
    match e {
        ApprovalError::Vault(v) => vault_message(v),
        ApprovalError::Transport(reason) => format!("cannot reach the provider: {reason}"),
        ApprovalError::Protocol(p) => protocol_message(p),
        e @ (ApprovalError::Closed | ApprovalError::Conflict | ApprovalError::PushTokenTooLong) => e.to_string(),
        ApprovalError::PhoneSigninConflict => "phone sign-in for this account was changed by another `nyckel` at the same time, so this change was not saved; turn it on again with `nyckel phone-signin enable ACCOUNT`".into(),
    }
}

fn protocol_message(e: &ProtocolError) -> String {
    match e {
        ProtocolError::Uri(UriError::WrongScheme) => {
            "not a Nyckel enrollment code (nyckel-enroll://…); for an otpauth:// account use `nyckel add`".into()
        }
        ProtocolError::Uri(UriError::InsecureUrl) => {
            "the enrollment code's provider URL is plain http on another computer; providers must use https".into()
        }
        ProtocolError::Uri(u) => format!("not a usable enrollment code: {u}"),
        ProtocolError::KeyStore(KeyStoreError::UserVerificationFailed) => {
            "wrong PIN for phone sign-in; nothing was sent, and the sign-in request (if any) is still waiting".into()
        }
        ProtocolError::KeyStore(KeyStoreError::UserCancelled) => "no PIN given; nothing was sent".into(),
        ProtocolError::KeyStore(k) => format!("device key store: {k}"),
        ProtocolError::PhoneSigninKey(KeyStoreError::NotFound) => "this account's phone sign-in key is missing from this computer's key store; turn phone sign-in off and on again (`nyckel phone-signin disable ACCOUNT`, then `enable`)".into(),
        ProtocolError::PhoneSigninKey(k) => format!("phone sign-in key: {k}; if this persists, turn phone sign-in off and on again"),
        ProtocolError::BadPlatformSignature | ProtocolError::BadPlatformKey => e.to_string(),
        ProtocolError::Provider { code, status } => provider_message(code, *status),
        ProtocolError::ClockSkew => {
            "this computer's clock is too far from the provider's, even after correcting for it; check the system clock".into()
        }
        ProtocolError::Malformed(_) | ProtocolError::TooLarge | ProtocolError::UnexpectedPayload(_) => {
            format!("the provider's answer is not valid Nyckel protocol ({e}); nothing was changed")
        }
        ProtocolError::BadProviderSignature => "the provider's answer is not signed by the key pinned at enrollment, so it was ignored (an attack, or the provider changed its key: then enroll again)".into(),
        ProtocolError::ProviderKeyMismatch => "the provider's key does not match the fingerprint in the enrollment code, so nothing was stored; the code may be forged or the connection intercepted: do not use it".into(),
        ProtocolError::Substituted(what) => {
            format!("the provider's answer is about another {what}, so it was ignored (possible attack); nothing was changed")
        }
        ProtocolError::Expired => EXPIRED.into(),
        ProtocolError::InvalidNumber => "the number must be two digits (10-99)".into(),
        ProtocolError::PhoneSigninNotEnabled => "this is a passwordless sign-in request, which needs phone sign-in; it is not enabled for this account on this computer: turn it on with `nyckel phone-signin enable ACCOUNT`, or deny the request".into(),
        ProtocolError::CounterExhausted => "this enrollment's signature counter is used up; remove it and enroll again".into(),
        ProtocolError::InvalidEnrollment(what) => {
            format!("the stored enrollment is damaged ({what}); remove it with `nyckel unenroll` and enroll again")
        }
    }
}

const EXPIRED: &str = "the sign-in request expired before it was answered; start the sign-in again";

fn provider_message(code: &ProviderCode, status: u16) -> String {
    match code {
        ProviderCode::WrongNumber => WRONG_NUMBER.into(),
        ProviderCode::Expired => EXPIRED.into(),
        ProviderCode::NotPending => "this sign-in request is no longer waiting: it was answered elsewhere or replaced by a newer one".into(),
        ProviderCode::NotFound => "the provider does not know this sign-in request (any more)".into(),
        ProviderCode::ActivationInvalid => "the enrollment code was already used or has expired; get a new one from the provider (account page or administrator)".into(),
        ProviderCode::DeviceRevoked => "the provider has revoked this computer's enrollment; remove it with `nyckel unenroll` and enroll again".into(),
        ProviderCode::UnknownDevice => "the provider does not know this computer (was its enrollment removed?); enroll again".into(),
        ProviderCode::UnknownCredential => "the provider does not accept this computer's key for this request".into(),
        ProviderCode::RateLimited => "the provider is limiting requests; wait a few minutes and try again".into(),
        ProviderCode::Blocked => "sign-ins for this account are blocked for a while after a report".into(),
        ProviderCode::Counter => "the provider refused the key's signature counter (was the vault restored from an old copy?); enroll again".into(),
        ProviderCode::ClockSkew => "the provider says this computer's clock is wrong; check the system clock".into(),
        other => format!("the provider refused the request: {other} (HTTP {status})"),
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
            CliError::Failure(format!("I/O error: {e}"))
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
        assert_eq!(CliError::from(VaultError::Storage("x".into())).exit_code(), 1);
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
    fn messages_are_one_line() {
        let e = CliError::usage("two\nlines\x1b[2J");
        let m = e.message().unwrap();
        assert!(!m.contains('\n') && !m.contains('\x1b'), "{m}");
        assert!(CliError::from(ParseError::WrongScheme("otpauth-migration".into()))
            .message()
            .unwrap()
            .contains("not supported yet"));
    }
}
