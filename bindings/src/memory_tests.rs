//! A memory dump after lock, through the exported API and the FFI boundary.
//!
//! A vault is created, given a platform key and accounts, closed, opened again and unlocked
//! with the passphrase and with the platform key; its codes are read, a HOTP code shown, an
//! account edited and one exported as a URI (the app's copy wiped, as an app should). Then
//! it is locked, and later closed. After each, a scan of the whole process (every writable
//! mapping, through /proc/self/mem: heap, stacks, uniffi's buffers) must find no copy of
//! the vault key and no account secret, raw or as base32 text, besides the needle the scan
//! itself holds.
//!
//! The platform protector stands for the Kotlin/Swift one at the FFI boundary: what crosses
//! it goes through uniffi's own lowering and lifting into `RustBuffer`s, which the
//! generated foreign code frees with `rustbuffer_free` — and neither uniffi nor the foreign
//! code wipes them. That is what [`crate::wiping_alloc`] is for; the copies the foreign side
//! makes itself (a `ByteArray`, a Swift `Data`) are the app's to wipe, as this one does.

use std::sync::{Arc, Mutex};

use nyckel_core::random::{Random, SystemRandom};
use nyckel_core::test_support::copies_in_memory_of_each;
use uniffi::{Lift, Lower, RustBuffer, RustCallStatus};
use zeroize::Zeroizing;

use crate::error::KeyProtectorError;
use crate::protector::VaultKeyProtector;
use crate::vault::{kdf_minimum, AccountChanges, ExportVia, NyckelVault};
use crate::UniFfiTag;

const PASSPHRASE: &str = "correct horse";

/// What a value of the protector's looks like after crossing to the foreign side: lowered
/// into a `RustBuffer` by uniffi, copied out by the foreign code (into `seen`, wiped when
/// dropped as an app must), and the buffer freed through `rustbuffer_free`.
fn to_foreign(value: Vec<u8>) -> Zeroizing<Vec<u8>> {
    let buf: RustBuffer = <Vec<u8> as Lower<UniFfiTag>>::lower(value);
    // SAFETY: the buffer is live and `len` bytes long until it is freed below.
    let bytes = unsafe { std::slice::from_raw_parts(buf.data_pointer(), buf.len()) };
    // A lowered Vec<u8> is its length (i32, big-endian) and the bytes.
    let seen = Zeroizing::new(bytes[4..].to_vec());
    uniffi::uniffi_rustbuffer_free(buf, &mut RustCallStatus::default());
    seen
}

/// The foreign side's answer coming back: written into a `RustBuffer` and lifted by uniffi
/// (which copies it out and frees the buffer).
fn from_foreign(value: &[u8]) -> Vec<u8> {
    let buf = <Vec<u8> as Lower<UniFfiTag>>::lower(value.to_vec());
    <Vec<u8> as Lift<UniFfiTag>>::try_lift(buf).unwrap()
}

/// A platform protector across the FFI boundary (XOR with a pad: it only has to round-trip)
/// that keeps the vault key it was given only inverted, so the test holds no copy of it.
#[derive(Default)]
struct ForeignProtector {
    inverted_key: Mutex<Vec<u8>>,
}

impl VaultKeyProtector for ForeignProtector {
    fn wrap(&self, vault_key: Vec<u8>) -> Result<Vec<u8>, KeyProtectorError> {
        let key = to_foreign(vault_key);
        *self.inverted_key.lock().unwrap() = key.iter().map(|b| !b).collect();
        let wrapped: Vec<u8> = key.iter().map(|b| b ^ 0x5a).collect();
        Ok(from_foreign(&wrapped))
    }

    fn unwrap(&self, wrapped_key: Vec<u8>) -> Result<Vec<u8>, KeyProtectorError> {
        let wrapped = to_foreign(wrapped_key);
        let key = Zeroizing::new(wrapped.iter().map(|b| b ^ 0x5a).collect::<Vec<u8>>());
        Ok(from_foreign(&key))
    }
}

/// RFC 4648 base32 without padding (20 bytes → 32 characters), written into a buffer that
/// is wiped when dropped.
fn base32(bytes: &[u8]) -> Zeroizing<String> {
    const ALPHABET: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    let mut text = Zeroizing::new(String::with_capacity(bytes.len() * 8 / 5 + 8));
    let (mut bits, mut value) = (0u32, 0u32);
    for &b in bytes {
        value = (value << 8) | u32::from(b);
        bits += 8;
        while bits >= 5 {
            bits -= 5;
            text.push(ALPHABET[((value >> bits) & 31) as usize] as char);
        }
    }
    if bits > 0 {
        text.push(ALPHABET[((value << (5 - bits)) & 31) as usize] as char);
    }
    text
}

/// The needles, kept inverted until the scan.
#[derive(Default)]
struct Inverted(Vec<(&'static str, Vec<u8>)>);

impl Inverted {
    /// Keeps `bytes` as two needles, its halves: a freed buffer whose first bytes the
    /// allocator reused for its own bookkeeping (glibc's tcache writes 16 bytes) still holds
    /// the rest, and half a key or a secret is a leak too.
    fn keep(&mut self, what: &'static str, bytes: &[u8]) {
        let (first, second) = bytes.split_at(bytes.len() / 2);
        for half in [first, second] {
            self.0.push((what, half.iter().map(|b| !b).collect()));
        }
    }

    /// Every needle that has a copy in memory besides the scan's own.
    fn left_in_memory(&self) -> Vec<&'static str> {
        let needles: Vec<Zeroizing<Vec<u8>>> = self
            .0
            .iter()
            .map(|(_, inverted)| Zeroizing::new(inverted.iter().map(|b| !b).collect()))
            .collect();
        let slices: Vec<&[u8]> = needles.iter().map(|n| &n[..]).collect();
        let copies = copies_in_memory_of_each(&slices);
        let mut found = Vec::new();
        for ((what, _), copies) in self.0.iter().zip(copies) {
            assert!(copies >= 1, "the scan sees its own needle ({what})");
            if copies > 1 && !found.contains(what) {
                found.push(*what);
            }
        }
        found
    }
}

/// Adds an account of `kind` with a fresh random secret and keeps its needles.
fn add_random(vault: &NyckelVault, kind: &'static str, i: usize, needles: &mut Inverted) -> i64 {
    let mut raw = Zeroizing::new(vec![0u8; 20]);
    SystemRandom.fill(&mut raw).unwrap();
    let text = base32(&raw);
    let mut uri = Zeroizing::new(String::with_capacity(160));
    uri.push_str("otpauth://");
    uri.push_str(kind);
    uri.push_str("/Minne:konto");
    uri.push_str(&i.to_string());
    uri.push_str("?secret=");
    uri.push_str(&text);
    // The app's String crosses the boundary as uniffi lifts it (the buffer becomes the
    // String, which the vault wipes).
    let id = vault.add_uri(std::mem::take(&mut *uri), false).unwrap().account.id;
    needles.keep("an account secret", &raw);
    needles.keep("an account secret as base32", text.as_bytes());
    id
}

#[cfg(target_os = "linux")]
#[test]
fn after_lock_and_close_no_vault_key_or_secret_is_left_in_memory() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("vault.nyckel").display().to_string();
    let protector = Arc::new(ForeignProtector::default());
    let mut needles = Inverted::default();
    let mut hotp = 0;
    {
        let vault = NyckelVault::create(path.clone(), PASSPHRASE.into(), Some(kdf_minimum()));
        let vault = vault.unwrap();
        vault.enable_platform_key(protector.clone()).unwrap();
        for (i, kind) in ["totp", "totp", "hotp", "totp"].into_iter().enumerate() {
            let id = add_random(&vault, kind, i, &mut needles);
            if kind == "hotp" {
                hotp = id;
            }
        }
        vault.close_vault();
    }
    let key: Zeroizing<Vec<u8>> =
        Zeroizing::new(protector.inverted_key.lock().unwrap().iter().map(|b| !b).collect());
    needles.keep("the vault key", &key);
    drop(key);

    let vault = NyckelVault::open(path).unwrap();
    vault.unlock_with_passphrase(PASSPHRASE.into()).unwrap();
    for _ in 0..3 {
        assert_eq!(vault.codes().unwrap().len(), 3);
        vault.accounts().unwrap();
    }
    vault.next_hotp_code(hotp).unwrap();
    let changes = AccountChanges { note: Some("flyttad".into()), ..Default::default() };
    vault.update_account(hotp, changes).unwrap();
    drop(Zeroizing::new(vault.export_uri(hotp, ExportVia::Qr).unwrap()));
    vault.lock().unwrap();
    vault.unlock_with_protector(protector.clone()).unwrap();
    assert_eq!(vault.codes().unwrap().len(), 3);
    vault.lock().unwrap();
    assert_eq!(needles.left_in_memory(), Vec::<&str>::new(), "after lock");

    vault.unlock_with_protector(protector).unwrap();
    vault.codes().unwrap();
    vault.close_vault();
    drop(vault);
    assert_eq!(needles.left_in_memory(), Vec::<&str>::new(), "after close");
}
