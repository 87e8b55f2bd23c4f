//! The username-only phone sign-in ("Logga in med telefonen") answers alike for every name
//! (`docs/protocol.md` §9): a request is created — and a push sent — only for a user with
//! phone sign-in whom the rules of §7 allow one; for every other name (unknown, no device,
//! phone sign-in off, a password sign-in waiting, blocked or disabled, over the rate limit)
//! the page gets a **decoy**: a number, a request id and a status token shaped like a real
//! one's, whose status is `pending` until it expires like a real request. Nothing is stored
//! for a decoy: its token carries its expiry and a MAC under the provider's decoy key.

use nyckel_core::protocol::wire::{b64, unb64};
use ring::hmac;

use crate::config::Config;
use crate::error::Error;
use crate::ids::{new_id, two_digit_number};
use crate::model::{RequestState, Setting};
use crate::signin::{self, BrowserStart, Kind, SigninFrom, Started, Status};
use crate::storage::Store;

/// Bytes of MAC in a decoy token (with the 8-byte expiry: 24 bytes, a real token's length).
const MAC_LEN: usize = 16;

/// The provider's decoy key (created on first use, kept in the settings so decoys outlive a
/// restart like real requests).
fn key(store: &dyn Store) -> Result<hmac::Key, Error> {
    crate::identity::mac_key(store, Setting::DecoyKey)
}

fn mac(key: &hmac::Key, id: &str, expires_at: i64) -> Vec<u8> {
    let mut msg = b"nyckel-decoy-v1\0".to_vec();
    msg.extend_from_slice(id.as_bytes());
    msg.push(0);
    msg.extend_from_slice(&expires_at.to_be_bytes());
    hmac::sign(key, &msg).as_ref()[..MAC_LEN].to_vec()
}

/// Starts a username-only sign-in as the sign-in page does, in a browser that brings
/// `browser`: a real request when the rules allow one, else a decoy that looks the same.
/// Storage failures are still errors.
pub(crate) fn start_phone_signin(
    store: &dyn Store,
    cfg: &Config,
    name: &str,
    from: &SigninFrom,
    browser: &BrowserStart,
) -> Result<Started, Error> {
    match signin::start_in_browser(store, cfg, name, Kind::Passwordless, from, browser) {
        Ok(started) => Ok(started),
        Err(
            e @ (Error::UnknownUser
            | Error::NoPhoneSignin
            | Error::PushPending
            | Error::Blocked { .. }
            | Error::UserDisabled
            | Error::RateLimited),
        ) => {
            tracing::info!(code = %e.code(), "username-only sign-in answered with a decoy");
            let id = new_id();
            let expires_at = cfg.clock.now().saturating_add(cfg.request_ttl);
            let mut token = expires_at.to_be_bytes().to_vec();
            token.extend(mac(&key(store)?, &id, expires_at));
            Ok(Started {
                id,
                number: two_digit_number(),
                expires_at,
                kind: Kind::Passwordless.as_str(),
                status_token: b64(&token),
                pushed_to: 0,
                quiet: false,
                code_only: false,
            })
        }
        Err(e) => Err(e),
    }
}

/// The expiry of decoy `id` when `token` is its token.
pub fn decoy_expiry(store: &dyn Store, id: &str, token: &str) -> Result<Option<i64>, Error> {
    let Some(bytes) = unb64(token).filter(|b| b.len() == 8 + MAC_LEN) else { return Ok(None) };
    let (expiry, tag) = bytes.split_at(8);
    let expires_at = i64::from_be_bytes(expiry.try_into().map_err(|_| Error::Internal)?);
    let expected = mac(&key(store)?, id, expires_at);
    let ok: bool = subtle::ConstantTimeEq::ct_eq(expected.as_slice(), tag).into();
    Ok(ok.then_some(expires_at))
}

/// What the sign-in page polls: request `id`'s state when `token` is its page's token, or a
/// decoy's (`pending`, then `expired`); otherwise 404, as for any unknown request.
pub fn page_status(store: &dyn Store, id: &str, token: &str, now: i64) -> Result<Status, Error> {
    match signin::check_token(store, id, token) {
        Ok(()) => signin::status(store, id, now),
        Err(e) => {
            let Some(expires_at) = decoy_expiry(store, id, token)? else { return Err(e) };
            let state =
                if now < expires_at { RequestState::Pending } else { RequestState::Expired };
            Ok(Status {
                id: id.to_owned(),
                state: state.as_str().to_owned(),
                kind: Kind::Passwordless.as_str().to_owned(),
                user: String::new(),
                expires_at,
                by_code: false,
            })
        }
    }
}
