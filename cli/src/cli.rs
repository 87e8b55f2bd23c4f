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
    /// Parse an otpauth:// URI and show what it contains, with its code (no vault needed).
    Inspect(InspectArgs),
    /// Walk through Nyckel on a temporary vault (no prompts; your vault is not touched).
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
    /// Account id (see `nyckel list`)
    pub id: i64,
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
    /// Account id (see `nyckel list`)
    pub id: i64,
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
    /// Account id (see `nyckel list`)
    pub id: i64,
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

/// `nyckel demo`.
#[derive(Debug, Args)]
pub struct DemoArgs {
    /// How long to show live codes, in seconds
    #[arg(long, value_name = "N", default_value_t = 6)]
    pub seconds: u64,
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use super::{Cli, Command};

    #[test]
    fn a_request_id_starting_with_a_dash_is_a_value() {
        // Request ids are base64url: one in 64 starts with '-'.
        let cli = Cli::try_parse_from(["nyckel", "approve", "--request", "-KlbsQnJWrLWNMAPJKXkzg", "--deny"]).unwrap();
        match cli.command {
            Command::Approve(args) => assert_eq!(args.request.as_deref(), Some("-KlbsQnJWrLWNMAPJKXkzg")),
            _ => panic!("not approve"),
        }
    }
}
