#![no_main]
//! See `nyckel_fuzz::import_file`.

libfuzzer_sys::fuzz_target!(|data: &[u8]| nyckel_fuzz::import_file::check(data));
