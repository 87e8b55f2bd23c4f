//! `nyckel watch [QUERY]`: the live list (see [`crate::watch`]).

use super::{matching, Context};
use crate::cli::WatchArgs;
use crate::error::Result;

/// Loads the accounts (those `QUERY` matches, as for `nyckel code QUERY`), locks the vault,
/// and shows live codes. No match: exit 2.
pub fn run(ctx: &Context, args: &WatchArgs) -> Result<()> {
    let mut vault = ctx.unlocked_vault()?;
    let mut accounts = vault.accounts()?;
    vault.lock();
    drop(vault);
    if let Some(query) = &args.query {
        // By id, so the secrets are not copied.
        let ids: Vec<i64> = matching(&accounts, query)?.iter().map(|a| a.id).collect();
        accounts.retain(|a| ids.contains(&a.id));
    }
    crate::watch::run(&accounts, args.query.as_deref(), args.frames, ctx.term)?;
    Ok(())
}
