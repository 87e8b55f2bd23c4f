#![no_main]
//! See `nyckel_fuzz::transfer_qr`.

libfuzzer_sys::fuzz_target!(|data: &[u8]| nyckel_fuzz::transfer_qr::check(data));
