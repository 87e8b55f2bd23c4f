//! The one-time-code pages' handlers: "Använd en verifieringskod" instead of approving a push after the
//! password, and the account page's "Ange en engångskod från appen" that confirms the secret
//! the enrollment carried (`otp.rs` has the rules).

use axum::extract::{ConnectInfo, Form, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::post;
use axum::Router;
use serde::Deserialize;
use std::net::SocketAddr;

use crate::code_html::{code_page, refusal_status, refusal_text, MAX_CODE};
use crate::error::Error;
use crate::i18n::{Lang, Msg};
use crate::known_browser;
use crate::otp::{self, CodeRefusal};
use crate::signin;
use crate::state::AppState;
use crate::web::{
    continuation, cross_site_in, error_in, own_session_post, same_origin, start_error,
    with_known_browser, with_session, MAX_ID,
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
    lang: Lang,
    headers: HeaderMap,
    Form(f): Form<SigninCodeForm>,
) -> Response {
    if !same_origin(&st, &headers) {
        return cross_site_in(&st, lang);
    }
    let (authz, resume, retry) = continuation(f.authz);
    let lang = crate::web::flow_lang(&st, lang, authz.as_deref()).await;
    if f.request.len() > MAX_ID || f.t.len() > MAX_ID {
        let msg = lang.t(Msg::InvalidRequest);
        return error_in(&st, lang, StatusCode::BAD_REQUEST, msg, &retry);
    }
    let page =
        Page { st: &st, lang, id: &f.request, token: &f.t, authz: authz.as_deref(), retry: &retry };
    let code = f.code.filter(|c| !c.trim().is_empty());
    let Some(code) = code else {
        return page.render(None);
    };
    if code.len() > MAX_CODE {
        return page.render(Some(refusal_text(lang, CodeRefusal::Wrong, st.cfg.clock.now())));
    }
    let (id, token) = (f.request.clone(), f.t.clone());
    let r = st
        .run(move |c, s| match otp::sign_in(c, &s.cfg, &id, &token, &code)? {
            Ok(session) => {
                let known = known_browser::issue_for_session(c, &s.cfg, &session)?;
                Ok(Ok((session, known)))
            }
            Err(refusal) => Ok(Err(refusal)),
        })
        .await;
    match r {
        Ok(Ok((session, known))) => {
            let next = match &resume {
                Some(r) => {
                    format!("{r}&request={}&t={}", urlencoding(&f.request), urlencoding(&f.t))
                }
                None => "/account".to_owned(),
            };
            let resp = with_session(&st, session, Redirect::to(&next).into_response());
            with_known_browser(&st, known, resp)
        }
        Ok(Err(CodeRefusal::RequestOver)) => {
            let msg = lang.t(Msg::SignInNoLongerWaiting);
            error_in(&st, lang, StatusCode::CONFLICT, msg, &retry)
        }
        Ok(Err(refusal)) => {
            let mut resp = page.render(Some(refusal_text(lang, refusal, st.cfg.clock.now())));
            *resp.status_mut() = refusal_status(refusal);
            resp
        }
        Err(Error::NotFound(_)) => {
            error_in(&st, lang, StatusCode::NOT_FOUND, lang.t(Msg::SignInNotFound), &retry)
        }
        Err(e) => start_error(&st, lang, &e, &retry),
    }
}

/// Percent-encodes a request id or token for a query (they are base64url, so this only
/// guards against a forged one).
fn urlencoding(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

/// The code form of one waiting push request.
struct Page<'a> {
    st: &'a AppState,
    lang: Lang,
    id: &'a str,
    token: &'a str,
    authz: Option<&'a str>,
    /// Where the language switch goes: the form is a POST's answer, so the flow starts over.
    retry: &'a str,
}

impl Page<'_> {
    fn render(&self, error: Option<String>) -> Response {
        let request = (self.id, self.token, self.authz);
        let html = code_page(self.lang, &self.st.provider.issuer, request, self.retry, error);
        no_store(Html(html).into_response())
    }
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
    lang: Lang,
    ci: ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Form(f): Form<ConfirmForm>,
) -> Response {
    let token = match own_session_post(&st, lang, &headers) {
        Ok(token) => token,
        Err(resp) => return *resp,
    };
    if f.code.len() > MAX_CODE {
        let msg = refusal_text(lang, CodeRefusal::Wrong, st.cfg.clock.now());
        return error_in(&st, lang, StatusCode::UNAUTHORIZED, &msg, "/account");
    }
    let ip = crate::state::client_ip(&ci, &headers);
    let r = st
        .run(move |c, s| {
            let Some((user, _)) = signin::session_user(c, &token, s.cfg.clock.now())? else {
                return Ok(None);
            };
            otp::confirm(c, &s.cfg, &user, &f.code, &ip).map(Some)
        })
        .await;
    match r {
        Ok(None) => Redirect::to("/signin").into_response(),
        Ok(Some(Ok(()))) => Redirect::to("/account").into_response(),
        Ok(Some(Err(refusal))) => {
            let msg = refusal_text(lang, refusal, st.cfg.clock.now());
            error_in(&st, lang, refusal_status(refusal), &msg, "/account")
        }
        Err(e) => {
            let status = crate::state::status_of(&e);
            error_in(&st, lang, status, lang.t(Msg::CodeNotChecked), "/signin")
        }
    }
}
