//! The floor of a TOTP-SHA1 code: HMAC-SHA1 of an 8-byte counter with the keyed inner and
//! outer states computed beforehand is exactly two SHA-1 compressions, plus the RFC 4226
//! truncation. Nothing can compute a code with less work; every code metric is anchored here.

/// SHA-1's initial state.
const SHA1_IV: [u32; 5] = [0x6745_2301, 0xEFCD_AB89, 0x98BA_DCFE, 0x1032_5476, 0xC3D2_E1F0];

/// HMAC-SHA1 inner and outer states after the keyed block (the "prepared key").
#[derive(Clone)]
pub struct FloorKey {
    inner: [u32; 5],
    outer: [u32; 5],
}

impl FloorKey {
    /// Prepares `secret` (at most 64 bytes, as every fixture secret is).
    pub fn new(secret: &[u8]) -> Self {
        assert!(secret.len() <= 64, "the floor takes keys of at most one block");
        let mut ipad = [0x36u8; 64];
        let mut opad = [0x5cu8; 64];
        for (i, b) in secret.iter().enumerate() {
            ipad[i] ^= b;
            opad[i] ^= b;
        }
        let (mut inner, mut outer) = (SHA1_IV, SHA1_IV);
        sha1::compress(&mut inner, &[ipad.into()]);
        sha1::compress(&mut outer, &[opad.into()]);
        FloorKey { inner, outer }
    }

    /// The 31-bit truncated HMAC of `counter`: two compressions.
    #[inline]
    pub fn truncated(&self, counter: u64) -> u32 {
        let mut block = [0u8; 64];
        block[..8].copy_from_slice(&counter.to_be_bytes());
        block[8] = 0x80;
        block[56..].copy_from_slice(&((64u64 + 8) * 8).to_be_bytes());
        let mut inner = self.inner;
        sha1::compress(&mut inner, &[block.into()]);

        let mut block = [0u8; 64];
        for (i, w) in inner.iter().enumerate() {
            block[i * 4..i * 4 + 4].copy_from_slice(&w.to_be_bytes());
        }
        block[20] = 0x80;
        block[56..].copy_from_slice(&((64u64 + 20) * 8).to_be_bytes());
        let mut outer = self.outer;
        sha1::compress(&mut outer, &[block.into()]);

        let mut digest = [0u8; 20];
        for (i, w) in outer.iter().enumerate() {
            digest[i * 4..i * 4 + 4].copy_from_slice(&w.to_be_bytes());
        }
        let offset = usize::from(digest[19] & 0x0f);
        u32::from_be_bytes([
            digest[offset],
            digest[offset + 1],
            digest[offset + 2],
            digest[offset + 3],
        ]) & 0x7fff_ffff
    }

    /// The 6-digit code as a number (no string: the floor allocates nothing).
    #[inline]
    pub fn code6(&self, counter: u64) -> u32 {
        self.truncated(counter) % 1_000_000
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc4226_test_vectors() {
        // RFC 4226 appendix D: secret "12345678901234567890", counters 0..9.
        let expected =
            [755224, 287082, 359152, 969429, 338314, 254676, 287922, 162583, 399871, 520489];
        let key = FloorKey::new(b"12345678901234567890");
        for (counter, want) in expected.into_iter().enumerate() {
            assert_eq!(key.code6(counter as u64), want, "counter {counter}");
        }
    }
}
