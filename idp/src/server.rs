//! The HTTP server: routes, handlers, and ways to start it (async or on a background thread).

use std::net::SocketAddr;
use std::sync::Arc;

use axum::body::{Body, Bytes};
use axum::extract::{FromRequest, Path as UrlPath, Query, Request, State};
use axum::http::{HeaderValue, Uri};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use tracing::Instrument;

use nyckel_core::protocol::wire::{Envelope, ProviderInfo};

use crate::api;
use crate::config::Config;
use crate::db::Db;
use crate::error::Error;
use crate::provider::Identity;
use crate::signin;
use crate::state::AppState;
use crate::verify::{AssertionBody, DeviceAuth};

async fn read_body(body: Body) -> Result<Bytes, Error> {
    axum::body::to_bytes(body, api::MAX_BODY).await.map_err(|_| Error::TooLarge)
}

fn path_and_query(uri: &Uri) -> String {
    uri.path_and_query().map(|p| p.as_str().to_owned()).unwrap_or_else(|| uri.path().to_owned())
}

async fn enroll(State(st): State<AppState>, req: Request) -> Result<Json<Envelope>, Error> {
    let (parts, body) = req.into_parts();
    let body = read_body(body).await?;
    let auth = DeviceAuth::from_headers(&parts.headers)?;
    let path = path_and_query(&parts.uri);
    st.run(move |c, s| api::enroll(c, &s.cfg, &s.provider, &auth, &path, &body)).await.map(Json)
}

/// A device-signed request, authenticated (§2.2: device, signature, clock window, nonce) before
/// its handler runs: the device, the request's nonce and its body.
pub(crate) struct AuthedDevice {
    device: signin::DeviceRow,
    nonce: String,
    body: Bytes,
}

impl FromRequest<AppState> for AuthedDevice {
    type Rejection = Error;

    async fn from_request(req: Request, st: &AppState) -> Result<Self, Error> {
        let (parts, body) = req.into_parts();
        let body = read_body(body).await?;
        let auth = DeviceAuth::from_headers(&parts.headers)?;
        let path = path_and_query(&parts.uri);
        let method = parts.method.as_str().to_owned();
        let nonce = auth.nonce.clone();
        let signed = body.clone();
        let device = st
            .run(move |c, s| {
                let now = s.cfg.clock.now();
                api::authenticate(c, &s.provider, &auth, &method, &path, &signed, now)
            })
            .await?;
        tracing::debug!(device = %device.id, "device authenticated");
        Ok(AuthedDevice { device, nonce, body })
    }
}

async fn pending(State(st): State<AppState>, d: AuthedDevice) -> Result<Json<Envelope>, Error> {
    st.run(move |c, s| signin::pending(c, &s.provider, &d.device, &d.nonce, s.cfg.clock.now()))
        .await
        .map(Json)
}

async fn enable_phone_signin(
    State(st): State<AppState>,
    d: AuthedDevice,
) -> Result<Json<Envelope>, Error> {
    st.run(move |c, s| {
        api::enable_phone_signin(c, &s.cfg, &s.provider, &d.device, &d.nonce, &d.body)
    })
    .await
    .map(Json)
}

async fn disable_phone_signin(
    State(st): State<AppState>,
    d: AuthedDevice,
) -> Result<Json<Envelope>, Error> {
    st.run(move |c, s| api::disable_phone_signin(c, &s.cfg, &s.provider, &d.device, &d.nonce))
        .await
        .map(Json)
}

async fn update_device(
    State(st): State<AppState>,
    d: AuthedDevice,
) -> Result<Json<Envelope>, Error> {
    st.run(move |c, s| api::update_device(c, &s.cfg, &s.provider, &d.device, &d.nonce, &d.body))
        .await
        .map(Json)
}

async fn unenroll_device(
    State(st): State<AppState>,
    d: AuthedDevice,
) -> Result<Json<Envelope>, Error> {
    st.run(move |c, s| api::unenroll_device(c, &s.cfg, &s.provider, &d.device, &d.nonce))
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
    Json(api::provider_info(&st.provider))
}

async fn not_found() -> Response {
    Error::NotFound("endpoint").into_response()
}

/// The router with every route.
pub(crate) fn router(state: AppState) -> Router {
    Router::new()
        .route("/nyckel/v1/enroll", post(enroll))
        .route("/nyckel/v1/requests", get(pending))
        .route("/nyckel/v1/requests/{id}/response", post(respond))
        .route("/nyckel/v1/phone-signin", post(enable_phone_signin).delete(disable_phone_signin))
        .route("/nyckel/v1/device", axum::routing::put(update_device).delete(unenroll_device))
        .route("/nyckel/v1/time", get(time))
        .route("/nyckel/v1/provider", get(provider_info))
        .merge(crate::web::routes())
        .fallback(not_found)
        // The spec's body limit (§1) for every extractor, the pages' forms included.
        .layer(axum::extract::DefaultBodyLimit::max(api::MAX_BODY))
        .layer(axum::middleware::from_fn(request_span))
        .with_state(state)
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
    db: Db,
    cfg: Config,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    let addr = listener.local_addr()?;
    let state = tokio::task::spawn_blocking(
        move || -> Result<AppState, Box<dyn std::error::Error + Send + Sync>> {
            let provider = configure(&db, &cfg, addr)?;
            Ok(AppState { db, cfg, provider: Arc::new(provider) })
        },
    )
    .await??;
    let app = router(state).into_make_service_with_connect_info::<SocketAddr>();
    axum::serve(listener, app).with_graceful_shutdown(shutdown).await?;
    Ok(())
}

/// Stores the origin (the configuration's, else `http://ADDR`), rpId and issuer, and loads the
/// provider identity with them.
fn configure(db: &Db, cfg: &Config, addr: SocketAddr) -> Result<Identity, Error> {
    let conn = db.conn()?;
    let origin = cfg.origin.clone().unwrap_or_else(|| format!("http://{addr}"));
    Identity::configure(&conn, &origin, cfg.rp_id.as_deref(), &cfg.issuer)?;
    Identity::load(&conn)
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
    db: Db,
    config: Config,
) -> std::io::Result<ServerHandle> {
    let std_listener = std::net::TcpListener::bind(addr)?;
    std_listener.set_nonblocking(true)?;
    let bound = std_listener.local_addr()?;
    // Configure here so errors surface synchronously and the admin side sees the origin.
    configure(&db, &config, bound).map_err(std::io::Error::other)?;
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
            let _ = ready_tx.send(Ok(()));
            let _ = serve_until(listener, db, config, async {
                let _ = rx.await;
            })
            .await;
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
