//! `nyckel list`.

use nyckel_core::vault::Account;

use super::Context;
use crate::cli::JsonArg;
use crate::error::Result;
use crate::output::{self, kind_summary, or_dash, AccountJson, Term};

/// Lists the accounts.
pub fn run(ctx: &Context, args: &JsonArg) -> Result<()> {
    let vault = ctx.unlocked_vault()?;
    let accounts = vault.accounts()?;
    if args.json {
        return output::print_json(&accounts.iter().map(AccountJson::new).collect::<Vec<_>>());
    }
    output::print(&render(&accounts, &ctx.term))
}

/// The accounts as an aligned table (id, issuer, name, kind, note).
pub fn render(accounts: &[Account], term: &Term) -> String {
    if accounts.is_empty() {
        return "No accounts yet. Add one with `nyckel add URI` or `nyckel scan QR.png`.\n".into();
    }
    let with_notes = accounts.iter().any(|a| !a.note.is_empty());
    let mut header = vec!["ID".to_owned(), "ISSUER".into(), "NAME".into(), "TYPE".into()];
    if with_notes {
        header.push("NOTE".into());
    }
    let mut rows = vec![header.iter().map(|h| term.dim(h)).collect::<Vec<_>>()];
    for a in accounts {
        let mut row = vec![
            format!("{:>2}", a.id),
            term.bold(&or_dash(&a.params.issuer)),
            or_dash(&a.params.name),
            term.dim(&kind_summary(&a.params)),
        ];
        if with_notes {
            row.push(output::clean(&a.note));
        }
        rows.push(row);
    }
    output::table(&rows)
}
