//! The provider's structured logs of an OpenID Connect sign-in — client registration, the
//! authorization request, the sign-in pages and the phone's approval, the token and userinfo
//! requests, a replayed code and logout — say what happened and carry none of the secrets
//! that passed through: the client secret, the PKCE verifier, the waiting request's id, the
//! page's status token, the code, the access token, the ID token, the session cookie.

mod oidc_support;

use std::io::Write;
use std::sync::{Arc, Mutex};

use oidc_support::*;

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

#[test]
fn an_openid_connect_sign_in_logs_what_happened_and_no_secret() {
    let captured = Captured::default();
    let writer = captured.clone();
    tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .init();

    let mut idp = Idp::start();
    let rp = idp.client(false, None);
    let mut secrets: Vec<(&str, String)> = vec![("client secret", rp.secret.clone().unwrap())];
    let (verifier, challenge) = pkce();
    secrets.push(("PKCE verifier", verifier.clone()));
    let mut browser = Browser::default();
    let page = browser.get(&idp.authorize_url(&rp, Some(&challenge), &[]));
    secrets.push(("authz", hidden(&text(&page), "authz").unwrap()));
    let answer = idp.sign_in(&mut browser, &page, Mode::Password, Answer::Approve);
    secrets.push(("session cookie", browser.cookie.clone().unwrap()));
    let code = param(&location(&answer), "code").unwrap();
    secrets.push(("code", code.clone()));
    let tokens = json(&idp.token(&rp, &code, Some(&verifier)));
    let access = tokens["access_token"].as_str().unwrap().to_owned();
    let id_token = tokens["id_token"].as_str().unwrap().to_owned();
    assert_eq!(idp.userinfo(&access).status, 200);
    secrets.push(("access token", access));
    secrets.push(("ID token signature", id_token.rsplit('.').next().unwrap().to_owned()));
    assert_eq!(idp.token(&rp, &code, Some(&verifier)).status, 400, "replay refused");
    let out = browser.get(&format!(
        "{}?{}",
        idp.url("/oidc/logout"),
        form(&[("id_token_hint", &id_token), ("post_logout_redirect_uri", POST_LOGOUT)])
    ));
    assert_eq!(out.status, 303);
    secrets.push(("ID token", id_token));
    drop(idp);

    let logs = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    for expected in [
        "client registered",
        "signing keys created",
        "authorization code issued",
        "tokens issued",
        "authorization code replayed",
        "signed out",
    ] {
        assert!(logs.contains(expected), "no {expected:?} in:\n{logs}");
    }
    for (what, secret) in &secrets {
        assert!(secret.len() >= 16, "{what} too short to scan for");
        assert!(!logs.contains(secret.as_str()), "the {what} is in the logs:\n{logs}");
    }
}
