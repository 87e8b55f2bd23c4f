//! The OAuth 2.0 / OpenID Connect error vocabulary (RFC 6749 §4.1.2.1 and §5.2, OpenID Connect
//! Core §3.1.2.6, RFC 6750 §3.1): the codes relying parties read, with a short description.
//! This is the protocol's own vocabulary, separate from the Nyckel device API's `ErrorCode`.

/// An OAuth / OpenID Connect `error` code.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OAuthCode {
    /// A missing, repeated, malformed or unsupported parameter.
    InvalidRequest,
    /// Client authentication failed (token endpoint; HTTP 401).
    InvalidClient,
    /// The code is unknown, used, expired, another client's, or the verifier does not match.
    InvalidGrant,
    /// A grant type other than `authorization_code`.
    UnsupportedGrantType,
    /// A response type other than `code`.
    UnsupportedResponseType,
    /// The scope lacks `openid` or names an unknown scope.
    InvalidScope,
    /// The user denied, reported, chose the wrong number, or the approval expired.
    AccessDenied,
    /// `prompt=none` and no usable session.
    LoginRequired,
    /// A `request` object (not supported).
    RequestNotSupported,
    /// A `request_uri` (not supported).
    RequestUriNotSupported,
    /// The provider failed.
    ServerError,
    /// The provider cannot answer now (busy, rate-limited).
    TemporarilyUnavailable,
    /// The bearer token is unknown, expired or revoked (userinfo; HTTP 401).
    InvalidToken,
}

impl OAuthCode {
    /// Every code.
    #[cfg(test)]
    pub const ALL: [OAuthCode; 13] = [
        OAuthCode::InvalidRequest,
        OAuthCode::InvalidClient,
        OAuthCode::InvalidGrant,
        OAuthCode::UnsupportedGrantType,
        OAuthCode::UnsupportedResponseType,
        OAuthCode::InvalidScope,
        OAuthCode::AccessDenied,
        OAuthCode::LoginRequired,
        OAuthCode::RequestNotSupported,
        OAuthCode::RequestUriNotSupported,
        OAuthCode::ServerError,
        OAuthCode::TemporarilyUnavailable,
        OAuthCode::InvalidToken,
    ];

    /// The wire value.
    pub fn as_str(self) -> &'static str {
        match self {
            OAuthCode::InvalidRequest => "invalid_request",
            OAuthCode::InvalidClient => "invalid_client",
            OAuthCode::InvalidGrant => "invalid_grant",
            OAuthCode::UnsupportedGrantType => "unsupported_grant_type",
            OAuthCode::UnsupportedResponseType => "unsupported_response_type",
            OAuthCode::InvalidScope => "invalid_scope",
            OAuthCode::AccessDenied => "access_denied",
            OAuthCode::LoginRequired => "login_required",
            OAuthCode::RequestNotSupported => "request_not_supported",
            OAuthCode::RequestUriNotSupported => "request_uri_not_supported",
            OAuthCode::ServerError => "server_error",
            OAuthCode::TemporarilyUnavailable => "temporarily_unavailable",
            OAuthCode::InvalidToken => "invalid_token",
        }
    }

    /// The HTTP status when answered directly (token, userinfo): 401 for client and token
    /// authentication, 500/503 for the provider's own failures, 400 otherwise.
    pub fn http_status(self) -> u16 {
        match self {
            OAuthCode::InvalidClient | OAuthCode::InvalidToken => 401,
            OAuthCode::ServerError => 500,
            OAuthCode::TemporarilyUnavailable => 503,
            OAuthCode::InvalidRequest
            | OAuthCode::InvalidGrant
            | OAuthCode::UnsupportedGrantType
            | OAuthCode::UnsupportedResponseType
            | OAuthCode::InvalidScope
            | OAuthCode::AccessDenied
            | OAuthCode::LoginRequired
            | OAuthCode::RequestNotSupported
            | OAuthCode::RequestUriNotSupported => 400,
        }
    }
}

/// An error answer: the code and a one-line, secret-free `error_description`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{}: {description}", code.as_str())]
pub struct OAuthError {
    /// The `error` code.
    pub code: OAuthCode,
    /// The `error_description`.
    pub description: &'static str,
}

impl OAuthError {
    /// An error with its description.
    pub const fn new(code: OAuthCode, description: &'static str) -> OAuthError {
        OAuthError { code, description }
    }

    /// `invalid_request` with a description.
    pub const fn invalid_request(description: &'static str) -> OAuthError {
        OAuthError::new(OAuthCode::InvalidRequest, description)
    }

    /// `invalid_grant` with a description.
    pub const fn invalid_grant(description: &'static str) -> OAuthError {
        OAuthError::new(OAuthCode::InvalidGrant, description)
    }

    /// The JSON body of a direct answer (`{"error", "error_description"}`).
    pub fn body(&self) -> serde_json::Value {
        serde_json::json!({ "error": self.code.as_str(), "error_description": self.description })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_and_statuses_are_the_rfcs() {
        let e = OAuthError::new(OAuthCode::InvalidClient, "client authentication failed");
        assert_eq!(e.body()["error"], "invalid_client");
        assert_eq!(e.code.http_status(), 401);
        assert_eq!(OAuthCode::InvalidGrant.http_status(), 400);
        assert_eq!(OAuthCode::AccessDenied.as_str(), "access_denied");
        assert_eq!(OAuthCode::LoginRequired.as_str(), "login_required");
        assert_eq!(e.to_string(), "invalid_client: client authentication failed");
        assert_eq!(OAuthCode::ServerError.http_status(), 500);
        assert_eq!(OAuthCode::TemporarilyUnavailable.http_status(), 503);
    }

    #[test]
    fn codes_are_distinct_snake_case_words() {
        let names: std::collections::HashSet<_> =
            OAuthCode::ALL.iter().map(|c| c.as_str()).collect();
        assert_eq!(names.len(), OAuthCode::ALL.len());
        for n in names {
            assert!(n.bytes().all(|b| b.is_ascii_lowercase() || b == b'_'), "{n}");
        }
    }
}
