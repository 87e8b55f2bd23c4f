//! `nyckel phone-signin enable|disable ACCOUNT`: passwordless sign-in, approved on this
//! computer with a PIN-gated key.

use std::sync::Arc;

use nyckel_core::vault::Vault;
use serde::Serialize;

use super::enrollments::{enrollment_label, resolve};
use super::{now, open_unlocked, Context};
use crate::cli::{PhoneSigninAction, PhoneSigninArgs, PhoneSigninTarget};
use crate::error::Result;
use crate::keys::{run_flow, DeviceKeys};
use crate::output::{self, clean};
use crate::pin::{self, CliPin};
use nyckel_http::Transport;

/// What `phone-signin … --json` prints.
#[derive(Debug, Serialize)]
pub struct PhoneSigninJson {
    /// The enrollment.
    pub enrollment_id: i64,
    /// The provider's display name.
    pub issuer: String,
    /// The account.
    pub account: String,
    /// Whether phone sign-in is now on.
    pub phone_signin: bool,
}

/// Turns phone sign-in on or off.
pub fn run(ctx: &Context, args: &PhoneSigninArgs) -> Result<()> {
    let (target, on) = match &args.action {
        PhoneSigninAction::Enable(t) => (t, true),
        PhoneSigninAction::Disable(t) => (t, false),
    };
    let path = ctx.vault_path()?;
    let mut vault = open_unlocked(&path)?;
    let id = resolve(&vault.enrollments()?, &target.account)?.id;
    if on {
        let pin = {
            let keys = DeviceKeys::load(&vault)?;
            pin::for_new_key(&keys)?
        };
        enable(&mut vault, id, pin)?;
    } else {
        disable(&mut vault, id)?;
    }
    print(ctx, &vault, id, target, on)
}

/// Enables phone sign-in for enrollment `id` with a key sealed under `pin`'s PIN. The new
/// key is in the vault before the provider learns it.
pub fn enable(vault: &mut Vault, id: i64, pin: CliPin) -> Result<()> {
    let keys = DeviceKeys::load(vault)?;
    keys.set_pin_source(Arc::new(pin));
    run_flow(vault, &keys, &Transport::new(), |a| a.enable_phone_signin(id, now()))
}

/// Disables phone sign-in for enrollment `id` (the provider revokes the key; it is deleted).
pub fn disable(vault: &mut Vault, id: i64) -> Result<()> {
    let keys = DeviceKeys::load(vault)?;
    run_flow(vault, &keys, &Transport::new(), |a| a.disable_phone_signin(id, now()))
}

fn print(
    ctx: &Context,
    vault: &Vault,
    id: i64,
    target: &PhoneSigninTarget,
    on: bool,
) -> Result<()> {
    let s = vault.enrollment(id)?;
    if target.json.json {
        return output::print_json(&PhoneSigninJson {
            enrollment_id: id,
            issuer: s.enrollment.issuer.clone(),
            account: s.enrollment.account_name.clone(),
            phone_signin: s.enrollment.phone_signin_enabled(),
        });
    }
    let shown = ctx.term.bold(&enrollment_label(&s));
    let text = if on {
        format!(
            "Phone sign-in is {} for {shown}.\nSign in with only your user name ({}) and approve here with `nyckel approve` and your PIN.\n",
            ctx.term.green("on"),
            clean(&s.enrollment.account_name)
        )
    } else {
        format!(
            "Phone sign-in is off for {shown}; its key is deleted. Passwordless sign-ins now need another device.\n"
        )
    };
    output::print(&text)
}
