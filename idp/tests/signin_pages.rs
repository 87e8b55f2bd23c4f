//! The sign-in pages' small courtesies, over loopback: "Försök igen" after a failed sign-in
//! keeps the typed user name (escaped, bounded); the user name matches in any case on every
//! path; past the push budget, the number page says no notification was sent and to open the
//! app.

mod oidc_support;

use oidc_support::*;

#[test]
fn try_again_keeps_the_typed_user_name() {
    let idp = Idp::start();
    let mut browser = Browser::default();
    let fields = [("username", " Anna Å<b> "), ("mode", "password"), ("password", "fel")];
    let refused = browser.post(&idp.url("/signin"), &form(&fields));
    assert_eq!(refused.status, 401, "{}", text(&refused));
    let body = text(&refused);
    let retry = body.split("class=\"button\" href=\"").nth(1).unwrap().split('"').next().unwrap();
    assert_eq!(retry, "/signin?username=Anna+%C3%85%3Cb%3E", "trimmed and encoded");

    let again = text(&browser.get(&idp.url(retry)));
    assert!(again.contains(r#"value="Anna Å&lt;b&gt;""#), "filled in, escaped: {again}");
    for id in ["id=\"username\"", "id=\"next\"", "id=\"phone\""] {
        assert!(again.contains(id), "{id}");
    }
    // A name longer than any accepted one is not filled in.
    let long = format!("/signin?username={}", "a".repeat(257));
    assert!(
        text(&browser.get(&idp.url(&long))).contains(r#"id="username" name="username" value="""#)
    );
    // Without a typed name, the form is empty as before.
    assert!(text(&browser.get(&idp.url("/signin"))).contains(r#"name="username" value="""#));
}

#[test]
fn past_the_push_budget_the_number_page_says_to_open_the_app() {
    let idp = Idp::start();
    let mut browser = Browser::default();
    let fields = [("username", "anna"), ("mode", "password"), ("password", PASSWORD)];
    // Three unanswered notifications are free: the page says the usual thing.
    for _ in 0..3 {
        let page = text(&browser.post(&idp.url("/signin"), &form(&fields)));
        assert!(page.contains("id=\"number\""), "{page}");
        assert!(page.contains("skriv in numret för att godkänna inloggningen"), "{page}");
        assert!(!page.contains("Ingen notis"), "{page}");
    }
    // The fourth comes inside the back-off: created, but no notification, and the page says
    // so and sends the user to the app.
    let quiet = browser.post(&idp.url("/signin"), &form(&fields));
    assert_eq!(quiet.status, 200);
    let page = text(&quiet);
    assert!(page.contains("id=\"number\""), "{page}");
    assert!(page.contains("Ingen notis skickades till telefonen"), "{page}");
    assert!(page.contains("Öppna Nyckel-appen: inloggningen väntar där"), "{page}");
    let id = attr(&page, "data-request").unwrap();
    assert_eq!(idp.provider.pushes_for(&id).unwrap(), 0);
    assert_eq!(idp.provider.signin_status(&id).unwrap().state, "pending");
}

/// Phones capitalise the first letter: "Anna", " ANNA " and "aNNA" are the user "anna" on
/// every sign-in path — the password, "Logga in med telefonen" (the request reaches her
/// phone: no decoy) and an application's `login_hint` — and the ID token names her as stored.
/// The user-name field asks phones to leave what is typed alone.
#[test]
fn the_user_name_matches_in_any_case_on_every_sign_in_path() {
    let mut idp = Idp::start();
    idp.phone.enable_phone_signin();
    let form_page = text(&Browser::default().get(&idp.url("/signin")));
    for hint in [r#"autocapitalize="none""#, r#"autocorrect="off""#, r#"spellcheck="false""#] {
        assert!(form_page.contains(hint), "{hint}: {form_page}");
    }
    let rp = idp.client(false, None);
    let mut subs = Vec::new();
    for (mode, typed) in
        [(Mode::Password, "Anna"), (Mode::Phone, " ANNA "), (Mode::Password, "aNNA")]
    {
        let mut browser = Browser::default();
        let page = browser.get(&idp.authorize_url(&rp, None, &[("login_hint", typed)]));
        assert!(
            text(&page).contains(&format!("value=\"{typed}\"")),
            "login_hint fills in {typed:?}"
        );
        let answer = idp.sign_in_as(typed, &mut browser, &page, mode, Answer::Approve);
        let code = param(&location(&answer), "code").expect("signed in");
        let tokens = idp.token(&rp, &code, None);
        assert_eq!(tokens.status, 200, "{}", text(&tokens));
        let claims = idp.verify_id_token(&rp, json(&tokens)["id_token"].as_str().unwrap());
        assert_eq!(claims["preferred_username"], "anna", "the name as stored");
        subs.push(claims["sub"].as_str().unwrap().to_owned());
    }
    assert!(subs.iter().all(|s| *s == subs[0]), "one user: {subs:?}");
}
