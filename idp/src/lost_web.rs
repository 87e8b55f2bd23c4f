//! The account page's "Jag har tappat telefonen" (handlers; `lost.rs` has the rules): the
//! step-up choice, the approval by another phone with number matching, the password and
//! one-time code, and the outcome. Every action is a same-origin POST with a session.

use axum::extract::{ConnectInfo, Form, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::post;
use axum::Router;
use serde::Deserialize;
use std::net::SocketAddr;

use crate::account_text as t;
use crate::code_html::{refusal_status, refusal_text, MAX_CODE};
use crate::error::Error;
use crate::html::{esc, page};
// The account page is Swedish until its texts (account_text.rs) join the catalog.
use crate::i18n::Lang;
use crate::lost::{self, LostOutcome, StepUps};
use crate::model::{DeviceId, UserId};
use crate::signin::{self, SigninFrom};
use crate::state::{client_ip, status_of, AppState};
use crate::web::{
    cross_site_page, error_page_retry, location_of, same_origin, session_token, start_error,
    without_session, MAX_ID,
};

/// Routes of "Jag har tappat telefonen".
pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/account/devices/lost", post(choose))
        .route("/account/devices/lost/approve", post(approve))
        .route("/account/devices/lost/confirm", post(confirm))
        .route("/account/devices/lost/code", post(with_code))
}

#[derive(Deserialize)]
struct DeviceForm {
    device: String,
}

#[derive(Deserialize)]
struct ConfirmForm {
    device: String,
    request: String,
    t: String,
    /// The number the page showed (display only; never checked).
    #[serde(default)]
    n: u8,
}

#[derive(Deserialize)]
struct CodeForm {
    device: String,
    password: String,
    code: String,
}

/// The checks every action makes first: same origin, a session token, a plausible device id.
fn guard(st: &AppState, headers: &HeaderMap, device: &str) -> Result<String, Box<Response>> {
    if !same_origin(st, headers) {
        return Err(Box::new(cross_site_page(st)));
    }
    let Some(token) = session_token(headers) else {
        return Err(Box::new(Redirect::to("/signin").into_response()));
    };
    if device.is_empty() || device.len() > MAX_ID {
        return Err(Box::new(error_page_retry(
            st,
            StatusCode::BAD_REQUEST,
            t::UNKNOWN_PHONE,
            "/account",
        )));
    }
    Ok(token)
}

/// The signed-in user of `token`, or `None`.
fn user_of(
    c: &dyn crate::storage::Store,
    s: &AppState,
    token: &str,
) -> Result<Option<(UserId, String)>, Error> {
    signin::session_user(c, token, s.cfg.clock.now())
}

fn no_store(mut resp: Response) -> Response {
    resp.headers_mut().insert(header::CACHE_CONTROL, header::HeaderValue::from_static("no-store"));
    resp
}

fn failed(st: &AppState, e: &Error) -> Response {
    match e {
        Error::NotFound("device") => {
            error_page_retry(st, StatusCode::NOT_FOUND, t::UNKNOWN_PHONE, "/account")
        }
        Error::NotFound(_) => {
            error_page_retry(st, StatusCode::NOT_FOUND, t::LOST_NOT_APPROVED, "/account")
        }
        Error::TooManyAttempts { .. } | Error::PasswordLocked | Error::RateLimited => {
            start_error(st, Lang::Sv, e, "/account")
        }
        _ => error_page_retry(st, status_of(e), t::LOST_FAILED, "/account"),
    }
}

/// `POST /account/devices/lost`: what happens, and the step-ups the user has.
async fn choose(
    State(st): State<AppState>,
    headers: HeaderMap,
    Form(f): Form<DeviceForm>,
) -> Response {
    let token = match guard(&st, &headers, &f.device) {
        Ok(t) => t,
        Err(resp) => return *resp,
    };
    let device = DeviceId::new(f.device.clone());
    let r = st
        .run(move |c, s| {
            let Some((_, name)) = user_of(c, s, &token)? else { return Ok(None) };
            let ups = lost::step_ups(c, &name, &token, &device)?;
            Ok(Some((name, ups)))
        })
        .await;
    match r {
        Ok(None) => Redirect::to("/signin").into_response(),
        Ok(Some((name, ups))) => choice_page(&st, &f.device, &name, &ups),
        Err(e) => failed(&st, &e),
    }
}

fn choice_page(st: &AppState, device: &str, name: &str, ups: &StepUps) -> Response {
    let device = esc(device);
    let last = if ups.other_phones == 0 {
        format!(r#"<p class="error" id="lost-last">{}</p>"#, t::LOST_LAST)
    } else {
        String::new()
    };
    let by_phone = if ups.other_phones > 0 {
        format!(
            r#"<form method="post" action="/account/devices/lost/approve"><input type="hidden" name="device" value="{device}"><button type="submit" id="lost-approve">{}</button></form>"#,
            t::LOST_BY_PHONE
        )
    } else {
        String::new()
    };
    let by_code = if ups.password_and_code {
        format!(
            r#"<h2>{heading}</h2>
<form method="post" action="/account/devices/lost/code"><input type="hidden" name="device" value="{device}">
  <label for="lost-password">{password}</label>
  <input type="password" id="lost-password" name="password" autocomplete="current-password" required>
  <label for="lost-otp">{code}</label>
  <input type="text" id="lost-otp" name="code" inputmode="numeric" autocomplete="one-time-code" pattern="[0-9 ]*" maxlength="{MAX_CODE}" required>
  <button type="submit" id="lost-code">{button}</button>
</form>"#,
            heading = t::LOST_BY_CODE_HEADING,
            password = t::PASSWORD,
            code = t::ONE_TIME_CODE,
            button = t::LOST_BY_CODE,
        )
    } else {
        String::new()
    };
    let none = if ups.any() {
        String::new()
    } else {
        format!(r#"<p class="error" id="lost-no-method">{}</p>"#, t::lost_no_method(&esc(name)))
    };
    let body = format!(
        r#"<h1>{heading}</h1>
<p id="lost-what">{what}</p>
<p>{why}</p>
{last}{none}{by_phone}{by_code}
<a class="button secondary" href="/account" id="lost-cancel">{cancel}</a>"#,
        heading = t::lost_heading(&esc(&ups.phone)),
        what = t::LOST_WHAT,
        why = t::LOST_WHY,
        cancel = t::CANCEL,
    );
    let mut resp = Html(page(&st.provider.issuer, t::LOST, &body)).into_response();
    if !ups.any() {
        *resp.status_mut() = StatusCode::CONFLICT;
    }
    no_store(resp)
}

/// `POST /account/devices/lost/approve`: starts the approval by another phone.
async fn approve(
    State(st): State<AppState>,
    ci: ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Form(f): Form<DeviceForm>,
) -> Response {
    let token = match guard(&st, &headers, &f.device) {
        Ok(t) => t,
        Err(resp) => return *resp,
    };
    let ip = client_ip(&ci, &headers);
    let from = SigninFrom { app: t::LOST_APP.to_owned(), location: location_of(&ip), ip };
    let device = DeviceId::new(f.device.clone());
    let r = st
        .run(move |c, s| {
            let Some((_, name)) = user_of(c, s, &token)? else { return Ok(None) };
            Ok(Some(lost::start_approval(c, &s.cfg, &name, &token, &device, &from)?))
        })
        .await;
    match r {
        Ok(None) => Redirect::to("/signin").into_response(),
        Ok(Some(Some(started))) => {
            number_page(&st, &f.device, &started.id, &started.status_token, started.number, None)
        }
        Ok(Some(None)) => {
            error_page_retry(&st, StatusCode::CONFLICT, t::LOST_NOT_APPROVED, "/account")
        }
        Err(e) => failed(&st, &e),
    }
}

/// The number to type on the other phone, and "Jag har godkänt" (no script: the form posts
/// the request back; the number travels only for showing it again).
fn number_page(
    st: &AppState,
    device: &str,
    id: &str,
    token: &str,
    number: u8,
    waiting: Option<&str>,
) -> Response {
    let status = waiting
        .map(|m| format!(r#"<p class="status" id="lost-waiting" role="status">{m}</p>"#))
        .unwrap_or_default();
    let body = format!(
        r#"<h1>{title}</h1>
<p>{how}</p>
<div class="number" id="lost-number" aria-label="{label}">{number}</div>
{status}
<form method="post" action="/account/devices/lost/confirm"><input type="hidden" name="device" value="{device}"><input type="hidden" name="request" value="{id}"><input type="hidden" name="t" value="{token}"><input type="hidden" name="n" value="{number}"><button type="submit" id="lost-confirm">{approved}</button></form>
<a class="button secondary" href="/account" id="lost-cancel">{cancel}</a>"#,
        title = t::LOST_NUMBER_TITLE,
        how = t::LOST_NUMBER_HOW,
        label = t::NUMBER_LABEL,
        approved = t::LOST_APPROVED,
        cancel = t::CANCEL,
        device = esc(device),
        id = esc(id),
        token = esc(token),
    );
    let mut resp = Html(page(&st.provider.issuer, t::LOST_NUMBER_TITLE, &body)).into_response();
    if waiting.is_some() {
        *resp.status_mut() = StatusCode::CONFLICT;
    }
    no_store(resp)
}

/// `POST /account/devices/lost/confirm`: revokes the phone if another phone approved.
async fn confirm(
    State(st): State<AppState>,
    ci: ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Form(f): Form<ConfirmForm>,
) -> Response {
    let token = match guard(&st, &headers, &f.device) {
        Ok(t) => t,
        Err(resp) => return *resp,
    };
    if f.request.len() > MAX_ID || f.t.len() > MAX_ID {
        return error_page_retry(&st, StatusCode::BAD_REQUEST, t::LOST_NOT_APPROVED, "/account");
    }
    let ip = client_ip(&ci, &headers);
    let device = DeviceId::new(f.device.clone());
    let (id, status_token) = (f.request.clone(), f.t.clone());
    let r = st
        .run(move |c, s| {
            let Some((user, name)) = user_of(c, s, &token)? else { return Ok(None) };
            let outcome = lost::finish_approval(
                c,
                &s.cfg,
                &user,
                &name,
                &device,
                &token,
                (&id, &status_token),
                &ip,
            )?;
            Ok(Some(outcome))
        })
        .await;
    match r {
        Ok(None) => Redirect::to("/signin").into_response(),
        Ok(Some(LostOutcome::Waiting)) => {
            number_page(&st, &f.device, &f.request, &f.t, f.n, Some(t::LOST_STILL_WAITING))
        }
        Ok(Some(outcome)) => outcome_page(&st, outcome),
        Err(e) => failed(&st, &e),
    }
}

/// `POST /account/devices/lost/code`: revokes the phone after the password and a one-time
/// code.
async fn with_code(
    State(st): State<AppState>,
    ci: ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Form(f): Form<CodeForm>,
) -> Response {
    let token = match guard(&st, &headers, &f.device) {
        Ok(t) => t,
        Err(resp) => return *resp,
    };
    if f.password.len() > crate::admin::MAX_PASSWORD || f.code.len() > MAX_CODE {
        return outcome_page(&st, LostOutcome::WrongPassword);
    }
    let ip = client_ip(&ci, &headers);
    let device = DeviceId::new(f.device.clone());
    // Argon2id takes 19 MiB: only so many checks at once.
    let slot = match st.hashing.slot().await {
        Ok(slot) => slot,
        Err(e) => return failed(&st, &e),
    };
    let r = st
        .run(move |c, s| {
            let _slot = slot;
            let Some((user, name)) = user_of(c, s, &token)? else { return Ok(None) };
            let outcome = lost::with_password_and_code(
                c,
                &s.cfg,
                &user,
                &name,
                (&token, &device),
                &f.password,
                &f.code,
                &ip,
            )?;
            Ok(Some(outcome))
        })
        .await;
    match r {
        Ok(None) => Redirect::to("/signin").into_response(),
        Ok(Some(outcome)) => outcome_page(&st, outcome),
        Err(e) => failed(&st, &e),
    }
}

/// The page for a step-up's outcome (other than still waiting).
fn outcome_page(st: &AppState, outcome: LostOutcome) -> Response {
    let (status, id, msg) = match outcome {
        LostOutcome::Revoked => {
            let body = format!(
                r#"<h1 id="lost-done">{}</h1><p>{}</p><a class="button" href="/signin">{}</a>"#,
                t::LOST_DONE_TITLE,
                t::LOST_DONE_TEXT,
                t::SIGN_IN_AGAIN
            );
            let resp = Html(page(&st.provider.issuer, t::LOST_DONE_TITLE, &body)).into_response();
            return without_session(no_store(resp));
        }
        LostOutcome::Waiting | LostOutcome::NotApproved | LostOutcome::Unavailable => {
            (StatusCode::CONFLICT, "lost-not-approved", t::LOST_NOT_APPROVED.to_owned())
        }
        LostOutcome::ApprovedByLostPhone => {
            (StatusCode::FORBIDDEN, "lost-by-lost-phone", t::LOST_BY_LOST_PHONE.to_owned())
        }
        LostOutcome::ApprovedByNewPhone => {
            (StatusCode::FORBIDDEN, "lost-by-new-phone", t::LOST_BY_NEW_PHONE.to_owned())
        }
        LostOutcome::WrongPassword => {
            (StatusCode::UNAUTHORIZED, "lost-wrong-password", t::LOST_WRONG_PASSWORD.to_owned())
        }
        LostOutcome::Code(r) => {
            (refusal_status(r), "lost-code-refused", refusal_text(Lang::Sv, r, st.cfg.clock.now()))
        }
    };
    let body = format!(
        r#"<h1>{title}</h1><p class="error" id="{id}" role="alert">{msg}</p><a class="button" href="/account">{back}</a>"#,
        title = t::LOST,
        msg = esc(&msg),
        back = t::CANCEL,
    );
    let mut resp = Html(page(&st.provider.issuer, t::LOST, &body)).into_response();
    *resp.status_mut() = status;
    no_store(resp)
}
