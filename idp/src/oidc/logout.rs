//! RP-initiated logout (OpenID Connect RP-Initiated Logout 1.0): which session ends and where
//! the browser goes afterwards. A `post_logout_redirect_uri` is followed only when it is
//! registered (exact match) for the client the request names, by `client_id` or by the
//! audience of an `id_token_hint` this provider signed; anything else ends on the provider's
//! own signed-out page.

use serde::Deserialize;

use super::client::Client;
use super::keys::KeyRing;

/// Why a logout request is refused (shown on a page; nothing is redirected).
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum LogoutError {
    /// The `id_token_hint` is not an ID token this provider signed.
    #[error("the id_token_hint is not an ID token from this provider")]
    BadHint,
    /// `client_id` names no client, or differs from the hint's audience.
    #[error("the application is not registered with this provider")]
    UnknownClient,
    /// The `post_logout_redirect_uri` is not registered for the client (or no client named).
    #[error("the address to return to is not registered for this application")]
    UnregisteredUri,
}

/// The parameters of a logout request (query or form).
#[derive(Clone, Debug, Default, Deserialize)]
pub struct LogoutRequest {
    /// An ID token the provider issued to the client.
    pub id_token_hint: Option<String>,
    /// Where to go afterwards (must be registered).
    pub post_logout_redirect_uri: Option<String>,
    /// Returned unchanged to the post-logout URI.
    pub state: Option<String>,
    /// The client (when no hint names it).
    pub client_id: Option<String>,
}

/// What the logout does.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Logout {
    /// The provider session the hint names (`sid`), to end besides the browser's own.
    pub sid: Option<String>,
    /// Where to send the browser (with `state`); `None`: the signed-out page.
    pub redirect: Option<String>,
}

#[derive(Deserialize)]
struct HintClaims {
    iss: String,
    aud: String,
    #[serde(default)]
    sid: Option<String>,
}

/// Decides a logout request. `find_client` looks a client up by id.
pub fn decide(
    req: &LogoutRequest,
    keys: &KeyRing,
    issuer: &str,
    find_client: impl FnOnce(&str) -> Option<Client>,
) -> Result<Logout, LogoutError> {
    let nonempty = |s: &Option<String>| s.clone().filter(|v| !v.is_empty());
    let hint = match nonempty(&req.id_token_hint) {
        Some(h) => {
            // Expired hints are fine (the user may come back much later); the signature and
            // issuer must be ours.
            let claims: HintClaims = keys.verify_own(&h).ok_or(LogoutError::BadHint)?;
            if claims.iss != issuer {
                return Err(LogoutError::BadHint);
            }
            Some(claims)
        }
        None => None,
    };
    let client_id = match (nonempty(&req.client_id), hint.as_ref().map(|h| h.aud.clone())) {
        (Some(id), Some(aud)) if id != aud => return Err(LogoutError::UnknownClient),
        (id, aud) => id.or(aud),
    };
    let redirect = match nonempty(&req.post_logout_redirect_uri) {
        None => None,
        Some(uri) => {
            let id = client_id.as_deref().ok_or(LogoutError::UnregisteredUri)?;
            let client = find_client(id).ok_or(LogoutError::UnknownClient)?;
            if !client.has_post_logout_uri(&uri) {
                return Err(LogoutError::UnregisteredUri);
            }
            Some(match nonempty(&req.state) {
                Some(state) => {
                    let q: String = url::form_urlencoded::Serializer::new(String::new())
                        .append_pair("state", &state)
                        .finish();
                    format!("{uri}{}{q}", if uri.contains('?') { '&' } else { '?' })
                }
                None => uri,
            })
        }
    };
    Ok(Logout { sid: hint.and_then(|h| h.sid), redirect })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::oidc::client::{register, ClientSpec};
    use crate::oidc::keys::{rotation, SigningAlg};
    use serde_json::json;

    const ISS: &str = "https://login.example.se";

    fn setup() -> (KeyRing, Client) {
        let keys = KeyRing::load(&rotation(1, "T").unwrap()).unwrap();
        let spec = ClientSpec {
            name: "App".into(),
            redirect_uris: vec!["https://app.example.se/cb".into()],
            post_logout_uris: vec!["https://app.example.se/bye".into()],
            ..ClientSpec::default()
        };
        let mut c = register(&spec, 0, crate::ids::random_bytes).unwrap().client;
        c.id = "app".into();
        (keys, c)
    }

    #[test]
    fn a_hint_names_the_session_and_client_for_a_registered_return() {
        let (keys, c) = setup();
        let hint = keys
            .sign(SigningAlg::Es256, &json!({"iss": ISS, "aud": "app", "sid": "s1", "exp": 1}))
            .unwrap();
        let req = LogoutRequest {
            id_token_hint: Some(hint.clone()),
            post_logout_redirect_uri: Some("https://app.example.se/bye".into()),
            state: Some("a b".into()),
            client_id: None,
        };
        let find = |id: &str| (id == c.id).then(|| c.clone());
        let out = decide(&req, &keys, ISS, find).unwrap();
        assert_eq!(out.sid.as_deref(), Some("s1"));
        assert_eq!(out.redirect.as_deref(), Some("https://app.example.se/bye?state=a+b"));
        // Another issuer's hint, a forged one, an unregistered return address: refused.
        let other =
            keys.sign(SigningAlg::Rs256, &json!({"iss": "https://evil", "aud": "app"})).unwrap();
        let bad = LogoutRequest { id_token_hint: Some(other), ..req.clone() };
        assert_eq!(decide(&bad, &keys, ISS, find), Err(LogoutError::BadHint));
        let forged = LogoutRequest { id_token_hint: Some(format!("{hint}x")), ..req.clone() };
        assert_eq!(decide(&forged, &keys, ISS, find), Err(LogoutError::BadHint));
        let open = LogoutRequest {
            post_logout_redirect_uri: Some("https://evil.example/".into()),
            ..req.clone()
        };
        assert_eq!(decide(&open, &keys, ISS, find), Err(LogoutError::UnregisteredUri));
        let mismatch = LogoutRequest { client_id: Some("other".into()), ..req };
        assert_eq!(decide(&mismatch, &keys, ISS, find), Err(LogoutError::UnknownClient));
    }

    #[test]
    fn without_a_client_there_is_no_redirect() {
        let (keys, c) = setup();
        let find = |id: &str| (id == c.id).then(|| c.clone());
        let plain = decide(&LogoutRequest::default(), &keys, ISS, find).unwrap();
        assert_eq!(plain, Logout { sid: None, redirect: None });
        let req = LogoutRequest {
            post_logout_redirect_uri: Some("https://app.example.se/bye".into()),
            ..LogoutRequest::default()
        };
        assert_eq!(decide(&req, &keys, ISS, find), Err(LogoutError::UnregisteredUri));
        let with_id = LogoutRequest { client_id: Some("app".into()), ..req };
        assert_eq!(
            decide(&with_id, &keys, ISS, find).unwrap().redirect.as_deref(),
            Some("https://app.example.se/bye")
        );
    }
}
