//! Import files from other authenticators: any bytes, detected or read as a named format,
//! give entries or a typed error, never a panic; and reading the same bytes twice gives the
//! same answer (no hidden state).

use nyckel_core::import::{self, Format};

/// The first byte picks the format: 0 detects it, `1..=N` names `Format::ALL[i - 1]`, others
/// detect too. No password is given, so encrypted files stop before any key derivation (the
/// KDF bounds have their own tests); their headers and slot lists are still parsed.
pub fn check(data: &[u8]) {
    let (pick, bytes) = crate::selector(data);
    let format = Format::ALL.get(usize::from(pick).wrapping_sub(1)).copied();
    let first = import::read(bytes, format, None);
    let second = import::read(bytes, format, None);
    match (&first, &second) {
        (Ok(a), Ok(b)) => {
            assert_eq!(a.format, b.format);
            assert_eq!(a.entries.len(), b.entries.len());
            for entry in &a.entries {
                assert!(entry.position >= 1, "positions count from 1");
            }
        }
        (Err(a), Err(b)) => assert_eq!(a.to_string(), b.to_string()),
        _ => panic!("the same bytes read differently twice"),
    }
}
