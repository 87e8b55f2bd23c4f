//! `nyckel import FILE` and `nyckel import --scan IMAGE…`: another app's export (or a
//! Nyckel backup) into the vault in one transaction, with a line (or JSON object) per
//! entry. Formats: `docs/import.md`.
//!
//! The file is read and opened before the vault is unlocked, so a wrong password or a
//! malformed file is refused before any vault passphrase is asked for. Exit codes: 0 when
//! every entry came in or was already there; 2 when the file cannot be read at all (the
//! core's [`ImportError`], rendered by [`crate::error`]); 1 when some entries failed
//! (nothing was added unless `--keep-good`).

use std::path::{Path, PathBuf};

use nyckel_core::import::{
    self, Format, ImportError, ImportOptions, ImportReport, Outcome, Parsed,
};
use serde::Serialize;

use super::add::{classify, QrKind};
use super::Context;
use crate::cli::ImportArgs;
use crate::error::{CliError, Result};
use crate::input::{self, InputError};
use crate::output::{self, Term};
use crate::passphrase::{self, Passphrase};
use crate::qr;

/// Runs `nyckel import`.
pub fn run(ctx: &Context, args: &ImportArgs) -> Result<()> {
    let parsed = match &args.file {
        Some(file) => read_file(file, args)?,
        None => read_scans(&args.scan)?,
    };
    let options = ImportOptions { dry_run: args.dry_run, keep_good: args.keep_good };
    apply_and_report(ctx, parsed, options, args.json.json)
}

/// Adds what was read to the vault and prints the report: what `import` and `scan` (for a
/// Google Authenticator export) share.
pub(crate) fn apply_and_report(
    ctx: &Context,
    parsed: Parsed,
    options: ImportOptions,
    json: bool,
) -> Result<()> {
    let mut vault = ctx.unlocked_vault()?;
    let report = import::apply(&mut vault, parsed, options)?;
    if json {
        output::print_json(&ReportJson::new(&report, options))?;
    } else {
        output::print(&text_report(&ctx.term, &report, options))?;
    }
    for note in &report.notes {
        output::note(&format!("Note: {}", output::clean(note)));
    }
    outcome(&report, options)
}

/// The exit status of an applied import: success unless an entry failed.
fn outcome(report: &ImportReport, options: ImportOptions) -> Result<()> {
    let failed = report.failed().count();
    let entries = |n: usize| if n == 1 { "1 entry".to_owned() } else { format!("{n} entries") };
    if failed == 0 {
        return Ok(());
    }
    Err(CliError::failure(if options.dry_run {
        format!("{} would fail (listed above); nothing was changed", entries(failed))
    } else if report.committed {
        format!("{} could not be imported (listed above); the others were", entries(failed))
    } else {
        format!(
            "nothing was imported: {} failed (listed above); fix the file, or add --keep-good to import the other {}",
            entries(failed),
            report.would_import()
        )
    }))
}

/// Reads and opens the file: with the password given, else (when the file turns out to be
/// encrypted) one asked for on the terminal.
fn read_file(file: &Path, args: &ImportArgs) -> Result<Parsed> {
    let shown = file.display().to_string();
    let data = input::read_file(file, import::MAX_IMPORT_BYTES as u64)
        .map_err(|e| unreadable(e, &format!("cannot read {shown}")))?;
    let format = args.format.as_deref().map(Format::from_name).transpose()?;
    let password = passphrase::for_file(&args.password)?;
    match import::read(&data, format, password.as_ref().map(Passphrase::as_str)) {
        Err(e @ ImportError::PasswordRequired(what)) if password.is_none() => {
            match passphrase::prompt_for_file(&format!("this {what} file ({shown})"))? {
                Some(password) => Ok(import::read(&data, format, Some(password.as_str()))?),
                None => Err(e.into()),
            }
        }
        other => Ok(other?),
    }
}

/// A file that cannot be read is the user's to fix (exit 2), unless reading itself failed.
pub(crate) fn unreadable(e: InputError, context: &str) -> CliError {
    match e {
        InputError::TooLong { limit } => CliError::usage(format!(
            "{context}: it is larger than {limit} bytes, more than any export file"
        )),
        InputError::Io(io)
            if matches!(
                io.kind(),
                std::io::ErrorKind::NotFound
                    | std::io::ErrorKind::PermissionDenied
                    | std::io::ErrorKind::InvalidInput
            ) =>
        {
            CliError::usage(format!("{context}: {io}"))
        }
        other => other.into_cli(context),
    }
}

/// The Google Authenticator transfer QR codes in `images` (one export may span several
/// codes and images; every image must hold at least one).
fn read_scans(images: &[PathBuf]) -> Result<Parsed> {
    let mut uris = Vec::new();
    for image in images {
        let shown = image.display().to_string();
        let found = qr::scan_file(image)?;
        let before = uris.len();
        for text in found.texts {
            match classify(&text) {
                QrKind::GoogleExport => uris.push(text),
                _ => output::note(&format!(
                    "Skipped a QR code in {shown}: not a Google Authenticator export (otpauth-migration://); add accounts with `nyckel scan {shown}`"
                )),
            }
        }
        if uris.len() == before {
            return Err(CliError::usage(format!(
                "no Google Authenticator export QR code (otpauth-migration://) found in {shown}"
            )));
        }
    }
    google_transfer(&uris)
}

/// Reads Google Authenticator transfer URIs (batches of one export, any order).
pub(crate) fn google_transfer(uris: &[String]) -> Result<Parsed> {
    let refs: Vec<&str> = uris.iter().map(String::as_str).collect();
    Ok(import::read_google_transfer(&refs)?)
}

/// One line per entry, then a summary.
fn text_report(term: &Term, report: &ImportReport, options: ImportOptions) -> String {
    let mut rows = Vec::new();
    let mut warnings = Vec::new();
    for e in &report.entries {
        let label = output::clean(&e.label);
        let (status, detail) = match &e.outcome {
            Outcome::Imported { account_id: Some(id) } => {
                (term.green("imported"), format!("{label} {}", term.dim(&format!("[{id}]"))))
            }
            Outcome::Imported { account_id: None } if options.dry_run => {
                (term.green("would import"), label)
            }
            Outcome::Imported { account_id: None } => (term.dim("not imported"), label),
            Outcome::Duplicate { existing_id } => (
                term.dim("duplicate"),
                format!(
                    "{label} {}",
                    term.dim(&format!("(already in the vault as [{existing_id}])"))
                ),
            ),
            Outcome::Failed { reason } => {
                (term.red("failed"), format!("{label}: {}", output::clean(reason)))
            }
        };
        rows.push(vec![format!("{:>3}", e.position), status, detail]);
        for w in &e.warnings {
            warnings.push(format!("entry {}: {}", e.position, output::clean(&w.to_string())));
        }
    }
    let mut out = output::table(&rows);
    for w in warnings {
        out.push_str(&format!("{}\n", term.yellow(&format!("warning: {w}"))));
    }
    let format = report.format.name();
    let dups = report.duplicates();
    let failed = report.failed().count();
    out.push_str(&if options.dry_run {
        format!(
            "Dry run ({format}): {} would be imported, {dups} already in the vault, {failed} failed; nothing was changed.\n",
            report.would_import()
        )
    } else if report.committed {
        format!(
            "Imported {} ({format}); {dups} already in the vault, {failed} failed.\n",
            report.imported()
        )
    } else {
        format!(
            "Nothing imported ({format}): {} could be, {dups} already in the vault, {failed} failed.\n",
            report.would_import()
        )
    });
    out
}

/// `--json`: `{"format", "dry_run", "committed", "imported", "duplicates", "failed":
/// [{"entry", "reason"}], "entries": […], "notes": […]}`. `imported` counts what was added
/// (in a dry run: what would be).
#[derive(Serialize)]
struct ReportJson {
    format: &'static str,
    dry_run: bool,
    committed: bool,
    imported: usize,
    duplicates: usize,
    failed: Vec<FailedJson>,
    entries: Vec<EntryJson>,
    notes: Vec<String>,
}

#[derive(Serialize)]
struct FailedJson {
    entry: usize,
    label: String,
    reason: String,
}

#[derive(Serialize)]
struct EntryJson {
    entry: usize,
    label: String,
    /// "imported", "would_import", "not_imported", "duplicate" or "failed".
    outcome: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    id: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    existing_id: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    reason: Option<String>,
    warnings: Vec<String>,
}

impl ReportJson {
    fn new(r: &ImportReport, options: ImportOptions) -> Self {
        let imported = if options.dry_run { r.would_import() } else { r.imported() };
        let entries = r
            .entries
            .iter()
            .map(|e| {
                let (outcome, id, existing_id, reason) = match &e.outcome {
                    Outcome::Imported { account_id: Some(id) } => {
                        ("imported", Some(*id), None, None)
                    }
                    Outcome::Imported { account_id: None } if options.dry_run => {
                        ("would_import", None, None, None)
                    }
                    Outcome::Imported { account_id: None } => ("not_imported", None, None, None),
                    Outcome::Duplicate { existing_id } => {
                        ("duplicate", None, Some(*existing_id), None)
                    }
                    Outcome::Failed { reason } => ("failed", None, None, Some(reason.clone())),
                };
                EntryJson {
                    entry: e.position,
                    label: e.label.clone(),
                    outcome,
                    id,
                    existing_id,
                    reason,
                    warnings: e.warnings.iter().map(ToString::to_string).collect(),
                }
            })
            .collect();
        ReportJson {
            format: r.format.name(),
            dry_run: options.dry_run,
            committed: r.committed,
            imported,
            duplicates: r.duplicates(),
            failed: r
                .failed()
                .map(|(e, reason)| FailedJson {
                    entry: e.position,
                    label: e.label.clone(),
                    reason: reason.to_owned(),
                })
                .collect(),
            entries,
            notes: r.notes.clone(),
        }
    }
}
