//! Random identifiers, codes and numbers.

use ring::rand::{SecureRandom, SystemRandom};

pub(crate) fn random_bytes(n: usize) -> Vec<u8> {
    let mut b = vec![0u8; n];
    SystemRandom::new().fill(&mut b).expect("operating system RNG unavailable");
    b
}

/// 16 random bytes, b64url.
pub(crate) fn new_id() -> String {
    nyckel_core::protocol::wire::b64(&random_bytes(16))
}

/// A request id for logs (8 random bytes, b64url): ties a request's log lines together.
pub(crate) fn request_id() -> String {
    nyckel_core::protocol::wire::b64(&random_bytes(8))
}

/// A two-digit number, uniform in 10–99.
pub(crate) fn two_digit_number() -> u8 {
    loop {
        let b = random_bytes(1)[0];
        if b < 180 {
            return 10 + b % 90;
        }
    }
}

/// SHA-256 of a secret token, b64url (what the database stores).
pub(crate) fn token_hash(token: &str) -> String {
    use nyckel_core::protocol::wire::{b64, sha256};
    b64(&sha256(token.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_two_digits_and_cover_the_range() {
        let mut seen = [false; 100];
        for _ in 0..5000 {
            let n = two_digit_number();
            assert!((10..=99).contains(&n));
            seen[n as usize] = true;
        }
        assert!(seen[10..=99].iter().all(|s| *s), "every number 10–99 appears");
    }

    #[test]
    fn ids_are_16_random_bytes() {
        let a = new_id();
        assert_eq!(nyckel_core::protocol::wire::unb64(&a).unwrap().len(), 16);
        assert_ne!(a, new_id());
    }
}
