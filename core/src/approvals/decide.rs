//! Open sign-in requests and the user's decisions on them.

use super::{
    ApprovalError, Approvals, CallTime, PendingAcrossEnrollments, PendingSignIn, VaultAccess,
};
use crate::protocol::{
    self, ActivityRecord, Decision, Enrollment, HttpRequest, PendingRequest, ProtocolError,
    ProviderCode, RespondAnswer,
};
use crate::vault::{ActivityEvent, StoredEnrollment};

/// Attempts at a decision when another decision on the same enrollment committed a counter
/// between our read and our write.
const COUNTER_ATTEMPTS: usize = 3;

impl<V: VaultAccess + ?Sized> Approvals<'_, V> {
    /// Fetches the open sign-in requests of one enrollment, verifying the provider's
    /// signature; saves the clock offset learned from signed server time (against the
    /// device time the answer arrived at).
    pub fn pending_for(
        &self,
        enrollment_id: i64,
        now: i64,
    ) -> Result<Vec<PendingSignIn>, ApprovalError> {
        let time = self.time(now);
        let stored = self.vault.with_vault(|v| v.enrollment(enrollment_id))?;
        self.fetch(stored, &time)
    }

    /// Fetches open requests across all enrollments. A provider that cannot be reached
    /// does not hide the others: its error is returned beside the requests. Each provider
    /// is asked (and its offset learned) at the device time of that exchange, so a slow one
    /// does not shift the others' clocks.
    pub fn pending(&self, now: i64) -> Result<PendingAcrossEnrollments, ApprovalError> {
        let time = self.time(now);
        let mut out = PendingAcrossEnrollments::default();
        for stored in self.enrollments()? {
            let id = stored.id;
            match self.fetch(stored, &time) {
                Ok(list) => out.requests.extend(list),
                Err(e) => out.failures.push((id, e)),
            }
        }
        Ok(out)
    }

    fn fetch(
        &self,
        stored: StoredEnrollment,
        time: &CallTime<'_>,
    ) -> Result<Vec<PendingSignIn>, ApprovalError> {
        let enrollment_id = stored.id;
        let mut e = stored.enrollment;
        let before = e.clock_offset;
        let result = self.exchange(
            &mut e,
            time,
            |e, now| protocol::fetch_pending(e, self.keys, self.random, now),
            |fetch, e, resp, received| protocol::parse_pending(e, &fetch, resp, received),
        );
        let saved = self.save_clock(enrollment_id, before, &e);
        let requests = result?;
        saved?;
        let now = time.at();
        Ok(requests
            .into_iter()
            .map(|request| PendingSignIn {
                enrollment_id,
                issuer: e.issuer.clone(),
                seconds_left: request.seconds_left(&e, now),
                request,
            })
            .collect())
    }

    /// Approves (with the number the user typed from the sign-in screen), denies or reports
    /// a request. The signature counter is committed (compare-and-set) before the assertion
    /// is sent, and the decision is logged with the context the user saw whatever the
    /// provider answers ("not delivered" when it could not be reached). A failed signature
    /// (prompt cancelled, wrong PIN) sends and logs nothing: the request is still pending.
    /// A phone sign-in key that is gone or unusable is reported as
    /// [`ProtocolError::PhoneSigninKey`] (enable phone sign-in again), not as the device
    /// key's [`ProtocolError::KeyStore`]. The provider not knowing the request (any more)
    /// is [`ApprovalError::RequestGone`].
    pub fn decide(
        &self,
        enrollment_id: i64,
        request: &PendingRequest,
        decision: Decision,
        now: i64,
    ) -> Result<RespondAnswer, ApprovalError> {
        let time = self.time(now);
        let (e, http_request) = self.sign_and_commit(enrollment_id, request, decision, &time)?;
        let sent = self.send(http_request);
        let now = time.at();
        let answer = match &sent {
            Ok(resp) => protocol::parse_respond_answer(&e, request, decision, resp),
            Err(_) => Err(ProtocolError::Malformed("not delivered")),
        };
        let outcome = answer.as_ref().map(|a| a.outcome).map_err(Clone::clone);
        let mut record = ActivityRecord::new(&e, request, &decision, &outcome, now);
        if sent.is_err() {
            record.result = "not delivered".into();
        }
        let event = ActivityEvent::SignIn { enrollment_id, record };
        // Best effort only when the vault was locked or closed meanwhile: the provider has
        // acted on the decision, so its outcome is what the user must see.
        let _ = self.vault.with_vault(|v| v.log(&event));
        sent?;
        answer.map_err(|e| match e {
            // The response call's 404 is "no such request" (§4.3).
            ProtocolError::Provider { code: ProviderCode::NotFound, .. } => {
                ApprovalError::RequestGone
            }
            e => e.into(),
        })
    }

    /// Signs `decision` and commits the counter it used (compare-and-set against the stored
    /// enrollment), signing again with the next value when another decision won the race.
    fn sign_and_commit(
        &self,
        enrollment_id: i64,
        request: &PendingRequest,
        decision: Decision,
        time: &CallTime<'_>,
    ) -> Result<(Enrollment, HttpRequest), ApprovalError> {
        // `respond` signs passwordless approvals with the phone sign-in key, all else with
        // the device key: tag the phone key's failures so the app names the right key.
        let phone_key = decision.uses_phone_signin_key(request);
        for _ in 0..COUNTER_ATTEMPTS {
            let snapshot = self.load(enrollment_id)?;
            let mut ours = snapshot.clone();
            let http_request =
                protocol::respond(&mut ours, request, decision, self.keys, time.at())
                    .map_err(|e| if phone_key { e.of_phone_signin_key() } else { e })?;
            let committed = self.commit(enrollment_id, None, |latest| {
                if ours.sign_count != snapshot.sign_count {
                    if latest.device_key_alias != ours.device_key_alias
                        || latest.sign_count >= ours.sign_count
                    {
                        return false;
                    }
                    latest.sign_count = ours.sign_count;
                }
                let count = |e: &Enrollment| e.phone_signin.as_ref().map(|p| p.sign_count);
                if count(&ours) != count(&snapshot) {
                    let (Some(theirs), Some(mine)) = (&mut latest.phone_signin, &ours.phone_signin)
                    else {
                        return false;
                    };
                    if theirs.key_alias != mine.key_alias || theirs.sign_count >= mine.sign_count {
                        return false;
                    }
                    theirs.sign_count = mine.sign_count;
                }
                true
            })?;
            if committed {
                return Ok((ours, http_request));
            }
        }
        Err(ApprovalError::Conflict)
    }
}
