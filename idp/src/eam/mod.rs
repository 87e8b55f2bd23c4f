//! Microsoft Entra ID external authentication methods (EAM): the provider side of
//! Microsoft's "external authentication method provider reference". Entra, after its own
//! first factor, sends the user's browser to the authorization endpoint with an OpenID Connect
//! implicit request (`response_type=id_token`, `response_mode=form_post`) carrying an
//! `id_token_hint` it signed; Nyckel checks the hint, asks the linked user's phone for an
//! approval with number matching (or phone sign-in), and form-posts an ID token back.
//!
//! The rules, free of HTTP: the request ([`request`]), the hint ([`hint`]), the tenants' keys
//! ([`jwks`], fetched with `nyckel-http`), the answer ([`answer`]); [`service`] runs them over
//! the store.

pub mod answer;
pub mod hint;
pub mod jwks;
pub mod request;
pub(crate) mod service;
#[cfg(test)]
mod tests;
