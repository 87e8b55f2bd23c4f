//! The pages' language on the HTTP side: each page handler takes a [`Lang`] (the user's choice
//! in the `nyckel_lang` cookie, else `Accept-Language`, else Swedish), and `GET /lang/{sv|en}`
//! — the switch in every page's header — keeps the choice in that cookie and goes back to the
//! page. A cookie rather than a query parameter, so every form and link keeps the language
//! without carrying it.

use std::convert::Infallible;

use axum::extract::{FromRequestParts, Path as UrlPath, Query, State};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::Router;
use serde::Deserialize;

use crate::i18n::Lang;
use crate::state::AppState;

/// The cookie that keeps the user's choice of language.
const COOKIE: &str = "nyckel_lang";
/// Longest path the switch goes back to.
const MAX_NEXT: usize = 2048;

/// The route of the language switch.
pub(crate) fn routes() -> Router<AppState> {
    Router::new().route("/lang/{code}", get(switch))
}

/// The language of a request with `headers`: the cookie's, else `Accept-Language`'s.
pub(crate) fn lang_of(headers: &HeaderMap) -> Lang {
    let chosen = headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|c| c.trim().split_once('='))
        .find_map(|(k, v)| (k == COOKIE).then(|| Lang::from_code(v)).flatten());
    chosen.unwrap_or_else(|| {
        let accept = headers.get(header::ACCEPT_LANGUAGE).and_then(|v| v.to_str().ok());
        Lang::negotiate(accept)
    })
}

impl<S: Send + Sync> FromRequestParts<S> for Lang {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Lang, Infallible> {
        Ok(lang_of(&parts.headers))
    }
}

#[derive(Deserialize)]
struct SwitchQuery {
    #[serde(default)]
    next: Option<String>,
}

/// `GET /lang/{code}?next=PATH`: keeps `code` in the cookie (a year) and goes back to `PATH`,
/// one of the provider's own paths (anything else, another site included, goes to `/signin`).
async fn switch(
    State(st): State<AppState>,
    UrlPath(code): UrlPath<String>,
    Query(q): Query<SwitchQuery>,
) -> Response {
    let Some(lang) = Lang::from_code(&code) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let next = q.next.filter(|n| own_path(n)).unwrap_or_else(|| "/signin".to_owned());
    let mut resp = Redirect::to(&next).into_response();
    remember(&st, &mut resp, lang);
    resp
}

/// Keeps `lang` as the user's choice: the cookie (a year) on `resp`. Also for a page whose
/// switch posts a form (the number page) and answers in the chosen language itself.
pub(crate) fn remember(st: &AppState, resp: &mut Response, lang: Lang) {
    let secure = if st.provider.origin.starts_with("https://") { "; Secure" } else { "" };
    let cookie =
        format!("{COOKIE}={}; Path=/; Max-Age=31536000; SameSite=Lax{secure}", lang.code());
    if let Ok(v) = HeaderValue::from_str(&cookie) {
        resp.headers_mut().append(header::SET_COOKIE, v);
    }
}

/// A path on this provider (`/signin?username=a`): starts with one `/` (not `//` or `/\`, which
/// browsers read as another host), bounded, printable ASCII only.
fn own_path(p: &str) -> bool {
    p.len() <= MAX_NEXT
        && p.starts_with('/')
        && !p.starts_with("//")
        && !p.starts_with("/\\")
        && p.bytes().all(|b| b.is_ascii_graphic())
}

/// Adds `Vary: Accept-Language, Cookie` to a page: its language depends on both.
pub(crate) fn vary(resp: &mut Response) {
    resp.headers_mut().append(header::VARY, HeaderValue::from_static("Accept-Language, Cookie"));
}

#[cfg(test)]
mod tests {
    use super::own_path;

    #[test]
    fn the_switch_goes_back_only_to_own_paths() {
        for ok in ["/signin", "/signin?username=Anna+%C3%85", "/oidc/resume?authz=abc"] {
            assert!(own_path(ok), "{ok}");
        }
        for bad in [
            "",
            "signin",
            "//evil.example/",
            "/\\evil.example",
            "https://evil.example/",
            "/a b",
            "/a\r\nSet-Cookie:x",
            "/å",
        ] {
            assert!(!own_path(bad), "{bad:?}");
        }
        assert!(!own_path(&format!("/{}", "a".repeat(2048))));
    }
}
