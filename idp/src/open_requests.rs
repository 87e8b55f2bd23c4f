//! Coexisting sign-in requests (`docs/protocol.md` §7): which of a user's open requests a new
//! one replaces. Judged on what the store read under its write lock, in the transaction that
//! creates the request (like `push_budget.rs`).
//!
//! A new request replaces only the open requests from its own source address (the same
//! person retrying; a password sign-in also a username-only one), so an attacker with other
//! addresses cannot supersede the real user's sign-in: their requests wait side by side, and
//! the app lists each with its context. Only the request whose number the user types can be
//! approved, and a wrong number kills only that request.
//!
//! The open requests are bounded. Past `per_user` (8), the oldest *quiet* request from an
//! address and a browser the user has not signed in from recently makes room. A notified
//! request, one from a recognised address and one started in a recognised browser
//! (`known_browser.rs`) are never replaced by a quiet one: the notification the user may be
//! answering stays answerable, and so does a sign-in from the user's usual place or browser.
//! Kept requests are bounded by themselves (notifications by the push budget, recognised
//! addresses by their number and one request each, recognised browsers by the user's own
//! sign-ins); should they ever fill [`MOST_OPEN`], a new request replaces only one kept as
//! strongly as itself, or is refused.

use nyckel_core::protocol::wire::RequestKind;

use crate::config::OpenRequestLimits;
use crate::model::{OpenRequest, RequestId};

/// The most requests a user has open at once in any case: what the app accepts in one
/// pending list (core's `protocol::pending::MAX_PENDING`), so every open request is listed.
pub(crate) const MOST_OPEN: usize = 16;

/// How strongly an open request is kept when the bound is reached (the lowest goes first).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Keep {
    /// Quiet, from an address and a browser the user has not signed in from recently.
    Quiet,
    /// Notified (a push trigger was sent), from an unrecognised address and browser.
    Notified,
    /// From one of the user's recognised addresses, or in a browser recognised as theirs
    /// (`known_browser.rs`).
    Recognised,
}

fn keep(notified: bool, source: &str, known_browser: bool, recognised: &[String]) -> Keep {
    if known_browser || (!source.is_empty() && recognised.iter().any(|s| s == source)) {
        Keep::Recognised
    } else if notified {
        Keep::Notified
    } else {
        Keep::Quiet
    }
}

/// The request about to be created, as far as the bound is concerned.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Arriving<'a> {
    /// Push or passwordless.
    pub kind: RequestKind,
    /// Its source key.
    pub source: &'a str,
    /// The push budget notifies it.
    pub notified: bool,
    /// Started in a browser recognised as the user's.
    pub known_browser: bool,
}

/// What the bound decides for a new request.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Admission {
    /// Create it, replacing these open requests (oldest first within each reason).
    Admit(Vec<RequestId>),
    /// [`MOST_OPEN`] requests, each kept more strongly than the new one, are open: refuse it.
    Full,
}

/// The open requests `new` replaces, given the user's `open` requests and `recognised`
/// source keys.
pub(crate) fn admit(
    open: &[OpenRequest],
    new: Arriving<'_>,
    recognised: &[String],
    limits: &OpenRequestLimits,
) -> Admission {
    // A password sign-in replaces the same address's open requests of either kind; a
    // username-only one only its username-only ones (it never displaces a password sign-in).
    let same_source = |r: &OpenRequest| {
        r.source == new.source
            && (new.kind == RequestKind::Push || r.kind == RequestKind::Passwordless)
    };
    let mut replaced: Vec<RequestId> =
        open.iter().filter(|r| same_source(r)).map(|r| r.id.clone()).collect();
    let mut staying: Vec<(Keep, i64, &RequestId)> = open
        .iter()
        .filter(|r| !same_source(r))
        .map(|r| (keep(r.notified, &r.source, r.known_browser, recognised), r.created_at, &r.id))
        .collect();
    // The weakest kept first, the oldest first among equals.
    staying.sort_by_key(|(k, at, _)| (*k, *at));
    let mut staying = std::collections::VecDeque::from(staying);
    let soft = limits.per_user.clamp(1, MOST_OPEN);
    while staying.len() >= soft && staying.front().is_some_and(|(k, ..)| *k == Keep::Quiet) {
        replaced.extend(staying.pop_front().map(|(.., id)| id.clone()));
    }
    let strength = keep(new.notified, new.source, new.known_browser, recognised);
    while staying.len() >= MOST_OPEN {
        match staying.pop_front() {
            Some((k, _, id)) if k <= strength => replaced.push(id.clone()),
            _ => return Admission::Full,
        }
    }
    Admission::Admit(replaced)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn open(id: &str, kind: RequestKind, at: i64, notified: bool, source: &str) -> OpenRequest {
        OpenRequest {
            id: RequestId::new(id),
            kind,
            created_at: at,
            notified,
            source: source.to_owned(),
            known_browser: false,
        }
    }

    fn push(id: &str, at: i64, notified: bool, source: &str) -> OpenRequest {
        open(id, RequestKind::Push, at, notified, source)
    }

    fn arriving(source: &str, notified: bool) -> Arriving<'_> {
        Arriving { kind: RequestKind::Push, source, notified, known_browser: false }
    }

    fn ids(a: Admission) -> Vec<String> {
        match a {
            Admission::Admit(v) => v.into_iter().map(RequestId::into_string).collect(),
            Admission::Full => vec!["full".into()],
        }
    }

    fn limits() -> OpenRequestLimits {
        OpenRequestLimits::default()
    }

    #[test]
    fn a_new_request_replaces_only_its_own_addresses_requests() {
        let list = [
            push("mine", 10, false, "203.0.113.7"),
            push("other", 11, false, "198.51.100.9"),
            open("pl", RequestKind::Passwordless, 12, false, "203.0.113.7"),
        ];
        let none: [String; 0] = [];
        assert_eq!(ids(admit(&list, arriving("192.0.2.1", false), &none, &limits())), [""; 0]);
        assert_eq!(
            ids(admit(&list, arriving("203.0.113.7", false), &none, &limits())),
            ["mine", "pl"]
        );
        // A username-only request replaces only the same address's username-only ones.
        let pl = Arriving { kind: RequestKind::Passwordless, ..arriving("203.0.113.7", true) };
        assert_eq!(ids(admit(&list, pl, &none, &limits())), ["pl"]);
    }

    #[test]
    fn past_the_bound_the_oldest_quiet_unrecognised_request_makes_room() {
        let recognised = ["10.0.0.1".to_owned()];
        // The user's, from their usual address, then a notified one, then six quiet ones.
        let mut list = vec![push("user", 1, false, "10.0.0.1"), push("notified", 2, true, "a")];
        list.extend((0..6).map(|i| push(&format!("q{i}"), 10 + i, false, &format!("s{i}"))));
        assert_eq!(ids(admit(&list, arriving("x", false), &recognised, &limits())), ["q0"]);
        // Below the bound nothing goes.
        assert!(ids(admit(&list[..7], arriving("x", false), &recognised, &limits())).is_empty());
        // A smaller bound takes as many as needed, never the kept ones.
        let two = OpenRequestLimits { per_user: 2, ..limits() };
        let gone = ids(admit(&list, arriving("x", false), &recognised, &two));
        assert_eq!(gone, ["q0", "q1", "q2", "q3", "q4", "q5"]);
    }

    #[test]
    fn a_flood_of_quiet_requests_never_replaces_a_notified_or_recognised_one() {
        let recognised = ["10.0.0.1".to_owned()];
        let mut list = vec![push("user", 1, false, "10.0.0.1"), push("notified", 2, true, "a")];
        let mut gone = Vec::new();
        for i in 0..200 {
            let source = format!("bot{i}");
            let verdict = ids(admit(&list, arriving(&source, false), &recognised, &limits()));
            assert_ne!(verdict, ["full"]);
            list.retain(|r| !verdict.contains(&r.id.as_str().to_owned()));
            gone.extend(verdict);
            list.push(push(&format!("b{i}"), 100 + i, false, &source));
            assert!(list.len() <= 8, "{} open", list.len());
        }
        assert!(list.iter().any(|r| r.id.as_str() == "user"));
        assert!(list.iter().any(|r| r.id.as_str() == "notified"));
        assert_eq!(gone.len(), 200 - 6, "every other one made room");
    }

    #[test]
    fn a_request_in_a_recognised_browser_is_kept_wherever_it_comes_from() {
        let none: [String; 0] = [];
        let mut list = vec![OpenRequest { known_browser: true, ..push("user", 1, false, "cafe") }];
        list.extend((0..7).map(|i| push(&format!("q{i}"), 10 + i, false, &format!("s{i}"))));
        assert_eq!(ids(admit(&list, arriving("x", false), &none, &limits())), ["q0"]);
        // Arriving from a recognised browser, it makes room among sixteen notified ones.
        let notified: Vec<OpenRequest> =
            (0..16).map(|i| push(&format!("n{i}"), i, true, &format!("s{i}"))).collect();
        let mine = Arriving { known_browser: true, ..arriving("cafe", false) };
        assert_eq!(ids(admit(&notified, mine, &none, &limits())), ["n0"]);
        assert_eq!(ids(admit(&notified, arriving("cafe", false), &none, &limits())), ["full"]);
    }

    #[test]
    fn at_what_the_app_lists_a_request_replaces_only_one_kept_as_strongly() {
        // Sixteen notified requests (impossible with the default budget; a custom one).
        let list: Vec<OpenRequest> =
            (0..16).map(|i| push(&format!("n{i}"), i, true, &format!("s{i}"))).collect();
        let none: [String; 0] = [];
        assert_eq!(ids(admit(&list, arriving("x", false), &none, &limits())), ["full"]);
        assert_eq!(ids(admit(&list, arriving("x", true), &none, &limits())), ["n0"]);
        let recognised = ["x".to_owned()];
        assert_eq!(ids(admit(&list, arriving("x", false), &recognised, &limits())), ["n0"]);
        // A bound above what the app lists is what the app lists.
        let many = OpenRequestLimits { per_user: 1000, ..limits() };
        let quiet: Vec<OpenRequest> =
            (0..16).map(|i| push(&format!("q{i}"), i, false, &format!("s{i}"))).collect();
        assert_eq!(ids(admit(&quiet, arriving("x", false), &none, &many)), ["q0"]);
    }

    #[test]
    fn requests_from_before_sources_were_stored_are_not_recognised() {
        let recognised = [String::new()];
        let list: Vec<OpenRequest> = (0..8).map(|i| push(&format!("q{i}"), i, false, "")).collect();
        // Same (empty) source: a request from nowhere replaces them; one from somewhere keeps
        // only the bound.
        assert_eq!(ids(admit(&list, arriving("", false), &recognised, &limits())).len(), 8);
        assert_eq!(ids(admit(&list, arriving("x", false), &recognised, &limits())), ["q0"]);
    }
}
