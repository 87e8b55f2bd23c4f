//! The OpenID Connect provider's records, as its domain (`oidc/`) and the storage layer
//! exchange them: signing keys, clients, authorization codes, access
//! tokens, provider sessions and authorization requests waiting for a sign-in. Plain data
//! with the few rules that belong to the data itself; the protocol's rules are in `oidc`.

/// A JWS algorithm the provider signs ID tokens with.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SigningAlg {
    /// RSASSA-PKCS1-v1_5 with SHA-256 (the OpenID Connect default).
    Rs256,
    /// ECDSA on P-256 with SHA-256.
    Es256,
}

impl SigningAlg {
    /// Every algorithm, in the order keys are created and published.
    pub const ALL: [SigningAlg; 2] = [SigningAlg::Rs256, SigningAlg::Es256];

    /// The JOSE name (`RS256`, `ES256`), also the stored one.
    pub fn as_str(self) -> &'static str {
        match self {
            SigningAlg::Rs256 => "RS256",
            SigningAlg::Es256 => "ES256",
        }
    }

    /// Parses a JOSE name.
    pub fn parse(s: &str) -> Option<SigningAlg> {
        match s {
            "RS256" => Some(SigningAlg::Rs256),
            "ES256" => Some(SigningAlg::Es256),
            _ => None,
        }
    }
}

/// A signing key as storage keeps it: the private key (PKCS#8 DER), the self-signed
/// certificate for RSA keys, and its life (created, retired). Its `Debug` omits the private key.
#[derive(Clone, PartialEq, Eq)]
pub struct StoredKey {
    /// Key id: the RFC 7638 JWK thumbprint (SHA-256, base64url) of the public key.
    pub kid: String,
    /// The algorithm the key signs with.
    pub alg: SigningAlg,
    /// The private key, PKCS#8 DER.
    pub private_pkcs8: Vec<u8>,
    /// The self-signed X.509 certificate (DER) of an RSA key (`x5c`); `None` for EC keys.
    pub cert_der: Option<Vec<u8>>,
    /// When the key was made (Unix seconds).
    pub created_at: i64,
    /// When the key was retired (no longer published nor used), if it was.
    pub retired_at: Option<i64>,
}

impl std::fmt::Debug for StoredKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StoredKey")
            .field("kid", &self.kid)
            .field("alg", &self.alg)
            .field("created_at", &self.created_at)
            .field("retired_at", &self.retired_at)
            .finish_non_exhaustive()
    }
}

/// A registered client, as storage keeps it.
#[derive(Clone, PartialEq, Eq)]
pub struct Client {
    /// The `client_id` (random, public).
    pub id: String,
    /// The administrator's name for it (shown on the sign-in page).
    pub name: String,
    /// Registered redirect URIs; a request's `redirect_uri` must equal one exactly.
    pub redirect_uris: Vec<String>,
    /// Registered post-logout redirect URIs (RP-initiated logout).
    pub post_logout_uris: Vec<String>,
    /// SHA-256 of the client secret (base64url); `None` for a public client.
    pub secret_hash: Option<String>,
    /// The algorithm its ID tokens are signed with.
    pub id_token_alg: SigningAlg,
    /// When it was registered (Unix seconds).
    pub created_at: i64,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("id", &self.id)
            .field("name", &self.name)
            .field("redirect_uris", &self.redirect_uris)
            .field("public", &self.is_public())
            .finish_non_exhaustive()
    }
}

impl Client {
    /// A public client (no secret; PKCE required).
    pub fn is_public(&self) -> bool {
        self.secret_hash.is_none()
    }

    /// Whether `uri` is one of its redirect URIs, by exact string comparison.
    pub fn has_redirect_uri(&self, uri: &str) -> bool {
        self.redirect_uris.iter().any(|r| r == uri)
    }

    /// Whether `uri` is one of its post-logout redirect URIs, by exact string comparison.
    pub fn has_post_logout_uri(&self, uri: &str) -> bool {
        self.post_logout_uris.iter().any(|r| r == uri)
    }
}

/// How the phone app reports the user verified themselves for phone sign-in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UserVerification {
    /// The device PIN or passcode.
    Pin,
    /// A fingerprint.
    Fingerprint,
    /// Face recognition.
    Face,
}

/// How the user signed in (what `amr` and `acr` say).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SignInMethod {
    /// Password, then a push approval with number matching on the enrolled phone.
    PasswordAndPush,
    /// Password, then a one-time code from the user's Nyckel account ("Använd en
    /// verifieringskod").
    PasswordAndCode,
    /// Passwordless phone sign-in: the phone's key with user verification, and how the user
    /// verified when the app reports it.
    PhoneSignin(Option<UserVerification>),
}

impl SignInMethod {
    /// The RFC 8176 `amr` values: `pwd` (password), `swk` (a software-secured key: the app's
    /// device key), `user` (user presence/verification on the phone), `pin`/`fpt`/`face` (how
    /// the user verified), `otp` (a one-time code), `mfa` (more than one factor).
    pub fn amr(self) -> Vec<&'static str> {
        match self {
            SignInMethod::PasswordAndPush => vec!["pwd", "swk", "mfa"],
            SignInMethod::PasswordAndCode => vec!["pwd", "otp", "mfa"],
            SignInMethod::PhoneSignin(uv) => {
                let mut amr = vec!["swk", "user"];
                match uv {
                    Some(UserVerification::Pin) => amr.push("pin"),
                    Some(UserVerification::Fingerprint) => amr.push("fpt"),
                    Some(UserVerification::Face) => amr.push("face"),
                    None => {}
                }
                amr.push("mfa");
                amr
            }
        }
    }

    /// The stored form (`push`, `phone`, `phone:pin`, `phone:fpt`, `phone:face`).
    pub fn as_stored(self) -> &'static str {
        match self {
            SignInMethod::PasswordAndPush => "push",
            SignInMethod::PasswordAndCode => "otp",
            SignInMethod::PhoneSignin(None) => "phone",
            SignInMethod::PhoneSignin(Some(UserVerification::Pin)) => "phone:pin",
            SignInMethod::PhoneSignin(Some(UserVerification::Fingerprint)) => "phone:fpt",
            SignInMethod::PhoneSignin(Some(UserVerification::Face)) => "phone:face",
        }
    }

    /// Parses the stored form.
    pub fn from_stored(s: &str) -> Option<SignInMethod> {
        Some(match s {
            "push" => SignInMethod::PasswordAndPush,
            "otp" => SignInMethod::PasswordAndCode,
            "phone" => SignInMethod::PhoneSignin(None),
            "phone:pin" => SignInMethod::PhoneSignin(Some(UserVerification::Pin)),
            "phone:fpt" => SignInMethod::PhoneSignin(Some(UserVerification::Fingerprint)),
            "phone:face" => SignInMethod::PhoneSignin(Some(UserVerification::Face)),
            _ => return None,
        })
    }
}

/// The signed-in user and their sign-in, as a code or session carries it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Authentication {
    /// The stable subject: the user's id.
    pub sub: String,
    /// The user name (`preferred_username`, `name`).
    pub username: String,
    /// When the user signed in (Unix seconds).
    pub auth_time: i64,
    /// How.
    pub method: SignInMethod,
    /// The provider session id (`sid`).
    pub sid: String,
}

/// An authorization code as storage keeps it (the code itself only as its hash).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CodeRecord {
    /// SHA-256 of the code, base64url.
    pub code_hash: String,
    /// The client it was issued to.
    pub client_id: String,
    /// The redirect URI of the request.
    pub redirect_uri: String,
    /// The PKCE challenge of the request, if any.
    pub code_challenge: Option<String>,
    /// The request's `nonce`.
    pub nonce: Option<String>,
    /// The granted scopes, space-separated.
    pub scope: String,
    /// Who signed in, and how.
    pub auth: Authentication,
    /// Expiry (Unix seconds).
    pub expires_at: i64,
    /// When it was redeemed, if it was.
    pub used_at: Option<i64>,
}

/// An access token as storage keeps it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AccessTokenRecord {
    /// SHA-256 of the token, base64url.
    pub token_hash: String,
    /// The code it was issued for (revoked with it on a replay).
    pub code_hash: String,
    /// The client.
    pub client_id: String,
    /// The granted scopes, space-separated.
    pub scope: String,
    /// Who.
    pub sub: String,
    /// The user name.
    pub username: String,
    /// Expiry.
    pub expires_at: i64,
}

/// A provider session as OpenID Connect sees it: a browser session (`nyckel_session`) opened by
/// a sign-in the provider watched complete, with how and when the user signed in.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OidcSession {
    /// The session id (`sid` in ID tokens; random, not the cookie).
    pub sid: String,
    /// SHA-256 of the browser session's token, b64url (the `sessions` row it belongs to).
    pub session_hash: String,
    /// The stable subject: the user's id.
    pub sub: String,
    /// The user name.
    pub username: String,
    /// How the user signed in.
    pub method: SignInMethod,
    /// When.
    pub auth_time: i64,
}

/// An authorization request waiting for the user to sign in, stored under the hash of the
/// random id the sign-in pages carry (`authz`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PendingAuthorization {
    /// SHA-256 of the `authz` id, b64url.
    pub id_hash: String,
    /// The request's parameters, form-urlencoded (validated again when it resumes).
    pub params: String,
    /// Expiry (Unix seconds).
    pub expires_at: i64,
}

/// The domain's verdict on redeeming a code, applied by the store in the same transaction.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CodeVerdict {
    /// Mark the code used and store this access token.
    Issue(AccessTokenRecord),
    /// Refuse; write nothing.
    Refuse,
    /// A replay: refuse and revoke the access tokens issued for the code.
    Replayed,
}
