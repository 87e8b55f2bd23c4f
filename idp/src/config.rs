//! Identity policy and settings.

use std::sync::Arc;

use nyckel_core::clock::{Clock, SystemClock};

use crate::attestation::KeyAttestationPolicy;

/// Identity configuration. [`Config::default`] is the documented policy.
#[derive(Clone)]
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
    /// Transfer code lifetime, seconds (600): a new phone enrolls with it shortly after the
    /// old phone asked (`POST /nyckel/v1/transfer`).
    pub transfer_ttl: i64,
    /// Requests allowed per `push_window` (5): `push` requests per user and source address
    /// (IPv6 per /64), so a flood from one place never refuses the real user elsewhere;
    /// `passwordless` requests per user.
    pub push_limit: u32,
    /// Rate-limit window, seconds (600).
    pub push_window: i64,
    /// How long a report blocks new requests for the user, seconds (3600).
    pub block_after_report: i64,
    /// Browser session lifetime, seconds (8 h).
    pub session_ttl: i64,
    /// Password guessing limits (per user name and per source address).
    pub guessing: GuessingLimits,
    /// The per-user budget of push notifications (back-off, quiet mode, mute after a report).
    pub push_budget: PushBudgetLimits,
    /// How many sign-in requests a user has open at once, and which are kept past that.
    pub open_requests: OpenRequestLimits,
    /// Limits of the HTTP server (connections, timeouts, concurrent password hashing).
    pub server: ServerLimits,
    /// How long finished sign-in requests, expired sessions and events are kept.
    pub retention: Retention,
    /// Whether phone sign-in keys need a platform attestation (`serve
    /// --require-key-attestation ROOT.pem`); not by default.
    pub key_attestation: KeyAttestationPolicy,
    /// The provider clock (Unix seconds): core's [`SystemClock`] by default. Tests pass one
    /// they can move (a closure is a clock), shared by every clone of the configuration.
    pub clock: Arc<dyn Clock>,
}

impl std::fmt::Debug for Config {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Config")
            .field("origin", &self.origin)
            .field("rp_id", &self.rp_id)
            .field("issuer", &self.issuer)
            .field("request_ttl", &self.request_ttl)
            .field("activation_ttl", &self.activation_ttl)
            .field("transfer_ttl", &self.transfer_ttl)
            .field("push_limit", &self.push_limit)
            .field("push_window", &self.push_window)
            .field("block_after_report", &self.block_after_report)
            .field("session_ttl", &self.session_ttl)
            .field("guessing", &self.guessing)
            .field("push_budget", &self.push_budget)
            .field("open_requests", &self.open_requests)
            .field("server", &self.server)
            .field("retention", &self.retention)
            .field("key_attestation", &self.key_attestation)
            .field("now", &self.clock.now())
            .finish()
    }
}

impl Default for Config {
    fn default() -> Self {
        Config {
            origin: None,
            rp_id: None,
            issuer: "Nyckel IdP".to_owned(),
            request_ttl: 120,
            activation_ttl: 600,
            transfer_ttl: 600,
            push_limit: 5,
            push_window: 600,
            block_after_report: 3600,
            session_ttl: 8 * 3600,
            guessing: GuessingLimits::default(),
            push_budget: PushBudgetLimits::default(),
            open_requests: OpenRequestLimits::default(),
            server: ServerLimits::default(),
            retention: Retention::default(),
            key_attestation: KeyAttestationPolicy::default(),
            clock: Arc::new(SystemClock),
        }
    }
}

/// Password guessing limits (NIST SP 800-63B §5.2.2): they gate only the password check, never
/// phone sign-in or the approval of a request, so an attacker cannot lock a user with a
/// phone out. Counted per user name (unknown names alike, so the answers reveal no account)
/// and per source address (IPv6 per /64).
#[derive(Clone, Debug)]
pub struct GuessingLimits {
    /// Consecutive failures per user name answered without delay (5).
    pub free_failures: u32,
    /// After that, each failure makes the name wait `2^(failures − free_failures)` seconds, up
    /// to this many (900).
    pub max_delay: i64,
    /// Consecutive failures after which password sign-in is locked for the name until the
    /// administrator unlocks it (`nyckel-idp user unlock NAME`); a correct password checked
    /// before then starts the count over (100).
    pub lock_after: u32,
    /// Failed attempts per source address in `source_window` before it must wait (30).
    pub source_failures: u32,
    /// The per-source window, seconds (600).
    pub source_window: i64,
    /// A name's failure count is forgotten after this long without a failure, unless locked
    /// (86 400).
    pub forget_after: i64,
}

impl Default for GuessingLimits {
    fn default() -> Self {
        GuessingLimits {
            free_failures: 5,
            max_delay: 900,
            lock_after: 100,
            source_failures: 30,
            source_window: 600,
            forget_after: 86_400,
        }
    }
}

/// The per-user push notification budget against MFA fatigue (`docs/protocol.md` §7): it
/// decides whether a new sign-in request is *notified* (a push trigger per device) or
/// created quietly — listed when the app fetches its pending requests, with no notification.
/// Requests are never refused by it, so an attacker who knows the password cannot lock the
/// real user out, only make the user open the app.
#[derive(Clone, Debug)]
pub struct PushBudgetLimits {
    /// Notifications since the user's last approval sent without delay (3).
    pub free: u32,
    /// After that, each notification waits `first_backoff · 2^(unanswered − free)` seconds
    /// after the previous one (60).
    pub first_backoff: i64,
    /// Unanswered notifications (since the last approval) after which the user is in quiet
    /// mode: no notification until an approval (6).
    pub quiet_after: u32,
    /// Notifications per user in any hour, whatever else allows (10); approvals do not
    /// reset it.
    pub per_hour: u32,
    /// The unanswered count is forgotten after this long without a sign-in request for the
    /// user (86 400).
    pub forget_after: i64,
    /// How long a report ("Rapportera") mutes the user's notifications, seconds (86 400).
    pub mute_after_report: i64,
}

impl Default for PushBudgetLimits {
    fn default() -> Self {
        PushBudgetLimits {
            free: 3,
            first_backoff: 60,
            quiet_after: 6,
            per_hour: 10,
            forget_after: 86_400,
            mute_after_report: 86_400,
        }
    }
}

/// Coexisting sign-in requests (`docs/protocol.md` §7): a new request replaces only the open
/// requests from its own source address, so an attacker elsewhere cannot supersede the real
/// user's. Past `per_user` open requests, the oldest *quiet* one from an address and a
/// browser the user has not signed in from makes room; a notified request and a request from
/// a recognised address or browser are never replaced by a quiet one.
#[derive(Clone, Debug)]
pub struct OpenRequestLimits {
    /// Open requests per user past which the oldest quiet, unrecognised one past its first
    /// `protect_for` seconds is replaced (8; at most 16, what the app lists).
    pub per_user: usize,
    /// How long a quiet request from an unrecognised address and browser is kept like a
    /// notified one, seconds (60): the time a user takes to open the app for the number on
    /// their screen, during which no newer request replaces it.
    pub protect_for: i64,
    /// How far back a completed sign-in makes its source address recognised, and how long
    /// the browser it was completed in stays recognised (its `nyckel_known` cookie), seconds
    /// (30 days).
    pub recognised_for: i64,
    /// How many of the user's most recent such addresses are recognised (4; looked for among
    /// the user's last 64 completed sign-ins).
    pub recognised_sources: u32,
}

impl Default for OpenRequestLimits {
    fn default() -> Self {
        OpenRequestLimits {
            per_user: 8,
            protect_for: 60,
            recognised_for: 30 * 86_400,
            recognised_sources: 4,
        }
    }
}

/// Limits of the HTTP server against resource exhaustion: connections, slow clients, and the
/// memory-hungry Argon2id password checks.
#[derive(Clone, Debug)]
pub struct ServerLimits {
    /// Password checks (Argon2id, 19 MiB each) running at once (default: the machine's
    /// available parallelism).
    pub hashing: usize,
    /// How long a password check waits for a free slot before the answer is 503 `busy` with
    /// `Retry-After` (default 2 s).
    pub hashing_wait: std::time::Duration,
    /// Open connections (default 1024); past it, new connections wait in the listen backlog.
    pub max_connections: usize,
    /// Open connections per source address (IPv6 per /64; default 64); past it, a new
    /// connection from that address is closed at once.
    pub max_connections_per_source: usize,
    /// Time a client has to send a request's headers, also on an idle keep-alive connection
    /// (default 10 s).
    pub header_timeout: std::time::Duration,
    /// Time a request has from its headers to its answer, reading the body included (default
    /// 30 s); past it, 408.
    pub request_timeout: std::time::Duration,
}

impl Default for ServerLimits {
    fn default() -> Self {
        ServerLimits {
            hashing: std::thread::available_parallelism().map_or(1, |n| n.get()),
            hashing_wait: std::time::Duration::from_secs(2),
            max_connections: 1024,
            max_connections_per_source: 64,
            header_timeout: std::time::Duration::from_secs(10),
            request_timeout: std::time::Duration::from_secs(30),
        }
    }
}

/// How long the provider keeps what it no longer needs (`docs/operations.md`, "Retention").
/// `serve` purges in small batches (each one short write) every `every`; an admin's
/// `Provider::purge` runs one batch.
#[derive(Clone, Debug)]
pub struct Retention {
    /// Finished sign-in requests (decided, completed, replaced, or past their expiry) and
    /// their push log, after their start, seconds (90 days). Never less than the longest a
    /// sign-in start looks back (recognised addresses: `open_requests.recognised_for`; the
    /// rate limit's window; the push budget's hour); a device's "last used" shows its latest
    /// approval within this period.
    pub requests: i64,
    /// Browser sessions after they expired, seconds (1 day).
    pub sessions: i64,
    /// Events (the account page's and `nyckel-idp events`' activity), seconds (365 days;
    /// `serve --event-retention-days`).
    pub events: i64,
    /// How often `serve` purges (60 s).
    pub every: std::time::Duration,
}

impl Default for Retention {
    fn default() -> Self {
        Retention {
            requests: 90 * 86_400,
            sessions: 86_400,
            events: 365 * 86_400,
            every: std::time::Duration::from_secs(60),
        }
    }
}
