#![no_main]
//! See `nyckel_fuzz::oidc_authorize`.

libfuzzer_sys::fuzz_target!(|data: &[u8]| nyckel_fuzz::oidc_authorize::check(data));
