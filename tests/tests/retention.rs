//! Retention end to end, on the provider's frozen clock: finished sign-in requests, expired
//! browser sessions and events past their retention are deleted in small batches; a recent
//! sign-in, one still waiting for the phone, a session still open and recent events stay,
//! and the waiting sign-in still completes (`Config::retention`, docs/protocol.md §10).

mod protocol_support;

use std::time::{Duration, Instant};

use nyckel_core::protocol::RespondOutcome;
use nyckel_idp::{Purged, Retention, Started};
use protocol_support::*;

const HOUR: i64 = 3600;

/// Batches until none finds more; the sums.
fn purge_all(env: &Env) -> Purged {
    let mut total = Purged::default();
    loop {
        let p = env.provider.purge().unwrap();
        total.requests += p.requests;
        total.push_log += p.push_log;
        total.sessions += p.sessions;
        total.events += p.events;
        if !p.more {
            return total;
        }
    }
}

/// Whether the provider no longer knows the request.
fn gone(env: &Env, started: &Started) -> bool {
    match env.provider.signin_status(&started.id) {
        Ok(_) => false,
        Err(e) => {
            assert_eq!(e.code(), ErrorCode::NotFound, "{e}");
            true
        }
    }
}

/// Anna signs in: the page starts it, she approves it in the app with the number, and the
/// page completes it into a browser session.
fn sign_in(env: &Env, phone: &mut Phone) -> Started {
    let started = env.push("anna");
    approve(env, phone, &started);
    started
}

fn approve(env: &Env, phone: &mut Phone, started: &Started) {
    let listed = phone.open_app();
    let r = listed.iter().find(|r| r.id == started.id).expect("listed");
    assert_eq!(phone.approve(r, started.number), Ok(RespondOutcome::Approved));
    env.provider.complete_signin(started).expect("signed in");
}

fn policy(c: &mut nyckel_idp::Config) {
    c.session_ttl = 600;
    c.open_requests.recognised_for = HOUR;
    c.retention =
        Retention { requests: 2 * HOUR, sessions: HOUR, events: 3 * HOUR, ..Retention::default() };
}

#[test]
fn old_sign_ins_sessions_and_events_go_while_recent_waiting_and_open_ones_stay() {
    let env = Env::frozen_with(policy);
    let t0 = env.cfg.clock.now();
    let mut phone = Phone::enroll(&env.add_user("anna"));
    // t0: a completed sign-in (its session open until t0 + 600) and one never answered.
    let first = sign_in(&env, &mut phone);
    let unanswered = env.push("anna");
    assert_eq!(env.provider.pushes_for(&first.id).unwrap(), 1);
    env.advance(HOUR);
    // t0 + 1 h: another completed sign-in, its session open until t0 + 1 h + 600.
    let second = sign_in(&env, &mut phone);
    env.advance(HOUR + 200);
    // t0 + 2 h 200 s: one waiting for the phone. Requests started before t0 + 200 are past
    // their 2 h; sessions that expired before t0 + 1 h 200 s are past their hour.
    let waiting = env.push("anna");
    let events_before = env.provider.events(None, 1000).unwrap().len();
    let pushes = env.provider.pushes_for(&first.id).unwrap()
        + env.provider.pushes_for(&unanswered.id).unwrap();
    let p = purge_all(&env);
    assert_eq!((p.requests, p.push_log, p.sessions, p.events), (2, pushes as u64, 1, 0));
    assert!(gone(&env, &first) && gone(&env, &unanswered), "both ended more than 2 h ago");
    assert_eq!(env.provider.pushes_for(&first.id).unwrap(), 0, "with their push log");
    assert_eq!(env.state(&second.id), "completed", "a recent sign-in stays");
    assert_eq!(env.provider.pushes_for(&second.id).unwrap(), 1);
    assert_eq!(env.state(&waiting.id), "pending");
    assert_eq!(env.provider.events(None, 1000).unwrap().len(), events_before, "within 3 h");
    assert_eq!(purge_all(&env), Purged::default(), "nothing more to purge");
    // The waiting sign-in is untouched: it still completes.
    approve(&env, &mut phone, &waiting);
    assert_eq!(env.state(&waiting.id), "completed");

    // t0 + 3 h 1800 s: events before t0 + 1800 are past their 3 h: those of the first hour
    // go, the later ones stay. The second sign-in is past its 2 h now, and both open
    // sessions expired more than an hour ago.
    env.advance(HOUR + 1600);
    let events_before = env.provider.events(None, 1000).unwrap();
    let old_events = events_before.iter().filter(|e| e.at < t0 + 1800).count() as u64;
    assert!(old_events >= 4, "the first hour's events: {events_before:?}");
    let p = purge_all(&env);
    assert_eq!((p.requests, p.sessions, p.events), (1, 2, old_events));
    assert!(gone(&env, &second));
    assert_eq!(env.state(&waiting.id), "completed", "started within 2 h");
    let events_after = env.provider.events(None, 1000).unwrap();
    assert_eq!(events_after.len() as u64, events_before.len() as u64 - old_events);
    assert!(events_after.iter().all(|e| e.at >= t0 + HOUR), "{events_after:?}");
}

#[test]
fn serve_purges_by_itself() {
    let env = Env::frozen_with(|c| {
        policy(c);
        c.retention.every = Duration::from_millis(50);
    });
    env.add_user("anna");
    assert_eq!(env.events("user_added"), 1);
    env.advance(3 * HOUR + 1);
    let deadline = Instant::now() + Duration::from_secs(20);
    while env.events("user_added") != 0 {
        assert!(Instant::now() < deadline, "the event past its 3 h was not purged");
        std::thread::sleep(Duration::from_millis(20));
    }
}
