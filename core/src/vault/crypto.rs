//! AES-256-GCM sealing of vault records, with associated data that binds each record
//! to its vault, table, row and format version (so rows cannot be swapped or moved).

use ring::aead::{Aad, LessSafeKey, Nonce, UnboundKey, AES_256_GCM, NONCE_LEN};
use zeroize::Zeroizing;

use crate::random::{self, Random};

/// Version of the sealed-record layout, bound into every record's associated data.
pub const RECORD_FORMAT: u16 = 1;
/// Domain separation prefix of all associated data.
const AAD_PREFIX: &[u8] = b"nyckel-vault\0";

/// The 256-bit key every record is sealed under. Zeroized on drop.
///
/// Boxed, so moving a `Vault` (returned from `open`, say) moves a pointer and leaves no
/// stray copy of the key in the moved-from stack slot.
pub struct VaultKey(Box<Zeroizing<[u8; 32]>>);

impl VaultKey {
    /// A fresh random key.
    pub fn generate(random: &dyn Random) -> Result<Self, SealError> {
        let mut k = Box::new(Zeroizing::new([0u8; 32]));
        random.fill(&mut k[..]).map_err(|_| SealError::Random)?;
        Ok(VaultKey(k))
    }

    /// Takes key bytes (for example unwrapped by a key slot); they must be 32 bytes.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, SealError> {
        if bytes.len() != 32 {
            return Err(SealError::KeyLength(bytes.len()));
        }
        let mut k = Box::new(Zeroizing::new([0u8; 32]));
        k.copy_from_slice(bytes);
        Ok(VaultKey(k))
    }

    /// The raw bytes, for wrapping by a key slot.
    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }

    fn aead(&self) -> LessSafeKey {
        LessSafeKey::new(UnboundKey::new(&AES_256_GCM, &self.0[..]).expect("32-byte key"))
    }

    /// Seals `plaintext`; the result is `nonce ‖ ciphertext ‖ tag`.
    pub fn seal(
        &self,
        random: &dyn Random,
        aad: &[u8],
        plaintext: &[u8],
    ) -> Result<Vec<u8>, SealError> {
        seal_with(random, &self.aead(), aad, plaintext)
    }

    /// Opens what [`VaultKey::seal`] produced with the same associated data.
    pub fn open(&self, aad: &[u8], sealed: &[u8]) -> Result<Zeroizing<Vec<u8>>, SealError> {
        open_with(&self.aead(), aad, sealed)
    }

    /// The AES-256-GCM key for opening many records in one go with [`open_with`]: one key
    /// schedule for the batch instead of one per record. Keep it a local of the reading
    /// function, like the temporary [`VaultKey::open`] builds: ring never wipes a key
    /// schedule, and [`scrub_stack`] (on lock) clears what dead stack holds, not the heap.
    pub(super) fn opening_key(&self) -> LessSafeKey {
        self.aead()
    }
}

impl std::fmt::Debug for VaultKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("VaultKey(<redacted>)")
    }
}

/// A sealing failure. Tampering and wrong keys are indistinguishable by design.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum SealError {
    /// The system random generator failed.
    #[error("system random generator failed")]
    Random,
    /// Authentication failed: wrong key, or the data or its context was altered.
    #[error("authentication failed")]
    Auth,
    /// Too short to hold a nonce and a tag.
    #[error("sealed data is truncated")]
    Truncated,
    /// Key material of the wrong length.
    #[error("key has {0} bytes; expected 32")]
    KeyLength(usize),
}

/// Seals with an arbitrary AES-256-GCM key (also used for key-slot wrapping).
pub fn seal_with(
    random: &dyn Random,
    key: &LessSafeKey,
    aad: &[u8],
    plaintext: &[u8],
) -> Result<Vec<u8>, SealError> {
    let nonce = random::array::<NONCE_LEN>(random).map_err(|_| SealError::Random)?;
    let mut buf = plaintext.to_vec();
    let sealed =
        key.seal_in_place_append_tag(Nonce::assume_unique_for_key(nonce), Aad::from(aad), &mut buf);
    crate::registers::wipe_vector_registers();
    sealed.map_err(|_| SealError::Random)?;
    let mut out = Vec::with_capacity(NONCE_LEN + buf.len());
    out.extend_from_slice(&nonce);
    out.extend_from_slice(&buf);
    Ok(out)
}

/// Opens what [`seal_with`] produced.
pub fn open_with(
    key: &LessSafeKey,
    aad: &[u8],
    sealed: &[u8],
) -> Result<Zeroizing<Vec<u8>>, SealError> {
    if sealed.len() < NONCE_LEN + AES_256_GCM.tag_len() {
        return Err(SealError::Truncated);
    }
    let (nonce, ct) = sealed.split_at(NONCE_LEN);
    let nonce = Nonce::try_assume_unique_for_key(nonce).map_err(|_| SealError::Truncated)?;
    let mut buf = Zeroizing::new(ct.to_vec());
    let opened = key.open_in_place(nonce, Aad::from(aad), &mut buf).map(|plain| plain.len());
    crate::registers::wipe_vector_registers();
    let len = opened.map_err(|_| SealError::Auth)?;
    buf.truncate(len);
    Ok(buf)
}

/// Builds an AES-256-GCM key from 32 bytes (for key-encryption keys).
pub fn aes_key(bytes: &[u8; 32]) -> LessSafeKey {
    LessSafeKey::new(UnboundKey::new(&AES_256_GCM, bytes).expect("32-byte key"))
}

/// Associated data for a record: prefix ‖ vault id ‖ table ‖ row id ‖ format version.
pub fn record_aad(vault_id: &[u8], table: &str, row_id: i64) -> Vec<u8> {
    let mut aad = Vec::with_capacity(AAD_PREFIX.len() + vault_id.len() + table.len() + 11);
    aad.extend_from_slice(AAD_PREFIX);
    aad.extend_from_slice(vault_id);
    aad.extend_from_slice(table.as_bytes());
    aad.push(0);
    aad.extend_from_slice(&row_id.to_be_bytes());
    aad.extend_from_slice(&RECORD_FORMAT.to_be_bytes());
    aad
}

/// How much of the stack below the caller [`scrub_stack`] overwrites.
const SCRUB_BYTES: usize = 32 * 1024;

/// Overwrites the stack just below the caller with zeros (best effort). ring builds AES key
/// schedules, whose first words are the key itself, in stack temporaries and never wipes
/// them; the vault's own buffers are `Zeroizing`, but copies of the vault key would stay in
/// dead stack after `lock()` until something else happens to overwrite them. Calls that
/// sealed or opened records ran deeper than `lock()`'s caller, so their leftovers lie in the
/// area this clears.
#[inline(never)]
pub fn scrub_stack() {
    use zeroize::Zeroize;
    let mut area = [0u8; SCRUB_BYTES];
    area.zeroize(); // volatile writes: the optimiser cannot drop them
    std::hint::black_box(&area);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::random::SystemRandom;

    #[test]
    fn round_trip_and_context_binding() {
        let k = VaultKey::generate(&SystemRandom).unwrap();
        let aad = record_aad(b"vault-one", "accounts", 7);
        let sealed = k.seal(&SystemRandom, &aad, b"hello").unwrap();
        assert_eq!(&k.open(&aad, &sealed).unwrap()[..], b"hello");
        // Another row, table or vault must not open it.
        for other in [
            record_aad(b"vault-one", "accounts", 8),
            record_aad(b"vault-one", "activity", 7),
            record_aad(b"vault-two", "accounts", 7),
        ] {
            assert_eq!(k.open(&other, &sealed), Err(SealError::Auth));
        }
    }

    #[test]
    fn every_flipped_bit_is_detected() {
        let k = VaultKey::generate(&SystemRandom).unwrap();
        let sealed = k.seal(&SystemRandom, b"ad", b"secret record").unwrap();
        for i in 0..sealed.len() * 8 {
            let mut bad = sealed.clone();
            bad[i / 8] ^= 1 << (i % 8);
            assert_eq!(k.open(b"ad", &bad), Err(SealError::Auth), "bit {i}");
        }
        assert_eq!(k.open(b"ad", &sealed[..20]), Err(SealError::Truncated));
    }

    #[test]
    fn wrong_key_fails() {
        let sealed =
            VaultKey::generate(&SystemRandom).unwrap().seal(&SystemRandom, b"", b"x").unwrap();
        assert_eq!(
            VaultKey::generate(&SystemRandom).unwrap().open(b"", &sealed),
            Err(SealError::Auth)
        );
        assert_eq!(VaultKey::from_bytes(&[0; 31]).unwrap_err(), SealError::KeyLength(31));
    }

    #[test]
    fn the_nonce_comes_from_the_injected_source() {
        let k = VaultKey::from_bytes(&[1; 32]).unwrap();
        let fives = |b: &mut [u8]| b.fill(5);
        let a = k.seal(&fives, b"ad", b"x").unwrap();
        assert_eq!(a, k.seal(&fives, b"ad", b"x").unwrap(), "same source, same bytes");
        assert_eq!(&a[..NONCE_LEN], &[5; NONCE_LEN]);
        assert_ne!(a, k.seal(&SystemRandom, b"ad", b"x").unwrap());
        assert_eq!(VaultKey::generate(&fives).unwrap().as_bytes(), &[5; 32]);
    }
}
