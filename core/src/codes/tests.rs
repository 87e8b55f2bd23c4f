//! Code vectors (RFC 4226, RFC 6238, Steam) and a property test against `totp-rs`.

use proptest::prelude::*;

use super::*;
use crate::otpauth::OtpKind;
use crate::secret::Secret;

/// RFC 4226 Appendix D / RFC 6238 SHA1 seed.
const SEED_SHA1: &[u8] = b"12345678901234567890";
/// RFC 6238 SHA256 seed (32 bytes).
const SEED_SHA256: &[u8] = b"12345678901234567890123456789012";
/// RFC 6238 SHA512 seed (64 bytes).
const SEED_SHA512: &[u8] = b"1234567890123456789012345678901234567890123456789012345678901234";

fn seed(algorithm: Algorithm) -> &'static [u8] {
    match algorithm {
        Algorithm::Sha1 => SEED_SHA1,
        Algorithm::Sha256 => SEED_SHA256,
        Algorithm::Sha512 => SEED_SHA512,
    }
}

// ---------------------------------------------------------------- RFC 4226

/// RFC 4226 Appendix D: (counter, truncated decimal value, 6-digit HOTP).
const RFC4226: [(u64, u32, &str); 10] = [
    (0, 1284755224, "755224"),
    (1, 1094287082, "287082"),
    (2, 137359152, "359152"),
    (3, 1726969429, "969429"),
    (4, 1640338314, "338314"),
    (5, 868254676, "254676"),
    (6, 1918287922, "287922"),
    (7, 82162583, "162583"),
    (8, 673399871, "399871"),
    (9, 645520489, "520489"),
];

#[test]
fn rfc4226_appendix_d_hotp() {
    for (counter, _, code) in RFC4226 {
        assert_eq!(
            hotp(SEED_SHA1, counter, 6, Algorithm::Sha1).unwrap(),
            code,
            "counter {counter}"
        );
    }
}

#[test]
fn rfc4226_appendix_d_truncated_values() {
    for (counter, truncated, _) in RFC4226 {
        assert_eq!(truncated_hmac(SEED_SHA1, counter, Algorithm::Sha1), truncated, "{counter}");
    }
}

#[test]
fn seed_lengths_match_rfc6238() {
    assert_eq!((SEED_SHA1.len(), SEED_SHA256.len(), SEED_SHA512.len()), (20, 32, 64));
    assert_eq!(SEED_SHA512, format!("{}1234", "1234567890".repeat(6)).as_bytes());
}

// ---------------------------------------------------------------- RFC 6238

/// RFC 6238 Appendix B: all 18 vectors (time, algorithm, 8-digit TOTP), 30 s period.
const RFC6238: [(u64, Algorithm, &str); 18] = [
    (59, Algorithm::Sha1, "94287082"),
    (59, Algorithm::Sha256, "46119246"),
    (59, Algorithm::Sha512, "90693936"),
    (1111111109, Algorithm::Sha1, "07081804"),
    (1111111109, Algorithm::Sha256, "68084774"),
    (1111111109, Algorithm::Sha512, "25091201"),
    (1111111111, Algorithm::Sha1, "14050471"),
    (1111111111, Algorithm::Sha256, "67062674"),
    (1111111111, Algorithm::Sha512, "99943326"),
    (1234567890, Algorithm::Sha1, "89005924"),
    (1234567890, Algorithm::Sha256, "91819424"),
    (1234567890, Algorithm::Sha512, "93441116"),
    (2000000000, Algorithm::Sha1, "69279037"),
    (2000000000, Algorithm::Sha256, "90698825"),
    (2000000000, Algorithm::Sha512, "38618901"),
    (20000000000, Algorithm::Sha1, "65353130"),
    (20000000000, Algorithm::Sha256, "77737706"),
    (20000000000, Algorithm::Sha512, "47863826"),
];

#[test]
fn rfc6238_appendix_b_all_18() {
    for (time, algorithm, code) in RFC6238 {
        let got = totp(seed(algorithm), time, 30, 8, algorithm).unwrap();
        assert_eq!(got, code, "T={time} {algorithm:?}");
    }
}

#[test]
fn rfc6238_through_code_at() {
    for (time, algorithm, code) in RFC6238 {
        let mut p = OtpParams::totp(Secret::new(seed(algorithm).to_vec()), "", "");
        p.algorithm = algorithm;
        p.digits = 8;
        let got = p.code_at(time).unwrap();
        assert_eq!(got.value, code, "T={time} {algorithm:?}");
        assert_eq!(got.period, Some(30));
        assert_eq!(got.seconds_left, Some(30 - (time % 30) as u32));
    }
}

#[test]
fn time_steps_beyond_2038_and_32_bits() {
    // 20000000000 s (year 2603) is step 666666666; 2^32 steps of 30 s is far beyond.
    assert_eq!(time_step(20_000_000_000, 30).unwrap(), 666_666_666);
    assert_eq!(time_step(u64::MAX, 1).unwrap(), u64::MAX);
    totp(SEED_SHA1, u64::MAX, 30, 6, Algorithm::Sha1).unwrap();
    totp(SEED_SHA1, u64::MAX, 1, 6, Algorithm::Sha1).unwrap();
}

// ---------------------------------------------------------------- step boundaries

#[test]
fn seconds_left_at_step_boundaries() {
    assert_eq!(seconds_left(0, 30).unwrap(), 30);
    assert_eq!(seconds_left(29, 30).unwrap(), 1);
    assert_eq!(seconds_left(30, 30).unwrap(), 30);
    assert_eq!(seconds_left(31, 30).unwrap(), 29);
    assert_eq!(seconds_left(1_111_111_109, 30).unwrap(), 1);
    assert_eq!(seconds_left(u64::MAX, 86_400).unwrap(), 86_400 - (u64::MAX % 86_400) as u32);
    assert_eq!(seconds_left(12345, 1).unwrap(), 1);
}

#[test]
fn code_changes_exactly_at_the_step_boundary() {
    let at = |t| totp(SEED_SHA1, t, 30, 6, Algorithm::Sha1).unwrap();
    assert_eq!(at(29), at(0));
    assert_eq!(at(30), at(59));
    assert_ne!(at(29), at(30));
    assert_eq!(at(31), at(30));
    // RFC 4226 counters 0 and 1.
    assert_eq!((at(29).as_str(), at(30).as_str()), ("755224", "287082"));
}

#[test]
fn time_before_the_first_period_is_step_zero() {
    for t in [0, 1, 15, 29] {
        assert_eq!(time_step(t, 30).unwrap(), 0);
        assert_eq!(totp(SEED_SHA1, t, 30, 6, Algorithm::Sha1).unwrap(), "755224", "T={t}");
    }
    assert_eq!(time_step(86_399, 86_400).unwrap(), 0);
}

// ---------------------------------------------------------------- counters and digits

#[test]
fn counter_at_u64_max() {
    // Computed independently (Python hmac/hashlib); the code also has a leading zero.
    assert_eq!(hotp(SEED_SHA1, u64::MAX, 6, Algorithm::Sha1).unwrap(), "094451");
    assert_eq!(hotp(SEED_SHA1, u64::MAX, 8, Algorithm::Sha1).unwrap(), "63094451");
}

#[test]
fn counter_past_2_pow_32() {
    // Computed independently (Python hmac/hashlib): the counter is 8 bytes, not 4.
    assert_eq!(hotp(SEED_SHA1, 1 << 32, 6, Algorithm::Sha1).unwrap(), "999456");
    assert_eq!(hotp(SEED_SHA1, (1 << 32) + 1, 6, Algorithm::Sha1).unwrap(), "108930");
    assert_ne!(
        hotp(SEED_SHA1, 1 << 32, 6, Algorithm::Sha1),
        hotp(SEED_SHA1, 0, 6, Algorithm::Sha1)
    );
}

#[test]
fn leading_zeros_are_kept() {
    // Counter 30 is the first RFC 4226 counter whose 6-digit code starts with 0.
    assert_eq!(hotp(SEED_SHA1, 30, 6, Algorithm::Sha1).unwrap(), "026920");
    assert_eq!(totp(SEED_SHA1, 1_111_111_109, 30, 8, Algorithm::Sha1).unwrap(), "07081804");
    // Truncated value 137359152 (counter 2) as 10 digits.
    assert_eq!(hotp(SEED_SHA1, 2, 10, Algorithm::Sha1).unwrap(), "0137359152");
}

#[test]
fn digits_one_to_ten() {
    for digits in 1..=10u8 {
        let code = hotp(SEED_SHA1, 0, digits, Algorithm::Sha1).unwrap();
        assert_eq!(code.len(), usize::from(digits));
        assert!("1284755224".ends_with(&code), "{digits}: {code}");
    }
}

#[test]
fn digits_zero_and_eleven_are_rejected() {
    assert_eq!(hotp(SEED_SHA1, 0, 0, Algorithm::Sha1), Err(CodeError::Digits(0)));
    assert_eq!(hotp(SEED_SHA1, 0, 11, Algorithm::Sha1), Err(CodeError::Digits(11)));
    assert_eq!(totp(SEED_SHA1, 0, 30, 11, Algorithm::Sha1), Err(CodeError::Digits(11)));
    let mut p = OtpParams::totp(Secret::new(SEED_SHA1.to_vec()), "", "");
    p.digits = 0;
    assert_eq!(p.code_at(0), Err(CodeError::Digits(0)));
}

#[test]
fn period_zero_is_rejected() {
    assert_eq!(time_step(100, 0), Err(CodeError::ZeroPeriod));
    assert_eq!(seconds_left(100, 0), Err(CodeError::ZeroPeriod));
    assert_eq!(totp(SEED_SHA1, 100, 0, 6, Algorithm::Sha1), Err(CodeError::ZeroPeriod));
    assert_eq!(steam(SEED_SHA1, 100, 0), Err(CodeError::ZeroPeriod));
    let mut p = OtpParams::totp(Secret::new(SEED_SHA1.to_vec()), "", "");
    p.period = 0;
    assert_eq!(p.code_at(100), Err(CodeError::ZeroPeriod));
}

#[test]
fn hotp_code_at_uses_the_counter_and_ignores_time() {
    let mut p = OtpParams::totp(Secret::new(SEED_SHA1.to_vec()), "", "");
    p.kind = OtpKind::Hotp;
    p.counter = 9;
    let code = p.code_at(123_456).unwrap();
    assert_eq!(code, Code { value: "520489".into(), seconds_left: None, period: None });
    assert_eq!(p.code_at(0).unwrap(), code);
}

#[test]
fn empty_and_long_keys_do_not_panic() {
    hotp(&[], 0, 6, Algorithm::Sha1).unwrap();
    hotp(&[0xAB; 1024], 0, 6, Algorithm::Sha512).unwrap();
}

// ---------------------------------------------------------------- Steam

/// Secret of the Steam account ("Boeing:Sophia") in shared/fixtures aegis-testdata.
const STEAM_SECRET_B32: &str = "JRZCL47CMXVOQMNPZR2F7J4RGI";

fn steam_secret() -> Vec<u8> {
    base32::decode(base32::Alphabet::Rfc4648 { padding: false }, STEAM_SECRET_B32).unwrap()
}

#[test]
fn steam_vectors() {
    // Derived independently of this crate, twice: with a from-scratch Python script following
    // the algorithm in shared/reference/formats.md (HMAC-SHA1, 31-bit truncation, 5 × v % 26
    // over 23456789BCDFGHJKMNPQRTVWXY), and with totp-rs 5's `steam` feature (checked below).
    for (time, code) in
        [(0, "C2F47"), (59, "9WW3X"), (1_741_011_292, "56RVY"), (2_000_000_000, "G7879")]
    {
        assert_eq!(steam(&steam_secret(), time, 30).unwrap(), code, "T={time}");
    }
}

#[test]
fn steam_vectors_agree_with_totp_rs() {
    let oracle = totp_rs::TOTP::new_unchecked(totp_rs::Algorithm::Steam, 5, 1, 30, steam_secret());
    for time in [0, 59, 1_741_011_292, 2_000_000_000] {
        assert_eq!(steam(&steam_secret(), time, 30).unwrap(), oracle.generate(time), "T={time}");
    }
}

#[test]
fn steam_code_at_ignores_digits_and_algorithm() {
    let mut p = OtpParams::totp(Secret::new(steam_secret()), "Boeing", "Sophia");
    p.kind = OtpKind::Steam;
    p.digits = 8;
    p.algorithm = Algorithm::Sha512;
    let code = p.code_at(1_741_011_292).unwrap();
    assert_eq!(code.value, "56RVY");
    assert_eq!((code.seconds_left, code.period), (Some(30 - 1_741_011_292 % 30), Some(30)));
}

// ---------------------------------------------------------------- properties vs totp-rs

fn oracle_algorithm(a: Algorithm) -> totp_rs::Algorithm {
    match a {
        Algorithm::Sha1 => totp_rs::Algorithm::SHA1,
        Algorithm::Sha256 => totp_rs::Algorithm::SHA256,
        Algorithm::Sha512 => totp_rs::Algorithm::SHA512,
    }
}

fn any_algorithm() -> impl Strategy<Value = Algorithm> {
    prop::sample::select(vec![Algorithm::Sha1, Algorithm::Sha256, Algorithm::Sha512])
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1000))]

    /// TOTP equals totp-rs for random secrets, algorithms, digits, periods and times.
    #[test]
    fn totp_matches_totp_rs(
        secret in prop::collection::vec(any::<u8>(), 16..=64),
        algorithm in any_algorithm(),
        digits in 6u8..=8,
        period in 1u32..=300,
        time in 0u64..(1 << 40),
    ) {
        let oracle = totp_rs::TOTP::new_unchecked(
            oracle_algorithm(algorithm), usize::from(digits), 1, u64::from(period), secret.clone(),
        );
        prop_assert_eq!(totp(&secret, time, period, digits, algorithm).unwrap(), oracle.generate(time));
        let left = seconds_left(time, period).unwrap();
        prop_assert_eq!(u64::from(left), oracle.next_step(time) - time);
    }

    /// HOTP equals totp-rs with a 1-second step (time = counter), over the full u64 range.
    #[test]
    fn hotp_matches_totp_rs(
        secret in prop::collection::vec(any::<u8>(), 16..=64),
        algorithm in any_algorithm(),
        digits in 6u8..=8,
        counter in any::<u64>(),
    ) {
        let oracle = totp_rs::TOTP::new_unchecked(
            oracle_algorithm(algorithm), usize::from(digits), 1, 1, secret.clone(),
        );
        prop_assert_eq!(hotp(&secret, counter, digits, algorithm).unwrap(), oracle.generate(counter));
    }

    /// Steam equals totp-rs's Steam support.
    #[test]
    fn steam_matches_totp_rs(secret in prop::collection::vec(any::<u8>(), 1..=64), time in any::<u64>()) {
        let oracle = totp_rs::TOTP::new_unchecked(totp_rs::Algorithm::Steam, 5, 1, 30, secret.clone());
        prop_assert_eq!(steam(&secret, time, 30).unwrap(), oracle.generate(time));
    }
}

// ---------------------------------------------------------------- prepared keys

/// The truncation of RustCrypto's `hmac` crate, keyed per call: the implementation the
/// prepared form replaced, kept as its reference.
fn reference_truncated(secret: &[u8], counter: u64, algorithm: Algorithm) -> u32 {
    use hmac::{Hmac, Mac};
    fn mac<M: Mac + hmac::digest::KeyInit>(secret: &[u8], msg: &[u8]) -> Vec<u8> {
        let mut m = <M as Mac>::new_from_slice(secret).expect("any key length");
        m.update(msg);
        m.finalize().into_bytes().to_vec()
    }
    let msg = counter.to_be_bytes();
    let digest = match algorithm {
        Algorithm::Sha1 => mac::<Hmac<sha1::Sha1>>(secret, &msg),
        Algorithm::Sha256 => mac::<Hmac<sha2::Sha256>>(secret, &msg),
        Algorithm::Sha512 => mac::<Hmac<sha2::Sha512>>(secret, &msg),
    };
    let offset = usize::from(digest[digest.len() - 1] & 0x0f);
    u32::from_be_bytes(digest[offset..offset + 4].try_into().unwrap()) & 0x7fff_ffff
}

#[test]
fn prepared_secret_gives_the_rfc_vectors() {
    let prepared = PreparedSecret::new(SEED_SHA1, Algorithm::Sha1);
    for (counter, truncated, code) in RFC4226 {
        assert_eq!(prepared.truncated(counter), truncated);
        assert_eq!(prepared.hotp(counter, 6).unwrap().as_str(), code);
    }
    assert_eq!(prepared.hotp(0, 0), Err(CodeError::Digits(0)));
    assert_eq!(prepared.hotp(0, 11), Err(CodeError::Digits(11)));
    assert_eq!(
        PreparedSecret::new(&steam_secret(), Algorithm::Sha1).steam(59 / 30).as_str(),
        "9WW3X"
    );
}

#[test]
fn prepared_secret_and_code_text_show_no_secret() {
    let prepared = PreparedSecret::new(SEED_SHA1, Algorithm::Sha1);
    assert_eq!(format!("{prepared:?}"), "PreparedSecret(<redacted>)");
    let p = OtpParams::totp(Secret::new(SEED_SHA1.to_vec()), "", "").prepare();
    assert!(!format!("{p:?}").contains("1234"));
    assert_eq!(format!("{}", prepared.hotp(0, 6).unwrap()), "755224");
}

/// Key lengths around every block boundary, where HMAC switches to hashing the key.
#[test]
fn prepared_secret_matches_hmac_at_block_boundaries() {
    for algorithm in [Algorithm::Sha1, Algorithm::Sha256, Algorithm::Sha512] {
        for len in [0, 1, 19, 20, 63, 64, 65, 127, 128, 129, 1024] {
            let key: Vec<u8> = (0..len).map(|i| (i * 7 + 3) as u8).collect();
            let prepared = PreparedSecret::new(&key, algorithm);
            for counter in [0, 1, 1 << 32, u64::MAX] {
                assert_eq!(
                    prepared.truncated(counter),
                    reference_truncated(&key, counter, algorithm),
                    "{algorithm:?} key length {len} counter {counter}"
                );
            }
        }
    }
}

fn any_kind() -> impl Strategy<Value = OtpKind> {
    prop::sample::select(vec![OtpKind::Totp, OtpKind::Hotp, OtpKind::Steam])
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1000))]

    /// The prepared form equals RustCrypto's `hmac` keyed per call, for any key length.
    #[test]
    fn prepared_secret_matches_reference_hmac(
        secret in prop::collection::vec(any::<u8>(), 0..=300),
        algorithm in any_algorithm(),
        counter in any::<u64>(),
    ) {
        let prepared = PreparedSecret::new(&secret, algorithm);
        prop_assert_eq!(prepared.truncated(counter), reference_truncated(&secret, counter, algorithm));
    }

    /// Prepared parameters give the same codes as totp-rs, at many times from one preparation.
    #[test]
    fn prepared_params_match_totp_rs(
        secret in prop::collection::vec(any::<u8>(), 16..=64),
        algorithm in any_algorithm(),
        kind in any_kind(),
        digits in 6u8..=8,
        period in 1u32..=300,
        counter in 0u64..(1 << 40),
        times in prop::collection::vec(0u64..(1 << 40), 1..5),
    ) {
        let mut params = OtpParams::totp(Secret::new(secret.clone()), "", "");
        (params.kind, params.algorithm, params.digits, params.period, params.counter) =
            (kind, algorithm, digits, period, counter);
        let prepared = params.prepare();
        for time in times {
            let code = prepared.code_at(time).unwrap();
            let expected = match kind {
                OtpKind::Totp => totp_rs::TOTP::new_unchecked(
                    oracle_algorithm(algorithm), usize::from(digits), 1, u64::from(period), secret.clone(),
                ).generate(time),
                OtpKind::Hotp => totp_rs::TOTP::new_unchecked(
                    oracle_algorithm(algorithm), usize::from(digits), 1, 1, secret.clone(),
                ).generate(counter),
                OtpKind::Steam => totp_rs::TOTP::new_unchecked(
                    totp_rs::Algorithm::Steam, 5, 1, u64::from(period), secret.clone(),
                ).generate(time),
            };
            prop_assert_eq!(&code.value, &expected);
            prop_assert_eq!(prepared.code_at(time).unwrap(), params.code_at(time).unwrap());
        }
    }
}
