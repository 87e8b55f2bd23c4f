//! Identity policy and settings.

use crate::clock::Clock;

/// Identity configuration. [`Config::default`] is the documented policy.
#[derive(Clone, Debug)]
pub struct Config {
    /// Public origin (`https://idp.example.se`); default `http://<bound address>`.
    pub origin: Option<String>,
    /// WebAuthn rpId; default the origin's host.
    pub rp_id: Option<String>,
    /// Display name shown in apps and on pages.
    pub issuer: String,
    /// Sign-in request lifetime, seconds (120).
    pub request_ttl: i64,
    /// Activation code lifetime, seconds (600).
    pub activation_ttl: i64,
    /// Requests allowed per user and kind (push, passwordless) per `push_window` (5).
    pub push_limit: u32,
    /// Rate-limit window, seconds (600).
    pub push_window: i64,
    /// How long a report blocks new requests for the user, seconds (3600).
    pub block_after_report: i64,
    /// Browser session lifetime, seconds (8 h).
    pub session_ttl: i64,
    /// The provider clock.
    pub clock: Clock,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            origin: None,
            rp_id: None,
            issuer: "Nyckel IdP".to_owned(),
            request_ttl: 120,
            activation_ttl: 600,
            push_limit: 5,
            push_window: 600,
            block_after_report: 3600,
            session_ttl: 8 * 3600,
            clock: Clock::system(),
        }
    }
}
