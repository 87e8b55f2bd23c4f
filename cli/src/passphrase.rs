//! Where the passphrase comes from: `NYCKEL_PASSPHRASE`, or a hidden prompt on the terminal.

use std::io::IsTerminal;
use std::path::Path;

use crate::error::{CliError, Result};

/// The environment variable holding the passphrase for scripts and tests.
pub const ENV: &str = "NYCKEL_PASSPHRASE";

/// Shorter passphrases get a warning from `init`.
pub const RECOMMENDED_MIN_CHARS: usize = 8;

/// A passphrase, overwritten in memory when dropped.
pub struct Passphrase(String);

impl Passphrase {
    /// Wraps a passphrase.
    pub fn new(text: String) -> Self {
        Passphrase(text)
    }

    /// The passphrase text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl Drop for Passphrase {
    fn drop(&mut self) {
        let mut bytes = std::mem::take(&mut self.0).into_bytes();
        for b in bytes.iter_mut() {
            // SAFETY: `b` is a valid, aligned, exclusive reference into `bytes`. The volatile
            // write keeps the compiler from eliding the wipe of memory about to be freed.
            unsafe { std::ptr::write_volatile(b, 0) };
        }
    }
}

fn from_env() -> Option<Passphrase> {
    std::env::var(ENV).ok().map(Passphrase::new)
}

fn no_terminal() -> CliError {
    CliError::usage(format!(
        "no passphrase: set {ENV} (stdin is not a terminal, so nyckel cannot ask for it)"
    ))
}

fn prompt(text: &str) -> Result<Passphrase> {
    rpassword::prompt_password(text)
        .map(Passphrase::new)
        .map_err(|e| crate::error::input_error("cannot read the passphrase from the terminal", &e))
}

/// The passphrase to unlock the vault at `path`.
pub fn for_unlock(path: &Path) -> Result<Passphrase> {
    if let Some(p) = from_env() {
        return Ok(p);
    }
    if !std::io::stdin().is_terminal() {
        return Err(no_terminal());
    }
    prompt(&format!("Passphrase for {}: ", path.display()))
}

/// The passphrase for a new vault: from the environment, or asked twice on the terminal.
pub fn for_new_vault() -> Result<Passphrase> {
    if let Some(p) = from_env() {
        return Ok(p);
    }
    if !std::io::stdin().is_terminal() {
        return Err(no_terminal());
    }
    let first = prompt("New passphrase: ")?;
    let second = prompt("Repeat the passphrase: ")?;
    if first.as_str() != second.as_str() {
        return Err(CliError::usage("the passphrases do not match; nothing was created"));
    }
    Ok(first)
}

/// The longest password file read (a password is one line).
const MAX_PASSWORD_FILE: u64 = 64 * 1024;

/// The password of an export file given with `--password-file` (its first line) or
/// `--password-stdin` (the first line of stdin), without the line end; `None` when neither
/// was given. An empty password is bad input.
pub fn for_file(args: &crate::cli::FilePasswordArgs) -> Result<Option<Passphrase>> {
    let line = if let Some(path) = &args.password_file {
        let shown = path.display();
        let bytes = crate::input::read_file(path, MAX_PASSWORD_FILE)
            .map_err(|e| e.into_cli(&format!("cannot read the password file {shown}")))?;
        let text = String::from_utf8(bytes)
            .map_err(|_| CliError::usage(format!("the password file {shown} is not UTF-8 text")))?;
        Passphrase::new(text.lines().next().unwrap_or("").to_owned())
    } else if args.password_stdin {
        let line = crate::commands::read_stdin_line("cannot read the password from stdin")?;
        Passphrase::new(line.unwrap_or_default().trim_end_matches(['\r', '\n']).to_owned())
    } else {
        return Ok(None);
    };
    if line.as_str().is_empty() {
        return Err(CliError::usage("the password given is empty"));
    }
    Ok(Some(line))
}

/// Asks for the password of the `what` file (import), when stdin is a terminal.
pub fn prompt_for_file(what: &str) -> Result<Option<Passphrase>> {
    if !std::io::stdin().is_terminal() {
        return Ok(None);
    }
    prompt(&format!("Password of {what}: ")).map(Some)
}

/// Asks twice for the password of a new encrypted export (the two must match).
pub fn prompt_new_for_export() -> Result<Option<Passphrase>> {
    if !std::io::stdin().is_terminal() {
        return Ok(None);
    }
    let first = prompt("Password for the export: ")?;
    let second = prompt("Repeat the password: ")?;
    if first.as_str() != second.as_str() {
        return Err(CliError::usage("the passwords do not match; nothing was exported"));
    }
    Ok(Some(first))
}
