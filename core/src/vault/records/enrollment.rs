//! `enrollments.sealed`: a push-approval enrollment (record format 1, `"version":1`).

use serde::{Deserialize, Serialize};

use crate::protocol::{Enrollment, PhoneSignin};

/// The only enrollment record format so far (the record's `version` field).
const VERSION: u32 = 1;

/// The sealed content of an enrollment row. Frozen: see the module rules. Phone sign-in is
/// four flat fields here, all set or all empty (`null`, count 0), as schema 2 wrote them.
#[derive(Serialize, Deserialize)]
pub(in crate::vault) struct EnrollmentRecord {
    version: u32,
    base_url: String,
    origin: String,
    rp_id: String,
    issuer: String,
    provider_key: String,
    account_name: String,
    user_id: String,
    device_id: String,
    device_name: String,
    device_key_alias: String,
    device_public_key: String,
    sign_count: u32,
    phone_signin_key_alias: Option<String>,
    phone_signin_credential_id: Option<String>,
    phone_signin_public_key: Option<String>,
    phone_signin_sign_count: u32,
    clock_offset: i64,
    otp_account_id: Option<i64>,
    enrolled_at: i64,
    /// The OTP secret is managed by the organisation (never exported). Absent in records
    /// written before it existed, and left out when false, so those bytes stay unchanged.
    #[serde(default, skip_serializing_if = "is_false")]
    otp_managed: bool,
}

fn is_false(b: &bool) -> bool {
    !*b
}

impl EnrollmentRecord {
    /// The record of an enrollment.
    pub(in crate::vault) fn new(e: &Enrollment) -> Self {
        let phone = e.phone_signin.as_ref();
        EnrollmentRecord {
            version: VERSION,
            base_url: e.base_url.clone(),
            origin: e.origin.clone(),
            rp_id: e.rp_id.clone(),
            issuer: e.issuer.clone(),
            provider_key: e.provider_key.clone(),
            account_name: e.account_name.clone(),
            user_id: e.user_id.clone(),
            device_id: e.device_id.clone(),
            device_name: e.device_name.clone(),
            device_key_alias: e.device_key_alias.clone(),
            device_public_key: e.device_public_key.clone(),
            sign_count: e.sign_count,
            phone_signin_key_alias: phone.map(|p| p.key_alias.clone()),
            phone_signin_credential_id: phone.map(|p| p.credential_id.clone()),
            phone_signin_public_key: phone.map(|p| p.public_key.clone()),
            phone_signin_sign_count: phone.map_or(0, |p| p.sign_count),
            clock_offset: e.clock_offset,
            otp_account_id: e.otp_account_id,
            enrolled_at: e.enrolled_at,
            otp_managed: e.otp_managed,
        }
    }

    /// The enrollment, or why the record cannot be one: an unknown `version`, or phone
    /// sign-in fields that are neither all set nor all empty (never written by any build).
    pub(in crate::vault) fn into_enrollment(self) -> Result<Enrollment, &'static str> {
        if self.version != VERSION {
            return Err("has an unknown record version");
        }
        let phone_signin = match (
            self.phone_signin_key_alias,
            self.phone_signin_credential_id,
            self.phone_signin_public_key,
        ) {
            (Some(key_alias), Some(credential_id), Some(public_key)) => Some(PhoneSignin {
                key_alias,
                credential_id,
                public_key,
                sign_count: self.phone_signin_sign_count,
            }),
            (None, None, None) if self.phone_signin_sign_count == 0 => None,
            _ => return Err("has a half-set phone sign-in"),
        };
        Ok(Enrollment {
            base_url: self.base_url,
            origin: self.origin,
            rp_id: self.rp_id,
            issuer: self.issuer,
            provider_key: self.provider_key,
            account_name: self.account_name,
            user_id: self.user_id,
            device_id: self.device_id,
            device_name: self.device_name,
            device_key_alias: self.device_key_alias,
            device_public_key: self.device_public_key,
            sign_count: self.sign_count,
            phone_signin,
            clock_offset: self.clock_offset,
            otp_account_id: self.otp_account_id,
            enrolled_at: self.enrolled_at,
            otp_managed: self.otp_managed,
        })
    }
}
