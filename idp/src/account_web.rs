//! The account page, the user's security information: their phones (added, last used, "Ta
//! bort" with a warning before the last one goes), their one-time-code method, and "Lägg till
//! telefon" (the QR code, "Öppna i Nyckel" on a phone, and "Telefonen är tillagd ✓" as soon as
//! the app has enrolled, without a reload).

use axum::extract::{ConnectInfo, Form, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::json;
use std::net::SocketAddr;

use crate::account_text as t;
use crate::admin::{self, Removal};
use crate::code_html;
use crate::html::{esc, page, ACCOUNT_JS};
use crate::model::{DeviceId, DeviceInfo};
use crate::otp::{self, AddedCode, CodeMethod};
use crate::signin;
use crate::state::{client_ip, status_of, AppState};
use crate::web::{
    cross_site_page, error_page, error_page_retry, qr_svg, same_origin, session_token,
    without_session, MAX_ID,
};

/// Routes of the account page's actions.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/account", get(account))
        .route("/account/devices/remove", post(remove_device))
        .route("/account/devices/state", get(devices_state))
        .route("/account/code/new", post(add_code))
}

/// A time on the account page, in the provider's time zone ("2026-12-05 14:03").
fn page_time(unix: i64) -> String {
    match jiff::Timestamp::from_second(unix) {
        Ok(t) => {
            t.to_zoned_datetime(jiff::tz::TimeZone::system()).strftime("%Y-%m-%d %H:%M").to_string()
        }
        Err(_) => "–".to_owned(),
    }
}

/// One phone's row: name, added, last used, phone sign-in on/off, status, and "Ta bort" and
/// "Jag har tappat telefonen" while it is active.
fn device_row(d: &DeviceInfo) -> String {
    let actions = match d.revoked_at {
        Some(_) => String::new(),
        None => format!(
            r#"<form method="post" action="/account/devices/remove"><input type="hidden" name="device" value="{id}"><button type="submit" class="secondary" aria-label="{remove_label}">{remove}</button></form><form method="post" action="/account/devices/lost"><input type="hidden" name="device" value="{id}"><button type="submit" class="secondary" aria-label="{lost_label}">{lost}</button></form>"#,
            id = esc(&d.device_id),
            remove_label = esc(&t::remove_label(&d.name)),
            remove = t::REMOVE,
            lost_label = esc(&t::lost_label(&d.name)),
            lost = t::LOST,
        ),
    };
    format!(
        "<tr><td>{name}</td><td>{added}</td><td>{used}</td><td>{signin}</td><td>{status}</td><td>{actions}</td></tr>",
        name = esc(&d.name),
        added = page_time(d.created_at),
        used = d.last_used_at.map(page_time).unwrap_or_else(|| t::NEVER.to_owned()),
        signin = if d.phone_signin { t::ON } else { t::OFF },
        status = if d.revoked_at.is_some() { t::REVOKED } else { t::ACTIVE },
    )
}

/// The one-time-code method's line in the methods list, with "Lägg till verifieringskod"
/// while it is not active.
fn code_line(code: CodeMethod) -> String {
    let text = match code {
        CodeMethod::None => t::CODE_NONE,
        CodeMethod::Unconfirmed => t::CODE_PENDING,
        CodeMethod::Confirmed => t::CODE_ACTIVE,
    };
    let add = match code {
        CodeMethod::Confirmed => String::new(),
        CodeMethod::None | CodeMethod::Unconfirmed => format!(
            r#"<form method="post" action="/account/code/new"><button type="submit" class="secondary" id="add-otp">{}</button></form>"#,
            t::ADD_CODE
        ),
    };
    format!(r#"<p class="meta" id="code-method">{text}</p>{add}"#)
}

/// `GET /account`: the signed-in user's security information.
async fn account(State(st): State<AppState>, headers: HeaderMap) -> Response {
    let Some(token) = session_token(&headers) else {
        return Redirect::to("/signin").into_response();
    };
    let r = st
        .run(move |c, s| {
            let Some((_, name)) = signin::session_user(c, &token, s.cfg.clock.now())? else {
                return Ok(None);
            };
            let enrollment = admin::issue_enrollment(c, &s.cfg, &name)?;
            let devices = admin::list_devices(c, &name)?;
            let code = otp::method(c, &name)?;
            Ok(Some((name, enrollment, devices, code)))
        })
        .await;
    let (name, enrollment, devices, code) = match r {
        Ok(Some(x)) => x,
        Ok(None) => return Redirect::to("/signin").into_response(),
        Err(e) => return error_page(&st, status_of(&e), t::CANNOT_SHOW),
    };
    let active = devices.iter().filter(|d| d.revoked_at.is_none()).count();
    let devices_html = if devices.is_empty() {
        format!("<p class=\"hint\">{}</p>", t::NO_PHONES)
    } else {
        let rows: String = devices.iter().map(device_row).collect();
        format!(
            "<table id=\"phones\"><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr>{rows}</table>",
            t::COL_PHONE,
            t::COL_ADDED,
            t::COL_USED,
            t::COL_PHONE_SIGNIN,
            t::COL_STATUS,
            t::COL_ACTIONS,
        )
    };
    let body = format!(
        r#"<h1 id="signed-in">{heading}</h1>
<section id="methods">
<h2>{methods}</h2>{devices_html}{code_line}
</section>
<section id="add-phone" data-active="{active}" data-base="">
<h2>{add_method}: {add_phone}</h2>
<div id="add-code">
<p>{scan}</p>
<div class="qr" id="qr" role="img" aria-label="{qr_label}">{svg}</div>
<a class="button small-only" id="open-in-app" href="{uri}">{open}</a>
<p class="hint">{open_hint}</p>
<code class="uri" id="enroll-uri">{uri}</code>
</div>
<p class="status" id="added" data-state="signed_in" role="status" aria-live="polite" hidden>{added}</p>
</section>
{code_html}
<form method="post" action="/signout"><button type="submit" class="secondary">{sign_out}</button></form>
<script>{ACCOUNT_JS}</script>"#,
        heading = t::signed_in_as(&esc(&name)),
        methods = t::METHODS,
        code_line = code_line(code),
        add_method = t::ADD_METHOD,
        add_phone = t::ADD_PHONE,
        scan = t::scan_code(st.cfg.activation_ttl / 60),
        qr_label = t::QR_LABEL,
        svg = qr_svg(&enrollment.enroll_uri),
        uri = esc(&enrollment.enroll_uri),
        open = t::OPEN_IN_APP,
        open_hint = t::OPEN_IN_APP_HINT,
        added = t::PHONE_ADDED,
        sign_out = t::SIGN_OUT,
        code_html = code_html::account_section(code, active > 0),
    );
    let mut resp = Html(page(&st.provider.issuer, t::TITLE, &body)).into_response();
    resp.headers_mut().insert(header::CACHE_CONTROL, header::HeaderValue::from_static("no-store"));
    resp
}

/// `GET /account/devices/state`: how many of the signed-in user's phones are active (the
/// account page's script watches it); 401 without a session.
async fn devices_state(State(st): State<AppState>, headers: HeaderMap) -> Response {
    let Some(token) = session_token(&headers) else {
        return (StatusCode::UNAUTHORIZED, Json(json!({"error": "no_session"}))).into_response();
    };
    let r = st
        .run(move |c, s| {
            let Some((_, name)) = signin::session_user(c, &token, s.cfg.clock.now())? else {
                return Ok(None);
            };
            Ok(Some(admin::list_devices(c, &name)?))
        })
        .await;
    let mut resp = match r {
        Ok(Some(devices)) => {
            let active = devices.iter().filter(|d| d.revoked_at.is_none()).count();
            Json(json!({ "active": active })).into_response()
        }
        Ok(None) => {
            (StatusCode::UNAUTHORIZED, Json(json!({"error": "no_session"}))).into_response()
        }
        Err(e) => (status_of(&e), Json(json!({"error": e.code().to_string()}))).into_response(),
    };
    resp.headers_mut().insert(header::CACHE_CONTROL, header::HeaderValue::from_static("no-store"));
    resp
}

#[derive(Deserialize)]
struct RemoveForm {
    device: String,
    /// Present once the user confirmed removing their last phone.
    #[serde(default)]
    confirm: Option<String>,
}

/// `POST /account/devices/remove`: the signed-in user removes one of their phones.
async fn remove_device(
    State(st): State<AppState>,
    ci: ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Form(f): Form<RemoveForm>,
) -> Response {
    if !same_origin(&st, &headers) {
        return cross_site_page(&st);
    }
    let Some(token) = session_token(&headers) else {
        return Redirect::to("/signin").into_response();
    };
    if f.device.is_empty() || f.device.len() > MAX_ID {
        return error_page_retry(&st, StatusCode::BAD_REQUEST, t::UNKNOWN_PHONE, "/account");
    }
    let device = f.device.clone();
    let confirmed = f.confirm.is_some();
    let ip = client_ip(&ci, &headers);
    let r = st
        .run(move |c, s| {
            let Some((_, name)) = signin::session_user(c, &token, s.cfg.clock.now())? else {
                return Ok(None);
            };
            let removal =
                admin::remove_own_device(c, &s.cfg, &name, &DeviceId::new(device), confirmed, &ip)?;
            Ok(Some(removal))
        })
        .await;
    match r {
        Ok(None) => Redirect::to("/signin").into_response(),
        Ok(Some(Removal::NeedsConfirmation)) => last_phone_warning(&st, &f.device),
        Ok(Some(Removal::Removed)) => {
            let body = format!(
                "<h1 id=\"removed\">{}</h1><p>{}</p><a class=\"button\" href=\"/signin\">{}</a>",
                t::REMOVED_TITLE,
                t::REMOVED_TEXT,
                t::SIGN_IN_AGAIN
            );
            without_session(
                Html(page(&st.provider.issuer, t::REMOVED_TITLE, &body)).into_response(),
            )
        }
        Err(e) => error_page_retry(&st, status_of(&e), t::REMOVE_FAILED, "/account"),
    }
}

/// The warning before the user's only phone is removed, with the confirming form.
fn last_phone_warning(st: &AppState, device: &str) -> Response {
    let body = format!(
        r#"<h1>{heading}</h1>
<p class="error" id="remove-warning">{warning}</p>
<form method="post" action="/account/devices/remove"><input type="hidden" name="device" value="{device}"><input type="hidden" name="confirm" value="1"><button type="submit" id="confirm-remove">{anyway}</button></form>
<a class="button secondary" href="/account" id="cancel-remove">{cancel}</a>"#,
        heading = t::LAST_HEADING,
        warning = t::LAST_WARNING,
        anyway = t::REMOVE_ANYWAY,
        cancel = t::CANCEL,
        device = esc(device)
    );
    let mut resp = Html(page(&st.provider.issuer, t::LAST_TITLE, &body)).into_response();
    *resp.status_mut() = StatusCode::CONFLICT;
    resp
}

/// `POST /account/code/new`: "Lägg till verifieringskod" — the secret as a QR code and an
/// `otpauth://` link, and the form that confirms it with a code (`POST /account/code`).
async fn add_code(
    State(st): State<AppState>,
    ci: ConnectInfo<SocketAddr>,
    headers: HeaderMap,
) -> Response {
    if !same_origin(&st, &headers) {
        return cross_site_page(&st);
    }
    let Some(token) = session_token(&headers) else {
        return Redirect::to("/signin").into_response();
    };
    let ip = client_ip(&ci, &headers);
    let r = st
        .run(move |c, s| {
            let now = s.cfg.clock.now();
            let Some((user, name)) = signin::session_user(c, &token, now)? else {
                return Ok(None);
            };
            otp::add_method(c, &user, &name, &ip, now).map(Some)
        })
        .await;
    let uri = match r {
        Ok(None) => return Redirect::to("/signin").into_response(),
        Ok(Some(AddedCode::Confirm(uri))) => uri,
        Ok(Some(AddedCode::AlreadyActive)) => {
            return error_page_retry(&st, StatusCode::CONFLICT, t::ADD_CODE_ACTIVE, "/account")
        }
        Err(e) => return error_page(&st, status_of(&e), t::CANNOT_SHOW),
    };
    let body = format!(
        r#"<h1 id="add-otp-method">{heading}</h1>
<p>{how}</p>
<div class="qr" id="otp-qr" role="img" aria-label="{label}">{svg}</div>
<a class="button small-only" id="otp-open" href="{uri}">{open}</a>
<code class="uri" id="otp-uri">{uri}</code>
<form method="post" action="/account/code">
  <label for="otp-code">{code_label}</label>
  <input type="text" id="otp-code" name="code" inputmode="numeric" autocomplete="one-time-code" pattern="[0-9 ]*" maxlength="{max}" required>
  <button type="submit" id="confirm-otp">{confirm}</button>
</form>
<a class="button secondary" href="/account">{cancel}</a>"#,
        heading = t::ADD_CODE,
        how = t::ADD_CODE_HOW,
        label = t::ADD_CODE_QR_LABEL,
        svg = qr_svg(&uri),
        uri = esc(&uri),
        open = t::ADD_CODE_OPEN,
        code_label = t::ONE_TIME_CODE,
        max = code_html::MAX_CODE,
        confirm = t::ADD_CODE_CONFIRM,
        cancel = t::CANCEL,
    );
    let mut resp = Html(page(&st.provider.issuer, t::ADD_CODE, &body)).into_response();
    resp.headers_mut().insert(header::CACHE_CONTROL, header::HeaderValue::from_static("no-store"));
    resp
}
