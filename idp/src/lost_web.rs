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

use crate::code_html::{refusal_status, refusal_text, MAX_CODE};
use crate::error::Error;
use crate::html::{esc, page_in};
use crate::i18n::{text, AccountMsg as M, Lang};
use crate::lost::{self, LostOutcome, StepUps};
use crate::model::{DeviceId, UserId};
use crate::signin::{self, SigninFrom};
use crate::state::{client_ip, status_of, AppState};
use crate::web::{
    cross_site_in, error_in, location_of, same_origin, session_token, start_error, without_session,
    MAX_ID,
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
fn guard(
    st: &AppState,
    lang: Lang,
    headers: &HeaderMap,
    device: &str,
) -> Result<String, Box<Response>> {
    if !same_origin(st, headers) {
        return Err(Box::new(cross_site_in(st, lang)));
    }
    let Some(token) = session_token(headers) else {
        return Err(Box::new(Redirect::to("/signin").into_response()));
    };
    if device.is_empty() || device.len() > MAX_ID {
        let msg = lang.t(M::UnknownPhone);
        return Err(Box::new(error_in(st, lang, StatusCode::BAD_REQUEST, msg, "/account")));
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

fn failed(st: &AppState, lang: Lang, e: &Error) -> Response {
    let t = |m| lang.t(m);
    match e {
        Error::NotFound("device") => {
            error_in(st, lang, StatusCode::NOT_FOUND, t(M::UnknownPhone), "/account")
        }
        Error::NotFound(_) => {
            error_in(st, lang, StatusCode::NOT_FOUND, t(M::LostNotApproved), "/account")
        }
        Error::TooManyAttempts { .. } | Error::PasswordLocked | Error::RateLimited => {
            start_error(st, lang, e, "/account")
        }
        _ => error_in(st, lang, status_of(e), t(M::LostFailed), "/account"),
    }
}

/// `POST /account/devices/lost`: what happens, and the step-ups the user has.
async fn choose(
    State(st): State<AppState>,
    lang: Lang,
    headers: HeaderMap,
    Form(f): Form<DeviceForm>,
) -> Response {
    let token = match guard(&st, lang, &headers, &f.device) {
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
        Ok(Some((name, ups))) => choice_page(&st, lang, &f.device, &name, &ups),
        Err(e) => failed(&st, lang, &e),
    }
}

fn choice_page(st: &AppState, lang: Lang, device: &str, name: &str, ups: &StepUps) -> Response {
    let t = |m| lang.t(m);
    let device = esc(device);
    let last = if ups.other_phones == 0 {
        format!(r#"<p class="error" id="lost-last">{}</p>"#, t(M::LostLast))
    } else {
        String::new()
    };
    let by_phone = if ups.other_phones > 0 {
        format!(
            r#"<form method="post" action="/account/devices/lost/approve"><input type="hidden" name="device" value="{device}"><button type="submit" id="lost-approve">{}</button></form>"#,
            t(M::LostByPhone)
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
            heading = t(M::LostByCodeHeading),
            password = t(M::Password),
            code = t(M::OneTimeCode),
            button = t(M::LostByCode),
        )
    } else {
        String::new()
    };
    let none = if ups.any() {
        String::new()
    } else {
        format!(
            r#"<p class="error" id="lost-no-method">{}</p>"#,
            text::lost_no_method(lang, &esc(name))
        )
    };
    let body = format!(
        r#"<h1>{heading}</h1>
<p id="lost-what">{what}</p>
<p>{why}</p>
{last}{none}{by_phone}{by_code}
<a class="button secondary" href="/account" id="lost-cancel">{cancel}</a>"#,
        heading = text::lost_heading(lang, &esc(&ups.phone)),
        what = t(M::LostWhat),
        why = t(M::LostWhy),
        cancel = t(M::Cancel),
    );
    let html = page_in(lang, &st.provider.issuer, "/account", t(M::Lost), &body);
    let mut resp = Html(html).into_response();
    if !ups.any() {
        *resp.status_mut() = StatusCode::CONFLICT;
    }
    no_store(resp)
}

/// `POST /account/devices/lost/approve`: starts the approval by another phone.
async fn approve(
    State(st): State<AppState>,
    lang: Lang,
    ci: ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Form(f): Form<DeviceForm>,
) -> Response {
    let token = match guard(&st, lang, &headers, &f.device) {
        Ok(t) => t,
        Err(resp) => return *resp,
    };
    let ip = client_ip(&ci, &headers);
    let from = SigninFrom { app: lang.t(M::LostApp).to_owned(), location: location_of(&ip), ip };
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
            let (id, token) = (&started.id, &started.status_token);
            number_page(&st, lang, &f.device, id, token, started.number, None)
        }
        Ok(Some(None)) => {
            let msg = lang.t(M::LostNotApproved);
            error_in(&st, lang, StatusCode::CONFLICT, msg, "/account")
        }
        Err(e) => failed(&st, lang, &e),
    }
}

/// The number to type on the other phone, and "Jag har godkänt" (no script: the form posts
/// the request back; the number travels only for showing it again).
fn number_page(
    st: &AppState,
    lang: Lang,
    device: &str,
    id: &str,
    token: &str,
    number: u8,
    waiting: Option<&str>,
) -> Response {
    let t = |m| lang.t(m);
    let status = waiting
        .map(|m| format!(r#"<p class="status" id="lost-waiting" role="status">{m}</p>"#))
        .unwrap_or_default();
    let body = format!(
        r#"<h1>{title}</h1>
<p>{how}</p>
<h2 class="sr-only">{label}</h2>
<div class="number" id="lost-number">{number}</div>
{status}
<form method="post" action="/account/devices/lost/confirm"><input type="hidden" name="device" value="{device}"><input type="hidden" name="request" value="{id}"><input type="hidden" name="t" value="{token}"><input type="hidden" name="n" value="{number}"><button type="submit" id="lost-confirm">{approved}</button></form>
<a class="button secondary" href="/account" id="lost-cancel">{cancel}</a>"#,
        title = t(M::LostNumberTitle),
        how = t(M::LostNumberHow),
        label = t(M::NumberLabel),
        approved = t(M::LostApproved),
        cancel = t(M::Cancel),
        device = esc(device),
        id = esc(id),
        token = esc(token),
    );
    let html = page_in(lang, &st.provider.issuer, "/account", t(M::LostNumberTitle), &body);
    let mut resp = Html(html).into_response();
    if waiting.is_some() {
        *resp.status_mut() = StatusCode::CONFLICT;
    }
    no_store(resp)
}

/// `POST /account/devices/lost/confirm`: revokes the phone if another phone approved.
async fn confirm(
    State(st): State<AppState>,
    lang: Lang,
    ci: ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Form(f): Form<ConfirmForm>,
) -> Response {
    let token = match guard(&st, lang, &headers, &f.device) {
        Ok(t) => t,
        Err(resp) => return *resp,
    };
    if f.request.len() > MAX_ID || f.t.len() > MAX_ID {
        let msg = lang.t(M::LostNotApproved);
        return error_in(&st, lang, StatusCode::BAD_REQUEST, msg, "/account");
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
            let waiting = Some(lang.t(M::LostStillWaiting));
            number_page(&st, lang, &f.device, &f.request, &f.t, f.n, waiting)
        }
        Ok(Some(outcome)) => outcome_page(&st, lang, outcome),
        Err(e) => failed(&st, lang, &e),
    }
}

/// `POST /account/devices/lost/code`: revokes the phone after the password and a one-time
/// code.
async fn with_code(
    State(st): State<AppState>,
    lang: Lang,
    ci: ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Form(f): Form<CodeForm>,
) -> Response {
    let token = match guard(&st, lang, &headers, &f.device) {
        Ok(t) => t,
        Err(resp) => return *resp,
    };
    if f.password.len() > crate::admin::MAX_PASSWORD || f.code.len() > MAX_CODE {
        return outcome_page(&st, lang, LostOutcome::WrongPassword);
    }
    let ip = client_ip(&ci, &headers);
    let device = DeviceId::new(f.device.clone());
    // Argon2id takes 19 MiB: only so many checks at once.
    let slot = match st.hashing.slot().await {
        Ok(slot) => slot,
        Err(e) => return failed(&st, lang, &e),
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
        Ok(Some(outcome)) => outcome_page(&st, lang, outcome),
        Err(e) => failed(&st, lang, &e),
    }
}

/// The page for a step-up's outcome (other than still waiting).
fn outcome_page(st: &AppState, lang: Lang, outcome: LostOutcome) -> Response {
    let t = |m| lang.t(m);
    let (status, id, msg) = match outcome {
        LostOutcome::Revoked => {
            let body = format!(
                r#"<h1 id="lost-done">{}</h1><p>{}</p><a class="button" href="/signin">{}</a>"#,
                t(M::LostDoneTitle),
                t(M::LostDoneText),
                t(M::SignInAgain)
            );
            let html = page_in(lang, &st.provider.issuer, "/signin", t(M::LostDoneTitle), &body);
            let resp = Html(html).into_response();
            return without_session(no_store(resp));
        }
        LostOutcome::Waiting | LostOutcome::NotApproved | LostOutcome::Unavailable => {
            (StatusCode::CONFLICT, "lost-not-approved", t(M::LostNotApproved).to_owned())
        }
        LostOutcome::ApprovedByLostPhone => {
            (StatusCode::FORBIDDEN, "lost-by-lost-phone", t(M::LostByLostPhone).to_owned())
        }
        LostOutcome::ApprovedByNewPhone => {
            (StatusCode::FORBIDDEN, "lost-by-new-phone", t(M::LostByNewPhone).to_owned())
        }
        LostOutcome::WrongPassword => {
            (StatusCode::UNAUTHORIZED, "lost-wrong-password", t(M::LostWrongPassword).to_owned())
        }
        LostOutcome::Code(r) => {
            (refusal_status(r), "lost-code-refused", refusal_text(lang, r, st.cfg.clock.now()))
        }
    };
    let body = format!(
        r#"<h1>{title}</h1><p class="error" id="{id}" role="alert">{msg}</p><a class="button" href="/account">{back}</a>"#,
        title = t(M::Lost),
        msg = esc(&msg),
        back = t(M::Cancel),
    );
    let html = page_in(lang, &st.provider.issuer, "/account", t(M::Lost), &body);
    let mut resp = Html(html).into_response();
    *resp.status_mut() = status;
    no_store(resp)
}
