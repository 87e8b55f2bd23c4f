#![no_main]
//! See `nyckel_fuzz::otpauth`.

libfuzzer_sys::fuzz_target!(|data: &[u8]| nyckel_fuzz::otpauth::check(data));
