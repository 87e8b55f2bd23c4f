//! The HTTP server: routes, handlers, and ways to start it (async or on a background thread).

use std::net::SocketAddr;
use std::sync::Arc;

use axum::body::{Body, Bytes};
use axum::extract::{FromRequest, OriginalUri, Path as UrlPath, Query, Request, State};
use axum::http::{HeaderValue, Uri};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use tracing::Instrument;

use nyckel_core::protocol::wire::{Envelope, ProviderInfo};

use crate::config::Config;
use crate::devices;
use crate::error::Error;
use crate::identity::Identity;
use crate::model::{DeviceRef, Purged};
use crate::signin;
use crate::state::{AppState, HashLimiter};
use crate::storage::Store;
use crate::verify::{AssertionBody, DeviceAuth};

/// Largest request body accepted.
pub(crate) const MAX_BODY: usize = 16 * 1024;

async fn read_body(body: Body) -> Result<Bytes, Error> {
    axum::body::to_bytes(body, MAX_BODY).await.map_err(|_| Error::TooLarge)
}

/// Reads the four device-auth headers; missing or oversized → 400.
fn device_auth(h: &axum::http::HeaderMap) -> Result<DeviceAuth, Error> {
    DeviceAuth::from_headers(|name| h.get(name).map(|v| v.as_bytes()))
}

/// The path and query the client sent (under a base path, the full one: the nested router
/// sees it with the base stripped).
fn sent_path_and_query(parts: &axum::http::request::Parts) -> String {
    let uri = parts.extensions.get::<OriginalUri>().map_or(&parts.uri, |o| &o.0);
    path_and_query(uri)
}

fn path_and_query(uri: &Uri) -> String {
    uri.path_and_query().map(|p| p.as_str().to_owned()).unwrap_or_else(|| uri.path().to_owned())
}

async fn enroll(State(st): State<AppState>, req: Request) -> Result<Json<Envelope>, Error> {
    let (parts, body) = req.into_parts();
    let body = read_body(body).await?;
    let auth = device_auth(&parts.headers)?;
    let path = sent_path_and_query(&parts);
    st.run(move |c, s| devices::enroll(c, &s.cfg, &s.provider, &auth, &path, &body)).await.map(Json)
}

/// A device-signed request as received (§2.2): its four auth headers, the method and path it
/// signed, and its body. Extracting it reads only the request, never the store; the
/// authentication (device, signature, clock window, nonce) and the handler's domain work then
/// run together in one blocking task ([`SignedRequest::run`]), so a device's call is handed to
/// the blocking pool once, not once to authenticate and again for the work.
pub(crate) struct SignedRequest {
    auth: DeviceAuth,
    method: axum::http::Method,
    path: String,
    body: Bytes,
}

impl FromRequest<AppState> for SignedRequest {
    type Rejection = Error;

    async fn from_request(req: Request, _: &AppState) -> Result<Self, Error> {
        let (parts, body) = req.into_parts();
        let body = read_body(body).await?;
        let auth = device_auth(&parts.headers)?;
        let path = sent_path_and_query(&parts);
        Ok(SignedRequest { auth, method: parts.method, path, body })
    }
}

/// A device-signed request once authenticated: the device, the request's nonce and its body.
pub(crate) struct AuthedDevice {
    device: DeviceRef,
    nonce: String,
    body: Bytes,
}

impl SignedRequest {
    /// Authenticates the request and, only if that succeeds, runs `f` (the handler's domain
    /// work) with the authenticated device, both in one blocking task ([`AppState::run`]).
    async fn run<T, F>(self, st: &AppState, f: F) -> Result<T, Error>
    where
        T: Send + 'static,
        F: FnOnce(&dyn Store, &AppState, AuthedDevice) -> Result<T, Error> + Send + 'static,
    {
        st.run(move |c, s| {
            let SignedRequest { auth, method, path, body } = self;
            let now = s.cfg.clock.now();
            let device =
                devices::authenticate(c, &s.provider, &auth, method.as_str(), &path, &body, now)?;
            tracing::debug!(device = %device.id, "device authenticated");
            f(c, s, AuthedDevice { device, nonce: auth.nonce, body })
        })
        .await
    }
}

async fn pending(State(st): State<AppState>, r: SignedRequest) -> Result<Json<Envelope>, Error> {
    r.run(&st, |c, s, d| signin::pending(c, &s.provider, &d.device, &d.nonce, s.cfg.clock.now()))
        .await
        .map(Json)
}

async fn enable_phone_signin(
    State(st): State<AppState>,
    r: SignedRequest,
) -> Result<Json<Envelope>, Error> {
    r.run(&st, |c, s, d| {
        devices::enable_phone_signin(c, &s.cfg, &s.provider, &d.device, &d.nonce, &d.body)
    })
    .await
    .map(Json)
}

async fn phone_signin_challenge(
    State(st): State<AppState>,
    r: SignedRequest,
) -> Result<Json<Envelope>, Error> {
    r.run(&st, |c, s, d| {
        devices::phone_signin_challenge(c, &s.cfg, &s.provider, &d.device, &d.nonce, &d.body)
    })
    .await
    .map(Json)
}

async fn transfer(State(st): State<AppState>, r: SignedRequest) -> Result<Json<Envelope>, Error> {
    r.run(&st, |c, s, d| {
        devices::issue_transfer(c, &s.cfg, &s.provider, &d.device, &d.nonce, &d.body)
    })
    .await
    .map(Json)
}

async fn disable_phone_signin(
    State(st): State<AppState>,
    r: SignedRequest,
) -> Result<Json<Envelope>, Error> {
    r.run(&st, |c, s, d| devices::disable_phone_signin(c, &s.cfg, &s.provider, &d.device, &d.nonce))
        .await
        .map(Json)
}

async fn update_device(
    State(st): State<AppState>,
    r: SignedRequest,
) -> Result<Json<Envelope>, Error> {
    r.run(&st, |c, s, d| {
        devices::update_device(c, &s.cfg, &s.provider, &d.device, &d.nonce, &d.body)
    })
    .await
    .map(Json)
}

async fn device_standing(
    State(st): State<AppState>,
    r: SignedRequest,
) -> Result<Json<Envelope>, Error> {
    r.run(&st, |c, s, d| devices::standing(c, &s.cfg, &s.provider, &d.device, &d.nonce))
        .await
        .map(Json)
}

async fn unenroll_device(
    State(st): State<AppState>,
    r: SignedRequest,
) -> Result<Json<Envelope>, Error> {
    r.run(&st, |c, s, d| devices::unenroll_device(c, &s.cfg, &s.provider, &d.device, &d.nonce))
        .await
        .map(Json)
}

async fn respond(
    State(st): State<AppState>,
    UrlPath(id): UrlPath<String>,
    body: Body,
) -> Result<Json<Envelope>, Error> {
    let body = read_body(body).await?;
    if id.len() > 64 {
        return Err(Error::NotFound("request"));
    }
    let b: AssertionBody = serde_json::from_slice(&body)
        .map_err(|_| Error::bad_request("malformed JSON or a missing/mistyped field"))?;
    if b.credential_id.len() > 64 {
        return Err(Error::bad_request("invalid credentialId"));
    }
    st.run(move |c, s| signin::respond(c, &s.cfg, &s.provider, &id, &b)).await.map(Json)
}

#[derive(Deserialize)]
struct TimeQuery {
    nonce: String,
}

async fn time(
    State(st): State<AppState>,
    q: Result<Query<TimeQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<Envelope>, Error> {
    let q = q.map_err(|_| Error::bad_request("nonce query parameter required"))?;
    if q.nonce.is_empty() || q.nonce.len() > 64 {
        return Err(Error::bad_request("invalid nonce"));
    }
    Ok(Json(st.provider.time_envelope(st.cfg.clock.now(), &q.nonce)))
}

async fn provider_info(State(st): State<AppState>) -> Json<ProviderInfo> {
    Json(devices::provider_info(&st.provider))
}

async fn not_found() -> Response {
    Error::NotFound("endpoint").into_response()
}

/// The router with every route.
pub(crate) fn router(state: AppState) -> Router {
    let routes = Router::new()
        .route("/nyckel/v1/enroll", post(enroll))
        .route("/nyckel/v1/requests", get(pending))
        .route("/nyckel/v1/requests/{id}/response", post(respond))
        .route("/nyckel/v1/phone-signin", post(enable_phone_signin).delete(disable_phone_signin))
        .route("/nyckel/v1/phone-signin/challenge", post(phone_signin_challenge))
        .route("/nyckel/v1/device", get(device_standing).put(update_device).delete(unenroll_device))
        .route("/nyckel/v1/transfer", post(transfer))
        .route("/nyckel/v1/time", get(time))
        .route("/nyckel/v1/provider", get(provider_info))
        .merge(crate::web::routes())
        .merge(crate::code_web::routes())
        .merge(crate::account_web::routes())
        .merge(crate::step_up_web::routes())
        .merge(crate::oidc_web::routes())
        .merge(crate::eam_web::routes())
        .merge(crate::lang_web::routes());
    // Under the origin's path, if it has one (`--origin https://login.example.se/auth`).
    crate::base_path::nest(crate::base_path::of(&state.provider.origin), routes)
        .fallback(not_found)
        // The spec's body limit (§1) for every extractor, the pages' forms included.
        .layer(axum::extract::DefaultBodyLimit::max(MAX_BODY))
        .layer(axum::middleware::from_fn_with_state(
            state.cfg.server.request_timeout,
            request_deadline,
        ))
        .layer(axum::middleware::from_fn_with_state(state.clone(), crate::web::security_headers))
        .layer(axum::middleware::from_fn(request_span))
        .with_state(state)
}

/// A request gets a deadline from its headers to its answer (reading its body included), so
/// a client trickling a body cannot hold the server: past it, 400 and the connection closes.
async fn request_deadline(
    State(limit): State<std::time::Duration>,
    req: Request,
    next: Next,
) -> Response {
    match tokio::time::timeout(limit, next.run(req)).await {
        Ok(resp) => resp,
        Err(_) => {
            tracing::warn!("request not received in time; connection closed");
            let mut resp = Error::bad_request("request not received in time").into_response();
            resp.headers_mut()
                .insert(axum::http::header::CONNECTION, HeaderValue::from_static("close"));
            resp
        }
    }
}

/// Runs each request in a `request` span with a fresh request id (also answered as
/// `X-Request-Id`) and logs its answer. Only the path is logged: queries carry page tokens
/// and nonces, and no header or body is ever logged.
async fn request_span(req: Request, next: Next) -> Response {
    let id = crate::ids::request_id();
    let span = tracing::info_span!(
        "request",
        id = %id,
        method = %req.method(),
        path = %req.uri().path()
    );
    async move {
        let started = std::time::Instant::now();
        let mut resp = next.run(req).await;
        tracing::info!(
            status = resp.status().as_u16(),
            ms = started.elapsed().as_millis() as u64,
            "answered"
        );
        if let Ok(v) = HeaderValue::from_str(&id) {
            resp.headers_mut().insert("x-request-id", v);
        }
        resp
    }
    .instrument(span)
    .await
}

/// Serves on `listener` until `shutdown` resolves. Stores the effective origin/rpId/issuer in
/// the database so the admin CLI prints enrollment codes for this server.
pub(crate) async fn serve_until(
    listener: tokio::net::TcpListener,
    store: Arc<dyn Store>,
    cfg: Config,
    ready: impl FnOnce() + Send,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    let addr = listener.local_addr()?;
    let state = tokio::task::spawn_blocking(
        move || -> Result<AppState, Box<dyn std::error::Error + Send + Sync>> {
            let provider = configure(&*store, &cfg, addr)?;
            let hashing = Arc::new(HashLimiter::new(&cfg.server));
            let eam_keys = Arc::new(crate::eam::jwks::JwksCache::over_http());
            Ok(AppState { store, cfg, provider: Arc::new(provider), hashing, eam_keys })
        },
    )
    .await??;
    // Only now are the origin and identity stored: enrollment codes issued from here on
    // carry this server's address.
    ready();
    let limits = state.cfg.server.clone();
    let purging = tokio::spawn(purge_periodically(state.clone()));
    let served = crate::connections::serve(listener, router(state), limits, shutdown).await;
    purging.abort();
    served?;
    Ok(())
}

/// Runs the retention purge (`Config::retention`) every `retention.every`, batch after batch
/// while one finds more: each batch is its own short write, so the sign-ins' writes queue
/// between batches, never behind the whole purge.
async fn purge_periodically(st: AppState) {
    let mut every = tokio::time::interval(st.cfg.retention.every);
    every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        every.tick().await;
        let mut total = Purged::default();
        loop {
            match st.run(|c, s| crate::retention::purge(c, &s.cfg)).await {
                Ok(p) => {
                    total.requests += p.requests;
                    total.push_log += p.push_log;
                    total.sessions += p.sessions;
                    total.events += p.events;
                    if !p.more {
                        break;
                    }
                    tokio::task::yield_now().await;
                }
                Err(e) => {
                    tracing::warn!(code = %e.code(), "retention purge failed; retried later");
                    break;
                }
            }
        }
        if total != Purged::default() {
            tracing::info!(
                requests = total.requests,
                push_log = total.push_log,
                sessions = total.sessions,
                events = total.events,
                "purged past retention"
            );
        }
    }
}

/// Stores the origin (the configuration's, else `http://ADDR`), rpId and issuer, and loads the
/// provider identity with them.
fn configure(store: &dyn Store, cfg: &Config, addr: SocketAddr) -> Result<Identity, Error> {
    let origin = cfg.origin.clone().unwrap_or_else(|| format!("http://{addr}"));
    Identity::configure(store, &origin, cfg.rp_id.as_deref(), &cfg.issuer)?;
    Identity::load(store)
}

/// A server running on a background thread.
pub struct ServerHandle {
    /// `http://127.0.0.1:PORT`.
    pub base_url: String,
    /// The bound address.
    pub addr: SocketAddr,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl ServerHandle {
    /// Stops the server and waits for its thread.
    pub fn shutdown(mut self) {
        self.stop_now();
    }

    fn stop_now(&mut self) {
        if let Some(tx) = self.stop.take() {
            let _ = tx.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

impl Drop for ServerHandle {
    fn drop(&mut self) {
        self.stop_now();
    }
}

/// Starts a server on `addr` (e.g. `127.0.0.1:0`) on its own tokio runtime in a background
/// thread. Returns once the server is ready.
pub(crate) fn spawn_background(
    addr: &str,
    store: Arc<dyn Store>,
    config: Config,
) -> std::io::Result<ServerHandle> {
    let std_listener = std::net::TcpListener::bind(addr)?;
    std_listener.set_nonblocking(true)?;
    let bound = std_listener.local_addr()?;
    // Configure here so errors surface synchronously and the admin side sees the origin.
    configure(&*store, &config, bound).map_err(std::io::Error::other)?;
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let (ready_tx, ready_rx) = std::sync::mpsc::channel::<std::io::Result<()>>();
    let thread = std::thread::Builder::new().name("nyckel-idp".into()).spawn(move || {
        let rt = match tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
        {
            Ok(rt) => rt,
            Err(e) => {
                let _ = ready_tx.send(Err(e));
                return;
            }
        };
        rt.block_on(async move {
            let listener = match tokio::net::TcpListener::from_std(std_listener) {
                Ok(l) => l,
                Err(e) => {
                    let _ = ready_tx.send(Err(e));
                    return;
                }
            };
            let failed_tx = ready_tx.clone();
            let ready = move || {
                let _ = ready_tx.send(Ok(()));
            };
            let served = serve_until(listener, store, config, ready, async {
                let _ = rx.await;
            })
            .await;
            // A failure before `ready` (storing the origin) reaches the caller; after it,
            // the caller has gone on and the send finds no receiver.
            if let Err(e) = served {
                let _ = failed_tx.send(Err(std::io::Error::other(e.to_string())));
            }
        });
    })?;
    ready_rx.recv().map_err(std::io::Error::other)??;
    Ok(ServerHandle {
        base_url: format!("http://{bound}"),
        addr: bound,
        stop: Some(tx),
        thread: Some(thread),
    })
}
