//! `nyckel demo`: the main job on a throw-away vault, narrated step by step.
//!
//! The demo is a list of [`Step`]s, one function each, run in order against a [`Demo`]
//! (temporary directory, vault, terminal). New features add a step to [`STEPS`].
//! It never prompts and works without a terminal (CI).

use std::path::PathBuf;

use nyckel_core::vault::{Account, KdfParams, Vault, VaultError};
use nyckel_core::OtpKind;

use crate::cli::DemoArgs;
use crate::commands::add::{classify, QrKind};
use crate::commands::code::{self, Shown};
use crate::commands::{activity, list, show_qr};
use crate::error::{CliError, Result};
use crate::output::{self, label, redact_secret, Term};
use crate::{qr, watch};

/// The demo vault's passphrase (the vault is deleted when the demo ends).
pub const DEMO_PASSPHRASE: &str = "korrekt häst batteri häftklammer";

/// A sample account: its URI (as its QR code would carry it) and one line of story.
pub struct Sample {
    /// The otpauth URI.
    pub uri: &'static str,
    /// Where the account comes from.
    pub story: &'static str,
}

/// Accounts added by URI.
pub const SAMPLES: &[Sample] = &[
    Sample {
        uri: "otpauth://totp/Region%20Sk%C3%A5ne:anna.andersson%40skane.se?secret=5JXQUPHIQ3T6PFE2GLHDJTJUZBJPNBE4&issuer=Region%20Sk%C3%A5ne",
        story: "Anna's work account: Region Skåne's MFA set-up page shows this QR code.",
    },
    Sample {
        uri: "otpauth://totp/G%C3%B6teborgs%20Stad%20skolor:karin%40edu.goteborg.se?secret=KCPMADQIQNBJYK357EH2JTOXHDVGJBCD&issuer=G%C3%B6teborgs%20Stad%20skolor&algorithm=SHA1&digits=6&period=30",
        story: "Her daughter's school account (Göteborgs Stad skolor), kept on the family computer.",
    },
    Sample {
        uri: "otpauth://steam/Steam:anna_spelar?secret=SILXWEDHEJCMRCAZRC57UMK6JC276BMV&issuer=Steam",
        story: "A Steam Guard account: five characters instead of digits.",
    },
    Sample {
        uri: "otpauth://hotp/Lunds%20kommun%20VPN:anna?secret=UZYACT5SO2JAR4WZL4JSIATPIL4KJ5UD&issuer=Lunds%20kommun%20VPN&counter=0",
        story: "A HOTP token for a VPN: a new code each time you ask, not each 30 seconds.",
    },
];

/// The account added by scanning a QR image.
pub const SCANNED: Sample = Sample {
    uri: "otpauth://totp/GitHub:anna-andersson?secret=X5CCA2FKYQXNXNQKK7MS2CUR6BBEBQNY&issuer=GitHub&algorithm=SHA1&digits=6&period=30",
    story: "GitHub's two-factor set-up page shows a QR code; here it is saved as a PNG and scanned.",
};

/// The state the steps share.
pub struct Demo {
    /// Deleted when the demo ends.
    pub dir: tempfile::TempDir,
    /// The vault file inside `dir`.
    pub path: PathBuf,
    /// The vault, once created.
    pub vault: Option<Vault>,
    /// What stdout can show.
    pub term: Term,
    /// How long the live codes run.
    pub seconds: u64,
    /// Set by a step to end the demo early (Ctrl-C during the live codes).
    pub stop: bool,
}

impl Demo {
    fn vault(&mut self) -> Result<&mut Vault> {
        self.vault.as_mut().ok_or_else(|| CliError::failure("demo: the vault is not created yet"))
    }

    fn accounts(&mut self) -> Result<Vec<Account>> {
        Ok(self.vault()?.accounts()?)
    }

    fn say(&self, text: &str) -> Result<()> {
        output::print(&format!("{text}\n"))
    }

    fn command(&self, line: &str) -> Result<()> {
        self.say(&self.term.dim(&format!("  $ {line}")))
    }
}

/// One step of the demo.
pub struct Step {
    /// Shown as the step's heading.
    pub title: &'static str,
    /// Does and narrates the step.
    pub run: fn(&mut Demo) -> Result<()>,
}

/// The steps, in order.
pub const STEPS: &[Step] = &[
    Step { title: "Create an encrypted vault", run: create_vault },
    Step { title: "Add accounts from their otpauth:// URIs", run: add_accounts },
    Step { title: "Scan a QR code image", run: scan_image },
    Step { title: "The same QR code twice is refused", run: duplicate },
    Step { title: "Your accounts", run: list_accounts },
    Step { title: "Locked without the passphrase", run: lock_unlock },
    Step { title: "Move an account to a phone: its QR code", run: show_qr_codes },
    Step { title: "Codes right now", run: codes_now },
    Step { title: "HOTP: a new code only when you ask", run: hotp },
    Step { title: "Live codes, like the phone screen", run: live },
    Step { title: "Activity log", run: activity_log },
];

/// Runs every step on a temporary vault.
pub fn run(term: Term, args: &DemoArgs) -> Result<()> {
    let dir = tempfile::Builder::new()
        .prefix("nyckel-demo-")
        .tempdir()
        .map_err(|e| CliError::failure(format!("cannot create a temporary directory: {e}")))?;
    let path = dir.path().join("demo.nyckel");
    let mut demo = Demo { dir, path, vault: None, term, seconds: args.seconds, stop: false };
    demo.say(&format!(
        "{}\n\nThis is what Nyckel does, on a throw-away vault in {}\n(deleted at the end; your own vault is not touched, and nothing asks for input).",
        term.bold("Nyckel demo — an open authenticator"),
        demo.dir.path().display()
    ))?;
    for (i, step) in STEPS.iter().enumerate() {
        let heading = format!("── {}/{} · {} ", i + 1, STEPS.len(), step.title);
        let rule = "─".repeat(64usize.saturating_sub(output::width(&heading)));
        demo.say(&format!("\n{}", term.bold(&format!("{heading}{rule}"))))?;
        (step.run)(&mut demo)?;
        if demo.stop {
            break;
        }
    }
    if let Some(mut vault) = demo.vault.take() {
        vault.lock();
    }
    demo.say(&format!(
        "\n{}\nThe demo vault is deleted now. To use Nyckel for real:\n  nyckel init                 create your vault (asks for a passphrase)\n  nyckel scan QR.png          add an account from a screenshot of its QR code\n  nyckel add 'otpauth://…'    or from its URI\n  nyckel watch                live codes\nEverything else: `nyckel --help` and docs/cli.md.",
        term.bold("That's it.")
    ))
}

fn create_vault(d: &mut Demo) -> Result<()> {
    d.command("nyckel init")?;
    let vault = Vault::create(&d.path, DEMO_PASSPHRASE, KdfParams::FLOOR)?;
    d.vault = Some(vault);
    d.say(&format!(
        "  Created {}.\n  One encrypted file: every account is sealed with AES-256-GCM under a random vault key,\n  and that key is wrapped with the passphrase through Argon2id. (The demo uses the\n  fastest Argon2id setting allowed, 19 MiB; a real `nyckel init` uses 64 MiB.)",
        d.path.display()
    ))
}

fn add_accounts(d: &mut Demo) -> Result<()> {
    for sample in SAMPLES {
        d.say(&format!("\n  {}", sample.story))?;
        d.command(&format!("nyckel add '{}'", narrated(sample.uri)))?;
        let added = d.vault()?.add_uri(sample.uri, nyckel_core::vault::DuplicatePolicy::Reject)?;
        d.say(&format!("  {}", output::added_line(&d.term, &added.account)))?;
        for w in &added.warnings {
            d.say(&format!("  warning: {w}"))?;
        }
    }
    d.say(&format!("\n  {}", d.term.dim("(URIs are shortened here and the secret hidden; `nyckel add` takes the whole URI.)")))
}

fn scan_image(d: &mut Demo) -> Result<()> {
    d.say(&format!("  {}", SCANNED.story))?;
    let png = d.dir.path().join("github-qr.png");
    std::fs::write(&png, qr::render_png(SCANNED.uri, 6)?)
        .map_err(|e| CliError::failure(format!("cannot write {}: {e}", png.display())))?;
    d.command("nyckel scan github-qr.png")?;
    let found = qr::scan_file(&png)?;
    for text in &found.texts {
        d.say(&format!("  Found a QR code: {}", narrated(&output::clean(text))))?;
        if classify(text) == QrKind::Account {
            let added = d.vault()?.add_uri(text, nyckel_core::vault::DuplicatePolicy::Reject)?;
            d.say(&format!("  {}", output::added_line(&d.term, &added.account)))?;
        }
    }
    Ok(())
}

fn duplicate(d: &mut Demo) -> Result<()> {
    d.say("  Scanning Region Skåne's QR code again does not make a second copy:")?;
    d.command(&format!("nyckel add '{}'", narrated(SAMPLES[0].uri)))?;
    match d.vault()?.add_uri(SAMPLES[0].uri, nyckel_core::vault::DuplicatePolicy::Reject) {
        Err(e @ VaultError::Duplicate { .. }) => {
            let message = CliError::from(e).message().unwrap_or_default();
            d.say(&format!("  nyckel: {message}\n  {}", d.term.dim("(exit code 2)")))
        }
        Ok(_) => Err(CliError::failure("demo: the duplicate was not refused")),
        Err(e) => Err(e.into()),
    }
}

fn list_accounts(d: &mut Demo) -> Result<()> {
    d.command("nyckel list")?;
    let accounts = d.accounts()?;
    d.say(&indent(&list::render(&accounts, &d.term)))?;
    d.say(&format!("  {}", d.term.dim("`nyckel list --json` gives the same for scripts (never the secrets).")))
}

fn lock_unlock(d: &mut Demo) -> Result<()> {
    let vault = d.vault()?;
    vault.lock();
    let wrong = vault.unlock_with_passphrase("fel lösenord");
    let right = vault.unlock_with_passphrase(DEMO_PASSPHRASE);
    d.say("  Each command unlocks the vault for itself and locks it again when done.")?;
    d.command("NYCKEL_PASSPHRASE='fel lösenord' nyckel list")?;
    match wrong {
        Err(e @ VaultError::WrongPassphrase) => {
            let message = CliError::from(e).message().unwrap_or_default();
            d.say(&format!("  nyckel: {message}  {}", d.term.dim("(exit code 2)")))?;
        }
        _ => return Err(CliError::failure("demo: a wrong passphrase was accepted")),
    }
    right?;
    d.say("  With the right passphrase (from NYCKEL_PASSPHRASE, or asked for on the terminal) it opens.")
}

fn show_qr_codes(d: &mut Demo) -> Result<()> {
    d.say("  A QR code carries the account's secret, so showing one is logged as an export.\n  Point a phone's authenticator app at one of these to copy the account over.")?;
    let style = show_qr::style(&d.term, false);
    for account in d.accounts()? {
        let uri = d.vault()?.export_uri(account.id, "qr")?;
        d.say("")?;
        d.command(&format!("nyckel show-qr {}", account.id))?;
        d.say(&format!("  {}", d.term.bold(&label(&account.params.issuer, &account.params.name))))?;
        d.say(qr::render_terminal(&uri, style)?.trim_end_matches('\n'))?;
    }
    Ok(())
}

fn codes_now(d: &mut Demo) -> Result<()> {
    d.command("nyckel code")?;
    let now = watch::now();
    let vault = d.vault()?;
    let shown: Vec<Shown> =
        vault.codes_at(now)?.into_iter().map(|c| Shown { account: c.account, code: c.code }).collect();
    let hotp: Vec<Account> = vault.accounts()?.into_iter().filter(|a| a.params.kind == OtpKind::Hotp).collect();
    d.say(&indent(&code::render(&shown, &hotp, &d.term)))?;
    d.say(&format!("  {}", d.term.dim("`nyckel code skåne` shows just the matching accounts.")))
}

fn hotp(d: &mut Demo) -> Result<()> {
    let accounts = d.accounts()?;
    let Some(account) = accounts.iter().find(|a| a.params.kind == OtpKind::Hotp) else { return Ok(()) };
    d.say("  HOTP codes count presses instead of time: each request gives the next code and\n  moves the counter on (saved before the code is shown, so no code is ever shown twice).")?;
    for _ in 0..2 {
        d.command(&format!("nyckel code {}", account.id))?;
        let code = d.vault()?.code(account.id, watch::now())?;
        let counter = d.vault()?.account(account.id)?.params.counter;
        d.say(&format!(
            "  {}  {}  {}",
            label(&account.params.issuer, &account.params.name),
            d.term.bold(&output::group_code(&code.value)),
            d.term.dim(&format!("HOTP, next counter {counter}"))
        ))?;
    }
    d.say("  A plain `nyckel code` (and `nyckel watch`) never advances a HOTP counter.")
}

fn live(d: &mut Demo) -> Result<()> {
    if d.seconds == 0 {
        return d.say("  (skipped: --seconds 0)");
    }
    d.say(&format!(
        "  For {} second{}: each code with a bar that shrinks until it changes.",
        d.seconds,
        if d.seconds == 1 { "" } else { "s" }
    ))?;
    d.command("nyckel watch")?;
    let accounts = d.accounts()?;
    if !watch::run(&accounts, Some(d.seconds), d.term)? {
        d.stop = true;
    }
    Ok(())
}

fn activity_log(d: &mut Demo) -> Result<()> {
    d.command("nyckel activity --limit 12")?;
    let entries = d.vault()?.activity(12)?;
    let names = activity::names(&d.accounts()?);
    d.say(&indent(&activity::render(&entries, &names, &d.term)))?;
    d.say(&format!("  {}", d.term.dim("Additions, edits, deletions and every QR code or URI shown are logged, sealed like the accounts.")))
}

/// A URI shortened for narration: the label and the secret hidden, further parameters elided.
fn narrated(uri: &str) -> String {
    let redacted = redact_secret(uri);
    match redacted.split_once('&') {
        Some((head, _)) => format!("{head}&…"),
        None => redacted,
    }
}

/// Indents every line by two spaces (and drops the final newline).
fn indent(text: &str) -> String {
    text.lines().map(|l| format!("  {l}")).collect::<Vec<_>>().join("\n")
}
