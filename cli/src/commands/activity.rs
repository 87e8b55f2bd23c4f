//! `nyckel activity`: the log, newest first.

use std::collections::HashMap;

use nyckel_core::vault::{Account, ActivityEntry, ActivityEvent};

use super::Context;
use crate::cli::ActivityArgs;
use crate::error::Result;
use crate::output::{self, label, ActivityJson, Term};

/// Prints the newest `--limit` entries.
pub fn run(ctx: &Context, args: &ActivityArgs) -> Result<()> {
    let vault = ctx.unlocked_vault()?;
    let entries = vault.activity(args.limit)?;
    let names = names(&vault.accounts()?);
    if args.json.json {
        let list: Vec<ActivityJson> =
            entries.iter().map(|e| ActivityJson::new(e, describe(&e.event, &names))).collect();
        return output::print_json(&list);
    }
    output::print(&render(&entries, &names, &ctx.term))
}

/// Account labels by id, for naming exported accounts.
pub fn names(accounts: &[Account]) -> HashMap<i64, String> {
    accounts.iter().map(|a| (a.id, label(&a.params.issuer, &a.params.name))).collect()
}

/// One line describing an event, naming exported accounts when they still exist.
pub fn describe(event: &ActivityEvent, names: &HashMap<i64, String>) -> String {
    match event {
        ActivityEvent::Exported { account_ids, format } => {
            let who: Vec<String> = account_ids
                .iter()
                .map(|id| names.get(id).cloned().unwrap_or_else(|| format!("account {id} (since deleted)")))
                .collect();
            let how = match format.as_str() {
                "qr" => "as a QR code".to_owned(),
                "uri" => "as an otpauth URI".to_owned(),
                other => format!("as {}", output::clean(other)),
            };
            format!("showed {} {how}", who.join(", "))
        }
        other => output::clean(&other.to_string()),
    }
}

/// One line per entry: UTC time, then what happened.
pub fn render(entries: &[ActivityEntry], names: &HashMap<i64, String>, term: &Term) -> String {
    if entries.is_empty() {
        return "No activity yet.\n".into();
    }
    let rows: Vec<Vec<String>> =
        entries.iter().map(|e| vec![term.dim(&output::utc(e.at)), describe(&e.event, names)]).collect();
    output::table(&rows)
}
