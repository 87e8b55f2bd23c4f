//! `nyckel enroll URI|--scan IMAGE`: register this computer with a provider for sign-in
//! approvals (and add the OTP account the code may carry).

use std::path::Path;

use nyckel_core::approvals::Enrolled;
use nyckel_core::protocol::{EnrollUri, ProtocolError};
use nyckel_core::vault::Vault;
use serde::Serialize;

use super::enrollments::EnrollmentJson;
use super::{arg_or_stdin, now, open_unlocked, Context};
use crate::cli::EnrollArgs;
use crate::error::{CliError, Result};
use crate::keys::{run_flow, DeviceKeys};
use crate::output::{self, AccountJson, Term};
use crate::qr;
use nyckel_http::Transport;

/// Longest device name (the protocol's limit).
pub const MAX_DEVICE_NAME: usize = nyckel_core::protocol::enroll::MAX_DEVICE_NAME;
/// The device name when the host name cannot be found.
pub const FALLBACK_DEVICE_NAME: &str = "nyckel CLI";

/// What `enroll --json` prints.
#[derive(Debug, Serialize)]
pub struct EnrolledJson<'a> {
    /// The enrollment.
    #[serde(flatten)]
    pub enrollment: EnrollmentJson,
    /// The OTP account added from the same code, or `null`.
    pub otp_account: Option<AccountJson<'a>>,
}

/// Enrolls from a URI or a QR image and prints the result.
pub fn run(ctx: &Context, args: &EnrollArgs) -> Result<()> {
    let uri = match (&args.uri, &args.scan) {
        (Some(uri), _) => arg_or_stdin(uri, "enrollment code")?,
        (None, Some(image)) => from_image(image)?,
        (None, None) => {
            return Err(CliError::usage(
                "give an enrollment code (nyckel-enroll://…) or --scan IMAGE",
            ))
        }
    };
    // Check the code before asking for the passphrase.
    EnrollUri::parse(&uri).map_err(ProtocolError::from)?;
    let device_name = match &args.device_name {
        Some(name) => checked_device_name(name)?,
        None => default_device_name(),
    };
    let path = ctx.vault_path()?;
    let mut vault = open_unlocked(&path)?;
    let enrolled = enroll(&mut vault, &uri, &device_name)?;
    let stored = vault.enrollment(enrolled.enrollment_id)?;
    if args.json.json {
        return output::print_json(&EnrolledJson {
            enrollment: EnrollmentJson::new(&stored),
            otp_account: enrolled.otp_account.as_ref().map(AccountJson::new),
        });
    }
    output::print(&render(&enrolled, &ctx.term))
}

/// Enrolls the (unlocked) `vault` with the code `uri`. The new device key is in the vault
/// before the provider learns it; on failure it is deleted again and nothing is stored.
pub fn enroll(vault: &mut Vault, uri: &str, device_name: &str) -> Result<Enrolled> {
    let keys = DeviceKeys::load(vault)?;
    run_flow(vault, &keys, &Transport::new(), |a| a.enroll(uri, device_name, None, now()))
}

/// The lines `enroll` prints.
pub fn render(enrolled: &Enrolled, term: &Term) -> String {
    let e = &enrolled.enrollment;
    let mut text = format!(
        "Enrolled {} {} with {} ({})\n",
        term.dim(&format!("[{}]", enrolled.enrollment_id)),
        term.bold(&output::clean(&e.account_name)),
        term.bold(&output::or_dash(&e.issuer)),
        output::clean(&e.base_url)
    );
    text.push_str(&format!(
        "  This computer is \"{}\" in the provider's list of devices.\n",
        output::clean(&e.device_name)
    ));
    match &enrolled.otp_account {
        Some(a) => {
            text.push_str(&format!("  One-time codes too: {}\n", output::added_line(term, a)))
        }
        None => text.push_str("  The code carried no one-time-code (OTP) account.\n"),
    }
    text.push_str(&format!(
        "Answer sign-in requests with `nyckel approve`; for passwordless sign-in: `nyckel phone-signin enable {}`.\n",
        enrolled.enrollment_id
    ));
    text
}

fn is_enroll_code(text: &str) -> bool {
    text.trim_start().to_ascii_lowercase().starts_with("nyckel-enroll:")
}

/// The enrollment code in a QR image.
fn from_image(image: &Path) -> Result<String> {
    let shown = image.display().to_string();
    let found = qr::scan_file(image)?;
    let codes: Vec<&String> = found.texts.iter().filter(|t| is_enroll_code(t)).collect();
    match codes.as_slice() {
        [one] => Ok((*one).clone()),
        [] if found.texts.iter().any(|t| super::add::classify(t) == super::add::QrKind::Account) => Err(CliError::usage(format!(
            "the QR code in {shown} is a one-time-code account, not an enrollment code; add it with `nyckel scan {shown}`"
        ))),
        [] => Err(CliError::usage(format!("no Nyckel enrollment code (nyckel-enroll://…) in the QR code(s) in {shown}"))),
        many => Err(CliError::usage(format!(
            "{shown} holds {} enrollment codes; crop the image to the one you want",
            many.len()
        ))),
    }
}

/// A device name given with `--device-name`: 1–64 characters, none of the characters the
/// terminal cleaner escapes (control characters, bidirectional controls, invisible ones):
/// the name is shown on the provider's pages and in other apps, which may not escape them.
pub fn checked_device_name(name: &str) -> Result<String> {
    let name = name.trim();
    if name.is_empty() || name.chars().any(output::needs_escape) {
        return Err(CliError::usage(
            "--device-name must be a non-empty name without control, bidirectional or invisible characters",
        ));
    }
    if name.chars().count() > MAX_DEVICE_NAME {
        return Err(CliError::usage(format!(
            "--device-name can have at most {MAX_DEVICE_NAME} characters"
        )));
    }
    Ok(name.to_owned())
}

/// This computer's host name (cleaned, at most 64 characters), or "nyckel CLI".
pub fn default_device_name() -> String {
    let candidates = [
        std::fs::read_to_string("/proc/sys/kernel/hostname").ok(),
        std::fs::read_to_string("/etc/hostname").ok(),
        std::env::var("HOSTNAME").ok(),
        std::env::var("COMPUTERNAME").ok(),
    ];
    candidates
        .into_iter()
        .flatten()
        .map(|h| {
            h.chars().filter(|c| !output::needs_escape(*c)).collect::<String>().trim().to_owned()
        })
        .find(|h| !h.is_empty())
        .map(|h| h.chars().take(MAX_DEVICE_NAME).collect())
        .unwrap_or_else(|| FALLBACK_DEVICE_NAME.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn device_names() {
        assert_eq!(checked_device_name("  Annas laptop ").unwrap(), "Annas laptop");
        assert!(checked_device_name("").is_err());
        assert!(checked_device_name("a\u{1b}b").is_err());
        assert!(
            checked_device_name("Annas \u{202e}potpal").is_err(),
            "a bidi override would reverse the name on the provider's pages"
        );
        assert_eq!(checked_device_name("Annas 💻").unwrap(), "Annas 💻");
        assert!(checked_device_name(&"x".repeat(65)).is_err());
        let d = default_device_name();
        assert!(!d.is_empty() && d.chars().count() <= MAX_DEVICE_NAME);
    }

    #[test]
    fn enroll_codes_are_recognised() {
        assert!(is_enroll_code("nyckel-enroll://v1?url=x"));
        assert!(is_enroll_code("  NYCKEL-ENROLL://v1?url=x"));
        assert!(!is_enroll_code("otpauth://totp/x?secret=A"));
    }
}
