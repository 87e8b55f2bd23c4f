//! Relying parties (clients): registration rules, secrets (shown once, stored as a SHA-256
//! hash), and client authentication at the token endpoint (RFC 6749 §2.3.1:
//! `client_secret_basic`, `client_secret_post`; public clients authenticate with PKCE alone).

use base64::Engine;
use nyckel_core::protocol::wire::{b64, sha256};
use subtle::ConstantTimeEq;

use super::error::{OAuthCode, OAuthError};
use super::keys::SigningAlg;
pub use crate::oidc_model::Client;

/// Longest client name, redirect URI or client id accepted.
const MAX_FIELD: usize = 2000;

/// Why a client could not be registered.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ClientError {
    /// The name is empty, too long or has control characters.
    #[error("invalid client name")]
    InvalidName,
    /// At least one redirect URI is required.
    #[error("at least one --redirect-uri is required")]
    NoRedirectUri,
    /// A redirect URI is not acceptable (the URI).
    #[error(
        "redirect URI {0} must be absolute, without a fragment, and https (http only on loopback)"
    )]
    InvalidRedirectUri(String),
}

/// A newly registered client and its secret, which is shown once and never stored.
pub struct NewClient {
    /// The client to store.
    pub client: Client,
    /// The secret of a confidential client.
    pub secret: Option<String>,
}

impl std::fmt::Debug for NewClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NewClient").field("client", &self.client).finish_non_exhaustive()
    }
}

/// What `client add` asks for.
#[derive(Clone, Debug, Default)]
pub struct ClientSpec {
    /// Display name.
    pub name: String,
    /// Redirect URIs (at least one).
    pub redirect_uris: Vec<String>,
    /// Post-logout redirect URIs.
    pub post_logout_uris: Vec<String>,
    /// A public client (no secret, PKCE required).
    pub public: bool,
    /// ES256 instead of the default RS256 for its ID tokens.
    pub id_token_alg: Option<SigningAlg>,
}

/// Registers a client: validates the spec, makes its id and (confidential) secret.
/// `random` gives fresh random bytes (the provider's RNG).
pub fn register(
    spec: &ClientSpec,
    now: i64,
    random: impl Fn(usize) -> Vec<u8>,
) -> Result<NewClient, ClientError> {
    let name = spec.name.trim();
    if name.is_empty() || name.len() > 200 || name.chars().any(char::is_control) {
        return Err(ClientError::InvalidName);
    }
    if spec.redirect_uris.is_empty() {
        return Err(ClientError::NoRedirectUri);
    }
    for uri in spec.redirect_uris.iter().chain(&spec.post_logout_uris) {
        check_redirect_uri(uri)?;
    }
    let secret = (!spec.public).then(|| b64(&random(32)));
    Ok(NewClient {
        client: Client {
            id: b64(&random(16)),
            name: name.to_owned(),
            redirect_uris: spec.redirect_uris.clone(),
            post_logout_uris: spec.post_logout_uris.clone(),
            secret_hash: secret.as_deref().map(secret_hash),
            id_token_alg: spec.id_token_alg.unwrap_or(SigningAlg::Rs256),
            created_at: now,
        },
        secret,
    })
}

/// A redirect URI must be absolute with no fragment (RFC 6749 §3.1.2), and https; http only
/// for loopback (RFC 8252 §7.3); a native app's private-use scheme (RFC 8252 §7.1, a reverse
/// domain name such as `se.example.app:/cb`) is allowed. `javascript:`, `data:` and the like
/// are not.
fn check_redirect_uri(uri: &str) -> Result<(), ClientError> {
    let bad = || ClientError::InvalidRedirectUri(uri.to_owned());
    if uri.len() > MAX_FIELD || uri.contains('#') {
        return Err(bad());
    }
    let url = url::Url::parse(uri).map_err(|_| bad())?;
    let ok = match url.scheme() {
        "https" => url.host().is_some(),
        "http" => match url.host() {
            Some(url::Host::Domain(d)) => d == "localhost",
            Some(url::Host::Ipv4(a)) => a.is_loopback(),
            Some(url::Host::Ipv6(a)) => a.is_loopback(),
            None => false,
        },
        scheme => scheme.contains('.'),
    };
    if ok {
        Ok(())
    } else {
        Err(bad())
    }
}

/// The stored form of a secret: SHA-256, base64url. A secret is 32 random bytes, so a fast hash
/// suffices (nothing to guess), unlike passwords.
pub fn secret_hash(secret: &str) -> String {
    b64(&sha256(secret.as_bytes()))
}

/// The credentials a token request presented.
#[derive(Clone, PartialEq, Eq)]
pub enum Presented {
    /// `Authorization: Basic` (client_secret_basic).
    Basic {
        /// The client id.
        id: String,
        /// The secret.
        secret: String,
    },
    /// `client_id` and `client_secret` in the form (client_secret_post).
    Post {
        /// The client id.
        id: String,
        /// The secret.
        secret: String,
    },
    /// `client_id` alone (a public client).
    None {
        /// The client id.
        id: String,
    },
}

impl std::fmt::Debug for Presented {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let (method, id) = match self {
            Presented::Basic { id, .. } => ("basic", id),
            Presented::Post { id, .. } => ("post", id),
            Presented::None { id } => ("none", id),
        };
        f.debug_struct("Presented").field("method", &method).field("id", id).finish()
    }
}

impl Presented {
    /// The client id presented.
    pub fn client_id(&self) -> &str {
        match self {
            Presented::Basic { id, .. } | Presented::Post { id, .. } | Presented::None { id } => id,
        }
    }
}

const BAD_CLIENT: OAuthError =
    OAuthError::new(OAuthCode::InvalidClient, "client authentication failed");

/// Reads the client credentials of a token request: the `Authorization` header and the form's
/// `client_id` / `client_secret`. Using more than one method is `invalid_request` (§2.3).
pub fn presented(
    authorization: Option<&str>,
    form_client_id: Option<&str>,
    form_secret: Option<&str>,
) -> Result<Presented, OAuthError> {
    if let Some(header) = authorization {
        if form_secret.is_some() {
            return Err(OAuthError::invalid_request("more than one client authentication method"));
        }
        let (id, secret) = parse_basic(header).ok_or(BAD_CLIENT)?;
        if form_client_id.is_some_and(|f| f != id) {
            return Err(OAuthError::invalid_request(
                "client_id differs from the authenticated client",
            ));
        }
        return Ok(Presented::Basic { id, secret });
    }
    let id = form_client_id
        .filter(|s| !s.is_empty() && s.len() <= MAX_FIELD)
        .ok_or(OAuthError::new(OAuthCode::InvalidClient, "client_id is required"))?
        .to_owned();
    Ok(match form_secret {
        Some(secret) => Presented::Post { id, secret: secret.to_owned() },
        None => Presented::None { id },
    })
}

/// `Basic base64(urlencode(id) ":" urlencode(secret))` (RFC 6749 §2.3.1).
fn parse_basic(header: &str) -> Option<(String, String)> {
    let (scheme, value) = header.trim().split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") || value.len() > 2 * MAX_FIELD {
        return None;
    }
    let raw = base64::engine::general_purpose::STANDARD.decode(value.trim()).ok()?;
    let raw = String::from_utf8(raw).ok()?;
    let (id, secret) = raw.split_once(':')?;
    let decode = |s: &str| -> Option<String> {
        // application/x-www-form-urlencoded: `+` is a space.
        let s = s.replace('+', " ");
        percent_decode(&s)
    };
    let (id, secret) = (decode(id)?, decode(secret)?);
    (!id.is_empty()).then_some((id, secret))
}

fn percent_decode(s: &str) -> Option<String> {
    percent_encoding::percent_decode_str(s).decode_utf8().ok().map(|c| c.into_owned())
}

/// Authenticates the presented credentials against the registered client: a confidential
/// client must present its secret (by either method), a public client must present none.
pub fn authenticate(client: &Client, presented: &Presented) -> Result<(), OAuthError> {
    if client.id != presented.client_id() {
        return Err(BAD_CLIENT);
    }
    match (&client.secret_hash, presented) {
        (None, Presented::None { .. }) => Ok(()),
        (Some(hash), Presented::Basic { secret, .. } | Presented::Post { secret, .. }) => {
            let given = secret_hash(secret);
            if bool::from(given.as_bytes().ct_eq(hash.as_bytes())) {
                Ok(())
            } else {
                Err(BAD_CLIENT)
            }
        }
        (None, Presented::Basic { .. } | Presented::Post { .. })
        | (Some(_), Presented::None { .. }) => Err(BAD_CLIENT),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn random(n: usize) -> Vec<u8> {
        crate::ids::random_bytes(n)
    }

    fn spec(public: bool) -> ClientSpec {
        ClientSpec {
            name: "Intranät".into(),
            redirect_uris: vec!["https://app.example.se/cb".into()],
            post_logout_uris: vec!["https://app.example.se/".into()],
            public,
            id_token_alg: None,
        }
    }

    #[test]
    fn a_confidential_client_gets_a_secret_stored_only_as_a_hash() {
        let new = register(&spec(false), 10, random).unwrap();
        let secret = new.secret.clone().unwrap();
        assert_eq!(new.client.secret_hash.as_deref(), Some(secret_hash(&secret).as_str()));
        assert_ne!(new.client.secret_hash.as_deref(), Some(secret.as_str()));
        assert!(!new.client.is_public());
        assert_eq!(new.client.id_token_alg, SigningAlg::Rs256);
        assert!(!format!("{new:?}").contains(&secret));
        let public = register(&spec(true), 10, random).unwrap();
        assert!(public.secret.is_none() && public.client.is_public());
    }

    #[test]
    fn redirect_uris_must_be_https_or_loopback_without_fragment() {
        for bad in [
            "http://app.example.se/cb",
            "https://app.example.se/cb#x",
            "/relative",
            "javascript:alert(1)",
            "data:text/html,x",
        ] {
            let mut s = spec(false);
            s.redirect_uris = vec![bad.into()];
            assert_eq!(
                register(&s, 0, random).unwrap_err(),
                ClientError::InvalidRedirectUri(bad.into()),
                "{bad}"
            );
        }
        for good in ["http://127.0.0.1:8080/cb", "http://localhost/cb", "se.example.app:/cb"] {
            let mut s = spec(true);
            s.redirect_uris = vec![good.into()];
            assert!(register(&s, 0, random).is_ok(), "{good}");
        }
        let mut s = spec(false);
        s.redirect_uris.clear();
        assert_eq!(register(&s, 0, random).unwrap_err(), ClientError::NoRedirectUri);
        s = spec(false);
        s.name = " ".into();
        assert_eq!(register(&s, 0, random).unwrap_err(), ClientError::InvalidName);
    }

    #[test]
    fn redirect_uri_matching_is_exact() {
        let c = register(&spec(false), 0, random).unwrap().client;
        assert!(c.has_redirect_uri("https://app.example.se/cb"));
        for near in [
            "https://app.example.se/cb/",
            "https://app.example.se/cb?x=1",
            "https://APP.example.se/cb",
            "https://app.example.se/c",
            "https://app.example.se/cb/../cb",
        ] {
            assert!(!c.has_redirect_uri(near), "{near}");
        }
    }

    fn basic(id: &str, secret: &str) -> String {
        let enc = |s: &str| url::form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>();
        format!(
            "Basic {}",
            base64::engine::general_purpose::STANDARD.encode(format!(
                "{}:{}",
                enc(id),
                enc(secret)
            ))
        )
    }

    #[test]
    fn basic_and_post_authenticate_a_confidential_client() {
        let new = register(&spec(false), 0, random).unwrap();
        let (c, secret) = (new.client, new.secret.unwrap());
        let p = presented(Some(&basic(&c.id, &secret)), None, None).unwrap();
        assert!(matches!(p, Presented::Basic { .. }));
        authenticate(&c, &p).unwrap();
        let p = presented(None, Some(&c.id), Some(&secret)).unwrap();
        assert!(matches!(p, Presented::Post { .. }));
        authenticate(&c, &p).unwrap();
        // Wrong secret, no secret, another client's id: invalid_client.
        for p in [
            presented(None, Some(&c.id), Some("wrong")).unwrap(),
            presented(None, Some(&c.id), None).unwrap(),
            presented(None, Some("other"), Some(&secret)).unwrap(),
        ] {
            assert_eq!(authenticate(&c, &p).unwrap_err().code, OAuthCode::InvalidClient);
        }
        assert!(!format!("{p:?}", p = presented(None, Some(&c.id), Some(&secret)).unwrap())
            .contains(&secret));
    }

    #[test]
    fn basic_credentials_are_form_urlencoded() {
        let p = presented(Some(&basic("a:b c", "s+/%")), None, None).unwrap();
        assert_eq!(p, Presented::Basic { id: "a:b c".into(), secret: "s+/%".into() });
        assert_eq!(
            presented(Some("Bearer x"), None, None).unwrap_err().code,
            OAuthCode::InvalidClient
        );
        assert_eq!(
            presented(Some("Basic !!"), None, None).unwrap_err().code,
            OAuthCode::InvalidClient
        );
    }

    #[test]
    fn two_methods_at_once_are_refused() {
        let e = presented(Some(&basic("a", "s")), Some("a"), Some("s")).unwrap_err();
        assert_eq!(e.code, OAuthCode::InvalidRequest);
        let e = presented(Some(&basic("a", "s")), Some("b"), None).unwrap_err();
        assert_eq!(e.code, OAuthCode::InvalidRequest);
        assert_eq!(presented(None, None, None).unwrap_err().code, OAuthCode::InvalidClient);
    }

    #[test]
    fn a_public_client_presents_no_secret() {
        let c = register(&spec(true), 0, random).unwrap().client;
        authenticate(&c, &presented(None, Some(&c.id), None).unwrap()).unwrap();
        let e = authenticate(&c, &presented(None, Some(&c.id), Some("x")).unwrap()).unwrap_err();
        assert_eq!(e.code, OAuthCode::InvalidClient);
    }
}
