//! Command-line arguments (clap derive). Behaviour lives in [`crate::commands`].

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// nyckel — an open authenticator: one-time codes from an encrypted vault.
///
/// The passphrase is read from NYCKEL_PASSPHRASE, or asked for when stdin is a terminal.
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
