//! The provider under abuse, over loopback (issue 11, "Provider" and "Proving it"): password
//! guessing and spraying, floods of password checks, and what the real user can still do.
//! Each test asserts on answers, counters and limits, never on how long something took.

mod protocol_support;

use std::net::Ipv4Addr;

use nyckel_core::protocol::RespondOutcome;
use nyckel_idp::Provider;
use protocol_support::*;

const PASSWORD: &str = "lösenord";

fn password_form<'a>(name: &'a str, password: &'a str) -> [(&'a str, &'a str); 3] {
    [("username", name), ("mode", "password"), ("password", password)]
}

/// POSTs the password form for `name` from the loopback address `source`.
fn try_password(env: &Env, source: Option<Ipv4Addr>, name: &str, password: &str) -> WebResponse {
    let h = [("Content-Type", "application/x-www-form-urlencoded")];
    web_from(env, source, "POST", "/signin", &h, &form(&password_form(name, password)))
}

/// [`try_password`] in a browser holding the recognised-browser cookie `known`, if any.
fn try_password_in(
    env: &Env,
    source: Ipv4Addr,
    known: Option<&str>,
    name: &str,
    password: &str,
) -> WebResponse {
    let cookie = known.map(|k| format!("nyckel_known={k}"));
    let mut h = vec![("Content-Type", "application/x-www-form-urlencoded")];
    if let Some(c) = &cookie {
        h.push(("Cookie", c));
    }
    web_from(env, Some(source), "POST", "/signin", &h, &form(&password_form(name, password)))
}

/// Approves the request of number page `page` with `phone` and completes it in the browser at
/// `source`: the completion's answer (a session, and the recognised-browser cookie).
fn approve_and_complete(
    env: &Env,
    phone: &mut Phone,
    source: Ipv4Addr,
    page: &WebResponse,
) -> WebResponse {
    assert_eq!(page.status, 200, "{}", page.body);
    let (id, token) = page_request(page);
    let r = phone.open_app().into_iter().find(|r| r.id == id).expect("listed");
    assert_eq!(phone.approve(&r, page_number(page)), Ok(RespondOutcome::Approved));
    let done =
        web_from(env, Some(source), "POST", &format!("/signin/complete/{id}?t={token}"), &[], b"");
    assert!(done.session_cookie().is_some(), "{}", done.body);
    done
}

/// The recognised-browser cookie a response sets, if any.
fn known_cookie(resp: &WebResponse) -> Option<String> {
    resp.headers
        .iter()
        .filter(|(k, _)| k.eq_ignore_ascii_case("set-cookie"))
        .find_map(|(_, v)| v.split(';').next()?.strip_prefix("nyckel_known=").map(str::to_owned))
}

fn phone_signin(env: &Env, name: &str) -> WebResponse {
    web_form(env, "/signin", &[("username", name), ("mode", "phone")], &[])
}

#[test]
fn password_guessing_backs_off_then_locks_but_never_blocks_the_phone() {
    let env = Env::frozen_with(|c| c.guessing.lock_after = 10);
    let mut phone = Phone::enroll(&env.add_user("anna"));
    phone.enable_phone_signin("2468").unwrap();
    // Five wrong passwords are answered as wrong …
    for i in 0..5 {
        assert_eq!(try_password(&env, None, "anna", "fel").status, 401, "attempt {i}");
    }
    assert_eq!(env.events("password_failed"), 5, "each failure is recorded");
    // … then the name must wait, and the password is not even checked: the right one too.
    let resp = try_password(&env, None, "anna", PASSWORD);
    assert_eq!(resp.status, 429, "{}", resp.body);
    assert_eq!(resp.header("retry-after"), Some("1"));
    assert!(resp.body.contains("Försök igen om 1 s"), "{}", resp.body);
    assert_eq!(env.events("signin_started"), 0);
    // An unknown name gets exactly the same answers (no account is revealed).
    for _ in 0..5 {
        assert_eq!(try_password(&env, None, "ingen", "fel").status, 401);
    }
    let unknown = try_password(&env, None, "ingen", PASSWORD);
    assert_eq!((unknown.status, unknown.header("retry-after")), (429, Some("1")));
    // Once the wait is over the right password works and the count starts over.
    env.advance(1);
    let resp = try_password(&env, None, "anna", PASSWORD);
    assert_eq!(resp.status, 200, "{}", resp.body);
    for _ in 0..5 {
        assert_eq!(try_password(&env, None, "anna", "fel").status, 401);
    }
    // The waits double; at the limit (10 here, 100 by default) the password is locked.
    for _ in 5..10 {
        assert_eq!(try_password(&env, None, "anna", "fel").status, 429);
        env.advance(900);
        assert_eq!(try_password(&env, None, "anna", "fel").status, 401);
    }
    env.advance(900);
    let locked = try_password(&env, None, "anna", PASSWORD);
    assert_eq!(locked.status, 423, "{}", locked.body);
    assert!(locked.body.contains("spärrad"), "{}", locked.body);
    env.advance(30 * 86_400);
    assert_eq!(try_password(&env, None, "anna", PASSWORD).status, 423, "a lock does not expire");
    // The lock is stored: a restarted provider keeps it.
    let restarted = Provider::open(&env.db, env.cfg.clone()).unwrap();
    let server = restarted.spawn("127.0.0.1:0").unwrap();
    let again = Env { server: Some(server), provider: restarted, ..Env::new() };
    assert_eq!(try_password(&again, None, "anna", PASSWORD).status, 423);
    // The limit gates the password only: Anna signs in with her phone.
    let resp = phone_signin(&env, "anna");
    assert_eq!(resp.status, 200, "{}", resp.body);
    let (id, token) = page_request(&resp);
    // (The phone learns the moved provider clock from its first, clock-skewed answer.)
    let _ = phone.try_pending();
    let r = phone.pending_one(&id);
    assert_eq!(phone.approve(&r, page_number(&resp)), Ok(RespondOutcome::Approved));
    let done = web(&env, "POST", &format!("/signin/complete/{id}?t={token}"), &[], b"");
    assert!(done.session_cookie().is_some(), "signed in by phone while the password is locked");
    // The administrator unlocks the name; the password works again.
    assert!(env.provider.unlock_password("anna").unwrap());
    assert_eq!(env.events("password_unlocked"), 1);
    assert_eq!(try_password(&env, None, "anna", PASSWORD).status, 200);
}

#[test]
fn an_attacker_who_knows_only_the_name_never_delays_or_locks_the_users_own_browser() {
    let env = Env::frozen_with(|c| c.guessing.lock_after = 10);
    // Anna has a phone for push approvals, no phone sign-in key: the password is her way in.
    let mut phone = Phone::enroll(&env.add_user("anna"));
    let home = Ipv4Addr::new(127, 0, 0, 2);
    let first = try_password_in(&env, home, None, "anna", PASSWORD);
    let known = known_cookie(&approve_and_complete(&env, &mut phone, home, &first))
        .expect("a recognised-browser cookie");
    env.advance(3600);
    // The attacker, from an address Anna never used and without her browser, guesses within
    // every per-source allowance until the name is locked (10 here, 100 by default) …
    let attacker = Ipv4Addr::new(127, 0, 0, 9);
    for i in 0..5 {
        assert_eq!(try_password_in(&env, attacker, None, "anna", "fel").status, 401, "{i}");
    }
    for _ in 5..10 {
        assert_eq!(try_password_in(&env, attacker, None, "anna", "fel").status, 429);
        env.advance(900);
        assert_eq!(try_password_in(&env, attacker, None, "anna", "fel").status, 401);
    }
    let locked = try_password_in(&env, attacker, None, "anna", PASSWORD);
    assert_eq!(locked.status, 423, "{}", locked.body);
    // … which holds for every unfamiliar place: a browser elsewhere without her cookie, one
    // with a forged cookie (her MAC on another user's id).
    let elsewhere = Ipv4Addr::new(127, 0, 0, 4);
    assert_eq!(try_password_in(&env, elsewhere, None, "anna", PASSWORD).status, 423);
    let until = known.split('.').nth(1).unwrap();
    let mac = known.rsplit('.').next().unwrap();
    let forged = format!("{}.{until}.{mac}", nyckel_core::protocol::wire::b64(b"u-bertil"));
    assert_eq!(try_password_in(&env, elsewhere, Some(&forged), "anna", PASSWORD).status, 423);
    // Anna's own browser, on a network she never used, signs in with password + push at once.
    let cafe = Ipv4Addr::new(127, 0, 0, 3);
    let page = try_password_in(&env, cafe, Some(&known), "anna", PASSWORD);
    approve_and_complete(&env, &mut phone, cafe, &page);
    // So does another browser of hers at home, her recognised address.
    let page = try_password_in(&env, home, None, "anna", PASSWORD);
    approve_and_complete(&env, &mut phone, home, &page);
    let failed = env.event_details("password_failed");
    assert_eq!(failed.len(), 10);
    assert!(failed.iter().all(|d| d == "unfamiliar"), "{failed:?}");
    // Failures in her familiar context still back off, on its own counter: five free, then
    // waits, for her cookie's browser anywhere and at home alike.
    for i in 0..5 {
        assert_eq!(try_password_in(&env, home, None, "anna", "fel").status, 401, "{i}");
    }
    let wait = try_password_in(&env, cafe, Some(&known), "anna", PASSWORD);
    assert_eq!((wait.status, wait.header("retry-after")), (429, Some("1")), "{}", wait.body);
    assert_eq!(try_password_in(&env, home, None, "anna", PASSWORD).status, 429);
    assert_eq!(env.event_details("password_failed").iter().filter(|d| *d == "familiar").count(), 5);
    // Its wait over, the right password works again there; elsewhere the lock stays until the
    // administrator lifts it.
    env.advance(1);
    let page = try_password_in(&env, cafe, Some(&known), "anna", PASSWORD);
    approve_and_complete(&env, &mut phone, cafe, &page);
    assert_eq!(try_password_in(&env, attacker, None, "anna", PASSWORD).status, 423);
    assert!(env.provider.unlock_password("anna").unwrap());
    assert_eq!(try_password_in(&env, attacker, None, "anna", PASSWORD).status, 200);
}

#[test]
fn a_password_sprayer_is_stopped_per_source_while_other_sources_sign_in() {
    let env = Env::frozen_with(|c| c.guessing.source_failures = 12);
    let _phone = Phone::enroll(&env.add_user("anna"));
    let sprayer = Some(Ipv4Addr::new(127, 0, 0, 2));
    // One common password against many names, each name under its own limit.
    for i in 0..12 {
        let name = format!("user{i}");
        assert_eq!(try_password(&env, sprayer, &name, "Sommar2026!").status, 401, "{name}");
    }
    let resp = try_password(&env, sprayer, "anna", "Sommar2026!");
    assert_eq!(resp.status, 429, "{}", resp.body);
    let wait: i64 = resp.header("retry-after").unwrap().parse().unwrap();
    assert!((1..=600).contains(&wait), "{wait}");
    // The real user, from another address, is not affected.
    let resp = try_password(&env, Some(Ipv4Addr::new(127, 0, 0, 3)), "anna", PASSWORD);
    assert_eq!(resp.status, 200, "{}", resp.body);
    // The sprayer's window ends.
    env.advance(600);
    assert_eq!(try_password(&env, sprayer, "user99", "Sommar2026!").status, 401);
}

#[test]
fn concurrent_password_checks_are_bounded() {
    let env = Env::with(|c| {
        c.server.hashing = 2;
        c.server.hashing_wait = std::time::Duration::from_secs(120);
    });
    // 24 wrong passwords at once (distinct names, each within its limits) all get their
    // answer, while at most two hashes (19 MiB each) run at any moment.
    let answers: Vec<u16> = std::thread::scope(|s| {
        let threads: Vec<_> = (0..24)
            .map(|i| {
                let env = &env;
                s.spawn(move || try_password(env, None, &format!("namn{i}"), "fel").status)
            })
            .collect();
        threads.into_iter().map(|t| t.join().unwrap()).collect()
    });
    assert!(answers.iter().all(|s| *s == 401), "{answers:?}");
    let peak = Provider::peak_password_hashes();
    assert!((1..=2).contains(&peak), "at most two hashes at once, saw {peak}");
}

#[test]
fn password_checks_past_the_bound_are_refused_quickly_with_retry_after() {
    let env = Env::with(|c| {
        c.server.hashing = 1;
        c.server.hashing_wait = std::time::Duration::ZERO;
    });
    // The one slot's holder waits for the database (held by another writer), so every other
    // check arriving meanwhile finds no slot and is refused at once: 503 `busy`.
    let answers: Vec<WebResponse> = env.provider.while_write_locked(
        || {
            std::thread::scope(|s| {
                let threads: Vec<_> = (0..6)
                    .map(|i| {
                        let env = &env;
                        s.spawn(move || try_password(env, None, &format!("namn{i}"), "fel"))
                    })
                    .collect();
                threads.into_iter().map(|t| t.join().unwrap()).collect()
            })
        },
        |_| {},
    );
    let statuses: Vec<u16> = answers.iter().map(|a| a.status).collect();
    assert!(statuses.iter().all(|s| *s == 401 || *s == 503), "{statuses:?}");
    assert!(statuses.contains(&401) && statuses.contains(&503), "{statuses:?}");
    for busy in answers.iter().filter(|a| a.status == 503) {
        assert_eq!(busy.header("retry-after"), Some("1"));
        assert!(busy.body.contains("belastad"), "{}", busy.body);
    }
    assert_eq!(Provider::peak_password_hashes(), 1);
    // A refused check was not counted as a guess: that name still has its five tries.
    let refused = statuses.iter().position(|s| *s == 503).unwrap();
    for _ in 0..5 {
        assert_eq!(try_password(&env, None, &format!("namn{refused}"), "fel").status, 401);
    }
}

/// How a connection ended, read until the server closes it (or 20 s pass: `None`).
fn read_until_closed(stream: &mut std::net::TcpStream) -> Option<String> {
    use std::io::Read;
    stream.set_read_timeout(Some(std::time::Duration::from_secs(20))).unwrap();
    let mut got = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        match stream.read(&mut buf) {
            Ok(0) => return Some(String::from_utf8_lossy(&got).into_owned()),
            Ok(n) => got.extend_from_slice(&buf[..n]),
            Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => {
                return Some(String::from_utf8_lossy(&got).into_owned())
            }
            Err(_) => return None,
        }
    }
}

fn send_raw(stream: &mut std::net::TcpStream, bytes: &str) {
    use std::io::Write;
    stream.write_all(bytes.as_bytes()).unwrap();
}

#[test]
fn slowloris_connections_are_dropped_and_real_clients_are_served() {
    let env = Env::with(|c| {
        c.server.header_timeout = std::time::Duration::from_secs(1);
        c.server.request_timeout = std::time::Duration::from_secs(2);
        c.server.max_connections_per_source = 4;
    });
    let attacker = Some(Ipv4Addr::new(127, 0, 0, 2));
    // Four connections from one address: half-sent headers, and one that sends nothing.
    let mut idle: Vec<_> = (0..4).map(|_| connect_from(&env, attacker)).collect();
    for s in &mut idle[..3] {
        send_raw(s, "GET /signin HTTP/1.1\r\nHost: idp\r\nX-Slow: ");
    }
    // A fifth from the same address is closed at once, unanswered.
    let mut fifth = connect_from(&env, attacker);
    send_raw(&mut fifth, "GET /signin HTTP/1.1\r\nHost: idp\r\n\r\n");
    assert_eq!(read_until_closed(&mut fifth).as_deref(), Some(""), "closed without an answer");
    // Meanwhile the real user is served.
    let resp = web(&env, "GET", "/signin", &[], b"");
    assert_eq!(resp.status, 200);
    // A body trickled too slowly is cut off at the request deadline.
    let mut slow_body = connect_from(&env, Some(Ipv4Addr::new(127, 0, 0, 3)));
    send_raw(
        &mut slow_body,
        "POST /signin HTTP/1.1\r\nHost: idp\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 100\r\n\r\nusername=a",
    );
    let answer = read_until_closed(&mut slow_body).expect("the server ends a slow body");
    assert!(answer.starts_with("HTTP/1.1 400"), "{answer}");
    assert!(answer.contains("not received in time"), "{answer}");
    // The idle connections are dropped at the header deadline, never answered with a page.
    for (i, s) in idle.iter_mut().enumerate() {
        let end = read_until_closed(s).unwrap_or_else(|| panic!("idle connection {i} kept open"));
        assert!(!end.contains("200 OK"), "{end}");
    }
    // Their slots are free again: the same address is served.
    let resp = web_from(&env, attacker, "GET", "/signin", &[], b"");
    assert_eq!(resp.status, 200);
}

#[test]
fn idle_connections_filling_every_slot_are_dropped_and_the_server_recovers() {
    let env = Env::with(|c| {
        c.server.header_timeout = std::time::Duration::from_secs(1);
        c.server.max_connections = 3;
    });
    let mut idle: Vec<_> =
        (0..3).map(|i| connect_from(&env, Some(Ipv4Addr::new(127, 0, 1, i)))).collect();
    // Past the bound a connection waits in the backlog; it is served once a slot frees.
    let resp = web(&env, "GET", "/signin", &[], b"");
    assert_eq!(resp.status, 200);
    for s in &mut idle {
        assert!(read_until_closed(s).is_some(), "an idle connection kept its slot");
    }
}

#[test]
fn a_request_flood_leaves_the_real_user_able_to_sign_in() {
    let env = Env::new();
    let mut phone = Phone::enroll(&env.add_user("anna"));
    let flooder = Some(Ipv4Addr::new(127, 0, 0, 2));
    let flood_answers = std::thread::scope(|s| {
        // 8 clients × 30 requests: wrong passwords, username-only sign-ins, pages, time.
        let flood: Vec<_> = (0..8)
            .map(|t| {
                let env = &env;
                s.spawn(move || {
                    (0..30)
                        .map(|i| match i % 4 {
                            0 => try_password(env, flooder, &format!("spray{t}-{i}"), "Vinter1!"),
                            1 => web_from(env, flooder, "GET", "/signin", &[], b""),
                            2 => {
                                web_from(env, flooder, "GET", "/nyckel/v1/time?nonce=abc", &[], b"")
                            }
                            _ => {
                                let h = [("Content-Type", "application/x-www-form-urlencoded")];
                                let f = form(&[("username", "anna"), ("mode", "phone")]);
                                web_from(env, flooder, "POST", "/signin", &h, &f)
                            }
                        })
                        .map(|r| r.status)
                        .collect::<Vec<u16>>()
                })
            })
            .collect();
        // Meanwhile Anna signs in with her password and phone.
        let resp = web_form(&env, "/signin", &password_form("anna", PASSWORD), &[]);
        assert_eq!(resp.status, 200, "{}", resp.body);
        let (id, token) = page_request(&resp);
        let r = phone.pending_one(&id);
        assert_eq!(phone.approve(&r, page_number(&resp)), Ok(RespondOutcome::Approved));
        let done = web(&env, "POST", &format!("/signin/complete/{id}?t={token}"), &[], b"");
        assert!(done.session_cookie().is_some(), "Anna is signed in during the flood");
        flood.into_iter().flat_map(|t| t.join().unwrap()).collect::<Vec<u16>>()
    });
    assert_eq!(flood_answers.len(), 240, "every flood request got an answer");
    let unexpected: Vec<_> =
        flood_answers.iter().filter(|s| ![200, 401, 409, 429, 503].contains(*s)).collect();
    assert!(unexpected.is_empty(), "typed answers only: {unexpected:?}");
    // The spray was limited per source: not every wrong password was checked.
    assert!(flood_answers.contains(&429));
}
