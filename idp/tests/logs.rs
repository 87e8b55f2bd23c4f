//! The provider's structured logs of a full sign-in — enrollment, the sign-in page with a
//! password, the phone's approval, the page's status poll and completion — carry request ids
//! and what happened, and none of the secrets that passed through: the password, the
//! activation code, the TOTP secret, request nonces, device and assertion signatures, the
//! page's status token or the session token.

use std::io::Write;
use std::sync::{Arc, Mutex};

use nyckel_core::clock::{Clock, SystemClock};
use nyckel_core::protocol::wire::unb64;
use nyckel_core::protocol::{self as p, Decision, EnrollUri, HttpRequest, SoftwareKeyStore};
use nyckel_core::random::SystemRandom;
use nyckel_idp::{Config, Provider};

const PASSWORD: &str = "hemligt-lösen-4711";

#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// The device clock (core's).
fn now() -> i64 {
    SystemClock.now()
}

fn send(req: &HttpRequest) -> nyckel_core::protocol::HttpResponse {
    nyckel_http::execute(req).expect("loopback HTTP")
}

fn header<'a>(req: &'a HttpRequest, name: &str) -> &'a str {
    req.headers.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str()).unwrap()
}

fn page_attr(body: &str, name: &str) -> String {
    let start = body.find(&format!("{name}=\"")).expect(name) + name.len() + 2;
    body[start..].split('"').next().unwrap().to_owned()
}

#[test]
fn a_full_sign_in_logs_request_ids_and_no_secret() {
    let captured = Captured::default();
    let writer = captured.clone();
    tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .init();

    let dir = tempfile::tempdir().unwrap();
    let provider = Provider::open(dir.path().join("idp.db"), Config::default()).unwrap();
    let server = provider.spawn("127.0.0.1:0").unwrap();
    let mut secrets: Vec<(&str, String)> = vec![("password", PASSWORD.to_owned())];

    // Enrollment: the activation code and the TOTP secret travel in the URI.
    let uri_text = provider.add_user("anna", Some(PASSWORD), true).unwrap().enroll_uri;
    let uri = EnrollUri::parse(&uri_text).unwrap();
    secrets.push(("activation code", uri.activation_code.clone()));
    let otp_secret: String = uri_text
        .split("secret%3D")
        .nth(1)
        .unwrap()
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric())
        .collect();
    assert!(otp_secret.len() >= 16, "{uri_text}");
    secrets.push(("TOTP secret", otp_secret));
    let keys = SoftwareKeyStore::new();
    let (req, st) =
        p::enroll::begin(&uri, "Annas telefon", Some("push-token"), &keys, &SystemRandom, now())
            .unwrap();
    secrets.push(("enrollment signature", header(&req, "Nyckel-Signature").to_owned()));
    let mut enrollment = st.finish(&send(&req), now()).unwrap();

    // The sign-in page with the password: a number page with the page's status token.
    let form = format!("username=anna&mode=password&password={}", "hemligt-l%C3%B6sen-4711");
    let page = send(&HttpRequest {
        method: "POST".into(),
        url: format!("{}/signin", server.base_url),
        headers: vec![("Content-Type".into(), "application/x-www-form-urlencoded".into())],
        body: form.into_bytes(),
    });
    assert_eq!(page.status, 200);
    let page = String::from_utf8(page.body).unwrap();
    let (id, token) = (page_attr(&page, "data-request"), page_attr(&page, "data-token"));
    secrets.push(("status token", token.clone()));

    // The phone fetches and approves with the number from the page.
    let (req, fetch) = p::fetch_pending(&enrollment, &keys, &SystemRandom, now()).unwrap();
    secrets.push(("request signature", header(&req, "Nyckel-Signature").to_owned()));
    secrets.push(("device request nonce", header(&req, "Nyckel-Nonce").to_owned()));
    let list = p::parse_pending(&mut enrollment, &fetch, &send(&req), now()).unwrap();
    let request = list.into_iter().find(|r| r.id == id).unwrap();
    secrets.push(("sign-in nonce", request.nonce.clone()));
    let number: u8 = page.split("id=\"number\"").nth(1).unwrap().split_once('>').unwrap().1[..2]
        .parse()
        .unwrap();
    let decision = Decision::Approve { number };
    let req = p::respond(&mut enrollment, &request, decision, &keys, now()).unwrap();
    let body: serde_json::Value = serde_json::from_slice(&req.body).unwrap();
    secrets.push(("assertion signature", body["signature"].as_str().unwrap().to_owned()));
    secrets.push(("clientDataJSON", body["clientDataJSON"].as_str().unwrap().to_owned()));
    assert!(unb64(body["signature"].as_str().unwrap()).is_some());
    p::parse_respond_result(&enrollment, &request, decision, &send(&req)).unwrap();

    // The page polls, then completes and gets the session cookie.
    let status = send(&HttpRequest {
        method: "GET".into(),
        url: format!("{}/signin/status/{id}?t={token}", server.base_url),
        headers: vec![],
        body: vec![],
    });
    assert_eq!(status.status, 200);
    let done = send(&HttpRequest {
        method: "POST".into(),
        url: format!("{}/signin/complete/{id}?t={token}", server.base_url),
        headers: vec![],
        body: vec![],
    });
    assert_eq!(done.status, 200);
    let cookie = done
        .headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("set-cookie"))
        .and_then(|(_, v)| v.split(';').next()?.strip_prefix("nyckel_session="))
        .unwrap()
        .to_owned();
    secrets.push(("session token", cookie));
    server.shutdown();

    let logs = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    // The logs are there and say what happened, tied together by request ids.
    for expected in ["device enrolled", "sign-in started", "decision applied", "signed in"] {
        assert!(logs.contains(expected), "no {expected:?} in:\n{logs}");
    }
    assert!(logs.contains("request{id="), "no request span in:\n{logs}");
    assert!(logs.contains(&format!("request={id}")), "the sign-in request is named");
    // And none of the secrets.
    for (what, secret) in &secrets {
        assert!(secret.len() >= 8, "{what} too short to scan for");
        assert!(!logs.contains(secret.as_str()), "the {what} is in the logs:\n{logs}");
    }
    assert!(!logs.contains("number="), "the number is never logged");
}
