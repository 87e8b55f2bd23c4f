//! Microsoft Entra's external authentication method over loopback, against an Entra stand-in
//! written from Microsoft's published provider reference: its own RSA keys and per-tenant JWKS
//! served over HTTP, hints (`id_token_hint`) signed as Entra signs them, and the implicit
//! authorization request Entra's page posts. Every rule of the hint, the user link, the
//! approval on the phone (number matching, phone sign-in), the form-posted answer, and the
//! attacks: forged, foreign-tenant, stale and replayed hints, and a JWKS that attackers try to
//! make the provider fetch on every request.

mod oidc_support;

use std::collections::HashMap;
use std::io::{Read, Write};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use jsonwebtoken::{Algorithm, EncodingKey, Header};
use nyckel_core::protocol::wire::b64;
use nyckel_core::protocol::{Decision, HttpResponse};
use nyckel_idp::EamSpec;
use oidc_support::*;
use rsa::pkcs1::EncodeRsaPrivateKey;
use rsa::traits::PublicKeyParts;
use serde_json::{json, Value};

const TENANT: &str = "aaaaaaaa-1111-4111-8111-aaaaaaaaaaaa";
const OTHER_TENANT: &str = "bbbbbbbb-2222-4222-8222-bbbbbbbbbbbb";
const APP_ID: &str = "cccccccc-3333-4333-8333-cccccccccccc";
const CLIENT_ID: &str = "nyckel-eam";
const ENTRA_REDIRECT: &str = "http://127.0.0.1:9/common/federation/externalauthprovider";
const OID: &str = "dddddddd-4444-4444-8444-dddddddddddd";
const CLAIMS: &str = r#"{"id_token":{"acr":{"essential":true,"values":["possessionorinherence"]},"amr":{"essential":true,"values":["face","fido","fpt","hwk","iris","otp","pop","retina","sc","sms","swk","tel","vbm"]}}}"#;

/// An RSA signing key of the stand-in.
struct Key {
    kid: String,
    encoding: EncodingKey,
    jwk: Value,
}

impl Key {
    fn new(kid: &str) -> Key {
        let key = rsa::RsaPrivateKey::new(&mut rsa::rand_core::OsRng, 2048).unwrap();
        let der = key.to_pkcs1_der().unwrap();
        Key {
            kid: kid.into(),
            encoding: EncodingKey::from_rsa_der(der.as_bytes()),
            jwk: json!({
                "kty": "RSA", "use": "sig", "kid": kid,
                "n": b64(&key.n().to_bytes_be()), "e": b64(&key.e().to_bytes_be()),
            }),
        }
    }
}

/// The Entra stand-in: `/{tenant}/discovery/v2.0/keys` per tenant, counting fetches.
struct Entra {
    base: String,
    served: Arc<Mutex<HashMap<String, Vec<Value>>>>,
    fetches: Arc<AtomicUsize>,
}

impl Entra {
    fn start() -> Entra {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let served: Arc<Mutex<HashMap<String, Vec<Value>>>> = Arc::default();
        let fetches = Arc::new(AtomicUsize::new(0));
        let (s, f) = (served.clone(), fetches.clone());
        std::thread::spawn(move || {
            for conn in listener.incoming() {
                let Ok(mut conn) = conn else { continue };
                let mut buf = Vec::new();
                let mut chunk = [0u8; 1024];
                while !buf.windows(4).any(|w| w == b"\r\n\r\n") {
                    match conn.read(&mut chunk) {
                        Ok(0) | Err(_) => break,
                        Ok(n) => buf.extend_from_slice(&chunk[..n]),
                    }
                }
                let head = String::from_utf8_lossy(&buf);
                let path = head.split(' ').nth(1).unwrap_or("").to_owned();
                let tenant =
                    path.strip_prefix('/').and_then(|p| p.strip_suffix("/discovery/v2.0/keys"));
                let keys = tenant.and_then(|t| s.lock().unwrap().get(t).cloned());
                let (status, body) = match keys {
                    Some(keys) => {
                        f.fetch_add(1, Ordering::SeqCst);
                        ("200 OK", json!({ "keys": keys }).to_string())
                    }
                    None => ("404 Not Found", "{}".to_owned()),
                };
                let _ = write!(
                    conn,
                    "HTTP/1.1 {status}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                    body.len()
                );
            }
        });
        Entra { base, served, fetches }
    }

    fn publish(&self, tenant: &str, keys: &[&Key]) {
        let jwks = keys.iter().map(|k| k.jwk.clone()).collect();
        self.served.lock().unwrap().insert(tenant.into(), jwks);
    }

    fn issuer(&self, tenant: &str) -> String {
        format!("{}/{tenant}/v2.0", self.base)
    }

    fn fetches(&self) -> usize {
        self.fetches.load(Ordering::SeqCst)
    }
}

/// The hint's claims as Entra writes them: issued now, already expired.
fn hint_claims(entra: &Entra, now: i64) -> Value {
    json!({
        "ver": "2.0",
        "iss": entra.issuer(TENANT),
        "aud": APP_ID,
        "tid": TENANT,
        "oid": OID,
        "sub": "entra-pairwise-sub-1",
        "preferred_username": "anna@region.example.se",
        "name": "Anna Andersson",
        "iat": now,
        "nbf": now,
        "exp": now - 1,
    })
}

fn sign(key: &Key, claims: &Value) -> String {
    let mut header = Header::new(Algorithm::RS256);
    header.kid = Some(key.kid.clone());
    jsonwebtoken::encode(&header, claims, &key.encoding).unwrap()
}

/// A provider with anna (linked to OID in TENANT) and an EAM for TENANT, and the stand-in.
struct Setup {
    idp: Idp,
    entra: Entra,
    key: Key,
}

impl Setup {
    fn start() -> Setup {
        Setup::start_with(|_| {})
    }

    /// A setup whose provider recognises no address: every test browser comes from
    /// 127.0.0.1, where anna signs in, so only a browser's cookie can recognise it.
    fn without_recognised_addresses() -> Setup {
        Setup::start_with(|c| c.open_requests.recognised_sources = 0)
    }

    fn start_with(tweak: impl FnOnce(&mut nyckel_idp::Config)) -> Setup {
        Setup::with(Idp::start_configured(false, tweak).0)
    }

    fn with(idp: Idp) -> Setup {
        let entra = Entra::start();
        let key = Key::new("entra-1");
        entra.publish(TENANT, &[&key]);
        idp.provider
            .add_eam(&EamSpec {
                tenants: vec![TENANT.into()],
                app_id: APP_ID.into(),
                client_id: CLIENT_ID.into(),
                redirect_uri: Some(ENTRA_REDIRECT.into()),
                issuer_template: Some(format!("{}/{{tenantid}}/v2.0", entra.base)),
                jwks_uri: Some(format!("{}/{{tenantid}}/discovery/v2.0/keys", entra.base)),
            })
            .unwrap();
        // Typed as a phone would (user names ignore case): links the user "anna".
        idp.provider.link_user("Anna", TENANT, OID).unwrap();
        Setup { idp, entra, key }
    }

    fn now(&self) -> i64 {
        now() + self.idp.offset.load(Ordering::SeqCst)
    }

    fn hint(&self) -> String {
        sign(&self.key, &hint_claims(&self.entra, self.now()))
    }

    /// The request Entra's page posts, with `change`d parameters (`None` drops one).
    fn request(&self, hint: &str, change: &[(&str, Option<&str>)]) -> String {
        let mut pairs: Vec<(&str, &str)> = vec![
            ("scope", "openid"),
            ("response_type", "id_token"),
            ("response_mode", "form_post"),
            ("client_id", CLIENT_ID),
            ("redirect_uri", ENTRA_REDIRECT),
            ("claims", CLAIMS),
            ("nonce", "entra-nonce-1"),
            ("state", "entra-state-1"),
            ("login_hint", "anna@region.example.se"),
            ("client-request-id", "eeeeeeee-5555-4555-8555-eeeeeeeeeeee"),
            ("id_token_hint", hint),
        ];
        for (k, v) in change {
            pairs.retain(|(pk, _)| pk != k);
            if let Some(v) = v {
                pairs.push((k, v));
            }
        }
        form(&pairs)
    }

    fn post(&self, browser: &mut Browser, body: &str) -> HttpResponse {
        browser.post(&self.idp.url("/oidc/authorize"), body)
    }

    /// Answers the number page's request on the phone, then follows the page to its end (what
    /// the page's script does): the answer page.
    fn approve(&mut self, browser: &mut Browser, page: &HttpResponse, answer: Answer) -> String {
        self.approve_at(browser, page, answer).0
    }

    /// [`Setup::approve`], and the continuation URL the page followed.
    fn approve_at(
        &mut self,
        browser: &mut Browser,
        page: &HttpResponse,
        answer: Answer,
    ) -> (String, String) {
        let body = text(page);
        assert_eq!(page.status, 200, "{body}");
        assert!(body.contains("id=\"number\""), "straight to the number: {body}");
        assert!(!body.contains("id=\"password\"") && !body.contains("id=\"username\""));
        assert!(body.contains("data-session=\"none\""));
        let id = attr(&body, "data-request").unwrap();
        let token = attr(&body, "data-token").unwrap();
        let resume = attr(&body, "data-resume").unwrap();
        let number = number_on(&body);
        let decision = match answer {
            Answer::Approve => Decision::Approve { number },
            Answer::Deny => Decision::Deny,
            Answer::WrongNumber => {
                Decision::Approve { number: if number == 99 { 10 } else { number + 1 } }
            }
        };
        self.idp.phone.decide(&id, decision);
        let url = self.idp.url(&format!("{resume}&request={id}&t={token}"));
        let done = browser.get(&url);
        assert_eq!(done.status, 200, "{}", text(&done));
        let cookies = set_cookies(&done);
        assert!(!cookies.iter().any(|c| c.starts_with("nyckel_session=")), "no Nyckel session");
        (text(&done), url)
    }
}

/// The cookies a response sets (`name=value`, without attributes).
fn set_cookies(resp: &HttpResponse) -> Vec<String> {
    resp.headers
        .iter()
        .filter(|(k, _)| k.eq_ignore_ascii_case("set-cookie"))
        .filter_map(|(_, v)| v.split(';').next().map(str::to_owned))
        .collect()
}

/// Sign-ins for anna from `n` new addresses, through the provider's API: they fill what the
/// app lists (or make room), as a botnet with her password would.
fn botnet(s: &Setup, from: usize, n: usize) -> Vec<Result<nyckel_idp::Started, nyckel_idp::Error>> {
    (from..from + n)
        .map(|i| {
            let from = nyckel_idp::SigninFrom {
                app: "Webbmejl".into(),
                ip: format!("10.9.{}.{}", i / 256, i % 256),
                location: String::new(),
            };
            s.idp.provider.start_signin("anna", nyckel_idp::RequestKind::Push, &from)
        })
        .collect()
}

/// The request id and status token a number page carries.
fn request_of(page: &HttpResponse) -> (String, String) {
    let body = text(page);
    (attr(&body, "data-request").unwrap(), attr(&body, "data-token").unwrap())
}

/// An approved external authentication in `browser`; the recognised-browser cookie its
/// answer leaves (checked: HttpOnly, SameSite=Lax), as a completed sign-in leaves one.
fn approved_leaving_a_cookie(s: &mut Setup, browser: &mut Browser) -> String {
    let page = s.post(browser, &s.request(&s.hint(), &[]));
    let (id, token) = request_of(&page);
    s.idp.phone.decide(&id, Decision::Approve { number: number_on(&text(&page)) });
    let resume = attr(&text(&page), "data-resume").unwrap();
    let done = browser.get(&s.idp.url(&format!("{resume}&request={id}&t={token}")));
    assert_eq!(done.status, 200, "{}", text(&done));
    assert!(posted(&text(&done)).1["id_token"].is_some());
    let set = done.headers.iter().find(|(_, v)| v.starts_with("nyckel_known=")).unwrap();
    assert!(set.1.contains("HttpOnly") && set.1.contains("SameSite=Lax"), "{}", set.1);
    set_cookies(&done)
        .into_iter()
        .find_map(|c| c.strip_prefix("nyckel_known=").map(str::to_owned))
        .expect("a recognised-browser cookie")
}

fn with_cookie(known: &str) -> Browser {
    Browser {
        extra: vec![("Cookie".into(), format!("nyckel_known={known}"))],
        ..Browser::default()
    }
}

fn state(s: &Setup, id: &str) -> String {
    s.idp.provider.signin_status(id).unwrap().state
}

#[test]
fn an_approval_leaves_the_browser_recognised_and_its_next_request_is_kept_like_a_sign_ins() {
    let mut s = Setup::without_recognised_addresses();
    let known = approved_leaving_a_cookie(&mut s, &mut Browser::default());
    // A botnet with her password fills the list the app shows with sign-ins in their first
    // minute: a request from another browser is refused (Entra is told to try later) ...
    assert!(botnet(&s, 0, 16).iter().all(Result::is_ok));
    let mut stranger = Browser::default();
    let refused_page = s.post(&mut stranger, &s.request(&s.hint(), &[("nonce", Some("n-2"))]));
    let (_, f) = posted(&text(&refused_page));
    assert_eq!(f["error"].as_deref(), Some("temporarily_unavailable"));
    // ... while her browser, recognised by its cookie (sent with Entra's request when it is a
    // top-level GET), gets a request, kept as hers, and she answers it.
    let mut browser = with_cookie(&known);
    let query = s.request(&s.hint(), &[("nonce", Some("n-3"))]);
    let page = browser.get(&format!("{}?{query}", s.idp.url("/oidc/authorize")));
    let answer = s.approve(&mut browser, &page, Answer::Approve);
    assert!(posted(&answer).1["id_token"].is_some());
}

#[test]
fn a_browser_the_cross_site_post_hid_is_recognised_by_its_waiting_page() {
    // Entra's request may arrive as a cross-site POST, on which browsers withhold SameSite=Lax
    // cookies: the number page's status poll (same-site) carries the cookie and marks the
    // request as waiting in a recognised browser, so a botnet cannot replace it once its first
    // minute is over; another browser's request is replaced.
    let mut s = Setup::without_recognised_addresses();
    let known = approved_leaving_a_cookie(&mut s, &mut Browser::default());
    // The attacker spends the free notifications; the next requests are quiet.
    assert!(botnet(&s, 0, 3).iter().all(|r| r.as_ref().is_ok_and(|s| !s.quiet)));
    let mut browser = Browser::default(); // her browser, the cookie withheld on the POST
    let mine = s.post(&mut browser, &s.request(&s.hint(), &[("nonce", Some("n-2"))]));
    let other = s.post(&mut Browser::default(), &s.request(&s.hint(), &[("nonce", Some("n-3"))]));
    let ((mine_id, mine_token), (other_id, _)) = (request_of(&mine), request_of(&other));
    // Her page polls with the cookie; a poll with another token recognises nothing.
    let poll = |id: &str, t: &str| {
        with_cookie(&known).get(&s.idp.url(&format!("/signin/status/{id}?t={t}")))
    };
    assert_eq!(poll(&other_id, &mine_token).status, 404);
    assert_eq!(poll(&mine_id, &mine_token).status, 200);
    // Past their first minute, quiet requests from unrecognised browsers make room.
    s.idp.offset.fetch_add(61, Ordering::SeqCst);
    assert!(botnet(&s, 100, 6).iter().all(Result::is_ok));
    assert_eq!(state(&s, &other_id), "superseded");
    assert_eq!(state(&s, &mine_id), "pending");
    let answer = s.approve(&mut browser, &mine, Answer::Approve);
    assert!(posted(&answer).1["id_token"].is_some());
}

/// The form-posted answer: its target and fields.
fn posted(page: &str) -> (String, HashMap<&'static str, Option<String>>) {
    let action = attr(page, "action").expect("a form posting the answer");
    assert!(page.contains("document.forms[0].submit()"), "it posts itself");
    let fields = ["id_token", "state", "error"].into_iter().map(|n| (n, hidden(page, n))).collect();
    (action, fields)
}

/// An error page: 400, nothing posted to Entra.
fn refused(resp: &HttpResponse, says: &str) {
    let body = text(resp);
    assert_eq!(resp.status, 400, "{body}");
    assert!(body.contains("id=\"error\""), "{body}");
    assert!(body.contains(says), "{says:?} in {body}");
    assert!(!body.contains(ENTRA_REDIRECT), "nothing goes to Entra: {body}");
    assert!(!body.contains("id_token"), "{body}");
}

fn verify(s: &Setup, id_token: &str) -> Value {
    let rp = Rp { id: CLIENT_ID.into(), secret: None };
    let header = jsonwebtoken::decode_header(id_token).unwrap();
    assert_eq!(header.alg, Algorithm::RS256, "Entra needs RS256");
    s.idp.verify_id_token(&rp, id_token)
}

#[test]
fn an_approval_posts_an_id_token_entra_accepts() {
    let mut s = Setup::start();
    let mut browser = Browser::default();
    let page = s.post(&mut browser, &s.request(&s.hint(), &[]));
    let (answer, continuation) = s.approve_at(&mut browser, &page, Answer::Approve);
    let (action, f) = posted(&answer);
    assert_eq!(action, ENTRA_REDIRECT);
    assert_eq!(f["state"].as_deref(), Some("entra-state-1"));
    assert!(f["error"].is_none());
    let claims = verify(&s, f["id_token"].as_deref().expect("an id_token"));
    assert_eq!(claims["iss"], s.idp.issuer());
    assert_eq!(claims["aud"], CLIENT_ID);
    assert_eq!(claims["sub"], "entra-pairwise-sub-1", "the hint's sub");
    assert_eq!(claims["nonce"], "entra-nonce-1");
    assert_eq!(claims["acr"], "possessionorinherence");
    assert_eq!(claims["amr"], json!(["swk"]), "exactly one method from Entra's list");
    let (iat, exp) = (claims["iat"].as_i64().unwrap(), claims["exp"].as_i64().unwrap());
    assert!((iat - s.now()).abs() < 30 && exp > iat);
    assert_eq!(s.entra.fetches(), 1);
    // The answer is given once: the continuation again is an error page.
    refused(&browser.get(&continuation), "för lång tid");
    let events = s.idp.provider.events(Some("anna"), 5).unwrap();
    assert!(events.iter().any(|e| e.kind == "signed_in" && e.detail == "eam"), "{events:?}");
}

#[test]
fn a_get_request_and_phone_sign_in_work_too() {
    let mut s = Setup::start();
    s.idp.phone.enable_phone_signin();
    let mut browser = Browser::default();
    let url = format!("{}?{}", s.idp.url("/oidc/authorize"), s.request(&s.hint(), &[]));
    let page = browser.get(&url);
    assert!(text(&page).contains("biometri eller PIN"), "phone sign-in: {}", text(&page));
    let answer = s.approve(&mut browser, &page, Answer::Approve);
    let (_, f) = posted(&answer);
    let claims = verify(&s, f["id_token"].as_deref().unwrap());
    assert_eq!(claims["amr"], json!(["swk"]));
    assert_eq!(claims["acr"], "possessionorinherence");
}

#[test]
fn a_denial_or_wrong_number_posts_access_denied_and_no_id_token() {
    for answer in [Answer::Deny, Answer::WrongNumber] {
        let mut s = Setup::start();
        let mut browser = Browser::default();
        let page = s.post(&mut browser, &s.request(&s.hint(), &[]));
        let done = s.approve(&mut browser, &page, answer);
        let (action, f) = posted(&done);
        assert_eq!(action, ENTRA_REDIRECT);
        assert_eq!(f["error"].as_deref(), Some("access_denied"));
        assert_eq!(f["state"].as_deref(), Some("entra-state-1"));
        assert!(f["id_token"].is_none());
    }
}

#[test]
fn an_expired_approval_posts_access_denied_and_an_early_continuation_waits() {
    let s = Setup::start();
    let mut browser = Browser::default();
    let page = text(&s.post(&mut browser, &s.request(&s.hint(), &[])));
    let resume = attr(&page, "data-resume").unwrap();
    let (id, token) = (attr(&page, "data-request").unwrap(), attr(&page, "data-token").unwrap());
    let url = s.idp.url(&format!("{resume}&request={id}&t={token}"));
    let early = browser.get(&url);
    refused(&early, "väntar fortfarande");
    // Someone else's token for the request: nothing.
    refused(&browser.get(&s.idp.url(&format!("{resume}&request={id}&t=bm9wZQ"))), "för lång tid");
    s.idp.advance(121);
    let (_, f) = posted(&text(&browser.get(&url)));
    assert_eq!(f["error"].as_deref(), Some("access_denied"));
    refused(&browser.get(&url), "för lång tid");
}

#[test]
fn an_approval_continued_after_the_request_expired_posts_access_denied() {
    let mut s = Setup::start();
    let mut browser = Browser::default();
    let page = text(&s.post(&mut browser, &s.request(&s.hint(), &[])));
    let resume = attr(&page, "data-resume").unwrap();
    let (id, token) = (attr(&page, "data-request").unwrap(), attr(&page, "data-token").unwrap());
    let number = number_on(&page);
    s.idp.phone.decide(&id, Decision::Approve { number });
    // Approved in time, but the page continues only after the request's expiry (and grace).
    s.idp.advance(131);
    let url = s.idp.url(&format!("{resume}&request={id}&t={token}"));
    let (_, f) = posted(&text(&browser.get(&url)));
    assert_eq!(f["error"].as_deref(), Some("access_denied"));
    assert!(f["id_token"].is_none());
    assert_eq!(s.idp.provider.signin_status(&id).unwrap().state, "expired");
}

#[test]
fn a_forged_hint_is_an_error_page() {
    let s = Setup::start();
    let mut browser = Browser::default();
    // Signed by the attacker's key under Entra's kid.
    let attacker = Key::new("entra-1");
    let forged = sign(&attacker, &hint_claims(&s.entra, s.now()));
    refused(&s.post(&mut browser, &s.request(&forged, &[])), "kunde inte verifieras");
    // Entra's hint with the oid changed.
    let hint = s.hint();
    let parts: Vec<&str> = hint.split('.').collect();
    let mut claims = hint_claims(&s.entra, s.now());
    claims["oid"] = json!("someone-else");
    let payload = b64(&serde_json::to_vec(&claims).unwrap());
    let tampered = format!("{}.{payload}.{}", parts[0], parts[2]);
    refused(&s.post(&mut browser, &s.request(&tampered, &[])), "kunde inte verifieras");
    // A key Entra never published, and no hint at all.
    let unknown = sign(&Key::new("made-up"), &hint_claims(&s.entra, s.now()));
    refused(&s.post(&mut browser, &s.request(&unknown, &[])), "kunde inte verifieras");
    refused(&s.post(&mut browser, &s.request("", &[])), "ofullständig");
    refused(&s.post(&mut browser, &s.request("not.a.jwt", &[])), "kunde inte verifieras");
}

#[test]
fn a_hint_older_than_ten_minutes_or_from_the_future_is_refused_an_expired_one_is_not() {
    let mut s = Setup::start();
    let mut browser = Browser::default();
    let mut old = hint_claims(&s.entra, s.now() - 601);
    old["exp"] = json!(s.now() - 600);
    refused(&s.post(&mut browser, &s.request(&sign(&s.key, &old), &[])), "för gammal");
    let future = hint_claims(&s.entra, s.now() + 120);
    refused(&s.post(&mut browser, &s.request(&sign(&s.key, &future), &[])), "för gammal");
    // Issued nine minutes ago and long expired: accepted.
    let mut fine = hint_claims(&s.entra, s.now() - 540);
    fine["exp"] = json!(s.now() - 500);
    let page = s.post(&mut browser, &s.request(&sign(&s.key, &fine), &[]));
    let (_, f) = posted(&s.approve(&mut browser, &page, Answer::Approve));
    assert!(f["id_token"].is_some());
}

#[test]
fn an_unknown_tenant_a_foreign_tenants_key_an_unlinked_user_or_a_wrong_audience_is_refused() {
    let s = Setup::start();
    let mut browser = Browser::default();
    let other_key = Key::new("other-1");
    s.entra.publish(OTHER_TENANT, &[&other_key]);
    // A real hint of a tenant that is not configured.
    let mut other = hint_claims(&s.entra, s.now());
    other["tid"] = json!(OTHER_TENANT);
    other["iss"] = json!(s.entra.issuer(OTHER_TENANT));
    refused(&s.post(&mut browser, &s.request(&sign(&other_key, &other), &[])), "organisation");
    // The other tenant's key signing a hint that claims the configured tenant.
    let claims = hint_claims(&s.entra, s.now());
    refused(&s.post(&mut browser, &s.request(&sign(&other_key, &claims), &[])), "verifieras");
    // The configured tenant's hint with the other tenant's issuer.
    let mut iss = hint_claims(&s.entra, s.now());
    iss["iss"] = json!(s.entra.issuer(OTHER_TENANT));
    refused(&s.post(&mut browser, &s.request(&sign(&s.key, &iss), &[])), "verifieras");
    // Another app's hint.
    let mut aud = hint_claims(&s.entra, s.now());
    aud["aud"] = json!("another-app");
    refused(&s.post(&mut browser, &s.request(&sign(&s.key, &aud), &[])), "verifieras");
    // A user nobody linked.
    let mut stranger = hint_claims(&s.entra, s.now());
    stranger["oid"] = json!("ffffffff-6666-4666-8666-ffffffffffff");
    refused(&s.post(&mut browser, &s.request(&sign(&s.key, &stranger), &[])), "inte kopplat");
    // Unlinking takes effect at once.
    s.idp.provider.unlink_user("anna", TENANT, OID).unwrap();
    refused(&s.post(&mut browser, &s.request(&s.hint(), &[])), "inte kopplat");
}

#[test]
fn an_unknown_client_or_another_redirect_uri_never_posts() {
    let s = Setup::start();
    let mut browser = Browser::default();
    let hint = s.hint();
    let evil = s.request(&hint, &[("redirect_uri", Some("https://evil.example/cb"))]);
    let resp = s.post(&mut browser, &evil);
    refused(&resp, "Återadressen");
    assert!(!text(&resp).contains("evil.example"));
    refused(
        &s.post(&mut browser, &s.request(&hint, &[("client_id", Some("x"))])),
        "inte registrerad",
    );
    refused(
        &s.post(&mut browser, &s.request(&hint, &[("response_mode", Some("fragment"))])),
        "felaktig",
    );
    refused(&s.post(&mut browser, &s.request(&hint, &[("nonce", None)])), "felaktig");
}

#[test]
fn a_replayed_request_is_refused() {
    let s = Setup::start();
    let mut browser = Browser::default();
    let request = s.request(&s.hint(), &[]);
    assert_eq!(s.post(&mut browser, &request).status, 200);
    // The same hint and nonce again (a captured request replayed): no second approval.
    refused(&s.post(&mut Browser::default(), &request), "redan använts");
    // A fresh nonce is a new request.
    let again = s.request(&s.hint(), &[("nonce", Some("entra-nonce-2"))]);
    assert_eq!(s.post(&mut browser, &again).status, 200);
}

#[test]
fn a_request_the_method_cannot_satisfy_posts_access_denied_before_any_push() {
    let s = Setup::start();
    let mut browser = Browser::default();
    let inherence = r#"{"id_token":{"acr":{"essential":true,"values":["inherence"]}}}"#;
    let no_swk = r#"{"id_token":{"acr":{"values":["possessionorinherence"]},"amr":{"values":["fido","sms"]}}}"#;
    for (i, claims) in [inherence, no_swk].into_iter().enumerate() {
        let nonce = format!("n-{i}");
        let req = s.request(&s.hint(), &[("claims", Some(claims)), ("nonce", Some(&nonce))]);
        let (action, f) = posted(&text(&s.post(&mut browser, &req)));
        assert_eq!(action, ENTRA_REDIRECT);
        assert_eq!(f["error"].as_deref(), Some("access_denied"));
        assert!(f["id_token"].is_none());
    }
    let started = s.idp.provider.events(Some("anna"), 10).unwrap();
    assert!(!started.iter().any(|e| e.kind == "signin_started"), "no push was sent");
}

#[test]
fn rotated_entra_keys_are_fetched_on_an_unknown_kid_at_most_once_a_minute() {
    let mut s = Setup::start();
    let mut browser = Browser::default();
    assert_eq!(s.post(&mut browser, &s.request(&s.hint(), &[("nonce", Some("a"))])).status, 200);
    assert_eq!(s.entra.fetches(), 1);
    // Made-up kids: no fetch per request.
    for i in 0..5 {
        let junk = sign(&Key::new(&format!("junk-{i}")), &hint_claims(&s.entra, s.now()));
        refused(&s.post(&mut browser, &s.request(&junk, &[])), "verifieras");
    }
    assert_eq!(s.entra.fetches(), 1, "bounded");
    // Entra rotates: a hint signed by the new key works once a minute has passed.
    let new_key = Key::new("entra-2");
    s.entra.publish(TENANT, &[&s.key, &new_key]);
    s.idp.advance(61);
    let hint = sign(&new_key, &hint_claims(&s.entra, s.now()));
    let page = s.post(&mut browser, &s.request(&hint, &[("nonce", Some("b"))]));
    assert_eq!(s.entra.fetches(), 2, "refreshed for the new kid");
    let (_, f) = posted(&s.approve(&mut browser, &page, Answer::Approve));
    assert!(f["id_token"].is_some());
    // The old key still verifies, from the refreshed set, without another fetch.
    let old = s.request(&s.hint(), &[("nonce", Some("c"))]);
    assert_eq!(s.post(&mut browser, &old).status, 200);
    assert_eq!(s.entra.fetches(), 2);
}

#[test]
fn an_unreachable_jwks_posts_temporarily_unavailable() {
    let s = Setup::start();
    s.entra.served.lock().unwrap().clear();
    let mut browser = Browser::default();
    let (action, f) = posted(&text(&s.post(&mut browser, &s.request(&s.hint(), &[]))));
    assert_eq!(action, ENTRA_REDIRECT);
    assert_eq!(f["error"].as_deref(), Some("temporarily_unavailable"));
    assert_eq!(f["state"].as_deref(), Some("entra-state-1"));
}

#[test]
fn a_disabled_user_is_denied_and_a_deleted_users_link_goes_with_them() {
    let s = Setup::start();
    let mut browser = Browser::default();
    // A request waits for anna's phone when the administrator disables her.
    let page = text(&s.post(&mut browser, &s.request(&s.hint(), &[("nonce", Some("a"))])));
    s.idp.provider.set_user_disabled("anna", true).unwrap();
    let again = s.request(&s.hint(), &[("nonce", Some("b"))]);
    let (_, f) = posted(&text(&s.post(&mut browser, &again)));
    assert_eq!(f["error"].as_deref(), Some("access_denied"), "no push for a disabled user");
    let resume = attr(&page, "data-resume").unwrap();
    let (id, token) = (attr(&page, "data-request").unwrap(), attr(&page, "data-token").unwrap());
    let url = s.idp.url(&format!("{resume}&request={id}&t={token}"));
    let (_, f) = posted(&text(&browser.get(&url)));
    assert_eq!(f["error"].as_deref(), Some("access_denied"), "the waiting request ended");
    // Deleting her takes her link (and any waiting request) too.
    s.idp.provider.set_user_disabled("anna", false).unwrap();
    let third = s.request(&s.hint(), &[("nonce", Some("c"))]);
    let waiting = text(&s.post(&mut browser, &third));
    assert!(waiting.contains("data-request"), "waiting on the phone: {waiting}");
    s.idp.provider.delete_user("anna").unwrap();
    assert!(s.idp.provider.user_links("anna").is_err());
    s.idp.provider.add_user("anna2", None, false).unwrap();
    s.idp.provider.link_user("anna2", TENANT, OID).unwrap();
}

#[test]
fn a_linked_user_whose_only_method_is_a_one_time_code_gets_access_denied_and_no_request() {
    // Entra checked the first factor; the approval must be the phone's (no code is offered
    // here), so a user whose phones are all revoked is refused even with a confirmed code.
    let (mut idp, otp) = Idp::start_with(true);
    let otp = otp.unwrap();
    let mut browser = Browser::default();
    let fields = [("username", "anna"), ("mode", "password"), ("password", PASSWORD)];
    let page = text(&browser.post(&idp.url("/signin"), &form(&fields)));
    let (id, token) = (attr(&page, "data-request").unwrap(), attr(&page, "data-token").unwrap());
    idp.phone.decide(&id, Decision::Approve { number: number_on(&page) });
    let done = browser.post(&idp.url(&format!("/signin/complete/{id}?t={token}")), "");
    assert_eq!(done.status, 200, "{}", text(&done));
    let at = now() + idp.offset.load(Ordering::SeqCst);
    let code = otp.code_at(at as u64).unwrap().value;
    let confirmed = browser.post(&idp.url("/account/code"), &form(&[("code", &code)]));
    assert_eq!(location(&confirmed), "/account");
    idp.provider.revoke_device(&idp.phone.enrollment.device_id).unwrap();
    let s = Setup::with(idp);
    let before = s.idp.provider.events(Some("anna"), 50).unwrap();
    let started = |events: &[nyckel_idp::EventInfo]| {
        events.iter().filter(|e| e.kind == "signin_started").count()
    };
    let (action, f) = posted(&text(&s.post(&mut Browser::default(), &s.request(&s.hint(), &[]))));
    assert_eq!(action, ENTRA_REDIRECT);
    assert_eq!(f["error"].as_deref(), Some("access_denied"));
    assert!(f["id_token"].is_none());
    let after = s.idp.provider.events(Some("anna"), 50).unwrap();
    assert_eq!(started(&after), started(&before), "no request was started");
}
