//! An activity-log record of what the user decided, for the vault's activity log.

use serde::{Deserialize, Serialize};

use super::pending::{PendingRequest, RequestKind};
use super::respond::{Decision, RespondOutcome};
use super::{Enrollment, ProtocolError};

/// One decided sign-in request. Holds no number, nonce or key.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActivityRecord {
    /// When (provider time).
    pub at: i64,
    /// Provider base URL.
    pub provider: String,
    /// Account name.
    pub account_name: String,
    /// Request id.
    pub request_id: String,
    /// Push or passwordless.
    pub kind: RequestKind,
    /// The requesting app.
    pub app: String,
    /// Client IP.
    pub ip: String,
    /// Approximate location.
    pub location: String,
    /// `approve`, `deny` or `report`.
    pub decision: String,
    /// `approved`, `denied`, `reported`, or the provider's error code (`wrong_number`, …).
    pub result: String,
}

impl ActivityRecord {
    /// Builds a record from a request, the decision and the outcome of
    /// [`super::parse_respond_result`].
    pub fn new(
        enrollment: &Enrollment,
        request: &PendingRequest,
        decision: &Decision,
        outcome: &Result<RespondOutcome, ProtocolError>,
        now: i64,
    ) -> Self {
        let result = match outcome {
            Ok(RespondOutcome::Approved) => "approved".to_owned(),
            Ok(RespondOutcome::Denied) => "denied".to_owned(),
            Ok(RespondOutcome::Reported) => "reported".to_owned(),
            Err(ProtocolError::Provider { code, .. }) => code.as_wire().to_owned(),
            Err(_) => "error".to_owned(),
        };
        ActivityRecord {
            at: enrollment.server_now(now),
            provider: enrollment.base_url.clone(),
            account_name: request.account_name.clone(),
            request_id: request.id.clone(),
            kind: request.kind,
            app: request.app.clone(),
            ip: request.ip.clone(),
            location: request.location.clone(),
            decision: decision.as_str().to_owned(),
            result,
        }
    }
}
