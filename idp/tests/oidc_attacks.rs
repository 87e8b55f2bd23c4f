//! Attacks on the OpenID Connect provider over loopback: open redirects, code injection
//! across clients, PKCE downgrade and wrong verifiers, code replay (which revokes what the
//! code issued), expired codes, nonce binding, mix-up (`iss` on every answer), cross-site
//! POSTs to the authorization endpoint and the sign-in form, another user's session cookie,
//! and client authentication.

mod oidc_support;

use nyckel_core::protocol::{HttpRequest, HttpResponse};
use oidc_support::*;

/// Signs `anna` in for `rp` and returns the code (and the verifier when PKCE was used).
fn code_for(idp: &mut Idp, rp: &Rp, pkce_pair: Option<&(String, String)>, nonce: &str) -> String {
    let mut browser = Browser::default();
    let page =
        browser.get(&idp.authorize_url(rp, pkce_pair.map(|p| p.1.as_str()), &[("nonce", nonce)]));
    let to = location(&idp.sign_in(&mut browser, &page, Mode::Password, Answer::Approve));
    param(&to, "code").unwrap()
}

fn error_of(resp: &HttpResponse) -> String {
    json(resp)["error"].as_str().unwrap_or_default().to_owned()
}

#[test]
fn an_unregistered_redirect_uri_or_unknown_client_never_redirects() {
    let idp = Idp::start();
    let rp = idp.client(false, None);
    for (k, v) in [
        ("redirect_uri", "https://evil.example/cb"),
        ("redirect_uri", "http://127.0.0.1:9/cb/../evil"),
        ("redirect_uri", "http://127.0.0.1:9/cb?next=https://evil.example"),
        ("client_id", "no-such-client"),
    ] {
        // Even a bad response_type, which would otherwise be sent to the client, stays here.
        let url = idp.authorize_url(&rp, None, &[(k, v), ("response_type", "token")]);
        let resp = Browser::default().get(&url);
        assert_eq!(resp.status, 400, "{k}={v}");
        assert!(header(&resp, "location").is_none(), "{k}={v}");
        assert!(text(&resp).contains("id=\"error\""));
        assert!(!text(&resp).contains("evil.example"), "the page does not link the address");
    }
}

#[test]
fn a_code_is_useless_to_another_client() {
    let mut idp = Idp::start();
    let a = idp.client(false, None);
    let b = idp.client(false, None);
    let code = code_for(&mut idp, &a, None, "n");
    let stolen = idp.token(&b, &code, None);
    assert_eq!((stolen.status, error_of(&stolen).as_str()), (400, "invalid_grant"));
    // A public client cannot redeem a confidential client's code either.
    let public = idp.client(true, None);
    let stolen = idp.token(&public, &code, Some("x".repeat(43).as_str()));
    assert_eq!(error_of(&stolen), "invalid_grant");
}

#[test]
fn pkce_cannot_be_downgraded_or_guessed() {
    let mut idp = Idp::start();
    let public = idp.client(true, None);
    // A public client must use S256; plain and absent are refused at the client's URI.
    let plain = Browser::default().get(&idp.authorize_url(
        &public,
        None,
        &[("code_challenge", "abc"), ("code_challenge_method", "plain")],
    ));
    let to = location(&plain);
    assert!(to.starts_with(&format!("{REDIRECT}?error=invalid_request")), "{to}");
    let none = location(&Browser::default().get(&idp.authorize_url(&public, None, &[])));
    assert!(none.contains("error=invalid_request"), "{none}");

    // With a challenge, the code needs its verifier: none, or a wrong one, is refused.
    let pair = pkce();
    let code = code_for(&mut idp, &public, Some(&pair), "n");
    assert_eq!(error_of(&idp.token(&public, &code, None)), "invalid_grant");
    let other = pkce();
    let code = code_for(&mut idp, &public, Some(&pair), "n");
    assert_eq!(error_of(&idp.token(&public, &code, Some(&other.0))), "invalid_grant");
    // A confidential client's code issued without a challenge refuses a verifier (downgrade).
    let conf = idp.client(false, None);
    let code = code_for(&mut idp, &conf, None, "n");
    assert_eq!(error_of(&idp.token(&conf, &code, Some(&pair.0))), "invalid_grant");
    let code = code_for(&mut idp, &public, Some(&pair), "n");
    assert_eq!(idp.token(&public, &code, Some(&pair.0)).status, 200);
}

#[test]
fn a_replayed_code_is_refused_and_revokes_its_access_token() {
    let mut idp = Idp::start();
    let rp = idp.client(false, None);
    let code = code_for(&mut idp, &rp, None, "n");
    let first = idp.token(&rp, &code, None);
    assert_eq!(first.status, 200);
    let access = json(&first)["access_token"].as_str().unwrap().to_owned();
    assert_eq!(idp.userinfo(&access).status, 200);
    let replay = idp.token(&rp, &code, None);
    assert_eq!(error_of(&replay), "invalid_grant");
    let info = idp.userinfo(&access);
    assert_eq!(info.status, 401, "the first use's token is revoked");
    assert!(header(&info, "www-authenticate").is_some_and(|h| h.contains("invalid_token")));
}

#[test]
fn a_code_expires_after_a_minute() {
    let mut idp = Idp::start();
    let rp = idp.client(false, None);
    let code = code_for(&mut idp, &rp, None, "n");
    idp.advance(61);
    assert_eq!(error_of(&idp.token(&rp, &code, None)), "invalid_grant");
}

#[test]
fn each_code_carries_its_own_requests_nonce() {
    let mut idp = Idp::start();
    let rp = idp.client(false, None);
    let first = code_for(&mut idp, &rp, None, "nonce-one");
    let second = code_for(&mut idp, &rp, None, "nonce-two");
    for (code, nonce) in [(second, "nonce-two"), (first, "nonce-one")] {
        let t = json(&idp.token(&rp, &code, None));
        let claims = idp.verify_id_token(&rp, t["id_token"].as_str().unwrap());
        assert_eq!(claims["nonce"], nonce);
    }
}

#[test]
fn every_answer_names_the_issuer() {
    let mut idp = Idp::start();
    let rp = idp.client(false, None);
    let iss = idp.issuer();
    let mut browser = Browser::default();
    let page = browser.get(&idp.authorize_url(&rp, None, &[]));
    let ok = location(&idp.sign_in(&mut browser, &page, Mode::Password, Answer::Approve));
    let err =
        location(&Browser::default().get(&idp.authorize_url(&rp, None, &[("scope", "profile")])));
    assert!(err.contains("error=invalid_scope"), "{err}");
    for to in [ok, err] {
        assert_eq!(param(&to, "iss").as_deref(), Some(iss.as_str()), "{to}");
    }
}

#[test]
fn a_cross_site_post_to_authorize_never_uses_the_session() {
    let mut idp = Idp::start();
    let rp = idp.client(false, None);
    let mut browser = Browser::default();
    let page = browser.get(&idp.authorize_url(&rp, None, &[]));
    location(&idp.sign_in(&mut browser, &page, Mode::Password, Answer::Approve));
    let body = idp.authorize_url(&rp, None, &[]).split_once('?').unwrap().1.to_owned();

    // Another site's auto-submitting form: the user must sign in; prompt=none gets no code.
    let mut evil = browser.clone();
    evil.extra = vec![
        ("Origin".into(), "https://evil.example".into()),
        ("Sec-Fetch-Site".into(), "cross-site".into()),
    ];
    let resp = evil.post(&idp.url("/oidc/authorize"), &body);
    assert_eq!(resp.status, 200);
    assert!(hidden(&text(&resp), "authz").is_some(), "the sign-in page, not a code");
    let silent = evil.post(&idp.url("/oidc/authorize"), &format!("{body}&prompt=none"));
    assert!(location(&silent).contains("error=login_required"));
    // The sign-in form refuses another site's POST, so it cannot be driven cross-site.
    let authz = hidden(&text(&resp), "authz").unwrap();
    let forged = evil.post(
        &idp.url("/signin"),
        &form(&[("username", "anna"), ("mode", "phone"), ("authz", &authz)]),
    );
    assert_eq!(forged.status, 403);
    // The same POST from the provider's own pages (or a script) uses the session.
    let own = browser.post(&idp.url("/oidc/authorize"), &body);
    assert!(param(&location(&own), "code").is_some());
}

#[test]
fn a_session_cookie_of_another_user_does_not_complete_a_sign_in() {
    let mut idp = Idp::start();
    let rp = idp.client(false, None);
    // Bert signs in (any way) and holds a session.
    let mut bert_phone = Phone::enroll(&idp.provider, "bert");
    let mut bert = Browser::default();
    let bert_page = bert.get(&idp.authorize_url(&rp, None, &[]));
    let authz = hidden(&text(&bert_page), "authz").unwrap();
    let np = bert.post(
        &idp.url("/signin"),
        &form(&[
            ("username", "bert"),
            ("mode", "password"),
            ("password", PASSWORD),
            ("authz", &authz),
        ]),
    );
    let body = text(&np);
    let (id, t) = (attr(&body, "data-request").unwrap(), attr(&body, "data-token").unwrap());
    let number = number_on(&body);
    bert_phone.decide(&id, nyckel_core::protocol::Decision::Approve { number });
    assert_eq!(bert.post(&idp.url(&format!("/signin/complete/{id}?t={t}")), "").status, 200);

    // Anna's sign-in completes in her browser; a resume carrying Bert's cookie gets no code.
    let mut anna = Browser::default();
    let page = anna.get(&idp.authorize_url(&rp, None, &[]));
    let authz = hidden(&text(&page), "authz").unwrap();
    let np = anna.post(
        &idp.url("/signin"),
        &form(&[
            ("username", "anna"),
            ("mode", "password"),
            ("password", PASSWORD),
            ("authz", &authz),
        ]),
    );
    let body = text(&np);
    let (id, t) = (attr(&body, "data-request").unwrap(), attr(&body, "data-token").unwrap());
    let number = number_on(&body);
    idp.phone.decide(&id, nyckel_core::protocol::Decision::Approve { number });
    assert_eq!(anna.post(&idp.url(&format!("/signin/complete/{id}?t={t}")), "").status, 200);
    let resume = attr(&body, "data-resume").unwrap();
    let mut mixed = anna.clone();
    mixed.cookie = bert.cookie.clone();
    let to = location(&mixed.get(&format!("{}{resume}&request={id}&t={t}", idp.issuer())));
    assert!(to.contains("error=access_denied"), "{to}");
    assert!(param(&to, "code").is_none());
}

#[test]
fn client_authentication_is_enforced() {
    let mut idp = Idp::start();
    let rp = idp.client(false, None);
    let code = code_for(&mut idp, &rp, None, "n");
    let wrong = Rp { id: rp.id.clone(), secret: Some("not-the-secret".into()) };
    let resp = idp.token(&wrong, &code, None);
    assert_eq!((resp.status, error_of(&resp).as_str()), (401, "invalid_client"));
    assert!(header(&resp, "www-authenticate").is_some_and(|h| h.starts_with("Basic")));
    // No credentials at all for a confidential client.
    let anonymous = Rp { id: rp.id.clone(), secret: None };
    assert_eq!(error_of(&idp.token(&anonymous, &code, None)), "invalid_client");
    // A wrong redirect_uri at the token endpoint.
    let resp = send(&HttpRequest {
        method: "POST".into(),
        url: idp.url("/oidc/token"),
        headers: vec![("Content-Type".into(), "application/x-www-form-urlencoded".into())],
        body: form(&[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", "http://127.0.0.1:9/other"),
            ("client_id", &rp.id),
            ("client_secret", rp.secret.as_deref().unwrap()),
        ])
        .into_bytes(),
    });
    assert_eq!(error_of(&resp), "invalid_grant");
    // The failures did not use the code up.
    assert_eq!(idp.token(&rp, &code, None).status, 200);
}

#[test]
fn revoking_the_phone_ends_the_provider_session() {
    let mut idp = Idp::start();
    let rp = idp.client(false, None);
    let mut browser = Browser::default();
    let page = browser.get(&idp.authorize_url(&rp, None, &[]));
    location(&idp.sign_in(&mut browser, &page, Mode::Password, Answer::Approve));
    let sso = location(&browser.get(&idp.authorize_url(&rp, None, &[("prompt", "none")])));
    assert!(param(&sso, "code").is_some(), "single sign-on while the phone is enrolled");
    let device = idp.provider.devices("anna").unwrap().remove(0).device_id;
    idp.provider.revoke_device(&device).unwrap();
    let after = location(&browser.get(&idp.authorize_url(&rp, None, &[("prompt", "none")])));
    assert!(after.contains("error=login_required"), "{after}");
}
