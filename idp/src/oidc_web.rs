//! The OpenID Connect provider's HTTP endpoints (handlers over `oidc::service`): discovery,
//! JWKS, the authorization endpoint (GET and POST) and its continuation after the sign-in
//! pages, token, userinfo and RP-initiated logout.

use std::net::SocketAddr;

use axum::body::Bytes;
use axum::extract::{ConnectInfo, RawQuery, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};

use crate::error::Error;
use crate::html::{esc, form_post_in, page_in};
use crate::i18n::{Lang, Msg};
use crate::oidc::authorize::{Answer, PageError};
use crate::oidc::discovery::{
    Discovery, Issuer, AUTHORIZE_PATH, DISCOVERY_PATH, END_SESSION_PATH, JWKS_PATH, RESUME_PATH,
    TOKEN_PATH, USERINFO_PATH,
};
use crate::oidc::error::OAuthError;
use crate::oidc::logout::{LogoutError, LogoutRequest};
use crate::oidc::service::{self, Authorized, Watched};
use crate::state::{status_of, AppState};
use crate::web;

/// The OpenID Connect routes.
pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route(DISCOVERY_PATH, get(discovery))
        .route(JWKS_PATH, get(jwks))
        .route(AUTHORIZE_PATH, get(authorize_get).post(authorize_post))
        .route(RESUME_PATH, get(resume))
        .route(TOKEN_PATH, post(token).options(preflight))
        .route(USERINFO_PATH, get(userinfo).post(userinfo).options(preflight))
        .route(END_SESSION_PATH, get(logout_get).post(logout_post))
}

/// Parameters of a query string or form body, in order, repeated ones kept (the rules refuse
/// repeats).
fn pairs(encoded: &[u8]) -> Vec<(String, String)> {
    url::form_urlencoded::parse(encoded).map(|(k, v)| (k.into_owned(), v.into_owned())).collect()
}

fn issuer(st: &AppState) -> Option<Issuer> {
    Issuer::parse(&st.provider.origin)
        .map_err(|e| tracing::error!(error = %e, "the origin is not an OpenID Connect issuer"))
        .ok()
}

fn misconfigured(st: &AppState, lang: Lang) -> Response {
    problem_page(st, lang, StatusCode::INTERNAL_SERVER_ERROR, Msg::Misconfigured)
}

fn problem_page(st: &AppState, lang: Lang, status: StatusCode, msg: Msg) -> Response {
    web::error_in(st, lang, status, lang.t(msg), "/signin")
}

fn no_store(mut resp: Response) -> Response {
    resp.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    resp.headers_mut().insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
    resp
}

/// A public JSON document any origin may read (discovery, JWKS).
fn public_json(value: impl serde::Serialize) -> Response {
    any_origin(Json(value).into_response())
}

/// Lets a web page of any origin read the answer. Safe for discovery, JWKS, token and
/// userinfo: none of them uses cookies; the token endpoint authenticates by code, PKCE
/// verifier or client secret, userinfo by the bearer token (a single-page app, a public
/// client, calls them from the browser).
fn any_origin(mut resp: Response) -> Response {
    resp.headers_mut().insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, HeaderValue::from_static("*"));
    resp
}

/// The CORS preflight of the token and userinfo endpoints.
async fn preflight() -> Response {
    let mut resp = any_origin(StatusCode::NO_CONTENT.into_response());
    let h = resp.headers_mut();
    h.insert(header::ACCESS_CONTROL_ALLOW_METHODS, HeaderValue::from_static("GET, POST"));
    h.insert(
        header::ACCESS_CONTROL_ALLOW_HEADERS,
        HeaderValue::from_static("Authorization, Content-Type"),
    );
    h.insert(header::ACCESS_CONTROL_MAX_AGE, HeaderValue::from_static("600"));
    resp
}

async fn discovery(State(st): State<AppState>, lang: Lang) -> Response {
    match issuer(&st) {
        Some(iss) => public_json(Discovery::new(&iss)),
        None => misconfigured(&st, lang),
    }
}

async fn jwks(State(st): State<AppState>) -> Response {
    match st.run(|store, s| service::key_ring(store, &s.cfg.issuer, s.cfg.clock.now())).await {
        Ok(ring) => public_json(ring.jwks()),
        Err(e) => e.into_response(),
    }
}

fn page_error_text(e: PageError) -> Msg {
    match e {
        PageError::MissingClientId | PageError::UnknownClient => Msg::UnknownClient,
        PageError::MissingRedirectUri
        | PageError::UnregisteredRedirectUri
        | PageError::Repeated => Msg::UnregisteredRedirect,
        PageError::Expired => Msg::SignInExpired,
    }
}

fn answer(lang: Lang, a: Answer) -> Response {
    match a {
        Answer::Redirect(url) => match HeaderValue::from_str(&url) {
            Ok(location) => {
                no_store((StatusCode::SEE_OTHER, [(header::LOCATION, location)]).into_response())
            }
            Err(_) => Error::Internal.into_response(),
        },
        Answer::FormPost(html) => no_store(Html(form_post_in(lang, &html)).into_response()),
    }
}

fn authorized(st: &AppState, lang: Lang, r: Result<Authorized, Error>) -> Response {
    match r {
        Ok(Authorized::Page(e)) => {
            tracing::info!(refusal = %e, "authorization request refused");
            problem_page(st, lang, StatusCode::BAD_REQUEST, page_error_text(e))
        }
        Ok(Authorized::Answer(a)) => answer(lang, a),
        // `ui_locales` wins over the browser's language for this sign-in.
        Ok(Authorized::SignIn(s)) => web::signin_page(st, s.lang.unwrap_or(lang), Some(&s)),
        Err(e) => problem_page(st, lang, status_of(&e), Msg::SomethingWentWrong),
    }
}

async fn authorize_with(
    st: AppState,
    ci: ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    params: Vec<(String, String)>,
    post: bool,
) -> Response {
    // Microsoft Entra's external authentication method (an implicit `id_token` request).
    if crate::eam::request::is_eam_request(&params) {
        return crate::eam_web::authorize(st, ci, &headers, params).await;
    }
    let lang = crate::lang_web::lang_of(&headers);
    let Some(iss) = issuer(&st) else {
        return misconfigured(&st, lang);
    };
    let session = web::session_token(&headers);
    // A POST from another site never uses the session: an RP's form may start a sign-in, but
    // not silently obtain a code for the signed-in user (what SameSite=Lax means for the
    // cookie, enforced here too).
    let use_session = !post || web::same_origin(&st, &headers);
    let r = st
        .run(move |store, s| {
            service::authorize(store, &s.cfg, &iss, &params, session.as_deref(), use_session)
        })
        .await;
    authorized(&st, lang, r)
}

async fn authorize_get(
    State(st): State<AppState>,
    ci: ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Response {
    let params = pairs(query.unwrap_or_default().as_bytes());
    authorize_with(st, ci, headers, params, false).await
}

async fn authorize_post(
    State(st): State<AppState>,
    ci: ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    authorize_with(st, ci, headers, pairs(&body), true).await
}

async fn resume(
    State(st): State<AppState>,
    lang: Lang,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Response {
    let Some(iss) = issuer(&st) else {
        return misconfigured(&st, lang);
    };
    let params = pairs(query.unwrap_or_default().as_bytes());
    let get = |n: &str| params.iter().find(|(k, _)| k == n).map(|(_, v)| v.clone());
    let Some(authz) = get("authz").filter(|a| a.len() <= 64) else {
        let msg = page_error_text(PageError::Expired);
        return problem_page(&st, lang, StatusCode::BAD_REQUEST, msg);
    };
    // The waiting request's `ui_locales` wins over the browser's language, to its answer page.
    let lang = web::flow_lang(&st, lang, Some(&authz)).await;
    let watched = match (get("request"), get("t")) {
        (Some(id), Some(token)) if id.len() <= 64 && token.len() <= 64 => {
            Some(Watched { id, token })
        }
        _ => None,
    };
    let session = web::session_token(&headers);
    let r = st
        .run(move |store, s| {
            service::resume(store, &s.cfg, &iss, &authz, watched.as_ref(), session.as_deref())
        })
        .await;
    authorized(&st, lang, r)
}

fn oauth_error(e: &OAuthError, basic: bool) -> Response {
    tracing::info!(error = e.code.as_str(), "refused");
    let status = StatusCode::from_u16(e.code.http_status()).unwrap_or(StatusCode::BAD_REQUEST);
    let mut resp = no_store((status, Json(e.body())).into_response());
    let challenge = match e.code {
        crate::oidc::error::OAuthCode::InvalidClient if basic => Some("Basic realm=\"nyckel-idp\""),
        crate::oidc::error::OAuthCode::InvalidToken => Some("Bearer error=\"invalid_token\""),
        _ => None,
    };
    if let Some(c) = challenge {
        resp.headers_mut().insert(header::WWW_AUTHENTICATE, HeaderValue::from_static(c));
    }
    resp
}

fn server_error(e: &Error) -> Response {
    let code = if matches!(e, Error::Busy) {
        crate::oidc::error::OAuthCode::TemporarilyUnavailable
    } else {
        crate::oidc::error::OAuthCode::ServerError
    };
    oauth_error(&OAuthError::new(code, "the provider failed; try again"), false)
}

fn authorization(headers: &HeaderMap) -> Option<String> {
    headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()).map(str::to_owned)
}

async fn token(State(st): State<AppState>, headers: HeaderMap, body: Bytes) -> Response {
    let Some(iss) = issuer(&st) else {
        return misconfigured(&st, Lang::default());
    };
    let params = pairs(&body);
    let auth = authorization(&headers);
    let basic = auth.is_some();
    let r =
        st.run(move |store, s| service::token(store, &s.cfg, &iss, &params, auth.as_deref())).await;
    any_origin(match r {
        Ok(Ok(t)) => no_store(Json(t).into_response()),
        Ok(Err(e)) => oauth_error(&e, basic),
        Err(e) => server_error(&e),
    })
}

async fn userinfo(State(st): State<AppState>, headers: HeaderMap) -> Response {
    let auth = authorization(&headers);
    let r = st.run(move |store, s| service::userinfo(store, &s.cfg, auth.as_deref())).await;
    any_origin(match r {
        Ok(Ok(v)) => no_store(Json(v).into_response()),
        Ok(Err(e)) => oauth_error(&e, false),
        Err(e) => server_error(&e),
    })
}

async fn logout_with(st: AppState, headers: HeaderMap, params: Vec<(String, String)>) -> Response {
    let lang = crate::lang_web::lang_of(&headers);
    let Some(iss) = issuer(&st) else {
        return misconfigured(&st, lang);
    };
    let get = |n: &str| params.iter().find(|(k, _)| k == n).map(|(_, v)| v.clone());
    let req = LogoutRequest {
        id_token_hint: get("id_token_hint"),
        post_logout_redirect_uri: get("post_logout_redirect_uri"),
        state: get("state"),
        client_id: get("client_id"),
    };
    let session = web::session_token(&headers);
    let r = st
        .run(move |store, s| service::logout(store, &s.cfg, &iss, &req, session.as_deref()))
        .await;
    match r {
        Ok(Ok(out)) => {
            let resp = match out.redirect.as_deref().map(HeaderValue::from_str) {
                Some(Ok(location)) => {
                    (StatusCode::SEE_OTHER, [(header::LOCATION, location)]).into_response()
                }
                Some(Err(_)) => Error::Internal.into_response(),
                None => Html(page_in(
                    lang,
                    &st.provider.issuer,
                    "/signin",
                    lang.t(Msg::SignedOutTitle),
                    &format!(
                        r#"<h1 id="signed-out">{}</h1><a class="button" href="/signin">{}</a>"#,
                        esc(lang.t(Msg::SignedOut)),
                        esc(lang.t(Msg::SignInAgain))
                    ),
                ))
                .into_response(),
            };
            web::without_session(no_store(resp))
        }
        Ok(Err(e)) => {
            let msg = match e {
                LogoutError::BadHint => Msg::LogoutBadHint,
                LogoutError::UnknownClient => Msg::LogoutUnknownClient,
                LogoutError::UnregisteredUri => Msg::LogoutUnregisteredUri,
            };
            problem_page(&st, lang, StatusCode::BAD_REQUEST, msg)
        }
        Err(e) => problem_page(&st, lang, status_of(&e), Msg::SomethingWentWrong),
    }
}

async fn logout_get(
    State(st): State<AppState>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Response {
    let params = pairs(query.unwrap_or_default().as_bytes());
    logout_with(st, headers, params).await
}

async fn logout_post(State(st): State<AppState>, headers: HeaderMap, body: Bytes) -> Response {
    logout_with(st, headers, pairs(&body)).await
}
