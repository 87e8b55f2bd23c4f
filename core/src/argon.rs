//! Argon2id with its working memory wiped. The `argon2` crate's `hash_password_into`
//! allocates the m KiB of blocks and frees them as they are: the last pass's blocks are
//! enough to recompute the derived key without the passphrase, PIN or password, and freed
//! memory outlives the call (a later allocation, a core dump, swap). Every Argon2id in the
//! core goes through [`derive_32`], which hands the crate its own blocks and zeroes them.

use argon2::{Algorithm, Argon2, Block, Params, Version};
use zeroize::{Zeroize, Zeroizing};

/// Derives 32 bytes with Argon2id (v1.3) from `secret` and `salt` with the given parameters
/// (memory in KiB, passes, lanes), wiping the working memory afterwards, failed or not.
pub(crate) fn derive_32(
    secret: &[u8],
    salt: &[u8],
    memory_kib: u32,
    passes: u32,
    lanes: u32,
) -> Result<Zeroizing<[u8; 32]>, argon2::Error> {
    let params = Params::new(memory_kib, passes, lanes, Some(32))?;
    let argon = Argon2::new(Algorithm::Argon2id, Version::V0x13, params);
    let mut blocks = vec![Block::default(); argon.params().block_count()];
    let mut out = Zeroizing::new([0u8; 32]);
    hash_then_wipe(&argon, secret, salt, &mut out[..], &mut blocks)?;
    Ok(out)
}

/// Runs Argon2 over `blocks`, then zeroes them whatever the outcome.
fn hash_then_wipe(
    argon: &Argon2<'_>,
    secret: &[u8],
    salt: &[u8],
    out: &mut [u8],
    blocks: &mut [Block],
) -> Result<(), argon2::Error> {
    let result = argon.hash_password_into_with_memory(secret, salt, out, &mut *blocks);
    blocks.iter_mut().for_each(Zeroize::zeroize);
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    fn small() -> Argon2<'static> {
        Argon2::new(Algorithm::Argon2id, Version::V0x13, Params::new(64, 2, 1, Some(32)).unwrap())
    }

    #[test]
    fn the_key_is_the_crates_own_argon2id() {
        let mut expected = [0u8; 32];
        small().hash_password_into(b"correct horse", b"0123456789abcdef", &mut expected).unwrap();
        let ours = derive_32(b"correct horse", b"0123456789abcdef", 64, 2, 1).unwrap();
        assert_eq!(*ours, expected);
    }

    #[test]
    fn the_working_memory_is_zero_after_the_derivation() {
        let argon = small();
        let mut blocks = vec![Block::default(); argon.params().block_count()];
        let mut out = [0u8; 32];
        hash_then_wipe(&argon, b"correct horse", b"0123456789abcdef", &mut out, &mut blocks)
            .unwrap();
        assert_ne!(out, [0u8; 32], "a key was derived");
        assert!(blocks.iter().all(|b| b.as_ref().iter().all(|w| *w == 0)), "blocks wiped");
    }
}
