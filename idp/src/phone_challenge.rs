//! The single-use challenge a phone sign-in key is registered with (`docs/protocol.md`
//! §4.4): issued to one device, valid for [`CHALLENGE_TTL`] seconds. Nothing is stored when
//! one is issued: the challenge carries random bytes, its expiry and a MAC over both and the
//! device id under the provider's challenge key; using it records it in the device's nonces
//! until it expires, so it is accepted once.

use nyckel_core::protocol::wire::{b64, unb64};
use ring::hmac;
use subtle::ConstantTimeEq;

use crate::ids::random_bytes;

/// How long a challenge is accepted, seconds: a biometric prompt and two requests.
pub const CHALLENGE_TTL: i64 = 300;

const RANDOM_LEN: usize = 16;
const MAC_LEN: usize = 16;
/// Bytes of a challenge: random, expiry, MAC.
const LEN: usize = RANDOM_LEN + 8 + MAC_LEN;

/// The provider's key for challenge MACs.
pub struct ChallengeKey(hmac::Key);

impl ChallengeKey {
    /// A key of 32 bytes (fuzzing and tests; the provider's is a stored setting).
    #[cfg(any(test, feature = "fuzzing"))]
    pub fn new(bytes: &[u8]) -> ChallengeKey {
        ChallengeKey(hmac::Key::new(hmac::HMAC_SHA256, bytes))
    }

    pub(crate) fn from_hmac(key: hmac::Key) -> ChallengeKey {
        ChallengeKey(key)
    }

    fn mac(&self, device_id: &str, random: &[u8], expires_at: i64) -> Vec<u8> {
        let mut msg = b"nyckel-phone-signin-challenge-v1\0".to_vec();
        msg.extend_from_slice(device_id.as_bytes());
        msg.push(0);
        msg.extend_from_slice(random);
        msg.extend_from_slice(&expires_at.to_be_bytes());
        hmac::sign(&self.0, &msg).as_ref()[..MAC_LEN].to_vec()
    }

    /// A new challenge for `device_id` that expires at `expires_at` (b64url, 54 characters).
    pub fn issue(&self, device_id: &str, expires_at: i64) -> String {
        let random = random_bytes(RANDOM_LEN);
        let mut token = random.clone();
        token.extend_from_slice(&expires_at.to_be_bytes());
        token.extend(self.mac(device_id, &random, expires_at));
        b64(&token)
    }

    /// The raw bytes and expiry of `challenge` when this key issued it to `device_id` and it
    /// has not expired at `now` (whether it was used is the store's to say).
    pub fn accept(&self, device_id: &str, challenge: &str, now: i64) -> Option<(Vec<u8>, i64)> {
        let bytes = unb64(challenge).filter(|b| b.len() == LEN)?;
        let (random, rest) = bytes.split_at(RANDOM_LEN);
        let (expiry, mac) = rest.split_at(8);
        let expires_at = i64::from_be_bytes(expiry.try_into().ok()?);
        // Constant time: the MAC is the secret-dependent part.
        let expected = self.mac(device_id, random, expires_at);
        let authentic: bool = expected.ct_eq(mac).into();
        (authentic && now <= expires_at && expires_at.saturating_sub(now) <= CHALLENGE_TTL)
            .then_some((bytes, expires_at))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_challenge_is_accepted_only_for_its_device_in_time_and_unaltered() {
        let key = ChallengeKey::new(&[7; 32]);
        let c = key.issue("dev-1", 1000);
        assert_eq!(c.len(), 54);
        let (bytes, exp) = key.accept("dev-1", &c, 800).expect("accepted");
        assert_eq!((bytes.len(), exp), (LEN, 1000));
        assert!(key.accept("dev-1", &c, 1000).is_some());
        assert!(key.accept("dev-1", &c, 1001).is_none(), "expired");
        assert!(key.accept("dev-1", &c, 600).is_none(), "longer than the lifetime ahead");
        assert!(key.accept("dev-2", &c, 800).is_none(), "another device");
        assert!(ChallengeKey::new(&[8; 32]).accept("dev-1", &c, 800).is_none(), "another key");
        let mut raw = unb64(&c).unwrap();
        raw[RANDOM_LEN] ^= 1; // a later expiry
        assert!(key.accept("dev-1", &b64(&raw), 800).is_none(), "altered");
        assert!(key.accept("dev-1", &c[..53], 800).is_none(), "truncated");
        assert!(key.accept("dev-1", "", 800).is_none());
        assert_ne!(key.issue("dev-1", 1000), c, "random");
    }
}
