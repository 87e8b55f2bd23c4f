//! The OpenID Connect provider (OpenID Connect Core 1.0, Discovery 1.0; OAuth 2.0 RFC 6749,
//! PKCE RFC 7636, the `iss` authorization response parameter RFC 9207): any application signs
//! its users in with Nyckel's number matching or phone sign-in through the authorization code
//! flow.
//!
//! The modules here are the protocol's rules, free of storage and HTTP: signing keys and the
//! JWKS ([`keys`]), the discovery document ([`discovery`]), clients and their authentication
//! ([`client`]), authorization requests and answers ([`authorize`]), and the token endpoint's
//! decisions and ID token claims ([`token`]), RP-initiated logout ([`logout`]).

pub mod authorize;
pub mod client;
pub mod discovery;
pub mod error;
pub mod keys;
pub mod logout;
pub(crate) mod service;
pub mod token;
