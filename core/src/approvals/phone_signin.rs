//! Phone sign-in (passwordless): the user-verification key, enabled and disabled.

use super::{ApprovalError, Approvals, VaultAccess};
use crate::protocol::{self, ProtocolError};
use crate::vault::ActivityEvent;

impl<V: VaultAccess + ?Sized> Approvals<'_, V> {
    /// Enables phone sign-in (passwordless) for an enrollment: creates a user-verification
    /// key (the platform asks for biometrics/PIN to sign its proof), registers it and saves
    /// it (logged). On any error — no key created, provider unreachable or refusing, vault
    /// write failed — the new key is deleted; a learned clock offset is still saved.
    ///
    /// A key this replaces is deleted only after the vault saved the new one, so a failed
    /// save leaves the stored enrollment with a key that still exists. When phone sign-in
    /// of this enrollment was enabled or disabled by another call while this one was on the
    /// network, nothing is saved, the new key is deleted and the result is
    /// [`ApprovalError::PhoneSigninConflict`]: the provider may hold either call's key, so
    /// the user should enable phone sign-in again.
    pub fn enable_phone_signin(&self, enrollment_id: i64, now: i64) -> Result<(), ApprovalError> {
        let time = self.time(now);
        let mut e = self.load(enrollment_id)?;
        let before = e.clock_offset;
        let old_alias = e.phone_signin_key_alias().map(str::to_owned);
        let mut retried = false;
        let result = loop {
            // Deletes its key itself when it fails after creating it.
            let (request, state) = match protocol::enable_phone_signin(&e, self.keys, time.at()) {
                Ok(built) => built,
                Err(err) => break Err(ApprovalError::from(err)),
            };
            let alias = state.key_alias().to_owned();
            if let Err(err) = self.key_created(&alias) {
                break Err(err);
            }
            let sent = self.send(request);
            let received = time.at(); // after the prompt and the network: the offset's t_recv
            let response = match sent {
                Ok(r) => r,
                Err(err) => {
                    let _ = self.keys.delete_key(alias);
                    break Err(err);
                }
            };
            match state.finish_deferred(&mut e, self.keys, &response, received) {
                // `finish_deferred` deleted the new key; the retry creates another.
                Err(ProtocolError::ClockSkew) if !retried => retried = true,
                other => break other.map_err(ApprovalError::from),
            }
        };
        let replaced = match result {
            Ok(replaced) => replaced,
            Err(err) => {
                let _ = self.save_clock(enrollment_id, before, &e);
                return Err(err);
            }
        };
        let event = ActivityEvent::PhoneSignin {
            enrollment_id,
            account_name: e.account_name.clone(),
            enabled: true,
        };
        let committed = self.commit(enrollment_id, Some(&event), |latest| {
            if latest.phone_signin_key_alias() != old_alias.as_deref() {
                return false; // enabled or disabled by another call meanwhile
            }
            latest.phone_signin = e.phone_signin.clone();
            latest.clock_offset = e.clock_offset;
            true
        });
        let delete_new = || {
            if let Some(alias) = e.phone_signin_key_alias() {
                let _ = self.keys.delete_key(alias.to_owned());
            }
        };
        match committed {
            Ok(true) => {
                if let Some(alias) = replaced {
                    let _ = self.keys.delete_key(alias);
                }
                Ok(())
            }
            Ok(false) => {
                delete_new();
                let _ = self.save_clock(enrollment_id, before, &e);
                Err(ApprovalError::PhoneSigninConflict)
            }
            Err(err) => {
                delete_new();
                Err(err)
            }
        }
    }

    /// Disables phone sign-in for an enrollment (the provider forgets the key) and deletes
    /// its key once the vault saved that it is off. Logged.
    pub fn disable_phone_signin(&self, enrollment_id: i64, now: i64) -> Result<(), ApprovalError> {
        let time = self.time(now);
        let mut e = self.load(enrollment_id)?;
        let before = e.clock_offset;
        let old_alias = e.phone_signin_key_alias().map(str::to_owned);
        let result = self.exchange(
            &mut e,
            &time,
            |e, now| protocol::disable_phone_signin(e, self.keys, now),
            |state, e, resp, received| state.finish_deferred(e, resp, received),
        );
        let removed = match result {
            Ok(removed) => removed,
            Err(err) => {
                let _ = self.save_clock(enrollment_id, before, &e);
                return Err(err);
            }
        };
        let event = ActivityEvent::PhoneSignin {
            enrollment_id,
            account_name: e.account_name.clone(),
            enabled: false,
        };
        let mut stale = None;
        self.commit(enrollment_id, Some(&event), |latest| {
            if latest.phone_signin_key_alias() != old_alias.as_deref() {
                // enabled elsewhere meanwhile
                stale = latest.phone_signin_key_alias().map(str::to_owned);
            }
            latest.phone_signin = None;
            latest.clock_offset = e.clock_offset;
            true
        })?;
        for alias in removed.into_iter().chain(stale) {
            let _ = self.keys.delete_key(alias);
        }
        Ok(())
    }
}
