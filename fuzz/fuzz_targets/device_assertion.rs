#![no_main]
//! See `nyckel_fuzz::device_assertion`.

libfuzzer_sys::fuzz_target!(|data: &[u8]| nyckel_fuzz::device_assertion::check(data));
