//! The HTTP side of Entra's external authentication method: the authorization endpoint hands
//! `response_type=id_token` requests here (`oidc_web`), and the number page continues at
//! [`RESUME_PATH`] once the phone decided. Every answer is a page: the number page, an error
//! page (nothing posted to Entra), or the page that form-posts the answer to Entra.

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, RawQuery, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use axum::Router;

use crate::eam::hint::HintError;
use crate::eam::request::RequestError;
use crate::eam::service::{self, Outcome, PageError, RESUME_PATH};
use crate::i18n::{Lang, Msg};
use crate::oidc::discovery::Issuer;
use crate::signin::SigninFrom;
use crate::state::{client_ip, status_of, AppState};
use crate::web;

/// Longest page id, request id or status token accepted in the continuation's query.
const MAX_ID: usize = 64;

/// The continuation route.
pub(crate) fn routes() -> Router<AppState> {
    Router::new().route(RESUME_PATH, get(resume))
}

fn page_text(e: PageError) -> Msg {
    match e {
        PageError::Request(RequestError::UnknownClient) => Msg::EamUnknownClient,
        PageError::Request(RequestError::WrongRedirectUri) => Msg::EamWrongRedirect,
        PageError::Request(_) => Msg::EamBadRequest,
        PageError::Hint(HintError::UnknownTenant) => Msg::EamUnknownTenant,
        PageError::Hint(HintError::TooOld | HintError::FromTheFuture) => Msg::EamTooOld,
        PageError::Hint(_) => Msg::EamUnverified,
        PageError::Unlinked => Msg::EamUnlinked,
        PageError::Replayed => Msg::EamReplayed,
        PageError::Expired => Msg::EamExpired,
        PageError::NotDecided => Msg::EamNotDecided,
    }
}

fn no_store(mut resp: Response) -> Response {
    resp.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    resp
}

fn outcome(
    st: &AppState,
    lang: Lang,
    r: Result<Outcome, crate::error::Error>,
    retry: &str,
) -> Response {
    match r {
        Ok(Outcome::Page(e)) => {
            tracing::info!(refusal = ?e, "external authentication refused");
            web::error_in(st, lang, StatusCode::BAD_REQUEST, lang.t(page_text(e)), retry)
        }
        Ok(Outcome::Post(html)) => {
            no_store(Html(crate::html::form_post_in(lang, &html)).into_response())
        }
        Ok(Outcome::Answered { html, known }) => {
            let resp = no_store(Html(crate::html::form_post_in(lang, &html)).into_response());
            web::with_known_browser(st, Some(known), resp)
        }
        Ok(Outcome::Number { started, resume }) => {
            web::number_page(st, lang, &started, Some(&resume), None, false)
        }
        Err(e) => web::error_in(st, lang, status_of(&e), lang.t(Msg::SomethingWentWrong), retry),
    }
}

/// An external authentication request (from the authorization endpoint, GET or POST).
pub(crate) async fn authorize(
    st: AppState,
    ci: ConnectInfo<SocketAddr>,
    headers: &HeaderMap,
    params: Vec<(String, String)>,
) -> Response {
    let lang = crate::lang_web::lang_of(headers);
    let ip = client_ip(&ci, headers);
    let from = SigninFrom {
        app: format!("{} (Microsoft Entra ID)", st.provider.issuer),
        location: web::location_of(lang, &ip),
        ip,
    };
    let browser = crate::signin::BrowserStart {
        known: web::cookie(headers, crate::known_browser::COOKIE),
        started: None,
    };
    let r = st
        .run(move |store, s| {
            service::authorize(store, &s.cfg, &s.eam_keys, &params, &from, &browser)
        })
        .await;
    outcome(&st, lang, r, "/signin")
}

async fn resume(State(st): State<AppState>, lang: Lang, RawQuery(query): RawQuery) -> Response {
    let query = query.unwrap_or_default();
    let params: Vec<(String, String)> = url::form_urlencoded::parse(query.as_bytes())
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    let get = |n: &str| {
        params.iter().find(|(k, _)| k == n).map(|(_, v)| v.clone()).filter(|v| v.len() <= MAX_ID)
    };
    let (Some(authz), Some(request), Some(token)) = (get("authz"), get("request"), get("t")) else {
        return outcome(&st, lang, Ok(Outcome::Page(PageError::Expired)), "/signin");
    };
    let Ok(issuer) = Issuer::parse(&st.provider.origin) else {
        tracing::error!("the origin is not an OpenID Connect issuer");
        let msg = lang.t(Msg::Misconfigured);
        return web::error_in(&st, lang, StatusCode::INTERNAL_SERVER_ERROR, msg, "/signin");
    };
    let retry = format!("{RESUME_PATH}?{query}");
    let r = st
        .run(move |store, s| service::resume(store, &s.cfg, &issuer, &authz, &request, &token))
        .await;
    outcome(&st, lang, r, &retry)
}
