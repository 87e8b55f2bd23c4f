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

fn page_text(e: PageError) -> &'static str {
    match e {
        PageError::Request(RequestError::UnknownClient) => {
            "Microsoft Entra-konfigurationen som skickade dig hit är inte registrerad hos inloggningstjänsten."
        }
        PageError::Request(RequestError::WrongRedirectUri) => {
            "Återadressen är inte den registrerade, så du skickas inte vidare. Kontakta administratören."
        }
        PageError::Request(_) => "Begäran från Microsoft Entra är ofullständig eller felaktig.",
        PageError::Hint(HintError::UnknownTenant) => {
            "Din organisation (Microsoft Entra-klient) är inte registrerad hos inloggningstjänsten."
        }
        PageError::Hint(HintError::TooOld | HintError::FromTheFuture) => {
            "Inloggningen från Microsoft Entra är för gammal. Gå tillbaka och försök igen."
        }
        PageError::Hint(_) => {
            "Inloggningen från Microsoft Entra kunde inte verifieras och avvisades."
        }
        PageError::Unlinked => {
            "Ditt Microsoft Entra-konto är inte kopplat till något Nyckel-konto. Kontakta administratören."
        }
        PageError::Replayed => {
            "Den här inloggningen har redan använts. Gå tillbaka till Microsoft och försök igen."
        }
        PageError::Expired => {
            "Inloggningen tog för lång tid eller är redan klar. Gå tillbaka till Microsoft och försök igen."
        }
        PageError::NotDecided => "Inloggningen väntar fortfarande på godkännande i Nyckel-appen.",
    }
}

fn no_store(mut resp: Response) -> Response {
    resp.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    resp
}

fn outcome(st: &AppState, r: Result<Outcome, crate::error::Error>, retry: &str) -> Response {
    match r {
        Ok(Outcome::Page(e)) => {
            tracing::info!(refusal = ?e, "external authentication refused");
            web::error_page_retry(st, StatusCode::BAD_REQUEST, page_text(e), retry)
        }
        Ok(Outcome::Post(html)) => no_store(Html(html).into_response()),
        Ok(Outcome::Number { started, resume }) => {
            web::number_page(st, &started, Some(&resume), None, false)
        }
        Err(e) => web::error_page_retry(st, status_of(&e), "Något gick fel. Försök igen.", retry),
    }
}

/// An external authentication request (from the authorization endpoint, GET or POST).
pub(crate) async fn authorize(
    st: AppState,
    ci: ConnectInfo<SocketAddr>,
    headers: &HeaderMap,
    params: Vec<(String, String)>,
) -> Response {
    let ip = client_ip(&ci, headers);
    let from = SigninFrom {
        app: format!("{} (Microsoft Entra ID)", st.provider.issuer),
        location: web::location_of(&ip),
        ip,
    };
    let r = st
        .run(move |store, s| service::authorize(store, &s.cfg, &s.eam_keys, &params, &from))
        .await;
    outcome(&st, r, "/signin")
}

async fn resume(State(st): State<AppState>, RawQuery(query): RawQuery) -> Response {
    let query = query.unwrap_or_default();
    let params: Vec<(String, String)> = url::form_urlencoded::parse(query.as_bytes())
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    let get = |n: &str| {
        params.iter().find(|(k, _)| k == n).map(|(_, v)| v.clone()).filter(|v| v.len() <= MAX_ID)
    };
    let (Some(authz), Some(request), Some(token)) = (get("authz"), get("request"), get("t")) else {
        return outcome(&st, Ok(Outcome::Page(PageError::Expired)), "/signin");
    };
    let Ok(issuer) = Issuer::parse(&st.provider.origin) else {
        tracing::error!("the origin is not an OpenID Connect issuer");
        return web::error_page_retry(
            &st,
            StatusCode::INTERNAL_SERVER_ERROR,
            "Inloggningstjänsten är inte rätt konfigurerad.",
            "/signin",
        );
    };
    let retry = format!("{RESUME_PATH}?{query}");
    let r = st
        .run(move |store, s| service::resume(store, &s.cfg, &issuer, &authz, &request, &token))
        .await;
    outcome(&st, r, &retry)
}
