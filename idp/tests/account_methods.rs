//! The account page's methods, over loopback: "Ta bort" per phone (a second phone goes at
//! once, the last one only after a warning, another user's phone and a cross-site post are
//! refused and change nothing, a removed phone can no longer approve); "Lägg till metod" (a
//! phone or a one-time code only after a fresh step-up once the user has a method, the first
//! one on the session alone); and removing the one-time code.

mod oidc_support;

use nyckel_core::protocol::{self as p, Decision, EnrollUri, HttpResponse};
use nyckel_core::random::SystemRandom;
use nyckel_idp::{RequestKind, SigninFrom};
use oidc_support::*;

/// Signs anna in on the pages with the phone's approval: a browser with a session.
fn signed_in(idp: &mut Idp) -> Browser {
    let mut browser = Browser::default();
    let fields = [("username", "anna"), ("mode", "password"), ("password", PASSWORD)];
    let body = text(&browser.post(&idp.url("/signin"), &form(&fields)));
    let (id, token) = (attr(&body, "data-request").unwrap(), attr(&body, "data-token").unwrap());
    let number = number_on(&body);
    idp.phone.decide(&id, Decision::Approve { number });
    let done = browser.post(&idp.url(&format!("/signin/complete/{id}?t={token}")), "");
    assert_eq!(done.status, 200, "{}", text(&done));
    browser
}

/// The removal step-up's choice page for `fields` (`device` or `method=code`).
fn remove_choice(idp: &Idp, browser: &mut Browser, fields: &[(&str, &str)]) -> HttpResponse {
    browser.post(&idp.url("/account/remove"), &form(fields))
}

/// Removes with `approver`'s approval, posting the choice page's hidden fields (the purpose
/// and, once warned, `confirm`): the outcome page.
fn remove_approved(
    base: &str,
    browser: &mut Browser,
    choice: &HttpResponse,
    approver: &mut Phone,
) -> HttpResponse {
    let body = text(choice);
    assert!(body.contains("id=\"remove-approve\""), "{body}");
    let mut fields: Vec<(&str, String)> = Vec::new();
    for name in ["device", "method", "confirm"] {
        if let Some(v) = hidden(&body, name) {
            fields.push((name, v));
        }
    }
    let pairs: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let page = browser.post(&format!("{base}/account/remove/approve"), &form(&pairs));
    assert_eq!(page.status, 200, "{}", text(&page));
    let page = text(&page);
    let (request, token) = (hidden(&page, "request").unwrap(), hidden(&page, "t").unwrap());
    let number = hidden(&page, "n").unwrap().parse().unwrap();
    approver.decide(&request, Decision::Approve { number });
    let mut confirm = pairs.clone();
    confirm.extend([("request", request.as_str()), ("t", token.as_str())]);
    browser.post(&format!("{base}/account/remove/confirm"), &form(&confirm))
}

fn active_devices(idp: &Idp, name: &str) -> Vec<String> {
    let devices = idp.provider.devices(name).unwrap();
    devices.into_iter().filter(|d| d.revoked_at.is_none()).map(|d| d.device_id).collect()
}

/// Enrolls a second phone for `name` with a fresh code: its enrollment.
fn second_phone(idp: &Idp, name: &str) -> (p::Enrollment, p::SoftwareKeyStore) {
    let uri = EnrollUri::parse(&idp.provider.issue_enrollment(name).unwrap().enroll_uri).unwrap();
    let keys = p::SoftwareKeyStore::new();
    let (req, st) =
        p::enroll::begin(&uri, "Ny telefon", None, &keys, &SystemRandom, now()).unwrap();
    (st.finish(&send(&req), now()).unwrap(), keys)
}

#[test]
fn a_second_phone_goes_after_a_step_up_and_can_no_longer_approve() {
    let mut idp = Idp::start();
    let (mut new, keys) = second_phone(&idp, "anna");
    let mut browser = signed_in_later(&mut idp);
    let account = text(&browser.get(&idp.url("/account")));
    assert!(account.contains("aria-label=\"Ta bort Ny telefon\""), "{account}");
    assert!(account.contains("action=\"/account/remove\""), "{account}");

    // The session alone removes nothing: the choice page, no removal, no warning.
    let choice = remove_choice(&idp, &mut browser, &[("device", &new.device_id)]);
    assert_eq!(choice.status, 200, "{}", text(&choice));
    let body = text(&choice);
    assert!(body.contains("Ta bort Ny telefon?") && !body.contains("remove-warning"), "{body}");
    assert_eq!(active_devices(&idp, "anna").len(), 2);
    // The former one-step actions are gone.
    for old in ["/account/devices/remove", "/account/code/remove"] {
        let r = browser.post(&idp.url(old), &form(&[("device", &new.device_id), ("confirm", "1")]));
        assert_ne!(r.status, 200, "{old}");
    }
    assert_eq!(active_devices(&idp, "anna").len(), 2);

    // anna's other phone approves: the new one goes, and every session ends.
    let base = idp.issuer();
    let done = remove_approved(&base, &mut browser, &choice, &mut idp.phone);
    assert_eq!(done.status, 200, "{}", text(&done));
    assert!(text(&done).contains("id=\"removed\""));
    assert_eq!(active_devices(&idp, "anna"), vec![idp.phone.enrollment.device_id.clone()]);
    assert_eq!(browser.get(&idp.url("/account")).status, 303, "signed out everywhere");
    let events = event_kinds(&idp, "anna");
    assert!(events.contains(&("device_removed".into(), new.device_id.clone(), "127.0.0.1".into())));
    let passed = format!("remove {}: another phone's approval", new.device_id);
    assert!(events.contains(&("step_up_passed".into(), passed, "127.0.0.1".into())));

    // The removed phone is refused; the other one still approves.
    let from = SigninFrom { app: "A".into(), ip: "198.51.100.7".into(), location: String::new() };
    idp.provider.start_signin("anna", RequestKind::Push, &from).unwrap();
    let (req, fetch) = p::fetch_pending(&new, &keys, &SystemRandom, now()).unwrap();
    assert!(p::parse_pending(&mut new, &fetch, &send(&req), now()).is_err());
    signed_in(&mut idp);
}

#[test]
fn a_removal_that_became_the_last_phone_during_its_step_up_warns_first() {
    let mut idp = Idp::start();
    let (new, _keys) = second_phone(&idp, "anna");
    let first = idp.phone.enrollment.device_id.clone();
    let mut browser = signed_in_later(&mut idp);
    // Two phones: the choice page does not warn, and its forms carry no `confirm`.
    let choice = remove_choice(&idp, &mut browser, &[("device", &first)]);
    assert!(hidden(&text(&choice), "confirm").is_none(), "{}", text(&choice));
    let page = browser.post(&idp.url("/account/remove/approve"), &form(&[("device", &first)]));
    let page = text(&page);
    let (request, token) = (hidden(&page, "request").unwrap(), hidden(&page, "t").unwrap());
    let number = hidden(&page, "n").unwrap().parse().unwrap();
    // The phone being removed approves its own removal (it is in hand).
    idp.phone.decide(&request, Decision::Approve { number });
    let url = idp.url("/account/remove/confirm");
    let fields = form(&[("device", first.as_str()), ("request", &request), ("t", &token)]);
    let mut b = browser.clone();
    // The other phone's removal commits while this one waits for the write lock: judged on
    // what it read before, this one would take the last phone without the warning.
    let answer = idp
        .provider
        .while_write_locked(move || b.post(&url, &fields), |w| w.revoke_device(&new.device_id));
    assert_eq!(answer.status, 409, "the last phone now: warned, {}", text(&answer));
    let warned = text(&answer);
    assert!(warned.contains("id=\"remove-warning\"") && warned.contains("id=\"confirm-remove\""));
    assert_eq!(hidden(&warned, "confirm").as_deref(), Some("1"), "{warned}");
    assert_eq!(active_devices(&idp, "anna"), vec![first]);
}

#[test]
fn the_last_phone_goes_only_after_a_warning_and_its_own_approval() {
    let mut idp = Idp::start();
    let device = idp.phone.enrollment.device_id.clone();
    let mut browser = signed_in_later(&mut idp);
    let choice = remove_choice(&idp, &mut browser, &[("device", &device)]);
    assert_eq!(choice.status, 200, "{}", text(&choice));
    let body = text(&choice);
    assert!(body.contains("id=\"remove-warning\"") && body.contains("ny registreringskod"));
    // What comes next with and without a code (anna has none: the administrator).
    assert!(body.contains("Har kontot en aktiverad verifieringskod loggar du sedan in med lösenordet och koden; annars"), "{body}");
    assert!(body.contains("Ta bort din enda telefon?"), "{body}");
    assert_eq!(hidden(&body, "confirm").as_deref(), Some("1"), "the forms carry the warning");
    assert_eq!(active_devices(&idp, "anna"), vec![device.clone()], "nothing removed yet");
    assert_eq!(browser.get(&idp.url("/account")).status, 200, "still signed in");

    // The only phone approves its own removal.
    let base = idp.issuer();
    let done = remove_approved(&base, &mut browser, &choice, &mut idp.phone);
    assert_eq!(done.status, 200, "{}", text(&done));
    assert!(text(&done).contains("id=\"removed\""));
    assert!(active_devices(&idp, "anna").is_empty());
    // What the warning said: the password alone no longer signs in.
    let fields = [("username", "anna"), ("mode", "password"), ("password", PASSWORD)];
    let page = Browser::default().post(&idp.url("/signin"), &form(&fields));
    assert_eq!(page.status, 409, "{}", text(&page));
}

#[test]
fn another_users_phone_and_cross_site_posts_are_refused() {
    let mut idp = Idp::start();
    let bertil = Phone::enroll(&idp.provider, "bertil");
    let (second, _keys) = second_phone(&idp, "anna");
    let mut browser = signed_in_later(&mut idp);

    let theirs = remove_choice(&idp, &mut browser, &[("device", &bertil.enrollment.device_id)]);
    assert_eq!(theirs.status, 404, "{}", text(&theirs));
    let theirs = browser.post(
        &idp.url("/account/remove/approve"),
        &form(&[("device", &bertil.enrollment.device_id)]),
    );
    assert_eq!(theirs.status, 404, "{}", text(&theirs));
    assert_eq!(active_devices(&idp, "bertil").len(), 1);
    let unknown = remove_choice(&idp, &mut browser, &[("device", &"x".repeat(65))]);
    assert_eq!(unknown.status, 400);
    let none = remove_choice(&idp, &mut browser, &[("method", "code")]);
    assert_eq!(none.status, 404, "no code to remove: {}", text(&none));

    let (request, token) = ("nosuchrequest", "t");
    let device = second.device_id.as_str();
    let confirm = [("device", device), ("request", request), ("t", token)];
    let code = [("device", device), ("password", PASSWORD), ("code", "123456")];
    let actions: [(&str, &[(&str, &str)]); 4] = [
        ("/account/remove", &[("device", device)]),
        ("/account/remove/approve", &[("device", device)]),
        ("/account/remove/confirm", &confirm),
        ("/account/remove/code", &code),
    ];
    for (path, fields) in actions {
        let mut cross = browser.clone();
        cross.extra = vec![("Origin".into(), "https://evil.example".into())];
        let forged = cross.post(&idp.url(path), &form(fields));
        assert_eq!(forged.status, 403, "{path}: {}", text(&forged));
        let anonymous = Browser::default().post(&idp.url(path), &form(fields));
        assert_eq!(location(&anonymous), "/signin", "{path}");
    }
    // A made-up request is no approval.
    let forged = browser.post(&idp.url("/account/remove/confirm"), &form(&confirm));
    assert_eq!(forged.status, 404, "{}", text(&forged));
    assert_eq!(active_devices(&idp, "anna").len(), 2, "nothing removed");
    assert!(!event_kinds(&idp, "anna").iter().any(|(k, _, _)| k == "device_removed"));
}

/// The add step-up's number page for `method`: (request, token, number).
fn start_add(idp: &Idp, browser: &mut Browser, method: &str) -> (String, String, u8) {
    let choice = browser.post(&idp.url("/account/add"), &form(&[("method", method)]));
    assert_eq!(choice.status, 200, "{}", text(&choice));
    assert!(text(&choice).contains("id=\"add-approve\""), "{}", text(&choice));
    let page = browser.post(&idp.url("/account/add/approve"), &form(&[("method", method)]));
    assert_eq!(page.status, 200, "{}", text(&page));
    let body = text(&page);
    let number = hidden(&body, "n").unwrap().parse().unwrap();
    (hidden(&body, "request").unwrap(), hidden(&body, "t").unwrap(), number)
}

fn confirm_add(idp: &Idp, b: &mut Browser, method: &str, request: &str, t: &str) -> HttpResponse {
    let fields = [("method", method), ("request", request), ("t", t)];
    b.post(&idp.url("/account/add/confirm"), &form(&fields))
}

/// Passes the add step-up for `method` with anna's phone: the page that adds it.
fn stepped_up(idp: &mut Idp, browser: &mut Browser, method: &str) -> HttpResponse {
    let (request, token, number) = start_add(idp, browser, method);
    idp.phone.decide(&request, Decision::Approve { number });
    confirm_add(idp, browser, method, &request, &token)
}

/// Anna signed in a second after her phone was added (so it counts as a method she had before
/// the session).
fn signed_in_later(idp: &mut Idp) -> Browser {
    idp.advance(1);
    signed_in(idp)
}

fn event_kinds(idp: &Idp, name: &str) -> Vec<(String, String, String)> {
    let events = idp.provider.events(Some(name), 100).unwrap();
    events.into_iter().map(|e| (e.kind, e.detail, e.ip)).collect()
}

#[test]
fn the_account_page_lists_each_phone_offers_the_app_link_and_sees_a_new_phone_arrive() {
    let mut idp = Idp::start();
    let mut browser = signed_in_later(&mut idp);
    let state_url = idp.url("/account/devices/state");
    let state = |b: &mut Browser| {
        let resp = b.get(&state_url);
        assert_eq!(resp.status, 200, "{}", text(&resp));
        serde_json::from_slice::<serde_json::Value>(&resp.body).unwrap()["active"].as_u64()
    };
    let account = text(&browser.get(&idp.url("/account")));
    // Each phone with its name, when it was added and last used (anna's phone just approved).
    assert!(account.contains("<th>Tillagd</th><th>Senast använd</th>"), "{account}");
    assert!(!account.contains("Aldrig"), "the phone that approved has been used: {account}");
    // anna has a phone: adding another starts with a step-up, not with a code.
    assert!(account.contains("id=\"add-phone-button\""), "{account}");
    assert!(!account.contains("nyckel-enroll"), "{account}");
    assert_eq!(state(&mut browser), Some(1));
    let page = stepped_up(&mut idp, &mut browser, "phone");
    assert_eq!(page.status, 200, "{}", text(&page));
    let page = text(&page);
    // The code as a QR code with an accessible name, and as an app link on the phone itself.
    let link = attr(&page, "id=\"open-in-app\" href").expect("Öppna i Nyckel");
    let shown = page.split("<code class=\"uri\" id=\"enroll-uri\">").nth(1).unwrap();
    let shown = shown.split("</code>").next().unwrap().replace("&amp;", "&");
    assert!(link.starts_with("nyckel-enroll://v1?") && link == shown, "{link} vs {shown}");
    assert!(page.contains("aria-label=\"QR-kod för att lägga till en telefon i Nyckel\""));
    assert!(page.contains("data-active=\"1\""), "{page}");

    // The app enrolls with the code the page shows: the count the page's script watches grows,
    // and the new phone is listed as never used.
    let keys = p::SoftwareKeyStore::new();
    let (req, st) = p::enroll::begin(
        &EnrollUri::parse(&link).unwrap(),
        "Ny telefon",
        None,
        &keys,
        &SystemRandom,
        now(),
    )
    .unwrap();
    st.finish(&send(&req), now()).unwrap();
    assert_eq!(state(&mut browser), Some(2));
    let account = text(&browser.get(&idp.url("/account")));
    assert!(account.contains("<td>Ny telefon</td>") && account.contains("Aldrig"), "{account}");

    // Without a session the state is not told.
    let anonymous = Browser::default().get(&idp.url("/account/devices/state"));
    assert_eq!(anonymous.status, 401);
}

#[test]
fn a_session_alone_adds_no_method_once_the_user_has_one() {
    let mut idp = Idp::start();
    let mut browser = signed_in_later(&mut idp);
    let no_code = |r: &HttpResponse| {
        let body = text(r);
        assert!(!body.contains("nyckel-enroll") && !body.contains("otpauth"), "{body}");
    };
    for method in ["phone", "code"] {
        let choice = browser.post(&idp.url("/account/add"), &form(&[("method", method)]));
        assert_eq!(choice.status, 200, "{}", text(&choice));
        no_code(&choice);
        // A made-up or another user's request is no approval.
        let forged = confirm_add(&idp, &mut browser, method, "nosuchrequest", "t");
        assert_eq!(forged.status, 404, "{}", text(&forged));
        no_code(&forged);
        // Not approved yet: still waiting, nothing shown.
        let (request, token, number) = start_add(&idp, &mut browser, method);
        let early = confirm_add(&idp, &mut browser, method, &request, &token);
        assert_eq!(early.status, 409, "{}", text(&early));
        assert!(text(&early).contains("id=\"add-waiting\""));
        no_code(&early);
        // The phone denies (the user did not ask for it): nothing is added.
        idp.phone.decide(&request, Decision::Deny);
        let denied = confirm_add(&idp, &mut browser, method, &request, &token);
        assert_eq!(denied.status, 409, "{}", text(&denied));
        assert!(text(&denied).contains("id=\"add-not-approved\""));
        no_code(&denied);
        let _ = number;
    }
    let unknown = browser.post(&idp.url("/account/add"), &form(&[("method", "fax")]));
    assert_eq!(unknown.status, 400, "{}", text(&unknown));
    let user = idp.provider.users().unwrap().into_iter().find(|u| u.name == "anna").unwrap();
    assert_eq!(user.blocked_until, 0);
    let events = event_kinds(&idp, "anna");
    assert!(!events.iter().any(|(k, _, _)| k == "otp_added" || k == "step_up_passed"));
    assert!(events
        .iter()
        .any(|(k, d, _)| k == "step_up_refused" && d == "add phone: request denied"));

    // The phone shows what it approves, in the page's language; approved, the code comes.
    let (request, token, number) = start_add(&idp, &mut browser, "code");
    let (req, fetch) =
        p::fetch_pending(&idp.phone.enrollment, &idp.phone.keys, &SystemRandom, now()).unwrap();
    let list = p::parse_pending(&mut idp.phone.enrollment, &fetch, &send(&req), now()).unwrap();
    let seen = list.iter().find(|r| r.id == request).unwrap();
    assert_eq!(seen.app, "Ditt konto: lägg till en inloggningsmetod");
    assert_eq!(seen.location, "Lokalt (loopback)");
    idp.phone.decide(&request, Decision::Approve { number });
    let page = confirm_add(&idp, &mut browser, "code", &request, &token);
    assert_eq!(page.status, 200, "{}", text(&page));
    assert!(attr(&text(&page), "id=\"otp-open\" href").unwrap().starts_with("otpauth://"));
    let used = confirm_add(&idp, &mut browser, "code", &request, &token);
    assert_eq!(used.status, 409, "the approval is used up: {}", text(&used));
    let events = event_kinds(&idp, "anna");
    assert!(events.iter().any(|(k, d, ip)| k == "step_up_passed"
        && d == "add one-time code: another phone's approval"
        && ip == "127.0.0.1"));
}

#[test]
fn cross_site_and_signed_out_posts_to_the_add_actions_change_nothing() {
    let mut idp = Idp::start();
    let mut browser = signed_in_later(&mut idp);
    let (request, token, number) = start_add(&idp, &mut browser, "phone");
    idp.phone.decide(&request, Decision::Approve { number });
    let confirm_fields =
        [("method", "phone"), ("request", request.as_str()), ("t", token.as_str())];
    let code_fields = [("method", "code"), ("password", PASSWORD), ("code", "123456")];
    let actions: [(&str, &[(&str, &str)]); 4] = [
        ("/account/add", &[("method", "code")]),
        ("/account/add/approve", &[("method", "phone")]),
        ("/account/add/confirm", &confirm_fields),
        ("/account/add/code", &code_fields),
    ];
    let forged = [("Origin", "https://evil.example"), ("Sec-Fetch-Site", "cross-site")];
    for (path, fields) in actions {
        for (header, value) in forged {
            let mut cross = browser.clone();
            cross.extra = vec![(header.into(), value.into())];
            let answer = cross.post(&idp.url(path), &form(fields));
            assert_eq!(answer.status, 403, "{path} with {header}: {}", text(&answer));
        }
        let anonymous = Browser::default().post(&idp.url(path), &form(fields));
        assert_eq!(location(&anonymous), "/signin", "{path}");
    }
    assert_eq!(idp.provider.signin_status(&request).unwrap().state, "approved", "not used up");
    assert!(!event_kinds(&idp, "anna").iter().any(|(k, _, _)| k.starts_with("step_up")));
    // The same approval, posted from the page itself, works.
    let page = confirm_add(&idp, &mut browser, "phone", &request, &token);
    assert_eq!(page.status, 200, "{}", text(&page));
    assert!(text(&page).contains("id=\"open-in-app\""));
}

#[test]
fn a_user_without_a_method_adds_the_first_on_the_session_alone_and_it_vouches_in_that_session() {
    let idp = Idp::start();
    idp.provider.add_user("cecilia", Some(PASSWORD), false).unwrap();
    let mut browser = Browser::default();
    let fields = [("username", "cecilia"), ("mode", "password"), ("password", PASSWORD)];
    let signed_in = browser.post(&idp.url("/signin"), &form(&fields));
    assert_eq!(location(&signed_in), "/account");
    idp.advance(1);
    // The first phone's code is on the account page itself; the first code comes at once.
    let account = text(&browser.get(&idp.url("/account")));
    assert!(attr(&account, "id=\"open-in-app\" href").unwrap().starts_with("nyckel-enroll://"));
    assert!(!account.contains("add-phone-button"), "{account}");
    let page = browser.post(&idp.url("/account/add"), &form(&[("method", "phone")]));
    let link = attr(&text(&page), "id=\"open-in-app\" href").expect("the first phone's code");
    let keys = p::SoftwareKeyStore::new();
    let uri = EnrollUri::parse(&link).unwrap();
    let (req, st) = p::enroll::begin(&uri, "Första", None, &keys, &SystemRandom, now()).unwrap();
    let mut first = Phone { enrollment: st.finish(&send(&req), now()).unwrap(), keys };
    // Once that phone is enrolled the user has a method: the next one needs a step-up, and in
    // this session of the enrollment bootstrap the first phone gives it, no new sign-in.
    let account = text(&browser.get(&idp.url("/account")));
    assert!(account.contains("add-phone-button") && !account.contains("nyckel-enroll"));
    let choice = browser.post(&idp.url("/account/add"), &form(&[("method", "code")]));
    assert_eq!(choice.status, 200, "{}", text(&choice));
    assert!(!text(&choice).contains("otpauth"), "{}", text(&choice));
    let approve = browser.post(&idp.url("/account/add/approve"), &form(&[("method", "code")]));
    let body = text(&approve);
    let (request, token) = (hidden(&body, "request").unwrap(), hidden(&body, "t").unwrap());
    first.decide(
        &request,
        Decision::Approve { number: hidden(&body, "n").unwrap().parse().unwrap() },
    );
    let page = confirm_add(&idp, &mut browser, "code", &request, &token);
    assert_eq!(page.status, 200, "{}", text(&page));
    assert!(attr(&text(&page), "id=\"otp-open\" href").unwrap().starts_with("otpauth://"));
    let events = event_kinds(&idp, "cecilia");
    assert!(events.iter().any(
        |(k, d, _)| k == "step_up_passed" && d == "add one-time code: another phone's approval"
    ));
}

#[test]
fn a_phone_added_after_a_step_up_cannot_vouch_in_the_same_session() {
    // anna's phone approves adding a second one (say, the attacker's, who has her session and
    // got her to approve once): in that session the new phone neither removes her phone nor
    // adds another method; only her own phone from before the session does.
    let mut idp = Idp::start();
    let mut browser = signed_in_later(&mut idp);
    let page = text(&stepped_up(&mut idp, &mut browser, "phone"));
    let link = attr(&page, "id=\"open-in-app\" href").unwrap();
    let keys = p::SoftwareKeyStore::new();
    let uri = EnrollUri::parse(&link).unwrap();
    let (req, st) = p::enroll::begin(&uri, "Ny", None, &keys, &SystemRandom, now()).unwrap();
    let mut new = Phone { enrollment: st.finish(&send(&req), now()).unwrap(), keys };
    let anna = idp.phone.enrollment.device_id.clone();
    let base = idp.issuer();

    // Removing anna's phone, approved by the new one: refused, nothing removed.
    let choice = remove_choice(&idp, &mut browser, &[("device", &anna)]);
    let refused = remove_approved(&base, &mut browser, &choice, &mut new);
    assert_eq!(refused.status, 403, "{}", text(&refused));
    assert!(text(&refused).contains("id=\"remove-by-new-phone\""), "{}", text(&refused));
    assert_eq!(active_devices(&idp, "anna").len(), 2);
    // Adding a code, approved by the new one: refused, no secret shown.
    let (request, token, number) = start_add(&idp, &mut browser, "code");
    new.decide(&request, Decision::Approve { number });
    let refused = confirm_add(&idp, &mut browser, "code", &request, &token);
    assert_eq!(refused.status, 403, "{}", text(&refused));
    assert!(!text(&refused).contains("otpauth"));
    // Reporting anna's phone lost: the new phone is not offered as the other method.
    let lost = browser.post(&idp.url("/account/devices/lost"), &form(&[("device", &anna)]));
    assert_eq!(lost.status, 409, "{}", text(&lost));
    assert!(!text(&lost).contains("id=\"lost-approve\""), "{}", text(&lost));
    let events = event_kinds(&idp, "anna");
    assert!(events.iter().any(|(k, d, _)| k == "step_up_refused"
        && d == &format!("remove {anna}: approved by a phone added during this session")));
    assert!(!events.iter().any(|(k, _, _)| k == "device_removed" || k == "otp_added"));

    // anna's own phone still vouches (a new sign-in makes the new one count too).
    let choice = remove_choice(&idp, &mut browser, &[("device", &new.enrollment.device_id)]);
    assert!(text(&choice).contains("id=\"remove-approve\""));
}

/// The choice page's password-and-code form for removing the code, posted with `code`.
#[test]
fn an_active_one_time_code_is_never_shown_again() {
    let (mut idp, otp) = Idp::start_with(true);
    let otp = otp.unwrap();
    let mut browser = signed_in_later(&mut idp);
    let at = now() + idp.offset.load(std::sync::atomic::Ordering::SeqCst);
    let code = otp.code_at(at as u64).unwrap().value;
    let confirmed = browser.post(&idp.url("/account/code"), &form(&[("code", &code)]));
    assert_eq!(confirmed.status, 303, "{}", text(&confirmed));
    // Even after a passed step-up, "Lägg till verifieringskod" shows no secret once one is
    // active: 409, and the page says why.
    let page = stepped_up(&mut idp, &mut browser, "code");
    let body = text(&page);
    assert_eq!(page.status, 409, "{body}");
    assert!(body.contains("Den visas inte igen"), "{body}");
    assert!(!body.contains("otpauth") && !body.contains("otp-open"), "{body}");
}

fn remove_code_with(idp: &Idp, browser: &mut Browser, code: &str) -> HttpResponse {
    let choice = text(&remove_choice(idp, browser, &[("method", "code")]));
    assert!(choice.contains("id=\"remove-code\""), "{choice}");
    let mut fields = vec![("method", "code"), ("password", PASSWORD), ("code", code)];
    if hidden(&choice, "confirm").is_some() {
        fields.push(("confirm", "1"));
    }
    browser.post(&idp.url("/account/remove/code"), &form(&fields))
}

#[test]
fn the_one_time_code_is_removed_after_a_step_up_with_the_sessions_and_warned_about_when_last() {
    let (mut idp, otp) = Idp::start_with(true);
    let otp = otp.unwrap();
    let mut browser = signed_in(&mut idp);
    let code_at = |idp: &Idp| {
        let at = now() + idp.offset.load(std::sync::atomic::Ordering::SeqCst);
        otp.code_at(at as u64).unwrap().value
    };
    let confirmed = browser.post(&idp.url("/account/code"), &form(&[("code", &code_at(&idp))]));
    assert_eq!(confirmed.status, 303, "{}", text(&confirmed));
    let account = text(&browser.get(&idp.url("/account")));
    assert!(account.contains("id=\"remove-otp\""), "{account}");

    // A new session, so that the code counts as a method from before it.
    idp.advance(31);
    let mut browser = signed_in(&mut idp);
    let mut second = signed_in(&mut idp);
    let choice = remove_choice(&idp, &mut browser, &[("method", "code")]);
    assert_eq!(choice.status, 200, "{}", text(&choice));
    let body = text(&choice);
    assert!(body.contains("Ta bort verifieringskoden?") && !body.contains("warning"), "{body}");
    assert!(text(&browser.get(&idp.url("/account"))).contains("aktiverad ✓"), "still there");
    // A wrong password removes nothing.
    let wrong = browser.post(
        &idp.url("/account/remove/code"),
        &form(&[("method", "code"), ("password", "fel"), ("code", &code_at(&idp))]),
    );
    assert_eq!(wrong.status, 401, "{}", text(&wrong));
    assert!(text(&wrong).contains("id=\"remove-wrong-password\""));
    assert!(text(&browser.get(&idp.url("/account"))).contains("aktiverad ✓"), "still there");

    // With a phone left the code goes after the password and the code itself.
    let removed = remove_code_with(&idp, &mut browser, &code_at(&idp));
    assert_eq!(removed.status, 200, "{}", text(&removed));
    assert!(text(&removed).contains("id=\"removed-otp\""));
    for b in [&mut browser, &mut second] {
        assert_eq!(b.get(&idp.url("/account")).status, 303, "signed out everywhere");
    }
    let events = event_kinds(&idp, "anna");
    assert!(events.contains(&("otp_confirmed".into(), String::new(), "127.0.0.1".into())));
    assert!(events.contains(&("otp_removed".into(), String::new(), "127.0.0.1".into())));
    let passed = "remove one-time code: password and one-time code".to_owned();
    assert!(events.contains(&("step_up_passed".into(), passed, "127.0.0.1".into())));

    // A user whose only method is the code (no phone) is warned first.
    idp.provider.add_user("cecilia", Some(PASSWORD), false).unwrap();
    let mut browser = Browser::default();
    let fields = [("username", "cecilia"), ("mode", "password"), ("password", PASSWORD)];
    assert_eq!(location(&browser.post(&idp.url("/signin"), &form(&fields))), "/account");
    let page = text(&browser.post(&idp.url("/account/add"), &form(&[("method", "code")])));
    let uri = attr(&page, "id=\"otp-open\" href").unwrap();
    let otp = nyckel_core::otpauth::parse(&uri).unwrap().params;
    let code_at = |idp: &Idp| {
        let at = now() + idp.offset.load(std::sync::atomic::Ordering::SeqCst);
        otp.code_at(at as u64).unwrap().value
    };
    let confirmed = browser.post(&idp.url("/account/code"), &form(&[("code", &code_at(&idp))]));
    assert_eq!(confirmed.status, 303, "{}", text(&confirmed));
    // Her next sign-in asks for the code after the password (never the password alone).
    idp.advance(31);
    let mut browser = Browser::default();
    let fields = [("username", "cecilia"), ("mode", "password"), ("password", PASSWORD)];
    let asked = text(&browser.post(&idp.url("/signin"), &form(&fields)));
    let (request, t) = (hidden(&asked, "request").unwrap(), hidden(&asked, "t").unwrap());
    let code = code_at(&idp);
    let fields = [("request", request.as_str()), ("t", t.as_str()), ("code", code.as_str())];
    assert_eq!(location(&browser.post(&idp.url("/signin/code"), &form(&fields))), "/account");
    idp.advance(31);
    let warned = remove_choice(&idp, &mut browser, &[("method", "code")]);
    assert_eq!(warned.status, 200, "{}", text(&warned));
    assert!(text(&warned).contains("id=\"remove-otp-warning\""), "{}", text(&warned));
    // What comes next: cecilia never had a phone, so the password alone, then a new method.
    let says = "Har kontot aldrig haft någon telefon loggar du sedan in med enbart lösenordet";
    assert!(text(&warned).contains(says), "{}", text(&warned));
    assert!(text(&browser.get(&idp.url("/account"))).contains("aktiverad ✓"), "nothing removed");
    let removed = remove_code_with(&idp, &mut browser, &code_at(&idp));
    assert_eq!(removed.status, 200, "{}", text(&removed));
    assert_eq!(browser.get(&idp.url("/account")).status, 303, "signed out");
    // What the warning said: the password alone, and the account page adds a new method.
    let mut browser = Browser::default();
    let fields = [("username", "cecilia"), ("mode", "password"), ("password", PASSWORD)];
    assert_eq!(location(&browser.post(&idp.url("/signin"), &form(&fields))), "/account");
    let account = text(&browser.get(&idp.url("/account")));
    assert!(account.contains("id=\"open-in-app\""), "{account}");
    let events = event_kinds(&idp, "cecilia");
    assert!(events.contains(&("otp_removed".into(), String::new(), "127.0.0.1".into())));
}
