//! `unlock.kdf`: the passphrase KDF with a new vault's parameters (Argon2id, 64 MiB, 3
//! passes, 1 lane), Nyckel's against libsodium's, same passphrase and salt.
//!
//! The other maintained Rust implementations are peers (RustCrypto `argon2` 0.6, the newer
//! major version of the crate Nyckel uses, and `rust-argon2`); the fastest Rust contender,
//! Nyckel's own included, is reported as `best_rust` with its ratio to libsodium. Every
//! contender must derive the same key as Nyckel, or the metric is missing.

use std::hint::black_box;

use nyckel_core::vault::KdfParams;

use crate::fixture::PASSPHRASE;
use crate::measure::{interleaved, Plan};
use crate::sodium::Sodium;
use crate::summary::Outcome;

const PLAN: Plan = Plan { batches: 9, per_batch: 1 };
const SALT: [u8; 16] = *b"nyckel-bench-slt";

/// What Nyckel's own KDF is built on (core's `argon2` dependency).
const OURS: &str = "RustCrypto argon2 0.5 (Nyckel)";

/// A peer: its name and its Argon2id with [`KdfParams`], 32-byte output.
type Peer = (&'static str, fn(&KdfParams, &[u8], &[u8]) -> Result<[u8; 32], String>);

/// RustCrypto `argon2` 0.6.
fn rustcrypto_06(p: &KdfParams, pwd: &[u8], salt: &[u8]) -> Result<[u8; 32], String> {
    let params = argon2_06::Params::new(p.memory_kib, p.iterations, p.parallelism, Some(32))
        .map_err(|e| e.to_string())?;
    let argon =
        argon2_06::Argon2::new(argon2_06::Algorithm::Argon2id, argon2_06::Version::V0x13, params);
    let mut out = [0u8; 32];
    argon.hash_password_into(pwd, salt, &mut out).map_err(|e| e.to_string())?;
    Ok(out)
}

/// `rust-argon2` 3 (sequential: Nyckel's vaults have one lane).
fn rust_argon2(p: &KdfParams, pwd: &[u8], salt: &[u8]) -> Result<[u8; 32], String> {
    let config = rust_argon2::Config {
        variant: rust_argon2::Variant::Argon2id,
        version: rust_argon2::Version::Version13,
        mem_cost: p.memory_kib,
        time_cost: p.iterations,
        lanes: p.parallelism,
        thread_mode: rust_argon2::ThreadMode::Sequential,
        secret: &[],
        ad: &[],
        hash_length: 32,
    };
    let raw = rust_argon2::hash_raw(pwd, salt, &config).map_err(|e| e.to_string())?;
    raw.try_into().map_err(|_| "rust-argon2 returned the wrong length".to_owned())
}

const PEERS: [Peer; 2] =
    [("RustCrypto argon2 0.6", rustcrypto_06), ("rust-argon2 3 (sequential)", rust_argon2)];

/// Measures all contenders and checks they derive the same key (the same Argon2id, or no
/// comparison).
pub fn unlock() -> Outcome {
    let sodium = match Sodium::load() {
        Ok(s) => s,
        Err(e) => return Outcome::Missing(e),
    };
    let p = KdfParams::DEFAULT;
    let pwd = PASSPHRASE.as_bytes();
    let ours = match p.derive(PASSPHRASE, &SALT) {
        Ok(k) => k,
        Err(e) => return Outcome::Missing(format!("Nyckel's KDF failed: {e}")),
    };
    let mut theirs = [0u8; 32];
    if let Err(e) = sodium.argon2id(&mut theirs, pwd, &SALT, p.iterations, p.memory_kib) {
        return Outcome::Missing(e);
    }
    if ours[..] != theirs[..] {
        return Outcome::Missing("Nyckel and libsodium derive different keys".into());
    }
    for (name, peer) in PEERS {
        match peer(&p, pwd, &SALT) {
            Ok(key) if key[..] == ours[..] => {}
            Ok(_) => return Outcome::Missing(format!("{name} derives a different key")),
            Err(e) => return Outcome::Missing(format!("{name} failed: {e}")),
        }
    }
    let mut run_ours = || {
        black_box(p.derive(PASSPHRASE, &SALT).expect("derived before"));
    };
    let mut run_sodium = || {
        let mut out = [0u8; 32];
        sodium.argon2id(&mut out, pwd, &SALT, p.iterations, p.memory_kib).expect("derived before");
        black_box(out);
    };
    let [(_, peer_a), (_, peer_b)] = PEERS;
    let mut run_a = || {
        black_box(peer_a(&p, pwd, &SALT).expect("derived before"));
    };
    let mut run_b = || {
        black_box(peer_b(&p, pwd, &SALT).expect("derived before"));
    };
    let times = interleaved(PLAN, &mut [&mut run_ours, &mut run_sodium, &mut run_a, &mut run_b]);
    let [ours_s, sodium_s, a_s, b_s] = times[..] else {
        return Outcome::Missing("the timing returned the wrong number of contenders".into());
    };
    let rust = [(OURS, ours_s), (PEERS[0].0, a_s), (PEERS[1].0, b_s)];
    let (best_name, best_s) =
        rust.iter().copied().min_by(|x, y| x.1.total_cmp(&y.1)).expect("three contenders");
    Outcome::measured(
        ours_s * 1e3,
        "ms",
        &format!("libsodium {} crypto_pwhash", sodium.version),
        sodium_s * 1e3,
        Some(1.15),
    )
    .with_peer(PEERS[0].0, a_s * 1e3)
    .with_peer(PEERS[1].0, b_s * 1e3)
    .with_note(
        "best_rust",
        serde_json::json!({
            "name": best_name,
            "value": best_s * 1e3,
            "ratio_to_baseline": best_s / sodium_s,
            "nyckel_ratio_to_it": ours_s / best_s,
        }),
    )
    .with_note(
        "parameters",
        serde_json::json!({
            "memory_kib": p.memory_kib, "iterations": p.iterations, "parallelism": p.parallelism
        }),
    )
}
