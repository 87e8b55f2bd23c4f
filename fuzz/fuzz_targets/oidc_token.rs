#![no_main]
//! See `nyckel_fuzz::oidc_token`.

libfuzzer_sys::fuzz_target!(|data: &[u8]| nyckel_fuzz::oidc_token::check(data));
