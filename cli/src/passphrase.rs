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
