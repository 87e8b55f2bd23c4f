//! `nyckel approve`: fetch the sign-in requests waiting for this computer, show who is
//! signing in where, and answer them with the number from the sign-in page (number
//! matching), or deny or report them.
//!
//! The computer never knows the number: the provider shows it only on the sign-in page and
//! checks what the user typed. So nothing here prints a number, except the user's own
//! typing echoed by the terminal.

use std::cell::RefCell;
use std::collections::HashSet;
use std::io::Write;
use std::sync::Arc;
use std::time::{Duration, Instant};

use nyckel_core::approvals::{ApprovalError, Approvals, PendingSignIn, VaultAccess};
use nyckel_core::protocol::{
    Decision, KeyStoreError, ProtocolError, RequestKind, RespondAnswer, RespondOutcome,
};
use nyckel_core::vault::StoredEnrollment;
use serde::Serialize;

use super::enrollments::{confirm, enrollment_label, no_enrollments, resolve};
use super::{now, stdin_is_terminal, Context};
use crate::cli::ApproveArgs;
use crate::error::{CliError, Result};
use crate::keys::DeviceKeys;
use crate::output::{self, clean, Term};
use crate::pin::{self, CliPin};
use nyckel_http::Transport;

/// The question asked for each request on a terminal.
pub const QUESTION: &str =
    "Type the number shown on the sign-in screen (or d = deny, r = report): ";

/// A sign-in request as `approve --json` lists it. Never the nonce; never a number.
#[derive(Debug, Serialize)]
pub struct PendingJson {
    /// The request id (for `--request`).
    pub request_id: String,
    /// The enrollment it is for.
    pub enrollment_id: i64,
    /// The provider's display name.
    pub issuer: String,
    /// The account.
    pub account: String,
    /// "push" (after a password) or "passwordless" (phone sign-in).
    pub kind: &'static str,
    /// The application asking.
    pub app: String,
    /// The client's IP address.
    pub ip: String,
    /// Approximate location ("" when unknown).
    pub location: String,
    /// When the sign-in started (Unix seconds, provider time).
    pub created_at: i64,
    /// When the request expires (Unix seconds, provider time).
    pub expires_at: i64,
    /// Seconds left.
    pub seconds_left: i64,
}

impl PendingJson {
    /// The JSON view of a request.
    pub fn new(p: &PendingSignIn) -> Self {
        let r = &p.request;
        PendingJson {
            request_id: r.id.clone(),
            enrollment_id: p.enrollment_id,
            issuer: p.issuer.clone(),
            account: r.account_name.clone(),
            kind: r.kind.as_str(),
            app: r.app.clone(),
            ip: r.ip.clone(),
            location: r.location.clone(),
            created_at: r.created_at,
            expires_at: r.expires_at,
            seconds_left: p.seconds_left,
        }
    }
}

/// What `approve --json` prints after answering.
#[derive(Debug, Serialize)]
pub struct DecidedJson {
    /// The request.
    #[serde(flatten)]
    pub request: PendingJson,
    /// "approve", "deny" or "report".
    pub decision: &'static str,
    /// "approved", "denied" or "reported".
    pub outcome: &'static str,
    /// A report only: until when new sign-ins are blocked (Unix seconds), when the provider
    /// said.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub blocked_until: Option<i64>,
    /// A report only: whom to contact, when the provider said.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub contact: Option<String>,
}

/// A decision asked for on the command line.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Wanted {
    Approve(u8),
    Deny,
    Report,
}

impl Wanted {
    fn decision(self) -> Decision {
        match self {
            Wanted::Approve(number) => Decision::Approve { number },
            Wanted::Deny => Decision::Deny,
            Wanted::Report => Decision::Report,
        }
    }
}

/// An answer typed at the question.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Answer {
    /// Approve with this number.
    Number(u8),
    /// Deny.
    Deny,
    /// Report.
    Report,
    /// Leave it waiting (empty line).
    Skip,
    /// Something else.
    Invalid,
}

/// Reads what the user typed at [`QUESTION`].
pub fn parse_answer(text: &str) -> Answer {
    let t = text.trim().to_lowercase();
    match t.as_str() {
        "" => Answer::Skip,
        "d" | "deny" | "n" | "no" | "nej" => Answer::Deny,
        "r" | "report" => Answer::Report,
        digits if digits.len() == 2 && digits.bytes().all(|b| b.is_ascii_digit()) => {
            match digits.parse::<u8>() {
                Ok(n) if (10..=99).contains(&n) => Answer::Number(n),
                _ => Answer::Invalid,
            }
        }
        _ => Answer::Invalid,
    }
}

/// Answers or lists the waiting sign-in requests.
pub fn run(ctx: &Context, args: &ApproveArgs) -> Result<()> {
    let wanted = match (args.number, args.deny, args.report) {
        (Some(n), _, _) => Some(Wanted::Approve(n)),
        (None, true, _) => Some(Wanted::Deny),
        (None, false, true) => Some(Wanted::Report),
        _ => None,
    };
    let tty = stdin_is_terminal();
    if !args.yes && !tty {
        match wanted {
            Some(Wanted::Approve(_)) => {
                return Err(CliError::usage(
                    "approving needs --yes when stdin is not a terminal (nyckel cannot show you the request and ask)",
                ))
            }
            Some(Wanted::Report) => {
                return Err(CliError::usage("reporting needs --yes when stdin is not a terminal (nyckel cannot ask you to confirm)"))
            }
            _ => {}
        }
    }
    let mut vault = ctx.unlocked_vault()?;
    let keys = DeviceKeys::load(&vault)?;
    let pin = Arc::new(CliPin::lazy());
    keys.set_pin_source(pin.clone());
    let http = Transport::new();
    let enrollments = vault.enrollments()?;
    if enrollments.is_empty() {
        return Err(no_enrollments());
    }
    let targets: Vec<StoredEnrollment> = match &args.account {
        Some(q) => vec![resolve(&enrollments, q)?.clone()],
        None => enrollments.clone(),
    };
    let vault = RefCell::new(&mut vault);
    let approvals = Approvals::new(&vault, &keys, &http);
    let requests = fetch(&approvals, &targets, args.request.as_deref(), args.wait)?;
    if requests.is_empty() {
        if let Some(id) = &args.request {
            return Err(CliError::usage(format!(
                "no sign-in request with id {} is waiting",
                clean(id)
            )));
        }
        if wanted.is_some() {
            return Err(CliError::usage("no sign-in requests waiting; nothing was answered"));
        }
        if args.json.json {
            return output::print_json(&Vec::<PendingJson>::new());
        }
        return output::print("No sign-in requests waiting.\n");
    }
    let term = ctx.term;
    match wanted {
        Some(w) => scripted(&approvals, &requests, w, args, &pin, term),
        None if tty && !args.json.json => interactive(&approvals, &requests, &pin, term),
        None if args.json.json => {
            output::print_json(&requests.iter().map(PendingJson::new).collect::<Vec<_>>())
        }
        None => {
            let mut text = String::new();
            for p in &requests {
                text.push_str(&render_request(p, &term));
                text.push('\n');
            }
            text.push_str(
                "Approve with `nyckel approve --number N --yes`, N being the number on the sign-in page\n(or --deny, or --report if it was not you; --request ID when several are waiting).\n",
            );
            output::print(&text)
        }
    }
}

/// Fetches the requests waiting for `targets` (only `request` if given), newest first.
/// With `wait`, checks every second until one arrives or the time is up. A provider that
/// cannot be reached does not hide the others (a warning names it); when no provider
/// answers, that is the error.
pub fn fetch<V: VaultAccess>(
    approvals: &Approvals<'_, V>,
    targets: &[StoredEnrollment],
    request: Option<&str>,
    wait: Option<u64>,
) -> Result<Vec<PendingSignIn>> {
    let deadline = wait.map(|s| Instant::now() + Duration::from_secs(s));
    let mut warned: HashSet<i64> = HashSet::new();
    let mut announced = false;
    loop {
        let mut found = Vec::new();
        let mut failures: Vec<(&StoredEnrollment, ApprovalError)> = Vec::new();
        for s in targets {
            match approvals.pending_for(s.id, now()) {
                Ok(list) => found.extend(list),
                Err(e) => failures.push((s, e)),
            }
        }
        if let Some(id) = request {
            found.retain(|p| p.request.id == id);
        }
        let time_up = deadline.is_none_or(|d| Instant::now() >= d);
        let all_failed = !failures.is_empty() && failures.len() == targets.len();
        let only_network = failures.iter().all(|(_, e)| matches!(e, ApprovalError::Transport(_)));
        if found.is_empty() && all_failed && (time_up || !only_network) {
            return Err(failures.swap_remove(0).1.into());
        }
        for (s, e) in &failures {
            if warned.insert(s.id) {
                output::warn(&format!(
                    "could not check {} for sign-in requests: {}",
                    enrollment_label(s),
                    crate::error::one_line(&crate::error::approval_message(e))
                ));
            }
        }
        if !found.is_empty() || time_up {
            found.sort_by_key(|p| std::cmp::Reverse(p.request.created_at));
            return Ok(found);
        }
        if !announced {
            output::note(&format!("Waiting up to {} s for a sign-in request…", wait.unwrap_or(0)));
            announced = true;
        }
        let left = deadline.map_or(Duration::ZERO, |d| d.saturating_duration_since(Instant::now()));
        std::thread::sleep(left.min(Duration::from_secs(1)));
    }
}

/// A request as shown to the user: account, app, where from, when, time left. No number.
pub fn render_request(p: &PendingSignIn, term: &Term) -> String {
    let r = &p.request;
    let kind = match r.kind {
        RequestKind::Push => "Sign-in request",
        RequestKind::Passwordless => "Passwordless sign-in request (phone sign-in)",
    };
    let from = [r.ip.as_str(), r.location.as_str()]
        .iter()
        .filter(|s| !s.is_empty())
        .map(|s| clean(s))
        .collect::<Vec<_>>()
        .join(" · ");
    let age = ((r.expires_at - r.created_at) - p.seconds_left).max(0);
    let rows = vec![
        vec![term.dim("  Account"), term.bold(&clean(&r.account_name))],
        vec![term.dim("  App"), term.bold(&output::or_dash(&r.app))],
        vec![term.dim("  From"), if from.is_empty() { "—".into() } else { from }],
        vec![
            term.dim("  Started"),
            format!("{} ({} s ago)", output::local_time(r.created_at), age),
        ],
        vec![term.dim("  Expires"), format!("in {} s", p.seconds_left)],
        vec![term.dim("  Request"), term.dim(&clean(&r.id))],
    ];
    format!("{} · {}\n{}", term.bold(kind), output::or_dash(&p.issuer), output::table(&rows))
}

/// Sends the decision, mapping a missing PIN to the message that asks for `NYCKEL_PIN`.
pub fn decide<V: VaultAccess>(
    approvals: &Approvals<'_, V>,
    p: &PendingSignIn,
    decision: Decision,
    pin: &CliPin,
) -> Result<RespondAnswer> {
    approvals.decide(p.enrollment_id, &p.request, decision, now()).map_err(|e| match e {
        ApprovalError::Protocol(ProtocolError::KeyStore(KeyStoreError::UserCancelled))
            if pin.was_missing() =>
        {
            pin::no_pin()
        }
        other => other.into(),
    })
}

/// The line shown after the provider accepted a decision.
pub fn outcome_text(p: &PendingSignIn, answer: &RespondAnswer, term: &Term) -> String {
    match answer.outcome {
        RespondOutcome::Approved => format!(
            "{} The sign-in to {} continues on the sign-in page.",
            term.green("Approved."),
            output::or_dash(&p.request.app)
        ),
        RespondOutcome::Denied => format!("{} The sign-in was stopped.", term.yellow("Denied.")),
        RespondOutcome::Reported => {
            let block = answer.block.as_ref();
            let until = match block.and_then(|b| b.until) {
                Some(t) => format!("until {}", output::local_time(t)),
                None => "for a while".to_owned(),
            };
            let contact = match block.and_then(|b| b.contact.as_deref()) {
                Some(c) => format!("\nContact {} if you need to sign in before then.", clean(c)),
                None => String::new(),
            };
            format!(
                "{} The sign-in was stopped, and {} blocks new sign-in requests for {} {until}.{contact}\nIf it was not you, change your password.",
                term.red("Reported."),
                output::or_dash(&p.issuer),
                clean(&p.request.account_name)
            )
        }
    }
}

fn outcome_word(o: RespondOutcome) -> &'static str {
    match o {
        RespondOutcome::Approved => "approved",
        RespondOutcome::Denied => "denied",
        RespondOutcome::Reported => "reported",
    }
}

const REPORT_QUESTION: &str =
    "Report this sign-in as suspicious? It is stopped, and the provider blocks new sign-in requests for the account for a while, your own too. [y/N] ";

fn scripted<V: VaultAccess>(
    approvals: &Approvals<'_, V>,
    requests: &[PendingSignIn],
    wanted: Wanted,
    args: &ApproveArgs,
    pin: &CliPin,
    term: Term,
) -> Result<()> {
    let p = match requests {
        [one] => one,
        many => {
            let ids: Vec<String> = many
                .iter()
                .map(|p| {
                    format!(
                        "{} ({}, {})",
                        clean(&p.request.id),
                        output::or_dash(&p.request.app),
                        clean(&p.request.account_name)
                    )
                })
                .collect();
            return Err(CliError::usage(format!(
                "{} sign-in requests are waiting; choose one with --request ID: {}",
                many.len(),
                ids.join("; ")
            )));
        }
    };
    if !args.json.json {
        output::print(&render_request(p, &term))?;
    }
    if !args.yes {
        let question = match wanted {
            Wanted::Approve(_) => {
                Some(format!("Approve this sign-in to {}? [y/N] ", output::or_dash(&p.request.app)))
            }
            Wanted::Report => Some(REPORT_QUESTION.to_owned()),
            Wanted::Deny => None,
        };
        if let Some(q) = question {
            if !confirm(&q)? {
                return output::print("Nothing was sent; the request is still waiting.\n");
            }
        }
    }
    if matches!(wanted, Wanted::Approve(_)) && p.request.kind == RequestKind::Passwordless {
        pin::check_available()?;
    }
    let decision = wanted.decision();
    let answer = decide(approvals, p, decision, pin)?;
    if args.json.json {
        let block = answer.block.as_ref();
        return output::print_json(&DecidedJson {
            request: PendingJson::new(p),
            decision: decision.as_str(),
            outcome: outcome_word(answer.outcome),
            blocked_until: block.and_then(|b| b.until),
            contact: block.and_then(|b| b.contact.clone()),
        });
    }
    output::print(&format!("{}\n", outcome_text(p, &answer, &term)))
}

fn ask_line(question: &str) -> Result<Option<String>> {
    let mut err = std::io::stderr().lock();
    let _ = err.write_all(question.as_bytes());
    let _ = err.flush();
    super::read_stdin_line("cannot read the answer")
}

fn interactive<V: VaultAccess>(
    approvals: &Approvals<'_, V>,
    requests: &[PendingSignIn],
    pin: &CliPin,
    term: Term,
) -> Result<()> {
    if requests.len() > 1 {
        output::print(&format!(
            "{} sign-in requests are waiting, newest first.\n\n",
            requests.len()
        ))?;
    }
    for (i, p) in requests.iter().enumerate() {
        if i > 0 {
            output::print("\n")?;
        }
        output::print(&render_request(p, &term))?;
        let mut decision = None;
        for _ in 0..3 {
            let Some(line) = ask_line(QUESTION)? else { break };
            match parse_answer(&line) {
                Answer::Number(n) => decision = Some(Decision::Approve { number: n }),
                Answer::Deny => decision = Some(Decision::Deny),
                Answer::Report if confirm(REPORT_QUESTION)? => decision = Some(Decision::Report),
                Answer::Report => continue,
                Answer::Skip => break,
                Answer::Invalid => {
                    output::note("Type the two digits shown on the sign-in page (10-99), d to deny, r to report, or Enter to skip.");
                    continue;
                }
            }
            break;
        }
        let Some(decision) = decision else {
            output::print(&format!("Left waiting; it expires in {} s.\n", p.seconds_left))?;
            continue;
        };
        let answer = decide(approvals, p, decision, pin)?;
        output::print(&format!("{}\n", outcome_text(p, &answer, &term)))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers() {
        assert_eq!(parse_answer("42\n"), Answer::Number(42));
        assert_eq!(parse_answer(" 10 "), Answer::Number(10));
        assert_eq!(parse_answer("09"), Answer::Invalid);
        assert_eq!(parse_answer("100"), Answer::Invalid);
        assert_eq!(parse_answer("4"), Answer::Invalid);
        assert_eq!(parse_answer("d"), Answer::Deny);
        assert_eq!(parse_answer("NEJ"), Answer::Deny);
        assert_eq!(parse_answer("r"), Answer::Report);
        assert_eq!(parse_answer(""), Answer::Skip);
        assert_eq!(parse_answer("yes"), Answer::Invalid);
    }
}
