//! `nyckel code [QUERY]`: current codes.
//!
//! Without a query: every TOTP and Steam account ([`Vault::codes_at`]); HOTP accounts are
//! only listed, since generating their code advances the counter. With a query: the
//! matching accounts; a HOTP account gets its next code (and its counter advances) only
//! when it is the one account the query names.

use std::sync::Arc;

use nyckel_core::vault::{Account, Vault};
use nyckel_core::{Code, OtpKind};

use super::{matching, Context};
use crate::cli::CodeArgs;
use crate::error::{CliError, Result};
use crate::output::{self, group_code, or_dash, AccountJson, CodeJson, Term};
use crate::watch::now;

/// An account with the code just computed for it.
pub struct Shown {
    /// The account as stored after computing the code (a HOTP counter already advanced);
    /// shared with the vault's snapshot where it came from there (no copy of its secret).
    pub account: Arc<Account>,
    /// The code.
    pub code: Code,
}

/// Prints codes.
pub fn run(ctx: &Context, args: &CodeArgs) -> Result<()> {
    let at = args.at.unwrap_or_else(now);
    if args.json.json && args.query.is_none() {
        // Within an unlocked session the agent keeps the accounts: nothing to read here.
        if let Some(json) = crate::agent::codes_json(&ctx.vault_path()?, at) {
            return output::print(&json);
        }
    }
    let mut vault = ctx.unlocked_vault()?;
    let (shown, hotp_hints) = match &args.query {
        None => all_codes(&vault, at)?,
        Some(q) => queried_codes(&mut vault, q, at)?,
    };
    if args.json.json {
        return output::print(&json_text(shown.iter().map(|s| (&*s.account, &s.code)))?);
    }
    if shown.is_empty() && hotp_hints.is_empty() {
        return output::print(
            "No accounts yet. Add one with `nyckel add URI` or `nyckel scan QR.png`.\n",
        );
    }
    output::print(&render(&shown, &hotp_hints, &ctx.term))
}

/// What `nyckel code --json` prints for these accounts and codes (also the session agent's
/// answer, so both print the same).
pub fn json_text<'a>(codes: impl Iterator<Item = (&'a Account, &'a Code)>) -> Result<String> {
    let list: Vec<CodeJson> = codes
        .map(|(account, code)| CodeJson {
            account: AccountJson::new(account),
            code: &code.value,
            seconds_left: code.seconds_left,
        })
        .collect();
    output::json_text(&list)
}

fn all_codes(vault: &Vault, at: u64) -> Result<(Vec<Shown>, Vec<Account>)> {
    let shown = vault
        .codes_at(at)?
        .into_iter()
        .map(|c| Shown { account: c.account, code: c.code })
        .collect();
    let hotp = vault.accounts_where(|a| a.params.kind == OtpKind::Hotp)?;
    Ok((shown, hotp))
}

fn queried_codes(vault: &mut Vault, query: &str, at: u64) -> Result<(Vec<Shown>, Vec<Account>)> {
    let accounts = vault.accounts()?;
    let matched = matching(&accounts, query)?;
    let single = matched.len() == 1;
    let mut shown = Vec::new();
    let mut skipped = Vec::new();
    for account in matched {
        if account.params.kind == OtpKind::Hotp && !single {
            skipped.push(account.clone());
            continue;
        }
        let code = vault.code(account.id, at)?;
        let account = Arc::new(if account.params.kind == OtpKind::Hotp {
            vault.account(account.id)?
        } else {
            account.clone()
        });
        shown.push(Shown { account, code });
    }
    if shown.is_empty() {
        return Err(CliError::usage(format!(
            "\"{}\" matches {} HOTP accounts; name one by id to generate its next code (e.g. `nyckel code {}`)",
            output::clean(query),
            skipped.len(),
            skipped[0].id
        )));
    }
    for a in &skipped {
        output::note(&format!(
            "Skipped HOTP account {} {}: its code advances a counter, so name it alone (`nyckel code {}`)",
            a.id,
            output::label(&a.params.issuer, &a.params.name),
            a.id
        ));
    }
    Ok((shown, Vec::new()))
}

/// Aligned rows: issuer, name, grouped code, seconds left (or HOTP counter); then a hint
/// row for each HOTP account not generated.
pub fn render(shown: &[Shown], hotp_hints: &[Account], term: &Term) -> String {
    let mut rows = Vec::new();
    for s in shown {
        let p = &s.account.params;
        let when = match s.code.seconds_left {
            Some(left) => term.dim(&format!("{left:>2} s left")),
            None => term.dim(&format!("HOTP, next counter {}", p.counter)),
        };
        rows.push(vec![
            term.bold(&or_dash(&p.issuer)),
            or_dash(&p.name),
            term.bold(&group_code(&s.code.value)),
            when,
        ]);
    }
    for a in hotp_hints {
        rows.push(vec![
            term.bold(&or_dash(&a.params.issuer)),
            or_dash(&a.params.name),
            term.dim(&group_code(&"•".repeat(usize::from(a.params.digits)))),
            term.dim(&format!("HOTP: `nyckel code {}` for the next code", a.id)),
        ]);
    }
    output::table(&rows)
}
