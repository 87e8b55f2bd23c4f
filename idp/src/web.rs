//! Server-rendered pages: sign-in (username → password or phone → the number → live state)
//! and the account page with the enrollment QR code.

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, Form, Path as UrlPath, Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::json;

use crate::admin;
use crate::error::Error;
use crate::html::{esc, page};
use crate::signin::{self, Kind, Started};
use crate::state::{client_ip, status_of, AppState};

const COOKIE: &str = "nyckel_session";
/// Longest password accepted (bytes); longer ones are refused before hashing.
const MAX_PASSWORD: usize = 1024;
/// Longest request id or status token accepted in a page URL.
const MAX_ID: usize = 64;

/// Page routes.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(|| async { Redirect::to("/signin") }))
        .route("/signin", get(signin_form).post(signin_post))
        .route("/signin/status/{id}", get(signin_status))
        .route("/signin/complete/{id}", post(signin_complete))
        .route("/account", get(account))
        .route("/signout", post(signout))
}

/// Login-CSRF guard for the pages' POSTs: a present `SigninFrom` must be the provider's own origin
/// (scheme, host and port of the configured origin), and a present `Sec-Fetch-Site` must be
/// `same-origin` (or `none`: typed by the user). Browsers send `SigninFrom` with every POST, so
/// another site's form or fetch is refused; a client sending neither header (a script, not a
/// web page) passes.
fn same_origin(st: &AppState, headers: &HeaderMap) -> bool {
    let own = origin_of(&st.provider.origin);
    let origin_ok = headers
        .get_all(header::ORIGIN)
        .iter()
        .all(|o| o.to_str().is_ok_and(|o| o.eq_ignore_ascii_case(own)));
    let site_ok = headers.get_all("sec-fetch-site").iter().all(|v| {
        v.to_str()
            .is_ok_and(|v| v.eq_ignore_ascii_case("same-origin") || v.eq_ignore_ascii_case("none"))
    });
    origin_ok && site_ok
}

/// Scheme, host and port of a URL (`https://a.se:8443/x` → `https://a.se:8443`).
fn origin_of(url: &str) -> &str {
    let authority = url.find("://").map_or(0, |i| i + 3);
    match url[authority..].find('/') {
        Some(end) => &url[..authority + end],
        None => url,
    }
}

fn cross_site_page(st: &AppState) -> Response {
    error_page(
        st,
        StatusCode::FORBIDDEN,
        "Begäran kom från en annan webbplats och avvisades. Öppna inloggningssidan direkt.",
    )
}

fn error_page(st: &AppState, status: StatusCode, msg: &str) -> Response {
    let body = format!(
        "<h1>Det gick inte</h1><p class=\"error\" id=\"error\">{}</p><a class=\"button\" href=\"/signin\">Försök igen</a>",
        esc(msg)
    );
    (status, Html(page(&st.provider.issuer, "Fel", &body))).into_response()
}

async fn signin_form(State(st): State<AppState>) -> Html<String> {
    Html(page(
        &st.provider.issuer,
        "Logga in",
        r#"<h1>Logga in</h1>
<form method="post" action="/signin">
  <label for="username">Användarnamn</label>
  <input type="text" id="username" name="username" autocomplete="username" autofocus required>
  <button type="submit" name="mode" value="password" id="next">Fortsätt med lösenord</button>
  <button type="submit" name="mode" value="phone" id="phone" class="secondary">Logga in med telefonen</button>
</form>
<p class="hint">Med telefoninloggning behövs inget lösenord: godkänn i Nyckel-appen.</p>"#,
    ))
}

#[derive(Deserialize)]
struct SigninForm {
    username: String,
    #[serde(default)]
    mode: String,
    #[serde(default)]
    password: Option<String>,
}

fn location_of(ip: &str) -> String {
    if ip.starts_with("127.") || ip == "::1" {
        "Lokalt (loopback)".to_owned()
    } else {
        "Okänd plats".to_owned()
    }
}

async fn signin_post(
    State(st): State<AppState>,
    ci: ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Form(f): Form<SigninForm>,
) -> Response {
    if !same_origin(&st, &headers) {
        return cross_site_page(&st);
    }
    let username = f.username.trim().to_owned();
    if username.is_empty() || username.len() > 256 {
        return error_page(&st, StatusCode::BAD_REQUEST, "Ange ett användarnamn.");
    }
    let ip = client_ip(&ci, &headers);
    let from = signin::SigninFrom {
        app: format!("{} (webb)", st.provider.issuer),
        location: location_of(&ip),
        ip,
    };
    if f.mode == "phone" {
        let r = st
            .run(move |c, s| signin::start(c, &s.cfg, &username, Kind::Passwordless, &from))
            .await;
        return match r {
            Ok(started) => number_page(&st, &started),
            Err(e) => start_error(&st, &e),
        };
    }
    let Some(password) = f.password.filter(|p| !p.is_empty()) else {
        return Html(page(
            &st.provider.issuer,
            "Lösenord",
            &format!(
                r#"<h1>Ange lösenord</h1><p class="meta">Konto: {0}</p>
<form method="post" action="/signin">
  <input type="hidden" name="username" value="{0}"><input type="hidden" name="mode" value="password">
  <label for="password">Lösenord</label>
  <input type="password" id="password" name="password" autocomplete="current-password" autofocus required>
  <button type="submit" id="login">Logga in</button>
</form>"#,
                esc(&username)
            ),
        ))
        .into_response();
    };
    if password.len() > MAX_PASSWORD {
        return error_page(&st, StatusCode::BAD_REQUEST, "Lösenordet är för långt.");
    }
    let r = st
        .run(move |c, s| {
            let Some(user_id) = admin::check_password(c, &username, &password)? else {
                return Err(Error::BadPassword);
            };
            if admin::has_active_device(c, &user_id)? {
                signin::start(c, &s.cfg, &username, Kind::Push, &from).map(Step::Number)
            } else if !admin::has_had_device(c, &user_id)? {
                // Bootstrap: a user who never had a device signs in with the password alone.
                signin::new_session(c, &s.cfg, &user_id, s.cfg.clock.now()).map(Step::Session)
            } else {
                // Every device revoked (a lost phone): the password alone must not enroll a new
                // one; the admin issues a new enrollment code.
                Err(Error::DevicesRevoked)
            }
        })
        .await;
    match r {
        Ok(Step::Number(started)) => number_page(&st, &started),
        Ok(Step::Session(token)) => {
            with_session(&st, token, Redirect::to("/account").into_response())
        }
        Err(e) => start_error(&st, &e),
    }
}

enum Step {
    Number(Started),
    Session(String),
}

fn start_error(st: &AppState, e: &Error) -> Response {
    let msg = match e {
        Error::UnknownUser | Error::BadPassword => "Fel användarnamn eller lösenord.",
        Error::NoPhoneSignin => "Telefoninloggning är inte aktiverad för kontot. Aktivera den i Nyckel-appen.",
        Error::NoDevice => "Kontot har ingen registrerad telefon.",
        Error::DevicesRevoked => "Kontots telefoner är spärrade. Be administratören om en ny registreringskod för att registrera en telefon.",
        Error::PushPending => "En inloggning med lösenord väntar redan på godkännande. Godkänn eller neka den i Nyckel-appen, eller vänta tills den har gått ut.",
        Error::RateLimited => "För många inloggningsförsök. Vänta några minuter.",
        Error::Blocked => "Inloggningen är spärrad efter en rapport om misstänkt aktivitet. Försök senare.",
        _ => "Något gick fel. Försök igen.",
    };
    error_page(st, status_of(e), msg)
}

fn with_session(st: &AppState, token: String, mut resp: Response) -> Response {
    let secure = if st.provider.origin.starts_with("https://") { "; Secure" } else { "" };
    if let Ok(v) = format!("{COOKIE}={token}; Path=/; HttpOnly; SameSite=Lax{secure}").parse() {
        resp.headers_mut().insert(header::SET_COOKIE, v);
    }
    resp
}

const NUMBER_JS: &str = r#"
(function () {
  var main = document.querySelector('main');
  var id = main.dataset.request, t = main.dataset.token, expires = +main.dataset.expires;
  var status = document.getElementById('status'), left = document.getElementById('left');
  var texts = {
    pending: 'Väntar på godkännande…',
    approved: 'Godkänd – loggar in…',
    signed_in: 'Inloggad ✓',
    denied: 'Nekad',
    wrong_number: 'Nekad: fel nummer angavs',
    reported: 'Nekad och rapporterad som misstänkt',
    expired: 'Tidsgränsen gick ut',
    superseded: 'Ersatt av en nyare inloggning'
  };
  var skew = Date.now() / 1000 - (+main.dataset.now);
  function show(state) {
    status.dataset.state = state;
    status.textContent = texts[state] || state;
    if (state !== 'pending' && state !== 'approved') {
      main.classList.add('done');
      document.getElementById('validity').hidden = true;
      document.getElementById(state === 'signed_in' ? 'next' : 'retry').hidden = false;
    }
  }
  function finish() {
    fetch('/signin/complete/' + encodeURIComponent(id) + '?t=' + encodeURIComponent(t), { method: 'POST', credentials: 'same-origin' })
      .then(function (r) { show(r.ok ? 'signed_in' : 'denied'); })
      .catch(function () { setTimeout(finish, 1000); });
  }
  function poll() {
    var secs = Math.max(0, Math.round(expires - (Date.now() / 1000 - skew)));
    left.textContent = secs;
    fetch('/signin/status/' + encodeURIComponent(id) + '?t=' + encodeURIComponent(t), { cache: 'no-store' })
      .then(function (r) { return r.json(); })
      .then(function (j) {
        if (j.state === 'pending') { show('pending'); setTimeout(poll, 1000); }
        else if (j.state === 'approved') { show('approved'); finish(); }
        else if (j.state === 'completed') { show('signed_in'); }
        else { show(j.state); }
      })
      .catch(function () { setTimeout(poll, 2000); });
  }
  poll();
})();
"#;

fn number_page(st: &AppState, s: &Started) -> Response {
    let how = if s.kind == "passwordless" {
        "Öppna Nyckel i telefonen, skriv in numret och bekräfta med biometri eller PIN."
    } else {
        "Öppna Nyckel i telefonen och skriv in numret för att godkänna inloggningen."
    };
    let body = format!(
        r#"<h1>Godkänn inloggningen</h1>
<p>{how}</p>
<div class="number" id="number" aria-label="Nummer att skriva in">{number}</div>
<p class="status" id="status" data-state="pending" role="status" aria-live="polite">Väntar på godkännande…</p>
<p class="meta" id="validity">Giltig i <span id="left">{ttl}</span> s</p>
<a class="button" id="next" href="/account" hidden>Till ditt konto</a>
<a class="button" id="retry" href="/signin" hidden>Försök igen</a>
<script>{NUMBER_JS}</script>"#,
        number = s.number,
        ttl = st.cfg.request_ttl,
    );
    let html = page(&st.provider.issuer, "Godkänn inloggningen", &body).replacen(
        "<main>",
        &format!(
            r#"<main data-request="{}" data-token="{}" data-expires="{}" data-now="{}">"#,
            esc(&s.id),
            esc(&s.status_token),
            s.expires_at,
            st.cfg.clock.now()
        ),
        1,
    );
    let mut resp = Html(html).into_response();
    resp.headers_mut().insert(header::CACHE_CONTROL, header::HeaderValue::from_static("no-store"));
    resp
}

#[derive(Deserialize)]
struct TokenQuery {
    t: String,
}

fn bad_id_or_token(id: &str, q: &TokenQuery) -> Option<Response> {
    (id.len() > MAX_ID || q.t.len() > MAX_ID)
        .then(|| Error::bad_request("request id or token too long").into_response())
}

async fn signin_status(
    State(st): State<AppState>,
    UrlPath(id): UrlPath<String>,
    Query(q): Query<TokenQuery>,
) -> Response {
    if let Some(resp) = bad_id_or_token(&id, &q) {
        return resp;
    }
    let r = st
        .run(move |c, s| {
            signin::check_token(c, &id, &q.t)?;
            signin::status(c, &id, s.cfg.clock.now())
        })
        .await;
    match r {
        Ok(s) => Json(json!({"state": s.state, "expiresAt": s.expires_at})).into_response(),
        Err(e) => e.into_response(),
    }
}

async fn signin_complete(
    State(st): State<AppState>,
    headers: HeaderMap,
    UrlPath(id): UrlPath<String>,
    Query(q): Query<TokenQuery>,
) -> Response {
    if !same_origin(&st, &headers) {
        return Error::CrossOrigin.into_response();
    }
    if let Some(resp) = bad_id_or_token(&id, &q) {
        return resp;
    }
    let r = st.run(move |c, s| signin::complete(c, &s.cfg, &id, &q.t)).await;
    match r {
        Ok(token) => with_session(
            &st,
            token,
            Json(json!({"ok": true, "redirect": "/account"})).into_response(),
        ),
        Err(e) => e.into_response(),
    }
}

fn session_token(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .find_map(|c| {
            let (k, v) = c.trim().split_once('=')?;
            (k == COOKIE).then(|| v.to_owned())
        })
}

fn qr_svg(data: &str) -> String {
    match qrcode::QrCode::new(data.as_bytes()) {
        Ok(code) => code
            .render::<qrcode::render::svg::Color<'_>>()
            .min_dimensions(240, 240)
            .quiet_zone(true)
            .build()
            .replacen("<?xml version=\"1.0\" standalone=\"yes\"?>", "", 1),
        Err(_) => "<p class=\"error\">QR-koden kunde inte skapas.</p>".to_owned(),
    }
}

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
            Ok(Some((name, enrollment, devices)))
        })
        .await;
    let (name, enrollment, devices) = match r {
        Ok(Some(x)) => x,
        Ok(None) => return Redirect::to("/signin").into_response(),
        Err(e) => return error_page(&st, status_of(&e), "Kontot kunde inte visas."),
    };
    let rows: String = devices
        .iter()
        .map(|d| {
            format!(
                "<tr><td>{}</td><td>{}</td><td>{}</td></tr>",
                esc(&d.name),
                if d.phone_signin { "Telefoninloggning" } else { "Godkännanden" },
                if d.revoked_at.is_some() { "Spärrad" } else { "Aktiv" }
            )
        })
        .collect();
    let devices_html = if devices.is_empty() {
        "<p class=\"hint\">Inga telefoner registrerade ännu.</p>".to_owned()
    } else {
        format!("<table><tr><th>Enhet</th><th>Typ</th><th>Status</th></tr>{rows}</table>")
    };
    let body = format!(
        r#"<h1 id="signed-in">Inloggad som {name}</h1>
<h2>Lägg till telefon</h2>
<p>Skanna koden med Nyckel-appen. Koden kan användas en gång och gäller i {mins} minuter.</p>
<div class="qr" id="qr">{svg}</div>
<code class="uri" id="enroll-uri">{uri}</code>
<h2>Dina enheter</h2>{devices_html}
<form method="post" action="/signout"><button type="submit" class="secondary">Logga ut</button></form>"#,
        name = esc(&name),
        mins = st.cfg.activation_ttl / 60,
        svg = qr_svg(&enrollment.enroll_uri),
        uri = esc(&enrollment.enroll_uri),
    );
    let mut resp = Html(page(&st.provider.issuer, "Ditt konto", &body)).into_response();
    resp.headers_mut().insert(header::CACHE_CONTROL, header::HeaderValue::from_static("no-store"));
    resp
}

async fn signout(State(st): State<AppState>, headers: HeaderMap) -> Response {
    if !same_origin(&st, &headers) {
        return cross_site_page(&st);
    }
    if let Some(token) = session_token(&headers) {
        let _ = st.run(move |c, _| signin::end_session(c, &token)).await;
    }
    let mut resp = Redirect::to("/signin").into_response();
    if let Ok(v) = format!("{COOKIE}=; Path=/; Max-Age=0").parse() {
        resp.headers_mut().insert(header::SET_COOKIE, v);
    }
    resp
}

#[cfg(test)]
mod tests {
    use super::origin_of;

    #[test]
    fn origin_of_a_base_url() {
        assert_eq!(origin_of("http://127.0.0.1:8080"), "http://127.0.0.1:8080");
        assert_eq!(origin_of("https://login.example.se/auth"), "https://login.example.se");
        assert_eq!(origin_of("https://idp.example.se:8443/a/b"), "https://idp.example.se:8443");
    }
}
