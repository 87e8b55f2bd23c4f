//! The token endpoint of nyckel-idp, in the handler's order: the form (`token::parse_request`),
//! the client's credentials from the `Authorization` header and the form
//! (`client::presented`), client authentication (`client::authenticate`), and the code's
//! redemption (`token::redeem`) against the codes the fixture issued; also the `userinfo`
//! bearer header (`token::bearer`). Every answer is a value or an `OAuthError`, and:
//!
//! - only the registered secret authenticates the confidential client, only no secret the
//!   public one;
//! - a code redeems only for its client, its redirect URI and (with a challenge) the one
//!   verifier whose SHA-256 is the challenge, once, before it expires;
//! - `Debug` of a token request or of presented credentials shows no code, verifier or secret.
//!
//! Input: an optional `Authorization` header value, a newline, then the form body; without a
//! newline the whole input is the form and there is no header.

use nyckel_idp::fuzzing::authorize::{AuthorizeRequest, Prompt, ResponseMode};
use nyckel_idp::fuzzing::client::{self, register, ClientSpec, Presented};
use nyckel_idp::fuzzing::token::{self, Authentication, CodeRecord, TokenRequest};
use nyckel_idp::fuzzing::SignInMethod;
use nyckel_idp::Client;

const NOW: i64 = 1_800_000_000;
/// RFC 7636 Appendix B: the verifier and its S256 challenge.
pub const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
const CHALLENGE: &str = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";

/// Two clients (`app` confidential, `native` public) and three codes: `app`'s (no PKCE),
/// `native`'s (with [`CHALLENGE`]) and one of `app`'s already used.
struct Fixture {
    clients: Vec<Client>,
    secret: String,
    codes: Vec<CodeRecord>,
}

fn code(client_id: &str, redirect_uri: &str, challenge: Option<&str>, byte: u8) -> CodeRecord {
    let req = AuthorizeRequest {
        client_id: client_id.into(),
        redirect_uri: redirect_uri.into(),
        response_mode: ResponseMode::Query,
        scope: vec!["openid".into(), "profile".into()],
        state: None,
        nonce: Some("n-1".into()),
        code_challenge: challenge.map(str::to_owned),
        prompt: Prompt::default(),
        max_age: None,
        login_hint: None,
        ui_lang: None,
    };
    let auth = Authentication {
        sub: "user-1".into(),
        username: "anna".into(),
        auth_time: NOW - 5,
        method: SignInMethod::PasswordAndPush,
        sid: "sid-1".into(),
    };
    token::issue_code(&req, auth, NOW, |n| vec![byte; n]).1
}

impl Fixture {
    fn new() -> Fixture {
        let new = |id: &str, public: bool, uri: &str| {
            let spec = ClientSpec {
                name: id.into(),
                redirect_uris: vec![uri.into()],
                public,
                ..ClientSpec::default()
            };
            let mut new = register(&spec, 0, |n| vec![7; n]).expect("the fixture registers");
            new.client.id = id.into();
            new
        };
        let app = new("app", false, "https://app.example.se/cb");
        let native = new("native", true, "se.example.app:/cb");
        let mut used = code("app", "https://app.example.se/cb", None, 3);
        used.used_at = Some(NOW - 1);
        Fixture {
            secret: app.secret.expect("a confidential client has a secret"),
            clients: vec![app.client, native.client],
            codes: vec![
                code("app", "https://app.example.se/cb", None, 1),
                code("native", "se.example.app:/cb", Some(CHALLENGE), 2),
                used,
            ],
        }
    }
}

thread_local! {
    static FIXTURE: Fixture = Fixture::new();
}

/// Splits `data` into the `Authorization` header (before the first newline) and the form.
pub fn split(data: &[u8]) -> (Option<String>, &[u8]) {
    match data.iter().position(|&b| b == b'\n') {
        Some(i) => (Some(String::from_utf8_lossy(&data[..i]).into_owned()), &data[i + 1..]),
        None => (None, data),
    }
}

/// Runs `data` through the token endpoint's rules.
pub fn check(data: &[u8]) {
    let (authorization, form) = split(data);
    let params = crate::oidc_authorize::pairs(form);
    bearer(authorization.as_deref());
    FIXTURE.with(|f| {
        for p in &params {
            if p.0 == "code_verifier" {
                pkce(&p.1);
            }
        }
        let Ok(req) = token::parse_request(&params) else { return };
        let grants: Vec<&str> =
            params.iter().filter(|(k, _)| k == "grant_type").map(|(_, v)| v.as_str()).collect();
        assert_eq!(grants, ["authorization_code"]);
        assert!(!req.code.is_empty() && !req.redirect_uri.is_empty());
        let blank = TokenRequest { code: String::new(), code_verifier: None, ..req.clone() };
        assert_eq!(format!("{req:?}"), format!("{blank:?}"), "Debug shows the code or verifier");

        let form = |name: &str| params.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str());
        let Ok(presented) =
            client::presented(authorization.as_deref(), form("client_id"), form("client_secret"))
        else {
            return;
        };
        assert!(!presented.client_id().is_empty());
        let hidden = match &presented {
            Presented::Basic { id, .. } => {
                Presented::Basic { id: id.clone(), secret: String::new() }
            }
            Presented::Post { id, .. } => Presented::Post { id: id.clone(), secret: String::new() },
            other => other.clone(),
        };
        assert_eq!(format!("{presented:?}"), format!("{hidden:?}"), "Debug shows the secret");
        let Some(client) = f.clients.iter().find(|c| c.id == presented.client_id()) else {
            return;
        };
        if client::authenticate(client, &presented).is_err() {
            return;
        }
        match &presented {
            Presented::Basic { secret, .. } | Presented::Post { secret, .. } => {
                assert_eq!(*secret, f.secret, "another secret authenticated");
                assert!(!client.is_public());
            }
            Presented::None { .. } => assert!(client.is_public(), "no secret authenticated"),
        }
        redeem(f, &req, client);
    })
}

fn redeem(f: &Fixture, req: &TokenRequest, client: &Client) {
    let hash = token::token_hash(&req.code);
    let Some(record) = f.codes.iter().find(|c| c.code_hash == hash) else { return };
    for now in [NOW, NOW + token::CODE_TTL - 1, NOW + token::CODE_TTL] {
        if token::redeem(record, req, &client.id, now).is_err() {
            continue;
        }
        assert!(now < record.expires_at && record.used_at.is_none());
        assert_eq!(record.client_id, client.id, "another client's code redeemed");
        assert_eq!(record.redirect_uri, req.redirect_uri);
        match &record.code_challenge {
            Some(_) => assert_eq!(req.code_verifier.as_deref(), Some(VERIFIER)),
            None => assert_eq!(req.code_verifier, None, "a PKCE downgrade"),
        }
        let (access, _) = token::issue_access_token(record, now, |n| vec![9; n]);
        let claims = token::id_token_claims(record, crate::oidc_authorize::ISSUER, &access, now);
        assert_eq!(
            (claims.aud.as_str(), claims.azp.as_str()),
            (client.id.as_str(), client.id.as_str())
        );
        assert_eq!(claims.nonce, record.nonce);
    }
}

/// Only the RFC's verifier matches its challenge (another would be a SHA-256 preimage, or a
/// verifier the RFC forbids).
fn pkce(verifier: &str) {
    assert_eq!(token::pkce_matches(CHALLENGE, verifier), verifier == VERIFIER, "{verifier:?}");
}

fn bearer(authorization: Option<&str>) {
    if let Ok(t) = token::bearer(authorization) {
        assert!(!t.is_empty() && t.trim() == t, "{t:?}");
        assert!(authorization.is_some_and(|h| h.contains(t)));
    }
}
