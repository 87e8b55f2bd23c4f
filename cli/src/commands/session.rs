//! `nyckel unlock [--for DURATION]` and `nyckel lock`: an unlocked session held by the
//! agent in [`crate::agent`].

use nyckel_core::clock::SystemClock;
use nyckel_core::vault::Vault;

use super::Context;
use crate::agent;
use crate::cli::UnlockArgs;
use crate::error::Result;
use crate::output;
use crate::passphrase;

/// Asks for the passphrase (always: a running session is replaced, not extended without
/// it) and starts the agent holding the vault key for the given time.
pub fn run_unlock(ctx: &Context, args: &UnlockArgs) -> Result<()> {
    let path = ctx.vault_path()?;
    let (mut vault, checked) = Vault::open_unless_unchanged(&path, None, &SystemClock)?;
    let pass = passphrase::for_unlock(&path)?;
    vault.unlock_with_passphrase(pass.as_str())?;
    drop(pass);
    let key = vault.key_for_wrapping()?;
    vault.lock();
    agent::start(&path, &key, args.duration, checked.as_ref())?;
    let until = super::now().saturating_add(args.duration.as_secs() as i64);
    output::print(&format!(
        "Unlocked {} for {}, until {}.\nOther nyckel commands need no passphrase until then; `nyckel lock` locks it now.\n",
        output::clean(&path.display().to_string()),
        output::duration_text(args.duration.as_secs()),
        output::local_time(until)
    ))
}

/// Ends the session, if one is running for this vault.
pub fn run_lock(ctx: &Context) -> Result<()> {
    let path = ctx.vault_path()?;
    let shown = output::clean(&path.display().to_string());
    if agent::lock(&path)? {
        output::print(&format!("Locked {shown}.\n"))
    } else {
        output::print(&format!("{shown} was not unlocked; nothing to lock.\n"))
    }
}
