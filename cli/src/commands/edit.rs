//! `nyckel rename` and `nyckel delete`.

use std::io::Write;

use nyckel_core::vault::AccountEdit;

use super::{stdin_is_terminal, Context};
use crate::cli::{DeleteArgs, RenameArgs};
use crate::error::{CliError, Result};
use crate::output::{self, label, AccountJson};

/// Changes issuer, name and/or note.
pub fn run_rename(ctx: &Context, args: &RenameArgs) -> Result<()> {
    let mut vault = ctx.unlocked_vault()?;
    let id = super::one_account(&vault, &args.account)?.id;
    let edit = AccountEdit {
        issuer: args.issuer.clone(),
        name: args.name.clone(),
        note: args.note.clone(),
    };
    let account = vault.update(id, edit)?;
    if args.json.json {
        return output::print_json(&AccountJson::new(&account));
    }
    let mut text = format!(
        "Updated {} {}\n",
        ctx.term.dim(&format!("[{}]", account.id)),
        ctx.term.bold(&label(&account.params.issuer, &account.params.name))
    );
    if args.note.is_some() {
        text.push_str(&if account.note.is_empty() {
            "Note cleared\n".to_owned()
        } else {
            format!("Note: {}\n", output::clean(&account.note))
        });
    }
    output::print(&text)
}

/// Deletes an account after a y/N question on a terminal (`--yes` elsewhere).
pub fn run_delete(ctx: &Context, args: &DeleteArgs) -> Result<()> {
    let interactive = stdin_is_terminal();
    if !args.yes && !interactive {
        return Err(CliError::usage("refusing to delete without confirmation: pass --yes"));
    }
    let mut vault = ctx.unlocked_vault()?;
    let account = super::one_account(&vault, &args.account)?;
    let shown = label(&account.params.issuer, &account.params.name);
    if !args.yes
        && !confirm(&format!(
            "Delete [{}] {shown}? Its codes are gone for good unless another device has it. [y/N] ",
            account.id
        ))?
    {
        return output::print("Nothing deleted.\n");
    }
    vault.delete(account.id)?;
    output::print(&format!("Deleted {} {shown}\n", ctx.term.dim(&format!("[{}]", account.id))))
}

fn confirm(question: &str) -> Result<bool> {
    let mut err = std::io::stderr().lock();
    let _ = err.write_all(question.as_bytes());
    let _ = err.flush();
    let answer = super::read_stdin_line("cannot read the answer")?.unwrap_or_default();
    Ok(matches!(answer.trim().to_lowercase().as_str(), "y" | "yes" | "j" | "ja"))
}
