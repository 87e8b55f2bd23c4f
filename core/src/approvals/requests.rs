//! The sign-in requests an app shows, remembered between the fetch and the user's answer,
//! so that an answer names a request by id (the app never holds a challenge).

use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard};

use super::{ApprovalError, Approvals, PendingAcrossEnrollments, PendingSignIn, VaultAccess};
use crate::error::Classify;
use crate::protocol::{Decision, RespondAnswer};

/// The requests of the last [`SignInRequests::fetch`], by request id. Thread-safe; the lock
/// is never held across the network or a key-store callback.
#[derive(Debug, Default)]
pub struct SignInRequests {
    by_id: Mutex<HashMap<String, PendingSignIn>>,
}

impl SignInRequests {
    /// No requests remembered yet.
    pub fn new() -> Self {
        Self::default()
    }

    fn by_id(&self) -> MutexGuard<'_, HashMap<String, PendingSignIn>> {
        // Only plain data is guarded: a panic elsewhere leaves it consistent.
        self.by_id.lock().unwrap_or_else(|poisoned| {
            self.by_id.clear_poison();
            poisoned.into_inner()
        })
    }

    /// Fetches the open requests across all enrollments (see [`Approvals::pending`]) and
    /// remembers them, replacing what an earlier fetch found.
    pub fn fetch<V: VaultAccess + ?Sized>(
        &self,
        approvals: &Approvals<'_, V>,
        now: i64,
    ) -> Result<PendingAcrossEnrollments, ApprovalError> {
        let found = approvals.pending(now)?;
        *self.by_id() = found.requests.iter().map(|p| (p.request.id.clone(), p.clone())).collect();
        Ok(found)
    }

    /// Answers the remembered request `request_id` (see [`Approvals::decide`]). An approval
    /// whose number is not two digits fails with `ProtocolError::InvalidNumber` before
    /// anything else; an id the last fetch did not return with
    /// [`ApprovalError::UnknownRequest`]. A request that got an answer, or an error that
    /// [ends it](Classify::ends_request), is forgotten; one that failed before reaching the
    /// provider (no network, a cancelled prompt, a busy account) stays answerable.
    pub fn decide<V: VaultAccess + ?Sized>(
        &self,
        approvals: &Approvals<'_, V>,
        request_id: &str,
        decision: Decision,
        now: i64,
    ) -> Result<RespondAnswer, ApprovalError> {
        decision.check_number()?;
        let cached = self.by_id().get(request_id).cloned().ok_or(ApprovalError::UnknownRequest)?;
        let outcome = approvals.decide(cached.enrollment_id, &cached.request, decision, now);
        let over = match &outcome {
            Ok(_) => true,
            Err(e) => e.ends_request(),
        };
        if over {
            self.by_id().remove(request_id);
        }
        outcome
    }

    /// Forgets the requests of an enrollment (it was removed).
    pub fn forget_enrollment(&self, enrollment_id: i64) {
        self.by_id().retain(|_, p| p.enrollment_id != enrollment_id);
    }
}
