//! The administrator's recovery commands through the provider's API, over loopback: disabling
//! a user (no sign-in by any method, pending requests and sessions end at once), lifting a
//! report's block (and the block naming the helpdesk), setting a password, deleting a user, the
//! device list's last use, and where events came from.

mod oidc_support;

use nyckel_core::protocol::{self as p, Decision, EnrollUri, HttpResponse};
use nyckel_core::random::SystemRandom;
use nyckel_idp::{Error, RequestKind, SigninFrom};
use oidc_support::*;

fn from() -> SigninFrom {
    SigninFrom { app: "Intranätet".into(), ip: "198.51.100.7".into(), location: "Malmö".into() }
}

/// Types anna's password on the sign-in page: the number page (or an error page).
fn after_password(idp: &Idp, browser: &mut Browser, password: &str) -> HttpResponse {
    let fields = [("username", "anna"), ("mode", "password"), ("password", password)];
    browser.post(&idp.url("/signin"), &form(&fields))
}

/// Signs anna in on the pages with the phone's approval: a browser with a session.
fn signed_in(idp: &mut Idp) -> Browser {
    let mut browser = Browser::default();
    let page = after_password(idp, &mut browser, PASSWORD);
    let body = text(&page);
    let (id, token) = (attr(&body, "data-request").unwrap(), attr(&body, "data-token").unwrap());
    let number: u8 = body.split("id=\"number\"").nth(1).unwrap().split_once('>').unwrap().1[..2]
        .parse()
        .unwrap();
    idp.phone.decide(&id, Decision::Approve { number });
    let done = browser.post(&idp.url(&format!("/signin/complete/{id}?t={token}")), "");
    assert_eq!(done.status, 200, "{}", text(&done));
    assert_eq!(browser.get(&idp.url("/account")).status, 200);
    browser
}

/// What the phone's signed list of pending requests holds (ids).
fn pending_on_phone(idp: &mut Idp) -> Vec<String> {
    let phone = &mut idp.phone;
    let (req, fetch) =
        p::fetch_pending(&phone.enrollment, &phone.keys, &SystemRandom, now()).unwrap();
    match p::parse_pending(&mut phone.enrollment, &fetch, &send(&req), now()) {
        Ok(list) => list.into_iter().map(|r| r.id).collect(),
        Err(e) => panic!("the phone's list: {e:?}"),
    }
}

#[test]
fn a_disabled_user_cannot_sign_in_by_any_method_and_what_was_waiting_ends() {
    let mut idp = Idp::start();
    idp.phone.enable_phone_signin();
    let mut browser = signed_in(&mut idp);
    let waiting = idp.provider.start_signin("anna", RequestKind::Push, &from()).unwrap();
    let unused_code = idp.provider.issue_enrollment("anna").unwrap();
    assert_eq!(pending_on_phone(&mut idp), vec![waiting.id.clone()]);

    assert!(idp.provider.set_user_disabled("anna", true).unwrap());
    assert!(!idp.provider.set_user_disabled("anna", true).unwrap(), "already disabled");
    // At once: the waiting request is over, the phone sees nothing, the session is gone.
    assert_eq!(idp.provider.signin_status(&waiting.id).unwrap().state, "expired");
    assert!(pending_on_phone(&mut idp).is_empty());
    assert_eq!(browser.get(&idp.url("/account")).status, 303, "the session ended");
    // No method starts a sign-in: password + push, phone sign-in, the pages.
    for kind in [RequestKind::Push, RequestKind::Passwordless] {
        assert_eq!(
            idp.provider.start_signin("anna", kind, &from()).unwrap_err(),
            Error::UserDisabled
        );
    }
    let page = after_password(&idp, &mut Browser::default(), PASSWORD);
    assert_eq!(page.status, 423, "{}", text(&page));
    assert!(text(&page).contains("Kontot är avstängt"), "{}", text(&page));
    // The enrollment code issued before is spent: no new phone for a disabled user.
    let uri = EnrollUri::parse(&unused_code.enroll_uri).unwrap();
    let keys = p::SoftwareKeyStore::new();
    let (req, st) = p::enroll::begin(&uri, "Ny", None, &keys, &SystemRandom, now()).unwrap();
    assert!(st.finish(&send(&req), now()).is_err(), "the old enrollment code is spent");
    let kinds: Vec<String> =
        idp.provider.events(Some("anna"), 50).unwrap().into_iter().map(|e| e.kind).collect();
    assert!(kinds.contains(&"user_disabled".to_owned()), "{kinds:?}");

    // Enabled again, the phone approves as before.
    assert!(idp.provider.set_user_disabled("anna", false).unwrap());
    signed_in(&mut idp);
    assert_eq!(idp.provider.set_user_disabled("nobody", true).unwrap_err(), Error::UnknownUser);
}

#[test]
fn a_report_blocks_new_sign_ins_names_the_helpdesk_and_the_administrator_lifts_it() {
    let mut idp = Idp::start();
    idp.provider.set_helpdesk("IT-support 040-123 45 67").unwrap();
    let started = idp.provider.start_signin("anna", RequestKind::Push, &from()).unwrap();
    idp.phone.decide(&started.id, Decision::Report);
    match idp.provider.start_signin("anna", RequestKind::Push, &from()).unwrap_err() {
        Error::Blocked { retry_after, contact } => {
            assert!((3590..=3600).contains(&retry_after), "{retry_after}");
            assert_eq!(contact.as_deref(), Some("IT-support 040-123 45 67"));
        }
        other => panic!("blocked expected: {other:?}"),
    }
    let page = after_password(&idp, &mut Browser::default(), PASSWORD);
    let body = text(&page);
    assert!(
        body.contains("spärrade i 60 min") && body.contains("IT-support 040-123 45 67"),
        "{body}"
    );
    let retry_after: i64 = header(&page, "retry-after").unwrap().parse().unwrap();
    assert!((3590..=3600).contains(&retry_after), "{retry_after}");

    // The password lockout is another thing: unlocking it does not lift the block.
    assert!(!idp.provider.unlock_password("anna").unwrap());
    assert!(idp.provider.start_signin("anna", RequestKind::Push, &from()).is_err());
    assert!(idp.provider.unblock_user("anna").unwrap());
    assert!(!idp.provider.unblock_user("anna").unwrap(), "nothing left to lift");
    // Unblocking also lifted the report's mute: the next sign-in is notified again.
    let after = idp.provider.start_signin("anna", RequestKind::Push, &from()).unwrap();
    assert_eq!((after.quiet, after.pushed_to), (false, 1));
    assert_eq!(idp.provider.unblock_user("nobody").unwrap_err(), Error::UnknownUser);
    // Without a helpdesk, the page says to contact the administrator.
    idp.provider.set_helpdesk("").unwrap();
    assert_eq!(idp.provider.helpdesk().unwrap(), None);
}

/// The phone reports request `id`: the answer's signed payload (JSON), after core accepted it.
fn report_on_phone(idp: &mut Idp, id: &str) -> serde_json::Value {
    let phone = &mut idp.phone;
    let (req, fetch) =
        p::fetch_pending(&phone.enrollment, &phone.keys, &SystemRandom, now()).unwrap();
    let list = p::parse_pending(&mut phone.enrollment, &fetch, &send(&req), now()).unwrap();
    let request = list.into_iter().find(|r| r.id == id).unwrap();
    let req =
        p::respond(&mut phone.enrollment, &request, Decision::Report, &phone.keys, now()).unwrap();
    let resp = send(&req);
    let outcome = p::parse_respond_result(&phone.enrollment, &request, Decision::Report, &resp);
    assert_eq!(outcome.unwrap(), p::RespondOutcome::Reported);
    let envelope: nyckel_core::protocol::wire::Envelope =
        serde_json::from_slice(&resp.body).unwrap();
    let payload = nyckel_core::protocol::wire::unb64(&envelope.payload).unwrap();
    serde_json::from_slice(&payload).unwrap()
}

#[test]
fn the_phones_answer_to_a_report_says_how_long_and_whom_to_contact() {
    let mut idp = Idp::start();
    let started = idp.provider.start_signin("anna", RequestKind::Push, &from()).unwrap();
    let result = report_on_phone(&mut idp, &started.id);
    assert_eq!(result["state"], "reported");
    let until = result["blockedUntil"].as_i64().unwrap();
    assert!((until - now() - 3600).abs() < 60, "{result}");
    assert!(result.get("contact").is_none(), "no helpdesk configured: {result}");

    idp.provider.unblock_user("anna").unwrap();
    idp.provider.set_helpdesk("IT-support 040-123 45 67").unwrap();
    let started = idp.provider.start_signin("anna", RequestKind::Push, &from()).unwrap();
    let result = report_on_phone(&mut idp, &started.id);
    assert_eq!(result["contact"], "IT-support 040-123 45 67");
    // A denial blocks nothing and says nothing of it.
    idp.provider.unblock_user("anna").unwrap();
    let started = idp.provider.start_signin("anna", RequestKind::Push, &from()).unwrap();
    idp.phone.decide(&started.id, Decision::Deny);
    assert!(idp.provider.start_signin("anna", RequestKind::Push, &from()).is_ok());
}

#[test]
fn set_password_replaces_or_removes_it() {
    let idp = Idp::start();
    idp.provider.set_password("anna", Some("ett nytt lösen")).unwrap();
    assert!(idp.provider.check_password("anna", "ett nytt lösen").unwrap());
    assert!(!idp.provider.check_password("anna", PASSWORD).unwrap());
    assert!(matches!(idp.provider.set_password("anna", Some("")), Err(Error::BadRequest(_))));
    let long = "x".repeat(1025);
    assert!(matches!(idp.provider.set_password("anna", Some(&long)), Err(Error::BadRequest(_))));
    assert!(
        idp.provider.check_password("anna", "ett nytt lösen").unwrap(),
        "refusals change nothing"
    );
    assert_eq!(idp.provider.set_password("nobody", Some("x")).unwrap_err(), Error::UnknownUser);
    idp.provider.set_password("anna", None).unwrap();
    assert!(!idp.provider.check_password("anna", "ett nytt lösen").unwrap());
    let events = idp.provider.events(Some("anna"), 50).unwrap();
    assert!(events.iter().any(|e| e.kind == "password_set" && e.detail == "removed"));
}

#[test]
fn deleting_a_user_takes_their_phones_requests_sessions_and_events() {
    let mut idp = Idp::start();
    let _browser = signed_in(&mut idp);
    idp.provider.start_signin("anna", RequestKind::Push, &from()).unwrap();
    let gone = idp.provider.delete_user("anna").unwrap();
    assert_eq!((gone.devices, gone.requests, gone.sessions), (1, 2, 1));
    assert!(gone.events >= 4, "{gone:?}");
    assert_eq!(idp.provider.devices("anna").unwrap_err(), Error::UnknownUser);
    assert_eq!(idp.provider.delete_user("anna").unwrap_err(), Error::UnknownUser);
    // The phone's key is unknown now.
    let phone = &mut idp.phone;
    let (req, fetch) =
        p::fetch_pending(&phone.enrollment, &phone.keys, &SystemRandom, now()).unwrap();
    assert!(p::parse_pending(&mut phone.enrollment, &fetch, &send(&req), now()).is_err());
    let events = idp.provider.events(None, 50).unwrap();
    assert!(events.iter().all(|e| e.user.is_none()), "no event keeps anna's id");
    assert!(events.iter().any(|e| e.kind == "user_deleted" && e.detail == "anna"));
    // The name can be given to a new user.
    idp.provider.add_user("anna", None, false).unwrap();
    assert!(idp.provider.devices("anna").unwrap().is_empty());
}

#[test]
fn devices_show_their_last_use_and_events_where_they_came_from() {
    let mut idp = Idp::start();
    assert_eq!(idp.provider.devices("nobody").unwrap_err(), Error::UnknownUser);
    assert_eq!(idp.provider.devices("anna").unwrap()[0].last_used_at, None);
    let started = idp.provider.start_signin("anna", RequestKind::Push, &from()).unwrap();
    idp.phone.decide(&started.id, Decision::Approve { number: started.number });
    let device = &idp.provider.devices("anna").unwrap()[0];
    assert!(device.last_used_at.is_some_and(|t| (t - now()).abs() < 60), "{device:?}");

    let page = after_password(&idp, &mut Browser::default(), "fel lösen");
    assert_eq!(page.status, 401, "{}", text(&page));
    let events = idp.provider.events(Some("anna"), 50).unwrap();
    let of =
        |kind: &str| events.iter().find(|e| e.kind == kind).unwrap_or_else(|| panic!("{kind}"));
    for kind in ["signin_started", "approved"] {
        let e = of(kind);
        assert_eq!(
            (e.ip.as_str(), e.app.as_str(), e.place.as_str()),
            ("198.51.100.7", "Intranätet", "Malmö")
        );
    }
    assert_eq!(of("password_failed").ip, "127.0.0.1", "a failed password carries its source");
    assert_eq!(of("user_added").ip, "", "an administrator's event has no address");
}

#[test]
fn the_user_list_says_who_is_disabled_blocked_and_has_which_methods() {
    let mut idp = Idp::start();
    idp.provider.add_user("bertil", None, false).unwrap();
    let started = idp.provider.start_signin("anna", RequestKind::Push, &from()).unwrap();
    idp.phone.decide(&started.id, Decision::Report);
    idp.provider.set_user_disabled("bertil", true).unwrap();
    let users = idp.provider.users().unwrap();
    let names: Vec<&str> = users.iter().map(|u| u.name.as_str()).collect();
    assert_eq!(names, ["anna", "bertil"]);
    assert!(users[0].blocked_until > now() && users[0].disabled_at.is_none());
    // The report also muted anna's notifications, for longer than the block.
    assert!(users[0].pushes_muted_until > users[0].blocked_until, "{:?}", users[0]);
    let events = idp.provider.events(Some("anna"), 50).unwrap();
    assert!(events.iter().any(|e| e.kind == "reported"));
    let muted = events.iter().find(|e| e.kind == "pushes_muted").expect("a pushes_muted event");
    assert_eq!(muted.detail, users[0].pushes_muted_until.to_string());
    assert!(users[0].has_password && users[0].active_devices == 1);
    assert!(users[1].disabled_at.is_some() && !users[1].has_password);
    assert_eq!(users[1].active_devices, 0);
}

/// `user replace-phone` (a lost phone, no other): in one step every phone of the user is
/// revoked — it sees nothing and cannot approve —, the waiting request dies, the session and
/// an older enrollment code end, and the new code enrolls a phone that approves; the event
/// names the revoked phones.
#[test]
fn replacing_the_phones_revokes_them_ends_what_waited_and_the_new_code_enrolls() {
    let mut idp = Idp::start();
    let mut browser = signed_in(&mut idp);
    let waiting = idp.provider.start_signin("anna", RequestKind::Push, &from()).unwrap();
    let older_code = idp.provider.issue_enrollment("anna").unwrap();
    let old_phone = idp.provider.devices("anna").unwrap()[0].device_id.clone();

    let replaced = idp.provider.replace_phones("Anna").unwrap();
    assert_eq!(replaced.revoked, vec![old_phone.clone()]);
    assert_eq!(replaced.enrollment.user, "anna");
    assert_eq!(idp.provider.signin_status(&waiting.id).unwrap().state, "expired");
    assert_eq!(browser.get(&idp.url("/account")).status, 303, "the session ended");
    let phone = &mut idp.phone;
    let (req, fetch) =
        p::fetch_pending(&phone.enrollment, &phone.keys, &SystemRandom, now()).unwrap();
    assert!(
        p::parse_pending(&mut phone.enrollment, &fetch, &send(&req), now()).is_err(),
        "the old phone is refused"
    );
    let enroll = |uri: &str| {
        let uri = EnrollUri::parse(uri).unwrap();
        let keys = p::SoftwareKeyStore::new();
        let (req, st) = p::enroll::begin(&uri, "Ny", None, &keys, &SystemRandom, now()).unwrap();
        st.finish(&send(&req), now()).map(|enrollment| Phone { enrollment, keys })
    };
    assert!(enroll(&older_code.enroll_uri).is_err(), "the older code is spent");
    idp.phone = enroll(&replaced.enrollment.enroll_uri).expect("the new code enrolls");
    signed_in(&mut idp);

    let events = idp.provider.events(Some("anna"), 50).unwrap();
    let replaced_event = events.iter().find(|e| e.kind == "phones_replaced").unwrap();
    assert_eq!(replaced_event.detail, old_phone);
    // Again, with the new phone: it goes too; a user without phones just gets a code.
    assert_eq!(idp.provider.replace_phones("anna").unwrap().revoked.len(), 1);
    assert!(idp.provider.replace_phones("anna").unwrap().revoked.is_empty());
    assert_eq!(idp.provider.replace_phones("nobody").unwrap_err(), Error::UnknownUser);
}
