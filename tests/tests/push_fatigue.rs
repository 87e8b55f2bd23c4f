//! MFA fatigue (issue 11), end to end: an attacker who knows the password and retries all
//! hour gets at most ten notifications sent to the user's phone, and the real user, with the
//! attacker still going, signs in at once by opening the app (`docs/protocol.md` §7, §11).

mod protocol_support;

use nyckel_core::protocol::RespondOutcome;
use protocol_support::*;

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
            let sent: i64 = created.iter().map(|s| env.provider.pushes_for(&s.id).unwrap()).sum();
            notified_before_the_user = Some(sent);
            // The real user signs in from their own address: not refused, created quietly
            // (no notification to count on), approved in the app with the page's number.
            let mine = env.push("anna");
            assert_eq!((mine.quiet, mine.pushed_to), (true, 0));
            let listed = phone.open_app();
            let r = listed.iter().find(|r| r.id == mine.id).expect("listed in the app");
            assert_eq!(phone.approve(r, mine.number), Ok(RespondOutcome::Approved));
            assert!(env.provider.complete_signin(&mine).is_ok(), "signed in");
        }
        env.advance(60);
    }
    // What the provider records as sent (one push trigger per device and request) is what
    // the sign-ins said they notified.
    let sent: i64 = created.iter().map(|s| env.provider.pushes_for(&s.id).unwrap()).sum();
    let said: usize = created.iter().map(|s| s.pushed_to).sum();
    assert_eq!(sent as usize, said);
    assert!(sent <= 10, "{sent} notifications in an hour");
    // Before the user's approval the back-off had stopped notifications at six; the approval
    // started the budget over, and the hour's cap of ten held.
    assert_eq!(notified_before_the_user, Some(6));
    assert_eq!(sent, 10);
    let quiet = env.event_details("push_quiet");
    assert_eq!(quiet.len() + sent as usize, created.len() + 1, "every request either way");
    assert!(quiet.iter().any(|r| r == "hourly_limit") && quiet.iter().any(|r| r == "unanswered"));
    assert!(refused > 0 && created.len() > 10);
}
