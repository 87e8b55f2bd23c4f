//! libsodium's Argon2id (`crypto_pwhash`), loaded at run time from Debian's libsodium, so a
//! machine without it reports the metric as missing instead of failing to build.

use std::ffi::{c_char, c_int, c_void, CStr};

type PwHash =
    unsafe extern "C" fn(*mut u8, u64, *const c_char, u64, *const u8, u64, usize, c_int) -> c_int;

/// `crypto_pwhash_ALG_ARGON2ID13`.
const ALG_ARGON2ID13: c_int = 2;

/// A loaded libsodium.
pub struct Sodium {
    pwhash: PwHash,
    /// Where it was loaded from.
    pub version: String,
}

impl Sodium {
    /// Loads libsodium (`libsodium.so.23` from Debian, or any `libsodium.so`).
    pub fn load() -> Result<Sodium, String> {
        for name in [c"libsodium.so.23", c"libsodium.so"] {
            // SAFETY: dlopen/dlsym with NUL-terminated names; the library stays loaded for
            // the life of the process (never dlclosed), so the function pointers stay valid.
            unsafe {
                let handle = libc::dlopen(name.as_ptr(), libc::RTLD_NOW);
                if handle.is_null() {
                    continue;
                }
                let init = libc::dlsym(handle, c"sodium_init".as_ptr());
                let pwhash = libc::dlsym(handle, c"crypto_pwhash".as_ptr());
                let version = libc::dlsym(handle, c"sodium_version_string".as_ptr());
                if init.is_null() || pwhash.is_null() || version.is_null() {
                    return Err("libsodium lacks crypto_pwhash".into());
                }
                let init: unsafe extern "C" fn() -> c_int = std::mem::transmute(init);
                if init() < 0 {
                    return Err("sodium_init failed".into());
                }
                let version: unsafe extern "C" fn() -> *const c_char = std::mem::transmute(version);
                let version = CStr::from_ptr(version()).to_string_lossy().into_owned();
                let pwhash: PwHash = std::mem::transmute::<*mut c_void, PwHash>(pwhash);
                return Ok(Sodium { pwhash, version });
            }
        }
        Err("libsodium is not installed (Debian: apt-get install libsodium23)".into())
    }

    /// Argon2id v1.3 with `iterations` passes over `memory_kib` KiB, one lane (libsodium's
    /// only choice); `salt` must be 16 bytes.
    pub fn argon2id(
        &self,
        out: &mut [u8],
        passphrase: &[u8],
        salt: &[u8; 16],
        iterations: u32,
        memory_kib: u32,
    ) -> Result<(), String> {
        // SAFETY: every pointer is valid for the length passed with it.
        let rc = unsafe {
            (self.pwhash)(
                out.as_mut_ptr(),
                out.len() as u64,
                passphrase.as_ptr().cast(),
                passphrase.len() as u64,
                salt.as_ptr(),
                u64::from(iterations),
                memory_kib as usize * 1024,
                ALG_ARGON2ID13,
            )
        };
        if rc == 0 {
            Ok(())
        } else {
            Err("crypto_pwhash failed".into())
        }
    }
}
