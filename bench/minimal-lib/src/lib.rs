//! The baseline of the `lib.size` metric: a cdylib that uses the mobile library's heavy
//! dependencies for real (so the linker keeps them), and nothing else. Built with the same
//! profile as `nyckel-ffi`, its stripped size is what those dependencies cost.

use std::ffi::{c_char, CStr};

/// SHA-256 of `len` bytes at `data` into `out` (32 bytes); AES-GCM and P-256 verification
/// are exercised too, so ring's ciphers stay linked like in the real library.
///
/// # Safety
/// `data` must point to `len` readable bytes and `out` to 32 writable bytes.
#[no_mangle]
pub unsafe extern "C" fn minimal_ring(data: *const u8, len: usize, out: *mut u8) -> i32 {
    let input = std::slice::from_raw_parts(data, len);
    let digest = ring::digest::digest(&ring::digest::SHA256, input);
    std::ptr::copy_nonoverlapping(digest.as_ref().as_ptr(), out, 32);
    let key = ring::aead::LessSafeKey::new(
        ring::aead::UnboundKey::new(&ring::aead::AES_256_GCM, digest.as_ref()).expect("32 bytes"),
    );
    let mut buf = input.to_vec();
    let nonce = ring::aead::Nonce::assume_unique_for_key([0; 12]);
    let sealed = key.seal_in_place_append_tag(nonce, ring::aead::Aad::empty(), &mut buf).is_ok();
    let rng = ring::rand::SystemRandom::new();
    let signed = ring::signature::EcdsaKeyPair::generate_pkcs8(
        &ring::signature::ECDSA_P256_SHA256_ASN1_SIGNING,
        &rng,
    )
    .ok()
    .and_then(|pkcs8| {
        ring::signature::EcdsaKeyPair::from_pkcs8(
            &ring::signature::ECDSA_P256_SHA256_ASN1_SIGNING,
            pkcs8.as_ref(),
            &rng,
        )
        .ok()
    })
    .and_then(|pair| {
        let sig = pair.sign(&rng, input).ok()?;
        let public = ring::signature::UnparsedPublicKey::new(
            &ring::signature::ECDSA_P256_SHA256_ASN1,
            ring::signature::KeyPair::public_key(&pair).as_ref().to_vec(),
        );
        public.verify(input, sig.as_ref()).ok()
    })
    .is_some();
    i32::from(sealed) + i32::from(signed)
}

/// Opens the SQLite database at `path`, runs `sql` and returns the first column of the first
/// row as a number (-1 on any error).
///
/// # Safety
/// `path` and `sql` must be NUL-terminated strings.
#[no_mangle]
pub unsafe extern "C" fn minimal_sqlite(path: *const c_char, sql: *const c_char) -> i64 {
    let (Ok(path), Ok(sql)) = (CStr::from_ptr(path).to_str(), CStr::from_ptr(sql).to_str()) else {
        return -1;
    };
    rusqlite::Connection::open(path)
        .and_then(|c| c.query_row(sql, [], |r| r.get::<_, i64>(0)))
        .unwrap_or(-1)
}

/// Parses `json` and re-serialises it into `out` (at most `cap` bytes); returns the length
/// written, or -1.
///
/// # Safety
/// `json` must be NUL-terminated and `out` must point to `cap` writable bytes.
#[no_mangle]
pub unsafe extern "C" fn minimal_json(json: *const c_char, out: *mut u8, cap: usize) -> i64 {
    let Ok(text) = CStr::from_ptr(json).to_str() else { return -1 };
    let Ok(value) = serde_json::from_str::<serde_json::Value>(text) else { return -1 };
    let bytes = serde_json::to_vec(&value).unwrap_or_default();
    if bytes.len() > cap {
        return -1;
    }
    std::ptr::copy_nonoverlapping(bytes.as_ptr(), out, bytes.len());
    bytes.len() as i64
}
