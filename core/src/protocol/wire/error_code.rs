//! The provider's error codes (`{"error": CODE}`, `docs/protocol.md` §4 and §10), each with
//! its HTTP status. The provider answers only with these; the app parses them. A code added
//! here is known to both sides at once, and a code renamed fails to compile on both.

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::Envelope;

macro_rules! error_codes {
    ($( $(#[$doc:meta])* $variant:ident = $wire:literal, $status:literal; )*) => {
        /// An error code a provider returns. [`ErrorCode::Other`] is only ever parsed (a code
        /// of a newer or another provider); the reference provider never sends it.
        #[derive(Clone, Debug, PartialEq, Eq, Hash)]
        pub enum ErrorCode {
            $( $(#[$doc])* $variant, )*
            /// A code this version does not know (sanitised, at most 32 characters of
            /// `[a-z0-9_]`; empty when the body had no readable code).
            Other(String),
        }

        impl ErrorCode {
            /// Every code the reference provider can send.
            pub const ALL: &'static [ErrorCode] = &[$( ErrorCode::$variant, )*];

            /// Parses a wire code; unknown codes become a sanitised [`ErrorCode::Other`].
            pub fn from_wire(code: &str) -> Self {
                match code {
                    $( $wire => Self::$variant, )*
                    other => Self::Other(
                        other
                            .chars()
                            .filter(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '_')
                            .take(32)
                            .collect(),
                    ),
                }
            }

            /// The wire code.
            pub fn as_wire(&self) -> &str {
                match self {
                    $( Self::$variant => $wire, )*
                    Self::Other(s) => s,
                }
            }

            /// The HTTP status the provider answers this code with (500 for
            /// [`ErrorCode::Other`], which a provider never sends).
            pub fn http_status(&self) -> u16 {
                match self {
                    $( Self::$variant => $status, )*
                    Self::Other(_) => 500,
                }
            }
        }
    };
}

error_codes! {
    /// 400 malformed request: JSON, a field, a header or a size limit.
    BadRequest = "bad_request", 400;
    /// 413 request body too large.
    TooLarge = "too_large", 413;
    /// 401 unknown device.
    UnknownDevice = "unknown_device", 401;
    /// 401 request signature (or key proof) did not verify.
    BadSignature = "bad_signature", 401;
    /// 401 request nonce already used.
    Replayed = "replayed", 401;
    /// 401 request timestamp outside the window (the body carries the signed `time`).
    ClockSkew = "clock_skew", 401;
    /// 403 the device was revoked.
    DeviceRevoked = "device_revoked", 403;
    /// 400 activation code unknown, used or expired.
    ActivationInvalid = "activation_invalid", 400;
    /// 404 no such request, device or endpoint.
    NotFound = "not_found", 404;
    /// 400 the assertion failed a check.
    BadAssertion = "bad_assertion", 400;
    /// 401 credential unknown or not allowed for this request.
    UnknownCredential = "unknown_credential", 401;
    /// 401 signature counter did not increase.
    Counter = "counter", 401;
    /// 409 the request is no longer pending.
    NotPending = "not_pending", 409;
    /// 410 the request expired.
    Expired = "expired", 410;
    /// 422 wrong number: the request is dead.
    WrongNumber = "wrong_number", 422;
    /// 429 rate limited.
    RateLimited = "rate_limited", 429;
    /// 423 the user is blocked after a report.
    Blocked = "blocked", 423;
    /// 500 internal error.
    Internal = "internal", 500;
    /// 503 the database is busy; retry.
    Busy = "busy", 503;
    /// 500 the provider has no origin configured (admin CLI before the first `serve`).
    NotConfigured = "not_configured", 500;
    /// 404 no such user (sign-in pages, admin CLI).
    UnknownUser = "unknown_user", 404;
    /// 409 a user with that name exists (admin CLI).
    Exists = "exists", 409;
    /// 409 the user has no enrolled device (push sign-in).
    NoDevice = "no_device", 409;
    /// 409 phone sign-in is not enabled for the user (passwordless sign-in).
    NoPhoneSignin = "no_phone_signin", 409;
    /// 409 a password sign-in is waiting, so a passwordless one may not displace it.
    PushPending = "push_pending", 409;
    /// 409 the sign-in request is not approved (page completion).
    NotApproved = "not_approved", 409;
    /// 401 wrong user name or password (sign-in page).
    BadPassword = "bad_password", 401;
    /// 409 every device of the user is revoked: the password alone gives no session.
    DevicesRevoked = "devices_revoked", 409;
    /// 403 a page POST from another site.
    CrossOrigin = "cross_origin", 403;
    /// 409 a transfer code whose device (the one it replaces) was revoked (§4.10).
    ReplacedDeviceRevoked = "replaced_device_revoked", 409;
    /// 409 a transfer enrollment presented a key the user already has: keys are never copied
    /// to a new phone (§4.10).
    KeyReused = "key_reused", 409;
    /// 400 a phone sign-in challenge that this provider did not issue to this device, that
    /// expired or that was already used (§4.4).
    ChallengeInvalid = "challenge_invalid", 400;
    /// 403 the provider requires a platform attestation of the phone sign-in key and the
    /// request had none, or one that did not verify (§4.4).
    AttestationRefused = "attestation_refused", 403;
}

impl std::fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_wire())
    }
}

impl Serialize for ErrorCode {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_wire())
    }
}

impl<'de> Deserialize<'de> for ErrorCode {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let code = String::deserialize(d)?;
        Ok(ErrorCode::from_wire(&code))
    }
}

/// An error answer: `{"error": CODE, "message": ONE LINE}`, plus the signed provider `time`
/// for `clock_skew` (§8). Not signed; messages never carry secrets.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorBody {
    /// The code clients act on.
    pub error: ErrorCode,
    /// One line for people; clients never act on it.
    #[serde(default)]
    pub message: String,
    /// `clock_skew` only: a signed `nyckel.time` answering the request's nonce.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time: Option<Envelope>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_round_trips_and_has_an_error_status() {
        for code in ErrorCode::ALL {
            assert_eq!(&ErrorCode::from_wire(code.as_wire()), code);
            assert!((400..600).contains(&code.http_status()), "{code}");
            let json = serde_json::to_string(code).unwrap();
            assert_eq!(serde_json::from_str::<ErrorCode>(&json).unwrap(), *code);
        }
    }

    #[test]
    fn unknown_codes_are_sanitised() {
        assert_eq!(ErrorCode::from_wire("Nope<script>"), ErrorCode::Other("opescript".into()));
        assert_eq!(ErrorCode::from_wire(&"a".repeat(100)).as_wire().len(), 32);
    }

    #[test]
    fn error_body_layout() {
        let b = ErrorBody { error: ErrorCode::WrongNumber, message: "m".into(), time: None };
        assert_eq!(serde_json::to_string(&b).unwrap(), r#"{"error":"wrong_number","message":"m"}"#);
        let parsed: ErrorBody = serde_json::from_str(r#"{"error":"x_y"}"#).unwrap();
        assert_eq!(parsed.error, ErrorCode::Other("x_y".into()));
    }
}
