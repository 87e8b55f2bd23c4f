//! Argon2id's working memory for password checks, allocated once and reused.
//!
//! A check needs 19 MiB. Allocated per check, that memory does not go back to the system:
//! glibc raises its mmap threshold after the first such block is freed, so later ones come
//! from the heap of the arena of whichever thread hashes, and each arena (up to eight per
//! core) keeps its freed 19 MiB. With two checks at a time, a spray of wrong passwords from
//! many addresses grew the provider by 307 MiB (`provider_memory.rs`). Kept here instead, the
//! memory is exactly what the most checks at once needed — the server's bound on concurrent
//! checks (`ServerLimits::hashing`) × 19 MiB — and no check faults in 19 MiB of fresh pages.

use std::sync::Mutex;

use argon2::password_hash::PasswordHash;
use argon2::{Algorithm, Argon2, Block, Params, Version};
use subtle::ConstantTimeEq;

/// Buffers no check is using; as many as the most checks at once so far.
static IDLE: Mutex<Vec<Vec<Block>>> = Mutex::new(Vec::new());

/// A buffer of `blocks` blocks: an idle one of that size, or a new one.
fn take(blocks: usize) -> Vec<Block> {
    let mut idle = IDLE.lock().unwrap_or_else(|p| p.into_inner());
    match idle.iter().position(|b| b.len() == blocks) {
        Some(i) => idle.swap_remove(i),
        None => vec![Block::default(); blocks],
    }
}

/// Keeps `buffer` for the next check.
fn give_back(buffer: Vec<Block>) {
    IDLE.lock().unwrap_or_else(|p| p.into_inner()).push(buffer);
}

/// Whether `password` matches the PHC string `phc` (Argon2 of any variant, version and
/// parameters it names), computed in a reused buffer and compared in constant time. A
/// malformed string matches nothing.
pub(crate) fn verify(password: &[u8], phc: &str) -> bool {
    let Ok(hash) = PasswordHash::new(phc) else { return false };
    let (Some(salt), Some(expected)) = (hash.salt, hash.hash) else { return false };
    let (Ok(algorithm), Ok(params)) =
        (Algorithm::try_from(hash.algorithm), Params::try_from(&hash))
    else {
        return false;
    };
    let version = match hash.version.map(Version::try_from).transpose() {
        Ok(v) => v.unwrap_or_default(),
        Err(_) => return false,
    };
    let mut salt_bytes = [0u8; 64];
    let Ok(salt) = salt.decode_b64(&mut salt_bytes) else { return false };
    let mut out = vec![0u8; expected.len()];
    let mut memory = take(params.block_count());
    let done = Argon2::new(algorithm, version, params).hash_password_into_with_memory(
        password,
        salt,
        &mut out,
        &mut memory[..],
    );
    give_back(memory);
    done.is_ok() && bool::from(out.as_slice().ct_eq(expected.as_bytes()))
}

#[cfg(test)]
mod tests {
    use argon2::password_hash::{PasswordHasher, SaltString};

    use super::*;

    fn phc(password: &str, params: Params, algorithm: Algorithm, version: Version) -> String {
        let salt = SaltString::encode_b64(b"sixteen byte sal").unwrap();
        Argon2::new(algorithm, version, params)
            .hash_password(password.as_bytes(), &salt)
            .unwrap()
            .to_string()
    }

    #[test]
    fn verifies_as_the_argon2_crate_does_for_every_variant_and_version() {
        let small = Params::new(64, 1, 1, None).unwrap();
        for algorithm in [Algorithm::Argon2id, Algorithm::Argon2i, Algorithm::Argon2d] {
            for version in [Version::V0x13, Version::V0x10] {
                let hash = phc("rätt", small.clone(), algorithm, version);
                assert!(verify("rätt".as_bytes(), &hash), "{hash}");
                assert!(!verify(b"fel", &hash), "{hash}");
            }
        }
        // The provider's own parameters, and another output length.
        let provider = phc(
            "rätt",
            Params::new(19 * 1024, 2, 1, None).unwrap(),
            Algorithm::Argon2id,
            Version::V0x13,
        );
        assert!(verify("rätt".as_bytes(), &provider));
        let long = phc(
            "rätt",
            Params::new(64, 1, 1, Some(64)).unwrap(),
            Algorithm::Argon2id,
            Version::V0x13,
        );
        assert!(verify("rätt".as_bytes(), &long) && !verify(b"ratt", &long));
    }

    #[test]
    fn malformed_or_tampered_strings_match_nothing() {
        let hash =
            phc("rätt", Params::new(64, 1, 1, None).unwrap(), Algorithm::Argon2id, Version::V0x13);
        let flipped = {
            let (head, tail) = hash.rsplit_once('$').unwrap();
            let first = if tail.starts_with('A') { 'B' } else { 'A' };
            format!("{head}${first}{}", &tail[1..])
        };
        let no_hash = hash.rsplit_once('$').unwrap().0.to_owned();
        for bad in [
            "",
            "not a hash",
            "$argon2id$v=19$m=64,t=1,p=1",
            no_hash.as_str(),
            flipped.as_str(),
            &hash.replace("$v=19$", "$v=7$"),
            &hash.replace("argon2id", "scrypt"),
            &hash.replace("m=64", "m=1"),
        ] {
            assert!(!verify("rätt".as_bytes(), bad), "{bad:?}");
        }
    }

    #[test]
    fn buffers_are_reused_not_allocated_per_check() {
        let hash =
            phc("rätt", Params::new(96, 1, 1, None).unwrap(), Algorithm::Argon2id, Version::V0x13);
        let idle = || IDLE.lock().unwrap().iter().filter(|b| b.len() == 96).count();
        assert!(verify("rätt".as_bytes(), &hash));
        let after_one = idle();
        assert!(after_one >= 1, "the buffer is kept");
        for _ in 0..5 {
            assert!(verify("rätt".as_bytes(), &hash));
        }
        assert_eq!(idle(), after_one, "checks one after another reuse it");
    }
}
