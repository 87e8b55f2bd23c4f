//! Coexisting sign-in requests (`docs/protocol.md` §7): which of a user's open requests a new
//! one replaces. Judged on what the store read under its write lock, in the transaction that
//! creates the request (like `push_budget.rs`).
//!
//! A new request replaces only what its own starter left open: on the sign-in page, the
//! request **this browser** started before (it holds that request's status token, in the
//! `nyckel_started` cookie), wherever it came from; without a browser (the admin CLI, the
//! provider's API), the open requests from its own source address. Another browser behind the
//! same address (a shared NAT) replaces nothing of the user's, and an attacker with other
//! addresses cannot supersede the real user's sign-in: their requests wait side by side, and
//! the app lists each with its context. Only the request whose number the user types can be
//! approved, and a wrong number kills only that request.
//!
//! The open requests are bounded. Past `per_user` (8), the oldest *quiet* request from an
//! address and a browser the user has not signed in from recently, once it is older than
//! `protect_for` (60 s), makes room — from the source holding the most open requests first,
//! so one place cannot crowd out another. Kept are a notified request and a quiet one in its
//! first minute (the user may be answering that notification, or opening the app for the
//! number on their screen: *answerable*), and one from a recognised address or browser
//! (`known_browser.rs`). Past [`MOST_OPEN`] (what the app lists), a new request replaces only
//! a request kept less strongly than a recognised one when it is itself recognised, or a quiet
//! one past its first minute, or is refused: a request the user may be answering is never
//! pushed out by a newer one from an unrecognised place, so a real user whose request was
//! created signs in within its first minute by opening the app, whatever a botnet does then.

use std::collections::HashMap;

use nyckel_core::protocol::wire::RequestKind;

use crate::config::OpenRequestLimits;
use crate::model::{OpenRequest, RequestId};

/// The most requests a user has open at once in any case: what the app accepts in one
/// pending list (core's `protocol::pending::MAX_PENDING`), so every open request is listed.
pub(crate) const MOST_OPEN: usize = 16;

/// How strongly an open request is kept when the bound is reached (the lowest goes first).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Keep {
    /// Quiet, past its first `protect_for` seconds, from an address and a browser the user
    /// has not signed in from recently.
    Quiet,
    /// From an unrecognised address and browser, but notified (a push trigger was sent) or
    /// quiet in its first `protect_for` seconds: the user may be answering it.
    Answerable,
    /// From one of the user's recognised addresses, or in a browser recognised as theirs
    /// (`known_browser.rs`).
    Recognised,
}

/// Whether a request or attempt from source key `source`, in a browser recognised as the
/// user's or not (`known_browser`), comes from the user's familiar context: that browser, or
/// one of the user's `recognised` addresses (also the password limits' rule, `guessing.rs`).
pub(crate) fn recognised_source(source: &str, known_browser: bool, recognised: &[String]) -> bool {
    known_browser || (!source.is_empty() && recognised.iter().any(|s| s == source))
}

fn keep(r: &OpenRequest, now: i64, recognised: &[String], limits: &OpenRequestLimits) -> Keep {
    if recognised_source(&r.source, r.known_browser, recognised) {
        Keep::Recognised
    } else if r.notified || now < r.created_at.saturating_add(limits.protect_for) {
        Keep::Answerable
    } else {
        Keep::Quiet
    }
}

/// Takes the weakest kept of `staying` out: the lowest [`Keep`]; among equals the request of
/// the source holding the most open requests now (`held`, kept up to date), then the oldest.
fn weakest<'a>(
    staying: &mut Vec<(Keep, &'a OpenRequest)>,
    held: &mut HashMap<&'a str, usize>,
) -> Option<(Keep, RequestId)> {
    let at = (0..staying.len()).min_by_key(|&i| {
        let (k, r) = staying[i];
        let n = held.get(r.source.as_str()).copied().unwrap_or(0);
        (k, std::cmp::Reverse(n), r.created_at, r.id.as_str())
    })?;
    let (k, r) = staying.remove(at);
    if let Some(n) = held.get_mut(r.source.as_str()) {
        *n = n.saturating_sub(1);
    }
    Some((k, r.id.clone()))
}

/// Which of its starter's earlier requests a new request replaces.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Retry<'a> {
    /// A start without a browser (the admin CLI, the provider's API): the open requests from
    /// its own source address.
    SameSource,
    /// A start on the sign-in page: the request this browser started before, if it proved
    /// one (its status token, checked).
    Browser(Option<&'a RequestId>),
}

/// The request about to be created, as far as the bound is concerned.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Arriving<'a> {
    /// Push or passwordless.
    pub kind: RequestKind,
    /// Its source key.
    pub source: &'a str,
    /// Started in a browser recognised as the user's.
    pub known_browser: bool,
    /// What of its starter's it replaces.
    pub retry: Retry<'a>,
}

/// What the bound decides for a new request.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Admission {
    /// Create it, replacing these open requests (oldest first within each reason).
    Admit(Vec<RequestId>),
    /// [`MOST_OPEN`] requests, none of which the new one may replace, are open: refuse it.
    Full,
}

/// The open requests `new` replaces at `now`, given the user's `open` requests and
/// `recognised` source keys.
pub(crate) fn admit(
    open: &[OpenRequest],
    new: Arriving<'_>,
    now: i64,
    recognised: &[String],
    limits: &OpenRequestLimits,
) -> Admission {
    // A password sign-in replaces its starter's open requests of either kind; a username-only
    // one only its username-only ones (it never displaces a password sign-in).
    let kind_fits =
        |r: &OpenRequest| new.kind == RequestKind::Push || r.kind == RequestKind::Passwordless;
    let own = |r: &OpenRequest| {
        kind_fits(r)
            && match new.retry {
                Retry::SameSource => r.source == new.source,
                Retry::Browser(started) => started == Some(&r.id),
            }
    };
    let mut replaced: Vec<RequestId> =
        open.iter().filter(|r| own(r)).map(|r| r.id.clone()).collect();
    let mut staying: Vec<(Keep, &OpenRequest)> =
        open.iter().filter(|r| !own(r)).map(|r| (keep(r, now, recognised, limits), r)).collect();
    let mut held: HashMap<&str, usize> = HashMap::new();
    for (_, r) in &staying {
        *held.entry(r.source.as_str()).or_default() += 1;
    }
    let soft = limits.per_user.clamp(1, MOST_OPEN);
    while staying.len() >= soft && staying.iter().any(|(k, _)| *k == Keep::Quiet) {
        match weakest(&mut staying, &mut held) {
            Some((_, id)) => replaced.push(id),
            None => break,
        }
    }
    // Past what the app lists, a recognised request replaces the weakest (oldest) of the
    // others; any other request only a quiet one past its first minute.
    let strength = if recognised_source(new.source, new.known_browser, recognised) {
        Keep::Recognised
    } else {
        Keep::Quiet
    };
    while staying.len() >= MOST_OPEN {
        match weakest(&mut staying, &mut held) {
            Some((k, id)) if k <= strength => replaced.push(id),
            _ => return Admission::Full,
        }
    }
    Admission::Admit(replaced)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The time the tests' requests arrive at: every request created before 940 is past its
    /// first minute.
    const NOW: i64 = 1000;

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

    fn arriving(source: &str) -> Arriving<'_> {
        Arriving { kind: RequestKind::Push, source, known_browser: false, retry: Retry::SameSource }
    }

    fn from_page<'a>(source: &'a str, started: Option<&'a RequestId>) -> Arriving<'a> {
        Arriving { retry: Retry::Browser(started), ..arriving(source) }
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

    fn run(list: &[OpenRequest], new: Arriving<'_>, recognised: &[String]) -> Vec<String> {
        ids(admit(list, new, NOW, recognised, &limits()))
    }

    #[test]
    fn without_a_browser_a_new_request_replaces_only_its_own_addresses_requests() {
        let list = [
            push("mine", 10, false, "203.0.113.7"),
            push("other", 11, false, "198.51.100.9"),
            open("pl", RequestKind::Passwordless, 12, false, "203.0.113.7"),
        ];
        assert_eq!(run(&list, arriving("192.0.2.1"), &[]), [""; 0]);
        assert_eq!(run(&list, arriving("203.0.113.7"), &[]), ["mine", "pl"]);
        // A username-only request replaces only the same address's username-only ones.
        let pl = Arriving { kind: RequestKind::Passwordless, ..arriving("203.0.113.7") };
        assert_eq!(run(&list, pl, &[]), ["pl"]);
    }

    #[test]
    fn on_the_page_a_new_request_replaces_only_the_one_its_browser_started() {
        // Behind one NAT: the user's request and the attacker's come from the same address.
        let list = [
            push("users", 990, false, "nat"),
            push("attackers", 995, false, "nat"),
            open("pl", RequestKind::Passwordless, 996, false, "nat"),
        ];
        // The attacker's browser again (it proves its own earlier request): only that one.
        let theirs = RequestId::new("attackers");
        assert_eq!(run(&list, from_page("nat", Some(&theirs)), &[]), ["attackers"]);
        // A browser that proves nothing replaces nothing, even from the same address.
        assert_eq!(run(&list, from_page("nat", None), &[]), [""; 0]);
        // The user's browser retrying, from anywhere: its own.
        let users = RequestId::new("users");
        assert_eq!(run(&list, from_page("elsewhere", Some(&users)), &[]), ["users"]);
        // A username-only retry never replaces a password sign-in, even its own.
        let pl = Arriving { kind: RequestKind::Passwordless, ..from_page("nat", Some(&users)) };
        assert_eq!(run(&list, pl, &[]), [""; 0]);
        let own_pl = RequestId::new("pl");
        let pl = Arriving { kind: RequestKind::Passwordless, ..from_page("nat", Some(&own_pl)) };
        assert_eq!(run(&list, pl, &[]), ["pl"]);
    }

    #[test]
    fn past_the_bound_the_oldest_quiet_unrecognised_request_past_its_first_minute_makes_room() {
        let recognised = ["10.0.0.1".to_owned()];
        // The user's, from their usual address, then a notified one, then six quiet ones.
        let mut list = vec![push("user", 1, false, "10.0.0.1"), push("notified", 2, true, "a")];
        list.extend((0..6).map(|i| push(&format!("q{i}"), 10 + i, false, &format!("s{i}"))));
        assert_eq!(run(&list, arriving("x"), &recognised), ["q0"]);
        // Below the bound nothing goes.
        assert!(run(&list[..7], arriving("x"), &recognised).is_empty());
        // A smaller bound takes as many as needed, never the kept ones.
        let two = OpenRequestLimits { per_user: 2, ..limits() };
        let gone = ids(admit(&list, arriving("x"), NOW, &recognised, &two));
        assert_eq!(gone, ["q0", "q1", "q2", "q3", "q4", "q5"]);
        // In their first minute they are answerable: kept past the bound, up to what the app
        // lists.
        let young: Vec<OpenRequest> =
            (0..8).map(|i| push(&format!("y{i}"), NOW - 59 + i, false, &format!("s{i}"))).collect();
        assert!(run(&young, arriving("x"), &[]).is_empty());
        let aged: Vec<OpenRequest> =
            (0..8).map(|i| push(&format!("y{i}"), NOW - 60 + i, false, &format!("s{i}"))).collect();
        assert_eq!(run(&aged, arriving("x"), &[]), ["y0"]);
    }

    #[test]
    fn a_source_holding_more_open_requests_makes_room_first() {
        // One address (a NAT, or one attacker) holds three quiet requests, others one each.
        let mut list: Vec<OpenRequest> =
            (0..3).map(|i| push(&format!("n{i}"), 100 + i, false, "nat")).collect();
        list.extend((0..5).map(|i| push(&format!("o{i}"), 10 + i, false, &format!("s{i}"))));
        assert_eq!(run(&list, from_page("x", None), &[]), ["n0"]);
        let five = OpenRequestLimits { per_user: 5, ..limits() };
        let gone = ids(admit(&list, from_page("x", None), NOW, &[], &five));
        // The biggest holder until it holds no more than the others, then the oldest.
        assert_eq!(gone, ["n0", "n1", "o0", "o1"]);
    }

    #[test]
    fn a_flood_of_quiet_requests_never_replaces_a_notified_or_recognised_one() {
        let recognised = ["10.0.0.1".to_owned()];
        let mut list = vec![push("user", 1, false, "10.0.0.1"), push("notified", 2, true, "a")];
        let mut gone = Vec::new();
        // One request a minute from a new address each, for 200 minutes.
        for i in 0..200 {
            let now = 1000 + 60 * i;
            let source = format!("bot{i}");
            let verdict = ids(admit(&list, arriving(&source), now, &recognised, &limits()));
            assert_ne!(verdict, ["full"]);
            list.retain(|r| !verdict.contains(&r.id.as_str().to_owned()));
            gone.extend(verdict);
            list.push(push(&format!("b{i}"), now, false, &source));
            assert!(list.len() <= 8, "{} open", list.len());
        }
        assert!(list.iter().any(|r| r.id.as_str() == "user"));
        assert!(list.iter().any(|r| r.id.as_str() == "notified"));
        assert_eq!(gone.len(), 200 - 6, "every other one made room");
    }

    #[test]
    fn a_botnet_can_neither_push_out_a_request_in_its_first_minute_nor_fill_the_list_for_long() {
        // The user's quiet request from a new address and browser at 1000, then bots: ten a
        // second, each from a new address.
        let mut list = vec![push("user", NOW, false, "cafe")];
        let (mut refused, mut admitted) = (0, 0);
        for i in 0..600 {
            let now = NOW + i / 10;
            let source = format!("bot{i}");
            match ids(admit(&list, arriving(&source), now, &[], &limits())).as_slice() {
                [full] if full == "full" => refused += 1,
                gone => {
                    admitted += 1;
                    list.retain(|r| !gone.contains(&r.id.as_str().to_owned()));
                    list.push(push(&format!("b{i}"), now, false, &source));
                }
            }
            assert!(list.len() <= MOST_OPEN);
            if now < NOW + 60 {
                assert!(list.iter().any(|r| r.id.as_str() == "user"), "kept in its first minute");
            }
        }
        // The list filled in the first minute: later bots were refused, the user's request
        // never replaced.
        assert_eq!((admitted, refused), (MOST_OPEN - 1, 600 - (MOST_OPEN - 1)));
        // Past its first minute a quiet request makes room again (the oldest ones).
        let later = ids(admit(&list, arriving("bot600"), NOW + 60, &[], &limits()));
        assert_eq!(later.len(), MOST_OPEN - limits().per_user + 1, "{later:?}");
    }

    #[test]
    fn a_request_in_a_recognised_browser_is_kept_wherever_it_comes_from() {
        let mut list = vec![OpenRequest { known_browser: true, ..push("user", 1, false, "cafe") }];
        list.extend((0..7).map(|i| push(&format!("q{i}"), 10 + i, false, &format!("s{i}"))));
        assert_eq!(run(&list, arriving("x"), &[]), ["q0"]);
        // Arriving from a recognised browser, it makes room among sixteen notified ones.
        let notified: Vec<OpenRequest> =
            (0..16).map(|i| push(&format!("n{i}"), i, true, &format!("s{i}"))).collect();
        let mine = Arriving { known_browser: true, ..arriving("cafe") };
        assert_eq!(run(&notified, mine, &[]), ["n0"]);
        assert_eq!(run(&notified, arriving("cafe"), &[]), ["full"]);
    }

    #[test]
    fn at_what_the_app_lists_only_a_recognised_request_replaces_an_answerable_one() {
        // Sixteen notified requests (impossible with the default budget; a custom one).
        let list: Vec<OpenRequest> =
            (0..16).map(|i| push(&format!("n{i}"), i, true, &format!("s{i}"))).collect();
        assert_eq!(run(&list, arriving("x"), &[]), ["full"]);
        let recognised = ["x".to_owned()];
        assert_eq!(run(&list, arriving("x"), &recognised), ["n0"]);
        // A recognised request replaces the weakest kept, not a recognised one.
        assert_eq!(run(&list, arriving("x"), &["x".to_owned(), "s0".to_owned()]), ["n1"]);
        // A bound above what the app lists is what the app lists.
        let many = OpenRequestLimits { per_user: 1000, ..limits() };
        let quiet: Vec<OpenRequest> =
            (0..16).map(|i| push(&format!("q{i}"), i, false, &format!("s{i}"))).collect();
        assert_eq!(ids(admit(&quiet, arriving("x"), NOW, &[], &many)), ["q0"]);
    }

    #[test]
    fn requests_from_before_sources_were_stored_are_not_recognised() {
        let recognised = [String::new()];
        let list: Vec<OpenRequest> = (0..8).map(|i| push(&format!("q{i}"), i, false, "")).collect();
        // Same (empty) source: a request from nowhere replaces them; one from somewhere keeps
        // only the bound.
        assert_eq!(run(&list, arriving(""), &recognised).len(), 8);
        assert_eq!(run(&list, arriving("x"), &recognised), ["q0"]);
    }
}
