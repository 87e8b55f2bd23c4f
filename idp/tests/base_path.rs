//! The provider under a base path (`--origin http://HOST/auth`), over loopback: served
//! directly, and behind a reverse proxy that keeps the path (a TCP relay on another port whose
//! address is the origin). Every page link, redirect and cookie carries the path; enrollment
//! and an approval through core's protocol code (device-signed requests signed over the full
//! path, checked by the provider); the OpenID Connect discovery, authorization code flow and
//! token endpoint under the path; nothing is served at the root.

mod oidc_support;

use std::net::{TcpListener, TcpStream};

use nyckel_core::protocol::{self as p, Decision, HttpRequest};
use nyckel_core::random::SystemRandom;
use nyckel_idp::{ClientSpec, Config, Provider, ServerHandle};
use oidc_support::*;

/// A port nothing listens on now.
fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// A reverse proxy that keeps the path: relays every connection on `port` to `to`.
fn relay(listener: TcpListener, to: std::net::SocketAddr) {
    std::thread::spawn(move || {
        for client in listener.incoming() {
            let Ok(client) = client else { continue };
            let Ok(upstream) = TcpStream::connect(to) else { continue };
            let (mut c2, mut u2) = (client.try_clone().unwrap(), upstream.try_clone().unwrap());
            let (mut c, mut u) = (client, upstream);
            std::thread::spawn(move || {
                let _ = std::io::copy(&mut c2, &mut u2);
                let _ = u2.shutdown(std::net::Shutdown::Write);
            });
            std::thread::spawn(move || {
                let _ = std::io::copy(&mut u, &mut c);
                let _ = c.shutdown(std::net::Shutdown::Write);
            });
        }
    });
}

struct Served {
    provider: Provider,
    _server: ServerHandle,
    /// `http://127.0.0.1:PORT` the clients use (the proxy's, behind a proxy).
    host: String,
    /// `host` + `/auth`.
    origin: String,
    _dir: tempfile::TempDir,
}

fn serve(behind_proxy: bool) -> Served {
    let dir = tempfile::tempdir().unwrap();
    let bind = free_port();
    let proxy = behind_proxy.then(|| TcpListener::bind("127.0.0.1:0").unwrap());
    let public = proxy.as_ref().map_or(bind, |l| l.local_addr().unwrap().port());
    let host = format!("http://127.0.0.1:{public}");
    let origin = format!("{host}/auth");
    let cfg = Config { origin: Some(origin.clone()), ..Config::default() };
    let provider = Provider::open(dir.path().join("idp.db"), cfg).unwrap();
    let server = provider.spawn(&format!("127.0.0.1:{bind}")).unwrap();
    if let Some(l) = proxy {
        relay(l, server.addr);
    }
    Served { provider, _server: server, host, origin, _dir: dir }
}

/// Every absolute link, form target and script path on a page is under `/auth`.
fn all_under_the_path(body: &str) {
    for attr in ["href=\"/", "action=\"/", "data-resume=\"/"] {
        for (i, _) in body.match_indices(attr) {
            let rest = &body[i + attr.len() - 1..];
            assert!(
                rest.starts_with("/auth/"),
                "{attr}… not under /auth: {}",
                &rest[..40.min(rest.len())]
            );
        }
    }
}

fn run(behind_proxy: bool) {
    let s = serve(behind_proxy);
    let mut phone = Phone::enroll(&s.provider, "anna");
    assert!(phone.enrollment.base_url.ends_with("/auth"), "{}", phone.enrollment.base_url);
    let mut browser = Browser::default();

    // Nothing at the root.
    assert_eq!(browser.get(&format!("{}/signin", s.host)).status, 404);
    assert_eq!(browser.get(&format!("{}/.well-known/openid-configuration", s.host)).status, 404);
    // The root of the path redirects to the sign-in page under it.
    let root = browser.get(&s.origin);
    assert_eq!((root.status, header(&root, "location")), (303, Some("/auth/signin")));
    let page = browser.get(&format!("{}/signin", s.origin));
    assert_eq!(page.status, 200);
    assert!(text(&page).contains(r#"action="/auth/signin""#));
    all_under_the_path(&text(&page));

    // Password, then the number approved by the phone (device-signed GET and the assertion).
    let login = form(&[("username", "anna"), ("mode", "password"), ("password", PASSWORD)]);
    let number_page = browser.post(&format!("{}/signin", s.origin), &login);
    let body = text(&number_page);
    assert_eq!(number_page.status, 200, "{body}");
    all_under_the_path(&body);
    assert!(body.contains(r#"data-base="/auth""#), "the script polls under the path");
    // The script is the one the CSP allows by its hash (scripts are never rewritten).
    let script = body.split("<script>").nth(1).unwrap().split("</script>").next().unwrap();
    let hash = {
        use base64::Engine as _;
        let digest = nyckel_core::protocol::wire::sha256(script.as_bytes());
        base64::engine::general_purpose::STANDARD.encode(digest)
    };
    let csp = header(&number_page, "content-security-policy").unwrap();
    assert!(csp.contains(&format!("'sha256-{hash}'")), "{csp}");
    let id = attr(&body, "data-request").unwrap();
    let token = attr(&body, "data-token").unwrap();
    let status = browser.get(&format!("{}/signin/status/{id}?t={token}", s.origin));
    assert_eq!(json(&status)["state"], "pending");
    phone.decide(&id, Decision::Approve { number: number_on(&body) });
    let done = browser.post(&format!("{}/signin/complete/{id}?t={token}", s.origin), "");
    assert_eq!(done.status, 200, "{}", text(&done));
    let cookie = header(&done, "set-cookie").unwrap();
    assert!(cookie.contains("Path=/auth;"), "the session cookie is the path's: {cookie}");
    let account = browser.get(&format!("{}/account", s.origin));
    let account_body = text(&account);
    assert!(account_body.contains("id=\"signed-in\""), "{account_body}");
    all_under_the_path(&account_body);
    // The enrollment code on the account page (a user's first phone) is for the base URL with
    // its path.
    s.provider.add_user("bea", Some(PASSWORD), false).unwrap();
    let mut first = Browser::default();
    let login = form(&[("username", "bea"), ("mode", "password"), ("password", PASSWORD)]);
    first.post(&format!("{}/signin", s.origin), &login);
    let account_body = text(&first.get(&format!("{}/account", s.origin)));
    all_under_the_path(&account_body);
    let enroll =
        account_body.split("id=\"enroll-uri\">").nth(1).unwrap().split('<').next().unwrap();
    let enroll = enroll.replace("&amp;", "&");
    let parsed = nyckel_core::protocol::EnrollUri::parse(&enroll).unwrap();
    assert_eq!(parsed.base_url, s.origin);

    // A device request signed over the path without the base is refused: the provider checks
    // the full path the app sent.
    let mut rootless = phone.enrollment.clone();
    rootless.base_url = s.host.clone();
    let (mut req, _) = p::fetch_pending(&rootless, &phone.keys, &SystemRandom, now()).unwrap();
    req.url = req.url.replace(&s.host, &s.origin);
    let refused = send(&req);
    assert_eq!(refused.status, 401, "{}", text(&refused));
    assert_eq!(json(&refused)["error"], "bad_signature");

    // OpenID Connect: discovery under the path announces the path, and the code flow works.
    let disc = json(&browser.get(&format!("{}/.well-known/openid-configuration", s.origin)));
    assert_eq!(disc["issuer"], s.origin);
    let authorize = disc["authorization_endpoint"].as_str().unwrap().to_owned();
    assert_eq!(authorize, format!("{}/oidc/authorize", s.origin));
    for key in ["token_endpoint", "userinfo_endpoint", "jwks_uri", "end_session_endpoint"] {
        let url = disc[key].as_str().unwrap();
        assert!(url.starts_with(&format!("{}/oidc/", s.origin)), "{key}: {url}");
    }
    assert_eq!(browser.get(disc["jwks_uri"].as_str().unwrap()).status, 200);
    let client = s
        .provider
        .add_client(&ClientSpec {
            name: "App".into(),
            redirect_uris: vec![REDIRECT.into()],
            post_logout_uris: vec![],
            public: false,
            id_token_alg: None,
        })
        .unwrap();
    let mut fresh = Browser::default();
    let query = form(&[
        ("client_id", client.client.id.as_str()),
        ("redirect_uri", REDIRECT),
        ("response_type", "code"),
        ("scope", "openid profile"),
        ("state", "st"),
        ("nonce", "n"),
    ]);
    let signin = fresh.get(&format!("{authorize}?{query}"));
    let signin_body = text(&signin);
    assert_eq!(signin.status, 200, "{signin_body}");
    all_under_the_path(&signin_body);
    let authz = hidden(&signin_body, "authz").unwrap();
    let fields = form(&[
        ("username", "anna"),
        ("mode", "password"),
        ("password", PASSWORD),
        ("authz", &authz),
    ]);
    let numbered = text(&fresh.post(&format!("{}/signin", s.origin), &fields));
    let resume = attr(&numbered, "data-resume").unwrap();
    assert!(resume.starts_with("/auth/oidc/authorize/resume?authz="), "{resume}");
    let (id, token) =
        (attr(&numbered, "data-request").unwrap(), attr(&numbered, "data-token").unwrap());
    phone.decide(&id, Decision::Approve { number: number_on(&numbered) });
    assert_eq!(fresh.post(&format!("{}/signin/complete/{id}?t={token}", s.origin), "").status, 200);
    let answer = fresh.get(&format!("{}{resume}&request={id}&t={token}", s.host));
    let to = location(&answer);
    assert!(to.starts_with(REDIRECT), "{to}");
    assert_eq!(param(&to, "iss").as_deref(), Some(s.origin.as_str()));
    let code = param(&to, "code").unwrap();
    let token_resp = send(&HttpRequest {
        method: "POST".into(),
        url: disc["token_endpoint"].as_str().unwrap().into(),
        headers: vec![("Content-Type".into(), "application/x-www-form-urlencoded".into())],
        body: form(&[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", REDIRECT),
            ("client_id", client.client.id.as_str()),
            ("client_secret", client.secret.as_deref().unwrap()),
        ])
        .into_bytes(),
    });
    assert_eq!(token_resp.status, 200, "{}", text(&token_resp));
    let id_token = json(&token_resp)["id_token"].as_str().unwrap().to_owned();
    let claims: serde_json::Value = {
        use base64::Engine as _;
        let payload = id_token.split('.').nth(1).unwrap();
        serde_json::from_slice(
            &base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(payload).unwrap(),
        )
        .unwrap()
    };
    assert_eq!(claims["iss"], s.origin.as_str());
}

#[test]
fn served_directly_under_a_path() {
    run(false);
}

#[test]
fn behind_a_reverse_proxy_that_keeps_the_path() {
    run(true);
}
