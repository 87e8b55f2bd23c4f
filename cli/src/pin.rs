//! The PIN that gates phone sign-in keys: `NYCKEL_PIN`, or a hidden prompt on a terminal.
//!
//! The PIN is the CLI's stand-in for the phone's fingerprint or face check: a phone sign-in
//! key is sealed under Argon2id(PIN) by [`SoftwareKeyStore`](nyckel_core::protocol::SoftwareKeyStore),
//! so without the PIN it cannot sign. One PIN is used for every phone sign-in key of a
//! vault: the first `phone-signin enable` chooses it, later ones must give the same PIN.

use std::io::IsTerminal;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use nyckel_core::protocol::{KeyStoreError, PinSource};
use zeroize::Zeroizing;

use crate::error::{CliError, Result};
use crate::keys::DeviceKeys;

/// The environment variable holding the PIN for scripts and tests.
pub const ENV: &str = "NYCKEL_PIN";
/// The shortest PIN accepted when choosing one.
pub const MIN_CHARS: usize = 4;
/// The prompt on the terminal.
pub const PROMPT: &str = "PIN for phone sign-in: ";

/// A [`PinSource`] for one command run: a PIN known up front, or asked for (once) on the
/// terminal when a key first needs it.
pub struct CliPin {
    cached: Mutex<Option<Zeroizing<String>>>,
    can_prompt: bool,
    missing: AtomicBool,
}

impl std::fmt::Debug for CliPin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("CliPin(<redacted>)")
    }
}

impl CliPin {
    /// Always answers `pin`.
    pub fn fixed(pin: &str) -> CliPin {
        CliPin {
            cached: Mutex::new(Some(Zeroizing::new(pin.to_owned()))),
            can_prompt: false,
            missing: AtomicBool::new(false),
        }
    }

    /// `NYCKEL_PIN`, or a prompt on the terminal the first time a key needs the PIN. Without
    /// either, signing with a phone sign-in key fails and [`CliPin::was_missing`] says so.
    pub fn lazy() -> CliPin {
        match from_env() {
            Some(pin) => CliPin {
                cached: Mutex::new(Some(pin)),
                can_prompt: false,
                missing: AtomicBool::new(false),
            },
            None => CliPin {
                cached: Mutex::new(None),
                can_prompt: terminal(),
                missing: AtomicBool::new(false),
            },
        }
    }

    /// True when a key asked for the PIN and there was no way to get one.
    pub fn was_missing(&self) -> bool {
        self.missing.load(Ordering::SeqCst)
    }
}

impl PinSource for CliPin {
    fn pin(&self, _alias: &str) -> Option<Zeroizing<String>> {
        let mut cached = self.cached.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(pin) = cached.as_ref() {
            return Some(pin.clone());
        }
        if !self.can_prompt {
            self.missing.store(true, Ordering::SeqCst);
            return None;
        }
        let pin = Zeroizing::new(rpassword::prompt_password(PROMPT).ok()?);
        if pin.is_empty() {
            return None;
        }
        *cached = Some(pin.clone());
        Some(pin)
    }
}

fn terminal() -> bool {
    std::io::stdin().is_terminal()
}

fn from_env() -> Option<Zeroizing<String>> {
    std::env::var(ENV).ok().filter(|p| !p.is_empty()).map(Zeroizing::new)
}

/// The error when a PIN is needed but neither `NYCKEL_PIN` nor a terminal is there.
pub fn no_pin() -> CliError {
    CliError::usage(format!("no PIN for phone sign-in: set {ENV} (stdin is not a terminal, so nyckel cannot ask for it)"))
}

/// Fails early (before anything is sent) when a PIN will be needed and cannot be had.
pub fn check_available() -> Result<()> {
    if from_env().is_some() || terminal() {
        Ok(())
    } else {
        Err(no_pin())
    }
}

fn prompt(text: &str) -> Result<Zeroizing<String>> {
    rpassword::prompt_password(text)
        .map(Zeroizing::new)
        .map_err(|e| crate::error::input_error("cannot read the PIN from the terminal", &e))
}

/// The PIN for a new phone sign-in key. When the vault already has phone sign-in keys the
/// PIN must open them (one PIN for all; a wrong one is refused before anything is sent);
/// otherwise it is chosen now (asked twice on a terminal) and must have [`MIN_CHARS`].
pub fn for_new_key(keys: &DeviceKeys) -> Result<CliPin> {
    let existing = keys.pin_key_aliases();
    let pin = match from_env() {
        Some(pin) => pin,
        None if !terminal() => return Err(no_pin()),
        None if !existing.is_empty() => prompt(PROMPT)?,
        None => {
            let first = prompt(&format!(
                "Choose a PIN for phone sign-in (at least {MIN_CHARS} characters): "
            ))?;
            if first.chars().count() >= MIN_CHARS {
                let second = prompt("Repeat the PIN: ")?;
                if *first != *second {
                    return Err(CliError::usage("the PINs do not match; nothing changed"));
                }
            }
            first
        }
    };
    match existing.first() {
        None if pin.chars().count() < MIN_CHARS => Err(CliError::usage(format!(
            "the PIN for phone sign-in needs at least {MIN_CHARS} characters; nothing changed"
        ))),
        None => Ok(CliPin::fixed(&pin)),
        Some(alias) => {
            let candidate = Arc::new(CliPin::fixed(&pin));
            keys.set_pin_source(candidate.clone());
            match keys.store().sign_check(alias) {
                Ok(()) => Ok(CliPin::fixed(&pin)),
                Err(KeyStoreError::UserVerificationFailed) => Err(CliError::usage(
                    "wrong PIN: use the PIN you chose for phone sign-in before; nothing changed",
                )),
                Err(e) => Err(CliError::failure(format!("cannot check the PIN: {e}"))),
            }
        }
    }
}

/// Signs a fixed message with a key: succeeds only with the right PIN for PIN-gated keys.
trait SignCheck {
    fn sign_check(&self, alias: &str) -> std::result::Result<(), KeyStoreError>;
}

impl SignCheck for nyckel_core::protocol::SoftwareKeyStore {
    fn sign_check(&self, alias: &str) -> std::result::Result<(), KeyStoreError> {
        use nyckel_core::protocol::DeviceKeyStore;
        self.sign(alias.to_owned(), b"nyckel-cli: PIN check".to_vec()).map(|_| ())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_fixed_pin_answers_and_hides_itself() {
        let pin = CliPin::fixed("2468");
        assert_eq!(pin.pin("any").as_deref().map(String::as_str), Some("2468"));
        assert!(!pin.was_missing());
        assert!(!format!("{pin:?}").contains("2468"));
    }

    #[test]
    fn the_no_pin_error_names_the_variable() {
        let e = no_pin();
        assert_eq!(e.exit_code(), 2);
        assert!(e.message().unwrap().contains("NYCKEL_PIN"));
    }
}
