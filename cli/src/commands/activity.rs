//! `nyckel activity`: the log, newest first.

use std::collections::HashMap;

use nyckel_core::protocol::{ActivityRecord, RequestKind};
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
                .map(|id| {
                    names
                        .get(id)
                        .cloned()
                        .unwrap_or_else(|| format!("account {id} (since deleted)"))
                })
                .collect();
            if let Some(name) = format.strip_prefix("export:") {
                let count = match account_ids.len() {
                    1 => "1 account".to_owned(),
                    n => format!("{n} accounts"),
                };
                return format!("exported {count} as {} ({})", output::clean(name), who.join(", "));
            }
            let how = match format.as_str() {
                "qr" => "as a QR code".to_owned(),
                "uri" => "as an otpauth URI".to_owned(),
                other => format!("as {}", output::clean(other)),
            };
            format!("showed {} {how}", who.join(", "))
        }
        ActivityEvent::SignIn { record, .. } => sign_in(record),
        ActivityEvent::Enrolled { provider, account_name, .. } => format!(
            "enrolled {} for sign-in approvals with {}",
            output::clean(account_name),
            output::clean(provider)
        ),
        ActivityEvent::EnrollmentRemoved { provider, account_name, .. } => format!(
            "removed the enrollment of {} with {}",
            output::clean(account_name),
            output::clean(provider)
        ),
        ActivityEvent::PhoneSignin { account_name, enabled, .. } => format!(
            "turned phone sign-in {} for {}",
            if *enabled { "on" } else { "off" },
            output::clean(account_name)
        ),
        other => output::clean(&other.to_string()),
    }
}

/// "approved sign-in of anna to Intranätet from 192.0.2.1, Malmö", and the like.
pub fn sign_in(r: &ActivityRecord) -> String {
    let what = match r.kind {
        RequestKind::Push => "sign-in",
        RequestKind::Passwordless => "passwordless sign-in",
    };
    let place: Vec<String> = [r.ip.as_str(), r.location.as_str()]
        .iter()
        .filter(|s| !s.is_empty())
        .map(|s| output::clean(s))
        .collect();
    let mut subject =
        format!("{what} of {} to {}", output::clean(&r.account_name), output::or_dash(&r.app));
    if !place.is_empty() {
        subject.push_str(&format!(" from {}", place.join(", ")));
    }
    match (r.decision.as_str(), r.result.as_str()) {
        ("approve", "approved") => format!("approved {subject}"),
        ("deny", "denied") => format!("denied {subject}"),
        ("report", "reported") => format!("reported {subject} as suspicious"),
        ("approve", "wrong_number") => format!("typed a wrong number for {subject}: stopped"),
        (decision, result) => format!(
            "could not {} {subject}: {}",
            output::clean(decision),
            output::clean(&result.replace('_', " "))
        ),
    }
}

/// One line per entry: UTC time, then what happened.
pub fn render(entries: &[ActivityEntry], names: &HashMap<i64, String>, term: &Term) -> String {
    if entries.is_empty() {
        return "No activity yet.\n".into();
    }
    let rows: Vec<Vec<String>> = entries
        .iter()
        .map(|e| vec![term.dim(&output::local_time(e.at)), describe(&e.event, names)])
        .collect();
    output::table(&rows)
}
