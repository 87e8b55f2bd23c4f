//! Key derivation with parameters read from a file, bounded before anything runs: a hostile
//! or broken file must not make a phone allocate gigabytes or spin for minutes.

use zeroize::Zeroizing;

use super::ImportError;

/// Largest scrypt cost accepted: N = 2^20 (Aegis uses 2^15).
pub const SCRYPT_MAX_LOG_N: u8 = 20;
/// Largest scrypt memory accepted (128 · N · r · p bytes): 256 MiB.
pub const SCRYPT_MAX_MEMORY: u64 = 256 * 1024 * 1024;
/// Largest PBKDF2 iteration count accepted (2FAS uses 10,000; OWASP asks 600,000 for SHA-256).
pub const PBKDF2_MAX_ITERATIONS: u32 = 2_000_000;

/// Argon2id bounds for parameters read from a file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Argon2Limits {
    /// Most memory, KiB.
    pub max_memory_kib: u32,
    /// Most passes.
    pub max_passes: u32,
    /// Most lanes.
    pub max_lanes: u32,
}

impl Argon2Limits {
    /// What a phone can afford: 256 MiB, 16 passes, 8 lanes.
    pub const PHONE: Argon2Limits =
        Argon2Limits { max_memory_kib: 256 * 1024, max_passes: 16, max_lanes: 8 };
}

/// scrypt → 32-byte key, refusing N that is not a power of two or costs above the bounds.
pub fn scrypt(
    password: &str,
    salt: &[u8],
    n: u64,
    r: u32,
    p: u32,
) -> Result<Zeroizing<[u8; 32]>, ImportError> {
    let detail = format!("N={n} r={r} p={p}");
    let too_expensive = || ImportError::KdfTooExpensive { kdf: "scrypt", detail: detail.clone() };
    if n < 2 || !n.is_power_of_two() || r == 0 || p == 0 {
        return Err(ImportError::malformed("scrypt", format!("invalid parameters {detail}")));
    }
    let log_n = n.trailing_zeros() as u8;
    let memory = 128u64.saturating_mul(n).saturating_mul(r as u64).saturating_mul(p as u64);
    if log_n > SCRYPT_MAX_LOG_N || memory > SCRYPT_MAX_MEMORY || p > 16 {
        return Err(too_expensive());
    }
    let params = scrypt::Params::new(log_n, r, p, 32)
        .map_err(|_| ImportError::malformed("scrypt", format!("invalid parameters {detail}")))?;
    let mut out = Zeroizing::new([0u8; 32]);
    scrypt::scrypt(password.as_bytes(), salt, &params, &mut out[..])
        .map_err(|_| ImportError::malformed("scrypt", "invalid output length"))?;
    Ok(out)
}

/// PBKDF2-HMAC-SHA256 → 32-byte key, refusing 0 or more than [`PBKDF2_MAX_ITERATIONS`].
pub fn pbkdf2_sha256(
    password: &str,
    salt: &[u8],
    iterations: u32,
) -> Result<Zeroizing<[u8; 32]>, ImportError> {
    if iterations == 0 {
        return Err(ImportError::malformed("PBKDF2", "0 iterations"));
    }
    if iterations > PBKDF2_MAX_ITERATIONS {
        return Err(ImportError::KdfTooExpensive {
            kdf: "PBKDF2",
            detail: format!("{iterations} iterations"),
        });
    }
    let mut out = Zeroizing::new([0u8; 32]);
    pbkdf2::pbkdf2_hmac::<sha2::Sha256>(password.as_bytes(), salt, iterations, &mut out[..]);
    Ok(out)
}

/// Argon2id → 32-byte key, refusing parameters above `limits` or invalid for Argon2.
pub fn argon2id(
    password: &str,
    salt: &[u8],
    memory_kib: u32,
    passes: u32,
    lanes: u32,
    limits: Argon2Limits,
) -> Result<Zeroizing<[u8; 32]>, ImportError> {
    let detail = format!("m={memory_kib} KiB t={passes} p={lanes}");
    if memory_kib > limits.max_memory_kib || passes > limits.max_passes || lanes > limits.max_lanes
    {
        return Err(ImportError::KdfTooExpensive { kdf: "Argon2id", detail });
    }
    let invalid = |_| ImportError::malformed("Argon2id", format!("invalid parameters {detail}"));
    crate::argon::derive_32(password.as_bytes(), salt, memory_kib, passes, lanes).map_err(invalid)
}

/// Why an AES-GCM open failed.
#[derive(Debug, PartialEq, Eq)]
pub enum OpenError {
    /// Nonce or tag of the wrong length (a truncated or malformed file).
    BadLength(&'static str),
    /// Authentication failed: wrong key, or altered data.
    Auth,
}

/// AES-256-GCM open with a 12-byte nonce and a detached 16-byte tag. Lengths are checked
/// first (the `aes-gcm` crate panics on a nonce of the wrong size).
pub fn aes_gcm_open(
    key: &[u8; 32],
    nonce: &[u8],
    ciphertext: &[u8],
    tag: &[u8],
    aad: &[u8],
) -> Result<Zeroizing<Vec<u8>>, OpenError> {
    use aes_gcm::aead::{AeadInPlace, KeyInit};
    if nonce.len() != 12 {
        return Err(OpenError::BadLength("the nonce must be 12 bytes"));
    }
    if tag.len() != 16 {
        return Err(OpenError::BadLength("the authentication tag must be 16 bytes"));
    }
    let cipher = aes_gcm::Aes256Gcm::new(key.into());
    let mut buf = Zeroizing::new(ciphertext.to_vec());
    cipher
        .decrypt_in_place_detached(nonce.into(), aad, &mut buf, tag.into())
        .map_err(|_| OpenError::Auth)?;
    Ok(buf)
}

/// AES-256-GCM seal with a 12-byte nonce; returns ciphertext and detached tag.
pub fn aes_gcm_seal(
    key: &[u8; 32],
    nonce: &[u8; 12],
    plaintext: &[u8],
    aad: &[u8],
) -> (Vec<u8>, [u8; 16]) {
    use aes_gcm::aead::{AeadInPlace, KeyInit};
    let cipher = aes_gcm::Aes256Gcm::new(key.into());
    let mut buf = plaintext.to_vec();
    let tag = cipher
        .encrypt_in_place_detached(nonce.into(), aad, &mut buf)
        .expect("AES-GCM seals any message below 64 GiB");
    (buf, tag.into())
}

/// Lower-case hex.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Decodes hex (either case); `None` when it is not an even number of hex digits.
pub fn unhex(text: &str) -> Option<Vec<u8>> {
    let text = text.trim().as_bytes();
    if !text.len().is_multiple_of(2) {
        return None;
    }
    text.chunks(2)
        .map(|pair| {
            let digit = |c: u8| (c as char).to_digit(16);
            Some((digit(pair[0])? * 16 + digit(pair[1])?) as u8)
        })
        .collect()
}
