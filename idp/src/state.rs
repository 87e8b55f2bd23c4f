//! What the HTTP handlers share: the state (database pool, policy, provider identity), the
//! way they run storage work off the async threads, and the one mapping of a domain
//! [`Error`] to an HTTP answer.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::extract::ConnectInfo;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use nyckel_core::protocol::wire::ErrorBody;
use rusqlite::Connection;

use crate::config::Config;
use crate::db::Db;
use crate::error::Error;
use crate::provider::Identity;

/// Shared server state.
#[derive(Clone)]
pub(crate) struct AppState {
    /// The database.
    pub db: Db,
    /// Policy and clock.
    pub cfg: Config,
    /// Identity key and origin.
    pub provider: Arc<Identity>,
}

impl AppState {
    /// Runs `f` with a fresh connection on the blocking pool.
    pub async fn run<T, F>(&self, f: F) -> Result<T, Error>
    where
        T: Send + 'static,
        F: FnOnce(&mut Connection, &AppState) -> Result<T, Error> + Send + 'static,
    {
        let st = self.clone();
        let span = tracing::Span::current();
        tokio::task::spawn_blocking(move || {
            span.in_scope(|| {
                let mut conn = st.db.conn()?;
                f(&mut conn, &st)
            })
        })
        .await
        .map_err(|_| Error::Internal)?
    }
}

/// Client address helper for handlers.
pub(crate) fn client_ip(ci: &ConnectInfo<SocketAddr>, headers: &HeaderMap) -> String {
    let _ = headers; // X-Forwarded-For is not trusted by the reference server.
    ci.0.ip().to_string()
}

/// The HTTP status of an error (its wire code's), for the JSON answers and the pages.
pub(crate) fn status_of(e: &Error) -> StatusCode {
    StatusCode::from_u16(e.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
}

/// The one mapping of a domain error to an HTTP answer: its code's status and
/// `{"error","message"}` (plus the signed `time` of `clock_skew`).
impl IntoResponse for Error {
    fn into_response(self) -> Response {
        let time = match &self {
            Error::ClockSkew { time } => Some((**time).clone()),
            _ => None,
        };
        let code = self.code();
        if self.is_internal() {
            tracing::error!(code = %code, "failed");
        } else {
            tracing::info!(code = %code, "refused");
        }
        let body = ErrorBody { error: code, message: self.to_string(), time };
        (status_of(&self), Json(body)).into_response()
    }
}
