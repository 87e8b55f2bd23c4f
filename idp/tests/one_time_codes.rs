//! One-time codes on the provider's pages, over loopback: the account page's activation
//! ("Ange en engångskod från appen"), "Använd en verifieringskod" instead of a push after the
//! password (also for an OpenID Connect application: `amr` `["pwd", "otp", "mfa"]`), each code
//! usable once, at most five wrong codes per 15 minutes, what a stale or forged form gets,
//! a sign-in by code counting as the user's presence for the push budget, and a user whose
//! only method is the code asked for it after the password (never the password alone).

mod oidc_support;

use std::sync::atomic::Ordering;

use nyckel_core::otpauth::OtpParams;
use nyckel_core::protocol::{self as p, Decision, HttpResponse};
use nyckel_core::random::SystemRandom;
use oidc_support::*;
use serde_json::json;

/// Anna's provider, her phone and the one-time-code account the app took from the enrollment.
fn start() -> (Idp, OtpParams) {
    let (idp, code) = Idp::start_with(true);
    (idp, code.expect("the enrollment carries the one-time-code account"))
}

/// The provider's time.
fn provider_now(idp: &Idp) -> i64 {
    now() + idp.offset.load(Ordering::SeqCst)
}

/// The code the app shows now (`steps` periods later).
fn app_code(idp: &Idp, otp: &OtpParams, steps: i64) -> String {
    otp.code_at((provider_now(idp) + 30 * steps) as u64).unwrap().value
}

/// Types anna's password (for the waiting application `authz`): the number page.
fn after_password(idp: &Idp, browser: &mut Browser, authz: Option<&str>) -> HttpResponse {
    let mut fields = vec![("username", "anna"), ("mode", "password"), ("password", PASSWORD)];
    if let Some(a) = authz {
        fields.push(("authz", a));
    }
    let page = browser.post(&idp.url("/signin"), &form(&fields));
    assert_eq!(page.status, 200, "{}", text(&page));
    page
}

/// The request id and status token of a number page.
fn request_of(page: &HttpResponse) -> (String, String) {
    let body = text(page);
    (attr(&body, "data-request").unwrap(), attr(&body, "data-token").unwrap())
}

/// Signs anna in with the phone's approval: a browser with a session.
fn signed_in_by_push(idp: &mut Idp) -> Browser {
    let mut browser = Browser::default();
    let page = after_password(idp, &mut browser, None);
    let (id, token) = request_of(&page);
    let body = text(&page);
    let number = number_on(&body);
    idp.phone.decide(&id, Decision::Approve { number });
    let done = browser.post(&idp.url(&format!("/signin/complete/{id}?t={token}")), "");
    assert_eq!(done.status, 200, "{}", text(&done));
    browser
}

/// Posts a code for the number page's request.
fn type_code(idp: &Idp, browser: &mut Browser, page: &HttpResponse, code: &str) -> HttpResponse {
    let (id, token) = request_of(page);
    browser
        .post(&idp.url("/signin/code"), &form(&[("request", &id), ("t", &token), ("code", code)]))
}

/// Confirms anna's secret on the account page (as she does after scanning the QR code).
fn confirm(idp: &mut Idp, otp: &OtpParams) {
    let mut browser = signed_in_by_push(idp);
    let done = browser.post(&idp.url("/account/code"), &form(&[("code", &app_code(idp, otp, 0))]));
    assert_eq!(location(&done), "/account");
}

#[test]
fn activation_asks_for_a_code_from_the_app_and_only_then_is_it_a_sign_in_method() {
    let (mut idp, otp) = start();
    let mut browser = Browser::default();
    let page = after_password(&idp, &mut browser, None);
    assert!(!text(&page).contains("use-code"), "an unconfirmed secret is no sign-in method");
    // A forged form for the request is refused the same way.
    let forged = type_code(&idp, &mut browser, &page, &app_code(&idp, &otp, 0));
    assert_eq!(forged.status, 409, "{}", text(&forged));
    assert!(text(&forged).contains("ingen aktiverad verifieringskod"), "{}", text(&forged));

    let mut browser = signed_in_by_push(&mut idp);
    let account = text(&browser.get(&idp.url("/account")));
    assert!(account.contains("Ange en engångskod från appen"), "{account}");
    assert!(account.contains("id=\"otp-code\"") && account.contains("id=\"confirm-otp\""));

    let wrong = browser.post(&idp.url("/account/code"), &form(&[("code", "000000")]));
    assert_eq!(wrong.status, 401, "{}", text(&wrong));
    assert!(text(&wrong).contains("Koden stämmer inte"), "{}", text(&wrong));
    let right =
        browser.post(&idp.url("/account/code"), &form(&[("code", &app_code(&idp, &otp, 0))]));
    assert_eq!(location(&right), "/account");
    let account = text(&browser.get(&idp.url("/account")));
    assert!(account.contains("id=\"code-status\""), "{account}");
    assert!(!account.contains("confirm-otp"), "asked once");
    let events = idp.provider.events(Some("anna"), 50).unwrap();
    assert!(events.iter().any(|e| e.kind == "otp_confirmed"));
    assert!(events.iter().any(|e| e.kind == "otp_refused" && e.detail == "wrong"));

    // Now the number page offers the code.
    let page = after_password(&idp, &mut Browser::default(), None);
    assert!(text(&page).contains("Använd en verifieringskod"), "{}", text(&page));
}

#[test]
fn a_code_signs_in_instead_of_the_push_and_ends_the_request_on_the_phone() {
    let (mut idp, otp) = start();
    confirm(&mut idp, &otp);
    idp.advance(30); // the confirming code's step is used

    let mut browser = Browser::default();
    let page = after_password(&idp, &mut browser, None);
    let (id, token) = request_of(&page);
    // Without a code: the form.
    let asked = browser.post(&idp.url("/signin/code"), &form(&[("request", &id), ("t", &token)]));
    assert_eq!(asked.status, 200);
    for field in ["id=\"code\"", "id=\"verify\"", "autocomplete=\"one-time-code\""] {
        assert!(text(&asked).contains(field), "{field}");
    }
    let code = app_code(&idp, &otp, 0);
    let done = type_code(&idp, &mut browser, &page, &code);
    assert_eq!(location(&done), "/account");
    assert!(browser.cookie.is_some(), "a session");
    assert!(text(&browser.get(&idp.url("/account"))).contains("Inloggad som anna"));
    let status = idp.provider.signin_status(&id).unwrap();
    assert_eq!((status.state.as_str(), status.by_code), ("completed", true));

    // The phone no longer sees the request.
    let (req, fetch) =
        p::fetch_pending(&idp.phone.enrollment, &idp.phone.keys, &SystemRandom, now()).unwrap();
    let list = p::parse_pending(&mut idp.phone.enrollment, &fetch, &send(&req), now()).unwrap();
    assert!(list.iter().all(|r| r.id != id), "completed by the code");

    // The same code again, for a new sign-in: used.
    let mut other = Browser::default();
    let page = after_password(&idp, &mut other, None);
    let again = type_code(&idp, &mut other, &page, &code);
    assert_eq!(again.status, 401);
    assert!(text(&again).contains("redan använts"), "{}", text(&again));
    assert!(other.cookie.is_none());
    // A code of the next step works (±1 step of drift).
    let next = type_code(&idp, &mut other, &page, &app_code(&idp, &otp, 1));
    assert_eq!(location(&next), "/account");
}

#[test]
fn five_wrong_codes_stop_every_check_for_fifteen_minutes_and_say_when() {
    let (mut idp, otp) = start();
    confirm(&mut idp, &otp);
    idp.advance(30);
    let mut browser = Browser::default();
    let page = after_password(&idp, &mut browser, None);
    for _ in 0..5 {
        let wrong = type_code(&idp, &mut browser, &page, "123456");
        assert_eq!(wrong.status, 401, "{}", text(&wrong));
    }
    let limited = type_code(&idp, &mut browser, &page, &app_code(&idp, &otp, 0));
    assert_eq!(limited.status, 429, "even the right code is not checked");
    let body = text(&limited);
    assert!(body.contains("För många felaktiga koder") && body.contains("Försök igen om 15 min"));
    assert!(browser.cookie.is_none());
    // The phone's approval still works meanwhile: the real user is not locked out.
    let (id, token) = request_of(&page);
    let number = number_on(&text(&page));
    idp.phone.decide(&id, Decision::Approve { number });
    let done = browser.post(&idp.url(&format!("/signin/complete/{id}?t={token}")), "");
    assert_eq!(done.status, 200, "{}", text(&done));

    // A quarter of an hour later, codes are checked again.
    idp.advance(15 * 60);
    let mut later = Browser::default();
    let page = after_password(&idp, &mut later, None);
    let ok = type_code(&idp, &mut later, &page, &app_code(&idp, &otp, 0));
    assert_eq!(location(&ok), "/account");
}

#[test]
fn a_decided_expired_or_forged_request_takes_no_code() {
    let (mut idp, otp) = start();
    confirm(&mut idp, &otp);
    idp.advance(30);
    let mut browser = Browser::default();

    let page = after_password(&idp, &mut browser, None);
    let (id, _) = request_of(&page);
    idp.phone.decide(&id, Decision::Deny);
    let denied = type_code(&idp, &mut browser, &page, &app_code(&idp, &otp, 0));
    assert_eq!(denied.status, 409, "{}", text(&denied));
    assert!(text(&denied).contains("väntar inte längre"));

    idp.advance(30);
    let page = after_password(&idp, &mut browser, None);
    idp.advance(121);
    let expired = type_code(&idp, &mut browser, &page, &app_code(&idp, &otp, 0));
    assert_eq!(expired.status, 409, "{}", text(&expired));

    idp.advance(30);
    let page = after_password(&idp, &mut browser, None);
    let (id, _) = request_of(&page);
    let forged = browser.post(
        &idp.url("/signin/code"),
        &form(&[("request", &id), ("t", "not-the-token"), ("code", &app_code(&idp, &otp, 0))]),
    );
    assert_eq!(forged.status, 404, "only the browser that typed the password holds the token");
    assert!(browser.cookie.is_none());

    // Another site's form is refused before anything is checked.
    let mut cross = Browser {
        extra: vec![("Origin".into(), "https://evil.example".into())],
        ..Browser::default()
    };
    let refused = type_code(&idp, &mut cross, &page, &app_code(&idp, &otp, 0));
    assert_eq!(refused.status, 403);
    let ok = type_code(&idp, &mut browser, &page, &app_code(&idp, &otp, 0));
    assert_eq!(location(&ok), "/account", "the code was not spent by the refused tries");
}

#[test]
fn an_application_gets_amr_pwd_otp_mfa() {
    let (mut idp, otp) = start();
    confirm(&mut idp, &otp);
    idp.advance(30);
    let rp = idp.client(false, None);
    let (verifier, challenge) = pkce();
    let mut browser = Browser::default();
    let signin = browser.get(&idp.authorize_url(&rp, Some(&challenge), &[]));
    let authz = hidden(&text(&signin), "authz").unwrap();
    let page = after_password(&idp, &mut browser, Some(&authz));
    let body = text(&page);
    assert!(body.contains("id=\"use-code\""), "{body}");
    assert_eq!(hidden(&body, "authz").as_deref(), Some(authz.as_str()), "the form carries it");
    let (id, token) = request_of(&page);
    let done = browser.post(
        &idp.url("/signin/code"),
        &form(&[
            ("request", &id),
            ("t", &token),
            ("authz", &authz),
            ("code", &app_code(&idp, &otp, 0)),
        ]),
    );
    let resume = location(&done);
    assert!(resume.starts_with("/oidc/authorize/resume?authz="), "{resume}");
    let answer = browser.get(&format!("{}{resume}", idp.server.base_url));
    let to = location(&answer);
    let code = param(&to, "code").expect("a code for the application");
    let tokens = json(&idp.token(&rp, &code, Some(&verifier)));
    let claims = idp.verify_id_token(&rp, tokens["id_token"].as_str().unwrap());
    assert_eq!(claims["amr"], json!(["pwd", "otp", "mfa"]));
    assert_eq!(claims["preferred_username"], "anna");
}

#[test]
fn a_sign_in_by_code_is_the_users_presence_for_the_push_budget() {
    let (mut idp, otp) = start();
    confirm(&mut idp, &otp);
    let unanswered = |idp: &Idp| {
        let users = idp.provider.users().unwrap();
        users.into_iter().find(|u| u.name == "anna").unwrap().unanswered_pushes
    };
    assert_eq!(unanswered(&idp), 0, "the confirming sign-in's approval answered its push");
    // Six sign-ins left unanswered, each past the back-off and the address's rate window:
    // quiet mode.
    for _ in 0..6 {
        idp.advance(601);
        after_password(&idp, &mut Browser::default(), None);
    }
    assert_eq!(unanswered(&idp), 6);
    idp.advance(601);
    let mut browser = Browser::default();
    let page = after_password(&idp, &mut browser, None);
    assert!(text(&page).contains("Ingen notis skickades"), "quiet: {}", text(&page));
    assert_eq!(idp.provider.pushes_for(&request_of(&page).0).unwrap(), 0);
    // Anna signs in with a code from the app instead: she is present, as an approval says.
    let done = type_code(&idp, &mut browser, &page, &app_code(&idp, &otp, 0));
    assert_eq!(location(&done), "/account");
    assert_eq!(unanswered(&idp), 5, "one notification answered, not a reset");
    // Her next sign-in is notified at once; the one after is quiet again.
    let next = after_password(&idp, &mut Browser::default(), None);
    assert!(!text(&next).contains("Ingen notis skickades"));
    assert_eq!(idp.provider.pushes_for(&request_of(&next).0).unwrap(), 1);
    let after = after_password(&idp, &mut Browser::default(), None);
    assert!(text(&after).contains("Ingen notis skickades"));
    assert_eq!(unanswered(&idp), 6);
}

/// cecilia, who never had a phone: her first sign-in (the password alone: the enrollment
/// bootstrap) adds a one-time code on the account page and confirms it. Its parameters.
fn code_only_user(idp: &Idp) -> OtpParams {
    idp.provider.add_user("cecilia", Some(PASSWORD), false).unwrap();
    let mut browser = Browser::default();
    let fields = [("username", "cecilia"), ("mode", "password"), ("password", PASSWORD)];
    assert_eq!(location(&browser.post(&idp.url("/signin"), &form(&fields))), "/account");
    let page = text(&browser.post(&idp.url("/account/add"), &form(&[("method", "code")])));
    let uri = attr(&page, "id=\"otp-open\" href").expect("the first code on the session alone");
    let otp = nyckel_core::otpauth::parse(&uri).unwrap().params;
    let code = app_code(idp, &otp, 0);
    assert_eq!(
        location(&browser.post(&idp.url("/account/code"), &form(&[("code", &code)]))),
        "/account"
    );
    otp
}

/// `name`'s password typed on the sign-in page (for the waiting application `authz`).
fn password_of(idp: &Idp, browser: &mut Browser, name: &str, authz: Option<&str>) -> HttpResponse {
    let mut fields = vec![("username", name), ("mode", "password"), ("password", PASSWORD)];
    if let Some(a) = authz {
        fields.push(("authz", a));
    }
    browser.post(&idp.url("/signin"), &form(&fields))
}

/// The page after the password must be the code form, and no session: (request, token).
fn asked_for_the_code(idp: &Idp, browser: &mut Browser, page: &HttpResponse) -> (String, String) {
    assert_eq!(page.status, 200, "the password alone opens no session: {}", text(page));
    assert!(browser.cookie.is_none(), "no session before the code");
    assert_eq!(location(&browser.get(&idp.url("/account"))), "/signin");
    let body = text(page);
    for part in ["action=\"/signin/code\"", "id=\"code\"", "id=\"verify\""] {
        assert!(body.contains(part), "{part}: {body}");
    }
    assert!(!body.contains("id=\"number\""), "no phone to approve: {body}");
    (hidden(&body, "request").unwrap(), hidden(&body, "t").unwrap())
}

#[test]
fn a_user_whose_only_method_is_the_code_is_asked_for_it_after_the_password() {
    let (idp, _) = start();
    let otp = code_only_user(&idp);
    idp.advance(30); // the confirming code's step is used

    // The pages: the password, then the code form straight away; no notification goes out.
    let mut browser = Browser::default();
    let page = password_of(&idp, &mut browser, "cecilia", None);
    let (id, token) = asked_for_the_code(&idp, &mut browser, &page);
    assert_eq!(idp.provider.pushes_for(&id).unwrap(), 0);
    let post_code = |b: &mut Browser, code: &str| {
        b.post(&idp.url("/signin/code"), &form(&[("request", &id), ("t", &token), ("code", code)]))
    };
    let wrong = post_code(&mut browser, &app_code(&idp, &otp, 20));
    assert_eq!(wrong.status, 401, "{}", text(&wrong));
    assert!(browser.cookie.is_none());
    let done = post_code(&mut browser, &app_code(&idp, &otp, 0));
    assert_eq!(location(&done), "/account");
    assert!(text(&browser.get(&idp.url("/account"))).contains("Inloggad som cecilia"));
    let status = idp.provider.signin_status(&id).unwrap();
    assert_eq!((status.state.as_str(), status.by_code), ("completed", true));

    // An application's sign-in (OpenID Connect) the same way: amr pwd, otp, mfa.
    idp.advance(30);
    let rp = idp.client(false, None);
    let (verifier, challenge) = pkce();
    let mut browser = Browser::default();
    let signin = browser.get(&idp.authorize_url(&rp, Some(&challenge), &[]));
    let authz = hidden(&text(&signin), "authz").unwrap();
    let page = password_of(&idp, &mut browser, "cecilia", Some(&authz));
    let (id, token) = asked_for_the_code(&idp, &mut browser, &page);
    assert_eq!(hidden(&text(&page), "authz").as_deref(), Some(authz.as_str()));
    let done = browser.post(
        &idp.url("/signin/code"),
        &form(&[
            ("request", &id),
            ("t", &token),
            ("authz", &authz),
            ("code", &app_code(&idp, &otp, 0)),
        ]),
    );
    let resume = location(&done);
    assert!(resume.starts_with("/oidc/authorize/resume?authz="), "{resume}");
    let to = location(&browser.get(&format!("{}{resume}", idp.server.base_url)));
    let code = param(&to, "code").expect("a code for the application");
    let tokens = json(&idp.token(&rp, &code, Some(&verifier)));
    let claims = idp.verify_id_token(&rp, tokens["id_token"].as_str().unwrap());
    assert_eq!(claims["amr"], json!(["pwd", "otp", "mfa"]));
    assert_eq!(claims["preferred_username"], "cecilia");
}

#[test]
fn once_every_phone_is_revoked_a_confirmed_code_still_signs_in_and_the_password_alone_never() {
    let (mut idp, otp) = start();
    confirm(&mut idp, &otp);
    idp.advance(30);
    idp.provider.revoke_device(&idp.phone.enrollment.device_id).unwrap();
    let mut browser = Browser::default();
    let page = password_of(&idp, &mut browser, "anna", None);
    let (id, token) = asked_for_the_code(&idp, &mut browser, &page);
    let done = browser.post(
        &idp.url("/signin/code"),
        &form(&[("request", &id), ("t", &token), ("code", &app_code(&idp, &otp, 0))]),
    );
    assert_eq!(location(&done), "/account");
}

/// What anna's phone learns about her other ways in (§4.11).
fn standing(idp: &mut Idp) -> p::Standing {
    let phone = &mut idp.phone;
    let (req, check) = p::standing(&phone.enrollment, &phone.keys, &SystemRandom, now()).unwrap();
    check.finish(&mut phone.enrollment, &send(&req), now()).unwrap()
}

#[test]
fn a_confirmed_code_tells_the_phone_it_is_not_the_last_way_in() {
    let (mut idp, otp) = start();
    let before = standing(&mut idp);
    assert!(!before.one_time_code && before.is_last_method(), "an unconfirmed secret is no way in");
    confirm(&mut idp, &otp);
    let after = standing(&mut idp);
    assert_eq!((after.other_phones, after.one_time_code), (0, true));
    assert!(!after.is_last_method());
}

#[test]
fn every_enrollment_code_that_carries_the_providers_secret_marks_it_managed() {
    use nyckel_core::protocol::EnrollUri;
    let (idp, _) = start();
    // The administrator's codes: with a secret, marked managed; without one, no mark.
    for (name, totp) in [("dora", true), ("erik", false)] {
        let added = idp.provider.add_user(name, Some(PASSWORD), totp).unwrap().enroll_uri;
        let again = idp.provider.issue_enrollment(name).unwrap().enroll_uri;
        for uri in [added, again] {
            let parsed = EnrollUri::parse(&uri).unwrap();
            assert_eq!((parsed.otp.is_some(), parsed.otp_managed), (totp, totp), "{name}");
        }
    }
    // The account page's first code (the enrollment bootstrap) carries the unconfirmed one.
    let mut browser = Browser::default();
    let page = password_of(&idp, &mut browser, "dora", None);
    assert_eq!(location(&page), "/account");
    let account = text(&browser.get(&idp.url("/account")));
    let link = attr(&account, "id=\"open-in-app\" href").expect("the first phone's code");
    let parsed = EnrollUri::parse(&link).unwrap();
    assert!(parsed.otp.is_some() && parsed.otp_managed, "{link}");
}
