//! The data every contender works on: deterministic, so two runs compare like with like.

/// Accounts in the vault-sized metrics (the "1,000 accounts").
pub const ACCOUNTS: usize = 1000;
/// The instant all codes are computed at (a fixed time: results are comparable across runs).
pub const UNIX_TIME: u64 = 1_764_806_400;

/// The `i`th fixture secret: 20 bytes (the RFC 4226 size), derived from `i` by SHA-256.
pub fn secret(i: usize) -> [u8; 20] {
    let d = ring::digest::digest(&ring::digest::SHA256, &(i as u64).to_be_bytes());
    d.as_ref()[..20].try_into().expect("20 of 32 bytes")
}

/// Base32 (RFC 4648, no padding) of `bytes`.
pub fn b32(bytes: &[u8]) -> String {
    base32::encode(base32::Alphabet::Rfc4648 { padding: false }, bytes)
}

/// The `i`th TOTP-SHA1, 6-digit, 30 s URI: what the vault fixtures hold.
pub fn totp_uri(i: usize) -> String {
    format!(
        "otpauth://totp/Issuer{i}:user{i}%40example.com?secret={}&issuer=Issuer{i}",
        b32(&secret(i))
    )
}

/// 1,000 varied URIs as real QR codes carry them: issuers with spaces and escapes, all
/// three algorithms, 6 or 8 digits, 30 or 60 s, HOTP with counters, Steam, padding, lower
/// case secrets, extra parameters.
pub fn varied_uris() -> Vec<String> {
    (0..ACCOUNTS)
        .map(|i| {
            let secret = b32(&secret(i));
            match i % 6 {
                0 => format!("otpauth://totp/ACME%20Co:jane.doe{i}%40example.com?secret={secret}&issuer=ACME%20Co&algorithm=SHA1&digits=6&period=30"),
                1 => format!("otpauth://totp/GitHub:octo{i}?secret={}&issuer=GitHub", secret.to_lowercase()),
                2 => format!("otpauth://totp/Big+Bank:acct-{i}?secret={secret}====&issuer=Big+Bank&algorithm=SHA256&digits=8&period=60&image=https%3A%2F%2Fexample.com%2Flogo.png"),
                3 => format!("otpauth://hotp/Example:alice{i}@example.com?secret={secret}&issuer=Example&counter={i}"),
                4 => format!("otpauth://totp/user{i}@example.org?secret={secret}&algorithm=SHA512&digits=8"),
                _ => format!("otpauth://steam/Steam:gamer{i}?secret={secret}&issuer=Steam"),
            }
        })
        .collect()
}
