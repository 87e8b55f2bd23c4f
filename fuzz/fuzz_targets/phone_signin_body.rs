#![no_main]
//! See `nyckel_fuzz::phone_signin_body`.

libfuzzer_sys::fuzz_target!(|data: &[u8]| nyckel_fuzz::phone_signin_body::check(data));
