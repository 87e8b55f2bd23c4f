#![no_main]
//! See `nyckel_fuzz::enroll_uri`.

libfuzzer_sys::fuzz_target!(|data: &[u8]| nyckel_fuzz::enroll_uri::check(data));
