//! Key slots: each wraps the one vault key, as in LUKS and Aegis.
//!
//! - A passphrase slot wraps it under an Argon2id key (parameters stored with the slot).
//! - A platform slot lets the app wrap it with Android Keystore / iOS Keychain through
//!   [`KeyProtector`]; on phones the unwrap itself is the biometric gate.

use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use super::crypto::{self, SealError};
use crate::random::SystemRandom;

/// Argon2id parameters of a passphrase slot.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct KdfParams {
    /// Memory in KiB.
    pub memory_kib: u32,
    /// Passes over memory.
    pub iterations: u32,
    /// Lanes.
    pub parallelism: u32,
}

impl KdfParams {
    /// The floor (OWASP's minimum for Argon2id): 19 MiB, 2 passes, 1 lane.
    pub const FLOOR: KdfParams = KdfParams { memory_kib: 19 * 1024, iterations: 2, parallelism: 1 };
    /// The default for new vaults: 64 MiB, 3 passes, 1 lane (≈ 0.3 s on a phone).
    pub const DEFAULT: KdfParams =
        KdfParams { memory_kib: 64 * 1024, iterations: 3, parallelism: 1 };
    /// Upper bounds accepted from a file, so a hostile file cannot make us allocate
    /// gigabytes or spin for hours.
    pub const CEILING: KdfParams =
        KdfParams { memory_kib: 1024 * 1024, iterations: 64, parallelism: 16 };

    /// Checks the parameters are between [`Self::FLOOR`] and [`Self::CEILING`].
    pub fn check(&self) -> Result<(), String> {
        let (lo, hi) = (Self::FLOOR, Self::CEILING);
        let ok = (lo.memory_kib..=hi.memory_kib).contains(&self.memory_kib)
            && (lo.iterations..=hi.iterations).contains(&self.iterations)
            && (lo.parallelism..=hi.parallelism).contains(&self.parallelism)
            && self.memory_kib >= 8 * self.parallelism;
        if ok {
            Ok(())
        } else {
            Err(format!(
                "Argon2id parameters m={} KiB t={} p={} are outside the accepted range (m {}–{} KiB, t {}–{}, p {}–{})",
                self.memory_kib, self.iterations, self.parallelism,
                lo.memory_kib, hi.memory_kib, lo.iterations, hi.iterations, lo.parallelism, hi.parallelism
            ))
        }
    }

    /// Derives a 256-bit key-encryption key from a passphrase.
    pub fn derive(&self, passphrase: &str, salt: &[u8]) -> Result<Zeroizing<[u8; 32]>, String> {
        self.check()?;
        crate::argon::derive_32(
            passphrase.as_bytes(),
            salt,
            self.memory_kib,
            self.iterations,
            self.parallelism,
        )
        .map_err(|e| e.to_string())
    }
}

/// The stored description of a passphrase slot (kept in clear, bound as associated data).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PassphraseSlotParams {
    /// Always "argon2id".
    pub kdf: String,
    /// Argon2id parameters.
    #[serde(flatten)]
    pub params: KdfParams,
    /// 32 random bytes, hex.
    pub salt: String,
}

/// Wraps the vault key with the platform's hardware-backed key store.
///
/// On Android this is an AES key in the Keystore (StrongBox where present) created with
/// `setUserAuthenticationRequired(true)`, so `unwrap` only succeeds inside a
/// BiometricPrompt authenticated with a CryptoObject; on iOS a Keychain item guarded by
/// `SecAccessControl` (`.biometryCurrentSet`). There is no boolean "user is authenticated"
/// callback: if the user did not authenticate, the key operation itself fails.
pub trait KeyProtector: Send + Sync {
    /// Wraps (encrypts) the vault key; the result is stored in the vault file.
    fn wrap(&self, key: Vec<u8>) -> Result<Vec<u8>, ProtectorError>;
    /// Unwraps what `wrap` produced.
    fn unwrap(&self, wrapped: Vec<u8>) -> Result<Vec<u8>, ProtectorError>;
}

/// Why the platform could not wrap or unwrap the vault key.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ProtectorError {
    /// The user dismissed the biometric/PIN prompt.
    #[error("the user cancelled authentication")]
    UserCancelled,
    /// The platform key is gone or invalidated (new fingerprint enrolled, restored to a new
    /// phone). The vault is intact: unlock with the passphrase and re-enable the platform slot.
    #[error("the platform key was invalidated or is missing; unlock with the passphrase")]
    KeyInvalidated,
    /// Temporarily unavailable (device locked, Keychain errSecInteractionNotAllowed): try again.
    #[error("the platform key store is temporarily unavailable: {0}")]
    Unavailable(String),
    /// Anything else the platform reported.
    #[error("the platform key store failed: {0}")]
    Failed(String),
}

/// A software [`KeyProtector`] with an AES-256-GCM key held in memory: for the CLI's
/// tests and as the reference of what a platform implementation must do.
pub struct SoftwareProtector {
    key: Zeroizing<[u8; 32]>,
}

impl SoftwareProtector {
    /// A protector with a fresh random key.
    pub fn generate() -> Result<Self, ProtectorError> {
        let key = crate::random::array::<32>(&SystemRandom)
            .map_err(|e| ProtectorError::Failed(e.to_string()))?;
        Ok(SoftwareProtector { key: Zeroizing::new(key) })
    }
}

const PROTECTOR_AAD: &[u8] = b"nyckel-software-protector";

impl KeyProtector for SoftwareProtector {
    fn wrap(&self, key: Vec<u8>) -> Result<Vec<u8>, ProtectorError> {
        let key = Zeroizing::new(key);
        crypto::seal_with(&SystemRandom, &crypto::aes_key(&self.key), PROTECTOR_AAD, &key)
            .map_err(|e| ProtectorError::Failed(e.to_string()))
    }

    fn unwrap(&self, wrapped: Vec<u8>) -> Result<Vec<u8>, ProtectorError> {
        match crypto::open_with(&crypto::aes_key(&self.key), PROTECTOR_AAD, &wrapped) {
            Ok(k) => Ok(k.to_vec()),
            Err(SealError::Auth | SealError::Truncated) => Err(ProtectorError::KeyInvalidated),
            Err(e) => Err(ProtectorError::Failed(e.to_string())),
        }
    }
}

/// Hex encoding for slot salts.
pub(crate) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Hex decoding; `None` on any non-hex input.
pub(crate) fn unhex(s: &str) -> Option<Vec<u8>> {
    if !s.len().is_multiple_of(2) {
        return None;
    }
    (0..s.len()).step_by(2).map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn floor_and_ceiling_are_enforced() {
        assert!(KdfParams::FLOOR.check().is_ok());
        assert!(KdfParams::DEFAULT.check().is_ok());
        assert!(KdfParams { memory_kib: 1024, ..KdfParams::FLOOR }.check().is_err());
        assert!(KdfParams { iterations: 1, ..KdfParams::FLOOR }.check().is_err());
        assert!(KdfParams { memory_kib: 1 << 30, ..KdfParams::FLOOR }.check().is_err());
        assert!(KdfParams { iterations: 1_000_000, ..KdfParams::FLOOR }.check().is_err());
    }

    #[test]
    fn derivation_depends_on_passphrase_and_salt() {
        let p = KdfParams::FLOOR;
        let a = p.derive("correct horse", &[1; 32]).unwrap();
        assert_eq!(a, p.derive("correct horse", &[1; 32]).unwrap());
        assert_ne!(a, p.derive("correct horsf", &[1; 32]).unwrap());
        assert_ne!(a, p.derive("correct horse", &[2; 32]).unwrap());
    }

    #[test]
    fn software_protector_round_trips_and_rejects_foreign_blobs() {
        let p = SoftwareProtector::generate().unwrap();
        let w = p.wrap(vec![7; 32]).unwrap();
        assert_eq!(p.unwrap(w.clone()).unwrap(), vec![7; 32]);
        let other = SoftwareProtector::generate().unwrap();
        assert_eq!(other.unwrap(w), Err(ProtectorError::KeyInvalidated));
    }

    #[test]
    fn hex_round_trip() {
        assert_eq!(unhex(&hex(&[0, 1, 0xab, 0xff])).unwrap(), vec![0, 1, 0xab, 0xff]);
        assert_eq!(unhex("abc"), None);
        assert_eq!(unhex("zz"), None);
    }
}
