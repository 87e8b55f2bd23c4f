use std::path::Path;

use super::sqlite::SqliteStore;
use super::*;
use crate::model::{
    NewSession, NewSignIn, NewUser, PushBudget, PushPlan, QuietReason, RequestState,
};

/// What only the storage module may write: the SQLite crate and its calls, and SQL.
const STORAGE_ONLY: [&str; 12] = [
    "rusqlite",
    "execute(",
    "execute_batch",
    "query_row",
    "query_map",
    "prepare(",
    "prepare_cached",
    "SELECT ",
    "INSERT INTO",
    "DELETE FROM",
    "UPDATE ",
    "CREATE TABLE",
];

fn rust_files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

#[test]
fn no_sql_outside_storage() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let storage = src.join("storage");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    assert!(files.len() > 10, "found the sources");
    let mut offenders = Vec::new();
    for file in files.iter().filter(|f| !f.starts_with(&storage)) {
        let text = std::fs::read_to_string(file).unwrap();
        for word in STORAGE_ONLY {
            if text.contains(word) {
                offenders.push(format!("{}: {word}", file.display()));
            }
        }
    }
    assert!(offenders.is_empty(), "SQL outside idp/src/storage: {offenders:#?}");
    // The check would see SQL if there were some.
    let sql = std::fs::read_to_string(storage.join("sqlite/accounts.rs")).unwrap();
    assert!(STORAGE_ONLY.iter().any(|w| sql.contains(w)));
}

fn store() -> (tempfile::TempDir, SqliteStore) {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(dir.path().join("t.db")).unwrap();
    (dir, store)
}

#[test]
fn a_database_from_a_newer_version_is_refused_and_left_alone() {
    let (dir, store) = store();
    store.set_settings(&[(Setting::Issuer, "T")]).unwrap();
    drop(store);
    let path = dir.path().join("t.db");
    {
        let conn = rusqlite::Connection::open(&path).unwrap();
        conn.pragma_update(None, "user_version", 99).unwrap();
    }
    let err = SqliteStore::open(&path).unwrap_err();
    assert!(
        matches!(err, OpenError::FromTheFuture { found: 99, supported } if supported == super::sqlite::SCHEMA_VERSION),
        "{err}"
    );
    let conn = rusqlite::Connection::open(&path).unwrap();
    let issuer: String = conn
        .query_row("SELECT value FROM settings WHERE key = 'issuer'", [], |r| r.get(0))
        .unwrap();
    assert_eq!(issuer, "T");
}

#[test]
fn users_settings_and_sessions_round_trip() {
    let (_dir, store) = store();
    let user = NewUser {
        id: UserId::new("u1"),
        name: "anna".into(),
        password_hash: None,
        otp_secret: Some("JBSWY3DP".into()),
        created_at: 100,
    };
    assert!(store.add_user(&user).unwrap());
    assert!(!store.add_user(&user).unwrap(), "the name is taken");
    let read = store.user_by_name("anna").unwrap().unwrap();
    assert_eq!((read.id.as_str(), read.otp_secret.as_deref()), ("u1", Some("JBSWY3DP")));
    assert!(store.user_by_name("bert").unwrap().is_none());

    store.add_setting_if_absent(Setting::Origin, "http://a").unwrap();
    store.add_setting_if_absent(Setting::Origin, "http://b").unwrap();
    assert_eq!(store.setting(Setting::Origin).unwrap().as_deref(), Some("http://a"));
    store.set_settings(&[(Setting::Origin, "http://c"), (Setting::RpId, "c")]).unwrap();
    assert_eq!(store.setting(Setting::Origin).unwrap().as_deref(), Some("http://c"));

    let session = NewSession { token_hash: "h".into(), ttl: 10 };
    store.add_session(&UserId::new("u1"), &session, 100).unwrap();
    assert_eq!(store.session_user("h", 109).unwrap().map(|(_, n)| n).as_deref(), Some("anna"));
    assert!(store.session_user("h", 110).unwrap().is_none(), "expired");
    store.end_session("h").unwrap();
    assert!(store.session_user("h", 105).unwrap().is_none(), "ended");

    let events = store.events(Some("anna"), 10).unwrap();
    assert_eq!(events.iter().map(|e| e.kind.as_str()).collect::<Vec<_>>(), ["user_added"]);
}

#[test]
fn a_refused_start_writes_nothing_and_an_unknown_user_reaches_the_domain() {
    let (_dir, store) = store();
    let clock = || 1000;
    let mut seen_user = None;
    let (verdict, targets) = store
        .start_request("nobody", RequestKind::Push, &reads(None), None, &clock, &mut |c| {
            seen_user = Some(c.user.is_some());
            StartVerdict::Refuse(Error::UnknownUser)
        })
        .unwrap();
    assert!(matches!(verdict, StartVerdict::Refuse(Error::UnknownUser)));
    assert_eq!((seen_user, targets), (Some(false), 0));
    assert!(store.events(None, 10).unwrap().is_empty());
}

/// What a start reads: a rate window of 600 s (only `source`'s requests when given) and the
/// sources of sign-ins completed in the last 1000 s, at most 4.
fn reads(source: Option<&str>) -> StartReads<'_> {
    StartReads { seconds: 600, source, recognised_for: 1000, recognised_sources: 4 }
}

/// A request "id" to create at `now` (number 42, source "s"), notified unless `quiet`, with
/// the budget after one notification at 1000.
fn sign_in(id: &str, quiet: Option<QuietReason>, now: i64) -> NewSignIn {
    // One notification, at 1000 (r1's).
    let budget = PushBudget { unanswered: 1, sent_at: 1000, tried_at: now, muted_until: 0 };
    NewSignIn {
        id: RequestId::new(id),
        nonce: vec![1; 32],
        number: 42,
        app: "a".into(),
        ip: "i".into(),
        location: "l".into(),
        expires_at: now + 120,
        browser_token_hash: "h".into(),
        source: "s".into(),
        push: PushPlan { quiet, budget },
        replaces: Vec::new(),
        known_browser: false,
    }
}

/// A user "anna" with one enrolled device "d1" and one pending push request "r1" at t = 1000.
fn seeded() -> (tempfile::TempDir, SqliteStore) {
    use crate::model::{Activation, DeviceId, Enrolled, NewDevice};
    let (dir, store) = store();
    let user = UserId::new("u1");
    let new_user = NewUser {
        id: user.clone(),
        name: "anna".into(),
        password_hash: None,
        otp_secret: None,
        created_at: 900,
    };
    assert!(store.add_user(&new_user).unwrap());
    let activation = Activation {
        code_hash: "c".into(),
        user,
        expires_at: 2000,
        replaces: None,
        carries_otp: false,
    };
    store.add_activation(&activation).unwrap();
    let device = NewDevice {
        id: DeviceId::new("d1"),
        name: "phone".into(),
        push_token: Some("t".into()),
        public_key: vec![4; 65],
        activation_code_hash: "c".into(),
        nonce_owner: "pk".into(),
        nonce: "n".into(),
        nonce_ttl: 600,
    };
    let clock = || 1000;
    assert!(matches!(store.enroll_device(&device, &clock).unwrap(), Enrolled::Done { .. }));
    assert!(
        matches!(store.enroll_device(&device, &clock).unwrap(), Enrolled::Replayed),
        "the nonce is remembered"
    );
    let (verdict, targets) = store
        .start_request("anna", RequestKind::Push, &reads(None), None, &clock, &mut |c| {
            assert_eq!((c.targets, c.recent, c.open.len()), (1, 0, 0));
            assert_eq!(c.notified_last_hour, 0);
            StartVerdict::Create(Box::new(sign_in("r1", None, 1000)))
        })
        .unwrap();
    assert!(matches!(verdict, StartVerdict::Create(_)));
    assert_eq!(targets, 1);
    (dir, store)
}

#[test]
fn a_decision_applies_once_and_a_refused_one_writes_nothing() {
    use crate::model::{CredentialId, RequestState};
    let (_dir, store) = seeded();
    let (req, cred) = (RequestId::new("r1"), CredentialId::new("d1"));
    let clock = || 1010;
    let approve = &mut |c: &crate::model::DecideContext| {
        assert_eq!((c.number, c.expires_at, c.now), (42, 1120, 1010));
        DecideVerdict::Decide {
            state: RequestState::Approved,
            sign_count: 7,
            block_until: None,
            mute_until: None,
            push_budget: Some(PushBudget {
                unanswered: 0,
                sent_at: 0,
                tried_at: 1,
                muted_until: 2,
            }),
        }
    };
    let (now, verdict) = store.decide_request(&req, &cred, &clock, approve).unwrap();
    assert_eq!(now, 1010);
    assert!(matches!(verdict, DecideVerdict::Decide { .. }));
    assert_eq!(store.request(&req).unwrap().unwrap().state, RequestState::Approved);
    assert_eq!(store.credential(&cred).unwrap().unwrap().sign_count, 7);

    // Judged pending by a stale judge: the store refuses to move a decided request.
    let again = &mut |_: &crate::model::DecideContext| DecideVerdict::Decide {
        state: RequestState::Denied,
        sign_count: 9,
        block_until: Some(5000),
        mute_until: Some(5000),
        push_budget: None,
    };
    let (_, verdict) = store.decide_request(&req, &cred, &clock, again).unwrap();
    assert!(matches!(verdict, DecideVerdict::Refuse(Error::NotPending)), "{verdict:?}");
    assert_eq!(store.request(&req).unwrap().unwrap().state, RequestState::Approved);
    assert_eq!(store.credential(&cred).unwrap().unwrap().sign_count, 7, "counter unchanged");
    let anna = store.user_by_name("anna").unwrap().unwrap();
    assert_eq!(anna.blocked_until, 0, "not blocked");
    assert_eq!(anna.push_budget.muted_until, 0, "not muted");
    // The approval stored the judged count and time, and only those.
    assert_eq!(
        anna.push_budget,
        PushBudget { unanswered: 0, sent_at: 0, tried_at: 1000, muted_until: 0 }
    );

    // Completion opens a session once.
    let session = NewSession { token_hash: "s".into(), ttl: 60 };
    use crate::model::{CompletionContext, CompletionVerdict};
    let mut seen = Vec::new();
    let mut complete = |c: &CompletionContext| {
        seen.push((c.state, c.approver_live, c.user.clone()));
        CompletionVerdict::Complete
    };
    let (_, v) = store.complete_request(&req, &session, &clock, &mut complete).unwrap().unwrap();
    assert!(matches!(v, CompletionVerdict::Complete));
    // A stale judge cannot complete it twice.
    let (_, v) = store.complete_request(&req, &session, &clock, &mut complete).unwrap().unwrap();
    assert!(matches!(v, CompletionVerdict::Refuse(Error::NotApproved)), "{v:?}");
    assert_eq!(seen[0], (RequestState::Approved, true, UserId::new("u1")));
    assert_eq!(seen[1].0, RequestState::Completed);
    assert!(store.session_user("s", 1011).unwrap().is_some());
}

#[test]
fn a_quiet_start_records_no_trigger_and_a_report_mutes_and_tells_the_administrator() {
    use crate::model::CredentialId;
    let (_dir, store) = seeded();
    let anna = store.user_by_name("anna").unwrap().unwrap();
    assert_eq!(
        anna.push_budget,
        PushBudget { unanswered: 1, sent_at: 1000, tried_at: 1000, muted_until: 0 }
    );
    assert_eq!(store.push_triggers(&RequestId::new("r1")).unwrap().len(), 1);

    // A quiet request from another source: created, budget stored, no trigger, an event; the
    // first request stays open beside it (the domain chose to replace none).
    let clock = || 1030;
    let other = reads(Some("elsewhere"));
    let (verdict, notified) = store
        .start_request("anna", RequestKind::Push, &other, None, &clock, &mut |c| {
            assert_eq!((c.recent, c.notified_last_hour), (0, 1), "another source's window");
            StartVerdict::Create(Box::new(sign_in("r2", Some(QuietReason::BackOff), 1030)))
        })
        .unwrap();
    assert!(matches!(verdict, StartVerdict::Create(_)));
    assert_eq!(notified, 0);
    assert!(store.push_triggers(&RequestId::new("r2")).unwrap().is_empty());
    let state = |id: &str| store.request(&RequestId::new(id)).unwrap().unwrap().state;
    assert_eq!(state("r1"), RequestState::Pending);
    let quiet = store.events(Some("anna"), 10).unwrap();
    let quiet = quiet.iter().find(|e| e.kind == "push_quiet").expect("a push_quiet event");
    assert_eq!(quiet.detail, "back_off");
    let clock = || 1040;
    let same = reads(Some("s"));
    store
        .start_request("anna", RequestKind::Push, &same, None, &clock, &mut |c| {
            assert_eq!((c.recent, c.notified_last_hour), (2, 1), "the source's two requests");
            let open: Vec<_> = c.open.iter().map(|r| (r.id.as_str(), r.notified)).collect();
            assert_eq!(open.len(), 2);
            assert!(open.contains(&("r1", true)) && open.contains(&("r2", false)), "{open:?}");
            StartVerdict::Refuse(Error::RateLimited)
        })
        .unwrap();
    assert_eq!((state("r1"), state("r2")), (RequestState::Pending, RequestState::Pending));

    // A report mutes and records `pushes_muted`.
    let report = |mute| {
        move |_: &crate::model::DecideContext| DecideVerdict::Decide {
            state: RequestState::Reported,
            sign_count: 1,
            block_until: Some(4600),
            mute_until: Some(mute),
            push_budget: None,
        }
    };
    let cred = CredentialId::new("d1");
    let (_, v) =
        store.decide_request(&RequestId::new("r2"), &cred, &clock, &mut report(90_000)).unwrap();
    assert!(matches!(v, DecideVerdict::Decide { .. }));
    let anna = store.user_by_name("anna").unwrap().unwrap();
    assert_eq!((anna.blocked_until, anna.push_budget.muted_until), (4600, 90_000));
    let listed = store.users().unwrap();
    assert_eq!((listed[0].pushes_muted_until, listed[0].unanswered_pushes), (90_000, 1));
    let events = store.events(Some("anna"), 10).unwrap();
    let muted = events.iter().find(|e| e.kind == "pushes_muted").expect("a pushes_muted event");
    assert_eq!(muted.detail, "90000");
}

#[test]
fn an_unknown_request_or_credential_is_refused_by_the_store() {
    use crate::model::CredentialId;
    let (_dir, store) = seeded();
    let clock = || 1010;
    let never = &mut |_: &crate::model::DecideContext| -> DecideVerdict {
        panic!("no judgement without the rows")
    };
    let (_, v) = store
        .decide_request(&RequestId::new("r9"), &CredentialId::new("d1"), &clock, never)
        .unwrap();
    assert!(matches!(v, DecideVerdict::Refuse(Error::NotFound("request"))));
    let (_, v) = store
        .decide_request(&RequestId::new("r1"), &CredentialId::new("x"), &clock, never)
        .unwrap();
    assert!(matches!(v, DecideVerdict::Refuse(Error::UnknownCredential)));
}

#[test]
fn attempt_counters_are_stored_ended_and_purged() {
    use crate::model::{AttemptCounter, AttemptOutcome, AttemptVerdict, Familiarity};
    use Familiarity::{Familiar, Unfamiliar};
    let (_dir, store) = store();
    let purge = CounterPurge { name_idle: 100, name_locked_at: 10, source_window: 50 };
    let counter = |count, at| AttemptCounter { count, since: at, last_at: at };
    let begin_in = |name: &str, f, now: i64, allow: Option<(i64, i64)>| {
        let clock = move || now;
        let mut seen = None;
        store
            .begin_password_attempt(name, "10.0.0.1", f, &purge, &clock, &mut |c| {
                seen = Some((c.name, c.source));
                match allow {
                    Some((n, s)) => {
                        AttemptVerdict::Allow { name: counter(n, now), source: counter(s, now) }
                    }
                    None => AttemptVerdict::Refuse(crate::error::Error::PasswordLocked),
                }
            })
            .unwrap();
        seen.unwrap()
    };
    let begin = |name: &str, now: i64, allow| begin_in(name, Unfamiliar, now, allow);
    assert_eq!(begin("anna", 1000, Some((1, 1))), (None, None));
    assert_eq!(begin("anna", 1001, None), (Some(counter(1, 1000)), Some(counter(1, 1000))));
    // A refusal wrote nothing.
    assert_eq!(begin("anna", 1002, Some((2, 2))).0, Some(counter(1, 1000)));
    // A success forgets the name and uncounts the source's attempt.
    let end = |f, outcome, now| store.end_password_attempt("anna", "10.0.0.1", f, outcome, now);
    end(Unfamiliar, AttemptOutcome::Success, 1003).unwrap();
    assert_eq!(begin("anna", 1004, Some((10, 1))), (None, Some(counter(1, 1002))));
    // The familiar context has its own counter (the source's is shared); a success there
    // forgets only its own.
    assert_eq!(begin_in("anna", Familiar, 1004, Some((3, 2))).0, None);
    assert_eq!(begin_in("anna", Familiar, 1004, None).0, Some(counter(3, 1004)));
    assert_eq!(begin("anna", 1004, None).0, Some(counter(10, 1004)));
    end(Familiar, AttemptOutcome::Success, 1004).unwrap();
    assert_eq!(begin_in("anna", Familiar, 1004, None).0, None);
    assert_eq!(begin("anna", 1004, None).0, Some(counter(10, 1004)), "not forgotten");
    assert_eq!(begin_in("anna", Familiar, 1004, Some((4, 2))).0, None);
    // A failure of a known user is an event naming its context; an unknown name has none.
    let user = NewUser {
        id: UserId::new("u1"),
        name: "anna".into(),
        password_hash: None,
        otp_secret: None,
        created_at: 1,
    };
    store.add_user(&user).unwrap();
    end(Familiar, AttemptOutcome::Failure, 1005).unwrap();
    store
        .end_password_attempt("nobody", "10.0.0.1", Unfamiliar, AttemptOutcome::Failure, 1005)
        .unwrap();
    let failed = store.events(None, 10).unwrap();
    let failed: Vec<_> = failed.iter().filter(|e| e.kind == "password_failed").collect();
    assert_eq!(failed.len(), 1);
    assert_eq!(failed[0].detail, "familiar");
    // Idle counters are purged (the familiar one too), a locked name's never; the source's
    // window ends.
    assert_eq!(begin("bert", 1006, Some((3, 1))).0, None);
    let (anna, source) = begin("anna", 2000, None);
    assert_eq!(anna, Some(counter(10, 1004)), "locked: kept");
    assert_eq!(source, None, "the source's window ended");
    assert_eq!(begin("bert", 2000, None).0, None, "idle: forgotten");
    assert_eq!(begin_in("anna", Familiar, 2000, Some((10, 1))).0, None, "idle: forgotten");
    // The administrator's unlock forgets both.
    assert!(store.reset_password_failures("anna", 2001).unwrap());
    assert!(!store.reset_password_failures("anna", 2002).unwrap());
    assert_eq!(begin("anna", 2003, None).0, None);
    assert_eq!(begin_in("anna", Familiar, 2003, None).0, None);
}

#[cfg(unix)]
fn mode(path: &Path) -> u32 {
    use std::os::unix::fs::MetadataExt;
    std::fs::metadata(path).unwrap().mode() & 0o777
}

#[cfg(unix)]
#[test]
fn a_new_database_and_its_wal_and_shm_are_the_owners_only() {
    let (dir, store) = store();
    store.set_settings(&[(Setting::Issuer, "T")]).unwrap();
    // (The -wal and -shm exist while a connection is open.)
    for name in ["t.db", "t.db-wal", "t.db-shm"] {
        assert_eq!(mode(&dir.path().join(name)), 0o600, "{name}");
    }
}

#[cfg(unix)]
#[test]
fn a_database_open_to_other_users_is_refused_untouched() {
    use std::os::unix::fs::PermissionsExt;
    let (dir, store) = store();
    store.set_settings(&[(Setting::Issuer, "T")]).unwrap();
    drop(store);
    let path = dir.path().join("t.db");
    let before = std::fs::read(&path).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
    let err = SqliteStore::open(&path).unwrap_err();
    assert!(matches!(err, OpenError::Exposed { mode: 0o644, .. }), "{err}");
    let text = err.to_string();
    assert!(text.contains("t.db") && text.contains("chmod 600"), "{text}");
    assert_eq!((mode(&path), std::fs::read(&path).unwrap()), (0o644, before), "left alone");
    // A -wal (or -shm) beside an owner-only file, open to others, is refused too.
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
    let wal = dir.path().join("t.db-wal");
    std::fs::write(&wal, b"").unwrap();
    std::fs::set_permissions(&wal, std::fs::Permissions::from_mode(0o660)).unwrap();
    let err = SqliteStore::open(&path).unwrap_err();
    assert!(matches!(&err, OpenError::Exposed { path, .. } if path == &wal), "{err}");
    std::fs::remove_file(&wal).unwrap();
    assert!(SqliteStore::open(&path).is_ok(), "owner-only opens");
}

#[test]
fn a_start_replaces_what_the_domain_chose_ends_stale_requests_and_reads_recognised_sources() {
    use crate::model::{CompletionVerdict, CredentialId, DecideContext};
    let (_dir, store) = seeded();
    let state = |id: &str| store.request(&RequestId::new(id)).unwrap().unwrap().state;
    let start = |at: i64, source: &'static str, new: NewSignIn| {
        let clock = move || at;
        let mut seen = None;
        let mut new = Some(NewSignIn { source: source.into(), ..new });
        store
            .start_request(
                "anna",
                RequestKind::Push,
                &reads(Some(source)),
                None,
                &clock,
                &mut |c| {
                    let open: Vec<String> =
                        c.open.iter().map(|r| r.id.as_str().to_owned()).collect();
                    seen = Some((open, c.recognised.to_vec()));
                    StartVerdict::Create(Box::new(new.take().expect("judged once")))
                },
            )
            .unwrap();
        seen.unwrap()
    };
    // r2 replaces r1 as the domain says; r3 replaces nothing and both stay open.
    let r2 = NewSignIn { replaces: vec![RequestId::new("r1")], ..sign_in("r2", None, 1010) };
    assert_eq!(start(1010, "a", r2), (vec!["r1".to_owned()], vec![]));
    assert_eq!(state("r1"), RequestState::Superseded);
    let (open, _) = start(1020, "b", sign_in("r3", None, 1020));
    assert_eq!(open, ["r2"]);
    // Approved and completed from "b": its source is recognised from then on.
    let clock = || 1030;
    let approve = &mut |_: &DecideContext| DecideVerdict::Decide {
        state: RequestState::Approved,
        sign_count: 1,
        block_until: None,
        mute_until: None,
        push_budget: None,
    };
    store.decide_request(&RequestId::new("r3"), &CredentialId::new("d1"), &clock, approve).unwrap();
    let session = NewSession { token_hash: "s".into(), ttl: 60 };
    let done = &mut |_: &crate::model::CompletionContext| CompletionVerdict::Complete;
    store.complete_request(&RequestId::new("r3"), &session, &clock, done).unwrap();
    // Past r2's expiry (1130) a start no longer sees it, and ends it as expired.
    let (open, recognised) = start(1200, "c", sign_in("r4", None, 1200));
    assert!(open.is_empty(), "{open:?}");
    assert_eq!(recognised, ["b"]);
    assert_eq!(state("r2"), RequestState::Expired);
    // Recognition lasts `recognised_for` (1000 s) after the completed request's creation.
    let (_, recognised) = start(2021, "d", sign_in("r5", None, 2021));
    assert!(recognised.is_empty(), "{recognised:?}");
}
