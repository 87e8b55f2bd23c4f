//! "Ta bort" on the account page: removing one of the user's own phones, or their one-time
//! code, after a fresh step-up (`step_up.rs`). The session alone is not enough: whoever holds
//! a stolen browser session must not strip the owner of their methods.
//!
//! Unlike "Jag har tappat telefonen", the method being removed is in the user's hand, so it
//! may give the step-up itself (the phone approves its own removal, or the code is typed to
//! remove it), as Microsoft's security information page and Okta's accept any registered
//! method for a fresh verification. That is also what lets a user remove their only method at
//! all. Removing the last one warns first: the choice page shows the warning and its forms
//! carry `warned`; the rule is judged again under the write lock when removing.

use crate::admin::{self, Removal};
use crate::config::Config;
use crate::error::Error;
use crate::model::{DeviceInfo, UserId};
use crate::otp::{self, CodeMethod};
use crate::step_up::{self, Checked, Purpose};
use crate::storage::Store;

/// What a removal would take.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Target {
    /// The phone's name, or `None` for the one-time code.
    pub phone: Option<String>,
    /// It is the user's last way in (their only active phone, or the code without a phone).
    pub last: bool,
}

/// What `purpose` (a removal) would take from `name`: [`Error::NotFound`] unless it is one of
/// their active phones or their confirmed one-time code.
pub(crate) fn target(store: &dyn Store, name: &str, purpose: &Purpose) -> Result<Target, Error> {
    let devices = store.devices_of(name)?;
    let active = |d: &&DeviceInfo| d.revoked_at.is_none();
    match purpose {
        Purpose::RemovePhone { device, .. } => {
            let Some(phone) =
                devices.iter().filter(active).find(|d| d.device_id == device.as_str())
            else {
                return Err(Error::NotFound("device"));
            };
            let others =
                devices.iter().filter(active).filter(|d| d.device_id != device.as_str()).count();
            Ok(Target { phone: Some(phone.name.clone()), last: others == 0 })
        }
        Purpose::RemoveCode { .. } => {
            if otp::method(store, name)? != CodeMethod::Confirmed {
                return Err(Error::NotFound("one-time code"));
            }
            Ok(Target { phone: None, last: !devices.iter().any(|d| active(&d)) })
        }
        Purpose::Lost(_) | Purpose::AddPhone | Purpose::AddCode => Err(Error::Internal),
    }
}

/// What removing after a step-up did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Removed {
    /// The method is gone and every browser session of the user ended.
    Done,
    /// The step-up passed, but the method has become the user's last since the page warned
    /// (or it never warned): nothing was removed; the page warns and starts over.
    NeedsWarning,
    /// The step-up did not pass (nothing was removed).
    Not(Checked),
}

/// After a step-up: removes the method of `purpose` if `checked` passed, recording the
/// step-up (`step_up_passed`) and the removal (`device_removed` / `otp_removed`), each with
/// the client address `ip`.
pub(crate) fn remove_if_passed(
    store: &dyn Store,
    cfg: &Config,
    (user, name): (&UserId, &str),
    purpose: &Purpose,
    checked: Checked,
    ip: &str,
) -> Result<Removed, Error> {
    let Checked::Passed(how) = checked else { return Ok(Removed::Not(checked)) };
    step_up::passed(store, cfg, user, purpose, how, ip)?;
    let removal = match purpose {
        Purpose::RemovePhone { device, warned } => {
            admin::remove_own_device(store, cfg, name, device, *warned, ip)?
        }
        Purpose::RemoveCode { warned } => {
            otp::remove_method(store, (user, name), *warned, ip, cfg.clock.now())?
        }
        Purpose::Lost(_) | Purpose::AddPhone | Purpose::AddCode => return Err(Error::Internal),
    };
    Ok(match removal {
        Removal::Removed => Removed::Done,
        Removal::NeedsConfirmation => Removed::NeedsWarning,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{DeviceId, NewUser};

    #[test]
    fn a_step_up_that_did_not_pass_removes_nothing_and_records_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let store = crate::storage::sqlite::SqliteStore::open(dir.path().join("t.db")).unwrap();
        let cfg = Config::default();
        let user = UserId::random();
        let new = NewUser {
            id: user.clone(),
            name: "anna".into(),
            password_hash: None,
            otp_secret: Some(admin::new_otp_secret()),
            created_at: 1,
        };
        assert!(store.add_user(&new).unwrap());
        // Unconfirmed: no method to remove yet.
        let purpose = Purpose::RemoveCode { warned: true };
        assert_eq!(target(&store, "anna", &purpose), Err(Error::NotFound("one-time code")));
        let unknown = Purpose::RemovePhone { device: DeviceId::new("nope"), warned: true };
        assert_eq!(target(&store, "anna", &unknown), Err(Error::NotFound("device")));
        for checked in [Checked::Waiting, Checked::NotApproved, Checked::WrongPassword] {
            let r = remove_if_passed(&store, &cfg, (&user, "anna"), &purpose, checked, "ip");
            assert_eq!(r.unwrap(), Removed::Not(checked));
        }
        assert!(store.user_by_name("anna").unwrap().unwrap().otp_secret.is_some());
        let events = admin::events(&store, Some("anna"), 10).unwrap();
        assert!(events.iter().all(|e| !e.kind.starts_with("step_up") && e.kind != "otp_removed"));
    }
}
