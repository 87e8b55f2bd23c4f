//! Approve, deny or report a sign-in request (§4.3).

use serde::{Deserialize, Serialize};

use super::assertion::{self, ClientDataFields};
use super::envelope::open;
use super::keys::DeviceKeyStore;
use super::pending::{PendingRequest, RequestKind};
use super::wire::{unb64, DecisionKind, SigninResult};
use super::{Enrollment, HttpRequest, HttpResponse, ProtocolError};

/// The user's answer to a sign-in request.
#[derive(Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase", tag = "decision")]
pub enum Decision {
    /// Approve with the two-digit number the user typed from the sign-in screen.
    Approve {
        /// 10–99.
        number: u8,
    },
    /// "No, it's not me."
    Deny,
    /// "Report suspicious activity": denies and blocks further pushes for a while.
    Report,
}

impl Decision {
    /// [`ProtocolError::InvalidNumber`] for an approval whose number is not two digits
    /// (10–99); checked before anything is signed or sent.
    pub fn check_number(&self) -> Result<(), ProtocolError> {
        match self {
            Decision::Approve { number } if !(10..=99).contains(number) => {
                Err(ProtocolError::InvalidNumber)
            }
            _ => Ok(()),
        }
    }
}

impl std::fmt::Debug for Decision {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Decision {
    /// Whether [`respond`] signs this decision with the phone sign-in key (approving a
    /// passwordless request) rather than the device key.
    pub fn uses_phone_signin_key(&self, request: &PendingRequest) -> bool {
        request.kind == RequestKind::Passwordless && matches!(self, Decision::Approve { .. })
    }

    /// Wire name (`approve`, `deny`, `report`).
    pub fn as_str(&self) -> &'static str {
        self.kind().as_wire()
    }

    /// The decision without its number.
    pub fn kind(&self) -> DecisionKind {
        match self {
            Decision::Approve { .. } => DecisionKind::Approve,
            Decision::Deny => DecisionKind::Deny,
            Decision::Report => DecisionKind::Report,
        }
    }
}

pub use super::wire::RespondOutcome;

/// Signs the user's decision for `request` as an assertion and builds the request.
///
/// Increments the signature counter of the key used **in `enrollment`** before returning:
/// persist the enrollment before sending. Approvals of passwordless requests are signed
/// with the phone sign-in key (the platform asks for biometrics/PIN); everything else with
/// the device key.
pub fn respond(
    enrollment: &mut Enrollment,
    request: &PendingRequest,
    decision: Decision,
    keys: &dyn DeviceKeyStore,
    now: i64,
) -> Result<HttpRequest, ProtocolError> {
    if request.origin != enrollment.origin || request.rp_id != enrollment.rp_id {
        return Err(ProtocolError::Substituted("origin"));
    }
    if request.account_name != enrollment.account_name {
        return Err(ProtocolError::Substituted("account"));
    }
    if !super::enroll::valid_id(&request.id) || unb64(&request.nonce).is_none() {
        return Err(ProtocolError::Malformed("request"));
    }
    if enrollment.server_now(now) >= request.expires_at {
        return Err(ProtocolError::Expired);
    }
    let number = match decision {
        Decision::Approve { number } => Some(number),
        _ => None,
    };
    decision.check_number()?;
    let use_phone_key = decision.uses_phone_signin_key(request);
    let (alias, credential_id, public_key, count) = if use_phone_key {
        match &mut enrollment.phone_signin {
            Some(phone) => {
                let pk = unb64(&phone.public_key)
                    .ok_or(ProtocolError::InvalidEnrollment("phone sign-in key"))?;
                let next =
                    phone.sign_count.checked_add(1).ok_or(ProtocolError::CounterExhausted)?;
                phone.sign_count = next;
                (phone.key_alias.clone(), phone.credential_id.clone(), pk, next)
            }
            None => return Err(ProtocolError::PhoneSigninNotEnabled),
        }
    } else {
        let pk = enrollment.device_key_bytes()?;
        let next = enrollment.sign_count.checked_add(1).ok_or(ProtocolError::CounterExhausted)?;
        enrollment.sign_count = next;
        (enrollment.device_key_alias.clone(), enrollment.device_id.clone(), pk, next)
    };
    let auth_data = assertion::authenticator_data(&enrollment.rp_id, use_phone_key, count);
    let context_hash = request.context_hash();
    let client_data = assertion::client_data_json(&ClientDataFields {
        challenge: &request.nonce,
        origin: &enrollment.origin,
        request_id: &request.id,
        decision: decision.as_str(),
        number,
        context_hash: &context_hash,
    });
    let a = assertion::sign(keys, &alias, &public_key, &credential_id, auth_data, client_data)?;
    Ok(HttpRequest {
        method: "POST".into(),
        url: format!("{}/nyckel/v1/requests/{}/response", enrollment.base_url, request.id),
        headers: vec![
            ("Content-Type".into(), "application/json".into()),
            ("Accept".into(), "application/json".into()),
        ],
        body: a.to_body(),
    })
}

impl Decision {
    /// The only outcome a provider signs for this decision (§7 step 8). A wrong number is
    /// never a signed result: the provider answers 422 `wrong_number` instead.
    pub fn expected_outcome(&self) -> RespondOutcome {
        match self {
            Decision::Approve { .. } => RespondOutcome::Approved,
            Decision::Deny => RespondOutcome::Denied,
            Decision::Report => RespondOutcome::Reported,
        }
    }
}

/// Reads the provider's answer to [`respond`] for `decision`, the decision that was sent.
/// Errors carry the provider's code, e.g. `ProviderCode::WrongNumber` (the request is
/// dead), `NotPending`, `Expired`.
///
/// The signed result must name this request and the state the decision leads to
/// (approve → `approved`, deny → `denied`, report → `reported`), else
/// [`ProtocolError::UnexpectedPayload`]. The result carries no `reqNonce` (the submission
/// is not a device-signed request), so this is what stops the signed result of another
/// submission for the same request that decided otherwise (another device's, replayed by
/// someone who dropped this answer) from being shown and logged as this decision's outcome.
/// When the result names the assertion it applied (`credentialId`, `signCount`; optional in
/// v1, always sent by the reference provider), they must be this submission's: counters
/// only grow, so that pair names one submission, and even a same-state result of another
/// device's submission is refused.
///
/// `enrollment` is the one [`respond`] updated (its counter is the one just signed).
pub fn parse_respond_result(
    enrollment: &Enrollment,
    request: &PendingRequest,
    decision: Decision,
    resp: &HttpResponse,
) -> Result<RespondOutcome, ProtocolError> {
    parse_respond_answer(enrollment, request, decision, resp).map(|a| a.outcome)
}

/// The most characters of a report's contact text that are shown.
pub const MAX_CONTACT_CHARS: usize = 200;

/// The provider's signed answer to a decision ([`parse_respond_answer`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RespondAnswer {
    /// What the provider did: the outcome the decision leads to.
    pub outcome: RespondOutcome,
    /// For a report: the block the provider set, as far as it said (`None` for approvals
    /// and denials).
    pub block: Option<ReportBlock>,
}

/// What a provider said about the block a report set (§4.3; both fields optional in v1).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ReportBlock {
    /// Until when new sign-ins are blocked, on the **device's** clock (the provider's time
    /// less the offset the enrollment learned), so it can be shown as a local time.
    pub until: Option<i64>,
    /// Whom the user contacts, as the provider's administrator wrote it, without the
    /// characters that are unsafe to show and at most [`MAX_CONTACT_CHARS`] long.
    pub contact: Option<String>,
}

/// [`parse_respond_result`] with what a report's answer says about the block it set.
pub fn parse_respond_answer(
    enrollment: &Enrollment,
    request: &PendingRequest,
    decision: Decision,
    resp: &HttpResponse,
) -> Result<RespondAnswer, ProtocolError> {
    let key = enrollment.provider_key_bytes()?;
    let body = open::<SigninResult>(resp, &key, None)?.body;
    if body.request_id != request.id {
        return Err(ProtocolError::Substituted("request"));
    }
    let outcome =
        RespondOutcome::from_wire(&body.state).ok_or(ProtocolError::Malformed("state"))?;
    if outcome != decision.expected_outcome() {
        return Err(ProtocolError::UnexpectedPayload("result does not match the decision"));
    }
    let (credential_id, sign_count) = submitted_with(enrollment, request, decision);
    if body.credential_id.is_some_and(|c| c != credential_id)
        || body.sign_count.is_some_and(|n| n != sign_count)
    {
        return Err(ProtocolError::UnexpectedPayload("result is for another submission"));
    }
    let block = (outcome == RespondOutcome::Reported).then(|| ReportBlock {
        until: body.blocked_until.map(|t| t.saturating_sub(enrollment.clock_offset)),
        contact: body.contact.as_deref().and_then(shown_contact),
    });
    Ok(RespondAnswer { outcome, block })
}

/// A provider's contact text as it may be shown: unsafe characters dropped, bounded,
/// trimmed; `None` when nothing is left.
fn shown_contact(text: &str) -> Option<String> {
    let shown: String = text
        .chars()
        .filter(|c| !super::wire::is_unsafe_display_char(*c))
        .take(MAX_CONTACT_CHARS)
        .collect();
    let shown = shown.trim();
    (!shown.is_empty()).then(|| shown.to_owned())
}

/// The credential id and counter [`respond`] signed `decision` with (read back from the
/// enrollment it updated): the phone sign-in key for a passwordless approval, else the
/// device key.
fn submitted_with<'e>(
    enrollment: &'e Enrollment,
    request: &PendingRequest,
    decision: Decision,
) -> (&'e str, u32) {
    match (&enrollment.phone_signin, decision.uses_phone_signin_key(request)) {
        (Some(phone), true) => (&phone.credential_id, phone.sign_count),
        _ => (&enrollment.device_id, enrollment.sign_count),
    }
}
