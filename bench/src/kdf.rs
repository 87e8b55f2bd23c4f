//! `unlock.kdf`: the passphrase KDF with a new vault's parameters (Argon2id, 64 MiB, 3
//! passes, 1 lane), Nyckel's against libsodium's, same passphrase and salt.

use std::hint::black_box;

use nyckel_core::vault::KdfParams;

use crate::fixture::PASSPHRASE;
use crate::measure::{paired, Plan};
use crate::sodium::Sodium;
use crate::summary::Outcome;

const PLAN: Plan = Plan { batches: 9, per_batch: 1 };
const SALT: [u8; 16] = *b"nyckel-bench-slt";

/// Measures both and checks they derive the same key (the same Argon2id, or no comparison).
pub fn unlock() -> Outcome {
    let sodium = match Sodium::load() {
        Ok(s) => s,
        Err(e) => return Outcome::Missing(e),
    };
    let p = KdfParams::DEFAULT;
    let ours = match p.derive(PASSPHRASE, &SALT) {
        Ok(k) => k,
        Err(e) => return Outcome::Missing(format!("Nyckel's KDF failed: {e}")),
    };
    let mut theirs = [0u8; 32];
    if let Err(e) =
        sodium.argon2id(&mut theirs, PASSPHRASE.as_bytes(), &SALT, p.iterations, p.memory_kib)
    {
        return Outcome::Missing(e);
    }
    if ours[..] != theirs[..] {
        return Outcome::Missing("Nyckel and libsodium derive different keys".into());
    }
    let (ours, base) = paired(
        PLAN,
        || {
            black_box(p.derive(PASSPHRASE, &SALT).expect("derived before"));
        },
        || {
            let mut out = [0u8; 32];
            sodium
                .argon2id(&mut out, PASSPHRASE.as_bytes(), &SALT, p.iterations, p.memory_kib)
                .expect("derived before");
            black_box(out);
        },
    );
    Outcome::measured(
        ours * 1e3,
        "ms",
        &format!("libsodium {} crypto_pwhash", sodium.version),
        base * 1e3,
        Some(1.15),
    )
    .with_note(
        "parameters",
        serde_json::json!({
            "memory_kib": p.memory_kib, "iterations": p.iterations, "parallelism": p.parallelism
        }),
    )
}
