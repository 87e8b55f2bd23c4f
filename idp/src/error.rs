//! API errors: `{"error": CODE, "message": ONE LINE}` ([`ErrorBody`]) with the code's HTTP
//! status.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use nyckel_core::protocol::wire::{Envelope, ErrorBody, ErrorCode};

/// An error answered to a client. Messages never contain secrets, nonces or numbers.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
#[error("{code}: {message}")]
pub struct ApiError {
    /// Wire code (`docs/protocol.md` §4); it knows its HTTP status.
    pub code: ErrorCode,
    /// One-line description.
    pub message: String,
    /// The signed `time` of `clock_skew`.
    pub time: Option<Envelope>,
}

impl ApiError {
    /// A new error.
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        ApiError { code, message: message.into(), time: None }
    }
    /// 400 bad_request.
    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::BadRequest, message)
    }
    /// 400 bad_assertion.
    pub fn bad_assertion(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::BadAssertion, message)
    }
    /// 500 internal.
    pub fn internal() -> Self {
        Self::new(ErrorCode::Internal, "internal error")
    }
    /// The wire code.
    pub fn code(&self) -> ErrorCode {
        self.code.clone()
    }
    /// The HTTP status.
    pub fn status(&self) -> u16 {
        self.code.http_status()
    }
    /// The JSON body.
    pub fn body(&self) -> ErrorBody {
        ErrorBody {
            error: self.code.clone(),
            message: self.message.clone(),
            time: self.time.clone(),
        }
    }
}

impl From<rusqlite::Error> for ApiError {
    fn from(e: rusqlite::Error) -> Self {
        if let rusqlite::Error::SqliteFailure(f, _) = &e {
            if f.code == rusqlite::ErrorCode::DatabaseBusy
                || f.code == rusqlite::ErrorCode::DatabaseLocked
            {
                return ApiError::new(ErrorCode::Busy, "database busy, retry");
            }
        }
        ApiError::internal()
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status =
            StatusCode::from_u16(self.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        (status, axum::Json(self.body())).into_response()
    }
}
