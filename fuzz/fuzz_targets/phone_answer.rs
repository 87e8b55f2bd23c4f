#![no_main]
//! See `nyckel_fuzz::phone_answer`.

libfuzzer_sys::fuzz_target!(|data: &[u8]| nyckel_fuzz::phone_answer::check(data));
