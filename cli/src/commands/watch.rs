//! `nyckel watch`: the live list (see [`crate::watch`]).

use super::Context;
use crate::cli::WatchArgs;
use crate::error::Result;

/// Loads the accounts, locks the vault, and shows live codes.
pub fn run(ctx: &Context, args: &WatchArgs) -> Result<()> {
    let mut vault = ctx.unlocked_vault()?;
    let accounts = vault.accounts()?;
    vault.lock();
    drop(vault);
    crate::watch::run(&accounts, args.frames, ctx.term)?;
    Ok(())
}
