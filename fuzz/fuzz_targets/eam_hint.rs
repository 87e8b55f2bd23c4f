#![no_main]
//! See `nyckel_fuzz::eam_hint`.

libfuzzer_sys::fuzz_target!(|data: &[u8]| nyckel_fuzz::eam_hint::check(data));
