//! `accounts.sealed`: an OTP account and its note (record format 1).

use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use crate::otpauth::{Algorithm, OtpKind, OtpParams};
use crate::secret::Secret;

/// The sealed content of an account row. Frozen: see the module rules.
#[derive(Serialize, Deserialize)]
pub(in crate::vault) struct AccountRecord {
    #[serde(rename = "type")]
    kind: KindRecord,
    secret: String,
    issuer: String,
    name: String,
    algorithm: AlgorithmRecord,
    digits: u8,
    period: u32,
    counter: u64,
    #[serde(default)]
    extra: Vec<(String, String)>,
    #[serde(default)]
    note: String,
}

/// `type`: the kind of code.
#[derive(Clone, Copy, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
enum KindRecord {
    Totp,
    Hotp,
    Steam,
}

/// `algorithm`: the HMAC hash.
#[derive(Clone, Copy, Serialize, Deserialize)]
enum AlgorithmRecord {
    #[serde(rename = "SHA1")]
    Sha1,
    #[serde(rename = "SHA256")]
    Sha256,
    #[serde(rename = "SHA512")]
    Sha512,
}

impl AccountRecord {
    /// The record of an account's parameters and note.
    pub(in crate::vault) fn new(p: &OtpParams, note: &str) -> Self {
        AccountRecord {
            kind: match p.kind {
                OtpKind::Totp => KindRecord::Totp,
                OtpKind::Hotp => KindRecord::Hotp,
                OtpKind::Steam => KindRecord::Steam,
            },
            secret: p.secret.to_base32(),
            issuer: p.issuer.clone(),
            name: p.name.clone(),
            algorithm: match p.algorithm {
                Algorithm::Sha1 => AlgorithmRecord::Sha1,
                Algorithm::Sha256 => AlgorithmRecord::Sha256,
                Algorithm::Sha512 => AlgorithmRecord::Sha512,
            },
            digits: p.digits,
            period: p.period,
            counter: p.counter,
            extra: p.extra.clone(),
            note: note.to_owned(),
        }
    }

    /// The account's parameters and note; `None` when the secret is not base32.
    pub(in crate::vault) fn into_params(mut self) -> Option<(OtpParams, String)> {
        let take = std::mem::take::<String>;
        let secret = Zeroizing::new(take(&mut self.secret));
        let bytes = base32::decode(base32::Alphabet::Rfc4648 { padding: false }, &secret)?;
        let params = OtpParams {
            kind: match self.kind {
                KindRecord::Totp => OtpKind::Totp,
                KindRecord::Hotp => OtpKind::Hotp,
                KindRecord::Steam => OtpKind::Steam,
            },
            secret: Secret::new(bytes),
            issuer: take(&mut self.issuer),
            name: take(&mut self.name),
            algorithm: match self.algorithm {
                AlgorithmRecord::Sha1 => Algorithm::Sha1,
                AlgorithmRecord::Sha256 => Algorithm::Sha256,
                AlgorithmRecord::Sha512 => Algorithm::Sha512,
            },
            digits: self.digits,
            period: self.period,
            counter: self.counter,
            extra: std::mem::take(&mut self.extra),
        };
        Some((params, take(&mut self.note)))
    }
}

impl Drop for AccountRecord {
    fn drop(&mut self) {
        zeroize::Zeroize::zeroize(&mut self.secret);
    }
}
