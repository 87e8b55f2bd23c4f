//! Phone sign-in (passwordless): the user-verification key, enabled and disabled.

use super::{ApprovalError, Approvals, VaultAccess};
use crate::protocol::{self, ProtocolError};
use crate::vault::ActivityEvent;

impl<V: VaultAccess + ?Sized> Approvals<'_, V> {
    /// Enables phone sign-in (passwordless) for an enrollment: fetches the provider's
    /// single-use challenge, creates a user-verification key (attested for the challenge
    /// when the key store can; the platform asks for biometrics/PIN to sign the proof over
    /// it), registers it and saves it (logged). On any error — no key created, provider unreachable or refusing, vault
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
        // The provider's single-use challenge first: the new key is created and signs it
        // only after it arrived (§4.4).
        let challenge = match self.exchange(
            &mut e,
            &time,
            |e, now| protocol::request_phone_signin_challenge(e, self.keys, self.random, now),
            |state, e, resp, received| state.finish(e, resp, received),
        ) {
            Ok(challenge) => challenge,
            Err(err) => {
                let _ = self.save_clock(enrollment_id, before, &e);
                return Err(err);
            }
        };
        let mut retried = false;
        // The state (and then `new_key`) owns the new key: dropped on any error path below
        // it deletes the key; it is committed only once the vault saved it.
        let result = loop {
            let built =
                protocol::enable_phone_signin(&e, &challenge, self.keys, self.random, time.at());
            let (request, state) = match built {
                Ok(built) => built,
                Err(err) => break Err(ApprovalError::from(err)),
            };
            if let Err(err) = self.key_created() {
                break Err(err);
            }
            let sent = self.send(request);
            let received = time.at(); // after the prompt and the network: the offset's t_recv
            let response = match sent {
                Ok(r) => r,
                Err(err) => break Err(err),
            };
            match state.finish_pending(&mut e, &response, received) {
                // The state's key is gone with it; the retry creates another.
                Err(ProtocolError::ClockSkew) if !retried => retried = true,
                other => break other.map_err(ApprovalError::from),
            }
        };
        let (replaced, new_key) = match result {
            Ok(done) => done,
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
        match committed {
            Ok(true) => {
                new_key.commit();
                if let Some(alias) = replaced {
                    // The saved enrollment no longer names it: not an error path.
                    let _ = self.keys.delete_key(alias);
                }
                Ok(())
            }
            Ok(false) => {
                drop(new_key);
                let _ = self.save_clock(enrollment_id, before, &e);
                Err(ApprovalError::PhoneSigninConflict)
            }
            Err(err) => Err(err),
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
            |e, now| protocol::disable_phone_signin(e, self.keys, self.random, now),
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
