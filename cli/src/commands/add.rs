//! `nyckel add` (a URI, or fields typed in by hand) and `nyckel scan` (a QR image).

use nyckel_core::otpauth::{self, Algorithm, OtpKind};
use nyckel_core::vault::{AddedAccount, DuplicatePolicy, Vault};

use super::{arg_or_stdin, Context};
use crate::cli::{AddArgs, AlgorithmArg, ScanArgs, TypeArg};
use crate::error::{CliError, Result, EXIT_USAGE};
use crate::output::{self, AccountJson, AddedJson};
use crate::qr;

fn policy(allow_duplicate: bool) -> DuplicatePolicy {
    if allow_duplicate {
        DuplicatePolicy::Allow
    } else {
        DuplicatePolicy::Reject
    }
}

/// Adds one account from a URI or from `--secret` and friends.
pub fn run_add(ctx: &Context, args: &AddArgs) -> Result<()> {
    let uri = match (&args.uri, &args.secret) {
        (Some(uri), _) => arg_or_stdin(uri, "URI")?,
        (None, Some(secret)) => manual_uri(args, &arg_or_stdin(secret, "secret")?)?,
        (None, None) => {
            return Err(CliError::usage("give an otpauth:// URI, or --secret with --issuer/--name"))
        }
    };
    // Check the URI before asking for the passphrase.
    otpauth::parse(&uri)?;
    let mut vault = ctx.unlocked_vault()?;
    let added = vault.add_uri(&uri, policy(args.allow_duplicate))?;
    if args.json.json {
        output::print_json(&added_json(&added))
    } else {
        print_added(ctx, &added)
    }
}

/// The JSON view of an added account.
pub fn added_json(added: &AddedAccount) -> AddedJson<'_> {
    AddedJson {
        account: AccountJson::new(&added.account),
        warnings: added.warnings.iter().map(ToString::to_string).collect(),
    }
}

/// Prints "Added [id] Issuer (name) …" and the parser's warnings (on stderr).
pub fn print_added(ctx: &Context, added: &AddedAccount) -> Result<()> {
    output::print(&format!("{}\n", output::added_line(&ctx.term, &added.account)))?;
    for w in &added.warnings {
        output::warn(&w.to_string());
    }
    Ok(())
}

/// Builds the otpauth URI for manual entry, so that the core parser validates typed-in
/// fields exactly as it validates scanned ones.
pub fn manual_uri(args: &AddArgs, secret: &str) -> Result<String> {
    let kind = args.kind.unwrap_or(TypeArg::Totp);
    if args.counter.is_some() && kind != TypeArg::Hotp {
        return Err(CliError::usage("--counter only applies to --type hotp"));
    }
    if args.period.is_some() && kind == TypeArg::Hotp {
        return Err(CliError::usage(
            "--period does not apply to --type hotp (HOTP codes count, they do not expire)",
        ));
    }
    let issuer = args.issuer.as_deref().unwrap_or("");
    let name = args.name.as_deref().unwrap_or("");
    if issuer.trim().is_empty() && name.trim().is_empty() {
        return Err(CliError::usage(
            "manual entry needs --issuer and/or --name, to tell the account apart",
        ));
    }
    let entry = otpauth::ManualEntry {
        kind: Some(match kind {
            TypeArg::Totp => OtpKind::Totp,
            TypeArg::Hotp => OtpKind::Hotp,
            TypeArg::Steam => OtpKind::Steam,
        }),
        secret,
        issuer,
        name,
        algorithm: args.algorithm.map(|a| match a {
            AlgorithmArg::Sha1 => Algorithm::Sha1,
            AlgorithmArg::Sha256 => Algorithm::Sha256,
            AlgorithmArg::Sha512 => Algorithm::Sha512,
        }),
        digits: args.digits.as_deref(),
        period: args.period.as_deref(),
        counter: args.counter.as_deref(),
    };
    // The core validates typed-in fields exactly as scanned ones; its canonical URI is added.
    Ok(otpauth::parse_manual(&entry)?.params.to_uri())
}

/// How a QR code's text is treated by `scan`.
#[derive(Debug, PartialEq, Eq)]
pub enum QrKind {
    /// An `otpauth://` account URI.
    Account,
    /// A Google Authenticator export (`otpauth-migration://`).
    GoogleExport,
    /// A Nyckel enrollment code (`nyckel-enroll://`), for `nyckel enroll`.
    Enrollment,
    /// A Microsoft Authenticator work-account code (`phonefactor://`), which only
    /// Microsoft's app can use.
    Microsoft,
    /// Anything else (a web link, text, …).
    Other,
}

/// Sorts a QR code's text.
pub fn classify(text: &str) -> QrKind {
    let lower = text.trim_start().to_ascii_lowercase();
    if lower.starts_with("otpauth-migration:") {
        QrKind::GoogleExport
    } else if lower.starts_with("nyckel-enroll:") {
        QrKind::Enrollment
    } else if lower.starts_with("phonefactor:") {
        QrKind::Microsoft
    } else if lower.starts_with("otpauth:") {
        QrKind::Account
    } else {
        QrKind::Other
    }
}

/// Longest scheme a QR code's text is described by; longer "schemes" are not shown.
const MAX_SCHEME: usize = 20;

/// What a QR code that is not an account holds, for messages: its scheme, if it starts with
/// one, and its length; never the rest of the text, which may carry a secret (a
/// `steam://SECRET` or `motp://…?secret=…` code).
fn describe(text: &str) -> String {
    let text = text.trim();
    let length = text.chars().count();
    let scheme = text.split_once(':').map(|(s, _)| s).filter(|s| {
        s.len() <= MAX_SCHEME
            && s.starts_with(|c: char| c.is_ascii_alphabetic())
            && s.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
    });
    match scheme {
        Some(s) => format!("a link (scheme \"{}\", {length} characters)", s.to_ascii_lowercase()),
        None => format!("text ({length} characters)"),
    }
}

/// What to do with a QR code that `scan` does not add but knows, or `None`.
fn what_to_do_instead(kind: &QrKind, image: &str) -> Option<String> {
    match kind {
        QrKind::Enrollment => Some(format!(
            "is an enrollment code for sign-in approvals (nyckel-enroll://), not an account; enroll this computer with `nyckel enroll --scan {image}`"
        )),
        QrKind::Microsoft => Some(
            "is a Microsoft Authenticator code (phonefactor://), which only Microsoft's app can use; on Microsoft's \"Security info\" page (https://aka.ms/mysecurityinfo) choose \"Add sign-in method\" → \"Authenticator app\" → \"I want to use a different authenticator app\", and scan the otpauth:// QR code it shows instead".to_owned(),
        ),
        _ => None,
    }
}

/// Scans an image and adds every otpauth QR code in it; an image of Google Authenticator
/// export codes (and nothing else) is imported as `nyckel import --scan IMAGE` would.
pub fn run_scan(ctx: &Context, args: &ScanArgs) -> Result<()> {
    let shown = args.image.display().to_string();
    let found = qr::scan_file(&args.image)?;
    let total = found.texts.len();
    if !found.texts.is_empty() && found.texts.iter().all(|t| classify(t) == QrKind::GoogleExport) {
        let parsed = super::import::google_transfer(&found.texts)?;
        return super::import::apply_and_report(ctx, parsed, Default::default(), args.json.json);
    }
    let accounts: Vec<&String> =
        found.texts.iter().filter(|t| classify(t) == QrKind::Account).collect();
    if accounts.is_empty() {
        let first = &found.texts[0];
        return Err(CliError::usage(match (total, classify(first)) {
            (1, kind @ (QrKind::Enrollment | QrKind::Microsoft)) => format!(
                "the QR code in {shown} {}",
                what_to_do_instead(&kind, &shown).unwrap_or_default()
            ),
            (1, _) => format!(
                "the QR code in {shown} is not an otpauth:// account; it holds {}",
                describe(first)
            ),
            (n, _) => format!("none of the {n} QR codes in {shown} is an otpauth:// account"),
        }));
    }
    for text in found.texts.iter().filter(|t| classify(t) != QrKind::Account) {
        let why = match classify(text) {
            QrKind::GoogleExport => format!(
                "a Google Authenticator export; import it with `nyckel import --scan {shown}`"
            ),
            kind @ (QrKind::Enrollment | QrKind::Microsoft) => {
                format!("it {}", what_to_do_instead(&kind, &shown).unwrap_or_default())
            }
            _ => format!("not an otpauth:// account ({})", describe(text)),
        };
        output::note(&format!("Skipped a QR code in {shown}: {why}"));
    }
    if found.undecodable > 0 {
        output::note(&format!(
            "Skipped {} QR-like pattern(s) in {shown} that could not be decoded",
            found.undecodable
        ));
    }
    let mut vault = ctx.unlocked_vault()?;
    add_all(ctx, &mut vault, &accounts, args)
}

fn add_all(ctx: &Context, vault: &mut Vault, uris: &[&String], args: &ScanArgs) -> Result<()> {
    let mut added = Vec::new();
    let mut failures: Vec<CliError> = Vec::new();
    for (i, uri) in uris.iter().enumerate() {
        match vault.add_uri(uri, policy(args.allow_duplicate)) {
            Ok(a) => added.push(a),
            Err(e) if uris.len() == 1 => return Err(e.into()),
            Err(e) => {
                let e = CliError::from(e);
                output::note(&format!(
                    "nyckel: QR code {} of {}: {}",
                    i + 1,
                    uris.len(),
                    e.message().unwrap_or_default()
                ));
                failures.push(e);
            }
        }
    }
    if args.json.json {
        output::print_json(&added.iter().map(added_json).collect::<Vec<_>>())?;
    } else {
        for a in &added {
            print_added(ctx, a)?;
        }
    }
    match failures.iter().map(CliError::exit_code).max() {
        None => Ok(()),
        Some(code) => {
            let msg =
                format!("added {} of {} accounts; see the messages above", added.len(), uris.len());
            Err(if code == EXIT_USAGE { CliError::usage(msg) } else { CliError::failure(msg) })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classify_qr_texts() {
        assert_eq!(classify("otpauth://totp/x?secret=AA"), QrKind::Account);
        assert_eq!(classify("OTPAUTH://totp/x?secret=AA"), QrKind::Account);
        assert_eq!(classify("otpauth-migration://offline?data=x"), QrKind::GoogleExport);
        assert_eq!(classify("https://example.com"), QrKind::Other);
        assert_eq!(classify("nyckel-enroll://v1?x=1"), QrKind::Enrollment);
        assert_eq!(classify("PHONEFACTOR://activate_account?code=1"), QrKind::Microsoft);
    }

    #[test]
    fn other_qr_texts_are_described_without_their_contents() {
        assert_eq!(
            describe("steam://JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"),
            r#"a link (scheme "steam", 40 characters)"#
        );
        assert_eq!(describe(" HTTPS://example.com/ "), r#"a link (scheme "https", 20 characters)"#);
        assert_eq!(describe("JBSWY3DPEHPK3PXP"), "text (16 characters)");
        // Not a scheme: too long, or not scheme characters.
        assert_eq!(describe("JBSWY3DPEHPK3PXPJBSWY3DP:x"), "text (26 characters)");
        assert_eq!(describe("my secret: JBSW"), "text (15 characters)");
        assert_eq!(describe("\x1b[2J:x"), "text (6 characters)");
    }
}
