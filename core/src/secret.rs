//! Shared-secret bytes that never show up in `Debug` and are wiped on drop.

use zeroize::Zeroizing;

/// The raw bytes of an OTP shared secret.
///
/// `Debug` prints only the length; memory is zeroized when dropped.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(Zeroizing<Vec<u8>>);

impl Secret {
    /// Wraps raw secret bytes.
    pub fn new(bytes: Vec<u8>) -> Self {
        Secret(Zeroizing::new(bytes))
    }

    /// The raw bytes.
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    /// Number of bytes.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// True when the secret has no bytes.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Canonical base32 form: RFC 4648 alphabet, upper case, no padding.
    pub fn to_base32(&self) -> String {
        base32::encode(base32::Alphabet::Rfc4648 { padding: false }, &self.0)
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Secret(<{} bytes redacted>)", self.0.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_shows_bytes() {
        let s = Secret::new(b"12345678901234567890".to_vec());
        let shown = format!("{s:?}");
        assert!(!shown.contains("12345"), "{shown}");
        assert!(shown.contains("20 bytes"));
    }

    #[test]
    fn base32_is_canonical() {
        assert_eq!(
            Secret::new(b"12345678901234567890".to_vec()).to_base32(),
            "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"
        );
        assert_eq!(Secret::new(vec![0xff]).to_base32(), "74");
    }
}
