//! Phone sign-in (passwordless): the user-verification key, enabled and disabled.

use super::{ApprovalError, Approvals, VaultAccess};
use crate::protocol::{self, ProtocolError};
use crate::vault::ActivityEvent;

impl<V: VaultAccess + ?Sized> Approvals<'_, V> {
    /// Enables phone sign-in (passwordless) for an enrollment: creates a user-verification
    /// key (the platform asks for biometrics/PIN to sign its proof), registers it and saves
    /// it (logged). On any error — no key created, provider unreachable or refusing, vault
    /// write failed — the new key is deleted; a learned clock offset is still saved.
    pub fn enable_phone_signin(&self, enrollment_id: i64, now: i64) -> Result<(), ApprovalError> {
        let mut e = self.load(enrollment_id)?;
        let before = e.clock_offset;
        let old_alias = e.phone_signin_key_alias.clone();
        let mut retried = false;
        let result = loop {
            // Deletes its key itself when it fails after creating it.
            let (request, state) = match protocol::enable_phone_signin(&e, self.keys, now) {
                Ok(built) => built,
                Err(err) => break Err(ApprovalError::from(err)),
            };
            let alias = state.key_alias().to_owned();
            if let Err(err) = self.key_created(&alias) {
                break Err(err);
            }
            let response = match self.send(request) {
                Ok(r) => r,
                Err(err) => {
                    let _ = self.keys.delete_key(alias);
                    break Err(err);
                }
            };
            match state.finish(&mut e, self.keys, &response, now) {
                // `finish` deleted the new key; the retry creates another.
                Err(ProtocolError::ClockSkew) if !retried => retried = true,
                other => break other.map_err(ApprovalError::from),
            }
        };
        if let Err(err) = result {
            let _ = self.save_clock(enrollment_id, before, &e);
            return Err(err);
        }
        let event = ActivityEvent::PhoneSignin { enrollment_id, account_name: e.account_name.clone(), enabled: true };
        let mut replaced = None;
        let committed = self.commit(enrollment_id, Some(&event), |latest| {
            if latest.phone_signin_key_alias != old_alias {
                replaced = latest.phone_signin_key_alias.clone(); // enabled elsewhere meanwhile
            }
            latest.phone_signin_key_alias = e.phone_signin_key_alias.clone();
            latest.phone_signin_credential_id = e.phone_signin_credential_id.clone();
            latest.phone_signin_public_key = e.phone_signin_public_key.clone();
            latest.phone_signin_sign_count = e.phone_signin_sign_count;
            latest.clock_offset = e.clock_offset;
            true
        });
        if let Err(err) = committed {
            if let Some(alias) = e.phone_signin_key_alias.clone() {
                let _ = self.keys.delete_key(alias);
            }
            return Err(err);
        }
        if let Some(alias) = replaced {
            let _ = self.keys.delete_key(alias);
        }
        Ok(())
    }

    /// Disables phone sign-in for an enrollment (the provider forgets the key) and deletes
    /// its key. Logged.
    pub fn disable_phone_signin(&self, enrollment_id: i64, now: i64) -> Result<(), ApprovalError> {
        let mut e = self.load(enrollment_id)?;
        let before = e.clock_offset;
        let old_alias = e.phone_signin_key_alias.clone();
        let result = self.exchange(
            &mut e,
            |e| protocol::disable_phone_signin(e, self.keys, now),
            |state, e, resp| state.finish(e, self.keys, resp, now),
        );
        if let Err(err) = result {
            let _ = self.save_clock(enrollment_id, before, &e);
            return Err(err);
        }
        let event = ActivityEvent::PhoneSignin { enrollment_id, account_name: e.account_name.clone(), enabled: false };
        let mut stale = None;
        self.commit(enrollment_id, Some(&event), |latest| {
            if latest.phone_signin_key_alias != old_alias {
                stale = latest.phone_signin_key_alias.clone();
            }
            latest.phone_signin_key_alias = None;
            latest.phone_signin_credential_id = None;
            latest.phone_signin_public_key = None;
            latest.phone_signin_sign_count = 0;
            latest.clock_offset = e.clock_offset;
            true
        })?;
        if let Some(alias) = stale {
            let _ = self.keys.delete_key(alias);
        }
        Ok(())
    }
}
