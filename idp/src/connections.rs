//! Accepting and serving connections within limits, against slow and greedy clients
//! (slowloris): a bound on open connections (past it, new ones wait in the listen backlog),
//! a bound per source address (past it, a new connection is closed at once), a deadline for
//! a request's headers (also on an idle keep-alive connection), and — in the router — one for
//! the rest of the request (`server::request_deadline`). HTTP/1.1 only, as before.

use std::collections::HashMap;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::ConnectInfo;
use axum::Router;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::TcpListener;
use tokio::sync::{watch, Semaphore};
use tower::ServiceExt;

use crate::config::ServerLimits;
use crate::guessing::source_key;

/// The longest request head (request line and headers) read, in bytes; past it, 431 and the
/// connection closes. It bounds what a connection that never finishes its head holds (hyper's
/// own default, ~400 KiB, let 960 slowloris connections hold 375 MiB); the provider's longest
/// legitimate head — an OpenID Connect authorization request with an `id_token_hint` in its
/// query, and cookies — is a few KiB.
pub(crate) const MAX_HEAD: usize = 64 * 1024;

/// Open connections per source address.
#[derive(Debug, Default)]
struct PerSource(Mutex<HashMap<String, usize>>);

/// One counted connection of a source; uncounted when dropped.
struct SourceSlot {
    sources: Arc<PerSource>,
    key: String,
}

impl PerSource {
    /// Counts a connection from `key`, unless it already has `max`.
    fn take(sources: &Arc<PerSource>, key: String, max: usize) -> Option<SourceSlot> {
        let mut open = sources.0.lock().unwrap_or_else(|p| p.into_inner());
        let n = open.entry(key.clone()).or_insert(0);
        if *n >= max {
            return None;
        }
        *n += 1;
        Some(SourceSlot { sources: sources.clone(), key })
    }
}

impl Drop for SourceSlot {
    fn drop(&mut self) {
        let mut open = self.sources.0.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(n) = open.get_mut(&self.key) {
            *n -= 1;
            if *n == 0 {
                open.remove(&self.key);
            }
        }
    }
}

/// Serves `app` on `listener` within `limits` until `shutdown` resolves; then stops accepting,
/// lets requests in progress finish, and returns once every connection is closed.
pub(crate) async fn serve(
    listener: TcpListener,
    app: Router,
    limits: ServerLimits,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let max = limits.max_connections.clamp(1, Semaphore::MAX_PERMITS);
    let open = Arc::new(Semaphore::new(max));
    let sources = Arc::new(PerSource::default());
    let (stop_tx, stop_rx) = watch::channel(false);
    tokio::pin!(shutdown);
    loop {
        // A slot first: past the bound, new connections wait in the kernel's backlog.
        let slot = tokio::select! {
            slot = open.clone().acquire_owned() => slot.map_err(std::io::Error::other)?,
            () = &mut shutdown => break,
        };
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(e) => {
                    accept_failed(e).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let key = source_key(&peer.ip().to_string());
        let Some(source) =
            PerSource::take(&sources, key.clone(), limits.max_connections_per_source)
        else {
            tracing::warn!(source = %key, "too many connections from one source; closed");
            drop(stream);
            continue;
        };
        let app = app.clone();
        let header_timeout = limits.header_timeout;
        let mut stop = stop_rx.clone();
        tokio::spawn(async move {
            let _counted = (slot, source);
            serve_one(stream, peer, app, header_timeout, &mut stop).await;
        });
    }
    // Stop: connections finish what they are answering and close; wait for all of them.
    let _ = stop_tx.send(true);
    let _all = open.acquire_many(max as u32).await;
    Ok(())
}

/// One connection: HTTP/1.1 with the header deadline, until it closes or the server stops.
async fn serve_one(
    stream: tokio::net::TcpStream,
    peer: SocketAddr,
    app: Router,
    header_timeout: Duration,
    stop: &mut watch::Receiver<bool>,
) {
    let service = hyper::service::service_fn(move |req: hyper::Request<Incoming>| {
        let mut req = req.map(axum::body::Body::new);
        req.extensions_mut().insert(ConnectInfo(peer));
        app.clone().oneshot(req)
    });
    let mut builder = hyper::server::conn::http1::Builder::new();
    builder.timer(TokioTimer::new()).header_read_timeout(header_timeout).max_header_size(MAX_HEAD);
    let conn = builder.serve_connection(TokioIo::new(stream), service);
    tokio::pin!(conn);
    let mut stopping = false;
    loop {
        tokio::select! {
            result = conn.as_mut() => {
                if let Err(e) = result {
                    tracing::debug!(error = %e, "connection ended");
                }
                return;
            }
            changed = stop.changed(), if !stopping => {
                if changed.is_err() || *stop.borrow() {
                    stopping = true;
                    conn.as_mut().graceful_shutdown();
                }
            }
        }
    }
}

/// An accept error: a connection that failed before it was accepted is skipped; anything
/// else (out of file descriptors) waits a moment instead of spinning.
async fn accept_failed(e: std::io::Error) {
    use std::io::ErrorKind::{ConnectionAborted, ConnectionRefused, ConnectionReset};
    if matches!(e.kind(), ConnectionAborted | ConnectionRefused | ConnectionReset) {
        return;
    }
    tracing::error!(error = %e, "accept failed");
    tokio::time::sleep(Duration::from_millis(200)).await;
}
