//! Password guessing limits (NIST SP 800-63B §5.2.2, `docs/protocol.md` §10): each password
//! attempt is counted before the password is checked — per user name (known or not, so the
//! answers reveal no account) and per source address — and refused without checking while a
//! back-off runs. What they gate is the password check alone: phone sign-in and the approval
//! of a pending request never go through them, so an attacker who guesses cannot lock a user
//! with a phone out.
//!
//! Smart lockout (as Entra's familiar and unfamiliar locations): a user name has two failure
//! counters, each with its own back-off and its own lock at the limit of consecutive
//! failures. Attempts from the user's familiar context — a browser recognised as theirs (its
//! `nyckel_known` cookie, `known_browser.rs`) or one of their recognised addresses (those of
//! their sign-ins completed in the recognition window, the same that keep their requests
//! from being replaced, `open_requests.rs`) — count on the familiar one; every other attempt,
//! and every attempt for a name that is no user's, on the other. An attacker who knows only
//! the name therefore delays and locks the password from unfamiliar places only: the user's
//! own browser and usual address keep password + push sign-in, without a phone sign-in key.

use std::net::IpAddr;

use crate::admin;
use crate::config::{Config, GuessingLimits};
use crate::error::Error;
use crate::known_browser;
use crate::model::{
    AttemptContext, AttemptCounter, AttemptOutcome, AttemptVerdict, Familiarity, UserId,
};
use crate::open_requests::recognised_source;
use crate::storage::{CounterPurge, Store};

/// Where a password attempt comes from.
#[derive(Clone, Copy, Debug)]
pub(crate) struct AttemptFrom<'a> {
    /// The client's address.
    pub ip: &'a str,
    /// The browser's recognised-browser cookie (`known_browser::COOKIE`), if it sent one.
    pub known_browser: Option<&'a str>,
}

/// The counter key of a client address: an IPv4 address, or an IPv6 address's /64 (one
/// subscriber's network; an attacker gets a whole /64 as easily as one address).
pub(crate) fn source_key(ip: &str) -> String {
    match ip.parse::<IpAddr>().map(|ip| ip.to_canonical()) {
        Ok(IpAddr::V6(v6)) => {
            let s = v6.segments();
            format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
        }
        Ok(IpAddr::V4(v4)) => v4.to_string(),
        Err(_) => ip.to_owned(),
    }
}

/// The wait after `failures` consecutive failures: none for the free ones, then
/// `2^(failures − free)` seconds up to `max_delay`.
fn delay(limits: &GuessingLimits, failures: i64) -> i64 {
    let over = failures - i64::from(limits.free_failures);
    if over < 0 {
        return 0;
    }
    (1i64 << over.min(40)).min(limits.max_delay)
}

/// The rule: a locked name is refused; a name in its back-off or a source over its window's
/// allowance waits; otherwise the attempt is counted (as a failure until it succeeds).
fn judge(c: &AttemptContext, limits: &GuessingLimits) -> AttemptVerdict {
    let name = c.name.unwrap_or(AttemptCounter { count: 0, since: c.now, last_at: c.now });
    if name.count >= i64::from(limits.lock_after) {
        return AttemptVerdict::Refuse(Error::PasswordLocked);
    }
    let name_free_at = name.last_at.saturating_add(delay(limits, name.count));
    let source = c.source.filter(|s| c.now < s.since.saturating_add(limits.source_window));
    let source_free_at = match source {
        Some(s) if s.count >= i64::from(limits.source_failures) => {
            s.since.saturating_add(limits.source_window)
        }
        _ => c.now,
    };
    let free_at = name_free_at.max(source_free_at);
    if c.now < free_at {
        return AttemptVerdict::Refuse(Error::TooManyAttempts {
            retry_after: free_at.saturating_sub(c.now),
        });
    }
    let source = source.unwrap_or(AttemptCounter { count: 0, since: c.now, last_at: c.now });
    AttemptVerdict::Allow {
        name: AttemptCounter { count: name.count.saturating_add(1), last_at: c.now, ..name },
        source: AttemptCounter { count: source.count.saturating_add(1), last_at: c.now, ..source },
    }
}

/// The context of a password attempt for `name` from source key `source` in a browser that
/// sent the recognised-browser cookie `known`: familiar when `name` is a user's and the cookie
/// recognises that user's browser or `source` is one of their recognised addresses. Read
/// before the attempt is counted: a sign-in completed meanwhile changes only which of the
/// name's counters a concurrent attempt lands on.
fn familiarity(
    store: &dyn Store,
    cfg: &Config,
    name: &str,
    source: &str,
    known: Option<&str>,
) -> Result<Familiarity, Error> {
    let Some(user) = store.user_by_name(name)? else { return Ok(Familiarity::Unfamiliar) };
    let now = cfg.clock.now();
    let browser = match known {
        Some(cookie) => {
            known_browser::verify(store, cookie)?.is_some_and(|r| r.recognises(&user.id, now))
        }
        None => false,
    };
    let recognised = if browser {
        Vec::new()
    } else {
        let since = now.saturating_sub(cfg.open_requests.recognised_for);
        store.recognised_sources(&user.id, since, cfg.open_requests.recognised_sources)?
    };
    Ok(if recognised_source(source, browser, &recognised) {
        Familiarity::Familiar
    } else {
        Familiarity::Unfamiliar
    })
}

/// Checks `password` for `name` from `from` within the guessing limits: the user's id when it
/// is right, `Ok(None)` when it is wrong or there is no such user (the same hash work either
/// way), [`Error::TooManyAttempts`] or [`Error::PasswordLocked`] without checking it. The
/// name's counter is its familiar context's or the other's (the module doc). The caller holds
/// a hashing slot (the server bounds concurrent checks).
pub fn check_password(
    store: &dyn Store,
    cfg: &Config,
    name: &str,
    password: &str,
    from: &AttemptFrom<'_>,
) -> Result<Option<UserId>, Error> {
    let limits = &cfg.guessing;
    let clock = &*cfg.clock;
    let source = source_key(from.ip);
    let context = familiarity(store, cfg, name, &source, from.known_browser)?;
    let purge = CounterPurge {
        name_idle: limits.forget_after,
        name_locked_at: i64::from(limits.lock_after),
        source_window: limits.source_window,
    };
    let verdict =
        store.begin_password_attempt(name, &source, context, &purge, clock, &mut |c| {
            judge(c, limits)
        })?;
    let failures = match verdict {
        AttemptVerdict::Refuse(e) => {
            tracing::warn!(
                source = %source,
                context = context.as_str(),
                code = %e.code(),
                "password attempt refused unchecked"
            );
            return Err(e);
        }
        AttemptVerdict::Allow { name, .. } => name.count,
    };
    let user = admin::check_password(store, name, password)?;
    let outcome = if user.is_some() { AttemptOutcome::Success } else { AttemptOutcome::Failure };
    store.end_password_attempt(name, &source, context, outcome, clock.now())?;
    if user.is_none() {
        tracing::warn!(source = %source, context = context.as_str(), failures, "wrong password");
    }
    Ok(user)
}

/// Unlocks password sign-in for a user name (forgets its failures); `false` when it had none.
pub fn unlock(
    store: &dyn Store,
    clock: &dyn nyckel_core::clock::Clock,
    name: &str,
) -> Result<bool, Error> {
    Ok(store.reset_password_failures(name, clock.now())?)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ctx(now: i64, name: Option<(i64, i64)>, source: Option<(i64, i64)>) -> AttemptContext {
        let c = |(count, at): (i64, i64)| AttemptCounter { count, since: at, last_at: at };
        AttemptContext { now, name: name.map(c), source: source.map(c) }
    }

    fn verdict(c: &AttemptContext) -> String {
        match judge(c, &GuessingLimits::default()) {
            AttemptVerdict::Refuse(Error::TooManyAttempts { retry_after }) => {
                format!("wait {retry_after}")
            }
            AttemptVerdict::Refuse(e) => format!("{e:?}"),
            AttemptVerdict::Allow { name, source } => {
                format!("allow {} {}", name.count, source.count)
            }
        }
    }

    #[test]
    fn five_failures_are_free_then_the_wait_doubles_up_to_fifteen_minutes() {
        assert_eq!(verdict(&ctx(1000, None, None)), "allow 1 1");
        assert_eq!(verdict(&ctx(1000, Some((4, 1000)), None)), "allow 5 1");
        assert_eq!(verdict(&ctx(1000, Some((5, 1000)), None)), "wait 1");
        assert_eq!(verdict(&ctx(1001, Some((5, 1000)), None)), "allow 6 1");
        assert_eq!(verdict(&ctx(1000, Some((8, 1000)), None)), "wait 8");
        assert_eq!(verdict(&ctx(1000, Some((20, 1000)), None)), "wait 900");
        assert_eq!(verdict(&ctx(1000, Some((99, 1000)), None)), "wait 900");
        assert_eq!(verdict(&ctx(1900, Some((99, 1000)), None)), "allow 100 1");
    }

    #[test]
    fn a_hundred_consecutive_failures_lock_the_password() {
        assert_eq!(verdict(&ctx(1_000_000, Some((100, 1000)), None)), "PasswordLocked");
        assert_eq!(verdict(&ctx(i64::MAX, Some((1000, 0)), None)), "PasswordLocked");
    }

    #[test]
    fn a_source_gets_thirty_attempts_per_window() {
        assert_eq!(verdict(&ctx(1000, None, Some((29, 900)))), "allow 1 30");
        assert_eq!(verdict(&ctx(1000, None, Some((30, 900)))), "wait 500");
        // A new window starts the count over.
        assert_eq!(verdict(&ctx(1500, None, Some((30, 900)))), "allow 1 1");
        // The longer of two waits.
        assert_eq!(verdict(&ctx(1000, Some((20, 1000)), Some((30, 900)))), "wait 900");
    }

    #[test]
    fn extreme_times_and_counts_do_not_overflow() {
        assert!(
            verdict(&ctx(i64::MIN, Some((50, i64::MAX)), Some((i64::MAX, 0)))).starts_with("wait")
        );
        let _ = verdict(&ctx(i64::MAX, Some((99, i64::MIN)), Some((1, i64::MIN))));
    }

    #[test]
    fn ipv6_sources_count_per_64() {
        assert_eq!(source_key("203.0.113.7"), "203.0.113.7");
        assert_eq!(source_key("::ffff:203.0.113.7"), "203.0.113.7");
        assert_eq!(source_key("2001:db8:1:2:3:4:5:6"), "2001:db8:1:2::/64");
        assert_eq!(source_key("2001:db8:1:2::9"), "2001:db8:1:2::/64");
    }
}
