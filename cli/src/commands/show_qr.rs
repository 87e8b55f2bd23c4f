//! `nyckel show-qr ACCOUNT`: the account's QR code (or URI), to move it to a phone.

use super::Context;
use crate::cli::ShowQrArgs;
use crate::error::{CliError, Result, EXIT_USAGE};
use crate::output::{self, label, Term};
use crate::qr::{self, TermStyle};

/// The terminal style for a QR code on this stdout.
pub fn style(term: &Term, invert: bool) -> TermStyle {
    if invert {
        TermStyle::PlainInverted
    } else if term.color {
        TermStyle::Ansi
    } else {
        TermStyle::Plain
    }
}

/// Prints the QR code (logged as an export), or the URI with `--uri`.
pub fn run(ctx: &Context, args: &ShowQrArgs) -> Result<()> {
    let mut vault = ctx.unlocked_vault()?;
    let account = super::one_account(&vault, &args.account)?;
    let shown = label(&account.params.issuer, &account.params.name);
    if args.uri {
        let uri = vault.export_uri(account.id, "uri")?;
        super::export::warn_if_unlogged(&vault);
        output::warn(&format!(
            "this URI contains the secret of {shown}: anyone who gets it can generate its codes"
        ));
        return output::print(&format!("{uri}\n"));
    }
    // Draw the code before logging the export: a URI too long for a QR code is not shown,
    // so it is not logged as shown either.
    let code = qr::render_terminal(&account.params.to_uri(), style(&ctx.term, args.invert))
        .map_err(|e| {
            if e.exit_code() == EXIT_USAGE {
                CliError::usage(format!(
                    "the URI of {shown} is {}; use --uri to print it as text",
                    qr::TOO_LONG
                ))
            } else {
                e
            }
        })?;
    // The same canonical URI, now logged as shown.
    vault.export_uri(account.id, "qr")?;
    super::export::warn_if_unlogged(&vault);
    output::warn(&format!(
        "this QR code contains the secret of {shown}: anyone who sees or photographs it can generate its codes; clear the screen afterwards"
    ));
    output::print(&format!(
        "{} {}\nScan it with Nyckel or any authenticator app.\n{code}",
        ctx.term.dim(&format!("[{}]", account.id)),
        ctx.term.bold(&shown)
    ))
}
