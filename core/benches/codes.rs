//! HOTP throughput: our RustCrypto path (`nyckel_core::codes::hotp`) against `ring::hmac`
//! as the baseline, in the same run. Plain `std::time`, no harness:
//!
//! ```text
//! cargo bench -p nyckel-core --bench codes
//! ```

use std::hint::black_box;
use std::time::{Duration, Instant};

use nyckel_core::codes::hotp;
use nyckel_core::Algorithm;
use ring::hmac;

/// Codes computed per measured run.
const CODES: u64 = 200_000;
/// Measured runs per contender; the fastest is reported.
const RUNS: usize = 5;
/// RFC 4226 test secret.
const SECRET: &[u8] = b"12345678901234567890";

/// The same HOTP as `codes::hotp` (SHA1, 6 digits), HMAC by ring; key set up per code.
fn ring_hotp(secret: &[u8], counter: u64) -> String {
    let key = hmac::Key::new(hmac::HMAC_SHA1_FOR_LEGACY_USE_ONLY, secret);
    ring_hotp_with_key(&key, counter)
}

/// ring HOTP with a key prepared once (what a caller caching keys would get).
fn ring_hotp_with_key(key: &hmac::Key, counter: u64) -> String {
    let tag = hmac::sign(key, &counter.to_be_bytes());
    let digest = tag.as_ref();
    let offset = usize::from(digest[digest.len() - 1] & 0x0f);
    let value = u32::from_be_bytes([
        digest[offset],
        digest[offset + 1],
        digest[offset + 2],
        digest[offset + 3],
    ]) & 0x7fff_ffff;
    format!("{:06}", value % 1_000_000)
}

/// Fastest of [`RUNS`] runs of `CODES` codes, plus a checksum of the codes.
fn measure(mut code: impl FnMut(u64) -> String) -> (Duration, u64) {
    let mut best = Duration::MAX;
    let mut checksum = 0u64;
    for _ in 0..RUNS {
        checksum = 0;
        let start = Instant::now();
        for counter in 0..CODES {
            let c = code(black_box(counter));
            checksum = checksum.wrapping_add(c.bytes().map(u64::from).sum::<u64>());
        }
        best = best.min(start.elapsed());
    }
    (best, checksum)
}

fn report(name: &str, time: Duration) {
    let per_code = time.as_secs_f64() * 1e9 / CODES as f64;
    println!("{name:<40} {:>9.2} ms  {per_code:>7.1} ns/code", time.as_secs_f64() * 1e3);
}

fn main() {
    // Same answers first, so the timings compare like with like.
    for counter in [0, 1, 9, 1 << 32, u64::MAX] {
        assert_eq!(hotp(SECRET, counter, 6, Algorithm::Sha1).unwrap(), ring_hotp(SECRET, counter));
    }
    let ring_key = hmac::Key::new(hmac::HMAC_SHA1_FOR_LEGACY_USE_ONLY, SECRET);
    let _warm_up = measure(|c| ring_hotp(SECRET, c));

    let (ours, sum_ours) = measure(|c| hotp(black_box(SECRET), c, 6, Algorithm::Sha1).unwrap());
    let (ring, sum_ring) = measure(|c| ring_hotp(black_box(SECRET), c));
    let (ring_cached, sum_cached) = measure(|c| ring_hotp_with_key(black_box(&ring_key), c));
    assert_eq!(sum_ours, sum_ring);
    assert_eq!(sum_ours, sum_cached);

    println!("HOTP-SHA1, 6 digits, {CODES} codes, best of {RUNS} runs");
    report("nyckel (RustCrypto hmac+sha1)", ours);
    report("ring::hmac (key per code, baseline)", ring);
    report("ring::hmac (key prepared once)", ring_cached);
    println!("ratio nyckel / ring (key per code): {:.2}", ours.as_secs_f64() / ring.as_secs_f64());
    println!(
        "ratio nyckel / ring (key prepared once): {:.2}",
        ours.as_secs_f64() / ring_cached.as_secs_f64()
    );
}
