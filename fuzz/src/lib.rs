//! The checks behind the fuzz targets in `fuzz_targets/`, one module per target. Each
//! `check` takes the fuzzer's bytes, feeds them to a parser of nyckel-core (what the app reads)
//! or nyckel-idp (what the provider reads; its `fuzzing` feature exposes the pure rules the
//! HTTP handlers call) and panics only when the parser breaks a promise: a panic inside it, or
//! a property (a round trip, a security rule) that does not hold. Typed errors are the
//! expected answer to hostile input.
//!
//! Run with `scripts/fuzz.sh` (cargo-fuzz); every crash it finds becomes a regression test
//! in the normal test suite of the crate that had the bug. `cargo test` here runs every
//! committed seed (`corpus/TARGET/`) through its check.

pub mod device_assertion;
pub mod device_auth;
pub mod eam_hint;
pub mod enroll_body;
pub mod enroll_uri;
pub mod import_file;
pub mod oidc_authorize;
pub mod oidc_logout;
pub mod oidc_token;
pub mod otpauth;
pub mod phone_answer;
pub mod phone_signin_body;
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

/// `haystack` with every `needle` replaced by `with` (templated inputs: the fuzzer writes a
/// placeholder where a genuine key, nonce or signature goes).
pub fn replace(haystack: &[u8], needle: &[u8], with: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(haystack.len());
    let mut rest = haystack;
    while let Some(i) = rest.windows(needle.len()).position(|w| w == needle) {
        out.extend_from_slice(&rest[..i]);
        out.extend_from_slice(with);
        rest = &rest[i + needle.len()..];
    }
    out.extend_from_slice(rest);
    out
}

/// A target's check: the fuzzer's bytes in, a panic when a promise breaks.
pub type Check = fn(&[u8]);

/// Every target: its name (as in `Cargo.toml` and `corpus/`) and its check.
pub const TARGETS: [(&str, Check); 15] = [
    ("otpauth", otpauth::check),
    ("enroll_uri", enroll_uri::check),
    ("provider_response", provider_response::check),
    ("vault_record", vault_record::check),
    ("import_file", import_file::check),
    ("transfer_qr", transfer_qr::check),
    ("oidc_authorize", oidc_authorize::check),
    ("oidc_token", oidc_token::check),
    ("oidc_logout", oidc_logout::check),
    ("eam_hint", eam_hint::check),
    ("device_assertion", device_assertion::check),
    ("device_auth", device_auth::check),
    ("enroll_body", enroll_body::check),
    ("phone_signin_body", phone_signin_body::check),
    ("phone_answer", phone_answer::check),
];

#[cfg(test)]
mod seeds {
    use std::path::Path;

    /// Runs every committed seed of `target` through its check; returns how many there were.
    fn run(target: &str, check: super::Check) -> usize {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus").join(target);
        let mut seeds: Vec<_> = std::fs::read_dir(&dir)
            .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
            .map(|e| e.expect("a directory entry").path())
            .collect();
        seeds.sort();
        for seed in &seeds {
            let bytes = std::fs::read(seed).expect("a seed reads");
            let result = std::panic::catch_unwind(|| check(&bytes));
            assert!(result.is_ok(), "seed {} fails its check", seed.display());
        }
        seeds.len()
    }

    #[test]
    fn every_target_has_seeds_and_they_pass() {
        for (target, check) in super::TARGETS {
            assert!(run(target, check) >= 2, "{target} has fewer than two seeds");
        }
    }

    #[test]
    fn every_target_is_a_bin_and_has_a_corpus() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let manifest = std::fs::read_to_string(root.join("Cargo.toml")).expect("Cargo.toml");
        let bins = manifest.matches("[[bin]]").count();
        assert_eq!(bins, super::TARGETS.len(), "a bin without a check or a check without a bin");
        for (target, _) in super::TARGETS {
            assert!(manifest.contains(&format!("name = \"{target}\"")), "{target} is no bin");
            assert!(root.join("fuzz_targets").join(format!("{target}.rs")).exists());
        }
    }
}
