//! RP-initiated logout at nyckel-idp's `end_session` endpoint (`oidc::logout::decide`): the
//! parameters as the handler reads them, with an `id_token_hint` that is either the fuzzer's
//! text or claims the fuzzer chose, signed with the provider's own RS256 or ES256 key (which
//! reaches the claim checks behind the signature). Every answer is a `Logout` or a typed
//! `LogoutError`, and:
//!
//! - a hint the provider did not sign is refused (no forgery), and so is a signed one from
//!   another issuer;
//! - the browser is only ever sent to a post-logout URI registered for the client the
//!   request (or its hint) names, with `state` encoded so the `Location` header is plain
//!   visible ASCII;
//! - the session ended is the one the signed hint names.
//!
//! Input: a selector byte (0 raw, 1 RS256-signed, 2 ES256-signed, modulo 3), then the query
//! string — for the signed modes preceded by the claims JSON and a newline.

use nyckel_idp::fuzzing::client::{register, ClientSpec};
use nyckel_idp::fuzzing::keys::{self, KeyRing};
use nyckel_idp::fuzzing::logout::{self, LogoutError, LogoutRequest};
use nyckel_idp::{Client, SigningAlg};
use serde_json::Value;

/// The issuer the provider's hints carry.
pub const ISSUER: &str = "https://login.example.se";
const NOW: i64 = 1_800_000_000;

/// The provider's keys and two clients with post-logout URIs.
struct Fixture {
    keys: KeyRing,
    clients: Vec<Client>,
}

impl Fixture {
    fn new() -> Fixture {
        let keys = KeyRing::load(&keys::rotation(NOW, "Nyckel").expect("keys are made"))
            .expect("fresh keys load");
        let client = |id: &str, post_logout: &[&str]| {
            let spec = ClientSpec {
                name: id.into(),
                redirect_uris: vec![format!("https://{id}.example.se/cb")],
                post_logout_uris: post_logout.iter().map(|u| u.to_string()).collect(),
                ..ClientSpec::default()
            };
            let mut c = register(&spec, 0, |n| vec![7; n]).expect("the fixture registers").client;
            c.id = id.into();
            c
        };
        Fixture {
            keys,
            clients: vec![
                client("app", &["https://app.example.se/bye", "https://app.example.se/bye?x=1"]),
                client("other", &["http://127.0.0.1:8080/bye"]),
            ],
        }
    }

    fn find(&self, id: &str) -> Option<Client> {
        self.clients.iter().find(|c| c.id == id).cloned()
    }
}

thread_local! {
    static FIXTURE: Fixture = Fixture::new();
}

/// Decides the logout request `data` describes and checks the answer.
pub fn check(data: &[u8]) {
    let (which, rest) = crate::selector(data);
    FIXTURE.with(|f| {
        let (claims, query) = match which % 3 {
            0 => (None, rest),
            alg => {
                let Some(i) = rest.iter().position(|&b| b == b'\n') else { return };
                let Ok(claims) = serde_json::from_slice::<Value>(&rest[..i]) else { return };
                let alg = if alg == 1 { SigningAlg::Rs256 } else { SigningAlg::Es256 };
                let hint = f.keys.sign(alg, &claims).expect("the provider signs any JSON");
                (Some((claims, hint)), &rest[i + 1..])
            }
        };
        let params = crate::oidc_authorize::pairs(query);
        let get = |n: &str| params.iter().find(|(k, _)| k == n).map(|(_, v)| v.clone());
        let req = LogoutRequest {
            id_token_hint: claims.as_ref().map(|(_, h)| h.clone()).or_else(|| get("id_token_hint")),
            post_logout_redirect_uri: get("post_logout_redirect_uri"),
            state: get("state"),
            client_id: get("client_id"),
        };
        let answer = logout::decide(&req, &f.keys, ISSUER, |id| f.find(id));
        let hinted = req.id_token_hint.as_deref().is_some_and(|h| !h.is_empty());
        match &claims {
            None if hinted => assert_eq!(answer, Err(LogoutError::BadHint), "a forged hint"),
            Some((c, _)) if c.get("iss").and_then(Value::as_str) != Some(ISSUER) => {
                assert_eq!(answer, Err(LogoutError::BadHint), "another issuer's hint")
            }
            _ => {}
        }
        let Ok(out) = answer else { return };
        if let Some(sid) = &out.sid {
            let (c, _) = claims.as_ref().expect("a session named without a signed hint");
            assert_eq!(c.get("sid").and_then(Value::as_str), Some(sid.as_str()));
        }
        let Some(url) = out.redirect else { return };
        let nonempty = |s: Option<String>| s.filter(|s| !s.is_empty());
        let named = nonempty(req.client_id.clone())
            .or_else(|| claims.as_ref().and_then(|(c, _)| c["aud"].as_str().map(str::to_owned)))
            .expect("a redirect without a client");
        let client = f.find(&named).expect("a redirect for an unknown client");
        let registered = client.post_logout_uris.iter().any(|u| {
            url == *u
                || url.strip_prefix(u.as_str()).is_some_and(|q| {
                    q.starts_with(if u.contains('?') { "&state=" } else { "?state=" })
                })
        });
        assert!(registered, "open redirect to {url}");
        assert!(url.bytes().all(|b| b.is_ascii_graphic()), "not a plain Location: {url:?}");
    })
}
