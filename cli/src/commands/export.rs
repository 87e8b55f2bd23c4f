//! `nyckel export --format F --out PATH`: the vault's personal accounts in a file another
//! app (or Nyckel on a new phone) reads, or as Google Authenticator transfer QR codes.
//! Device-bound keys and secrets an organisation manages never leave; they are listed for
//! re-enrollment instead (`docs/import.md`, "Export").
//!
//! Files are owner-only (0600) and written atomically ([`crate::private_file`]); an
//! existing file is refused unless `--force`. The target is checked, and its temporary
//! file created, before anything is exported, so a path that cannot be written records no
//! export in the activity log.

use std::path::{Path, PathBuf};

use nyckel_core::export::{self, google::ACCOUNTS_PER_CODE, ExportFormat, ExportOptions};
use serde::Serialize;

use super::Context;
use crate::cli::ExportArgs;
use crate::error::{CliError, Result};
use crate::output;
use crate::passphrase::{self, Passphrase};
use crate::private_file::{self, Staged};
use crate::qr;

/// Pixels per module of the PNG QR codes (a 8-account code is about 600 px wide).
const PNG_SCALE: u32 = 6;

/// Runs `nyckel export`.
pub fn run(ctx: &Context, args: &ExportArgs) -> Result<()> {
    let format = ExportFormat::from_name(&args.format).ok_or_else(|| {
        CliError::usage("unknown --format (nyckel, aegis, aegis-encrypted, otpauth, google-qr)")
    })?;
    if args.out.is_none() && format != ExportFormat::GoogleQr {
        return Err(CliError::usage(
            "give --out PATH (only google-qr can show its codes in the terminal instead)",
        ));
    }
    if let Some(out) = &args.out {
        private_file::check_free(std::slice::from_ref(out), args.force)?;
    }
    let mut vault = ctx.unlocked_vault()?;
    let plan = export::plan(&vault, format)?;
    if plan.accounts.is_empty() {
        let mut text =
            format!("nothing to export: no account in the vault can leave as {}", format.name());
        if !plan.left_out.is_empty() {
            text.push_str(&format!(
                " ({} left out: {})",
                plan.left_out.len(),
                left_out_text(&plan.left_out)
            ));
        }
        return Err(CliError::usage(text));
    }
    let paths = match (&args.out, format) {
        (Some(out), ExportFormat::GoogleQr) => {
            let paths = numbered(out, plan.accounts.len().div_ceil(ACCOUNTS_PER_CODE));
            private_file::check_free(&paths, args.force)?;
            paths
        }
        (Some(out), _) => vec![out.clone()],
        (None, _) => Vec::new(),
    };
    let mut staged: Vec<Staged> =
        paths.iter().map(|p| private_file::stage(p)).collect::<Result<_>>()?;
    let password = password(args, format)?;
    let options = ExportOptions {
        password: password.as_ref().map(Passphrase::as_str),
        ..ExportOptions::default()
    };
    let out = export::export(&mut vault, format, options)?;
    warn_if_unlogged(&vault);
    if !format.is_encrypted() {
        output::warn(&plaintext_warning(format, &paths));
    }
    if format == ExportFormat::GoogleQr {
        if staged.is_empty() {
            show_in_terminal(ctx, &out.qr_uris)?;
        } else {
            if out.qr_uris.len() != staged.len() {
                return Err(CliError::failure(format!(
                    "internal error: {} QR codes for {} files; nothing was written",
                    out.qr_uris.len(),
                    staged.len()
                )));
            }
            for (file, uri) in staged.iter_mut().zip(&out.qr_uris) {
                file.write(&qr::render_png(uri, PNG_SCALE)?)?;
            }
        }
    } else if let Some(file) = staged.first_mut() {
        file.write(&out.bytes)?;
    }
    let files = private_file::commit_all(staged, args.force)?;
    report(ctx, args, format, &out, &files)
}

/// Says that an export from a read-only vault is not in its activity log (it cannot be
/// written: `Vault::is_read_only`).
pub fn warn_if_unlogged(vault: &nyckel_core::vault::Vault) {
    if vault.is_read_only() {
        output::warn("the vault is read-only: this export is not recorded in its activity log");
    }
}

/// The password of an encrypted format: `--password-file`/`--password-stdin`, else asked
/// twice on a terminal; `None` (refused by the core with what to give) otherwise.
fn password(args: &ExportArgs, format: ExportFormat) -> Result<Option<Passphrase>> {
    if !format.is_encrypted() {
        return Ok(None);
    }
    match passphrase::for_file(&args.password)? {
        Some(p) => Ok(Some(p)),
        None => passphrase::prompt_new_for_export(),
    }
}

/// `out` for one code; `out-1.png`, `out-2.png`, … (its stem, a number, its extension) for
/// several.
fn numbered(out: &Path, count: usize) -> Vec<PathBuf> {
    if count <= 1 {
        return vec![out.to_owned()];
    }
    let stem = out.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
    let ext = out.extension().map(|e| format!(".{}", e.to_string_lossy())).unwrap_or_default();
    (1..=count).map(|n| out.with_file_name(format!("{stem}-{n}{ext}"))).collect()
}

fn plaintext_warning(format: ExportFormat, paths: &[PathBuf]) -> String {
    let risk = "anyone who reads it can generate your codes";
    match (format, paths) {
        (ExportFormat::GoogleQr, []) => format!(
            "these QR codes hold your secrets unencrypted: {risk}; clear the screen once they are scanned"
        ),
        (ExportFormat::GoogleQr, _) => format!(
            "the QR code images hold your secrets unencrypted: {risk}; delete them once they are scanned"
        ),
        _ => format!(
            "the {} export is not encrypted: {risk}; delete it once imported (--format nyckel or aegis-encrypted is encrypted)",
            format.name()
        ),
    }
}

fn show_in_terminal(ctx: &Context, uris: &[zeroize::Zeroizing<String>]) -> Result<()> {
    let style = super::show_qr::style(&ctx.term, false);
    let total = uris.len();
    for (i, uri) in uris.iter().enumerate() {
        output::print(&format!(
            "QR code {} of {total} (scan every one in Google Authenticator, \"Transfer accounts\" → \"Import accounts\"):\n{}\n",
            i + 1,
            qr::render_terminal(uri, style)?
        ))?;
    }
    Ok(())
}

fn left_out_text(left_out: &[export::LeftOut]) -> String {
    left_out
        .iter()
        .map(|l| format!("{}: {}", output::clean(&l.label), output::clean(&l.reason())))
        .collect::<Vec<_>>()
        .join("; ")
}

fn report(
    ctx: &Context,
    args: &ExportArgs,
    format: ExportFormat,
    out: &export::Export,
    files: &[PathBuf],
) -> Result<()> {
    let summary = Summary {
        format: format.name(),
        exported: out.exported.len(),
        files: files.iter().map(|p| p.display().to_string()).collect(),
        qr_codes: out.qr_uris.len(),
        not_exported: out
            .left_out
            .iter()
            .map(|l| LeftOutJson { what: l.label.clone(), reason: l.reason() })
            .collect(),
    };
    if args.json.json {
        return output::print_json(&summary);
    }
    let accounts = match summary.exported {
        1 => "1 account".to_owned(),
        n => format!("{n} accounts"),
    };
    let mut text = match summary.files.as_slice() {
        [] => format!("Exported {accounts} as {}.\n", summary.format),
        files => format!(
            "Exported {accounts} as {} to {}.\n",
            summary.format,
            files.iter().map(|f| output::clean(f)).collect::<Vec<_>>().join(", ")
        ),
    };
    if !summary.not_exported.is_empty() {
        text.push_str(&format!("{}\n", ctx.term.bold("Not exported:")));
        for l in &summary.not_exported {
            text.push_str(&format!("  {}: {}\n", output::clean(&l.what), output::clean(&l.reason)));
        }
    }
    output::print(&text)
}

/// `--json` of `nyckel export`.
#[derive(Serialize)]
struct Summary {
    format: &'static str,
    exported: usize,
    files: Vec<String>,
    qr_codes: usize,
    not_exported: Vec<LeftOutJson>,
}

#[derive(Serialize)]
struct LeftOutJson {
    what: String,
    reason: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn several_codes_get_numbered_files() {
        assert_eq!(numbered(Path::new("d/codes.png"), 1), vec![PathBuf::from("d/codes.png")]);
        assert_eq!(
            numbered(Path::new("d/codes.png"), 2),
            vec![PathBuf::from("d/codes-1.png"), PathBuf::from("d/codes-2.png")]
        );
        assert_eq!(numbered(Path::new("codes"), 2)[1], PathBuf::from("codes-2"));
    }
}
