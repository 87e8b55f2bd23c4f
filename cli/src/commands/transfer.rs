//! `nyckel transfer export|import`: moving to a new phone (or computer) with the old one in
//! hand (`docs/recovery.md` §4). Export asks each provider for a transfer code and writes the
//! encrypted transfer package; import opens it with the one-time key, enrolls with new keys
//! (the old device is revoked at the new one's first call to each provider), re-enables
//! phone sign-in with a fresh key and adds the accounts.

use serde::Serialize;

use super::enroll::{checked_device_name, default_device_name};
use super::{now, open_unlocked, Context};
use crate::cli::{TransferAction, TransferArgs, TransferExportArgs, TransferImportArgs};
use crate::error::{approval_message, CliError, Result};
use crate::input;
use crate::keys::{run_flow, DeviceKeys};
use crate::output::{self, clean};
use crate::pin::CliPin;
use crate::private_file;
use crate::qr;
use nyckel_core::transfer::{TransferExport, TransferImport, TransferKey};
use nyckel_http::Transport;

/// Runs `nyckel transfer`.
pub fn run(ctx: &Context, args: &TransferArgs) -> Result<()> {
    match &args.action {
        TransferAction::Export(a) => export(ctx, a),
        TransferAction::Import(a) => import(ctx, a),
    }
}

fn export(ctx: &Context, args: &TransferExportArgs) -> Result<()> {
    private_file::check_free(std::slice::from_ref(&args.out), args.force)?;
    let mut staged = private_file::stage(&args.out)?;
    let path = ctx.vault_path()?;
    let mut vault = open_unlocked(&path)?;
    let keys = DeviceKeys::load(&vault)?;
    let out = run_flow(&mut vault, &keys, &Transport::new(), |a| Ok(a.export_transfer(now())))??;
    staged.write(&out.bytes)?;
    let files = private_file::commit_all(vec![staged], args.force)?;
    let file = files.first().map(|p| p.display().to_string()).unwrap_or_default();
    let summary = ExportJson::new(&out, file);
    if args.json.json {
        return output::print_json(&summary);
    }
    let style = super::show_qr::style(&ctx.term, false);
    let mut text = format!(
        "Transfer package written to {} ({} account(s), {} enrollment(s)).\n",
        clean(&summary.file),
        summary.accounts,
        summary.enrollments.iter().filter(|e| e.error.is_none()).count()
    );
    for e in &summary.enrollments {
        if let Some(err) = &e.error {
            text.push_str(&format!("  {}: no transfer code: {}\n", clean(&e.account), clean(err)));
        }
    }
    for l in &summary.not_transferred {
        text.push_str(&format!("  not moved: {}: {}\n", clean(&l.what), clean(&l.reason)));
    }
    text.push_str(&format!(
        "On the new phone scan this code, then type {}:\n{}\nOr type the whole one-time key: {}\n",
        ctx.term.bold(out.key.code()),
        qr::render_terminal(&out.key.qr_payload(), style)?,
        ctx.term.bold(&out.key.text())
    ));
    text.push_str(
        "Import it soon: the transfer codes expire. This device keeps working until the new one has moved.\n",
    );
    output::print(&text)
}

fn import(ctx: &Context, args: &TransferImportArgs) -> Result<()> {
    // The key and the file are checked before the passphrase is asked for.
    let key = TransferKey::parse(&args.key).map_err(CliError::Transfer)?;
    let shown = args.file.display().to_string();
    let data = input::read_file(&args.file, nyckel_core::import::MAX_IMPORT_BYTES as u64)
        .map_err(|e| super::import::unreadable(e, &format!("cannot read {shown}")))?;
    let device_name = match &args.device_name {
        Some(name) => checked_device_name(name)?,
        None => default_device_name(),
    };
    let path = ctx.vault_path()?;
    let mut vault = open_unlocked(&path)?;
    let keys = DeviceKeys::load(&vault)?;
    keys.set_pin_source(std::sync::Arc::new(CliPin::lazy()));
    let moved = run_flow(&mut vault, &keys, &Transport::new(), |a| {
        Ok(a.import_transfer(&data, &key, &device_name, now()))
    })??;
    let summary = ImportJson::new(&moved);
    if args.json.json {
        output::print_json(&summary)?;
    } else {
        output::print(&import_text(ctx, &summary))?;
    }
    let failed = summary.enrollments.iter().filter(|e| e.error.is_some()).count()
        + summary.accounts.iter().filter(|a| a.outcome == "failed").count();
    if failed > 0 {
        return Err(CliError::failure(format!(
            "{failed} item(s) did not move (listed above); the others did"
        )));
    }
    Ok(())
}

fn import_text(ctx: &Context, s: &ImportJson) -> String {
    let mut text = String::new();
    for e in &s.enrollments {
        match &e.error {
            None => {
                text.push_str(&format!(
                    "{} {}{}{}\n",
                    ctx.term.green("Moved"),
                    clean(&e.account),
                    if e.old_device_revoked { "; the old device is revoked there" } else { "" },
                    match e.phone_signin.as_deref() {
                        Some("on") => "; phone sign-in is on (new key)",
                        _ => "",
                    }
                ));
                if let Some(m) = &e.managed_otp {
                    let how = if m.added { "added" } else { "already here; now managed" };
                    text.push_str(&format!(
                        "  the managed one-time-code account {} (from the provider): {how}\n",
                        clean(&m.account)
                    ));
                }
                for w in &e.warnings {
                    text.push_str(&format!("  {}\n", clean(w)));
                }
            }
            Some(err) => {
                text.push_str(&format!("Not moved {}: {}\n", clean(&e.account), clean(err)))
            }
        }
    }
    for a in &s.accounts {
        text.push_str(&format!("{} {}\n", a.outcome, clean(&a.account)));
    }
    text
}

/// `transfer export --json`.
#[derive(Serialize)]
struct ExportJson {
    /// The whole one-time key, to type.
    key: String,
    /// What the QR code holds (the key without its 6-digit code).
    qr: String,
    /// The 6-digit code typed after scanning.
    code: String,
    file: String,
    accounts: usize,
    enrollments: Vec<OfferJson>,
    not_transferred: Vec<LeftOutJson>,
}

#[derive(Serialize)]
struct OfferJson {
    account: String,
    phone_signin: bool,
    expires_at: Option<i64>,
    error: Option<String>,
}

#[derive(Serialize)]
struct LeftOutJson {
    what: String,
    reason: String,
}

impl ExportJson {
    fn new(out: &TransferExport, file: String) -> ExportJson {
        ExportJson {
            key: out.key.text().to_string(),
            qr: out.key.qr_payload().to_string(),
            code: out.key.code().to_owned(),
            file,
            accounts: out.accounts.len(),
            enrollments: out
                .enrollments
                .iter()
                .map(|e| OfferJson {
                    account: e.label.clone(),
                    phone_signin: e.phone_signin,
                    expires_at: e.outcome.as_ref().ok().copied(),
                    error: e.outcome.as_ref().err().map(approval_message),
                })
                .collect(),
            not_transferred: out
                .left_out
                .iter()
                .map(|l| LeftOutJson { what: l.label.clone(), reason: l.reason() })
                .collect(),
        }
    }
}

/// `transfer import --json`.
#[derive(Serialize)]
struct ImportJson {
    enrollments: Vec<MoveJson>,
    accounts: Vec<AccountOutcomeJson>,
}

#[derive(Serialize)]
struct MoveJson {
    account: String,
    enrollment_id: Option<i64>,
    /// The first call went through: the provider revoked the old device.
    old_device_revoked: bool,
    /// `on`, `failed` or `null` (the old device did not have it).
    phone_signin: Option<String>,
    /// The managed one-time-code account the provider re-delivered (`null`: none).
    managed_otp: Option<ManagedOtpJson>,
    error: Option<String>,
    warnings: Vec<String>,
}

#[derive(Serialize)]
struct ManagedOtpJson {
    account: String,
    account_id: i64,
    /// `false`: this vault had it already (linked, not added twice).
    added: bool,
}

#[derive(Serialize)]
struct AccountOutcomeJson {
    account: String,
    /// `imported`, `duplicate` or `failed`.
    outcome: &'static str,
    reason: Option<String>,
}

impl ImportJson {
    fn new(m: &TransferImport) -> ImportJson {
        use nyckel_core::import::Outcome;
        let enrollments = m
            .enrollments
            .iter()
            .map(|e| match &e.outcome {
                Ok(done) => {
                    let mut warnings = Vec::new();
                    if let Err(err) = &done.confirmed {
                        warnings.push(format!(
                            "the provider was not reached after enrolling ({}); the old device still works there until this one fetches its sign-in requests",
                            approval_message(err)
                        ));
                    }
                    let phone_signin = done.phone_signin.as_ref().map(|r| match r {
                        Ok(()) => "on".to_owned(),
                        Err(err) => {
                            warnings.push(format!(
                                "phone sign-in was not turned on again ({}); use `nyckel phone-signin enable`",
                                approval_message(err)
                            ));
                            "failed".to_owned()
                        }
                    });
                    MoveJson {
                        account: e.label.clone(),
                        enrollment_id: Some(done.enrolled.enrollment_id),
                        old_device_revoked: done.confirmed.is_ok(),
                        phone_signin,
                        managed_otp: done.managed_otp.as_ref().map(|m| ManagedOtpJson {
                            account: m.label.clone(),
                            account_id: m.account_id,
                            added: m.added,
                        }),
                        error: None,
                        warnings,
                    }
                }
                Err(err) => MoveJson {
                    account: e.label.clone(),
                    enrollment_id: None,
                    old_device_revoked: false,
                    phone_signin: None,
                    managed_otp: None,
                    error: Some(approval_message(err)),
                    warnings: Vec::new(),
                },
            })
            .collect();
        let accounts = m
            .accounts
            .entries
            .iter()
            .map(|a| {
                let (outcome, reason) = match &a.outcome {
                    Outcome::Imported { .. } => ("imported", None),
                    Outcome::Duplicate { .. } => ("duplicate", None),
                    Outcome::Failed { reason } => ("failed", Some(reason.clone())),
                };
                AccountOutcomeJson { account: a.label.clone(), outcome, reason }
            })
            .collect();
        ImportJson { enrollments, accounts }
    }
}
