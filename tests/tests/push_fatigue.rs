//! MFA fatigue (issue 11), end to end: an attacker who knows the password and retries all
//! hour gets at most ten notifications sent to the user's phone, one per approval of the user
//! once the budget is spent; an attacker with many addresses cannot supersede the real user's
//! sign-in; and the real user, with the attacker still going, signs in at once by opening the
//! app and typing the number on their own screen (`docs/protocol.md` §7, §11).

mod protocol_support;

use std::net::Ipv4Addr;

use nyckel_core::protocol::pending::MAX_PENDING;
use nyckel_core::protocol::RespondOutcome;
use nyckel_idp::Started;
use protocol_support::*;

/// Anna's own address.
const HOME: &str = "203.0.113.7";

/// The `i`th address of a botnet (one sign-in each, so no per-address limit bites).
fn bot(i: usize) -> String {
    format!("10.{}.{}.{}", i / 65_536, (i / 256) % 256, i % 256)
}

/// Notifications recorded for these sign-ins (one push trigger per device and request).
fn sent(env: &Env, started: &[Started]) -> i64 {
    started.iter().map(|s| env.provider.pushes_for(&s.id).unwrap()).sum()
}

/// A botnet's sign-ins for Anna, `per_second` a second from a new address each, over
/// `seconds` seconds of provider time starting with bot `first`: the ones created, and how
/// many were refused. A sign-in is refused only as rate-limited, when every request the app
/// lists is one nothing newer may replace (a request the user may be answering).
fn flood(env: &Env, first: usize, seconds: usize, per_second: usize) -> (Vec<Started>, usize) {
    let (mut created, mut refused) = (Vec::new(), 0);
    for second in 0..seconds {
        for i in 0..per_second {
            match env.start_from("anna", Kind::Push, &bot(first + second * per_second + i)) {
                Ok(s) => created.push(s),
                Err(e) => {
                    assert_eq!((e.status(), e.code()), (429, ErrorCode::RateLimited));
                    refused += 1;
                }
            }
        }
        env.advance(1);
    }
    (created, refused)
}

/// Anna signs in from `ip`: the page shows her number, she opens the app, finds the request
/// from where she is among those waiting, approves it with that number, and the page
/// completes into a session. Returns her sign-in.
fn sign_in_in_the_app(env: &Env, phone: &mut Phone, ip: &str) -> Started {
    let mine = env.start_from("anna", Kind::Push, ip).unwrap();
    let listed = phone.open_app();
    let r = listed.iter().find(|r| r.id == mine.id).expect("her sign-in is listed");
    assert_eq!((r.ip.as_str(), r.app.as_str()), (ip, "Webbmejl"), "with its context");
    assert_eq!(phone.approve(r, mine.number), Ok(RespondOutcome::Approved));
    assert!(env.provider.complete_signin(&mine).is_ok(), "signed in");
    mine
}

#[test]
fn an_attacker_pushing_all_hour_gets_at_most_ten_notifications_and_the_user_still_signs_in() {
    let env = Env::frozen_with(|_| {});
    let mut phone = Phone::enroll(&env.add_user("anna"));
    let attacker = "198.51.100.9";
    let mut created = Vec::new();
    let mut refused = 0;
    let mut notified_before_the_user = None;
    for minute in 0..60 {
        match env.start_from("anna", Kind::Push, attacker) {
            Ok(s) => created.push(s),
            Err(e) => {
                // Only the rate limit at the attacker's address refuses them.
                assert_eq!((e.status(), e.code()), (429, ErrorCode::RateLimited));
                refused += 1;
            }
        }
        if minute == 30 {
            notified_before_the_user = Some(sent(&env, &created));
            // The real user signs in from their own address: not refused, created quietly
            // (no notification to count on), approved in the app with the page's number.
            let mine = sign_in_in_the_app(&env, &mut phone, HOME);
            assert_eq!((mine.quiet, mine.pushed_to), (true, 0));
        }
        env.advance(60);
    }
    // What the provider records as sent (one push trigger per device and request) is what
    // the sign-ins said they notified.
    let total = sent(&env, &created);
    let said: usize = created.iter().map(|s| s.pushed_to).sum();
    assert_eq!(total as usize, said);
    assert!(total <= 10, "{total} notifications in an hour");
    // Before the user's approval the back-off had stopped notifications at six; the approval
    // answered one, which the attacker's next attempt took: one more, not a fresh allowance.
    assert_eq!(notified_before_the_user, Some(6));
    assert_eq!(total, 7);
    let quiet = env.event_details("push_quiet");
    assert_eq!(quiet.len() + total as usize, created.len() + 1, "every request either way");
    assert!(quiet.iter().all(|r| r == "unanswered" || r == "back_off"), "{quiet:?}");
    assert!(refused > 0 && created.len() > 10);
}

#[test]
fn each_approval_gives_an_attacker_with_many_addresses_at_most_one_notification() {
    let env = Env::frozen_with(|_| {});
    let mut phone = Phone::enroll(&env.add_user("anna"));
    let mut attacks = Vec::new();
    let mut notified_at = Vec::new();
    // One sign-in every 30 s for an hour, each from a new address; Anna signs in herself at
    // minutes 20, 35 and 50, by opening the app.
    for step in 0..120 {
        if [40, 70, 100].contains(&step) {
            let mine = sign_in_in_the_app(&env, &mut phone, HOME);
            assert_eq!((mine.quiet, mine.pushed_to), (true, 0), "at step {step}");
        }
        let s = env.start_from("anna", Kind::Push, &bot(step)).unwrap();
        if s.pushed_to > 0 {
            notified_at.push(step);
        }
        attacks.push(s);
        env.advance(30);
    }
    // Three free, then 60, 120 and 240 s apart, then quiet; after each of Anna's approvals
    // exactly one (the next attempt's), never the three free ones again.
    assert_eq!(notified_at, [0, 1, 2, 4, 8, 16, 40, 70, 100]);
    assert!(sent(&env, &attacks) <= 10);
    let anna = env.provider.users().unwrap().into_iter().find(|u| u.name == "anna").unwrap();
    assert_eq!(anna.unanswered_pushes, 6, "quiet again");
}

#[test]
fn a_botnet_with_the_password_cannot_supersede_the_users_sign_in_from_her_usual_place() {
    let env = Env::frozen_with(|_| {});
    let mut phone = Phone::enroll(&env.add_user("anna"));
    // Anna signed in from home yesterday: her address is recognised.
    sign_in_in_the_app(&env, &mut phone, HOME);
    env.advance(86_400);
    // The attack: ten sign-ins a second, each from a new address, spend the budget and fill
    // what the app lists.
    let (before, _) = flood(&env, 0, 10, 10);
    // Anna signs in while it goes on: quiet (the attacker spent the budget), but from home:
    // never refused, however full the list.
    let mine = env.start_from("anna", Kind::Push, HOME).unwrap();
    assert_eq!((mine.quiet, mine.pushed_to), (true, 0));
    let (after, refused) = flood(&env, 100, 90, 10);
    assert!(refused > 0, "the list filled");
    assert_eq!(env.state(&mine.id), "pending", "not superseded by any later sign-in");
    // The app lists what waits, each with where it comes from, within what it accepts.
    let listed = phone.open_app();
    assert!(listed.len() <= MAX_PENDING, "bounded: {} listed", listed.len());
    assert!(listed.iter().any(|r| r.id == mine.id && r.ip == HOME));
    let flood: Vec<Started> = before.into_iter().chain(after).collect();
    assert!(sent(&env, &flood) <= 10);
    assert!(flood.iter().any(|s| env.state(&s.id) == "superseded"), "quiet ones made room");
    // Typing her number into an attacker's request kills only that one.
    let theirs = listed.iter().find(|r| r.id != mine.id).unwrap();
    let their_number = flood.iter().find(|s| s.id == theirs.id).unwrap().number;
    let typed = if mine.number == their_number { wrong(mine.number) } else { mine.number };
    assert_eq!(phone.approve(theirs, typed), Err(wrong_number()));
    assert_eq!(
        (env.state(&theirs.id), env.state(&mine.id)),
        ("wrong_number".into(), "pending".into())
    );
    // Her own, with her number: a session.
    let r = listed.iter().find(|r| r.id == mine.id).unwrap();
    assert_eq!(phone.approve(r, mine.number), Ok(RespondOutcome::Approved));
    assert!(env.provider.complete_signin(&mine).is_ok(), "signed in");
}

#[test]
fn on_a_new_network_the_users_notified_sign_in_outlasts_a_quiet_flood() {
    let env = Env::frozen_with(|_| {});
    let mut phone = Phone::enroll(&env.add_user("anna"));
    // Anna, never signed in before, at a café: her sign-in is notified.
    let mine = env.start_from("anna", Kind::Push, "192.0.2.44").unwrap();
    assert_eq!((mine.quiet, mine.pushed_to), (false, 1));
    // Then the botnet: two more free notifications, then quiet sign-ins for a minute and a
    // half, five a second.
    let (flood, _) = flood(&env, 0, 90, 5);
    // Two free, one after the back-off's minute, then quiet.
    assert_eq!(sent(&env, &flood), 3);
    assert_eq!(env.state(&mine.id), "pending", "a quiet request never replaces a notified one");
    let listed = phone.open_app();
    assert!(listed.len() <= MAX_PENDING, "{} listed", listed.len());
    let r = listed.iter().find(|r| r.id == mine.id).expect("listed");
    assert_eq!(phone.approve(r, mine.number), Ok(RespondOutcome::Approved));
    assert!(env.provider.complete_signin(&mine).is_ok(), "signed in");
}

#[test]
fn a_botnet_cannot_replace_a_quiet_sign_in_from_a_new_place_and_browser_in_its_first_minute() {
    // The hardest case: the attacker keeps the budget spent, and Anna signs in from an
    // address and a browser she never used (nothing recognises her), so her request is
    // quiet. A botnet then makes ten sign-ins a second, each from a new address.
    let env = Env::frozen_with(|_| {});
    let mut phone = Phone::enroll(&env.add_user("anna"));
    for i in 0..10 {
        env.start_from("anna", Kind::Push, &bot(i)).unwrap();
        env.advance(10);
    }
    let mine = env.start_from("anna", Kind::Push, "192.0.2.44").unwrap();
    assert_eq!((mine.quiet, mine.pushed_to), (true, 0), "the attacker spent the budget");
    let (created, refused) = flood(&env, 1000, 55, 10);
    // Nothing newer pushed hers out; once the app's list was full of requests in their first
    // minute, the botnet's were refused (429, recorded), not hers replaced.
    assert_eq!(env.state(&mine.id), "pending");
    assert!(refused > 400 && created.len() < 100, "{} created, {refused} refused", created.len());
    assert_eq!(env.events("rate_limited"), refused);
    // Within the minute she opens the app, finds hers among what waits (at most what the app
    // lists) by its place, and types the number on her screen.
    let listed = phone.open_app();
    assert!(listed.len() <= MAX_PENDING);
    let r = listed.iter().find(|r| r.id == mine.id).expect("hers is listed");
    assert_eq!(r.ip, "192.0.2.44");
    assert_eq!(phone.approve(r, mine.number), Ok(RespondOutcome::Approved));
    assert!(env.provider.complete_signin(&mine).is_ok(), "signed in");
}

#[test]
fn past_the_bound_quiet_sign_ins_from_unrecognised_addresses_make_room_after_their_first_minute() {
    let env = Env::frozen_with(|c| c.open_requests.per_user = 4);
    let mut phone = Phone::enroll(&env.add_user("anna"));
    // Three notified sign-ins spend the free ones; then quiet ones from new addresses.
    let notified: Vec<Started> =
        (0..3).map(|i| env.start_from("anna", Kind::Push, &bot(i)).unwrap()).collect();
    assert!(notified.iter().all(|s| !s.quiet));
    let quiet: Vec<Started> =
        (3..6).map(|i| env.start_from("anna", Kind::Push, &bot(i)).unwrap()).collect();
    assert!(quiet.iter().all(|s| s.quiet));
    // Past the bound of four, but in their first minute: every one kept.
    assert!(quiet.iter().chain(&notified).all(|s| env.state(&s.id) == "pending"));
    assert_eq!(phone.open_app().len(), 6);
    // A minute later the quiet ones make room for a new one; the notified ones stay.
    env.advance(60);
    let later = env.start_from("anna", Kind::Push, &bot(6)).unwrap();
    let states: Vec<String> = quiet.iter().map(|s| env.state(&s.id)).collect();
    assert_eq!(states, ["superseded", "superseded", "superseded"]);
    assert!(notified.iter().all(|s| env.state(&s.id) == "pending"));
    assert_eq!(phone.open_app().len(), 4);
    // Without a browser (the API), the same address retrying replaces its own request,
    // whatever the bound.
    let again = env.start_from("anna", Kind::Push, &bot(6)).unwrap();
    assert_eq!(env.state(&later.id), "superseded");
    assert_eq!(env.state(&again.id), "pending");
}

/// Anna types her password on the sign-in page from loopback address `source`, in a browser
/// holding the recognised-browser cookie `known` if any: the number page.
fn password_page(env: &Env, source: Ipv4Addr, known: Option<&str>) -> WebResponse {
    let cookie = known.map(|k| format!("nyckel_known={k}"));
    let mut headers = vec![("Content-Type", "application/x-www-form-urlencoded")];
    if let Some(c) = &cookie {
        headers.push(("Cookie", c));
    }
    let fields = [("username", "anna"), ("mode", "password"), ("password", "lösenord")];
    let page = web_from(env, Some(source), "POST", "/signin", &headers, &form(&fields));
    assert_eq!(page.status, 200, "{}", page.body);
    page
}

/// The recognised-browser cookie a response sets, if any.
fn known_cookie(resp: &WebResponse) -> Option<String> {
    resp.headers
        .iter()
        .filter(|(k, _)| k.eq_ignore_ascii_case("set-cookie"))
        .find_map(|(_, v)| v.split(';').next()?.strip_prefix("nyckel_known=").map(str::to_owned))
}

#[test]
fn a_botnet_cannot_replace_the_users_sign_in_in_her_own_browser_on_a_new_network() {
    let env = Env::frozen_with(|_| {});
    let mut phone = Phone::enroll(&env.add_user("anna"));
    // At home Anna signs in on the page; completing it leaves her browser recognised.
    let home = Ipv4Addr::new(127, 0, 0, 2);
    let page = password_page(&env, home, None);
    let (id, token) = page_request(&page);
    let r = phone.open_app().into_iter().find(|r| r.id == id).expect("listed");
    assert_eq!(phone.approve(&r, page_number(&page)), Ok(RespondOutcome::Approved));
    let done =
        web_from(&env, Some(home), "POST", &format!("/signin/complete/{id}?t={token}"), &[], b"");
    assert_eq!(done.status, 200, "{}", done.body);
    let known = known_cookie(&done).expect("a recognised-browser cookie");
    let set = done.headers.iter().find(|(_, v)| v.starts_with("nyckel_known=")).unwrap();
    assert!(set.1.contains("HttpOnly") && set.1.contains("Max-Age=2592000"), "{}", set.1);
    env.advance(86_400);

    // The attack spends the budget; Anna, at a café she never used, signs in in her browser,
    // beside two browsers elsewhere: one with a forged cookie (her cookie's MAC on another
    // user id), one with none.
    for i in 0..10 {
        env.start_from("anna", Kind::Push, &bot(i)).unwrap();
        env.advance(10);
    }
    let cafe = Ipv4Addr::new(127, 0, 0, 3);
    let mine = password_page(&env, cafe, Some(&known));
    let (mine_id, mine_token) = page_request(&mine);
    assert!(mine.body.contains("Ingen notis skickades"), "quiet: the attacker spent the budget");
    let mac = known.rsplit('.').next().unwrap();
    let until = known.split('.').nth(1).unwrap();
    let forged = format!("{}.{until}.{mac}", nyckel_core::protocol::wire::b64(b"u-bertil"));
    let tampered = password_page(&env, Ipv4Addr::new(127, 0, 0, 4), Some(&forged));
    let stranger = password_page(&env, Ipv4Addr::new(127, 0, 0, 5), None);
    let (_, refused) = flood(&env, 20, 90, 5);
    assert!(refused > 0, "the list filled");
    assert_eq!(env.state(&mine_id), "pending", "kept through 450 later sign-ins");
    // The other two were kept only for their first minute, then made room.
    for other in [&tampered, &stranger] {
        assert_eq!(env.state(&page_request(other).0), "superseded", "not recognised");
    }
    // She approves it in the app with her number: a session.
    let r = phone.open_app().into_iter().find(|r| r.id == mine_id).expect("listed");
    assert_eq!(phone.approve(&r, page_number(&mine)), Ok(RespondOutcome::Approved));
    let path = format!("/signin/complete/{mine_id}?t={mine_token}");
    let done = web_from(&env, Some(cafe), "POST", &path, &[], b"");
    assert_eq!(done.status, 200, "{}", done.body);
    assert!(done.session_cookie().is_some());
}

/// The `nyckel_started` cookie a number page sets (the request this browser started).
fn started_cookie(resp: &WebResponse) -> String {
    resp.headers
        .iter()
        .filter(|(k, _)| k.eq_ignore_ascii_case("set-cookie"))
        .find_map(|(_, v)| v.split(';').next()?.strip_prefix("nyckel_started=").map(str::to_owned))
        .expect("a number page names its request")
}

#[test]
fn behind_the_users_nat_another_browser_replaces_none_of_her_sign_ins() {
    let env = Env::frozen_with(|_| {});
    let mut phone = Phone::enroll(&env.add_user("anna"));
    let nat = Ipv4Addr::new(127, 0, 0, 9);
    // Anna, on a network she shares with the attacker, in a browser new to her.
    let mine = password_page(&env, nat, None);
    let (mine_id, mine_token) = page_request(&mine);
    let mine_started = started_cookie(&mine);
    assert!(mine_started.starts_with(&format!("{mine_id}.")));
    // The attacker, from the same address, signs in again and again in their own browser —
    // with no cookie, then with the one their own page left.
    let theirs = password_page(&env, nat, None);
    let again = format!("nyckel_started={}", started_cookie(&theirs));
    let fields = [("username", "anna"), ("mode", "password"), ("password", "lösenord")];
    let headers =
        [("Content-Type", "application/x-www-form-urlencoded"), ("Cookie", again.as_str())];
    let retried = web_from(&env, Some(nat), "POST", "/signin", &headers, &form(&fields));
    assert_eq!(retried.status, 200, "{}", retried.body);
    // Each browser replaces only what it started itself: Anna's waits beside theirs.
    assert_eq!(env.state(&page_request(&theirs).0), "superseded", "their own retry");
    assert_eq!(env.state(&page_request(&retried).0), "pending");
    assert_eq!(env.state(&mine_id), "pending", "not superseded by another browser");
    // A cookie naming Anna's request without its status token proves nothing.
    let guessed = format!("nyckel_started={mine_id}.AAAA");
    let headers =
        [("Content-Type", "application/x-www-form-urlencoded"), ("Cookie", guessed.as_str())];
    let forged = web_from(&env, Some(nat), "POST", "/signin", &headers, &form(&fields));
    assert_eq!(forged.status, 200, "{}", forged.body);
    assert_eq!(env.state(&mine_id), "pending", "a guessed cookie replaces nothing");
    // Her own retry (her browser's cookie) replaces her earlier one, and she signs in with the
    // number on her screen.
    let own = format!("nyckel_started={mine_started}");
    let headers = [("Content-Type", "application/x-www-form-urlencoded"), ("Cookie", own.as_str())];
    let page = web_from(&env, Some(nat), "POST", "/signin", &headers, &form(&fields));
    assert_eq!(page.status, 200, "{}", page.body);
    assert_eq!(env.state(&mine_id), "superseded");
    let (id, token) = page_request(&page);
    assert_ne!(token, mine_token);
    let r = phone.open_app().into_iter().find(|r| r.id == id).expect("listed");
    assert_eq!(phone.approve(&r, page_number(&page)), Ok(RespondOutcome::Approved));
    let done =
        web_from(&env, Some(nat), "POST", &format!("/signin/complete/{id}?t={token}"), &[], b"");
    assert_eq!(done.status, 200, "{}", done.body);
    assert!(done.session_cookie().is_some());
}

fn wrong_number() -> nyckel_core::protocol::ProtocolError {
    nyckel_core::protocol::ProtocolError::Provider {
        status: 422,
        code: nyckel_core::protocol::ProviderCode::WrongNumber,
    }
}
