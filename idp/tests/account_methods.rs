//! The account page's "Ta bort" per phone, over loopback: a second phone goes at once, the
//! last one only after a warning, another user's phone and a cross-site post are refused and
//! change nothing, and a removed phone can no longer approve.

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

fn remove(idp: &Idp, browser: &mut Browser, device: &str, confirm: bool) -> HttpResponse {
    let mut fields = vec![("device", device)];
    if confirm {
        fields.push(("confirm", "1"));
    }
    browser.post(&idp.url("/account/devices/remove"), &form(&fields))
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
fn a_second_phone_goes_at_once_and_can_no_longer_approve() {
    let mut idp = Idp::start();
    let (mut new, keys) = second_phone(&idp, "anna");
    let mut browser = signed_in(&mut idp);
    let account = text(&browser.get(&idp.url("/account")));
    assert!(account.contains("aria-label=\"Ta bort Ny telefon\""), "{account}");

    let done = remove(&idp, &mut browser, &new.device_id, false);
    assert_eq!(done.status, 200, "{}", text(&done));
    assert!(text(&done).contains("id=\"removed\""));
    assert_eq!(active_devices(&idp, "anna"), vec![idp.phone.enrollment.device_id.clone()]);
    assert_eq!(browser.get(&idp.url("/account")).status, 303, "signed out everywhere");
    let events = idp.provider.events(Some("anna"), 50).unwrap();
    assert!(events
        .iter()
        .any(|e| e.kind == "device_removed" && e.detail == new.device_id && e.ip == "127.0.0.1"));

    // The removed phone is refused; the other one still approves.
    let from = SigninFrom { app: "A".into(), ip: "198.51.100.7".into(), location: String::new() };
    idp.provider.start_signin("anna", RequestKind::Push, &from).unwrap();
    let (req, fetch) = p::fetch_pending(&new, &keys, &SystemRandom, now()).unwrap();
    assert!(p::parse_pending(&mut new, &fetch, &send(&req), now()).is_err());
    signed_in(&mut idp);
}

#[test]
fn two_removals_at_once_cannot_take_the_last_phone_without_the_warning() {
    let mut idp = Idp::start();
    let (new, _keys) = second_phone(&idp, "anna");
    let first = idp.phone.enrollment.device_id.clone();
    let mut browser = signed_in(&mut idp).clone();
    let url = idp.url("/account/devices/remove");
    let body = form(&[("device", first.as_str())]);
    // The other phone's removal commits while this one waits for the write lock: judged on
    // what it read before, this one would take the last phone without the warning.
    let answer = idp
        .provider
        .while_write_locked(move || browser.post(&url, &body), |w| w.revoke_device(&new.device_id));
    assert_eq!(answer.status, 409, "the last phone now: warned, {}", text(&answer));
    assert_eq!(active_devices(&idp, "anna"), vec![first]);
}

#[test]
fn the_last_phone_goes_only_after_a_warning() {
    let mut idp = Idp::start();
    let device = idp.phone.enrollment.device_id.clone();
    let mut browser = signed_in(&mut idp);
    let warned = remove(&idp, &mut browser, &device, false);
    assert_eq!(warned.status, 409, "{}", text(&warned));
    let body = text(&warned);
    assert!(body.contains("id=\"remove-warning\"") && body.contains("ny registreringskod"));
    assert!(body.contains("id=\"confirm-remove\""), "{body}");
    assert_eq!(active_devices(&idp, "anna"), vec![device.clone()], "nothing removed yet");
    assert_eq!(browser.get(&idp.url("/account")).status, 200, "still signed in");

    let done = remove(&idp, &mut browser, &device, true);
    assert_eq!(done.status, 200, "{}", text(&done));
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
    let mut browser = signed_in(&mut idp);

    let theirs = remove(&idp, &mut browser, &bertil.enrollment.device_id, true);
    assert_eq!(theirs.status, 404, "{}", text(&theirs));
    assert_eq!(active_devices(&idp, "bertil").len(), 1);
    let unknown = remove(&idp, &mut browser, &"x".repeat(65), true);
    assert_eq!(unknown.status, 400);

    let mut cross = browser.clone();
    cross.extra = vec![("Origin".into(), "https://evil.example".into())];
    let forged = remove(&idp, &mut cross, &second.device_id, true);
    assert_eq!(forged.status, 403, "{}", text(&forged));
    assert_eq!(active_devices(&idp, "anna").len(), 2, "nothing removed");

    let mut signed_out = Browser::default();
    let anonymous = remove(&idp, &mut signed_out, &second.device_id, true);
    assert_eq!(location(&anonymous), "/signin");
    assert_eq!(active_devices(&idp, "anna").len(), 2);
}

#[test]
fn the_account_page_lists_each_phone_offers_the_app_link_and_sees_a_new_phone_arrive() {
    let mut idp = Idp::start();
    let mut browser = signed_in(&mut idp);
    let state = |b: &mut Browser| {
        let resp = b.get(&idp.url("/account/devices/state"));
        assert_eq!(resp.status, 200, "{}", text(&resp));
        serde_json::from_slice::<serde_json::Value>(&resp.body).unwrap()["active"].as_u64()
    };
    let account = text(&browser.get(&idp.url("/account")));
    // Each phone with its name, when it was added and last used (anna's phone just approved).
    assert!(account.contains("<th>Tillagd</th><th>Senast använd</th>"), "{account}");
    assert!(!account.contains("Aldrig"), "the phone that approved has been used: {account}");
    // The code as a QR code with an accessible name, and as an app link on the phone itself.
    let link = attr(&account, "id=\"open-in-app\" href").expect("Öppna i Nyckel");
    let shown = account.split("<code class=\"uri\" id=\"enroll-uri\">").nth(1).unwrap();
    let shown = shown.split("</code>").next().unwrap().replace("&amp;", "&");
    assert!(link.starts_with("nyckel-enroll://v1?") && link == shown, "{link} vs {shown}");
    assert!(account.contains("aria-label=\"QR-kod för att lägga till en telefon i Nyckel\""));
    assert!(account.contains("data-active=\"1\""), "{account}");
    assert_eq!(state(&mut browser), Some(1));

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
fn the_methods_list_shows_phone_signin_and_the_one_time_code_method() {
    let mut idp = Idp::start();
    let mut browser = signed_in(&mut idp);
    let account = text(&browser.get(&idp.url("/account")));
    assert!(account.contains("<h2>Dina inloggningsmetoder</h2>"), "{account}");
    assert!(account.contains("<th>Telefoninloggning</th>"), "{account}");
    // anna's phone has no phone sign-in credential; she has no one-time code.
    assert!(account.contains("<td>Av</td><td>Aktiv</td>"), "{account}");
    assert!(account.contains("id=\"code-method\">Verifieringskod: ingen<"), "{account}");
}

#[test]
fn a_one_time_code_method_is_added_with_its_qr_code_and_counts_once_confirmed() {
    let mut idp = Idp::start();
    let mut browser = signed_in(&mut idp);
    let account = text(&browser.get(&idp.url("/account")));
    assert!(account.contains("id=\"add-otp\""), "{account}");
    let add = |b: &mut Browser| b.post(&idp.url("/account/code/new"), "");

    // A cross-site or signed-out post adds nothing.
    let mut cross = browser.clone();
    cross.extra = vec![("Origin".into(), "https://evil.example".into())];
    assert_eq!(add(&mut cross).status, 403);
    cross.extra = vec![("Sec-Fetch-Site".into(), "cross-site".into())];
    assert_eq!(add(&mut cross).status, 403);
    assert_eq!(location(&add(&mut Browser::default())), "/signin");
    let account = text(&browser.get(&idp.url("/account")));
    assert!(account.contains("Verifieringskod: ingen"), "{account}");

    let page = add(&mut browser);
    assert_eq!(page.status, 200, "{}", text(&page));
    let body = text(&page);
    assert!(body.contains("aria-label=\"QR-kod för verifieringskoden\""), "{body}");
    let uri = attr(&body, "id=\"otp-open\" href").expect("the otpauth link");
    let otp = nyckel_core::otpauth::parse(&uri).unwrap().params;
    // Shown again (the same secret) until it is confirmed.
    assert_eq!(attr(&text(&add(&mut browser)), "id=\"otp-open\" href").as_deref(), Some(&*uri));
    let account = text(&browser.get(&idp.url("/account")));
    assert!(account.contains("Verifieringskod: väntar på aktivering"), "{account}");

    let provider_now = now() + idp.offset.load(std::sync::atomic::Ordering::SeqCst);
    let right = otp.code_at(provider_now as u64).unwrap().value;
    let mut wrong = right.clone().into_bytes();
    wrong[5] = b'0' + (wrong[5] - b'0' + 1) % 10;
    let wrong = String::from_utf8(wrong).unwrap();
    let confirm = |b: &mut Browser, code: &str| {
        b.post(&idp.url("/account/code"), &form(&[("code", code)])).status
    };
    assert_eq!(confirm(&mut browser, &wrong), 401);
    let account = text(&browser.get(&idp.url("/account")));
    assert!(account.contains("väntar på aktivering"), "a wrong code confirms nothing");
    assert_eq!(confirm(&mut browser, &right), 303);
    let account = text(&browser.get(&idp.url("/account")));
    assert!(account.contains("Verifieringskod: aktiverad ✓"), "{account}");
    assert!(!account.contains("id=\"add-otp\""), "{account}");
    let again = add(&mut browser);
    assert_eq!(again.status, 409, "{}", text(&again));
    assert!(!text(&again).contains("otpauth"), "the active secret is not shown again");

    let events = idp.provider.events(Some("anna"), 50).unwrap();
    assert!(events.iter().any(|e| e.kind == "otp_added" && e.ip == "127.0.0.1"));
    assert!(events.iter().any(|e| e.kind == "otp_confirmed"));
}
