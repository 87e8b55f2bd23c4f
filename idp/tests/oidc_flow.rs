//! The OpenID Connect provider end to end over loopback: discovery and JWKS, the code flow
//! with password + number matching and with phone sign-in, what the ID token and userinfo
//! say, single sign-on from the provider session (and `prompt`/`max_age`), denials,
//! `form_post`, logout, key rotation, and the admin commands.

mod oidc_support;

use nyckel_idp::SigningAlg;
use oidc_support::*;
use serde_json::{json, Value};

#[test]
fn discovery_and_jwks_describe_the_provider() {
    let idp = Idp::start();
    let d = json(&Browser::default().get(&idp.url("/.well-known/openid-configuration")));
    let iss = idp.issuer();
    assert_eq!(d["issuer"], iss.as_str());
    assert_eq!(d["authorization_endpoint"], format!("{iss}/oidc/authorize"));
    assert_eq!(d["token_endpoint"], format!("{iss}/oidc/token"));
    assert_eq!(d["jwks_uri"], format!("{iss}/oidc/jwks"));
    assert_eq!(d["code_challenge_methods_supported"], json!(["S256"]));
    assert_eq!(d["authorization_response_iss_parameter_supported"], true);
    let jwks = json(&Browser::default().get(&idp.url("/oidc/jwks")));
    let keys = jwks["keys"].as_array().unwrap();
    assert_eq!(keys.len(), 2, "{jwks}");
    assert!(keys.iter().all(|k| k["kid"].is_string()));
    let rsa = keys.iter().find(|k| k["kty"] == "RSA").unwrap();
    assert!(rsa["x5c"][0].as_str().is_some_and(|c| c.len() > 500), "RSA key carries x5c");
    // Keys are made once: a second look shows the same ones.
    assert_eq!(json(&Browser::default().get(&idp.url("/oidc/jwks"))), jwks);
}

#[test]
fn code_flow_with_password_and_number_matching() {
    let mut idp = Idp::start();
    let rp = idp.client(false, None);
    let (verifier, challenge) = pkce();
    let mut browser = Browser::default();

    let page = browser.get(&idp.authorize_url(&rp, Some(&challenge), &[("login_hint", "anna")]));
    let body = text(&page);
    assert!(body.contains("Logga in till Intranät"), "{body}");
    for id in ["id=\"username\"", "id=\"next\"", "id=\"phone\""] {
        assert!(body.contains(id), "{id}");
    }
    assert!(body.contains("value=\"anna\""), "login_hint fills in the user name");
    let answer = idp.sign_in(&mut browser, &page, Mode::Password, Answer::Approve);
    let to = location(&answer);
    assert!(to.starts_with(&format!("{REDIRECT}?code=")), "{to}");
    assert_eq!(param(&to, "state").as_deref(), Some("st"));
    assert_eq!(param(&to, "iss").as_deref(), Some(idp.issuer().as_str()));
    let code = param(&to, "code").unwrap();

    let tokens = idp.token(&rp, &code, Some(&verifier));
    assert_eq!(tokens.status, 200, "{}", text(&tokens));
    assert_eq!(header(&tokens, "cache-control"), Some("no-store"));
    let t = json(&tokens);
    assert_eq!(t["token_type"], "Bearer");
    let claims = idp.verify_id_token(&rp, t["id_token"].as_str().unwrap());
    let header = jsonwebtoken::decode_header(t["id_token"].as_str().unwrap()).unwrap();
    assert_eq!(header.alg, jsonwebtoken::Algorithm::RS256, "RS256 by default");
    assert_eq!(claims["nonce"], "n");
    assert_eq!(claims["amr"], json!(["pwd", "swk", "mfa"]));
    assert_eq!(claims["preferred_username"], "anna");
    assert_eq!(claims["azp"], rp.id.as_str());
    assert!(claims["sid"].is_string() && claims["acr"].is_string());
    let auth_time = claims["auth_time"].as_i64().unwrap();
    assert!((now() - auth_time).abs() < 30);
    let sub = claims["sub"].as_str().unwrap().to_owned();

    let access = t["access_token"].as_str().unwrap();
    let at_hash = nyckel_core::protocol::wire::b64(
        &nyckel_core::protocol::wire::sha256(access.as_bytes())[..16],
    );
    assert_eq!(claims["at_hash"], at_hash.as_str(), "the ID token binds the access token");
    let info = idp.userinfo(t["access_token"].as_str().unwrap());
    assert_eq!(info.status, 200, "{}", text(&info));
    assert_eq!(json(&info)["sub"], sub.as_str());
    assert_eq!(json(&info)["preferred_username"], "anna");

    // Single sign-on: the provider session answers the next request at once, same sub and
    // sign-in time; client_secret_post works as well as Basic.
    let again = browser.get(&idp.authorize_url(&rp, None, &[("nonce", "n2"), ("state", "s2")]));
    let to = location(&again);
    assert_eq!(param(&to, "state").as_deref(), Some("s2"));
    let code = param(&to, "code").unwrap();
    let secret = rp.secret.clone().unwrap();
    let post = send(&nyckel_core::protocol::HttpRequest {
        method: "POST".into(),
        url: idp.url("/oidc/token"),
        headers: vec![("Content-Type".into(), "application/x-www-form-urlencoded".into())],
        body: form(&[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", REDIRECT),
            ("client_id", &rp.id),
            ("client_secret", &secret),
        ])
        .into_bytes(),
    });
    assert_eq!(post.status, 200, "{}", text(&post));
    let c2 = idp.verify_id_token(&rp, json(&post)["id_token"].as_str().unwrap());
    assert_eq!((c2["sub"].as_str(), c2["nonce"].as_str()), (Some(sub.as_str()), Some("n2")));
    assert_eq!(c2["auth_time"].as_i64(), Some(auth_time));
    assert_eq!(c2["sid"], claims["sid"]);

    // prompt=login and an exceeded max_age ask again; a young enough session does not.
    let page = browser.get(&idp.authorize_url(&rp, None, &[("prompt", "login")]));
    assert!(hidden(&text(&page), "authz").is_some(), "prompt=login shows the sign-in page");
    idp.advance(120);
    let page = browser.get(&idp.authorize_url(&rp, None, &[("max_age", "60")]));
    assert!(hidden(&text(&page), "authz").is_some(), "an old session signs in again");
    location(&browser.get(&idp.authorize_url(&rp, None, &[("max_age", "3600")])));
}

#[test]
fn phone_sign_in_is_passwordless_and_es256_when_the_client_asks() {
    let mut idp = Idp::start();
    idp.phone.enable_phone_signin();
    let rp = idp.client(true, Some(SigningAlg::Es256));
    assert!(rp.secret.is_none());
    let (verifier, challenge) = pkce();
    let mut browser = Browser::default();
    let page = browser.get(&idp.authorize_url(&rp, Some(&challenge), &[]));
    let answer = idp.sign_in(&mut browser, &page, Mode::Phone, Answer::Approve);
    let code = param(&location(&answer), "code").unwrap();
    let tokens = idp.token(&rp, &code, Some(&verifier));
    assert_eq!(tokens.status, 200, "{}", text(&tokens));
    let id_token = json(&tokens)["id_token"].as_str().unwrap().to_owned();
    assert_eq!(jsonwebtoken::decode_header(&id_token).unwrap().alg, jsonwebtoken::Algorithm::ES256);
    let claims = idp.verify_id_token(&rp, &id_token);
    assert_eq!(claims["amr"], json!(["swk", "user", "mfa"]));
}

#[test]
fn a_denied_or_wrong_number_approval_is_access_denied_with_state_and_iss() {
    for answer in [Answer::Deny, Answer::WrongNumber] {
        let mut idp = Idp::start();
        let rp = idp.client(false, None);
        let mut browser = Browser::default();
        let page = browser.get(&idp.authorize_url(&rp, None, &[]));
        let to = location(&idp.sign_in(&mut browser, &page, Mode::Password, answer));
        assert!(to.starts_with(&format!("{REDIRECT}?error=access_denied")), "{to}");
        assert_eq!(param(&to, "state").as_deref(), Some("st"));
        assert_eq!(param(&to, "iss").as_deref(), Some(idp.issuer().as_str()));
        assert!(param(&to, "code").is_none());
    }
}

#[test]
fn an_expired_approval_is_access_denied() {
    let idp = Idp::start();
    let rp = idp.client(false, None);
    let mut browser = Browser::default();
    let page = browser.get(&idp.authorize_url(&rp, None, &[]));
    let authz = hidden(&text(&page), "authz").unwrap();
    let number_page = browser.post(
        &idp.url("/signin"),
        &form(&[
            ("username", "anna"),
            ("mode", "password"),
            ("password", PASSWORD),
            ("authz", &authz),
        ]),
    );
    let body = text(&number_page);
    let (id, t) = (attr(&body, "data-request").unwrap(), attr(&body, "data-token").unwrap());
    idp.advance(121); // the request lives 120 s
    let resume = attr(&body, "data-resume").unwrap();
    let to = location(&browser.get(&format!("{}{resume}&request={id}&t={t}", idp.issuer())));
    assert!(to.contains("error=access_denied"), "{to}");
}

#[test]
fn prompt_none_without_a_session_is_login_required() {
    let idp = Idp::start();
    let rp = idp.client(false, None);
    let to =
        location(&Browser::default().get(&idp.authorize_url(&rp, None, &[("prompt", "none")])));
    assert!(to.starts_with(&format!("{REDIRECT}?error=login_required")), "{to}");
    assert_eq!(param(&to, "iss").as_deref(), Some(idp.issuer().as_str()));
}

#[test]
fn form_post_answers_with_an_auto_submitting_form() {
    let mut idp = Idp::start();
    let rp = idp.client(false, None);
    let mut browser = Browser::default();
    let page = browser.get(&idp.authorize_url(&rp, None, &[("response_mode", "form_post")]));
    let answer = idp.sign_in(&mut browser, &page, Mode::Password, Answer::Approve);
    assert_eq!(answer.status, 200);
    let html = text(&answer);
    assert!(html.contains(&format!("action=\"{REDIRECT}\"")), "{html}");
    assert_eq!(hidden(&html, "state").as_deref(), Some("st"));
    assert_eq!(hidden(&html, "iss").as_deref(), Some(idp.issuer().as_str()));
    let code = hidden(&html, "code").unwrap();
    assert_eq!(idp.token(&rp, &code, None).status, 200);
}

#[test]
fn logout_ends_the_session_and_returns_only_to_a_registered_uri() {
    let mut idp = Idp::start();
    let rp = idp.client(false, None);
    let mut browser = Browser::default();
    let page = browser.get(&idp.authorize_url(&rp, None, &[]));
    let code = param(
        &location(&idp.sign_in(&mut browser, &page, Mode::Password, Answer::Approve)),
        "code",
    )
    .unwrap();
    let id_token = json(&idp.token(&rp, &code, None))["id_token"].as_str().unwrap().to_owned();

    let bad = browser.get(&format!(
        "{}?{}",
        idp.url("/oidc/logout"),
        form(&[
            ("id_token_hint", &id_token),
            ("post_logout_redirect_uri", "https://evil.example/")
        ])
    ));
    assert_eq!(bad.status, 400);
    assert!(header(&bad, "location").is_none());

    let signed_in = browser.cookie.clone();
    assert!(signed_in.is_some());
    let out = browser.get(&format!(
        "{}?{}",
        idp.url("/oidc/logout"),
        form(&[
            ("id_token_hint", &id_token),
            ("post_logout_redirect_uri", POST_LOGOUT),
            ("state", "bye")
        ])
    ));
    assert_eq!(location(&out), format!("{POST_LOGOUT}?state=bye"));
    assert!(browser.cookie.is_none(), "the session cookie is cleared");
    // The provider session is over: prompt=none now needs a sign-in.
    let mut old = browser.clone();
    old.cookie = signed_in;
    let to = location(&old.get(&idp.authorize_url(&rp, None, &[("prompt", "none")])));
    assert!(to.contains("error=login_required"), "{to}");
}

#[test]
fn rotated_keys_sign_new_tokens_while_old_ones_stay_published_until_retired() {
    let mut idp = Idp::start();
    let rp = idp.client(false, None);
    let first: Vec<String> =
        idp.provider.signing_keys().unwrap().into_iter().map(|k| k.kid).collect();
    assert_eq!(first.len(), 2);
    let added = idp.provider.rotate_keys().unwrap();
    let jwks = json(&Browser::default().get(&idp.url("/oidc/jwks")));
    assert_eq!(jwks["keys"].as_array().unwrap().len(), 4);
    let mut browser = Browser::default();
    let page = browser.get(&idp.authorize_url(&rp, None, &[]));
    let code = param(
        &location(&idp.sign_in(&mut browser, &page, Mode::Password, Answer::Approve)),
        "code",
    )
    .unwrap();
    let id_token = json(&idp.token(&rp, &code, None))["id_token"].as_str().unwrap().to_owned();
    let kid = jsonwebtoken::decode_header(&id_token).unwrap().kid.unwrap();
    assert!(added.contains(&kid), "the new RSA key signs");
    idp.verify_id_token(&rp, &id_token);
    for old in &first {
        idp.provider.retire_key(old).unwrap();
    }
    let jwks = json(&Browser::default().get(&idp.url("/oidc/jwks")));
    let kids: Vec<&str> =
        jwks["keys"].as_array().unwrap().iter().map(|k| k["kid"].as_str().unwrap()).collect();
    assert_eq!(kids.len(), 2);
    assert!(first.iter().all(|k| !kids.contains(&k.as_str())));
    // The last key of an algorithm cannot be retired.
    let err = idp.provider.retire_key(&added[0]).unwrap_err();
    assert_eq!(err.code(), nyckel_idp::ErrorCode::BadRequest);
}

fn cli(db: &std::path::Path, args: &[&str]) -> (i32, Value) {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_nyckel-idp"))
        .arg("--db")
        .arg(db)
        .arg("--json")
        .args(args)
        .output()
        .unwrap();
    let v = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|_| panic!("{}", String::from_utf8_lossy(&out.stdout)));
    (out.status.code().unwrap(), v)
}

#[test]
fn admin_commands_add_list_and_remove_clients_and_rotate_keys() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("idp.db");
    let (rc, added) = cli(
        &db,
        &[
            // The command that creates the database configures it.
            "--origin",
            "https://idp.example.se",
            "client",
            "add",
            "Wiki",
            "--redirect-uri",
            "https://wiki.example.se/cb",
            "--redirect-uri",
            "https://wiki.example.se/cb2",
            "--post-logout-uri",
            "https://wiki.example.se/",
        ],
    );
    assert_eq!(rc, 0);
    let id = added["clientId"].as_str().unwrap().to_owned();
    assert!(added["clientSecret"].as_str().is_some_and(|s| s.len() >= 43));
    let (_, public) =
        cli(&db, &["client", "add", "App", "--redirect-uri", "se.example.app:/cb", "--public"]);
    assert_eq!(public["clientSecret"], Value::Null);
    let (_, list) = cli(&db, &["client", "list"]);
    let clients = list["clients"].as_array().unwrap();
    assert_eq!(clients.len(), 2);
    assert_eq!(
        clients[0]["redirectUris"],
        json!(["https://wiki.example.se/cb", "https://wiki.example.se/cb2"])
    );
    assert!(
        !list.to_string().contains(added["clientSecret"].as_str().unwrap()),
        "secrets are never listed"
    );
    let (rc, bad) = cli(&db, &["client", "add", "X", "--redirect-uri", "http://evil.example/cb"]);
    assert_eq!((rc, bad["error"].as_str()), (1, Some("bad_request")));
    assert_eq!(cli(&db, &["client", "remove", &id]).0, 0);
    assert_eq!(cli(&db, &["client", "remove", &id]).0, 1);
    let (_, keys) = cli(&db, &["keys", "list"]);
    assert_eq!(keys["keys"].as_array().unwrap().len(), 2);
    let (_, rotated) = cli(&db, &["keys", "rotate"]);
    assert_eq!(rotated["added"].as_array().unwrap().len(), 2);
    let old = keys["keys"][0]["kid"].as_str().unwrap();
    assert_eq!(cli(&db, &["keys", "rotate", "--retire", old]).0, 0);
    let (_, keys) = cli(&db, &["keys", "list"]);
    let retired: Vec<&Value> =
        keys["keys"].as_array().unwrap().iter().filter(|k| !k["retiredAt"].is_null()).collect();
    assert_eq!(retired.len(), 1);
}

#[test]
fn a_single_page_app_may_call_token_and_userinfo_from_the_browser() {
    let mut idp = Idp::start();
    let spa = idp.client(true, None);
    let (verifier, challenge) = pkce();
    let mut browser = Browser::default();
    let page = browser.get(&idp.authorize_url(&spa, Some(&challenge), &[]));
    let answer = idp.sign_in(&mut browser, &page, Mode::Password, Answer::Approve);
    let code = param(&location(&answer), "code").unwrap();
    let tokens = idp.token(&spa, &code, Some(&verifier));
    assert_eq!(header(&tokens, "access-control-allow-origin"), Some("*"));
    let access = json(&tokens)["access_token"].as_str().unwrap().to_owned();
    assert_eq!(header(&idp.userinfo(&access), "access-control-allow-origin"), Some("*"));
    for path in ["/oidc/userinfo", "/oidc/token"] {
        let pre = send(&nyckel_core::protocol::HttpRequest {
            method: "OPTIONS".into(),
            url: idp.url(path),
            headers: vec![
                ("Origin".into(), "https://spa.example.se".into()),
                ("Access-Control-Request-Method".into(), "GET".into()),
                ("Access-Control-Request-Headers".into(), "authorization".into()),
            ],
            body: vec![],
        });
        assert_eq!(pre.status, 204, "{path}");
        assert_eq!(header(&pre, "access-control-allow-origin"), Some("*"));
        assert!(header(&pre, "access-control-allow-headers")
            .is_some_and(|h| h.contains("Authorization")));
    }
}
