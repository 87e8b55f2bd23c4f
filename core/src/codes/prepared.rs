//! Codes from a prepared secret: the HMAC key's inner and outer hash states are computed
//! once, so every further code costs two hash compressions (SHA-1, SHA-256) and no
//! allocation. This is the form the vault keeps while unlocked (see `docs/performance.md`);
//! the states are as secret as the key itself and are wiped on drop.

use sha2::digest::generic_array::GenericArray;
use sha2::Digest;
use zeroize::Zeroize;

use super::{seconds_left, time_step, Code, CodeError, STEAM_ALPHABET};
use crate::otpauth::{Algorithm, OtpKind, OtpParams, STEAM_DIGITS};

const SHA1_IV: [u32; 5] = [0x6745_2301, 0xEFCD_AB89, 0x98BA_DCFE, 0x1032_5476, 0xC3D2_E1F0];
const SHA256_IV: [u32; 8] = [
    0x6a09_e667,
    0xbb67_ae85,
    0x3c6e_f372,
    0xa54f_f53a,
    0x510e_527f,
    0x9b05_688c,
    0x1f83_d9ab,
    0x5be0_cd19,
];
const SHA512_IV: [u64; 8] = [
    0x6a09_e667_f3bc_c908,
    0xbb67_ae85_84ca_a73b,
    0x3c6e_f372_fe94_f82b,
    0xa54f_f53a_5f1d_36f1,
    0x510e_527f_ade6_82d1,
    0x9b05_688c_2b3e_6c1f,
    0x1f83_d9ab_fb41_bd6b,
    0x5be0_cd19_137e_2179,
];

/// HMAC inner/outer states after the keyed block (RFC 2104), per hash.
#[derive(Clone)]
enum States {
    Sha1 { inner: [u32; 5], outer: [u32; 5] },
    Sha256 { inner: [u32; 8], outer: [u32; 8] },
    Sha512 { inner: [u64; 8], outer: [u64; 8] },
}

/// An OTP secret with its HMAC key schedule precomputed.
///
/// Computes exactly what [`super::truncated_hmac`] computes, in two compressions per code
/// (SHA-512: two 128-byte compressions). Holds key-equivalent material: `Debug` shows
/// none of it and it is zeroized on drop.
#[derive(Clone)]
pub struct PreparedSecret {
    states: States,
}

/// A code as fixed-size text (at most 10 characters): no heap allocation per code.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct CodeText {
    bytes: [u8; 10],
    len: u8,
}

impl CodeText {
    /// The code ("012345", or 5 Steam characters).
    pub fn as_str(&self) -> &str {
        // Only ASCII digits and Steam's ASCII alphabet are ever written.
        std::str::from_utf8(&self.bytes[..usize::from(self.len)]).expect("ASCII")
    }
}

impl std::fmt::Debug for CodeText {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::fmt::Display for CodeText {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::fmt::Debug for PreparedSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PreparedSecret(<redacted>)")
    }
}

impl Drop for PreparedSecret {
    fn drop(&mut self) {
        match &mut self.states {
            States::Sha1 { inner, outer } => {
                inner.zeroize();
                outer.zeroize();
            }
            States::Sha256 { inner, outer } => {
                inner.zeroize();
                outer.zeroize();
            }
            States::Sha512 { inner, outer } => {
                inner.zeroize();
                outer.zeroize();
            }
        }
    }
}

/// XORs `key` (already at most one block long) into a block of `pad` bytes.
fn padded<const N: usize>(key: &[u8], pad: u8) -> [u8; N] {
    let mut block = [pad; N];
    for (b, k) in block.iter_mut().zip(key) {
        *b ^= k;
    }
    block
}

/// HMAC's key: as is when it fits in a block, else its hash (RFC 2104 §2).
fn block_key<D: Digest>(secret: &[u8], block_len: usize) -> zeroize::Zeroizing<Vec<u8>> {
    if secret.len() > block_len {
        zeroize::Zeroizing::new(D::digest(secret).to_vec())
    } else {
        zeroize::Zeroizing::new(secret.to_vec())
    }
}

impl PreparedSecret {
    /// Prepares `secret` for `algorithm` (keys of any length, as HMAC allows).
    pub fn new(secret: &[u8], algorithm: Algorithm) -> Self {
        let states = match algorithm {
            Algorithm::Sha1 => {
                let key = block_key::<sha1::Sha1>(secret, 64);
                let (mut ipad, mut opad) = (padded::<64>(&key, 0x36), padded::<64>(&key, 0x5c));
                let (mut inner, mut outer) = (SHA1_IV, SHA1_IV);
                sha1::compress(&mut inner, &[GenericArray::from(ipad)]);
                sha1::compress(&mut outer, &[GenericArray::from(opad)]);
                ipad.zeroize();
                opad.zeroize();
                States::Sha1 { inner, outer }
            }
            Algorithm::Sha256 => {
                let key = block_key::<sha2::Sha256>(secret, 64);
                let (mut ipad, mut opad) = (padded::<64>(&key, 0x36), padded::<64>(&key, 0x5c));
                let (mut inner, mut outer) = (SHA256_IV, SHA256_IV);
                sha2::compress256(&mut inner, &[GenericArray::from(ipad)]);
                sha2::compress256(&mut outer, &[GenericArray::from(opad)]);
                ipad.zeroize();
                opad.zeroize();
                States::Sha256 { inner, outer }
            }
            Algorithm::Sha512 => {
                let key = block_key::<sha2::Sha512>(secret, 128);
                let (mut ipad, mut opad) = (padded::<128>(&key, 0x36), padded::<128>(&key, 0x5c));
                let (mut inner, mut outer) = (SHA512_IV, SHA512_IV);
                sha2::compress512(&mut inner, &[GenericArray::from(ipad)]);
                sha2::compress512(&mut outer, &[GenericArray::from(opad)]);
                ipad.zeroize();
                opad.zeroize();
                States::Sha512 { inner, outer }
            }
        };
        crate::registers::wipe_vector_registers();
        PreparedSecret { states }
    }

    /// The raw RFC 4226 dynamic-truncation value (31 bits) for `counter`.
    pub fn truncated(&self, counter: u64) -> u32 {
        let value = self.truncated_unwiped(counter);
        crate::registers::wipe_vector_registers();
        value
    }

    fn truncated_unwiped(&self, counter: u64) -> u32 {
        let msg = counter.to_be_bytes();
        match &self.states {
            States::Sha1 { inner, outer } => {
                let mut state = *inner;
                sha1::compress(&mut state, &[GenericArray::from(last_block_64(&msg, 64))]);
                let mut digest = [0u8; 20];
                words32_to_bytes(&state, &mut digest);
                let mut state = *outer;
                sha1::compress(&mut state, &[GenericArray::from(last_block_64(&digest, 64))]);
                words32_to_bytes(&state, &mut digest);
                dynamic_truncation(&digest)
            }
            States::Sha256 { inner, outer } => {
                let mut state = *inner;
                sha2::compress256(&mut state, &[GenericArray::from(last_block_64(&msg, 64))]);
                let mut digest = [0u8; 32];
                words32_to_bytes(&state, &mut digest);
                let mut state = *outer;
                sha2::compress256(&mut state, &[GenericArray::from(last_block_64(&digest, 64))]);
                words32_to_bytes(&state, &mut digest);
                dynamic_truncation(&digest)
            }
            States::Sha512 { inner, outer } => {
                let mut state = *inner;
                sha2::compress512(&mut state, &[GenericArray::from(last_block_128(&msg))]);
                let mut digest = [0u8; 64];
                words64_to_bytes(&state, &mut digest);
                let mut state = *outer;
                sha2::compress512(&mut state, &[GenericArray::from(last_block_128(&digest))]);
                words64_to_bytes(&state, &mut digest);
                dynamic_truncation(&digest)
            }
        }
    }

    /// The RFC 4226 HOTP code for `counter` with `digits` decimal digits (1–10).
    pub fn hotp(&self, counter: u64, digits: u8) -> Result<CodeText, CodeError> {
        if !(1..=10).contains(&digits) {
            return Err(CodeError::Digits(digits));
        }
        let mut value = u64::from(self.truncated(counter)) % 10u64.pow(u32::from(digits));
        let mut text = CodeText { bytes: [b'0'; 10], len: digits };
        for slot in text.bytes[..usize::from(digits)].iter_mut().rev() {
            *slot = b'0' + (value % 10) as u8;
            value /= 10;
        }
        Ok(text)
    }

    /// The Steam Guard code for time step `step` (5 characters; SHA1 secrets).
    pub fn steam(&self, step: u64) -> CodeText {
        let mut v = self.truncated(step);
        let mut text = CodeText { bytes: [0; 10], len: STEAM_DIGITS };
        for slot in &mut text.bytes[..usize::from(STEAM_DIGITS)] {
            *slot = STEAM_ALPHABET[(v % 26) as usize];
            v /= 26;
        }
        text
    }
}

/// An account's code parameters with its secret prepared: [`OtpParams::code_at`] without
/// re-keying HMAC per code.
#[derive(Clone, Debug)]
pub struct PreparedParams {
    kind: OtpKind,
    digits: u8,
    period: u32,
    counter: u64,
    secret: PreparedSecret,
}

impl PreparedParams {
    /// Prepares `params` (Steam is always HMAC-SHA1, whatever `algorithm` says).
    pub fn new(params: &OtpParams) -> Self {
        let algorithm = match params.kind {
            OtpKind::Steam => Algorithm::Sha1,
            _ => params.algorithm,
        };
        PreparedParams {
            kind: params.kind,
            digits: params.digits,
            period: params.period,
            counter: params.counter,
            secret: PreparedSecret::new(params.secret.as_bytes(), algorithm),
        }
    }

    /// The same code as [`OtpParams::code_at`] for the parameters this was prepared from.
    pub fn code_at(&self, unix_time: u64) -> Result<Code, CodeError> {
        match self.kind {
            OtpKind::Hotp => Ok(Code {
                value: self.secret.hotp(self.counter, self.digits)?.as_str().to_owned(),
                seconds_left: None,
                period: None,
            }),
            OtpKind::Totp => {
                let step = time_step(unix_time, self.period)?;
                Ok(Code {
                    value: self.secret.hotp(step, self.digits)?.as_str().to_owned(),
                    seconds_left: Some(seconds_left(unix_time, self.period)?),
                    period: Some(self.period),
                })
            }
            OtpKind::Steam => {
                let step = time_step(unix_time, self.period)?;
                Ok(Code {
                    value: self.secret.steam(step).as_str().to_owned(),
                    seconds_left: Some(seconds_left(unix_time, self.period)?),
                    period: Some(self.period),
                })
            }
        }
    }
}

/// The final padded block of an inner or outer hash whose first block was the 64-byte key
/// block: `msg ‖ 0x80 ‖ zeros ‖ bit length` (SHA-1 and SHA-256 pad alike).
fn last_block_64(msg: &[u8], key_block: u64) -> [u8; 64] {
    let mut block = [0u8; 64];
    block[..msg.len()].copy_from_slice(msg);
    block[msg.len()] = 0x80;
    block[56..].copy_from_slice(&((key_block + msg.len() as u64) * 8).to_be_bytes());
    block
}

/// SHA-512's final block after a 128-byte key block (128-bit length field).
fn last_block_128(msg: &[u8]) -> [u8; 128] {
    let mut block = [0u8; 128];
    block[..msg.len()].copy_from_slice(msg);
    block[msg.len()] = 0x80;
    block[112..].copy_from_slice(&((128 + msg.len() as u128) * 8).to_be_bytes());
    block
}

fn words32_to_bytes(words: &[u32], out: &mut [u8]) {
    for (chunk, w) in out.chunks_exact_mut(4).zip(words) {
        chunk.copy_from_slice(&w.to_be_bytes());
    }
}

fn words64_to_bytes(words: &[u64], out: &mut [u8]) {
    for (chunk, w) in out.chunks_exact_mut(8).zip(words) {
        chunk.copy_from_slice(&w.to_be_bytes());
    }
}

/// RFC 4226 §5.3: four bytes at the offset the last nibble names, top bit cleared.
fn dynamic_truncation(digest: &[u8]) -> u32 {
    let offset = usize::from(digest[digest.len() - 1] & 0x0f);
    u32::from_be_bytes([digest[offset], digest[offset + 1], digest[offset + 2], digest[offset + 3]])
        & 0x7fff_ffff
}
