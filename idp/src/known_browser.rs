//! Recognised browsers (`docs/protocol.md` §7, coexisting requests): a sign-in completed in a
//! browser leaves it a `nyckel_known` cookie naming the user, valid for the recognition window
//! (30 days) and MACed under the provider's key. A later sign-in started in that browser with
//! the user's name is kept, when open requests are bounded, like one from an address the user
//! signed in from — wherever the browser is now — so a botnet flooding sign-ins cannot replace
//! the real user's request even on a network the user never used.
//!
//! The cookie only recognises; it authenticates nothing (the password and the phone's approval
//! are still needed), and a stolen one only keeps its thief's requests from being replaced.
//! Nothing is stored per browser: the cookie carries the user's id, its end and the MAC.

use nyckel_core::protocol::wire::{b64, unb64};
use ring::hmac;
use subtle::ConstantTimeEq;

use crate::config::Config;
use crate::error::Error;
use crate::model::{Setting, UserId};
use crate::storage::Store;

/// The cookie's name.
pub(crate) const COOKIE: &str = "nyckel_known";

/// Bytes of MAC in a cookie.
const MAC_LEN: usize = 16;

/// A cookie's claim, its MAC checked: whose browser, until when.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Recognition {
    /// The user it was issued to.
    pub user: UserId,
    /// Its end (Unix seconds).
    pub until: i64,
}

impl Recognition {
    /// Whether it recognises `user`'s browser at `now`.
    pub(crate) fn recognises(&self, user: &UserId, now: i64) -> bool {
        self.user == *user && now < self.until
    }
}

fn key(store: &dyn Store) -> Result<hmac::Key, Error> {
    crate::identity::mac_key(store, Setting::KnownBrowserKey)
}

fn mac(key: &hmac::Key, user: &str, until: i64) -> Vec<u8> {
    let mut msg = b"nyckel-known-browser-v1\0".to_vec();
    msg.extend_from_slice(user.as_bytes());
    msg.push(0);
    msg.extend_from_slice(&until.to_be_bytes());
    hmac::sign(key, &msg).as_ref()[..MAC_LEN].to_vec()
}

/// The cookie value for `user`'s browser, valid for the recognition window from now.
pub(crate) fn issue(store: &dyn Store, cfg: &Config, user: &UserId) -> Result<String, Error> {
    let until = cfg.clock.now().saturating_add(cfg.open_requests.recognised_for);
    let tag = mac(&key(store)?, user.as_str(), until);
    Ok(format!("{}.{until}.{}", b64(user.as_str().as_bytes()), b64(&tag)))
}

/// The cookie value for the browser of the user of the live session `session` (just opened
/// by a completed sign-in), if there is one.
pub(crate) fn issue_for_session(
    store: &dyn Store,
    cfg: &Config,
    session: &str,
) -> Result<Option<String>, Error> {
    match store.session_user(&crate::ids::token_hash(session), cfg.clock.now())? {
        Some((user, _)) => issue(store, cfg, &user).map(Some),
        None => Ok(None),
    }
}

/// The claim of cookie value `cookie` if its MAC is the provider's (whether it is still valid
/// and the right user's is [`Recognition::recognises`]'s to say). Malformed or forged: `None`.
pub(crate) fn verify(store: &dyn Store, cookie: &str) -> Result<Option<Recognition>, Error> {
    let mut parts = cookie.split('.');
    let (Some(user), Some(until), Some(tag), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Ok(None);
    };
    let user = unb64(user).and_then(|u| String::from_utf8(u).ok());
    let (Some(user), Ok(until), Some(tag)) = (user, until.parse::<i64>(), unb64(tag)) else {
        return Ok(None);
    };
    let expected = mac(&key(store)?, &user, until);
    let same = bool::from(tag.as_slice().ct_eq(expected.as_slice()));
    Ok(same.then(|| Recognition { user: UserId::new(user), until }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cookie_recognises_only_its_user_until_its_end() {
        let r = Recognition { user: UserId::new("u1"), until: 100 };
        assert!(r.recognises(&UserId::new("u1"), 99));
        assert!(!r.recognises(&UserId::new("u1"), 100));
        assert!(!r.recognises(&UserId::new("u2"), 50));
    }

    #[test]
    fn the_mac_binds_the_user_and_the_end() {
        let key = hmac::Key::new(hmac::HMAC_SHA256, &[7; 32]);
        let other = hmac::Key::new(hmac::HMAC_SHA256, &[8; 32]);
        let m = mac(&key, "u1", 100);
        assert_eq!(m.len(), MAC_LEN);
        assert_ne!(m, mac(&key, "u1", 101));
        assert_ne!(m, mac(&key, "u2", 100));
        assert_ne!(m, mac(&other, "u1", 100));
        // The separator keeps a user id from running into the time.
        assert_ne!(mac(&key, "u1\0", 100), m);
    }
}
