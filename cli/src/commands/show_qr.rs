//! `nyckel show-qr ID`: the account's QR code (or URI), to move it to a phone.

use super::Context;
use crate::cli::ShowQrArgs;
use crate::error::Result;
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
    let account = vault.account(args.id)?;
    let shown = label(&account.params.issuer, &account.params.name);
    if args.uri {
        let uri = vault.export_uri(args.id, "uri")?;
        output::warn(&format!("this URI contains the secret of {shown}: anyone who gets it can generate its codes"));
        return output::print(&format!("{uri}\n"));
    }
    let uri = vault.export_uri(args.id, "qr")?;
    output::warn(&format!(
        "this QR code contains the secret of {shown}: anyone who sees or photographs it can generate its codes; clear the screen afterwards"
    ));
    let code = qr::render_terminal(&uri, style(&ctx.term, args.invert))?;
    output::print(&format!(
        "{} {}\nScan it with Nyckel or any authenticator app.\n{code}",
        ctx.term.dim(&format!("[{}]", account.id)),
        ctx.term.bold(&shown)
    ))
}
