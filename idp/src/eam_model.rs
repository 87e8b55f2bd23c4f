//! The records of Microsoft Entra ID external authentication methods (EAM), as the domain
//! (`eam/`) and the storage layer exchange them: the configured methods (one per Entra
//! configuration: the client id Entra presents, its app id and tenants), the links between
//! Entra users and Nyckel users, and the requests waiting for the user's approval.

use crate::model::UserId;

/// Entra's global-cloud issuer of `id_token_hint`s; `{tenantid}` is the hint's `tid`.
pub const DEFAULT_ISSUER_TEMPLATE: &str = "https://login.microsoftonline.com/{tenantid}/v2.0";
/// Entra's global-cloud JWKS of a tenant.
pub const DEFAULT_JWKS_URI_TEMPLATE: &str =
    "https://login.microsoftonline.com/{tenantid}/discovery/v2.0/keys";
/// Where Entra's global cloud receives the answer.
pub const DEFAULT_REDIRECT_URI: &str =
    "https://login.microsoftonline.com/common/federation/externalauthprovider";
/// The placeholder the templates carry.
pub const TENANT_PLACEHOLDER: &str = "{tenantid}";

/// An external authentication method as configured by `nyckel-idp eam add`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EamMethod {
    /// The `client_id` Entra sends (the provider's name for the Entra configuration).
    pub client_id: String,
    /// The Entra application id: the `aud` of the hints.
    pub app_id: String,
    /// The tenants whose hints are accepted.
    pub tenants: Vec<String>,
    /// The one redirect URI answers are posted to (exact match).
    pub redirect_uri: String,
    /// The hints' issuer, with `{tenantid}` for the tenant.
    pub issuer_template: String,
    /// The tenant's JWKS, with `{tenantid}` for the tenant.
    pub jwks_uri_template: String,
    /// When it was added (Unix seconds).
    pub created_at: i64,
}

impl EamMethod {
    /// Whether `tid` is one of its tenants.
    pub fn has_tenant(&self, tid: &str) -> bool {
        self.tenants.iter().any(|t| t == tid)
    }

    /// The hints' issuer for tenant `tid`.
    pub fn issuer_for(&self, tid: &str) -> String {
        self.issuer_template.replace(TENANT_PLACEHOLDER, tid)
    }

    /// The JWKS URL of tenant `tid`.
    pub fn jwks_uri_for(&self, tid: &str) -> String {
        self.jwks_uri_template.replace(TENANT_PLACEHOLDER, tid)
    }
}

/// A link from an Entra user (tenant id, object id) to a Nyckel user.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EamLink {
    /// The Entra tenant (`tid`).
    pub tenant_id: String,
    /// The user's object id in that tenant (`oid`).
    pub object_id: String,
    /// The Nyckel user.
    pub user: UserId,
    /// When it was made.
    pub created_at: i64,
}

/// An Entra request waiting for the user's approval on the phone, stored under the hash of
/// the random id the page carries. The hint was verified when it arrived; what the answer
/// needs is kept here.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PendingEam {
    /// SHA-256 of the page's id, b64url.
    pub id_hash: String,
    /// The request's `client_id` (the answer's `aud`).
    pub client_id: String,
    /// Where the answer is posted.
    pub redirect_uri: String,
    /// The request's `state`.
    pub state: Option<String>,
    /// The request's `nonce`.
    pub nonce: String,
    /// The hint's `sub` (the answer's `sub`).
    pub sub: String,
    /// The `acr` values the request accepts, in its order.
    pub acr_values: Vec<String>,
    /// The `amr` values the request accepts (`None`: it named none).
    pub amr_values: Option<Vec<String>>,
    /// The sign-in request on the phone.
    pub request_id: String,
    /// The linked Nyckel user.
    pub user: UserId,
    /// Expiry (Unix seconds).
    pub expires_at: i64,
}
