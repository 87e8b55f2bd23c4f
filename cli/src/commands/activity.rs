//! `nyckel activity`: the log, newest first.

use nyckel_core::vault::ActivityEntry;

use super::Context;
use crate::cli::ActivityArgs;
use crate::error::Result;
use crate::output::{self, ActivityJson, Term};

/// Prints the newest `--limit` entries.
pub fn run(ctx: &Context, args: &ActivityArgs) -> Result<()> {
    let vault = ctx.unlocked_vault()?;
    let entries = vault.activity(args.limit)?;
    if args.json.json {
        return output::print_json(&entries.iter().map(ActivityJson::new).collect::<Vec<_>>());
    }
    output::print(&render(&entries, &ctx.term))
}

/// One line per entry: UTC time, then what happened.
pub fn render(entries: &[ActivityEntry], term: &Term) -> String {
    if entries.is_empty() {
        return "No activity yet.\n".into();
    }
    let rows: Vec<Vec<String>> = entries
        .iter()
        .map(|e| vec![term.dim(&output::utc(e.at)), output::clean(&e.event.to_string())])
        .collect();
    output::table(&rows)
}
