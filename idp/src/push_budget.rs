//! The push notification budget against MFA fatigue (`docs/protocol.md` §7, §11). Whether a
//! new sign-in request is *notified* — a push trigger to each of the user's devices — or
//! created in quiet mode, where it is only listed when the app fetches its pending requests.
//! Judged on what the store read under its write lock, in the same transaction as the
//! request it belongs to (like `guessing.rs` for passwords).
//!
//! Every notification counts as unanswered: a few are free, then each waits an exponentially
//! growing back-off after the previous one, then none is sent (quiet mode). The user's presence
//! — an approval in the app, or a sign-in completed with a one-time code — answers one: it
//! takes one off the count and lets the next notification go out without waiting
//! ([`answered`]), so the user's own next sign-in is notified, but an attacker who keeps the
//! budget spent gets one notification per presence of the user, never a fresh allowance. A
//! report mutes notifications for a while, and no user gets more than `per_hour` in any hour.
//! The budget never refuses a request, so an attacker who knows the password cannot lock the
//! real user out: at most, the user has to open the app.

use crate::config::PushBudgetLimits;
use crate::model::{PushBudget, PushPlan, QuietReason};

/// The wait after the previous notification when `unanswered` are outstanding: none for the
/// free ones, then `first_backoff · 2^(unanswered − free)` seconds.
fn backoff(limits: &PushBudgetLimits, unanswered: i64) -> i64 {
    let over = unanswered - i64::from(limits.free);
    if over < 0 {
        return 0;
    }
    limits.first_backoff.saturating_mul(1i64 << over.min(40))
}

/// The rule for a request created at `now`, given the stored budget and the notifications
/// sent for the user in the last hour: notify, or why not, and the budget to store.
pub(crate) fn judge(
    stored: PushBudget,
    notified_last_hour: i64,
    now: i64,
    limits: &PushBudgetLimits,
) -> PushPlan {
    // After a long enough silence the unanswered count is forgotten (never the mute).
    let b = if now.saturating_sub(stored.tried_at) >= limits.forget_after {
        PushBudget { unanswered: 0, sent_at: 0, ..stored }
    } else {
        stored
    };
    let quiet = if now < b.muted_until {
        Some(QuietReason::Muted)
    } else if notified_last_hour >= i64::from(limits.per_hour) {
        Some(QuietReason::HourlyLimit)
    } else if b.unanswered >= i64::from(limits.quiet_after) {
        Some(QuietReason::Unanswered)
    } else if now < b.sent_at.saturating_add(backoff(limits, b.unanswered)) {
        Some(QuietReason::BackOff)
    } else {
        None
    };
    let budget = match quiet {
        Some(_) => PushBudget { tried_at: now, ..b },
        None => PushBudget {
            unanswered: b.unanswered.saturating_add(1),
            sent_at: now,
            tried_at: now,
            ..b
        },
    };
    PushPlan { quiet, budget }
}

/// The budget after the user was present (approved a request in the app, or completed a
/// sign-in with a one-time code): one notification fewer counts as unanswered, and the next
/// one need not wait out the back-off — exactly the credit of one notification, never a reset
/// (the hourly limit and the mute stay as they are).
pub(crate) fn answered(b: PushBudget) -> PushBudget {
    PushBudget { unanswered: b.unanswered.saturating_sub(1).max(0), sent_at: 0, ..b }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(stored: PushBudget, hour: i64, now: i64) -> (String, PushBudget) {
        let plan = judge(stored, hour, now, &PushBudgetLimits::default());
        (plan.quiet.map_or("notify", QuietReason::as_str).to_owned(), plan.budget)
    }

    fn b(unanswered: i64, sent_at: i64, tried_at: i64) -> PushBudget {
        PushBudget { unanswered, sent_at, tried_at, muted_until: 0 }
    }

    #[test]
    fn three_notifications_are_free_then_the_gap_doubles_from_a_minute() {
        assert_eq!(run(PushBudget::default(), 0, 1000), ("notify".into(), b(1, 1000, 1000)));
        assert_eq!(run(b(2, 1000, 1000), 2, 1000).0, "notify");
        assert_eq!(run(b(3, 1000, 1000), 3, 1059), ("back_off".into(), b(3, 1000, 1059)));
        assert_eq!(run(b(3, 1000, 1059), 3, 1060), ("notify".into(), b(4, 1060, 1060)));
        assert_eq!(run(b(4, 1060, 1060), 4, 1179).0, "back_off");
        assert_eq!(run(b(4, 1060, 1060), 4, 1180).0, "notify");
        assert_eq!(run(b(5, 1180, 1180), 5, 1419).0, "back_off");
        assert_eq!(run(b(5, 1180, 1180), 5, 1420).0, "notify");
    }

    #[test]
    fn six_unanswered_make_it_quiet_until_an_approval_or_a_silent_day() {
        assert_eq!(run(b(6, 1000, 1000), 6, 1000 + 86_399).0, "unanswered");
        // Each quiet request keeps the silence from starting.
        assert_eq!(run(b(6, 1000, 90_000), 0, 170_000).0, "unanswered");
        assert_eq!(
            run(b(6, 1000, 1000), 0, 1000 + 86_400),
            ("notify".into(), b(1, 87_400, 87_400))
        );
        // The user's presence answers one: exactly one more notification, then quiet again.
        let present = answered(b(6, 1000, 1000));
        assert_eq!(present, b(5, 0, 1000));
        let (verdict, after) = run(present, 6, 1001);
        assert_eq!((verdict.as_str(), after), ("notify", b(6, 1001, 1001)));
        assert_eq!(run(after, 7, 1002).0, "unanswered");
    }

    #[test]
    fn presence_answers_one_notification_and_never_refills_the_free_ones() {
        // A user who answers every notification is always notified.
        let mut budget = PushBudget::default();
        for i in 0..20 {
            let plan = judge(budget, 1, 1000 + i * 600, &PushBudgetLimits::default());
            assert_eq!(plan.quiet, None, "sign-in {i}");
            budget = answered(plan.budget);
            assert_eq!((budget.unanswered, budget.sent_at), (0, 0));
        }
        // Inside the back-off, a presence lets the next notification out at once, only one.
        let waiting = b(4, 1000, 1000);
        assert_eq!(run(waiting, 4, 1001).0, "back_off");
        let (verdict, after) = run(answered(waiting), 4, 1001);
        assert_eq!((verdict.as_str(), after.unanswered), ("notify", 4));
        assert_eq!(run(after, 5, 1002).0, "back_off");
        // Never below zero, and the mute stays.
        let muted = PushBudget { muted_until: 9000, ..b(0, 5, 5) };
        assert_eq!(answered(muted), PushBudget { muted_until: 9000, ..b(0, 0, 5) });
        assert_eq!(answered(b(i64::MIN, 1, 1)).unanswered, 0);
    }

    #[test]
    fn an_attacker_keeping_the_budget_spent_gets_one_notification_per_user_approval() {
        let limits = PushBudgetLimits::default();
        let mut budget = PushBudget::default();
        let mut sent = Vec::new();
        // One attempt every 30 s for an hour; the user approves at minutes 20, 35 and 50.
        for step in 0..120 {
            let now = 10_000 + step * 30;
            if [40, 70, 100].contains(&step) {
                budget = answered(budget);
            }
            let hour = sent.iter().filter(|&&t| t > now - 3600).count() as i64;
            let plan = judge(budget, hour, now, &limits);
            if plan.quiet.is_none() {
                sent.push(now);
            }
            budget = plan.budget;
        }
        let at: Vec<i64> = sent.iter().map(|t| (t - 10_000) / 30).collect();
        // Three free, then 60, 120 and 240 s apart, then quiet; one right after each approval.
        assert_eq!(at, [0, 1, 2, 4, 8, 16, 40, 70, 100]);
    }

    #[test]
    fn the_hour_allows_ten_notifications_whatever_else_does() {
        assert_eq!(run(b(0, 1000, 1000), 9, 1001).0, "notify");
        assert_eq!(run(b(0, 1000, 1000), 10, 1001), ("hourly_limit".into(), b(0, 1000, 1001)));
    }

    #[test]
    fn a_report_mutes_until_its_end_and_a_silent_day_keeps_the_mute() {
        let muted = PushBudget { muted_until: 5000, ..b(0, 0, 1000) };
        assert_eq!(run(muted, 0, 4999).0, "muted");
        assert_eq!(run(muted, 0, 5000).0, "notify");
        let long = PushBudget { muted_until: 200_000, ..b(2, 1000, 1000) };
        let (verdict, kept) = run(long, 0, 100_000);
        assert_eq!((verdict.as_str(), kept.muted_until, kept.unanswered), ("muted", 200_000, 0));
    }

    #[test]
    fn an_attacker_retrying_every_minute_for_an_hour_gets_six_notifications() {
        let mut budget = PushBudget::default();
        let mut sent = Vec::new();
        for minute in 0..60 {
            let now = 10_000 + minute * 60;
            let hour = sent.iter().filter(|&&t| t > now - 3600).count() as i64;
            let plan = judge(budget, hour, now, &PushBudgetLimits::default());
            if plan.quiet.is_none() {
                sent.push(now);
            }
            budget = plan.budget;
        }
        let minutes: Vec<i64> = sent.iter().map(|t| (t - 10_000) / 60).collect();
        assert_eq!(minutes, [0, 1, 2, 3, 5, 9]);
    }

    #[test]
    fn extreme_values_do_not_overflow() {
        let extreme = PushBudget {
            unanswered: i64::MAX,
            sent_at: i64::MAX,
            tried_at: i64::MIN,
            muted_until: i64::MIN,
        };
        assert_eq!(run(extreme, i64::MAX, i64::MAX).0, "hourly_limit");
        let (_, kept) = run(b(5, i64::MAX, i64::MAX), 0, i64::MIN);
        assert_eq!(kept.unanswered, 5);
        let limits = PushBudgetLimits { first_backoff: i64::MAX, ..Default::default() };
        assert_eq!(backoff(&limits, 100), i64::MAX);
    }
}
