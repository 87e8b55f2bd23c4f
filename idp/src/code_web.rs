//! The one-time-code pages' handlers: "Använd en verifieringskod" instead of approving a push after the
//! password, and the account page's "Ange en engångskod från appen" that confirms the secret
//! the enrollment carried (`otp.rs` has the rules).

use axum::extract::{Form, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::post;
use axum::Router;
use serde::Deserialize;

use crate::code_html::{code_form, refusal_status, refusal_text, request_fields, MAX_CODE};
use crate::error::Error;
use crate::html::{esc, page};
use crate::otp::{self, CodeRefusal};
use crate::signin;
use crate::state::AppState;
use crate::web::{
    continuation, cross_site_page, error_page, error_page_retry, same_origin, session_token,
    start_error, with_session, MAX_ID,
};

/// The one-time-code routes.
pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/signin/code", post(signin_code))
        .route("/account/code", post(confirm_code))
}

#[derive(Deserialize)]
struct SigninCodeForm {
    request: String,
    t: String,
    #[serde(default)]
    code: Option<String>,
    #[serde(default)]
    authz: Option<String>,
}

/// `POST /signin/code`: without a code, the form; with one, a session (and the waiting
/// application's sign-in continues) or the form again saying why not.
async fn signin_code(
    State(st): State<AppState>,
    headers: HeaderMap,
    Form(f): Form<SigninCodeForm>,
) -> Response {
    if !same_origin(&st, &headers) {
        return cross_site_page(&st);
    }
    let (authz, resume, retry) = continuation(f.authz);
    if f.request.len() > MAX_ID || f.t.len() > MAX_ID {
        return error_page_retry(&st, StatusCode::BAD_REQUEST, "Ogiltig begäran.", &retry);
    }
    let code = f.code.filter(|c| !c.trim().is_empty());
    let Some(code) = code else {
        return code_page(&st, &f.request, &f.t, authz.as_deref(), None);
    };
    if code.len() > MAX_CODE {
        let msg = refusal_text(CodeRefusal::Wrong, st.cfg.clock.now());
        return code_page(&st, &f.request, &f.t, authz.as_deref(), Some(msg));
    }
    let (id, token) = (f.request.clone(), f.t.clone());
    let r = st.run(move |c, s| otp::sign_in(c, &s.cfg, &id, &token, &code)).await;
    match r {
        Ok(Ok(session)) => {
            let next = match &resume {
                Some(r) => {
                    format!("{r}&request={}&t={}", urlencoding(&f.request), urlencoding(&f.t))
                }
                None => "/account".to_owned(),
            };
            with_session(&st, session, Redirect::to(&next).into_response())
        }
        Ok(Err(CodeRefusal::RequestOver)) => error_page_retry(
            &st,
            StatusCode::CONFLICT,
            "Inloggningen väntar inte längre: den har godkänts, nekats eller gått ut. Börja om.",
            &retry,
        ),
        Ok(Err(refusal)) => {
            let msg = refusal_text(refusal, st.cfg.clock.now());
            let mut resp = code_page(&st, &f.request, &f.t, authz.as_deref(), Some(msg));
            *resp.status_mut() = refusal_status(refusal);
            resp
        }
        Err(Error::NotFound(_)) => error_page_retry(
            &st,
            StatusCode::NOT_FOUND,
            "Inloggningen hittades inte. Börja om.",
            &retry,
        ),
        Err(e) => start_error(&st, &e, &retry),
    }
}

/// Percent-encodes a request id or token for a query (they are base64url, so this only
/// guards against a forged one).
fn urlencoding(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

fn code_page(
    st: &AppState,
    id: &str,
    token: &str,
    authz: Option<&str>,
    error: Option<String>,
) -> Response {
    let error = error
        .map(|m| format!(r#"<p class="error" id="error" role="alert">{}</p>"#, esc(&m)))
        .unwrap_or_default();
    let body = format!(
        r#"<h1>Ange verifieringskod</h1>
<p>Öppna Nyckel i telefonen och ange den sexsiffriga koden som visas för kontot.</p>
{error}{form}"#,
        form = code_form(
            "/signin/code",
            "code",
            "verify",
            "Verifiera",
            &request_fields(id, token, authz)
        ),
    );
    no_store(Html(page(&st.provider.issuer, "Verifieringskod", &body)).into_response())
}

fn no_store(mut resp: Response) -> Response {
    resp.headers_mut().insert(
        axum::http::header::CACHE_CONTROL,
        axum::http::HeaderValue::from_static("no-store"),
    );
    resp
}

#[derive(Deserialize)]
struct ConfirmForm {
    code: String,
}

/// `POST /account/code`: confirms the signed-in user's one-time-code secret.
async fn confirm_code(
    State(st): State<AppState>,
    headers: HeaderMap,
    Form(f): Form<ConfirmForm>,
) -> Response {
    if !same_origin(&st, &headers) {
        return cross_site_page(&st);
    }
    let Some(token) = session_token(&headers) else {
        return Redirect::to("/signin").into_response();
    };
    if f.code.len() > MAX_CODE {
        let msg = refusal_text(CodeRefusal::Wrong, st.cfg.clock.now());
        return error_page_retry(&st, StatusCode::UNAUTHORIZED, &msg, "/account");
    }
    let r = st
        .run(move |c, s| {
            let Some((user, _)) = signin::session_user(c, &token, s.cfg.clock.now())? else {
                return Ok(None);
            };
            otp::confirm(c, &s.cfg, &user, &f.code).map(Some)
        })
        .await;
    match r {
        Ok(None) => Redirect::to("/signin").into_response(),
        Ok(Some(Ok(()))) => Redirect::to("/account").into_response(),
        Ok(Some(Err(refusal))) => {
            let msg = refusal_text(refusal, st.cfg.clock.now());
            error_page_retry(&st, refusal_status(refusal), &msg, "/account")
        }
        Err(e) => error_page(&st, crate::state::status_of(&e), "Koden kunde inte kontrolleras."),
    }
}
