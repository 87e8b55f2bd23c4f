//! The checks behind the fuzz targets in `fuzz_targets/`, one module per target. Each
//! `check` takes the fuzzer's bytes, feeds them to a nyckel-core parser and panics only when
//! the parser breaks a promise: a panic inside the core, or a property (a round trip) that
//! does not hold. Typed errors are the expected answer to hostile input.
//!
//! Run with `scripts/fuzz.sh` (cargo-fuzz); every crash it finds becomes a regression test
//! in the normal test suite (`core/tests/fuzz_regressions.rs`).

pub mod enroll_uri;
pub mod import_file;
pub mod otpauth;
pub mod provider_response;
pub mod transfer_qr;
pub mod vault_record;

/// Splits the first byte off as a selector (0 when `data` is empty).
pub fn selector(data: &[u8]) -> (u8, &[u8]) {
    match data.split_first() {
        Some((first, rest)) => (*first, rest),
        None => (0, data),
    }
}
