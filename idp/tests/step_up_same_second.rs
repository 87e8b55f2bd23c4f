//! A step-up's vouching with the provider's clock frozen, so that sign-in, enrollment and the
//! step-ups all fall in one second: what decides whether a method may vouch in a browser
//! session is what the user had when it began (recorded with it), not the second it began in.

mod oidc_support;

use std::sync::Arc;

use nyckel_core::clock::{Clock, SystemClock};
use nyckel_core::protocol::{self as p, Decision, EnrollUri, HttpResponse};
use nyckel_core::random::SystemRandom;
use oidc_support::*;

/// A provider whose clock stands still (at the real time: the phone's requests carry it).
fn frozen() -> Idp {
    let at = SystemClock.now();
    Idp::start_configured(false, |cfg| cfg.clock = Arc::new(move || at)).0
}

/// Signs anna in on the pages with her phone's approval: a browser with a session.
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

/// Asks to add `method` with a phone's approval: the request, its token and the number.
fn start_add(base: &str, browser: &mut Browser, method: &str) -> (String, String, u8) {
    let page = browser.post(&format!("{base}/account/add/approve"), &form(&[("method", method)]));
    assert_eq!(page.status, 200, "an approval step-up is offered: {}", text(&page));
    let body = text(&page);
    let number = hidden(&body, "n").unwrap().parse().unwrap();
    (hidden(&body, "request").unwrap(), hidden(&body, "t").unwrap(), number)
}

/// Adds `method` with `approver`'s approval: the page that adds it (or refuses).
fn add_approved_by(
    base: &str,
    browser: &mut Browser,
    method: &str,
    approver: &mut Phone,
) -> HttpResponse {
    let (request, token, number) = start_add(base, browser, method);
    approver.decide(&request, Decision::Approve { number });
    let fields = [("method", method), ("request", &request), ("t", &token)];
    browser.post(&format!("{base}/account/add/confirm"), &form(&fields))
}

/// Enrolls a phone from the enrollment link on `page`.
fn enroll_from(page: &str, name: &str) -> Phone {
    let link = attr(page, "id=\"open-in-app\" href").expect("an enrollment link");
    let keys = p::SoftwareKeyStore::new();
    let uri = EnrollUri::parse(&link).unwrap();
    let (req, st) = p::enroll::begin(&uri, name, None, &keys, &SystemRandom, now()).unwrap();
    Phone { enrollment: st.finish(&send(&req), now()).unwrap(), keys }
}

#[test]
fn a_phone_from_the_sessions_second_vouches_if_it_was_there_and_not_if_added_in_it() {
    // anna's phone is enrolled in the very second her session begins: it was there, so it
    // vouches for adding a second phone.
    let mut idp = frozen();
    let mut browser = signed_in(&mut idp);
    let base = idp.issuer();
    let anna = &mut idp.phone;
    let page = add_approved_by(&base, &mut browser, "phone", anna);
    assert_eq!(page.status, 200, "{}", text(&page));
    let mut new = enroll_from(&text(&page), "Ny");
    // The phone added in that same second does not vouch in this session...
    let refused = add_approved_by(&base, &mut browser, "code", &mut new);
    assert_eq!(refused.status, 403, "{}", text(&refused));
    assert!(!text(&refused).contains("otpauth"), "{}", text(&refused));
    // ...anna's own still does.
    let page = add_approved_by(&base, &mut browser, "code", anna);
    assert_eq!(page.status, 200, "{}", text(&page));
    assert!(attr(&text(&page), "id=\"otp-open\" href").unwrap().starts_with("otpauth://"));
}

#[test]
fn a_bootstrap_session_keeps_its_bootstrap_when_the_first_phone_comes_in_its_second() {
    let idp = frozen();
    idp.provider.add_user("cecilia", Some(PASSWORD), false).unwrap();
    let mut browser = Browser::default();
    let fields = [("username", "cecilia"), ("mode", "password"), ("password", PASSWORD)];
    let signed_in = browser.post(&idp.url("/signin"), &form(&fields));
    assert_eq!(location(&signed_in), "/account");
    let page = browser.post(&idp.url("/account/add"), &form(&[("method", "phone")]));
    let mut first = enroll_from(&text(&page), "Första");
    // The first phone, from the session's own second, vouches in the bootstrap session.
    let page = add_approved_by(&idp.issuer(), &mut browser, "code", &mut first);
    assert_eq!(page.status, 200, "{}", text(&page));
    assert!(attr(&text(&page), "id=\"otp-open\" href").unwrap().starts_with("otpauth://"));
}
