//! `codes.single` (the raw code function) and `codes.batch` (the app's refresh of every
//! code: `Vault::codes_at`, what the FFI `codes()` calls each second).

use std::hint::black_box;

use hmac::{Hmac, Mac};
use nyckel_core::codes::{totp, PreparedSecret};
use nyckel_core::vault::Vault;
use nyckel_core::Algorithm;

use crate::data::{secret, ACCOUNTS, UNIX_TIME};
use crate::floor::FloorKey;
use crate::measure::{median_per_op, paired, Plan};
use crate::summary::Outcome;

/// Batches for the code metrics (each batch = 1,000 codes).
const PLAN: Plan = Plan { batches: 41, per_batch: ACCOUNTS as u64 };

/// Every fixture secret prepared for the floor.
fn floor_keys() -> Vec<FloorKey> {
    (0..ACCOUNTS).map(|i| FloorKey::new(&secret(i))).collect()
}

/// The floor over all accounts: a checksum of the codes, so nothing is optimised away.
fn floor_batch(keys: &[FloorKey], step: u64) -> u64 {
    keys.iter().map(|k| u64::from(k.code6(black_box(step)))).sum()
}

/// Checks Nyckel's codes against the floor's (the same numbers, or the timing means nothing).
fn check_same_codes(keys: &[FloorKey]) -> Result<(), String> {
    let step = UNIX_TIME / 30;
    for (i, key) in keys.iter().enumerate() {
        let ours =
            totp(&secret(i), UNIX_TIME, 30, 6, Algorithm::Sha1).map_err(|e| e.to_string())?;
        if ours != format!("{:06}", key.code6(step)) {
            return Err(format!("account {i}: Nyckel and the floor disagree"));
        }
    }
    Ok(())
}

/// `codes.single`: Nyckel's code function with the key prepared (what every refresh uses),
/// per code, against the floor; the unprepared public `codes::totp` is a peer.
pub fn single() -> Outcome {
    let keys = floor_keys();
    if let Err(e) = check_same_codes(&keys) {
        return Outcome::Missing(e);
    }
    let prepared: Vec<PreparedSecret> =
        (0..ACCOUNTS).map(|i| PreparedSecret::new(&secret(i), Algorithm::Sha1)).collect();
    let step = UNIX_TIME / 30;
    let (ours, floor) = paired(
        PLAN,
        || {
            let mut sum = 0u64;
            for p in &prepared {
                let code = p.hotp(black_box(step), 6).expect("6 digits");
                sum += u64::from(code.as_str().as_bytes()[0]);
            }
            black_box(sum);
        },
        || {
            black_box(floor_batch(&keys, step));
        },
    );
    let unprepared = median_per_op(PLAN, || {
        for i in 0..ACCOUNTS {
            black_box(totp(&secret(i), black_box(UNIX_TIME), 30, 6, Algorithm::Sha1).ok());
        }
    });
    Outcome::measured(
        ns(ours),
        "ns/code",
        "floor: 2 SHA-1 compressions, keys prepared",
        ns(floor),
        Some(1.5),
    )
    .with_peer("nyckel codes::totp (key not prepared, String per code)", ns(unprepared))
}

/// `codes.batch`: `Vault::codes_at` over 1,000 TOTP-SHA1 accounts of an unlocked vault,
/// per account, against the floor; RustCrypto, ring and totp-rs are peers.
pub fn batch(vault: &Vault) -> Outcome {
    let keys = floor_keys();
    let step = UNIX_TIME / 30;
    // Same codes, in the same order, or the comparison is void.
    match vault.codes_at(UNIX_TIME) {
        Ok(codes) if codes.len() == ACCOUNTS => {
            if let Some(i) = (0..ACCOUNTS)
                .find(|&i| codes[i].code.value != format!("{:06}", keys[i].code6(step)))
            {
                return Outcome::Missing(format!(
                    "codes_at disagrees with the floor at account {i}"
                ));
            }
        }
        Ok(codes) => return Outcome::Missing(format!("the vault gave {} codes", codes.len())),
        Err(e) => return Outcome::Missing(format!("codes_at failed: {e}")),
    }
    let (ours, floor) = paired(
        PLAN,
        || {
            black_box(vault.codes_at(black_box(UNIX_TIME)).expect("codes").len());
        },
        || {
            black_box(floor_batch(&keys, step));
        },
    );

    let rust_crypto: Vec<Hmac<sha1::Sha1>> = (0..ACCOUNTS)
        .map(|i| Hmac::<sha1::Sha1>::new_from_slice(&secret(i)).expect("any key length"))
        .collect();
    let rust_crypto_time = median_per_op(PLAN, || {
        for mac in &rust_crypto {
            let mut m = mac.clone();
            m.update(&black_box(step).to_be_bytes());
            black_box(format!("{:06}", truncate(&m.finalize().into_bytes()) % 1_000_000));
        }
    });
    let ring_keys: Vec<ring::hmac::Key> = (0..ACCOUNTS)
        .map(|i| ring::hmac::Key::new(ring::hmac::HMAC_SHA1_FOR_LEGACY_USE_ONLY, &secret(i)))
        .collect();
    let ring_time = median_per_op(PLAN, || {
        for key in &ring_keys {
            let tag = ring::hmac::sign(key, &black_box(step).to_be_bytes());
            black_box(format!("{:06}", truncate(tag.as_ref()) % 1_000_000));
        }
    });
    let totp_rs: Vec<totp_rs::TOTP> = (0..ACCOUNTS)
        .map(|i| {
            totp_rs::TOTP::new_unchecked(totp_rs::Algorithm::SHA1, 6, 1, 30, secret(i).to_vec())
        })
        .collect();
    let totp_rs_time = median_per_op(PLAN, || {
        for t in &totp_rs {
            black_box(t.generate(black_box(UNIX_TIME)));
        }
    });
    Outcome::measured(
        ns(ours),
        "ns/account",
        "floor: 2 SHA-1 compressions, keys prepared",
        ns(floor),
        Some(2.0),
    )
    .with_peer("RustCrypto hmac, keys prepared", ns(rust_crypto_time))
    .with_peer("ring hmac, keys prepared", ns(ring_time))
    .with_peer("totp-rs", ns(totp_rs_time))
}

fn truncate(digest: &[u8]) -> u32 {
    let offset = usize::from(digest[digest.len() - 1] & 0x0f);
    u32::from_be_bytes(digest[offset..offset + 4].try_into().expect("4 bytes")) & 0x7fff_ffff
}

fn ns(seconds: f64) -> f64 {
    seconds * 1e9
}
