//! Command-line arguments (clap derive). Behaviour lives in [`crate::commands`].

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// nyckel — an open authenticator: one-time codes and sign-in approvals from an encrypted vault.
///
/// The passphrase is read from NYCKEL_PASSPHRASE, or asked for when stdin is a terminal.
/// The PIN for phone sign-in comes from NYCKEL_PIN, or is asked for likewise.
#[derive(Debug, Parser)]
#[command(name = "nyckel", version, arg_required_else_help = true, max_term_width = 100)]
pub struct Cli {
    /// Vault file [default: <data dir>/nyckel/vault.nyckel]
    #[arg(long, global = true, env = "NYCKEL_VAULT", value_name = "PATH")]
    pub vault: Option<PathBuf>,

    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Create a new encrypted vault.
    Init(InitArgs),
    /// Add an account from an otpauth:// URI, or from its fields (--secret …).
    Add(AddArgs),
    /// Add the account(s) in a QR code image (PNG or JPEG).
    Scan(ScanArgs),
    /// List the accounts (no secrets, no codes).
    List(JsonArg),
    /// Show current codes: every TOTP/Steam account, or the accounts matching QUERY.
    Code(CodeArgs),
    /// Live codes with countdown bars, redrawn every second (Ctrl-C to quit).
    Watch(WatchArgs),
    /// Show an account's QR code, to move it to a phone (the QR contains the secret).
    ShowQr(ShowQrArgs),
    /// Change an account's issuer, name or note.
    Rename(RenameArgs),
    /// Delete an account.
    Delete(DeleteArgs),
    /// Enroll this computer for sign-in approvals (a nyckel-enroll:// code, or its QR image).
    Enroll(EnrollArgs),
    /// Answer sign-in requests: see who signs in where, type the number from the sign-in page.
    Approve(ApproveArgs),
    /// Turn phone sign-in (passwordless, PIN-gated) on or off for an enrollment.
    #[command(name = "phone-signin")]
    PhoneSignin(PhoneSigninArgs),
    /// List the enrollments (the providers this computer approves sign-ins for).
    Enrollments(JsonArg),
    /// Remove an enrollment from this computer (and tell its provider).
    Unenroll(UnenrollArgs),
    /// Show the activity log, newest first.
    Activity(ActivityArgs),
    /// Import accounts from another app's export or a Nyckel backup (a file), or from
    /// Google Authenticator "Transfer accounts" QR codes (--scan IMAGE…).
    Import(ImportArgs),
    /// Export the accounts: a Nyckel backup, Aegis JSON, otpauth URIs or Google
    /// Authenticator transfer QR codes.
    Export(ExportArgs),
    /// Move to a new phone or computer with this one in hand: transfer codes for every
    /// enrollment and the accounts, in a package sealed under a one-time key.
    Transfer(TransferArgs),
    /// Unlock the vault for a while (default 10m): other commands need no passphrase until
    /// then, or until `nyckel lock`.
    Unlock(UnlockArgs),
    /// Lock the vault now (ends the session `nyckel unlock` started).
    Lock,
    /// The session agent `nyckel unlock` starts (internal).
    #[command(hide = true)]
    Agent(AgentArgs),
    /// Parse an otpauth:// URI and show what it contains, with its code (no vault needed).
    Inspect(InspectArgs),
    /// Walk through Nyckel on a temporary vault (no prompts; your vault is not touched).
    #[cfg(feature = "demo")]
    Demo(DemoArgs),
}

/// `--json` for commands that can print machine-readable output.
#[derive(Debug, Args, Clone, Copy, Default)]
pub struct JsonArg {
    /// Print JSON instead of text.
    #[arg(long)]
    pub json: bool,
}

/// `nyckel init`.
#[derive(Debug, Args)]
pub struct InitArgs {
    /// Argon2id memory in MiB [default: 64; at least 19]
    #[arg(long, value_name = "N")]
    pub kdf_memory_mib: Option<u32>,
    /// Argon2id passes [default: 3; at least 2]
    #[arg(long, value_name = "N")]
    pub kdf_iterations: Option<u32>,
}

/// OTP scheme for manual entry.
#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum TypeArg {
    /// Time-based (RFC 6238).
    Totp,
    /// Counter-based (RFC 4226).
    Hotp,
    /// Steam Guard.
    Steam,
}

/// HMAC algorithm for manual entry.
#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
#[value(rename_all = "UPPER")]
pub enum AlgorithmArg {
    /// HMAC-SHA1 (the default).
    Sha1,
    /// HMAC-SHA256.
    Sha256,
    /// HMAC-SHA512.
    Sha512,
}

/// `nyckel add`.
#[derive(Debug, Args)]
pub struct AddArgs {
    /// otpauth:// URI ("-" reads it from stdin, keeping it out of the shell history)
    #[arg(value_name = "URI", required_unless_present = "secret", conflicts_with = "secret")]
    pub uri: Option<String>,
    /// Base32 secret for manual entry ("-" reads it from stdin)
    #[arg(long, value_name = "BASE32")]
    pub secret: Option<String>,
    /// Issuer (manual entry), e.g. "Region Skåne"
    #[arg(long, requires = "secret")]
    pub issuer: Option<String>,
    /// Account name (manual entry), e.g. "anna@example.se"
    #[arg(long, requires = "secret")]
    pub name: Option<String>,
    /// Type (manual entry) [default: totp]
    #[arg(long = "type", value_name = "TYPE", value_enum, requires = "secret")]
    pub kind: Option<TypeArg>,
    /// Number of digits (manual entry) [default: 6]
    #[arg(long, requires = "secret")]
    pub digits: Option<String>,
    /// Period in seconds (manual entry, TOTP) [default: 30]
    #[arg(long, requires = "secret")]
    pub period: Option<String>,
    /// HMAC algorithm (manual entry) [default: SHA1]
    #[arg(long, value_enum, ignore_case = true, requires = "secret")]
    pub algorithm: Option<AlgorithmArg>,
    /// Counter of the next code (manual entry, HOTP) [default: 0]
    #[arg(long, requires = "secret")]
    pub counter: Option<String>,
    /// Add it even if the same secret is already in the vault.
    #[arg(long)]
    pub allow_duplicate: bool,
    /// `--json`.
    #[command(flatten)]
    pub json: JsonArg,
}

/// `nyckel scan`.
#[derive(Debug, Args)]
pub struct ScanArgs {
    /// PNG or JPEG image containing one or more QR codes
    #[arg(value_name = "IMAGE")]
    pub image: PathBuf,
    /// Add accounts even if the same secret is already in the vault.
    #[arg(long)]
    pub allow_duplicate: bool,
    /// `--json`.
    #[command(flatten)]
    pub json: JsonArg,
}

/// `nyckel code`.
#[derive(Debug, Args)]
pub struct CodeArgs {
    /// Account id, or part of its issuer or name (case-insensitive)
    pub query: Option<String>,
    /// Compute codes at this Unix time instead of now
    #[arg(long, value_name = "UNIX_SECONDS")]
    pub at: Option<u64>,
    /// `--json`.
    #[command(flatten)]
    pub json: JsonArg,
}

/// `nyckel watch`.
#[derive(Debug, Args)]
pub struct WatchArgs {
    /// Only these accounts: an account id, or part of its issuer or name (case-insensitive),
    /// as for `nyckel code`
    pub query: Option<String>,
    /// Render N frames (one a second), then exit
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
    pub frames: Option<u64>,
}

/// `nyckel show-qr`.
#[derive(Debug, Args)]
pub struct ShowQrArgs {
    /// Account id, or its exact name, issuer or ISSUER:NAME when that is unique (see
    /// `nyckel list`)
    #[arg(value_name = "ACCOUNT")]
    pub account: String,
    /// Print the otpauth:// URI instead of the QR code
    #[arg(long)]
    pub uri: bool,
    /// Light modules on dark (for terminals with a dark background when colours are off)
    #[arg(long)]
    pub invert: bool,
}

/// `nyckel rename`.
#[derive(Debug, Args)]
#[command(group = clap::ArgGroup::new("change").required(true).multiple(true).args(["issuer", "name", "note"]))]
pub struct RenameArgs {
    /// Account id, or its exact name, issuer or ISSUER:NAME when that is unique (see
    /// `nyckel list`)
    #[arg(value_name = "ACCOUNT")]
    pub account: String,
    /// New issuer
    #[arg(long)]
    pub issuer: Option<String>,
    /// New account name
    #[arg(long)]
    pub name: Option<String>,
    /// New note ("" clears it)
    #[arg(long)]
    pub note: Option<String>,
    /// `--json`.
    #[command(flatten)]
    pub json: JsonArg,
}

/// `nyckel delete`.
#[derive(Debug, Args)]
pub struct DeleteArgs {
    /// Account id, or its exact name, issuer or ISSUER:NAME when that is unique (see
    /// `nyckel list`)
    #[arg(value_name = "ACCOUNT")]
    pub account: String,
    /// Do not ask for confirmation (required when stdin is not a terminal)
    #[arg(long, short = 'y')]
    pub yes: bool,
}

/// `nyckel enroll`.
#[derive(Debug, Args)]
pub struct EnrollArgs {
    /// The enrollment code, nyckel-enroll://v1?… ("-" reads it from stdin; it holds a
    /// single-use activation code)
    #[arg(value_name = "URI", required_unless_present = "scan", conflicts_with = "scan")]
    pub uri: Option<String>,
    /// Read the enrollment code from a QR code image (PNG or JPEG) instead
    #[arg(long, value_name = "IMAGE")]
    pub scan: Option<PathBuf>,
    /// The name the provider shows for this computer [default: the host name]
    #[arg(long, value_name = "NAME")]
    pub device_name: Option<String>,
    /// `--json`.
    #[command(flatten)]
    pub json: JsonArg,
}

/// `nyckel approve`.
#[derive(Debug, Args)]
#[command(group = clap::ArgGroup::new("decision").args(["number", "deny", "report"]))]
pub struct ApproveArgs {
    /// Only this enrollment: its id, or part of its account name or provider name
    #[arg(long, value_name = "QUERY")]
    pub account: Option<String>,
    /// Answer this request (its id, as listed) when several are waiting
    #[arg(long, value_name = "ID", allow_hyphen_values = true)]
    pub request: Option<String>,
    /// Approve with the two-digit number shown on the sign-in page
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u8).range(10..=99))]
    pub number: Option<u8>,
    /// Deny the sign-in ("no, that's not me")
    #[arg(long)]
    pub deny: bool,
    /// Deny and report it as suspicious (the provider blocks new requests for a while)
    #[arg(long)]
    pub report: bool,
    /// Do not ask for confirmation (required with --number/--report when stdin is not a terminal)
    #[arg(long, short = 'y')]
    pub yes: bool,
    /// Wait up to SECONDS for a request to arrive, checking every second
    #[arg(long, value_name = "SECONDS")]
    pub wait: Option<u64>,
    /// `--json`.
    #[command(flatten)]
    pub json: JsonArg,
}

/// `nyckel phone-signin`.
#[derive(Debug, Args)]
pub struct PhoneSigninArgs {
    /// Turn it on or off.
    #[command(subcommand)]
    pub action: PhoneSigninAction,
}

/// `nyckel phone-signin enable|disable`.
#[derive(Debug, Subcommand)]
pub enum PhoneSigninAction {
    /// Turn it on: sign in with only your user name, approve here with your PIN.
    Enable(PhoneSigninTarget),
    /// Turn phone sign-in off again (the provider revokes the key; this computer deletes it).
    Disable(PhoneSigninTarget),
}

/// The enrollment `phone-signin` acts on.
#[derive(Debug, Args)]
pub struct PhoneSigninTarget {
    /// Enrollment id, or part of its account name or provider name (see `nyckel enrollments`)
    #[arg(value_name = "ACCOUNT")]
    pub account: String,
    /// `--json`.
    #[command(flatten)]
    pub json: JsonArg,
}

/// `nyckel unenroll`.
#[derive(Debug, Args)]
pub struct UnenrollArgs {
    /// Enrollment id, or part of its account name or provider name (see `nyckel enrollments`)
    #[arg(value_name = "ID")]
    pub enrollment: String,
    /// Do not ask for confirmation (required when stdin is not a terminal)
    #[arg(long, short = 'y')]
    pub yes: bool,
}

/// `nyckel activity`.
#[derive(Debug, Args)]
pub struct ActivityArgs {
    /// Show at most N entries
    #[arg(long, value_name = "N", default_value_t = 20)]
    pub limit: usize,
    /// `--json`.
    #[command(flatten)]
    pub json: JsonArg,
}

/// Where the password of an encrypted export file comes from (the vault's own passphrase
/// is NYCKEL_PASSPHRASE or its prompt, as always).
#[derive(Debug, Args, Default)]
#[group(multiple = false)]
pub struct FilePasswordArgs {
    /// Read the file's password from the first line of FILE
    #[arg(long, value_name = "FILE")]
    pub password_file: Option<PathBuf>,
    /// Read the file's password from the first line of stdin
    #[arg(long)]
    pub password_stdin: bool,
}

/// `nyckel import`.
#[derive(Debug, Args)]
pub struct ImportArgs {
    /// Another app's export file, or a Nyckel backup (the format is detected)
    #[arg(value_name = "FILE", required_unless_present = "scan", conflicts_with = "scan")]
    pub file: Option<PathBuf>,
    /// Google Authenticator transfer QR code images (every code of one export, any order)
    #[arg(long, value_name = "IMAGE", num_args = 1.., conflicts_with = "format")]
    pub scan: Vec<PathBuf>,
    /// Read FILE as this format instead of detecting it
    #[arg(long, value_name = "NAME", value_parser = clap::builder::PossibleValuesParser::new(
        nyckel_core::import::Format::ALL.map(nyckel_core::import::Format::name)))]
    pub format: Option<String>,
    /// The password of an encrypted file (asked for on a terminal when neither is given).
    #[command(flatten)]
    pub password: FilePasswordArgs,
    /// Show what would be imported; change nothing
    #[arg(long)]
    pub dry_run: bool,
    /// Import the good entries even when others fail (otherwise one failure imports nothing)
    #[arg(long)]
    pub keep_good: bool,
    /// `--json`.
    #[command(flatten)]
    pub json: JsonArg,
}

/// `nyckel export`.
#[derive(Debug, Args)]
pub struct ExportArgs {
    /// What to write: nyckel (encrypted backup), aegis (plain JSON), aegis-encrypted,
    /// otpauth (plain URI list), google-qr (PNG images of transfer QR codes)
    #[arg(long, value_name = "FORMAT", value_parser = clap::builder::PossibleValuesParser::new(
        nyckel_core::export::ExportFormat::ALL.map(nyckel_core::export::ExportFormat::name)))]
    pub format: String,
    /// File to write (google-qr: PATH, or PATH-1.png, PATH-2.png, … for several codes);
    /// google-qr without --out shows the codes in the terminal
    #[arg(long, value_name = "PATH")]
    pub out: Option<PathBuf>,
    /// Replace files that already exist
    #[arg(long)]
    pub force: bool,
    /// The password of an encrypted export (asked for twice on a terminal when neither
    /// is given).
    #[command(flatten)]
    pub password: FilePasswordArgs,
    /// `--json`.
    #[command(flatten)]
    pub json: JsonArg,
}

/// `nyckel transfer`.
#[derive(Debug, Args)]
pub struct TransferArgs {
    /// Export on the old device, import on the new one.
    #[command(subcommand)]
    pub action: TransferAction,
}

/// `nyckel transfer export|import`.
#[derive(Debug, Subcommand)]
pub enum TransferAction {
    /// On the old device: ask each provider for a transfer code and write the package; prints
    /// the one-time key (and draws it as a QR code). This device keeps working until the new
    /// one has moved.
    Export(TransferExportArgs),
    /// On the new device: open the package with its one-time key, enroll with new keys (the
    /// old device is revoked at each provider), turn phone sign-in on again, add the accounts.
    Import(TransferImportArgs),
}

/// `nyckel transfer export`.
#[derive(Debug, Args)]
pub struct TransferExportArgs {
    /// The package file to write (owner-only)
    #[arg(long, value_name = "FILE")]
    pub out: PathBuf,
    /// Replace a file that already exists
    #[arg(long)]
    pub force: bool,
    /// `--json`.
    #[command(flatten)]
    pub json: JsonArg,
}

/// `nyckel transfer import`.
#[derive(Debug, Args)]
pub struct TransferImportArgs {
    /// The package `transfer export` wrote
    #[arg(value_name = "FILE")]
    pub file: PathBuf,
    /// The one-time key `transfer export` printed (ABCDE-FGHIJ-KLMNO-PQRST-123456)
    #[arg(long, value_name = "KEY")]
    pub key: String,
    /// The name the providers show for this device [default: the host name]
    #[arg(long, value_name = "NAME")]
    pub device_name: Option<String>,
    /// `--json`.
    #[command(flatten)]
    pub json: JsonArg,
}

/// `nyckel unlock`.
#[derive(Debug, Args)]
pub struct UnlockArgs {
    /// How long: 90s, 10m, 1h, 1h30m (at most 12h)
    #[arg(long = "for", value_name = "DURATION", default_value = "10m", value_parser = crate::agent::parse_duration)]
    pub duration: std::time::Duration,
}

/// `nyckel agent` (started by `nyckel unlock`; reads the key from stdin).
#[derive(Debug, Args)]
pub struct AgentArgs {
    /// Seconds until the session ends
    #[arg(long, value_name = "N")]
    pub seconds: u64,
}

/// `nyckel inspect`.
#[derive(Debug, Args)]
pub struct InspectArgs {
    /// otpauth:// URI ("-" reads it from stdin)
    pub uri: String,
    /// Compute the code at this Unix time instead of now
    #[arg(long, value_name = "UNIX_SECONDS")]
    pub at: Option<u64>,
    /// `--json`.
    #[command(flatten)]
    pub json: JsonArg,
}

/// `nyckel demo` (with the `demo` feature).
#[cfg(feature = "demo")]
#[derive(Debug, Args)]
pub struct DemoArgs {
    /// How long to show live codes, in seconds
    #[arg(long, value_name = "N", default_value_t = 6)]
    pub seconds: u64,
}

/// The one-line message (without `nyckel: `) for an argument error from clap.
///
/// clap quotes what was typed in several messages (`unexpected argument 'EHPK'`, `invalid
/// value '…'`), and what was typed may be a secret: a grouped secret left unquoted
/// (`--secret JBSW Y3DP EHPK 3PXP`) or a second URI. Those messages are rebuilt here from
/// the error's parts that come from nyckel's own definitions (option names, possible
/// values, suggestions), never from the values typed. Kinds whose text holds only names
/// keep clap's wording.
pub fn argument_error(e: &clap::Error) -> String {
    use clap::error::{ContextKind, ErrorKind};
    let arg = context_string(e, ContextKind::InvalidArg);
    let message = match e.kind() {
        ErrorKind::UnknownArgument => {
            // An option's name (`--frobnicate`, `-X`), before any `=value`; anything else
            // is a value, perhaps part of a secret.
            match arg.as_deref().and_then(|a| a.split('=').next()).filter(|a| is_option_name(a)) {
                Some(option) => {
                    let tip = match context_string(e, ContextKind::SuggestedArg) {
                        Some(s) if is_option_name(&s) => format!("; did you mean '{s}'?"),
                        _ => String::new(),
                    };
                    format!("unknown option '{option}'{tip}")
                }
                None if arg.as_deref().is_some_and(|a| a.starts_with('-')) => {
                    "unknown option".to_owned()
                }
                None => "unexpected extra argument (quote values that contain spaces)".to_owned(),
            }
        }
        ErrorKind::InvalidValue | ErrorKind::ValueValidation => {
            let arg = arg.unwrap_or_else(|| "an argument".to_owned());
            let empty = matches!(e.get(ContextKind::InvalidValue), Some(clap::error::ContextValue::String(v)) if v.is_empty());
            let mut text = if empty {
                format!("a value is required for '{arg}' but none was supplied")
            } else {
                format!("invalid value for '{arg}'")
            };
            if let Some(reason) = validation_reason(e) {
                text.push_str(&format!(": {reason}"));
            }
            match e.get(ContextKind::ValidValue) {
                Some(clap::error::ContextValue::Strings(values)) if !values.is_empty() => {
                    text.push_str(&format!(" (possible values: {})", values.join(", ")));
                }
                _ => {}
            }
            text
        }
        ErrorKind::TooManyValues => match arg {
            Some(arg) => format!("unexpected value for '{arg}'"),
            None => "unexpected value".to_owned(),
        },
        ErrorKind::InvalidSubcommand => {
            let tip = match e.get(ContextKind::SuggestedSubcommand) {
                Some(clap::error::ContextValue::Strings(s)) if !s.is_empty() => {
                    format!("; did you mean `nyckel {}`?", s[0])
                }
                Some(clap::error::ContextValue::String(s)) => {
                    format!("; did you mean `nyckel {s}`?")
                }
                _ => String::new(),
            };
            format!("unknown command{tip}")
        }
        ErrorKind::MissingRequiredArgument => match e.get(ContextKind::InvalidArg) {
            Some(clap::error::ContextValue::Strings(names)) if !names.is_empty() => {
                format!("the following required arguments were not provided: {}", names.join(", "))
            }
            _ => "a required argument is missing".to_owned(),
        },
        // Names and counts only.
        ErrorKind::ArgumentConflict
        | ErrorKind::NoEquals
        | ErrorKind::TooFewValues
        | ErrorKind::WrongNumberOfValues
        | ErrorKind::MissingSubcommand
        | ErrorKind::InvalidUtf8 => {
            let rendered = e.render().to_string();
            let first =
                rendered.lines().find(|l| !l.trim().is_empty()).unwrap_or("invalid arguments");
            let first = first.trim().trim_start_matches("error: ").to_owned();
            // A value with spaces left unquoted fills a positional argument that conflicts
            // with the option given before it (`--secret JBSW Y3DP`).
            if e.kind() == ErrorKind::ArgumentConflict && first.ends_with("]'") {
                format!("{first} (quote values that contain spaces)")
            } else {
                first
            }
        }
        _ => "invalid arguments".to_owned(),
    };
    format!("{} (see `nyckel --help`)", crate::error::one_line(&message))
}

/// Why a value parser refused a value, without the value: a number's range ("must be in
/// 10..=99", "must be at least 1") or the parser's own reason when it does not repeat it
/// ("invalid digit found in string").
fn validation_reason(e: &clap::Error) -> Option<String> {
    let source = std::error::Error::source(e)?.to_string();
    if let Some((_, range)) = source.split_once(" is not in ") {
        let unbounded = |high: &str| {
            let high = high.trim_start_matches('=');
            high == u64::MAX.to_string() || high == i64::MAX.to_string()
        };
        return Some(match range.split_once("..") {
            Some((low, high)) if unbounded(high) => format!("must be at least {low}"),
            _ => format!("must be in {range}"),
        });
    }
    let typed = context_string(e, clap::error::ContextKind::InvalidValue).unwrap_or_default();
    (typed.is_empty() || !source.contains(typed.as_str())).then_some(source)
}

fn context_string(e: &clap::Error, kind: clap::error::ContextKind) -> Option<String> {
    match e.get(kind) {
        Some(clap::error::ContextValue::String(s)) => Some(s.clone()),
        _ => None,
    }
}

/// `--name` (lower case letters, digits, dashes, as nyckel's options are) or `-x`: an
/// option's name, not a value.
fn is_option_name(text: &str) -> bool {
    match text.strip_prefix("--") {
        Some(long) => {
            (1..=30).contains(&long.len())
                && long.starts_with(|c: char| c.is_ascii_lowercase())
                && long.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        }
        None => text.strip_prefix('-').is_some_and(|short| {
            short.len() == 1 && short.chars().all(|c| c.is_ascii_alphanumeric())
        }),
    }
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use super::{Cli, Command};

    #[test]
    fn a_request_id_starting_with_a_dash_is_a_value() {
        // Request ids are base64url: one in 64 starts with '-'.
        let cli = Cli::try_parse_from([
            "nyckel",
            "approve",
            "--request",
            "-KlbsQnJWrLWNMAPJKXkzg",
            "--deny",
        ])
        .unwrap();
        match cli.command {
            Command::Approve(args) => {
                assert_eq!(args.request.as_deref(), Some("-KlbsQnJWrLWNMAPJKXkzg"))
            }
            _ => panic!("not approve"),
        }
    }

    fn message(args: &[&str]) -> String {
        let e =
            Cli::try_parse_from(std::iter::once("nyckel").chain(args.iter().copied())).unwrap_err();
        super::argument_error(&e)
    }

    #[test]
    fn argument_errors_name_options_but_never_values() {
        let extra =
            "unexpected extra argument (quote values that contain spaces) (see `nyckel --help`)";
        assert_eq!(
            message(&["add", "--secret", "JBSW", "Y3DP", "EHPK", "3PXP", "--issuer", "X"]),
            extra
        );
        assert_eq!(
            message(&[
                "add",
                "otpauth://totp/a?secret=AAAAAAAA",
                "otpauth://totp/b?secret=JBSWY3DPEHPK3PXP"
            ]),
            extra
        );
        assert_eq!(
            message(&["add", "--secrte=JBSWY3DPEHPK3PXP"]),
            "unknown option '--secrte'; did you mean '--secret'? (see `nyckel --help`)"
        );
        assert_eq!(message(&["add", "--JBSWY3DPEHPK3PXP"]), "unknown option (see `nyckel --help`)");
        assert_eq!(
            message(&["code", "--json=JBSWY3DPEHPK3PXP"]),
            "unexpected value for '--json' (see `nyckel --help`)"
        );
        assert_eq!(
            message(&["add", "--secret", "X", "--type", "JBSWY3DPEHPK3PXP"]),
            "invalid value for '--type <TYPE>' (possible values: totp, hotp, steam) (see `nyckel --help`)"
        );
        assert_eq!(
            message(&["watch", "--frames", "JBSWY3DPEHPK3PXP"]),
            "invalid value for '--frames <N>': invalid digit found in string (see `nyckel --help`)"
        );
        assert_eq!(
            message(&["watch", "--frames", "0"]),
            "invalid value for '--frames <N>': must be at least 1 (see `nyckel --help`)"
        );
        assert_eq!(
            message(&["approve", "--number", "7", "--yes"]),
            "invalid value for '--number <N>': must be in 10..=99 (see `nyckel --help`)"
        );
        assert_eq!(message(&["JBSWY3DPEHPK3PXP"]), "unknown command (see `nyckel --help`)");
        assert_eq!(
            message(&["lsit"]),
            "unknown command; did you mean `nyckel list`? (see `nyckel --help`)"
        );
        // Messages that hold only names keep them.
        assert_eq!(
            message(&["add", "--digits"]),
            "a value is required for '--digits <DIGITS>' but none was supplied (see `nyckel --help`)"
        );
        assert_eq!(
            message(&["show-qr"]),
            "the following required arguments were not provided: <ACCOUNT> (see `nyckel --help`)"
        );
        assert_eq!(
            message(&["add", "--secret", "JBSW", "Y3DP"]),
            "the argument '--secret <BASE32>' cannot be used with '[URI]' (quote values that contain spaces) (see `nyckel --help`)"
        );
        assert_eq!(
            message(&["add", "--secret", "A", "--secret", "B"]),
            "the argument '--secret <BASE32>' cannot be used multiple times (see `nyckel --help`)"
        );
    }
}
