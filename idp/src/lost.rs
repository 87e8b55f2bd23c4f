//! "Jag har tappat telefonen" on the account page: revoking one of the user's own phones at
//! once — its credentials, the user's sessions and every sign-in request still waiting — but
//! only after a fresh step-up with another method (`step_up.rs`). The session alone is not
//! enough (a stolen browser session must not lock the owner out), and the lost phone never
//! sees the step-up's request, so whoever holds it can neither approve, deny nor report it.

use crate::config::Config;
use crate::error::Error;
use crate::model::{DeviceId, DeviceInfo, Revocation, UserId};
use crate::step_up::{self, Checked, Purpose, StepUps};
use crate::storage::Store;

/// The lost phone and what the user can prove besides it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct LostStepUps {
    /// The lost phone's name.
    pub phone: String,
    /// The step-ups without it.
    pub ups: StepUps,
}

/// The step-ups `name` has, in browser session `session`, for losing `lost`;
/// [`Error::NotFound`] unless `lost` is one of their active phones.
pub(crate) fn step_ups(
    store: &dyn Store,
    name: &str,
    session: &str,
    lost: &DeviceId,
) -> Result<LostStepUps, Error> {
    let devices = store.devices_of(name)?;
    let active = |d: &&DeviceInfo| d.revoked_at.is_none();
    let Some(phone) = devices.iter().filter(active).find(|d| d.device_id == lost.as_str()) else {
        return Err(Error::NotFound("device"));
    };
    let ups = step_up::step_ups(store, name, session, Some(lost))?;
    Ok(LostStepUps { phone: phone.name.clone(), ups })
}

/// After a passed step-up: revokes `lost` as lost (re-checking under the write lock that it
/// is still the user's active phone) and records the step-up that allowed it. A step-up that
/// did not pass is returned as it is.
pub(crate) fn revoke_if_passed(
    store: &dyn Store,
    cfg: &Config,
    (user, name): (&UserId, &str),
    lost: &DeviceId,
    checked: Checked,
    ip: &str,
) -> Result<Checked, Error> {
    let Checked::Passed(how) = checked else { return Ok(checked) };
    let now = cfg.clock.now();
    let mut found = false;
    store.revoke_device_if(name, lost, Revocation::Lost, ip, now, &mut |devices| {
        found =
            devices.iter().filter(|d| d.revoked_at.is_none()).any(|d| d.device_id == lost.as_str());
        found
    })?;
    if !found {
        return Err(Error::NotFound("device"));
    }
    step_up::passed(store, cfg, user, &Purpose::Lost(lost.clone()), how, ip)?;
    tracing::info!(device = %lost, "device reported lost and revoked");
    Ok(checked)
}
