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
use crate::code_html::{self, authz_input};
use crate::decoys;
use crate::error::Error;
use crate::guessing;
use crate::html::{esc, page_in, page_in_posting, AUTO_SUBMIT_JS};
use crate::i18n::{text, Lang, Msg};
use crate::known_browser;
use crate::oidc::discovery::RESUME_PATH;
use crate::oidc::service::SignInFor;
use crate::otp::{self, CodeMethod};
use crate::signin::{self, Kind, Started};
use crate::state::{client_ip, status_of, with_retry_after, AppState};

const COOKIE: &str = "nyckel_session";
/// Longest user name accepted (bytes).
const MAX_USERNAME: usize = 256;
/// Longest password accepted (bytes); longer ones are refused before hashing.
/// Longest request id or status token accepted in a page URL.
pub(crate) const MAX_ID: usize = 64;

/// Page routes.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(|| async { Redirect::to("/signin") }))
        .route("/signin", get(signin_form).post(signin_post))
        .route("/signin/status/{id}", get(signin_status))
        .route("/signin/wait/{id}", post(signin_wait))
        .route("/signin/complete/{id}", post(signin_complete))
        .route("/signout", post(signout))
}

/// Login-CSRF guard for the pages' POSTs: a present `SigninFrom` must be the provider's own origin
/// (scheme, host and port of the configured origin), and a present `Sec-Fetch-Site` must be
/// `same-origin` (or `none`: typed by the user). Browsers send `SigninFrom` with every POST, so
/// another site's form or fetch is refused; a client sending neither header (a script, not a
/// web page) passes.
pub(crate) fn same_origin(st: &AppState, headers: &HeaderMap) -> bool {
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

/// The page refusing another site's form post.
pub(crate) fn cross_site_in(st: &AppState, lang: Lang) -> Response {
    error_in(st, lang, StatusCode::FORBIDDEN, lang.t(Msg::CrossSite), "/signin")
}

/// The session token behind a signed-in page's POST: another site's post gets the refusal
/// page, a browser without a session goes to `/signin`. Whose session it is, and whether it
/// is still live, the action asks the store.
pub(crate) fn own_session_post(
    st: &AppState,
    lang: Lang,
    headers: &HeaderMap,
) -> Result<String, Box<Response>> {
    if !same_origin(st, headers) {
        return Err(Box::new(cross_site_in(st, lang)));
    }
    session_token(headers).ok_or_else(|| Box::new(Redirect::to("/signin").into_response()))
}

/// An error page in `lang` whose "try again" (and language switch) goes to `retry`.
pub(crate) fn error_in(
    st: &AppState,
    lang: Lang,
    status: StatusCode,
    msg: &str,
    retry: &str,
) -> Response {
    let body = format!(
        "<h1>{}</h1><p class=\"error\" id=\"error\">{}</p><a class=\"button\" href=\"{}\">{}</a>",
        esc(lang.t(Msg::ErrorHeading)),
        esc(msg),
        esc(retry),
        esc(lang.t(Msg::TryAgain)),
    );
    let html = page_in(lang, &st.provider.issuer, retry, lang.t(Msg::ErrorTitle), &body);
    (status, Html(html)).into_response()
}

#[derive(Deserialize)]
struct SigninQuery {
    /// The user name typed before ("Försök igen" keeps it).
    #[serde(default)]
    username: Option<String>,
}

async fn signin_form(
    State(st): State<AppState>,
    lang: Lang,
    Query(q): Query<SigninQuery>,
) -> Response {
    let typed = q.username.filter(|u| u.len() <= MAX_USERNAME);
    signin_page_with(&st, lang, None, typed.as_deref())
}

/// The sign-in form; for an OpenID Connect authorization request it names the application,
/// fills in the `login_hint` and carries the waiting request's id (`authz`) through the pages.
pub(crate) fn signin_page(st: &AppState, lang: Lang, oidc: Option<&SignInFor>) -> Response {
    signin_page_with(st, lang, oidc, None)
}

/// [`signin_page`] with the user name typed before filled in.
fn signin_page_with(
    st: &AppState,
    lang: Lang,
    oidc: Option<&SignInFor>,
    typed: Option<&str>,
) -> Response {
    let (title, hint, authz, here) = match oidc {
        Some(o) => (
            esc(&text::sign_in_to(lang, &o.client_name)),
            o.login_hint.as_deref().map(esc).unwrap_or_default(),
            authz_input(&o.authz),
            format!("{RESUME_PATH}?authz={}", o.authz),
        ),
        None => (
            esc(lang.t(Msg::SignInTitle)),
            typed.map(esc).unwrap_or_default(),
            String::new(),
            typed.map_or_else(|| "/signin".to_owned(), retry_with),
        ),
    };
    let t = |m| esc(lang.t(m));
    let mut resp = Html(page_in(
        lang,
        &st.provider.issuer,
        &here,
        lang.t(Msg::SignInTitle),
        &format!(
            r#"<h1>{title}</h1>
<form method="post" action="/signin">{authz}
  <label for="username">{username}</label>
  <input type="text" id="username" name="username" value="{hint}" autocomplete="username" autocapitalize="none" autocorrect="off" spellcheck="false" autofocus required>
  <button type="submit" name="mode" value="password" id="next">{password}</button>
  <button type="submit" name="mode" value="phone" id="phone" class="secondary">{phone}</button>
</form>
<p class="hint">{phone_hint}</p>"#,
            username = t(Msg::Username),
            password = t(Msg::ContinueWithPassword),
            phone = t(Msg::SignInWithPhone),
            phone_hint = t(Msg::PhoneHint),
        ),
    ))
    .into_response();
    resp.headers_mut().insert(header::CACHE_CONTROL, header::HeaderValue::from_static("no-store"));
    resp
}

/// Where the pages go on for a waiting authorization request `authz` (dropped unless well
/// formed): the request itself, its resume URL, and where "Försök igen" leads.
pub(crate) fn continuation(authz: Option<String>) -> (Option<String>, Option<String>, String) {
    let authz = authz.filter(|a| valid_authz(a));
    let resume = authz.as_deref().map(|a| format!("{RESUME_PATH}?authz={a}"));
    let retry = resume.clone().unwrap_or_else(|| "/signin".to_owned());
    (authz, resume, retry)
}

/// The language of a page of an application's sign-in (`authz`): what its `ui_locales` asked
/// for, else the browser's `lang`.
pub(crate) async fn flow_lang(st: &AppState, lang: Lang, authz: Option<&str>) -> Lang {
    let Some(authz) = authz.map(str::to_owned) else { return lang };
    let asked = st.run(move |c, s| crate::oidc::service::ui_lang(c, &s.cfg, &authz)).await;
    asked.ok().flatten().unwrap_or(lang)
}

/// A well-formed `authz` id (base64url, bounded): anything else is dropped.
pub(crate) fn valid_authz(a: &str) -> bool {
    !a.is_empty()
        && a.len() <= MAX_ID
        && a.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

#[derive(Deserialize)]
struct SigninForm {
    username: String,
    #[serde(default)]
    mode: String,
    #[serde(default)]
    password: Option<String>,
    /// A waiting OpenID Connect authorization request (`oidc::service::SignInFor::authz`).
    #[serde(default)]
    authz: Option<String>,
}

/// The approximate location shown on the phone for a client address, in the language of the
/// page that started the request.
pub(crate) fn location_of(lang: Lang, ip: &str) -> String {
    let place =
        if ip.starts_with("127.") || ip == "::1" { Msg::PlaceLoopback } else { Msg::PlaceUnknown };
    lang.t(place).to_owned()
}

async fn signin_post(
    State(st): State<AppState>,
    lang: Lang,
    ci: ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Form(f): Form<SigninForm>,
) -> Response {
    if !same_origin(&st, &headers) {
        return cross_site_in(&st, lang);
    }
    let (authz, resume, retry) = continuation(f.authz);
    let lang = flow_lang(&st, lang, authz.as_deref()).await;
    let username = f.username.trim().to_owned();
    if username.is_empty() || username.len() > MAX_USERNAME {
        let msg = lang.t(Msg::EnterUsername);
        return error_in(&st, lang, StatusCode::BAD_REQUEST, msg, &retry);
    }
    // "Försök igen" keeps the typed name (an application's sign-in resumes its own request).
    let retry = match resume {
        Some(_) => retry,
        None => retry_with(&username),
    };
    let ip = client_ip(&ci, &headers);
    let browser = signin::BrowserStart {
        known: cookie(&headers, known_browser::COOKIE),
        started: cookie(&headers, signin::STARTED_COOKIE),
    };
    let from = signin::SigninFrom {
        app: text::web_app(lang, &st.provider.issuer),
        location: location_of(lang, &ip),
        ip,
    };
    if f.mode == "phone" {
        // One answer for every name (a decoy where no request may be made): the page never
        // tells which users exist or have phone sign-in.
        let r = st
            .run(move |c, s| decoys::start_phone_signin(c, &s.cfg, &username, &from, &browser))
            .await;
        return match r {
            Ok(started) => with_started(
                &st,
                &started,
                number_page(&st, lang, &started, resume.as_deref(), None, true),
            ),
            Err(e) => start_error(&st, lang, &e, &retry),
        };
    }
    let Some(password) = f.password.filter(|p| !p.is_empty()) else {
        let t = |m| esc(lang.t(m));
        return Html(page_in(
            lang,
            &st.provider.issuer,
            &retry,
            lang.t(Msg::PasswordTitle),
            &format!(
                r#"<h1>{heading}</h1><p class="meta">{account}: {0}</p>
<form method="post" action="/signin">{1}
  <input type="hidden" name="username" value="{0}"><input type="hidden" name="mode" value="password">
  <label for="password">{label}</label>
  <input type="password" id="password" name="password" autocomplete="current-password" autofocus required>
  <button type="submit" id="login">{button}</button>
</form>"#,
                esc(&username),
                authz.as_deref().map(authz_input).unwrap_or_default(),
                heading = t(Msg::EnterPassword),
                account = t(Msg::Account),
                label = t(Msg::Password),
                button = t(Msg::SignIn),
            ),
        ))
        .into_response();
    };
    if password.len() > admin::MAX_PASSWORD {
        let msg = lang.t(Msg::PasswordTooLong);
        return error_in(&st, lang, StatusCode::BAD_REQUEST, msg, &retry);
    }
    // Argon2id takes 19 MiB: only so many checks at once (a flood waits briefly, then 503).
    let slot = match st.hashing.slot().await {
        Ok(slot) => slot,
        Err(e) => return start_error(&st, lang, &e, &retry),
    };
    let r = st
        .run(move |c, s| {
            let attempt =
                guessing::AttemptFrom { ip: &from.ip, known_browser: browser.known.as_deref() };
            let checked = guessing::check_password(c, &s.cfg, &username, &password, &attempt);
            drop(slot);
            let Some(user_id) = checked? else {
                return Err(Error::BadPassword);
            };
            let devices = admin::device_presence(c, &user_id)?;
            let code = otp::method(c, &username)? == CodeMethod::Confirmed;
            if devices.active || code {
                // A user with a method never signs in with the password alone: the phone's
                // approval, or the one-time code (at once, when there is no phone to ask).
                let started =
                    signin::start_password_in_browser(c, &s.cfg, &username, &from, &browser)?;
                Ok(match started.code_only {
                    true => Step::Code(started),
                    false => Step::Number(started, code),
                })
            } else if !devices.ever {
                // Bootstrap: a user who never had a device, and has no confirmed one-time code,
                // signs in with the password alone.
                signin::new_session(c, &s.cfg, &user_id).map(Step::Session)
            } else {
                // Every device revoked (a lost phone): the password alone must not enroll a new
                // one; the admin issues a new enrollment code.
                Err(Error::DevicesRevoked)
            }
        })
        .await;
    match r {
        Ok(Step::Number(started, offer_code)) => {
            let code =
                offer_code.then(|| code_html::use_code_form(lang, &started, authz.as_deref()));
            let page = number_page(&st, lang, &started, resume.as_deref(), code.as_deref(), true);
            with_started(&st, &started, page)
        }
        Ok(Step::Code(started)) => {
            let request = (started.id.as_str(), started.status_token.as_str(), authz.as_deref());
            let html = code_html::code_page(lang, &st.provider.issuer, request, &retry, None);
            let mut page = Html(html).into_response();
            page.headers_mut()
                .insert(header::CACHE_CONTROL, header::HeaderValue::from_static("no-store"));
            with_started(&st, &started, page)
        }
        Ok(Step::Session(token)) => {
            with_session(&st, token, Redirect::to("/account").into_response())
        }
        Err(e) => start_error(&st, lang, &e, &retry),
    }
}

/// The sign-in form with `username` filled in (where "Försök igen" leads).
fn retry_with(username: &str) -> String {
    let name: String = url::form_urlencoded::byte_serialize(username.as_bytes()).collect();
    format!("/signin?username={name}")
}

enum Step {
    /// A push request, and whether the user may type a one-time code instead.
    Number(Started, bool),
    /// A request only the user's one-time code completes (no phone to approve it).
    Code(Started),
    Session(String),
}

pub(crate) fn start_error(st: &AppState, lang: Lang, e: &Error, retry: &str) -> Response {
    let fixed = |m| lang.t(m).to_owned();
    let msg = match e {
        Error::TooManyAttempts { retry_after } => {
            text::too_many_attempts(lang, (*retry_after).max(1))
        }
        Error::PasswordLocked => fixed(Msg::PasswordLocked),
        Error::Overloaded => fixed(Msg::Overloaded),
        Error::UnknownUser | Error::BadPassword => fixed(Msg::BadCredentials),
        Error::NoPhoneSignin => fixed(Msg::NoPhoneSignin),
        Error::NoDevice => fixed(Msg::NoDevice),
        Error::DevicesRevoked => fixed(Msg::DevicesRevoked),
        Error::PushPending => fixed(Msg::PushPending),
        Error::RateLimited => fixed(Msg::RateLimited),
        Error::Blocked { retry_after, contact } => {
            text::blocked(lang, (retry_after.max(&1) + 59) / 60, contact.as_deref())
        }
        Error::UserDisabled => fixed(Msg::UserDisabled),
        _ => fixed(Msg::SomethingWentWrong),
    };
    with_retry_after(error_in(st, lang, status_of(e), &msg, retry), e.retry_after())
}

/// Hardening headers on every answer: the CSP (only the pages' own inline script and style,
/// never framed), `X-Content-Type-Options: nosniff`, `Referrer-Policy: same-origin` (page
/// URLs carry status tokens; `no-referrer` would make browsers send `Origin: null`, which
/// the pages' cross-site check refuses), and HSTS when the provider's origin is https.
pub(crate) async fn security_headers(
    axum::extract::State(st): axum::extract::State<AppState>,
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    static CSP: std::sync::OnceLock<header::HeaderValue> = std::sync::OnceLock::new();
    let csp = CSP.get_or_init(|| {
        let policy = crate::html::content_security_policy(&[
            NUMBER_JS,
            AUTO_SUBMIT_JS,
            crate::html::ACCOUNT_JS,
        ]);
        header::HeaderValue::from_str(&policy).expect("a policy of ASCII text")
    });
    let mut resp = next.run(req).await;
    let page = resp
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|t| t.starts_with("text/html"));
    if page {
        crate::lang_web::vary(&mut resp);
    }
    let h = resp.headers_mut();
    h.insert(header::CONTENT_SECURITY_POLICY, csp.clone());
    h.insert(header::X_CONTENT_TYPE_OPTIONS, header::HeaderValue::from_static("nosniff"));
    h.insert(header::REFERRER_POLICY, header::HeaderValue::from_static("same-origin"));
    if st.provider.origin.starts_with("https://") {
        h.insert(
            header::STRICT_TRANSPORT_SECURITY,
            header::HeaderValue::from_static("max-age=31536000"),
        );
    }
    resp
}

pub(crate) fn with_session(st: &AppState, token: String, mut resp: Response) -> Response {
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
  var resume = main.dataset.resume;
  // An approval that opens no session here (Entra's external authentication) continues at
  // once: the provider completes it.
  var noSession = main.dataset.session === 'none';
  // An application's sign-in (OpenID Connect) continues at the provider once decided.
  function leave() {
    if (resume) location.href = resume + '&request=' + encodeURIComponent(id) + '&t=' + encodeURIComponent(t);
  }
  var status = document.getElementById('status'), left = document.getElementById('left');
  // Each state's text, in the page's language, from the status element's data-text-* attributes.
  var texts = {};
  ['pending', 'approved', 'signed_in', 'denied', 'wrong_number', 'reported', 'expired', 'superseded']
    .forEach(function (k) { texts[k] = status.getAttribute('data-text-' + k); });
  var skew = Date.now() / 1000 - (+main.dataset.now);
  function show(state) {
    status.dataset.state = state;
    status.textContent = texts[state] || state;
    if (state !== 'pending' && state !== 'approved') {
      main.classList.add('done');
      document.getElementById('validity').hidden = true;
      var other = document.getElementById('other-way');
      if (other) other.hidden = true;
      document.getElementById(state === 'signed_in' ? 'next' : 'retry').hidden = false;
      leave();
    }
  }
  // Under a base path (`base_path.rs` fills in data-base), the provider's paths start with it.
  var base = main.dataset.base || '';
  var statusUrl = base + '/signin/status/' + encodeURIComponent(id) + '?t=' + encodeURIComponent(t);
  function finish() {
    fetch(base + '/signin/complete/' + encodeURIComponent(id) + '?t=' + encodeURIComponent(t), { method: 'POST', credentials: 'same-origin' })
      .then(function (r) {
        if (r.ok) { show('signed_in'); return; }
        // Refused: say why when the state tells (expired), else "denied".
        fetch(statusUrl, { cache: 'no-store' })
          .then(function (s) { return s.json(); })
          .then(function (j) { show(j.state === 'approved' || !texts[j.state] ? 'denied' : j.state); })
          .catch(function () { show('denied'); });
      })
      .catch(function () { setTimeout(finish, 1000); });
  }
  function poll() {
    var secs = Math.max(0, Math.round(expires - (Date.now() / 1000 - skew)));
    left.textContent = secs;
    fetch(statusUrl, { cache: 'no-store' })
      .then(function (r) { return r.json(); })
      .then(function (j) {
        if (j.state === 'pending') { show('pending'); setTimeout(poll, 1000); }
        else if (j.state === 'approved') { if (noSession) { show('signed_in'); } else { show('approved'); finish(); } }
        else if (j.state === 'completed') { show('signed_in'); }
        else { show(j.state); }
      })
      .catch(function () { setTimeout(poll, 2000); });
  }
  poll();
})();
"#;

/// The page showing the number to type in the app; `other_way` is a form offering another
/// method ("Använd en verifieringskod"), hidden by the page once the request is decided.
/// Without `session`, an approval opens no browser session: the page goes straight on to
/// `resume`, which completes the request (Entra's external authentication). Its language
/// switch starts over (`resume`, or the sign-in form): the page cannot be fetched again.
pub(crate) fn number_page(
    st: &AppState,
    lang: Lang,
    s: &Started,
    resume: Option<&str>,
    other_way: Option<&str>,
    session: bool,
) -> Response {
    // A username-only page says the same whether or not a notification went out (a decoy
    // sends none), so it never tells whether the account exists. A password sign-in created
    // in quiet mode (`docs/protocol.md` §7) says no notification was sent.
    let how = if s.kind == "passwordless" {
        Msg::HowPasswordless
    } else if s.quiet {
        Msg::HowQuiet
    } else {
        Msg::HowPush
    };
    let t = |m| esc(lang.t(m));
    let texts: String = [
        ("pending", Msg::StatusPending),
        ("approved", Msg::StatusApproved),
        ("signed_in", Msg::StatusSignedIn),
        ("denied", Msg::StatusDenied),
        ("wrong_number", Msg::StatusWrongNumber),
        ("reported", Msg::StatusReported),
        ("expired", Msg::StatusExpired),
        ("superseded", Msg::StatusSuperseded),
    ]
    .iter()
    .map(|(state, m)| format!(r#" data-text-{state}="{}""#, t(*m)))
    .collect();
    let restart = resume.unwrap_or("/signin");
    let body = format!(
        r#"<h1>{heading}</h1>
<p>{how}</p>
<h2 class="sr-only">{label}</h2>
<div class="number" id="number">{number}</div>
<p class="status" id="status" data-state="pending"{texts} role="status" aria-live="polite">{pending}</p>
<p class="meta" id="validity">{valid} <span id="left">{ttl}</span> {secs}</p>
<a class="button" id="next" href="{next}" hidden>{next_text}</a>
<a class="button" id="retry" href="{retry}" hidden>{try_again}</a>
{other_way}
<script>{NUMBER_JS}</script>"#,
        heading = t(Msg::ApproveTitle),
        how = t(how),
        label = t(Msg::NumberLabel),
        pending = t(Msg::StatusPending),
        valid = t(Msg::ValidFor),
        secs = t(Msg::Seconds),
        try_again = t(Msg::TryAgain),
        other_way = other_way.unwrap_or_default(),
        number = s.number,
        ttl = st.cfg.request_ttl,
        next = esc(resume.unwrap_or("/account")),
        next_text = t(if resume.is_some() { Msg::Continue } else { Msg::ToYourAccount }),
        retry = esc(restart),
    );
    // The language switch comes back to this page while a password sign-in waits, posting the
    // page token (never in a URL: history, Referer); a username-only page starts over: coming
    // back would tell a real request from a decoy.
    let title = lang.t(Msg::ApproveTitle);
    let issuer = &st.provider.issuer;
    let page = match s.kind == Kind::Push.as_str() && session {
        true => page_in_posting(lang, issuer, wait_form(s, resume).as_parts(), title, &body),
        false => page_in(lang, issuer, restart, title, &body),
    };
    let html = page
        .replacen(
        "<main>",
        &format!(
            r#"<main data-request="{}" data-token="{}" data-expires="{}" data-now="{}" data-base=""{}{}>"#,
            esc(&s.id),
            esc(&s.status_token),
            s.expires_at,
            st.cfg.clock.now(),
            resume.map(|r| format!(r#" data-resume="{}""#, esc(r))).unwrap_or_default(),
            if session { "" } else { r#" data-session="none""# }
        ),
        1,
    );
    let mut resp = Html(html).into_response();
    resp.headers_mut().insert(header::CACHE_CONTROL, header::HeaderValue::from_static("no-store"));
    resp
}

/// Where a waiting password sign-in's number page is shown again, in the other language:
/// `POST /signin/wait/{id}` with the page token `t` (and the waiting application's `authz`).
struct WaitForm {
    action: String,
    fields: String,
}

impl WaitForm {
    fn as_parts(&self) -> (&str, &str) {
        (&self.action, &self.fields)
    }
}

fn wait_form(s: &Started, resume: Option<&str>) -> WaitForm {
    let enc = |v: &str| -> String { url::form_urlencoded::byte_serialize(v.as_bytes()).collect() };
    let authz = resume
        .and_then(|r| r.strip_prefix(RESUME_PATH)?.strip_prefix("?authz="))
        .map(authz_input)
        .unwrap_or_default();
    WaitForm {
        action: format!("/signin/wait/{}", enc(&s.id)),
        fields: format!(
            r#"<input type="hidden" name="t" value="{}">{authz}"#,
            esc(&s.status_token)
        ),
    }
}

#[derive(Deserialize)]
struct WaitBody {
    t: String,
    /// The language chosen (`sv`, `en`); any other keeps the page's.
    #[serde(default)]
    lang: String,
    #[serde(default)]
    authz: Option<String>,
}

/// `POST /signin/wait/{id}` (`t`, `lang`, `authz`): the number page's language switch. Keeps
/// the chosen language (the cookie, as `GET /lang/…` does) and answers with the number page of
/// the password sign-in still waiting, in it; once it is over, the start of its flow. The page
/// token travels in the body, never in a URL. Another site's post is refused.
async fn signin_wait(
    State(st): State<AppState>,
    lang: Lang,
    headers: HeaderMap,
    UrlPath(id): UrlPath<String>,
    Form(q): Form<WaitBody>,
) -> Response {
    if !same_origin(&st, &headers) {
        return cross_site_in(&st, lang);
    }
    let chosen = Lang::from_code(&q.lang);
    let (authz, resume, retry) = continuation(q.authz);
    let lang = flow_lang(&st, chosen.unwrap_or(lang), authz.as_deref()).await;
    let remembered = |mut resp: Response| {
        if let Some(chosen) = chosen {
            crate::lang_web::remember(&st, &mut resp, chosen);
        }
        resp
    };
    if id.len() > MAX_ID || q.t.len() > MAX_ID {
        return remembered(Redirect::to(&retry).into_response());
    }
    let r = st
        .run(move |c, s| {
            let Some((started, name)) = signin::waiting(c, &s.cfg, &id, &q.t)? else {
                return Ok(None);
            };
            let code = otp::method(c, &name)? == CodeMethod::Confirmed;
            Ok(Some((started, code)))
        })
        .await;
    remembered(match r {
        Ok(Some((started, code))) => {
            let other = code.then(|| code_html::use_code_form(lang, &started, authz.as_deref()));
            number_page(&st, lang, &started, resume.as_deref(), other.as_deref(), true)
        }
        Ok(None) | Err(_) => Redirect::to(&retry).into_response(),
    })
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
    headers: HeaderMap,
    UrlPath(id): UrlPath<String>,
    Query(q): Query<TokenQuery>,
) -> Response {
    if let Some(resp) = bad_id_or_token(&id, &q) {
        return resp;
    }
    let known = cookie(&headers, known_browser::COOKIE);
    let r = st
        .run(move |c, s| {
            let status = decoys::page_status(c, &id, &q.t, s.cfg.clock.now())?;
            // A page waiting in a browser recognised as the user's: kept so from now on
            // (for starts that could not read the cookie, such as Entra's cross-site POST).
            if let (Some(known), "pending") = (known, status.state.as_str()) {
                signin::recognise_while_waiting(c, &s.cfg, &id, &q.t, &known)?;
            }
            Ok(status)
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
    let r = st
        .run(move |c, s| {
            // A decoy is never approved, like a real request still pending.
            if decoys::decoy_expiry(c, &id, &q.t)?.is_some() {
                return Err(Error::NotApproved);
            }
            let (session, user) = signin::complete_for_user(c, &s.cfg, &id, &q.t)?;
            let known = known_browser::issue(c, &s.cfg, &user)?;
            Ok((session, Some(known)))
        })
        .await;
    match r {
        Ok((token, known)) => with_known_browser(
            &st,
            known,
            with_session(
                &st,
                token,
                Json(json!({"ok": true, "redirect": "/account"})).into_response(),
            ),
        ),
        Err(e) => e.into_response(),
    }
}

/// The browser's session token (`nyckel_session` cookie), if any.
pub(crate) fn session_token(headers: &HeaderMap) -> Option<String> {
    cookie(headers, COOKIE)
}

/// The value of the browser's cookie `name`, if any.
pub(crate) fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .find_map(|c| {
            let (k, v) = c.trim().split_once('=')?;
            (k == name).then(|| v.to_owned())
        })
}

/// Adds the `nyckel_started` cookie naming `started` (its id and status token) to `resp`: at
/// this browser's next start, the request it replaces (`open_requests.rs`). It lives as long
/// as the request, is sent only to the provider and never read by scripts.
pub(crate) fn with_started(
    st: &AppState,
    started: &signin::Started,
    mut resp: Response,
) -> Response {
    let secure = if st.provider.origin.starts_with("https://") { "; Secure" } else { "" };
    let max_age = st.cfg.request_ttl.max(0);
    let cookie = format!(
        "{}={}; Path=/; Max-Age={max_age}; HttpOnly; SameSite=Lax{secure}",
        signin::STARTED_COOKIE,
        signin::started_cookie(started)
    );
    if let Ok(v) = cookie.parse() {
        resp.headers_mut().append(header::SET_COOKIE, v);
    }
    resp
}

/// Adds the recognised-browser cookie `value` (`known_browser.rs`), if any, to `resp`: kept
/// for the recognition window, sent only to the provider, never read by scripts.
pub(crate) fn with_known_browser(
    st: &AppState,
    value: Option<String>,
    mut resp: Response,
) -> Response {
    let Some(value) = value else { return resp };
    let secure = if st.provider.origin.starts_with("https://") { "; Secure" } else { "" };
    let max_age = st.cfg.open_requests.recognised_for.max(0);
    let cookie = format!(
        "{}={value}; Path=/; Max-Age={max_age}; HttpOnly; SameSite=Lax{secure}",
        known_browser::COOKIE
    );
    if let Ok(v) = cookie.parse() {
        resp.headers_mut().append(header::SET_COOKIE, v);
    }
    resp
}

/// `data` as an inline SVG QR code (or a sentence in `lang` saying it could not be made).
pub(crate) fn qr_svg_in(lang: Lang, data: &str) -> String {
    match qrcode::QrCode::new(data.as_bytes()) {
        Ok(code) => code
            .render::<qrcode::render::svg::Color<'_>>()
            .min_dimensions(240, 240)
            .quiet_zone(true)
            .build()
            .replacen("<?xml version=\"1.0\" standalone=\"yes\"?>", "", 1),
        Err(_) => format!("<p class=\"error\">{}</p>", esc(lang.t(Msg::QrFailed))),
    }
}

async fn signout(State(st): State<AppState>, lang: Lang, headers: HeaderMap) -> Response {
    if !same_origin(&st, &headers) {
        return cross_site_in(&st, lang);
    }
    if let Some(token) = session_token(&headers) {
        let _ = st.run(move |c, _| signin::end_session(c, &token)).await;
    }
    without_session(Redirect::to("/signin").into_response())
}

/// Clears the browser's session cookie on `resp`.
pub(crate) fn without_session(mut resp: Response) -> Response {
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
