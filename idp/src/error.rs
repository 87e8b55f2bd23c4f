//! API errors: `{"error": CODE, "message": ONE LINE}` with an HTTP status.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{json, Value};

/// An error answered to a client. Messages never contain secrets, nonces or numbers.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
#[error("{code}: {message}")]
pub struct ApiError {
    /// HTTP status.
    pub status: u16,
    /// Wire code (`docs/protocol.md` §4).
    pub code: &'static str,
    /// One-line description.
    pub message: String,
    /// Extra JSON keys (the signed `time` of `clock_skew`).
    pub extra: Option<(&'static str, Value)>,
}

impl ApiError {
    /// A new error.
    pub fn new(status: u16, code: &'static str, message: impl Into<String>) -> Self {
        ApiError { status, code, message: message.into(), extra: None }
    }
    /// 400 bad_request.
    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(400, "bad_request", message)
    }
    /// 400 bad_assertion.
    pub fn bad_assertion(message: impl Into<String>) -> Self {
        Self::new(400, "bad_assertion", message)
    }
    /// 500 internal.
    pub fn internal() -> Self {
        Self::new(500, "internal", "internal error")
    }
    /// The JSON body.
    pub fn body(&self) -> Value {
        let mut v = json!({"error": self.code, "message": self.message});
        if let Some((k, x)) = &self.extra {
            v[*k] = x.clone();
        }
        v
    }
}

impl From<rusqlite::Error> for ApiError {
    fn from(e: rusqlite::Error) -> Self {
        if let rusqlite::Error::SqliteFailure(f, _) = &e {
            if f.code == rusqlite::ErrorCode::DatabaseBusy
                || f.code == rusqlite::ErrorCode::DatabaseLocked
            {
                return ApiError::new(503, "busy", "database busy, retry");
            }
        }
        ApiError::internal()
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        (status, axum::Json(self.body())).into_response()
    }
}
