//! `nyckel enrollments` and `nyckel unenroll`, and what the push commands share: finding an
//! enrollment by id or name, and its JSON view.

use std::io::Write;

use nyckel_core::protocol::Standing;
use nyckel_core::vault::StoredEnrollment;
use serde::Serialize;

use super::{now, open_unlocked, stdin_is_terminal, Context};
use crate::cli::{JsonArg, UnenrollArgs};
use crate::error::{CliError, Result};
use crate::keys::{run_flow, DeviceKeys};
use crate::output::{self, label, Term};
use nyckel_http::Transport;

/// An enrollment as the JSON output shows it (no keys, ids of the provider or counters).
#[derive(Debug, Serialize)]
pub struct EnrollmentJson {
    /// The enrollment's id in the vault.
    pub id: i64,
    /// The provider's display name.
    pub issuer: String,
    /// The account name.
    pub account: String,
    /// The provider's base URL.
    pub provider: String,
    /// The name the provider shows for this computer.
    pub device_name: String,
    /// Whether phone sign-in (passwordless) is on.
    pub phone_signin: bool,
    /// The OTP account added from the same enrollment code, if any.
    pub otp_account_id: Option<i64>,
    /// When the enrollment happened (Unix seconds, provider time).
    pub enrolled_at: i64,
}

impl EnrollmentJson {
    /// The JSON view of a stored enrollment.
    pub fn new(s: &StoredEnrollment) -> Self {
        let e = &s.enrollment;
        EnrollmentJson {
            id: s.id,
            issuer: e.issuer.clone(),
            account: e.account_name.clone(),
            provider: e.base_url.clone(),
            device_name: e.device_name.clone(),
            phone_signin: e.phone_signin_enabled(),
            otp_account_id: e.otp_account_id,
            enrolled_at: e.enrolled_at,
        }
    }
}

/// "Provider (account)", cleaned for the terminal.
pub fn enrollment_label(s: &StoredEnrollment) -> String {
    label(&s.enrollment.issuer, &s.enrollment.account_name)
}

/// The enrollment a query names: the one whose id is exactly `query`, else the only one
/// whose account name or provider name contains it (case-insensitive). None, or several:
/// exit 2 (listing the candidates).
pub fn resolve<'a>(list: &'a [StoredEnrollment], query: &str) -> Result<&'a StoredEnrollment> {
    if list.is_empty() {
        return Err(no_enrollments());
    }
    let q = query.trim();
    if let Ok(id) = q.parse::<i64>() {
        if let Some(s) = list.iter().find(|s| s.id == id) {
            return Ok(s);
        }
    }
    let needle = q.to_lowercase();
    let found: Vec<&StoredEnrollment> = list
        .iter()
        .filter(|s| {
            s.enrollment.account_name.to_lowercase().contains(&needle)
                || s.enrollment.issuer.to_lowercase().contains(&needle)
        })
        .collect();
    match found.as_slice() {
        [one] => Ok(one),
        [] => Err(CliError::usage(format!(
            "no enrollment matches \"{}\" (see `nyckel enrollments`)",
            output::clean(query)
        ))),
        many => {
            let names: Vec<String> =
                many.iter().map(|s| format!("[{}] {}", s.id, enrollment_label(s))).collect();
            Err(CliError::usage(format!(
                "\"{}\" matches {} enrollments: {}; give the id",
                output::clean(query),
                many.len(),
                names.join(", ")
            )))
        }
    }
}

/// The error for commands that need an enrollment when there is none.
pub fn no_enrollments() -> CliError {
    CliError::usage("no enrollments yet: enroll this computer first with `nyckel enroll URI` (or `--scan IMAGE`)")
}

/// `nyckel enrollments`.
pub fn run_list(ctx: &Context, args: &JsonArg) -> Result<()> {
    let vault = ctx.unlocked_vault()?;
    let list = vault.enrollments()?;
    if args.json {
        return output::print_json(&list.iter().map(EnrollmentJson::new).collect::<Vec<_>>());
    }
    output::print(&render(&list, &ctx.term))
}

/// The enrollments as an aligned table.
pub fn render(list: &[StoredEnrollment], term: &Term) -> String {
    if list.is_empty() {
        return "No enrollments yet. Enroll with `nyckel enroll URI` or `nyckel enroll --scan QR.png`.\n".into();
    }
    let header = ["ID", "PROVIDER", "ACCOUNT", "PHONE SIGN-IN", "ENROLLED", "URL"];
    let mut rows = vec![header.iter().map(|h| term.dim(h)).collect::<Vec<_>>()];
    for s in list {
        let e = &s.enrollment;
        rows.push(vec![
            format!("{:>2}", s.id),
            term.bold(&output::or_dash(&e.issuer)),
            output::clean(&e.account_name),
            if e.phone_signin_enabled() { term.green("on") } else { "off".into() },
            output::local_time(e.enrolled_at),
            term.dim(&output::clean(&e.base_url)),
        ]);
    }
    output::table(&rows)
}

/// Asks a y/N question on stderr and reads the answer from stdin (a terminal).
pub fn confirm(question: &str) -> Result<bool> {
    let mut err = std::io::stderr().lock();
    let _ = err.write_all(question.as_bytes());
    let _ = err.flush();
    let answer = super::read_stdin_line("cannot read the answer")?.unwrap_or_default();
    Ok(matches!(answer.trim().to_lowercase().as_str(), "y" | "yes" | "j" | "ja"))
}

/// What to tell the user before unenrolling, from the provider's answer to "what else can
/// this user sign in with" (§4.11): `None` when they keep another way in.
fn lockout_warning(s: &StoredEnrollment, standing: Result<Standing>) -> Option<String> {
    let provider = output::clean(&s.enrollment.issuer);
    let after =
        "you cannot sign in there again until your administrator gives you a new enrollment code";
    let instead = "to move to another device, use `nyckel transfer export` instead";
    match standing {
        Ok(st) if !st.is_last_method() => None,
        Ok(_) => Some(format!(
            "This is your only way to sign in at {provider}: after removing it {after}; {instead}."
        )),
        Err(e) => Some(format!(
            "Nyckel could not ask {provider} whether you have another way to sign in ({}). If this is your only one, {after}.",
            e.message().unwrap_or_else(|| "no answer".to_owned())
        )),
    }
}

/// `nyckel unenroll`: tells the provider, then deletes the enrollment and its keys.
pub fn run_unenroll(ctx: &Context, args: &UnenrollArgs) -> Result<()> {
    let interactive = stdin_is_terminal();
    if !args.yes && !interactive {
        return Err(CliError::usage(
            "refusing to remove an enrollment without confirmation: pass --yes",
        ));
    }
    let path = ctx.vault_path()?;
    let mut vault = open_unlocked(&path)?;
    let list = vault.enrollments()?;
    let s = resolve(&list, &args.enrollment)?.clone();
    let shown = enrollment_label(&s);
    let keys = DeviceKeys::load(&vault)?;
    // Asked before the question, so the question can say when this is the user's last way in.
    let standing = run_flow(&mut vault, &keys, &Transport::new(), |a| a.standing(s.id, now()));
    let lockout = lockout_warning(&s, standing);
    if args.yes {
        if let Some(w) = &lockout {
            output::warn(w);
        }
    } else {
        let mut question = format!(
            "Remove enrollment [{}] {shown}? This computer will no longer get its sign-in requests.",
            s.id
        );
        if let Some(w) = &lockout {
            question.push_str(&format!("\n{w}\n"));
        }
        question.push_str(" [y/N] ");
        if !confirm(&question)? {
            return output::print("Nothing removed.\n");
        }
    }
    // The core tells the provider (`DELETE /nyckel/v1/device`, once more after a clock
    // correction), then removes the enrollment and its keys whatever the provider said.
    let told = run_flow(&mut vault, &keys, &Transport::new(), |a| a.unenroll(s.id, now()))?
        .provider
        .map_err(CliError::from);
    if let Err(e) = &told {
        output::warn(&format!(
            "could not tell the provider ({}); it lists \"{}\" until an administrator removes it, but this computer's keys are deleted now",
            e.message().unwrap_or_default(),
            output::clean(&s.enrollment.device_name)
        ));
    }
    let mut text = format!("Removed enrollment {} {shown}", ctx.term.dim(&format!("[{}]", s.id)));
    if told.is_ok() {
        text.push_str("; the provider has revoked this computer");
    }
    text.push_str(".\n");
    if let Some(id) = s.enrollment.otp_account_id {
        if vault.account(id).is_ok() {
            text.push_str(&format!("Its one-time-code account [{id}] stays; delete it with `nyckel delete {id}` if you no longer need it.\n"));
        }
    }
    output::print(&text)
}
