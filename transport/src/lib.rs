#![warn(missing_docs)]
//! `nyckel-http`: the one HTTP transport for the core's sans-I/O requests
//! ([`HttpRequest`] in, [`HttpResponse`] out), a small blocking client (ureq). The `nyckel`
//! CLI, the cross-crate tests and the provider's examples and tests all use it.
//!
//! Rules, from `docs/protocol.md` §1: a provider is `https` (rustls with the webpki roots),
//! except on this computer's loopback address, where plain `http` is allowed (tests, the
//! demo). Every call has a 10 s deadline, a response body larger than 256 KiB is refused,
//! and redirects are never followed (a 3xx comes back to the core as is, which rejects it).
//! Proxies from the environment (`HTTPS_PROXY`, `NO_PROXY`, …) are honoured, except for
//! loopback. A failure is one line naming the host, never the URL's path or query, a header
//! or the body (the request's nonce and signature stay out of error text).

use std::sync::OnceLock;
use std::time::Duration;

use nyckel_core::approvals::HttpTransport;
use nyckel_core::protocol::{HttpRequest, HttpResponse};

/// Deadline for one request, connect to last byte.
pub const TIMEOUT: Duration = Duration::from_secs(10);
/// Largest response body accepted (the protocol's limit).
pub const MAX_RESPONSE: u64 = 256 * 1024;

/// A blocking HTTP transport with the limits above.
pub struct Transport {
    /// For https providers: proxies from the environment.
    remote: ureq::Agent,
    /// For loopback: never through a proxy.
    local: ureq::Agent,
}

impl Default for Transport {
    fn default() -> Self {
        Self::new()
    }
}

impl std::fmt::Debug for Transport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Transport")
    }
}

fn agent(proxy: Option<ureq::Proxy>) -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(TIMEOUT))
        .max_redirects(0)
        .proxy(proxy)
        .user_agent(concat!("nyckel/", env!("CARGO_PKG_VERSION")))
        .build()
        .into()
}

impl Transport {
    /// A transport with the limits above.
    pub fn new() -> Self {
        Transport { remote: agent(ureq::Proxy::try_from_env()), local: agent(None) }
    }
}

/// Sends `request` with a process-wide [`Transport`] and returns the response, whatever
/// its status (`Err`: no response, with a one-line reason). For tests and examples that
/// have no transport of their own.
pub fn execute(request: &HttpRequest) -> Result<HttpResponse, String> {
    static SHARED: OnceLock<Transport> = OnceLock::new();
    SHARED.get_or_init(Transport::new).execute(request.clone())
}

/// `text` on one line: line breaks become spaces, the other characters unsafe to show
/// (`nyckel_core::protocol::wire::is_unsafe_display_char`: control, format — reordering or
/// invisible — and separator characters) are shown escaped.
fn one_line(text: &str) -> String {
    text.chars()
        .flat_map(|c| match c {
            '\n' | '\r' | '\t' => vec![' '],
            c if nyckel_core::protocol::wire::is_unsafe_display_char(c) => {
                c.escape_default().collect()
            }
            c => vec![c],
        })
        .collect()
}

/// The URL's scheme (lower case) and host (without brackets or port).
fn scheme_and_host(url: &str) -> Option<(String, String)> {
    let (scheme, rest) = url.split_once("://")?;
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    let host_port = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    let host = if let Some(v6) = host_port.strip_prefix('[') {
        v6.split_once(']')?.0.to_owned()
    } else {
        host_port.split(':').next().unwrap_or("").to_owned()
    };
    if host.is_empty() {
        return None;
    }
    Some((scheme.to_ascii_lowercase(), host.to_ascii_lowercase()))
}

/// True for `localhost`, 127.0.0.0/8 and `::1`.
fn is_loopback(host: &str) -> bool {
    if host == "localhost" {
        return true;
    }
    host.parse::<std::net::IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

/// Where a request may go, and over which agent.
fn route<'a>(t: &'a Transport, url: &str) -> Result<(&'a ureq::Agent, String), String> {
    let (scheme, host) =
        scheme_and_host(url).ok_or_else(|| "the provider URL is not valid".to_owned())?;
    let local = is_loopback(&host);
    match scheme.as_str() {
        "https" => Ok((if local { &t.local } else { &t.remote }, host)),
        "http" if local => Ok((&t.local, host)),
        "http" => Err(format!("refusing plain http to {host}: providers must use https (http is only for this computer's loopback address)")),
        _ => Err("the provider URL is neither https nor http".to_owned()),
    }
}

fn reason(host: &str, e: &ureq::Error) -> String {
    match e {
        ureq::Error::Timeout(_) => format!("{host} did not answer within {} s", TIMEOUT.as_secs()),
        ureq::Error::HostNotFound => {
            format!("cannot find the host {host} (no network, or a wrong address?)")
        }
        ureq::Error::ConnectionFailed => {
            format!("cannot connect to {host} (is the provider running?)")
        }
        ureq::Error::Io(io) if io.kind() == std::io::ErrorKind::ConnectionRefused => {
            format!("{host} refused the connection (is the provider running?)")
        }
        ureq::Error::BodyExceedsLimit(_) => {
            format!(
                "{host} sent an answer larger than {} KiB; it was not read",
                MAX_RESPONSE / 1024
            )
        }
        ureq::Error::Tls(_) | ureq::Error::Rustls(_) => {
            format!("secure connection to {host} failed: {e}")
        }
        other => format!("talking to {host} failed: {other}"),
    }
}

impl HttpTransport for Transport {
    fn execute(&self, request: HttpRequest) -> Result<HttpResponse, String> {
        let (agent, host) = route(self, &request.url)?;
        let mut builder = ureq::http::Request::builder()
            .method(request.method.as_str())
            .uri(request.url.as_str());
        for (name, value) in &request.headers {
            builder = builder.header(name.as_str(), value.as_str());
        }
        let req = builder
            .body(request.body)
            .map_err(|_| "could not build the HTTP request".to_owned())?;
        let mut resp = agent.run(req).map_err(|e| one_line(&reason(&host, &e)))?;
        let status = resp.status().as_u16();
        let headers = resp
            .headers()
            .iter()
            .filter_map(|(k, v)| Some((k.as_str().to_owned(), v.to_str().ok()?.to_owned())))
            .collect();
        let body = resp
            .body_mut()
            .with_config()
            // ureq refuses a body of exactly `limit` bytes; the protocol allows 256 KiB.
            .limit(MAX_RESPONSE + 1)
            .read_to_vec()
            .map_err(|e| one_line(&reason(&host, &e)))?;
        Ok(HttpResponse { status, headers, body })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts_and_loopback() {
        assert_eq!(
            scheme_and_host("http://127.0.0.1:8080/x"),
            Some(("http".into(), "127.0.0.1".into()))
        );
        assert_eq!(
            scheme_and_host("HTTPS://Idp.Example.se/auth?x"),
            Some(("https".into(), "idp.example.se".into()))
        );
        assert_eq!(scheme_and_host("http://[::1]:9/"), Some(("http".into(), "::1".into())));
        assert_eq!(
            scheme_and_host("http://u@localhost:1"),
            Some(("http".into(), "localhost".into()))
        );
        assert_eq!(scheme_and_host("nonsense"), None);
        assert!(
            is_loopback("127.0.0.1")
                && is_loopback("127.1.2.3")
                && is_loopback("::1")
                && is_loopback("localhost")
        );
        assert!(
            !is_loopback("10.0.0.1")
                && !is_loopback("idp.example.se")
                && !is_loopback("localhost.example.se")
        );
    }

    #[test]
    fn reasons_are_one_line_and_escaped() {
        assert_eq!(one_line("a\nb\r\tc"), "a b  c");
        assert_eq!(one_line("x\u{1b}[31my\u{202E}z"), "x\\u{1b}[31my\\u{202e}z");
        assert_eq!(one_line("👨\u{200D}👩 Skåne"), "👨\u{200D}👩 Skåne");
    }

    #[test]
    fn plain_http_only_on_loopback() {
        let t = Transport::new();
        assert!(route(&t, "http://127.0.0.1:1/nyckel").is_ok());
        assert!(route(&t, "https://idp.example.se/nyckel").is_ok());
        let e = route(&t, "http://idp.example.se/nyckel").unwrap_err();
        assert!(e.contains("https"), "{e}");
        assert!(route(&t, "ftp://127.0.0.1/").is_err());
    }

    /// Answers one request on 127.0.0.1 with `response`; returns the URL.
    fn one_shot(response: Vec<u8>) -> String {
        use std::io::{Read, Write};
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}/nyckel/v1/requests", listener.local_addr().unwrap());
        std::thread::spawn(move || {
            let (mut conn, _) = listener.accept().unwrap();
            let mut seen = Vec::new();
            let mut buf = [0u8; 1024];
            while !seen.windows(4).any(|w| w == b"\r\n\r\n") {
                match conn.read(&mut buf) {
                    Ok(0) | Err(_) => return,
                    Ok(n) => seen.extend_from_slice(&buf[..n]),
                }
            }
            let _ = conn.write_all(&response);
        });
        url
    }

    /// Through the shared transport of [`execute`].
    fn get(url: String) -> Result<HttpResponse, String> {
        execute(&HttpRequest { method: "GET".into(), url, headers: vec![], body: vec![] })
    }

    #[test]
    fn redirects_are_not_followed() {
        let url = one_shot(b"HTTP/1.1 302 Found\r\nLocation: http://127.0.0.1:1/elsewhere\r\nContent-Length: 0\r\n\r\n".to_vec());
        let resp = get(url).unwrap();
        assert_eq!(resp.status, 302);
        assert!(resp
            .headers
            .iter()
            .any(|(k, v)| k.eq_ignore_ascii_case("location") && v.contains("elsewhere")));
    }

    #[test]
    fn large_answers_are_refused() {
        let body = vec![b'x'; 256 * 1024 + 1];
        let mut resp =
            format!("HTTP/1.1 200 OK\r\nContent-Length: {}\r\n\r\n", body.len()).into_bytes();
        resp.extend_from_slice(&body);
        let e = get(one_shot(resp)).unwrap_err();
        assert!(e.contains("larger than 256 KiB"), "{e}");
        // At the limit is fine.
        let body = vec![b'{'; 256 * 1024];
        let mut resp =
            format!("HTTP/1.1 200 OK\r\nContent-Length: {}\r\n\r\n", body.len()).into_bytes();
        resp.extend_from_slice(&body);
        assert_eq!(get(one_shot(resp)).unwrap().body.len(), 256 * 1024);
    }

    #[test]
    fn unreachable_is_an_error_not_a_panic() {
        // Port 1 on loopback: nothing listens there.
        let t = Transport::new();
        let req = HttpRequest {
            method: "GET".into(),
            url: "http://127.0.0.1:1/x".into(),
            headers: vec![],
            body: vec![],
        };
        let e = t.execute(req).unwrap_err();
        assert!(!e.contains('\n'), "{e}");
    }
}
