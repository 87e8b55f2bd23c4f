//! One module per command (or small group of commands). Each takes its parsed arguments
//! and the [`Context`], does its work through `nyckel-core`, and prints via [`crate::output`].

pub mod activity;
pub mod add;
pub mod approve;
pub mod code;
pub mod edit;
pub mod enroll;
pub mod enrollments;
pub mod export;
pub mod import;
pub mod init;
pub mod inspect;
pub mod list;
pub mod phone_signin;
pub mod session;
pub mod show_qr;
pub mod transfer;
pub mod watch;

use std::path::{Path, PathBuf};

use nyckel_core::clock::SystemClock;
use nyckel_core::vault::{Account, UnwrappedKey, Vault};

use crate::error::{CliError, Result};
use crate::output::Term;
use crate::passphrase;

/// The vault file name inside the data directory.
pub const VAULT_FILE: &str = "vault.nyckel";

/// What every command may need: where the vault is and what stdout is.
#[derive(Debug)]
pub struct Context {
    /// `--vault`, `NYCKEL_VAULT`, or `None` for the default path.
    pub vault: Option<PathBuf>,
    /// What stdout can show.
    pub term: Term,
}

impl Context {
    /// The vault path: `--vault`/`NYCKEL_VAULT`, else `<data dir>/nyckel/vault.nyckel`.
    pub fn vault_path(&self) -> Result<PathBuf> {
        if let Some(path) = &self.vault {
            return Ok(path.clone());
        }
        dirs::data_dir().map(|d| d.join("nyckel").join(VAULT_FILE)).ok_or_else(|| {
            CliError::failure(
                "cannot find your data directory; pass --vault PATH or set NYCKEL_VAULT",
            )
        })
    }

    /// Opens the vault and unlocks it with the passphrase (from the environment or a
    /// prompt). A missing vault is reported before any prompt.
    pub fn unlocked_vault(&self) -> Result<Vault> {
        let path = self.vault_path()?;
        open_unlocked(&path)
    }
}

/// Opens the vault at `path` and unlocks it: with the key of the session `nyckel unlock`
/// started, if one is running, else with the passphrase.
///
/// Within a session the vault's integrity checks run only when the file changed since a
/// command of the session last saw it pass them (`Vault::open_unless_unchanged`, the
/// stamp kept by the agent).
pub fn open_unlocked(path: &Path) -> Result<Vault> {
    let mut vault = match crate::agent::session_key(path) {
        Some(mut session) => {
            let (mut vault, checked) =
                Vault::open_unless_unchanged(path, session.checked.as_ref(), &SystemClock)?;
            let key = UnwrappedKey::new(std::mem::take(&mut *session.key));
            if vault.unlock_with_unwrapped_key(key).is_ok() {
                if let Some(stamp) = checked {
                    crate::agent::record_checked(path, &stamp);
                }
                return Ok(vault);
            }
            vault
        }
        None => Vault::open(path)?,
    };
    let pass = passphrase::for_unlock(path)?;
    vault.unlock_with_passphrase(pass.as_str())?;
    Ok(vault)
}

/// `value`, or one line read from stdin when it is `-` (keeps secrets out of the shell
/// history and the process list).
pub fn arg_or_stdin(value: &str, what: &str) -> Result<String> {
    if value != "-" {
        return Ok(value.to_owned());
    }
    let line = read_stdin_line(&format!("cannot read {what} from stdin"))?.unwrap_or_default();
    let line = line.trim().to_owned();
    if line.is_empty() {
        return Err(CliError::usage(format!("no {what} on stdin")));
    }
    Ok(line)
}

/// One line from stdin, `None` at its end. Text that is not UTF-8, or a line longer than
/// [`crate::input::MAX_LINE_BYTES`], is bad input (exit 2); `context` starts the message
/// ("cannot read the URI from stdin").
pub fn read_stdin_line(context: &str) -> Result<Option<String>> {
    crate::input::read_line(&mut std::io::stdin().lock(), crate::input::MAX_LINE_BYTES)
        .map_err(|e| e.into_cli(context))
}

/// The accounts a query names: the account whose id is exactly `query`, else every
/// account whose issuer or name contains it (case-insensitive). Exit 2 when none does.
pub fn matching<'a>(accounts: &'a [Account], query: &str) -> Result<Vec<&'a Account>> {
    let q = query.trim();
    if let Ok(id) = q.parse::<i64>() {
        if let Some(a) = accounts.iter().find(|a| a.id == id) {
            return Ok(vec![a]);
        }
    }
    let needle = q.to_lowercase();
    let found: Vec<&Account> = accounts
        .iter()
        .filter(|a| {
            a.params.issuer.to_lowercase().contains(&needle)
                || a.params.name.to_lowercase().contains(&needle)
        })
        .collect();
    if found.is_empty() {
        return Err(CliError::usage(format!(
            "no account matches \"{}\" (see `nyckel list`)",
            crate::output::clean(query)
        )));
    }
    Ok(found)
}

/// The one account `query` names, for the commands that act on one account (`delete`,
/// `rename`, `show-qr`): the account with that id, else the account whose name, issuer or
/// `issuer:name` is `query` (case-insensitive, ignoring surrounding spaces). Exit 2 when
/// none is, or when several are (the message lists their ids: nothing is acted on by guess).
pub fn one_account(vault: &Vault, query: &str) -> Result<Account> {
    let q = query.trim();
    let accounts = vault.accounts()?;
    if let Ok(id) = q.parse::<i64>() {
        if let Some(a) = accounts.iter().find(|a| a.id == id) {
            return Ok(a.clone());
        }
    }
    let wanted = q.to_lowercase();
    let named: Vec<&Account> = accounts
        .iter()
        .filter(|a| {
            let (issuer, name) = (a.params.issuer.to_lowercase(), a.params.name.to_lowercase());
            name == wanted || issuer == wanted || format!("{issuer}:{name}") == wanted
        })
        .collect();
    match named.as_slice() {
        [one] => Ok((*one).clone()),
        [] => match q.parse::<i64>() {
            Ok(id) => Err(nyckel_core::vault::VaultError::NotFound(id).into()),
            Err(_) => Err(CliError::usage(format!(
                "no account is named \"{}\" (give its id, its name, its issuer or ISSUER:NAME; see `nyckel list`)",
                crate::output::clean(q)
            ))),
        },
        several => {
            let candidates: Vec<String> = several
                .iter()
                .map(|a| format!("[{}] {}", a.id, crate::output::label(&a.params.issuer, &a.params.name)))
                .collect();
            Err(CliError::usage(format!(
                "\"{}\" names {} accounts: {}; give its id instead",
                crate::output::clean(q),
                several.len(),
                candidates.join(", ")
            )))
        }
    }
}

/// The device clock in Unix seconds (the core adds each provider's learned offset).
pub fn now() -> i64 {
    nyckel_core::clock::Clock::now(&nyckel_core::clock::SystemClock)
}

/// Whether stdin is an interactive terminal.
pub fn stdin_is_terminal() -> bool {
    std::io::IsTerminal::is_terminal(&std::io::stdin())
}
