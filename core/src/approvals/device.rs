//! The device at the provider: push token updates, unenrolling, local removal.

use super::{ApprovalError, Approvals, Unenrolled, VaultAccess};
use crate::protocol::{self, Enrollment, Standing};

impl<V: VaultAccess + ?Sized> Approvals<'_, V> {
    /// Tells every provider the new push token (FCM/APNs rotate it); `None` or empty clears
    /// it (the provider then stops pushing). Every enrollment is tried; the first error is
    /// returned (calling again is harmless). A learned clock offset is saved.
    pub fn update_push_token(&self, token: Option<&str>, now: i64) -> Result<(), ApprovalError> {
        let token = token.filter(|t| !t.is_empty());
        if token.is_some_and(|t| t.len() > protocol::enroll::MAX_PUSH_TOKEN) {
            return Err(ApprovalError::PushTokenTooLong);
        }
        let time = self.time(now);
        let mut first_error = None;
        for stored in self.enrollments()? {
            let mut e = stored.enrollment;
            let before = e.clock_offset;
            let result = self.exchange(
                &mut e,
                &time,
                |e, now| protocol::update_push_token(e, token, self.keys, self.random, now),
                |ack, e, resp, received| ack.finish(e, resp, received),
            );
            let saved = self.save_clock(stored.id, before, &e);
            if let Err(err) = result.and(saved) {
                first_error.get_or_insert(err);
            }
        }
        first_error.map_or(Ok(()), Err)
    }

    /// Asks the enrollment's provider what else its user can sign in with (§4.11): before
    /// [`Approvals::unenroll`], to warn when this device is their last way in. A provider
    /// without the endpoint (older than §4.11) answers with an error: warn as if it were.
    pub fn standing(&self, enrollment_id: i64, now: i64) -> Result<Standing, ApprovalError> {
        let time = self.time(now);
        let mut e = self.load(enrollment_id)?;
        let before = e.clock_offset;
        let result = self.exchange(
            &mut e,
            &time,
            |e, now| protocol::standing(e, self.keys, self.random, now),
            |check, e, resp, received| check.finish(e, resp, received),
        );
        self.save_clock(enrollment_id, before, &e)?;
        result
    }

    /// Removes an enrollment: tells the provider (which revokes this device) when it can be
    /// reached, then removes it from the vault (logged) and deletes its keys. When the
    /// provider cannot be reached (or refuses) it is removed anyway, and
    /// [`Unenrolled::provider`] says why the provider still lists the device.
    pub fn unenroll(&self, enrollment_id: i64, now: i64) -> Result<Unenrolled, ApprovalError> {
        let time = self.time(now);
        let mut e = self.load(enrollment_id)?;
        let provider = self.exchange(
            &mut e,
            &time,
            |e, now| protocol::unenroll(e, self.keys, self.random, now),
            |ack, e, resp, received| ack.finish(e, resp, received),
        );
        let enrollment = self.remove(enrollment_id)?;
        Ok(Unenrolled { enrollment, provider })
    }

    /// Removes an enrollment from this device only (logged) and deletes its keys; returns
    /// it as it was stored. The provider still lists the device until an administrator
    /// revokes it: prefer [`Approvals::unenroll`].
    pub fn remove(&self, enrollment_id: i64) -> Result<Enrollment, ApprovalError> {
        let removed = self.vault.with_vault(|v| v.remove_enrollment(enrollment_id))?;
        let _ = self.keys.delete_key(removed.device_key_alias.clone());
        if let Some(alias) = removed.phone_signin_key_alias() {
            let _ = self.keys.delete_key(alias.to_owned());
        }
        Ok(removed)
    }
}
