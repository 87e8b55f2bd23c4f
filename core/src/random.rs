//! The random source, injected into the core: the one place that reads the operating
//! system's randomness.
//!
//! Keys, salts, nonces and ids come from a [`Random`]. The vault, the approval flows and the
//! protocol steps take one as an input (like the time, [`crate::clock`]); production passes
//! [`SystemRandom`], tests may pass a deterministic source to pin exact bytes.
//!
//! One exception, by ring's design: ECDSA key generation and signing in the software key
//! store ([`crate::protocol::SoftwareKeyStore`]) use ring's own generator, whose trait ring
//! seals. On phones those operations happen in StrongBox / the Secure Enclave anyway.

use ring::rand::SecureRandom as _;

/// The operating system had no randomness to give (a broken or starved platform).
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("the operating system has no randomness")]
pub struct NoRandomness;

/// A source of cryptographically secure random bytes.
pub trait Random: Send + Sync {
    /// Fills `dest` entirely.
    fn fill(&self, dest: &mut [u8]) -> Result<(), NoRandomness>;
}

/// The operating system's generator (through ring).
#[derive(Clone, Copy, Debug, Default)]
pub struct SystemRandom;

impl Random for SystemRandom {
    fn fill(&self, dest: &mut [u8]) -> Result<(), NoRandomness> {
        ring::rand::SystemRandom::new().fill(dest).map_err(|_| NoRandomness)
    }
}

/// A closure is a random source (tests: fixed or counting bytes).
impl<F: Fn(&mut [u8]) + Send + Sync> Random for F {
    fn fill(&self, dest: &mut [u8]) -> Result<(), NoRandomness> {
        self(dest);
        Ok(())
    }
}

/// `N` random bytes.
pub fn array<const N: usize>(random: &dyn Random) -> Result<[u8; N], NoRandomness> {
    let mut out = [0u8; N];
    random.fill(&mut out)?;
    Ok(out)
}

/// `n` random bytes, base64url without padding (nonces, aliases).
pub fn b64(random: &dyn Random, n: usize) -> Result<String, NoRandomness> {
    let mut out = vec![0u8; n];
    random.fill(&mut out)?;
    Ok(crate::protocol::wire::b64(&out))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_system_source_fills_and_differs_between_calls() {
        let a = array::<32>(&SystemRandom).unwrap();
        let b = array::<32>(&SystemRandom).unwrap();
        assert_ne!(a, b);
        assert_ne!(a, [0u8; 32]);
        assert_eq!(b64(&SystemRandom, 16).unwrap().len(), 22);
    }

    #[test]
    fn closures_are_sources_for_tests() {
        let sevens = |b: &mut [u8]| b.fill(7);
        assert_eq!(array::<3>(&sevens).unwrap(), [7, 7, 7]);
        assert_eq!(b64(&sevens, 3).unwrap(), "BwcH");
    }
}
