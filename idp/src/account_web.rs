//! The account page, the user's security information: their phones (added, last used, "Ta
//! bort" with a warning before the last one goes), their one-time-code method, and "Lägg till
//! telefon" (the QR code, "Öppna i Nyckel" on a phone, and "Telefonen är tillagd ✓" as soon as
//! the app has enrolled, without a reload).

use axum::extract::{Form, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::json;

use crate::admin::{self, Removal};
use crate::code_html;
use crate::html::{esc, page, ACCOUNT_JS};
use crate::model::{DeviceId, DeviceInfo};
use crate::otp;
use crate::signin;
use crate::state::{status_of, AppState};
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

/// One phone's row: name, kind, added, last used, status, and "Ta bort" while it is active.
fn device_row(d: &DeviceInfo) -> String {
    let remove = match d.revoked_at {
        Some(_) => String::new(),
        None => format!(
            "<form method=\"post\" action=\"/account/devices/remove\"><input type=\"hidden\" name=\"device\" value=\"{id}\"><button type=\"submit\" class=\"secondary\" aria-label=\"Ta bort {name}\">Ta bort</button></form>",
            id = esc(&d.device_id),
            name = esc(&d.name)
        ),
    };
    format!(
        "<tr><td>{name}</td><td>{kind}</td><td>{added}</td><td>{used}</td><td>{status}</td><td>{remove}</td></tr>",
        name = esc(&d.name),
        kind = if d.phone_signin { "Telefoninloggning" } else { "Godkännanden" },
        added = page_time(d.created_at),
        used = d.last_used_at.map(page_time).unwrap_or_else(|| "Aldrig".to_owned()),
        status = if d.revoked_at.is_some() { "Spärrad" } else { "Aktiv" },
    )
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
        Err(e) => return error_page(&st, status_of(&e), "Kontot kunde inte visas."),
    };
    let active = devices.iter().filter(|d| d.revoked_at.is_none()).count();
    let devices_html = if devices.is_empty() {
        "<p class=\"hint\">Inga telefoner registrerade ännu.</p>".to_owned()
    } else {
        let rows: String = devices.iter().map(device_row).collect();
        format!(
            "<table><tr><th>Enhet</th><th>Typ</th><th>Tillagd</th><th>Senast använd</th><th>Status</th><th>Åtgärd</th></tr>{rows}</table>"
        )
    };
    let body = format!(
        r#"<h1 id="signed-in">Inloggad som {name}</h1>
<section id="add-phone" data-active="{active}" data-base="">
<h2>Lägg till telefon</h2>
<div id="add-code">
<p>Skanna koden med Nyckel-appen. Koden kan användas en gång och gäller i {mins} minuter.</p>
<div class="qr" id="qr" role="img" aria-label="QR-kod för att lägga till en telefon i Nyckel">{svg}</div>
<a class="button small-only" id="open-in-app" href="{uri}">Öppna i Nyckel</a>
<p class="hint">Är du på telefonen du vill lägga till? Tryck på Öppna i Nyckel i stället för att skanna.</p>
<code class="uri" id="enroll-uri">{uri}</code>
</div>
<p class="status" id="added" data-state="signed_in" role="status" aria-live="polite" hidden>Telefonen är tillagd ✓</p>
</section>
<h2>Dina telefoner</h2>{devices_html}{code_html}
<form method="post" action="/signout"><button type="submit" class="secondary">Logga ut</button></form>
<script>{ACCOUNT_JS}</script>"#,
        name = esc(&name),
        mins = st.cfg.activation_ttl / 60,
        svg = qr_svg(&enrollment.enroll_uri),
        uri = esc(&enrollment.enroll_uri),
        code_html = code_html::account_section(code, active > 0),
    );
    let mut resp = Html(page(&st.provider.issuer, "Ditt konto", &body)).into_response();
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
        return error_page_retry(&st, StatusCode::BAD_REQUEST, "Okänd telefon.", "/account");
    }
    let device = f.device.clone();
    let confirmed = f.confirm.is_some();
    let r = st
        .run(move |c, s| {
            let Some((_, name)) = signin::session_user(c, &token, s.cfg.clock.now())? else {
                return Ok(None);
            };
            let removal =
                admin::remove_own_device(c, &s.cfg, &name, &DeviceId::new(device), confirmed)?;
            Ok(Some(removal))
        })
        .await;
    match r {
        Ok(None) => Redirect::to("/signin").into_response(),
        Ok(Some(Removal::NeedsConfirmation)) => last_phone_warning(&st, &f.device),
        Ok(Some(Removal::Removed)) => {
            let body = "<h1 id=\"removed\">Telefonen är borttagen</h1>\
                <p>Den kan inte längre godkänna inloggningar, och du har loggats ut överallt.</p>\
                <a class=\"button\" href=\"/signin\">Logga in igen</a>";
            without_session(
                Html(page(&st.provider.issuer, "Telefonen är borttagen", body)).into_response(),
            )
        }
        Err(e) => {
            error_page_retry(&st, status_of(&e), "Telefonen kunde inte tas bort.", "/account")
        }
    }
}

/// The warning before the user's only phone is removed, with the confirming form.
fn last_phone_warning(st: &AppState, device: &str) -> Response {
    let body = format!(
        r#"<h1>Ta bort din enda telefon?</h1>
<p class="error" id="remove-warning">Det här är den enda telefonen på kontot. Tar du bort den kan du inte logga in igen förrän administratören ger dig en ny registreringskod. Lägg hellre till den nya telefonen först och ta bort den gamla sedan.</p>
<form method="post" action="/account/devices/remove"><input type="hidden" name="device" value="{device}"><input type="hidden" name="confirm" value="1"><button type="submit" id="confirm-remove">Ta bort ändå</button></form>
<a class="button secondary" href="/account" id="cancel-remove">Avbryt</a>"#,
        device = esc(device)
    );
    let mut resp = Html(page(&st.provider.issuer, "Ta bort telefon", &body)).into_response();
    *resp.status_mut() = StatusCode::CONFLICT;
    resp
}
