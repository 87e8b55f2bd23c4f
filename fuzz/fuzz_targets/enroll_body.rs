#![no_main]
//! See `nyckel_fuzz::enroll_body`.

libfuzzer_sys::fuzz_target!(|data: &[u8]| nyckel_fuzz::enroll_body::check(data));
