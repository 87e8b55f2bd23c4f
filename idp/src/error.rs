//! The provider's domain errors: what the device API, the pages and the admin CLI can be
//! refused, as one enum. Each knows its wire code ([`ErrorCode`], which knows its HTTP
//! status); the HTTP layer maps it to a response in one place (`state.rs`),
//! the admin CLI prints it. Messages are one line and never carry a secret, a nonce, a number
//! or storage text.

use nyckel_core::protocol::wire::{Envelope, ErrorCode};

/// Why a provider operation was refused or failed.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum Error {
    /// A malformed request: JSON, a field, a header or a size limit.
    #[error("{0}")]
    BadRequest(String),
    /// The request body is larger than the limit.
    #[error("request body too large")]
    TooLarge,
    /// No such request, device or endpoint (what is named).
    #[error("no such {0}")]
    NotFound(&'static str),
    /// A device-signed request from a device the provider does not know.
    #[error("unknown device")]
    UnknownDevice,
    /// A request signature or key proof that does not verify (which one).
    #[error("{0} does not verify")]
    BadSignature(&'static str),
    /// A request nonce used before.
    #[error("request nonce already used")]
    Replayed,
    /// The request timestamp is too far from provider time; `time` is the signed answer.
    #[error("request timestamp is too far from provider time")]
    ClockSkew {
        /// A signed `nyckel.time` answering the request's nonce.
        time: Box<Envelope>,
    },
    /// The device was revoked.
    #[error("the device was revoked")]
    DeviceRevoked,
    /// The activation code is unknown, used or expired.
    #[error("activation code unknown, used or expired")]
    ActivationInvalid,
    /// A transfer code whose device (the one the new phone replaces) was revoked.
    #[error("the device this transfer code replaces was revoked")]
    ReplacedDeviceRevoked,
    /// A transfer enrollment presented a key the user already has (keys are never copied).
    #[error("the device key is already registered for this user")]
    KeyReused,
    /// A phone sign-in challenge not issued to this device, expired or already used.
    #[error("phone sign-in challenge unknown, expired or already used")]
    ChallengeInvalid,
    /// A phone sign-in key without the attestation the provider requires (why).
    #[error("key attestation refused: {0}")]
    AttestationRefused(crate::attestation::AttestationError),
    /// An assertion failed a check (which one).
    #[error("{0}")]
    BadAssertion(&'static str),
    /// The credential is unknown, not the request's user's, or of the wrong kind.
    #[error("credential not valid for this request")]
    UnknownCredential,
    /// The signature counter did not increase.
    #[error("signature counter did not increase")]
    Counter,
    /// The request is no longer pending.
    #[error("the request is no longer pending")]
    NotPending,
    /// The request expired.
    #[error("the request has expired")]
    Expired,
    /// An approval with the wrong number: the request is dead.
    #[error("wrong number; the sign-in was stopped")]
    WrongNumber,
    /// Too many sign-in requests for the user and kind.
    #[error("too many sign-in requests; wait a few minutes")]
    RateLimited,
    /// Too many wrong passwords for the user name or from the source address: the password is
    /// not checked until `retry_after` seconds have passed.
    #[error("too many failed password attempts; try again later")]
    TooManyAttempts {
        /// Seconds to wait.
        retry_after: i64,
    },
    /// Password sign-in is locked for the user name after too many consecutive failures,
    /// until the administrator unlocks it.
    #[error("password sign-in is locked after too many failed attempts")]
    PasswordLocked,
    /// Too many password checks at once: retry shortly.
    #[error("the provider is busy; retry shortly")]
    Overloaded,
    /// Sign-in requests are blocked for a while after a report (until the administrator's
    /// `user unblock`, or `retry_after` seconds).
    #[error("sign-in requests are blocked after a report; try later")]
    Blocked {
        /// Seconds until the block ends by itself.
        retry_after: i64,
        /// Whom to contact (the provider's helpdesk setting), if configured.
        contact: Option<String>,
    },
    /// The administrator disabled the user: no sign-in by any method.
    #[error("the account is disabled")]
    UserDisabled,
    /// No origin is configured yet.
    #[error("no origin configured: run `serve` once or pass --origin")]
    NotConfigured,
    /// No such user.
    #[error("no such user")]
    UnknownUser,
    /// A user with that name exists (user names ignore case).
    #[error("a user with that name exists (user names ignore upper and lower case)")]
    UserExists,
    /// The user name is empty, too long or has control characters.
    #[error("invalid user name")]
    InvalidUserName,
    /// The user has no enrolled device (push sign-in).
    #[error("the user has no enrolled device")]
    NoDevice,
    /// Phone sign-in is not enabled for the user.
    #[error("phone sign-in is not enabled for the user")]
    NoPhoneSignin,
    /// A password sign-in is waiting; a passwordless one may not displace it.
    #[error("a sign-in with the password is waiting for approval")]
    PushPending,
    /// The request is not approved (page completion).
    #[error("the request is not approved")]
    NotApproved,
    /// Wrong user name or password.
    #[error("wrong user name or password")]
    BadPassword,
    /// Every device of the user is revoked: the password alone gives no session.
    #[error("every device of the user is revoked")]
    DevicesRevoked,
    /// A page POST from another site.
    #[error("request from another site")]
    CrossOrigin,
    /// The database is busy; retry.
    #[error("database busy, retry")]
    Busy,
    /// Storage or the provider key failed (details are logged, never shown).
    #[error("internal error")]
    Internal,
}

impl Error {
    /// The wire code (`docs/protocol.md` §4, §10).
    pub fn code(&self) -> ErrorCode {
        match self {
            Error::BadRequest(_) | Error::InvalidUserName => ErrorCode::BadRequest,
            Error::TooLarge => ErrorCode::TooLarge,
            Error::NotFound(_) => ErrorCode::NotFound,
            Error::UnknownDevice => ErrorCode::UnknownDevice,
            Error::BadSignature(_) => ErrorCode::BadSignature,
            Error::Replayed => ErrorCode::Replayed,
            Error::ClockSkew { .. } => ErrorCode::ClockSkew,
            Error::DeviceRevoked => ErrorCode::DeviceRevoked,
            Error::ActivationInvalid => ErrorCode::ActivationInvalid,
            Error::ReplacedDeviceRevoked => ErrorCode::ReplacedDeviceRevoked,
            Error::KeyReused => ErrorCode::KeyReused,
            Error::ChallengeInvalid => ErrorCode::ChallengeInvalid,
            Error::AttestationRefused(_) => ErrorCode::AttestationRefused,
            Error::BadAssertion(_) => ErrorCode::BadAssertion,
            Error::UnknownCredential => ErrorCode::UnknownCredential,
            Error::Counter => ErrorCode::Counter,
            Error::NotPending => ErrorCode::NotPending,
            Error::Expired => ErrorCode::Expired,
            Error::WrongNumber => ErrorCode::WrongNumber,
            Error::RateLimited | Error::TooManyAttempts { .. } => ErrorCode::RateLimited,
            Error::PasswordLocked => ErrorCode::Blocked,
            Error::Overloaded => ErrorCode::Busy,
            Error::Blocked { .. } | Error::UserDisabled => ErrorCode::Blocked,
            Error::NotConfigured => ErrorCode::NotConfigured,
            Error::UnknownUser => ErrorCode::UnknownUser,
            Error::UserExists => ErrorCode::Exists,
            Error::NoDevice => ErrorCode::NoDevice,
            Error::NoPhoneSignin => ErrorCode::NoPhoneSignin,
            Error::PushPending => ErrorCode::PushPending,
            Error::NotApproved => ErrorCode::NotApproved,
            Error::BadPassword => ErrorCode::BadPassword,
            Error::DevicesRevoked => ErrorCode::DevicesRevoked,
            Error::CrossOrigin => ErrorCode::CrossOrigin,
            Error::Busy => ErrorCode::Busy,
            Error::Internal => ErrorCode::Internal,
        }
    }

    /// The HTTP status of its code.
    pub fn status(&self) -> u16 {
        self.code().http_status()
    }

    /// A failure of the provider itself (storage, keys), not a refusal of the request.
    pub fn is_internal(&self) -> bool {
        matches!(self, Error::Internal | Error::NotConfigured | Error::Busy)
    }

    /// Seconds the client should wait before retrying (`Retry-After`), for refusals that end
    /// by themselves.
    pub fn retry_after(&self) -> Option<i64> {
        match self {
            Error::TooManyAttempts { retry_after } | Error::Blocked { retry_after, .. } => {
                Some((*retry_after).max(1))
            }
            Error::Overloaded | Error::Busy => Some(1),
            _ => None,
        }
    }

    /// A malformed request.
    pub(crate) fn bad_request(message: impl Into<String>) -> Self {
        Error::BadRequest(message.into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_error_names_a_code_the_wire_vocabulary_knows() {
        let all = [
            Error::bad_request("x"),
            Error::TooLarge,
            Error::NotFound("request"),
            Error::UnknownDevice,
            Error::BadSignature("request signature"),
            Error::Replayed,
            Error::DeviceRevoked,
            Error::ActivationInvalid,
            Error::ReplacedDeviceRevoked,
            Error::KeyReused,
            Error::ChallengeInvalid,
            Error::AttestationRefused(crate::attestation::AttestationError::Missing),
            Error::BadAssertion("x"),
            Error::UnknownCredential,
            Error::Counter,
            Error::NotPending,
            Error::Expired,
            Error::WrongNumber,
            Error::RateLimited,
            Error::TooManyAttempts { retry_after: 3 },
            Error::PasswordLocked,
            Error::Overloaded,
            Error::Blocked { retry_after: 60, contact: None },
            Error::UserDisabled,
            Error::NotConfigured,
            Error::UnknownUser,
            Error::UserExists,
            Error::InvalidUserName,
            Error::NoDevice,
            Error::NoPhoneSignin,
            Error::PushPending,
            Error::NotApproved,
            Error::BadPassword,
            Error::DevicesRevoked,
            Error::CrossOrigin,
            Error::Busy,
            Error::Internal,
        ];
        for e in all {
            let code = e.code();
            assert!(ErrorCode::ALL.contains(&code), "{e:?}");
            assert_eq!(ErrorCode::from_wire(code.as_wire()), code);
            assert_eq!(e.status(), code.http_status());
        }
    }
}
