//! The account page, the user's security information: their phones (added, last used, "Ta
//! bort" and "Jag har tappat telefonen"), their one-time-code method ("Ta bort"), and "Lägg
//! till telefon" (the QR code, "Öppna i Nyckel" on a phone, and "Telefonen är tillagd ✓" as
//! soon as the app has enrolled, without a reload). Removing a method, reporting a phone lost
//! and adding a method to a user who already has one each take a fresh step-up first
//! (`step_up_web.rs`; removing the last method warns there); the session alone shows only the
//! first method's code.

use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde_json::json;

use crate::admin;
use crate::code_html;
use crate::html::{esc, page_in, ACCOUNT_JS};
use crate::i18n::{text, AccountMsg as M, Lang};
use crate::model::DeviceInfo;
use crate::otp::{self, CodeMethod};
use crate::signin;
use crate::state::{status_of, AppState};
use crate::step_up::{self, Adding};
use crate::web::{error_in, qr_svg_in, session_token};

/// Routes of the account page's actions.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/account", get(account))
        .route("/account/devices/state", get(devices_state))
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
fn device_row(lang: Lang, d: &DeviceInfo) -> String {
    let t = |m| lang.t(m);
    let actions = match d.revoked_at {
        Some(_) => String::new(),
        None => format!(
            r#"<form method="post" action="/account/remove"><input type="hidden" name="device" value="{id}"><button type="submit" class="secondary" aria-label="{remove_label}">{remove}</button></form><form method="post" action="/account/devices/lost"><input type="hidden" name="device" value="{id}"><button type="submit" class="secondary" aria-label="{lost_label}">{lost}</button></form>"#,
            id = esc(&d.device_id),
            remove_label = esc(&text::remove_label(lang, &d.name)),
            remove = t(M::Remove),
            lost_label = esc(&text::lost_label(lang, &d.name)),
            lost = t(M::Lost),
        ),
    };
    format!(
        "<tr><td>{name}</td><td>{added}</td><td>{used}</td><td>{signin}</td><td>{status}</td><td>{actions}</td></tr>",
        name = esc(&d.name),
        added = page_time(d.created_at),
        used = d.last_used_at.map(page_time).unwrap_or_else(|| t(M::Never).to_owned()),
        signin = t(if d.phone_signin { M::On } else { M::Off }),
        status = t(if d.revoked_at.is_some() { M::Revoked } else { M::Active }),
    )
}

/// The one-time-code method's line in the methods list, with "Lägg till verifieringskod"
/// while it is not active and "Ta bort verifieringskoden" once it is.
fn code_line(lang: Lang, code: CodeMethod) -> String {
    let text = lang.t(match code {
        CodeMethod::None => M::CodeNone,
        CodeMethod::Unconfirmed => M::CodePending,
        CodeMethod::Confirmed => M::CodeActive,
    });
    let add = match code {
        CodeMethod::Confirmed => format!(
            r#"<form method="post" action="/account/remove"><input type="hidden" name="method" value="code"><button type="submit" class="secondary" id="remove-otp">{}</button></form>"#,
            lang.t(M::RemoveCode)
        ),
        CodeMethod::None | CodeMethod::Unconfirmed => format!(
            r#"<form method="post" action="/account/add"><input type="hidden" name="method" value="code"><button type="submit" class="secondary" id="add-otp">{}</button></form>"#,
            lang.t(M::AddCode)
        ),
    };
    format!(r#"<p class="meta" id="code-method">{text}</p>{add}"#)
}

/// `GET /account`: the signed-in user's security information.
async fn account(State(st): State<AppState>, lang: Lang, headers: HeaderMap) -> Response {
    let t = |m| lang.t(m);
    let Some(token) = session_token(&headers) else {
        return Redirect::to("/signin").into_response();
    };
    let r = st
        .run(move |c, s| {
            let Some((_, name)) = signin::session_user(c, &token, s.cfg.clock.now())? else {
                return Ok(None);
            };
            // A code to add a phone only for the first method, in the session of the
            // enrollment bootstrap; otherwise after a step-up.
            let enrollment = match step_up::adding(c, &name, &token)? {
                Adding::First => Some(admin::issue_enrollment_with(c, &s.cfg, &name, false)?),
                Adding::AfterStepUp | Adding::NotThisSession => None,
            };
            let devices = admin::list_devices(c, &name)?;
            let code = otp::method(c, &name)?;
            Ok(Some((name, enrollment, devices, code)))
        })
        .await;
    let (name, enrollment, devices, code) = match r {
        Ok(Some(x)) => x,
        Ok(None) => return Redirect::to("/signin").into_response(),
        Err(e) => return error_in(&st, lang, status_of(&e), t(M::CannotShow), "/signin"),
    };
    let active = devices.iter().filter(|d| d.revoked_at.is_none()).count();
    let devices_html = if devices.is_empty() {
        format!("<p class=\"hint\">{}</p>", t(M::NoPhones))
    } else {
        let rows: String = devices.iter().map(|d| device_row(lang, d)).collect();
        format!(
            "<table id=\"phones\"><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr>{rows}</table>",
            t(M::ColPhone),
            t(M::ColAdded),
            t(M::ColUsed),
            t(M::ColPhoneSignin),
            t(M::ColStatus),
            t(M::ColActions),
        )
    };
    let add_phone = match &enrollment {
        Some(e) => add_phone_section(&st, lang, &e.enroll_uri, active),
        None => format!(
            r#"<section id="add-method"><h2>{add_method}</h2>
<form method="post" action="/account/add"><input type="hidden" name="method" value="phone"><button type="submit" id="add-phone-button">{add_phone}</button></form></section>"#,
            add_method = t(M::AddMethod),
            add_phone = t(M::AddPhone),
        ),
    };
    let body = format!(
        r#"<h1 id="signed-in">{heading}</h1>
<section id="methods">
<h2>{methods}</h2>{devices_html}{code_line}
</section>
{add_phone}
{code_html}
<form method="post" action="/signout"><button type="submit" class="secondary">{sign_out}</button></form>"#,
        heading = text::signed_in_as(lang, &esc(&name)),
        methods = t(M::Methods),
        code_line = code_line(lang, code),
        sign_out = t(M::SignOut),
        code_html = code_html::account_section_in(lang, code, active > 0),
    );
    let html = page_in(lang, &st.provider.issuer, "/account", t(M::Title), &body);
    let mut resp = Html(html).into_response();
    resp.headers_mut().insert(header::CACHE_CONTROL, header::HeaderValue::from_static("no-store"));
    resp
}

/// "Lägg till telefon": the enrollment code `uri` as a QR code, "Öppna i Nyckel" and its text,
/// and "Telefonen är tillagd ✓", which the script shows once the user has more than `active`
/// active phones.
fn add_phone_section(st: &AppState, lang: Lang, uri: &str, active: usize) -> String {
    let t = |m| lang.t(m);
    format!(
        r#"<section id="add-phone" data-active="{active}" data-base="">
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
<script>{ACCOUNT_JS}</script>"#,
        add_method = t(M::AddMethod),
        add_phone = t(M::AddPhone),
        scan = text::scan_code(lang, st.cfg.activation_ttl / 60),
        qr_label = t(M::QrLabel),
        svg = qr_svg_in(lang, uri),
        uri = esc(uri),
        open = t(M::OpenInApp),
        open_hint = t(M::OpenInAppHint),
        added = t(M::PhoneAdded),
    )
}

/// The page that adds a phone after a step-up (a POST's answer: the switch goes back to the
/// account page).
pub(crate) fn add_phone_page(st: &AppState, lang: Lang, uri: &str, active: usize) -> Response {
    let t = |m| lang.t(m);
    let body = format!(
        r#"<h1 id="add-phone-title">{heading}</h1>
{section}
<a class="button secondary" href="/account" id="add-done">{back}</a>"#,
        heading = t(M::AddPhoneHeading),
        section = add_phone_section(st, lang, uri, active),
        back = t(M::Title),
    );
    let html = page_in(lang, &st.provider.issuer, "/account", t(M::AddPhoneHeading), &body);
    let mut resp = Html(html).into_response();
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

/// "Lägg till verifieringskod" (after a step-up, or as the first method): the secret `uri` as
/// a QR code and an `otpauth://` link, and the form that confirms it with a code
/// (`POST /account/code`).
pub(crate) fn add_code_page(st: &AppState, lang: Lang, uri: &str) -> Response {
    let t = |m| lang.t(m);
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
        heading = t(M::AddCode),
        how = t(M::AddCodeHow),
        label = t(M::AddCodeQrLabel),
        svg = qr_svg_in(lang, uri),
        uri = esc(uri),
        open = t(M::AddCodeOpen),
        code_label = t(M::OneTimeCode),
        max = code_html::MAX_CODE,
        confirm = t(M::AddCodeConfirm),
        cancel = t(M::Cancel),
    );
    // A POST's answer: the switch goes back to the account page.
    let html = page_in(lang, &st.provider.issuer, "/account", t(M::AddCode), &body);
    let mut resp = Html(html).into_response();
    resp.headers_mut().insert(header::CACHE_CONTROL, header::HeaderValue::from_static("no-store"));
    resp
}
