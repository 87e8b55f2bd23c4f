//! Serving under a base path (`--origin https://login.example.se/auth`): every route is
//! nested under the origin's path, directly or behind a reverse proxy that keeps the path.
//!
//! The handlers and pages are written for the root; this layer maps their answers under the
//! path in one place: a `Location` header, the session cookie's `Path`, and the pages' own
//! absolute links (`href="/…"`, `action="/…"`, `data-resume="/…"`) and `data-base=""`, from
//! which the number page's script takes the path (scripts are never rewritten: the CSP allows
//! them by their hash). Text the pages show is escaped (`"` is `&quot;`), so only the
//! provider's own markup has these forms; links to other sites (`https://…`) are left alone. The
//! device-signed requests' signed path is the full one the app sent (`server.rs` reads the
//! original URI).

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{header, HeaderValue};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::Router;

use crate::error::Error;

/// Largest page rewritten (the account page with its QR code is well below).
const MAX_PAGE: usize = 1024 * 1024;

/// The path of a base URL, without a trailing `/` (`https://a.se/auth/` → `/auth`; `""` for
/// none).
pub(crate) fn of(origin: &str) -> &str {
    let authority = origin.find("://").map_or(0, |i| i + 3);
    match origin[authority..].find('/') {
        Some(start) => origin[authority + start..].trim_end_matches('/'),
        None => "",
    }
}

/// `routes` served under `base` (as is for `""`).
pub(crate) fn nest<S: Clone + Send + Sync + 'static>(base: &str, routes: Router<S>) -> Router<S> {
    if base.is_empty() {
        return routes;
    }
    let base_owned: std::sync::Arc<str> = base.into();
    Router::new()
        .nest(base, routes.layer(axum::middleware::from_fn_with_state(base_owned, rewrite)))
}

/// Maps an answer written for the root under `base`.
async fn rewrite(State(base): State<std::sync::Arc<str>>, req: Request, next: Next) -> Response {
    let resp = next.run(req).await;
    let (mut parts, body) = resp.into_parts();
    if let Some(to) = parts.headers.get(header::LOCATION).and_then(|v| v.to_str().ok()) {
        if to.starts_with('/') && !to.starts_with("//") {
            if let Ok(v) = HeaderValue::from_str(&format!("{base}{to}")) {
                parts.headers.insert(header::LOCATION, v);
            }
        }
    }
    let cookies: Vec<HeaderValue> = parts
        .headers
        .get_all(header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .filter_map(|c| {
            HeaderValue::from_str(&c.replace("; Path=/;", &format!("; Path={base};"))).ok()
        })
        .collect();
    if !cookies.is_empty() {
        parts.headers.remove(header::SET_COOKIE);
        for c in cookies {
            parts.headers.append(header::SET_COOKIE, c);
        }
    }
    let html = parts
        .headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|t| t.starts_with("text/html"));
    if !html {
        return Response::from_parts(parts, body);
    }
    let Ok(bytes) = axum::body::to_bytes(body, MAX_PAGE).await else {
        return Error::Internal.into_response();
    };
    let page = String::from_utf8_lossy(&bytes);
    let mut out = page.into_owned();
    for attr in ["href=\"/", "action=\"/", "data-resume=\"/"] {
        let slash = attr.len() - 1;
        out = out.replace(attr, &format!("{}{base}/", &attr[..slash]));
    }
    out = out.replace("data-base=\"\"", &format!("data-base=\"{base}\""));
    parts.headers.remove(header::CONTENT_LENGTH);
    Response::from_parts(parts, Body::from(out))
}

#[cfg(test)]
mod tests {
    use super::of;

    #[test]
    fn the_base_path_of_an_origin() {
        assert_eq!(of("http://127.0.0.1:8080"), "");
        assert_eq!(of("https://login.example.se/"), "");
        assert_eq!(of("https://login.example.se/auth"), "/auth");
        assert_eq!(of("https://login.example.se/a/b/"), "/a/b");
    }
}
