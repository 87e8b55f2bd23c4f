//! The provider's issuer identifier, its endpoint URLs, and the discovery document
//! (OpenID Connect Discovery 1.0 §3, served at `{issuer}/.well-known/openid-configuration`).
//!
//! The issuer is the provider's public origin and may carry a path
//! (`https://login.example.se/auth`): every endpoint is the issuer followed by its path, and
//! discovery is at the issuer's path followed by `/.well-known/openid-configuration` (§4.1).

use serde::Serialize;

use super::keys::SigningAlg;

/// Path of the discovery document under the issuer.
pub const DISCOVERY_PATH: &str = "/.well-known/openid-configuration";
/// Path of the authorization endpoint under the issuer.
pub const AUTHORIZE_PATH: &str = "/oidc/authorize";
/// Where the sign-in pages continue a waiting authorization request (`?authz=…`).
pub const RESUME_PATH: &str = "/oidc/authorize/resume";
/// Path of the token endpoint under the issuer.
pub const TOKEN_PATH: &str = "/oidc/token";
/// Path of the userinfo endpoint under the issuer.
pub const USERINFO_PATH: &str = "/oidc/userinfo";
/// Path of the JWKS under the issuer.
pub const JWKS_PATH: &str = "/oidc/jwks";
/// Path of the RP-initiated logout endpoint under the issuer.
pub const END_SESSION_PATH: &str = "/oidc/logout";

/// The scopes the provider knows (`openid` is required; the others select claims).
pub const SCOPES: [&str; 2] = ["openid", "profile"];

/// Why a string is not an issuer identifier.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum IssuerError {
    /// Not an absolute http(s) URL.
    #[error("the issuer must be an absolute https URL (http only for loopback)")]
    NotHttps,
    /// A query or fragment (Discovery §2 forbids them).
    #[error("the issuer must not have a query or fragment")]
    QueryOrFragment,
}

/// The issuer identifier: an https URL (http allowed for loopback tests) with no query,
/// fragment or trailing slash; it may carry a path.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Issuer(String);

impl Issuer {
    /// Parses the provider's public origin as the issuer (a trailing `/` is dropped).
    pub fn parse(origin: &str) -> Result<Issuer, IssuerError> {
        let url = url::Url::parse(origin).map_err(|_| IssuerError::NotHttps)?;
        let loopback = match url.host() {
            Some(url::Host::Domain(d)) => d == "localhost",
            Some(url::Host::Ipv4(a)) => a.is_loopback(),
            Some(url::Host::Ipv6(a)) => a.is_loopback(),
            None => return Err(IssuerError::NotHttps),
        };
        if !(url.scheme() == "https" || (url.scheme() == "http" && loopback)) {
            return Err(IssuerError::NotHttps);
        }
        if url.query().is_some() || url.fragment().is_some() || origin.contains(['?', '#']) {
            return Err(IssuerError::QueryOrFragment);
        }
        if !url.username().is_empty() || url.password().is_some() {
            return Err(IssuerError::NotHttps);
        }
        Ok(Issuer(url.as_str().trim_end_matches('/').to_owned()))
    }

    /// The identifier, as ID tokens' `iss` and the `iss` response parameter carry it.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The URL of an endpoint path under the issuer.
    pub fn endpoint(&self, path: &str) -> String {
        format!("{}{path}", self.0)
    }
}

/// The discovery document (Discovery §3): what the provider supports, exactly.
#[derive(Clone, Debug, Serialize)]
pub struct Discovery {
    issuer: String,
    authorization_endpoint: String,
    token_endpoint: String,
    userinfo_endpoint: String,
    jwks_uri: String,
    end_session_endpoint: String,
    scopes_supported: Vec<&'static str>,
    response_types_supported: [&'static str; 2],
    response_modes_supported: [&'static str; 2],
    grant_types_supported: [&'static str; 1],
    subject_types_supported: [&'static str; 1],
    id_token_signing_alg_values_supported: Vec<&'static str>,
    token_endpoint_auth_methods_supported: [&'static str; 3],
    code_challenge_methods_supported: [&'static str; 1],
    prompt_values_supported: [&'static str; 2],
    claims_supported: [&'static str; 14],
    acr_values_supported: [&'static str; 1],
    claims_parameter_supported: bool,
    request_parameter_supported: bool,
    request_uri_parameter_supported: bool,
    authorization_response_iss_parameter_supported: bool,
}

/// The one `acr` value the provider asserts: a sign-in with a possession factor approved on
/// the phone (number matching or phone sign-in), i.e. multi-factor.
pub const ACR_MFA: &str = "urn:nyckel:acr:mfa";

impl Discovery {
    /// The document for `issuer`.
    pub fn new(issuer: &Issuer) -> Discovery {
        Discovery {
            issuer: issuer.as_str().to_owned(),
            authorization_endpoint: issuer.endpoint(AUTHORIZE_PATH),
            token_endpoint: issuer.endpoint(TOKEN_PATH),
            userinfo_endpoint: issuer.endpoint(USERINFO_PATH),
            jwks_uri: issuer.endpoint(JWKS_PATH),
            end_session_endpoint: issuer.endpoint(END_SESSION_PATH),
            scopes_supported: SCOPES.to_vec(),
            // `id_token`: only for Microsoft Entra's external authentication methods.
            response_types_supported: ["code", "id_token"],
            response_modes_supported: ["query", "form_post"],
            grant_types_supported: ["authorization_code"],
            subject_types_supported: ["public"],
            id_token_signing_alg_values_supported: SigningAlg::ALL
                .iter()
                .map(|a| a.as_str())
                .collect(),
            token_endpoint_auth_methods_supported: [
                "client_secret_basic",
                "client_secret_post",
                "none",
            ],
            code_challenge_methods_supported: ["S256"],
            prompt_values_supported: ["none", "login"],
            claims_supported: [
                "iss",
                "sub",
                "aud",
                "exp",
                "iat",
                "auth_time",
                "nonce",
                "sid",
                "acr",
                "amr",
                "azp",
                "at_hash",
                "preferred_username",
                "name",
            ],
            acr_values_supported: [ACR_MFA],
            claims_parameter_supported: false,
            request_parameter_supported: false,
            request_uri_parameter_supported: false,
            authorization_response_iss_parameter_supported: true,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;

    #[test]
    fn an_issuer_with_a_path_prefixes_every_endpoint() {
        let iss = Issuer::parse("https://login.example.se/auth/").unwrap();
        assert_eq!(iss.as_str(), "https://login.example.se/auth");
        let d: Value = serde_json::to_value(Discovery::new(&iss)).unwrap();
        assert_eq!(d["issuer"], "https://login.example.se/auth");
        assert_eq!(d["authorization_endpoint"], "https://login.example.se/auth/oidc/authorize");
        assert_eq!(d["token_endpoint"], "https://login.example.se/auth/oidc/token");
        assert_eq!(d["jwks_uri"], "https://login.example.se/auth/oidc/jwks");
        assert_eq!(d["userinfo_endpoint"], "https://login.example.se/auth/oidc/userinfo");
        assert_eq!(d["end_session_endpoint"], "https://login.example.se/auth/oidc/logout");
        assert_eq!(
            iss.endpoint(DISCOVERY_PATH),
            "https://login.example.se/auth/.well-known/openid-configuration"
        );
    }

    #[test]
    fn the_document_says_exactly_what_is_supported() {
        let iss = Issuer::parse("http://127.0.0.1:8080").unwrap();
        let d: Value = serde_json::to_value(Discovery::new(&iss)).unwrap();
        assert_eq!(d["response_types_supported"], serde_json::json!(["code", "id_token"]));
        assert_eq!(d["response_modes_supported"], serde_json::json!(["query", "form_post"]));
        assert_eq!(d["code_challenge_methods_supported"], serde_json::json!(["S256"]));
        assert_eq!(
            d["id_token_signing_alg_values_supported"],
            serde_json::json!(["RS256", "ES256"])
        );
        assert_eq!(d["authorization_response_iss_parameter_supported"], true);
        assert_eq!(d["subject_types_supported"], serde_json::json!(["public"]));
        assert!(d["scopes_supported"].as_array().unwrap().contains(&Value::from("openid")));
        assert_eq!(
            d["token_endpoint_auth_methods_supported"],
            serde_json::json!(["client_secret_basic", "client_secret_post", "none"])
        );
    }

    #[test]
    fn issuers_are_https_without_query_or_fragment() {
        assert_eq!(Issuer::parse("http://login.example.se"), Err(IssuerError::NotHttps));
        assert_eq!(Issuer::parse("login.example.se"), Err(IssuerError::NotHttps));
        assert_eq!(Issuer::parse("https://a.se/x?y=1"), Err(IssuerError::QueryOrFragment));
        assert_eq!(Issuer::parse("https://a.se/#f"), Err(IssuerError::QueryOrFragment));
        assert_eq!(Issuer::parse("https://u:p@a.se"), Err(IssuerError::NotHttps));
        assert!(Issuer::parse("http://localhost:3000").is_ok());
        assert!(Issuer::parse("http://[::1]:3000").is_ok());
        assert_eq!(Issuer::parse("https://a.se").unwrap().as_str(), "https://a.se");
    }
}
