//! Android Key Attestation: the certificate chain up to a configured root, then the leaf's
//! key description against what a phone sign-in key must be.

use x509_parser::certificate::X509Certificate;
use x509_parser::der_parser::oid;
use x509_parser::oid_registry::Oid;

use super::chain;
use super::key_description::{
    self, KeyDescription, ALGORITHM_EC, BOOT_VERIFIED, CURVE_P256, ORIGIN_GENERATED, PURPOSE_SIGN,
    SECURITY_SOFTWARE,
};
use super::{AndroidKeyPolicy, AttestationError as E};

/// The key description extension.
const KEY_DESCRIPTION: Oid<'static> = oid!(1.3.6 .1 .4 .1 .11129 .2 .1 .17);

/// Verifies `chain` (DER, leaf first) up to one of the policy's roots at `now`, none of its
/// certificates revoked, then that its leaf attests `public_key` (SEC1) for `challenge` as a
/// phone sign-in key on a phone the policy accepts.
pub fn verify(
    chain: &[Vec<u8>],
    policy: &AndroidKeyPolicy,
    public_key: &[u8],
    challenge: &[u8],
    now: i64,
) -> Result<(), E> {
    let certs = chain::parse_all(chain)?;
    chain::verify(&certs, &policy.roots, now)?;
    check_revocations(&certs, policy)?;
    let leaf = &certs[0];
    let description = key_description_of(&certs)?;
    if leaf.public_key().subject_public_key.data.as_ref() != public_key {
        return Err(E::WrongKey);
    }
    check_description(&description, challenge)?;
    check_phone(&description, policy)
}

/// No certificate of the chain is on the configured status list.
fn check_revocations(certs: &[X509Certificate<'_>], policy: &AndroidKeyPolicy) -> Result<(), E> {
    let Some(file) = &policy.revocations else { return Ok(()) };
    let revoked = file.current().map_err(|reason| {
        tracing::warn!(%reason, "the attestation status list cannot be read");
        E::RevocationListUnavailable
    })?;
    match certs.iter().position(|c| revoked.contains(&format!("{:x}", c.serial))) {
        Some(i) => Err(E::Revoked(i)),
        None => Ok(()),
    }
}

/// The policy's settings about the phone: its boot, the app, its patch level.
fn check_phone(d: &KeyDescription, policy: &AndroidKeyPolicy) -> Result<(), E> {
    let hw = &d.hardware;
    if policy.require_verified_boot {
        // Only the hardware's word counts: the software list is what Android says.
        let verified = hw
            .root_of_trust
            .as_ref()
            .is_some_and(|r| r.device_locked && r.verified_boot_state == BOOT_VERIFIED);
        if !verified {
            return Err(E::BootNotVerified);
        }
    }
    if !policy.apps.is_empty() {
        // Android puts the app id in the software-enforced list (KeyMint cannot know it).
        let id = d
            .software
            .application_id
            .as_deref()
            .or(hw.application_id.as_deref())
            .ok_or(E::AppNotAllowed)?;
        let id = key_description::application_id(id).map_err(|_| E::AppNotAllowed)?;
        let allowed = policy.apps.iter().any(|app| {
            id.packages.iter().any(|p| p.as_slice() == app.package.as_bytes())
                && id.signature_digests.iter().any(|d| d.as_slice() == app.signing_cert_sha256)
        });
        if !allowed {
            return Err(E::AppNotAllowed);
        }
    }
    if let Some(min) = policy.min_os_patch_level {
        if hw.os_patch_level.is_none_or(|level| level < u64::from(min)) {
            return Err(E::PatchLevelTooOld);
        }
    }
    Ok(())
}

/// The leaf's key description; no other certificate may carry one (an intermediate with
/// one would be a key that attests itself).
fn key_description_of(certs: &[X509Certificate<'_>]) -> Result<KeyDescription, E> {
    if certs[1..].iter().any(|c| !matches!(c.get_extension_unique(&KEY_DESCRIPTION), Ok(None))) {
        return Err(E::NoKeyDescription);
    }
    let ext = certs[0]
        .get_extension_unique(&KEY_DESCRIPTION)
        .map_err(|_| E::MalformedKeyDescription)?
        .ok_or(E::NoKeyDescription)?;
    key_description::parse(ext.value).map_err(|_| E::MalformedKeyDescription)
}

fn check_description(d: &KeyDescription, challenge: &[u8]) -> Result<(), E> {
    // Constant time is not needed: the challenge is public to the phone that sent it.
    if d.challenge != challenge {
        return Err(E::ChallengeMismatch);
    }
    if d.attestation_security_level == SECURITY_SOFTWARE
        || d.key_mint_security_level == SECURITY_SOFTWARE
    {
        return Err(E::NotHardware);
    }
    let hw = &d.hardware;
    let signs = hw.purpose.as_ref().is_some_and(|p| p.contains(&PURPOSE_SIGN));
    if !signs
        || hw.algorithm != Some(ALGORITHM_EC)
        || hw.ec_curve != Some(CURVE_P256)
        || hw.origin != Some(ORIGIN_GENERATED)
    {
        return Err(E::WrongKeyProperties);
    }
    if hw.no_auth_required || d.software.no_auth_required {
        return Err(E::NoAuthRequired);
    }
    if hw.user_auth_type.unwrap_or(0) == 0 {
        return Err(E::UserAuthNotEnforced);
    }
    if hw.auth_timeout.unwrap_or(0) != 0 || d.software.auth_timeout.unwrap_or(0) != 0 {
        return Err(E::AuthValidityWindow);
    }
    Ok(())
}
