//! `nyckel demo`: the main job on a throw-away vault, narrated step by step.
//!
//! The demo is a list of [`Step`]s, one function each, run in order against a [`Demo`]
//! (temporary directory, vault, terminal). New features add a step to [`STEPS`].
//! It never prompts and works without a terminal (CI).
//!
//! The sign-in steps start the reference provider (`nyckel-idp`) in this process on
//! 127.0.0.1 with a database in the temporary directory, play its administrator and its
//! sign-in page through its library functions, and answer on the "phone" side through the
//! same functions as `nyckel enroll`, `nyckel approve` and `nyckel phone-signin`.

use std::cell::RefCell;
use std::path::PathBuf;
use std::sync::Arc;

use nyckel_core::approvals::{Approvals, PendingSignIn};
use nyckel_core::protocol::Decision;
use nyckel_core::vault::{Account, KdfParams, Vault, VaultError};
use nyckel_core::OtpKind;
use nyckel_idp::{RequestKind as Kind, SigninFrom, Started};

use crate::cli::DemoArgs;
use crate::commands::add::{classify, QrKind};
use crate::commands::approve::{self, Answer};
use crate::commands::code::{self, Shown};
use crate::commands::{activity, enroll, list, phone_signin, show_qr};
use crate::error::{CliError, Result};
use crate::keys::DeviceKeys;
use crate::output::{self, label, redact_secret, Term};
use crate::pin::CliPin;
use crate::{qr, watch};
use nyckel_http::Transport;

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

/// The demo provider's display name.
pub const DEMO_ISSUER: &str = "Region Skåne IdP";
/// The demo user at the provider.
pub const DEMO_USER: &str = "anna@skane.se";
/// Her password at the provider (the demo provider is deleted at the end).
pub const DEMO_PASSWORD: &str = "sommar i Ystad 2025";
/// The demo PIN that gates the phone sign-in key (as `NYCKEL_PIN` would give it).
pub const DEMO_PIN: &str = "2468";
/// What the sign-in page tells the phone about the client.
const DEMO_APP: &str = "Intranätet (Region Skåne)";
const DEMO_IP: &str = "198.51.100.23";
const DEMO_LOCATION: &str = "Malmö, Sverige";

/// The provider the sign-in steps run, in this process.
pub struct DemoIdp {
    /// The server (stopped when dropped).
    pub server: nyckel_idp::ServerHandle,
    /// The provider's public API (its database is in the demo's temporary directory).
    pub provider: nyckel_idp::Provider,
    /// The enrollment code for [`DEMO_USER`].
    pub enroll_uri: String,
    /// The enrollment in the demo vault, once enrolled.
    pub enrollment_id: Option<i64>,
    /// The OTP account the enrollment added, if any.
    pub otp_account_id: Option<i64>,
}

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
    /// The sign-in provider, once started.
    pub idp: Option<DemoIdp>,
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
    Step { title: "Sign-in approvals: a provider on this computer", run: start_provider },
    Step { title: "Enroll for sign-in approvals: scan a QR code", run: enroll_step },
    Step { title: "The one-time code from the same QR code", run: enrolled_code },
    Step { title: "Password, then type the number into Nyckel", run: number_matching },
    Step { title: "A sign-in you did not start: a guess stops it", run: wrong_number },
    Step { title: "Phone sign-in: no password at all", run: passwordless },
    Step { title: "Activity log", run: activity_log },
];

/// Runs every step on a temporary vault.
pub fn run(term: Term, args: &DemoArgs) -> Result<()> {
    let dir = tempfile::Builder::new()
        .prefix("nyckel-demo-")
        .tempdir()
        .map_err(|e| CliError::failure(format!("cannot create a temporary directory: {e}")))?;
    let path = dir.path().join("demo.nyckel");
    let mut demo =
        Demo { dir, path, vault: None, term, seconds: args.seconds, stop: false, idp: None };
    demo.say(&format!(
        "{}\n\nThis is what Nyckel does, on a throw-away vault in {}, with a sign-in provider\nrunning on this computer (both deleted at the end; your own vault is not touched, and\nnothing asks for input).",
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
    if let Some(idp) = demo.idp.take() {
        idp.server.shutdown();
    }
    demo.say(&format!(
        "\n{}\nThe demo vault and provider are deleted now. To use Nyckel for real:\n  nyckel init                   create your vault (asks for a passphrase)\n  nyckel scan QR.png            add an account from a screenshot of its QR code\n  nyckel add 'otpauth://…'      or from its URI\n  nyckel watch                  live codes\n  nyckel enroll --scan QR.png   enroll for sign-in approvals (a nyckel-enroll:// code)\n  nyckel approve                answer sign-in requests with the number on the sign-in page\nEverything else: `nyckel --help` and docs/cli.md.",
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
    d.say(&format!(
        "\n  {}",
        d.term.dim(
            "(URIs are shortened here and the secret hidden; `nyckel add` takes the whole URI.)"
        )
    ))
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
    d.say(&format!(
        "  {}",
        d.term.dim("`nyckel list --json` gives the same for scripts (never the secrets).")
    ))
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
    let shown: Vec<Shown> = vault
        .codes_at(now)?
        .into_iter()
        .map(|c| Shown { account: c.account, code: c.code })
        .collect();
    let hotp: Vec<Account> = vault.accounts_where(|a| a.params.kind == OtpKind::Hotp)?;
    d.say(&indent(&code::render(&shown, &hotp, &d.term)))?;
    d.say(&format!("  {}", d.term.dim("`nyckel code skåne` shows just the matching accounts.")))
}

fn hotp(d: &mut Demo) -> Result<()> {
    let accounts = d.accounts()?;
    let Some(account) = accounts.iter().find(|a| a.params.kind == OtpKind::Hotp) else {
        return Ok(());
    };
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
    if !watch::run(&accounts, None, Some(d.seconds), d.term)? {
        d.stop = true;
    }
    Ok(())
}

fn activity_log(d: &mut Demo) -> Result<()> {
    d.command("nyckel activity --limit 12")?;
    let entries = d.vault()?.activity(12)?;
    let names = activity::names(&d.accounts()?);
    d.say(&indent(&activity::render(&entries, &names, &d.term)))?;
    d.say(&format!(
        "  {}",
        d.term.dim("Additions, edits, deletions, every QR code or URI shown, enrollments and every sign-in\n  decision (with the app and place you saw) are logged, sealed like the accounts.")
    ))
}

// ---------------------------------------------------------------------------------------
// Sign-in approvals against nyckel-idp, in this process

fn idp_error(e: impl std::fmt::Display) -> CliError {
    CliError::failure(format!("demo provider: {e}"))
}

impl Demo {
    fn provider(&self) -> Result<&DemoIdp> {
        self.idp.as_ref().ok_or_else(|| CliError::failure("demo: the provider is not started yet"))
    }

    fn enrollment_id(&self) -> Result<i64> {
        self.provider()?.enrollment_id.ok_or_else(|| CliError::failure("demo: not enrolled yet"))
    }

    /// What the sign-in page does after the password (or the user name, for phone sign-in).
    fn start_signin(&self, kind: Kind) -> Result<Started> {
        let from =
            SigninFrom { app: DEMO_APP.into(), ip: DEMO_IP.into(), location: DEMO_LOCATION.into() };
        self.provider()?.provider.start_signin(DEMO_USER, kind, &from).map_err(idp_error)
    }

    fn signin_state(&self, id: &str) -> Result<String> {
        Ok(self.provider()?.provider.signin_status(id).map_err(idp_error)?.state)
    }

    /// The sign-in page's box with the number.
    fn sign_in_page(&self, number: u8) -> Result<()> {
        let line = format!("Sign-in page: enter this number in your app: {number}");
        let width = output::width(&line) + 2;
        self.say(&format!(
            "  ┌{}┐\n  │ {} │\n  └{}┘",
            "─".repeat(width),
            self.term.bold(&line),
            "─".repeat(width)
        ))
    }

    /// `nyckel approve` as the demo user runs it: fetch, show, type, decide (the same
    /// functions as the command). Returns the outcome's text, or the error's.
    fn approve_by_typing(
        &mut self,
        typed: &str,
        pin: Option<&str>,
    ) -> Result<std::result::Result<String, CliError>> {
        let id = self.enrollment_id()?;
        let term = self.term;
        let vault = self
            .vault
            .as_mut()
            .ok_or_else(|| CliError::failure("demo: the vault is not created yet"))?;
        let keys = DeviceKeys::load(vault)?;
        let cli_pin = Arc::new(match pin {
            Some(p) => CliPin::fixed(p),
            None => CliPin::lazy(),
        });
        keys.set_pin_source(cli_pin.clone());
        let http = Transport::new();
        let target = vault.enrollment(id)?;
        let vault = RefCell::new(vault);
        let approvals = Approvals::new(&vault, &keys, &http);
        let found: Vec<PendingSignIn> = approve::fetch(&approvals, &[target], None, Some(10))?;
        let Some(p) = found.first() else {
            return Err(CliError::failure("demo: the sign-in request did not arrive"));
        };
        output::print(&format!("{}\n", indent(&approve::render_request(p, &term))))?;
        output::print(&format!("  {}{}\n", approve::QUESTION, term.bold(typed)))?;
        let decision = match approve::parse_answer(typed) {
            Answer::Number(number) => Decision::Approve { number },
            Answer::Deny => Decision::Deny,
            Answer::Report => Decision::Report,
            Answer::Skip | Answer::Invalid => return Err(CliError::failure("demo: not an answer")),
        };
        Ok(match approve::decide(&approvals, p, decision, &cli_pin) {
            Ok(outcome) => Ok(approve::outcome_text(p, &outcome, &term)),
            Err(e) => Err(e),
        })
    }

    /// The sign-in page after an approval: completes the sign-in (opens a session).
    fn finish_on_page(&self, started: &Started) -> Result<()> {
        let state = self.signin_state(&started.id)?;
        if state != "approved" {
            return Err(CliError::failure(format!(
                "demo: the provider says {state}, not approved"
            )));
        }
        self.provider()?.provider.complete_signin(started).map_err(idp_error)?;
        self.say(&format!("  Sign-in page: {} as {DEMO_USER}.", self.term.green("signed in")))
    }
}

fn start_provider(d: &mut Demo) -> Result<()> {
    let cfg =
        nyckel_idp::Config { issuer: DEMO_ISSUER.to_owned(), ..nyckel_idp::Config::default() };
    let provider =
        nyckel_idp::Provider::open(d.dir.path().join("idp.db"), cfg).map_err(idp_error)?;
    let server = provider.spawn("127.0.0.1:0").map_err(|e| {
        CliError::failure(format!("cannot start the demo provider on 127.0.0.1: {e}"))
    })?;
    d.say(&format!(
        "  Nyckel also approves sign-ins: a provider shows a two-digit number on its sign-in page,\n  and you type it into Nyckel. Here the reference provider, nyckel-idp, runs inside this\n  demo on {} (loopback only, a temporary database).",
        server.base_url
    ))?;
    d.say("\n  Its administrator adds Anna, with a password and a TOTP secret, and gets her enrollment code:")?;
    d.command(&format!("nyckel-idp user add {DEMO_USER} --password … --totp"))?;
    let mut idp = DemoIdp {
        server,
        provider,
        enroll_uri: String::new(),
        enrollment_id: None,
        otp_account_id: None,
    };
    let e = idp.provider.add_user(DEMO_USER, Some(DEMO_PASSWORD), true).map_err(idp_error)?;
    idp.enroll_uri = e.enroll_uri;
    d.say(&format!("  Added {DEMO_USER}. Enrollment code: {}", narrated_enroll(&idp.enroll_uri)))?;
    d.idp = Some(idp);
    Ok(())
}

/// An enrollment URI for narration: the provider and account, never the activation code
/// or the embedded secret.
fn narrated_enroll(uri: &str) -> String {
    let account = uri.split(['?', '&']).find_map(|p| p.strip_prefix("account=")).unwrap_or("…");
    format!("nyckel-enroll://v1?url=…&code=…&account={account}&fp=…&otp=…")
}

fn enroll_step(d: &mut Demo) -> Result<()> {
    let uri = d.provider()?.enroll_uri.clone();
    d.say("  Her account page shows the enrollment code as a QR code. It holds a single-use activation\n  code, the provider's key fingerprint (Nyckel pins that key) and, here, her TOTP secret:")?;
    let style = show_qr::style(&d.term, false);
    d.say(qr::render_terminal(&uri, style)?.trim_end_matches('\n'))?;
    let png = d.dir.path().join("enroll-qr.png");
    std::fs::write(&png, qr::render_png(&uri, 4)?)
        .map_err(|e| CliError::failure(format!("cannot write {}: {e}", png.display())))?;
    d.say("  A screenshot of it, scanned:")?;
    d.command("nyckel enroll --scan enroll-qr.png --device-name \"Annas dator\"")?;
    let found = qr::scan_file(&png)?;
    let scanned = found
        .texts
        .iter()
        .find(|t| t.starts_with("nyckel-enroll:"))
        .ok_or_else(|| CliError::failure("demo: the enrollment QR code did not scan"))?
        .clone();
    let vault = d.vault()?;
    let enrolled = enroll::enroll(vault, &scanned, "Annas dator")?;
    d.say(&indent(&enroll::render(&enrolled, &d.term)))?;
    d.say(&format!(
        "  {}",
        d.term.dim("A new device key was made for this enrollment and saved, sealed, in the vault; the provider\n  knows only its public half.")
    ))?;
    let idp = d.idp.as_mut().ok_or_else(|| CliError::failure("demo: no provider"))?;
    idp.enrollment_id = Some(enrolled.enrollment_id);
    idp.otp_account_id = enrolled.otp_account.map(|a| a.id);
    Ok(())
}

fn enrolled_code(d: &mut Demo) -> Result<()> {
    let Some(id) = d.provider()?.otp_account_id else {
        return d.say("  (The enrollment code carried no OTP account.)");
    };
    d.command("nyckel code anna@skane.se")?;
    let now = watch::now();
    let account = d.vault()?.account(id)?;
    let code = d.vault()?.code(id, now)?;
    let shown = vec![Shown { account: Arc::new(account), code }];
    d.say(&indent(&code::render(&shown, &[], &d.term)))?;
    d.say("  nyckel-idp has no one-time-code check on its sign-in page, so the code is only shown here;\n  a provider that asks for one takes it as the second factor, with or without push approvals.")
}

fn number_matching(d: &mut Demo) -> Result<()> {
    d.say(&format!("  Anna opens {DEMO_APP} and signs in as {DEMO_USER} with her password."))?;
    let ok = d.provider()?.provider.check_password(DEMO_USER, DEMO_PASSWORD).map_err(idp_error)?;
    if !ok {
        return Err(CliError::failure("demo: the provider refused the password"));
    }
    let started = d.start_signin(Kind::Push)?;
    d.say("  The password is right; the sign-in page now shows a number and waits for her app:\n")?;
    d.sign_in_page(started.number)?;
    d.say("\n  Nyckel fetches the request (signed by the provider) and shows what it is about, but not the\n  number: that is only on the sign-in page. Anna reads it there and types it:")?;
    d.command("nyckel approve")?;
    let typed = started.number.to_string();
    match d.approve_by_typing(&typed, None)? {
        Ok(text) => d.say(&indent(&text))?,
        Err(e) => return Err(e),
    }
    d.finish_on_page(&started)
}

fn wrong_number(d: &mut Demo) -> Result<()> {
    d.say("  Someone who has Anna's password signs in from elsewhere. A push Anna can just tap \"yes\" on\n  is what attackers count on; here her app asks for the number on *their* screen:\n")?;
    let started = d.start_signin(Kind::Push)?;
    d.sign_in_page(started.number)?;
    d.say("\n  Anna cannot see that page. Tired of the prompts, she guesses:")?;
    d.command("nyckel approve")?;
    let guess = if started.number == 99 { 10 } else { started.number + 1 };
    match d.approve_by_typing(&guess.to_string(), None)? {
        Ok(_) => return Err(CliError::failure("demo: a wrong number was accepted")),
        Err(e) => d.say(&format!(
            "  nyckel: {}  {}",
            e.message().unwrap_or_default(),
            d.term.dim(&format!("(exit code {})", e.exit_code()))
        ))?,
    }
    let state = d.signin_state(&started.id)?;
    if state != "wrong_number" {
        return Err(CliError::failure(format!(
            "demo: the provider says {state}, not wrong_number"
        )));
    }
    d.say("  The provider has stopped that sign-in for good: not even the right number revives it, and the\n  sign-in page tells the other person so. (`nyckel approve --deny` says no outright; `--report`\n  also blocks new sign-in requests for a while.)")
}

fn passwordless(d: &mut Demo) -> Result<()> {
    d.say("  Phone sign-in adds a second key, locked with a PIN (on a phone: a fingerprint or face),\n  that approves sign-ins with the user name alone.")?;
    d.command(&format!("NYCKEL_PIN=… nyckel phone-signin enable {DEMO_USER}"))?;
    let id = d.enrollment_id()?;
    phone_signin::enable(d.vault()?, id, CliPin::fixed(DEMO_PIN))?;
    d.say(&format!("  Phone sign-in is {} for {DEMO_ISSUER} ({DEMO_USER}).", d.term.green("on")))?;
    d.say(&format!("\n  Anna chooses \"Sign in with the phone\" and gives only {DEMO_USER}:\n"))?;
    let started = d.start_signin(Kind::Passwordless)?;
    d.sign_in_page(started.number)?;
    d.say("")?;
    d.command("NYCKEL_PIN=… nyckel approve")?;
    let typed = started.number.to_string();
    match d.approve_by_typing(&typed, Some(DEMO_PIN))? {
        Ok(text) => d.say(&indent(&text))?,
        Err(e) => return Err(e),
    }
    d.finish_on_page(&started)?;
    d.say(&format!("  {}", d.term.dim("No password was typed: the PIN-locked key signed the approval, and the provider checked\n  that it was that key, with user verification.")))
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
