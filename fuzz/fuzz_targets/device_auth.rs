#![no_main]
//! See `nyckel_fuzz::device_auth`.

libfuzzer_sys::fuzz_target!(|data: &[u8]| nyckel_fuzz::device_auth::check(data));
