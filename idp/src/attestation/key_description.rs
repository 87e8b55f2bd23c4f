//! The Android key description extension (OID 1.3.6.1.4.1.11129.2.1.17), read as the schema
//! of Android Key Attestation defines it: only the fields the provider checks, every other
//! authorization tag skipped; anything that is not that DER is refused.
//!
//! ```text
//! KeyDescription ::= SEQUENCE {
//!   attestationVersion INTEGER, attestationSecurityLevel SecurityLevel,
//!   keyMintVersion INTEGER, keyMintSecurityLevel SecurityLevel,
//!   attestationChallenge OCTET STRING, uniqueId OCTET STRING,
//!   softwareEnforced AuthorizationList, hardwareEnforced AuthorizationList, ... }
//! AuthorizationList ::= SEQUENCE { purpose [1] EXPLICIT SET OF INTEGER OPTIONAL,
//!   algorithm [2] EXPLICIT INTEGER OPTIONAL, ecCurve [10] EXPLICIT INTEGER OPTIONAL,
//!   noAuthRequired [503] EXPLICIT NULL OPTIONAL, userAuthType [504] EXPLICIT INTEGER OPTIONAL,
//!   authTimeout [505] EXPLICIT INTEGER OPTIONAL, origin [702] EXPLICIT INTEGER OPTIONAL,
//!   rootOfTrust [704] EXPLICIT RootOfTrust OPTIONAL, osPatchLevel [706] EXPLICIT INTEGER OPTIONAL,
//!   attestationApplicationId [709] EXPLICIT OCTET STRING OPTIONAL, ... }
//! RootOfTrust ::= SEQUENCE { verifiedBootKey OCTET STRING, deviceLocked BOOLEAN,
//!   verifiedBootState VerifiedBootState, verifiedBootHash OCTET STRING (version 3 on), ... }
//! VerifiedBootState ::= ENUMERATED { Verified (0), SelfSigned (1), Unverified (2), Failed (3) }
//! AttestationApplicationId ::= SEQUENCE { packageInfos SET OF AttestationPackageInfo,
//!   signatureDigests SET OF OCTET STRING }
//! AttestationPackageInfo ::= SEQUENCE { packageName OCTET STRING, version INTEGER }
//! ```

use x509_parser::asn1_rs::{Any, Class, Enumerated, FromDer, Tag};

/// `SecurityLevel` Software.
pub const SECURITY_SOFTWARE: u32 = 0;
/// `KeyPurpose` SIGN.
pub const PURPOSE_SIGN: u64 = 2;
/// `Algorithm` EC.
pub const ALGORITHM_EC: u64 = 3;
/// `EcCurve` P_256.
pub const CURVE_P256: u64 = 1;
/// `KeyOrigin` GENERATED.
pub const ORIGIN_GENERATED: u64 = 0;
/// `VerifiedBootState` Verified: the boot chain verified up to the OEM's key.
pub const BOOT_VERIFIED: u32 = 0;

/// The `rootOfTrust` fields the provider checks.
#[derive(Debug, PartialEq, Eq)]
pub struct RootOfTrust {
    /// `deviceLocked`: the bootloader is locked.
    pub device_locked: bool,
    /// `verifiedBootState`.
    pub verified_boot_state: u32,
}

/// An `AttestationApplicationId`: the app (or apps sharing its user id) that created the key.
#[derive(Debug, PartialEq, Eq)]
pub struct ApplicationId {
    /// `packageInfos`' package names.
    pub packages: Vec<Vec<u8>>,
    /// `signatureDigests`: SHA-256 of each signing certificate of the app.
    pub signature_digests: Vec<Vec<u8>>,
}

/// The fields of one authorization list the provider checks.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct AuthorizationList {
    /// `purpose` [1].
    pub purpose: Option<Vec<u64>>,
    /// `algorithm` [2].
    pub algorithm: Option<u64>,
    /// `ecCurve` [10].
    pub ec_curve: Option<u64>,
    /// `noAuthRequired` [503] is present.
    pub no_auth_required: bool,
    /// `userAuthType` [504].
    pub user_auth_type: Option<u64>,
    /// `authTimeout` [505].
    pub auth_timeout: Option<u64>,
    /// `origin` [702].
    pub origin: Option<u64>,
    /// `rootOfTrust` [704].
    pub root_of_trust: Option<RootOfTrust>,
    /// `osPatchLevel` [706] (YYYYMM).
    pub os_patch_level: Option<u64>,
    /// `attestationApplicationId` [709]: the OCTET STRING's contents, read by
    /// [`application_id`] when the provider checks it.
    pub application_id: Option<Vec<u8>>,
}

/// The fields of a key description the provider checks.
#[derive(Debug, PartialEq, Eq)]
pub struct KeyDescription {
    /// `attestationSecurityLevel`.
    pub attestation_security_level: u32,
    /// `keyMintSecurityLevel`.
    pub key_mint_security_level: u32,
    /// `attestationChallenge`.
    pub challenge: Vec<u8>,
    /// `softwareEnforced`.
    pub software: AuthorizationList,
    /// `hardwareEnforced` (`teeEnforced` before KeyMint).
    pub hardware: AuthorizationList,
}

/// A DER value that is not what the schema says.
#[derive(Debug, PartialEq, Eq)]
pub struct Malformed;

fn any(bytes: &[u8]) -> Result<(&[u8], Any<'_>), Malformed> {
    Any::from_der(bytes).map_err(|_| Malformed)
}

/// The items of a constructed value's contents.
fn items(mut data: &[u8]) -> Result<Vec<Any<'_>>, Malformed> {
    let mut out = Vec::new();
    while !data.is_empty() {
        let (rest, item) = any(data)?;
        out.push(item);
        data = rest;
    }
    Ok(out)
}

fn universal<'a>(a: &Any<'a>, tag: Tag) -> Result<&'a [u8], Malformed> {
    if a.class() == Class::Universal && a.tag() == tag {
        Ok(a.data)
    } else {
        Err(Malformed)
    }
}

fn integer(a: &Any<'_>) -> Result<u64, Malformed> {
    universal(a, Tag::Integer)?;
    u64::try_from(a.clone()).map_err(|_| Malformed)
}

fn enumerated(a: &Any<'_>) -> Result<u32, Malformed> {
    Enumerated::try_from(a.clone()).map(|e| e.0).map_err(|_| Malformed)
}

/// Parses the extension's value (the DER of a `KeyDescription`).
pub fn parse(der: &[u8]) -> Result<KeyDescription, Malformed> {
    let (rest, outer) = any(der)?;
    if !rest.is_empty() {
        return Err(Malformed);
    }
    let fields = items(universal(&outer, Tag::Sequence)?)?;
    let [_version, att_level, _km_version, km_level, challenge, _unique, sw, hw, ..] =
        fields.as_slice()
    else {
        return Err(Malformed);
    };
    Ok(KeyDescription {
        attestation_security_level: enumerated(att_level)?,
        key_mint_security_level: enumerated(km_level)?,
        challenge: universal(challenge, Tag::OctetString)?.to_vec(),
        software: authorization_list(sw)?,
        hardware: authorization_list(hw)?,
    })
}

fn authorization_list(a: &Any<'_>) -> Result<AuthorizationList, Malformed> {
    let mut list = AuthorizationList::default();
    let mut seen = Vec::new();
    for entry in items(universal(a, Tag::Sequence)?)? {
        if entry.class() != Class::ContextSpecific || !entry.header.is_constructed() {
            return Err(Malformed);
        }
        let tag = entry.tag().0;
        if seen.contains(&tag) {
            return Err(Malformed); // a tag given twice could say two things
        }
        seen.push(tag);
        let (rest, value) = any(entry.data)?;
        if !rest.is_empty() {
            return Err(Malformed);
        }
        match tag {
            1 => {
                let set = items(universal(&value, Tag::Set)?)?;
                list.purpose = Some(set.iter().map(integer).collect::<Result<_, _>>()?);
            }
            2 => list.algorithm = Some(integer(&value)?),
            10 => list.ec_curve = Some(integer(&value)?),
            503 => {
                universal(&value, Tag::Null)?;
                list.no_auth_required = true;
            }
            504 => list.user_auth_type = Some(integer(&value)?),
            505 => list.auth_timeout = Some(integer(&value)?),
            702 => list.origin = Some(integer(&value)?),
            704 => list.root_of_trust = Some(root_of_trust(&value)?),
            706 => list.os_patch_level = Some(integer(&value)?),
            709 => {
                list.application_id = Some(universal(&value, Tag::OctetString)?.to_vec());
            }
            _ => {} // tags the provider does not check (dates, versions, device ids, …)
        }
    }
    Ok(list)
}

fn boolean(a: &Any<'_>) -> Result<bool, Malformed> {
    match universal(a, Tag::Boolean)? {
        [0x00] => Ok(false),
        [0xff] => Ok(true),
        _ => Err(Malformed), // DER allows only these two
    }
}

fn root_of_trust(a: &Any<'_>) -> Result<RootOfTrust, Malformed> {
    let fields = items(universal(a, Tag::Sequence)?)?;
    let [boot_key, locked, state, ..] = fields.as_slice() else {
        return Err(Malformed);
    };
    universal(boot_key, Tag::OctetString)?;
    Ok(RootOfTrust { device_locked: boolean(locked)?, verified_boot_state: enumerated(state)? })
}

/// Reads an `attestationApplicationId` (the DER inside its OCTET STRING).
pub fn application_id(der: &[u8]) -> Result<ApplicationId, Malformed> {
    let (rest, outer) = any(der)?;
    if !rest.is_empty() {
        return Err(Malformed);
    }
    let fields = items(universal(&outer, Tag::Sequence)?)?;
    let [infos, digests] = fields.as_slice() else {
        return Err(Malformed);
    };
    let mut packages = Vec::new();
    for info in items(universal(infos, Tag::Set)?)? {
        let parts = items(universal(&info, Tag::Sequence)?)?;
        let [name, version] = parts.as_slice() else {
            return Err(Malformed);
        };
        integer(version)?;
        packages.push(universal(name, Tag::OctetString)?.to_vec());
    }
    let signature_digests = items(universal(digests, Tag::Set)?)?
        .iter()
        .map(|d| universal(d, Tag::OctetString).map(<[u8]>::to_vec))
        .collect::<Result<_, _>>()?;
    Ok(ApplicationId { packages, signature_digests })
}
