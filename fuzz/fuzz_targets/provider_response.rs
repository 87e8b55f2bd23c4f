#![no_main]
//! See `nyckel_fuzz::provider_response`.

libfuzzer_sys::fuzz_target!(|data: &[u8]| nyckel_fuzz::provider_response::check(data));
