//! Push approvals end to end: the built `nyckel` binary against the reference provider
//! (`nyckel-idp`) started in this test process on 127.0.0.1.

mod common;
#[path = "common/idp.rs"]
mod idp;

use common::*;
use idp::*;

const WRONG_NUMBER: &str =
    "The number did not match. The sign-in was stopped; start it again on the sign-in page.";

/// A vault enrolled with a new user `name` at `idp`; returns the vault and the enroll JSON.
fn enrolled(idp: &Idp, name: &str, totp: bool) -> (TestVault, serde_json::Value) {
    let v = TestVault::new();
    let uri = idp.add_user(name, totp);
    let out = v.run(&["enroll", &uri, "--json"]).json();
    (v, out)
}

fn with_pin(v: &TestVault, args: &[&str], pin: Option<&str>) -> Run {
    let mut cmd = v.cmd(args);
    match pin {
        Some(p) => cmd.env("NYCKEL_PIN", p),
        None => cmd.env_remove("NYCKEL_PIN"),
    };
    output(cmd, args, None)
}

fn approve_number(v: &TestVault, n: u8) -> Run {
    v.run(&["approve", "--number", &n.to_string(), "--yes"])
}

#[test]
fn enroll_with_an_otp_account() {
    let idp = Idp::start();
    let v = TestVault::new();
    let uri = idp.add_user("anna@skane.se", true);
    let out = v.run(&["enroll", &uri]);
    let text = out.ok();
    assert!(text.contains("Enrolled [1] anna@skane.se with Nyckel IdP"), "{text}");
    assert!(text.contains(&idp.base_url()), "provider URL: {text}");
    assert!(text.contains("One-time codes too: Added [1] Nyckel IdP (anna@skane.se)"), "{text}");
    assert!(text.contains("in the provider's list of devices"), "{text}");
    assert!(!text.contains("code="), "no activation code in the output: {text}");
    // The OTP account is a normal account with codes.
    let list = v.run(&["list", "--json"]).json();
    assert_eq!(list.as_array().unwrap().len(), 1);
    assert_eq!(list[0]["name"], "anna@skane.se");
    assert_eq!(v.run(&["code", "--json"]).json()[0]["code"].as_str().unwrap().len(), 6);
    // The enrollment is listed; the provider knows the device by the host name.
    let e = v.run(&["enrollments", "--json"]).json();
    assert_eq!(e.as_array().unwrap().len(), 1);
    assert_eq!(
        keys(&e[0]),
        expect_keys(&[
            "id",
            "issuer",
            "account",
            "provider",
            "device_name",
            "phone_signin",
            "otp_account_id",
            "enrolled_at"
        ])
    );
    assert_eq!(e[0]["phone_signin"], false);
    assert_eq!(e[0]["otp_account_id"], 1);
    assert_eq!(e[0]["provider"], idp.base_url());
    let devices = idp.devices("anna@skane.se");
    assert_eq!(devices.len(), 1);
    assert_eq!(devices[0].name, e[0]["device_name"].as_str().unwrap());
    let table = v.run(&["enrollments"]);
    assert!(
        table.ok().contains("PHONE SIGN-IN") && table.ok().contains("anna@skane.se"),
        "{}",
        table.stdout
    );
    // An enrollment code is single use.
    v.run(&["enroll", &uri]).fails(2, "already used or has expired");
}

#[test]
fn enroll_without_otp_and_with_a_device_name() {
    let idp = Idp::start();
    let v = TestVault::new();
    let uri = idp.add_user("bertil@goteborg.se", false);
    let out = v.run(&["enroll", &uri, "--device-name", "Bertils laptop", "--json"]).json();
    assert!(out["otp_account"].is_null(), "{out}");
    assert_eq!(out["device_name"], "Bertils laptop");
    assert_eq!(out["account"], "bertil@goteborg.se");
    assert_eq!(idp.devices("bertil@goteborg.se")[0].name, "Bertils laptop");
    assert_eq!(v.run(&["list", "--json"]).json(), serde_json::json!([]));
    let again = idp.enroll_code("bertil@goteborg.se");
    let human = v.run(&["enroll", &again]);
    assert!(human.ok().contains("no one-time-code (OTP) account"), "{}", human.stdout);
    // From stdin, keeping the code out of the shell history.
    let third = idp.enroll_code("bertil@goteborg.se");
    v.run_stdin(&["enroll", "-", "--json"], &third).json();
    assert_eq!(v.run(&["enrollments", "--json"]).json().as_array().unwrap().len(), 3);
}

#[test]
fn enroll_from_a_qr_image() {
    let idp = Idp::start();
    let v = TestVault::new();
    let uri = idp.add_user("cecilia@lund.se", true);
    let png = v.file("enroll.png");
    save(&qr_image(&uri, 4), &png);
    let out = v.run(&["enroll", "--scan", png.to_str().unwrap(), "--json"]).json();
    assert_eq!(out["account"], "cecilia@lund.se");
    assert!(!out["otp_account"].is_null());
    // An otpauth QR code is not an enrollment code.
    let otp = v.file("otp.png");
    save(&qr_image(&format!("otpauth://totp/X:y?secret={RFC_SECRET}"), 4), &otp);
    v.run(&["enroll", "--scan", otp.to_str().unwrap()]).fails(2, "nyckel scan");
}

#[test]
fn a_tampered_fingerprint_is_refused_and_nothing_is_stored() {
    let idp = Idp::start();
    let v = TestVault::new();
    let uri = idp.add_user("david@malmo.se", true);
    let (head, rest) = uri.split_once("fp=").unwrap();
    let fp: String = rest.chars().take(43).collect();
    // Another valid fingerprint: change the first character (its bits are all significant).
    let first = if fp.starts_with('A') { 'B' } else { 'A' };
    let forged: String = std::iter::once(first).chain(fp.chars().skip(1)).collect();
    assert_ne!(fp, forged);
    let tampered = format!("{head}fp={forged}{}", &rest[43..]);
    let out = v.run(&["enroll", &tampered]);
    out.fails(2, "does not match the fingerprint");
    assert!(!out.stderr.contains("code="), "no activation code in errors: {}", out.stderr);
    assert_eq!(v.run(&["enrollments", "--json"]).json(), serde_json::json!([]));
    assert_eq!(
        v.run(&["list", "--json"]).json(),
        serde_json::json!([]),
        "the OTP account was not added either"
    );
    assert!(v.run(&["enrollments"]).ok().contains("No enrollments yet"));
}

#[test]
fn bad_enrollment_codes_are_refused_before_the_passphrase() {
    let v = TestVault::new();
    let no_pass = |args: &[&str]| v.run_with_passphrase(args, None);
    no_pass(&["enroll", "otpauth://totp/x?secret=GEZDGNBV"]).fails(2, "nyckel add");
    no_pass(&["enroll", "nyckel-enroll://v1?url=http%3A%2F%2Fidp.example.se&code=abcdefghijklmnopqrst&account=a&fp=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"])
        .fails(2, "https");
    no_pass(&["enroll", "nyckel-enroll://v1?url=x"]).fails(2, "enrollment code");
    v.run(&["enroll", "nyckel-enroll://v1?url=https%3A%2F%2F127.0.0.1%3A1&code=abcdefghijklmnopqrst&account=a&fp=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", "--device-name", ""])
        .fails(2, "--device-name");
}

#[test]
fn pending_requests_show_their_context_and_never_a_number() {
    let idp = Idp::start();
    let (v, _) = enrolled(&idp, "anna@skane.se", false);
    let started = idp.signin("anna@skane.se", false);
    let list = v.run(&["approve", "--json"]).json();
    let list = list.as_array().unwrap();
    assert_eq!(list.len(), 1);
    let r = &list[0];
    assert_eq!(
        keys(r),
        expect_keys(&[
            "request_id",
            "enrollment_id",
            "issuer",
            "account",
            "kind",
            "app",
            "ip",
            "location",
            "created_at",
            "expires_at",
            "seconds_left"
        ]),
        "no number, no nonce"
    );
    assert_eq!(r["request_id"], started.id.as_str());
    assert_eq!(r["app"], APP);
    assert_eq!(r["ip"], IP);
    assert_eq!(r["location"], LOCATION);
    assert_eq!(r["kind"], "push");
    let left = r["seconds_left"].as_i64().unwrap();
    assert!((100..=120).contains(&left), "{left}");
    // Without a terminal and without a decision: listed, with how to answer.
    let text = v.run(&["approve"]);
    let text = text.ok();
    for needle in [APP, IP, LOCATION, "anna@skane.se", "Expires", "in 1", "UTC", "--number N --yes"]
    {
        assert!(text.contains(needle), "{needle:?} in {text}");
    }
    assert!(!text.to_lowercase().contains("number:"), "{text}");
    assert_eq!(idp.state(&started.id), "pending", "listing does not answer");
}

#[test]
fn approving_with_the_right_number_signs_in() {
    let idp = Idp::start();
    let (v, _) = enrolled(&idp, "anna@skane.se", true);
    let started = idp.signin("anna@skane.se", false);
    assert!(idp.complete(&started).is_err(), "not signed in before the approval");
    let out = approve_number(&v, started.number);
    let text = out.ok();
    assert!(text.contains("Approved."), "{text}");
    assert!(text.contains(APP), "{text}");
    assert!(
        !out.stdout.contains(&format!("{}\n", started.number))
            && !out.stderr.contains(&started.number.to_string())
    );
    assert_eq!(idp.state(&started.id), "approved");
    assert!(idp.complete(&started).is_ok(), "the sign-in page completes: signed in");
    // Answered: nothing waits any more, and a second answer finds nothing.
    approve_number(&v, started.number).fails(2, "no sign-in requests waiting");
    assert!(v.run(&["approve"]).ok().contains("No sign-in requests waiting."));
}

#[test]
fn the_browser_tests_command_works() {
    // tests/browser will call exactly this, after reading the number from the page.
    let idp = Idp::start();
    let (v, _) = enrolled(&idp, "eva@umea.se", false);
    let started = idp.signin("eva@umea.se", false);
    let n = started.number.to_string();
    let args =
        ["--vault", v.path.to_str().unwrap(), "approve", "--number", &n, "--yes", "--wait", "10"];
    let mut cmd = bare(&args);
    cmd.env("NYCKEL_PASSPHRASE", PASSPHRASE);
    let out = output(cmd, &args, None);
    assert!(out.ok().contains("Approved."), "{}", out.stdout);
    assert_eq!(idp.state(&started.id), "approved");
}

#[test]
fn a_wrong_number_stops_the_sign_in() {
    let idp = Idp::start();
    let (v, _) = enrolled(&idp, "anna@skane.se", false);
    let started = idp.signin("anna@skane.se", false);
    let wrong = other_number(started.number);
    let out = approve_number(&v, wrong);
    out.fails(2, WRONG_NUMBER);
    assert!(
        !out.stderr.contains(&wrong.to_string())
            && !out.stderr.contains(&started.number.to_string()),
        "{}",
        out.stderr
    );
    assert_eq!(idp.state(&started.id), "wrong_number");
    // The request is dead: the right number cannot revive it.
    approve_number(&v, started.number).fails(2, "no sign-in requests waiting");
    assert!(idp.complete(&started).is_err());
    // Numbers outside 10–99 never leave the computer.
    let next = idp.signin("anna@skane.se", false);
    v.run(&["approve", "--number", "7", "--yes"]).fails(2, "10..=99");
    v.run(&["approve", "--number", "100", "--yes"]).fails(2, "--number");
    assert_eq!(idp.state(&next.id), "pending");
}

#[test]
fn deny_and_report() {
    let idp = Idp::start();
    let (v, _) = enrolled(&idp, "anna@skane.se", false);
    let started = idp.signin("anna@skane.se", false);
    let out = v.run(&["approve", "--deny"]);
    assert!(out.ok().contains("Denied. The sign-in was stopped."), "{}", out.stdout);
    assert_eq!(idp.state(&started.id), "denied");

    let started = idp.signin("anna@skane.se", false);
    // Reporting needs a confirmation; without a terminal that is --yes.
    v.run(&["approve", "--report"]).fails(2, "--yes");
    assert_eq!(idp.state(&started.id), "pending");
    let before = idp.now();
    let out = v.run(&["approve", "--report", "--yes", "--json"]).json();
    assert_eq!(out["decision"], "report");
    assert_eq!(out["outcome"], "reported");
    assert_eq!(out["request_id"], started.id.as_str());
    assert_eq!(idp.state(&started.id), "reported");
    // It says until when (the provider's hour) and, with no helpdesk configured, no contact.
    let until = out["blocked_until"].as_i64().expect("blocked_until");
    assert!((before + 3600..=idp.now() + 3600).contains(&until), "{out}");
    assert!(out.get("contact").is_none(), "{out}");
    // The provider now blocks new sign-in requests for the user.
    let blocked = idp.try_signin("anna@skane.se", false).unwrap_err();
    assert_eq!(blocked.code(), ErrorCode::Blocked);

    // In words, with the administrator's contact, at the local time the block ends.
    idp.provider.unblock_user("anna@skane.se").unwrap();
    idp.provider.set_helpdesk("IT-support 040-123 45 67").unwrap();
    idp.signin("anna@skane.se", false);
    let out = v.cmd(&["approve", "--report", "--yes"]).env("TZ", "UTC").output().unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(out.status.success(), "{text}");
    assert!(text.contains("blocks new sign-in requests for anna@skane.se until 20"), "{text}");
    assert!(text.contains(" UTC."), "{text}");
    assert!(
        text.contains("Contact IT-support 040-123 45 67 if you need to sign in before then."),
        "{text}"
    );
}

#[test]
fn approving_needs_yes_without_a_terminal() {
    let idp = Idp::start();
    let (v, _) = enrolled(&idp, "anna@skane.se", false);
    let started = idp.signin("anna@skane.se", false);
    v.run(&["approve", "--number", &started.number.to_string()]).fails(2, "--yes");
    assert_eq!(idp.state(&started.id), "pending");
}

#[test]
fn an_expired_request_is_not_answered() {
    let cfg = nyckel_idp::Config { request_ttl: 2, ..Default::default() };
    let idp = Idp::with(cfg);
    let (v, _) = enrolled(&idp, "anna@skane.se", false);
    let started = idp.signin("anna@skane.se", false);
    std::thread::sleep(std::time::Duration::from_millis(3100));
    approve_number(&v, started.number).fails(2, "no sign-in requests waiting");
    assert_eq!(idp.state(&started.id), "expired");
}

#[test]
fn a_request_that_expires_while_the_user_types_is_refused() {
    if !have_script() {
        return;
    }
    let idp = Idp::start();
    let (v, _) = enrolled(&idp, "anna@skane.se", false);
    let started = idp.signin("anna@skane.se", false);
    let offset = idp.offset.clone();
    let n = format!("{}\n", started.number);
    let (code, out) = on_terminal(
        &v,
        &["approve"],
        Some(PASSPHRASE),
        &[
            Step::WaitFor("Type the number shown on the sign-in screen"),
            Step::Run(Box::new(move || {
                offset.fetch_add(200, std::sync::atomic::Ordering::SeqCst);
            })),
            Step::Type(&n),
        ],
    );
    assert_eq!(code, 2, "{out}");
    assert!(out.contains("nyckel: the sign-in request expired before it was answered"), "{out}");
    assert_eq!(idp.state(&started.id), "expired");
}

#[test]
fn interactive_approval_on_a_terminal() {
    if !have_script() {
        return;
    }
    let idp = Idp::start();
    let (v, _) = enrolled(&idp, "anna@skane.se", false);
    let started = idp.signin("anna@skane.se", false);
    let n = format!("{}\n", started.number);
    let (code, out) = on_terminal(
        &v,
        &["approve"],
        Some(PASSPHRASE),
        &[
            Step::WaitFor("Type the number shown on the sign-in screen (or d = deny, r = report)"),
            Step::Type("5\n"),
            Step::WaitFor("Type the two digits"),
            Step::Type(&n),
        ],
    );
    assert_eq!(code, 0, "{out}");
    assert!(out.contains(APP) && out.contains(LOCATION), "{out}");
    assert!(out.contains("Approved."), "{out}");
    assert_eq!(idp.state(&started.id), "approved");

    // d denies; a wrong number typed at the prompt stops the sign-in.
    let started = idp.signin("anna@skane.se", false);
    let (code, out) = on_terminal(
        &v,
        &["approve"],
        Some(PASSPHRASE),
        &[Step::WaitFor("Type the number"), Step::Type("d\n")],
    );
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("Denied."), "{out}");
    assert_eq!(idp.state(&started.id), "denied");
    let started = idp.signin("anna@skane.se", false);
    let wrong = format!("{}\n", other_number(started.number));
    let (code, out) = on_terminal(
        &v,
        &["approve"],
        Some(PASSPHRASE),
        &[Step::WaitFor("Type the number"), Step::Type(&wrong)],
    );
    assert_eq!(code, 2, "{out}");
    assert!(out.contains(WRONG_NUMBER), "{out}");
    assert_eq!(idp.state(&started.id), "wrong_number");
}

#[test]
fn phone_signin_with_a_pin() {
    let idp = Idp::start();
    let (v, _) = enrolled(&idp, "anna@skane.se", false);
    // Without a PIN and without a terminal: exit 2, asking for NYCKEL_PIN.
    with_pin(&v, &["phone-signin", "enable", "anna"], None).fails(2, "NYCKEL_PIN");
    with_pin(&v, &["phone-signin", "enable", "anna"], Some("12")).fails(2, "at least 4");
    assert_eq!(v.run(&["enrollments", "--json"]).json()[0]["phone_signin"], false);
    // No passwordless sign-in before it is on.
    assert_eq!(idp.try_signin("anna@skane.se", true).unwrap_err().code(), ErrorCode::NoPhoneSignin);

    let out = with_pin(&v, &["phone-signin", "enable", "anna"], Some("2468"));
    assert!(
        out.ok().contains("Phone sign-in is on for Nyckel IdP (anna@skane.se)"),
        "{}",
        out.stdout
    );
    assert!(!out.stdout.contains("2468") && !out.stderr.contains("2468"));
    assert_eq!(v.run(&["enrollments", "--json"]).json()[0]["phone_signin"], true);
    assert!(idp.devices("anna@skane.se")[0].phone_signin);

    // A passwordless sign-in (user name only), approved with the PIN-gated key.
    let started = idp.signin("anna@skane.se", true);
    let list = v.run(&["approve", "--json"]).json();
    assert_eq!(list[0]["kind"], "passwordless");
    let n = started.number.to_string();
    let approve = ["approve", "--number", n.as_str(), "--yes"];
    with_pin(&v, &approve, None).fails(2, "NYCKEL_PIN");
    let wrong = with_pin(&v, &approve, Some("0000"));
    wrong.fails(2, "wrong PIN");
    assert_eq!(idp.state(&started.id), "pending", "a wrong PIN sends nothing");
    let out = with_pin(&v, &approve, Some("2468"));
    assert!(out.ok().contains("Approved."), "{}", out.stdout);
    assert_eq!(idp.state(&started.id), "approved");
    assert!(idp.complete(&started).is_ok(), "signed in without a password");
    // Denying a passwordless request needs no PIN.
    let started = idp.signin("anna@skane.se", true);
    with_pin(&v, &["approve", "--deny"], None).ok();
    assert_eq!(idp.state(&started.id), "denied");

    // Off again: the provider revokes the key; passwordless sign-ins are refused.
    let out = with_pin(&v, &["phone-signin", "disable", "1", "--json"], None).json();
    assert_eq!(out["phone_signin"], false);
    assert!(!idp.devices("anna@skane.se")[0].phone_signin);
    assert_eq!(idp.try_signin("anna@skane.se", true).unwrap_err().code(), ErrorCode::NoPhoneSignin);
    assert_eq!(v.run(&["enrollments", "--json"]).json()[0]["phone_signin"], false);
}

#[test]
fn one_pin_for_all_phone_signin_keys() {
    let idp = Idp::start();
    let v = TestVault::new();
    v.run(&["enroll", &idp.add_user("anna@skane.se", false)]).ok();
    v.run(&["enroll", &idp.add_user("karin@skane.se", false)]).ok();
    with_pin(&v, &["phone-signin", "enable", "anna"], Some("2468")).ok();
    // The second key must use the same PIN: a wrong one changes nothing.
    with_pin(&v, &["phone-signin", "enable", "karin"], Some("1357")).fails(2, "wrong PIN");
    let e = v.run(&["enrollments", "--json"]).json();
    assert_eq!(e[1]["phone_signin"], false);
    assert!(!idp.devices("karin@skane.se")[0].phone_signin);
    with_pin(&v, &["phone-signin", "enable", "karin"], Some("2468")).ok();
    assert!(idp.devices("karin@skane.se")[0].phone_signin);
    // Ambiguous names list the candidates.
    let out = with_pin(&v, &["phone-signin", "disable", "skane.se"], None);
    out.fails(2, "matches 2 enrollments");
    assert!(
        out.stderr.contains("[1] Nyckel IdP (anna@skane.se)") && out.stderr.contains("[2]"),
        "{}",
        out.stderr
    );
    with_pin(&v, &["phone-signin", "enable", "nobody"], Some("2468"))
        .fails(2, "no enrollment matches");
}

#[test]
fn several_requests_need_a_request_id() {
    let idp = Idp::start();
    let v = TestVault::new();
    v.run(&["enroll", &idp.add_user("anna@skane.se", false)]).ok();
    v.run(&["enroll", &idp.add_user("karin@skane.se", false)]).ok();
    let a = idp.signin("anna@skane.se", false);
    let k = idp.signin("karin@skane.se", false);
    let out = approve_number(&v, a.number);
    out.fails(2, "2 sign-in requests are waiting; choose one with --request ID");
    assert!(out.stderr.contains(&a.id) && out.stderr.contains(&k.id));
    assert_eq!(idp.state(&a.id), "pending");
    v.run(&["approve", "--number", &k.number.to_string(), "--yes", "--request", &k.id]).ok();
    assert_eq!(idp.state(&k.id), "approved");
    // --account picks one enrollment.
    v.run(&["approve", "--account", "anna", "--number", &a.number.to_string(), "--yes"]).ok();
    assert_eq!(idp.state(&a.id), "approved");
    v.run(&["approve", "--request", "nosuchrequest"])
        .fails(2, "no sign-in request with id nosuchrequest");
}

#[test]
fn wait_polls_until_a_request_arrives() {
    let idp = Idp::start();
    let (v, _) = enrolled(&idp, "anna@skane.se", false);
    // Nothing arrives: a listing exits 0, an answer exits 2.
    let start = std::time::Instant::now();
    let out = v.run(&["approve", "--wait", "1"]);
    assert!(out.ok().contains("No sign-in requests waiting."));
    assert!(start.elapsed() >= std::time::Duration::from_millis(900));
    v.run(&["approve", "--deny", "--wait", "1"]).fails(2, "no sign-in requests waiting");

    let args = ["approve", "--json", "--wait", "15"];
    let child = v.cmd(&args).spawn().unwrap();
    std::thread::sleep(std::time::Duration::from_millis(1500));
    let started = idp.signin("anna@skane.se", false);
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(!stderr.contains("panicked"));
    assert!(stderr.contains("Waiting up to 15 s"), "{stderr}");
    let list: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(list[0]["request_id"], started.id.as_str());
}

/// Runs `nyckel ARGS` on `v` in the background, starts a sign-in after 1.5 s, and returns
/// the run's output and the sign-in request's id.
fn answered_while_waiting(idp: &Idp, v: &TestVault, args: &[&str]) -> (Run, String) {
    let child = v.cmd(args).spawn().unwrap();
    std::thread::sleep(std::time::Duration::from_millis(1500));
    let id = idp.signin("anna@skane.se", false).id.clone();
    let run = Run::of(child.wait_with_output().unwrap(), args);
    assert!(run.stderr.contains("Waiting up to 15 s"), "{}", run.stderr);
    (run, id)
}

#[test]
fn wait_answers_the_next_request_with_deny_or_report() {
    let idp = Idp::start();
    let (v, _) = enrolled(&idp, "anna@skane.se", false);
    let (out, id) = answered_while_waiting(&idp, &v, &["approve", "--deny", "--wait", "15"]);
    assert!(out.ok().contains("Denied."), "{}", out.stdout);
    assert_eq!(idp.state(&id), "denied");
    let args = ["approve", "--report", "--yes", "--wait", "15", "--json"];
    let (out, id) = answered_while_waiting(&idp, &v, &args);
    assert_eq!(out.json()["outcome"], "reported");
    assert_eq!(idp.state(&id), "reported");
}

#[test]
fn with_an_unlocked_session_approving_is_the_number_alone() {
    let idp = Idp::start();
    let (v, _) = enrolled(&idp, "anna@skane.se", false);
    v.run(&["unlock", "--for", "1m"]).ok();
    // No passphrase anywhere: the session unlocks, the user only types the number.
    let child = {
        let mut cmd = v.cmd(&["approve", "--json", "--wait", "15"]);
        cmd.env_remove("NYCKEL_PASSPHRASE");
        cmd.spawn().unwrap()
    };
    std::thread::sleep(std::time::Duration::from_millis(1500));
    let started = idp.signin("anna@skane.se", false);
    let listed = child.wait_with_output().unwrap();
    assert!(listed.status.success(), "{}", String::from_utf8_lossy(&listed.stderr));
    let n = started.number.to_string();
    let args = ["approve", "--number", &n, "--yes"];
    let out = v.run_with_passphrase(&args, None);
    assert!(out.ok().contains("Approved."), "{}", out.stdout);
    assert_eq!(idp.state(&started.id), "approved");
    v.run_with_passphrase(&["lock"], None).ok();
    v.run_with_passphrase(&["approve"], None).fails(2, "no passphrase");
}

#[test]
fn activity_shows_sign_in_decisions() {
    let idp = Idp::start();
    let (v, _) = enrolled(&idp, "anna@skane.se", false);
    let s = idp.signin("anna@skane.se", false);
    approve_number(&v, s.number).ok();
    let s = idp.signin("anna@skane.se", false);
    approve_number(&v, other_number(s.number)).fails(2, WRONG_NUMBER);
    idp.signin("anna@skane.se", false);
    v.run(&["approve", "--deny"]).ok();
    with_pin(&v, &["phone-signin", "enable", "1"], Some("2468")).ok();

    let log = v.run(&["activity", "--json"]).json();
    let log = log.as_array().unwrap();
    let events: Vec<&str> = log.iter().map(|e| e["event"].as_str().unwrap()).collect();
    assert_eq!(events, ["phone_signin", "sign_in", "sign_in", "sign_in", "enrolled"], "{log:?}");
    let denied = &log[1];
    for key in [
        "id",
        "at",
        "event",
        "summary",
        "enrollment_id",
        "record",
        "decision",
        "app",
        "ip",
        "location",
        "result",
        "kind",
        "account_name",
        "provider",
        "request_id",
    ] {
        assert!(denied.get(key).is_some(), "{key} in {denied}");
    }
    assert_eq!(denied["decision"], "deny");
    assert_eq!(denied["result"], "denied");
    assert_eq!(denied["app"], APP);
    assert_eq!(denied["ip"], IP);
    assert_eq!(denied["location"], LOCATION);
    assert_eq!(denied["record"]["result"], "denied");
    assert_eq!(log[2]["decision"], "approve");
    assert_eq!(log[2]["result"], "wrong_number");
    assert_eq!(log[3]["result"], "approved");
    assert_eq!(log[0]["enabled"], true);
    let text = serde_json::to_string(log).unwrap();
    assert!(
        !text.contains("nonce") && !text.contains("\"number\""),
        "no nonce or number in the log: {text}"
    );

    let human = v.run(&["activity"]);
    let human = human.ok();
    for needle in [
        "turned phone sign-in on for anna@skane.se",
        &format!("denied sign-in of anna@skane.se to {APP} from {IP}, {LOCATION}"),
        "typed a wrong number for sign-in of anna@skane.se",
        &format!("approved sign-in of anna@skane.se to {APP}"),
        "enrolled anna@skane.se for sign-in approvals with http://127.0.0.1:",
    ] {
        assert!(human.contains(needle), "{needle:?} in {human}");
    }
}

#[test]
fn unenroll_tells_the_provider_and_forgets_the_keys() {
    let idp = Idp::start();
    let (v, _) = enrolled(&idp, "anna@skane.se", true);
    v.run(&["unenroll", "1"]).fails(2, "--yes");
    let out = v.run(&["unenroll", "anna", "--yes"]);
    // Her only way in: said even with --yes (on stderr), with what happens next.
    assert!(
        out.stderr.contains("warning: This is your only way to sign in at Nyckel IdP: after removing it you cannot sign in there again until your administrator gives you a new enrollment code"),
        "{}",
        out.stderr
    );
    let text = out.ok();
    assert!(text.contains("Removed enrollment [1] Nyckel IdP (anna@skane.se); the provider has revoked this computer."), "{text}");
    assert!(text.contains("`nyckel delete 1`"), "the OTP account stays: {text}");
    assert_eq!(v.run(&["enrollments", "--json"]).json(), serde_json::json!([]));
    assert!(idp.devices("anna@skane.se")[0].revoked_at.is_some());
    v.run(&["approve"]).fails(2, "no enrollments yet");
    let log = v.run(&["activity", "--json"]).json();
    assert_eq!(log[0]["event"], "enrollment_removed");
}

#[test]
fn unenrolling_the_last_way_in_warns_in_the_question_and_another_phone_needs_no_warning() {
    let idp = Idp::start();
    let (v, _) = enrolled(&idp, "anna@skane.se", false);
    if have_script() {
        let (code, out) = on_terminal(
            &v,
            &["unenroll", "anna"],
            Some(PASSPHRASE),
            &[Step::WaitFor("[y/N]"), Step::Type("n\n")],
        );
        assert_eq!(code, 0, "{out}");
        assert!(out.contains("This is your only way to sign in at Nyckel IdP"), "{out}");
        assert!(out.contains("use `nyckel transfer export` instead"), "{out}");
        assert!(out.contains("Nothing removed."), "{out}");
        assert!(idp.devices("anna@skane.se")[0].revoked_at.is_none());
    }
    // With a second phone (another vault enrolled with a new code) neither is the last.
    let other = TestVault::new();
    other.run(&["enroll", &idp.enroll_code("anna@skane.se")]).ok();
    let out = v.run(&["unenroll", "anna", "--yes"]);
    assert!(out.ok().contains("the provider has revoked this computer"));
    assert!(!out.stderr.contains("warning"), "{}", out.stderr);
    // Now the other one is.
    let out = other.run(&["unenroll", "anna", "--yes"]);
    assert!(out.stderr.contains("This is your only way to sign in"), "{}", out.stderr);
}

#[test]
fn an_unreachable_provider_is_exit_1() {
    let mut idp = Idp::start();
    let (v, _) = enrolled(&idp, "anna@skane.se", false);
    idp.stop();
    v.run(&["approve"]).fails(1, "cannot reach the provider");
    v.run(&["approve", "--deny"]).fails(1, "cannot reach the provider");
    with_pin(&v, &["phone-signin", "enable", "1"], Some("2468"))
        .fails(1, "cannot reach the provider");
    assert_eq!(v.run(&["enrollments", "--json"]).json()[0]["phone_signin"], false);
    // Removing still works: the keys go, with a warning that the provider was not told.
    let out = v.run(&["unenroll", "1", "--yes"]);
    assert!(out.ok().contains("Removed enrollment [1]"));
    assert!(
        out.stderr.contains("warning: Nyckel could not ask Nyckel IdP whether you have another way to sign in (cannot reach the provider"),
        "{}",
        out.stderr
    );
    assert!(out.stderr.contains("warning: could not tell the provider"), "{}", out.stderr);
}

#[test]
fn a_revoked_device_is_told_so() {
    let idp = Idp::start();
    let (v, _) = enrolled(&idp, "anna@skane.se", false);
    let device = idp.devices("anna@skane.se")[0].device_id.clone();
    idp.revoke_device(&device);
    v.run(&["approve"]).fails(2, "revoked");
}

/// `phone-signin enable anna` on a terminal, choosing `first` and repeating `second`.
fn enable_with_pins(v: &TestVault, first: &str, second: &str) -> (i32, String) {
    on_terminal(
        v,
        &["phone-signin", "enable", "anna"],
        Some(PASSPHRASE),
        &[
            Step::WaitFor("Choose a PIN for phone sign-in"),
            Step::Type(first),
            Step::WaitFor("Repeat the PIN:"),
            Step::Type(second),
        ],
    )
}

#[test]
fn pin_prompts_on_a_terminal() {
    if !have_script() {
        return;
    }
    let idp = Idp::start();
    let (v, _) = enrolled(&idp, "anna@skane.se", false);
    // Chosen twice; a mismatch changes nothing.
    let (code, out) = enable_with_pins(&v, "24680\n", "13579\n");
    assert_eq!(code, 2, "{out}");
    assert!(out.contains("nyckel: the PINs do not match; nothing changed"), "{out}");
    assert!(!idp.devices("anna@skane.se")[0].phone_signin);
    let (code, out) = enable_with_pins(&v, "24680\n", "24680\n");
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("Phone sign-in is \x1b[32mon\x1b[0m for"), "{out}");
    assert!(!out.contains("24680"), "the PIN is not echoed: {out}");
    // A passwordless approval asks for the PIN once, after the number.
    let started = idp.signin("anna@skane.se", true);
    let n = format!("{}\n", started.number);
    let (code, out) = on_terminal(
        &v,
        &["approve"],
        Some(PASSPHRASE),
        &[
            Step::WaitFor("Passwordless sign-in request"),
            Step::WaitFor("Type the number"),
            Step::Type(&n),
            Step::WaitFor("PIN for phone sign-in:"),
            Step::Type("24680\n"),
        ],
    );
    assert_eq!(code, 0, "{out}");
    assert_eq!(out.matches("PIN for phone sign-in:").count(), 1, "{out}");
    assert!(out.contains("Approved."), "{out}");
    assert_eq!(idp.state(&started.id), "approved");
}

/// A lost phone with no other: the administrator's one command (`nyckel-idp user
/// replace-phone NAME --qr FILE.png`, the same library calls) revokes the old phone — its
/// pending request dies with it, it cannot approve any more — and writes a QR code that a new
/// vault enrolls from (`nyckel enroll --scan`), getting the one-time-code account back too.
#[test]
fn a_lost_phone_is_replaced_with_one_admin_command_and_a_qr_code() {
    let idp = Idp::start();
    let (old, _) = enrolled(&idp, "Anna@skane.se", true);
    let waiting = idp.signin("anna@skane.se", false);

    let replaced = idp.provider.replace_phones("ANNA@skane.se").unwrap();
    assert_eq!(replaced.revoked.len(), 1, "{replaced:?}");
    assert_eq!(replaced.enrollment.user, "Anna@skane.se", "the name as added");
    let new = TestVault::new();
    let png = new.file("new-phone.png");
    nyckel_idp::write_qr_png(&png, &replaced.enrollment.enroll_uri).unwrap();
    assert_eq!(idp.state(&waiting.id), "expired", "the pending request died with the phone");
    old.run(&["approve"]).fails(2, "revoked");

    let out = new.run(&["enroll", "--scan", png.to_str().unwrap(), "--json"]).json();
    assert_eq!(out["account"], "Anna@skane.se");
    assert!(!out["otp_account"].is_null(), "the one-time-code account comes with it");
    let devices = idp.devices("anna@skane.se");
    assert_eq!(devices.iter().filter(|d| d.revoked_at.is_none()).count(), 1);
    let started = idp.signin("anna@skane.se", false);
    approve_number(&new, started.number).ok();
    assert_eq!(idp.state(&started.id), "approved");
    // The code is single use.
    TestVault::new().run(&["enroll", "--scan", png.to_str().unwrap()]).fails(2, "already used");
}

/// The exact confirmation `nyckel approve --report` asks on a terminal (issue 10: it warns
/// that the report blocks the user's own new sign-ins too), and what it says after: until
/// when, and whom to contact. English is the CLI's only language.
#[test]
fn reporting_on_a_terminal_warns_that_it_blocks_the_user_too() {
    if !have_script() {
        return;
    }
    const QUESTION: &str = "Report this sign-in as suspicious? It is stopped, and the provider blocks new sign-in requests for the account for a while, your own too. [y/N]";
    let idp = Idp::start();
    idp.provider.set_helpdesk("IT-support 040-123 45 67").unwrap();
    let (v, _) = enrolled(&idp, "anna@skane.se", false);
    let started = idp.signin("anna@skane.se", false);
    let (code, out) = on_terminal(
        &v,
        &["approve", "--report"],
        Some(PASSPHRASE),
        &[Step::WaitFor(QUESTION), Step::Type("n\n")],
    );
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("Nothing was sent; the request is still waiting."), "{out}");
    assert_eq!(idp.state(&started.id), "pending");

    let (code, out) = on_terminal(
        &v,
        &["approve", "--report"],
        Some(PASSPHRASE),
        &[Step::WaitFor(QUESTION), Step::Type("y\n")],
    );
    assert_eq!(code, 0, "{out}");
    assert_eq!(idp.state(&started.id), "reported");
    assert!(out.contains("blocks new sign-in requests for anna@skane.se until 20"), "{out}");
    assert!(
        out.contains("Contact IT-support 040-123 45 67 if you need to sign in before then."),
        "{out}"
    );
    assert_eq!(idp.try_signin("anna@skane.se", false).unwrap_err().code(), ErrorCode::Blocked);
}
