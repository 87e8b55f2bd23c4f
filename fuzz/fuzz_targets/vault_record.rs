#![no_main]
//! See `nyckel_fuzz::vault_record`.

libfuzzer_sys::fuzz_target!(|data: &[u8]| nyckel_fuzz::vault_record::check(data));
