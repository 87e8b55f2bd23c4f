//! What the HTTP handlers share: the state (the store, policy, provider identity), the way
//! they run domain work (which calls the synchronous store) off the async threads, and the one
//! mapping of a domain [`Error`] to an HTTP answer.

use std::net::SocketAddr;
use std::sync::Arc;

use std::time::Duration;

use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use crate::config::{Config, ServerLimits};
use crate::eam::jwks::JwksCache;
use crate::error::Error;
use crate::identity::Identity;
use crate::storage::Store;
use axum::extract::ConnectInfo;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use nyckel_core::protocol::wire::ErrorBody;

/// Shared server state.
#[derive(Clone)]
pub(crate) struct AppState {
    /// The store.
    pub store: Arc<dyn Store>,
    /// Policy and clock.
    pub cfg: Config,
    /// Identity key and origin.
    pub provider: Arc<Identity>,
    /// Slots for password checks.
    pub hashing: Arc<HashLimiter>,
    /// The Entra tenants' signing keys (external authentication methods).
    pub eam_keys: Arc<JwksCache>,
}

/// Bounds the password checks (Argon2id, 19 MiB each) running at once, so a flood of wrong
/// passwords cannot take the provider's memory: a check waits briefly for a slot, then is
/// refused with 503 `busy` and `Retry-After` ([`Error::Overloaded`]).
#[derive(Debug)]
pub(crate) struct HashLimiter {
    slots: Arc<Semaphore>,
    wait: Duration,
}

/// A password check's slot; freed when dropped (move it into the blocking work, so a client
/// that disconnects does not free it while the hash still runs).
#[derive(Debug)]
pub(crate) struct HashSlot(#[allow(dead_code)] OwnedSemaphorePermit);

impl HashLimiter {
    /// Slots as the limits say (at least one).
    pub fn new(limits: &ServerLimits) -> HashLimiter {
        HashLimiter {
            slots: Arc::new(Semaphore::new(limits.hashing.max(1))),
            wait: limits.hashing_wait,
        }
    }

    /// A free slot, waiting at most the configured time.
    pub async fn slot(&self) -> Result<HashSlot, Error> {
        match tokio::time::timeout(self.wait, self.slots.clone().acquire_owned()).await {
            Ok(Ok(permit)) => Ok(HashSlot(permit)),
            _ => {
                tracing::warn!("password checks saturated; refused");
                Err(Error::Overloaded)
            }
        }
    }
}

impl AppState {
    /// Runs domain work `f` (given the store and the state) on the blocking pool.
    pub async fn run<T, F>(&self, f: F) -> Result<T, Error>
    where
        T: Send + 'static,
        F: FnOnce(&dyn Store, &AppState) -> Result<T, Error> + Send + 'static,
    {
        let st = self.clone();
        let span = tracing::Span::current();
        tokio::task::spawn_blocking(move || span.in_scope(|| f(&*st.store, &st)))
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
        let retry = self.retry_after();
        let body = ErrorBody { error: code, message: self.to_string(), time };
        with_retry_after((status_of(&self), Json(body)).into_response(), retry)
    }
}

/// Adds `Retry-After: SECS` to an answer when there is a wait to announce.
pub(crate) fn with_retry_after(mut resp: Response, secs: Option<i64>) -> Response {
    if let Some(secs) = secs {
        resp.headers_mut().insert(axum::http::header::RETRY_AFTER, secs.into());
    }
    resp
}
