//! The account page's "Jag har tappat telefonen", over loopback: another phone's approval (with
//! number matching) or the password and a one-time code revokes the lost phone at once — its
//! pending requests die, the sessions end, it can no longer approve — while the session alone,
//! the lost phone's own approval, a cross-site post and a user without a second method change
//! nothing.

mod oidc_support;

use std::sync::atomic::Ordering;

use nyckel_core::error::{Classify, ErrorKind};
use nyckel_core::otpauth::OtpParams;
use nyckel_core::protocol::{self as p, Decision, EnrollUri, HttpResponse};
use nyckel_core::random::SystemRandom;
use nyckel_idp::{RequestKind, SigninFrom};
use oidc_support::*;

/// Anna's password on the sign-in page: the browser, the request, its token and number.
fn password_typed(idp: &Idp) -> (Browser, String, String, u8) {
    let mut browser = Browser::default();
    let fields = [("username", "anna"), ("mode", "password"), ("password", PASSWORD)];
    let body = text(&browser.post(&idp.url("/signin"), &form(&fields)));
    let (id, token) = (attr(&body, "data-request").unwrap(), attr(&body, "data-token").unwrap());
    (browser, id, token, number_on(&body))
}

fn completed(idp: &Idp, mut browser: Browser, id: &str, token: &str) -> Browser {
    let done = browser.post(&idp.url(&format!("/signin/complete/{id}?t={token}")), "");
    assert_eq!(done.status, 200, "{}", text(&done));
    browser
}

/// Signs anna in on the pages with `phone`'s approval: a browser with a session.
fn signed_in(idp: &Idp, phone: &mut Phone) -> Browser {
    let (browser, id, token, number) = password_typed(idp);
    phone.decide(&id, Decision::Approve { number });
    completed(idp, browser, &id, &token)
}

/// Signs anna in with her first phone's approval.
fn signed_in_by_first(idp: &mut Idp) -> Browser {
    let (browser, id, token, number) = password_typed(idp);
    idp.phone.decide(&id, Decision::Approve { number });
    completed(idp, browser, &id, &token)
}

/// Enrolls a second phone for anna (the clock then moves a second: sessions opened after it
/// began later than the phone was added).
fn second_phone(idp: &Idp) -> Phone {
    let phone = enroll(idp, &idp.provider.issue_enrollment("anna").unwrap().enroll_uri);
    idp.advance(1);
    phone
}

fn enroll(idp: &Idp, uri: &str) -> Phone {
    let uri = EnrollUri::parse(uri).unwrap();
    let keys = p::SoftwareKeyStore::new();
    let at = now() + idp.offset.load(Ordering::SeqCst);
    let (req, st) = p::enroll::begin(&uri, "Ny telefon", None, &keys, &SystemRandom, at).unwrap();
    Phone { enrollment: st.finish(&send(&req), at).unwrap(), keys }
}

fn active(idp: &Idp) -> Vec<String> {
    let devices = idp.provider.devices("anna").unwrap();
    devices.into_iter().filter(|d| d.revoked_at.is_none()).map(|d| d.device_id).collect()
}

fn post(idp: &Idp, browser: &mut Browser, path: &str, fields: &[(&str, &str)]) -> HttpResponse {
    browser.post(&idp.url(path), &form(fields))
}

/// The approval step-up's number page for losing `device`: (request, token, number).
fn start_approval(idp: &Idp, browser: &mut Browser, device: &str) -> (String, String, u8) {
    let page = post(idp, browser, "/account/devices/lost/approve", &[("device", device)]);
    assert_eq!(page.status, 200, "{}", text(&page));
    let body = text(&page);
    let number = hidden(&body, "n").unwrap().parse().unwrap();
    (hidden(&body, "request").unwrap(), hidden(&body, "t").unwrap(), number)
}

fn confirm(idp: &Idp, b: &mut Browser, device: &str, request: &str, t: &str) -> HttpResponse {
    let fields = [("device", device), ("request", request), ("t", t), ("n", "0")];
    post(idp, b, "/account/devices/lost/confirm", &fields)
}

fn kinds(idp: &Idp) -> Vec<(String, String, String)> {
    let events = idp.provider.events(Some("anna"), 100).unwrap();
    events.into_iter().map(|e| (e.kind, e.detail, e.ip)).collect()
}

#[test]
fn another_phone_approves_and_the_lost_one_is_revoked_with_its_requests_and_sessions() {
    let mut idp = Idp::start();
    let lost = idp.phone.enrollment.device_id.clone();
    let mut other = second_phone(&idp);
    let mut browser = signed_in(&idp, &mut other);
    let mut second_browser = signed_in(&idp, &mut other);

    let account = text(&browser.get(&idp.url("/account")));
    assert!(account.contains("aria-label=\"Jag har tappat telefonen Telefon\""), "{account}");
    let choice = post(&idp, &mut browser, "/account/devices/lost", &[("device", &lost)]);
    assert_eq!(choice.status, 200, "{}", text(&choice));
    let body = text(&choice);
    assert!(body.contains("id=\"lost-approve\"") && body.contains("Spärra Telefon?"), "{body}");
    assert!(!body.contains("lost-no-method") && !body.contains("lost-last"), "{body}");
    assert!(!body.contains("id=\"lost-code\""), "no one-time code: {body}");

    let (request, token, number) = start_approval(&idp, &mut browser, &lost);
    // Not approved yet: the page says so, nothing is revoked.
    let early = confirm(&idp, &mut browser, &lost, &request, &token);
    assert_eq!(early.status, 409, "{}", text(&early));
    assert!(text(&early).contains("id=\"lost-waiting\""));
    assert_eq!(active(&idp).len(), 2);

    // Only the other phone is notified and sees the request; the lost one never does.
    let triggers = idp.provider.push_triggers(&request).unwrap();
    let notified: Vec<_> = triggers.iter().map(|t| t.device_id.as_str()).collect();
    assert_eq!(notified, [other.enrollment.device_id.as_str()]);
    assert!(pending_on(&mut idp.phone).iter().all(|r| r.id != request));
    let seen = pending_on(&mut other).into_iter().find(|r| r.id == request).expect("listed");
    assert!(seen.app.contains("spärra en tappad telefon"), "{}", seen.app);

    other.decide(&request, Decision::Approve { number });
    // A sign-in started with the (stolen) password, still waiting, dies with the lost phone.
    let from = SigninFrom { app: "A".into(), ip: "198.51.100.7".into(), location: String::new() };
    let waiting = idp.provider.start_signin("anna", RequestKind::Push, &from).unwrap();

    let done = confirm(&idp, &mut browser, &lost, &request, &token);
    assert_eq!(done.status, 200, "{}", text(&done));
    assert!(text(&done).contains("id=\"lost-done\""));
    assert_eq!(active(&idp), vec![other.enrollment.device_id.clone()]);
    assert_eq!(idp.provider.signin_status(&waiting.id).unwrap().state, "expired");
    for b in [&mut browser, &mut second_browser] {
        assert_eq!(b.get(&idp.url("/account")).status, 303, "signed out everywhere");
    }
    let events = kinds(&idp);
    assert!(events.contains(&("device_lost".into(), lost.clone(), "127.0.0.1".into())));
    assert!(events.iter().any(|(k, d, ip)| k == "step_up_passed"
        && d.contains("another phone's approval")
        && ip == "127.0.0.1"));

    // The revoked phone answering the request it saw: a typed refusal.
    let decision = Decision::Approve { number };
    let answer =
        p::respond(&mut idp.phone.enrollment, &seen, decision, &idp.phone.keys, now()).unwrap();
    let refused = p::parse_respond_result(&idp.phone.enrollment, &seen, decision, &send(&answer))
        .unwrap_err();
    assert_eq!(refused.kind(), ErrorKind::DeviceRevoked, "{refused:?}");
    let (req, fetch) =
        p::fetch_pending(&idp.phone.enrollment, &idp.phone.keys, &SystemRandom, now()).unwrap();
    let refused =
        p::parse_pending(&mut idp.phone.enrollment, &fetch, &send(&req), now()).unwrap_err();
    assert_eq!(refused.kind(), ErrorKind::DeviceRevoked, "{refused:?}");
    // The other phone still signs in.
    signed_in(&idp, &mut other);
}

/// The requests `phone` lists.
fn pending_on(phone: &mut Phone) -> Vec<p::PendingRequest> {
    let (req, fetch) =
        p::fetch_pending(&phone.enrollment, &phone.keys, &SystemRandom, now()).unwrap();
    p::parse_pending(&mut phone.enrollment, &fetch, &send(&req), now()).unwrap()
}

/// `phone` answers `request` (as another phone listed it) with `decision`: the provider's
/// answer.
fn answer_as(phone: &mut Phone, request: &p::PendingRequest, decision: Decision) -> HttpResponse {
    let req = p::respond(&mut phone.enrollment, request, decision, &phone.keys, now()).unwrap();
    send(&req)
}

#[test]
fn the_lost_phone_never_sees_its_removal_and_can_neither_deny_report_nor_approve_it() {
    let mut idp = Idp::start();
    let lost = idp.phone.enrollment.device_id.clone();
    let mut other = second_phone(&idp);
    let mut browser = signed_in(&idp, &mut other);
    let (request, token, number) = start_approval(&idp, &mut browser, &lost);
    assert!(pending_on(&mut idp.phone).iter().all(|r| r.id != request), "never listed");
    // Whoever holds the lost phone learns the request anyway (here: as the other phone
    // lists it) and answers it with the lost phone's own key: to it there is no such request.
    let seen = pending_on(&mut other).into_iter().find(|r| r.id == request).unwrap();
    for decision in [Decision::Report, Decision::Deny, Decision::Approve { number }] {
        let answer = answer_as(&mut idp.phone, &seen, decision);
        assert_eq!(answer.status, 404, "{decision:?}: {}", text(&answer));
        assert_eq!(json(&answer)["error"], "not_found", "as for an unknown request");
    }
    assert_eq!(idp.provider.signin_status(&request).unwrap().state, "pending", "untouched");
    let blocked = idp.provider.users().unwrap().into_iter().find(|u| u.name == "anna").unwrap();
    assert_eq!(blocked.blocked_until, 0, "the report blocked nobody");

    // The other phone still approves, and the lost one is revoked.
    other.decide(&request, Decision::Approve { number });
    let done = confirm(&idp, &mut browser, &lost, &request, &token);
    assert_eq!(done.status, 200, "{}", text(&done));
    assert_eq!(active(&idp), vec![other.enrollment.device_id.clone()]);
}

#[test]
fn another_users_request_cannot_serve_as_the_approval() {
    let idp = Idp::start();
    let lost = idp.phone.enrollment.device_id.clone();
    let mut other = second_phone(&idp);
    let mut browser = signed_in(&idp, &mut other);
    // Nor can another user's approval (or a request id from elsewhere) serve.
    let mut bertil = Phone::enroll(&idp.provider, "bertil");
    let from = SigninFrom { app: "A".into(), ip: "198.51.100.7".into(), location: String::new() };
    let theirs = idp.provider.start_signin("bertil", RequestKind::Push, &from).unwrap();
    bertil.decide(&theirs.id, Decision::Approve { number: theirs.number });
    let foreign = confirm(&idp, &mut browser, &lost, &theirs.id, &theirs.status_token);
    assert_eq!(foreign.status, 404, "{}", text(&foreign));
    assert_eq!(active(&idp).len(), 2);
}

#[test]
fn a_phone_added_during_this_session_cannot_approve() {
    let idp = Idp::start();
    let lost = idp.phone.enrollment.device_id.clone();
    let mut older = second_phone(&idp);
    let mut browser = signed_in(&idp, &mut older);
    idp.advance(1);
    // A phone enrolled while the session lasts (here with the administrator's code; a stolen
    // session could have added it as a user's first method) is no second method for revoking
    // a phone the session's owner holds.
    let mut added = enroll(&idp, &idp.provider.issue_enrollment("anna").unwrap().enroll_uri);
    let (request, token, number) = start_approval(&idp, &mut browser, &lost);
    added.decide(&request, Decision::Approve { number });
    let refused = confirm(&idp, &mut browser, &lost, &request, &token);
    assert_eq!(refused.status, 403, "{}", text(&refused));
    assert!(text(&refused).contains("id=\"lost-by-new-phone\""));
    assert_eq!(active(&idp).len(), 3, "nothing revoked");
    assert!(kinds(&idp).iter().any(|(k, d, _)| k == "step_up_refused" && d.contains("added")));
}

#[test]
fn a_phone_added_during_this_session_is_not_offered_as_the_second_method() {
    let mut idp = Idp::start();
    let lost = idp.phone.enrollment.device_id.clone();
    let mut browser = signed_in_by_first(&mut idp);
    idp.advance(1);
    enroll(&idp, &idp.provider.issue_enrollment("anna").unwrap().enroll_uri);
    let choice = post(&idp, &mut browser, "/account/devices/lost", &[("device", &lost)]);
    assert_eq!(choice.status, 409, "{}", text(&choice));
    assert!(text(&choice).contains("id=\"lost-no-method\""));
    let approve = post(&idp, &mut browser, "/account/devices/lost/approve", &[("device", &lost)]);
    assert_eq!(approve.status, 409, "{}", text(&approve));
    assert_eq!(active(&idp).len(), 2, "nothing revoked");
}

#[test]
fn without_a_second_method_the_page_says_to_contact_the_administrator() {
    let mut idp = Idp::start();
    let lost = idp.phone.enrollment.device_id.clone();
    let mut browser = signed_in_by_first(&mut idp);

    let choice = post(&idp, &mut browser, "/account/devices/lost", &[("device", &lost)]);
    assert_eq!(choice.status, 409, "{}", text(&choice));
    let body = text(&choice);
    assert!(body.contains("id=\"lost-no-method\""), "{body}");
    assert!(body.contains("nyckel-idp user enroll anna --qr FIL.png"), "{body}");
    assert!(!body.contains("id=\"lost-approve\"") && !body.contains("id=\"lost-code\""));

    // Going around the page: the session alone revokes nothing.
    let approve = post(&idp, &mut browser, "/account/devices/lost/approve", &[("device", &lost)]);
    assert_eq!(approve.status, 409, "{}", text(&approve));
    let fields = [("device", lost.as_str()), ("password", PASSWORD), ("code", "123456")];
    let code = post(&idp, &mut browser, "/account/devices/lost/code", &fields);
    assert_eq!(code.status, 409, "{}", text(&code));
    assert_eq!(active(&idp), vec![lost]);
    assert_eq!(browser.get(&idp.url("/account")).status, 200, "still signed in");
}

/// Anna with a confirmed one-time code and her one phone: (idp, the app's code account,
/// a signed-in browser).
fn with_code() -> (Idp, OtpParams, Browser) {
    let (mut idp, otp) = Idp::start_with(true);
    let otp = otp.unwrap();
    let mut browser = signed_in_by_first(&mut idp);
    let done = post(&idp, &mut browser, "/account/code", &[("code", &app_code(&idp, &otp, 0))]);
    assert_eq!(done.status, 303, "{}", text(&done));
    // The next time step (the confirming code is used up), and a session begun after the
    // code became a method.
    idp.advance(30);
    let browser = signed_in_by_first(&mut idp);
    (idp, otp, browser)
}

fn app_code(idp: &Idp, otp: &OtpParams, steps: i64) -> String {
    let t = now() + idp.offset.load(Ordering::SeqCst) + 30 * steps;
    otp.code_at(t as u64).unwrap().value
}

#[test]
fn a_one_time_code_confirmed_during_this_session_is_no_second_method() {
    let (mut idp, otp) = Idp::start_with(true);
    let otp = otp.unwrap();
    let lost = idp.phone.enrollment.device_id.clone();
    let mut browser = signed_in_by_first(&mut idp);
    idp.advance(1);
    let done = post(&idp, &mut browser, "/account/code", &[("code", &app_code(&idp, &otp, 0))]);
    assert_eq!(done.status, 303, "{}", text(&done));
    idp.advance(30);
    let choice = post(&idp, &mut browser, "/account/devices/lost", &[("device", &lost)]);
    assert!(text(&choice).contains("id=\"lost-no-method\""), "{}", text(&choice));
    let code = app_code(&idp, &otp, 0);
    let fields = [("device", lost.as_str()), ("password", PASSWORD), ("code", code.as_str())];
    let refused = post(&idp, &mut browser, "/account/devices/lost/code", &fields);
    assert_eq!(refused.status, 409, "{}", text(&refused));
    assert_eq!(active(&idp), vec![lost]);
}

#[test]
fn the_password_and_a_one_time_code_revoke_the_only_phone_after_the_warning() {
    let (idp, otp, mut browser) = with_code();
    let lost = idp.phone.enrollment.device_id.clone();
    let choice = post(&idp, &mut browser, "/account/devices/lost", &[("device", &lost)]);
    assert_eq!(choice.status, 200, "{}", text(&choice));
    let body = text(&choice);
    // The last phone: what happens next is said before anything happens.
    assert!(body.contains("id=\"lost-last\"") && body.contains("administratören"), "{body}");
    assert!(body.contains("id=\"lost-code\"") && !body.contains("id=\"lost-approve\""), "{body}");

    // The session with a wrong password, or a wrong code, is not enough.
    let code = app_code(&idp, &otp, 0);
    let wrong = [("device", lost.as_str()), ("password", "fel"), ("code", code.as_str())];
    let refused = post(&idp, &mut browser, "/account/devices/lost/code", &wrong);
    assert_eq!(refused.status, 401, "{}", text(&refused));
    assert!(text(&refused).contains("id=\"lost-wrong-password\""));
    // The right code with its last digit changed (another step's code only by a one in a
    // million chance).
    let mut other_code = code.clone().into_bytes();
    other_code[5] = b'0' + (other_code[5] - b'0' + 1) % 10;
    let other_code = String::from_utf8(other_code).unwrap();
    let wrong = [("device", lost.as_str()), ("password", PASSWORD), ("code", other_code.as_str())];
    let refused = post(&idp, &mut browser, "/account/devices/lost/code", &wrong);
    assert_eq!(refused.status, 401, "{}", text(&refused));
    assert!(text(&refused).contains("id=\"lost-code-refused\""));
    assert_eq!(active(&idp), vec![lost.clone()]);

    let right = [("device", lost.as_str()), ("password", PASSWORD), ("code", code.as_str())];
    let done = post(&idp, &mut browser, "/account/devices/lost/code", &right);
    assert_eq!(done.status, 200, "{}", text(&done));
    assert!(text(&done).contains("id=\"lost-done\""));
    assert!(active(&idp).is_empty());
    assert_eq!(browser.get(&idp.url("/account")).status, 303);
    let events = kinds(&idp);
    assert!(events.contains(&("device_lost".into(), lost, "127.0.0.1".into())));
    assert!(events.iter().any(|(k, d, _)| k == "step_up_passed" && d.contains("one-time code")));
    assert!(events.iter().any(|(k, d, _)| k == "step_up_refused" && d.contains("wrong password")));
}

#[test]
fn cross_site_and_signed_out_posts_to_each_action_change_nothing() {
    let idp = Idp::start();
    let lost = idp.phone.enrollment.device_id.clone();
    let mut other = second_phone(&idp);
    let mut browser = signed_in(&idp, &mut other);
    let (request, token, number) = start_approval(&idp, &mut browser, &lost);
    other.decide(&request, Decision::Approve { number });

    let code_fields = [("device", lost.as_str()), ("password", PASSWORD), ("code", "123456")];
    let confirm_fields =
        [("device", lost.as_str()), ("request", request.as_str()), ("t", token.as_str())];
    let actions: [(&str, &[(&str, &str)]); 4] = [
        ("/account/devices/lost", &[("device", lost.as_str())]),
        ("/account/devices/lost/approve", &[("device", lost.as_str())]),
        ("/account/devices/lost/confirm", &confirm_fields),
        ("/account/devices/lost/code", &code_fields),
    ];
    let forged = [("Origin", "https://evil.example"), ("Sec-Fetch-Site", "cross-site")];
    for (path, fields) in actions {
        for (header, value) in forged {
            let mut cross = browser.clone();
            cross.extra = vec![(header.into(), value.into())];
            let answer = post(&idp, &mut cross, path, fields);
            assert_eq!(answer.status, 403, "{path} with {header}: {}", text(&answer));
        }
        let anonymous = post(&idp, &mut Browser::default(), path, fields);
        assert_eq!(location(&anonymous), "/signin", "{path}");
    }
    assert_eq!(active(&idp).len(), 2, "nothing revoked");
    assert_eq!(idp.provider.signin_status(&request).unwrap().state, "approved", "not used up");
    assert!(!kinds(&idp).iter().any(|(k, _, _)| k.starts_with("step_up")));

    // The same approval, posted from the page itself, works.
    let done = confirm(&idp, &mut browser, &lost, &request, &token);
    assert_eq!(done.status, 200, "{}", text(&done));
    assert_eq!(active(&idp), vec![other.enrollment.device_id.clone()]);
}

#[test]
fn an_approval_older_than_the_request_and_its_grace_is_not_fresh() {
    let idp = Idp::start();
    let lost = idp.phone.enrollment.device_id.clone();
    let mut other = second_phone(&idp);
    let mut browser = signed_in(&idp, &mut other);
    let (request, token, number) = start_approval(&idp, &mut browser, &lost);
    other.decide(&request, Decision::Approve { number });
    // Keep the session alive past the request's time: the approval itself has gone stale.
    idp.advance(idp.provider.config().request_ttl + 11);
    let late = confirm(&idp, &mut browser, &lost, &request, &token);
    assert_eq!(late.status, 409, "{}", text(&late));
    assert!(text(&late).contains("id=\"lost-not-approved\""));
    assert_eq!(active(&idp).len(), 2);
}

#[test]
fn a_phone_added_after_the_password_and_code_step_up_never_carries_the_codes_secret() {
    let (mut idp, otp, mut browser) = with_code();
    // The session alone shows no code for a new phone.
    let account = text(&browser.get(&idp.url("/account")));
    assert!(!account.contains("nyckel-enroll") && !account.contains("otp="), "{account}");
    let choice = post(&idp, &mut browser, "/account/add", &[("method", "phone")]);
    assert_eq!(choice.status, 200, "{}", text(&choice));
    let body = text(&choice);
    assert!(body.contains("id=\"add-code\"") && body.contains("id=\"add-approve\""), "{body}");
    assert!(!body.contains("nyckel-enroll"), "{body}");

    let code = app_code(&idp, &otp, 0);
    let wrong = [("method", "phone"), ("password", "fel"), ("code", code.as_str())];
    let refused = post(&idp, &mut browser, "/account/add/code", &wrong);
    assert_eq!(refused.status, 401, "{}", text(&refused));
    assert!(text(&refused).contains("id=\"add-wrong-password\""));
    assert!(!text(&refused).contains("nyckel-enroll"));

    let right = [("method", "phone"), ("password", PASSWORD), ("code", code.as_str())];
    let page = post(&idp, &mut browser, "/account/add/code", &right);
    assert_eq!(page.status, 200, "{}", text(&page));
    let page = text(&page);
    let link = attr(&page, "id=\"open-in-app\" href").unwrap();
    let uri = EnrollUri::parse(&link).unwrap();
    assert!(uri.otp.is_none(), "the page does not read the code's secret back: {link}");
    assert!(!page.contains("otp="), "nor as text: {page}");
    let events = kinds(&idp);
    assert!(events.iter().any(|(k, d, ip)| k == "step_up_passed"
        && d == "add phone: password and one-time code"
        && ip == "127.0.0.1"));
    assert!(events
        .iter()
        .any(|(k, d, _)| k == "step_up_refused" && d == "add phone: wrong password"));
    // The administrator's code still carries it (for a new phone's app).
    let admin = EnrollUri::parse(&idp.provider.issue_enrollment("anna").unwrap().enroll_uri);
    assert!(admin.unwrap().otp.is_some());

    // Nor does a transfer give it to the phone added from the page: its enrollment did not
    // carry it. anna's first phone, whose enrollment did, gets it again, marked managed.
    let keys = p::SoftwareKeyStore::new();
    let (req, st) = p::enroll::begin(&uri, "Ny", None, &keys, &SystemRandom, now()).unwrap();
    let mut added = st.finish(&send(&req), now()).unwrap();
    let (req, st) = p::request_transfer(&added, &keys, &SystemRandom, now()).unwrap();
    let offer = st.finish(&mut added, &send(&req), now()).unwrap();
    assert!(!offer.managed_otp, "no secret for a phone that never had it");
    assert!(EnrollUri::parse(&offer.enroll_uri).unwrap().otp.is_none());
    let phone = &mut idp.phone;
    let (req, st) =
        p::request_transfer(&phone.enrollment, &phone.keys, &SystemRandom, now()).unwrap();
    let offer = st.finish(&mut phone.enrollment, &send(&req), now()).unwrap();
    let moved = EnrollUri::parse(&offer.enroll_uri).unwrap();
    assert!(offer.managed_otp && moved.otp_managed && moved.otp.is_some(), "{moved:?}");
}

#[test]
fn a_request_the_lost_phone_could_answer_never_serves_as_the_approval() {
    // Defence in depth: a request of the user's that does not exclude the lost phone (here an
    // ordinary sign-in, its page token in hand) approved by the lost phone is refused and dies.
    let mut idp = Idp::start();
    let lost = idp.phone.enrollment.device_id.clone();
    let mut other = second_phone(&idp);
    let mut browser = signed_in(&idp, &mut other);
    let from = SigninFrom { app: "A".into(), ip: "198.51.100.7".into(), location: String::new() };
    let plain = idp.provider.start_signin("anna", RequestKind::Push, &from).unwrap();
    idp.phone.decide(&plain.id, Decision::Approve { number: plain.number });
    let refused = confirm(&idp, &mut browser, &lost, &plain.id, &plain.status_token);
    assert_eq!(refused.status, 403, "{}", text(&refused));
    assert!(text(&refused).contains("id=\"lost-by-lost-phone\""));
    assert_eq!(idp.provider.signin_status(&plain.id).unwrap().state, "expired", "it died");
    assert_eq!(active(&idp).len(), 2, "nothing revoked");
    assert!(kinds(&idp).iter().any(|(k, d, _)| k == "step_up_refused" && d.contains("lost phone")));
}

/// Signs anna in on the pages with `phone`'s approval: a browser with a session and the
/// recognised-browser cookie the completed sign-in left (which [`Browser`] does not keep by
/// itself: it is sent from now on).
fn signed_in_recognised(idp: &Idp, phone: &mut Phone) -> Browser {
    let (mut browser, id, token, number) = password_typed(idp);
    phone.decide(&id, Decision::Approve { number });
    let done = browser.post(&idp.url(&format!("/signin/complete/{id}?t={token}")), "");
    assert_eq!(done.status, 200, "{}", text(&done));
    let known = done
        .headers
        .iter()
        .filter(|(k, _)| k.eq_ignore_ascii_case("set-cookie"))
        .find_map(|(_, v)| v.split(';').next()?.strip_prefix("nyckel_known=").map(str::to_owned))
        .expect("a recognised-browser cookie");
    browser.extra.push(("Cookie".into(), format!("nyckel_known={known}")));
    browser
}

#[test]
fn the_lost_phone_step_up_in_a_recognised_browser_is_kept_through_a_botnet() {
    // The approval step-up starts a sign-in request like the sign-in page, and reads the
    // recognised-browser cookie like it: with a botnet holding the password filling what the
    // app lists, the step-up in the user's own browser still gets its request; in a browser
    // the cookie does not recognise it is refused, as a sign-in would be. (No address is
    // recognised: every test browser comes from 127.0.0.1, where anna signs in.)
    let idp = Idp::start_configured(false, |c| c.open_requests.recognised_sources = 0).0;
    let lost = idp.phone.enrollment.device_id.clone();
    let mut other = second_phone(&idp);
    let mut mine = signed_in_recognised(&idp, &mut other);
    let mut elsewhere = signed_in(&idp, &mut other);
    for i in 0..16 {
        let from =
            SigninFrom { app: "A".into(), ip: format!("10.9.0.{i}"), location: String::new() };
        idp.provider.start_signin("anna", RequestKind::Push, &from).unwrap();
    }
    let refused = post(&idp, &mut elsewhere, "/account/devices/lost/approve", &[("device", &lost)]);
    assert_eq!(refused.status, 429, "{}", text(&refused));
    assert_eq!(active(&idp).len(), 2);
    let (request, token, number) = start_approval(&idp, &mut mine, &lost);
    other.decide(&request, Decision::Approve { number });
    let done = confirm(&idp, &mut mine, &lost, &request, &token);
    assert_eq!(done.status, 200, "{}", text(&done));
    assert_eq!(active(&idp), vec![other.enrollment.device_id.clone()]);
}
