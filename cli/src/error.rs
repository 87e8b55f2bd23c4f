//! The one place where failures become a message and an exit code.
//!
//! Exit codes: `0` success, `2` bad input (the user can fix it: a malformed URI, a wrong
//! passphrase, an unknown id, a duplicate, a missing vault, …), `1` anything else (storage,
//! a damaged vault, an internal error). Every message is a single line; `main` prints it
//! prefixed with `nyckel: `.

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
            CliError::Vault(e) => match e {
                VaultError::InvalidUri(_)
                | VaultError::InvalidInput(_)
                | VaultError::Duplicate { .. }
                | VaultError::NotFound(_)
                | VaultError::WrongPassphrase
                | VaultError::NoVault(_)
                | VaultError::AlreadyExists(_) => EXIT_USAGE,
                _ => EXIT_FAILURE,
            },
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
            CliError::Usage(m) | CliError::Failure(m) => m.clone(),
            CliError::BrokenPipe => return None,
        };
        Some(one_line(&text))
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

/// Collapses a message to one line (control characters shown escaped).
pub fn one_line(text: &str) -> String {
    text.chars()
        .flat_map(|c| match c {
            '\n' | '\r' | '\t' => vec![' '],
            c if c.is_control() => c.escape_default().collect(),
            c => vec![c],
        })
        .collect()
}

impl From<VaultError> for CliError {
    fn from(e: VaultError) -> Self {
        CliError::Vault(e)
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
        let place = info.location().map(|l| format!(" at {}:{}", l.file(), l.line())).unwrap_or_default();
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
        eprintln!("nyckel: internal error{place}: {}; this is a bug, please report it", one_line(&what));
        std::process::exit(EXIT_FAILURE);
    }));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exit_codes() {
        assert_eq!(CliError::from(VaultError::WrongPassphrase).exit_code(), 2);
        assert_eq!(CliError::from(VaultError::NotFound(3)).exit_code(), 2);
        assert_eq!(CliError::from(VaultError::Duplicate { existing_id: 1 }).exit_code(), 2);
        assert_eq!(CliError::from(VaultError::Corrupt("x".into())).exit_code(), 1);
        assert_eq!(CliError::from(VaultError::Storage("x".into())).exit_code(), 1);
        assert_eq!(CliError::from(ParseError::MissingSecret).exit_code(), 2);
        assert_eq!(CliError::BrokenPipe.exit_code(), 0);
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
